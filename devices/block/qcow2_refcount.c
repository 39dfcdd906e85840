/* qcow2 reference counts: the refcount table and blocks, cluster allocation
 * at the end of the file, and freeing. Every refcount change is written
 * through at once, before the metadata that starts using the cluster, so a
 * crash can leave a leaked cluster but never a used cluster counted free. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/file_io.h"
#include "devices/block/qcow2.h"

/* Entries are big-endian; narrower than a byte they are packed from the
 * least significant bit (qcow2.txt, "refcount_order"). */
uint64_t qcow2_refcount_get_entry(const uint8_t *block, uint64_t index, uint32_t order)
{
    uint32_t bits = 1u << order;
    if (bits < 8)
        return (block[index * bits / 8] >> (index * bits % 8)) & ((1u << bits) - 1);
    uint64_t v = 0;
    const uint8_t *p = block + index * (bits / 8);
    for (uint32_t i = 0; i < bits / 8; i++)
        v = v << 8 | p[i];
    return v;
}

void qcow2_refcount_set_entry(uint8_t *block, uint64_t index, uint32_t order, uint64_t value)
{
    uint32_t bits = 1u << order;
    if (bits < 8) {
        uint8_t *p = &block[index * bits / 8];
        uint32_t shift = index * bits % 8, mask = ((1u << bits) - 1) << shift;
        *p = (uint8_t)((*p & ~mask) | ((value << shift) & mask));
        return;
    }
    uint8_t *p = block + index * (bits / 8);
    for (int i = (int)(bits / 8) - 1; i >= 0; i--, value >>= 8)
        p[i] = (uint8_t)value;
}

static int load_refblock(struct qcow2 *s, uint64_t offset)
{
    if (s->rb_offset == offset)
        return 0;
    if ((offset & (s->cluster_size - 1)) || offset == 0)
        return -EIO;
    ssize_t n = blk_pread(s->fd, s->rb, s->cluster_size, offset);
    if (n < 0)
        return (int)n;
    if ((uint64_t)n < s->cluster_size) {
        if (offset + s->cluster_size <= s->file_size || offset >= s->alloc_end)
            return -EIO; /* past the end: a corrupt refcount table entry */
        memset(s->rb + n, 0, s->cluster_size - (uint64_t)n);
    }
    s->rb_offset = offset;
    return 0;
}

int qcow2_get_refcount(struct qcow2 *s, uint64_t cluster, uint64_t *ref)
{
    uint64_t rti = cluster >> s->rb_bits;
    *ref = 0;
    if (rti >= s->rt_size || !(s->rt[rti] & QCOW2_REFT_OFFSET_MASK))
        return 0;
    int r = load_refblock(s, s->rt[rti] & QCOW2_REFT_OFFSET_MASK);
    if (r)
        return r;
    *ref = qcow2_refcount_get_entry(s->rb, cluster & ((1ull << s->rb_bits) - 1), s->refcount_order);
    return 0;
}

static int write_rt_entry(struct qcow2 *s, uint64_t rti)
{
    uint8_t be[8];
    blk_put_be64(be, s->rt[rti]);
    return blk_pwrite(s->fd, be, 8, s->rt_offset + rti * 8);
}

/* Grow the refcount table so it has at least `need` entries: a new, larger
 * table is written at the end of the file, then the header is switched to
 * it, then the old table's clusters are freed. */
static int grow_refcount_table(struct qcow2 *s, uint64_t need)
{
    uint64_t cs = s->cluster_size;
    uint64_t entries = s->rt_size * 2 > need ? s->rt_size * 2 : need;
    uint64_t clusters;
    for (;;) {
        clusters = (entries * 8 + cs - 1) / cs;
        /* The table must also cover itself and the blocks for it. */
        uint64_t last = (s->alloc_end >> s->cluster_bits) + clusters + 64;
        uint64_t cover = (last >> s->rb_bits) + 1;
        if (cover <= entries)
            break;
        entries = cover;
    }
    if (clusters * cs > QCOW2_MAX_REFTABLE_BYTES)
        return -EFBIG;
    uint64_t *nrt = calloc(clusters * cs / 8, 8);
    if (!nrt)
        return -ENOMEM;
    memcpy(nrt, s->rt, s->rt_size * 8);
    uint64_t old_offset = s->rt_offset, old_clusters = s->rt_clusters;
    uint64_t off = s->alloc_end;
    s->alloc_end += clusters * cs;
    free(s->rt);
    s->rt = nrt;
    s->rt_size = clusters * cs / 8;
    s->rt_offset = off; /* entries written from now on land in the new table */
    s->rt_clusters = (uint32_t)clusters;
    int r = 0;
    for (uint64_t i = 0; i < clusters && !r; i++)
        r = qcow2_update_refcount(s, (off >> s->cluster_bits) + i, 1);
    if (r)
        return r;
    uint8_t *buf = malloc(clusters * cs);
    if (!buf)
        return -ENOMEM;
    for (uint64_t i = 0; i < s->rt_size; i++)
        blk_put_be64(buf + i * 8, s->rt[i]);
    r = blk_pwrite(s->fd, buf, clusters * cs, off);
    free(buf);
    if (r)
        return r;
    uint8_t hdr[12];
    blk_put_be64(hdr, s->rt_offset);
    blk_put_be32(hdr + 8, s->rt_clusters);
    r = blk_pwrite(s->fd, hdr, sizeof(hdr), 48); /* refcount_table_offset, _clusters */
    if (r)
        return r;
    return qcow2_free_range(s, old_offset, old_clusters * cs);
}

/* Make sure refcount block `rti` exists. A new block is placed at the end
 * of the file and, when it falls in its own range, counts itself. */
static int ensure_refblock(struct qcow2 *s, uint64_t rti)
{
    if (rti < s->rt_size && (s->rt[rti] & QCOW2_REFT_OFFSET_MASK))
        return 0;
    if (rti >= s->rt_size) {
        int r = grow_refcount_table(s, rti + 1);
        if (r)
            return r;
        if (s->rt[rti] & QCOW2_REFT_OFFSET_MASK)
            return 0;
    }
    uint64_t off = s->alloc_end;
    s->alloc_end += s->cluster_size;
    uint64_t c = off >> s->cluster_bits;
    bool self = (c >> s->rb_bits) == rti;
    int r;
    /* Counted before it is used: a block outside its own range is counted
     * in another block first; one inside counts itself. */
    if (!self && (r = qcow2_update_refcount(s, c, 1)))
        return r;
    if (s->rt[rti] & QCOW2_REFT_OFFSET_MASK) /* the recursion above made it */
        return qcow2_update_refcount(s, c, -1);
    memset(s->rb, 0, s->cluster_size);
    if (self)
        qcow2_refcount_set_entry(s->rb, c & ((1ull << s->rb_bits) - 1), s->refcount_order, 1);
    s->rb_offset = 0;
    if ((r = blk_pwrite(s->fd, s->rb, s->cluster_size, off)))
        return r;
    s->rb_offset = off;
    s->rt[rti] = off;
    return write_rt_entry(s, rti);
}

int qcow2_update_refcount(struct qcow2 *s, uint64_t cluster, int delta)
{
    uint64_t rti = cluster >> s->rb_bits;
    int r;
    if (delta > 0 && (r = ensure_refblock(s, rti)))
        return r;
    if (rti >= s->rt_size || !(s->rt[rti] & QCOW2_REFT_OFFSET_MASK))
        return -EIO; /* freeing a cluster nobody counted: corrupt */
    uint64_t boff = s->rt[rti] & QCOW2_REFT_OFFSET_MASK;
    if ((r = load_refblock(s, boff)))
        return r;
    uint64_t idx = cluster & ((1ull << s->rb_bits) - 1);
    uint64_t v = qcow2_refcount_get_entry(s->rb, idx, s->refcount_order);
    uint64_t max = s->refcount_order == 6 ? UINT64_MAX : (1ull << (1u << s->refcount_order)) - 1;
    if ((delta > 0 && v == max) || (delta < 0 && v == 0))
        return -EIO;
    v = delta > 0 ? v + 1 : v - 1;
    qcow2_refcount_set_entry(s->rb, idx, s->refcount_order, v);
    uint32_t bits = 1u << s->refcount_order;
    uint64_t boff_in = bits < 8 ? idx * bits / 8 : idx * (bits / 8);
    uint32_t len = bits < 8 ? 1 : bits / 8;
    return blk_pwrite(s->fd, s->rb + boff_in, len, boff + boff_in);
}

int64_t qcow2_alloc_clusters(struct qcow2 *s, uint64_t n)
{
    uint64_t off = s->alloc_end;
    s->alloc_end += n << s->cluster_bits;
    for (uint64_t i = 0; i < n; i++) {
        int r = qcow2_update_refcount(s, (off >> s->cluster_bits) + i, 1);
        if (r)
            return r;
    }
    return (int64_t)off;
}

/* Drop one reference from every cluster that [offset, offset + len) touches. */
int qcow2_free_range(struct qcow2 *s, uint64_t offset, uint64_t len)
{
    if (!len)
        return 0;
    uint64_t first = offset >> s->cluster_bits, last = (offset + len - 1) >> s->cluster_bits;
    for (uint64_t c = first; c <= last; c++) {
        int r = qcow2_update_refcount(s, c, -1);
        if (r)
            return r;
    }
    return 0;
}
