/* The machine loop: an idle guest (HLT) sleeps instead of spinning, host
 * fds and timers wake it, the host timeout, pause/resume, HLT kept for the
 * monitor, the poll hook, and deterministic time (exact timer firing,
 * virtual time advancing inside a CPU batch, two identical machines). */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/vclock.h"
#include "mmu/io_ops.h"
#include "mmu/ioport.h"
#include "test_util.h"

#define ROM_SIZE (64u << 10)

static struct machine *make(const uint8_t *code, size_t len, struct machine_config cfg)
{
    uint8_t *rom = malloc(ROM_SIZE);
    memset(rom, 0xf4, ROM_SIZE);
    memcpy(rom + ROM_SIZE - 16, code, len);
    if (!cfg.ram_size)
        cfg.ram_size = 2u << 20;
    cfg.bios = rom;
    cfg.bios_size = ROM_SIZE;
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_create: %s", err);
    free(rom);
    return m;
}

static double host_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static const uint8_t sti_hlt[] = {0xfb, 0xf4, 0xeb, 0xfd}; /* sti; hlt; jmp hlt */
static const uint8_t cli_hlt[] = {0xfa, 0xf4, 0xeb, 0xfd}; /* cli; hlt; jmp hlt */
static const uint8_t spin[] = {0xeb, 0xfe};                /* jmp $ */

struct stopper {
    struct machine *m;
    int status;
};
static void stop_cb(void *opaque)
{
    struct stopper *s = opaque;
    machine_stop(s->m, s->status);
}

/* A guest idle in HLT for one second of host time, woken by a timer, uses
 * (almost) no host CPU: the loop sleeps in poll() until the deadline. */
START_TEST(idle_guest_sleeps)
{
    struct machine *m = make(sti_hlt, sizeof sti_hlt, (struct machine_config){0});
    struct vclock *vc = machine_vclock(m);
    struct stopper s = {m, 5};
    struct vtimer *t = vtimer_create(vc, stop_cb, &s);
    vtimer_mod(t, vclock_now(vc) + 1000000000ull);
    double h0 = host_s(), c0 = cpu_s();
    ck_assert_int_eq(machine_run(m), 5);
    double wall = host_s() - h0, cpu = cpu_s() - c0;
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_FRONTEND);
    ck_assert_msg(wall >= 0.95, "woke early: %.3f s", wall);
    ck_assert_msg(cpu < 0.05 * wall, "idle guest used %.3f s of CPU in %.3f s", cpu, wall);
    ck_assert_uint_lt(machine_icount(m), 100); /* it did not spin through HLT */
    vtimer_destroy(t);
    machine_destroy(m);
}
END_TEST

START_TEST(timeout_busy_and_idle)
{
    /* a busy guest */
    struct machine *m = make(spin, sizeof spin, (struct machine_config){.timeout_ns = 200000000});
    double h0 = host_s();
    ck_assert_int_eq(machine_run(m), VX86_EXIT_TIMEOUT);
    double wall = host_s() - h0;
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_TIMEOUT);
    ck_assert_msg(wall >= 0.2 && wall < 5, "timeout after %.3f s", wall);
    machine_destroy(m);
    /* a guest halted for good, kept for the monitor: the timeout still ends
     * it, without spinning */
    m = make(cli_hlt, sizeof cli_hlt,
             (struct machine_config){.timeout_ns = 300000000, .keep_halted = true});
    double c0 = cpu_s();
    h0 = host_s();
    ck_assert_int_eq(machine_run(m), VX86_EXIT_TIMEOUT);
    wall = host_s() - h0;
    ck_assert_msg(wall >= 0.3, "timeout after %.3f s", wall);
    ck_assert_msg(cpu_s() - c0 < 0.1, "halted guest spun");
    ck_assert_uint_eq(machine_icount(m), 2); /* CLI, HLT: no spinning through HLT */
    machine_destroy(m);
    /* without keep_halted the same guest ends at once */
    m = make(cli_hlt, sizeof cli_hlt, (struct machine_config){.timeout_ns = 300000000});
    ck_assert_int_eq(machine_run(m), VX86_EXIT_HALTED);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_HALTED);
    machine_destroy(m);
}
END_TEST

/* A thread that writes bytes into a pipe with delays (ms) before each. */
struct writer {
    int fd;
    const char *bytes;
    const int *delays_ms;
};
static void *writer_main(void *opaque)
{
    struct writer *w = opaque;
    for (int i = 0; w->bytes[i]; i++) {
        struct timespec ts = {0, w->delays_ms[i] * 1000000L};
        nanosleep(&ts, NULL);
        if (write(w->fd, &w->bytes[i], 1) != 1)
            break;
    }
    return NULL;
}

struct fdctx {
    struct machine *m;
    int fd;
    uint64_t icount_at_pause, icount_at_resume;
    int resets_seen;
    struct vtimer *stop_timer;
    struct stopper stopper;
};

/* One byte per call: p = pause, r = resume then stop in 20 ms,
 * R = system reset, s = stop with status 9. */
static void fd_cb(void *opaque)
{
    struct fdctx *c = opaque;
    char b;
    if (read(c->fd, &b, 1) != 1)
        return;
    switch (b) {
    case 'p':
        machine_pause(c->m);
        c->icount_at_pause = machine_icount(c->m);
        break;
    case 'r':
        c->icount_at_resume = machine_icount(c->m);
        ck_assert(machine_paused(c->m));
        machine_resume(c->m);
        vtimer_mod(c->stop_timer, vclock_now(machine_vclock(c->m)) + 20000000);
        break;
    case 'R': machine_request_reset(c->m); break;
    case 's': machine_stop(c->m, 9); break;
    }
}

START_TEST(host_fd_wakes_idle_guest)
{
    struct machine *m = make(sti_hlt, sizeof sti_hlt, (struct machine_config){0});
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    struct fdctx c = {.m = m, .fd = p[0]};
    machine_watch_fd(m, p[0], fd_cb, &c);
    /* a timer far away keeps the guest wakeable; the fd comes first */
    struct stopper never = {m, 99};
    struct vtimer *far = vtimer_create(machine_vclock(m), stop_cb, &never);
    vtimer_mod(far, vclock_now(machine_vclock(m)) + 10000000000ull);
    static const int delays[] = {150};
    struct writer w = {p[1], "s", delays};
    pthread_t th;
    pthread_create(&th, NULL, writer_main, &w);
    double h0 = host_s(), c0 = cpu_s();
    ck_assert_int_eq(machine_run(m), 9);
    double wall = host_s() - h0;
    pthread_join(th, NULL);
    ck_assert_msg(wall >= 0.14, "returned before the write: %.3f s", wall);
    ck_assert_msg(cpu_s() - c0 < 0.5 * wall, "idle guest spun");
    vtimer_destroy(far);
    close(p[0]);
    close(p[1]);
    machine_destroy(m);
}
END_TEST

/* HLT with interrupts on but no timer and no input device: a plain fd
 * (the signal pipe) cannot wake the guest, so the run ends at once. */
START_TEST(sti_hlt_without_sources_halts)
{
    struct machine *m = make(sti_hlt, sizeof sti_hlt, (struct machine_config){0});
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    struct fdctx c = {.m = m, .fd = p[0]};
    machine_watch_fd(m, p[0], fd_cb, &c);
    ck_assert_int_eq(machine_run(m), VX86_EXIT_HALTED);
    ck_assert_int_eq(machine_stop_reason(m), MACHINE_STOP_HALTED);
    close(p[0]);
    close(p[1]);
    machine_destroy(m);
}
END_TEST

START_TEST(pause_and_resume)
{
    struct machine *m = make(spin, sizeof spin, (struct machine_config){0});
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    struct fdctx c = {.m = m, .fd = p[0], .stopper = {m, 7}};
    c.stop_timer = vtimer_create(machine_vclock(m), stop_cb, &c.stopper);
    machine_watch_fd(m, p[0], fd_cb, &c);
    static const int delays[] = {50, 200};
    struct writer w = {p[1], "pr", delays};
    pthread_t th;
    pthread_create(&th, NULL, writer_main, &w);
    ck_assert_int_eq(machine_run(m), 7);
    pthread_join(th, NULL);
    ck_assert_uint_gt(c.icount_at_pause, 0);
    /* nothing ran while paused, and it ran again after cont */
    ck_assert_uint_eq(c.icount_at_resume, c.icount_at_pause);
    ck_assert_uint_gt(machine_icount(m), c.icount_at_resume);
    vtimer_destroy(c.stop_timer);
    close(p[0]);
    close(p[1]);
    machine_destroy(m);
}
END_TEST

/* HLT with interrupts off and a monitor: vx86 waits; a reset restarts it. */
START_TEST(keep_halted_then_reset)
{
    struct machine *m = make(cli_hlt, sizeof cli_hlt, (struct machine_config){.keep_halted = true});
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    struct fdctx c = {.m = m, .fd = p[0]};
    machine_watch_fd(m, p[0], fd_cb, &c);
    static const int delays[] = {50, 100};
    struct writer w = {p[1], "Rs", delays};
    pthread_t th;
    pthread_create(&th, NULL, writer_main, &w);
    ck_assert_int_eq(machine_run(m), 9);
    pthread_join(th, NULL);
    ck_assert_uint_eq(machine_reset_count(m), 1);
    ck_assert_uint_eq(machine_icount(m), 4); /* CLI, HLT before and after the reset */
    close(p[0]);
    close(p[1]);
    machine_destroy(m);
}
END_TEST

struct poll_count {
    struct machine *m;
    int calls;
};
static void poll_hook(void *opaque)
{
    struct poll_count *pc = opaque;
    if (++pc->calls == 3)
        machine_stop(pc->m, 11);
}

START_TEST(poll_hook_runs_between_batches)
{
    struct poll_count pc = {0};
    struct machine *m =
        make(spin, sizeof spin, (struct machine_config){.hook_opaque = &pc, .poll_fn = poll_hook});
    pc.m = m;
    ck_assert_int_eq(machine_run(m), 11);
    ck_assert_int_eq(pc.calls, 3);
    ck_assert_uint_gt(machine_icount(m), 0);
    machine_destroy(m);
}
END_TEST

/* Deterministic time: a periodic 1000 ns timer fires exactly when the
 * instruction count reaches its deadline (2^shift ns per instruction). */
struct ticker {
    struct machine *m;
    struct vtimer *t;
    uint64_t at[20];
    int n;
};
static void tick_cb(void *opaque)
{
    struct ticker *k = opaque;
    k->at[k->n++] = machine_icount(k->m);
    if (k->n == 20)
        machine_stop(k->m, 0);
    else
        vtimer_mod(k->t, (uint64_t)(k->n + 1) * 1000);
}

static void run_ticker(struct ticker *k, const uint8_t *code, size_t len)
{
    k->m = make(code, len, (struct machine_config){.deterministic = true, .icount_shift = 2});
    k->n = 0;
    k->t = vtimer_create(machine_vclock(k->m), tick_cb, k);
    vtimer_mod(k->t, 1000);
    ck_assert_int_eq(machine_run(k->m), 0);
    vtimer_destroy(k->t);
}

START_TEST(deterministic_timers_exact)
{
    static const uint8_t loop[] = {0x40, 0xeb, 0xfd}; /* inc ax; jmp $-1 */
    struct ticker a, b;
    run_ticker(&a, loop, sizeof loop);
    run_ticker(&b, loop, sizeof loop);
    for (int i = 0; i < 20; i++) {
        ck_assert_uint_eq(a.at[i], (uint64_t)(i + 1) * 250); /* 1000 ns / 4 ns */
        ck_assert_uint_eq(a.at[i], b.at[i]);
    }
    ck_assert_uint_eq(machine_cpu(a.m)->gpr[R_EAX], machine_cpu(b.m)->gpr[R_EAX]);
    machine_destroy(a.m);
    machine_destroy(b.m);
    /* an idle guest: time jumps to each deadline without instructions */
    struct ticker c;
    run_ticker(&c, sti_hlt, sizeof sti_hlt);
    ck_assert_int_eq(c.n, 20);
    ck_assert_uint_lt(c.at[19], 100);
    machine_destroy(c.m);
}
END_TEST

/* A device reading the clock mid-batch sees the instructions retired so
 * far (a guest polling a timer must see it move). */
struct clock_port {
    struct machine *m;
    uint64_t t[2];
    int n;
};
static uint32_t clock_read(void *opaque, uint32_t off, int size)
{
    (void)off, (void)size;
    struct clock_port *cp = opaque;
    if (cp->n < 2)
        cp->t[cp->n++] = vclock_now(machine_vclock(cp->m));
    return 0;
}
static void clock_write(void *opaque, uint32_t off, uint32_t v, int size)
{
    (void)opaque, (void)off, (void)v, (void)size;
}

START_TEST(deterministic_time_inside_batch)
{
    /* in al,0x99; 10 x nop; in al,0x99; cli; hlt */
    static const uint8_t code[] = {0xe4, 0x99, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
                                   0x90, 0x90, 0x90, 0x90, 0xe4, 0x99, 0xfa, 0xf4};
    struct machine *m =
        make(code, sizeof code, (struct machine_config){.deterministic = true, .icount_shift = 3});
    struct clock_port cp = {.m = m};
    static const struct io_ops ops = {clock_read, clock_write, 1};
    ioport_register(machine_ioport(m), 0x99, 1, &ops, &cp);
    ck_assert_int_eq(machine_run(m), VX86_EXIT_HALTED);
    ck_assert_int_eq(cp.n, 2);
    ck_assert_uint_eq(cp.t[1] - cp.t[0], 11u << 3);
    machine_destroy(m);
}
END_TEST

/* Real time: a timer a device arms mid-slice for before the slice's planned
 * end ends the slice at once (machine.c, machine_earliest), however long
 * the slice the guest's speed allowed: it fires within a few instructions
 * of the OUT that armed it, not at the slice's end (up to tens of
 * thousands of instructions later). Counted in instructions, not time. */
struct soon {
    struct machine *m;
    struct vtimer *t;
    uint64_t out_at[5], fired_at[5];
    int n;
};
static uint32_t soon_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque, (void)offset, (void)size;
    return 0xff;
}
static void soon_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)offset, (void)value, (void)size;
    struct soon *k = opaque;
    k->out_at[k->n] = machine_icount(k->m);
    vtimer_mod(k->t, vclock_now(machine_vclock(k->m)) + 1);
}
static void soon_cb(void *opaque)
{
    struct soon *k = opaque;
    k->fired_at[k->n++] = machine_icount(k->m);
    if (k->n == 5)
        machine_stop(k->m, 0);
}

START_TEST(realtime_timer_armed_mid_slice)
{
    /* l: out 0x98,al; mov cx,0; loop $; jmp l */
    static const uint8_t code[] = {0xe6, 0x98, 0xb9, 0x00, 0x00, 0xe2, 0xfe, 0xeb, 0xf7};
    struct soon k = {0};
    k.m = make(code, sizeof code, (struct machine_config){0});
    k.t = vtimer_create(machine_vclock(k.m), soon_cb, &k);
    static const struct io_ops ops = {soon_read, soon_write, 1};
    ioport_register(machine_ioport(k.m), 0x98, 1, &ops, &k);
    ck_assert_int_eq(machine_run(k.m), 0);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(k.fired_at[i] - k.out_at[i] < 100,
                      "round %d: the timer fired %llu instructions after the OUT", i,
                      (unsigned long long)(k.fired_at[i] - k.out_at[i]));
    vtimer_destroy(k.t);
    machine_destroy(k.m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("machine_loop");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, idle_guest_sleeps);
    tcase_add_test(tc, timeout_busy_and_idle);
    tcase_add_test(tc, host_fd_wakes_idle_guest);
    tcase_add_test(tc, sti_hlt_without_sources_halts);
    tcase_add_test(tc, pause_and_resume);
    tcase_add_test(tc, keep_halted_then_reset);
    tcase_add_test(tc, poll_hook_runs_between_batches);
    tcase_add_test(tc, deterministic_timers_exact);
    tcase_add_test(tc, deterministic_time_inside_batch);
    tcase_add_test(tc, realtime_timer_armed_mid_slice);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
