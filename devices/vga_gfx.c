/* VGA graphics modes drawn from the planes: 16-colour planar (modes 0Dh,
 * 0Eh, 10h, 12h), 4-colour CGA-shift (04h/05h) and 256-colour (13h and
 * unchained "mode X"), with CRTC start, offset, scan doubling, CGA address
 * substitution and line compare. Lines are redrawn when their bytes change. */
#include <string.h>

#include "devices/surface.h"
#include "devices/vga_priv.h"

struct gfx_geom {
    int width, height; /* pixels */
    int msl;           /* scan lines per character row (CR09 bits 0-4, + 1) */
    int ds;            /* CR09 bit 7: double scan */
    bool cga;          /* CR17 bits 0-1: row scan counter drives address bits 13/14 */
    unsigned shift;    /* GR05 bits 5-6: 0 planar, 1 CGA, 2 256-colour */
    uint32_t start, pitch;
    unsigned line_compare;
};

static bool gfx_geom(const struct vga *v, struct gfx_geom *g)
{
    int chars = v->cr[1] + 1;
    int lines = (v->cr[0x12] | (v->cr[7] & 0x02) << 7 | (v->cr[7] & 0x40) << 3) + 1;
    g->shift = (v->gr[5] >> 5) & 3;
    g->width = chars * 8;
    if (g->shift >= 2)
        g->width /= 2; /* 256-colour: two dot clocks per pixel */
    g->msl = (v->cr[9] & 0x1F) + 1;
    g->ds = v->cr[9] >> 7;
    g->cga = (v->cr[0x17] & 3) != 3;
    /* Without CGA addressing the lines of a character row repeat the same
     * memory, so one surface row per character row; with it every scan
     * line is its own row. */
    g->height = (lines >> g->ds) / (g->cga ? 1 : g->msl);
    g->start = (uint32_t)v->cr[0x0C] << 8 | v->cr[0x0D];
    g->pitch = (uint32_t)v->cr[0x13] * 2;
    g->line_compare = v->cr[0x18] | (v->cr[7] & 0x10) << 4 | (v->cr[9] & 0x40) << 3;
    if (vbe_enabled(v)) {
        /* A 4 bpp VBE mode: planar, geometry from the VBE registers; a
         * plane offset holds 8 pixels (QEMU's VBE line offset / 4). */
        g->width = v->vbe_regs[VBE_INDEX_XRES];
        g->height = v->vbe_regs[VBE_INDEX_YRES];
        g->msl = 1;
        g->ds = 0;
        g->cga = false;
        g->shift = 0;
        g->start = v->vbe_start / 4;
        g->pitch = v->vbe_line_bytes / 4;
        g->line_compare = ~0u;
    }
    return g->width > 0 && g->height > 0 && g->width <= VBE_MAX_XRES && g->height <= VBE_MAX_YRES;
}

bool vga_gfx_size(const struct vga *v, int *w, int *h)
{
    struct gfx_geom g;
    if (!gfx_geom(v, &g))
        return false;
    *w = g.width;
    *h = g.height;
    return true;
}

static void draw_planar(struct vga *v, uint32_t *dst, const uint8_t *src, int w, int pan)
{
    for (int x = 0; x < w; x++) {
        int px = x + pan;
        const uint8_t *b = src + (px >> 3) * 4;
        unsigned bit = 7 - (px & 7), c = 0;
        for (int p = 0; p < 4; p++)
            c |= ((b[p] >> bit) & 1) << p;
        dst[x] = vga_attr_color(v, c);
    }
}

/* CGA 4-colour shift: each byte of planes 0 (even bytes) and 1 (odd bytes)
 * holds four 2-bit pixels, high bits first (FreeVGA GR05 "Shift Register"). */
static void draw_cga(struct vga *v, uint32_t *dst, const uint8_t *src, int w)
{
    for (int x = 0; x < w; x++) {
        const uint8_t *b = src + (x >> 3) * 4;
        uint8_t byte = b[(x >> 2) & 1];
        unsigned c = (byte >> (6 - 2 * (x & 3))) & 3;
        dst[x] = vga_attr_color(v, c);
    }
}

static void draw_256(struct vga *v, uint32_t *dst, const uint8_t *src, int w, int pan)
{
    for (int x = 0; x < w; x++)
        dst[x] = v->palette[src[x + pan]];
}

void vga_gfx_update(struct vga *v)
{
    struct gfx_geom g;
    if (!gfx_geom(v, &g) || !vga_resize(v, g.width, g.height))
        return;
    /* One more plane offset than the width needs, for pixel panning. */
    size_t line_src = g.shift >= 2 ? (size_t)g.width + 4 : (size_t)(g.width + 7) / 8 * 4 + 4;
    /* Horizontal pixel panning (AR13, FreeVGA "Attribute Controller"):
     * pixels 0-7 in 16-colour modes, half pixels in 256-colour modes. */
    int pan = (v->ar[0x13] & 0x0F) > 7 ? 0 : v->ar[0x13] & 7;
    if (g.shift >= 2)
        pan >>= 1;
    else if (g.shift == 1)
        pan = 0;
    bool full = v->full_redraw || v->disp_mode != VGA_DISP_GFX;
    if (!vga_shadow(v, line_src * g.height, &full))
        return;
    struct surface *s = v->surf;
    uint32_t base = g.start;
    int row0 = 0;
    bool split = false;
    for (int y = 0; y < g.height; y++) {
        unsigned raw = (unsigned)(y * (g.cga ? 1 : g.msl)) << g.ds;
        if (!split && raw >= g.line_compare) {
            split = true; /* line compare: the rest shows memory from offset 0 */
            base = 0;
            row0 = y;
            if (v->ar[0x10] & 0x20) /* pixel panning mode: the split is not panned */
                pan = 0;
        }
        int ry = y - row0;
        int row = g.cga ? ry / g.msl : ry, rs = g.cga ? ry % g.msl : 0;
        uint32_t addr = base + (uint32_t)row * g.pitch;
        /* CR17 bit 0/1 clear: the next address bits come from row scan bits
         * 0/1 (CGA/Hercules interleave, modes 04h-06h). Plane offsets are
         * halved in word mode (CR17 bit 6 clear), hence bit 12 there. */
        int b0 = (v->cr[0x17] & 0x40) ? 13 : 12;
        if (!(v->cr[0x17] & 1))
            addr = (addr & ~(1u << b0)) | (uint32_t)(rs & 1) << b0;
        if (!(v->cr[0x17] & 2))
            addr = (addr & ~(2u << b0)) | (uint32_t)(rs & 2) << b0;
        if (!vbe_enabled(v))
            addr &= VGA_PLANE_BYTES - 1;
        size_t off = (size_t)addr * 4;
        if (off + line_src > v->vram_size)
            continue;
        const uint8_t *src = v->vram + off;
        uint8_t *shadow = v->gfx_shadow + (size_t)y * line_src;
        if (!full && memcmp(shadow, src, line_src) == 0)
            continue;
        memcpy(shadow, src, line_src);
        uint32_t *dst = s->pixels + (size_t)y * s->stride;
        if (g.shift >= 2)
            draw_256(v, dst, src, g.width, pan);
        else if (g.shift == 1)
            draw_cga(v, dst, src, g.width);
        else
            draw_planar(v, dst, src, g.width, pan);
        surface_mark_dirty(s, 0, y, g.width, 1);
    }
    v->disp_mode = VGA_DISP_GFX;
    v->full_redraw = false;
}
