/* Guest physical address space: regions in insertion order (later ones win
 * where they overlap), flattened into a sorted table of non-overlapping
 * spans that lookups binary-search. Unmapped addresses read all ones. */
#include <stdlib.h>
#include <string.h>

#include "mmu/codepages.h"
#include "mmu/io_access.h"
#include "mmu/memmap.h"

struct region {
    uint64_t base, size;
    uint8_t *host;             /* RAM/ROM backing, or NULL for MMIO */
    bool readonly;             /* ROM: writes ignored */
    const struct io_ops *ops;  /* MMIO callbacks */
    void *opaque;
};

struct span {
    uint64_t start, end;       /* [start, end) */
    const struct region *r;    /* topmost region covering the span */
};

/* A span backed by host memory (RAM or ROM): what code can be cached on. */
struct backed {
    uint64_t start, end;
    const uint8_t *host;       /* the byte at start */
    bool readonly;
};

struct memmap {
    struct region *regs;
    int nregs, cap;
    struct span *spans;        /* sorted by start, non-overlapping, gaps are unmapped */
    int nspans;
    int last;                  /* index of the span hit last (locality cache) */
    uint64_t gen;              /* bumped on every change */
    struct codepages *code;    /* pages holding cached code: RAM writes are reported */
    struct backed *backed;     /* the spans with host memory, as of the last rebuild */
    int nbacked;
    void (*rom_write)(void *opaque, uint64_t addr, int size); /* a ROM dropped a write */
    void *rom_write_opaque;
    int ram_fd;                /* memmap_set_backing: the memfd behind guest RAM, or -1 */
    const uint8_t *ram_host;
    uint64_t ram_size;
};

struct memmap *memmap_create(void)
{
    struct memmap *m = calloc(1, sizeof(struct memmap));
    if (m && !(m->code = codepages_create())) {
        free(m);
        return NULL;
    }
    if (m)
        m->ram_fd = -1;
    return m;
}

void memmap_destroy(struct memmap *m)
{
    if (!m)
        return;
    free(m->regs);
    free(m->spans);
    free(m->backed);
    codepages_destroy(m->code);
    free(m);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* After a rebuild: whether the host memory behind any address changed
 * (then cached code may be stale), remembering the new layout. A change of
 * MMIO alone, e.g. a PCI BAR being sized or moved, leaves it alone: the
 * guest reprograms BARs many times while it boots. */
static bool backed_changed(struct memmap *m)
{
    struct backed *nb = malloc(sizeof *nb * (m->nspans + 1));
    int n = 0;
    for (int i = 0; i < m->nspans; i++) {
        const struct span *sp = &m->spans[i];
        if (!sp->r->host)
            continue;
        nb[n++] = (struct backed){sp->start, sp->end, sp->r->host + (sp->start - sp->r->base),
                                  sp->r->readonly};
    }
    bool same = n == m->nbacked;
    for (int i = 0; same && i < n; i++) {
        const struct backed *a = &nb[i], *o = &m->backed[i];
        same = a->start == o->start && a->end == o->end && a->host == o->host &&
               a->readonly == o->readonly;
    }
    free(m->backed);
    m->backed = nb;
    m->nbacked = n;
    return !same;
}

/* Rebuild the span table: cut the space at every region edge and give each
 * piece to the last-added region covering it. */
static void rebuild(struct memmap *m)
{
    int nb = 0;
    uint64_t *b = malloc(sizeof *b * (2 * m->nregs + 1));
    for (int i = 0; i < m->nregs; i++) {
        b[nb++] = m->regs[i].base;
        b[nb++] = m->regs[i].base + m->regs[i].size;
    }
    qsort(b, nb, sizeof *b, cmp_u64);
    free(m->spans);
    m->spans = malloc(sizeof *m->spans * (nb + 1));
    m->nspans = 0;
    for (int i = 0; i + 1 < nb; i++) {
        uint64_t s = b[i], e = b[i + 1];
        if (s == e)
            continue;
        const struct region *top = NULL;
        for (int j = m->nregs - 1; j >= 0; j--) {
            const struct region *r = &m->regs[j];
            if (s >= r->base && s < r->base + r->size) {
                top = r;
                break;
            }
        }
        if (!top)
            continue;
        struct span *prev = m->nspans ? &m->spans[m->nspans - 1] : NULL;
        if (prev && prev->r == top && prev->end == s)
            prev->end = e;
        else
            m->spans[m->nspans++] = (struct span){s, e, top};
    }
    free(b);
    m->last = 0;
    m->gen++;
    if (backed_changed(m))
        codepages_invalidate_all(m->code); /* the bytes behind an address may have changed */
}

static void add_region(struct memmap *m, struct region r)
{
    if (r.size == 0)
        return;
    if (m->nregs == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->regs = realloc(m->regs, sizeof *m->regs * m->cap);
    }
    m->regs[m->nregs++] = r;
    rebuild(m);
}

void memmap_add_ram(struct memmap *m, uint64_t base, uint64_t size, uint8_t *host, bool readonly)
{
    add_region(m, (struct region){.base = base, .size = size, .host = host, .readonly = readonly});
}

void memmap_add_mmio(struct memmap *m, uint64_t base, uint64_t size, const struct io_ops *ops,
                     void *opaque)
{
    add_region(m, (struct region){.base = base, .size = size, .ops = ops, .opaque = opaque});
}

void memmap_remove(struct memmap *m, uint64_t base)
{
    int n = 0;
    for (int i = 0; i < m->nregs; i++)
        if (m->regs[i].base != base)
            m->regs[n++] = m->regs[i];
    m->nregs = n;
    rebuild(m);
}

void memmap_remove_owned(struct memmap *m, uint64_t base, const void *owner)
{
    int n = 0;
    for (int i = 0; i < m->nregs; i++) {
        const struct region *r = &m->regs[i];
        const void *who = r->host ? (const void *)r->host : r->opaque;
        if (r->base != base || who != owner)
            m->regs[n++] = m->regs[i];
    }
    m->nregs = n;
    rebuild(m);
}

void memmap_set_rom_write_hook(struct memmap *m, void (*fn)(void *opaque, uint64_t addr, int size),
                               void *opaque)
{
    m->rom_write = fn;
    m->rom_write_opaque = opaque;
}

uint64_t memmap_generation(const struct memmap *m) { return m->gen; }
struct codepages *memmap_codepages(struct memmap *m) { return m->code; }
const uint64_t *memmap_generation_ptr(const struct memmap *m) { return &m->gen; }

/* The span holding addr, or NULL when unmapped. */
static const struct span *find(struct memmap *m, uint64_t addr)
{
    if (m->nspans == 0)
        return NULL;
    const struct span *s = &m->spans[m->last];
    if (addr >= s->start && addr < s->end)
        return s;
    int lo = 0, hi = m->nspans - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        s = &m->spans[mid];
        if (addr < s->start)
            hi = mid - 1;
        else if (addr >= s->end)
            lo = mid + 1;
        else {
            m->last = mid;
            return s;
        }
    }
    return NULL;
}

uint8_t *memmap_page_ptr(struct memmap *m, uint64_t addr, bool write)
{
    uint64_t page = addr & ~0xfffull;
    const struct span *s = find(m, page);
    if (!s || !s->r->host || (write && s->r->readonly) || page + 0x1000 > s->end)
        return NULL;
    return s->r->host + (page - s->r->base);
}

/* One access entirely inside one span. */
static uint64_t span_read(const struct span *s, uint64_t addr, int size)
{
    const struct region *r = s->r;
    if (r->host) {
        uint64_t v = 0;
        memcpy(&v, r->host + (addr - r->base), size); /* little-endian host */
        return v;
    }
    uint32_t off = (uint32_t)(addr - r->base);
    if (size == 8)
        return io_ops_read(r->ops, r->opaque, off, 4) |
               (uint64_t)io_ops_read(r->ops, r->opaque, off + 4, 4) << 32;
    return io_ops_read(r->ops, r->opaque, off, size);
}

static void span_write(const struct span *s, uint64_t addr, uint64_t value, int size)
{
    const struct region *r = s->r;
    if (r->host) {
        if (!r->readonly)
            memcpy(r->host + (addr - r->base), &value, size);
        return;
    }
    uint32_t off = (uint32_t)(addr - r->base);
    if (size == 8) {
        io_ops_write(r->ops, r->opaque, off, (uint32_t)value, 4);
        io_ops_write(r->ops, r->opaque, off + 4, (uint32_t)(value >> 32), 4);
        return;
    }
    io_ops_write(r->ops, r->opaque, off, (uint32_t)value, size);
}

uint64_t memmap_read(struct memmap *m, uint64_t addr, int size)
{
    const struct span *s = find(m, addr);
    if (s && addr + size <= s->end)
        return span_read(s, addr, size);
    if (size == 1)
        return 0xff; /* unmapped: the bus floats high */
    uint64_t v = 0;
    for (int i = 0; i < size; i++) /* crosses a span edge (or a hole): byte by byte */
        v |= memmap_read(m, addr + i, 1) << (i * 8);
    return v;
}

void memmap_write(struct memmap *m, uint64_t addr, uint64_t value, int size)
{
    const struct span *s = find(m, addr);
    if (s && addr + size <= s->end) {
        if (s->r->host && !s->r->readonly)
            codepage_written(m->code, addr, size);
        else if (s->r->host && m->rom_write)
            m->rom_write(m->rom_write_opaque, addr, size);
        span_write(s, addr, value, size);
        return;
    }
    if (size == 1)
        return;
    for (int i = 0; i < size; i++)
        memmap_write(m, addr + i, (value >> (i * 8)) & 0xff, 1);
}

void memmap_read_buf(struct memmap *m, uint64_t addr, void *buf, uint64_t len)
{
    uint8_t *p = buf;
    while (len) {
        const struct span *s = find(m, addr);
        uint64_t n = len;
        if (s && s->r->host) {
            if (n > s->end - addr)
                n = s->end - addr;
            memcpy(p, s->r->host + (addr - s->r->base), n);
        } else {
            n = 1;
            *p = (uint8_t)memmap_read(m, addr, 1);
        }
        p += n, addr += n, len -= n;
    }
}

void memmap_write_buf(struct memmap *m, uint64_t addr, const void *buf, uint64_t len)
{
    const uint8_t *p = buf;
    while (len) {
        const struct span *s = find(m, addr);
        uint64_t n = len;
        if (s && s->r->host) {
            if (n > s->end - addr)
                n = s->end - addr;
            if (!s->r->readonly) {
                codepage_written(m->code, addr, n);
                memcpy(s->r->host + (addr - s->r->base), p, n);
            } else if (m->rom_write) {
                m->rom_write(m->rom_write_opaque, addr, (int)(n < 8 ? n : 8));
            }
        } else {
            n = 1;
            memmap_write(m, addr, *p, 1);
        }
        p += n, addr += n, len -= n;
    }
}

void memmap_set_backing(struct memmap *m, const uint8_t *host, uint64_t size, int fd)
{
    m->ram_host = host;
    m->ram_size = size;
    m->ram_fd = fd;
}

int memmap_backing(const struct memmap *m, const uint8_t **host, uint64_t *size)
{
    *host = m->ram_host;
    *size = m->ram_size;
    return m->ram_fd;
}
