/* The linuxboot option ROM (bios/optionrom/linuxboot.asm), assembled by nasm
 * at build time and embedded (bios/optionrom/optionrom.cmake). */
#ifndef VX86_LINUXBOOT_ROM_H
#define VX86_LINUXBOOT_ROM_H

#include <stddef.h>

extern const unsigned char linuxboot_rom[];
extern const size_t linuxboot_rom_size;

#endif
