/* Block backends (DESIGN.md "Block backends"): a disk device reads and
 * writes 512-byte sectors of a `blockdev`; image formats (raw, VMDK, VHD,
 * qcow2) and copy-on-write overlays are drivers behind it. */
#ifndef VX86_BLOCKDEV_H
#define VX86_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_SECTOR 512u

/* blk_open flags */
#define BLK_RDONLY 0x01   /* open read-only (shared lock: refused while another process writes) */
#define BLK_SNAPSHOT 0x02 /* writes go to a temporary overlay discarded at close */
#define BLK_NOLOCK 0x04   /* do not take the advisory file lock (tools only) */
#define BLK_NO_BACKING 0x08 /* do not open the backing chain (info/check of one file) */

struct blockdev;

/* What vx86-img info prints, filled by the driver. */
struct blk_info {
    const char *format;         /* driver name, e.g. "vmdk" */
    const char *subformat;      /* e.g. "monolithicSparse", "dynamic"; NULL if none */
    uint64_t virtual_size;      /* bytes */
    uint64_t allocated_size;    /* bytes used on the host (all files) */
    const char *backing_file;   /* NULL if none */
    const char *backing_format; /* NULL if unknown */
    uint32_t cluster_size;      /* allocation unit (qcow2 cluster, VMDK grain); 0 if none */
};

/* Options for creating an image (vx86-img create / convert -O). */
struct blk_create_opts {
    uint64_t size;            /* virtual size in bytes */
    const char *subformat;    /* driver-specific, e.g. "monolithicFlat", "fixed"; NULL = default */
    const char *backing_file; /* overlay on top of this image (qcow2, VHD differencing, VMDK) */
    const char *backing_format;
    int compat;               /* qcow2: 2 or 3 (0 = default 3) */
    uint32_t cluster_size;    /* qcow2: a power of two, 512 to 2 MiB (0 = 64 KiB) */
};

/* Results of a consistency check (vx86-img check). */
struct blk_check_result {
    uint64_t corruptions; /* metadata errors that lose or misplace data */
    uint64_t leaks;       /* allocated but unused clusters/grains/blocks */
    char message[256];    /* first problem found, human readable */
};

/* A format driver: every function returns 0 on success or a negative errno,
 * with a message in err where it takes one. Sector counts are in 512-byte
 * units; drivers may assume buffers of count * 512 bytes, and blk_read /
 * blk_write have already checked the range against bd->sectors.
 *
 * Backing files: the driver reports its backing file through info(); the
 * generic layer (blockdev.c) opens it read-only into bd->backing after
 * open() returns, resolving a relative name against the image's directory.
 * When bd->backing is set and is_allocated exists, blk_read asks it and
 * sends unallocated runs to the backing chain itself, so read() is only
 * called for allocated ranges; without a backing file read() must return
 * zeros for unallocated ranges. A driver that copies a partly written
 * cluster/grain/block reads the old contents with blk_read(bd->backing, ...)
 * (zeros past the backing file's end). Open files with blk_file_open
 * (file_io.h): it takes the advisory lock. */
struct blockdev_driver {
    const char *name;
    /* How confident (0-100) the driver is that this header is its format. */
    int (*probe)(const uint8_t *header, size_t len, const char *filename);
    int (*open)(struct blockdev *bd, const char *filename, int flags, char *err, size_t errlen);
    int (*read)(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count);
    int (*write)(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count);
    int (*flush)(struct blockdev *bd);
    void (*close)(struct blockdev *bd);
    /* Is this range allocated in this layer (for COW reads and convert)? May be NULL = always. */
    int (*is_allocated)(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run);
    int (*create)(const char *filename, const struct blk_create_opts *opts, char *err,
                  size_t errlen);
    int (*info)(struct blockdev *bd, struct blk_info *info);
    int (*check)(struct blockdev *bd, struct blk_check_result *res);
};

struct blockdev {
    const struct blockdev_driver *drv;
    void *priv;               /* the driver's state */
    char *filename;
    uint64_t sectors;         /* virtual size in sectors */
    bool readonly;
    struct blockdev *backing; /* read where this layer is unallocated; NULL if none */
    bool probed;              /* the format was probed, not named (see blk_write) */
};

#define BLK_MAX_CHAIN 64 /* backing files deeper than this are refused (loops) */

/* Open an image; `format` NULL probes the format. Unless BLK_NOLOCK takes
 * QEMU-compatible advisory locks (file_io.c): a writer refuses a file open
 * anywhere else (vx86 or QEMU), a reader one open for writing. */
struct blockdev *blk_open(const char *filename, const char *format, int flags, char *err,
                          size_t errlen);
int blk_read(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count);
int blk_write(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count);
int blk_flush(struct blockdev *bd); /* data and metadata reach stable storage (fsync) */
void blk_close(struct blockdev *bd);
uint64_t blk_sectors(const struct blockdev *bd);
bool blk_readonly(const struct blockdev *bd);

int blk_create(const char *filename, const char *format, const struct blk_create_opts *opts,
               char *err, size_t errlen);
int blk_info(struct blockdev *bd, struct blk_info *info);
int blk_check(struct blockdev *bd, struct blk_check_result *res);
/* 0 if sectors [sector, sector + *run) read as zeros for sure (unallocated in
 * every layer), 1 if they may hold data; *run (<= count, >= 1) says how far
 * the answer holds. For convert's sparse output. Negative errno on error. */
int blk_block_status(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run);
/* A backing (or extent) file name as stored in `image`: absolute names stay,
 * relative ones are relative to image's directory. malloc'ed; NULL if OOM. */
char *blk_resolve_backing(const char *image, const char *backing);
/* The driver that probes best for this file header (raw if none does). */
const struct blockdev_driver *blk_probe(const uint8_t *header, size_t len, const char *filename);

/* The registered drivers (devices/block/registry.c). */
const struct blockdev_driver *blk_find_driver(const char *name);
extern const struct blockdev_driver blk_driver_raw, blk_driver_qcow2, blk_driver_vmdk,
    blk_driver_vpc;

#endif
