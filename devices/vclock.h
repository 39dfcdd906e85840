/* The one virtual clock, in nanoseconds (DESIGN.md "Clock and timers").
 * Devices schedule callbacks on it. In real-time mode it follows the host's
 * monotonic clock; in deterministic mode (-icount) it advances only with
 * retired guest instructions, so every run of a guest is bit-identical. */
#ifndef VX86_VCLOCK_H
#define VX86_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct vclock;
struct vtimer;

enum vclock_mode { VCLOCK_REALTIME, VCLOCK_DETERMINISTIC };

/* In deterministic mode one instruction takes 2^shift ns. */
struct vclock *vclock_create(enum vclock_mode mode, int icount_shift);
void vclock_destroy(struct vclock *vc);
enum vclock_mode vclock_mode(const struct vclock *vc);

/* Current virtual time in ns (monotonic, starts at 0). */
uint64_t vclock_now(struct vclock *vc);
/* Stop and restart virtual time (the monitor's stop and cont): in real-time
 * mode no time passes for the guest in between, as QEMU's virtual clock.
 * Deterministic time stands still anyway while no instruction runs. */
void vclock_pause(struct vclock *vc);
void vclock_resume(struct vclock *vc);
/* Deterministic mode: account for `n` retired instructions. */
void vclock_add_insns(struct vclock *vc, uint64_t n);
/* Deterministic mode: read the retired-instruction count from `fn` instead
 * (the machine's live count), so that time also advances inside a CPU batch
 * (a guest polling the PIT sees it move); vclock_add_insns is then ignored. */
void vclock_set_insn_source(struct vclock *vc, uint64_t (*fn)(void *opaque), void *opaque);
/* Deterministic mode: instructions that may run before the next deadline
 * (at least 1); real-time mode: UINT64_MAX. */
uint64_t vclock_insns_to_deadline(struct vclock *vc);
/* Deterministic mode: jump time to the next deadline (the guest is idle in
 * HLT). Returns false if no timer is armed. */
bool vclock_skip_to_deadline(struct vclock *vc);
/* Deterministic mode: advance time by `ns` without instructions (idle time,
 * and device tests that run a device on the clock with no CPU). */
void vclock_warp(struct vclock *vc, uint64_t ns);

typedef void (*vtimer_cb)(void *opaque);
struct vtimer *vtimer_create(struct vclock *vc, vtimer_cb cb, void *opaque);
void vtimer_destroy(struct vtimer *t);
/* Arm (or re-arm) the timer to fire at absolute virtual time `expire_ns`. */
void vtimer_mod(struct vtimer *t, uint64_t expire_ns);
void vtimer_del(struct vtimer *t);
bool vtimer_pending(const struct vtimer *t);
uint64_t vtimer_expire(const struct vtimer *t);

/* Absolute time of the earliest armed timer, or UINT64_MAX. */
uint64_t vclock_next_deadline(struct vclock *vc);
/* Fire every timer whose time has come (callbacks may re-arm timers).
 * Returns the time it looked at. */
uint64_t vclock_run_timers(struct vclock *vc);
/* `fn(opaque, expire_ns)` is called whenever a timer armed with
 * vtimer_mod becomes the earliest (the machine ends a CPU slice planned
 * past it). */
void vclock_set_earliest_hook(struct vclock *vc, void (*fn)(void *opaque, uint64_t expire_ns),
                              void *opaque);

#endif
