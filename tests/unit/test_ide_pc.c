/* The IDE drives as the board wires them (pc_create with drives): the
 * function at 00:01.1, disks and CD-ROM reachable through the legacy ports,
 * the CMOS disk bytes, the fw_cfg "bootorder" file from -boot, read-only
 * CD-ROMs, and an image given twice for writing refused by the lock. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/fw_cfg.h"
#include "devices/pc.h"
#include "devices/rtc.h"
#include "mmu/ioport.h"
#include "test_util.h"

#define ROM_SIZE (64u << 10)

static char disk_path[64], iso_path[64];

static void make_file(const char *path, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), (off_t)size), 0);
    fclose(f);
}

static void setup(void)
{
    snprintf(disk_path, sizeof disk_path, "/tmp/vx86_test_ide_pc_%d.img", (int)getpid());
    snprintf(iso_path, sizeof iso_path, "/tmp/vx86_test_ide_pc_%d.iso", (int)getpid());
    make_file(disk_path, 40u << 20); /* 81920 sectors: 81 cylinders */
    make_file(iso_path, 100 * 2048);
}

static void teardown(void)
{
    unlink(disk_path);
    unlink(iso_path);
}

static struct pc *make_pc(const struct pc_drive *drives, int n, const char *boot, char *err,
                          size_t errlen)
{
    static uint8_t rom[ROM_SIZE];
    memset(rom, 0xf4, sizeof rom);
    struct pc_config cfg = {
        .machine = {.ram_size = 16u << 20, .bios = rom, .bios_size = sizeof rom},
        .boot_order = boot,
        .vga_bios_path = "",
    };
    for (int i = 0; i < n; i++)
        cfg.drives[i] = drives[i];
    cfg.ndrives = n;
    return pc_create(&cfg, err, errlen);
}

static uint32_t pci_read(struct pc *pc, int devfn, int reg)
{
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    ioport_write(io, 0xcf8, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)reg, 4);
    return ioport_read(io, 0xcfc, 4);
}

static uint8_t in8(struct pc *pc, uint16_t port)
{
    return (uint8_t)ioport_read(machine_ioport(pc_machine(pc)), port, 1);
}

START_TEST(board_drives)
{
    struct pc_drive d[2] = {
        {.file = disk_path, .format = "raw", .interface = PC_IF_IDE, .media = PC_MEDIA_DISK},
        {.file = iso_path, .interface = PC_IF_IDE, .media = PC_MEDIA_CDROM, .index = 2},
    };
    char err[256];
    struct pc *pc = make_pc(d, 2, "dc", err, sizeof err);
    ck_assert_msg(pc != NULL, "pc_create: %s", err);
    ck_assert_uint_eq(pci_read(pc, 0x09, 0), 0x70108086);
    ck_assert_uint_eq(pci_read(pc, 0x09, 8) >> 8, 0x010180);
    /* The disk answers on the primary channel, the CD-ROM on the secondary
     * with the PACKET signature; the empty slaves read 0. */
    ck_assert_uint_eq(in8(pc, 0x1f7), 0x50);
    ck_assert_uint_eq(in8(pc, 0x174), 0x14);
    ck_assert_uint_eq(in8(pc, 0x175), 0xeb);
    ioport_write(machine_ioport(pc_machine(pc)), 0x1f6, 0xb0, 1);
    ck_assert_uint_eq(in8(pc, 0x1f7), 0);
    /* CMOS: drive 0 type 47 with its geometry, the checksum still right. */
    struct rtc *r = pc_rtc(pc);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x12), 0xf0);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x19), 47);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x1b) | rtc_cmos_get(r, 0x1c) << 8, 81);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x1d), 16);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x20), 0xc8);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x23), 63);
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += rtc_cmos_get(r, i);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x2e) << 8 | rtc_cmos_get(r, 0x2f), sum);
    /* bootorder: the CD-ROM, then the disk, NUL-terminated. */
    int key = fw_cfg_find_file(pc_fw_cfg(pc), "bootorder");
    ck_assert_int_ge(key, 0);
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    ioport_write(io, FW_CFG_PORT_SEL, (uint32_t)key, 2);
    char text[128];
    size_t n = 0;
    while (n < sizeof text - 1) {
        text[n] = (char)ioport_read(io, FW_CFG_PORT_DATA, 1);
        if (!text[n++])
            break;
    }
    text[n] = 0;
    ck_assert_str_eq(text, "/pci@i0cf8/ide@1,1/drive@1/disk@0\n"
                           "/pci@i0cf8/ide@1,1/drive@0/disk@0");
    pc_destroy(pc);
    /* Without -boot there is no bootorder file (the CMOS order rules). */
    pc = make_pc(d, 2, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(pc);
    ck_assert_int_lt(fw_cfg_find_file(pc_fw_cfg(pc), "bootorder"), 0);
    pc_destroy(pc);
}
END_TEST

START_TEST(board_refuses)
{
    char err[256];
    /* One image twice for writing: the lock refuses the second. */
    struct pc_drive two[2] = {
        {.file = disk_path, .interface = PC_IF_IDE, .media = PC_MEDIA_DISK, .index = 0},
        {.file = disk_path, .interface = PC_IF_IDE, .media = PC_MEDIA_DISK, .index = 1},
    };
    ck_assert_ptr_null(make_pc(two, 2, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "lock"));
    /* Read-only twice is fine, as is a CD-ROM without a disc. */
    two[0].readonly = two[1].readonly = true;
    struct pc *pc = make_pc(two, 2, NULL, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    pc_destroy(pc);
    struct pc_drive empty = {.interface = PC_IF_IDE, .media = PC_MEDIA_CDROM, .index = 3};
    pc = make_pc(&empty, 1, NULL, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    ioport_write(machine_ioport(pc_machine(pc)), 0x176, 0xb0, 1);
    ck_assert_uint_eq(in8(pc, 0x175), 0xeb);
    pc_destroy(pc);
    /* A missing file names itself. */
    struct pc_drive missing = {.file = "/nonexistent/vx86.img", .interface = PC_IF_IDE};
    ck_assert_ptr_null(make_pc(&missing, 1, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/vx86.img"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ide_pc");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, board_drives);
    tcase_add_test(tc, board_refuses);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
