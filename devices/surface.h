/* A display surface (DESIGN.md "Display and input"): 32-bit XRGB pixels
 * plus the rectangle that changed since the consumer last looked. Devices
 * draw into it; the SDL window, headless mode and screenshots consume it. */
#ifndef VX86_SURFACE_H
#define VX86_SURFACE_H

#include <stdbool.h>
#include <stdint.h>

struct surface_rect {
    int x, y, w, h;
};

struct surface {
    int width, height;
    int stride;        /* pixels per row */
    uint32_t *pixels;  /* 0x00RRGGBB */
    struct surface_rect dirty; /* union of changes; w == 0 when clean */
    uint64_t generation;       /* bumped on every resize */
};

struct surface *surface_create(int width, int height);
void surface_destroy(struct surface *s);
/* Change the size (contents become black, all dirty). Returns false on
 * allocation failure or a size outside 1..8192. */
bool surface_resize(struct surface *s, int width, int height);
void surface_mark_dirty(struct surface *s, int x, int y, int w, int h);
/* Take and clear the dirty rectangle; false when nothing changed. */
bool surface_take_dirty(struct surface *s, struct surface_rect *r);

#endif
