/* Instruction fetch through the soft TLB for the runners of cached code:
 * the interpreter's decoded-instruction traces (cpu/exec.c) and the
 * translator's blocks (translator/dispatch.c). */
#ifndef VX86_CODE_TLB_H
#define VX86_CODE_TLB_H

#include <stddef.h>

#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "mmu/tlb.h"

/* The TLB's execute entry for linear `lin` when it maps RAM or ROM: a hit,
 * or a walk that cannot fault; NULL otherwise (changing nothing). */
static inline struct tlb_entry *cpu_exec_entry(struct cpu *cpu, uint32_t lin)
{
    struct tlb_entry *e = &cpu->tlb.e[cpu->cpl == 3][(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag[ACC_EXEC] == (lin & TLB_PAGE_MASK))
        return e;
    e = tlb_try_get(cpu, lin, ACC_EXEC);
    return e && !(e->tag[ACC_EXEC] & TLB_SLOW) ? e : NULL;
}

/* The TLB entry mapping CS:EIP for execution, with the linear address in
 * *lin; NULL when the instruction must be fetched the slow way (on a miss:
 * EIP beyond the CS limit, a fault to come, or code outside RAM/ROM). A hit
 * does not look at the CS limit: the caller checks it against its run. */
static inline __attribute__((always_inline)) struct tlb_entry *cpu_code_entry(struct cpu *cpu,
                                                                               uint32_t *lin)
{
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    uint32_t eip = cpu->eip;
    *lin = cs->base + eip;
    struct tlb_entry *e = &cpu->tlb.e[cpu->cpl == 3][(*lin >> 12) & (TLB_SIZE - 1)];
    if (__builtin_expect(e->tag[ACC_EXEC] == (*lin & TLB_PAGE_MASK), 1))
        return e;
    return eip > cs->limit ? NULL : cpu_exec_entry(cpu, *lin);
}

#endif
