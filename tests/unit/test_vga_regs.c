/* VGA registers through the ports with no CPU: DAC index cycling and state,
 * attribute flip-flop, CRTC write protect, mono/colour port decoding,
 * retrace toggling on the virtual clock, and the state tables round trip. */
#include <stdarg.h>

#include "cpu/cpu.h"
#include "devices/vmstate.h"
#include "vga_test_util.h"

static int unimp_lines;
static char unimp_text[256];

static void count_log(void *opaque, const char *category, const char *fmt, va_list ap)
{
    (void)opaque;
    if (strcmp(category, "unimp") == 0) {
        unimp_lines++;
        vsnprintf(unimp_text, sizeof unimp_text, fmt, ap);
    }
}

/* Bad guest programming is logged once per kind under -d unimp and
 * otherwise ignored: the CGA mode register 0x3D8, a CRTC index past the
 * register file. */
START_TEST(unimp_logged_once)
{
    struct vt t = {.m = test_machine_cfg((struct machine_config){
                       .ram_size = 16u << 20,
                       .deterministic = true,
                       .log_mask = CPU_LOG_UNIMP,
                       .log_fn = count_log,
                   })};
    t.v = vga_create(t.m, NULL);
    ck_assert_ptr_nonnull(t.v);
    unimp_lines = 0;
    vt_out(&t, 0x3C2, 0x01);
    vt_out(&t, 0x3D8, 0x29);
    ck_assert_int_eq(unimp_lines, 1);
    ck_assert_ptr_nonnull(strstr(unimp_text, "0x3d8"));
    vt_out(&t, 0x3D8, 0x29);
    ck_assert_int_eq(unimp_lines, 1);
    vt_cr(&t, 0x7F, 0x12); /* another kind: logged once too */
    vt_cr(&t, 0x7E, 0x12);
    ck_assert_int_eq(unimp_lines, 2);
    ck_assert_ptr_nonnull(strstr(unimp_text, "CRTC index 0x7f"));
    vt_out(&t, 0x3D4, 0x7F);
    ck_assert_uint_eq(vt_in(&t, 0x3D5), 0);
    vt_destroy(&t);
}
END_TEST

START_TEST(dac_rgb_cycling)
{
    struct vt t = vt_create(0);
    vt_out(&t, 0x3C8, 5);
    ck_assert_uint_eq(vt_in(&t, 0x3C7) & 3, 0); /* DAC state: write mode */
    for (int i = 0; i < 6; i++)
        vt_out(&t, 0x3C9, 0x10 + i);        /* entries 5 and 6 */
    ck_assert_uint_eq(vt_in(&t, 0x3C8), 7); /* write index moved on by two */
    vt_out(&t, 0x3C7, 5);
    ck_assert_uint_eq(vt_in(&t, 0x3C7) & 3, 3); /* read mode */
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(vt_in(&t, 0x3C9), 0x10 + i);
    /* a partial triple is not stored until its third byte */
    vt_out(&t, 0x3C8, 9);
    vt_out(&t, 0x3C9, 0x3F);
    vt_out(&t, 0x3C9, 0x3F);
    vt_out(&t, 0x3C7, 9);
    ck_assert_uint_eq(vt_in(&t, 0x3C9), 0);
    vt_out(&t, 0x3C6, 0x0F);
    ck_assert_uint_eq(vt_in(&t, 0x3C6), 0x0F);
    vt_destroy(&t);
}
END_TEST

START_TEST(attribute_flip_flop)
{
    struct vt t = vt_create(0);
    vt_out(&t, 0x3C2, 0x01); /* colour: input status 1 at 0x3DA */
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x05); /* index 5 */
    vt_out(&t, 0x3C0, 0x2A); /* data */
    vt_out(&t, 0x3C0, 0x26); /* flip-flop back on index: 6 | 0x20 */
    ck_assert_uint_eq(vt_in(&t, 0x3C0), 0x26);
    vt_out(&t, 0x3C0, 0x15);
    vt_in(&t, 0x3DA); /* reset: next write is an index again */
    vt_out(&t, 0x3C0, 0x05);
    ck_assert_uint_eq(vt_in(&t, 0x3C1), 0x2A);
    ck_assert_uint_eq(vt_in(&t, 0x3C0), 0x05);
    vt_out(&t, 0x3C0, 0x7F); /* palette registers keep 6 bits */
    ck_assert_uint_eq(vt_in(&t, 0x3C1), 0x3F);
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x06);
    ck_assert_uint_eq(vt_in(&t, 0x3C1), 0x15);
    vt_destroy(&t);
}
END_TEST

START_TEST(crtc_protect_and_port_decoding)
{
    struct vt t = vt_create(0);
    vt_out(&t, 0x3C2, 0x01);
    vt_cr(&t, 0x11, 0x00);
    vt_cr(&t, 0x01, 0x4F);
    vt_cr(&t, 0x07, 0x00);
    vt_cr(&t, 0x11, 0x80); /* protect CR00-CR07 */
    vt_cr(&t, 0x01, 0x27);
    vt_cr(&t, 0x07, 0xFF); /* only bit 4 (line compare bit 8) gets through */
    vt_cr(&t, 0x0E, 0x12); /* CR0E is not protected */
    vt_out(&t, 0x3D4, 0x01);
    ck_assert_uint_eq(vt_in(&t, 0x3D5), 0x4F);
    vt_out(&t, 0x3D4, 0x07);
    ck_assert_uint_eq(vt_in(&t, 0x3D5), 0x10);
    vt_out(&t, 0x3D4, 0x0E);
    ck_assert_uint_eq(vt_in(&t, 0x3D5), 0x12);
    /* colour mode: the mono CRTC ports do not answer */
    vt_out(&t, 0x3B4, 0x0E);
    ck_assert_uint_eq(vt_in(&t, 0x3B5), 0xFF);
    vt_out(&t, 0x3C2, 0x00); /* mono */
    ck_assert_uint_eq(vt_in(&t, 0x3CC), 0x00);
    ck_assert_uint_eq(vt_in(&t, 0x3D5), 0xFF);
    vt_out(&t, 0x3B4, 0x0E);
    ck_assert_uint_eq(vt_in(&t, 0x3B5), 0x12);
    /* sequencer and graphics index/data */
    vt_sr(&t, 2, 0x0C);
    vt_out(&t, 0x3C4, 2);
    ck_assert_uint_eq(vt_in(&t, 0x3C5), 0x0C);
    vt_gr(&t, 8, 0x5A);
    ck_assert_uint_eq(vt_in(&t, 0x3CF), 0x5A);
    /* 16-bit OUT to an index port writes index then data */
    ioport_write(machine_ioport(t.m), 0x3CE, 0x3307, 2);
    vt_out(&t, 0x3CE, 7);
    ck_assert_uint_eq(vt_in(&t, 0x3CF), 0x33);
    vt_destroy(&t);
}
END_TEST

/* A guest that waits for retrace, then for its end, must get through both
 * loops, with and without virtual time passing. */
START_TEST(retrace_toggles)
{
    struct vt t = vt_create(0);
    vt_out(&t, 0x3C2, 0x01);
    for (int warp = 0; warp < 2; warp++) {
        int n = 0, seen_on = 0, seen_off = 0, seen_hblank = 0;
        for (; n < 100000 && !(seen_on && seen_off); n++) {
            uint8_t st = vt_in(&t, 0x3DA);
            if (st & 0x08) {
                seen_on = 1;
                ck_assert(st & 0x01); /* retrace implies display disabled */
            } else if (seen_on) {
                seen_off = 1;
            }
            if ((st & 0x09) == 0x01)
                seen_hblank = 1;
            if (warp)
                vclock_warp(machine_vclock(t.m), 5000);
        }
        ck_assert(seen_on && seen_off && seen_hblank);
    }
    vt_destroy(&t);
}
END_TEST

START_TEST(state_round_trip)
{
    struct vt a = vt_create(0), b = vt_create(0);
    vt_set_mode(&a, &vt_mode03);
    vt_dac(&a, 7, 0x2A, 0x15, 0x3F);
    vt_out(&a, 0x3C8, 0x21); /* leave the DAC mid-triple */
    vt_out(&a, 0x3C9, 0x11);
    vt_wb(&a, 0xB8000, 'H');
    vt_wb(&a, 0xB8001, 0x07);
    vt_wb(&a, 0xB8002, 'i');
    vt_wb(&a, 0xB8003, 0x07);
    vt_cr(&a, 0x0F, 0x02);
    vt_vbe_write(&a, 1, 800);

    uint8_t *buf = malloc(64 << 10), *vbuf = malloc(17u << 20);
    size_t n = vmstate_save(vga_vmstate(a.v), a.v, buf, 64 << 10);
    ck_assert_uint_le(n, 64 << 10);
    size_t vn = vmstate_save(vga_vram_vmstate(a.v), vga_vram(a.v), vbuf, 17u << 20);
    ck_assert_uint_le(vn, 17u << 20);
    ck_assert_int_eq(vmstate_load(vga_vmstate(b.v), b.v, buf, n), 0);
    ck_assert_int_eq(vmstate_load(vga_vram_vmstate(b.v), vga_vram(b.v), vbuf, vn), 0);

    ck_assert_int_eq(memcmp(vga_vram(a.v), vga_vram(b.v), vga_vram_size(a.v)), 0);
    char da[4096], db[4096];
    vga_text_dump(a.v, da, sizeof da);
    vga_text_dump(b.v, db, sizeof db);
    ck_assert_str_eq(da, db);
    ck_assert(strncmp(db, "Hi\n", 3) == 0);
    vt_out(&b, 0x3D4, 0x0F);
    ck_assert_uint_eq(vt_in(&b, 0x3D5), 0x02);
    ck_assert_uint_eq(vt_vbe_read(&b, 1), 800);
    vt_out(&b, 0x3C9, 0x22); /* completes the triple started before the save */
    vt_out(&b, 0x3C9, 0x33);
    vt_out(&b, 0x3C7, 0x21);
    ck_assert_uint_eq(vt_in(&b, 0x3C9), 0x11);
    ck_assert_uint_eq(vt_in(&b, 0x3C9), 0x22);
    vt_out(&b, 0x3C7, 7);
    ck_assert_uint_eq(vt_in(&b, 0x3C9), 0x2A);
    /* both render the same picture */
    vga_update_display(a.v);
    vga_update_display(b.v);
    struct surface *sa = vga_surface(a.v), *sb = vga_surface(b.v);
    ck_assert_int_eq(sa->width, sb->width);
    ck_assert_int_eq(sa->height, sb->height);
    ck_assert_int_eq(memcmp(sa->pixels, sb->pixels, (size_t)sa->stride * sa->height * 4), 0);
    free(buf);
    free(vbuf);
    vt_destroy(&a);
    vt_destroy(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vga_regs");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, dac_rgb_cycling);
    tcase_add_test(tc, attribute_flip_flop);
    tcase_add_test(tc, crtc_protect_and_port_decoding);
    tcase_add_test(tc, retrace_toggles);
    tcase_add_test(tc, state_round_trip);
    tcase_add_test(tc, unimp_logged_once);
    suite_add_tcase(s, tc);
    return vt_run(s);
}
