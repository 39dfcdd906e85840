/* The minimal board of issue 2, wired in one place: RAM below 640 KiB and
 * from 1 MiB up, the firmware ROM, the ISA debug ports and one CPU, run in
 * batches until the guest asks to exit, halts for good or triple-faults. */
#include "devices/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bios/rom.h"
#include "cpu/cpu.h"
#include "devices/chardev.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define MACHINE_BATCH 1000000 /* instructions per cpu_run() call */
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

    bool exit_requested;
    int exit_status;
    enum machine_stop stop_reason;
    int post_code; /* -1 = none written */
    unsigned resets;
    uint64_t icount_base; /* instructions retired before the last CPU reset */
};

/* --- CPU hooks --- */

/* No interrupt controller on this board yet: nothing to acknowledge. */
static int machine_ack_irq(void *opaque) {
    (void)opaque;
    return -1;
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
    if (!m->mem || !m->io) goto nomem;

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
    if (m->mem) memmap_destroy(m->mem);
    free(m->rom);
    if (m->ram) munmap(m->ram, m->cfg.ram_size);
    free(m);
}

/* Nothing on this board can raise INTR or NMI, so a halted CPU never wakes.
 * (Boards with timers will sleep until the next event instead.) */
static bool machine_can_wake(const struct machine *m) {
    const struct cpu *cpu = m->cpu;
    return cpu->nmi_pending || ((cpu->eflags & EF_IF) && cpu->intr_line);
}

int machine_run(struct machine *m) {
    struct cpu *cpu = m->cpu;
    for (;;) {
        uint64_t budget = MACHINE_BATCH;
        if (m->cfg.max_insns) {
            uint64_t done = machine_icount(m);
            if (done >= m->cfg.max_insns) {
                m->stop_reason = MACHINE_STOP_INSN_LIMIT;
                return VX86_EXIT_OK;
            }
            if (m->cfg.max_insns - done < budget) budget = m->cfg.max_insns - done;
        }
        enum cpu_exit why = cpu_run(cpu, budget);
        if (m->exit_requested) return m->exit_status;
        switch (why) {
        case CPU_EXIT_BUDGET:
        case CPU_EXIT_STOP: break;
        case CPU_EXIT_HALT:
            if (machine_can_wake(m)) break;
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
            machine_log(m, CPU_LOG_INT, "int", "triple fault: resetting the CPU\n");
            m->resets++;
            m->icount_base += cpu->icount;
            cpu_reset(cpu);
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
