/* PNG screenshots (frontend/screenshot.c): what fe_png_encode writes is a
 * valid PNG (signature, IHDR fields, chunk CRCs, zlib stream) whose pixels
 * read back exactly, also with a stride wider than the picture; the file
 * writer; and the decoder's own filters (Up/Average/Paeth) on a hand-made
 * PNG, so the round trip does not only test the encoder against itself. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "devices/surface.h"
#include "frontend/display.h"
#include "frontend/screenshot.c"
#include "test_util.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(encode_round_trip)
{
    enum { W = 37, H = 23, STRIDE = 40 };
    static uint32_t px[STRIDE * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < STRIDE; x++)
            px[y * STRIDE + x] = x < W ? (uint32_t)(x * 7) << 16 | (uint32_t)(y * 11) << 8 |
                                             (uint32_t)((x ^ y) * 5 & 0xFF)
                                       : 0xDEADBE;
    size_t len;
    uint8_t *png = fe_png_encode(px, W, H, STRIDE, &len);
    ck_assert_ptr_nonnull(png);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    ck_assert_mem_eq(png, sig, 8);
    ck_assert_uint_eq(be32(png + 8), 13);
    ck_assert_mem_eq(png + 12, "IHDR", 4);
    ck_assert_uint_eq(be32(png + 16), W);
    ck_assert_uint_eq(be32(png + 20), H);
    ck_assert_uint_eq(png[24], 8); /* bit depth */
    ck_assert_uint_eq(png[25], 2); /* RGB */
    ck_assert_uint_eq(be32(png + 29), (uint32_t)crc32(0, png + 12, 17));
    ck_assert_mem_eq(png + len - 8, "IEND", 4);
    /* IDAT inflates to H rows of 1 + 3W bytes */
    uint32_t n = be32(png + 33);
    ck_assert_mem_eq(png + 37, "IDAT", 4);
    static uint8_t raw[H * (1 + 3 * W) + 16];
    uLongf rl = sizeof raw;
    ck_assert_int_eq(uncompress(raw, &rl, png + 41, n), Z_OK);
    ck_assert_uint_eq(rl, H * (1 + 3 * W));
    char err[128];
    int w, h;
    uint32_t *back = fe_png_decode(png, len, &w, &h, err, sizeof err);
    ck_assert_msg(back != NULL, "%s", err);
    ck_assert_int_eq(w, W);
    ck_assert_int_eq(h, H);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ck_assert_uint_eq(back[y * W + x], px[y * STRIDE + x]);
    /* a flipped bit breaks a CRC */
    png[40 + n / 2] ^= 1;
    ck_assert_ptr_null(fe_png_decode(png, len, &w, &h, err, sizeof err));
    free(back);
    free(png);
}
END_TEST

/* Build a 2x2 RGB PNG by hand with filters None, Up (2) ... to check the
 * decoder against independently known pixels. */
static uint8_t *chunk(uint8_t *p, const char *type, const uint8_t *d, uint32_t n)
{
    p[0] = n >> 24, p[1] = n >> 16, p[2] = n >> 8, p[3] = n;
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, d, n);
    uint32_t c = (uint32_t)crc32(0, p + 4, n + 4);
    p[8 + n] = c >> 24, p[9 + n] = c >> 16, p[10 + n] = c >> 8, p[11 + n] = c;
    return p + 12 + n;
}

START_TEST(decode_filters)
{
    /* rows: [None] (10,20,30) (40,50,60); [Up] +1 each; [Avg]; [Paeth] */
    uint8_t raw[4][7] = {
        {0, 10, 20, 30, 40, 50, 60},
        {2, 1, 1, 1, 1, 1, 1}, /* (11,21,31) (41,51,61) */
        {3, 0, 0, 0, 0, 0, 0}, /* avg(left, up): (5,10,15) ((5+41)/2...) */
        {4, 1, 2, 3, 4, 5, 6}, /* paeth */
    };
    uint8_t z[256];
    uLongf zl = sizeof z;
    ck_assert_int_eq(compress(z, &zl, &raw[0][0], sizeof raw), Z_OK);
    uint8_t png[512], *p = png;
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    p += 8;
    uint8_t ihdr[13] = {0, 0, 0, 2, 0, 0, 0, 4, 8, 2, 0, 0, 0};
    p = chunk(p, "IHDR", ihdr, 13);
    p = chunk(p, "IDAT", z, (uint32_t)zl);
    p = chunk(p, "IEND", NULL, 0);
    char err[128];
    int w, h;
    uint32_t *px = fe_png_decode(png, (size_t)(p - png), &w, &h, err, sizeof err);
    ck_assert_msg(px != NULL, "%s", err);
    ck_assert_int_eq(w, 2);
    ck_assert_int_eq(h, 4);
    ck_assert_uint_eq(px[0], 0x0A141E);
    ck_assert_uint_eq(px[1], 0x28323C);
    ck_assert_uint_eq(px[2], 0x0B151F);
    ck_assert_uint_eq(px[3], 0x29333D);
    /* Average: x=0: up/2 = (5,10,15); x=1: (left + up)/2 = ((5+41)/2, (10+51)/2, (15+61)/2) */
    ck_assert_uint_eq(px[4], 0x050A0F);
    ck_assert_uint_eq(px[5], 0x171E26);
    /* Paeth x=0: a=0,c=0 -> predictor b (up) = (5,10,15) + (1,2,3);
     * x=1: a=(6,12,18) b=(23,30,38) c=(5,10,15): p=a+b-c=(24,32,41) nearest b -> +(4,5,6) */
    ck_assert_uint_eq(px[6], 0x060C12);
    ck_assert_uint_eq(px[7], 0x1B232C);
    free(px);
}
END_TEST

START_TEST(surface_to_file)
{
    struct surface *s = surface_create(64, 48);
    ck_assert_ptr_nonnull(s);
    for (int i = 0; i < 64 * 48; i++)
        s->pixels[i] = (uint32_t)i * 2654435761u & 0xFFFFFF;
    char path[] = "/tmp/vx86_shotXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256];
    ck_assert_int_eq(fe_surface_write_png(s, path, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(path);
    int w, h;
    uint32_t *px = fe_png_decode(buf, n, &w, &h, err, sizeof err);
    ck_assert_msg(px != NULL, "%s", err);
    ck_assert_int_eq(w, 64);
    ck_assert_int_eq(h, 48);
    ck_assert_mem_eq(px, s->pixels, sizeof(uint32_t) * 64 * 48);
    free(px);
    ck_assert_int_eq(fe_surface_write_png(s, "/nonexistent/dir/x.png", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/x.png"));
    surface_destroy(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("screenshot");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, encode_round_trip);
    tcase_add_test(tc, decode_filters);
    tcase_add_test(tc, surface_to_file);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
