/* The PC's default firmware (Debian's SeaBIOS and its VGA BIOS) and the
 * other images the board loads: option ROMs for fw_cfg, and the e820 map. */
#ifndef VX86_FIRMWARE_H
#define VX86_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

#define FIRMWARE_DEFAULT_BIOS     "/usr/share/seabios/bios-256k.bin"
#define FIRMWARE_DEFAULT_VGA_BIOS "/usr/share/seabios/vgabios-stdvga.bin"
#define FIRMWARE_MAX_OPTION_ROM   (1u << 20) /* largest option ROM file accepted */

/* Load the system firmware: `path`, or the default SeaBIOS when NULL. Same
 * size rules as -bios (rom_check_size()). 0, or -1 with a message. */
int firmware_load_bios(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen);
/* Load an option ROM image (1 byte to FIRMWARE_MAX_OPTION_ROM). */
int firmware_load_option_rom(const char *path, uint8_t **data, size_t *size, char *err,
                             size_t errlen);

/* The e820 map of the PC as QEMU gives it to SeaBIOS in "etc/e820": RAM
 * from 0 to ram_size (SeaBIOS carves out the EBDA and the BIOS area
 * itself). Writes packed {u64 addr, u64 len, u32 type} entries (20 bytes
 * each, little endian) into buf and returns the byte count (<= cap). */
size_t firmware_e820(uint64_t ram_size, uint8_t *buf, size_t cap);

#endif
