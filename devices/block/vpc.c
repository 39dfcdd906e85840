/* VHD images (Microsoft "Virtual Hard Disk Image Format Specification"):
 * fixed, dynamic and differencing disks; QEMU calls the format "vpc". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devices/block/file_io.h"
#include "devices/block/vpc_format.h"

static void vpc_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* One's complement of the byte sum, the checksum field counted as zero
 * (spec, "Checksum" in both the footer and the dynamic header). */
uint32_t vpc_checksum(const uint8_t *p, size_t len, size_t csum_off)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        if (i < csum_off || i >= csum_off + 4)
            sum += p[i];
    return ~sum;
}

/* CHS from a sector count, the spec's algorithm (appendix "CHS
 * Calculation"), which Virtual PC uses and qemu-img follows. */
void vpc_geometry(uint64_t total, uint16_t *cyls, uint8_t *heads, uint8_t *spt)
{
    uint64_t cth;
    uint32_t h, s;
    if (total > VPC_MAX_GEOMETRY)
        total = VPC_MAX_GEOMETRY;
    if (total >= 65535ull * 16 * 63) {
        s = 255;
        h = 16;
        cth = total / s;
    } else {
        s = 17;
        cth = total / s;
        h = (uint32_t)((cth + 1023) / 1024);
        if (h < 4)
            h = 4;
        if (cth >= h * 1024ull || h > 16) {
            s = 31;
            h = 16;
            cth = total / s;
        }
        if (cth >= h * 1024ull) {
            s = 63;
            h = 16;
            cth = total / s;
        }
    }
    *cyls = (uint16_t)(cth / h);
    *heads = (uint8_t)h;
    *spt = (uint8_t)s;
}

/* The virtual size, as qemu-img reads it (block/vpc.c): Virtual PC sizes a
 * disk by its CHS geometry, which is often smaller than the footer's
 * "current size"; Hyper-V ("win "), disk2vhd ("d2v "), XenServer ("tap\0"),
 * XenConverter ("CTXS") and qemu's force_size ("qem2") use the current size.
 * An image at the maximum geometry also uses the current size (CHS cannot
 * describe it). So an image whose footer size differs from its CHS size
 * reports the CHS size unless one of those creators made it. */
uint64_t vpc_footer_sectors(const uint8_t *f)
{
    uint64_t chs = (uint64_t)blk_be16(f + VPC_F_CYLS) * f[VPC_F_HEADS] * f[VPC_F_SPT];
    const uint8_t *app = f + VPC_F_CREATOR_APP;
    bool use_size = !memcmp(app, "win ", 4) || !memcmp(app, "qem2", 4) || !memcmp(app, "d2v ", 4) ||
                    !memcmp(app, "CTXS", 4) || !memcmp(app, "tap\0", 4);
    if (use_size || chs == VPC_MAX_GEOMETRY)
        return blk_be64(f + VPC_F_CUR_SIZE) / BLK_SECTOR;
    return chs;
}

static bool vpc_footer_ok(const uint8_t *f)
{
    return !memcmp(f, "conectix", 8) &&
           vpc_checksum(f, VPC_FOOTER_SIZE, VPC_F_CHECKSUM) == blk_be32(f + VPC_F_CHECKSUM);
}

/* UTF-16 (LE or BE) to UTF-8, '\' turned into '/'. */
static void vpc_utf16(const uint8_t *p, size_t bytes, bool be, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < bytes && o + 4 < outlen; i += 2) {
        uint32_t c = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i] | p[i + 1] << 8);
        if (!c)
            break;
        if (c >= 0xd800 && c < 0xdc00 && i + 3 < bytes) {
            uint32_t d =
                be ? (uint32_t)(p[i + 2] << 8 | p[i + 3]) : (uint32_t)(p[i + 2] | p[i + 3] << 8);
            if (d >= 0xdc00 && d < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                i += 2;
            }
        }
        if (c == '\\')
            c = '/';
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xc0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xe0 | c >> 12);
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[o++] = (char)(0xf0 | c >> 18);
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[o] = 0;
}

static bool vpc_exists(const char *image, const char *name)
{
    char *p = blk_resolve_backing(image, name);
    struct stat st;
    bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

/* The parent of a differencing disk: the Unicode locators W2ru (relative)
 * and W2ku (absolute), then the header's parent name next to the image.
 * Windows paths lose their drive letter; ".\" prefixes are dropped. */
static int vpc_find_parent(struct blockdev *bd, struct vpc *s, int64_t fsize, char *err,
                           size_t errlen)
{
    char cand[10][1024];
    int n = 0;
    static const char *const codes[] = {"W2ru", "W2ku"};
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < 8 && n < 8; i++) {
            const uint8_t *l = s->header + VPC_H_LOCATORS + i * 24;
            if (memcmp(l, codes[c], 4))
                continue;
            uint32_t len = blk_be32(l + 8);
            uint64_t off = blk_be64(l + 16);
            if (!len || len > 2048 || off > (uint64_t)fsize || off + len > (uint64_t)fsize)
                continue;
            uint8_t raw[2048];
            if (blk_pread(s->fd, raw, len, off) != (ssize_t)len)
                continue;
            vpc_utf16(raw, len, false, cand[n], sizeof(cand[n]));
            char *p = cand[n];
            if (p[0] && p[1] == ':')
                memmove(p, p + 2, strlen(p + 2) + 1);
            while (p[0] == '.' && p[1] == '/')
                memmove(p, p + 2, strlen(p + 2) + 1);
            if (!p[0])
                continue;
            n++;
            /* an absolute Windows path: also try its file name next to the image */
            const char *base = strrchr(p, '/');
            if (base && c == 1 && n < 8)
                snprintf(cand[n++], sizeof(cand[0]), "%s", base + 1);
        }
    vpc_utf16(s->header + VPC_H_PARENT_NAME, 512, true, cand[n], sizeof(cand[n]));
    if (cand[n][0]) {
        const char *base = strrchr(cand[n], '/');
        if (base)
            memmove(cand[n], base + 1, strlen(base + 1) + 1);
        n++;
    }
    for (int i = 0; i < n; i++)
        if (vpc_exists(bd->filename, cand[i])) {
            s->parent = strdup(cand[i]);
            return s->parent ? 0 : -ENOMEM;
        }
    vpc_err(err, errlen, "%s: cannot find the parent of this differencing VHD (%s)", bd->filename,
            n ? cand[0] : "no parent locator");
    return -ENOENT;
}

/* The parent's footer UUID must be the one the child recorded. The footer
 * is read directly (not by opening the parent, which would recurse through
 * a parent that names itself). */
static int vpc_check_parent(struct blockdev *bd, struct vpc *s, char *err, size_t errlen)
{
    char *path = blk_resolve_backing(bd->filename, s->parent);
    if (!path)
        return -ENOMEM;
    char perr[256] = "";
    int fd = blk_file_open(path, BLK_RDONLY | BLK_NOLOCK, perr, sizeof(perr));
    if (fd < 0) {
        vpc_err(err, errlen, "%s: cannot open the parent %s: %s", bd->filename, path, perr);
        free(path);
        return -ENOENT;
    }
    free(path);
    uint8_t f[VPC_FOOTER_SIZE];
    int64_t size = blk_file_size(fd);
    bool ok = size >= VPC_FOOTER_SIZE &&
              blk_pread(fd, f, VPC_FOOTER_SIZE, size - VPC_FOOTER_SIZE) == VPC_FOOTER_SIZE &&
              vpc_footer_ok(f);
    if (!ok)
        ok = blk_pread(fd, f, VPC_FOOTER_SIZE, 0) == VPC_FOOTER_SIZE && vpc_footer_ok(f);
    blk_file_close(fd);
    if (!ok) {
        vpc_err(err, errlen, "%s: the parent of a differencing VHD must be a VHD", bd->filename);
        return -EINVAL;
    }
    if (memcmp(f + VPC_F_UUID, s->header + VPC_H_PARENT_UUID, 16)) {
        vpc_err(err, errlen,
                "%s: the parent's UUID does not match the one recorded in this "
                "differencing VHD (the parent was replaced)",
                bd->filename);
        return -EINVAL;
    }
    return 0;
}

static int vpc_open_dynamic(struct blockdev *bd, struct vpc *s, int64_t fsize, char *err,
                            size_t errlen)
{
    uint64_t hoff = blk_be64(s->footer + VPC_F_DATA_OFFSET);
    if (hoff > (uint64_t)fsize || hoff + VPC_HEADER_SIZE > (uint64_t)fsize ||
        blk_pread(s->fd, s->header, VPC_HEADER_SIZE, hoff) != VPC_HEADER_SIZE) {
        vpc_err(err, errlen, "%s: VHD dynamic disk header lies past the end of the file",
                bd->filename);
        return -EINVAL;
    }
    s->header_off = hoff;
    if (memcmp(s->header, "cxsparse", 8)) {
        vpc_err(err, errlen, "%s: VHD dynamic disk header has a bad cookie", bd->filename);
        return -EINVAL;
    }
    if (vpc_checksum(s->header, VPC_HEADER_SIZE, VPC_H_CHECKSUM) !=
        blk_be32(s->header + VPC_H_CHECKSUM)) {
        vpc_err(err, errlen, "%s: VHD dynamic disk header checksum mismatch", bd->filename);
        return -EINVAL;
    }
    s->bat_off = blk_be64(s->header + VPC_H_TABLE);
    s->bat_entries = blk_be32(s->header + VPC_H_MAX_ENTRIES);
    s->block_size = blk_be32(s->header + VPC_H_BLOCK_SIZE);
    if (s->block_size < BLK_SECTOR || s->block_size > VPC_MAX_BLOCK ||
        (s->block_size & (s->block_size - 1))) {
        vpc_err(err, errlen, "%s: invalid VHD block size %u", bd->filename, s->block_size);
        return -EINVAL;
    }
    s->block_sectors = s->block_size / BLK_SECTOR;
    s->bitmap_bytes = (s->block_sectors / 8 + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
    uint64_t need = (s->sectors + s->block_sectors - 1) / s->block_sectors;
    if (s->bat_entries < need) {
        vpc_err(err, errlen, "%s: VHD block allocation table has %u entries, the disk needs %llu",
                bd->filename, s->bat_entries, (unsigned long long)need);
        return -EINVAL;
    }
    uint64_t bat_bytes = (uint64_t)s->bat_entries * 4;
    if (s->bat_off > (uint64_t)fsize || s->bat_off + bat_bytes > (uint64_t)fsize) {
        vpc_err(err, errlen, "%s: VHD block allocation table lies past the end of the file",
                bd->filename);
        return -EINVAL;
    }
    s->bat = malloc(bat_bytes ? bat_bytes : 1);
    s->bitmap = malloc(s->bitmap_bytes);
    if (!s->bat || !s->bitmap)
        return -ENOMEM;
    if (blk_pread(s->fd, s->bat, bat_bytes, s->bat_off) != (ssize_t)bat_bytes) {
        vpc_err(err, errlen, "%s: cannot read the VHD block allocation table", bd->filename);
        return -EIO;
    }
    uint64_t end = (s->bat_off + bat_bytes + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
    for (uint32_t i = 0; i < s->bat_entries; i++) {
        s->bat[i] = blk_be32((const uint8_t *)&s->bat[i]);
        if (s->bat[i] == VPC_BAT_UNUSED)
            continue;
        uint64_t bend = (uint64_t)s->bat[i] * BLK_SECTOR + s->bitmap_bytes + s->block_size;
        if (bend > (uint64_t)fsize) {
            vpc_err(err, errlen,
                    "%s: VHD block allocation table entry %u points past the end "
                    "of the file",
                    bd->filename, i);
            return -EINVAL;
        }
        if (bend > end)
            end = bend;
    }
    if (s->footer_from_copy) {
        /* the end footer is bad: allocate after the last block */
        s->free_off = end;
    } else {
        uint64_t foot = (uint64_t)fsize - VPC_FOOTER_SIZE;
        s->free_off = foot > end ? foot : end;
    }
    s->free_off = (s->free_off + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
    if (s->type == VPC_TYPE_DIFF) {
        int r = vpc_find_parent(bd, s, fsize, err, errlen);
        if (!r)
            r = vpc_check_parent(bd, s, err, errlen);
        return r;
    }
    return 0;
}

static void vpc_close(struct blockdev *bd)
{
    struct vpc *s = bd->priv;
    if (!s)
        return;
    if (s->fd >= 0)
        blk_file_close(s->fd);
    free(s->bat);
    free(s->bitmap);
    free(s->parent);
    free(s);
    bd->priv = NULL;
}

static int vpc_open(struct blockdev *bd, const char *filename, int flags, char *err, size_t errlen)
{
    struct vpc *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    bd->priv = s;
    s->fd = blk_file_open(filename, flags, err, errlen);
    int ret;
    if (s->fd < 0) {
        ret = s->fd;
        goto fail;
    }
    int64_t fsize = blk_file_size(s->fd);
    if (fsize < 0) {
        ret = (int)fsize;
        goto fail;
    }
    bool end_ok =
        fsize >= VPC_FOOTER_SIZE &&
        blk_pread(s->fd, s->footer, VPC_FOOTER_SIZE, fsize - VPC_FOOTER_SIZE) == VPC_FOOTER_SIZE &&
        vpc_footer_ok(s->footer);
    if (!end_ok) {
        /* dynamic disks keep a copy of the footer at offset 0 */
        uint8_t copy[VPC_FOOTER_SIZE];
        if (fsize >= 2 * VPC_FOOTER_SIZE &&
            blk_pread(s->fd, copy, VPC_FOOTER_SIZE, 0) == VPC_FOOTER_SIZE && vpc_footer_ok(copy) &&
            blk_be32(copy + VPC_F_TYPE) != VPC_TYPE_FIXED) {
            memcpy(s->footer, copy, VPC_FOOTER_SIZE);
            s->footer_from_copy = true;
        } else {
            bool cookie = fsize >= VPC_FOOTER_SIZE && !memcmp(s->footer, "conectix", 8);
            vpc_err(err, errlen, "%s: VHD footer %s and there is no valid copy at the start",
                    filename, cookie ? "checksum mismatch" : "missing or corrupt (bad cookie)");
            ret = -EINVAL;
            goto fail;
        }
    }
    s->type = (int)blk_be32(s->footer + VPC_F_TYPE);
    s->sectors = vpc_footer_sectors(s->footer);
    if (s->sectors > VPC_MAX_SECTORS * 2) {
        vpc_err(err, errlen, "%s: VHD size too large", filename);
        ret = -EINVAL;
        goto fail;
    }
    switch (s->type) {
    case VPC_TYPE_FIXED:
        if (s->sectors * BLK_SECTOR > (uint64_t)fsize - VPC_FOOTER_SIZE) {
            vpc_err(err, errlen, "%s: fixed VHD is shorter than its size (truncated?)", filename);
            ret = -EINVAL;
            goto fail;
        }
        ret = 0;
        break;
    case VPC_TYPE_DYNAMIC:
    case VPC_TYPE_DIFF: ret = vpc_open_dynamic(bd, s, fsize, err, errlen); break;
    default:
        vpc_err(err, errlen, "%s: unknown VHD disk type %d", filename, s->type);
        ret = -ENOTSUP;
    }
    if (ret)
        goto fail;
    bd->sectors = s->sectors;
    return 0;
fail:
    vpc_close(bd);
    return ret;
}

static int vpc_load_bitmap(struct vpc *s, uint32_t block)
{
    if (s->bitmap_valid && s->bitmap_block == block)
        return 0;
    s->bitmap_valid = false;
    int r = blk_pread_zf(s->fd, s->bitmap, s->bitmap_bytes, (uint64_t)s->bat[block] * BLK_SECTOR);
    if (r)
        return r;
    s->bitmap_block = block;
    s->bitmap_valid = true;
    return 0;
}

static bool vpc_bit(const uint8_t *bm, uint32_t i)
{
    return bm[i / 8] >> (7 - i % 8) & 1;
}

/* Is this sector's data in this file? Runs of equal answers, within a block. */
static int vpc_is_allocated(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run)
{
    struct vpc *s = bd->priv;
    if (s->type == VPC_TYPE_FIXED) {
        *run = count;
        return 1;
    }
    uint32_t blk = (uint32_t)(sector / s->block_sectors);
    uint32_t off = (uint32_t)(sector % s->block_sectors);
    uint32_t n = s->block_sectors - off < count ? s->block_sectors - off : count;
    if (blk >= s->bat_entries || s->bat[blk] == VPC_BAT_UNUSED) {
        *run = n;
        return 0;
    }
    if (s->type == VPC_TYPE_DYNAMIC) {
        *run = n;
        return 1;
    }
    int r = vpc_load_bitmap(s, blk);
    if (r)
        return r;
    bool first = vpc_bit(s->bitmap, off);
    uint32_t i = 1;
    while (i < n && vpc_bit(s->bitmap, off + i) == first)
        i++;
    *run = i;
    return first;
}

static int vpc_read(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count)
{
    struct vpc *s = bd->priv;
    uint8_t *p = buf;
    if (s->type == VPC_TYPE_FIXED)
        return blk_pread_zf(s->fd, p, (size_t)count * BLK_SECTOR, sector * BLK_SECTOR);
    while (count) {
        uint32_t run;
        int a = vpc_is_allocated(bd, sector, count, &run);
        if (a < 0)
            return a;
        int r;
        if (a) {
            uint32_t blk = (uint32_t)(sector / s->block_sectors);
            uint64_t off = (uint64_t)s->bat[blk] * BLK_SECTOR + s->bitmap_bytes +
                           (sector % s->block_sectors) * BLK_SECTOR;
            r = blk_pread_zf(s->fd, p, (size_t)run * BLK_SECTOR, off);
        } else if (bd->backing) {
            uint64_t ps = blk_sectors(bd->backing);
            uint32_t in = sector >= ps ? 0 : (uint32_t)(ps - sector < run ? ps - sector : run);
            r = in ? blk_read(bd->backing, sector, p, in) : 0;
            memset(p + (size_t)in * BLK_SECTOR, 0, (size_t)(run - in) * BLK_SECTOR);
        } else {
            memset(p, 0, (size_t)run * BLK_SECTOR);
            r = 0;
        }
        if (r)
            return r;
        p += (size_t)run * BLK_SECTOR;
        sector += run;
        count -= run;
    }
    return 0;
}

static int vpc_write_footer(struct vpc *s, uint64_t off)
{
    return blk_pwrite(s->fd, s->footer, VPC_FOOTER_SIZE, off);
}

/* A new block, in the order that keeps the image readable after a crash of
 * vx86 at any point: (1) the data, past the current end footer; (2) the
 * sector bitmap, over the old end footer (the copy at offset 0 still
 * describes the disk); (3) the BAT entry; (4) the footer at the new end.
 * A crash before (3) leaks the space; after (3) the block is complete. The
 * writes are ordered by the kernel for a vx86 crash; FLUSH (fsync) makes
 * them durable against a host crash. */
static int vpc_alloc_block(struct vpc *s, uint32_t blk, uint32_t off, const uint8_t *p, uint32_t n)
{
    uint64_t at = s->free_off;
    if (at / BLK_SECTOR + s->bitmap_bytes / BLK_SECTOR + s->block_sectors > 0xffffffffull)
        return -EFBIG;
    uint64_t data = at + s->bitmap_bytes;
    int r = blk_pwrite(s->fd, p, (size_t)n * BLK_SECTOR, data + (uint64_t)off * BLK_SECTOR);
    if (r)
        return r;
    memset(s->bitmap, s->type == VPC_TYPE_DIFF ? 0 : 0xff, s->bitmap_bytes);
    if (s->type == VPC_TYPE_DIFF)
        for (uint32_t i = off; i < off + n; i++)
            s->bitmap[i / 8] |= (uint8_t)(0x80 >> (i % 8));
    s->bitmap_valid = false;
    r = blk_pwrite(s->fd, s->bitmap, s->bitmap_bytes, at);
    if (r)
        return r;
    uint8_t be[4];
    blk_put_be32(be, (uint32_t)(at / BLK_SECTOR));
    r = blk_pwrite(s->fd, be, 4, s->bat_off + (uint64_t)blk * 4);
    if (r)
        return r;
    s->bat[blk] = (uint32_t)(at / BLK_SECTOR);
    s->bitmap_block = blk;
    s->bitmap_valid = true;
    s->free_off = data + s->block_size;
    r = vpc_write_footer(s, s->free_off);
    if (!r && s->footer_from_copy)
        s->footer_from_copy = false;
    return r;
}

static int vpc_write(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count)
{
    struct vpc *s = bd->priv;
    const uint8_t *p = buf;
    if (s->type == VPC_TYPE_FIXED)
        return blk_pwrite(s->fd, p, (size_t)count * BLK_SECTOR, sector * BLK_SECTOR);
    while (count) {
        uint32_t blk = (uint32_t)(sector / s->block_sectors);
        uint32_t off = (uint32_t)(sector % s->block_sectors);
        uint32_t n = s->block_sectors - off < count ? s->block_sectors - off : count;
        if (blk >= s->bat_entries)
            return -EIO;
        int r;
        if (s->bat[blk] == VPC_BAT_UNUSED) {
            r = vpc_alloc_block(s, blk, off, p, n);
        } else {
            uint64_t base = (uint64_t)s->bat[blk] * BLK_SECTOR;
            r = blk_pwrite(s->fd, p, (size_t)n * BLK_SECTOR,
                           base + s->bitmap_bytes + (uint64_t)off * BLK_SECTOR);
            if (!r && s->type == VPC_TYPE_DIFF) {
                /* data first, then the bits that make it visible */
                r = vpc_load_bitmap(s, blk);
                bool changed = false;
                for (uint32_t i = off; !r && i < off + n; i++)
                    if (!vpc_bit(s->bitmap, i)) {
                        s->bitmap[i / 8] |= (uint8_t)(0x80 >> (i % 8));
                        changed = true;
                    }
                if (!r && changed) {
                    uint32_t first = off / 8 / BLK_SECTOR, last = (off + n - 1) / 8 / BLK_SECTOR;
                    r = blk_pwrite(s->fd, s->bitmap + (size_t)first * BLK_SECTOR,
                                   (size_t)(last - first + 1) * BLK_SECTOR,
                                   base + (uint64_t)first * BLK_SECTOR);
                    if (r)
                        s->bitmap_valid = false;
                }
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

static int vpc_flush(struct blockdev *bd)
{
    struct vpc *s = bd->priv;
    return blk_fsync(s->fd);
}

static int vpc_probe(const uint8_t *h, size_t len, const char *filename)
{
    if (len >= 8 && !memcmp(h, "conectix", 8))
        return 100;
    /* a fixed VHD has its footer only at the end */
    if (!filename)
        return 0;
    int fd = blk_file_open(filename, BLK_RDONLY | BLK_NOLOCK, NULL, 0);
    if (fd < 0)
        return 0;
    int score = 0;
    int64_t size = blk_file_size(fd);
    uint8_t f[VPC_FOOTER_SIZE];
    if (size >= VPC_FOOTER_SIZE &&
        blk_pread(fd, f, VPC_FOOTER_SIZE, size - VPC_FOOTER_SIZE) == VPC_FOOTER_SIZE &&
        !memcmp(f, "conectix", 8))
        score = 100;
    blk_file_close(fd);
    return score;
}

static int vpc_info(struct blockdev *bd, struct blk_info *info)
{
    struct vpc *s = bd->priv;
    memset(info, 0, sizeof(*info));
    info->format = "vpc";
    info->subformat = s->type == VPC_TYPE_FIXED     ? "fixed"
                      : s->type == VPC_TYPE_DYNAMIC ? "dynamic"
                                                    : "differencing";
    info->virtual_size = s->sectors * BLK_SECTOR;
    info->allocated_size = blk_file_allocated(s->fd);
    if (s->parent) {
        info->backing_file = s->parent;
        info->backing_format = "vpc";
    }
    return 0;
}

const struct blockdev_driver blk_driver_vpc = {
    .name = "vpc",
    .probe = vpc_probe,
    .open = vpc_open,
    .read = vpc_read,
    .write = vpc_write,
    .flush = vpc_flush,
    .close = vpc_close,
    .is_allocated = vpc_is_allocated,
    .create = vpc_create,
    .info = vpc_info,
    .check = vpc_check,
};
