/* The PC's x87 error wiring (IBM PC/AT; PIIX3 datasheet, "Coprocessor Error"
 * and port F0h): the CPU's FERR# raises IRQ13; a write to port 0xF0 clears
 * it (and would assert IGNNE#). */
#ifndef VX86_FPU_FERR_H
#define VX86_FPU_FERR_H

#include "devices/irq.h"

struct machine;
struct fpu_ferr;
struct vmstate;

#define FPU_FERR_PORT 0xf0

/* Installs itself as the CPU's ferr hook (cpu_hooks.ferr). */
struct fpu_ferr *fpu_ferr_create(struct machine *m, struct irq_line irq13);
void fpu_ferr_destroy(struct fpu_ferr *f);
void fpu_ferr_reset(void *opaque);
const struct vmstate *fpu_ferr_vmstate(void);

#endif
