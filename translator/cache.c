/* The translator's block cache: the arena (flushed whole when full), the
 * hash table by (physical address, EIP, mode, CS), the per-page lists that
 * code-page writes walk to void blocks and unchain them, and the engine's
 * life cycle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmu/memmap.h"
#include "mmu/tlb.h"
#include "translator/tr_priv.h"

static uint32_t hash_index(uint64_t phys, uint32_t eip)
{
    uint64_t h = phys ^ (phys >> TR_HASH_BITS) ^ ((uint64_t)(eip & ~0xfffu) * 0x9e3779b1u);
    return (uint32_t)h & ((1u << TR_HASH_BITS) - 1);
}
static uint32_t page_index(uint64_t phys)
{
    uint64_t p = phys >> 12;
    return (uint32_t)(p ^ (p >> TR_PAGE_BITS)) & ((1u << TR_PAGE_BITS) - 1);
}
static uint32_t smc_index(uint64_t phys)
{
    uint64_t p = phys >> 12;
    return (uint32_t)(p ^ (p >> TR_SMC_BITS)) & ((1u << TR_SMC_BITS) - 1);
}

/* --- arena --- */

void *tr_data_alloc(struct tr_engine *tr, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (tr->data_size - tr->data_used < size)
        return NULL;
    void *p = tr->data + tr->data_used;
    tr->data_used += size;
    return p;
}

void *tr_code_alloc(struct tr_engine *tr, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (tr->code_size - tr->code_used < size)
        return NULL;
    void *p = tr->code_mem + tr->code_used;
    tr->code_used += size;
    return p;
}

void *tr_code_reserve(struct tr_engine *tr, size_t min, size_t *avail)
{
    size_t room = tr->code_size - tr->code_used;
    if (room < min)
        return NULL;
    *avail = room;
    return tr->code_mem + tr->code_used;
}

void tr_code_commit(struct tr_engine *tr, size_t used)
{
    used = (used + 15) & ~(size_t)15;
    if (used > tr->code_size - tr->code_used)
        used = tr->code_size - tr->code_used;
    tr->code_used += used;
}

/* --- lookup --- */

struct tr_block *tr_hash_find(struct tr_engine *tr, uint64_t phys, uint32_t eip, uint32_t mode,
                              uint32_t cs_base, uint32_t cs_limit)
{
    for (struct tr_block *b = tr->hash[hash_index(phys, eip)]; b; b = b->hash_next)
        if (b->phys == phys && b->eip == eip && b->mode == mode && b->cs_base == cs_base &&
            b->cs_limit == cs_limit)
            return b;
    return NULL;
}

void tr_insert(struct tr_engine *tr, struct tr_block *b)
{
    struct tr_block **h = &tr->hash[hash_index(b->phys, b->eip)];
    b->hash_next = *h;
    *h = b;
    struct tr_block **p = &tr->pages[page_index(b->phys)];
    b->page_next = *p;
    *p = b;
    tr->stats.live_blocks++;
}

bool tr_page_hot(const struct tr_engine *tr, uint64_t phys)
{
    return tr->smc[smc_index(phys)] >= TR_SMC_HOT;
}

/* --- chaining --- */

/* Slot s now leads to `to` (its list of incoming slots). */
static void attach(struct tr_engine *tr, struct tr_slot *s, struct tr_block *to)
{
    s->to = to;
    s->next_in = to->in_head;
    to->in_head = s;
    tr->stats.chained++;
}

void tr_link(struct tr_engine *tr, struct tr_block *from, int slot, struct tr_block *to)
{
    struct tr_slot *s = &from->slot[slot];
    if (s->to)
        return;
    attach(tr, s, to);
    tr->ops->link(tr->be, from, slot, to);
}

bool tr_link_page(struct tr_engine *tr, struct tr_block *from, int slot, struct tr_block *to)
{
    struct tr_slot *s = &from->slot[slot];
    if (!tr->ops->link_page)
        return false;
    if (s->to) { /* the old successor's page maps elsewhere now */
        for (struct tr_slot **p = &s->to->in_head; *p; p = &(*p)->next_in)
            if (*p == s) {
                *p = s->next_in;
                break;
            }
        tr->ops->unlink(tr->be, from, slot);
        s->to = NULL;
        tr->stats.unlinked++;
    }
    if (!tr->ops->link_page(tr->be, from, slot, to))
        return false;
    attach(tr, s, to);
    return true;
}

/* Void a block: no lookup finds it and no chain leads to it any more. Its
 * memory stays until the next flush (it may be running right now). */
static void invalidate(struct tr_engine *tr, struct tr_block *b)
{
    b->valid = false;
    for (struct tr_block **h = &tr->hash[hash_index(b->phys, b->eip)]; *h; h = &(*h)->hash_next)
        if (*h == b) {
            *h = b->hash_next;
            break;
        }
    for (struct tr_slot *s = b->in_head; s; s = s->next_in) {
        tr->ops->unlink(tr->be, s->from, s->idx);
        s->to = NULL;
        tr->stats.unlinked++;
    }
    b->in_head = NULL;
    tr->stats.invalidated++;
    tr->stats.live_blocks--;
}

void tr_drop(struct tr_engine *tr, struct tr_block *b)
{
    for (struct tr_block **p = &tr->pages[page_index(b->phys)]; *p; p = &(*p)->page_next)
        if (*p == b) {
            *p = b->page_next;
            break;
        }
    invalidate(tr, b);
}

/* [addr, addr+len) of one page was written over code (mmu/codepages.h):
 * void exactly the blocks whose bytes it overlaps. The page's marks were
 * cleared, so the blocks that stay mark their bytes again. */
static void code_written(struct tr_engine *tr, uint64_t addr, uint32_t len)
{
    uint64_t page = addr & ~0xfffull;
    bool had = false;
    struct tr_block **p = &tr->pages[page_index(page)];
    while (*p) {
        struct tr_block *b = *p;
        if ((b->phys & ~0xfffull) == page && b->phys < addr + len && addr < b->phys + b->bytes) {
            *p = b->page_next;
            invalidate(tr, b);
            had = true;
        } else {
            p = &b->page_next;
        }
    }
    for (struct tr_block *b = tr->pages[page_index(page)]; b; b = b->page_next)
        if ((b->phys & ~0xfffull) == page)
            codepage_mark(tr->code, b->phys, b->bytes);
    if (had) {
        uint8_t *c = &tr->smc[smc_index(page)];
        if (*c < 255 && ++*c == TR_SMC_HOT)
            tr->stats.hot_pages++;
        /* The block running now may be among them (code patching the next
         * instruction): leave it after the current instruction. */
        tr->cpu->exec_break = 1;
    }
}

void tr_flush(struct tr_engine *tr)
{
    if (tr->perf_map && tr->code_mmapped && tr->code_used) {
        /* Profiling: perf cannot tell two blocks at one address apart, so
         * the arena is never reused (the old one is left mapped). */
        void *p = mmap(NULL, tr->code_size, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED)
            tr->code_mem = p;
    }
    memset(tr->hash, 0, sizeof tr->hash);
    memset(tr->pages, 0, sizeof tr->pages);
    memset(tr->smc, 0, sizeof tr->smc);
    tr->data_used = 0;
    tr->code_used = 0;
    tr->flush_pending = false;
    tr->flush_gen++;
    tr->stats.flushes++;
    tr->stats.live_blocks = 0;
    tr->ops->flush(tr->be);
}

static void listener(void *opaque, enum codepage_event ev, uint64_t addr, uint32_t len)
{
    struct tr_engine *tr = opaque;
    switch (ev) {
    case CODEPAGE_MARKED:
        /* The icache protects the TLB for both when it exists. */
        if (!tr->cpu->icache)
            tlb_protect_code_page(tr->cpu, addr);
        break;
    case CODEPAGE_WRITTEN: code_written(tr, addr, len); break;
    case CODEPAGE_ALL:
        /* May come in the middle of a block (a chipset register write
         * remapping memory): flush at the next lookup. */
        tr->flush_pending = true;
        tr->cpu->exec_break = 1;
        break;
    }
}

/* --- life cycle --- */

static void engine_reset(void *opaque)
{
    struct tr_engine *tr = opaque;
    tr->flush_pending = true; /* RAM may have been rewritten behind the tracking */
    tr->cpu->exec_break = 1;
}

static void engine_destroy(void *opaque)
{
    struct tr_engine *tr = opaque;
    if (!tr)
        return;
    if (tr->fastmem) {
        if (getenv("VX86_TR_STATS"))
            fprintf(stderr,
                    "vx86: fastmem: %llu pages mapped, %llu host faults, %llu times emptied, "
                    "%llu accesses made jumps to their slow path\n",
                    (unsigned long long)tr->fastmem->maps, (unsigned long long)tr->fastmem->faults,
                    (unsigned long long)tr->fastmem->resets,
                    (unsigned long long)tr->fastmem->patched);
        if (tr->cpu->fastmem == tr->fastmem)
            tr->cpu->fastmem = NULL;
        fastmem_destroy(tr->fastmem);
    }
    if (getenv("VX86_TR_STATS")) { /* the counters, for tuning */
        const struct tr_stats *s = &tr->stats;
        fprintf(stderr,
                "vx86: translator: %llu blocks built, %llu lookups, %llu chained, %llu chain "
                "follows, %llu invalidated, %llu unlinked, %llu page guard misses, %llu "
                "flushes, %llu fallbacks, %llu hot pages\n",
                (unsigned long long)s->blocks_built, (unsigned long long)s->lookups,
                (unsigned long long)s->chained, (unsigned long long)s->chain_follows,
                (unsigned long long)s->invalidated, (unsigned long long)s->unlinked,
                (unsigned long long)s->guard_misses,
                (unsigned long long)s->flushes, (unsigned long long)s->fallbacks,
                (unsigned long long)s->hot_pages);
    }
    codepages_unlisten(tr->code, listener, tr);
    if (tr->perf_map)
        fclose(tr->perf_map);
    if (tr->be)
        tr->ops->destroy(tr->be);
    if (tr->code_mmapped)
        munmap(tr->code_mem, tr->code_size);
    else
        free(tr->code_mem);
    free(tr->data);
    free(tr);
}

struct cpu_engine *tr_engine_create(struct cpu *cpu, const struct tr_backend *backend,
                                    size_t data_arena, size_t code_arena)
{
    if (!cpu->mem || !backend)
        return NULL;
    struct tr_engine *tr = calloc(1, sizeof *tr);
    if (!tr)
        return NULL;
    tr->cpu = cpu;
    tr->code = memmap_codepages(cpu->mem);
    tr->ops = backend;
    tr->data_size = data_arena ? data_arena : TR_DATA_ARENA;
    tr->code_size = code_arena ? code_arena : TR_CODE_ARENA;
    tr->data = malloc(tr->data_size);
    if (backend->exec_memory) {
        void *p = mmap(NULL, tr->code_size, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        tr->code_mem = p == MAP_FAILED ? NULL : p;
        tr->code_mmapped = tr->code_mem != NULL;
    } else {
        tr->code_mem = malloc(tr->code_size);
    }
    if (!tr->data || !tr->code_mem || !(tr->be = backend->create(tr))) {
        engine_destroy(tr);
        return NULL;
    }
    if (backend->exec_memory && getenv("VX86_PERF_MAP")) {
        /* Linux perf's JIT symbol file: `perf report` names each block's
         * code vx86:CS_BASE:EIP */
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
        tr->perf_map = fopen(path, "w");
        if (tr->perf_map)
            setvbuf(tr->perf_map, NULL, _IOLBF, 0);
    }
    tr->engine = (struct cpu_engine){
        .run = tr_run,
        .reset = engine_reset,
        .destroy = engine_destroy,
        .name = backend->name,
        .opaque = tr,
    };
    codepages_listen(tr->code, listener, tr);
    tr_flush(tr);
    tr->stats.flushes = 0;
    return &tr->engine;
}

struct tr_engine *tr_of_cpu(const struct cpu *cpu)
{
    if (!cpu->engine || cpu->engine->run != tr_run)
        return NULL;
    return cpu->engine->opaque;
}

void tr_get_stats(const struct tr_engine *tr, struct tr_stats *out)
{
    *out = tr->stats;
}

void tr_set_one_block(struct tr_engine *tr, bool on)
{
    tr->one_block = on;
}

bool tr_last_block(const struct tr_engine *tr, uint32_t *eip, uint32_t *n)
{
    if (!tr->last_valid)
        return false;
    *eip = tr->last_eip;
    *n = tr->last_n;
    return true;
}

unsigned tr_blocks_on_page(const struct tr_engine *tr, uint64_t phys)
{
    unsigned n = 0;
    for (const struct tr_block *b = tr->pages[page_index(phys)]; b; b = b->page_next)
        if ((b->phys & ~0xfffull) == (phys & ~0xfffull) && b->valid)
            n++;
    return n;
}

bool tr_block_chained(const struct tr_engine *tr, uint64_t phys, int slot)
{
    for (const struct tr_block *b = tr->pages[page_index(phys)]; b; b = b->page_next)
        if (b->phys == phys && b->valid && b->slot[slot].to)
            return true;
    return false;
}

bool tr_use_fastmem(struct cpu_engine *e)
{
    struct tr_engine *tr = e && e->run == tr_run ? e->opaque : NULL;
    if (!tr || !tr->ops->fastmem || tr->fastmem || tr->cpu->fastmem)
        return false;
    tr->fastmem = fastmem_create(tr->cpu->mem);
    tr->cpu->fastmem = tr->fastmem;
    return tr->fastmem != NULL;
}
