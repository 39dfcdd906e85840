/* Guest physical address space: RAM and ROM regions backed by host memory,
 * MMIO regions backed by device callbacks. Unmapped addresses read as all
 * ones and ignore writes, as on a PC bus. */
#ifndef VX86_MEMMAP_H
#define VX86_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/io_ops.h"

struct memmap;

struct memmap *memmap_create(void);
void memmap_destroy(struct memmap *m);

/* Map host memory at [base, base+size). Later mappings take precedence over
 * earlier ones where they overlap (so a ROM alias can sit on top of RAM). A
 * read-only region ignores writes (ROM). */
void memmap_add_ram(struct memmap *m, uint64_t base, uint64_t size, uint8_t *host, bool readonly);
void memmap_add_mmio(struct memmap *m, uint64_t base, uint64_t size, const struct io_ops *ops,
                     void *opaque);
/* Remove every region that starts at `base` (for remapping PAM/BARs later). */
void memmap_remove(struct memmap *m, uint64_t base);
/* Remove only the regions at `base` backed by `owner` (the host pointer of a
 * RAM/ROM region, the opaque of an MMIO region): a PCI BAR or PAM segment
 * that moves must not take a RAM region starting at the same address with it. */
void memmap_remove_owned(struct memmap *m, uint64_t base, const void *owner);

/* Called when a read-only (ROM) region drops a write, so the board can log
 * the guest's mistake (-d unimp). NULL = silent. */
void memmap_set_rom_write_hook(struct memmap *m, void (*fn)(void *opaque, uint64_t addr, int size),
                               void *opaque);

/* Physical accesses of 1, 2, 4 or 8 bytes; may cross region boundaries. */
uint64_t memmap_read(struct memmap *m, uint64_t addr, int size);
void memmap_write(struct memmap *m, uint64_t addr, uint64_t value, int size);
void memmap_read_buf(struct memmap *m, uint64_t addr, void *buf, uint64_t len);
void memmap_write_buf(struct memmap *m, uint64_t addr, const void *buf, uint64_t len);

/* Host pointer to the 4 KiB page holding `addr` when it is RAM (or ROM and
 * !write), else NULL. Used to fill the TLB. */
uint8_t *memmap_page_ptr(struct memmap *m, uint64_t addr, bool write);

/* Bumped whenever the map changes, so cached host pointers can be flushed. */
uint64_t memmap_generation(const struct memmap *m);
/* Where the generation lives, for callers that poll it on a hot path (the
 * TLB checks it once per instruction). Valid as long as the map exists. */
const uint64_t *memmap_generation_ptr(const struct memmap *m);

/* Write tracking of pages holding cached code (mmu/codepages.h). Every RAM
 * write through memmap_write/memmap_write_buf is reported to it; code that
 * writes guest RAM through a host pointer must call codepage_written(). */
struct codepages *memmap_codepages(struct memmap *m);

/* Guest RAM at `host` (`size` bytes) is the shared mapping of memfd `fd`
 * from offset 0, so that it can be mapped again elsewhere (mmu/fastmem.h).
 * memmap_backing returns the fd (-1: none was set) and the mapping. */
void memmap_set_backing(struct memmap *m, const uint8_t *host, uint64_t size, int fd);
int memmap_backing(const struct memmap *m, const uint8_t **host, uint64_t *size);

#endif
