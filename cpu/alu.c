/* The classic two-operand ALU (ADD OR ADC SBB AND SUB XOR CMP), TEST, INC,
 * DEC, NOT, NEG: size-generic primitives and their instruction forms. */
#include "cpu/alu.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/operand.h"

uint32_t alu_op(struct cpu *cpu, enum alu_op op, uint32_t a, uint32_t b, int size)
{
    uint32_t m = size_mask(size), r;
    a &= m;
    b &= m;
    switch (op) {
    case ALU_ADD:
        r = (a + b) & m;
        cpu_lf_set(cpu, LF_ADD, size, r, a, b);
        break;
    case ALU_OR:
        r = a | b;
        cpu_lf_set(cpu, LF_LOGIC, size, r, a, b);
        break;
    case ALU_ADC:
        r = (a + b + cpu_get_cf(cpu)) & m;
        cpu_lf_set(cpu, LF_ADC, size, r, a, b);
        break;
    case ALU_SBB:
        r = (a - b - cpu_get_cf(cpu)) & m;
        cpu_lf_set(cpu, LF_SBB, size, r, a, b);
        break;
    case ALU_AND:
        r = a & b;
        cpu_lf_set(cpu, LF_LOGIC, size, r, a, b);
        break;
    case ALU_XOR:
        r = a ^ b;
        cpu_lf_set(cpu, LF_LOGIC, size, r, a, b);
        break;
    default: /* ALU_SUB, ALU_CMP */
        r = (a - b) & m;
        cpu_lf_set(cpu, LF_SUB, size, r, a, b);
        break;
    }
    return r;
}

uint32_t alu_inc(struct cpu *cpu, uint32_t v, int size)
{
    uint32_t r = (v + 1) & size_mask(size);
    cpu_lf_set(cpu, LF_INC, size, r, v, 1);
    return r;
}

uint32_t alu_dec(struct cpu *cpu, uint32_t v, int size)
{
    uint32_t r = (v - 1) & size_mask(size);
    cpu_lf_set(cpu, LF_DEC, size, r, v, 1);
    return r;
}

uint32_t alu_neg(struct cpu *cpu, uint32_t v, int size)
{
    uint32_t r = (0 - v) & size_mask(size);
    cpu_lf_set(cpu, LF_NEG, size, r, v, 0);
    return r;
}

void alu_cmp(struct cpu *cpu, uint32_t a, uint32_t b, int size)
{
    alu_op(cpu, ALU_CMP, a, b, size);
}

void alu_test(struct cpu *cpu, uint32_t a, uint32_t b, int size)
{
    uint32_t r = a & b & size_mask(size);
    cpu_lf_set(cpu, LF_LOGIC, size, r, r, 0);
}

void alu_set_zf(struct cpu *cpu, int zf)
{
    cpu_set_arith(cpu, zf ? EF_ZF : 0, EF_ZF);
}

/* --- 00-3F: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz ---
 * The operation is opcode bits 5:3; CMP writes nothing. */
static inline enum alu_op opcode_alu_op(const struct insn *in)
{
    return (enum alu_op)((in->opcode >> 3) & 7);
}

static void alu_to_rm(struct cpu *cpu, const struct insn *in, enum alu_op op, uint32_t b)
{
    int size = insn_size(in);
    uint32_t r = alu_op(cpu, op, rm_read(cpu, in, size), b, size);
    if (op != ALU_CMP)
        rm_write(cpu, in, size, r);
}

static void alu_rm_reg(struct cpu *cpu, const struct insn *in)
{
    alu_to_rm(cpu, in, opcode_alu_op(in), reg_read(cpu, in, insn_size(in)));
}

static void alu_reg_rm(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    enum alu_op op = opcode_alu_op(in);
    uint32_t r = alu_op(cpu, op, reg_read(cpu, in, size), rm_read(cpu, in, size), size);
    if (op != ALU_CMP)
        reg_write(cpu, in, size, r);
}

static void alu_acc_imm(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    enum alu_op op = opcode_alu_op(in);
    uint32_t r = alu_op(cpu, op, cpu_reg(cpu, R_EAX, size), in->imm, size);
    if (op != ALU_CMP)
        cpu_set_reg(cpu, R_EAX, size, r);
}

void op_alu_EbGb(struct cpu *cpu, const struct insn *in) { alu_rm_reg(cpu, in); }
void op_alu_EvGv(struct cpu *cpu, const struct insn *in) { alu_rm_reg(cpu, in); }
void op_alu_GbEb(struct cpu *cpu, const struct insn *in) { alu_reg_rm(cpu, in); }
void op_alu_GvEv(struct cpu *cpu, const struct insn *in) { alu_reg_rm(cpu, in); }
void op_alu_ALIb(struct cpu *cpu, const struct insn *in) { alu_acc_imm(cpu, in); }
void op_alu_eAXIz(struct cpu *cpu, const struct insn *in) { alu_acc_imm(cpu, in); }

/* --- 80-83: group 1, op Eb/Ev by an immediate; operation in ModRM.reg.
 * 82 is an alias of 80 on the P6; 83's imm8 arrives sign-extended. */
static void grp1(struct cpu *cpu, const struct insn *in)
{
    alu_to_rm(cpu, in, (enum alu_op)in->reg, in->imm);
}

void op_grp1_EbIb(struct cpu *cpu, const struct insn *in) { grp1(cpu, in); }
void op_grp1_EvIz(struct cpu *cpu, const struct insn *in) { grp1(cpu, in); }
void op_grp1_EvIb(struct cpu *cpu, const struct insn *in) { grp1(cpu, in); }

/* --- 40-4F: INC/DEC r16/r32 --- */
void op_inc_r(struct cpu *cpu, const struct insn *in)
{
    int r = in->opcode & 7;
    cpu_set_reg(cpu, r, in->opsize, alu_inc(cpu, cpu_reg(cpu, r, in->opsize), in->opsize));
}

void op_dec_r(struct cpu *cpu, const struct insn *in)
{
    int r = in->opcode & 7;
    cpu_set_reg(cpu, r, in->opsize, alu_dec(cpu, cpu_reg(cpu, r, in->opsize), in->opsize));
}

/* --- FE /0 /1: INC/DEC Eb (the decoder rejects /2../7) --- */
void op_grp4(struct cpu *cpu, const struct insn *in)
{
    if (in->reg > 1)
        cpu_exception(cpu, EXC_UD, 0);
    uint32_t v = rm_read(cpu, in, 1);
    v = in->reg == 0 ? alu_inc(cpu, v, 1) : alu_dec(cpu, v, 1);
    rm_write(cpu, in, 1, v);
}

/* --- 84/85/A8/A9: TEST --- */
void op_test_EbGb(struct cpu *cpu, const struct insn *in)
{
    alu_test(cpu, rm_read(cpu, in, 1), reg_read(cpu, in, 1), 1);
}

void op_test_EvGv(struct cpu *cpu, const struct insn *in)
{
    alu_test(cpu, rm_read(cpu, in, in->opsize), reg_read(cpu, in, in->opsize), in->opsize);
}

void op_test_ALIb(struct cpu *cpu, const struct insn *in)
{
    alu_test(cpu, cpu_reg(cpu, R_EAX, 1), in->imm, 1);
}

void op_test_eAXIz(struct cpu *cpu, const struct insn *in)
{
    alu_test(cpu, cpu_reg(cpu, R_EAX, in->opsize), in->imm, in->opsize);
}
