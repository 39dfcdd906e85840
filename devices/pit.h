/* The 8254 programmable interval timer (Intel 8254 datasheet) at 0x40-0x43,
 * clocked at 1.193182 MHz, and system control port B (0x61): channel 2 gate
 * and speaker data (bits 0-1), refresh toggle (bit 4), OUT2 (bit 5).
 * Counters are computed from the virtual clock, never ticked; OUT0 drives
 * the IRQ 0 line, its edges scheduled as virtual-clock timers. */
#ifndef VX86_PIT_H
#define VX86_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

#define PIT_FREQ_HZ 1193182u

struct machine;
struct pit;

/* Registers ports 0x40-0x43 and 0x61; `irq0` receives OUT0's level. */
struct pit *pit_create(struct machine *m, struct irq_line irq0);
void pit_destroy(struct pit *p);

/* GATE input of a channel (0 and 1 are tied high on the PC; channel 2's is
 * port 0x61 bit 0, which this device owns). */
void pit_set_gate(struct pit *p, int channel, bool level);
/* OUT level of a channel now. */
bool pit_out(struct pit *p, int channel);
/* The speaker's input: OUT2 AND port 0x61 bit 1. */
bool pit_speaker(struct pit *p);

/* The state table registered with the machine (for snapshot tests). */
struct vmstate;
const struct vmstate *pit_vmstate(void);

#endif
