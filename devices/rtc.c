/* The MC146818A RTC (Motorola datasheet): time kept as seconds counted by
 * the virtual clock from a start time, shown in BCD or binary and 12/24 h;
 * update cycle with UIP, periodic/alarm/update-ended interrupts folded into
 * register C lazily from virtual time, and 128 bytes of CMOS RAM. */
#include "devices/rtc.h"

#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

#define NS_PER_SEC 1000000000ll
#define UIP_NS     244141 /* UIP rises 244 us (8 cycles of 32.768 kHz) before an update */
#define RTC_HZ     32768

enum {
    REG_SEC = 0x00,
    REG_SEC_ALARM = 0x01,
    REG_MIN = 0x02,
    REG_MIN_ALARM = 0x03,
    REG_HOUR = 0x04,
    REG_HOUR_ALARM = 0x05,
    REG_WDAY = 0x06,
    REG_MDAY = 0x07,
    REG_MON = 0x08,
    REG_YEAR = 0x09,
    REG_A = 0x0a,
    REG_B = 0x0b,
    REG_C = 0x0c,
    REG_D = 0x0d,
    REG_CENTURY = 0x32,
};

#define A_UIP  0x80
#define B_SET  0x80
#define B_PIE  0x40
#define B_AIE  0x20
#define B_UIE  0x10
#define B_SQWE 0x08
#define B_DM   0x04 /* 1 = binary, 0 = BCD */
#define B_24H  0x02
#define B_DSE  0x01
#define C_IRQF 0x80
#define C_PF   0x40
#define C_AF   0x20
#define C_UF   0x10
#define D_VRT  0x80

struct rtc_tm {
    int64_t year;
    uint32_t mon, mday, hour, min, sec, wday; /* wday 1 = Sunday (PC CMOS) */
};

struct rtc {
    struct machine *m;
    struct vclock *vc;
    struct irq_line irq;
    struct vtimer *timer;
    uint8_t cmos[128];  /* A-D, alarms and RAM; the time bytes are computed */
    uint8_t index;      /* port 0x70 bits 6-0 */
    uint8_t nmi_masked; /* port 0x70 bit 7 */
    int64_t base_sec;   /* clock time (seconds since 1970) at base_ns */
    int64_t base_ns;    /* virtual time of an update; updates recur every second */
    int8_t wday_offset; /* day-of-week register minus the one the date implies */
    struct rtc_tm held; /* the time registers while stopped (SET, divider reset),
                            as written: not normalized until counting resumes */
    int64_t div_ns;     /* virtual time the divider chain was released */
    int64_t last_ns;    /* register C holds the events up to this time */
    uint8_t irq_level;  /* IRQ 8 as last driven (IRQF) */
    uint64_t logged;    /* unimp messages already given (bit mask) */
};

/* --- calendar (proleptic Gregorian, H. Hinnant's days-from-civil) --- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void rtc_split(int64_t secs, struct rtc_tm *tm)
{
    int64_t days = floor_div(secs, 86400), rem = secs - days * 86400;
    civil_from_days(days, &tm->year, &tm->mon, &tm->mday);
    tm->hour = (unsigned)(rem / 3600);
    tm->min = (unsigned)(rem / 60 % 60);
    tm->sec = (unsigned)(rem % 60);
    tm->wday = (unsigned)(((days + 4) % 7 + 7) % 7) + 1; /* 1970-01-01 was a Thursday */
}

static int64_t rtc_join(const struct rtc_tm *tm)
{
    unsigned mon = tm->mon < 1 ? 1 : tm->mon > 12 ? 12 : tm->mon;
    unsigned mday = tm->mday < 1 ? 1 : tm->mday;
    return days_from_civil(tm->year, mon, 1) * 86400 + (int64_t)(mday - 1) * 86400 +
           tm->hour * 3600 + tm->min * 60 + tm->sec;
}

/* --- register formats (register B DM and 24/12) --- */

static uint8_t to_bcd(unsigned v)
{
    return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}
static unsigned from_bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 15);
}

static uint8_t rtc_fmt(const struct rtc *r, unsigned v)
{
    return (r->cmos[REG_B] & B_DM) ? (uint8_t)v : to_bcd(v);
}

static unsigned rtc_parse(const struct rtc *r, uint8_t v)
{
    return (r->cmos[REG_B] & B_DM) ? v : from_bcd(v);
}

/* 12-hour mode: 1-12 with bit 7 = PM. */
static uint8_t rtc_fmt_hour(const struct rtc *r, unsigned h)
{
    if (r->cmos[REG_B] & B_24H)
        return rtc_fmt(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return rtc_fmt(r, h12) | (h >= 12 ? 0x80 : 0);
}

static unsigned rtc_parse_hour(const struct rtc *r, uint8_t v)
{
    if (r->cmos[REG_B] & B_24H)
        return rtc_parse(r, v);
    return rtc_parse(r, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

/* --- the clock --- */

static int64_t rtc_now(struct rtc *r)
{
    return (int64_t)vclock_now(r->vc);
}

/* The divider chain runs with DV = 000, 001 or 010 (010 is the PC's
 * 32.768 kHz time base; 11x holds it in reset). */
static bool rtc_divider_running(const struct rtc *r)
{
    return ((r->cmos[REG_A] >> 4) & 7) <= 2;
}
static bool rtc_counting(const struct rtc *r)
{
    return rtc_divider_running(r) && !(r->cmos[REG_B] & B_SET);
}

/* Updates since the anchor by virtual time t (floor). */
static int64_t rtc_updates(const struct rtc *r, int64_t t)
{
    return floor_div(t - r->base_ns, NS_PER_SEC);
}

static int64_t rtc_secs(const struct rtc *r, int64_t t)
{
    return rtc_counting(r) ? r->base_sec + rtc_updates(r, t) : r->base_sec;
}

/* Re-anchor at time t: base_sec becomes the time shown at t, base_ns the
 * last update at or before t (the divider's phase is kept). */
static void rtc_fold(struct rtc *r, int64_t t)
{
    int64_t u = rtc_updates(r, t);
    if (rtc_counting(r))
        r->base_sec += u;
    r->base_ns += u * NS_PER_SEC;
}

static bool rtc_uip(const struct rtc *r, int64_t t)
{
    if (!rtc_counting(r))
        return false;
    int64_t into = t - r->base_ns - rtc_updates(r, t) * NS_PER_SEC;
    return into >= NS_PER_SEC - UIP_NS;
}

/* Periodic interrupt period in 32.768 kHz cycles (datasheet Table 5:
 * RS 1 and 2 repeat 8 and 9 with a 32.768 kHz time base); 0 = none. */
static unsigned rtc_period(const struct rtc *r)
{
    unsigned rs = r->cmos[REG_A] & 15;
    if (!rs)
        return 0;
    return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

/* Periodic events that have happened by time t since the divider release. */
static int64_t rtc_periodic_count(const struct rtc *r, int64_t t, unsigned period)
{
    if (t <= r->div_ns)
        return 0;
    return (int64_t)((unsigned __int128)(t - r->div_ns) * RTC_HZ /
                     ((unsigned __int128)period * NS_PER_SEC));
}

static int64_t rtc_periodic_time(const struct rtc *r, int64_t k, unsigned period)
{
    unsigned __int128 num = (unsigned __int128)k * period * NS_PER_SEC;
    return r->div_ns + (int64_t)((num + RTC_HZ - 1) / RTC_HZ);
}

static bool alarm_field_match(uint8_t alarm, uint8_t value)
{
    return (alarm & 0xc0) == 0xc0 || alarm == value; /* 11xxxxxx = don't care */
}

static bool rtc_alarm_match(const struct rtc *r, int64_t secs)
{
    struct rtc_tm tm;
    rtc_split(secs, &tm);
    return alarm_field_match(r->cmos[REG_SEC_ALARM], rtc_fmt(r, tm.sec)) &&
           alarm_field_match(r->cmos[REG_MIN_ALARM], rtc_fmt(r, tm.min)) &&
           alarm_field_match(r->cmos[REG_HOUR_ALARM], rtc_fmt_hour(r, tm.hour));
}

static void rtc_update_irq(struct rtc *r)
{
    uint8_t c = r->cmos[REG_C] & 0x70;
    if (c & r->cmos[REG_B] & 0x70)
        c |= C_IRQF;
    r->cmos[REG_C] = c;
    bool level = c & C_IRQF;
    if (level != r->irq_level) {
        r->irq_level = level;
        irq_set(&r->irq, level);
    }
}

/* Fold the periodic, update-ended and alarm events of (last_ns, t] into
 * register C (they are flagged whether or not their interrupt is enabled). */
static void rtc_advance(struct rtc *r, int64_t t)
{
    if (t <= r->last_ns)
        return;
    unsigned period = rtc_period(r);
    if (rtc_divider_running(r) && period &&
        rtc_periodic_count(r, t, period) > rtc_periodic_count(r, r->last_ns, period))
        r->cmos[REG_C] |= C_PF;
    if (rtc_counting(r)) {
        int64_t u0 = rtc_updates(r, r->last_ns), u1 = rtc_updates(r, t);
        if (u1 > u0) {
            r->cmos[REG_C] |= C_UF;
            /* The alarm compares after each update; a day covers every
             * time of day, so older seconds need no look. */
            int64_t from = u1 - u0 > 86400 ? u1 - 86400 : u0 + 1;
            for (int64_t u = from; u <= u1 && !(r->cmos[REG_C] & C_AF); u++)
                if (rtc_alarm_match(r, r->base_sec + u))
                    r->cmos[REG_C] |= C_AF;
        }
    }
    r->last_ns = t;
    rtc_update_irq(r);
}

/* Aim the timer at the next event that would raise IRQF. */
static void rtc_arm(struct rtc *r)
{
    int64_t t = r->last_ns, next = INT64_MAX;
    uint8_t b = r->cmos[REG_B];
    if (!(r->cmos[REG_C] & C_IRQF)) {
        unsigned period = rtc_period(r);
        if ((b & B_PIE) && period && rtc_divider_running(r))
            next = rtc_periodic_time(r, rtc_periodic_count(r, t, period) + 1, period);
        if ((b & (B_UIE | B_AIE)) && rtc_counting(r)) {
            int64_t u = r->base_ns + (rtc_updates(r, t) + 1) * NS_PER_SEC;
            if (u < next)
                next = u;
        }
    }
    if (next == INT64_MAX)
        vtimer_del(r->timer);
    else
        vtimer_mod(r->timer, (uint64_t)next);
}

static void rtc_timer_cb(void *opaque)
{
    struct rtc *r = opaque;
    rtc_advance(r, rtc_now(r));
    rtc_arm(r);
}

/* --- registers --- */

static unsigned rtc_wday(const struct rtc *r, const struct rtc_tm *tm)
{
    return (unsigned)((tm->wday - 1 + r->wday_offset + 7) % 7) + 1;
}

static uint8_t rtc_reg_read(struct rtc *r, int idx, bool side_effects)
{
    int64_t t = rtc_now(r);
    rtc_advance(r, t);
    struct rtc_tm tm;
    switch (idx) {
    case REG_SEC:
    case REG_MIN:
    case REG_HOUR:
    case REG_WDAY:
    case REG_MDAY:
    case REG_MON:
    case REG_YEAR:
    case REG_CENTURY:
        if (rtc_counting(r)) {
            rtc_split(rtc_secs(r, t), &tm);
            tm.wday = rtc_wday(r, &tm);
        } else {
            tm = r->held;
        }
        switch (idx) {
        case REG_SEC: return rtc_fmt(r, tm.sec);
        case REG_MIN: return rtc_fmt(r, tm.min);
        case REG_HOUR: return rtc_fmt_hour(r, tm.hour);
        case REG_WDAY: return rtc_fmt(r, tm.wday);
        case REG_MDAY: return rtc_fmt(r, tm.mday);
        case REG_MON: return rtc_fmt(r, tm.mon);
        case REG_YEAR: return rtc_fmt(r, (unsigned)(((tm.year % 100) + 100) % 100));
        default: return to_bcd((unsigned)((tm.year / 100) % 100)); /* IBM: century in BCD */
        }
    case REG_A: return (r->cmos[REG_A] & 0x7f) | (rtc_uip(r, t) ? A_UIP : 0);
    case REG_C: {
        uint8_t v = r->cmos[REG_C];
        if (side_effects) {
            /* Reading C clears every flag and IRQF (datasheet "Register C"). */
            r->cmos[REG_C] = 0;
            rtc_update_irq(r);
            rtc_arm(r);
        }
        return v;
    }
    case REG_D: return D_VRT;
    default: return r->cmos[idx & 0x7f];
    }
}

/* Counting stops (SET, divider reset): the registers hold still, and
 * writes land in them as they are. */
static void rtc_hold(struct rtc *r)
{
    rtc_split(r->base_sec, &r->held);
    r->held.wday = rtc_wday(r, &r->held);
}

/* Counting resumes from whatever the registers hold. */
static void rtc_release(struct rtc *r)
{
    struct rtc_tm tm;
    r->base_sec = rtc_join(&r->held);
    rtc_split(r->base_sec, &tm);
    r->wday_offset = (int8_t)((((int)(r->held.wday % 7) - (int)tm.wday) % 7 + 7) % 7);
}

static void tm_set_field(const struct rtc *r, struct rtc_tm *tm, int idx, uint8_t v)
{
    int64_t yy = ((tm->year % 100) + 100) % 100;
    switch (idx) {
    case REG_SEC: tm->sec = rtc_parse(r, v); break;
    case REG_MIN: tm->min = rtc_parse(r, v); break;
    case REG_HOUR: tm->hour = rtc_parse_hour(r, v); break;
    case REG_WDAY: tm->wday = rtc_parse(r, v); break;
    case REG_MDAY: tm->mday = rtc_parse(r, v); break;
    case REG_MON: tm->mon = rtc_parse(r, v); break;
    case REG_YEAR: tm->year = tm->year - yy + rtc_parse(r, v) % 100; break;
    case REG_CENTURY: tm->year = (int64_t)from_bcd(v) * 100 + yy; break;
    }
}

/* A time or date byte was written. While counting the clock continues from
 * it at once (the divider's phase is kept); while stopped it is held. */
static void rtc_write_time(struct rtc *r, int idx, uint8_t v, int64_t t)
{
    if (!rtc_counting(r)) {
        tm_set_field(r, &r->held, idx, v);
        return;
    }
    rtc_fold(r, t);
    rtc_hold(r);
    tm_set_field(r, &r->held, idx, v);
    rtc_release(r);
}

static void rtc_transition(struct rtc *r, bool counted)
{
    if (counted && !rtc_counting(r))
        rtc_hold(r);
    else if (!counted && rtc_counting(r))
        rtc_release(r);
}

static void rtc_reg_write(struct rtc *r, int idx, uint8_t v)
{
    int64_t t = rtc_now(r);
    rtc_advance(r, t);
    switch (idx) {
    case REG_SEC:
    case REG_MIN:
    case REG_HOUR:
    case REG_WDAY:
    case REG_MDAY:
    case REG_MON:
    case REG_YEAR:
    case REG_CENTURY: rtc_write_time(r, idx, v, t); break;
    case REG_A: {
        bool was = rtc_divider_running(r), counted = rtc_counting(r);
        unsigned dv = (v >> 4) & 7;
        if (dv != 2 && dv < 6)
            unimp_log_once(r->m, &r->logged, 0,
                           "rtc: register A divider %u (only 010 = 32.768 kHz is a PC's)\n", dv);
        rtc_fold(r, t);
        r->cmos[REG_A] = v & 0x7f;
        if (!was && rtc_divider_running(r)) {
            /* Released from reset: the first update comes 500 ms later. */
            r->div_ns = t;
            r->base_ns = t + NS_PER_SEC / 2 - NS_PER_SEC;
        }
        rtc_transition(r, counted);
        break;
    }
    case REG_B: {
        bool counted = rtc_counting(r);
        rtc_fold(r, t);
        if (v & B_SET)
            v &= ~B_UIE; /* SET going high clears UIE (datasheet "UIE") */
        if (v & B_DSE)
            unimp_log_once(r->m, &r->logged, 1,
                           "rtc: daylight saving (register B DSE=%u) is not implemented\n", 1);
        r->cmos[REG_B] = v;
        rtc_transition(r, counted);
        rtc_update_irq(r);
        break;
    }
    case REG_C:
    case REG_D: break; /* read-only */
    default: r->cmos[idx & 0x7f] = v; break;
    }
    rtc_arm(r);
}

static uint32_t rtc_port_read(void *opaque, uint32_t offset, int size)
{
    struct rtc *r = opaque;
    (void)size;
    if (offset == 0)
        return 0xff; /* the index register is write-only */
    return rtc_reg_read(r, r->index, true);
}

static void rtc_port_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct rtc *r = opaque;
    (void)size;
    if (offset == 0) {
        r->index = value & 0x7f;
        r->nmi_masked = (value >> 7) & 1;
    } else {
        rtc_reg_write(r, r->index, (uint8_t)value);
    }
}

static const struct io_ops rtc_ops = {rtc_port_read, rtc_port_write, 1};

void rtc_cmos_set(struct rtc *r, int idx, uint8_t value)
{
    rtc_reg_write(r, idx & 0x7f, value);
}
uint8_t rtc_cmos_get(struct rtc *r, int idx)
{
    return rtc_reg_read(r, idx & 0x7f, false);
}
bool rtc_nmi_masked(const struct rtc *r)
{
    return r->nmi_masked;
}
int64_t rtc_time(struct rtc *r)
{
    return rtc_counting(r) ? rtc_secs(r, rtc_now(r)) : rtc_join(&r->held);
}

/* --- lifecycle --- */

/* The RESET pin (tied to the PC's reset): clears PIE, AIE, UIE, SQWE and
 * the register C flags; the time and register A are kept. */
static void rtc_reset(void *opaque)
{
    struct rtc *r = opaque;
    rtc_advance(r, rtc_now(r));
    r->cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
    r->cmos[REG_C] = 0;
    rtc_update_irq(r);
    rtc_arm(r);
}

static int rtc_post_load(void *opaque)
{
    struct rtc *r = opaque;
    irq_set(&r->irq, r->irq_level);
    rtc_arm(r);
    return 0;
}

/* Times are absolute virtual-clock values: the snapshot that carries this
 * table must carry the virtual clock too. */
static const struct vmstate_field rtc_fields[] = {
    VMSTATE_FIELD(struct rtc, cmos, 1),       VMSTATE_FIELD(struct rtc, index, 1),
    VMSTATE_FIELD(struct rtc, nmi_masked, 1), VMSTATE_FIELD(struct rtc, base_sec, 1),
    VMSTATE_FIELD(struct rtc, base_ns, 1),    VMSTATE_FIELD(struct rtc, wday_offset, 1),
    VMSTATE_FIELD(struct rtc, div_ns, 1),     VMSTATE_FIELD(struct rtc, last_ns, 1),
    VMSTATE_FIELD(struct rtc, irq_level, 1),  VMSTATE_FIELD(struct rtc, held, 1),
};
static const struct vmstate rtc_vs = VMSTATE_DESC("rtc", 1, rtc_fields, rtc_post_load);

const struct vmstate *rtc_vmstate(void)
{
    return &rtc_vs;
}

struct rtc *rtc_create(struct machine *m, struct irq_line irq8, time_t base, bool localtime)
{
    struct rtc *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->m = m;
    r->vc = machine_vclock(m);
    r->irq = irq8;
    r->timer = vtimer_create(r->vc, rtc_timer_cb, r);
    if (!r->timer) {
        free(r);
        return NULL;
    }
    if (base == RTC_BASE_HOST)
        base = time(NULL);
    int64_t wall = (int64_t)base;
    if (localtime) {
        struct tm lt;
        if (localtime_r(&base, &lt))
            wall += lt.tm_gmtoff;
    }
    /* The clock shows `wall` at the current virtual time, an update just done. */
    r->last_ns = rtc_now(r);
    r->base_ns = r->last_ns;
    r->div_ns = r->last_ns;
    r->base_sec = wall;
    r->cmos[REG_A] = 0x26; /* DV = 010 (32.768 kHz), RS = 0110 (1024 Hz) */
    r->cmos[REG_B] = B_24H;
    r->cmos[REG_D] = D_VRT;
    ioport_register(machine_ioport(m), 0x70, 2, &rtc_ops, r);
    machine_register_reset(m, rtc_reset, r);
    machine_register_state(m, &rtc_vs, r);
    return r;
}

void rtc_destroy(struct rtc *r)
{
    if (!r)
        return;
    vtimer_destroy(r->timer);
    free(r);
}
