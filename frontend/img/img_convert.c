/* vx86-img convert [-p] [-f FMT] [-O FMT] [-o OPTIONS] IN OUT: copy the
 * guest-visible contents into a new image. Sparse: ranges the input chain
 * reports unallocated and chunks that are all zeros are not written (a new
 * image reads as zeros), so holes stay holes. Writes go in ascending order,
 * which streamOptimized VMDK output needs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/img/img.h"

#define CHUNK_SECTORS 2048u /* 1 MiB */

static bool all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        if (v)
            return false;
    }
    return true;
}

/* qemu-img's progress line, redrawn in place at most once per percent. */
static void progress(double pct, double *last)
{
    if (pct < 100 && pct - *last < 1 && *last >= 0)
        return;
    *last = pct;
    printf("    (%.2f/100%%)\r", pct);
    fflush(stdout);
}

int img_convert(int argc, char **argv)
{
    const char *ifmt = NULL, *ofmt = "raw";
    bool show = false, quiet = false;
    int iflags = BLK_RDONLY;
    struct blk_create_opts opts = {0};
    static const struct option longopts[] = {{"force-share", no_argument, 0, 'U'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:O:o:pqU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': ifmt = optarg; break;
        case 'O': ofmt = optarg; break;
        case 'o':
            if (img_parse_options(optarg, &opts))
                return IMG_EXIT_ERROR;
            break;
        case 'p': show = true; break;
        case 'q': quiet = true; break;
        case 'U': iflags |= BLK_NOLOCK; break;
        case ':': return img_error("Option -%c needs an argument", optopt);
        default: return img_error("Unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return img_error("Expecting an input and an output file name");
    const char *in = argv[optind], *out = argv[optind + 1];
    if (!blk_find_driver(ofmt))
        return img_error("Unknown file format '%s'", ofmt);
    show = show && !quiet && isatty(STDOUT_FILENO);

    char err[512] = "";
    struct blockdev *src = blk_open(in, ifmt, iflags, err, sizeof(err));
    if (!src)
        return img_error("%s", err);
    uint64_t total = blk_sectors(src);
    if (!opts.size)
        opts.size = total * BLK_SECTOR;
    if (opts.size < total * BLK_SECTOR) {
        blk_close(src);
        return img_error("Output size %llu is smaller than the input (%llu bytes)",
                         (unsigned long long)opts.size, (unsigned long long)total * BLK_SECTOR);
    }
    if (blk_create(out, ofmt, &opts, err, sizeof(err)) < 0) {
        blk_close(src);
        return img_error("%s: %s", out, err);
    }
    struct blockdev *dst = blk_open(out, ofmt, 0, err, sizeof(err));
    if (!dst) {
        blk_close(src);
        return img_error("%s", err);
    }
    uint8_t *buf = malloc((size_t)CHUNK_SECTORS * BLK_SECTOR);
    int status = 0;
    if (!buf) {
        status = img_error("Out of memory");
        goto done;
    }
    double shown = -1;
    if (show)
        progress(0, &shown);
    /* Over a backing file (-o backing_file=) zeros are data too: the
     * backing file may hold something else there, so every chunk is
     * written and the output reads exactly as the input. */
    bool overlay = opts.backing_file != NULL;
    for (uint64_t s = 0; s < total;) {
        uint32_t n = total - s < CHUNK_SECTORS ? (uint32_t)(total - s) : CHUNK_SECTORS;
        uint32_t run = n;
        int st = overlay ? 1 : blk_block_status(src, s, n, &run);
        if (st < 0) {
            status = img_error("%s: error reading sector %llu", in, (unsigned long long)s);
            break;
        }
        if (st == 1) {
            int r = blk_read(src, s, buf, run);
            if (r < 0) {
                status = img_error("%s: error reading sector %llu: %s", in, (unsigned long long)s,
                                   strerror(-r));
                break;
            }
            if ((overlay || !all_zero(buf, (size_t)run * BLK_SECTOR)) &&
                (r = blk_write(dst, s, buf, run)) < 0) {
                status = img_error("%s: error writing sector %llu: %s", out, (unsigned long long)s,
                                   strerror(-r));
                break;
            }
        }
        s += run;
        if (show)
            progress(100.0 * (double)s / (double)total, &shown);
    }
    if (!status) {
        int r = blk_flush(dst);
        if (r < 0)
            status = img_error("%s: flush failed: %s", out, strerror(-r));
    }
    if (show)
        printf("\n");
done:
    free(buf);
    blk_close(dst);
    blk_close(src);
    return status;
}
