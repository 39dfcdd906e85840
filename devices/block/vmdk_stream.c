/* Writing a streamOptimized VMDK sequentially (what `convert -O vmdk -o
 * subformat=streamOptimized` needs): deflated grains with markers appended
 * one after another, then the GTs, the GD, the footer and end-of-stream. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "devices/block/file_io.h"
#include "devices/block/vmdk_format.h"

/* Only an empty stream (a fresh `create`) can be written: the grains of a
 * stream must follow each other in the file. The old end metadata is cut
 * off; vmdk_stream_finish() writes it again at close. */
int vmdk_stream_begin_write(struct vmdk_extent *e, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < e->gd_entries; i++)
        if (e->gt[i])
            for (uint32_t j = 0; j < e->gtes; j++)
                if (e->gt[i][j]) {
                    snprintf(err, errlen,
                             "a streamOptimized VMDK that holds data is read-only "
                             "(write it with convert, or open it read-only)");
                    return -EROFS;
                }
    uint64_t start = e->header.overhead;
    uint64_t desc_end = e->header.desc_offset + e->header.desc_size;
    if (start < desc_end)
        start = desc_end;
    if (start < 1)
        start = 1;
    for (uint32_t i = 0; i < e->gd_entries; i++) {
        free(e->gt[i]);
        e->gt[i] = NULL;
        e->gd[i] = 0;
    }
    free(e->rgd);
    e->rgd = NULL;
    e->rgd_offset = 0;
    e->pending = malloc((size_t)e->grain * BLK_SECTOR);
    if (!e->pending)
        return -ENOMEM;
    int r = blk_file_truncate(e->fd, start * BLK_SECTOR);
    if (r)
        return r;
    e->file_sectors = start;
    e->stream_write = true;
    e->pending_valid = false;
    return 0;
}

static void vmdk_marker(uint8_t *sec, uint64_t val, uint32_t type)
{
    memset(sec, 0, BLK_SECTOR);
    vmdk_put_le64(sec, val);
    vmdk_put_le32(sec + 12, type);
}

/* Deflate the pending grain and append it: {lba, size, data} padded to a
 * sector. A grain of zeros stays unallocated. */
static int vmdk_stream_flush_pending(struct vmdk_extent *e)
{
    if (!e->pending_valid)
        return 0;
    e->pending_valid = false;
    size_t gbytes = (size_t)e->grain * BLK_SECTOR;
    size_t i = 0;
    while (i < gbytes && !e->pending[i])
        i++;
    if (i == gbytes)
        return 0;
    uLongf clen = compressBound(gbytes);
    size_t cap = (12 + clen + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
    uint8_t *z = calloc(1, cap);
    if (!z)
        return -ENOMEM;
    if (compress2(z + 12, &clen, e->pending, gbytes, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(z);
        return -EIO;
    }
    vmdk_put_le64(z, e->pending_grain * e->grain);
    vmdk_put_le32(z + 8, (uint32_t)clen);
    size_t len = (12 + clen + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
    uint64_t at = e->file_sectors;
    if (at + len / BLK_SECTOR > 0xffffffffu) {
        free(z);
        return -EFBIG;
    }
    int r = blk_pwrite(e->fd, z, len, at * BLK_SECTOR);
    free(z);
    if (r)
        return r;
    e->file_sectors += len / BLK_SECTOR;
    uint32_t gdi = (uint32_t)(e->pending_grain / e->gtes);
    if (!e->gt[gdi] && !(e->gt[gdi] = calloc(e->gtes, 4)))
        return -ENOMEM;
    e->gt[gdi][e->pending_grain % e->gtes] = (uint32_t)at;
    return 0;
}

int vmdk_stream_write(struct vmdk_extent *e, uint64_t rel, const uint8_t *p, uint32_t n)
{
    uint64_t g = rel / e->grain;
    if (e->pending_valid && e->pending_grain != g) {
        int r = vmdk_stream_flush_pending(e);
        if (r)
            return r;
    }
    if (!e->pending_valid) {
        uint32_t gdi = (uint32_t)(g / e->gtes);
        if (e->gt[gdi] && e->gt[gdi][g % e->gtes])
            return -ENOTSUP; /* a grain already in the stream cannot be rewritten */
        memset(e->pending, 0, (size_t)e->grain * BLK_SECTOR);
        e->pending_grain = g;
        e->pending_valid = true;
    }
    memcpy(e->pending + (rel % e->grain) * BLK_SECTOR, p, (size_t)n * BLK_SECTOR);
    return 0;
}

/* Reads of the grain still being filled; p NULL only asks whether it is. */
bool vmdk_stream_read_pending(struct vmdk_extent *e, uint64_t rel, uint8_t *p, uint32_t n)
{
    if (!e->pending_valid || rel / e->grain != e->pending_grain)
        return false;
    if (p)
        memcpy(p, e->pending + (rel % e->grain) * BLK_SECTOR, (size_t)n * BLK_SECTOR);
    return true;
}

static int vmdk_append(struct vmdk_extent *e, const void *buf, size_t len, uint64_t *at)
{
    *at = e->file_sectors;
    int r = blk_pwrite(e->fd, buf, len, e->file_sectors * BLK_SECTOR);
    if (!r)
        e->file_sectors += (len + BLK_SECTOR - 1) / BLK_SECTOR;
    return r;
}

/* Close the stream: GT marker + GT for each used GD entry, GD marker + GD,
 * footer marker + footer (the header with the real GD offset), EOS marker;
 * the header at sector 0 says the GD is at the end (spec 1.1, "Stream-
 * Optimized Compressed Sparse Extents"). */
int vmdk_stream_finish(struct vmdk_extent *e)
{
    int r = vmdk_stream_flush_pending(e);
    e->stream_write = false;
    if (r)
        return r;
    size_t gt_bytes = ((size_t)e->gtes * 4 + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
    size_t gd_bytes = ((size_t)e->gd_entries * 4 + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
    uint8_t *buf = calloc(1, gt_bytes > gd_bytes ? gt_bytes : gd_bytes);
    if (!buf)
        return -ENOMEM;
    uint8_t sec[BLK_SECTOR];
    uint64_t at;
    for (uint32_t i = 0; i < e->gd_entries && !r; i++) {
        if (!e->gt[i])
            continue;
        vmdk_marker(sec, gt_bytes / BLK_SECTOR, VMDK_MARKER_GT);
        r = vmdk_append(e, sec, BLK_SECTOR, &at);
        memset(buf, 0, gt_bytes);
        for (uint32_t j = 0; j < e->gtes; j++)
            vmdk_put_le32(buf + (size_t)j * 4, e->gt[i][j]);
        if (!r)
            r = vmdk_append(e, buf, gt_bytes, &at);
        e->gd[i] = (uint32_t)at;
    }
    if (!r) {
        vmdk_marker(sec, gd_bytes / BLK_SECTOR, VMDK_MARKER_GD);
        r = vmdk_append(e, sec, BLK_SECTOR, &at);
    }
    memset(buf, 0, gd_bytes);
    for (uint32_t i = 0; i < e->gd_entries; i++)
        vmdk_put_le32(buf + (size_t)i * 4, e->gd[i]);
    uint64_t gd_at = 0;
    if (!r)
        r = vmdk_append(e, buf, gd_bytes, &gd_at);
    free(buf);
    struct vmdk_header h = e->header;
    h.flags =
        (h.flags & ~VMDK_FLAG_RGD) | VMDK_FLAG_NL_DETECT | VMDK_FLAG_COMPRESSED | VMDK_FLAG_MARKERS;
    h.rgd_offset = 0;
    h.gd_offset = gd_at;
    if (!r) {
        vmdk_marker(sec, 1, VMDK_MARKER_FOOTER);
        r = vmdk_append(e, sec, BLK_SECTOR, &at);
    }
    if (!r) {
        vmdk_header_encode(sec, &h);
        r = vmdk_append(e, sec, BLK_SECTOR, &at);
    }
    if (!r) {
        vmdk_marker(sec, 0, VMDK_MARKER_EOS);
        r = vmdk_append(e, sec, BLK_SECTOR, &at);
    }
    if (!r) {
        h.gd_offset = VMDK_GD_AT_END;
        vmdk_header_encode(sec, &h);
        r = blk_pwrite(e->fd, sec, BLK_SECTOR, 0);
    }
    e->gd_offset = gd_at;
    e->header.gd_offset = gd_at;
    if (!r)
        r = blk_fsync(e->fd);
    return r;
}
