/* VGA memory through the 0xA0000 window with no CPU: write modes 0-3 with
 * set/reset, rotate, logical function and bit mask, read modes 0 and 1,
 * map mask, chain-4 and odd/even addressing, memory map select. */
#include "vga_test_util.h"

#define A 0xA0000u

/* Sequential planar access to all planes, A0000 64 KiB, write mode 0. */
static void planar(struct vt *t)
{
    vt_sr(t, 2, 0x0F);
    vt_sr(t, 4, 0x06);
    vt_gr(t, 0, 0);
    vt_gr(t, 1, 0);
    vt_gr(t, 3, 0);
    vt_gr(t, 5, 0x00);
    vt_gr(t, 6, 0x05);
    vt_gr(t, 8, 0xFF);
}

static void fill_planes(struct vt *t, uint32_t off, const uint8_t v[4])
{
    vt_gr(t, 5, 0x00);
    for (int p = 0; p < 4; p++) {
        vt_sr(t, 2, 1u << p);
        vt_wb(t, A + off, v[p]);
    }
    vt_sr(t, 2, 0x0F);
}

static uint8_t plane(struct vt *t, uint32_t off, int p)
{
    vt_gr(t, 5, 0x00); /* read mode 0 */
    vt_gr(t, 4, p);
    return vt_rb(t, A + off);
}

START_TEST(write_mode0_set_reset_bit_mask)
{
    struct vt t = vt_create(0);
    planar(&t);
    fill_planes(&t, 0, (const uint8_t[]){0x11, 0x22, 0x33, 0x44});
    (void)vt_rb(&t, A); /* load the latches */
    vt_gr(&t, 0, 0x05); /* set/reset: planes 0 and 2 = 1 */
    vt_gr(&t, 1, 0x03); /* enable set/reset on planes 0 and 1 */
    vt_gr(&t, 8, 0xF0);
    vt_wb(&t, A, 0xA5);
    ck_assert_uint_eq(plane(&t, 0, 0), 0xF1);
    ck_assert_uint_eq(plane(&t, 0, 1), 0x02);
    ck_assert_uint_eq(plane(&t, 0, 2), 0xA3);
    ck_assert_uint_eq(plane(&t, 0, 3), 0xA4);
    vt_destroy(&t);
}
END_TEST

START_TEST(write_mode0_rotate_xor)
{
    struct vt t = vt_create(0);
    planar(&t);
    fill_planes(&t, 1, (const uint8_t[]){0x0F, 0xF0, 0x00, 0xFF});
    (void)vt_rb(&t, A + 1);
    vt_gr(&t, 3, 3 << 3 | 4); /* XOR, rotate right 4 */
    vt_wb(&t, A + 1, 0x12);   /* rotated: 0x21 */
    vt_gr(&t, 3, 0);
    ck_assert_uint_eq(plane(&t, 1, 0), 0x2E);
    ck_assert_uint_eq(plane(&t, 1, 1), 0xD1);
    ck_assert_uint_eq(plane(&t, 1, 2), 0x21);
    ck_assert_uint_eq(plane(&t, 1, 3), 0xDE);
    /* AND and OR with the latches */
    fill_planes(&t, 2, (const uint8_t[]){0x0F, 0xF0, 0x3C, 0xFF});
    (void)vt_rb(&t, A + 2);
    vt_gr(&t, 3, 1 << 3);
    vt_wb(&t, A + 2, 0x66);
    vt_gr(&t, 3, 0);
    ck_assert_uint_eq(plane(&t, 2, 0), 0x06);
    ck_assert_uint_eq(plane(&t, 2, 2), 0x24);
    (void)vt_rb(&t, A + 2);
    vt_gr(&t, 3, 2 << 3);
    vt_wb(&t, A + 2, 0x80);
    vt_gr(&t, 3, 0);
    ck_assert_uint_eq(plane(&t, 2, 0), 0x86);
    ck_assert_uint_eq(plane(&t, 2, 3), 0xE6);
    vt_destroy(&t);
}
END_TEST

START_TEST(write_mode1_copies_latches)
{
    struct vt t = vt_create(0);
    planar(&t);
    fill_planes(&t, 0, (const uint8_t[]){0xF1, 0x02, 0xA3, 0xA4});
    (void)vt_rb(&t, A);
    vt_gr(&t, 5, 0x01);
    vt_gr(&t, 8, 0x00); /* the bit mask does not apply in write mode 1 */
    vt_sr(&t, 2, 0x0E); /* ... but the map mask does */
    vt_wb(&t, A + 5, 0x00);
    vt_sr(&t, 2, 0x0F);
    ck_assert_uint_eq(plane(&t, 5, 0), 0x00);
    ck_assert_uint_eq(plane(&t, 5, 1), 0x02);
    ck_assert_uint_eq(plane(&t, 5, 2), 0xA3);
    ck_assert_uint_eq(plane(&t, 5, 3), 0xA4);
    vt_destroy(&t);
}
END_TEST

START_TEST(write_mode2_colour_fill)
{
    struct vt t = vt_create(0);
    planar(&t);
    fill_planes(&t, 6, (const uint8_t[]){0x81, 0x81, 0x81, 0x81});
    (void)vt_rb(&t, A + 6);
    vt_gr(&t, 5, 0x02);
    vt_gr(&t, 8, 0x3C);
    vt_wb(&t, A + 6, 0xF9); /* colour 9: planes 0 and 3 */
    ck_assert_uint_eq(plane(&t, 6, 0), 0xBD);
    ck_assert_uint_eq(plane(&t, 6, 1), 0x81);
    ck_assert_uint_eq(plane(&t, 6, 2), 0x81);
    ck_assert_uint_eq(plane(&t, 6, 3), 0xBD);
    vt_destroy(&t);
}
END_TEST

START_TEST(write_mode3_set_reset_and_data_mask)
{
    struct vt t = vt_create(0);
    planar(&t);
    fill_planes(&t, 7, (const uint8_t[]){0x01, 0x01, 0x01, 0x01});
    (void)vt_rb(&t, A + 7);
    vt_gr(&t, 5, 0x03);
    vt_gr(&t, 0, 0x06); /* colour 6: planes 1 and 2 */
    vt_gr(&t, 1, 0x00); /* enable set/reset is ignored in write mode 3 */
    vt_gr(&t, 8, 0xF0);
    vt_gr(&t, 3, 2); /* rotate right 2: 0xF0 -> 0x3C, AND bit mask -> 0x30 */
    vt_wb(&t, A + 7, 0xF0);
    vt_gr(&t, 3, 0);
    ck_assert_uint_eq(plane(&t, 7, 0), 0x01);
    ck_assert_uint_eq(plane(&t, 7, 1), 0x31);
    ck_assert_uint_eq(plane(&t, 7, 2), 0x31);
    ck_assert_uint_eq(plane(&t, 7, 3), 0x01);
    vt_destroy(&t);
}
END_TEST

START_TEST(read_mode1_colour_compare)
{
    struct vt t = vt_create(0);
    planar(&t);
    /* pixel colours, bit 7 first: 7 3 5 1 6 2 4 0 */
    fill_planes(&t, 8, (const uint8_t[]){0xF0, 0xCC, 0xAA, 0x00});
    vt_gr(&t, 5, 0x08);
    vt_gr(&t, 2, 0x07);
    vt_gr(&t, 7, 0x0F);
    ck_assert_uint_eq(vt_rb(&t, A + 8), 0x80);
    vt_gr(&t, 2, 0x03);
    vt_gr(&t, 7, 0x03); /* compare planes 0-1 only: colours 7 and 3 */
    ck_assert_uint_eq(vt_rb(&t, A + 8), 0xC0);
    vt_gr(&t, 7, 0x00); /* nothing compared: every pixel matches */
    ck_assert_uint_eq(vt_rb(&t, A + 8), 0xFF);
    vt_gr(&t, 2, 0x00);
    vt_gr(&t, 7, 0x0F);
    ck_assert_uint_eq(vt_rb(&t, A + 8), 0x01);
    /* read mode 1 loads the latches too: write mode 1 copies them */
    vt_gr(&t, 5, 0x01);
    vt_wb(&t, A + 9, 0);
    ck_assert_uint_eq(plane(&t, 9, 0), 0xF0);
    ck_assert_uint_eq(plane(&t, 9, 1), 0xCC);
    ck_assert_uint_eq(plane(&t, 9, 2), 0xAA);
    vt_destroy(&t);
}
END_TEST

/* vx86 keeps QEMU's/Bochs' VRAM layout: chain-4 address a is plane a & 3 at
 * plane offset a >> 2 (so VBE banks and mode 13h are linear in VRAM). */
START_TEST(chain4_addressing)
{
    struct vt t = vt_create(0);
    planar(&t);
    vt_sr(&t, 4, 0x0E);
    vt_gr(&t, 5, 0x40);
    for (int i = 0; i < 8; i++)
        vt_wb(&t, A + i, 0x10 + i);
    vt_sr(&t, 2, 0x01); /* map mask still gates planes */
    vt_wb(&t, A + 1, 0xEE);
    vt_wb(&t, A + 4, 0x99);
    vt_sr(&t, 2, 0x0F);
    ck_assert_uint_eq(vt_rb(&t, A + 1), 0x11);
    ck_assert_uint_eq(vt_rb(&t, A + 4), 0x99);
    vt_sr(&t, 4, 0x06);
    for (int p = 0; p < 4; p++) {
        ck_assert_uint_eq(plane(&t, 0, p), 0x10 + p);
        ck_assert_uint_eq(plane(&t, 1, p), p == 0 ? 0x99 : 0x14 + p);
    }
    vt_destroy(&t);
}
END_TEST

START_TEST(odd_even_addressing_and_window)
{
    struct vt t = vt_create(0);
    vt_set_mode(&t, &vt_mode03);
    vt_wb(&t, 0xB8000, 'A');
    vt_wb(&t, 0xB8001, 0x1F);
    vt_wb(&t, 0xB8002, 'B');
    vt_wb(&t, 0xB8003, 0x2E);
    ck_assert_uint_eq(vt_rb(&t, 0xB8000), 'A');
    ck_assert_uint_eq(vt_rb(&t, 0xB8003), 0x2E);
    /* B8000/32K window: A0000 and B0000 are outside */
    ck_assert_uint_eq(vt_rb(&t, 0xA0000), 0xFF);
    ck_assert_uint_eq(vt_rb(&t, 0xB0000), 0xFF);
    vt_wb(&t, 0xA0000, 0x55);
    vt_plane_begin(&t, 0);
    ck_assert_uint_eq(vt_rb(&t, A + 0), 'A');
    ck_assert_uint_eq(vt_rb(&t, A + 1), 'B');
    vt_plane_begin(&t, 1);
    ck_assert_uint_eq(vt_rb(&t, A + 0), 0x1F);
    ck_assert_uint_eq(vt_rb(&t, A + 1), 0x2E);
    vt_plane_begin(&t, 2);
    ck_assert_uint_eq(vt_rb(&t, A + 0), 0x00);
    /* map mask 0x01 in odd/even: odd bytes (plane 1) are not written */
    vt_plane_end_text(&t);
    vt_sr(&t, 2, 0x01);
    vt_wb(&t, 0xB8000, 'C');
    vt_wb(&t, 0xB8001, 0x77);
    vt_sr(&t, 2, 0x03);
    ck_assert_uint_eq(vt_rb(&t, 0xB8000), 'C');
    ck_assert_uint_eq(vt_rb(&t, 0xB8001), 0x1F);
    /* memory map 2: B0000-B7FFF */
    vt_gr(&t, 6, 0x0A);
    vt_wb(&t, 0xB0004, 'Z');
    ck_assert_uint_eq(vt_rb(&t, 0xB0004), 'Z');
    ck_assert_uint_eq(vt_rb(&t, 0xB8000), 0xFF);
    /* memory map 0: A0000-BFFFF, 128 KiB */
    vt_gr(&t, 6, 0x02);
    ck_assert_uint_eq(vt_rb(&t, 0xA0004), 'Z');
    vt_destroy(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vga_mem");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, write_mode0_set_reset_bit_mask);
    tcase_add_test(tc, write_mode0_rotate_xor);
    tcase_add_test(tc, write_mode1_copies_latches);
    tcase_add_test(tc, write_mode2_colour_fill);
    tcase_add_test(tc, write_mode3_set_reset_and_data_mask);
    tcase_add_test(tc, read_mode1_colour_compare);
    tcase_add_test(tc, chain4_addressing);
    tcase_add_test(tc, odd_even_addressing_and_window);
    suite_add_tcase(s, tc);
    return vt_run(s);
}
