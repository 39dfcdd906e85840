/* Until the x87 and MMX/SSE units exist: the ESC opcodes D8-DF and the
 * MMX/SSE rows of the 0F map raise the exceptions a CPU without them raises. */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"

/* SDM Vol. 3A 2.5, Table 2-2: with CR0.EM or CR0.TS set, an x87 instruction
 * raises #NM (so an OS can emulate or switch FPU context). Otherwise there is
 * no x87 to run it (CPUID.1:EDX.FPU is clear): #UD, logged under -d unimp. */
void op_fpu(struct cpu *cpu, const struct insn *in)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_exception(cpu, EXC_NM, 0);
    cpu_log(cpu, CPU_LOG_UNIMP, "unimp", "x87 opcode %02x /%d (modrm %02x) at %04x:%08x\n",
            in->opcode & 0xff, in->reg, in->modrm, cpu->seg[SEG_CS].sel, cpu->insn_eip);
    cpu_exception(cpu, EXC_UD, 0);
}

/* MMX/SSE opcodes: CPUID offers neither, so they are #UD. */
void op_simd(struct cpu *cpu, const struct insn *in)
{
    cpu_log(cpu, CPU_LOG_UNIMP, "unimp", "MMX/SSE opcode 0f %02x at %04x:%08x\n",
            in->opcode & 0xff, cpu->seg[SEG_CS].sel, cpu->insn_eip);
    cpu_exception(cpu, EXC_UD, 0);
}
