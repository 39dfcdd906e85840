/* Virtual clock: deterministic time, timer ordering, re-arming. */
#include <check.h>
#include <time.h>

#include "devices/vclock.h"
#include "test_util.h"

struct hits {
    int n;
    int order[8];
    struct vtimer *rearm;
    uint64_t period;
    struct vclock *vc;
};

static int tag_a = 1, tag_b = 2;
static struct hits *g_hits; /* test-local record of callback order */

static void on_timer(void *opaque)
{
    g_hits->order[g_hits->n++] = *(int *)opaque;
}

static void on_periodic(void *opaque)
{
    struct hits *h = opaque;
    h->n++;
    vtimer_mod(h->rearm, vtimer_expire(h->rearm) + h->period);
}

START_TEST(deterministic_time)
{
    struct vclock *vc = vclock_create(VCLOCK_DETERMINISTIC, 3);
    ck_assert_uint_eq(vclock_now(vc), 0);
    vclock_add_insns(vc, 10);
    ck_assert_uint_eq(vclock_now(vc), 80);
    vclock_warp(vc, 20);
    ck_assert_uint_eq(vclock_now(vc), 100);
    ck_assert_uint_eq(vclock_insns_to_deadline(vc), UINT64_MAX);
    vclock_destroy(vc);
}
END_TEST

START_TEST(timers_fire_in_order)
{
    struct hits h = {0};
    g_hits = &h;
    struct vclock *vc = vclock_create(VCLOCK_DETERMINISTIC, 0);
    struct vtimer *a = vtimer_create(vc, on_timer, &tag_a);
    struct vtimer *b = vtimer_create(vc, on_timer, &tag_b);
    vtimer_mod(a, 500);
    vtimer_mod(b, 300);
    ck_assert_uint_eq(vclock_next_deadline(vc), 300);
    ck_assert_uint_eq(vclock_insns_to_deadline(vc), 300);
    vclock_add_insns(vc, 299);
    vclock_run_timers(vc);
    ck_assert_int_eq(h.n, 0);
    ck_assert(vclock_skip_to_deadline(vc));
    ck_assert_uint_eq(vclock_now(vc), 300);
    vclock_warp(vc, 1000);
    vclock_run_timers(vc);
    ck_assert_int_eq(h.n, 2);
    ck_assert_int_eq(h.order[0], 2);
    ck_assert_int_eq(h.order[1], 1);
    ck_assert(!vtimer_pending(a));
    vtimer_mod(a, 5000);
    vtimer_del(a);
    ck_assert_uint_eq(vclock_next_deadline(vc), UINT64_MAX);
    ck_assert(!vclock_skip_to_deadline(vc));
    vtimer_destroy(a);
    vtimer_destroy(b);
    vclock_destroy(vc);
}
END_TEST

START_TEST(periodic_rearm_is_bounded)
{
    struct vclock *vc = vclock_create(VCLOCK_DETERMINISTIC, 0);
    struct hits h = {.vc = vc, .period = 10};
    h.rearm = vtimer_create(vc, on_periodic, &h);
    vtimer_mod(h.rearm, 10);
    vclock_warp(vc, 55);
    vclock_run_timers(vc);
    ck_assert_int_eq(h.n, 5); /* 10 20 30 40 50 */
    ck_assert_uint_eq(vtimer_expire(h.rearm), 60);
    h.period = 0; /* a device that re-arms for "now" forever */
    vclock_warp(vc, 100);
    vclock_run_timers(vc);
    ck_assert_int_lt(h.n, 5 + 1000);
    vtimer_destroy(h.rearm);
    vclock_destroy(vc);
}
END_TEST

START_TEST(realtime_advances)
{
    struct vclock *vc = vclock_create(VCLOCK_REALTIME, 0);
    uint64_t t0 = vclock_now(vc);
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    ck_assert_uint_ge(vclock_now(vc) - t0, 2000000);
    ck_assert_uint_eq(vclock_insns_to_deadline(vc), UINT64_MAX);
    vclock_destroy(vc);
}
END_TEST

/* The monitor's stop: no virtual time passes while paused (host time
 * does), and after resume the clock goes on from where it stopped, by no
 * more than the host time since the resume. */
static uint64_t host_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

START_TEST(pause_stops_realtime)
{
    struct vclock *vc = vclock_create(VCLOCK_REALTIME, 0);
    vclock_pause(vc);
    uint64_t frozen = vclock_now(vc);
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
    ck_assert_uint_eq(vclock_now(vc), frozen);
    vclock_pause(vc); /* (a second stop changes nothing) */
    ck_assert_uint_eq(vclock_now(vc), frozen);
    uint64_t h0 = host_mono_ns();
    vclock_resume(vc);
    uint64_t t = vclock_now(vc), h1 = host_mono_ns();
    ck_assert_uint_ge(t, frozen);
    ck_assert_uint_le(t - frozen, h1 - h0);
    nanosleep(&ts, NULL);
    ck_assert_uint_ge(vclock_now(vc) - t, 5000000); /* running again */
    vclock_destroy(vc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vclock");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, deterministic_time);
    tcase_add_test(tc, timers_fire_in_order);
    tcase_add_test(tc, periodic_rearm_is_bounded);
    tcase_add_test(tc, realtime_advances);
    tcase_add_test(tc, pause_stops_realtime);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
