/* The virtual clock and its timers. Timers live in a list sorted by expiry;
 * there are few of them (one or two per device), so insertion is linear. */
#include <stdlib.h>
#include <time.h>

#include "devices/vclock.h"

struct vtimer {
    struct vclock *vc;
    vtimer_cb cb;
    void *opaque;
    uint64_t expire;
    bool armed;
    struct vtimer *next; /* in the armed list, by expiry */
};

struct vclock {
    enum vclock_mode mode;
    int shift;
    uint64_t insns;    /* deterministic: instructions accounted */
    uint64_t (*insn_src)(void *opaque); /* deterministic: live instruction count, or NULL */
    void *insn_src_opaque;
    uint64_t warped;   /* deterministic: idle time added */
    uint64_t host_start; /* real time: host time of virtual 0, moved on by pauses */
    bool paused;
    uint64_t paused_at;  /* real time, paused: the virtual time it stopped at */
    struct vtimer *armed;
    void (*earliest)(void *opaque, uint64_t expire_ns);
    void *earliest_opaque;
};

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct vclock *vclock_create(enum vclock_mode mode, int icount_shift)
{
    struct vclock *vc = calloc(1, sizeof *vc);
    if (!vc)
        return NULL;
    vc->mode = mode;
    vc->shift = icount_shift < 0 ? 0 : icount_shift > 20 ? 20 : icount_shift;
    vc->host_start = host_ns();
    return vc;
}

void vclock_destroy(struct vclock *vc)
{
    if (!vc)
        return;
    for (struct vtimer *t = vc->armed; t; t = t->next)
        t->armed = false;
    free(vc);
}

enum vclock_mode vclock_mode(const struct vclock *vc) { return vc->mode; }

uint64_t vclock_now(struct vclock *vc)
{
    if (vc->mode == VCLOCK_DETERMINISTIC) {
        uint64_t insns = vc->insn_src ? vc->insn_src(vc->insn_src_opaque) : vc->insns;
        return (insns << vc->shift) + vc->warped;
    }
    if (vc->paused)
        return vc->paused_at;
    return host_ns() - vc->host_start;
}

void vclock_pause(struct vclock *vc)
{
    if (vc->paused || vc->mode == VCLOCK_DETERMINISTIC)
        return; /* (deterministic time moves only with instructions) */
    vc->paused_at = host_ns() - vc->host_start;
    vc->paused = true;
}

void vclock_resume(struct vclock *vc)
{
    if (!vc->paused)
        return;
    vc->host_start = host_ns() - vc->paused_at;
    vc->paused = false;
}

void vclock_add_insns(struct vclock *vc, uint64_t n) { vc->insns += n; }

void vclock_set_insn_source(struct vclock *vc, uint64_t (*fn)(void *opaque), void *opaque)
{
    vc->insn_src = fn;
    vc->insn_src_opaque = opaque;
}

void vclock_warp(struct vclock *vc, uint64_t ns)
{
    if (vc->mode == VCLOCK_DETERMINISTIC)
        vc->warped += ns;
}

uint64_t vclock_next_deadline(struct vclock *vc)
{
    return vc->armed ? vc->armed->expire : UINT64_MAX;
}

uint64_t vclock_insns_to_deadline(struct vclock *vc)
{
    if (vc->mode != VCLOCK_DETERMINISTIC)
        return UINT64_MAX;
    uint64_t deadline = vclock_next_deadline(vc), now = vclock_now(vc);
    if (deadline == UINT64_MAX)
        return UINT64_MAX;
    if (deadline <= now)
        return 1;
    uint64_t n = (deadline - now + (1ull << vc->shift) - 1) >> vc->shift;
    return n ? n : 1;
}

bool vclock_skip_to_deadline(struct vclock *vc)
{
    uint64_t deadline = vclock_next_deadline(vc), now = vclock_now(vc);
    if (deadline == UINT64_MAX)
        return false;
    if (deadline > now)
        vclock_warp(vc, deadline - now);
    return true;
}

struct vtimer *vtimer_create(struct vclock *vc, vtimer_cb cb, void *opaque)
{
    struct vtimer *t = calloc(1, sizeof *t);
    if (t) {
        t->vc = vc;
        t->cb = cb;
        t->opaque = opaque;
    }
    return t;
}

void vtimer_del(struct vtimer *t)
{
    if (!t || !t->armed)
        return;
    for (struct vtimer **p = &t->vc->armed; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

void vtimer_destroy(struct vtimer *t)
{
    vtimer_del(t);
    free(t);
}

void vtimer_mod(struct vtimer *t, uint64_t expire_ns)
{
    vtimer_del(t);
    t->expire = expire_ns;
    struct vtimer **p = &t->vc->armed;
    while (*p && (*p)->expire <= expire_ns)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    t->armed = true;
    if (p == &t->vc->armed && t->vc->earliest)
        t->vc->earliest(t->vc->earliest_opaque, expire_ns);
}

void vclock_set_earliest_hook(struct vclock *vc, void (*fn)(void *opaque, uint64_t expire_ns),
                              void *opaque)
{
    vc->earliest = fn;
    vc->earliest_opaque = opaque;
}

bool vtimer_pending(const struct vtimer *t) { return t->armed; }
uint64_t vtimer_expire(const struct vtimer *t) { return t->expire; }

uint64_t vclock_run_timers(struct vclock *vc)
{
    uint64_t now = vclock_now(vc);
    /* Bounded: a timer re-armed for `now` or earlier runs again only on the
     * next call, so a misprogrammed device cannot hang the machine here. */
    for (int budget = 64; budget > 0 && vc->armed && vc->armed->expire <= now; budget--) {
        struct vtimer *t = vc->armed;
        vc->armed = t->next;
        t->armed = false;
        t->next = NULL;
        t->cb(t->opaque);
    }
    return now;
}
