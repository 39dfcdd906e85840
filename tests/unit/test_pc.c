/* The PC board as pc_create() wires it: the PCI functions, the CMOS bytes
 * and fw_cfg items firmware reads, PCI INTx reaching the PIC through the
 * PIIX3 routing, two boards in one process, configuration errors, and
 * SeaBIOS booting in-process to "No bootable device" with its banner on
 * the debug port and in the VGA text screen. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bios/firmware.h"
#include "cpu/cpu.h"
#include "devices/chardev.h"
#include "devices/fw_cfg.h"
#include "devices/pc.h"
#include "devices/pci.h"
#include "devices/pic.h"
#include "devices/rtc.h"
#include "devices/vga.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define ROM_SIZE (64u << 10)

/* A 64 KiB ROM of HLT (the board tests do not run it). */
static struct pc *make_pc(uint64_t ram, const char *boot_order)
{
    static uint8_t rom[ROM_SIZE];
    memset(rom, 0xf4, sizeof rom);
    struct pc_config cfg = {
        .machine = {.ram_size = ram, .bios = rom, .bios_size = sizeof rom},
        .boot_order = boot_order,
    };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof err);
    ck_assert_msg(pc != NULL, "pc_create: %s", err);
    return pc;
}

static uint32_t cfg_read(struct pc *pc, int devfn, int reg, int size)
{
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    ioport_write(io, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    return ioport_read(io, 0xcfc + (reg & 3), size);
}

static void cfg_write(struct pc *pc, int devfn, int reg, uint32_t v, int size)
{
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    ioport_write(io, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    ioport_write(io, 0xcfc + (reg & 3), v, size);
}

START_TEST(pci_functions)
{
    struct pc *pc = make_pc(32u << 20, NULL);
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(0, 0), 0, 4), 0x12378086);
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(1, 0), 0, 4), 0x70008086);
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(2, 0), 0, 4), 0x11111234);
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(2, 0), 0x0a, 2), 0x0300); /* VGA class */
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(3, 0), 0, 4), 0xffffffffu);
    /* The VGA BIOS is the display's expansion ROM: size it, map it, read
     * its signature. */
    cfg_write(pc, PCI_DEVFN(2, 0), 0x30, 0xfffffffeu, 4);
    uint32_t mask = cfg_read(pc, PCI_DEVFN(2, 0), 0x30, 4);
    ck_assert_uint_ge(~mask + 1, 32u << 10);
    cfg_write(pc, PCI_DEVFN(2, 0), 0x30, 0xfebc0001u, 4);
    cfg_write(pc, PCI_DEVFN(2, 0), 4, PCI_COMMAND_MEMORY, 2);
    struct memmap *mem = machine_memmap(pc_machine(pc));
    ck_assert_uint_eq(memmap_read(mem, 0xfebc0000u, 2), 0xaa55);
    pc_destroy(pc);
}
END_TEST

START_TEST(cmos_bytes)
{
    struct pc *pc = make_pc(128u << 20, NULL);
    struct rtc *r = pc_rtc(pc);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x15) | rtc_cmos_get(r, 0x16) << 8, 640);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x17) | rtc_cmos_get(r, 0x18) << 8, 0xffff); /* capped */
    ck_assert_uint_eq(rtc_cmos_get(r, 0x30) | rtc_cmos_get(r, 0x31) << 8, 0xffff);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x34) | rtc_cmos_get(r, 0x35) << 8, (112u << 20) >> 16);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x5b) | rtc_cmos_get(r, 0x5c) | rtc_cmos_get(r, 0x5d), 0);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x14), 0x06);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x10), 0x00);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x3d), 0x12);      /* "cad": disk, then floppy */
    ck_assert_uint_eq(rtc_cmos_get(r, 0x38), 0x31);      /* then CD-ROM; no floppy sig check */
    ck_assert_uint_eq(rtc_cmos_get(r, 0x32) >= 0x19, 1); /* century (BCD) from the RTC */
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += rtc_cmos_get(r, i);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x2e) << 8 | rtc_cmos_get(r, 0x2f), sum);
    pc_destroy(pc);

    pc = make_pc(8u << 20, "nc");
    r = pc_rtc(pc);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x17) | rtc_cmos_get(r, 0x18) << 8, 7u * 1024);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x34) | rtc_cmos_get(r, 0x35) << 8, 0);
    ck_assert_uint_eq(rtc_cmos_get(r, 0x3d), 0x24); /* network, then disk */
    ck_assert_uint_eq(rtc_cmos_get(r, 0x38) & 0xf0, 0);
    pc_destroy(pc);
}
END_TEST

static void fw_read(struct pc *pc, uint16_t key, void *buf, size_t n)
{
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    ioport_write(io, FW_CFG_PORT_SEL, key, 2);
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)buf)[i] = (uint8_t)ioport_read(io, FW_CFG_PORT_DATA, 1);
}

START_TEST(fw_cfg_items)
{
    struct pc *pc = make_pc(64u << 20, NULL);
    uint64_t ram;
    fw_read(pc, FW_CFG_RAM_SIZE, &ram, 8);
    ck_assert_uint_eq(ram, 64u << 20);
    uint16_t cpus;
    fw_read(pc, FW_CFG_NB_CPUS, &cpus, 2);
    ck_assert_uint_eq(cpus, 1);
    fw_read(pc, FW_CFG_MAX_CPUS, &cpus, 2);
    ck_assert_uint_eq(cpus, 1);
    int key = fw_cfg_find_file(pc_fw_cfg(pc), "etc/e820");
    ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
    uint8_t e[20];
    fw_read(pc, (uint16_t)key, e, sizeof e);
    uint64_t addr, len;
    uint32_t type;
    memcpy(&addr, e, 8);
    memcpy(&len, e + 8, 8);
    memcpy(&type, e + 16, 4);
    ck_assert_uint_eq(addr, 0);
    ck_assert_uint_eq(len, 64u << 20);
    ck_assert_uint_eq(type, E820_RAM);
    ck_assert_int_ge(fw_cfg_find_file(pc_fw_cfg(pc), "etc/boot-menu-wait"), 0);
    pc_destroy(pc);
}
END_TEST

START_TEST(config_files_and_errors)
{
    static uint8_t rom[ROM_SIZE];
    struct pc_config cfg = {
        .machine = {.ram_size = 16u << 20, .bios = rom, .bios_size = sizeof rom},
        .fw_files = {{"etc/test-file", "hello", 5}},
    };
    char err[256] = "";
    struct pc *pc = pc_create(&cfg, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    int key = fw_cfg_find_file(pc_fw_cfg(pc), "etc/test-file");
    ck_assert_int_ge(key, 0);
    char buf[6] = {0};
    fw_read(pc, (uint16_t)key, buf, 5);
    ck_assert_str_eq(buf, "hello");
    pc_destroy(pc);

    cfg.option_roms[0] = "/nonexistent/rom.bin";
    ck_assert_ptr_null(pc_create(&cfg, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/rom.bin"));
    cfg.option_roms[0] = NULL;
    cfg.vga_bios_path = "/nonexistent/vga.bin";
    ck_assert_ptr_null(pc_create(&cfg, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "vga.bin"));
    cfg.vga_bios_path = "";
    pc = pc_create(&cfg, err, sizeof err); /* no VGA BIOS: no ROM BAR */
    ck_assert_ptr_nonnull(pc);
    cfg_write(pc, PCI_DEVFN(2, 0), 0x30, 0xfffffffeu, 4);
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(2, 0), 0x30, 4), 0);
    pc_destroy(pc);
}
END_TEST

START_TEST(pci_irq_reaches_pic)
{
    struct pc *pc = make_pc(16u << 20, NULL);
    struct pci_device *d =
        pci_device_create(pc_pci_bus(pc), PCI_DEVFN(5, 0), 0x1af4, 0x1000, 0, 0x020000, "nic");
    pci_set_interrupt_pin(d, 1); /* slot 5 INTA# -> PIRQB */
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    cfg_write(pc, PCI_DEVFN(1, 0), 0x61, 11, 1); /* PIRQB -> IRQ 11 */
    ioport_write(io, 0x4d1, 0x08, 1);            /* ELCR: IRQ 11 level */
    ck_assert_uint_eq(pic_irr(pc_pic(pc), 1) & 0x08, 0);
    pci_set_irq(d, true);
    ck_assert_uint_eq(pic_irr(pc_pic(pc), 1) & 0x08, 0x08);
    pci_set_irq(d, false);
    ck_assert_uint_eq(pic_irr(pc_pic(pc), 1) & 0x08, 0); /* level: the request goes */
    pc_destroy(pc);
}
END_TEST

START_TEST(two_boards)
{
    struct pc *a = make_pc(16u << 20, NULL), *b = make_pc(16u << 20, NULL);
    cfg_write(a, 0, 0x59, 0x30, 1); /* a: 0xF0000 is RAM */
    struct memmap *ma = machine_memmap(pc_machine(a)), *mb = machine_memmap(pc_machine(b));
    memmap_write(ma, 0xf0000, 0x12, 1);
    ck_assert_uint_eq(memmap_read(ma, 0xf0000, 1), 0x12);
    ck_assert_uint_eq(memmap_read(mb, 0xf0000, 1), 0xf4); /* b still reads its ROM */
    ck_assert_uint_eq(cfg_read(b, 0, 0x59, 1), 0);
    pc_destroy(a);
    pc_destroy(b);
}
END_TEST

/* Bad guest programming must never break the board: random config-space
 * writes of every size to every function leave RAM, the IDs and the
 * bridge's decoding sane. */
START_TEST(config_space_noise)
{
    struct pc *pc = make_pc(16u << 20, NULL);
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    struct memmap *mem = machine_memmap(pc_machine(pc));
    uint32_t x = 12345;
    for (int i = 0; i < 50000; i++) {
        x = x * 1103515245u + 12345u;
        int devfn = (x >> 8) % 24, reg = (x >> 16) & 0xff, size = 1 << ((x >> 28) % 3);
        x = x * 1103515245u + 12345u;
        reg &= ~(size - 1);
        cfg_write(pc, devfn, reg, x, size);
        if ((i & 63) == 0)
            ioport_write(io, 0xcf8 + (x & 3), x, 1); /* narrow address writes too */
    }
    ck_assert_uint_eq(cfg_read(pc, 0, 0, 4), 0x12378086);
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(1, 0), 0, 4), 0x70008086);
    ck_assert_uint_eq(cfg_read(pc, PCI_DEVFN(2, 0), 0, 4), 0x11111234);
    memmap_write(mem, 0x1000, 0x5a5a, 2);
    ck_assert_uint_eq(memmap_read(mem, 0x1000, 2), 0x5a5a);
    memmap_write(mem, 0x200000, 0xa5, 1);
    ck_assert_uint_eq(memmap_read(mem, 0x200000, 1), 0xa5);
    /* Turn PAM fully on: the F segment is RAM whatever came before. */
    cfg_write(pc, 0, 0x59, 0x30, 1);
    memmap_write(mem, 0xf0010, 0x77, 1);
    ck_assert_uint_eq(memmap_read(mem, 0xf0010, 1), 0x77);
    pc_destroy(pc);
}
END_TEST

static void count_unimp(void *opaque, const char *category, const char *fmt, va_list ap)
{
    (void)fmt, (void)ap;
    if (!strcmp(category, "unimp"))
        ++*(int *)opaque;
}

START_TEST(rom_writes_logged_once)
{
    static uint8_t rom[ROM_SIZE];
    memset(rom, 0xf4, sizeof rom);
    int msgs = 0;
    struct pc_config cfg = {
        .machine = {.ram_size = 16u << 20,
                    .bios = rom,
                    .bios_size = sizeof rom,
                    .log_mask = CPU_LOG_UNIMP,
                    .hook_opaque = &msgs,
                    .log_fn = count_unimp},
    };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    struct memmap *mem = machine_memmap(pc_machine(pc));
    int before = msgs;
    memmap_write(mem, 0xffff0, 0, 1);     /* the BIOS below 1 MiB (PAM: ROM) */
    memmap_write(mem, 0xfffffff0u, 0, 4); /* and at the top of 4 GiB */
    ck_assert_uint_eq(memmap_read(mem, 0xffff0, 1), 0xf4);
    ck_assert_uint_eq(memmap_read(mem, 0xfffffff0u, 1), 0xf4);
    ck_assert_int_eq(msgs - before, 1);
    pc_destroy(pc);
}
END_TEST

/* --- SeaBIOS in-process --- */

struct watch {
    struct machine *m;
    char log[65536];
    size_t len;
};

static void watch_poll(void *opaque)
{
    struct watch *w = opaque;
    w->log[w->len] = 0;
    if (strstr(w->log, "No bootable device"))
        machine_stop(w->m, 0);
}

START_TEST(seabios_boots)
{
    struct watch *w = calloc(1, sizeof *w);
    struct chardev *con = chardev_open_buffer(w->log, sizeof w->log - 1, &w->len);
    struct pc_config cfg = {
        .machine = {.ram_size = 64u << 20,
                    .debugcon = con,
                    .deterministic = true,
                    .icount_shift = 4,
                    .max_insns = 400000000ull,
                    .hook_opaque = w,
                    .poll_fn = watch_poll},
    };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof err); /* default firmware */
    ck_assert_msg(pc != NULL, "%s", err);
    w->m = pc_machine(pc);
    ck_assert_int_eq(pc_run(pc), 0);
    w->log[w->len] = 0;
    ck_assert_msg(machine_icount(w->m) < 400000000ull, "SeaBIOS did not finish:\n%s", w->log);
    ck_assert_ptr_nonnull(strstr(w->log, "SeaBIOS (version"));
    ck_assert_ptr_nonnull(strstr(w->log, "Running on QEMU (i440fx)"));
    ck_assert_ptr_nonnull(strstr(w->log, "Running option rom at c000:0003"));
    ck_assert_ptr_nonnull(
        strstr(w->log, "qemu/e820: addr 0x0000000000000000 len 0x0000000004000000"));
    char screen[4096];
    vga_text_dump_ascii(pc_vga(pc), screen, sizeof screen);
    ck_assert_msg(strstr(screen, "SeaBIOS (version") != NULL, "screen:\n%s", screen);
    /* no '.': the run stops when the debug port has the line, and the
     * screen's copy may be a few instructions behind */
    ck_assert_msg(strstr(screen, "No bootable device") != NULL, "screen:\n%s", screen);
    pc_destroy(pc);
    chardev_close(con);
    free(w);
}
END_TEST

static Suite *pc_suite(void)
{
    Suite *s = suite_create("pc");
    TCase *tc = tcase_create("board");
    tcase_add_test(tc, pci_functions);
    tcase_add_test(tc, cmos_bytes);
    tcase_add_test(tc, fw_cfg_items);
    tcase_add_test(tc, config_files_and_errors);
    tcase_add_test(tc, pci_irq_reaches_pic);
    tcase_add_test(tc, two_boards);
    tcase_add_test(tc, config_space_noise);
    tcase_add_test(tc, rom_writes_logged_once);
    suite_add_tcase(s, tc);
    TCase *boot = tcase_create("seabios");
    tcase_set_timeout(boot, 60);
    tcase_add_test(boot, seabios_boots);
    suite_add_tcase(s, boot);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
