/* The machine core every board builds on (devices/pc.c): RAM, the firmware
 * ROM at the top of 4 GiB (aliased below 1 MiB), the ISA debug ports
 * (0xE9/0x402 console, 0x80 POST latch, 0xF4 exit), the CPU, the virtual
 * clock and the run loop that sleeps on host events when the guest idles. */
#ifndef VX86_MACHINE_H
#define VX86_MACHINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;
struct chardev;
struct machine;
struct vclock;
struct vmstate;

/* Exit statuses of vx86 (documented in README.md). A guest write of V to the
 * exit port gives (V << 1) | 1, always odd; the statuses vx86 chooses itself
 * are even (so they never collide with a guest's), except 128 + an odd
 * signal number (SIGTERM 143, SIGHUP 129), kept for the shell convention. */
#define VX86_EXIT_OK           0   /* powered off, --expect matched, instruction limit, quit */
#define VX86_EXIT_USAGE        1   /* vx86 error: bad command line, unreadable/invalid ROM */
#define VX86_EXIT_FAIL         2   /* --fail matched (the guest failed) */
#define VX86_EXIT_HALTED       2   /* HLT that nothing can ever wake: also a guest failure */
#define VX86_EXIT_TRIPLE_FAULT 4   /* shutdown (triple fault) with -no-reboot */
#define VX86_EXIT_TIMEOUT      124 /* --timeout (host wall time) expired, as timeout(1) */
#define VX86_EXIT_SIGNAL       128 /* + signal number: SIGINT/SIGTERM ended vx86 */

/* Why machine_run() returned. */
enum machine_stop {
    MACHINE_STOP_EXIT_PORT,    /* guest wrote to port 0xF4 */
    MACHINE_STOP_HALTED,       /* HLT with no way to wake */
    MACHINE_STOP_TRIPLE_FAULT, /* shutdown with no_reboot */
    MACHINE_STOP_INSN_LIMIT,   /* max_insns retired */
    MACHINE_STOP_REQUEST,      /* machine_request_stop() */
    MACHINE_STOP_TIMEOUT,      /* timeout_ns of host time passed */
    MACHINE_STOP_FRONTEND,     /* machine_stop(): --expect/--fail, monitor quit, signal */
};

struct machine_config {
    uint64_t ram_size;   /* bytes; MACHINE_RAM_MIN..MACHINE_RAM_MAX */
    const uint8_t *bios; /* firmware image (copied), size checked by rom_check_size() */
    size_t bios_size;
    struct chardev *debugcon; /* ports 0xE9/0x402; NULL = discarded. Caller owns it */
    bool no_reboot;           /* triple fault ends the run instead of resetting */
    bool reset_exits;         /* -no-reboot: a reset request (0xCF9, 8042, port 0x92,
                                 monitor) ends the run with VX86_EXIT_OK, as QEMU */
    uint64_t max_insns;       /* stop after this many retired instructions; 0 = no limit */
    uint32_t log_mask;        /* CPU_LOG_* categories */
    bool deterministic;       /* -icount: time advances with retired instructions */
    int icount_shift;         /* deterministic: 2^shift ns per instruction */
    const char *accel;        /* -accel (translator/translator.h); NULL: $VX86_ACCEL or
                                 the interpreter */
    bool trace;               /* call trace() before every instruction */
    uint64_t timeout_ns;      /* host wall time limit for machine_run(); 0 = none */
    bool keep_halted;         /* a HLT nothing can wake waits (for the monitor) instead
                                 of ending the run */
    /* Frontend callbacks (a device never includes a frontend header). */
    void *hook_opaque;
    void (*trace_fn)(void *opaque, struct cpu *cpu);
    void (*log_fn)(void *opaque, const char *category, const char *fmt, va_list ap);
    /* Called between instruction batches and after every idle wait (batch
     * pattern matching); may be NULL. */
    void (*poll_fn)(void *opaque);
};

#define MACHINE_RAM_MIN     (1ull << 20)    /* 1 MiB */
#define MACHINE_RAM_MAX     (3584ull << 20) /* 3.5 GiB: room for ROM/MMIO below 4 GiB */
#define MACHINE_RAM_DEFAULT (128ull << 20)

/* Build a machine; NULL with a message in err on failure (bad sizes, no memory). */
struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen);
/* Run until the guest stops the machine; returns the exit status (VX86_EXIT_*
 * or the exit port's (V << 1) | 1). Messages for halts and triple faults go
 * to stderr. */
int machine_run(struct machine *m);
void machine_destroy(struct machine *m);

enum machine_stop machine_stop_reason(const struct machine *m);
struct cpu *machine_cpu(struct machine *m);
struct memmap *machine_memmap(struct machine *m);
struct ioport_map *machine_ioport(struct machine *m);
uint8_t *machine_ram(struct machine *m);
/* Last value written to the POST port, or -1 if none. */
int machine_post_code(const struct machine *m);
/* Number of CPU resets (triple faults without no_reboot) so far. */
unsigned machine_reset_count(const struct machine *m);
/* Instructions retired since the machine was created (across resets). */
uint64_t machine_icount(const struct machine *m);

/* --- host events and run control (the frontend) ---
 * The loop never spins: when the guest is idle (HLT) or the machine is
 * stopped it sleeps in poll() on the watched fds until the next timer
 * deadline (real time), the timeout or host input. */
/* Poll `cd` for host input (chardev_poll_fd/chardev_poll_input): UART and
 * monitor backends. The machine does not own cd. */
void machine_watch_chardev(struct machine *m, struct chardev *cd);
/* Call fn when fd is readable (the frontend's signal pipe). */
void machine_watch_fd(struct machine *m, int fd, void (*fn)(void *opaque), void *opaque);
/* End the run with `status` (stop reason MACHINE_STOP_FRONTEND). */
void machine_stop(struct machine *m, int status);
/* Monitor stop/cont: a paused machine runs no instructions and no timers
 * fire; in real-time mode the virtual clock keeps following the host. */
void machine_pause(struct machine *m);
void machine_resume(struct machine *m);
bool machine_paused(const struct machine *m);

/* --- for the board's devices (devices/) --- */
/* Disk activity for the frontend's title bar: storage devices call
 * machine_disk_activity() on every transfer; the frontend reads the count. */
void machine_disk_activity(struct machine *m);
uint64_t machine_disk_activity_count(const struct machine *m);
/* End the run with `status` at the next instruction boundary. */
void machine_request_exit(struct machine *m, int status);
/* Stop the run (status VX86_EXIT_OK) at the next instruction boundary. */
void machine_request_stop(struct machine *m);
/* The guest powered the machine off (ACPI S5 through PM1a_CNT,
 * devices/acpi_pm.h): the run ends with VX86_EXIT_OK through the normal exit
 * path (the frontend then closes and flushes the disks). */
static inline void machine_request_poweroff(struct machine *m)
{
    machine_request_stop(m);
}
void machine_set_post_code(struct machine *m, uint8_t code);
void machine_log(struct machine *m, uint32_t mask, const char *category, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The virtual clock every device schedules its timers on. */
struct vclock *machine_vclock(struct machine *m);
/* Gate address line 20 (8042 output port, port 0x92): false wraps at 1 MiB. */
void machine_set_a20(struct machine *m, bool enabled);
bool machine_a20(const struct machine *m);
/* Reset the whole machine (CPU and every registered device) at the next
 * instruction boundary: 8042 pulse, port 0x92, 0xCF9, triple fault. */
void machine_request_reset(struct machine *m);
/* Called on every machine reset, in registration order, after the CPU reset. */
void machine_register_reset(struct machine *m, void (*fn)(void *opaque), void *opaque);
/* Declare a device's state for snapshot/restore (devices/vmstate.h). */
void machine_register_state(struct machine *m, const struct vmstate *vs, void *opaque);
/* The interrupt controller that answers the CPU's INTA cycle, and the INTR
 * pin it drives. */
void machine_set_interrupt_controller(struct machine *m, int (*ack)(void *opaque), void *opaque);
void machine_set_cpu_intr(struct machine *m, bool level);
/* Send the legacy controller's INTR (machine_set_cpu_intr) to fn instead of
 * the CPU's pin: the local APIC's LINT0 (devices/lapic.h), which then drives
 * the pin itself (cpu_set_irq). NULL restores the direct wire. */
void machine_set_intr_router(struct machine *m, void (*fn)(void *opaque, bool level), void *opaque);

/* The ISA debug devices, created by machine_create(). Each registers its
 * ports on the machine's port map. */
struct debugcon;
struct debugcon *debugcon_create(struct machine *m, uint16_t port, struct chardev *cd);
void debugcon_destroy(struct debugcon *d);
struct debug_exit;
struct debug_exit *debug_exit_create(struct machine *m, uint16_t port);
void debug_exit_destroy(struct debug_exit *d);
struct post_port;
struct post_port *post_port_create(struct machine *m, uint16_t port);
void post_port_destroy(struct post_port *p);

#endif
