/* SSE/SSE2 register state (SDM Vol. 1, 10.2) and the MXCSR layout (SDM Vol. 1,
 * 10.2.3). Owned by the SIMD code (cpu/sse*.c, cpu/mmx*.c). */
#ifndef VX86_SSE_STATE_H
#define VX86_SSE_STATE_H

#include <stdint.h>

union xmm_reg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
};

struct sse_state {
    union xmm_reg xmm[8];
    uint32_t mxcsr; /* control/status; 0x1f80 after reset */
};

/* MXCSR bits. Flags IE..PE are sticky; masks IM..PM sit 7 bits above them. */
#define MXCSR_IE         0x0001u /* invalid operation */
#define MXCSR_DE         0x0002u /* denormal operand */
#define MXCSR_ZE         0x0004u /* divide by zero */
#define MXCSR_OE         0x0008u /* overflow */
#define MXCSR_UE         0x0010u /* underflow */
#define MXCSR_PE         0x0020u /* precision (inexact) */
#define MXCSR_FLAGS      0x003fu
#define MXCSR_DAZ        0x0040u /* denormals are zeros (inputs) */
#define MXCSR_MASKS      0x1f80u /* IM DM ZM OM UM PM; MXCSR_FLAGS << 7 */
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC_SHIFT   13 /* rounding control: 0 nearest, 1 down, 2 up, 3 toward zero */
#define MXCSR_RC         0x6000u
#define MXCSR_FZ         0x8000u /* flush to zero (tiny results, underflow masked) */
#define MXCSR_RESET      0x1f80u

/* The MXCSR bits this CPU implements, the value FXSAVE stores in the image's
 * MXCSR_MASK field (SDM Vol. 1, 11.6.6): a 1 in a bit of MXCSR that is not
 * here is reserved and LDMXCSR/FXRSTOR of it raise #GP(0). DAZ is included:
 * the modelled CPU (Pentium M, cpu/cpuid.c) implements it, as did the
 * Pentium 4 steppings after the first (SDM Vol. 1, 10.2.3.4). */
#define SSE_MXCSR_MASK 0x0000ffffu

#endif
