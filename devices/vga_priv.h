/* Inside the VGA: the device struct shared by vga.c (registers), vga_mem.c
 * (the 0xA0000 window), vga_text.c / vga_gfx.c (rendering) and vbe.c. */
#ifndef VX86_VGA_PRIV_H
#define VX86_VGA_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/vga.h"
#include "devices/vmstate.h"

/* VRAM layout (as QEMU and Bochs): plane p of byte offset o lives at
 * vram[o * 4 + p], so a 32-bit load at o * 4 gives all four latches. Chain-4
 * and VBE accesses are then linear in VRAM (vram[addr]); odd/even accesses
 * use plane offset addr >> 1, planar accesses offset addr. */
#define VGA_PLANE_BYTES 0x10000 /* 64 KiB per plane, 256 KiB in all */

/* Bochs VBE register indices (Bochs vbe.h / QEMU hw/display/vga.c). */
enum {
    VBE_INDEX_ID,
    VBE_INDEX_XRES,
    VBE_INDEX_YRES,
    VBE_INDEX_BPP,
    VBE_INDEX_ENABLE,
    VBE_INDEX_BANK,
    VBE_INDEX_VIRT_WIDTH,
    VBE_INDEX_VIRT_HEIGHT,
    VBE_INDEX_X_OFFSET,
    VBE_INDEX_Y_OFFSET,
    VBE_INDEX_VIDEO_MEMORY_64K,
    VBE_NREGS
};
#define VBE_ID0         0xB0C0
#define VBE_ID5         0xB0C5
#define VBE_ENABLED     0x01
#define VBE_GETCAPS     0x02
#define VBE_8BIT_DAC    0x20
#define VBE_LFB_ENABLED 0x40
#define VBE_NOCLEARMEM  0x80
#define VBE_MAX_XRES    2560
#define VBE_MAX_YRES    1600
#define VBE_MAX_BPP     32

/* What the last update drew, to re-render only what changed. */
enum vga_disp_mode { VGA_DISP_NONE, VGA_DISP_BLANK, VGA_DISP_TEXT, VGA_DISP_GFX, VGA_DISP_VBE };

struct vga {
    struct machine *m;
    uint8_t *vram;
    uint32_t vram_size;
    uint8_t *rom;
    size_t rom_size;
    uint64_t lfb_base; /* where the LFB is mapped, 0 = nowhere */

    /* --- registers (saved) --- */
    uint8_t misc;         /* misc output (0x3C2 write, 0x3CC read); bit 0 = colour (0x3Dx) */
    uint8_t feature;      /* feature control (0x3BA/0x3DA write, 0x3CA read) */
    uint8_t sr_index;     /* sequencer index (0x3C4) */
    uint8_t sr[8];        /* sequencer: reset, clocking, map mask, char map, memory mode */
    uint8_t gr_index;     /* graphics controller index (0x3CE) */
    uint8_t gr[16];       /* set/reset .. bit mask */
    uint8_t cr_index;     /* CRT controller index (0x3B4/0x3D4) */
    uint8_t cr[0x40];     /* CRT controller (0x00-0x18 defined) */
    uint8_t ar_index;     /* attribute index, bit 5 = palette address source (display on) */
    uint8_t ar_flip;      /* attribute flip-flop: 0 = next 0x3C0 write is an index */
    uint8_t ar[0x15];     /* palette 0-15, mode, overscan, plane enable, panning, colour select */
    uint8_t pel_mask;     /* DAC pixel mask (0x3C6) */
    uint8_t dac_read;     /* DAC read index (0x3C7 write) */
    uint8_t dac_write;    /* DAC write index (0x3C8) */
    uint8_t dac_sub;      /* which of R, G, B the next 0x3C9 access is */
    uint8_t dac_state;    /* 0x3C7 read: 0 = write mode, 3 = read mode */
    uint8_t dac_cache[3]; /* RGB collected by writes to 0x3C9 */
    uint8_t dac[768];     /* 256 x RGB, 6 bits each (8 with VBE_8BIT_DAC) */
    uint32_t latch;       /* the four plane latches, plane 0 in bits 0-7 */
    uint16_t vbe_index;   /* 0x1CE */
    uint16_t vbe_regs[VBE_NREGS];
    uint32_t st01_ticks; /* input status 1 reads, so retrace toggles without time */

    /* --- derived (post_load recomputes) --- */
    uint32_t bank_offset;    /* VBE bank << 16 */
    uint32_t vbe_line_bytes; /* VBE bytes per scan line */
    uint32_t vbe_start;      /* VBE display start in VRAM */

    /* --- display (not state) --- */
    struct surface *surf;
    enum vga_disp_mode disp_mode;
    bool full_redraw;      /* a register that changes the picture was written */
    bool font_dirty;       /* plane 2 was written (text mode glyphs) */
    uint16_t *text_shadow; /* char|attr<<8 per cell as last drawn */
    int text_cols, text_rows, text_cw, text_ch;
    int cursor_drawn; /* cell index the cursor was drawn in, -1 none */
    bool blink_on, cursor_on;
    uint8_t *gfx_shadow; /* source bytes of each line as last drawn */
    size_t gfx_shadow_size;
    uint32_t palette[256]; /* DAC as 0xRRGGBB, refreshed at each update */
    /* VBE dirty tracking: CPU writes to the LFB are seen through the
     * memory map's write tracking (mmu/codepages.h: each VRAM page is
     * marked, the first write to it is reported and unmarks it), window
     * writes by vga_mem.c; only lines on written pages are compared. */
    uint8_t *vram_dirty;   /* by 4 KiB VRAM page: written since the last update */
    bool lfb_marked;       /* every LFB page is marked (else: compare all, then mark) */
    uint64_t marked_base;  /* the LFB address the marks were set for */

    struct vmstate vs;
    struct vmstate vs_vram;
    struct vmstate_field vram_field;

    uint64_t logged_unimp; /* VGA_UNIMP_* kinds already logged */
};

/* vga.c: the legacy ports 0x3B0-0x3DF (offset from 0x3B0) */
uint32_t vga_port_read(void *opaque, uint32_t offset, int size);
void vga_port_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* vga_mmio.c: PCI BAR2 of QEMU's stdvga (hw/display/vga-pci.c) */
#define VGA_MMIO_SIZE 0x1000
struct io_ops;
extern const struct io_ops vga_mmio_ops;

/* vga_mem.c */
uint32_t vga_mem_read(void *opaque, uint32_t addr, int size);
void vga_mem_write(void *opaque, uint32_t addr, uint32_t val, int size);

/* vbe.c */
void vbe_track_init(struct vga *v); /* listen to the machine's write tracking */
static inline void vga_vram_touch(struct vga *v, uint32_t off)
{
    v->vram_dirty[off >> 12] = 1;
}
uint32_t vbe_port_read(void *opaque, uint32_t offset, int size);
void vbe_port_write(void *opaque, uint32_t offset, uint32_t val, int size);
bool vbe_enabled(const struct vga *v);
void vbe_recompute(struct vga *v);
void vbe_reset(struct vga *v);
void vbe_update_display(struct vga *v);

/* vga_text.c; *_size: the mode's picture size in pixels, false if the
 * registers describe none */
void vga_text_update(struct vga *v);
bool vga_text_size(const struct vga *v, int *w, int *h);

/* vga_gfx.c */
void vga_gfx_update(struct vga *v);
bool vga_gfx_size(const struct vga *v, int *w, int *h);

/* vga.c: shared helpers */
void vga_refresh_palette(struct vga *v);
uint32_t vga_attr_color(const struct vga *v, unsigned c);
bool vga_resize(struct vga *v, int w, int h);
/* Make the graphics shadow at least `size` bytes; sets *full when it had to
 * grow (its contents are then unknown). */
bool vga_shadow(struct vga *v, size_t size, bool *full);
/* Log bad guest programming once per kind under -d unimp: kinds 0-0x2F are
 * the ports 0x3B0-0x3DF, then these. */
enum { VGA_UNIMP_CRTC_INDEX = 0x30, VGA_UNIMP_VBE_INDEX, VGA_UNIMP_DISPLAY_SIZE };
void vga_unimp(struct vga *v, unsigned kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
