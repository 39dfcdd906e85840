/* The 64 KiB x86 I/O port space. Devices register port ranges with the same
 * read/write contract as MMIO. Unclaimed ports read as all ones. */
#ifndef VX86_IOPORT_H
#define VX86_IOPORT_H

#include <stdint.h>

#include "mmu/io_ops.h"

struct ioport_map;

struct ioport_map *ioport_create(void);
void ioport_destroy(struct ioport_map *p);
void ioport_register(struct ioport_map *p, uint16_t base, uint32_t len, const struct io_ops *ops,
                     void *opaque);
/* Undo ioport_register(p, base, len, ..., opaque) (PCI BARs that move): the
 * ports go back to whatever was registered under them, or to nobody. */
void ioport_unregister(struct ioport_map *p, uint16_t base, uint32_t len, void *opaque);
/* Give the bytes nobody claims to `ops` (offset = the port, size 1), so the
 * machine can log bad guest programming (devices/unclaimed.c); NULL ops: back
 * to reading 0xFF and dropping writes. Registration order does not matter. */
void ioport_set_unclaimed(struct ioport_map *p, const struct io_ops *ops, void *opaque);
uint32_t ioport_read(struct ioport_map *p, uint16_t port, int size);
void ioport_write(struct ioport_map *p, uint16_t port, uint32_t value, int size);

#endif
