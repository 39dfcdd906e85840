/* qcow2 images (QEMU docs/interop/qcow2.txt), versions 2 and 3: header and
 * extension parsing with bounds checks, open/close, info; the data path is
 * in qcow2_rw.c, allocation in qcow2_refcount.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/file_io.h"
#include "devices/block/qcow2.h"

static int qcow2_probe(const uint8_t *header, size_t len, const char *filename)
{
    (void)filename;
    if (len >= 8 && blk_be32(header) == QCOW2_MAGIC) {
        uint32_t v = blk_be32(header + 4);
        return v == 2 || v == 3 ? 100 : 50; /* a bad version still says "qcow2" */
    }
    return 0;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -EINVAL;                                                                            \
    } while (0)

/* Does [off, off + len) lie inside a file of file_size bytes? */
static bool in_file(uint64_t off, uint64_t len, uint64_t file_size)
{
    return off <= file_size && len <= file_size - off;
}

static int parse_extensions(struct qcow2 *s, const uint8_t *hdr, size_t len, char *err,
                            size_t errlen, char *unknown_name, size_t namelen)
{
    uint64_t off = s->header_length;
    uint64_t end = s->cluster_size < len ? s->cluster_size : len;
    if (s->backing_name_offset && s->backing_name_offset < end)
        end = s->backing_name_offset;
    for (;;) {
        if (off + 8 > end)
            return 0; /* no end marker before the name/cluster end: QEMU accepts that */
        uint32_t type = blk_be32(hdr + off), elen = blk_be32(hdr + off + 4);
        off += 8;
        if (type == QCOW2_EXT_END)
            return 0;
        if (elen > end - off)
            FAIL("qcow2 header extension 0x%08x (%u bytes) runs past the header", type, elen);
        const uint8_t *d = hdr + off;
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            free(s->backing_format);
            s->backing_format = strndup((const char *)d, elen);
        } else if (type == QCOW2_EXT_FEATURE_TABLE) {
            for (uint32_t i = 0; i + 48 <= elen; i += 48)
                if (d[i] == 0 && d[i + 1] < 64 && (s->incompat & ~0x3ull & (1ull << d[i + 1])) &&
                    !unknown_name[0])
                    snprintf(unknown_name, namelen, "%.46s", (const char *)d + i + 2);
        }
        off += (elen + 7) & ~7u;
    }
}

int qcow2_parse_header(struct qcow2 *s, const uint8_t *hdr, size_t len, uint64_t file_size,
                       char *err, size_t errlen)
{
    if (len < QCOW2_V2_HEADER_LEN)
        FAIL("qcow2 header is truncated (%zu bytes)", len);
    if (blk_be32(hdr) != QCOW2_MAGIC)
        FAIL("Image is not in qcow2 format (bad magic)");
    s->version = blk_be32(hdr + 4);
    if (s->version != 2 && s->version != 3)
        FAIL("Unsupported qcow2 version %u", s->version);
    uint64_t backing_offset = blk_be64(hdr + 8);
    uint32_t backing_size = blk_be32(hdr + 16);
    s->cluster_bits = blk_be32(hdr + 20);
    if (s->cluster_bits < QCOW2_MIN_CLUSTER_BITS || s->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
        FAIL("Unsupported qcow2 cluster size: 2^%u (cluster_bits must be 9 to 21)",
             s->cluster_bits);
    s->cluster_size = 1ull << s->cluster_bits;
    s->l2_bits = s->cluster_bits - 3;
    s->size = blk_be64(hdr + 24);
    if (blk_be32(hdr + 32) != 0)
        FAIL("Encrypted qcow2 images are not supported (crypt_method %u)", blk_be32(hdr + 32));
    s->l1_size = blk_be32(hdr + 36);
    s->l1_offset = blk_be64(hdr + 40);
    s->rt_offset = blk_be64(hdr + 48);
    s->rt_clusters = blk_be32(hdr + 56);
    s->nb_snapshots = blk_be32(hdr + 60);
    s->snapshots_offset = blk_be64(hdr + 64);
    s->refcount_order = 4;
    s->header_length = QCOW2_V2_HEADER_LEN;
    if (s->version == 3) {
        if (len < QCOW2_V3_HEADER_LEN)
            FAIL("qcow2 v3 header is truncated (%zu bytes)", len);
        s->incompat = blk_be64(hdr + 72);
        s->compat = blk_be64(hdr + 80);
        s->autoclear = blk_be64(hdr + 88);
        s->refcount_order = blk_be32(hdr + 96);
        s->header_length = blk_be32(hdr + 100);
        if (s->header_length < QCOW2_V3_HEADER_LEN)
            FAIL("qcow2 header_length %u is too short (at least 104)", s->header_length);
        if (s->header_length > s->cluster_size || s->header_length > len)
            FAIL("qcow2 header_length %u is larger than the header cluster", s->header_length);
        if (s->refcount_order > 6)
            FAIL("qcow2 refcount_order %u is too large (at most 6: 64-bit refcounts)",
                 s->refcount_order);
    }
    s->rb_bits = s->cluster_bits + 3 - s->refcount_order;

    /* The size must be addressable through the L1 table. */
    uint64_t l2_cover_bits = s->cluster_bits + s->l2_bits;
    if (s->size > (1ull << 62) || (s->size >> l2_cover_bits) > QCOW2_MAX_L1_ENTRIES)
        FAIL("qcow2 virtual size %" PRIu64 " is too large", s->size);
    uint64_t l1_needed = (s->size + (1ull << l2_cover_bits) - 1) >> l2_cover_bits;
    if (s->l1_size > QCOW2_MAX_L1_ENTRIES)
        FAIL("qcow2 L1 table is too large (%u entries)", s->l1_size);
    if (s->l1_size < l1_needed)
        FAIL("qcow2 L1 table has %u entries, the virtual size needs %" PRIu64, s->l1_size,
             l1_needed);
    if (s->l1_size && (s->l1_offset & (s->cluster_size - 1)))
        FAIL("qcow2 L1 table offset 0x%" PRIx64 " is not cluster aligned", s->l1_offset);
    if (!in_file(s->l1_offset, (uint64_t)s->l1_size * 8, file_size))
        FAIL("qcow2 L1 table (offset 0x%" PRIx64 ", %u entries) is past the end of the file",
             s->l1_offset, s->l1_size);
    if (s->rt_clusters == 0)
        FAIL("qcow2 refcount table is empty");
    if ((uint64_t)s->rt_clusters << s->cluster_bits > QCOW2_MAX_REFTABLE_BYTES)
        FAIL("qcow2 refcount table is too large (%u clusters)", s->rt_clusters);
    if (s->rt_offset & (s->cluster_size - 1))
        FAIL("qcow2 refcount table offset 0x%" PRIx64 " is not cluster aligned", s->rt_offset);
    if (!in_file(s->rt_offset, (uint64_t)s->rt_clusters << s->cluster_bits, file_size))
        FAIL("qcow2 refcount table (offset 0x%" PRIx64 ", %u clusters) is past the end of the file",
             s->rt_offset, s->rt_clusters);
    if (s->nb_snapshots > QCOW2_MAX_SNAPSHOTS)
        FAIL("qcow2 has too many snapshots (%u)", s->nb_snapshots);
    if (s->nb_snapshots && (!s->snapshots_offset || (s->snapshots_offset & (s->cluster_size - 1)) ||
                            !in_file(s->snapshots_offset, 40, file_size)))
        FAIL("qcow2 snapshot table offset 0x%" PRIx64 " is invalid", s->snapshots_offset);

    /* The backing file name lives in the first cluster (as QEMU requires). */
    s->backing_name_offset = 0;
    if (backing_offset) {
        if (backing_size > 1023)
            FAIL("qcow2 backing file name is too long (%u bytes)", backing_size);
        if (backing_offset > s->cluster_size || backing_size > s->cluster_size - backing_offset ||
            backing_offset + backing_size > len)
            FAIL("qcow2 backing file name (offset 0x%" PRIx64 ") lies outside the header cluster",
                 backing_offset);
        if (backing_offset < s->header_length)
            FAIL("qcow2 backing file name (offset 0x%" PRIx64 ") overlaps the header",
                 backing_offset);
        s->backing_file = strndup((const char *)hdr + backing_offset, backing_size);
        s->backing_name_offset = backing_offset;
    }

    char unknown_name[64] = "";
    int r = parse_extensions(s, hdr, len, err, errlen, unknown_name, sizeof(unknown_name));
    if (r)
        return r;
    uint64_t known = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT;
    if (s->incompat & ~known)
        FAIL("Unsupported qcow2 incompatible feature%s 0x%" PRIx64 "%s%s%s",
             (s->incompat & ~known) & ((s->incompat & ~known) - 1) ? "s" : "", s->incompat & ~known,
             unknown_name[0] ? " (" : "", unknown_name, unknown_name[0] ? ")" : "");
    return 0;
}

void qcow2_free(struct qcow2 *s)
{
    if (!s)
        return;
    free(s->l1);
    free(s->rt);
    for (int i = 0; i < QCOW2_L2_CACHE; i++)
        free(s->l2c[i].table);
    free(s->rb);
    free(s->cluster_buf);
    free(s->dec_buf);
    free(s->comp_buf);
    free(s->backing_file);
    free(s->backing_format);
    free(s);
}

static int load_table(int fd, uint64_t offset, uint64_t entries, uint64_t **out)
{
    uint64_t *t = calloc(entries ? entries : 1, 8);
    if (!t)
        return -ENOMEM;
    if (entries) {
        ssize_t n = blk_pread(fd, t, entries * 8, offset);
        if (n < 0 || (uint64_t)n != entries * 8) {
            free(t);
            return n < 0 ? (int)n : -EIO;
        }
        for (uint64_t i = 0; i < entries; i++)
            t[i] = blk_be64((const uint8_t *)&t[i]);
    }
    *out = t;
    return 0;
}

static int qcow2_open(struct blockdev *bd, const char *filename, int flags, char *err,
                      size_t errlen)
{
    struct qcow2 *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    uint8_t *hdr = NULL;
    int r;
    s->rdonly = flags & BLK_RDONLY;
    s->fd = blk_file_open(filename, flags, err, errlen);
    if (s->fd < 0) {
        r = s->fd;
        s->fd = -1;
        goto fail;
    }
    int64_t fsize = blk_file_size(s->fd);
    if (fsize < 0) {
        r = (int)fsize;
        snprintf(err, errlen, "Could not get the size of '%s'", filename);
        goto fail;
    }
    s->file_size = (uint64_t)fsize;
    uint8_t peek[24];
    ssize_t n = blk_pread(s->fd, peek, sizeof(peek), 0);
    if (n < (ssize_t)sizeof(peek)) {
        r = n < 0 ? (int)n : -EINVAL;
        snprintf(err, errlen, "'%s': qcow2 header is truncated", filename);
        goto fail;
    }
    uint32_t cb = blk_be32(peek + 20);
    size_t hlen = cb >= QCOW2_MIN_CLUSTER_BITS && cb <= QCOW2_MAX_CLUSTER_BITS ? 1u << cb : 4096;
    if (hlen > s->file_size)
        hlen = (size_t)s->file_size;
    hdr = malloc(hlen);
    if (!hdr) {
        r = -ENOMEM;
        goto fail;
    }
    n = blk_pread(s->fd, hdr, hlen, 0);
    if (n < 0) {
        r = (int)n;
        snprintf(err, errlen, "Could not read '%s': %s", filename, strerror(-r));
        goto fail;
    }
    char msg[400];
    r = qcow2_parse_header(s, hdr, (size_t)n, s->file_size, msg, sizeof(msg));
    if (r) {
        snprintf(err, errlen, "'%s': %s", filename, msg);
        goto fail;
    }
    if (!s->rdonly) {
        const char *why = NULL;
        if (s->incompat & QCOW2_INCOMPAT_CORRUPT)
            why = "is marked corrupt";
        else if (s->incompat & QCOW2_INCOMPAT_DIRTY)
            why = "is marked dirty (its refcounts may be stale; repair it with 'qemu-img check -r "
                  "all')";
        else if (s->nb_snapshots)
            why = "has internal snapshots, which vx86 only reads";
        if (why) {
            snprintf(err, errlen, "qcow2 image '%s' %s: it can only be opened read-only", filename,
                     why);
            r = -EACCES;
            goto fail;
        }
    }
    s->rt_size = ((uint64_t)s->rt_clusters << s->cluster_bits) / 8;
    if ((r = load_table(s->fd, s->l1_offset, s->l1_size, &s->l1)) ||
        (r = load_table(s->fd, s->rt_offset, s->rt_size, &s->rt))) {
        snprintf(err, errlen, "'%s': could not read the qcow2 L1/refcount tables", filename);
        goto fail;
    }
    s->cluster_buf = malloc(s->cluster_size);
    s->dec_buf = malloc(s->cluster_size);
    s->comp_buf = malloc(s->cluster_size * 2);
    s->rb = malloc(s->cluster_size);
    if (!s->cluster_buf || !s->dec_buf || !s->comp_buf || !s->rb) {
        r = -ENOMEM;
        goto fail;
    }
    s->alloc_end = (s->file_size + s->cluster_size - 1) & ~(s->cluster_size - 1);
    if (!s->rdonly && s->autoclear) {
        /* Autoclear features (e.g. persistent bitmaps) describe data vx86
         * does not keep up to date: a writer must clear them (qcow2.txt). */
        uint8_t zero[8] = {0};
        if ((r = blk_pwrite(s->fd, zero, 8, 88))) {
            snprintf(err, errlen, "Could not update the header of '%s'", filename);
            goto fail;
        }
        s->autoclear = 0;
    }
    free(hdr);
    bd->priv = s;
    bd->sectors = (s->size + BLK_SECTOR - 1) / BLK_SECTOR;
    return 0;
fail:
    free(hdr);
    if (s->fd >= 0)
        blk_file_close(s->fd);
    qcow2_free(s);
    return r ? r : -EINVAL;
}

static int qcow2_flush(struct blockdev *bd)
{
    struct qcow2 *s = bd->priv;
    return blk_fsync(s->fd);
}

static void qcow2_close(struct blockdev *bd)
{
    struct qcow2 *s = bd->priv;
    if (!s)
        return;
    if (!s->rdonly)
        blk_fsync(s->fd);
    blk_file_close(s->fd);
    qcow2_free(s);
    bd->priv = NULL;
}

static int qcow2_info(struct blockdev *bd, struct blk_info *info)
{
    struct qcow2 *s = bd->priv;
    info->format = "qcow2";
    info->subformat = s->version == 2 ? "compat=0.10" : "compat=1.1";
    info->virtual_size = s->size;
    info->allocated_size = blk_file_allocated(s->fd);
    info->backing_file = s->backing_file;
    info->backing_format = s->backing_format;
    info->cluster_size = (uint32_t)s->cluster_size;
    return 0;
}

const struct blockdev_driver blk_driver_qcow2 = {
    .name = "qcow2",
    .probe = qcow2_probe,
    .open = qcow2_open,
    .read = qcow2_rw_read,
    .write = qcow2_rw_write,
    .flush = qcow2_flush,
    .close = qcow2_close,
    .is_allocated = qcow2_rw_is_allocated,
    .create = qcow2_create,
    .info = qcow2_info,
    .check = qcow2_check,
};
