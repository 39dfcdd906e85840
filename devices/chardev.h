/* Character backends (DESIGN.md "Character backends"): a byte stream that a
 * debug port, UART or the monitor talks to, chosen on the command line. */
#ifndef VX86_CHARDEV_H
#define VX86_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A backend is an ops table plus its private state; new kinds add a driver
 * in chardev.c and a prefix in chardev_open(). */
struct chardev;
struct chardev_ops {
    const char *kind;
    void (*write)(struct chardev *cd, const uint8_t *buf, size_t len);
    /* Host side: read what is available now, never blocking (0 = nothing,
     * or the peer went away); may be NULL for output-only backends. */
    size_t (*read)(struct chardev *cd, uint8_t *buf, size_t len);
    void (*flush)(struct chardev *cd);
    void (*close)(struct chardev *cd);
    /* The fd the machine loop polls for input (a listening socket while no
     * client is connected), or -1; may be NULL. */
    int (*poll_fd)(struct chardev *cd);
};

#define CHARDEV_INBUF 256 /* bytes of host input buffered for the consumer */

struct chardev {
    const struct chardev_ops *ops;
    void *priv;
    /* Host input waiting for the consumer (filled by chardev_poll_input). */
    uint8_t in_buf[CHARDEV_INBUF];
    size_t in_len;
    void (*in_handler)(void *opaque); /* consumer: "input is waiting" */
    void *in_opaque;
    void (*open_handler)(void *opaque); /* consumer: "a client connected" */
    void *open_opaque;
    bool cooked;     /* stdio: keep the terminal's line editing (the monitor sets it) */
    bool in_enabled; /* someone consumes host input: poll the host side */
};

/* Open a backend from its command-line spelling:
 *   "stdio"                 stdin/stdout; raw terminal mode while stdin is a
 *                           tty and a consumer reads it (restored at exit)
 *   "file:PATH"             output to PATH (truncated), no input
 *   "unix:PATH,server[,nowait]"  a listening unix socket, one client at a
 *                           time, reconnecting; without nowait, open waits
 *                           for the first client. Output with no client is
 *                           dropped.
 *   "pty"                   a pseudo-terminal; its name goes to stderr
 *   "stderr"                output to stderr, no input (vx86 only)
 *   "none"/"null"           output discarded, no input
 * Returns NULL and puts a message in err (errlen bytes) on failure. */
struct chardev *chardev_open(const char *spec, char *err, size_t errlen);
/* Check a spelling without opening anything (the command line uses it). */
bool chardev_spec_valid(const char *spec, char *err, size_t errlen);
/* A backend that appends to a caller-owned memory buffer (tests). */
struct chardev *chardev_open_buffer(char *buf, size_t cap, size_t *len);
/* A backend that forwards everything to `inner` (may be NULL) and also
 * hands each written chunk to fn (batch --expect matching). Closing the
 * tap does not close inner. */
struct chardev *chardev_open_tap(struct chardev *inner,
                                 void (*fn)(void *opaque, const uint8_t *buf, size_t len),
                                 void *opaque);
void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len);
void chardev_putc(struct chardev *cd, uint8_t c);
void chardev_puts(struct chardev *cd, const char *s);
void chardev_printf(struct chardev *cd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void chardev_flush(struct chardev *cd);
void chardev_close(struct chardev *cd);

/* --- input: how a consumer (UART, monitor) receives host bytes ---
 * The machine loop (machine_watch_chardev, which calls chardev_enable_input)
 * polls chardev_poll_fd() together with the next timer deadline while there
 * is room in the input buffer; when bytes arrive it calls
 * chardev_poll_input(), which buffers them and calls the input handler (if
 * any). The consumer takes them with chardev_read() (never blocks) as fast
 * as it can accept them, from its handler or its own timer; bytes it leaves
 * stay buffered (and the host side is not read further) until it reads. */
/* Start reading the host side; stdio switches a tty to raw mode unless
 * `cooked` is set (restored by chardev_close, at exit and on signals). */
void chardev_enable_input(struct chardev *cd);
/* Put the terminal back (the frontend's fatal-signal path). */
void chardev_restore_terminal(void);
void chardev_set_input_handler(struct chardev *cd, void (*fn)(void *opaque), void *opaque);
/* Called when a client connects to a socket backend (the monitor greets). */
void chardev_set_open_handler(struct chardev *cd, void (*fn)(void *opaque), void *opaque);
/* Take up to len buffered input bytes; 0 when none. */
size_t chardev_read(struct chardev *cd, uint8_t *buf, size_t len);
size_t chardev_input_pending(const struct chardev *cd);
/* The fd to poll for input, or -1 (no input, buffer full, or no consumer). */
int chardev_poll_fd(struct chardev *cd);
/* The poll fd is readable: accept a client or read into the buffer, then
 * call the handler. Returns true if something happened. */
bool chardev_poll_input(struct chardev *cd);
/* Queue bytes as if they came from the host (tests, the monitor); calls the
 * input handler. Returns how many fitted. */
size_t chardev_push_input(struct chardev *cd, const uint8_t *buf, size_t len);

#endif
