/* Hardware task switch (SDM Vol. 3A 7.3, Table 7-1): 32- and 16-bit TSS,
 * busy bits, NT and the back-link, CR3/LDTR, and segment loading in the new
 * task whose faults are reported in the new task's context. */
#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "cpu/prot_priv.h"

#define DR6_BT 0x8000u   /* debug trap: T bit of the new TSS */
#define DR7_LOCAL 0x155u /* L0-L3 and LE, cleared by every task switch (SDM 3A 17.2.4) */

/* The dynamic state a task switch reads from or writes to a TSS. */
struct tss_state {
    uint32_t eip, eflags, cr3;
    uint32_t gpr[8];
    uint16_t seg[6]; /* ES CS SS DS FS GS */
    uint16_t ldt, trap;
};

static uint32_t rd(struct cpu *cpu, uint32_t a, int size)
{
    return cpu_read_lin(cpu, a, size, ACC_READ | ACC_SYS);
}
static void wr(struct cpu *cpu, uint32_t a, uint32_t v, int size)
{
    cpu_write_lin(cpu, a, v, size, ACC_WRITE | ACC_SYS);
}

static void read_tss(struct cpu *cpu, uint32_t b, bool t32, struct tss_state *n)
{
    if (t32) {
        n->cr3 = rd(cpu, b + 0x1c, 4);
        n->eip = rd(cpu, b + 0x20, 4);
        n->eflags = rd(cpu, b + 0x24, 4);
        for (int i = 0; i < 8; i++)
            n->gpr[i] = rd(cpu, b + 0x28 + 4 * i, 4);
        for (int i = 0; i < 6; i++)
            n->seg[i] = rd(cpu, b + 0x48 + 4 * i, 2);
        n->ldt = rd(cpu, b + 0x60, 2);
        n->trap = rd(cpu, b + 0x64, 2);
    } else {
        /* A 16-bit TSS leaves FS and GS null; the upper halves of the
         * general registers read as ones on the P6 (as Bochs and QEMU model). */
        n->cr3 = 0;
        n->eip = rd(cpu, b + 14, 2);
        n->eflags = rd(cpu, b + 16, 2);
        for (int i = 0; i < 8; i++)
            n->gpr[i] = 0xffff0000u | rd(cpu, b + 18 + 2 * i, 2);
        for (int i = 0; i < 4; i++)
            n->seg[i] = rd(cpu, b + 34 + 2 * i, 2);
        n->seg[4] = n->seg[5] = 0;
        n->ldt = rd(cpu, b + 42, 2);
        n->trap = 0;
    }
}

/* Make sure [lin, lin+len) is writable before the first write, so that a
 * #PF cannot leave the old TSS half saved. */
static void probe_write(struct cpu *cpu, uint32_t lin, uint32_t len)
{
    if (!(cpu->cr0 & CR0_PG))
        return;
    mmu_translate(cpu, lin, ACC_WRITE | ACC_SYS);
    mmu_translate(cpu, lin + len - 1, ACC_WRITE | ACC_SYS);
}

static void save_tss(struct cpu *cpu, uint32_t b, bool t32, uint32_t eflags)
{
    static const int order[6] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS};
    if (t32) {
        probe_write(cpu, b + 0x20, 0x40);
        wr(cpu, b + 0x20, cpu->eip, 4);
        wr(cpu, b + 0x24, eflags, 4);
        for (int i = 0; i < 8; i++)
            wr(cpu, b + 0x28 + 4 * i, (uint32_t)cpu->gpr[i], 4);
        for (int i = 0; i < 6; i++)
            wr(cpu, b + 0x48 + 4 * i, cpu->seg[order[i]].sel, 2);
    } else {
        probe_write(cpu, b + 14, 28);
        wr(cpu, b + 14, cpu->eip, 2);
        wr(cpu, b + 16, eflags, 2);
        for (int i = 0; i < 8; i++)
            wr(cpu, b + 18 + 2 * i, (uint32_t)cpu->gpr[i], 2);
        for (int i = 0; i < 4; i++)
            wr(cpu, b + 34 + 2 * i, cpu->seg[order[i]].sel, 2);
    }
}

/* Set or clear the busy bit of the TSS descriptor `sel` in the GDT. */
static void set_busy(struct cpu *cpu, uint16_t sel, bool busy)
{
    uint32_t a = cpu->gdtr.base + (sel & ~7u) + 5;
    uint32_t ar = rd(cpu, a, 1);
    wr(cpu, a, busy ? (ar | TSS_BUSY_BIT) : (ar & ~TSS_BUSY_BIT), 1);
}

static void load_ldt(struct cpu *cpu, uint16_t sel)
{
    struct desc d;
    if (sel & SEL_TI)
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    if (SEL_NULL(sel))
        return; /* stays unusable */
    if (!prot_fetch(cpu, sel, &d) || (d.c.flags & DESC_S) || DESC_TYPE(d.c.flags) != SYS_LDT)
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    if (!(d.c.flags & DESC_P))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    cpu->seg[SEG_LDTR] = d.c;
}

static void load_ss(struct cpu *cpu, uint16_t sel, int cpl)
{
    struct desc d;
    if (SEL_NULL(sel) || !prot_fetch(cpu, sel, &d) || !desc_is_writable_data(d.c.flags))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    if (!(d.c.flags & DESC_P))
        cpu_exception(cpu, EXC_SS, SEL_ERR(sel));
    if (DPL(d.c.flags) != cpl || DPL(d.c.flags) != SEL_RPL(sel))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    prot_touch(cpu, &d);
    prot_set_ss(cpu, &d);
}

static void load_cs(struct cpu *cpu, uint16_t sel, uint32_t eip)
{
    struct desc d;
    if (SEL_NULL(sel) || !prot_fetch(cpu, sel, &d) || !desc_is_code(d.c.flags))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    uint32_t f = d.c.flags;
    if (desc_is_conforming(f) ? DPL(f) > SEL_RPL(sel) : DPL(f) != SEL_RPL(sel))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    if (!(f & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(sel));
    prot_touch(cpu, &d);
    prot_set_cs(cpu, &d, SEL_RPL(sel), eip);
}

static void load_data(struct cpu *cpu, int seg, uint16_t sel)
{
    struct desc d;
    if (SEL_NULL(sel))
        return; /* null is fine: the register stays unusable */
    if (!prot_fetch(cpu, sel, &d))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    uint32_t f = d.c.flags;
    if (!(f & DESC_S) || (desc_is_code(f) && !(f & 2)))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    if (!desc_is_conforming(f) && (SEL_RPL(sel) > DPL(f) || cpu->cpl > DPL(f)))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    if (!(f & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(sel));
    prot_touch(cpu, &d);
    cpu->seg[seg] = d.c;
}

void cpu_task_switch(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                     enum task_switch_reason why, bool has_error, uint32_t error_code)
{
    static const int order[6] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS};
    struct seg_cache ntr;
    cpu_desc_to_cache(&ntr, sel, lo, hi);
    bool new32 = DESC_TYPE(ntr.flags) & 8;
    struct seg_cache *otr = &cpu->seg[SEG_TR];
    bool old32 = DESC_TYPE(otr->flags) & 8;

    /* Checks before anything changes: both TSS limits (SDM 3A 7.3 step 3). */
    if (ntr.limit < (new32 ? 0x67u : 0x2bu))
        cpu_exception(cpu, EXC_TS, SEL_ERR(sel));
    if (otr->limit < (old32 ? 0x5fu : 0x29u))
        cpu_exception(cpu, EXC_TS, SEL_ERR(otr->sel));

    struct tss_state n;
    read_tss(cpu, ntr.base, new32, &n);
    if (why == TS_CALL || why == TS_INT)
        probe_write(cpu, ntr.base, 2);

    /* Save the outgoing task. IRET clears NT in the saved image. */
    uint32_t old_flags = cpu_get_eflags(cpu);
    if (why == TS_IRET)
        old_flags &= ~EF_NT;
    save_tss(cpu, otr->base, old32, old_flags);
    if (why == TS_CALL || why == TS_INT)
        wr(cpu, ntr.base, otr->sel, 2); /* back-link */
    if (why == TS_JMP || why == TS_IRET)
        set_busy(cpu, otr->sel, false);
    if (why != TS_IRET)
        set_busy(cpu, sel, true);

    /* Commit point: from here on the processor is in the new task. */
    if (why == TS_CALL || why == TS_INT)
        n.eflags |= EF_NT;
    cpu->seg[SEG_TR] = ntr;
    cpu->seg[SEG_TR].flags |= TSS_BUSY_BIT;
    cpu->cr0 |= CR0_TS;
    cpu->dr[7] &= ~DR7_LOCAL;
    if (new32 && (cpu->cr0 & CR0_PG)) {
        cpu->cr3 = n.cr3;
        if (cpu->cr4 & CR4_PAE)
            mmu_load_pdptes(cpu); /* PAE: CR3 loads bring the PDPTEs with them */
        mmu_flush_all(cpu);
    }
    cpu->eip = n.eip;
    for (int i = 0; i < 8; i++)
        cpu->gpr[i] = n.gpr[i];
    cpu_set_eflags(cpu, n.eflags, new32 ? 0xffffffffu : 0xffffu);
    if (!new32)
        cpu->eflags &= 0xffff;
    /* Selectors are loaded first with unusable caches; each is validated
     * below and a failure faults in the new task (Table 7-1). */
    for (int i = 0; i < 6; i++)
        prot_set_null(cpu, order[i], n.seg[i]);
    prot_set_null(cpu, SEG_LDTR, n.ldt);
    cpu->cpl = (n.eflags & EF_VM) ? 3 : SEL_RPL(n.seg[1]);
    cpu_commit(cpu);

    load_ldt(cpu, n.ldt);
    if (n.eflags & EF_VM) {
        for (int i = 0; i < 6; i++)
            prot_set_real(cpu, order[i], n.seg[i]);
    } else {
        load_ss(cpu, n.seg[2], SEL_RPL(n.seg[1]));
        load_cs(cpu, n.seg[1], n.eip);
        load_data(cpu, SEG_DS, n.seg[3]);
        load_data(cpu, SEG_ES, n.seg[0]);
        load_data(cpu, SEG_FS, n.seg[4]);
        load_data(cpu, SEG_GS, n.seg[5]);
    }
    cpu_update_modes(cpu);

    /* The T bit raises a debug trap once the switch completes (SDM 3A 7.2.1). */
    cpu->trap_after = false;
    if (n.trap & 1)
        cpu->pending_dr6 |= DR6_BT;

    if (has_error) {
        /* An exception through a task gate pushes its error code on the new
         * task's stack (SDM Vol. 2 INT, TASK-GATE). */
        struct stk s;
        struct frame f = {0};
        stk_from_cpu(cpu, &s);
        s.err = ERR_EXT;
        frame_add(&f, error_code, new32 ? 4 : 2);
        stk_push_frame(cpu, &s, &f);
        stk_commit(cpu, &s);
        cpu_commit(cpu);
    }
    if (cpu->eip > cpu->seg[SEG_CS].limit)
        cpu_exception(cpu, EXC_GP, why == TS_INT ? ERR_EXT : 0);
}
