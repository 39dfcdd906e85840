/* VGA text mode with no CPU: a glyph loaded into plane 2 drawn with its
 * attribute colours through the palette and DAC, 9-dot cells and line
 * graphics, character map select, cursor shape/position/blink, blinking
 * characters, re-rendering only what changed, and the text dump. */
#include "vga_test_util.h"

#define WHITE    0xFFFFFF
#define BLUE     0x0000AA
#define GREY     0xAAAAAA
#define BLACK    0x000000
#define LBLUE    0x5555FF
#define FRAME_NS 16683333ull

static void load_glyph(struct vt *t, uint32_t map_base, uint8_t ch, const uint8_t rows[16])
{
    vt_plane_begin(t, 2);
    for (int r = 0; r < 16; r++)
        vt_wb(t, 0xA0000 + map_base + ch * 32 + r, rows[r]);
    vt_plane_end_text(t);
}

static void put(struct vt *t, int row, int col, uint8_t ch, uint8_t attr)
{
    uint32_t a = 0xB8000 + (row * 80 + col) * 2;
    vt_wb(t, a, ch);
    vt_wb(t, a + 1, attr);
}

static struct vt text_setup(void)
{
    struct vt t = vt_create(0);
    vt_set_mode(&t, &vt_mode03);
    vt_dac(&t, 0x00, 0x00, 0x00, 0x00);
    vt_dac(&t, 0x01, 0x00, 0x00, 0x2A);
    vt_dac(&t, 0x07, 0x2A, 0x2A, 0x2A);
    vt_dac(&t, 0x39, 0x15, 0x15, 0x3F); /* attribute 9 -> palette 0x39 */
    vt_dac(&t, 0x3F, 0x3F, 0x3F, 0x3F);
    vt_cr(&t, 0x0A, 0x20); /* cursor off unless a test wants it */
    static const uint8_t glyph_a[16] = {0x80, 0x01, 0xFF};
    static const uint8_t bar5[16] = {[5] = 0xFF};
    load_glyph(&t, 0, 'A', glyph_a);
    load_glyph(&t, 0, 0xC4, bar5); /* line graphics character */
    load_glyph(&t, 0, 'B', bar5);
    return t;
}

START_TEST(glyph_pixels_9dot_and_line_graphics)
{
    struct vt t = text_setup();
    put(&t, 1, 2, 'A', 0x1F);
    put(&t, 1, 3, 0xC4, 0x07);
    put(&t, 1, 4, 'B', 0x07);
    vga_update_display(t.v);
    struct surface *s = vga_surface(t.v);
    ck_assert_int_eq(s->width, 720);
    ck_assert_int_eq(s->height, 400);
    int x0 = 2 * 9, y0 = 16;
    ck_assert_uint_eq(vt_px(&t, x0, y0), WHITE);
    ck_assert_uint_eq(vt_px(&t, x0 + 1, y0), BLUE);
    ck_assert_uint_eq(vt_px(&t, x0 + 7, y0 + 1), WHITE);
    ck_assert_uint_eq(vt_px(&t, x0 + 6, y0 + 1), BLUE);
    ck_assert_uint_eq(vt_px(&t, x0 + 8, y0 + 1), BLUE); /* 9th dot: background */
    for (int x = 0; x < 8; x++)
        ck_assert_uint_eq(vt_px(&t, x0 + x, y0 + 2), WHITE);
    ck_assert_uint_eq(vt_px(&t, x0 + 8, y0 + 2), BLUE);
    ck_assert_uint_eq(vt_px(&t, x0 + 3, y0 + 3), BLUE);
    /* 0xC0-0xDF repeat dot 8 in dot 9 when AR10 bit 2 is set */
    ck_assert_uint_eq(vt_px(&t, 27 + 8, y0 + 5), GREY);
    ck_assert_uint_eq(vt_px(&t, 36 + 7, y0 + 5), GREY);
    ck_assert_uint_eq(vt_px(&t, 36 + 8, y0 + 5), BLACK);
    vt_ar(&t, 0x10, 0x08);
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x20);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 27 + 8, y0 + 5), BLACK);
    /* 8-dot cells */
    vt_sr(&t, 1, 0x01);
    vga_update_display(t.v);
    ck_assert_int_eq(s->width, 640);
    ck_assert_uint_eq(vt_px(&t, 16 + 7, 17), WHITE);
    ck_assert_uint_eq(vt_px(&t, 24, 16 + 5), GREY); /* 0xC4 now starts at x = 24 */
    vt_destroy(&t);
}
END_TEST

START_TEST(character_map_select)
{
    struct vt t = text_setup();
    static const uint8_t other[16] = {0x0F};
    load_glyph(&t, 0x4000, 'A', other); /* map 1 at plane 2 offset 16K */
    vt_sr(&t, 3, 0x04);                 /* map A (attr bit 3 = 1) = 1, map B = 0 */
    put(&t, 0, 0, 'A', 0x1F);           /* bit 3 set: map 1 */
    put(&t, 0, 1, 'A', 0x17);           /* bit 3 clear: map 0 */
    vt_dac(&t, 0x3F, 0x3F, 0x3F, 0x3F);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 0, 0), BLUE);
    ck_assert_uint_eq(vt_px(&t, 4, 0), WHITE);
    ck_assert_uint_eq(vt_px(&t, 9, 0), GREY);
    ck_assert_uint_eq(vt_px(&t, 13, 0), BLUE);
    vt_destroy(&t);
}
END_TEST

START_TEST(cursor_shape_position_blink)
{
    struct vt t = text_setup();
    put(&t, 1, 2, ' ', 0x1F);
    vt_cr(&t, 0x0A, 14);
    vt_cr(&t, 0x0B, 15);
    vt_cr(&t, 0x0E, 0);
    vt_cr(&t, 0x0F, 82); /* row 1, column 2 */
    vga_update_display(t.v);
    for (int x = 0; x < 9; x++) {
        ck_assert_uint_eq(vt_px(&t, 18 + x, 16 + 14), WHITE);
        ck_assert_uint_eq(vt_px(&t, 18 + x, 16 + 15), WHITE);
    }
    ck_assert_uint_eq(vt_px(&t, 18, 16 + 13), BLUE);
    /* the cursor blinks: off after 8 frames, back after 16 */
    vclock_warp(machine_vclock(t.m), 8 * FRAME_NS);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 18, 16 + 14), BLUE);
    vclock_warp(machine_vclock(t.m), 8 * FRAME_NS);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 18, 16 + 14), WHITE);
    /* move it: the old cell is repaired */
    vt_cr(&t, 0x0F, 83);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 18, 16 + 14), BLUE);
    ck_assert_uint_eq(vt_px(&t, 27, 16 + 14), BLACK); /* cell attr 0: black on black */
    /* shape 0-15 fills the cell; start > end hides it; bit 5 disables it */
    vt_cr(&t, 0x0F, 82);
    vt_cr(&t, 0x0A, 0);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 18, 16), WHITE);
    vt_cr(&t, 0x0A, 15);
    vt_cr(&t, 0x0B, 3);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 18, 16 + 15), BLUE);
    vt_cr(&t, 0x0A, 0x20 | 14);
    vt_cr(&t, 0x0B, 15);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 18, 16 + 14), BLUE);
    /* the start address moves the screen, the cursor location is absolute */
    vt_cr(&t, 0x0A, 14);
    vt_cr(&t, 0x0D, 80);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 18, 14), WHITE);
    vt_destroy(&t);
}
END_TEST

START_TEST(blink_attribute)
{
    struct vt t = text_setup();
    put(&t, 0, 0, 'A', 0x9F); /* blink, background 1, foreground 15 */
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 0, 0), WHITE);
    ck_assert_uint_eq(vt_px(&t, 1, 0), BLUE);
    vclock_warp(machine_vclock(t.m), 16 * FRAME_NS);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 0, 0), BLUE); /* blinked off */
    vclock_warp(machine_vclock(t.m), 16 * FRAME_NS);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 0, 0), WHITE);
    /* AR10 bit 3 clear: bit 7 is background intensity (colour 9) */
    vt_ar(&t, 0x10, 0x04);
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x20);
    vclock_warp(machine_vclock(t.m), 16 * FRAME_NS);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 0, 0), WHITE);
    ck_assert_uint_eq(vt_px(&t, 1, 0), LBLUE);
    vt_destroy(&t);
}
END_TEST

START_TEST(redraws_only_what_changed)
{
    struct vt t = text_setup();
    struct surface_rect r;
    vga_update_display(t.v);
    ck_assert(surface_take_dirty(vga_surface(t.v), &r));
    vga_update_display(t.v);
    ck_assert(!surface_take_dirty(vga_surface(t.v), &r));
    put(&t, 10, 40, 'A', 0x07);
    vga_update_display(t.v);
    ck_assert(surface_take_dirty(vga_surface(t.v), &r));
    ck_assert_int_eq(r.x, 360);
    ck_assert_int_eq(r.y, 160);
    ck_assert_int_eq(r.w, 9);
    ck_assert_int_eq(r.h, 16);
    ck_assert_uint_eq(vt_px(&t, 360, 160), GREY);
    /* a new glyph in plane 2 redraws everything */
    static const uint8_t none[16] = {0};
    load_glyph(&t, 0, 'A', none);
    vga_update_display(t.v);
    ck_assert(surface_take_dirty(vga_surface(t.v), &r));
    ck_assert_int_eq(r.w, 720);
    ck_assert_uint_eq(vt_px(&t, 360, 160), BLACK);
    /* palette address source clear blanks the screen */
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x00);
    put(&t, 0, 0, 0xDB, 0x77);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 0, 0), BLACK);
    vt_destroy(&t);
}
END_TEST

START_TEST(mono_underline)
{
    struct vt t = text_setup();
    vt_dac(&t, 0x01, 0x2A, 0x2A, 0x2A); /* colour 1 shown grey, as on a mono screen */
    vt_ar(&t, 0x10, 0x0E);              /* monochrome emulation */
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x20);
    vt_cr(&t, 0x14, 13);
    put(&t, 0, 0, ' ', 0x01); /* underlined */
    put(&t, 0, 1, ' ', 0x07); /* not */
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 0, 13), GREY);
    ck_assert_uint_eq(vt_px(&t, 8, 13), GREY);
    ck_assert_uint_eq(vt_px(&t, 0, 12), BLACK);
    ck_assert_uint_eq(vt_px(&t, 9, 13), BLACK);
    vt_destroy(&t);
}
END_TEST

START_TEST(text_dump)
{
    struct vt t = text_setup();
    const char *hello = "Hello";
    for (int i = 0; hello[i]; i++)
        put(&t, 0, i, hello[i], 0x07);
    put(&t, 0, 6, ' ', 0x70); /* trailing blanks are trimmed */
    put(&t, 2, 5, 0xDA, 0x07);
    put(&t, 2, 6, 0xC4, 0x07);
    put(&t, 2, 7, 0xBF, 0x07);
    put(&t, 24, 79, 0x82, 0x07); /* e acute in the last cell */
    char buf[8192];
    size_t n = vga_text_dump(t.v, buf, sizeof buf);
    char want[8192];
    int k = snprintf(want, sizeof want, "Hello\n\n     \u250C\u2500\u2510\n");
    for (int r = 3; r < 24; r++)
        want[k++] = '\n';
    memset(want + k, ' ', 79);
    k += 79;
    k += snprintf(want + k, sizeof want - k, "\u00E9\n");
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(n, (size_t)k);
    n = vga_text_dump_ascii(t.v, buf, sizeof buf);
    ck_assert(strncmp(buf, "Hello\n\n     ???\n", 16) == 0);
    ck_assert_uint_eq(n, strlen(buf));
    ck_assert_uint_eq(buf[n - 2], '?');
    /* a short buffer: truncated, NUL-terminated, full length returned */
    char small[4];
    ck_assert_uint_eq(vga_text_dump(t.v, small, sizeof small), (size_t)k);
    ck_assert_str_eq(small, "Hel");
    /* the start address (CR0C/0D) picks what is shown */
    vt_cr(&t, 0x0D, 80);
    vga_text_dump(t.v, buf, sizeof buf);
    ck_assert(strncmp(buf, "\n     \u250C", 8) == 0);
    /* line compare at scan line 31: rows 2.. show memory from offset 0 */
    vt_cr(&t, 0x18, 31);
    vt_cr(&t, 0x07, 0x0F);
    vt_cr(&t, 0x09, 0x0F);
    vga_text_dump(t.v, buf, sizeof buf);
    ck_assert(strncmp(buf, "\n     \u250C\u2500\u2510\nHello\n\n     \u250C", 24) == 0);
    vt_cr(&t, 0x18, 0xFF);
    /* graphics mode: no text */
    vt_gr(&t, 6, 0x05);
    ck_assert_uint_eq(vga_text_dump(t.v, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    vt_destroy(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vga_text");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, glyph_pixels_9dot_and_line_graphics);
    tcase_add_test(tc, character_map_select);
    tcase_add_test(tc, cursor_shape_position_blink);
    tcase_add_test(tc, blink_attribute);
    tcase_add_test(tc, redraws_only_what_changed);
    tcase_add_test(tc, mono_underline);
    tcase_add_test(tc, text_dump);
    suite_add_tcase(s, tc);
    return vt_run(s);
}
