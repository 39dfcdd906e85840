/* The portable x87 backend, part 1: rounding, NaN rules and the basic
 * arithmetic (add, subtract, multiply, divide, square root, compare), exact
 * in every rounding mode and precision (SDM Vol. 1, 4.7-4.9 and 8.5). */
#include "cpu/fp80_soft.h"

int sf_class(fp80 a)
{
    int e = fp80_exp(a);
    if (e == 0)
        return a.mant ? SF_DENORMAL : SF_ZERO;
    if (!(a.mant >> 63))
        return SF_UNSUPPORTED;
    if (e == 0x7fff) {
        if (!(a.mant << 1))
            return SF_INF;
        return (a.mant >> 62) & 1 ? SF_QNAN : SF_SNAN;
    }
    return SF_NORMAL;
}

struct sf_num sf_unpack(fp80 a)
{
    struct sf_num n = {fp80_sign(a), fp80_exp(a), a.mant};
    if (n.e == 0) {
        int s = __builtin_clzll(a.mant);
        n.e = 1 - s;
        n.m <<= s;
    }
    return n;
}

int sf_prec(uint16_t cw)
{
    static const int p[4] = {24, 64, 53, 64};
    return p[FCW_PC(cw)];
}

/* Round `sig` at `drop` low bits by `rc`; *carry when it wrapped past bit 127. */
static u128 round_at(u128 sig, int drop, bool sign, int rc, bool *inexact, bool *up, bool *carry)
{
    u128 mask = ((u128)1 << drop) - 1, rem = sig & mask, base = sig & ~mask;
    u128 half = (u128)1 << (drop - 1);
    bool inc;
    *inexact = rem != 0;
    switch (rc) {
    case FP80_RN: inc = rem > half || (rem == half && ((base >> drop) & 1)); break;
    case FP80_RD: inc = *inexact && sign; break;
    case FP80_RU: inc = *inexact && !sign; break;
    default: inc = false; break;
    }
    *up = inc;
    *carry = false;
    if (inc) {
        base += (u128)1 << drop;
        *carry = base == 0;
    }
    return base;
}

struct sf_num sf_round(struct fp80_ctx *c, bool sign, int32_t e, u128 sig, int prec, int32_t emin,
                       int32_t emax, int32_t bias_adjust)
{
    int rc = FCW_RC(c->cw), drop = 128 - prec;
    bool inexact, up, carry;
    if (!sig)
        return (struct sf_num){sign, emin, 0};
    int s = sf_clz128(sig);
    sig <<= s;
    e -= s;

    /* Round with an unbounded exponent: overflow and tininess are judged
     * after rounding (SDM Vol. 1, 4.9.1.4 and 4.9.1.5). */
    u128 r = round_at(sig, drop, sign, rc, &inexact, &up, &carry);
    int32_t re = e;
    if (carry) {
        r = (u128)1 << 127;
        re++;
    }
    if (re > emax) {
        /* Unmasked: the result scaled into range, if the bias adjustment
         * reaches (a huge FSCALE does not: then the masked response). */
        if (!(c->cw & FPU_OE) && re - bias_adjust <= emax) {
            c->sw |= FPU_OE | (inexact ? FPU_PE : 0) | (up ? FPU_C1 : 0);
            return (struct sf_num){sign, re - bias_adjust, (uint64_t)(r >> 64)};
        }
        c->sw |= FPU_OE | FPU_PE;
        if (!(c->cw & FPU_OE)) { /* unmasked but out of reach: infinity */
            c->sw |= FPU_C1;
            return (struct sf_num){sign, emax + 1, 0x8000000000000000ull};
        }
        if (rc == FP80_RZ || (rc == FP80_RD && !sign) || (rc == FP80_RU && sign))
            return (struct sf_num){sign, emax, ~0ull << (64 - prec)};
        c->sw |= FPU_C1;
        return (struct sf_num){sign, emax + 1, 0x8000000000000000ull};
    }
    if (re >= emin) {
        c->sw |= (inexact ? FPU_PE : 0) | (up ? FPU_C1 : 0);
        return (struct sf_num){sign, re, (uint64_t)(r >> 64)};
    }
    if (!(c->cw & FPU_UE) && re + bias_adjust >= emin) { /* unmasked: tiny, exact or not */
        c->sw |= FPU_UE | (inexact ? FPU_PE : 0) | (up ? FPU_C1 : 0);
        return (struct sf_num){sign, re + bias_adjust, (uint64_t)(r >> 64)};
    }
    if (!(c->cw & FPU_UE)) { /* unmasked but out of reach: zero */
        c->sw |= FPU_UE | FPU_PE;
        return (struct sf_num){sign, emin, 0};
    }
    /* Masked: denormalize, then round at the same absolute position. */
    u128 d = sf_shr_jam(sig, emin - e);
    r = round_at(d, drop, sign, rc, &inexact, &up, &carry);
    if (inexact || !(c->cw & FPU_UE))
        c->sw |= FPU_UE | (inexact ? FPU_PE : 0) | (up ? FPU_C1 : 0);
    return (struct sf_num){sign, emin, (uint64_t)(r >> 64)};
}

fp80 sf_round_reg(struct fp80_ctx *c, bool sign, int32_t e, u128 sig, int prec)
{
    struct sf_num n = sf_round(c, sign, e, sig, prec < 0 ? sf_prec(c->cw) : prec, 1, 0x7ffe, 24576);
    if (!(n.m >> 63))
        return sf_pack(sign, 0, n.m); /* denormal or zero */
    return sf_pack(sign, n.e, n.m);
}

fp80 sf_invalid(struct fp80_ctx *c)
{
    c->sw |= FPU_IE;
    return FP80_INDEFINITE;
}

fp80 sf_nan(struct fp80_ctx *c, fp80 a, const fp80 *bp)
{
    const uint64_t q = 1ull << 62;
    bool an = fp80_is_nan(a), bn = bp && fp80_is_nan(*bp);
    bool as = fp80_is_snan(a), bs = bp && fp80_is_snan(*bp);
    fp80 r;
    if (as || bs)
        c->sw |= FPU_IE;
    if (!bn) {
        r = a;
    } else if (!an) {
        r = *bp;
    } else if (as != bs) {
        r = as ? *bp : a; /* a QNaN wins over an SNaN */
    } else {
        /* Both of a kind: the larger significand; on a tie the positive one. */
        fp80 b = *bp;
        uint64_t am = a.mant | q, bm = b.mant | q;
        r = am > bm ? a : bm > am ? b : (a.se < b.se ? a : b);
    }
    r.mant |= q;
    return r;
}

bool sf_denormal(struct fp80_ctx *c, fp80 a)
{
    if (fp80_exp(a) == 0 && a.mant) {
        c->sw |= FPU_DE;
        return !(c->cw & FPU_DE);
    }
    return false;
}

/* Screen two operands: NaNs, unsupported encodings, denormals. Returns true
 * (with *res set when a result is due) when the operation is decided. */
static bool screen2(struct fp80_ctx *c, fp80 a, fp80 b, bool bden, bool div_by_zero, fp80 *res)
{
    int ca = sf_class(a), cb = sf_class(b);
    if (ca == SF_UNSUPPORTED || cb == SF_UNSUPPORTED) {
        *res = sf_invalid(c);
        return true;
    }
    if (ca >= SF_QNAN || cb >= SF_QNAN) {
        *res = sf_nan(c, a, &b);
        return true;
    }
    bool de = ca == SF_DENORMAL || cb == SF_DENORMAL || bden;
    if (div_by_zero)
        de = false; /* x / 0 reports ZE alone */
    if (de) {
        c->sw |= FPU_DE;
        if (!(c->cw & FPU_DE)) {
            *res = a;
            return true;
        }
    }
    return false;
}

static fp80 add(struct fp80_ctx *c, fp80 a, fp80 b, bool negb)
{
    int rc = FCW_RC(c->cw);
    bool sa = fp80_sign(a), sb = fp80_sign(b) ^ negb;
    int ca = sf_class(a), cb = sf_class(b);
    if (ca == SF_INF || cb == SF_INF) {
        if (ca == SF_INF && cb == SF_INF && sa != sb)
            return sf_invalid(c);
        return sf_inf(ca == SF_INF ? sa : sb);
    }
    if (ca == SF_ZERO && cb == SF_ZERO)
        return sf_zero(sa == sb ? sa : rc == FP80_RD);
    if (ca == SF_ZERO || cb == SF_ZERO) {
        /* x + 0 = x, but still rounded to the precision (denormals stay). */
        struct sf_num n = sf_unpack(ca == SF_ZERO ? b : a);
        return sf_round_reg(c, ca == SF_ZERO ? sb : sa, n.e, (u128)n.m << 64, -1);
    }
    struct sf_num x = sf_unpack(a), y = sf_unpack(b);
    x.sign = sa;
    y.sign = sb;
    if (x.e < y.e || (x.e == y.e && x.m < y.m)) {
        struct sf_num t = x;
        x = y;
        y = t;
    }
    u128 mx = (u128)x.m << 63, my = sf_shr_jam((u128)y.m << 63, x.e - y.e);
    u128 sig = x.sign == y.sign ? mx + my : mx - my;
    if (!sig)
        return sf_zero(rc == FP80_RD);
    return sf_round_reg(c, x.sign, x.e + 1, sig, -1);
}

static fp80 mul(struct fp80_ctx *c, fp80 a, fp80 b)
{
    bool s = fp80_sign(a) ^ fp80_sign(b);
    int ca = sf_class(a), cb = sf_class(b);
    if (ca == SF_INF || cb == SF_INF) {
        if (ca == SF_ZERO || cb == SF_ZERO)
            return sf_invalid(c);
        return sf_inf(s);
    }
    if (ca == SF_ZERO || cb == SF_ZERO)
        return sf_zero(s);
    struct sf_num x = sf_unpack(a), y = sf_unpack(b);
    return sf_round_reg(c, s, x.e + y.e - SF_BIAS + 1, (u128)x.m * y.m, -1);
}

static fp80 divide(struct fp80_ctx *c, fp80 a, fp80 b)
{
    bool s = fp80_sign(a) ^ fp80_sign(b);
    int ca = sf_class(a), cb = sf_class(b);
    if (ca == SF_INF)
        return cb == SF_INF ? sf_invalid(c) : sf_inf(s);
    if (cb == SF_INF)
        return sf_zero(s);
    if (cb == SF_ZERO) {
        if (ca == SF_ZERO)
            return sf_invalid(c);
        c->sw |= FPU_ZE;
        return sf_inf(s);
    }
    if (ca == SF_ZERO)
        return sf_zero(s);
    struct sf_num x = sf_unpack(a), y = sf_unpack(b);
    u128 n1 = (u128)x.m << 64;
    u128 q1 = n1 / y.m, r1 = n1 % y.m;
    u128 n2 = r1 << 64;
    u128 q2 = n2 / y.m, r2 = n2 % y.m;
    u128 sig = (q1 << 62) | (q2 >> 2) | ((q2 & 3) || r2);
    return sf_round_reg(c, s, x.e - y.e + SF_BIAS + 1, sig, -1);
}

fp80 fp80s_sqrt(struct fp80_ctx *c, fp80 a)
{
    int ca = sf_class(a);
    if (ca == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (ca >= SF_QNAN)
        return sf_nan(c, a, NULL);
    if (ca == SF_ZERO)
        return a;
    if (fp80_sign(a))
        return sf_invalid(c); /* negative, including -inf and -denormal */
    if (ca == SF_INF)
        return a;
    if (sf_denormal(c, a))
        return a;
    struct sf_num x = sf_unpack(a);
    int32_t E = x.e - SF_BIAS - 63; /* value = m * 2^E */
    int k = (E & 1) ? 63 : 64;      /* E - k even */
    u128 n = (u128)x.m << k;
    /* Integer square root, bit by bit: root < 2^64. */
    u128 root = 0, rem = 0;
    for (int i = 63; i >= 0; i--) {
        rem = (rem << 2) | (n >> 126);
        n <<= 2;
        u128 t = (root << 2) | 1;
        root <<= 1;
        if (rem >= t) {
            rem -= t;
            root |= 1;
        }
    }
    /* rem = N - root^2; the next bit is 1 iff rem > root. */
    u128 sig = (root << 64) | ((u128)(rem > root) << 63) | (rem != 0);
    int32_t re = (E - k) / 2 + 63 + SF_BIAS;
    return sf_round_reg(c, false, re, sig, -1);
}

fp80 sf_widen(int kind, const void *src, bool *den)
{
    const uint8_t *p = src;
    uint64_t v = 0;
    *den = false;
    if (kind == FP80_K80)
        return *(const fp80 *)src;
    for (int i = fp80_kind_size[kind] - 1; i >= 0; i--)
        v = v << 8 | p[i];
    if (kind == FP80_K32 || kind == FP80_K64) {
        int fb = kind == FP80_K32 ? 23 : 52, eb = kind == FP80_K32 ? 8 : 11;
        int emaxf = (1 << eb) - 1, biasf = (1 << (eb - 1)) - 1;
        bool s = v >> (fb + eb);
        int e = (int)(v >> fb) & emaxf;
        uint64_t f = v & ((1ull << fb) - 1);
        if (e == emaxf)
            return fp80_make(s, 0x7fff, 0x8000000000000000ull | f << (63 - fb));
        if (e == 0) {
            if (!f)
                return sf_zero(s);
            *den = true;
            int sh = __builtin_clzll(f);
            return fp80_make(s, SF_BIAS - biasf + 1 - (sh - (63 - fb)), f << sh);
        }
        return fp80_make(s, e - biasf + SF_BIAS, 0x8000000000000000ull | f << (63 - fb));
    }
    /* Integers: sign-extend, then exact. */
    int bits = fp80_kind_size[kind] * 8;
    int64_t iv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
    if (!iv)
        return sf_zero(false);
    bool s = iv < 0;
    uint64_t m = s ? 0 - (uint64_t)iv : (uint64_t)iv;
    int sh = __builtin_clzll(m);
    return fp80_make(s, SF_BIAS + 63 - sh, m << sh);
}

fp80 fp80s_arith(struct fp80_ctx *c, int op, fp80 dst, int kind, const void *src)
{
    bool den;
    fp80 b = sf_widen(kind, src, &den), res;
    bool dz = (op == FP80_DIV && fp80_is_zero(b) && !fp80_is_zero(dst)) ||
              (op == FP80_DIVR && fp80_is_zero(dst) && !fp80_is_zero(b));
    if (screen2(c, dst, b, den, dz, &res))
        return res;
    switch (op) {
    case FP80_ADD: return add(c, dst, b, false);
    case FP80_SUB: return add(c, dst, b, true);
    case FP80_SUBR: return add(c, b, dst, true);
    case FP80_MUL: return mul(c, dst, b);
    case FP80_DIV: return divide(c, dst, b);
    default: return divide(c, b, dst);
    }
}

void fp80s_com(struct fp80_ctx *c, fp80 a, int kind, const void *src, bool unordered)
{
    bool den = false;
    fp80 b = src ? sf_widen(kind, src, &den) : sf_zero(false);
    if (!src)
        unordered = false; /* FTST */
    int ca = sf_class(a), cb = sf_class(b);
    if (ca == SF_UNSUPPORTED || cb == SF_UNSUPPORTED || ca >= SF_QNAN || cb >= SF_QNAN) {
        if (ca == SF_UNSUPPORTED || cb == SF_UNSUPPORTED || !unordered || ca == SF_SNAN ||
            cb == SF_SNAN)
            c->sw |= FPU_IE;
        c->sw |= FPU_C3 | FPU_C2 | FPU_C0;
        return;
    }
    if (ca == SF_DENORMAL || cb == SF_DENORMAL || den)
        c->sw |= FPU_DE; /* the condition codes are set all the same */
    int cmp;             /* sign of a - b */
    if (ca == SF_ZERO && cb == SF_ZERO) {
        cmp = 0;
    } else {
        bool sa = fp80_sign(a), sb = fp80_sign(b);
        if (ca == SF_ZERO || cb == SF_ZERO || sa != sb) {
            cmp = ca == SF_ZERO ? (sb ? 1 : -1) : (sa ? -1 : 1);
        } else {
            int mag;
            if (ca == SF_INF || cb == SF_INF) {
                mag = (ca == SF_INF) - (cb == SF_INF);
            } else {
                struct sf_num x = sf_unpack(a), y = sf_unpack(b);
                mag = x.e != y.e ? (x.e > y.e ? 1 : -1) : x.m != y.m ? (x.m > y.m ? 1 : -1) : 0;
            }
            cmp = sa ? -mag : mag;
        }
    }
    if (cmp == 0)
        c->sw |= FPU_C3;
    else if (cmp < 0)
        c->sw |= FPU_C0;
}
