/* Stack instructions: PUSH/POP of registers, immediates, memory and segment
 * registers, PUSHA/POPA, ENTER/LEAVE (SDM Vol. 2). */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/prot.h"
#include "cpu/stack_ptr.h"

/* PUSH r: PUSH ESP pushes the value ESP had before the instruction. */
void op_push_r(struct cpu *cpu, const struct insn *in)
{
    cpu_push(cpu, cpu_reg(cpu, in->opcode & 7, in->opsize), in->opsize);
}

/* POP r: POP ESP loads the popped value, overriding the increment. */
void op_pop_r(struct cpu *cpu, const struct insn *in)
{
    uint32_t v = cpu_pop(cpu, in->opsize);
    cpu_set_reg(cpu, in->opcode & 7, in->opsize, v);
}

/* 68 Iz, 6A Ib (sign-extended by the decoder). */
void op_push_imm(struct cpu *cpu, const struct insn *in) { cpu_push(cpu, in->imm, in->opsize); }

/* 8F /0 POP r/m: the memory address is computed with ESP already incremented
 * (SDM Vol. 2, POP), so POP [ESP+4] stores above the popped slot. ESP is only
 * kept if the store succeeds (a fault restores every GPR). */
void op_pop_Ev(struct cpu *cpu, const struct insn *in)
{
    if (in->reg != 0)
        cpu_exception(cpu, EXC_UD, 0);
    int size = in->opsize;
    uint32_t v = cpu_stack_read(cpu, 0, size);
    sp_add(cpu, size);
    rm_write(cpu, in, size, v);
}

/* The segment register of PUSH/POP sreg, from the opcode. */
static int sreg_of(const struct insn *in)
{
    switch (in->opcode) {
    case 0x006: case 0x007: return SEG_ES;
    case 0x00e: return SEG_CS;
    case 0x016: case 0x017: return SEG_SS;
    case 0x01e: case 0x01f: return SEG_DS;
    case 0x1a0: case 0x1a1: return SEG_FS;
    default: return SEG_GS;
    }
}

/* PUSH sreg: with a 32-bit operand size the P6 decrements ESP by 4 but writes
 * only the 16-bit selector, leaving the upper half of the slot untouched
 * (SDM Vol. 2, PUSH: "a 16-bit move"; Bochs models the same). */
void op_push_sreg(struct cpu *cpu, const struct insn *in)
{
    uint16_t sel = cpu->seg[sreg_of(in)].sel;
    uint32_t off = sp_offset(cpu, -(uint32_t)in->opsize);
    cpu_write(cpu, SEG_SS, off, sel, 2);
    sp_set(cpu, off);
}

/* POP sreg: the selector is read and loaded before ESP moves (a failed load
 * restores ESP); POP SS arms the interrupt shadow. ESP advances by the stack
 * size in force before the load. */
void op_pop_sreg(struct cpu *cpu, const struct insn *in)
{
    uint16_t sel = (uint16_t)cpu_stack_read(cpu, 0, in->opsize);
    uint32_t esp = sp_offset(cpu, in->opsize);
    bool was32 = cpu->stack32;
    int seg = sreg_of(in);
    cpu_load_seg(cpu, seg, sel);
    cpu_set_reg(cpu, R_ESP, was32 ? 4 : 2, esp);
    if (seg == SEG_SS)
        cpu->inhibit_irq = SHADOW_SS;
}

/* PUSHA: every slot is checked before anything is written, so a stack fault
 * leaves memory untouched; the pushed ESP is the original one. */
void op_pusha(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    uint32_t off[8];
    for (int i = 0; i < 8; i++) {
        off[i] = sp_offset(cpu, -(uint32_t)(size * (i + 1)));
        cpu_check_write(cpu, SEG_SS, off[i], size);
    }
    for (int r = R_EAX; r <= R_EDI; r++)
        cpu_write(cpu, SEG_SS, off[r], cpu_reg(cpu, r, size), size);
    sp_set(cpu, off[7]);
}

/* POPA: EDI, ESI, EBP, (ESP skipped), EBX, EDX, ECX, EAX. */
void op_popa(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    uint32_t v[8];
    for (int i = 0; i < 8; i++)
        v[7 - i] = cpu_read(cpu, SEG_SS, sp_offset(cpu, size * i), size);
    for (int r = R_EAX; r <= R_EDI; r++)
        if (r != R_ESP)
            cpu_set_reg(cpu, r, size, v[r]);
    sp_add(cpu, 8 * size);
}

/* ENTER imm16, imm8 (SDM Vol. 2, ENTER). The pushes use the operand size,
 * the frame-pointer walk and the final ESP use the stack size. Like the
 * hardware, the new top of stack is checked for writability at the end. A
 * fault restores ESP/EBP; the partly built frame below ESP is harmless. */
void op_enter(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    uint32_t alloc = in->imm & 0xffff;
    int level = in->imm2 & 31;

    cpu_push(cpu, cpu_reg(cpu, R_EBP, size), size);
    uint32_t frame = cpu_reg(cpu, R_ESP, size);
    if (level > 0) {
        uint32_t bp = cpu->stack32 ? (uint32_t)cpu->gpr[R_EBP] : (uint16_t)cpu->gpr[R_EBP];
        for (int i = 1; i < level; i++) {
            bp -= size;
            if (!cpu->stack32)
                bp &= 0xffff;
            cpu_push(cpu, cpu_read(cpu, SEG_SS, bp, size), size);
        }
        cpu_push(cpu, frame, size);
    }
    sp_add(cpu, -alloc);
    cpu_check_write(cpu, SEG_SS, sp_get(cpu), size);
    cpu_set_reg(cpu, R_EBP, size, frame);
}

/* LEAVE: (E)SP <- (E)BP by stack size, then pop (E)BP by operand size. */
void op_leave(struct cpu *cpu, const struct insn *in)
{
    sp_set(cpu, (uint32_t)cpu->gpr[R_EBP]);
    uint32_t v = cpu_pop(cpu, in->opsize);
    cpu_set_reg(cpu, R_EBP, in->opsize, v);
}
