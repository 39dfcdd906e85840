/* VGA memory window 0xA0000-0xBFFFF: memory map select, chain-4, odd/even
 * and planar accesses through the latches with write modes 0-3 and read
 * modes 0-1 (IBM VGA Technical Reference "Graphics Controller Registers";
 * FreeVGA "VGA memory" and "Graphics Controller"). */
#include <string.h>

#include "devices/vga_priv.h"

/* A 4-bit plane mask widened to one byte per plane. */
static uint32_t mask16(uint8_t m)
{
    return (m & 1 ? 0x000000FFu : 0) | (m & 2 ? 0x0000FF00u : 0) | (m & 4 ? 0x00FF0000u : 0) |
           (m & 8 ? 0xFF000000u : 0);
}

/* Translate a window offset (0..0x1FFFF from 0xA0000) through the memory
 * map select field (GR06 bits 2-3). Returns false outside the window. */
static bool vga_window(struct vga *v, uint32_t *addr)
{
    uint32_t a = *addr;
    switch ((v->gr[6] >> 2) & 3) {
    case 0: /* A0000-BFFFF, 128 KiB */ break;
    case 1: /* A0000-AFFFF, 64 KiB (VBE banks land here) */
        if (a >= 0x10000)
            return false;
        a += v->bank_offset;
        break;
    case 2: /* B0000-B7FFF, 32 KiB (monochrome) */
        if (a < 0x10000 || a >= 0x18000)
            return false;
        a -= 0x10000;
        break;
    default: /* B8000-BFFFF, 32 KiB (colour text) */
        if (a < 0x18000)
            return false;
        a -= 0x18000;
        break;
    }
    *addr = a;
    return true;
}

/* Chain-4 is forced on while a VBE mode with more than 4 bits per pixel is
 * enabled, so banked writes at 0xA0000 reach VRAM linearly (as QEMU). */
static bool vga_chain4(const struct vga *v)
{
    return (v->sr[4] & 0x08) || (vbe_enabled(v) && v->vbe_regs[VBE_INDEX_BPP] > 4);
}

/* Plane offsets run to 64 KiB; in a 4 bpp VBE mode (banked, planar) the
 * planes span all of VRAM, as QEMU allows. */
static uint32_t plane_limit(const struct vga *v)
{
    return vbe_enabled(v) ? v->vram_size / 4 : VGA_PLANE_BYTES;
}

static uint8_t vga_mem_readb(struct vga *v, uint32_t addr)
{
    if (!vga_window(v, &addr))
        return 0xFF;
    if (vga_chain4(v)) {
        /* Chain-4: address bits 0-1 select the plane (FreeVGA SR04). */
        if (addr >= v->vram_size)
            return 0xFF;
        memcpy(&v->latch, &v->vram[addr & ~3u], 4);
        return v->vram[addr];
    }
    if (v->gr[5] & 0x10) {
        /* Odd/even (host odd/even, GR05 bit 4): A0 picks plane 0/1 (or 2/3
         * by GR04 bit 1), the rest of the address goes to the plane. */
        unsigned plane = (v->gr[4] & 2) | (addr & 1);
        uint32_t off = addr >> 1;
        if (off >= plane_limit(v))
            return 0xFF;
        memcpy(&v->latch, &v->vram[off * 4], 4);
        return v->vram[off * 4 + plane];
    }
    if (addr >= plane_limit(v))
        return 0xFF;
    memcpy(&v->latch, &v->vram[addr * 4], 4);
    if (!(v->gr[5] & 0x08)) /* read mode 0: the plane of read map select */
        return v->latch >> ((v->gr[4] & 3) * 8);
    /* Read mode 1: a 1 for each pixel whose colour, over the planes selected
     * by colour don't care (GR07), equals colour compare (GR02). */
    uint32_t diff = (v->latch ^ mask16(v->gr[2])) & mask16(v->gr[7]);
    diff |= diff >> 16;
    diff |= diff >> 8;
    return ~diff & 0xFF;
}

static void vga_mem_writeb(struct vga *v, uint32_t addr, uint8_t val)
{
    if (!vga_window(v, &addr))
        return;
    uint8_t map_mask = v->sr[2] & 0x0F;
    if (vga_chain4(v)) {
        unsigned plane = addr & 3;
        if ((map_mask & (1u << plane)) && addr < v->vram_size) {
            v->vram[addr] = val;
            vga_vram_touch(v, addr);
            if (plane == 2)
                v->font_dirty = true;
        }
        return;
    }
    if (!(v->sr[4] & 0x04)) {
        /* Odd/even (SR04 bit 2 clear): A0 picks the plane, the map mask
         * still applies. */
        unsigned plane = (v->gr[4] & 2) | (addr & 1);
        uint32_t off = addr >> 1;
        if ((map_mask & (1u << plane)) && off < plane_limit(v)) {
            v->vram[off * 4 + plane] = val;
            if (plane == 2)
                v->font_dirty = true;
        }
        return;
    }
    if (addr >= plane_limit(v))
        return;

    uint32_t data, bit_mask = v->gr[8];
    unsigned rot = v->gr[3] & 7;
    uint8_t rotated = (uint8_t)((val >> rot) | (val << (8 - rot)));
    /* Write modes (GR05 bits 0-1): 0 rotated data, with set/reset on the
     * planes enabled in GR01; 1 the latches as they are (no function, no bit
     * mask); 2 data bits 0-3 fill the planes; 3 the set/reset colour under
     * the bit mask ANDed with the rotated data. */
    switch (v->gr[5] & 3) {
    case 0:
        data = rotated * 0x01010101u;
        data = (data & ~mask16(v->gr[1])) | (mask16(v->gr[0]) & mask16(v->gr[1]));
        break;
    case 1: data = v->latch; goto store;
    case 2: data = mask16(val & 0x0F); break;
    default:
        bit_mask &= rotated;
        data = mask16(v->gr[0]);
        break;
    }
    /* The logical function of GR03 bits 3-4 combines data with the latches. */
    switch ((v->gr[3] >> 3) & 3) {
    case 1: data &= v->latch; break;
    case 2: data |= v->latch; break;
    case 3: data ^= v->latch; break;
    }
    bit_mask *= 0x01010101u;
    data = (data & bit_mask) | (v->latch & ~bit_mask);
store:;
    uint32_t wm = mask16(map_mask), old;
    memcpy(&old, &v->vram[addr * 4], 4);
    old = (old & ~wm) | (data & wm);
    memcpy(&v->vram[addr * 4], &old, 4);
    if (map_mask & 4)
        v->font_dirty = true;
}

uint32_t vga_mem_read(void *opaque, uint32_t addr, int size)
{
    struct vga *v = opaque;
    uint32_t val = 0;
    for (int i = 0; i < size; i++)
        val |= (uint32_t)vga_mem_readb(v, addr + i) << (8 * i);
    return val;
}

void vga_mem_write(void *opaque, uint32_t addr, uint32_t val, int size)
{
    struct vga *v = opaque;
    for (int i = 0; i < size; i++)
        vga_mem_writeb(v, addr + i, val >> (8 * i));
}
