/* The SDL keyboard map (frontend/keymap_sdl.c): every key of a 105-key ISO
 * keyboard (SDL scancodes = USB HID usages) has a PS/2 set-2 code, no two
 * keys share one, and the special keys get their special sequences
 * (Microsoft "Keyboard Scan Code Specification" set 2 column). */
#include <check.h>

#include "devices/ps2.h"
#include "frontend/display.h"
#include "frontend/keymap_sdl.c"
#include "test_util.h"

/* The 105 keys: letters, digits, the main block, F1-F12, the navigation
 * block, the arrows, the keypad, the modifiers incl. AltGr and the two
 * Windows keys and Menu, and the ISO key left of Z (HID 0x64). */
static const int iso105[] = {
    0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, /* a-z */
    0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,                   /* 1-0 */
    0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x32,                   /* Enter..ISO # */
    0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,                                     /* ;'`,./ Caps */
    0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45,       /* F1-F12 */
    0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E,                         /* PrtSc..PgDn */
    0x4F, 0x50, 0x51, 0x52,                                                       /* arrows */
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
    0x60, 0x61, 0x62, 0x63,                         /* keypad */
    0x64, 0x65,                                     /* ISO \, Menu */
    0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, /* modifiers */
};

START_TEST(every_key_of_105)
{
    int n = sizeof iso105 / sizeof iso105[0];
    ck_assert_int_eq(n, 105);
    uint16_t codes[105];
    for (int i = 0; i < n; i++) {
        ck_assert_msg(fe_keymap_sdl(iso105[i], &codes[i]), "SDL scancode 0x%x unmapped", iso105[i]);
        for (int j = 0; j < i; j++)
            ck_assert_msg(codes[j] != codes[i], "0x%x and 0x%x both give 0x%x", iso105[j],
                          iso105[i], codes[i]);
    }
}
END_TEST

START_TEST(special_keys)
{
    uint16_t c;
    ck_assert(fe_keymap_sdl(0xE6, &c)); /* Right Alt = AltGr */
    ck_assert_uint_eq(c, 0xE011);
    ck_assert(fe_keymap_sdl(0xE4, &c)); /* Right Ctrl */
    ck_assert_uint_eq(c, 0xE014);
    ck_assert(fe_keymap_sdl(0x48, &c));
    ck_assert_uint_eq(c, PS2_KEY_PAUSE);
    ck_assert(fe_keymap_sdl(0x46, &c));
    ck_assert_uint_eq(c, PS2_KEY_PRINT);
    ck_assert(fe_keymap_sdl(0x64, &c)); /* ISO key between LShift and Z */
    ck_assert_uint_eq(c, 0x61);
    ck_assert(fe_keymap_sdl(0x54, &c)); /* keypad / */
    ck_assert_uint_eq(c, 0xE04A);
    ck_assert(fe_keymap_sdl(0x58, &c)); /* keypad Enter */
    ck_assert_uint_eq(c, 0xE05A);
    ck_assert(fe_keymap_sdl(0x53, &c)); /* Num Lock: not extended */
    ck_assert_uint_eq(c, 0x77);
    ck_assert(fe_keymap_sdl(0x87, &c)); /* JIS Ro */
    ck_assert_uint_eq(c, 0x51);
    ck_assert(fe_keymap_sdl(0x89, &c)); /* Yen */
    ck_assert_uint_eq(c, 0x6A);
    ck_assert(fe_keymap_sdl(262, &c)); /* SDL_SCANCODE_AUDIOMUTE */
    ck_assert_uint_eq(c, 0xE023);
    ck_assert(!fe_keymap_sdl(0, &c));
    ck_assert(!fe_keymap_sdl(0x68, &c)); /* F13: no PS/2 key */
    ck_assert(!fe_keymap_sdl(-1, &c));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("display_keymap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_key_of_105);
    tcase_add_test(tc, special_keys);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
