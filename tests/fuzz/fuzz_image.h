/* Shared driver of the image-format fuzz targets: the input becomes a
 * memory file, opened with one driver directly (so a fuzzed backing file
 * name never opens a host file), read, written, checked and closed. */
#ifndef VX86_FUZZ_IMAGE_H
#define VX86_FUZZ_IMAGE_H

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/block/blockdev.h"

static void fuzz_image_once(const struct blockdev_driver *drv, const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return;
    }
    char path[64], err[512];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    drv->probe(data, size, path);
    static uint8_t buf[64 * BLK_SECTOR];
    for (int pass = 0; pass < 2; pass++) {
        struct blockdev bd = {.drv = drv, .filename = path, .readonly = pass == 0};
        int flags = BLK_NOLOCK | (pass == 0 ? BLK_RDONLY : 0);
        if (drv->open(&bd, path, flags, err, sizeof(err)) < 0)
            break;
        uint64_t n = bd.sectors;
        const uint64_t probes[] = {0, 1, 63, n / 2, n > 64 ? n - 64 : 0};
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
            uint64_t s = probes[i];
            if (s >= n)
                continue;
            uint32_t c = n - s < 64 ? (uint32_t)(n - s) : 64;
            uint32_t run;
            if (drv->is_allocated)
                drv->is_allocated(&bd, s, c, &run);
            drv->read(&bd, s, buf, c);
            if (pass == 1 && drv->write) {
                memset(buf, (int)i + 1, sizeof(buf));
                drv->write(&bd, s, buf, c < 3 ? c : 3);
                drv->read(&bd, s, buf, c);
            }
        }
        struct blk_info info = {0};
        if (drv->info)
            drv->info(&bd, &info);
        struct blk_check_result res = {0};
        if (drv->check)
            drv->check(&bd, &res);
        drv->close(&bd);
    }
    close(fd);
}

#endif
