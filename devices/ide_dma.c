/* The PIIX3 IDE bus master (82371SB datasheet 2.7.2 and 3.3: BMICx command,
 * BMISx status, BMIDTPx PRD table pointer) and the scatter/gather engine:
 * a PRD entry is a dword physical address and a byte count (0 = 64 KiB),
 * bit 31 of the second dword ends the table. */
#include <string.h>

#include "cpu/cpu.h"
#include "devices/ide_priv.h"
#include "devices/machine.h"
#include "mmu/memmap.h"

/* Is the drive's data phase over? */
static bool xfer_complete(const struct ide_drive *d)
{
    const struct ide_regs *r = &d->r;
    if (d->media == IDE_CDROM)
        return r->bytes_left == 0;
    if (r->dma_write)
        return r->remain == 0;
    return r->remain == 0 && r->data_pos >= r->buf_len;
}

/* Device to memory: the staged bytes, refilled from the medium. */
static bool to_memory(struct ide_drive *d, struct memmap *mem, uint32_t addr, uint32_t len,
                      uint64_t *moved)
{
    struct ide_regs *r = &d->r;
    while (len && !xfer_complete(d)) {
        if (r->data_pos >= r->buf_len) {
            bool ok = d->media == IDE_CDROM ? atapi_refill(d) : ide_ata_dma_fill(d);
            if (!ok)
                return false;
            r->data_pos = 0;
        }
        uint32_t n = r->buf_len - r->data_pos;
        if (n > len)
            n = len;
        if (d->media == IDE_CDROM && n > r->bytes_left)
            n = r->bytes_left;
        memmap_write_buf(mem, addr, r->buf + r->data_pos, n);
        r->data_pos += n, addr += n, len -= n;
        *moved += n;
        if (d->media == IDE_CDROM)
            r->bytes_left -= n;
    }
    return true;
}

/* Memory to device (ATA writes): gather up to 64 KiB, then write it. */
static bool from_memory(struct ide_drive *d, struct memmap *mem, uint32_t addr, uint32_t len,
                        uint64_t *moved)
{
    struct ide_regs *r = &d->r;
    while (len && r->remain) {
        uint32_t target = (r->remain < 128 ? r->remain : 128) * 512;
        uint32_t n = target - r->buf_len;
        if (n > len)
            n = len;
        memmap_read_buf(mem, addr, r->buf + r->buf_len, n);
        r->buf_len += n, addr += n, len -= n;
        *moved += n;
        if (r->buf_len == target && !ide_ata_dma_flush(d))
            return false;
    }
    return true;
}

/* -d disk: one line per bus-master run (normally one per DMA command). */
static void dma_log(struct ide_channel *ch, const struct ide_drive *d, uint64_t moved, int entries,
                    const char *how)
{
    machine_log(ch->ide->m, CPU_LOG_DISK, "disk",
                "ide%d.%d: bus-master DMA %s %llu bytes, %d PRD entries: %s\n", ch->num,
                d->index & 1,
                d->r.dma_write ? "write (memory to device)" : "read (device to memory)",
                (unsigned long long)moved, entries, how);
}

void ide_dma_run(struct ide_channel *ch)
{
    struct ide_drive *d = &ch->drive[ch->bm.cur];
    if (!d->r.dma || !(ch->bm.cmd & BM_CMD_START))
        return;
    struct memmap *mem = machine_memmap(ch->ide->m);
    uint32_t prd = ch->bm.prd;
    bool eot = false;
    uint64_t moved = 0;
    int entries = 0;
    for (; !eot && !xfer_complete(d) && entries < 65536; entries++) {
        uint8_t e[8];
        memmap_read_buf(mem, prd, e, 8);
        uint32_t addr = (e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24) & ~1u;
        uint32_t len = e[4] | e[5] << 8;
        if (!len)
            len = 0x10000;
        len &= ~1u;
        eot = e[7] & 0x80;
        prd += 8;
        bool ok = d->r.dma_write ? from_memory(d, mem, addr, len, &moved)
                                 : to_memory(d, mem, addr, len, &moved);
        if (!ok) { /* the drive reported the error (UNC/ABRT) and interrupted */
            ch->bm.status &= ~BM_ST_ACTIVE;
            dma_log(ch, d, moved, entries + 1, "medium error");
            return;
        }
    }
    dma_log(ch, d, moved, entries, xfer_complete(d) ? "done" : "PRD table too short");
    if (!xfer_complete(d)) {
        /* The PRD table ended before the data: the PIIX3 stops (active
         * clear); the drive gives up the command. */
        ch->bm.status &= ~BM_ST_ACTIVE;
        ch->bm.status |= BM_ST_ERROR;
        ide_abort(d, IDE_ER_ABRT);
        return;
    }
    /* A table longer than the transfer leaves active set (datasheet 2.7.2.2:
     * "interrupt 1, active 1"); an exact one clears it. */
    if (eot)
        ch->bm.status &= ~BM_ST_ACTIVE;
    if (d->media == IDE_CDROM)
        atapi_in_done(d);
    else
        ide_done(d);
}

static uint8_t bm_read_byte(struct ide *s, uint32_t off)
{
    struct ide_bm *bm = &s->ch[(off >> 3) & 1].bm;
    switch (off & 7) {
    case 0: return bm->cmd;
    case 2: return bm->status;
    case 4:
    case 5:
    case 6:
    case 7: return (uint8_t)(bm->prd >> (8 * (off & 3)));
    default: return 0;
    }
}

static void bm_write_byte(struct ide *s, uint32_t off, uint8_t v)
{
    struct ide_channel *ch = &s->ch[(off >> 3) & 1];
    struct ide_bm *bm = &ch->bm;
    switch (off & 7) {
    case 0: {
        uint8_t old = bm->cmd;
        /* The direction bit only changes while the engine is stopped. */
        if (old & BM_CMD_START)
            v = (uint8_t)((v & BM_CMD_START) | (old & BM_CMD_WRITE));
        bm->cmd = v & (BM_CMD_START | BM_CMD_WRITE);
        if ((v & BM_CMD_START) && !(old & BM_CMD_START)) {
            bm->status |= BM_ST_ACTIVE;
            ide_dma_run(ch);
        } else if (!(v & BM_CMD_START)) {
            bm->status &= ~BM_ST_ACTIVE;
        }
        break;
    }
    case 2: /* bits 5/6 read-write, error and interrupt write-1-to-clear */
        bm->status =
            (uint8_t)((bm->status & ~(0x60 | (v & (BM_ST_ERROR | BM_ST_INT)))) | (v & 0x60));
        break;
    case 4:
    case 5:
    case 6:
    case 7: {
        int sh = 8 * (off & 3);
        bm->prd = (bm->prd & ~(0xffu << sh)) | (uint32_t)v << sh;
        bm->prd &= ~3u; /* dword aligned */
        break;
    }
    default: break;
    }
}

static uint32_t bm_read(void *opaque, uint32_t off, int size)
{
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)bm_read_byte(opaque, off + i) << (8 * i);
    return v;
}

static void bm_write(void *opaque, uint32_t off, uint32_t val, int size)
{
    for (int i = 0; i < size; i++)
        bm_write_byte(opaque, off + i, (uint8_t)(val >> (8 * i)));
}

const struct io_ops ide_bm_ops = {bm_read, bm_write, 0};
