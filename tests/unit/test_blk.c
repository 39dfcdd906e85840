/* The generic block layer with the raw driver: create, read/write, probing
 * (and the probed-raw first-sector rule), file locks, -snapshot overlays,
 * backing chains with relative names and loops, range checks. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "blk_test_util.h"

static char dir[256];
static char err[512];

static void setup(void)
{
    blkt_mkdir(dir, sizeof(dir));
}
static void teardown(void)
{
    blkt_rmdir(dir);
}

static void make_raw(const char *path, uint64_t bytes)
{
    struct blk_create_opts o = {.size = bytes};
    ck_assert_int_eq(blk_create(path, "raw", &o, err, sizeof(err)), 0);
}

START_TEST(raw_create_is_sparse_and_reads_zeros)
{
    char p[300];
    blkt_path(p, sizeof(p), dir, "a.raw");
    make_raw(p, 64 << 20);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_size, 64 << 20);
    ck_assert_int_lt(st.st_blocks * 512, 1 << 20); /* a hole, not 64 MiB of zeros */
    struct blockdev *bd = blk_open(p, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_str_eq(bd->drv->name, "raw");
    ck_assert_uint_eq(blk_sectors(bd), (64 << 20) / 512);
    uint8_t buf[4096];
    memset(buf, 0xAA, sizeof(buf));
    ck_assert_int_eq(blk_read(bd, 1000, buf, 8), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_uint_eq(buf[i], 0);
    blk_close(bd);
}
END_TEST

START_TEST(raw_write_reaches_file)
{
    char p[300];
    blkt_path(p, sizeof(p), dir, "a.raw");
    make_raw(p, 1 << 20);
    struct blockdev *bd = blk_open(p, "raw", 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    uint8_t w[3 * 512], r[3 * 512];
    blkt_fill(w, 77, 3, 1);
    ck_assert_int_eq(blk_write(bd, 77, w, 3), 0);
    ck_assert_int_eq(blk_flush(bd), 0);
    ck_assert_int_eq(blk_read(bd, 77, r, 3), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    blkt_peek(p, 77 * 512, r, sizeof(r));
    ck_assert_mem_eq(r, w, sizeof(w));
    /* Out of range and zero-length accesses */
    ck_assert_int_eq(blk_read(bd, 2047, r, 2), -EINVAL);
    ck_assert_int_eq(blk_write(bd, 2048, w, 1), -EINVAL);
    ck_assert_int_eq(blk_read(bd, UINT64_MAX, r, 1), -EINVAL);
    ck_assert_int_eq(blk_read(bd, 2047, r, 1), 0);
    struct blk_info in;
    ck_assert_int_eq(blk_info(bd, &in), 0);
    ck_assert_str_eq(in.format, "raw");
    ck_assert_uint_eq(in.virtual_size, 1 << 20);
    ck_assert_uint_ge(in.allocated_size, 512);
    ck_assert_ptr_null(in.backing_file);
    blk_close(bd);
}
END_TEST

START_TEST(readonly_refuses_writes)
{
    char p[300];
    blkt_path(p, sizeof(p), dir, "a.raw");
    make_raw(p, 1 << 20);
    struct blockdev *bd = blk_open(p, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    uint8_t w[512] = {1};
    ck_assert(blk_readonly(bd));
    ck_assert_int_eq(blk_write(bd, 0, w, 1), -EROFS);
    blk_close(bd);
}
END_TEST

START_TEST(second_writer_is_refused)
{
    char p[300];
    blkt_path(p, sizeof(p), dir, "locked.raw");
    make_raw(p, 1 << 20);
    struct blockdev *a = blk_open(p, NULL, 0, err, sizeof(err));
    ck_assert_msg(a, "%s", err);
    struct blockdev *b = blk_open(p, NULL, 0, err, sizeof(err));
    ck_assert_ptr_null(b);
    ck_assert_msg(strstr(err, "locked.raw") && strstr(err, "lock"), "%s", err);
    b = blk_open(p, NULL, BLK_RDONLY, err, sizeof(err)); /* a reader would see torn data */
    ck_assert_ptr_null(b);
    b = blk_open(p, NULL, BLK_RDONLY | BLK_NOLOCK, err, sizeof(err)); /* -U */
    ck_assert_msg(b, "%s", err);
    blk_close(b);
    blk_close(a);
    /* Readers share; a writer is then refused; after they close it may open. */
    a = blk_open(p, NULL, BLK_RDONLY, err, sizeof(err));
    b = blk_open(p, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert(a && b);
    ck_assert_ptr_null(blk_open(p, NULL, 0, err, sizeof(err)));
    blk_close(a);
    blk_close(b);
    a = blk_open(p, NULL, 0, err, sizeof(err));
    ck_assert_msg(a, "%s", err);
    blk_close(a);
}
END_TEST

START_TEST(probed_raw_cannot_become_qcow2)
{
    char p[300];
    blkt_path(p, sizeof(p), dir, "a.raw");
    make_raw(p, 1 << 20);
    uint8_t s0[512] = {0};
    blkt_be32(s0, 0x514649fb); /* "QFI\xfb", version 3 */
    blkt_be32(s0 + 4, 3);
    struct blockdev *bd = blk_open(p, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_int_eq(blk_write(bd, 0, s0, 1), -EPERM);
    ck_assert_int_eq(blk_write(bd, 1, s0, 1), 0); /* only the first sector matters */
    uint8_t plain[512] = {0xEB, 0x3C, 0x90};
    ck_assert_int_eq(blk_write(bd, 0, plain, 1), 0);
    blk_close(bd);
    bd = blk_open(p, "raw", 0, err, sizeof(err)); /* named raw: the guest owns sector 0 */
    ck_assert_int_eq(blk_write(bd, 0, s0, 1), 0);
    blk_close(bd);
}
END_TEST

static int count_snapshots(const char *d)
{
    DIR *dp = opendir(d);
    ck_assert_ptr_nonnull(dp);
    int n = 0;
    for (struct dirent *e; (e = readdir(dp));)
        n += strncmp(e->d_name, "vx86-snapshot-", 14) == 0;
    closedir(dp);
    return n;
}

START_TEST(snapshot_discards_writes)
{
    char p[300], tmp[300];
    blkt_path(p, sizeof(p), dir, "base.raw");
    blkt_path(tmp, sizeof(tmp), dir, "tmp");
    ck_assert_int_eq(mkdir(tmp, 0700), 0);
    setenv("TMPDIR", tmp, 1);
    make_raw(p, 4 << 20);
    uint8_t w[1024], r[1024], orig[1024];
    blkt_fill(orig, 10, 2, 5);
    struct blockdev *bd = blk_open(p, NULL, 0, err, sizeof(err));
    ck_assert_int_eq(blk_write(bd, 10, orig, 2), 0);
    blk_close(bd);

    bd = blk_open(p, NULL, BLK_SNAPSHOT, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_int_eq(count_snapshots(tmp), 0); /* unlinked at once */
    ck_assert(!blk_readonly(bd));
    ck_assert_uint_eq(blk_sectors(bd), (4 << 20) / 512);
    ck_assert_int_eq(blk_read(bd, 10, r, 2), 0);
    ck_assert_mem_eq(r, orig, sizeof(r));
    blkt_fill(w, 11, 2, 9); /* straddles old data and zeros, partial cluster */
    ck_assert_int_eq(blk_write(bd, 11, w, 2), 0);
    ck_assert_int_eq(blk_flush(bd), 0);
    ck_assert_int_eq(blk_read(bd, 10, r, 2), 0);
    ck_assert_mem_eq(r, orig, 512);
    ck_assert_mem_eq(r + 512, w, 512);
    /* The base is only read-locked: another writer is refused meanwhile. */
    ck_assert_ptr_null(blk_open(p, NULL, 0, err, sizeof(err)));
    blk_close(bd);
    blkt_peek(p, 10 * 512, r, sizeof(r));
    ck_assert_mem_eq(r, orig, sizeof(r));
    ck_assert_int_eq(count_snapshots(tmp), 0);
}
END_TEST

START_TEST(backing_chain_relative_names)
{
    char sub[300], base[300], mid[300], top[300];
    blkt_path(sub, sizeof(sub), dir, "imgs");
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    blkt_path(base, sizeof(base), sub, "base.raw");
    blkt_path(mid, sizeof(mid), sub, "mid.qcow2");
    blkt_path(top, sizeof(top), sub, "top.qcow2");
    make_raw(base, 2 << 20);
    uint8_t w[512 * 4], r[512 * 4];
    struct blockdev *bd = blk_open(base, "raw", 0, err, sizeof(err));
    blkt_fill(w, 0, 4, 1);
    ck_assert_int_eq(blk_write(bd, 100, w, 4), 0);
    blk_close(bd);
    /* Names relative to the overlay's directory, not to the cwd. */
    struct blk_create_opts o = {.backing_file = "base.raw", .backing_format = "raw"};
    ck_assert_msg(blk_create(mid, "qcow2", &o, err, sizeof(err)) == 0, "%s", err);
    struct blk_create_opts o2 = {.backing_file = "mid.qcow2"}; /* format probed, size inherited */
    ck_assert_msg(blk_create(top, "qcow2", &o2, err, sizeof(err)) == 0, "%s", err);
    bd = blk_open(mid, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    blkt_fill(w, 0, 1, 2);
    ck_assert_int_eq(blk_write(bd, 101, w, 1), 0);
    blk_close(bd);
    bd = blk_open(top, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_uint_eq(blk_sectors(bd), (2 << 20) / 512);
    ck_assert_ptr_nonnull(bd->backing);
    ck_assert_ptr_nonnull(bd->backing->backing);
    ck_assert(bd->backing->readonly && bd->backing->backing->readonly);
    struct blk_info in;
    ck_assert_int_eq(blk_info(bd, &in), 0);
    ck_assert_str_eq(in.backing_file, "mid.qcow2");
    ck_assert_str_eq(in.backing_format, "qcow2");
    ck_assert_int_eq(blk_read(bd, 100, r, 4), 0);
    uint8_t e[512 * 4];
    blkt_fill(e, 0, 4, 1);
    blkt_fill(e + 512, 0, 1, 2);
    ck_assert_mem_eq(r, e, sizeof(e));
    uint32_t run;
    ck_assert_int_eq(blk_block_status(bd, 100, 4, &run), 1);
    ck_assert_int_eq(blk_block_status(bd, 3000, 8, &run), 0);
    blk_close(bd);
}
END_TEST

START_TEST(backing_loop_is_refused)
{
    char a[300], b[300];
    blkt_path(a, sizeof(a), dir, "a.qcow2");
    blkt_path(b, sizeof(b), dir, "b.qcow2");
    struct blk_create_opts o = {.size = 1 << 20};
    ck_assert_int_eq(blk_create(a, "qcow2", &o, err, sizeof(err)), 0);
    struct blk_create_opts ob = {.size = 1 << 20, .backing_file = "a.qcow2"};
    ck_assert_int_eq(blk_create(b, "qcow2", &ob, err, sizeof(err)), 0);
    /* Make a's backing file b: a -> b -> a. Same layout, so patch a's header. */
    struct blk_create_opts oa = {
        .size = 1 << 20, .backing_file = "b.qcow2", .backing_format = "qcow2"};
    char tmp[300];
    blkt_path(tmp, sizeof(tmp), dir, "a2.qcow2");
    ck_assert_int_eq(blk_create(tmp, "qcow2", &oa, err, sizeof(err)), 0);
    ck_assert_int_eq(rename(tmp, a), 0);
    struct blockdev *bd = blk_open(a, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_ptr_null(bd);
    ck_assert_msg(strstr(err, "loop"), "%s", err);
    /* An image that is its own backing file */
    struct blk_create_opts os = {
        .size = 1 << 20, .backing_file = "self.qcow2", .backing_format = "qcow2"};
    char self[300];
    blkt_path(self, sizeof(self), dir, "self.qcow2");
    ck_assert_int_eq(blk_create(tmp, "qcow2", &o, err, sizeof(err)), 0);
    ck_assert_int_eq(rename(tmp, self), 0);
    ck_assert_int_eq(blk_create(tmp, "qcow2", &os, err, sizeof(err)), 0);
    ck_assert_int_eq(rename(tmp, self), 0);
    ck_assert_ptr_null(blk_open(self, NULL, BLK_RDONLY, err, sizeof(err)));
    ck_assert_msg(strstr(err, "loop"), "%s", err);
}
END_TEST

START_TEST(open_errors_name_the_file)
{
    char p[300];
    blkt_path(p, sizeof(p), dir, "missing.img");
    ck_assert_ptr_null(blk_open(p, NULL, 0, err, sizeof(err)));
    ck_assert_msg(strstr(err, "missing.img"), "%s", err);
    ck_assert_ptr_null(blk_open(dir, NULL, 0, err, sizeof(err)));
    blkt_path(p, sizeof(p), dir, "a.raw");
    make_raw(p, 4096);
    ck_assert_ptr_null(blk_open(p, "nosuchfmt", 0, err, sizeof(err)));
    ck_assert_msg(strstr(err, "nosuchfmt"), "%s", err);
    struct blk_create_opts o = {.size = 4096, .backing_file = "x"};
    ck_assert_int_lt(blk_create(p, "raw", &o, err, sizeof(err)), 0);
    ck_assert_ptr_null(blk_find_driver("nosuchfmt"));
    ck_assert_ptr_nonnull(blk_find_driver("qcow2"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("blk");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, raw_create_is_sparse_and_reads_zeros);
    tcase_add_test(tc, raw_write_reaches_file);
    tcase_add_test(tc, readonly_refuses_writes);
    tcase_add_test(tc, second_writer_is_refused);
    tcase_add_test(tc, probed_raw_cannot_become_qcow2);
    tcase_add_test(tc, snapshot_discards_writes);
    tcase_add_test(tc, backing_chain_relative_names);
    tcase_add_test(tc, backing_loop_is_refused);
    tcase_add_test(tc, open_errors_name_the_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
