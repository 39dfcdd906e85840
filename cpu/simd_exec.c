/* MMX/SSE/SSE2 common machinery: availability checks, MMX/XMM operand access,
 * SIMD floating-point exception delivery, and op_simd, the one handler of
 * the SIMD rows of cpu/opcodes.def, which dispatches by opcode to the
 * integer (mmx_int.c), floating-point (sse_arith.c) and data-movement
 * (sse_move.c) tables. */
#include "cpu/fpu.h"
#include "cpu/handlers.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/simd.h"

void simd_check_mmx(struct cpu *cpu)
{
    if (cpu->cr0 & CR0_EM)
        cpu_exception(cpu, EXC_UD, 0);
    if (cpu->cr0 & CR0_TS)
        cpu_exception(cpu, EXC_NM, 0);
    fpu_check_pending(cpu);
}

void simd_check_sse(struct cpu *cpu)
{
    if ((cpu->cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR))
        cpu_exception(cpu, EXC_UD, 0);
    if (cpu->cr0 & CR0_TS)
        cpu_exception(cpu, EXC_NM, 0);
}

void simd_check_sse_mmx(struct cpu *cpu)
{
    simd_check_sse(cpu);
    fpu_check_pending(cpu);
}

void simd_mmx_done(struct cpu *cpu)
{
    fpu_mmx_enter(&cpu->fpu);
}

void simd_check_align16(struct cpu *cpu, const struct insn *in)
{
    if (in->is_mem && ((cpu->seg[in->seg].base + insn_ea(cpu, in)) & 15))
        cpu_exception(cpu, EXC_GP, 0);
}

void simd_read128(struct cpu *cpu, int seg, uint32_t off, union xmm_reg *out)
{
    cpu_check_read(cpu, seg, off, 16);
    uint64_t lo = cpu_read64(cpu, seg, off);
    out->q[1] = cpu_read64(cpu, seg, off + 8);
    out->q[0] = lo;
}

void simd_write128(struct cpu *cpu, int seg, uint32_t off, const union xmm_reg *v)
{
    cpu_check_write(cpu, seg, off, 16);
    cpu_write64(cpu, seg, off, v->q[0]);
    cpu_write64(cpu, seg, off + 8, v->q[1]);
}

uint64_t simd_rm_mm(struct cpu *cpu, const struct insn *in)
{
    if (!in->is_mem)
        return mmx_get(cpu, in->rm);
    return cpu_read64(cpu, in->seg, insn_ea(cpu, in));
}

void simd_rm_xmm(struct cpu *cpu, const struct insn *in, union xmm_reg *out, bool align)
{
    if (!in->is_mem) {
        *out = *xmm(cpu, in->rm);
        return;
    }
    if (align)
        simd_check_align16(cpu, in);
    simd_read128(cpu, in->seg, insn_ea(cpu, in), out);
}

uint64_t simd_rm_q(struct cpu *cpu, const struct insn *in)
{
    if (!in->is_mem)
        return xmm(cpu, in->rm)->q[0];
    return cpu_read64(cpu, in->seg, insn_ea(cpu, in));
}

uint32_t simd_rm_d(struct cpu *cpu, const struct insn *in)
{
    if (!in->is_mem)
        return xmm(cpu, in->rm)->d[0];
    return cpu_read(cpu, in->seg, insn_ea(cpu, in), 4);
}

void simd_store_xmm(struct cpu *cpu, const struct insn *in, const union xmm_reg *v, bool align)
{
    if (!in->is_mem) {
        *xmm(cpu, in->rm) = *v;
        return;
    }
    if (align)
        simd_check_align16(cpu, in);
    simd_write128(cpu, in->seg, insn_ea(cpu, in), v);
}

void simd_fp_exceptions(struct cpu *cpu, uint32_t all)
{
    uint32_t unmasked = ~(cpu->sse.mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    uint32_t pre = all & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);
    uint32_t raised = (pre & unmasked) ? pre : all;
    cpu->sse.mxcsr |= raised;
    if (raised & unmasked)
        cpu_exception(cpu, (cpu->cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD, 0);
}

void op_simd(struct cpu *cpu, const struct insn *in)
{
    unsigned op = in->opcode & 0xff;
    simd_fn fn = op == 0xae ? sse_grp15 : simd_int_ops[op];
    if (!fn)
        fn = simd_fp_ops[op];
    if (!fn)
        fn = simd_move_ops[op];
    if (!fn) {
        cpu_log(cpu, CPU_LOG_UNIMP, "unimp", "SIMD opcode 0f %02x at %04x:%08x\n", op,
                cpu->seg[SEG_CS].sel, cpu->insn_eip);
        cpu_exception(cpu, EXC_UD, 0);
    }
    fn(cpu, in, simd_pfx(in));
}
