/* The ATAPI CD-ROM on the secondary channel, through its ports with no CPU:
 * signature and IDENTIFY PACKET, the PACKET protocol (CDB phase, DRQ chunks
 * bounded by the byte count limit, status phase), INQUIRY, READ CAPACITY,
 * READ(10)/(12) by PIO and DMA, sense data, READ TOC, MODE SENSE, GET
 * CONFIGURATION, GET EVENT STATUS, eject/load/lock and media change. */
#include "ide_test_util.h"

#include <stdio.h>

#define CD_SECTORS 64u
#define S          0x170 /* secondary command block */
#define S_CTL      0x376
#define BM_BASE    0xc000

static uint8_t pattern(uint32_t sector, unsigned j)
{
    return (uint8_t)(sector * 13 + j * 3 + (j >> 8));
}

static struct blockdev *make_iso(char *path, size_t len, uint32_t sectors, int seed)
{
    snprintf(path, len, "/tmp/vx86_test_atapi_%d_%d.iso", (int)getpid(), seed);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    uint8_t s[2048];
    for (uint32_t i = 0; i < sectors; i++) {
        for (unsigned j = 0; j < 2048; j++)
            s[j] = (uint8_t)(pattern(i, j) + seed);
        ck_assert_uint_eq(fwrite(s, 1, 2048, f), 2048);
    }
    fclose(f);
    char err[256];
    struct blockdev *bd = blk_open(path, "raw", BLK_RDONLY, err, sizeof err);
    ck_assert_msg(bd != NULL, "blk_open: %s", err);
    return bd;
}

static void rig_init(struct rig *r)
{
    ide_rig_init(r);
    r->bd = make_iso(r->path, sizeof r->path, CD_SECTORS, 0);
    ck_assert_int_eq(ide_attach(r->ide, 2, IDE_CDROM, r->bd), 0);
}

struct result {
    uint8_t status, error, reason;
    int chunks;
    uint32_t len;
    uint8_t data[70000];
};

/* Send a CDB and run the data-in phase by PIO; at most `bcl` bytes per DRQ. */
static void packet(struct rig *r, const uint8_t cdb[12], uint16_t bcl, struct result *res)
{
    memset(res, 0, sizeof *res);
    out8(r, S + 6, 0xa0);
    out8(r, S + 1, 0);
    out8(r, S + 4, (uint8_t)bcl);
    out8(r, S + 5, (uint8_t)(bcl >> 8));
    out8(r, S + 7, 0xa0);
    ck_assert_uint_eq(in8(r, S_CTL), 0x58);  /* DRQ for the CDB */
    ck_assert_uint_eq(in8(r, S + 2) & 3, 1); /* C/D = 1, I/O = 0 */
    for (int i = 0; i < 12; i += 2)
        ioport_write(machine_ioport(r->m), S, cdb[i] | cdb[i + 1] << 8, 2);
    for (;;) {
        int raises = r->irq[1].raises;
        uint8_t st = in8(r, S + 7);
        if (!(st & 0x08)) {
            res->status = st;
            res->error = in8(r, S + 1);
            res->reason = in8(r, S + 2);
            break;
        }
        ck_assert_uint_eq(in8(r, S + 2) & 3, 2); /* data to the host */
        uint32_t n = in8(r, S + 4) | in8(r, S + 5) << 8;
        ck_assert_uint_le(n, bcl);
        ck_assert_uint_gt(n, 0);
        ck_assert_uint_le(res->len + n, sizeof res->data);
        for (uint32_t i = 0; i < n; i += 2) {
            uint16_t w = (uint16_t)ioport_read(machine_ioport(r->m), S, 2);
            res->data[res->len + i] = (uint8_t)w;
            res->data[res->len + i + 1] = (uint8_t)(w >> 8);
        }
        res->len += n;
        res->chunks++;
        ck_assert_int_eq(r->irq[1].raises, raises + 1); /* each phase interrupts */
    }
}

static void cdb_set(uint8_t *c, uint8_t op)
{
    memset(c, 0, 12);
    c[0] = op;
}

static void expect_sense(struct rig *r, uint8_t key, uint8_t asc)
{
    uint8_t c[12];
    static struct result res;
    cdb_set(c, 0x03);
    c[4] = 18;
    packet(r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 18);
    ck_assert_uint_eq(res.data[0], 0x70);
    ck_assert_uint_eq(res.data[2], key);
    ck_assert_uint_eq(res.data[12], asc);
}

START_TEST(signature_identify)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(in8(&r, S + 4), 0x14);
    ck_assert_uint_eq(in8(&r, S + 5), 0xeb);
    ck_assert_uint_eq(in8(&r, S + 2), 1);
    out8(&r, S + 4, 0);
    out8(&r, S + 7, 0xec); /* IDENTIFY DEVICE: abort with the signature */
    ck_assert_uint_eq(in8(&r, S + 7) & 1, 1);
    ck_assert_uint_eq(in8(&r, S + 1), 0x04);
    ck_assert_uint_eq(in8(&r, S + 4), 0x14);
    ck_assert_uint_eq(in8(&r, S + 5), 0xeb);
    out8(&r, S + 7, 0xa1);
    ck_assert_uint_eq(in8(&r, S + 7), 0x58);
    uint16_t w[256];
    for (int i = 0; i < 256; i++)
        w[i] = (uint16_t)ioport_read(machine_ioport(r.m), S, 2);
    ck_assert_uint_eq(w[0], 0x85c0);
    ck_assert_uint_eq(w[27], ('V' << 8) | 'X');
    ck_assert(w[49] & (1 << 8)); /* DMA */
    /* Soft reset: the PACKET signature, DRDY clear. */
    out8(&r, S_CTL, 0x04);
    out8(&r, S_CTL, 0x00);
    ck_assert_uint_eq(in8(&r, S + 7), 0x00);
    ck_assert_uint_eq(in8(&r, S + 4), 0x14);
    rig_free(&r);
}
END_TEST

START_TEST(inquiry_capacity_read)
{
    struct rig r;
    rig_init(&r);
    uint8_t c[12];
    static struct result res;
    expect_sense(&r, 6, 0x29); /* power on */
    cdb_set(c, 0x12);
    c[4] = 36;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.status, 0x50);
    ck_assert_uint_eq(res.reason, 3); /* status phase: I/O and C/D */
    ck_assert_uint_eq(res.len, 36);
    ck_assert_uint_eq(res.data[0], 0x05);
    ck_assert_uint_eq(res.data[1], 0x80);
    ck_assert_int_eq(memcmp(res.data + 8, "VX86    ", 8), 0);
    /* An allocation length cuts the answer. */
    c[4] = 5;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 5);

    cdb_set(c, 0x00);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.status, 0x50);
    ck_assert_uint_eq(res.len, 0);

    cdb_set(c, 0x25);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 8);
    ck_assert_uint_eq(res.data[3], CD_SECTORS - 1);
    ck_assert_uint_eq(res.data[6] << 8 | res.data[7], 2048);

    /* READ(10) of 3 sectors from 5 with a byte count limit of 2048: three
     * DRQ phases. */
    cdb_set(c, 0x28);
    c[5] = 5;
    c[8] = 3;
    packet(&r, c, 2048, &res);
    ck_assert_uint_eq(res.status, 0x50);
    ck_assert_uint_eq(res.len, 3 * 2048);
    ck_assert_int_eq(res.chunks, 3);
    for (unsigned i = 0; i < 3 * 2048; i++)
        ck_assert_uint_eq(res.data[i], pattern(5 + i / 2048, i % 2048));
    /* READ(12) of 20 sectors with a limit of 1000 (odd limits are rounded
     * down to even): full chunks of 1000 bytes across the drive's refills. */
    cdb_set(c, 0xa8);
    c[5] = 40;
    c[9] = 20;
    packet(&r, c, 1001, &res);
    ck_assert_uint_eq(res.len, 20 * 2048);
    ck_assert_int_eq(res.chunks, (20 * 2048 + 999) / 1000);
    for (unsigned i = 0; i < 20 * 2048; i++)
        ck_assert_uint_eq(res.data[i], pattern(40 + i / 2048, i % 2048));
    /* Past the end: ILLEGAL REQUEST, LBA out of range. */
    cdb_set(c, 0x28);
    c[5] = CD_SECTORS - 1;
    c[8] = 2;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.status, 0x41);
    ck_assert_uint_eq(res.error, 0x54);
    ck_assert_uint_eq(res.reason, 3);
    expect_sense(&r, 5, 0x21);
    expect_sense(&r, 0, 0); /* read once, gone */
    /* An unknown command. */
    cdb_set(c, 0xff);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x54);
    expect_sense(&r, 5, 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(toc_mode_config)
{
    struct rig r;
    rig_init(&r);
    uint8_t c[12];
    static struct result res;
    cdb_set(c, 0x43); /* TOC format 0, LBA */
    c[8] = 0xff;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 20);
    ck_assert_uint_eq(res.data[1], 18);
    ck_assert_uint_eq(res.data[2], 1);
    ck_assert_uint_eq(res.data[3], 1);
    ck_assert_uint_eq(res.data[6], 1);     /* track 1 */
    ck_assert_uint_eq(res.data[14], 0xaa); /* lead-out */
    ck_assert_uint_eq(res.data[19], CD_SECTORS);
    c[1] = 2; /* MSF: the lead-out at 64 + 150 frames = 00:02:64 */
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[17], 0);
    ck_assert_uint_eq(res.data[18], 2);
    ck_assert_uint_eq(res.data[19], 64);
    c[1] = 0, c[2] = 1; /* multi-session */
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 12);
    c[2] = 2; /* raw: 4 descriptors of 11 bytes */
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 4 + 44);
    ck_assert_uint_eq(res.data[4 + 3], 0xa0);
    c[2] = 5;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x54);

    cdb_set(c, 0x5a); /* MODE SENSE(10) page 2Ah */
    c[2] = 0x2a;
    c[8] = 0xff;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 8 + 22);
    ck_assert_uint_eq(res.data[8], 0x2a);
    ck_assert_uint_eq(res.data[9], 0x14);
    ck_assert_uint_eq(res.data[1], 8 + 22 - 2);
    c[2] = 0x3f; /* all pages */
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 8 + 8 + 8 + 16 + 22);
    c[2] = 0x05;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x54);
    c[2] = 0xc1; /* saved values */
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x54);
    expect_sense(&r, 5, 0x39);

    cdb_set(c, 0x46); /* GET CONFIGURATION: current profile CD-ROM */
    c[8] = 0xff;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[6] << 8 | res.data[7], 0x0008);
    ck_assert_uint_eq(res.data[8] << 8 | res.data[9], 0x0000); /* profile list first */
    ck_assert_uint_eq(res.data[3] + 4u, res.len);
    c[1] = 2, c[3] = 1; /* only feature 1 (core) */
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 8 + 12);
    ck_assert_uint_eq(res.data[9], 0x01);

    cdb_set(c, 0xbd); /* MECHANISM STATUS */
    c[9] = 8;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 8);
    cdb_set(c, 0x51); /* READ DISC INFORMATION */
    c[8] = 34;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 34);
    ck_assert_uint_eq(res.data[2], 0x0e);
    rig_free(&r);
}
END_TEST

START_TEST(eject_lock_media_change)
{
    struct rig r;
    rig_init(&r);
    uint8_t c[12];
    static struct result res;
    /* GESN must be polled. */
    cdb_set(c, 0x4a);
    c[4] = 0x10;
    c[8] = 8;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x54);
    c[1] = 1;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.len, 8);
    ck_assert_uint_eq(res.data[2], 4);
    ck_assert_uint_eq(res.data[4], 0); /* no event */
    ck_assert_uint_eq(res.data[5], 2); /* medium present, tray closed */

    /* Locked: the eject is refused. */
    cdb_set(c, 0x1e);
    c[4] = 1;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.status, 0x50);
    cdb_set(c, 0x1b);
    c[4] = 2;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x24);
    expect_sense(&r, 2, 0x53);
    /* Unlocked: ejected, no medium, an event. */
    cdb_set(c, 0x1e);
    packet(&r, c, 0xfffe, &res);
    cdb_set(c, 0x1b);
    c[4] = 2;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.status, 0x50);
    cdb_set(c, 0x00);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x24);
    expect_sense(&r, 2, 0x3a);
    cdb_set(c, 0x4a);
    c[1] = 1, c[4] = 0x10, c[8] = 8;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[4], 3); /* media removal */
    ck_assert_uint_eq(res.data[5], 1); /* tray open */
    /* Load: a unit attention, then ready. */
    cdb_set(c, 0x1b);
    c[4] = 3;
    packet(&r, c, 0xfffe, &res);
    cdb_set(c, 0x00);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x64);
    expect_sense(&r, 6, 0x28);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.status, 0x50);

    /* The frontend changes the disc: new media event, unit attention, and
     * the new contents. */
    char path2[64];
    struct blockdev *bd2 = make_iso(path2, sizeof path2, 8, 1), *old = NULL;
    ck_assert_int_eq(ide_cd_change(r.ide, 2, bd2, &old), 0);
    ck_assert_ptr_eq(old, r.bd);
    cdb_set(c, 0x4a);
    c[1] = 1, c[4] = 0x10, c[8] = 8;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[4], 2);
    cdb_set(c, 0x25);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x64);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[3], 7);
    cdb_set(c, 0x28);
    c[8] = 1;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[0], (uint8_t)(pattern(0, 0) + 1));
    ck_assert_int_eq(ide_cd_change(r.ide, 2, r.bd, NULL), 0);
    ck_assert_int_eq(ide_cd_change(r.ide, 0, NULL, NULL), -1); /* not a CD-ROM */
    blk_close(bd2);
    unlink(path2);
    rig_free(&r);
}
END_TEST

START_TEST(dma_read)
{
    struct rig r;
    rig_init(&r);
    struct pci_device *d = pci_bus_device(r.bus, PCI_DEVFN(1, 1));
    pci_config_write(d, 0x20, BM_BASE | 1, 4);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    uint8_t *ram = machine_ram(r.m);
    uint32_t prd[2] = {0x40000, 4 * 2048 | 0x80000000u};
    memcpy(ram + 0x2000, prd, 8);
    ioport_write(machine_ioport(r.m), BM_BASE + 8 + 4, 0x2000, 4);
    /* READ(10) of 4 sectors from 10 with the DMA bit in the features. */
    uint8_t c[12] = {0x28, 0, 0, 0, 0, 10, 0, 0, 4, 0, 0, 0};
    out8(&r, S + 6, 0xa0);
    out8(&r, S + 1, 1);
    out8(&r, S + 7, 0xa0);
    for (int i = 0; i < 12; i += 2)
        ioport_write(machine_ioport(r.m), S, c[i] | c[i + 1] << 8, 2);
    int raises = r.irq[1].raises;
    out8(&r, BM_BASE + 8, 0x09);
    ck_assert_int_eq(r.irq[1].raises, raises + 1);
    ck_assert_uint_eq(in8(&r, BM_BASE + 8 + 2) & 7, 0x04);
    ck_assert_uint_eq(in8(&r, S + 7), 0x50);
    ck_assert_uint_eq(in8(&r, S + 2), 3);
    for (unsigned i = 0; i < 4 * 2048; i++)
        ck_assert_uint_eq(ram[0x40000 + i], pattern(10 + i / 2048, i % 2048));
    rig_free(&r);
}
END_TEST

START_TEST(dvd_profile_and_empty_drive)
{
    struct rig r;
    rig_init(&r);
    uint8_t c[12];
    static struct result res;
    /* A disc larger than an 80-minute CD (sparse file) is a DVD-ROM. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/vx86_test_atapi_%d_dvd.iso", (int)getpid());
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), 400000ll * 2048), 0);
    fclose(f);
    char err[256];
    struct blockdev *dvd = blk_open(path, "raw", BLK_RDONLY, err, sizeof err);
    ck_assert_msg(dvd != NULL, "blk_open: %s", err);
    ck_assert_int_eq(ide_cd_change(r.ide, 2, dvd, NULL), 0);
    cdb_set(c, 0x46);
    c[8] = 0xff;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[6] << 8 | res.data[7], 0x0010);
    ck_assert_uint_eq(res.data[12] << 8 | res.data[13], 0x0010); /* DVD-ROM listed, current */
    ck_assert_uint_eq(res.data[14] & 1, 1);
    ck_assert_uint_eq(res.data[16] << 8 | res.data[17], 0x0008);
    ck_assert_uint_eq(res.data[18] & 1, 0);
    cdb_set(c, 0x25);
    packet(&r, c, 0xfffe, &res); /* unit attention first */
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq((uint32_t)res.data[0] << 24 | res.data[1] << 16 | res.data[2] << 8 |
                          res.data[3],
                      400000 - 1);
    /* No disc: NOT READY, MEDIUM NOT PRESENT; no profile. */
    ck_assert_int_eq(ide_cd_change(r.ide, 2, NULL, NULL), 0);
    cdb_set(c, 0x00);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x64);
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.error, 0x24);
    expect_sense(&r, 2, 0x3a);
    cdb_set(c, 0x46);
    c[8] = 0xff;
    packet(&r, c, 0xfffe, &res);
    ck_assert_uint_eq(res.data[6] << 8 | res.data[7], 0);
    ck_assert_int_eq(ide_cd_change(r.ide, 2, r.bd, NULL), 0);
    blk_close(dvd);
    unlink(path);
    rig_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("atapi");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, signature_identify);
    tcase_add_test(tc, inquiry_capacity_read);
    tcase_add_test(tc, toc_mode_config);
    tcase_add_test(tc, eject_lock_media_change);
    tcase_add_test(tc, dma_read);
    tcase_add_test(tc, dvd_profile_and_empty_drive);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
