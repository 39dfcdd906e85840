/* The 64 KiB I/O port space: a per-port table of handler indices (later
 * registrations win). Accesses spanning several devices, or running past
 * port 0xFFFF, are done byte by byte; unclaimed bytes read 0xFF. */
#include <stdbool.h>
#include <stdlib.h>

#include "mmu/io_access.h"
#include "mmu/ioport.h"

struct port_handler {
    const struct io_ops *ops;
    void *opaque;
    uint32_t base;
    uint32_t len;
    uint32_t seq; /* registration order: the latest live handler wins a port */
    bool dead;    /* unregistered: owns no port, its slot is reused */
};

struct ioport_map {
    uint16_t owner[0x10000]; /* index into handlers, 0 = unclaimed */
    struct port_handler *handlers;
    int nhandlers, cap;
    uint32_t seq;                       /* registrations so far */
    const struct io_ops *unclaimed_ops; /* bytes nobody owns, or NULL (ioport_set_unclaimed) */
    void *unclaimed_opaque;
};

struct ioport_map *ioport_create(void)
{
    struct ioport_map *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cap = 16;
    p->handlers = calloc(p->cap, sizeof *p->handlers);
    p->nhandlers = 1; /* slot 0 means "nobody" */
    return p;
}

void ioport_destroy(struct ioport_map *p)
{
    if (!p)
        return;
    free(p->handlers);
    free(p);
}

void ioport_register(struct ioport_map *p, uint16_t base, uint32_t len, const struct io_ops *ops,
                     void *opaque)
{
    int idx = 0;
    for (int i = 1; i < p->nhandlers && !idx; i++)
        if (p->handlers[i].dead) /* a dead handler owns no port: reuse it */
            idx = i;
    if (!idx) {
        if (p->nhandlers == p->cap) {
            p->cap *= 2;
            p->handlers = realloc(p->handlers, sizeof *p->handlers * p->cap);
        }
        idx = p->nhandlers++;
    }
    p->handlers[idx] = (struct port_handler){ops, opaque, base, len, ++p->seq, false};
    for (uint32_t port = base; port < (uint32_t)base + len && port < 0x10000; port++)
        p->owner[port] = idx;
}

/* Unregistering uncovers what was registered below (a PCI BAR moved off a
 * legacy device's ports gives them back), as the latest live handler wins. */
void ioport_unregister(struct ioport_map *p, uint16_t base, uint32_t len, void *opaque)
{
    for (int i = 1; i < p->nhandlers; i++) {
        struct port_handler *h = &p->handlers[i];
        if (h->opaque == opaque && h->base == base && h->len == len)
            h->dead = true;
    }
    for (uint32_t port = base; port < (uint32_t)base + len && port < 0x10000; port++) {
        if (!p->owner[port] || !p->handlers[p->owner[port]].dead)
            continue;
        p->owner[port] = 0;
        uint32_t best = 0;
        for (int i = 1; i < p->nhandlers; i++) {
            const struct port_handler *h = &p->handlers[i];
            if (!h->dead && h->seq > best && port >= h->base && port < h->base + h->len) {
                p->owner[port] = (uint16_t)i;
                best = h->seq;
            }
        }
    }
}

/* The handler owning every byte of [port, port+size), or NULL. */
static const struct port_handler *whole(const struct ioport_map *p, uint32_t port, int size)
{
    if (port + size > 0x10000)
        return NULL;
    int idx = p->owner[port];
    if (!idx)
        return NULL;
    for (int i = 1; i < size; i++)
        if (p->owner[port + i] != idx)
            return NULL;
    return &p->handlers[idx];
}

void ioport_set_unclaimed(struct ioport_map *p, const struct io_ops *ops, void *opaque)
{
    p->unclaimed_ops = ops;
    p->unclaimed_opaque = opaque;
}

static uint32_t read_byte(const struct ioport_map *p, uint32_t port)
{
    if (port >= 0x10000)
        return 0xff;
    if (!p->owner[port])
        return p->unclaimed_ops ? io_ops_read(p->unclaimed_ops, p->unclaimed_opaque, port, 1) & 0xff
                                : 0xff;
    const struct port_handler *h = &p->handlers[p->owner[port]];
    return io_ops_read(h->ops, h->opaque, port - h->base, 1);
}

uint32_t ioport_read(struct ioport_map *p, uint16_t port, int size)
{
    const struct port_handler *h = whole(p, port, size);
    if (h)
        return io_ops_read(h->ops, h->opaque, port - h->base, size);
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= read_byte(p, (uint32_t)port + i) << (i * 8);
    return v;
}

void ioport_write(struct ioport_map *p, uint16_t port, uint32_t value, int size)
{
    const struct port_handler *h = whole(p, port, size);
    if (h) {
        io_ops_write(h->ops, h->opaque, port - h->base, value, size);
        return;
    }
    for (int i = 0; i < size; i++) {
        uint32_t q = (uint32_t)port + i;
        if (q < 0x10000 && p->owner[q]) {
            h = &p->handlers[p->owner[q]];
            io_ops_write(h->ops, h->opaque, q - h->base, (value >> (i * 8)) & 0xff, 1);
        } else if (q < 0x10000 && p->unclaimed_ops) {
            io_ops_write(p->unclaimed_ops, p->unclaimed_opaque, q, (value >> (i * 8)) & 0xff, 1);
        }
    }
}
