/* Unclaimed I/O ports (devices/unclaimed.c, mmu/ioport.c's fallback): read
 * 0xFF, writes dropped, each port logged once under -d unimp; claimed ports
 * and later registrations are not affected. Driven through the port space,
 * no CPU. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unclaimed.h"
#include "mmu/ioport.h"

struct logs {
    int unimp;
    char last[160];
};

static void log_fn(void *opaque, const char *category, const char *fmt, va_list ap)
{
    struct logs *l = opaque;
    if (strcmp(category, "unimp"))
        return;
    l->unimp++;
    vsnprintf(l->last, sizeof l->last, fmt, ap);
}

static struct machine *make(struct logs *l, uint32_t mask)
{
    static uint8_t rom[64 << 10];
    memset(rom, 0xf4, sizeof rom);
    memset(l, 0, sizeof *l);
    struct machine_config cfg = {.ram_size = 1u << 20,
                                 .bios = rom,
                                 .bios_size = sizeof rom,
                                 .log_mask = mask,
                                 .hook_opaque = l,
                                 .log_fn = log_fn};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

static uint32_t fixed_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque, (void)offset, (void)size;
    return 0x5a;
}
static void fixed_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)opaque, (void)offset, (void)value, (void)size;
}
static const struct io_ops fixed_ops = {fixed_read, fixed_write, 1};

START_TEST(read_ff_and_log_once_per_port)
{
    struct logs l;
    struct machine *m = make(&l, CPU_LOG_UNIMP);
    struct ioport_map *io = machine_ioport(m);
    /* machine_create attaches the logger for unclaimed ports itself. */
    ck_assert_uint_eq(ioport_read(io, 0x99, 1), 0xff);
    ck_assert_int_eq(l.unimp, 1);
    ck_assert_msg(strstr(l.last, "0x0099") != NULL, "%s", l.last);
    ck_assert_uint_eq(ioport_read(io, 0x99, 1), 0xff);
    ioport_write(io, 0x99, 0x12, 1);
    ck_assert_int_eq(l.unimp, 1); /* once per port */
    ioport_write(io, 0x3a0, 0x1234, 2);
    ck_assert_int_eq(l.unimp, 3); /* 0x3a0 and 0x3a1 */
    ck_assert_msg(strstr(l.last, "0x03a1") != NULL && strstr(l.last, "0x12"), "%s", l.last);
    ck_assert_uint_eq(ioport_read(io, 0x3a0, 2), 0xffff);
    ck_assert_int_eq(l.unimp, 3);
    ck_assert_uint_eq(ioport_read(io, 0x1230, 4), 0xffffffffu);
    ck_assert_int_eq(l.unimp, 7);

    /* Claimed ports: the POST latch at 0x80 answers and nothing is logged;
     * a word across 0x7f (unclaimed) and 0x80 mixes the two. */
    ioport_write(io, 0x80, 0x42, 1);
    ck_assert_uint_eq(ioport_read(io, 0x80, 1), 0x42);
    ck_assert_int_eq(l.unimp, 7);
    ck_assert_uint_eq(ioport_read(io, 0x7f, 2), 0x42ff);
    ck_assert_int_eq(l.unimp, 8);

    /* A device registered afterwards still owns its ports. */
    ioport_register(io, 0x99, 1, &fixed_ops, NULL);
    ck_assert_uint_eq(ioport_read(io, 0x99, 1), 0x5a);
    ioport_unregister(io, 0x99, 1, NULL);
    ck_assert_uint_eq(ioport_read(io, 0x99, 1), 0xff);

    ck_assert_uint_eq(ioport_read(io, 0x555, 1), 0xff);
    ck_assert_int_eq(l.unimp, 9);
    machine_destroy(m);
}
END_TEST

/* Without -d unimp nothing is printed; each machine has its own record. */
START_TEST(quiet_without_unimp_and_per_machine)
{
    struct logs la, lb;
    struct machine *a = make(&la, 0), *b = make(&lb, CPU_LOG_UNIMP);
    ck_assert_uint_eq(ioport_read(machine_ioport(a), 0x99, 1), 0xff);
    ck_assert_int_eq(la.unimp, 0);
    ck_assert_uint_eq(ioport_read(machine_ioport(b), 0x99, 1), 0xff);
    ck_assert_int_eq(lb.unimp, 1);
    machine_destroy(a);
    machine_destroy(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("unclaimed");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, read_ff_and_log_once_per_port);
    tcase_add_test(tc, quiet_without_unimp_and_per_machine);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
