/* The local APIC of the one CPU (SDM Vol. 3A chapter 10): registers, the
 * IRR/ISR/TMR priority logic, LVT, ICR self-IPIs, the timer on the virtual
 * clock, and the CPU's INTR pin with the 8259 behind LINT0 (devices/lapic.h). */
#include "devices/lapic.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/memmap.h"

/* Register offsets (SDM Table 10-1). */
#define REG_ID          0x020
#define REG_VER         0x030
#define REG_TPR         0x080
#define REG_APR         0x090
#define REG_PPR         0x0a0
#define REG_EOI         0x0b0
#define REG_RRD         0x0c0
#define REG_LDR         0x0d0
#define REG_DFR         0x0e0
#define REG_SVR         0x0f0
#define REG_ISR         0x100 /* 8 registers, 0x100-0x170 */
#define REG_TMR         0x180
#define REG_IRR         0x200
#define REG_ESR         0x280
#define REG_ICR_LO      0x300
#define REG_ICR_HI      0x310
#define REG_LVT_TIMER   0x320
#define REG_LVT_THERMAL 0x330
#define REG_LVT_PERF    0x340
#define REG_LVT_LINT0   0x350
#define REG_LVT_LINT1   0x360
#define REG_LVT_ERROR   0x370
#define REG_TIMER_ICR   0x380
#define REG_TIMER_CCR   0x390
#define REG_TIMER_DCR   0x3e0

enum { LVT_TIMER, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LVT_MASKED     (1u << 16)
#define LVT_LEVEL      (1u << 15) /* LINT0/1 trigger mode */
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_PERIODIC   (1u << 17) /* timer mode (bits 18:17; 10b TSC-deadline not offered) */
#define SVR_ENABLE     (1u << 8)
#define SVR_FOCUS_OFF  (1u << 9)

/* ESR bits (SDM 10.5.3). */
#define ESR_SEND_ILLEGAL_VECTOR 0x20
#define ESR_RECV_ILLEGAL_VECTOR 0x40

/* Writable bits of each LVT: vector, delivery mode (not for the timer and
 * error entries), polarity/trigger (LINT only), mask, timer mode. */
static const uint32_t lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = 0x000310ffu & ~0x1000u, /* vector, mask, periodic */
    [LVT_PERF] = 0x000107ffu,
    [LVT_LINT0] = 0x0001a7ffu,
    [LVT_LINT1] = 0x0001a7ffu,
    [LVT_ERROR] = 0x000100ffu,
};

struct lapic {
    struct machine *m;
    struct cpu *cpu;
    struct memmap *mem;
    struct vclock *vc;
    struct vtimer *timer;
    uint64_t mapped; /* base of the MMIO window, 0 = not mapped */
    int (*extint_ack)(void *opaque);
    void *extint_opaque;
    void (*eoi_fn)(void *opaque, int vector);
    void *eoi_opaque;
    uint64_t unimp_logged;

    /* --- state --- */
    uint32_t id;                     /* APIC ID in bits 31:24 */
    uint32_t tpr;                    /* task priority (bits 7:0) */
    uint32_t ldr;                    /* logical destination (bits 31:24) */
    uint32_t dfr;                    /* destination format: 0xFFFFFFFF flat, 0x0FFFFFFF cluster */
    uint32_t svr;                    /* spurious vector, software enable (8), focus disable (9) */
    uint32_t isr[8], tmr[8], irr[8]; /* 256-bit arrays, vector v is bit v%32 of word v/32 */
    uint32_t esr;                    /* error status as last latched by a write */
    uint32_t esr_pending;            /* errors since that write */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t timer_icr;   /* initial count */
    uint32_t timer_dcr;   /* divide configuration (bits 0, 1, 3) */
    uint64_t timer_start; /* virtual ns when the current count was timer_icr */
    bool lint[2];         /* pin levels (LINT0 = the 8259's INTR) */
    bool extint_ioapic;   /* an I/O APIC pin in ExtINT mode asserts the 8259's INTR */
    bool intr;            /* the level this APIC drives on the CPU's INTR pin */
};

/* --- the 256-bit arrays --- */

static void bit_set(uint32_t *a, int v)
{
    a[v >> 5] |= 1u << (v & 31);
}
static void bit_clear(uint32_t *a, int v)
{
    a[v >> 5] &= ~(1u << (v & 31));
}
static bool bit_test(const uint32_t *a, int v)
{
    return a[v >> 5] >> (v & 31) & 1;
}

/* Highest set vector, or -1. */
static int bit_highest(const uint32_t *a)
{
    for (int i = 7; i >= 0; i--)
        if (a[i])
            return i * 32 + 31 - __builtin_clz(a[i]);
    return -1;
}

/* --- state helpers --- */

static bool lapic_hw_enabled(const struct lapic *l)
{
    return (l->cpu->apic_base & 0x800) != 0;
}
static bool lapic_sw_enabled(const struct lapic *l)
{
    return lapic_hw_enabled(l) && (l->svr & SVR_ENABLE);
}

/* PPR (SDM 10.8.3.1): the TPR if its class is at least the highest
 * in-service class, else that class. */
static uint32_t lapic_ppr(const struct lapic *l)
{
    int isrv = bit_highest(l->isr);
    uint32_t isrc = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (l->tpr & 0xf0) >= isrc ? l->tpr & 0xff : isrc;
}

/* APR (SDM 10.8.3.1, lowest-priority arbitration): as the PPR with the
 * highest requested class counted too. */
static uint32_t lapic_apr(const struct lapic *l)
{
    int isrv = bit_highest(l->isr), irrv = bit_highest(l->irr);
    int c = (isrv > irrv ? isrv : irrv);
    uint32_t cls = c < 0 ? 0 : (uint32_t)c & 0xf0;
    return (l->tpr & 0xf0) >= cls ? l->tpr & 0xff : cls;
}

/* The 8259's INTR reaches the CPU: the APIC is out of the way (globally or
 * software disabled) or LINT0 is unmasked in ExtINT mode, or an I/O APIC pin
 * in ExtINT mode carries it. */
static bool lapic_extint_open(const struct lapic *l)
{
    if (!lapic_sw_enabled(l))
        return true;
    uint32_t v = l->lvt[LVT_LINT0];
    return (!(v & LVT_MASKED) && ((v >> 8) & 7) == APIC_DM_EXTINT) || l->extint_ioapic;
}

/* An APIC vector waits whose class is above the processor priority. */
static int lapic_deliverable(const struct lapic *l)
{
    if (!lapic_sw_enabled(l))
        return -1;
    int v = bit_highest(l->irr);
    if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(l) & 0xf0))
        return -1;
    return v;
}

/* Recompute the CPU's INTR pin. */
static void lapic_update(struct lapic *l)
{
    bool intr = lapic_deliverable(l) >= 0 || (lapic_extint_open(l) && l->lint[0]);
    if (intr != l->intr || intr != l->cpu->intr_line) {
        l->intr = intr;
        cpu_set_irq(l->cpu, intr);
    }
}

static void lapic_unimp(struct lapic *l, const char *what, uint32_t offset)
{
    unimp_log_once(l->m, &l->unimp_logged, 0, "local APIC: %s at offset 0x%03x ignored\n", what,
                   offset);
}

/* --- errors (SDM 10.5.3) --- */

static void lapic_set_irr(struct lapic *l, int vector, bool level);

static void lapic_error(struct lapic *l, uint32_t bits)
{
    bool fresh = (l->esr_pending & bits) != bits;
    l->esr_pending |= bits;
    uint32_t lvt = l->lvt[LVT_ERROR];
    if (fresh && !(lvt & LVT_MASKED) && lapic_sw_enabled(l))
        lapic_set_irr(l, lvt & 0xff, false);
}

/* Accept a fixed interrupt. Vectors 0-15 are illegal (SDM 10.5.2). */
static void lapic_set_irr(struct lapic *l, int vector, bool level)
{
    if (!lapic_sw_enabled(l))
        return; /* software disabled: fixed interrupts are not accepted (10.4.7.2) */
    if (vector < 16) {
        lapic_error(l, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    bit_set(l->irr, vector);
    if (level)
        bit_set(l->tmr, vector);
    else
        bit_clear(l->tmr, vector);
    lapic_update(l);
}

/* Deliver a local interrupt (LVT entry or self-IPI) by delivery mode. */
static void lapic_local(struct lapic *l, uint32_t entry, bool level)
{
    switch ((entry >> 8) & 7) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST: lapic_set_irr(l, entry & 0xff, level); break;
    case APIC_DM_NMI: cpu_raise_nmi(l->cpu); break;
    case APIC_DM_EXTINT: lapic_update(l); break;
    default:
        /* SMI, INIT, start-up: no SMM and one CPU (INIT/SIPI to other CPUs
         * come with SMP). */
        lapic_unimp(l, "SMI/INIT/SIPI delivery", entry);
        break;
    }
}

/* --- timer (SDM 10.5.4) --- */

static uint64_t lapic_timer_period_ns(const struct lapic *l)
{
    unsigned v = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);
    unsigned shift = (v + 1) & 7; /* 000b = /2 ... 110b = /128, 111b = /1 */
    return (uint64_t)LAPIC_TICK_NS << shift;
}

static bool lapic_timer_periodic(const struct lapic *l)
{
    return (l->lvt[LVT_TIMER] & LVT_PERIODIC) != 0;
}

/* Current count from the virtual clock. */
static uint32_t lapic_timer_ccr(struct lapic *l)
{
    if (!l->timer_icr)
        return 0;
    uint64_t ticks = (vclock_now(l->vc) - l->timer_start) / lapic_timer_period_ns(l);
    if (lapic_timer_periodic(l))
        return l->timer_icr - (uint32_t)(ticks % l->timer_icr);
    return ticks >= l->timer_icr ? 0 : l->timer_icr - (uint32_t)ticks;
}

/* Arm the vtimer for the next time the count reaches 0. */
static void lapic_timer_arm(struct lapic *l)
{
    if (!l->timer_icr) {
        vtimer_del(l->timer);
        return;
    }
    uint64_t span = (uint64_t)l->timer_icr * lapic_timer_period_ns(l);
    uint64_t now = vclock_now(l->vc);
    if (lapic_timer_periodic(l)) {
        /* Skip whole periods already past (time jumps in deterministic
         * idle); one interrupt for them, as the IRR holds one. */
        if (now >= l->timer_start + span)
            l->timer_start += (now - l->timer_start) / span * span;
        vtimer_mod(l->timer, l->timer_start + span);
    } else if (now < l->timer_start + span) {
        vtimer_mod(l->timer, l->timer_start + span);
    } else {
        vtimer_del(l->timer);
    }
}

static void lapic_timer_cb(void *opaque)
{
    struct lapic *l = opaque;
    uint64_t span = (uint64_t)l->timer_icr * lapic_timer_period_ns(l);
    uint32_t lvt = l->lvt[LVT_TIMER];
    if (!(lvt & LVT_MASKED) && lapic_sw_enabled(l))
        lapic_set_irr(l, lvt & 0xff, false);
    if (lapic_timer_periodic(l) && span) {
        l->timer_start += span;
        lapic_timer_arm(l);
    }
}

/* --- the register page --- */

static uint32_t lapic_reg_read(struct lapic *l, uint32_t off)
{
    switch (off) {
    case REG_ID: return l->id;
    case REG_VER: return LAPIC_VERSION;
    case REG_TPR: return l->tpr;
    case REG_APR: return lapic_apr(l);
    case REG_PPR: return lapic_ppr(l);
    case REG_EOI: return 0;
    case REG_RRD: return 0; /* remote read: never used, status invalid */
    case REG_LDR: return l->ldr;
    case REG_DFR: return l->dfr;
    case REG_SVR: return l->svr;
    case REG_ESR: return l->esr;
    case REG_ICR_LO: return l->icr_lo; /* delivery status (12) always idle */
    case REG_ICR_HI: return l->icr_hi;
    case REG_LVT_TIMER: return l->lvt[LVT_TIMER];
    case REG_LVT_PERF: return l->lvt[LVT_PERF];
    case REG_LVT_LINT0: return l->lvt[LVT_LINT0];
    case REG_LVT_LINT1: return l->lvt[LVT_LINT1];
    case REG_LVT_ERROR: return l->lvt[LVT_ERROR];
    case REG_TIMER_ICR: return l->timer_icr;
    case REG_TIMER_CCR: return lapic_timer_ccr(l);
    case REG_TIMER_DCR: return l->timer_dcr;
    }
    if (off >= REG_ISR && off < REG_ISR + 0x80)
        return l->isr[(off - REG_ISR) >> 4];
    if (off >= REG_TMR && off < REG_TMR + 0x80)
        return l->tmr[(off - REG_TMR) >> 4];
    if (off >= REG_IRR && off < REG_IRR + 0x80)
        return l->irr[(off - REG_IRR) >> 4];
    /* Reserved (including the thermal LVT this version lacks): reads 0. A
     * P6 has no Illegal Register Address error (ESR bit 7 is reserved on P6
     * family and Pentium processors, SDM 10.5.3). */
    lapic_unimp(l, "read of a reserved register", off);
    return 0;
}

uint32_t lapic_read(struct lapic *l, uint32_t offset)
{
    return lapic_reg_read(l, offset & 0xff0);
}

static void lapic_eoi(struct lapic *l)
{
    int v = bit_highest(l->isr);
    if (v < 0)
        return; /* EOI with nothing in service: ignored */
    bit_clear(l->isr, v);
    if (bit_test(l->tmr, v)) {
        bit_clear(l->tmr, v);
        if (l->eoi_fn)
            l->eoi_fn(l->eoi_opaque, v);
    }
    lapic_update(l);
}

/* Does a message for `dest` in `logical` mode select this APIC (SDM 10.6.2)? */
static bool lapic_match(const struct lapic *l, uint8_t dest, bool logical)
{
    if (!logical)
        return dest == 0xff || dest == (l->id >> 24);
    uint8_t ldr = l->ldr >> 24;
    if (dest == 0xff)
        return true;
    if ((l->dfr >> 28) == 0xf) /* flat model: bitmask */
        return (dest & ldr) != 0;
    /* cluster model: high nibble = cluster, low nibble = members */
    return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0x0f) != 0;
}

/* ICR write (SDM 10.6.1): one CPU, so only the IPIs that reach this APIC
 * do anything. */
static void lapic_send_ipi(struct lapic *l)
{
    uint32_t lo = l->icr_lo;
    unsigned mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    bool self;
    switch (shorthand) {
    case 1: self = true; break;  /* self */
    case 2: self = true; break;  /* all including self */
    case 3: self = false; break; /* all excluding self */
    default: self = lapic_match(l, l->icr_hi >> 24, (lo >> 11) & 1); break;
    }
    if (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) {
        if ((lo & 0xff) < 16) {
            lapic_error(l, ESR_SEND_ILLEGAL_VECTOR);
            return;
        }
    }
    if (!self)
        return; /* no other processors on the bus */
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST: lapic_set_irr(l, lo & 0xff, false); break;
    case APIC_DM_NMI: cpu_raise_nmi(l->cpu); break;
    case APIC_DM_INIT:
        /* INIT level de-assert (level 0, trigger level) only synchronizes
         * arbitration IDs; an INIT to the BSP itself is not modelled. */
        if (!(((lo >> 14) & 1) == 0 && ((lo >> 15) & 1)))
            lapic_unimp(l, "INIT IPI to self", REG_ICR_LO);
        break;
    default: lapic_unimp(l, "SMI/SIPI/ExtINT IPI to self", REG_ICR_LO); break;
    }
}

/* LINT0/LINT1 changed level or their LVT changed. */
static void lapic_lint_edge(struct lapic *l, int pin, bool rising)
{
    uint32_t v = l->lvt[LVT_LINT0 + pin];
    if (!lapic_hw_enabled(l)) {
        /* Globally disabled: LINT0 is INTR, LINT1 is NMI (SDM 10.4.3). */
        if (pin == 1 && rising)
            cpu_raise_nmi(l->cpu);
        return;
    }
    if ((v & LVT_MASKED) || !lapic_sw_enabled(l))
        return;
    unsigned mode = (v >> 8) & 7;
    if (mode == APIC_DM_EXTINT)
        return; /* the level is looked at by lapic_update */
    if (rising)
        lapic_local(l, v, mode == APIC_DM_FIXED && (v & LVT_LEVEL));
}

static void lapic_write_lvt(struct lapic *l, int n, uint32_t value)
{
    uint32_t old = l->lvt[n];
    uint32_t v = (old & ~lvt_writable[n]) | (value & lvt_writable[n]);
    if (!(l->svr & SVR_ENABLE))
        v |= LVT_MASKED; /* cannot be unmasked while software disabled (SDM 10.4.7.2) */
    l->lvt[n] = v;
    if (n == LVT_TIMER) {
        if ((old ^ v) & LVT_PERIODIC)
            lapic_timer_arm(l);
    }
    lapic_update(l);
}

void lapic_write(struct lapic *l, uint32_t offset, uint32_t value)
{
    uint32_t off = offset & 0xff0;
    switch (off) {
    case REG_ID: l->id = value & 0x0f000000u; return; /* 4-bit xAPIC ID on a P6 */
    case REG_TPR:
        l->tpr = value & 0xff;
        lapic_update(l);
        return;
    case REG_EOI: lapic_eoi(l); return;
    case REG_LDR: l->ldr = value & 0xff000000u; return;
    case REG_DFR: l->dfr = value | 0x0fffffffu; return;
    case REG_SVR: {
        /* Bits 3:0 of the spurious vector are hard-wired to 1 on a P6
         * (SDM 10.9). Clearing the enable masks every LVT (10.4.7.2). */
        l->svr = (value & 0x3f0) | 0x0f;
        if (!(l->svr & SVR_ENABLE))
            for (int i = 0; i < LVT_COUNT; i++)
                l->lvt[i] |= LVT_MASKED;
        lapic_update(l);
        return;
    }
    case REG_ESR:
        /* A write latches the errors since the last write (10.5.3). */
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        return;
    case REG_ICR_LO:
        l->icr_lo = value & 0x000ccfffu;
        lapic_send_ipi(l);
        return;
    case REG_ICR_HI: l->icr_hi = value & 0xff000000u; return;
    case REG_LVT_TIMER: lapic_write_lvt(l, LVT_TIMER, value); return;
    case REG_LVT_PERF: lapic_write_lvt(l, LVT_PERF, value); return;
    case REG_LVT_LINT0: lapic_write_lvt(l, LVT_LINT0, value); return;
    case REG_LVT_LINT1: lapic_write_lvt(l, LVT_LINT1, value); return;
    case REG_LVT_ERROR: lapic_write_lvt(l, LVT_ERROR, value); return;
    case REG_TIMER_ICR:
        /* Writing the initial count restarts the count (0 stops it). */
        l->timer_icr = value;
        l->timer_start = vclock_now(l->vc);
        lapic_timer_arm(l);
        return;
    case REG_TIMER_DCR: {
        /* Keep the current count and go on at the new rate. */
        uint32_t ccr = lapic_timer_ccr(l);
        l->timer_dcr = value & 0xb;
        if (l->timer_icr && (ccr || lapic_timer_periodic(l))) {
            uint64_t done = (uint64_t)(l->timer_icr - ccr) * lapic_timer_period_ns(l);
            uint64_t now = vclock_now(l->vc);
            l->timer_start = now > done ? now - done : 0;
            lapic_timer_arm(l);
        }
        return;
    }
    case REG_VER:
    case REG_APR:
    case REG_PPR:
    case REG_RRD:
    case REG_TIMER_CCR: return; /* read-only */
    }
    if (off >= REG_ISR && off < REG_IRR + 0x80)
        return; /* ISR/TMR/IRR are read-only */
    lapic_unimp(l, "write to a reserved register", off);
}

/* --- MMIO window --- */

static uint32_t lapic_mmio_read(void *opaque, uint32_t offset, int size)
{
    struct lapic *l = opaque;
    uint32_t v = lapic_read(l, offset & ~3u);
    return v >> ((offset & 3) * 8) & (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
}

static void lapic_mmio_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct lapic *l = opaque;
    if (size != 4 || (offset & 3)) {
        /* Registers are 32 bits wide, accessed on 16-byte boundaries
         * (SDM 10.4.1); narrower writes are undefined. */
        lapic_unimp(l, "non-32-bit write", offset);
        return;
    }
    lapic_write(l, offset, value);
}

static const struct io_ops lapic_ops = {lapic_mmio_read, lapic_mmio_write, 0};

static void lapic_remap(struct lapic *l)
{
    uint64_t want = lapic_hw_enabled(l) ? l->cpu->apic_base & 0xffffff000ull : 0;
    if (want == l->mapped)
        return;
    if (l->mapped)
        memmap_remove_owned(l->mem, l->mapped, l);
    if (want)
        memmap_add_mmio(l->mem, want, 0x1000, &lapic_ops, l);
    l->mapped = want;
}

/* --- reset and the machine's hooks --- */

static void lapic_reset_regs(struct lapic *l)
{
    /* SDM 10.4.7.1: power-up/reset state. */
    l->id = 0; /* the BSP is APIC ID 0 */
    l->tpr = 0;
    l->ldr = 0;
    l->dfr = 0xffffffffu;
    l->svr = 0xff;
    memset(l->isr, 0, sizeof l->isr);
    memset(l->tmr, 0, sizeof l->tmr);
    memset(l->irr, 0, sizeof l->irr);
    l->esr = l->esr_pending = 0;
    l->icr_lo = l->icr_hi = 0;
    for (int i = 0; i < LVT_COUNT; i++)
        l->lvt[i] = LVT_MASKED;
    l->timer_icr = 0;
    l->timer_dcr = 0;
    l->timer_start = 0;
    l->extint_ioapic = false;
    vtimer_del(l->timer);
}

/* IA32_APIC_BASE written: move the window; a global disable puts the APIC
 * into its reset state (SDM 10.4.3). Setting the enable bit again works here
 * as on later processors (a P6 would need a reset). */
static void lapic_base_changed(void *opaque, uint64_t old)
{
    struct lapic *l = opaque;
    if ((old & 0x800) && !lapic_hw_enabled(l))
        lapic_reset_regs(l);
    lapic_remap(l);
    lapic_update(l);
}

static void lapic_reset(void *opaque)
{
    struct lapic *l = opaque;
    lapic_reset_regs(l);
    lapic_remap(l); /* the CPU reset restored IA32_APIC_BASE */
    l->intr = false;
    lapic_update(l);
}

static void lapic_intr_in(void *opaque, bool level)
{
    lapic_set_lint(opaque, 0, level);
}

static int lapic_ack_cb(void *opaque)
{
    return lapic_ack(opaque);
}

int lapic_ack(struct lapic *l)
{
    int v = lapic_deliverable(l);
    if (v < 0 && lapic_extint_open(l) && l->lint[0] && l->extint_ack)
        return l->extint_ack(l->extint_opaque); /* ExtINT: the 8259 gives the vector */
    if (v < 0) {
        if (!lapic_sw_enabled(l))
            return -1;
        /* Raised, then masked by the TPR before the INTA: the spurious
         * vector, with no ISR bit (SDM 10.9). */
        return l->svr & 0xff;
    }
    bit_clear(l->irr, v);
    bit_set(l->isr, v);
    lapic_update(l);
    return v;
}

void lapic_set_lint(struct lapic *l, int pin, bool level)
{
    if (pin < 0 || pin > 1)
        return;
    bool rising = level && !l->lint[pin];
    l->lint[pin] = level;
    lapic_lint_edge(l, pin, rising);
    lapic_update(l);
}

void lapic_deliver(struct lapic *l, const struct apic_msg *msg)
{
    if (!lapic_sw_enabled(l) && msg->delivery != APIC_DM_NMI && msg->delivery != APIC_DM_INIT &&
        msg->delivery != APIC_DM_EXTINT)
        return; /* a software-disabled APIC accepts only NMI/INIT/SMI/SIPI (10.4.7.2) */
    if (!lapic_match(l, msg->dest, msg->logical))
        return;
    switch (msg->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST: lapic_set_irr(l, msg->vector, msg->level); break;
    case APIC_DM_NMI: cpu_raise_nmi(l->cpu); break;
    case APIC_DM_EXTINT:
        l->extint_ioapic = msg->assert;
        lapic_update(l);
        break;
    default: lapic_unimp(l, "SMI/INIT message", msg->delivery); break;
    }
}

void lapic_set_extint(struct lapic *l, int (*ack)(void *opaque), void *opaque)
{
    l->extint_ack = ack;
    l->extint_opaque = opaque;
}

void lapic_set_eoi_hook(struct lapic *l, void (*fn)(void *opaque, int vector), void *opaque)
{
    l->eoi_fn = fn;
    l->eoi_opaque = opaque;
}

uint64_t lapic_mapped_base(const struct lapic *l)
{
    return l->mapped;
}

/* --- state --- */

static int lapic_post_load(void *opaque)
{
    struct lapic *l = opaque;
    lapic_remap(l);
    lapic_timer_arm(l);
    cpu_set_irq(l->cpu, l->intr);
    return 0;
}

static const struct vmstate_field lapic_fields[] = {
    VMSTATE_FIELD(struct lapic, id, 1),        VMSTATE_FIELD(struct lapic, tpr, 1),
    VMSTATE_FIELD(struct lapic, ldr, 1),       VMSTATE_FIELD(struct lapic, dfr, 1),
    VMSTATE_FIELD(struct lapic, svr, 1),       VMSTATE_FIELD(struct lapic, isr, 1),
    VMSTATE_FIELD(struct lapic, tmr, 1),       VMSTATE_FIELD(struct lapic, irr, 1),
    VMSTATE_FIELD(struct lapic, esr, 1),       VMSTATE_FIELD(struct lapic, esr_pending, 1),
    VMSTATE_FIELD(struct lapic, icr_lo, 1),    VMSTATE_FIELD(struct lapic, icr_hi, 1),
    VMSTATE_FIELD(struct lapic, lvt, 1),       VMSTATE_FIELD(struct lapic, timer_icr, 1),
    VMSTATE_FIELD(struct lapic, timer_dcr, 1), VMSTATE_FIELD(struct lapic, timer_start, 1),
    VMSTATE_FIELD(struct lapic, lint, 1),      VMSTATE_FIELD(struct lapic, extint_ioapic, 1),
    VMSTATE_FIELD(struct lapic, intr, 1),
};
static const struct vmstate lapic_vs = VMSTATE_DESC("lapic", 1, lapic_fields, lapic_post_load);

const struct vmstate *lapic_vmstate(void)
{
    return &lapic_vs;
}

struct lapic *lapic_create(struct machine *m)
{
    struct lapic *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->m = m;
    l->cpu = machine_cpu(m);
    l->mem = machine_memmap(m);
    l->vc = machine_vclock(m);
    l->timer = vtimer_create(l->vc, lapic_timer_cb, l);
    lapic_reset_regs(l);
    l->cpu->hooks.apic_base = lapic_base_changed;
    l->cpu->hooks.apic_base_opaque = l;
    lapic_remap(l);
    machine_set_interrupt_controller(m, lapic_ack_cb, l);
    machine_set_intr_router(m, lapic_intr_in, l);
    machine_register_reset(m, lapic_reset, l);
    machine_register_state(m, &lapic_vs, l);
    return l;
}

void lapic_destroy(struct lapic *l)
{
    if (!l)
        return;
    if (l->cpu->hooks.apic_base_opaque == l)
        l->cpu->hooks.apic_base = NULL;
    vtimer_destroy(l->timer);
    free(l);
}
