/* Command-line parsing. Options are spelled as in qemu-system-i386 (single
 * or double dash); an unknown option or a bad value is an error naming it. */
#include "frontend/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/chardev.h"
#include "devices/machine.h"
#include "translator/translator.h"

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
    {"disk", CPU_LOG_DISK, "IDE bus-master DMA transfers, one line per command"},
    {"post", FE_LOG_POST, "print the last POST code (port 0x80) at exit"},
};
#define N_LOG_CATEGORIES (sizeof log_categories / sizeof log_categories[0])

void cli_usage(FILE *out)
{
    fprintf(out, "usage: vx86 [options]\n"
                 "\n"
                 "machine:\n"
                 "  -bios FILE         firmware ROM image (64 KiB to 2 MiB, multiple of 64 KiB),\n"
                 "                     mapped at the top of 4 GiB (default: SeaBIOS,\n"
                 "                     /usr/share/seabios/bios-256k.bin)\n"
                 "  -bios none         no firmware: vx86 enters the -kernel itself\n"
                 "  -kernel FILE       boot a Linux bzImage (through SeaBIOS) or a multiboot\n"
                 "                     ELF kernel directly\n"
                 "  -initrd FILE       the initrd (multiboot: modules \"a args,b\")\n"
                 "  -append CMDLINE    the kernel command line\n"
                 "  -m SIZE            RAM size in MiB, or with a K/M/G suffix (default 128,\n"
                 "                     1 to 3584 MiB)\n"
                 "  -option-rom FILE   an option ROM SeaBIOS runs (fw_cfg genroms/), repeatable\n"
                 "  -boot [order=]DRIVES[,menu=on|off]  boot order: a floppy, c disk, d CD-ROM\n"
                 "  -hda/-hdb/-hdc/-hdd FILE  IDE disk image (primary master .. secondary slave)\n"
                 "  -cdrom FILE        ISO image in the IDE CD-ROM (secondary master)\n"
                 "  -fda/-fdb FILE     floppy image (720 KiB, 1.44 MB or 2.88 MB) in drive A/B\n"
                 "  -drive file=FILE[,format=F][,if=ide|floppy][,media=disk|cdrom][,index=N]\n"
                 "        [,readonly=on][,snapshot=on]  a drive, as QEMU\n"
                 "  -snapshot          discard all disk writes at exit\n"
                 "  -rtc base=utc|localtime|YYYY-MM-DDTHH:MM:SS  RTC start time\n"
                 "  -icount [shift=]N  deterministic time: each instruction takes 2^N ns of\n"
                 "                     virtual time (0..10); runs are bit-identical\n"
                 "  -no-reboot         exit on triple fault instead of resetting\n"
                 "  -accel tcg|interp[,backend=threaded|x64]  the translator (default) or the\n"
                 "                     interpreter (also $VX86_ACCEL); ,check=on checks every\n"
                 "                     block against the interpreter (exit status 6 on a difference);\n"
                 "                     ,fastmem=off keeps user-mode memory on the soft TLB\n"
                 "\n"
                 "devices and display:\n"
                 "  -serial DEV        next COM port (COM1 first, up to 4): stdio, file:PATH,\n"
                 "                     unix:PATH,server[,nowait], pty or none\n"
                 "  -debugcon DEV      debug console on ports 0xE9/0x402 (same DEV spellings;\n"
                 "                     default none, stderr with -nographic)\n"
                 "  -monitor DEV       HMP monitor: stdio or unix:PATH,server,nowait\n"
                 "  -display sdl|none  SDL2 window (default when $DISPLAY/$WAYLAND_DISPLAY is\n"
                 "                     set; Ctrl+Alt+F fullscreen, G release mouse, P pause,\n"
                 "                     End sends Ctrl+Alt+Del) or no window\n"
                 "  -nographic         -display none -serial stdio; debug console on stderr\n"
                 "\n"
                 "batch use:\n"
                 "  --expect REGEX     exit 0 as soon as the COM1 or debug console output\n"
                 "                     matches (POSIX extended regex, line by line)\n"
                 "  --fail REGEX       exit 2 as soon as the output matches\n"
                 "  --timeout SECONDS  exit 124 after this much host time\n"
                 "  --text-screen FILE at exit, write the VGA text screen to FILE\n"
                 "  --screenshot-on-exit FILE.png  at exit, write the screen as PNG\n"
                 "  --keys KEYS        type keys on the PS/2 keyboard, 20 ms apart: QEMU key\n"
                 "                     names or combos separated by blanks (\"h i ret\")\n"
                 "  --keys-after REGEX start typing when the output first matches\n"
                 "  -max-insns N       stop after N instructions (exit status 0)\n"
                 "\n"
                 "debugging:\n"
                 "  -d LIST            log categories, comma separated (-d help lists them)\n"
                 "  -D FILE            write the -d log to FILE instead of stderr\n"
                 "  -h, -help          this help\n"
                 "  -version           print the version\n"
                 "\n"
                 "exit status: 0 powered off, --expect matched, -max-insns or monitor quit;\n"
                 "  1 vx86 error; 2 --fail matched, or the guest halted for good;\n"
                 "  4 triple fault with -no-reboot; 124 --timeout; 128+N signal N;\n"
                 "  (V << 1) | 1 when the guest writes V to port 0xF4\n");
}

static void log_help(FILE *out)
{
    fprintf(out, "log categories for -d (comma separated):\n");
    for (size_t i = 0; i < N_LOG_CATEGORIES; i++)
        fprintf(out, "  %-6s %s\n", log_categories[i].name, log_categories[i].help);
}

bool cli_parse_log_list(const char *list, uint32_t *mask, char *err, size_t errlen)
{
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
        if (*p == ',')
            p++;
    }
    *mask = m;
    return true;
}

bool cli_parse_ram_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+')
        goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        goto bad;
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
        if (end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
            goto bad;
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

static bool parse_count(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return false;
    *v = strtoull(s, &end, 0);
    return !errno && !*end && *v > 0;
}

bool cli_parse_icount(const char *s, int *shift, char *err, size_t errlen)
{
    const char *v = s;
    if (!strncmp(v, "shift=", 6))
        v += 6;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!strncmp(v, "auto", 4)) {
        snprintf(err, errlen, "'shift=auto' is not deterministic; give a number (0..10)");
        return false;
    }
    /* QEMU's sub-options after the shift (align=, sleep=) are accepted and ignored. */
    if (errno || end == v || (*end && *end != ',') || n < 0 || n > 10) {
        snprintf(err, errlen, "invalid value '%s' (shift=N or N, N from 0 to 10)", s);
        return false;
    }
    *shift = (int)n;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool cli_parse_rtc(const char *s, int64_t *base, bool *localtime, char *err, size_t errlen)
{
    *base = 0;
    *localtime = false;
    const char *p = s;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 5 && !strncmp(p, "base=", 5)) {
            const char *v = p + 5;
            size_t vn = n - 5;
            if (vn == 3 && !strncmp(v, "utc", 3)) {
                *base = 0;
            } else if (vn == 9 && !strncmp(v, "localtime", 9)) {
                *localtime = true;
            } else {
                char buf[32];
                unsigned y, mo, d, h = 0, mi = 0, sec = 0;
                int used = 0, used2 = 0;
                if (vn >= sizeof buf)
                    goto bad;
                memcpy(buf, v, vn);
                buf[vn] = 0;
                if (sscanf(buf, "%4u-%2u-%2u%n", &y, &mo, &d, &used) != 3)
                    goto bad;
                if (buf[used] &&
                    (sscanf(buf + used, "T%2u:%2u:%2u%n", &h, &mi, &sec, &used2) != 3 ||
                     buf[used + used2]))
                    goto bad;
                if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
                    sec > 59)
                    goto bad;
                *base = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
                if (*base == 0)
                    *base = 1; /* 0 means "host clock" in pc_config */
            }
        } else if (!strncmp(p, "clock=", 6) || !strncmp(p, "driftfix=", 9)) {
            /* accepted for QEMU compatibility; the RTC follows the virtual clock */
        } else {
            snprintf(err, errlen, "unknown -rtc setting '%.*s' (base=...)", (int)n, p);
            return false;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return true;
bad:
    snprintf(err, errlen, "invalid -rtc base in '%s' (utc, localtime or YYYY-MM-DDTHH:MM:SS)", s);
    return false;
}

bool cli_parse_timeout(const char *s, uint64_t *ns, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e9) {
        snprintf(err, errlen, "invalid timeout '%s' (seconds, > 0)", s);
        return false;
    }
    *ns = (uint64_t)(v * 1e9);
    if (!*ns)
        *ns = 1;
    return true;
}

/* "-boot" value: "order=LETTERS,menu=on", or just LETTERS. */
static bool parse_boot(const char *s, struct cli_options *o, char *err, size_t errlen)
{
    static char order[16];
    const char *p = s;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *letters = NULL;
        size_t ln = 0;
        if (n > 6 && !strncmp(p, "order=", 6)) {
            letters = p + 6, ln = n - 6;
        } else if (n > 5 && !strncmp(p, "once=", 5)) {
            letters = p + 5, ln = n - 5;
        } else if (n == 7 && !strncmp(p, "menu=on", 7)) {
            o->boot_menu = true;
        } else if (n == 8 && !strncmp(p, "menu=off", 8)) {
            o->boot_menu = false;
        } else if (!memchr(p, '=', n)) {
            letters = p, ln = n;
        } else if (n > 7 && (!strncmp(p, "splash", 6) || !strncmp(p, "reboot-", 7) ||
                             !strncmp(p, "strict=", 7))) {
            /* accepted and ignored */
        } else {
            snprintf(err, errlen, "unknown -boot setting '%.*s'", (int)n, p);
            return false;
        }
        if (letters) {
            if (ln >= sizeof order || strspn(letters, "acdn") < ln) {
                snprintf(err, errlen, "invalid boot order '%.*s' (letters a, c, d, n)", (int)ln,
                         letters);
                return false;
            }
            memcpy(order, letters, ln);
            order[ln] = 0;
            o->boot_order = order;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return true;
}

/* Options with a value, and what to do with it. */
static bool take_value(struct cli_options *o, const char *opt, const char *val, FILE *out,
                       FILE *err, bool *done)
{
    char msg[256];
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(err, "vx86: -%s: ", opt);                                                          \
        fprintf(err, __VA_ARGS__);                                                                 \
        fputc('\n', err);                                                                          \
        return false;                                                                              \
    } while (0)
    if (!strcmp(opt, "bios")) {
        o->bios = val;
    } else if (!strcmp(opt, "kernel")) {
        o->kernel = val;
    } else if (!strcmp(opt, "initrd")) {
        o->initrd = val;
    } else if (!strcmp(opt, "append")) {
        o->append = val;
    } else if (!strcmp(opt, "m")) {
        if (!cli_parse_ram_size(val, &o->ram_size, msg, sizeof msg))
            FAIL("%s", msg);
    } else if (!strcmp(opt, "debugcon")) {
        if (!chardev_spec_valid(val, msg, sizeof msg))
            FAIL("%s", msg);
        o->debugcon = val;
    } else if (!strcmp(opt, "serial")) {
        if (o->nserial == CLI_MAX_SERIAL)
            FAIL("at most %d serial ports", CLI_MAX_SERIAL);
        if (!chardev_spec_valid(val, msg, sizeof msg))
            FAIL("%s", msg);
        o->serial[o->nserial++] = val;
    } else if (!strcmp(opt, "monitor")) {
        if (strncmp(val, "stdio", 5) && strncmp(val, "unix:", 5) && strcmp(val, "pty") &&
            strcmp(val, "none"))
            FAIL("'%s': use stdio, unix:PATH,server,nowait, pty or none", val);
        if (!chardev_spec_valid(val, msg, sizeof msg))
            FAIL("%s", msg);
        o->monitor = strcmp(val, "none") ? val : NULL;
    } else if (!strcmp(opt, "d")) {
        if (!strcmp(val, "help")) {
            log_help(out);
            *done = true;
            return true;
        }
        uint32_t mask;
        if (!cli_parse_log_list(val, &mask, msg, sizeof msg))
            FAIL("%s", msg);
        o->log_mask |= mask;
    } else if (!strcmp(opt, "D")) {
        o->log_file = val;
    } else if (!strcmp(opt, "max-insns")) {
        if (!parse_count(val, &o->max_insns))
            FAIL("invalid count '%s' (a positive integer)", val);
    } else if (!strcmp(opt, "display")) {
        size_t n = strcspn(val, ",");
        if (!(n == 3 && !strncmp(val, "sdl", 3)) && !(n == 4 && !strncmp(val, "none", 4)))
            FAIL("'%s' is not available (sdl or none)", val);
        o->display = val;
    } else if (!strcmp(opt, "accel")) {
        struct tr_accel a;
        if (!tr_accel_parse(val, &a, msg, sizeof msg))
            FAIL("%s", msg);
        o->accel = val;
    } else if (!strcmp(opt, "icount")) {
        if (!cli_parse_icount(val, &o->icount_shift, msg, sizeof msg))
            FAIL("%s", msg);
        o->deterministic = true;
    } else if (!strcmp(opt, "rtc")) {
        if (!cli_parse_rtc(val, &o->rtc_base, &o->rtc_localtime, msg, sizeof msg))
            FAIL("%s", msg);
    } else if (!strcmp(opt, "boot")) {
        if (!parse_boot(val, o, msg, sizeof msg))
            FAIL("%s", msg);
    } else if (!strcmp(opt, "option-rom")) {
        if (o->noption_roms == CLI_MAX_OPTION_ROMS)
            FAIL("at most %d option ROMs", CLI_MAX_OPTION_ROMS);
        o->option_roms[o->noption_roms++] = val;
    } else if (!strcmp(opt, "hda") || !strcmp(opt, "hdb") || !strcmp(opt, "hdc") ||
               !strcmp(opt, "hdd") || !strcmp(opt, "cdrom") || !strcmp(opt, "fda") ||
               !strcmp(opt, "fdb") || !strcmp(opt, "drive")) {
        if (!cli_drive_option(o, opt, val, msg, sizeof msg))
            FAIL("%s", msg);
    } else if (!strcmp(opt, "expect")) {
        o->expect = val;
    } else if (!strcmp(opt, "fail")) {
        o->fail = val;
    } else if (!strcmp(opt, "timeout")) {
        if (!cli_parse_timeout(val, &o->timeout_ns, msg, sizeof msg))
            FAIL("%s", msg);
    } else if (!strcmp(opt, "text-screen")) {
        o->text_screen = val;
    } else if (!strcmp(opt, "screenshot-on-exit")) {
        o->screenshot_on_exit = val;
    } else if (!strcmp(opt, "keys")) {
        o->keys = val;
    } else if (!strcmp(opt, "keys-after")) {
        o->keys_after = val;
    }
    return true;
#undef FAIL
}

/* A backend that reads stdin may be used once. */
static bool stdio_conflict(const struct cli_options *o, FILE *err)
{
    int users = !strcmp(o->monitor ? o->monitor : "", "stdio");
    for (int i = 0; i < o->nserial; i++)
        users += !strcmp(o->serial[i], "stdio");
    if (users > 1) {
        fprintf(err, "vx86: stdio can serve only one of -serial and -monitor\n");
        return true;
    }
    return false;
}

enum cli_result cli_parse(int argc, char **argv, struct cli_options *o, FILE *out, FILE *err)
{
    *o = (struct cli_options){.ram_size = MACHINE_RAM_DEFAULT};

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
        if (!strcmp(opt, "nographic")) {
            o->nographic = true;
            continue;
        }
        if (!strcmp(opt, "snapshot")) {
            o->snapshot = true;
            continue;
        }

        static const char *const with_value[] = {
            "bios",   "m",       "debugcon",    "d",    "D",         "max-insns",  "display",
            "serial", "monitor", "icount",      "rtc",  "boot",      "option-rom", "expect",
            "fail",   "timeout", "text-screen", "screenshot-on-exit", "keys", "keys-after",
            "hda",    "hdb",     "hdc",         "hdd",  "cdrom",     "fda",        "fdb",
            "drive",  "kernel",  "initrd",      "append", "accel"};
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
        bool done = false;
        if (!take_value(o, opt, argv[++i], out, err, &done))
            return CLI_ERROR;
        if (done)
            return CLI_DONE;
    }
    /* -nographic: COM1 on stdio unless -serial says otherwise; the debug
     * console goes to stderr unless -debugcon redirects it. */
    if (o->nographic && !o->nserial)
        o->serial[o->nserial++] = "stdio";
    if (!o->debugcon)
        o->debugcon = o->nographic ? "stderr" : "none";
    if ((o->initrd || o->append) && !o->kernel) {
        fprintf(err, "vx86: -%s needs -kernel\n", o->initrd ? "initrd" : "append");
        return CLI_ERROR;
    }
    if (o->keys_after && !o->keys) {
        fprintf(err, "vx86: --keys-after needs --keys\n");
        return CLI_ERROR;
    }
    if (stdio_conflict(o, err))
        return CLI_ERROR;
    cli_drive_finish(o);
    return CLI_RUN;
}

/* --- drives: -hda..-hdd, -cdrom, -fda/-fdb, -drive, -snapshot (QEMU spelling) --- */

/* Copy s into the options' string pool (argv stays valid, but a -drive value
 * is cut into pieces and ",," unescaped). NULL when the pool is full. */
static const char *pool_copy(struct cli_options *o, const char *s, size_t n)
{
    if (o->drive_pool_used + n + 1 > sizeof o->drive_pool)
        return NULL;
    char *d = o->drive_pool + o->drive_pool_used;
    memcpy(d, s, n);
    d[n] = 0;
    o->drive_pool_used += n + 1;
    return d;
}

static bool index_used(const struct cli_options *o, int interface, int index)
{
    for (int i = 0; i < o->ndrives; i++)
        if (o->drives[i].interface == interface && o->drives[i].index == index)
            return true;
    return false;
}

static bool add_drive(struct cli_options *o, struct pc_drive d, char *err, size_t errlen)
{
    int max = d.interface == PC_IF_IDE ? 4 : 2;
    if (d.index < 0) { /* the first free index, as QEMU */
        for (d.index = 0; d.index < max && index_used(o, d.interface, d.index); d.index++)
            ;
        if (d.index == max) {
            snprintf(err, errlen, "no free %s drive index",
                     d.interface == PC_IF_IDE ? "IDE" : "floppy");
            return false;
        }
    }
    if (d.index >= max) {
        snprintf(err, errlen, "drive index %d out of range (0-%d for if=%s)", d.index, max - 1,
                 d.interface == PC_IF_IDE ? "ide" : "floppy");
        return false;
    }
    if (index_used(o, d.interface, d.index)) {
        snprintf(err, errlen, "drive index %d of if=%s is already used", d.index,
                 d.interface == PC_IF_IDE ? "ide" : "floppy");
        return false;
    }
    if (o->ndrives == PC_MAX_DRIVES) {
        snprintf(err, errlen, "at most %d drives", PC_MAX_DRIVES);
        return false;
    }
    if (d.media == PC_MEDIA_CDROM)
        d.readonly = true;
    o->drives[o->ndrives++] = d;
    return true;
}

/* on/off (also yes/no, true/false) for -drive flags. */
static bool parse_flag(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
        return true;
    }
    return false;
}

/* -drive key=value,...: ",," in a value is a literal comma (QEMU). */
static bool parse_drive(struct cli_options *o, const char *s, char *err, size_t errlen)
{
    struct pc_drive d = {.interface = PC_IF_IDE, .media = PC_MEDIA_DISK, .index = -1};
    const char *p = s;
    while (*p) {
        char item[1024];
        size_t n = 0;
        while (*p && !(*p == ',' && p[1] != ',')) {
            if (*p == ',') /* ",," */
                p++;
            if (n + 1 < sizeof item)
                item[n++] = *p;
            p++;
        }
        item[n] = 0;
        if (*p == ',')
            p++;
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errlen, "'%s': expected key=value", item);
            return false;
        }
        *eq = 0;
        const char *key = item, *val = eq + 1;
        if (!strcmp(key, "file")) {
            if (!(d.file = pool_copy(o, val, strlen(val))))
                goto full;
        } else if (!strcmp(key, "format")) {
            if (!(d.format = pool_copy(o, val, strlen(val))))
                goto full;
        } else if (!strcmp(key, "if")) {
            if (!strcmp(val, "ide"))
                d.interface = PC_IF_IDE;
            else if (!strcmp(val, "floppy"))
                d.interface = PC_IF_FLOPPY;
            else {
                snprintf(err, errlen, "if=%s is not available (ide or floppy)", val);
                return false;
            }
        } else if (!strcmp(key, "media")) {
            if (!strcmp(val, "disk"))
                d.media = PC_MEDIA_DISK;
            else if (!strcmp(val, "cdrom"))
                d.media = PC_MEDIA_CDROM;
            else {
                snprintf(err, errlen, "media=%s: use disk or cdrom", val);
                return false;
            }
        } else if (!strcmp(key, "index")) {
            char *end;
            long v = strtol(val, &end, 10);
            if (!*val || *end || v < 0 || v > 255) {
                snprintf(err, errlen, "index=%s: not a drive index", val);
                return false;
            }
            d.index = (int)v;
        } else if (!strcmp(key, "readonly") || !strcmp(key, "snapshot")) {
            bool f;
            if (!parse_flag(val, &f)) {
                snprintf(err, errlen, "%s=%s: use on or off", key, val);
                return false;
            }
            if (key[0] == 'r')
                d.readonly = f;
            else
                d.snapshot = f;
        } else if (!strcmp(key, "cache") || !strcmp(key, "aio") || !strcmp(key, "id") ||
                   !strcmp(key, "discard")) {
            /* accepted and ignored */
        } else {
            snprintf(err, errlen, "unknown -drive setting '%s'", key);
            return false;
        }
    }
    if (d.file && !d.file[0])
        d.file = NULL; /* file= (empty): a CD-ROM drive with no disc */
    if (!d.file && d.media != PC_MEDIA_CDROM) {
        snprintf(err, errlen, "a disk needs file=");
        return false;
    }
    if (d.interface == PC_IF_FLOPPY && d.media == PC_MEDIA_CDROM) {
        snprintf(err, errlen, "media=cdrom needs if=ide");
        return false;
    }
    return add_drive(o, d, err, errlen);
full:
    snprintf(err, errlen, "too many characters in -drive values");
    return false;
}

bool cli_drive_option(struct cli_options *o, const char *opt, const char *val, char *err,
                      size_t errlen)
{
    if (!strcmp(opt, "drive"))
        return parse_drive(o, val, err, errlen);
    struct pc_drive d = {.file = val, .interface = PC_IF_IDE, .media = PC_MEDIA_DISK};
    if (!strncmp(opt, "hd", 2) && opt[2] >= 'a' && opt[2] <= 'd' && !opt[3]) {
        d.index = opt[2] - 'a';
    } else if (!strcmp(opt, "cdrom")) {
        d.media = PC_MEDIA_CDROM, d.index = 2; /* secondary master, as QEMU */
    } else if (!strncmp(opt, "fd", 2) && (opt[2] == 'a' || opt[2] == 'b') && !opt[3]) {
        d.interface = PC_IF_FLOPPY, d.index = opt[2] - 'a';
    } else {
        snprintf(err, errlen, "not a drive option");
        return false;
    }
    if (!*val) {
        snprintf(err, errlen, "empty file name");
        return false;
    }
    return add_drive(o, d, err, errlen);
}

void cli_drive_finish(struct cli_options *o)
{
    for (int i = 0; i < o->ndrives; i++)
        if (o->snapshot)
            o->drives[i].snapshot = true;
}
