/* Display surface: pixel buffer and dirty-rectangle bookkeeping. */
#include <stdlib.h>

#include "devices/surface.h"

#define SURFACE_MAX 8192

struct surface *surface_create(int width, int height)
{
    struct surface *s = calloc(1, sizeof *s);
    if (s && !surface_resize(s, width, height)) {
        free(s);
        return NULL;
    }
    return s;
}

void surface_destroy(struct surface *s)
{
    if (s) {
        free(s->pixels);
        free(s);
    }
}

bool surface_resize(struct surface *s, int width, int height)
{
    if (width < 1 || height < 1 || width > SURFACE_MAX || height > SURFACE_MAX)
        return false;
    if (width == s->width && height == s->height && s->pixels)
        return true;
    uint32_t *p = calloc((size_t)width * height, sizeof *p);
    if (!p)
        return false;
    free(s->pixels);
    s->pixels = p;
    s->width = width;
    s->height = height;
    s->stride = width;
    s->generation++;
    s->dirty = (struct surface_rect){0, 0, width, height};
    return true;
}

void surface_mark_dirty(struct surface *s, int x, int y, int w, int h)
{
    /* Clip to the surface, then grow the union rectangle. */
    if (x < 0) { w += x; x = 0; }
    if (y < 0) { h += y; y = 0; }
    if (x + w > s->width) w = s->width - x;
    if (y + h > s->height) h = s->height - y;
    if (w <= 0 || h <= 0)
        return;
    struct surface_rect *d = &s->dirty;
    if (d->w == 0) {
        *d = (struct surface_rect){x, y, w, h};
        return;
    }
    int x1 = d->x + d->w > x + w ? d->x + d->w : x + w;
    int y1 = d->y + d->h > y + h ? d->y + d->h : y + h;
    d->x = d->x < x ? d->x : x;
    d->y = d->y < y ? d->y : y;
    d->w = x1 - d->x;
    d->h = y1 - d->y;
}

bool surface_take_dirty(struct surface *s, struct surface_rect *r)
{
    if (s->dirty.w == 0)
        return false;
    *r = s->dirty;
    s->dirty = (struct surface_rect){0, 0, 0, 0};
    return true;
}
