/* The I/O APIC driven through IOREGSEL/IOWIN with no CPU: identification
 * registers, the redirection table's writable bits, edge and level
 * delivery, Remote IRR and the EOI broadcast, masking, ExtINT, and the
 * state round trip. Messages are recorded instead of reaching a LAPIC. */
#include <check.h>

#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/vmstate.h"
#include "mmu/memmap.h"
#include "timers_test_util.h"

#define MAX_MSGS 64

struct rig {
    struct machine *m;
    struct ioapic *io;
    struct apic_msg msg[MAX_MSGS];
    int n;
};

static void rig_deliver(void *opaque, const struct apic_msg *msg)
{
    struct rig *r = opaque;
    ck_assert_int_lt(r->n, MAX_MSGS);
    r->msg[r->n++] = *msg;
}

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->m = tu_machine();
    r->io = ioapic_create(r->m, IOAPIC_DEFAULT_BASE, rig_deliver, r);
    ck_assert_ptr_nonnull(r->io);
}

static void rig_free(struct rig *r)
{
    ioapic_destroy(r->io);
    machine_destroy(r->m);
}

/* Through the MMIO window, as a guest does. */
static uint32_t reg_rd(struct rig *r, uint32_t reg)
{
    struct memmap *mem = machine_memmap(r->m);
    memmap_write(mem, IOAPIC_DEFAULT_BASE, reg, 1);
    return (uint32_t)memmap_read(mem, IOAPIC_DEFAULT_BASE + 0x10, 4);
}
static void reg_wr(struct rig *r, uint32_t reg, uint32_t v)
{
    struct memmap *mem = machine_memmap(r->m);
    memmap_write(mem, IOAPIC_DEFAULT_BASE, reg, 1);
    memmap_write(mem, IOAPIC_DEFAULT_BASE + 0x10, v, 4);
}
static void redir_wr(struct rig *r, int pin, uint64_t e)
{
    reg_wr(r, 0x11 + 2 * pin, (uint32_t)(e >> 32));
    reg_wr(r, 0x10 + 2 * pin, (uint32_t)e);
}

START_TEST(identification)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(reg_rd(&r, 0x01), 0x00170011);
    ck_assert_uint_eq(reg_rd(&r, 0x00), 0);
    reg_wr(&r, 0x00, 0xffffffff);
    ck_assert_uint_eq(reg_rd(&r, 0x00), 0x0f000000);
    ck_assert_uint_eq(reg_rd(&r, 0x02), 0x0f000000); /* arbitration ID follows */
    reg_wr(&r, 0x01, 0);
    ck_assert_uint_eq(reg_rd(&r, 0x01), 0x00170011);
    ck_assert_uint_eq(memmap_read(machine_memmap(r.m), IOAPIC_DEFAULT_BASE, 1), 0x01);
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        ck_assert_uint_eq(reg_rd(&r, 0x10 + 2 * pin), 0x10000); /* masked */
        ck_assert_uint_eq(reg_rd(&r, 0x11 + 2 * pin), 0);
    }
    /* Delivery status and Remote IRR are read-only; reserved bits stay 0. */
    reg_wr(&r, 0x10, 0xffffffff);
    ck_assert_uint_eq(reg_rd(&r, 0x10), 0x1afff);
    reg_wr(&r, 0x11, 0xffffffff);
    ck_assert_uint_eq(reg_rd(&r, 0x11), 0xff000000);
    ck_assert_uint_eq(ioapic_redir(r.io, 0), 0xff0000000001afffull);
    rig_free(&r);
}
END_TEST

START_TEST(edge_delivery)
{
    struct rig r;
    rig_init(&r);
    redir_wr(&r, 4, 0x0300000000000934ull); /* vector 0x34, lowest priority, logical dest 3 */
    ioapic_set_irq(r.io, 4, true);
    ck_assert_int_eq(r.n, 1);
    ck_assert_uint_eq(r.msg[0].vector, 0x34);
    ck_assert_uint_eq(r.msg[0].delivery, APIC_DM_LOWEST);
    ck_assert(r.msg[0].logical);
    ck_assert_uint_eq(r.msg[0].dest, 3);
    ck_assert(!r.msg[0].level);
    ioapic_set_irq(r.io, 4, true); /* no new edge */
    ck_assert_int_eq(r.n, 1);
    ioapic_set_irq(r.io, 4, false);
    ioapic_set_irq(r.io, 4, true);
    ck_assert_int_eq(r.n, 2);
    ck_assert_uint_eq(reg_rd(&r, 0x18) & 0x4000, 0); /* no Remote IRR for edge */
    /* A masked edge is lost, even when unmasked later. */
    ioapic_set_irq(r.io, 4, false);
    redir_wr(&r, 4, 0x10034);
    ioapic_set_irq(r.io, 4, true);
    redir_wr(&r, 4, 0x00034);
    ck_assert_int_eq(r.n, 2);
    /* Other pins are independent. */
    ioapic_set_irq(r.io, 5, true);
    ck_assert_int_eq(r.n, 2);
    rig_free(&r);
}
END_TEST

START_TEST(level_remote_irr)
{
    struct rig r;
    rig_init(&r);
    redir_wr(&r, 9, 0x8039); /* level, active high, vector 0x39, physical dest 0 */
    ioapic_set_irq(r.io, 9, true);
    ck_assert_int_eq(r.n, 1);
    ck_assert(r.msg[0].level);
    ck_assert(!r.msg[0].logical);
    ck_assert_uint_eq(reg_rd(&r, 0x10 + 18) & 0x4000, 0x4000); /* Remote IRR */
    ioapic_set_irq(r.io, 9, true);
    ck_assert_int_eq(r.n, 1);
    ioapic_eoi(r.io, 0x38); /* other vector: nothing */
    ck_assert_int_eq(r.n, 1);
    ck_assert_uint_eq(reg_rd(&r, 0x10 + 18) & 0x4000, 0x4000);
    ioapic_eoi(r.io, 0x39); /* still asserted: delivered again */
    ck_assert_int_eq(r.n, 2);
    ck_assert_uint_eq(reg_rd(&r, 0x10 + 18) & 0x4000, 0x4000);
    ioapic_set_irq(r.io, 9, false);
    ioapic_eoi(r.io, 0x39);
    ck_assert_int_eq(r.n, 2);
    ck_assert_uint_eq(reg_rd(&r, 0x10 + 18) & 0x4000, 0);
    /* Masked while asserted: delivered on unmask. */
    redir_wr(&r, 9, 0x18039);
    ioapic_set_irq(r.io, 9, true);
    ck_assert_int_eq(r.n, 2);
    redir_wr(&r, 9, 0x08039);
    ck_assert_int_eq(r.n, 3);
    ck_assert_uint_eq(r.msg[2].vector, 0x39);
    /* The polarity bit does not invert the asserted state (ioapic.h). */
    ioapic_set_irq(r.io, 9, false);
    ioapic_eoi(r.io, 0x39);
    redir_wr(&r, 9, 0x0a039);
    ck_assert_int_eq(r.n, 3);
    ioapic_set_irq(r.io, 9, true);
    ck_assert_int_eq(r.n, 4);
    rig_free(&r);
}
END_TEST

START_TEST(nmi_and_extint)
{
    struct rig r;
    rig_init(&r);
    redir_wr(&r, 0, 0x700); /* ExtINT: follows the 8259's INTR level */
    ioapic_set_irq(r.io, 0, true);
    ck_assert_int_eq(r.n, 1);
    ck_assert_uint_eq(r.msg[0].delivery, APIC_DM_EXTINT);
    ck_assert(r.msg[0].assert);
    ioapic_set_irq(r.io, 0, false);
    ck_assert_int_eq(r.n, 2);
    ck_assert(!r.msg[1].assert);
    redir_wr(&r, 3, 0x400);
    ioapic_set_irq(r.io, 3, true);
    ck_assert_int_eq(r.n, 3);
    ck_assert_uint_eq(r.msg[2].delivery, APIC_DM_NMI);
    rig_free(&r);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    reg_wr(&a, 0x00, 0x02000000);
    redir_wr(&a, 9, 0x0100000000008839ull);
    redir_wr(&a, 12, 0x44);
    ioapic_set_irq(a.io, 9, true);
    ioapic_set_irq(a.io, 12, true);
    memmap_write(machine_memmap(a.m), IOAPIC_DEFAULT_BASE, 0x13, 1);
    uint8_t buf[512];
    size_t n = vmstate_save(ioapic_vmstate(), a.io, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(ioapic_vmstate(), b.io, buf, n), 0);
    ck_assert_uint_eq(memmap_read(machine_memmap(b.m), IOAPIC_DEFAULT_BASE, 1), 0x13);
    for (uint32_t reg = 0; reg < 0x10 + 2 * IOAPIC_PINS; reg++)
        if (reg < 3 || reg >= 0x10)
            ck_assert_uint_eq(reg_rd(&b, reg), reg_rd(&a, reg));
    /* Remote IRR and the line level carried over: the EOI re-delivers. */
    a.n = b.n = 0;
    ioapic_eoi(a.io, 0x39);
    ioapic_eoi(b.io, 0x39);
    ck_assert_int_eq(a.n, 1);
    ck_assert_int_eq(b.n, 1);
    /* Pin 12's line is high in both: no new edge. */
    ioapic_set_irq(b.io, 12, true);
    ck_assert_int_eq(b.n, 1);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ioapic");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, identification);
    tcase_add_test(tc, edge_delivery);
    tcase_add_test(tc, level_remote_irr);
    tcase_add_test(tc, nmi_and_extint);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
