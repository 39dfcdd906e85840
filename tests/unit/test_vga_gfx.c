/* VGA graphics modes drawn from the planes with no CPU: mode 13h (chain-4,
 * 256 colours, line compare split), unchained "mode X", mode 12h (planar
 * 16 colours through the attribute palette), and the blank screen. */
#include "vga_test_util.h"

START_TEST(mode13_pixels_and_split)
{
    struct vt t = vt_create(0);
    vt_set_mode(&t, &vt_mode13);
    vt_dac(&t, 1, 0x3F, 0x00, 0x00);
    vt_dac(&t, 2, 0x00, 0x3F, 0x00);
    vt_wb(&t, 0xA0000 + 320 * 10 + 5, 1);
    vt_wb(&t, 0xA0000 + 2, 2);
    vga_update_display(t.v);
    struct surface *s = vga_surface(t.v);
    ck_assert_int_eq(s->width, 320);
    ck_assert_int_eq(s->height, 200);
    ck_assert_uint_eq(vt_px(&t, 5, 10), 0xFF0000);
    ck_assert_uint_eq(vt_px(&t, 4, 10), 0x000000);
    ck_assert_uint_eq(vt_px(&t, 2, 0), 0x00FF00);
    /* the pel mask applies to the index */
    vt_out(&t, 0x3C6, 0xFE);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 5, 10), 0x000000);
    vt_out(&t, 0x3C6, 0xFF);
    /* start address one line on (80 plane offsets = 320 pixels), split at
     * scan line 200 (row 100): the rows below show memory from 0 again */
    vt_cr(&t, 0x0C, 0);
    vt_cr(&t, 0x0D, 80);
    vt_cr(&t, 0x18, 200);
    vt_cr(&t, 0x07, 0x0F); /* line compare bit 8 (writable under CR11 protect) */
    vt_cr(&t, 0x09, 0x01); /* line compare bit 9 */
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 5, 9), 0xFF0000);
    ck_assert_uint_eq(vt_px(&t, 2, 100), 0x00FF00);
    ck_assert_uint_eq(vt_px(&t, 2, 99), 0x000000);
    vt_destroy(&t);
}
END_TEST

START_TEST(mode_x_unchained)
{
    struct vt t = vt_create(0);
    vt_set_mode(&t, &vt_mode13);
    vt_sr(&t, 4, 0x06); /* unchain: planar writes, 4 pixels per offset */
    vt_cr(&t, 0x14, 0x00);
    vt_cr(&t, 0x17, 0xE3);
    vt_dac(&t, 3, 0x00, 0x00, 0x3F);
    vt_sr(&t, 2, 0x04); /* plane 2: pixel 4k + 2 */
    vt_wb(&t, 0xA0000 + 1, 3);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 6, 0), 0x0000FF);
    ck_assert_uint_eq(vt_px(&t, 5, 0), 0x000000);
    ck_assert_uint_eq(vt_px(&t, 7, 0), 0x000000);
    vt_destroy(&t);
}
END_TEST

START_TEST(mode12_planar)
{
    struct vt t = vt_create(0);
    vt_set_mode(&t, &vt_mode12);
    vt_dac(&t, 0x04, 0x2A, 0x00, 0x00);
    vt_dac(&t, 0x3F, 0x3F, 0x3F, 0x3F); /* colour 15 -> palette 0x3F */
    vt_gr(&t, 5, 0x02);                 /* write mode 2 */
    vt_gr(&t, 8, 0x80);                 /* pixel 8 of byte 1 */
    (void)vt_rb(&t, 0xA0000 + 3 * 80 + 1);
    vt_wb(&t, 0xA0000 + 3 * 80 + 1, 4);
    vt_gr(&t, 8, 0x01);
    (void)vt_rb(&t, 0xA0000 + 479 * 80 + 79);
    vt_wb(&t, 0xA0000 + 479 * 80 + 79, 15);
    vga_update_display(t.v);
    struct surface *s = vga_surface(t.v);
    ck_assert_int_eq(s->width, 640);
    ck_assert_int_eq(s->height, 480);
    ck_assert_uint_eq(vt_px(&t, 8, 3), 0xAA0000);
    ck_assert_uint_eq(vt_px(&t, 9, 3), 0x000000);
    ck_assert_uint_eq(vt_px(&t, 639, 479), 0xFFFFFF);
    /* pixel panning by 3: pixel 8 shows at x = 5 */
    vt_ar(&t, 0x13, 3);
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x20);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 5, 3), 0xAA0000);
    ck_assert_uint_eq(vt_px(&t, 8, 3), 0x000000);
    vt_ar(&t, 0x13, 0);
    /* colour plane enable masks plane 2 out: colour 4 becomes 0 */
    vt_ar(&t, 0x12, 0x0B);
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x20);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 8, 3), 0x000000);
    /* screen off (SR01 bit 5) blanks */
    vt_sr(&t, 1, 0x21);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 639, 479), 0x000000);
    vt_destroy(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vga_gfx");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, mode13_pixels_and_split);
    tcase_add_test(tc, mode_x_unchained);
    tcase_add_test(tc, mode12_planar);
    suite_add_tcase(s, tc);
    return vt_run(s);
}
