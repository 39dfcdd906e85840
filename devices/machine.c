/* The machine core, wired in one place: RAM below 640 KiB and from 1 MiB
 * up, the firmware ROM, the ISA debug ports and one CPU, run in batches on
 * the virtual clock until the guest or the frontend ends the run; when the
 * guest idles in HLT the loop sleeps in poll() on host fds and timers. */
#define _GNU_SOURCE /* ppoll */
#include "devices/machine.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bios/rom.h"
#include "cpu/cpu.h"
#include "cpu/cpu_state.h"
#include "devices/chardev.h"
#include "devices/unclaimed.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "translator/translator.h"

/* Deterministic: instructions per cpu_run() call at most (a timer a device
 * arms mid-batch fires this late). */
#define MACHINE_BATCH  10000
/* Real time: a CPU slice runs the instructions the guest's recent speed
 * fits before the next timer is due, within these bounds (realtime_budget). */
#define REALTIME_SLICE     20000
#define REALTIME_SLICE_MAX 200000
#define RATE_WINDOW_NS     2000000 /* the guest's speed is measured over >= 2 ms */
#define MAX_HOOKS      256      /* reset handlers and state tables per machine */
#define MAX_WATCHES    16       /* host fds and chardevs the loop polls */
#define HOST_POLL_NS   1000000  /* a busy guest looks at host input every 1 ms */
#define LOW_RAM_END    0xa0000u /* 640 KiB: VGA/option-ROM hole above */

struct machine {
    struct machine_config cfg;
    struct memmap *mem;
    struct ioport_map *io;
    struct cpu *cpu;
    uint8_t *ram;
    int ram_fd;                 /* the memfd behind ram, or -1 (ram_map) */
    uint8_t *rom;

    struct debugcon *debugcon_e9, *debugcon_402;
    struct debug_exit *debug_exit;
    struct post_port *post;
    struct unclaimed *unclaimed; /* logs ports nobody owns, once each */

    struct vclock *vc;
    bool a20;
    bool reset_requested;
    struct {
        void (*fn)(void *opaque);
        void *opaque;
    } resets_fn[MAX_HOOKS];
    int nresets_fn;
    struct {
        const struct vmstate *vs;
        void *opaque;
    } states[MAX_HOOKS];
    int nstates;
    int (*intc_ack)(void *opaque);
    void *intc_opaque;
    void (*intr_router)(void *opaque, bool level); /* the LAPIC's LINT0, or NULL */
    void *intr_router_opaque;

    struct {
        struct chardev *cd; /* a chardev, or */
        int fd;             /* a plain fd with fn */
        void (*fn)(void *opaque);
        void *opaque;
    } watches[MAX_WATCHES];
    int nwatches;
    bool paused;
    bool halt_reported;      /* keep_halted: the "nothing can wake it" message was printed */
    uint64_t host_deadline;  /* host monotonic ns when timeout_ns expires; UINT64_MAX = none */
    uint64_t last_host_poll; /* host monotonic ns of the last look at host input */
    /* Real time (realtime_budget): the virtual time the loop last looked
     * at, the guest's speed (instructions per µs) and where it was
     * measured from, and the time the running slice is planned to end
     * (0: no slice running). */
    uint64_t clock_seen;
    uint64_t rate, rate_ns, rate_icount;
    uint64_t slice_end_ns;

    bool exit_requested;
    int exit_status;
    enum machine_stop stop_reason;
    int post_code; /* -1 = none written */
    unsigned resets;
    uint64_t icount_base; /* instructions retired before the last CPU reset */
    uint64_t disk_activity; /* transfers storage devices reported (title bar) */
};

/* --- CPU hooks --- */

/* INTA: ask the interrupt controller, if the board has one. */
static int machine_ack_irq(void *opaque)
{
    struct machine *m = opaque;
    return m->intc_ack ? m->intc_ack(m->intc_opaque) : -1;
}

static void machine_trace(void *opaque, struct cpu *cpu)
{
    struct machine *m = opaque;
    if (m->cfg.trace_fn)
        m->cfg.trace_fn(m->cfg.hook_opaque, cpu);
}

static void machine_cpu_log(void *opaque, const char *category, const char *fmt, ...)
{
    struct machine *m = opaque;
    if (!m->cfg.log_fn)
        return;
    va_list ap;
    va_start(ap, fmt);
    m->cfg.log_fn(m->cfg.hook_opaque, category, fmt, ap);
    va_end(ap);
}

void machine_log(struct machine *m, uint32_t mask, const char *category, const char *fmt, ...)
{
    if (!(m->cfg.log_mask & mask) || !m->cfg.log_fn)
        return;
    va_list ap;
    va_start(ap, fmt);
    m->cfg.log_fn(m->cfg.hook_opaque, category, fmt, ap);
    va_end(ap);
}

/* --- device callbacks --- */

void machine_request_exit(struct machine *m, int status)
{
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_status = status;
        m->stop_reason = MACHINE_STOP_EXIT_PORT;
    }
    m->cpu->stop_request = true;
}

void machine_request_stop(struct machine *m)
{
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_status = VX86_EXIT_OK;
        m->stop_reason = MACHINE_STOP_REQUEST;
    }
    m->cpu->stop_request = true;
}

void machine_set_post_code(struct machine *m, uint8_t code)
{
    m->post_code = code;
}

struct vclock *machine_vclock(struct machine *m)
{
    return m->vc;
}

void machine_set_a20(struct machine *m, bool enabled)
{
    m->a20 = enabled;
    m->cpu->a20_mask = enabled ? 0xffffffffu : 0xffefffffu;
    /* The TLB notices a changed mask on its own (mmu/tlb.h). */
}

bool machine_a20(const struct machine *m)
{
    return m->a20;
}

void machine_request_reset(struct machine *m)
{
    m->reset_requested = true;
    m->cpu->stop_request = true;
}

void machine_register_reset(struct machine *m, void (*fn)(void *opaque), void *opaque)
{
    if (m->nresets_fn == MAX_HOOKS) {
        fprintf(stderr, "vx86: too many reset handlers (limit %d)\n", MAX_HOOKS);
        abort(); /* a board wiring bug, not guest input */
    }
    m->resets_fn[m->nresets_fn].fn = fn;
    m->resets_fn[m->nresets_fn++].opaque = opaque;
}

void machine_register_state(struct machine *m, const struct vmstate *vs, void *opaque)
{
    if (m->nstates == MAX_HOOKS) {
        fprintf(stderr, "vx86: too many state tables (limit %d)\n", MAX_HOOKS);
        abort(); /* a board wiring bug, not guest input */
    }
    m->states[m->nstates].vs = vs;
    m->states[m->nstates++].opaque = opaque;
}

void machine_set_interrupt_controller(struct machine *m, int (*ack)(void *opaque), void *opaque)
{
    m->intc_ack = ack;
    m->intc_opaque = opaque;
}

void machine_set_cpu_intr(struct machine *m, bool level)
{
    if (m->intr_router)
        m->intr_router(m->intr_router_opaque, level);
    else
        cpu_set_irq(m->cpu, level);
}

void machine_set_intr_router(struct machine *m, void (*fn)(void *opaque, bool level), void *opaque)
{
    m->intr_router = fn;
    m->intr_router_opaque = opaque;
}

static void machine_earliest(void *opaque, uint64_t expire_ns);

static uint64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int machine_add_watch(struct machine *m)
{
    if (m->nwatches == MAX_WATCHES) {
        fprintf(stderr, "vx86: too many host event sources (limit %d)\n", MAX_WATCHES);
        abort(); /* a frontend wiring bug, not guest input */
    }
    return m->nwatches++;
}

void machine_watch_chardev(struct machine *m, struct chardev *cd)
{
    if (!cd)
        return;
    int i = machine_add_watch(m);
    m->watches[i].cd = cd;
    m->watches[i].fd = -1;
    chardev_enable_input(cd);
}

void machine_watch_fd(struct machine *m, int fd, void (*fn)(void *opaque), void *opaque)
{
    int i = machine_add_watch(m);
    m->watches[i].cd = NULL;
    m->watches[i].fd = fd;
    m->watches[i].fn = fn;
    m->watches[i].opaque = opaque;
}

/* Wait up to timeout_ns (UINT64_MAX = until an event; 0 = just look) for
 * host input or the run's host deadline, and hand what came to its
 * consumers. This is the only place the loop sleeps. */
static void machine_poll_host(struct machine *m, uint64_t timeout_ns)
{
    struct pollfd pfd[MAX_WATCHES];
    int idx[MAX_WATCHES], n = 0;
    for (int i = 0; i < m->nwatches; i++) {
        int fd = m->watches[i].cd ? chardev_poll_fd(m->watches[i].cd) : m->watches[i].fd;
        if (fd < 0)
            continue;
        pfd[n] = (struct pollfd){fd, POLLIN, 0};
        idx[n++] = i;
    }
    if (timeout_ns && m->host_deadline != UINT64_MAX) {
        uint64_t now = host_now_ns();
        uint64_t left = m->host_deadline > now ? m->host_deadline - now : 0;
        if (left < timeout_ns)
            timeout_ns = left;
    }
    struct timespec ts = {(time_t)(timeout_ns / 1000000000u), (long)(timeout_ns % 1000000000u)};
    int r = ppoll(pfd, (nfds_t)n, timeout_ns == UINT64_MAX ? NULL : &ts, NULL);
    if (r <= 0)
        return; /* timeout, or EINTR: a signal's handler wrote to its pipe */
    for (int k = 0; k < n; k++) {
        if (!pfd[k].revents)
            continue;
        int i = idx[k];
        if (m->watches[i].cd)
            chardev_poll_input(m->watches[i].cd);
        else
            m->watches[i].fn(m->watches[i].opaque);
    }
}

void machine_stop(struct machine *m, int status)
{
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_status = status;
        m->stop_reason = MACHINE_STOP_FRONTEND;
    }
    m->cpu->stop_request = true;
}

void machine_pause(struct machine *m)
{
    m->paused = true;
    m->cpu->stop_request = true;
    vclock_pause(m->vc);
}

void machine_resume(struct machine *m)
{
    m->paused = false;
    vclock_resume(m->vc);
}

bool machine_paused(const struct machine *m)
{
    return m->paused;
}

/* CPU reset plus every device's reset handler (RAM is kept, as on a PC). */
static void machine_reset(struct machine *m)
{
    m->resets++;
    m->icount_base += m->cpu->icount;
    cpu_reset(m->cpu);
    machine_set_a20(m, true);
    for (int i = 0; i < m->nresets_fn; i++)
        m->resets_fn[i].fn(m->resets_fn[i].opaque);
}

/* The virtual clock's view of retired instructions: live, even mid-batch. */
static uint64_t machine_icount_cb(void *opaque)
{
    struct machine *m = opaque;
    return m->cpu ? machine_icount(m) : m->icount_base;
}

/* cpu_hooks.clock_ns: the TSC runs on the virtual clock (cpu/msr.c). */
static uint64_t machine_clock_ns(void *opaque)
{
    struct machine *m = opaque;
    return vclock_now(m->vc);
}

/* --- lifecycle --- */

/* Guest RAM, zeroed, 2 MiB aligned and offered to the host kernel for
 * transparent huge pages (where THP is "madvise", as on Debian): a guest's
 * cache misses then miss the host's TLB far less (7-Zip's match finder is
 * such a guest; QEMU does the same with its RAM). Backed by a memfd where
 * the host has them (*fd, else -1), so that the translator can map guest
 * pages a second time (mmu/fastmem.h); shared memory gets huge pages only
 * where the host's shmem_enabled allows. Unmapped with munmap. */
static uint8_t *ram_map(size_t size, int *fd)
{
    const size_t huge = 2u << 20;
    *fd = -1;
    uint8_t *p = mmap(NULL, size + huge, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uint8_t *ram = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
    if (ram > p)
        munmap(p, (size_t)(ram - p));
    if (ram + size < p + size + huge)
        munmap(ram + size, (size_t)(p + size + huge - (ram + size)));
#ifdef MFD_CLOEXEC
    int f = memfd_create("vx86-ram", MFD_CLOEXEC);
    if (f >= 0 && ftruncate(f, (off_t)size) == 0 &&
        mmap(ram, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, f, 0) != MAP_FAILED)
        *fd = f;
    else if (f >= 0)
        close(f);
#endif
#ifdef MADV_HUGEPAGE
    madvise(ram, size, MADV_HUGEPAGE); /* a hint: without THP, 4 KiB pages */
#endif
    return ram;
}

struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen)
{
    if (cfg->ram_size < MACHINE_RAM_MIN || cfg->ram_size > MACHINE_RAM_MAX) {
        snprintf(err, errlen, "RAM size %llu MiB is out of range (%llu to %llu MiB)",
                 (unsigned long long)(cfg->ram_size >> 20),
                 (unsigned long long)(MACHINE_RAM_MIN >> 20),
                 (unsigned long long)(MACHINE_RAM_MAX >> 20));
        return NULL;
    }
    if (!cfg->bios) {
        snprintf(err, errlen, "no firmware image (use -bios FILE)");
        return NULL;
    }
    if (!rom_check_size(cfg->bios_size, err, errlen))
        return NULL;

    struct machine *m = calloc(1, sizeof *m);
    if (!m)
        goto nomem;
    m->cfg = *cfg;
    m->post_code = -1;
    m->ram_fd = -1;
    m->ram = ram_map(cfg->ram_size, &m->ram_fd);
    if (!m->ram)
        goto nomem;
    m->rom = malloc(cfg->bios_size);
    if (!m->rom)
        goto nomem;
    memcpy(m->rom, cfg->bios, cfg->bios_size);

    m->mem = memmap_create();
    m->io = ioport_create();
    m->vc = vclock_create(cfg->deterministic ? VCLOCK_DETERMINISTIC : VCLOCK_REALTIME,
                          cfg->icount_shift);
    if (!m->mem || !m->io || !m->vc)
        goto nomem;
    vclock_set_insn_source(m->vc, machine_icount_cb, m);
    vclock_set_earliest_hook(m->vc, machine_earliest, m);

    /* Physical map: RAM, the 0xA0000-0xFFFFF hole, ROM on top (later
     * mappings take precedence, so the ISA alias sits over the hole). */
    uint64_t low = cfg->ram_size < LOW_RAM_END ? cfg->ram_size : LOW_RAM_END;
    memmap_add_ram(m->mem, 0, low, m->ram, false);
    if (cfg->ram_size > 0x100000)
        memmap_add_ram(m->mem, 0x100000, cfg->ram_size - 0x100000, m->ram + 0x100000, false);
    rom_map(m->mem, m->rom, cfg->bios_size);
    if (m->ram_fd >= 0)
        memmap_set_backing(m->mem, m->ram, cfg->ram_size, m->ram_fd);

    m->cpu = cpu_create(m->mem, m->io);
    if (!m->cpu)
        goto nomem;
    if (cfg->accel) {
        struct tr_accel accel;
        if (!tr_accel_parse(cfg->accel, &accel, err, errlen) ||
            !tr_accel_apply(m->cpu, &accel, err, errlen)) {
            machine_destroy(m);
            return NULL;
        }
    }
    m->cpu->hooks = (struct cpu_hooks){
        .opaque = m, .ack_irq = machine_ack_irq, .trace = machine_trace, .log = machine_cpu_log,
        .clock_ns = machine_clock_ns};
    m->cpu->trace_on = cfg->trace && cfg->trace_fn;
    m->cpu->log_mask = cfg->log_mask;
    machine_set_a20(m, true);

    m->debugcon_e9 = debugcon_create(m, 0xe9, cfg->debugcon);
    m->debugcon_402 = debugcon_create(m, 0x402, cfg->debugcon);
    m->debug_exit = debug_exit_create(m, 0xf4);
    m->post = post_port_create(m, 0x80);
    m->unclaimed = unclaimed_create(m);
    if (!m->debugcon_e9 || !m->debugcon_402 || !m->debug_exit || !m->post || !m->unclaimed)
        goto nomem;
    machine_register_state(m, &cpu_vmstate, m->cpu);
    return m;

nomem:
    snprintf(err, errlen, "out of memory creating the machine (%llu MiB RAM)",
             (unsigned long long)(cfg->ram_size >> 20));
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m)
{
    if (!m)
        return;
    debugcon_destroy(m->debugcon_e9);
    debugcon_destroy(m->debugcon_402);
    debug_exit_destroy(m->debug_exit);
    post_port_destroy(m->post);
    unclaimed_destroy(m->unclaimed);
    if (m->cpu)
        cpu_destroy(m->cpu);
    if (m->io)
        ioport_destroy(m->io);
    vclock_destroy(m->vc);
    if (m->mem)
        memmap_destroy(m->mem);
    free(m->rom);
    if (m->ram)
        munmap(m->ram, m->cfg.ram_size);
    if (m->ram_fd >= 0)
        close(m->ram_fd);
    free(m);
}

/* Can a halted CPU ever wake: an interrupt is pending, or interrupts are
 * enabled and a timer or host input (a UART, the monitor's sendkey) may
 * raise one. */
static bool machine_can_wake(const struct machine *m)
{
    const struct cpu *cpu = m->cpu;
    if (cpu->nmi_pending || ((cpu->eflags & EF_IF) && cpu->intr_line))
        return true;
    if (!(cpu->eflags & EF_IF))
        return false;
    if (vclock_next_deadline(m->vc) != UINT64_MAX)
        return true;
    /* Host input that a device may turn into an interrupt (a UART); a plain
     * fd (the signal pipe) only ends the run. */
    for (int i = 0; i < m->nwatches; i++)
        if (m->watches[i].cd && chardev_poll_fd(m->watches[i].cd) >= 0)
            return true;
    return false;
}

/* The guest is idle in HLT: let time pass until the next timer or host
 * input. Real time sleeps in poll(); deterministic time jumps to the
 * deadline at once (after a look at host input), so the guest sees the
 * same instruction-to-time relation on every run. */
static void machine_idle(struct machine *m)
{
    uint64_t deadline = vclock_next_deadline(m->vc);
    if (vclock_mode(m->vc) == VCLOCK_DETERMINISTIC) {
        if (deadline == UINT64_MAX) {
            machine_poll_host(m, UINT64_MAX); /* only the host can wake it */
            return;
        }
        machine_poll_host(m, 0);
        if (!m->cpu->intr_line)
            vclock_skip_to_deadline(m->vc);
        return;
    }
    uint64_t now = vclock_now(m->vc);
    machine_poll_host(m, deadline == UINT64_MAX ? UINT64_MAX : deadline > now ? deadline - now : 0);
}

/* The CPU can never leave HLT. Without a monitor the run ends (a guest
 * failure); with one, vx86 waits for a command (system_reset, quit). */
static bool machine_halted_for_good(struct machine *m)
{
    struct cpu *cpu = m->cpu;
    if (!m->cfg.keep_halted || !m->halt_reported)
        fprintf(stderr, "vx86: guest executed HLT at %04x:%08x with %s; nothing can wake it%s\n",
                cpu->seg[SEG_CS].sel, cpu->insn_eip,
                (cpu->eflags & EF_IF) ? "no interrupt source on this machine"
                                      : "interrupts disabled",
                m->cfg.keep_halted ? "" : ", stopping");
    if (!m->cfg.keep_halted) {
        m->stop_reason = MACHINE_STOP_HALTED;
        return true;
    }
    m->halt_reported = true;
    machine_poll_host(m, UINT64_MAX);
    return false;
}

/* Real time: the instructions until the next timer is due at the guest's
 * recent speed, within [REALTIME_SLICE, REALTIME_SLICE_MAX], so that a busy
 * guest with no timer due soon is not stopped every REALTIME_SLICE
 * instructions to look (each look reads the host clock and re-enters the
 * translator). A timer armed during the slice for before its planned end
 * ends it (machine_earliest). */
static uint64_t realtime_budget(struct machine *m)
{
    uint64_t now = m->clock_seen, icount = m->cpu->icount;
    if (now - m->rate_ns >= RATE_WINDOW_NS || icount < m->rate_icount) {
        /* (a reset starts the count again: no speed for that window) */
        m->rate = icount < m->rate_icount
                      ? 0
                      : (icount - m->rate_icount) * 1000 / (now - m->rate_ns);
        m->rate_ns = now;
        m->rate_icount = icount;
    }
    uint64_t deadline = vclock_next_deadline(m->vc), budget = REALTIME_SLICE_MAX;
    if (deadline != UINT64_MAX) {
        uint64_t until_us = deadline > now ? (deadline - now) / 1000 : 0;
        if (until_us < REALTIME_SLICE_MAX && until_us * m->rate < budget)
            budget = until_us * m->rate;
    }
    if (budget < REALTIME_SLICE)
        budget = REALTIME_SLICE;
    m->slice_end_ns = m->rate ? now + budget * 1000 / m->rate : UINT64_MAX;
    return budget;
}

/* A timer became the earliest (vclock): a slice planned to run past it, or
 * running late (the guest slower than measured), stops at the next
 * instruction boundary the CPU looks at. */
static void machine_earliest(void *opaque, uint64_t expire_ns)
{
    struct machine *m = opaque;
    if (m->slice_end_ns &&
        (expire_ns < m->slice_end_ns || vclock_now(m->vc) >= m->slice_end_ns)) {
        m->cpu->stop_request = true;
        m->cpu->exec_break = 1; /* translated code leaves after this instruction */
    }
}

int machine_run(struct machine *m)
{
    struct cpu *cpu = m->cpu;
    m->host_deadline = m->cfg.timeout_ns ? host_now_ns() + m->cfg.timeout_ns : UINT64_MAX;
    for (;;) {
        if (m->reset_requested) { /* before exiting: "system_reset" then "quit" resets */
            m->reset_requested = false;
            m->halt_reported = false;
            if (m->cfg.reset_exits && !m->exit_requested) {
                /* -no-reboot: a reset request (0xCF9, 8042, port 0x92, the
                 * monitor) ends the run cleanly instead, as in QEMU. */
                m->stop_reason = MACHINE_STOP_REQUEST;
                return VX86_EXIT_OK;
            }
            machine_reset(m);
        }
        if (m->exit_requested)
            return m->exit_status;
        if (m->host_deadline != UINT64_MAX && host_now_ns() >= m->host_deadline) {
            m->stop_reason = MACHINE_STOP_TIMEOUT;
            return VX86_EXIT_TIMEOUT;
        }
        if (m->paused) {
            machine_poll_host(m, UINT64_MAX);
            if (m->cfg.poll_fn)
                m->cfg.poll_fn(m->cfg.hook_opaque);
            continue;
        }
        uint64_t budget = MACHINE_BATCH;
        uint64_t to_deadline = vclock_insns_to_deadline(m->vc);
        if (vclock_mode(m->vc) == VCLOCK_REALTIME)
            budget = realtime_budget(m);
        else if (to_deadline < budget)
            budget = to_deadline;
        if (m->cfg.max_insns) {
            uint64_t done = machine_icount(m);
            if (done >= m->cfg.max_insns) {
                m->stop_reason = MACHINE_STOP_INSN_LIMIT;
                return VX86_EXIT_OK;
            }
            if (m->cfg.max_insns - done < budget)
                budget = m->cfg.max_insns - done;
        }
        uint64_t before = cpu->icount;
        enum cpu_exit why = cpu_run(cpu, budget);
        m->slice_end_ns = 0;
        vclock_add_insns(m->vc, cpu->icount - before);
        m->clock_seen = vclock_run_timers(m->vc);
        if (m->exit_requested || m->reset_requested)
            continue;
        switch (why) {
        case CPU_EXIT_BUDGET:
        case CPU_EXIT_STOP:
            /* A busy guest: look at host input at most every millisecond. */
            if (m->nwatches) {
                uint64_t now = host_now_ns();
                if (now - m->last_host_poll >= HOST_POLL_NS) {
                    m->last_host_poll = now;
                    machine_poll_host(m, 0);
                }
            }
            break;
        case CPU_EXIT_HALT:
            if (machine_can_wake(m)) {
                m->halt_reported = false;
                machine_idle(m);
                m->clock_seen = vclock_run_timers(m->vc);
                break;
            }
            if (machine_halted_for_good(m))
                return VX86_EXIT_HALTED;
            break;
        case CPU_EXIT_TRIPLE_FAULT:
            if (m->cfg.no_reboot) {
                fprintf(stderr,
                        "vx86: triple fault at %04x:%08x (shutdown), exiting (-no-reboot)\n",
                        cpu->seg[SEG_CS].sel, cpu->eip);
                m->stop_reason = MACHINE_STOP_TRIPLE_FAULT;
                return VX86_EXIT_TRIPLE_FAULT;
            }
            machine_log(m, CPU_LOG_INT, "int", "triple fault: resetting the machine\n");
            machine_reset(m);
            break;
        }
        if (m->cfg.poll_fn)
            m->cfg.poll_fn(m->cfg.hook_opaque);
    }
}

void machine_disk_activity(struct machine *m)
{
    m->disk_activity++;
}

uint64_t machine_disk_activity_count(const struct machine *m)
{
    return m->disk_activity;
}

enum machine_stop machine_stop_reason(const struct machine *m)
{
    return m->stop_reason;
}
struct cpu *machine_cpu(struct machine *m)
{
    return m->cpu;
}
struct memmap *machine_memmap(struct machine *m)
{
    return m->mem;
}
struct ioport_map *machine_ioport(struct machine *m)
{
    return m->io;
}
uint8_t *machine_ram(struct machine *m)
{
    return m->ram;
}
int machine_post_code(const struct machine *m)
{
    return m->post_code;
}
unsigned machine_reset_count(const struct machine *m)
{
    return m->resets;
}
uint64_t machine_icount(const struct machine *m)
{
    return m->icount_base + m->cpu->icount;
}
