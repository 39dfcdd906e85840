/* Shared by the IDE and ATAPI device tests: a PIIX3 IDE controller on a
 * PCI bus of a small deterministic machine, its two IRQ lines recorded,
 * an optional image file behind a drive, and byte/word port access. */
#ifndef VX86_IDE_TEST_UTIL_H
#define VX86_IDE_TEST_UTIL_H

#include <unistd.h>

#include "devices/block/blockdev.h"
#include "devices/ide.h"
#include "devices/pci.h"
#include "input_test_util.h"

struct rig {
    struct machine *m;
    struct pci_bus *bus;
    struct ide *ide;
    struct blockdev *bd;
    struct irq_probe irq[2];
    char path[64];
};

/* The controller with no drives; IRQ 14/15 into r->irq. */
static inline void ide_rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->m = input_machine();
    r->bus = pci_bus_create(r->m);
    r->ide = ide_create(r->m, r->bus, PCI_DEVFN(1, 1), irq_probe_line(&r->irq[0], 14),
                        irq_probe_line(&r->irq[1], 15));
    ck_assert_ptr_nonnull(r->ide);
}

static inline void rig_free(struct rig *r)
{
    ide_destroy(r->ide);
    if (r->bd)
        blk_close(r->bd);
    if (r->path[0])
        unlink(r->path);
    pci_bus_destroy(r->bus);
    machine_destroy(r->m);
}

static inline uint8_t in8(struct rig *r, uint16_t port)
{
    return (uint8_t)ioport_read(machine_ioport(r->m), port, 1);
}
static inline uint16_t in16(struct rig *r, uint16_t port)
{
    return (uint16_t)ioport_read(machine_ioport(r->m), port, 2);
}
static inline void out8(struct rig *r, uint16_t port, uint8_t v)
{
    ioport_write(machine_ioport(r->m), port, v, 1);
}
static inline void out16(struct rig *r, uint16_t port, uint16_t v)
{
    ioport_write(machine_ioport(r->m), port, v, 2);
}

#endif
