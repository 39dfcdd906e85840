/* The HPET (IA-PC HPET specification 1.0a, 2.3): general registers, the main
 * counter derived from the virtual clock, three comparators on vtimers and
 * their interrupt routes (devices/hpet.h). */
#include "devices/hpet.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/memmap.h"

/* Register offsets (spec 2.3.4). */
#define REG_CAP      0x000
#define REG_CONF     0x010
#define REG_STATUS   0x020
#define REG_COUNTER  0x0f0
#define REG_TIMER(n) (0x100 + 0x20 * (n))

#define CONF_ENABLE 0x1 /* ENABLE_CNF: the main counter runs, interrupts allowed */
#define CONF_LEGACY 0x2 /* LEG_RT_CNF */

/* Tn_CONF_CAP bits (spec 2.3.8). */
#define TN_LEVEL       (1u << 1) /* Tn_INT_TYPE_CNF */
#define TN_ENABLE      (1u << 2) /* Tn_INT_ENB_CNF */
#define TN_PERIODIC    (1u << 3) /* Tn_TYPE_CNF */
#define TN_PER_CAP     (1u << 4)
#define TN_SIZE_CAP    (1u << 5) /* 64-bit comparator */
#define TN_VAL_SET     (1u << 6)
#define TN_32BIT       (1u << 8) /* Tn_32MODE_CNF */
#define TN_ROUTE_SHIFT 9         /* Tn_INT_ROUTE_CNF, bits 13:9 */
#define TN_WRITABLE    (TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_VAL_SET | TN_32BIT | (0x1fu << 9))

struct hpet_timer {
    uint64_t config; /* Tn_CONF_CAP (the capability half is constant) */
    uint64_t cmp;    /* comparator */
    uint64_t period; /* periodic mode: the value added at each match */
};

struct hpet {
    struct machine *m;
    struct vclock *vc;
    struct vtimer *vt[HPET_TIMERS];
    struct irq_line legacy[2];
    struct irq_line gsi[24];
    uint64_t unimp_logged;

    /* --- state --- */
    uint64_t conf;        /* GEN_CONF */
    uint64_t status;      /* GEN_INT_STS: level interrupts active */
    uint64_t counter_off; /* main counter at counter_ns (frozen value while halted) */
    uint64_t counter_ns;  /* virtual time counter_off was taken */
    struct hpet_timer t[HPET_TIMERS];
    uint8_t out[HPET_TIMERS]; /* level driven on each timer's route */
};

/* Capabilities of timer n: only timer 0 is periodic and 64-bit capable (the
 * spec's minimum; Linux uses timer 0 for its clock event). */
static uint64_t hpet_timer_caps(int n)
{
    uint64_t c = (uint64_t)HPET_ROUTE_CAP << 32;
    if (n == 0)
        c |= TN_PER_CAP | TN_SIZE_CAP;
    return c;
}

uint64_t hpet_counter(struct hpet *h)
{
    if (!(h->conf & CONF_ENABLE))
        return h->counter_off;
    return h->counter_off + (vclock_now(h->vc) - h->counter_ns) / HPET_TICK_NS;
}

bool hpet_legacy(const struct hpet *h)
{
    return (h->conf & CONF_LEGACY) != 0;
}

static bool hpet_t32(const struct hpet *h, int n)
{
    return (h->t[n].config & TN_32BIT) || !(hpet_timer_caps(n) & TN_SIZE_CAP);
}

/* The line timer n drives: legacy IRQ 0/8 for timers 0/1 under the
 * LegacyReplacement route, else the I/O APIC pin of Tn_INT_ROUTE_CNF. */
static const struct irq_line *hpet_route(struct hpet *h, int n)
{
    if (hpet_legacy(h) && n < 2)
        return &h->legacy[n];
    unsigned pin = (h->t[n].config >> TN_ROUTE_SHIFT) & 0x1f;
    if (pin >= 24 || !((HPET_ROUTE_CAP >> pin) & 1))
        return NULL;
    return &h->gsi[pin];
}

static void hpet_drive(struct hpet *h, int n, bool level)
{
    const struct irq_line *l = hpet_route(h, n);
    h->out[n] = level;
    if (l)
        irq_set(l, level);
}

/* Arm timer n's vtimer for the next comparator match. */
static void hpet_arm(struct hpet *h, int n)
{
    /* A timer with its interrupt disabled has nothing to show for a match
     * (edge mode) and no status to set that anyone waits for: not armed. */
    if (!(h->conf & CONF_ENABLE) || !(h->t[n].config & TN_ENABLE)) {
        vtimer_del(h->vt[n]);
        return;
    }
    uint64_t now = hpet_counter(h);
    uint64_t d;
    if (hpet_t32(h, n)) {
        d = (uint32_t)((uint32_t)h->t[n].cmp - (uint32_t)now);
        if (!d)
            d = 1ull << 32; /* a match just passed: the next is after a wrap */
    } else {
        d = h->t[n].cmp - now;
        if (!d || d > (1ull << 50)) {
            vtimer_del(h->vt[n]); /* behind the counter: only after a 64-bit wrap */
            return;
        }
    }
    uint64_t target = now + d; /* counter value to reach */
    vtimer_mod(h->vt[n], h->counter_ns + (target - h->counter_off) * HPET_TICK_NS);
}

static void hpet_fire(struct hpet *h, int n)
{
    struct hpet_timer *t = &h->t[n];
    if (t->config & TN_PERIODIC) {
        /* Add the period until the comparator is ahead again (time jumps
         * in deterministic idle give one interrupt). */
        uint64_t now = hpet_counter(h);
        if (t->period) {
            if (hpet_t32(h, n)) {
                uint32_t c = (uint32_t)t->cmp;
                do
                    c += (uint32_t)t->period;
                while ((int32_t)(c - (uint32_t)now) <= 0 && (uint32_t)t->period);
                t->cmp = c;
            } else {
                do
                    t->cmp += t->period;
                while ((int64_t)(t->cmp - now) <= 0);
            }
        }
    }
    if (t->config & TN_ENABLE) {
        if (t->config & TN_LEVEL) {
            h->status |= 1u << n;
            hpet_drive(h, n, true);
        } else {
            hpet_drive(h, n, true);
            hpet_drive(h, n, false);
        }
    }
}

static void hpet_timer_cb(struct hpet *h, int n)
{
    hpet_fire(h, n);
    hpet_arm(h, n);
}
static void hpet_cb0(void *o)
{
    hpet_timer_cb(o, 0);
}
static void hpet_cb1(void *o)
{
    hpet_timer_cb(o, 1);
}
static void hpet_cb2(void *o)
{
    hpet_timer_cb(o, 2);
}

static void hpet_arm_all(struct hpet *h)
{
    for (int n = 0; n < HPET_TIMERS; n++)
        hpet_arm(h, n);
}

/* Re-drive every route (the LegacyReplacement switch moved them). */
static void hpet_redrive(struct hpet *h, uint64_t old_conf)
{
    uint64_t now_conf = h->conf;
    for (int n = 0; n < 2; n++) {
        h->conf = old_conf;
        const struct irq_line *old = hpet_route(h, n);
        h->conf = now_conf;
        if (old)
            irq_set(old, false);
    }
    irq_set(&h->legacy[0], h->out[0] && hpet_legacy(h));
    irq_set(&h->legacy[1], h->out[1] && hpet_legacy(h));
    for (int n = 0; n < HPET_TIMERS; n++)
        if (h->out[n])
            hpet_drive(h, n, true);
}

uint32_t hpet_read(struct hpet *h, uint32_t off)
{
    bool hi = off & 4;
    off &= ~7u;
    uint64_t v;
    switch (off) {
    case REG_CAP: v = ((uint64_t)HPET_PERIOD_FS << 32) | HPET_BLOCK_ID; break;
    case REG_CONF: v = h->conf; break;
    case REG_STATUS: v = h->status; break;
    case REG_COUNTER: v = hpet_counter(h); break;
    default:
        if (off >= REG_TIMER(0) && off < REG_TIMER(HPET_TIMERS)) {
            int n = (off - REG_TIMER(0)) / 0x20;
            switch ((off - REG_TIMER(0)) % 0x20) {
            case 0: v = h->t[n].config | hpet_timer_caps(n); break;
            case 8: v = hpet_t32(h, n) ? (uint32_t)h->t[n].cmp : h->t[n].cmp; break;
            default: v = 0; break; /* FSB route: no FSB delivery */
            }
        } else {
            v = 0;
        }
    }
    return hi ? (uint32_t)(v >> 32) : (uint32_t)v;
}

static uint64_t deposit(uint64_t old, bool hi, uint32_t v)
{
    return hi ? (old & 0xffffffffull) | ((uint64_t)v << 32) : (old & ~0xffffffffull) | v;
}

void hpet_write(struct hpet *h, uint32_t off, uint32_t value)
{
    bool hi = off & 4;
    off &= ~7u;
    switch (off) {
    case REG_CAP: return; /* read-only */
    case REG_CONF: {
        uint64_t old = h->conf;
        uint64_t counter = hpet_counter(h);
        h->conf = deposit(h->conf, hi, value) & (CONF_ENABLE | CONF_LEGACY);
        if ((old ^ h->conf) & CONF_ENABLE) {
            /* Start or halt the main counter where it is. */
            h->counter_off = counter;
            h->counter_ns = vclock_now(h->vc);
        }
        if ((old ^ h->conf) & CONF_LEGACY)
            hpet_redrive(h, old);
        hpet_arm_all(h);
        return;
    }
    case REG_STATUS:
        /* Write 1 to clear a level interrupt (spec 2.3.6). */
        if (!hi)
            for (int n = 0; n < HPET_TIMERS; n++)
                if ((value >> n) & 1 && (h->status >> n) & 1) {
                    h->status &= ~(1ull << n);
                    hpet_drive(h, n, false);
                }
        return;
    case REG_COUNTER:
        /* Software should halt the counter first; a running counter is
         * written anyway (the spec leaves it undefined). */
        h->counter_off = deposit(hpet_counter(h), hi, value);
        h->counter_ns = vclock_now(h->vc);
        hpet_arm_all(h);
        return;
    }
    if (off < REG_TIMER(0) || off >= REG_TIMER(HPET_TIMERS)) {
        unimp_log_once(h->m, &h->unimp_logged, 0, "HPET: write to offset 0x%x ignored\n", off);
        return;
    }
    int n = (off - REG_TIMER(0)) / 0x20;
    struct hpet_timer *t = &h->t[n];
    switch ((off - REG_TIMER(0)) % 0x20) {
    case 0: {
        uint64_t wr = TN_WRITABLE;
        if (!(hpet_timer_caps(n) & TN_PER_CAP))
            wr &= ~(uint64_t)TN_PERIODIC;
        if (!(hpet_timer_caps(n) & TN_SIZE_CAP))
            wr &= ~(uint64_t)TN_32BIT;
        if (hi)
            return; /* the route capability is read-only */
        bool was_out = h->out[n];
        if (was_out)
            hpet_drive(h, n, false); /* off the old route */
        t->config = (t->config & ~wr) | (value & wr);
        if (!(t->config & TN_LEVEL) && (h->status >> n & 1))
            h->status &= ~(1ull << n);
        if (was_out && (t->config & TN_LEVEL) && (h->status >> n & 1))
            hpet_drive(h, n, true);
        hpet_arm(h, n);
        return;
    }
    case 8:
        /* As QEMU: the write sets the period; the comparator too in one-shot
         * mode or with Tn_VAL_SET_CNF (which the write clears). A 32-bit
         * timer's upper half stays 0. */
        if (hpet_t32(h, n) && hi)
            return;
        if (!(t->config & TN_PERIODIC) || (t->config & TN_VAL_SET))
            t->cmp = deposit(t->cmp, hi, value);
        t->period = deposit(t->period, hi, value);
        if (hpet_t32(h, n)) {
            t->cmp = (uint32_t)t->cmp;
            t->period = (uint32_t)t->period;
        }
        t->config &= ~(uint64_t)TN_VAL_SET;
        hpet_arm(h, n);
        return;
    default: return; /* FSB route */
    }
}

static uint32_t hpet_mmio_read(void *opaque, uint32_t offset, int size)
{
    uint32_t v = hpet_read(opaque, offset & ~3u);
    return v >> ((offset & 3) * 8) & (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
}

static void hpet_mmio_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct hpet *h = opaque;
    if (size != 4 || (offset & 3)) {
        unimp_log_once(h->m, &h->unimp_logged, 0, "HPET: %d-byte write at 0x%x ignored\n", size,
                       offset);
        return;
    }
    hpet_write(h, offset, value);
}

static const struct io_ops hpet_ops = {hpet_mmio_read, hpet_mmio_write, 0};

static void hpet_reset(void *opaque)
{
    struct hpet *h = opaque;
    uint64_t old = h->conf;
    h->conf = 0;
    if (old & CONF_LEGACY)
        hpet_redrive(h, old);
    for (int n = 0; n < HPET_TIMERS; n++) {
        if (h->out[n])
            hpet_drive(h, n, false);
        /* Spec 2.3.8: comparators and the route reset to all ones/0. */
        h->t[n] = (struct hpet_timer){.config = 0, .cmp = ~0ull, .period = 0};
        if (n > 0)
            h->t[n].cmp = 0xffffffffu;
        vtimer_del(h->vt[n]);
    }
    h->status = 0;
    h->counter_off = 0;
    h->counter_ns = vclock_now(h->vc);
}

static int hpet_post_load(void *opaque)
{
    struct hpet *h = opaque;
    for (int n = 0; n < HPET_TIMERS; n++) {
        const struct irq_line *l = hpet_route(h, n);
        if (l)
            irq_set(l, h->out[n]);
    }
    hpet_arm_all(h);
    return 0;
}

static const struct vmstate_field hpet_fields[] = {
    VMSTATE_FIELD(struct hpet, conf, 1),        VMSTATE_FIELD(struct hpet, status, 1),
    VMSTATE_FIELD(struct hpet, counter_off, 1), VMSTATE_FIELD(struct hpet, counter_ns, 1),
    VMSTATE_FIELD(struct hpet, t, 1),           VMSTATE_FIELD(struct hpet, out, 1),
};
static const struct vmstate hpet_vs = VMSTATE_DESC("hpet", 1, hpet_fields, hpet_post_load);

const struct vmstate *hpet_vmstate(void)
{
    return &hpet_vs;
}

struct hpet *hpet_create(struct machine *m, uint64_t base, const struct irq_line legacy[2],
                         const struct irq_line gsi[24])
{
    struct hpet *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->m = m;
    h->vc = machine_vclock(m);
    static void (*const cbs[HPET_TIMERS])(void *) = {hpet_cb0, hpet_cb1, hpet_cb2};
    for (int n = 0; n < HPET_TIMERS; n++)
        h->vt[n] = vtimer_create(h->vc, cbs[n], h);
    if (legacy)
        memcpy(h->legacy, legacy, sizeof h->legacy);
    if (gsi)
        memcpy(h->gsi, gsi, sizeof h->gsi);
    hpet_reset(h);
    memmap_add_mmio(machine_memmap(m), base, 0x400, &hpet_ops, h);
    machine_register_reset(m, hpet_reset, h);
    machine_register_state(m, &hpet_vs, h);
    return h;
}

void hpet_destroy(struct hpet *h)
{
    if (!h)
        return;
    for (int n = 0; n < HPET_TIMERS; n++)
        vtimer_destroy(h->vt[n]);
    free(h);
}
