/* The PC/AT's two cascaded Intel 8237A DMA controllers (8237A datasheet):
 * channels 0-3 (8-bit, ports 0x00-0x0F) and 4-7 (16-bit, ports 0xC0-0xDF,
 * channel 4 the cascade) with the 74LS612 page registers at 0x81-0x8F. */
#ifndef VX86_DMA8237_H
#define VX86_DMA8237_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct dma8237;
struct vmstate;

#define DMA_CHANNELS 8

/* A device's transfer routine, called when its channel has DREQ held and is
 * unmasked: it calls dma_transfer() for as much as it has ready and
 * dma_release_dreq() when it is done. */
typedef void (*dma_handler_fn)(void *opaque, int channel);

/* Registers the ports of both controllers and the page registers (0x81-0x8F:
 * 0x80 stays the POST latch, as on a PC where the POST port is the unused
 * page register), a reset handler and the state table. */
struct dma8237 *dma_create(struct machine *m);
void dma_destroy(struct dma8237 *d);

void dma_register_channel(struct dma8237 *d, int channel, dma_handler_fn fn, void *opaque);
/* DREQ: the device wants service. The handler runs now if the channel is
 * unmasked, or as soon as the guest unmasks it. */
void dma_hold_dreq(struct dma8237 *d, int channel);
void dma_release_dreq(struct dma8237 *d, int channel);

/* Move up to `len` bytes between buf and guest memory at the channel's
 * current address (bytes for channels 0-3, `len` must be even for 4-7),
 * updating address and count. The direction is the channel's mode (write
 * transfer: device -> memory; read: memory -> device; verify: no memory
 * cycle); `to_memory` is what the device expects, a mismatch is logged under
 * -d unimp. Stops at terminal count (TC): sets the status TC bit, reloads
 * with autoinit or masks the channel otherwise. Returns the bytes moved. */
size_t dma_transfer(struct dma8237 *d, int channel, void *buf, size_t len, bool to_memory);
/* Did the channel's last dma_transfer() reach terminal count? */
bool dma_tc_reached(const struct dma8237 *d, int channel);
/* Bytes left before terminal count (count register + 1, in bytes). */
size_t dma_remaining(const struct dma8237 *d, int channel);
bool dma_masked(const struct dma8237 *d, int channel);

/* The state table registered with the machine (describes struct dma8237). */
const struct vmstate *dma_vmstate(void);

#endif
