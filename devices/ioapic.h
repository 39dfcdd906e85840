/* The Intel 82093AA I/O APIC (datasheet 290566): IOREGSEL at base+0x00,
 * IOWIN at base+0x10, ID/version (0x11, 24 entries)/arbitration registers
 * and 24 redirection entries that send interrupt messages to the local
 * APIC (devices/lapic.h).
 *
 * Pins on the PC (devices/pc.c wires them; the ACPI MADT and _PRT must say
 * the same):
 *   pin 0      the 8259 master's INTR output (ExtINT, virtual wire mode B)
 *   pin 2      ISA IRQ 0 (the PIT): the MADT's interrupt source override
 *              IRQ 0 -> GSI 2, as on QEMU's pc machine
 *   pins 1, 3-15  ISA IRQ n on pin n (edge, active high; IRQ 9, the ACPI
 *              SCI, level/active high by its override)
 *   PCI        PIRQA-D reach the pin of the ISA IRQ the PIIX3 routing
 *              registers (0x60-0x63) give them, as on QEMU's pc machine:
 *              level-triggered, active high (the _PRT link devices' _CRS)
 *   pins 16-23 not connected (HPET timers may be routed there)
 * The input lines carry the asserted state (as every irq_line): the polarity
 * bit describes the wire and does not invert them (as QEMU). */
#ifndef VX86_IOAPIC_H
#define VX86_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct machine;
struct ioapic;
struct apic_msg;

#define IOAPIC_DEFAULT_BASE 0xfec00000u
#define IOAPIC_PINS         24
#define IOAPIC_VERSION      0x00170011u /* max redirection entry 23, version 0x11 */
#define IOAPIC_PIN_PIC      0           /* the 8259's INTR */

/* Map the I/O APIC at `base`; messages go to deliver(opaque, msg) (the local
 * APIC: lapic_deliver). */
struct ioapic *ioapic_create(struct machine *m, uint64_t base,
                             void (*deliver)(void *opaque, const struct apic_msg *msg),
                             void *opaque);
void ioapic_destroy(struct ioapic *io);

/* Drive input pin `pin` (0-23). */
void ioapic_set_irq(struct ioapic *io, int pin, bool level);
struct irq_line ioapic_irq_line(struct ioapic *io, int pin);
/* EOI broadcast from a local APIC: clear Remote IRR of the level-triggered
 * entries with this vector (and deliver again if the line is still high). */
void ioapic_eoi(struct ioapic *io, int vector);

/* Register access through IOREGSEL/IOWIN, by MMIO offset (tests). */
uint32_t ioapic_mmio_read(struct ioapic *io, uint32_t offset);
void ioapic_mmio_write(struct ioapic *io, uint32_t offset, uint32_t value);
/* A redirection entry (tests and the monitor). */
uint64_t ioapic_redir(const struct ioapic *io, int pin);

struct vmstate;
const struct vmstate *ioapic_vmstate(void);

#endif
