/* The register snapshot a fault restores (cpu/exec.c), shared with the
 * translator's backends, which keep the interpreter's snapshot rules. */
#ifndef VX86_SNAPSHOT_H
#define VX86_SNAPSHOT_H

#include "cpu/cpu.h"

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

#endif
