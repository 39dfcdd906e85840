/* Portable IEEE 754 single/double arithmetic with the SSE unit's rules (SDM
 * Vol. 1, 4.8 and 11.5): integer-only, so results never depend on the host FPU.
 * One format-generic core; values travel as raw bit patterns in uint64_t. */
#include "cpu/simd_float.h"
#include "cpu/sse_state.h"

typedef unsigned __int128 u128;

struct fmt {
    int mbits, ebits, bias;
};
static const struct fmt F32 = {23, 8, 127};
static const struct fmt F64 = {52, 11, 1023};

enum { RC_NEAR, RC_DOWN, RC_UP, RC_ZERO };

static inline int emask(const struct fmt *f)
{
    return (1 << f->ebits) - 1;
}
static inline uint64_t fracmask(const struct fmt *f)
{
    return (1ull << f->mbits) - 1;
}
static inline int sgn(const struct fmt *f, uint64_t x)
{
    return (int)(x >> (f->mbits + f->ebits)) & 1;
}
static inline int bexp(const struct fmt *f, uint64_t x)
{
    return (int)(x >> f->mbits) & emask(f);
}
static inline uint64_t frac(const struct fmt *f, uint64_t x)
{
    return x & fracmask(f);
}
static inline uint64_t sbit(const struct fmt *f, int s)
{
    return (uint64_t)s << (f->mbits + f->ebits);
}
static inline bool is_nan(const struct fmt *f, uint64_t x)
{
    return bexp(f, x) == emask(f) && frac(f, x);
}
static inline bool is_snan(const struct fmt *f, uint64_t x)
{
    return is_nan(f, x) && !((x >> (f->mbits - 1)) & 1);
}
static inline bool is_inf(const struct fmt *f, uint64_t x)
{
    return bexp(f, x) == emask(f) && !frac(f, x);
}
static inline bool is_zero(const struct fmt *f, uint64_t x)
{
    return !bexp(f, x) && !frac(f, x);
}
static inline bool is_denorm(const struct fmt *f, uint64_t x)
{
    return !bexp(f, x) && frac(f, x);
}
static inline uint64_t quiet(const struct fmt *f, uint64_t x)
{
    return x | 1ull << (f->mbits - 1);
}
static inline uint64_t inf_of(const struct fmt *f, int s)
{
    return sbit(f, s) | (uint64_t)emask(f) << f->mbits;
}
/* The "real indefinite" QNaN (SDM Vol. 1, 4.8.3.7): sign set, quiet bit only. */
static inline uint64_t default_nan(const struct fmt *f)
{
    return quiet(f, inf_of(f, 1));
}

/* Denormal source operands (SDM Vol. 1, 10.2.3.4 DAZ, 4.9.1.2 #D): with DAZ
 * they read as a zero of the same sign and raise nothing; else they set DE. */
static uint64_t daz_in(const struct fmt *f, uint64_t x, uint32_t mxcsr, uint32_t *fl)
{
    if (!is_denorm(f, x))
        return x;
    if (mxcsr & MXCSR_DAZ)
        return sbit(f, sgn(f, x));
    *fl |= MXCSR_DE;
    return x;
}

/* NaN operands of a two-operand instruction (SDM Vol. 1, Table 4-7, SSE
 * column): the first source if it is a NaN, else the second, quieted; an
 * SNaN anywhere is an invalid operation. */
static uint64_t nan2(const struct fmt *f, uint64_t a, uint64_t b, uint32_t *fl)
{
    if (is_snan(f, a) || is_snan(f, b))
        *fl |= MXCSR_IE;
    return quiet(f, is_nan(f, a) ? a : b);
}

/* Finite non-zero operand as sig * 2^(exp - 62), sig normalized to bit 62. */
static void unpack(const struct fmt *f, uint64_t x, int *exp, uint64_t *sig)
{
    int e = bexp(f, x);
    uint64_t m = frac(f, x);
    if (e)
        m |= 1ull << f->mbits;
    else
        e = 1;
    int sh = 62 - f->mbits;
    m <<= sh;
    e -= f->bias;
    while (!(m >> 62)) {
        m <<= 1;
        e--;
    }
    *exp = e;
    *sig = m;
}

static inline uint64_t shr_jam(uint64_t x, int n)
{
    if (n <= 0)
        return x;
    if (n >= 64)
        return x != 0;
    return (x >> n) | ((x & ((1ull << n) - 1)) != 0);
}

/* sig >> n rounded by rc (1 <= n <= 63); *inexact when bits were lost. */
static uint64_t round_shift(uint64_t sig, int n, int rc, int sign, bool *inexact)
{
    uint64_t q = sig >> n, rem = sig & ((1ull << n) - 1), half = 1ull << (n - 1);
    *inexact = rem != 0;
    bool up = false;
    switch (rc) {
    case RC_NEAR: up = rem > half || (rem == half && (q & 1)); break;
    case RC_DOWN: up = rem && sign; break;
    case RC_UP: up = rem && !sign; break;
    default: break;
    }
    return q + up;
}

/* Round sig * 2^(exp - 62) (sig != 0) to the format: overflow, tininess
 * after rounding (as x86 detects it), FTZ, denormal results. */
static uint64_t round_pack(const struct fmt *f, int sign, int exp, uint64_t sig, uint32_t mxcsr,
                           uint32_t *fl)
{
    int rc = (int)((mxcsr & MXCSR_RC) >> MXCSR_RC_SHIFT);
    int n = 62 - f->mbits;
    bool inexact;
    if (sig >> 63) {
        sig = shr_jam(sig, 1);
        exp++;
    }
    while (!(sig >> 62)) {
        sig <<= 1;
        exp--;
    }
    int biased = exp + f->bias;
    if (biased >= 1) {
        uint64_t q = round_shift(sig, n, rc, sign, &inexact);
        if (q >> (f->mbits + 1)) {
            q >>= 1;
            biased++;
        }
        if (biased >= emask(f)) {
            /* Masked: OE and PE. Unmasked: OE, and PE only if rounding
             * with an unbounded exponent was inexact (SDM Vol. 1, 11.5.2.3;
             * the destination is not written then). */
            bool om_masked = mxcsr & (MXCSR_OE << MXCSR_MASK_SHIFT);
            *fl |= MXCSR_OE | (om_masked || inexact ? MXCSR_PE : 0);
            bool to_inf = rc == RC_NEAR || (rc == RC_UP && !sign) || (rc == RC_DOWN && sign);
            return to_inf ? inf_of(f, sign)
                          : sbit(f, sign) | ((uint64_t)(emask(f) - 1) << f->mbits) | fracmask(f);
        }
        if (inexact)
            *fl |= MXCSR_PE;
        return sbit(f, sign) | ((uint64_t)biased << f->mbits) | (q & fracmask(f));
    }
    /* Tiny before rounding; tiny after rounding unless rounding at full
     * precision carries it up to the smallest normal. */
    bool tiny = biased < 0 || (round_shift(sig, n, rc, sign, &inexact) >> (f->mbits + 1)) == 0;
    bool um_masked = mxcsr & (MXCSR_UE << MXCSR_MASK_SHIFT);
    if (tiny && !um_masked) {
        /* Unmasked: every tiny result is an underflow, with PE only if
         * rounding with an unbounded exponent was inexact (SDM Vol. 1,
         * 11.5.2.4); the destination is not written. */
        round_shift(sig, n, rc, sign, &inexact);
        *fl |= MXCSR_UE | (inexact ? MXCSR_PE : 0);
        return sbit(f, sign);
    }
    if (tiny && (mxcsr & MXCSR_FZ)) {
        /* SDM Vol. 1, 10.2.3.3: zero of the result's sign, UE and PE. */
        *fl |= MXCSR_UE | MXCSR_PE;
        return sbit(f, sign);
    }
    uint64_t q = round_shift(shr_jam(sig, 1 - biased), n, rc, sign, &inexact);
    if (inexact)
        *fl |= MXCSR_PE | (tiny ? MXCSR_UE : 0);
    return sbit(f, sign) | q; /* q == 1 << mbits encodes the smallest normal */
}

static uint64_t f_add(const struct fmt *f, uint64_t a, uint64_t b, bool sub, uint32_t mx,
                      uint32_t *fl)
{
    if (is_nan(f, a) || is_nan(f, b))
        return nan2(f, a, b, fl);
    a = daz_in(f, a, mx, fl);
    b = daz_in(f, b, mx, fl);
    int sa = sgn(f, a), sb = sgn(f, b) ^ sub;
    if (is_inf(f, a)) {
        if (is_inf(f, b) && sa != sb) {
            *fl |= MXCSR_IE;
            return default_nan(f);
        }
        return a;
    }
    if (is_inf(f, b))
        return inf_of(f, sb);
    int rc = (int)((mx & MXCSR_RC) >> MXCSR_RC_SHIFT);
    if (is_zero(f, a) && is_zero(f, b))
        return sbit(f, sa == sb ? sa : rc == RC_DOWN);
    int ea, eb;
    uint64_t ma, mb;
    /* x + 0 still rounds: a denormal x goes through FTZ like any result. */
    if (is_zero(f, a)) {
        unpack(f, b, &eb, &mb);
        return round_pack(f, sb, eb, mb, mx, fl);
    }
    unpack(f, a, &ea, &ma);
    if (is_zero(f, b))
        return round_pack(f, sa, ea, ma, mx, fl);
    unpack(f, b, &eb, &mb);
    /* Align to the larger exponent: shift the smaller right with a sticky bit. */
    if (ea < eb || (ea == eb && ma < mb)) {
        int te = ea;
        ea = eb;
        eb = te;
        uint64_t tm = ma;
        ma = mb;
        mb = tm;
        int ts = sa;
        sa = sb;
        sb = ts;
    }
    mb = shr_jam(mb, ea - eb);
    uint64_t m;
    if (sa == sb) {
        m = ma + mb; /* < 2^64: both below 2^63 */
    } else {
        m = ma - mb;
        if (!m)
            return sbit(f, rc == RC_DOWN);
    }
    return round_pack(f, sa, ea, m, mx, fl);
}

static uint64_t f_mul(const struct fmt *f, uint64_t a, uint64_t b, uint32_t mx, uint32_t *fl)
{
    if (is_nan(f, a) || is_nan(f, b))
        return nan2(f, a, b, fl);
    a = daz_in(f, a, mx, fl);
    b = daz_in(f, b, mx, fl);
    int s = sgn(f, a) ^ sgn(f, b);
    if (is_inf(f, a) || is_inf(f, b)) {
        if (is_zero(f, a) || is_zero(f, b)) {
            *fl |= MXCSR_IE;
            return default_nan(f);
        }
        return inf_of(f, s);
    }
    if (is_zero(f, a) || is_zero(f, b))
        return sbit(f, s);
    int ea, eb;
    uint64_t ma, mb;
    unpack(f, a, &ea, &ma);
    unpack(f, b, &eb, &mb);
    u128 p = (u128)ma * mb; /* msb at bit 124 or 125 */
    uint64_t m = (uint64_t)(p >> 62) | ((uint64_t)p & ((1ull << 62) - 1) ? 1 : 0);
    return round_pack(f, s, ea + eb, m, mx, fl);
}

static uint64_t f_div(const struct fmt *f, uint64_t a, uint64_t b, uint32_t mx, uint32_t *fl)
{
    if (is_nan(f, a) || is_nan(f, b))
        return nan2(f, a, b, fl);
    b = daz_in(f, b, mx, fl);
    if (is_zero(f, b) && !is_zero(f, a) && bexp(f, a) != emask(f) &&
        !(is_denorm(f, a) && (mx & MXCSR_DAZ))) {
        /* x / 0: only ZE, even for a denormal x (as the host reports it) */
        *fl |= MXCSR_ZE;
        return inf_of(f, sgn(f, a) ^ sgn(f, b));
    }
    a = daz_in(f, a, mx, fl);
    int s = sgn(f, a) ^ sgn(f, b);
    if (is_inf(f, a)) {
        if (is_inf(f, b)) {
            *fl |= MXCSR_IE;
            return default_nan(f);
        }
        return inf_of(f, s);
    }
    if (is_inf(f, b))
        return sbit(f, s);
    if (is_zero(f, b)) {
        if (is_zero(f, a)) {
            *fl |= MXCSR_IE;
            return default_nan(f);
        }
        *fl |= MXCSR_ZE;
        return inf_of(f, s);
    }
    if (is_zero(f, a))
        return sbit(f, s);
    int ea, eb;
    uint64_t ma, mb;
    unpack(f, a, &ea, &ma);
    unpack(f, b, &eb, &mb);
    u128 n = (u128)ma << 62;
    uint64_t q = (uint64_t)(n / mb);
    if (n % mb)
        q |= 1;
    return round_pack(f, s, ea - eb, q, mx, fl);
}

static uint64_t isqrt128(u128 x, bool *exact)
{
    u128 r = 0, bit = (u128)1 << 126;
    while (bit > x)
        bit >>= 2;
    while (bit) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    *exact = x == 0;
    return (uint64_t)r;
}

static uint64_t f_sqrt(const struct fmt *f, uint64_t a, uint32_t mx, uint32_t *fl)
{
    if (is_nan(f, a)) {
        if (is_snan(f, a))
            *fl |= MXCSR_IE;
        return quiet(f, a);
    }
    if (is_denorm(f, a) && (mx & MXCSR_DAZ))
        a = sbit(f, sgn(f, a));
    if (is_zero(f, a))
        return a;
    if (sgn(f, a)) { /* invalid outranks denormal: no DE (as the host reports it) */
        *fl |= MXCSR_IE;
        return default_nan(f);
    }
    a = daz_in(f, a, mx, fl);
    if (is_inf(f, a))
        return a;
    int e;
    uint64_t m;
    unpack(f, a, &e, &m);
    /* value = m * 2^(e-62); make (e - 62) even, then sqrt(m * 2^64) * 2^((e-62-64)/2). */
    u128 x = (u128)m << 64;
    if ((e - 62) & 1) {
        x <<= 1;
        e--;
    }
    bool exact;
    uint64_t r = isqrt128(x, &exact);
    if (!exact)
        r |= 1;
    int k = (e - 62 - 64) / 2; /* value = r * 2^k */
    return round_pack(f, 0, k + 62, r, mx, fl);
}

/* Ordered comparison of two non-NaN values (after DAZ): -1, 0, 1. */
static int f_compare(const struct fmt *f, uint64_t a, uint64_t b)
{
    if (is_zero(f, a) && is_zero(f, b))
        return 0;
    int sa = sgn(f, a), sb = sgn(f, b);
    if (sa != sb)
        return sa ? -1 : 1;
    uint64_t ma = a & ~sbit(f, 1), mb = b & ~sbit(f, 1);
    if (ma == mb)
        return 0;
    return (ma < mb) ^ sa ? -1 : 1;
}

/* MINPS/MAXPS (SDM Vol. 2): a NaN in either source, or two zeros, return the
 * second source unchanged; QNaNs are invalid too. */
static uint64_t f_minmax(const struct fmt *f, uint64_t a, uint64_t b, bool max, uint32_t mx,
                         uint32_t *fl)
{
    if (is_nan(f, a) || is_nan(f, b)) {
        *fl |= MXCSR_IE;
        uint32_t ignore = 0; /* DAZ still applies to the returned source */
        return daz_in(f, b, mx, &ignore);
    }
    a = daz_in(f, a, mx, fl);
    b = daz_in(f, b, mx, fl);
    int c = f_compare(f, a, b);
    return (max ? c > 0 : c < 0) ? a : b;
}

static uint64_t f_op(const struct fmt *f, int op, uint64_t a, uint64_t b, uint32_t mx, uint32_t *fl)
{
    switch (op) {
    case FP_ADD: return f_add(f, a, b, false, mx, fl);
    case FP_SUB: return f_add(f, a, b, true, mx, fl);
    case FP_MUL: return f_mul(f, a, b, mx, fl);
    case FP_DIV: return f_div(f, a, b, mx, fl);
    case FP_MIN: return f_minmax(f, a, b, false, mx, fl);
    case FP_MAX: return f_minmax(f, a, b, true, mx, fl);
    default: return f_sqrt(f, b, mx, fl);
    }
}

uint32_t sf_op32(int op, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags)
{
    return (uint32_t)f_op(&F32, op, a, b, mxcsr, flags);
}
uint64_t sf_op64(int op, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags)
{
    return f_op(&F64, op, a, b, mxcsr, flags);
}

/* CMPPS predicates (SDM Vol. 2 CMPPS, Table 3-7): LT LE NLT NLE signal on QNaN. */
static bool f_cmp(const struct fmt *f, int pred, uint64_t a, uint64_t b, uint32_t mx, uint32_t *fl)
{
    pred &= 7;
    bool un = is_nan(f, a) || is_nan(f, b);
    if (un) {
        bool signaling = pred == 1 || pred == 2 || pred == 5 || pred == 6;
        if (signaling || is_snan(f, a) || is_snan(f, b))
            *fl |= MXCSR_IE;
    } else {
        a = daz_in(f, a, mx, fl);
        b = daz_in(f, b, mx, fl);
    }
    int c = un ? 2 : f_compare(f, a, b);
    switch (pred) {
    case 0: return c == 0;
    case 1: return c == -1;
    case 2: return c == -1 || c == 0;
    case 3: return un;
    case 4: return c != 0;
    case 5: return c != -1;
    case 6: return !(c == -1 || c == 0);
    default: return !un;
    }
}
bool sf_cmp32(int pred, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags)
{
    return f_cmp(&F32, pred, a, b, mxcsr, flags);
}
bool sf_cmp64(int pred, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags)
{
    return f_cmp(&F64, pred, a, b, mxcsr, flags);
}

static int f_comi(const struct fmt *f, bool signal, uint64_t a, uint64_t b, uint32_t mx,
                  uint32_t *fl)
{
    if (is_nan(f, a) || is_nan(f, b)) {
        if (signal || is_snan(f, a) || is_snan(f, b))
            *fl |= MXCSR_IE;
        return REL_UN;
    }
    a = daz_in(f, a, mx, fl);
    b = daz_in(f, b, mx, fl);
    int c = f_compare(f, a, b);
    return c == 0 ? REL_EQ : c < 0 ? REL_LT : REL_GT;
}
int sf_comi32(bool signal, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags)
{
    return f_comi(&F32, signal, a, b, mxcsr, flags);
}
int sf_comi64(bool signal, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags)
{
    return f_comi(&F64, signal, a, b, mxcsr, flags);
}

/* Float -> int32 (CVTSS2SI, CVTTSD2SI ...): NaN, infinity and out-of-range
 * values are invalid and give the integer indefinite 0x80000000. Denormal
 * sources do not raise DE here (SDM Vol. 2 CVTSS2SI: #I, #P only), but DAZ
 * still reads them as zero. */
static uint32_t f_to_i32(const struct fmt *f, uint64_t a, bool trunc, uint32_t mx, uint32_t *fl)
{
    if (bexp(f, a) == emask(f)) {
        *fl |= MXCSR_IE;
        return 0x80000000u;
    }
    if (is_denorm(f, a) && (mx & MXCSR_DAZ))
        return 0;
    if (is_zero(f, a))
        return 0;
    int rc = trunc ? RC_ZERO : (int)((mx & MXCSR_RC) >> MXCSR_RC_SHIFT);
    int s = sgn(f, a), e;
    uint64_t m;
    unpack(f, a, &e, &m); /* value = m * 2^(e-62) */
    if (e > 31) {
        *fl |= MXCSR_IE;
        return 0x80000000u;
    }
    uint64_t q;
    bool inexact = false;
    int n = 62 - e;
    if (n >= 64) {
        /* |value| < 1/2: only a directed rounding away from zero gives 1. */
        q = (rc == RC_UP && !s) || (rc == RC_DOWN && s) ? 1 : 0;
        inexact = true;
    } else {
        q = round_shift(m, n, rc, s, &inexact);
    }
    if (q > (s ? 0x80000000ull : 0x7fffffffull)) {
        *fl |= MXCSR_IE;
        return 0x80000000u;
    }
    if (inexact)
        *fl |= MXCSR_PE;
    return s ? (uint32_t) - (int64_t)q : (uint32_t)q;
}

static uint64_t i32_to_f(const struct fmt *f, uint32_t v, uint32_t mx, uint32_t *fl)
{
    if (!v)
        return 0;
    int s = (int32_t)v < 0;
    uint64_t m = s ? (uint64_t) - (int64_t)(int32_t)v : v;
    return round_pack(f, s, 62, m, mx, fl); /* value = m * 2^0 */
}

/* Float format conversion: NaNs keep their payload's high bits, quieted. */
static uint64_t f_to_f(const struct fmt *from, const struct fmt *to, uint64_t a, uint32_t mx,
                       uint32_t *fl)
{
    int s = sgn(from, a);
    int d = to->mbits - from->mbits;
    if (is_nan(from, a)) {
        if (is_snan(from, a))
            *fl |= MXCSR_IE;
        uint64_t p = frac(from, a);
        p = d >= 0 ? p << d : p >> -d;
        return quiet(to, inf_of(to, s) | p);
    }
    if (is_inf(from, a))
        return inf_of(to, s);
    a = daz_in(from, a, mx, fl);
    if (is_zero(from, a))
        return sbit(to, s);
    int e;
    uint64_t m;
    unpack(from, a, &e, &m);
    return round_pack(to, s, e, m, mx, fl);
}

uint64_t sf_cvt(int kind, uint64_t a, uint32_t mxcsr, uint32_t *flags)
{
    switch (kind) {
    case CVT_F32_F64: return f_to_f(&F32, &F64, (uint32_t)a, mxcsr, flags);
    case CVT_F64_F32: return f_to_f(&F64, &F32, a, mxcsr, flags);
    case CVT_I32_F32: return i32_to_f(&F32, (uint32_t)a, mxcsr, flags);
    case CVT_I32_F64: return i32_to_f(&F64, (uint32_t)a, mxcsr, flags);
    case CVT_F32_I32: return f_to_i32(&F32, (uint32_t)a, false, mxcsr, flags);
    case CVT_F32_I32T: return f_to_i32(&F32, (uint32_t)a, true, mxcsr, flags);
    case CVT_F64_I32: return f_to_i32(&F64, a, false, mxcsr, flags);
    default: return f_to_i32(&F64, a, true, mxcsr, flags);
    }
}

/* RCPPS / RSQRTPS: the SDM only bounds the error (1.5 * 2^-12); this
 * computes the exact value rounded to 12 significant bits (nearest) in
 * round-to-nearest arithmetic. Real parts use a table whose contents Intel
 * does not publish, so last-bit differences from hardware are expected.
 * Special cases as the SDM lists them: +-0 and denormals -> +-inf (RCP),
 * +-inf -> +-0, tiny results flush to zero, negative RSQRT -> indefinite. */
static uint32_t round12(uint32_t x)
{
    uint32_t r = (x + 0x400u) & ~0x7ffu; /* keep 12 of 24 significant bits */
    return r;
}

uint32_t sf_rcp32(uint32_t a)
{
    const struct fmt *f = &F32;
    uint32_t fl = 0;
    if (is_nan(f, a))
        return (uint32_t)quiet(f, a);
    int s = sgn(f, a);
    if (is_zero(f, a) || is_denorm(f, a))
        return (uint32_t)inf_of(f, s);
    if (is_inf(f, a))
        return (uint32_t)sbit(f, s);
    uint32_t r =
        (uint32_t)f_div(f, 0x3f800000u | (uint32_t)sbit(f, s), a, MXCSR_RESET | MXCSR_FZ, &fl);
    if (is_denorm(f, r))
        return (uint32_t)sbit(f, s);
    return bexp(f, r) == emask(f) ? r : round12(r);
}

uint32_t sf_rsqrt32(uint32_t a)
{
    const struct fmt *f = &F32;
    uint32_t fl = 0;
    if (is_nan(f, a))
        return (uint32_t)quiet(f, a);
    int s = sgn(f, a);
    if (is_zero(f, a) || is_denorm(f, a))
        return (uint32_t)inf_of(f, s);
    if (s)
        return (uint32_t)default_nan(f);
    if (is_inf(f, a))
        return 0;
    uint32_t r = (uint32_t)f_sqrt(f, a, MXCSR_RESET, &fl);
    r = (uint32_t)f_div(f, 0x3f800000u, r, MXCSR_RESET, &fl);
    return round12(r);
}
