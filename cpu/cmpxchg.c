/* The read-modify-write exchange instructions of the 486/P6: XADD (0F C0
 * C1), CMPXCHG (0F B0 B1) and CMPXCHG8B (0F C7 /1). */
#include "cpu/alu.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/mem.h"
#include "cpu/operand.h"

/* XADD Eb/Ev, Gb/Gv: TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP, in
 * that order, so XADD r, r with one register leaves the sum. Flags as ADD. */
void op_xadd(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    uint32_t d = rm_read(cpu, in, size);
    uint32_t s = reg_read(cpu, in, size);
    uint32_t sum = alu_op(cpu, ALU_ADD, d, s, size);
    if (in->is_mem) {
        rm_write(cpu, in, size, sum); /* may fault: write memory first */
        reg_write(cpu, in, size, d);
    } else {
        reg_write(cpu, in, size, d);
        rm_write(cpu, in, size, sum);
    }
}

/* CMPXCHG Eb/Ev, Gb/Gv: compare the accumulator with DEST (flags as CMP).
 * Equal: DEST <- SRC. Not equal: accumulator <- DEST, and DEST is written
 * back with its own value (SDM CMPXCHG: "the destination operand is written
 * back if the comparison fails"), so a read-only destination faults. */
void op_cmpxchg(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    uint32_t d = rm_read(cpu, in, size);
    uint32_t acc = cpu_reg(cpu, R_EAX, size);
    alu_cmp(cpu, acc, d, size);
    if (acc == d) {
        rm_write(cpu, in, size, reg_read(cpu, in, size));
    } else {
        rm_write(cpu, in, size, d);
        cpu_set_reg(cpu, R_EAX, size, d);
    }
}

/* CMPXCHG8B m64 (0F C7 /1): compare EDX:EAX with m64. Equal: ZF = 1 and
 * m64 <- ECX:EBX; else ZF = 0, EDX:EAX <- m64 and m64 is written back
 * unchanged. Other flags unchanged. A register operand is #UD. */
void op_cmpxchg8b(struct cpu *cpu, const struct insn *in)
{
    if (!in->is_mem || in->reg != 1)
        cpu_exception(cpu, EXC_UD, 0);
    uint32_t ea = insn_ea(cpu, in);
    uint64_t m = cpu_read64(cpu, in->seg, ea);
    uint64_t acc = (uint64_t)(uint32_t)cpu->gpr[R_EDX] << 32 | (uint32_t)cpu->gpr[R_EAX];
    if (m == acc) {
        cpu_write64(cpu, in->seg, ea,
                    (uint64_t)(uint32_t)cpu->gpr[R_ECX] << 32 | (uint32_t)cpu->gpr[R_EBX]);
        alu_set_zf(cpu, 1);
    } else {
        cpu_write64(cpu, in->seg, ea, m);
        cpu->gpr[R_EAX] = (uint32_t)m;
        cpu->gpr[R_EDX] = (uint32_t)(m >> 32);
        alu_set_zf(cpu, 0);
    }
}
