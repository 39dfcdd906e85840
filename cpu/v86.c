/* Virtual-8086 mode software interrupts: IOPL sensitivity and the CR4.VME
 * interrupt redirection bitmap of the TSS (SDM Vol. 3A 20.3.3, Table 20-2). */
#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "cpu/prot_priv.h"

/* The redirection bitmap is the 32 bytes just below the I/O bitmap. Returns
 * true when the bit for `vector` is clear (redirect to the 8086 handler). */
static bool vme_redirected(struct cpu *cpu, int vector)
{
    const struct seg_cache *tr = &cpu->seg[SEG_TR];
    int t = DESC_TYPE(tr->flags);
    if ((t != SYS_TSS32_AVAIL && t != SYS_TSS32_BUSY) || tr->limit < 0x67)
        cpu_exception(cpu, EXC_GP, 0);
    uint32_t io_base = cpu_read_lin(cpu, tr->base + 0x66, 2, ACC_READ | ACC_SYS);
    uint32_t off = io_base - 32 + (vector >> 3);
    if (io_base < 32 || off > tr->limit)
        cpu_exception(cpu, EXC_GP, 0);
    uint32_t bits = cpu_read_lin(cpu, tr->base + off, 1, ACC_READ | ACC_SYS);
    return !(bits & (1u << (vector & 7)));
}

/* Deliver INT n to the 8086 program's own handler through its IVT at
 * linear 0, pushing FLAGS (with VIF as IF and IOPL 3 when IOPL < 3). */
static void v86_redirect(struct cpu *cpu, int vector)
{
    bool iopl3 = cpu_iopl(cpu) == 3;
    uint32_t fl = cpu_get_eflags(cpu) & 0xffff;
    if (!iopl3) {
        fl |= EF_IOPL;
        fl = (fl & ~EF_IF) | ((cpu->eflags & EF_VIF) ? EF_IF : 0);
    }
    uint16_t ip = cpu_read_lin(cpu, vector * 4, 2, ACC_READ);
    uint16_t cs = cpu_read_lin(cpu, vector * 4 + 2, 2, ACC_READ);
    struct stk s;
    struct frame f = {0};
    stk_from_cpu(cpu, &s);
    frame_add(&f, fl, 2);
    frame_add(&f, cpu->seg[SEG_CS].sel, 2);
    frame_add(&f, cpu->eip & 0xffff, 2);
    stk_push_frame(cpu, &s, &f);
    stk_commit(cpu, &s);
    prot_set_real(cpu, SEG_CS, cs);
    cpu->eip = ip;
    cpu->eflags &= ~(EF_TF | EF_RF);
    cpu->eflags &= iopl3 ? ~EF_IF : ~EF_VIF;
}

bool v86_soft_int(struct cpu *cpu, int vector)
{
    if ((cpu->cr4 & CR4_VME) && vme_redirected(cpu, vector)) {
        v86_redirect(cpu, vector);
        return true;
    }
    /* Not redirected: to the protected-mode handler with IOPL 3, else #GP(0)
     * to the virtual-8086 monitor. */
    if (cpu_iopl(cpu) < 3)
        cpu_exception(cpu, EXC_GP, 0);
    return false;
}
