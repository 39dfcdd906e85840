/* Calling a device's io_ops with any access size: accesses the device does
 * not accept are split into accepted ones or widened (little endian). Shared
 * by the port map and MMIO regions. */
#ifndef VX86_IO_ACCESS_H
#define VX86_IO_ACCESS_H

#include <stdint.h>

#include "mmu/io_ops.h"

/* size is 1, 2 or 4; a missing read callback reads all ones. */
uint32_t io_ops_read(const struct io_ops *ops, void *opaque, uint32_t offset, int size);
void io_ops_write(const struct io_ops *ops, void *opaque, uint32_t offset, uint32_t value,
                  int size);

#endif
