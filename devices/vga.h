/* The VGA: IBM VGA register file and memory (legacy ports 0x3B0-0x3DF,
 * memory 0xA0000-0xBFFFF), Bochs VBE (0x1CE/0x1CF + linear framebuffer), as
 * QEMU's PCI "stdvga" (1234:1111, class 0x0300) that vgabios-stdvga.bin drives. */
#ifndef VX86_VGA_H
#define VX86_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct surface;
struct vga;

#define VGA_PCI_VENDOR   0x1234
#define VGA_PCI_DEVICE   0x1111
#define VGA_PCI_CLASS    0x030000    /* display, VGA compatible */
#define VGA_VRAM_DEFAULT (16u << 20) /* 16 MiB, also the size of BAR0 */
#define VGA_LFB_DEFAULT  0xE0000000u /* Bochs ISA VBE LFB address (before PCI moves it) */

struct vga_config {
    uint32_t vram_size; /* bytes, power of two, >= 256 KiB; 0 = VGA_VRAM_DEFAULT */
    const uint8_t *rom; /* VGA BIOS image (copied; the PCI expansion ROM); may be NULL */
    size_t rom_size;
    /* Where the LFB is mapped until the PCI BAR is programmed; 0 = unmapped
     * until vga_map_lfb(). */
    uint64_t lfb_base;
};

/* Create the VGA on machine m: registers the legacy ports (always decoded,
 * as QEMU), 0x1CE/0x1CF, the 0xA0000-0xBFFFF MMIO window, its state tables
 * and its reset handler. cfg may be NULL (defaults). The PCI function is
 * added by vga_pci_attach(). NULL on allocation failure or a bad size. */
struct vga *vga_create(struct machine *m, const struct vga_config *cfg);
/* Free the VGA once its machine is destroyed (its ports, memory and
 * handlers stay registered on the machine until then). */
void vga_destroy(struct vga *v);
void vga_reset(struct vga *v);

/* The display: render what changed into the surface (text, VBE and the
 * 256-colour/planar graphics modes). Called by the frontend at its refresh
 * rate; the surface is resized when the mode changes. */
struct surface *vga_surface(struct vga *v);
void vga_update_display(struct vga *v);

/* The text screen as lines separated by '\n' (one per text row, trailing
 * blanks trimmed; the last line has a '\n' too), NUL-terminated if cap > 0
 * (only whole characters are written). Code page 437 is mapped to UTF-8
 * (box drawing, accents, control-code glyphs; 0x00, 0x20 and 0xFF are
 * blanks). Returns the length the full dump needs (excluding the NUL), like
 * snprintf, so vga_text_dump(v, NULL, 0) sizes the buffer. In a graphics or
 * VBE mode, or before any text mode is set up, the dump is empty (0). */
size_t vga_text_dump(struct vga *v, char *buf, size_t cap);
/* Same with plain ASCII: bytes 0x20-0x7E as is, other non-blank glyphs '?'. */
size_t vga_text_dump_ascii(struct vga *v, char *buf, size_t cap);

/* Make the VGA PCI function devfn on bus (QEMU puts it at 00:02.0):
 * 1234:1111 class 0x0300, BAR0 = the LFB (prefetchable memory, the VRAM
 * size, mapped where the guest programs it), the expansion ROM = the VGA
 * BIOS given to vga_create(). Create the VGA with lfb_base 0 then. */
struct pci_bus;
struct pci_device;
struct pci_device *vga_pci_attach(struct vga *v, struct pci_bus *bus, uint8_t devfn);

/* The state tables registered on the machine: the registers (opaque =
 * the struct vga) and the VRAM (opaque = vga_vram()). */
struct vmstate;
const struct vmstate *vga_vmstate(struct vga *v);
const struct vmstate *vga_vram_vmstate(struct vga *v);

/* PCI glue for the board (devices/pc.c): VRAM backs BAR0 (prefetchable
 * memory, vga_vram_size() bytes). Map the LFB at `base` (0 = unmap). */
void vga_map_lfb(struct vga *v, uint64_t base);
uint8_t *vga_vram(struct vga *v);
uint32_t vga_vram_size(const struct vga *v);
/* The expansion ROM contents (NULL/0 when none was given). */
const uint8_t *vga_rom(const struct vga *v, size_t *size);

#endif
