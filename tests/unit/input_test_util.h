/* Shared by the 8042, PS/2, port 0x92 and UART tests: a small deterministic
 * machine (a ROM of HLTs, no CPU activity needed), port access, and an
 * interrupt line that records what the device drove. */
#ifndef VX86_INPUT_TEST_UTIL_H
#define VX86_INPUT_TEST_UTIL_H

#include "devices/irq.h"
#include "test_util.h"

static inline struct machine *input_machine(void)
{
    return test_machine_cfg(
        (struct machine_config){.ram_size = 2u << 20, .no_reboot = true, .deterministic = true});
}

#define port_in  test_inb
#define port_out test_outb

/* Advance the virtual clock by ns, firing each timer at its deadline. */
static inline void advance_ns(struct machine *m, uint64_t ns)
{
    test_run_until(m, test_now(m) + ns);
}

/* Run the (HLT-only) machine: a pending reset request is carried out first,
 * so machine_reset_count() tells whether the device asked for one. */
static inline void run_pending_reset(struct machine *m)
{
    (void)machine_run(m);
}

struct irq_probe {
    bool level;
    int raises; /* low -> high transitions */
    int sets;   /* calls */
};

static inline void irq_probe_set(void *opaque, int n, bool level)
{
    struct irq_probe *p = opaque;
    (void)n;
    if (level && !p->level)
        p->raises++;
    p->level = level;
    p->sets++;
}

static inline struct irq_line irq_probe_line(struct irq_probe *p, int n)
{
    struct irq_line l = {irq_probe_set, p, n};
    return l;
}

#define RUN_SUITE(s) return test_run_suite(s)

#endif
