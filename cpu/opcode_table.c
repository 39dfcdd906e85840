/* Builds opcode_table[] from cpu/opcodes.def. Handlers not yet written
 * resolve to op_unimplemented through weak aliases, so the table always
 * links; tests/unit/test_opcode_table.c checks none is left. */
#include "cpu/cpu.h"
#include "cpu/insn.h"

void op_unimplemented(struct cpu *cpu, const struct insn *in)
{
    cpu_log(cpu, CPU_LOG_UNIMP, "unimp", "unimplemented opcode %s%02x at %04x:%08x\n",
            in->opcode & OPC_0F ? "0f " : "", in->opcode & 0xff, cpu->seg[SEG_CS].sel,
            cpu->insn_eip);
    cpu_exception(cpu, EXC_UD, 0);
}

#define H(h) void h(struct cpu *, const struct insn *) __attribute__((weak, alias("op_unimplemented")));
#include "cpu/handlers.def"
#undef H

const struct opcode_info opcode_table[0x200] = {
#define X(opc, name, d, fr, fw, h) [opc] = {name, (d), (fr), (fw), h},
#include "cpu/opcodes.def"
#undef X
};
