/* The floppy wiring of the PC board (devices/pc.c): CMOS drive types (0x10)
 * and equipment byte (0x14) from the inserted media, the FDC and DMA ports
 * on the full machine with port 0x80 still the POST latch, readonly=on as
 * write protection, and a clear refusal of images of no floppy size. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/pc.h"
#include "devices/rtc.h"
#include "mmu/ioport.h"
#include "test_util.h"

static void make_file(char *path, size_t bytes)
{
    strcpy(path, "/tmp/vx86-fdcpc-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)bytes), 0);
    close(fd);
}

static struct pc *make_pc(const struct pc_drive *drives, int n, char *err, size_t errlen)
{
    struct pc_config cfg = {.machine = {.ram_size = 16u << 20, .deterministic = true}};
    for (int i = 0; i < n; i++)
        cfg.drives[i] = drives[i];
    cfg.ndrives = n;
    return pc_create(&cfg, err, errlen);
}

static uint8_t in8(struct pc *pc, uint16_t port)
{
    return (uint8_t)ioport_read(machine_ioport(pc_machine(pc)), port, 1);
}
static void out8(struct pc *pc, uint16_t port, uint8_t v)
{
    ioport_write(machine_ioport(pc_machine(pc)), port, v, 1);
}

START_TEST(no_floppy)
{
    char err[256];
    struct pc *pc = make_pc(NULL, 0, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x10), 0x00);
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x14), 0x06);
    /* The controller is there anyway: idle MSR, VERSION answers. */
    ck_assert_uint_eq(in8(pc, 0x3f4), 0x80);
    out8(pc, 0x3f5, 0x10);
    ck_assert_uint_eq(in8(pc, 0x3f5), 0x90);
    /* Page registers next to the POST latch. */
    out8(pc, 0x80, 0x5a);
    out8(pc, 0x81, 0x12);
    out8(pc, 0x87, 0x34);
    ck_assert_uint_eq(in8(pc, 0x80), 0x5a);
    ck_assert_uint_eq(in8(pc, 0x81), 0x12);
    ck_assert_uint_eq(in8(pc, 0x87), 0x34);
    ck_assert_int_eq(machine_post_code(pc_machine(pc)), 0x5a);
    pc_destroy(pc);
}
END_TEST

START_TEST(two_floppies)
{
    char a[64], b[64], err[256];
    make_file(a, 1474560);
    make_file(b, 737280);
    struct pc_drive d[2] = {
        {.file = a, .format = "raw", .interface = PC_IF_FLOPPY, .index = 0},
        {.file = b, .format = "raw", .interface = PC_IF_FLOPPY, .index = 1, .readonly = true},
    };
    struct pc *pc = make_pc(d, 2, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    /* A: 1.44 MB (4), B: 720 KiB (3); two drives: bits 7:6 = 1, bit 0. */
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x10), 0x43);
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x14), 0x47);
    /* CMOS checksum over 0x10-0x2D still right. */
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += rtc_cmos_get(pc_rtc(pc), i);
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x2e), (sum >> 8) & 0xff);
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x2f), sum & 0xff);
    /* SENSE DRIVE STATUS: B is write-protected, A is not. */
    out8(pc, 0x3f5, 0x04);
    out8(pc, 0x3f5, 0x00);
    ck_assert_uint_eq(in8(pc, 0x3f5) & 0x40, 0x00);
    out8(pc, 0x3f5, 0x04);
    out8(pc, 0x3f5, 0x01);
    ck_assert_uint_eq(in8(pc, 0x3f5) & 0x40, 0x40);
    pc_destroy(pc);

    /* Only B: one drive, type in the low nibble. */
    struct pc_drive only_b = d[1];
    pc = make_pc(&only_b, 1, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x10), 0x03);
    ck_assert_uint_eq(rtc_cmos_get(pc_rtc(pc), 0x14), 0x07);
    pc_destroy(pc);
    unlink(a);
    unlink(b);
}
END_TEST

START_TEST(bad_size)
{
    char a[64], err[256];
    make_file(a, 1228800); /* a 5.25" 1.2 MB image: no 3.5" drive reads it */
    struct pc_drive d = {.file = a, .format = "raw", .interface = PC_IF_FLOPPY, .index = 0};
    struct pc *pc = make_pc(&d, 1, err, sizeof err);
    ck_assert_ptr_null(pc);
    ck_assert_msg(strstr(err, "1228800") && strstr(err, "1.44 MB"), "message: %s", err);
    unlink(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fdc_pc");
    TCase *tc = tcase_create("board");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, no_floppy);
    tcase_add_test(tc, two_floppies);
    tcase_add_test(tc, bad_size);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
