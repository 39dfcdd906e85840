/* PIIX4 power management function (82371AB datasheet 290562, sections 3.3
 * and 7.2; ACPI 2.0 section 4.7): PM1a event/control, the PM timer on the
 * virtual clock, GPE0, APM/SMI command ports and the SCI. */
#include "devices/acpi_pm.h"

#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/pci.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

#define NS_PER_S 1000000000ull

struct acpi_pm {
    struct machine *m;
    struct pci_device *dev;
    struct irq_line sci;
    struct vtimer *tmr_timer; /* fires at the next TMR_STS carry while TMR_EN */
    uint16_t io_base;         /* decoded PM block, 0 = none (derived from config) */
    bool sci_level;           /* what the SCI line carries now (derived) */
    bool logged_slp;          /* -d unimp: unsupported sleep type reported */
    /* State. */
    uint16_t pm1_sts;    /* PM1a status (TMR, PWRBTN, ...) */
    uint16_t pm1_en;     /* PM1a enable */
    uint16_t pm1_cnt;    /* PM1a control (SCI_EN, SLP_TYP) */
    uint16_t gpe_en;     /* GPE0 enable (no sources: status is always 0) */
    uint8_t apmc;        /* 0xB2 APM control (the last SMI command) */
    uint8_t apms;        /* 0xB3 APM status (scratch) */
    uint64_t tmr_period; /* timer count >> 23 when TMR_STS was last brought up to date */
};

/* --- the PM timer: 3.579545 MHz from the virtual clock, 24 bits --- */

static uint64_t pm_ticks(struct acpi_pm *pm)
{
    uint64_t ns = vclock_now(machine_vclock(pm->m));
    /* Split so that ns * 3579545 cannot overflow. */
    return ns / NS_PER_S * ACPI_PM_TIMER_HZ + ns % NS_PER_S * ACPI_PM_TIMER_HZ / NS_PER_S;
}

/* The first virtual time at which the count reaches `ticks`. */
static uint64_t pm_ticks_to_ns(uint64_t ticks)
{
    uint64_t s = ticks / ACPI_PM_TIMER_HZ, r = ticks % ACPI_PM_TIMER_HZ;
    return s * NS_PER_S + (r * NS_PER_S + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

uint32_t acpi_pm_timer(struct acpi_pm *pm)
{
    return (uint32_t)(pm_ticks(pm) & 0xffffff);
}

/* TMR_STS is set whenever bit 23 of the count toggles (ACPI 2.0 4.7.2.1),
 * whether or not TMR_EN is set; the timer is armed only to raise the SCI. */
static void pm_update_sci(struct acpi_pm *pm);

static void pm_update_tmr(struct acpi_pm *pm)
{
    uint64_t period = pm_ticks(pm) >> 23;
    if (period != pm->tmr_period) {
        pm->pm1_sts |= ACPI_PM1_TMR;
        pm->tmr_period = period;
    }
    if (pm->pm1_en & ACPI_PM1_TMR)
        vtimer_mod(pm->tmr_timer, pm_ticks_to_ns((period + 1) << 23));
    else
        vtimer_del(pm->tmr_timer);
}

static void pm_tmr_fire(void *opaque)
{
    struct acpi_pm *pm = opaque;
    pm_update_tmr(pm);
    pm_update_sci(pm);
}

/* --- SCI --- */

/* The SCI is a level: any enabled PM1 or GPE0 event while SCI_EN routes
 * events to the OS (with SCI_EN clear they would be SMIs, which this
 * board does not have). */
static void pm_update_sci(struct acpi_pm *pm)
{
    bool level =
        (pm->pm1_cnt & ACPI_PM1_SCI_EN) &&
        (pm->pm1_sts & pm->pm1_en & (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_RTC));
    if (level != pm->sci_level) {
        pm->sci_level = level;
        irq_set(&pm->sci, level);
    }
}

bool acpi_pm_sci_level(const struct acpi_pm *pm)
{
    return pm->sci_level;
}

void acpi_pm_press_power_button(struct acpi_pm *pm)
{
    pm->pm1_sts |= ACPI_PM1_PWRBTN;
    pm_update_sci(pm);
}

/* --- the PM I/O block --- */

static uint8_t pm_byte(struct acpi_pm *pm, uint32_t off, uint32_t tmr)
{
    uint16_t w;
    switch (off & ~1u) {
    case ACPI_PM1_STS: w = pm->pm1_sts; break;
    case ACPI_PM1_EN: w = pm->pm1_en; break;
    case ACPI_PM1_CNT: w = pm->pm1_cnt & ~ACPI_PM1_SLP_EN; break; /* SLP_EN reads 0 */
    case ACPI_PM_TMR: w = (uint16_t)tmr; break;
    case ACPI_PM_TMR + 2: w = (uint16_t)(tmr >> 16); break;
    case ACPI_GPE0_EN: w = pm->gpe_en; break;
    default: w = 0; /* GPE0 status, unused registers */
    }
    return (uint8_t)(w >> (8 * (off & 1)));
}

static uint32_t pm_io_read(void *opaque, uint32_t offset, int size)
{
    struct acpi_pm *pm = opaque;
    pm_update_tmr(pm);
    pm_update_sci(pm);
    uint32_t tmr = acpi_pm_timer(pm), v = 0; /* one sample per access */
    for (int i = 0; i < size; i++)
        v |= (uint32_t)pm_byte(pm, offset + i, tmr) << (8 * i);
    return v;
}

static void pm_sleep(struct acpi_pm *pm)
{
    int typ = (pm->pm1_cnt & ACPI_PM1_SLP_TYP) >> 10;
    pm->pm1_cnt &= ~ACPI_PM1_SLP_EN;
    if (typ == ACPI_SLP_TYP_S5) {
        machine_request_poweroff(pm->m);
        return;
    }
    /* S1-S4 are not offered by the DSDT. */
    if (!pm->logged_slp) {
        pm->logged_slp = true;
        machine_log(pm->m, CPU_LOG_UNIMP, "unimp", "acpi_pm: sleep type %d not supported\n", typ);
    }
}

static void pm_write_byte(struct acpi_pm *pm, uint32_t off, uint8_t v)
{
    int sh = 8 * (off & 1);
    uint16_t mask = (uint16_t)(0xff << sh), val = (uint16_t)(v << sh);
    switch (off & ~1u) {
    case ACPI_PM1_STS:
        pm->pm1_sts &= ~val; /* write 1 to clear */
        break;
    case ACPI_PM1_EN:
        pm->pm1_en = (pm->pm1_en & ~mask) |
                     (val & (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_RTC));
        break;
    case ACPI_PM1_CNT: pm->pm1_cnt = (pm->pm1_cnt & ~mask) | (val & 0x3c07); break;
    case ACPI_GPE0_EN: pm->gpe_en = (pm->gpe_en & ~mask) | val; break;
    default: /* timer and GPE0 status: read-only / nothing to clear */ break;
    }
}

static void pm_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct acpi_pm *pm = opaque;
    pm_update_tmr(pm);
    for (int i = 0; i < size; i++)
        pm_write_byte(pm, offset + i, (uint8_t)(value >> (8 * i)));
    if (pm->pm1_cnt & ACPI_PM1_SLP_EN)
        pm_sleep(pm);
    pm_update_tmr(pm); /* TMR_EN may have changed */
    pm_update_sci(pm);
}

static const struct io_ops pm_io_ops = {pm_io_read, pm_io_write, 0};

/* PMBA (0x40) and PMIOSE (0x80 bit 0) decide where the block is decoded
 * (290562 3.3.1, 3.3.13). */
static void pm_remap(struct acpi_pm *pm)
{
    const uint8_t *cfg = pci_config(pm->dev);
    uint16_t base = 0;
    if (cfg[ACPI_PM_PCI_PMREGMISC] & 1)
        base = (uint16_t)((cfg[ACPI_PM_PCI_PMBA] | cfg[ACPI_PM_PCI_PMBA + 1] << 8) & 0xffc0);
    if (base == pm->io_base)
        return;
    struct ioport_map *io = machine_ioport(pm->m);
    if (pm->io_base)
        ioport_unregister(io, pm->io_base, ACPI_PM_IO_LEN, pm);
    pm->io_base = base;
    if (base)
        ioport_register(io, base, ACPI_PM_IO_LEN, &pm_io_ops, pm);
}

static void pm_config_write(void *opaque, struct pci_device *d, uint32_t addr, uint32_t value,
                            int size)
{
    (void)d, (void)value;
    if ((addr < ACPI_PM_PCI_PMBA + 4 && addr + size > ACPI_PM_PCI_PMBA) ||
        (addr <= ACPI_PM_PCI_PMREGMISC && addr + size > ACPI_PM_PCI_PMREGMISC))
        pm_remap(opaque);
}

/* --- APM control/status, 0xB2/0xB3 --- */

static uint32_t apm_read(void *opaque, uint32_t offset, int size)
{
    struct acpi_pm *pm = opaque;
    (void)size;
    return offset ? pm->apms : pm->apmc;
}

/* The FADT names 0xB2 as SMI_CMD: writing ACPI_ENABLE hands the events to
 * the OS (SCI_EN), ACPI_DISABLE takes them back (ACPI 2.0 4.7.2.5); on real
 * hardware the SMI handler flips the bit, here the port does it. */
static void apm_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct acpi_pm *pm = opaque;
    (void)size;
    if (offset) {
        pm->apms = (uint8_t)value;
        return;
    }
    pm->apmc = (uint8_t)value;
    if (pm->apmc == ACPI_PM_ACPI_ENABLE)
        pm->pm1_cnt |= ACPI_PM1_SCI_EN;
    else if (pm->apmc == ACPI_PM_ACPI_DISABLE)
        pm->pm1_cnt &= ~ACPI_PM1_SCI_EN;
    pm_update_sci(pm);
}

static const struct io_ops apm_ops = {apm_read, apm_write, 1};

/* --- lifecycle --- */

static const struct vmstate_field acpi_pm_fields[] = {
    VMSTATE_FIELD(struct acpi_pm, pm1_sts, 1),    VMSTATE_FIELD(struct acpi_pm, pm1_en, 1),
    VMSTATE_FIELD(struct acpi_pm, pm1_cnt, 1),    VMSTATE_FIELD(struct acpi_pm, gpe_en, 1),
    VMSTATE_FIELD(struct acpi_pm, apmc, 1),       VMSTATE_FIELD(struct acpi_pm, apms, 1),
    VMSTATE_FIELD(struct acpi_pm, tmr_period, 1),
};

static int acpi_pm_post_load(void *opaque)
{
    struct acpi_pm *pm = opaque;
    pm_remap(pm); /* the PCI config space is restored with the function */
    pm_update_tmr(pm);
    pm_update_sci(pm);
    return 0;
}

static const struct vmstate acpi_pm_vs =
    VMSTATE_DESC("acpi_pm", 1, acpi_pm_fields, acpi_pm_post_load);

const struct vmstate *acpi_pm_vmstate(void)
{
    return &acpi_pm_vs;
}

static void acpi_pm_reset(void *opaque)
{
    struct acpi_pm *pm = opaque;
    uint8_t *cfg = pci_config(pm->dev);
    for (int a = 0x40; a < 0x100; a++)
        cfg[a] = 0;
    cfg[ACPI_PM_PCI_PMBA] = 0x01; /* I/O space indicator */
    /* DEVACTB bit 25 (APMC_EN) set: SeaBIOS then takes SMM as already set
     * up and never waits for an SMI this board cannot deliver (QEMU does the
     * same when SMM is off). */
    cfg[ACPI_PM_PCI_DEVACTB + 3] = 0x02;
    pm->pm1_sts = pm->pm1_en = pm->pm1_cnt = pm->gpe_en = 0;
    pm->apmc = pm->apms = 0;
    pm->tmr_period = pm_ticks(pm) >> 23;
    pm_remap(pm);
    pm_update_tmr(pm);
    pm_update_sci(pm);
}

struct acpi_pm *acpi_pm_create(struct pci_bus *b, struct irq_line sci)
{
    struct acpi_pm *pm = calloc(1, sizeof *pm);
    if (!pm)
        return NULL;
    pm->m = pci_bus_machine(b);
    pm->sci = sci;
    pm->dev = pci_device_create(b, ACPI_PM_DEVFN, 0x8086, 0x7113, 0x03, 0x068000, "piix4-pm");
    pm->tmr_timer = vtimer_create(machine_vclock(pm->m), pm_tmr_fire, pm);
    if (!pm->dev || !pm->tmr_timer) {
        if (pm->tmr_timer)
            vtimer_destroy(pm->tmr_timer);
        free(pm);
        return NULL;
    }
    uint8_t *wm = pci_wmask(pm->dev);
    pci_set_interrupt_pin(pm->dev, 1); /* as QEMU; the SCI itself is wired to IRQ 9 */
    /* Device-specific registers are storage (SMBus base 0x90, 0xD2 ...),
     * except PMBA (bits 15:6) and PMREGMISC (bit 0). */
    for (int a = 0x40; a < 0x100; a++)
        wm[a] = 0xff;
    wm[ACPI_PM_PCI_PMBA] = 0xc0;
    wm[ACPI_PM_PCI_PMBA + 2] = wm[ACPI_PM_PCI_PMBA + 3] = 0;
    wm[ACPI_PM_PCI_PMREGMISC] = 0x01;
    struct pci_config_hooks hooks = {.write = pm_config_write, .opaque = pm};
    pci_set_config_hooks(pm->dev, &hooks);
    ioport_register(machine_ioport(pm->m), ACPI_PM_SMI_CMD, 2, &apm_ops, pm);
    machine_register_state(pm->m, &acpi_pm_vs, pm);
    machine_register_reset(pm->m, acpi_pm_reset, pm);
    acpi_pm_reset(pm);
    return pm;
}

void acpi_pm_destroy(struct acpi_pm *pm)
{
    if (!pm)
        return;
    vtimer_destroy(pm->tmr_timer);
    free(pm);
}

struct pci_device *acpi_pm_pci(struct acpi_pm *pm)
{
    return pm->dev;
}
