/* The PC board (i440FX + PIIX3, as QEMU's "pc" machine that SeaBIOS
 * expects): pc_create() builds the machine and wires every device in order;
 * the accessors hand the devices to the frontend. */
#ifndef VX86_PC_H
#define VX86_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/machine.h"

struct acpi_pm;
struct chardev;
struct fw_cfg;
struct i8042;
struct pci_bus;
struct pc;
struct pic;
struct pit;
struct rtc;
struct uart;
struct vga;

#define PC_NUM_UARTS       4  /* COM1-COM4 at 0x3F8/0x2F8/0x3E8/0x2E8, IRQ 4/3/4/3 */
#define PC_MAX_OPTION_ROMS 8  /* -option-rom files (fw_cfg "genroms/NAME") */
#define PC_MAX_FW_FILES    16 /* extra fw_cfg files given by the caller */

struct pc_fw_file {
    const char *name; /* fw_cfg file name, e.g. "genroms/boot.bin" */
    const void *data; /* copied */
    size_t size;
};

/* A drive from -hda/-cdrom/-fda/-drive: the board opens the image
 * (blk_open) and puts it on its controller. */
#define PC_MAX_DRIVES 8
enum pc_drive_if { PC_IF_IDE, PC_IF_FLOPPY };
enum pc_drive_media { PC_MEDIA_DISK, PC_MEDIA_CDROM };
struct pc_drive {
    const char *file;   /* image; NULL = an empty drive (CD-ROM without a disc) */
    const char *format; /* block driver name; NULL = probe */
    int interface;      /* PC_IF_IDE or PC_IF_FLOPPY */
    int media;          /* PC_MEDIA_DISK or PC_MEDIA_CDROM (IDE only) */
    int index;          /* IDE 0-3: primary master/slave, secondary master/slave;
                           floppy 0-1 */
    bool readonly;      /* readonly=on (always for a CD-ROM) */
    bool snapshot;      /* snapshot=on or -snapshot: writes are discarded at exit */
};

struct pc_config {
    /* RAM size, debug console, run options, frontend hooks. machine.bios may
     * be NULL: the board then loads bios_path, or the default firmware
     * (bios/firmware.h). */
    struct machine_config machine;
    const char *bios_path;                /* -bios FILE when machine.bios is NULL; NULL = default */
    const char *vga_bios_path;            /* VGA option ROM; NULL = default, "" = none */
    struct chardev *serial[PC_NUM_UARTS]; /* COM1-4 backends; NULL = nothing attached */
    /* -boot order=: a (floppy), c (disk), d (CD-ROM), n (network: option ROM
     * boot entries), first to try first; NULL = "cad" as QEMU. */
    const char *boot_order;
    bool boot_menu;     /* -boot menu=on */
    int64_t rtc_base;   /* -rtc base=: seconds since the epoch (UTC); 0 = host clock */
    bool rtc_localtime; /* -rtc base=localtime */
    const char *option_roms[PC_MAX_OPTION_ROMS]; /* -option-rom FILE: fw_cfg genroms/ */
    struct pc_fw_file fw_files[PC_MAX_FW_FILES]; /* extra fw_cfg files (tests, -fw_cfg) */
    struct pc_drive drives[PC_MAX_DRIVES];       /* -hda..-hdd, -cdrom, -fda/-fdb, -drive */
    int ndrives;
    /* Direct kernel boot (bios/linux_boot.h): a bzImage booted through
     * SeaBIOS and the linuxboot option ROM, or with bios_path "none" by vx86
     * itself; a multiboot kernel always by vx86. NULL = none. */
    const char *kernel;
    const char *initrd; /* -initrd FILE (multiboot: modules "a,b") */
    const char *append; /* -append CMDLINE */
};

#define PC_BIOS_NONE "none" /* -bios none: no firmware (needs -kernel) */

/* Build the PC; NULL with a message in err on failure (firmware file
 * missing, bad sizes, no memory). */
struct pc *pc_create(const struct pc_config *cfg, char *err, size_t errlen);
/* Run until the guest stops it (machine_run()). */
int pc_run(struct pc *pc);
void pc_destroy(struct pc *pc);

struct machine *pc_machine(struct pc *pc);
struct pci_bus *pc_pci_bus(struct pc *pc);
struct fw_cfg *pc_fw_cfg(struct pc *pc);
struct vga *pc_vga(struct pc *pc);          /* NULL when the board has no VGA */
struct i8042 *pc_keyboard(struct pc *pc);   /* the 8042 (PS/2 keyboard and mouse) */
struct uart *pc_uart(struct pc *pc, int i); /* COM(i+1), 0 <= i < PC_NUM_UARTS */
struct pic *pc_pic(struct pc *pc);
struct pit *pc_pit(struct pc *pc);
struct rtc *pc_rtc(struct pc *pc);
/* The ACPI PM function: acpi_pm_press_power_button() asks an ACPI guest to
 * power off (devices/acpi_pm.h). */
struct acpi_pm *pc_acpi_pm(struct pc *pc);

#endif
