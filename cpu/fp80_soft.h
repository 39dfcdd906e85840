/* Internals of the portable x87 backend (cpu/fp80_soft*.c): unpacked
 * values, rounding to the x87's precision and exponent range, NaN rules. */
#ifndef VX86_FP80_SOFT_H
#define VX86_FP80_SOFT_H

#include <stddef.h>

#include "cpu/fp80.h"

typedef unsigned __int128 u128;

#define SF_BIAS 16383

/* A finite nonzero value, normalized: m has bit 63 set and the value is
 * m / 2^63 * 2^(e - SF_BIAS); e may be below 1 for denormals. */
struct sf_num {
    bool sign;
    int32_t e;
    uint64_t m;
};

/* Classes of an operand. */
enum { SF_ZERO, SF_NORMAL, SF_DENORMAL, SF_INF, SF_QNAN, SF_SNAN, SF_UNSUPPORTED };
int sf_class(fp80 a);
/* Unpack a finite nonzero (normal or denormal, incl. pseudo-denormal) value. */
struct sf_num sf_unpack(fp80 a);

/* Round `sig` (bit 127 = integer bit, value sig/2^127 * 2^(e - SF_BIAS)) to
 * `prec` bits within the exponent range [emin, emax] (fp80-biased) by
 * FCW.RC, with the x87's masked and unmasked overflow/underflow responses.
 * Returns exponent and significand: a denormal result has e == emin and bit
 * 63 clear; overflow to infinity gives e == emax + 1. `bias_adjust` is the
 * unmasked-response exponent adjustment (24576 for the register stack, 0 for
 * stores, whose unmasked case writes nothing). */
struct sf_num sf_round(struct fp80_ctx *c, bool sign, int32_t e, u128 sig, int prec, int32_t emin,
                       int32_t emax, int32_t bias_adjust);
/* Round to the register format under FCW.PC (or `prec` >= 0 forced). */
fp80 sf_round_reg(struct fp80_ctx *c, bool sign, int32_t e, u128 sig, int prec);
int sf_prec(uint16_t cw); /* 24, 53 or 64 from FCW.PC (PC=01 reserved: 64) */

/* NaN result of an operation with one or two NaN operands (SDM Vol. 1,
 * Table 4-7): IE for an SNaN; the quiet result. b may be NULL. */
fp80 sf_nan(struct fp80_ctx *c, fp80 a, const fp80 *b);
/* Invalid operation: IE and the indefinite. */
fp80 sf_invalid(struct fp80_ctx *c);
/* Raise DE if `a` is a denormal; true when it is unmasked (stop). */
bool sf_denormal(struct fp80_ctx *c, fp80 a);

/* A memory operand as an fp80 with its SNaN-ness and denormal-ness kept
 * (f32/f64 denormals come back unnormalized as pseudo-denormals would not:
 * `*den` says the source was a denormal). */
fp80 sf_widen(int kind, const void *src, bool *den);

static inline int sf_clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)x);
}
static inline u128 sf_shr_jam(u128 x, int n)
{
    if (n <= 0)
        return x;
    if (n >= 128)
        return x != 0;
    return (x >> n) | ((x & (((u128)1 << n) - 1)) != 0);
}
static inline fp80 sf_pack(bool sign, int32_t e, uint64_t m)
{
    return fp80_make(sign, e, m);
}
static inline fp80 sf_inf(bool sign)
{
    return fp80_make(sign, 0x7fff, 0x8000000000000000ull);
}
static inline fp80 sf_zero(bool sign)
{
    return fp80_make(sign, 0, 0);
}

#endif
