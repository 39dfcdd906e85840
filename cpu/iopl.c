/* IOPL-sensitive instructions: CLI, STI, PUSHF, POPF with the VME/PVI
 * virtual interrupt flag, and the TSS I/O permission bitmap
 * (SDM Vol. 1 18.5; Vol. 2 "CLI", "STI", "PUSHF", "POPF"; Vol. 3A 20.4). */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "cpu/prot_priv.h"

void cpu_check_io(struct cpu *cpu, uint16_t port, int size)
{
    if (!cpu_protected(cpu) || (!cpu_v86(cpu) && cpu->cpl <= cpu_iopl(cpu)))
        return;
    const struct seg_cache *tr = &cpu->seg[SEG_TR];
    int t = DESC_TYPE(tr->flags);
    if ((t != SYS_TSS32_AVAIL && t != SYS_TSS32_BUSY) || tr->limit < 0x67)
        cpu_exception(cpu, EXC_GP, 0);
    uint32_t io_base = cpu_read_lin(cpu, tr->base + 0x66, 2, ACC_READ | ACC_SYS);
    /* The processor always reads two bytes of the bitmap, so both must lie
     * within the TSS limit (SDM Vol. 1 18.5.2). */
    uint32_t off = io_base + port / 8;
    if (off + 1 > tr->limit)
        cpu_exception(cpu, EXC_GP, 0);
    uint32_t bits = cpu_read_lin(cpu, tr->base + off, 2, ACC_READ | ACC_SYS);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        cpu_exception(cpu, EXC_GP, 0);
}

/* Which virtual interrupt flag CLI/STI may touch instead of IF, if any:
 * VME in V86 mode, PVI at CPL 3 (SDM Vol. 3A 20.4.1). */
static bool use_vif(const struct cpu *cpu)
{
    if (cpu_v86(cpu))
        return cpu_iopl(cpu) < 3 && (cpu->cr4 & CR4_VME);
    return cpu->cpl == 3 && cpu_iopl(cpu) < 3 && (cpu->cr4 & CR4_PVI);
}

/* May this mode change IF directly? */
static bool if_allowed(const struct cpu *cpu)
{
    if (!cpu_protected(cpu))
        return true;
    if (cpu_v86(cpu))
        return cpu_iopl(cpu) == 3;
    return cpu_iopl(cpu) >= cpu->cpl;
}

void op_cli(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (if_allowed(cpu))
        cpu->eflags &= ~EF_IF;
    else if (use_vif(cpu))
        cpu->eflags &= ~EF_VIF;
    else
        cpu_exception(cpu, EXC_GP, 0);
}

void op_sti(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (if_allowed(cpu)) {
        /* STI delays interrupts by one instruction, but only when it
         * actually sets IF (SDM Vol. 2 "STI"). */
        if (!(cpu->eflags & EF_IF))
            cpu->inhibit_irq = SHADOW_STI;
        cpu->eflags |= EF_IF;
    } else if (use_vif(cpu) && !(cpu->eflags & EF_VIP)) {
        cpu->eflags |= EF_VIF;
    } else {
        cpu_exception(cpu, EXC_GP, 0);
    }
}

void op_pushf(struct cpu *cpu, const struct insn *in)
{
    uint32_t fl = cpu_get_eflags(cpu);
    if (cpu_v86(cpu) && cpu_iopl(cpu) < 3) {
        if (!(cpu->cr4 & CR4_VME) || in->opsize != 2)
            cpu_exception(cpu, EXC_GP, 0);
        /* VME: the image shows VIF as IF and IOPL 3. */
        fl = (fl & ~EF_IF) | ((fl & EF_VIF) ? EF_IF : 0) | EF_IOPL;
    }
    /* VM and RF read as 0 in the pushed image. */
    cpu_push(cpu, in->opsize == 4 ? fl & 0x00fcffffu : fl & 0xffff, in->opsize);
}

void op_popf(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    uint32_t mask;
    if (cpu_v86(cpu) && cpu_iopl(cpu) < 3) {
        if (!(cpu->cr4 & CR4_VME) || size != 2)
            cpu_exception(cpu, EXC_GP, 0);
        uint32_t fl = cpu_stack_read(cpu, 0, 2);
        if (((fl & EF_IF) && (cpu->eflags & EF_VIP)) || (fl & EF_TF))
            cpu_exception(cpu, EXC_GP, 0);
        cpu_pop(cpu, 2);
        /* IF goes to VIF; IF and IOPL themselves are unchanged. */
        fl = (fl & ~EF_VIF) | ((fl & EF_IF) ? EF_VIF : 0);
        cpu_set_eflags(cpu, fl, (0x7fd5u & ~(EF_IF | EF_IOPL)) | EF_VIF);
        return;
    }
    uint32_t fl = cpu_pop(cpu, size);
    /* Never changed by POPF: VM, RF, VIF, VIP and reserved bits. */
    mask = EF_ARITH | EF_TF | EF_DF | EF_NT | EF_IF | EF_IOPL;
    if (size == 4)
        mask |= EF_AC | EF_ID;
    if (cpu_protected(cpu)) {
        if (cpu_v86(cpu) || cpu->cpl > 0)
            mask &= ~EF_IOPL; /* only CPL 0 (or real mode) changes IOPL */
        if (!cpu_v86(cpu) && cpu->cpl > cpu_iopl(cpu))
            mask &= ~EF_IF;
    }
    cpu_set_eflags(cpu, fl, mask);
}
