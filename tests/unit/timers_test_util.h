/* Shared helpers of the PIC/PIT/RTC device tests: a deterministic machine
 * with no running CPU, port I/O, running the virtual clock to an exact time
 * (firing each timer at its own deadline, as the CPU loop does), and an IRQ
 * line that records its level changes with their virtual times. */
#ifndef VX86_TIMERS_TEST_UTIL_H
#define VX86_TIMERS_TEST_UTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/irq.h"
#include "devices/machine.h"
#include "devices/vclock.h"
#include "mmu/ioport.h"

static inline struct machine *tu_machine(void)
{
    size_t size = 64u << 10;
    uint8_t *rom = malloc(size);
    memset(rom, 0xf4, size);
    struct machine_config cfg = {
        .ram_size = 1u << 20, .bios = rom, .bios_size = size, .deterministic = true};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_create: %s", err);
    free(rom);
    return m;
}

static inline void tu_out(struct machine *m, uint16_t port, uint8_t v)
{
    ioport_write(machine_ioport(m), port, v, 1);
}
static inline uint8_t tu_in(struct machine *m, uint16_t port)
{
    return (uint8_t)ioport_read(machine_ioport(m), port, 1);
}

static inline uint64_t tu_now(struct machine *m)
{
    return vclock_now(machine_vclock(m));
}

/* Let virtual time pass to absolute `t` ns, running every timer on the way
 * at its deadline. */
static inline void tu_run_until(struct machine *m, uint64_t t)
{
    struct vclock *vc = machine_vclock(m);
    for (;;) {
        uint64_t d = vclock_next_deadline(vc), now = vclock_now(vc);
        if (d > t || d == UINT64_MAX)
            break;
        if (d > now)
            vclock_warp(vc, d - now);
        vclock_run_timers(vc);
    }
    if (t > vclock_now(vc))
        vclock_warp(vc, t - vclock_now(vc));
    vclock_run_timers(vc);
}

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

#endif
