/* vx86-img check [-f FMT] [-U] FILE: exit 0 clean, 2 corruptions, 3 leaks
 * only, 63 if the format has no check, 1 if the image cannot be opened. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "frontend/img/img.h"

int img_check(int argc, char **argv)
{
    const char *fmt = NULL;
    bool json = false, quiet = false;
    int flags = BLK_RDONLY | BLK_NO_BACKING; /* as qemu-img: this file's metadata only */
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'j'}, {"force-share", no_argument, 0, 'U'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:Uq", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'U': flags |= BLK_NOLOCK; break;
        case 'q': quiet = true; break;
        case 'j':
            if (!strcmp(optarg, "json"))
                json = true;
            else if (strcmp(optarg, "human"))
                return img_error("--output must be human or json, not '%s'", optarg);
            break;
        case ':': return img_error("Option %s needs an argument", argv[optind - 1]);
        default: return img_error("Unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return img_error("Expecting one image file name");
    const char *file = argv[optind];
    char err[512] = "";
    struct blockdev *bd = blk_open(file, fmt, flags, err, sizeof(err));
    if (!bd)
        return img_error("%s", err);
    struct blk_check_result res;
    int r = blk_check(bd, &res);
    blk_close(bd);
    if (r == -ENOTSUP)
        return img_error("This image format does not support checks"), IMG_EXIT_NOCHECK;
    if (r < 0)
        return img_error("%s: check failed: %s", file, strerror(-r));
    if (json) {
        printf("{\n    \"filename\": \"%s\",\n    \"check-errors\": %llu,\n"
               "    \"leaks\": %llu,\n    \"corruptions\": %llu\n}\n",
               file, 0ull, (unsigned long long)res.leaks, (unsigned long long)res.corruptions);
    } else if (!quiet) {
        if (res.message[0])
            printf("%s: %s\n", res.corruptions ? "ERROR" : "Leak", res.message);
        if (!res.corruptions && !res.leaks)
            printf("No errors were found on the image.\n");
        if (res.corruptions)
            printf("\n%llu errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image may corrupt it.\n",
                   (unsigned long long)res.corruptions);
        if (res.leaks)
            printf("\n%llu leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n",
                   (unsigned long long)res.leaks);
    }
    if (res.corruptions)
        return IMG_EXIT_CORRUPT;
    return res.leaks ? IMG_EXIT_LEAKS : 0;
}
