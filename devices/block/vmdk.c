/* VMDK images (VMware "Virtual Disk Format 1.1"): descriptor files, hosted
 * sparse extents ("KDMV"), flat and zero extents, streamOptimized, delta links. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "devices/block/blockdev.h"
#include "devices/block/file_io.h"
#include "devices/block/vmdk_format.h"

static void vmdk_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- descriptor ---------------------------------------------------- */

static char *vmdk_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

/* `key = "value"` or `key=value`: the value without quotes, or NULL. */
static char *vmdk_kv(char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k))
        return NULL;
    char *p = vmdk_trim(line + k);
    if (*p != '=')
        return NULL;
    p = vmdk_trim(p + 1);
    size_t n = strlen(p);
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        p[n - 1] = 0;
        p++;
    }
    return p;
}

/* An extent line: ACCESS SIZE TYPE ["FILE" [OFFSET]]. */
static int vmdk_parse_extent(char *line, struct vmdk_desc_extent *e)
{
    char access[16], type[16];
    unsigned long long size;
    int n = 0;
    if (sscanf(line, "%15s %llu %15s %n", access, &size, type, &n) < 3)
        return -1;
    if (strcmp(access, "RW") && strcmp(access, "RDONLY") && strcmp(access, "NOACCESS"))
        return -1;
    memset(e, 0, sizeof(*e));
    e->sectors = size;
    e->readonly = strcmp(access, "RW") != 0;
    if (!strcmp(type, "SPARSE") || !strcmp(type, "VMFSSPARSE") || !strcmp(type, "SESPARSE"))
        e->type = VMDK_EXT_SPARSE;
    else if (!strcmp(type, "FLAT") || !strcmp(type, "VMFS") || !strcmp(type, "VMFSRAW") ||
             !strcmp(type, "VMFSRDM"))
        e->type = VMDK_EXT_FLAT;
    else if (!strcmp(type, "ZERO"))
        e->type = VMDK_EXT_ZERO;
    else
        return -2;
    char *p = line + n;
    if (e->type == VMDK_EXT_ZERO)
        return 0;
    if (*p != '"')
        return -1;
    char *q = strchr(p + 1, '"');
    if (!q || q == p + 1)
        return -1;
    size_t len = (size_t)(q - p - 1);
    if (len >= sizeof(e->file))
        return -1;
    memcpy(e->file, p + 1, len);
    e->file[len] = 0;
    unsigned long long off = 0;
    if (sscanf(q + 1, "%llu", &off) == 1)
        e->offset = off;
    return 0;
}

int vmdk_parse_descriptor(const char *text, size_t len, struct vmdk_desc *d, char *err,
                          size_t errlen)
{
    memset(d, 0, sizeof(*d));
    d->cid = 0xffffffffu;
    d->parent_cid = 0xffffffffu;
    char *buf = malloc(len + 1);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, text, len);
    buf[len] = 0;
    int ret = 0;
    bool seen_version = false, seen_type = false;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line = vmdk_trim(line);
        char *v;
        if (!*line || *line == '#')
            continue;
        if ((v = vmdk_kv(line, "version"))) {
            seen_version = true;
        } else if ((v = vmdk_kv(line, "CID"))) {
            d->cid = (uint32_t)strtoul(v, NULL, 16);
        } else if ((v = vmdk_kv(line, "parentCID"))) {
            d->parent_cid = (uint32_t)strtoul(v, NULL, 16);
        } else if ((v = vmdk_kv(line, "createType"))) {
            snprintf(d->create_type, sizeof(d->create_type), "%s", v);
            seen_type = true;
        } else if ((v = vmdk_kv(line, "parentFileNameHint"))) {
            snprintf(d->parent_hint, sizeof(d->parent_hint), "%s", v);
        } else if (!strncmp(line, "RW ", 3) || !strncmp(line, "RDONLY ", 7) ||
                   !strncmp(line, "NOACCESS ", 9)) {
            if (d->n_extents >= VMDK_MAX_EXTENTS) {
                vmdk_err(err, errlen, "too many extents in the descriptor (at most %d)",
                         VMDK_MAX_EXTENTS);
                ret = -EINVAL;
                break;
            }
            int r = vmdk_parse_extent(line, &d->extents[d->n_extents]);
            if (r) {
                vmdk_err(err, errlen, "%s extent line in the descriptor: '%.80s'",
                         r == -2 ? "unsupported" : "invalid", line);
                ret = r == -2 ? -ENOTSUP : -EINVAL;
                break;
            }
            d->n_extents++;
        }
    }
    if (!ret && (!seen_version || !seen_type)) {
        vmdk_err(err, errlen, "invalid VMDK descriptor: no %s",
                 seen_version ? "createType" : "version");
        ret = -EINVAL;
    }
    free(buf);
    return ret;
}

/* ---- sparse extent header ------------------------------------------- */

void vmdk_header_decode(const uint8_t *p, struct vmdk_header *h)
{
    h->magic = vmdk_le32(p + 0);
    h->version = vmdk_le32(p + 4);
    h->flags = vmdk_le32(p + 8);
    h->capacity = vmdk_le64(p + 12);
    h->grain = vmdk_le64(p + 20);
    h->desc_offset = vmdk_le64(p + 28);
    h->desc_size = vmdk_le64(p + 36);
    h->gtes = vmdk_le32(p + 44);
    h->rgd_offset = vmdk_le64(p + 48);
    h->gd_offset = vmdk_le64(p + 56);
    h->overhead = vmdk_le64(p + 64);
    h->unclean = p[72];
    memcpy(h->nl, p + 73, 4);
    h->compress = (uint16_t)(p[77] | p[78] << 8);
}

void vmdk_header_encode(uint8_t *p, const struct vmdk_header *h)
{
    memset(p, 0, BLK_SECTOR);
    vmdk_put_le32(p + 0, h->magic);
    vmdk_put_le32(p + 4, h->version);
    vmdk_put_le32(p + 8, h->flags);
    vmdk_put_le64(p + 12, h->capacity);
    vmdk_put_le64(p + 20, h->grain);
    vmdk_put_le64(p + 28, h->desc_offset);
    vmdk_put_le64(p + 36, h->desc_size);
    vmdk_put_le32(p + 44, h->gtes);
    vmdk_put_le64(p + 48, h->rgd_offset);
    vmdk_put_le64(p + 56, h->gd_offset);
    vmdk_put_le64(p + 64, h->overhead);
    p[72] = h->unclean;
    p[73] = '\n'; /* newline-detection bytes (spec 1.1, "Hosted Sparse Extent Header") */
    p[74] = ' ';
    p[75] = '\r';
    p[76] = '\n';
    p[77] = (uint8_t)h->compress;
    p[78] = (uint8_t)(h->compress >> 8);
}

/* ---- open ----------------------------------------------------------- */

static void vmdk_free_extent(struct vmdk_extent *e)
{
    if (e->gt) {
        for (uint32_t i = 0; i < e->gd_entries; i++)
            free(e->gt[i]);
        free(e->gt);
    }
    free(e->gd);
    free(e->rgd);
    free(e->zcache);
    free(e->pending);
    if (e->fd >= 0 && e->own_fd)
        blk_file_close(e->fd);
    e->fd = -1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int vmdk_read_table(int fd, uint64_t sector, uint32_t n, uint32_t **out)
{
    uint32_t *t = malloc((size_t)n * 4);
    if (!t)
        return -ENOMEM;
    ssize_t r = blk_pread(fd, t, (size_t)n * 4, sector * BLK_SECTOR);
    if (r != (ssize_t)n * 4) {
        free(t);
        return r < 0 ? (int)r : -EIO;
    }
    for (uint32_t i = 0; i < n; i++)
        t[i] = vmdk_le32((const uint8_t *)&t[i]);
    *out = t;
    return 0;
}

/* Load a hosted sparse extent's metadata: header (or the streamOptimized
 * footer when the header says the GD is at the end), GD, RGD and all GTs.
 * Everything the tables point to must lie inside the file. */
static int vmdk_load_sparse(struct vmdk_extent *e, const char *path, char *err, size_t errlen)
{
    uint8_t sec[BLK_SECTOR];
    int64_t fsize = blk_file_size(e->fd);
    if (fsize < 0)
        return (int)fsize;
    ssize_t r = blk_pread(e->fd, sec, sizeof(sec), 0);
    if (r != (ssize_t)sizeof(sec)) {
        vmdk_err(err, errlen, "%s: truncated VMDK sparse extent header", path);
        return -EINVAL;
    }
    struct vmdk_header h;
    vmdk_header_decode(sec, &h);
    if (h.magic != VMDK_MAGIC) {
        vmdk_err(err, errlen, "%s: not a VMDK sparse extent (bad magic)", path);
        return -EINVAL;
    }
    if (h.gd_offset == VMDK_GD_AT_END) {
        /* streamOptimized: footer marker, footer header, end-of-stream marker */
        if (fsize < 3 * BLK_SECTOR || blk_pread(e->fd, sec, sizeof(sec), fsize - 1024) != 512) {
            vmdk_err(err, errlen, "%s: streamOptimized VMDK without a footer", path);
            return -EINVAL;
        }
        struct vmdk_header f;
        vmdk_header_decode(sec, &f);
        if (f.magic != VMDK_MAGIC || f.gd_offset == VMDK_GD_AT_END) {
            vmdk_err(err, errlen, "%s: streamOptimized VMDK footer is corrupt", path);
            return -EINVAL;
        }
        h = f;
    }
    e->header = h;
    if (h.version < 1 || h.version > 3) {
        vmdk_err(err, errlen, "%s: unsupported VMDK version %u", path, h.version);
        return -ENOTSUP;
    }
    if ((h.flags & VMDK_FLAG_NL_DETECT) && memcmp(h.nl, "\n \r\n", 4)) {
        vmdk_err(err, errlen,
                 "%s: VMDK header newline check failed (file mangled by a text "
                 "transfer?)",
                 path);
        return -EINVAL;
    }
    if (h.grain == 0 || (h.grain & (h.grain - 1)) || h.grain > VMDK_MAX_GRAIN) {
        vmdk_err(err, errlen, "%s: invalid VMDK grain size %llu sectors", path,
                 (unsigned long long)h.grain);
        return -EINVAL;
    }
    if (h.gtes == 0 || h.gtes > VMDK_MAX_GTES) {
        vmdk_err(err, errlen, "%s: invalid VMDK grain table size %u entries", path, h.gtes);
        return -EINVAL;
    }
    if (h.capacity == 0 || h.capacity > VMDK_MAX_SECTORS) {
        vmdk_err(err, errlen, "%s: invalid VMDK capacity %llu sectors", path,
                 (unsigned long long)h.capacity);
        return -EINVAL;
    }
    if ((h.flags & VMDK_FLAG_COMPRESSED) && h.compress != VMDK_COMPRESS_DEFLATE) {
        vmdk_err(err, errlen, "%s: unsupported VMDK compression algorithm %u", path, h.compress);
        return -ENOTSUP;
    }
    e->grain = h.grain;
    e->gtes = h.gtes;
    e->compressed = (h.flags & VMDK_FLAG_COMPRESSED) != 0;
    e->markers = (h.flags & VMDK_FLAG_MARKERS) != 0;
    e->zero_grain = (h.flags & VMDK_FLAG_ZERO_GRAIN) != 0;
    uint64_t span = (uint64_t)h.grain * h.gtes;
    uint64_t gd_n = (h.capacity + span - 1) / span;
    if (gd_n > (uint64_t)fsize / 4) {
        vmdk_err(err, errlen, "%s: VMDK grain directory (%llu entries) is larger than the file",
                 path, (unsigned long long)gd_n);
        return -EINVAL;
    }
    e->gd_entries = (uint32_t)gd_n;
    e->gd_offset = h.gd_offset;
    e->rgd_offset = (h.flags & VMDK_FLAG_RGD) ? h.rgd_offset : 0;
    e->file_sectors = ((uint64_t)fsize + BLK_SECTOR - 1) / BLK_SECTOR;
    e->capacity = h.capacity;
    uint64_t gd_bytes = (uint64_t)e->gd_entries * 4;
    if (e->gd_offset == 0 || e->gd_offset > (uint64_t)fsize / BLK_SECTOR ||
        e->gd_offset * BLK_SECTOR + gd_bytes > (uint64_t)fsize) {
        vmdk_err(err, errlen, "%s: VMDK grain directory lies past the end of the file", path);
        return -EINVAL;
    }
    if (e->rgd_offset && (e->rgd_offset > (uint64_t)fsize / BLK_SECTOR ||
                          e->rgd_offset * BLK_SECTOR + gd_bytes > (uint64_t)fsize)) {
        vmdk_err(err, errlen, "%s: VMDK redundant grain directory lies past the end of the file",
                 path);
        return -EINVAL;
    }
    int ret = vmdk_read_table(e->fd, e->gd_offset, e->gd_entries, &e->gd);
    if (!ret && e->rgd_offset)
        ret = vmdk_read_table(e->fd, e->rgd_offset, e->gd_entries, &e->rgd);
    if (ret) {
        vmdk_err(err, errlen, "%s: cannot read the VMDK grain directory", path);
        return ret;
    }
    /* Every GT inside the file, no two GD entries sharing a GT. */
    uint64_t gt_bytes = (uint64_t)e->gtes * 4;
    uint32_t *sorted = malloc(gd_bytes ? gd_bytes : 1);
    if (!sorted)
        return -ENOMEM;
    uint32_t nsorted = 0;
    for (uint32_t i = 0; i < e->gd_entries; i++) {
        uint32_t g = e->gd[i];
        if (!g)
            continue;
        if ((uint64_t)g * BLK_SECTOR + gt_bytes > (uint64_t)fsize) {
            vmdk_err(err, errlen,
                     "%s: VMDK grain directory entry %u points past the end of the "
                     "file",
                     path, i);
            free(sorted);
            return -EINVAL;
        }
        sorted[nsorted++] = g;
    }
    qsort(sorted, nsorted, 4, cmp_u32);
    for (uint32_t i = 1; i < nsorted; i++)
        if ((uint64_t)sorted[i] * BLK_SECTOR < (uint64_t)sorted[i - 1] * BLK_SECTOR + gt_bytes) {
            vmdk_err(err, errlen, "%s: VMDK grain tables overlap (at sector %u)", path, sorted[i]);
            free(sorted);
            return -EINVAL;
        }
    free(sorted);
    e->gt = calloc(e->gd_entries ? e->gd_entries : 1, sizeof(*e->gt));
    if (!e->gt)
        return -ENOMEM;
    for (uint32_t i = 0; i < e->gd_entries; i++) {
        if (!e->gd[i])
            continue;
        ret = vmdk_read_table(e->fd, e->gd[i], e->gtes, &e->gt[i]);
        if (ret) {
            vmdk_err(err, errlen, "%s: cannot read VMDK grain table %u", path, i);
            return ret;
        }
        for (uint32_t j = 0; j < e->gtes; j++) {
            uint32_t g = e->gt[i][j];
            if (g <= 1)
                continue;
            uint64_t end = e->compressed ? (uint64_t)g + 1 : (uint64_t)g + e->grain;
            if (end > e->file_sectors) {
                vmdk_err(err, errlen,
                         "%s: VMDK grain table %u entry %u points past the end "
                         "of the file (sector %u)",
                         path, i, j, g);
                return -EINVAL;
            }
        }
    }
    return 0;
}

static char *vmdk_join(const char *base, const char *name)
{
    if (name[0] == '/')
        return strdup(name);
    const char *slash = strrchr(base, '/');
    size_t dl = slash ? (size_t)(slash - base + 1) : 0;
    char *p = malloc(dl + strlen(name) + 1);
    if (!p)
        return NULL;
    memcpy(p, base, dl);
    strcpy(p + dl, name);
    return p;
}

/* Open one extent of a descriptor (its file relative to the descriptor). */
static int vmdk_open_extent(struct vmdk *s, const struct vmdk_desc_extent *de, const char *desc,
                            int flags, char *err, size_t errlen)
{
    struct vmdk_extent *e = &s->ext[s->n_ext];
    memset(e, 0, sizeof(*e));
    e->fd = -1;
    e->type = de->type;
    e->start = s->sectors;
    e->sectors = de->sectors;
    e->readonly = de->readonly || (flags & BLK_RDONLY);
    e->flat_offset = de->offset;
    s->n_ext++;
    if (de->type == VMDK_EXT_ZERO)
        goto done;
    char *path = vmdk_join(desc, de->file);
    if (!path)
        return -ENOMEM;
    int fd = blk_file_open(path, e->readonly ? (flags | BLK_RDONLY) : flags, err, errlen);
    if (fd < 0) {
        free(path);
        return fd;
    }
    e->fd = fd;
    e->own_fd = true;
    int ret = 0;
    if (de->type == VMDK_EXT_SPARSE) {
        ret = vmdk_load_sparse(e, path, err, errlen);
        if (!ret && e->capacity < e->sectors) {
            vmdk_err(err, errlen, "%s: sparse extent holds %llu sectors, the descriptor says %llu",
                     path, (unsigned long long)e->capacity, (unsigned long long)e->sectors);
            ret = -EINVAL;
        }
    }
    free(path);
    if (ret)
        return ret;
done:
    if (s->sectors + e->sectors < s->sectors || s->sectors + e->sectors > VMDK_MAX_SECTORS) {
        vmdk_err(err, errlen, "VMDK extents too large");
        return -EINVAL;
    }
    s->sectors += e->sectors;
    return 0;
}

/* The CID in an image's descriptor (embedded or a descriptor file), read
 * without opening the image's own parent (so a loop cannot recurse). */
static int vmdk_read_cid(const char *path, uint32_t *cid, char *err, size_t errlen)
{
    int fd = blk_file_open(path, BLK_RDONLY | BLK_NOLOCK, err, errlen);
    if (fd < 0)
        return fd;
    uint8_t sec[BLK_SECTOR];
    ssize_t n = blk_pread(fd, sec, sizeof(sec), 0);
    uint64_t off = 0, len = 0;
    int64_t fsize = blk_file_size(fd);
    if (n >= 4 && vmdk_le32(sec) == VMDK_MAGIC && n == BLK_SECTOR) {
        struct vmdk_header h;
        vmdk_header_decode(sec, &h);
        off = h.desc_offset * BLK_SECTOR;
        len = h.desc_size * BLK_SECTOR;
    } else if (fsize > 0) {
        len = (uint64_t)fsize;
    }
    int ret = -EINVAL;
    if (len && len <= VMDK_MAX_DESC && fsize > 0 && off < (uint64_t)fsize) {
        char *text = calloc(1, len + 1);
        struct vmdk_desc *d = malloc(sizeof(*d));
        if (text && d && blk_pread(fd, text, len, off) > 0 &&
            !vmdk_parse_descriptor(text, strnlen(text, len), d, err, errlen)) {
            *cid = d->cid;
            ret = 0;
        }
        free(text);
        free(d);
    }
    blk_file_close(fd);
    if (ret && err && !err[0])
        vmdk_err(err, errlen, "no VMDK descriptor");
    return ret;
}

/* A delta link: the generic layer opens the parent (from vmdk_info's
 * backing_file); here only the parent's CID is compared with parentCID,
 * which refuses a child whose parent changed since the link was made. */
static int vmdk_check_parent(struct blockdev *bd, struct vmdk *s, char *err, size_t errlen)
{
    if (s->desc.parent_cid == 0xffffffffu)
        return 0;
    if (!s->desc.parent_hint[0]) {
        vmdk_err(err, errlen, "%s: VMDK delta link without a parentFileNameHint", bd->filename);
        return -EINVAL;
    }
    char *path = blk_resolve_backing(bd->filename, s->desc.parent_hint);
    if (!path)
        return -ENOMEM;
    char perr[256] = "";
    uint32_t cid = 0;
    int ret = vmdk_read_cid(path, &cid, perr, sizeof(perr));
    if (ret) {
        vmdk_err(err, errlen, "%s: cannot read the parent image %s: %s", bd->filename, path, perr);
    } else if (cid != s->desc.parent_cid) {
        vmdk_err(err, errlen,
                 "%s: the parent's CID %08x does not match parentCID %08x (the "
                 "parent changed after this delta link was made)",
                 bd->filename, cid, s->desc.parent_cid);
        ret = -EINVAL;
    }
    free(path);
    return ret;
}

/* createType (spec 1.1, "The Descriptor File"): the disk types made of
 * files. Device-backed types (a descriptor pointing at a host disk or
 * partition) are refused: an image must not open host devices. */
static int vmdk_check_create_type(const char *filename, const char *type, char *err, size_t errlen)
{
    static const char *const ok[] = {
        "monolithicSparse",     "monolithicFlat",  "twoGbMaxExtentSparse",
        "twoGbMaxExtentFlat",   "streamOptimized", "vmfs",
        "vmfsSparse",           "vmfsThin",        "vmfsPreallocated",
        "vmfsEagerZeroedThick", "custom",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!strcmp(type, ok[i]))
            return 0;
    vmdk_err(err, errlen, "%s: unsupported VMDK createType \"%s\"", filename, type);
    return -ENOTSUP;
}

static void vmdk_close(struct blockdev *bd);

static int vmdk_open(struct blockdev *bd, const char *filename, int flags, char *err, size_t errlen)
{
    struct vmdk *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    bd->priv = s;
    int ret;
    int fd = blk_file_open(filename, flags, err, errlen);
    if (fd < 0) {
        ret = fd;
        goto fail;
    }
    uint8_t sec[BLK_SECTOR];
    ssize_t n = blk_pread(fd, sec, sizeof(sec), 0);
    if (n < 0) {
        blk_file_close(fd);
        ret = (int)n;
        goto fail;
    }
    if (n >= 4 && vmdk_le32(sec) == VMDK_MAGIC) {
        /* A monolithic sparse file: header, embedded descriptor, tables. */
        struct vmdk_extent *e = &s->ext[0];
        memset(e, 0, sizeof(*e));
        e->fd = fd;
        e->own_fd = true;
        e->type = VMDK_EXT_SPARSE;
        e->readonly = (flags & BLK_RDONLY) != 0;
        s->n_ext = 1;
        ret = vmdk_load_sparse(e, filename, err, errlen);
        if (ret)
            goto fail;
        e->sectors = e->capacity;
        s->sectors = e->capacity;
        struct vmdk_header *h = &e->header;
        if (h->desc_offset && h->desc_size && h->desc_size <= VMDK_MAX_DESC / BLK_SECTOR) {
            size_t len = (size_t)h->desc_size * BLK_SECTOR;
            char *text = malloc(len);
            if (!text) {
                ret = -ENOMEM;
                goto fail;
            }
            n = blk_pread(fd, text, len, h->desc_offset * BLK_SECTOR);
            size_t tl = n > 0 ? strnlen(text, (size_t)n) : 0;
            ret = vmdk_parse_descriptor(text, tl, &s->desc, err, errlen);
            free(text);
            if (ret)
                goto fail;
        } else {
            memset(&s->desc, 0, sizeof(s->desc));
            s->desc.cid = s->desc.parent_cid = 0xffffffffu;
            snprintf(s->desc.create_type, sizeof(s->desc.create_type), "monolithicSparse");
        }
        s->desc_in_extent = true;
    } else if (n >= 4 && !memcmp(sec, "COWD", 4)) {
        blk_file_close(fd);
        vmdk_err(err, errlen, "%s: ESX COWD sparse extents are not supported", filename);
        ret = -ENOTSUP;
        goto fail;
    } else {
        /* A descriptor file. */
        int64_t size = blk_file_size(fd);
        if (size < 0 || size > VMDK_MAX_DESC) {
            blk_file_close(fd);
            vmdk_err(err, errlen, "%s: not a VMDK descriptor (too large)", filename);
            ret = -EINVAL;
            goto fail;
        }
        char *text = malloc((size_t)size + 1);
        if (!text) {
            blk_file_close(fd);
            ret = -ENOMEM;
            goto fail;
        }
        n = blk_pread(fd, text, (size_t)size, 0);
        s->desc_fd = fd;
        s->has_desc_fd = true;
        if (n != size) {
            free(text);
            vmdk_err(err, errlen, "%s: descriptor read failed (%lld of %lld bytes)", filename,
                     (long long)n, (long long)size);
            ret = n < 0 ? (int)n : -EIO;
            goto fail;
        }
        /* The descriptor ends at the first NUL. qemu-img pads the file with
         * NULs to a sector, and when it rewrites the CID (after a write)
         * it writes the whole old buffer back with the new, maybe shorter,
         * text at its start: the old text's tail stays after the NUL. What
         * is not a descriptor fails the parse below. */
        size_t tl = strnlen(text, (size_t)size);
        if (!tl) {
            free(text);
            vmdk_err(err, errlen, "%s: not a VMDK descriptor (empty)", filename);
            ret = -EINVAL;
            goto fail;
        }
        ret = vmdk_parse_descriptor(text, tl, &s->desc, err, errlen);
        free(text);
        if (ret) {
            char why[256];
            snprintf(why, sizeof why, "%s", err && errlen ? err : "");
            vmdk_err(err, errlen, "%s: %s", filename, why);
            goto fail;
        }
        ret = vmdk_check_create_type(filename, s->desc.create_type, err, errlen);
        if (ret)
            goto fail;
        if (!s->desc.n_extents) {
            vmdk_err(err, errlen, "%s: VMDK descriptor has no extents", filename);
            ret = -EINVAL;
            goto fail;
        }
        for (int i = 0; i < s->desc.n_extents; i++) {
            ret = vmdk_open_extent(s, &s->desc.extents[i], filename, flags, err, errlen);
            if (ret)
                goto fail;
        }
    }
    for (unsigned i = 0; i < s->n_ext; i++)
        if (s->ext[i].compressed && !s->ext[i].readonly) {
            ret = vmdk_stream_begin_write(&s->ext[i], err, errlen);
            if (ret)
                goto fail;
        }
    bd->sectors = s->sectors;
    ret = vmdk_check_parent(bd, s, err, errlen);
    if (ret)
        goto fail;
    return 0;
fail:
    vmdk_close(bd);
    return ret;
}

static void vmdk_close(struct blockdev *bd)
{
    struct vmdk *s = bd->priv;
    if (!s)
        return;
    for (unsigned i = 0; i < s->n_ext; i++) {
        if (s->ext[i].stream_write)
            vmdk_stream_finish(&s->ext[i]);
        vmdk_free_extent(&s->ext[i]);
    }
    if (s->has_desc_fd)
        blk_file_close(s->desc_fd);
    free(s);
    bd->priv = NULL;
}

/* ---- read / write -------------------------------------------------- */

static struct vmdk_extent *vmdk_find(struct vmdk *s, uint64_t sector)
{
    for (unsigned i = 0; i < s->n_ext; i++)
        if (sector >= s->ext[i].start && sector - s->ext[i].start < s->ext[i].sectors)
            return &s->ext[i];
    return NULL;
}

/* The GT entry of an extent-relative sector (0 = unallocated). */
static uint32_t vmdk_gte(const struct vmdk_extent *e, uint64_t rel)
{
    uint64_t g = rel / e->grain;
    uint64_t gdi = g / e->gtes;
    if (gdi >= e->gd_entries || !e->gt[gdi])
        return 0;
    return e->gt[gdi][g % e->gtes];
}

/* Where this layer has no data: the parent, or zeros. */
static int vmdk_read_below(struct blockdev *bd, uint64_t sector, uint8_t *buf, uint32_t count)
{
    if (bd->backing) {
        uint64_t ps = blk_sectors(bd->backing);
        uint32_t in = sector >= ps ? 0 : (uint32_t)(ps - sector < count ? ps - sector : count);
        if (in) {
            int r = blk_read(bd->backing, sector, buf, in);
            if (r)
                return r;
        }
        memset(buf + (size_t)in * BLK_SECTOR, 0, (size_t)(count - in) * BLK_SECTOR);
        return 0;
    }
    memset(buf, 0, (size_t)count * BLK_SECTOR);
    return 0;
}

/* Inflate the compressed grain at file sector gte into e->zcache. */
static int vmdk_load_compressed(struct vmdk_extent *e, uint32_t gte)
{
    size_t gbytes = (size_t)e->grain * BLK_SECTOR;
    if (e->zcache && e->zcache_gte == gte)
        return 0;
    if (!e->zcache && !(e->zcache = malloc(gbytes)))
        return -ENOMEM;
    e->zcache_gte = 0;
    uint64_t off = (uint64_t)gte * BLK_SECTOR;
    size_t clen;
    if (e->markers) {
        uint8_t m[12];
        if (blk_pread(e->fd, m, 12, off) != 12)
            return -EIO;
        clen = vmdk_le32(m + 8);
        off += 12;
    } else {
        clen = gbytes * 2 + 64;
    }
    if (clen == 0 || clen > gbytes * 2 + 1024)
        return -EIO;
    uint8_t *z = malloc(clen);
    if (!z)
        return -ENOMEM;
    ssize_t n = blk_pread(e->fd, z, clen, off);
    if (n <= 0 || (e->markers && (size_t)n != clen)) {
        free(z);
        return -EIO;
    }
    uLongf out = gbytes;
    int zr = uncompress(e->zcache, &out, z, (uLong)n);
    free(z);
    if (zr != Z_OK || out != gbytes)
        return -EIO;
    e->zcache_gte = gte;
    return 0;
}

static int vmdk_read(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count)
{
    struct vmdk *s = bd->priv;
    uint8_t *p = buf;
    while (count) {
        struct vmdk_extent *e = vmdk_find(s, sector);
        if (!e)
            return -EIO;
        uint64_t rel = sector - e->start;
        uint32_t n = (uint32_t)(e->sectors - rel < count ? e->sectors - rel : count);
        int r = 0;
        switch (e->type) {
        case VMDK_EXT_ZERO: memset(p, 0, (size_t)n * BLK_SECTOR); break;
        case VMDK_EXT_FLAT:
            r = blk_pread_zf(e->fd, p, (size_t)n * BLK_SECTOR, (e->flat_offset + rel) * BLK_SECTOR);
            break;
        case VMDK_EXT_SPARSE: {
            uint64_t in_grain = rel % e->grain;
            if (e->grain - in_grain < n)
                n = (uint32_t)(e->grain - in_grain);
            if (e->stream_write && vmdk_stream_read_pending(e, rel, p, n)) {
                break;
            }
            uint32_t gte = vmdk_gte(e, rel);
            if (gte == 0)
                r = vmdk_read_below(bd, sector, p, n);
            else if (gte == 1 && e->zero_grain)
                memset(p, 0, (size_t)n * BLK_SECTOR);
            else if (e->compressed) {
                r = vmdk_load_compressed(e, gte);
                if (!r)
                    memcpy(p, e->zcache + in_grain * BLK_SECTOR, (size_t)n * BLK_SECTOR);
            } else
                r = blk_pread_zf(e->fd, p, (size_t)n * BLK_SECTOR,
                                 ((uint64_t)gte + in_grain) * BLK_SECTOR);
            break;
        }
        }
        if (r)
            return r;
        p += (size_t)n * BLK_SECTOR;
        sector += n;
        count -= n;
    }
    return 0;
}

/* Point GT entry `idx` of GD entry `gdi` at `gte`: the RGD's GT copy first,
 * then the primary. A new GT pair is appended (and then the GD entries
 * written) when the GD entry is empty. */
static int vmdk_set_gte(struct vmdk_extent *e, uint32_t gdi, uint32_t idx, uint32_t gte)
{
    uint8_t le[4];
    vmdk_put_le32(le, gte);
    if (!e->gt[gdi]) {
        uint32_t *gt = calloc(e->gtes, 4);
        if (!gt)
            return -ENOMEM;
        gt[idx] = gte;
        size_t bytes = (size_t)e->gtes * 4;
        uint64_t secs = (bytes + BLK_SECTOR - 1) / BLK_SECTOR;
        uint8_t *raw = calloc(secs, BLK_SECTOR);
        if (!raw) {
            free(gt);
            return -ENOMEM;
        }
        memcpy(raw + (size_t)idx * 4, le, 4);
        int copies = e->rgd ? 2 : 1;
        uint64_t at[2];
        for (int c = 0; c < copies; c++) {
            at[c] = e->file_sectors;
            int r = blk_pwrite(e->fd, raw, secs * BLK_SECTOR, at[c] * BLK_SECTOR);
            if (r) {
                free(raw);
                free(gt);
                return r;
            }
            e->file_sectors += secs;
        }
        free(raw);
        if (e->file_sectors > 0xffffffffu) {
            free(gt);
            return -EFBIG;
        }
        if (e->rgd) {
            vmdk_put_le32(le, (uint32_t)at[1]);
            int r = blk_pwrite(e->fd, le, 4, e->rgd_offset * BLK_SECTOR + (uint64_t)gdi * 4);
            if (r) {
                free(gt);
                return r;
            }
            e->rgd[gdi] = (uint32_t)at[1];
        }
        vmdk_put_le32(le, (uint32_t)at[0]);
        int r = blk_pwrite(e->fd, le, 4, e->gd_offset * BLK_SECTOR + (uint64_t)gdi * 4);
        if (r) {
            free(gt);
            return r;
        }
        e->gd[gdi] = (uint32_t)at[0];
        e->gt[gdi] = gt;
        return 0;
    }
    if (e->rgd && e->rgd[gdi]) {
        int r = blk_pwrite(e->fd, le, 4, (uint64_t)e->rgd[gdi] * BLK_SECTOR + (uint64_t)idx * 4);
        if (r)
            return r;
    }
    int r = blk_pwrite(e->fd, le, 4, (uint64_t)e->gd[gdi] * BLK_SECTOR + (uint64_t)idx * 4);
    if (r)
        return r;
    e->gt[gdi][idx] = gte;
    return 0;
}

/* Write inside one grain of a sparse extent. A new grain is filled from the
 * parent (or zeros) around the written sectors and appended at the end of
 * the file; only then is the GT entry written (data before metadata, so a
 * crash of vx86 leaves at worst a leaked grain, never a GT entry pointing at
 * garbage). */
static int vmdk_write_sparse(struct blockdev *bd, struct vmdk_extent *e, uint64_t sector,
                             uint64_t rel, const uint8_t *p, uint32_t n)
{
    uint32_t gte = vmdk_gte(e, rel);
    uint64_t in_grain = rel % e->grain;
    if (gte > 1)
        return blk_pwrite(e->fd, p, (size_t)n * BLK_SECTOR,
                          ((uint64_t)gte + in_grain) * BLK_SECTOR);
    size_t gbytes = (size_t)e->grain * BLK_SECTOR;
    uint8_t *g = malloc(gbytes);
    if (!g)
        return -ENOMEM;
    int r = 0;
    if (n != e->grain) {
        uint64_t gstart = sector - in_grain;
        if (gte == 1 && e->zero_grain)
            memset(g, 0, gbytes);
        else
            r = vmdk_read_below(bd, gstart, g, (uint32_t)e->grain);
    }
    memcpy(g + in_grain * BLK_SECTOR, p, (size_t)n * BLK_SECTOR);
    uint64_t at = e->file_sectors;
    if (!r && at + e->grain > 0xffffffffu)
        r = -EFBIG;
    if (!r)
        r = blk_pwrite(e->fd, g, gbytes, at * BLK_SECTOR);
    free(g);
    if (r)
        return r;
    e->file_sectors += e->grain;
    uint64_t gi = rel / e->grain;
    return vmdk_set_gte(e, (uint32_t)(gi / e->gtes), (uint32_t)(gi % e->gtes), (uint32_t)at);
}

static int vmdk_write(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count)
{
    struct vmdk *s = bd->priv;
    const uint8_t *p = buf;
    while (count) {
        struct vmdk_extent *e = vmdk_find(s, sector);
        if (!e)
            return -EIO;
        if (e->readonly)
            return -EROFS;
        uint64_t rel = sector - e->start;
        uint32_t n = (uint32_t)(e->sectors - rel < count ? e->sectors - rel : count);
        int r = 0;
        switch (e->type) {
        case VMDK_EXT_ZERO: return -EROFS;
        case VMDK_EXT_FLAT:
            r = blk_pwrite(e->fd, p, (size_t)n * BLK_SECTOR, (e->flat_offset + rel) * BLK_SECTOR);
            break;
        case VMDK_EXT_SPARSE: {
            uint64_t in_grain = rel % e->grain;
            if (e->grain - in_grain < n)
                n = (uint32_t)(e->grain - in_grain);
            if (e->stream_write)
                r = vmdk_stream_write(e, rel, p, n);
            else
                r = vmdk_write_sparse(bd, e, sector, rel, p, n);
            break;
        }
        }
        if (r)
            return r;
        if (!s->cid_updated)
            vmdk_update_cid(s);
        p += (size_t)n * BLK_SECTOR;
        sector += n;
        count -= n;
    }
    return 0;
}

/* FLUSH CACHE: every extent file (and a separate descriptor, whose CID may
 * have changed) reaches stable storage. Between flushes the writes are
 * ordered data -> GT copies -> GD only as the kernel sees them, which is
 * what survives a crash of vx86; a host crash needs the flush. */
static int vmdk_flush(struct blockdev *bd)
{
    struct vmdk *s = bd->priv;
    if (s->has_desc_fd && s->cid_updated) {
        int r = blk_fsync(s->desc_fd);
        if (r)
            return r;
    }
    for (unsigned i = 0; i < s->n_ext; i++)
        if (s->ext[i].fd >= 0 && !s->ext[i].readonly) {
            int r = blk_fsync(s->ext[i].fd);
            if (r)
                return r;
        }
    return 0;
}

static int vmdk_is_allocated(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run)
{
    struct vmdk *s = bd->priv;
    struct vmdk_extent *e = vmdk_find(s, sector);
    if (!e) {
        *run = count;
        return 0;
    }
    uint64_t rel = sector - e->start;
    uint64_t left = e->sectors - rel < count ? e->sectors - rel : count;
    if (e->type != VMDK_EXT_SPARSE) {
        *run = (uint32_t)left;
        return e->type == VMDK_EXT_FLAT;
    }
    int first = -1;
    uint64_t done = 0;
    while (done < left) {
        uint64_t r = rel + done;
        uint64_t in = e->grain - r % e->grain;
        uint32_t gte = vmdk_gte(e, r);
        int a = gte != 0 || (e->stream_write && vmdk_stream_read_pending(e, r, NULL, 1));
        if (first < 0)
            first = a;
        else if (a != first)
            break;
        done += in;
    }
    *run = (uint32_t)(done < left ? done : left);
    return first;
}

static int vmdk_probe(const uint8_t *h, size_t len, const char *filename)
{
    (void)filename;
    if (len >= 4 && vmdk_le32(h) == VMDK_MAGIC)
        return 100;
    if (len >= 4 && !memcmp(h, "COWD", 4))
        return 100;
    const char *sig = "# Disk DescriptorFile";
    if (len >= strlen(sig) && !memcmp(h, sig, strlen(sig)))
        return 100;
    if (memmem(h, len, "createType", 10) && memmem(h, len, "version=", 8))
        return 60;
    return 0;
}

static int vmdk_info(struct blockdev *bd, struct blk_info *info)
{
    struct vmdk *s = bd->priv;
    memset(info, 0, sizeof(*info));
    info->format = "vmdk";
    info->subformat = s->desc.create_type[0] ? s->desc.create_type : NULL;
    info->virtual_size = s->sectors * BLK_SECTOR;
    uint64_t a = s->has_desc_fd ? blk_file_allocated(s->desc_fd) : 0;
    for (unsigned i = 0; i < s->n_ext; i++)
        if (s->ext[i].fd >= 0)
            a += blk_file_allocated(s->ext[i].fd);
    info->allocated_size = a;
    if (s->desc.parent_cid != 0xffffffffu && s->desc.parent_hint[0]) {
        info->backing_file = s->desc.parent_hint;
        info->backing_format = "vmdk";
    }
    return 0;
}

const struct blockdev_driver blk_driver_vmdk = {
    .name = "vmdk",
    .probe = vmdk_probe,
    .open = vmdk_open,
    .read = vmdk_read,
    .write = vmdk_write,
    .flush = vmdk_flush,
    .close = vmdk_close,
    .is_allocated = vmdk_is_allocated,
    .create = vmdk_create,
    .info = vmdk_info,
    .check = vmdk_check,
};
