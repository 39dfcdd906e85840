/* The PCI bus: configuration mechanism #1 (ports 0xCF8 address, 0xCFC-0xCFF
 * data), functions with a 256-byte config space and masks of writable bits,
 * BAR sizing and decoding into the port and memory maps, the expansion ROM
 * BAR, and INTx -> PIRQ routing (the chipset maps PIRQs to ISA IRQs). */
#ifndef VX86_PCI_H
#define VX86_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/io_ops.h"

struct machine;
struct pci_bus;
struct pci_device;
struct vmstate;

#define PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))
#define PCI_SLOT(devfn)     (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)     ((devfn)&7)

/* Config space offsets (PCI Local Bus Spec 3.0, 6.1). */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_DEVICE        0x0a
#define PCI_HEADER_TYPE         0x0e
#define PCI_BASE_ADDRESS_0      0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_COMMAND_IO           0x1 /* decode the I/O BARs */
#define PCI_COMMAND_MEMORY       0x2 /* decode the memory BARs and the ROM */
#define PCI_COMMAND_MASTER       0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_INTERRUPT     0x08 /* INTx asserted (read-only) */
#define PCI_ROM_ADDRESS_ENABLE   0x1

#define PCI_NUM_BARS     6
#define PCI_ROM_SLOT     6       /* bar index of the expansion ROM in pci_bar_addr() */
#define PCI_BAR_UNMAPPED (~0ull) /* not decoded (disabled, or never programmed) */

/* Kinds of BAR (the low bits of the BAR register). */
#define PCI_BAR_IO       0x1
#define PCI_BAR_MEM      0x0
#define PCI_BAR_MEM64    0x4 /* 64-bit memory BAR: takes BAR n + 1 for the high half */
#define PCI_BAR_PREFETCH 0x8

/* How a BAR's region is decoded once the guest enables it. Exactly one of
 * ops, host and map is used (checked in that order: map, host, ops). */
struct pci_bar {
    uint64_t size;  /* bytes, a power of two: I/O 4..256, memory >= 16 (< 4 GiB
                       unless 64-bit) */
    unsigned flags; /* PCI_BAR_IO, or PCI_BAR_MEM [| PCI_BAR_MEM64] [| PCI_BAR_PREFETCH] */
    const struct io_ops *ops; /* callbacks (offset relative to the BAR) */
    void *opaque;
    uint8_t *host; /* memory BAR backed by host memory, mapped as RAM */
    /* The device maps itself: called with the new address, or with
     * PCI_BAR_UNMAPPED when decoding stops. */
    void (*map)(void *opaque, int bar, uint64_t addr);
};

/* Hooks a function can set for registers with side effects (PAM, PIRQ
 * routing). `write` runs after the masked value is stored in config space;
 * `read` may refresh config bytes before they are returned. */
struct pci_config_hooks {
    void (*write)(void *opaque, struct pci_device *d, uint32_t addr, uint32_t value, int size);
    void (*read)(void *opaque, struct pci_device *d, uint32_t addr, int size);
    void *opaque;
};

/* Bus 0 with its config ports 0xCF8-0xCFF registered on m's port map. Only
 * dword accesses reach the address register 0xCF8; a byte access to 0xCF9
 * goes to the handler set with pci_bus_set_port_cf9() (the PIIX3's reset
 * control register shares the dword), other narrow ones are ignored. */
struct pci_bus *pci_bus_create(struct machine *m);
void pci_bus_set_port_cf9(struct pci_bus *b, const struct io_ops *ops, void *opaque);
void pci_bus_destroy(struct pci_bus *b);
struct machine *pci_bus_machine(struct pci_bus *b);

/* Add a function at devfn with its identity (class = base<<16 | sub<<8 |
 * prog-if). The header is type 0; the command register's I/O, memory, bus
 * master and INTx-disable bits are writable. NULL if devfn is taken. */
struct pci_device *pci_device_create(struct pci_bus *b, uint8_t devfn, uint16_t vendor,
                                     uint16_t device, uint8_t revision, uint32_t class_code,
                                     const char *name);
struct pci_device *pci_bus_device(struct pci_bus *b, uint8_t devfn);
const char *pci_device_name(const struct pci_device *d);
uint8_t pci_device_devfn(const struct pci_device *d);
void pci_set_config_hooks(struct pci_device *d, const struct pci_config_hooks *h);

/* Raw config space and the mask of guest-writable bits (256 bytes each),
 * for a device to initialise its registers. */
uint8_t *pci_config(struct pci_device *d);
uint8_t *pci_wmask(struct pci_device *d);
/* Little-endian helpers on the raw config space (no side effects). */
void pci_set_byte(struct pci_device *d, uint32_t addr, uint8_t v);
void pci_set_word(struct pci_device *d, uint32_t addr, uint16_t v);
void pci_set_long(struct pci_device *d, uint32_t addr, uint32_t v);
uint32_t pci_get_long(const struct pci_device *d, uint32_t addr);

/* Config cycles as the guest does them (masks, BAR sizing, hooks applied).
 * size 1, 2 or 4; addr aligned to size. */
uint32_t pci_config_read(struct pci_device *d, uint32_t addr, int size);
void pci_config_write(struct pci_device *d, uint32_t addr, uint32_t value, int size);

/* Declare BAR n (0-5; 0-4 for a 64-bit BAR, which also uses n + 1). */
void pci_register_bar(struct pci_device *d, int n, const struct pci_bar *bar);
/* The expansion ROM (BAR at 0x30): the image is copied and padded to a
 * power of two (>= 2 KiB); decoded read-only when the ROM enable bit and
 * the command register's memory bit are set. */
void pci_register_rom(struct pci_device *d, const uint8_t *image, size_t size);
/* Where BAR n (or PCI_ROM_SLOT) is decoded now, or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_addr(const struct pci_device *d, int n);

/* Interrupts: the function's pin (1-4 = INTA#-INTD#, 0 = none) is set with
 * pci_set_interrupt_pin(); pci_set_irq() drives it (level-triggered, shared).
 * The bus swizzles it onto PIRQ (slot + pin - 1) & 3, as the i440FX board
 * wires its slots, and calls the router (the PIIX3) with that PIRQ's level
 * (the OR of every function on it). */
void pci_set_interrupt_pin(struct pci_device *d, int pin);
void pci_set_irq(struct pci_device *d, bool level);
void pci_bus_set_pirq_router(struct pci_bus *b,
                             void (*set_pirq)(void *opaque, int pirq, bool level), void *opaque);
int pci_device_pirq(const struct pci_device *d); /* -1 when the function has no pin */

/* The function's saved state (config space, INTx level), registered with the
 * machine by pci_device_create(); exposed for tests. */
const struct vmstate *pci_device_vmstate(const struct pci_device *d);

/* Reset every function: command register 0 (nothing decoded), BARs 0, the
 * device-specific registers are the device's job (its own reset handler). */
void pci_bus_reset(struct pci_bus *b);

#endif
