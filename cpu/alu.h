/* Size-generic ALU primitives (cpu/alu.c) for handlers outside the ALU files:
 * each computes a result of `size` bytes (1, 2, 4) and records its flags. */
#ifndef VX86_ALU_H
#define VX86_ALU_H

#include <stdint.h>

struct cpu;

/* The eight classic ALU operations in opcode order (bits 5:3 of 00-3F, and
 * ModRM.reg of group 1). */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* a OP b with flags set; returns the result (for ALU_CMP, the SUB result,
 * which the caller must not store). Reads CF for ADC/SBB. */
uint32_t alu_op(struct cpu *cpu, enum alu_op op, uint32_t a, uint32_t b, int size);

/* INC / DEC: OF SF ZF AF PF from the result, CF unchanged (FF /0 /1, 40-4F). */
uint32_t alu_inc(struct cpu *cpu, uint32_t v, int size);
uint32_t alu_dec(struct cpu *cpu, uint32_t v, int size);

/* NEG: 0 - v, CF = (v != 0). */
uint32_t alu_neg(struct cpu *cpu, uint32_t v, int size);

/* Flags of CMP a, b (a - b), e.g. for CMPS/SCAS. */
void alu_cmp(struct cpu *cpu, uint32_t a, uint32_t b, int size);

/* Flags of TEST a, b (a AND b): CF=OF=0, SF ZF PF from the result, AF=0. */
void alu_test(struct cpu *cpu, uint32_t a, uint32_t b, int size);

/* Set or clear only ZF, leaving the other arithmetic flags as they are
 * (LAR, LSL, VERR, VERW, ARPL, CMPXCHG8B). */
void alu_set_zf(struct cpu *cpu, int zf);

/* Group 3 arithmetic (cpu/muldiv.c) on the accumulator (AL/AX/EAX with AH/
 * DX/EDX) and `src`: MUL, IMUL (one operand), DIV, IDIV. DIV/IDIV raise #DE
 * on a zero divisor or a quotient that does not fit. */
void alu_mul(struct cpu *cpu, uint32_t src, int size);
void alu_imul1(struct cpu *cpu, uint32_t src, int size);
void alu_div(struct cpu *cpu, uint32_t src, int size);
void alu_idiv(struct cpu *cpu, uint32_t src, int size);

#endif
