/* The 82093AA I/O APIC (datasheet 290566, 3.0-3.2): the indirect register
 * window, the redirection table, edge and level (Remote IRR) delivery to the
 * local APIC (devices/ioapic.h). */
#include "devices/ioapic.h"

#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/lapic.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vmstate.h"
#include "mmu/memmap.h"

#define IOREGSEL 0x00
#define IOWIN    0x10

#define RTE_DELIVERY_STATUS (1ull << 12) /* read-only: send pending */
#define RTE_POLARITY_LOW    (1ull << 13)
#define RTE_REMOTE_IRR      (1ull << 14) /* read-only: level interrupt accepted, no EOI yet */
#define RTE_LEVEL           (1ull << 15)
#define RTE_MASKED          (1ull << 16)
/* Writable bits: vector, delivery mode, destination mode, polarity, trigger,
 * mask, destination (63:56). */
#define RTE_WRITABLE        (0xff000000000000ffull | 0x1af00ull)

struct ioapic {
    struct machine *m;
    uint64_t base;
    void (*deliver)(void *opaque, const struct apic_msg *msg);
    void *deliver_opaque;
    uint64_t unimp_logged;

    /* --- state --- */
    uint32_t regsel; /* IOREGSEL (bits 7:0) */
    uint32_t id;     /* IOAPICID: ID in bits 27:24 */
    uint32_t arb;    /* IOAPICARB: arbitration ID in bits 27:24 */
    uint64_t redir[IOAPIC_PINS];
    uint32_t level; /* input pin levels, bit n = pin n */
};

/* Send pin's message now (the entry is unmasked and its input asserted). */
static void ioapic_send(struct ioapic *io, int pin)
{
    uint64_t e = io->redir[pin];
    struct apic_msg msg = {
        .vector = e & 0xff,
        .delivery = (e >> 8) & 7,
        .logical = (e >> 11) & 1,
        .dest = e >> 56,
        .level = (e & RTE_LEVEL) != 0,
        .assert = true,
    };
    if (msg.delivery == APIC_DM_EXTINT) {
        /* The 8259 gives the vector on INTA; the message follows its INTR
         * level (datasheet 3.2.4: ExtINT, edge). */
        msg.assert = (io->level >> pin) & 1;
        msg.level = false;
    } else if (msg.level) {
        io->redir[pin] |= RTE_REMOTE_IRR;
    }
    if (io->deliver)
        io->deliver(io->deliver_opaque, &msg);
}

/* Level-triggered entries deliver while asserted and Remote IRR is clear. */
static void ioapic_service_level(struct ioapic *io, int pin)
{
    uint64_t e = io->redir[pin];
    if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && ((io->level >> pin) & 1) &&
        ((e >> 8) & 7) != APIC_DM_EXTINT)
        ioapic_send(io, pin);
}

void ioapic_set_irq(struct ioapic *io, int pin, bool level)
{
    if (pin < 0 || pin >= IOAPIC_PINS)
        return;
    uint32_t bit = 1u << pin;
    bool old = (io->level & bit) != 0;
    io->level = level ? io->level | bit : io->level & ~bit;
    uint64_t e = io->redir[pin];
    if (e & RTE_MASKED)
        return; /* a masked edge is lost; a masked level waits for unmask */
    if (((e >> 8) & 7) == APIC_DM_EXTINT) {
        if (old != level)
            ioapic_send(io, pin);
        return;
    }
    if (e & RTE_LEVEL)
        ioapic_service_level(io, pin);
    else if (level && !old)
        ioapic_send(io, pin);
}

static void ioapic_line_set(void *opaque, int n, bool level)
{
    ioapic_set_irq(opaque, n, level);
}

struct irq_line ioapic_irq_line(struct ioapic *io, int pin)
{
    return (struct irq_line){ioapic_line_set, io, pin};
}

void ioapic_eoi(struct ioapic *io, int vector)
{
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = io->redir[pin];
        if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR) && (e & 0xff) == (uint64_t)vector) {
            io->redir[pin] &= ~RTE_REMOTE_IRR;
            ioapic_service_level(io, pin);
        }
    }
}

static void ioapic_unimp(struct ioapic *io, const char *what, uint32_t v)
{
    unimp_log_once(io->m, &io->unimp_logged, 0, "I/O APIC: %s (0x%x) ignored\n", what, v);
}

static uint32_t ioapic_reg_read(struct ioapic *io)
{
    uint32_t r = io->regsel & 0xff;
    switch (r) {
    case 0x00: return io->id;
    case 0x01: return IOAPIC_VERSION;
    case 0x02: return io->arb;
    }
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
        uint64_t e = io->redir[(r - 0x10) >> 1];
        return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    ioapic_unimp(io, "read of a reserved register", r);
    return 0;
}

static void ioapic_reg_write(struct ioapic *io, uint32_t v)
{
    uint32_t r = io->regsel & 0xff;
    if (r == 0x00) {
        io->id = v & 0x0f000000u;
        io->arb = io->id; /* the arbitration ID is loaded from the ID (3.2.3) */
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_PINS) {
        ioapic_unimp(io, "write to a read-only or reserved register", r);
        return;
    }
    int pin = (r - 0x10) >> 1;
    uint64_t e = io->redir[pin];
    uint64_t nv = (r & 1) ? ((uint64_t)v << 32) | (uint32_t)e : (e & ~0xffffffffull) | v;
    io->redir[pin] = (e & ~RTE_WRITABLE) | (nv & RTE_WRITABLE);
    if (!(io->redir[pin] & RTE_LEVEL))
        io->redir[pin] &= ~RTE_REMOTE_IRR; /* Remote IRR is undefined for edge entries */
    /* Unmasking an asserted level interrupt delivers it. */
    if (!(io->redir[pin] & RTE_MASKED)) {
        if (((io->redir[pin] >> 8) & 7) == APIC_DM_EXTINT) {
            if ((e & RTE_MASKED) && ((io->level >> pin) & 1))
                ioapic_send(io, pin);
        } else {
            ioapic_service_level(io, pin);
        }
    }
}

uint32_t ioapic_mmio_read(struct ioapic *io, uint32_t offset)
{
    switch (offset) {
    case IOREGSEL: return io->regsel;
    case IOWIN: return ioapic_reg_read(io);
    }
    return 0;
}

void ioapic_mmio_write(struct ioapic *io, uint32_t offset, uint32_t value)
{
    switch (offset) {
    case IOREGSEL: io->regsel = value & 0xff; return;
    case IOWIN: ioapic_reg_write(io, value); return;
    }
    ioapic_unimp(io, "write to an unused offset", offset);
}

uint64_t ioapic_redir(const struct ioapic *io, int pin)
{
    return pin >= 0 && pin < IOAPIC_PINS ? io->redir[pin] : 0;
}

/* IOREGSEL is a byte register, IOWIN 32 bits (datasheet 3.1); a narrower
 * read of IOWIN returns the addressed bytes. */
static uint32_t ioapic_mmio_read_cb(void *opaque, uint32_t offset, int size)
{
    struct ioapic *io = opaque;
    uint32_t v = ioapic_mmio_read(io, offset & ~3u);
    return v >> ((offset & 3) * 8) & (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
}

static void ioapic_mmio_write_cb(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct ioapic *io = opaque;
    if (offset == IOREGSEL) {
        io->regsel = value & 0xff;
        return;
    }
    if (size != 4 || (offset & 3)) {
        ioapic_unimp(io, "narrow write", offset);
        return;
    }
    ioapic_mmio_write(io, offset, value);
}

static const struct io_ops ioapic_ops = {ioapic_mmio_read_cb, ioapic_mmio_write_cb, 0};

static void ioapic_reset(void *opaque)
{
    struct ioapic *io = opaque;
    io->regsel = 0;
    io->id = io->arb = 0;
    for (int i = 0; i < IOAPIC_PINS; i++)
        io->redir[i] = RTE_MASKED; /* datasheet 3.2.4: masked at reset */
}

static const struct vmstate_field ioapic_fields[] = {
    VMSTATE_FIELD(struct ioapic, regsel, 1), VMSTATE_FIELD(struct ioapic, id, 1),
    VMSTATE_FIELD(struct ioapic, arb, 1),    VMSTATE_FIELD(struct ioapic, redir, 1),
    VMSTATE_FIELD(struct ioapic, level, 1),
};
static const struct vmstate ioapic_vs = VMSTATE_DESC("ioapic", 1, ioapic_fields, NULL);

const struct vmstate *ioapic_vmstate(void)
{
    return &ioapic_vs;
}

struct ioapic *ioapic_create(struct machine *m, uint64_t base,
                             void (*deliver)(void *opaque, const struct apic_msg *msg),
                             void *opaque)
{
    struct ioapic *io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    io->m = m;
    io->base = base;
    io->deliver = deliver;
    io->deliver_opaque = opaque;
    ioapic_reset(io);
    memmap_add_mmio(machine_memmap(m), base, 0x1000, &ioapic_ops, io);
    machine_register_reset(m, ioapic_reset, io);
    machine_register_state(m, &ioapic_vs, io);
    return io;
}

void ioapic_destroy(struct ioapic *io)
{
    free(io);
}
