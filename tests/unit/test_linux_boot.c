/* The direct kernel loader (bios/linux_boot.c) on a synthetic bzImage: with
 * no firmware the zero page, command line, kernel, initrd and CPU state are
 * what boot.rst's 32-bit protocol asks for; through SeaBIOS the fw_cfg items
 * and the option ROM are there (read back through ports 0x510/0x511); and
 * the option ROM image is a valid PnP option ROM. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bios/linux_boot.h"
#include "bios/linuxboot_rom.h"
#include "cpu/cpu.h"
#include "devices/fw_cfg.h"
#include "devices/pc.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define SETUP_SECTS 4
#define PROT_SIZE   (64u << 10)

static char kpath[64], ipath[64];

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

/* A bzImage-shaped file: setup header of protocol `version`, a recognisable
 * protected-mode part, and an initrd of `initrd_size` bytes. */
static void make_files(uint16_t version, size_t initrd_size)
{
    size_t size = (SETUP_SECTS + 1) * 512 + PROT_SIZE;
    uint8_t *k = calloc(1, size);
    k[0x1f1] = SETUP_SECTS;
    k[0x1fe] = 0x55;
    k[0x1ff] = 0xaa;
    k[0x200] = 0xeb;
    k[0x201] = 0x66; /* header ends at 0x268 */
    memcpy(k + 0x202, "HdrS", 4);
    k[0x206] = (uint8_t)version;
    k[0x207] = (uint8_t)(version >> 8);
    k[0x211] = 0x01;              /* LOADED_HIGH */
    put32(k + 0x214, 0x100000);   /* code32_start */
    put32(k + 0x22c, 0x37ffffff); /* initrd_addr_max */
    put32(k + 0x238, 2047);       /* cmdline_size */
    for (size_t i = 0; i < PROT_SIZE; i++)
        k[(SETUP_SECTS + 1) * 512 + i] = (uint8_t)(i * 7 + 1);
    strcpy(kpath, "/tmp/test_linux_boot_kXXXXXX");
    int fd = mkstemp(kpath);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, k, size), (ssize_t)size);
    close(fd);
    free(k);
    strcpy(ipath, "/tmp/test_linux_boot_iXXXXXX");
    fd = mkstemp(ipath);
    ck_assert_int_ge(fd, 0);
    uint8_t *rd = malloc(initrd_size);
    for (size_t i = 0; i < initrd_size; i++)
        rd[i] = (uint8_t)(i ^ 0x5a);
    ck_assert_int_eq(write(fd, rd, initrd_size), (ssize_t)initrd_size);
    close(fd);
    free(rd);
}

static void remove_files(void)
{
    unlink(kpath);
    unlink(ipath);
}

static const char *append = "console=ttyS0 test=1"; /* the -append of make_pc */

static struct pc *make_pc(const char *bios, uint64_t ram, char *err, size_t errlen)
{
    static uint8_t rom[64 << 10];
    memset(rom, 0xf4, sizeof rom);
    struct pc_config cfg = {
        .machine = {.ram_size = ram},
        .bios_path = bios,
        .kernel = kpath,
        .initrd = ipath,
        .append = append,
    };
    if (!bios) { /* "firmware": a HLT ROM stands in for SeaBIOS */
        cfg.machine.bios = rom;
        cfg.machine.bios_size = sizeof rom;
    }
    return pc_create(&cfg, err, errlen);
}

START_TEST(no_firmware_32bit_protocol)
{
    make_files(0x020f, 10000);
    char err[256];
    struct pc *pc = make_pc(PC_BIOS_NONE, 64u << 20, err, sizeof err);
    ck_assert_msg(pc != NULL, "pc_create: %s", err);
    struct machine *m = pc_machine(pc);
    struct memmap *mem = machine_memmap(m);
    struct cpu *cpu = machine_cpu(m);
    /* CPU: 32-bit flat protected mode at code32_start, ESI = zero page. */
    ck_assert_uint_eq(cpu->eip, 0x100000);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_ESI], KBOOT_PARAMS_ADDR);
    ck_assert(cpu->cr0 & CR0_PE);
    ck_assert(!(cpu->eflags & EF_IF));
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, 0x10);
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, 0x18);
    ck_assert(cpu->code32);
    /* The GDT really holds the flat descriptors the selectors name. */
    ck_assert_uint_eq(memmap_read(mem, cpu->gdtr.base + 0x10 + 4, 4), 0x00cf9b00);
    ck_assert_uint_eq(memmap_read(mem, cpu->gdtr.base + 0x18 + 4, 4), 0x00cf9300);
    /* The kernel's protected-mode part at 1 MiB. */
    for (uint32_t i = 0; i < PROT_SIZE; i += 997)
        ck_assert_uint_eq(memmap_read(mem, 0x100000 + i, 1), (uint8_t)(i * 7 + 1));
    /* Zero page: header copied and patched. */
    uint32_t bp = KBOOT_PARAMS_ADDR;
    ck_assert_uint_eq(memmap_read(mem, bp + 0x202, 4), 0x53726448); /* "HdrS" */
    ck_assert_uint_eq(memmap_read(mem, bp + 0x210, 1), 0xff);       /* type_of_loader */
    uint32_t cmd = (uint32_t)memmap_read(mem, bp + 0x228, 4);
    char line[64];
    memmap_read_buf(mem, cmd, line, sizeof line);
    ck_assert_str_eq(line, "console=ttyS0 test=1");
    uint32_t rd = (uint32_t)memmap_read(mem, bp + 0x218, 4);
    ck_assert_uint_eq(memmap_read(mem, bp + 0x21c, 4), 10000);
    ck_assert_uint_eq(rd & 0xfff, 0);
    ck_assert_uint_ge(rd, 0x100000 + PROT_SIZE);
    ck_assert_uint_le(rd + 10000, 64u << 20);
    for (uint32_t i = 0; i < 10000; i += 331)
        ck_assert_uint_eq(memmap_read(mem, rd + i, 1), (uint8_t)(i ^ 0x5a));
    /* e820: RAM below 640 KiB and from 1 MiB to the end of RAM. */
    int n = (int)memmap_read(mem, bp + 0x1e8, 1);
    ck_assert_int_ge(n, 2);
    uint64_t ram_total = 0;
    for (int i = 0; i < n; i++) {
        uint32_t e = bp + 0x2d0 + 20 * i;
        if (memmap_read(mem, e + 16, 4) == E820_RAM)
            ram_total += memmap_read(mem, e + 8, 8);
    }
    ck_assert_uint_eq(ram_total, 0x9fc00 + (64u << 20) - 0x100000);
    pc_destroy(pc);
    remove_files();
}
END_TEST

static uint32_t fw_read32(struct ioport_map *io, uint16_t key)
{
    ioport_write(io, FW_CFG_PORT_SEL, key, 2);
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= ioport_read(io, FW_CFG_PORT_DATA, 1) << 8 * i;
    return v;
}

START_TEST(firmware_fw_cfg_items)
{
    make_files(0x020f, 4096);
    char err[256];
    struct pc *pc = make_pc(NULL, 64u << 20, err, sizeof err);
    ck_assert_msg(pc != NULL, "pc_create: %s", err);
    struct ioport_map *io = machine_ioport(pc_machine(pc));
    ck_assert_uint_eq(fw_read32(io, FW_CFG_SETUP_ADDR), KBOOT_SETUP_ADDR);
    ck_assert_uint_eq(fw_read32(io, FW_CFG_SETUP_SIZE), (SETUP_SECTS + 1) * 512);
    ck_assert_uint_eq(fw_read32(io, FW_CFG_KERNEL_ADDR), 0x100000);
    ck_assert_uint_eq(fw_read32(io, FW_CFG_KERNEL_SIZE), PROT_SIZE);
    ck_assert_uint_eq(fw_read32(io, FW_CFG_INITRD_SIZE), 4096);
    ck_assert_uint_eq(fw_read32(io, FW_CFG_CMDLINE_ADDR), KBOOT_CMDLINE_ADDR);
    ck_assert_uint_eq(fw_read32(io, FW_CFG_CMDLINE_SIZE), strlen("console=ttyS0 test=1") + 1);
    /* The setup data carries the patched header: loader, heap, initrd. */
    ioport_write(io, FW_CFG_PORT_SEL, FW_CFG_SETUP_DATA, 2);
    uint8_t setup[0x240];
    for (size_t i = 0; i < sizeof setup; i++)
        setup[i] = (uint8_t)ioport_read(io, FW_CFG_PORT_DATA, 1);
    ck_assert_uint_eq(setup[0x210], 0xff);
    ck_assert(setup[0x211] & 0x80); /* CAN_USE_HEAP */
    ck_assert_uint_eq(setup[0x228] | setup[0x229] << 8 | setup[0x22a] << 16, KBOOT_CMDLINE_ADDR);
    uint32_t rd =
        setup[0x218] | setup[0x219] << 8 | setup[0x21a] << 16 | (uint32_t)setup[0x21b] << 24;
    ck_assert_uint_eq(rd, fw_read32(io, FW_CFG_INITRD_ADDR));
    /* The option ROM and the boot order naming it. */
    ck_assert_int_ge(fw_cfg_find_file(pc_fw_cfg(pc), "genroms/linuxboot.bin"), 0);
    ck_assert_int_ge(fw_cfg_find_file(pc_fw_cfg(pc), "bootorder"), 0);
    /* The CPU is left at the reset vector for SeaBIOS. */
    ck_assert_uint_eq(machine_cpu(pc_machine(pc))->eip, 0xfff0);
    pc_destroy(pc);
    remove_files();
}
END_TEST

/* vga= sets the setup header's vid_mode (0x1FA) the real-mode code uses. */
START_TEST(vga_mode)
{
    static const struct {
        const char *append;
        int mode; /* -1: refused */
    } cases[] = {
        {"console=ttyS0 vga=0x317", 0x317},
        {"vga=791 quiet", 791},
        {"vga=ext", 0xfffe},
        {"vga=normal", 0xffff},
        {"vga=ask", 0xfffd},
        {"xvga=5 console=tty0", 0},
        {"vga=0x317x", -1},
        {"vga= console=tty0", -1},
        {"vga=0x10000", -1},
    };
    make_files(0x020f, 4096);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256];
        append = cases[i].append;
        struct pc *pc = make_pc(NULL, 64u << 20, err, sizeof err);
        if (cases[i].mode < 0) {
            ck_assert_msg(pc == NULL, "'%s' accepted", append);
            ck_assert_msg(strstr(err, "vga=") != NULL, "%s", err);
            continue;
        }
        ck_assert_msg(pc != NULL, "pc_create: %s", err);
        struct ioport_map *io = machine_ioport(pc_machine(pc));
        ioport_write(io, FW_CFG_PORT_SEL, FW_CFG_SETUP_DATA, 2);
        uint8_t setup[0x1fc];
        for (size_t j = 0; j < sizeof setup; j++)
            setup[j] = (uint8_t)ioport_read(io, FW_CFG_PORT_DATA, 1);
        ck_assert_msg((setup[0x1fa] | setup[0x1fb] << 8) == cases[i].mode, "'%s': vid_mode 0x%x",
                      append, setup[0x1fa] | setup[0x1fb] << 8);
        pc_destroy(pc);
    }
    append = "console=ttyS0 test=1";
    remove_files();
}
END_TEST

START_TEST(option_rom_image)
{
    ck_assert_uint_eq(linuxboot_rom_size % 512, 0);
    ck_assert_uint_eq(linuxboot_rom[0], 0x55);
    ck_assert_uint_eq(linuxboot_rom[1], 0xaa);
    ck_assert_uint_eq(linuxboot_rom[2] * 512u, linuxboot_rom_size);
    unsigned pnp = linuxboot_rom[0x1a] | linuxboot_rom[0x1b] << 8;
    ck_assert(memcmp(linuxboot_rom + pnp, "$PnP", 4) == 0);
    uint8_t sum = 0;
    for (int i = 0; i < 32; i++)
        sum += linuxboot_rom[pnp + i];
    ck_assert_uint_eq(sum, 0); /* PnP header checksum (BBS appendix C) */
    unsigned bev = linuxboot_rom[pnp + 0x1a] | linuxboot_rom[pnp + 0x1b] << 8;
    ck_assert_uint_gt(bev, pnp);
    ck_assert_uint_lt(bev, linuxboot_rom_size);
}
END_TEST

START_TEST(errors)
{
    char err[256];
    make_files(0x0201, 4096);
    ck_assert(make_pc(PC_BIOS_NONE, 64u << 20, err, sizeof err) == NULL);
    ck_assert_msg(strstr(err, "too old") != NULL, "%s", err);
    remove_files();
    make_files(0x020f, 40u << 20);
    ck_assert(make_pc(PC_BIOS_NONE, 32u << 20, err, sizeof err) == NULL);
    ck_assert_msg(strstr(err, "too large") != NULL, "%s", err);
    remove_files();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linux_boot");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, no_firmware_32bit_protocol);
    tcase_add_test(tc, firmware_fw_cfg_items);
    tcase_add_test(tc, vga_mode);
    tcase_add_test(tc, option_rom_image);
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
