/* vx86-img check for VMDK: grain tables against the file size, the
 * redundant GD/GTs against the primary ones, grains that overlap each
 * other or the metadata. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/file_io.h"
#include "devices/block/vmdk_format.h"

static void vmdk_corrupt(struct blk_check_result *res, const char *fmt, ...)
{
    if (!res->corruptions++) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(res->message, sizeof(res->message), fmt, ap);
        va_end(ap);
    }
}

struct vmdk_range {
    uint64_t start, len; /* sectors */
    int kind;            /* 0 metadata, 1 grain */
};

static int cmp_range(const void *a, const void *b)
{
    const struct vmdk_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int vmdk_check_extent(struct vmdk_extent *e, unsigned idx, struct blk_check_result *res)
{
    int64_t fsize = blk_file_size(e->fd);
    if (fsize < 0)
        return (int)fsize;
    uint64_t fsec = ((uint64_t)fsize + BLK_SECTOR - 1) / BLK_SECTOR;
    uint64_t gt_secs = ((uint64_t)e->gtes * 4 + BLK_SECTOR - 1) / BLK_SECTOR;
    uint64_t gd_secs = ((uint64_t)e->gd_entries * 4 + BLK_SECTOR - 1) / BLK_SECTOR;
    size_t cap = 4 + 2 * (size_t)e->gd_entries, n = 0;
    for (uint32_t i = 0; i < e->gd_entries; i++)
        if (e->gt[i])
            for (uint32_t j = 0; j < e->gtes; j++)
                cap += e->gt[i][j] > 1;
    struct vmdk_range *r = malloc(cap * sizeof(*r));
    if (!r)
        return -ENOMEM;
    r[n++] = (struct vmdk_range){0, 1, 0}; /* header */
    if (e->header.desc_offset && e->header.desc_size)
        r[n++] = (struct vmdk_range){e->header.desc_offset, e->header.desc_size, 0};
    r[n++] = (struct vmdk_range){e->gd_offset, gd_secs, 0};
    if (e->rgd)
        r[n++] = (struct vmdk_range){e->rgd_offset, gd_secs, 0};
    uint32_t *copy = malloc((size_t)e->gtes * 4);
    if (!copy) {
        free(r);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < e->gd_entries; i++) {
        if (e->gd[i])
            r[n++] = (struct vmdk_range){e->gd[i], gt_secs, 0};
        if (e->rgd) {
            if (!e->gd[i] != !e->rgd[i]) {
                vmdk_corrupt(res,
                             "extent %u: grain directory entry %u is %u but the redundant "
                             "grain directory says %u",
                             idx, i, e->gd[i], e->rgd[i]);
            } else if (e->rgd[i]) {
                if ((uint64_t)e->rgd[i] + gt_secs > fsec) {
                    vmdk_corrupt(res,
                                 "extent %u: redundant grain table %u lies past the end of "
                                 "the file",
                                 idx, i);
                    continue;
                }
                r[n++] = (struct vmdk_range){e->rgd[i], gt_secs, 0};
                if (blk_pread(e->fd, copy, (size_t)e->gtes * 4, (uint64_t)e->rgd[i] * BLK_SECTOR) !=
                    (ssize_t)e->gtes * 4) {
                    vmdk_corrupt(res, "extent %u: cannot read redundant grain table %u", idx, i);
                    continue;
                }
                for (uint32_t j = 0; j < e->gtes; j++)
                    if (vmdk_le32((uint8_t *)&copy[j]) != e->gt[i][j]) {
                        vmdk_corrupt(res,
                                     "extent %u: grain table %u entry %u is %u but its "
                                     "redundant copy says %u",
                                     idx, i, j, e->gt[i][j], vmdk_le32((uint8_t *)&copy[j]));
                        break;
                    }
            }
        }
        if (!e->gt[i])
            continue;
        for (uint32_t j = 0; j < e->gtes; j++) {
            uint32_t g = e->gt[i][j];
            if (g <= 1)
                continue;
            uint64_t len = e->compressed ? 1 : e->grain;
            if ((uint64_t)g + len > fsec)
                vmdk_corrupt(res,
                             "extent %u: grain table %u entry %u points past the end of "
                             "the file (sector %u)",
                             idx, i, j, g);
            r[n++] = (struct vmdk_range){g, len, 1};
        }
    }
    free(copy);
    qsort(r, n, sizeof(*r), cmp_range);
    for (size_t i = 1; i < n; i++)
        if (r[i].start < r[i - 1].start + r[i - 1].len && r[i].len && r[i - 1].len) {
            vmdk_corrupt(res, "extent %u: %s at sector %llu overlaps %s at sector %llu", idx,
                         r[i].kind ? "a grain" : "metadata", (unsigned long long)r[i].start,
                         r[i - 1].kind ? "a grain" : "metadata",
                         (unsigned long long)r[i - 1].start);
        }
    free(r);
    return 0;
}

int vmdk_check(struct blockdev *bd, struct blk_check_result *res)
{
    struct vmdk *s = bd->priv;
    for (unsigned i = 0; i < s->n_ext; i++) {
        struct vmdk_extent *e = &s->ext[i];
        if (e->type != VMDK_EXT_SPARSE || e->stream_write)
            continue;
        int r = vmdk_check_extent(e, i, res);
        if (r)
            return r;
    }
    return 0;
}
