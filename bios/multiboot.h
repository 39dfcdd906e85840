/* Multiboot v1 (Multiboot Specification 0.6.96): the header in the first
 * 8 KiB, an ELF kernel loaded by its program headers (libelf) or the a.out
 * kludge addresses, the info structure with memory map, command line and
 * modules; EAX = 0x2BADB002, EBX = info. */
#ifndef VX86_MULTIBOOT_H
#define VX86_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC     0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT_SEARCH           8192 /* the header is in the first 8 KiB, 4-aligned */

/* Info flags (spec 3.3). */
#define MB_INFO_MEMORY      0x001
#define MB_INFO_CMDLINE     0x004
#define MB_INFO_MODS        0x008
#define MB_INFO_MEM_MAP     0x040
#define MB_INFO_LOADER_NAME 0x200

struct machine;

/* Offset of a valid multiboot header in image, or -1 (not multiboot). */
long multiboot_find_header(const uint8_t *image, size_t size);

struct multiboot;
/* Check and lay out the kernel and its modules (modules: "a,b", ",," a
 * comma; may be NULL); NULL with a message in err. */
struct multiboot *multiboot_create(const uint8_t *image, size_t size, const char *kernel_path,
                                   const char *modules, const char *append, uint64_t ram_size,
                                   char *err, size_t errlen);
/* Load everything into m's RAM and enter the kernel (kernel_boot_enter_flat32). */
void multiboot_boot(struct multiboot *mb, struct machine *m);
void multiboot_destroy(struct multiboot *mb);

#endif
