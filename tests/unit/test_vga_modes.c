/* VGA modes the desktop needs, with no CPU: Bochs VBE at the sizes the issue
 * asks for (1920x1200 at 8/15/16/24/32 bpp through the LFB), the stdvga MMIO
 * BAR that bochs-drm uses (PCI BAR2: DISPI registers at 0x500, VGA ports at
 * 0x400, QEMU's extended registers at 0x600), CGA 2-colour mode 06h and
 * horizontal pixel panning in mode 12h. */
#include "devices/pci.h"
#include "vga_test_util.h"

#define LFB 0xE0000000u

static void vbe_mode(struct vt *t, int w, int h, int bpp)
{
    vt_vbe_write(t, 4, 0);
    vt_vbe_write(t, 1, w);
    vt_vbe_write(t, 2, h);
    vt_vbe_write(t, 3, bpp);
    vt_vbe_write(t, 4, 0x41);
}

START_TEST(vbe_1920x1200_all_depths)
{
    struct vt t = vt_create(LFB);
    struct memmap *mm = machine_memmap(t.m);
    static const struct {
        int bpp, bytes;
        uint32_t raw, rgb;
    } d[] = {
        {32, 4, 0x00123456, 0x123456}, {24, 3, 0x00ABCDEF, 0xABCDEF},
        {16, 2, 0xF800, 0xFF0000}, /* 5:6:5 red */
        {15, 2, 0x03E0, 0x00FF00}, /* 5:5:5 green */
        {8, 1, 0x07, 0x000000},    /* DAC 7 set below */
    };
    for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++) {
        vbe_mode(&t, 1920, 1200, d[i].bpp);
        ck_assert_uint_eq(vt_vbe_read(&t, 1), 1920);
        ck_assert_uint_eq(vt_vbe_read(&t, 2), 1200);
        uint32_t rgb = d[i].rgb;
        if (d[i].bpp == 8) {
            vt_dac(&t, 7, 0x3F, 0x00, 0x3F);
            rgb = 0xFF00FF;
        }
        /* the last pixel of the last line, written through the LFB */
        uint32_t off = (1199u * 1920 + 1919) * d[i].bytes;
        for (int k = 0; k < d[i].bytes; k++)
            memmap_write(mm, LFB + off + k, (d[i].raw >> (8 * k)) & 0xFF, 1);
        vga_update_display(t.v);
        struct surface *s = vga_surface(t.v);
        ck_assert_int_eq(s->width, 1920);
        ck_assert_int_eq(s->height, 1200);
        ck_assert_uint_eq(vt_px(&t, 1919, 1199), rgb);
        ck_assert_uint_eq(vt_px(&t, 1918, 1199), 0);
        /* only what changed is redrawn: a second update leaves it clean */
        struct surface_rect r;
        surface_take_dirty(s, &r);
        vga_update_display(t.v);
        ck_assert(!surface_take_dirty(s, &r));
        memmap_write(mm, LFB + off, d[i].raw & 0xFF ? 0 : 1, 1);
        vga_update_display(t.v);
        ck_assert(surface_take_dirty(s, &r));
        ck_assert_int_eq(r.y, 1199);
        ck_assert_int_eq(r.h, 1);
    }
    vt_destroy(&t);
}
END_TEST

START_TEST(mmio_bar_bochs_drm)
{
    struct vt t = vt_create(0);
    struct pci_bus *bus = pci_bus_create(t.m);
    struct pci_device *d = vga_pci_attach(t.v, bus, PCI_DEVFN(2, 0));
    ck_assert_ptr_nonnull(d);
    /* BAR2: 4 KiB of non-prefetchable memory */
    pci_config_write(d, PCI_BASE_ADDRESS_0 + 8, 0xFFFFFFFF, 4);
    ck_assert_uint_eq(pci_config_read(d, PCI_BASE_ADDRESS_0 + 8, 4), 0xFFFFF000);
    pci_config_write(d, PCI_BASE_ADDRESS_0 + 8, 0xFEBF0000, 4);
    pci_config_write(d, PCI_BASE_ADDRESS_0, 0xFD000000, 4);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    struct memmap *mm = machine_memmap(t.m);
    const uint64_t io = 0xFEBF0000;
    /* what bochs-drm does: ID, memory size, then a mode */
    ck_assert_uint_eq(memmap_read(mm, io + 0x500, 2), 0xB0C5);
    ck_assert_uint_eq(memmap_read(mm, io + 0x500 + 2 * 10, 2), VGA_VRAM_DEFAULT >> 16);
    ck_assert_uint_eq(memmap_read(mm, io + 0x600, 4), 8);          /* qext size */
    ck_assert_uint_eq(memmap_read(mm, io + 0x604, 4), 0x1e1e1e1e); /* little-endian */
    memmap_write(mm, io + 0x500 + 2 * 4, 0, 2);
    memmap_write(mm, io + 0x500 + 2 * 1, 800, 2);
    memmap_write(mm, io + 0x500 + 2 * 2, 600, 2);
    memmap_write(mm, io + 0x500 + 2 * 3, 32, 2);
    memmap_write(mm, io + 0x500 + 2 * 4, 0x41, 2);
    ck_assert_uint_eq(vt_vbe_read(&t, 1), 800);
    ck_assert_uint_eq(memmap_read(mm, io + 0x500 + 2 * 2, 2), 600);
    memmap_write(mm, 0xFD000000 + 4 * (600 * 800 - 1), 0x00C0FFEE, 4);
    vga_update_display(t.v);
    ck_assert_int_eq(vga_surface(t.v)->width, 800);
    ck_assert_uint_eq(vt_px(&t, 799, 599), 0xC0FFEE);
    /* the VGA ports at 0x400: DAC entry 5 written and read back */
    memmap_write(mm, io + 0x400 + 8, 5, 1); /* 0x3C8 */
    memmap_write(mm, io + 0x400 + 9, 0x11, 1);
    memmap_write(mm, io + 0x400 + 9, 0x22, 1);
    memmap_write(mm, io + 0x400 + 9, 0x33, 1);
    vt_out(&t, 0x3C7, 5);
    ck_assert_uint_eq(vt_in(&t, 0x3C9), 0x11);
    ck_assert_uint_eq(memmap_read(mm, io + 0x400 + 9, 1), 0x22);
    /* a 16-bit write is index then data (sequencer map mask) */
    memmap_write(mm, io + 0x400 + 4, 0x0502, 2);
    vt_out(&t, 0x3C4, 2);
    ck_assert_uint_eq(vt_in(&t, 0x3C5), 0x05);
    pci_bus_destroy(bus);
    vt_destroy(&t);
}
END_TEST

/* Mode 06h: 640x200 2 colours, CGA interleave (odd scan lines at 0x2000). */
static const struct vt_mode vt_mode06 = {
    0x63,
    {0x03, 0x01, 0x01, 0x00, 0x06},
    {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0xc1, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x00, 0x96, 0xb9, 0xc2, 0xff},
    {0x00, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,
     0x17, 0x17, 0x17, 0x17, 0x17, 0x01, 0x00, 0x01, 0x00, 0x00},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0xff},
};

START_TEST(cga_mode06)
{
    struct vt t = vt_create(0);
    vt_set_mode(&t, &vt_mode06);
    vt_dac(&t, 0x17, 0x3F, 0x3F, 0x3F);
    vt_dac(&t, 0, 0, 0, 0);
    vt_wb(&t, 0xB8000 + 0, 0x80);          /* line 0, pixel 0 */
    vt_wb(&t, 0xB8000 + 0x2000 + 1, 0x01); /* line 1, pixel 15 */
    vt_wb(&t, 0xB8000 + 80, 0x40);         /* line 2, pixel 1 */
    vga_update_display(t.v);
    struct surface *s = vga_surface(t.v);
    ck_assert_int_eq(s->width, 640);
    ck_assert_int_eq(s->height, 200);
    ck_assert_uint_eq(vt_px(&t, 0, 0), 0xFFFFFF);
    ck_assert_uint_eq(vt_px(&t, 1, 0), 0);
    ck_assert_uint_eq(vt_px(&t, 15, 1), 0xFFFFFF);
    ck_assert_uint_eq(vt_px(&t, 15, 0), 0);
    ck_assert_uint_eq(vt_px(&t, 1, 2), 0xFFFFFF);
    ck_assert_uint_eq(vt_px(&t, 1, 1), 0);
    vt_destroy(&t);
}
END_TEST

START_TEST(mode12_pixel_panning)
{
    struct vt t = vt_create(0);
    vt_set_mode(&t, &vt_mode12);
    vt_dac(&t, 0x3F, 0x3F, 0x3F, 0x3F); /* colour 15 -> DAC 0x3F */
    vt_wb(&t, 0xA0000 + 1, 0x80);       /* pixel 8 of line 0, all planes */
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 8, 0), 0xFFFFFF);
    vt_ar(&t, 0x13, 3); /* pan 3 pixels left */
    vt_in(&t, 0x3DA);
    vt_out(&t, 0x3C0, 0x20);
    vga_update_display(t.v);
    ck_assert_uint_eq(vt_px(&t, 5, 0), 0xFFFFFF);
    ck_assert_uint_eq(vt_px(&t, 8, 0), 0);
    vt_destroy(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vga_modes");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, vbe_1920x1200_all_depths);
    tcase_add_test(tc, mmio_bar_bochs_drm);
    tcase_add_test(tc, cga_mode06);
    tcase_add_test(tc, mode12_pixel_panning);
    suite_add_tcase(s, tc);
    return vt_run(s);
}
