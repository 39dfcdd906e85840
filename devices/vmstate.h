/* Declared device state (STYLE.md rule 3): each device lists its saved
 * fields as {name, offset, size, version}; snapshot, restore and migration
 * walk these tables. A field that is not in the table is not state. */
#ifndef VX86_VMSTATE_H
#define VX86_VMSTATE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct vmstate_field {
    const char *name;
    size_t offset;
    size_t size;
    int version; /* the state version that introduced this field */
};

struct vmstate {
    const char *name;
    int version;
    const struct vmstate_field *fields;
    size_t nfields;
    /* Re-derive what a register write would have set (timers, mappings). */
    int (*post_load)(void *opaque);
};

#define VMSTATE_FIELD(type, field, ver) {#field, offsetof(type, field), sizeof(((type *)0)->field), ver}
#define VMSTATE_DESC(sname, ver, farray, post)                                                  \
    {sname, ver, farray, sizeof(farray) / sizeof((farray)[0]), post}

/* Serialize `obj`'s fields into buf (cap bytes). Returns the size needed;
 * if it exceeds cap nothing useful was written. */
size_t vmstate_save(const struct vmstate *vs, const void *obj, uint8_t *buf, size_t cap);
/* Restore from a buffer made by vmstate_save. Fields are matched by name;
 * fields newer than the saved version keep their current value. Returns 0,
 * or -1 on a malformed buffer, a name mismatch or a field size mismatch
 * (obj is unchanged then). Calls post_load on success. */
int vmstate_load(const struct vmstate *vs, void *obj, const uint8_t *buf, size_t len);

#endif
