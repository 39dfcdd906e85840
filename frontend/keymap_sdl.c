/* SDL scancodes to PS/2 set-2 keycodes. SDL_Scancode values are USB HID
 * keyboard usages (page 7), which ps2_keycode_from_hid() maps for the
 * 104/105-key layout; this adds the international keys of JIS/ABNT/Korean
 * keyboards and the usual multimedia keys (Microsoft "Keyboard Scan Code
 * Specification", rev 1.3a, set 2 column). No SDL header: the numbers are
 * HID usages and SDL's own media scancodes (SDL_scancode.h). */
#include "devices/ps2.h"
#include "frontend/display.h"

static const struct {
    int sdl;
    uint16_t set2;
} extra_keys[] = {
    {0x67, 0x0F},   /* SDL_SCANCODE_KP_EQUALS (Mac keypad '=') */
    {0x7F, 0xE023}, /* SDL_SCANCODE_MUTE */
    {0x80, 0xE032}, /* SDL_SCANCODE_VOLUMEUP */
    {0x81, 0xE021}, /* SDL_SCANCODE_VOLUMEDOWN */
    {0x85, 0x6D},   /* SDL_SCANCODE_KP_COMMA (Brazilian keypad '.') */
    {0x87, 0x51},   /* SDL_SCANCODE_INTERNATIONAL1: JIS Ro, ABNT '/' */
    {0x88, 0x13},   /* SDL_SCANCODE_INTERNATIONAL2: Katakana/Hiragana */
    {0x89, 0x6A},   /* SDL_SCANCODE_INTERNATIONAL3: Yen */
    {0x8A, 0x64},   /* SDL_SCANCODE_INTERNATIONAL4: Henkan */
    {0x8B, 0x67},   /* SDL_SCANCODE_INTERNATIONAL5: Muhenkan */
    {258, 0xE04D},  /* SDL_SCANCODE_AUDIONEXT */
    {259, 0xE015},  /* SDL_SCANCODE_AUDIOPREV */
    {260, 0xE03B},  /* SDL_SCANCODE_AUDIOSTOP */
    {261, 0xE034},  /* SDL_SCANCODE_AUDIOPLAY */
    {262, 0xE023},  /* SDL_SCANCODE_AUDIOMUTE */
    {265, 0xE048},  /* SDL_SCANCODE_MAIL */
    {266, 0xE02B},  /* SDL_SCANCODE_CALCULATOR */
    {267, 0xE040},  /* SDL_SCANCODE_COMPUTER (My Computer) */
    {268, 0xE010},  /* SDL_SCANCODE_AC_SEARCH */
    {269, 0xE03A},  /* SDL_SCANCODE_AC_HOME */
    {270, 0xE038},  /* SDL_SCANCODE_AC_BACK */
    {271, 0xE030},  /* SDL_SCANCODE_AC_FORWARD */
    {272, 0xE028},  /* SDL_SCANCODE_AC_STOP */
    {273, 0xE020},  /* SDL_SCANCODE_AC_REFRESH */
    {274, 0xE018},  /* SDL_SCANCODE_AC_BOOKMARKS */
    {282, 0xE03F},  /* SDL_SCANCODE_SLEEP */
};

bool fe_keymap_sdl(int sdl_scancode, uint16_t *keycode)
{
    if (sdl_scancode <= 0)
        return false;
    if (ps2_keycode_from_hid((unsigned)sdl_scancode, keycode))
        return true;
    for (unsigned i = 0; i < sizeof extra_keys / sizeof extra_keys[0]; i++) {
        if (extra_keys[i].sdl == sdl_scancode) {
            *keycode = extra_keys[i].set2;
            return true;
        }
    }
    return false;
}
