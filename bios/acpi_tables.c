/* Builds the PC's ACPI tables and their table-loader script (ACPI 3.0
 * section 5.2; QEMU hw/i386/acpi-build.c lays them out the same way). */
#include "bios/acpi_tables.h"

#include <stdlib.h>
#include <string.h>

#include "bios/table_loader.h"

#define HDR_LEN 36 /* System Description Table header (5.2.6) */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The standard header; the checksum stays 0 for the loader to fix. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "VX86  ", 6);
    memcpy(t + 16, "VX86PC  ", 8);
    put32(t + 24, 1);
    memcpy(t + 28, "VX86", 4);
    put32(t + 32, 1);
}

/* Generic Address Structure (5.2.3.1) in system I/O space. */
static void gas_io(uint8_t *p, uint8_t bit_width, uint64_t addr)
{
    p[0] = 1; /* system I/O */
    p[1] = bit_width;
    p[2] = 0; /* bit offset */
    p[3] = 0; /* access size: legacy (from the bit width) */
    put64(p + 4, addr);
}

/* The DSDT with the board's values patched in: PHMN, the start of the PCI
 * hole, is a Name whose placeholder iasl encoded as a DWord constant. */
static const uint8_t phmn_pattern[] = {0x08, 'P', 'H', 'M', 'N', 0x0c, 0x78, 0x56, 0x34, 0x12};

static int build_dsdt(uint8_t *t, const uint8_t *aml, size_t len, const struct acpi_config *cfg)
{
    memcpy(t, aml, len);
    for (size_t i = 0; i + sizeof phmn_pattern <= len; i++)
        if (!memcmp(t + i, phmn_pattern, sizeof phmn_pattern)) {
            uint64_t hole = cfg->ram_below_4g;
            put32(t + i + 6, (uint32_t)(hole < 0xe0000000ull ? hole : 0xe0000000ull));
            t[9] = 0; /* checksum: the loader's */
            return 0;
        }
    return -1; /* the ASL lost its PHMN: a build bug */
}

static void build_fadt(uint8_t *t, const struct acpi_config *cfg, uint32_t facs, uint32_t dsdt)
{
    header(t, "FACP", ACPI_FADT_LEN, 3);
    put32(t + 36, facs); /* FIRMWARE_CTRL (X_FIRMWARE_CTRL stays 0) */
    put32(t + 40, dsdt); /* DSDT */
    t[44] = 1;           /* INT_MODEL (ACPI 1.0): APIC */
    t[45] = 0;           /* preferred PM profile: unspecified */
    put16(t + 46, cfg->sci_irq);
    put32(t + 48, cfg->smi_cmd);
    t[52] = cfg->acpi_enable;
    t[53] = cfg->acpi_disable;
    uint32_t pm = cfg->pm_io_base;
    put32(t + 56, pm);        /* PM1a_EVT_BLK */
    put32(t + 64, pm + 0x04); /* PM1a_CNT_BLK */
    put32(t + 76, pm + 0x08); /* PM_TMR_BLK */
    put32(t + 80, pm + 0x0c); /* GPE0_BLK */
    t[88] = 4;                /* PM1_EVT_LEN */
    t[89] = 2;                /* PM1_CNT_LEN */
    t[91] = 4;                /* PM_TMR_LEN */
    t[92] = 4;                /* GPE0_BLK_LEN */
    put16(t + 96, 0x0fff);    /* P_LVL2_LAT > 100: no C2 */
    put16(t + 98, 0x0fff);    /* P_LVL3_LAT > 1000: no C3 */
    t[108] = 0x32;            /* CENTURY: CMOS index of the century byte */
    put16(t + 109, 0x0003);   /* IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042 */
    /* Flags (5.2.9 table 5-10): WBINVD, PROC_C1, SLP_BUTTON (no fixed
     * sleep button), RESET_REG_SUP, USE_PLATFORM_CLOCK. PWR_BUTTON = 0:
     * the power button is the fixed feature; TMR_VAL_EXT = 0: the PM
     * timer counts 24 bits. */
    put32(t + 112, 1u << 0 | 1u << 2 | 1u << 5 | 1u << 10 | 1u << 15);
    gas_io(t + 116, 8, cfg->reset_port); /* RESET_REG */
    t[128] = cfg->reset_value;
    put64(t + 140, dsdt);           /* X_DSDT */
    gas_io(t + 148, 32, pm);        /* X_PM1a_EVT_BLK */
    gas_io(t + 172, 16, pm + 0x04); /* X_PM1a_CNT_BLK */
    gas_io(t + 208, 32, pm + 0x08); /* X_PM_TMR_BLK */
    gas_io(t + 220, 32, pm + 0x0c); /* X_GPE0_BLK */
}

static void build_facs(uint8_t *t)
{
    memcpy(t, "FACS", 4);
    put32(t + 4, ACPI_FACS_LEN);
    t[32] = 1; /* version (ACPI 2.0) */
}

/* MADT (5.2.11): the local APIC, the I/O APIC and QEMU's overrides. */
static uint32_t build_madt(uint8_t *t, const struct acpi_config *cfg)
{
    uint8_t *p = t + HDR_LEN;
    put32(p, cfg->lapic_addr);
    put32(p + 4, 1); /* PCAT_COMPAT: the 8259s are there too */
    p += 8;
    /* Processor local APIC: processor 0, APIC ID 0, enabled. */
    p[0] = 0, p[1] = 8, p[2] = 0, p[3] = 0;
    put32(p + 4, 1);
    p += 8;
    /* I/O APIC: ID 0, GSI base 0. */
    p[0] = 1, p[1] = 12, p[2] = 0, p[3] = 0;
    put32(p + 4, cfg->ioapic_addr);
    put32(p + 8, 0);
    p += 12;
    /* Interrupt source overrides: ISA IRQ 0 (the PIT) is GSI 2, edge;
     * the SCI is level, active high (flags: polarity 01, trigger 11). */
    p[0] = 2, p[1] = 10, p[2] = 0, p[3] = 0;
    put32(p + 4, 2);
    put16(p + 8, 0);
    p += 10;
    p[0] = 2, p[1] = 10, p[2] = 0, p[3] = cfg->sci_irq;
    put32(p + 4, cfg->sci_irq);
    put16(p + 8, 0x000d);
    p += 10;
    /* Local APIC NMI: LINT1 of every processor, conforming. */
    p[0] = 4, p[1] = 6, p[2] = 0xff;
    put16(p + 3, 0);
    p[5] = 1;
    p += 6;
    uint32_t len = (uint32_t)(p - t);
    header(t, "APIC", len, 2);
    return len;
}

/* HPET description table (IA-PC HPET spec 1.0a, 3.2.4). */
#define HPET_LEN 56
static void build_hpet(uint8_t *t, const struct acpi_config *cfg)
{
    header(t, "HPET", HPET_LEN, 1);
    put32(t + 36, cfg->hpet_block_id);
    t[40] = 0; /* system memory */
    t[41] = 64;
    put64(t + 44, cfg->hpet_addr);
    t[52] = 0;           /* HPET number */
    put16(t + 53, 0x80); /* minimum periodic tick (counter ticks) */
    t[55] = 0;           /* no page protection */
}

int acpi_build(const struct acpi_config *cfg, struct acpi_blobs *out)
{
    memset(out, 0, sizeof *out);
    size_t dsdt_len;
    const uint8_t *aml = acpi_dsdt_aml(&dsdt_len);
    size_t cap = ACPI_FACS_LEN + dsdt_len + 1024;
    uint8_t *t = calloc(1, cap);
    struct table_loader *tl = table_loader_create();
    if (!t || !tl)
        goto fail;

    /* Layout: FACS (64-byte aligned: the allocation is), DSDT, FADT, MADT,
     * HPET, RSDT, XSDT. */
    uint32_t n = 0;
    out->off_facs = n;
    build_facs(t + n);
    n += ACPI_FACS_LEN;
    out->off_dsdt = n;
    if (build_dsdt(t + n, aml, dsdt_len, cfg) < 0)
        goto fail;
    n += (uint32_t)dsdt_len;
    out->off_fadt = n;
    build_fadt(t + n, cfg, out->off_facs, out->off_dsdt);
    n += ACPI_FADT_LEN;
    out->off_madt = n;
    n += build_madt(t + n, cfg);
    uint32_t entries[3] = {out->off_fadt, out->off_madt, 0};
    int nent = 2;
    if (cfg->hpet) {
        out->off_hpet = n;
        build_hpet(t + n, cfg);
        n += HPET_LEN;
        entries[nent++] = out->off_hpet;
    }
    out->off_rsdt = n;
    uint32_t rsdt_len = HDR_LEN + 4 * nent;
    header(t + n, "RSDT", rsdt_len, 1);
    for (int i = 0; i < nent; i++)
        put32(t + n + HDR_LEN + 4 * i, entries[i]);
    n += rsdt_len;
    out->off_xsdt = n;
    uint32_t xsdt_len = HDR_LEN + 8 * nent;
    header(t + n, "XSDT", xsdt_len, 1);
    for (int i = 0; i < nent; i++)
        put64(t + n + HDR_LEN + 8 * i, entries[i]);
    n += xsdt_len;

    /* RSDP (5.2.5.3), revision 2. */
    uint8_t *r = out->rsdp;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "VX86  ", 6);
    r[15] = 2;
    put32(r + 16, out->off_rsdt);
    put32(r + 20, ACPI_RSDP_LEN);
    put64(r + 24, out->off_xsdt);

    /* The loader script: allocate, link, then checksum each table after
     * its pointers are final. */
    const char *T = ACPI_FILE_TABLES, *R = ACPI_FILE_RSDP;
    table_loader_alloc(tl, T, 64, TABLE_LOADER_ZONE_HIGH);
    table_loader_alloc(tl, R, 16, TABLE_LOADER_ZONE_FSEG);
    table_loader_add_checksum(tl, T, out->off_dsdt + 9, out->off_dsdt, (uint32_t)dsdt_len);
    table_loader_add_pointer(tl, T, T, out->off_fadt + 36, 4);
    table_loader_add_pointer(tl, T, T, out->off_fadt + 40, 4);
    table_loader_add_pointer(tl, T, T, out->off_fadt + 140, 8);
    table_loader_add_checksum(tl, T, out->off_fadt + 9, out->off_fadt, ACPI_FADT_LEN);
    table_loader_add_checksum(tl, T, out->off_madt + 9, out->off_madt,
                              out->off_hpet ? out->off_hpet - out->off_madt
                                            : out->off_rsdt - out->off_madt);
    if (cfg->hpet)
        table_loader_add_checksum(tl, T, out->off_hpet + 9, out->off_hpet, HPET_LEN);
    for (int i = 0; i < nent; i++) {
        table_loader_add_pointer(tl, T, T, out->off_rsdt + HDR_LEN + 4 * i, 4);
        table_loader_add_pointer(tl, T, T, out->off_xsdt + HDR_LEN + 8 * i, 8);
    }
    table_loader_add_checksum(tl, T, out->off_rsdt + 9, out->off_rsdt, rsdt_len);
    table_loader_add_checksum(tl, T, out->off_xsdt + 9, out->off_xsdt, xsdt_len);
    table_loader_add_pointer(tl, R, T, 16, 4);
    table_loader_add_pointer(tl, R, T, 24, 8);
    table_loader_add_checksum(tl, R, 8, 0, 20);
    table_loader_add_checksum(tl, R, 32, 0, ACPI_RSDP_LEN);
    long ll = table_loader_len(tl);
    if (ll < 0)
        goto fail;
    out->loader = malloc((size_t)ll);
    if (!out->loader)
        goto fail;
    memcpy(out->loader, table_loader_data(tl), (size_t)ll);
    out->loader_len = (size_t)ll;
    out->tables = t;
    out->tables_len = n;
    table_loader_destroy(tl);
    return 0;

fail:
    free(t);
    table_loader_destroy(tl);
    memset(out, 0, sizeof *out);
    return -1;
}

void acpi_blobs_free(struct acpi_blobs *b)
{
    free(b->tables);
    free(b->loader);
    b->tables = b->loader = NULL;
}
