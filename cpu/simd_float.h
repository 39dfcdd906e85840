/* Scalar IEEE single/double operations with SSE semantics (SDM Vol. 1, 4.8,
 * 11.5): MXCSR rounding, DAZ, FTZ, x86 NaN rules, exception flags returned in
 * *flags (MXCSR_IE..MXCSR_PE). Two backends with one interface: sf_* is
 * portable software (cpu/sse_softfloat.c), hf_* runs the host's SSE unit with
 * MXCSR loaded explicitly per operation (cpu/sse_hostfloat.c, x86-64 only).
 * The build option VX86_FPU_HOST selects which one the interpreter uses. */
#ifndef VX86_SIMD_FLOAT_H
#define VX86_SIMD_FLOAT_H

#include <stdbool.h>
#include <stdint.h>

/* Two-operand arithmetic, a = first source (destination), b = second. For
 * FP_SQRT only b is used (SQRTSS xmm1, xmm2: the source is the second). */
enum fp_op { FP_ADD, FP_SUB, FP_MUL, FP_DIV, FP_MIN, FP_MAX, FP_SQRT };

/* Conversions; the source is in the low bits of the argument. *_T truncate. */
enum fp_cvt {
    CVT_F32_F64,
    CVT_F64_F32,
    CVT_I32_F32,
    CVT_I32_F64,
    CVT_F32_I32,
    CVT_F32_I32T,
    CVT_F64_I32,
    CVT_F64_I32T
};

/* Results of a COMISS-style comparison. */
enum fp_rel { REL_EQ, REL_LT, REL_GT, REL_UN };

#define SIMD_FLOAT_API(p)                                                                          \
    uint32_t p##_op32(int op, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags);            \
    uint64_t p##_op64(int op, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags);            \
    /* CMPPS predicate 0-7: EQ LT LE UNORD NEQ NLT NLE ORD */                                      \
    bool p##_cmp32(int pred, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags);             \
    bool p##_cmp64(int pred, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags);             \
    /* COMISS (signal = QNaN also invalid) / UCOMISS */                                            \
    int p##_comi32(bool signal, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *flags);          \
    int p##_comi64(bool signal, uint64_t a, uint64_t b, uint32_t mxcsr, uint32_t *flags);          \
    uint64_t p##_cvt(int kind, uint64_t a, uint32_t mxcsr, uint32_t *flags);

SIMD_FLOAT_API(sf)
#if defined(__x86_64__)
#define SIMD_HAVE_HOSTFLOAT 1
SIMD_FLOAT_API(hf)
#endif

/* RCPPS/RSQRTPS approximations (|relative error| <= 1.5 * 2^-12, SDM Vol. 2
 * RCPPS): not IEEE operations, no flags; software only. */
uint32_t sf_rcp32(uint32_t a);
uint32_t sf_rsqrt32(uint32_t a);

/* The backend the interpreter uses. */
#if defined(SIMD_HAVE_HOSTFLOAT) && VX86_FPU_HOST
#define FP(name) hf_##name
#else
#define FP(name) sf_##name
#endif

#endif
