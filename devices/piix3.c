/* PIIX3 PCI-ISA bridge (Intel 82371SB datasheet, 290550): PIRQ routing of
 * the PCI interrupt lines onto ISA IRQs, the ELCR ports, the reset control
 * register at 0xCF9. */
#include "devices/piix3.h"

#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/pci.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

struct piix3 {
    struct machine *m;
    struct pci_device *dev;
    struct irq_line isa_irq[16];
    struct piix3_elcr elcr_ops;
    uint8_t elcr[2];       /* used when the PIC does not keep the ELCR */
    uint8_t rcr;           /* 0xCF9 reset control */
    uint8_t pirq_level[4]; /* input from the bus (not state: re-driven by devices) */
    uint16_t isa_level;    /* ISA IRQs we hold high */
    uint64_t logged_irq;   /* a reserved routing was logged (-d unimp) */
};

/* An ISA IRQ is high while any PIRQ routed to it is (2.2.9: several PIRQs
 * may share one IRQ). Routing to IRQ 0-2, 8 or 13 is reserved. */
static void piix3_update(struct piix3 *p)
{
    const uint8_t *cfg = pci_config(p->dev);
    uint16_t level = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t r = cfg[PIIX3_PIRQRC + i];
        if (!(r & PIIX3_PIRQ_DISABLE) && p->pirq_level[i])
            level |= 1u << (r & 0x0f);
    }
    uint16_t changed = level ^ p->isa_level;
    p->isa_level = level;
    for (int irq = 0; irq < 16; irq++)
        if (changed & (1u << irq))
            irq_set(&p->isa_irq[irq], (level >> irq) & 1);
}

static void piix3_set_pirq(void *opaque, int pirq, bool level)
{
    struct piix3 *p = opaque;
    p->pirq_level[pirq] = level;
    piix3_update(p);
}

static void piix3_config_write(void *opaque, struct pci_device *d, uint32_t addr, uint32_t value,
                               int size)
{
    struct piix3 *p = opaque;
    (void)value;
    if (addr < PIIX3_PIRQRC + 4 && addr + size > PIIX3_PIRQRC) {
        const uint8_t *cfg = pci_config(d);
        for (int i = 0; i < 4; i++) {
            uint8_t r = cfg[PIIX3_PIRQRC + i], irq = r & 0x0f;
            if (!(r & PIIX3_PIRQ_DISABLE) && (irq < 3 || irq == 8 || irq == 13))
                unimp_log_once(p->m, &p->logged_irq, 0, "piix3: PIRQ%c routed to reserved IRQ %d\n",
                               'A' + i, irq);
        }
        piix3_update(p);
    }
}

/* --- ELCR, 0x4D0/0x4D1 --- */

static uint32_t elcr_read(void *opaque, uint32_t offset, int size)
{
    struct piix3 *p = opaque;
    (void)size;
    if (p->elcr_ops.read)
        return p->elcr_ops.read(p->elcr_ops.opaque, (int)offset);
    return p->elcr[offset];
}

static void elcr_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct piix3 *p = opaque;
    (void)size;
    /* IRQ 0, 1, 2, 8 and 13 are always edge (82371SB 4.1.2.5). */
    uint8_t v = (uint8_t)value & (offset == 0 ? 0xf8 : 0xde);
    if (p->elcr_ops.write)
        p->elcr_ops.write(p->elcr_ops.opaque, (int)offset, v);
    else
        p->elcr[offset] = v;
}

static const struct io_ops elcr_ops = {elcr_read, elcr_write, 1};

/* --- 0xCF9 reset control --- */

static uint32_t rcr_read(void *opaque, uint32_t offset, int size)
{
    (void)offset, (void)size;
    return ((struct piix3 *)opaque)->rcr;
}

static void rcr_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct piix3 *p = opaque;
    (void)offset, (void)size;
    /* RCPU going to 1 resets; SRST picks hard vs soft reset (both reset
     * the whole machine here). The bit itself is not kept. */
    if ((value & PIIX3_RCR_RCPU) && !(p->rcr & PIIX3_RCR_RCPU))
        machine_request_reset(p->m);
    p->rcr = (uint8_t)value & PIIX3_RCR_SRST;
}

static const struct io_ops rcr_ops = {rcr_read, rcr_write, 1};

/* --- lifecycle --- */

static const struct vmstate_field piix3_fields[] = {
    VMSTATE_FIELD(struct piix3, elcr, 1),
    VMSTATE_FIELD(struct piix3, rcr, 1),
};

static int piix3_post_load(void *opaque)
{
    piix3_update(opaque);
    return 0;
}

static const struct vmstate piix3_vs = VMSTATE_DESC("piix3", 1, piix3_fields, piix3_post_load);

/* Power-on values of the ISA bridge registers (82371SB 2.2, as QEMU's
 * piix3_reset()): IORT, XBCS, PIRQs off, TOM, MBIRQ/MBDMA off, SMI/APM. */
static const struct {
    uint8_t reg, val;
} piix3_defaults[] = {
    {0x4c, 0x4d}, {0x4e, 0x03}, {0x4f, 0x00}, {0x60, 0x80}, {0x61, 0x80}, {0x62, 0x80},
    {0x63, 0x80}, {0x69, 0x02}, {0x70, 0x80}, {0x76, 0x0c}, {0x77, 0x0c}, {0x78, 0x02},
    {0x79, 0x00}, {0x80, 0x00}, {0x82, 0x00}, {0xa0, 0x08}, {0xa2, 0x00}, {0xa3, 0x00},
    {0xa4, 0x00}, {0xa5, 0x00}, {0xa6, 0x00}, {0xa7, 0x00}, {0xa8, 0x0f}, {0xaa, 0x00},
    {0xab, 0x00}, {0xac, 0x00}, {0xae, 0x00},
};

static void piix3_reset(void *opaque)
{
    struct piix3 *p = opaque;
    uint8_t *cfg = pci_config(p->dev);
    for (size_t i = 0; i < sizeof piix3_defaults / sizeof piix3_defaults[0]; i++)
        cfg[piix3_defaults[i].reg] = piix3_defaults[i].val;
    p->rcr = 0;
    p->elcr[0] = p->elcr[1] = 0;
    piix3_update(p);
}

struct piix3 *piix3_create(struct pci_bus *b, const struct irq_line isa_irq[16],
                           const struct piix3_elcr *elcr)
{
    struct piix3 *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->m = pci_bus_machine(b);
    p->dev = pci_device_create(b, PCI_DEVFN(1, 0), 0x8086, 0x7000, 0x00, 0x060100, "piix3");
    if (!p->dev) {
        free(p);
        return NULL;
    }
    for (int i = 0; i < 16; i++)
        p->isa_irq[i] = isa_irq ? isa_irq[i] : (struct irq_line){0};
    if (elcr)
        p->elcr_ops = *elcr;
    uint8_t *cfg = pci_config(p->dev), *wm = pci_wmask(p->dev);
    cfg[PCI_HEADER_TYPE] = 0x80; /* multi-function: IDE, USB (and PM) follow */
    cfg[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    for (size_t i = 0; i < sizeof piix3_defaults / sizeof piix3_defaults[0]; i++)
        cfg[piix3_defaults[i].reg] = piix3_defaults[i].val;
    for (int i = 0; i < 4; i++)
        wm[PIIX3_PIRQRC + i] = 0x8f;
    /* Other ISA-bridge registers (0x4C-0xB1: IORT, XBCS, TOM, MBDMA,
     * APIC base...) are plain storage as far as a PC guest can tell. */
    for (int a = 0x4c; a < 0xb2; a++)
        if (a < PIIX3_PIRQRC || a >= PIIX3_PIRQRC + 4)
            wm[a] = 0xff;
    struct pci_config_hooks hooks = {.write = piix3_config_write, .opaque = p};
    pci_set_config_hooks(p->dev, &hooks);
    pci_bus_set_pirq_router(b, piix3_set_pirq, p);
    pci_bus_set_port_cf9(b, &rcr_ops, p);
    if (elcr)
        ioport_register(machine_ioport(p->m), 0x4d0, 2, &elcr_ops, p);
    machine_register_state(p->m, &piix3_vs, p);
    machine_register_reset(p->m, piix3_reset, p);
    return p;
}

void piix3_destroy(struct piix3 *p)
{
    free(p);
}
struct pci_device *piix3_pci(struct piix3 *p)
{
    return p->dev;
}
const struct vmstate *piix3_vmstate(void)
{
    return &piix3_vs;
}
