/* The I/O ports nobody owns (devices/unclaimed.h): the data lines float high
 * on a read, a write goes nowhere; the first access to each port is logged
 * under -d unimp so that bad guest programming is visible, not fatal. */
#include "devices/unclaimed.h"

#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "mmu/ioport.h"

struct unclaimed {
    struct machine *m;
    uint8_t logged[0x10000 / 8]; /* ports already reported: log bookkeeping, not state */
};

/* True the first time `port` is seen. */
static bool first_time(struct unclaimed *u, uint32_t port)
{
    uint8_t bit = (uint8_t)(1u << (port & 7));
    if (u->logged[port >> 3] & bit)
        return false;
    u->logged[port >> 3] |= bit;
    return true;
}

static uint32_t unclaimed_read(void *opaque, uint32_t port, int size)
{
    struct unclaimed *u = opaque;
    (void)size;
    if (first_time(u, port))
        machine_log(u->m, CPU_LOG_UNIMP, "unimp", "read of unclaimed port 0x%04x (0xff)\n", port);
    return 0xff;
}

static void unclaimed_write(void *opaque, uint32_t port, uint32_t value, int size)
{
    struct unclaimed *u = opaque;
    (void)size;
    if (first_time(u, port))
        machine_log(u->m, CPU_LOG_UNIMP, "unimp",
                    "write of 0x%02x to unclaimed port 0x%04x ignored\n", value & 0xff, port);
}

static const struct io_ops unclaimed_ops = {unclaimed_read, unclaimed_write, 1};

struct unclaimed *unclaimed_create(struct machine *m)
{
    struct unclaimed *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->m = m;
    ioport_set_unclaimed(machine_ioport(m), &unclaimed_ops, u);
    return u;
}

void unclaimed_destroy(struct unclaimed *u)
{
    if (!u)
        return;
    ioport_set_unclaimed(machine_ioport(u->m), NULL, NULL);
    free(u);
}
