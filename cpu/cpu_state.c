/* The CPU's declared state (cpu/cpu_state.h). Not state: the TLB entries, the
 * decoded-instruction cache, host pointers, hooks, log settings, and what
 * only lives inside one instruction (snap_*, exc_*, exec_break). */
#include "cpu/cpu_state.h"

#include <stddef.h>

#include "cpu/cpu.h"
#include "cpu/icache.h"
#include "cpu/mem.h"

#define F(field) VMSTATE_FIELD(struct cpu, field, 1)
/* Structs with padding are listed member by member, so that a saved image
 * holds no padding bytes and two equal states save to equal bytes. */
#define SEG(n)   F(seg[n].sel), F(seg[n].base), F(seg[n].limit), F(seg[n].flags)
#define ST(n)    F(fpu.st[n].mant), F(fpu.st[n].se)

static const struct vmstate_field cpu_fields[] = {
    F(gpr),
    F(eip),
    F(eflags),
    F(lf),
    SEG(0),
    SEG(1),
    SEG(2),
    SEG(3),
    SEG(4),
    SEG(5),
    SEG(6),
    SEG(7),
    /* CPL is CS.RPL only once CS is reloaded after CR0.PE is set (SDM Vol.
     * 3A 9.9.1); saved, and post_load only fixes the unambiguous modes. */
    F(cpl),
    F(gdtr.base),
    F(gdtr.limit),
    F(idtr.base),
    F(idtr.limit),
    F(cr0),
    F(cr2),
    F(cr3),
    F(cr4),
    F(dr),
    F(efer),
    /* PAE's PDPTE registers are loaded by MOV CR3, not re-read (SDM Vol. 3A
     * 4.4.1): architectural state that happens to live in the TLB struct. */
    F(tlb.pdpte),
    F(tsc_offset),
    F(apic_base),
    F(sysenter_cs),
    F(sysenter_esp),
    F(sysenter_eip),
    F(misc_enable),
    F(pat),
    F(mtrr_cap),
    F(mtrr_def_type),
    F(mtrr_fix),
    F(mtrr_var),
    F(icount),
    F(halted),
    F(intr_line),
    F(nmi_pending),
    F(nmi_blocked),
    F(inhibit_irq),
    F(shadow),
    F(trap_after),
    F(pending_dr6),
    F(triple_fault),
    F(a20_mask),
    ST(0),
    ST(1),
    ST(2),
    ST(3),
    ST(4),
    ST(5),
    ST(6),
    ST(7),
    F(fpu.fcw),
    F(fpu.fsw),
    F(fpu.ftw),
    F(fpu.fop),
    F(fpu.fip),
    F(fpu.fdp),
    F(fpu.fcs),
    F(fpu.fds),
    F(sse.xmm),
    F(sse.mxcsr),
};

static int cpu_post_load(void *opaque)
{
    struct cpu *cpu = opaque;
    if (cpu->eflags & EF_VM)
        cpu->cpl = 3;
    else if (!(cpu->cr0 & CR0_PE))
        cpu->cpl = 0;
    cpu_update_modes(cpu);
    cpu->snap_tag = 0;   /* no instruction is under way */
    cpu->exec_break = 1; /* leave any decoded trace the run loop holds */
    cpu->exc_depth = 0;
    mmu_flush_all_global(cpu);
    /* RAM is restored behind the code-page tracking's back. */
    if (cpu->icache)
        icache_flush(cpu->icache);
    if (cpu->engine && cpu->engine->reset)
        cpu->engine->reset(cpu->engine->opaque);
    return 0;
}

const struct vmstate cpu_vmstate = VMSTATE_DESC("cpu", 1, cpu_fields, cpu_post_load);
