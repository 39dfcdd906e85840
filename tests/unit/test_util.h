/* Scaffolding every device unit test shares: a small deterministic machine
 * whose BIOS is all HLTs (no CPU activity), byte port access, running the
 * virtual clock to an exact time, and the Check main(). */
#ifndef VX86_TEST_UTIL_H
#define VX86_TEST_UTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/machine.h"
#include "devices/vclock.h"
#include "mmu/ioport.h"

#define TEST_ROM_SIZE (64u << 10)

/* machine_create() with `cfg` and a BIOS of HLTs (IF=0: a run ends at
 * once); cfg.bios/cfg.bios_size are filled in here. */
static inline struct machine *test_machine_cfg(struct machine_config cfg)
{
    uint8_t *rom = malloc(TEST_ROM_SIZE);
    memset(rom, 0xf4, TEST_ROM_SIZE);
    cfg.bios = rom;
    cfg.bios_size = TEST_ROM_SIZE;
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_create: %s", err);
    free(rom);
    return m;
}

/* The usual one: deterministic, `ram_size` bytes of RAM. */
static inline struct machine *test_machine(uint32_t ram_size)
{
    return test_machine_cfg((struct machine_config){.ram_size = ram_size, .deterministic = true});
}

static inline uint8_t test_inb(struct machine *m, uint16_t port)
{
    return (uint8_t)ioport_read(machine_ioport(m), port, 1);
}

static inline void test_outb(struct machine *m, uint16_t port, uint8_t v)
{
    ioport_write(machine_ioport(m), port, v, 1);
}

static inline uint64_t test_now(struct machine *m)
{
    return vclock_now(machine_vclock(m));
}

/* Let virtual time pass to absolute `t` ns, running every timer on the way
 * at its own deadline (as the machine loop does), including timers re-armed
 * on the way. */
static inline void test_run_until(struct machine *m, uint64_t t)
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

/* Run a suite: the whole of a test's main(). */
static inline int test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
