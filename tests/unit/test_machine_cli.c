/* The frontend: command-line parsing (options, values and the errors that
 * name them), the -d log file and the Capstone instruction trace line. The
 * frontend is not part of vx86core, so its sources are compiled in here. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/cli.c"
#include "frontend/log.c"
#include "frontend/trace.c"

#include "devices/machine.h"

/* Parse a NULL-terminated argument list, capturing what goes to out/err. */
static enum cli_result parse(struct cli_options *o, char *out, char *err, const char *const *args) {
    char *argv[32];
    int argc = 0;
    argv[argc++] = "vx86";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    FILE *fo = fmemopen(out, 4096, "w");
    FILE *fe = fmemopen(err, 4096, "w");
    enum cli_result r = cli_parse(argc, argv, o, fo, fe);
    fclose(fo);
    fclose(fe);
    return r;
}

static char out[4096], err[4096];

START_TEST(defaults_and_values) {
    struct cli_options o;
    const char *a1[] = {"-bios", "x.bin", NULL};
    ck_assert_int_eq(parse(&o, out, err, a1), CLI_RUN);
    ck_assert_str_eq(o.bios, "x.bin");
    ck_assert_uint_eq(o.ram_size, 128u << 20);
    ck_assert_str_eq(o.debugcon, "none");
    ck_assert(!o.no_reboot);
    ck_assert_uint_eq(o.log_mask, 0);

    const char *a2[] = {"--bios",      "y.bin",      "-m",         "1G",         "-debugcon",
                        "file:/tmp/x", "-no-reboot", "-d",         "int,pf",     "-d",
                        "post",        "-D",         "log.txt",    "-max-insns", "1000",
                        "-display",    "none",       "-nographic", NULL};
    ck_assert_int_eq(parse(&o, out, err, a2), CLI_RUN);
    ck_assert_str_eq(o.bios, "y.bin");
    ck_assert_uint_eq(o.ram_size, 1ull << 30);
    ck_assert_str_eq(o.debugcon, "file:/tmp/x");
    ck_assert(o.no_reboot);
    ck_assert_uint_eq(o.log_mask, CPU_LOG_INT | CPU_LOG_PF | FE_LOG_POST);
    ck_assert_str_eq(o.log_file, "log.txt");
    ck_assert_uint_eq(o.max_insns, 1000);
}
END_TEST

START_TEST(ram_sizes) {
    uint64_t b;
    char e[128];
    ck_assert(cli_parse_ram_size("256", &b, e, sizeof e));
    ck_assert_uint_eq(b, 256u << 20);
    ck_assert(cli_parse_ram_size("512M", &b, e, sizeof e));
    ck_assert_uint_eq(b, 512u << 20);
    ck_assert(cli_parse_ram_size("2g", &b, e, sizeof e));
    ck_assert_uint_eq(b, 2ull << 30);
    ck_assert(cli_parse_ram_size("4096K", &b, e, sizeof e));
    ck_assert_uint_eq(b, 4u << 20);
    ck_assert(!cli_parse_ram_size("0", &b, e, sizeof e));
    ck_assert(!cli_parse_ram_size("-5", &b, e, sizeof e));
    ck_assert(!cli_parse_ram_size("abc", &b, e, sizeof e));
    ck_assert(!cli_parse_ram_size("12X", &b, e, sizeof e));
    ck_assert(!cli_parse_ram_size("", &b, e, sizeof e));
    ck_assert(!cli_parse_ram_size("4G", &b, e, sizeof e)); /* no room for the ROM */
    ck_assert(!cli_parse_ram_size("99999999999999999999", &b, e, sizeof e));
    ck_assert(!cli_parse_ram_size("1025K", &b, e, sizeof e)); /* not whole pages */
}
END_TEST

START_TEST(errors_name_the_option) {
    struct cli_options o;
    const char *a1[] = {"-bios", "x.bin", "-frobnicate", NULL};
    ck_assert_int_eq(parse(&o, out, err, a1), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "-frobnicate"));
    const char *a2[] = {"-bios", "x.bin", "-m", "lots", NULL};
    ck_assert_int_eq(parse(&o, out, err, a2), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "-m"));
    ck_assert_ptr_nonnull(strstr(err, "lots"));
    const char *a3[] = {"-bios", NULL};
    ck_assert_int_eq(parse(&o, out, err, a3), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "needs a value"));
    const char *a4[] = {"-bios", "x.bin", "-debugcon", "tcp:1", NULL};
    ck_assert_int_eq(parse(&o, out, err, a4), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "-debugcon"));
    const char *a5[] = {"-bios", "x.bin", "-d", "int,bogus", NULL};
    ck_assert_int_eq(parse(&o, out, err, a5), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "bogus"));
    /* -bios is optional: the PC board loads SeaBIOS by default */
    const char *a6[] = {"-m", "64", NULL};
    ck_assert_int_eq(parse(&o, out, err, a6), CLI_RUN);
    ck_assert_ptr_null(o.bios);
    const char *a7[] = {"-bios", "x.bin", "stray", NULL};
    ck_assert_int_eq(parse(&o, out, err, a7), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "stray"));
    const char *a8[] = {"-bios", "x.bin", "-max-insns", "0", NULL};
    ck_assert_int_eq(parse(&o, out, err, a8), CLI_ERROR);
    const char *a9[] = {"-bios", "x.bin", "-display", "gtk", NULL};
    ck_assert_int_eq(parse(&o, out, err, a9), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "gtk"));
    const char *a10[] = {"-display", "sdl", "--screenshot-on-exit", "s.png", NULL};
    ck_assert_int_eq(parse(&o, out, err, a10), CLI_RUN);
    ck_assert_str_eq(o.display, "sdl");
    ck_assert_str_eq(o.screenshot_on_exit, "s.png");
}
END_TEST

START_TEST(help_and_version) {
    struct cli_options o;
    const char *a1[] = {"-h", NULL};
    ck_assert_int_eq(parse(&o, out, err, a1), CLI_DONE);
    ck_assert_ptr_nonnull(strstr(out, "-bios FILE"));
    ck_assert_ptr_nonnull(strstr(out, "-no-reboot"));
    const char *a2[] = {"--help", NULL};
    ck_assert_int_eq(parse(&o, out, err, a2), CLI_DONE);
    const char *a3[] = {"-version", NULL};
    ck_assert_int_eq(parse(&o, out, err, a3), CLI_DONE);
    ck_assert_ptr_nonnull(strstr(out, VX86_VERSION));
    const char *a4[] = {"-d", "help", NULL};
    ck_assert_int_eq(parse(&o, out, err, a4), CLI_DONE);
    ck_assert_ptr_nonnull(strstr(out, "unimp"));
    ck_assert_ptr_nonnull(strstr(out, "post"));
}
END_TEST

START_TEST(log_file) {
    char path[] = "/tmp/vx86_log_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char e[256];
    struct fe_log *l = fe_log_open(path, e, sizeof e);
    ck_assert_ptr_nonnull(l);
    fe_log_printf(l, "int", "exception %d\n", 13);
    fe_log_close(l);
    FILE *f = fopen(path, "r");
    char line[64] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    unlink(path);
    ck_assert_str_eq(line, "exception 13\n");
    ck_assert_ptr_null(fe_log_open("/nonexistent/dir/log", e, sizeof e));
}
END_TEST

/* The trace line for the first instructions after reset. */
START_TEST(trace_line) {
    uint8_t *rom = malloc(64u << 10);
    memset(rom, 0xf4, 64u << 10);
    /* fff0: mov ax, 0x1234; add eax, ecx (66 01 c8) */
    static const uint8_t code[] = {0xb8, 0x34, 0x12, 0x66, 0x01, 0xc8, 0xf4};
    memcpy(rom + 0xfff0, code, sizeof code);
    struct machine_config cfg = {.ram_size = 1u << 20, .bios = rom, .bios_size = 64u << 10};
    char e[256];
    struct machine *m = machine_create(&cfg, e, sizeof e);
    ck_assert_ptr_nonnull(m);
    struct fe_trace *t = fe_trace_create(stderr);
    char line[512];
    struct cpu *cpu = machine_cpu(m);
    fe_trace_format(t, cpu, line, sizeof line);
    ck_assert_msg(strstr(line, "f000:0000fff0 b8 34 12 ") == line, "%s", line);
    ck_assert_msg(strstr(line, "mov ax, 0x1234"), "%s", line);
    ck_assert_msg(strstr(line, "EDX=000006d6"), "%s", line);
    ck_assert_msg(strstr(line, "EFL=00000002 CPL=0"), "%s", line);
    cpu_run(cpu, 1);
    fe_trace_format(t, cpu, line, sizeof line);
    ck_assert_msg(strstr(line, "f000:0000fff3 66 01 c8 "), "%s", line);
    ck_assert_msg(strstr(line, "add eax, ecx"), "%s", line);
    ck_assert_msg(strstr(line, "EAX=00001234"), "%s", line);
    fe_trace_destroy(t);
    machine_destroy(m);
    free(rom);
}
END_TEST

int main(void) {
    Suite *s = suite_create("machine_cli");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults_and_values);
    tcase_add_test(tc, ram_sizes);
    tcase_add_test(tc, errors_name_the_option);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, log_file);
    tcase_add_test(tc, trace_line);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
