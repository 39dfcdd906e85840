/* Shared set-up for the core instruction tests (test_core*.c): a CPU on a
 * small RAM, segment caches set by hand, and a single-instruction executor
 * that decodes raw bytes and runs the handler, catching its exception. */
#ifndef TEST_CORE_HARNESS_H
#define TEST_CORE_HARNESS_H

#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define TM_RAM_SIZE (1u << 20) /* 1 MiB at physical 0 */
#define TM_NO_FAULT (-1)

struct tmach {
    struct memmap *mem;
    struct ioport_map *io;
    uint8_t *ram;
    struct cpu *cpu;
};

/* Segment cache as a data (or code) segment with `base`, `limit`, attributes. */
static inline void tm_seg(struct cpu *cpu, int seg, uint16_t sel, uint32_t base, uint32_t limit,
                          uint32_t flags)
{
    cpu->seg[seg] = (struct seg_cache){.sel = sel, .base = base, .limit = limit, .flags = flags};
}

#define TM_DATA16 (DESC_P | DESC_S | 0x3)          /* data r/w accessed, 16-bit */
#define TM_CODE16 (DESC_P | DESC_S | 0xb)          /* code r/x accessed, 16-bit */
#define TM_DATA32 (DESC_P | DESC_S | DESC_DB | 0x3)
#define TM_CODE32 (DESC_P | DESC_S | DESC_DB | 0xb)

/* Real mode, every segment at base 0 (selector 0), limit 64 KiB. */
static inline void tm_real(struct tmach *t)
{
    struct cpu *cpu = t->cpu;
    cpu->cr0 &= ~CR0_PE;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        tm_seg(cpu, s, 0, 0, 0xffff, s == SEG_CS ? TM_CODE16 : TM_DATA16);
    cpu->cpl = 0;
    cpu_update_modes(cpu);
}

/* Protected mode, ring 0, flat 4 GiB 32-bit segments (caches only). */
static inline void tm_flat32(struct tmach *t)
{
    struct cpu *cpu = t->cpu;
    cpu->cr0 |= CR0_PE;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        tm_seg(cpu, s, s == SEG_CS ? 0x08 : 0x10, 0, 0xffffffff,
               s == SEG_CS ? TM_CODE32 : TM_DATA32);
    cpu->cpl = 0;
    cpu_update_modes(cpu);
}

static inline struct tmach *tm_create(void)
{
    struct tmach *t = calloc(1, sizeof *t);
    t->ram = calloc(1, TM_RAM_SIZE);
    t->mem = memmap_create();
    memmap_add_ram(t->mem, 0, TM_RAM_SIZE, t->ram, false);
    t->io = ioport_create();
    t->cpu = cpu_create(t->mem, t->io);
    tm_real(t);
    cpu_set_eflags(t->cpu, EF_FIXED1, 0xffffffffu);
    return t;
}

static inline void tm_destroy(struct tmach *t)
{
    cpu_destroy(t->cpu);
    ioport_destroy(t->io);
    memmap_destroy(t->mem);
    free(t->ram);
    free(t);
}

static inline uint32_t rd32(const struct tmach *t, uint32_t a)
{
    uint32_t v;
    memcpy(&v, t->ram + a, 4);
    return v;
}
static inline uint16_t rd16(const struct tmach *t, uint32_t a)
{
    uint16_t v;
    memcpy(&v, t->ram + a, 2);
    return v;
}
static inline void wr32(struct tmach *t, uint32_t a, uint32_t v) { memcpy(t->ram + a, &v, 4); }
static inline void wr16(struct tmach *t, uint32_t a, uint16_t v) { memcpy(t->ram + a, &v, 2); }

/* Execute one instruction from `code` (as if at CS:EIP) the way cpu/exec.c's
 * step() does. Returns TM_NO_FAULT or the vector of the exception raised, in
 * which case the registers are those cpu_exception() restored. A REP string
 * instruction that yields mid-way is re-entered until it completes. */
static inline int tm_exec(struct tmach *t, const uint8_t *code, int n)
{
    struct cpu *cpu = t->cpu;
    struct insn in;
    int r = decode_insn(&in, code, n, cpu->code32);
    ck_assert_int_eq(r, DEC_OK);
    ck_assert_int_eq(in.len, n);
    do {
        cpu_commit(cpu);
        uint32_t start = cpu->eip;
        cpu->eip += in.len;
        if (!cpu->code32)
            cpu->eip &= 0xffff;
        if (setjmp(cpu->exc_jmp))
            return cpu->exc_vector;
        in.handler(cpu, &in);
        if (cpu->eip != start)
            break;
        /* A repeated string instruction stopped between iterations. */
        if (!((in.prefix & (PFX_REP | PFX_REPNE)) && (in.opcode & 0xf0) == 0xa0) &&
            !((in.prefix & (PFX_REP | PFX_REPNE)) && (in.opcode & 0xfc) == 0x6c))
            break;
    } while (1);
    return TM_NO_FAULT;
}

#define EXEC(t, ...)                                                                     \
    ({                                                                                   \
        static const uint8_t code_[] = {__VA_ARGS__};                                    \
        tm_exec((t), code_, (int)sizeof code_);                                          \
    })

#define REG(t, r) ((uint32_t)(t)->cpu->gpr[r])
#define SETREG(t, r, v) ((t)->cpu->gpr[r] = (uint32_t)(v))

#endif
