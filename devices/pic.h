/* The PC's 8259A programmable interrupt controller pair (Intel 8259A
 * datasheet): master at 0x20/0x21, slave at 0xA0/0xA1 cascaded on master
 * IR2, plus the PIIX3 edge/level control registers (ELCR) at 0x4D0/0x4D1.
 *
 * pic_create() registers all six ports itself (including ELCR 0x4D0/0x4D1,
 * so the PIIX3 model must NOT register them), installs the pair as the
 * machine's interrupt controller (machine_set_interrupt_controller, INTA =
 * pic_ack) and drives the CPU's INTR pin (machine_set_cpu_intr). */
#ifndef VX86_PIC_H
#define VX86_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct machine;
struct pic;

struct pic *pic_create(struct machine *m);
void pic_destroy(struct pic *p);

/* The interrupt line of ISA IRQ `irq` (0-15; 2 is the cascade and is not
 * wired on the PC, IRQ 9 is what the ISA bus calls IRQ2). A device drives the
 * line's level: edge-triggered inputs latch a request on a rising edge,
 * level-triggered ones (ELCR or ICW1 LTIM) request while the line is high. */
struct irq_line pic_irq_line(struct pic *p, int irq);
void pic_set_irq(struct pic *p, int irq, bool level);

/* The CPU's INTA cycle: the vector of the highest-priority pending request,
 * with ISR updated as the 8259A does; with nothing pending the spurious
 * vector of IR7 (master) or IR15 (slave, after the master acknowledged the
 * cascade) and no ISR bit on the chip that had nothing. */
int pic_ack(struct pic *p);
/* Level of the master's INT output (the CPU's INTR pin). */
bool pic_intr(const struct pic *p);

/* ELCR (PIIX3 4.1.7): bit n = 1 makes IRQ n level triggered. IRQ 0, 1, 2,
 * 8 and 13 are always edge (their bits read as 0). */
void pic_set_elcr(struct pic *p, uint16_t elcr);
uint16_t pic_elcr(const struct pic *p);
/* The ELCR ports' contents: `which` 0 = 0x4D0 (IRQ 0-7), 1 = 0x4D1 (IRQ 8-15). */
uint8_t pic_elcr_read(struct pic *p, int which);
void pic_elcr_write(struct pic *p, int which, uint8_t value);

/* Inspection for tests and the monitor: chip 0 = master, 1 = slave. */
uint8_t pic_irr(const struct pic *p, int chip);
uint8_t pic_isr(const struct pic *p, int chip);
uint8_t pic_imr(const struct pic *p, int chip);

/* The state table registered with the machine (for snapshot tests). */
struct vmstate;
const struct vmstate *pic_vmstate(void);

#endif
