/* Direct kernel boot (-kernel/-initrd/-append): the Linux/x86 boot protocol
 * (Documentation/x86/boot.rst) and, through bios/multiboot.h, Multiboot v1. */
#ifndef VX86_LINUX_BOOT_H
#define VX86_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct fw_cfg;

struct kernel_boot_config {
    const char *kernel; /* bzImage or multiboot ELF */
    const char *initrd; /* Linux: one initrd; multiboot: modules "a,b" (",," = a comma) */
    const char *append; /* command line; NULL = "" */
    bool firmware;      /* SeaBIOS runs first and boots the kernel through the
                           genroms/linuxboot.bin option ROM and fw_cfg (Linux
                           only); false: vx86 loads it and sets the CPU state */
    uint64_t ram_size;
};

/* Where the firmware-less boot puts its structures (below the EBDA). */
#define KBOOT_GDT_ADDR     0x8000  /* flat code 0x10, flat data 0x18 (__BOOT_CS/__BOOT_DS) */
#define KBOOT_PARAMS_ADDR  0x90000 /* Linux boot_params ("zero page") / multiboot info */
#define KBOOT_CMDLINE_ADDR 0x20000 /* command line (both paths) */
#define KBOOT_SETUP_ADDR   0x10000 /* real-mode setup code (through SeaBIOS) */
#define KBOOT_KERNEL_ADDR  0x100000

struct kernel_boot;
/* Read and check the kernel (and initrd/modules); with firmware, add the
 * fw_cfg items and the option ROM to f; without, load the images into RAM
 * and point the CPU at the kernel, now and after every reset. NULL with a
 * clear message in err: "not a bzImage", too old a protocol, initrd too
 * large, unreadable files, bad multiboot header. */
struct kernel_boot *kernel_boot_create(struct machine *m, struct fw_cfg *f,
                                       const struct kernel_boot_config *cfg, char *err,
                                       size_t errlen);
void kernel_boot_destroy(struct kernel_boot *kb);

/* Shared by the loaders: the CPU in 32-bit protected mode with flat 4 GiB
 * segments (CS 0x10, DS/ES/SS/FS/GS 0x18, GDT at KBOOT_GDT_ADDR), paging
 * off, interrupts off, A20 on, at `eip` with the given EAX/EBX/ESI. */
void kernel_boot_enter_flat32(struct machine *m, uint32_t eip, uint32_t eax, uint32_t ebx,
                              uint32_t esi);
/* Read a whole file; NULL with a message. */
uint8_t *kernel_boot_read_file(const char *path, size_t *size, char *err, size_t errlen);
/* The e820 map vx86 reports without firmware: low RAM to 0x9FC00, the
 * EBDA/ROM areas reserved, RAM from 1 MiB. Packed 20-byte entries; returns
 * the count (<= max). */
int kernel_boot_e820(uint64_t ram_size, uint8_t *buf, int max);

#endif
