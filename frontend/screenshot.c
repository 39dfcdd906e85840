/* PNG screenshots of the guest surface, written with zlib (PNG spec, ISO/IEC
 * 15948: signature, IHDR, IDAT, IEND; 8-bit RGB), plus the small decoder the
 * tests use to read them back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "devices/pc.h"
#include "devices/surface.h"
#include "devices/vga.h"
#include "frontend/display.h"

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One chunk: length, type, data, CRC-32 over type and data. */
static uint8_t *put_chunk(uint8_t *p, const char *type, const uint8_t *data, uint32_t n)
{
    put_be32(p, n);
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, data, n);
    put_be32(p + 8 + n, (uint32_t)crc32(0, p + 4, n + 4));
    return p + 12 + n;
}

uint8_t *fe_png_encode(const uint32_t *pixels, int w, int h, int stride, size_t *len)
{
    if (w < 1 || h < 1)
        return NULL;
    /* Each row: filter type 1 (Sub) then RGB; Sub suits flat guest screens. */
    size_t row = 1 + (size_t)w * 3, raw_len = row * h;
    uint8_t *raw = malloc(raw_len);
    if (!raw)
        return NULL;
    for (int y = 0; y < h; y++) {
        uint8_t *r = raw + row * y;
        const uint32_t *src = pixels + (size_t)y * stride;
        r[0] = 1;
        uint8_t prev[3] = {0, 0, 0};
        for (int x = 0; x < w; x++) {
            uint8_t c[3] = {src[x] >> 16, src[x] >> 8, src[x]};
            for (int k = 0; k < 3; k++) {
                r[1 + x * 3 + k] = (uint8_t)(c[k] - prev[k]);
                prev[k] = c[k];
            }
        }
    }
    uLongf zlen = compressBound(raw_len);
    uint8_t *out = malloc(8 + 25 + 12 + zlen + 12);
    if (!out) {
        free(raw);
        return NULL;
    }
    uint8_t *z = out + 8 + 25 + 8; /* compress straight into the IDAT body */
    if (compress2(z, &zlen, raw, raw_len, 6) != Z_OK) {
        free(raw);
        free(out);
        return NULL;
    }
    free(raw);
    memcpy(out, png_sig, 8);
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)w);
    put_be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* not interlaced */
    uint8_t *p = put_chunk(out + 8, "IHDR", ihdr, 13);
    p = put_chunk(p, "IDAT", z, (uint32_t)zlen); /* data already in place */
    p = put_chunk(p, "IEND", NULL, 0);
    *len = (size_t)(p - out);
    return out;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

#define DECODE_FAIL(...)                                                                           \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        goto fail;                                                                                 \
    } while (0)

uint32_t *fe_png_decode(const uint8_t *png, size_t len, int *w, int *h, char *err, size_t errlen)
{
    uint8_t *idat = NULL, *raw = NULL;
    uint32_t *pix = NULL;
    size_t idat_len = 0;
    int width = 0, height = 0, bpp = 0;
    if (len < 8 || memcmp(png, png_sig, 8))
        DECODE_FAIL("not a PNG file");
    for (size_t off = 8; off + 12 <= len;) {
        uint32_t n = get_be32(png + off);
        const uint8_t *type = png + off + 4, *data = png + off + 8;
        if (n > len - off - 12)
            DECODE_FAIL("truncated chunk");
        if ((uint32_t)crc32(0, type, n + 4) != get_be32(data + n))
            DECODE_FAIL("bad chunk CRC");
        if (!memcmp(type, "IHDR", 4)) {
            if (n != 13)
                DECODE_FAIL("bad IHDR");
            width = (int)get_be32(data);
            height = (int)get_be32(data + 4);
            if (data[8] != 8 || (data[9] != 2 && data[9] != 6) || data[12] != 0)
                DECODE_FAIL("only 8-bit RGB/RGBA non-interlaced PNGs are supported");
            bpp = data[9] == 2 ? 3 : 4;
            if (width < 1 || height < 1 || width > 16384 || height > 16384)
                DECODE_FAIL("bad size %dx%d", width, height);
        } else if (!memcmp(type, "IDAT", 4)) {
            uint8_t *g = realloc(idat, idat_len + n + 1);
            if (!g)
                DECODE_FAIL("out of memory");
            idat = g;
            memcpy(idat + idat_len, data, n);
            idat_len += n;
        } else if (!memcmp(type, "IEND", 4)) {
            break;
        }
        off += 12 + (size_t)n;
    }
    if (!bpp || !idat)
        DECODE_FAIL("no IHDR or IDAT");
    size_t row = 1 + (size_t)width * bpp;
    uLongf raw_len = row * height;
    raw = malloc(raw_len);
    pix = malloc((size_t)width * height * sizeof *pix);
    if (!raw || !pix)
        DECODE_FAIL("out of memory");
    uLongf got = raw_len;
    if (uncompress(raw, &got, idat, idat_len) != Z_OK || got != raw_len)
        DECODE_FAIL("bad image data");
    for (int y = 0; y < height; y++) {
        uint8_t *r = raw + row * y + 1, *up = y ? raw + row * (y - 1) + 1 : NULL;
        int f = r[-1];
        for (size_t i = 0; i < row - 1; i++) {
            int a = i >= (size_t)bpp ? r[i - bpp] : 0, b = up ? up[i] : 0;
            int c = up && i >= (size_t)bpp ? up[i - bpp] : 0;
            switch (f) {
            case 0: break;
            case 1: r[i] += a; break;
            case 2: r[i] += b; break;
            case 3: r[i] += (a + b) / 2; break;
            case 4: r[i] += paeth(a, b, c); break;
            default: DECODE_FAIL("bad filter type %d", f);
            }
        }
        for (int x = 0; x < width; x++)
            pix[(size_t)y * width + x] =
                (uint32_t)r[x * bpp] << 16 | (uint32_t)r[x * bpp + 1] << 8 | r[x * bpp + 2];
    }
    free(idat);
    free(raw);
    *w = width;
    *h = height;
    return pix;
fail:
    free(idat);
    free(raw);
    free(pix);
    return NULL;
}

int fe_surface_write_png(const struct surface *s, const char *path, char *err, size_t errlen)
{
    size_t len;
    uint8_t *png = fe_png_encode(s->pixels, s->width, s->height, s->stride, &len);
    if (!png) {
        snprintf(err, errlen, "out of memory encoding the PNG");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        free(png);
        return -1;
    }
    size_t wrote = fwrite(png, 1, len, f);
    free(png);
    if (fclose(f) != 0 || wrote != len) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int fe_screendump(struct pc *pc, const char *path, char *err, size_t errlen)
{
    struct vga *v = pc ? pc_vga(pc) : NULL;
    if (!v) {
        snprintf(err, errlen, "this machine has no display");
        return -1;
    }
    /* Render what changed (this only grows the dirty rectangle, so a
     * window still repaints it). */
    vga_update_display(v);
    return fe_surface_write_png(vga_surface(v), path, err, errlen);
}
