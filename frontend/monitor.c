/* The monitor: QEMU's HMP commands (info status/registers, x, xp, stop,
 * cont, system_reset, system_powerdown, sendkey, quit, help) plus
 * screendump-text, read line by line from a chardev (stdio or a unix
 * socket) and answered on it. */
#include <capstone/capstone.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "devices/acpi_pm.h"
#include "devices/chardev.h"
#include "devices/i8042.h"
#include "devices/machine.h"
#include "devices/pc.h"
#include "devices/ps2.h"
#include "devices/vga.h"
#include "frontend/cli.h"
#include "frontend/display.h"
#include "mmu/memmap.h"

#define MON_LINE   1024
#define MON_PROMPT "(qemu) " /* QEMU's, so that scripts written for it work */

struct fe_monitor {
    struct machine *m;
    struct pc *pc;
    struct chardev *cd;
    char line[MON_LINE];
    size_t len;
    bool overflow;
    /* x/xp remember the last format, as QEMU's do */
    char last_format;
    int last_size;
    csh cs16, cs32;
    bool cs_ok16, cs_ok32;
};

#define out(mon, ...) chardev_printf((mon)->cd, __VA_ARGS__)

static const char *const help_text =
    "cont|c -- resume emulation\n"
    "help|? -- show this help\n"
    "info status -- show the virtual machine status\n"
    "info registers -- show the cpu registers\n"
    "quit|q -- quit the emulator\n"
    "screendump FILE -- save the screen as a PNG image to FILE\n"
    "screendump-text FILE -- write the VGA text screen to FILE (vx86)\n"
    "sendkey keys -- send keys to the VM (e.g. 'sendkey ctrl-alt-delete', 'sendkey a')\n"
    "stop -- stop emulation\n"
    "system_powerdown -- send system power down event\n"
    "system_reset -- reset the system\n"
    "x /fmt addr -- virtual memory dump starting at addr\n"
    "xp /fmt addr -- physical memory dump starting at addr\n"
    "  /fmt is /[count][format][size]: format x (hex), d (signed), u (unsigned),\n"
    "  c (char) or i (instruction); size b (8 bits), h (16), w (32) or g (64)\n"
    "  addr is a number, $pc (CS:EIP), $eip or a register ($esp), +/- a number\n";

/* --- info registers (the layout of QEMU's x86_cpu_dump_state) --- */
static void dump_seg(struct fe_monitor *mon, const char *name, const struct seg_cache *s)
{
    out(mon, "%-3s=%04x %08x %08x %08x\n", name, s->sel, s->base, s->limit,
        (s->flags << 8) & 0x00ffff00);
}

static void info_registers(struct fe_monitor *mon)
{
    struct cpu *c = machine_cpu(mon->m);
    uint32_t efl = cpu_get_eflags(c);
    out(mon, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", (uint32_t)c->gpr[R_EAX],
        (uint32_t)c->gpr[R_EBX], (uint32_t)c->gpr[R_ECX], (uint32_t)c->gpr[R_EDX]);
    out(mon, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", (uint32_t)c->gpr[R_ESI],
        (uint32_t)c->gpr[R_EDI], (uint32_t)c->gpr[R_EBP], (uint32_t)c->gpr[R_ESP]);
    out(mon, "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c] CPL=%d II=%d A20=%d SMM=0 HLT=%d\n", c->eip, efl,
        efl & EF_DF ? 'D' : '-', efl & EF_OF ? 'O' : '-', efl & EF_SF ? 'S' : '-',
        efl & EF_ZF ? 'Z' : '-', efl & EF_AF ? 'A' : '-', efl & EF_PF ? 'P' : '-',
        efl & EF_CF ? 'C' : '-', c->cpl, c->inhibit_irq ? 1 : 0, machine_a20(mon->m) ? 1 : 0,
        c->halted ? 1 : 0);
    static const char *const names[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    for (int i = 0; i < 6; i++)
        dump_seg(mon, names[i], &c->seg[i]);
    dump_seg(mon, "LDT", &c->seg[SEG_LDTR]);
    dump_seg(mon, "TR", &c->seg[SEG_TR]);
    out(mon, "GDT=     %08x %08x\n", c->gdtr.base, c->gdtr.limit);
    out(mon, "IDT=     %08x %08x\n", c->idtr.base, c->idtr.limit);
    out(mon, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c->cr0, c->cr2, c->cr3, c->cr4);
    out(mon, "DR0=%08x DR1=%08x DR2=%08x DR3=%08x \n", c->dr[0], c->dr[1], c->dr[2], c->dr[3]);
    out(mon, "DR6=%08x DR7=%08x\n", c->dr[6], c->dr[7]);
    out(mon, "EFER=%016" PRIx64 "\n", c->efer);
    /* QEMU shows the abridged tag word (FXSAVE's): bit i set = register i
     * not empty (full tag 11b). */
    unsigned ftw = 0;
    for (int i = 0; i < 8; i++)
        ftw |= (((c->fpu.ftw >> (2 * i)) & 3) != 3) << i;
    out(mon, "FCW=%04x FSW=%04x [ST=%d] FTW=%02x MXCSR=%08x\n", c->fpu.fcw, c->fpu.fsw,
        (c->fpu.fsw >> 11) & 7, ftw, c->sse.mxcsr);
}

/* --- x / xp --- */

/* Read one byte without side effects on the CPU: through the page tables
 * for x (virtual = linear, as QEMU on i386), straight for xp. */
static bool peek(struct fe_monitor *mon, uint64_t addr, bool physical, uint8_t *v)
{
    struct cpu *c = machine_cpu(mon->m);
    uint64_t phys = addr;
    if (!physical) {
        phys = (uint32_t)addr;
        if ((c->cr0 & CR0_PG) && !mmu_probe(c, (uint32_t)addr, &phys))
            return false;
        phys &= c->a20_mask;
    }
    *v = (uint8_t)memmap_read(machine_memmap(mon->m), phys, 1);
    return true;
}

static void print_char(struct fe_monitor *mon, uint8_t v)
{
    switch (v) {
    case '\'': out(mon, "'\\''"); break;
    case '\\': out(mon, "'\\\\'"); break;
    case '\n': out(mon, "'\\n'"); break;
    case '\r': out(mon, "'\\r'"); break;
    default:
        if (v >= 32 && v <= 126)
            out(mon, "'%c'", v);
        else
            out(mon, "'\\x%02x'", v);
    }
}

static void disassemble(struct fe_monitor *mon, uint64_t addr, int count, bool physical)
{
    struct cpu *c = machine_cpu(mon->m);
    bool code32 = c->code32;
    csh h = code32 ? mon->cs32 : mon->cs16;
    if (!(code32 ? mon->cs_ok32 : mon->cs_ok16)) {
        out(mon, "disassembler not available\n");
        return;
    }
    for (int i = 0; i < count; i++) {
        uint8_t code[15];
        int n = 0;
        while (n < 15 && peek(mon, addr + n, physical, &code[n]))
            n++;
        cs_insn *ci = NULL;
        size_t got = n ? cs_disasm(h, code, (size_t)n, addr, 1, &ci) : 0;
        if (physical)
            out(mon, "0x%016" PRIx64 ":  ", addr);
        else
            out(mon, "0x%08" PRIx64 ":  ", addr);
        if (!got) {
            out(mon, n ? "(bad)\n" : "Cannot access memory\n");
            if (!n)
                return;
            addr++;
            continue;
        }
        out(mon, "%-8s %s\n", ci->mnemonic, ci->op_str);
        addr += ci->size;
        cs_free(ci, got);
    }
}

/* QEMU's memory_dump(): 16 bytes a line (8 for bytes), each value padded to
 * the width of its size. */
static void memory_dump(struct fe_monitor *mon, int count, char format, int wsize, uint64_t addr,
                        bool physical)
{
    if (format == 'i') {
        disassemble(mon, addr, count, physical);
        return;
    }
    int line_size = wsize == 1 ? 8 : 16, max_digits = 0;
    switch (format) {
    case 'u':
    case 'd': max_digits = (wsize * 8 * 10 + 32) / 33; break;
    case 'c': wsize = 1; break;
    default: max_digits = wsize * 2; break;
    }
    uint64_t len = (uint64_t)wsize * (uint64_t)count;
    while (len > 0) {
        if (physical)
            out(mon, "%016" PRIx64 ":", addr);
        else
            out(mon, "%08" PRIx64 ":", (uint64_t)(uint32_t)addr);
        int l = len > (uint64_t)line_size ? line_size : (int)len;
        uint8_t buf[16];
        for (int i = 0; i < l; i++) {
            if (!peek(mon, addr + i, physical, &buf[i])) {
                out(mon, " Cannot access memory\n");
                return;
            }
        }
        for (int i = 0; i < l; i += wsize) {
            uint64_t v = 0;
            for (int k = wsize - 1; k >= 0; k--)
                v = (v << 8) | buf[i + k];
            out(mon, " ");
            switch (format) {
            case 'x': out(mon, "0x%0*" PRIx64, max_digits, v); break;
            case 'u': out(mon, "%*" PRIu64, max_digits, v); break;
            case 'd': {
                int shift = 64 - wsize * 8;
                int64_t sv = shift ? (int64_t)(v << shift) >> shift : (int64_t)v;
                out(mon, "%*" PRId64, max_digits, sv);
                break;
            }
            case 'c': print_char(mon, (uint8_t)v); break;
            }
        }
        out(mon, "\n");
        addr += (uint64_t)l;
        len -= (uint64_t)l;
    }
}

/* An address: a number (C syntax), or $pc (the linear address CS:EIP),
 * $eip or a general register, optionally followed by +N or -N. */
static bool parse_addr(struct fe_monitor *mon, const char *s, uint64_t *addr)
{
    static const char *const regs[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    struct cpu *c = machine_cpu(mon->m);
    char *end;
    uint64_t base;
    if (*s == '$') {
        size_t n = strcspn(s + 1, "+- \t");
        if (n == 2 && !strncmp(s + 1, "pc", 2))
            base = (uint32_t)(c->seg[SEG_CS].base + c->eip);
        else if (n == 3 && !strncmp(s + 1, "eip", 3))
            base = c->eip;
        else {
            size_t r = 0;
            while (r < 8 && (n != 3 || strncmp(s + 1, regs[r], 3)))
                r++;
            if (r == 8)
                return false;
            base = (uint32_t)c->gpr[r];
        }
        s += 1 + n;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '+' || *s == '-') {
            bool minus = *s++ == '-';
            while (isspace((unsigned char)*s))
                s++;
            errno = 0;
            uint64_t off = strtoull(s, &end, 0);
            if (errno || end == s)
                return false;
            base = minus ? base - off : base + off;
            s = end;
        }
    } else {
        errno = 0;
        base = strtoull(s, &end, 0);
        if (!*s || errno || end == s)
            return false;
        s = end;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s || base > UINT64_C(0xffffffff))
        return false;
    *addr = base;
    return true;
}

/* "x /10xb 0x1000": parse the /fmt and the address, then dump. */
static void cmd_x(struct fe_monitor *mon, const char *args, bool physical)
{
    int count = 1;
    char format = mon->last_format ? mon->last_format : 'x';
    int size = 0;
    while (isspace((unsigned char)*args))
        args++;
    if (*args == '/') {
        args++;
        if (isdigit((unsigned char)*args)) {
            count = (int)strtol(args, (char **)&args, 10);
            if (count <= 0)
                count = 1;
        }
        for (; *args && !isspace((unsigned char)*args); args++) {
            switch (*args) {
            case 'x':
            case 'd':
            case 'u':
            case 'c':
            case 'i': format = *args; break;
            case 'b': size = 1; break;
            case 'h': size = 2; break;
            case 'w': size = 4; break;
            case 'g': size = 8; break;
            default: out(mon, "invalid char in format: '%c'\n", *args); return;
            }
        }
    }
    if (!size)
        size = format == 'c' ? 1 : mon->last_size ? mon->last_size : 4;
    if (count > 65536)
        count = 65536;
    while (isspace((unsigned char)*args))
        args++;
    uint64_t addr;
    if (!parse_addr(mon, args, &addr)) {
        out(mon, "%s: expected an address (e.g. %s /8xb 0xf0000, x /4i $pc)\n",
            physical ? "xp" : "x", physical ? "xp" : "x");
        return;
    }
    mon->last_format = format;
    mon->last_size = size;
    memory_dump(mon, count, format, size, addr, physical);
}

int fe_write_text_screen(struct pc *pc, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    struct vga *v = pc ? pc_vga(pc) : NULL;
    if (v) {
        size_t n = vga_text_dump(v, NULL, 0);
        char *buf = malloc(n + 1);
        if (buf) {
            vga_text_dump(v, buf, n + 1);
            fwrite(buf, 1, n, f);
            free(buf);
        }
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void cmd_sendkey(struct fe_monitor *mon, const char *keys)
{
    struct i8042 *kbc = mon->pc ? pc_keyboard(mon->pc) : NULL;
    struct ps2_kbd *kbd = kbc ? i8042_kbd(kbc) : NULL;
    if (!*keys) {
        out(mon, "sendkey: expected keys (e.g. sendkey ctrl-alt-delete)\n");
        return;
    }
    if (!kbd) {
        out(mon, "sendkey: this machine has no keyboard\n");
        return;
    }
    char combo[128];
    size_t n = strcspn(keys, " \t"); /* QEMU's optional hold time is ignored */
    if (n >= sizeof combo) {
        out(mon, "sendkey: key combination too long\n");
        return;
    }
    memcpy(combo, keys, n);
    combo[n] = 0;
    if (!ps2_kbd_send_combo(kbd, combo))
        out(mon, "unknown key: '%s'\n", combo);
}

void fe_monitor_command(struct fe_monitor *mon, const char *line)
{
    while (isspace((unsigned char)*line))
        line++;
    char cmd[64];
    size_t n = strcspn(line, " \t/");
    if (!n)
        return;
    if (n >= sizeof cmd)
        n = sizeof cmd - 1;
    memcpy(cmd, line, n);
    cmd[n] = 0;
    const char *args = line + n;
    while (isspace((unsigned char)*args))
        args++;
    /* the argument without trailing blanks */
    char arg[MON_LINE];
    snprintf(arg, sizeof arg, "%s", args);
    for (size_t k = strlen(arg); k > 0 && isspace((unsigned char)arg[k - 1]); k--)
        arg[k - 1] = 0;

    if (!strcmp(cmd, "help") || !strcmp(cmd, "?") || !strcmp(cmd, "h")) {
        out(mon, "%s", help_text);
    } else if (!strcmp(cmd, "info")) {
        if (!strcmp(arg, "status"))
            out(mon, "VM status: %s\n", machine_paused(mon->m) ? "paused" : "running");
        else if (!strcmp(arg, "registers"))
            info_registers(mon);
        else
            out(mon, "info status -- show the virtual machine status\n"
                     "info registers -- show the cpu registers\n");
    } else if (!strcmp(cmd, "x") || !strcmp(cmd, "xp")) {
        cmd_x(mon, args, cmd[1] == 'p');
    } else if (!strcmp(cmd, "stop")) {
        machine_pause(mon->m);
    } else if (!strcmp(cmd, "cont") || !strcmp(cmd, "c")) {
        machine_resume(mon->m);
    } else if (!strcmp(cmd, "system_reset")) {
        machine_request_reset(mon->m);
    } else if (!strcmp(cmd, "system_powerdown")) {
        /* The ACPI power button: an ACPI guest shuts down and powers off. */
        struct acpi_pm *pm = mon->pc ? pc_acpi_pm(mon->pc) : NULL;
        if (pm)
            acpi_pm_press_power_button(pm);
        else
            out(mon, "system_powerdown: this machine has no ACPI power button\n");
    } else if (!strcmp(cmd, "sendkey")) {
        cmd_sendkey(mon, arg);
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
        machine_stop(mon->m, VX86_EXIT_OK);
    } else if (!strcmp(cmd, "screendump")) {
        char err[256], file[MON_LINE];
        snprintf(file, sizeof file, "%.*s", (int)strcspn(arg, " \t"), arg); /* QEMU: [-d dev] ignored */
        if (!*file)
            out(mon, "screendump: expected a file name\n");
        else if (fe_screendump(mon->pc, file, err, sizeof err) < 0)
            out(mon, "screendump: %s\n", err);
    } else if (!strcmp(cmd, "screendump-text") || !strcmp(cmd, "screendump_text")) {
        char err[256];
        if (!*arg)
            out(mon, "screendump-text: expected a file name\n");
        else if (fe_write_text_screen(mon->pc, arg, err, sizeof err) < 0)
            out(mon, "screendump-text: %s\n", err);
    } else {
        out(mon, "unknown command: '%s'\n", cmd);
    }
}

/* Bytes from the chardev: run each complete line, then prompt again. */
static void monitor_input(void *opaque)
{
    struct fe_monitor *mon = opaque;
    uint8_t buf[256];
    size_t n;
    while ((n = chardev_read(mon->cd, buf, sizeof buf)) > 0) {
        for (size_t i = 0; i < n; i++) {
            char ch = (char)buf[i];
            if (ch == '\r')
                continue;
            if (ch != '\n') {
                if (mon->len < MON_LINE - 1)
                    mon->line[mon->len++] = ch;
                else
                    mon->overflow = true;
                continue;
            }
            mon->line[mon->len] = 0;
            if (mon->overflow)
                out(mon, "command line too long\n");
            else
                fe_monitor_command(mon, mon->line);
            mon->len = 0;
            mon->overflow = false;
            out(mon, MON_PROMPT);
        }
    }
}

static void monitor_greet(void *opaque)
{
    struct fe_monitor *mon = opaque;
    mon->len = 0;
    out(mon, "vx86 %s monitor - type 'help' for more information\n" MON_PROMPT, VX86_VERSION);
}

struct fe_monitor *fe_monitor_create(struct machine *m, struct pc *pc, struct chardev *cd)
{
    struct fe_monitor *mon = calloc(1, sizeof *mon);
    if (!mon)
        return NULL;
    mon->m = m;
    mon->pc = pc;
    mon->cd = cd;
    mon->cs_ok16 = cs_open(CS_ARCH_X86, CS_MODE_16, &mon->cs16) == CS_ERR_OK;
    mon->cs_ok32 = cs_open(CS_ARCH_X86, CS_MODE_32, &mon->cs32) == CS_ERR_OK;
    cd->cooked = true; /* on a terminal the user edits the line */
    chardev_set_input_handler(cd, monitor_input, mon);
    /* A socket greets each client as it connects; stdio greets now. */
    if (!strcmp(cd->ops->kind, "unix"))
        chardev_set_open_handler(cd, monitor_greet, mon);
    else
        monitor_greet(mon);
    return mon;
}

void fe_monitor_destroy(struct fe_monitor *mon)
{
    if (!mon)
        return;
    chardev_set_input_handler(mon->cd, NULL, NULL);
    chardev_set_open_handler(mon->cd, NULL, NULL);
    if (mon->cs_ok16)
        cs_close(&mon->cs16);
    if (mon->cs_ok32)
        cs_close(&mon->cs32);
    free(mon);
}
