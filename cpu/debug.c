/* Debug registers at work (SDM Vol. 3A, chapter 17): instruction breakpoints
 * (faults, before execution, suppressed by EFLAGS.RF), data and I/O
 * breakpoints and single step (traps, after the instruction), DR6 status. */
#include "cpu/debug.h"
#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/sysinsn.h"

/* DR7 fields of breakpoint n: L/G enables, R/W type and LEN. */
#define DR7_ENABLED(dr7, n) (((dr7) >> ((n) * 2)) & 3)
#define DR7_RW(dr7, n) (((dr7) >> (16 + (n) * 4)) & 3)
#define DR7_LEN(dr7, n) (((dr7) >> (18 + (n) * 4)) & 3)
enum { RW_EXEC = 0, RW_WRITE = 1, RW_IO = 2, RW_RW = 3 };

/* pending_dr6 bit (reserved in DR6) marking data breakpoint hits of a MOV SS
 * or POP SS, whose delivery waits until after the next instruction. */
#define PENDING_DEFERRED 0x80000000u

/* LEN 00/01/11 = 1/2/4 bytes; 10 is undefined on a P6 (8 bytes on later
 * processors, which is what vx86 uses). */
static uint32_t bp_len(uint32_t dr7, int n)
{
    static const uint32_t len[4] = {1, 2, 8, 4};
    return len[DR7_LEN(dr7, n)];
}

/* Does [addr, addr+size) overlap breakpoint n's range? The breakpoint
 * address is aligned down to its length (SDM Vol. 3A 17.2.5). */
static bool bp_overlaps(const struct cpu *cpu, int n, uint32_t addr, int size)
{
    uint32_t len = bp_len(cpu->dr[7], n);
    uint64_t lo = cpu->dr[n] & ~(len - 1), hi = lo + len;
    uint64_t a = addr, b = a + (uint32_t)size;
    return a < hi && lo < b;
}

/* Deliver #DB with the DR6 condition bits `cond`: B0-B3 report this event's
 * breakpoints (replacing older ones when any matched); BD, BS and BT are
 * never cleared by the processor, so they accumulate (SDM Vol. 3A 17.2.3).
 * The processor also clears DR7.GD on entering the handler (17.2.4). */
static _Noreturn void raise_db(struct cpu *cpu, uint32_t cond)
{
    uint32_t dr6 = cpu->dr[6];
    if (cond & 0xf)
        dr6 &= ~0xfu;
    cpu->dr[6] = dr6 | (cond & DR6_WRITABLE);
    cpu->dr[7] &= ~DR7_GD;
    cpu_exception(cpu, EXC_DB, 0);
}

void cpu_debug_insn_aborted(struct cpu *cpu)
{
    if (!(cpu->pending_dr6 & PENDING_DEFERRED))
        cpu->pending_dr6 &= ~0xfu;
}

void cpu_debug_after_delivery(struct cpu *cpu)
{
    if (cpu->pending_dr6 & DR6_BT)
        cpu_debug_insn_end(cpu);
}

void cpu_debug_insn_start(struct cpu *cpu)
{
    /* Breakpoint hits recorded by an instruction that then faulted are not
     * reported (it did not complete); only those held back by MOV SS survive
     * to the end of this instruction. A task switch's BT stays. */
    if (!(cpu->pending_dr6 & PENDING_DEFERRED))
        cpu->pending_dr6 &= ~0xfu;
    if (cpu->eflags & EF_RF)
        return; /* RF: the instruction restarts after a breakpoint fault */
    if (cpu->shadow & SHADOW_SS)
        return; /* debug exceptions are held in the MOV SS / POP SS shadow */
    uint32_t dr7 = cpu->dr[7], lin = cpu->seg[SEG_CS].base + cpu->eip, hits = 0;
    for (int n = 0; n < 4; n++)
        if (DR7_ENABLED(dr7, n) && DR7_RW(dr7, n) == RW_EXEC && cpu->dr[n] == lin)
            hits |= 1u << n;
    if (hits)
        raise_db(cpu, hits); /* a fault: EIP stays at this instruction */
}

void cpu_debug_data_access(struct cpu *cpu, uint32_t lin, int size, bool write)
{
    uint32_t dr7 = cpu->dr[7];
    for (int n = 0; n < 4; n++) {
        if (!DR7_ENABLED(dr7, n))
            continue;
        int rw = DR7_RW(dr7, n);
        if (rw == RW_EXEC || rw == RW_IO || (rw == RW_WRITE && !write))
            continue;
        if (bp_overlaps(cpu, n, lin, size))
            cpu->pending_dr6 |= 1u << n;
    }
}

/* I/O breakpoints exist only with CR4.DE; without it R/W = 10 is undefined
 * and vx86 ignores such a breakpoint (SDM Vol. 3A 17.2.4). */
void cpu_debug_io_access(struct cpu *cpu, uint16_t port, int size)
{
    uint32_t dr7 = cpu->dr[7];
    if (!(cpu->cr4 & CR4_DE))
        return;
    for (int n = 0; n < 4; n++)
        if (DR7_ENABLED(dr7, n) && DR7_RW(dr7, n) == RW_IO && bp_overlaps(cpu, n, port, size))
            cpu->pending_dr6 |= 1u << n;
}


void cpu_debug_insn_end(struct cpu *cpu)
{
    uint32_t cond = cpu->pending_dr6 & DR6_WRITABLE; /* B0-B3, and BT from a task switch */
    if (cpu->trap_after)
        cond |= DR6_BS;
    cpu->trap_after = false;
    if (!cond) {
        cpu->pending_dr6 = 0;
        return;
    }
    /* SDM Vol. 3A 6.8.3: after MOV SS/POP SS, debug exceptions wait until the
     * next instruction has run. The single-step trap is simply not taken (TF
     * still set makes the next instruction trap); breakpoint hits stay pending. */
    if (cpu->inhibit_irq & SHADOW_SS) {
        uint32_t held = cpu->pending_dr6 & (DR6_WRITABLE & ~DR6_BS);
        cpu->pending_dr6 = held ? held | PENDING_DEFERRED : 0;
        return;
    }
    cpu->pending_dr6 = 0;
    cpu_commit(cpu); /* a trap: the handler returns to the next instruction */
    raise_db(cpu, cond);
}
