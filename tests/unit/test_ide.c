/* The PIIX3 IDE controller through its ports with no CPU: PCI identity,
 * signatures and the empty bus, IDENTIFY, PIO reads and writes (LBA28, CHS,
 * LBA48, MULTIPLE), errors (IDNF, ABRT, UNC), INTRQ and nIEN, soft reset,
 * bus-master DMA through a PRD table, FLUSH CACHE, power and legacy
 * commands, and the saved state. */
#include "ide_test_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "devices/block/blockdev.h"
#include "devices/ide.h"
#include "devices/pci.h"
#include "devices/vmstate.h"

#define DISK_SECTORS 4096u /* 2 MiB */
#define BM_BASE      0xc000
#define P            0x1f0 /* primary command block */
#define P_CTL        0x3f6

/* Byte j of sector i of the test disk. */
static uint8_t pattern(uint64_t i, unsigned j)
{
    return (uint8_t)(i * 7 + j + (i >> 8));
}

static void write_image(const char *path, uint32_t sectors)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    uint8_t s[512];
    for (uint32_t i = 0; i < sectors; i++) {
        for (unsigned j = 0; j < 512; j++)
            s[j] = pattern(i, j);
        ck_assert_uint_eq(fwrite(s, 1, 512, f), 512);
    }
    fclose(f);
}

static void rig_init(struct rig *r, bool with_disk)
{
    ide_rig_init(r);
    if (with_disk) {
        static int serial;
        snprintf(r->path, sizeof r->path, "/tmp/vx86_test_ide_%d_%d.img", (int)getpid(), serial++);
        write_image(r->path, DISK_SECTORS);
        char err[256];
        r->bd = blk_open(r->path, "raw", 0, err, sizeof err);
        ck_assert_msg(r->bd != NULL, "blk_open: %s", err);
        ck_assert_int_eq(ide_attach(r->ide, 0, IDE_DISK, r->bd), 0);
    }
}

/* LBA28 task file for device 0. */
static void lba28(struct rig *r, uint32_t lba, uint8_t count)
{
    out8(r, P + 6, (uint8_t)(0xe0 | ((lba >> 24) & 0x0f)));
    out8(r, P + 2, count);
    out8(r, P + 3, (uint8_t)lba);
    out8(r, P + 4, (uint8_t)(lba >> 8));
    out8(r, P + 5, (uint8_t)(lba >> 16));
}

static void read_data(struct rig *r, uint8_t *buf, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i += 2) {
        uint16_t w = in16(r, P);
        buf[i] = (uint8_t)w, buf[i + 1] = (uint8_t)(w >> 8);
    }
}

static void check_sector(const uint8_t *buf, uint64_t lba)
{
    for (unsigned j = 0; j < 512; j++)
        ck_assert_msg(buf[j] == pattern(lba, j), "sector %llu byte %u: %02x, expected %02x",
                      (unsigned long long)lba, j, buf[j], pattern(lba, j));
}

START_TEST(pci_identity)
{
    struct rig r;
    rig_init(&r, false);
    struct pci_device *d = pci_bus_device(r.bus, PCI_DEVFN(1, 1));
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(pci_config_read(d, PCI_VENDOR_ID, 2), 0x8086);
    ck_assert_uint_eq(pci_config_read(d, PCI_DEVICE_ID, 2), 0x7010);
    ck_assert_uint_eq(pci_config_read(d, PCI_CLASS_PROG, 1), 0x80);
    ck_assert_uint_eq(pci_config_read(d, PCI_CLASS_DEVICE, 2), 0x0101);
    /* BAR 4: 16 bytes of I/O */
    pci_config_write(d, 0x20, 0xffffffff, 4);
    ck_assert_uint_eq(pci_config_read(d, 0x20, 4), 0xfffffff1);
    /* IDETIM is writable */
    pci_config_write(d, 0x40, 0x8000, 2);
    ck_assert_uint_eq(pci_config_read(d, 0x40, 2), 0x8000);
    rig_free(&r);
}
END_TEST

START_TEST(signatures_and_empty_bus)
{
    struct rig r;
    rig_init(&r, true);
    /* ATA master: 01/01/00/00, DRDY|DSC. */
    ck_assert_uint_eq(in8(&r, P + 2), 1);
    ck_assert_uint_eq(in8(&r, P + 3), 1);
    ck_assert_uint_eq(in8(&r, P + 4), 0);
    ck_assert_uint_eq(in8(&r, P + 5), 0);
    ck_assert_uint_eq(in8(&r, P + 1), 1);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    /* The absent slave behind it reads status 0; the registers are shared. */
    out8(&r, P + 6, 0xb0);
    ck_assert_uint_eq(in8(&r, P + 7), 0);
    ck_assert_uint_eq(in8(&r, P_CTL), 0);
    out8(&r, P + 2, 0x55);
    ck_assert_uint_eq(in8(&r, P + 2), 0x55);
    /* A command to the absent slave does nothing. */
    out8(&r, P + 7, 0xec);
    ck_assert_uint_eq(in8(&r, P + 7), 0);
    ck_assert_int_eq(r.irq[0].raises, 0);
    /* The empty secondary channel floats at 0x7F. */
    ck_assert_uint_eq(in8(&r, 0x177), 0x7f);
    ck_assert_uint_eq(in8(&r, 0x376), 0x7f);
    out8(&r, 0x172, 0x55);
    ck_assert_uint_eq(in8(&r, 0x172), 0x7f);
    rig_free(&r);
}
END_TEST

START_TEST(identify_device)
{
    struct rig r;
    rig_init(&r, true);
    out8(&r, P + 6, 0xa0);
    out8(&r, P + 7, 0xec);
    ck_assert_int_eq(r.irq[0].raises, 1);
    ck_assert_uint_eq(in8(&r, P_CTL), 0x58); /* DRQ; alt status keeps INTRQ */
    ck_assert(r.irq[0].level);
    ck_assert_uint_eq(in8(&r, P + 7), 0x58);
    ck_assert(!r.irq[0].level); /* reading status acknowledged it */
    uint16_t w[256];
    read_data(&r, (uint8_t *)w, 512);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    ck_assert_uint_eq(w[0], 0x0040);
    /* 4096 sectors / (16 * 63) = 4 cylinders */
    ck_assert_uint_eq(w[1], 4);
    ck_assert_uint_eq(w[3], 16);
    ck_assert_uint_eq(w[6], 63);
    char model[41];
    for (int i = 0; i < 20; i++)
        model[2 * i] = (char)(w[27 + i] >> 8), model[2 * i + 1] = (char)w[27 + i];
    model[40] = 0;
    ck_assert_str_eq(model, "VX86 HARDDISK                           ");
    ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, DISK_SECTORS);
    ck_assert_uint_eq(w[100] | (uint32_t)w[101] << 16, DISK_SECTORS);
    ck_assert_uint_eq(w[57] | (uint32_t)w[58] << 16, 4 * 16 * 63);
    ck_assert(w[49] & (1 << 9));           /* LBA */
    ck_assert(w[83] & (1 << 10));          /* LBA48 */
    ck_assert(w[83] & (1 << 12));          /* FLUSH CACHE */
    ck_assert(w[85] & (1 << 5));           /* write cache on */
    ck_assert_uint_eq(w[88] & 0x3f, 0x3f); /* UDMA 0-5 */
    ck_assert(w[93] & (1 << 13));          /* 80-wire cable */
    /* SET FEATURES: write cache off, UDMA 2 */
    out8(&r, P + 1, 0x82);
    out8(&r, P + 7, 0xef);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    out8(&r, P + 1, 0x03);
    out8(&r, P + 2, 0x42);
    out8(&r, P + 7, 0xef);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    out8(&r, P + 7, 0xec);
    in8(&r, P + 7);
    read_data(&r, (uint8_t *)w, 512);
    ck_assert(!(w[85] & (1 << 5)));
    ck_assert_uint_eq(w[88], 0x3f | 0x400);
    /* A bad transfer mode and IDENTIFY PACKET abort. */
    out8(&r, P + 1, 0x03);
    out8(&r, P + 2, 0x47);
    out8(&r, P + 7, 0xef);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x04);
    out8(&r, P + 7, 0xa1);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    rig_free(&r);
}
END_TEST

START_TEST(pio_read_lba_chs)
{
    struct rig r;
    rig_init(&r, true);
    uint8_t buf[512];
    lba28(&r, 100, 3);
    out8(&r, P + 7, 0x20);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(r.irq[0].raises, i + 1); /* one interrupt per sector */
        ck_assert_uint_eq(in8(&r, P + 7), 0x58);
        read_data(&r, buf, 512);
        check_sector(buf, 100 + (uint64_t)i);
    }
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    ck_assert_int_eq(r.irq[0].raises, 3); /* none after the last block */
    /* The registers point after the transfer. */
    ck_assert_uint_eq(in8(&r, P + 3), 103);
    /* CHS: cylinder 1, head 2, sector 5 = (1 * 16 + 2) * 63 + 4 = 1138 */
    out8(&r, P + 6, 0xa2);
    out8(&r, P + 2, 1);
    out8(&r, P + 3, 5);
    out8(&r, P + 4, 1);
    out8(&r, P + 5, 0);
    out8(&r, P + 7, 0x20);
    ck_assert_uint_eq(in8(&r, P + 7), 0x58);
    read_data(&r, buf, 512);
    check_sector(buf, 1138);
    /* Sector 0 does not exist in CHS: IDNF. */
    out8(&r, P + 6, 0xa0);
    out8(&r, P + 3, 0);
    out8(&r, P + 7, 0x20);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x10);
    /* LBA48: READ SECTORS EXT at 4000, 2 sectors (HOB written first). */
    out8(&r, P + 6, 0x40);
    out8(&r, P + 2, 0), out8(&r, P + 2, 2);
    out8(&r, P + 3, 0), out8(&r, P + 3, 4000 & 0xff);
    out8(&r, P + 4, 0), out8(&r, P + 4, 4000 >> 8);
    out8(&r, P + 5, 0), out8(&r, P + 5, 0);
    out8(&r, P + 7, 0x24);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(in8(&r, P + 7), 0x58);
        read_data(&r, buf, 512);
        check_sector(buf, 4000 + (uint64_t)i);
    }
    /* HOB reads back the high bytes. */
    out8(&r, P_CTL, 0x80);
    ck_assert_uint_eq(in8(&r, P + 3), 0);
    out8(&r, P_CTL, 0x00);
    /* Past the end: IDNF, ERR, an interrupt. */
    int raises = r.irq[0].raises;
    lba28(&r, DISK_SECTORS - 1, 2);
    out8(&r, P + 7, 0x20);
    ck_assert_int_eq(r.irq[0].raises, raises + 1);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x10);
    rig_free(&r);
}
END_TEST

START_TEST(pio_write_and_flush)
{
    struct rig r;
    rig_init(&r, true);
    lba28(&r, 7, 2);
    out8(&r, P + 7, 0x30);
    ck_assert_int_eq(r.irq[0].raises, 0); /* the first block needs no interrupt */
    ck_assert_uint_eq(in8(&r, P_CTL), 0x58);
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < 256; i++)
            out16(&r, P, (uint16_t)(0xa500 + s * 256 + i));
        ck_assert_int_eq(r.irq[0].raises, s + 1);
        in8(&r, P + 7);
    }
    ck_assert_uint_eq(in8(&r, P_CTL), 0x50);
    out8(&r, P + 7, 0xe7); /* FLUSH CACHE */
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    /* The file has it. */
    FILE *f = fopen(r.path, "rb");
    uint8_t buf[1024];
    fseek(f, 7 * 512, SEEK_SET);
    ck_assert_uint_eq(fread(buf, 1, 1024, f), 1024);
    fclose(f);
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 256; i++) {
            uint16_t v = (uint16_t)(0xa500 + s * 256 + i);
            ck_assert_uint_eq(buf[s * 512 + 2 * i], (uint8_t)v);
            ck_assert_uint_eq(buf[s * 512 + 2 * i + 1], (uint8_t)(v >> 8));
        }
    /* And reading it back through the device. */
    lba28(&r, 8, 1);
    out8(&r, P + 7, 0x20);
    in8(&r, P + 7);
    ck_assert_uint_eq(in16(&r, P), 0xa600);
    rig_free(&r);
}
END_TEST

START_TEST(read_multiple)
{
    struct rig r;
    rig_init(&r, true);
    uint8_t buf[4 * 512];
    lba28(&r, 0, 8);
    out8(&r, P + 7, 0xc4); /* no SET MULTIPLE yet: abort */
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x04);
    out8(&r, P + 2, 3); /* not a power of two */
    out8(&r, P + 7, 0xc6);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    out8(&r, P + 2, 4);
    out8(&r, P + 7, 0xc6);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    int raises = r.irq[0].raises;
    lba28(&r, 20, 8);
    out8(&r, P + 7, 0xc4);
    for (int b = 0; b < 2; b++) {
        ck_assert_int_eq(r.irq[0].raises, raises + b + 1); /* one per 4-sector block */
        ck_assert_uint_eq(in8(&r, P + 7), 0x58);
        read_data(&r, buf, sizeof buf);
        for (int i = 0; i < 4; i++)
            check_sector(buf + 512 * i, 20 + (uint64_t)b * 4 + (uint64_t)i);
    }
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    rig_free(&r);
}
END_TEST

START_TEST(nien_and_soft_reset)
{
    struct rig r;
    rig_init(&r, true);
    out8(&r, P_CTL, 0x02); /* nIEN */
    lba28(&r, 1, 1);
    out8(&r, P + 7, 0x20);
    ck_assert_int_eq(r.irq[0].raises, 0);
    ck_assert_uint_eq(in8(&r, P_CTL), 0x58);
    /* Enabling again shows the pending INTRQ. */
    out8(&r, P_CTL, 0x00);
    ck_assert(r.irq[0].level);
    in8(&r, P + 7);
    ck_assert(!r.irq[0].level);
    /* SRST: busy while asserted, then the signature and no DRQ. */
    out8(&r, P + 2, 0x33);
    out8(&r, P_CTL, 0x04);
    ck_assert_uint_eq(in8(&r, P_CTL) & 0x80, 0x80);
    out8(&r, P_CTL, 0x00);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    ck_assert_uint_eq(in8(&r, P + 2), 1);
    ck_assert_uint_eq(in8(&r, P + 1), 1);
    ck_assert_uint_eq(in16(&r, P), 0xffff); /* no data phase any more */
    /* Unknown commands abort, once logged. */
    out8(&r, P + 7, 0xb0);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x04);
    rig_free(&r);
}
END_TEST

/* Program BAR 4 and the bus master; a PRD table at 0x1000. */
static void bm_setup(struct rig *r, const uint32_t *prd, int n)
{
    struct pci_device *d = pci_bus_device(r->bus, PCI_DEVFN(1, 1));
    pci_config_write(d, 0x20, BM_BASE | 1, 4);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    uint8_t *ram = machine_ram(r->m);
    memcpy(ram + 0x1000, prd, (size_t)n * 8);
    ioport_write(machine_ioport(r->m), BM_BASE + 4, 0x1000, 4);
    ck_assert_uint_eq(ioport_read(machine_ioport(r->m), BM_BASE + 4, 4), 0x1000);
}

START_TEST(dma_read_write)
{
    struct rig r;
    rig_init(&r, true);
    /* Two entries: 1 KiB at 0x10000, 3 KiB at 0x20000 (end of table). */
    uint32_t prd[4] = {0x10000, 1024, 0x20000, 3072 | 0x80000000u};
    bm_setup(&r, prd, 2);
    /* The BIOS sees drive 0 as DMA capable. */
    ck_assert_uint_eq(in8(&r, BM_BASE + 2) & 0x60, 0x20);
    lba28(&r, 50, 8);
    out8(&r, P + 7, 0xc8); /* READ DMA */
    ck_assert_int_eq(r.irq[0].raises, 0);
    ck_assert_uint_eq(in8(&r, P_CTL), 0x58); /* DMARQ: waits for the bus master */
    out8(&r, BM_BASE, 0x09);                 /* start, to memory */
    ck_assert_int_eq(r.irq[0].raises, 1);
    ck_assert_uint_eq(in8(&r, BM_BASE + 2) & 7, 0x04); /* interrupt, not active */
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    uint8_t *ram = machine_ram(r.m);
    check_sector(ram + 0x10000, 50);
    check_sector(ram + 0x10200, 51);
    for (int i = 0; i < 6; i++)
        check_sector(ram + 0x20000 + 512 * i, 52 + (uint64_t)i);
    out8(&r, BM_BASE, 0x00);
    out8(&r, BM_BASE + 2, 0x04); /* write 1 to clear */
    ck_assert_uint_eq(in8(&r, BM_BASE + 2) & 7, 0);

    /* WRITE DMA of 2 sectors from 0x30000, a table longer than the data:
     * active stays set (PIIX3 2.7.2.2). */
    uint32_t prd2[4] = {0x30000, 1024, 0x31000, 512 | 0x80000000u};
    bm_setup(&r, prd2, 2);
    for (int i = 0; i < 1024; i++)
        ram[0x30000 + i] = (uint8_t)(i * 3 + 1);
    lba28(&r, 900, 2);
    out8(&r, P + 7, 0xca);
    out8(&r, BM_BASE, 0x01); /* start, from memory */
    ck_assert_uint_eq(in8(&r, BM_BASE + 2) & 7, 0x05);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    out8(&r, BM_BASE, 0x00);
    uint8_t buf[1024];
    FILE *f = fopen(r.path, "rb");
    fseek(f, 900 * 512, SEEK_SET);
    ck_assert_uint_eq(fread(buf, 1, 1024, f), 1024);
    fclose(f);
    for (int i = 0; i < 1024; i++)
        ck_assert_uint_eq(buf[i], (uint8_t)(i * 3 + 1));

    /* A table shorter than the transfer: error, the command aborts. */
    uint32_t prd3[2] = {0x10000, 512 | 0x80000000u};
    bm_setup(&r, prd3, 1);
    lba28(&r, 0, 4);
    out8(&r, P + 7, 0xc8);
    out8(&r, BM_BASE, 0x09);
    ck_assert_uint_eq(in8(&r, BM_BASE + 2) & 7, 0x06);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    rig_free(&r);
}
END_TEST

START_TEST(misc_commands)
{
    struct rig r;
    rig_init(&r, true);
    /* CHECK POWER MODE: active (0xFF in the sector count). */
    out8(&r, P + 2, 0);
    out8(&r, P + 7, 0xe5);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    ck_assert_uint_eq(in8(&r, P + 2), 0xff);
    /* IDLE IMMEDIATE, STANDBY IMMEDIATE, RECALIBRATE, SEEK, INITIALIZE
     * DEVICE PARAMETERS with the default geometry: done, an interrupt each. */
    static const uint8_t ok[] = {0xe1, 0xe0, 0x10, 0x70};
    for (size_t i = 0; i < sizeof ok; i++) {
        int raises = r.irq[0].raises;
        out8(&r, P + 7, ok[i]);
        ck_assert_int_eq(r.irq[0].raises, raises + 1);
        ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    }
    out8(&r, P + 6, 0xaf); /* 16 heads */
    out8(&r, P + 2, 63);
    out8(&r, P + 7, 0x91);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    /* READ VERIFY: no data phase, the registers at the last sector. */
    lba28(&r, 10, 5);
    out8(&r, P + 7, 0x40);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    ck_assert_uint_eq(in8(&r, P + 3), 14);
    lba28(&r, DISK_SECTORS - 2, 5);
    out8(&r, P + 7, 0x40);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x10);
    /* EXECUTE DEVICE DIAGNOSTIC: the signature, diagnostic code 1. */
    out8(&r, P + 4, 0x12);
    out8(&r, P + 7, 0x90);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    ck_assert_uint_eq(in8(&r, P + 1), 0x01);
    ck_assert_uint_eq(in8(&r, P + 4), 0x00);
    /* PACKET and DEVICE RESET are for PACKET devices only. */
    out8(&r, P + 7, 0xa0);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    out8(&r, P + 7, 0x08);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    rig_free(&r);
}
END_TEST

START_TEST(lba48_dma_write_multiple)
{
    struct rig r;
    rig_init(&r, true);
    /* WRITE MULTIPLE EXT of 6 sectors in blocks of 2 at LBA 2000. */
    out8(&r, P + 2, 2);
    out8(&r, P + 7, 0xc6);
    in8(&r, P + 7);
    out8(&r, P + 6, 0x40);
    out8(&r, P + 2, 0), out8(&r, P + 2, 6);
    out8(&r, P + 3, 0), out8(&r, P + 3, 2000 & 0xff);
    out8(&r, P + 4, 0), out8(&r, P + 4, 2000 >> 8);
    out8(&r, P + 5, 0), out8(&r, P + 5, 0);
    int raises = r.irq[0].raises;
    out8(&r, P + 7, 0x39);
    for (int b = 0; b < 3; b++) {
        ck_assert_uint_eq(in8(&r, P_CTL), 0x58);
        for (int i = 0; i < 512; i++)
            out16(&r, P, (uint16_t)(b << 12 | i));
        ck_assert_int_eq(r.irq[0].raises, raises + b + 1);
        in8(&r, P + 7);
    }
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    /* READ DMA EXT of the same 6 sectors through one PRD entry. */
    uint32_t prd[2] = {0x50000, 6 * 512 | 0x80000000u};
    bm_setup(&r, prd, 1);
    out8(&r, P + 6, 0x40);
    out8(&r, P + 2, 0), out8(&r, P + 2, 6);
    out8(&r, P + 3, 0), out8(&r, P + 3, 2000 & 0xff);
    out8(&r, P + 4, 0), out8(&r, P + 4, 2000 >> 8);
    out8(&r, P + 5, 0), out8(&r, P + 5, 0);
    out8(&r, BM_BASE, 0x09); /* started first: the command runs at once */
    out8(&r, P + 7, 0x25);
    ck_assert_uint_eq(in8(&r, BM_BASE + 2) & 7, 0x04);
    ck_assert_uint_eq(in8(&r, P + 7), 0x50);
    const uint8_t *ram = machine_ram(r.m);
    for (int b = 0; b < 3; b++)
        for (int i = 0; i < 512; i++) {
            uint16_t v = (uint16_t)(b << 12 | i);
            ck_assert_uint_eq(ram[0x50000 + b * 1024 + 2 * i], (uint8_t)v);
            ck_assert_uint_eq(ram[0x50000 + b * 1024 + 2 * i + 1], (uint8_t)(v >> 8));
        }
    rig_free(&r);
}
END_TEST

/* A driver whose reads fail: the disk reports UNC. */
static int bad_read(struct blockdev *bd, uint64_t s, void *buf, uint32_t n)
{
    (void)bd, (void)s, (void)buf, (void)n;
    return -EIO;
}
static int bad_write(struct blockdev *bd, uint64_t s, const void *buf, uint32_t n)
{
    (void)bd, (void)s, (void)buf, (void)n;
    return -EIO;
}
static int bad_flush(struct blockdev *bd)
{
    (void)bd;
    return -EIO;
}

START_TEST(read_error_unc)
{
    struct rig r;
    rig_init(&r, false);
    static const struct blockdev_driver bad = {
        .name = "bad", .read = bad_read, .write = bad_write, .flush = bad_flush};
    struct blockdev bd = {.drv = &bad, .sectors = 1000};
    ck_assert_int_eq(ide_attach(r.ide, 0, IDE_DISK, &bd), 0);
    lba28(&r, 10, 1);
    out8(&r, P + 7, 0x20);
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x40); /* UNC */
    ck_assert_uint_eq(in8(&r, P + 3), 10);   /* the failing sector */
    out8(&r, P + 7, 0xe7);                   /* FLUSH CACHE fails: ABRT */
    ck_assert_uint_eq(in8(&r, P + 7), 0x41);
    ck_assert_uint_eq(in8(&r, P + 1), 0x04);
    rig_free(&r);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_init(&a, true);
    rig_init(&b, true);
    /* Stop a in the middle of a 2-sector PIO read, move it to b. */
    lba28(&a, 300, 2);
    out8(&a, P + 7, 0x20);
    uint8_t buf[512];
    read_data(&a, buf, 100); /* INTRQ still pending: status not read */
    ck_assert(a.irq[0].level);
    ck_assert(!b.irq[0].level);
    static uint8_t state[IDE_MAX_DRIVES][80000];
    for (int i = 0; i < IDE_MAX_DRIVES; i++) {
        size_t n =
            vmstate_save(ide_drive_vmstate(), ide_drive_state(a.ide, i), state[i], sizeof state[i]);
        ck_assert_uint_le(n, sizeof state[i]);
        ck_assert_int_eq(vmstate_load(ide_drive_vmstate(), ide_drive_state(b.ide, i), state[i], n),
                         0);
    }
    for (int c = 0; c < 2; c++) {
        uint8_t cs[256];
        size_t n = vmstate_save(ide_bm_vmstate(), ide_bm_state(a.ide, c), cs, sizeof cs);
        ck_assert_uint_le(n, sizeof cs);
        ck_assert_int_eq(vmstate_load(ide_bm_vmstate(), ide_bm_state(b.ide, c), cs, n), 0);
    }
    ck_assert(b.irq[0].level); /* the line follows the restored state */
    ck_assert_uint_eq(in8(&b, P + 7), 0x58);
    ck_assert(!b.irq[0].level);
    read_data(&b, buf + 100, 412);
    check_sector(buf, 300);
    ck_assert_uint_eq(in8(&b, P + 7), 0x58); /* the next sector is staged */
    read_data(&b, buf, 512);
    check_sector(buf, 301);
    ck_assert_uint_eq(in8(&b, P + 7), 0x50);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

/* -d unimp: an unsupported command is reported once, then only aborted. */
static int unimp_msgs;
static char unimp_last[256];
static void log_hook(void *opaque, const char *category, const char *fmt, va_list ap)
{
    (void)opaque;
    if (!strcmp(category, "unimp")) {
        unimp_msgs++;
        vsnprintf(unimp_last, sizeof unimp_last, fmt, ap);
    }
}

START_TEST(unimp_logged_once)
{
    struct machine *m = test_machine_cfg((struct machine_config){.ram_size = 2u << 20,
                                                                 .no_reboot = true,
                                                                 .deterministic = true,
                                                                 .log_mask = CPU_LOG_UNIMP,
                                                                 .log_fn = log_hook});
    char err[256];
    struct pci_bus *bus = pci_bus_create(m);
    struct ide *ide =
        ide_create(m, bus, PCI_DEVFN(1, 1), (struct irq_line){0}, (struct irq_line){0});
    char path[64];
    snprintf(path, sizeof path, "/tmp/vx86_test_ide_%d_unimp.img", (int)getpid());
    write_image(path, 64);
    struct blockdev *bd = blk_open(path, "raw", 0, err, sizeof err);
    ck_assert_ptr_nonnull(bd);
    ck_assert_int_eq(ide_attach(ide, 0, IDE_DISK, bd), 0);
    unimp_msgs = 0;
    ioport_write(machine_ioport(m), P + 7, 0xb0, 1); /* SMART: not supported */
    ck_assert_uint_eq(ioport_read(machine_ioport(m), P + 7, 1), 0x41);
    ioport_write(machine_ioport(m), P + 7, 0xb0, 1);
    ck_assert_int_eq(unimp_msgs, 1);
    ck_assert_ptr_nonnull(strstr(unimp_last, "0xb0"));
    ide_destroy(ide);
    blk_close(bd);
    unlink(path);
    pci_bus_destroy(bus);
    machine_destroy(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ide");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, pci_identity);
    tcase_add_test(tc, signatures_and_empty_bus);
    tcase_add_test(tc, identify_device);
    tcase_add_test(tc, pio_read_lba_chs);
    tcase_add_test(tc, pio_write_and_flush);
    tcase_add_test(tc, read_multiple);
    tcase_add_test(tc, nien_and_soft_reset);
    tcase_add_test(tc, dma_read_write);
    tcase_add_test(tc, misc_commands);
    tcase_add_test(tc, lba48_dma_write_multiple);
    tcase_add_test(tc, read_error_unc);
    tcase_add_test(tc, state_round_trip);
    tcase_add_test(tc, unimp_logged_once);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
