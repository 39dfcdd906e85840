/* vx86-img create [-f FMT] [-o OPTIONS] [-b BACKING [-F FMT]] FILE [SIZE] */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "frontend/img/img.h"

int img_create(int argc, char **argv)
{
    const char *fmt = "raw";
    bool quiet = false;
    struct blk_create_opts opts = {0};
    const char *bfile = NULL, *bfmt = NULL;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, ":f:o:b:F:qu")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'o':
            if (!strcmp(optarg, "help") || !strcmp(optarg, "?")) {
                puts("Supported options:\n  size=SIZE\n  subformat=NAME\n  backing_file=FILE\n"
                     "  backing_fmt=FMT\n  compat=0.10|1.1 (qcow2)");
                return 0;
            }
            if (img_parse_options(optarg, &opts))
                return IMG_EXIT_ERROR;
            break;
        case 'b': bfile = optarg; break;
        case 'F': bfmt = optarg; break;
        case 'q': quiet = true; break;
        case 'u': break; /* qemu-img's "unsafe": the backing file is opened anyway */
        case ':': return img_error("Option -%c needs an argument", optopt);
        default: return img_error("Unknown option -%c (try 'vx86-img --help')", optopt);
        }
    }
    if (bfile)
        opts.backing_file = bfile;
    if (bfmt)
        opts.backing_format = bfmt;
    if (optind >= argc)
        return img_error("Expecting image file name");
    const char *file = argv[optind++];
    if (optind < argc) {
        int64_t size = img_parse_size(argv[optind]);
        if (size < 0)
            return img_error("Invalid image size specified: '%s' (use a number of bytes, "
                             "optionally with a K, M, G, T, P or E suffix)",
                             argv[optind]);
        opts.size = (uint64_t)size;
        optind++;
    } else if (!opts.backing_file && !opts.size) {
        return img_error("Image creation needs a size parameter");
    }
    if (optind < argc)
        return img_error("Unexpected argument '%s'", argv[optind]);
    if (!blk_find_driver(fmt))
        return img_error("Unknown file format '%s'", fmt);

    if (!quiet) {
        printf("Formatting '%s', fmt=%s", file, fmt);
        if (opts.subformat)
            printf(" subformat=%s", opts.subformat);
        if (opts.backing_file)
            printf(" backing_file=%s", opts.backing_file);
        if (opts.backing_format)
            printf(" backing_fmt=%s", opts.backing_format);
        if (opts.size)
            printf(" size=%llu", (unsigned long long)opts.size);
        putchar('\n');
        fflush(stdout);
    }
    char err[512] = "";
    int r = blk_create(file, fmt, &opts, err, sizeof(err));
    if (r < 0)
        return img_error("%s: %s", file, err[0] ? err : "Could not create the image");
    return 0;
}
