/* Port I/O: IN and OUT with an imm8 port (E4-E7) or DX (EC-EF), 8/16/32 bits,
 * after the I/O permission check of SDM Vol. 1, 19.5. */
#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/operand.h"
#include "cpu/prot.h"
#include "mmu/ioport.h"

/* The port: imm8 for E4-E7, DX for EC-EF. */
static inline uint16_t io_port(const struct cpu *cpu, const struct insn *in)
{
    return (in->opcode & 0x08) ? (uint16_t)cpu->gpr[R_EDX] : (uint8_t)in->imm;
}

/* The bitmap is consulted only when CPL > IOPL or in V86 mode (cpu_check_io decides). */
static inline void io_checks(struct cpu *cpu, uint16_t port, int size)
{
    if (cpu_protected(cpu) && (cpu->cpl > cpu_iopl(cpu) || cpu_v86(cpu)))
        cpu_check_io(cpu, port, size);
}

void op_in(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    uint16_t port = io_port(cpu, in);
    io_checks(cpu, port, size);
    if (cpu->watch)
        cpu->watch->device(cpu);
    uint32_t v = ioport_read(cpu->io, port, size);
    cpu_log(cpu, CPU_LOG_IO, "io", "in %04x/%d -> %x\n", port, size, v);
    cpu_set_reg(cpu, R_EAX, size, v);
    if (cpu->dr[7] & 0xff)
        cpu_debug_io_access(cpu, port, size);
}

void op_out(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    uint16_t port = io_port(cpu, in);
    io_checks(cpu, port, size);
    uint32_t v = cpu_reg(cpu, R_EAX, size);
    cpu_log(cpu, CPU_LOG_IO, "io", "out %04x/%d <- %x\n", port, size, v);
    if (cpu->watch)
        cpu->watch->device(cpu);
    ioport_write(cpu->io, port, v, size);
    if (cpu->dr[7] & 0xff)
        cpu_debug_io_access(cpu, port, size);
}
