/* VMDK: every subformat created, written across grains and extents and read
 * back against a model; streamOptimized written sequentially; delta links
 * (parentCID); check (GD/RGD mismatch, overlapping grains); malformed
 * images refused with a message naming the problem, never a crash. */
#include <errno.h>
#include <sys/stat.h>

#include "blk_test_util.h"
#include "devices/block/vmdk_format.h"

static char dir[256];
static char err[512];
static char img[300];

static void setup(void)
{
    blkt_mkdir(dir, sizeof(dir));
    blkt_path(img, sizeof(img), dir, "t.vmdk");
}
static void teardown(void)
{
    blkt_rmdir(dir);
}

static void create(const char *p, uint64_t size, const char *sub, const char *backing)
{
    struct blk_create_opts o = {.size = size, .subformat = sub, .backing_file = backing};
    ck_assert_msg(blk_create(p, "vmdk", &o, err, sizeof(err)) == 0, "%s", err);
}

static struct blockdev *open_rw(const char *p)
{
    struct blockdev *bd = blk_open(p, NULL, 0, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_ptr_eq(bd->drv, &blk_driver_vmdk);
    return bd;
}

/* The shared block-test helpers (blk_test_util.h), for this format. */
#define assert_refused(p, what) blkt_assert_refused(p, "vmdk", what)
#define check_image(p) blkt_check_image(p, "vmdk")

static const char *const subformats[] = {"monolithicSparse", "monolithicFlat",
                                         "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"};

/* Partial grains, grain and GT boundaries (64 KiB grains, 32 MiB per GT). */
static const struct blkt_wr writes[] = {
    {0, 1},     {5, 3},         {127, 2},   {128, 128}, {1000, 300},
    {65535, 2}, {65536 + 7, 1}, {20000, 1}, {5, 1}, /* a rewrite of an allocated grain */
};

START_TEST(subformat_round_trip)
{
    const uint64_t sectors = 80000; /* 39 MiB, not a multiple of a grain */
    create(img, sectors * BLK_SECTOR, subformats[_i], NULL);
    uint8_t *model = calloc(sectors, BLK_SECTOR);
    struct blockdev *bd = open_rw(img);
    ck_assert_uint_eq(blk_sectors(bd), sectors);
    blkt_write_model(bd, model, writes, sizeof(writes) / sizeof(writes[0]), 1);
    ck_assert_int_eq(blk_flush(bd), 0);
    blkt_assert_model(bd, model, sectors);
    struct blk_info info;
    ck_assert_int_eq(blk_info(bd, &info), 0);
    ck_assert_str_eq(info.subformat, subformats[_i]);
    ck_assert_uint_eq(info.virtual_size, sectors * BLK_SECTOR);
    blk_close(bd);
    bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    blkt_assert_model(bd, model, sectors);
    ck_assert_int_eq(blk_write(bd, 0, model, 1), -EROFS);
    blk_close(bd);
    struct blk_check_result res = check_image(img);
    ck_assert_msg(res.corruptions == 0, "%s", res.message);
    free(model);
}
END_TEST

/* A write that spans the boundary between two 2 GiB extent files. */
START_TEST(split_extents)
{
    const uint64_t sectors = (3ull << 30) / BLK_SECTOR;
    const uint64_t edge = VMDK_SPLIT_BYTES / BLK_SECTOR;
    create(img, sectors * BLK_SECTOR, subformats[2 + _i], NULL);
    char ext2[300];
    blkt_path(ext2, sizeof(ext2), dir, _i ? "t-f002.vmdk" : "t-s002.vmdk");
    struct stat st;
    ck_assert_int_eq(stat(ext2, &st), 0);
    struct blockdev *bd = open_rw(img);
    ck_assert_uint_eq(blk_sectors(bd), sectors);
    uint8_t w[16 * BLK_SECTOR], r[16 * BLK_SECTOR];
    blkt_fill(w, edge - 8, 16, 7);
    ck_assert_int_eq(blk_write(bd, edge - 8, w, 16), 0);
    blkt_fill(w + 0, sectors - 1, 1, 9);
    ck_assert_int_eq(blk_write(bd, sectors - 1, w, 1), 0);
    blk_close(bd);
    bd = open_rw(img);
    ck_assert_int_eq(blk_read(bd, edge - 8, r, 16), 0);
    blkt_fill(w, edge - 8, 16, 7);
    ck_assert(!memcmp(w, r, sizeof(r)));
    ck_assert_int_eq(blk_read(bd, sectors - 1, r, 1), 0);
    blkt_fill(w, sectors - 1, 1, 9);
    ck_assert(!memcmp(w, r, BLK_SECTOR));
    blk_close(bd);
    /* the second extent file really holds the data after the edge */
    uint8_t sec[BLK_SECTOR];
    if (_i) {
        blkt_peek(ext2, 0, sec, BLK_SECTOR);
        uint8_t expect[16 * BLK_SECTOR];
        blkt_fill(expect, edge - 8, 16, 7);
        ck_assert(!memcmp(sec, expect + 8 * BLK_SECTOR, BLK_SECTOR));
    } else {
        blkt_peek(ext2, 0, sec, 4);
        ck_assert(!memcmp(sec, "KDMV", 4));
    }
}
END_TEST

START_TEST(stream_optimized)
{
    const uint64_t sectors = 70000;
    create(img, sectors * BLK_SECTOR, "streamOptimized", NULL);
    uint8_t *model = calloc(sectors, BLK_SECTOR);
    struct blockdev *bd = open_rw(img);
    /* sequential, as convert writes: partial grains, holes, a last partial grain */
    static const struct blkt_wr seq[] = {{3, 5}, {8, 200}, {1024, 1}, {4096, 4096}, {69990, 10}};
    blkt_write_model(bd, model, seq, 5, 3);
    blkt_assert_model(bd, model, sectors);
    /* going back to a grain already in the stream is refused */
    ck_assert_int_eq(blk_write(bd, 0, model, 1), -ENOTSUP);
    blk_close(bd);
    bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    blkt_assert_model(bd, model, sectors);
    struct blk_info info;
    ck_assert_int_eq(blk_info(bd, &info), 0);
    ck_assert_str_eq(info.subformat, "streamOptimized");
    ck_assert_uint_lt(info.allocated_size, 2u << 20); /* compressed */
    blk_close(bd);
    struct blk_check_result res = check_image(img);
    ck_assert_msg(res.corruptions == 0, "%s", res.message);
    /* the stream ends with footer marker, footer, end-of-stream marker */
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    uint8_t tail[3 * BLK_SECTOR];
    blkt_peek(img, (uint64_t)st.st_size - sizeof(tail), tail, sizeof(tail));
    ck_assert_uint_eq(vmdk_le32(tail + 12), VMDK_MARKER_FOOTER);
    ck_assert(!memcmp(tail + BLK_SECTOR, "KDMV", 4));
    ck_assert_uint_eq(vmdk_le32(tail + 2 * BLK_SECTOR + 12), VMDK_MARKER_EOS);
    /* a stream that holds data cannot be opened for writing */
    err[0] = 0;
    ck_assert_ptr_null(blk_open(img, NULL, 0, err, sizeof(err)));
    ck_assert_msg(strstr(err, "read-only"), "%s", err);
    free(model);
}
END_TEST

START_TEST(delta_link)
{
    const uint64_t sectors = 20000;
    char child[300];
    blkt_path(child, sizeof(child), dir, "child.vmdk");
    create(img, sectors * BLK_SECTOR, NULL, NULL);
    uint8_t *model = calloc(sectors, BLK_SECTOR);
    struct blockdev *bd = open_rw(img);
    static const struct blkt_wr base_w[] = {{0, 256}, {1000, 10}, {19990, 10}};
    blkt_write_model(bd, model, base_w, 3, 11);
    blk_close(bd);
    create(child, 0, NULL, "t.vmdk"); /* relative to the child, size from the parent */
    bd = open_rw(child);
    ck_assert_uint_eq(blk_sectors(bd), sectors);
    ck_assert_ptr_nonnull(bd->backing);
    struct blk_info info;
    ck_assert_int_eq(blk_info(bd, &info), 0);
    ck_assert_str_eq(info.backing_file, "t.vmdk");
    blkt_assert_model(bd, model, sectors);
    /* partial grains in the child keep the parent's sectors around them */
    static const struct blkt_wr child_w[] = {{3, 2}, {1005, 1}, {5000, 1}};
    blkt_write_model(bd, model, child_w, 3, 21);
    blkt_assert_model(bd, model, sectors);
    blk_close(bd);
    bd = blk_open(child, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    blkt_assert_model(bd, model, sectors);
    blk_close(bd);
    /* the parent is untouched by the child's writes */
    bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    uint8_t a[BLK_SECTOR], b[BLK_SECTOR];
    ck_assert_int_eq(blk_read(bd, 3, a, 1), 0);
    blkt_fill(b, 3, 1, 11);
    ck_assert(!memcmp(a, b, BLK_SECTOR));
    blk_close(bd);
    /* writing the parent gives it a new CID: the child now refuses to open */
    bd = open_rw(img);
    blkt_write_model(bd, NULL, base_w, 1, 99);
    blk_close(bd);
    err[0] = 0;
    ck_assert_ptr_null(blk_open(child, NULL, BLK_RDONLY, err, sizeof(err)));
    ck_assert_msg(strstr(err, "CID"), "%s", err);
    free(model);
}
END_TEST

/* Offsets inside a qemu-like monolithicSparse file we made. */
static struct vmdk_header read_header(const char *p)
{
    uint8_t sec[BLK_SECTOR];
    blkt_peek(p, 0, sec, BLK_SECTOR);
    struct vmdk_header h;
    vmdk_header_decode(sec, &h);
    return h;
}

static uint32_t peek_le32(const char *p, uint64_t off)
{
    uint8_t b[4];
    blkt_peek(p, off, b, 4);
    return vmdk_le32(b);
}

static void poke_le32(const char *p, uint64_t off, uint32_t v)
{
    uint8_t b[4];
    vmdk_put_le32(b, v);
    blkt_poke(p, off, b, 4);
}

static void make_written(const char *p)
{
    create(p, 100000 * BLK_SECTOR, NULL, NULL);
    struct blockdev *bd = open_rw(p);
    static const struct blkt_wr w[] = {{0, 1}, {128, 1}, {70000, 4}};
    blkt_write_model(bd, NULL, w, 3, 5);
    blk_close(bd);
}

START_TEST(check_finds_corruption)
{
    make_written(img);
    struct blk_check_result res = check_image(img);
    ck_assert_msg(res.corruptions == 0, "%s", res.message);
    struct vmdk_header h = read_header(img);
    uint32_t gt0 = peek_le32(img, h.gd_offset * BLK_SECTOR);
    uint32_t rgt0 = peek_le32(img, h.rgd_offset * BLK_SECTOR);
    uint32_t g0 = peek_le32(img, (uint64_t)gt0 * BLK_SECTOR);
    uint32_t g1 = peek_le32(img, (uint64_t)gt0 * BLK_SECTOR + 4);
    ck_assert_uint_gt(g0, 1);
    ck_assert_uint_eq(g0, peek_le32(img, (uint64_t)rgt0 * BLK_SECTOR));
    /* the redundant GT disagrees */
    poke_le32(img, (uint64_t)rgt0 * BLK_SECTOR + 4, g1 + 128);
    res = check_image(img);
    ck_assert_uint_ge(res.corruptions, 1);
    ck_assert_msg(strstr(res.message, "redundant"), "%s", res.message);
    poke_le32(img, (uint64_t)rgt0 * BLK_SECTOR + 4, g1);
    /* two GT entries share a grain (in both copies) */
    poke_le32(img, (uint64_t)gt0 * BLK_SECTOR + 4, g0);
    poke_le32(img, (uint64_t)rgt0 * BLK_SECTOR + 4, g0);
    res = check_image(img);
    ck_assert_uint_ge(res.corruptions, 1);
    ck_assert_msg(strstr(res.message, "overlaps"), "%s", res.message);
    /* a grain over the grain directory */
    poke_le32(img, (uint64_t)gt0 * BLK_SECTOR + 4, (uint32_t)h.gd_offset);
    poke_le32(img, (uint64_t)rgt0 * BLK_SECTOR + 4, (uint32_t)h.gd_offset);
    res = check_image(img);
    ck_assert_msg(strstr(res.message, "metadata"), "%s", res.message);
}
END_TEST

START_TEST(malformed_refused)
{
    make_written(img);
    struct vmdk_header h = read_header(img);
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    uint32_t gt0 = peek_le32(img, h.gd_offset * BLK_SECTOR);
    char bad[300];
    blkt_path(bad, sizeof(bad), dir, "bad.vmdk");
    char cmd[700];

    /* GD entry past the end of the file */
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", img, bad);
    ck_assert_int_eq(system(cmd), 0);
    poke_le32(bad, h.gd_offset * BLK_SECTOR, (uint32_t)(st.st_size / BLK_SECTOR + 10));
    assert_refused(bad, "grain directory entry 0 points past the end");
    /* GT entry past the end of the file */
    ck_assert_int_eq(system(cmd), 0);
    poke_le32(bad, (uint64_t)gt0 * BLK_SECTOR + 8, (uint32_t)(st.st_size / BLK_SECTOR));
    assert_refused(bad, "entry 2 points past the end");
    /* GD itself past the end */
    ck_assert_int_eq(system(cmd), 0);
    uint8_t b8[8];
    vmdk_put_le64(b8, 1u << 30);
    blkt_poke(bad, 56, b8, 8);
    assert_refused(bad, "grain directory lies past the end");
    /* two GD entries sharing a GT */
    ck_assert_int_eq(system(cmd), 0);
    poke_le32(bad, h.gd_offset * BLK_SECTOR + 4, gt0);
    assert_refused(bad, "grain tables overlap");
    /* grain size not a power of two */
    ck_assert_int_eq(system(cmd), 0);
    vmdk_put_le64(b8, 100);
    blkt_poke(bad, 20, b8, 8);
    assert_refused(bad, "grain size");
    /* newline detection bytes mangled by a text-mode transfer */
    ck_assert_int_eq(system(cmd), 0);
    blkt_poke(bad, 73, "\r\n \r", 4);
    assert_refused(bad, "newline");
    /* truncated header */
    snprintf(cmd, sizeof(cmd), "head -c 100 '%s' > '%s'", img, bad);
    ck_assert_int_eq(system(cmd), 0);
    assert_refused(bad, "truncated");
    /* descriptor naming a missing extent */
    FILE *f = fopen(bad, "w");
    fprintf(f, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n"
               "createType=\"monolithicFlat\"\nRW 100 FLAT \"nothere-flat.vmdk\" 0\n");
    fclose(f);
    assert_refused(bad, "nothere-flat.vmdk");
    /* descriptor with a bad extent line */
    f = fopen(bad, "w");
    fprintf(f, "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\n"
               "RW x FLAT \"a.vmdk\" 0\n");
    fclose(f);
    assert_refused(bad, "invalid extent line");
    /* a delta link whose parent is missing */
    f = fopen(bad, "w");
    fprintf(f, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=87654321\n"
               "createType=\"monolithicFlat\"\nparentFileNameHint=\"gone.vmdk\"\n"
               "RW 100 ZERO\n");
    fclose(f);
    err[0] = 0;
    ck_assert_ptr_null(blk_open(bad, "vmdk", BLK_RDONLY, err, sizeof(err)));
    ck_assert_msg(strstr(err, "gone.vmdk"), "%s", err);
    /* a descriptor of a host device */
    f = fopen(bad, "w");
    fprintf(f, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n"
               "createType=\"fullDevice\"\nRW 100 FLAT \"/dev/null\" 0\n");
    fclose(f);
    assert_refused(bad, "unsupported VMDK createType \"fullDevice\"");
    /* a delta link that names itself as its parent */
    f = fopen(bad, "w");
    fprintf(f, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=12345678\n"
               "createType=\"monolithicFlat\"\nparentFileNameHint=\"bad.vmdk\"\n"
               "RW 100 ZERO\n");
    fclose(f);
    assert_refused(bad, "loop");
}
END_TEST

/* A descriptor file as qemu-img leaves it after rewriting a shorter CID:
 * the text, a NUL, then the old text's tail (and NUL padding). The
 * descriptor is what comes before the first NUL. */
START_TEST(descriptor_tail_after_nul)
{
    char path[300], flat[300];
    blkt_path(path, sizeof(path), dir, "tail.vmdk");
    blkt_path(flat, sizeof(flat), dir, "tail-flat.vmdk");
    FILE *f = fopen(flat, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), 100 * BLK_SECTOR), 0);
    fclose(f);
    static const char text[] = "# Disk DescriptorFile\nversion=1\nCID=5fa3b2\nparentCID=ffffffff\n"
                               "createType=\"monolithicFlat\"\nRW 100 FLAT \"tail-flat.vmdk\" 0\n";
    char buf[512] = {0};
    memcpy(buf, text, sizeof text - 1);
    memcpy(buf + sizeof text, "0\n", 2); /* the old CID's last digit and newline */
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, sizeof buf, f), sizeof buf);
    fclose(f);
    err[0] = 0;
    struct blockdev *b = blk_open(path, "vmdk", BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(b != NULL, "%s", err);
    ck_assert_uint_eq(blk_sectors(b), 100);
    blk_close(b);
}
END_TEST

/* Mixed extents in one descriptor: FLAT with an offset, ZERO, SPARSE. */
START_TEST(mixed_extents)
{
    char flat[300], sparse[300];
    blkt_path(flat, sizeof(flat), dir, "data.bin");
    blkt_path(sparse, sizeof(sparse), dir, "sp.vmdk");
    uint8_t buf[4 * BLK_SECTOR];
    blkt_fill(buf, 0, 4, 3);
    int fd = open(flat, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 10 * BLK_SECTOR), (ssize_t)sizeof(buf));
    close(fd);
    create(sparse, 1000 * BLK_SECTOR, NULL, NULL);
    struct blockdev *bd = open_rw(sparse);
    uint8_t w[BLK_SECTOR];
    blkt_fill(w, 5, 1, 4);
    ck_assert_int_eq(blk_write(bd, 5, w, 1), 0);
    blk_close(bd);
    FILE *f = fopen(img, "w");
    fprintf(f, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
               "createType=\"custom\"\n\n# Extent description\n"
               "RW 4 FLAT \"data.bin\" 10\nRDONLY 8 ZERO\nRW 1000 SPARSE \"sp.vmdk\"\n");
    fclose(f);
    bd = open_rw(img);
    ck_assert_uint_eq(blk_sectors(bd), 1012);
    uint8_t r[4 * BLK_SECTOR];
    ck_assert_int_eq(blk_read(bd, 0, r, 4), 0);
    ck_assert(!memcmp(r, buf, sizeof(r)));
    ck_assert_int_eq(blk_read(bd, 4, r, 1), 0);
    static const uint8_t zero[BLK_SECTOR];
    ck_assert(!memcmp(r, zero, BLK_SECTOR));
    ck_assert_int_eq(blk_read(bd, 12 + 5, r, 1), 0);
    ck_assert(!memcmp(r, w, BLK_SECTOR));
    /* the ZERO extent takes no writes; the others do */
    ck_assert_int_ne(blk_write(bd, 6, w, 1), 0);
    ck_assert_int_eq(blk_write(bd, 1, w, 1), 0);
    blk_close(bd);
    blkt_peek(flat, 11 * BLK_SECTOR, r, BLK_SECTOR);
    ck_assert(!memcmp(r, w, BLK_SECTOR));
}
END_TEST

/* Random byte corruption of the metadata: open, read everything and check
 * must return (error or data), never crash; run under ASan in CI. */
START_TEST(random_corruption)
{
    make_written(img);
    struct stat st;
    ck_assert_int_eq(stat(img, &st), 0);
    size_t len = (size_t)st.st_size;
    uint8_t *orig = malloc(len);
    blkt_peek(img, 0, orig, len);
    struct vmdk_header h = read_header(img);
    uint64_t meta = h.overhead * BLK_SECTOR;
    char bad[300];
    blkt_path(bad, sizeof(bad), dir, "bad.vmdk");
    uint32_t seed = 12345;
    uint8_t *buf = malloc(64 * BLK_SECTOR);
    for (int round = 0; round < 150; round++) {
        int fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ck_assert_int_eq(write(fd, orig, len), (ssize_t)len);
        close(fd);
        for (int k = 0; k < 1 + round % 8; k++) {
            seed = seed * 1103515245u + 12345u;
            uint64_t off = (seed >> 8) % (round % 3 ? meta : BLK_SECTOR);
            seed = seed * 1103515245u + 12345u;
            uint8_t v = (uint8_t)(seed >> 16);
            blkt_poke(bad, off, &v, 1);
        }
        struct blockdev *bd = blk_open(bad, "vmdk", BLK_RDONLY, err, sizeof(err));
        if (!bd) {
            ck_assert_msg(err[0], "refused without a message");
            continue;
        }
        uint64_t n = blk_sectors(bd) < 100000 ? blk_sectors(bd) : 100000;
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

START_TEST(probe_and_create_errors)
{
    make_written(img);
    struct blockdev *bd = blk_open(img, NULL, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    ck_assert_ptr_eq(bd->drv, &blk_driver_vmdk);
    blk_close(bd);
    struct blk_create_opts o = {.size = 1 << 20, .subformat = "bogus"};
    char p[300];
    blkt_path(p, sizeof(p), dir, "x.vmdk");
    ck_assert_int_ne(blk_create(p, "vmdk", &o, err, sizeof(err)), 0);
    ck_assert_msg(strstr(err, "bogus"), "%s", err);
    /* the descriptor parser alone */
    struct vmdk_desc *d = malloc(sizeof(*d));
    const char *t =
        "version=1\nCID=0000abcd\nparentCID=ffffffff\ncreateType=\"twoGbMaxExtentFlat\"\n"
        "RW 4192256 FLAT \"a-f001.vmdk\" 0\nRDONLY 100 VMFS \"b.vmdk\" 7\n";
    ck_assert_int_eq(vmdk_parse_descriptor(t, strlen(t), d, err, sizeof(err)), 0);
    ck_assert_uint_eq(d->cid, 0xabcd);
    ck_assert_int_eq(d->n_extents, 2);
    ck_assert_uint_eq(d->extents[0].sectors, 4192256);
    ck_assert_str_eq(d->extents[1].file, "b.vmdk");
    ck_assert_uint_eq(d->extents[1].offset, 7);
    ck_assert(d->extents[1].readonly);
    free(d);
}
END_TEST

static Suite *vmdk_suite(void)
{
    Suite *s = suite_create("vmdk");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, subformat_round_trip, 0, 4);
    tcase_add_loop_test(tc, split_extents, 0, 2);
    tcase_add_test(tc, stream_optimized);
    tcase_add_test(tc, delta_link);
    tcase_add_test(tc, check_finds_corruption);
    tcase_add_test(tc, malformed_refused);
    tcase_add_test(tc, descriptor_tail_after_nul);
    tcase_add_test(tc, mixed_extents);
    tcase_add_test(tc, random_corruption);
    tcase_add_test(tc, probe_and_create_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vmdk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
