/* The portable x87 backend, part 2: format conversions (FLD/FST/FILD/FIST/
 * FBLD/FBSTP), FRNDINT, FSCALE, FXTRACT and FPREM/FPREM1. */
#include <string.h>

#include "cpu/fp80_soft.h"

static void put_le(void *dst, uint64_t v, int n)
{
    uint8_t *p = dst;
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

fp80 fp80s_load(struct fp80_ctx *c, int kind, const void *src)
{
    if (kind == FP80_K80) {
        const uint8_t *p = src;
        uint64_t m = 0;
        for (int i = 7; i >= 0; i--)
            m = m << 8 | p[i];
        return (fp80){m, (uint16_t)(p[8] | p[9] << 8)};
    }
    if (kind == FP80_KBCD) {
        const uint8_t *p = src;
        uint64_t v = 0;
        for (int i = 8; i >= 0; i--)
            v = v * 100 + (uint64_t)(p[i] >> 4) * 10 + (p[i] & 15);
        bool s = p[9] >> 7;
        if (!v)
            return sf_zero(s);
        int sh = __builtin_clzll(v);
        return fp80_make(s, SF_BIAS + 63 - sh, v << sh);
    }
    bool den;
    fp80 v = sf_widen(kind, src, &den);
    if (fp80_is_snan(v))
        return sf_nan(c, v, NULL);
    if (den)
        c->sw |= FPU_DE;
    return v;
}

/* Round |a| to an integer by RC: magnitude in *mag (saturating past 2^64:
 * *big), PE and C1 into c. a is finite. */
static void to_int(struct fp80_ctx *c, fp80 a, uint64_t *mag, bool *big)
{
    *big = false;
    *mag = 0;
    if (fp80_is_zero(a))
        return;
    struct sf_num n = sf_unpack(a);
    int32_t sh = SF_BIAS + 63 - n.e; /* fraction bits in m */
    if (sh <= 0) {
        *mag = n.m;    /* an integer already: 2^63 <= |a| < 2^64 when sh == 0 */
        *big = sh < 0; /* |a| >= 2^64 */
        return;
    }
    u128 x = sf_shr_jam((u128)n.m << 64, sh); /* integer in the high half */
    uint64_t ip = (uint64_t)(x >> 64), fr = (uint64_t)x;
    bool inc;
    switch (FCW_RC(c->cw)) {
    case FP80_RN: inc = fr > (1ull << 63) || (fr == (1ull << 63) && (ip & 1)); break;
    case FP80_RD: inc = fr && n.sign; break;
    case FP80_RU: inc = fr && !n.sign; break;
    default: inc = false; break;
    }
    if (fr)
        c->sw |= FPU_PE | (inc ? FPU_C1 : 0);
    ip += inc;
    if (inc && !ip)
        *big = true;
    *mag = ip;
}

void fp80s_store(struct fp80_ctx *c, fp80 a, int kind, void *dst)
{
    int cl = sf_class(a);
    bool s = fp80_sign(a);
    if (kind == FP80_K80) {
        put_le(dst, a.mant, 8);
        put_le((uint8_t *)dst + 8, a.se, 2);
        return;
    }
    if (kind == FP80_K32 || kind == FP80_K64) {
        int fb = kind == FP80_K32 ? 23 : 52, eb = kind == FP80_K32 ? 8 : 11;
        int emaxf = (1 << eb) - 1, biasf = (1 << (eb - 1)) - 1, size = fp80_kind_size[kind];
        uint64_t sbit = (uint64_t)s << (fb + eb), out;
        if (cl == SF_UNSUPPORTED) {
            c->sw |= FPU_IE;
            out = ((uint64_t)1 << (fb + eb)) | ((uint64_t)emaxf << fb) | (1ull << (fb - 1));
        } else if (cl >= SF_QNAN) {
            if (cl == SF_SNAN)
                c->sw |= FPU_IE;
            out =
                sbit | ((uint64_t)emaxf << fb) | (1ull << (fb - 1)) | ((a.mant << 1) >> (64 - fb));
        } else if (cl == SF_INF) {
            out = sbit | ((uint64_t)emaxf << fb);
        } else if (cl == SF_ZERO) {
            out = sbit;
        } else {
            struct sf_num n = sf_unpack(a);
            int32_t emin = SF_BIAS - biasf + 1, emax = SF_BIAS + biasf;
            struct sf_num r = sf_round(c, s, n.e, (u128)n.m << 64, fb + 1, emin, emax, 0);
            if (c->sw & ~c->cw & (FPU_OE | FPU_UE)) {
                c->sw &= (uint16_t) ~(FPU_PE | FPU_C1); /* unmasked: nothing stored */
                return;
            }
            if (r.e > emax)
                out = sbit | ((uint64_t)emaxf << fb);
            else if (!(r.m >> 63))
                out = sbit | (r.m >> (63 - fb));
            else
                out = sbit | ((uint64_t)(r.e - SF_BIAS + biasf) << fb) | ((r.m << 1) >> (64 - fb));
        }
        if (!(c->sw & ~c->cw & FPU_IE))
            put_le(dst, out, size);
        return;
    }
    if (kind == FP80_KBCD) {
        uint64_t mag = 0;
        bool big = true;
        if (cl != SF_UNSUPPORTED && cl < SF_INF)
            to_int(c, a, &mag, &big);
        if (big || mag > 999999999999999999ull) {
            c->sw = (uint16_t)((c->sw & ~(FPU_PE | FPU_C1)) | FPU_IE);
            if (c->cw & FPU_IE) {
                uint8_t ind[10] = {0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff};
                memcpy(dst, ind, 10);
            }
            return;
        }
        uint8_t *p = dst;
        for (int i = 0; i < 9; i++) {
            p[i] = (uint8_t)(mag % 10);
            mag /= 10;
            p[i] |= (uint8_t)((mag % 10) << 4);
            mag /= 10;
        }
        p[9] = s ? 0x80 : 0;
        return;
    }
    /* Integers: out of range or not a number -> IE, the integer indefinite. */
    int bits = fp80_kind_size[kind] * 8;
    uint64_t mag = 0, limit = 1ull << (bits - 1);
    bool big = true;
    if (cl != SF_UNSUPPORTED && cl < SF_INF)
        to_int(c, a, &mag, &big); /* no DE for a denormal source */
    if (big || mag > limit || (mag == limit && !s)) {
        c->sw = (uint16_t)((c->sw & ~(FPU_PE | FPU_C1)) | FPU_IE);
        if (c->cw & FPU_IE)
            put_le(dst, limit, bits / 8);
        return;
    }
    put_le(dst, s ? 0 - mag : mag, bits / 8);
}

fp80 fp80s_rndint(struct fp80_ctx *c, fp80 a)
{
    int cl = sf_class(a);
    if (cl == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (cl >= SF_QNAN)
        return sf_nan(c, a, NULL);
    if (cl == SF_ZERO || cl == SF_INF)
        return a;
    if (sf_denormal(c, a))
        return a;
    struct sf_num n = sf_unpack(a);
    if (n.e >= SF_BIAS + 63)
        return a;
    uint64_t mag;
    bool big;
    to_int(c, a, &mag, &big);
    if (big) /* rounded up to 2^64 */
        return fp80_make(n.sign, SF_BIAS + 64, 0x8000000000000000ull);
    if (!mag)
        return sf_zero(n.sign);
    int sh = __builtin_clzll(mag);
    return fp80_make(n.sign, SF_BIAS + 63 - sh, mag << sh);
}

fp80 fp80s_scale(struct fp80_ctx *c, fp80 a, fp80 b)
{
    int ca = sf_class(a), cb = sf_class(b);
    if (ca == SF_UNSUPPORTED || cb == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (ca >= SF_QNAN || cb >= SF_QNAN)
        return sf_nan(c, a, &b);
    if ((ca == SF_DENORMAL && sf_denormal(c, a)) | (cb == SF_DENORMAL && sf_denormal(c, b)))
        return a;
    if (cb == SF_INF) {
        if (!fp80_sign(b))
            return ca == SF_ZERO ? sf_invalid(c) : ca == SF_INF ? a : sf_inf(fp80_sign(a));
        return ca == SF_INF ? sf_invalid(c) : sf_zero(fp80_sign(a));
    }
    if (ca == SF_ZERO || ca == SF_INF)
        return a;
    int32_t k = 0;
    if (cb != SF_ZERO) {
        struct sf_num y = sf_unpack(b);
        if (y.e >= SF_BIAS + 30)
            k = 1 << 30;
        else if (y.e >= SF_BIAS)
            k = (int32_t)(y.m >> (SF_BIAS + 63 - y.e));
        if (y.sign)
            k = -k;
    }
    struct sf_num x = sf_unpack(a);
    return sf_round_reg(c, x.sign, x.e + k, (u128)x.m << 64, 64);
}

void fp80s_xtract(struct fp80_ctx *c, fp80 a, fp80 *exp, fp80 *sig)
{
    int ca = sf_class(a);
    if (ca == SF_UNSUPPORTED) {
        *exp = *sig = sf_invalid(c);
        return;
    }
    if (ca >= SF_QNAN) {
        *exp = *sig = sf_nan(c, a, NULL);
        return;
    }
    if (ca == SF_ZERO) {
        c->sw |= FPU_ZE;
        *exp = sf_inf(true);
        *sig = a;
        return;
    }
    if (ca == SF_INF) {
        *exp = sf_inf(false);
        *sig = a;
        return;
    }
    if (sf_denormal(c, a)) {
        *exp = *sig = a;
        return;
    }
    struct sf_num n = sf_unpack(a);
    *sig = fp80_make(n.sign, SF_BIAS, n.m);
    int32_t e = n.e - SF_BIAS;
    if (!e) {
        *exp = sf_zero(false);
    } else {
        uint64_t mag = (uint64_t)(e < 0 ? -(int64_t)e : e);
        int sh = __builtin_clzll(mag);
        *exp = fp80_make(e < 0, SF_BIAS + 63 - sh, mag << sh);
    }
}

/* Exact |x| rem |y| with the quotient's low bits, for exponent difference
 * d = x.e - y.e in [-1, 63]. `ieee` rounds the quotient to nearest. */
fp80 fp80s_prem(struct fp80_ctx *c, fp80 a, fp80 b, bool ieee)
{
    int ca = sf_class(a), cb = sf_class(b);
    if (ca == SF_UNSUPPORTED || cb == SF_UNSUPPORTED)
        return sf_invalid(c);
    if (ca >= SF_QNAN || cb >= SF_QNAN)
        return sf_nan(c, a, &b);
    if (ca == SF_INF || cb == SF_ZERO)
        return sf_invalid(c);
    if ((ca == SF_DENORMAL && sf_denormal(c, a)) | (cb == SF_DENORMAL && sf_denormal(c, b)))
        return a;
    if (ca == SF_ZERO)
        return a;
    struct sf_num x = sf_unpack(a), y = sf_unpack(b);
    int32_t d = cb == SF_INF ? -2 : x.e - y.e; /* x rem inf = x */
    bool partial = d >= 64;
    if (partial) {
        int n = (d & 31) | 32; /* reduce the exponent by d - n (SDM: n in 32..63) */
        y.e += d - n;
        d = n;
    }
    uint64_t q = 0;
    bool neg = false;
    u128 r;
    int32_t ue; /* exponent of r's bit 0, fp80-biased, as "value = r * 2^(ue - bias)" */
    if (d < -1 || (d == -1 && !ieee)) {
        r = x.m; /* quotient 0: the dividend, normalized */
        ue = x.e - 63;
    } else if (d == -1) {
        /* |x| < |y|: quotient 0 or 1 by rounding. */
        u128 den = (u128)y.m << 1, num = x.m;
        r = num;
        if (num * 2 > den) {
            r = den - num;
            neg = true;
            q = 1;
        }
        ue = x.e - 63;
    } else {
        u128 num = (u128)x.m << d;
        q = (uint64_t)(num / y.m);
        r = num % y.m;
        ue = y.e - 63;
        if (ieee && !partial && (r * 2 > y.m || (r * 2 == y.m && (q & 1)))) {
            r = y.m - r;
            neg = true;
            q++;
        }
    }
    if (partial)
        c->sw |= FPU_C2; /* the quotient bits are reported only when complete */
    else
        c->sw |= ((q & 4) ? FPU_C0 : 0) | ((q & 2) ? FPU_C3 : 0) | ((q & 1) ? FPU_C1 : 0);
    bool s = x.sign ^ neg;
    if (!r)
        return sf_zero(x.sign);
    /* Exact; a denormal remainder still reports underflow when UE is
     * unmasked (with the bias-adjusted result). */
    return sf_round_reg(c, s, ue + 127, r, 64);
}
