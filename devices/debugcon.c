/* ISA debug console (QEMU's isa-debugcon): each byte written to the port goes
 * to a chardev; reads return the port's magic 0xE9 so guests can detect it.
 * Bochs/QEMU use 0xE9; SeaBIOS prints to 0x402. */
#include <stdlib.h>

#include "devices/chardev.h"
#include "devices/machine.h"
#include "mmu/ioport.h"

struct debugcon {
    struct machine *m;
    struct chardev *cd;
};

static uint32_t debugcon_read(void *opaque, uint32_t offset, int size) {
    (void)opaque, (void)offset, (void)size;
    return 0xe9; /* QEMU's readback value */
}

static void debugcon_write(void *opaque, uint32_t offset, uint32_t value, int size) {
    struct debugcon *d = opaque;
    (void)offset, (void)size;
    chardev_putc(d->cd, (uint8_t)value);
}

static const struct io_ops debugcon_ops = {debugcon_read, debugcon_write, 1};

struct debugcon *debugcon_create(struct machine *m, uint16_t port, struct chardev *cd) {
    struct debugcon *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->m = m;
    d->cd = cd;
    ioport_register(machine_ioport(m), port, 1, &debugcon_ops, d);
    return d;
}

void debugcon_destroy(struct debugcon *d) {
    free(d);
}
