/* 8259A pair driven through ports 0x20/0x21/0xA0/0xA1/0x4D0/0x4D1 with no
 * CPU running: initialization, priority, masks, EOI kinds, rotation,
 * auto-EOI, poll, special mask and special fully nested modes, edge/level
 * triggering, ELCR, spurious IR7/IR15, and a save/restore round trip. */
#include <check.h>

#include "cpu/cpu.h"
#include "devices/pic.h"
#include "devices/vmstate.h"
#include "timers_test_util.h"

struct rig {
    struct machine *m;
    struct pic *p;
};

/* The PC BIOS programming: master vectors 0x08, slave 0x70, cascade on IR2,
 * 8086 mode; `icw4` extra bits (AEOI 0x02, SFNM 0x10) for the master. */
static void pic_init_pc(struct machine *m, uint8_t icw1_extra, uint8_t icw4_extra)
{
    tu_out(m, 0x20, 0x11 | icw1_extra);
    tu_out(m, 0x21, 0x08);
    tu_out(m, 0x21, 0x04);
    tu_out(m, 0x21, 0x01 | icw4_extra);
    tu_out(m, 0xa0, 0x11 | icw1_extra);
    tu_out(m, 0xa1, 0x70);
    tu_out(m, 0xa1, 0x02);
    tu_out(m, 0xa1, 0x01 | (icw4_extra & 0x02));
}

static struct rig rig_make(uint8_t icw1_extra, uint8_t icw4_extra)
{
    struct rig r;
    r.m = tu_machine();
    r.p = pic_create(r.m);
    ck_assert_ptr_nonnull(r.p);
    pic_init_pc(r.m, icw1_extra, icw4_extra);
    return r;
}

static void rig_free(struct rig *r)
{
    machine_destroy(r->m);
    pic_destroy(r->p);
}

static void pulse(struct pic *p, int irq)
{
    pic_set_irq(p, irq, true);
    pic_set_irq(p, irq, false);
}

static bool cpu_intr(struct machine *m)
{
    return machine_cpu(m)->intr_line;
}

START_TEST(init_ack_eoi)
{
    struct rig r = rig_make(0, 0);
    ck_assert(!cpu_intr(r.m));
    ck_assert_uint_eq(tu_in(r.m, 0x21), 0x00); /* ICW1 cleared the mask */
    struct irq_line l = pic_irq_line(r.p, 3);
    irq_pulse(&l);
    ck_assert(cpu_intr(r.m));
    ck_assert(pic_intr(r.p));
    ck_assert_uint_eq(tu_in(r.m, 0x20), 0x08); /* IRR by default */
    ck_assert_int_eq(pic_ack(r.p), 0x0b);
    ck_assert(!cpu_intr(r.m));
    ck_assert_uint_eq(pic_irr(r.p, 0), 0);
    tu_out(r.m, 0x20, 0x0b); /* OCW3: read ISR */
    ck_assert_uint_eq(tu_in(r.m, 0x20), 0x08);
    tu_out(r.m, 0x20, 0x20); /* non-specific EOI */
    ck_assert_uint_eq(tu_in(r.m, 0x20), 0x00);
    tu_out(r.m, 0x20, 0x0a); /* back to IRR */
    pic_set_irq(r.p, 5, true);
    ck_assert_uint_eq(tu_in(r.m, 0x20), 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(fully_nested_priority_and_mask)
{
    struct rig r = rig_make(0, 0);
    pulse(r.p, 5);
    pulse(r.p, 3);
    ck_assert_int_eq(pic_ack(r.p), 0x0b); /* IR3 outranks IR5 */
    ck_assert(!cpu_intr(r.m));            /* IR5 waits for IR3's EOI */
    pulse(r.p, 1);
    ck_assert(cpu_intr(r.m)); /* a higher level nests */
    ck_assert_int_eq(pic_ack(r.p), 0x09);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0x0a);
    tu_out(r.m, 0x20, 0x20); /* EOI clears the highest in service: IR1 */
    ck_assert_uint_eq(pic_isr(r.p, 0), 0x08);
    ck_assert(!cpu_intr(r.m));
    tu_out(r.m, 0x20, 0x20);
    ck_assert(cpu_intr(r.m));
    tu_out(r.m, 0x21, 0x20); /* OCW1 masks IR5 */
    ck_assert_uint_eq(tu_in(r.m, 0x21), 0x20);
    ck_assert(!cpu_intr(r.m));
    tu_out(r.m, 0x21, 0x00);
    ck_assert_int_eq(pic_ack(r.p), 0x0d);
    rig_free(&r);
}
END_TEST

START_TEST(cascade_slave)
{
    struct rig r = rig_make(0, 0);
    pulse(r.p, 10);
    ck_assert(cpu_intr(r.m));
    ck_assert_uint_eq(pic_irr(r.p, 0), 0x04); /* master IR2 */
    ck_assert_int_eq(pic_ack(r.p), 0x72);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0x04);
    ck_assert_uint_eq(pic_isr(r.p, 1), 0x04);
    /* Slave IR1 (IRQ 9) outranks IRQ 10 on the slave, but the master's IR2
     * is in service: without SFNM it cannot get through. */
    pulse(r.p, 9);
    ck_assert(!cpu_intr(r.m));
    tu_out(r.m, 0xa0, 0x20);
    ck_assert(!cpu_intr(r.m)); /* master IR2 still in service */
    tu_out(r.m, 0x20, 0x20);
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x71);
    /* Master IR0 outranks the whole slave. */
    pulse(r.p, 0);
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x08);
    rig_free(&r);
}
END_TEST

START_TEST(special_fully_nested)
{
    struct rig r = rig_make(0, 0x10);
    pulse(r.p, 10);
    ck_assert_int_eq(pic_ack(r.p), 0x72);
    pulse(r.p, 9); /* higher on the slave: SFNM lets it through IR2 */
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x71);
    pulse(r.p, 11); /* lower than IRQ 10 on the slave: blocked there */
    ck_assert(!cpu_intr(r.m));
    rig_free(&r);
}
END_TEST

START_TEST(specific_eoi_and_rotation)
{
    struct rig r = rig_make(0, 0);
    pulse(r.p, 3);
    pulse(r.p, 6);
    ck_assert_int_eq(pic_ack(r.p), 0x0b);
    tu_out(r.m, 0x20, 0x63); /* specific EOI for IR3 */
    ck_assert_uint_eq(pic_isr(r.p, 0), 0);
    ck_assert_int_eq(pic_ack(r.p), 0x0e);
    tu_out(r.m, 0x20, 0xa0); /* rotate on non-specific EOI: IR6 now lowest */
    pulse(r.p, 6);
    pulse(r.p, 0);
    pulse(r.p, 7);
    ck_assert_int_eq(pic_ack(r.p), 0x0f); /* IR7 is now the highest */
    tu_out(r.m, 0x20, 0xe7);              /* rotate on specific EOI 7: IR0 highest */
    ck_assert_int_eq(pic_ack(r.p), 0x08);
    tu_out(r.m, 0x20, 0x60);
    tu_out(r.m, 0x20, 0xc4); /* set priority: IR4 lowest, IR5 highest */
    pulse(r.p, 4);
    pulse(r.p, 5);
    ck_assert_int_eq(pic_ack(r.p), 0x0d); /* IR6 (still pending) is below 5 */
    tu_out(r.m, 0x20, 0x20);
    ck_assert_int_eq(pic_ack(r.p), 0x0e);
    tu_out(r.m, 0x20, 0x20);
    ck_assert_int_eq(pic_ack(r.p), 0x0c);
    rig_free(&r);
}
END_TEST

START_TEST(set_priority_order)
{
    struct rig r = rig_make(0, 0);
    tu_out(r.m, 0x20, 0xc4); /* IR4 lowest: order 5,6,7,0,1,2,3,4 */
    pulse(r.p, 4);
    pulse(r.p, 3);
    pulse(r.p, 7);
    ck_assert_int_eq(pic_ack(r.p), 0x0f);
    tu_out(r.m, 0x20, 0x20);
    ck_assert_int_eq(pic_ack(r.p), 0x0b);
    tu_out(r.m, 0x20, 0x20);
    ck_assert_int_eq(pic_ack(r.p), 0x0c);
    rig_free(&r);
}
END_TEST

START_TEST(auto_eoi_and_rotate_in_aeoi)
{
    struct rig r = rig_make(0, 0x02);
    pulse(r.p, 3);
    ck_assert_int_eq(pic_ack(r.p), 0x0b);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0); /* auto-EOI: nothing in service */
    pulse(r.p, 5);
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x0d);
    tu_out(r.m, 0x20, 0x80); /* rotate in auto-EOI mode */
    pulse(r.p, 4);
    ck_assert_int_eq(pic_ack(r.p), 0x0c);
    /* IR4 was serviced last, so IR5 is now highest: 6 beats 1. */
    pulse(r.p, 1);
    pulse(r.p, 6);
    ck_assert_int_eq(pic_ack(r.p), 0x0e);
    ck_assert_int_eq(pic_ack(r.p), 0x09); /* now IR2 is highest */
    tu_out(r.m, 0x20, 0x00);              /* clear rotate in AEOI: priority stays where it went */
    for (int i = 0; i < 2; i++) {
        pulse(r.p, 0);
        pulse(r.p, 3);
        ck_assert_int_eq(pic_ack(r.p), 0x0b);
        ck_assert_int_eq(pic_ack(r.p), 0x08);
    }
    rig_free(&r);
}
END_TEST

START_TEST(poll_command)
{
    struct rig r = rig_make(0, 0);
    tu_out(r.m, 0x20, 0x0c); /* poll with nothing pending */
    ck_assert_uint_eq(tu_in(r.m, 0x20), 0x00);
    ck_assert_uint_eq(tu_in(r.m, 0x21), 0x00); /* next read is IMR again */
    pulse(r.p, 6);
    pulse(r.p, 4);
    tu_out(r.m, 0x20, 0x0c);
    ck_assert_uint_eq(tu_in(r.m, 0x20), 0x84);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0x10); /* the poll acknowledged IR4 */
    tu_out(r.m, 0x20, 0x0c);
    ck_assert_uint_eq(tu_in(r.m, 0x21), 0x00); /* IR6 below IR4 in service */
    tu_out(r.m, 0x20, 0x20);
    tu_out(r.m, 0xa0, 0x0c);
    ck_assert_uint_eq(tu_in(r.m, 0xa0), 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(special_mask_mode)
{
    struct rig r = rig_make(0, 0);
    pulse(r.p, 3);
    ck_assert_int_eq(pic_ack(r.p), 0x0b);
    pulse(r.p, 5);
    ck_assert(!cpu_intr(r.m));
    tu_out(r.m, 0x21, 0x08);  /* mask the level in service */
    tu_out(r.m, 0x20, 0x68);  /* OCW3: set special mask mode */
    ck_assert(cpu_intr(r.m)); /* lower levels are enabled now */
    ck_assert_int_eq(pic_ack(r.p), 0x0d);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0x28);
    pulse(r.p, 6); /* still enabled: ISR bits do not block in SMM */
    ck_assert(cpu_intr(r.m));
    tu_out(r.m, 0x20, 0x48); /* reset special mask mode */
    ck_assert(!cpu_intr(r.m));
    tu_out(r.m, 0x20, 0x28); /* ESMM=0: no change */
    ck_assert(!cpu_intr(r.m));
    rig_free(&r);
}
END_TEST

START_TEST(edge_and_level)
{
    struct rig r = rig_make(0, 0);
    /* Edge: a line held high requests once. */
    pic_set_irq(r.p, 4, true);
    ck_assert_int_eq(pic_ack(r.p), 0x0c);
    tu_out(r.m, 0x20, 0x20);
    ck_assert(!cpu_intr(r.m));
    pic_set_irq(r.p, 4, false);
    pic_set_irq(r.p, 4, true);
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x0c);
    tu_out(r.m, 0x20, 0x20);
    pic_set_irq(r.p, 4, false);
    /* Level through the ELCR: requests again after EOI while high, and the
     * request disappears with the line. */
    tu_out(r.m, 0x4d0, 0x10);
    pic_set_irq(r.p, 4, true);
    ck_assert_int_eq(pic_ack(r.p), 0x0c);
    tu_out(r.m, 0x20, 0x20);
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x0c);
    pic_set_irq(r.p, 4, false);
    tu_out(r.m, 0x20, 0x20);
    ck_assert(!cpu_intr(r.m));
    ck_assert_uint_eq(pic_irr(r.p, 0), 0);
    rig_free(&r);
}
END_TEST

START_TEST(ltim_level_for_all)
{
    struct rig r = rig_make(0x08, 0); /* ICW1 LTIM */
    pic_set_irq(r.p, 7, true);
    ck_assert_int_eq(pic_ack(r.p), 0x0f);
    tu_out(r.m, 0x20, 0x20);
    ck_assert(cpu_intr(r.m));
    pic_set_irq(r.p, 7, false);
    ck_assert(!cpu_intr(r.m));
    rig_free(&r);
}
END_TEST

START_TEST(elcr_ports)
{
    struct rig r = rig_make(0, 0);
    tu_out(r.m, 0x4d0, 0xff);
    tu_out(r.m, 0x4d1, 0xff);
    ck_assert_uint_eq(tu_in(r.m, 0x4d0), 0xf8); /* IRQ 0-2 edge only */
    ck_assert_uint_eq(tu_in(r.m, 0x4d1), 0xde); /* IRQ 8, 13 edge only */
    ck_assert_uint_eq(pic_elcr(r.p), 0xdef8);
    pic_set_elcr(r.p, 0);
    /* An edge line held high after its EOI does not request again... */
    pic_set_irq(r.p, 11, true);
    ck_assert_int_eq(pic_ack(r.p), 0x73);
    tu_out(r.m, 0xa0, 0x20);
    tu_out(r.m, 0x20, 0x20);
    ck_assert(!cpu_intr(r.m));
    /* ... until it is switched to level. */
    pic_set_elcr(r.p, 0x0e20);
    ck_assert_uint_eq(tu_in(r.m, 0x4d0), 0x20);
    ck_assert_uint_eq(pic_elcr_read(r.p, 1), 0x0e);
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x73);
    rig_free(&r);
}
END_TEST

START_TEST(spurious_ir7_and_ir15)
{
    struct rig r = rig_make(0, 0);
    tu_out(r.m, 0x4d0, 0x20);
    tu_out(r.m, 0x4d1, 0x04);
    /* Master: the level request goes away before INTA. */
    pic_set_irq(r.p, 5, true);
    ck_assert(cpu_intr(r.m));
    pic_set_irq(r.p, 5, false);
    ck_assert_int_eq(pic_ack(r.p), 0x0f);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0);
    /* Slave: IRQ 10 (level) drops after the master latched IR2's edge. */
    pic_set_irq(r.p, 10, true);
    pic_set_irq(r.p, 10, false);
    ck_assert(cpu_intr(r.m));
    ck_assert_int_eq(pic_ack(r.p), 0x77);
    ck_assert_uint_eq(pic_isr(r.p, 1), 0);    /* no slave ISR bit */
    ck_assert_uint_eq(pic_isr(r.p, 0), 0x04); /* the master needs an EOI */
    tu_out(r.m, 0x20, 0x20);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0);
    rig_free(&r);
}
END_TEST

START_TEST(reinit_clears_state)
{
    struct rig r = rig_make(0, 0);
    tu_out(r.m, 0x21, 0xf0);
    pulse(r.p, 1);
    ck_assert_int_eq(pic_ack(r.p), 0x09);
    tu_out(r.m, 0x20, 0xc3);
    tu_out(r.m, 0x20, 0x11);
    ck_assert_uint_eq(pic_isr(r.p, 0), 0);
    ck_assert_uint_eq(pic_imr(r.p, 0), 0);
    tu_out(r.m, 0x21, 0x20); /* ICW2 */
    tu_out(r.m, 0x21, 0x04);
    tu_out(r.m, 0x21, 0x01);
    pulse(r.p, 7);
    pulse(r.p, 0);
    ck_assert_int_eq(pic_ack(r.p), 0x20); /* new base, priority reset */
    rig_free(&r);
}
END_TEST

/* Save mid-service, load into a second machine, and both continue alike. */
START_TEST(state_round_trip)
{
    struct rig a = rig_make(0, 0), b = rig_make(0, 0x02);
    tu_out(a.m, 0x4d0, 0x20);
    tu_out(a.m, 0x21, 0x40);
    tu_out(a.m, 0x20, 0xc2); /* rotation */
    pulse(a.p, 4);
    pulse(a.p, 12);
    pulse(a.p, 6);
    pic_set_irq(a.p, 5, true);
    ck_assert_int_eq(pic_ack(a.p), 0x0c); /* IR2 (the slave) is the lowest now */
    tu_out(a.m, 0x20, 0x0b);
    uint8_t buf[1024];
    size_t n = vmstate_save(pic_vmstate(), a.p, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(pic_vmstate(), b.p, buf, n), 0);
    ck_assert_int_eq(cpu_intr(b.m), cpu_intr(a.m));
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(tu_in(b.m, 0x20), tu_in(a.m, 0x20));
        ck_assert_uint_eq(tu_in(b.m, 0xa0), tu_in(a.m, 0xa0));
        ck_assert_int_eq(pic_ack(b.p), pic_ack(a.p));
        tu_out(a.m, 0x20, 0x20);
        tu_out(b.m, 0x20, 0x20);
        tu_out(a.m, 0xa0, 0x20);
        tu_out(b.m, 0xa0, 0x20);
        ck_assert_int_eq(cpu_intr(b.m), cpu_intr(a.m));
    }
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pic");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, init_ack_eoi);
    tcase_add_test(tc, fully_nested_priority_and_mask);
    tcase_add_test(tc, cascade_slave);
    tcase_add_test(tc, special_fully_nested);
    tcase_add_test(tc, specific_eoi_and_rotation);
    tcase_add_test(tc, set_priority_order);
    tcase_add_test(tc, auto_eoi_and_rotate_in_aeoi);
    tcase_add_test(tc, poll_command);
    tcase_add_test(tc, special_mask_mode);
    tcase_add_test(tc, edge_and_level);
    tcase_add_test(tc, ltim_level_for_all);
    tcase_add_test(tc, elcr_ports);
    tcase_add_test(tc, spurious_ir7_and_ir15);
    tcase_add_test(tc, reinit_clears_state);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
