/* Loading and mapping the -bios image. On a PC the firmware flash decodes at
 * the top of the 4 GiB space (the reset vector is 0xFFFFFFF0) and its last
 * 128 KiB are also decoded at 0xE0000-0xFFFFF for real-mode code. */
#include "bios/rom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mmu/memmap.h"

bool rom_check_size(uint64_t size, char *err, size_t errlen) {
    if (size < ROM_MIN_SIZE || size > ROM_MAX_SIZE || size % ROM_ALIGN) {
        snprintf(err, errlen,
                 "ROM image is %llu bytes; it must be 64 KiB to 2 MiB, a multiple of 64 KiB",
                 (unsigned long long)size);
        return false;
    }
    return true;
}

int rom_load_file(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open ROM '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "ROM '%s' is not a regular file", path);
        fclose(f);
        return -1;
    }
    char why[160];
    if (!rom_check_size((uint64_t)st.st_size, why, sizeof why)) {
        snprintf(err, errlen, "'%s': %s", path, why);
        fclose(f);
        return -1;
    }
    uint8_t *buf = malloc((size_t)st.st_size);
    if (!buf) {
        snprintf(err, errlen, "out of memory loading '%s'", path);
        fclose(f);
        return -1;
    }
    if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        snprintf(err, errlen, "cannot read ROM '%s'", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = buf;
    *size = (size_t)st.st_size;
    return 0;
}

void rom_map(struct memmap *mem, uint8_t *image, size_t size) {
    size_t isa = size < ROM_ISA_ALIAS ? size : ROM_ISA_ALIAS;
    memmap_add_ram(mem, (1ull << 32) - size, size, image, true);
    /* Mapped after RAM so it takes precedence below 1 MiB. */
    memmap_add_ram(mem, 0x100000 - isa, isa, image + size - isa, true);
}
