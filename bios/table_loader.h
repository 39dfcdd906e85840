/* QEMU's BIOS linker/loader script (fw_cfg "etc/table-loader", QEMU
 * hw/acpi/bios-linker-loader.c; run by SeaBIOS src/fw/romfile_loader.c):
 * fixed 128-byte commands that allocate fw_cfg files in guest memory, patch
 * pointers between them and fix checksums once their addresses are known. */
#ifndef VX86_TABLE_LOADER_H
#define VX86_TABLE_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define TABLE_LOADER_FILESZ  56  /* file name field, NUL padded */
#define TABLE_LOADER_CMD_LEN 128 /* every command: u32 command + 124 bytes */

enum {
    TABLE_LOADER_ALLOCATE = 1,     /* file[56], u32 align, u8 zone */
    TABLE_LOADER_ADD_POINTER = 2,  /* dest[56], src[56], u32 offset, u8 size */
    TABLE_LOADER_ADD_CHECKSUM = 3, /* file[56], u32 offset, u32 start, u32 length */
};
enum {
    TABLE_LOADER_ZONE_HIGH = 1, /* anywhere in RAM (SeaBIOS malloc_high) */
    TABLE_LOADER_ZONE_FSEG = 2, /* the F segment, below 1 MiB (the RSDP) */
};

/* Offsets inside a command (all little endian). */
#define TABLE_LOADER_OFF_FILE     4                 /* alloc/cksum file, pointer dest */
#define TABLE_LOADER_OFF_SRC      (4 + 56)          /* pointer source file */
#define TABLE_LOADER_OFF_ALIGN    (4 + 56)          /* alloc: u32 align */
#define TABLE_LOADER_OFF_ZONE     (4 + 56 + 4)      /* alloc: u8 zone */
#define TABLE_LOADER_OFF_PTR_OFF  (4 + 56 + 56)     /* pointer: u32 offset in dest */
#define TABLE_LOADER_OFF_PTR_SZ   (4 + 56 + 56 + 4) /* pointer: u8 size (1, 2, 4, 8) */
#define TABLE_LOADER_OFF_CK_OFF   (4 + 56)          /* checksum: u32 byte to fix */
#define TABLE_LOADER_OFF_CK_START (4 + 56 + 4)      /* checksum: u32 start */
#define TABLE_LOADER_OFF_CK_LEN   (4 + 56 + 8)      /* checksum: u32 length */

struct table_loader;

struct table_loader *table_loader_create(void);
void table_loader_destroy(struct table_loader *tl);
/* Allocate `file` (align: a power of two) in `zone`. */
void table_loader_alloc(struct table_loader *tl, const char *file, uint32_t align, int zone);
/* Add the guest address of src_file to the size-byte little-endian value
 * at `offset` in dest_file (which holds the offset inside src_file). */
void table_loader_add_pointer(struct table_loader *tl, const char *dest_file, const char *src_file,
                              uint32_t offset, uint8_t size);
/* Make bytes [start, start + length) of `file` sum to 0 by adjusting the
 * byte at `offset` (which lies inside the range). */
void table_loader_add_checksum(struct table_loader *tl, const char *file, uint32_t offset,
                               uint32_t start, uint32_t length);
/* The script so far; -1 from table_loader_len() if memory ran out. */
const uint8_t *table_loader_data(const struct table_loader *tl);
long table_loader_len(const struct table_loader *tl);

#endif
