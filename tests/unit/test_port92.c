/* System Control Port A (0x92) through its port: A20 gate, fast reset on a
 * 0 -> 1 edge of bit 0, read-back, and the state round trip. */
#include "input_test_util.h"

#include "devices/port92.h"
#include "devices/vmstate.h"

START_TEST(a20_gate)
{
    struct machine *m = input_machine();
    struct port92 *p = port92_create(m, PORT92_PORT);
    ck_assert(machine_a20(m)); /* the machine starts with A20 on */
    port_out(m, 0x92, 0x00);
    ck_assert(!machine_a20(m));
    ck_assert_uint_eq(port_in(m, 0x92), 0x00);
    port_out(m, 0x92, 0x02);
    ck_assert(machine_a20(m));
    ck_assert_uint_eq(port_in(m, 0x92), 0x02);
    /* Other bits read back as written. */
    port_out(m, 0x92, 0xc0);
    ck_assert(!machine_a20(m));
    ck_assert_uint_eq(port_in(m, 0x92), 0xc0);
    /* Bit 1 reads back the register, not the gate the 8042 may have set. */
    machine_set_a20(m, true);
    ck_assert_uint_eq(port_in(m, 0x92), 0xc0);
    run_pending_reset(m);
    ck_assert_uint_eq(machine_reset_count(m), 0);
    port92_destroy(p);
    machine_destroy(m);
}
END_TEST

START_TEST(fast_reset_on_rising_edge)
{
    struct machine *m = input_machine();
    struct port92 *p = port92_create(m, PORT92_PORT);
    port_out(m, 0x92, 0x02);
    run_pending_reset(m);
    ck_assert_uint_eq(machine_reset_count(m), 0);
    port_out(m, 0x92, 0x03);
    ck_assert_uint_eq(port_in(m, 0x92), 0x03);
    run_pending_reset(m);
    ck_assert_uint_eq(machine_reset_count(m), 1);
    /* The reset cleared the register; the machine turned A20 back on. */
    ck_assert_uint_eq(port_in(m, 0x92), 0x00);
    ck_assert(machine_a20(m));

    /* Writing 1 while the bit is already 1 is no edge: take a register
     * with bit 0 set from another machine's saved state. */
    struct machine *m2 = input_machine();
    struct port92 *p2 = port92_create(m2, PORT92_PORT);
    port_out(m2, 0x92, 0x03);
    uint8_t buf[128];
    size_t n = vmstate_save(port92_vmstate(), p2, buf, sizeof buf);
    ck_assert_int_eq(vmstate_load(port92_vmstate(), p, buf, n), 0);
    port_out(m, 0x92, 0x03);
    run_pending_reset(m);
    ck_assert_uint_eq(machine_reset_count(m), 1);
    port_out(m, 0x92, 0x02);
    port_out(m, 0x92, 0x03);
    run_pending_reset(m);
    ck_assert_uint_eq(machine_reset_count(m), 2);
    port92_destroy(p2);
    machine_destroy(m2);
    port92_destroy(p);
    machine_destroy(m);
}
END_TEST

START_TEST(state_round_trip)
{
    struct machine *m1 = input_machine(), *m2 = input_machine();
    struct port92 *a = port92_create(m1, PORT92_PORT), *b = port92_create(m2, PORT92_PORT);
    port_out(m1, 0x92, 0x82);
    uint8_t buf[128];
    size_t n = vmstate_save(port92_vmstate(), a, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(port92_vmstate(), b, buf, n), 0);
    ck_assert_uint_eq(port_in(m2, 0x92), 0x82);
    port92_destroy(a);
    port92_destroy(b);
    machine_destroy(m1);
    machine_destroy(m2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("port92");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, a20_gate);
    tcase_add_test(tc, fast_reset_on_rising_edge);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
