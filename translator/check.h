/* The translator's lockstep checker (-accel tcg,check=on): an execution
 * engine that runs every block twice, once in the translator and once in
 * the interpreter (the reference), from the same state, and stops vx86 at
 * the first difference in registers, flags, exceptions or memory writes,
 * with both states and the block disassembled. translator/check.c. */
#ifndef VX86_TR_CHECK_H
#define VX86_TR_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cpu;
struct cpu_engine;
struct tr_check;

/* Exit status of vx86 when the checker found a difference: even, as vx86's
 * own statuses are (odd ones come from the guest's exit port 0xF4). */
#define TR_CHECK_EXIT 6

/* Wrap `inner` (a translator engine, tr_engine_create) in a checker for
 * `cpu`. The checker owns `inner` from then on. NULL on failure (inner is
 * then destroyed). */
struct cpu_engine *tr_check_create(struct cpu *cpu, struct cpu_engine *inner);
/* The checker behind a CPU's engine, or NULL. */
struct tr_check *tr_check_of_cpu(const struct cpu *cpu);

struct tr_check_stats {
    uint64_t checked;    /* blocks run in both engines and found equal */
    uint64_t unchecked;  /* blocks that touched a device: run in the interpreter only */
    uint64_t fallbacks;  /* runs the translator left to the interpreter itself */
    uint64_t mismatches; /* differences found (at most 1 unless exit_on_mismatch is off) */
};
void tr_check_get_stats(const struct tr_check *c, struct tr_check_stats *out);
/* Where reports go (default stderr), and whether a difference ends vx86
 * with TR_CHECK_EXIT (default) or only stops the CPU (cpu->stop_request;
 * tests). */
void tr_check_set_output(struct tr_check *c, FILE *out, bool exit_on_mismatch);

#endif
