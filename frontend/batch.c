/* Batch use: --expect and --fail match POSIX extended regular expressions
 * against the accumulated COM1 and debug console output (each stream on its
 * own, line by line: REG_NEWLINE) and end the run when one matches; a third
 * pattern (--keys-after) starts typing keys once. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "devices/chardev.h"
#include "devices/machine.h"
#include "frontend/cli.h"

#define STREAM_KEEP (1u << 20) /* bytes of output kept per stream */

struct fe_stream_buf {
    char *buf; /* NUL-terminated */
    size_t len, cap;
    size_t checked; /* bytes already matched against */
};

struct fe_pattern {
    regex_t re;
    bool on;
    bool multiline; /* the pattern holds a newline: always match the whole buffer */
};

struct fe_batch {
    struct fe_pattern expect, fail, trigger;
    void (*trigger_fn)(void *opaque);
    void *trigger_opaque;
    struct fe_stream_buf s[FE_STREAM_COUNT];
    struct chardev *taps[FE_STREAM_COUNT];
    struct fe_batch_tap_ctx {
        struct fe_batch *b;
        enum fe_stream stream;
    } ctx[FE_STREAM_COUNT];
};

static bool compile(struct fe_pattern *p, const char *src, const char *opt, char *err,
                    size_t errlen)
{
    if (!src)
        return true;
    int rc = regcomp(&p->re, src, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
    if (rc) {
        char msg[128];
        regerror(rc, &p->re, msg, sizeof msg);
        snprintf(err, errlen, "%s: bad regular expression '%s': %s", opt, src, msg);
        return false;
    }
    p->on = true;
    p->multiline = strchr(src, '\n') != NULL;
    return true;
}

struct fe_batch *fe_batch_create(const char *expect, const char *fail, char *err, size_t errlen)
{
    struct fe_batch *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!compile(&b->expect, expect, "--expect", err, errlen) ||
        !compile(&b->fail, fail, "--fail", err, errlen)) {
        fe_batch_destroy(b);
        return NULL;
    }
    return b;
}

void fe_batch_destroy(struct fe_batch *b)
{
    if (!b)
        return;
    if (b->expect.on)
        regfree(&b->expect.re);
    if (b->fail.on)
        regfree(&b->fail.re);
    if (b->trigger.on)
        regfree(&b->trigger.re);
    for (int i = 0; i < FE_STREAM_COUNT; i++) {
        free(b->s[i].buf);
        chardev_close(b->taps[i]);
    }
    free(b);
}

void fe_batch_feed(struct fe_batch *b, enum fe_stream stream, const uint8_t *buf, size_t len)
{
    struct fe_stream_buf *s = &b->s[stream];
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + len + 1 && cap < 2 * STREAM_KEEP)
            cap *= 2;
        if (cap < s->len + len + 1) {
            /* Past the limit: keep the last STREAM_KEEP bytes from a line start. */
            size_t drop = s->len + len > STREAM_KEEP ? s->len + len - STREAM_KEEP : 0;
            if (drop > s->len)
                drop = s->len;
            memmove(s->buf, s->buf + drop, s->len - drop);
            s->len -= drop;
            s->checked = s->checked > drop ? s->checked - drop : 0;
            if (len > STREAM_KEEP) {
                buf += len - STREAM_KEEP;
                len = STREAM_KEEP;
            }
        } else {
            char *nb = realloc(s->buf, cap);
            if (!nb)
                return; /* out of memory: stop accumulating */
            s->buf = nb;
            s->cap = cap;
        }
    }
    for (size_t i = 0; i < len; i++) /* a NUL byte would end the string early */
        s->buf[s->len++] = buf[i] ? (char)buf[i] : ' ';
    s->buf[s->len] = 0;
}

/* Match one pattern against the unchecked tail of a stream: from the start
 * of the line holding the first unchecked byte (a match cannot span lines).
 * "$" matches only before a newline, never at the end of a partial line. */
static bool match(const struct fe_pattern *p, const struct fe_stream_buf *s)
{
    if (!p->on || !s->len)
        return false;
    size_t from = s->checked;
    if (p->multiline)
        from = 0;
    while (from > 0 && s->buf[from - 1] != '\n')
        from--;
    int flags = s->buf[s->len - 1] == '\n' ? 0 : REG_NOTEOL;
    return regexec(&p->re, s->buf + from, 0, NULL, flags) == 0;
}

bool fe_batch_set_trigger(struct fe_batch *b, const char *regex, void (*fn)(void *opaque),
                          void *opaque, char *err, size_t errlen)
{
    if (!compile(&b->trigger, regex, "--keys-after", err, errlen))
        return false;
    b->trigger_fn = fn;
    b->trigger_opaque = opaque;
    return true;
}

int fe_batch_check(struct fe_batch *b)
{
    int status = -1;
    for (int i = 0; i < FE_STREAM_COUNT && status < 0; i++) {
        struct fe_stream_buf *s = &b->s[i];
        if (s->checked == s->len)
            continue;
        if (match(&b->trigger, s)) { /* once */
            regfree(&b->trigger.re);
            b->trigger.on = false;
            b->trigger_fn(b->trigger_opaque);
        }
        if (match(&b->fail, s))
            status = VX86_EXIT_FAIL;
        else if (match(&b->expect, s))
            status = VX86_EXIT_OK;
        /* A partial last line is checked again when it grows. */
        s->checked = s->len;
    }
    return status;
}

void fe_batch_poll(struct fe_batch *b, struct machine *m)
{
    int status = fe_batch_check(b);
    if (status < 0)
        return;
    if (status == VX86_EXIT_FAIL)
        fprintf(stderr, "vx86: --fail pattern matched\n");
    machine_stop(m, status);
}

static void tap_fn(void *opaque, const uint8_t *buf, size_t len)
{
    struct fe_batch_tap_ctx *c = opaque;
    fe_batch_feed(c->b, c->stream, buf, len);
}

struct chardev *fe_batch_tap(struct fe_batch *b, enum fe_stream stream, struct chardev *inner)
{
    b->ctx[stream] = (struct fe_batch_tap_ctx){b, stream};
    chardev_close(b->taps[stream]);
    b->taps[stream] = chardev_open_tap(inner, tap_fn, &b->ctx[stream]);
    return b->taps[stream];
}
