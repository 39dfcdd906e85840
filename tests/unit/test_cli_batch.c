/* The issue-3 command line (-serial, -monitor, -nographic, -icount, -rtc,
 * -boot, -option-rom, --expect/--fail/--timeout/--text-screen) and the batch
 * matcher (line-by-line POSIX regexes over COM1 and the debug console,
 * incremental, fail before expect). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/batch.c"
#include "frontend/cli.c"
#include "test_util.h"

#include "cli_test_util.h" /* after frontend/cli.c */

START_TEST(serial_monitor_nographic)
{
    struct cli_options o;
    const char *a1[] = {NULL};
    ck_assert_int_eq(parse(&o, a1), CLI_RUN);
    ck_assert_int_eq(o.nserial, 0);
    ck_assert_str_eq(o.debugcon, "none");
    ck_assert_ptr_null(o.monitor);
    ck_assert(!o.deterministic);

    const char *a2[] = {"-serial", "file:/tmp/a", "-serial",
                        "none",    "-serial",     "unix:/tmp/s,server,nowait",
                        "-serial", "pty",         NULL};
    ck_assert_int_eq(parse(&o, a2), CLI_RUN);
    ck_assert_int_eq(o.nserial, 4);
    ck_assert_str_eq(o.serial[0], "file:/tmp/a");
    ck_assert_str_eq(o.serial[3], "pty");
    const char *a3[] = {"-serial", "none", "-serial", "none", "-serial", "none",
                        "-serial", "none", "-serial", "none", NULL};
    ck_assert_int_eq(parse(&o, a3), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "-serial"));
    const char *a4[] = {"-serial", "tcp:localhost:4", NULL};
    ck_assert_int_eq(parse(&o, a4), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "tcp:localhost:4"));

    /* -nographic: COM1 on stdio, debug console on stderr */
    const char *a5[] = {"-nographic", NULL};
    ck_assert_int_eq(parse(&o, a5), CLI_RUN);
    ck_assert(o.nographic);
    ck_assert_int_eq(o.nserial, 1);
    ck_assert_str_eq(o.serial[0], "stdio");
    ck_assert_str_eq(o.debugcon, "stderr");
    /* ... unless redirected */
    const char *a6[] = {"-nographic", "-serial", "file:/tmp/x", "-debugcon", "file:/tmp/y", NULL};
    ck_assert_int_eq(parse(&o, a6), CLI_RUN);
    ck_assert_str_eq(o.serial[0], "file:/tmp/x");
    ck_assert_str_eq(o.debugcon, "file:/tmp/y");

    const char *a7[] = {"-monitor", "unix:/tmp/m,server,nowait", NULL};
    ck_assert_int_eq(parse(&o, a7), CLI_RUN);
    ck_assert_str_eq(o.monitor, "unix:/tmp/m,server,nowait");
    const char *a8[] = {"-monitor", "file:/tmp/m", NULL};
    ck_assert_int_eq(parse(&o, a8), CLI_ERROR);
    /* stdin can serve one reader only */
    const char *a9[] = {"-nographic", "-monitor", "stdio", NULL};
    ck_assert_int_eq(parse(&o, a9), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "stdio"));
    const char *a10[] = {"-monitor", "stdio", "-serial", "file:/tmp/s", NULL};
    ck_assert_int_eq(parse(&o, a10), CLI_RUN);
}
END_TEST

START_TEST(icount_rtc_boot_batch)
{
    struct cli_options o;
    const char *a1[] = {"-icount", "shift=3", NULL};
    ck_assert_int_eq(parse(&o, a1), CLI_RUN);
    ck_assert(o.deterministic);
    ck_assert_int_eq(o.icount_shift, 3);
    const char *a2[] = {"-icount", "0", NULL};
    ck_assert_int_eq(parse(&o, a2), CLI_RUN);
    ck_assert(o.deterministic);
    ck_assert_int_eq(o.icount_shift, 0);
    const char *a3[] = {"-icount", "shift=7,align=off", NULL};
    ck_assert_int_eq(parse(&o, a3), CLI_RUN);
    ck_assert_int_eq(o.icount_shift, 7);
    static const char *const bad_icount[] = {"shift=auto", "11", "-1", "x", "shift=", ""};
    for (size_t i = 0; i < sizeof bad_icount / sizeof bad_icount[0]; i++) {
        const char *a[] = {"-icount", bad_icount[i], NULL};
        ck_assert_msg(parse(&o, a) == CLI_ERROR, "-icount %s accepted", bad_icount[i]);
    }

    int64_t base;
    bool local;
    char msg[256];
    ck_assert(cli_parse_rtc("base=utc", &base, &local, msg, sizeof msg));
    ck_assert(base == 0 && !local);
    ck_assert(cli_parse_rtc("base=localtime", &base, &local, msg, sizeof msg));
    ck_assert(local);
    ck_assert(cli_parse_rtc("base=2006-06-17T16:01:21", &base, &local, msg, sizeof msg));
    ck_assert_int_eq(base, 1150560081); /* date -u -d 2006-06-17T16:01:21 +%s */
    ck_assert(cli_parse_rtc("base=2000-03-01,clock=host", &base, &local, msg, sizeof msg));
    ck_assert_int_eq(base, 951868800);
    ck_assert(!cli_parse_rtc("base=2000-13-01", &base, &local, msg, sizeof msg));
    ck_assert(!cli_parse_rtc("base=yesterday", &base, &local, msg, sizeof msg));
    ck_assert(!cli_parse_rtc("base=2000-01-01T25:00:00", &base, &local, msg, sizeof msg));
    ck_assert(!cli_parse_rtc("base=2000-01-01Tjunk", &base, &local, msg, sizeof msg));
    ck_assert(!cli_parse_rtc("speed=2", &base, &local, msg, sizeof msg));
    const char *a4[] = {"-rtc", "base=2020-01-01T00:00:00", NULL};
    ck_assert_int_eq(parse(&o, a4), CLI_RUN);
    ck_assert_int_eq(o.rtc_base, 1577836800);

    const char *a5[] = {"-boot", "order=dc,menu=on", "-option-rom", "a.bin", "-option-rom", "b.bin",
                        NULL};
    ck_assert_int_eq(parse(&o, a5), CLI_RUN);
    ck_assert_str_eq(o.boot_order, "dc");
    ck_assert(o.boot_menu);
    ck_assert_int_eq(o.noption_roms, 2);
    ck_assert_str_eq(o.option_roms[1], "b.bin");
    const char *a6[] = {"-boot", "c", NULL};
    ck_assert_int_eq(parse(&o, a6), CLI_RUN);
    ck_assert_str_eq(o.boot_order, "c");
    const char *a7[] = {"-boot", "order=xyz", NULL};
    ck_assert_int_eq(parse(&o, a7), CLI_ERROR);

    const char *a8[] = {"--expect", "Boot(ing)? ok", "--fail",          "PANIC|Oops", "--timeout",
                        "2.5",      "--text-screen", "/tmp/screen.txt", NULL};
    ck_assert_int_eq(parse(&o, a8), CLI_RUN);
    ck_assert_str_eq(o.expect, "Boot(ing)? ok");
    ck_assert_str_eq(o.fail, "PANIC|Oops");
    ck_assert_uint_eq(o.timeout_ns, 2500000000ull);
    ck_assert_str_eq(o.text_screen, "/tmp/screen.txt");
    static const char *const bad_timeout[] = {"0", "-1", "abc", "1s", ""};
    for (size_t i = 0; i < sizeof bad_timeout / sizeof bad_timeout[0]; i++) {
        const char *a[] = {"--timeout", bad_timeout[i], NULL};
        ck_assert_msg(parse(&o, a) == CLI_ERROR, "--timeout %s accepted", bad_timeout[i]);
        ck_assert_ptr_nonnull(strstr(err, "timeout"));
    }
    const char *a9[] = {"-help", NULL};
    ck_assert_int_eq(parse(&o, a9), CLI_DONE);
    ck_assert_ptr_nonnull(strstr(out, "--expect REGEX"));
    ck_assert_ptr_nonnull(strstr(out, "124"));
}
END_TEST

static void feed(struct fe_batch *b, enum fe_stream s, const char *text)
{
    fe_batch_feed(b, s, (const uint8_t *)text, strlen(text));
}

START_TEST(batch_matching)
{
    char msg[256];
    ck_assert_ptr_null(fe_batch_create("a(b", NULL, msg, sizeof msg));
    ck_assert_ptr_nonnull(strstr(msg, "--expect"));
    ck_assert_ptr_null(fe_batch_create(NULL, "[z-a]", msg, sizeof msg));
    ck_assert_ptr_nonnull(strstr(msg, "--fail"));

    struct fe_batch *b =
        fe_batch_create("^Booting from (Hard Disk|Floppy)", "PANIC", msg, sizeof msg);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(fe_batch_check(b), -1);
    /* a pattern split across writes matches once complete */
    feed(b, FE_STREAM_DEBUGCON, "SeaBIOS\nBoot");
    ck_assert_int_eq(fe_batch_check(b), -1);
    feed(b, FE_STREAM_DEBUGCON, "ing from Ha");
    ck_assert_int_eq(fe_batch_check(b), -1);
    feed(b, FE_STREAM_DEBUGCON, "rd Disk...\n");
    ck_assert_int_eq(fe_batch_check(b), VX86_EXIT_OK);
    fe_batch_destroy(b);

    /* ^ anchors at line starts, not inside a line; streams are separate */
    b = fe_batch_create("^login:", NULL, msg, sizeof msg);
    feed(b, FE_STREAM_SERIAL, "no login: here\n");
    ck_assert_int_eq(fe_batch_check(b), -1);
    feed(b, FE_STREAM_DEBUGCON, "x");
    feed(b, FE_STREAM_SERIAL, "login:");
    ck_assert_int_eq(fe_batch_check(b), VX86_EXIT_OK);
    fe_batch_destroy(b);

    /* $ is a line end, not the end of a partial line */
    b = fe_batch_create("ok$", NULL, msg, sizeof msg);
    feed(b, FE_STREAM_SERIAL, "ok");
    ck_assert_int_eq(fe_batch_check(b), -1);
    feed(b, FE_STREAM_SERIAL, "ay\n");
    ck_assert_int_eq(fe_batch_check(b), -1);
    feed(b, FE_STREAM_SERIAL, "ok\r\n"); /* CR before the newline: no match */
    ck_assert_int_eq(fe_batch_check(b), -1);
    feed(b, FE_STREAM_SERIAL, "all ok\n");
    ck_assert_int_eq(fe_batch_check(b), VX86_EXIT_OK);
    fe_batch_destroy(b);

    /* --fail wins over --expect in the same output */
    b = fe_batch_create("done", "error [0-9]+", msg, sizeof msg);
    feed(b, FE_STREAM_SERIAL, "error 42, done\n");
    ck_assert_int_eq(fe_batch_check(b), VX86_EXIT_FAIL);
    fe_batch_destroy(b);

    /* lots of output: matching stays incremental and still finds the end */
    b = fe_batch_create("THE END", NULL, msg, sizeof msg);
    char line[100];
    memset(line, 'x', sizeof line);
    line[99] = '\n';
    for (int i = 0; i < 30000; i++) {
        fe_batch_feed(b, FE_STREAM_SERIAL, (const uint8_t *)line, sizeof line);
        if (i % 100 == 0)
            ck_assert_int_eq(fe_batch_check(b), -1);
    }
    feed(b, FE_STREAM_SERIAL, "THE END");
    ck_assert_int_eq(fe_batch_check(b), VX86_EXIT_OK);
    fe_batch_destroy(b);
}
END_TEST

static int triggered;
static void on_trigger(void *opaque)
{
    triggered += *(int *)opaque;
}

/* --keys-after: the trigger fires once, on either stream, without ending the
 * run; --keys-after needs --keys. */
START_TEST(keys_trigger)
{
    struct cli_options o;
    const char *a1[] = {"--keys", "ctrl-alt-delete a ret", "--keys-after", "^login", NULL};
    ck_assert_int_eq(parse(&o, a1), CLI_RUN);
    ck_assert_str_eq(o.keys, "ctrl-alt-delete a ret");
    ck_assert_str_eq(o.keys_after, "^login");
    const char *a2[] = {"--keys-after", "x", NULL};
    ck_assert_int_eq(parse(&o, a2), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "--keys"));

    char msg[256];
    int one = 1;
    struct fe_batch *b = fe_batch_create(NULL, NULL, msg, sizeof msg);
    ck_assert_ptr_nonnull(b);
    ck_assert(!fe_batch_set_trigger(b, "(", on_trigger, &one, msg, sizeof msg));
    ck_assert_ptr_nonnull(strstr(msg, "--keys-after"));
    ck_assert(fe_batch_set_trigger(b, "^login:", on_trigger, &one, msg, sizeof msg));
    triggered = 0;
    feed(b, FE_STREAM_SERIAL, "no login: yet\n");
    ck_assert_int_eq(fe_batch_check(b), -1);
    ck_assert_int_eq(triggered, 0);
    feed(b, FE_STREAM_DEBUGCON, "login:");
    ck_assert_int_eq(fe_batch_check(b), -1); /* no status: the run goes on */
    ck_assert_int_eq(triggered, 1);
    feed(b, FE_STREAM_SERIAL, "login:\n");
    ck_assert_int_eq(fe_batch_check(b), -1);
    ck_assert_int_eq(triggered, 1); /* once */
    fe_batch_destroy(b);
}
END_TEST

/* The tap feeds the matcher and the inner backend; the poll hook stops the
 * machine with the status the pattern asks for. */
struct batch_ctx {
    struct fe_batch *b;
    struct machine *m;
};
static void batch_poll_adapter(void *opaque)
{
    struct batch_ctx *c = opaque;
    fe_batch_poll(c->b, c->m);
}

START_TEST(batch_tap_stops_machine)
{
    char msg[256];
    struct fe_batch *b = fe_batch_create(NULL, "BAD", msg, sizeof msg);
    char inner_buf[64];
    size_t inner_len = 0;
    struct chardev *inner = chardev_open_buffer(inner_buf, sizeof inner_buf, &inner_len);
    struct chardev *tap = fe_batch_tap(b, FE_STREAM_DEBUGCON, inner);
    /* mov al,'B'; out 0xe9,al; mov al,'A'; out 0xe9; mov al,'D'; out 0xe9; jmp $ */
    static const uint8_t code[] = {0xb0, 'B',  0xe6, 0xe9, 0xb0, 'A',  0xe6,
                                   0xe9, 0xb0, 'D',  0xe6, 0xe9, 0xeb, 0xfe};
    uint8_t *rom = malloc(64 << 10);
    memset(rom, 0xf4, 64 << 10);
    memcpy(rom + (64 << 10) - 16, code, sizeof code);
    struct batch_ctx ctx = {b, NULL};
    struct machine_config cfg = {.ram_size = 1 << 20,
                                 .bios = rom,
                                 .bios_size = 64 << 10,
                                 .debugcon = tap,
                                 .deterministic = true,
                                 .hook_opaque = &ctx,
                                 .poll_fn = batch_poll_adapter};
    struct machine *m = machine_create(&cfg, msg, sizeof msg);
    ck_assert_ptr_nonnull(m);
    ctx.m = m;
    ck_assert_int_eq(machine_run(m), VX86_EXIT_FAIL);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_FRONTEND);
    ck_assert_uint_eq(inner_len, 3);
    ck_assert_mem_eq(inner_buf, "BAD", 3);
    machine_destroy(m);
    fe_batch_destroy(b); /* closes the tap */
    chardev_close(inner);
    free(rom);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_batch");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, serial_monitor_nographic);
    tcase_add_test(tc, icount_rtc_boot_batch);
    tcase_add_test(tc, batch_matching);
    tcase_add_test(tc, batch_tap_stops_machine);
    tcase_add_test(tc, keys_trigger);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
