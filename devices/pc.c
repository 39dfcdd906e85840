/* The PC board, wired in one place (STYLE.md rule 7): QEMU's "pc" machine
 * as SeaBIOS knows it -- i440FX host bridge, PIIX3 ISA bridge, 8259 PICs,
 * 8254 PIT, MC146818 RTC/CMOS, 8042 + PS/2, four 16550 UARTs, port 0x92,
 * the PCI VGA and fw_cfg -- on the machine core of devices/machine.c. */
#include "devices/pc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bios/acpi_tables.h"
#include "bios/firmware.h"
#include "bios/linux_boot.h"
#include "bios/rom.h"
#include "cpu/cpu.h"
#include "devices/acpi_pm.h"
#include "devices/dma8237.h"
#include "devices/fdc.h"
#include "devices/fw_cfg.h"
#include "devices/i440fx.h"
#include "devices/i8042.h"
#include "devices/ide.h"
#include "devices/block/blockdev.h"
#include "devices/hpet.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/pci.h"
#include "devices/pic.h"
#include "devices/fpu_ferr.h"
#include "devices/piix3.h"
#include "devices/pit.h"
#include "devices/port92.h"
#include "devices/rtc.h"
#include "devices/uart.h"
#include "devices/vga.h"
#include "mmu/memmap.h"

struct pc {
    struct machine *m;
    struct pci_bus *pci;
    struct i440fx *i440fx;
    struct piix3 *piix3;
    struct acpi_pm *acpi_pm; /* PIIX4 PM function at 00:01.3 (SCI on IRQ 9) */
    struct pic *pic;
    struct pit *pit;
    struct rtc *rtc;
    struct i8042 *kbc;
    struct port92 *port92;
    struct fpu_ferr *ferr; /* x87 FERR# -> IRQ13, port 0xF0 */
    struct uart *uart[PC_NUM_UARTS];
    struct vga *vga;
    struct fw_cfg *fw_cfg;
    struct lapic *lapic;   /* the CPU's local APIC at 0xFEE00000 */
    struct ioapic *ioapic; /* I/O APIC at 0xFEC00000 (pins: devices/ioapic.h) */
    struct hpet *hpet;     /* HPET at 0xFED00000 */
    bool irq_src[4];       /* IRQ 0/8 sources: PIT, RTC, HPET timer 0, timer 1 */
    bool irq_out[2];       /* what IRQ 0 and IRQ 8 carry now */
    struct ide *ide;                          /* PIIX3 IDE at 00:01.1 */
    struct blockdev *ide_bd[IDE_MAX_DRIVES];  /* its images (the board closes them) */
    struct dma8237 *dma;                      /* 8237A pair, 0x00-0x0F/0xC0-0xDF/0x81-0x8F */
    struct fdc *fdc;                          /* 82077AA at 0x3F0, IRQ 6, DMA 2 */
    struct blockdev *fd_bd[FDC_DRIVES];       /* floppy images (the board closes them) */
    bool rom_write_logged; /* -d unimp: a write to ROM was reported */
    struct kernel_boot *kboot; /* -kernel (bios/linux_boot.h), or NULL */
};

static const struct {
    uint16_t base;
    int irq;
} pc_com[PC_NUM_UARTS] = {
    {UART_COM1_BASE, UART_COM1_IRQ},
    {UART_COM2_BASE, UART_COM2_IRQ},
    {UART_COM3_BASE, UART_COM3_IRQ},
    {UART_COM4_BASE, UART_COM4_IRQ},
};

/* --- CMOS: what QEMU's pc_cmos_init() stores for SeaBIOS --- */

/* -boot letters to SeaBIOS's CMOS codes (src/boot.c boot_init()). */
static int boot_code(char c)
{
    switch (c) {
    case 'a': return 1; /* floppy */
    case 'c': return 2; /* hard disk */
    case 'd': return 3; /* CD-ROM */
    case 'n': return 4; /* network (BEV: option ROMs) */
    default: return 0;
    }
}

static void pc_cmos_init(struct pc *pc, const struct pc_config *cfg)
{
    struct rtc *r = pc->rtc;
    uint64_t ram = cfg->machine.ram_size;
    uint64_t below_4g = ram < 0xe0000000ull ? ram : 0xe0000000ull;
    uint64_t above_4g = ram - below_4g;

    /* Floppy drive types (drive A high nibble), from the inserted media. */
    int fd_a = fdc_cmos_type(pc->fdc, 0), fd_b = fdc_cmos_type(pc->fdc, 1);
    int nfd = (fd_a != FDC_CMOS_NONE) + (fd_b != FDC_CMOS_NONE);
    rtc_cmos_set(r, 0x10, (uint8_t)(fd_a << 4 | fd_b));
    /* Equipment byte: math coprocessor, PS/2 mouse, EGA/VGA display, and
     * bit 0 floppies present with bits 7:6 their number - 1 (IBM PC AT BIOS
     * technical reference). */
    rtc_cmos_set(r, 0x14, (uint8_t)(0x06 | (nfd ? 0x01 | (nfd - 1) << 6 : 0)));
    /* Base memory in KiB (640), extended memory above 1 MiB in KiB (capped). */
    rtc_cmos_set(r, 0x15, 640 & 0xff);
    rtc_cmos_set(r, 0x16, 640 >> 8);
    uint64_t ext = ram > (1u << 20) ? (ram >> 10) - 1024 : 0;
    if (ext > 0xffff)
        ext = 0xffff;
    rtc_cmos_set(r, 0x17, (uint8_t)ext);
    rtc_cmos_set(r, 0x18, (uint8_t)(ext >> 8));
    rtc_cmos_set(r, 0x30, (uint8_t)ext);
    rtc_cmos_set(r, 0x31, (uint8_t)(ext >> 8));
    /* Memory between 16 MiB and the PCI hole, in 64 KiB units (SeaBIOS
     * qemu_preinit() derives RamSize from it). */
    uint64_t above_16m = below_4g > (16u << 20) ? (below_4g - (16u << 20)) >> 16 : 0;
    if (above_16m > 0xffff)
        above_16m = 0xffff;
    rtc_cmos_set(r, 0x34, (uint8_t)above_16m);
    rtc_cmos_set(r, 0x35, (uint8_t)(above_16m >> 8));
    /* Memory above 4 GiB in 64 KiB units, 3 bytes. */
    uint64_t high = above_4g >> 16;
    rtc_cmos_set(r, 0x5b, (uint8_t)high);
    rtc_cmos_set(r, 0x5c, (uint8_t)(high >> 8));
    rtc_cmos_set(r, 0x5d, (uint8_t)(high >> 16));
    rtc_cmos_set(r, 0x5f, 0); /* CPUs - 1 */
    /* Boot order: 0x3D = 2nd << 4 | 1st, 0x38 = 3rd << 4 | (bit 0: skip
     * the floppy boot-signature check). */
    const char *order = cfg->boot_order ? cfg->boot_order : "cad";
    int b[3] = {0, 0, 0};
    for (int i = 0; i < 3 && order[i]; i++)
        b[i] = boot_code(order[i]);
    rtc_cmos_set(r, 0x3d, (uint8_t)(b[1] << 4 | b[0]));
    rtc_cmos_set(r, 0x38, (uint8_t)(b[2] << 4 | 0x01));
    /* Checksum of 0x10-0x2D at 0x2E (high) / 0x2F (low). */
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += rtc_cmos_get(r, i);
    rtc_cmos_set(r, 0x2e, (uint8_t)(sum >> 8));
    rtc_cmos_set(r, 0x2f, (uint8_t)sum);
}

/* --- fw_cfg: the items SeaBIOS reads (src/fw/paravirt.c) --- */

static int pc_fw_cfg_init(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen)
{
    struct fw_cfg *f = pc->fw_cfg;
    uint64_t ram = cfg->machine.ram_size;
    fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, ram);
    fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1);
    fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, 1);
    fw_cfg_add_i16(f, FW_CFG_NOGRAPHIC, 0);
    /* SeaBIOS maps this key to "etc/show-boot-menu": 0 skips the menu and
     * its wait. */
    fw_cfg_add_i16(f, FW_CFG_BOOT_MENU, cfg->boot_menu ? 1 : 0);
    /* NUMA: no nodes, then each CPU's node (QEMU's numa_fw_cfg layout). */
    uint8_t numa[16] = {0};
    fw_cfg_add_bytes(f, FW_CFG_NUMA, numa, sizeof numa);
    uint8_t uuid[16] = {0};
    fw_cfg_add_bytes(f, FW_CFG_UUID, uuid, sizeof uuid);
    /* Legacy x86 items: no extra ACPI tables or SMBIOS entries (u16
     * counts); SeaBIOS builds its own tables. */
    fw_cfg_add_i16(f, FW_CFG_ACPI_TABLES, 0);
    fw_cfg_add_i16(f, FW_CFG_SMBIOS_ENTRIES, 0);
    uint8_t irq0_override = 1; /* the PIT is on IOAPIC pin 2 (for the MP/ACPI tables) */
    fw_cfg_add_bytes(f, FW_CFG_IRQ0_OVERRIDE, &irq0_override, 1);

    uint8_t e820[4 * 20];
    size_t n = firmware_e820(ram, e820, sizeof e820);
    fw_cfg_add_file(f, "etc/e820", e820, n);
    uint8_t wait[2] = {2500 & 0xff, 2500 >> 8}; /* ms, QEMU's default */
    fw_cfg_add_file(f, "etc/boot-menu-wait", wait, sizeof wait);

    for (int i = 0; i < PC_MAX_OPTION_ROMS && cfg->option_roms[i]; i++) {
        uint8_t *data;
        size_t size;
        if (firmware_load_option_rom(cfg->option_roms[i], &data, &size, err, errlen) < 0)
            return -1;
        const char *base = strrchr(cfg->option_roms[i], '/');
        char name[FW_CFG_MAX_FILE_PATH];
        snprintf(name, sizeof name, "genroms/%s", base ? base + 1 : cfg->option_roms[i]);
        int key = fw_cfg_add_file(f, name, data, size);
        free(data);
        if (key < 0) {
            snprintf(err, errlen, "option ROM '%s': no room in fw_cfg", cfg->option_roms[i]);
            return -1;
        }
    }
    for (int i = 0; i < PC_MAX_FW_FILES && cfg->fw_files[i].name; i++) {
        if (fw_cfg_add_file(f, cfg->fw_files[i].name, cfg->fw_files[i].data,
                            cfg->fw_files[i].size) < 0) {
            snprintf(err, errlen, "fw_cfg file '%s': name too long or no room",
                     cfg->fw_files[i].name);
            return -1;
        }
    }
    return 0;
}

/* The ACPI tables (bios/acpi_tables.h), handed to SeaBIOS through its
 * table loader as QEMU does; they describe the devices made above. */
static int pc_acpi_init(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen)
{
    uint64_t ram = cfg->machine.ram_size;
    struct acpi_config acfg = {
        .ram_below_4g = ram < 0xe0000000ull ? ram : 0xe0000000ull,
        .pm_io_base = ACPI_PM_IO_BASE,
        .sci_irq = ACPI_PM_SCI_IRQ,
        .smi_cmd = ACPI_PM_SMI_CMD,
        .acpi_enable = ACPI_PM_ACPI_ENABLE,
        .acpi_disable = ACPI_PM_ACPI_DISABLE,
        .reset_port = 0xcf9,
        .reset_value = PIIX3_RCR_SRST | PIIX3_RCR_RCPU,
        .lapic_addr = LAPIC_DEFAULT_BASE,
        .ioapic_addr = IOAPIC_DEFAULT_BASE,
        .hpet = pc->hpet != NULL,
        .hpet_addr = HPET_DEFAULT_BASE,
        .hpet_block_id = HPET_BLOCK_ID,
    };
    struct acpi_blobs b;
    if (acpi_build(&acfg, &b) < 0) {
        snprintf(err, errlen, "cannot build the ACPI tables");
        return -1;
    }
    int ok = fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_TABLES, b.tables, b.tables_len) >= 0 &&
             fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_RSDP, b.rsdp, sizeof b.rsdp) >= 0 &&
             fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_LOADER, b.loader, b.loader_len) >= 0;
    acpi_blobs_free(&b);
    if (!ok) {
        snprintf(err, errlen, "no room in fw_cfg for the ACPI tables");
        return -1;
    }
    return 0;
}

/* ROM (the firmware, PAM segments reading ROM, expansion ROMs) ignores
 * writes, as on the bus; tell -d unimp once. */
static void pc_rom_write(void *opaque, uint64_t addr, int size)
{
    struct pc *pc = opaque;
    if (pc->rom_write_logged)
        return;
    pc->rom_write_logged = true;
    machine_log(pc->m, CPU_LOG_UNIMP, "unimp", "%d-byte write to ROM at 0x%llx ignored\n", size,
                (unsigned long long)addr);
}

/* --- interrupt wiring --- */

/* An ISA IRQ line goes to the 8259 and to the I/O APIC: IRQ n on pin n,
 * except IRQ 0 (the PIT) on pin 2, the MADT's interrupt source override
 * (QEMU's pc machine does the same; the ACPI tables must agree). */
static void pc_isa_irq_set(void *opaque, int n, bool level)
{
    struct pc *pc = opaque;
    pic_set_irq(pc->pic, n, level);
    ioapic_set_irq(pc->ioapic, n == 0 ? 2 : n, level);
}

/* IRQ 0 and IRQ 8 have two sources each: the PIT and the RTC, or HPET
 * timers 0 and 1 under its LegacyReplacement route, which disconnects the
 * 8254's and the RTC's interrupts (HPET spec 2.3.3.1). The HPET re-drives
 * its legacy lines when the route changes, so the choice is made here. */
enum { PC_SRC_PIT, PC_SRC_RTC, PC_SRC_HPET0, PC_SRC_HPET1 };
static void pc_legacy_irq_set(void *opaque, int n, bool level)
{
    struct pc *pc = opaque;
    pc->irq_src[n] = level;
    bool legacy = pc->hpet && hpet_legacy(pc->hpet);
    bool out[2] = {pc->irq_src[legacy ? PC_SRC_HPET0 : PC_SRC_PIT],
                   pc->irq_src[legacy ? PC_SRC_HPET1 : PC_SRC_RTC]};
    for (int i = 0; i < 2; i++)
        if (out[i] != pc->irq_out[i]) {
            pc->irq_out[i] = out[i];
            pc_isa_irq_set(pc, i ? 8 : 0, out[i]);
        }
}

/* The 8259 master's INTR: the local APIC's LINT0 and I/O APIC pin 0. */
static void pc_pic_intr(void *opaque, bool level)
{
    struct pc *pc = opaque;
    lapic_set_lint(pc->lapic, 0, level);
    ioapic_set_irq(pc->ioapic, IOAPIC_PIN_PIC, level);
}

static int pc_pic_ack(void *opaque)
{
    return pic_ack(opaque);
}

static void pc_apic_deliver(void *opaque, const struct apic_msg *msg)
{
    lapic_deliver(opaque, msg);
}

static void pc_apic_eoi(void *opaque, int vector)
{
    ioapic_eoi(opaque, vector);
}

/* --- storage --- */

/* The PIIX3 IDE function (00:01.1) on IRQ 14/15 and the IDE drives of the
 * command line: disks open read-write (the block layer's lock refuses an
 * image already open for writing), CD-ROMs read-only. */
static int pc_ide_init(struct pc *pc, const struct pc_config *cfg,
                       const struct irq_line isa_irq[16], char *err, size_t errlen)
{
    pc->ide = ide_create(pc->m, pc->pci, PCI_DEVFN(1, 1), isa_irq[IDE_PRIMARY_IRQ],
                         isa_irq[IDE_SECONDARY_IRQ]);
    if (!pc->ide) {
        snprintf(err, errlen, "out of memory creating the IDE controller");
        return -1;
    }
    for (int i = 0; i < cfg->ndrives && i < PC_MAX_DRIVES; i++) {
        const struct pc_drive *d = &cfg->drives[i];
        if (d->interface != PC_IF_IDE)
            continue;
        if (d->index < 0 || d->index >= IDE_MAX_DRIVES || pc->ide_bd[d->index]) {
            snprintf(err, errlen, "IDE drive index %d is out of range or taken", d->index);
            return -1;
        }
        bool cd = d->media == PC_MEDIA_CDROM;
        struct blockdev *bd = NULL;
        if (d->file) {
            char msg[256];
            int flags = (d->readonly || cd ? BLK_RDONLY : 0) | (d->snapshot ? BLK_SNAPSHOT : 0);
            bd = blk_open(d->file, d->format, flags, msg, sizeof msg);
            if (!bd) {
                snprintf(err, errlen, "%s: %s", cd ? "-cdrom" : "IDE disk", msg);
                return -1;
            }
        }
        pc->ide_bd[d->index] = bd;
        if (ide_attach(pc->ide, d->index, cd ? IDE_CDROM : IDE_DISK, bd) < 0) {
            snprintf(err, errlen, "IDE drive %d: cannot attach", d->index);
            return -1;
        }
    }
    /* CMOS for the two primary disks, as QEMU's pc_cmos_init_late(): type
     * nibbles 0x12 (0xF: see 0x19/0x1A), extended type 47 (user defined),
     * parameters at 0x1B/0x24 (cylinders, heads, write precompensation
     * none, control byte, landing zone, sectors). Old systems read them. */
    uint8_t types = 0;
    for (int i = 0; i < 2; i++) {
        uint32_t c, h, sec;
        if (ide_disk_geometry(pc->ide, i, &c, &h, &sec) < 0)
            continue;
        int base = i ? 0x24 : 0x1b;
        types |= i ? 0x0f : 0xf0;
        rtc_cmos_set(pc->rtc, 0x19 + i, 47);
        rtc_cmos_set(pc->rtc, base + 0, (uint8_t)c);
        rtc_cmos_set(pc->rtc, base + 1, (uint8_t)(c >> 8));
        rtc_cmos_set(pc->rtc, base + 2, (uint8_t)h);
        rtc_cmos_set(pc->rtc, base + 3, 0xff);
        rtc_cmos_set(pc->rtc, base + 4, 0xff);
        rtc_cmos_set(pc->rtc, base + 5, (uint8_t)(0xc0 | ((h > 8) << 3)));
        rtc_cmos_set(pc->rtc, base + 6, (uint8_t)c);
        rtc_cmos_set(pc->rtc, base + 7, (uint8_t)(c >> 8));
        rtc_cmos_set(pc->rtc, base + 8, (uint8_t)sec);
    }
    rtc_cmos_set(pc->rtc, 0x12, types);
    return 0;
}

/* The DMA controllers and the floppy controller with the floppy drives of
 * the command line (read-write unless readonly=on: a read-only image is a
 * write-protected disk). */
static int pc_floppy_init(struct pc *pc, const struct pc_config *cfg,
                          const struct irq_line isa_irq[16], char *err, size_t errlen)
{
    pc->dma = dma_create(pc->m);
    pc->fdc = pc->dma ? fdc_create(pc->m, FDC_BASE, isa_irq[FDC_IRQ], pc->dma, FDC_DMA) : NULL;
    if (!pc->fdc) {
        snprintf(err, errlen, "out of memory creating the floppy controller");
        return -1;
    }
    for (int i = 0; i < cfg->ndrives && i < PC_MAX_DRIVES; i++) {
        const struct pc_drive *d = &cfg->drives[i];
        if (d->interface != PC_IF_FLOPPY || !d->file)
            continue;
        if (d->index < 0 || d->index >= FDC_DRIVES || pc->fd_bd[d->index]) {
            snprintf(err, errlen, "floppy drive index %d is out of range (0-%d) or taken",
                     d->index, FDC_DRIVES - 1);
            return -1;
        }
        char msg[256];
        int flags = (d->readonly ? BLK_RDONLY : 0) | (d->snapshot ? BLK_SNAPSHOT : 0);
        struct blockdev *bd = blk_open(d->file, d->format, flags, msg, sizeof msg);
        if (!bd) {
            snprintf(err, errlen, "floppy %c: %s", 'A' + d->index, msg);
            return -1;
        }
        pc->fd_bd[d->index] = bd;
        if (fdc_attach(pc->fdc, d->index, bd, msg, sizeof msg) < 0) {
            snprintf(err, errlen, "%s: %s", d->file, msg);
            return -1;
        }
    }
    return 0;
}

/* fw_cfg "bootorder" (SeaBIOS src/boot.c): one OpenFirmware path per line,
 * first to boot first, from -boot order= letters. Devices not listed keep
 * the CMOS order's priorities. */
static void pc_bootorder(struct pc *pc, const struct pc_config *cfg)
{
    if (!cfg->boot_order)
        return;
    char buf[1024];
    size_t n = 0;
#define ADD(...) n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, __VA_ARGS__)
    for (const char *p = cfg->boot_order; *p && n < sizeof buf; p++) {
        for (int i = 0; i < cfg->ndrives && i < PC_MAX_DRIVES; i++) {
            const struct pc_drive *d = &cfg->drives[i];
            bool cd = d->interface == PC_IF_IDE && d->media == PC_MEDIA_CDROM;
            if (*p == 'a' && d->interface == PC_IF_FLOPPY)
                ADD("/isa/fdc@03f0/floppy@%d\n", d->index);
            else if ((*p == 'c' && d->interface == PC_IF_IDE && !cd) || (*p == 'd' && cd))
                ADD("/pci@i0cf8/ide@1,1/drive@%d/disk@%d\n", d->index >> 1, d->index & 1);
        }
        if (*p == 'n')
            for (int i = 0; i < PC_MAX_OPTION_ROMS && cfg->option_roms[i]; i++) {
                const char *base = strrchr(cfg->option_roms[i], '/');
                ADD("/rom@genroms/%s\n", base ? base + 1 : cfg->option_roms[i]);
            }
    }
#undef ADD
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    if (n) { /* QEMU's layout: lines joined by newlines, NUL-terminated */
        buf[n - 1] = 0;
        fw_cfg_add_file(pc->fw_cfg, "bootorder", buf, n);
    }
}

/* --- the board --- */

struct pc *pc_create(const struct pc_config *cfg, char *err, size_t errlen)
{
    struct pc *pc = calloc(1, sizeof *pc);
    if (!pc) {
        snprintf(err, errlen, "out of memory creating the PC");
        return NULL;
    }

    /* 1. Firmware and the machine core: RAM below 640 KiB and from 1 MiB,
     * the firmware at the top of 4 GiB, the debug ports (0xE9, 0x402, 0x80,
     * 0xF4), the CPU and the virtual clock. */
    struct machine_config mcfg = cfg->machine;
    uint8_t *bios = NULL;
    size_t bios_size = 0;
    bool no_firmware = cfg->bios_path && !strcmp(cfg->bios_path, PC_BIOS_NONE);
    if (no_firmware && !cfg->kernel) {
        snprintf(err, errlen, "-bios none needs -kernel");
        goto fail;
    }
    if (!mcfg.bios && no_firmware) {
        /* No firmware: 64 KiB of HLT at the top of 4 GiB; the kernel
         * loader sets the CPU state at power-on and after every reset. */
        bios = malloc(64 << 10);
        if (!bios)
            goto nomem;
        memset(bios, 0xf4, 64 << 10);
        mcfg.bios = bios;
        mcfg.bios_size = 64 << 10;
    } else if (!mcfg.bios) {
        if (firmware_load_bios(cfg->bios_path, &bios, &bios_size, err, errlen) < 0)
            goto fail;
        mcfg.bios = bios;
        mcfg.bios_size = bios_size;
    }
    pc->m = machine_create(&mcfg, err, errlen);
    free(bios);
    if (!pc->m)
        goto fail;
    struct machine *m = pc->m;
    struct memmap *mem = machine_memmap(m);
    memmap_set_rom_write_hook(mem, pc_rom_write, pc);

    /* 2. Interrupt controllers first: every other device gets its line. The
     * PIC installs itself as the CPU's INTR source (pic.h). */
    pc->pic = pic_create(m);
    if (!pc->pic)
        goto nomem;
    /* The local APIC takes the 8259's INTR as LINT0 (virtual wire) and
     * answers the CPU's INTA; the I/O APIC sends to it (devices/lapic.h). */
    pc->lapic = lapic_create(m);
    if (!pc->lapic)
        goto nomem;
    pc->ioapic = ioapic_create(m, IOAPIC_DEFAULT_BASE, pc_apic_deliver, pc->lapic);
    if (!pc->ioapic)
        goto nomem;
    lapic_set_extint(pc->lapic, pc_pic_ack, pc->pic);
    lapic_set_eoi_hook(pc->lapic, pc_apic_eoi, pc->ioapic);
    machine_set_intr_router(m, pc_pic_intr, pc);
    struct irq_line isa_irq[16];
    for (int i = 0; i < 16; i++)
        isa_irq[i] = (struct irq_line){pc_isa_irq_set, pc, i};

    /* 3. The PCI host bridge decodes 0xC0000-0xFFFFF through its PAM
     * registers: it takes over the firmware's last 128 KiB that the core
     * mapped below 1 MiB. Then the ISA bridge (PIRQ routing, 0xCF9; the PIC
     * keeps the ELCR ports). */
    pc->pci = pci_bus_create(m);
    if (!pc->pci)
        goto nomem;
    size_t alias = mcfg.bios_size < ROM_ISA_ALIAS ? mcfg.bios_size : ROM_ISA_ALIAS;
    uint8_t *alias_host = memmap_page_ptr(mem, 0x100000 - alias, false);
    pc->i440fx = i440fx_create(pc->pci, alias_host, alias);
    pc->piix3 = piix3_create(pc->pci, isa_irq, NULL);
    if (!pc->i440fx || !pc->piix3)
        goto nomem;
    /* The PIIX4 PM function at 00:01.3, as on QEMU's pc machine: PM timer,
     * power button, S5 power-off; its SCI is ISA IRQ 9 (PIC and I/O APIC). */
    pc->acpi_pm = acpi_pm_create(pc->pci, isa_irq[ACPI_PM_SCI_IRQ]);
    if (!pc->acpi_pm)
        goto nomem;

    /* 4. The ISA devices on their legacy ports and IRQs. */
    pc->pit = pit_create(m, (struct irq_line){pc_legacy_irq_set, pc, PC_SRC_PIT});
    pc->rtc = rtc_create(m, (struct irq_line){pc_legacy_irq_set, pc, PC_SRC_RTC},
                         cfg->rtc_base ? (time_t)cfg->rtc_base : RTC_BASE_HOST,
                         cfg->rtc_localtime);
    /* The HPET: timers 0/1 on IRQ 0/8 under LegacyReplacement, else on
     * I/O APIC pins 20-23. */
    struct irq_line hpet_legacy_irq[2] = {{pc_legacy_irq_set, pc, PC_SRC_HPET0},
                                          {pc_legacy_irq_set, pc, PC_SRC_HPET1}};
    struct irq_line gsi[IOAPIC_PINS];
    for (int i = 0; i < IOAPIC_PINS; i++)
        gsi[i] = ioapic_irq_line(pc->ioapic, i);
    pc->hpet = hpet_create(m, HPET_DEFAULT_BASE, hpet_legacy_irq, gsi);
    if (!pc->hpet)
        goto nomem;
    pc->kbc = i8042_create(m, isa_irq[1], isa_irq[12]);
    pc->port92 = port92_create(m, PORT92_PORT);
    pc->ferr = fpu_ferr_create(m, isa_irq[13]);
    if (!pc->pit || !pc->rtc || !pc->kbc || !pc->port92 || !pc->ferr)
        goto nomem;
    for (int i = 0; i < PC_NUM_UARTS; i++) {
        pc->uart[i] = uart_create(m, pc_com[i].base, isa_irq[pc_com[i].irq], cfg->serial[i]);
        if (!pc->uart[i])
            goto nomem;
    }
    if (pc_ide_init(pc, cfg, isa_irq, err, errlen) < 0)
        goto fail;
    if (pc_floppy_init(pc, cfg, isa_irq, err, errlen) < 0)
        goto fail;
    pc_cmos_init(pc, cfg);

    /* 5. The VGA at PCI 00:02.0 with the VGA BIOS as its expansion ROM
     * (SeaBIOS copies it to 0xC0000 and runs it). */
    const char *vga_bios = cfg->vga_bios_path ? cfg->vga_bios_path : FIRMWARE_DEFAULT_VGA_BIOS;
    uint8_t *vrom = NULL;
    size_t vrom_size = 0;
    if (vga_bios[0] && firmware_load_option_rom(vga_bios, &vrom, &vrom_size, err, errlen) < 0)
        goto fail;
    struct vga_config vcfg = {.rom = vrom, .rom_size = vrom_size};
    pc->vga = vga_create(m, &vcfg);
    free(vrom);
    if (!pc->vga || !vga_pci_attach(pc->vga, pc->pci, PCI_DEVFN(2, 0)))
        goto nomem;

    /* 6. fw_cfg with DMA, as QEMU 2.9+: RAM size, CPUs, e820, boot options,
     * option ROMs (genroms/) and the caller's files. */
    pc->fw_cfg = fw_cfg_create(m, true);
    if (!pc->fw_cfg)
        goto nomem;
    if (pc_fw_cfg_init(pc, cfg, err, errlen) < 0)
        goto fail;
    pc_bootorder(pc, cfg);
    if (pc_acpi_init(pc, cfg, err, errlen) < 0)
        goto fail;

    /* 7. -kernel: last, so that its reset handler runs after every
     * device's and its fw_cfg "bootorder" wins over -boot. */
    if (cfg->kernel) {
        struct kernel_boot_config kcfg = {.kernel = cfg->kernel,
                                          .initrd = cfg->initrd,
                                          .append = cfg->append,
                                          .firmware = !no_firmware,
                                          .ram_size = cfg->machine.ram_size};
        pc->kboot = kernel_boot_create(m, pc->fw_cfg, &kcfg, err, errlen);
        if (!pc->kboot)
            goto fail;
    }
    return pc;

nomem:
    snprintf(err, errlen, "out of memory creating the PC devices");
fail:
    pc_destroy(pc);
    return NULL;
}

int pc_run(struct pc *pc)
{
    return machine_run(pc->m);
}

void pc_destroy(struct pc *pc)
{
    if (!pc)
        return;
    /* Devices first (their timers live on the machine's clock). */
    kernel_boot_destroy(pc->kboot);
    fw_cfg_destroy(pc->fw_cfg);
    if (pc->vga)
        vga_destroy(pc->vga);
    for (int i = 0; i < PC_NUM_UARTS; i++)
        if (pc->uart[i])
            uart_destroy(pc->uart[i]);
    if (pc->port92)
        port92_destroy(pc->port92);
    fpu_ferr_destroy(pc->ferr);
    if (pc->kbc)
        i8042_destroy(pc->kbc);
    if (pc->rtc)
        rtc_destroy(pc->rtc);
    if (pc->pit)
        pit_destroy(pc->pit);
    if (pc->ide)
        ide_destroy(pc->ide);
    for (int i = 0; i < IDE_MAX_DRIVES; i++)
        if (pc->ide_bd[i])
            blk_close(pc->ide_bd[i]);
    if (pc->fdc)
        fdc_destroy(pc->fdc);
    if (pc->dma)
        dma_destroy(pc->dma);
    for (int i = 0; i < FDC_DRIVES; i++)
        if (pc->fd_bd[i])
            blk_close(pc->fd_bd[i]);
    acpi_pm_destroy(pc->acpi_pm);
    piix3_destroy(pc->piix3);
    i440fx_destroy(pc->i440fx);
    pci_bus_destroy(pc->pci);
    hpet_destroy(pc->hpet);
    ioapic_destroy(pc->ioapic);
    lapic_destroy(pc->lapic);
    if (pc->pic)
        pic_destroy(pc->pic);
    machine_destroy(pc->m);
    free(pc);
}

struct machine *pc_machine(struct pc *pc)
{
    return pc->m;
}
struct pci_bus *pc_pci_bus(struct pc *pc)
{
    return pc->pci;
}
struct fw_cfg *pc_fw_cfg(struct pc *pc)
{
    return pc->fw_cfg;
}
struct vga *pc_vga(struct pc *pc)
{
    return pc->vga;
}
struct i8042 *pc_keyboard(struct pc *pc)
{
    return pc->kbc;
}
struct uart *pc_uart(struct pc *pc, int i)
{
    return i >= 0 && i < PC_NUM_UARTS ? pc->uart[i] : NULL;
}
struct pic *pc_pic(struct pc *pc)
{
    return pc->pic;
}
struct pit *pc_pit(struct pc *pc)
{
    return pc->pit;
}
struct rtc *pc_rtc(struct pc *pc)
{
    return pc->rtc;
}
struct acpi_pm *pc_acpi_pm(struct pc *pc)
{
    return pc->acpi_pm;
}
