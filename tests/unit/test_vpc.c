/* VHD: CHS geometry and sizes as Virtual PC/qemu-img compute them, fixed and
 * dynamic images written and read against a model, the footer copy,
 * differencing disks (bitmaps, parent locators, parent UUID), check, and
 * malformed images refused with a message naming the problem. */
#include <errno.h>
#include <sys/stat.h>

#include "blk_test_util.h"
#include "devices/block/file_io.h"
#include "devices/block/vpc_format.h"

static char dir[256];
static char err[512];
static char img[300];

static void setup(void)
{
    blkt_mkdir(dir, sizeof(dir));
    blkt_path(img, sizeof(img), dir, "t.vhd");
}
static void teardown(void)
{
    blkt_rmdir(dir);
}

static void create(const char *p, uint64_t size, const char *sub, const char *backing)
{
    struct blk_create_opts o = {.size = size, .subformat = sub, .backing_file = backing};
    ck_assert_msg(blk_create(p, "vpc", &o, err, sizeof(err)) == 0, "%s", err);
}

static struct blockdev *open_img(const char *p, int flags)
{
    struct blockdev *bd = blk_open(p, NULL, flags, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_ptr_eq(bd->drv, &blk_driver_vpc);
    return bd;
}

/* The shared block-test helpers (blk_test_util.h), for this format. */
#define assert_refused(p, what) blkt_assert_refused(p, "vpc", what)
#define check_image(p) blkt_check_image(p, "vpc")

/* Sizes that qemu-img 7.2 reports for `create -f vpc FILE SIZE`: the size
 * rounded up to a whole CHS geometry (the spec's algorithm), except at the
 * maximum geometry (127 GiB and up), where the footer's size is used. */
START_TEST(geometry_and_size)
{
    static const struct {
        uint64_t asked, got;
    } t[] = {
        {1ull << 20, 1079296},           {10ull << 20, 10514432},         {24ull << 20, 25171968},
        {100ull << 20, 104865792},       {1ull << 30, 1073995776},        {5ull << 30, 5368946688},
        {127ull << 30, 136365219840ull}, {200ull << 30, 214748364800ull},
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        create(img, t[i].asked, NULL, NULL);
        struct blockdev *bd = open_img(img, BLK_RDONLY);
        ck_assert_msg(blk_sectors(bd) * BLK_SECTOR == t[i].got, "%llu: %llu, expected %llu",
                      (unsigned long long)t[i].asked,
                      (unsigned long long)blk_sectors(bd) * BLK_SECTOR,
                      (unsigned long long)t[i].got);
        blk_close(bd);
    }
    /* the spec's own examples of the algorithm's branches */
    uint16_t c;
    uint8_t h, s;
    vpc_geometry(65535ull * 16 * 255 + 1000, &c, &h, &s);
    ck_assert_uint_eq(c, 65535);
    ck_assert_uint_eq(h, 16);
    ck_assert_uint_eq(s, 255);
    vpc_geometry(20480, &c, &h, &s); /* 10 MiB: 17 sectors, 4 heads */
    ck_assert_uint_eq(s, 17);
    ck_assert_uint_eq(h, 4);
    ck_assert_uint_eq(c, 301);
}
END_TEST

/* The footer's current size against its CHS size: which one is the disk
 * size depends on the creator application (qemu's rule, block/vpc.c). */
START_TEST(creator_size_rule)
{
    create(img, 10ull << 20, "fixed", NULL);
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    uint64_t foot = (uint64_t)st.st_size - VPC_FOOTER_SIZE;
    uint8_t f[VPC_FOOTER_SIZE];
    blkt_peek(img, foot, f, sizeof(f));
    uint64_t chs = (uint64_t)blk_be16(f + VPC_F_CYLS) * f[VPC_F_HEADS] * f[VPC_F_SPT];
    /* a smaller current size: Hyper-V's "win " uses it, Virtual PC the CHS */
    static const struct {
        const char *app;
        bool current;
    } t[] = {{"win ", true}, {"d2v ", true}, {"qem2", true}, {"vpc ", false}, {"vs  ", false}};
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memcpy(f + VPC_F_CREATOR_APP, t[i].app, 4);
        blkt_be64(f + VPC_F_CUR_SIZE, (chs - 100) * BLK_SECTOR);
        blkt_be32(f + VPC_F_CHECKSUM, vpc_checksum(f, sizeof(f), VPC_F_CHECKSUM));
        blkt_poke(img, foot, f, sizeof(f));
        struct blockdev *bd = open_img(img, BLK_RDONLY);
        ck_assert_uint_eq(blk_sectors(bd), t[i].current ? chs - 100 : chs);
        blk_close(bd);
    }
}
END_TEST

static const struct blkt_wr writes[] = {
    {0, 1}, {7, 9}, {4095, 2}, {4096, 4096}, {8191, 3}, {12000, 1}, {7, 1},
};

START_TEST(round_trip)
{
    const char *sub = _i ? "fixed" : "dynamic";
    create(img, 10ull << 20, sub, NULL);
    struct blockdev *bd = open_img(img, 0);
    uint64_t sectors = blk_sectors(bd);
    uint8_t *model = calloc(sectors, BLK_SECTOR);
    blkt_write_model(bd, model, writes, sizeof(writes) / sizeof(writes[0]), 1);
    uint8_t last[BLK_SECTOR];
    blkt_fill(last, sectors - 1, 1, 77);
    ck_assert_int_eq(blk_write(bd, sectors - 1, last, 1), 0);
    memcpy(model + (sectors - 1) * BLK_SECTOR, last, BLK_SECTOR);
    ck_assert_int_eq(blk_flush(bd), 0);
    blkt_assert_model(bd, model, sectors);
    struct blk_info info;
    ck_assert_int_eq(blk_info(bd, &info), 0);
    ck_assert_str_eq(info.subformat, sub);
    blk_close(bd);
    bd = open_img(img, BLK_RDONLY);
    blkt_assert_model(bd, model, sectors);
    blk_close(bd);
    struct blk_check_result res = check_image(img);
    ck_assert_msg(res.corruptions == 0, "%s", res.message);
    /* the footer is the last sector and its copy (dynamic) the first */
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    uint8_t a[VPC_FOOTER_SIZE], b[VPC_FOOTER_SIZE];
    blkt_peek(img, (uint64_t)st.st_size - VPC_FOOTER_SIZE, a, sizeof(a));
    ck_assert(!memcmp(a, "conectix", 8));
    if (!_i) {
        blkt_peek(img, 0, b, sizeof(b));
        ck_assert(!memcmp(a, b, sizeof(a)));
        /* only the 4 blocks written (0, 1, 2, 5): footer copy, header, BAT
         * sector, 4 x (bitmap sector + 2 MiB), footer */
        ck_assert_uint_eq((uint64_t)st.st_size, 512 + 1024 + 512 + 4 * (512 + (2u << 20)) + 512);
    }
    free(model);
}
END_TEST

START_TEST(footer_copy)
{
    create(img, 10ull << 20, NULL, NULL);
    struct blockdev *bd = open_img(img, 0);
    uint64_t sectors = blk_sectors(bd);
    blkt_write_model(bd, NULL, writes, 2, 1);
    blk_close(bd);
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    uint64_t foot = (uint64_t)st.st_size - VPC_FOOTER_SIZE;
    uint8_t junk[4] = {1, 2, 3, 4};
    /* a bad checksum at the end: the good copy at the start is used */
    blkt_poke(img, foot + 100, junk, 4);
    bd = open_img(img, 0);
    ck_assert_uint_eq(blk_sectors(bd), sectors);
    uint8_t r[BLK_SECTOR], w[BLK_SECTOR];
    ck_assert_int_eq(blk_read(bd, 0, r, 1), 0);
    blkt_fill(w, 0, 1, 1);
    ck_assert(!memcmp(r, w, BLK_SECTOR));
    blk_close(bd);
    struct blk_check_result res = check_image(img);
    ck_assert_uint_ge(res.corruptions, 1);
    ck_assert_msg(strstr(res.message, "footer"), "%s", res.message);
    /* writing a new block puts a good footer at the new end */
    bd = open_img(img, 0);
    blkt_fill(w, 19000, 1, 5);
    ck_assert_int_eq(blk_write(bd, 19000, w, 1), 0);
    blk_close(bd);
    res = check_image(img);
    ck_assert_msg(res.corruptions == 0, "%s", res.message);
    bd = open_img(img, BLK_RDONLY);
    ck_assert_int_eq(blk_read(bd, 19000, r, 1), 0);
    ck_assert(!memcmp(r, w, BLK_SECTOR));
    blk_close(bd);
    /* both footers bad: refused */
    ck_assert_int_eq(stat(img, &st), 0);
    blkt_poke(img, (uint64_t)st.st_size - VPC_FOOTER_SIZE + 100, junk, 4);
    blkt_poke(img, 100, junk, 4);
    assert_refused(img, "checksum mismatch and there is no valid copy");
    /* a fixed image has no copy */
    create(img, 1ull << 20, "fixed", NULL);
    ck_assert_int_eq(stat(img, &st), 0);
    blkt_poke(img, (uint64_t)st.st_size - VPC_FOOTER_SIZE + 100, junk, 4);
    assert_refused(img, "checksum mismatch");
    blkt_poke(img, (uint64_t)st.st_size - VPC_FOOTER_SIZE, "xonectix", 8);
    assert_refused(img, "bad cookie");
}
END_TEST

START_TEST(malformed_refused)
{
    create(img, 10ull << 20, NULL, NULL);
    struct blockdev *bd = open_img(img, 0);
    blkt_write_model(bd, NULL, writes, 3, 1);
    blk_close(bd);
    char bad[300], cmd[700];
    blkt_path(bad, sizeof(bad), dir, "bad.vhd");
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", img, bad);
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    uint8_t b[8];
    /* BAT entry past the end of the file */
    ck_assert_int_eq(system(cmd), 0);
    blkt_be32(b, (uint32_t)(st.st_size / BLK_SECTOR));
    blkt_poke(bad, 1536 + 4, b, 4);
    assert_refused(bad, "entry 1 points past the end");
    /* header checksum */
    ck_assert_int_eq(system(cmd), 0);
    blkt_poke(bad, 512 + VPC_H_BLOCK_SIZE, "\0\0\x10\0", 4);
    assert_refused(bad, "header checksum mismatch");
    /* header cookie */
    ck_assert_int_eq(system(cmd), 0);
    blkt_poke(bad, 512, "cxsparsX", 8);
    assert_refused(bad, "bad cookie");
    /* BAT past the end: fix up the header checksum so the BAT check is reached */
    ck_assert_int_eq(system(cmd), 0);
    uint8_t h[VPC_HEADER_SIZE];
    blkt_peek(bad, 512, h, sizeof(h));
    blkt_be64(h + VPC_H_TABLE, (uint64_t)st.st_size);
    blkt_be32(h + VPC_H_CHECKSUM, vpc_checksum(h, sizeof(h), VPC_H_CHECKSUM));
    blkt_poke(bad, 512, h, sizeof(h));
    assert_refused(bad, "allocation table lies past the end");
    /* block size not a power of two */
    blkt_peek(img, 512, h, sizeof(h));
    blkt_be32(h + VPC_H_BLOCK_SIZE, 3000);
    blkt_be32(h + VPC_H_CHECKSUM, vpc_checksum(h, sizeof(h), VPC_H_CHECKSUM));
    blkt_poke(bad, 512, h, sizeof(h));
    assert_refused(bad, "block size");
    /* too few BAT entries for the size */
    blkt_peek(img, 512, h, sizeof(h));
    blkt_be32(h + VPC_H_MAX_ENTRIES, 2);
    blkt_be32(h + VPC_H_CHECKSUM, vpc_checksum(h, sizeof(h), VPC_H_CHECKSUM));
    blkt_poke(bad, 512, h, sizeof(h));
    assert_refused(bad, "allocation table has 2 entries");
    /* truncated file */
    snprintf(cmd, sizeof(cmd), "head -c 700 '%s' > '%s'", img, bad);
    ck_assert_int_eq(system(cmd), 0);
    assert_refused(bad, "no valid copy");
    /* check: two BAT entries on one block */
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", img, bad);
    ck_assert_int_eq(system(cmd), 0);
    uint8_t e0[4];
    blkt_peek(bad, 1536, e0, 4);
    blkt_poke(bad, 1536 + 4, e0, 4);
    struct blk_check_result res = check_image(bad);
    ck_assert_uint_ge(res.corruptions, 1);
    ck_assert_msg(strstr(res.message, "overlap"), "%s", res.message);
}
END_TEST

START_TEST(differencing)
{
    char child[300], base2[300];
    blkt_path(child, sizeof(child), dir, "child.vhd");
    create(img, 10ull << 20, NULL, NULL);
    struct blockdev *bd = open_img(img, 0);
    uint64_t sectors = blk_sectors(bd);
    uint8_t *model = calloc(sectors, BLK_SECTOR);
    static const struct blkt_wr base_w[] = {{0, 64}, {4096, 100}, {10000, 8}};
    blkt_write_model(bd, model, base_w, 3, 3);
    blk_close(bd);
    create(child, 0, NULL, "t.vhd");
    bd = open_img(child, 0);
    ck_assert_uint_eq(blk_sectors(bd), sectors);
    struct blk_info info;
    ck_assert_int_eq(blk_info(bd, &info), 0);
    ck_assert_str_eq(info.subformat, "differencing");
    ck_assert_str_eq(info.backing_file, "t.vhd");
    blkt_assert_model(bd, model, sectors);
    /* single sectors inside the parent's data: the bitmap keeps the rest */
    static const struct blkt_wr child_w[] = {{5, 1}, {4100, 3}, {9000, 1}, {4101, 1}};
    blkt_write_model(bd, model, child_w, 4, 13);
    blkt_assert_model(bd, model, sectors);
    uint32_t run = 0;
    ck_assert_int_eq(blk_driver_vpc.is_allocated(bd, 4096, 16, &run), 0);
    ck_assert_uint_eq(run, 4);
    ck_assert_int_eq(blk_driver_vpc.is_allocated(bd, 4100, 16, &run), 1);
    ck_assert_uint_eq(run, 3);
    blk_close(bd);
    bd = open_img(child, BLK_RDONLY);
    blkt_assert_model(bd, model, sectors);
    blk_close(bd);
    struct blk_check_result res = check_image(child);
    ck_assert_msg(res.corruptions == 0, "%s", res.message);

    /* the locators are what finds the parent: wipe the header name */
    uint8_t h[VPC_HEADER_SIZE];
    blkt_peek(child, 512, h, sizeof(h));
    ck_assert(!memcmp(h + VPC_H_LOCATORS, "W2ru", 4));
    ck_assert(!memcmp(h + VPC_H_LOCATORS + 24, "W2ku", 4));
    memset(h + VPC_H_PARENT_NAME, 0, 512);
    blkt_be32(h + VPC_H_CHECKSUM, vpc_checksum(h, sizeof(h), VPC_H_CHECKSUM));
    blkt_poke(child, 512, h, sizeof(h));
    bd = open_img(child, BLK_RDONLY);
    blkt_assert_model(bd, model, sectors);
    blk_close(bd);
    /* and the header's name alone too */
    uint8_t saved[48];
    memcpy(saved, h + VPC_H_LOCATORS, 48);
    memset(h + VPC_H_LOCATORS, 0, 48);
    static const uint8_t name_be[] = {0, 't', 0, '.', 0, 'v', 0, 'h', 0, 'd'};
    memcpy(h + VPC_H_PARENT_NAME, name_be, sizeof(name_be));
    blkt_be32(h + VPC_H_CHECKSUM, vpc_checksum(h, sizeof(h), VPC_H_CHECKSUM));
    blkt_poke(child, 512, h, sizeof(h));
    bd = open_img(child, BLK_RDONLY);
    blkt_assert_model(bd, model, sectors);
    blk_close(bd);
    /* no locator, no name: refused naming the problem */
    memset(h + VPC_H_PARENT_NAME, 0, 512);
    blkt_be32(h + VPC_H_CHECKSUM, vpc_checksum(h, sizeof(h), VPC_H_CHECKSUM));
    blkt_poke(child, 512, h, sizeof(h));
    assert_refused(child, "cannot find the parent");
    memcpy(h + VPC_H_LOCATORS, saved, 48);
    blkt_be32(h + VPC_H_CHECKSUM, vpc_checksum(h, sizeof(h), VPC_H_CHECKSUM));
    blkt_poke(child, 512, h, sizeof(h));
    /* a different parent under the same name: the UUID check refuses it */
    blkt_path(base2, sizeof(base2), dir, "t2.vhd");
    create(base2, 10ull << 20, NULL, NULL);
    ck_assert_int_eq(rename(base2, img), 0);
    assert_refused(child, "UUID");
    free(model);
}
END_TEST

START_TEST(random_corruption)
{
    create(img, 10ull << 20, NULL, NULL);
    struct blockdev *bd = open_img(img, 0);
    blkt_write_model(bd, NULL, writes, 4, 1);
    blk_close(bd);
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    size_t len = (size_t)st.st_size;
    uint8_t *orig = malloc(len);
    blkt_peek(img, 0, orig, len);
    char bad[300];
    blkt_path(bad, sizeof(bad), dir, "bad.vhd");
    uint32_t seed = 777;
    uint8_t *buf = malloc(64 * BLK_SECTOR);
    for (int round = 0; round < 200; round++) {
        int fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ck_assert_int_eq(write(fd, orig, len), (ssize_t)len);
        close(fd);
        for (int k = 0; k < 1 + round % 6; k++) {
            seed = seed * 1103515245u + 12345u;
            /* footer copy, header, BAT, or the end footer */
            uint64_t off = (seed >> 8) % 2048;
            if (round % 4 == 3)
                off = len - VPC_FOOTER_SIZE + (seed >> 8) % VPC_FOOTER_SIZE;
            seed = seed * 1103515245u + 12345u;
            uint8_t v = (uint8_t)(seed >> 16);
            blkt_poke(bad, off, &v, 1);
        }
        bd = blk_open(bad, "vpc", BLK_RDONLY, err, sizeof(err));
        if (!bd) {
            ck_assert_msg(err[0], "refused without a message");
            continue;
        }
        uint64_t n = blk_sectors(bd) < 30000 ? blk_sectors(bd) : 30000;
        for (uint64_t s = 0; s < n; s += 64)
            (void)blk_read(bd, s, buf, n - s < 64 ? (uint32_t)(n - s) : 64);
        struct blk_check_result res;
        (void)blk_check(bd, &res);
        blk_close(bd);
    }
    free(buf);
    free(orig);
}
END_TEST

static Suite *vpc_suite(void)
{
    Suite *s = suite_create("vpc");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, geometry_and_size);
    tcase_add_test(tc, creator_size_rule);
    tcase_add_loop_test(tc, round_trip, 0, 2);
    tcase_add_test(tc, footer_copy);
    tcase_add_test(tc, malformed_refused);
    tcase_add_test(tc, differencing);
    tcase_add_test(tc, random_corruption);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vpc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
