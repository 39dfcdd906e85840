/* The minimal board of issue 2, wired in one place: RAM below 640 KiB and
 * from 1 MiB up, the firmware ROM, the ISA debug ports and one CPU, run in
 * batches until the guest asks to exit, halts for good or triple-faults. */
#include "devices/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bios/rom.h"
#include "cpu/cpu.h"
#include "devices/chardev.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define MACHINE_BATCH 1000000 /* instructions per cpu_run() call */
#define REALTIME_SLICE 20000  /* real time: instructions between timer checks */
#define MAX_HOOKS 64          /* reset handlers and state tables per machine */
#define LOW_RAM_END 0xa0000u  /* 640 KiB: VGA/option-ROM hole above */

struct machine {
    struct machine_config cfg;
    struct memmap *mem;
    struct ioport_map *io;
    struct cpu *cpu;
    uint8_t *ram;
    uint8_t *rom;

    struct debugcon *debugcon_e9, *debugcon_402;
    struct debug_exit *debug_exit;
    struct post_port *post;

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

    bool exit_requested;
    int exit_status;
    enum machine_stop stop_reason;
    int post_code; /* -1 = none written */
    unsigned resets;
    uint64_t icount_base; /* instructions retired before the last CPU reset */
};

/* --- CPU hooks --- */

/* INTA: ask the interrupt controller, if the board has one. */
static int machine_ack_irq(void *opaque)
{
    struct machine *m = opaque;
    return m->intc_ack ? m->intc_ack(m->intc_opaque) : -1;
}

static void machine_trace(void *opaque, struct cpu *cpu) {
    struct machine *m = opaque;
    if (m->cfg.trace_fn) m->cfg.trace_fn(m->cfg.hook_opaque, cpu);
}

static void machine_cpu_log(void *opaque, const char *category, const char *fmt, ...) {
    struct machine *m = opaque;
    if (!m->cfg.log_fn) return;
    va_list ap;
    va_start(ap, fmt);
    m->cfg.log_fn(m->cfg.hook_opaque, category, fmt, ap);
    va_end(ap);
}

void machine_log(struct machine *m, uint32_t mask, const char *category, const char *fmt, ...) {
    if (!(m->cfg.log_mask & mask) || !m->cfg.log_fn) return;
    va_list ap;
    va_start(ap, fmt);
    m->cfg.log_fn(m->cfg.hook_opaque, category, fmt, ap);
    va_end(ap);
}

/* --- device callbacks --- */

void machine_request_exit(struct machine *m, int status) {
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_status = status;
        m->stop_reason = MACHINE_STOP_EXIT_PORT;
    }
    m->cpu->stop_request = true;
}

void machine_request_stop(struct machine *m) {
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_status = VX86_EXIT_OK;
        m->stop_reason = MACHINE_STOP_REQUEST;
    }
    m->cpu->stop_request = true;
}

void machine_set_post_code(struct machine *m, uint8_t code) {
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
    cpu_set_irq(m->cpu, level);
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

/* --- lifecycle --- */

struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen) {
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
    if (!rom_check_size(cfg->bios_size, err, errlen)) return NULL;

    struct machine *m = calloc(1, sizeof *m);
    if (!m) goto nomem;
    m->cfg = *cfg;
    m->post_code = -1;
    m->ram = mmap(NULL, cfg->ram_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->ram == MAP_FAILED) {
        m->ram = NULL;
        goto nomem;
    }
    m->rom = malloc(cfg->bios_size);
    if (!m->rom) goto nomem;
    memcpy(m->rom, cfg->bios, cfg->bios_size);

    m->mem = memmap_create();
    m->io = ioport_create();
    m->vc = vclock_create(cfg->deterministic ? VCLOCK_DETERMINISTIC : VCLOCK_REALTIME,
                          cfg->icount_shift);
    if (!m->mem || !m->io || !m->vc) goto nomem;

    /* Physical map: RAM, the 0xA0000-0xFFFFF hole, ROM on top (later
     * mappings take precedence, so the ISA alias sits over the hole). */
    uint64_t low = cfg->ram_size < LOW_RAM_END ? cfg->ram_size : LOW_RAM_END;
    memmap_add_ram(m->mem, 0, low, m->ram, false);
    if (cfg->ram_size > 0x100000)
        memmap_add_ram(m->mem, 0x100000, cfg->ram_size - 0x100000, m->ram + 0x100000, false);
    rom_map(m->mem, m->rom, cfg->bios_size);

    m->cpu = cpu_create(m->mem, m->io);
    if (!m->cpu) goto nomem;
    m->cpu->hooks = (struct cpu_hooks){
        .opaque = m, .ack_irq = machine_ack_irq, .trace = machine_trace, .log = machine_cpu_log};
    m->cpu->trace_on = cfg->trace && cfg->trace_fn;
    m->cpu->log_mask = cfg->log_mask;
    machine_set_a20(m, true);

    m->debugcon_e9 = debugcon_create(m, 0xe9, cfg->debugcon);
    m->debugcon_402 = debugcon_create(m, 0x402, cfg->debugcon);
    m->debug_exit = debug_exit_create(m, 0xf4);
    m->post = post_port_create(m, 0x80);
    if (!m->debugcon_e9 || !m->debugcon_402 || !m->debug_exit || !m->post) goto nomem;
    return m;

nomem:
    snprintf(err, errlen, "out of memory creating the machine (%llu MiB RAM)",
             (unsigned long long)(cfg->ram_size >> 20));
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m) {
    if (!m) return;
    debugcon_destroy(m->debugcon_e9);
    debugcon_destroy(m->debugcon_402);
    debug_exit_destroy(m->debug_exit);
    post_port_destroy(m->post);
    if (m->cpu) cpu_destroy(m->cpu);
    if (m->io) ioport_destroy(m->io);
    vclock_destroy(m->vc);
    if (m->mem) memmap_destroy(m->mem);
    free(m->rom);
    if (m->ram) munmap(m->ram, m->cfg.ram_size);
    free(m);
}

/* Can a halted CPU ever wake: an interrupt is pending, or interrupts are
 * enabled and a timer may raise one. */
static bool machine_can_wake(const struct machine *m) {
    const struct cpu *cpu = m->cpu;
    if (cpu->nmi_pending || ((cpu->eflags & EF_IF) && cpu->intr_line))
        return true;
    return (cpu->eflags & EF_IF) && vclock_next_deadline(m->vc) != UINT64_MAX;
}

/* The guest is idle in HLT: let time pass until the next timer. */
static void machine_idle(struct machine *m)
{
    if (vclock_mode(m->vc) == VCLOCK_DETERMINISTIC) {
        vclock_skip_to_deadline(m->vc);
        return;
    }
    uint64_t now = vclock_now(m->vc), deadline = vclock_next_deadline(m->vc);
    if (deadline > now) {
        uint64_t ns = deadline - now;
        if (ns > 10000000)
            ns = 10000000; /* wake at least every 10 ms for host events */
        struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

int machine_run(struct machine *m) {
    struct cpu *cpu = m->cpu;
    for (;;) {
        uint64_t budget = MACHINE_BATCH;
        uint64_t to_deadline = vclock_insns_to_deadline(m->vc);
        if (vclock_mode(m->vc) == VCLOCK_REALTIME)
            budget = REALTIME_SLICE;
        else if (to_deadline < budget)
            budget = to_deadline;
        if (m->cfg.max_insns) {
            uint64_t done = machine_icount(m);
            if (done >= m->cfg.max_insns) {
                m->stop_reason = MACHINE_STOP_INSN_LIMIT;
                return VX86_EXIT_OK;
            }
            if (m->cfg.max_insns - done < budget) budget = m->cfg.max_insns - done;
        }
        uint64_t before = cpu->icount;
        enum cpu_exit why = cpu_run(cpu, budget);
        vclock_add_insns(m->vc, cpu->icount - before);
        vclock_run_timers(m->vc);
        if (m->exit_requested) return m->exit_status;
        if (m->reset_requested) {
            m->reset_requested = false;
            machine_reset(m);
            continue;
        }
        switch (why) {
        case CPU_EXIT_BUDGET:
        case CPU_EXIT_STOP: break;
        case CPU_EXIT_HALT:
            if (machine_can_wake(m)) {
                machine_idle(m);
                vclock_run_timers(m->vc);
                break;
            }
            fprintf(stderr,
                    "vx86: guest executed HLT at %04x:%08x with %s; nothing can wake it, "
                    "stopping\n",
                    cpu->seg[SEG_CS].sel, cpu->insn_eip,
                    (cpu->eflags & EF_IF) ? "no interrupt source on this machine"
                                          : "interrupts disabled");
            m->stop_reason = MACHINE_STOP_HALTED;
            return VX86_EXIT_HALTED;
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
    }
}

enum machine_stop machine_stop_reason(const struct machine *m) {
    return m->stop_reason;
}
struct cpu *machine_cpu(struct machine *m) {
    return m->cpu;
}
struct memmap *machine_memmap(struct machine *m) {
    return m->mem;
}
struct ioport_map *machine_ioport(struct machine *m) {
    return m->io;
}
uint8_t *machine_ram(struct machine *m) {
    return m->ram;
}
int machine_post_code(const struct machine *m) {
    return m->post_code;
}
unsigned machine_reset_count(const struct machine *m) {
    return m->resets;
}
uint64_t machine_icount(const struct machine *m) {
    return m->icount_base + m->cpu->icount;
}
