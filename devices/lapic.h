/* The CPU's local APIC (Intel SDM Vol. 3A chapter 10), xAPIC MMIO only, as
 * on a Pentium M: version 0x14 with five LVT entries (timer, performance
 * counter, LINT0, LINT1, error; no thermal LVT), no x2APIC, no TSC-deadline.
 *
 * lapic_create() maps the 4 KiB register page at the base held in
 * IA32_APIC_BASE (moved and unmapped through the CPU's apic_base hook),
 * becomes the machine's interrupt controller (INTA) and takes the legacy
 * controller's INTR output as its LINT0 (machine_set_intr_router), so create
 * it after the PIC and hand it the PIC's INTA with lapic_set_extint(). The
 * PIC's INTR reaches the CPU when the APIC is globally disabled, software
 * disabled (SVR bit 8 clear, the state after reset, so firmware and legacy
 * guests keep the PIC) or when LINT0 is unmasked in ExtINT mode (virtual
 * wire, SDM 10.5.1 / MP spec 3.6.2.2). LINT1 in NMI mode is the NMI pin. */
#ifndef VX86_LAPIC_H
#define VX86_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct machine;
struct lapic;

#define LAPIC_DEFAULT_BASE 0xfee00000u
#define LAPIC_VERSION      0x00040014u /* max LVT entry 4 (five LVTs), version 0x14 */
/* The timer counts the processor bus clock (a 100 MHz Pentium M FSB) through
 * the divide configuration register. */
#define LAPIC_BUS_HZ       100000000u
#define LAPIC_TICK_NS      10u

/* Delivery modes of LVT, ICR and I/O APIC redirection entries (SDM 10.5.1). */
enum apic_delivery {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

/* An interrupt message on the APIC bus (I/O APIC -> local APICs). */
struct apic_msg {
    uint8_t vector;
    uint8_t delivery; /* enum apic_delivery */
    bool logical;     /* destination mode: logical (LDR/DFR match) or physical (ID) */
    uint8_t dest;     /* APIC ID, 0xFF = broadcast; or a logical destination */
    bool level;       /* level triggered: set TMR, EOI is broadcast back */
    bool assert;      /* ExtINT: the level of the 8259's INTR behind the pin */
};

struct lapic *lapic_create(struct machine *m);
void lapic_destroy(struct lapic *l);

/* The 8259's INTA cycle, for ExtINT deliveries (LINT0 or an I/O APIC pin). */
void lapic_set_extint(struct lapic *l, int (*ack)(void *opaque), void *opaque);
/* Called with the vector of every EOI of a level-triggered interrupt (TMR bit
 * set): the EOI broadcast to the I/O APIC, which clears Remote IRR. */
void lapic_set_eoi_hook(struct lapic *l, void (*fn)(void *opaque, int vector), void *opaque);

/* A message from the APIC bus; dropped if the destination is not this APIC. */
void lapic_deliver(struct lapic *l, const struct apic_msg *msg);
/* Levels of the LINT0/LINT1 pins (LINT0 also comes from the PIC's INTR
 * through machine_set_intr_router). */
void lapic_set_lint(struct lapic *l, int pin, bool level);

/* The CPU's INTA: an ExtINT vector from the 8259, the highest pending APIC
 * vector (moved from IRR to ISR), or the spurious vector. */
int lapic_ack(struct lapic *l);

/* Register access by offset in the page (tests and the monitor). */
uint32_t lapic_read(struct lapic *l, uint32_t offset);
void lapic_write(struct lapic *l, uint32_t offset, uint32_t value);
/* Where the registers are mapped now (0 when globally disabled). */
uint64_t lapic_mapped_base(const struct lapic *l);

/* The state table registered with the machine (for snapshot tests). */
struct vmstate;
const struct vmstate *lapic_vmstate(void);

#endif
