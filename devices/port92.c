/* System Control Port A (port 0x92; IBM PS/2 Technical Reference, PIIX3
 * datasheet 4.7.1 "Port 92h"): bit 1 is "fast A20", a 0 -> 1 transition of
 * bit 0 is a fast CPU reset. Other bits are stored and read back.
 * The chipset ORs bit 1 with the 8042's A20 line; here, as in QEMU, the
 * last write to either one sets the gate (machine_set_a20). */
#include <stdlib.h>

#include "devices/machine.h"
#include "devices/port92.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

#define P92_RESET 0x01
#define P92_A20   0x02

struct port92 {
    struct machine *m;
    uint8_t value; /* last value written (saved state) */
};

static const struct vmstate_field port92_fields[] = {
    VMSTATE_FIELD(struct port92, value, 1),
};
static const struct vmstate port92_vs = VMSTATE_DESC("port92", 1, port92_fields, NULL);

const struct vmstate *port92_vmstate(void)
{
    return &port92_vs;
}

static uint32_t port92_read(void *opaque, uint32_t offset, int size)
{
    struct port92 *p = opaque;
    (void)offset, (void)size;
    return p->value; /* the register as written, as the PIIX3 reads it back */
}

static void port92_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct port92 *p = opaque;
    uint8_t old = p->value;
    (void)offset, (void)size;
    p->value = (uint8_t)value;
    machine_set_a20(p->m, value & P92_A20);
    if ((value & P92_RESET) && !(old & P92_RESET))
        machine_request_reset(p->m);
}

static const struct io_ops port92_ops = {port92_read, port92_write, 1};

void port92_reset(void *opaque)
{
    struct port92 *p = opaque;
    /* The A20 gate itself is reset by the machine (and the 8042). */
    p->value = 0;
}

struct port92 *port92_create(struct machine *m, uint16_t port)
{
    struct port92 *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->m = m;
    ioport_register(machine_ioport(m), port, 1, &port92_ops, p);
    machine_register_reset(m, port92_reset, p);
    machine_register_state(m, &port92_vs, p);
    return p;
}

void port92_destroy(struct port92 *p)
{
    free(p);
}
