/* The interpreter's main loop: interrupts at instruction boundaries, fetch,
 * decode, dispatch, and the non-local exit that makes every fault precise. */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/insn.h"
#include "cpu/mem.h"

/* Make the current register state the one a fault restores (called at each
 * instruction start, and by instructions such as REP MOVS after each
 * completed iteration so that a fault resumes from there). */
void cpu_commit(struct cpu *cpu)
{
    memcpy(cpu->snap_gpr, cpu->gpr, sizeof cpu->gpr);
    cpu->snap_eflags = cpu->eflags;
    cpu->snap_lf = cpu->lf;
    cpu->insn_eip = cpu->eip;
}

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
    cpu->exc_vector = vector;
    cpu->exc_error = error_code;
    cpu->exc_has_error = cpu_exception_has_error(vector);
    memcpy(cpu->gpr, cpu->snap_gpr, sizeof cpu->gpr);
    cpu->eflags = cpu->snap_eflags;
    cpu->lf = cpu->snap_lf;
    cpu->eip = cpu->insn_eip;
    longjmp(cpu->exc_jmp, 1);
}

void cpu_set_irq(struct cpu *cpu, bool level) { cpu->intr_line = level; }
void cpu_raise_nmi(struct cpu *cpu) { cpu->nmi_pending = true; }

/* Deliver a pending NMI or external interrupt if one is allowed now. */
static bool check_interrupts(struct cpu *cpu)
{
    if (cpu->nmi_pending && !cpu->nmi_blocked) {
        cpu->nmi_pending = false;
        cpu->nmi_blocked = true;
        cpu->halted = false;
        cpu_commit(cpu);
        cpu_interrupt(cpu, EXC_NMI, INTR_NMI, false, 0);
        cpu_debug_after_delivery(cpu);
        return true;
    }
    if (cpu->intr_line && (cpu->eflags & EF_IF) && cpu->hooks.ack_irq) {
        int vec = cpu->hooks.ack_irq(cpu->hooks.opaque);
        if (vec >= 0) {
            cpu->halted = false;
            cpu_commit(cpu);
            cpu_interrupt(cpu, vec & 0xff, INTR_EXTERNAL, false, 0);
            cpu_debug_after_delivery(cpu);
            return true;
        }
    }
    return false;
}

/* Execute one instruction at CS:EIP. */
static void step(struct cpu *cpu)
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

enum cpu_exit cpu_run(struct cpu *cpu, uint64_t max_insns)
{
    volatile uint64_t done = 0;

    if (setjmp(cpu->exc_jmp)) {
        /* An exception abandoned an instruction (or an interrupt delivery). */
        if (cpu->triple_fault)
            return CPU_EXIT_TRIPLE_FAULT;
        cpu->exc_depth++;
        cpu->halted = false;
        cpu_debug_insn_aborted(cpu);
        cpu_interrupt(cpu, cpu->exc_vector, INTR_EXCEPTION, cpu->exc_has_error,
                      cpu->exc_error);
        cpu->exc_depth = 0;
        cpu_debug_after_delivery(cpu);
        done++;
    }
    while (done < max_insns) {
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
        step(cpu);
        done++;
    }
    return CPU_EXIT_BUDGET;
}
