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

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "gfx"))
        return check_gfx(atoi(argv[2]), argv[3]);
    if (argc == 5 && !strcmp(argv[1], "text"))
        return check_text(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: desktop_check gfx N FILE.png | text FILE.png SCREEN.txt VGABIOS.bin\n");
    return 2;
}
