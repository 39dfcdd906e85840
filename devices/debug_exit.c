/* QEMU's isa-debug-exit: writing V to the port ends the emulator with exit
 * status (V << 1) | 1, so a guest test can report pass/fail to its runner. */
#include <stdlib.h>

#include "devices/machine.h"
#include "mmu/ioport.h"

struct debug_exit {
    struct machine *m;
};

static uint32_t debug_exit_read(void *opaque, uint32_t offset, int size) {
    (void)opaque, (void)offset, (void)size;
    return 0;
}

static void debug_exit_write(void *opaque, uint32_t offset, uint32_t value, int size) {
    struct debug_exit *d = opaque;
    (void)offset, (void)size;
    machine_request_exit(d->m, (int)((value << 1) | 1));
}

/* Accepts 1-, 2- and 4-byte writes whole: the value is the full write. */
static const struct io_ops debug_exit_ops = {debug_exit_read, debug_exit_write, 0};

struct debug_exit *debug_exit_create(struct machine *m, uint16_t port) {
    struct debug_exit *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->m = m;
    ioport_register(machine_ioport(m), port, 4, &debug_exit_ops, d);
    return d;
}

void debug_exit_destroy(struct debug_exit *d) {
    free(d);
}
