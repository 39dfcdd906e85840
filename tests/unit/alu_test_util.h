/* Test scaffolding for the ALU tests: a bare struct cpu (registers only, no
 * memory), hand-built register-operand instructions run through the opcode
 * table's handler, a seeded random generator and edge operand values. */
#ifndef VX86_ALU_TEST_UTIL_H
#define VX86_ALU_TEST_UTIL_H

#include <check.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"

/* Assertions for hot loops: Check's ck_assert_* log every passing check
 * (an I/O round trip each), so inner loops only call Check on failure. */
#define TCHECK(cond, ...)                                                                \
    do {                                                                                 \
        if (!(cond))                                                                     \
            ck_abort_msg(__VA_ARGS__);                                                   \
    } while (0)
#define TEQ(a, b)                                                                        \
    do {                                                                                 \
        long long ta_ = (long long)(a), tb_ = (long long)(b);                            \
        if (ta_ != tb_)                                                                  \
            ck_abort_msg("%s:%d: %s == %#llx, %s == %#llx", __FILE__, __LINE__, #a, ta_, #b, \
                         tb_);                                                           \
    } while (0)

static inline struct cpu *tcpu_new(void)
{
    struct cpu *cpu = calloc(1, sizeof *cpu);
    cpu->eflags = EF_FIXED1;
    cpu->code32 = true;
    cpu_set_arith(cpu, 0, EF_ARITH);
    return cpu;
}

/* A register-form instruction: ModRM mod=3 with `reg` and `rm`. */
static inline struct insn tinsn(int opcode, int opsize, int reg, int rm, uint32_t imm)
{
    struct insn in;
    memset(&in, 0, sizeof in);
    in.opcode = (uint16_t)opcode;
    in.opsize = (uint8_t)opsize;
    in.adsize = 4;
    in.seg = SEG_NONE;
    in.flags = opcode_table[opcode].dflags;
    in.handler = opcode_table[opcode].handler;
    in.has_modrm = (in.flags & D_MODRM) != 0;
    in.mod = 3;
    in.reg = (uint8_t)reg;
    in.rm = (uint8_t)rm;
    in.modrm = (uint8_t)(0xc0 | reg << 3 | rm);
    in.is_mem = false;
    in.ea_base = in.ea_index = EA_NONE;
    in.imm = imm;
    in.len = 3;
    return in;
}

/* Run one instruction's handler; returns -1, or the exception vector it
 * raised (state restored by cpu_exception as the run loop would see it). */
static inline int trun(struct cpu *cpu, const struct insn *in)
{
    cpu->eip = 0x1000;
    cpu_commit(cpu);
    cpu->eip += in->len;
    cpu->exc_depth = 0;
    if (_setjmp(cpu->exc_jmp)) /* no signal-mask syscall */
        return cpu->exc_vector;
    in->handler(cpu, in);
    return -1;
}

/* xorshift64*: deterministic across runs. */
static inline uint64_t trand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static inline uint32_t tmask(int size)
{
    return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}

/* Operand i of a sweep: the first TEDGE_COUNT are edge values, then random. */
#define TEDGE_COUNT 14
static inline uint32_t toperand(int i, int size, uint64_t *seed)
{
    uint32_t m = tmask(size), sb = 1u << (size * 8 - 1);
    const uint32_t edge[TEDGE_COUNT] = {0,      1,      2,      sb - 1, sb,   sb + 1, m,
                                        m - 1,  0x0f,   0x10,   0x09,   0x99, 0x0a, 0x60};
    if (i < TEDGE_COUNT)
        return edge[i] & m;
    return (uint32_t)trand(seed) & m;
}

#endif
