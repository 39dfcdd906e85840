/* The TSC on the machine's virtual clock (cpu/msr.c, cpu_hooks.clock_ns):
 * RDTSC and RDMSR(0x10) read CPU_TSC_HZ ticks of the clock plus the offset
 * WRMSR(0x10) sets (low 32 bits, high cleared), independent of how many
 * instructions ran; with no clock the TSC counts retired instructions. */
#include "test_core_harness.h"

struct fake_clock {
    uint64_t ns;
};

static uint64_t fake_clock_ns(void *opaque) { return ((struct fake_clock *)opaque)->ns; }

static uint64_t rdtsc(struct tmach *t)
{
    ck_assert_int_eq(EXEC(t, 0x0f, 0x31), TM_NO_FAULT);
    return (uint64_t)REG(t, R_EDX) << 32 | REG(t, R_EAX);
}

static uint64_t rdmsr_tsc(struct tmach *t)
{
    SETREG(t, R_ECX, 0x10);
    ck_assert_int_eq(EXEC(t, 0x0f, 0x32), TM_NO_FAULT);
    return (uint64_t)REG(t, R_EDX) << 32 | REG(t, R_EAX);
}

START_TEST(tsc_follows_clock)
{
    struct tmach *t = tm_create();
    struct fake_clock c = {.ns = 123456789012ull};
    t->cpu->hooks.opaque = &c;
    t->cpu->hooks.clock_ns = fake_clock_ns;
    uint64_t ticks = (uint64_t)((unsigned __int128)c.ns * CPU_TSC_HZ / 1000000000ull);
    ck_assert_uint_eq(rdtsc(t), ticks);
    /* Instructions alone do not move it; the clock does. */
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(EXEC(t, 0x90), TM_NO_FAULT);
    t->cpu->icount += 1000;
    ck_assert_uint_eq(rdtsc(t), ticks);
    c.ns += 54925401; /* 65536 PIT clocks */
    uint64_t later = (uint64_t)((unsigned __int128)c.ns * CPU_TSC_HZ / 1000000000ull);
    ck_assert_uint_eq(rdtsc(t), later);
    ck_assert_uint_eq(rdmsr_tsc(t), later);
    tm_destroy(t);
}
END_TEST

START_TEST(tsc_write)
{
    struct tmach *t = tm_create();
    struct fake_clock c = {.ns = 5000000000ull};
    t->cpu->hooks.opaque = &c;
    t->cpu->hooks.clock_ns = fake_clock_ns;
    /* P6: WRMSR(TSC) writes the low 32 bits, clears the high ones. */
    SETREG(t, R_ECX, 0x10);
    SETREG(t, R_EAX, 0x12345678);
    SETREG(t, R_EDX, 0xffffffff);
    ck_assert_int_eq(EXEC(t, 0x0f, 0x30), TM_NO_FAULT);
    ck_assert_uint_eq(rdtsc(t), 0x12345678);
    c.ns += 1000; /* 1 us later */
    ck_assert_uint_eq(rdtsc(t), 0x12345678 + 1000 * (CPU_TSC_HZ / 1000000000ull));
    tm_destroy(t);
}
END_TEST

START_TEST(tsc_without_clock)
{
    struct tmach *t = tm_create();
    uint64_t a = rdtsc(t);
    t->cpu->icount += 777;
    ck_assert_uint_eq(rdtsc(t), a + 777);
    tm_destroy(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("timekeeping");
    TCase *tc = tcase_create("tsc");
    tcase_add_test(tc, tsc_follows_clock);
    tcase_add_test(tc, tsc_write);
    tcase_add_test(tc, tsc_without_clock);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
