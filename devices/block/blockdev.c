/* The generic block layer: open with format probing, backing chains,
 * -snapshot overlays, range checks, and the calls into the drivers. */
#define _GNU_SOURCE
#include "devices/block/blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/file_io.h"

#define PROBE_BYTES 4096

/* The files already in the chain being opened, to refuse loops. */
struct chain_link {
    dev_t dev;
    ino_t ino;
    const struct chain_link *next;
};

/* A backing file name relative to the overlay is relative to the overlay's
 * directory (as in QEMU), not to the current directory. */
char *blk_resolve_backing(const char *image, const char *backing)
{
    if (backing[0] == '/' || !strchr(image, '/'))
        return strdup(backing);
    const char *slash = strrchr(image, '/');
    size_t dirlen = (size_t)(slash - image) + 1;
    char *p = malloc(dirlen + strlen(backing) + 1);
    if (!p)
        return NULL;
    memcpy(p, image, dirlen);
    strcpy(p + dirlen, backing);
    return p;
}

static const struct blockdev_driver *probe_file(const char *filename, char *err, size_t errlen)
{
    int fd = open(filename, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "Could not open '%s': %s", filename, strerror(errno));
        return NULL;
    }
    uint8_t header[PROBE_BYTES];
    ssize_t n = blk_pread(fd, header, sizeof(header), 0);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "Could not read '%s': %s", filename, strerror((int)-n));
        return NULL;
    }
    return blk_probe(header, (size_t)n, filename);
}

static struct blockdev *open_layer(const char *filename, const char *format, int flags,
                                   const struct chain_link *chain, int depth, char *err,
                                   size_t errlen)
{
    struct stat st;
    if (stat(filename, &st) < 0) {
        snprintf(err, errlen, "Could not open '%s': %s", filename, strerror(errno));
        return NULL;
    }
    for (const struct chain_link *c = chain; c; c = c->next)
        if (c->dev == st.st_dev && c->ino == st.st_ino) {
            snprintf(err, errlen, "Backing file loop: '%s' is already in its own backing chain",
                     filename);
            return NULL;
        }
    if (depth > BLK_MAX_CHAIN) {
        snprintf(err, errlen, "Backing chain of '%s' is longer than %d files", filename,
                 BLK_MAX_CHAIN);
        return NULL;
    }

    const struct blockdev_driver *drv;
    if (format) {
        drv = blk_find_driver(format);
        if (!drv) {
            snprintf(err, errlen, "Unknown driver '%s'", format);
            return NULL;
        }
    } else {
        drv = probe_file(filename, err, errlen);
        if (!drv)
            return NULL;
    }

    struct blockdev *bd = calloc(1, sizeof(*bd));
    if (!bd || !(bd->filename = strdup(filename))) {
        free(bd);
        snprintf(err, errlen, "Out of memory");
        return NULL;
    }
    bd->drv = drv;
    bd->readonly = flags & BLK_RDONLY;
    bd->probed = !format;
    int r = drv->open(bd, filename, flags & (BLK_RDONLY | BLK_NOLOCK), err, errlen);
    if (r < 0) {
        if (!err[0])
            snprintf(err, errlen, "Could not open '%s': %s", filename, strerror(-r));
        free(bd->filename);
        free(bd);
        return NULL;
    }

    struct blk_info info = {0};
    if (!(flags & BLK_NO_BACKING) && drv->info && drv->info(bd, &info) == 0 && info.backing_file &&
        info.backing_file[0]) {
        char *path = blk_resolve_backing(filename, info.backing_file);
        struct chain_link link = {st.st_dev, st.st_ino, chain};
        char sub[512] = "";
        bd->backing = path
                          ? open_layer(path, info.backing_format, BLK_RDONLY | (flags & BLK_NOLOCK),
                                       &link, depth + 1, sub, sizeof(sub))
                          : NULL;
        free(path);
        if (!bd->backing) {
            snprintf(err, errlen, "Could not open backing file of '%s': %s", filename, sub);
            blk_close(bd);
            return NULL;
        }
    }
    return bd;
}

/* -snapshot: the image read-only under a fresh qcow2 overlay in $TMPDIR that
 * is unlinked as soon as it is open, so every write vanishes at exit (or at
 * a crash) and nothing is left behind. */
static struct blockdev *open_snapshot(const char *filename, const char *format, int flags,
                                      char *err, size_t errlen)
{
    struct blockdev *base =
        open_layer(filename, format, (flags & BLK_NOLOCK) | BLK_RDONLY, NULL, 0, err, errlen);
    if (!base)
        return NULL;
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !tmpdir[0])
        tmpdir = "/tmp";
    char path[4096];
    snprintf(path, sizeof(path), "%s/vx86-snapshot-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "Could not create a temporary overlay in %s: %s", tmpdir,
                 strerror(errno));
        blk_close(base);
        return NULL;
    }
    close(fd);
    struct blk_create_opts opts = {.size = base->sectors * BLK_SECTOR, .compat = 3};
    struct blockdev *ov = NULL;
    int r = blk_driver_qcow2.create(path, &opts, err, errlen);
    if (r == 0 && (ov = calloc(1, sizeof(*ov))) && (ov->filename = strdup(path))) {
        ov->drv = &blk_driver_qcow2;
        r = ov->drv->open(ov, path, BLK_NOLOCK, err, errlen);
        if (r < 0) {
            free(ov->filename);
            free(ov);
            ov = NULL;
        }
    } else if (ov) {
        free(ov);
        ov = NULL;
    }
    unlink(path);
    if (!ov) {
        if (!err[0])
            snprintf(err, errlen, "Could not create a temporary overlay in %s", tmpdir);
        blk_close(base);
        return NULL;
    }
    ov->backing = base;
    ov->sectors = base->sectors;
    return ov;
}

struct blockdev *blk_open(const char *filename, const char *format, int flags, char *err,
                          size_t errlen)
{
    if (errlen)
        err[0] = 0;
    if (flags & BLK_SNAPSHOT)
        return open_snapshot(filename, format, flags, err, errlen);
    return open_layer(filename, format, flags, NULL, 0, err, errlen);
}

static bool range_ok(const struct blockdev *bd, uint64_t sector, uint32_t count)
{
    return sector <= bd->sectors && count <= bd->sectors - sector;
}

/* Read from a backing chain that may be shorter than the overlay. */
static int read_backing(struct blockdev *b, uint64_t sector, uint8_t *buf, uint32_t count)
{
    uint32_t in = 0;
    if (sector < b->sectors)
        in = (uint32_t)(b->sectors - sector < count ? b->sectors - sector : count);
    if (in) {
        int r = blk_read(b, sector, buf, in);
        if (r < 0)
            return r;
    }
    memset(buf + (size_t)in * BLK_SECTOR, 0, (size_t)(count - in) * BLK_SECTOR);
    return 0;
}

int blk_read(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count)
{
    if (!range_ok(bd, sector, count))
        return -EINVAL;
    if (!bd->backing || !bd->drv->is_allocated)
        return count ? bd->drv->read(bd, sector, buf, count) : 0;
    uint8_t *p = buf;
    while (count) {
        uint32_t run = 0;
        int a = bd->drv->is_allocated(bd, sector, count, &run);
        if (a < 0)
            return a;
        if (run == 0 || run > count)
            run = count;
        int r = a ? bd->drv->read(bd, sector, p, run) : read_backing(bd->backing, sector, p, run);
        if (r < 0)
            return r;
        sector += run;
        count -= run;
        p += (size_t)run * BLK_SECTOR;
    }
    return 0;
}

/* QEMU's rule for probed raw images (block/raw-format.c): a guest may not
 * write a first sector that would make the image probe as another format
 * next time, or a guest could make the host open its disk as, say, a qcow2
 * with a backing file naming any host file. A raw image named explicitly
 * (format "raw") may be written freely. */
static bool raw_write_changes_probe(struct blockdev *bd, uint64_t sector, const void *buf)
{
    if (!bd->probed || bd->drv != &blk_driver_raw || sector != 0)
        return false;
    return blk_probe(buf, BLK_SECTOR, bd->filename) != &blk_driver_raw;
}

int blk_write(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count)
{
    if (bd->readonly)
        return -EROFS;
    if (!range_ok(bd, sector, count))
        return -EINVAL;
    if (!count)
        return 0;
    if (raw_write_changes_probe(bd, sector, buf))
        return -EPERM;
    return bd->drv->write(bd, sector, buf, count);
}

int blk_flush(struct blockdev *bd)
{
    if (bd->readonly || !bd->drv->flush)
        return 0;
    return bd->drv->flush(bd);
}

void blk_close(struct blockdev *bd)
{
    if (!bd)
        return;
    if (bd->drv->close)
        bd->drv->close(bd);
    blk_close(bd->backing);
    free(bd->filename);
    free(bd);
}

uint64_t blk_sectors(const struct blockdev *bd)
{
    return bd->sectors;
}

bool blk_readonly(const struct blockdev *bd)
{
    return bd->readonly;
}

int blk_create(const char *filename, const char *format, const struct blk_create_opts *opts,
               char *err, size_t errlen)
{
    if (errlen)
        err[0] = 0;
    const struct blockdev_driver *drv = blk_find_driver(format);
    if (!drv) {
        snprintf(err, errlen, "Unknown file format '%s'", format);
        return -EINVAL;
    }
    if (!drv->create) {
        snprintf(err, errlen, "Format '%s' does not support image creation", format);
        return -ENOTSUP;
    }
    struct blk_create_opts o = *opts;
    if (o.backing_file) {
        /* As qemu-img: the backing file must open; its size and format are
         * the defaults for the overlay. */
        char *path = blk_resolve_backing(filename, o.backing_file);
        char sub[512] = "";
        struct blockdev *b =
            path ? blk_open(path, o.backing_format, BLK_RDONLY | BLK_NOLOCK, sub, sizeof(sub))
                 : NULL;
        free(path);
        if (!b) {
            snprintf(err, errlen, "Could not open backing file: %s", sub);
            return -ENOENT;
        }
        if (!o.size)
            o.size = b->sectors * BLK_SECTOR;
        if (!o.backing_format)
            o.backing_format = b->drv->name;
        int r = drv->create(filename, &o, err, errlen);
        blk_close(b);
        return r;
    }
    return drv->create(filename, &o, err, errlen);
}

int blk_info(struct blockdev *bd, struct blk_info *info)
{
    memset(info, 0, sizeof(*info));
    info->format = bd->drv->name;
    info->virtual_size = bd->sectors * BLK_SECTOR;
    if (!bd->drv->info)
        return 0;
    return bd->drv->info(bd, info);
}

int blk_check(struct blockdev *bd, struct blk_check_result *res)
{
    memset(res, 0, sizeof(*res));
    if (!bd->drv->check)
        return -ENOTSUP;
    return bd->drv->check(bd, res);
}

int blk_block_status(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run)
{
    if (!range_ok(bd, sector, count) || !count)
        return -EINVAL;
    *run = count;
    if (!bd->drv->is_allocated)
        return 1;
    uint32_t r = 0;
    int a = bd->drv->is_allocated(bd, sector, count, &r);
    if (a < 0)
        return a;
    if (r == 0 || r > count)
        r = count;
    *run = r;
    if (a || !bd->backing || sector >= bd->backing->sectors)
        return a ? 1 : 0;
    uint32_t in = (uint32_t)(bd->backing->sectors - sector < r ? bd->backing->sectors - sector : r);
    return blk_block_status(bd->backing, sector, in, run);
}
