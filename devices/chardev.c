/* Character backends: stdio, file:PATH, unix:PATH,server, pty, none, and an
 * in-memory buffer and a tap for tests and batch matching. Writes reach the
 * host before the guest's next instruction; input is buffered here and read
 * by the consumer without ever blocking. */
#define _GNU_SOURCE /* accept4, posix_openpt, cfmakeraw */
#include "devices/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

/* --- the host terminal (process-wide: there is one stdin) --- */
static struct termios saved_tio;
static bool tio_saved, tio_raw;

/* Put back the terminal as vx86 found it (atexit, and the signal path). */
static void tty_restore(void)
{
    if (tio_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
        tio_raw = false;
    }
}

/* Raw input so every key reaches the guest at once; ISIG stays on so that
 * Ctrl-C still ends vx86 (SIGINT is handled cleanly by the frontend). */
static void tty_make_raw(void)
{
    if (tio_raw || !isatty(STDIN_FILENO))
        return;
    if (!tio_saved) {
        if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
            return;
        tio_saved = true;
        atexit(tty_restore);
    }
    struct termios t = saved_tio;
    t.c_iflag &= ~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | IEXTEN);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        tio_raw = true;
}

/* --- helpers --- */
/* Write everything, or drop the rest when the host side is gone or full.
 * A socket client that is slow to read gets up to `wait_ms` to make room
 * (the monitor's long dumps); returns false if that ran out. */
static bool write_all(int fd, const uint8_t *buf, size_t len, bool sock, int wait_ms)
{
    while (len > 0) {
        ssize_t n = sock ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (wait_ms > 0 && poll(&p, 1, wait_ms) > 0)
                continue;
            return false; /* still full: the rest is dropped */
        }
        if (n <= 0)
            return true; /* host side gone: drop the output, as a disconnected port */
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Is fd readable right now (or hung up)? */
static bool fd_ready(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) > 0 && p.revents;
}

/* --- stdio / file / pty: host file descriptors --- */
struct fd_priv {
    int in_fd, out_fd; /* -1 = none (input at EOF) */
    bool close_out, close_in;
    bool is_stdio;
    int pty_slave; /* pty: our own slave fd, kept open so the master never hangs up */
};

static void fd_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
    struct fd_priv *p = cd->priv;
    if (p->out_fd >= 0)
        write_all(p->out_fd, buf, len, false, 0);
}

static size_t fd_read(struct chardev *cd, uint8_t *buf, size_t len)
{
    struct fd_priv *p = cd->priv;
    if (p->in_fd < 0 || !fd_ready(p->in_fd))
        return 0;
    ssize_t n = read(p->in_fd, buf, len);
    if (n > 0)
        return (size_t)n;
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* EOF (stdin from /dev/null or a closed pipe): stop polling it. */
        if (p->close_in && p->in_fd != p->out_fd)
            close(p->in_fd);
        p->in_fd = -1;
    }
    return 0;
}

static int fd_poll_fd(struct chardev *cd)
{
    return ((struct fd_priv *)cd->priv)->in_fd;
}

static void fd_close(struct chardev *cd)
{
    struct fd_priv *p = cd->priv;
    if (p->close_out && p->out_fd >= 0)
        close(p->out_fd);
    if (p->close_in && p->in_fd >= 0 && p->in_fd != p->out_fd)
        close(p->in_fd);
    if (p->pty_slave >= 0)
        close(p->pty_slave);
    if (p->is_stdio)
        tty_restore();
}

static const struct chardev_ops fd_ops = {"fd", fd_write, fd_read, NULL, fd_close, fd_poll_fd};

/* --- unix:PATH,server: a listening socket, one client at a time --- */
struct unix_priv {
    int listen_fd, client_fd;
    bool stalled; /* the client's buffer stayed full: don't wait for it again */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void unix_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
    struct unix_priv *p = cd->priv;
    /* A client that stopped reading costs one wait, then output is dropped
     * until it reads again (the guest is not held up for long). */
    if (p->client_fd >= 0)
        p->stalled = !write_all(p->client_fd, buf, len, true, p->stalled ? 0 : 1000);
}

static void unix_connected(struct chardev *cd, int fd)
{
    struct unix_priv *p = cd->priv;
    p->client_fd = fd;
    p->stalled = false;
    if (cd->open_handler)
        cd->open_handler(cd->open_opaque);
}

static size_t unix_read(struct chardev *cd, uint8_t *buf, size_t len)
{
    struct unix_priv *p = cd->priv;
    if (p->client_fd < 0) {
        int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0)
            unix_connected(cd, fd);
        return 0;
    }
    ssize_t n = recv(p->client_fd, buf, len, MSG_DONTWAIT);
    if (n > 0)
        return (size_t)n;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(p->client_fd); /* the client left: listen for the next one */
        p->client_fd = -1;
    }
    return 0;
}

static int unix_poll_fd(struct chardev *cd)
{
    struct unix_priv *p = cd->priv;
    return p->client_fd >= 0 ? p->client_fd : p->listen_fd;
}

static void unix_close(struct chardev *cd)
{
    struct unix_priv *p = cd->priv;
    if (p->client_fd >= 0)
        close(p->client_fd);
    if (p->listen_fd >= 0) {
        close(p->listen_fd);
        unlink(p->path);
    }
}

static const struct chardev_ops unix_ops = {"unix", unix_write, unix_read,
                                            NULL,   unix_close, unix_poll_fd};

/* --- none: output discarded, no input --- */
static void null_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
    (void)cd, (void)buf, (void)len;
}
static const struct chardev_ops null_ops = {"none", null_write, NULL, NULL, NULL, NULL};

/* --- buffer: appends to caller memory, truncating at capacity --- */
struct buf_priv {
    char *buf;
    size_t cap;
    size_t *len;
};

static void buf_write(struct chardev *cd, const uint8_t *data, size_t len)
{
    struct buf_priv *p = cd->priv;
    for (size_t i = 0; i < len && *p->len < p->cap; i++)
        p->buf[(*p->len)++] = (char)data[i];
}
static const struct chardev_ops buf_ops = {"buffer", buf_write, NULL, NULL, NULL, NULL};

/* --- tap: forwards to an inner backend and shows the bytes to a callback --- */
struct tap_priv {
    struct chardev *inner;
    void (*fn)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
};

static void tap_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
    struct tap_priv *p = cd->priv;
    chardev_write(p->inner, buf, len);
    p->fn(p->opaque, buf, len);
}
static size_t tap_read(struct chardev *cd, uint8_t *buf, size_t len)
{
    struct tap_priv *p = cd->priv;
    return p->inner && p->inner->ops->read ? p->inner->ops->read(p->inner, buf, len) : 0;
}
static void tap_flush(struct chardev *cd)
{
    chardev_flush(((struct tap_priv *)cd->priv)->inner);
}
static int tap_poll_fd(struct chardev *cd)
{
    struct tap_priv *p = cd->priv;
    return p->inner && p->inner->ops->poll_fd ? p->inner->ops->poll_fd(p->inner) : -1;
}
static const struct chardev_ops tap_ops = {"tap",     tap_write, tap_read,
                                           tap_flush, NULL,      tap_poll_fd};

/* The backend that owns the host side (through taps). */
static struct chardev *chardev_base(struct chardev *cd)
{
    while (cd && cd->ops == &tap_ops && ((struct tap_priv *)cd->priv)->inner)
        cd = ((struct tap_priv *)cd->priv)->inner;
    return cd;
}

/* --- opening --- */
static struct chardev *chardev_new(const struct chardev_ops *ops, size_t priv_size)
{
    struct chardev *cd = calloc(1, sizeof *cd + priv_size);
    if (!cd)
        return NULL;
    cd->ops = ops;
    cd->priv = priv_size ? (void *)(cd + 1) : NULL;
    return cd;
}

/* "unix:PATH,server[,nowait]" -> path and flags. */
static bool parse_unix(const char *spec, char *path, size_t pathlen, bool *nowait, char *err,
                       size_t errlen)
{
    const char *s = spec + 5, *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    if (!n || n >= pathlen) {
        snprintf(err, errlen, "'%s': bad or too long socket path", spec);
        return false;
    }
    memcpy(path, s, n);
    path[n] = 0;
    bool server = false;
    *nowait = false;
    while (comma) {
        const char *opt = comma + 1;
        comma = strchr(opt, ',');
        size_t len = comma ? (size_t)(comma - opt) : strlen(opt);
        if (len == 6 && !strncmp(opt, "server", 6))
            server = true;
        else if ((len == 6 && !strncmp(opt, "nowait", 6)) ||
                 (len == 9 && !strncmp(opt, "wait=off", 8)))
            *nowait = true;
        else if (len == 10 && !strncmp(opt, "server=on", 9))
            server = true;
        else {
            snprintf(err, errlen, "'%s': unknown socket option '%.*s' (server, nowait)", spec,
                     (int)len, opt);
            return false;
        }
    }
    if (!server) {
        snprintf(err, errlen, "'%s': only listening sockets are supported (add ',server')", spec);
        return false;
    }
    return true;
}

bool chardev_spec_valid(const char *spec, char *err, size_t errlen)
{
    if (!strcmp(spec, "none") || !strcmp(spec, "null") || !strcmp(spec, "stdio") ||
        !strcmp(spec, "stderr") || !strcmp(spec, "pty"))
        return true;
    if (!strncmp(spec, "file:", 5)) {
        if (spec[5])
            return true;
        snprintf(err, errlen, "'file:' needs a path");
        return false;
    }
    if (!strncmp(spec, "unix:", 5)) {
        char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
        bool nowait;
        return parse_unix(spec, path, sizeof path, &nowait, err, errlen);
    }
    snprintf(err, errlen,
             "unknown character backend '%s' (stdio, file:PATH, unix:PATH,server[,nowait], "
             "pty or none)",
             spec);
    return false;
}

static struct chardev *open_unix(const char *spec, char *err, size_t errlen)
{
    struct chardev *cd = chardev_new(&unix_ops, sizeof(struct unix_priv));
    if (!cd) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct unix_priv *p = cd->priv;
    p->listen_fd = p->client_fd = -1;
    bool nowait;
    if (!parse_unix(spec, p->path, sizeof p->path, &nowait, err, errlen))
        goto fail;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, p->path, strlen(p->path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto syserr;
    unlink(p->path); /* a stale socket from an earlier run */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "cannot listen on '%s': %s", p->path, strerror(errno));
        close(fd);
        goto fail;
    }
    p->listen_fd = fd;
    if (!nowait) {
        fprintf(stderr, "vx86: waiting for a connection on unix:%s\n", p->path);
        int c;
        do
            c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        while (c < 0 && errno == EINTR);
        if (c < 0)
            goto syserr;
        p->client_fd = c; /* the consumer greets later, when it sets its open handler */
    }
    return cd;
syserr:
    snprintf(err, errlen, "unix socket '%s': %s", p->path, strerror(errno));
fail:
    chardev_close(cd);
    return NULL;
}

static struct chardev *open_pty(char *err, size_t errlen)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
        snprintf(err, errlen, "cannot create a pty: %s", strerror(errno));
        if (m >= 0)
            close(m);
        return NULL;
    }
    const char *name = ptsname(m);
    int s = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    struct chardev *cd = s >= 0 ? chardev_new(&fd_ops, sizeof(struct fd_priv)) : NULL;
    if (!cd) {
        snprintf(err, errlen, "cannot open the pty: %s", strerror(errno));
        close(m);
        if (s >= 0)
            close(s);
        return NULL;
    }
    struct termios t;
    if (tcgetattr(s, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
    }
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK); /* a full pty drops output */
    *(struct fd_priv *)cd->priv = (struct fd_priv){m, m, true, true, false, s};
    fprintf(stderr, "vx86: char device redirected to %s\n", name);
    return cd;
}

struct chardev *chardev_open(const char *spec, char *err, size_t errlen)
{
    if (!chardev_spec_valid(spec, err, errlen))
        return NULL;
    if (!strcmp(spec, "none") || !strcmp(spec, "null")) {
        struct chardev *cd = chardev_new(&null_ops, 0);
        if (!cd)
            goto nomem;
        return cd;
    }
    if (!strcmp(spec, "stdio")) {
        struct chardev *cd = chardev_new(&fd_ops, sizeof(struct fd_priv));
        if (!cd)
            goto nomem;
        *(struct fd_priv *)cd->priv =
            (struct fd_priv){STDIN_FILENO, STDOUT_FILENO, false, false, true, -1};
        return cd;
    }
    if (!strcmp(spec, "stderr")) { /* output only: -nographic's debug console */
        struct chardev *cd = chardev_new(&fd_ops, sizeof(struct fd_priv));
        if (!cd)
            goto nomem;
        *(struct fd_priv *)cd->priv = (struct fd_priv){-1, STDERR_FILENO, false, false, false, -1};
        return cd;
    }
    if (!strcmp(spec, "pty"))
        return open_pty(err, errlen);
    if (!strncmp(spec, "unix:", 5))
        return open_unix(spec, err, errlen);
    /* file:PATH */
    const char *path = spec + 5;
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
    *(struct fd_priv *)cd->priv = (struct fd_priv){-1, fd, true, false, false, -1};
    return cd;
nomem:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

struct chardev *chardev_open_buffer(char *buf, size_t cap, size_t *len)
{
    struct chardev *cd = chardev_new(&buf_ops, sizeof(struct buf_priv));
    if (cd)
        *(struct buf_priv *)cd->priv = (struct buf_priv){buf, cap, len};
    return cd;
}

struct chardev *chardev_open_tap(struct chardev *inner,
                                 void (*fn)(void *opaque, const uint8_t *buf, size_t len),
                                 void *opaque)
{
    struct chardev *cd = chardev_new(&tap_ops, sizeof(struct tap_priv));
    if (cd)
        *(struct tap_priv *)cd->priv = (struct tap_priv){inner, fn, opaque};
    return cd;
}

/* --- output --- */
void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
    if (cd)
        cd->ops->write(cd, buf, len);
}

void chardev_putc(struct chardev *cd, uint8_t c)
{
    chardev_write(cd, &c, 1);
}

void chardev_puts(struct chardev *cd, const char *s)
{
    chardev_write(cd, (const uint8_t *)s, strlen(s));
}

void chardev_printf(struct chardev *cd, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        chardev_write(cd, (const uint8_t *)small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    chardev_write(cd, (const uint8_t *)big, (size_t)n);
    free(big);
}

void chardev_flush(struct chardev *cd)
{
    if (cd && cd->ops->flush)
        cd->ops->flush(cd);
}

void chardev_close(struct chardev *cd)
{
    if (!cd)
        return;
    if (cd->ops->close)
        cd->ops->close(cd);
    free(cd);
}

/* --- input --- */
void chardev_set_input_handler(struct chardev *cd, void (*fn)(void *opaque), void *opaque)
{
    if (!cd)
        return;
    cd->in_handler = fn;
    cd->in_opaque = opaque;
}

void chardev_enable_input(struct chardev *cd)
{
    if (!cd || cd->in_enabled)
        return;
    cd->in_enabled = true;
    struct chardev *base = chardev_base(cd);
    if (base->ops == &fd_ops && ((struct fd_priv *)base->priv)->is_stdio && !cd->cooked)
        tty_make_raw();
}

void chardev_restore_terminal(void)
{
    tty_restore();
}

void chardev_set_open_handler(struct chardev *cd, void (*fn)(void *opaque), void *opaque)
{
    if (!cd)
        return;
    struct chardev *base = chardev_base(cd);
    base->open_handler = fn;
    base->open_opaque = opaque;
    /* A client that connected while open() waited is greeted now. */
    if (fn && base->ops == &unix_ops && ((struct unix_priv *)base->priv)->client_fd >= 0)
        fn(opaque);
}

size_t chardev_input_pending(const struct chardev *cd)
{
    return cd ? cd->in_len : 0;
}

int chardev_poll_fd(struct chardev *cd)
{
    if (!cd || !cd->in_enabled || cd->in_len == CHARDEV_INBUF || !cd->ops->poll_fd)
        return -1;
    return cd->ops->poll_fd(cd);
}

/* Move what the host has into the buffer; true if bytes arrived. */
static bool chardev_fill(struct chardev *cd)
{
    if (!cd->ops->read || cd->in_len == CHARDEV_INBUF)
        return false;
    size_t n = cd->ops->read(cd, cd->in_buf + cd->in_len, CHARDEV_INBUF - cd->in_len);
    cd->in_len += n;
    return n > 0;
}

bool chardev_poll_input(struct chardev *cd)
{
    if (!cd)
        return false;
    bool got = chardev_fill(cd);
    if (got && cd->in_handler)
        cd->in_handler(cd->in_opaque);
    return got;
}

size_t chardev_read(struct chardev *cd, uint8_t *buf, size_t len)
{
    if (!cd)
        return 0;
    if (!cd->in_len && !cd->in_enabled)
        chardev_fill(cd); /* nobody polls the host side for this consumer */
    size_t n = len < cd->in_len ? len : cd->in_len;
    memcpy(buf, cd->in_buf, n);
    memmove(cd->in_buf, cd->in_buf + n, cd->in_len - n);
    cd->in_len -= n;
    return n;
}

size_t chardev_push_input(struct chardev *cd, const uint8_t *buf, size_t len)
{
    if (!cd)
        return 0;
    size_t n = CHARDEV_INBUF - cd->in_len;
    if (n > len)
        n = len;
    memcpy(cd->in_buf + cd->in_len, buf, n);
    cd->in_len += n;
    if (n && cd->in_handler)
        cd->in_handler(cd->in_opaque);
    return n;
}
