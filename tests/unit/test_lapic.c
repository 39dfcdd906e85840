/* The local APIC driven through its MMIO page on the virtual clock with no
 * CPU running: reset values, IRR/ISR/PPR priority, EOI, spurious vector,
 * ESR, self-IPIs, the timer (one-shot, periodic, divider), LINT0 virtual
 * wire with the 8259, LINT1 NMI, IA32_APIC_BASE relocation and disable,
 * destination matching, level EOI broadcast and the state round trip. */
#include <check.h>

#include "cpu/cpu.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "devices/vmstate.h"
#include "mmu/memmap.h"
#include "timers_test_util.h"

struct rig {
    struct machine *m;
    struct lapic *l;
    struct cpu *cpu;
    int eoi_vector, eoi_count;
};

static void rig_eoi(void *opaque, int vector)
{
    struct rig *r = opaque;
    r->eoi_vector = vector;
    r->eoi_count++;
}

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->m = tu_machine();
    r->l = lapic_create(r->m);
    ck_assert_ptr_nonnull(r->l);
    r->cpu = machine_cpu(r->m);
    r->eoi_vector = -1;
    lapic_set_eoi_hook(r->l, rig_eoi, r);
}

static void rig_free(struct rig *r)
{
    lapic_destroy(r->l);
    machine_destroy(r->m);
}

static uint32_t rd(struct rig *r, uint32_t off)
{
    return (uint32_t)memmap_read(machine_memmap(r->m), LAPIC_DEFAULT_BASE + off, 4);
}
static void wr(struct rig *r, uint32_t off, uint32_t v)
{
    memmap_write(machine_memmap(r->m), LAPIC_DEFAULT_BASE + off, v, 4);
}

static bool irr_bit(struct rig *r, int v)
{
    return rd(r, 0x200 + (v / 32) * 16) >> (v % 32) & 1;
}
static bool isr_bit(struct rig *r, int v)
{
    return rd(r, 0x100 + (v / 32) * 16) >> (v % 32) & 1;
}
static bool tmr_bit(struct rig *r, int v)
{
    return rd(r, 0x180 + (v / 32) * 16) >> (v % 32) & 1;
}

static void self_ipi(struct rig *r, int vector)
{
    wr(r, 0x300, 0x40000u | (uint32_t)vector); /* shorthand: self, fixed, edge */
}

START_TEST(reset_values)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(rd(&r, 0x20), 0);
    ck_assert_uint_eq(rd(&r, 0x30), 0x00040014);
    ck_assert_uint_eq(rd(&r, 0x80), 0);
    ck_assert_uint_eq(rd(&r, 0xe0), 0xffffffff);
    ck_assert_uint_eq(rd(&r, 0xf0), 0xff);
    for (uint32_t off = 0x320; off <= 0x370; off += 0x10)
        if (off != 0x330)
            ck_assert_uint_eq(rd(&r, off), 0x10000);
    ck_assert_uint_eq(rd(&r, 0x380), 0);
    ck_assert_uint_eq(rd(&r, 0x390), 0);
    ck_assert(!r.cpu->intr_line);
    ck_assert_uint_eq(lapic_mapped_base(r.l), LAPIC_DEFAULT_BASE);
    /* Software disabled: LVT mask bits cannot be cleared. */
    wr(&r, 0x350, 0x700);
    ck_assert_uint_eq(rd(&r, 0x350), 0x10700);
    /* The spurious vector's low nibble is hard-wired to 1s (P6). */
    wr(&r, 0xf0, 0x130);
    ck_assert_uint_eq(rd(&r, 0xf0), 0x13f);
    wr(&r, 0x350, 0x700);
    ck_assert_uint_eq(rd(&r, 0x350), 0x700);
    /* Clearing the enable masks every LVT again. */
    wr(&r, 0xf0, 0x0ff);
    ck_assert_uint_eq(rd(&r, 0x350), 0x10700);
    /* ID is bits 27:24; version, PPR read-only. */
    wr(&r, 0x20, 0xff000000);
    ck_assert_uint_eq(rd(&r, 0x20), 0x0f000000);
    wr(&r, 0x30, 0);
    ck_assert_uint_eq(rd(&r, 0x30), 0x00040014);
    rig_free(&r);
}
END_TEST

START_TEST(self_ipi_ack_eoi)
{
    struct rig r;
    rig_init(&r);
    self_ipi(&r, 0x30);
    ck_assert(!irr_bit(&r, 0x30)); /* software disabled: ignored */
    ck_assert(!r.cpu->intr_line);
    wr(&r, 0xf0, 0x1ff);
    self_ipi(&r, 0x30);
    ck_assert(irr_bit(&r, 0x30));
    ck_assert(r.cpu->intr_line);
    ck_assert_uint_eq(rd(&r, 0x300) & 0x1000, 0); /* delivery status idle */
    ck_assert_int_eq(lapic_ack(r.l), 0x30);
    ck_assert(!irr_bit(&r, 0x30));
    ck_assert(isr_bit(&r, 0x30));
    ck_assert(!tmr_bit(&r, 0x30));
    ck_assert(!r.cpu->intr_line);
    ck_assert_uint_eq(rd(&r, 0xa0), 0x30); /* PPR = in-service class */
    wr(&r, 0xb0, 0);
    ck_assert(!isr_bit(&r, 0x30));
    ck_assert_uint_eq(rd(&r, 0xa0), 0);
    ck_assert_int_eq(r.eoi_count, 0); /* edge: no EOI broadcast */
    /* Physical destination = own ID, and all-including-self, also reach it;
     * all-excluding-self and another ID do not. */
    wr(&r, 0x310, 0x00000000);
    wr(&r, 0x300, 0x41);
    ck_assert(irr_bit(&r, 0x41));
    wr(&r, 0x300, 0x80042);
    ck_assert(irr_bit(&r, 0x42));
    wr(&r, 0x300, 0xc0043);
    ck_assert(!irr_bit(&r, 0x43));
    wr(&r, 0x310, 0x03000000);
    wr(&r, 0x300, 0x44);
    ck_assert(!irr_bit(&r, 0x44));
    rig_free(&r);
}
END_TEST

START_TEST(priority_and_tpr)
{
    struct rig r;
    rig_init(&r);
    wr(&r, 0xf0, 0x1ff);
    wr(&r, 0x80, 0x50);
    self_ipi(&r, 0x35);
    self_ipi(&r, 0x21);
    ck_assert(!r.cpu->intr_line); /* classes 3 and 2 <= TPR class 5 */
    self_ipi(&r, 0x52);
    ck_assert(!r.cpu->intr_line); /* class 5 is not above 5 */
    self_ipi(&r, 0x61);
    ck_assert(r.cpu->intr_line);
    ck_assert_uint_eq(rd(&r, 0x90), 0x60); /* APR: highest requested class */
    ck_assert_int_eq(lapic_ack(r.l), 0x61);
    ck_assert_uint_eq(rd(&r, 0xa0), 0x60);
    wr(&r, 0x80, 0);
    ck_assert(!r.cpu->intr_line); /* 0x52 waits for 0x61's EOI */
    ck_assert_uint_eq(rd(&r, 0xa0), 0x60);
    self_ipi(&r, 0x70); /* a higher class nests */
    ck_assert(r.cpu->intr_line);
    ck_assert_int_eq(lapic_ack(r.l), 0x70);
    wr(&r, 0xb0, 0); /* EOI ends the highest in service: 0x70 */
    ck_assert(isr_bit(&r, 0x61));
    ck_assert(!isr_bit(&r, 0x70));
    wr(&r, 0xb0, 0);
    ck_assert(r.cpu->intr_line);
    int order[3];
    for (int i = 0; i < 3; i++) {
        order[i] = lapic_ack(r.l);
        wr(&r, 0xb0, 0);
    }
    ck_assert_int_eq(order[0], 0x52);
    ck_assert_int_eq(order[1], 0x35);
    ck_assert_int_eq(order[2], 0x21);
    ck_assert(!r.cpu->intr_line);
    /* Within one class the higher vector goes first. */
    self_ipi(&r, 0x33);
    self_ipi(&r, 0x3e);
    ck_assert_int_eq(lapic_ack(r.l), 0x3e);
    rig_free(&r);
}
END_TEST

START_TEST(spurious_vector)
{
    struct rig r;
    rig_init(&r);
    wr(&r, 0xf0, 0x1cf);
    self_ipi(&r, 0x40);
    ck_assert(r.cpu->intr_line);
    wr(&r, 0x80, 0xf0);
    ck_assert(!r.cpu->intr_line);
    /* An INTA that finds the request masked gets the spurious vector and
     * sets no ISR bit. */
    ck_assert_int_eq(lapic_ack(r.l), 0xcf);
    ck_assert(!isr_bit(&r, 0xcf));
    ck_assert(irr_bit(&r, 0x40));
    rig_free(&r);
}
END_TEST

START_TEST(error_status)
{
    struct rig r;
    rig_init(&r);
    wr(&r, 0xf0, 0x1ff);
    wr(&r, 0x370, 0xe3);    /* error LVT vector 0xE3 */
    wr(&r, 0x300, 0x40005); /* self-IPI with illegal vector 5 */
    ck_assert(!irr_bit(&r, 5));
    ck_assert_uint_eq(rd(&r, 0x280), 0); /* not visible before a write */
    ck_assert(irr_bit(&r, 0xe3));
    wr(&r, 0x280, 0);
    ck_assert_uint_eq(rd(&r, 0x280), 0x20);
    wr(&r, 0x280, 0);
    ck_assert_uint_eq(rd(&r, 0x280), 0);
    /* An LVT with an illegal vector fires as a receive error. */
    wr(&r, 0x3e0, 0xb);
    wr(&r, 0x320, 0x07);
    wr(&r, 0x380, 10);
    tu_run_until(r.m, tu_now(r.m) + 1000);
    wr(&r, 0x280, 0);
    ck_assert_uint_eq(rd(&r, 0x280), 0x40);
    /* A reserved register (the thermal LVT this version lacks) reads 0 and
     * sets no error: ESR bit 7 does not exist on a P6. */
    ck_assert_uint_eq(rd(&r, 0x330), 0);
    wr(&r, 0x330, 0x12345);
    ck_assert_uint_eq(rd(&r, 0x330), 0);
    wr(&r, 0x280, 0);
    ck_assert_uint_eq(rd(&r, 0x280), 0);
    rig_free(&r);
}
END_TEST

START_TEST(timer_one_shot)
{
    struct rig r;
    rig_init(&r);
    wr(&r, 0xf0, 0x1ff);
    wr(&r, 0x3e0, 0xb); /* divide by 1: 10 ns per count */
    wr(&r, 0x320, 0x40);
    uint64_t t0 = tu_now(r.m);
    wr(&r, 0x380, 1000);
    ck_assert_uint_eq(rd(&r, 0x380), 1000);
    ck_assert_uint_eq(rd(&r, 0x390), 1000);
    tu_run_until(r.m, t0 + 5000);
    ck_assert_uint_eq(rd(&r, 0x390), 500);
    ck_assert(!irr_bit(&r, 0x40));
    tu_run_until(r.m, t0 + 9990);
    ck_assert(!irr_bit(&r, 0x40));
    tu_run_until(r.m, t0 + 10000);
    ck_assert(irr_bit(&r, 0x40));
    ck_assert_uint_eq(rd(&r, 0x390), 0);
    ck_assert_int_eq(lapic_ack(r.l), 0x40);
    wr(&r, 0xb0, 0);
    tu_run_until(r.m, t0 + 100000);
    ck_assert(!irr_bit(&r, 0x40)); /* one shot */
    /* Divide by 16 (DCR 0011b): 160 ns per count. */
    wr(&r, 0x3e0, 0x3);
    t0 = tu_now(r.m);
    wr(&r, 0x380, 100);
    tu_run_until(r.m, t0 + 1600);
    ck_assert_uint_eq(rd(&r, 0x390), 90);
    /* Changing the divider keeps the count: /128 from here. */
    wr(&r, 0x3e0, 0xa);
    tu_run_until(r.m, t0 + 1600 + 1280 * 5);
    ck_assert_uint_eq(rd(&r, 0x390), 85);
    ck_assert(!irr_bit(&r, 0x40));
    tu_run_until(r.m, t0 + 1600 + 1280 * 90);
    ck_assert(irr_bit(&r, 0x40));
    /* Writing 0 stops the timer. */
    lapic_ack(r.l);
    wr(&r, 0xb0, 0);
    wr(&r, 0x3e0, 0xb);
    wr(&r, 0x380, 50);
    wr(&r, 0x380, 0);
    tu_run_until(r.m, tu_now(r.m) + 10000);
    ck_assert(!irr_bit(&r, 0x40));
    rig_free(&r);
}
END_TEST

START_TEST(timer_periodic_and_mask)
{
    struct rig r;
    rig_init(&r);
    wr(&r, 0xf0, 0x1ff);
    wr(&r, 0x3e0, 0x0); /* divide by 2: 20 ns per count */
    wr(&r, 0x320, 0x20000 | 0x41);
    uint64_t t0 = tu_now(r.m);
    wr(&r, 0x380, 100); /* 2 us period */
    int n = 0;
    for (uint64_t t = t0 + 100; t <= t0 + 20000; t += 100) {
        tu_run_until(r.m, t);
        if (irr_bit(&r, 0x41)) {
            ck_assert_int_eq(lapic_ack(r.l), 0x41);
            wr(&r, 0xb0, 0);
            n++;
            ck_assert_uint_eq((t - t0) % 2000, 0);
        }
    }
    ck_assert_int_eq(n, 10);
    tu_run_until(r.m, t0 + 21000);
    ck_assert_uint_eq(rd(&r, 0x390), 50); /* reloaded: 1000 ns into the period */
    /* Masked: still counts, no interrupt. */
    wr(&r, 0x320, 0x30041);
    tu_run_until(r.m, t0 + 30000);
    ck_assert(!irr_bit(&r, 0x41));
    ck_assert_uint_eq(rd(&r, 0x390), 100 - (30000 % 2000) / 20);
    wr(&r, 0x320, 0x20041);
    tu_run_until(r.m, t0 + 32000);
    ck_assert(irr_bit(&r, 0x41));
    rig_free(&r);
}
END_TEST

static int pic_ack_cb(void *opaque)
{
    return pic_ack(opaque);
}

START_TEST(lint0_virtual_wire)
{
    struct machine *m = tu_machine();
    struct pic *p = pic_create(m);
    struct lapic *l = lapic_create(m);
    lapic_set_extint(l, pic_ack_cb, p);
    struct cpu *cpu = machine_cpu(m);
    /* 8259 initialized: master vectors 0x08, IRQ1 unmasked. */
    tu_out(m, 0x20, 0x11);
    tu_out(m, 0x21, 0x08);
    tu_out(m, 0x21, 0x04);
    tu_out(m, 0x21, 0x01);
    tu_out(m, 0x21, 0xfd);
    pic_set_irq(p, 1, true);
    /* APIC software disabled (reset): the 8259 reaches the CPU. */
    ck_assert(cpu->intr_line);
    struct memmap *mem = machine_memmap(m);
    memmap_write(mem, LAPIC_DEFAULT_BASE + 0xf0, 0x1ff, 4);
    ck_assert(!cpu->intr_line);                               /* enabled, LINT0 masked */
    memmap_write(mem, LAPIC_DEFAULT_BASE + 0x350, 0x8700, 4); /* ExtINT, level */
    ck_assert(cpu->intr_line);
    ck_assert_int_eq(lapic_ack(l), 0x09);
    ck_assert(!cpu->intr_line);
    ck_assert_uint_eq(memmap_read(mem, LAPIC_DEFAULT_BASE + 0x100, 4), 0); /* no APIC ISR */
    tu_out(m, 0x20, 0x20);
    pic_set_irq(p, 1, false);
    /* LINT0 masked, the 8259 behind an I/O APIC pin in ExtINT mode (virtual
     * wire mode B): the message opens the path, the 8259 gives the vector. */
    memmap_write(mem, LAPIC_DEFAULT_BASE + 0x350, 0x18700, 4);
    pic_set_irq(p, 1, true);
    ck_assert(!cpu->intr_line);
    struct apic_msg ext = {.delivery = APIC_DM_EXTINT, .dest = 0, .assert = true};
    lapic_deliver(l, &ext);
    ck_assert(cpu->intr_line);
    ck_assert_int_eq(lapic_ack(l), 0x09);
    tu_out(m, 0x20, 0x20);
    pic_set_irq(p, 1, false);
    ext.assert = false;
    lapic_deliver(l, &ext);
    pic_set_irq(p, 1, true);
    ck_assert(!cpu->intr_line);
    pic_set_irq(p, 1, false);
    /* LINT1 as NMI. */
    memmap_write(mem, LAPIC_DEFAULT_BASE + 0x360, 0x400, 4);
    ck_assert(!cpu->nmi_pending);
    lapic_set_lint(l, 1, true);
    ck_assert(cpu->nmi_pending);
    lapic_destroy(l);
    pic_destroy(p);
    machine_destroy(m);
}
END_TEST

START_TEST(apic_base_msr)
{
    struct rig r;
    rig_init(&r);
    struct memmap *mem = machine_memmap(r.m);
    wr(&r, 0xf0, 0x1ff);
    wr(&r, 0x80, 0x20);
    uint64_t old = r.cpu->apic_base;
    r.cpu->apic_base = 0xfed40900;
    r.cpu->hooks.apic_base(r.cpu->hooks.apic_base_opaque, old);
    ck_assert_uint_eq(lapic_mapped_base(r.l), 0xfed40000);
    ck_assert_uint_eq(memmap_read(mem, 0xfed40030, 4), 0x00040014);
    ck_assert_uint_eq(memmap_read(mem, 0xfed40080, 4), 0x20); /* state moved with it */
    ck_assert_uint_eq(memmap_read(mem, LAPIC_DEFAULT_BASE + 0x30, 4), 0xffffffff);
    /* Global disable: the registers disappear and reset; the 8259 path is open. */
    old = r.cpu->apic_base;
    r.cpu->apic_base = 0xfee00100;
    r.cpu->hooks.apic_base(r.cpu->hooks.apic_base_opaque, old);
    ck_assert_uint_eq(lapic_mapped_base(r.l), 0);
    ck_assert_uint_eq(memmap_read(mem, 0xfed40030, 4), 0xffffffff);
    lapic_set_lint(r.l, 1, true); /* LINT1 is the NMI pin */
    ck_assert(r.cpu->nmi_pending);
    old = r.cpu->apic_base;
    r.cpu->apic_base = 0xfee00900;
    r.cpu->hooks.apic_base(r.cpu->hooks.apic_base_opaque, old);
    ck_assert_uint_eq(rd(&r, 0x80), 0);
    ck_assert_uint_eq(rd(&r, 0xf0), 0xff);
    rig_free(&r);
}
END_TEST

START_TEST(bus_messages)
{
    struct rig r;
    rig_init(&r);
    wr(&r, 0xf0, 0x1ff);
    wr(&r, 0xd0, 0x02000000); /* logical ID bit 1, flat model */
    struct apic_msg msg = {
        .vector = 0x51, .delivery = APIC_DM_FIXED, .logical = true, .dest = 0x01, .level = true};
    lapic_deliver(r.l, &msg);
    ck_assert(!irr_bit(&r, 0x51));
    msg.dest = 0x03;
    lapic_deliver(r.l, &msg);
    ck_assert(irr_bit(&r, 0x51));
    ck_assert(tmr_bit(&r, 0x51));
    ck_assert_int_eq(lapic_ack(r.l), 0x51);
    wr(&r, 0xb0, 0);
    ck_assert_int_eq(r.eoi_count, 1);
    ck_assert_int_eq(r.eoi_vector, 0x51);
    ck_assert(!tmr_bit(&r, 0x51));
    /* Cluster model: cluster 2, member bit 0. */
    wr(&r, 0xe0, 0x0fffffff);
    wr(&r, 0xd0, 0x21000000);
    msg = (struct apic_msg){.vector = 0x52, .logical = true, .dest = 0x11};
    lapic_deliver(r.l, &msg);
    ck_assert(!irr_bit(&r, 0x52));
    msg.dest = 0x23;
    lapic_deliver(r.l, &msg);
    ck_assert(irr_bit(&r, 0x52));
    /* Physical: own ID or broadcast. */
    msg = (struct apic_msg){.vector = 0x53, .dest = 1};
    lapic_deliver(r.l, &msg);
    ck_assert(!irr_bit(&r, 0x53));
    msg.dest = 0xff;
    lapic_deliver(r.l, &msg);
    ck_assert(irr_bit(&r, 0x53));
    msg = (struct apic_msg){.delivery = APIC_DM_NMI, .dest = 0};
    lapic_deliver(r.l, &msg);
    ck_assert(r.cpu->nmi_pending);
    rig_free(&r);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    wr(&a, 0xf0, 0x1ff);
    wr(&a, 0x80, 0x10);
    wr(&a, 0xd0, 0x04000000);
    wr(&a, 0x350, 0x8700);
    self_ipi(&a, 0x61);
    self_ipi(&a, 0x62);
    lapic_ack(a.l);
    wr(&a, 0x3e0, 0x1);
    wr(&a, 0x320, 0x20045);
    wr(&a, 0x380, 5000);
    tu_run_until(a.m, tu_now(a.m) + 12345);
    uint8_t buf[1024];
    size_t n = vmstate_save(lapic_vmstate(), a.l, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    tu_run_until(b.m, tu_now(a.m));
    ck_assert_int_eq(vmstate_load(lapic_vmstate(), b.l, buf, n), 0);
    for (uint32_t off = 0x20; off < 0x400; off += 0x10)
        if (off != 0x330 && off != 0x280)
            ck_assert_uint_eq(rd(&b, off), rd(&a, off));
    ck_assert_int_eq(b.cpu->intr_line, a.cpu->intr_line);
    /* The timer goes on identically. */
    uint64_t start = tu_now(a.m);
    for (uint64_t t = start; t < start + 200000; t += 777) {
        tu_run_until(a.m, t);
        tu_run_until(b.m, t);
        ck_assert_uint_eq(rd(&b, 0x390), rd(&a, 0x390));
        ck_assert_uint_eq(rd(&b, 0x220), rd(&a, 0x220));
    }
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lapic");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reset_values);
    tcase_add_test(tc, self_ipi_ack_eoi);
    tcase_add_test(tc, priority_and_tpr);
    tcase_add_test(tc, spurious_vector);
    tcase_add_test(tc, error_status);
    tcase_add_test(tc, timer_one_shot);
    tcase_add_test(tc, timer_periodic_and_mask);
    tcase_add_test(tc, lint0_virtual_wire);
    tcase_add_test(tc, apic_base_msr);
    tcase_add_test(tc, bus_messages);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
