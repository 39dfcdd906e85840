/* The one I/O contract (STYLE.md rule 1): a device is an opaque pointer plus
 * a read and a write callback, registered on a range of ports or of physical
 * addresses. `offset` is relative to the start of the registered range. */
#ifndef VX86_IO_OPS_H
#define VX86_IO_OPS_H

#include <stdint.h>

struct io_ops {
    uint32_t (*read)(void *opaque, uint32_t offset, int size);
    void (*write)(void *opaque, uint32_t offset, uint32_t value, int size);
    /* Access sizes the device accepts, as a bit mask of 1, 2 and 4 (e.g. 1|2).
     * Wider accesses are split into accepted ones, narrower are widened. 0 = all. */
    int sizes;
};

#endif
