/* QEMU's firmware configuration device (docs/specs/fw_cfg.rst in QEMU): a
 * 16-bit selector at 0x510, a byte-wide data port at 0x511 and the DMA
 * interface at 0x514-0x51B. Items are blobs by key; named files live at keys
 * from FW_CFG_FILE_FIRST and are listed in the directory FW_CFG_FILE_DIR. */
#ifndef VX86_FW_CFG_H
#define VX86_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct fw_cfg;

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA  0x514

/* Item keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE      0x00 /* "QEMU" */
#define FW_CFG_ID             0x01 /* u32 LE: bit 0 traditional interface, bit 1 DMA */
#define FW_CFG_UUID           0x02
#define FW_CFG_RAM_SIZE       0x03 /* u64 LE */
#define FW_CFG_NOGRAPHIC      0x04
#define FW_CFG_NB_CPUS        0x05 /* u16 LE */
#define FW_CFG_MACHINE_ID     0x06
#define FW_CFG_KERNEL_ADDR    0x07
#define FW_CFG_KERNEL_SIZE    0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR    0x0a
#define FW_CFG_INITRD_SIZE    0x0b
#define FW_CFG_BOOT_DEVICE    0x0c
#define FW_CFG_NUMA           0x0d
#define FW_CFG_BOOT_MENU      0x0e /* u16 LE */
#define FW_CFG_MAX_CPUS       0x0f /* u16 LE */
#define FW_CFG_KERNEL_ENTRY   0x10
#define FW_CFG_KERNEL_DATA    0x11
#define FW_CFG_INITRD_DATA    0x12
#define FW_CFG_CMDLINE_ADDR   0x13
#define FW_CFG_CMDLINE_SIZE   0x14
#define FW_CFG_CMDLINE_DATA   0x15
#define FW_CFG_SETUP_ADDR     0x16
#define FW_CFG_SETUP_SIZE     0x17
#define FW_CFG_SETUP_DATA     0x18
#define FW_CFG_FILE_DIR       0x19
#define FW_CFG_FILE_FIRST     0x20
#define FW_CFG_FILE_SLOTS     0x100 /* files at 0x20..0x11f */
#define FW_CFG_WRITE_CHANNEL  0x4000
#define FW_CFG_ARCH_LOCAL     0x8000
#define FW_CFG_ENTRY_MASK     0x3fff /* key bits below the arch-local bit */
#define FW_CFG_ACPI_TABLES    0x8000 /* x86 legacy items */
#define FW_CFG_SMBIOS_ENTRIES 0x8001
#define FW_CFG_IRQ0_OVERRIDE  0x8002
#define FW_CFG_E820_TABLE     0x8003
#define FW_CFG_HPET           0x8004

#define FW_CFG_VERSION       0x01 /* FW_CFG_ID bits */
#define FW_CFG_VERSION_DMA   0x02
#define FW_CFG_MAX_FILE_PATH 56 /* name field of a directory entry */

/* DMA control bits (the first big-endian u32 of the access structure). */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10
#define FW_CFG_DMA_SIGNATURE  0x51454d5520434647ull /* "QEMU CFG", read at 0x514 */

/* e820 entry types (the "etc/e820" file holds packed {u64 addr, u64 len, u32 type}). */
#define E820_RAM      1
#define E820_RESERVED 2

/* The device with its signature and id items, registered at 0x510/0x511
 * (and 0x514 when dma is true) on m's port map; DMA reads/writes guest
 * memory through m's memory map. */
struct fw_cfg *fw_cfg_create(struct machine *m, bool dma);
void fw_cfg_destroy(struct fw_cfg *f);

/* Set item `key` to a copy of data (replacing what was there). */
void fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, size_t len);
void fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v); /* little endian */
void fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v);
void fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v);
void fw_cfg_add_string(struct fw_cfg *f, uint16_t key, const char *s); /* with its NUL */
/* Add (or replace) a named file; the directory stays sorted by name as QEMU
 * keeps it. Returns its key, or -1 if the name is too long or no slot is
 * left. */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, size_t len);
/* The key of a file, or -1. */
int fw_cfg_find_file(const struct fw_cfg *f, const char *name);

/* The state table registered with the machine (selected item and read
 * position; the items are configuration, rebuilt by the board). */
struct vmstate;
const struct vmstate *fw_cfg_vmstate(void);

#endif
