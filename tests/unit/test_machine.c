/* The minimal machine: memory map (RAM, hole, ROM at the top and its alias
 * below 1 MiB), the debug console, exit and POST ports, halting, triple
 * faults with and without reboot, instruction limits, two machines at once,
 * ROM size checks and the character backends. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bios/rom.h"
#include "cpu/cpu.h"
#include "devices/chardev.h"
#include "devices/machine.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define ROM_SIZE (64u << 10)

/* A 64 KiB ROM of HLT bytes with `code` placed at the reset vector (0xFFF0). */
static uint8_t *make_rom(size_t size, const uint8_t *code, size_t len) {
    uint8_t *rom = malloc(size);
    memset(rom, 0xf4, size);
    memcpy(rom + size - 16, code, len);
    return rom;
}

struct console {
    char buf[256];
    size_t len;
    struct chardev *cd;
};

static struct machine *make_machine(const uint8_t *code, size_t len, struct console *con,
                                    bool no_reboot) {
    uint8_t *rom = make_rom(ROM_SIZE, code, len);
    if (con) {
        memset(con, 0, sizeof *con);
        con->cd = chardev_open_buffer(con->buf, sizeof con->buf - 1, &con->len);
    }
    struct machine_config cfg = {
        .ram_size = 16u << 20,
        .bios = rom,
        .bios_size = ROM_SIZE,
        .debugcon = con ? con->cd : NULL,
        .no_reboot = no_reboot,
    };
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_create: %s", err);
    free(rom); /* the machine keeps its own copy */
    return m;
}

/* mov al,'h'; out 0xe9,al; mov al,'i'; out 0xe9,al; mov al,0x10; out 0xf4,al; hlt */
static const uint8_t hello_exit[] = {0xb0, 'h',  0xe6, 0xe9, 0xb0, 'i', 0xe6,
                                     0xe9, 0xb0, 0x10, 0xe6, 0xf4, 0xf4};

START_TEST(debugcon_and_exit_port) {
    struct console con;
    struct machine *m = make_machine(hello_exit, sizeof hello_exit, &con, true);
    int status = machine_run(m);
    ck_assert_int_eq(status, (0x10 << 1) | 1);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_EXIT_PORT);
    con.buf[con.len] = 0;
    ck_assert_str_eq(con.buf, "hi");
    /* 6 instructions retired: the exit port stops before the HLT */
    ck_assert_uint_eq(machine_icount(m), 6);
    machine_destroy(m);
    chardev_close(con.cd);
}
END_TEST

/* mov al,0x42; out 0x80,al; mov al,0x43; out 0x80,al; cli; hlt */
START_TEST(post_code_and_halt) {
    static const uint8_t code[] = {0xb0, 0x42, 0xe6, 0x80, 0xb0, 0x43, 0xe6, 0x80, 0xfa, 0xf4};
    struct machine *m = make_machine(code, sizeof code, NULL, true);
    ck_assert_int_eq(machine_post_code(m), -1);
    int status = machine_run(m);
    ck_assert_int_eq(status, VX86_EXIT_HALTED);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_HALTED);
    ck_assert_int_eq(machine_post_code(m), 0x43);
    /* the POST latch reads back its last value; the debug console reads 0xE9 */
    ck_assert_uint_eq(ioport_read(machine_ioport(m), 0x80, 1), 0x43);
    ck_assert_uint_eq(ioport_read(machine_ioport(m), 0xe9, 1), 0xe9);
    ck_assert_uint_eq(ioport_read(machine_ioport(m), 0x402, 1), 0xe9);
    machine_destroy(m);
}
END_TEST

/* lidt with limit 0 from the ROM, then int3: #GP, #DF, shutdown.
 * fff0: lidt cs:[0xfffa] (2e 0f 01 1e fa ff); int3 (cc); ...; fffa: 0,0,0,0,0,0 */
static const uint8_t triple[] = {0x2e, 0x0f, 0x01, 0x1e, 0xfa, 0xff, 0xcc, 0xf4,
                                 0xf4, 0xf4, 0,    0,    0,    0,    0,    0};

START_TEST(triple_fault_no_reboot) {
    struct machine *m = make_machine(triple, sizeof triple, NULL, true);
    ck_assert_int_eq(machine_run(m), VX86_EXIT_TRIPLE_FAULT);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_TRIPLE_FAULT);
    ck_assert_uint_eq(machine_reset_count(m), 0);
    machine_destroy(m);
}
END_TEST

START_TEST(triple_fault_resets) {
    uint8_t *rom = make_rom(ROM_SIZE, triple, sizeof triple);
    struct machine_config cfg = {
        .ram_size = 8u << 20, .bios = rom, .bios_size = ROM_SIZE, .max_insns = 100};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    /* Each boot retires 1 instruction (LIDT) before shutting down; the
     * instruction limit ends the endless reset loop. */
    ck_assert_int_eq(machine_run(m), VX86_EXIT_OK);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_INSN_LIMIT);
    ck_assert_uint_ge(machine_reset_count(m), 10);
    ck_assert_uint_eq(machine_icount(m), 100);
    /* after a reset the CPU is back at the reset vector state */
    struct cpu *cpu = machine_cpu(m);
    ck_assert_uint_eq(cpu->cr0 & CR0_PE, 0);
    machine_destroy(m);
    free(rom);
}
END_TEST

/* jmp $ (eb fe): the instruction limit stops it with exactly that many. */
START_TEST(instruction_limit) {
    static const uint8_t spin[] = {0xeb, 0xfe};
    uint8_t *rom = make_rom(ROM_SIZE, spin, sizeof spin);
    struct machine_config cfg = {
        .ram_size = 1u << 20, .bios = rom, .bios_size = ROM_SIZE, .max_insns = 2500001};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(machine_run(m), VX86_EXIT_OK);
    ck_assert_uint_eq(machine_icount(m), 2500001);
    machine_destroy(m);
    free(rom);
}
END_TEST

START_TEST(memory_map) {
    static const uint8_t code[] = {0xf4};
    uint8_t *rom = make_rom(128u << 10, code, sizeof code);
    rom[0] = 0x11;           /* first byte of the image */
    rom[(64u << 10)] = 0x22; /* first byte of its last 64 KiB */
    struct machine_config cfg = {.ram_size = 4u << 20, .bios = rom, .bios_size = 128u << 10};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    struct memmap *mem = machine_memmap(m);

    /* ROM at 4 GiB - 128 KiB, and aliased at 0xE0000 */
    ck_assert_uint_eq(memmap_read(mem, 0xfffe0000, 1), 0x11);
    ck_assert_uint_eq(memmap_read(mem, 0xffff0000, 1), 0x22);
    ck_assert_uint_eq(memmap_read(mem, 0xe0000, 1), 0x11);
    ck_assert_uint_eq(memmap_read(mem, 0xf0000, 1), 0x22);
    ck_assert_uint_eq(memmap_read(mem, 0xfffffff0, 1), 0xf4);
    /* ROM ignores writes */
    memmap_write(mem, 0xf0000, 0x99, 1);
    ck_assert_uint_eq(memmap_read(mem, 0xf0000, 1), 0x22);
    /* RAM below 640 KiB and from 1 MiB, shared with machine_ram() */
    memmap_write(mem, 0x9fffc, 0xdeadbeef, 4);
    ck_assert_uint_eq(memmap_read(mem, 0x9fffc, 4), 0xdeadbeef);
    memmap_write(mem, 0x100000, 0x1234, 2);
    ck_assert_uint_eq(machine_ram(m)[0x100000], 0x34);
    memmap_write(mem, 0x3ffffc, 0xcafef00d, 4);
    ck_assert_uint_eq(memmap_read(mem, 0x3ffffc, 4), 0xcafef00d);
    /* the 0xA0000-0xDFFFF hole and beyond RAM read as all ones */
    ck_assert_uint_eq(memmap_read(mem, 0xa0000, 1), 0xff);
    ck_assert_uint_eq(memmap_read(mem, 0xdffff, 1), 0xff);
    ck_assert_uint_eq(memmap_read(mem, 0x400000, 4), 0xffffffff);
    memmap_write(mem, 0xb8000, 0x41, 1);
    ck_assert_uint_eq(memmap_read(mem, 0xb8000, 1), 0xff);
    /* RAM starts on a 2 MiB boundary, where the host can back it with huge
     * pages (machine.c, ram_map), and is zeroed */
    ck_assert_uint_eq((uintptr_t)machine_ram(m) & ((2u << 20) - 1), 0);
    ck_assert_uint_eq(machine_ram(m)[0x3ffffb], 0);
    machine_destroy(m);
    free(rom);
}
END_TEST

/* Two machines in one process do not share state. */
START_TEST(two_machines) {
    static const uint8_t code_a[] = {0xb0, 'A',  0xe6, 0xe9, 0xb0, 0x01, 0xe6,
                                     0x80, 0xb0, 0x02, 0xe6, 0xf4, 0xf4};
    static const uint8_t code_b[] = {0xb0, 'B',  0xe6, 0xe9, 0xb0, 'b', 0xe6,
                                     0xe9, 0xb0, 0x03, 0xe6, 0xf4, 0xf4};
    struct console ca, cb;
    struct machine *a = make_machine(code_a, sizeof code_a, &ca, true);
    struct machine *b = make_machine(code_b, sizeof code_b, &cb, true);
    ck_assert_int_eq(machine_run(b), (3 << 1) | 1);
    ck_assert_int_eq(machine_run(a), (2 << 1) | 1);
    ca.buf[ca.len] = 0;
    cb.buf[cb.len] = 0;
    ck_assert_str_eq(ca.buf, "A");
    ck_assert_str_eq(cb.buf, "Bb");
    ck_assert_int_eq(machine_post_code(a), 1);
    ck_assert_int_eq(machine_post_code(b), -1);
    machine_ram(a)[0x1000] = 0x5a;
    ck_assert_uint_eq(machine_ram(b)[0x1000], 0);
    machine_destroy(a);
    machine_destroy(b);
    chardev_close(ca.cd);
    chardev_close(cb.cd);
}
END_TEST

START_TEST(bad_configs) {
    char err[256];
    uint8_t *rom = make_rom(ROM_SIZE, hello_exit, sizeof hello_exit);
    struct machine_config cfg = {.ram_size = 512u << 10, .bios = rom, .bios_size = ROM_SIZE};
    ck_assert_ptr_null(machine_create(&cfg, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "RAM size"));
    cfg.ram_size = 4096ull << 20;
    ck_assert_ptr_null(machine_create(&cfg, err, sizeof err));
    cfg.ram_size = 16u << 20;
    cfg.bios_size = ROM_SIZE - 1;
    ck_assert_ptr_null(machine_create(&cfg, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "64 KiB"));
    cfg.bios = NULL;
    cfg.bios_size = ROM_SIZE;
    ck_assert_ptr_null(machine_create(&cfg, err, sizeof err));
    free(rom);
}
END_TEST

START_TEST(rom_sizes) {
    char err[256];
    ck_assert(rom_check_size(64u << 10, err, sizeof err));
    ck_assert(rom_check_size(128u << 10, err, sizeof err));
    ck_assert(rom_check_size(2u << 20, err, sizeof err));
    ck_assert(!rom_check_size(0, err, sizeof err));
    ck_assert(!rom_check_size(32u << 10, err, sizeof err));
    ck_assert(!rom_check_size((64u << 10) + 512, err, sizeof err));
    ck_assert(!rom_check_size((2u << 20) + (64u << 10), err, sizeof err));
}
END_TEST

START_TEST(rom_files) {
    char path[] = "/tmp/vx86_rom_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *data;
    size_t size;
    char err[256];
    /* too small */
    ck_assert_int_eq(write(fd, "abc", 3), 3);
    ck_assert_int_eq(rom_load_file(path, &data, &size, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, path));
    /* exactly 64 KiB */
    uint8_t *rom = make_rom(ROM_SIZE, hello_exit, sizeof hello_exit);
    ck_assert_int_eq(ftruncate(fd, 0), 0);
    ck_assert_int_eq(pwrite(fd, rom, ROM_SIZE, 0), (ssize_t)ROM_SIZE);
    ck_assert_int_eq(rom_load_file(path, &data, &size, err, sizeof err), 0);
    ck_assert_uint_eq(size, ROM_SIZE);
    ck_assert_mem_eq(data, rom, ROM_SIZE);
    free(data);
    close(fd);
    unlink(path);
    /* missing file, directory */
    ck_assert_int_eq(rom_load_file(path, &data, &size, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
    ck_assert_int_eq(rom_load_file("/tmp", &data, &size, err, sizeof err), -1);
    free(rom);
}
END_TEST

START_TEST(chardevs) {
    char err[256];
    ck_assert_ptr_null(chardev_open("tcp:1234", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "tcp:1234"));
    ck_assert_ptr_null(chardev_open("file:", err, sizeof err));
    ck_assert_ptr_null(chardev_open("file:/nonexistent/dir/x", err, sizeof err));

    struct chardev *none = chardev_open("none", err, sizeof err);
    ck_assert_ptr_nonnull(none);
    chardev_putc(none, 'x');
    uint8_t b;
    ck_assert_uint_eq(chardev_read(none, &b, 1), 0);
    chardev_close(none);

    char path[] = "/tmp/vx86_con_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "file:%s", path);
    struct chardev *f = chardev_open(spec, err, sizeof err);
    ck_assert_ptr_nonnull(f);
    chardev_write(f, (const uint8_t *)"abc", 3);
    chardev_putc(f, '\n');
    chardev_close(f);
    FILE *in = fopen(path, "r");
    char line[16] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, in));
    fclose(in);
    unlink(path);
    ck_assert_str_eq(line, "abc\n");

    char buf[4];
    size_t len = 0;
    struct chardev *mb = chardev_open_buffer(buf, sizeof buf, &len);
    chardev_write(mb, (const uint8_t *)"123456", 6);
    ck_assert_uint_eq(len, 4); /* truncated at capacity */
    ck_assert_mem_eq(buf, "1234", 4);
    chardev_close(mb);
}
END_TEST

int main(void) {
    Suite *s = suite_create("machine");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, debugcon_and_exit_port);
    tcase_add_test(tc, post_code_and_halt);
    tcase_add_test(tc, triple_fault_no_reboot);
    tcase_add_test(tc, triple_fault_resets);
    tcase_add_test(tc, instruction_limit);
    tcase_add_test(tc, memory_map);
    tcase_add_test(tc, two_machines);
    tcase_add_test(tc, bad_configs);
    tcase_add_test(tc, rom_sizes);
    tcase_add_test(tc, rom_files);
    tcase_add_test(tc, chardevs);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
