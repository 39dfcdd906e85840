/* Character backends: spellings, file output, the tap, input buffering with
 * handlers and flow control, stdin at EOF, the unix socket server (accept,
 * greet, read, write, disconnect and reconnect) and the pty. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/chardev.h"
#include "test_util.h"

START_TEST(spellings)
{
    char err[256];
    static const char *const good[] = {"stdio",
                                       "none",
                                       "null",
                                       "pty",
                                       "file:/tmp/x",
                                       "unix:/tmp/s,server",
                                       "unix:/tmp/s,server,nowait",
                                       "stderr"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(chardev_spec_valid(good[i], err, sizeof err), "%s: %s", good[i], err);
    static const char *const bad[] = {
        "tcp:1", "file:", "unix:/tmp/s", "unix:,server", "unix:/tmp/s,server,bogus", "", "std"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        ck_assert_msg(!chardev_spec_valid(bad[i], err, sizeof err), "%s accepted", bad[i]);
        ck_assert_msg(err[0], "no message for %s", bad[i]);
        ck_assert_ptr_null(chardev_open(bad[i], err, sizeof err));
    }
}
END_TEST

START_TEST(file_output)
{
    char path[] = "/tmp/vx86_cd_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char spec[64], err[256];
    snprintf(spec, sizeof spec, "file:%s", path);
    struct chardev *cd = chardev_open(spec, err, sizeof err);
    ck_assert_msg(cd != NULL, "%s", err);
    chardev_puts(cd, "abc");
    chardev_printf(cd, "%d-%s\n", 42, "x");
    /* a file has no input side */
    ck_assert_int_eq(chardev_poll_fd(cd), -1);
    chardev_close(cd);
    char buf[64] = {0};
    FILE *f = fopen(path, "r");
    ck_assert_uint_eq(fread(buf, 1, sizeof buf - 1, f), 8);
    fclose(f);
    ck_assert_str_eq(buf, "abc42-x\n");
    unlink(path);
}
END_TEST

struct seen {
    char buf[64];
    size_t len;
    int calls;
};
static void tap_cb(void *opaque, const uint8_t *buf, size_t len)
{
    struct seen *s = opaque;
    memcpy(s->buf + s->len, buf, len);
    s->len += len;
    s->calls++;
}

START_TEST(tap_forwards)
{
    char out[64];
    size_t olen = 0;
    struct seen s = {0};
    struct chardev *inner = chardev_open_buffer(out, sizeof out, &olen);
    struct chardev *tap = chardev_open_tap(inner, tap_cb, &s);
    chardev_puts(tap, "hello");
    chardev_putc(tap, '!');
    ck_assert_uint_eq(olen, 6);
    ck_assert_int_eq(memcmp(out, "hello!", 6), 0);
    ck_assert_uint_eq(s.len, 6);
    ck_assert_int_eq(s.calls, 2);
    chardev_close(tap); /* not the inner one */
    chardev_puts(inner, "x");
    ck_assert_uint_eq(olen, 7);
    chardev_close(inner);
    /* a tap over nothing still reports */
    struct seen s2 = {0};
    tap = chardev_open_tap(NULL, tap_cb, &s2);
    chardev_puts(tap, "ab");
    ck_assert_uint_eq(s2.len, 2);
    chardev_close(tap);
}
END_TEST

static int handler_calls;
static void count_handler(void *opaque)
{
    (void)opaque;
    handler_calls++;
}

START_TEST(input_buffer_and_flow_control)
{
    char out[8];
    size_t olen = 0;
    struct chardev *cd = chardev_open_buffer(out, sizeof out, &olen);
    handler_calls = 0;
    chardev_set_input_handler(cd, count_handler, NULL);
    ck_assert_uint_eq(chardev_push_input(cd, (const uint8_t *)"abcd", 4), 4);
    ck_assert_int_eq(handler_calls, 1);
    ck_assert_uint_eq(chardev_input_pending(cd), 4);
    uint8_t b[8];
    ck_assert_uint_eq(chardev_read(cd, b, 3), 3);
    ck_assert_int_eq(memcmp(b, "abc", 3), 0);
    ck_assert_uint_eq(chardev_read(cd, b, 8), 1);
    ck_assert_int_eq(b[0], 'd');
    ck_assert_uint_eq(chardev_read(cd, b, 8), 0);
    /* the buffer holds CHARDEV_INBUF bytes; the rest is refused */
    uint8_t big[CHARDEV_INBUF + 10];
    memset(big, 'z', sizeof big);
    ck_assert_uint_eq(chardev_push_input(cd, big, sizeof big), CHARDEV_INBUF);
    ck_assert_uint_eq(chardev_push_input(cd, big, 1), 0);
    chardev_close(cd);
}
END_TEST

/* stdin replaced by a pipe: input arrives through poll_input, EOF stops
 * the polling (no busy loop on a closed stdin). */
START_TEST(stdio_input_and_eof)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    char err[256];
    struct chardev *cd = chardev_open("stdio", err, sizeof err);
    ck_assert_ptr_nonnull(cd);
    /* nobody consumes: not polled */
    ck_assert_int_eq(chardev_poll_fd(cd), -1);
    handler_calls = 0;
    chardev_set_input_handler(cd, count_handler, NULL);
    chardev_enable_input(cd);
    ck_assert_int_eq(chardev_poll_fd(cd), STDIN_FILENO);
    ck_assert_int_eq(write(p[1], "hi", 2), 2);
    ck_assert(chardev_poll_input(cd));
    ck_assert_int_eq(handler_calls, 1);
    uint8_t b[4];
    ck_assert_uint_eq(chardev_read(cd, b, 4), 2);
    ck_assert_int_eq(memcmp(b, "hi", 2), 0);
    /* nothing there: poll_input does not block and reports nothing */
    ck_assert(!chardev_poll_input(cd));
    close(p[1]);
    ck_assert(!chardev_poll_input(cd));
    ck_assert_int_eq(chardev_poll_fd(cd), -1);
    chardev_close(cd);
}
END_TEST

static int greeted;
static void greet(void *opaque)
{
    chardev_puts(opaque, "hello\n");
    greeted++;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static bool readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) > 0;
}

START_TEST(unix_server)
{
    char path[64], spec[96], err[256];
    snprintf(path, sizeof path, "/tmp/vx86_cd_%d.sock", (int)getpid());
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", path);
    struct chardev *cd = chardev_open(spec, err, sizeof err);
    ck_assert_msg(cd != NULL, "%s", err);
    greeted = handler_calls = 0;
    chardev_set_input_handler(cd, count_handler, NULL);
    chardev_set_open_handler(cd, greet, cd);
    chardev_enable_input(cd);
    chardev_puts(cd, "dropped"); /* no client yet */
    int listen_fd = chardev_poll_fd(cd);
    ck_assert_int_ge(listen_fd, 0);

    for (int round = 0; round < 2; round++) { /* the second client reconnects */
        int c = connect_to(path);
        ck_assert(readable(listen_fd, 1000));
        chardev_poll_input(cd); /* accepts */
        ck_assert_int_eq(greeted, round + 1);
        int client_side = chardev_poll_fd(cd);
        ck_assert_int_ne(client_side, listen_fd);
        char buf[64] = {0};
        ck_assert(readable(c, 1000));
        ck_assert_int_eq(read(c, buf, sizeof buf), 6);
        ck_assert_str_eq(buf, "hello\n");

        ck_assert_int_eq(write(c, "cmd\n", 4), 4);
        ck_assert(readable(client_side, 1000));
        ck_assert(chardev_poll_input(cd));
        uint8_t in[16];
        ck_assert_uint_eq(chardev_read(cd, in, sizeof in), 4);
        ck_assert_int_eq(memcmp(in, "cmd\n", 4), 0);

        chardev_puts(cd, "reply");
        memset(buf, 0, sizeof buf);
        ck_assert(readable(c, 1000));
        ck_assert_int_eq(read(c, buf, sizeof buf), 5);
        ck_assert_str_eq(buf, "reply");

        close(c); /* the client leaves: back to listening */
        ck_assert(readable(client_side, 1000));
        chardev_poll_input(cd);
        ck_assert_int_eq(chardev_poll_fd(cd), listen_fd);
    }
    chardev_close(cd);
    ck_assert_int_ne(access(path, F_OK), 0); /* the socket file is removed */
}
END_TEST

/* A client that does not read: one write waits up to a second for room,
 * later ones drop at once, and output flows again once it reads. */
START_TEST(unix_slow_client)
{
    char path[64], spec[96], err[256];
    snprintf(path, sizeof path, "/tmp/vx86_cds_%d.sock", (int)getpid());
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", path);
    struct chardev *cd = chardev_open(spec, err, sizeof err);
    ck_assert_msg(cd != NULL, "%s", err);
    chardev_enable_input(cd);
    int c = connect_to(path);
    ck_assert(readable(chardev_poll_fd(cd), 1000));
    chardev_poll_input(cd); /* accept */
    static uint8_t chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 64; i++) /* 4 MiB, far more than the socket buffers */
        chardev_write(cd, chunk, sizeof chunk);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(s < 3.0, "writes to a stuck client took %.2f s", s);
    /* drain, then new output arrives */
    static uint8_t buf[1 << 16];
    size_t total = 0;
    while (readable(c, 100)) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0)
            break;
        total += (size_t)n;
    }
    ck_assert_uint_gt(total, 0);
    ck_assert_uint_lt(total, 64 * sizeof chunk); /* some was dropped */
    chardev_puts(cd, "after");
    ck_assert(readable(c, 1000));
    char tail[16] = {0};
    ck_assert_int_eq(read(c, tail, sizeof tail - 1), 5);
    ck_assert_str_eq(tail, "after");
    close(c);
    chardev_close(cd);
}
END_TEST

/* Without nowait, open waits for the first client; the consumer greets it
 * when it installs its open handler. */
struct late_client {
    char path[64];
    int fd;
};
static void *late_connect(void *opaque)
{
    struct late_client *lc = opaque;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", lc->path);
    for (int i = 0; i < 500; i++) { /* until open() listens (5 s at most) */
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            lc->fd = fd;
            break;
        }
        close(fd);
    }
    return NULL;
}

START_TEST(unix_server_waits)
{
    struct late_client lc = {.fd = -1};
    snprintf(lc.path, sizeof lc.path, "/tmp/vx86_cdw_%d.sock", (int)getpid());
    char spec[96], err[256];
    snprintf(spec, sizeof spec, "unix:%s,server", lc.path);
    unlink(lc.path);
    pthread_t th;
    pthread_create(&th, NULL, late_connect, &lc); /* connects while open() waits */
    struct chardev *cd = chardev_open(spec, err, sizeof err);
    ck_assert_msg(cd != NULL, "%s", err);
    pthread_join(th, NULL);
    ck_assert_int_ge(lc.fd, 0);
    greeted = 0;
    chardev_set_open_handler(cd, greet, cd);
    ck_assert_int_eq(greeted, 1);
    char buf[16] = {0};
    ck_assert(readable(lc.fd, 1000));
    ck_assert_int_eq(read(lc.fd, buf, sizeof buf), 6);
    ck_assert_str_eq(buf, "hello\n");
    close(lc.fd);
    chardev_close(cd);
}
END_TEST

START_TEST(pty_backend)
{
    char err[256];
    struct chardev *cd = chardev_open("pty", err, sizeof err);
    ck_assert_msg(cd != NULL, "%s", err);
    int master = chardev_poll_fd(cd);
    ck_assert_int_eq(master, -1); /* no consumer yet */
    chardev_enable_input(cd);
    master = chardev_poll_fd(cd);
    ck_assert_int_ge(master, 0);
    const char *name = ptsname(master);
    ck_assert_ptr_nonnull(name);
    int s = open(name, O_RDWR | O_NOCTTY);
    ck_assert_int_ge(s, 0);
    chardev_puts(cd, "out");
    char buf[16] = {0};
    ck_assert(readable(s, 1000));
    ck_assert_int_eq(read(s, buf, sizeof buf), 3);
    ck_assert_str_eq(buf, "out");
    ck_assert_int_eq(write(s, "in", 2), 2);
    ck_assert(readable(master, 1000));
    ck_assert(chardev_poll_input(cd));
    uint8_t in[8];
    ck_assert_uint_eq(chardev_read(cd, in, sizeof in), 2);
    ck_assert_int_eq(memcmp(in, "in", 2), 0);
    close(s);
    chardev_close(cd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, spellings);
    tcase_add_test(tc, file_output);
    tcase_add_test(tc, tap_forwards);
    tcase_add_test(tc, input_buffer_and_flow_control);
    tcase_add_test(tc, stdio_input_and_eof);
    tcase_add_test(tc, unix_server);
    tcase_add_test(tc, unix_server_waits);
    tcase_add_test(tc, unix_slow_client);
    tcase_add_test(tc, pty_backend);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
