/* The i440FX host bridge (PCI 00:00.0, 8086:1237): PAM registers that
 * shadow 0xC0000-0xFFFFF between ROM/PCI and RAM, and the SMRAM register. */
#ifndef VX86_I440FX_H
#define VX86_I440FX_H

#include <stddef.h>
#include <stdint.h>

struct i440fx;
struct pci_bus;
struct pci_device;
struct vmstate;

#define I440FX_PAM0         0x59 /* PAM0-PAM6 at 0x59-0x5F (82441FX datasheet 3.2.18) */
#define I440FX_SMRAM        0x72 /* SMRAM control (3.2.22) */
#define I440FX_PAM_RE       0x1  /* per nibble: reads go to DRAM */
#define I440FX_PAM_WE       0x2  /* per nibble: writes go to DRAM */
#define I440FX_NUM_PAM_SEGS 13   /* 0xF0000 (64 KiB) and 12 x 16 KiB from 0xC0000 */

/* The bridge on bus b at devfn 0. `bios_alias` is the firmware's last
 * `bios_alias_size` bytes (<= 128 KiB), which a PC decodes just below 1 MiB
 * when a PAM segment reads from ROM; the segments below it read the PCI bus
 * (nothing: all ones). The board must not map anything else in
 * 0xC0000-0xFFFFF except through the bridge. */
struct i440fx *i440fx_create(struct pci_bus *b, uint8_t *bios_alias, size_t bios_alias_size);
void i440fx_destroy(struct i440fx *h);
struct pci_device *i440fx_pci(struct i440fx *h);
/* The bridge's own state table (no fields: its post_load re-derives the
 * PAM mappings from the config space restored before it). */
const struct vmstate *i440fx_vmstate(struct i440fx *h);
/* The PAM nibble (RE/WE bits) now in force for the segment holding addr
 * (0xC0000 <= addr < 0x100000). */
int i440fx_pam_mode(const struct i440fx *h, uint32_t addr);

#endif
