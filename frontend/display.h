/* The display frontends (DESIGN.md "Display and input"): the SDL2 window
 * (frontend/display_sdl.c) and PNG screenshots of the guest surface
 * (frontend/screenshot.c, written with zlib). */
#ifndef VX86_DISPLAY_H
#define VX86_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct pc;
struct surface;

/* --- frontend/screenshot.c --- */
/* Encode w x h pixels (0x00RRGGBB, `stride` pixels per row) as an 8-bit RGB
 * PNG in a malloc'd buffer; NULL on allocation failure. */
uint8_t *fe_png_encode(const uint32_t *pixels, int w, int h, int stride, size_t *len);
/* Decode a PNG written by fe_png_encode (8-bit RGB or RGBA, not interlaced;
 * what the tests need) into malloc'd 0x00RRGGBB pixels. NULL with a message
 * in err for anything else. */
uint32_t *fe_png_decode(const uint8_t *png, size_t len, int *w, int *h, char *err, size_t errlen);
/* Write the surface as PNG to path: 0, or -1 with a message in err. */
int fe_surface_write_png(const struct surface *s, const char *path, char *err, size_t errlen);
/* Bring the VGA's picture up to date and write it (monitor `screendump`,
 * --screenshot-on-exit). Works with or without a window; a machine without
 * a VGA gives an error. */
int fe_screendump(struct pc *pc, const char *path, char *err, size_t errlen);

/* --- frontend/display_sdl.c --- */
enum fe_display_kind { FE_DISPLAY_DEFAULT, FE_DISPLAY_NONE, FE_DISPLAY_SDL };
/* Parse a -display value ("sdl", "none", with ",opts" ignored). */
bool fe_display_parse(const char *s, enum fe_display_kind *kind);
/* The default: SDL when $DISPLAY or $WAYLAND_DISPLAY is set, else none. */
enum fe_display_kind fe_display_default(void);

struct fe_display;
/* Open the SDL window for `pc` (its VGA, keyboard and mouse) and hook it
 * into the machine loop: a 60 Hz timer fd watched by the machine refreshes
 * the window and reads host events; fe_display_poll() (from the machine's
 * poll_fn) keeps a busy guest refreshed too. `name` is shown in the title.
 * NULL with a message in err when SDL cannot open a window. */
struct fe_display *fe_display_sdl_create(struct pc *pc, const char *name, char *err, size_t errlen);
void fe_display_poll(struct fe_display *d);
/* What closing the window does: with a power button (the board's ACPI,
 * acpi_pm_press_power_button) the first close presses it and the guest
 * powers itself off; a second close, or the guest still running 10 s
 * later, ends the run. Without one a close ends the run at once. */
void fe_display_set_power_button(struct fe_display *d, void (*press)(void *opaque), void *opaque);
void fe_display_destroy(struct fe_display *d);
/* The window was closed (the run is stopped with VX86_EXIT_OK). */
bool fe_display_closed(const struct fe_display *d);

/* --- frontend/keymap_sdl.c --- */
/* An SDL scancode (USB HID usage) to a PS/2 set-2 keycode (devices/ps2.h),
 * covering the 105-key keyboard incl. the ISO key, AltGr (0xE011), Pause,
 * PrintScreen and the Windows/menu keys. False for keys a PS/2 keyboard lacks. */
bool fe_keymap_sdl(int sdl_scancode, uint16_t *keycode);

#endif
