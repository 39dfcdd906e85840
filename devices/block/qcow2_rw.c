/* qcow2 data path: L1/L2 lookup with a small L2 cache, reads (normal,
 * zero and deflate-compressed clusters), writes with cluster allocation.
 *
 * Write order for a new cluster (the data-safety rule of issue 5): the
 * refcount of the new cluster is written first (qcow2_alloc_clusters), then
 * the cluster's data, then the L2 entry that points to it; a new L2 table
 * is written (zeroed) before the L1 entry that points to it. Each step is a
 * pwrite in program order, so if vx86 dies between two steps the kernel
 * still has the earlier ones and the image has at worst a leaked cluster
 * (refcount 1, no reference) -- never a reference to an uncounted cluster
 * or to unwritten data. Surviving a host crash needs blk_flush (fsync),
 * which the guest's FLUSH CACHE triggers, as on a real disk with a write
 * cache. (QEMU orders refcounts before L2 the same way.) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "devices/block/file_io.h"
#include "devices/block/qcow2.h"

int qcow2_get_l2(struct qcow2 *s, uint64_t l2_offset, uint64_t **table)
{
    struct qcow2_l2_slot *victim = &s->l2c[0];
    for (int i = 0; i < QCOW2_L2_CACHE; i++) {
        struct qcow2_l2_slot *e = &s->l2c[i];
        if (e->offset == l2_offset && e->table) {
            e->used = ++s->l2c_clock;
            *table = e->table;
            return 0;
        }
        if (e->used < victim->used)
            victim = e;
    }
    if (l2_offset & (s->cluster_size - 1))
        return -EIO; /* unaligned L2 table: corrupt L1 entry */
    if (!victim->table && !(victim->table = malloc(s->cluster_size)))
        return -ENOMEM;
    victim->offset = 0;
    ssize_t n = blk_pread(s->fd, victim->table, s->cluster_size, l2_offset);
    if (n < 0)
        return (int)n;
    if ((uint64_t)n < s->cluster_size)
        return -EIO; /* L2 table past the end of the file */
    for (uint64_t i = 0; i < s->cluster_size / 8; i++)
        victim->table[i] = blk_be64((const uint8_t *)&victim->table[i]);
    victim->offset = l2_offset;
    victim->used = ++s->l2c_clock;
    *table = victim->table;
    return 0;
}

/* The L2 entry of guest cluster cidx (0 if no L2 table covers it). */
static int get_entry(struct qcow2 *s, uint64_t cidx, uint64_t *entry)
{
    uint64_t l1i = cidx >> s->l2_bits;
    *entry = 0;
    if (l1i >= s->l1_size)
        return 0;
    uint64_t l2 = s->l1[l1i] & QCOW2_OFFSET_MASK;
    if (!l2)
        return 0;
    uint64_t *t;
    int r = qcow2_get_l2(s, l2, &t);
    if (r)
        return r;
    *entry = t[cidx & ((1ull << s->l2_bits) - 1)];
    return 0;
}

static bool is_zero_entry(const struct qcow2 *s, uint64_t entry)
{
    return s->version >= 3 && !(entry & QCOW2_OFLAG_COMPRESSED) && (entry & QCOW2_OFLAG_ZERO);
}

/* Compressed cluster descriptor (qcow2.txt "Compressed Clusters Descriptor"):
 * x = 62 - (cluster_bits - 8) low bits are the host byte offset, the next
 * cluster_bits - 8 bits the number of 512-byte sectors minus one. The data
 * is a raw deflate stream (no zlib header), as QEMU writes it. */
int qcow2_decompress(struct qcow2 *s, uint64_t entry, uint8_t *out)
{
    if (out == s->dec_buf && s->dec_entry == entry)
        return 0;
    uint64_t shift = qcow2_csize_shift(s);
    uint64_t coff = entry & ((1ull << shift) - 1);
    uint64_t nsec = ((entry >> shift) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
    uint64_t csize = nsec * 512 - (coff & 511);
    ssize_t n = blk_pread(s->fd, s->comp_buf, csize, coff);
    if (n <= 0)
        return n < 0 ? (int)n : -EIO;
    z_stream z = {0};
    if (inflateInit2(&z, -12) != Z_OK)
        return -ENOMEM;
    z.next_in = s->comp_buf;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)s->cluster_size;
    int zr = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    /* QEMU accepts a stream that fills the cluster even without its end. */
    if ((zr != Z_STREAM_END && zr != Z_BUF_ERROR) || z.avail_out != 0) {
        if (out == s->dec_buf)
            s->dec_entry = 0;
        return -EIO;
    }
    if (out == s->dec_buf)
        s->dec_entry = entry;
    return 0;
}

int qcow2_rw_read(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count)
{
    struct qcow2 *s = bd->priv;
    uint8_t *p = buf;
    uint64_t off = sector * BLK_SECTOR, left = (uint64_t)count * BLK_SECTOR;
    while (left) {
        uint64_t cidx = off >> s->cluster_bits, in = off & (s->cluster_size - 1);
        uint64_t n = s->cluster_size - in < left ? s->cluster_size - in : left;
        uint64_t e;
        int r = get_entry(s, cidx, &e);
        if (r)
            return r;
        uint64_t host = e & QCOW2_OFFSET_MASK;
        if (e & QCOW2_OFLAG_COMPRESSED) {
            if ((r = qcow2_decompress(s, e, s->dec_buf)))
                return r;
            memcpy(p, s->dec_buf + in, n);
        } else if (is_zero_entry(s, e) || !host) {
            memset(p, 0, n); /* unallocated here: blk_read sends it to the backing file */
        } else {
            if (host & (s->cluster_size - 1))
                return -EIO;
            if ((r = blk_pread_zf(s->fd, p, n, host + in)))
                return r;
        }
        p += n;
        off += n;
        left -= n;
    }
    return 0;
}

int qcow2_rw_is_allocated(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run)
{
    struct qcow2 *s = bd->priv;
    uint64_t spc = s->cluster_size / BLK_SECTOR;
    uint64_t done = 0;
    int state = -1;
    while (done < count) {
        uint64_t e;
        uint64_t sec = sector + done;
        int r = get_entry(s, sec / spc, &e);
        if (r)
            return r;
        int a = (e & QCOW2_OFLAG_COMPRESSED) || is_zero_entry(s, e) || (e & QCOW2_OFFSET_MASK);
        if (state >= 0 && a != state)
            break;
        state = a;
        uint64_t n = spc - sec % spc;
        done += n < count - done ? n : count - done;
    }
    *run = (uint32_t)done;
    return state;
}

/* The L2 table for guest cluster cidx, allocating an empty one if needed. */
static int get_l2_for_write(struct qcow2 *s, uint64_t cidx, uint64_t *l2_offset, uint64_t **table)
{
    uint64_t l1i = cidx >> s->l2_bits;
    if (l1i >= s->l1_size)
        return -EIO;
    uint64_t l2 = s->l1[l1i] & QCOW2_OFFSET_MASK;
    if (!l2) {
        int64_t n = qcow2_alloc_clusters(s, 1);
        if (n < 0)
            return (int)n;
        l2 = (uint64_t)n;
        /* An empty table: past the end of the file, growing the file makes
         * it read as zeros without writing (and allocating) them. */
        int64_t fsize = blk_file_size(s->fd);
        int r;
        if (fsize >= 0 && (uint64_t)fsize <= l2) {
            r = blk_file_truncate(s->fd, l2 + s->cluster_size);
        } else {
            memset(s->cluster_buf, 0, s->cluster_size);
            r = blk_pwrite(s->fd, s->cluster_buf, s->cluster_size, l2);
        }
        if (r)
            return r;
        s->l1[l1i] = l2 | QCOW2_OFLAG_COPIED;
        uint8_t be[8];
        blk_put_be64(be, s->l1[l1i]);
        if ((r = blk_pwrite(s->fd, be, 8, s->l1_offset + l1i * 8)))
            return r;
    }
    *l2_offset = l2;
    return qcow2_get_l2(s, l2, table);
}

/* What a cluster held before a partial write: the backing file's data for an
 * unallocated cluster, zeros for a zero cluster, the inflated data. */
static int old_cluster(struct blockdev *bd, uint64_t cidx, uint64_t e, uint8_t *out)
{
    struct qcow2 *s = bd->priv;
    if (e & QCOW2_OFLAG_COMPRESSED)
        return qcow2_decompress(s, e, out);
    memset(out, 0, s->cluster_size);
    if (is_zero_entry(s, e) || !bd->backing)
        return 0;
    uint64_t first = (cidx << s->cluster_bits) / BLK_SECTOR;
    uint64_t n = s->cluster_size / BLK_SECTOR;
    if (first >= bd->backing->sectors)
        return 0;
    if (n > bd->backing->sectors - first)
        n = bd->backing->sectors - first;
    return blk_read(bd->backing, first, out, (uint32_t)n);
}

int qcow2_rw_write(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count)
{
    struct qcow2 *s = bd->priv;
    const uint8_t *p = buf;
    uint64_t off = sector * BLK_SECTOR, left = (uint64_t)count * BLK_SECTOR;
    while (left) {
        uint64_t cidx = off >> s->cluster_bits, in = off & (s->cluster_size - 1);
        uint64_t n = s->cluster_size - in < left ? s->cluster_size - in : left;
        uint64_t l2 = 0, *t = NULL;
        int r = get_l2_for_write(s, cidx, &l2, &t);
        if (r)
            return r;
        uint64_t idx = cidx & ((1ull << s->l2_bits) - 1);
        uint64_t e = t[idx], host = e & QCOW2_OFFSET_MASK;
        if (!(e & QCOW2_OFLAG_COMPRESSED) && !is_zero_entry(s, e) && host) {
            /* Never write where no cluster was allocated (a corrupt entry
             * could point anywhere up to 2^56 and grow the file). */
            if ((host & (s->cluster_size - 1)) || host >= s->alloc_end)
                return -EIO;
            if ((r = blk_pwrite(s->fd, p, n, host + in)))
                return r;
        } else {
            const uint8_t *data = p;
            if (n != s->cluster_size) {
                if ((r = old_cluster(bd, cidx, e, s->cluster_buf)))
                    return r;
                memcpy(s->cluster_buf + in, p, n);
                data = s->cluster_buf;
            }
            int64_t nc = qcow2_alloc_clusters(s, 1);
            if (nc < 0)
                return (int)nc;
            if ((r = blk_pwrite(s->fd, data, s->cluster_size, (uint64_t)nc)))
                return r;
            /* The allocation may have evicted this L2 table: look it up again. */
            if ((r = qcow2_get_l2(s, l2, &t)))
                return r;
            t[idx] = (uint64_t)nc | QCOW2_OFLAG_COPIED;
            uint8_t be[8];
            blk_put_be64(be, t[idx]);
            if ((r = blk_pwrite(s->fd, be, 8, l2 + idx * 8)))
                return r;
            if (e == s->dec_entry)
                s->dec_entry = 0;
            if (e & QCOW2_OFLAG_COMPRESSED) {
                uint64_t shift = qcow2_csize_shift(s);
                uint64_t coff = e & ((1ull << shift) - 1);
                uint64_t nsec = ((e >> shift) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
                r = qcow2_free_range(s, coff & ~511ull, nsec * 512);
            } else if (host) {
                r = qcow2_free_range(s, host, s->cluster_size); /* a preallocated zero cluster */
            }
            if (r)
                return r;
        }
        p += n;
        off += n;
        left -= n;
    }
    return 0;
}
