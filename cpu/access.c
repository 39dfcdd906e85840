/* Memory as instructions see it: segment checks (SDM Vol. 3A, 5.3-5.4),
 * alignment check, data breakpoints, then the soft TLB (mmu/tlb.h), whose
 * RAM hits are one compare and one add. Instruction fetch and the stack. */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/mem.h"
#include "mmu/codepages.h"
#include "mmu/memmap.h"
#include "mmu/tlb.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define NOINLINE __attribute__((noinline)) /* keep slow paths out of the fast ones */

/* Segment faults are #SS(0) through SS and #GP(0) otherwise (SDM 5.3). */
static _Noreturn void seg_fault(struct cpu *cpu, int seg)
{
    cpu_exception(cpu, seg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

/* The type checks of a data access through a segment with cache flags `f`
 * (protected mode only): false when it faults. A null selector leaves the
 * cache invalid (P clear); code is never writable and readable only with
 * R; data is writable only with W. */
static inline bool seg_type_ok(const struct cpu *cpu, uint32_t f, bool write)
{
    if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & EF_VM))
        return true;
    if (!(f & DESC_P))
        return false;
    if (f & 0x8)
        return !write && (f & 0x2);
    return !write || (f & 0x2);
}

/* Linear address of seg:off for an access of `size` bytes, after the type
 * and limit checks. Type checks apply in protected mode only; limits come
 * from the cache in every mode, so real mode has the 286+ wrap fault (a word
 * at offset 0xFFFF is #GP/#SS) and "unreal" caches keep their large limit. */
static inline uint32_t seg_lin(struct cpu *cpu, int seg, uint32_t off, int size, bool write)
{
    const struct seg_cache *s = &cpu->seg[seg];
    uint32_t f = s->flags;
    if (unlikely(!seg_type_ok(cpu, f, write)))
        seg_fault(cpu, seg);
    uint32_t last = off + (uint32_t)size - 1;
    if (unlikely((f & 0xc) == 0x4)) {
        /* Expand-down data: valid offsets are limit+1 .. 0xFFFF, or .. 4G-1
         * with the B bit (SDM Vol. 3A, 5.3). */
        uint32_t upper = (f & DESC_DB) ? 0xffffffffu : 0xffffu;
        if (off <= s->limit || last > upper || last < off)
            seg_fault(cpu, seg);
    } else if (s->limit != 0xffffffffu) {
        if (unlikely(last > s->limit || last < off))
            seg_fault(cpu, seg);
    }
    return s->base + off;
}

/* #AC: CR0.AM, EFLAGS.AC, CPL 3 and a misaligned data access (SDM 6.15). */
static inline void check_ac(struct cpu *cpu, uint32_t lin, int size)
{
    if (unlikely(lin & (size - 1)) && (cpu->cr0 & CR0_AM) && (cpu->eflags & EF_AC) &&
        cpu->cpl == 3)
        cpu_exception(cpu, EXC_AC, 0);
}

static inline void data_bp(struct cpu *cpu, uint32_t lin, int size, bool write)
{
    if (unlikely(cpu->dr[7] & 0xff))
        cpu_debug_data_access(cpu, lin, size, write);
}

static inline uint64_t host_load(const uint8_t *p, int size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void host_store(uint8_t *p, uint64_t v, int size)
{
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static inline uint8_t *host_of(const struct tlb_entry *e, uint32_t lin)
{
    return (uint8_t *)(uintptr_t)(lin + e->addend);
}

static inline struct tlb_entry *entry_for(struct cpu *cpu, uint32_t lin, int acc)
{
    return &cpu->tlb.e[tlb_is_user(cpu->cpl, acc)][(lin >> 12) & (TLB_SIZE - 1)];
}

/* ---- linear accesses: TLB hit inline, everything else out of line ---- */

static NOINLINE uint64_t read_slow(struct cpu *cpu, uint32_t lin, int size, int acc)
{
    uint32_t off = lin & 0xfff;
    if (off + size <= 0x1000) {
        struct tlb_entry *e = tlb_get(cpu, lin, acc);
        if (!(e->tag[ACC_READ] & TLB_SLOW))
            return host_load(host_of(e, lin), size);
        cpu->exec_break = 1; /* MMIO: the device may want the run loop's attention */
        if (unlikely(cpu->watch))
            cpu->watch->device(cpu);
        return memmap_read(cpu->mem, e->phys | off, size);
    }
    /* Crossing a page: both translations (and their faults) come first. */
    uint32_t n1 = 0x1000 - off;
    struct tlb_entry *e1 = tlb_get(cpu, lin, acc);
    uint64_t p1 = e1->phys | off;
    const uint8_t *h1 = (e1->tag[ACC_READ] & TLB_SLOW) ? NULL : host_of(e1, lin);
    struct tlb_entry *e2 = tlb_get(cpu, lin + n1, acc);
    uint64_t p2 = e2->phys;
    if (h1 && !(e2->tag[ACC_READ] & TLB_SLOW)) { /* RAM on both sides */
        const uint8_t *h2 = host_of(e2, lin + n1);
        uint64_t v = 0;
        for (int i = 0; i < size; i++)
            v |= (uint64_t)((uint32_t)i < n1 ? h1[i] : h2[i - (int)n1]) << (i * 8);
        return v;
    }
    if (unlikely(cpu->watch))
        cpu->watch->device(cpu);
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v |= memmap_read(cpu->mem, (uint32_t)i < n1 ? p1 + i : p2 + (i - n1), 1) << (i * 8);
    cpu->exec_break = 1;
    return v;
}

static NOINLINE void write_slow(struct cpu *cpu, uint32_t lin, uint64_t v, int size, int acc)
{
    uint32_t off = lin & 0xfff;
    if (off + size <= 0x1000) {
        struct tlb_entry *e = tlb_get(cpu, lin, acc);
        if (!(e->tag[ACC_WRITE] & TLB_SLOW)) {
            host_store(host_of(e, lin), v, size);
            return;
        }
        if (e->flags & TLB_RAMW) {
            /* RAM holding cached code: report the write, which drops the
             * code if the write overlaps it (and ends the running trace). */
            if (unlikely(cpu->watch))
                cpu->watch->ram_write(cpu, e->phys | off, host_of(e, lin), v, size);
            codepage_written(memmap_codepages(cpu->mem), e->phys | off, size);
            host_store(host_of(e, lin), v, size);
            return;
        }
        if (unlikely(cpu->watch))
            cpu->watch->device(cpu);
        memmap_write(cpu->mem, e->phys | off, v, size);
    } else {
        uint32_t n1 = 0x1000 - off;
        struct tlb_entry *e1 = tlb_get(cpu, lin, acc);
        uint64_t p1 = e1->phys | off;
        uint8_t *h1 = (e1->tag[ACC_WRITE] & TLB_SLOW) ? NULL : host_of(e1, lin);
        struct tlb_entry *e2 = tlb_get(cpu, lin + n1, acc);
        uint64_t p2 = e2->phys;
        if (h1 && !(e2->tag[ACC_WRITE] & TLB_SLOW)) { /* plain RAM on both sides */
            uint8_t *h2 = host_of(e2, lin + n1);
            for (uint32_t i = 0; i < (uint32_t)size; i++) {
                if (i < n1)
                    h1[i] = (uint8_t)(v >> (i * 8));
                else
                    h2[i - n1] = (uint8_t)(v >> (i * 8));
            }
            return;
        }
        if (unlikely(cpu->watch))
            cpu->watch->device(cpu);
        for (int i = 0; i < size; i++)
            memmap_write(cpu->mem, (uint32_t)i < n1 ? p1 + i : p2 + (i - n1),
                         (v >> (i * 8)) & 0xff, 1);
    }
    cpu->exec_break = 1;  /* a device may want the run loop's attention */
    tlb_check_stale(cpu); /* a device write may have remapped memory */
}

static inline uint64_t lin_read(struct cpu *cpu, uint32_t lin, int size, int acc)
{
    struct tlb_entry *e = entry_for(cpu, lin, acc);
    if (likely(e->tag[ACC_READ] == (lin & TLB_PAGE_MASK) && (lin & 0xfff) <= 0x1000u - size))
        return host_load(host_of(e, lin), size);
    return read_slow(cpu, lin, size, acc);
}

static inline void lin_write(struct cpu *cpu, uint32_t lin, uint64_t v, int size, int acc)
{
    struct tlb_entry *e = entry_for(cpu, lin, acc);
    if (likely(e->tag[ACC_WRITE] == (lin & TLB_PAGE_MASK) && (lin & 0xfff) <= 0x1000u - size))
        host_store(host_of(e, lin), v, size);
    else
        write_slow(cpu, lin, v, size, acc);
}

/* Translate every page of [lin, lin+size) for `acc`, raising its fault. */
static void lin_check(struct cpu *cpu, uint32_t lin, int size, int acc)
{
    tlb_get(cpu, lin, acc);
    uint32_t off = lin & 0xfff;
    if (off + size > 0x1000)
        tlb_get(cpu, lin + (0x1000 - off), acc);
}

/* ---- segmented data accesses ---- */

uint8_t *cpu_ram_span(struct cpu *cpu, int seg, uint32_t off, uint32_t n, int acc)
{
    const struct seg_cache *s = &cpu->seg[seg];
    if (s->limit != 0xffffffffu || (s->flags & 0xc) == 0x4 || n == 0 || off + (n - 1) < off ||
        (cpu->dr[7] & 0xff) || cpu->watch ||
        ((cpu->cr0 & CR0_AM) && (cpu->eflags & EF_AC) && cpu->cpl == 3) ||
        !seg_type_ok(cpu, s->flags, acc == ACC_WRITE))
        return NULL;
    uint32_t lin = s->base + off;
    struct tlb_entry *e = entry_for(cpu, lin, acc);
    if ((lin & 0xfff) + n > 0x1000 || tlb_is_stale(&cpu->tlb, cpu->a20_mask) ||
        e->tag[acc] != (lin & TLB_PAGE_MASK))
        return NULL;
    return host_of(e, lin);
}

uint32_t cpu_read(struct cpu *cpu, int seg, uint32_t offset, int size)
{
    uint32_t lin = seg_lin(cpu, seg, offset, size, false);
    check_ac(cpu, lin, size);
    uint32_t v = (uint32_t)lin_read(cpu, lin, size, ACC_READ);
    data_bp(cpu, lin, size, false);
    return v;
}

void cpu_write(struct cpu *cpu, int seg, uint32_t offset, uint32_t value, int size)
{
    uint32_t lin = seg_lin(cpu, seg, offset, size, true);
    check_ac(cpu, lin, size);
    lin_write(cpu, lin, value, size, ACC_WRITE);
    data_bp(cpu, lin, size, true);
}

uint64_t cpu_read64(struct cpu *cpu, int seg, uint32_t offset)
{
    uint32_t lin = seg_lin(cpu, seg, offset, 8, false);
    check_ac(cpu, lin, 8);
    uint64_t v = lin_read(cpu, lin, 8, ACC_READ);
    data_bp(cpu, lin, 8, false);
    return v;
}

void cpu_write64(struct cpu *cpu, int seg, uint32_t offset, uint64_t value)
{
    uint32_t lin = seg_lin(cpu, seg, offset, 8, true);
    check_ac(cpu, lin, 8);
    lin_write(cpu, lin, value, 8, ACC_WRITE);
    data_bp(cpu, lin, 8, true);
}

void cpu_check_write(struct cpu *cpu, int seg, uint32_t offset, int size)
{
    uint32_t lin = seg_lin(cpu, seg, offset, size, true);
    check_ac(cpu, lin, size);
    lin_check(cpu, lin, size, ACC_WRITE);
}

void cpu_check_read(struct cpu *cpu, int seg, uint32_t offset, int size)
{
    uint32_t lin = seg_lin(cpu, seg, offset, size, false);
    check_ac(cpu, lin, size);
    lin_check(cpu, lin, size, ACC_READ);
}

/* ---- linear accesses (descriptor tables, TSS, IDT) ---- */

uint32_t cpu_read_lin(struct cpu *cpu, uint32_t lin, int size, int acc)
{
    acc &= ~3;
    if (!(acc & ACC_SYS))
        check_ac(cpu, lin, size);
    return (uint32_t)lin_read(cpu, lin, size, acc | ACC_READ);
}

void cpu_write_lin(struct cpu *cpu, uint32_t lin, uint32_t value, int size, int acc)
{
    acc &= ~3;
    if (!(acc & ACC_SYS))
        check_ac(cpu, lin, size);
    lin_write(cpu, lin, value, size, acc | ACC_WRITE);
}

/* ---- instruction fetch ---- */

static NOINLINE int fetch_slow(struct cpu *cpu, uint32_t lin, uint8_t *buf, int len)
{
    int n = 0;
    while (n < len) {
        uint32_t l = lin + n;
        struct tlb_entry *e = tlb_try_get(cpu, l, ACC_EXEC);
        if (!e)
            break;
        int chunk = 0x1000 - (l & 0xfff);
        if (chunk > len - n)
            chunk = len - n;
        if (!(e->tag[ACC_EXEC] & TLB_SLOW))
            memcpy(buf + n, host_of(e, l), chunk);
        else
            for (int i = 0; i < chunk; i++)
                buf[n + i] = (uint8_t)memmap_read(cpu->mem, e->phys | ((l & 0xfff) + i), 1);
        n += chunk;
    }
    return n;
}

int cpu_fetch(struct cpu *cpu, uint32_t eip, uint8_t *buf, int len)
{
    if (unlikely(tlb_is_stale(&cpu->tlb, cpu->a20_mask))) /* once per instruction */
        mmu_flush_all_global(cpu);
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    if (unlikely(eip > cs->limit) || len <= 0)
        return 0;
    if (unlikely(cs->limit - eip < (uint32_t)len - 1))
        len = cs->limit - eip + 1;
    uint32_t lin = cs->base + eip;
    struct tlb_entry *e = entry_for(cpu, lin, ACC_EXEC);
    if (likely(e->tag[ACC_EXEC] == (lin & TLB_PAGE_MASK) && (lin & 0xfff) + len <= 0x1000u)) {
        if (likely(len == 15))
            memcpy(buf, host_of(e, lin), 15); /* the run loop's case: a fixed-size copy */
        else
            memcpy(buf, host_of(e, lin), len);
        return len;
    }
    return fetch_slow(cpu, lin, buf, len);
}

_Noreturn void cpu_fetch_fault(struct cpu *cpu, uint32_t eip)
{
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    if (eip > cs->limit)
        cpu_exception(cpu, EXC_GP, 0);
    tlb_get(cpu, cs->base + eip, ACC_EXEC); /* raises the #PF */
    cpu_exception(cpu, EXC_GP, 0);          /* not reached: the byte is fetchable */
}

/* ---- stack ---- */

static inline uint32_t stack_wrap(const struct cpu *cpu, uint32_t v)
{
    return cpu->stack32 ? v : (uint16_t)v;
}

void cpu_push(struct cpu *cpu, uint32_t value, int size)
{
    uint32_t sp = stack_wrap(cpu, (uint32_t)cpu->gpr[R_ESP] - size);
    cpu_write(cpu, SEG_SS, sp, value, size);
    cpu_set_reg(cpu, R_ESP, cpu->stack32 ? 4 : 2, sp);
}

uint32_t cpu_pop(struct cpu *cpu, int size)
{
    uint32_t sp = stack_wrap(cpu, (uint32_t)cpu->gpr[R_ESP]);
    uint32_t v = cpu_read(cpu, SEG_SS, sp, size);
    cpu_set_reg(cpu, R_ESP, cpu->stack32 ? 4 : 2, sp + size);
    return v;
}

uint32_t cpu_stack_read(struct cpu *cpu, uint32_t offset, int size)
{
    return cpu_read(cpu, SEG_SS, stack_wrap(cpu, (uint32_t)cpu->gpr[R_ESP] + offset), size);
}
