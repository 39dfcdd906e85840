/* Screenshot checks for the desktop tests: compare a vx86 PNG against a
 * reference computed here, pixel for pixel.
 *   desktop_check gfx N FILE.png      the picture gfx_modes.asm -DGFX=N draws
 *   desktop_check text FILE.png SCREEN.txt VGABIOS.bin
 *       an 80x25 text screen: SCREEN.txt's characters (attribute 07h, as
 *       SeaBIOS writes them) drawn with the 8x16 font found in the VGA BIOS
 *       image, 9-dot cells; only the cursor's cell may differ (it blinks).
 * Exit status 0 when the picture matches, 1 otherwise (with the reason). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/display.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

static uint32_t *load_png(const char *path, int *w, int *h)
{
    size_t len;
    uint8_t *png = slurp(path, &len);
    if (!png) {
        fprintf(stderr, "desktop_check: cannot read %s\n", path);
        return NULL;
    }
    char err[128];
    uint32_t *pix = fe_png_decode(png, len, w, h, err, sizeof err);
    free(png);
    if (!pix)
        fprintf(stderr, "desktop_check: %s: %s\n", path, err);
    return pix;
}

static uint32_t dac6(unsigned r, unsigned g, unsigned b)
{
    r &= 63, g &= 63, b &= 63; /* 6-bit DAC values scaled as the VGA does */
    return (r << 2 | r >> 4) << 16 | (g << 2 | g >> 4) << 8 | (b << 2 | b >> 4);
}

static uint32_t gfx_ref(int n, int x, int y)
{
    switch (n) {
    case 1: {
        unsigned c = ((x >> 3) + (y >> 4)) & 15;
        return dac6(4 * c, 63 - 4 * c, 2 * c);
    }
    case 2:
    case 3: {
        unsigned c = n == 2 ? (x + 2 * y) & 255 : (x + y) & 255;
        return dac6(c & 63, (c >> 2) & 63, 63 - (c & 63));
    }
    default: return (uint32_t)(x & 255) << 16 | (uint32_t)(y & 255) << 8 | ((x + y) & 255);
    }
}

static int check_gfx(int n, const char *path)
{
    static const int size[5][2] = {{0, 0}, {640, 480}, {320, 200}, {320, 200}, {640, 480}};
    if (n < 1 || n > 4) {
        fprintf(stderr, "desktop_check: gfx picture %d?\n", n);
        return 1;
    }
    int w, h;
    uint32_t *pix = load_png(path, &w, &h);
    if (!pix)
        return 1;
    if (w != size[n][0] || h != size[n][1]) {
        fprintf(stderr, "desktop_check: %s is %dx%d, expected %dx%d\n", path, w, h, size[n][0],
                size[n][1]);
        return 1;
    }
    long bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t want = gfx_ref(n, x, y), got = pix[y * w + x];
            if (got != want && bad++ < 5)
                fprintf(stderr, "desktop_check: (%d,%d) is %06x, expected %06x\n", x, y, got, want);
        }
    free(pix);
    if (bad) {
        fprintf(stderr, "desktop_check: %ld of %d pixels differ\n", bad, w * h);
        return 1;
    }
    printf("gfx %d: %dx%d, all pixels as expected\n", n, w, h);
    return 0;
}

/* The 8x16 font of the VGA BIOS: found by its 'A' (IBM VGA ROM font). */
static const uint8_t *find_font(const uint8_t *rom, size_t len)
{
    static const uint8_t glyph_a[16] = {0,    0,    0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe,
                                        0xc6, 0xc6, 0xc6, 0xc6, 0,    0,    0,    0};
    for (size_t i = 0x41 * 16; i + 16 <= len && i + (256 - 0x41) * 16 <= len; i++)
        if (!memcmp(rom + i, glyph_a, 16))
            return rom + i - 0x41 * 16;
    return NULL;
}

static int check_text(const char *png, const char *txt, const char *rom_path)
{
    size_t rom_len, txt_len;
    uint8_t *rom = slurp(rom_path, &rom_len), *text = slurp(txt, &txt_len);
    if (!rom || !text) {
        fprintf(stderr, "desktop_check: cannot read %s or %s\n", rom_path, txt);
        return 1;
    }
    const uint8_t *font = find_font(rom, rom_len);
    if (!font) {
        fprintf(stderr, "desktop_check: no 8x16 font in %s\n", rom_path);
        return 1;
    }
    int w, h;
    uint32_t *pix = load_png(png, &w, &h);
    if (!pix)
        return 1;
    if (w != 720 || h != 400) {
        fprintf(stderr, "desktop_check: %s is %dx%d, expected 720x400 (80x25, 9x16)\n", png, w, h);
        return 1;
    }
    /* The characters: one line per row, ASCII only (the dump is UTF-8). */
    uint8_t cells[25][80];
    memset(cells, ' ', sizeof cells);
    int row = 0, col = 0, nonblank = 0;
    for (size_t i = 0; i < txt_len && row < 25; i++) {
        if (text[i] == '\n') {
            row++, col = 0;
        } else if (text[i] >= 0x80) {
            fprintf(stderr, "desktop_check: non-ASCII text at row %d\n", row);
            return 1;
        } else if (col < 80) {
            cells[row][col++] = text[i];
            nonblank += text[i] != ' ';
        }
    }
    const uint32_t fg = dac6(0x2a, 0x2a, 0x2a), bg = 0; /* attribute 07h */
    int bad_cells = 0, bad_r = -1, bad_c = -1;
    for (int r = 0; r < 25; r++)
        for (int c = 0; c < 80; c++) {
            bool bad = false;
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 9; x++) {
                    uint8_t bits = font[cells[r][c] * 16 + y];
                    bool on = x < 8 && ((bits >> (7 - x)) & 1);
                    bad |= pix[(r * 16 + y) * w + c * 9 + x] != (on ? fg : bg);
                }
            if (bad) {
                bad_cells++;
                bad_r = r, bad_c = c;
            }
        }
    free(pix);
    free(rom);
    free(text);
    /* The cursor (an underline that blinks) may be in one cell. */
    if (bad_cells > 1) {
        fprintf(stderr, "desktop_check: %d cells differ (the last at row %d col %d)\n", bad_cells,
                bad_r, bad_c);
        return 1;
    }
    printf("text: %d non-blank cells drawn as the VGA BIOS font says%s\n", nonblank,
           bad_cells ? " (cursor cell skipped)" : "");
    return 0;
}

/* text_pan.asm: pan in dots, 9-dot cells, line graphics (AR10 bit 2),
 * start address, first row from offset 0 (line compare), split unpanned. */
static const struct {
    int pan, cw;
    bool lg;
    unsigned start;
    int split_row;
    bool split_unpanned;
} text_pan_case[6] = {
    {0},
    {4, 9, true, 0, 99, false},
    {8, 9, false, 0, 99, false},
    {5, 8, true, 0, 99, false},
    {3, 9, true, 400, 10, true},
    {0},
};

static uint32_t text_pan_ref(int n, const uint8_t *font, int X, int Y)
{
    if (n == 5)
        return dac6(50, 10, 30); /* the overscan colour, DAC 2Ah */
    int r = Y / 16, y = Y % 16, cw = text_pan_case[n].cw;
    bool split = r >= text_pan_case[n].split_row;
    int pan = split && text_pan_case[n].split_unpanned ? 0 : text_pan_case[n].pan;
    int dot = X + pan, c = dot / cw, x = dot % cw;
    unsigned o = (split ? (unsigned)(r - text_pan_case[n].split_row) * 80
                        : text_pan_case[n].start + (unsigned)r * 80) +
                 c;
    uint8_t ch = o & 0xFF;
    unsigned fg = o & 15, bg = ((o >> 4) + 3) & 7;
    uint8_t bits = font[ch * 16 + y];
    bool on = x < 8 ? (bits >> (7 - x)) & 1
                    : text_pan_case[n].lg && ch >= 0xC0 && ch <= 0xDF && (bits & 1);
    unsigned k = on ? fg : bg;
    return dac6(4 * k, 63 - 4 * k, 2 * k);
}

static int check_text_pan(int n, const char *path, const char *rom_path)
{
    if (n < 1 || n > 5) {
        fprintf(stderr, "desktop_check: text pan picture %d?\n", n);
        return 1;
    }
    size_t rom_len;
    uint8_t *rom = slurp(rom_path, &rom_len);
    const uint8_t *font = rom ? find_font(rom, rom_len) : NULL;
    if (!font) {
        fprintf(stderr, "desktop_check: no 8x16 font in %s\n", rom_path);
        return 1;
    }
    int w, h, want_w = n == 3 ? 640 : 720;
    uint32_t *pix = load_png(path, &w, &h);
    if (!pix)
        return 1;
    if (w != want_w || h != 400) {
        fprintf(stderr, "desktop_check: %s is %dx%d, expected %dx400\n", path, w, h, want_w);
        return 1;
    }
    long bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t want = text_pan_ref(n, font, x, y), got = pix[y * w + x];
            if (got != want && bad++ < 5)
                fprintf(stderr, "desktop_check: (%d,%d) is %06x, expected %06x\n", x, y, got, want);
        }
    free(pix);
    free(rom);
    if (bad) {
        fprintf(stderr, "desktop_check: %ld of %d pixels differ\n", bad, w * h);
        return 1;
    }
    printf("text pan %d: %dx%d, all pixels as expected\n", n, w, h);
    return 0;
}

/* The character whose glyph is exactly `cell` (bit 7 = leftmost dot),
 * printable ASCII first; -1 when none is. */
static int glyph_of(const uint8_t *font, const uint8_t cell[16])
{
    for (int k = 0; k < 256; k++) {
        int c = (k + 0x20) & 0xFF;
        if (!memcmp(font + c * 16, cell, 16))
            return c;
    }
    return -1;
}

static int check_fbcon(const char *png, const char *font_path, const char *geom, const char *out)
{
    int want_w, want_h;
    if (sscanf(geom, "%dx%d", &want_w, &want_h) != 2) {
        fprintf(stderr, "desktop_check: bad size '%s' (WxH)\n", geom);
        return 1;
    }
    size_t len;
    uint8_t *file = slurp(font_path, &len);
    const uint8_t *font = file ? find_font(file, len) : NULL;
    if (!font) {
        fprintf(stderr, "desktop_check: no 8x16 font in %s\n", font_path);
        return 1;
    }
    int w, h;
    uint32_t *pix = load_png(png, &w, &h);
    if (!pix)
        return 1;
    if (w != want_w || h != want_h) {
        fprintf(stderr, "desktop_check: %s is %dx%d, expected %dx%d\n", png, w, h, want_w, want_h);
        return 1;
    }
    FILE *txt = fopen(out, "w");
    if (!txt) {
        fprintf(stderr, "desktop_check: cannot write %s\n", out);
        return 1;
    }
    int cols = w / 8, rows = h / 16, glyphs = 0, odd = 0, odd_r = -1, odd_c = -1;
    uint32_t fg_seen = 0;
    for (int r = 0; r < rows; r++) {
        char line[1024];
        int n = 0;
        for (int c = 0; c < cols && c < (int)sizeof line - 1; c++) {
            /* One foreground colour on black, or one colour alone. */
            uint32_t fg = 0;
            bool two = false, blank = true;
            uint8_t bits[16];
            for (int y = 0; y < 16; y++) {
                bits[y] = 0;
                for (int x = 0; x < 8; x++) {
                    uint32_t p = pix[(r * 16 + y) * w + c * 8 + x];
                    if (!p)
                        continue;
                    if (blank)
                        fg = p, blank = false;
                    two |= p != fg;
                    bits[y] |= 0x80 >> x;
                }
            }
            int ch = blank ? ' ' : two ? -1 : glyph_of(font, bits);
            if (ch < 0x20 || ch > 0x7E) {
                if (!blank) {
                    odd++;
                    odd_r = r, odd_c = c;
                }
                ch = blank ? ' ' : '?';
            } else if (ch != ' ') {
                glyphs++;
                fg_seen = fg;
            }
            line[n++] = ch;
        }
        while (n > 0 && line[n - 1] == ' ')
            n--;
        fprintf(txt, "%.*s\n", n, line);
    }
    fclose(txt);
    free(pix);
    free(file);
    if (odd > 1) {
        fprintf(stderr,
                "desktop_check: %d cells are not glyphs of the font (the last at row %d col %d)\n",
                odd, odd_r, odd_c);
        return 1;
    }
    if (glyphs == 0) {
        fprintf(stderr, "desktop_check: %s shows no text\n", png);
        return 1;
    }
    printf("fbcon: %dx%d, %d cells are font glyphs (last colour %06x), %d other; text in %s\n", w,
           h, glyphs, fg_seen, odd, out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "gfx"))
        return check_gfx(atoi(argv[2]), argv[3]);
    if (argc == 5 && !strcmp(argv[1], "text"))
        return check_text(argv[2], argv[3], argv[4]);
    if (argc == 5 && !strcmp(argv[1], "textpan"))
        return check_text_pan(atoi(argv[2]), argv[3], argv[4]);
    if (argc == 6 && !strcmp(argv[1], "fbcon"))
        return check_fbcon(argv[2], argv[3], argv[4], argv[5]);
    fprintf(stderr,
            "usage: desktop_check gfx N FILE.png | text FILE.png SCREEN.txt VGABIOS.bin\n"
            "       | textpan N FILE.png VGABIOS.bin | fbcon FILE.png FONTFILE WxH OUT.txt\n");
    return 2;
}
