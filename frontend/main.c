/* vx86 entry point: parse the command line, open the character backends,
 * build the PC, run it (batch patterns, monitor, signals), and turn how it
 * stopped into the process exit status. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "devices/acpi_pm.h"
#include "devices/chardev.h"
#include "devices/i8042.h"
#include "devices/machine.h"
#include "devices/pc.h"
#include "frontend/cli.h"
#include "frontend/display.h"

/* What the machine's hooks see as their opaque pointer. */
struct frontend {
    struct fe_log *log;
    struct fe_trace *trace;
    struct fe_batch *batch;
    struct fe_keys *keys;
    struct fe_display *display; /* the SDL window, NULL with -display none */
    struct machine *m;
};

static void fe_trace_hook(void *opaque, struct cpu *cpu)
{
    struct frontend *fe = opaque;
    fe_trace_insn(fe->trace, cpu);
}

static void fe_log_hook(void *opaque, const char *category, const char *fmt, va_list ap)
{
    struct frontend *fe = opaque;
    fe_log_vprintf(fe->log, category, fmt, ap);
}

static void fe_poll_hook(void *opaque)
{
    struct frontend *fe = opaque;
    if (fe->batch && fe->m)
        fe_batch_poll(fe->batch, fe->m);
    if (fe->display)
        fe_display_poll(fe->display);
}

/* --- signals: SIGINT/SIGTERM/SIGHUP end the run through a self-pipe, so the
 * normal exit path flushes the backends and restores the terminal. --- */
static int signal_pipe[2] = {-1, -1};

/* The window's close button: the ACPI power button (the display falls back
 * to quitting if the guest does not power off). */
static void press_power_button(void *opaque)
{
    acpi_pm_press_power_button(opaque);
}

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t r = write(signal_pipe[1], &b, 1); /* full: a signal is queued already */
    (void)r;
    errno = saved;
}

/* A crash must not leave the terminal raw: restore it, then die as before. */
static void on_fatal(int sig)
{
    chardev_restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void signal_ready(void *opaque)
{
    struct frontend *fe = opaque;
    unsigned char b;
    if (read(signal_pipe[0], &b, 1) == 1) {
        fprintf(stderr, "vx86: terminating on signal %d\n", b);
        machine_stop(fe->m, VX86_EXIT_SIGNAL + b);
    }
}

static void install_signals(void)
{
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed pipe or socket just drops output */
    struct sigaction fa = {.sa_handler = on_fatal, .sa_flags = SA_RESETHAND};
    sigemptyset(&fa.sa_mask);
    sigaction(SIGSEGV, &fa, NULL);
    sigaction(SIGBUS, &fa, NULL);
    sigaction(SIGABRT, &fa, NULL);
    sigaction(SIGFPE, &fa, NULL);
}

/* Every chardev main opened, closed (and flushed) at exit. */
struct backends {
    struct chardev *debugcon, *serial[CLI_MAX_SERIAL], *monitor;
};

static void close_backends(struct backends *b)
{
    chardev_close(b->debugcon);
    for (int i = 0; i < CLI_MAX_SERIAL; i++)
        chardev_close(b->serial[i]);
    chardev_close(b->monitor);
}

static bool open_backends(const struct cli_options *opt, struct backends *b)
{
    char err[512];
    *b = (struct backends){0};
    if (!(b->debugcon = chardev_open(opt->debugcon, err, sizeof err))) {
        fprintf(stderr, "vx86: -debugcon: %s\n", err);
        return false;
    }
    for (int i = 0; i < opt->nserial; i++) {
        if (!(b->serial[i] = chardev_open(opt->serial[i], err, sizeof err))) {
            fprintf(stderr, "vx86: -serial %s: %s\n", opt->serial[i], err);
            return false;
        }
    }
    if (opt->monitor && !(b->monitor = chardev_open(opt->monitor, err, sizeof err))) {
        fprintf(stderr, "vx86: -monitor: %s\n", err);
        return false;
    }
    return true;
}

/* -accel, else $VX86_ACCEL (every CPU reads it when created), else the
 * translator: tcg is the default since it passes everything the
 * interpreter passes (README "-accel"). */
static const char *accel_choice(const char *given)
{
    const char *env = getenv("VX86_ACCEL");
    if (given)
        return given;
    return env && *env ? NULL : "tcg";
}

int main(int argc, char **argv)
{
    struct cli_options opt;
    switch (cli_parse(argc, argv, &opt, stdout, stderr)) {
    case CLI_DONE: return 0;
    case CLI_ERROR: return VX86_EXIT_USAGE;
    case CLI_RUN: break;
    }

    char err[512];
    struct frontend fe = {0};
    struct backends be;
    int status = VX86_EXIT_USAGE;
    struct pc *pc = NULL;
    struct fe_monitor *mon = NULL;
    if (!open_backends(&opt, &be))
        goto out;
    fe.log = fe_log_open(opt.log_file, err, sizeof err);
    if (!fe.log) {
        fprintf(stderr, "vx86: -D: %s\n", err);
        goto out;
    }
    bool trace = opt.log_mask & CPU_LOG_CPU;
    if (trace)
        fe.trace = fe_trace_create(fe_log_file(fe.log));

    /* Batch patterns watch COM1 and the debug console through taps. */
    struct chardev *debugcon = be.debugcon, *com1 = be.serial[0];
    if (opt.expect || opt.fail || opt.keys_after) {
        fe.batch = fe_batch_create(opt.expect, opt.fail, err, sizeof err);
        if (!fe.batch) {
            fprintf(stderr, "vx86: %s\n", err);
            goto out;
        }
        debugcon = fe_batch_tap(fe.batch, FE_STREAM_DEBUGCON, be.debugcon);
        com1 = fe_batch_tap(fe.batch, FE_STREAM_SERIAL, be.serial[0]);
    }

    struct pc_config cfg = {
        .machine =
            {
                .ram_size = opt.ram_size,
                .debugcon = debugcon,
                .no_reboot = opt.no_reboot,
                .reset_exits = opt.no_reboot,
                .max_insns = opt.max_insns,
                .log_mask = opt.log_mask,
                .deterministic = opt.deterministic,
                .icount_shift = opt.icount_shift,
                .accel = accel_choice(opt.accel),
                .trace = trace && fe.trace,
                .timeout_ns = opt.timeout_ns,
                .keep_halted = opt.monitor != NULL,
                .hook_opaque = &fe,
                .trace_fn = fe_trace_hook,
                .log_fn = fe_log_hook,
                .poll_fn = fe_poll_hook,
            },
        .bios_path = opt.bios,
        .kernel = opt.kernel,
        .initrd = opt.initrd,
        .append = opt.append,
        .boot_order = opt.boot_order,
        .boot_menu = opt.boot_menu,
        .rtc_base = opt.rtc_base,
        .rtc_localtime = opt.rtc_localtime,
    };
    cfg.serial[0] = com1;
    for (int i = 1; i < opt.nserial; i++)
        cfg.serial[i] = be.serial[i];
    for (int i = 0; i < opt.noption_roms && i < PC_MAX_OPTION_ROMS; i++)
        cfg.option_roms[i] = opt.option_roms[i];
    for (int i = 0; i < opt.ndrives; i++)
        cfg.drives[i] = opt.drives[i];
    cfg.ndrives = opt.ndrives;

    pc = pc_create(&cfg, err, sizeof err);
    if (!pc) {
        fprintf(stderr, "vx86: %s\n", err);
        goto out;
    }
    fe.m = pc_machine(pc);
    if (be.monitor) {
        mon = fe_monitor_create(fe.m, pc, be.monitor);
        if (!mon) {
            fprintf(stderr, "vx86: out of memory creating the monitor\n");
            goto out;
        }
    }
    if (opt.keys) {
        struct i8042 *kbc = pc_keyboard(pc);
        if (!kbc) {
            fprintf(stderr, "vx86: --keys: this machine has no keyboard\n");
            goto out;
        }
        fe.keys = fe_keys_create(fe.m, i8042_kbd(kbc), opt.keys, err, sizeof err);
        if (!fe.keys ||
            (opt.keys_after && !fe_batch_set_trigger(fe.batch, opt.keys_after, fe_keys_start,
                                                     fe.keys, err, sizeof err))) {
            fprintf(stderr, "vx86: %s\n", err);
            goto out;
        }
        if (!opt.keys_after)
            fe_keys_start(fe.keys);
    }
    /* Host input: the monitor first (it sets cooked mode), then the UARTs. */
    machine_watch_chardev(fe.m, be.monitor);
    for (int i = 0; i < opt.nserial; i++)
        machine_watch_chardev(fe.m, i == 0 ? com1 : be.serial[i]);
    /* The display: SDL by default when there is one to show it on. */
    enum fe_display_kind dk = FE_DISPLAY_DEFAULT;
    if (opt.nographic)
        dk = FE_DISPLAY_NONE;
    else if (opt.display)
        fe_display_parse(opt.display, &dk);
    bool asked = dk != FE_DISPLAY_DEFAULT;
    if (dk == FE_DISPLAY_DEFAULT) {
        dk = fe_display_default();
        if (dk == FE_DISPLAY_NONE && isatty(STDERR_FILENO))
            fprintf(stderr, "vx86: no $DISPLAY or $WAYLAND_DISPLAY: running with -display none\n");
    }
    if (dk == FE_DISPLAY_SDL) {
        fe.display = fe_display_sdl_create(pc, "vx86", err, sizeof err);
        if (!fe.display && asked) {
            fprintf(stderr, "vx86: %s\n", err);
            goto out;
        }
        if (!fe.display) /* the default display could not be opened: go on without */
            fprintf(stderr, "vx86: %s; running with -display none\n", err);
        else if (pc_acpi_pm(pc)) /* closing the window asks an ACPI guest to power off */
            fe_display_set_power_button(fe.display, press_power_button, pc_acpi_pm(pc));
    }
    install_signals();
    if (signal_pipe[0] >= 0)
        machine_watch_fd(fe.m, signal_pipe[0], signal_ready, &fe);

    status = pc_run(pc);

    if (opt.text_screen && fe_write_text_screen(pc, opt.text_screen, err, sizeof err) < 0)
        fprintf(stderr, "vx86: --text-screen: %s\n", err);
    if (opt.screenshot_on_exit && fe_screendump(pc, opt.screenshot_on_exit, err, sizeof err) < 0)
        fprintf(stderr, "vx86: --screenshot-on-exit: %s\n", err);
    if (opt.log_mask & FE_LOG_POST) {
        int code = machine_post_code(fe.m);
        if (code < 0)
            fe_log_printf(fe.log, "post", "POST code: none\n");
        else
            fe_log_printf(fe.log, "post", "POST code: 0x%02X\n", code);
    }
out:
    fe_monitor_destroy(mon);
    fe_keys_destroy(fe.keys); /* its timer lives on the machine's clock */
    if (pc)
        pc_destroy(pc);
    fe_display_destroy(fe.display); /* after the machine that watched its timer */
    fe_batch_destroy(fe.batch); /* closes the taps, not what they wrap */
    fe_trace_destroy(fe.trace);
    fe_log_close(fe.log);
    close_backends(&be);
    return status;
}
