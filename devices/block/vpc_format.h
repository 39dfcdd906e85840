/* VHD ("vpc") on-disk layout (Microsoft "Virtual Hard Disk Image Format
 * Specification" 1.0) and the driver's private state, shared by vpc*.c. */
#ifndef VX86_BLOCK_VPC_FORMAT_H
#define VX86_BLOCK_VPC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/block/blockdev.h"

#define VPC_FOOTER_SIZE   512
#define VPC_HEADER_SIZE   1024
#define VPC_TYPE_FIXED    2
#define VPC_TYPE_DYNAMIC  3
#define VPC_TYPE_DIFF     4
#define VPC_BAT_UNUSED    0xffffffffu
#define VPC_NO_OFFSET     0xffffffffffffffffull
#define VPC_BLOCK_DEFAULT (2u << 20) /* 2 MiB */
#define VPC_MAX_BLOCK     (256u << 20)
#define VPC_MAX_GEOMETRY  (65535ull * 16 * 255) /* sectors */
#define VPC_MAX_SECTORS   (2040ull << 31)       /* 2040 GiB, the spec's limit */
#define VPC_EPOCH         946684800             /* 2000-01-01T00:00:00Z in Unix time */

/* Footer field offsets ("Hard Disk Footer Format"), big-endian. */
#define VPC_F_COOKIE      0 /* "conectix" */
#define VPC_F_FEATURES    8
#define VPC_F_VERSION     12
#define VPC_F_DATA_OFFSET 16 /* dynamic header, or VPC_NO_OFFSET */
#define VPC_F_TIMESTAMP   24
#define VPC_F_CREATOR_APP 28
#define VPC_F_CREATOR_VER 32
#define VPC_F_CREATOR_OS  36
#define VPC_F_ORIG_SIZE   40
#define VPC_F_CUR_SIZE    48
#define VPC_F_CYLS        56
#define VPC_F_HEADS       58
#define VPC_F_SPT         59
#define VPC_F_TYPE        60
#define VPC_F_CHECKSUM    64
#define VPC_F_UUID        68
#define VPC_F_SAVED       84

/* Dynamic disk header field offsets ("Dynamic Disk Header Format"). */
#define VPC_H_COOKIE      0 /* "cxsparse" */
#define VPC_H_DATA_OFFSET 8
#define VPC_H_TABLE       16 /* BAT offset */
#define VPC_H_VERSION     24
#define VPC_H_MAX_ENTRIES 28
#define VPC_H_BLOCK_SIZE  32
#define VPC_H_CHECKSUM    36
#define VPC_H_PARENT_UUID 40
#define VPC_H_PARENT_TIME 56
#define VPC_H_PARENT_NAME 64  /* 512 bytes UTF-16BE */
#define VPC_H_LOCATORS    576 /* 8 entries of 24 bytes */

uint32_t vpc_checksum(const uint8_t *p, size_t len, size_t csum_off);
void vpc_geometry(uint64_t sectors, uint16_t *cyls, uint8_t *heads, uint8_t *spt);
uint64_t vpc_footer_sectors(const uint8_t *footer);

struct vpc {
    int fd;
    int type; /* VPC_TYPE_* */
    uint8_t footer[VPC_FOOTER_SIZE];
    uint8_t header[VPC_HEADER_SIZE];
    bool footer_from_copy; /* the footer at the end was bad; the copy at 0 is used */
    uint64_t sectors;      /* virtual size as reported */
    uint64_t header_off;   /* bytes */
    uint64_t bat_off;      /* bytes */
    uint32_t bat_entries;
    uint32_t *bat;       /* host-endian */
    uint32_t block_size; /* bytes */
    uint32_t block_sectors;
    uint32_t bitmap_bytes; /* sector-aligned */
    uint64_t free_off;     /* where the next block goes (the end footer) */
    uint8_t *bitmap;       /* cached bitmap of bitmap_block */
    uint32_t bitmap_block;
    bool bitmap_valid;
    char *parent; /* differencing: parent path as found (relative to the image) */
};

/* vpc_create.c */
int vpc_create(const char *filename, const struct blk_create_opts *opts, char *err, size_t errlen);
int vpc_random_uuid(uint8_t *uuid);
/* vpc_check.c */
int vpc_check(struct blockdev *bd, struct blk_check_result *res);

#endif
