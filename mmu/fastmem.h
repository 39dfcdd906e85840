/* Host-MMU guest memory ("fastmem") for user-mode code: a reserved 4 GiB
 * host region laid out as the guest's linear address space at CPL 3, in
 * which the pages the soft TLB's user table holds as plain RAM are mapped
 * (from the memfd behind guest RAM) with the guest's permissions, and
 * every other page is inaccessible. Translated code accesses guest memory
 * there with one host instruction; a host fault (the page is not mapped
 * yet, or not for writing, or not RAM) goes to the access's slow path,
 * whose refill of the soft TLB maps the page for the next time.
 *
 * The region is a TLB of its own: it is emptied wherever the soft TLB is
 * (mmu/tlb.c calls in here), page by page for INVLPG and pages that come
 * to hold cached code. A CR3 write (or any full flush) deactivates it
 * instead, and it is only used again once the guest has run `quiet`
 * instructions without one: an address space that switches often would
 * pay a host fault for every page it touches after each switch. */
#ifndef VX86_FASTMEM_H
#define VX86_FASTMEM_H

#include <stdbool.h>
#include <stdint.h>

struct memmap;

/* Guest instructions without a full TLB flush before the region is used. */
#define FASTMEM_QUIET 50000000u
/* Linear pages logged per activation for selective unmapping (past it,
 * an INVLPG-like change empties the whole region). */
#define FASTMEM_LOG 8192
/* Translated code may fold a displacement below this in magnitude into
 * its access ([register + region + disp], translator/x64/native.c): where
 * the guest's 32-bit sum wraps, the host's lands in a guard of this size
 * below the region or above its 4 GiB, and faults; so does an access at
 * 0xfffffffe of 4 bytes. The slow path wraps them as the guest does. */
#define FASTMEM_FOLD (1u << 24)
/* The region's size from its base: 4 GiB and the upper guard (the lower
 * one, FASTMEM_FOLD bytes, is reserved below the base). */
#define FASTMEM_SPAN ((1ull << 32) + FASTMEM_FOLD)
/* Pages mapped at once at most: each may be a host VMA of its own, and
 * Linux allows 65530 per process (vm.max_map_count). */
#define FASTMEM_MAX_MAPPED 24576

struct fastmem {
    uint8_t *base;          /* the region: guest linear address a at base + a */
    int fd;                 /* the memfd behind guest RAM */
    const uint8_t *ram;     /* where the memfd is mapped for everything else (offset 0) */
    uint64_t ram_size;
    bool active;            /* blocks built for it may run (translator/tr_priv.h, tr_mode) */
    bool stale;             /* pages from an earlier activation are still mapped */
    uint64_t quiet;         /* instructions without a full flush before activating */
    uint64_t quiet_since;   /* cpu->icount at the last full flush */
    uint32_t *state;        /* per linear page: 0, or RAM page index + 1 | FASTMEM_W */
    uint32_t nmapped;       /* pages mapped (an upper bound: unmapped ones stay counted) */
    uint32_t nlog;          /* log[] entries; FASTMEM_LOG + 1 once it overflowed */
    uint32_t log[FASTMEM_LOG]; /* linear page numbers mapped since the region was emptied */
    uint64_t maps, resets;  /* counters, for tuning */
    uint64_t faults;        /* host faults in the region (tlb_fastmem_fault) */
    uint64_t patched;       /* accesses that faulted so often they became jumps */
};
#define FASTMEM_W 0x80000000u /* state: mapped writable */

/* A region for the guest RAM that `mem` has a memfd for (memmap_backing),
 * or NULL (no memfd, no address space): then nothing uses it. */
struct fastmem *fastmem_create(struct memmap *mem);
void fastmem_destroy(struct fastmem *fm);

/* Make the region usable (emptied first when it is stale). */
void fastmem_activate(struct fastmem *fm);
/* A full TLB flush at instruction count `icount`: stop using the region. */
void fastmem_deactivate(struct fastmem *fm, uint64_t icount);
/* The soft TLB's user table maps linear page `lin` to RAM at `host`:
 * readable, and writable when `writable` (mmu/tlb.c). False when the
 * region does not map it (inactive, not guest RAM, a host failure). */
bool fastmem_map(struct fastmem *fm, uint32_t lin, const uint8_t *host, bool writable);
/* Whether linear page `lin` is mapped to `host` so already. */
bool fastmem_mapped(const struct fastmem *fm, uint32_t lin, const uint8_t *host, bool writable);
/* INVLPG of `lin` (`large`: the TLB held large pages, which may cover
 * other addresses: everything goes). */
void fastmem_flush_page(struct fastmem *fm, uint32_t lin, bool large);
/* The RAM page at `host` now holds cached code: no more writes through
 * the region to it. */
void fastmem_protect(struct fastmem *fm, const uint8_t *host);
/* Unmap everything. */
void fastmem_reset(struct fastmem *fm);

/* True when host address `addr` is inside `fm`'s region or its guards
 * (the signal handler's test). */
static inline bool fastmem_contains(const struct fastmem *fm, uintptr_t addr)
{
    return fm && addr - ((uintptr_t)fm->base - FASTMEM_FOLD) < FASTMEM_SPAN + FASTMEM_FOLD;
}

#endif
