/* Shared by the 8042, PS/2, port 0x92 and UART tests: a small deterministic
 * machine (a ROM of HLTs, no CPU activity needed), port access, and an
 * interrupt line that records what the device drove. */
#ifndef VX86_INPUT_TEST_UTIL_H
#define VX86_INPUT_TEST_UTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/irq.h"
#include "devices/machine.h"
#include "devices/vclock.h"
#include "mmu/ioport.h"

#define TEST_ROM_SIZE (64u << 10)

static inline struct machine *input_machine(void)
{
    uint8_t *rom = malloc(TEST_ROM_SIZE);
    memset(rom, 0xf4, TEST_ROM_SIZE); /* HLT with IF=0: a run ends at once */
    struct machine_config cfg = {
        .ram_size = 2u << 20,
        .bios = rom,
        .bios_size = TEST_ROM_SIZE,
        .no_reboot = true,
        .deterministic = true,
    };
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_create: %s", err);
    free(rom);
    return m;
}

static inline uint8_t port_in(struct machine *m, uint16_t port)
{
    return (uint8_t)ioport_read(machine_ioport(m), port, 1);
}

static inline void port_out(struct machine *m, uint16_t port, uint8_t v)
{
    ioport_write(machine_ioport(m), port, v, 1);
}

/* Advance the virtual clock by ns, firing each timer at its deadline (as
 * the machine loop would), including timers re-armed on the way. */
static inline void advance_ns(struct machine *m, uint64_t ns)
{
    struct vclock *vc = machine_vclock(m);
    uint64_t end = vclock_now(vc) + ns;
    vclock_run_timers(vc);
    for (;;) {
        uint64_t next = vclock_next_deadline(vc), now = vclock_now(vc);
        if (next > end)
            break;
        if (next > now)
            vclock_warp(vc, next - now);
        vclock_run_timers(vc);
    }
    if (end > vclock_now(vc))
        vclock_warp(vc, end - vclock_now(vc));
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

#define RUN_SUITE(s)                                                                               \
    do {                                                                                           \
        SRunner *sr_ = srunner_create(s);                                                          \
        srunner_run_all(sr_, CK_NORMAL);                                                           \
        int failed_ = srunner_ntests_failed(sr_);                                                  \
        srunner_free(sr_);                                                                         \
        return failed_ ? 1 : 0;                                                                    \
    } while (0)

#endif
