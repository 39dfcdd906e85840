/* Character backends (DESIGN.md "Character backends"): a byte stream that a
 * debug port or UART talks to, chosen on the command line. */
#ifndef VX86_CHARDEV_H
#define VX86_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

/* A backend is an ops table plus its private state; new kinds (unix socket,
 * pty, tcp) add a driver in chardev.c and a prefix in chardev_open(). */
struct chardev;
struct chardev_ops {
    const char *kind;
    void (*write)(struct chardev *cd, const uint8_t *buf, size_t len);
    /* Returns the number of bytes read (0 = nothing available); may be NULL. */
    size_t (*read)(struct chardev *cd, uint8_t *buf, size_t len);
    void (*flush)(struct chardev *cd);
    void (*close)(struct chardev *cd);
};

struct chardev {
    const struct chardev_ops *ops;
    void *priv;
};

/* Open a backend from its command-line spelling: "stdio", "file:PATH",
 * "none"/"null". Returns NULL and puts a message in err (errlen bytes) on
 * failure. */
struct chardev *chardev_open(const char *spec, char *err, size_t errlen);
/* A backend that appends to a caller-owned memory buffer (tests). */
struct chardev *chardev_open_buffer(char *buf, size_t cap, size_t *len);
void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len);
void chardev_putc(struct chardev *cd, uint8_t c);
size_t chardev_read(struct chardev *cd, uint8_t *buf, size_t len);
void chardev_flush(struct chardev *cd);
void chardev_close(struct chardev *cd);

#endif
