/* The POST code latch at port 0x80: firmware writes progress codes there; the
 * last one is kept (and reads back) so it can be reported at exit. */
#include <stdlib.h>

#include "devices/machine.h"
#include "mmu/ioport.h"

struct post_port {
    struct machine *m;
    uint8_t last;
};

static uint32_t post_read(void *opaque, uint32_t offset, int size) {
    struct post_port *p = opaque;
    (void)offset, (void)size;
    return p->last;
}

static void post_write(void *opaque, uint32_t offset, uint32_t value, int size) {
    struct post_port *p = opaque;
    (void)offset, (void)size;
    p->last = (uint8_t)value;
    machine_set_post_code(p->m, p->last);
}

static const struct io_ops post_ops = {post_read, post_write, 1};

struct post_port *post_port_create(struct machine *m, uint16_t port) {
    struct post_port *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    ioport_register(machine_ioport(m), port, 1, &post_ops, p);
    return p;
}

void post_port_destroy(struct post_port *p) {
    free(p);
}
