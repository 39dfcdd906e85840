/* The vx86 command line (options follow qemu-system-i386 where the same
 * option exists) and the frontend services main.c wires to the machine:
 * the -d log (frontend/log.c) and the instruction trace (frontend/trace.c). */
#ifndef VX86_CLI_H
#define VX86_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cpu;

#define VX86_VERSION "0.1.0"

/* -d categories beyond the CPU's CPU_LOG_* bits. */
#define FE_LOG_POST 0x100 /* print the last POST code at exit */

struct cli_options {
    const char *bios;     /* -bios FILE */
    uint64_t ram_size;    /* -m, bytes */
    const char *debugcon; /* -debugcon stdio|file:PATH|none */
    bool no_reboot;       /* -no-reboot */
    uint32_t log_mask;    /* -d LIST: CPU_LOG_* | FE_LOG_* */
    const char *log_file; /* -D FILE (NULL = stderr) */
    uint64_t max_insns;   /* -max-insns N (vx86 only; 0 = no limit) */
};

/* Result of cli_parse. */
enum cli_result { CLI_RUN, CLI_DONE, CLI_ERROR };

/* Parse argv. Help/version go to `out`, errors (naming the option) to `err`.
 * CLI_DONE: help or version printed, exit 0. CLI_ERROR: exit 1. */
enum cli_result cli_parse(int argc, char **argv, struct cli_options *o, FILE *out, FILE *err);
/* "-d" list: comma-separated category names. Returns false and names the bad
 * one in err. */
bool cli_parse_log_list(const char *list, uint32_t *mask, char *err, size_t errlen);
/* "-m" value: MiB by default, or with a K/M/G suffix (as QEMU). */
bool cli_parse_ram_size(const char *s, uint64_t *bytes, char *err, size_t errlen);
void cli_usage(FILE *out);

/* --- frontend/log.c: -d output, to stderr or the -D file --- */
struct fe_log;
struct fe_log *fe_log_open(const char *path, char *err, size_t errlen);
void fe_log_close(struct fe_log *l);
FILE *fe_log_file(struct fe_log *l);
void fe_log_vprintf(struct fe_log *l, const char *category, const char *fmt, va_list ap);
void fe_log_printf(struct fe_log *l, const char *category, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- frontend/trace.c: one line per instruction (-d cpu) --- */
struct fe_trace;
struct fe_trace *fe_trace_create(FILE *out);
void fe_trace_destroy(struct fe_trace *t);
void fe_trace_insn(struct fe_trace *t, struct cpu *cpu);
/* Format the trace line for the instruction at CS:EIP into buf (no newline).
 * Exposed for tests. */
void fe_trace_format(struct fe_trace *t, struct cpu *cpu, char *buf, size_t len);

#endif
