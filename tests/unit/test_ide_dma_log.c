/* `-d disk`: the PIIX3 bus master logs one line per run with the drive, the
 * direction, the bytes it moved, the PRD entries it used and the outcome
 * (tests/linux/disk_boot.sh adds these up to prove Linux used DMA). Driven
 * through the ports with no CPU. */
#include "ide_test_util.h"

#include <stdarg.h>
#include <stdio.h>

#include "cpu/cpu.h"

#define BM_BASE 0xc000
#define P       0x1f0

static char lines[8][256];
static int nlines;

static void log_hook(void *opaque, const char *category, const char *fmt, va_list ap)
{
    (void)opaque;
    ck_assert_str_eq(category, "disk");
    ck_assert_int_lt(nlines, 8);
    vsnprintf(lines[nlines++], sizeof lines[0], fmt, ap);
}

static void rig_open(struct rig *r, uint32_t log_mask)
{
    memset(r, 0, sizeof *r);
    r->m = test_machine_cfg((struct machine_config){.ram_size = 2u << 20,
                                                    .no_reboot = true,
                                                    .deterministic = true,
                                                    .log_mask = log_mask,
                                                    .log_fn = log_hook});
    r->bus = pci_bus_create(r->m);
    r->ide = ide_create(r->m, r->bus, PCI_DEVFN(1, 1), irq_probe_line(&r->irq[0], 14),
                        irq_probe_line(&r->irq[1], 15));
    ck_assert_ptr_nonnull(r->ide);
    snprintf(r->path, sizeof r->path, "/tmp/vx86_test_ide_dma_log_%d.img", (int)getpid());
    FILE *f = fopen(r->path, "wb");
    ck_assert_ptr_nonnull(f);
    static const uint8_t zero[512];
    for (int i = 0; i < 64; i++)
        ck_assert_uint_eq(fwrite(zero, 1, 512, f), 512);
    fclose(f);
    char err[256];
    r->bd = blk_open(r->path, "raw", 0, err, sizeof err);
    ck_assert_msg(r->bd != NULL, "blk_open: %s", err);
    ck_assert_int_eq(ide_attach(r->ide, 0, IDE_DISK, r->bd), 0);
    struct pci_device *d = pci_bus_device(r->bus, PCI_DEVFN(1, 1));
    pci_config_write(d, 0x20, BM_BASE | 1, 4);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    nlines = 0;
}

/* Run one DMA command: PRD table at 0x1000, LBA 8, count sectors. */
static void dma(struct rig *r, const uint32_t *prd, int n, uint8_t cmd, uint8_t count)
{
    memcpy(machine_ram(r->m) + 0x1000, prd, (size_t)n * 8);
    ioport_write(machine_ioport(r->m), BM_BASE + 4, 0x1000, 4);
    out8(r, P + 6, 0xe0);
    out8(r, P + 2, count);
    out8(r, P + 3, 8);
    out8(r, P + 4, 0);
    out8(r, P + 5, 0);
    out8(r, P + 7, cmd);
    out8(r, BM_BASE, cmd == 0xc8 ? 0x09 : 0x01); /* start; to memory for reads */
    out8(r, BM_BASE, 0x00);
    out8(r, BM_BASE + 2, 0x06); /* clear interrupt and error */
    (void)in8(r, P + 7);
}

START_TEST(one_line_per_run)
{
    struct rig r;
    rig_open(&r, CPU_LOG_DISK);
    uint32_t rd[4] = {0x10000, 1024, 0x20000, 3072 | 0x80000000u};
    dma(&r, rd, 2, 0xc8, 8); /* READ DMA, 4 KiB over two entries */
    uint32_t wr[4] = {0x30000, 1024, 0x31000, 512 | 0x80000000u};
    dma(&r, wr, 2, 0xca, 2); /* WRITE DMA, 1 KiB: the first entry is enough */
    uint32_t shortt[2] = {0x10000, 512 | 0x80000000u};
    dma(&r, shortt, 1, 0xc8, 4); /* 2 KiB wanted, 512 bytes of table */
    ck_assert_int_eq(nlines, 3);
    ck_assert_str_eq(lines[0], "ide0.0: bus-master DMA read (device to memory) 4096 bytes, "
                               "2 PRD entries: done\n");
    ck_assert_str_eq(lines[1], "ide0.0: bus-master DMA write (memory to device) 1024 bytes, "
                               "1 PRD entries: done\n");
    ck_assert_str_eq(lines[2], "ide0.0: bus-master DMA read (device to memory) 512 bytes, "
                               "1 PRD entries: PRD table too short\n");
    rig_free(&r);
}
END_TEST

START_TEST(silent_without_the_category)
{
    struct rig r;
    rig_open(&r, CPU_LOG_UNIMP);
    uint32_t rd[2] = {0x10000, 512 | 0x80000000u};
    dma(&r, rd, 1, 0xc8, 1);
    ck_assert_int_eq(nlines, 0);
    ck_assert_int_eq(r.irq[0].raises, 1); /* the transfer did happen */
    rig_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ide_dma_log");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, one_line_per_run);
    tcase_add_test(tc, silent_without_the_category);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
