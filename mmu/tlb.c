/* The soft TLB: refill after a walk, and invalidation on CR3/CR0/CR4
 * writes, INVLPG, memory-map changes and A20 toggles. */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "mmu/codepages.h"
#include "mmu/fastmem.h"
#include "mmu/memmap.h"
#include "mmu/tlb.h"

static void invalidate(struct tlb *t, struct tlb_entry *e)
{
    if (e->flags & TLB_LARGE)
        t->nlarge--;
    e->tag[0] = e->tag[1] = e->tag[2] = TLB_INVALID;
    e->flags = 0;
}

void mmu_flush_all_global(struct cpu *cpu)
{
    struct tlb *t = &cpu->tlb;
    for (int u = 0; u < 2; u++)
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            struct tlb_entry *e = &t->e[u][i];
            e->tag[0] = e->tag[1] = e->tag[2] = TLB_INVALID;
            e->flags = 0;
        }
    static const uint64_t no_map_gen; /* constant: for a CPU without a memory map */
    t->nlarge = 0;
    t->nfill = 0;
    t->mem_gen_ptr = cpu->mem ? memmap_generation_ptr(cpu->mem) : &no_map_gen;
    t->mem_gen = *t->mem_gen_ptr;
    t->a20_mask = cpu->a20_mask;
    t->gen++;
    if (cpu->fastmem)
        fastmem_deactivate(cpu->fastmem, cpu->icount);
    cpu->exec_break = 1; /* translations changed under the running trace */
}

void mmu_flush_all(struct cpu *cpu)
{
    struct tlb *t = &cpu->tlb;
    struct tlb_entry *all = &t->e[0][0];
    if (t->nfill <= TLB_FILL_LOG) {
        /* An entry logged and since refilled global is kept, as it should. */
        for (uint32_t k = 0; k < t->nfill; k++)
            if (!(all[t->fill_log[k]].flags & TLB_GLOBAL))
                invalidate(t, &all[t->fill_log[k]]);
    } else {
        for (unsigned i = 0; i < 2 * TLB_SIZE; i++)
            if (!(all[i].flags & TLB_GLOBAL))
                invalidate(t, &all[i]);
    }
    t->nfill = 0;
    t->gen++;
    if (cpu->fastmem)
        fastmem_deactivate(cpu->fastmem, cpu->icount);
    cpu->exec_break = 1;
}

void mmu_flush_page(struct cpu *cpu, uint32_t lin)
{
    struct tlb *t = &cpu->tlb;
    if (cpu->fastmem)
        fastmem_flush_page(cpu->fastmem, lin, t->nlarge != 0);
    /* INVLPG drops the page's translation, global or not (SDM Vol. 2 INVLPG).
     * Entries cut from a large page may translate other addresses of it:
     * drop them all (a TLB may always forget more than asked). */
    for (int u = 0; u < 2; u++) {
        invalidate(t, &t->e[u][(lin >> 12) & (TLB_SIZE - 1)]);
        if (t->nlarge)
            for (unsigned i = 0; i < TLB_SIZE; i++)
                if (t->e[u][i].flags & TLB_LARGE)
                    invalidate(t, &t->e[u][i]);
    }
    t->gen++;
    cpu->exec_break = 1;
}

void tlb_protect_code_page(struct cpu *cpu, uint64_t page)
{
    if (cpu->fastmem)
        fastmem_protect(cpu->fastmem, memmap_page_ptr(cpu->mem, page, false));
    for (int u = 0; u < 2; u++)
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            struct tlb_entry *e = &cpu->tlb.e[u][i];
            if (e->phys == page && !(e->tag[ACC_WRITE] & TLB_INVALID))
                e->tag[ACC_WRITE] |= TLB_SLOW;
        }
}

void tlb_check_stale(struct cpu *cpu)
{
    if (tlb_is_stale(&cpu->tlb, cpu->a20_mask))
        mmu_flush_all_global(cpu);
}

/* Refill the entry for `lin` from a successful translation. */
static struct tlb_entry *fill(struct cpu *cpu, uint32_t lin, int acc, const struct mmu_walk *w)
{
    struct tlb *t = &cpu->tlb;
    bool user = tlb_is_user(cpu->cpl, acc);
    uint32_t page = lin & TLB_PAGE_MASK;
    uint64_t phys = w->phys & ((uint64_t)cpu->a20_mask | ~0xffffffffull);
    uint32_t perms = user ? w->perms >> MMU_USER_SHIFT : w->perms;
    uint8_t *hr = memmap_page_ptr(cpu->mem, phys, false);
    uint8_t *hw = hr ? memmap_page_ptr(cpu->mem, phys, true) : NULL;
    struct tlb_entry *e = &t->e[user][(lin >> 12) & (TLB_SIZE - 1)];

    invalidate(t, e);
    e->tag[ACC_READ] = perms & MMU_PERM_R ? page | (hr ? 0 : TLB_SLOW) : TLB_INVALID;
    /* Writes to a page holding cached code go the slow way, which reports them. */
    struct codepages *code = memmap_codepages(cpu->mem);
    bool direct = hw && !codepage_is_marked(code, phys) && !cpu->watch; /* the checker logs writes */
    if (direct && (perms & MMU_PERM_W))
        codepage_mapped_fast(code, phys);
    e->tag[ACC_WRITE] = perms & MMU_PERM_W ? page | (direct ? 0 : TLB_SLOW) : TLB_INVALID;
    e->tag[ACC_EXEC] = perms & MMU_PERM_X ? page | (hr ? 0 : TLB_SLOW) : TLB_INVALID;
    e->addend = hr ? (uintptr_t)hr - page : 0;
    e->phys = phys;
    e->flags = (w->global ? TLB_GLOBAL : 0) | (w->large ? TLB_LARGE : 0) | (hw ? TLB_RAMW : 0);
    if (w->large)
        t->nlarge++;
    /* The region mirrors the user table's RAM pages (mmu/fastmem.h). */
    if (user && cpu->fastmem && e->tag[ACC_READ] == page)
        fastmem_map(cpu->fastmem, page, hr, e->tag[ACC_WRITE] == page);
    _Static_assert(2 * TLB_SIZE <= 65536, "fill_log holds an entry's index in 16 bits");
    if (!w->global && t->nfill <= TLB_FILL_LOG) { /* stops one past: "overflowed" */
        if (t->nfill < TLB_FILL_LOG)
            t->fill_log[t->nfill] = (uint16_t)(e - &t->e[0][0]);
        t->nfill++;
    }
    return e;
}

static inline struct tlb_entry *lookup(struct cpu *cpu, uint32_t lin, int acc)
{
    struct tlb_entry *e =
        &cpu->tlb.e[tlb_is_user(cpu->cpl, acc)][(lin >> 12) & (TLB_SIZE - 1)];
    return (e->tag[acc & 3] & ~TLB_SLOW) == (lin & TLB_PAGE_MASK) ? e : NULL;
}

static const struct mmu_walk identity_all = {
    .perms = (MMU_PERM_R | MMU_PERM_W | MMU_PERM_X) * (1 | 1 << MMU_USER_SHIFT)};

struct tlb_entry *tlb_get(struct cpu *cpu, uint32_t lin, int acc)
{
    struct tlb_entry *e = lookup(cpu, lin, acc);
    if (e)
        return e;
    struct mmu_walk w = identity_all;
    if (cpu->cr0 & CR0_PG) {
        uint32_t r = mmu_walk(cpu, lin, acc, &w, true);
        if (r & MMU_FAULT)
            mmu_page_fault(cpu, lin, r);
    } else {
        w.phys = lin & TLB_PAGE_MASK;
    }
    return fill(cpu, lin, acc, &w);
}

struct tlb_entry *tlb_try_get(struct cpu *cpu, uint32_t lin, int acc)
{
    struct tlb_entry *e = lookup(cpu, lin, acc);
    if (e)
        return e;
    if (cpu->cr0 & CR0_PG) {
        struct mmu_walk w;
        if (mmu_walk(cpu, lin, acc, &w, false) & MMU_FAULT)
            return NULL;
    }
    return tlb_get(cpu, lin, acc);
}

enum tlb_fm_fault tlb_fastmem_fault(struct cpu *cpu, uint32_t lin, bool write)
{
    struct fastmem *fm = cpu->fastmem;
    const struct tlb_entry *e = &cpu->tlb.e[TLB_USER][(lin >> 12) & (TLB_SIZE - 1)];
    uint32_t page = lin & TLB_PAGE_MASK;
    int acc = write ? ACC_WRITE : ACC_READ;
    fm->faults++;
    if (tlb_is_stale(&cpu->tlb, cpu->a20_mask))
        return TLB_FM_SLOW;
    bool walked = false;
    if (e->tag[ACC_READ] != page || (write && e->tag[ACC_WRITE] != page)) {
        /* Not in the TLB for this access: walk (no fault: a guest #PF, a
         * page the guest's kernel has yet to give the process, is the slow
         * path's), which maps the page through fill(). So pages touched
         * for the first time do not count against the access
         * (backend_x64.c turns sites that keep being refused into jumps). */
        if (!tlb_try_get(cpu, lin, acc))
            return TLB_FM_SLOW;
        if (e->tag[ACC_READ] != page || (write && e->tag[ACC_WRITE] != page))
            return TLB_FM_REFUSED; /* (an entry for the slow path: MMIO, ROM, code) */
        walked = true;
    }
    const uint8_t *host = (const uint8_t *)(uintptr_t)(page + e->addend);
    bool writable = e->tag[ACC_WRITE] == page;
    if (fastmem_mapped(fm, page, host, writable))
        /* mapped so before the fault, it would fault again */
        return walked ? TLB_FM_MAPPED : TLB_FM_REFUSED;
    return !walked && fastmem_map(fm, page, host, writable) ? TLB_FM_MAPPED : TLB_FM_REFUSED;
}
