/* The interpreter's main loop: interrupts at instruction boundaries, fetch,
 * decode (or a trace from the decoded-instruction cache), dispatch, and the
 * non-local exit that makes every fault precise. */
#include <string.h>

#include "cpu/code_tlb.h"
#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/icache.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/snapshot.h"
#include "mmu/tlb.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Make the current register state the one a fault restores (called at each
 * instruction start, and by instructions such as REP MOVS after each
 * completed iteration so that a fault resumes from there). */
void cpu_commit(struct cpu *cpu)
{
    cpu_snapshot(cpu);
    cpu->snap_tag = cpu->icount + 1;
    cpu->insn_eip = cpu->eip;
}

/* Registers changed outside an instruction (an interrupt or exception was
 * delivered, or the caller of cpu_run set them): the snapshot is stale. */
static inline void snapshot_stale(struct cpu *cpu) { cpu->snap_tag = 0; }

/* Exception classes for double-fault rules (SDM Vol. 3A, Table 6-4/6-5). */
enum { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGEFAULT };
static int exc_class(int v)
{
    switch (v) {
    case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: return EXC_CONTRIBUTORY;
    case EXC_PF: return EXC_PAGEFAULT;
    default: return EXC_BENIGN;
    }
}

bool cpu_exception_has_error(int v)
{
    return v == EXC_DF || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP ||
           v == EXC_PF || v == EXC_AC;
}

_Noreturn void cpu_exception(struct cpu *cpu, int vector, uint32_t error_code)
{
    if (cpu->exc_depth > 0) {
        /* A fault while delivering an earlier exception. */
        int first = cpu->exc_vector;
        if (first == EXC_DF) {
            cpu->triple_fault = true;
        } else {
            int c1 = exc_class(first), c2 = exc_class(vector);
            if ((c1 == EXC_CONTRIBUTORY && c2 == EXC_CONTRIBUTORY) ||
                (c1 == EXC_PAGEFAULT && c2 != EXC_BENIGN)) {
                vector = EXC_DF;
                error_code = 0;
            }
        }
    }
    cpu_log(cpu, CPU_LOG_INT, "int", "exception %d error %#x at %04x:%08x\n", vector,
            error_code, cpu->seg[SEG_CS].sel, cpu->insn_eip);
    if (cpu->hooks.exception)
        cpu->hooks.exception(cpu->hooks.opaque, vector, error_code);
    cpu->exc_vector = vector;
    cpu->exc_error = error_code;
    cpu->exc_has_error = cpu_exception_has_error(vector);
    if (cpu->snap_tag != cpu->icount + 1) {
        /* An instruction that takes no snapshot (cpu/icache.c): it has
         * changed nothing yet, so the registers are its start state. Take
         * the snapshot now for faults while delivering this one. */
        cpu_snapshot(cpu);
        cpu->snap_tag = cpu->icount + 1;
    } else {
        memcpy(cpu->gpr, cpu->snap_gpr, sizeof cpu->gpr);
        cpu->eflags = cpu->snap_eflags;
        cpu->lf = cpu->snap_lf;
    }
    cpu->eip = cpu->insn_eip;
    longjmp(cpu->exc_jmp, 1);
}

/* Both may be called by a device in the middle of an instruction (a port
 * write unmasking an interrupt): the running trace ends after it. */
void cpu_set_irq(struct cpu *cpu, bool level)
{
    cpu->intr_line = level;
    cpu->exec_break = 1;
}
void cpu_raise_nmi(struct cpu *cpu)
{
    cpu->nmi_pending = true;
    cpu->exec_break = 1;
}

/* Deliver a pending NMI or external interrupt if one is allowed now. */
static bool check_interrupts(struct cpu *cpu)
{
    if (cpu->nmi_pending && !cpu->nmi_blocked) {
        cpu->nmi_pending = false;
        cpu->nmi_blocked = true;
        cpu->halted = false;
        cpu_commit(cpu);
        cpu_interrupt(cpu, EXC_NMI, INTR_NMI, false, 0);
        snapshot_stale(cpu);
        cpu_debug_after_delivery(cpu);
        return true;
    }
    if (cpu->intr_line && (cpu->eflags & EF_IF) && cpu->hooks.ack_irq) {
        int vec = cpu->hooks.ack_irq(cpu->hooks.opaque);
        if (vec >= 0) {
            cpu->halted = false;
            cpu_commit(cpu);
            cpu_interrupt(cpu, vec & 0xff, INTR_EXTERNAL, false, 0);
            snapshot_stale(cpu);
            cpu_debug_after_delivery(cpu);
            return true;
        }
    }
    return false;
}

/* Execute one instruction at CS:EIP, fetched and decoded from scratch: the
 * reference path, for single step, breakpoints, tracing and code the cache
 * does not hold (MMIO, page-crossing instructions, the end of CS). */
void cpu_step(struct cpu *cpu)
{
    uint8_t buf[15];
    struct insn in;

    cpu_commit(cpu);
    if (cpu->dr[7] & 0xff)
        cpu_debug_insn_start(cpu);
    cpu->trap_after = (cpu->eflags & EF_TF) != 0;
    cpu->eflags &= ~EF_RF; /* RF suppresses breakpoints for one instruction only */

    int n = cpu_fetch(cpu, cpu->eip, buf, sizeof buf);
    if (n == 0)
        cpu_fetch_fault(cpu, cpu->eip);
    int r = decode_insn(&in, buf, n, cpu->code32);
    if (r == DEC_NEED_MORE)
        cpu_fetch_fault(cpu, cpu->eip + n);
    if (r == DEC_TOO_LONG)
        cpu_exception(cpu, EXC_GP, 0);
    if (r == DEC_INVALID)
        cpu_exception(cpu, EXC_UD, 0);
    if (cpu->trace_on && cpu->hooks.trace)
        cpu->hooks.trace(cpu->hooks.opaque, cpu);
    cpu->eip += in.len;
    if (!cpu->code32)
        cpu->eip &= 0xffff;
    in.handler(cpu, &in);
    cpu->icount++;
    if (cpu->trap_after || cpu->pending_dr6)
        cpu_debug_insn_end(cpu);
}

/* Run up to `max` instructions of the cached trace at CS:EIP, or one
 * instruction through step() when there is none. Between instructions of a
 * trace only two things are checked: EIP reached the next one (no branch
 * taken) and nothing set cpu->exec_break; the instructions that may change
 * anything else the run loop decides on end their trace (cpu/icache.c). The
 * caller has checked that no single step, breakpoint or trace is active. */
static inline void run_cached(struct cpu *cpu, uint64_t max)
{
    if (unlikely(tlb_is_stale(&cpu->tlb, cpu->a20_mask)))
        mmu_flush_all_global(cpu);
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    uint32_t eip = cpu->eip, lin;
    struct tlb_entry *e = cpu_code_entry(cpu, &lin);
    if (unlikely(!e)) {
        cpu_step(cpu);
        return;
    }
    bool code32 = cpu->code32;
    const struct icache_trace *t =
        icache_lookup(cpu->icache, e->phys | (lin & 0xfff),
                      (const uint8_t *)(uintptr_t)(lin + e->addend), code32);
    /* The whole trace must lie inside CS (and, in 16-bit code, not wrap IP). */
    uint32_t end = eip + t->bytes;
    if (unlikely(t->n == 0 || eip > cs->limit || cs->limit - eip < (uint32_t)t->bytes - 1 ||
                 (!code32 && end > 0x10000))) {
        cpu_step(cpu);
        return;
    }
    uint32_t n = t->n;
    if (n > max)
        n = max;
    /* A deliverable interrupt, or one held by a shadow, is looked at after
     * each instruction. */
    if (cpu->shadow || cpu_irq_deliverable(cpu))
        n = 1;

    cpu->trap_after = false;
    cpu->eflags &= ~EF_RF;
    cpu->exec_break = 0;
    cpu_exec_decoded(cpu, t->insn, n, eip, t->clean);
    if (unlikely(cpu->trap_after || cpu->pending_dr6))
        cpu_debug_insn_end(cpu);
}

/* The same for an engine's fallback (cpu/cpu.h). */
void cpu_run_cached(struct cpu *cpu, uint64_t max)
{
    run_cached(cpu, max);
}

enum cpu_exit cpu_run(struct cpu *cpu, uint64_t max_insns)
{
    /* Instructions retired plus exceptions delivered count against the budget. */
    const uint64_t start = cpu->icount;
    volatile uint64_t exceptions = 0;

    if (!cpu->icache)
        cpu->icache = icache_create(cpu);
    snapshot_stale(cpu);
    if (setjmp(cpu->exc_jmp)) {
        /* An exception abandoned an instruction (or an interrupt delivery). */
        if (cpu->triple_fault)
            return CPU_EXIT_TRIPLE_FAULT;
        cpu->exc_depth++;
        cpu->halted = false;
        cpu_debug_insn_aborted(cpu);
        cpu_interrupt(cpu, cpu->exc_vector, INTR_EXCEPTION, cpu->exc_has_error,
                      cpu->exc_error);
        snapshot_stale(cpu);
        cpu->exc_depth = 0;
        cpu_debug_after_delivery(cpu);
        exceptions++;
    }
    for (;;) {
        uint64_t done = cpu->icount - start + exceptions;
        if (done >= max_insns)
            break;
        if (cpu->stop_request) {
            cpu->stop_request = false;
            return CPU_EXIT_STOP;
        }
        if (cpu->triple_fault)
            return CPU_EXIT_TRIPLE_FAULT;
        /* The shadow armed by the previous instruction covers this one. */
        cpu->shadow = cpu->inhibit_irq;
        cpu->inhibit_irq = 0;
        if (!cpu->shadow && (cpu->intr_line || cpu->nmi_pending) && check_interrupts(cpu))
            continue;
        if (cpu->halted)
            return CPU_EXIT_HALT;
        if (likely(cpu->icache && !(cpu->eflags & EF_TF) && !(cpu->dr[7] & 0xff) &&
                   !cpu->trace_on)) {
            if (cpu->engine)
                cpu->engine->run(cpu->engine->opaque, cpu, max_insns - done);
            else
                run_cached(cpu, max_insns - done);
        } else
            cpu_step(cpu);
    }
    return CPU_EXIT_BUDGET;
}
