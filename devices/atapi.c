/* The ATAPI CD-ROM (SFF-8020i / ATA-6 PACKET protocol, MMC-5 commands):
 * the 12-byte CDB, DRQ phases bounded by the byte count limit, sense data,
 * unit attention after a media change, 2048-byte sectors from an ISO image,
 * and DMA for data-in phases. */
#include <string.h>

#include "devices/block/blockdev.h"
#include "devices/ide_priv.h"

#define ATAPI_MODEL    "VX86 DVD-ROM"
#define ATAPI_FIRMWARE "0.1.0"
#define CD_MAX_SECTORS (80u * 60 * 75) /* 80-minute CD; larger media is a DVD */

static void put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}
static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static uint32_t get_be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}
static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void atapi_identify(struct ide_drive *d, uint16_t *w)
{
    memset(w, 0, 512);
    /* ATAPI, CD-ROM (type 5), removable, DRQ within 50 us, 12-byte packets. */
    w[0] = (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5);
    ide_put_string(&w[10], d->serial, 10);
    w[20] = 3, w[21] = 512, w[22] = 4;
    ide_put_string(&w[23], ATAPI_FIRMWARE, 4);
    ide_put_string(&w[27], ATAPI_MODEL, 20);
    w[48] = 1;
    w[49] = (1 << 9) | (1 << 8); /* LBA, DMA */
    w[53] = 7;
    w[62] = 7;
    w[63] = 7;
    uint8_t m = d->r.xfer_mode;
    if ((m & 0xf8) == 0x20)
        w[63] |= (uint16_t)(0x100 << (m & 7));
    w[64] = 3;
    w[65] = 0xb4, w[66] = 0xb4, w[67] = 0x12c, w[68] = 0xb4;
    w[71] = 30, w[72] = 30;
    w[80] = 0x1e; /* ATA/ATAPI-1 .. 4 */
    w[88] = 0x3f;
    if ((m & 0xf8) == 0x40)
        w[88] |= (uint16_t)(0x100 << (m & 7));
    w[93] = 1 | (1 << 14) | (1 << 13);
}

void atapi_reset(struct ide_drive *d)
{
    d->r.bytes_left = 0;
    d->r.remain = 0;
}

static bool have_media(const struct ide_drive *d)
{
    return d->bd && !d->r.tray_open;
}

static uint32_t media_sectors(const struct ide_drive *d)
{
    uint64_t n = blk_sectors(d->bd) / 4;
    return n > 0xffffffffu ? 0xffffffffu : (uint32_t)n;
}

/* --- command completion --- */

static void set_sense(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    d->r.sense_key = key, d->r.asc = asc, d->r.ascq = ascq;
}

/* CHECK CONDITION: the sense key in the error register's high nibble
 * (ATA-6 8.21.6), ABRT, and the I/O + C/D "status" phase. */
static void check_condition(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    set_sense(d, key, asc, ascq);
    d->r.nsector = ATAPI_IR_IO | ATAPI_IR_COD;
    ide_abort(d, (uint8_t)(key << 4 | IDE_ER_ABRT));
}

static void command_ok(struct ide_drive *d)
{
    set_sense(d, SENSE_NONE, 0, 0);
    d->r.nsector = ATAPI_IR_IO | ATAPI_IR_COD;
    ide_done(d);
}

void atapi_in_done(struct ide_drive *d)
{
    command_ok(d);
}

/* Byte count limit for the next DRQ chunk (even, never 0: ATA-6 8.21). */
static uint32_t byte_count_limit(const struct ide_drive *d)
{
    uint32_t bcl = d->r.bcl;
    if (bcl == 0 || bcl == 0xffff)
        bcl = 0xfffe;
    return bcl & ~1u;
}

/* Stage more sectors behind what the host has not read yet (so a DRQ chunk
 * can be a full byte count limit across the refill). */
bool atapi_refill(struct ide_drive *d)
{
    struct ide_regs *r = &d->r;
    uint32_t left = r->buf_len > r->data_pos ? r->buf_len - r->data_pos : 0;
    uint32_t n = (65536 - left) / ATAPI_SECTOR;
    if (n > r->remain)
        n = r->remain;
    if (!n)
        return false;
    memmove(r->buf, r->buf + r->data_pos, left);
    r->data_pos = 0;
    ide_activity(d);
    if (blk_read(d->bd, r->lba * 4, r->buf + left, n * 4) < 0) {
        check_condition(d, SENSE_MEDIUM_ERROR, 0x11, 0x00); /* unrecovered read error */
        return false;
    }
    r->buf_len = left + n * ATAPI_SECTOR;
    r->lba += n;
    r->remain -= n;
    return true;
}

/* Offer the next chunk of the data-in phase: byte count in the cylinder
 * registers, interrupt reason I/O, DRQ, interrupt. */
static void pio_next_chunk(struct ide_drive *d)
{
    struct ide_regs *r = &d->r;
    uint32_t bcl = byte_count_limit(d);
    uint32_t want = r->bytes_left < bcl ? r->bytes_left : bcl;
    if (r->buf_len - r->data_pos < want && r->remain && !atapi_refill(d))
        return;
    uint32_t n = r->buf_len - r->data_pos;
    if (n > r->bytes_left)
        n = r->bytes_left;
    if (n > bcl)
        n = bcl;
    r->bytes_left -= n;
    r->lcyl = (uint8_t)n, r->hcyl = (uint8_t)(n >> 8);
    r->nsector = ATAPI_IR_IO;
    r->xfer = IDE_XFER_ATAPI_IN;
    r->data_end = r->data_pos + n;
    r->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    ide_raise(d);
}

void atapi_pio_end(struct ide_drive *d)
{
    if (d->r.bytes_left)
        pio_next_chunk(d);
    else
        command_ok(d);
}

/* Start a data-in phase: `len` bytes already in buf, then `sectors` more
 * 2048-byte sectors from d->r.lba, cut to the allocation length. */
static void send_data(struct ide_drive *d, uint32_t len, uint32_t sectors, uint32_t alloc)
{
    struct ide_regs *r = &d->r;
    uint64_t total = (uint64_t)len + (uint64_t)sectors * ATAPI_SECTOR;
    r->buf_len = len;
    r->data_pos = 0;
    r->remain = sectors;
    r->bytes_left = total < alloc ? (uint32_t)total : alloc;
    if (!r->bytes_left) {
        command_ok(d);
        return;
    }
    if (r->feature & 1) { /* DMA: the bus master moves it */
        r->dma = 1;
        r->dma_write = 0;
        r->xfer = IDE_XFER_ATAPI_IN;
        r->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
        r->nsector = ATAPI_IR_IO;
        if (d->ch->bm.cmd & BM_CMD_START)
            ide_dma_run(d->ch);
        return;
    }
    pio_next_chunk(d);
}

void atapi_packet_start(struct ide_drive *d)
{
    struct ide_regs *r = &d->r;
    if (r->feature & 2) { /* overlapped commands are not supported */
        ide_abort(d, IDE_ER_ABRT);
        return;
    }
    r->bcl = (uint16_t)(r->lcyl | r->hcyl << 8);
    r->nsector = ATAPI_IR_COD; /* the host sends the command packet */
    r->xfer = IDE_XFER_PACKET;
    r->buf_len = 12;
    ide_pio_window(d, 0, 12);
    r->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
}

/* --- the commands --- */

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = (uint8_t)(lba / 75 / 60), p[1] = (uint8_t)(lba / 75 % 60), p[2] = (uint8_t)(lba % 75);
}

static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf) {
        p[0] = 0;
        lba_to_msf(p + 1, lba);
    } else {
        put_be32(p, lba);
    }
}

static int read_toc(struct ide_drive *d, const uint8_t *cdb, uint8_t *b)
{
    bool msf = cdb[1] & 2;
    int format = cdb[2] & 0x0f;
    if (!format)
        format = cdb[9] >> 6; /* the old (SFF-8020) place of the format */
    uint32_t total = media_sectors(d);
    int n;
    switch (format) {
    case 0: /* formatted TOC: track 1 (data) and the lead-out */
        if (cdb[6] > 1 && cdb[6] != 0xaa)
            return -1;
        b[2] = 1, b[3] = 1;
        n = 4;
        if (cdb[6] <= 1) {
            b[n + 1] = 0x14, b[n + 2] = 1; /* ADR 1, data track */
            put_addr(b + n + 4, 0, msf);
            n += 8;
        }
        b[n + 1] = 0x14, b[n + 2] = 0xaa;
        put_addr(b + n + 4, total, msf);
        n += 8;
        break;
    case 1: /* multi-session: one session starting at track 1 */
        b[2] = 1, b[3] = 1;
        b[5] = 0x14, b[6] = 1;
        put_addr(b + 8, 0, msf);
        n = 12;
        break;
    case 2: { /* raw TOC: points A0, A1, A2 and track 1 of session 1 */
        b[2] = 1, b[3] = 1;
        n = 4;
        static const uint8_t points[4] = {0xa0, 0xa1, 0xa2, 1};
        for (int i = 0; i < 4; i++, n += 11) {
            uint8_t *e = b + n;
            e[0] = 1, e[1] = 0x14, e[2] = 0, e[3] = points[i];
            if (points[i] == 0xa0)
                e[8] = 1; /* first track */
            else if (points[i] == 0xa1)
                e[8] = 1; /* last track */
            else if (points[i] == 0xa2)
                lba_to_msf(e + 8, total);
            else
                lba_to_msf(e + 8, 0);
        }
        break;
    }
    default: return -1;
    }
    put_be16(b, (uint32_t)n - 2);
    return n;
}

static int mode_page(struct ide_drive *d, int page, bool changeable, uint8_t *p)
{
    static const uint8_t err_recovery[8] = {0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0};
    static const uint8_t cd_params[8] = {0x0d, 0x06, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x4b};
    static const uint8_t audio[16] = {0x0e, 0x0e, 0x04, 0,    0, 0, 0, 0x4b,
                                      0x01, 0xff, 0x02, 0xff, 0, 0, 0, 0};
    int n;
    switch (page) {
    case 0x01: memcpy(p, err_recovery, n = 8); break;
    case 0x0d: memcpy(p, cd_params, n = 8); break;
    case 0x0e: memcpy(p, audio, n = 16); break;
    case 0x2a: /* MM capabilities and mechanical status (MMC-2 5.5.10) */
        n = 22;
        memset(p, 0, n);
        p[0] = 0x2a, p[1] = 0x14;
        p[2] = 0x3b; /* reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM */
        p[4] = 0x71; /* audio play (Linux automount checks it), multisession, mode 2 */
        p[5] = 3 << 5;
        p[6] = (1 << 0) | (1 << 3) | (1 << 5); /* lock, eject, tray loader */
        if (d->r.tray_locked)
            p[6] |= 1 << 1;
        put_be16(p + 8, 704); /* 4x */
        p[11] = 2;
        put_be16(p + 12, 512);
        put_be16(p + 14, 704);
        break;
    default: return -1;
    }
    if (changeable) /* nothing can be changed */
        memset(p + 2, 0, (size_t)n - 2);
    return n;
}

static void mode_sense(struct ide_drive *d, const uint8_t *cdb)
{
    uint8_t *b = d->r.buf;
    int pc = cdb[2] >> 6, page = cdb[2] & 0x3f;
    uint32_t alloc = get_be16(cdb + 7);
    if (pc == 3) {
        check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_UNSUP, 0);
        return;
    }
    memset(b, 0, 8);
    int n = 8;
    if (page == 0x3f) {
        static const int all[] = {0x01, 0x0d, 0x0e, 0x2a};
        for (int i = 0; i < 4; i++)
            n += mode_page(d, all[i], pc == 1, b + n);
    } else {
        int k = mode_page(d, page, pc == 1, b + n);
        if (k < 0) {
            check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CDB, 0);
            return;
        }
        n += k;
    }
    put_be16(b, (uint32_t)n - 2);
    b[2] = have_media(d) ? 0x01 : 0x70; /* medium type: 120 mm data disc / door open */
    send_data(d, (uint32_t)n, 0, alloc);
}

static int feature(uint8_t *p, uint16_t code, uint8_t flags, const uint8_t *data, int len)
{
    put_be16(p, code);
    p[2] = flags;
    p[3] = (uint8_t)len;
    memcpy(p + 4, data, (size_t)len);
    return 4 + len;
}

/* GET CONFIGURATION (MMC-5 6.6): the profile list (DVD-ROM, CD-ROM, the
 * current one by the medium's size), core, morphing and removable medium. */
static void get_configuration(struct ide_drive *d, const uint8_t *cdb)
{
    uint8_t *b = d->r.buf;
    int rt = cdb[1] & 3;
    uint32_t start = get_be16(cdb + 2), alloc = get_be16(cdb + 7);
    uint16_t profile = 0;
    if (have_media(d))
        profile = media_sectors(d) > CD_MAX_SECTORS ? 0x0010 : 0x0008;
    memset(b, 0, 512);
    put_be16(b + 6, profile);
    int n = 8;
    uint8_t profiles[8] = {0x00, 0x10, profile == 0x10, 0, 0x00, 0x08, profile == 0x08, 0};
    uint8_t core[8] = {0, 0, 0, 2, 1, 0, 0, 0}; /* ATAPI, DBE */
    uint8_t morphing[4] = {2, 0, 0, 0};         /* asynchronous GESN */
    uint8_t removable[4] = {0x29, 0, 0, 0};     /* tray, eject, lock */
    struct {
        uint16_t code;
        uint8_t flags;
        const uint8_t *data;
        int len;
    } f[] = {{0x0000, 0x03, profiles, 8},
             {0x0001, 0x0b, core, 8},
             {0x0002, 0x07, morphing, 4},
             {0x0003, 0x03, removable, 4}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if ((rt == 2 && f[i].code != start) || f[i].code < start)
            continue;
        n += feature(b + n, f[i].code, f[i].flags, f[i].data, f[i].len);
    }
    put_be32(b, (uint32_t)n - 4);
    send_data(d, (uint32_t)n, 0, alloc);
}

/* GET EVENT STATUS NOTIFICATION, polled only (MMC-5 6.8): the media class. */
static void get_event_status(struct ide_drive *d, const uint8_t *cdb)
{
    uint8_t *b = d->r.buf;
    uint32_t alloc = get_be16(cdb + 7);
    if (!(cdb[1] & 1)) {
        check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CDB, 0);
        return;
    }
    memset(b, 0, 8);
    b[3] = 0x10; /* supported classes: media */
    int n;
    if (cdb[4] & 0x10) {
        put_be16(b, 6);
        b[2] = 4; /* media class */
        b[4] = d->r.media_event;
        b[5] = (have_media(d) ? 2 : 0) | (d->r.tray_open ? 1 : 0);
        d->r.media_event = 0;
        n = 8;
    } else {
        put_be16(b, 2);
        b[2] = 0x80; /* no event available */
        n = 4;
    }
    send_data(d, (uint32_t)n, 0, alloc);
}

static void start_stop(struct ide_drive *d, const uint8_t *cdb)
{
    bool start = cdb[4] & 1, loej = cdb[4] & 2;
    if (loej) {
        if (!start && d->r.tray_locked) {
            check_condition(d, SENSE_NOT_READY, ASC_REMOVAL_PREVENTED, 0x02);
            return;
        }
        if (!start && !d->r.tray_open) {
            d->r.tray_open = 1;
            d->r.media_event = 3; /* media removal */
        } else if (start && d->r.tray_open) {
            d->r.tray_open = 0;
            if (d->bd) {
                d->r.media_event = 2; /* new media */
                d->r.unit_attention = 1;
            }
        }
    }
    command_ok(d);
}

static void read_sectors(struct ide_drive *d, uint32_t lba, uint32_t count)
{
    uint32_t total = media_sectors(d);
    if ((uint64_t)lba + count > total) {
        check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    d->r.lba = lba;
    send_data(d, 0, count, UINT32_MAX);
}

/* Commands allowed without a medium and through a unit attention. */
static bool no_media_ok(uint8_t op)
{
    switch (op) {
    case 0x03:
    case 0x12:
    case 0x46:
    case 0x4a:
    case 0xbd:
    case 0x1e:
    case 0x1b:
    case 0x5a:
    case 0xbb: return true;
    }
    return false;
}

void atapi_packet_received(struct ide_drive *d)
{
    uint8_t cdb[12];
    memcpy(cdb, d->r.buf, 12);
    uint8_t *b = d->r.buf;
    uint8_t op = cdb[0];
    d->r.xfer = IDE_XFER_NONE;
    d->r.status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_BSY;

    /* A unit attention is reported once, to the first command that is not
     * INQUIRY, REQUEST SENSE or an event/configuration poll (MMC-5 4.1.6.1). */
    if (d->r.unit_attention && op != 0x03 && op != 0x12 && op != 0x46 && op != 0x4a) {
        d->r.unit_attention = 0;
        check_condition(d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    if (!have_media(d) && !no_media_ok(op)) {
        check_condition(d, SENSE_NOT_READY, ASC_NO_MEDIUM, d->r.tray_open ? 0x02 : 0x01);
        return;
    }
    switch (op) {
    case 0x00: /* TEST UNIT READY */ command_ok(d); return;
    case 0x03: { /* REQUEST SENSE: fixed format; reading it clears the sense */
        memset(b, 0, 18);
        b[0] = 0x70;
        b[2] = d->r.sense_key;
        b[7] = 10;
        b[12] = d->r.asc;
        b[13] = d->r.ascq;
        uint32_t alloc = cdb[4];
        set_sense(d, SENSE_NONE, 0, 0);
        send_data(d, 18, 0, alloc);
        return;
    }
    case 0x12: /* INQUIRY */
        memset(b, 0, 36);
        b[0] = 0x05; /* CD/DVD device */
        b[1] = 0x80; /* removable */
        b[2] = 0x00;
        b[3] = 0x21; /* ATAPI version 2, response data format 1 */
        b[4] = 31;
        memcpy(b + 8, "VX86    ", 8);
        memcpy(b + 16, "VX86 DVD-ROM    ", 16);
        memcpy(b + 32, "0.1 ", 4);
        send_data(d, 36, 0, get_be16(cdb + 3)); /* SPC-3: 16 bits; byte 3 is 0 in ATAPI */
        return;
    case 0x1b: /* START STOP UNIT */ start_stop(d, cdb); return;
    case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
        d->r.tray_locked = cdb[4] & 1;
        command_ok(d);
        return;
    case 0x25: /* READ CAPACITY: last LBA, block size */
        put_be32(b, media_sectors(d) - 1);
        put_be32(b + 4, ATAPI_SECTOR);
        send_data(d, 8, 0, 8);
        return;
    case 0x28: /* READ(10) */ read_sectors(d, get_be32(cdb + 2), get_be16(cdb + 7)); return;
    case 0xa8: /* READ(12) */ read_sectors(d, get_be32(cdb + 2), get_be32(cdb + 6)); return;
    case 0xbe: /* READ CD: user data of mode 1 sectors only */
        if (cdb[9] != 0x10 && cdb[9] != 0x00) {
            ide_unimp(d, "READ CD with fields 0x%02x", cdb[9]);
            check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CDB, 0);
            return;
        }
        if (cdb[9] == 0) { /* no fields: no data */
            command_ok(d);
            return;
        }
        read_sectors(d, get_be32(cdb + 2), cdb[6] << 16 | get_be16(cdb + 7));
        return;
    case 0x2b: /* SEEK(10) */
        if (get_be32(cdb + 2) >= media_sectors(d))
            check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        else
            command_ok(d);
        return;
    case 0x43: { /* READ TOC/PMA/ATIP */
        memset(b, 0, 64);
        int n = read_toc(d, cdb, b);
        if (n < 0)
            check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CDB, 0);
        else
            send_data(d, (uint32_t)n, 0, get_be16(cdb + 7));
        return;
    }
    case 0x46: /* GET CONFIGURATION */ get_configuration(d, cdb); return;
    case 0x4a: /* GET EVENT STATUS NOTIFICATION */ get_event_status(d, cdb); return;
    case 0x51: /* READ DISC INFORMATION: a finalized single-session disc */
        if (cdb[1] & 7) {
            check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CDB, 0);
            return;
        }
        memset(b, 0, 34);
        put_be16(b, 32);
        b[2] = 0x0e; /* last session complete, disc finalized */
        b[3] = 1, b[4] = 1, b[5] = 1, b[6] = 1;
        b[7] = 0x20; /* unrestricted use */
        send_data(d, 34, 0, get_be16(cdb + 7));
        return;
    case 0x5a: /* MODE SENSE(10) */ mode_sense(d, cdb); return;
    case 0xbd: /* MECHANISM STATUS: no changer, no slots */
        memset(b, 0, 8);
        if (d->r.tray_open)
            b[1] = 0x10; /* door open */
        send_data(d, 8, 0, get_be16(cdb + 8));
        return;
    case 0xbb: /* SET CD SPEED: accepted, the speed is what it is */ command_ok(d); return;
    default:
        ide_unimp(d, "ATAPI command 0x%02x not supported", op);
        check_condition(d, SENSE_ILLEGAL_REQUEST, ASC_INV_OPCODE, 0);
        return;
    }
}
