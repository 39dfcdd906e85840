/* Write tracking of guest physical pages that hold cached code (decoded
 * instruction traces now, translated blocks later): DESIGN.md "Pages that
 * hold translated code are write-tracked". One per memory map. */
#ifndef VX86_CODEPAGES_H
#define VX86_CODEPAGES_H

#include <stdbool.h>
#include <stdint.h>

/* Pages are tracked in 64-byte chunks, so that data sharing a page with code
 * (real-mode programs, BIOS variables) does not throw the code away. */
#define CODEPAGE_CHUNK_SHIFT 6
#define CODEPAGE_LIMIT       (1ull << 32) /* physical addresses tracked: the first 4 GiB */

/* What a listener is told, with a range of physical addresses. */
enum codepage_event {
    CODEPAGE_MARKED,  /* the page at `addr` (len 4096) now holds code: writes to it must
                         reach codepage_written() (told only if codepage_mapped_fast() was
                         called for it since) */
    CODEPAGE_WRITTEN, /* [addr, addr+len), inside one page, was written over a chunk holding
                         code: the page's generation changed and all its marks are cleared
                         (a listener keeping code of the page outside the range marks it
                         again) */
    CODEPAGE_ALL      /* every page's code is void (the memory map changed); addr, len 0 */
};
typedef void (*codepage_fn)(void *opaque, enum codepage_event ev, uint64_t addr, uint32_t len);

#define CODEPAGES_MAX_LISTENERS 8

/* Fields are private to mmu/codepages.c; the inline tests below read them. */
struct codepages {
    uint64_t *mask; /* by physical page: chunks holding code (bit n = bytes 64n..64n+63) */
    uint32_t *gen;  /* by physical page: bumped when its code is overwritten */
    uint8_t *fast;  /* by physical page: a TLB may map it for direct writes */
    struct {
        codepage_fn fn;
        void *opaque;
    } listeners[CODEPAGES_MAX_LISTENERS];
    int nlisteners;
};

struct codepages *codepages_create(void);
void codepages_destroy(struct codepages *cp);
/* Listeners: each CPU's instruction cache (and later the translator). */
void codepages_listen(struct codepages *cp, codepage_fn fn, void *opaque);
void codepages_unlisten(struct codepages *cp, codepage_fn fn, void *opaque);

static inline bool codepage_trackable(uint64_t phys)
{
    return phys < CODEPAGE_LIMIT;
}

/* Record that [phys, phys+len) (inside one page, trackable) holds cached
 * code. The first mark of a page tells the listeners (CODEPAGE_MARKED), so
 * that they route writes to the page through codepage_written(). */
void codepage_mark(struct codepages *cp, uint64_t phys, uint32_t len);

/* A TLB (or another cache of host pointers) now maps the page of `phys` for
 * writes that bypass codepage_written(); the next mark of the page tells the
 * listeners to stop that. Without it a page whose code is rewritten over and
 * over (code and data in one chunk) would make every listener search its TLB
 * each time. */
static inline void codepage_mapped_fast(struct codepages *cp, uint64_t phys)
{
    if (codepage_trackable(phys))
        cp->fast[phys >> 12] = 1;
}

/* True when the page of `phys` holds cached code. */
static inline bool codepage_is_marked(const struct codepages *cp, uint64_t phys)
{
    return codepage_trackable(phys) && cp->mask[phys >> 12] != 0;
}

/* Generation of the page of `phys` (trackable): code cached under one
 * generation is valid while the generation stays the same. */
static inline uint32_t codepage_gen(const struct codepages *cp, uint64_t phys)
{
    return cp->gen[phys >> 12];
}

/* Every write to RAM must come here (memmap_write does; the CPU's stores
 * come through its TLB slow path for marked pages). A write that overlaps
 * cached code voids the page's code: generation bumped, marks cleared,
 * listeners told (CODEPAGE_WRITTEN). Host code that writes guest RAM through
 * a raw pointer must call it too. */
void codepage_written_slow(struct codepages *cp, uint64_t phys, uint64_t len);
static inline void codepage_written(struct codepages *cp, uint64_t phys, uint64_t len)
{
    if (len && codepage_trackable(phys) &&
        (cp->mask[phys >> 12] || ((phys & 0xfff) + len > 0x1000)))
        codepage_written_slow(cp, phys, len);
}

/* Void all cached code (the memory map changed under it). */
void codepages_invalidate_all(struct codepages *cp);

#endif
