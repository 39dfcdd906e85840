/* The ACPI power management function of a PIIX4 (Intel 82371AB, 290562,
 * function 3, 8086:7113) at PCI 00:01.3, as QEMU's "pc" machine has it next
 * to the PIIX3: the PM I/O block (PM1a event/control, the 24-bit PM timer,
 * GPE0), the APM/SMI command port 0xB2 with the ACPI enable handshake, and
 * the SCI on ISA IRQ 9. The FADT (bios/acpi_tables.c) describes exactly this. */
#ifndef VX86_ACPI_PM_H
#define VX86_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct acpi_pm;
struct pci_bus;
struct pci_device;
struct vmstate;

#define ACPI_PM_DEVFN        0x0b  /* PCI_DEVFN(1, 3) */
#define ACPI_PM_IO_BASE      0x600 /* where SeaBIOS puts the PM block (PORT_ACPI_PM_BASE) */
#define ACPI_PM_IO_LEN       64    /* PIIX4 PMBA decodes 64 ports (290562 3.3.1) */
#define ACPI_PM_SCI_IRQ      9     /* SCI: ISA IRQ 9, level, active high (SeaBIOS hardwires it) */
#define ACPI_PM_SMI_CMD      0xb2  /* APMC: the FADT's SMI_CMD port */
#define ACPI_PM_ACPI_ENABLE  0xf1  /* SMI_CMD values of the enable/disable handshake */
#define ACPI_PM_ACPI_DISABLE 0xf0
#define ACPI_PM_TIMER_HZ     3579545 /* PM timer frequency */

/* Offsets in the PM I/O block (PIIX4 290562 7.2; ACPI 2.0 4.7.3). */
#define ACPI_PM1_STS  0x00 /* 16-bit, write 1 to clear */
#define ACPI_PM1_EN   0x02 /* 16-bit */
#define ACPI_PM1_CNT  0x04 /* 16-bit */
#define ACPI_PM_TMR   0x08 /* 32-bit read-only; 24 bits count (FADT TMR_VAL_EXT = 0) */
#define ACPI_GPE0_STS 0x0c /* 16-bit GPSTS (no GPE sources: always 0) */
#define ACPI_GPE0_EN  0x0e /* 16-bit GPEN */
#define ACPI_GPE0_LEN 4    /* the FADT's GPE0_BLK_LEN */

/* PM1 status/enable bits. */
#define ACPI_PM1_TMR     0x0001 /* timer carry (bit 23 of the timer toggled) */
#define ACPI_PM1_GBL     0x0020
#define ACPI_PM1_PWRBTN  0x0100
#define ACPI_PM1_RTC     0x0400
#define ACPI_PM1_WAK     0x8000 /* status only */
/* PM1 control bits. */
#define ACPI_PM1_SCI_EN  0x0001
#define ACPI_PM1_SLP_TYP 0x1c00 /* bits 12:10 */
#define ACPI_PM1_SLP_EN  0x2000 /* write-only: enter the SLP_TYP state */
#define ACPI_SLP_TYP_S5  0      /* PIIX4 SUS_TYP 000: soft off; the DSDT's \_S5 says 0 */

/* PCI config registers of the function. */
#define ACPI_PM_PCI_PMBA      0x40 /* PM base address, bits 15:6; bit 0 reads 1 */
#define ACPI_PM_PCI_DEVACTB   0x58 /* device activity B; bit 25 APMC_EN */
#define ACPI_PM_PCI_PMREGMISC 0x80 /* bit 0 PMIOSE: decode the PM block */

/* The function at 00:01.3 on bus b; `sci` is ISA IRQ 9 (PIC and I/O APIC
 * pin 9). It registers 0xB2/0xB3 and, once the guest enables it through
 * config 0x40/0x80, the PM block. */
struct acpi_pm *acpi_pm_create(struct pci_bus *b, struct irq_line sci);
void acpi_pm_destroy(struct acpi_pm *pm);
struct pci_device *acpi_pm_pci(struct acpi_pm *pm);

/* Press the power button (the API for frontends: closing the SDL window, the
 * monitor's system_powerdown): sets PWRBTN_STS, which raises the SCI when the
 * guest enabled it (PWRBTN_EN and SCI_EN). An ACPI guest then powers itself
 * off through \_S5 and PM1a_CNT (machine_request_poweroff(), exit status 0).
 * A guest without ACPI ignores it, as a real PC without an OS handler would
 * (only a 4-second press forces off; not modelled). */
void acpi_pm_press_power_button(struct acpi_pm *pm);
/* The current PM timer count (24 bits), as the guest would read it. */
uint32_t acpi_pm_timer(struct acpi_pm *pm);
/* True while the SCI line is high (tests). */
bool acpi_pm_sci_level(const struct acpi_pm *pm);

const struct vmstate *acpi_pm_vmstate(void);

#endif
