/* The 64 KiB I/O port space: a per-port table of handler indices (later
 * registrations win). Accesses spanning several devices, or running past
 * port 0xFFFF, are done byte by byte; unclaimed bytes read 0xFF. */
#include <stdlib.h>

#include "mmu/io_access.h"
#include "mmu/ioport.h"

struct port_handler {
    const struct io_ops *ops;
    void *opaque;
    uint32_t base;
};

struct ioport_map {
    uint16_t owner[0x10000];   /* index into handlers, 0 = unclaimed */
    struct port_handler *handlers;
    int nhandlers, cap;
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
    if (p->nhandlers == p->cap) {
        p->cap *= 2;
        p->handlers = realloc(p->handlers, sizeof *p->handlers * p->cap);
    }
    int idx = p->nhandlers++;
    p->handlers[idx] = (struct port_handler){ops, opaque, base};
    for (uint32_t port = base; port < (uint32_t)base + len && port < 0x10000; port++)
        p->owner[port] = idx;
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

static uint32_t read_byte(const struct ioport_map *p, uint32_t port)
{
    if (port >= 0x10000 || !p->owner[port])
        return 0xff;
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
        }
    }
}
