/* The Intel 82077AA floppy disk controller in PC-AT mode (82077AA
 * datasheet, sections 2 "Register description" and 5 "Command set"): the
 * command / execution / result phases through the FIFO, DMA channel 2 or
 * non-DMA transfers, IRQ 6, and 3.5" drives backed by raw sector images. */
#include "devices/fdc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/block/blockdev.h"
#include "devices/dma8237.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

#define SECTOR 512

/* Digital output register (0x3F2). */
#define DOR_SEL     0x03 /* drive select */
#define DOR_NRESET  0x04 /* 0 holds the controller in reset */
#define DOR_DMAEN   0x08 /* PC-AT mode: enables the INT and DRQ outputs */
/* Main status register (0x3F4). */
#define MSR_RQM     0x80 /* the FIFO is ready for the host */
#define MSR_DIO     0x40 /* 1: controller -> host */
#define MSR_NDM     0x20 /* execution phase of a non-DMA command */
#define MSR_CB      0x10 /* command in progress */
/* ST0 */
#define ST0_IC_ABN  0x40 /* abnormal termination */
#define ST0_IC_INV  0x80 /* invalid command */
#define ST0_IC_POLL 0xc0 /* drive ready changed (polling after reset) */
#define ST0_SE      0x20 /* seek end */
#define ST0_EC      0x10 /* equipment check */
/* ST1 */
#define ST1_EN      0x80 /* end of cylinder */
#define ST1_DE      0x20 /* data error (CRC) */
#define ST1_ND      0x04 /* no data */
#define ST1_NW      0x02 /* not writable */
#define ST1_MA      0x01 /* missing address mark */
/* ST2 */
#define ST2_CM      0x40 /* control mark (deleted data) */
#define ST2_WC      0x10 /* wrong cylinder */
#define ST2_BC      0x02 /* bad cylinder */

enum fdc_phase { PH_COMMAND, PH_EXEC, PH_RESULT };
enum fdc_xfer { X_NONE, X_READ, X_WRITE, X_FORMAT };

/* One drive: the head position is state, the media is configuration. */
struct fdc_drive {
    uint8_t track;         /* present cylinder number (PCN) */
    uint8_t media_changed; /* DSKCHG line: set by a media change, cleared by a step */
    /* Not state: the inserted image and its geometry. */
    struct blockdev *bd;
    struct fdc_geometry geo;
};

struct fdc {
    struct machine *m;
    struct irq_line irq;
    struct dma8237 *dma;
    int dma_channel;
    struct fdc_drive drive[4]; /* 82077AA selects up to 4; the PC wires 0-1 */

    /* Registers. */
    uint8_t dor, tdr, dsr;
    uint8_t rate;            /* data rate, DSR/CCR bits 1:0 */
    uint8_t busy;            /* MSR bits 3:0: drives seeking until SENSE INTERRUPT */
    uint8_t srt_hut, hlt_nd; /* SPECIFY bytes (ND: bit 0 of hlt_nd) */
    uint8_t config;          /* CONFIGURE byte 2: EIS 0x40, EFIFO 0x20, POLL 0x10, FIFOTHR */
    uint8_t pretrk;
    uint8_t lock;
    uint8_t perp;     /* PERPENDICULAR MODE: D3-D0 << 2 | GAP << 1 | WGATE */
    uint8_t last_eot; /* DUMPREG's SC/EOT */

    /* Command phases. */
    uint8_t phase;
    uint8_t cmd[16];
    uint8_t cmd_len, cmd_pos; /* bytes the command takes, bytes received */
    uint8_t res[16];
    uint8_t res_len, res_pos;
    uint8_t int_pending;                 /* the INT output (before the DOR gate) */
    uint8_t reset_sense;                 /* polling statuses left after a reset (4 drives) */
    uint8_t sense_st0[4], sense_pending; /* seek/recalibrate ends per drive */

    /* Execution phase of a data command. */
    uint8_t xfer;                           /* enum fdc_xfer */
    uint8_t xdma;                           /* the transfer uses DMA (SPECIFY ND = 0) */
    uint8_t xdrive, xhead;                  /* drive and physical head */
    uint8_t xc, xh, xr, xn, xeot, xmt, xsk; /* sector ID being transferred, EOT, MT, SK */
    uint8_t xdeleted;                       /* READ DELETED DATA */
    uint8_t fmt_left;                       /* FORMAT: IDs still to receive */
    uint8_t fmt_fill;
    uint16_t buf_pos;  /* bytes of buf transferred */
    uint8_t buf_ready; /* buf holds the current sector (read) / its ID was found (write) */
    uint8_t buf[SECTOR];
    uint64_t logged; /* not state: -d unimp kinds already reported */
};

/* Bad guest programming, told once per kind under -d unimp. */
enum { LOG_FORMAT, LOG_WDEL, LOG_SCAN, LOG_FIFO_READ, LOG_FIFO_WRITE, LOG_RO_PORT };

__attribute__((format(printf, 3, 4))) static void fdc_unimp(struct fdc *f, int kind,
                                                            const char *fmt, ...)
{
    if (!unimp_first(&f->logged, kind))
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    machine_log(f->m, CPU_LOG_UNIMP, "unimp", "fdc: %s\n", msg);
}

/* --- geometry --- */

int fdc_geometry_for_size(uint64_t bytes, struct fdc_geometry *g)
{
    static const struct fdc_geometry table[] = {
        {80, 2, 9, 2, FDC_CMOS_720K},   /* 720 KiB, 250 kbps */
        {80, 2, 18, 0, FDC_CMOS_1440K}, /* 1.44 MB, 500 kbps */
        {80, 2, 36, 3, FDC_CMOS_2880K}, /* 2.88 MB, 1 Mbps */
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct fdc_geometry *t = &table[i];
        if ((uint64_t)t->tracks * t->heads * t->sectors * SECTOR == bytes) {
            *g = *t;
            return 0;
        }
    }
    return -1;
}

/* --- interrupt --- */

static void fdc_update_irq(struct fdc *f)
{
    irq_set(&f->irq, f->int_pending && (f->dor & DOR_DMAEN));
}

static void fdc_raise(struct fdc *f)
{
    f->int_pending = 1;
    f->reset_sense = 0; /* a new interrupt supersedes the reset's polling statuses */
    fdc_update_irq(f);
}

static void fdc_lower(struct fdc *f)
{
    f->int_pending = 0;
    fdc_update_irq(f);
}

static void fdc_set_dreq(struct fdc *f, bool on)
{
    if (!f->dma)
        return;
    if (on && (f->dor & DOR_DMAEN))
        dma_hold_dreq(f->dma, f->dma_channel);
    else
        dma_release_dreq(f->dma, f->dma_channel);
}

/* --- phases --- */

static void fdc_to_command(struct fdc *f)
{
    f->phase = PH_COMMAND;
    f->cmd_pos = f->cmd_len = 0;
    f->res_pos = f->res_len = 0;
    f->xfer = X_NONE;
}

static void fdc_result(struct fdc *f, const uint8_t *r, int n)
{
    memcpy(f->res, r, (size_t)n);
    f->res_len = (uint8_t)n;
    f->res_pos = 0;
    f->phase = PH_RESULT;
    f->xfer = X_NONE;
}

/* Software reset (DOR bit 2 low, DSR bit 7): the command state, and the
 * CONFIGURE values unless LOCKed (datasheet 5.3.3 LOCK, 8.1 reset). */
static void fdc_soft_reset(struct fdc *f)
{
    fdc_set_dreq(f, false);
    fdc_to_command(f);
    fdc_lower(f);
    f->busy = 0;
    f->sense_pending = 0;
    f->reset_sense = 0;
    f->config &= (uint8_t)~0x50; /* EIS, POLL back to 0 */
    if (!f->lock) {
        f->config = (uint8_t)((f->config & ~0x2f) | 0x20); /* FIFO off, threshold 1 */
        f->pretrk = 0;
    }
    f->perp &= (uint8_t)~0x03; /* GAP and WGATE */
}

/* The end of a reset: with polling enabled the controller reports a ready
 * change of all four drives, one SENSE INTERRUPT STATUS each. */
static void fdc_reset_done(struct fdc *f)
{
    if (!(f->config & 0x10)) {
        fdc_raise(f);
        f->reset_sense = 4;
    }
}

/* Machine reset: the hardware reset values, then the state the BIOS POST
 * leaves (QEMU does the same): out of reset with DMA and INT enabled. */
static void fdc_hw_reset(void *opaque)
{
    struct fdc *f = opaque;
    f->lock = 0;
    f->config = 0x20;
    f->perp = 0;
    f->srt_hut = f->hlt_nd = 0;
    f->tdr = 0;
    f->rate = 2; /* 250 kbps after a hardware reset */
    f->dsr = f->rate;
    fdc_soft_reset(f);
    f->int_pending = 0;
    for (int i = 0; i < 4; i++)
        f->drive[i].track = 0;
    f->dor = DOR_NRESET | DOR_DMAEN;
    fdc_update_irq(f);
}

/* --- sectors --- */

static struct fdc_drive *fdc_cur(struct fdc *f)
{
    return &f->drive[f->xdrive & 3];
}

static uint8_t fdc_st0(struct fdc *f, uint8_t ic)
{
    return (uint8_t)(ic | f->xhead << 2 | f->xdrive);
}

/* End a data command with the result phase: ST0-ST2 and the ID of the
 * sector after the last one transferred (datasheet table "Result phase
 * ID information"). `after_eot` tells whether that sector was EOT. */
static void fdc_finish(struct fdc *f, uint8_t ic, uint8_t st1, uint8_t st2, bool advance)
{
    uint8_t c = f->xc, h = f->xh, r = f->xr;
    if (advance) {
        if (r != f->xeot) {
            r++;
        } else if (!f->xmt) {
            c++;
            r = 1;
        } else if (!(h & 1)) {
            h = 1;
            r = 1;
        } else {
            c++;
            h = 0;
            r = 1;
        }
    }
    uint8_t res[7] = {fdc_st0(f, ic), st1, st2, c, h, r, f->xn};
    fdc_set_dreq(f, false);
    fdc_result(f, res, 7);
    fdc_raise(f);
}

/* Find the sector ID (xc, xh, xr, xn) under the head as the controller
 * would on the track; on failure end the command with the status the
 * 82077AA reports and return false. */
static bool fdc_find_sector(struct fdc *f)
{
    struct fdc_drive *d = fdc_cur(f);
    if (!d->bd || (f->rate & 3) != d->geo.rate || d->track >= d->geo.tracks ||
        f->xhead >= d->geo.heads) {
        /* No media, wrong data rate or no track: no ID address mark. */
        fdc_finish(f, ST0_IC_ABN, ST1_MA, 0, false);
        return false;
    }
    if (f->xc != d->track) {
        fdc_finish(f, ST0_IC_ABN, ST1_ND, f->xc == 0xff ? ST2_BC | ST2_WC : ST2_WC, false);
        return false;
    }
    if (f->xh != f->xhead || f->xn != 2 || f->xr < 1 || f->xr > d->geo.sectors) {
        fdc_finish(f, ST0_IC_ABN, ST1_ND, 0, false);
        return false;
    }
    return true;
}

static uint64_t fdc_lba(struct fdc *f)
{
    struct fdc_drive *d = fdc_cur(f);
    return ((uint64_t)d->track * d->geo.heads + f->xhead) * d->geo.sectors + f->xr - 1u;
}

/* Prepare the next sector of a read or write: find its ID, read its data.
 * Returns false when the command ended. */
static bool fdc_prepare(struct fdc *f)
{
    if (!fdc_find_sector(f))
        return false;
    if (f->xfer == X_READ) {
        if (blk_read(fdc_cur(f)->bd, fdc_lba(f), f->buf, 1) < 0) {
            fdc_finish(f, ST0_IC_ABN, ST1_DE, 0x20 /* DD: CRC in the data field */, false);
            return false;
        }
        machine_disk_activity(f->m);
    }
    f->buf_pos = 0;
    f->buf_ready = 1;
    return true;
}

/* A sector is done (tc: the DMA said terminal count). Go on to the next
 * one, across to head 1 with MT, or end the command. Returns false when the
 * command ended. */
static bool fdc_sector_done(struct fdc *f, bool tc)
{
    f->buf_ready = 0;
    if (f->xfer == X_WRITE) {
        if (blk_write(fdc_cur(f)->bd, fdc_lba(f), f->buf, 1) < 0) {
            fdc_finish(f, ST0_IC_ABN, ST1_DE, 0, false);
            return false;
        }
        machine_disk_activity(f->m);
    }
    if (f->xdeleted) {
        /* READ DELETED DATA met a normal data mark with SK = 0: the sector
         * is transferred, CM set and the command ends. */
        fdc_finish(f, ST0_IC_ABN, 0, ST2_CM, true);
        return false;
    }
    if (tc) {
        fdc_finish(f, 0, 0, 0, true);
        return false;
    }
    if (f->xr == f->xeot) {
        if (f->xmt && !(f->xhead & 1)) {
            f->xhead = 1;
            f->xh = 1;
            f->xr = 1;
        } else {
            /* End of track without TC: abnormal with EN (datasheet 5.1.1). */
            fdc_finish(f, ST0_IC_ABN, ST1_EN, 0, true);
            return false;
        }
    } else {
        f->xr++;
    }
    return fdc_prepare(f);
}

/* FORMAT TRACK: one 4-byte ID (C, H, R, N) has arrived in buf. */
static bool fdc_format_id(struct fdc *f)
{
    struct fdc_drive *d = fdc_cur(f);
    f->xc = f->buf[0];
    f->xh = f->buf[1];
    f->xr = f->buf[2];
    f->xn = f->buf[3];
    f->buf_pos = 0;
    if (f->xn == 2 && f->xr >= 1 && f->xr <= d->geo.sectors && d->track < d->geo.tracks) {
        uint8_t fill[SECTOR];
        memset(fill, f->fmt_fill, sizeof fill);
        if (blk_write(d->bd, fdc_lba(f), fill, 1) < 0) {
            fdc_finish(f, ST0_IC_ABN, ST1_DE, 0, false);
            return false;
        }
        machine_disk_activity(f->m);
    } else {
        /* A raw image holds only the media's own layout. */
        fdc_unimp(f, LOG_FORMAT, "FORMAT ID C=%u H=%u R=%u N=%u does not fit the %u-sector image",
                  f->xc, f->xh, f->xr, f->xn, d->geo.sectors);
    }
    if (--f->fmt_left == 0) {
        fdc_finish(f, 0, 0, 0, false);
        return false;
    }
    return true;
}

/* The DMA controller serves channel 2: move as much as it lets us. */
static void fdc_dma_handler(void *opaque, int ch)
{
    struct fdc *f = opaque;
    while (f->phase == PH_EXEC && f->xdma) {
        size_t want, n;
        bool tc;
        if (f->xfer == X_FORMAT) {
            want = 4 - f->buf_pos;
            n = dma_transfer(f->dma, ch, f->buf + f->buf_pos, want, false);
            f->buf_pos = (uint16_t)(f->buf_pos + n);
            tc = dma_tc_reached(f->dma, ch);
            if (f->buf_pos == 4 && !fdc_format_id(f))
                return;
            if (tc) {
                if (f->phase == PH_EXEC)
                    fdc_finish(f, 0, 0, 0, false);
                return;
            }
        } else {
            want = SECTOR - f->buf_pos;
            n = dma_transfer(f->dma, ch, f->buf + f->buf_pos, want, f->xfer == X_READ);
            f->buf_pos = (uint16_t)(f->buf_pos + n);
            tc = dma_tc_reached(f->dma, ch);
            if (tc && f->buf_pos < SECTOR && f->xfer == X_WRITE)
                /* TC inside a sector: the rest is written as zeros. */
                memset(f->buf + f->buf_pos, 0, SECTOR - f->buf_pos);
            if ((f->buf_pos == SECTOR || tc) && !fdc_sector_done(f, tc))
                return;
        }
        if (n == 0 && !tc)
            return;
    }
}

/* --- commands --- */

struct fdc_cmd {
    uint8_t code, mask, len;
    void (*run)(struct fdc *f);
    const char *name;
};

static void cmd_invalid(struct fdc *f)
{
    uint8_t r = ST0_IC_INV;
    fdc_result(f, &r, 1);
}

static void cmd_specify(struct fdc *f)
{
    f->srt_hut = f->cmd[1];
    f->hlt_nd = f->cmd[2];
    fdc_to_command(f);
}

static void cmd_sense_drive(struct fdc *f)
{
    int ds = f->cmd[1] & 3, hd = (f->cmd[1] >> 2) & 1;
    struct fdc_drive *d = &f->drive[ds];
    bool wp = !d->bd || blk_readonly(d->bd);
    /* ST3: bits 5 and 3 are always 1 on the 82077AA. */
    uint8_t st3 =
        (uint8_t)((wp ? 0x40 : 0) | 0x20 | (d->track == 0 ? 0x10 : 0) | 0x08 | hd << 2 | ds);
    fdc_result(f, &st3, 1);
}

/* SEEK/RECALIBRATE end: the drive is busy until SENSE INTERRUPT STATUS. */
static void fdc_seek_end(struct fdc *f, int ds, uint8_t st0)
{
    f->sense_st0[ds] = st0;
    f->sense_pending |= (uint8_t)(1 << ds);
    f->busy |= (uint8_t)(1 << ds);
    fdc_to_command(f);
    fdc_raise(f);
}

static void fdc_step_to(struct fdc *f, int ds, int track)
{
    struct fdc_drive *d = &f->drive[ds];
    /* A step pulse with a disk in the drive resets its change line. */
    if (track != d->track && d->bd)
        d->media_changed = 0;
    d->track = (uint8_t)track;
}

static void cmd_recalibrate(struct fdc *f)
{
    int ds = f->cmd[1] & 3;
    if (ds >= FDC_DRIVES) {
        /* No drive: TRK0 never comes, equipment check. */
        fdc_seek_end(f, ds, (uint8_t)(ST0_IC_ABN | ST0_SE | ST0_EC | ds));
        return;
    }
    fdc_step_to(f, ds, 0);
    fdc_seek_end(f, ds, (uint8_t)(ST0_SE | ds));
}

static void cmd_seek(struct fdc *f)
{
    int ds = f->cmd[1] & 3;
    int target = f->cmd[2];
    if (f->cmd[0] & 0x80) { /* RELATIVE SEEK: bit 6 DIR (1 = inward) */
        target = f->drive[ds].track + ((f->cmd[0] & 0x40) ? f->cmd[2] : -f->cmd[2]);
        target = target < 0 ? 0 : target > 255 ? 255 : target;
    }
    /* The H bit of the SENSE INTERRUPT STATUS after a seek is always 0
     * (datasheet 5.2.3). */
    fdc_step_to(f, ds, target);
    fdc_seek_end(f, ds, (uint8_t)(ST0_SE | ds));
}

static void cmd_sense_int(struct fdc *f)
{
    uint8_t r[2];
    if (f->reset_sense) {
        int ds = 4 - f->reset_sense--;
        r[0] = (uint8_t)(ST0_IC_POLL | ds);
        r[1] = f->drive[ds].track;
    } else if (f->sense_pending) {
        int ds = __builtin_ctz(f->sense_pending);
        f->sense_pending &= (uint8_t) ~(1 << ds);
        f->busy &= (uint8_t) ~(1 << ds);
        r[0] = f->sense_st0[ds];
        r[1] = f->drive[ds].track;
    } else {
        cmd_invalid(f); /* no interrupt to report */
        return;
    }
    if (!f->sense_pending)
        fdc_lower(f);
    fdc_result(f, r, 2);
}

static void cmd_version(struct fdc *f)
{
    uint8_t r = 0x90; /* 82077AA */
    fdc_result(f, &r, 1);
}

static void cmd_configure(struct fdc *f)
{
    f->config = f->cmd[2];
    f->pretrk = f->cmd[3];
    fdc_to_command(f);
}

static void cmd_dumpreg(struct fdc *f)
{
    uint8_t r[10] = {
        f->drive[0].track, f->drive[1].track,
        f->drive[2].track, f->drive[3].track,
        f->srt_hut,        f->hlt_nd,
        f->last_eot,       (uint8_t)(f->lock << 7 | (f->perp & 0x3f)),
        f->config,         f->pretrk,
    };
    fdc_result(f, r, 10);
}

static void cmd_lock(struct fdc *f)
{
    f->lock = f->cmd[0] >> 7;
    uint8_t r = (uint8_t)(f->lock << 4);
    fdc_result(f, &r, 1);
}

static void cmd_perpendicular(struct fdc *f)
{
    uint8_t v = f->cmd[1];
    if (v & 0x80) /* OW: the drive bits are written */
        f->perp = (uint8_t)((f->perp & 0x03) | (v & 0x3c));
    f->perp = (uint8_t)((f->perp & 0x3c) | (v & 0x03));
    fdc_to_command(f);
}

/* The execution phase starts: DMA requests the channel, non-DMA asks the
 * host through RQM and INT. */
static void fdc_start_transfer(struct fdc *f)
{
    f->phase = PH_EXEC;
    f->xdma = !(f->hlt_nd & 1) && f->dma;
    if (f->xdma)
        fdc_set_dreq(f, true);
    else
        fdc_raise(f);
}

/* Drive and head (command byte 1, HDS/DS) and the C H R N EOT bytes of a
 * data command. */
static void fdc_take_chrn(struct fdc *f)
{
    f->xdrive = f->cmd[1] & 3;
    f->xhead = (f->cmd[1] >> 2) & 1;
    f->xc = f->cmd[2];
    f->xh = f->cmd[3];
    f->xr = f->cmd[4];
    f->xn = f->cmd[5];
    f->xeot = f->cmd[6];
}

/* Drive and head (command byte 1, HDS/DS); from sector 1 of the track under
 * the head. */
static struct fdc_drive *fdc_take_track(struct fdc *f)
{
    f->xdrive = f->cmd[1] & 3;
    f->xhead = (f->cmd[1] >> 2) & 1;
    struct fdc_drive *d = fdc_cur(f);
    f->xc = d->track;
    f->xh = f->xhead;
    f->xr = 1;
    return d;
}

/* READ DATA, READ DELETED DATA, WRITE DATA, WRITE DELETED DATA, READ
 * TRACK: 9 bytes, cmd HDS/DS C H R N EOT GPL DTL. */
static void cmd_rw(struct fdc *f)
{
    uint8_t op = f->cmd[0] & 0x1f;
    fdc_take_chrn(f);
    f->last_eot = f->xeot;
    f->xmt = (f->cmd[0] >> 7) & 1;
    f->xsk = (f->cmd[0] >> 5) & 1;
    f->xdeleted = 0;
    f->xfer = (op == 0x05 || op == 0x09) ? X_WRITE : X_READ;
    f->phase = PH_EXEC;
    if (op == 0x02) { /* READ TRACK: from the first sector after the index */
        f->xr = 1;
        f->xmt = 0;
    }
    if (op == 0x09)
        fdc_unimp(f, LOG_WDEL, "WRITE DELETED DATA written as normal data");
    if (f->config & 0x40) /* EIS: implied seek to C */
        fdc_step_to(f, f->xdrive, f->xc);
    struct fdc_drive *d = fdc_cur(f);
    if (f->xfer == X_WRITE && d->bd && blk_readonly(d->bd)) {
        fdc_finish(f, ST0_IC_ABN, ST1_NW, 0, false);
        return;
    }
    if (op == 0x0c) {
        /* Our media has only normal data marks: with SK the controller
         * skips every sector to EOT, without it reads one and stops. */
        if (f->xsk) {
            if (!fdc_find_sector(f))
                return;
            f->xr = f->xeot;
            fdc_finish(f, ST0_IC_ABN, ST1_EN, 0, true);
            return;
        }
        f->xdeleted = 1;
    }
    if (!fdc_prepare(f))
        return;
    fdc_start_transfer(f);
}

/* VERIFY: 9 bytes, cmd EC|HDS|DS C H R N EOT GPL DTL/SC. No data moves;
 * the sectors' CRCs are checked (always good here). */
static void cmd_verify(struct fdc *f)
{
    fdc_take_chrn(f);
    f->xmt = f->cmd[0] >> 7;
    f->xfer = X_NONE;
    f->phase = PH_EXEC;
    int count = (f->cmd[1] & 0x80) ? f->cmd[8] : 0; /* EC: SC sectors, else to EOT */
    for (int n = 1;; n++) {
        if (!fdc_find_sector(f))
            return;
        if (count && n >= count)
            break;
        if (f->xr == f->xeot) {
            if (f->xmt && !(f->xhead & 1)) {
                f->xhead = f->xh = 1;
                f->xr = 1;
                continue;
            }
            if (count) { /* SC beyond the track */
                fdc_finish(f, ST0_IC_ABN, ST1_EN, 0, true);
                return;
            }
            break;
        }
        f->xr++;
    }
    fdc_finish(f, 0, 0, 0, true);
}

/* READ ID: the first ID the head finds on the track. */
static void cmd_read_id(struct fdc *f)
{
    fdc_take_track(f);
    f->xn = 2;
    f->xmt = 0;
    f->xeot = 0;
    f->xfer = X_NONE;
    if (!fdc_find_sector(f))
        return;
    fdc_finish(f, 0, 0, 0, false);
}

/* FORMAT TRACK: 6 bytes, cmd HDS/DS N SC GPL D; then SC IDs of 4 bytes. */
static void cmd_format(struct fdc *f)
{
    struct fdc_drive *d = fdc_take_track(f);
    f->xn = f->cmd[2];
    f->xmt = 0;
    f->fmt_left = f->cmd[3];
    f->fmt_fill = f->cmd[5];
    f->last_eot = f->cmd[3];
    f->xfer = X_FORMAT;
    f->phase = PH_EXEC;
    if (!d->bd || (f->rate & 3) != d->geo.rate) {
        fdc_finish(f, ST0_IC_ABN, ST1_MA, 0, false);
        return;
    }
    if (blk_readonly(d->bd)) {
        fdc_finish(f, ST0_IC_ABN, ST1_NW, 0, false);
        return;
    }
    if (f->fmt_left == 0) {
        fdc_finish(f, 0, 0, 0, false);
        return;
    }
    f->buf_pos = 0;
    fdc_start_transfer(f);
}

static void cmd_unimplemented(struct fdc *f)
{
    fdc_unimp(f, LOG_SCAN, "SCAN command 0x%02x not implemented", f->cmd[0]);
    cmd_invalid(f);
}

/* The 82077AA command set (datasheet table 5-1); `mask` keeps the opcode
 * bits, the others are the MT/MFM/SK/... option bits. */
static const struct fdc_cmd fdc_cmds[] = {
    {0x06, 0x1f, 9, cmd_rw, "READ DATA"},
    {0x0c, 0x1f, 9, cmd_rw, "READ DELETED DATA"},
    {0x05, 0x3f, 9, cmd_rw, "WRITE DATA"},
    {0x09, 0x3f, 9, cmd_rw, "WRITE DELETED DATA"},
    {0x02, 0x9f, 9, cmd_rw, "READ TRACK"},
    {0x16, 0x1f, 9, cmd_verify, "VERIFY"},
    {0x10, 0xff, 1, cmd_version, "VERSION"},
    {0x0d, 0xbf, 6, cmd_format, "FORMAT TRACK"},
    {0x11, 0x1f, 9, cmd_unimplemented, "SCAN EQUAL"},
    {0x19, 0x1f, 9, cmd_unimplemented, "SCAN LOW OR EQUAL"},
    {0x1d, 0x1f, 9, cmd_unimplemented, "SCAN HIGH OR EQUAL"},
    {0x07, 0xff, 2, cmd_recalibrate, "RECALIBRATE"},
    {0x08, 0xff, 1, cmd_sense_int, "SENSE INTERRUPT STATUS"},
    {0x03, 0xff, 3, cmd_specify, "SPECIFY"},
    {0x04, 0xff, 2, cmd_sense_drive, "SENSE DRIVE STATUS"},
    {0x0f, 0x3f, 3, cmd_seek, "SEEK"},
    {0x13, 0xff, 4, cmd_configure, "CONFIGURE"},
    {0x0e, 0xff, 1, cmd_dumpreg, "DUMPREG"},
    {0x0a, 0xbf, 2, cmd_read_id, "READ ID"},
    {0x12, 0xff, 2, cmd_perpendicular, "PERPENDICULAR MODE"},
    {0x14, 0x7f, 1, cmd_lock, "LOCK"},
};

static const struct fdc_cmd *fdc_lookup(uint8_t b)
{
    for (size_t i = 0; i < sizeof fdc_cmds / sizeof fdc_cmds[0]; i++)
        if ((b & fdc_cmds[i].mask) == fdc_cmds[i].code)
            return &fdc_cmds[i];
    return NULL;
}

static void fdc_command_byte(struct fdc *f, uint8_t v)
{
    if (f->cmd_pos == 0) {
        const struct fdc_cmd *c = fdc_lookup(v);
        f->cmd[0] = v;
        if (!c) {
            /* Invalid: one result byte 0x80, no interrupt. */
            cmd_invalid(f);
            return;
        }
        f->cmd_len = c->len;
        f->cmd_pos = 1;
        /* A new command acknowledges a pending result interrupt. */
        if (c->run != cmd_sense_int && !f->sense_pending && !f->reset_sense)
            fdc_lower(f);
    } else {
        f->cmd[f->cmd_pos++] = v;
    }
    if (f->cmd_pos == f->cmd_len) {
        const struct fdc_cmd *c = fdc_lookup(f->cmd[0]);
        c->run(f);
    }
}

/* --- non-DMA execution phase through the FIFO --- */

static uint8_t fdc_pio_read(struct fdc *f)
{
    if (f->xfer != X_READ || !f->buf_ready)
        return 0;
    fdc_lower(f);
    uint8_t v = f->buf[f->buf_pos++];
    if (f->buf_pos == SECTOR && fdc_sector_done(f, false))
        fdc_raise(f); /* the next sector is ready */
    return v;
}

static void fdc_pio_write(struct fdc *f, uint8_t v)
{
    fdc_lower(f);
    if (f->xfer == X_FORMAT) {
        f->buf[f->buf_pos++] = v;
        if (f->buf_pos == 4 && fdc_format_id(f))
            fdc_raise(f);
        return;
    }
    if (f->xfer != X_WRITE || !f->buf_ready)
        return;
    f->buf[f->buf_pos++] = v;
    if (f->buf_pos == SECTOR && fdc_sector_done(f, false))
        fdc_raise(f);
}

/* --- registers --- */

static uint8_t fdc_msr(struct fdc *f)
{
    if (!(f->dor & DOR_NRESET))
        return 0;
    switch (f->phase) {
    case PH_RESULT: return MSR_RQM | MSR_DIO | MSR_CB | f->busy;
    case PH_EXEC:
        if (f->xdma)
            return MSR_CB | f->busy;
        return (uint8_t)(MSR_RQM | MSR_NDM | MSR_CB | (f->xfer == X_READ ? MSR_DIO : 0) | f->busy);
    default: return (uint8_t)(MSR_RQM | (f->cmd_pos ? MSR_CB : 0) | f->busy);
    }
}

static uint32_t fdc_read(void *opaque, uint32_t offset, int size)
{
    struct fdc *f = opaque;
    (void)size;
    switch (offset) {
    case 2: return f->dor;
    case 3: return f->tdr;
    case 4: return fdc_msr(f);
    case 5:
        if (!(f->dor & DOR_NRESET))
            return 0;
        if (f->phase == PH_RESULT) {
            uint8_t v = f->res[f->res_pos++];
            if (f->res_pos == 1 && f->res_len > 2)
                fdc_lower(f); /* reading the result acknowledges the interrupt */
            if (f->res_pos >= f->res_len)
                fdc_to_command(f);
            return v;
        }
        if (f->phase == PH_EXEC && !f->xdma)
            return fdc_pio_read(f);
        fdc_unimp(f, LOG_FIFO_READ, "FIFO read outside the result phase");
        return 0;
    case 7: /* DIR: bit 7 the selected drive's disk change line */
        return f->drive[f->dor & DOR_SEL].media_changed ? 0x80 : 0x00;
    default: return 0xff; /* SRA/SRB exist in PS/2 mode only */
    }
}

static void fdc_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct fdc *f = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (offset) {
    case 2: {
        uint8_t old = f->dor;
        f->dor = v;
        if (!(v & DOR_NRESET)) {
            if (old & DOR_NRESET)
                fdc_soft_reset(f);
        } else if (!(old & DOR_NRESET)) {
            fdc_reset_done(f);
        }
        fdc_update_irq(f);
        if ((v & DOR_DMAEN) && !(old & DOR_DMAEN) && f->phase == PH_EXEC && f->xdma)
            fdc_set_dreq(f, true);
        break;
    }
    case 3: f->tdr = v & 3; break;
    case 4: /* DSR */
        f->dsr = v & 0x7f;
        f->rate = v & 3;
        if (v & 0x80) { /* software reset, self-clearing */
            fdc_soft_reset(f);
            fdc_reset_done(f);
        }
        break;
    case 5:
        if (!(f->dor & DOR_NRESET))
            break;
        if (f->phase == PH_COMMAND)
            fdc_command_byte(f, v);
        else if (f->phase == PH_EXEC && !f->xdma)
            fdc_pio_write(f, v);
        else
            fdc_unimp(f, LOG_FIFO_WRITE, "FIFO write 0x%02x in the %s phase", v,
                      f->phase == PH_RESULT ? "result" : "execution");
        break;
    case 7: /* CCR: data rate */
        f->rate = v & 3;
        f->dsr = (uint8_t)((f->dsr & ~3) | f->rate);
        break;
    default: fdc_unimp(f, LOG_RO_PORT, "write 0x%02x to read-only port 0x%x", v, 0x3f0 + offset);
    }
}

static const struct io_ops fdc_ops = {fdc_read, fdc_write, 1};

/* 0x3F7 is registered on its own (0x3F6 is not ours): offset 7. */
static uint32_t fdc_dir_read(void *opaque, uint32_t offset, int size)
{
    (void)offset;
    return fdc_read(opaque, 7, size);
}
static void fdc_ccr_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)offset;
    fdc_write(opaque, 7, value, size);
}
static const struct io_ops fdc_dir_ops = {fdc_dir_read, fdc_ccr_write, 1};

/* --- media --- */

int fdc_attach(struct fdc *f, int drive, struct blockdev *bd, char *err, size_t errlen)
{
    if (drive < 0 || drive >= FDC_DRIVES) {
        snprintf(err, errlen, "floppy drive %d does not exist (0-%d)", drive, FDC_DRIVES - 1);
        return -1;
    }
    struct fdc_drive *d = &f->drive[drive];
    if (bd) {
        struct fdc_geometry g;
        uint64_t bytes = blk_sectors(bd) * BLK_SECTOR;
        if (fdc_geometry_for_size(bytes, &g) < 0) {
            snprintf(err, errlen,
                     "floppy image of %llu bytes: not a 720 KiB (737280), 1.44 MB (1474560) "
                     "or 2.88 MB (2949120) disk",
                     (unsigned long long)bytes);
            return -1;
        }
        d->geo = g;
    }
    /* Media pulled out under a running data command: the controller finds
     * no more address marks. */
    if (f->phase == PH_EXEC && f->xdrive == drive && f->xfer != X_NONE)
        fdc_finish(f, ST0_IC_ABN, ST1_MA, 0, false);
    d->bd = bd;
    d->media_changed = 1;
    return 0;
}

int fdc_cmos_type(const struct fdc *f, int drive)
{
    if (drive < 0 || drive >= FDC_DRIVES || !f->drive[drive].bd)
        return FDC_CMOS_NONE;
    return f->drive[drive].geo.cmos_type;
}

/* --- state --- */

static const struct vmstate_field fdc_fields[] = {
    VMSTATE_FIELD(struct fdc, dor, 1),
    VMSTATE_FIELD(struct fdc, tdr, 1),
    VMSTATE_FIELD(struct fdc, dsr, 1),
    VMSTATE_FIELD(struct fdc, rate, 1),
    VMSTATE_FIELD(struct fdc, busy, 1),
    VMSTATE_FIELD(struct fdc, srt_hut, 1),
    VMSTATE_FIELD(struct fdc, hlt_nd, 1),
    VMSTATE_FIELD(struct fdc, config, 1),
    VMSTATE_FIELD(struct fdc, pretrk, 1),
    VMSTATE_FIELD(struct fdc, lock, 1),
    VMSTATE_FIELD(struct fdc, perp, 1),
    VMSTATE_FIELD(struct fdc, last_eot, 1),
    VMSTATE_FIELD(struct fdc, phase, 1),
    VMSTATE_FIELD(struct fdc, cmd, 1),
    VMSTATE_FIELD(struct fdc, cmd_len, 1),
    VMSTATE_FIELD(struct fdc, cmd_pos, 1),
    VMSTATE_FIELD(struct fdc, res, 1),
    VMSTATE_FIELD(struct fdc, res_len, 1),
    VMSTATE_FIELD(struct fdc, res_pos, 1),
    VMSTATE_FIELD(struct fdc, int_pending, 1),
    VMSTATE_FIELD(struct fdc, reset_sense, 1),
    VMSTATE_FIELD(struct fdc, sense_st0, 1),
    VMSTATE_FIELD(struct fdc, sense_pending, 1),
    VMSTATE_FIELD(struct fdc, xfer, 1),
    VMSTATE_FIELD(struct fdc, xdma, 1),
    VMSTATE_FIELD(struct fdc, xdrive, 1),
    VMSTATE_FIELD(struct fdc, xhead, 1),
    VMSTATE_FIELD(struct fdc, xc, 1),
    VMSTATE_FIELD(struct fdc, xh, 1),
    VMSTATE_FIELD(struct fdc, xr, 1),
    VMSTATE_FIELD(struct fdc, xn, 1),
    VMSTATE_FIELD(struct fdc, xeot, 1),
    VMSTATE_FIELD(struct fdc, xmt, 1),
    VMSTATE_FIELD(struct fdc, xsk, 1),
    VMSTATE_FIELD(struct fdc, xdeleted, 1),
    VMSTATE_FIELD(struct fdc, fmt_left, 1),
    VMSTATE_FIELD(struct fdc, fmt_fill, 1),
    VMSTATE_FIELD(struct fdc, buf_pos, 1),
    VMSTATE_FIELD(struct fdc, buf_ready, 1),
    VMSTATE_FIELD(struct fdc, buf, 1),
};

/* The INT line follows int_pending and the DOR gate. */
static int fdc_post_load(void *opaque)
{
    fdc_update_irq(opaque);
    return 0;
}

static const struct vmstate fdc_vs = VMSTATE_DESC("fdc", 1, fdc_fields, fdc_post_load);

static const struct vmstate_field fdc_drive_fields[] = {
    VMSTATE_FIELD(struct fdc_drive, track, 1),
    VMSTATE_FIELD(struct fdc_drive, media_changed, 1),
};
static const struct vmstate fdc_drive_vs = VMSTATE_DESC("fdc-drive", 1, fdc_drive_fields, NULL);

const struct vmstate *fdc_vmstate(void)
{
    return &fdc_vs;
}
const struct vmstate *fdc_drive_vmstate(void)
{
    return &fdc_drive_vs;
}
void *fdc_drive_state(struct fdc *f, int drive)
{
    return &f->drive[drive & 3];
}

struct fdc *fdc_create(struct machine *m, uint16_t base, struct irq_line irq, struct dma8237 *dma,
                       int dma_channel)
{
    struct fdc *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->m = m;
    f->irq = irq;
    f->dma = dma;
    f->dma_channel = dma_channel;
    for (int i = 0; i < 4; i++)
        f->drive[i].media_changed = 1; /* DSKCHG is active at power-on */
    fdc_hw_reset(f);
    /* 0x3F0-0x3F5 and 0x3F7: 0x3F6 is the IDE's device control register. */
    ioport_register(machine_ioport(m), base, 6, &fdc_ops, f);
    ioport_register(machine_ioport(m), (uint16_t)(base + 7), 1, &fdc_dir_ops, f);
    if (dma)
        dma_register_channel(dma, dma_channel, fdc_dma_handler, f);
    machine_register_reset(m, fdc_hw_reset, f);
    machine_register_state(m, &fdc_vs, f);
    for (int i = 0; i < FDC_DRIVES; i++)
        machine_register_state(m, &fdc_drive_vs, &f->drive[i]);
    return f;
}

void fdc_destroy(struct fdc *f)
{
    free(f);
}
