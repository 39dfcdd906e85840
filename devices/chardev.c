/* Character backends: stdio, file:PATH, none, and an in-memory buffer for
 * tests. Writes are unbuffered from the guest's point of view (each write
 * reaches the host before the guest's next instruction). */
#include "devices/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- stdio / file: a host file descriptor --- */
struct fd_priv {
    int in_fd, out_fd;
    int close_fds;
};

static void fd_write(struct chardev *cd, const uint8_t *buf, size_t len) {
    struct fd_priv *p = cd->priv;
    while (len > 0) {
        ssize_t n = write(p->out_fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* host side gone: drop the output, as a disconnected port */
        buf += n;
        len -= (size_t)n;
    }
}

static size_t fd_read(struct chardev *cd, uint8_t *buf, size_t len) {
    struct fd_priv *p = cd->priv;
    if (p->in_fd < 0) return 0;
    ssize_t n = read(p->in_fd, buf, len);
    return n > 0 ? (size_t)n : 0;
}

static void fd_close(struct chardev *cd) {
    struct fd_priv *p = cd->priv;
    if (p->close_fds) close(p->out_fd);
}

static const struct chardev_ops fd_ops = {"fd", fd_write, fd_read, NULL, fd_close};

/* --- none: output discarded, no input --- */
static void null_write(struct chardev *cd, const uint8_t *buf, size_t len) {
    (void)cd, (void)buf, (void)len;
}
static const struct chardev_ops null_ops = {"none", null_write, NULL, NULL, NULL};

/* --- buffer: appends to caller memory, truncating at capacity --- */
struct buf_priv {
    char *buf;
    size_t cap;
    size_t *len;
};

static void buf_write(struct chardev *cd, const uint8_t *data, size_t len) {
    struct buf_priv *p = cd->priv;
    for (size_t i = 0; i < len && *p->len < p->cap; i++)
        p->buf[(*p->len)++] = (char)data[i];
}
static const struct chardev_ops buf_ops = {"buffer", buf_write, NULL, NULL, NULL};

static struct chardev *chardev_new(const struct chardev_ops *ops, size_t priv_size) {
    struct chardev *cd = calloc(1, sizeof *cd + priv_size);
    if (!cd) return NULL;
    cd->ops = ops;
    cd->priv = priv_size ? (void *)(cd + 1) : NULL;
    return cd;
}

struct chardev *chardev_open(const char *spec, char *err, size_t errlen) {
    if (!strcmp(spec, "none") || !strcmp(spec, "null")) return chardev_new(&null_ops, 0);
    if (!strcmp(spec, "stdio")) {
        struct chardev *cd = chardev_new(&fd_ops, sizeof(struct fd_priv));
        if (!cd) goto nomem;
        *(struct fd_priv *)cd->priv = (struct fd_priv){STDIN_FILENO, STDOUT_FILENO, 0};
        return cd;
    }
    if (!strncmp(spec, "file:", 5)) {
        const char *path = spec + 5;
        if (!*path) {
            snprintf(err, errlen, "'file:' needs a path");
            return NULL;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
            return NULL;
        }
        struct chardev *cd = chardev_new(&fd_ops, sizeof(struct fd_priv));
        if (!cd) {
            close(fd);
            goto nomem;
        }
        *(struct fd_priv *)cd->priv = (struct fd_priv){-1, fd, 1};
        return cd;
    }
    snprintf(err, errlen, "unknown character backend '%s' (expected stdio, file:PATH or none)",
             spec);
    return NULL;
nomem:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

struct chardev *chardev_open_buffer(char *buf, size_t cap, size_t *len) {
    struct chardev *cd = chardev_new(&buf_ops, sizeof(struct buf_priv));
    if (cd) *(struct buf_priv *)cd->priv = (struct buf_priv){buf, cap, len};
    return cd;
}

void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len) {
    if (cd) cd->ops->write(cd, buf, len);
}

void chardev_putc(struct chardev *cd, uint8_t c) {
    chardev_write(cd, &c, 1);
}

size_t chardev_read(struct chardev *cd, uint8_t *buf, size_t len) {
    return cd && cd->ops->read ? cd->ops->read(cd, buf, len) : 0;
}

void chardev_flush(struct chardev *cd) {
    if (cd && cd->ops->flush) cd->ops->flush(cd);
}

void chardev_close(struct chardev *cd) {
    if (!cd) return;
    if (cd->ops->close) cd->ops->close(cd);
    free(cd);
}
