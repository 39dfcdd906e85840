/* vx86-img info [-f FMT] [--output=human|json] [-U] FILE: qemu-img's layout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/img/img.h"

static void json_str(const char *key, const char *v, bool comma)
{
    printf("    \"%s\": \"", key);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            printf("\\%c", *v);
        else if ((unsigned char)*v < 0x20)
            printf("\\u%04x", *v);
        else
            putchar(*v);
    }
    printf("\"%s\n", comma ? "," : "");
}

int img_info(int argc, char **argv)
{
    const char *fmt = NULL;
    bool json = false;
    int flags = BLK_RDONLY | BLK_NO_BACKING; /* as qemu-img: this file's metadata only */
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'j'}, {"force-share", no_argument, 0, 'U'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'U': flags |= BLK_NOLOCK; break;
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
    struct blk_info in;
    int r = blk_info(bd, &in);
    if (r < 0) {
        blk_close(bd);
        return img_error("%s: could not read the image information", file);
    }
    if (json) {
        printf("{\n");
        printf("    \"virtual-size\": %llu,\n", (unsigned long long)in.virtual_size);
        json_str("filename", file, true);
        json_str("format", in.format, true);
        if (in.subformat)
            json_str("subformat", in.subformat, true);
        if (in.backing_file)
            json_str("backing-filename", in.backing_file, true);
        if (in.backing_format)
            json_str("backing-filename-format", in.backing_format, true);
        if (in.cluster_size)
            printf("    \"cluster-size\": %u,\n", in.cluster_size);
        printf("    \"actual-size\": %llu,\n", (unsigned long long)in.allocated_size);
        printf("    \"dirty-flag\": false\n}\n");
    } else {
        char vs[32], ds[32];
        img_size_str(in.virtual_size, vs, sizeof(vs));
        img_size_str(in.allocated_size, ds, sizeof(ds));
        printf("image: %s\nfile format: %s\n", file, in.format);
        printf("virtual size: %s (%llu bytes)\n", vs, (unsigned long long)in.virtual_size);
        printf("disk size: %s\n", ds);
        if (in.cluster_size)
            printf("cluster_size: %u\n", in.cluster_size);
        if (in.backing_file) {
            printf("backing file: %s", in.backing_file);
            char *actual = blk_resolve_backing(file, in.backing_file);
            if (actual && strcmp(actual, in.backing_file))
                printf(" (actual path: %s)", actual);
            free(actual);
            printf("\n");
        }
        if (in.backing_format)
            printf("backing file format: %s\n", in.backing_format);
        if (in.subformat) {
            const char *eq = strchr(in.subformat, '=');
            printf("Format specific information:\n");
            if (eq)
                printf("    %.*s: %s\n", (int)(eq - in.subformat), in.subformat, eq + 1);
            else
                printf("    create type: %s\n", in.subformat);
        }
    }
    blk_close(bd);
    return 0;
}
