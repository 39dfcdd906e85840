/* Scaffolding for the system-instruction tests (test_sys*.c): a CPU on 4 MiB
 * of RAM, hand-set segment caches, a GDT in RAM, and a one-instruction
 * executor that decodes raw bytes and runs the handler, catching faults. */
#ifndef TEST_SYS_UTIL_H
#define TEST_SYS_UTIL_H

#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define ST_RAM_SIZE (4u << 20)
#define ST_GDT 0x1000u  /* GDT base (physical = linear: no paging unless a test adds it) */
#define ST_CODE 0x8000u /* where instruction bytes go */
#define ST_OK (-1)      /* no exception */

#define ST_DATA16 (DESC_P | DESC_S | 0x3)
#define ST_CODE16 (DESC_P | DESC_S | 0xb)
#define ST_DATA32 (DESC_P | DESC_S | DESC_DB | DESC_G | 0x3)
#define ST_CODE32 (DESC_P | DESC_S | DESC_DB | DESC_G | 0xb)

struct st {
    struct memmap *mem;
    struct ioport_map *io;
    uint8_t *ram;
    struct cpu *cpu;
};

static inline void st_seg(struct cpu *cpu, int seg, uint16_t sel, uint32_t base, uint32_t limit,
                          uint32_t flags)
{
    cpu->seg[seg] = (struct seg_cache){.sel = sel, .base = base, .limit = limit, .flags = flags};
}

/* Real mode, segments at base 0, 64 KiB limits. */
static inline void st_real(struct st *t)
{
    struct cpu *cpu = t->cpu;
    cpu->cr0 &= ~CR0_PE;
    cpu->eflags &= ~EF_VM;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        st_seg(cpu, s, 0, 0, 0xffff, s == SEG_CS ? ST_CODE16 : ST_DATA16);
    cpu->cpl = 0;
    cpu_update_modes(cpu);
    cpu->eip = ST_CODE;
}

/* Protected mode at privilege `cpl`, flat 32-bit segments (caches only;
 * GDT entries 1/2 are ring-0 code/data, 3/4 ring-3 code/data). */
static inline void st_pmode(struct st *t, int cpl)
{
    struct cpu *cpu = t->cpu;
    cpu->cr0 |= CR0_PE;
    cpu->eflags &= ~EF_VM;
    uint32_t dpl = (uint32_t)cpl << 5;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        st_seg(cpu, s, (uint16_t)((s == SEG_CS ? (cpl ? 0x18 : 0x08) : (cpl ? 0x20 : 0x10)) | cpl),
               0, 0xffffffff, (s == SEG_CS ? ST_CODE32 : ST_DATA32) | dpl);
    cpu->cpl = cpl;
    cpu_update_modes(cpu);
    cpu->eip = ST_CODE;
}

/* Virtual-8086 mode (CPL 3), segments at base 0. */
static inline void st_v86(struct st *t)
{
    st_real(t);
    t->cpu->cr0 |= CR0_PE;
    t->cpu->eflags |= EF_VM;
    t->cpu->cpl = 3;
}

/* Descriptor words. `attr` is bits 8..23 of the high dword (type, S, DPL,
 * P, AVL, D/B, G as in seg_cache.flags). */
static inline uint64_t st_desc(uint32_t base, uint32_t limit, uint32_t attr)
{
    uint32_t lo = (base << 16) | (limit & 0xffff);
    uint32_t hi = (base >> 16 & 0xff) | (base & 0xff000000u) | (limit & 0xf0000) |
                  ((attr & 0xf0ff) << 8);
    return ((uint64_t)hi << 32) | lo;
}

static inline void st_gdt_set(struct st *t, int index, uint64_t desc)
{
    memmap_write(t->mem, ST_GDT + index * 8, desc, 8);
}
static inline uint64_t st_gdt_get(struct st *t, int index)
{
    return memmap_read(t->mem, ST_GDT + index * 8, 8);
}

static inline struct st *st_create(void)
{
    struct st *t = calloc(1, sizeof *t);
    t->ram = calloc(1, ST_RAM_SIZE);
    t->mem = memmap_create();
    memmap_add_ram(t->mem, 0, ST_RAM_SIZE, t->ram, false);
    t->io = ioport_create();
    t->cpu = cpu_create(t->mem, t->io);
    cpu_set_eflags(t->cpu, EF_FIXED1, 0xffffffffu);
    st_real(t);
    t->cpu->gdtr = (struct dtr){.base = ST_GDT, .limit = 0x7f}; /* 16 entries */
    st_gdt_set(t, 1, st_desc(0, 0xfffff, ST_CODE32));
    st_gdt_set(t, 2, st_desc(0, 0xfffff, ST_DATA32));
    st_gdt_set(t, 3, st_desc(0, 0xfffff, ST_CODE32 | 0x60));
    st_gdt_set(t, 4, st_desc(0, 0xfffff, ST_DATA32 | 0x60));
    return t;
}

static inline void st_destroy(struct st *t)
{
    cpu_destroy(t->cpu);
    ioport_destroy(t->io);
    memmap_destroy(t->mem);
    free(t->ram);
    free(t);
}

/* Decode `bytes` as one instruction at CS:EIP and run its handler as the run
 * loop would (EIP past the instruction, state committed first). Returns the
 * exception vector raised (#UD for what the decoder rejects), or ST_OK; the exception's error code is in
 * cpu->exc_error. Nothing is delivered. */
static inline int st_exec(struct st *t, const uint8_t *bytes, int n)
{
    struct cpu *cpu = t->cpu;
    static struct insn in; /* static: survives the longjmp without volatile */
    int r = decode_insn(&in, bytes, n, cpu->code32);
    cpu_commit(cpu);
    if (r == DEC_INVALID)
        return EXC_UD; /* as the run loop does */
    ck_assert_msg(r == DEC_OK, "decode failed (%d)", r);
    if (setjmp(cpu->exc_jmp))
        return cpu->exc_vector;
    cpu->eip += in.len;
    if (!cpu->code32)
        cpu->eip &= 0xffff;
    in.handler(cpu, &in);
    return ST_OK;
}
#define ST_EXEC(t, ...)                                                                  \
    ({                                                                                   \
        static const uint8_t st_bytes_[] = {__VA_ARGS__};                                \
        st_exec((t), st_bytes_, (int)sizeof st_bytes_);                                  \
    })

static inline bool st_zf(struct st *t) { return (cpu_get_arith(t->cpu) & EF_ZF) != 0; }

/* A Check main() running the given test functions in one test case. */
#define ST_MAIN(suite_name, ...)                                                         \
    int main(void)                                                                       \
    {                                                                                    \
        Suite *s = suite_create(suite_name);                                             \
        TCase *tc = tcase_create("core");                                                \
        const TTest *tests[] = {__VA_ARGS__};                                            \
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)                       \
            tcase_add_test(tc, tests[i]);                                                \
        suite_add_tcase(s, tc);                                                          \
        return test_run_suite(s);                                                        \
    }

#endif
