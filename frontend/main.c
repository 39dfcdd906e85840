/* vx86 entry point: parse the command line, load the firmware, build the
 * machine, run it, and turn how it stopped into the process exit status. */
#include <stdlib.h>

#include "bios/rom.h"
#include "cpu/cpu.h"
#include "devices/chardev.h"
#include "devices/machine.h"
#include "frontend/cli.h"

/* What the machine's hooks see as their opaque pointer. */
struct frontend {
    struct fe_log *log;
    struct fe_trace *trace;
};

static void fe_trace_hook(void *opaque, struct cpu *cpu) {
    struct frontend *fe = opaque;
    fe_trace_insn(fe->trace, cpu);
}

static void fe_log_hook(void *opaque, const char *category, const char *fmt, va_list ap) {
    struct frontend *fe = opaque;
    fe_log_vprintf(fe->log, category, fmt, ap);
}

int main(int argc, char **argv) {
    struct cli_options opt;
    switch (cli_parse(argc, argv, &opt, stdout, stderr)) {
    case CLI_DONE: return 0;
    case CLI_ERROR: return VX86_EXIT_USAGE;
    case CLI_RUN: break;
    }

    char err[512];
    uint8_t *rom;
    size_t rom_size;
    if (rom_load_file(opt.bios, &rom, &rom_size, err, sizeof err) < 0) {
        fprintf(stderr, "vx86: -bios: %s\n", err);
        return VX86_EXIT_USAGE;
    }
    struct chardev *debugcon = chardev_open(opt.debugcon, err, sizeof err);
    if (!debugcon) {
        fprintf(stderr, "vx86: -debugcon: %s\n", err);
        free(rom);
        return VX86_EXIT_USAGE;
    }
    struct frontend fe = {0};
    fe.log = fe_log_open(opt.log_file, err, sizeof err);
    if (!fe.log) {
        fprintf(stderr, "vx86: -D: %s\n", err);
        chardev_close(debugcon);
        free(rom);
        return VX86_EXIT_USAGE;
    }
    bool trace = opt.log_mask & CPU_LOG_CPU;
    if (trace) fe.trace = fe_trace_create(fe_log_file(fe.log));

    struct machine_config cfg = {
        .ram_size = opt.ram_size,
        .bios = rom,
        .bios_size = rom_size,
        .debugcon = debugcon,
        .no_reboot = opt.no_reboot,
        .max_insns = opt.max_insns,
        .log_mask = opt.log_mask,
        .trace = trace && fe.trace,
        .hook_opaque = &fe,
        .trace_fn = fe_trace_hook,
        .log_fn = fe_log_hook,
    };
    struct machine *m = machine_create(&cfg, err, sizeof err);
    free(rom);
    if (!m) {
        fprintf(stderr, "vx86: %s\n", err);
        fe_trace_destroy(fe.trace);
        fe_log_close(fe.log);
        chardev_close(debugcon);
        return VX86_EXIT_USAGE;
    }

    int status = machine_run(m);

    if (opt.log_mask & FE_LOG_POST) {
        int code = machine_post_code(m);
        if (code < 0)
            fe_log_printf(fe.log, "post", "POST code: none\n");
        else
            fe_log_printf(fe.log, "post", "POST code: 0x%02X\n", code);
    }
    machine_destroy(m);
    fe_trace_destroy(fe.trace);
    fe_log_close(fe.log);
    chardev_close(debugcon);
    return status;
}
