/* The PC's FERR# -> IRQ13 latch and its clear port 0xF0, driven through the
 * CPU's ferr hook (as the x87 calls it) and the port, with no CPU running. */
#include "input_test_util.h"

#include "cpu/cpu.h"
#include "devices/fpu_ferr.h"
#include "devices/vmstate.h"

static void ferr(struct machine *m, bool level)
{
    struct cpu *cpu = machine_cpu(m);
    cpu->hooks.ferr(cpu->hooks.ferr_opaque, level);
}

START_TEST(latch_and_clear)
{
    struct machine *m = input_machine();
    struct irq_probe probe = {0};
    struct fpu_ferr *f = fpu_ferr_create(m, irq_probe_line(&probe, 13));
    ck_assert_ptr_nonnull(machine_cpu(m)->hooks.ferr);
    ferr(m, true);
    ck_assert(probe.level);
    ck_assert_int_eq(probe.raises, 1);
    /* FERR# stays active while the handler runs: no second interrupt. */
    ferr(m, true);
    ck_assert_int_eq(probe.raises, 1);
    port_out(m, FPU_FERR_PORT, 0);
    ck_assert(!probe.level);
    ferr(m, true); /* still the same FERR# assertion: IGNNE# holds it off */
    ck_assert(!probe.level);
    ck_assert_uint_eq(port_in(m, FPU_FERR_PORT), 0xff);
    /* FNCLEX drops FERR#; the next error interrupts again. */
    ferr(m, false);
    ferr(m, true);
    ck_assert(probe.level);
    ck_assert_int_eq(probe.raises, 2);
    /* A machine reset clears the latch. */
    fpu_ferr_reset(f);
    ck_assert(!probe.level);
    fpu_ferr_destroy(f);
    machine_destroy(m);
}
END_TEST

START_TEST(state_round_trip)
{
    struct machine *m = input_machine(), *m2 = input_machine();
    struct irq_probe p1 = {0}, p2 = {0};
    struct fpu_ferr *f1 = fpu_ferr_create(m, irq_probe_line(&p1, 13));
    struct fpu_ferr *f2 = fpu_ferr_create(m2, irq_probe_line(&p2, 13));
    ferr(m, true);
    uint8_t buf[128];
    size_t n = vmstate_save(fpu_ferr_vmstate(), f1, buf, sizeof buf);
    ck_assert_int_eq(vmstate_load(fpu_ferr_vmstate(), f2, buf, n), 0);
    ck_assert(p2.level); /* post_load drives the line again */
    ferr(m2, true);      /* FERR# was already active there: no new edge */
    ck_assert_int_eq(p2.raises, 1);
    port_out(m2, FPU_FERR_PORT, 0);
    ck_assert(!p2.level);
    ck_assert(p1.level); /* the two machines are independent */
    fpu_ferr_destroy(f1);
    fpu_ferr_destroy(f2);
    machine_destroy(m);
    machine_destroy(m2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fpu_ferr");
    TCase *t = tcase_create("port");
    tcase_add_test(t, latch_and_clear);
    tcase_add_test(t, state_round_trip);
    suite_add_tcase(s, t);
    RUN_SUITE(s);
}
