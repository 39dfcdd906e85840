/* Small privileged instructions: CLTS, INVD/WBINVD, HLT, RSM
 * (SDM Vol. 2 pseudocode of each). */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/sysinsn.h"

void op_clts(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    sys_require_cpl0(cpu);
    cpu->cr0 &= ~CR0_TS;
}

/* INVD and WBINVD: there are no caches to invalidate or write back. */
void op_invd(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    sys_require_cpl0(cpu);
}

/* HLT stops until an interrupt or NMI; EIP already points past it, which is
 * where the handler returns (SDM Vol. 2 "HLT"). The run loop sees `halted`. */
void op_hlt(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    sys_require_cpl0(cpu);
    cpu->halted = true;
}

/* RSM outside system-management mode is #UD, and vx86 has no SMM. */
void op_rsm(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_exception(cpu, EXC_UD, 0);
}
