/* qcow2 consistency check, as qemu-img check counts: rebuild every
 * cluster's reference count from the metadata (header, L1/L2 tables of the
 * image and of its internal snapshots, refcount structures, snapshot table)
 * and compare with the stored refcounts. Stored < computed is a corruption
 * (the cluster could be handed out twice: overlapping allocations show up
 * here), stored > computed a leak. Entries pointing outside the file or to
 * unaligned offsets are corruptions. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/file_io.h"
#include "devices/block/qcow2.h"

struct check {
    struct qcow2 *s;
    struct blk_check_result *res;
    uint32_t *ref; /* computed references per cluster of the file */
    uint64_t nclusters;
    uint64_t file_size;
};

static void corrupt(struct check *c, const char *fmt, ...)
{
    c->res->corruptions++;
    if (c->res->message[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->res->message, sizeof(c->res->message), fmt, ap);
    va_end(ap);
}

/* Count one reference to each cluster of [off, off + len). */
static bool add_ref(struct check *c, uint64_t off, uint64_t len, const char *what)
{
    if (!len)
        return true;
    if (off >= c->file_size || len > c->file_size - off) {
        /* A compressed cluster's last sector may run past the end (QEMU). */
        if (!(strcmp(what, "compressed cluster") == 0 && off < c->file_size)) {
            corrupt(c, "%s at offset 0x%" PRIx64 " is past the end of the file", what, off);
            return false;
        }
        len = c->file_size - off;
    }
    uint64_t first = off >> c->s->cluster_bits, last = (off + len - 1) >> c->s->cluster_bits;
    for (uint64_t i = first; i <= last && i < c->nclusters; i++)
        if (c->ref[i] < UINT32_MAX)
            c->ref[i]++;
    return true;
}

static bool aligned(struct check *c, uint64_t off, const char *what)
{
    if (off & (c->s->cluster_size - 1)) {
        corrupt(c, "%s offset 0x%" PRIx64 " is not cluster aligned", what, off);
        return false;
    }
    return true;
}

/* In the active tables QCOW2_OFLAG_COPIED must be set exactly when the
 * refcount is 1 (qcow2.txt): it is what lets a writer skip copy-on-write. */
static void check_copied(struct check *c, uint64_t entry, uint64_t off, const char *what)
{
    uint64_t ref;
    if (qcow2_get_refcount(c->s, off >> c->s->cluster_bits, &ref))
        return; /* reported with the refcount comparison */
    if ((ref == 1) != !!(entry & QCOW2_OFLAG_COPIED))
        corrupt(c, "OFLAG_COPIED %s: entry=0x%" PRIx64 " refcount=%" PRIu64, what, entry, ref);
}

static int check_l2(struct check *c, uint64_t l2off, bool active)
{
    struct qcow2 *s = c->s;
    uint8_t *t = malloc(s->cluster_size);
    if (!t)
        return -ENOMEM;
    ssize_t n = blk_pread(s->fd, t, s->cluster_size, l2off);
    if (n < 0 || (uint64_t)n < s->cluster_size) {
        free(t);
        corrupt(c, "L2 table at 0x%" PRIx64 " cannot be read", l2off);
        return 0;
    }
    uint64_t shift = qcow2_csize_shift(s);
    for (uint64_t i = 0; i < s->cluster_size / 8; i++) {
        uint64_t e = blk_be64(t + i * 8);
        if (e & QCOW2_OFLAG_COMPRESSED) {
            uint64_t coff = e & ((1ull << shift) - 1);
            uint64_t nsec = ((e >> shift) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
            add_ref(c, coff & ~511ull, nsec * 512, "compressed cluster");
            continue;
        }
        uint64_t host = e & QCOW2_OFFSET_MASK;
        if (!host)
            continue;
        if (aligned(c, host, "data cluster") && add_ref(c, host, s->cluster_size, "data cluster") &&
            active)
            check_copied(c, e, host, "data cluster");
    }
    free(t);
    return 0;
}

static int check_l1(struct check *c, uint64_t l1off, uint64_t l1_size, const char *what,
                    bool active)
{
    struct qcow2 *s = c->s;
    if (!l1_size)
        return 0;
    if (!aligned(c, l1off, what) || !add_ref(c, l1off, l1_size * 8, what))
        return 0;
    uint8_t *l1 = malloc(l1_size * 8);
    if (!l1)
        return -ENOMEM;
    ssize_t n = blk_pread(s->fd, l1, l1_size * 8, l1off);
    int r = 0;
    if (n < 0 || (uint64_t)n < l1_size * 8)
        corrupt(c, "%s cannot be read", what);
    else
        for (uint64_t i = 0; i < l1_size && !r; i++) {
            uint64_t e = blk_be64(l1 + i * 8), l2 = e & QCOW2_OFFSET_MASK;
            if (l2 && aligned(c, l2, "L2 table") && add_ref(c, l2, s->cluster_size, "L2 table")) {
                if (active)
                    check_copied(c, e, l2, "L2 table");
                r = check_l2(c, l2, active);
            }
        }
    free(l1);
    return r;
}

/* Internal snapshots (qcow2.txt "Snapshot table"): each has its own L1. */
static int check_snapshots(struct check *c)
{
    struct qcow2 *s = c->s;
    uint64_t off = s->snapshots_offset;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        uint8_t h[40];
        ssize_t n = blk_pread(s->fd, h, sizeof(h), off);
        if (n < (ssize_t)sizeof(h)) {
            corrupt(c, "snapshot table entry %u is past the end of the file", i);
            return 0;
        }
        uint64_t l1off = blk_be64(h), l1_size = blk_be32(h + 8);
        uint32_t id_len = blk_be16(h + 12), name_len = blk_be16(h + 14);
        uint32_t extra = blk_be32(h + 36);
        if (l1_size > QCOW2_MAX_L1_ENTRIES) {
            corrupt(c, "snapshot %u has a too large L1 table", i);
            return 0;
        }
        int r = check_l1(c, l1off, l1_size, "snapshot L1 table", false);
        if (r)
            return r;
        off += (40 + (uint64_t)extra + id_len + name_len + 7) & ~7ull;
    }
    if (s->nb_snapshots)
        add_ref(c, s->snapshots_offset, off - s->snapshots_offset, "snapshot table");
    return 0;
}

int qcow2_check(struct blockdev *bd, struct blk_check_result *res)
{
    struct qcow2 *s = bd->priv;
    int64_t fsize = blk_file_size(s->fd);
    if (fsize < 0)
        return (int)fsize;
    struct check c = {.s = s, .res = res, .file_size = (uint64_t)fsize};
    c.nclusters = (c.file_size + s->cluster_size - 1) >> s->cluster_bits;
    c.ref = calloc(c.nclusters ? c.nclusters : 1, sizeof(uint32_t));
    if (!c.ref)
        return -ENOMEM;
    add_ref(&c, 0, s->cluster_size < c.file_size ? s->cluster_size : c.file_size, "header");
    int r = check_l1(&c, s->l1_offset, s->l1_size, "L1 table", true);
    if (!r)
        r = check_snapshots(&c);
    if (!r) {
        add_ref(&c, s->rt_offset, (uint64_t)s->rt_clusters << s->cluster_bits, "refcount table");
        for (uint64_t i = 0; i < s->rt_size; i++) {
            uint64_t b = s->rt[i] & QCOW2_REFT_OFFSET_MASK;
            if (b && aligned(&c, b, "refcount block"))
                add_ref(&c, b, s->cluster_size, "refcount block");
        }
        for (uint64_t i = 0; i < c.nclusters; i++) {
            uint64_t stored;
            int g = qcow2_get_refcount(s, i, &stored);
            if (g) {
                corrupt(&c, "refcount block of cluster %" PRIu64 " cannot be read", i);
                continue;
            }
            if (stored < c.ref[i])
                corrupt(&c, "cluster %" PRIu64 " refcount=%" PRIu64 " reference=%u", i, stored,
                        c.ref[i]);
            else if (stored > c.ref[i]) {
                res->leaks++;
                if (!res->message[0] && !res->corruptions)
                    snprintf(res->message, sizeof(res->message),
                             "Leaked cluster %" PRIu64 " refcount=%" PRIu64 " reference=%u", i,
                             stored, c.ref[i]);
            }
        }
    }
    free(c.ref);
    return r;
}
