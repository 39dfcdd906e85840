/* VGA register file (IBM VGA Technical Reference, FreeVGA): sequencer, CRTC,
 * graphics and attribute controllers, DAC, misc output and input status on
 * ports 0x3B0-0x3DF; creation, reset, state table and the display entry. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/pci.h"
#include "devices/surface.h"
#include "devices/unimp_log.h"
#include "devices/vclock.h"
#include "devices/vga_priv.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define VGA_PORT_BASE 0x3B0
#define VGA_PORT_LEN  0x30

/* 640x480 @ 60 Hz timing (31.78 us per line, 525 lines): vertical retrace
 * lasts 2 lines, blanking (input status 1 bit 0) covers retrace and the
 * horizontal blank. */
#define VGA_LINE_NS      31778ull
#define VGA_FRAME_NS     (VGA_LINE_NS * 525)
#define VGA_VRETRACE_NS  (VGA_LINE_NS * 2)
#define VGA_HBLANK_NS    6000ull
/* Each read of input status 1 moves the timing on by this much, so a guest
 * that polls retrace on a frozen clock still sees it toggle. */
#define VGA_ST01_TICK_NS 2000ull

void vga_unimp(struct vga *v, unsigned kind, const char *fmt, ...)
{
    if (!v->m || !unimp_first(&v->logged_unimp, kind))
        return;
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    machine_log(v->m, CPU_LOG_UNIMP, "unimp", "vga: %s (logged once)\n", buf);
}

/* Input status 1 (FreeVGA "Input Status #1"): bit 3 vertical retrace,
 * bit 0 display disabled (in horizontal or vertical blanking). */
static uint8_t vga_st01(struct vga *v)
{
    uint64_t now = v->m ? vclock_now(machine_vclock(v->m)) : 0;
    now += (uint64_t)v->st01_ticks++ * VGA_ST01_TICK_NS;
    uint64_t t = now % VGA_FRAME_NS;
    uint8_t st = 0;
    if (t < VGA_VRETRACE_NS)
        st |= 0x09;
    else if (t % VGA_LINE_NS < VGA_HBLANK_NS)
        st |= 0x01;
    /* Bits 4-5: diagnostic, two of the attribute output pins chosen by the
     * colour plane enable register bits 4-5 (we report 0). */
    return st;
}

static bool vga_port_active(struct vga *v, uint16_t port)
{
    /* 0x3B4/5/A answer only in mono mode, 0x3D4/5/A only in colour mode
     * (misc output bit 0, "I/O address select"). */
    if ((port >= 0x3B0 && port <= 0x3BF) && (v->misc & 1))
        return false;
    if ((port >= 0x3D0 && port <= 0x3DF) && !(v->misc & 1))
        return false;
    return true;
}

static uint8_t dac_read_data(struct vga *v)
{
    uint8_t val = v->dac[v->dac_read * 3 + v->dac_sub];
    if (++v->dac_sub == 3) {
        v->dac_sub = 0;
        v->dac_read++;
    }
    return val;
}

static void dac_write_data(struct vga *v, uint8_t val)
{
    v->dac_cache[v->dac_sub] = val;
    if (++v->dac_sub == 3) {
        memcpy(&v->dac[v->dac_write * 3], v->dac_cache, 3);
        v->dac_sub = 0;
        v->dac_write++;
        v->full_redraw = true;
    }
}

uint32_t vga_port_read(void *opaque, uint32_t offset, int size)
{
    struct vga *v = opaque;
    uint16_t port = VGA_PORT_BASE + offset;
    (void)size;
    if (!vga_port_active(v, port))
        return 0xFF;
    switch (port) {
    case 0x3C0: return v->ar_index;
    case 0x3C1: return (v->ar_index & 0x1F) < 0x15 ? v->ar[v->ar_index & 0x1F] : 0;
    case 0x3C2: return 0x00; /* input status 0: no monitor-sense comparator (as Bochs, QEMU) */
    case 0x3C4: return v->sr_index;
    case 0x3C5: return v->sr_index < 8 ? v->sr[v->sr_index] : 0;
    case 0x3C6: return v->pel_mask;
    case 0x3C7: return v->dac_state;
    case 0x3C8: return v->dac_write;
    case 0x3C9: return dac_read_data(v);
    case 0x3CA: return v->feature;
    case 0x3CC: return v->misc;
    case 0x3CE: return v->gr_index;
    case 0x3CF: return v->gr_index < 16 ? v->gr[v->gr_index] : 0;
    case 0x3B4:
    case 0x3D4: return v->cr_index;
    case 0x3B5:
    case 0x3D5: return v->cr_index < sizeof v->cr ? v->cr[v->cr_index] : 0;
    case 0x3BA:
    case 0x3DA:
        v->ar_flip = 0; /* reading input status 1 resets the attribute flip-flop */
        return vga_st01(v);
    default: vga_unimp(v, offset, "read from port 0x%03x", port); return 0xFF;
    }
}

static void cr_write(struct vga *v, uint8_t val)
{
    uint8_t i = v->cr_index;
    if (i >= sizeof v->cr) {
        vga_unimp(v, VGA_UNIMP_CRTC_INDEX, "CRTC index 0x%02x", i);
        return;
    }
    /* CR11 bit 7 write-protects CR00-CR07, except the line compare bit 8
     * (CR07 bit 4) (FreeVGA "Vertical Retrace End Register"). */
    if ((v->cr[0x11] & 0x80) && i <= 7) {
        if (i == 7)
            v->cr[7] = (v->cr[7] & ~0x10) | (val & 0x10);
        return;
    }
    v->cr[i] = val;
    /* The cursor location only moves the cursor; the text renderer finds
     * it by itself. Everything else may change the whole picture. */
    if (i != 0x0E && i != 0x0F)
        v->full_redraw = true;
}

static void ar_write(struct vga *v, uint8_t val)
{
    if (!v->ar_flip) {
        if ((v->ar_index ^ val) & 0x20)
            v->full_redraw = true;
        v->ar_index = val & 0x3F;
    } else {
        uint8_t i = v->ar_index & 0x1F;
        if (i < 0x10)
            v->ar[i] = val & 0x3F;
        else if (i < 0x15)
            v->ar[i] = val;
        v->full_redraw = true;
    }
    v->ar_flip ^= 1;
}

void vga_port_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct vga *v = opaque;
    uint16_t port = VGA_PORT_BASE + offset;
    uint8_t val = value;
    (void)size;
    if (!vga_port_active(v, port))
        return;
    switch (port) {
    case 0x3C0: ar_write(v, val); break;
    case 0x3C2:
        v->misc = val;
        v->full_redraw = true;
        break;
    case 0x3C3: /* video subsystem enable */ break;
    case 0x3C4: v->sr_index = val & 7; break;
    case 0x3C5:
        v->sr[v->sr_index] = val;
        v->full_redraw = true;
        break;
    case 0x3C6:
        v->pel_mask = val;
        v->full_redraw = true;
        break;
    case 0x3C7:
        v->dac_read = val;
        v->dac_sub = 0;
        v->dac_state = 3;
        break;
    case 0x3C8:
        v->dac_write = val;
        v->dac_sub = 0;
        v->dac_state = 0;
        break;
    case 0x3C9: dac_write_data(v, val); break;
    case 0x3CE: v->gr_index = val & 0x0F; break;
    case 0x3CF:
        v->gr[v->gr_index] = val;
        v->full_redraw = true;
        break;
    case 0x3B4:
    case 0x3D4: v->cr_index = val; break;
    case 0x3B5:
    case 0x3D5: cr_write(v, val); break;
    case 0x3BA:
    case 0x3DA: v->feature = val; break;
    default: vga_unimp(v, offset, "write 0x%02x to port 0x%03x", val, port); break;
    }
}

static const struct io_ops vga_port_ops = {vga_port_read, vga_port_write, 1};
static const struct io_ops vbe_port_ops = {vbe_port_read, vbe_port_write, 1 | 2};
static const struct io_ops vga_mem_ops = {vga_mem_read, vga_mem_write, 1};

#define VF(f) VMSTATE_FIELD(struct vga, f, 1)
static const struct vmstate_field vga_fields[] = {
    VF(misc),     VF(feature),   VF(sr_index), VF(sr),         VF(gr_index),  VF(gr),
    VF(cr_index), VF(cr),        VF(ar_index), VF(ar_flip),    VF(ar),        VF(pel_mask),
    VF(dac_read), VF(dac_write), VF(dac_sub),  VF(dac_state),  VF(dac_cache), VF(dac),
    VF(latch),    VF(vbe_index), VF(vbe_regs), VF(st01_ticks),
};

static int vga_post_load(void *opaque)
{
    struct vga *v = opaque;
    vbe_recompute(v);
    v->full_redraw = true;
    v->font_dirty = true;
    return 0;
}

void vga_reset(struct vga *v)
{
    v->misc = 0;
    v->feature = 0;
    v->sr_index = v->gr_index = v->cr_index = 0;
    memset(v->sr, 0, sizeof v->sr);
    memset(v->gr, 0, sizeof v->gr);
    memset(v->cr, 0, sizeof v->cr);
    memset(v->ar, 0, sizeof v->ar);
    v->ar_index = 0;
    v->ar_flip = 0;
    v->pel_mask = 0xFF;
    v->dac_read = v->dac_write = v->dac_sub = v->dac_state = 0;
    v->latch = 0;
    vbe_reset(v);
    v->full_redraw = true;
    v->font_dirty = true;
}

static void vga_reset_cb(void *opaque)
{
    vga_reset(opaque);
}

struct vga *vga_create(struct machine *m, const struct vga_config *cfg)
{
    uint32_t size = cfg && cfg->vram_size ? cfg->vram_size : VGA_VRAM_DEFAULT;
    if (size < 4 * VGA_PLANE_BYTES || (size & (size - 1)))
        return NULL;
    struct vga *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->m = m;
    v->vram_size = size;
    v->vram = calloc(1, size);
    v->vram_dirty = calloc(size >> 12, 1);
    v->surf = surface_create(640, 400);
    if (!v->vram || !v->vram_dirty || !v->surf) {
        vga_destroy(v);
        return NULL;
    }
    if (cfg && cfg->rom && cfg->rom_size) {
        v->rom = malloc(cfg->rom_size);
        if (!v->rom) {
            vga_destroy(v);
            return NULL;
        }
        memcpy(v->rom, cfg->rom, cfg->rom_size);
        v->rom_size = cfg->rom_size;
    }
    v->cursor_drawn = -1;
    vga_reset(v);

    v->vs = (struct vmstate)VMSTATE_DESC("vga", 1, vga_fields, vga_post_load);
    v->vram_field = (struct vmstate_field){"vram", 0, size, 1};
    v->vs_vram = (struct vmstate){"vga.vram", 1, &v->vram_field, 1, NULL};
    if (m) {
        ioport_register(machine_ioport(m), VGA_PORT_BASE, VGA_PORT_LEN, &vga_port_ops, v);
        /* 0x1CE index, 0x1CF data; a 16-bit access at 0x1CF reaches 0x1D0 too. */
        ioport_register(machine_ioport(m), 0x1CE, 3, &vbe_port_ops, v);
        memmap_add_mmio(machine_memmap(m), 0xA0000, 0x20000, &vga_mem_ops, v);
        machine_register_state(m, &v->vs, v);
        machine_register_state(m, &v->vs_vram, v->vram);
        machine_register_reset(m, vga_reset_cb, v);
        vbe_track_init(v);
        if (cfg && cfg->lfb_base)
            vga_map_lfb(v, cfg->lfb_base);
    }
    return v;
}

void vga_destroy(struct vga *v)
{
    if (!v)
        return;
    surface_destroy(v->surf);
    free(v->text_shadow);
    free(v->gfx_shadow);
    free(v->vram_dirty);
    free(v->vram);
    free(v->rom);
    free(v);
}

void vga_map_lfb(struct vga *v, uint64_t base)
{
    if (base == v->lfb_base || !v->m)
        return;
    if (v->lfb_base)
        memmap_remove(machine_memmap(v->m), v->lfb_base);
    v->lfb_base = base;
    if (base)
        memmap_add_ram(machine_memmap(v->m), base, v->vram_size, v->vram, false);
}

static void vga_bar_map(void *opaque, int bar, uint64_t addr)
{
    (void)bar;
    vga_map_lfb(opaque, addr == PCI_BAR_UNMAPPED ? 0 : addr);
}

struct pci_device *vga_pci_attach(struct vga *v, struct pci_bus *bus, uint8_t devfn)
{
    struct pci_device *d =
        pci_device_create(bus, devfn, VGA_PCI_VENDOR, VGA_PCI_DEVICE, 2, VGA_PCI_CLASS, "VGA");
    if (!d)
        return NULL;
    /* QEMU's subsystem IDs for its display devices (Red Hat, QEMU). */
    pci_set_word(d, PCI_SUBSYSTEM_VENDOR_ID, 0x1AF4);
    pci_set_word(d, PCI_SUBSYSTEM_ID, 0x1100);
    struct pci_bar bar = {
        .size = v->vram_size,
        .flags = PCI_BAR_MEM | PCI_BAR_PREFETCH,
        .opaque = v,
        .map = vga_bar_map,
    };
    pci_register_bar(d, 0, &bar);
    /* BAR2: QEMU stdvga's MMIO registers (VGA ports, Bochs DISPI), which
     * Linux bochs-drm prefers to the ports. */
    struct pci_bar mmio = {
        .size = VGA_MMIO_SIZE,
        .flags = PCI_BAR_MEM,
        .ops = &vga_mmio_ops,
        .opaque = v,
    };
    pci_register_bar(d, 2, &mmio);
    if (v->rom)
        pci_register_rom(d, v->rom, v->rom_size);
    return d;
}

const struct vmstate *vga_vmstate(struct vga *v)
{
    return &v->vs;
}
const struct vmstate *vga_vram_vmstate(struct vga *v)
{
    return &v->vs_vram;
}

uint8_t *vga_vram(struct vga *v)
{
    return v->vram;
}
uint32_t vga_vram_size(const struct vga *v)
{
    return v->vram_size;
}

const uint8_t *vga_rom(const struct vga *v, size_t *size)
{
    if (size)
        *size = v->rom_size;
    return v->rom;
}

struct surface *vga_surface(struct vga *v)
{
    return v->surf;
}

/* The DAC as 0xRRGGBB: 6-bit values scaled to 8 bits unless VBE's 8-bit
 * DAC is on; the pixel mask applies to the index (IBM VGA "PEL Mask"). */
void vga_refresh_palette(struct vga *v)
{
    bool dac8 = v->vbe_regs[VBE_INDEX_ENABLE] & VBE_8BIT_DAC;
    for (int i = 0; i < 256; i++) {
        const uint8_t *c = &v->dac[(i & v->pel_mask) * 3];
        uint32_t rgb = 0;
        for (int k = 0; k < 3; k++) {
            uint32_t x = dac8 ? c[k] : (uint32_t)((c[k] & 0x3F) << 2 | (c[k] & 0x3F) >> 4);
            rgb = rgb << 8 | x;
        }
        v->palette[i] = rgb;
    }
}

/* A 4-bit attribute colour through the colour plane enable, the attribute
 * palette and colour select to a DAC entry (FreeVGA "Attribute Controller":
 * AR10 bit 7 takes bits 4-5 from AR14, AR14 bits 2-3 give bits 6-7). */
uint32_t vga_attr_color(const struct vga *v, unsigned c)
{
    uint8_t p = v->ar[c & v->ar[0x12] & 0x0F];
    uint8_t idx = (v->ar[0x10] & 0x80) ? (p & 0x0F) | (v->ar[0x14] & 3) << 4 : p & 0x3F;
    idx |= (v->ar[0x14] & 0x0C) << 4;
    return v->palette[idx];
}

bool vga_resize(struct vga *v, int w, int h)
{
    if (v->surf->width == w && v->surf->height == h)
        return true;
    if (!surface_resize(v->surf, w, h)) {
        vga_unimp(v, VGA_UNIMP_DISPLAY_SIZE, "display size %dx%d", w, h);
        return false;
    }
    return true;
}

bool vga_shadow(struct vga *v, size_t size, bool *full)
{
    if (v->gfx_shadow_size >= size)
        return true;
    uint8_t *p = realloc(v->gfx_shadow, size);
    if (!p)
        return false;
    v->gfx_shadow = p;
    v->gfx_shadow_size = size;
    *full = true;
    return true;
}

/* A blanked screen keeps the size of its mode. With the palette address
 * source clear the attribute controller sends the overscan colour (AR11, a
 * DAC index) all over the screen; with the sequencer's screen off (SR01
 * bit 5) the output is blanked, black. The surface holds the active area
 * only (no border, as QEMU and Bochs), so this is where AR11 is seen. */
static void vga_blank(struct vga *v, bool overscan)
{
    int w, h;
    bool sized = (v->gr[6] & 1) ? vga_gfx_size(v, &w, &h) : vga_text_size(v, &w, &h);
    struct surface *s = v->surf;
    bool resized = sized && (s->width != w || s->height != h);
    if (resized && !vga_resize(v, w, h))
        return;
    uint32_t c = overscan ? v->palette[v->ar[0x11]] : 0;
    if (v->disp_mode == VGA_DISP_BLANK && !v->full_redraw && !resized)
        return;
    for (int y = 0; y < s->height; y++) {
        uint32_t *row = s->pixels + (size_t)y * s->stride;
        for (int x = 0; x < s->width; x++)
            row[x] = c;
    }
    surface_mark_dirty(s, 0, 0, s->width, s->height);
    v->disp_mode = VGA_DISP_BLANK;
    v->full_redraw = false;
}

void vga_update_display(struct vga *v)
{
    vga_refresh_palette(v);
    if (vbe_enabled(v)) {
        vbe_update_display(v);
    } else if (v->sr[1] & 0x20) {
        vga_blank(v, false); /* sequencer screen off */
    } else if (!(v->ar_index & 0x20)) {
        vga_blank(v, true); /* palette address source clear: the CPU owns the palette */
    } else if (v->gr[6] & 1) {
        vga_gfx_update(v);
    } else {
        vga_text_update(v);
    }
}
