/* Creating a qcow2 image (v2 "compat=0.10" or v3 "compat=1.1"), laid out as
 * qemu-img does: header cluster, refcount table, one refcount block, L1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/file_io.h"
#include "devices/block/qcow2.h"

#define DEFAULT_CLUSTER_BITS 16 /* 64 KiB, qemu-img's default */

int qcow2_create(const char *filename, const struct blk_create_opts *opts, char *err, size_t errlen)
{
    int version = opts->compat ? opts->compat : 3;
    if (version != 2 && version != 3) {
        snprintf(err, errlen, "Invalid qcow2 compat level %d (0.10 or 1.1)", opts->compat);
        return -EINVAL;
    }
    if (opts->subformat) {
        snprintf(err, errlen, "Format 'qcow2' has no subformat '%s'", opts->subformat);
        return -EINVAL;
    }
    uint32_t cluster_bits = DEFAULT_CLUSTER_BITS;
    if (opts->cluster_size) {
        cluster_bits = (uint32_t)__builtin_ctz(opts->cluster_size);
        if ((opts->cluster_size & (opts->cluster_size - 1)) ||
            cluster_bits < QCOW2_MIN_CLUSTER_BITS || cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
            snprintf(err, errlen, "Cluster size must be a power of two between 512 and 2M");
            return -EINVAL;
        }
    }
    const uint64_t cs = 1ull << cluster_bits;
    const uint32_t l2_bits = cluster_bits - 3;
    uint64_t size = (opts->size + BLK_SECTOR - 1) & ~(uint64_t)(BLK_SECTOR - 1);
    uint64_t cover = 1ull << (cluster_bits + l2_bits); /* bytes per L2 table */
    if (size > (1ull << 62) || (size + cover - 1) / cover > QCOW2_MAX_L1_ENTRIES) {
        snprintf(err, errlen, "Image size is too large for qcow2 with %llu-byte clusters",
                 (unsigned long long)cs);
        return -EINVAL;
    }
    uint64_t l1_size = (size + cover - 1) / cover;
    uint64_t l1_clusters = (l1_size * 8 + cs - 1) / cs;
    if (!l1_clusters)
        l1_clusters = 1;
    uint64_t backing_len = opts->backing_file ? strlen(opts->backing_file) : 0;
    uint64_t fmt_len = opts->backing_format ? strlen(opts->backing_format) : 0;
    if (backing_len > 1023) {
        snprintf(err, errlen, "Backing file name too long");
        return -EINVAL;
    }

    /* Clusters: 0 header, 1 refcount table, 2 refcount block, 3.. L1. */
    uint64_t nclusters = 3 + l1_clusters;
    uint64_t rb_entries = cs * 8 / 16;
    if (nclusters > rb_entries) {
        snprintf(err, errlen, "Image size is too large for a %llu-byte cluster size",
                 (unsigned long long)cs);
        return -EINVAL;
    }
    uint64_t hdr_need =
        (version == 3 ? 112 : QCOW2_V2_HEADER_LEN) + 16 + ((fmt_len + 7) & ~7ull) + backing_len;
    if (hdr_need > cs) {
        snprintf(err, errlen, "The backing file name does not fit in a %llu-byte cluster",
                 (unsigned long long)cs);
        return -EINVAL;
    }
    uint64_t total = nclusters * cs;
    uint8_t *img = calloc(1, total);
    if (!img)
        return -ENOMEM;
    uint8_t *h = img;
    uint32_t hlen = version == 3 ? 112 : QCOW2_V2_HEADER_LEN;
    blk_put_be32(h + 0, QCOW2_MAGIC);
    blk_put_be32(h + 4, (uint32_t)version);
    blk_put_be32(h + 20, cluster_bits);
    blk_put_be64(h + 24, size);
    blk_put_be32(h + 36, (uint32_t)l1_size);
    blk_put_be64(h + 40, 3 * cs);
    blk_put_be64(h + 48, 1 * cs);
    blk_put_be32(h + 56, 1);
    if (version == 3) {
        blk_put_be32(h + 96, 4); /* 16-bit refcounts */
        blk_put_be32(h + 100, hlen);
    }
    uint64_t off = hlen;
    if (opts->backing_format) {
        blk_put_be32(h + off, QCOW2_EXT_BACKING_FORMAT);
        blk_put_be32(h + off + 4, (uint32_t)fmt_len);
        memcpy(h + off + 8, opts->backing_format, fmt_len);
        off += 8 + ((fmt_len + 7) & ~7ull);
    }
    off += 8; /* end of extensions: type 0, length 0 */
    if (opts->backing_file) {
        blk_put_be64(h + 8, off);
        blk_put_be32(h + 16, (uint32_t)backing_len);
        memcpy(h + off, opts->backing_file, backing_len);
    }
    blk_put_be64(img + cs, 2 * cs); /* refcount table[0] -> block at cluster 2 */
    for (uint64_t c = 0; c < nclusters; c++)
        qcow2_refcount_set_entry(img + 2 * cs, c, 4, 1);

    int fd = blk_file_create(filename, err, errlen);
    if (fd < 0) {
        free(img);
        return fd;
    }
    /* Write only what is not zero, so big clusters leave holes (as qemu-img). */
    uint64_t hdr_end = off + backing_len;
    int r = blk_file_truncate(fd, total);
    if (!r)
        r = blk_pwrite(fd, img, hdr_end, 0);
    if (!r)
        r = blk_pwrite(fd, img + cs, 8, cs);
    if (!r)
        r = blk_pwrite(fd, img + 2 * cs, nclusters * 2, 2 * cs);
    if (!r)
        r = blk_fsync(fd);
    if (r)
        snprintf(err, errlen, "Could not write '%s': %s", filename, strerror(-r));
    blk_file_close(fd);
    free(img);
    return r;
}
