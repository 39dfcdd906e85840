/* 8254 PIT driven through ports 0x40-0x43 and 0x61 on the virtual clock with
 * no CPU: every mode's counter values and OUT levels at exact CLK ticks
 * (Intel 8254 datasheet waveforms), BCD, the read/write flip-flops, counter
 * latch and read-back commands, gates, port 0x61, IRQ 0 edge times, and a
 * save/restore round trip that continues identically. */
#include <check.h>

#include <stdarg.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "devices/pit.h"
#include "devices/vmstate.h"
#include "timers_test_util.h"

/* The first virtual nanosecond of CLK tick k. */
static uint64_t tns(uint64_t k)
{
    return (k * 1000000000ull + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

struct rig {
    struct machine *m;
    struct pit *p;
    struct tu_irq irq;
};

static void rig_make(struct rig *r)
{
    r->m = tu_machine();
    r->p = pit_create(r->m, tu_irq_line(&r->irq, r->m));
    ck_assert_ptr_nonnull(r->p);
}

static void rig_free(struct rig *r)
{
    machine_destroy(r->m);
    pit_destroy(r->p);
}

static void at(struct rig *r, uint64_t tick)
{
    tu_run_until(r->m, tns(tick));
}

static void write16(struct rig *r, int ch, uint16_t v)
{
    tu_out(r->m, 0x40 + ch, v & 0xff);
    tu_out(r->m, 0x40 + ch, v >> 8);
}

static uint16_t read16(struct rig *r, int ch)
{
    uint8_t lo = tu_in(r->m, 0x40 + ch);
    return lo | tu_in(r->m, 0x40 + ch) << 8;
}

static bool out2(struct rig *r)
{
    return tu_in(r->m, 0x61) & 0x20;
}

/* The IRQ 0 edges recorded so far are exactly these (level, tick) pairs. */
static void expect_edges(struct rig *r, int n, const int *lv, const uint64_t *tick)
{
    ck_assert_int_eq(r->irq.n, n);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(r->irq.lv[i] == (bool)lv[i], "edge %d level", i);
        ck_assert_msg(r->irq.at[i] == tns(tick[i]), "edge %d at %llu, expected tick %llu (%llu ns)",
                      i, (unsigned long long)r->irq.at[i], (unsigned long long)tick[i],
                      (unsigned long long)tns(tick[i]));
    }
}

START_TEST(mode0_terminal_count)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x30); /* ch0, LSB then MSB, mode 0 */
    write16(&r, 0, 100);
    ck_assert(!pit_out(r.p, 0));
    at(&r, 1001);
    ck_assert_uint_eq(read16(&r, 0), 100); /* loaded on the first CLK */
    at(&r, 1011);
    ck_assert_uint_eq(read16(&r, 0), 90);
    at(&r, 1100);
    ck_assert_uint_eq(read16(&r, 0), 1);
    ck_assert(!pit_out(r.p, 0));
    at(&r, 1101); /* N+1 CLKs after the write */
    ck_assert_uint_eq(read16(&r, 0), 0);
    ck_assert(pit_out(r.p, 0));
    at(&r, 1102);
    ck_assert_uint_eq(read16(&r, 0), 0xffff); /* keeps counting, OUT stays high */
    ck_assert(pit_out(r.p, 0));
    /* A new count: the first byte stops counting and drops OUT at once. */
    at(&r, 2000);
    tu_out(r.m, 0x40, 0x05);
    ck_assert(!pit_out(r.p, 0));
    at(&r, 2005);
    ck_assert_uint_eq(read16(&r, 0), (uint16_t)(100 - (2000 - 1001)));
    at(&r, 2010);
    tu_out(r.m, 0x40, 0x00); /* N = 5, loaded at 2011 */
    at(&r, 2015);
    ck_assert(!pit_out(r.p, 0));
    at(&r, 2016);
    ck_assert(pit_out(r.p, 0));
    static const int lv[] = {1, 0, 1};
    static const uint64_t tk[] = {1101, 2000, 2016};
    expect_edges(&r, 3, lv, tk);
    rig_free(&r);
}
END_TEST

START_TEST(mode0_gate_suspends)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x61, 0x00);
    tu_out(r.m, 0x43, 0xb0); /* ch2 mode 0 */
    write16(&r, 2, 10);
    at(&r, 1005);
    ck_assert_uint_eq(read16(&r, 2), 10);
    tu_out(r.m, 0x61, 0x01);
    at(&r, 1010);
    ck_assert_uint_eq(read16(&r, 2), 5);
    tu_out(r.m, 0x61, 0x00);
    at(&r, 1030);
    ck_assert_uint_eq(read16(&r, 2), 5);
    ck_assert(!out2(&r));
    tu_out(r.m, 0x61, 0x01);
    at(&r, 1034);
    ck_assert_uint_eq(read16(&r, 2), 1);
    ck_assert(!out2(&r));
    at(&r, 1035);
    ck_assert(out2(&r));
    rig_free(&r);
}
END_TEST

START_TEST(mode1_one_shot)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x61, 0x00);
    tu_out(r.m, 0x43, 0xb2); /* ch2 mode 1 */
    write16(&r, 2, 5);
    ck_assert(out2(&r));
    at(&r, 1010);
    tu_out(r.m, 0x61, 0x01); /* trigger */
    ck_assert(out2(&r));
    at(&r, 1011);
    ck_assert(!out2(&r));
    ck_assert_uint_eq(read16(&r, 2), 5);
    at(&r, 1015);
    ck_assert(!out2(&r));
    ck_assert_uint_eq(read16(&r, 2), 1);
    at(&r, 1016);
    ck_assert(out2(&r));
    ck_assert_uint_eq(read16(&r, 2), 0);
    /* Retriggered during the pulse: N more CLKs from the new trigger. */
    at(&r, 1030);
    tu_out(r.m, 0x61, 0x00);
    at(&r, 1031);
    tu_out(r.m, 0x61, 0x01); /* low 1032..1036 */
    at(&r, 1034);
    tu_out(r.m, 0x61, 0x00); /* gate low does not stop mode 1 */
    at(&r, 1035);
    tu_out(r.m, 0x61, 0x01); /* low 1036..1040 */
    at(&r, 1037);
    ck_assert(!out2(&r));
    at(&r, 1040);
    ck_assert(!out2(&r));
    at(&r, 1041);
    ck_assert(out2(&r));
    /* A new count does not disturb the one-shot; the next trigger uses it. */
    at(&r, 1050);
    tu_out(r.m, 0x61, 0x00);
    tu_out(r.m, 0x61, 0x01); /* low 1051..1055 */
    write16(&r, 2, 2);
    at(&r, 1055);
    ck_assert(!out2(&r));
    at(&r, 1056);
    ck_assert(out2(&r));
    tu_out(r.m, 0x61, 0x00);
    tu_out(r.m, 0x61, 0x01); /* low 1057..1058 */
    at(&r, 1058);
    ck_assert(!out2(&r));
    at(&r, 1059);
    ck_assert(out2(&r));
    rig_free(&r);
}
END_TEST

START_TEST(mode2_rate_generator)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x34); /* ch0 mode 2: OUT high */
    write16(&r, 0, 4);
    static const uint16_t expect[] = {4, 3, 2, 1, 4, 3, 2, 1};
    for (int i = 0; i < 8; i++) {
        at(&r, 1001 + i);
        ck_assert_uint_eq(read16(&r, 0), expect[i]);
        ck_assert_int_eq(pit_out(r.p, 0), expect[i] != 1);
    }
    /* Reloaded mid-period (tick 1010, the period began at 1009): this
     * period runs out, the next one has 6 counts. */
    at(&r, 1010);
    write16(&r, 0, 6);
    tu_out(r.m, 0x43, 0xe2);                   /* read-back: status of ch0 */
    ck_assert_uint_eq(tu_in(r.m, 0x40), 0xf4); /* OUT, null count, RW=3, mode 2 */
    at(&r, 1013);
    tu_out(r.m, 0x43, 0xe2);
    ck_assert_uint_eq(tu_in(r.m, 0x40), 0xb4); /* loaded: null count clear */
    ck_assert_uint_eq(read16(&r, 0), 6);
    at(&r, 1030);
    static const int lv[] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
    static const uint64_t tk[] = {1000, 1004, 1005, 1008, 1009, 1012,
                                  1013, 1018, 1019, 1024, 1025, 1030};
    expect_edges(&r, 12, lv, tk);
    rig_free(&r);
}
END_TEST

START_TEST(mode2_gate)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x61, 0x01);
    tu_out(r.m, 0x43, 0xb4); /* ch2 mode 2 */
    write16(&r, 2, 5);       /* low at 1005 */
    at(&r, 1005);
    ck_assert(!out2(&r));
    tu_out(r.m, 0x61, 0x00); /* gate low forces OUT high at once */
    ck_assert(out2(&r));
    at(&r, 1020);
    ck_assert_uint_eq(read16(&r, 2), 1); /* held */
    tu_out(r.m, 0x61, 0x01);             /* reload on the next CLK */
    at(&r, 1021);
    ck_assert_uint_eq(read16(&r, 2), 5);
    at(&r, 1025);
    ck_assert(!out2(&r));
    at(&r, 1026);
    ck_assert(out2(&r));
    rig_free(&r);
}
END_TEST

START_TEST(mode3_square_wave)
{
    struct rig r;
    rig_make(&r);
    /* Odd count 5 on ch0: high 3 CLKs, low 2; the element shows N-1, -2 ... */
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x36);
    write16(&r, 0, 5);
    static const uint16_t ce[] = {4, 2, 0, 4, 2, 4, 2, 0, 4, 2};
    static const bool hi[] = {1, 1, 1, 0, 0, 1, 1, 1, 0, 0};
    for (int i = 0; i < 10; i++) {
        at(&r, 1001 + i);
        ck_assert_uint_eq(read16(&r, 0), ce[i]);
        ck_assert_int_eq(pit_out(r.p, 0), hi[i]);
    }
    at(&r, 1011);
    static const int lv[] = {1, 0, 1, 0, 1};
    static const uint64_t tk[] = {1000, 1004, 1006, 1009, 1011};
    expect_edges(&r, 5, lv, tk);
    /* Even count 6 on ch2 (gate from port 0x61): 3 high, 3 low. */
    at(&r, 2000);
    tu_out(r.m, 0x61, 0x01);
    tu_out(r.m, 0x43, 0xb6);
    write16(&r, 2, 6);
    static const uint16_t ce2[] = {6, 4, 2, 6, 4, 2, 6};
    static const bool hi2[] = {1, 1, 1, 0, 0, 0, 1};
    for (int i = 0; i < 7; i++) {
        at(&r, 2001 + i);
        ck_assert_uint_eq(read16(&r, 2), ce2[i]);
        ck_assert_int_eq(out2(&r), hi2[i]);
    }
    /* Gate low in the low half: OUT high at once, element held. */
    at(&r, 2010);
    ck_assert(!out2(&r));
    tu_out(r.m, 0x61, 0x00);
    ck_assert(out2(&r));
    at(&r, 2019);
    tu_out(r.m, 0x61, 0x01); /* reload at 2020 */
    at(&r, 2021);
    ck_assert_uint_eq(read16(&r, 2), 4);
    /* New count in the high half: it starts at the end of the half-cycle,
     * with the low half of the new count (10: 5 low, 5 high). */
    write16(&r, 2, 10);
    at(&r, 2022);
    ck_assert(out2(&r));
    at(&r, 2023);
    ck_assert(!out2(&r));
    ck_assert_uint_eq(read16(&r, 2), 10);
    at(&r, 2027);
    ck_assert(!out2(&r));
    at(&r, 2028);
    ck_assert(out2(&r));
    at(&r, 2032);
    ck_assert(out2(&r));
    at(&r, 2033);
    ck_assert(!out2(&r));
    rig_free(&r);
}
END_TEST

START_TEST(mode4_software_strobe)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x38);
    write16(&r, 0, 3);
    at(&r, 1003);
    ck_assert(pit_out(r.p, 0));
    at(&r, 1004);
    ck_assert(!pit_out(r.p, 0));
    ck_assert_uint_eq(read16(&r, 0), 0);
    at(&r, 1005);
    ck_assert(pit_out(r.p, 0));
    ck_assert_uint_eq(read16(&r, 0), 0xffff);
    at(&r, 1000 + 3 * 65536 + 10); /* no further strobes after wrapping */
    static const int lv[] = {1, 0, 1};
    static const uint64_t tk[] = {1000, 1004, 1005};
    expect_edges(&r, 3, lv, tk);
    rig_free(&r);
}
END_TEST

START_TEST(mode5_hardware_strobe)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x61, 0x00);
    tu_out(r.m, 0x43, 0xba); /* ch2 mode 5 */
    write16(&r, 2, 3);
    at(&r, 1009);
    ck_assert(out2(&r)); /* waits for a trigger */
    at(&r, 1010);
    tu_out(r.m, 0x61, 0x01);
    at(&r, 1013);
    ck_assert(out2(&r));
    at(&r, 1014);
    ck_assert(!out2(&r));
    at(&r, 1015);
    ck_assert(out2(&r));
    tu_out(r.m, 0x61, 0x00);
    tu_out(r.m, 0x61, 0x01); /* retrigger at 1015: strobe at 1019 */
    at(&r, 1018);
    ck_assert(out2(&r));
    at(&r, 1019);
    ck_assert(!out2(&r));
    rig_free(&r);
}
END_TEST

START_TEST(bcd_counting)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x31); /* ch0 mode 0 BCD */
    write16(&r, 0, 0x0010);
    at(&r, 1004);
    ck_assert_uint_eq(read16(&r, 0), 0x0007);
    at(&r, 1011);
    ck_assert_uint_eq(read16(&r, 0), 0x0000);
    ck_assert(pit_out(r.p, 0));
    at(&r, 1012);
    ck_assert_uint_eq(read16(&r, 0), 0x9999);
    /* 0 in BCD is 10^4 counts. */
    tu_out(r.m, 0x43, 0x75); /* ch1 mode 2 BCD */
    write16(&r, 1, 0);
    at(&r, 1013);
    ck_assert_uint_eq(read16(&r, 1), 0x0000);
    at(&r, 1014);
    ck_assert_uint_eq(read16(&r, 1), 0x9999);
    at(&r, 1013 + 9998);
    ck_assert_uint_eq(read16(&r, 1), 0x0002);
    ck_assert(pit_out(r.p, 1));
    at(&r, 1013 + 9999);
    ck_assert(!pit_out(r.p, 1));
    at(&r, 1013 + 10000);
    ck_assert_uint_eq(read16(&r, 1), 0x0000);
    rig_free(&r);
}
END_TEST

START_TEST(lsb_msb_only_and_flip_flops)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x54); /* ch1 LSB only, mode 2 */
    tu_out(r.m, 0x41, 0x20);
    at(&r, 1001);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x20);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x20);
    at(&r, 1002);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x1f);
    tu_out(r.m, 0x43, 0x64); /* ch1 MSB only: N = 0x100 */
    tu_out(r.m, 0x41, 0x01);
    at(&r, 1003);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x01);
    at(&r, 1004);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x00); /* 0x00ff */
    /* LSB/MSB: the read flip-flop alternates across live reads too. */
    tu_out(r.m, 0x43, 0x74);
    write16(&r, 1, 0x1234);
    at(&r, 1005);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x34);
    at(&r, 1006);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x12); /* MSB of 0x1233 */
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x33);
    /* The control word register reads nothing useful and keeps nothing. */
    ck_assert_uint_eq(tu_in(r.m, 0x43), 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(counter_latch)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x34);
    write16(&r, 0, 1000);
    at(&r, 1010);
    tu_out(r.m, 0x43, 0x00); /* latch ch0 */
    at(&r, 1050);
    tu_out(r.m, 0x43, 0x00); /* ignored: still latched */
    ck_assert_uint_eq(tu_in(r.m, 0x40), 991 & 0xff);
    at(&r, 1060);
    ck_assert_uint_eq(tu_in(r.m, 0x40), 991 >> 8);
    ck_assert_uint_eq(read16(&r, 0), 1000 - 59); /* live again */
    rig_free(&r);
}
END_TEST

START_TEST(read_back)
{
    struct rig r;
    rig_make(&r);
    at(&r, 1000);
    tu_out(r.m, 0x43, 0x32); /* ch0 mode 1 */
    tu_out(r.m, 0x43, 0x77); /* ch1 mode 3 BCD */
    tu_out(r.m, 0x43, 0xe6); /* status of ch0 and ch1 */
    ck_assert_uint_eq(tu_in(r.m, 0x40), 0x80 | 0x40 | 0x30 | 0x02);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x80 | 0x40 | 0x30 | 0x06 | 0x01);
    write16(&r, 1, 0x0100);
    write16(&r, 0, 50); /* mode 1: no trigger on channel 0's tied gate */
    at(&r, 1011);
    tu_out(r.m, 0x43, 0xc6); /* count and status of ch0 and ch1 */
    ck_assert_uint_eq(tu_in(r.m, 0x40), 0x80 | 0x40 | 0x30 | 0x02); /* still null */
    tu_in(r.m, 0x40);
    tu_in(r.m, 0x40);
    ck_assert_uint_eq(tu_in(r.m, 0x41), 0x80 | 0x30 | 0x06 | 0x01);
    at(&r, 1020);
    ck_assert_uint_eq(read16(&r, 1), 0x0080); /* latched at 1011: 100 - 2 * 10, BCD */
    /* Status only, then count only, of channel 2 after a mode 0 count. */
    tu_out(r.m, 0x43, 0xb0);
    write16(&r, 2, 3);
    tu_out(r.m, 0x43, 0xe8);
    ck_assert_uint_eq(tu_in(r.m, 0x42), 0x40 | 0x30);
    at(&r, 1022);
    tu_out(r.m, 0x43, 0xd8);
    at(&r, 1023);
    ck_assert_uint_eq(read16(&r, 2), 3); /* gate 2 is low: held at N */
    rig_free(&r);
}
END_TEST

START_TEST(port61)
{
    struct rig r;
    rig_make(&r);
    ck_assert_uint_eq(tu_in(r.m, 0x61) & 0x10, 0x00);
    tu_run_until(r.m, 15084);
    ck_assert_uint_eq(tu_in(r.m, 0x61) & 0x10, 0x00);
    tu_run_until(r.m, 15085);
    ck_assert_uint_eq(tu_in(r.m, 0x61) & 0x10, 0x10);
    tu_run_until(r.m, 30170);
    ck_assert_uint_eq(tu_in(r.m, 0x61) & 0x10, 0x00);
    tu_out(r.m, 0x61, 0xff);
    ck_assert_uint_eq(tu_in(r.m, 0x61) & 0xcf, 0x0f);
    /* Speaker: OUT2 (mode 3) AND bit 1. */
    tu_out(r.m, 0x43, 0xb6);
    write16(&r, 2, 4);
    uint64_t now = tu_now(r.m) * PIT_FREQ_HZ / 1000000000ull;
    at(&r, now + 1);
    ck_assert(pit_speaker(r.p));
    ck_assert_uint_eq(tu_in(r.m, 0x61) & 0x20, 0x20);
    tu_out(r.m, 0x61, 0x01);
    ck_assert(!pit_speaker(r.p));
    at(&r, now + 3);
    ck_assert_uint_eq(tu_in(r.m, 0x61) & 0x20, 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(pc_timer_18hz)
{
    struct rig r;
    rig_make(&r);
    tu_out(r.m, 0x43, 0x36); /* what a BIOS does: ch0 mode 3, count 0 */
    write16(&r, 0, 0);
    tu_run_until(r.m, 1000000000ull);
    int rises = 0;
    for (int i = 0; i < r.irq.n; i++)
        rises += r.irq.lv[i];
    ck_assert_int_eq(rises, 1 + 18);                /* 1193182 / 65536 = 18.2 per second */
    ck_assert_uint_eq(r.irq.at[2], tns(1 + 65536)); /* second rise: one period after the load */
    rig_free(&r);
}
END_TEST

struct log_rec {
    int n;
    char last[160];
};

static void log_capture(void *opaque, const char *category, const char *fmt, va_list ap)
{
    struct log_rec *l = opaque;
    ck_assert_str_eq(category, "unimp");
    vsnprintf(l->last, sizeof l->last, fmt, ap);
    l->n++;
}

/* Bad programming is logged once under -d unimp and otherwise ignored. */
START_TEST(unimp_logged_once)
{
    struct log_rec log = {0};
    struct machine *m = test_machine_cfg((struct machine_config){.ram_size = 1u << 20,
                                                                 .deterministic = true,
                                                                 .log_mask = CPU_LOG_UNIMP,
                                                                 .hook_opaque = &log,
                                                                 .log_fn = log_capture});
    struct pit *p = pit_create(m, (struct irq_line){0});
    tu_out(m, 0x41, 0x12); /* no control word yet */
    tu_out(m, 0x41, 0x34);
    ck_assert_int_eq(log.n, 1);
    ck_assert_ptr_nonnull(strstr(log.last, "pit"));
    tu_out(m, 0x43, 0x54);
    tu_out(m, 0x41, 0x12);
    ck_assert_int_eq(log.n, 1);
    tu_run_until(m, tu_now(m) + 900); /* the next CLK loads it */
    ck_assert_uint_eq(tu_in(m, 0x41), 0x12);
    machine_destroy(m);
    pit_destroy(p);
}
END_TEST

/* Save mid-run, load into a second machine at the same virtual time, and
 * both continue alike. */
START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_make(&a);
    rig_make(&b);
    at(&a, 500);
    tu_out(a.m, 0x43, 0x34);
    write16(&a, 0, 7);
    tu_out(a.m, 0x61, 0x03);
    tu_out(a.m, 0x43, 0xb6);
    write16(&a, 2, 9);
    tu_out(a.m, 0x43, 0x70);
    write16(&a, 1, 300);
    at(&a, 530);
    write16(&a, 0, 3);       /* switch pending at the period's end */
    tu_out(a.m, 0x43, 0x40); /* ch1 latched */
    tu_in(a.m, 0x42);        /* ch2's read flip-flop half way */
    uint8_t buf[2048];
    size_t n = vmstate_save(pit_vmstate(), a.p, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    tu_run_until(b.m, tu_now(a.m));
    ck_assert_int_eq(vmstate_load(pit_vmstate(), b.p, buf, n), 0);
    ck_assert_int_eq(b.irq.level, a.irq.level);
    a.irq.n = b.irq.n = 0;
    for (uint64_t t = 531; t < 600; t += 3) {
        at(&a, t);
        at(&b, t);
        for (int ch = 0; ch < 3; ch++)
            ck_assert_uint_eq(tu_in(b.m, 0x40 + ch), tu_in(a.m, 0x40 + ch));
        ck_assert_uint_eq(tu_in(b.m, 0x61), tu_in(a.m, 0x61));
    }
    ck_assert_int_gt(a.irq.n, 10);
    tu_irq_assert_same(&b.irq, &a.irq);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, mode0_terminal_count);
    tcase_add_test(tc, mode0_gate_suspends);
    tcase_add_test(tc, mode1_one_shot);
    tcase_add_test(tc, mode2_rate_generator);
    tcase_add_test(tc, mode2_gate);
    tcase_add_test(tc, mode3_square_wave);
    tcase_add_test(tc, mode4_software_strobe);
    tcase_add_test(tc, mode5_hardware_strobe);
    tcase_add_test(tc, bcd_counting);
    tcase_add_test(tc, lsb_msb_only_and_flip_flops);
    tcase_add_test(tc, counter_latch);
    tcase_add_test(tc, read_back);
    tcase_add_test(tc, port61);
    tcase_add_test(tc, pc_timer_18hz);
    tcase_add_test(tc, unimp_logged_once);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
