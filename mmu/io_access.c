/* Adapting an access to the sizes a device accepts (io_ops.sizes): wider
 * accesses are split into the largest accepted pieces, narrower ones are
 * widened to the smallest accepted aligned size (writes read-modify-write). */
#include "mmu/io_access.h"

static int accepted(const struct io_ops *ops)
{
    int s = ops->sizes & 7;
    return s ? s : 7; /* 0 (or nothing usable) means every size */
}

static uint32_t raw_read(const struct io_ops *ops, void *opaque, uint32_t offset, int size)
{
    if (!ops->read)
        return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    return ops->read(opaque, offset, size);
}

static void raw_write(const struct io_ops *ops, void *opaque, uint32_t offset, uint32_t value,
                      int size)
{
    if (ops->write)
        ops->write(opaque, offset, value, size);
}

static uint32_t mask_of(int size) { return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1; }

/* Largest accepted size below `size`, or 0. */
static int smaller(int sizes, int size)
{
    for (int s = size >> 1; s; s >>= 1)
        if (sizes & s)
            return s;
    return 0;
}

/* Smallest accepted size above `size`, or 0. */
static int larger(int sizes, int size)
{
    for (int s = size << 1; s <= 4; s <<= 1)
        if (sizes & s)
            return s;
    return 0;
}

uint32_t io_ops_read(const struct io_ops *ops, void *opaque, uint32_t offset, int size)
{
    int sizes = accepted(ops);
    if (sizes & size)
        return raw_read(ops, opaque, offset, size) & mask_of(size);
    int piece = smaller(sizes, size);
    if (piece) {
        uint32_t v = 0;
        for (int i = 0; i < size; i += piece)
            v |= io_ops_read(ops, opaque, offset + i, piece) << (i * 8);
        return v;
    }
    int wide = larger(sizes, size);
    uint32_t base = offset & ~(uint32_t)(wide - 1);
    if (offset - base + size > (uint32_t)wide) { /* misaligned across a wide unit: bytes */
        uint32_t v = 0;
        for (int i = 0; i < size; i++)
            v |= io_ops_read(ops, opaque, offset + i, 1) << (i * 8);
        return v;
    }
    return (raw_read(ops, opaque, base, wide) >> ((offset - base) * 8)) & mask_of(size);
}

void io_ops_write(const struct io_ops *ops, void *opaque, uint32_t offset, uint32_t value,
                  int size)
{
    int sizes = accepted(ops);
    value &= mask_of(size);
    if (sizes & size) {
        raw_write(ops, opaque, offset, value, size);
        return;
    }
    int piece = smaller(sizes, size);
    if (piece) {
        for (int i = 0; i < size; i += piece)
            io_ops_write(ops, opaque, offset + i, (value >> (i * 8)) & mask_of(piece), piece);
        return;
    }
    int wide = larger(sizes, size);
    uint32_t base = offset & ~(uint32_t)(wide - 1);
    if (offset - base + size > (uint32_t)wide) {
        for (int i = 0; i < size; i++)
            io_ops_write(ops, opaque, offset + i, (value >> (i * 8)) & 0xff, 1);
        return;
    }
    int shift = (offset - base) * 8;
    uint32_t old = raw_read(ops, opaque, base, wide);
    uint32_t m = mask_of(size) << shift;
    raw_write(ops, opaque, base, (old & ~m) | (value << shift), wide);
}
