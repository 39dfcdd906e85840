/* The 82077AA driven through 0x3F0-0x3F7 and the 8237A with no CPU: reset
 * and polling interrupts, MSR in each phase, SPECIFY/CONFIGURE/DUMPREG/LOCK/
 * PERPENDICULAR/VERSION, invalid commands, SEEK/RECALIBRATE/SENSE, READ and
 * WRITE DATA through DMA (multi-sector, multi-track, end of track, TC),
 * non-DMA reads, READ ID and data rates, FORMAT TRACK, write protection,
 * the disk change line, media sizes, and a state round trip. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/blockdev.h"
#include "devices/dma8237.h"
#include "devices/fdc.h"
#include "devices/vmstate.h"
#include "timers_test_util.h"

#define MSR  0x3f4
#define FIFO 0x3f5
#define DOR  0x3f2
#define DIR  0x3f7

struct rig {
    struct machine *m;
    struct dma8237 *dma;
    struct fdc *f;
    struct tu_irq irq;
    struct blockdev *bd;
    char path[64];
    uint8_t *ram;
};

static uint8_t pattern(uint64_t lba, int i)
{
    return (uint8_t)(lba * 7 + (uint64_t)i * 3 + (lba >> 8));
}

/* A raw image of `bytes` filled with pattern(). */
static void make_image(char *path, size_t bytes)
{
    strcpy(path, "/tmp/vx86-fdc-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t sec[512];
    for (uint64_t lba = 0; lba < bytes / 512; lba++) {
        for (int i = 0; i < 512; i++)
            sec[i] = pattern(lba, i);
        ck_assert_int_eq(write(fd, sec, 512), 512);
    }
    close(fd);
}

static void rig_make_size(struct rig *g, size_t bytes, bool readonly)
{
    memset(g, 0, sizeof *g);
    g->m = tu_machine();
    g->ram = machine_ram(g->m);
    g->dma = dma_create(g->m);
    g->f = fdc_create(g->m, FDC_BASE, tu_irq_line(&g->irq, g->m), g->dma, FDC_DMA);
    ck_assert_ptr_nonnull(g->f);
    if (bytes) {
        char err[256];
        make_image(g->path, bytes);
        g->bd = blk_open(g->path, "raw", readonly ? BLK_RDONLY : 0, err, sizeof err);
        ck_assert_msg(g->bd != NULL, "blk_open: %s", err);
        ck_assert_int_eq(fdc_attach(g->f, 0, g->bd, err, sizeof err), 0);
    }
    /* SeaBIOS's DMA set-up: cascade channel 4 unmasked. */
    tu_out(g->m, 0x0d, 0);
    tu_out(g->m, 0xda, 0);
    tu_out(g->m, 0xd6, 0xc0);
    tu_out(g->m, 0xd4, 0x00);
}

static void rig_make(struct rig *g)
{
    rig_make_size(g, 1474560, false);
}

static void rig_free(struct rig *g)
{
    machine_destroy(g->m);
    fdc_destroy(g->f);
    dma_destroy(g->dma);
    if (g->bd)
        blk_close(g->bd);
    if (g->path[0])
        unlink(g->path);
}

/* Send a command, each byte only when MSR says RQM and not DIO. */
static void cmd(struct rig *g, int n, const uint8_t *b)
{
    for (int i = 0; i < n; i++) {
        uint8_t msr = tu_in(g->m, MSR);
        ck_assert_msg((msr & 0xc0) == 0x80, "byte %d: MSR 0x%02x", i, msr);
        if (i > 0)
            ck_assert_msg(msr & 0x10, "CB not set during the command phase");
        tu_out(g->m, FIFO, b[i]);
    }
}
#define CMD(g, ...)                                                                                \
    do {                                                                                           \
        const uint8_t _b[] = {__VA_ARGS__};                                                        \
        cmd(g, (int)sizeof _b, _b);                                                                \
    } while (0)

/* Read n result bytes (MSR RQM|DIO|CB each time); then the FIFO is idle. */
static void result(struct rig *g, int n, uint8_t *out)
{
    for (int i = 0; i < n; i++) {
        uint8_t msr = tu_in(g->m, MSR);
        ck_assert_msg((msr & 0xd0) == 0xd0, "result byte %d: MSR 0x%02x", i, msr);
        out[i] = tu_in(g->m, FIFO);
    }
    ck_assert_uint_eq(tu_in(g->m, MSR) & 0xf0, 0x80);
}

static void expect_result(struct rig *g, int n, const uint8_t *want)
{
    uint8_t got[16];
    result(g, n, got);
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "result byte %d: 0x%02x, expected 0x%02x", i, got[i],
                      want[i]);
}
#define EXPECT(g, ...)                                                                             \
    do {                                                                                           \
        const uint8_t _w[] = {__VA_ARGS__};                                                        \
        expect_result(g, (int)sizeof _w, _w);                                                      \
    } while (0)

/* Channel 2 as SeaBIOS programs it: mode 0x46 (read: write to memory) or
 * 0x4A, count = bytes - 1. */
static void dma2(struct rig *g, uint32_t addr, uint32_t bytes, uint8_t mode)
{
    tu_out(g->m, 0x0a, 0x06);
    tu_out(g->m, 0x0c, 0);
    tu_out(g->m, 0x04, (uint8_t)addr);
    tu_out(g->m, 0x04, (uint8_t)(addr >> 8));
    tu_out(g->m, 0x0c, 0);
    tu_out(g->m, 0x05, (uint8_t)(bytes - 1));
    tu_out(g->m, 0x05, (uint8_t)((bytes - 1) >> 8));
    tu_out(g->m, 0x0b, mode);
    tu_out(g->m, 0x81, (uint8_t)(addr >> 16));
    tu_out(g->m, 0x0a, 0x02);
}

static void check_sector(struct rig *g, uint32_t addr, uint64_t lba)
{
    for (int i = 0; i < 512; i++)
        ck_assert_msg(g->ram[addr + i] == pattern(lba, i), "lba %llu byte %d",
                      (unsigned long long)lba, i);
}

/* Recalibrate drive 0 and take the interrupt, as a BIOS does first. */
static void recal(struct rig *g)
{
    CMD(g, 0x07, 0x00);
    ck_assert(g->irq.level);
    CMD(g, 0x08);
    EXPECT(g, 0x20, 0x00);
    ck_assert(!g->irq.level);
}

START_TEST(sizes)
{
    struct fdc_geometry geo;
    ck_assert_int_eq(fdc_geometry_for_size(737280, &geo), 0);
    ck_assert_int_eq(geo.sectors, 9);
    ck_assert_int_eq(geo.cmos_type, FDC_CMOS_720K);
    ck_assert_int_eq(fdc_geometry_for_size(1474560, &geo), 0);
    ck_assert_int_eq(geo.sectors, 18);
    ck_assert_int_eq(geo.tracks, 80);
    ck_assert_int_eq(geo.heads, 2);
    ck_assert_int_eq(fdc_geometry_for_size(2949120, &geo), 0);
    ck_assert_int_eq(geo.sectors, 36);
    ck_assert_int_eq(geo.cmos_type, FDC_CMOS_2880K);
    ck_assert_int_eq(fdc_geometry_for_size(1228800, &geo), -1);
    ck_assert_int_eq(fdc_geometry_for_size(1474561, &geo), -1);

    struct rig g;
    rig_make_size(&g, 0, false);
    ck_assert_int_eq(fdc_cmos_type(g.f, 0), FDC_CMOS_NONE);
    make_image(g.path, 1228800);
    char err[256];
    g.bd = blk_open(g.path, "raw", 0, err, sizeof err);
    ck_assert_ptr_nonnull(g.bd);
    ck_assert_int_eq(fdc_attach(g.f, 0, g.bd, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "1228800"));
    ck_assert_int_eq(fdc_cmos_type(g.f, 0), FDC_CMOS_NONE);
    rig_free(&g);

    rig_make_size(&g, 2949120, false);
    ck_assert_int_eq(fdc_cmos_type(g.f, 0), FDC_CMOS_2880K);
    ck_assert_int_eq(fdc_cmos_type(g.f, 1), FDC_CMOS_NONE);
    rig_free(&g);
}
END_TEST

START_TEST(reset_and_polling)
{
    struct rig g;
    rig_make(&g);
    /* After the machine reset: out of reset, DMA gate on, idle. */
    ck_assert_uint_eq(tu_in(g.m, DOR), 0x0c);
    ck_assert_uint_eq(tu_in(g.m, MSR), 0x80);
    ck_assert(!g.irq.level);
    /* Reset through the DOR: no interrupt while the gate (bit 3) is off. */
    tu_out(g.m, DOR, 0x00);
    ck_assert_uint_eq(tu_in(g.m, MSR), 0x00);
    tu_out(g.m, DOR, 0x04);
    ck_assert(!g.irq.level);
    tu_out(g.m, DOR, 0x0c);
    ck_assert(g.irq.level);
    /* Four polling statuses: ready changed on drives 0-3. */
    CMD(&g, 0x08);
    EXPECT(&g, 0xc0, 0x00);
    ck_assert(!g.irq.level);
    CMD(&g, 0x08);
    EXPECT(&g, 0xc1, 0x00);
    CMD(&g, 0x08);
    EXPECT(&g, 0xc2, 0x00);
    CMD(&g, 0x08);
    EXPECT(&g, 0xc3, 0x00);
    /* Nothing left: SENSE INTERRUPT STATUS is invalid. */
    CMD(&g, 0x08);
    EXPECT(&g, 0x80);
    /* DSR software reset (self-clearing) also interrupts. */
    tu_out(g.m, MSR, 0x80);
    ck_assert(g.irq.level);
    ck_assert_uint_eq(tu_in(g.m, MSR), 0x80);
    CMD(&g, 0x08);
    EXPECT(&g, 0xc0, 0x00);
    /* A new interrupt (RECALIBRATE) supersedes the remaining polls. */
    recal(&g);
    CMD(&g, 0x08);
    EXPECT(&g, 0x80);
    /* VERSION, invalid opcodes (PART ID 0x18 does not exist on the 82077AA). */
    CMD(&g, 0x10);
    EXPECT(&g, 0x90);
    CMD(&g, 0x18);
    EXPECT(&g, 0x80);
    CMD(&g, 0x00);
    EXPECT(&g, 0x80);
    ck_assert(!g.irq.level);
    rig_free(&g);
}
END_TEST

START_TEST(config_commands)
{
    struct rig g;
    rig_make(&g);
    CMD(&g, 0x03, 0xaf, 0x02);       /* SPECIFY: SRT/HUT, HLT, DMA */
    CMD(&g, 0x13, 0x00, 0x57, 0x05); /* CONFIGURE: EIS, FIFO on, POLL off, thr 7, PRETRK 5 */
    CMD(&g, 0x12, 0x85);             /* PERPENDICULAR: OW, D0, WGATE */
    CMD(&g, 0x0f, 0x01, 0x07);       /* drive 1 to track 7 */
    CMD(&g, 0x08);
    EXPECT(&g, 0x21, 0x07);
    CMD(&g, 0x0e);
    EXPECT(&g, 0x00, 0x07, 0x00, 0x00, 0xaf, 0x02, 0x00, 0x05, 0x57, 0x05);
    /* Software reset, unlocked: CONFIGURE back to its defaults (EFIFO set,
     * POLL clear, so the reset interrupts), PERPENDICULAR keeps its drive
     * bits, SPECIFY is kept. */
    tu_out(g.m, DOR, 0x08);
    ck_assert(!g.irq.level);
    tu_out(g.m, DOR, 0x0c);
    ck_assert(g.irq.level);
    CMD(&g, 0x08);
    EXPECT(&g, 0xc0, 0x00);
    CMD(&g, 0x0e);
    EXPECT(&g, 0x00, 0x07, 0x00, 0x00, 0xaf, 0x02, 0x00, 0x04, 0x20, 0x00);
    /* LOCK: the FIFO settings survive a reset. */
    CMD(&g, 0x13, 0x00, 0x0a, 0x03);
    CMD(&g, 0x94);
    EXPECT(&g, 0x10);
    tu_out(g.m, MSR, 0x80);
    CMD(&g, 0x08);
    EXPECT(&g, 0xc0, 0x00);
    CMD(&g, 0x0e);
    EXPECT(&g, 0x00, 0x07, 0x00, 0x00, 0xaf, 0x02, 0x00, 0x84, 0x0a, 0x03);
    CMD(&g, 0x14);
    EXPECT(&g, 0x00);
    rig_free(&g);
}
END_TEST

START_TEST(seek_and_status)
{
    struct rig g;
    rig_make(&g);
    /* A fresh disk shows the change line until a step. */
    ck_assert_uint_eq(tu_in(g.m, DIR) & 0x80, 0x80);
    recal(&g);
    ck_assert_uint_eq(tu_in(g.m, DIR) & 0x80, 0x80); /* already at 0: no step */
    CMD(&g, 0x0f, 0x04, 40);                         /* head 1, track 40 */
    ck_assert(g.irq.level);
    ck_assert_uint_eq(tu_in(g.m, MSR), 0x81); /* drive 0 busy until the sense */
    ck_assert_uint_eq(tu_in(g.m, DIR) & 0x80, 0x00);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 40); /* H is always 0 in a seek's ST0 */
    ck_assert_uint_eq(tu_in(g.m, MSR), 0x80);
    /* Relative seek out by 15, in by 3. */
    CMD(&g, 0x8f, 0x00, 15);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 25);
    CMD(&g, 0xcf, 0x00, 3);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 28);
    /* SENSE DRIVE STATUS: ST3 = WP? | 0x20 | T0 | 0x08 | HD | DS. */
    CMD(&g, 0x04, 0x04);
    EXPECT(&g, 0x2c);
    recal(&g);
    CMD(&g, 0x04, 0x00);
    EXPECT(&g, 0x38);
    CMD(&g, 0x04, 0x01); /* drive 1: empty, write protected, at track 0 */
    EXPECT(&g, 0x79);
    /* Drive 2 is not connected: RECALIBRATE ends with equipment check. */
    CMD(&g, 0x07, 0x02);
    CMD(&g, 0x08);
    EXPECT(&g, 0x72, 0x00);
    /* Eject and insert: the change line is set again. */
    char err[128];
    fdc_attach(g.f, 0, NULL, err, sizeof err);
    fdc_attach(g.f, 0, g.bd, err, sizeof err);
    ck_assert_uint_eq(tu_in(g.m, DIR) & 0x80, 0x80);
    rig_free(&g);
}
END_TEST

START_TEST(read_dma)
{
    struct rig g;
    rig_make(&g);
    recal(&g);
    tu_out(g.m, DIR, 0x00); /* CCR: 500 kbps */
    /* Three sectors from C0 H0 R1, EOT = 3: TC at the last byte; with MT
     * the next ID is head 1 sector 1. */
    dma2(&g, 0x10000, 3 * 512, 0x46);
    CMD(&g, 0xe6, 0x00, 0, 0, 1, 2, 3, 0x1b, 0xff);
    ck_assert(g.irq.level);
    EXPECT(&g, 0x00, 0x00, 0x00, 0, 1, 1, 2);
    ck_assert(!g.irq.level);
    for (int s = 0; s < 3; s++)
        check_sector(&g, 0x10000 + 512 * s, (uint64_t)s);
    ck_assert(dma_masked(g.dma, 2));
    ck_assert_uint_eq(tu_in(g.m, 0x08) & 0x04, 0x04);

    /* Multi-track: C5 H0 R17..18 then H1 R1..2 (EOT 18), TC after 4. */
    CMD(&g, 0x0f, 0x00, 5);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 5);
    dma2(&g, 0x20000, 4 * 512, 0x46);
    CMD(&g, 0xe6, 0x00, 5, 0, 17, 2, 18, 0x1b, 0xff);
    EXPECT(&g, 0x04, 0x00, 0x00, 5, 1, 3, 2);
    check_sector(&g, 0x20000, 5 * 36 + 16);
    check_sector(&g, 0x20200, 5 * 36 + 17);
    check_sector(&g, 0x20400, 5 * 36 + 18);
    check_sector(&g, 0x20600, 5 * 36 + 19);

    /* No MT, DMA count beyond the track: the command stops at EOT with
     * end of cylinder, the next ID is C+1 R1. */
    dma2(&g, 0x30000, 8 * 512, 0x46);
    CMD(&g, 0x46, 0x04, 5, 1, 17, 2, 18, 0x1b, 0xff);
    EXPECT(&g, 0x44, 0x80, 0x00, 6, 1, 1, 2);
    check_sector(&g, 0x30000, 5 * 36 + 18 + 16);
    check_sector(&g, 0x30200, 5 * 36 + 18 + 17);
    ck_assert(!dma_masked(g.dma, 2)); /* no TC */

    /* TC in the middle of the track, EOT further: next sector R+1. */
    dma2(&g, 0x40000, 512, 0x46);
    CMD(&g, 0xe6, 0x00, 5, 0, 7, 2, 18, 0x1b, 0xff);
    EXPECT(&g, 0x00, 0x00, 0x00, 5, 0, 8, 2);
    check_sector(&g, 0x40000, 5 * 36 + 6);
    rig_free(&g);
}
END_TEST

START_TEST(read_errors)
{
    struct rig g;
    rig_make(&g);
    recal(&g);
    tu_out(g.m, DIR, 0x00);
    /* C in the command differs from the head's track: no data, wrong cylinder. */
    dma2(&g, 0x10000, 512, 0x46);
    CMD(&g, 0xe6, 0x00, 3, 0, 1, 2, 1, 0x1b, 0xff);
    EXPECT(&g, 0x40, 0x04, 0x10, 3, 0, 1, 2);
    /* A sector past the track's 18. */
    CMD(&g, 0xe6, 0x00, 0, 0, 19, 2, 19, 0x1b, 0xff);
    EXPECT(&g, 0x40, 0x04, 0x00, 0, 0, 19, 2);
    /* Wrong data rate (250 kbps for a 1.44 MB disk): no address mark. */
    tu_out(g.m, DIR, 0x02);
    CMD(&g, 0xe6, 0x00, 0, 0, 1, 2, 1, 0x1b, 0xff);
    EXPECT(&g, 0x40, 0x01, 0x00, 0, 0, 1, 2);
    /* Empty drive 1. */
    tu_out(g.m, DIR, 0x00);
    CMD(&g, 0xe6, 0x01, 0, 0, 1, 2, 1, 0x1b, 0xff);
    EXPECT(&g, 0x41, 0x01, 0x00, 0, 0, 1, 2);
    /* With implied seek (CONFIGURE EIS) the command seeks to C itself. */
    CMD(&g, 0x13, 0x00, 0x60, 0x00);
    CMD(&g, 0xe6, 0x00, 3, 0, 1, 2, 1, 0x1b, 0xff);
    EXPECT(&g, 0x00, 0x00, 0x00, 3, 1, 1, 2);
    check_sector(&g, 0x10000, 3 * 36);
    rig_free(&g);
}
END_TEST

START_TEST(read_id_rates)
{
    struct rig g;
    rig_make_size(&g, 737280, false);
    recal(&g);
    tu_out(g.m, DIR, 0x00); /* 500 kbps: nothing on a 720 KiB disk */
    CMD(&g, 0x4a, 0x00);
    ck_assert(g.irq.level);
    EXPECT(&g, 0x40, 0x01, 0x00, 0, 0, 1, 2);
    tu_out(g.m, DIR, 0x02); /* 250 kbps */
    CMD(&g, 0x0f, 0x00, 12);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 12);
    CMD(&g, 0x4a, 0x04);
    EXPECT(&g, 0x04, 0x00, 0x00, 12, 1, 1, 2);
    /* DSR sets the same rate bits. */
    tu_out(g.m, MSR, 0x03);
    CMD(&g, 0x4a, 0x00);
    EXPECT(&g, 0x40, 0x01, 0x00, 12, 0, 1, 2);
    /* The last sector of a 720 KiB disk: C79 H1 R9. */
    tu_out(g.m, DIR, 0x02);
    CMD(&g, 0x0f, 0x00, 79);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 79);
    dma2(&g, 0x8000, 512, 0x46);
    CMD(&g, 0xe6, 0x04, 79, 1, 9, 2, 9, 0x1b, 0xff);
    EXPECT(&g, 0x04, 0x00, 0x00, 80, 0, 1, 2);
    check_sector(&g, 0x8000, 1439);
    rig_free(&g);
}
END_TEST

START_TEST(write_dma)
{
    struct rig g;
    rig_make(&g);
    recal(&g);
    tu_out(g.m, DIR, 0x00);
    CMD(&g, 0x0f, 0x00, 2);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 2);
    for (int i = 0; i < 1024; i++)
        g.ram[0x5000 + i] = (uint8_t)(i ^ 0x5a);
    /* Two sectors C2 H1 R18 -> (MT) C2 H1 R18 is EOT on head 1: write
     * R17, R18 of head 1 with TC at the end. */
    dma2(&g, 0x5000, 1024, 0x4a);
    CMD(&g, 0xc5, 0x04, 2, 1, 17, 2, 18, 0x1b, 0xff);
    EXPECT(&g, 0x04, 0x00, 0x00, 3, 0, 1, 2);
    /* The data is in the image file. */
    uint8_t sec[1024];
    FILE *fp = fopen(g.path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, (long)((2 * 36 + 18 + 16) * 512), SEEK_SET);
    ck_assert_uint_eq(fread(sec, 1, 1024, fp), 1024);
    ck_assert_mem_eq(sec, g.ram + 0x5000, 1024);
    /* Neighbours unchanged. */
    fseek(fp, (long)((2 * 36 + 18 + 15) * 512), SEEK_SET);
    ck_assert_uint_eq(fread(sec, 1, 512, fp), 512);
    ck_assert_uint_eq(sec[0], pattern(2 * 36 + 18 + 15, 0));
    fclose(fp);
    /* TC inside a sector: the rest is written as zeros. */
    dma2(&g, 0x5000, 100, 0x4a);
    CMD(&g, 0xc5, 0x00, 2, 0, 1, 2, 18, 0x1b, 0xff);
    EXPECT(&g, 0x00, 0x00, 0x00, 2, 0, 2, 2);
    ck_assert_int_eq(blk_read(g.bd, 2 * 36, sec, 1), 0);
    ck_assert_mem_eq(sec, g.ram + 0x5000, 100);
    for (int i = 100; i < 512; i++)
        ck_assert_uint_eq(sec[i], 0);
    rig_free(&g);
}
END_TEST

START_TEST(write_protect)
{
    struct rig g;
    rig_make_size(&g, 1474560, true);
    recal(&g);
    tu_out(g.m, DIR, 0x00);
    CMD(&g, 0x04, 0x00);
    EXPECT(&g, 0x78); /* WP */
    dma2(&g, 0x5000, 512, 0x4a);
    CMD(&g, 0xc5, 0x00, 0, 0, 1, 2, 1, 0x1b, 0xff);
    EXPECT(&g, 0x40, 0x02, 0x00, 0, 0, 1, 2);
    CMD(&g, 0x4d, 0x00, 2, 18, 0x6c, 0xf6);
    EXPECT(&g, 0x40, 0x02, 0x00, 0, 0, 1, 2);
    rig_free(&g);
}
END_TEST

START_TEST(pio_read_write)
{
    struct rig g;
    rig_make(&g);
    recal(&g);
    tu_out(g.m, DIR, 0x00);
    CMD(&g, 0x03, 0xdf, 0x03); /* SPECIFY: non-DMA */
    CMD(&g, 0x0f, 0x00, 1);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 1);
    CMD(&g, 0x46, 0x00, 1, 0, 17, 2, 18, 0x1b, 0xff);
    ck_assert(g.irq.level);
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < 512; i++) {
            ck_assert_uint_eq(tu_in(g.m, MSR), 0xf0); /* RQM DIO NDM CB */
            ck_assert_uint_eq(tu_in(g.m, FIFO), pattern(36 + 16 + s, i));
        }
    }
    /* No TC in non-DMA mode: end of cylinder at EOT. */
    ck_assert(g.irq.level);
    EXPECT(&g, 0x40, 0x80, 0x00, 2, 0, 1, 2);
    /* Write one sector through the FIFO: EOT = R. */
    CMD(&g, 0x45, 0x00, 1, 0, 3, 2, 3, 0x1b, 0xff);
    for (int i = 0; i < 512; i++) {
        ck_assert_uint_eq(tu_in(g.m, MSR), 0xb0); /* RQM NDM CB */
        tu_out(g.m, FIFO, (uint8_t)(255 - i));
    }
    EXPECT(&g, 0x40, 0x80, 0x00, 2, 0, 1, 2);
    uint8_t sec[512];
    ck_assert_int_eq(blk_read(g.bd, 36 + 2, sec, 1), 0);
    for (int i = 0; i < 512; i++)
        ck_assert_uint_eq(sec[i], (uint8_t)(255 - i));
    /* FORMAT TRACK through the FIFO: 18 IDs of 4 bytes for C1 H0. */
    CMD(&g, 0x4d, 0x00, 2, 18, 0x6c, 0x3c);
    for (int r = 1; r <= 18; r++) {
        const uint8_t id[4] = {1, 0, (uint8_t)r, 2};
        for (int i = 0; i < 4; i++) {
            ck_assert_uint_eq(tu_in(g.m, MSR), 0xb0);
            tu_out(g.m, FIFO, id[i]);
        }
    }
    uint8_t r[7];
    result(&g, 7, r);
    ck_assert_uint_eq(r[0], 0x00);
    for (int s = 0; s < 18; s++) {
        ck_assert_int_eq(blk_read(g.bd, 36 + (uint64_t)s, sec, 1), 0);
        ck_assert_uint_eq(sec[0], 0x3c);
        ck_assert_uint_eq(sec[511], 0x3c);
    }
    rig_free(&g);
}
END_TEST

START_TEST(eject_mid_command)
{
    struct rig g;
    rig_make(&g);
    recal(&g);
    tu_out(g.m, DIR, 0x00);
    CMD(&g, 0x03, 0xdf, 0x03); /* non-DMA */
    CMD(&g, 0x46, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff);
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(tu_in(g.m, FIFO), pattern(0, i));
    char err[128];
    ck_assert_int_eq(fdc_attach(g.f, 0, NULL, err, sizeof err), 0);
    ck_assert(g.irq.level);
    EXPECT(&g, 0x40, 0x01, 0x00, 0, 0, 1, 2);
    ck_assert_uint_eq(tu_in(g.m, DIR) & 0x80, 0x80);
    ck_assert_int_eq(fdc_cmos_type(g.f, 0), FDC_CMOS_NONE);
    rig_free(&g);
}
END_TEST

START_TEST(format_track)
{
    struct rig g;
    rig_make(&g);
    recal(&g);
    tu_out(g.m, DIR, 0x00);
    CMD(&g, 0x0f, 0x00, 7);
    CMD(&g, 0x08);
    EXPECT(&g, 0x20, 7);
    /* 18 IDs for C7 H1, interleaved order. */
    for (int i = 0; i < 18; i++) {
        uint8_t *id = g.ram + 0x6000 + 4 * i;
        id[0] = 7;
        id[1] = 1;
        id[2] = (uint8_t)((i * 5) % 18 + 1);
        id[3] = 2;
    }
    dma2(&g, 0x6000, 18 * 4, 0x4a);
    CMD(&g, 0x4d, 0x04, 2, 18, 0x6c, 0xe5);
    ck_assert(g.irq.level);
    uint8_t r[7];
    result(&g, 7, r);
    ck_assert_uint_eq(r[0], 0x04);
    ck_assert_uint_eq(r[1], 0x00);
    ck_assert_uint_eq(r[2], 0x00);
    uint8_t sec[512];
    for (int s = 0; s < 18; s++) {
        ck_assert_int_eq(blk_read(g.bd, 7 * 36 + 18 + s, sec, 1), 0);
        for (int i = 0; i < 512; i++)
            ck_assert_uint_eq(sec[i], 0xe5);
    }
    /* Head 0 of the track is untouched. */
    ck_assert_int_eq(blk_read(g.bd, 7 * 36 + 17, sec, 1), 0);
    ck_assert_uint_eq(sec[0], pattern(7 * 36 + 17, 0));
    rig_free(&g);
}
END_TEST

START_TEST(verify_and_read_deleted)
{
    struct rig g;
    rig_make(&g);
    recal(&g);
    tu_out(g.m, DIR, 0x00);
    /* VERIFY with EC: 3 sectors from R4. */
    CMD(&g, 0x56, 0x80, 0, 0, 4, 2, 18, 0x1b, 3);
    EXPECT(&g, 0x00, 0x00, 0x00, 0, 0, 7, 2);
    /* READ DELETED DATA, SK = 0: the normal sector is read, CM, stop. */
    dma2(&g, 0x7000, 1024, 0x46);
    CMD(&g, 0x4c, 0x00, 0, 0, 2, 2, 18, 0x1b, 0xff);
    EXPECT(&g, 0x40, 0x00, 0x40, 0, 0, 3, 2);
    check_sector(&g, 0x7000, 1);
    rig_free(&g);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_make(&a);
    rig_make(&b);
    recal(&a);
    CMD(&a, 0x13, 0x00, 0x47, 0x09);
    CMD(&a, 0x0f, 0x00, 9);
    /* Mid-command: two bytes of a READ DATA sent. */
    CMD(&a, 0xe6, 0x00);
    uint8_t buf[2048], dbuf[1024], d0[256];
    size_t n = vmstate_save(fdc_vmstate(), a.f, buf, sizeof buf);
    size_t nd = vmstate_save(dma_vmstate(), a.dma, dbuf, sizeof dbuf);
    size_t n0 = vmstate_save(fdc_drive_vmstate(), fdc_drive_state(a.f, 0), d0, sizeof d0);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_uint_le(nd, sizeof dbuf);
    ck_assert_uint_le(n0, sizeof d0);
    ck_assert_int_eq(vmstate_load(fdc_vmstate(), b.f, buf, n), 0);
    ck_assert_int_eq(vmstate_load(dma_vmstate(), b.dma, dbuf, nd), 0);
    ck_assert_int_eq(vmstate_load(fdc_drive_vmstate(), fdc_drive_state(b.f, 0), d0, n0), 0);
    ck_assert_uint_eq(tu_in(b.m, MSR), tu_in(a.m, MSR));
    /* Both finish the command the same way. */
    struct rig *r[2] = {&a, &b};
    uint8_t out[2][7];
    for (int i = 0; i < 2; i++) {
        tu_out(r[i]->m, DIR, 0x00);
        dma2(r[i], 0x3000, 512, 0x46);
        CMD(r[i], 9, 0, 5, 2, 18, 0x1b, 0xff);
        result(r[i], 7, out[i]);
    }
    ck_assert_mem_eq(out[0], out[1], 7);
    ck_assert_uint_eq(out[0][0], 0x00);
    ck_assert_uint_eq(out[0][3], 9);
    ck_assert_mem_eq(a.ram + 0x3000, b.ram + 0x3000, 512);
    check_sector(&b, 0x3000, 9 * 36 + 4);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fdc");
    TCase *tc = tcase_create("fdc");
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, reset_and_polling);
    tcase_add_test(tc, config_commands);
    tcase_add_test(tc, seek_and_status);
    tcase_add_test(tc, read_dma);
    tcase_add_test(tc, read_errors);
    tcase_add_test(tc, read_id_rates);
    tcase_add_test(tc, write_dma);
    tcase_add_test(tc, write_protect);
    tcase_add_test(tc, pio_read_write);
    tcase_add_test(tc, eject_mid_command);
    tcase_add_test(tc, format_track);
    tcase_add_test(tc, verify_and_read_deleted);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
