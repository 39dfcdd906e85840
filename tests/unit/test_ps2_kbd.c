/* The PS/2 keyboard on its own (the bytes the controller would send and
 * receive): commands and replies, scancode sets 1 and 2, special keys, the
 * 16-byte buffer and its overrun code, QEMU key names and combos, and the
 * state table round trip. */
#include "input_test_util.h"

#include "devices/ps2.h"
#include "devices/vmstate.h"

struct kb {
    struct machine *m;
    struct ps2_kbd *k;
    int notified;
};

static void kb_notify(void *opaque)
{
    ((struct kb *)opaque)->notified++;
}

static void kb_init(struct kb *t)
{
    memset(t, 0, sizeof *t);
    t->m = input_machine();
    t->k = ps2_kbd_create(t->m, kb_notify, t);
    ck_assert_ptr_nonnull(t->k);
}

static void kb_fini(struct kb *t)
{
    ps2_kbd_destroy(t->k);
    machine_destroy(t->m);
}

/* Expect exactly these bytes, then an empty queue. */
static void expect(struct kb *t, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        int got = ps2_kbd_read(t->k);
        ck_assert_msg(got == b[i], "byte %u: got %#x, want %#x", i, got, b[i]);
    }
    ck_assert_int_eq(ps2_kbd_read(t->k), -1);
}
#define EXPECT(t, ...)                                                                             \
    do {                                                                                           \
        static const uint8_t e_[] = {__VA_ARGS__};                                                 \
        expect(t, e_, sizeof e_);                                                                  \
    } while (0)

START_TEST(commands_and_replies)
{
    struct kb t;
    kb_init(&t);
    ps2_kbd_write(t.k, 0xff);
    EXPECT(&t, 0xfa, 0xaa);
    ck_assert_int_gt(t.notified, 0);
    ps2_kbd_write(t.k, 0xf2);
    EXPECT(&t, 0xfa, 0xab, 0x83);
    ps2_kbd_write(t.k, 0xee);
    EXPECT(&t, 0xee);
    ps2_kbd_write(t.k, 0xed);
    ps2_kbd_write(t.k, 0x05);
    EXPECT(&t, 0xfa, 0xfa);
    ck_assert_uint_eq(ps2_kbd_leds(t.k), 5);
    ps2_kbd_write(t.k, 0xf3);
    ps2_kbd_write(t.k, 0x20);
    EXPECT(&t, 0xfa, 0xfa);
    ck_assert_uint_eq(ps2_kbd_typematic(t.k), 0x20);
    unsigned delay, period;
    ps2_kbd_typematic_timing(t.k, &delay, &period);
    ck_assert_uint_eq(delay, 500);
    ck_assert_uint_eq(period, 8 * 4170); /* 30 characters/s */
    ps2_kbd_write(t.k, 0xf0);
    ps2_kbd_write(t.k, 0x00);
    EXPECT(&t, 0xfa, 0xfa, 0x02);
    ps2_kbd_write(t.k, 0xf0);
    ps2_kbd_write(t.k, 0x03);
    EXPECT(&t, 0xfa, 0xfa);
    ck_assert_int_eq(ps2_kbd_scancode_set(t.k), 3);
    ps2_kbd_write(t.k, 0xf0);
    ps2_kbd_write(t.k, 0x00);
    EXPECT(&t, 0xfa, 0xfa, 0x03);
    /* Resend repeats the last byte the keyboard sent. */
    ps2_kbd_write(t.k, 0xfe);
    EXPECT(&t, 0x03);
    /* A command instead of an argument is executed as a command. */
    ps2_kbd_write(t.k, 0xed);
    ps2_kbd_write(t.k, 0xee);
    EXPECT(&t, 0xfa, 0xee);
    ck_assert_uint_eq(ps2_kbd_leds(t.k), 5);
    /* Unknown command: resend request. */
    ps2_kbd_write(t.k, 0x42);
    EXPECT(&t, 0xfe);
    /* Defaults: 0xF6 restores set 2, LEDs off and the typematic byte. */
    ps2_kbd_write(t.k, 0xf6);
    EXPECT(&t, 0xfa);
    ck_assert_int_eq(ps2_kbd_scancode_set(t.k), 2);
    ck_assert_uint_eq(ps2_kbd_leds(t.k), 0);
    ck_assert_uint_eq(ps2_kbd_typematic(t.k), 0x2b);
    ps2_kbd_typematic_timing(t.k, &delay, &period);
    ck_assert_uint_eq(delay, 500);
    ck_assert_uint_eq(period, 11 * 2 * 4170); /* 10.9 characters/s */
    ps2_kbd_write(t.k, 0xf3);
    ps2_kbd_write(t.k, 0x7f); /* 1 s, 2 characters/s */
    EXPECT(&t, 0xfa, 0xfa);
    ps2_kbd_typematic_timing(t.k, &delay, &period);
    ck_assert_uint_eq(delay, 1000);
    ck_assert_uint_eq(period, 15 * 8 * 4170);
    kb_fini(&t);
}
END_TEST

START_TEST(set2_keys)
{
    struct kb t;
    kb_init(&t);
    ps2_kbd_key(t.k, 0x1c, true);
    ps2_kbd_key(t.k, 0x1c, false);
    EXPECT(&t, 0x1c, 0xf0, 0x1c);
    ps2_kbd_key(t.k, 0xe06b, true); /* Left arrow */
    ps2_kbd_key(t.k, 0xe06b, false);
    EXPECT(&t, 0xe0, 0x6b, 0xe0, 0xf0, 0x6b);
    ps2_kbd_key(t.k, PS2_KEY_PRINT, true);
    EXPECT(&t, 0xe0, 0x12, 0xe0, 0x7c);
    ps2_kbd_key(t.k, PS2_KEY_PRINT, false);
    EXPECT(&t, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12);
    ps2_kbd_key(t.k, PS2_KEY_PAUSE, true);
    EXPECT(&t, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
    ps2_kbd_key(t.k, PS2_KEY_PAUSE, false); /* Pause has no break code */
    EXPECT(&t);
    ps2_kbd_key(t.k, 0x1234, true); /* not a keycode */
    EXPECT(&t);
    kb_fini(&t);
}
END_TEST

START_TEST(set1_keys)
{
    struct kb t;
    kb_init(&t);
    ps2_kbd_write(t.k, 0xf0);
    ps2_kbd_write(t.k, 0x01);
    EXPECT(&t, 0xfa, 0xfa);
    ps2_kbd_key(t.k, 0x1c, true);
    ps2_kbd_key(t.k, 0x1c, false);
    EXPECT(&t, 0x1e, 0x9e);
    ps2_kbd_key(t.k, 0x5a, true);    /* Enter */
    ps2_kbd_key(t.k, 0xe05a, false); /* keypad Enter */
    EXPECT(&t, 0x1c, 0xe0, 0x9c);
    ps2_kbd_key(t.k, 0x76, true);  /* Esc */
    ps2_kbd_key(t.k, 0x83, false); /* F7 */
    EXPECT(&t, 0x01, 0xc1);
    ps2_kbd_key(t.k, PS2_KEY_PAUSE, true);
    EXPECT(&t, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    ps2_kbd_key(t.k, PS2_KEY_PRINT, true);
    EXPECT(&t, 0xe0, 0x2a, 0xe0, 0x37);
    kb_fini(&t);
}
END_TEST

START_TEST(scanning_disable_and_replies_first)
{
    struct kb t;
    kb_init(&t);
    ps2_kbd_write(t.k, 0xf5);
    EXPECT(&t, 0xfa);
    ps2_kbd_key(t.k, 0x1c, true);
    EXPECT(&t);
    ps2_kbd_write(t.k, 0xf4);
    EXPECT(&t, 0xfa);
    ps2_kbd_key(t.k, 0x1c, true);
    ps2_kbd_write(t.k, 0xee); /* the reply overtakes the queued key */
    EXPECT(&t, 0xee, 0x1c);
    /* 0xF4 clears the buffer. */
    ps2_kbd_key(t.k, 0x1c, true);
    ps2_kbd_write(t.k, 0xf4);
    EXPECT(&t, 0xfa);
    kb_fini(&t);
}
END_TEST

START_TEST(buffer_overrun)
{
    struct kb t;
    kb_init(&t);
    /* 15 one-byte makes fill the buffer but for the overrun slot. */
    static const uint16_t keys[] = {0x1c, 0x32, 0x21, 0x23, 0x24, 0x2b, 0x34, 0x33, 0x43,
                                    0x3b, 0x42, 0x4b, 0x3a, 0x31, 0x44, 0x4d, 0x15};
    for (unsigned i = 0; i < 17; i++)
        ps2_kbd_key(t.k, keys[i], true);
    for (unsigned i = 0; i < 15; i++)
        ck_assert_int_eq(ps2_kbd_read(t.k), keys[i]);
    ck_assert_int_eq(ps2_kbd_read(t.k), 0x00); /* overrun, once */
    ck_assert_int_eq(ps2_kbd_read(t.k), -1);
    /* Drained: keys are accepted again; in set 1 the code is 0xFF. */
    ps2_kbd_key(t.k, 0x1c, true);
    ck_assert_int_eq(ps2_kbd_read(t.k), 0x1c);
    ps2_kbd_write(t.k, 0xf0);
    ps2_kbd_write(t.k, 0x01);
    EXPECT(&t, 0xfa, 0xfa);
    for (unsigned i = 0; i < 20; i++)
        ps2_kbd_key(t.k, 0x1c, true);
    for (unsigned i = 0; i < 15; i++)
        ck_assert_int_eq(ps2_kbd_read(t.k), 0x1e);
    EXPECT(&t, 0xff);
    kb_fini(&t);
}
END_TEST

START_TEST(key_names_and_combos)
{
    struct kb t;
    uint16_t code;
    kb_init(&t);
    static const struct {
        const char *name;
        uint16_t code;
    } names[] = {
        {"a", 0x1c},
        {"z", 0x1a},
        {"0", 0x45},
        {"9", 0x46},
        {"f1", 0x05},
        {"f12", 0x07},
        {"ret", 0x5a},
        {"spc", 0x29},
        {"tab", 0x0d},
        {"esc", 0x76},
        {"backspace", 0x66},
        {"shift", 0x12},
        {"ctrl", 0x14},
        {"alt", 0x11},
        {"alt_r", 0xe011},
        {"ctrl_r", 0xe014},
        {"shift_r", 0x59},
        {"up", 0xe075},
        {"down", 0xe072},
        {"left", 0xe06b},
        {"right", 0xe074},
        {"home", 0xe06c},
        {"end", 0xe069},
        {"pgup", 0xe07d},
        {"pgdn", 0xe07a},
        {"insert", 0xe070},
        {"delete", 0xe071},
        {"minus", 0x4e},
        {"equal", 0x55},
        {"bracket_left", 0x54},
        {"bracket_right", 0x5b},
        {"semicolon", 0x4c},
        {"apostrophe", 0x52},
        {"grave_accent", 0x0e},
        {"backslash", 0x5d},
        {"comma", 0x41},
        {"dot", 0x49},
        {"slash", 0x4a},
        {"caps_lock", 0x58},
        {"num_lock", 0x77},
        {"scroll_lock", 0x7e},
        {"kp_0", 0x70},
        {"kp_9", 0x7d},
        {"kp_enter", 0xe05a},
        {"kp_divide", 0xe04a},
        {"kp_multiply", 0x7c},
        {"kp_add", 0x79},
        {"kp_subtract", 0x7b},
        {"kp_decimal", 0x71},
        {"print", PS2_KEY_PRINT},
        {"pause", PS2_KEY_PAUSE},
        {"menu", 0xe02f},
        {"meta_l", 0xe01f},
        {"meta_r", 0xe027},
        {"0x1c", 0x1c},
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        ck_assert_msg(ps2_keycode_from_name(names[i].name, &code), "%s", names[i].name);
        ck_assert_msg(code == names[i].code, "%s: %#x", names[i].name, code);
    }
    /* HID usages (SDL scancodes) agree with the names. */
    static const struct {
        unsigned usage;
        const char *name;
    } hid[] = {{0x04, "a"},      {0x1d, "z"},        {0x1e, "1"},     {0x27, "0"},
               {0x28, "ret"},    {0x2c, "spc"},      {0x3a, "f1"},    {0x40, "f7"},
               {0x45, "f12"},    {0x46, "print"},    {0x48, "pause"}, {0x4f, "right"},
               {0x52, "up"},     {0x58, "kp_enter"}, {0x62, "kp_0"},  {0x65, "menu"},
               {0xe0, "ctrl"},   {0xe1, "shift"},    {0xe2, "alt"},   {0xe3, "meta_l"},
               {0xe4, "ctrl_r"}, {0xe5, "shift_r"},  {0xe6, "alt_r"}, {0xe7, "meta_r"}};
    for (unsigned i = 0; i < sizeof hid / sizeof hid[0]; i++) {
        uint16_t a, b;
        ck_assert_msg(ps2_keycode_from_hid(hid[i].usage, &a), "%#x", hid[i].usage);
        ck_assert(ps2_keycode_from_name(hid[i].name, &b));
        ck_assert_msg(a == b, "%s: hid %#x name %#x", hid[i].name, a, b);
    }
    ck_assert(!ps2_keycode_from_hid(0x00, &code));
    ck_assert(!ps2_keycode_from_hid(0x67, &code));
    ck_assert(!ps2_keycode_from_hid(0xe8, &code));
    ck_assert(!ps2_keycode_from_name("bogus", &code));
    ck_assert(!ps2_keycode_from_name("", &code));
    ck_assert(!ps2_kbd_send_combo(t.k, "ctrl-bogus"));
    ck_assert(!ps2_kbd_send_combo(t.k, "ctrl--a"));
    EXPECT(&t); /* nothing sent for a bad combo */
    ck_assert(ps2_kbd_send_combo(t.k, "ctrl-alt-delete"));
    EXPECT(&t, 0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0, 0x71, 0xf0, 0x11, 0xf0, 0x14);
    ck_assert(ps2_kbd_send_combo(t.k, "shift-a"));
    EXPECT(&t, 0x12, 0x1c, 0xf0, 0x1c, 0xf0, 0x12);
    kb_fini(&t);
}
END_TEST

START_TEST(state_round_trip)
{
    struct kb a, b;
    kb_init(&a);
    kb_init(&b);
    ps2_kbd_write(a.k, 0xed);
    ps2_kbd_write(a.k, 0x02);
    ps2_kbd_write(a.k, 0xf0); /* waiting for its argument */
    ps2_kbd_key(a.k, 0x1c, true);
    uint8_t buf[512];
    size_t n = vmstate_save(ps2_kbd_vmstate(), a.k, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(ps2_kbd_vmstate(), b.k, buf, n), 0);
    ck_assert_uint_eq(ps2_kbd_leds(b.k), 2);
    ps2_kbd_write(b.k, 0x01);                 /* the argument of the saved 0xF0 */
    EXPECT(&b, 0xfa, 0xfa, 0xfa, 0xfa, 0x1c); /* replies ahead of the key */
    ck_assert_int_eq(ps2_kbd_scancode_set(b.k), 1);
    /* A truncated buffer is refused and leaves the keyboard alone. */
    ck_assert_int_eq(vmstate_load(ps2_kbd_vmstate(), b.k, buf, n - 1), -1);
    ck_assert_int_eq(ps2_kbd_scancode_set(b.k), 1);
    kb_fini(&a);
    kb_fini(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ps2_kbd");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, commands_and_replies);
    tcase_add_test(tc, set2_keys);
    tcase_add_test(tc, set1_keys);
    tcase_add_test(tc, scanning_disable_and_replies_first);
    tcase_add_test(tc, buffer_overrun);
    tcase_add_test(tc, key_names_and_combos);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
