/* The monitor: HMP commands on a bare machine through an in-memory chardev
 * (info status/registers, x/xp in every format and size, stop/cont,
 * system_reset, quit, unknown commands), a whole session over a unix socket
 * while the machine runs, and sendkey/screendump-text on the PC board. The
 * frontend is not part of vx86core, so its sources are compiled in here. */
#define _GNU_SOURCE
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frontend/keys.c"
#include "frontend/monitor.c"
#include "frontend/screenshot.c" /* screendump */

#include "devices/pc.h"
#include "mmu/ioport.h"

#define ROM_SIZE (64u << 10)

static uint8_t *make_rom(const uint8_t *code, size_t len)
{
    uint8_t *rom = malloc(ROM_SIZE);
    memset(rom, 0xf4, ROM_SIZE);
    memcpy(rom + ROM_SIZE - 16, code, len);
    return rom;
}

static struct machine *make(const uint8_t *code, size_t len, bool deterministic)
{
    uint8_t *rom = make_rom(code, len);
    struct machine_config cfg = {
        .ram_size = 2u << 20, .bios = rom, .bios_size = ROM_SIZE, .deterministic = deterministic};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    free(rom);
    return m;
}

/* mov ax,0x1234 (b8 34 12); jmp $ (eb fe) at the reset vector */
static const uint8_t code[] = {0xb8, 0x34, 0x12, 0xeb, 0xfe};

static char out[16384];
static size_t out_len;

/* Run one command and return what it printed (without the prompt). */
static const char *cmd(struct fe_monitor *mon, const char *line)
{
    out_len = 0;
    fe_monitor_command(mon, line);
    out[out_len] = 0;
    return out;
}

static struct fe_monitor *make_monitor(struct machine *m, struct pc *pc, struct chardev **cd)
{
    out_len = 0;
    *cd = chardev_open_buffer(out, sizeof out - 1, &out_len);
    struct fe_monitor *mon = fe_monitor_create(m, pc, *cd);
    ck_assert_ptr_nonnull(mon);
    out[out_len] = 0;
    ck_assert_ptr_nonnull(strstr(out, "monitor - type 'help'"));
    ck_assert_ptr_nonnull(strstr(out, "(qemu) "));
    return mon;
}

START_TEST(status_stop_cont_quit)
{
    struct machine *m = make(code, sizeof code, true);
    struct chardev *cd;
    struct fe_monitor *mon = make_monitor(m, NULL, &cd);
    ck_assert_str_eq(cmd(mon, "info status"), "VM status: running\n");
    ck_assert_str_eq(cmd(mon, "stop"), "");
    ck_assert(machine_paused(m));
    ck_assert_str_eq(cmd(mon, "info status"), "VM status: paused\n");
    ck_assert_str_eq(cmd(mon, "  cont  "), "");
    ck_assert(!machine_paused(m));
    /* unknown commands print an error and change nothing */
    ck_assert_str_eq(cmd(mon, "frobnicate 1 2"), "unknown command: 'frobnicate'\n");
    ck_assert_ptr_nonnull(strstr(cmd(mon, "info"), "info registers"));
    ck_assert_ptr_nonnull(strstr(cmd(mon, "help"), "system_reset"));
    ck_assert_ptr_nonnull(strstr(cmd(mon, "sendkey a"), "no keyboard"));
    /* quit ends the run with status 0 */
    ck_assert_str_eq(cmd(mon, "quit"), "");
    ck_assert_int_eq(machine_run(m), VX86_EXIT_OK);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_FRONTEND);
    ck_assert_uint_eq(machine_icount(m), 0);
    fe_monitor_destroy(mon);
    chardev_close(cd);
    machine_destroy(m);
}
END_TEST

START_TEST(registers_layout)
{
    struct machine *m = make(code, sizeof code, true);
    struct chardev *cd;
    struct fe_monitor *mon = make_monitor(m, NULL, &cd);
    const char *r = cmd(mon, "info registers");
    /* the reset state (SDM Vol. 3A 9.1.1): CS F000 base FFFF0000, EIP FFF0 */
    ck_assert_ptr_nonnull(strstr(r, "EAX=00000000 EBX=00000000 ECX=00000000 EDX="));
    ck_assert_ptr_nonnull(strstr(r, "\nEIP=0000fff0 EFL=00000002 [-------] CPL=0"));
    ck_assert_ptr_nonnull(strstr(r, "\nCS =f000 ffff0000 0000ffff "));
    ck_assert_ptr_nonnull(strstr(r, "\nGDT=     00000000 0000ffff\n"));
    ck_assert_ptr_nonnull(strstr(r, "\nCR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\n"));
    /* after running the MOV, EAX changed and EIP moved to the jmp */
    struct cpu *c = machine_cpu(m);
    ck_assert_int_eq(cpu_run(c, 1), CPU_EXIT_BUDGET);
    r = cmd(mon, "info registers");
    ck_assert_ptr_nonnull(strstr(r, "EAX=00001234 "));
    ck_assert_ptr_nonnull(strstr(r, "\nEIP=0000fff3 "));
    /* the flags string follows the arithmetic flags */
    c->eflags |= EF_DF;
    ck_assert_ptr_nonnull(strstr(cmd(mon, "info registers"), "[D------]"));
    fe_monitor_destroy(mon);
    chardev_close(cd);
    machine_destroy(m);
}
END_TEST

START_TEST(memory_dumps)
{
    struct machine *m = make(code, sizeof code, true);
    struct chardev *cd;
    struct fe_monitor *mon = make_monitor(m, NULL, &cd);
    uint8_t *ram = machine_ram(m);
    static const uint8_t pat[] = {0x41, 0x42, 0x0a, 0xff, 0x10, 0x20, 0x30, 0x40, 0x01,
                                  0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x99};
    memcpy(ram + 0x1000, pat, sizeof pat);
    ck_assert_str_eq(cmd(mon, "xp /4xb 0x1000"), "0000000000001000: 0x41 0x42 0x0a 0xff\n");
    ck_assert_str_eq(cmd(mon, "x /2xh 0x1000"), "00001000: 0x4241 0xff0a\n");
    ck_assert_str_eq(cmd(mon, "x /1xw 0x1004"), "00001004: 0x40302010\n");
    ck_assert_str_eq(cmd(mon, "x /1xg 0x1008"), "00001008: 0x0807060504030201\n");
    ck_assert_str_eq(cmd(mon, "x /4c 0x1000"), "00001000: 'A' 'B' '\\n' '\\xff'\n");
    ck_assert_str_eq(cmd(mon, "x /2db 0x1002"), "00001002:  10  -1\n");
    ck_assert_str_eq(cmd(mon, "x /1ub 0x1003"), "00001003: 255\n");
    ck_assert_str_eq(cmd(mon, "x /1dh 0x1002"), "00001002:  -246\n");
    /* 8 bytes a line for bytes, 16 for wider sizes */
    ck_assert_str_eq(cmd(mon, "x /9xb 0x1008"),
                     "00001008: 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08\n00001010: 0x99\n");
    ck_assert_str_eq(cmd(mon, "x /5xw 0x1000"),
                     "00001000: 0xff0a4241 0x40302010 0x04030201 0x08070605\n"
                     "00001010: 0x00000099\n");
    /* the last format and size are remembered, as QEMU does */
    ck_assert_str_eq(cmd(mon, "x 0x1004"), "00001004: 0x40302010\n");
    /* the ROM at the top of 4 GiB, disassembled in the current code size */
    const char *d = cmd(mon, "x /2i 0xfffffff0");
    ck_assert_msg(strstr(d, "0xfffffff0:  mov") && strstr(d, "0x1234"), "%s", d);
    ck_assert_msg(strstr(d, "0xfffffff3:  jmp"), "%s", d);
    /* $pc is CS:EIP (the reset vector), registers with an offset */
    d = cmd(mon, "x /1i $pc");
    ck_assert_msg(strstr(d, "0xfffffff0:  mov"), "%s", d);
    machine_cpu(m)->gpr[R_ESI] = 0x1000;
    ck_assert_str_eq(cmd(mon, "xp /2xb $esi + 4"), "0000000000001004: 0x10 0x20\n");
    ck_assert_str_eq(cmd(mon, "xp /1xb $esi-0xffc"), "0000000000000004: 0x00\n");
    ck_assert_ptr_nonnull(strstr(cmd(mon, "x /1xb $xyz"), "expected an address"));
    ck_assert_ptr_nonnull(strstr(cmd(mon, "x /1xb 0x100000000"), "expected an address"));
    /* x goes through paging: map linear 0x400000 to physical 0x1000 */
    struct cpu *c = machine_cpu(m);
    uint32_t *pd = (uint32_t *)(ram + 0x10000), *pt = (uint32_t *)(ram + 0x11000);
    memset(pd, 0, 8192);
    pd[1] = 0x11000 | 3;
    pt[0] = 0x1000 | 3;
    c->cr3 = 0x10000;
    c->cr0 |= CR0_PG | CR0_PE;
    ck_assert_str_eq(cmd(mon, "x /2xb 0x400000"), "00400000: 0x41 0x42\n");
    ck_assert_str_eq(cmd(mon, "x /2xb 0x500000"), "00500000: Cannot access memory\n");
    ck_assert_str_eq(cmd(mon, "xp /2xb 0x1000"), "0000000000001000: 0x41 0x42\n");
    /* bad formats and addresses are errors, not exits */
    ck_assert_ptr_nonnull(strstr(cmd(mon, "x /4q 0x1000"), "invalid char in format"));
    ck_assert_ptr_nonnull(strstr(cmd(mon, "xp /4xb"), "expected an address"));
    ck_assert_ptr_nonnull(strstr(cmd(mon, "xp /4xb zz"), "expected an address"));
    fe_monitor_destroy(mon);
    chardev_close(cd);
    machine_destroy(m);
}
END_TEST

START_TEST(system_reset_command)
{
    struct machine *m = make(code, sizeof code, true);
    struct chardev *cd;
    struct fe_monitor *mon = make_monitor(m, NULL, &cd);
    cmd(mon, "system_reset");
    cmd(mon, "quit");
    machine_run(m);
    ck_assert_uint_eq(machine_reset_count(m), 1);
    fe_monitor_destroy(mon);
    chardev_close(cd);
    machine_destroy(m);
}
END_TEST

/* --- a whole session over a unix socket while the guest runs --- */
struct client {
    char path[108];
    char got[8192];
    size_t len;
};

/* Read until a new prompt arrives (or 5 s pass). */
static void read_to_prompt(int fd, struct client *c)
{
    size_t start = c->len;
    for (int i = 0; i < 500; i++) {
        c->got[c->len] = 0;
        const char *last = c->len >= start + 7 ? c->got + c->len - 7 : "";
        if (!strcmp(last, "(qemu) "))
            return;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10) <= 0)
            continue;
        ssize_t n = read(fd, c->got + c->len, sizeof c->got - 1 - c->len);
        if (n <= 0)
            return;
        c->len += (size_t)n;
    }
}

static void *client_main(void *opaque)
{
    struct client *c = opaque;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return NULL;
    read_to_prompt(fd, c);
    static const char *const lines[] = {"info status\n", "stop\n",  "info status\n",
                                        "cont\n",        "bogus\n", "quit\n"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        if (write(fd, lines[i], strlen(lines[i])) < 0)
            break;
        if (i + 1 < sizeof lines / sizeof lines[0])
            read_to_prompt(fd, c);
    }
    close(fd);
    return NULL;
}

START_TEST(unix_socket_session)
{
    struct machine *m = make(code, sizeof code, false);
    struct client c = {0};
    snprintf(c.path, sizeof c.path, "/tmp/vx86_mon_%d.sock", (int)getpid());
    char spec[160], err[256];
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", c.path);
    struct chardev *cd = chardev_open(spec, err, sizeof err);
    ck_assert_msg(cd != NULL, "%s", err);
    struct fe_monitor *mon = fe_monitor_create(m, NULL, cd);
    machine_watch_chardev(m, cd);
    pthread_t th;
    pthread_create(&th, NULL, client_main, &c);
    int status = machine_run(m);
    pthread_join(th, NULL);
    ck_assert_int_eq(status, VX86_EXIT_OK);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_FRONTEND);
    c.got[c.len] = 0;
    const char *running = strstr(c.got, "VM status: running\n(qemu) ");
    ck_assert_msg(running, "%s", c.got);
    const char *paused = strstr(running, "VM status: paused\n(qemu) ");
    ck_assert_msg(paused, "%s", c.got);
    ck_assert_msg(strstr(paused, "unknown command: 'bogus'\n(qemu) "), "%s", c.got);
    ck_assert_uint_gt(machine_icount(m), 0); /* the guest ran meanwhile */
    fe_monitor_destroy(mon);
    chardev_close(cd);
    machine_destroy(m);
}
END_TEST

/* --- on the PC board: sendkey reaches the 8042, screendump-text the VGA --- */
START_TEST(pc_sendkey_and_screendump)
{
    uint8_t *rom = make_rom(code, sizeof code);
    struct pc_config cfg = {.machine = {.ram_size = 16u << 20,
                                        .bios = rom,
                                        .bios_size = ROM_SIZE,
                                        .deterministic = true},
                            .vga_bios_path = ""};
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    free(rom);
    struct machine *m = pc_machine(pc);
    struct chardev *cd;
    struct fe_monitor *mon = make_monitor(m, pc, &cd);
    struct ioport_map *io = machine_ioport(m);
    ck_assert_uint_eq(ioport_read(io, 0x64, 1) & 1, 0); /* output buffer empty */
    ck_assert_str_eq(cmd(mon, "sendkey a"), "");
    /* the make code of 'a' waits in the 8042: set 1 (0x1e) if the 8042
     * translates, set 2 (0x1c) if not */
    ck_assert_uint_eq(ioport_read(io, 0x64, 1) & 1, 1);
    uint32_t code_a = ioport_read(io, 0x60, 1);
    ck_assert_msg(code_a == 0x1e || code_a == 0x1c, "got 0x%x", code_a);
    ck_assert_ptr_nonnull(strstr(cmd(mon, "sendkey nosuchkey"), "unknown key"));

    /* the VGA's text memory (its registers are not programmed without a
     * VGA BIOS, so compare with the VGA's own dump) */
    struct vga *v = pc_vga(pc);
    static const char msg[] = "Hi there";
    for (int i = 0; msg[i]; i++) {
        memmap_write(machine_memmap(m), 0xb8000 + 2 * i, (uint8_t)msg[i], 1);
        memmap_write(machine_memmap(m), 0xb8000 + 2 * i + 1, 0x07, 1);
    }
    char path[] = "/tmp/vx86_screen_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char line[128];
    snprintf(line, sizeof line, "screendump-text %s", path);
    ck_assert_str_eq(cmd(mon, line), "");
    char buf[4096] = {0};
    FILE *f = fopen(path, "r");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    unlink(path);
    if (v) {
        char want[4096];
        size_t wn = vga_text_dump(v, want, sizeof want);
        ck_assert_uint_eq(n, wn);
        ck_assert_mem_eq(buf, want, n);
    } else {
        ck_assert_uint_eq(n, 0);
    }
    ck_assert_ptr_nonnull(strstr(cmd(mon, "screendump-text /nonexistent/dir/x"), "cannot write"));
    fe_monitor_destroy(mon);
    chardev_close(cd);
    pc_destroy(pc);
}
END_TEST

/* --keys: names are checked up front; keys are typed one per interval of
 * virtual time, so the 8042 sees the first at once and the next later. */
START_TEST(keys_typed_on_the_clock)
{
    uint8_t *rom = make_rom(code, sizeof code);
    struct pc_config cfg = {.machine = {.ram_size = 16u << 20,
                                        .bios = rom,
                                        .bios_size = ROM_SIZE,
                                        .deterministic = true,
                                        .icount_shift = 4,
                                        .max_insns = 1000},
                            .vga_bios_path = ""};
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    free(rom);
    struct machine *m = pc_machine(pc);
    struct ps2_kbd *kbd = i8042_kbd(pc_keyboard(pc));
    ck_assert_ptr_null(fe_keys_create(m, kbd, "a bogus", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "'bogus'"));
    ck_assert_ptr_null(fe_keys_create(m, kbd, "ctrl--a", err, sizeof err));
    ck_assert_ptr_null(fe_keys_create(m, kbd, "   ", err, sizeof err));
    struct fe_keys *k = fe_keys_create(m, kbd, " a  ctrl-alt-delete b ", err, sizeof err);
    ck_assert_msg(k != NULL, "%s", err);
    struct ioport_map *io = machine_ioport(m);
    fe_keys_start(k);
    ck_assert_int_eq(fe_keys_typed(k), 0);
    machine_run(m); /* 1000 instructions = 16 us: the first key only */
    ck_assert_int_eq(fe_keys_typed(k), 1);
    ck_assert_uint_eq(ioport_read(io, 0x64, 1) & 1, 1);
    uint32_t a = ioport_read(io, 0x60, 1);
    ck_assert_msg(a == 0x1e || a == 0x1c, "got 0x%x", a);
    /* 20 ms of virtual time later, the combo */
    vclock_warp(machine_vclock(m), FE_KEY_INTERVAL_NS);
    vclock_run_timers(machine_vclock(m));
    ck_assert_int_eq(fe_keys_typed(k), 2);
    vclock_warp(machine_vclock(m), FE_KEY_INTERVAL_NS);
    vclock_run_timers(machine_vclock(m));
    ck_assert_int_eq(fe_keys_typed(k), 3);
    vclock_warp(machine_vclock(m), FE_KEY_INTERVAL_NS);
    vclock_run_timers(machine_vclock(m));
    ck_assert_int_eq(fe_keys_typed(k), 3); /* all typed, the timer stays off */
    fe_keys_destroy(k);
    pc_destroy(pc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, status_stop_cont_quit);
    tcase_add_test(tc, registers_layout);
    tcase_add_test(tc, memory_dumps);
    tcase_add_test(tc, system_reset_command);
    tcase_add_test(tc, unix_socket_session);
    tcase_add_test(tc, pc_sendkey_and_screendump);
    tcase_add_test(tc, keys_typed_on_the_clock);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
