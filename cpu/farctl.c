/* Far JMP, CALL and RET in every mode: direct code segments (conforming or
 * not), call gates with privilege change and parameter copy, task gates and
 * TSS descriptors (SDM Vol. 2 "JMP", "CALL", "RET"; Vol. 3A 5.8). */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "cpu/prot_priv.h"

static uint32_t opmask(int opsize) { return opsize == 4 ? 0xffffffffu : 0xffffu; }

/* Real-address and V86 mode: no descriptor checks, only the CS limit. */
static void far_jmp_real(struct cpu *cpu, uint16_t sel, uint32_t eip)
{
    if (eip > cpu->seg[SEG_CS].limit) /* the limit is 0xffff in V86 mode */
        cpu_exception(cpu, EXC_GP, 0);
    prot_set_real(cpu, SEG_CS, sel);
    cpu->eip = eip;
}

/* Checks of a direct (non-gate) code segment target for JMP/CALL. */
static void check_direct_code(struct cpu *cpu, struct desc *d)
{
    uint32_t f = d->c.flags;
    if (desc_is_conforming(f)) {
        if (DPL(f) > cpu->cpl)
            cpu_exception(cpu, EXC_GP, SEL_ERR(d->sel));
    } else if (SEL_RPL(d->sel) > cpu->cpl || DPL(f) != cpu->cpl) {
        cpu_exception(cpu, EXC_GP, SEL_ERR(d->sel));
    }
    if (!(f & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(d->sel));
}

/* Gate (call or task gate) DPL and presence checks: DPL >= CPL and >= RPL. */
static void check_gate(struct cpu *cpu, const struct desc *g)
{
    int dpl = DPL(g->c.flags);
    if (dpl < cpu->cpl || dpl < SEL_RPL(g->sel))
        cpu_exception(cpu, EXC_GP, SEL_ERR(g->sel));
    if (!(g->c.flags & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(g->sel));
}

/* Code segment named by a call gate: a code segment with DPL <= CPL
 * (and == CPL for JMP to a non-conforming one), present. */
static void gate_target(struct cpu *cpu, const struct desc *g, struct desc *cs, bool is_jmp)
{
    uint16_t sel = gate_sel(g);
    if (SEL_NULL(sel))
        cpu_exception(cpu, EXC_GP, 0);
    prot_fetch_or_fault(cpu, sel, cs, EXC_GP, 0);
    uint32_t f = cs->c.flags;
    if (!desc_is_code(f) || DPL(f) > cpu->cpl ||
        (is_jmp && !desc_is_conforming(f) && DPL(f) != cpu->cpl))
        cpu_exception(cpu, EXC_GP, SEL_ERR(sel));
    if (!(f & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(sel));
}

void prot_check_tss_target(struct cpu *cpu, uint16_t sel, struct desc *d, int bad_vector,
                           uint32_t ext)
{
    if ((sel & SEL_TI) || !prot_fetch(cpu, sel, d))
        cpu_exception(cpu, bad_vector, SEL_ERR(sel) | ext);
    int t = DESC_TYPE(d->c.flags);
    if ((d->c.flags & DESC_S) || (t != SYS_TSS16_AVAIL && t != SYS_TSS32_AVAIL))
        cpu_exception(cpu, bad_vector, SEL_ERR(sel) | ext);
    if (!(d->c.flags & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(sel) | ext);
}

/* JMP/CALL through a task gate or directly to a TSS descriptor. */
static void far_task(struct cpu *cpu, struct desc *d, enum task_switch_reason why)
{
    struct desc tss;
    int dpl = DPL(d->c.flags);
    if (dpl < cpu->cpl || dpl < SEL_RPL(d->sel))
        cpu_exception(cpu, EXC_GP, SEL_ERR(d->sel));
    if (DESC_TYPE(d->c.flags) == SYS_TASKGATE) {
        if (!(d->c.flags & DESC_P))
            cpu_exception(cpu, EXC_NP, SEL_ERR(d->sel));
        prot_check_tss_target(cpu, gate_sel(d), &tss, EXC_GP, 0);
    } else {
        tss = *d;
        int t = DESC_TYPE(d->c.flags);
        if (t != SYS_TSS16_AVAIL && t != SYS_TSS32_AVAIL)
            cpu_exception(cpu, EXC_GP, SEL_ERR(d->sel));
        if (!(d->c.flags & DESC_P))
            cpu_exception(cpu, EXC_NP, SEL_ERR(d->sel));
    }
    cpu_task_switch(cpu, tss.sel, tss.lo, tss.hi, why, false, 0);
}

/* Fetch the target of a protected-mode far JMP/CALL: #GP(0) for null,
 * #GP(sel) beyond the table or for a type that cannot be a target. */
static void far_target(struct cpu *cpu, uint16_t sel, struct desc *d)
{
    if (SEL_NULL(sel))
        cpu_exception(cpu, EXC_GP, 0);
    prot_fetch_or_fault(cpu, sel, d, EXC_GP, 0);
    if (d->c.flags & DESC_S) {
        if (!desc_is_code(d->c.flags))
            cpu_exception(cpu, EXC_GP, SEL_ERR(sel));
        return;
    }
    switch (DESC_TYPE(d->c.flags)) {
    case SYS_CALLGATE16: case SYS_CALLGATE32: case SYS_TASKGATE:
    case SYS_TSS16_AVAIL: case SYS_TSS32_AVAIL: case SYS_TSS16_BUSY: case SYS_TSS32_BUSY:
        return;
    default: cpu_exception(cpu, EXC_GP, SEL_ERR(sel));
    }
}

void cpu_far_jmp(struct cpu *cpu, uint16_t sel, uint32_t offset, int opsize)
{
    uint32_t eip = offset & opmask(opsize);
    if (!cpu_protected(cpu) || cpu_v86(cpu)) {
        far_jmp_real(cpu, sel, eip);
        return;
    }
    struct desc d, cs;
    far_target(cpu, sel, &d);
    if (d.c.flags & DESC_S) {
        check_direct_code(cpu, &d);
        if (eip > d.c.limit)
            cpu_exception(cpu, EXC_GP, 0);
        prot_touch(cpu, &d);
        prot_set_cs(cpu, &d, cpu->cpl, eip);
        return;
    }
    switch (DESC_TYPE(d.c.flags)) {
    case SYS_CALLGATE16:
    case SYS_CALLGATE32:
        check_gate(cpu, &d);
        gate_target(cpu, &d, &cs, true);
        eip = gate_offset(&d);
        if (eip > cs.c.limit)
            cpu_exception(cpu, EXC_GP, 0);
        prot_touch(cpu, &cs);
        prot_set_cs(cpu, &cs, cpu->cpl, eip);
        return;
    default: far_task(cpu, &d, TS_JMP); return;
    }
}

/* CALL through a call gate to a more privileged non-conforming segment:
 * stack from the TSS, old SS:ESP, copied parameters and return address
 * pushed on it (SDM Vol. 3A 5.8.5, Figure 5-13). */
static void call_gate_inner(struct cpu *cpu, const struct desc *g, struct desc *cs, uint32_t eip)
{
    int dpl = DPL(cs->c.flags);
    bool g32 = DESC_TYPE(g->c.flags) & 8;
    int sz = g32 ? 4 : 2;
    int nparams = gate_params(g);
    uint16_t ss_sel;
    uint32_t esp;
    struct desc ss;

    prot_tss_stack(cpu, dpl, &ss_sel, &esp, 0);
    prot_check_inner_ss(cpu, ss_sel, dpl, &ss, 0);
    struct stk ns = {.ss = ss.c, .esp = esp, .acc = ACC_SYS, .err = SEL_ERR(ss_sel)};
    stk_check_room(cpu, &ns, (uint32_t)(nparams + 4) * sz);
    if (eip > cs->c.limit)
        cpu_exception(cpu, EXC_GP, 0);

    /* Parameters come from the caller's stack, read at the caller's CPL. */
    struct frame f = {0};
    struct stk os;
    stk_from_cpu(cpu, &os);
    frame_add(&f, cpu->seg[SEG_SS].sel, sz);
    frame_add(&f, (uint32_t)cpu->gpr[R_ESP] & (g32 ? 0xffffffffu : 0xffffu), sz);
    uint32_t params[31];
    for (int i = 0; i < nparams; i++)
        params[i] = stk_pop(cpu, &os, sz);
    for (int i = nparams - 1; i >= 0; i--)
        frame_add(&f, params[i], sz);
    frame_add(&f, cpu->seg[SEG_CS].sel, sz);
    frame_add(&f, cpu->eip, sz);

    prot_touch(cpu, &ss);
    prot_touch(cpu, cs);
    stk_push_frame(cpu, &ns, &f);
    prot_set_ss(cpu, &ss);
    stk_commit(cpu, &ns);
    prot_set_cs(cpu, cs, dpl, eip);
}

/* Push the return address on the current stack and enter a code segment. */
static void call_same(struct cpu *cpu, struct desc *cs, uint32_t eip, int sz)
{
    struct stk s;
    struct frame f = {0};
    stk_from_cpu(cpu, &s);
    frame_add(&f, cpu->seg[SEG_CS].sel, sz);
    frame_add(&f, cpu->eip, sz);
    stk_check_room(cpu, &s, 2 * sz); /* #SS(0) comes before the EIP check */
    if (eip > cs->c.limit)
        cpu_exception(cpu, EXC_GP, 0);
    prot_touch(cpu, cs);
    stk_push_frame(cpu, &s, &f);
    stk_commit(cpu, &s);
    prot_set_cs(cpu, cs, cpu->cpl, eip);
}

void cpu_far_call(struct cpu *cpu, uint16_t sel, uint32_t offset, int opsize)
{
    uint32_t eip = offset & opmask(opsize);
    if (!cpu_protected(cpu) || cpu_v86(cpu)) {
        struct stk s;
        struct frame f = {0};
        stk_from_cpu(cpu, &s);
        frame_add(&f, cpu->seg[SEG_CS].sel, opsize);
        frame_add(&f, cpu->eip, opsize);
        if (eip > cpu->seg[SEG_CS].limit)
            cpu_exception(cpu, EXC_GP, 0);
        stk_push_frame(cpu, &s, &f);
        stk_commit(cpu, &s);
        prot_set_real(cpu, SEG_CS, sel);
        cpu->eip = eip;
        return;
    }
    struct desc d, cs;
    far_target(cpu, sel, &d);
    if (d.c.flags & DESC_S) {
        check_direct_code(cpu, &d);
        call_same(cpu, &d, eip, opsize);
        return;
    }
    switch (DESC_TYPE(d.c.flags)) {
    case SYS_CALLGATE16:
    case SYS_CALLGATE32: {
        check_gate(cpu, &d);
        gate_target(cpu, &d, &cs, false);
        eip = gate_offset(&d);
        if (!desc_is_conforming(cs.c.flags) && DPL(cs.c.flags) < cpu->cpl)
            call_gate_inner(cpu, &d, &cs, eip);
        else
            call_same(cpu, &cs, eip, (DESC_TYPE(d.c.flags) & 8) ? 4 : 2);
        return;
    }
    default: far_task(cpu, &d, TS_CALL); return;
    }
}

/* The code segment a far RET or IRET returns to (SDM Vol. 2 "RET" and
 * "IRET" pseudocode): not null, a code segment, RPL >= CPL, DPL equal to
 * RPL (non-conforming) or at most RPL (conforming), present. */
void prot_check_return_cs(struct cpu *cpu, uint16_t sel, struct desc *cs)
{
    if (SEL_NULL(sel))
        cpu_exception(cpu, EXC_GP, 0);
    prot_fetch_or_fault(cpu, sel, cs, EXC_GP, 0);
    uint32_t f = cs->c.flags;
    int rpl = SEL_RPL(sel);
    if (!desc_is_code(f) || rpl < cpu->cpl ||
        (desc_is_conforming(f) ? DPL(f) > rpl : DPL(f) != rpl))
        cpu_exception(cpu, EXC_GP, SEL_ERR(sel));
    if (!(f & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(sel));
}

void cpu_far_ret(struct cpu *cpu, int opsize, uint16_t pop_bytes)
{
    struct stk s;
    stk_from_cpu(cpu, &s);
    uint32_t eip = stk_pop(cpu, &s, opsize);
    uint16_t sel = stk_pop(cpu, &s, opsize);
    if (opsize == 2)
        eip &= 0xffff;

    if (!cpu_protected(cpu) || cpu_v86(cpu)) {
        if (eip > cpu->seg[SEG_CS].limit)
            cpu_exception(cpu, EXC_GP, 0);
        stk_skip(&s, pop_bytes);
        stk_commit(cpu, &s);
        prot_set_real(cpu, SEG_CS, sel);
        cpu->eip = eip;
        return;
    }

    struct desc cs;
    prot_check_return_cs(cpu, sel, &cs);
    int rpl = SEL_RPL(sel);

    if (rpl == cpu->cpl) {
        if (eip > cs.c.limit)
            cpu_exception(cpu, EXC_GP, 0);
        prot_touch(cpu, &cs);
        stk_skip(&s, pop_bytes);
        stk_commit(cpu, &s);
        prot_set_cs(cpu, &cs, rpl, eip);
        return;
    }

    /* Return to an outer level: the caller's SS:ESP follow the parameters. */
    stk_skip(&s, pop_bytes);
    uint32_t esp = stk_pop(cpu, &s, opsize);
    uint16_t ss_sel = stk_pop(cpu, &s, opsize);
    struct desc ss;
    if (SEL_NULL(ss_sel))
        cpu_exception(cpu, EXC_GP, 0);
    prot_fetch_or_fault(cpu, ss_sel, &ss, EXC_GP, 0);
    if (SEL_RPL(ss_sel) != rpl || !desc_is_writable_data(ss.c.flags) ||
        DPL(ss.c.flags) != rpl)
        cpu_exception(cpu, EXC_GP, SEL_ERR(ss_sel));
    if (!(ss.c.flags & DESC_P))
        cpu_exception(cpu, EXC_SS, SEL_ERR(ss_sel));
    if (eip > cs.c.limit)
        cpu_exception(cpu, EXC_GP, 0);

    prot_touch(cpu, &cs);
    prot_touch(cpu, &ss);
    prot_set_cs(cpu, &cs, rpl, eip);
    prot_set_ss(cpu, &ss);
    /* A 16-bit stack segment only takes SP; the upper half of ESP stays. */
    if (ss.c.flags & DESC_DB)
        cpu->gpr[R_ESP] = (opsize == 4 ? esp : (uint16_t)esp) + pop_bytes;
    else
        cpu->gpr[R_ESP] = (cpu->gpr[R_ESP] & 0xffff0000u) | (uint16_t)(esp + pop_bytes);
    prot_null_inaccessible(cpu);
}

void op_jmp_far(struct cpu *cpu, const struct insn *in)
{
    cpu_far_jmp(cpu, (uint16_t)in->imm2, in->imm, in->opsize);
}

void op_call_far(struct cpu *cpu, const struct insn *in)
{
    cpu_far_call(cpu, (uint16_t)in->imm2, in->imm, in->opsize);
}

void op_ret_far(struct cpu *cpu, const struct insn *in)
{
    cpu_far_ret(cpu, in->opsize, in->opcode == 0xca ? (uint16_t)in->imm : 0);
}
