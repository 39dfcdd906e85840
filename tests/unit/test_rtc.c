/* MC146818 RTC driven through ports 0x70/0x71 on the virtual clock with no
 * CPU: BCD/binary and 12/24 h formats, date rollover, the UIP window, guest
 * writes (with and without SET), the divider, periodic/alarm/update-ended
 * flags and IRQ 8 at exact virtual times, register C/D, NMI mask, CMOS RAM,
 * local time, and a save/restore round trip that continues identically. */
#include <check.h>
#include <stdlib.h>
#include <time.h>

#include "devices/rtc.h"
#include "devices/vmstate.h"
#include "timers_test_util.h"

#define SEC      1000000000ull
#define LEAP_EVE 1709251198 /* 2024-02-29 23:59:58 UTC, a Thursday */
#define NOON     1720096200 /* 2024-07-04 12:30:00 UTC */

struct rig {
    struct machine *m;
    struct rtc *r;
    struct tu_irq irq;
};

static void rig_make(struct rig *g, time_t base, bool localtime)
{
    g->m = tu_machine();
    g->r = rtc_create(g->m, tu_irq_line(&g->irq, g->m), base, localtime);
    ck_assert_ptr_nonnull(g->r);
}

static void rig_free(struct rig *g)
{
    machine_destroy(g->m);
    rtc_destroy(g->r);
}

static uint8_t rd(struct rig *g, uint8_t idx)
{
    tu_out(g->m, 0x70, idx);
    return tu_in(g->m, 0x71);
}

static void wr(struct rig *g, uint8_t idx, uint8_t v)
{
    tu_out(g->m, 0x70, idx);
    tu_out(g->m, 0x71, v);
}

START_TEST(formats)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    /* Power-on registers: 32.768 kHz divider, 1024 Hz rate, BCD 24 h. */
    ck_assert_uint_eq(rd(&g, 0x0a), 0x26);
    ck_assert_uint_eq(rd(&g, 0x0b), 0x02);
    ck_assert_uint_eq(rd(&g, 0x0d), 0x80);
    ck_assert_uint_eq(rd(&g, 0x00), 0x58);
    ck_assert_uint_eq(rd(&g, 0x02), 0x59);
    ck_assert_uint_eq(rd(&g, 0x04), 0x23);
    ck_assert_uint_eq(rd(&g, 0x06), 0x05);
    ck_assert_uint_eq(rd(&g, 0x07), 0x29);
    ck_assert_uint_eq(rd(&g, 0x08), 0x02);
    ck_assert_uint_eq(rd(&g, 0x09), 0x24);
    ck_assert_uint_eq(rd(&g, 0x32), 0x20);
    wr(&g, 0x0b, 0x06); /* binary, 24 h */
    ck_assert_uint_eq(rd(&g, 0x00), 58);
    ck_assert_uint_eq(rd(&g, 0x04), 23);
    ck_assert_uint_eq(rd(&g, 0x07), 29);
    ck_assert_uint_eq(rd(&g, 0x09), 24);
    wr(&g, 0x0b, 0x04); /* binary, 12 h: 11 PM */
    ck_assert_uint_eq(rd(&g, 0x04), 0x80 | 11);
    wr(&g, 0x0b, 0x00); /* BCD, 12 h */
    ck_assert_uint_eq(rd(&g, 0x04), 0x91);
    tu_run_until(g.m, 2 * SEC); /* 2024-03-01 00:00:00, a Friday: 12 AM */
    ck_assert_uint_eq(rd(&g, 0x04), 0x12);
    ck_assert_uint_eq(rd(&g, 0x02), 0x00);
    ck_assert_uint_eq(rd(&g, 0x00), 0x00);
    ck_assert_uint_eq(rd(&g, 0x06), 0x06);
    ck_assert_uint_eq(rd(&g, 0x07), 0x01);
    ck_assert_uint_eq(rd(&g, 0x08), 0x03);
    ck_assert_int_eq(rtc_time(g.r), LEAP_EVE + 2);
    rig_free(&g);
    rig_make(&g, NOON, false);
    wr(&g, 0x0b, 0x00);
    ck_assert_uint_eq(rd(&g, 0x04), 0x92); /* 12 PM */
    wr(&g, 0x0b, 0x04);
    ck_assert_uint_eq(rd(&g, 0x04), 0x8c);
    rig_free(&g);
}
END_TEST

START_TEST(uip_window)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    tu_run_until(g.m, SEC - 244142);
    ck_assert_uint_eq(rd(&g, 0x0a), 0x26);
    ck_assert_uint_eq(rd(&g, 0x00), 0x58);
    tu_run_until(g.m, SEC - 244141);
    ck_assert_uint_eq(rd(&g, 0x0a), 0xa6);
    ck_assert_uint_eq(rd(&g, 0x00), 0x58); /* the old time until the update */
    tu_run_until(g.m, SEC - 1);
    ck_assert_uint_eq(rd(&g, 0x0a), 0xa6);
    tu_run_until(g.m, SEC);
    ck_assert_uint_eq(rd(&g, 0x0a), 0x26);
    ck_assert_uint_eq(rd(&g, 0x00), 0x59);
    wr(&g, 0x0a, 0xa6); /* UIP is read-only */
    ck_assert_uint_eq(rd(&g, 0x0a), 0x26);
    wr(&g, 0x0b, 0x82); /* SET: no updates, so no UIP */
    tu_run_until(g.m, 2 * SEC - 1000);
    ck_assert_uint_eq(rd(&g, 0x0a), 0x26);
    rig_free(&g);
}
END_TEST

START_TEST(guest_sets_time)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    tu_run_until(g.m, SEC / 10);
    wr(&g, 0x0b, 0x82); /* SET */
    wr(&g, 0x00, 0x56);
    wr(&g, 0x02, 0x34);
    wr(&g, 0x04, 0x12);
    wr(&g, 0x06, 0x03); /* a weekday that does not match the date */
    wr(&g, 0x07, 0x15);
    wr(&g, 0x08, 0x06);
    wr(&g, 0x09, 0x99);
    wr(&g, 0x32, 0x19);
    tu_run_until(g.m, 5 * SEC + SEC / 3);
    ck_assert_uint_eq(rd(&g, 0x00), 0x56); /* stopped while SET */
    wr(&g, 0x0b, 0x02);
    /* The divider kept its phase: the next update is at 6 s. */
    tu_run_until(g.m, 6 * SEC - 1);
    ck_assert_uint_eq(rd(&g, 0x00), 0x56);
    tu_run_until(g.m, 6 * SEC);
    ck_assert_uint_eq(rd(&g, 0x00), 0x57);
    ck_assert_uint_eq(rd(&g, 0x02), 0x34);
    ck_assert_uint_eq(rd(&g, 0x04), 0x12);
    ck_assert_uint_eq(rd(&g, 0x06), 0x03);
    ck_assert_uint_eq(rd(&g, 0x07), 0x15);
    ck_assert_uint_eq(rd(&g, 0x08), 0x06);
    ck_assert_uint_eq(rd(&g, 0x09), 0x99);
    ck_assert_uint_eq(rd(&g, 0x32), 0x19);
    /* A write while running takes effect at once; seconds keep going. */
    tu_run_until(g.m, 7 * SEC + SEC / 2);
    wr(&g, 0x02, 0x00);
    ck_assert_uint_eq(rd(&g, 0x02), 0x00);
    ck_assert_uint_eq(rd(&g, 0x00), 0x58);
    tu_run_until(g.m, 8 * SEC);
    ck_assert_uint_eq(rd(&g, 0x00), 0x59);
    /* Binary writes, and the century rolling over with the weekday. */
    wr(&g, 0x0b, 0x86);
    wr(&g, 0x00, 59);
    wr(&g, 0x02, 59);
    wr(&g, 0x04, 23);
    wr(&g, 0x07, 31);
    wr(&g, 0x08, 12);
    wr(&g, 0x06, 7);
    wr(&g, 0x0b, 0x06);
    tu_run_until(g.m, 9 * SEC);
    ck_assert_uint_eq(rd(&g, 0x00), 0);
    ck_assert_uint_eq(rd(&g, 0x04), 0);
    ck_assert_uint_eq(rd(&g, 0x07), 1);
    ck_assert_uint_eq(rd(&g, 0x08), 1);
    ck_assert_uint_eq(rd(&g, 0x09), 0);
    ck_assert_uint_eq(rd(&g, 0x06), 1);
    ck_assert_uint_eq(rd(&g, 0x32), 0x20);
    /* 12-hour write: 0x81 in binary 12 h is 1 PM. */
    wr(&g, 0x0b, 0x84);
    wr(&g, 0x04, 0x81);
    wr(&g, 0x0b, 0x06);
    ck_assert_uint_eq(rd(&g, 0x04), 13);
    rig_free(&g);
}
END_TEST

START_TEST(periodic_interrupt)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    wr(&g, 0x0b, 0x42); /* PIE, 1024 Hz: every 976562.5 ns */
    tu_run_until(g.m, 976562);
    ck_assert(!g.irq.level);
    tu_run_until(g.m, 976563);
    ck_assert(g.irq.level);
    ck_assert_uint_eq(g.irq.at[0], 976563);
    ck_assert_uint_eq(rd(&g, 0x0c), 0xc0);
    ck_assert(!g.irq.level);
    ck_assert_uint_eq(rd(&g, 0x0c), 0x00); /* reading cleared it */
    tu_run_until(g.m, 1953125);
    ck_assert(g.irq.level);
    ck_assert_uint_eq(g.irq.at[2], 1953125);
    rd(&g, 0x0c);
    /* 8192 Hz (RS = 3): 122070.3125 ns. */
    wr(&g, 0x0a, 0x23);
    uint64_t t0 = tu_now(g.m);
    uint64_t k = t0 * 8192 / SEC + 1, next = (k * SEC + 8191) / 8192;
    tu_run_until(g.m, next - 1);
    ck_assert(!g.irq.level);
    tu_run_until(g.m, next);
    ck_assert(g.irq.level);
    rd(&g, 0x0c);
    /* PF without PIE: flagged for polling, no interrupt. */
    wr(&g, 0x0b, 0x02);
    int edges = g.irq.n;
    tu_run_until(g.m, tu_now(g.m) + 200000);
    ck_assert_uint_eq(rd(&g, 0x0c), 0x40);
    ck_assert_int_eq(g.irq.n, edges);
    /* RS = 0: no periodic flag at all. */
    wr(&g, 0x0a, 0x20);
    rd(&g, 0x0c);
    tu_run_until(g.m, tu_now(g.m) + SEC / 3);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0x40, 0);
    rig_free(&g);
}
END_TEST

START_TEST(alarm_interrupt)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    wr(&g, 0x01, 0x00);
    wr(&g, 0x03, 0x00);
    wr(&g, 0x05, 0x00);
    wr(&g, 0x0b, 0x22); /* AIE */
    tu_run_until(g.m, 2 * SEC - 1);
    ck_assert_int_eq(g.irq.n, 0);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0x20, 0);
    tu_run_until(g.m, 2 * SEC);
    ck_assert_int_eq(g.irq.n, 1);
    ck_assert_uint_eq(g.irq.at[0], 2 * SEC);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0xb0, 0xb0); /* IRQF, AF, UF (not enabled) */
    /* "Don't care" seconds, minutes and hours: every second. */
    wr(&g, 0x01, 0xc0);
    wr(&g, 0x03, 0xff);
    wr(&g, 0x05, 0xd5);
    tu_run_until(g.m, 3 * SEC);
    ck_assert_uint_eq(g.irq.at[g.irq.n - 1], 3 * SEC);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0xa0, 0xa0);
    /* Seconds = 30, the rest don't care: once a minute. */
    wr(&g, 0x01, 0x30);
    tu_run_until(g.m, 32 * SEC - 1);
    ck_assert(!g.irq.level);
    tu_run_until(g.m, 32 * SEC); /* 00:00:30 */
    ck_assert(g.irq.level);
    rd(&g, 0x0c);
    tu_run_until(g.m, 92 * SEC - 1);
    ck_assert(!g.irq.level);
    tu_run_until(g.m, 92 * SEC);
    ck_assert(g.irq.level);
    rig_free(&g);
}
END_TEST

START_TEST(update_ended_interrupt)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    wr(&g, 0x0b, 0x12); /* UIE */
    tu_run_until(g.m, SEC);
    ck_assert_int_eq(g.irq.n, 1);
    ck_assert_uint_eq(g.irq.at[0], SEC);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0x90, 0x90);
    tu_run_until(g.m, 2 * SEC);
    ck_assert_uint_eq(g.irq.at[2], 2 * SEC);
    /* SET going high clears UIE. */
    wr(&g, 0x0b, 0x92);
    ck_assert_uint_eq(rd(&g, 0x0b), 0x82);
    rd(&g, 0x0c);
    tu_run_until(g.m, 4 * SEC);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0x10, 0); /* no updates while SET */
    ck_assert(!g.irq.level);
    /* Registers C and D are read-only. */
    wr(&g, 0x0c, 0xff);
    wr(&g, 0x0d, 0x00);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0x30, 0);
    ck_assert_uint_eq(rd(&g, 0x0d), 0x80);
    rig_free(&g);
}
END_TEST

START_TEST(divider_reset)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    tu_run_until(g.m, SEC / 2);
    rd(&g, 0x0c);
    wr(&g, 0x0a, 0x76); /* divider held in reset */
    tu_run_until(g.m, 3 * SEC);
    ck_assert_uint_eq(rd(&g, 0x00), 0x58);
    ck_assert_uint_eq(rd(&g, 0x0c) & 0x50, 0); /* no periodic, no update */
    tu_run_until(g.m, 3 * SEC + SEC / 5);
    wr(&g, 0x0a, 0x26); /* released: the first update 500 ms later */
    tu_run_until(g.m, 3 * SEC + SEC / 5 + SEC / 2 - 1);
    ck_assert_uint_eq(rd(&g, 0x00), 0x58);
    tu_run_until(g.m, 3 * SEC + SEC / 5 + SEC / 2);
    ck_assert_uint_eq(rd(&g, 0x00), 0x59);
    tu_run_until(g.m, 4 * SEC + SEC / 5 + SEC / 2);
    ck_assert_uint_eq(rd(&g, 0x00), 0x00);
    ck_assert_uint_eq(rd(&g, 0x02), 0x00);
    /* The periodic rate counts from the release. */
    rd(&g, 0x0c);
    wr(&g, 0x0a, 0x2f); /* 2 Hz */
    wr(&g, 0x0b, 0x42);
    uint64_t rel = 3 * SEC + SEC / 5;
    tu_run_until(g.m, rel + 4 * (SEC / 2) - 1);
    ck_assert(!g.irq.level);
    tu_run_until(g.m, rel + 4 * (SEC / 2));
    ck_assert(g.irq.level);
    rig_free(&g);
}
END_TEST

START_TEST(index_nmi_and_ram)
{
    struct rig g;
    rig_make(&g, LEAP_EVE, false);
    tu_out(g.m, 0x70, 0x8f);
    ck_assert(rtc_nmi_masked(g.r));
    ck_assert_uint_eq(tu_in(g.m, 0x70), 0xff);
    tu_out(g.m, 0x71, 0x5a);
    ck_assert_uint_eq(rtc_cmos_get(g.r, 0x0f), 0x5a);
    tu_out(g.m, 0x70, 0x40);
    ck_assert(!rtc_nmi_masked(g.r));
    tu_out(g.m, 0x71, 0xa5);
    tu_out(g.m, 0x70, 0xc0); /* bit 7 is not part of the index */
    ck_assert_uint_eq(tu_in(g.m, 0x71), 0xa5);
    rtc_cmos_set(g.r, 0x7f, 0x33);
    ck_assert_uint_eq(rd(&g, 0x7f), 0x33);
    for (int i = 0x0e; i < 0x80; i++)
        if (i != 0x0f && i != 0x40 && i != 0x7f && i != 0x32)
            ck_assert_uint_eq(rd(&g, i), 0);
    rig_free(&g);
}
END_TEST

START_TEST(local_time)
{
    setenv("TZ", "EST5", 1); /* UTC-5, no daylight saving */
    tzset();
    struct rig g;
    rig_make(&g, LEAP_EVE, true);
    ck_assert_uint_eq(rd(&g, 0x04), 0x18);
    ck_assert_uint_eq(rd(&g, 0x07), 0x29);
    ck_assert_int_eq(rtc_time(g.r), LEAP_EVE - 5 * 3600);
    rig_free(&g);
    rig_make(&g, LEAP_EVE, false);
    ck_assert_uint_eq(rd(&g, 0x04), 0x23);
    rig_free(&g);
    time_t before = time(NULL);
    rig_make(&g, RTC_BASE_HOST, false);
    int64_t t = rtc_time(g.r);
    ck_assert(t >= before && t <= time(NULL));
    rig_free(&g);
}
END_TEST

/* Save mid-run, load into a second machine at the same virtual time, and
 * both continue alike. */
START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_make(&a, LEAP_EVE, false);
    rig_make(&b, NOON, false);
    wr(&a, 0x0a, 0x2b); /* 32 Hz */
    wr(&a, 0x0b, 0x72); /* PIE, AIE, UIE */
    wr(&a, 0x01, 0x05);
    wr(&a, 0x03, 0xc0);
    wr(&a, 0x05, 0xc0);
    rtc_cmos_set(a.r, 0x50, 0x77);
    tu_run_until(a.m, SEC + SEC / 3);
    wr(&a, 0x06, 0x02);
    tu_out(a.m, 0x70, 0x8c);
    uint8_t buf[1024];
    size_t n = vmstate_save(rtc_vmstate(), a.r, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    tu_run_until(b.m, tu_now(a.m));
    ck_assert_int_eq(vmstate_load(rtc_vmstate(), b.r, buf, n), 0);
    ck_assert_int_eq(b.irq.level, a.irq.level);
    ck_assert(rtc_nmi_masked(b.r));
    a.irq.n = b.irq.n = 0;
    for (uint64_t t = SEC + SEC / 2; t < 8 * SEC; t += SEC / 7) {
        tu_run_until(a.m, t);
        tu_run_until(b.m, t);
        for (int i = 0; i <= 0x0d; i++)
            ck_assert_uint_eq(rd(&b, i), rd(&a, i));
        ck_assert_uint_eq(rd(&b, 0x50), 0x77);
    }
    ck_assert_int_gt(a.irq.n, 20);
    tu_irq_assert_same(&b.irq, &a.irq);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rtc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, formats);
    tcase_add_test(tc, uip_window);
    tcase_add_test(tc, guest_sets_time);
    tcase_add_test(tc, periodic_interrupt);
    tcase_add_test(tc, alarm_interrupt);
    tcase_add_test(tc, update_ended_interrupt);
    tcase_add_test(tc, divider_reset);
    tcase_add_test(tc, index_nmi_and_ram);
    tcase_add_test(tc, local_time);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
