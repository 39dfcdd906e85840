/* VMDK on-disk layout (VMware "Virtual Disk Format 1.1") and the driver's
 * private state, shared by vmdk.c, vmdk_stream.c, vmdk_create.c, vmdk_check.c. */
#ifndef VX86_BLOCK_VMDK_FORMAT_H
#define VX86_BLOCK_VMDK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/block/blockdev.h"

#define VMDK_MAGIC            0x564d444bu /* "KDMV" as a little-endian uint32 */
#define VMDK_FLAG_NL_DETECT   (1u << 0)   /* newline-detection bytes are valid */
#define VMDK_FLAG_RGD         (1u << 1)   /* redundant grain directory used */
#define VMDK_FLAG_ZERO_GRAIN  (1u << 2)   /* GT entry 1 = grain of zeros */
#define VMDK_FLAG_COMPRESSED  (1u << 16)  /* grains are deflate-compressed */
#define VMDK_FLAG_MARKERS     (1u << 17)  /* stream markers present */
#define VMDK_COMPRESS_DEFLATE 1
#define VMDK_GD_AT_END        0xffffffffffffffffull /* streamOptimized: GD in the footer */
#define VMDK_MARKER_EOS       0
#define VMDK_MARKER_GT        1
#define VMDK_MARKER_GD        2
#define VMDK_MARKER_FOOTER    3

#define VMDK_MAX_EXTENTS 64
#define VMDK_MAX_GRAIN   65536u /* sectors (32 MiB) */
#define VMDK_MAX_GTES    65536u
#define VMDK_MAX_SECTORS (1ull << 41)  /* 1 PiB */
#define VMDK_MAX_DESC    (1 << 20)     /* descriptor text, bytes */
#define VMDK_SPLIT_BYTES 0x7fff0000ull /* twoGbMaxExtent*: 2 GiB - 64 KiB per file */

static inline uint32_t vmdk_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t vmdk_le64(const uint8_t *p)
{
    return vmdk_le32(p) | (uint64_t)vmdk_le32(p + 4) << 32;
}
static inline void vmdk_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void vmdk_put_le64(uint8_t *p, uint64_t v)
{
    vmdk_put_le32(p, (uint32_t)v);
    vmdk_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* SparseExtentHeader (spec 1.1, "Hosted Sparse Extent Header"), 512 bytes LE. */
struct vmdk_header {
    uint32_t magic, version, flags;
    uint64_t capacity;    /* sectors */
    uint64_t grain;       /* sectors per grain */
    uint64_t desc_offset; /* embedded descriptor, sectors */
    uint64_t desc_size;
    uint32_t gtes;       /* entries per grain table (512) */
    uint64_t rgd_offset; /* redundant grain directory, sector */
    uint64_t gd_offset;  /* grain directory, sector (VMDK_GD_AT_END: footer) */
    uint64_t overhead;   /* sectors before the first grain */
    uint8_t unclean;
    uint8_t nl[4]; /* "\n \r\n" */
    uint16_t compress;
};
void vmdk_header_decode(const uint8_t *p, struct vmdk_header *h);
void vmdk_header_encode(uint8_t *p, const struct vmdk_header *h);

enum vmdk_ext_type { VMDK_EXT_FLAT, VMDK_EXT_SPARSE, VMDK_EXT_ZERO };

struct vmdk_desc_extent {
    enum vmdk_ext_type type;
    bool readonly;
    uint64_t sectors;
    uint64_t offset; /* FLAT: sector offset in the file */
    char file[512];
};

struct vmdk_desc {
    uint32_t cid, parent_cid; /* 0xffffffff: none */
    char create_type[64];
    char parent_hint[512];
    int n_extents;
    struct vmdk_desc_extent extents[VMDK_MAX_EXTENTS];
};
int vmdk_parse_descriptor(const char *text, size_t len, struct vmdk_desc *d, char *err,
                          size_t errlen);

struct vmdk_extent {
    enum vmdk_ext_type type;
    int fd; /* -1 for ZERO */
    bool own_fd;
    bool readonly;
    uint64_t start;       /* first virtual sector */
    uint64_t sectors;     /* length in the virtual disk */
    uint64_t flat_offset; /* FLAT: sector offset in the file */
    /* SPARSE */
    struct vmdk_header header;
    uint64_t capacity;
    uint64_t grain; /* sectors per grain */
    uint32_t gtes;  /* entries per GT */
    uint32_t gd_entries;
    uint64_t gd_offset, rgd_offset; /* sectors; rgd 0 = none */
    uint32_t *gd, *rgd;             /* host-endian copies */
    uint32_t **gt;                  /* [gd_entries], NULL where the GD entry is 0 */
    bool compressed, markers, zero_grain;
    uint64_t file_sectors; /* allocation point (end of file) */
    uint8_t *zcache;       /* last inflated grain */
    uint32_t zcache_gte;
    /* streamOptimized being written (convert): one grain filled at a time */
    bool stream_write;
    uint8_t *pending;
    uint64_t pending_grain;
    bool pending_valid;
};

struct vmdk {
    struct vmdk_desc desc;
    struct vmdk_extent ext[VMDK_MAX_EXTENTS];
    unsigned n_ext;
    uint64_t sectors;
    bool desc_in_extent; /* descriptor embedded in ext[0] */
    int desc_fd;         /* descriptor file, when separate */
    bool has_desc_fd;
    bool cid_updated;
};

/* vmdk_stream.c */
int vmdk_stream_begin_write(struct vmdk_extent *e, char *err, size_t errlen);
int vmdk_stream_write(struct vmdk_extent *e, uint64_t rel, const uint8_t *p, uint32_t n);
bool vmdk_stream_read_pending(struct vmdk_extent *e, uint64_t rel, uint8_t *p, uint32_t n);
int vmdk_stream_finish(struct vmdk_extent *e);
/* vmdk_create.c */
int vmdk_create(const char *filename, const struct blk_create_opts *opts, char *err, size_t errlen);
void vmdk_update_cid(struct vmdk *s);
uint32_t vmdk_new_cid(void);
/* vmdk_check.c */
int vmdk_check(struct blockdev *bd, struct blk_check_result *res);

#endif
