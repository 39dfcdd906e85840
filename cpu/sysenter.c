/* SYSENTER and SYSEXIT: fast transitions to CPL 0 and back to CPL 3 with flat
 * segments derived from IA32_SYSENTER_CS (SDM Vol. 2 "SYSENTER", "SYSEXIT";
 * Vol. 3A 5.8.7). No descriptor is read: the caches are set directly. */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/sysinsn.h"

/* Flat 4 GiB code (execute/read, accessed) and data (read/write, accessed)
 * segments, 32-bit, page-granular. */
static void load_flat(struct cpu *cpu, int seg, uint16_t sel, uint32_t type, int dpl)
{
    cpu->seg[seg] = (struct seg_cache){
        .sel = sel,
        .base = 0,
        .limit = 0xffffffffu,
        .flags = type | DESC_S | ((uint32_t)dpl << 5) | DESC_P | DESC_DB | DESC_G,
    };
}

/* IA32_SYSENTER_CS[15:2] == 0 (a null selector) is #GP(0), as is real mode. */
static uint16_t sysenter_cs(struct cpu *cpu)
{
    uint16_t cs = (uint16_t)cpu->sysenter_cs;
    if (!cpu_protected(cpu) || (cs & 0xfffc) == 0)
        cpu_exception(cpu, EXC_GP, 0);
    return cs;
}

void op_sysenter(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint16_t cs = sysenter_cs(cpu);
    cpu->eflags &= ~(EF_VM | EF_IF | EF_RF);
    load_flat(cpu, SEG_CS, cs & 0xfffc, 0xb, 0);
    load_flat(cpu, SEG_SS, (cs & 0xfffc) + 8, 0x3, 0);
    cpu->cpl = 0;
    cpu_update_modes(cpu);
    cpu_set_reg(cpu, R_ESP, 4, cpu->sysenter_esp);
    cpu->eip = cpu->sysenter_eip;
}

void op_sysexit(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint16_t cs = sysenter_cs(cpu);
    if (!sys_at_cpl0(cpu))
        cpu_exception(cpu, EXC_GP, 0);
    load_flat(cpu, SEG_CS, (uint16_t)((cs + 16) | 3), 0xb, 3);
    load_flat(cpu, SEG_SS, (uint16_t)((cs + 24) | 3), 0x3, 3);
    cpu->cpl = 3;
    cpu_update_modes(cpu);
    cpu_set_reg(cpu, R_ESP, 4, cpu_reg(cpu, R_ECX, 4));
    cpu->eip = cpu_reg(cpu, R_EDX, 4);
}
