/* Serialization of declared device state: a small self-describing format
 * (state name, version, then name/size/bytes per field) so that a restore
 * can match fields by name across versions. Little-endian lengths. */
#include <string.h>

#include "devices/vmstate.h"

struct writer {
    uint8_t *buf;
    size_t cap, len;
};

static void put(struct writer *w, const void *p, size_t n)
{
    if (w->len + n <= w->cap)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}
static void put_u32(struct writer *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, b, 4);
}
static void put_str(struct writer *w, const char *s)
{
    size_t n = strlen(s);
    put_u32(w, (uint32_t)n);
    put(w, s, n);
}

size_t vmstate_save(const struct vmstate *vs, const void *obj, uint8_t *buf, size_t cap)
{
    struct writer w = {buf, cap, 0};
    put_str(&w, vs->name);
    put_u32(&w, (uint32_t)vs->version);
    put_u32(&w, (uint32_t)vs->nfields);
    for (size_t i = 0; i < vs->nfields; i++) {
        const struct vmstate_field *f = &vs->fields[i];
        put_str(&w, f->name);
        put_u32(&w, (uint32_t)f->size);
        put(&w, (const uint8_t *)obj + f->offset, f->size);
    }
    return w.len;
}

struct reader {
    const uint8_t *buf;
    size_t len, pos;
};

static bool get_u32(struct reader *r, uint32_t *v)
{
    if (r->len - r->pos < 4)
        return false;
    const uint8_t *b = r->buf + r->pos;
    *v = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    r->pos += 4;
    return true;
}
static bool get_bytes(struct reader *r, size_t n, const uint8_t **p)
{
    if (r->len - r->pos < n)
        return false;
    *p = r->buf + r->pos;
    r->pos += n;
    return true;
}
static bool get_str_is(struct reader *r, const char *want, bool *match)
{
    uint32_t n;
    const uint8_t *p;
    if (!get_u32(r, &n) || !get_bytes(r, n, &p))
        return false;
    *match = strlen(want) == n && memcmp(p, want, n) == 0;
    return true;
}

static const struct vmstate_field *find_field(const struct vmstate *vs, struct reader *r,
                                              bool *ok)
{
    uint32_t n;
    const uint8_t *p;
    *ok = get_u32(r, &n) && get_bytes(r, n, &p);
    if (!*ok)
        return NULL;
    for (size_t i = 0; i < vs->nfields; i++)
        if (strlen(vs->fields[i].name) == n && memcmp(vs->fields[i].name, p, n) == 0)
            return &vs->fields[i];
    return NULL;
}

/* One pass over the buffer; with apply=false it only validates. */
static int walk(const struct vmstate *vs, void *obj, const uint8_t *buf, size_t len, bool apply)
{
    struct reader r = {buf, len, 0};
    bool match;
    uint32_t version, nfields;
    if (!get_str_is(&r, vs->name, &match) || !match)
        return -1;
    if (!get_u32(&r, &version) || !get_u32(&r, &nfields) || version > (uint32_t)vs->version)
        return -1;
    for (uint32_t i = 0; i < nfields; i++) {
        bool ok;
        uint32_t size;
        const uint8_t *data;
        const struct vmstate_field *f = find_field(vs, &r, &ok);
        if (!ok || !get_u32(&r, &size) || !get_bytes(&r, size, &data))
            return -1;
        if (!f)
            continue; /* a field this version no longer has */
        if (f->size != size)
            return -1;
        if (apply)
            memcpy((uint8_t *)obj + f->offset, data, size);
    }
    return r.pos == len ? 0 : -1;
}

int vmstate_load(const struct vmstate *vs, void *obj, const uint8_t *buf, size_t len)
{
    if (walk(vs, obj, buf, len, false) != 0)
        return -1;
    walk(vs, obj, buf, len, true);
    return vs->post_load ? vs->post_load(obj) : 0;
}
