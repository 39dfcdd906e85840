/* VGA text mode: characters and attributes from planes 0/1, glyphs from
 * plane 2 (character map select), 8/9-dot cells, cursor and blink,
 * horizontal pixel panning, drawn into the surface cell by cell (a panned
 * row as a whole) as they change; and the text screen dump. */
#include <stdlib.h>
#include <string.h>

#include "devices/machine.h"
#include "devices/surface.h"
#include "devices/vclock.h"
#include "devices/vga_priv.h"

/* One 60 Hz frame; the cursor toggles every 8 frames and blinking
 * characters every 16 (FreeVGA "Attribute Controller", blink rate). */
#define VGA_TEXT_FRAME_NS 16683333ull

/* Code page 437 as Unicode (control codes as their glyphs). */
static const uint16_t cp437[256] = {
    0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB, 0x25D9, 0x2642,
    0x2640, 0x266A, 0x266B, 0x263C, 0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC, 0x0020, 0x0021, 0x0022, 0x0023,
    0x0024, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003A, 0x003B,
    0x003C, 0x003D, 0x003E, 0x003F, 0x0040, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, 0x0050, 0x0051, 0x0052, 0x0053,
    0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005A, 0x005B, 0x005C, 0x005D, 0x005E, 0x005F,
    0x0060, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006A, 0x006B,
    0x006C, 0x006D, 0x006E, 0x006F, 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
    0x0078, 0x0079, 0x007A, 0x007B, 0x007C, 0x007D, 0x007E, 0x2302, 0x00C7, 0x00FC, 0x00E9, 0x00E2,
    0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2,
    0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
    0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566,
    0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF, 0x0393, 0x03C0,
    0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A,
    0x207F, 0x00B2, 0x25A0, 0x0020,
};

struct text_geom {
    int cols, rows; /* cells */
    int cw, ch;     /* cell size in pixels */
    int dotw;       /* 2 when the dot clock is halved (40 columns) */
    uint32_t start; /* plane offset of the first cell */
    uint32_t pitch; /* plane offsets per row */
    int split_row;  /* first row shown from offset 0 (line compare) */
    int pan;        /* horizontal pixel panning, in dots */
};

/* AR13 in text mode (FreeVGA "Horizontal Pixel Panning Register"): with
 * 9-dot cells 0-7 shift by 1-8 dots and 8 by none (the BIOS default); with
 * 8-dot cells 0-7 shift by 0-7. Undefined values (9-15) shift by none. */
static int text_pan(const struct vga *v, int cw)
{
    unsigned p = v->ar[0x13] & 0x0F;
    if (cw == 9)
        return p < 8 ? (int)p + 1 : 0;
    return p < 8 ? (int)p : 0;
}

static bool text_geom(const struct vga *v, struct text_geom *g)
{
    g->cols = v->cr[1] + 1;
    g->ch = (v->cr[9] & 0x1F) + 1;
    int lines = (v->cr[0x12] | (v->cr[7] & 0x02) << 7 | (v->cr[7] & 0x40) << 3) + 1;
    g->rows = lines / g->ch;
    g->cw = (v->sr[1] & 1) ? 8 : 9;
    g->dotw = (v->sr[1] & 0x08) ? 2 : 1;
    g->start = (uint32_t)v->cr[0x0C] << 8 | v->cr[0x0D];
    g->pitch = (uint32_t)v->cr[0x13] * 2;
    /* Line compare (CR18, CR07 bit 4, CR09 bit 6): the scan line after it
     * starts again from offset 0; split at the next whole row here. */
    int lc = v->cr[0x18] | (v->cr[7] & 0x10) << 4 | (v->cr[9] & 0x40) << 3;
    g->split_row = (lc + g->ch) / g->ch;
    g->pan = text_pan(v, g->cw);
    return g->cols >= 1 && g->rows >= 1 && g->rows <= 200 && g->cols <= 256;
}

bool vga_text_size(const struct vga *v, int *w, int *h)
{
    struct text_geom g;
    if (!text_geom(v, &g))
        return false;
    *w = g.cols * g.cw * g.dotw;
    *h = g.rows * g.ch;
    return true;
}

static uint16_t text_cell(const struct vga *v, const struct text_geom *g, int r, int c)
{
    uint32_t base = r < g->split_row ? g->start + (uint32_t)r * g->pitch
                                     : (uint32_t)(r - g->split_row) * g->pitch;
    uint32_t off = (base + c) & (VGA_PLANE_BYTES - 1);
    return v->vram[off * 4] | v->vram[off * 4 + 1] << 8;
}

/* Plane 2 offset of character map n (0-7): 0, 16K, 32K, 48K, 8K, 24K, ... */
static uint32_t font_base(unsigned n)
{
    return (n & 3) * 0x4000 + (n >> 2) * 0x2000;
}

/* Draw cell c of row r shifted left by `pan` dots, clipped to the surface:
 * with panning, the first cell loses its left dots and the cell after the
 * last column (the next one in memory) shows its first ones. */
static void draw_cell(struct vga *v, const struct text_geom *g, int r, int c, uint16_t cell,
                      bool cursor, int pan)
{
    uint8_t chr = cell & 0xFF, attr = cell >> 8;
    uint8_t sel = v->sr[3];
    /* Attribute bit 3 picks map A (SR03 bits 5,3-2) or map B (bits 4,1-0). */
    unsigned map =
        (attr & 8) ? ((sel >> 2) & 3) | ((sel >> 5) & 1) << 2 : (sel & 3) | ((sel >> 4) & 1) << 2;
    uint32_t glyph = font_base(map) + chr * 32u;
    unsigned fgc = attr & 0x0F, bgc = attr >> 4;
    if (v->ar[0x10] & 0x08) { /* blink enable: bit 7 blinks instead of bright bg */
        bgc &= 7;
        if ((attr & 0x80) && !v->blink_on)
            fgc = bgc;
    }
    uint32_t fg = vga_attr_color(v, fgc), bg = vga_attr_color(v, bgc);
    bool dup9 = g->cw == 9 && (v->ar[0x10] & 0x04) && chr >= 0xC0 && chr <= 0xDF;
    int cs = v->cr[0x0A] & 0x1F, ce = v->cr[0x0B] & 0x1F;
    int pw = g->cw * g->dotw;
    int x0 = c * pw - pan * g->dotw, y0 = r * g->ch;
    struct surface *s = v->surf;
    int xs = x0 < 0 ? -x0 : 0, xe = x0 + pw > s->width ? s->width - x0 : pw;
    if (xs >= xe)
        return;
    for (int y = 0; y < g->ch; y++) {
        unsigned bits = y < 32 ? v->vram[((glyph + y) & (VGA_PLANE_BYTES - 1)) * 4 + 2] : 0;
        bits <<= 1;
        if (dup9)
            bits |= bits >> 1 & 1;
        /* Monochrome emulation (AR10 bit 1): foreground 1 on background 0
         * (attribute x000 x001) is underlined on scan line CR14 (MDA). */
        if ((v->ar[0x10] & 0x02) && (attr & 0x77) == 0x01 && y == (v->cr[0x14] & 0x1F))
            bits = 0x1FF;
        if (cursor && y >= cs && y <= ce)
            bits = 0x1FF;
        uint32_t *dst = s->pixels + (size_t)(y0 + y) * s->stride + x0;
        for (int x = xs; x < xe; x++)
            dst[x] = (bits >> (8 - x / g->dotw)) & 1 ? fg : bg;
    }
    surface_mark_dirty(s, x0 + xs, y0, xe - xs, g->ch);
}

void vga_text_update(struct vga *v)
{
    struct text_geom g;
    if (!text_geom(v, &g) || !vga_resize(v, g.cols * g.cw * g.dotw, g.rows * g.ch))
        return;
    uint64_t frame = v->m ? vclock_now(machine_vclock(v->m)) / VGA_TEXT_FRAME_NS : 0;
    bool blink_on = !(frame & 16), cursor_on = !(frame & 8);
    /* One more cell per row than the columns: the one panning shows. */
    int stride = g.cols + 1, ncells = stride * g.rows;
    bool full = v->full_redraw || v->font_dirty || v->disp_mode != VGA_DISP_TEXT ||
                g.cols != v->text_cols || g.rows != v->text_rows || g.cw != v->text_cw ||
                g.ch != v->text_ch;
    if (full) {
        free(v->text_shadow);
        v->text_shadow = malloc(ncells * sizeof *v->text_shadow);
        if (!v->text_shadow)
            return;
        v->text_cols = g.cols;
        v->text_rows = g.rows;
        v->text_cw = g.cw;
        v->text_ch = g.ch;
    }
    bool blink_changed = blink_on != v->blink_on;
    v->blink_on = blink_on;
    v->cursor_on = cursor_on;

    /* The cursor (CRTC 0A-0F): disabled by CR0A bit 5, or when its start
     * line is below its end line or outside the cell. */
    int cursor = -1;
    int cs = v->cr[0x0A] & 0x1F, ce = v->cr[0x0B] & 0x1F;
    if (cursor_on && !(v->cr[0x0A] & 0x20) && cs <= ce && cs < g.ch) {
        uint32_t loc = (uint32_t)v->cr[0x0E] << 8 | v->cr[0x0F];
        uint32_t rel = (loc - g.start) & (VGA_PLANE_BYTES - 1);
        if (g.pitch && rel / g.pitch < (uint32_t)g.rows && rel % g.pitch < (uint32_t)g.cols)
            cursor = (rel / g.pitch) * stride + rel % g.pitch;
    }
    bool blink_en = v->ar[0x10] & 0x08;
    bool cursor_moved = cursor != v->cursor_drawn; /* shape changes redraw all */
    for (int r = 0; r < g.rows; r++) {
        /* AR10 bit 5: the rows below a line-compare split are not panned. */
        int pan = r >= g.split_row && (v->ar[0x10] & 0x20) ? 0 : g.pan;
        int ncols = pan ? g.cols + 1 : g.cols;
        bool row_changed = false;
        for (int c = 0; c < ncols; c++) {
            int i = r * stride + c;
            uint16_t cell = text_cell(v, &g, r, c);
            bool redraw = full || cell != v->text_shadow[i] ||
                          (cursor_moved && (i == cursor || i == v->cursor_drawn)) ||
                          (blink_changed && blink_en && (cell & 0x8000));
            v->text_shadow[i] = cell;
            if (redraw && !pan)
                draw_cell(v, &g, r, c, cell, i == cursor, 0);
            row_changed |= redraw;
        }
        /* A panned cell straddles two screen cells: redraw the row. */
        for (int c = 0; pan && row_changed && c < ncols; c++)
            draw_cell(v, &g, r, c, v->text_shadow[r * stride + c], r * stride + c == cursor, pan);
    }
    v->cursor_drawn = cursor;
    v->disp_mode = VGA_DISP_TEXT;
    v->full_redraw = false;
    v->font_dirty = false;
}

static size_t put_utf8(char *buf, size_t cap, size_t n, unsigned cp)
{
    char tmp[3];
    size_t len;
    if (cp < 0x80) {
        tmp[0] = cp;
        len = 1;
    } else if (cp < 0x800) {
        tmp[0] = 0xC0 | cp >> 6;
        tmp[1] = 0x80 | (cp & 0x3F);
        len = 2;
    } else {
        tmp[0] = 0xE0 | cp >> 12;
        tmp[1] = 0x80 | ((cp >> 6) & 0x3F);
        tmp[2] = 0x80 | (cp & 0x3F);
        len = 3;
    }
    if (n + len < cap) /* whole characters only, and room for the NUL */
        memcpy(buf + n, tmp, len);
    return n + len;
}

static size_t text_dump(struct vga *v, char *buf, size_t cap, bool utf8)
{
    size_t n = 0;
    struct text_geom g;
    if (!vbe_enabled(v) && !(v->gr[6] & 1) && text_geom(v, &g)) {
        for (int r = 0; r < g.rows; r++) {
            int last = -1;
            for (int c = 0; c < g.cols; c++) {
                uint8_t ch = text_cell(v, &g, r, c) & 0xFF;
                if (ch != 0 && ch != 0x20 && ch != 0xFF)
                    last = c;
            }
            for (int c = 0; c <= last; c++) {
                uint8_t ch = text_cell(v, &g, r, c) & 0xFF;
                unsigned cp = cp437[ch];
                if (!utf8 && cp >= 0x80)
                    cp = '?';
                n = put_utf8(buf, cap, n, cp);
            }
            n = put_utf8(buf, cap, n, '\n');
        }
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = 0;
    return n;
}

size_t vga_text_dump(struct vga *v, char *buf, size_t cap)
{
    return text_dump(v, buf, cap, true);
}
size_t vga_text_dump_ascii(struct vga *v, char *buf, size_t cap)
{
    return text_dump(v, buf, cap, false);
}
