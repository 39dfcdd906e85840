/* Command-line parsing. Options are spelled as in qemu-system-i386 (single
 * or double dash); an unknown option or a bad value is an error naming it. */
#include "frontend/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"

static const struct {
    const char *name;
    uint32_t mask;
    const char *help;
} log_categories[] = {
    {"unimp", CPU_LOG_UNIMP, "unimplemented instructions and features"},
    {"int", CPU_LOG_INT, "interrupts and exceptions"},
    {"pf", CPU_LOG_PF, "page faults"},
    {"io", CPU_LOG_IO, "port I/O"},
    {"cpu", CPU_LOG_CPU, "instruction trace with registers (Capstone disassembly)"},
    {"post", FE_LOG_POST, "print the last POST code (port 0x80) at exit"},
};
#define N_LOG_CATEGORIES (sizeof log_categories / sizeof log_categories[0])

void cli_usage(FILE *out) {
    fprintf(out, "usage: vx86 -bios FILE [options]\n"
                 "\n"
                 "  -bios FILE         firmware ROM image (64 KiB to 2 MiB, multiple of 64 KiB),\n"
                 "                     mapped at the top of 4 GiB; its last 128 KiB at 0xE0000\n"
                 "  -m SIZE            RAM size in MiB, or with a K/M/G suffix (default 128,\n"
                 "                     1 to 3584 MiB)\n"
                 "  -debugcon DEV      debug console on ports 0xE9/0x402: stdio, file:PATH\n"
                 "                     or none (default none)\n"
                 "  -no-reboot         exit on triple fault instead of resetting the CPU\n"
                 "  -d LIST            log categories, comma separated (-d help lists them)\n"
                 "  -D FILE            write the -d log to FILE instead of stderr\n"
                 "  -max-insns N       stop after N instructions (vx86 only; exit status 0)\n"
                 "  -display none, -nographic\n"
                 "                     accepted for compatibility (this machine has no display)\n"
                 "  -h, -help          this help\n"
                 "  -version           print the version\n"
                 "\n"
                 "exit status: (V << 1) | 1 when the guest writes V to port 0xF4;\n"
                 "  0 instruction limit reached; 1 bad command line or ROM;\n"
                 "  2 guest halted with nothing able to wake it; 4 triple fault with -no-reboot\n");
}

static void log_help(FILE *out) {
    fprintf(out, "log categories for -d (comma separated):\n");
    for (size_t i = 0; i < N_LOG_CATEGORIES; i++)
        fprintf(out, "  %-6s %s\n", log_categories[i].name, log_categories[i].help);
}

bool cli_parse_log_list(const char *list, uint32_t *mask, char *err, size_t errlen) {
    uint32_t m = 0;
    const char *p = list;
    if (!*p) {
        snprintf(err, errlen, "empty log category list");
        return false;
    }
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t i;
        for (i = 0; i < N_LOG_CATEGORIES; i++)
            if (strlen(log_categories[i].name) == n && !strncmp(p, log_categories[i].name, n))
                break;
        if (i == N_LOG_CATEGORIES) {
            snprintf(err, errlen, "unknown log category '%.*s' (-d help lists them)", (int)n, p);
            return false;
        }
        m |= log_categories[i].mask;
        p += n;
        if (*p == ',') p++;
    }
    *mask = m;
    return true;
}

bool cli_parse_ram_size(const char *s, uint64_t *bytes, char *err, size_t errlen) {
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+') goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) goto bad;
    uint64_t unit = 1ull << 20;
    if (*end) {
        switch (*end) {
        case 'k':
        case 'K': unit = 1ull << 10; break;
        case 'm':
        case 'M': unit = 1ull << 20; break;
        case 'g':
        case 'G': unit = 1ull << 30; break;
        default: goto bad;
        }
        if (end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB")) goto bad;
    }
    if (v > (MACHINE_RAM_MAX / unit) || v * unit < MACHINE_RAM_MIN) {
        snprintf(err, errlen, "RAM size '%s' out of range (1 to %llu MiB)", s,
                 (unsigned long long)(MACHINE_RAM_MAX >> 20));
        return false;
    }
    if ((v * unit) & 0xfff) {
        snprintf(err, errlen, "RAM size '%s' is not a whole number of 4 KiB pages", s);
        return false;
    }
    *bytes = v * unit;
    return true;
bad:
    snprintf(err, errlen, "invalid RAM size '%s' (a number of MiB, or with K/M/G suffix)", s);
    return false;
}

static bool parse_count(const char *s, uint64_t *v) {
    char *end;
    errno = 0;
    if (!*s || *s == '-') return false;
    *v = strtoull(s, &end, 0);
    return !errno && !*end && *v > 0;
}

enum cli_result cli_parse(int argc, char **argv, struct cli_options *o, FILE *out, FILE *err) {
    char msg[256];
    *o = (struct cli_options){.ram_size = MACHINE_RAM_DEFAULT, .debugcon = "none"};

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *opt = arg;
        if (opt[0] != '-' || !opt[1]) {
            fprintf(err, "vx86: unexpected argument '%s' (see -help)\n", arg);
            return CLI_ERROR;
        }
        opt += (opt[1] == '-') ? 2 : 1; /* -opt and --opt are the same */

        if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
            cli_usage(out);
            return CLI_DONE;
        }
        if (!strcmp(opt, "version")) {
            fprintf(out, "vx86 version %s (i686 interpreter)\n", VX86_VERSION);
            return CLI_DONE;
        }
        if (!strcmp(opt, "no-reboot")) {
            o->no_reboot = true;
            continue;
        }
        if (!strcmp(opt, "nographic")) continue;

        /* Options with a value. */
        static const char *const with_value[] = {"bios", "m",         "debugcon", "d",
                                                 "D",    "max-insns", "display"};
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= !strcmp(opt, with_value[k]);
        if (!known) {
            fprintf(err, "vx86: unknown option '%s' (see -help)\n", arg);
            return CLI_ERROR;
        }
        if (i + 1 >= argc) {
            fprintf(err, "vx86: option '%s' needs a value\n", arg);
            return CLI_ERROR;
        }
        const char *val = argv[++i];

        if (!strcmp(opt, "bios")) {
            o->bios = val;
        } else if (!strcmp(opt, "m")) {
            if (!cli_parse_ram_size(val, &o->ram_size, msg, sizeof msg)) {
                fprintf(err, "vx86: -m: %s\n", msg);
                return CLI_ERROR;
            }
        } else if (!strcmp(opt, "debugcon")) {
            if (strcmp(val, "stdio") && strcmp(val, "none") && strcmp(val, "null") &&
                (strncmp(val, "file:", 5) || !val[5])) {
                fprintf(err, "vx86: -debugcon: invalid backend '%s' (stdio, file:PATH or none)\n",
                        val);
                return CLI_ERROR;
            }
            o->debugcon = val;
        } else if (!strcmp(opt, "d")) {
            if (!strcmp(val, "help")) {
                log_help(out);
                return CLI_DONE;
            }
            uint32_t mask;
            if (!cli_parse_log_list(val, &mask, msg, sizeof msg)) {
                fprintf(err, "vx86: -d: %s\n", msg);
                return CLI_ERROR;
            }
            o->log_mask |= mask;
        } else if (!strcmp(opt, "D")) {
            o->log_file = val;
        } else if (!strcmp(opt, "max-insns")) {
            if (!parse_count(val, &o->max_insns)) {
                fprintf(err, "vx86: -max-insns: invalid count '%s' (a positive integer)\n", val);
                return CLI_ERROR;
            }
        } else if (!strcmp(opt, "display")) {
            if (strcmp(val, "none")) {
                fprintf(err, "vx86: -display: '%s' is not available (only 'none')\n", val);
                return CLI_ERROR;
            }
        }
    }
    if (!o->bios) {
        fprintf(err, "vx86: no firmware given: use -bios FILE (see -help)\n");
        return CLI_ERROR;
    }
    return CLI_RUN;
}
