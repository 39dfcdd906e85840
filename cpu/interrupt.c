/* Interrupt and exception delivery through the IVT (real mode) or the IDT
 * (interrupt, trap and task gates, with the stack switch of an inner
 * privilege level and the V86 exit), and INT n/INT3/INTO/INT1.
 * SDM Vol. 3A 6.12-6.14, 20.3; Vol. 2 "INT n/INTO/INT3/INT1". */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "cpu/prot_priv.h"

/* Fault-class exceptions restart the faulting instruction; the EFLAGS image
 * they push has RF set so that an instruction breakpoint on it does not hit
 * again (SDM Vol. 3A 17.3.1.1). #DB sets RF itself when it is a fault. */
static bool fault_class(int v)
{
    switch (v) {
    case EXC_DE: case EXC_BR: case EXC_UD: case EXC_NM: case EXC_TS: case EXC_NP:
    case EXC_SS: case EXC_GP: case EXC_PF: case EXC_MF: case EXC_AC: case EXC_XM:
        return true;
    default: return false;
    }
}

/* Real-address mode: 4-byte vectors at IDTR.base, FLAGS/CS/IP pushed. */
static void real_int(struct cpu *cpu, int vector)
{
    if ((uint32_t)vector * 4 + 3 > cpu->idtr.limit)
        cpu_exception(cpu, EXC_GP, 0);
    uint32_t a = cpu->idtr.base + vector * 4;
    uint16_t ip = cpu_read_lin(cpu, a, 2, ACC_READ | ACC_SYS);
    uint16_t cs = cpu_read_lin(cpu, a + 2, 2, ACC_READ | ACC_SYS);
    struct stk s;
    struct frame f = {0};
    stk_from_cpu(cpu, &s);
    frame_add(&f, cpu_get_eflags(cpu) & 0xffff, 2);
    frame_add(&f, cpu->seg[SEG_CS].sel, 2);
    frame_add(&f, cpu->eip & 0xffff, 2);
    if (ip > cpu->seg[SEG_CS].limit)
        cpu_exception(cpu, EXC_GP, 0);
    stk_push_frame(cpu, &s, &f);
    stk_commit(cpu, &s);
    prot_set_real(cpu, SEG_CS, cs);
    cpu->eip = ip;
    cpu->eflags &= ~(EF_IF | EF_TF | EF_AC | EF_RF);
}

/* Interrupt or trap gate (SDM Vol. 2 INT pseudocode, TRAP-OR-INTERRUPT-GATE). */
static void gate_int(struct cpu *cpu, const struct desc *g, uint32_t ext, uint32_t pushed_flags,
                     bool has_error, uint32_t error_code)
{
    struct desc cs, ss;
    uint16_t csel = gate_sel(g);
    if (SEL_NULL(csel))
        cpu_exception(cpu, EXC_GP, ext);
    prot_fetch_or_fault(cpu, csel, &cs, EXC_GP, ext);
    uint32_t f = cs.c.flags;
    if (!desc_is_code(f) || DPL(f) > cpu->cpl)
        cpu_exception(cpu, EXC_GP, SEL_ERR(csel) | ext);
    if (!(f & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(csel) | ext);

    int dpl = DPL(f);
    bool inner = !desc_is_conforming(f) && dpl < cpu->cpl;
    bool v86 = cpu_v86(cpu);
    if (v86 && (!inner || dpl != 0))
        cpu_exception(cpu, EXC_GP, SEL_ERR(csel) | ext);

    bool g32 = DESC_TYPE(g->c.flags) & 8;
    int sz = g32 ? 4 : 2;
    uint32_t mask = g32 ? 0xffffffffu : 0xffffu;
    uint32_t eip = gate_offset(g);
    struct frame fr = {0};
    struct stk s;
    int new_cpl = cpu->cpl;

    if (inner) {
        uint16_t ss_sel;
        uint32_t esp;
        prot_tss_stack(cpu, dpl, &ss_sel, &esp, ext);
        prot_check_inner_ss(cpu, ss_sel, dpl, &ss, ext);
        s = (struct stk){.ss = ss.c, .esp = esp, .acc = ACC_SYS, .err = SEL_ERR(ss_sel) | ext};
        if (v86) {
            frame_add(&fr, cpu->seg[SEG_GS].sel, sz);
            frame_add(&fr, cpu->seg[SEG_FS].sel, sz);
            frame_add(&fr, cpu->seg[SEG_DS].sel, sz);
            frame_add(&fr, cpu->seg[SEG_ES].sel, sz);
        }
        frame_add(&fr, cpu->seg[SEG_SS].sel, sz);
        frame_add(&fr, (uint32_t)cpu->gpr[R_ESP] & mask, sz);
        new_cpl = dpl;
    } else {
        stk_from_cpu(cpu, &s);
        s.err = ext;
    }
    frame_add(&fr, pushed_flags & mask, sz);
    frame_add(&fr, cpu->seg[SEG_CS].sel, sz);
    frame_add(&fr, cpu->eip & mask, sz);
    if (has_error)
        frame_add(&fr, error_code & mask, sz);

    uint32_t room = 0;
    for (int i = 0; i < fr.n; i++)
        room += fr.size[i];
    stk_check_room(cpu, &s, room);
    if (eip > cs.c.limit)
        cpu_exception(cpu, EXC_GP, ext);

    if (inner)
        prot_touch(cpu, &ss);
    prot_touch(cpu, &cs);
    stk_push_frame(cpu, &s, &fr);

    /* Commit: nothing below can fault. */
    if (DESC_TYPE(g->c.flags) == SYS_INTGATE16 || DESC_TYPE(g->c.flags) == SYS_INTGATE32)
        cpu->eflags &= ~EF_IF;
    cpu->eflags &= ~(EF_TF | EF_NT | EF_RF | EF_VM);
    if (inner)
        prot_set_ss(cpu, &ss);
    stk_commit(cpu, &s);
    prot_set_cs(cpu, &cs, new_cpl, eip);
    if (v86) {
        /* Leaving V86 mode: the 8086 segment values are meaningless in
         * protected mode and become null (SDM Vol. 3A 20.3.1.1). */
        prot_set_null(cpu, SEG_ES, 0);
        prot_set_null(cpu, SEG_DS, 0);
        prot_set_null(cpu, SEG_FS, 0);
        prot_set_null(cpu, SEG_GS, 0);
    }
}

static void prot_int(struct cpu *cpu, int vector, enum intr_kind kind, bool has_error,
                     uint32_t error_code)
{
    bool soft = kind == INTR_SOFTWARE || kind == INTR_SOFTWARE_INT3 || kind == INTR_SOFTWARE_INTO;
    uint32_t ext = soft ? 0 : ERR_EXT;
    uint32_t idt_err = (uint32_t)vector * 8 | ERR_IDT | ext;

    /* INT n in V86 mode is IOPL-sensitive or redirected by VME; INT3, INTO
     * and INT1 always go through the IDT. */
    if (kind == INTR_SOFTWARE && cpu_v86(cpu) && v86_soft_int(cpu, vector))
        return;

    if ((uint32_t)vector * 8 + 7 > cpu->idtr.limit)
        cpu_exception(cpu, EXC_GP, idt_err);
    struct desc g;
    uint32_t a = cpu->idtr.base + vector * 8;
    g.lo = cpu_read_lin(cpu, a, 4, ACC_READ | ACC_SYS);
    g.hi = cpu_read_lin(cpu, a + 4, 4, ACC_READ | ACC_SYS);
    g.sel = 0;
    cpu_desc_to_cache(&g.c, 0, g.lo, g.hi);
    int type = DESC_TYPE(g.c.flags);
    if ((g.c.flags & DESC_S) ||
        (type != SYS_TASKGATE && type != SYS_INTGATE16 && type != SYS_TRAPGATE16 &&
         type != SYS_INTGATE32 && type != SYS_TRAPGATE32))
        cpu_exception(cpu, EXC_GP, idt_err);
    /* Only INT n, INT3 and INTO check the gate DPL (not INT1, exceptions
     * or external interrupts): SDM Vol. 3A 6.12.1.1. */
    if (soft && DPL(g.c.flags) < cpu->cpl)
        cpu_exception(cpu, EXC_GP, (uint32_t)vector * 8 | ERR_IDT);
    if (!(g.c.flags & DESC_P))
        cpu_exception(cpu, EXC_NP, idt_err);

    uint32_t pushed = cpu_get_eflags(cpu);
    if (kind == INTR_EXCEPTION && fault_class(vector))
        pushed |= EF_RF;

    if (type == SYS_TASKGATE) {
        struct desc tss;
        prot_check_tss_target(cpu, gate_sel(&g), &tss, EXC_GP, ext);
        if (pushed & EF_RF)
            cpu->eflags |= EF_RF; /* saved in the old TSS with RF set, like a push */
        cpu_task_switch(cpu, tss.sel, tss.lo, tss.hi, TS_INT, has_error, error_code);
        return;
    }
    gate_int(cpu, &g, ext, pushed, has_error, error_code);
}

void cpu_interrupt(struct cpu *cpu, int vector, enum intr_kind kind, bool has_error,
                   uint32_t error_code)
{
    cpu_log(cpu, CPU_LOG_INT, "int", "interrupt %#x kind %d at %04x:%08x\n", vector, kind,
            cpu->seg[SEG_CS].sel, cpu->eip);
    /* Entering a handler discards the single-step trap owed by the
     * instruction (INT n clears TF; an exception abandons the instruction). */
    cpu->trap_after = false;
    if (!cpu_protected(cpu))
        real_int(cpu, vector);
    else
        prot_int(cpu, vector, kind, has_error, error_code);
}

void op_int_imm(struct cpu *cpu, const struct insn *in)
{
    cpu_interrupt(cpu, in->imm & 0xff, INTR_SOFTWARE, false, 0);
}

void op_int3(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_interrupt(cpu, EXC_BP, INTR_SOFTWARE_INT3, false, 0);
}

void op_into(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (cpu_get_arith(cpu) & EF_OF)
        cpu_interrupt(cpu, EXC_OF, INTR_SOFTWARE_INTO, false, 0);
}

/* ICEBP (F1): a #DB trap delivered like an exception (no gate DPL check,
 * EXT set), returning after the instruction. */
void op_int1(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_interrupt(cpu, EXC_DB, INTR_ICEBP, false, 0);
}
