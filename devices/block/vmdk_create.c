/* Creating VMDK images (monolithicSparse, monolithicFlat, twoGbMaxExtent-
 * Sparse/Flat, streamOptimized, delta links) and the descriptor text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/file_io.h"
#include "devices/block/vmdk_format.h"

#define VMDK_CREATE_GRAIN 128u /* 64 KiB, as VMware and qemu-img */
#define VMDK_CREATE_GTES  512u
#define VMDK_DESC_SECTORS 20u /* embedded descriptor room */

uint32_t vmdk_new_cid(void)
{
    uint32_t v = 0;
    if (getentropy(&v, sizeof(v)))
        v = (uint32_t)getpid() * 2654435761u;
    if (v >= 0xfffffffeu)
        v = 0x12345678u;
    return v;
}

static int vmdk_write_file(const char *path, const void *buf, size_t len, uint64_t size, char *err,
                           size_t errlen)
{
    int fd = blk_file_create(path, err, errlen);
    if (fd < 0)
        return fd;
    int r = len ? blk_pwrite(fd, buf, len, 0) : 0;
    if (!r)
        r = blk_file_truncate(fd, size > len ? size : len);
    if (!r)
        r = blk_fsync(fd);
    blk_file_close(fd);
    if (r)
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
    return r;
}

/* One hosted sparse extent file: header, [descriptor], RGD + RGTs, GD + GTs
 * (laid out as VMware and qemu-img do), or for a stream an empty footer. */
static int vmdk_create_sparse_file(const char *path, uint64_t capacity, const char *desc,
                                   bool stream, char *err, size_t errlen)
{
    uint64_t span = (uint64_t)VMDK_CREATE_GRAIN * VMDK_CREATE_GTES;
    uint64_t gt_count = (capacity + span - 1) / span;
    uint64_t gt_secs = VMDK_CREATE_GTES * 4 / BLK_SECTOR;
    uint64_t gd_secs = (gt_count * 4 + BLK_SECTOR - 1) / BLK_SECTOR;
    struct vmdk_header h = {
        .magic = VMDK_MAGIC,
        .version = stream ? 3 : 1,
        .flags = VMDK_FLAG_NL_DETECT |
                 (stream ? VMDK_FLAG_COMPRESSED | VMDK_FLAG_MARKERS : VMDK_FLAG_RGD),
        .capacity = capacity,
        .grain = VMDK_CREATE_GRAIN,
        .desc_offset = desc ? 1 : 0,
        .desc_size = desc ? VMDK_DESC_SECTORS : 0,
        .gtes = VMDK_CREATE_GTES,
        .compress = stream ? VMDK_COMPRESS_DEFLATE : 0,
    };
    uint64_t meta = 1 + h.desc_size;
    if (stream) {
        h.gd_offset = VMDK_GD_AT_END;
        h.overhead = (meta + VMDK_CREATE_GRAIN - 1) / VMDK_CREATE_GRAIN * VMDK_CREATE_GRAIN;
    } else {
        h.rgd_offset = meta;
        h.gd_offset = meta + gd_secs + gt_count * gt_secs;
        uint64_t end = h.gd_offset + gd_secs + gt_count * gt_secs;
        h.overhead = (end + VMDK_CREATE_GRAIN - 1) / VMDK_CREATE_GRAIN * VMDK_CREATE_GRAIN;
    }
    uint64_t tail = stream ? 1 + gd_secs + 3 : 0; /* GD marker, GD, footer marker/header, EOS */
    size_t len = (size_t)(stream ? h.overhead + tail : h.overhead) * BLK_SECTOR;
    if (!stream && h.overhead > 0xffffffffu) {
        snprintf(err, errlen, "%s: image too large for VMDK", path);
        return -EFBIG;
    }
    uint8_t *buf = calloc(1, len);
    if (!buf)
        return -ENOMEM;
    vmdk_header_encode(buf, &h);
    if (desc)
        memcpy(buf + BLK_SECTOR, desc, strlen(desc));
    if (stream) {
        uint8_t *p = buf + h.overhead * BLK_SECTOR;
        vmdk_put_le64(p, gd_secs);
        vmdk_put_le32(p + 12, VMDK_MARKER_GD);
        p += (1 + gd_secs) * BLK_SECTOR;
        vmdk_put_le64(p, 1);
        vmdk_put_le32(p + 12, VMDK_MARKER_FOOTER);
        struct vmdk_header f = h;
        f.gd_offset = h.overhead + 1;
        vmdk_header_encode(p + BLK_SECTOR, &f);
        /* the EOS marker is the last (zero) sector */
    } else {
        for (int copy = 0; copy < 2; copy++) {
            uint64_t dir = copy ? h.gd_offset : h.rgd_offset;
            for (uint64_t i = 0; i < gt_count; i++)
                vmdk_put_le32(buf + dir * BLK_SECTOR + i * 4,
                              (uint32_t)(dir + gd_secs + i * gt_secs));
        }
    }
    int r = vmdk_write_file(path, buf, len, len, err, errlen);
    free(buf);
    return r;
}

/* foo.vmdk -> foo + suffix (extent names sit next to the descriptor). */
static char *vmdk_extent_name(const char *filename, const char *suffix, bool base_only)
{
    const char *b = base_only ? strrchr(filename, '/') : NULL;
    b = b ? b + 1 : filename;
    size_t n = strlen(b);
    if (n > 5 && !strcmp(b + n - 5, ".vmdk"))
        n -= 5;
    char *p = malloc(n + strlen(suffix) + 1);
    if (!p)
        return NULL;
    memcpy(p, b, n);
    strcpy(p + n, suffix);
    return p;
}

static int vmdk_desc_text(char *out, size_t outlen, uint32_t cid, uint32_t parent_cid,
                          const char *type, const char *parent, const char *extents,
                          uint64_t sectors)
{
    uint64_t cyl = sectors / (16 * 63);
    if (cyl > 16383)
        cyl = 16383;
    char ph[600] = "";
    if (parent)
        snprintf(ph, sizeof(ph), "parentFileNameHint=\"%s\"\n", parent);
    int n = snprintf(out, outlen,
                     "# Disk DescriptorFile\n"
                     "version=1\n"
                     "CID=%08x\n"
                     "parentCID=%08x\n"
                     "createType=\"%s\"\n"
                     "%s"
                     "\n"
                     "# Extent description\n"
                     "%s"
                     "\n"
                     "# The Disk Data Base\n"
                     "#DDB\n"
                     "\n"
                     "ddb.virtualHWVersion = \"4\"\n"
                     "ddb.geometry.cylinders = \"%llu\"\n"
                     "ddb.geometry.heads = \"16\"\n"
                     "ddb.geometry.sectors = \"63\"\n"
                     "ddb.adapterType = \"ide\"\n",
                     cid, parent_cid, type, ph, extents, (unsigned long long)cyl);
    return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int vmdk_create(const char *filename, const struct blk_create_opts *opts, char *err, size_t errlen)
{
    const char *type = opts->subformat ? opts->subformat : "monolithicSparse";
    bool sparse = !strcmp(type, "monolithicSparse") || !strcmp(type, "twoGbMaxExtentSparse");
    bool flat = !strcmp(type, "monolithicFlat") || !strcmp(type, "twoGbMaxExtentFlat");
    bool stream = !strcmp(type, "streamOptimized");
    bool split = !strncmp(type, "twoGb", 5);
    if (!sparse && !flat && !stream) {
        snprintf(err, errlen,
                 "unknown VMDK subformat '%s' (monolithicSparse, monolithicFlat, "
                 "twoGbMaxExtentSparse, twoGbMaxExtentFlat, streamOptimized)",
                 type);
        return -EINVAL;
    }
    uint64_t size = opts->size;
    uint32_t parent_cid = 0xffffffffu;
    const char *parent = opts->backing_file;
    if (parent) {
        if (!sparse) {
            snprintf(err, errlen, "VMDK delta links need a sparse subformat, not %s", type);
            return -EINVAL;
        }
        /* the hint is relative to the new image, as the driver resolves it */
        char perr[256] = "";
        const char *slash = strrchr(filename, '/');
        char *ppath = malloc(strlen(filename) + strlen(parent) + 2);
        if (!ppath)
            return -ENOMEM;
        if (parent[0] == '/' || !slash)
            strcpy(ppath, parent);
        else
            sprintf(ppath, "%.*s/%s", (int)(slash - filename), filename, parent);
        struct blockdev *p =
            blk_open(ppath, opts->backing_format, BLK_RDONLY | BLK_NOLOCK, perr, sizeof(perr));
        free(ppath);
        if (!p) {
            snprintf(err, errlen, "cannot open backing file %s: %s", parent, perr);
            return -ENOENT;
        }
        if (p->drv != &blk_driver_vmdk) {
            blk_close(p);
            snprintf(err, errlen, "a VMDK delta link needs a VMDK parent (%s is %s)", parent,
                     p->drv->name);
            return -EINVAL;
        }
        parent_cid = ((struct vmdk *)p->priv)->desc.cid;
        if (!size)
            size = blk_sectors(p) * BLK_SECTOR;
        blk_close(p);
    }
    uint64_t sectors = (size + BLK_SECTOR - 1) / BLK_SECTOR;
    if (!sectors || sectors > VMDK_MAX_SECTORS) {
        snprintf(err, errlen, "invalid VMDK size %llu bytes", (unsigned long long)size);
        return -EINVAL;
    }
    uint32_t cid = vmdk_new_cid();
    char desc[16384];
    int r;
    if (sparse && !split) {
        char ext[1200];
        char *base = vmdk_extent_name(filename, ".vmdk", true);
        if (!base)
            return -ENOMEM;
        snprintf(ext, sizeof(ext), "RW %llu SPARSE \"%s\"\n", (unsigned long long)sectors, base);
        free(base);
        r = vmdk_desc_text(desc, sizeof(desc), cid, parent_cid, type, parent, ext, sectors);
        if (!r && strlen(desc) > VMDK_DESC_SECTORS * BLK_SECTOR)
            r = -ENAMETOOLONG;
        if (r) {
            snprintf(err, errlen, "VMDK descriptor too long");
            return r;
        }
        return vmdk_create_sparse_file(filename, sectors, desc, false, err, errlen);
    }
    if (stream) {
        char ext[1200];
        char *base = vmdk_extent_name(filename, ".vmdk", true);
        if (!base)
            return -ENOMEM;
        snprintf(ext, sizeof(ext), "RW %llu SPARSE \"%s\"\n", (unsigned long long)sectors, base);
        free(base);
        r = vmdk_desc_text(desc, sizeof(desc), cid, parent_cid, type, NULL, ext, sectors);
        if (r) {
            snprintf(err, errlen, "VMDK descriptor too long");
            return r;
        }
        return vmdk_create_sparse_file(filename, sectors, desc, true, err, errlen);
    }
    /* Descriptor file + extent files. */
    uint64_t per = split ? VMDK_SPLIT_BYTES / BLK_SECTOR : sectors;
    uint64_t n_ext = (sectors + per - 1) / per;
    if (n_ext > VMDK_MAX_EXTENTS) {
        snprintf(err, errlen, "VMDK too large for %s (at most %d extents)", type, VMDK_MAX_EXTENTS);
        return -EFBIG;
    }
    char *lines = calloc(n_ext, 1100);
    if (!lines)
        return -ENOMEM;
    r = 0;
    for (uint64_t i = 0; i < n_ext && !r; i++) {
        uint64_t len = i + 1 < n_ext ? per : sectors - i * per;
        char suffix[32];
        if (!split)
            snprintf(suffix, sizeof(suffix), "-flat.vmdk");
        else
            snprintf(suffix, sizeof(suffix), "-%c%03llu.vmdk", sparse ? 's' : 'f',
                     (unsigned long long)i + 1);
        char *path = vmdk_extent_name(filename, suffix, false);
        char *base = vmdk_extent_name(filename, suffix, true);
        if (!path || !base) {
            free(path);
            free(base);
            r = -ENOMEM;
            break;
        }
        char *l = lines + strlen(lines);
        if (sparse) {
            sprintf(l, "RW %llu SPARSE \"%s\"\n", (unsigned long long)len, base);
            r = vmdk_create_sparse_file(path, len, NULL, false, err, errlen);
        } else {
            sprintf(l, "RW %llu FLAT \"%s\" 0\n", (unsigned long long)len, base);
            r = vmdk_write_file(path, NULL, 0, len * BLK_SECTOR, err, errlen);
        }
        free(path);
        free(base);
    }
    if (!r) {
        size_t dl = 4096 + strlen(lines);
        char *d = malloc(dl);
        r = d ? vmdk_desc_text(d, dl, cid, parent_cid, type, parent, lines, sectors) : -ENOMEM;
        if (!r)
            r = vmdk_write_file(filename, d, strlen(d), 0, err, errlen);
        free(d);
    }
    free(lines);
    return r;
}

/* VMware gives an image a new CID when its content first changes after
 * open, so delta links made on the old content notice (spec 1.1, "The
 * Descriptor File": CID/parentCID). qemu does the same. */
void vmdk_update_cid(struct vmdk *s)
{
    s->cid_updated = true;
    int fd;
    uint64_t off, cap;
    if (s->desc_in_extent) {
        const struct vmdk_header *h = &s->ext[0].header;
        if (!h->desc_offset || !h->desc_size || h->desc_size > VMDK_MAX_DESC / BLK_SECTOR ||
            s->ext[0].readonly)
            return;
        fd = s->ext[0].fd;
        off = h->desc_offset * BLK_SECTOR;
        cap = h->desc_size * BLK_SECTOR;
    } else if (s->has_desc_fd) {
        int64_t sz = blk_file_size(s->desc_fd);
        if (sz <= 0 || sz > VMDK_MAX_DESC)
            return;
        fd = s->desc_fd;
        off = 0;
        cap = (uint64_t)sz + 16;
    } else {
        return;
    }
    char *text = calloc(1, cap + 1);
    char *out = calloc(1, cap + 32);
    if (!text || !out)
        goto done;
    ssize_t n = blk_pread(fd, text, cap, off);
    if (n <= 0)
        goto done;
    size_t len = strnlen(text, (size_t)n);
    uint32_t cid = vmdk_new_cid();
    size_t o = 0;
    bool done_cid = false;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - (text + i)) + 1 : len - i;
        if (!done_cid && ll >= 4 && !strncmp(text + i, "CID=", 4)) {
            o += (size_t)sprintf(out + o, "CID=%08x\n", cid);
            done_cid = true;
        } else {
            memcpy(out + o, text + i, ll);
            o += ll;
        }
        i += ll;
    }
    if (!done_cid || (s->desc_in_extent && o > cap))
        goto done;
    if (s->desc_in_extent) {
        memset(out + o, 0, cap - o);
        if (blk_pwrite(fd, out, cap, off))
            goto done;
    } else {
        if (blk_pwrite(fd, out, o, 0) || blk_file_truncate(fd, o))
            goto done;
    }
    s->desc.cid = cid;
done:
    free(text);
    free(out);
}
