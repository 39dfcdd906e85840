/* Creating VHD images: fixed, dynamic, and differencing (parent UUID, name
 * and W2ru/W2ku locators), with the geometry rounding qemu-img uses. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devices/block/file_io.h"
#include "devices/block/vpc_format.h"

int vpc_random_uuid(uint8_t *uuid)
{
    if (getentropy(uuid, 16)) {
        uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        for (int i = 0; i < 16; i++)
            uuid[i] = (uint8_t)(t >> (i % 8 * 8)) ^ (uint8_t)(i * 37);
    }
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
    return 0;
}

static uint32_t vpc_now(void)
{
    time_t t = time(NULL);
    return t > VPC_EPOCH ? (uint32_t)(t - VPC_EPOCH) : 0;
}

static void vpc_make_footer(uint8_t *f, int type, uint64_t size, uint64_t data_off,
                            const uint8_t *uuid)
{
    memset(f, 0, VPC_FOOTER_SIZE);
    memcpy(f + VPC_F_COOKIE, "conectix", 8);
    blk_put_be32(f + VPC_F_FEATURES, 2); /* "reserved", always set */
    blk_put_be32(f + VPC_F_VERSION, 0x00010000);
    blk_put_be64(f + VPC_F_DATA_OFFSET, data_off);
    blk_put_be32(f + VPC_F_TIMESTAMP, vpc_now());
    uint16_t c;
    uint8_t h, s;
    vpc_geometry(size / BLK_SECTOR, &c, &h, &s);
    /* the CHS size is the disk size unless the geometry is at its maximum;
     * then readers take the current size, and "qem2" says so explicitly */
    bool big = (uint64_t)c * h * s == VPC_MAX_GEOMETRY;
    memcpy(f + VPC_F_CREATOR_APP, big ? "qem2" : "vx86", 4);
    blk_put_be32(f + VPC_F_CREATOR_VER, 0x00010000);
    memcpy(f + VPC_F_CREATOR_OS, "Wi2k", 4);
    blk_put_be64(f + VPC_F_ORIG_SIZE, size);
    blk_put_be64(f + VPC_F_CUR_SIZE, size);
    blk_put_be16(f + VPC_F_CYLS, c);
    f[VPC_F_HEADS] = h;
    f[VPC_F_SPT] = s;
    blk_put_be32(f + VPC_F_TYPE, (uint32_t)type);
    memcpy(f + VPC_F_UUID, uuid, 16);
    blk_put_be32(f + VPC_F_CHECKSUM, vpc_checksum(f, VPC_FOOTER_SIZE, VPC_F_CHECKSUM));
}

/* The size rounded up to a whole CHS geometry, as qemu-img does, so that
 * readers sizing the disk by CHS (Virtual PC, qemu) see all of it. */
static uint64_t vpc_round_size(uint64_t size)
{
    uint64_t total = (size + BLK_SECTOR - 1) / BLK_SECTOR;
    uint16_t c;
    uint8_t h, s;
    vpc_geometry(total, &c, &h, &s);
    for (uint64_t i = 1; (uint64_t)c * h * s < total && (uint64_t)c * h * s != VPC_MAX_GEOMETRY;
         i++)
        vpc_geometry(total + i, &c, &h, &s);
    uint64_t chs = (uint64_t)c * h * s;
    return (chs == VPC_MAX_GEOMETRY ? total : chs) * BLK_SECTOR;
}

/* UTF-8 to UTF-16 (BE or LE), '/' written as '\' when windows; bytes out. */
static size_t vpc_to_utf16(const char *in, uint8_t *out, size_t cap, bool be, bool windows)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p && o + 4 <= cap) {
        uint32_t c = *p++;
        if (c >= 0xf0 && p[0] && p[1] && p[2]) {
            c = (c & 7) << 18 | (p[0] & 0x3fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
            p += 3;
        } else if (c >= 0xe0 && p[0] && p[1]) {
            c = (c & 15) << 12 | (p[0] & 0x3fu) << 6 | (p[1] & 0x3fu);
            p += 2;
        } else if (c >= 0xc0 && p[0]) {
            c = (c & 31) << 6 | (p[0] & 0x3fu);
            p += 1;
        }
        if (windows && c == '/')
            c = '\\';
        uint32_t units[2] = {c, 0};
        int nu = 1;
        if (c >= 0x10000) {
            units[0] = 0xd800 + ((c - 0x10000) >> 10);
            units[1] = 0xdc00 + ((c - 0x10000) & 0x3ff);
            nu = 2;
        }
        for (int i = 0; i < nu && o + 2 <= cap; i++, o += 2) {
            out[o + !be] = (uint8_t)(units[i] >> 8);
            out[o + be] = (uint8_t)units[i];
        }
    }
    return o;
}

int vpc_create(const char *filename, const struct blk_create_opts *opts, char *err, size_t errlen)
{
    const char *sub = opts->subformat;
    int type = VPC_TYPE_DYNAMIC;
    if (opts->backing_file)
        type = VPC_TYPE_DIFF;
    if (sub && !strcmp(sub, "fixed"))
        type = VPC_TYPE_FIXED;
    else if (sub && strcmp(sub, "dynamic") && strcmp(sub, "differencing")) {
        snprintf(err, errlen, "unknown VHD subformat '%s' (fixed, dynamic)", sub);
        return -EINVAL;
    }
    if (type == VPC_TYPE_FIXED && opts->backing_file) {
        snprintf(err, errlen, "a fixed VHD cannot have a parent");
        return -EINVAL;
    }
    uint8_t uuid[16], parent_uuid[16] = {0};
    uint32_t parent_time = 0;
    uint64_t size = opts->size;
    char *parent_abs = NULL;
    if (type == VPC_TYPE_DIFF) {
        char *ppath = blk_resolve_backing(filename, opts->backing_file);
        char perr[256] = "";
        struct blockdev *p =
            ppath ? blk_open(ppath, "vpc", BLK_RDONLY | BLK_NOLOCK, perr, sizeof(perr)) : NULL;
        if (!p) {
            snprintf(err, errlen, "a differencing VHD needs a VHD parent: %s", perr);
            free(ppath);
            return -EINVAL;
        }
        const struct vpc *ps = p->priv;
        memcpy(parent_uuid, ps->footer + VPC_F_UUID, 16);
        struct stat st;
        if (stat(ppath, &st) == 0 && st.st_mtime > VPC_EPOCH)
            parent_time = (uint32_t)(st.st_mtime - VPC_EPOCH);
        /* the child has the parent's geometry and size */
        size = blk_be64(ps->footer + VPC_F_CUR_SIZE);
        blk_close(p);
        parent_abs = realpath(ppath, NULL);
        free(ppath);
        if (!parent_abs)
            return -ENOMEM;
    } else {
        size = vpc_round_size(size);
    }
    if (!size || size / BLK_SECTOR > VPC_MAX_SECTORS) {
        snprintf(err, errlen, "invalid VHD size %llu bytes (at most 2040 GiB)",
                 (unsigned long long)size);
        free(parent_abs);
        return -EINVAL;
    }
    vpc_random_uuid(uuid);
    uint8_t footer[VPC_FOOTER_SIZE];
    int fd = blk_file_create(filename, err, errlen);
    if (fd < 0) {
        free(parent_abs);
        return fd;
    }
    int r;
    if (type == VPC_TYPE_FIXED) {
        vpc_make_footer(footer, type, size, VPC_NO_OFFSET, uuid);
        r = blk_file_truncate(fd, size);
        if (!r)
            r = blk_pwrite(fd, footer, VPC_FOOTER_SIZE, size);
    } else {
        /* footer copy | dynamic header | BAT | [parent locators] | footer */
        uint32_t entries = (uint32_t)((size + VPC_BLOCK_DEFAULT - 1) / VPC_BLOCK_DEFAULT);
        uint64_t bat_off = VPC_FOOTER_SIZE + VPC_HEADER_SIZE;
        uint64_t bat_bytes = ((uint64_t)entries * 4 + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
        uint64_t end = bat_off + bat_bytes;
        uint8_t hdr[VPC_HEADER_SIZE] = {0};
        memcpy(hdr + VPC_H_COOKIE, "cxsparse", 8);
        blk_put_be64(hdr + VPC_H_DATA_OFFSET, VPC_NO_OFFSET);
        blk_put_be64(hdr + VPC_H_TABLE, bat_off);
        blk_put_be32(hdr + VPC_H_VERSION, 0x00010000);
        blk_put_be32(hdr + VPC_H_MAX_ENTRIES, entries);
        blk_put_be32(hdr + VPC_H_BLOCK_SIZE, VPC_BLOCK_DEFAULT);
        uint8_t loc[2][1024];
        size_t loc_len[2] = {0, 0};
        if (type == VPC_TYPE_DIFF) {
            memcpy(hdr + VPC_H_PARENT_UUID, parent_uuid, 16);
            blk_put_be32(hdr + VPC_H_PARENT_TIME, parent_time);
            const char *base = strrchr(parent_abs, '/');
            base = base ? base + 1 : parent_abs;
            vpc_to_utf16(base, hdr + VPC_H_PARENT_NAME, 510, true, false);
            /* W2ru: relative to the child, ".\name" when it sits next to it */
            char rel[1100];
            const char *given = opts->backing_file;
            if (given[0] == '/')
                snprintf(rel, sizeof(rel), ".\\%s", base);
            else
                snprintf(rel, sizeof(rel), ".\\%s", given);
            loc_len[0] = vpc_to_utf16(rel, loc[0], sizeof(loc[0]), false, true);
            loc_len[1] = vpc_to_utf16(parent_abs, loc[1], sizeof(loc[1]), false, true);
            static const char *const codes[2] = {"W2ru", "W2ku"};
            for (int i = 0; i < 2; i++) {
                uint8_t *l = hdr + VPC_H_LOCATORS + i * 24;
                uint32_t space =
                    (uint32_t)((loc_len[i] + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR);
                memcpy(l, codes[i], 4);
                blk_put_be32(l + 4, space); /* bytes, as Windows writes it */
                blk_put_be32(l + 8, (uint32_t)loc_len[i]);
                blk_put_be64(l + 16, end);
                end += space;
            }
        }
        blk_put_be32(hdr + VPC_H_CHECKSUM, vpc_checksum(hdr, VPC_HEADER_SIZE, VPC_H_CHECKSUM));
        vpc_make_footer(footer, type, size, VPC_FOOTER_SIZE, uuid);
        uint8_t *bat = malloc(bat_bytes);
        r = bat ? 0 : -ENOMEM;
        if (!r) {
            memset(bat, 0xff, bat_bytes);
            r = blk_pwrite(fd, footer, VPC_FOOTER_SIZE, 0);
        }
        if (!r)
            r = blk_pwrite(fd, hdr, VPC_HEADER_SIZE, VPC_FOOTER_SIZE);
        if (!r)
            r = blk_pwrite(fd, bat, bat_bytes, bat_off);
        free(bat);
        uint64_t lo = bat_off + bat_bytes;
        for (int i = 0; i < 2 && !r; i++)
            if (loc_len[i]) {
                r = blk_pwrite(fd, loc[i], loc_len[i], lo);
                lo += (loc_len[i] + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
            }
        if (!r)
            r = blk_file_truncate(fd, end);
        if (!r)
            r = blk_pwrite(fd, footer, VPC_FOOTER_SIZE, end);
    }
    if (!r)
        r = blk_fsync(fd);
    blk_file_close(fd);
    free(parent_abs);
    if (r)
        snprintf(err, errlen, "%s: %s", filename, strerror(-r));
    return r;
}
