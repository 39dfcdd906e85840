/* FERR# -> IRQ13 and port 0xF0 (IBM PC/AT Technical Reference, "Math
 * Coprocessor"; PIIX3 datasheet 4.x "Coprocessor Error"): the chipset
 * latches IRQ13 when FERR# goes active; an OUT to port F0h clears the latch
 * and drives IGNNE#, so the CPU carries on while FERR# stays active. The
 * CPU (cpu/fpu_core.c) always carries on after signalling FERR#, which is
 * what IGNNE# gives a handler that writes port F0h. */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/fpu_ferr.h"
#include "devices/machine.h"
#include "devices/vmstate.h"
#include "mmu/io_ops.h"
#include "mmu/ioport.h"

struct fpu_ferr {
    struct irq_line irq;
    uint8_t ferr;  /* FERR# level from the CPU (saved state) */
    uint8_t latch; /* IRQ13 asserted (saved state) */
};

static const struct vmstate_field fpu_ferr_fields[] = {
    VMSTATE_FIELD(struct fpu_ferr, ferr, 1),
    VMSTATE_FIELD(struct fpu_ferr, latch, 1),
};

static int fpu_ferr_post_load(void *opaque)
{
    struct fpu_ferr *f = opaque;
    irq_set(&f->irq, f->latch);
    return 0;
}

static const struct vmstate fpu_ferr_vs =
    VMSTATE_DESC("fpu_ferr", 1, fpu_ferr_fields, fpu_ferr_post_load);

const struct vmstate *fpu_ferr_vmstate(void)
{
    return &fpu_ferr_vs;
}

/* cpu_hooks.ferr: IRQ13 is latched on FERR# going active. */
static void fpu_ferr_signal(void *opaque, bool level)
{
    struct fpu_ferr *f = opaque;
    if (level && !f->ferr && !f->latch) {
        f->latch = 1;
        irq_raise(&f->irq);
    }
    f->ferr = level;
}

static uint32_t fpu_ferr_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque, (void)offset, (void)size;
    return 0xff; /* write-only */
}

static void fpu_ferr_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct fpu_ferr *f = opaque;
    (void)offset, (void)value, (void)size;
    if (f->latch) {
        f->latch = 0;
        irq_lower(&f->irq);
    }
}

static const struct io_ops fpu_ferr_ops = {fpu_ferr_read, fpu_ferr_write, 1};

void fpu_ferr_reset(void *opaque)
{
    struct fpu_ferr *f = opaque;
    f->ferr = 0;
    if (f->latch) {
        f->latch = 0;
        irq_lower(&f->irq);
    }
}

struct fpu_ferr *fpu_ferr_create(struct machine *m, struct irq_line irq13)
{
    struct fpu_ferr *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->irq = irq13;
    ioport_register(machine_ioport(m), FPU_FERR_PORT, 1, &fpu_ferr_ops, f);
    machine_register_reset(m, fpu_ferr_reset, f);
    machine_register_state(m, &fpu_ferr_vs, f);
    struct cpu *cpu = machine_cpu(m);
    cpu->hooks.ferr = fpu_ferr_signal;
    cpu->hooks.ferr_opaque = f;
    return f;
}

void fpu_ferr_destroy(struct fpu_ferr *f)
{
    free(f);
}
