/* blkio: write or read sectors of an image through the vx86 block layer,
 * for the interop tests (qemu-io's job, on vx86's side).
 *   blkio write FILE SECTOR DATAFILE [FORMAT]   (DATAFILE: whole sectors)
 *   blkio read FILE SECTOR COUNT OUTFILE [FORMAT]
 *   blkio hold FILE SECONDS READYFILE   (open for writing, create READYFILE, wait) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/block/blockdev.h"

int main(int argc, char **argv)
{
    char err[512] = "";
    if (argc >= 5 && !strcmp(argv[1], "write")) {
        FILE *f = fopen(argv[4], "rb");
        if (!f)
            return perror(argv[4]), 1;
        static unsigned char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        if (!n || n % BLK_SECTOR)
            return fprintf(stderr, "blkio: %s: not whole sectors\n", argv[4]), 1;
        struct blockdev *bd = blk_open(argv[2], argc > 5 ? argv[5] : NULL, 0, err, sizeof(err));
        if (!bd)
            return fprintf(stderr, "blkio: %s\n", err), 1;
        int r = blk_write(bd, strtoull(argv[3], NULL, 0), buf, (uint32_t)(n / BLK_SECTOR));
        if (!r)
            r = blk_flush(bd);
        blk_close(bd);
        if (r)
            return fprintf(stderr, "blkio: write failed (%d)\n", r), 1;
        return 0;
    }
    if (argc >= 6 && !strcmp(argv[1], "read")) {
        uint32_t count = (uint32_t)strtoul(argv[4], NULL, 0);
        if (!count || count > 2048)
            return fprintf(stderr, "blkio: bad count\n"), 1;
        struct blockdev *bd =
            blk_open(argv[2], argc > 6 ? argv[6] : NULL, BLK_RDONLY, err, sizeof(err));
        if (!bd)
            return fprintf(stderr, "blkio: %s\n", err), 1;
        static unsigned char buf[2048 * BLK_SECTOR];
        int r = blk_read(bd, strtoull(argv[3], NULL, 0), buf, count);
        blk_close(bd);
        if (r)
            return fprintf(stderr, "blkio: read failed (%d)\n", r), 1;
        FILE *f = fopen(argv[5], "wb");
        if (!f || fwrite(buf, BLK_SECTOR, count, f) != count)
            return perror(argv[5]), 1;
        fclose(f);
        return 0;
    }
    if (argc >= 5 && !strcmp(argv[1], "hold")) {
        struct blockdev *bd = blk_open(argv[2], NULL, 0, err, sizeof(err));
        if (!bd)
            return fprintf(stderr, "blkio: %s\n", err), 1;
        FILE *f = fopen(argv[4], "w");
        if (f)
            fclose(f);
        sleep((unsigned)atoi(argv[3]));
        blk_close(bd);
        return 0;
    }
    fprintf(stderr, "usage: blkio write FILE SECTOR DATAFILE [FMT] | "
                    "read FILE SECTOR COUNT OUTFILE [FMT]\n");
    return 1;
}
