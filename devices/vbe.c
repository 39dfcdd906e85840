/* Bochs VBE "DISPI" interface (Bochs iodev/vga vbe.h, QEMU hw/display/vga.c):
 * index port 0x1CE, data port 0x1CF, 64 KiB banks at 0xA0000, and rendering
 * of the linear framebuffer (8/15/16/24/32 bpp) into the surface. */
#include <string.h>

#include "devices/machine.h"
#include "devices/surface.h"
#include "devices/vga_priv.h"
#include "mmu/codepages.h"
#include "mmu/memmap.h"

bool vbe_enabled(const struct vga *v)
{
    return v->vbe_regs[VBE_INDEX_ENABLE] & VBE_ENABLED;
}

static unsigned vbe_bytes_pp(unsigned bpp)
{
    return bpp <= 8 ? 1 : (bpp + 7) / 8;
}

/* Re-derive line length, display start and bank offset from the registers,
 * clamping them to what fits in VRAM (QEMU vbe_fixup_regs). */
void vbe_recompute(struct vga *v)
{
    uint16_t *r = v->vbe_regs;
    unsigned bpp = r[VBE_INDEX_BPP];
    if (bpp != 4 && bpp != 8 && bpp != 15 && bpp != 16 && bpp != 24 && bpp != 32)
        r[VBE_INDEX_BPP] = bpp = 8;
    if (r[VBE_INDEX_XRES] > VBE_MAX_XRES)
        r[VBE_INDEX_XRES] = VBE_MAX_XRES;
    if (r[VBE_INDEX_YRES] > VBE_MAX_YRES)
        r[VBE_INDEX_YRES] = VBE_MAX_YRES;
    if (r[VBE_INDEX_VIRT_WIDTH] < r[VBE_INDEX_XRES])
        r[VBE_INDEX_VIRT_WIDTH] = r[VBE_INDEX_XRES];
    uint32_t line =
        bpp == 4 ? r[VBE_INDEX_VIRT_WIDTH] / 2u : r[VBE_INDEX_VIRT_WIDTH] * vbe_bytes_pp(bpp);
    if (line == 0)
        line = 1;
    uint32_t max_h = v->vram_size / line;
    if (max_h > 0xFFFF)
        max_h = 0xFFFF;
    if (r[VBE_INDEX_YRES] > max_h)
        r[VBE_INDEX_YRES] = max_h;
    /* The virtual height is whatever fits in VRAM (as QEMU and Bochs). */
    r[VBE_INDEX_VIRT_HEIGHT] = max_h;
    if (r[VBE_INDEX_X_OFFSET] > r[VBE_INDEX_VIRT_WIDTH])
        r[VBE_INDEX_X_OFFSET] = 0;
    if (r[VBE_INDEX_Y_OFFSET] > r[VBE_INDEX_VIRT_HEIGHT])
        r[VBE_INDEX_Y_OFFSET] = 0;
    v->vbe_line_bytes = line;
    uint64_t start = (uint64_t)r[VBE_INDEX_Y_OFFSET] * line +
                     (bpp == 4 ? r[VBE_INDEX_X_OFFSET] / 2u
                               : (uint64_t)r[VBE_INDEX_X_OFFSET] * vbe_bytes_pp(bpp));
    v->vbe_start = start < v->vram_size ? (uint32_t)start : 0;
    r[VBE_INDEX_BANK] &= (v->vram_size >> 16) - 1;
    v->bank_offset = (uint32_t)r[VBE_INDEX_BANK] << 16;
}

void vbe_reset(struct vga *v)
{
    memset(v->vbe_regs, 0, sizeof v->vbe_regs);
    v->vbe_index = 0;
    v->vbe_regs[VBE_INDEX_ID] = VBE_ID5;
    v->vbe_regs[VBE_INDEX_BPP] = 8;
    vbe_recompute(v);
}

uint32_t vbe_port_read(void *opaque, uint32_t offset, int size)
{
    struct vga *v = opaque;
    (void)size;
    if (offset == 0)
        return v->vbe_index;
    uint16_t i = v->vbe_index;
    if (i >= VBE_NREGS)
        return 0;
    if (v->vbe_regs[VBE_INDEX_ENABLE] & VBE_GETCAPS) {
        /* GETCAPS: XRES/YRES/BPP read the maximums. */
        if (i == VBE_INDEX_XRES)
            return VBE_MAX_XRES;
        if (i == VBE_INDEX_YRES)
            return VBE_MAX_YRES;
        if (i == VBE_INDEX_BPP)
            return VBE_MAX_BPP;
    }
    if (i == VBE_INDEX_VIDEO_MEMORY_64K)
        return v->vram_size >> 16;
    return v->vbe_regs[i];
}

/* Entering a VBE mode programs the VGA registers the way the mode needs
 * them (graphics mode, 64 KiB window at 0xA0000), as QEMU's
 * vbe_update_vgaregs does, so banked access works. */
static void vbe_enter(struct vga *v, uint16_t val)
{
    uint16_t *r = v->vbe_regs;
    r[VBE_INDEX_VIRT_WIDTH] = r[VBE_INDEX_XRES];
    r[VBE_INDEX_VIRT_HEIGHT] = r[VBE_INDEX_YRES];
    r[VBE_INDEX_X_OFFSET] = 0;
    r[VBE_INDEX_Y_OFFSET] = 0;
    r[VBE_INDEX_BANK] = 0;
    r[VBE_INDEX_ENABLE] |= VBE_ENABLED;
    vbe_recompute(v);
    if (!(val & VBE_NOCLEARMEM)) {
        uint64_t n = (uint64_t)r[VBE_INDEX_YRES] * v->vbe_line_bytes;
        memset(v->vram, 0, n < v->vram_size ? n : v->vram_size);
    }
    v->gr[6] = (v->gr[6] & ~0x0C) | 0x05; /* graphics, A0000 64 KiB */
    v->cr[0x17] |= 3;                     /* no CGA address substitution */
    if (r[VBE_INDEX_BPP] == 4) {
        v->gr[5] &= ~0x70;                    /* planar 16 colours, no odd/even reads */
        v->sr[4] = (v->sr[4] & ~0x08) | 0x06; /* sequential planar writes */
    } else {
        v->gr[5] = (v->gr[5] & ~0x60) | 0x40; /* 256-colour shift */
        v->sr[4] |= 0x08;                     /* chain-4 */
        v->sr[2] |= 0x0F;                     /* all planes */
    }
}

void vbe_port_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    struct vga *v = opaque;
    (void)size;
    val &= 0xFFFF;
    if (offset == 0) {
        v->vbe_index = val;
        return;
    }
    uint16_t i = v->vbe_index;
    uint16_t *r = v->vbe_regs;
    switch (i) {
    case VBE_INDEX_ID:
        if (val >= VBE_ID0 && val <= VBE_ID5)
            r[i] = val;
        break;
    case VBE_INDEX_XRES:
    case VBE_INDEX_YRES:
    case VBE_INDEX_BPP:
        /* Geometry can only change while VBE is off (as QEMU). */
        if (!vbe_enabled(v)) {
            r[i] = val;
            vbe_recompute(v);
        }
        break;
    case VBE_INDEX_BANK:
        r[i] = val;
        vbe_recompute(v);
        break;
    case VBE_INDEX_ENABLE:
        if ((val & VBE_ENABLED) && !vbe_enabled(v)) {
            vbe_enter(v, val);
        } else if (!(val & VBE_ENABLED)) {
            r[VBE_INDEX_BANK] = 0;
            v->bank_offset = 0;
        }
        r[i] = val;
        v->full_redraw = true;
        break;
    case VBE_INDEX_VIRT_WIDTH:
    case VBE_INDEX_VIRT_HEIGHT:
    case VBE_INDEX_X_OFFSET:
    case VBE_INDEX_Y_OFFSET:
        r[i] = val;
        vbe_recompute(v);
        v->full_redraw = true;
        break;
    default: vga_unimp(v, VGA_UNIMP_VBE_INDEX, "VBE write 0x%04x to index 0x%x", val, i); break;
    }
}

/* One scan line of the framebuffer to XRGB. */
static void vbe_draw_line(struct vga *v, uint32_t *dst, const uint8_t *src, int w, unsigned bpp)
{
    for (int x = 0; x < w; x++) {
        uint32_t p;
        switch (bpp) {
        case 8: p = v->palette[src[x]]; break;
        case 15: {
            uint16_t c = src[2 * x] | src[2 * x + 1] << 8;
            uint32_t r = (c >> 10) & 31, g = (c >> 5) & 31, b = c & 31;
            p = (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
            break;
        }
        case 16: {
            uint16_t c = src[2 * x] | src[2 * x + 1] << 8;
            uint32_t r = (c >> 11) & 31, g = (c >> 5) & 63, b = c & 31;
            p = (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
            break;
        }
        case 24: p = src[3 * x] | src[3 * x + 1] << 8 | (uint32_t)src[3 * x + 2] << 16; break;
        default: /* 32 */
            p = (src[4 * x] | src[4 * x + 1] << 8 | (uint32_t)src[4 * x + 2] << 16);
            break;
        }
        dst[x] = p;
    }
}

/* The memory map's write tracking: a marked LFB page was written (its mark
 * is gone now), or every mark is void (the map changed). */
static void vbe_track_event(void *opaque, enum codepage_event ev, uint64_t addr, uint32_t len)
{
    struct vga *v = opaque;
    uint64_t page = addr & ~0xfffull;
    (void)len;
    if (ev == CODEPAGE_ALL)
        v->lfb_marked = false;
    else if (ev == CODEPAGE_WRITTEN && v->marked_base && page >= v->marked_base &&
             page - v->marked_base < v->vram_size)
        vga_vram_touch(v, (uint32_t)(page - v->marked_base));
}

void vbe_track_init(struct vga *v)
{
    codepages_listen(memmap_codepages(machine_memmap(v->m)), vbe_track_event, v);
}

static struct codepages *vbe_codepages(struct vga *v)
{
    if (!v->m || !v->lfb_base || !codepage_trackable(v->lfb_base + v->vram_size - 1))
        return NULL;
    return memmap_codepages(machine_memmap(v->m));
}

/* After an update: written pages are clean again and marked anew, so the
 * next write to them is reported; the first time, every page is marked. */
static void vbe_track_rearm(struct vga *v)
{
    struct codepages *cp = vbe_codepages(v);
    uint32_t pages = v->vram_size >> 12;
    bool all = !v->lfb_marked || v->marked_base != v->lfb_base;
    v->marked_base = cp ? v->lfb_base : 0;
    v->lfb_marked = cp != NULL;
    for (uint32_t p = 0; p < pages; p++) {
        if (!all && !v->vram_dirty[p])
            continue;
        v->vram_dirty[p] = 0;
        if (cp)
            codepage_mark(cp, v->lfb_base + ((uint64_t)p << 12), 0x1000);
    }
}

/* Any page under [off, off + len) written since the last update. */
static bool vbe_range_dirty(const struct vga *v, uint64_t off, size_t len)
{
    for (uint64_t p = off >> 12; p <= (off + len - 1) >> 12; p++)
        if (v->vram_dirty[p])
            return true;
    return false;
}

void vbe_update_display(struct vga *v)
{
    unsigned bpp = v->vbe_regs[VBE_INDEX_BPP];
    int w = v->vbe_regs[VBE_INDEX_XRES], h = v->vbe_regs[VBE_INDEX_YRES];
    if (bpp == 4) {
        /* 4 bpp VBE modes are planar: the VGA graphics path draws them. */
        vga_gfx_update(v);
        return;
    }
    if (w <= 0 || h <= 0 || !vga_resize(v, w, h))
        return;
    size_t line_src = (size_t)w * vbe_bytes_pp(bpp);
    size_t need = line_src * h;
    bool full = v->full_redraw || v->disp_mode != VGA_DISP_VBE;
    if (!vga_shadow(v, need, &full))
        return;
    /* With every LFB page marked, lines on unwritten pages are unchanged:
     * a still screen costs no comparison at all. */
    bool tracked = !full && v->lfb_marked && v->marked_base == v->lfb_base && v->lfb_base;
    for (int y = 0; y < h; y++) {
        uint64_t off = v->vbe_start + (uint64_t)y * v->vbe_line_bytes;
        if (off + line_src > v->vram_size)
            break;
        if (tracked && !vbe_range_dirty(v, off, line_src))
            continue;
        const uint8_t *src = v->vram + off;
        uint8_t *shadow = v->gfx_shadow + (size_t)y * line_src;
        if (!full && memcmp(shadow, src, line_src) == 0)
            continue;
        memcpy(shadow, src, line_src);
        vbe_draw_line(v, v->surf->pixels + (size_t)y * v->surf->stride, src, w, bpp);
        surface_mark_dirty(v->surf, 0, y, w, 1);
    }
    vbe_track_rearm(v);
    v->disp_mode = VGA_DISP_VBE;
    v->full_redraw = false;
}
