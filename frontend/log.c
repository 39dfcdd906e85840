/* The -d log: messages from the CPU and devices, to stderr or the -D file
 * (as QEMU's -d/-D). Each line is the message as given; the trace writes
 * through the same stream so that both interleave in order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/cli.h"

struct fe_log {
    FILE *f;
    bool own;
};

struct fe_log *fe_log_open(const char *path, char *err, size_t errlen) {
    struct fe_log *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!path) {
        l->f = stderr;
        return l;
    }
    l->f = fopen(path, "w");
    if (!l->f) {
        snprintf(err, errlen, "cannot open log file '%s': %s", path, strerror(errno));
        free(l);
        return NULL;
    }
    l->own = true;
    setvbuf(l->f, NULL, _IOFBF, 1 << 16);
    return l;
}

void fe_log_close(struct fe_log *l) {
    if (!l) return;
    if (l->own)
        fclose(l->f);
    else
        fflush(l->f);
    free(l);
}

FILE *fe_log_file(struct fe_log *l) {
    return l->f;
}

void fe_log_vprintf(struct fe_log *l, const char *category, const char *fmt, va_list ap) {
    (void)category; /* messages carry their own wording; the category filtered them */
    vfprintf(l->f, fmt, ap);
}

void fe_log_printf(struct fe_log *l, const char *category, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fe_log_vprintf(l, category, fmt, ap);
    va_end(ap);
}
