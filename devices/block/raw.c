/* The raw format: the file is the disk, byte for byte. Created sparse. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/block/blockdev.h"
#include "devices/block/file_io.h"

struct raw_state {
    int fd;
    uint64_t bytes; /* file size at open: a last partial sector reads padded with zeros */
};

/* Anything is a raw image; every other driver outbids this. */
static int raw_probe(const uint8_t *header, size_t len, const char *filename)
{
    (void)header, (void)len, (void)filename;
    return 1;
}

static int raw_open(struct blockdev *bd, const char *filename, int flags, char *err, size_t errlen)
{
    struct raw_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->fd = blk_file_open(filename, flags, err, errlen);
    if (s->fd < 0) {
        int r = s->fd;
        free(s);
        return r;
    }
    int64_t size = blk_file_size(s->fd);
    if (size < 0) {
        snprintf(err, errlen, "Could not get the size of '%s': %s", filename, strerror((int)-size));
        blk_file_close(s->fd);
        free(s);
        return (int)size;
    }
    s->bytes = (uint64_t)size;
    bd->priv = s;
    bd->sectors = (s->bytes + BLK_SECTOR - 1) / BLK_SECTOR;
    return 0;
}

static int raw_read(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count)
{
    struct raw_state *s = bd->priv;
    return blk_pread_zf(s->fd, buf, (size_t)count * BLK_SECTOR, sector * BLK_SECTOR);
}

static int raw_write(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count)
{
    struct raw_state *s = bd->priv;
    size_t len = (size_t)count * BLK_SECTOR;
    uint64_t off = sector * BLK_SECTOR;
    /* Never grow the file past its size by writing the padded last sector. */
    if (off + len > s->bytes)
        len = (size_t)(s->bytes - off);
    return blk_pwrite(s->fd, buf, len, off);
}

static int raw_flush(struct blockdev *bd)
{
    struct raw_state *s = bd->priv;
    return blk_fsync(s->fd);
}

static void raw_close(struct blockdev *bd)
{
    struct raw_state *s = bd->priv;
    if (!s)
        return;
    blk_file_close(s->fd);
    free(s);
    bd->priv = NULL;
}

/* Holes of a sparse file (SEEK_DATA/SEEK_HOLE) are "unallocated": they
 * read as zeros and convert skips them. Without SEEK_DATA all is data. */
static int raw_is_allocated(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run)
{
    struct raw_state *s = bd->priv;
    off_t off = (off_t)(sector * BLK_SECTOR), end = off + (off_t)count * BLK_SECTOR;
    *run = count;
    off_t data = lseek(s->fd, off, SEEK_DATA);
    if (data < 0)
        return errno == ENXIO ? 0 : 1; /* ENXIO: only a hole up to the end */
    if (data > off) {
        off_t n = (data < end ? data : end) - off;
        *run = (uint32_t)(n / BLK_SECTOR);
        return *run ? 0 : 1; /* data inside the first sector: call it data */
    }
    off_t hole = lseek(s->fd, off, SEEK_HOLE);
    if (hole < 0 || hole >= end)
        return 1;
    uint32_t n = (uint32_t)((hole - off + BLK_SECTOR - 1) / BLK_SECTOR);
    *run = n ? n : 1;
    return 1;
}

static int raw_create(const char *filename, const struct blk_create_opts *opts, char *err,
                      size_t errlen)
{
    if (opts->backing_file) {
        snprintf(err, errlen, "Format 'raw' does not support backing files");
        return -ENOTSUP;
    }
    if (opts->subformat) {
        snprintf(err, errlen, "Format 'raw' has no subformat '%s'", opts->subformat);
        return -EINVAL;
    }
    int fd = blk_file_create(filename, err, errlen);
    if (fd < 0)
        return fd;
    int r = blk_file_truncate(fd, opts->size); /* a hole: nothing allocated */
    if (!r)
        r = blk_fsync(fd);
    if (r)
        snprintf(err, errlen, "Could not resize '%s': %s", filename, strerror(-r));
    blk_file_close(fd);
    return r;
}

static int raw_info(struct blockdev *bd, struct blk_info *info)
{
    struct raw_state *s = bd->priv;
    info->format = "raw";
    info->virtual_size = s->bytes;
    info->allocated_size = blk_file_allocated(s->fd);
    return 0;
}

const struct blockdev_driver blk_driver_raw = {
    .name = "raw",
    .probe = raw_probe,
    .open = raw_open,
    .read = raw_read,
    .write = raw_write,
    .flush = raw_flush,
    .close = raw_close,
    .is_allocated = raw_is_allocated,
    .create = raw_create,
    .info = raw_info,
};
