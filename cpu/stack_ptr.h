/* Stack-pointer arithmetic by stack size (SS.B): SP or ESP, wrapping at 64 KiB
 * for a 16-bit stack. For instructions that address the stack directly
 * (PUSHA, ENTER, POP m, RET imm16) rather than through cpu_push/cpu_pop. */
#ifndef VX86_STACK_PTR_H
#define VX86_STACK_PTR_H

#include "cpu/cpu.h"

/* Current stack pointer: ESP with a 32-bit stack, else SP. */
static inline uint32_t sp_get(const struct cpu *cpu)
{
    return cpu->stack32 ? (uint32_t)cpu->gpr[R_ESP] : (uint16_t)cpu->gpr[R_ESP];
}

/* Offset `delta` bytes from the stack pointer, wrapped to the stack size. */
static inline uint32_t sp_offset(const struct cpu *cpu, uint32_t delta)
{
    uint32_t v = (uint32_t)cpu->gpr[R_ESP] + delta;
    return cpu->stack32 ? v : (uint16_t)v;
}

/* Set the stack pointer; with a 16-bit stack only SP changes (SDM Vol. 1, 6.2.3). */
static inline void sp_set(struct cpu *cpu, uint32_t v)
{
    cpu_set_reg(cpu, R_ESP, cpu->stack32 ? 4 : 2, v);
}

static inline void sp_add(struct cpu *cpu, uint32_t delta) { sp_set(cpu, sp_offset(cpu, delta)); }

#endif
