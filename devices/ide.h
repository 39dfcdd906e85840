/* The PIIX3 IDE controller (PCI function 00:01.1, 8086:7010): two legacy
 * channels (0x1F0-0x1F7/0x3F6 on IRQ 14, 0x170-0x177/0x376 on IRQ 15), each
 * with a master and a slave that is an ATA disk or an ATAPI CD-ROM, and the
 * bus-master DMA engine on BAR 4 (PRD tables in guest memory). */
#ifndef VX86_IDE_H
#define VX86_IDE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct blockdev;
struct ide;
struct machine;
struct pci_bus;
struct vmstate;

#define IDE_MAX_DRIVES 4 /* index 0/1 primary master/slave, 2/3 secondary master/slave */

#define IDE_PRIMARY_BASE   0x1f0
#define IDE_PRIMARY_CTL    0x3f6
#define IDE_PRIMARY_IRQ    14
#define IDE_SECONDARY_BASE 0x170
#define IDE_SECONDARY_CTL  0x376
#define IDE_SECONDARY_IRQ  15

enum ide_media { IDE_NONE, IDE_DISK, IDE_CDROM };

/* The controller on `bus` at devfn (PCI_DEVFN(1, 1) on the PC), driving the
 * given ISA lines for its two channels. Registers the legacy ports, the
 * BAR 4 bus master, a reset handler and the state tables. NULL: no memory
 * or devfn taken. */
struct ide *ide_create(struct machine *m, struct pci_bus *bus, uint8_t devfn,
                       struct irq_line irq_primary, struct irq_line irq_secondary);
/* Put a drive at index 0-3 before the machine runs. A disk needs bd; a
 * CD-ROM may start empty (bd NULL). The controller does not own bd (the
 * board closes it after ide_destroy). Returns 0, or -1 for a bad index, a
 * taken slot or a disk without an image. */
int ide_attach(struct ide *s, int index, enum ide_media media, struct blockdev *bd);
/* Insert (bd) or eject (NULL) a CD-ROM's disc: the drive reports a unit
 * attention (MEDIUM MAY HAVE CHANGED) and a media event. -1 if index is not
 * a CD-ROM. Returns the blockdev that was in the drive through *old. */
int ide_cd_change(struct ide *s, int index, struct blockdev *bd, struct blockdev **old);
void ide_destroy(struct ide *s);
/* The default CHS translation of the disk at index (16 heads, 63 sectors,
 * cylinders capped at 16383); -1 if it is not a disk. */
int ide_disk_geometry(struct ide *s, int index, uint32_t *cyls, uint32_t *heads, uint32_t *secs);

/* State tables (exposed for round-trip tests): one per drive, one per
 * channel's bus master. */
const struct vmstate *ide_drive_vmstate(void);
const struct vmstate *ide_bm_vmstate(void);
/* The opaque pointers those tables describe. */
void *ide_drive_state(struct ide *s, int index);
void *ide_bm_state(struct ide *s, int channel);

#endif
