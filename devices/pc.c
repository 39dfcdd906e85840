/* The PC board, wired in one place (STYLE.md rule 7): QEMU's "pc" machine
 * as SeaBIOS knows it -- i440FX host bridge, PIIX3 ISA bridge, 8259 PICs,
 * 8254 PIT, MC146818 RTC/CMOS, 8042 + PS/2, four 16550 UARTs, port 0x92,
 * the PCI VGA and fw_cfg -- on the machine core of devices/machine.c. */
#include "devices/pc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bios/firmware.h"
#include "bios/rom.h"
#include "cpu/cpu.h"
#include "devices/fw_cfg.h"
#include "devices/i440fx.h"
#include "devices/i8042.h"
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
    struct pic *pic;
    struct pit *pit;
    struct rtc *rtc;
    struct i8042 *kbc;
    struct port92 *port92;
    struct fpu_ferr *ferr; /* x87 FERR# -> IRQ13, port 0xF0 */
    struct uart *uart[PC_NUM_UARTS];
    struct vga *vga;
    struct fw_cfg *fw_cfg;
    bool rom_write_logged; /* -d unimp: a write to ROM was reported */
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

    rtc_cmos_set(r, 0x10, 0x00); /* floppy drive types: none (storage issue) */
    /* Equipment byte: math coprocessor, PS/2 mouse, EGA/VGA display, no
     * floppies (IBM PC AT BIOS technical reference). */
    rtc_cmos_set(r, 0x14, 0x06);
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
    if (!mcfg.bios) {
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
    struct irq_line isa_irq[16];
    for (int i = 0; i < 16; i++)
        isa_irq[i] = pic_irq_line(pc->pic, i);

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

    /* 4. The ISA devices on their legacy ports and IRQs. */
    pc->pit = pit_create(m, isa_irq[0]);
    pc->rtc = rtc_create(m, isa_irq[8], cfg->rtc_base ? (time_t)cfg->rtc_base : RTC_BASE_HOST,
                         cfg->rtc_localtime);
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
    piix3_destroy(pc->piix3);
    i440fx_destroy(pc->i440fx);
    pci_bus_destroy(pc->pci);
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
