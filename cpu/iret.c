/* IRET in all its forms: real mode, same and outer privilege, into and out
 * of V86 mode, and the nested-task return through the TSS back-link
 * (SDM Vol. 2 "IRET/IRETD"; Vol. 3A 6.12.1, 7.3, 20.3). */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "cpu/prot_priv.h"

#define EF_LOW_SIMPLE (EF_ARITH | EF_TF | EF_DF | EF_NT) /* always taken from the image */

static void iret_real(struct cpu *cpu, int opsize)
{
    struct stk s;
    stk_from_cpu(cpu, &s);
    uint32_t eip = stk_pop(cpu, &s, opsize);
    uint16_t cs = stk_pop(cpu, &s, opsize);
    uint32_t fl = stk_pop(cpu, &s, opsize);
    if (opsize == 2)
        eip &= 0xffff;
    if (eip > cpu->seg[SEG_CS].limit)
        cpu_exception(cpu, EXC_GP, 0);
    cpu->gpr[R_ESP] = s.esp;
    prot_set_real(cpu, SEG_CS, cs);
    cpu->eip = eip;
    /* Real mode: every flag but VM, VIF and VIP (mask 257FD5h). */
    cpu_set_eflags(cpu, fl, opsize == 4 ? 0x257fd5u : 0x7fd5u);
}

/* IRET executed in V86 mode (SDM Vol. 3A 20.2.7, 20.4): IOPL 3 returns
 * like real mode without touching IOPL; with IOPL < 3 only a 16-bit IRET
 * under CR4.VME is allowed, and it virtualises IF into VIF. */
static void iret_from_v86(struct cpu *cpu, int opsize)
{
    bool vme = (cpu->cr4 & CR4_VME) && opsize == 2;
    if (cpu_iopl(cpu) < 3 && !vme)
        cpu_exception(cpu, EXC_GP, 0);
    struct stk s;
    stk_from_cpu(cpu, &s);
    uint32_t eip = stk_pop(cpu, &s, opsize);
    uint16_t cs = stk_pop(cpu, &s, opsize);
    uint32_t fl = stk_pop(cpu, &s, opsize);
    if (eip > 0xffff)
        cpu_exception(cpu, EXC_GP, 0);
    uint32_t mask;
    if (cpu_iopl(cpu) < 3) {
        if (((fl & EF_IF) && (cpu->eflags & EF_VIP)) || (fl & EF_TF))
            cpu_exception(cpu, EXC_GP, 0);
        fl = (fl & ~EF_VIF) | ((fl & EF_IF) ? EF_VIF : 0);
        mask = EF_LOW_SIMPLE | EF_VIF;
    } else {
        mask = EF_LOW_SIMPLE | EF_IF;
        if (opsize == 4)
            mask |= EF_RF | EF_AC | EF_ID;
    }
    cpu->gpr[R_ESP] = s.esp;
    prot_set_real(cpu, SEG_CS, cs);
    cpu->eip = eip;
    cpu_set_eflags(cpu, fl, mask);
}

/* From CPL 0 back to a V86 task: the frame continues with ESP, SS, ES, DS,
 * FS, GS (SDM Vol. 2 IRET, RETURN-TO-VIRTUAL-8086-MODE). */
static void iret_to_v86(struct cpu *cpu, struct stk *s, uint32_t eip, uint16_t cs, uint32_t fl)
{
    uint32_t esp = stk_pop(cpu, s, 4);
    uint16_t sel[5];
    for (int i = 0; i < 5; i++)
        sel[i] = stk_pop(cpu, s, 4); /* SS ES DS FS GS */
    if ((eip & 0xffff) != eip)
        cpu_exception(cpu, EXC_GP, 0);
    cpu_set_eflags(cpu, fl, 0xffffffffu);
    cpu->eflags |= EF_VM;
    prot_set_real(cpu, SEG_CS, cs);
    prot_set_real(cpu, SEG_SS, sel[0]);
    prot_set_real(cpu, SEG_ES, sel[1]);
    prot_set_real(cpu, SEG_DS, sel[2]);
    prot_set_real(cpu, SEG_FS, sel[3]);
    prot_set_real(cpu, SEG_GS, sel[4]);
    cpu->eip = eip & 0xffff;
    cpu->gpr[R_ESP] = esp;
    cpu->cpl = 3;
}

/* NT = 1: return to the task named by the back-link of the current TSS. */
static void iret_task(struct cpu *cpu)
{
    const struct seg_cache *tr = &cpu->seg[SEG_TR];
    uint16_t link = cpu_read_lin(cpu, tr->base, 2, ACC_READ | ACC_SYS);
    struct desc tss;
    if ((link & SEL_TI) || !prot_fetch(cpu, link, &tss))
        cpu_exception(cpu, EXC_TS, SEL_ERR(link));
    int t = DESC_TYPE(tss.c.flags);
    if ((tss.c.flags & DESC_S) || (t != SYS_TSS16_BUSY && t != SYS_TSS32_BUSY))
        cpu_exception(cpu, EXC_TS, SEL_ERR(link));
    if (!(tss.c.flags & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(link));
    cpu_task_switch(cpu, link, tss.lo, tss.hi, TS_IRET, false, 0);
}

static void iret_prot(struct cpu *cpu, int opsize)
{
    struct stk s;
    stk_from_cpu(cpu, &s);
    uint32_t eip = stk_pop(cpu, &s, opsize);
    uint16_t csel = stk_pop(cpu, &s, opsize);
    uint32_t fl = stk_pop(cpu, &s, opsize);
    if (opsize == 2)
        eip &= 0xffff;

    if ((fl & EF_VM) && cpu->cpl == 0 && opsize == 4) {
        iret_to_v86(cpu, &s, eip, csel, fl);
        return;
    }

    struct desc cs;
    prot_check_return_cs(cpu, csel, &cs);
    int rpl = SEL_RPL(csel);

    struct desc ss;
    uint32_t esp = 0;
    uint16_t ss_sel = 0;
    if (rpl > cpu->cpl) {
        esp = stk_pop(cpu, &s, opsize);
        ss_sel = stk_pop(cpu, &s, opsize);
        if (SEL_NULL(ss_sel))
            cpu_exception(cpu, EXC_GP, 0);
        prot_fetch_or_fault(cpu, ss_sel, &ss, EXC_GP, 0);
        if (SEL_RPL(ss_sel) != rpl || !desc_is_writable_data(ss.c.flags) ||
            DPL(ss.c.flags) != rpl)
            cpu_exception(cpu, EXC_GP, SEL_ERR(ss_sel));
        if (!(ss.c.flags & DESC_P))
            cpu_exception(cpu, EXC_SS, SEL_ERR(ss_sel));
    }
    if (eip > cs.c.limit)
        cpu_exception(cpu, EXC_GP, 0);

    /* Which flags the image may change depends on the old CPL and IOPL. */
    uint32_t mask = EF_LOW_SIMPLE;
    if (opsize == 4)
        mask |= EF_RF | EF_AC | EF_ID;
    if (cpu->cpl <= cpu_iopl(cpu))
        mask |= EF_IF;
    if (cpu->cpl == 0) {
        mask |= EF_IOPL;
        if (opsize == 4)
            mask |= EF_VIF | EF_VIP;
    }

    prot_touch(cpu, &cs);
    if (rpl > cpu->cpl)
        prot_touch(cpu, &ss);
    cpu_set_eflags(cpu, fl, mask);
    prot_set_cs(cpu, &cs, rpl, eip);
    if (ss_sel) {
        prot_set_ss(cpu, &ss);
        if (ss.c.flags & DESC_DB)
            cpu->gpr[R_ESP] = opsize == 4 ? esp : (uint16_t)esp;
        else
            cpu->gpr[R_ESP] = (cpu->gpr[R_ESP] & 0xffff0000u) | (uint16_t)esp;
        prot_null_inaccessible(cpu);
    } else {
        cpu->gpr[R_ESP] = s.esp;
    }
}

void cpu_iret(struct cpu *cpu, int opsize)
{
    /* IRET ends the NMI-blocked window (SDM Vol. 3A 6.7.1). */
    cpu->nmi_blocked = false;
    if (!cpu_protected(cpu))
        iret_real(cpu, opsize);
    else if (cpu_v86(cpu))
        iret_from_v86(cpu, opsize);
    else if (cpu->eflags & EF_NT)
        iret_task(cpu);
    else
        iret_prot(cpu, opsize);
}

void op_iret(struct cpu *cpu, const struct insn *in) { cpu_iret(cpu, in->opsize); }
