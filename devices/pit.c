/* The 8254 PIT (Intel 8254 datasheet, "Modes" 0-5) and port 0x61. A counter
 * is never ticked: each event (count write, gate edge, control word) records
 * where the counting element stood at which CLK tick, and its value and OUT
 * at any later tick are computed from that; OUT0's next edge is a timer. */
#include "devices/pit.h"

#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

#define NS_PER_SEC 1000000000ull
#define REFRESH_NS 15085 /* port 0x61 bit 4 toggles every 15.085 us (PC/AT) */
#define NO_TICK    UINT64_MAX

enum { PIT_IDLE, PIT_RUN, PIT_HOLD };

/* One counter. Ticks are CLK pulses since virtual time 0. */
struct pit_channel {
    uint8_t mode;           /* 0-5 (6, 7 act as 2, 3) */
    uint8_t mode_raw;       /* M2-M0 as written, for the status byte */
    uint8_t rw;             /* 1 = LSB, 2 = MSB, 3 = LSB then MSB */
    uint8_t bcd;            /* counts in 4 BCD decades */
    uint16_t cr;            /* count register as written */
    uint8_t wmsb;           /* write flip-flop: next byte is the MSB */
    uint8_t rmsb;           /* read flip-flop: next byte is the MSB */
    uint8_t count_latched;  /* the output latch holds a latched count */
    uint16_t ol;            /* output latch */
    uint8_t status_latched; /* a read-back status byte waits to be read */
    uint8_t status;
    uint8_t gate;       /* GATE input level */
    uint8_t count_set;  /* a complete count was written since the control word */
    uint8_t state;      /* PIT_IDLE (no counting), PIT_RUN, PIT_HOLD (gate low) */
    uint8_t out_idle;   /* OUT when not counting, and before t0 */
    uint32_t ce_hold;   /* counting element when not counting, and before t0 */
    uint64_t t0;        /* RUN: tick at which the counting element is loaded */
    int64_t rem0;       /* modes 0, 1, 4, 5: element at t0; <= 0 after terminal count */
    uint32_t n;         /* modes 2, 3: reload value */
    uint32_t phase0;    /* modes 2, 3: position in the period at t0 */
    uint8_t sw_pending; /* modes 2, 3: a new count takes over at sw_tick */
    uint64_t sw_tick;
    uint32_t sw_n, sw_phase;
    uint64_t null_until; /* status "null count" until this tick (CR not yet loaded) */
};

struct pit {
    struct machine *m;
    struct vclock *vc;
    struct irq_line irq0;
    struct vtimer *timer; /* next OUT0 edge */
    struct pit_channel ch[3];
    uint8_t port61;       /* port 0x61 bits 0-3 as written */
    uint8_t irq_level;    /* OUT0 as last driven on IRQ 0 */
    uint8_t edge_pending; /* the timer is armed for next_edge */
    uint64_t next_edge;   /* tick of the next OUT0 edge */
    uint64_t logged;      /* unimp messages already given (bit mask) */
};

/* --- time --- */

static uint64_t ns_to_tick(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_FREQ_HZ / NS_PER_SEC);
}

/* The first virtual nanosecond at which CLK tick `tick` has happened. */
static uint64_t tick_to_ns(uint64_t tick)
{
    return (uint64_t)(((unsigned __int128)tick * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ);
}

static uint64_t pit_now_tick(struct pit *p)
{
    return ns_to_tick(vclock_now(p->vc));
}

/* --- counting --- */

static uint32_t ch_modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000 : 0x10000;
}

static uint32_t from_bcd16(uint16_t v)
{
    return (v >> 12) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

static uint16_t to_bcd16(uint32_t v)
{
    return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* The initial count N the CR stands for: 0 is the largest (2^16 or 10^4). */
static uint32_t ch_count(const struct pit_channel *c)
{
    uint32_t v = c->bcd ? from_bcd16(c->cr) : c->cr;
    return v ? v : ch_modulus(c);
}

/* The counting element as the bus sees it. */
static uint16_t ch_display(const struct pit_channel *c, int64_t v)
{
    int64_t mod = ch_modulus(c);
    uint32_t x = (uint32_t)(((v % mod) + mod) % mod);
    return c->bcd ? to_bcd16(x) : (uint16_t)x;
}

/* Modes 2 and 3 at tick t >= t0 of the current segment. */
static void ch_periodic(const struct pit_channel *c, uint64_t t, uint32_t *ce, bool *out)
{
    uint64_t t0 = c->t0;
    uint32_t n = c->n, ph0 = c->phase0;
    if (c->sw_pending && t >= c->sw_tick) {
        t0 = c->sw_tick;
        n = c->sw_n;
        ph0 = c->sw_phase;
    }
    uint32_t p = (uint32_t)((t - t0 + ph0) % n);
    if (c->mode == 2) {
        /* Rate generator: N, N-1, ... 1 with OUT low for the clock at 1,
         * then reload N. A count of 1 is illegal; OUT stays high. */
        *ce = n - p;
        *out = n == 1 || p != n - 1;
    } else {
        /* Square wave: the element counts down by two; an odd N loads N-1,
         * OUT is high for (N+1)/2 and low for (N-1)/2 clocks. */
        uint32_t h = (n + 1) / 2, top = n & ~1u;
        if (p < h) {
            *ce = top - 2 * p;
            *out = true;
        } else {
            *ce = top - 2 * (p - h);
            *out = false;
        }
    }
}

/* Counting element (integer, before BCD) and OUT of channel c at tick t. */
static void ch_eval(const struct pit_channel *c, uint64_t t, int64_t *ce, bool *out)
{
    if (c->state != PIT_RUN || t < c->t0) {
        *ce = c->ce_hold;
        *out = c->out_idle;
        return;
    }
    if (c->mode == 2 || c->mode == 3) {
        uint32_t v;
        ch_periodic(c, t, &v, out);
        *ce = v;
        return;
    }
    int64_t r = c->rem0 - (int64_t)(t - c->t0);
    *ce = r;
    switch (c->mode) {
    case 0: /* interrupt on terminal count: high from the count reaching 0 */
    case 1: /* one-shot: low from the trigger until the count reaches 0 */ *out = r <= 0; break;
    default: /* 4, 5 strobe: low for the one clock the count is 0 */ *out = r != 0; break;
    }
}

static bool ch_out(const struct pit_channel *c, uint64_t t)
{
    int64_t ce;
    bool out;
    ch_eval(c, t, &ce, &out);
    return out;
}

static uint16_t ch_read_ce(const struct pit_channel *c, uint64_t t)
{
    int64_t ce;
    bool out;
    ch_eval(c, t, &ce, &out);
    return ch_display(c, ce);
}

/* Fold a pending count switch that has happened by tick t into the segment. */
static void ch_settle(struct pit_channel *c, uint64_t t)
{
    if (c->sw_pending && t >= c->sw_tick) {
        c->t0 = c->sw_tick;
        c->n = c->sw_n;
        c->phase0 = c->sw_phase;
        c->sw_pending = 0;
    }
}

/* Stop counting at tick t, keeping the element and OUT as they are. */
static void ch_freeze(struct pit_channel *c, uint64_t t, uint8_t state)
{
    int64_t ce;
    bool out;
    ch_settle(c, t);
    ch_eval(c, t, &ce, &out);
    if (c->state == PIT_RUN && (c->mode == 0 || c->mode == 4))
        c->rem0 = t < c->t0 ? c->rem0 : ce; /* resumes from here */
    c->ce_hold = (uint32_t)((ce % ch_modulus(c) + ch_modulus(c)) % ch_modulus(c));
    c->out_idle = out;
    c->state = state;
    c->sw_pending = 0;
}

/* Smallest tick c > t with (c - base + ph0) % n == target. */
static uint64_t next_phase(uint64_t t, uint64_t base, uint32_t ph0, uint32_t n, uint32_t target)
{
    uint64_t from = t + 1 < base ? base : t + 1;
    uint32_t p = (uint32_t)((from - base + ph0) % n);
    return from + (target + n - p) % n;
}

/* Ticks after t at which OUT may change, in no particular order. */
static int ch_candidates(const struct pit_channel *c, uint64_t t, uint64_t *cand)
{
    int k = 0;
    if (c->state != PIT_RUN)
        return 0;
    if (c->t0 > t)
        cand[k++] = c->t0;
    if (c->mode == 2 || c->mode == 3) {
        uint64_t base = c->t0;
        uint32_t n = c->n, ph0 = c->phase0;
        if (c->sw_pending && t + 1 >= c->sw_tick) {
            base = c->sw_tick;
            n = c->sw_n;
            ph0 = c->sw_phase;
        } else if (c->sw_pending) {
            cand[k++] = c->sw_tick;
        }
        uint32_t targets[2] = {0, c->mode == 2 ? n - 1 : (n + 1) / 2};
        for (int i = 0; i < 2; i++) {
            if (targets[i] >= n)
                continue;
            uint64_t x = next_phase(t, base, ph0, n, targets[i]);
            if (!(c->sw_pending && base == c->t0 && x > c->sw_tick))
                cand[k++] = x;
        }
    } else if (c->rem0 >= 0) {
        uint64_t tc = c->t0 + (uint64_t)c->rem0;
        if (tc > t)
            cand[k++] = tc;
        if (tc + 1 > t)
            cand[k++] = tc + 1;
    }
    return k;
}

/* The first tick after t at which OUT changes, or NO_TICK. */
static uint64_t ch_next_edge(const struct pit_channel *c, uint64_t t)
{
    for (int iter = 0; iter < 4; iter++) {
        uint64_t cand[6];
        int k = ch_candidates(c, t, cand);
        if (!k)
            return NO_TICK;
        uint64_t best = NO_TICK, last = t;
        for (int i = 0; i < k; i++) {
            if (cand[i] > last)
                last = cand[i];
            if (cand[i] < best && ch_out(c, cand[i]) != ch_out(c, cand[i] - 1))
                best = cand[i];
        }
        if (best != NO_TICK)
            return best;
        t = last;
    }
    return NO_TICK;
}

/* --- OUT0 -> IRQ 0 --- */

static void pit_drive_irq(struct pit *p, bool level)
{
    if (level != p->irq_level) {
        p->irq_level = level;
        irq_set(&p->irq0, level);
    }
}

static void pit_arm(struct pit *p, uint64_t after)
{
    uint64_t e = ch_next_edge(&p->ch[0], after);
    if (e == NO_TICK) {
        p->edge_pending = 0;
        vtimer_del(p->timer);
        return;
    }
    p->edge_pending = 1;
    p->next_edge = e;
    vtimer_mod(p->timer, tick_to_ns(e));
}

/* Deliver the OUT0 edges up to tick `now` that the timer has not yet
 * delivered (it fires at the end of a CPU slice), then re-arm. After a long
 * host stall (real-time mode) skip to the present instead of replaying. */
static void pit_catch_up(struct pit *p, uint64_t now)
{
    for (int i = 0; i < 8 && p->edge_pending && p->next_edge <= now; i++) {
        uint64_t e = p->next_edge;
        if (now - e > PIT_FREQ_HZ)
            e = now;
        pit_drive_irq(p, ch_out(&p->ch[0], e));
        ch_settle(&p->ch[0], e);
        pit_arm(p, e);
    }
}

/* Channel 0 was reprogrammed at tick t: drive OUT0 and aim the timer. */
static void pit_irq_sync(struct pit *p, uint64_t t)
{
    pit_drive_irq(p, ch_out(&p->ch[0], t));
    pit_arm(p, t);
}

static void pit_timer_cb(void *opaque)
{
    struct pit *p = opaque;
    pit_catch_up(p, pit_now_tick(p));
}

/* --- programming --- */

/* A complete count was written at tick t (Intel 8254, each mode's "new
 * count" rule). */
static void ch_count_written(struct pit *p, struct pit_channel *c, uint64_t t)
{
    uint32_t n = ch_count(c);
    c->count_set = 1;
    ch_settle(c, t);
    switch (c->mode) {
    case 0: /* loaded on the next CLK; OUT low until terminal count */
    case 4: /* loaded on the next CLK; strobe at terminal count */
        ch_freeze(c, t, c->gate ? PIT_RUN : PIT_HOLD);
        c->out_idle = c->mode == 4;
        c->rem0 = n;
        c->t0 = t + 1;
        /* Until that CLK the element is undefined (Intel 8254); it reads as
         * N. On a PC an ISA read takes about a microsecond, so the first
         * read after the write already sees N; Linux's quick_pit_calibrate
         * relies on it, and under -icount an IN takes only 1 ns. */
        c->ce_hold = n % ch_modulus(c);
        c->null_until = t + 1;
        break;
    case 1:
    case 5: /* waits for a gate trigger; a running one-shot is not affected */
        c->null_until = NO_TICK;
        break;
    case 2:
    case 3:
        if (n == 1 && c->mode == 2)
            unimp_log_once(p->m, &p->logged, 0, "pit: count 1 is illegal in mode 2\n");
        if (c->state == PIT_RUN) {
            /* The present period (mode 3: half-cycle) finishes first. */
            uint32_t h = (c->n + 1) / 2;
            if (!c->sw_pending) {
                uint64_t end = next_phase(t, c->t0, c->phase0, c->n, 0);
                c->sw_phase = 0;
                if (c->mode == 3 && h < c->n) {
                    uint64_t half = next_phase(t, c->t0, c->phase0, c->n, h);
                    if (half < end) {
                        end = half;
                        c->sw_phase = 1; /* fixed up below for the new N */
                    }
                }
                c->sw_tick = end;
                c->sw_pending = 1;
            }
            c->sw_n = n;
            if (c->sw_phase)
                c->sw_phase = (n + 1) / 2 < n ? (n + 1) / 2 : 0;
            c->null_until = c->sw_tick;
        } else if (c->gate) {
            ch_freeze(c, t, PIT_RUN);
            c->out_idle = 1;
            c->t0 = t + 1;
            c->n = n;
            c->phase0 = 0;
            c->null_until = t + 1;
        } else {
            c->null_until = NO_TICK;
        }
        break;
    }
}

static void ch_gate(struct pit_channel *c, bool level, uint64_t t)
{
    bool rising = level && !c->gate;
    if (level == (bool)c->gate)
        return;
    ch_settle(c, t);
    c->gate = level;
    switch (c->mode) {
    case 0:
    case 4: /* GATE enables counting */
        if (!level && c->state == PIT_RUN) {
            ch_freeze(c, t, PIT_HOLD);
        } else if (level && c->state == PIT_HOLD) {
            c->state = PIT_RUN;
            c->t0 = t; /* the next CLK decrements */
        }
        break;
    case 1:
    case 5: /* rising GATE triggers: load N on the next CLK */
        if (rising && c->count_set) {
            ch_freeze(c, t, PIT_RUN);
            c->t0 = t + 1;
            c->rem0 = ch_count(c);
            if (c->mode == 5)
                c->out_idle = 1;
            c->null_until = t + 1;
        }
        break;
    case 2:
    case 3: /* GATE low stops counting and forces OUT high; rising reloads */
        if (!level) {
            if (c->state == PIT_RUN)
                ch_freeze(c, t, PIT_HOLD);
            c->out_idle = 1;
        } else if (c->count_set) {
            ch_freeze(c, t, PIT_RUN);
            c->out_idle = 1;
            c->t0 = t + 1;
            c->n = ch_count(c);
            c->phase0 = 0;
            c->null_until = t + 1;
        }
        break;
    }
}

static void ch_latch_count(struct pit_channel *c, uint64_t t)
{
    if (c->count_latched)
        return; /* a second latch before the read is ignored */
    c->ol = ch_read_ce(c, t);
    c->count_latched = 1;
}

static void ch_latch_status(struct pit_channel *c, uint64_t t)
{
    if (c->status_latched)
        return;
    c->status = (uint8_t)(ch_out(c, t) << 7 | (t < c->null_until) << 6 | c->rw << 4 |
                          c->mode_raw << 1 | c->bcd);
    c->status_latched = 1;
}

static void pit_control(struct pit *p, uint8_t v, uint64_t t)
{
    int sc = v >> 6, rw = (v >> 4) & 3;
    if (sc == 3) {
        /* Read-back command: bit 5 = 0 latches counts, bit 4 = 0 statuses
         * of the counters selected by bits 3-1. */
        for (int i = 0; i < 3; i++) {
            if (!(v & (2 << i)))
                continue;
            if (!(v & 0x10))
                ch_latch_status(&p->ch[i], t);
            if (!(v & 0x20))
                ch_latch_count(&p->ch[i], t);
        }
        return;
    }
    struct pit_channel *c = &p->ch[sc];
    if (rw == 0) {
        ch_latch_count(c, t);
        return;
    }
    ch_settle(c, t);
    ch_freeze(c, t, PIT_IDLE);
    c->rw = rw;
    c->mode_raw = (v >> 1) & 7;
    c->mode = c->mode_raw > 5 ? c->mode_raw - 4 : c->mode_raw;
    c->bcd = v & 1;
    c->wmsb = 0;
    c->rmsb = 0;
    c->count_set = 0;
    c->null_until = NO_TICK;
    c->out_idle = c->mode != 0; /* mode 0: OUT low; others: high */
}

static void pit_write_count(struct pit *p, struct pit_channel *c, uint8_t v, uint64_t t)
{
    switch (c->rw) {
    case 1: c->cr = v; break;
    case 2: c->cr = (uint16_t)(v << 8); break;
    case 3:
        if (!c->wmsb) {
            c->cr = (c->cr & 0xff00) | v;
            c->wmsb = 1;
            c->null_until = NO_TICK;
            if (c->mode == 0) {
                /* Mode 0: the first byte stops counting, OUT low at once. */
                ch_settle(c, t);
                ch_freeze(c, t, PIT_IDLE);
                c->out_idle = 0;
            }
            return;
        }
        c->cr = (uint16_t)((c->cr & 0xff) | v << 8);
        c->wmsb = 0;
        break;
    default:
        unimp_log_once(p->m, &p->logged, 1,
                       "pit: count written before any control word; ignored\n");
        return;
    }
    ch_count_written(p, c, t);
}

static uint8_t pit_read_channel(struct pit_channel *c, uint64_t t)
{
    if (c->status_latched) {
        c->status_latched = 0;
        return c->status;
    }
    uint16_t v = c->count_latched ? c->ol : ch_read_ce(c, t);
    uint8_t byte;
    bool done = true;
    switch (c->rw) {
    case 2: byte = v >> 8; break;
    case 3:
        byte = c->rmsb ? v >> 8 : v & 0xff;
        done = c->rmsb;
        c->rmsb ^= 1;
        break;
    default: byte = v & 0xff; break;
    }
    if (done)
        c->count_latched = 0;
    return byte;
}

static uint32_t pit_port_read(void *opaque, uint32_t offset, int size)
{
    struct pit *p = opaque;
    (void)size;
    if (offset == 3)
        return 0; /* the control word register is write-only */
    return pit_read_channel(&p->ch[offset], pit_now_tick(p));
}

static void pit_port_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct pit *p = opaque;
    (void)size;
    uint64_t t = pit_now_tick(p);
    pit_catch_up(p, t);
    if (offset == 3)
        pit_control(p, (uint8_t)value, t);
    else
        pit_write_count(p, &p->ch[offset], (uint8_t)value, t);
    if (offset == 0 || offset == 3)
        pit_irq_sync(p, t);
}

/* Port 0x61 (PC/AT system control port B). */
static uint32_t pit_port61_read(void *opaque, uint32_t offset, int size)
{
    struct pit *p = opaque;
    (void)offset, (void)size;
    uint64_t ns = vclock_now(p->vc);
    bool refresh = (ns / REFRESH_NS) & 1;
    return (p->port61 & 0x0f) | refresh << 4 | ch_out(&p->ch[2], ns_to_tick(ns)) << 5;
}

static void pit_port61_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct pit *p = opaque;
    (void)offset, (void)size;
    p->port61 = value & 0x0f;
    ch_gate(&p->ch[2], value & 1, pit_now_tick(p));
}

static const struct io_ops pit_ops = {pit_port_read, pit_port_write, 1};
static const struct io_ops pit_port61_ops = {pit_port61_read, pit_port61_write, 1};

void pit_set_gate(struct pit *p, int channel, bool level)
{
    if (channel < 0 || channel > 2)
        return;
    uint64_t t = pit_now_tick(p);
    if (channel == 0)
        pit_catch_up(p, t);
    ch_gate(&p->ch[channel], level, t);
    if (channel == 2)
        p->port61 = (p->port61 & ~1) | level;
    if (channel == 0)
        pit_irq_sync(p, t);
}

bool pit_out(struct pit *p, int channel)
{
    return ch_out(&p->ch[channel % 3], pit_now_tick(p));
}

bool pit_speaker(struct pit *p)
{
    return (p->port61 & 2) && pit_out(p, 2);
}

/* --- lifecycle --- */

/* Power-on state: no control words written, gates 0-1 high, gate 2 low. */
static void pit_reset(void *opaque)
{
    struct pit *p = opaque;
    for (int i = 0; i < 3; i++) {
        p->ch[i] = (struct pit_channel){.gate = i != 2, .out_idle = 0, .null_until = NO_TICK};
    }
    p->port61 = 0;
    p->edge_pending = 0;
    vtimer_del(p->timer);
    pit_drive_irq(p, false);
}

static int pit_post_load(void *opaque)
{
    struct pit *p = opaque;
    irq_set(&p->irq0, p->irq_level);
    if (p->edge_pending)
        vtimer_mod(p->timer, tick_to_ns(p->next_edge));
    else
        vtimer_del(p->timer);
    return 0;
}

#define PIT_CH_FIELDS(i)                                                                           \
    VMSTATE_FIELD(struct pit, ch[i].mode, 1), VMSTATE_FIELD(struct pit, ch[i].mode_raw, 1),        \
        VMSTATE_FIELD(struct pit, ch[i].rw, 1), VMSTATE_FIELD(struct pit, ch[i].bcd, 1),           \
        VMSTATE_FIELD(struct pit, ch[i].cr, 1), VMSTATE_FIELD(struct pit, ch[i].wmsb, 1),          \
        VMSTATE_FIELD(struct pit, ch[i].rmsb, 1),                                                  \
        VMSTATE_FIELD(struct pit, ch[i].count_latched, 1), VMSTATE_FIELD(struct pit, ch[i].ol, 1), \
        VMSTATE_FIELD(struct pit, ch[i].status_latched, 1),                                        \
        VMSTATE_FIELD(struct pit, ch[i].status, 1), VMSTATE_FIELD(struct pit, ch[i].gate, 1),      \
        VMSTATE_FIELD(struct pit, ch[i].count_set, 1), VMSTATE_FIELD(struct pit, ch[i].state, 1),  \
        VMSTATE_FIELD(struct pit, ch[i].out_idle, 1), VMSTATE_FIELD(struct pit, ch[i].ce_hold, 1), \
        VMSTATE_FIELD(struct pit, ch[i].t0, 1), VMSTATE_FIELD(struct pit, ch[i].rem0, 1),          \
        VMSTATE_FIELD(struct pit, ch[i].n, 1), VMSTATE_FIELD(struct pit, ch[i].phase0, 1),         \
        VMSTATE_FIELD(struct pit, ch[i].sw_pending, 1),                                            \
        VMSTATE_FIELD(struct pit, ch[i].sw_tick, 1), VMSTATE_FIELD(struct pit, ch[i].sw_n, 1),     \
        VMSTATE_FIELD(struct pit, ch[i].sw_phase, 1),                                              \
        VMSTATE_FIELD(struct pit, ch[i].null_until, 1)

/* Ticks are absolute virtual-clock CLK counts: the snapshot that carries
 * this table must carry the virtual clock too. */
static const struct vmstate_field pit_fields[] = {
    PIT_CH_FIELDS(0),
    PIT_CH_FIELDS(1),
    PIT_CH_FIELDS(2),
    VMSTATE_FIELD(struct pit, port61, 1),
    VMSTATE_FIELD(struct pit, irq_level, 1),
    VMSTATE_FIELD(struct pit, edge_pending, 1),
    VMSTATE_FIELD(struct pit, next_edge, 1),
};
static const struct vmstate pit_vs = VMSTATE_DESC("pit", 1, pit_fields, pit_post_load);

const struct vmstate *pit_vmstate(void)
{
    return &pit_vs;
}

struct pit *pit_create(struct machine *m, struct irq_line irq0)
{
    struct pit *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->m = m;
    p->vc = machine_vclock(m);
    p->irq0 = irq0;
    p->timer = vtimer_create(p->vc, pit_timer_cb, p);
    if (!p->timer) {
        free(p);
        return NULL;
    }
    pit_reset(p);
    ioport_register(machine_ioport(m), 0x40, 4, &pit_ops, p);
    ioport_register(machine_ioport(m), 0x61, 1, &pit_port61_ops, p);
    machine_register_reset(m, pit_reset, p);
    machine_register_state(m, &pit_vs, p);
    return p;
}

void pit_destroy(struct pit *p)
{
    if (!p)
        return;
    vtimer_destroy(p->timer);
    free(p);
}
