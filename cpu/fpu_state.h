/* x87 FPU register state (SDM Vol. 1, 8.1). MMX registers alias the
 * significands of the physical registers. Owned by the x87 code (cpu/fpu*). */
#ifndef VX86_FPU_STATE_H
#define VX86_FPU_STATE_H

#include <stdint.h>

/* An 80-bit extended-precision value: 64-bit significand with explicit
 * integer bit, 15-bit biased exponent and the sign in bit 15 of `se`. */
struct fpu_reg {
    uint64_t mant;
    uint16_t se;
};

struct fpu_state {
    struct fpu_reg st[8]; /* physical registers R0-R7; ST(i) is R[(TOP + i) & 7] */
    uint16_t fcw;         /* control word */
    uint16_t fsw;         /* status word, TOP in bits 11-13 */
    uint16_t ftw;         /* full tag word, 2 bits per physical register */
    uint16_t fop;         /* last non-control instruction's opcode (11 bits) */
    uint32_t fip, fdp;    /* last instruction and data pointer offsets */
    uint16_t fcs, fds;    /* and their selectors */
};

#endif
