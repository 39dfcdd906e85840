/* Runs one SingleStepTests case on an in-process vx86 machine (16 MiB RAM,
 * empty I/O space, real mode) and compares the outcome with the 286's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/prot.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "sst_run.h"

#define RAM_SIZE (16u << 20)
#define RUN_BUDGET 4096 /* instructions; a test is one instruction, a REP up to 127, then HLT */

static const int gpr_of[SST_NREGS] = {
    [SST_AX] = R_EAX, [SST_BX] = R_EBX, [SST_CX] = R_ECX, [SST_DX] = R_EDX, [SST_SP] = R_ESP,
    [SST_BP] = R_EBP, [SST_SI] = R_ESI, [SST_DI] = R_EDI, [SST_CS] = -1,    [SST_SS] = -1,
    [SST_DS] = -1,    [SST_ES] = -1,    [SST_IP] = -1,    [SST_FLAGS] = -1};
static const int seg_of[SST_NREGS] = {
    [SST_CS] = SEG_CS, [SST_SS] = SEG_SS, [SST_DS] = SEG_DS, [SST_ES] = SEG_ES};

/* Every exception raised through cpu_exception() (the CPU's exception hook). */
static void hook_exception(void *opaque, int v, uint32_t error_code)
{
    struct sst_machine *m = opaque;
    (void)error_code;
    if (m->nexc < (int)(sizeof m->exc / sizeof m->exc[0]))
        m->exc[m->nexc] = v;
    if (!m->nexc)
        m->exc_eip = m->cpu->insn_eip; /* the instruction the fault belongs to */
    m->nexc++;
    /* Abandon the run at the first exception nobody expects: its IVT entry
     * is not set up, so the CPU would run off into zeroed memory. */
    if (v != m->expect_vector)
        longjmp(m->abandon, 1);
}

struct sst_machine *sst_machine_create(void)
{
    struct sst_machine *m = calloc(1, sizeof *m);
    m->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->ram == MAP_FAILED)
        abort();
    m->mem = memmap_create();
    memmap_add_ram(m->mem, 0, RAM_SIZE, m->ram, false);
    m->io = ioport_create();
    m->cpu = cpu_create(m->mem, m->io);
    m->cpu->hooks.opaque = m;
    m->cpu->hooks.exception = hook_exception;
    return m;
}

void sst_machine_destroy(struct sst_machine *m)
{
    cpu_destroy(m->cpu);
    ioport_destroy(m->io);
    memmap_destroy(m->mem);
    munmap(m->ram, RAM_SIZE);
    free(m);
}

long sst_machine_dirty(const struct sst_machine *m)
{
    static const uint8_t zero[4096];
    for (uint32_t a = 0; a < RAM_SIZE; a += sizeof zero)
        if (memcmp(m->ram + a, zero, sizeof zero))
            for (uint32_t b = a;; b++)
                if (m->ram[b])
                    return b;
    return -1;
}

void sst_machine_wipe(struct sst_machine *m)
{
    memset(m->ram, 0, RAM_SIZE);
}

/* Combine the difference-table rows that apply to this test. */
void sst_applicable(const char *form, const struct sst_test *t, struct sst_applied *a)
{
    memset(a, 0, sizeof *a);
    a->kind = P6_MASK;
    a->vector = -1;
    for (int i = 0; i < p6_difference_count; i++) {
        const struct p6_difference *d = &p6_differences[i];
        if (!p6_form_listed(d, form) || (d->applies && !d->applies(t)))
            continue;
        a->rows |= 1u << i;
        a->ignore_flags |= d->ignore_flags;
        a->ignore_regs |= d->ignore_regs;
        if (d->kind > a->kind) { /* RAISES_UD > NO_FAULT > VECTOR > MASK */
            a->kind = d->kind;
            a->vector = d->kind == P6_VECTOR || d->kind == P6_RAISES_UD ? d->p6_vector : -1;
        }
    }
}

#define DIFF(...)                                                                                  \
    do {                                                                                           \
        if (len < cap)                                                                             \
            len += snprintf(out + len, cap - len, __VA_ARGS__);                                    \
        ok = false;                                                                                \
    } while (0)

static uint32_t phys(uint16_t seg, uint16_t off)
{
    return (uint32_t)seg * 16 + off;
}

static void load(struct sst_machine *m, const struct sst_test *t, const struct sst_applied *a)
{
    struct cpu *cpu = m->cpu;
    cpu_reset(cpu);
    for (int r = 0; r < SST_NREGS; r++) {
        if (gpr_of[r] >= 0)
            cpu->gpr[gpr_of[r]] = t->init[r];
        else if (r != SST_IP && r != SST_FLAGS)
            cpu_load_seg_real(cpu, seg_of[r], t->init[r]);
    }
    cpu_update_modes(cpu);
    cpu->eip = t->init[SST_IP];
    /* IOPL, NT and bit 15 are random in the files and cannot be set on a 286. */
    cpu_set_eflags(cpu, t->init[SST_FLAGS] & 0x0fff, 0xffffffffu);
    for (int i = 0; i < t->niram; i++)
        m->ram[t->iram[i].addr] = t->iram[i].val;
    /* The P6 vectors elsewhere: point its vector at the 286's handler. */
    if (a->kind == P6_VECTOR && t->exc >= 0)
        memcpy(m->ram + a->vector * 4, m->ram + t->exc * 4, 4);
}

/* Zero what the test wrote or may have written, so the RAM is clean again. */
static void unload(struct sst_machine *m, const struct sst_test *t, const struct sst_applied *a)
{
    for (int i = 0; i < t->niram; i++)
        m->ram[t->iram[i].addr] = 0;
    for (int i = 0; i < t->nfram; i++)
        m->ram[t->fram[i].addr] = 0;
    if (a->kind == P6_VECTOR)
        memset(m->ram + a->vector * 4, 0, 4);
    if (a->kind == P6_RAISES_UD || a->kind == P6_NO_FAULT) {
        /* The P6's own writes: an interrupt frame below SP, or the MOV's store. */
        for (int k = 1; k <= 6; k++)
            m->ram[phys(t->init[SST_SS], (uint16_t)(t->init[SST_SP] - k))] = 0;
        struct sst_peek p;
        sst_peek(t, &p);
        static const int seg_reg[] = {SST_ES, SST_CS, SST_SS, SST_DS};
        if (p.is_mem)
            for (int k = 0; k < 2; k++)
                m->ram[phys(t->init[seg_reg[p.ea_seg]], (uint16_t)(p.ea + k))] = 0;
    }
}

static const char *exit_name(enum cpu_exit e)
{
    switch (e) {
    case CPU_EXIT_BUDGET: return "instruction budget exhausted";
    case CPU_EXIT_HALT: return "halted";
    case CPU_EXIT_STOP: return "abandoned at an unexpected exception";
    case CPU_EXIT_TRIPLE_FAULT: return "triple fault";
    }
    return "?";
}

/* cpu_run, or CPU_EXIT_STOP when the log hook abandons the run. */
static enum cpu_exit run_guarded(struct sst_machine *m)
{
    if (setjmp(m->abandon))
        return CPU_EXIT_STOP;
    return cpu_run(m->cpu, RUN_BUDGET);
}

bool sst_run_test(struct sst_machine *m, const struct sst_form *f, const struct sst_test *t,
                  const struct sst_applied *a, char *out, size_t cap)
{
    struct cpu *cpu = m->cpu;
    size_t len = 0;
    bool ok = true;

    m->nexc = 0;
    /* The vector the run may deliver; any other is abandoned where raised
     * (so is the P6's #UD of a P6_RAISES_UD test: only its vector is checked). */
    m->expect_vector = a->kind == P6_VECTOR ? a->vector : t->exc;
    if (a->kind == P6_NO_FAULT || a->kind == P6_RAISES_UD)
        m->expect_vector = -1;
    load(m, t, a);
    enum cpu_exit e = run_guarded(m);

    int first = m->nexc ? m->exc[0] : -1;
    if (a->kind == P6_RAISES_UD) {
        if (first != 6)
            DIFF("  expected #UD on the P6, got %s%d (%s)\n", first < 0 ? "no exception " : "#",
                 first, exit_name(e));
        else if (m->exc_eip != t->init[SST_IP])
            DIFF("  #UD raised for the instruction at %04x, expected %04x\n", m->exc_eip,
                 t->init[SST_IP]);
        goto done;
    }
    if (m->nexc && first != m->expect_vector && m->expect_vector < 0)
        DIFF("  exception: none expected, raised %d\n", first);
    else if (m->nexc && first != m->expect_vector)
        DIFF("  exception: expected %d, raised %d%s\n", m->expect_vector, first,
             m->nexc > 1 ? " (and more)" : "");
    if (a->kind == P6_VECTOR && first != a->vector)
        DIFF("  exception: the P6 must raise %d here, raised %d\n", a->vector, first);
    if (e != CPU_EXIT_HALT) {
        DIFF("  did not reach the HLT: %s\n", exit_name(e));
        goto done;
    }
    /* What the P6 should end with: the 286's final registers, rewritten by
     * the difference rows; for P6_NO_FAULT the initial ones, run to the HLT. */
    uint16_t fin[SST_NREGS];
    memcpy(fin, t->fin, sizeof fin);
    if (a->kind == P6_NO_FAULT) {
        memcpy(fin, t->init, sizeof fin);
        fin[SST_IP] = (uint16_t)(t->init[SST_IP] + t->nbytes);
        fin[SST_FLAGS] &= 0x0fff;
    }
    for (int i = 0; i < p6_difference_count; i++)
        if ((a->rows & (1u << i)) && p6_differences[i].adjust)
            p6_differences[i].adjust(t, fin);
    for (int i = 0; i < p6_difference_count && a->kind == P6_NO_FAULT; i++)
        if ((a->rows & (1u << i)) && p6_differences[i].check && len < cap &&
            !p6_differences[i].check(t, cpu, m->ram, out + len, cap - len)) {
            len += strlen(out + len);
            ok = false;
        }

    uint16_t fmask = f->flags_mask & ~a->ignore_flags;
    if (a->kind == P6_NO_FAULT)
        fmask = (uint16_t)~a->ignore_flags; /* no metadata mask: nothing was computed */
    for (int r = 0; r < SST_NREGS; r++) {
        if (a->ignore_regs & SST_R(r))
            continue;
        uint32_t want = fin[r], got;
        if (gpr_of[r] >= 0) {
            got = (uint32_t)cpu->gpr[gpr_of[r]];
            if (got >> 16)
                DIFF("  e%s: upper half written: %08x\n", sst_reg_names[r], got);
            got &= 0xffff;
        } else if (r == SST_IP) {
            got = cpu->eip;
        } else if (r == SST_FLAGS) {
            got = cpu_get_eflags(cpu);
            if (got >> 16) /* RF, VM, AC, ... have no business in real-mode 16-bit code */
                DIFF("  eflags: upper bits set: %08x\n", got);
            got &= fmask;
            want &= fmask;
        } else {
            const struct seg_cache *s = &cpu->seg[seg_of[r]];
            got = s->sel;
            if (s->base != (uint32_t)s->sel << 4)
                DIFF("  %s: base %08x for selector %04x\n", sst_reg_names[r], s->base, s->sel);
        }
        if (got != want) {
            if (r == SST_FLAGS)
                DIFF("  flags: expected %04x got %04x (mask %04x, differ %04x)\n", want, got, fmask,
                     want ^ got);
            else
                DIFF("  %s: expected %04x got %04x\n", sst_reg_names[r], want, (unsigned)got);
        }
    }
    /* The FLAGS word of the interrupt frame sits at SS:SP+4 after the
     * interrupt. (The files' flag_address is one byte low when SP is odd.) */
    uint32_t flo = phys(t->fin[SST_SS], (uint16_t)(t->fin[SST_SP] + 4));
    uint32_t fhi = phys(t->fin[SST_SS], (uint16_t)(t->fin[SST_SP] + 5));
    for (int i = 0; i < t->nfram && a->kind != P6_NO_FAULT; i++) {
        uint32_t addr = t->fram[i].addr;
        uint8_t want = t->fram[i].val, got = m->ram[addr];
        bool pushed_flags = t->exc >= 0 && (addr == flo || addr == fhi);
        if (pushed_flags) {
            uint8_t bm = addr == flo ? (uint8_t)fmask : (uint8_t)(fmask >> 8);
            want &= bm;
            got &= bm;
        }
        if (got != want)
            DIFF("  ram[%06x]: expected %02x got %02x%s\n", addr, want, got,
                 pushed_flags ? " (pushed flags, masked)" : "");
    }
done:
    unload(m, t, a);
    return ok;
}
