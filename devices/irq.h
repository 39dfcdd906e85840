/* Interrupt lines (DESIGN.md): a device raises and lowers a numbered line;
 * whoever receives it (PIC, IOAPIC, PCI routing) decides what that means. */
#ifndef VX86_IRQ_H
#define VX86_IRQ_H

#include <stdbool.h>

struct irq_line {
    void (*set)(void *opaque, int n, bool level);
    void *opaque;
    int n;
};

static inline void irq_set(const struct irq_line *l, bool level)
{
    if (l && l->set)
        l->set(l->opaque, l->n, level);
}
static inline void irq_raise(const struct irq_line *l) { irq_set(l, true); }
static inline void irq_lower(const struct irq_line *l) { irq_set(l, false); }
/* An edge for edge-triggered receivers: raise then lower. */
static inline void irq_pulse(const struct irq_line *l)
{
    irq_set(l, true);
    irq_set(l, false);
}

#endif
