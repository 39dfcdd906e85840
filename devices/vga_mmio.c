/* The stdvga's MMIO BAR (PCI BAR2, 4 KiB, QEMU hw/display/vga-pci.c) that
 * Linux bochs-drm uses instead of the ports: 0x000-0x3FF EDID (none here:
 * reads 0, the driver then offers its default modes), 0x400-0x41F the VGA
 * ports 0x3C0-0x3DF, 0x500-0x515 the Bochs DISPI registers (16 bits each),
 * 0x600-0x607 QEMU's extended registers (size, framebuffer byte order). */
#include "devices/vga_priv.h"
#include "mmu/io_ops.h"

#define MMIO_VGA   0x400 /* port 0x3C0 */
#define MMIO_DISPI 0x500
#define MMIO_QEXT  0x600
#define QEXT_SIZE  8
#define QEXT_LE    0x1e1e1e1eu /* framebuffer little-endian (the only one here) */

static uint32_t vga_mmio_read(void *opaque, uint32_t addr, int size)
{
    struct vga *v = opaque;
    if (addr >= MMIO_VGA && addr < MMIO_VGA + 0x20) {
        uint32_t port = 0x3C0 - 0x3B0 + (addr - MMIO_VGA), val = 0;
        for (int i = 0; i < size && addr + i < MMIO_VGA + 0x20; i++)
            val |= (vga_port_read(v, port + i, 1) & 0xFF) << (8 * i);
        return val;
    }
    if (addr >= MMIO_DISPI && addr < MMIO_DISPI + 2 * VBE_NREGS) {
        /* As QEMU: the register index is selected, then read. */
        v->vbe_index = (addr - MMIO_DISPI) / 2;
        return vbe_port_read(v, 1, 2);
    }
    if (addr >= MMIO_QEXT && addr < MMIO_QEXT + QEXT_SIZE) {
        uint32_t r = addr < MMIO_QEXT + 4 ? QEXT_SIZE : QEXT_LE;
        return (r >> (8 * (addr & 3))) & (size == 1 ? 0xFF : 0xFFFF);
    }
    return 0;
}

static void vga_mmio_write(void *opaque, uint32_t addr, uint32_t val, int size)
{
    struct vga *v = opaque;
    if (addr >= MMIO_VGA && addr < MMIO_VGA + 0x20) {
        /* A 16-bit write is index then data, as OUTW to the ports. */
        uint32_t port = 0x3C0 - 0x3B0 + (addr - MMIO_VGA);
        for (int i = 0; i < size && addr + i < MMIO_VGA + 0x20; i++)
            vga_port_write(v, port + i, (val >> (8 * i)) & 0xFF, 1);
        return;
    }
    if (addr >= MMIO_DISPI && addr < MMIO_DISPI + 2 * VBE_NREGS) {
        v->vbe_index = (addr - MMIO_DISPI) / 2;
        vbe_port_write(v, 1, val & 0xFFFF, 2);
        return;
    }
    if (addr >= MMIO_QEXT && addr < MMIO_QEXT + QEXT_SIZE) {
        /* Byte order: only little-endian is drawn; a big-endian request is
         * bad guest programming on this host. */
        if (addr >= MMIO_QEXT + 4 && (val & 0xFF) != (QEXT_LE & 0xFF))
            vga_unimp(v, VGA_UNIMP_VBE_INDEX, "big-endian framebuffer requested (0x%x)", val);
        return;
    }
    vga_unimp(v, VGA_UNIMP_VBE_INDEX, "MMIO BAR write 0x%x at 0x%x", val, addr);
}

/* 4-byte accesses are split into two 16-bit ones. */
const struct io_ops vga_mmio_ops = {vga_mmio_read, vga_mmio_write, 1 | 2};
