/* The harness's machine: 16 MiB of RAM, an empty I/O space, one CPU; and
 * running one test on it against the difference table. */
#ifndef VX86_SST_RUN_H
#define VX86_SST_RUN_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

#include "sst.h"

struct sst_machine {
    struct memmap *mem;
    struct ioport_map *io;
    struct cpu *cpu;
    uint8_t *ram;
    int exc[8]; /* vectors raised through cpu_exception(), in order */
    int nexc;
    uint32_t exc_eip;  /* insn_eip when the first of them was raised */
    int expect_vector; /* the vector this test may raise, or -1 */
    jmp_buf abandon;   /* taken from the log hook at any other exception */
};

/* The difference-table rows that apply to one test, combined. */
struct sst_applied {
    uint32_t rows; /* bit i: p6_differences[i] applies */
    enum p6_diff_kind kind;
    uint16_t ignore_flags, ignore_regs;
    int vector; /* P6_VECTOR / P6_RAISES_UD: what the P6 raises */
};

struct sst_machine *sst_machine_create(void);
void sst_machine_destroy(struct sst_machine *m);
/* First nonzero RAM byte (a write nobody expected once tests clean up), or -1. */
long sst_machine_dirty(const struct sst_machine *m);
void sst_machine_wipe(struct sst_machine *m);

void sst_applicable(const char *form, const struct sst_test *t, struct sst_applied *a);
/* Run test `t`; false with a description of every difference in `out`. */
bool sst_run_test(struct sst_machine *m, const struct sst_form *f, const struct sst_test *t,
                  const struct sst_applied *a, char *out, size_t cap);

#endif
