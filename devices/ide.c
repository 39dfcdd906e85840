/* The PIIX3 IDE function (82371SB datasheet, 2.4/2.7; ATA/ATAPI-6, T13
 * 1410D): legacy command and control blocks of two channels, device
 * selection, the "no device" bus, soft reset, nIEN/INTRQ, PCI identity and
 * the state tables. Commands live in ide_ata.c and atapi.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/block/blockdev.h"
#include "devices/ide_priv.h"
#include "devices/machine.h"
#include "devices/pci.h"
#include "devices/unimp_log.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

static const struct vmstate_field ide_drive_fields[] = {
    VMSTATE_FIELD(struct ide_regs, feature, 1),
    VMSTATE_FIELD(struct ide_regs, nsector, 1),
    VMSTATE_FIELD(struct ide_regs, sector, 1),
    VMSTATE_FIELD(struct ide_regs, lcyl, 1),
    VMSTATE_FIELD(struct ide_regs, hcyl, 1),
    VMSTATE_FIELD(struct ide_regs, hob_feature, 1),
    VMSTATE_FIELD(struct ide_regs, hob_nsector, 1),
    VMSTATE_FIELD(struct ide_regs, hob_sector, 1),
    VMSTATE_FIELD(struct ide_regs, hob_lcyl, 1),
    VMSTATE_FIELD(struct ide_regs, hob_hcyl, 1),
    VMSTATE_FIELD(struct ide_regs, select, 1),
    VMSTATE_FIELD(struct ide_regs, status, 1),
    VMSTATE_FIELD(struct ide_regs, error, 1),
    VMSTATE_FIELD(struct ide_regs, cmd, 1),
    VMSTATE_FIELD(struct ide_regs, irq, 1),
    VMSTATE_FIELD(struct ide_regs, mult_sectors, 1),
    VMSTATE_FIELD(struct ide_regs, wcache, 1),
    VMSTATE_FIELD(struct ide_regs, xfer_mode, 1),
    VMSTATE_FIELD(struct ide_regs, lba48, 1),
    VMSTATE_FIELD(struct ide_regs, xfer, 1),
    VMSTATE_FIELD(struct ide_regs, dma, 1),
    VMSTATE_FIELD(struct ide_regs, dma_write, 1),
    VMSTATE_FIELD(struct ide_regs, lba, 1),
    VMSTATE_FIELD(struct ide_regs, remain, 1),
    VMSTATE_FIELD(struct ide_regs, block, 1),
    VMSTATE_FIELD(struct ide_regs, bytes_left, 1),
    VMSTATE_FIELD(struct ide_regs, data_pos, 1),
    VMSTATE_FIELD(struct ide_regs, data_end, 1),
    VMSTATE_FIELD(struct ide_regs, buf_len, 1),
    VMSTATE_FIELD(struct ide_regs, sense_key, 1),
    VMSTATE_FIELD(struct ide_regs, asc, 1),
    VMSTATE_FIELD(struct ide_regs, ascq, 1),
    VMSTATE_FIELD(struct ide_regs, tray_open, 1),
    VMSTATE_FIELD(struct ide_regs, tray_locked, 1),
    VMSTATE_FIELD(struct ide_regs, media_event, 1),
    VMSTATE_FIELD(struct ide_regs, unit_attention, 1),
    VMSTATE_FIELD(struct ide_regs, bcl, 1),
    VMSTATE_FIELD(struct ide_regs, buf, 1),
};
static const struct vmstate ide_drive_vs = VMSTATE_DESC("ide-drive", 1, ide_drive_fields, NULL);

static const struct vmstate_field ide_bm_fields[] = {
    VMSTATE_FIELD(struct ide_bm, cmd, 1), VMSTATE_FIELD(struct ide_bm, status, 1),
    VMSTATE_FIELD(struct ide_bm, prd, 1), VMSTATE_FIELD(struct ide_bm, ctl, 1),
    VMSTATE_FIELD(struct ide_bm, cur, 1), VMSTATE_FIELD(struct ide_bm, irq_level, 1),
};
/* The ISA line follows the restored INTRQ state. */
static int ide_bm_post_load(void *opaque)
{
    struct ide_channel *ch =
        (struct ide_channel *)((char *)opaque - offsetof(struct ide_channel, bm));
    irq_set(&ch->irq, ch->bm.irq_level);
    return 0;
}
static const struct vmstate ide_bm_vs =
    VMSTATE_DESC("ide-channel", 1, ide_bm_fields, ide_bm_post_load);

const struct vmstate *ide_drive_vmstate(void)
{
    return &ide_drive_vs;
}
const struct vmstate *ide_bm_vmstate(void)
{
    return &ide_bm_vs;
}
void *ide_drive_state(struct ide *s, int index)
{
    return &s->ch[index >> 1].drive[index & 1].r;
}
void *ide_bm_state(struct ide *s, int channel)
{
    return &s->ch[channel].bm;
}

void ide_unimp(struct ide_drive *d, const char *fmt, ...)
{
    struct ide *s = d->ch->ide;
    if (!unimp_first(&s->logged_unimp, 0))
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    machine_log(s->m, CPU_LOG_UNIMP, "unimp", "ide%d.%d: %s\n", d->ch->num, d->index & 1, msg);
}

bool ide_present(const struct ide_drive *d)
{
    return d->media != IDE_NONE;
}

/* INTRQ of the selected drive, gated by nIEN, drives the channel's ISA line
 * (ATA-6 5.2.9). The PIIX3 also latches it in the bus master's status. */
void ide_update_irq(struct ide_channel *ch)
{
    struct ide_drive *d = &ch->drive[ch->bm.cur];
    uint8_t level = d->r.irq && !(ch->bm.ctl & IDE_CTL_NIEN);
    if (level != ch->bm.irq_level) {
        ch->bm.irq_level = level;
        irq_set(&ch->irq, level);
    }
}

void ide_raise(struct ide_drive *d)
{
    d->r.irq = 1;
    d->ch->bm.status |= BM_ST_INT;
    ide_update_irq(d->ch);
}

void ide_pio_window(struct ide_drive *d, uint32_t pos, uint32_t n)
{
    d->r.data_pos = pos;
    d->r.data_end = pos + n;
}

void ide_done(struct ide_drive *d)
{
    d->r.xfer = IDE_XFER_NONE;
    d->r.dma = 0;
    d->r.status = IDE_ST_DRDY | IDE_ST_DSC;
    d->r.data_pos = d->r.data_end = 0;
    ide_raise(d);
}

void ide_abort(struct ide_drive *d, uint8_t error)
{
    d->r.xfer = IDE_XFER_NONE;
    d->r.dma = 0;
    d->r.error = error;
    d->r.status = IDE_ST_DRDY | IDE_ST_ERR;
    d->r.data_pos = d->r.data_end = 0;
    ide_raise(d);
}

/* Signature after reset or EXECUTE DEVICE DIAGNOSTIC (ATA-6 9.12): ATA
 * 01/01/00/00, PACKET devices 01/01/14/EB. */
void ide_set_signature(struct ide_drive *d)
{
    d->r.nsector = d->r.sector = 1;
    d->r.lcyl = d->media == IDE_CDROM ? 0x14 : 0;
    d->r.hcyl = d->media == IDE_CDROM ? 0xeb : 0;
    d->r.select &= IDE_SEL_DEV;
    d->r.select |= 0xa0;
}

static void drive_reset(struct ide_drive *d)
{
    struct ide_regs *r = &d->r;
    r->feature = r->hob_feature = r->hob_nsector = r->hob_sector = r->hob_lcyl = r->hob_hcyl = 0;
    r->select = (d->index & 1) ? 0xb0 : 0xa0;
    r->xfer = IDE_XFER_NONE;
    r->dma = r->dma_write = 0;
    r->data_pos = r->data_end = r->buf_len = 0;
    r->irq = 0;
    r->cmd = 0;
    r->mult_sectors = 0;
    r->lba48 = 0;
    ide_set_signature(d);
    r->error = 0x01; /* diagnostic code: no error */
    r->status = ide_present(d) ? IDE_ST_DRDY | IDE_ST_DSC : 0;
    if (d->media == IDE_CDROM)
        atapi_reset(d);
}

/* Power-on / hardware reset (machine reset). */
static void ide_hw_reset(void *opaque)
{
    struct ide *s = opaque;
    for (int c = 0; c < 2; c++) {
        struct ide_channel *ch = &s->ch[c];
        ch->bm.cmd = 0;
        ch->bm.status &= 0x60; /* the drive-capable bits are BIOS scratch */
        ch->bm.prd = 0;
        ch->bm.ctl = 0;
        ch->bm.cur = 0;
        for (int i = 0; i < 2; i++) {
            drive_reset(&ch->drive[i]);
            ch->drive[i].r.wcache = 1;
            ch->drive[i].r.xfer_mode = 0;
            if (ch->drive[i].media == IDE_CDROM) {
                ch->drive[i].r.tray_open = ch->drive[i].r.tray_locked = 0;
                ch->drive[i].r.sense_key = SENSE_UNIT_ATTENTION;
                ch->drive[i].r.asc = ASC_POWER_ON_RESET;
                ch->drive[i].r.ascq = 0;
            }
        }
        ch->bm.irq_level = 0;
        irq_set(&ch->irq, false);
    }
}

/* --- the command block --- */

static bool channel_empty(const struct ide_channel *ch)
{
    return !ide_present(&ch->drive[0]) && !ide_present(&ch->drive[1]);
}

static uint8_t status_value(struct ide_channel *ch)
{
    struct ide_drive *d = &ch->drive[ch->bm.cur];
    /* An empty channel floats: the PIIX3's pull-downs on DD7 make it read
     * 0x7F (BSY clear), which Linux takes for "no device". An absent slave
     * behind a present master reads 0 (ATA-6 9.16.1 / QEMU). */
    if (channel_empty(ch))
        return 0x7f;
    if (!ide_present(d))
        return 0;
    return d->r.status;
}

static uint32_t data_read(struct ide_channel *ch, int size)
{
    struct ide_drive *d = &ch->drive[ch->bm.cur];
    struct ide_regs *r = &d->r;
    if (!(r->status & IDE_ST_DRQ) || r->dma || r->data_pos >= r->data_end ||
        r->xfer == IDE_XFER_PACKET || r->xfer == IDE_XFER_ATA_WRITE)
        return size == 4 ? 0xffffffffu : 0xffffu;
    uint32_t v = 0;
    for (int i = 0; i < size && r->data_pos < r->data_end; i++)
        v |= (uint32_t)r->buf[r->data_pos++] << (8 * i);
    if (r->data_pos >= r->data_end) {
        if (r->xfer == IDE_XFER_ATA_READ)
            ide_ata_pio_end(d);
        else if (r->xfer == IDE_XFER_ATAPI_IN)
            atapi_pio_end(d);
        else { /* IDENTIFY and other one-block answers */
            r->status &= ~IDE_ST_DRQ;
            r->xfer = IDE_XFER_NONE;
        }
    }
    return v;
}

static void data_write(struct ide_channel *ch, uint32_t v, int size)
{
    struct ide_drive *d = &ch->drive[ch->bm.cur];
    struct ide_regs *r = &d->r;
    if (!(r->status & IDE_ST_DRQ) || r->dma || r->data_pos >= r->data_end ||
        (r->xfer != IDE_XFER_PACKET && r->xfer != IDE_XFER_ATA_WRITE))
        return;
    for (int i = 0; i < size && r->data_pos < r->data_end; i++)
        r->buf[r->data_pos++] = (uint8_t)(v >> (8 * i));
    if (r->data_pos >= r->data_end) {
        if (r->xfer == IDE_XFER_PACKET)
            atapi_packet_received(d);
        else
            ide_ata_pio_end(d);
    }
}

static uint32_t cmd_read(void *opaque, uint32_t off, int size)
{
    struct ide_channel *ch = opaque;
    struct ide_drive *d = &ch->drive[ch->bm.cur];
    struct ide_regs *r = &d->r;
    bool hob = ch->bm.ctl & IDE_CTL_HOB;
    if (off == 0)
        return data_read(ch, size);
    if (channel_empty(ch))
        return 0x7f;
    switch (off) {
    case 1: return hob ? r->hob_feature : r->error;
    case 2: return hob ? r->hob_nsector : r->nsector;
    case 3: return hob ? r->hob_sector : r->sector;
    case 4: return hob ? r->hob_lcyl : r->lcyl;
    case 5: return hob ? r->hob_hcyl : r->hcyl;
    case 6: return r->select;
    default: /* 7: status; reading it acknowledges INTRQ (ATA-6 7.15) */
        r->irq = 0;
        ide_update_irq(ch);
        return status_value(ch);
    }
}

static void command(struct ide_channel *ch, uint8_t cmd)
{
    struct ide_drive *d = &ch->drive[ch->bm.cur];
    if (!ide_present(d))
        return; /* nobody answers; the other device ignores it (ATA-6 9.16) */
    /* Only DEVICE RESET may interrupt a PACKET device that is busy. */
    if ((d->r.status & IDE_ST_BSY) && cmd != 0x08)
        return;
    d->r.irq = 0;
    ide_update_irq(ch);
    d->r.cmd = cmd;
    d->r.xfer = IDE_XFER_NONE;
    d->r.dma = 0;
    d->r.error = 0;
    ide_ata_command(d, cmd);
}

static void cmd_write(void *opaque, uint32_t off, uint32_t val, int size)
{
    struct ide_channel *ch = opaque;
    uint8_t v = (uint8_t)val;
    if (off == 0) {
        data_write(ch, val, size);
        return;
    }
    if (off != 7)
        ch->bm.ctl &= ~IDE_CTL_HOB; /* a register write clears HOB (ATA-6 7.9.6) */
    /* Both devices latch the command block registers (ATA-6 5.2.4). */
    for (int i = 0; i < 2; i++) {
        struct ide_regs *r = &ch->drive[i].r;
        switch (off) {
        case 1: r->hob_feature = r->feature, r->feature = v; break;
        case 2: r->hob_nsector = r->nsector, r->nsector = v; break;
        case 3: r->hob_sector = r->sector, r->sector = v; break;
        case 4: r->hob_lcyl = r->lcyl, r->lcyl = v; break;
        case 5: r->hob_hcyl = r->hcyl, r->hcyl = v; break;
        case 6: r->select = v | 0xa0; break; /* bits 7 and 5 are obsolete, read as 1 */
        }
    }
    if (off == 6) {
        ch->bm.cur = (v & IDE_SEL_DEV) ? 1 : 0;
        ide_update_irq(ch);
    } else if (off == 7) {
        command(ch, v);
    }
}

static const struct io_ops ide_cmd_ops = {cmd_read, cmd_write, 0};

/* --- the control block: alternate status, device control --- */

static uint32_t ctl_read(void *opaque, uint32_t off, int size)
{
    struct ide_channel *ch = opaque;
    (void)size;
    if (off != 0)
        return 0xff;         /* 0x3F7/0x377: the floppy's DIR, not ours */
    return status_value(ch); /* alternate status: no INTRQ acknowledge */
}

static void ctl_write(void *opaque, uint32_t off, uint32_t val, int size)
{
    struct ide_channel *ch = opaque;
    (void)size;
    if (off != 0)
        return;
    uint8_t old = ch->bm.ctl;
    ch->bm.ctl = (uint8_t)val;
    if ((val & IDE_CTL_SRST) && !(old & IDE_CTL_SRST)) {
        /* SRST asserted: both devices busy until it is released. */
        for (int i = 0; i < 2; i++)
            if (ide_present(&ch->drive[i])) {
                ch->drive[i].r.status = IDE_ST_BSY | IDE_ST_DSC;
                ch->drive[i].r.error = 0x01;
            }
    } else if (!(val & IDE_CTL_SRST) && (old & IDE_CTL_SRST)) {
        /* Released: the signature; a PACKET device leaves DRDY clear
         * (ATA-6 9.12.1), device 0 is selected. */
        for (int i = 0; i < 2; i++) {
            struct ide_drive *d = &ch->drive[i];
            uint8_t mult = d->r.mult_sectors;
            drive_reset(d);
            d->r.mult_sectors = mult;
            if (d->media == IDE_CDROM)
                d->r.status = 0;
        }
        ch->bm.cur = 0;
    }
    ide_update_irq(ch);
}

static const struct io_ops ide_ctl_ops = {ctl_read, ctl_write, 1};

/* --- the PCI function --- */

struct ide *ide_create(struct machine *m, struct pci_bus *bus, uint8_t devfn,
                       struct irq_line irq_primary, struct irq_line irq_secondary)
{
    struct ide *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->m = m;
    /* 82371SB function 1: class 01/01, prog-if 0x80 (bus master, both
     * channels fixed in compatibility mode). */
    s->pci = pci_device_create(bus, devfn, 0x8086, 0x7010, 0x00, 0x010180, "piix3-ide");
    if (!s->pci) {
        free(s);
        return NULL;
    }
    /* IDETIM (0x40-0x43), SIDETIM (0x44): timing registers the BIOS and
     * ata_piix program; stored only. */
    uint8_t *wm = pci_wmask(s->pci);
    for (int i = 0x40; i <= 0x44; i++)
        wm[i] = 0xff;
    struct pci_bar bar = {.size = 16, .flags = PCI_BAR_IO, .ops = &ide_bm_ops, .opaque = s};
    pci_register_bar(s->pci, 4, &bar);

    static const uint16_t base[2] = {IDE_PRIMARY_BASE, IDE_SECONDARY_BASE};
    static const uint16_t ctl[2] = {IDE_PRIMARY_CTL, IDE_SECONDARY_CTL};
    for (int c = 0; c < 2; c++) {
        struct ide_channel *ch = &s->ch[c];
        ch->ide = s;
        ch->num = c;
        ch->irq = c ? irq_secondary : irq_primary;
        for (int i = 0; i < 2; i++) {
            ch->drive[i].ch = ch;
            ch->drive[i].index = c * 2 + i;
            machine_register_state(m, &ide_drive_vs, &ch->drive[i].r);
        }
        machine_register_state(m, &ide_bm_vs, &ch->bm);
        ioport_register(machine_ioport(m), base[c], 8, &ide_cmd_ops, ch);
        ioport_register(machine_ioport(m), ctl[c], 1, &ide_ctl_ops, ch);
    }
    machine_register_reset(m, ide_hw_reset, s);
    ide_hw_reset(s);
    return s;
}

/* Default translation as QEMU and SeaBIOS expect: 16 heads, 63 sectors,
 * cylinders = size / (16 * 63) capped at 16383 (ATA-6 Annex B). */
static void set_geometry(struct ide_drive *d)
{
    uint64_t n = blk_sectors(d->bd);
    uint64_t c = n / (16 * 63);
    if (c > 16383)
        c = 16383;
    else if (c < 2)
        c = 2;
    d->cyls = (uint32_t)c, d->heads = 16, d->secs = 63;
}

int ide_attach(struct ide *s, int index, enum ide_media media, struct blockdev *bd)
{
    if (index < 0 || index >= IDE_MAX_DRIVES || media == IDE_NONE)
        return -1;
    struct ide_drive *d = &s->ch[index >> 1].drive[index & 1];
    if (ide_present(d) || (media == IDE_DISK && !bd))
        return -1;
    d->media = media;
    d->bd = bd;
    snprintf(d->serial, sizeof d->serial, "VX86%08d", index + 1);
    if (media == IDE_DISK)
        set_geometry(d);
    /* The BIOS learns from these bits that the drive can do DMA. */
    d->ch->bm.status |= (index & 1) ? 0x40 : 0x20;
    ide_hw_reset(s);
    return 0;
}

int ide_cd_change(struct ide *s, int index, struct blockdev *bd, struct blockdev **old)
{
    if (index < 0 || index >= IDE_MAX_DRIVES)
        return -1;
    struct ide_drive *d = &s->ch[index >> 1].drive[index & 1];
    if (d->media != IDE_CDROM)
        return -1;
    if (old)
        *old = d->bd;
    d->bd = bd;
    d->r.tray_open = 0;
    d->r.unit_attention = 1;
    d->r.media_event = bd ? 2 : 3;
    return 0;
}

int ide_disk_geometry(struct ide *s, int index, uint32_t *cyls, uint32_t *heads, uint32_t *secs)
{
    if (index < 0 || index >= IDE_MAX_DRIVES)
        return -1;
    const struct ide_drive *d = &s->ch[index >> 1].drive[index & 1];
    if (d->media != IDE_DISK)
        return -1;
    *cyls = d->cyls, *heads = d->heads, *secs = d->secs;
    return 0;
}

void ide_destroy(struct ide *s)
{
    free(s);
}
