/* Write tracking of physical pages holding cached code: a 64-bit chunk mask
 * and a generation per 4 KiB page, and the listeners to tell. The tables
 * cover 4 GiB and are allocated zeroed, so untouched pages cost no memory. */
#include <stdlib.h>

#include "mmu/codepages.h"

#define NPAGES (CODEPAGE_LIMIT >> 12)

struct codepages *codepages_create(void)
{
    struct codepages *cp = calloc(1, sizeof *cp);
    if (!cp)
        return NULL;
    cp->mask = calloc(NPAGES, sizeof *cp->mask);
    cp->gen = calloc(NPAGES, sizeof *cp->gen);
    cp->fast = calloc(NPAGES, sizeof *cp->fast);
    if (!cp->mask || !cp->gen || !cp->fast) {
        codepages_destroy(cp);
        return NULL;
    }
    return cp;
}

void codepages_destroy(struct codepages *cp)
{
    if (!cp)
        return;
    free(cp->mask);
    free(cp->gen);
    free(cp->fast);
    free(cp);
}

void codepages_listen(struct codepages *cp, codepage_fn fn, void *opaque)
{
    if (cp->nlisteners < CODEPAGES_MAX_LISTENERS) {
        cp->listeners[cp->nlisteners].fn = fn;
        cp->listeners[cp->nlisteners].opaque = opaque;
        cp->nlisteners++;
    }
}

void codepages_unlisten(struct codepages *cp, codepage_fn fn, void *opaque)
{
    int n = 0;
    for (int i = 0; i < cp->nlisteners; i++)
        if (cp->listeners[i].fn != fn || cp->listeners[i].opaque != opaque)
            cp->listeners[n++] = cp->listeners[i];
    cp->nlisteners = n;
}

static void tell(struct codepages *cp, enum codepage_event ev, uint64_t addr, uint32_t len)
{
    for (int i = 0; i < cp->nlisteners; i++)
        cp->listeners[i].fn(cp->listeners[i].opaque, ev, addr, len);
}

/* Chunks of a page covered by [off, off+len), 0 < len, off+len <= 4096. */
static uint64_t chunks(uint32_t off, uint32_t len)
{
    unsigned lo = off >> CODEPAGE_CHUNK_SHIFT, hi = (off + len - 1) >> CODEPAGE_CHUNK_SHIFT;
    uint64_t upto_hi = hi == 63 ? ~0ull : (2ull << hi) - 1;
    return upto_hi & ~((1ull << lo) - 1);
}

void codepage_mark(struct codepages *cp, uint64_t phys, uint32_t len)
{
    if (!codepage_trackable(phys) || len == 0)
        return;
    uint64_t *m = &cp->mask[phys >> 12];
    bool first = *m == 0;
    *m |= chunks(phys & 0xfff, len);
    if (first && cp->fast[phys >> 12]) {
        cp->fast[phys >> 12] = 0;
        tell(cp, CODEPAGE_MARKED, phys & ~0xfffull, 0x1000);
    }
}

void codepage_written_slow(struct codepages *cp, uint64_t phys, uint64_t len)
{
    while (len && codepage_trackable(phys)) {
        uint32_t off = phys & 0xfff;
        uint64_t n = 0x1000 - off < len ? 0x1000 - off : len;
        uint64_t *m = &cp->mask[phys >> 12];
        if (*m & chunks(off, (uint32_t)n)) {
            *m = 0;
            cp->gen[phys >> 12]++;
            tell(cp, CODEPAGE_WRITTEN, phys, (uint32_t)n);
        }
        phys += n;
        len -= n;
    }
}

void codepages_invalidate_all(struct codepages *cp)
{
    /* Listeners drop everything; the marks and generations may stay: stale
     * marks only send a few writes down the slow path once more. */
    tell(cp, CODEPAGE_ALL, 0, 0);
}
