/* PCI bus 0: configuration mechanism #1, config space with writable masks,
 * BAR sizing and decoding (PCI Local Bus Spec 3.0, 6.2.5), the expansion
 * ROM BAR (6.2.5.2) and INTx -> PIRQ swizzling. */
#include "devices/pci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vmstate.h"
#include "mmu/io_access.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define PCI_CONFIG_SIZE 256
#define PCI_NUM_SLOTS   (PCI_NUM_BARS + 1) /* six BARs and the ROM */

struct pci_device {
    struct pci_bus *bus;
    uint8_t devfn;
    char name[32];
    uint8_t config[PCI_CONFIG_SIZE]; /* what the guest reads */
    uint8_t wmask[PCI_CONFIG_SIZE];  /* guest-writable bits */
    struct pci_bar bars[PCI_NUM_SLOTS];
    uint64_t mapped[PCI_NUM_SLOTS]; /* where each is decoded now */
    uint8_t *rom;                   /* expansion ROM image, bars[PCI_ROM_SLOT].size bytes */
    struct pci_config_hooks hooks;
    uint8_t irq_level; /* the function drives its pin (state) */
    bool intx_out;     /* what reaches the PIRQ: level && !INTx-disable */
    struct vmstate vs;
};

struct pci_bus {
    struct machine *m;
    struct pci_device *devs[256];
    uint32_t addr; /* 0xCF8: enable bit 31, bus 23:16, devfn 15:8, register 7:2 */
    const struct io_ops *cf9_ops;
    void *cf9_opaque;
    void (*set_pirq)(void *opaque, int pirq, bool level);
    void *pirq_opaque;
    int pirq_count[4]; /* functions asserting each PIRQ */
    uint64_t logged;   /* "-d unimp" messages already printed (bit per kind) */
};

enum { LOG_NARROW_CF8, LOG_OTHER_BUS, LOG_UNALIGNED };

/* --- raw config helpers --- */

uint8_t *pci_config(struct pci_device *d)
{
    return d->config;
}
uint8_t *pci_wmask(struct pci_device *d)
{
    return d->wmask;
}
void pci_set_byte(struct pci_device *d, uint32_t a, uint8_t v)
{
    d->config[a & 0xff] = v;
}
void pci_set_word(struct pci_device *d, uint32_t a, uint16_t v)
{
    pci_set_byte(d, a, (uint8_t)v);
    pci_set_byte(d, a + 1, (uint8_t)(v >> 8));
}
void pci_set_long(struct pci_device *d, uint32_t a, uint32_t v)
{
    pci_set_word(d, a, (uint16_t)v);
    pci_set_word(d, a + 2, (uint16_t)(v >> 16));
}
uint32_t pci_get_long(const struct pci_device *d, uint32_t a)
{
    a &= 0xfc;
    return d->config[a] | d->config[a + 1] << 8 | d->config[a + 2] << 16 |
           (uint32_t)d->config[a + 3] << 24;
}
static void wmask_set_long(struct pci_device *d, uint32_t a, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        d->wmask[a + i] = (uint8_t)(v >> (8 * i));
}
static uint16_t config_word(const struct pci_device *d, uint32_t a)
{
    return d->config[a] | d->config[a + 1] << 8;
}

/* --- BAR decoding --- */

static uint32_t bar_reg(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * n;
}

/* Where slot n should be decoded given the command register and the BAR,
 * as QEMU's pci_bar_address(): disabled, zero, all-ones (sizing) and
 * wrapping addresses are not decoded. */
static uint64_t bar_decode_addr(const struct pci_device *d, int n)
{
    const struct pci_bar *bar = &d->bars[n];
    if (!bar->size)
        return PCI_BAR_UNMAPPED;
    uint16_t cmd = config_word(d, PCI_COMMAND);
    uint32_t v = pci_get_long(d, bar_reg(n));
    uint64_t base, limit;
    if (n == PCI_ROM_SLOT) {
        if (!(cmd & PCI_COMMAND_MEMORY) || !(v & PCI_ROM_ADDRESS_ENABLE))
            return PCI_BAR_UNMAPPED;
        base = v & ~(bar->size - 1) & ~0x7ffu;
        limit = 0xffffffffull;
    } else if (bar->flags & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO))
            return PCI_BAR_UNMAPPED;
        base = v & ~(bar->size - 1) & ~3u;
        limit = 0xffffull;
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY))
            return PCI_BAR_UNMAPPED;
        base = v & ~0xfull;
        limit = 0xffffffffull;
        if (bar->flags & PCI_BAR_MEM64) {
            base |= (uint64_t)pci_get_long(d, bar_reg(n + 1)) << 32;
            limit = (1ull << 52) - 1; /* beyond any physical address width */
        }
        base &= ~(bar->size - 1);
    }
    uint64_t last = base + bar->size - 1;
    if (base == 0 || last >= limit)
        return PCI_BAR_UNMAPPED;
    return base;
}

static void bar_unmap(struct pci_device *d, int n, uint64_t addr)
{
    struct pci_bar *bar = &d->bars[n];
    struct machine *m = d->bus->m;
    if (bar->map)
        bar->map(bar->opaque, n, PCI_BAR_UNMAPPED);
    else if (bar->flags & PCI_BAR_IO)
        ioport_unregister(machine_ioport(m), (uint16_t)addr, bar->size, bar->opaque);
    else
        memmap_remove_owned(machine_memmap(m), addr, bar->host ? (void *)bar->host : bar->opaque);
}

static void bar_map(struct pci_device *d, int n, uint64_t addr)
{
    struct pci_bar *bar = &d->bars[n];
    struct machine *m = d->bus->m;
    if (bar->map)
        bar->map(bar->opaque, n, addr);
    else if (bar->flags & PCI_BAR_IO)
        ioport_register(machine_ioport(m), (uint16_t)addr, bar->size, bar->ops, bar->opaque);
    else if (bar->host)
        memmap_add_ram(machine_memmap(m), addr, bar->size, bar->host, n == PCI_ROM_SLOT);
    else
        memmap_add_mmio(machine_memmap(m), addr, bar->size, bar->ops, bar->opaque);
}

/* Bring every slot's decoding in line with the config registers. */
static void pci_update_mappings(struct pci_device *d)
{
    for (int n = 0; n < PCI_NUM_SLOTS; n++) {
        uint64_t want = bar_decode_addr(d, n);
        if (want == d->mapped[n])
            continue;
        if (d->mapped[n] != PCI_BAR_UNMAPPED)
            bar_unmap(d, n, d->mapped[n]);
        d->mapped[n] = want;
        if (want != PCI_BAR_UNMAPPED)
            bar_map(d, n, want);
    }
}

static uint32_t bar_type(const struct pci_bar *bar)
{
    return bar->flags & (PCI_BAR_IO | PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
}

void pci_register_bar(struct pci_device *d, int n, const struct pci_bar *bar)
{
    bool wide = !(bar->flags & PCI_BAR_IO) && (bar->flags & PCI_BAR_MEM64);
    if (n < 0 || n >= PCI_NUM_BARS - (wide ? 1 : 0))
        return;
    d->bars[n] = *bar;
    uint32_t reg = bar_reg(n);
    pci_set_long(d, reg, bar_type(bar));
    /* Sizing (6.2.5.1): the address bits below the size are hard-wired to
     * zero, so writing all ones reads back ~(size - 1) | type. */
    uint64_t mask = ~(bar->size - 1);
    wmask_set_long(d, reg, (uint32_t)mask & (bar->flags & PCI_BAR_IO ? ~3u : ~0xfu));
    if (wide) { /* the next BAR holds address bits 63:32 */
        d->bars[n + 1] = (struct pci_bar){0};
        pci_set_long(d, reg + 4, 0);
        wmask_set_long(d, reg + 4, (uint32_t)(mask >> 32));
    }
}

void pci_register_rom(struct pci_device *d, const uint8_t *image, size_t size)
{
    uint32_t sz = 2048;
    while (sz < size)
        sz <<= 1;
    free(d->rom);
    d->rom = calloc(1, sz);
    if (!d->rom)
        return;
    memcpy(d->rom, image, size);
    d->bars[PCI_ROM_SLOT] = (struct pci_bar){.size = sz, .flags = PCI_BAR_MEM, .host = d->rom};
    pci_set_long(d, PCI_ROM_ADDRESS, 0);
    wmask_set_long(d, PCI_ROM_ADDRESS, ~(sz - 1) | PCI_ROM_ADDRESS_ENABLE);
}

uint64_t pci_bar_addr(const struct pci_device *d, int n)
{
    return n >= 0 && n < PCI_NUM_SLOTS ? d->mapped[n] : PCI_BAR_UNMAPPED;
}

/* --- interrupts --- */

int pci_device_pirq(const struct pci_device *d)
{
    int pin = d->config[PCI_INTERRUPT_PIN];
    if (pin < 1 || pin > 4)
        return -1;
    return (PCI_SLOT(d->devfn) + pin - 1) & 3;
}

static void pci_update_intx(struct pci_device *d)
{
    bool out = d->irq_level && !(config_word(d, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    int pirq = pci_device_pirq(d);
    if (out == d->intx_out || pirq < 0)
        return;
    d->intx_out = out;
    struct pci_bus *b = d->bus;
    b->pirq_count[pirq] += out ? 1 : -1;
    if (b->set_pirq)
        b->set_pirq(b->pirq_opaque, pirq, b->pirq_count[pirq] > 0);
}

void pci_set_interrupt_pin(struct pci_device *d, int pin)
{
    d->config[PCI_INTERRUPT_PIN] = (uint8_t)(pin >= 0 && pin <= 4 ? pin : 0);
}

void pci_set_irq(struct pci_device *d, bool level)
{
    d->irq_level = level;
    if (level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    pci_update_intx(d);
}

void pci_bus_set_pirq_router(struct pci_bus *b,
                             void (*set_pirq)(void *opaque, int pirq, bool level), void *opaque)
{
    b->set_pirq = set_pirq;
    b->pirq_opaque = opaque;
}

/* --- config cycles --- */

uint32_t pci_config_read(struct pci_device *d, uint32_t addr, int size)
{
    addr &= 0xff;
    if (addr + size > PCI_CONFIG_SIZE)
        return 0xffffffffu;
    if (d->hooks.read)
        d->hooks.read(d->hooks.opaque, d, addr, size);
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    return v;
}

void pci_config_write(struct pci_device *d, uint32_t addr, uint32_t value, int size)
{
    addr &= 0xff;
    if (addr + size > PCI_CONFIG_SIZE)
        return;
    bool decode = false;
    for (int i = 0; i < size; i++) {
        uint32_t a = addr + i;
        uint8_t w = d->wmask[a];
        d->config[a] = (uint8_t)((d->config[a] & ~w) | ((value >> (8 * i)) & w));
        if (a == PCI_COMMAND || a == PCI_COMMAND + 1 ||
            (a >= PCI_BASE_ADDRESS_0 && a < PCI_BASE_ADDRESS_0 + 4 * PCI_NUM_BARS) ||
            (a >= PCI_ROM_ADDRESS && a < PCI_ROM_ADDRESS + 4))
            decode = true;
    }
    if (decode) {
        pci_update_mappings(d);
        pci_update_intx(d);
    }
    if (d->hooks.write)
        d->hooks.write(d->hooks.opaque, d, addr, value, size);
}

/* --- mechanism #1 ports --- */

/* The function the address register selects, or NULL (no device: the
 * master aborts and reads return all ones). */
static struct pci_device *selected(struct pci_bus *b)
{
    if (!(b->addr & 0x80000000u))
        return NULL;
    if ((b->addr >> 16) & 0xff) {
        unimp_log_once(b->m, &b->logged, LOG_OTHER_BUS,
                       "pci: config access to bus %u (only bus 0 exists)\n",
                       (b->addr >> 16) & 0xff);
        return NULL;
    }
    return b->devs[(b->addr >> 8) & 0xff];
}

static uint32_t pci_port_read(void *opaque, uint32_t offset, int size)
{
    struct pci_bus *b = opaque;
    if (offset < 4) {
        if (offset == 0 && size == 4)
            return b->addr;
        if (offset == 1 && size == 1 && b->cf9_ops)
            return io_ops_read(b->cf9_ops, b->cf9_opaque, 0, 1);
        unimp_log_once(b->m, &b->logged, LOG_NARROW_CF8,
                       "pci: narrow read of 0x%x (not the address register)\n", 0xcf8 + offset);
        return 0xffffffffu;
    }
    uint32_t reg = (b->addr & 0xfc) + (offset - 4);
    if (reg & (size - 1)) {
        unimp_log_once(b->m, &b->logged, LOG_UNALIGNED, "pci: unaligned config read at 0x%x\n",
                       reg);
        return 0xffffffffu;
    }
    struct pci_device *d = selected(b);
    return d ? pci_config_read(d, reg, size) : 0xffffffffu >> (32 - 8 * size);
}

static void pci_port_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct pci_bus *b = opaque;
    if (offset < 4) {
        if (offset == 0 && size == 4)
            b->addr = value & 0x80fffffcu; /* bits 30:24 reserved, 1:0 read as zero */
        else if (offset == 1 && size == 1 && b->cf9_ops)
            io_ops_write(b->cf9_ops, b->cf9_opaque, 0, value, 1);
        else
            unimp_log_once(b->m, &b->logged, LOG_NARROW_CF8,
                           "pci: narrow write to 0x%x (not the address register)\n",
                           0xcf8 + offset);
        return;
    }
    uint32_t reg = (b->addr & 0xfc) + (offset - 4);
    if (reg & (size - 1)) {
        unimp_log_once(b->m, &b->logged, LOG_UNALIGNED, "pci: unaligned config write at 0x%x\n",
                       reg);
        return;
    }
    struct pci_device *d = selected(b);
    if (d)
        pci_config_write(d, reg, value, size);
}

/* Every size reaches the callbacks unsplit: a dword at 0xCF8 is the address
 * register, a byte at 0xCF9 the reset control register. */
static const struct io_ops pci_port_ops = {pci_port_read, pci_port_write, 1 | 2 | 4};

/* --- bus --- */

static const struct vmstate_field pci_bus_fields[] = {VMSTATE_FIELD(struct pci_bus, addr, 1)};
static const struct vmstate pci_bus_vs = VMSTATE_DESC("pci-bus", 1, pci_bus_fields, NULL);

static int pci_device_post_load(void *opaque)
{
    struct pci_device *d = opaque;
    pci_update_mappings(d);
    pci_update_intx(d);
    return 0;
}

static const struct vmstate_field pci_device_fields[] = {
    VMSTATE_FIELD(struct pci_device, config, 1),
    VMSTATE_FIELD(struct pci_device, irq_level, 1),
};

void pci_bus_reset(struct pci_bus *b)
{
    for (int i = 0; i < 256; i++) {
        struct pci_device *d = b->devs[i];
        if (!d)
            continue;
        /* RST# (6.2.2): no decoding, BARs cleared to their type bits. */
        pci_set_word(d, PCI_COMMAND, 0);
        for (int n = 0; n < PCI_NUM_BARS; n++) {
            if (!d->bars[n].size)
                continue;
            pci_set_long(d, bar_reg(n), bar_type(&d->bars[n]));
            if (bar_type(&d->bars[n]) & PCI_BAR_MEM64)
                pci_set_long(d, bar_reg(n + 1), 0);
        }
        pci_set_long(d, PCI_ROM_ADDRESS, 0);
        d->config[0x0c] = 0; /* cache line size */
        d->config[PCI_INTERRUPT_LINE] = 0;
        pci_set_irq(d, false);
        pci_update_mappings(d);
    }
    b->addr = 0;
}

static void pci_bus_reset_cb(void *opaque)
{
    pci_bus_reset(opaque);
}

struct pci_bus *pci_bus_create(struct machine *m)
{
    struct pci_bus *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->m = m;
    ioport_register(machine_ioport(m), 0xcf8, 8, &pci_port_ops, b);
    machine_register_state(m, &pci_bus_vs, b);
    machine_register_reset(m, pci_bus_reset_cb, b);
    return b;
}

void pci_bus_destroy(struct pci_bus *b)
{
    if (!b)
        return;
    for (int i = 0; i < 256; i++) {
        if (b->devs[i]) {
            free(b->devs[i]->rom);
            free(b->devs[i]);
        }
    }
    free(b);
}

struct machine *pci_bus_machine(struct pci_bus *b)
{
    return b->m;
}

void pci_bus_set_port_cf9(struct pci_bus *b, const struct io_ops *ops, void *opaque)
{
    b->cf9_ops = ops;
    b->cf9_opaque = opaque;
}

struct pci_device *pci_device_create(struct pci_bus *b, uint8_t devfn, uint16_t vendor,
                                     uint16_t device, uint8_t revision, uint32_t class_code,
                                     const char *name)
{
    if (b->devs[devfn])
        return NULL;
    struct pci_device *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->bus = b;
    d->devfn = devfn;
    snprintf(d->name, sizeof d->name, "pci-%02x.%x-%s", PCI_SLOT(devfn), PCI_FUNC(devfn), name);
    for (int n = 0; n < PCI_NUM_SLOTS; n++)
        d->mapped[n] = PCI_BAR_UNMAPPED;
    pci_set_word(d, PCI_VENDOR_ID, vendor);
    pci_set_word(d, PCI_DEVICE_ID, device);
    pci_set_byte(d, PCI_REVISION_ID, revision);
    pci_set_byte(d, PCI_CLASS_PROG, (uint8_t)class_code);
    pci_set_word(d, PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    /* QEMU's subsystem ids; SeaBIOS checks them on the host bridge to know
     * it runs on QEMU's board (src/fw/paravirt.c qemu_detect()). */
    pci_set_word(d, PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
    pci_set_word(d, PCI_SUBSYSTEM_ID, 0x1100);
    pci_set_word(d, PCI_STATUS, 0x0200); /* DEVSEL medium */
    d->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    d->wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
    d->wmask[0x0c] = 0xff; /* cache line size */
    d->wmask[0x0d] = 0xff; /* latency timer */
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    d->vs = (struct vmstate)VMSTATE_DESC(d->name, 1, pci_device_fields, pci_device_post_load);
    b->devs[devfn] = d;
    machine_register_state(b->m, &d->vs, d);
    return d;
}

const struct vmstate *pci_device_vmstate(const struct pci_device *d)
{
    return &d->vs;
}
struct pci_device *pci_bus_device(struct pci_bus *b, uint8_t devfn)
{
    return b->devs[devfn];
}
const char *pci_device_name(const struct pci_device *d)
{
    return d->name;
}
uint8_t pci_device_devfn(const struct pci_device *d)
{
    return d->devfn;
}
void pci_set_config_hooks(struct pci_device *d, const struct pci_config_hooks *h)
{
    d->hooks = *h;
}
