/* Bit instructions: BT/BTS/BTR/BTC (0F A3 AB B3 BB, group 8 0F BA), BSF/BSR
 * (0F BC BD) and BSWAP (0F C8+r). */
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/operand.h"

enum { BIT_BT, BIT_BTS, BIT_BTR, BIT_BTC };

/* Test bit `bit` of v into CF and apply the operation. Only CF is defined
 * (SDM BT: ZF unaffected, OF SF AF PF undefined); like Bochs we leave all
 * but CF unchanged. */
static uint32_t bit_apply(struct cpu *cpu, int op, uint32_t v, unsigned bit)
{
    uint32_t b = 1u << bit;
    cpu_set_arith(cpu, (v & b) ? EF_CF : 0, EF_CF);
    switch (op) {
    case BIT_BTS: return v | b;
    case BIT_BTR: return v & ~b;
    case BIT_BTC: return v ^ b;
    default: return v;
    }
}

/* Register operand, or memory with the byte offset already chosen. */
static void bit_op(struct cpu *cpu, const struct insn *in, int op, int32_t offset, bool reg_offset)
{
    int size = in->opsize, bits = size * 8;
    unsigned bit = (uint32_t)offset & (bits - 1);
    if (!in->is_mem) {
        uint32_t v = cpu_reg(cpu, in->rm, size);
        uint32_t r = bit_apply(cpu, op, v, bit);
        if (op != BIT_BT)
            cpu_set_reg(cpu, in->rm, size, r);
        return;
    }
    /* A register bit offset addresses memory beyond the operand: it is a
     * signed bit index, so the operand moves by (offset SAR log2(bits))
     * operands, backwards for negative offsets (SDM BT, "Bit(BitBase,
     * BitOffset)"). An immediate offset is taken modulo the width. */
    uint32_t ea = insn_ea(cpu, in);
    if (reg_offset)
        ea += (uint32_t)((offset >> (bits == 16 ? 4 : 5)) * (bits / 8));
    if (in->adsize == 2)
        ea &= 0xffff;
    uint32_t v = cpu_read(cpu, in->seg, ea, size);
    uint32_t r = bit_apply(cpu, op, v, bit);
    if (op != BIT_BT)
        cpu_write(cpu, in->seg, ea, r, size);
}

/* 0F A3/AB/B3/BB: the operation is opcode bits 4:3. */
void op_bt_EvGv(struct cpu *cpu, const struct insn *in)
{
    uint32_t r = reg_read(cpu, in, in->opsize);
    int32_t offset = in->opsize == 2 ? (int16_t)r : (int32_t)r;
    bit_op(cpu, in, (in->opcode >> 3) & 3, offset, true);
}

/* 0F BA /4../7: BT BTS BTR BTC Ev,Ib (/0../3 are #UD, rejected by decode). */
void op_bt_EvIb(struct cpu *cpu, const struct insn *in)
{
    if (in->reg < 4)
        cpu_exception(cpu, EXC_UD, 0);
    bit_op(cpu, in, in->reg & 3, (int32_t)(in->imm & 0xff), false);
}

/* BSF/BSR: a zero source sets ZF and leaves the destination unchanged (the
 * P6 behaviour; the SDM calls it undefined) and the other flags unchanged.
 * Otherwise ZF = 0 and, as Bochs does, CF OF SF AF = 0 and PF from the
 * index. */
static void bit_scan(struct cpu *cpu, const struct insn *in, bool reverse)
{
    int size = in->opsize;
    uint32_t v = rm_read(cpu, in, size);
    if (v == 0) {
        cpu_set_arith(cpu, EF_ZF, EF_ZF);
        return;
    }
    uint32_t idx = reverse ? 31u - (uint32_t)__builtin_clz(v) : (uint32_t)__builtin_ctz(v);
    reg_write(cpu, in, size, idx);
    cpu_set_arith(cpu, __builtin_parity(idx) ? 0 : EF_PF, EF_ARITH);
}

void op_bsf(struct cpu *cpu, const struct insn *in) { bit_scan(cpu, in, false); }
void op_bsr(struct cpu *cpu, const struct insn *in) { bit_scan(cpu, in, true); }

/* 0F C8+r: BSWAP r32. With a 16-bit operand size the result is undefined
 * (SDM BSWAP); the P6 clears the low word, keeping the high one (as Bochs
 * models it). */
void op_bswap(struct cpu *cpu, const struct insn *in)
{
    int r = in->opcode & 7;
    if (in->opsize == 2)
        cpu_set_reg(cpu, r, 2, 0);
    else
        cpu_set_reg(cpu, r, 4, __builtin_bswap32(cpu_reg(cpu, r, 4)));
}
