/* The HPET driven through its MMIO registers on the virtual clock with no
 * CPU: capabilities, the main counter (run, halt, write), one-shot and
 * periodic comparators in 32- and 64-bit mode, edge and level interrupts
 * with the status register, the LegacyReplacement route versus I/O APIC
 * routes, and the state round trip. */
#include <check.h>

#include "devices/hpet.h"
#include "devices/vmstate.h"
#include "mmu/memmap.h"
#include "timers_test_util.h"

struct rig {
    struct machine *m;
    struct hpet *h;
    struct tu_irq legacy[2];
    struct tu_irq gsi[24];
};

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->m = tu_machine();
    struct irq_line leg[2], gsi[24];
    for (int i = 0; i < 2; i++)
        leg[i] = tu_irq_line(&r->legacy[i], r->m);
    for (int i = 0; i < 24; i++)
        gsi[i] = tu_irq_line(&r->gsi[i], r->m);
    r->h = hpet_create(r->m, HPET_DEFAULT_BASE, leg, gsi);
    ck_assert_ptr_nonnull(r->h);
}

static void rig_free(struct rig *r)
{
    hpet_destroy(r->h);
    machine_destroy(r->m);
}

static uint32_t rd(struct rig *r, uint32_t off)
{
    return (uint32_t)memmap_read(machine_memmap(r->m), HPET_DEFAULT_BASE + off, 4);
}
static void wr(struct rig *r, uint32_t off, uint32_t v)
{
    memmap_write(machine_memmap(r->m), HPET_DEFAULT_BASE + off, v, 4);
}
static uint64_t rd64(struct rig *r, uint32_t off)
{
    return rd(r, off) | (uint64_t)rd(r, off + 4) << 32;
}

START_TEST(capabilities_and_counter)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(rd(&r, 0x0), 0x8086a201);
    ck_assert_uint_eq(rd(&r, 0x4), 10000000); /* fs per tick */
    ck_assert_uint_eq(rd(&r, 0x10), 0);
    /* Timer 0: periodic and 64-bit capable; 1 and 2 neither; routes 20-23. */
    ck_assert_uint_eq(rd(&r, 0x100) & 0x30, 0x30);
    ck_assert_uint_eq(rd(&r, 0x120) & 0x30, 0);
    ck_assert_uint_eq(rd(&r, 0x104), 0x00f00000);
    ck_assert_uint_eq(rd(&r, 0x144), 0x00f00000);
    ck_assert_uint_eq(rd64(&r, 0x108), 0xffffffffffffffffull);
    ck_assert_uint_eq(rd64(&r, 0x128), 0xffffffffull);
    /* Halted: the counter stays. */
    uint64_t t0 = tu_now(r.m);
    tu_run_until(r.m, t0 + 1000);
    ck_assert_uint_eq(rd64(&r, 0xf0), 0);
    wr(&r, 0x10, 1);
    tu_run_until(r.m, t0 + 1000 + 12345);
    ck_assert_uint_eq(rd64(&r, 0xf0), 1234); /* 10 ns per tick */
    wr(&r, 0x10, 0);
    tu_run_until(r.m, t0 + 50000);
    ck_assert_uint_eq(rd64(&r, 0xf0), 1234);
    /* Written while halted, then runs on from there (64 bits). */
    wr(&r, 0xf0, 0xfffffff0);
    wr(&r, 0xf4, 0x1);
    wr(&r, 0x10, 1);
    tu_run_until(r.m, t0 + 50000 + 400);
    ck_assert_uint_eq(rd64(&r, 0xf0), 0x200000018ull);
    /* Timer 1 cannot be made periodic or 64-bit... its 32MODE bit is fixed. */
    wr(&r, 0x120, 0x108);
    ck_assert_uint_eq(rd(&r, 0x120) & 0x108, 0);
    rig_free(&r);
}
END_TEST

START_TEST(one_shot_routes)
{
    struct rig r;
    rig_init(&r);
    wr(&r, 0x10, 1);
    uint64_t t0 = tu_now(r.m);
    /* Timer 2 on I/O APIC pin 21, edge, one shot at counter 500. */
    wr(&r, 0x140, (21u << 9) | 0x4);
    wr(&r, 0x148, 500);
    tu_run_until(r.m, t0 + 4990);
    ck_assert_int_eq(r.gsi[21].n, 0);
    tu_run_until(r.m, t0 + 5000);
    ck_assert_int_eq(r.gsi[21].n, 2); /* an edge: up and down */
    ck_assert_uint_eq(r.gsi[21].at[0], t0 + 5000);
    ck_assert_uint_eq(rd(&r, 0x20), 0); /* edge: no status */
    tu_run_until(r.m, t0 + 1000000);
    ck_assert_int_eq(r.gsi[21].n, 2); /* one shot */
    /* A route outside the capability (pin 5) goes nowhere. */
    wr(&r, 0x140, (5u << 9) | 0x4);
    wr(&r, 0x148, (uint32_t)hpet_counter(r.h) + 10);
    tu_run_until(r.m, tu_now(r.m) + 1000);
    ck_assert_int_eq(r.gsi[5].n, 0);
    /* Level: the line stays high until the status bit is written with 1. */
    wr(&r, 0x140, (22u << 9) | 0x6);
    uint64_t c = hpet_counter(r.h);
    wr(&r, 0x148, (uint32_t)c + 100);
    tu_run_until(r.m, tu_now(r.m) + 2000);
    ck_assert(r.gsi[22].level);
    ck_assert_uint_eq(rd(&r, 0x20), 0x4);
    wr(&r, 0x20, 0x3); /* other bits: nothing */
    ck_assert(r.gsi[22].level);
    wr(&r, 0x20, 0x4);
    ck_assert(!r.gsi[22].level);
    ck_assert_uint_eq(rd(&r, 0x20), 0);
    /* Interrupt disabled: no interrupt. */
    wr(&r, 0x140, (22u << 9) | 0x2);
    wr(&r, 0x148, (uint32_t)hpet_counter(r.h) + 100);
    tu_run_until(r.m, tu_now(r.m) + 2000);
    ck_assert(!r.gsi[22].level);
    rig_free(&r);
}
END_TEST

START_TEST(periodic_legacy)
{
    struct rig r;
    rig_init(&r);
    /* Linux's legacy periodic set-up: timer 0 periodic, 32-bit, VAL_SET,
     * comparator = now + delta, then the period. */
    wr(&r, 0x10, 0x3);
    uint64_t t0 = tu_now(r.m);
    wr(&r, 0x100, 0x4 | 0x8 | 0x40 | 0x100);
    wr(&r, 0x108, 1000);
    wr(&r, 0x108, 1000);
    ck_assert_uint_eq(rd(&r, 0x100) & 0x40, 0); /* VAL_SET clears itself */
    for (uint64_t t = t0; t <= t0 + 50000; t += 500)
        tu_run_until(r.m, t);
    /* Edges at 10, 20, 30, 40, 50 us on IRQ 0 (legacy), none on the pins. */
    ck_assert_int_eq(r.legacy[0].n, 10);
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(r.legacy[0].at[2 * i], t0 + 10000 * (i + 1));
    for (int i = 0; i < 24; i++)
        ck_assert_int_eq(r.gsi[i].n, 0);
    ck_assert_uint_eq(rd(&r, 0x108), 6000);
    /* Timer 1 under legacy goes to IRQ 8. */
    wr(&r, 0x120, 0x4);
    wr(&r, 0x128, (uint32_t)hpet_counter(r.h) + 50);
    tu_run_until(r.m, tu_now(r.m) + 1000);
    ck_assert_int_eq(r.legacy[1].n, 2);
    /* Legacy off: timer 0 uses its route (pin 20). */
    wr(&r, 0x100, 0x4 | 0x8 | 0x100 | (20u << 9));
    wr(&r, 0x10, 0x1);
    int before = r.legacy[0].n;
    uint64_t t1 = tu_now(r.m);
    tu_run_until(r.m, t1 + 20000);
    ck_assert_int_eq(r.gsi[20].n, 4);
    ck_assert_int_le(r.legacy[0].n, before + 1); /* at most a re-driven low */
    ck_assert(!r.legacy[0].level);
    rig_free(&r);
}
END_TEST

START_TEST(mode_32_and_64)
{
    struct rig r;
    rig_init(&r);
    /* 64-bit one shot across the 32-bit boundary. */
    wr(&r, 0xf0, 0xffffff00);
    wr(&r, 0xf4, 0);
    wr(&r, 0x10, 1);
    uint64_t t0 = tu_now(r.m);
    wr(&r, 0x100, (20u << 9) | 0x4);
    wr(&r, 0x108, 0x00000100);
    wr(&r, 0x10c, 0x1);
    ck_assert_uint_eq(rd64(&r, 0x108), 0x100000100ull);
    tu_run_until(r.m, t0 + 0x200 * 10 - 10);
    ck_assert_int_eq(r.gsi[20].n, 0);
    tu_run_until(r.m, t0 + 0x200 * 10);
    ck_assert_int_eq(r.gsi[20].n, 2);
    /* 32-bit mode: the comparator reads back 32 bits and matches the low
     * half (0x400 after the wrap). */
    wr(&r, 0x100, (21u << 9) | 0x4 | 0x100);
    wr(&r, 0x108, 0x400);
    wr(&r, 0x10c, 0x5);
    ck_assert_uint_eq(rd64(&r, 0x108), 0x400);
    tu_run_until(r.m, t0 + 0x500 * 10);
    ck_assert_int_eq(r.gsi[21].n, 2);
    rig_free(&r);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    wr(&a, 0x10, 1);
    wr(&a, 0x100, 0x4 | 0x8 | 0x40 | 0x100 | (20u << 9));
    wr(&a, 0x108, 777);
    wr(&a, 0x108, 777);
    wr(&a, 0x140, (23u << 9) | 0x6);
    wr(&a, 0x148, 3000);
    tu_run_until(a.m, tu_now(a.m) + 33333);
    uint8_t buf[512];
    size_t n = vmstate_save(hpet_vmstate(), a.h, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    tu_run_until(b.m, tu_now(a.m));
    ck_assert_int_eq(vmstate_load(hpet_vmstate(), b.h, buf, n), 0);
    ck_assert(b.gsi[23].level); /* the level output re-driven */
    a.gsi[20].n = b.gsi[20].n = 0;
    uint64_t start = tu_now(a.m);
    for (uint64_t t = start; t < start + 100000; t += 333) {
        tu_run_until(a.m, t);
        tu_run_until(b.m, t);
        ck_assert_uint_eq(rd64(&b, 0xf0), rd64(&a, 0xf0));
        ck_assert_uint_eq(rd64(&b, 0x108), rd64(&a, 0x108));
    }
    ck_assert_int_gt(a.gsi[20].n, 10);
    ck_assert_int_eq(b.gsi[20].n, a.gsi[20].n);
    for (int i = 0; i < a.gsi[20].n; i++)
        ck_assert_uint_eq(b.gsi[20].at[i], a.gsi[20].at[i]);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hpet");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, capabilities_and_counter);
    tcase_add_test(tc, one_shot_routes);
    tcase_add_test(tc, periodic_legacy);
    tcase_add_test(tc, mode_32_and_64);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
