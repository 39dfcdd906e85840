/* ATA commands of the IDE disk (ATA/ATAPI-6, T13 1410D, clause 8): IDENTIFY,
 * PIO READ/WRITE SECTORS and MULTIPLE, DMA, VERIFY, SET FEATURES, FLUSH
 * CACHE, power and legacy commands; CHS, LBA28 and LBA48 addressing. */
#include <string.h>

#include "devices/block/blockdev.h"
#include "devices/ide_priv.h"

#define ATA_MODEL    "VX86 HARDDISK"
#define ATA_FIRMWARE "0.1.0"

/* ATA strings: space padded, the two bytes of each word swapped. */
void ide_put_string(uint16_t *w, const char *s, int words)
{
    size_t n = strlen(s);
    for (int i = 0; i < words * 2; i++) {
        uint8_t c = (size_t)i < n ? (uint8_t)s[i] : ' ';
        if (i & 1)
            w[i / 2] |= c;
        else
            w[i / 2] = (uint16_t)(c << 8);
    }
}

/* Words 62/63/88 report the supported modes and the one SET FEATURES
 * selected (bit 8 + n); UDMA 5 active by default, as QEMU. */
static void put_dma_modes(const struct ide_drive *d, uint16_t *w)
{
    uint8_t m = d->r.xfer_mode;
    w[62] = 0x07;
    w[63] = 0x07;
    w[88] = 0x3f;
    if ((m & 0xf8) == 0x20)
        w[63] |= (uint16_t)(0x100 << (m & 7));
    else if ((m & 0xf8) == 0x40)
        w[88] |= (uint16_t)(0x100 << (m & 7));
    else if (m == 0)
        w[88] |= 0x100 << 5;
}

void ide_identify(struct ide_drive *d, uint16_t *w)
{
    uint64_t total = blk_sectors(d->bd);
    uint32_t chs = d->cyls * d->heads * d->secs;
    uint32_t lba28 = total > 0x0fffffff ? 0x0fffffff : (uint32_t)total;
    memset(w, 0, 512);
    w[0] = 0x0040; /* fixed device, not removable */
    w[1] = (uint16_t)d->cyls;
    w[3] = (uint16_t)d->heads;
    w[4] = (uint16_t)(512 * d->secs); /* obsolete: unformatted bytes per track */
    w[5] = 512;
    w[6] = (uint16_t)d->secs;
    ide_put_string(&w[10], d->serial, 10);
    w[20] = 3;   /* buffer type: dual ported with read cache */
    w[21] = 512; /* buffer size in sectors */
    w[22] = 4;
    ide_put_string(&w[23], ATA_FIRMWARE, 4);
    ide_put_string(&w[27], ATA_MODEL, 20);
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[48] = 1;                               /* dword I/O */
    w[49] = (1 << 11) | (1 << 9) | (1 << 8); /* IORDY, LBA, DMA */
    w[51] = 0x200;
    w[52] = 0x200;
    w[53] = 1 | 2 | 4; /* words 54-58, 64-70 and 88 are valid */
    w[54] = (uint16_t)d->cyls;
    w[55] = (uint16_t)d->heads;
    w[56] = (uint16_t)d->secs;
    w[57] = (uint16_t)chs;
    w[58] = (uint16_t)(chs >> 16);
    if (d->r.mult_sectors)
        w[59] = 0x100 | d->r.mult_sectors;
    w[60] = (uint16_t)lba28;
    w[61] = (uint16_t)(lba28 >> 16);
    put_dma_modes(d, w);
    w[64] = 0x03; /* PIO 3 and 4 */
    w[65] = 120, w[66] = 120, w[67] = 120, w[68] = 120;
    w[80] = 0x7e;                                          /* ATA-1 .. ATA-6 */
    w[81] = 0x19;                                          /* ATA/ATAPI-6 T13 1410D revision 3a */
    w[82] = (1 << 14) | (1 << 5);                          /* NOP, write cache */
    w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10); /* FLUSH (EXT), LBA48 */
    w[84] = 1 << 14;
    w[85] = (1 << 14) | (d->r.wcache ? 1 << 5 : 0);
    w[86] = (1 << 13) | (1 << 12) | (1 << 10);
    w[87] = 1 << 14;
    /* Hardware reset result: device 0 passed diagnostics, 80-wire cable. */
    w[93] = 1 | (1 << 14) | (1 << 13);
    w[100] = (uint16_t)total;
    w[101] = (uint16_t)(total >> 16);
    w[102] = (uint16_t)(total >> 32);
    w[103] = (uint16_t)(total >> 48);
}

static void identify_to_buf(struct ide_drive *d, void (*fn)(struct ide_drive *, uint16_t *))
{
    uint16_t w[256];
    fn(d, w);
    for (int i = 0; i < 256; i++) {
        d->r.buf[2 * i] = (uint8_t)w[i];
        d->r.buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
    }
    d->r.buf_len = 512;
    ide_pio_window(d, 0, 512);
    d->r.xfer = IDE_XFER_NONE; /* one block, then done (ide.c data_read) */
    d->r.status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    ide_raise(d);
}

/* --- addressing --- */

static uint64_t get_sector(const struct ide_drive *d)
{
    const struct ide_regs *r = &d->r;
    if (!(r->select & IDE_SEL_LBA)) {
        uint32_t cyl = r->lcyl | r->hcyl << 8, head = r->select & 0x0f;
        if (r->sector == 0)
            return UINT64_MAX; /* sector numbers start at 1 */
        return ((uint64_t)cyl * d->heads + head) * d->secs + (r->sector - 1u);
    }
    if (r->lba48)
        return (uint64_t)r->hob_hcyl << 40 | (uint64_t)r->hob_lcyl << 32 |
               (uint64_t)r->hob_sector << 24 | (uint64_t)r->hcyl << 16 | r->lcyl << 8 | r->sector;
    return (uint64_t)(r->select & 0x0f) << 24 | r->hcyl << 16 | r->lcyl << 8 | r->sector;
}

/* The command block registers follow the transfer: they hold the next
 * sector's address (as QEMU; ATA-6 leaves them undefined on success). */
static void set_sector(struct ide_drive *d, uint64_t s)
{
    struct ide_regs *r = &d->r;
    if (!(r->select & IDE_SEL_LBA)) {
        uint32_t cyl = (uint32_t)(s / (d->heads * d->secs));
        uint32_t rem = (uint32_t)(s % (d->heads * d->secs));
        r->hcyl = (uint8_t)(cyl >> 8), r->lcyl = (uint8_t)cyl;
        r->select = (uint8_t)((r->select & 0xf0) | (rem / d->secs));
        r->sector = (uint8_t)(rem % d->secs + 1);
    } else if (r->lba48) {
        r->sector = (uint8_t)s, r->lcyl = (uint8_t)(s >> 8), r->hcyl = (uint8_t)(s >> 16);
        r->hob_sector = (uint8_t)(s >> 24), r->hob_lcyl = (uint8_t)(s >> 32);
        r->hob_hcyl = (uint8_t)(s >> 40);
    } else {
        r->sector = (uint8_t)s, r->lcyl = (uint8_t)(s >> 8), r->hcyl = (uint8_t)(s >> 16);
        r->select = (uint8_t)((r->select & 0xf0) | ((s >> 24) & 0x0f));
    }
}

static uint32_t get_count(const struct ide_drive *d)
{
    if (d->r.lba48) {
        uint32_t n = d->r.hob_nsector << 8 | d->r.nsector;
        return n ? n : 65536;
    }
    return d->r.nsector ? d->r.nsector : 256;
}

/* Range check; IDNF if the transfer leaves the medium (ATA-6 6.2). */
static bool start_range(struct ide_drive *d, uint32_t block)
{
    uint64_t lba = get_sector(d);
    uint32_t n = get_count(d);
    if (lba == UINT64_MAX || lba + n > blk_sectors(d->bd)) {
        ide_abort(d, IDE_ER_IDNF);
        return false;
    }
    d->r.lba = lba;
    d->r.remain = n;
    d->r.block = block;
    return true;
}

/* Read the next DRQ block into buf; false (and the error reported) on a
 * block-layer error: UNC, the address of the failing sector in the
 * registers. */
static bool read_block(struct ide_drive *d, uint32_t n)
{
    ide_activity(d);
    if (blk_read(d->bd, d->r.lba, d->r.buf, n) < 0) {
        set_sector(d, d->r.lba);
        ide_abort(d, IDE_ER_UNC);
        return false;
    }
    d->r.buf_len = n * 512;
    return true;
}

static void pio_read_next(struct ide_drive *d)
{
    uint32_t n = d->r.remain < d->r.block ? d->r.remain : d->r.block;
    if (!read_block(d, n))
        return;
    d->r.lba += n;
    d->r.remain -= n;
    set_sector(d, d->r.lba);
    d->r.nsector = (uint8_t)d->r.remain;
    d->r.xfer = IDE_XFER_ATA_READ;
    ide_pio_window(d, 0, n * 512);
    d->r.status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    ide_raise(d);
}

static void pio_write_next(struct ide_drive *d)
{
    uint32_t n = d->r.remain < d->r.block ? d->r.remain : d->r.block;
    d->r.xfer = IDE_XFER_ATA_WRITE;
    d->r.buf_len = n * 512;
    ide_pio_window(d, 0, n * 512);
    d->r.status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
}

/* The host emptied (read) or filled (write) the PIO window. */
void ide_ata_pio_end(struct ide_drive *d)
{
    if (d->r.xfer == IDE_XFER_ATA_READ) {
        if (d->r.remain) {
            pio_read_next(d);
        } else { /* no interrupt after the last block of a PIO read */
            d->r.xfer = IDE_XFER_NONE;
            d->r.status = IDE_ST_DRDY | IDE_ST_DSC;
        }
        return;
    }
    uint32_t n = d->r.buf_len / 512;
    ide_activity(d);
    if (blk_write(d->bd, d->r.lba, d->r.buf, n) < 0) {
        set_sector(d, d->r.lba);
        ide_abort(d, IDE_ER_ABRT);
        return;
    }
    d->r.lba += n;
    d->r.remain -= n;
    set_sector(d, d->r.lba);
    d->r.nsector = (uint8_t)d->r.remain;
    if (d->r.remain) {
        pio_write_next(d);
        ide_raise(d);
    } else {
        ide_done(d);
    }
}

/* --- bus master hooks (ide_dma.c) --- */

bool ide_ata_dma_fill(struct ide_drive *d)
{
    uint32_t n = d->r.remain < 128 ? d->r.remain : 128; /* 64 KiB at a time */
    if (!read_block(d, n))
        return false;
    d->r.lba += n;
    d->r.remain -= n;
    return true;
}

bool ide_ata_dma_flush(struct ide_drive *d)
{
    uint32_t n = d->r.buf_len / 512;
    ide_activity(d);
    if (n && blk_write(d->bd, d->r.lba, d->r.buf, n) < 0) {
        set_sector(d, d->r.lba);
        ide_abort(d, IDE_ER_ABRT);
        return false;
    }
    d->r.lba += n;
    d->r.remain -= n;
    d->r.buf_len = 0;
    return true;
}

static void start_dma(struct ide_drive *d, bool write)
{
    if (!start_range(d, 128))
        return;
    d->r.dma = 1;
    d->r.dma_write = write;
    d->r.xfer = write ? IDE_XFER_ATA_WRITE : IDE_XFER_ATA_READ;
    d->r.buf_len = 0;
    d->r.data_pos = d->r.data_end = 0;
    /* The device asserts DMARQ; data moves once the bus master starts. */
    d->r.status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    if (d->ch->bm.cmd & BM_CMD_START)
        ide_dma_run(d->ch);
}

static void set_features(struct ide_drive *d)
{
    switch (d->r.feature) {
    case 0x02: d->r.wcache = 1; break; /* enable write cache */
    case 0x82: d->r.wcache = 0; break; /* disable write cache */
    case 0x03: {                       /* set transfer mode from the sector count */
        uint8_t m = d->r.nsector;
        if (m > 0x01 && (m & 0xf8) != 0x08 && !((m & 0xf8) == 0x20 && (m & 7) <= 2) &&
            !((m & 0xf8) == 0x40 && (m & 7) <= 5)) {
            ide_abort(d, IDE_ER_ABRT);
            return;
        }
        if ((m & 0xf8) == 0x08 && (m & 7) > 4) {
            ide_abort(d, IDE_ER_ABRT);
            return;
        }
        if ((m & 0xf8) == 0x20 || (m & 0xf8) == 0x40)
            d->r.xfer_mode = m;
        break;
    }
    case 0xaa:
    case 0x55: /* read look-ahead on/off */
    case 0x66:
    case 0xcc: /* reverting to power-on defaults off/on */
    case 0x05:
    case 0x85: /* advanced power management */
    case 0x42:
    case 0xc2: /* automatic acoustic management */ break;
    default:
        ide_unimp(d, "SET FEATURES 0x%02x not supported", d->r.feature);
        ide_abort(d, IDE_ER_ABRT);
        return;
    }
    ide_done(d);
}

void ide_ata_command(struct ide_drive *d, uint8_t cmd)
{
    bool cd = d->media == IDE_CDROM;
    d->r.lba48 = 0;
    switch (cmd) {
    case 0xec: /* IDENTIFY DEVICE: a PACKET device aborts with its signature */
        if (cd) {
            ide_set_signature(d);
            ide_abort(d, IDE_ER_ABRT);
        } else {
            identify_to_buf(d, ide_identify);
        }
        return;
    case 0xa1: /* IDENTIFY PACKET DEVICE */
        if (cd)
            identify_to_buf(d, atapi_identify);
        else
            ide_abort(d, IDE_ER_ABRT);
        return;
    case 0xa0: /* PACKET */
        if (cd)
            atapi_packet_start(d);
        else
            ide_abort(d, IDE_ER_ABRT);
        return;
    case 0x08: /* DEVICE RESET */
        if (!cd) {
            ide_abort(d, IDE_ER_ABRT);
            return;
        }
        ide_set_signature(d);
        d->r.xfer = IDE_XFER_NONE;
        d->r.status = 0;
        d->r.error = 0x01;
        return;
    case 0x90: /* EXECUTE DEVICE DIAGNOSTIC */
        ide_set_signature(d);
        d->r.error = 0x01;
        d->r.status = cd ? 0 : IDE_ST_DRDY | IDE_ST_DSC;
        ide_raise(d);
        return;
    case 0xe5: /* CHECK POWER MODE: active or idle */
        d->r.nsector = 0xff;
        ide_done(d);
        return;
    case 0xe0:
    case 0xe1:
    case 0xe2:
    case 0xe3: /* STANDBY/IDLE (IMMEDIATE) */
    case 0x00: /* NOP (aborts by definition) */
        if (cmd == 0x00)
            ide_abort(d, IDE_ER_ABRT);
        else
            ide_done(d);
        return;
    case 0xef: /* SET FEATURES */ set_features(d); return;
    }
    if (cd) { /* the rest are ATA-only commands (ATA-6 8: PACKET feature set) */
        ide_abort(d, IDE_ER_ABRT);
        return;
    }
    switch (cmd) {
    case 0x24:
    case 0x29:
    case 0x34:
    case 0x39:
    case 0x25:
    case 0x35:
    case 0x42:
    case 0xea: d->r.lba48 = 1; break;
    }
    switch (cmd) {
    case 0x20:
    case 0x21:
    case 0x24: /* READ SECTORS (EXT) */
        if (start_range(d, 1))
            pio_read_next(d);
        return;
    case 0xc4:
    case 0x29: /* READ MULTIPLE (EXT) */
        if (!d->r.mult_sectors) {
            ide_abort(d, IDE_ER_ABRT);
            return;
        }
        if (start_range(d, d->r.mult_sectors))
            pio_read_next(d);
        return;
    case 0x30:
    case 0x31:
    case 0x34: /* WRITE SECTORS (EXT) */
        if (start_range(d, 1))
            pio_write_next(d);
        return;
    case 0xc5:
    case 0x39: /* WRITE MULTIPLE (EXT) */
        if (!d->r.mult_sectors) {
            ide_abort(d, IDE_ER_ABRT);
            return;
        }
        if (start_range(d, d->r.mult_sectors))
            pio_write_next(d);
        return;
    case 0xc8:
    case 0xc9:
    case 0x25: /* READ DMA (EXT) */ start_dma(d, false); return;
    case 0xca:
    case 0xcb:
    case 0x35: /* WRITE DMA (EXT) */ start_dma(d, true); return;
    case 0x40:
    case 0x41:
    case 0x42: /* READ VERIFY SECTORS (EXT) */
        if (start_range(d, 1)) {
            set_sector(d, d->r.lba + d->r.remain - 1);
            ide_done(d);
        }
        return;
    case 0xc6: { /* SET MULTIPLE MODE: a power of two up to IDE_MAX_MULT, 0 disables */
        uint8_t n = d->r.nsector;
        if (n > IDE_MAX_MULT || (n & (n - 1))) {
            ide_abort(d, IDE_ER_ABRT);
            return;
        }
        d->r.mult_sectors = n;
        ide_done(d);
        return;
    }
    case 0xe7:
    case 0xea: /* FLUSH CACHE (EXT): to stable storage (fsync) */
        if (blk_flush(d->bd) < 0)
            ide_abort(d, IDE_ER_ABRT);
        else
            ide_done(d);
        return;
    case 0x91: /* INITIALIZE DEVICE PARAMETERS: only the default translation */
        if (d->r.nsector != d->secs || (d->r.select & 0x0f) + 1u != d->heads)
            ide_unimp(d, "INITIALIZE DEVICE PARAMETERS %u heads %u sectors kept at %u/%u",
                      (d->r.select & 0x0f) + 1u, d->r.nsector, d->heads, d->secs);
        ide_done(d);
        return;
    case 0xf8:
    case 0x27: /* READ NATIVE MAX ADDRESS: not advertised (word 82 bit 10) */ break;
    default:
        if ((cmd & 0xf0) == 0x10 || (cmd & 0xf0) == 0x70) { /* RECALIBRATE, SEEK */
            ide_done(d);
            return;
        }
        break;
    }
    ide_unimp(d, "ATA command 0x%02x not supported", cmd);
    ide_abort(d, IDE_ER_ABRT);
}
