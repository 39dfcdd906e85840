/* vx86-img's argument helpers: sizes with suffixes (qemu-img's rules),
 * human sizes as qemu-img prints them, -o option lists. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/img/img_util.c" /* the tool's helpers are not in vx86core */

START_TEST(sizes)
{
    ck_assert_int_eq(img_parse_size("0"), 0);
    ck_assert_int_eq(img_parse_size("512"), 512);
    ck_assert_int_eq(img_parse_size("1000"), 1024); /* rounded up to sectors */
    ck_assert_int_eq(img_parse_size("1K"), 1024);
    ck_assert_int_eq(img_parse_size("64k"), 65536);
    ck_assert_int_eq(img_parse_size("10M"), 10 << 20);
    ck_assert_int_eq(img_parse_size("1.5G"), 3ll << 29);
    ck_assert_int_eq(img_parse_size("2T"), 2ll << 40);
    ck_assert_int_eq(img_parse_size("3B"), 512);
    ck_assert_int_eq(img_parse_size(""), -1);
    ck_assert_int_eq(img_parse_size("-1"), -1);
    ck_assert_int_eq(img_parse_size("12Q"), -1);
    ck_assert_int_eq(img_parse_size("1MB"), -1);
    ck_assert_int_eq(img_parse_size("1.5"), -1);
    ck_assert_int_eq(img_parse_size("0x10"), -1);
    ck_assert_int_eq(img_parse_size("16E"), -1); /* does not fit */
}
END_TEST

START_TEST(human_sizes)
{
    char b[32];
    img_size_str(0, b, sizeof(b));
    ck_assert_str_eq(b, "0 B");
    img_size_str(512, b, sizeof(b));
    ck_assert_str_eq(b, "512 B");
    img_size_str(196 * 1024, b, sizeof(b));
    ck_assert_str_eq(b, "196 KiB");
    img_size_str(1ull << 30, b, sizeof(b));
    ck_assert_str_eq(b, "1 GiB");
    img_size_str(3ull << 29, b, sizeof(b));
    ck_assert_str_eq(b, "1.5 GiB");
    img_size_str(3607101, b, sizeof(b));
    ck_assert_str_eq(b, "3.44 MiB"); /* as qemu-img prints 3522.56 KiB */
}
END_TEST

START_TEST(option_lists)
{
    struct blk_create_opts o = {0};
    char l1[] = "compat=0.10,backing_file=b.img,backing_fmt=raw,subformat=fixed,cluster_size=4K";
    ck_assert_int_eq(img_parse_options(l1, &o), 0);
    ck_assert_int_eq(o.compat, 2);
    ck_assert_str_eq(o.backing_file, "b.img");
    ck_assert_str_eq(o.backing_format, "raw");
    ck_assert_str_eq(o.subformat, "fixed");
    ck_assert_uint_eq(o.cluster_size, 4096);
    char l2[] = "compat=1.1,size=1M";
    ck_assert_int_eq(img_parse_options(l2, &o), 0);
    ck_assert_int_eq(o.compat, 3);
    ck_assert_uint_eq(o.size, 1 << 20);
    char bad1[] = "compat=2.0", bad2[] = "nosuch=1", bad3[] = "compat",
         bad4[] = "cluster_size=3000";
    ck_assert_int_eq(img_parse_options(bad1, &o), IMG_EXIT_ERROR);
    ck_assert_int_eq(img_parse_options(bad2, &o), IMG_EXIT_ERROR);
    ck_assert_int_eq(img_parse_options(bad3, &o), IMG_EXIT_ERROR);
    ck_assert_int_eq(img_parse_options(bad4, &o), IMG_EXIT_ERROR);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("img_util");
    TCase *tc = tcase_create("img_util");
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, human_sizes);
    tcase_add_test(tc, option_lists);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
