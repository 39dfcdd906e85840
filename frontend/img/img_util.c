/* vx86-img helpers: error messages, sizes, -o option lists. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/img/img.h"

int img_error(const char *fmt, ...)
{
    va_list ap;
    fputs("vx86-img: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return IMG_EXIT_ERROR;
}

int64_t img_parse_size(const char *s)
{
    static const char units[] = "BKMGTPE";
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    int shift = 0;
    if (*end) {
        const char *u = strchr(units, *end >= 'a' && *end <= 'z' ? *end - 32 : *end);
        if (!u || end[1])
            return -1;
        shift = (int)(u - units) * 10;
    } else if (strpbrk(s, ".eExX")) {
        return -1; /* fractions need a unit; no hex or exponents */
    }
    double bytes = ldexp(v, shift);
    if (bytes >= 9.2e18 || bytes != floor(bytes))
        return -1;
    uint64_t b = (uint64_t)bytes;
    return (int64_t)((b + 511) & ~511ull);
}

void img_size_str(uint64_t v, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int i = 0;
    double d = (double)v;
    while (d >= 1024 && i < 6) {
        d /= 1024;
        i++;
    }
    snprintf(buf, len, "%0.3g %s", d, units[i]);
}

int img_parse_options(char *list, struct blk_create_opts *opts)
{
    for (char *save = NULL, *kv = strtok_r(list, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *val = strchr(kv, '=');
        if (!val)
            return img_error("Invalid option '%s': expected key=value", kv);
        *val++ = 0;
        if (!strcmp(kv, "subformat")) {
            opts->subformat = val;
        } else if (!strcmp(kv, "backing_file")) {
            opts->backing_file = val;
        } else if (!strcmp(kv, "backing_fmt")) {
            opts->backing_format = val;
        } else if (!strcmp(kv, "compat")) {
            if (!strcmp(val, "0.10") || !strcmp(val, "v2") || !strcmp(val, "2"))
                opts->compat = 2;
            else if (!strcmp(val, "1.1") || !strcmp(val, "v3") || !strcmp(val, "3"))
                opts->compat = 3;
            else
                return img_error("Invalid compat level '%s' (0.10 or 1.1)", val);
        } else if (!strcmp(kv, "size")) {
            int64_t sz = img_parse_size(val);
            if (sz < 0)
                return img_error("Invalid image size '%s'", val);
            opts->size = (uint64_t)sz;
        } else if (!strcmp(kv, "cluster_size")) {
            int64_t cs = img_parse_size(val);
            if (cs < 512 || cs > (2 << 20) || (cs & (cs - 1)))
                return img_error("Invalid cluster_size '%s' (a power of two, 512 to 2M)", val);
            opts->cluster_size = (uint32_t)cs;
        } else {
            return img_error("Invalid option '%s'", kv);
        }
    }
    return 0;
}
