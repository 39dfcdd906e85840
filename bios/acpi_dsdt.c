/* The DSDT's AML, compiled from bios/acpi/dsdt.asl by iasl at build time
 * (bios/acpi/acpi.cmake generates dsdt.hex). */
#include <stddef.h>
#include <stdint.h>

#include "bios/acpi_tables.h"
#include "dsdt.hex"

const uint8_t *acpi_dsdt_aml(size_t *len)
{
    *len = sizeof dsdt_aml_code;
    return dsdt_aml_code;
}
