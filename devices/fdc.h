/* The Intel 82077AA floppy disk controller in PC-AT mode (82077AA datasheet)
 * at 0x3F0-0x3F7 (0x3F6 belongs to IDE), IRQ 6, DMA channel 2, with two
 * 3.5" drives whose media geometry comes from the image size. */
#ifndef VX86_FDC_H
#define VX86_FDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/irq.h"

struct blockdev;
struct dma8237;
struct fdc;
struct machine;
struct vmstate;

#define FDC_BASE   0x3f0
#define FDC_IRQ    6
#define FDC_DMA    2
#define FDC_DRIVES 2

/* CMOS 0x10 drive type codes (IBM AT BIOS). */
#define FDC_CMOS_NONE  0
#define FDC_CMOS_720K  3
#define FDC_CMOS_1440K 4
#define FDC_CMOS_2880K 5

/* Media geometry of a supported image size: 720 KiB 80/2/9, 1.44 MB
 * 80/2/18, 2.88 MB 80/2/36. */
struct fdc_geometry {
    int tracks, heads, sectors;
    int rate;      /* data rate code of DSR/CCR bits 1:0 (0 = 500, 2 = 250 kbps, 3 = 1 Mbps) */
    int cmos_type; /* FDC_CMOS_* */
};
/* Geometry of an image of `bytes`; -1 if no floppy has that size. */
int fdc_geometry_for_size(uint64_t bytes, struct fdc_geometry *g);

/* The controller on ports `base`..`base`+7 (except +6), raising `irq`,
 * transferring on `dma` channel `dma_channel` (dma may be NULL: non-DMA mode
 * only). Registers a reset handler and the state tables. */
struct fdc *fdc_create(struct machine *m, uint16_t base, struct irq_line irq, struct dma8237 *dma,
                       int dma_channel);
void fdc_destroy(struct fdc *f);
/* Insert media (bd) into drive 0-1, or eject it (NULL); sets the disk change
 * line. The controller does not own bd. Returns 0, or -1 with a message in
 * err when the image size is not a floppy size. A read-only blockdev is a
 * write-protected disk. */
int fdc_attach(struct fdc *f, int drive, struct blockdev *bd, char *err, size_t errlen);
/* CMOS 0x10 type of drive 0-1 from its media (FDC_CMOS_NONE if empty). */
int fdc_cmos_type(const struct fdc *f, int drive);

/* State tables: the controller and one per drive (for round-trip tests). */
const struct vmstate *fdc_vmstate(void);
const struct vmstate *fdc_drive_vmstate(void);
void *fdc_drive_state(struct fdc *f, int drive);

#endif
