/* The host SSE unit as the SIMD float backend (x86-64 only): each operation
 * loads MXCSR with the guest's rounding, DAZ and FTZ and all exceptions
 * masked, runs one instruction and reads the flags back, in a single asm
 * statement so the compiler cannot move the operation away from its MXCSR. */
#include "cpu/simd_float.h"
#include "cpu/sse_state.h"

#if defined(SIMD_HAVE_HOSTFLOAT)
#include <emmintrin.h>

/* Host MXCSR for one operation: the guest's rounding, DAZ and FTZ, all
 * exceptions masked. */
static inline uint32_t host_mx(uint32_t guest)
{
    return (guest & (MXCSR_DAZ | MXCSR_RC | MXCSR_FZ)) | MXCSR_MASKS;
}

/* The host runs with every exception masked, the guest may not: an unmasked
 * overflow or underflow reports differently (SDM Vol. 1, 11.5.2.3-4: every
 * tiny result underflows, exact or not; PE only if the result rounded with
 * an unbounded exponent is inexact), which the masked host cannot observe.
 * Such an operation (rare: it faults) is redone by the software path. */
static inline bool unmasked_post(uint32_t guest, uint32_t res, bool denormal_result)
{
    uint32_t m = (MXCSR_OE | MXCSR_UE) << MXCSR_MASK_SHIFT;
    return (guest & m) != m && ((res & (MXCSR_OE | MXCSR_UE)) || denormal_result);
}
static inline bool denorm32(uint32_t v)
{
    return !(v & 0x7f800000u) && (v & 0x007fffffu);
}
static inline bool denorm64(uint64_t v)
{
    return !(v & 0x7ff0000000000000ull) && (v & 0x000fffffffffffffull);
}

/* One SSE instruction "insn src, dst" on XMM values, under MXCSR mx. */
#define HOST2(insn, dst, src, mx, out)                                                             \
    do {                                                                                           \
        uint32_t save_, res_;                                                                      \
        __asm__ volatile("stmxcsr %[save]\n\t"                                                     \
                         "ldmxcsr %[m]\n\t" insn " %[s], %[d]\n\t"                                 \
                         "stmxcsr %[res]\n\t"                                                      \
                         "ldmxcsr %[save]"                                                         \
                         : [d] "+x"(dst), [save] "=m"(save_), [res] "=m"(res_)                     \
                         : [s] "x"(src), [m] "m"(mx));                                             \
        out = res_;                                                                                \
    } while (0)

uint32_t hf_op32(int op, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags)
{
    __m128i x = _mm_cvtsi32_si128((int)a), y = _mm_cvtsi32_si128((int)b);
    uint32_t mx = host_mx(mxcsr), res = 0;
    switch (op) {
    case FP_ADD: HOST2("addss", x, y, mx, res); break;
    case FP_SUB: HOST2("subss", x, y, mx, res); break;
    case FP_MUL: HOST2("mulss", x, y, mx, res); break;
    case FP_DIV: HOST2("divss", x, y, mx, res); break;
    case FP_MIN: HOST2("minss", x, y, mx, res); break;
    case FP_MAX: HOST2("maxss", x, y, mx, res); break;
    default: HOST2("sqrtss", x, y, mx, res); break;
    }
    uint32_t r = (uint32_t)_mm_cvtsi128_si32(x);
    if (unmasked_post(mxcsr, res, op <= FP_DIV && denorm32(r)))
        return sf_op32(op, a, b, mxcsr, flags);
    *flags |= res & MXCSR_FLAGS;
    return r;
}

uint64_t hf_op64(int op, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags)
{
    __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_cvtsi64_si128((long long)b);
    uint32_t mx = host_mx(mxcsr), res = 0;
    switch (op) {
    case FP_ADD: HOST2("addsd", x, y, mx, res); break;
    case FP_SUB: HOST2("subsd", x, y, mx, res); break;
    case FP_MUL: HOST2("mulsd", x, y, mx, res); break;
    case FP_DIV: HOST2("divsd", x, y, mx, res); break;
    case FP_MIN: HOST2("minsd", x, y, mx, res); break;
    case FP_MAX: HOST2("maxsd", x, y, mx, res); break;
    default: HOST2("sqrtsd", x, y, mx, res); break;
    }
    uint64_t r = (uint64_t)_mm_cvtsi128_si64(x);
    if (unmasked_post(mxcsr, res, op <= FP_DIV && denorm64(r)))
        return sf_op64(op, a, b, mxcsr, flags);
    *flags |= res & MXCSR_FLAGS;
    return r;
}

#define CMP_CASES(sfx)                                                                             \
    switch (pred & 7) {                                                                            \
    case 0: HOST2("cmpeq" sfx, x, y, mx, res); break;                                              \
    case 1: HOST2("cmplt" sfx, x, y, mx, res); break;                                              \
    case 2: HOST2("cmple" sfx, x, y, mx, res); break;                                              \
    case 3: HOST2("cmpunord" sfx, x, y, mx, res); break;                                           \
    case 4: HOST2("cmpneq" sfx, x, y, mx, res); break;                                             \
    case 5: HOST2("cmpnlt" sfx, x, y, mx, res); break;                                             \
    case 6: HOST2("cmpnle" sfx, x, y, mx, res); break;                                             \
    default: HOST2("cmpord" sfx, x, y, mx, res); break;                                            \
    }

bool hf_cmp32(int pred, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags)
{
    __m128i x = _mm_cvtsi32_si128((int)a), y = _mm_cvtsi32_si128((int)b);
    uint32_t mx = host_mx(mxcsr), res = 0;
    CMP_CASES("ss")
    *flags |= res & MXCSR_FLAGS;
    return _mm_cvtsi128_si32(x) != 0;
}

bool hf_cmp64(int pred, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags)
{
    __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_cvtsi64_si128((long long)b);
    uint32_t mx = host_mx(mxcsr), res = 0;
    CMP_CASES("sd")
    *flags |= res & MXCSR_FLAGS;
    return _mm_cvtsi128_si64(x) != 0;
}

/* COMISS/UCOMISS: ZF PF CF come back through SETcc. */
#define HOST_COMI(insn, x, y, mx, res, z, p, c)                                                    \
    do {                                                                                           \
        uint32_t save_, res_;                                                                      \
        __asm__ volatile(                                                                          \
            "stmxcsr %[save]\n\t"                                                                  \
            "ldmxcsr %[m]\n\t" insn " %[s], %[d]\n\t"                                              \
            "setz %[z]\n\tsetp %[p]\n\tsetc %[c]\n\t"                                              \
            "stmxcsr %[res]\n\t"                                                                   \
            "ldmxcsr %[save]"                                                                      \
            : [z] "=q"(z), [p] "=q"(p), [c] "=q"(c), [save] "=m"(save_), [res] "=m"(res_)          \
            : [d] "x"(x), [s] "x"(y), [m] "m"(mx)                                                  \
            : "cc");                                                                               \
        res = res_;                                                                                \
    } while (0)

static int rel_of(uint8_t z, uint8_t p, uint8_t c)
{
    if (p)
        return REL_UN;
    return z ? REL_EQ : c ? REL_LT : REL_GT;
}

int hf_comi32(bool signal, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags)
{
    __m128i x = _mm_cvtsi32_si128((int)a), y = _mm_cvtsi32_si128((int)b);
    uint32_t mx = host_mx(mxcsr), res = 0;
    uint8_t z, p, c;
    if (signal)
        HOST_COMI("comiss", x, y, mx, res, z, p, c);
    else
        HOST_COMI("ucomiss", x, y, mx, res, z, p, c);
    *flags |= res & MXCSR_FLAGS;
    return rel_of(z, p, c);
}

int hf_comi64(bool signal, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags)
{
    __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_cvtsi64_si128((long long)b);
    uint32_t mx = host_mx(mxcsr), res = 0;
    uint8_t z, p, c;
    if (signal)
        HOST_COMI("comisd", x, y, mx, res, z, p, c);
    else
        HOST_COMI("ucomisd", x, y, mx, res, z, p, c);
    *flags |= res & MXCSR_FLAGS;
    return rel_of(z, p, c);
}

/* Conversions with a general-register side: "insn src, dst" with r32. */
#define HOST_TO_GPR(insn, src, dst, mx, out)                                                       \
    do {                                                                                           \
        uint32_t save_, res_;                                                                      \
        __asm__ volatile("stmxcsr %[save]\n\t"                                                     \
                         "ldmxcsr %[m]\n\t" insn " %[s], %[d]\n\t"                                 \
                         "stmxcsr %[res]\n\t"                                                      \
                         "ldmxcsr %[save]"                                                         \
                         : [d] "=r"(dst), [save] "=m"(save_), [res] "=m"(res_)                     \
                         : [s] "x"(src), [m] "m"(mx));                                             \
        out = res_;                                                                                \
    } while (0)
#define HOST_FROM_GPR(insn, src, dst, mx, out)                                                     \
    do {                                                                                           \
        uint32_t save_, res_;                                                                      \
        __asm__ volatile("stmxcsr %[save]\n\t"                                                     \
                         "ldmxcsr %[m]\n\t" insn " %[s], %[d]\n\t"                                 \
                         "stmxcsr %[res]\n\t"                                                      \
                         "ldmxcsr %[save]"                                                         \
                         : [d] "+x"(dst), [save] "=m"(save_), [res] "=m"(res_)                     \
                         : [s] "r"(src), [m] "m"(mx));                                             \
        out = res_;                                                                                \
    } while (0)

uint64_t hf_cvt(int kind, uint64_t a, uint32_t mxcsr, uint32_t *flags)
{
    __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_setzero_si128();
    uint32_t mx = host_mx(mxcsr), res = 0, r = 0, v = (uint32_t)a;
    uint64_t out;
    switch (kind) {
    case CVT_F32_F64:
        HOST2("cvtss2sd", y, x, mx, res);
        out = (uint64_t)_mm_cvtsi128_si64(y);
        break;
    case CVT_F64_F32:
        HOST2("cvtsd2ss", y, x, mx, res);
        out = (uint32_t)_mm_cvtsi128_si32(y);
        if (unmasked_post(mxcsr, res, denorm32((uint32_t)out)))
            return sf_cvt(kind, a, mxcsr, flags);
        break;
    case CVT_I32_F32:
        HOST_FROM_GPR("cvtsi2ssl", v, y, mx, res);
        out = (uint32_t)_mm_cvtsi128_si32(y);
        break;
    case CVT_I32_F64:
        HOST_FROM_GPR("cvtsi2sdl", v, y, mx, res);
        out = (uint64_t)_mm_cvtsi128_si64(y);
        break;
    case CVT_F32_I32:
        HOST_TO_GPR("cvtss2si", x, r, mx, res);
        out = r;
        break;
    case CVT_F32_I32T:
        HOST_TO_GPR("cvttss2si", x, r, mx, res);
        out = r;
        break;
    case CVT_F64_I32:
        HOST_TO_GPR("cvtsd2si", x, r, mx, res);
        out = r;
        break;
    default:
        HOST_TO_GPR("cvttsd2si", x, r, mx, res);
        out = r;
        break;
    }
    *flags |= res & MXCSR_FLAGS;
    return out;
}
#endif
