/* Operand access for instruction handlers: registers and ModRM operands of
 * a decoded instruction, sized 1, 2 or 4 bytes. */
#ifndef VX86_OPERAND_H
#define VX86_OPERAND_H

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mem.h"

/* Effective offset of the ModRM memory operand (address-size wrapped). */
static inline uint32_t insn_ea(const struct cpu *cpu, const struct insn *in)
{
    uint32_t a = in->disp;
    if (in->ea_base != EA_NONE)
        a += (uint32_t)cpu->gpr[in->ea_base];
    if (in->ea_index != EA_NONE)
        a += (uint32_t)cpu->gpr[in->ea_index] << in->ea_scale;
    return in->adsize == 2 ? (uint16_t)a : a;
}

/* Operand size of a handler: 1 for D_BYTE rows, else the prefix-adjusted size. */
static inline int insn_size(const struct insn *in)
{
    return (in->flags & D_BYTE) ? 1 : in->opsize;
}

/* r/m operand: register rm or memory at seg:ea. */
static inline uint32_t rm_read(struct cpu *cpu, const struct insn *in, int size)
{
    if (!in->is_mem)
        return cpu_reg(cpu, in->rm, size);
    return cpu_read(cpu, in->seg, insn_ea(cpu, in), size);
}
static inline void rm_write(struct cpu *cpu, const struct insn *in, int size, uint32_t v)
{
    if (!in->is_mem)
        cpu_set_reg(cpu, in->rm, size, v);
    else
        cpu_write(cpu, in->seg, insn_ea(cpu, in), v, size);
}
/* reg operand (ModRM.reg as a general register). */
static inline uint32_t reg_read(const struct cpu *cpu, const struct insn *in, int size)
{
    return cpu_reg(cpu, in->reg, size);
}
static inline void reg_write(struct cpu *cpu, const struct insn *in, int size, uint32_t v)
{
    cpu_set_reg(cpu, in->reg, size, v);
}

static inline uint32_t size_mask(int size)
{
    return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}
static inline uint32_t sign_bit(int size) { return 1u << (size * 8 - 1); }

/* EIP after this instruction (for relative branches and CALL). */
static inline uint32_t insn_next_eip(const struct cpu *cpu, const struct insn *in)
{
    return cpu->insn_eip + in->len;
}

/* Near branch target check: EIP beyond CS limit is #GP(0) (SDM JMP/Jcc). The
 * target is truncated to 16 bits with a 16-bit operand size. */
void cpu_jump_near(struct cpu *cpu, uint32_t target, int opsize);

#endif
