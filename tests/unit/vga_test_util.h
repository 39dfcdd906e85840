/* Shared fixture of the VGA device tests: a deterministic machine with no
 * CPU activity, a VGA on it, port/memory helpers and the standard register
 * sets of modes 03h, 12h and 13h (IBM VGA Technical Reference, "Video
 * Modes"), programmed through the ports as a BIOS does. */
#ifndef VX86_VGA_TEST_UTIL_H
#define VX86_VGA_TEST_UTIL_H

#include <stdio.h>

#include "devices/surface.h"
#include "devices/vga.h"
#include "mmu/memmap.h"
#include "test_util.h"

struct vt {
    struct machine *m;
    struct vga *v;
};

static inline struct vt vt_create_cfg(const struct vga_config *vc)
{
    struct vt t;
    t.m = test_machine(16u << 20);
    t.v = vga_create(t.m, vc);
    ck_assert_ptr_nonnull(t.v);
    return t;
}

static inline struct vt vt_create(uint64_t lfb_base)
{
    struct vga_config vc = {.vram_size = 0, .lfb_base = lfb_base};
    return vt_create_cfg(&vc);
}

static inline void vt_destroy(struct vt *t)
{
    machine_destroy(t->m);
    vga_destroy(t->v);
}

static inline void vt_out(struct vt *t, uint16_t port, uint8_t val)
{
    test_outb(t->m, port, val);
}
static inline uint8_t vt_in(struct vt *t, uint16_t port)
{
    return test_inb(t->m, port);
}
static inline void vt_wb(struct vt *t, uint32_t addr, uint8_t val)
{
    memmap_write(machine_memmap(t->m), addr, val, 1);
}
static inline uint8_t vt_rb(struct vt *t, uint32_t addr)
{
    return memmap_read(machine_memmap(t->m), addr, 1);
}
static inline void vt_sr(struct vt *t, uint8_t i, uint8_t v)
{
    vt_out(t, 0x3C4, i);
    vt_out(t, 0x3C5, v);
}
static inline void vt_gr(struct vt *t, uint8_t i, uint8_t v)
{
    vt_out(t, 0x3CE, i);
    vt_out(t, 0x3CF, v);
}
static inline void vt_cr(struct vt *t, uint8_t i, uint8_t v)
{
    vt_out(t, 0x3D4, i);
    vt_out(t, 0x3D5, v);
}
static inline void vt_ar(struct vt *t, uint8_t i, uint8_t v)
{
    vt_in(t, 0x3DA); /* reset the flip-flop to "index" */
    vt_out(t, 0x3C0, i);
    vt_out(t, 0x3C0, v);
}
static inline void vt_dac(struct vt *t, uint8_t i, uint8_t r, uint8_t g, uint8_t b)
{
    vt_out(t, 0x3C8, i);
    vt_out(t, 0x3C9, r);
    vt_out(t, 0x3C9, g);
    vt_out(t, 0x3C9, b);
}
static inline uint16_t vt_vbe_read(struct vt *t, uint16_t i)
{
    ioport_write(machine_ioport(t->m), 0x1CE, i, 2);
    return ioport_read(machine_ioport(t->m), 0x1CF, 2);
}
static inline void vt_vbe_write(struct vt *t, uint16_t i, uint16_t val)
{
    ioport_write(machine_ioport(t->m), 0x1CE, i, 2);
    ioport_write(machine_ioport(t->m), 0x1CF, val, 2);
}

struct vt_mode {
    uint8_t misc, seq[5], crtc[25], attr[21], gfx[9];
};

static const struct vt_mode vt_mode03 = {
    0x67,
    {0x03, 0x00, 0x03, 0x00, 0x02},
    {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
     0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
     0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff},
};
static const struct vt_mode vt_mode12 = {
    0xe3,
    {0x03, 0x01, 0x0f, 0x00, 0x06},
    {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
     0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff},
};
static const struct vt_mode vt_mode13 = {
    0x63,
    {0x03, 0x01, 0x0f, 0x00, 0x0e},
    {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
     0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff},
};

/* Program a mode as the VGA BIOS does: sequencer held in reset, misc,
 * CRTC unprotected, then the attribute controller and display on (0x20). */
static inline void vt_set_mode(struct vt *t, const struct vt_mode *md)
{
    vt_sr(t, 0, 0x01);
    vt_out(t, 0x3C2, md->misc);
    for (int i = 1; i < 5; i++)
        vt_sr(t, i, md->seq[i]);
    vt_sr(t, 0, 0x03);
    vt_cr(t, 0x11, md->crtc[0x11] & 0x7f);
    for (int i = 0; i < 25; i++)
        vt_cr(t, i, md->crtc[i]);
    for (int i = 0; i < 9; i++)
        vt_gr(t, i, md->gfx[i]);
    for (int i = 0; i < 21; i++)
        vt_ar(t, i, md->attr[i]);
    vt_in(t, 0x3DA);
    vt_out(t, 0x3C0, 0x20);
}

/* Planar access to plane p, as the BIOS loads fonts: sequential addressing,
 * map mask = plane, read map = plane, A0000 64 KiB. */
static inline void vt_plane_begin(struct vt *t, int p)
{
    vt_sr(t, 2, 1u << p);
    vt_sr(t, 4, 0x06);
    vt_gr(t, 4, p);
    vt_gr(t, 5, 0x00);
    vt_gr(t, 6, 0x04);
}
static inline void vt_plane_end_text(struct vt *t)
{
    vt_sr(t, 2, 0x03);
    vt_sr(t, 4, 0x02);
    vt_gr(t, 4, 0x00);
    vt_gr(t, 5, 0x10);
    vt_gr(t, 6, 0x0e);
}

static inline uint32_t vt_px(struct vt *t, int x, int y)
{
    struct surface *s = vga_surface(t->v);
    ck_assert_int_lt(x, s->width);
    ck_assert_int_lt(y, s->height);
    return s->pixels[(size_t)y * s->stride + x];
}

#define vt_run test_run_suite

#endif
