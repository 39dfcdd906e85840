/* Scaffolding for the protection tests (test_prot*.c): a CPU on 4 MiB of RAM
 * with a GDT, IDT, LDT and TSSs built in RAM, protected-mode entry by
 * descriptor, and PT_TRY to run a call that may fault. */
#ifndef TEST_PROT_HARNESS_H
#define TEST_PROT_HARNESS_H

#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define PT_RAM (4u << 20)
#define PT_GDT 0x1000u /* 64 entries */
#define PT_IDT 0x2000u /* 256 gates */
#define PT_TSS_A 0x3000u
#define PT_TSS_A_LIMIT 0x108u /* VME bitmap at 0x68, I/O bitmap at 0x88: ports 0-0x3ff */
#define PT_TSS_B 0x3400u
#define PT_TSS16 0x3800u
#define PT_LDT 0x4000u
#define PT_OK (-1)

/* Attributes (seg_cache.flags layout). */
#define PT_CODE32 (DESC_P | DESC_S | DESC_DB | DESC_G | 0xa) /* exec/read, not accessed */
#define PT_DATA32 (DESC_P | DESC_S | DESC_DB | DESC_G | 0x2) /* read/write, not accessed */
#define PT_CODE16 (DESC_P | DESC_S | 0xa)
#define PT_DATA16 (DESC_P | DESC_S | 0x2)
#define PT_DPL(n) ((uint32_t)(n) << 5)

/* GDT selectors every test can rely on. */
enum {
    PT_CS0 = 0x08, PT_DS0 = 0x10, PT_CS3 = 0x1b, PT_DS3 = 0x23, PT_TSSA = 0x28, PT_TSSB = 0x30,
    PT_CS0C = 0x38, /* conforming DPL 0 */
    PT_FREE = 0x40, /* entries 8.. are free for each test */
    PT_LDTSEL = 0x60, PT_TSS16SEL = 0x68,
};

struct pt {
    struct memmap *mem;
    struct ioport_map *io;
    uint8_t *ram;
    struct cpu *cpu;
};

static inline uint64_t pt_desc(uint32_t base, uint32_t limit, uint32_t attr)
{
    uint32_t lo = (base << 16) | (limit & 0xffff);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit & 0xf0000) |
                  ((attr & 0xf0ff) << 8);
    return ((uint64_t)hi << 32) | lo;
}
/* Gate: type 4/12 call, 5 task, 6/14 interrupt, 7/15 trap. */
static inline uint64_t pt_gate(uint16_t sel, uint32_t off, int type, int dpl, int params)
{
    uint32_t lo = ((uint32_t)sel << 16) | (off & 0xffff);
    uint32_t hi = (off & 0xffff0000u) | 0x8000 | ((uint32_t)dpl << 13) | ((uint32_t)type << 8) |
                  (params & 0x1f);
    return ((uint64_t)hi << 32) | lo;
}

static inline uint32_t pt_rd(struct pt *t, uint32_t a, int size)
{
    return (uint32_t)memmap_read(t->mem, a, size);
}
static inline void pt_wr(struct pt *t, uint32_t a, uint32_t v, int size)
{
    memmap_write(t->mem, a, v, size);
}
static inline void pt_gdt(struct pt *t, uint16_t sel, uint64_t d)
{
    memmap_write(t->mem, PT_GDT + (sel & ~7u), d, 8);
}
static inline uint64_t pt_gdt_get(struct pt *t, uint16_t sel)
{
    return memmap_read(t->mem, PT_GDT + (sel & ~7u), 8);
}
static inline void pt_idt(struct pt *t, int vec, uint64_t d)
{
    memmap_write(t->mem, PT_IDT + vec * 8, d, 8);
}
/* Type nibble of a GDT descriptor (for busy bits). */
static inline int pt_gdt_type(struct pt *t, uint16_t sel)
{
    return (int)((pt_gdt_get(t, sel) >> 40) & 0xf);
}

/* Load a segment cache straight from the GDT, no checks. */
static inline void pt_seg(struct pt *t, int seg, uint16_t sel)
{
    uint64_t d = pt_gdt_get(t, sel);
    cpu_desc_to_cache(&t->cpu->seg[seg], sel, (uint32_t)d, (uint32_t)(d >> 32));
}

/* Protected mode at `cpl` with flat segments, TR = TSS A (busy). */
static inline void pt_pmode(struct pt *t, int cpl)
{
    struct cpu *cpu = t->cpu;
    cpu->cr0 |= CR0_PE;
    cpu->eflags &= ~EF_VM;
    pt_seg(t, SEG_CS, cpl ? PT_CS3 : PT_CS0);
    for (int s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS)
            pt_seg(t, s, cpl ? PT_DS3 : PT_DS0);
    pt_gdt(t, PT_TSSA, pt_desc(PT_TSS_A, PT_TSS_A_LIMIT, DESC_P | 0xb));
    pt_seg(t, SEG_TR, PT_TSSA);
    cpu->cpl = cpl;
    cpu_update_modes(cpu);
    cpu->eip = 0x10000;
    cpu->gpr[R_ESP] = cpl ? 0x9000 : 0x8000;
}

static inline struct pt *pt_create(void)
{
    struct pt *t = calloc(1, sizeof *t);
    t->ram = calloc(1, PT_RAM);
    t->mem = memmap_create();
    memmap_add_ram(t->mem, 0, PT_RAM, t->ram, false);
    t->io = ioport_create();
    t->cpu = cpu_create(t->mem, t->io);
    struct cpu *cpu = t->cpu;
    cpu_set_eflags(cpu, EF_FIXED1, 0xffffffffu);
    cpu->gdtr = (struct dtr){.base = PT_GDT, .limit = 64 * 8 - 1};
    cpu->idtr = (struct dtr){.base = PT_IDT, .limit = 256 * 8 - 1};
    pt_gdt(t, PT_CS0, pt_desc(0, 0xfffff, PT_CODE32));
    pt_gdt(t, PT_DS0, pt_desc(0, 0xfffff, PT_DATA32));
    pt_gdt(t, PT_CS3, pt_desc(0, 0xfffff, PT_CODE32 | PT_DPL(3)));
    pt_gdt(t, PT_DS3, pt_desc(0, 0xfffff, PT_DATA32 | PT_DPL(3)));
    pt_gdt(t, PT_CS0C, pt_desc(0, 0xfffff, PT_CODE32 | 0x4));
    pt_gdt(t, PT_TSSB, pt_desc(PT_TSS_B, 0x67, DESC_P | 0x9));
    pt_gdt(t, PT_LDTSEL, pt_desc(PT_LDT, 0xff, DESC_P | 0x2));
    pt_gdt(t, PT_TSS16SEL, pt_desc(PT_TSS16, 0x2b, DESC_P | 0x1));
    /* TSS A: ring-0 stack 0x10:0x7000, I/O bitmap base 0x88. */
    pt_wr(t, PT_TSS_A + 4, 0x7000, 4);
    pt_wr(t, PT_TSS_A + 8, PT_DS0, 2);
    pt_wr(t, PT_TSS_A + 0x66, 0x88, 2);
    return t;
}

static inline void pt_destroy(struct pt *t)
{
    cpu_destroy(t->cpu);
    ioport_destroy(t->io);
    memmap_destroy(t->mem);
    free(t->ram);
    free(t);
}

/* Run `stmt` as the body of an instruction: the state a fault restores is
 * taken first; evaluates to PT_OK or the vector raised (error code in
 * cpu->exc_error). */
#define PT_TRY(t, stmt)                                                                  \
    __extension__({                                                                      \
        volatile int pt_r_ = PT_OK;                                                      \
        cpu_commit((t)->cpu);                                                            \
        (t)->cpu->exc_depth = 0;                                                         \
        if (setjmp((t)->cpu->exc_jmp) == 0) {                                            \
            stmt;                                                                        \
        } else {                                                                         \
            pt_r_ = (t)->cpu->exc_vector;                                                \
        }                                                                                \
        pt_r_;                                                                           \
    })

/* Expect `stmt` to raise `vec` with error code `err`. */
#define PT_FAULT(t, stmt, vec, err)                                                      \
    do {                                                                                 \
        int pt_v_ = PT_TRY(t, stmt);                                                     \
        ck_assert_int_eq(pt_v_, vec);                                                    \
        ck_assert_uint_eq((t)->cpu->exc_error, err);                                     \
    } while (0)

#define pt_run_suite test_run_suite

#endif
