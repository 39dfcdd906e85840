/* Internals shared by the translator core's files (cache.c, block.c,
 * dispatch.c, accel.c): the engine and its arena, hash tables and lookup. */
#ifndef VX86_TR_PRIV_H
#define VX86_TR_PRIV_H

#include <stdio.h>

#include "cpu/cpu.h"
#include "mmu/codepages.h"
#include "mmu/fastmem.h"
#include "translator/backend.h"
#include "translator/block.h"
#include "translator/translator.h"

#define TR_HASH_BITS 17 /* block hash: by physical address and EIP */
#define TR_PAGE_BITS 12 /* page lists: blocks by physical page */
#define TR_SMC_BITS  12 /* write counters by physical page (hashed) */
/* A page whose blocks were voided this many times since the last flush is
 * left to the interpreter's decoded-instruction cache (code and data that
 * keep sharing a 64-byte chunk, or code that rewrites itself in a loop). */
#define TR_SMC_HOT   16

struct tr_engine {
    struct cpu *cpu;
    struct codepages *code;
    const struct tr_backend *ops;
    void *be;                 /* the backend's state */
    struct cpu_engine engine; /* what the CPU holds (opaque = this) */

    /* arena: block headers and decoded instructions, then backend code */
    uint8_t *data;
    size_t data_size, data_used;
    uint8_t *code_mem;
    size_t code_size, code_used;
    bool code_mmapped;

    struct tr_block *hash[1u << TR_HASH_BITS];
    struct tr_block *pages[1u << TR_PAGE_BITS];
    uint8_t smc[1u << TR_SMC_BITS];
    bool flush_pending; /* the memory map changed: flush before the next lookup */
    uint64_t flush_gen; /* bumped by each flush (blocks from before are gone) */

    bool one_block; /* lockstep checking: one block per run */
    bool last_valid;
    uint32_t last_eip, last_n;

    struct fastmem *fastmem; /* tr_use_fastmem: the CPU's region, owned here */

    struct tr_stats stats;
    FILE *perf_map; /* $VX86_PERF_MAP: /tmp/perf-PID.map for Linux perf */
};

/* --- cache.c --- */
void tr_flush(struct tr_engine *tr);
void *tr_data_alloc(struct tr_engine *tr, size_t size);
struct tr_block *tr_hash_find(struct tr_engine *tr, uint64_t phys, uint32_t eip, uint32_t mode,
                              uint32_t cs_base, uint32_t cs_limit);
void tr_insert(struct tr_engine *tr, struct tr_block *b);
/* Void one block found stale (a page-crossing block whose bytes changed). */
void tr_drop(struct tr_engine *tr, struct tr_block *b);
bool tr_page_hot(const struct tr_engine *tr, uint64_t phys);
void tr_link(struct tr_engine *tr, struct tr_block *from, int slot, struct tr_block *to);
/* The same for a successor on another linear page (backend.h, link_page),
 * first unchaining the slot from an old successor; false when the backend
 * cannot. */
bool tr_link_page(struct tr_engine *tr, struct tr_block *from, int slot, struct tr_block *to);
void tr_cache_init(struct tr_engine *tr);
void tr_cache_fini(struct tr_engine *tr);

/* --- block.c --- */
/* Decode and translate the block at CS:EIP = physical `phys`, whose bytes
 * are readable from `host` to the end of the page. NULL: nothing can be
 * built there (the interpreter runs it). May flush the cache when full. */
struct tr_block *tr_block_build(struct tr_engine *tr, uint64_t phys, const uint8_t *host);
/* The `len` bytes of code at linear `lin` (on the page `host` maps) and the
 * next page, through the TLB's execute entries; false when the next page
 * cannot be fetched from RAM/ROM without a walk that may fault. */
bool tr_cross_fetch(struct cpu *cpu, uint32_t lin, const uint8_t *host, uint8_t *buf, int len);

/* --- dispatch.c --- */
/* A flat data segment (TR_MODE_FLAT): base 0, limit 4 GiB, present,
 * writable, expand-up data (type 001x with S). */
static inline bool tr_seg_flat(const struct seg_cache *s)
{
    return s->base == 0 && s->limit == 0xffffffffu &&
           (s->flags & (DESC_P | DESC_S | 0xe)) == (DESC_P | DESC_S | 0x2);
}

/* The mode bits a block is keyed by (TR_MODE_*, translator/block.h). */
static inline uint32_t tr_mode(const struct cpu *cpu)
{
    uint32_t m = (uint32_t)cpu->code32 | (uint32_t)cpu->stack32 << 1 |
                 (uint32_t)cpu->cpl << TR_MODE_CPL_SHIFT;
    if (cpu->cr0 & CR0_PE)
        m |= TR_MODE_PE;
    if (cpu->eflags & EF_VM)
        m |= TR_MODE_VM;
    else if ((cpu->cr0 & CR0_PE) && tr_seg_flat(&cpu->seg[SEG_DS]) &&
             tr_seg_flat(&cpu->seg[SEG_ES]) && tr_seg_flat(&cpu->seg[SEG_SS]))
        m |= TR_MODE_FLAT;
    if (cpu->cr0 & CR0_PG)
        m |= TR_MODE_PG;
    if (cpu->fastmem && cpu->fastmem->active && cpu->cpl == 3 && (m & TR_MODE_FLAT) &&
        !((cpu->cr0 & CR0_AM) && (cpu->eflags & EF_AC)))
        m |= TR_MODE_FAST;
    return m;
}

void tr_run(void *opaque, struct cpu *cpu, uint64_t max);

#endif
