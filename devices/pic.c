/* The 8259A PIC pair of the PC (Intel 8259A datasheet, "Detailed
 * Operational Description"): initialization words, masks, EOI and rotation,
 * special mask and special fully nested modes, poll, spurious IR7, and the
 * PIIX3 ELCR that makes individual inputs level triggered. */
#include "devices/pic.h"

#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

#define PIC_CASCADE_IR   2    /* the slave's INT goes to master IR2 on the PC */
#define ELCR_MASK_MASTER 0xf8 /* IRQ 0, 1, 2 are edge only (PIIX3 4.1.7) */
#define ELCR_MASK_SLAVE  0xde /* IRQ 8 and 13 are edge only */

/* One 8259A. */
struct pic_chip {
    uint8_t irr;          /* interrupt request register */
    uint8_t isr;          /* in-service register */
    uint8_t imr;          /* interrupt mask register (OCW1) */
    uint8_t input;        /* levels of the IR wires (not chip state proper) */
    uint8_t last_irr;     /* edge sense latch: input level last sampled */
    uint8_t elcr;         /* PIIX3 ELCR: 1 = level triggered */
    uint8_t vector_base;  /* ICW2 T7-T3 */
    uint8_t priority_add; /* IR with the highest priority (rotation) */
    uint8_t init_state;   /* 0 = operating; 1..3 = expecting ICW2..ICW4 */
    uint8_t icw1;         /* IC4, SNGL, ADI, LTIM as written */
    uint8_t icw3;         /* cascade: master's slave bits / slave's ID */
    uint8_t icw4;         /* uPM, AEOI, M/S, BUF, SFNM as written */
    uint8_t read_isr;     /* OCW3 RIS: port 0 reads ISR instead of IRR */
    uint8_t poll;         /* OCW3 P: the next read is a poll */
    uint8_t special_mask; /* OCW3 SMM */
    uint8_t rotate_aeoi;  /* OCW2 R=1 SL=0 EOI=0: rotate in auto-EOI mode */
};

struct pic {
    struct machine *m;
    struct pic_chip chip[2]; /* master, slave */
    uint8_t intr;            /* master INT output as last driven */
    uint64_t logged;         /* unimp messages already given (bit mask) */
};

#define ICW1_IC4  0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW4_UPM  0x01
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10

static uint8_t chip_level_mask(const struct pic_chip *c)
{
    return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* Priority 0 (highest) .. 7 of the highest-priority bit in `mask`, 8 if none. */
static int chip_priority(const struct pic_chip *c, uint8_t mask)
{
    if (!mask)
        return 8;
    int prio = 0;
    while (!(mask & (1u << ((prio + c->priority_add) & 7))))
        prio++;
    return prio;
}

/* The IR the chip would present on INTA, or -1: the highest-priority
 * unmasked request that outranks everything in service (8259A "Fully
 * Nested Mode"). In special mask mode every unmasked level whose ISR bit is
 * clear may interrupt, lower ones too ("Special Mask Mode"). In special
 * fully nested mode the master does not let the slave's in-service IR block
 * further slave requests. */
static int chip_get_irq(const struct pic_chip *c, bool master)
{
    uint8_t req = c->irr & ~c->imr;
    if (c->special_mask)
        req &= ~c->isr;
    int prio = chip_priority(c, req);
    if (prio == 8)
        return -1;
    if (!c->special_mask) {
        uint8_t busy = c->isr;
        if (master && (c->icw4 & ICW4_SFNM))
            busy &= ~(1u << PIC_CASCADE_IR);
        if (prio >= chip_priority(c, busy))
            return -1;
    }
    return (prio + c->priority_add) & 7;
}

/* The chip's input `irq` changed to `level` (edge sense per 8259A
 * "Edge and Level Triggered Modes": edges latch in IRR; level inputs follow
 * the wire). */
static void chip_set_input(struct pic_chip *c, int irq, bool level)
{
    uint8_t bit = 1u << irq;
    if (level)
        c->input |= bit;
    else
        c->input &= ~bit;
    if (chip_level_mask(c) & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !(c->last_irr & bit)) {
        c->irr |= bit;
    }
    if (level)
        c->last_irr |= bit;
    else
        c->last_irr &= ~bit;
}

/* Recompute the slave's INT into master IR2, then the master's INT into the
 * CPU's INTR pin. */
static void pic_update(struct pic *p)
{
    struct pic_chip *s = &p->chip[1];
    chip_set_input(&p->chip[0], PIC_CASCADE_IR, chip_get_irq(s, false) >= 0);
    bool intr = chip_get_irq(&p->chip[0], true) >= 0;
    if (intr != p->intr) {
        p->intr = intr;
        machine_set_cpu_intr(p->m, intr);
    }
}

void pic_set_irq(struct pic *p, int irq, bool level)
{
    if (irq < 0 || irq > 15 || irq == PIC_CASCADE_IR)
        return; /* IR2 is the slave's INT, not an ISA line */
    chip_set_input(&p->chip[irq >> 3], irq & 7, level);
    pic_update(p);
}

static void pic_irq_set(void *opaque, int n, bool level)
{
    pic_set_irq(opaque, n, level);
}

struct irq_line pic_irq_line(struct pic *p, int irq)
{
    return (struct irq_line){.set = pic_irq_set, .opaque = p, .n = irq};
}

/* The acknowledge part of INTA (or a poll): set ISR unless auto-EOI (then
 * maybe rotate), and clear an edge request. */
static void chip_intack(struct pic_chip *c, int irq)
{
    uint8_t bit = 1u << irq;
    if (c->icw4 & ICW4_AEOI) {
        if (c->rotate_aeoi)
            c->priority_add = (irq + 1) & 7;
    } else {
        c->isr |= bit;
    }
    if (!(chip_level_mask(c) & bit))
        c->irr &= ~bit;
}

int pic_ack(struct pic *p)
{
    struct pic_chip *ms = &p->chip[0], *sl = &p->chip[1];
    int irq = chip_get_irq(ms, true), vector;
    if (irq < 0) {
        /* Nothing pending (the request went away before INTA): the 8259A
         * answers with IR7's vector and sets no ISR bit ("Interrupt
         * Sequence", note on the default IR7). */
        vector = ms->vector_base + 7;
    } else {
        chip_intack(ms, irq);
        if (irq == PIC_CASCADE_IR) {
            int irq2 = chip_get_irq(sl, false);
            if (irq2 >= 0) {
                chip_intack(sl, irq2);
                vector = sl->vector_base + irq2;
            } else {
                /* Spurious on the slave: IR15's vector, no slave ISR bit,
                 * while the master has IR2 in service and needs its EOI. */
                vector = sl->vector_base + 7;
            }
        } else {
            vector = ms->vector_base + irq;
        }
    }
    pic_update(p);
    return vector;
}

bool pic_intr(const struct pic *p)
{
    return p->intr;
}

/* Poll command (OCW3 P=1): the read acknowledges like INTA and returns
 * I (bit 7) and the IR number; 0 when nothing is pending. */
static uint8_t chip_poll(struct pic *p, int idx)
{
    struct pic_chip *c = &p->chip[idx];
    c->poll = 0;
    int irq = chip_get_irq(c, idx == 0);
    if (irq < 0)
        return 0;
    chip_intack(c, irq);
    pic_update(p);
    return 0x80 | irq;
}

/* ICW1: start initialization (8259A "Initialization Command Words": edge
 * sense reset, IMR cleared, IR7 lowest priority, special mask cleared,
 * status read set to IRR, ICW4 functions cleared if IC4 = 0). */
static void chip_icw1(struct pic *p, struct pic_chip *c, uint8_t v)
{
    c->icw1 = v & 0x0f;
    c->init_state = 1;
    c->last_irr = 0;
    c->irr &= chip_level_mask(c) & c->input;
    c->imr = 0;
    c->isr = 0;
    c->priority_add = 0;
    c->read_isr = 0;
    c->poll = 0;
    c->special_mask = 0;
    c->rotate_aeoi = 0;
    c->icw4 = 0;
    if (!(v & ICW1_IC4))
        unimp_log_once(p->m, &p->logged, 0,
                       "pic: ICW1 without ICW4 selects MCS-80/85 mode; treated as 8086 mode\n");
}

static void chip_init_word(struct pic *p, struct pic_chip *c, uint8_t v)
{
    switch (c->init_state) {
    case 1: /* ICW2: T7-T3 of the vector (8086 mode) */
        c->vector_base = v & 0xf8;
        c->init_state = (c->icw1 & ICW1_SNGL) ? ((c->icw1 & ICW1_IC4) ? 3 : 0) : 2;
        break;
    case 2: /* ICW3 */
        c->icw3 = v;
        if (v != (c == &p->chip[0] ? 1u << PIC_CASCADE_IR : PIC_CASCADE_IR))
            unimp_log_once(p->m, &p->logged, 2,
                           "pic: ICW3 does not describe the PC's cascade on IR2; it stays there\n");
        c->init_state = (c->icw1 & ICW1_IC4) ? 3 : 0;
        break;
    case 3: /* ICW4 */
        c->icw4 = v & 0x1f;
        c->init_state = 0;
        if (!(v & ICW4_UPM))
            unimp_log_once(p->m, &p->logged, 1,
                           "pic: ICW4 uPM=0 (MCS-80/85 mode); treated as 8086 mode\n");
        break;
    }
}

/* OCW2: EOI and rotation commands (R, SL, EOI bits 7-5; level L2-L0). */
static void chip_ocw2(struct pic_chip *c, uint8_t v)
{
    int cmd = v >> 5, level = v & 7;
    switch (cmd) {
    case 0: /* rotate in auto-EOI mode: clear */
    case 4: /* ... set */ c->rotate_aeoi = cmd == 4; break;
    case 1:   /* non-specific EOI */
    case 5: { /* rotate on non-specific EOI */
        int prio = chip_priority(c, c->isr);
        if (prio == 8)
            break;
        int irq = (prio + c->priority_add) & 7;
        c->isr &= ~(1u << irq);
        if (cmd == 5)
            c->priority_add = (irq + 1) & 7;
        break;
    }
    case 3: /* specific EOI */ c->isr &= ~(1u << level); break;
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << level);
        c->priority_add = (level + 1) & 7;
        break;
    case 6: /* set priority: L becomes the lowest */ c->priority_add = (level + 1) & 7; break;
    case 2: /* no operation */ break;
    }
}

/* OCW3: ESMM/SMM (bits 6-5), P (bit 2), RR/RIS (bits 1-0). */
static void chip_ocw3(struct pic_chip *c, uint8_t v)
{
    if (v & 0x04)
        c->poll = 1;
    if (v & 0x02)
        c->read_isr = v & 0x01;
    if (v & 0x40)
        c->special_mask = (v >> 5) & 1;
}

static void pic_chip_write(struct pic *p, int idx, uint32_t offset, uint8_t v)
{
    struct pic_chip *c = &p->chip[idx];
    if (offset == 0) {
        if (v & 0x10)
            chip_icw1(p, c, v);
        else if (v & 0x08)
            chip_ocw3(c, v);
        else
            chip_ocw2(c, v);
    } else if (c->init_state) {
        chip_init_word(p, c, v);
    } else {
        c->imr = v; /* OCW1 */
    }
    pic_update(p);
}

static uint8_t pic_chip_read(struct pic *p, int idx, uint32_t offset)
{
    struct pic_chip *c = &p->chip[idx];
    if (c->poll)
        return chip_poll(p, idx);
    if (offset == 0)
        return c->read_isr ? c->isr : c->irr;
    return c->imr;
}

static uint32_t pic_master_read(void *opaque, uint32_t offset, int size)
{
    (void)size;
    return pic_chip_read(opaque, 0, offset);
}
static void pic_master_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)size;
    pic_chip_write(opaque, 0, offset, (uint8_t)value);
}
static uint32_t pic_slave_read(void *opaque, uint32_t offset, int size)
{
    (void)size;
    return pic_chip_read(opaque, 1, offset);
}
static void pic_slave_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)size;
    pic_chip_write(opaque, 1, offset, (uint8_t)value);
}
static uint32_t pic_elcr_port_read(void *opaque, uint32_t offset, int size)
{
    (void)size;
    return pic_elcr_read(opaque, (int)offset);
}
static void pic_elcr_port_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)size;
    pic_elcr_write(opaque, (int)offset, (uint8_t)value);
}

static const struct io_ops pic_master_ops = {pic_master_read, pic_master_write, 1};
static const struct io_ops pic_slave_ops = {pic_slave_read, pic_slave_write, 1};
static const struct io_ops pic_elcr_ops = {pic_elcr_port_read, pic_elcr_port_write, 1};

uint8_t pic_elcr_read(struct pic *p, int which)
{
    return p->chip[which & 1].elcr;
}

void pic_elcr_write(struct pic *p, int which, uint8_t value)
{
    struct pic_chip *c = &p->chip[which & 1];
    c->elcr = value & ((which & 1) ? ELCR_MASK_SLAVE : ELCR_MASK_MASTER);
    /* Inputs now level triggered request exactly while high. */
    uint8_t lvl = chip_level_mask(c);
    c->irr = (c->irr & ~lvl) | (c->input & lvl);
    pic_update(p);
}

void pic_set_elcr(struct pic *p, uint16_t elcr)
{
    pic_elcr_write(p, 0, elcr & 0xff);
    pic_elcr_write(p, 1, elcr >> 8);
}

uint16_t pic_elcr(const struct pic *p)
{
    return p->chip[0].elcr | (uint16_t)p->chip[1].elcr << 8;
}

uint8_t pic_irr(const struct pic *p, int chip)
{
    return p->chip[chip & 1].irr;
}
uint8_t pic_isr(const struct pic *p, int chip)
{
    return p->chip[chip & 1].isr;
}
uint8_t pic_imr(const struct pic *p, int chip)
{
    return p->chip[chip & 1].imr;
}

/* Machine reset (PIIX3 RSTDRV): both chips uninitialized, ELCR edge. The
 * wires keep their levels; edge-triggered ones must rise again. */
static void pic_reset(void *opaque)
{
    struct pic *p = opaque;
    for (int i = 0; i < 2; i++) {
        struct pic_chip *c = &p->chip[i];
        uint8_t input = c->input;
        *c = (struct pic_chip){0};
        c->input = input;
        c->last_irr = input;
    }
    pic_update(p);
}

/* The CPU's INTR pin is the CPU's state; drive it from the loaded chips. */
static int pic_post_load(void *opaque)
{
    struct pic *p = opaque;
    pic_update(p);
    machine_set_cpu_intr(p->m, p->intr);
    return 0;
}

#define PIC_CHIP_FIELDS(i)                                                                         \
    VMSTATE_FIELD(struct pic, chip[i].irr, 1), VMSTATE_FIELD(struct pic, chip[i].isr, 1),          \
        VMSTATE_FIELD(struct pic, chip[i].imr, 1), VMSTATE_FIELD(struct pic, chip[i].input, 1),    \
        VMSTATE_FIELD(struct pic, chip[i].last_irr, 1),                                            \
        VMSTATE_FIELD(struct pic, chip[i].elcr, 1),                                                \
        VMSTATE_FIELD(struct pic, chip[i].vector_base, 1),                                         \
        VMSTATE_FIELD(struct pic, chip[i].priority_add, 1),                                        \
        VMSTATE_FIELD(struct pic, chip[i].init_state, 1),                                          \
        VMSTATE_FIELD(struct pic, chip[i].icw1, 1), VMSTATE_FIELD(struct pic, chip[i].icw3, 1),    \
        VMSTATE_FIELD(struct pic, chip[i].icw4, 1),                                                \
        VMSTATE_FIELD(struct pic, chip[i].read_isr, 1),                                            \
        VMSTATE_FIELD(struct pic, chip[i].poll, 1),                                                \
        VMSTATE_FIELD(struct pic, chip[i].special_mask, 1),                                        \
        VMSTATE_FIELD(struct pic, chip[i].rotate_aeoi, 1)

static const struct vmstate_field pic_fields[] = {
    PIC_CHIP_FIELDS(0),
    PIC_CHIP_FIELDS(1),
    VMSTATE_FIELD(struct pic, intr, 1),
};
static const struct vmstate pic_vs = VMSTATE_DESC("pic", 1, pic_fields, pic_post_load);

const struct vmstate *pic_vmstate(void)
{
    return &pic_vs;
}

static int pic_ack_cb(void *opaque)
{
    return pic_ack(opaque);
}

struct pic *pic_create(struct machine *m)
{
    struct pic *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->m = m;
    struct ioport_map *io = machine_ioport(m);
    ioport_register(io, 0x20, 2, &pic_master_ops, p);
    ioport_register(io, 0xa0, 2, &pic_slave_ops, p);
    ioport_register(io, 0x4d0, 2, &pic_elcr_ops, p);
    machine_set_interrupt_controller(m, pic_ack_cb, p);
    machine_register_reset(m, pic_reset, p);
    machine_register_state(m, &pic_vs, p);
    return p;
}

void pic_destroy(struct pic *p)
{
    free(p);
}
