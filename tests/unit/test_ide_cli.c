/* The drive options of the command line: -hda..-hdd, -cdrom, -fda/-fdb,
 * -drive key=value lists (",," escapes a comma), index allocation and
 * clashes, -snapshot, and the errors that name what is wrong. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/cli.c"
#include "test_util.h"

#include "cli_test_util.h" /* after frontend/cli.c */

START_TEST(legacy_options)
{
    static struct cli_options o;
    const char *a[] = {"-hda", "a.img", "-hdd", "d.img", "-cdrom", "x.iso", "-fdb", "f.img", NULL};
    ck_assert_int_eq(parse(&o, a), CLI_RUN);
    ck_assert_int_eq(o.ndrives, 4);
    ck_assert_str_eq(o.drives[0].file, "a.img");
    ck_assert_int_eq(o.drives[0].interface, PC_IF_IDE);
    ck_assert_int_eq(o.drives[0].media, PC_MEDIA_DISK);
    ck_assert_int_eq(o.drives[0].index, 0);
    ck_assert(!o.drives[0].readonly);
    ck_assert_int_eq(o.drives[1].index, 3);
    ck_assert_int_eq(o.drives[2].media, PC_MEDIA_CDROM);
    ck_assert_int_eq(o.drives[2].index, 2); /* secondary master, as QEMU */
    ck_assert(o.drives[2].readonly);
    ck_assert_int_eq(o.drives[3].interface, PC_IF_FLOPPY);
    ck_assert_int_eq(o.drives[3].index, 1);
    /* -hdc and -cdrom both want index 2. */
    const char *b[] = {"-cdrom", "x.iso", "-hdc", "c.img", NULL};
    ck_assert_int_eq(parse(&o, b), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "-hdc"));
    ck_assert_ptr_nonnull(strstr(err, "already used"));
}
END_TEST

START_TEST(drive_option)
{
    static struct cli_options o;
    const char *a[] = {"-drive", "file=my,,disk.qcow2,format=qcow2,if=ide,index=1,readonly=on",
                       "-drive", "file=cd.iso,media=cdrom",
                       "-drive", "if=ide,media=cdrom",
                       "-drive", "file=fd.img,if=floppy,snapshot=on",
                       NULL};
    ck_assert_int_eq(parse(&o, a), CLI_RUN);
    ck_assert_int_eq(o.ndrives, 4);
    ck_assert_str_eq(o.drives[0].file, "my,disk.qcow2");
    ck_assert_str_eq(o.drives[0].format, "qcow2");
    ck_assert_int_eq(o.drives[0].index, 1);
    ck_assert(o.drives[0].readonly);
    /* No index: the first free one. */
    ck_assert_int_eq(o.drives[1].index, 0);
    ck_assert_int_eq(o.drives[1].media, PC_MEDIA_CDROM);
    ck_assert_ptr_null(o.drives[1].format);
    ck_assert_ptr_null(o.drives[2].file); /* an empty CD-ROM drive */
    ck_assert_int_eq(o.drives[2].index, 2);
    ck_assert_int_eq(o.drives[3].interface, PC_IF_FLOPPY);
    ck_assert(o.drives[3].snapshot);
    ck_assert(!o.drives[0].snapshot);
    /* -snapshot: every drive. */
    const char *b[] = {"-hda", "a.img", "-snapshot", "-hdb", "b.img", NULL};
    ck_assert_int_eq(parse(&o, b), CLI_RUN);
    ck_assert(o.snapshot);
    ck_assert(o.drives[0].snapshot && o.drives[1].snapshot);
}
END_TEST

START_TEST(drive_errors)
{
    static struct cli_options o;
    static const char *const bad[][3] = {
        {"-drive", "file=a.img,if=scsi", "if=scsi"},
        {"-drive", "file=a.img,media=tape", "media=tape"},
        {"-drive", "file=a.img,index=4", "out of range"},
        {"-drive", "file=a.img,index=x", "index=x"},
        {"-drive", "file=a.img,bogus=1", "bogus"},
        {"-drive", "file=a.img,readonly=maybe", "readonly=maybe"},
        {"-drive", "format=raw", "file="},
        {"-drive", "file=a.img,if=floppy,media=cdrom", "if=ide"},
        {"-drive", "nonsense", "key=value"},
        {"-hda", "", "empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *a[] = {bad[i][0], bad[i][1], NULL};
        ck_assert_int_eq(parse(&o, a), CLI_ERROR);
        ck_assert_msg(strstr(err, bad[i][2]) != NULL, "'%s': %s", bad[i][1], err);
    }
    /* Five IDE drives do not fit. */
    const char *c[] = {"-hda", "a", "-hdb",   "b",      "-hdc", "c",
                       "-hdd", "d", "-drive", "file=e", NULL};
    ck_assert_int_eq(parse(&o, c), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "no free IDE"));
    /* -boot keeps its letters. */
    const char *d[] = {"-boot", "order=dc,menu=on", NULL};
    ck_assert_int_eq(parse(&o, d), CLI_RUN);
    ck_assert_str_eq(o.boot_order, "dc");
    ck_assert(o.boot_menu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ide_cli");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, legacy_options);
    tcase_add_test(tc, drive_option);
    tcase_add_test(tc, drive_errors);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
