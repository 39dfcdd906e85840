/* The PS/2 mouse on its own: reset and identify, the IntelliMouse knocks,
 * stream packets (signs, splitting, 2:1 scaling, wheel bytes), remote mode
 * with overflow bits, status request, wrap mode, and the state round trip. */
#include "input_test_util.h"

#include "devices/ps2.h"
#include "devices/vmstate.h"

struct mo {
    struct machine *m;
    struct ps2_mouse *ms;
};

static void noop_notify(void *opaque)
{
    (void)opaque;
}

static void mo_init(struct mo *t)
{
    t->m = input_machine();
    t->ms = ps2_mouse_create(t->m, noop_notify, NULL);
    ck_assert_ptr_nonnull(t->ms);
}

static void mo_fini(struct mo *t)
{
    ps2_mouse_destroy(t->ms);
    machine_destroy(t->m);
}

static void expect(struct mo *t, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        int got = ps2_mouse_read(t->ms);
        ck_assert_msg(got == b[i], "byte %u: got %#x, want %#x", i, got, b[i]);
    }
    ck_assert_int_eq(ps2_mouse_read(t->ms), -1);
}
#define EXPECT(t, ...)                                                                             \
    do {                                                                                           \
        static const uint8_t e_[] = {__VA_ARGS__};                                                 \
        expect(t, e_, sizeof e_);                                                                  \
    } while (0)

static void send(struct mo *t, uint8_t b)
{
    ps2_mouse_write(t->ms, b);
}

static void set_rate(struct mo *t, uint8_t r)
{
    send(t, 0xf3);
    send(t, r);
    EXPECT(t, 0xfa, 0xfa);
}

START_TEST(reset_identify_and_knocks)
{
    struct mo t;
    mo_init(&t);
    send(&t, 0xff);
    EXPECT(&t, 0xfa, 0xaa, 0x00);
    send(&t, 0xf2);
    EXPECT(&t, 0xfa, 0x00);
    set_rate(&t, 200);
    set_rate(&t, 200); /* the Explorer knock does nothing on a plain mouse */
    set_rate(&t, 80);
    send(&t, 0xf2);
    EXPECT(&t, 0xfa, 0x00);
    set_rate(&t, 200);
    set_rate(&t, 100);
    set_rate(&t, 80);
    send(&t, 0xf2);
    EXPECT(&t, 0xfa, 0x03);
    set_rate(&t, 200);
    set_rate(&t, 200);
    set_rate(&t, 80);
    send(&t, 0xf2);
    EXPECT(&t, 0xfa, 0x04);
    ck_assert_int_eq(ps2_mouse_id(t.ms), 4);
    send(&t, 0xf6); /* defaults keep the ID */
    EXPECT(&t, 0xfa);
    ck_assert_int_eq(ps2_mouse_id(t.ms), 4);
    send(&t, 0xff); /* reset clears it */
    EXPECT(&t, 0xfa, 0xaa, 0x00);
    ck_assert_int_eq(ps2_mouse_id(t.ms), 0);
    send(&t, 0x42);
    EXPECT(&t, 0xfe);
    mo_fini(&t);
}
END_TEST

START_TEST(stream_packets)
{
    struct mo t;
    mo_init(&t);
    ps2_mouse_event(t.ms, 5, 5, 0, PS2_BUTTON_LEFT); /* reporting is off */
    EXPECT(&t);
    send(&t, 0xf4);
    EXPECT(&t, 0xfa);
    /* right 10, down 5 (PS/2 Y points up), left button */
    ps2_mouse_event(t.ms, 10, 5, 0, PS2_BUTTON_LEFT);
    EXPECT(&t, 0x29, 0x0a, 0xfb);
    ps2_mouse_event(t.ms, -3, -7, 0, PS2_BUTTON_LEFT | PS2_BUTTON_RIGHT | PS2_BUTTON_MIDDLE);
    EXPECT(&t, 0x1f, 0xfd, 0x07);
    ps2_mouse_event(t.ms, 0, 0, 0, 0); /* a button change alone makes a packet */
    EXPECT(&t, 0x08, 0x00, 0x00);
    ps2_mouse_event(t.ms, 0, 0, 3, 0); /* no wheel on an ID-0 mouse */
    EXPECT(&t);
    /* A large move is split into packets that fit 9 bits. */
    ps2_mouse_event(t.ms, 300, 0, 0, 0);
    EXPECT(&t, 0x08, 0xff, 0x00, 0x08, 0x2d, 0x00);
    ps2_mouse_event(t.ms, -300, 0, 0, 0);
    EXPECT(&t, 0x18, 0x00, 0x00, 0x18, 0xd4, 0x00);
    /* 2:1 scaling: 1->1, 2->1, 3->3, 5->9, 10->20 */
    send(&t, 0xe7);
    EXPECT(&t, 0xfa);
    ps2_mouse_event(t.ms, 2, 0, 0, 0);
    EXPECT(&t, 0x08, 0x01, 0x00);
    ps2_mouse_event(t.ms, 5, -10, 0, 0);
    EXPECT(&t, 0x08, 0x09, 0x14);
    send(&t, 0xe6);
    EXPECT(&t, 0xfa);
    ps2_mouse_event(t.ms, 5, 0, 0, 0);
    EXPECT(&t, 0x08, 0x05, 0x00);
    send(&t, 0xf5); /* disabled again */
    EXPECT(&t, 0xfa);
    ps2_mouse_event(t.ms, 5, 0, 0, 0);
    EXPECT(&t);
    mo_fini(&t);
}
END_TEST

START_TEST(wheel_packets)
{
    struct mo t;
    mo_init(&t);
    set_rate(&t, 200);
    set_rate(&t, 100);
    set_rate(&t, 80);
    send(&t, 0xf4);
    EXPECT(&t, 0xfa);
    ps2_mouse_event(t.ms, 1, 0, -2, 0);
    EXPECT(&t, 0x08, 0x01, 0x00, 0xfe);
    ps2_mouse_event(t.ms, 0, 0, 3, PS2_BUTTON_MIDDLE);
    EXPECT(&t, 0x0c, 0x00, 0x00, 0x03);
    set_rate(&t, 200);
    set_rate(&t, 200);
    set_rate(&t, 80); /* Explorer: wheel in bits 0-3, buttons 4/5 in bits 4/5 */
    ps2_mouse_event(t.ms, 0, 0, -1, PS2_BUTTON_4 | PS2_BUTTON_5);
    EXPECT(&t, 0x08, 0x00, 0x00, 0x3f);
    mo_fini(&t);
}
END_TEST

START_TEST(remote_mode_and_status)
{
    struct mo t;
    mo_init(&t);
    send(&t, 0xf0);
    EXPECT(&t, 0xfa);
    ps2_mouse_event(t.ms, 20, -30, 0, PS2_BUTTON_RIGHT); /* nothing sent in remote mode */
    EXPECT(&t);
    send(&t, 0xeb);
    EXPECT(&t, 0xfa, 0x0a, 0x14, 0x1e);
    send(&t, 0xeb); /* the counters were cleared */
    EXPECT(&t, 0xfa, 0x0a, 0x00, 0x00);
    ps2_mouse_event(t.ms, 300, 400, 0, 0); /* beyond 9 bits: overflow */
    send(&t, 0xeb);
    EXPECT(&t, 0xfa, 0xe8, 0xff, 0x00);
    send(&t, 0xe8);
    send(&t, 0x03);
    send(&t, 0xe7);
    EXPECT(&t, 0xfa, 0xfa, 0xfa);
    set_rate(&t, 40);
    ps2_mouse_event(t.ms, 0, 0, 0, PS2_BUTTON_LEFT | PS2_BUTTON_RIGHT);
    send(&t, 0xe9);
    EXPECT(&t, 0xfa, 0x55, 0x03, 40);
    send(&t, 0xea); /* stream mode, reporting still off */
    send(&t, 0xf4);
    send(&t, 0xe9);
    EXPECT(&t, 0xfa, 0xfa, 0xfa, 0x35, 0x03, 40);
    mo_fini(&t);
}
END_TEST

START_TEST(wrap_mode_and_resend)
{
    struct mo t;
    mo_init(&t);
    send(&t, 0xee);
    EXPECT(&t, 0xfa);
    send(&t, 0x12);
    send(&t, 0xf2);
    EXPECT(&t, 0x12, 0xf2);
    send(&t, 0xec);
    EXPECT(&t, 0xfa);
    send(&t, 0xf2);
    EXPECT(&t, 0xfa, 0x00);
    send(&t, 0xfe);
    EXPECT(&t, 0x00);
    mo_fini(&t);
}
END_TEST

START_TEST(queue_full_keeps_motion)
{
    struct mo t;
    mo_init(&t);
    send(&t, 0xf4);
    EXPECT(&t, 0xfa);
    /* 20 packets' worth of motion: 16 fit, the rest waits for room. */
    ps2_mouse_event(t.ms, 20 * 255, 0, 0, 0);
    unsigned packets = 0;
    int total = 0;
    for (;;) {
        int b0 = ps2_mouse_read(t.ms);
        if (b0 < 0)
            break;
        int dx = ps2_mouse_read(t.ms);
        ck_assert_int_eq(ps2_mouse_read(t.ms), 0);
        ck_assert_int_eq(b0, 0x08);
        total += dx;
        packets++;
    }
    ck_assert_uint_eq(packets, 20);
    ck_assert_int_eq(total, 20 * 255);
    mo_fini(&t);
}
END_TEST

START_TEST(state_round_trip)
{
    struct mo a, b;
    mo_init(&a);
    mo_init(&b);
    set_rate(&a, 200);
    set_rate(&a, 100);
    set_rate(&a, 80);
    send(&a, 0xf4);
    EXPECT(&a, 0xfa);
    ps2_mouse_event(a.ms, 7, 0, 1, 0);
    uint8_t buf[512];
    size_t n = vmstate_save(ps2_mouse_vmstate(), a.ms, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(ps2_mouse_vmstate(), b.ms, buf, n), 0);
    ck_assert_int_eq(ps2_mouse_id(b.ms), 3);
    EXPECT(&b, 0x08, 0x07, 0x00, 0x01);
    ps2_mouse_event(b.ms, 1, 0, 0, 0); /* still streaming */
    EXPECT(&b, 0x08, 0x01, 0x00, 0x00);
    ck_assert_int_eq(vmstate_load(ps2_mouse_vmstate(), b.ms, buf, n / 2), -1);
    mo_fini(&a);
    mo_fini(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ps2_mouse");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reset_identify_and_knocks);
    tcase_add_test(tc, stream_packets);
    tcase_add_test(tc, wheel_packets);
    tcase_add_test(tc, remote_mode_and_status);
    tcase_add_test(tc, wrap_mode_and_resend);
    tcase_add_test(tc, queue_full_keeps_motion);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
