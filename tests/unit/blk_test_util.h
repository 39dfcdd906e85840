/* Helpers for the block layer tests: a scratch directory per test, file
 * pokes, and a deterministic pattern. */
#ifndef VX86_BLK_TEST_UTIL_H
#define VX86_BLK_TEST_UTIL_H

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/blockdev.h"

/* A fresh directory under $TMPDIR (or /tmp); path in dir. */
static inline void blkt_mkdir(char *dir, size_t len)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, len, "%s/vx86-blkt-XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void blkt_path(char *out, size_t len, const char *dir, const char *name)
{
    if (snprintf(out, len, "%s/%s", dir, name) >= (int)len)
        ck_abort_msg("path too long: %s/%s", dir, name);
}

static inline void blkt_rmdir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Sector `sector` of a pattern unique per (seed, sector). */
static inline void blkt_fill(uint8_t *buf, uint64_t sector, uint32_t count, uint32_t seed)
{
    for (uint32_t s = 0; s < count; s++)
        for (uint32_t i = 0; i < BLK_SECTOR; i++)
            buf[s * BLK_SECTOR + i] =
                (uint8_t)((sector + s) * 131 + i * 7 + seed * 29 + ((sector + s) >> 8) + 1);
}

static inline void blkt_poke(const char *path, uint64_t off, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, data, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static inline void blkt_peek(const char *path, uint64_t off, void *data, size_t len)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, data, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static inline void blkt_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static inline void blkt_be64(uint8_t *p, uint64_t v)
{
    blkt_be32(p, (uint32_t)(v >> 32));
    blkt_be32(p + 4, (uint32_t)v);
}

/* Opening `p` as `fmt` must fail with an error that names `what`. */
static inline void blkt_assert_refused(const char *p, const char *fmt, const char *what)
{
    char err[512] = "";
    struct blockdev *bd = blk_open(p, fmt, BLK_RDONLY, err, sizeof(err));
    if (bd) {
        blk_close(bd);
        ck_abort_msg("%s: corrupt image opened", what);
    }
    ck_assert_msg(strstr(err, what), "error '%s' does not name '%s'", err, what);
}

/* blk_check of `p` opened read-only as `fmt`. */
static inline struct blk_check_result blkt_check_image(const char *p, const char *fmt)
{
    char err[512];
    struct blockdev *bd = blk_open(p, fmt, BLK_RDONLY, err, sizeof(err));
    ck_assert_msg(bd, "%s", err);
    struct blk_check_result res;
    ck_assert_int_eq(blk_check(bd, &res), 0);
    blk_close(bd);
    return res;
}

/* Writes of (sector, count) with a seed; the model is what a raw disk holds. */
struct blkt_wr {
    uint64_t sector;
    uint32_t count;
};

static inline void blkt_write_model(struct blockdev *bd, uint8_t *model, const struct blkt_wr *w,
                                    int n, int seed)
{
    for (int i = 0; i < n; i++) {
        uint8_t *buf = malloc((size_t)w[i].count * BLK_SECTOR);
        blkt_fill(buf, w[i].sector, w[i].count, (uint32_t)(seed + i));
        ck_assert_int_eq(blk_write(bd, w[i].sector, buf, w[i].count), 0);
        if (model)
            memcpy(model + w[i].sector * BLK_SECTOR, buf, (size_t)w[i].count * BLK_SECTOR);
        free(buf);
    }
}

static inline void blkt_assert_model(struct blockdev *bd, const uint8_t *model, uint64_t sectors)
{
    uint8_t *buf = malloc(256 * BLK_SECTOR);
    for (uint64_t s = 0; s < sectors; s += 256) {
        uint32_t n = sectors - s < 256 ? (uint32_t)(sectors - s) : 256;
        ck_assert_int_eq(blk_read(bd, s, buf, n), 0);
        for (uint32_t i = 0; i < n; i++)
            ck_assert_msg(
                !memcmp(buf + (size_t)i * BLK_SECTOR, model + (s + i) * BLK_SECTOR, BLK_SECTOR),
                "sector %llu differs", (unsigned long long)(s + i));
    }
    free(buf);
}

#endif
