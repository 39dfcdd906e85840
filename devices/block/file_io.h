/* Host file helpers shared by every image driver: whole-buffer pread/pwrite,
 * fsync, sizes, and QEMU-compatible advisory locking (fcntl F_OFD_SETLK). */
#ifndef VX86_BLOCK_FILE_IO_H
#define VX86_BLOCK_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Open an image file for a driver: read-only if flags has BLK_RDONLY, else
 * read-write; then, unless BLK_NOLOCK, take the advisory lock (shared for
 * readers, exclusive for writers; see file_io.c). Returns an fd, or -errno
 * with a message naming the file in err. */
int blk_file_open(const char *path, int flags, char *err, size_t errlen);
/* Create (or truncate) a file for a new image, read-write, locked for writing. */
int blk_file_create(const char *path, char *err, size_t errlen);
void blk_file_close(int fd);
/* Take the lock on an open fd (writer: no other reader or writer; reader:
 * no other writer). 0, or -EBUSY with "Failed to get ... lock" in err. */
int blk_file_lock(int fd, bool write, const char *path, char *err, size_t errlen);

/* Read len bytes at off, retrying short reads. Returns the bytes read
 * (less than len only at end of file) or -errno. */
ssize_t blk_pread(int fd, void *buf, size_t len, uint64_t off);
/* As blk_pread, zero-filling what lies past the end of the file: 0 or -errno. */
int blk_pread_zf(int fd, void *buf, size_t len, uint64_t off);
/* Write all len bytes at off: 0 or -errno. */
int blk_pwrite(int fd, const void *buf, size_t len, uint64_t off);
int blk_fsync(int fd);                        /* 0 or -errno */
int blk_file_truncate(int fd, uint64_t size); /* 0 or -errno */
int64_t blk_file_size(int fd);                /* bytes, or -errno */
uint64_t blk_file_allocated(int fd);          /* bytes the host really stores (st_blocks) */

/* Big-endian field helpers for on-disk headers. */
static inline uint16_t blk_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t blk_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t blk_be64(const uint8_t *p)
{
    return (uint64_t)blk_be32(p) << 32 | blk_be32(p + 4);
}
static inline void blk_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = (uint8_t)v;
}
static inline void blk_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void blk_put_be64(uint8_t *p, uint64_t v)
{
    blk_put_be32(p, (uint32_t)(v >> 32));
    blk_put_be32(p + 4, (uint32_t)v);
}

#endif
