/* vx86-img: create, convert, info and check disk images, with qemu-img's
 * command names, options and exit statuses. */
#include <stdio.h>
#include <string.h>

#include "frontend/img/img.h"

static void usage(FILE *f)
{
    fputs("usage: vx86-img COMMAND [options]\n"
          "  create [-q] [-f FMT] [-o OPTIONS] [-b BACKING [-F BACKING_FMT]] FILE [SIZE]\n"
          "  convert [-p] [-q] [-f FMT] [-O OUTPUT_FMT] [-o OPTIONS] [-U] IN OUT\n"
          "  info [-f FMT] [--output=human|json] [-U] FILE\n"
          "  check [-q] [-f FMT] [--output=human|json] [-U] FILE\n"
          "FMT: raw, qcow2, vmdk, vpc. SIZE: bytes or with a K, M, G, T suffix.\n"
          "OPTIONS: comma-separated subformat=, backing_file=, backing_fmt=, compat=0.10|1.1\n"
          "check exits 2 on corruptions, 3 on leaks only.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return IMG_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "create"))
        return img_create(argc - 1, argv + 1);
    if (!strcmp(cmd, "convert"))
        return img_convert(argc - 1, argv + 1);
    if (!strcmp(cmd, "info"))
        return img_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return img_check(argc - 1, argv + 1);
    img_error("Command not found: %s", cmd);
    usage(stderr);
    return IMG_EXIT_ERROR;
}
