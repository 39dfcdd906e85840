/* The PIIX3 PCI-ISA bridge (PCI 00:01.0, 8086:7000): PIRQA-D routing to ISA
 * IRQs (config 0x60-0x63), the ELCR edge/level registers at 0x4D0/0x4D1
 * (kept by the PIC) and the reset control register at 0xCF9. */
#ifndef VX86_PIIX3_H
#define VX86_PIIX3_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct piix3;
struct pci_bus;
struct pci_device;

#define PIIX3_PIRQRC       0x60 /* PIRQA-D route control, 0x60-0x63 (82371SB 2.2.9) */
#define PIIX3_PIRQ_DISABLE 0x80
#define PIIX3_RCR_SRST     0x02 /* 0xCF9: system (hard) reset on the next RCPU */
#define PIIX3_RCR_RCPU     0x04 /* 0xCF9: 0 -> 1 resets */

/* Where the ELCR lives (the PIC's edge/level registers): chip 0 = master
 * (port 0x4D0), 1 = slave (0x4D1). */
struct piix3_elcr {
    uint8_t (*read)(void *opaque, int chip);
    void (*write)(void *opaque, int chip, uint8_t v);
    void *opaque;
};

/* The bridge on bus b at devfn 0x08; isa_irq[0..15] are the PIC inputs the
 * PIRQs can be routed to. Takes 0xCF9 (through the bus). With `elcr` it
 * registers 0x4D0/0x4D1 and forwards them; with NULL it leaves them to the
 * PIC, which registers them itself (devices/pic.h). */
struct piix3 *piix3_create(struct pci_bus *b, const struct irq_line isa_irq[16],
                           const struct piix3_elcr *elcr);
void piix3_destroy(struct piix3 *p);
struct pci_device *piix3_pci(struct piix3 *p);
/* The bridge's own state table (RCR; the routing registers are PCI config
 * space, saved with the function). */
struct vmstate;
const struct vmstate *piix3_vmstate(void);

#endif
