/* Inside the PIIX3 IDE controller: the drive and channel structs shared by
 * the register file (ide.c), the ATA commands (ide_ata.c), the ATAPI packet
 * commands (atapi.c) and the bus master (ide_dma.c). */
#ifndef VX86_IDE_PRIV_H
#define VX86_IDE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/ide.h"
#include "devices/irq.h"
#include "devices/machine.h"
#include "mmu/io_ops.h"

struct machine;
struct pci_device;

/* Status register (ATA/ATAPI-6, T13 1410D, 7.15.6). */
#define IDE_ST_ERR   0x01
#define IDE_ST_DRQ   0x08
#define IDE_ST_DSC   0x10 /* device seek complete (ATAPI: service) */
#define IDE_ST_DF    0x20
#define IDE_ST_DRDY  0x40
#define IDE_ST_BSY   0x80
/* Error register. */
#define IDE_ER_AMNF  0x01
#define IDE_ER_ABRT  0x04
#define IDE_ER_IDNF  0x10
#define IDE_ER_UNC   0x40
/* Device control register. */
#define IDE_CTL_NIEN 0x02
#define IDE_CTL_SRST 0x04
#define IDE_CTL_HOB  0x80
/* Device/head register. */
#define IDE_SEL_DEV  0x10
#define IDE_SEL_LBA  0x40

/* ATAPI interrupt reason (the sector count register, ATA-6 8.21). */
#define ATAPI_IR_COD 0x01
#define ATAPI_IR_IO  0x02

/* Sense keys and codes (MMC-5 / SPC-3). */
#define SENSE_NONE            0x00
#define SENSE_NOT_READY       0x02
#define SENSE_MEDIUM_ERROR    0x03
#define SENSE_ILLEGAL_REQUEST 0x05
#define SENSE_UNIT_ATTENTION  0x06
#define ASC_INV_OPCODE        0x20
#define ASC_LBA_OUT_OF_RANGE  0x21
#define ASC_INV_FIELD_IN_CDB  0x24
#define ASC_MEDIUM_CHANGED    0x28
#define ASC_POWER_ON_RESET    0x29
#define ASC_SAVING_UNSUP      0x39
#define ASC_NO_MEDIUM         0x3a
#define ASC_REMOVAL_PREVENTED 0x53

#define IDE_BUF_SIZE (64u * 1024 + 4)
#define IDE_MAX_MULT 16 /* READ/WRITE MULTIPLE: sectors per DRQ block, at most */
#define ATAPI_SECTOR 2048u

/* What happens when the PIO data window is used up. */
enum ide_xfer {
    IDE_XFER_NONE,
    IDE_XFER_ATA_READ,  /* ATA PIO/DMA read: next block or done */
    IDE_XFER_ATA_WRITE, /* ATA PIO/DMA write: buffer to disk, next block or done */
    IDE_XFER_PACKET,    /* the 12-byte CDB of a PACKET command */
    IDE_XFER_ATAPI_IN,  /* ATAPI data to the host: next chunk, refill, or done */
};

/* One drive's saved state (ide_drive_vmstate). */
struct ide_regs {
    uint8_t feature, nsector, sector, lcyl, hcyl; /* task file (written to both drives) */
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl; /* previous contents */
    uint8_t select;                                                   /* device/head register */
    uint8_t status, error;
    uint8_t cmd;          /* command being executed */
    uint8_t irq;          /* INTRQ pending (cleared by reading status) */
    uint8_t mult_sectors; /* SET MULTIPLE MODE: sectors per block, 0 = disabled */
    uint8_t wcache;       /* write cache enabled (SET FEATURES 0x02/0x82) */
    uint8_t xfer_mode;    /* SET FEATURES 0x03 value: 0x08|n PIO, 0x20|n MWDMA, 0x40|n UDMA */
    uint8_t lba48;        /* the command is an EXT one (HOB registers are the high bytes) */
    uint8_t xfer;         /* enum ide_xfer */
    uint8_t dma;          /* the data phase goes through the bus master */
    uint8_t dma_write;    /* ...from memory to the device */
    uint64_t lba;         /* next sector (ATA 512, ATAPI 2048 bytes) */
    uint32_t remain;      /* sectors still to transfer after the buffer */
    uint32_t block;       /* ATA: sectors per DRQ block */
    uint32_t bytes_left;  /* ATAPI: bytes still owed to the host (allocation length) */
    uint32_t data_pos, data_end, buf_len; /* PIO window [pos, end) in buf; buf_len valid */
    /* ATAPI */
    uint8_t sense_key, asc, ascq;
    uint8_t tray_open, tray_locked;
    uint8_t media_event; /* GET EVENT STATUS: 0 none, 2 new media, 3 media removal */
    uint8_t unit_attention;
    uint16_t bcl; /* byte count limit the host gave with PACKET */
    uint8_t buf[IDE_BUF_SIZE];
};

struct ide_channel;

struct ide_drive {
    struct ide_regs r;
    struct ide_channel *ch;
    enum ide_media media;
    struct blockdev *bd;        /* NULL: no disc (CD-ROM) */
    int index;                  /* 0-3 */
    uint32_t cyls, heads, secs; /* default CHS translation */
    char serial[21];
};

/* One channel's bus master registers (PIIX3 datasheet 2.7.2) and device
 * control (ide_bm_vmstate). */
struct ide_bm {
    uint8_t cmd;       /* bit 0 start, bit 3 direction (1 = write to memory) */
    uint8_t status;    /* bit 0 active, 1 error, 2 interrupt, 5/6 drive DMA capable */
    uint32_t prd;      /* PRD table address */
    uint8_t ctl;       /* device control register */
    uint8_t cur;       /* selected drive, 0 or 1 */
    uint8_t irq_level; /* the line as driven */
};

struct ide_channel {
    struct ide *ide;
    struct ide_drive drive[2];
    struct ide_bm bm;
    struct irq_line irq;
    int num;
};

struct ide {
    struct machine *m;
    struct pci_device *pci;
    struct ide_channel ch[2];
    uint64_t logged_unimp; /* a -d unimp message was given */
};

/* Count a transfer for the frontend's disk activity indicator. */
static inline void ide_activity(const struct ide_drive *d)
{
    machine_disk_activity(d->ch->ide->m);
}

#define BM_CMD_START 0x01
#define BM_CMD_WRITE 0x08 /* bus master writes memory (device to host) */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR  0x02
#define BM_ST_INT    0x04

/* ide.c */
void ide_update_irq(struct ide_channel *ch);
void ide_raise(struct ide_drive *d);
void ide_unimp(struct ide_drive *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Start a PIO data window of n bytes at buf[pos] (DRQ set by the caller). */
void ide_pio_window(struct ide_drive *d, uint32_t pos, uint32_t n);
/* End a command: status = DRDY|DSC, no data, interrupt. */
void ide_done(struct ide_drive *d);
void ide_abort(struct ide_drive *d, uint8_t error);
void ide_set_signature(struct ide_drive *d);
bool ide_present(const struct ide_drive *d);

/* ide_ata.c */
void ide_ata_command(struct ide_drive *d, uint8_t cmd);
void ide_ata_pio_end(struct ide_drive *d);
void ide_identify(struct ide_drive *d, uint16_t *w);
/* IDENTIFY strings: space padded, the two bytes of each word swapped. */
void ide_put_string(uint16_t *w, const char *s, int words);
/* DMA hooks: the next chunk of data (ATA read) / consume a chunk (write). */
bool ide_ata_dma_fill(struct ide_drive *d);  /* refill buf with the next sectors */
bool ide_ata_dma_flush(struct ide_drive *d); /* write buf to disk, advance */

/* atapi.c */
void atapi_identify(struct ide_drive *d, uint16_t *w);
void atapi_packet_start(struct ide_drive *d);
void atapi_packet_received(struct ide_drive *d);
void atapi_pio_end(struct ide_drive *d);
bool atapi_refill(struct ide_drive *d); /* stage the next sectors; false on a read error */
void atapi_in_done(struct ide_drive *d);
void atapi_reset(struct ide_drive *d);

/* ide_dma.c */
void ide_dma_run(struct ide_channel *ch);
extern const struct io_ops ide_bm_ops;

#endif
