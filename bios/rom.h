/* The firmware image given with -bios: loading it from a file, checking its
 * size, and mapping it where a PC's reset vector finds it. */
#ifndef VX86_ROM_H
#define VX86_ROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memmap;

#define ROM_MIN_SIZE (64u << 10)   /* 64 KiB */
#define ROM_MAX_SIZE (2u << 20)    /* 2 MiB */
#define ROM_ALIGN (64u << 10)      /* sizes are whole multiples of 64 KiB */
#define ROM_ISA_ALIAS (128u << 10) /* the last 128 KiB also appear at 0xE0000-0xFFFFF */

/* True if `size` is a valid ROM size; otherwise false with a message in err. */
bool rom_check_size(uint64_t size, char *err, size_t errlen);
/* Read a whole ROM file into a malloc'ed buffer (size-checked). Returns 0, or
 * -1 with a message in err. */
int rom_load_file(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen);
/* Map `image` (host memory that must outlive the map) read-only at
 * 4 GiB - size, and its last min(size, 128 KiB) ending at 1 MiB. */
void rom_map(struct memmap *mem, uint8_t *image, size_t size);

#endif
