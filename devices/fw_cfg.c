/* QEMU fw_cfg, I/O port flavour (QEMU docs/specs/fw_cfg.rst): selector at
 * 0x510, data at 0x511 (one byte per read, the offset advances), and the DMA
 * interface at 0x514 whose 64-bit big-endian address register starts a
 * transfer described by a {control, length, address} structure in RAM. */
#include "devices/fw_cfg.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define FW_CFG_MAX_KEYS (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)

struct fw_cfg_item {
    uint8_t *data;
    uint32_t len;
};

struct fw_cfg_file {
    char name[FW_CFG_MAX_FILE_PATH];
    uint16_t key;
};

struct fw_cfg {
    struct machine *m;
    bool dma;
    struct fw_cfg_item items[2][FW_CFG_MAX_KEYS]; /* [arch-local][key & ENTRY_MASK] */
    struct fw_cfg_file files[FW_CFG_FILE_SLOTS];  /* sorted by name */
    int nfiles;
    /* Guest-visible state. */
    uint16_t cur_key;     /* last selector written */
    uint32_t cur_off;     /* read position in the selected item */
    uint32_t dma_addr_hi; /* 0x514: high half, waiting for the low half */
    uint64_t logged;      /* -d unimp kinds already reported */
};

enum { LOG_KEY, LOG_DMA }; /* -d unimp kinds */

static struct fw_cfg_item *item(struct fw_cfg *f, uint16_t key)
{
    uint16_t idx = key & FW_CFG_ENTRY_MASK;
    if (idx >= FW_CFG_MAX_KEYS)
        return NULL;
    return &f->items[(key & FW_CFG_ARCH_LOCAL) ? 1 : 0][idx];
}

void fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, size_t len)
{
    struct fw_cfg_item *it = item(f, key);
    if (!it)
        return;
    uint8_t *copy = len ? malloc(len) : NULL;
    if (len && !copy)
        return;
    if (len)
        memcpy(copy, data, len);
    free(it->data);
    it->data = copy;
    it->len = (uint32_t)len;
}

void fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fw_cfg_add_bytes(f, key, b, sizeof b);
}

void fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    fw_cfg_add_bytes(f, key, b, sizeof b);
}

void fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    fw_cfg_add_bytes(f, key, b, sizeof b);
}

void fw_cfg_add_string(struct fw_cfg *f, uint16_t key, const char *s)
{
    fw_cfg_add_bytes(f, key, s, strlen(s) + 1);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* FW_CFG_FILE_DIR: u32 count, then {u32 size, u16 select, u16 reserved,
 * char name[56]} per file, all big endian. */
static void rebuild_dir(struct fw_cfg *f)
{
    size_t len = 4 + (size_t)f->nfiles * 64;
    uint8_t *dir = calloc(1, len);
    if (!dir)
        return;
    put_be32(dir, (uint32_t)f->nfiles);
    for (int i = 0; i < f->nfiles; i++) {
        uint8_t *e = dir + 4 + i * 64;
        put_be32(e, item(f, f->files[i].key)->len);
        e[4] = (uint8_t)(f->files[i].key >> 8);
        e[5] = (uint8_t)f->files[i].key;
        memcpy(e + 8, f->files[i].name, FW_CFG_MAX_FILE_PATH);
    }
    struct fw_cfg_item *it = item(f, FW_CFG_FILE_DIR);
    free(it->data);
    it->data = dir;
    it->len = (uint32_t)len;
}

int fw_cfg_find_file(const struct fw_cfg *f, const char *name)
{
    for (int i = 0; i < f->nfiles; i++)
        if (!strncmp(f->files[i].name, name, FW_CFG_MAX_FILE_PATH))
            return f->files[i].key;
    return -1;
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, size_t len)
{
    if (strlen(name) >= FW_CFG_MAX_FILE_PATH)
        return -1;
    int key = fw_cfg_find_file(f, name);
    if (key < 0) {
        if (f->nfiles == FW_CFG_FILE_SLOTS)
            return -1;
        key = FW_CFG_FILE_FIRST + f->nfiles;
        /* Keys follow insertion order; the directory is sorted by name. */
        int pos = f->nfiles;
        while (pos > 0 && strcmp(f->files[pos - 1].name, name) > 0) {
            f->files[pos] = f->files[pos - 1];
            pos--;
        }
        memset(&f->files[pos], 0, sizeof f->files[pos]);
        strcpy(f->files[pos].name, name);
        f->files[pos].key = (uint16_t)key;
        f->nfiles++;
    }
    fw_cfg_add_bytes(f, (uint16_t)key, data, len);
    rebuild_dir(f);
    return key;
}

/* --- the traditional interface --- */

static void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
    f->cur_key = key;
    f->cur_off = 0;
    struct fw_cfg_item *it = item(f, key);
    if ((!it || !it->data) && !(key & FW_CFG_WRITE_CHANNEL))
        unimp_log_once(f->m, &f->logged, LOG_KEY, "fw_cfg: selected missing item 0x%04x\n", key);
}

/* Next byte of the selected item; 0 past its end or for a missing item. */
static uint8_t fw_cfg_next_byte(struct fw_cfg *f)
{
    struct fw_cfg_item *it = item(f, f->cur_key);
    if (!it || f->cur_off >= it->len)
        return 0;
    return it->data[f->cur_off++];
}

static uint32_t fw_cfg_port_read(void *opaque, uint32_t offset, int size)
{
    struct fw_cfg *f = opaque;
    if (offset == 0)
        return 0; /* the selector reads as zero in QEMU */
    /* The data port is byte wide; QEMU's I/O flavour returns the bytes in
     * order for wider reads (lowest address first). */
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)fw_cfg_next_byte(f) << (8 * i);
    return v;
}

static void fw_cfg_port_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct fw_cfg *f = opaque;
    if (offset == 0 && size >= 2)
        fw_cfg_select(f, (uint16_t)value);
    else if (offset == 0)
        fw_cfg_select(f, (uint16_t)((f->cur_key & 0xff00) | (value & 0xff)));
    /* Writes to the data port are ignored (deprecated since QEMU 2.4). */
}

static const struct io_ops fw_cfg_port_ops = {fw_cfg_port_read, fw_cfg_port_write, 0};

/* --- the DMA interface --- */

/* Run the transfer described at guest physical `addr` (big endian
 * {u32 control, u32 length, u64 address}); control is written back as 0
 * when done, or with the error bit. */
static void fw_cfg_dma_run(struct fw_cfg *f, uint64_t addr)
{
    struct memmap *mem = machine_memmap(f->m);
    uint8_t acc[16];
    memmap_read_buf(mem, addr, acc, sizeof acc);
    uint32_t control = get_be32(acc), length = get_be32(acc + 4);
    uint64_t dst = (uint64_t)get_be32(acc + 8) << 32 | get_be32(acc + 12);
    if (control & FW_CFG_DMA_CTL_SELECT)
        fw_cfg_select(f, (uint16_t)(control >> 16));
    bool error = false;
    struct fw_cfg_item *it = item(f, f->cur_key);
    if (control & FW_CFG_DMA_CTL_READ) {
        uint32_t left = it && f->cur_off < it->len ? it->len - f->cur_off : 0;
        uint32_t n = length < left ? length : left;
        if (n) {
            memmap_write_buf(mem, dst, it->data + f->cur_off, n);
            f->cur_off += n;
            dst += n, length -= n;
        }
        /* Past the end of the item the guest buffer is filled with zeros. */
        static const uint8_t zeros[4096];
        while (length) {
            n = length < sizeof zeros ? length : (uint32_t)sizeof zeros;
            memmap_write_buf(mem, dst, zeros, n);
            dst += n, length -= n;
        }
    } else if (control & FW_CFG_DMA_CTL_SKIP) {
        uint32_t left = it && f->cur_off < it->len ? it->len - f->cur_off : 0;
        f->cur_off += length < left ? length : left;
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        /* No writable items: QEMU reports an error. */
        error = true;
        unimp_log_once(f->m, &f->logged, LOG_DMA, "fw_cfg: DMA write to item 0x%04x\n", f->cur_key);
    }
    uint8_t done[4];
    put_be32(done, error ? FW_CFG_DMA_CTL_ERROR : 0);
    memmap_write_buf(mem, addr, done, sizeof done);
}

static uint32_t fw_cfg_dma_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque;
    /* Reads give the signature "QEMU CFG" as a big-endian u64. */
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)((FW_CFG_DMA_SIGNATURE >> (8 * (7 - (offset + i)))) & 0xff) << (8 * i);
    return v;
}

static uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static void fw_cfg_dma_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct fw_cfg *f = opaque;
    /* The register is big endian: 0x514 holds bits 63:32, 0x518 bits 31:0,
     * and writing the low half starts the transfer. */
    if (size != 4 || (offset != 0 && offset != 4)) {
        unimp_log_once(f->m, &f->logged, LOG_DMA, "fw_cfg: %d-byte DMA register write\n", size);
        return;
    }
    if (offset == 0) {
        f->dma_addr_hi = bswap32(value);
        return;
    }
    uint64_t addr = (uint64_t)f->dma_addr_hi << 32 | bswap32(value);
    f->dma_addr_hi = 0;
    fw_cfg_dma_run(f, addr);
}

static const struct io_ops fw_cfg_dma_ops = {fw_cfg_dma_read, fw_cfg_dma_write, 0};

/* --- lifecycle --- */

static const struct vmstate_field fw_cfg_fields[] = {
    VMSTATE_FIELD(struct fw_cfg, cur_key, 1),
    VMSTATE_FIELD(struct fw_cfg, cur_off, 1),
    VMSTATE_FIELD(struct fw_cfg, dma_addr_hi, 1),
};
static const struct vmstate fw_cfg_vs = VMSTATE_DESC("fw_cfg", 1, fw_cfg_fields, NULL);

const struct vmstate *fw_cfg_vmstate(void)
{
    return &fw_cfg_vs;
}

static void fw_cfg_reset(void *opaque)
{
    struct fw_cfg *f = opaque;
    f->cur_key = 0;
    f->cur_off = 0;
    f->dma_addr_hi = 0;
}

struct fw_cfg *fw_cfg_create(struct machine *m, bool dma)
{
    struct fw_cfg *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->m = m;
    f->dma = dma;
    fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(f, FW_CFG_ID, FW_CFG_VERSION | (dma ? FW_CFG_VERSION_DMA : 0));
    rebuild_dir(f);
    ioport_register(machine_ioport(m), FW_CFG_PORT_SEL, 2, &fw_cfg_port_ops, f);
    if (dma)
        ioport_register(machine_ioport(m), FW_CFG_PORT_DMA, 8, &fw_cfg_dma_ops, f);
    machine_register_state(m, &fw_cfg_vs, f);
    machine_register_reset(m, fw_cfg_reset, f);
    return f;
}

void fw_cfg_destroy(struct fw_cfg *f)
{
    if (!f)
        return;
    for (int a = 0; a < 2; a++)
        for (int k = 0; k < FW_CFG_MAX_KEYS; k++)
            free(f->items[a][k].data);
    free(f);
}
