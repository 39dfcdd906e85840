/* 80-bit extended-precision arithmetic as the x87 computes it: the value
 * operations behind the FPU instructions, in two interchangeable backends. */
#ifndef VX86_FP80_H
#define VX86_FP80_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/fpu_state.h"

typedef struct fpu_reg fp80;

/* FCW / FSW bits (SDM Vol. 1, 8.1.3 and 8.1.5). */
#define FPU_IE        0x0001 /* invalid operation (FSW) / mask IM (FCW) */
#define FPU_DE        0x0002 /* denormal operand */
#define FPU_ZE        0x0004 /* zero divide */
#define FPU_OE        0x0008 /* overflow */
#define FPU_UE        0x0010 /* underflow */
#define FPU_PE        0x0020 /* precision (inexact) */
#define FPU_EXC       0x003f
#define FPU_SF        0x0040 /* FSW: stack fault (with IE) */
#define FPU_ES        0x0080 /* FSW: error summary */
#define FPU_C0        0x0100
#define FPU_C1        0x0200
#define FPU_C2        0x0400
#define FPU_C3        0x4000
#define FPU_CC        (FPU_C0 | FPU_C1 | FPU_C2 | FPU_C3)
#define FPU_B         0x8000
#define FPU_TOP_SHIFT 11
#define FCW_PC(cw)    (((cw) >> 8) & 3)  /* 0: 24 bits, 2: 53, 3: 64 */
#define FCW_RC(cw)    (((cw) >> 10) & 3) /* 0 nearest, 1 down, 2 up, 3 zero */
enum { FP80_RN, FP80_RD, FP80_RU, FP80_RZ };

/* One operation's environment: the control word going in (rounding,
 * precision, masks: an unmasked exception gives the x87's unmasked response,
 * e.g. no result for IE/ZE/DE, the bias-adjusted result for OE/UE), and the
 * status coming out: exception bits FPU_EXC, C1 (rounded up, SDM 8.1.3.1),
 * and C0/C2/C3 for compares and FPREM. */
struct fp80_ctx {
    uint16_t cw;
    uint16_t sw;
    /* Going in: exception bits the caller's status word already has set
     * and its control word masks. A backend may report them in `sw` whether
     * or not the operation raised them (merging them changes nothing); the
     * host backend uses that to skip FNCLEX, which stalls the host x87. */
    uint16_t known;
};

/* Operand kinds: a register value (fp80) or a memory operand's format. */
enum fp80_kind { FP80_K80, FP80_K32, FP80_K64, FP80_KI16, FP80_KI32, FP80_KI64, FP80_KBCD };
static const int fp80_kind_size[] = {10, 4, 8, 2, 4, 8, 10};

/* The ESC arithmetic group's operation numbers (ModRM.reg of D8). */
enum { FP80_ADD = 0, FP80_MUL = 1, FP80_SUB = 4, FP80_SUBR = 5, FP80_DIV = 6, FP80_DIVR = 7 };

/* True when the result must not be written: an unmasked IE, DE or ZE is
 * raised before the operation produces anything (SDM Vol. 1, 8.5). */
static inline bool fp80_pre_exc(const struct fp80_ctx *c)
{
    return (c->sw & ~c->cw & (FPU_IE | FPU_DE | FPU_ZE)) != 0;
}

/* The backend API. Each backend defines every name with its own prefix
 * (fp80h_ = host x87, fp80s_ = portable); FP80(name) picks the build's one. */
#define FP80_API(P)                                                                                \
    fp80 P##arith(struct fp80_ctx *c, int op, fp80 dst, int kind, const void *src);                \
    void P##com(struct fp80_ctx *c, fp80 a, int kind, const void *src, bool unordered);            \
    fp80 P##load(struct fp80_ctx *c, int kind, const void *src);                                   \
    void P##store(struct fp80_ctx *c, fp80 a, int kind, void *dst);                                \
    fp80 P##sqrt(struct fp80_ctx *c, fp80 a);                                                      \
    fp80 P##rndint(struct fp80_ctx *c, fp80 a);                                                    \
    fp80 P##scale(struct fp80_ctx *c, fp80 a, fp80 b);                                             \
    void P##xtract(struct fp80_ctx *c, fp80 a, fp80 *exp, fp80 *sig);                              \
    fp80 P##prem(struct fp80_ctx *c, fp80 a, fp80 b, bool ieee);                                   \
    fp80 P##f2xm1(struct fp80_ctx *c, fp80 a);                                                     \
    fp80 P##yl2x(struct fp80_ctx *c, fp80 x, fp80 y);                                              \
    fp80 P##yl2xp1(struct fp80_ctx *c, fp80 x, fp80 y);                                            \
    fp80 P##atan(struct fp80_ctx *c, fp80 x, fp80 y);                                              \
    fp80 P##sin(struct fp80_ctx *c, fp80 a);                                                       \
    fp80 P##cos(struct fp80_ctx *c, fp80 a);                                                       \
    void P##sincos(struct fp80_ctx *c, fp80 a, fp80 *s, fp80 *co);                                 \
    fp80 P##tan(struct fp80_ctx *c, fp80 a);

/* arith: dst OP src, src of `kind` (FP80_K80: src points to an fp80).
 * com: compare a with src: C3 (equal), C0 (less), C2 (unordered); IE for any
 *   NaN (FCOM) or only SNaNs (FUCOM, `unordered`). kind FP80_K80 with a NULL
 *   src compares with +0.0 (FTST).
 * load: FLD/FILD/FBLD of a memory operand. store: FST/FIST/FBSTP into dst.
 * scale: a * 2^trunc(b). prem: FPREM (ieee false) / FPREM1 of a by b, with
 *   C2 (incomplete) and the quotient bits in C0 C3 C1.
 * f2xm1: 2^a - 1. yl2x: y*log2(x). yl2xp1: y*log2(x+1). atan: atan(y/x)
 *   (FPATAN: y = ST(1), x = ST(0)). sin/cos/sincos/tan set C2 when
 *   |a| >= 2^63 (operand out of range, left unchanged). */
FP80_API(fp80h_)
FP80_API(fp80s_)

#if VX86_FPU_HOST
#define FP80(name) fp80h_##name
#else
#define FP80(name) fp80s_##name
#endif

/* Classification (SDM Vol. 1, 8.2.2 and Table 8-3). */
static inline int fp80_exp(fp80 a)
{
    return a.se & 0x7fff;
}
static inline bool fp80_sign(fp80 a)
{
    return a.se >> 15;
}
static inline bool fp80_is_nan(fp80 a)
{
    return fp80_exp(a) == 0x7fff && (a.mant >> 63) && (a.mant << 1);
}
static inline bool fp80_is_snan(fp80 a)
{
    return fp80_is_nan(a) && !((a.mant >> 62) & 1);
}
static inline bool fp80_is_inf(fp80 a)
{
    return fp80_exp(a) == 0x7fff && a.mant == 0x8000000000000000ull;
}
static inline bool fp80_is_zero(fp80 a)
{
    return fp80_exp(a) == 0 && a.mant == 0;
}
/* Unsupported encodings: unnormals, pseudo-infinities, pseudo-NaNs. */
static inline bool fp80_is_unsupported(fp80 a)
{
    return fp80_exp(a) != 0 && !(a.mant >> 63);
}
static inline fp80 fp80_make(bool sign, int exp, uint64_t mant)
{
    return (fp80){mant, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff))};
}
#define FP80_INDEFINITE ((fp80){0xc000000000000000ull, 0xffff})

#endif
