/* The lockstep checker (-accel tcg,check=on, issue 8): an engine wrapping
 * the translator's. Each run executes one block in the translator (state
 * S0 -> S1, its RAM writes logged and then undone), puts S0 back, runs the
 * interpreter for the same instructions (S0 -> S2, the truth), and compares
 * registers, flags, segment caches, system and FPU/SSE state, the exception
 * raised and the sequence of RAM writes. A block that touches a device
 * (port I/O, MMIO, ROM write, page-crossing access) is abandoned before the
 * device sees it and runs in the interpreter only, so no device sees an
 * access twice. The clock the TSC reads is recorded in the first run and
 * replayed in the second, so real time and -icount both check cleanly. */
#include <capstone/capstone.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/mem.h"
#include "mmu/memmap.h"
#include "translator/block.h"
#include "translator/check.h"
#include "translator/translator.h"

enum phase { PH_NONE, PH_TR, PH_INTERP };
enum { LOG_TR, LOG_INTERP };
#define JMP_TRIP 2     /* longjmp value: the translator's run reached a device */
#define CLOCK_MAX 64   /* clock reads replayed per block */
#define SHOW_WRITES 24 /* writes listed per engine in a report */

struct wentry {
    uint64_t phys;
    uint8_t *host;
    uint64_t old, val;
    int size;
};
struct wlog {
    struct wentry *e;
    size_t n, cap;
    bool lost; /* out of memory: entries dropped (reported, never undone wrongly) */
};

/* One compared field of struct cpu: raw bytes at `off` (size <= 8). */
struct field {
    char name[24];
    uint32_t off;
    uint8_t size;
    bool always; /* shown in every report, not only when it differs */
};
#define MAX_FIELDS 200

struct fault {
    bool raised;
    int vector;
    uint32_t error;
};

struct tr_check {
    struct cpu_watch watch; /* first: cpu->watch points here */
    struct cpu *cpu;
    struct cpu_engine *inner; /* the translator */
    struct tr_engine *tr;
    struct cpu_engine engine;
    char name[80];
    FILE *out;
    bool exit_on_mismatch;
    struct tr_check_stats st;

    enum phase phase;
    struct cpu_hooks hooks; /* the machine's, while a phase runs with ours */
    struct wlog log[2];     /* [LOG_TR], [LOG_INTERP] */
    bool interp_device;     /* the interpreter's run reached a device */
    uint64_t clock[CLOCK_MAX];
    unsigned nclock, iclock;

    struct field field[MAX_FIELDS];
    int nfield;
    struct range {
        uint32_t off, len;
    } range[MAX_FIELDS]; /* the fields merged into byte ranges: the fast compare */
    int nrange;
    struct cpu s0, s1; /* start state, the translator's end state (TLBs not copied) */
};

/* The checker whose phase is running on this thread (the clock and FPU
 * hooks get only the machine's opaque). */
static _Thread_local struct tr_check *active;

/* ---- state: all of struct cpu but the TLB (a cache, not state) ---- */

#define TLB_OFF offsetof(struct cpu, tlb)
#define TLB_END (offsetof(struct cpu, tlb) + sizeof(struct tlb))

/* Through a pointer: the C library's vector copy, several times faster
 * than the `rep movsq` a compiler inlines for these sizes (3 per block). */
static void *(*volatile copy_bytes)(void *, const void *, size_t) = memcpy;

static void state_copy(struct cpu *dst, const struct cpu *src)
{
    copy_bytes(dst, src, TLB_OFF);
    copy_bytes((char *)dst + TLB_END, (const char *)src + TLB_END, sizeof *src - TLB_END);
}

/* Put S0 back, keeping what the outside world may have set meanwhile. */
static void restore_s0(struct tr_check *c, struct cpu *cpu)
{
    bool stop = cpu->stop_request, intr = cpu->intr_line, nmi = cpu->nmi_pending;
    uint8_t brk = cpu->exec_break;
    state_copy(cpu, &c->s0);
    cpu->stop_request = stop;
    cpu->intr_line = intr;
    cpu->nmi_pending = nmi;
    cpu->exec_break |= brk;
    cpu->watch = &c->watch;
}

static void add_field(struct tr_check *c, const char *name, size_t off, size_t size, bool always)
{
    if (c->nfield == MAX_FIELDS)
        abort(); /* a programming error: the table below outgrew MAX_FIELDS */
    struct field *f = &c->field[c->nfield++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->off = (uint32_t)off;
    f->size = (uint8_t)size;
    f->always = always;
}

static void build_fields(struct tr_check *c)
{
#define OFF(f) offsetof(struct cpu, f)
#define SZ(f) sizeof(((struct cpu *)0)->f)
#define ADD(name, f, always) add_field(c, name, OFF(f), SZ(f), always)
    static const char *const gpr[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
    static const char *const seg[SEG_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR"};
    char n[24];
    for (int i = 0; i < 8; i++)
        ADD(gpr[i], gpr[i], true);
    ADD("EIP", eip, true);
    for (int i = 0; i < SEG_COUNT; i++) {
        snprintf(n, sizeof n, "%s.sel", seg[i]);
        ADD(n, seg[i].sel, i < SEG_LDTR);
        snprintf(n, sizeof n, "%s.base", seg[i]);
        ADD(n, seg[i].base, false);
        snprintf(n, sizeof n, "%s.limit", seg[i]);
        ADD(n, seg[i].limit, false);
        snprintf(n, sizeof n, "%s.flags", seg[i]);
        ADD(n, seg[i].flags, false);
    }
    ADD("CPL", cpl, false);
    ADD("code32", code32, false);
    ADD("stack32", stack32, false);
    ADD("GDTR.base", gdtr.base, false);
    ADD("GDTR.limit", gdtr.limit, false);
    ADD("IDTR.base", idtr.base, false);
    ADD("IDTR.limit", idtr.limit, false);
    ADD("CR0", cr0, true);
    ADD("CR2", cr2, true);
    ADD("CR3", cr3, true);
    ADD("CR4", cr4, true);
    for (int i = 0; i < 8; i++) {
        snprintf(n, sizeof n, "DR%d", i);
        ADD(n, dr[i], false);
    }
    ADD("EFER", efer, false);
    ADD("tsc_offset", tsc_offset, false);
    ADD("APIC_BASE", apic_base, false);
    ADD("SYSENTER_CS", sysenter_cs, false);
    ADD("SYSENTER_ESP", sysenter_esp, false);
    ADD("SYSENTER_EIP", sysenter_eip, false);
    ADD("MISC_ENABLE", misc_enable, false);
    ADD("PAT", pat, false);
    ADD("MTRR_DEF_TYPE", mtrr_def_type, false);
    for (int i = 0; i < 11; i++) {
        snprintf(n, sizeof n, "MTRR_FIX%d", i);
        ADD(n, mtrr_fix[i], false);
    }
    for (int i = 0; i < 16; i++) {
        snprintf(n, sizeof n, "MTRR_VAR%d", i);
        ADD(n, mtrr_var[i], false);
    }
    ADD("icount", icount, true);
    ADD("halted", halted, false);
    ADD("nmi_blocked", nmi_blocked, false);
    ADD("inhibit_irq", inhibit_irq, false);
    ADD("triple_fault", triple_fault, false);
    ADD("pending_dr6", pending_dr6, false);
    ADD("a20_mask", a20_mask, false);
    for (int i = 0; i < 8; i++) { /* field by field: struct fpu_reg has padding */
        snprintf(n, sizeof n, "FPR%d.mant", i);
        ADD(n, fpu.st[i].mant, false);
        snprintf(n, sizeof n, "FPR%d.se", i);
        ADD(n, fpu.st[i].se, false);
    }
    ADD("FCW", fpu.fcw, false);
    ADD("FSW", fpu.fsw, false);
    ADD("FTW", fpu.ftw, false);
    ADD("FOP", fpu.fop, false);
    ADD("FIP", fpu.fip, false);
    ADD("FDP", fpu.fdp, false);
    ADD("FCS", fpu.fcs, false);
    ADD("FDS", fpu.fds, false);
    for (int i = 0; i < 8; i++) {
        snprintf(n, sizeof n, "XMM%d.lo", i);
        ADD(n, sse.xmm[i].q[0], false);
        snprintf(n, sizeof n, "XMM%d.hi", i);
        ADD(n, sse.xmm[i].q[1], false);
    }
    ADD("MXCSR", sse.mxcsr, false);
#undef ADD
#undef SZ
#undef OFF
}

static int by_offset(const void *a, const void *b)
{
    const struct field *x = a, *y = b;
    return (x->off > y->off) - (x->off < y->off);
}

/* Fields at most a padding's width apart become one range: a fast memcmp
 * that, when it fails, is confirmed field by field (padding may differ). */
static void build_ranges(struct tr_check *c)
{
    struct field sorted[MAX_FIELDS];
    memcpy(sorted, c->field, sizeof sorted);
    qsort(sorted, (size_t)c->nfield, sizeof *sorted, by_offset);
    c->nrange = 0;
    for (int i = 0; i < c->nfield; i++) {
        struct range *r = c->nrange ? &c->range[c->nrange - 1] : NULL;
        if (r && sorted[i].off >= r->off + r->len && sorted[i].off - (r->off + r->len) < 8)
            r->len = sorted[i].off + sorted[i].size - r->off;
        else
            c->range[c->nrange++] = (struct range){sorted[i].off, sorted[i].size};
    }
}

static bool ranges_equal(const struct tr_check *c, const struct cpu *a, const struct cpu *b)
{
    for (int i = 0; i < c->nrange; i++)
        if (memcmp((const char *)a + c->range[i].off, (const char *)b + c->range[i].off,
                   c->range[i].len))
            return false;
    return true;
}

static uint64_t field_val(const struct cpu *cpu, const struct field *f)
{
    uint64_t v = 0;
    memcpy(&v, (const char *)cpu + f->off, f->size); /* little-endian host */
    return v;
}

/* ---- write logs ---- */

static uint64_t load(const uint8_t *p, int size)
{
    uint64_t v = 0;
    memcpy(&v, p, (size_t)size);
    return v;
}

static void log_add(struct wlog *l, uint64_t phys, uint8_t *host, uint64_t val, int size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        struct wentry *e = realloc(l->e, cap * sizeof *e);
        if (!e) {
            l->lost = true;
            return;
        }
        l->e = e;
        l->cap = cap;
    }
    uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    l->e[l->n++] = (struct wentry){phys, host, load(host, size), val & mask, size};
}

static void log_undo(const struct wlog *l)
{
    for (size_t i = l->n; i-- > 0;)
        memcpy(l->e[i].host, &l->e[i].old, (size_t)l->e[i].size);
}

static void watch_ram_write(struct cpu *cpu, uint64_t phys, uint8_t *host, uint64_t value, int size)
{
    struct tr_check *c = (struct tr_check *)cpu->watch;
    if (c->phase != PH_NONE)
        log_add(&c->log[c->phase == PH_TR ? LOG_TR : LOG_INTERP], phys, host, value, size);
}

static void watch_device(struct cpu *cpu)
{
    struct tr_check *c = (struct tr_check *)cpu->watch;
    uint32_t eip, n;
    if (c->phase == PH_TR && tr_last_block(c->tr, &eip, &n))
        longjmp(cpu->exc_jmp, JMP_TRIP); /* a block: abandon it, the device untouched */
    if (c->phase == PH_INTERP)
        c->interp_device = true;
    /* else the translator left this run to the interpreter: it is the truth */
}

/* ---- hooks while a phase runs ---- */

static uint64_t hook_clock(void *opaque)
{
    struct tr_check *c = active;
    if (c->phase == PH_INTERP && c->iclock < c->nclock)
        return c->clock[c->iclock++];
    uint64_t v = c->hooks.clock_ns(opaque);
    if (c->phase == PH_TR && c->nclock < CLOCK_MAX)
        c->clock[c->nclock++] = v;
    return v;
}

/* FERR# and an APIC base move reach devices: in the translator's run they
 * abandon the block like port I/O. */
static void hook_ferr(void *opaque, bool level)
{
    (void)opaque, (void)level;
    watch_device(active->cpu);
}
static void hook_apic_base(void *opaque, uint64_t old)
{
    (void)opaque, (void)old;
    watch_device(active->cpu);
}

static void phase_begin(struct tr_check *c, enum phase ph)
{
    struct cpu *cpu = c->cpu;
    active = c;
    c->phase = ph;
    if (cpu->hooks.clock_ns)
        cpu->hooks.clock_ns = hook_clock;
    cpu->hooks.exception = NULL; /* told once, after both runs (raise_again) */
    if (ph == PH_TR) {
        if (cpu->hooks.ferr)
            cpu->hooks.ferr = hook_ferr;
        if (cpu->hooks.apic_base)
            cpu->hooks.apic_base = hook_apic_base;
    }
}

static void phase_end(struct tr_check *c)
{
    c->cpu->hooks = c->hooks;
    c->phase = PH_NONE;
    active = NULL;
}

/* The run raised an exception: hand it to cpu_run() as the interpreter's
 * cpu_exception() would have (its hook first). */
static _Noreturn void raise_again(struct tr_check *c, struct cpu *cpu)
{
    memcpy(cpu->exc_jmp, c->s0.exc_jmp, sizeof(jmp_buf));
    if (cpu->hooks.exception)
        cpu->hooks.exception(cpu->hooks.opaque, cpu->exc_vector, cpu->exc_error);
    longjmp(cpu->exc_jmp, 1);
}

/* ---- the report ---- */

/* Up to `len` code bytes at CS:eip of state `s`, without side effects. */
static int peek_code(struct cpu *cpu, const struct cpu *s, uint32_t eip, uint8_t *buf, int len)
{
    uint32_t lin = s->seg[SEG_CS].base + eip;
    for (int i = 0; i < len; i++) {
        uint64_t phys = (uint32_t)(lin + i);
        if ((s->cr0 & CR0_PG) && !mmu_probe(cpu, lin + i, &phys))
            return i;
        phys &= s->a20_mask | ~0xffffffffull;
        uint8_t *page = memmap_page_ptr(cpu->mem, phys & ~0xfffull, false);
        if (!page)
            return i;
        buf[i] = page[phys & 0xfff];
    }
    return len;
}

static void print_block(struct tr_check *c, struct cpu *cpu, uint32_t eip, uint64_t n_tr,
                        uint64_t n_int, FILE *o)
{
    uint8_t code[15 * (TR_BLOCK_MAX + 1)];
    int len = peek_code(cpu, &c->s0, eip, code, (int)sizeof code);
    csh h;
    bool code32 = c->s0.code32;
    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK) {
        fprintf(o, "  (Capstone cannot open: no disassembly)\n");
        return;
    }
    cs_insn *in = NULL;
    uint64_t show = (n_tr > n_int ? n_tr : n_int) + 1;
    if (show > TR_BLOCK_MAX + 1)
        show = TR_BLOCK_MAX + 1;
    size_t count = len ? cs_disasm(h, code, (size_t)len, eip, (size_t)show, &in) : 0;
    fprintf(o, "  the block at %04x:%08x (%s code), as Capstone reads it:\n", c->s0.seg[SEG_CS].sel,
            eip, code32 ? "32-bit" : "16-bit");
    for (size_t i = 0; i < count; i++) {
        char bytes[48] = "";
        for (int k = 0; k < in[i].size && k < 15; k++)
            snprintf(bytes + 3 * k, sizeof bytes - 3 * k, "%02x ", in[i].bytes[k]);
        const char *mark = "";
        if (i == n_tr && i == n_int)
            mark = "  <- neither engine retired this one";
        else if (i == n_tr)
            mark = "  <- the translator stopped before this one";
        else if (i == n_int)
            mark = "  <- the interpreter stopped before this one";
        fprintf(o, "    %08x  %-30s %s %s%s\n", (uint32_t)in[i].address, bytes, in[i].mnemonic,
                in[i].op_str, mark);
    }
    if (!count)
        fprintf(o, "    (no code readable at that address)\n");
    if (in)
        cs_free(in, count);
    cs_close(&h);
}

static void print_fault(const char *who, const struct fault *f, FILE *o)
{
    if (f->raised)
        fprintf(o, "  %-12s raised exception %d, error code %#x\n", who, f->vector, f->error);
    else
        fprintf(o, "  %-12s raised no exception\n", who);
}

static void print_writes(const struct tr_check *c, FILE *o)
{
    const struct wlog *a = &c->log[LOG_TR], *b = &c->log[LOG_INTERP];
    size_t n = a->n > b->n ? a->n : b->n;
    fprintf(o, "  RAM writes: %zu by the translator, %zu by the interpreter%s\n", a->n, b->n,
            a->lost || b->lost ? " (some lost: out of memory)" : "");
    if (n)
        fprintf(o, "    %-4s %-30s %-30s\n", "#", "translator (phys/size = value)",
                "interpreter");
    for (size_t i = 0; i < n && i < SHOW_WRITES; i++) {
        char x[40] = "-", y[40] = "-";
        if (i < a->n)
            snprintf(x, sizeof x, "%09llx/%d = %llx", (unsigned long long)a->e[i].phys,
                     a->e[i].size, (unsigned long long)a->e[i].val);
        if (i < b->n)
            snprintf(y, sizeof y, "%09llx/%d = %llx", (unsigned long long)b->e[i].phys,
                     b->e[i].size, (unsigned long long)b->e[i].val);
        fprintf(o, "    %-4zu %-30s %-30s%s\n", i, x, y, strcmp(x, y) ? "  <-- differs" : "");
    }
    if (n > SHOW_WRITES)
        fprintf(o, "    ... %zu more\n", n - SHOW_WRITES);
}

static bool writes_equal(const struct wlog *a, const struct wlog *b)
{
    if (a->n != b->n || a->lost || b->lost)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->e[i].phys != b->e[i].phys || a->e[i].size != b->e[i].size ||
            a->e[i].val != b->e[i].val)
            return false;
    return true;
}

/* Compare S1 (c->s1) with S2 (cpu) and both runs' side effects; print a
 * report and return false on any difference. */
static bool compare(struct tr_check *c, struct cpu *cpu, const struct fault *f1,
                    const struct fault *f2, uint32_t eip, uint64_t n_tr, uint64_t n_int)
{
    const struct cpu *s1 = &c->s1;
    uint32_t fl1 = cpu_get_eflags(s1), fl2 = cpu_get_eflags(cpu);
    bool same = fl1 == fl2 && n_tr == n_int;
    if (same && !ranges_equal(c, s1, cpu))
        for (int i = 0; same && i < c->nfield; i++)
            same = field_val(s1, &c->field[i]) == field_val(cpu, &c->field[i]);
    bool faults_same = f1->raised == f2->raised &&
                       (!f1->raised || (f1->vector == f2->vector && f1->error == f2->error));
    bool writes_same = writes_equal(&c->log[LOG_TR], &c->log[LOG_INTERP]);
    bool nothing = n_tr == 0 && !f1->raised;
    if (same && faults_same && writes_same && !c->interp_device && !nothing)
        return true;

    FILE *o = c->out;
    fprintf(o,
            "vx86: tcg check: the translator (%s) and the interpreter differ after the block "
            "at %04x:%08x (instruction %llu)\n",
            c->name, c->s0.seg[SEG_CS].sel, eip, (unsigned long long)c->s0.icount);
    if (nothing)
        fprintf(o, "  the translator's run retired no instruction and raised nothing\n");
    if (c->interp_device)
        fprintf(o, "  the interpreter's run reached a device (port, MMIO, ROM write or "
                   "page-crossing access) where the translator's did not\n");
    fprintf(o, "  instructions retired: translator %llu, interpreter %llu\n",
            (unsigned long long)n_tr, (unsigned long long)n_int);
    print_fault("translator", f1, o);
    print_fault("interpreter", f2, o);
    print_block(c, cpu, eip, n_tr, n_int, o);
    fprintf(o, "  %-14s %-18s %-18s %-18s\n", "register", "before", "translator",
            "interpreter");
    fprintf(o, "  %-14s %-18x %-18x %-18x%s\n", "EFLAGS", cpu_get_eflags(&c->s0), fl1, fl2,
            fl1 != fl2 ? "  <-- differs" : "");
    for (int i = 0; i < c->nfield; i++) {
        const struct field *f = &c->field[i];
        uint64_t a = field_val(s1, f), b = field_val(cpu, f);
        if (a == b && !f->always)
            continue;
        fprintf(o, "  %-14s %-18llx %-18llx %-18llx%s\n", f->name,
                (unsigned long long)field_val(&c->s0, f), (unsigned long long)a,
                (unsigned long long)b, a != b ? "  <-- differs" : "");
    }
    if (fl1 != fl2)
        fprintf(o, "  EFLAGS bits differing: %#x (CF 1, PF 4, AF 10, ZF 40, SF 80, OF 800)\n",
                fl1 ^ fl2);
    print_writes(c, o);
    fflush(o);
    return false;
}

/* ---- the engine ---- */

static void check_run(void *opaque, struct cpu *cpu, uint64_t max)
{
    struct tr_check *c = opaque;
    if (cpu->watch != &c->watch) { /* first run, or after a reset: no fast write tag may remain */
        cpu->watch = &c->watch;
        mmu_flush_all_global(cpu);
    }
    state_copy(&c->s0, cpu); /* holds cpu_run()'s exc_jmp too */
    const uint64_t t0 = cpu->icount;
    c->hooks = cpu->hooks;
    c->log[LOG_TR].n = c->log[LOG_INTERP].n = 0;
    c->log[LOG_TR].lost = c->log[LOG_INTERP].lost = false;
    c->nclock = c->iclock = 0;
    c->interp_device = false;

    /* 1. The translator: one block. */
    phase_begin(c, PH_TR);
    int r = setjmp(cpu->exc_jmp);
    if (r == 0)
        c->inner->run(c->inner->opaque, cpu, max);
    phase_end(c);
    uint32_t eip, n;
    if (!tr_last_block(c->tr, &eip, &n)) {
        /* The translator ran the interpreter itself (no block here). */
        c->st.fallbacks++;
        if (r)
            raise_again(c, cpu);
        memcpy(cpu->exc_jmp, c->s0.exc_jmp, sizeof(jmp_buf));
        return;
    }
    if (r == JMP_TRIP) {
        /* A device access: forget the run, the interpreter does the block. */
        restore_s0(c, cpu);
        log_undo(&c->log[LOG_TR]);
        c->st.unchecked++;
        cpu_run_cached(cpu, max);
        return;
    }
    const uint64_t n_tr = cpu->icount - t0;
    const struct fault f1 = {r == 1, cpu->exc_vector, cpu->exc_error};
    state_copy(&c->s1, cpu);

    /* 2. The interpreter, from the same state, for as many instructions (and
     * the faulting one). */
    restore_s0(c, cpu);
    log_undo(&c->log[LOG_TR]);
    if (c->s1.cr0 != c->s0.cr0 || c->s1.cr3 != c->s0.cr3 || c->s1.cr4 != c->s0.cr4 ||
        c->s1.a20_mask != c->s0.a20_mask)
        mmu_flush_all_global(cpu); /* the TLB may hold the translator's new mappings */
    const uint64_t want = n_tr + (f1.raised ? 1 : 0);
    phase_begin(c, PH_INTERP);
    int r2 = setjmp(cpu->exc_jmp);
    if (r2 == 0)
        while (cpu->icount - t0 < want && !cpu->halted && !cpu->triple_fault)
            cpu_run_cached(cpu, want - (cpu->icount - t0));
    phase_end(c);
    const uint64_t n_int = cpu->icount - t0;
    const struct fault f2 = {r2 == 1, cpu->exc_vector, cpu->exc_error};

    /* 3. Compare; the interpreter's result stands. */
    if (compare(c, cpu, &f1, &f2, eip, n_tr, n_int)) {
        c->st.checked++;
    } else {
        c->st.mismatches++;
        if (c->exit_on_mismatch) {
            fprintf(c->out, "vx86: tcg check: stopping (exit status %d)\n", TR_CHECK_EXIT);
            fflush(NULL);
            exit(TR_CHECK_EXIT);
        }
        cpu->stop_request = true;
    }
    if (f2.raised)
        raise_again(c, cpu);
    memcpy(cpu->exc_jmp, c->s0.exc_jmp, sizeof(jmp_buf));
}

static void check_reset(void *opaque)
{
    struct tr_check *c = opaque;
    if (c->inner->reset)
        c->inner->reset(c->inner->opaque);
}

static void check_destroy(void *opaque)
{
    struct tr_check *c = opaque;
    fprintf(c->out,
            "vx86: tcg check: %llu blocks checked, %llu unchecked (device access), %llu run by "
            "the interpreter alone, %llu differences\n",
            (unsigned long long)c->st.checked, (unsigned long long)c->st.unchecked,
            (unsigned long long)c->st.fallbacks, (unsigned long long)c->st.mismatches);
    fflush(c->out);
    if (c->cpu->watch == &c->watch)
        c->cpu->watch = NULL;
    if (c->inner->destroy)
        c->inner->destroy(c->inner->opaque);
    free(c->log[0].e);
    free(c->log[1].e);
    free(c);
}

struct cpu_engine *tr_check_create(struct cpu *cpu, struct cpu_engine *inner)
{
    struct tr_engine *tr = inner ? inner->opaque : NULL;
    struct tr_check *c = tr ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        if (inner && inner->destroy)
            inner->destroy(inner->opaque);
        return NULL;
    }
    c->watch = (struct cpu_watch){.ram_write = watch_ram_write, .device = watch_device};
    c->cpu = cpu;
    c->inner = inner;
    c->tr = tr;
    c->out = stderr;
    c->exit_on_mismatch = true;
    snprintf(c->name, sizeof c->name, "tcg,backend=%s,check=on", inner->name ? inner->name : "?");
    build_fields(c);
    build_ranges(c);
    tr_set_one_block(tr, true);
    c->engine = (struct cpu_engine){
        .run = check_run,
        .reset = check_reset,
        .destroy = check_destroy,
        .name = c->name,
        .opaque = c,
    };
    return &c->engine;
}

struct tr_check *tr_check_of_cpu(const struct cpu *cpu)
{
    if (!cpu->engine || cpu->engine->run != check_run)
        return NULL;
    return cpu->engine->opaque;
}

void tr_check_get_stats(const struct tr_check *c, struct tr_check_stats *out)
{
    *out = c->st;
}

void tr_check_set_output(struct tr_check *c, FILE *out, bool exit_on_mismatch)
{
    c->out = out ? out : stderr;
    c->exit_on_mismatch = exit_on_mismatch;
}
