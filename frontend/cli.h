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

#include "devices/pc.h"

struct cpu;

#define VX86_VERSION "0.1.0"

/* -d categories beyond the CPU's CPU_LOG_* bits. */
#define FE_LOG_POST 0x100 /* print the last POST code at exit */

#define CLI_MAX_SERIAL      4 /* COM1-COM4 */
#define CLI_MAX_OPTION_ROMS 8 /* -option-rom */

struct cli_options {
    const char *bios;                   /* -bios FILE (NULL = the board's default firmware) */
    const char *kernel;                 /* -kernel FILE: bzImage or multiboot ELF */
    const char *initrd;                 /* -initrd FILE (multiboot: modules "a,b") */
    const char *append;                 /* -append CMDLINE */
    uint64_t ram_size;                  /* -m, bytes */
    const char *debugcon;               /* -debugcon stdio|file:PATH|none; NULL = default (none, or
                             stderr with -nographic) */
    bool no_reboot;                     /* -no-reboot */
    uint32_t log_mask;                  /* -d LIST: CPU_LOG_* | FE_LOG_* */
    const char *log_file;               /* -D FILE (NULL = stderr) */
    uint64_t max_insns;                 /* -max-insns N (vx86 only; 0 = no limit) */
    bool nographic;                     /* -nographic */
    const char *serial[CLI_MAX_SERIAL]; /* -serial DEV, COM1 first */
    int nserial;
    const char *monitor;    /* -monitor DEV; NULL = none */
    const char *accel;      /* -accel interp|tcg[,...] (NULL: $VX86_ACCEL, else interp) */
    bool deterministic;     /* -icount given */
    int icount_shift;       /* -icount shift=N: 2^N ns per instruction */
    int64_t rtc_base;       /* -rtc base=: seconds since the epoch (UTC); 0 = host clock */
    bool rtc_localtime;     /* -rtc base=localtime */
    const char *boot_order; /* -boot order=LETTERS (or -boot LETTERS) */
    bool boot_menu;         /* -boot menu=on */
    const char *option_roms[CLI_MAX_OPTION_ROMS]; /* -option-rom FILE */
    int noption_roms;
    struct pc_drive drives[PC_MAX_DRIVES]; /* -hda..-hdd, -cdrom, -fda/-fdb, -drive */
    int ndrives;
    bool snapshot;           /* -snapshot: every drive discards its writes */
    char drive_pool[4096];   /* -drive strings (file=, format=) */
    size_t drive_pool_used;
    /* batch use */
    const char *expect;      /* --expect REGEX */
    const char *fail;        /* --fail REGEX */
    uint64_t timeout_ns;     /* --timeout SECONDS (host wall time); 0 = none */
    const char *text_screen; /* --text-screen FILE */
    const char *display;     /* -display sdl|none (NULL = default: sdl when $DISPLAY or
                                $WAYLAND_DISPLAY is set, else none) */
    const char *screenshot_on_exit; /* --screenshot-on-exit FILE.png */
    const char *keys;        /* --keys KEYS: typed on the keyboard */
    const char *keys_after;  /* --keys-after REGEX: ... once the output matches */
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
/* "-icount" value: "shift=N[,...]" or "N" (0 <= N <= 10). */
bool cli_parse_icount(const char *s, int *shift, char *err, size_t errlen);
/* "-rtc" value: "base=utc|localtime|YYYY-MM-DD[THH:MM:SS]" (the date is UTC;
 * ",clock=..." and ",driftfix=..." are accepted and ignored). */
bool cli_parse_rtc(const char *s, int64_t *base, bool *localtime, char *err, size_t errlen);
/* "--timeout" value: seconds, fractions allowed, > 0. */
bool cli_parse_timeout(const char *s, uint64_t *ns, char *err, size_t errlen);
void cli_usage(FILE *out);
/* A drive option (opt without dashes: "hda".."hdd",
 * "cdrom", "fda", "fdb", "drive") with its value, added to o->drives. */
bool cli_drive_option(struct cli_options *o, const char *opt, const char *val, char *err,
                      size_t errlen);
/* After parsing: -snapshot applies to every drive. */
void cli_drive_finish(struct cli_options *o);

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

/* --- frontend/batch.c: --expect / --fail on the COM1 and debug console output --- */
struct machine;
struct chardev;
struct fe_batch;
enum fe_stream { FE_STREAM_SERIAL, FE_STREAM_DEBUGCON, FE_STREAM_COUNT };
/* Compile the patterns (POSIX extended, matched line by line: REG_NEWLINE).
 * Either may be NULL. NULL with a message in err for a bad pattern. */
struct fe_batch *fe_batch_create(const char *expect, const char *fail, char *err, size_t errlen);
void fe_batch_destroy(struct fe_batch *b);
/* A chardev that forwards to `inner` and feeds `stream` to the matcher. */
struct chardev *fe_batch_tap(struct fe_batch *b, enum fe_stream stream, struct chardev *inner);
/* Call fn once, the first time the output matches regex (--keys-after). */
bool fe_batch_set_trigger(struct fe_batch *b, const char *regex, void (*fn)(void *opaque),
                          void *opaque, char *err, size_t errlen);
/* Feed output directly (tests) and match: returns the exit status the
 * patterns ask for (VX86_EXIT_FAIL / VX86_EXIT_OK) or -1 for no match yet. */
void fe_batch_feed(struct fe_batch *b, enum fe_stream stream, const uint8_t *buf, size_t len);
int fe_batch_check(struct fe_batch *b);
/* Stop `m` when a pattern matches (call from machine_config.poll_fn). */
void fe_batch_poll(struct fe_batch *b, struct machine *m);

/* --- frontend/keys.c: --keys, typed on the PS/2 keyboard --- */
struct fe_keys;
struct ps2_kbd;
#define FE_KEY_INTERVAL_NS 20000000ull /* 20 ms of virtual time between keys */
/* KEYS: QEMU key names or combos separated by blanks ("h i ret",
 * "ctrl-alt-delete"). NULL with a message in err for an unknown name. */
struct fe_keys *fe_keys_create(struct machine *m, struct ps2_kbd *kbd, const char *keys, char *err,
                               size_t errlen);
void fe_keys_destroy(struct fe_keys *k);
/* Start typing: one key every FE_KEY_INTERVAL_NS, the first at once. */
void fe_keys_start(void *k);
/* Keys typed so far. */
int fe_keys_typed(const struct fe_keys *k);

/* --- frontend/monitor.c: the HMP-style monitor --- */
struct fe_monitor;
struct pc;
/* Attach a monitor to `cd` (input must be polled: machine_watch_chardev).
 * `pc` may be NULL on a bare machine (no keyboard, no VGA). */
struct fe_monitor *fe_monitor_create(struct machine *m, struct pc *pc, struct chardev *cd);
void fe_monitor_destroy(struct fe_monitor *mon);
/* Run one command line (tests); output goes to the monitor's chardev. */
void fe_monitor_command(struct fe_monitor *mon, const char *line);

/* The VGA text screen to a file (--text-screen, screendump-text): returns 0,
 * or -1 with a message in err. An empty file when there is no text screen. */
int fe_write_text_screen(struct pc *pc, const char *path, char *err, size_t errlen);

#endif
