/* The register snapshot a fault restores (cpu/exec.c), shared with the
 * translator's backends, which keep the interpreter's snapshot rules. */
#ifndef VX86_SNAPSHOT_H
#define VX86_SNAPSHOT_H

#include "cpu/cpu.h"
#include "cpu/insn.h"

/* Field by field through a volatile destination: the handler of the
 * previous instruction has just stored these as single 4- or 8-byte values,
 * and a wider (vectorised) load of two of them would stall on store
 * forwarding. */
static inline __attribute__((always_inline)) void cpu_snapshot(struct cpu *cpu)
{
    volatile uint64_t *g = cpu->snap_gpr;
    volatile uint32_t *f = &cpu->snap_lf.op;
    for (int i = 0; i < 8; i++)
        g[i] = cpu->gpr[i];
    cpu->snap_eflags = cpu->eflags;
    f[0] = cpu->lf.op;
    f[1] = cpu->lf.res;
    f[2] = cpu->lf.src1;
    f[3] = cpu->lf.src2;
    f[4] = cpu->lf.eager;
}
_Static_assert(sizeof(struct lazy_flags) == 5 * sizeof(uint32_t), "cpu_snapshot() copies 5 words");

/* Run up to `n` (>= 1) decoded instructions at consecutive addresses from
 * `eip`, by their handlers, as the interpreter does: the snapshot unless
 * bit i of `clean` says instruction i needs none, insn_eip, EIP to the next
 * instruction, the handler, icount. Stops after an instruction that left
 * EIP elsewhere (a branch taken, a REP that stopped early) or set
 * exec_break or a data breakpoint. Returns the instructions retired; a
 * fault longjmps out instead (cpu/exec.c). */
static inline __attribute__((always_inline)) uint32_t
cpu_exec_decoded(struct cpu *cpu, const struct insn *in, uint32_t n, uint32_t eip, uint32_t clean)
{
    const uint32_t wrap = cpu->code32 ? 0xffffffffu : 0xffffu;
    uint32_t i = 0;
    for (;;) {
        if (!(clean & 1)) {
            cpu_snapshot(cpu);
            cpu->snap_tag = cpu->icount + 1;
        }
        clean >>= 1;
        cpu->insn_eip = eip;
        uint32_t next = (eip + in->len) & wrap;
        cpu->eip = next;
        in->handler(cpu, in);
        cpu->icount++;
        i++;
        if (__builtin_expect((cpu->eip != next) | cpu->exec_break | (uint32_t)cpu->pending_dr6, 0) ||
            i == n)
            return i;
        eip = next;
        in++;
    }
}

#endif
