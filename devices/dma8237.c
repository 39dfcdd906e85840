/* The PC/AT DMA subsystem: two Intel 8237A controllers (8237A datasheet),
 * DMA1 (channels 0-3, bytes) at 0x00-0x0F and DMA2 (channels 4-7, words,
 * channel 4 = DMA1's cascade) at 0xC0-0xDF, plus the page registers. */
#include "devices/dma8237.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

/* Mode register (8237A "Mode Register"). */
#define MODE_TYPE(m)   (((m) >> 2) & 3) /* 0 verify, 1 write (to memory), 2 read, 3 illegal */
#define MODE_AUTOINIT  0x10
#define MODE_DECREMENT 0x20
#define MODE_SEL(m)    (((m) >> 6) & 3) /* 0 demand, 1 single, 2 block, 3 cascade */
#define CMD_DISABLE    0x04             /* command register: controller disable */

struct dma8237 {
    struct machine *m;
    /* Per channel (0-3 on DMA1, 4-7 on DMA2). */
    uint16_t base_addr[DMA_CHANNELS]; /* base address (reloaded by autoinit) */
    uint16_t cur_addr[DMA_CHANNELS];  /* current address (words on DMA2) */
    uint16_t base_count[DMA_CHANNELS];
    uint16_t cur_count[DMA_CHANNELS]; /* transfers left - 1; TC when it wraps */
    uint8_t mode[DMA_CHANNELS];       /* mode register */
    /* Per controller. */
    uint8_t command[2];  /* command register */
    uint8_t status[2];   /* bits 0-3 TC reached (clear on read), 4-7 software requests */
    uint8_t mask[2];     /* bits 0-3 channel masked */
    uint8_t flipflop[2]; /* byte pointer flip-flop: 0 = low byte next */
    uint8_t temp[2];     /* temporary register (memory-to-memory; reads 0) */
    uint8_t page[16];    /* 0x80-0x8F page registers (0x80 itself is the POST latch) */
    uint8_t dreq;        /* DREQ lines held by devices, bit per channel */
    uint8_t tc_flag;     /* the last dma_transfer() on the channel reached TC */
    /* Not state: the devices' handlers. */
    dma_handler_fn handler[DMA_CHANNELS];
    void *handler_opaque[DMA_CHANNELS];
    bool running;    /* inside dma_run() (handlers may hold/release DREQ) */
    uint64_t logged; /* -d unimp kinds reported (once each) */
};

enum { LOG_COMMAND, LOG_MODE, LOG_DIRECTION }; /* -d unimp kinds */

/* The AT's 74LS612 page register of each channel (IBM PC AT technical
 * reference): port - 0x80. Channel 4's (0x8F) is the refresh page. */
static const uint8_t page_port[DMA_CHANNELS] = {0x07, 0x03, 0x01, 0x02, 0x0f, 0x0b, 0x09, 0x0a};

static int unit(int ch)
{
    return ch < 4 ? 1 : 2;
}

/* Can the channel transfer now: DREQ held, unmasked, controller enabled,
 * and for DMA1 the cascade channel 4 of DMA2 unmasked and in cascade mode
 * (the BIOS programs it so; DMA1's HRQ goes to DMA2's DREQ4). Single,
 * block and demand modes differ only in when the bus is given back
 * between bytes, which a device served at once never sees. */
static bool dma_ready(const struct dma8237 *d, int ch)
{
    int c = ch >> 2, bit = 1 << (ch & 3);
    if (!(d->dreq & (1 << ch)) || (d->mask[c] & bit) || (d->command[c] & CMD_DISABLE))
        return false;
    if (c == 0 && ((d->mask[1] & 1) || (d->command[1] & CMD_DISABLE) || MODE_SEL(d->mode[4]) != 3))
        return false;
    return true;
}

/* Give the bus to every ready channel, highest priority (lowest number)
 * first; DMA1 is reached through DMA2's channel 4. */
static void dma_run(struct dma8237 *d)
{
    if (d->running)
        return;
    d->running = true;
    for (int pass = 0; pass < 64; pass++) {
        bool any = false;
        static const int order[DMA_CHANNELS] = {4, 0, 1, 2, 3, 5, 6, 7};
        for (int i = 0; i < DMA_CHANNELS; i++) {
            int ch = order[i];
            if (ch == 4 || !dma_ready(d, ch) || !d->handler[ch])
                continue;
            d->handler[ch](d->handler_opaque[ch], ch);
            any = true;
        }
        if (!any)
            break;
    }
    d->running = false;
}

static void dma_master_clear(struct dma8237 *d, int c)
{
    d->command[c] = 0;
    d->status[c] = 0;
    d->temp[c] = 0;
    d->flipflop[c] = 0;
    d->mask[c] = 0x0f;
}

static void dma_reset(void *opaque)
{
    struct dma8237 *d = opaque;
    uint8_t dreq = d->dreq;
    for (int c = 0; c < 2; c++)
        dma_master_clear(d, c);
    memset(d->base_addr, 0, sizeof d->base_addr);
    memset(d->cur_addr, 0, sizeof d->cur_addr);
    memset(d->base_count, 0, sizeof d->base_count);
    memset(d->cur_count, 0, sizeof d->cur_count);
    memset(d->mode, 0, sizeof d->mode);
    memset(d->page, 0, sizeof d->page);
    d->tc_flag = 0;
    d->dreq = dreq; /* the devices reset themselves */
}

/* --- registers: `reg` 0-15 as on DMA1's ports 0x00-0x0F --- */

static uint8_t dma_reg_read(struct dma8237 *d, int c, int reg)
{
    if (reg < 8) {
        int ch = c * 4 + (reg >> 1);
        uint16_t v = (reg & 1) ? d->cur_count[ch] : d->cur_addr[ch];
        uint8_t b = d->flipflop[c] ? v >> 8 : v & 0xff;
        d->flipflop[c] ^= 1;
        return b;
    }
    switch (reg) {
    case 8: { /* status: TC bits clear on read; request bits = DREQ | software */
        uint8_t hw = (d->dreq >> (c * 4)) & 0x0f;
        uint8_t v = d->status[c] | (uint8_t)(hw << 4);
        d->status[c] &= 0xf0;
        return v;
    }
    case 13: return d->temp[c];
    case 15: return 0xf0 | d->mask[c]; /* PIIX3 reads back the mask (82371SB 2.8) */
    default: return 0xff;
    }
}

static void dma_reg_write(struct dma8237 *d, int c, int reg, uint8_t v)
{
    if (reg < 8) {
        int ch = c * 4 + (reg >> 1);
        uint16_t *base = (reg & 1) ? &d->base_count[ch] : &d->base_addr[ch];
        uint16_t *cur = (reg & 1) ? &d->cur_count[ch] : &d->cur_addr[ch];
        /* Writing loads the base and current registers together. */
        if (d->flipflop[c])
            *base = (uint16_t)((*base & 0x00ff) | v << 8);
        else
            *base = (uint16_t)((*base & 0xff00) | v);
        *cur = *base;
        d->flipflop[c] ^= 1;
        return;
    }
    switch (reg) {
    case 8: /* command */
        d->command[c] = v;
        if (v & ~CMD_DISABLE)
            unimp_log_once(d->m, &d->logged, LOG_COMMAND,
                           "dma%d: command 0x%02x (only the disable bit is modelled)\n", c + 1, v);
        break;
    case 9: /* request: bit 2 set/clear, bits 1:0 channel (software DREQ) */
        if (v & 4)
            d->status[c] |= (uint8_t)(0x10 << (v & 3));
        else
            d->status[c] &= (uint8_t) ~(0x10 << (v & 3));
        break;
    case 10: /* single mask bit */
        if (v & 4)
            d->mask[c] |= (uint8_t)(1 << (v & 3));
        else
            d->mask[c] &= (uint8_t) ~(1 << (v & 3));
        break;
    case 11: /* mode */
        d->mode[c * 4 + (v & 3)] = v;
        if (MODE_TYPE(v) == 3)
            unimp_log_once(d->m, &d->logged, LOG_MODE,
                           "dma%d: illegal transfer type in mode 0x%02x\n", c + 1, v);
        break;
    case 12: d->flipflop[c] = 0; break;
    case 13: dma_master_clear(d, c); break;
    case 14: d->mask[c] = 0; break;        /* clear mask register */
    case 15: d->mask[c] = v & 0x0f; break; /* write all mask bits */
    }
    if (reg == 8 || reg == 10 || reg == 11 || reg == 14 || reg == 15)
        dma_run(d);
}

static uint32_t dma1_read(void *opaque, uint32_t offset, int size)
{
    (void)size;
    return dma_reg_read(opaque, 0, (int)offset);
}
static void dma1_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)size;
    dma_reg_write(opaque, 0, (int)offset, (uint8_t)value);
}
/* DMA2 sits on address lines A1-A4: register n at 0xC0 + 2n. */
static uint32_t dma2_read(void *opaque, uint32_t offset, int size)
{
    (void)size;
    return dma_reg_read(opaque, 1, (int)(offset >> 1));
}
static void dma2_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)size;
    dma_reg_write(opaque, 1, (int)(offset >> 1), (uint8_t)value);
}
static uint32_t page_read(void *opaque, uint32_t offset, int size)
{
    struct dma8237 *d = opaque;
    (void)size;
    return d->page[offset + 1];
}
static void page_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct dma8237 *d = opaque;
    (void)size;
    d->page[offset + 1] = (uint8_t)value;
}

static const struct io_ops dma1_ops = {dma1_read, dma1_write, 1};
static const struct io_ops dma2_ops = {dma2_read, dma2_write, 1};
static const struct io_ops page_ops = {page_read, page_write, 1};

/* --- the device side --- */

void dma_register_channel(struct dma8237 *d, int ch, dma_handler_fn fn, void *opaque)
{
    if (ch < 0 || ch >= DMA_CHANNELS)
        return;
    d->handler[ch] = fn;
    d->handler_opaque[ch] = opaque;
}

void dma_hold_dreq(struct dma8237 *d, int ch)
{
    if (ch < 0 || ch >= DMA_CHANNELS)
        return;
    d->dreq |= (uint8_t)(1 << ch);
    dma_run(d);
}

void dma_release_dreq(struct dma8237 *d, int ch)
{
    if (ch < 0 || ch >= DMA_CHANNELS)
        return;
    d->dreq &= (uint8_t) ~(1 << ch);
}

/* Physical address of the channel's current transfer unit. On the AT the
 * 16-bit channels shift the address left by one and use page bits 7:1, so
 * a transfer wraps within its 128 KiB block (8-bit: 64 KiB). */
static uint64_t dma_phys(const struct dma8237 *d, int ch)
{
    uint8_t page = d->page[page_port[ch]];
    if (ch < 4)
        return (uint64_t)page << 16 | d->cur_addr[ch];
    return (uint64_t)(page & 0xfe) << 16 | (uint32_t)d->cur_addr[ch] << 1;
}

size_t dma_transfer(struct dma8237 *d, int ch, void *buf, size_t len, bool to_memory)
{
    if (ch < 0 || ch >= DMA_CHANNELS || ch == 4)
        return 0;
    int c = ch >> 2, u = unit(ch);
    uint8_t mode = d->mode[ch];
    int type = MODE_TYPE(mode);
    struct memmap *mem = machine_memmap(d->m);
    uint8_t *p = buf;
    size_t done = 0;

    d->tc_flag &= (uint8_t) ~(1 << ch);
    if ((type == 1 && !to_memory) || (type == 2 && to_memory)) {
        unimp_log_once(d->m, &d->logged, LOG_DIRECTION,
                       "dma: channel %d programmed to %s memory, device %s it\n", ch,
                       type == 1 ? "write" : "read", to_memory ? "writes" : "reads");
    }
    while (done + (size_t)u <= len) {
        uint64_t pa = dma_phys(d, ch);
        if (type == 1)
            memmap_write_buf(mem, pa, p + done, (uint64_t)u);
        else if (type == 2)
            memmap_read_buf(mem, pa, p + done, (uint64_t)u);
        /* verify (and the illegal type 3) run the count with no memory cycle */
        done += (size_t)u;
        d->cur_addr[ch] = (uint16_t)(d->cur_addr[ch] + ((mode & MODE_DECREMENT) ? -1 : 1));
        if (d->cur_count[ch]-- == 0) {
            /* Terminal count (8237A "EOP"): report it; autoinit reloads,
             * otherwise the channel masks itself. */
            d->status[c] |= (uint8_t)(1 << (ch & 3));
            d->tc_flag |= (uint8_t)(1 << ch);
            if (mode & MODE_AUTOINIT) {
                d->cur_addr[ch] = d->base_addr[ch];
                d->cur_count[ch] = d->base_count[ch];
            } else {
                d->mask[c] |= (uint8_t)(1 << (ch & 3));
            }
            break;
        }
    }
    return done;
}

bool dma_tc_reached(const struct dma8237 *d, int ch)
{
    return ch >= 0 && ch < DMA_CHANNELS && (d->tc_flag & (1 << ch));
}

size_t dma_remaining(const struct dma8237 *d, int ch)
{
    if (ch < 0 || ch >= DMA_CHANNELS)
        return 0;
    return ((size_t)d->cur_count[ch] + 1) * (size_t)unit(ch);
}

bool dma_masked(const struct dma8237 *d, int ch)
{
    return ch < 0 || ch >= DMA_CHANNELS || (d->mask[ch >> 2] & (1 << (ch & 3)));
}

/* --- state --- */

static const struct vmstate_field dma_fields[] = {
    VMSTATE_FIELD(struct dma8237, base_addr, 1),  VMSTATE_FIELD(struct dma8237, cur_addr, 1),
    VMSTATE_FIELD(struct dma8237, base_count, 1), VMSTATE_FIELD(struct dma8237, cur_count, 1),
    VMSTATE_FIELD(struct dma8237, mode, 1),       VMSTATE_FIELD(struct dma8237, command, 1),
    VMSTATE_FIELD(struct dma8237, status, 1),     VMSTATE_FIELD(struct dma8237, mask, 1),
    VMSTATE_FIELD(struct dma8237, flipflop, 1),   VMSTATE_FIELD(struct dma8237, temp, 1),
    VMSTATE_FIELD(struct dma8237, page, 1),       VMSTATE_FIELD(struct dma8237, dreq, 1),
    VMSTATE_FIELD(struct dma8237, tc_flag, 1),
};
static const struct vmstate dma_vs = VMSTATE_DESC("dma8237", 1, dma_fields, NULL);

const struct vmstate *dma_vmstate(void)
{
    return &dma_vs;
}

struct dma8237 *dma_create(struct machine *m)
{
    struct dma8237 *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->m = m;
    dma_reset(d);
    struct ioport_map *io = machine_ioport(m);
    ioport_register(io, 0x00, 16, &dma1_ops, d);
    ioport_register(io, 0xc0, 32, &dma2_ops, d);
    ioport_register(io, 0x81, 15, &page_ops, d);
    machine_register_reset(m, dma_reset, d);
    machine_register_state(m, &dma_vs, d);
    return d;
}

void dma_destroy(struct dma8237 *d)
{
    free(d);
}
