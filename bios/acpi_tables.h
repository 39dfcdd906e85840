/* The ACPI tables of the PC (ACPI 3.0 layouts): RSDP v2, RSDT, XSDT, FADT
 * rev 3, FACS, MADT, HPET and the DSDT compiled from bios/acpi/dsdt.asl,
 * with the table-loader script that SeaBIOS runs to place and link them
 * (fw_cfg "etc/acpi/tables", "etc/acpi/rsdp", "etc/table-loader"). */
#ifndef VX86_ACPI_TABLES_H
#define VX86_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP   "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"

#define ACPI_RSDP_LEN 36 /* version 2 (ACPI 2.0+) RSDP */
#define ACPI_FADT_LEN 244
#define ACPI_FACS_LEN 64

/* What the tables describe (the board fills it from its devices). */
struct acpi_config {
    uint64_t ram_below_4g; /* the 32-bit PCI window starts here */
    uint16_t pm_io_base;   /* PIIX4 PM block: PM1a_EVT +0, PM1a_CNT +4, PM_TMR +8, GPE0 +0xC */
    uint8_t sci_irq;       /* ISA IRQ (= GSI) of the SCI: level, active high */
    uint16_t smi_cmd;      /* SMI command port, with the two values below */
    uint8_t acpi_enable, acpi_disable;
    uint16_t reset_port; /* RESET_REG (I/O, 8 bits) and the value to write */
    uint8_t reset_value;
    uint32_t lapic_addr;  /* local APIC (APIC ID 0, processor 0) */
    uint32_t ioapic_addr; /* I/O APIC ID 0, GSI base 0 */
    bool hpet;            /* an HPET table */
    uint32_t hpet_addr, hpet_block_id;
};

struct acpi_blobs {
    uint8_t *tables; /* etc/acpi/tables: FACS first (64-byte aligned), then the rest */
    size_t tables_len;
    uint8_t rsdp[ACPI_RSDP_LEN]; /* etc/acpi/rsdp */
    uint8_t *loader;             /* etc/table-loader */
    size_t loader_len;
    /* Offsets of each table in `tables` (tests). */
    uint32_t off_facs, off_dsdt, off_fadt, off_madt, off_hpet, off_rsdt, off_xsdt;
};

/* Build the blobs (pointers hold offsets inside etc/acpi/tables and
 * checksums are 0 until the loader script runs). 0, or -1 if out of memory. */
int acpi_build(const struct acpi_config *cfg, struct acpi_blobs *out);
void acpi_blobs_free(struct acpi_blobs *b);

/* The DSDT as compiled by iasl (before the board's patches). */
const uint8_t *acpi_dsdt_aml(size_t *len);

#endif
