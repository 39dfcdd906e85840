/* Data movement: MOV in all its forms, LEA, XCHG, MOVZX/MOVSX, XLAT and the
 * far-pointer loads LDS/LES/LSS/LFS/LGS (SDM Vol. 2). */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/operand.h"
#include "cpu/prot.h"

/* Segment of an implicit DS operand (moffs, XLAT): DS unless overridden. */
static inline int data_seg(const struct insn *in)
{
    return ((in->prefix & PFX_SEG) && in->seg <= SEG_GS) ? in->seg : SEG_DS;
}

void op_mov_EbGb(struct cpu *cpu, const struct insn *in)
{
    rm_write(cpu, in, 1, reg_read(cpu, in, 1));
}
void op_mov_EvGv(struct cpu *cpu, const struct insn *in)
{
    rm_write(cpu, in, in->opsize, reg_read(cpu, in, in->opsize));
}
void op_mov_GbEb(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in, 1, rm_read(cpu, in, 1));
}
void op_mov_GvEv(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in, in->opsize, rm_read(cpu, in, in->opsize));
}

/* MOV r/m, Sreg: a memory destination is always 16 bits; a 32-bit register
 * destination is zero-extended on P6 family processors (SDM Vol. 2, MOV). */
void op_mov_EwSw(struct cpu *cpu, const struct insn *in)
{
    if (in->reg > SEG_GS)
        cpu_exception(cpu, EXC_UD, 0);
    uint16_t sel = cpu->seg[in->reg].sel;
    if (in->is_mem)
        cpu_write(cpu, in->seg, insn_ea(cpu, in), sel, 2);
    else
        cpu_set_reg(cpu, in->rm, in->opsize, sel);
}

/* MOV Sreg, r/m: always a 16-bit source. MOV CS is #UD. */
void op_mov_SwEw(struct cpu *cpu, const struct insn *in)
{
    if (in->reg > SEG_GS || in->reg == SEG_CS)
        cpu_exception(cpu, EXC_UD, 0);
    cpu_load_seg(cpu, in->reg, (uint16_t)rm_read(cpu, in, 2));
    if (in->reg == SEG_SS)
        cpu->inhibit_irq = SHADOW_SS;
}

/* LEA: the offset computed with the address size, stored with the operand size. */
void op_lea(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, in, in->opsize, insn_ea(cpu, in));
}

/* A0-A3: the offset is the instruction's displacement (16/32 bits by address size). */
void op_mov_AL_moffs(struct cpu *cpu, const struct insn *in)
{
    cpu_set_reg(cpu, R_EAX, 1, cpu_read(cpu, data_seg(in), in->disp, 1));
}
void op_mov_eAX_moffs(struct cpu *cpu, const struct insn *in)
{
    cpu_set_reg(cpu, R_EAX, in->opsize, cpu_read(cpu, data_seg(in), in->disp, in->opsize));
}
void op_mov_moffs_AL(struct cpu *cpu, const struct insn *in)
{
    cpu_write(cpu, data_seg(in), in->disp, cpu_reg(cpu, R_EAX, 1), 1);
}
void op_mov_moffs_eAX(struct cpu *cpu, const struct insn *in)
{
    cpu_write(cpu, data_seg(in), in->disp, cpu_reg(cpu, R_EAX, in->opsize), in->opsize);
}

void op_mov_r8_imm(struct cpu *cpu, const struct insn *in)
{
    cpu_set_reg(cpu, in->opcode & 7, 1, in->imm);
}
void op_mov_r_imm(struct cpu *cpu, const struct insn *in)
{
    cpu_set_reg(cpu, in->opcode & 7, in->opsize, in->imm);
}
void op_mov_EbIb(struct cpu *cpu, const struct insn *in)
{
    if (in->reg != 0)
        cpu_exception(cpu, EXC_UD, 0);
    rm_write(cpu, in, 1, in->imm);
}
void op_mov_EvIz(struct cpu *cpu, const struct insn *in)
{
    if (in->reg != 0)
        cpu_exception(cpu, EXC_UD, 0);
    rm_write(cpu, in, in->opsize, in->imm);
}

/* XCHG with memory is implicitly locked; a single interpreter thread makes
 * that free. A faulting write leaves both operands as they were. */
static void xchg_rm(struct cpu *cpu, const struct insn *in, int size)
{
    uint32_t m = rm_read(cpu, in, size);
    rm_write(cpu, in, size, reg_read(cpu, in, size));
    reg_write(cpu, in, size, m);
}
void op_xchg_EbGb(struct cpu *cpu, const struct insn *in) { xchg_rm(cpu, in, 1); }
void op_xchg_EvGv(struct cpu *cpu, const struct insn *in) { xchg_rm(cpu, in, in->opsize); }

/* 91-97 XCHG eAX, r. 90 is NOP in every operand size (and PAUSE with F3). */
void op_xchg_r(struct cpu *cpu, const struct insn *in)
{
    int r = in->opcode & 7;
    if (r == R_EAX)
        return;
    uint32_t a = cpu_reg(cpu, R_EAX, in->opsize);
    cpu_set_reg(cpu, R_EAX, in->opsize, cpu_reg(cpu, r, in->opsize));
    cpu_set_reg(cpu, r, in->opsize, a);
}

/* 0F B6/B7 and 0F BE/BF: the source is a byte (even opcode) or a word. */
void op_movzx(struct cpu *cpu, const struct insn *in)
{
    int src = (in->opcode & 1) ? 2 : 1;
    reg_write(cpu, in, in->opsize, rm_read(cpu, in, src));
}
void op_movsx(struct cpu *cpu, const struct insn *in)
{
    int src = (in->opcode & 1) ? 2 : 1;
    uint32_t v = rm_read(cpu, in, src);
    v = src == 1 ? (uint32_t)(int32_t)(int8_t)v : (uint32_t)(int32_t)(int16_t)v;
    reg_write(cpu, in, in->opsize, v);
}

/* XLAT: AL <- [seg:(E)BX + AL], the sum wrapped to the address size. */
void op_xlat(struct cpu *cpu, const struct insn *in)
{
    uint32_t off = (uint32_t)cpu->gpr[R_EBX] + cpu_reg(cpu, R_EAX, 1);
    if (in->adsize == 2)
        off &= 0xffff;
    cpu_set_reg(cpu, R_EAX, 1, cpu_read(cpu, data_seg(in), off, 1));
}

/* LES C4, LDS C5, LSS 0F B2, LFS 0F B4, LGS 0F B5: offset then selector in
 * memory; the segment load (and its faults) precedes the register write. */
void op_load_far_ptr(struct cpu *cpu, const struct insn *in)
{
    int seg;
    switch (in->opcode) {
    case 0x0c4: seg = SEG_ES; break;
    case 0x0c5: seg = SEG_DS; break;
    case 0x1b2: seg = SEG_SS; break;
    case 0x1b4: seg = SEG_FS; break;
    default: seg = SEG_GS; break;
    }
    if (!in->is_mem)
        cpu_exception(cpu, EXC_UD, 0);
    uint32_t ea = insn_ea(cpu, in);
    uint32_t off = cpu_read(cpu, in->seg, ea, in->opsize);
    uint16_t sel = (uint16_t)cpu_read(cpu, in->seg, ea + in->opsize, 2);
    cpu_load_seg(cpu, seg, sel);
    reg_write(cpu, in, in->opsize, off);
}
