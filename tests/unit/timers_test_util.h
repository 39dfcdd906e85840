/* Shared helpers of the PIC/PIT/RTC device tests: a deterministic machine
 * with no running CPU, port I/O, running the virtual clock to an exact time
 * (firing each timer at its own deadline, as the CPU loop does), and an IRQ
 * line that records its level changes with their virtual times. */
#ifndef VX86_TIMERS_TEST_UTIL_H
#define VX86_TIMERS_TEST_UTIL_H

#include "devices/irq.h"
#include "test_util.h"

#define tu_machine() test_machine(1u << 20)
#define tu_out       test_outb
#define tu_in        test_inb
#define tu_now       test_now
#define tu_run_until test_run_until

/* An IRQ line that records level changes. */
#define TU_MAX_EDGES 256
struct tu_irq {
    struct machine *m;
    bool level;
    int n;
    bool lv[TU_MAX_EDGES];
    uint64_t at[TU_MAX_EDGES];
};

static inline void tu_irq_set(void *opaque, int n, bool level)
{
    struct tu_irq *r = opaque;
    (void)n;
    if (level == r->level)
        return;
    r->level = level;
    if (r->n < TU_MAX_EDGES) {
        r->lv[r->n] = level;
        r->at[r->n] = tu_now(r->m);
        r->n++;
    }
}

static inline struct irq_line tu_irq_line(struct tu_irq *r, struct machine *m)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    return (struct irq_line){.set = tu_irq_set, .opaque = r, .n = 0};
}

/* `b` saw the same level changes at the same virtual times as `a` (a
 * restored device against the one it was saved from). */
static inline void tu_irq_assert_same(const struct tu_irq *b, const struct tu_irq *a)
{
    ck_assert_int_eq(b->n, a->n);
    for (int i = 0; i < a->n; i++) {
        ck_assert_int_eq(b->lv[i], a->lv[i]);
        ck_assert_uint_eq(b->at[i], a->at[i]);
    }
}

#endif
