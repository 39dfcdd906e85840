/* The x87 FPU's entry points for the rest of the CPU: reset/FNINIT, the
 * FXSAVE/FXRSTOR images (used by the 0F AE group), and pending-exception checks. */
#ifndef VX86_FPU_H
#define VX86_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/fpu_state.h"

struct cpu;

/* FNINIT state (SDM Vol. 2A "FINIT/FNINIT"): FCW 0x037F, FSW 0, all tags
 * empty, pointers and FOP zero; the register contents stay. */
void fpu_init(struct fpu_state *f);
/* Power-up/RESET state (SDM Vol. 3A 9.1.1, Table 9-1): FCW 0x0040, FSW 0,
 * FTW all empty, registers +0. cpu_reset() calls it. */
void fpu_power_on(struct fpu_state *f);

/* FXSAVE / FXRSTOR of the 512-byte image at seg:offset (SDM Vol. 2A
 * "FXSAVE", Table 3-53, 32-bit layout). The caller (0F AE /0 and /1) has
 * already checked CR0.EM/TS (#NM); these raise #GP(0) on a misaligned
 * offset, #GP on a reserved MXCSR bit in FXRSTOR, and memory faults. The
 * XMM registers are saved/restored only with CR4.OSFXSR set (MXCSR always). */
void fpu_fxsave(struct cpu *cpu, int seg, uint32_t offset);
void fpu_fxrstor(struct cpu *cpu, int seg, uint32_t offset);

/* #NM for x87 instructions and FXSAVE/FXRSTOR: CR0.EM or CR0.TS (SDM Vol.
 * 3A 2.5, Table 2-2). FWAIT's rule (MP and TS) is in op_fwait. */
void fpu_check_nm(struct cpu *cpu);
/* If FSW.ES is set (an unmasked exception is pending), deliver it: #MF with
 * CR0.NE=1, otherwise the FERR# hook (IRQ13 on a PC) and carry on as a P6
 * does with IGNNE# asserted by the board. */
void fpu_check_pending(struct cpu *cpu);

/* MMX aliasing (SDM Vol. 1, 9.5): an MMX instruction sets TOP=0 and all tags
 * valid; EMMS sets all tags empty. */
void fpu_mmx_enter(struct fpu_state *f);
void fpu_emms(struct fpu_state *f);

#endif
