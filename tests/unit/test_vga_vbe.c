/* Bochs VBE with no CPU: ID and capability registers, mode set and LFB
 * pixels in the surface at 8/15/16/24/32 bpp, clear-on-enable, 64 KiB banks
 * at 0xA0000, virtual width and display offsets, dirty lines; the PCI
 * function: identity, BAR0 sizing and placement, the expansion ROM. */
#include "devices/pci.h"
#include "devices/vmstate.h"
#include "vga_test_util.h"

#define LFB 0xE0000000u

enum { ID, XRES, YRES, BPP, ENABLE, BANK, VIRT_W, VIRT_H, XOFF, YOFF, MEM64K };

static void set_mode(struct vt *t, int w, int h, int bpp, uint16_t extra)
{
    vt_vbe_write(t, ENABLE, 0);
    vt_vbe_write(t, XRES, w);
    vt_vbe_write(t, YRES, h);
    vt_vbe_write(t, BPP, bpp);
    vt_vbe_write(t, ENABLE, 0x01 | 0x40 | extra);
}

static void lfb_w(struct vt *t, uint32_t off, uint32_t v, int size)
{
    memmap_write(machine_memmap(t->m), LFB + off, v, size);
}

START_TEST(id_and_caps)
{
    struct vt t = vt_create(LFB);
    ck_assert_uint_eq(vt_vbe_read(&t, ID), 0xB0C5);
    vt_vbe_write(&t, ID, 0xB0C0);
    ck_assert_uint_eq(vt_vbe_read(&t, ID), 0xB0C0);
    vt_vbe_write(&t, ID, 0x1234);
    ck_assert_uint_eq(vt_vbe_read(&t, ID), 0xB0C0);
    ck_assert_uint_eq(vt_vbe_read(&t, MEM64K), 256); /* 16 MiB */
    vt_vbe_write(&t, XRES, 1024);
    vt_vbe_write(&t, ENABLE, 0x02); /* GETCAPS */
    ck_assert_uint_eq(vt_vbe_read(&t, XRES), 2560);
    ck_assert_uint_eq(vt_vbe_read(&t, YRES), 1600);
    ck_assert_uint_eq(vt_vbe_read(&t, BPP), 32);
    vt_vbe_write(&t, ENABLE, 0x00);
    ck_assert_uint_eq(vt_vbe_read(&t, XRES), 1024);
    ioport_write(machine_ioport(t.m), 0x1CE, XRES, 2);
    ck_assert_uint_eq(ioport_read(machine_ioport(t.m), 0x1CE, 2), XRES);
    vt_destroy(&t);
}
END_TEST

START_TEST(lfb_32bpp_pixels_and_clear)
{
    struct vt t = vt_create(LFB);
    set_mode(&t, 640, 480, 32, 0);
    ck_assert_uint_eq(vt_vbe_read(&t, VIRT_W), 640);
    lfb_w(&t, (7 * 640 + 3) * 4, 0x00123456, 4);
    vga_update_display(t.v);
    struct surface *s = vga_surface(t.v);
    ck_assert_int_eq(s->width, 640);
    ck_assert_int_eq(s->height, 480);
    ck_assert_uint_eq(vt_px(&t, 3, 7), 0x123456);
    ck_assert_uint_eq(vt_px(&t, 4, 7), 0);
    /* only the changed line is redrawn */
    struct surface_rect r;
    surface_take_dirty(s, &r);
    vga_update_display(t.v);
    ck_assert(!surface_take_dirty(s, &r));
    lfb_w(&t, (100 * 640 + 9) * 4, 0x00FF00FF, 4);
    vga_update_display(t.v);
    ck_assert(surface_take_dirty(s, &r));
    ck_assert_int_eq(r.y, 100);
    ck_assert_int_eq(r.h, 1);
    ck_assert_uint_eq(vt_px(&t, 9, 100), 0xFF00FF);
    /* re-enabling clears VRAM unless NOCLEARMEM */
    set_mode(&t, 640, 480, 32, 0x80);
    ck_assert_uint_eq(vga_vram(t.v)[(7 * 640 + 3) * 4], 0x56);
    set_mode(&t, 640, 480, 32, 0);
    ck_assert_uint_eq(vga_vram(t.v)[(7 * 640 + 3) * 4], 0x00);
    /* geometry cannot change while enabled */
    vt_vbe_write(&t, XRES, 800);
    ck_assert_uint_eq(vt_vbe_read(&t, XRES), 640);
    /* disabling returns to VGA: the display follows the VGA registers */
    vt_vbe_write(&t, ENABLE, 0);
    vt_set_mode(&t, &vt_mode03);
    vga_update_display(t.v);
    ck_assert_int_eq(s->width, 720);
    vt_destroy(&t);
}
END_TEST

START_TEST(other_depths)
{
    struct vt t = vt_create(LFB);
    vt_dac(&t, 5, 0x3F, 0x00, 0x2A);
    set_mode(&t, 320, 200, 8, 0);
    lfb_w(&t, 10, 5, 1);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 10, 0), 0xFF00AA);
    vt_vbe_write(&t, ENABLE, 0x01 | 0x40 | 0x80 | 0x20); /* 8-bit DAC */
    vt_dac(&t, 5, 0x80, 0x40, 0x20);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 10, 0), 0x804020);
    set_mode(&t, 320, 200, 16, 0);
    lfb_w(&t, 2 * 4, 0xF800, 2);
    lfb_w(&t, 2 * 5, 0x07E0, 2);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 4, 0), 0xFF0000);
    ck_assert_uint_eq(vt_px(&t, 5, 0), 0x00FF00);
    set_mode(&t, 320, 200, 15, 0);
    lfb_w(&t, 2 * 4, 0x7C00, 2);
    lfb_w(&t, 2 * 5, 0x001F, 2);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 4, 0), 0xFF0000);
    ck_assert_uint_eq(vt_px(&t, 5, 0), 0x0000FF);
    set_mode(&t, 320, 200, 24, 0);
    lfb_w(&t, 3 * 2, 0x33, 1); /* blue, green, red */
    lfb_w(&t, 3 * 2 + 1, 0x22, 1);
    lfb_w(&t, 3 * 2 + 2, 0x11, 1);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 2, 0), 0x112233);
    vt_destroy(&t);
}
END_TEST

START_TEST(banks_and_offsets)
{
    struct vt t = vt_create(LFB);
    set_mode(&t, 1024, 768, 8, 0);
    vt_vbe_write(&t, BANK, 2);
    vt_wb(&t, 0xA0010, 7);
    ck_assert_uint_eq(vga_vram(t.v)[0x20010], 7);
    ck_assert_uint_eq(vt_rb(&t, 0xA0010), 7);
    ck_assert_uint_eq(memmap_read(machine_memmap(t.m), LFB + 0x20010, 1), 7);
    vt_vbe_write(&t, BANK, 0);
    ck_assert_uint_eq(vt_rb(&t, 0xA0010), 0);
    ck_assert_uint_eq(vt_rb(&t, 0xB0000), 0xFF); /* 64 KiB window */
    /* virtual width 2048, display from line 16, column 8 */
    vt_vbe_write(&t, VIRT_W, 2048);
    ck_assert_uint_eq(vt_vbe_read(&t, VIRT_H), (16u << 20) / 2048);
    vt_vbe_write(&t, XOFF, 8);
    vt_vbe_write(&t, YOFF, 16);
    vt_dac(&t, 9, 0x3F, 0x3F, 0x3F);
    vga_vram(t.v)[16 * 2048 + 8 + 3] = 9;
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 3, 0), 0xFFFFFF);
    ck_assert_uint_eq(vt_px(&t, 2, 0), 0);
    vt_destroy(&t);
}
END_TEST

/* A VBE mode survives save -> restore: the bank and display start are
 * re-derived (post_load), so banked writes and the picture match. */
START_TEST(state_round_trip_vbe)
{
    struct vt a = vt_create(LFB), b = vt_create(LFB);
    vt_dac(&a, 1, 0x3F, 0x00, 0x00);
    set_mode(&a, 800, 600, 8, 0);
    vt_vbe_write(&a, YOFF, 2);
    vt_vbe_write(&a, BANK, 3);
    size_t cap = 64 << 10, vcap = 17u << 20;
    uint8_t *buf = malloc(cap), *vbuf = malloc(vcap);
    size_t n = vmstate_save(vga_vmstate(a.v), a.v, buf, cap);
    size_t vn = vmstate_save(vga_vram_vmstate(a.v), vga_vram(a.v), vbuf, vcap);
    ck_assert_int_eq(vmstate_load(vga_vmstate(b.v), b.v, buf, n), 0);
    ck_assert_int_eq(vmstate_load(vga_vram_vmstate(b.v), vga_vram(b.v), vbuf, vn), 0);
    /* (0, 300) of the display = line 302 = offset 241600 = bank 3 + 44992 */
    vt_wb(&b, 0xA0000 + 44992, 1);
    ck_assert_uint_eq(vga_vram(b.v)[3 * 65536 + 44992], 1);
    vga_update_display(b.v);
    ck_assert_int_eq(vga_surface(b.v)->width, 800);
    ck_assert_uint_eq(vt_px(&b, 0, 300), 0xFF0000);
    free(buf);
    free(vbuf);
    vt_destroy(&a);
    vt_destroy(&b);
}
END_TEST

/* 4 bpp VBE modes are planar: write mode 2 through the window, drawn from
 * the planes with the VBE geometry, planes larger than 64 KiB. */
START_TEST(planar_4bpp)
{
    struct vt t = vt_create(LFB);
    vt_ar(&t, 0x12, 0x0F);
    for (int i = 0; i < 16; i++)
        vt_ar(&t, i, i);
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x20);
    vt_dac(&t, 6, 0x3F, 0x3F, 0x00);
    set_mode(&t, 1024, 768, 4, 0);
    vt_sr(&t, 2, 0x0F);
    vt_gr(&t, 5, 0x02);
    vt_gr(&t, 8, 0x01);
    /* pixel (7, 700): plane offset 700 * 128 = 89600 = bank 1 + 24064 */
    vt_vbe_write(&t, BANK, 1);
    (void)vt_rb(&t, 0xA0000 + 24064);
    vt_wb(&t, 0xA0000 + 24064, 6);
    vga_update_display(t.v);
    struct surface *s = vga_surface(t.v);
    ck_assert_int_eq(s->width, 1024);
    ck_assert_int_eq(s->height, 768);
    ck_assert_uint_eq(vt_px(&t, 7, 700), 0xFFFF00);
    ck_assert_uint_eq(vt_px(&t, 6, 700), 0);
    vt_destroy(&t);
}
END_TEST

START_TEST(pci_function)
{
    uint8_t rom[3000];
    memset(rom, 0, sizeof rom);
    rom[0] = 0x55;
    rom[1] = 0xAA;
    rom[2] = 6;
    struct vga_config vc = {.rom = rom, .rom_size = sizeof rom};
    struct vt t = vt_create_cfg(&vc);
    struct pci_bus *bus = pci_bus_create(t.m);
    struct pci_device *d = vga_pci_attach(t.v, bus, PCI_DEVFN(2, 0));
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(pci_config_read(d, PCI_VENDOR_ID, 2), 0x1234);
    ck_assert_uint_eq(pci_config_read(d, PCI_DEVICE_ID, 2), 0x1111);
    ck_assert_uint_eq(pci_config_read(d, PCI_CLASS_DEVICE, 2), 0x0300);
    pci_config_write(d, PCI_BASE_ADDRESS_0, 0xFFFFFFFF, 4);
    ck_assert_uint_eq(pci_config_read(d, PCI_BASE_ADDRESS_0, 4), 0xFF000008);
    pci_config_write(d, PCI_BASE_ADDRESS_0, 0xFD000000, 4);
    pci_config_write(d, PCI_ROM_ADDRESS, 0xFFFFFFFF, 4);
    ck_assert_uint_eq(pci_config_read(d, PCI_ROM_ADDRESS, 4) & 0xFFFFF800u, 0xFFFFF000u);
    pci_config_write(d, PCI_ROM_ADDRESS, 0xFEB00001, 4);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    struct memmap *mm = machine_memmap(t.m);
    memmap_write(mm, 0xFD000000 + 0x1234, 0xAB, 1);
    ck_assert_uint_eq(vga_vram(t.v)[0x1234], 0xAB);
    ck_assert_uint_eq(memmap_read(mm, 0xFEB00000, 2), 0xAA55);
    ck_assert_uint_eq(memmap_read(mm, 0xFEB00002, 1), 6);
    /* moving the BAR moves the LFB */
    pci_config_write(d, PCI_BASE_ADDRESS_0, 0xE1000000, 4);
    ck_assert_uint_eq(memmap_read(mm, 0xE1001234, 1), 0xAB);
    ck_assert_uint_ne(memmap_read(mm, 0xFD001234, 1), 0xAB);
    pci_bus_destroy(bus);
    vt_destroy(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vga_vbe");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, id_and_caps);
    tcase_add_test(tc, lfb_32bpp_pixels_and_clear);
    tcase_add_test(tc, other_depths);
    tcase_add_test(tc, banks_and_offsets);
    tcase_add_test(tc, state_round_trip_vbe);
    tcase_add_test(tc, planar_4bpp);
    tcase_add_test(tc, pci_function);
    suite_add_tcase(s, tc);
    return vt_run(s);
}
