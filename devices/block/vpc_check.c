/* vx86-img check for VHD: both footers, the dynamic header, and BAT entries
 * past the end of the file, inside the metadata, or overlapping each other. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/file_io.h"
#include "devices/block/vpc_format.h"

static void vpc_corrupt(struct blk_check_result *res, const char *fmt, ...)
{
    if (!res->corruptions++) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(res->message, sizeof(res->message), fmt, ap);
        va_end(ap);
    }
}

struct vpc_range {
    uint64_t start, end; /* bytes */
    uint32_t entry;      /* BAT index, or UINT32_MAX for metadata */
};

static int cmp_range(const void *a, const void *b)
{
    const struct vpc_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int vpc_check(struct blockdev *bd, struct blk_check_result *res)
{
    struct vpc *s = bd->priv;
    int64_t fsize = blk_file_size(s->fd);
    if (fsize < 0)
        return (int)fsize;
    if (s->footer_from_copy)
        vpc_corrupt(res, "the footer at the end of the file is corrupt (the copy at the start "
                         "is good)");
    if (s->type == VPC_TYPE_FIXED)
        return 0;
    uint8_t copy[VPC_FOOTER_SIZE];
    if (blk_pread(s->fd, copy, VPC_FOOTER_SIZE, 0) != VPC_FOOTER_SIZE ||
        memcmp(copy, "conectix", 8) ||
        vpc_checksum(copy, VPC_FOOTER_SIZE, VPC_F_CHECKSUM) != blk_be32(copy + VPC_F_CHECKSUM))
        vpc_corrupt(res, "the footer copy at the start of the file is corrupt");
    size_t cap = (size_t)s->bat_entries + 4, n = 0;
    struct vpc_range *r = malloc(cap * sizeof(*r));
    if (!r)
        return -ENOMEM;
    r[n++] = (struct vpc_range){0, VPC_FOOTER_SIZE, UINT32_MAX};
    r[n++] = (struct vpc_range){s->header_off, s->header_off + VPC_HEADER_SIZE, UINT32_MAX};
    r[n++] = (struct vpc_range){s->bat_off, s->bat_off + (uint64_t)s->bat_entries * 4, UINT32_MAX};
    uint64_t need = (s->sectors + s->block_sectors - 1) / s->block_sectors;
    for (uint32_t i = 0; i < s->bat_entries; i++) {
        if (s->bat[i] == VPC_BAT_UNUSED)
            continue;
        uint64_t start = (uint64_t)s->bat[i] * BLK_SECTOR;
        uint64_t end = start + s->bitmap_bytes + s->block_size;
        if (end > (uint64_t)fsize)
            vpc_corrupt(res, "BAT entry %u points past the end of the file", i);
        if (i >= need)
            res->leaks++;
        r[n++] = (struct vpc_range){start, end, i};
    }
    qsort(r, n, sizeof(*r), cmp_range);
    for (size_t i = 1; i < n; i++)
        if (r[i].start < r[i - 1].end) {
            if (r[i].entry != UINT32_MAX && r[i - 1].entry != UINT32_MAX)
                vpc_corrupt(res, "blocks %u and %u overlap", r[i - 1].entry, r[i].entry);
            else
                vpc_corrupt(res, "block %u overlaps the VHD metadata",
                            r[i].entry != UINT32_MAX ? r[i].entry : r[i - 1].entry);
        }
    free(r);
    return 0;
}
