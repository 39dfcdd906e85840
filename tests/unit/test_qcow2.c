/* qcow2: creation (v2/v3), a random write/read model over a backing file,
 * compressed and zero clusters, refcount widths, header validation with
 * named errors, and check (leaks, corruptions, overlaps). */
#include <errno.h>
#include <sys/stat.h>
#include <zlib.h>

#include "blk_test_util.h"
#include "devices/block/qcow2.h"

#define CS 65536u

static char dir[256];
static char err[512];
static char img[300];

static void setup(void)
{
    blkt_mkdir(dir, sizeof(dir));
    blkt_path(img, sizeof(img), dir, "t.qcow2");
}
static void teardown(void)
{
    blkt_rmdir(dir);
}

static void create(const char *p, uint64_t size, int compat, uint32_t cluster_size)
{
    struct blk_create_opts o = {.size = size, .compat = compat, .cluster_size = cluster_size};
    ck_assert_msg(blk_create(p, "qcow2", &o, err, sizeof(err)) == 0, "%s", err);
}

static struct blk_check_result check_image(const char *p)
{
    struct blockdev *bd = blk_open(p, "qcow2", BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    struct blk_check_result res;
    ck_assert_int_eq(blk_check(bd, &res), 0);
    blk_close(bd);
    return res;
}

static void assert_clean(const char *p)
{
    struct blk_check_result res = check_image(p);
    ck_assert_msg(res.corruptions == 0 && res.leaks == 0, "%llu corruptions, %llu leaks: %s",
                  (unsigned long long)res.corruptions, (unsigned long long)res.leaks, res.message);
}

START_TEST(create_layout)
{
    int compat = _i ? 3 : 2;
    create(img, 10 << 20, compat, 0);
    uint8_t h[112];
    blkt_peek(img, 0, h, sizeof(h));
    ck_assert_uint_eq(h[7], compat);
    ck_assert_uint_eq(h[23], 16); /* cluster_bits */
    struct blockdev *bd = blk_open(img, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_str_eq(bd->drv->name, "qcow2");
    ck_assert_uint_eq(blk_sectors(bd), (10 << 20) / 512);
    struct blk_info in;
    ck_assert_int_eq(blk_info(bd, &in), 0);
    ck_assert_str_eq(in.subformat, compat == 2 ? "compat=0.10" : "compat=1.1");
    uint8_t buf[512];
    ck_assert_int_eq(blk_read(bd, 20479, buf, 1), 0);
    blk_close(bd);
    assert_clean(img);
}
END_TEST

/* Random writes of 1..80 sectors over a qcow2 with a raw backing file,
 * mirrored in memory, with reopens; then the image must check clean. */
START_TEST(random_writes_match_model)
{
    const uint32_t cs_list[] = {512, 4096, 65536};
    uint32_t cs = cs_list[_i];
    const uint64_t nsec = (3u << 20) / 512 + 7; /* not a whole number of clusters */
    char base[300];
    blkt_path(base, sizeof(base), dir, "base.raw");
    struct blk_create_opts ob = {.size = nsec * 512};
    ck_assert_int_eq(blk_create(base, "raw", &ob, err, sizeof(err)), 0);
    uint8_t *model = malloc(nsec * 512), *buf = malloc(80 * 512);
    struct blockdev *b = blk_open(base, "raw", 0, err, sizeof(err));
    ck_assert_ptr_nonnull(b);
    blkt_fill(model, 0, (uint32_t)nsec, 3);
    for (uint64_t s = 0; s < nsec; s += 64)
        ck_assert_int_eq(
            blk_write(b, s, model + s * 512, (uint32_t)(nsec - s < 64 ? nsec - s : 64)), 0);
    blk_close(b);
    struct blk_create_opts o = {
        .backing_file = "base.raw", .backing_format = "raw", .cluster_size = cs, .compat = 3};
    ck_assert_msg(blk_create(img, "qcow2", &o, err, sizeof(err)) == 0, "%s", err);
    uint32_t seed = 12345;
    struct blockdev *bd = NULL;
    for (int i = 0; i < 600; i++) {
        if (i % 150 == 0) {
            blk_close(bd);
            bd = blk_open(img, NULL, 0, err, sizeof(err));
            ck_assert_msg(bd, "%s", err);
            ck_assert_uint_eq(blk_sectors(bd), nsec);
        }
        seed = seed * 1103515245 + 12345;
        uint32_t n = 1 + (seed >> 16) % 80;
        seed = seed * 1103515245 + 12345;
        uint64_t s = ((uint64_t)(seed >> 8) * 7) % (nsec - n + 1);
        blkt_fill(buf, s, n, (uint32_t)i + 100);
        ck_assert_int_eq(blk_write(bd, s, buf, n), 0);
        memcpy(model + s * 512, buf, n * 512);
        seed = seed * 1103515245 + 12345;
        uint64_t rs = (seed >> 4) % (nsec - 80);
        ck_assert_int_eq(blk_read(bd, rs, buf, 80), 0);
        ck_assert_msg(memcmp(buf, model + rs * 512, 80 * 512) == 0, "read at %llu after %d writes",
                      (unsigned long long)rs, i);
    }
    ck_assert_int_eq(blk_flush(bd), 0);
    blk_close(bd);
    bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    for (uint64_t s = 0; s < nsec; s += 64) {
        uint32_t n = (uint32_t)(nsec - s < 64 ? nsec - s : 64);
        ck_assert_int_eq(blk_read(bd, s, buf, n), 0);
        ck_assert_msg(memcmp(buf, model + s * 512, n * 512) == 0, "final read at %llu",
                      (unsigned long long)s);
    }
    blk_close(bd);
    assert_clean(img);
    free(model);
    free(buf);
}
END_TEST

/* Hand-build a compressed cluster (raw deflate, as QEMU writes) and a zero
 * cluster, read them, then overwrite part of each (copy-on-write). */
START_TEST(compressed_and_zero_clusters)
{
    create(img, 1 << 20, 3, 0);
    uint8_t *data = malloc(CS), *out = malloc(CS), *comp = malloc(CS * 2);
    blkt_fill(data, 0, CS / 512, 7);
    for (uint32_t i = 0; i < CS; i += 4096)
        memset(data + i, 0x55, 2048); /* compressible */
    z_stream z = {0};
    ck_assert_int_eq(
        deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = data, z.avail_in = CS, z.next_out = comp, z.avail_out = CS * 2;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    uint32_t clen = (uint32_t)z.total_out;
    deflateEnd(&z);
    ck_assert_uint_lt(clen, CS);
    /* clusters: 0 hdr, 1 reftable, 2 refblock, 3 L1, 4 L2, 5 compressed data
     * (at byte 100 of the cluster, as if packed after another one). */
    uint64_t coff = 5ull * CS + 100;
    blkt_poke(img, coff, comp, clen);
    uint8_t pad[CS];
    memset(pad, 0, sizeof(pad));
    blkt_poke(img, 4ull * CS, pad, CS);
    uint64_t nsec = (coff + clen + 511) / 512 - coff / 512; /* sectors touched */
    uint64_t shift = 62 - (16 - 8);
    uint8_t e[8];
    blkt_be64(e, QCOW2_OFLAG_COMPRESSED | ((nsec - 1) << shift) | coff);
    blkt_poke(img, 4ull * CS, e, 8);
    blkt_be64(e, QCOW2_OFLAG_ZERO); /* guest cluster 1: zero, no backing data */
    blkt_poke(img, 4ull * CS + 8, e, 8);
    blkt_be64(e, 4ull * CS | QCOW2_OFLAG_COPIED);
    blkt_poke(img, 3ull * CS, e, 8);
    uint8_t rc[2] = {0, 1};
    blkt_poke(img, 2ull * CS + 4 * 2, rc, 2);
    blkt_poke(img, 2ull * CS + 5 * 2, rc, 2);
    assert_clean(img);

    struct blockdev *bd = blk_open(img, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_int_eq(blk_read(bd, 0, out, CS / 512), 0);
    ck_assert(memcmp(out, data, CS) == 0);
    ck_assert_int_eq(blk_read(bd, 3, out, 2), 0); /* a piece from the middle */
    ck_assert(memcmp(out, data + 3 * 512, 1024) == 0);
    ck_assert_int_eq(blk_read(bd, CS / 512, out, 4), 0);
    for (int i = 0; i < 2048; i++)
        ck_assert_uint_eq(out[i], 0);
    uint32_t run;
    ck_assert_int_eq(bd->drv->is_allocated(bd, 0, 1024, &run), 1);
    ck_assert_uint_eq(run, 2 * CS / 512); /* compressed + zero */
    uint8_t w[1024];
    blkt_fill(w, 0, 2, 99);
    ck_assert_int_eq(blk_write(bd, 10, w, 2), 0);           /* COW of the compressed one */
    ck_assert_int_eq(blk_write(bd, CS / 512 + 1, w, 1), 0); /* fills a zero cluster */
    memcpy(data + 10 * 512, w, 1024);
    ck_assert_int_eq(blk_read(bd, 0, out, CS / 512), 0);
    ck_assert(memcmp(out, data, CS) == 0);
    ck_assert_int_eq(blk_read(bd, CS / 512, out, 2), 0);
    for (int i = 0; i < 512; i++)
        ck_assert_uint_eq(out[i], 0);
    ck_assert(memcmp(out + 512, w, 512) == 0);
    blk_close(bd);
    assert_clean(img); /* the compressed cluster's refcount went back to 0 */
    free(data), free(out), free(comp);
}
END_TEST

START_TEST(refcount_entry_widths)
{
    uint8_t block[64];
    for (uint32_t order = 0; order <= 6; order++) {
        uint32_t bits = 1u << order;
        uint64_t max = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
        uint32_t n = (uint32_t)(sizeof(block) * 8 / bits);
        memset(block, 0, sizeof(block));
        for (uint32_t i = 0; i < n; i++)
            qcow2_refcount_set_entry(block, i, order, (i * 0x9E3779B97F4A7C15ull) & max);
        for (uint32_t i = 0; i < n; i++)
            ck_assert_uint_eq(qcow2_refcount_get_entry(block, i, order),
                              (i * 0x9E3779B97F4A7C15ull) & max);
    }
    /* 1-bit refcounts are packed from the least significant bit (QEMU). */
    memset(block, 0, sizeof(block));
    qcow2_refcount_set_entry(block, 0, 0, 1);
    qcow2_refcount_set_entry(block, 9, 0, 1);
    ck_assert_uint_eq(block[0], 1);
    ck_assert_uint_eq(block[1], 2);
    /* 16-bit ones are big-endian */
    qcow2_refcount_set_entry(block, 2, 4, 0x1234);
    ck_assert_uint_eq(block[4], 0x12);
    ck_assert_uint_eq(block[5], 0x34);
}
END_TEST

struct corruption {
    uint32_t offset, size;
    uint64_t value;
    const char *expect;
};

static const struct corruption corruptions[] = {
    {4, 4, 4, "version 4"},
    {4, 4, 1, "version 1"},
    {20, 4, 8, "cluster size"},
    {20, 4, 22, "cluster size"},
    {24, 8, 1ull << 62, "too large"},
    {32, 4, 1, "ncrypted"},
    {36, 4, 0, "L1 table has 0 entries"},
    {36, 4, 0x7fffffff, "L1 table is too large"},
    {40, 8, 0x30001, "not cluster aligned"},
    {40, 8, 1ull << 40, "past the end"},
    {48, 8, 1ull << 40, "refcount table"},
    {48, 8, 0x10200, "not cluster aligned"},
    {56, 4, 0, "refcount table is empty"},
    {56, 4, 100000, "refcount table is too large"},
    {60, 4, 1, "snapshot table"},
    {72, 8, 1ull << 17, "incompatible feature"},
    {72, 8, 1ull << 2, "incompatible feature"},
    {96, 4, 7, "refcount_order"},
    {100, 4, 50, "header_length"},
    {100, 4, 1 << 20, "header_length"},
    {8, 8, 1 << 20, "backing file name"},
    {8, 8, 200, "backing file name"}, /* with size 0: empty name is fine; see below */
};

START_TEST(corrupt_headers_are_refused_with_a_reason)
{
    const struct corruption *c = &corruptions[_i];
    create(img, 10 << 20, 3, 0);
    uint8_t v[8];
    if (c->size == 4)
        blkt_be32(v, (uint32_t)c->value);
    else
        blkt_be64(v, c->value);
    blkt_poke(img, c->offset, v, c->size);
    if (c->offset == 8) {
        blkt_be32(v, c->value == 200 ? 2000 : 10); /* name size: too long / outside */
        blkt_poke(img, 16, v, 4);
    }
    struct blockdev *bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(!bd, "opened despite corrupt field at %u", c->offset);
    ck_assert_msg(strstr(err, c->expect) && strstr(err, "t.qcow2"), "field %u: '%s'", c->offset,
                  err);
}
END_TEST

START_TEST(truncated_images_are_refused)
{
    create(img, 10 << 20, 3, 0);
    const off_t lens[] = {0, 7, 50, 100, 3 * CS + 8};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        ck_assert_int_eq(truncate(img, lens[i]), 0);
        struct blockdev *bd = blk_open(img, "qcow2", BLK_RDONLY, err, sizeof(err));
        ck_assert_msg(!bd, "opened at length %lld", (long long)lens[i]);
        ck_assert_msg(strstr(err, "t.qcow2"), "%s", err);
    }
}
END_TEST

START_TEST(dirty_or_corrupt_flags_are_read_only)
{
    create(img, 1 << 20, 3, 0);
    uint8_t v[8];
    blkt_be64(v, QCOW2_INCOMPAT_DIRTY);
    blkt_poke(img, 72, v, 8);
    struct blockdev *bd = blk_open(img, NULL, 0, err, sizeof(err));
    ck_assert_ptr_null(bd);
    ck_assert_msg(strstr(err, "dirty"), "%s", err);
    bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    blk_close(bd);
    blkt_be64(v, QCOW2_INCOMPAT_CORRUPT);
    blkt_poke(img, 72, v, 8);
    ck_assert_ptr_null(blk_open(img, NULL, 0, err, sizeof(err)));
    ck_assert_msg(strstr(err, "corrupt"), "%s", err);
}
END_TEST

/* One data cluster written at guest sector 0: L2 at cluster 4, data at 5. */
static void image_with_one_cluster(void)
{
    create(img, 1 << 20, 3, 0);
    struct blockdev *bd = blk_open(img, NULL, 0, err, sizeof(err));
    uint8_t w[512];
    blkt_fill(w, 0, 1, 1);
    ck_assert_int_eq(blk_write(bd, 0, w, 1), 0);
    blk_close(bd);
    uint8_t e[8];
    blkt_peek(img, 4ull * CS, e, 8);
    ck_assert_uint_eq(e[5], 5); /* 0x80000000_00050000 */
    assert_clean(img);
}

START_TEST(check_finds_leaks)
{
    image_with_one_cluster();
    ck_assert_int_eq(truncate(img, 7ll * CS), 0);
    uint8_t rc[2] = {0, 1};
    blkt_poke(img, 2ull * CS + 6 * 2, rc, 2); /* cluster 6: counted, unused */
    struct blk_check_result r = check_image(img);
    ck_assert_uint_eq(r.corruptions, 0);
    ck_assert_uint_eq(r.leaks, 1);
    ck_assert_msg(strstr(r.message, "cluster 6"), "%s", r.message);
}
END_TEST

START_TEST(check_finds_corruptions)
{
    image_with_one_cluster();
    uint8_t e[8];
    /* 0: past the end, 1: unaligned, 2: a second reference to cluster 5
     * (overlap), 3: refcount of the data cluster dropped to 0, 4: the
     * data cluster's entry without OFLAG_COPIED although its refcount is 1 */
    if (_i == 0)
        blkt_be64(e, (1ull << 40) | QCOW2_OFLAG_COPIED);
    else if (_i == 1)
        blkt_be64(e, (5ull * CS + 512) | QCOW2_OFLAG_COPIED);
    else
        blkt_be64(e, 5ull * CS | QCOW2_OFLAG_COPIED);
    if (_i < 3)
        blkt_poke(img, 4ull * CS + 8, e, 8);
    else if (_i == 3)
        blkt_poke(img, 2ull * CS + 5 * 2, "\0\0", 2);
    else
        blkt_poke(img, 4ull * CS, "\0", 1);
    struct blk_check_result r = check_image(img);
    ck_assert_uint_ge(r.corruptions, 1);
    const char *want[] = {"past the end", "aligned", "refcount=1 reference=2", "refcount=0",
                          "OFLAG_COPIED data cluster"};
    ck_assert_msg(strstr(r.message, want[_i]), "%s", r.message);
}
END_TEST

START_TEST(reads_of_bad_entries_fail_cleanly)
{
    image_with_one_cluster();
    uint8_t e[8];
    blkt_be64(e, (5ull * CS + 512) | QCOW2_OFLAG_COPIED); /* unaligned data cluster */
    blkt_poke(img, 4ull * CS + 8, e, 8);
    blkt_be64(e, (1ull << 40) | QCOW2_OFLAG_COPIED); /* L2 table past the end */
    blkt_poke(img, 3ull * CS + 8, e, 8);
    struct blockdev *bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    uint8_t buf[512];
    ck_assert_int_eq(blk_read(bd, 0, buf, 1), 0);
    ck_assert_int_eq(blk_read(bd, CS / 512, buf, 1), -EIO);
    ck_assert_int_eq(blk_read(bd, (1 << 20) / 512 - 1, buf, 1), 0); /* L1[0] covers it all */
    blk_close(bd);
}
END_TEST

/* 512-byte clusters: one refcount table cluster covers 8 MiB, so 12 MiB
 * of data makes the table grow (moved to the end, header switched). */
START_TEST(refcount_table_grows)
{
    create(img, 16 << 20, 3, 512);
    uint8_t h[64];
    blkt_peek(img, 0, h, sizeof(h));
    uint64_t rt_before = (uint64_t)h[48 + 6] << 8 | h[48 + 7];
    struct blockdev *bd = blk_open(img, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    uint8_t *buf = malloc(128 * 512);
    for (uint64_t s = 0; s < (12u << 20) / 512; s += 128) {
        blkt_fill(buf, s, 128, 4);
        ck_assert_int_eq(blk_write(bd, s, buf, 128), 0);
    }
    blk_close(bd);
    blkt_peek(img, 0, h, sizeof(h));
    uint64_t rt_after = 0;
    for (int i = 0; i < 8; i++)
        rt_after = rt_after << 8 | h[48 + i];
    ck_assert_uint_ne(rt_after, rt_before);
    ck_assert_uint_gt(h[56 + 3] | h[56 + 2] << 8, 1); /* more than one cluster now */
    assert_clean(img);
    bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    uint8_t *want = malloc(128 * 512);
    for (uint64_t s = 0; s < (12u << 20) / 512; s += 128) {
        blkt_fill(want, s, 128, 4);
        ck_assert_int_eq(blk_read(bd, s, buf, 128), 0);
        ck_assert_msg(memcmp(buf, want, 128 * 512) == 0, "sector %llu", (unsigned long long)s);
    }
    blk_close(bd);
    free(buf);
    free(want);
}
END_TEST

/* Autoclear bits (bitmaps QEMU keeps) are cleared by a writer, kept by a reader. */
START_TEST(autoclear_bits_cleared_on_write_open)
{
    create(img, 1 << 20, 3, 0);
    uint8_t v[8];
    blkt_be64(v, 1);
    blkt_poke(img, 88, v, 8);
    struct blockdev *bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    blk_close(bd);
    blkt_peek(img, 88, v, 8);
    ck_assert_uint_eq(v[7], 1);
    bd = blk_open(img, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    blk_close(bd);
    blkt_peek(img, 88, v, 8);
    ck_assert_uint_eq(v[7], 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("qcow2");
    TCase *tc = tcase_create("qcow2");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, create_layout, 0, 2);
    tcase_add_loop_test(tc, random_writes_match_model, 0, 3);
    tcase_add_test(tc, compressed_and_zero_clusters);
    tcase_add_test(tc, refcount_entry_widths);
    tcase_add_loop_test(tc, corrupt_headers_are_refused_with_a_reason, 0,
                        sizeof(corruptions) / sizeof(corruptions[0]));
    tcase_add_test(tc, truncated_images_are_refused);
    tcase_add_test(tc, dirty_or_corrupt_flags_are_read_only);
    tcase_add_test(tc, check_finds_leaks);
    tcase_add_loop_test(tc, check_finds_corruptions, 0, 5);
    tcase_add_test(tc, reads_of_bad_entries_fail_cleanly);
    tcase_add_test(tc, refcount_table_grows);
    tcase_add_test(tc, autoclear_bits_cleared_on_write_open);
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
