/* Host file helpers for the image drivers: whole-buffer I/O, fsync, sizes,
 * and advisory locks laid out as QEMU's file-posix driver lays them out. */
#define _GNU_SOURCE
#include "devices/block/file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/block/blockdev.h"

/* QEMU (block/file-posix.c) holds a shared OFD lock on byte 100+i for each
 * permission i it uses and on byte 200+i for each permission it refuses to
 * share, then checks that no other open file description holds the opposite
 * byte. Using the same bytes makes vx86 and QEMU see each other's locks.
 * Permission bits: 0 consistent read, 1 write, 2 write-unchanged, 3 resize. */
#define LOCK_PERM_BASE       100
#define LOCK_SHARED_BASE     200
#define PERM_READ            0x1
#define PERM_WRITE           0x2
#define PERM_WRITE_UNCHANGED 0x4
#define PERM_RESIZE          0x8
#define PERM_ALL             0xf

static int lock_byte(int fd, int byte, short type, int cmd)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};
    if (fcntl(fd, cmd, &fl) < 0)
        return -errno;
    if (cmd == F_OFD_GETLK)
        return fl.l_type == F_UNLCK ? 0 : -EBUSY;
    return 0;
}

static const char *perm_name(int bit)
{
    static const char *names[] = {"consistent read", "write", "write unchanged", "resize"};
    return names[bit];
}

int blk_file_lock(int fd, bool write, const char *path, char *err, size_t errlen)
{
    int held = write ? PERM_ALL : PERM_READ;
    int unshared = PERM_WRITE | PERM_RESIZE;
    for (int i = 0; i < 4; i++) {
        int r = 0;
        if (held & (1 << i))
            r = lock_byte(fd, LOCK_PERM_BASE + i, F_RDLCK, F_OFD_SETLK);
        if (!r && (unshared & (1 << i)))
            r = lock_byte(fd, LOCK_SHARED_BASE + i, F_RDLCK, F_OFD_SETLK);
        if (r == -EINVAL || r == -ENOSYS || r == -EOPNOTSUPP)
            return 0; /* the file system has no locks: nothing to protect with */
        if (r) {
            snprintf(err, errlen, "Failed to lock %s: %s", path, strerror(-r));
            return r;
        }
    }
    /* Now that our bytes are held, nobody else may hold a conflicting one. */
    for (int i = 0; i < 4; i++) {
        int r = 0;
        if (held & (1 << i))
            r = lock_byte(fd, LOCK_SHARED_BASE + i, F_WRLCK, F_OFD_GETLK);
        if (!r && (unshared & (1 << i)))
            r = lock_byte(fd, LOCK_PERM_BASE + i, F_WRLCK, F_OFD_GETLK);
        if (r == -EBUSY) {
            /* QEMU's wording: "shared" when the other side refuses to share. */
            snprintf(err, errlen,
                     "Failed to get %s\"%s\" lock on %s: is another process using the image?",
                     (held & (1 << i)) ? "" : "shared ", perm_name(i), path);
            return r;
        }
    }
    return 0;
}

int blk_file_open(const char *path, int flags, char *err, size_t errlen)
{
    bool rdonly = flags & BLK_RDONLY;
    int fd = open(path, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "Could not open '%s': %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "Could not open '%s': Is a directory", path);
        return -EISDIR;
    }
    if (!(flags & BLK_NOLOCK)) {
        int r = blk_file_lock(fd, !rdonly, path, err, errlen);
        if (r) {
            close(fd);
            return r;
        }
    }
    return fd;
}

int blk_file_create(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "Could not create '%s': %s", path, strerror(e));
        return -e;
    }
    /* Lock before truncating, so an image in use is never destroyed. */
    int r = blk_file_lock(fd, true, path, err, errlen);
    if (!r && ftruncate(fd, 0) < 0) {
        r = -errno;
        snprintf(err, errlen, "Could not truncate '%s': %s", path, strerror(-r));
    }
    if (r) {
        close(fd);
        return r;
    }
    return fd;
}

void blk_file_close(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the description drops its OFD locks */
}

ssize_t blk_pread(int fd, void *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int blk_pread_zf(int fd, void *buf, size_t len, uint64_t off)
{
    ssize_t n = blk_pread(fd, buf, len, off);
    if (n < 0)
        return (int)n;
    memset((uint8_t *)buf + n, 0, len - (size_t)n);
    return 0;
}

int blk_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(fd, (const uint8_t *)buf + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        done += (size_t)n;
    }
    return 0;
}

int blk_fsync(int fd)
{
    return fsync(fd) < 0 ? -errno : 0;
}

int blk_file_truncate(int fd, uint64_t size)
{
    return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
}

int64_t blk_file_size(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        return end < 0 ? -errno : end;
    }
    return st.st_size;
}

uint64_t blk_file_allocated(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return 0;
    return (uint64_t)st.st_blocks * 512;
}
