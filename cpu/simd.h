/* Shared by the MMX/SSE/SSE2 handlers (cpu/mmx*.c, cpu/sse*.c): the mandatory
 * prefix, the availability checks of each instruction class, MMX/XMM operand
 * access, and the SIMD floating-point exception rules. */
#ifndef VX86_SIMD_H
#define VX86_SIMD_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/sse_state.h"

/* Mandatory prefix of an MMX/SSE opcode (SDM Vol. 2, 2.1.2): the last of
 * F2/F3, else 66, else none. */
enum simd_pfx { PF_NP, PF_66, PF_F3, PF_F2 };
static inline int simd_pfx(const struct insn *in)
{
    if (in->prefix & PFX_REP)
        return PF_F3;
    if (in->prefix & PFX_REPNE)
        return PF_F2;
    return (in->prefix & PFX_OPSIZE) ? PF_66 : PF_NP;
}

/* One handler per 0F opcode (low byte), all mandatory-prefix forms. */
typedef void (*simd_fn)(struct cpu *cpu, const struct insn *in, int pfx);

/* Availability checks, before any operand is touched (SDM Vol. 3A 13.x and
 * the exception tables of SDM Vol. 2 ch. 22/23):
 * MMX registers (MMX, and the SSE/SSE2 forms on MMX registers): #UD if
 *   CR0.EM, #NM if CR0.TS, then a pending unmasked x87 exception (#MF).
 * XMM registers: #UD if CR0.EM or !CR4.OSFXSR, #NM if CR0.TS.
 * Both (CVTPI2PS, MOVQ2DQ, ...): the XMM checks, then the pending x87 one. */
void simd_check_mmx(struct cpu *cpu);
void simd_check_sse(struct cpu *cpu);
void simd_check_sse_mmx(struct cpu *cpu);
/* After the last fault point of an instruction that uses MMX registers: the
 * x87 -> MMX transition (TOP = 0, all tags valid; SDM Vol. 1, 9.5.1). */
void simd_mmx_done(struct cpu *cpu);

/* MMX register i aliases the significand of physical x87 register R[i];
 * writing one sets its sign and exponent to all ones (SDM Vol. 1, 9.5.1). */
static inline uint64_t mmx_get(const struct cpu *cpu, int i)
{
    return cpu->fpu.st[i].mant;
}
static inline void mmx_set(struct cpu *cpu, int i, uint64_t v)
{
    cpu->fpu.st[i].mant = v;
    cpu->fpu.st[i].se = 0xffff;
}
static inline union xmm_reg *xmm(struct cpu *cpu, int i)
{
    return &cpu->sse.xmm[i];
}

/* Linear-address alignment check of the 16-byte forms that require it:
 * #GP(0) (SDM Vol. 1, 11.4.1; checked on the linear address, as hardware). */
void simd_check_align16(struct cpu *cpu, const struct insn *in);
/* The r/m operand: MMX register (or m64), XMM register (or m128, aligned
 * when `align`), the low 64/32 bits of an XMM register (or m64/m32). */
uint64_t simd_rm_mm(struct cpu *cpu, const struct insn *in);
void simd_rm_xmm(struct cpu *cpu, const struct insn *in, union xmm_reg *out, bool align);
uint64_t simd_rm_q(struct cpu *cpu, const struct insn *in);
uint32_t simd_rm_d(struct cpu *cpu, const struct insn *in);
/* Store a full XMM value to the r/m operand (register or m128). */
void simd_store_xmm(struct cpu *cpu, const struct insn *in, const union xmm_reg *v, bool align);
/* 128-bit memory access at seg:offset (both halves checked before writing). */
void simd_read128(struct cpu *cpu, int seg, uint32_t off, union xmm_reg *out);
void simd_write128(struct cpu *cpu, int seg, uint32_t off, const union xmm_reg *v);

/* SIMD floating-point exceptions of one instruction (SDM Vol. 1, 11.5.2):
 * `pre` are the flags of the pre-computation class (IE DE ZE) over all
 * elements, `all` every flag. An unmasked pre-computation exception stops
 * before the post-computation ones are looked at; any unmasked exception
 * leaves the destination untouched and raises #XM with CR4.OSXMMEXCPT, else
 * #UD. The flags go into MXCSR either way. Returns when the result may be
 * written. */
void simd_fp_exceptions(struct cpu *cpu, uint32_t all);

/* The handlers of each group (dispatched by cpu/simd_exec.c). */
extern const simd_fn simd_int_ops[256];                          /* cpu/mmx_int.c */
extern const simd_fn simd_fp_ops[256];                           /* cpu/sse_arith.c */
extern const simd_fn simd_move_ops[256];                         /* cpu/sse_move.c */
void sse_grp15(struct cpu *cpu, const struct insn *in, int pfx); /* 0F AE, cpu/sse_ctl.c */

#endif
