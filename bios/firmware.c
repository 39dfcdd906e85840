/* Loading the firmware images of the PC and building the tables SeaBIOS
 * reads through fw_cfg. */
#include "bios/firmware.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bios/rom.h"

int firmware_load_bios(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    return rom_load_file(path ? path : FIRMWARE_DEFAULT_BIOS, data, size, err, errlen);
}

int firmware_load_option_rom(const char *path, uint8_t **data, size_t *size, char *err,
                             size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open option ROM '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > (off_t)FIRMWARE_MAX_OPTION_ROM) {
        snprintf(err, errlen, "option ROM '%s' must be a regular file of 1 byte to %u KiB", path,
                 FIRMWARE_MAX_OPTION_ROM >> 10);
        fclose(f);
        return -1;
    }
    uint8_t *buf = malloc((size_t)st.st_size);
    if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        snprintf(err, errlen, "cannot read option ROM '%s'", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = buf;
    *size = (size_t)st.st_size;
    return 0;
}

static size_t e820_put(uint8_t *buf, size_t cap, size_t off, uint64_t addr, uint64_t len,
                       uint32_t type)
{
    if (off + 20 > cap)
        return off;
    for (int i = 0; i < 8; i++) {
        buf[off + i] = (uint8_t)(addr >> (8 * i));
        buf[off + 8 + i] = (uint8_t)(len >> (8 * i));
    }
    for (int i = 0; i < 4; i++)
        buf[off + 16 + i] = (uint8_t)(type >> (8 * i));
    return off + 20;
}

size_t firmware_e820(uint64_t ram_size, uint8_t *buf, size_t cap)
{
    /* QEMU (hw/i386/pc.c): one RAM entry per contiguous block of RAM below
     * and above 4 GiB; the 640K-1M hole is SeaBIOS's to describe. */
    uint64_t below_4g = ram_size < 0xe0000000ull ? ram_size : 0xe0000000ull;
    size_t off = e820_put(buf, cap, 0, 0, below_4g, 1);
    if (ram_size > below_4g)
        off = e820_put(buf, cap, off, 1ull << 32, ram_size - below_4g, 1);
    return off;
}
