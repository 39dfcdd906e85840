/* The portable x87 backend, part 3: transcendental functions (F2XM1, FYL2X,
 * FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS, FPTAN). Each is evaluated in a
 * 128-bit-significand format by series after exact argument reduction, then
 * rounded once to 64 bits by FCW.RC. The P6 itself is not correctly rounded
 * (its results are within 1 ulp, SDM Vol. 1 8.3.10), so results may differ
 * from real hardware by 1 ulp; trigonometric arguments are reduced modulo the
 * P6's 66-bit approximation of pi, as the hardware does (SDM Vol. 1 8.3.10),
 * so results far from zero match the hardware rather than the true sine. */
#include "cpu/fp80_soft.h"

/* value = (-1)^s * m * 2^(e - 127), m normalized (bit 127 set) or zero. */
struct xf {
    bool s;
    int32_t e;
    u128 m;
    int8_t rest; /* a series' neglected tail: 0, or its sign relative to the value (+1/-1) */
};

#define U128(hi, lo) (((u128)(hi) << 64) | (lo))
/* pi/4 and ln(2) truncated to 128 bits (checked with integer Machin and atanh
 * series); sqrt(2) and tan(pi/8) = sqrt(2) - 1 below likewise. */
static const struct xf XF_PI_4 = {false, -1, U128(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull), 0};
static const struct xf XF_LN2 = {false, -1, U128(0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull), 0};
/* The P6's pi for argument reduction: 66 significant bits. */
#define PI66_HI 0x3ull /* pi66 = (PI66_HI:PI66_LO) * 2^-64 */
#define PI66_LO 0x243f6a8885a308d3ull

static struct xf xf_norm(struct xf a)
{
    if (!a.m)
        return (struct xf){a.s, 0, 0, 0};
    int z = sf_clz128(a.m);
    a.m <<= z;
    a.e -= z;
    return a;
}

static struct xf xf_of(fp80 v)
{
    struct sf_num n = sf_unpack(v);
    return (struct xf){n.sign, n.e - SF_BIAS, (u128)n.m << 64, 0};
}

static struct xf xf_int(int64_t v)
{
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return xf_norm((struct xf){v < 0, 127, m, 0});
}

static struct xf xf_neg(struct xf a)
{
    a.s = !a.s;
    return a;
}

/* Sign of a value's tail as an absolute direction: -1, 0 or +1. */
static int tail_dir(struct xf a)
{
    return a.rest ? ((a.s ? -1 : 1) * a.rest) : 0;
}

static struct xf xf_add_exact(struct xf a, struct xf b);

static struct xf xf_add(struct xf a, struct xf b)
{
    int dir = tail_dir(a) ? tail_dir(a) : tail_dir(b);
    struct xf r = xf_add_exact(a, b);
    r.rest = (int8_t)(r.m ? (r.s ? -dir : dir) : 0);
    return r;
}

static struct xf xf_add_exact(struct xf a, struct xf b)
{
    if (!b.m)
        return a;
    if (!a.m)
        return b;
    if (a.e < b.e || (a.e == b.e && a.m < b.m)) {
        struct xf t = a;
        a = b;
        b = t;
    }
    int32_t d = a.e - b.e;
    u128 am = a.m >> 1, bm = d >= 127 ? 0 : (b.m >> 1) >> d;
    struct xf r = {a.s, a.e + 1, a.s == b.s ? am + bm : am - bm, 0};
    return xf_norm(r);
}

static struct xf xf_sub(struct xf a, struct xf b)
{
    return xf_add(a, xf_neg(b));
}

static struct xf xf_mul(struct xf a, struct xf b)
{
    if (!a.m || !b.m)
        return (struct xf){a.s ^ b.s, 0, 0, 0};
    uint64_t ah = (uint64_t)(a.m >> 64), al = (uint64_t)a.m;
    uint64_t bh = (uint64_t)(b.m >> 64), bl = (uint64_t)b.m;
    u128 hh = (u128)ah * bh, hl = (u128)ah * bl, lh = (u128)al * bh, ll = (u128)al * bl;
    u128 mid = (hl & ~0ull) + (lh & ~0ull) + (ll >> 64);
    u128 hi = hh + (hl >> 64) + (lh >> 64) + (mid >> 64);
    return xf_norm((struct xf){a.s ^ b.s, a.e + b.e + 1, hi, a.rest ? a.rest : b.rest});
}

static struct xf xf_div(struct xf a, struct xf b)
{
    if (!a.m)
        return (struct xf){a.s ^ b.s, 0, 0, 0};
    u128 rem = a.m, q = 0;
    bool carry = false;
    for (int i = 0; i < 128; i++) {
        q <<= 1;
        if (carry || rem >= b.m) {
            rem -= b.m;
            q |= 1;
        }
        carry = rem >> 127;
        rem <<= 1;
    }
    return xf_norm((struct xf){a.s ^ b.s, a.e - b.e, q, (int8_t)(a.rest ? a.rest : -b.rest)});
}

static struct xf xf_scale(struct xf a, int k)
{
    if (a.m)
        a.e += k;
    return a;
}

static int xf_cmp_mag(struct xf a, struct xf b)
{
    if (!a.m || !b.m)
        return (a.m != 0) - (b.m != 0);
    if (a.e != b.e)
        return a.e > b.e ? 1 : -1;
    return a.m > b.m ? 1 : a.m < b.m ? -1 : 0;
}

/* Round once to the register format. A neglected series tail makes the
 * value inexact in a known direction: move it by less than one unit of the
 * 128-bit significand so the rounding (and PE, C1) see it. */
static fp80 xf_round(struct fp80_ctx *c, struct xf a)
{
    if (!a.m)
        return sf_zero(a.s);
    if (a.rest) {
        if (a.rest < 0)
            a = xf_norm((struct xf){a.s, a.e, a.m - 1, 0});
        a.m |= 1;
    }
    return sf_round_reg(c, a.s, a.e + SF_BIAS, a.m, 64);
}

/* Add the tail term t of a series that stops here to sum (as `rest`). */
static struct xf xf_tail(struct xf sum, struct xf t)
{
    if (t.m)
        sum.rest = (int8_t)(t.s == sum.s ? 1 : -1);
    return sum;
}

/* atanh(u) = u + u^3/3 + u^5/5 + ..., |u| <= 0.2. */
static struct xf xf_atanh(struct xf u)
{
    struct xf u2 = xf_mul(u, u), p = u, sum = u;
    for (int k = 3; k < 200; k += 2) {
        p = xf_mul(p, u2);
        struct xf t = xf_div(p, xf_int(k));
        if (!t.m || t.e < sum.e - 130)
            return xf_tail(sum, t);
        sum = xf_add(sum, t);
    }
    return sum;
}

/* atan(u) = u - u^3/3 + u^5/5 - ..., |u| <= tan(pi/8). */
static struct xf xf_atan_series(struct xf u)
{
    struct xf u2 = xf_mul(u, u), p = u, sum = u;
    for (int k = 3; k < 400; k += 2) {
        p = xf_neg(xf_mul(p, u2));
        struct xf t = xf_div(p, xf_int(k));
        if (!t.m || t.e < sum.e - 130)
            return xf_tail(sum, t);
        sum = xf_add(sum, t);
    }
    return sum;
}

/* atan(t) for t >= 0. */
static struct xf xf_atan(struct xf t)
{
    static const struct xf tan_pi_8 = {false, -2,
                                       U128(0xd413cccfe7799211ull, 0x65f626cdd52afa7cull), 0};
    bool inv = xf_cmp_mag(t, xf_int(1)) > 0;
    if (inv)
        t = xf_div(xf_int(1), t);
    struct xf r;
    if (xf_cmp_mag(t, tan_pi_8) > 0) /* atan(t) = pi/4 + atan((t - 1) / (t + 1)) */
        r = xf_add(XF_PI_4, xf_atan_series(xf_div(xf_sub(t, xf_int(1)), xf_add(t, xf_int(1)))));
    else
        r = xf_atan_series(t);
    return inv ? xf_sub(xf_scale(XF_PI_4, 1), r) : r;
}

/* log2(x) for finite x > 0. */
static struct xf xf_log2(fp80 x)
{
    static const struct xf sqrt2 = {false, 0, U128(0xb504f333f9de6484ull, 0x597d89b3754abe9full),
                                    0};
    struct sf_num n = sf_unpack(x);
    int32_t e = n.e - SF_BIAS;
    struct xf m = {false, 0, (u128)n.m << 64, 0}; /* in [1, 2) */
    if (xf_cmp_mag(m, sqrt2) > 0) {
        m.e--;
        e++;
    }
    struct xf u = xf_div(xf_sub(m, xf_int(1)), xf_add(m, xf_int(1)));
    struct xf l = xf_div(xf_scale(xf_atanh(u), 1), XF_LN2);
    return xf_add(xf_int(e), l);
}

/* e^t - 1 for |t| < 0.7 (terms t^k / k!). */
static struct xf xf_expm1(struct xf t)
{
    struct xf p = t, sum = t;
    for (int k = 2; k < 100; k++) {
        p = xf_div(xf_mul(p, t), xf_int(k));
        if (!p.m || p.e < sum.e - 130)
            return xf_tail(sum, p);
        sum = xf_add(sum, p);
    }
    return sum;
}

/* sin (odd) / cos (even) series for |r| <= pi/4 (+ a little). */
static struct xf xf_sincos_series(struct xf r, bool cosine)
{
    struct xf r2 = xf_mul(r, r), p = cosine ? xf_int(1) : r, sum = p;
    for (int k = cosine ? 1 : 2; k < 100; k += 2) {
        p = xf_neg(xf_div(xf_mul(p, r2), xf_int((int64_t)k * (k + 1))));
        if (!p.m || p.e < sum.e - 130)
            return xf_tail(sum, p);
        sum = xf_add(sum, p);
    }
    return sum;
}

/* Exact reduction of finite |x| < 2^63 modulo pi66/2: x = k * pi66/2 + r. */
static struct xf reduce(fp80 x, int *quadrant)
{
    struct sf_num n = sf_unpack(x);
    int32_t ex = n.e - SF_BIAS; /* x = m * 2^(ex - 63) */
    *quadrant = 0;
    if (ex < -1) /* |x| < 0.5 < pi/4 */
        return xf_of(x);
    /* Fixed point with unit 2^-66: X = m << (ex + 3) (< 2^130: keep as
     * hi:lo), P = pi66/2 in that unit = PI66 << 1. */
    int sh = ex + 3; /* 2..65 */
    u128 xlo = (u128)n.m << (sh > 64 ? 64 : sh);
    if (sh > 64)
        xlo <<= sh - 64;
    uint64_t xhi = sh > 64 ? (uint64_t)(n.m >> (128 - sh)) : 0; /* bits above 128 */
    u128 p = (((u128)PI66_HI << 64) | PI66_LO) << 1;            /* pi66/2 * 2^66 */
    /* k = round(X / P) from a 128-bit quotient (near a tie either k does:
     * |r| stays about pi/4 and the series converge). */
    struct xf xa = xf_of(fp80_make(false, n.e, n.m));
    struct xf pf = xf_norm((struct xf){false, 127 - 66, p, 0});
    struct xf qf = xf_div(xa, pf);
    uint64_t k = 0;
    if (qf.m && qf.e >= 0) {
        int32_t s = 127 - qf.e; /* integer part of qf: m >> s */
        u128 ip = s >= 128 ? 0 : qf.m >> s;
        u128 frac = s >= 128 ? qf.m : s == 0 ? 0 : qf.m << (128 - s);
        k = (uint64_t)ip + (frac >> 127);
    } else if (qf.m && qf.e == -1) {
        k = 1; /* 0.5 <= q < 1 rounds to 1 */
    }
    /* R = X - k * P, exactly, in 192 bits (hi:lo) and signed. */
    uint64_t ph = (uint64_t)(p >> 64), pl = (uint64_t)p;
    u128 kl = (u128)k * pl, kh = (u128)k * ph;
    u128 kp_lo = kl + (kh << 64);
    uint64_t kp_hi = (uint64_t)(kh >> 64) + (kp_lo < kl);
    bool neg = kp_hi > xhi || (kp_hi == xhi && kp_lo > xlo);
    u128 r_lo;
    if (!neg)
        r_lo = xlo - kp_lo;
    else
        r_lo = kp_lo - xlo;
    /* |R| < 2^128 here: the residue is at most about pi/4 * 2^66. */
    *quadrant = (int)(k & 3);
    struct xf r = xf_norm((struct xf){neg ^ n.sign, 127 - 66, r_lo, 0});
    if (n.sign)
        *quadrant = (4 - *quadrant) & 3;
    return r;
}

/* The operand checks shared by the trig functions: returns true when the
 * result is decided (*res, and maybe C2 for |x| >= 2^63). */
static bool trig_screen(struct fp80_ctx *c, fp80 a, fp80 *res)
{
    int ca = sf_class(a);
    if (ca == SF_UNSUPPORTED || ca == SF_INF) {
        *res = sf_invalid(c);
        return true;
    }
    if (ca >= SF_QNAN) {
        *res = sf_nan(c, a, NULL);
        return true;
    }
    if (ca == SF_DENORMAL && sf_denormal(c, a)) {
        *res = a;
        return true;
    }
    if (ca == SF_NORMAL && fp80_exp(a) >= SF_BIAS + 63) {
        c->sw |= FPU_C2; /* out of range: the operand stays */
        *res = a;
        return true;
    }
    return false;
}

static fp80 trig(struct fp80_ctx *c, fp80 a, int which /* 0 sin 1 cos 2 tan */)
{
    fp80 res;
    if (trig_screen(c, a, &res))
        return res;
    if (fp80_is_zero(a))
        return which == 1 ? fp80_make(false, SF_BIAS, 0x8000000000000000ull) : a;
    int q;
    struct xf r = reduce(a, &q);
    struct xf s, co, v;
    bool s_is_r = false;
    if (r.e < -70) {
        /* |r| < 2^-70: sin r = r(1 - r^2/6), cos r = 1 - r^2/2, tan r =
         * r(1 + r^2/3): only the direction of the tail matters. Except
         * for sin's: the host's FSIN returns r itself, inexact (the 1 ulp
         * its accuracy allows), with #U only where r is tiny. Rounded
         * down instead, the smallest normal would come out tiny, with
         * the unmasked-#U bias that FSIN does not apply there. */
        s = r;
        s_is_r = true;
        co = xf_int(1);
        co.rest = -1;
        if (which == 2 && !(q & 1)) {
            r.rest = 1;
            return xf_round(c, r);
        }
    } else {
        s = xf_sincos_series(r, false);
        co = xf_sincos_series(r, true);
    }
    switch (which) {
    case 0: v = q == 0 ? s : q == 1 ? co : q == 2 ? xf_neg(s) : xf_neg(co); break;
    case 1: v = q == 0 ? co : q == 1 ? xf_neg(s) : q == 2 ? xf_neg(co) : s; break;
    default: v = (q & 1) ? xf_neg(xf_div(co, s)) : xf_div(s, co); break;
    }
    res = xf_round(c, v);
    if (s_is_r && which != 2 && (q & 1) == which) { /* the result is r or -r */
        c->sw |= FPU_PE;
        if (fp80_exp(res) == 0)
            c->sw |= FPU_UE;
    }
    return res;
}

fp80 fp80s_sin(struct fp80_ctx *c, fp80 a)
{
    return trig(c, a, 0);
}
fp80 fp80s_cos(struct fp80_ctx *c, fp80 a)
{
    return trig(c, a, 1);
}
fp80 fp80s_tan(struct fp80_ctx *c, fp80 a)
{
    return trig(c, a, 2);
}

void fp80s_sincos(struct fp80_ctx *c, fp80 a, fp80 *s, fp80 *co)
{
    struct fp80_ctx c2 = *c;
    *s = trig(c, a, 0);
    if (c->sw & FPU_C2) {
        *co = a;
        return;
    }
    *co = trig(&c2, a, 1);
    /* Flags of both results; C1 follows the cosine (the value pushed). */
    c->sw = (uint16_t)((c->sw | c2.sw) & ~FPU_C1) | (c2.sw & FPU_C1);
}

fp80 fp80s_f2xm1(struct fp80_ctx *c, fp80 a)
{
    int ca = sf_class(a);
    if (ca == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (ca >= SF_QNAN)
        return sf_nan(c, a, NULL);
    if (ca == SF_ZERO)
        return a;
    if (ca == SF_INF)
        return fp80_sign(a) ? fp80_make(true, SF_BIAS, 0x8000000000000000ull) : a;
    if (ca == SF_DENORMAL && sf_denormal(c, a))
        return a;
    /* Outside -1..+1 the result is undefined; computed the same way. */
    return xf_round(c, xf_expm1(xf_mul(xf_of(a), XF_LN2)));
}

/* The special cases of FYL2X (SDM Vol. 2A, FYL2X table). */
fp80 fp80s_yl2x(struct fp80_ctx *c, fp80 x, fp80 y)
{
    int cx = sf_class(x), cy = sf_class(y);
    bool sx = fp80_sign(x), sy = fp80_sign(y);
    if (cx == SF_UNSUPPORTED || cy == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (cx >= SF_QNAN || cy >= SF_QNAN)
        return sf_nan(c, x, &y);
    if (sx && cx != SF_ZERO)
        return sf_invalid(c); /* log of a negative number */
    if (cx == SF_ZERO) {      /* before DE, as for a division by zero */
        if (cy == SF_ZERO)
            return sf_invalid(c);
        if (cy != SF_INF)
            c->sw |= FPU_ZE;
        return sf_inf(!sy);
    }
    if ((cx == SF_INF && cy == SF_ZERO))
        return sf_invalid(c);
    if ((cx == SF_DENORMAL && sf_denormal(c, x)) | (cy == SF_DENORMAL && sf_denormal(c, y)))
        return x;
    bool one = cx == SF_NORMAL && x.mant == 0x8000000000000000ull && fp80_exp(x) == SF_BIAS;
    if (cx == SF_INF)
        return cy == SF_ZERO ? sf_invalid(c) : sf_inf(sy);
    if (one)
        return cy == SF_INF ? sf_invalid(c) : sf_zero(sy);
    bool below1 = fp80_exp(x) < SF_BIAS || (cx == SF_DENORMAL);
    if (cy == SF_INF)
        return sf_inf(sy ^ below1);
    if (cy == SF_ZERO)
        return sf_zero(sy ^ below1);
    fp80 r = xf_round(c, xf_mul(xf_of(y), xf_log2(x)));
    /* The P6 reports PE even when the product is exact, and so UE for a
     * tiny result. */
    c->sw |= FPU_PE | (fp80_exp(r) == 0 && r.mant ? FPU_UE : 0);
    return r;
}

fp80 fp80s_yl2xp1(struct fp80_ctx *c, fp80 x, fp80 y)
{
    int cx = sf_class(x), cy = sf_class(y);
    bool sx = fp80_sign(x), sy = fp80_sign(y);
    if (cx == SF_UNSUPPORTED || cy == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (cx >= SF_QNAN || cy >= SF_QNAN)
        return sf_nan(c, x, &y);
    if ((cx == SF_ZERO && cy == SF_INF) || (cx == SF_INF && (sx || cy == SF_ZERO)))
        return sf_invalid(c);
    if ((cx == SF_DENORMAL && sf_denormal(c, x)) | (cy == SF_DENORMAL && sf_denormal(c, y)))
        return x;
    if (cx == SF_ZERO)
        return sf_zero(sx ^ sy);
    if (cx == SF_INF)
        return sf_inf(sy);
    if (cy == SF_INF)
        return sf_inf(sy ^ sx);
    if (cy == SF_ZERO)
        return sf_zero(sy ^ sx);
    struct xf u = xf_of(x);
    struct xf l = xf_div(xf_scale(xf_atanh(xf_div(u, xf_add(xf_int(2), u))), 1), XF_LN2);
    return xf_round(c, xf_mul(xf_of(y), l));
}

/* FPATAN: atan(y / x) with x = ST(0), y = ST(1), in the quadrant of (x, y). */
fp80 fp80s_atan(struct fp80_ctx *c, fp80 x, fp80 y)
{
    int cx = sf_class(x), cy = sf_class(y);
    bool sx = fp80_sign(x), sy = fp80_sign(y);
    if (cx == SF_UNSUPPORTED || cy == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (cx >= SF_QNAN || cy >= SF_QNAN)
        return sf_nan(c, x, &y);
    if ((cx == SF_DENORMAL && sf_denormal(c, x)) | (cy == SF_DENORMAL && sf_denormal(c, y)))
        return x;
    struct xf pi = xf_scale(XF_PI_4, 2), r;
    if (cy == SF_ZERO) {
        if (!sx)
            return y;
        r = pi;
    } else if (cy == SF_INF) {
        r = cx == SF_INF ? (sx ? xf_mul(XF_PI_4, xf_int(3)) : XF_PI_4) : xf_scale(XF_PI_4, 1);
    } else if (cx == SF_INF) {
        if (!sx)
            return sf_zero(sy);
        r = pi;
    } else if (cx == SF_ZERO) {
        r = xf_scale(XF_PI_4, 1);
    } else {
        struct xf ax = xf_of(x), ay = xf_of(y);
        ax.s = ay.s = false;
        r = xf_atan(xf_div(ay, ax));
        if (sx)
            r = xf_sub(pi, r);
    }
    r.s = sy;
    return xf_round(c, r);
}
