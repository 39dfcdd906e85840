/* Near control flow: Jcc, JMP/CALL rel, RET near, LOOPcc, JCXZ and group 5
 * (INC/DEC/CALL/JMP/PUSH r/m), plus the near-branch target check. */
#include "cpu/alu.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/prot.h"
#include "cpu/stack_ptr.h"

/* SDM Vol. 2, JMP/Jcc/CALL/RET: a 16-bit operand size clears EIP[31:16];
 * a target beyond the CS limit is #GP(0), in real mode too (the limit is
 * 0xffff there unless big real mode changed it). */
void cpu_jump_near(struct cpu *cpu, uint32_t target, int opsize)
{
    if (opsize == 2)
        target &= 0xffff;
    if (target > cpu->seg[SEG_CS].limit)
        cpu_exception(cpu, EXC_GP, 0);
    cpu->eip = target;
}

/* cpu->eip already holds the address of the next instruction. */
void op_jcc(struct cpu *cpu, const struct insn *in)
{
    if (cpu_cond(cpu, in->opcode & 0xf))
        cpu_jump_near(cpu, cpu->eip + in->imm, in->opsize);
}

void op_jmp_rel(struct cpu *cpu, const struct insn *in)
{
    cpu_jump_near(cpu, cpu->eip + in->imm, in->opsize);
}

/* CALL rel: the target is checked before the push; a failed push restores EIP. */
void op_call_rel(struct cpu *cpu, const struct insn *in)
{
    uint32_t ret = cpu->eip;
    cpu_jump_near(cpu, ret + in->imm, in->opsize);
    cpu_push(cpu, ret, in->opsize);
}

/* C3 RET, C2 RET imm16: imm16 bytes are released after the pop, by stack size. */
void op_ret_near(struct cpu *cpu, const struct insn *in)
{
    uint32_t target = cpu_pop(cpu, in->opsize);
    cpu_jump_near(cpu, target, in->opsize);
    if (in->opcode == 0x0c2)
        sp_add(cpu, in->imm & 0xffff);
}

/* E0 LOOPNE, E1 LOOPE, E2 LOOP: the counter is CX or ECX by ADDRESS size,
 * the target is truncated by operand size (SDM Vol. 2, LOOP/LOOPcc). */
void op_loop(struct cpu *cpu, const struct insn *in)
{
    uint32_t count = cpu_reg(cpu, R_ECX, in->adsize) - 1;
    cpu_set_reg(cpu, R_ECX, in->adsize, count);
    if (in->adsize == 2)
        count &= 0xffff;
    bool take = count != 0;
    if (take && in->opcode == 0x0e0)
        take = !cpu_cond(cpu, 4); /* ZF = 0 */
    else if (take && in->opcode == 0x0e1)
        take = cpu_cond(cpu, 4);
    if (take)
        cpu_jump_near(cpu, cpu->eip + in->imm, in->opsize);
}

/* E3 JCXZ/JECXZ: the register tested follows the address size. */
void op_jcxz(struct cpu *cpu, const struct insn *in)
{
    if (cpu_reg(cpu, R_ECX, in->adsize) == 0)
        cpu_jump_near(cpu, cpu->eip + in->imm, in->opsize);
}

/* Far pointer m16:16 / m16:32 of FF /3 and /5: offset, then selector. */
static void read_far_ptr(struct cpu *cpu, const struct insn *in, uint16_t *sel, uint32_t *off)
{
    if (!in->is_mem)
        cpu_exception(cpu, EXC_UD, 0);
    uint32_t ea = insn_ea(cpu, in);
    *off = cpu_read(cpu, in->seg, ea, in->opsize);
    *sel = (uint16_t)cpu_read(cpu, in->seg, ea + in->opsize, 2);
}

/* FF: /0 INC, /1 DEC, /2 CALL r/m, /3 CALL m16:16/32, /4 JMP r/m,
 * /5 JMP m16:16/32, /6 PUSH r/m, /7 #UD. */
void op_grp5(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    uint16_t sel;
    uint32_t v, off;

    switch (in->reg) {
    case 0:
        v = rm_read(cpu, in, size);
        rm_write(cpu, in, size, alu_inc(cpu, v, size));
        break;
    case 1:
        v = rm_read(cpu, in, size);
        rm_write(cpu, in, size, alu_dec(cpu, v, size));
        break;
    case 2: {
        uint32_t ret = cpu->eip;
        cpu_jump_near(cpu, rm_read(cpu, in, size), size);
        cpu_push(cpu, ret, size);
        break;
    }
    case 3:
        read_far_ptr(cpu, in, &sel, &off);
        cpu_far_call(cpu, sel, off, size);
        break;
    case 4: cpu_jump_near(cpu, rm_read(cpu, in, size), size); break;
    case 5:
        read_far_ptr(cpu, in, &sel, &off);
        cpu_far_jmp(cpu, sel, off, size);
        break;
    case 6:
        /* PUSH [ESP+x] addresses with the ESP before the push. */
        cpu_push(cpu, rm_read(cpu, in, size), size);
        break;
    default: cpu_exception(cpu, EXC_UD, 0);
    }
}
