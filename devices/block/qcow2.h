/* qcow2 driver internals, shared by qcow2*.c. The format is QEMU's
 * docs/interop/qcow2.txt (versions 2 and 3, no encryption). */
#ifndef VX86_BLOCK_QCOW2_H
#define VX86_BLOCK_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/block/blockdev.h"

#define QCOW2_MAGIC              0x514649fbu /* "QFI\xfb" */
#define QCOW2_MIN_CLUSTER_BITS   9
#define QCOW2_MAX_CLUSTER_BITS   21
#define QCOW2_V2_HEADER_LEN      72
#define QCOW2_V3_HEADER_LEN      104
#define QCOW2_MAX_L1_ENTRIES     (32u << 20) /* QEMU's limit: 256 MiB of L1 */
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)  /* QEMU's limit */
#define QCOW2_MAX_SNAPSHOTS      65536

/* Header extension types */
#define QCOW2_EXT_END            0
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE  0x6803f857u

/* Incompatible feature bits */
#define QCOW2_INCOMPAT_DIRTY       (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT     (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE   (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2       (1ull << 4)

/* L1/L2 entry layout */
#define QCOW2_OFLAG_COPIED     (1ull << 63) /* refcount is exactly 1: write in place */
#define QCOW2_OFLAG_COMPRESSED (1ull << 62) /* L2: a deflate-compressed cluster */
#define QCOW2_OFLAG_ZERO       1ull         /* L2 (v3): reads as zeros */
#define QCOW2_OFFSET_MASK      0x00fffffffffffe00ull
#define QCOW2_REFT_OFFSET_MASK 0xfffffffffffffe00ull

#define QCOW2_L2_CACHE 8

struct qcow2_l2_slot {
    uint64_t offset; /* host offset of the cached table, 0 = empty */
    uint64_t *table; /* entries in host byte order */
    uint64_t used;   /* LRU stamp */
};

struct qcow2 {
    int fd;
    bool rdonly;
    uint32_t version;
    uint32_t cluster_bits;
    uint64_t cluster_size;
    uint32_t l2_bits; /* entries per L2 table = 1 << l2_bits */
    uint64_t size;    /* virtual size in bytes */
    uint64_t incompat, compat, autoclear;
    uint32_t header_length;
    uint32_t refcount_order; /* refcount width = 1 << refcount_order bits */
    uint32_t rb_bits;        /* refcount entries per block = 1 << rb_bits */

    uint64_t l1_offset;
    uint32_t l1_size;
    uint64_t *l1;

    uint64_t rt_offset;
    uint32_t rt_clusters;
    uint64_t rt_size; /* entries */
    uint64_t *rt;

    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    char *backing_file;
    char *backing_format;
    uint64_t backing_name_offset; /* where the backing name starts (ends the extensions) */

    uint64_t alloc_end; /* new clusters are taken here (cluster aligned) */
    uint64_t file_size; /* at open, for the bounds checks */

    struct qcow2_l2_slot l2c[QCOW2_L2_CACHE];
    uint64_t l2c_clock;
    uint64_t rb_offset; /* the cached refcount block, 0 = none */
    uint8_t *rb;

    uint8_t *cluster_buf; /* one cluster of scratch */
    uint8_t *dec_buf;     /* the last decompressed cluster */
    uint64_t dec_entry;   /* its L2 entry, 0 = none */
    uint8_t *comp_buf;    /* compressed input */
};

/* qcow2.c: header parsing shared with check and the fuzz target */
int qcow2_parse_header(struct qcow2 *s, const uint8_t *hdr, size_t len, uint64_t file_size,
                       char *err, size_t errlen);
void qcow2_free(struct qcow2 *s);

/* qcow2_refcount.c */
int qcow2_get_refcount(struct qcow2 *s, uint64_t cluster, uint64_t *ref);
int qcow2_update_refcount(struct qcow2 *s, uint64_t cluster, int delta);
int64_t qcow2_alloc_clusters(struct qcow2 *s, uint64_t n);
int qcow2_free_range(struct qcow2 *s, uint64_t offset, uint64_t len);
uint64_t qcow2_refcount_get_entry(const uint8_t *block, uint64_t index, uint32_t order);
void qcow2_refcount_set_entry(uint8_t *block, uint64_t index, uint32_t order, uint64_t value);

/* qcow2_rw.c */
int qcow2_get_l2(struct qcow2 *s, uint64_t l2_offset, uint64_t **table);
int qcow2_decompress(struct qcow2 *s, uint64_t entry, uint8_t *out);
int qcow2_rw_read(struct blockdev *bd, uint64_t sector, void *buf, uint32_t count);
int qcow2_rw_write(struct blockdev *bd, uint64_t sector, const void *buf, uint32_t count);
int qcow2_rw_is_allocated(struct blockdev *bd, uint64_t sector, uint32_t count, uint32_t *run);

/* qcow2_create.c, qcow2_check.c */
int qcow2_create(const char *filename, const struct blk_create_opts *opts, char *err,
                 size_t errlen);
int qcow2_check(struct blockdev *bd, struct blk_check_result *res);

static inline uint64_t qcow2_csize_shift(const struct qcow2 *s)
{
    return 62 - (s->cluster_bits - 8);
}

#endif
