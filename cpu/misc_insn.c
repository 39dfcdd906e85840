/* Small instructions with no better home: BOUND, CLD/STD, the hint NOPs,
 * UD0/UD1/UD2 and FWAIT. */
#include "cpu/cpu.h"
#include "cpu/fpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/operand.h"

/* BOUND r, m16&16 / m32&32: signed lower then upper bound in memory; an index
 * outside [lower, upper] raises #BR, a fault (SDM Vol. 2, BOUND). */
void op_bound(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    if (!in->is_mem)
        cpu_exception(cpu, EXC_UD, 0);
    uint32_t ea = insn_ea(cpu, in);
    uint32_t lo = cpu_read(cpu, in->seg, ea, size);
    uint32_t hi = cpu_read(cpu, in->seg, ea + size, size);
    int32_t idx = (int32_t)reg_read(cpu, in, size);
    if (size == 2) {
        idx = (int16_t)idx;
        lo = (uint32_t)(int32_t)(int16_t)lo;
        hi = (uint32_t)(int32_t)(int16_t)hi;
    }
    if (idx < (int32_t)lo || idx > (int32_t)hi)
        cpu_exception(cpu, EXC_BR, 0);
}

void op_cld(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu->eflags &= ~EF_DF;
}

void op_std(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu->eflags |= EF_DF;
}

/* 0F 18-1F: prefetch hints and multi-byte NOPs. The operand is decoded but
 * never accessed, so it cannot fault. */
void op_nop_Ev(struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    (void)in;
}

/* UD0 (0F FF), UD1 (0F B9), UD2 (0F 0B): always #UD. */
void op_ud(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_exception(cpu, EXC_UD, 0);
}

/* FWAIT: #NM when CR0.MP and CR0.TS are both set (SDM Vol. 3A, 2.5, Table
 * 2-2); otherwise a pending unmasked x87 exception is delivered (#MF, or
 * FERR# with CR0.NE clear: cpu/fpu_core.c). */
void op_fwait(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_exception(cpu, EXC_NM, 0);
    fpu_check_pending(cpu);
}
