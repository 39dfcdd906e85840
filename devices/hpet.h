/* The High Precision Event Timer (IA-PC HPET specification 1.0a) at
 * 0xFED00000: a 64-bit main counter at 100 MHz (period 10,000,000 fs) and
 * three comparators, one-shot or periodic (timer 0 only), 32- or 64-bit,
 * edge or level interrupts, routed to I/O APIC pins 20-23 or, with the
 * LegacyReplacement route, timer 0 to ISA IRQ 0 and timer 1 to IRQ 8 (the
 * board then disconnects the PIT's and the RTC's interrupts: devices/pc.c).
 * No FSB (MSI) delivery. The ACPI "HPET" table describes it with event
 * timer block ID 0x8086A201 (the low half of the capabilities register). */
#ifndef VX86_HPET_H
#define VX86_HPET_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct machine;
struct hpet;

#define HPET_DEFAULT_BASE 0xfed00000u
#define HPET_TIMERS       3
#define HPET_PERIOD_FS    10000000u /* 10 ns: 100 MHz */
#define HPET_TICK_NS      10u
#define HPET_ROUTE_CAP    0x00f00000u /* I/O APIC pins 20-23 */
#define HPET_BLOCK_ID     0x8086a201u /* vendor 8086, legacy capable, 64-bit, 3 timers, rev 1 */

/* `legacy[0]`/`legacy[1]` are ISA IRQ 0 and IRQ 8 for the LegacyReplacement
 * route (the HPET re-drives both when the route is switched, so the board
 * can pick the source: hpet_legacy()); `gsi[n]` is I/O APIC pin n (0-23). */
struct hpet *hpet_create(struct machine *m, uint64_t base, const struct irq_line legacy[2],
                         const struct irq_line gsi[24]);
void hpet_destroy(struct hpet *h);

/* LegacyReplacement route enabled (GEN_CONF bit 1). */
bool hpet_legacy(const struct hpet *h);
/* The main counter now (tests). */
uint64_t hpet_counter(struct hpet *h);

/* 32-bit register access by MMIO offset (tests). */
uint32_t hpet_read(struct hpet *h, uint32_t offset);
void hpet_write(struct hpet *h, uint32_t offset, uint32_t value);

struct vmstate;
const struct vmstate *hpet_vmstate(void);

#endif
