/* Host-MMU guest memory for user-mode code (mmu/fastmem.h): the region,
 * its mappings and their invalidation. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mmu/fastmem.h"
#include "mmu/memmap.h"

#define SPAN FASTMEM_SPAN
#define GUARD FASTMEM_FOLD                   /* below the base */
#define RESERVED ((size_t)SPAN + GUARD)      /* from base - GUARD */
#define STATE_BYTES ((size_t)(1u << 20) * sizeof(uint32_t))

static void *inaccessible(void *at, size_t len)
{
    return mmap(at, len, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (at ? MAP_FIXED : 0), -1, 0);
}

/* The region (with its guards: from base - GUARD) below 2 GiB where the
 * host has room (in a PIE process the low addresses are free): translated
 * code then addresses it as [address + base] with base a disp32, with no
 * load of the base. Returns the base, or NULL when none of the tries is
 * free. */
static uint8_t *reserve_low(void)
{
#ifdef MAP_FIXED_NOREPLACE
    static const uintptr_t tries[] = {0x40000000, 0x20000000, 0x10000000};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        void *at = (void *)(tries[i] - GUARD);
        void *p = mmap(at, RESERVED, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == at)
            return (uint8_t *)p + GUARD;
        if (p != MAP_FAILED)
            munmap(p, RESERVED); /* (a kernel without the flag took it as a hint) */
    }
#endif
    return NULL;
}

struct fastmem *fastmem_create(struct memmap *mem)
{
    const uint8_t *ram;
    uint64_t size;
    int fd = memmap_backing(mem, &ram, &size);
    if (fd < 0)
        return NULL;
    struct fastmem *fm = calloc(1, sizeof *fm);
    if (!fm)
        return NULL;
    uint8_t *base = reserve_low();
    if (!base) {
        void *p = inaccessible(NULL, RESERVED);
        base = p == MAP_FAILED ? NULL : (uint8_t *)p + GUARD;
    }
    /* the page states: touched only where pages get mapped */
    void *state = mmap(NULL, STATE_BYTES, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!base || state == MAP_FAILED) {
        if (base)
            munmap(base - GUARD, RESERVED);
        if (state != MAP_FAILED)
            munmap(state, STATE_BYTES);
        free(fm);
        return NULL;
    }
    fm->base = base;
    fm->state = state;
    fm->fd = fd;
    fm->ram = ram;
    fm->ram_size = size;
    fm->quiet = FASTMEM_QUIET;
    return fm;
}

void fastmem_destroy(struct fastmem *fm)
{
    if (!fm)
        return;
    munmap(fm->base - GUARD, RESERVED);
    munmap(fm->state, STATE_BYTES);
    free(fm);
}

void fastmem_reset(struct fastmem *fm)
{
    /* One mapping over the whole region: the host drops every page in it.
     * Failing here would leave guest pages where nothing tracks them. */
    if (inaccessible(fm->base, SPAN) == MAP_FAILED) {
        perror("vx86: fastmem: cannot empty the region");
        abort();
    }
    if (fm->nlog <= FASTMEM_LOG) {
        for (uint32_t k = 0; k < fm->nlog; k++)
            fm->state[fm->log[k]] = 0;
    } else {
        madvise(fm->state, STATE_BYTES, MADV_DONTNEED); /* zero again */
    }
    fm->nlog = 0;
    fm->nmapped = 0;
    fm->stale = false;
    fm->resets++;
}

void fastmem_activate(struct fastmem *fm)
{
    if (fm->stale)
        fastmem_reset(fm);
    fm->active = true;
}

void fastmem_deactivate(struct fastmem *fm, uint64_t icount)
{
    fm->quiet_since = icount;
    if (!fm->active)
        return;
    fm->active = false;
    fm->stale = fm->nmapped != 0;
}

static void unmap(struct fastmem *fm, uint32_t page)
{
    if (!fm->state[page])
        return;
    if (inaccessible(fm->base + ((uint64_t)page << 12), 4096) == MAP_FAILED) {
        fastmem_reset(fm);
        return;
    }
    fm->state[page] = 0;
}

static bool in_ram(const struct fastmem *fm, const uint8_t *host)
{
    return host >= fm->ram && host < fm->ram + fm->ram_size;
}

/* The state of a page mapped to `host`: its RAM page index + 1. */
static uint32_t state_of(const struct fastmem *fm, const uint8_t *host, bool writable)
{
    return ((uint32_t)((uint64_t)(host - fm->ram) >> 12) + 1) | (writable ? FASTMEM_W : 0);
}

bool fastmem_mapped(const struct fastmem *fm, uint32_t lin, const uint8_t *host, bool writable)
{
    return in_ram(fm, host) && fm->state[lin >> 12] == state_of(fm, host, writable);
}

bool fastmem_map(struct fastmem *fm, uint32_t lin, const uint8_t *host, bool writable)
{
    if (!fm->active || !in_ram(fm, host))
        return false;
    uint32_t page = lin >> 12;
    uint32_t want = state_of(fm, host, writable);
    uint32_t *s = &fm->state[page];
    if (*s == want)
        return true;
    if (!*s) {
        if (fm->nmapped >= FASTMEM_MAX_MAPPED)
            fastmem_reset(fm);
        fm->nmapped++;
        if (fm->nlog < FASTMEM_LOG)
            fm->log[fm->nlog] = page;
        if (fm->nlog <= FASTMEM_LOG)
            fm->nlog++; /* stops one past: overflowed */
    }
    void *at = fm->base + ((uint64_t)page << 12);
    if (mmap(at, 4096, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED | MAP_FIXED, fm->fd,
             (off_t)(host - fm->ram) & ~(off_t)0xfff) == MAP_FAILED) {
        fastmem_reset(fm); /* (then nothing is mapped there) */
        return false;
    }
    *s = want;
    fm->maps++;
    return true;
}

void fastmem_flush_page(struct fastmem *fm, uint32_t lin, bool large)
{
    if (!fm->active)
        return; /* a stale region is emptied before it is used again */
    if (large)
        fastmem_reset(fm);
    else
        unmap(fm, lin >> 12);
}

void fastmem_protect(struct fastmem *fm, const uint8_t *host)
{
    if (!fm->active || !in_ram(fm, host))
        return;
    if (fm->nlog > FASTMEM_LOG) {
        fastmem_reset(fm);
        return;
    }
    uint32_t want = state_of(fm, host, false);
    for (uint32_t k = 0; k < fm->nlog; k++) {
        uint32_t page = fm->log[k], *s = &fm->state[page];
        if (*s != (want | FASTMEM_W))
            continue;
        if (mprotect(fm->base + ((uint64_t)page << 12), 4096, PROT_READ)) {
            fastmem_reset(fm);
            return;
        }
        *s = want;
    }
}
