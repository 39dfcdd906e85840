/* The PIIX4 PM function driven through PCI config and its ports on the
 * virtual clock with no CPU: PMBA/PMIOSE decoding, the PM timer's rate and
 * 24-bit wrap, TMR_STS and its SCI, the power button's SCI gated by
 * PWRBTN_EN and SCI_EN (the SMI_CMD handshake), S5 power-off through
 * PM1a_CNT, and the state round trip. */
#include <check.h>

#include "devices/acpi_pm.h"
#include "devices/pci.h"
#include "devices/vmstate.h"
#include "timers_test_util.h"

#define BASE ACPI_PM_IO_BASE

struct rig {
    struct machine *m;
    struct pci_bus *bus;
    struct acpi_pm *pm;
    struct tu_irq sci;
};

static void rig_init(struct rig *r, bool enable)
{
    memset(r, 0, sizeof *r);
    r->m = tu_machine();
    r->bus = pci_bus_create(r->m);
    ck_assert_ptr_nonnull(r->bus);
    r->pm = acpi_pm_create(r->bus, tu_irq_line(&r->sci, r->m));
    ck_assert_ptr_nonnull(r->pm);
    if (enable) { /* what SeaBIOS's piix4_pm_setup() writes */
        struct pci_device *d = acpi_pm_pci(r->pm);
        pci_config_write(d, ACPI_PM_PCI_PMBA, BASE | 1, 4);
        pci_config_write(d, ACPI_PM_PCI_PMREGMISC, 1, 1);
    }
}

static void rig_free(struct rig *r)
{
    acpi_pm_destroy(r->pm);
    pci_bus_destroy(r->bus);
    machine_destroy(r->m);
}

static uint32_t in(struct rig *r, uint16_t port, int size)
{
    return ioport_read(machine_ioport(r->m), port, size);
}
static void out(struct rig *r, uint16_t port, uint32_t v, int size)
{
    ioport_write(machine_ioport(r->m), port, v, size);
}

/* Through the config mechanism #1 ports, as firmware does it. */
static uint32_t cfg_read(struct rig *r, uint8_t reg)
{
    out(r, 0xcf8, 0x80000000u | ACPI_PM_DEVFN << 8 | reg, 4);
    return in(r, 0xcfc, 4);
}

START_TEST(identity_and_decoding)
{
    struct rig r;
    rig_init(&r, false);
    ck_assert_uint_eq(cfg_read(&r, 0x00), 0x71138086);
    ck_assert_uint_eq(cfg_read(&r, 0x08) >> 8, 0x068000);
    /* PMBA reads with its I/O indicator; nothing decoded before PMIOSE. */
    ck_assert_uint_eq(cfg_read(&r, ACPI_PM_PCI_PMBA), 1);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2), 0xffff);
    /* SeaBIOS must see SMM as set up (DEVACTB bit 25). */
    ck_assert_uint_eq(cfg_read(&r, ACPI_PM_PCI_DEVACTB) & (1u << 25), 1u << 25);
    struct pci_device *d = acpi_pm_pci(r.pm);
    pci_config_write(d, ACPI_PM_PCI_PMBA, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(&r, ACPI_PM_PCI_PMBA), 0xffc1); /* bits 15:6 */
    pci_config_write(d, ACPI_PM_PCI_PMBA, BASE | 1, 4);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2), 0xffff);
    pci_config_write(d, ACPI_PM_PCI_PMREGMISC, 1, 1);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2), 0);
    /* Moving the block frees the old ports. */
    pci_config_write(d, ACPI_PM_PCI_PMBA, 0xb001, 4);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2), 0xffff);
    ck_assert_uint_eq(in(&r, 0xb000 + ACPI_PM1_CNT, 2), 0);
    pci_config_write(d, ACPI_PM_PCI_PMREGMISC, 0, 1);
    ck_assert_uint_eq(in(&r, 0xb000 + ACPI_PM1_CNT, 2), 0xffff);
    rig_free(&r);
}
END_TEST

START_TEST(timer_rate)
{
    struct rig r;
    rig_init(&r, true);
    uint64_t t0 = tu_now(r.m);
    uint32_t c0 = in(&r, BASE + ACPI_PM_TMR, 4);
    ck_assert_uint_eq(c0, acpi_pm_timer(r.pm));
    /* One second of virtual time is 3579545 counts. */
    tu_run_until(r.m, t0 + 1000000000ull);
    uint32_t c1 = in(&r, BASE + ACPI_PM_TMR, 4);
    ck_assert_uint_eq((c1 - c0) & 0xffffff, ACPI_PM_TIMER_HZ % 0x1000000);
    /* 1 ms: 3579 or 3580 counts depending on the phase. */
    tu_run_until(r.m, t0 + 1001000000ull);
    uint32_t c2 = in(&r, BASE + ACPI_PM_TMR, 4);
    ck_assert_uint_ge((c2 - c1) & 0xffffff, 3579);
    ck_assert_uint_le((c2 - c1) & 0xffffff, 3580);
    /* 24 bits: the count wraps after 2^24 ticks (about 4.69 s) and the
     * top byte reads 0. */
    for (int i = 0; i < 12; i++) {
        tu_run_until(r.m, tu_now(r.m) + 700000000ull);
        ck_assert_uint_eq(in(&r, BASE + ACPI_PM_TMR, 4) >> 24, 0);
    }
    /* 16-bit reads of the halves agree with the 32-bit one. */
    uint32_t lo = in(&r, BASE + ACPI_PM_TMR, 2), hi = in(&r, BASE + ACPI_PM_TMR + 2, 2);
    ck_assert_uint_eq(hi << 16 | lo, in(&r, BASE + ACPI_PM_TMR, 4));
    /* The timer is read-only. */
    uint32_t before = in(&r, BASE + ACPI_PM_TMR, 4);
    out(&r, BASE + ACPI_PM_TMR, 0, 4);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM_TMR, 4), before);
    rig_free(&r);
}
END_TEST

START_TEST(timer_carry_sci)
{
    struct rig r;
    rig_init(&r, true);
    out(&r, BASE + ACPI_PM1_STS, 0xffff, 2); /* clear */
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_STS, 2) & ACPI_PM1_TMR, 0);
    out(&r, ACPI_PM_SMI_CMD, ACPI_PM_ACPI_ENABLE, 1);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2) & ACPI_PM1_SCI_EN, ACPI_PM1_SCI_EN);
    out(&r, BASE + ACPI_PM1_EN, ACPI_PM1_TMR, 2);
    ck_assert(!r.sci.level);
    /* Bit 23 toggles every 2^23 counts: the SCI rises exactly then. */
    uint32_t c = acpi_pm_timer(r.pm);
    uint64_t left = 0x800000 - (c & 0x7fffff); /* counts to the next carry */
    uint64_t t_carry = tu_now(r.m) + left * 1000000000ull / ACPI_PM_TIMER_HZ;
    tu_run_until(r.m, t_carry - 1000);
    ck_assert(!r.sci.level);
    tu_run_until(r.m, t_carry + 1000);
    ck_assert(r.sci.level);
    ck_assert_int_eq(r.sci.n, 1);
    ck_assert_uint_le(acpi_pm_timer(r.pm) & 0x7fffff, 4); /* 1 us past the carry */
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_STS, 2) & ACPI_PM1_TMR, ACPI_PM1_TMR);
    /* Write 1 to clear lowers the SCI; the next carry raises it again. */
    out(&r, BASE + ACPI_PM1_STS, ACPI_PM1_TMR, 2);
    ck_assert(!r.sci.level);
    tu_run_until(r.m, t_carry + 2400000000ull);
    ck_assert(r.sci.level);
    /* TMR_STS is set without TMR_EN too, but raises nothing. */
    out(&r, BASE + ACPI_PM1_EN, 0, 2);
    out(&r, BASE + ACPI_PM1_STS, ACPI_PM1_TMR, 2);
    ck_assert(!r.sci.level);
    tu_run_until(r.m, tu_now(r.m) + 2400000000ull);
    ck_assert(!r.sci.level);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_STS, 2) & ACPI_PM1_TMR, ACPI_PM1_TMR);
    rig_free(&r);
}
END_TEST

START_TEST(power_button)
{
    struct rig r;
    rig_init(&r, true);
    /* No ACPI OS yet: the status latches, no SCI. */
    acpi_pm_press_power_button(r.pm);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_STS, 2) & ACPI_PM1_PWRBTN, ACPI_PM1_PWRBTN);
    ck_assert(!r.sci.level);
    out(&r, BASE + ACPI_PM1_STS, ACPI_PM1_PWRBTN, 2);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_STS, 2) & ACPI_PM1_PWRBTN, 0);
    /* Enabled but SCI_EN clear (events would be SMIs): still no SCI. */
    out(&r, BASE + ACPI_PM1_EN, ACPI_PM1_PWRBTN, 2);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_EN, 2), ACPI_PM1_PWRBTN);
    acpi_pm_press_power_button(r.pm);
    ck_assert(!r.sci.level);
    /* The ACPI enable handshake through SMI_CMD raises it at once. */
    out(&r, ACPI_PM_SMI_CMD, ACPI_PM_ACPI_ENABLE, 1);
    ck_assert(r.sci.level);
    ck_assert(acpi_pm_sci_level(r.pm));
    /* Byte-wide write-1-to-clear of the high byte. */
    out(&r, BASE + ACPI_PM1_STS + 1, ACPI_PM1_PWRBTN >> 8, 1);
    ck_assert(!r.sci.level);
    acpi_pm_press_power_button(r.pm);
    ck_assert(r.sci.level);
    /* ACPI disable hands events back to (absent) SMM: the SCI drops. */
    out(&r, ACPI_PM_SMI_CMD, ACPI_PM_ACPI_DISABLE, 1);
    ck_assert(!r.sci.level);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2) & ACPI_PM1_SCI_EN, 0);
    ck_assert_uint_eq(in(&r, ACPI_PM_SMI_CMD, 1), ACPI_PM_ACPI_DISABLE);
    rig_free(&r);
}
END_TEST

START_TEST(sleep_s5_powers_off)
{
    struct rig r;
    rig_init(&r, true);
    ck_assert_int_ne(machine_stop_reason(r.m), MACHINE_STOP_REQUEST);
    /* SLP_TYP alone does nothing; S1 (type 1) is not offered: ignored. */
    out(&r, BASE + ACPI_PM1_CNT, 1 << 10 | ACPI_PM1_SCI_EN, 2);
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2), 1 << 10 | ACPI_PM1_SCI_EN);
    out(&r, BASE + ACPI_PM1_CNT, 1 << 10 | ACPI_PM1_SLP_EN | ACPI_PM1_SCI_EN, 2);
    ck_assert_int_ne(machine_stop_reason(r.m), MACHINE_STOP_REQUEST);
    /* SLP_EN reads back 0. */
    ck_assert_uint_eq(in(&r, BASE + ACPI_PM1_CNT, 2) & ACPI_PM1_SLP_EN, 0);
    /* S5: SLP_TYP 0 with SLP_EN, as Linux writes it (one 16-bit write). */
    out(&r, BASE + ACPI_PM1_CNT, ACPI_SLP_TYP_S5 << 10 | ACPI_PM1_SLP_EN | ACPI_PM1_SCI_EN, 2);
    ck_assert_int_eq(machine_stop_reason(r.m), MACHINE_STOP_REQUEST);
    rig_free(&r);
}
END_TEST

START_TEST(sleep_s5_byte_write)
{
    struct rig r;
    rig_init(&r, true);
    out(&r, BASE + ACPI_PM1_CNT + 1, ACPI_PM1_SLP_EN >> 8, 1);
    ck_assert_int_eq(machine_stop_reason(r.m), MACHINE_STOP_REQUEST);
    rig_free(&r);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_init(&a, true);
    rig_init(&b, true);
    out(&a, ACPI_PM_SMI_CMD, ACPI_PM_ACPI_ENABLE, 1);
    out(&a, ACPI_PM_SMI_CMD + 1, 0x5a, 1);
    out(&a, BASE + ACPI_PM1_EN, ACPI_PM1_PWRBTN | ACPI_PM1_TMR, 2);
    out(&a, BASE + ACPI_GPE0_EN, 0x0102, 2);
    acpi_pm_press_power_button(a.pm);
    ck_assert(a.sci.level);
    uint8_t buf[256];
    size_t n = vmstate_save(acpi_pm_vmstate(), a.pm, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(acpi_pm_vmstate(), b.pm, buf, n), 0);
    /* post_load re-drives the SCI and re-arms the carry timer. */
    ck_assert(b.sci.level);
    ck_assert_uint_eq(in(&b, BASE + ACPI_PM1_EN, 2), ACPI_PM1_PWRBTN | ACPI_PM1_TMR);
    ck_assert_uint_eq(in(&b, BASE + ACPI_PM1_CNT, 2), ACPI_PM1_SCI_EN);
    ck_assert_uint_eq(in(&b, BASE + ACPI_GPE0_EN, 2), 0x0102);
    ck_assert_uint_eq(in(&b, ACPI_PM_SMI_CMD + 1, 1), 0x5a);
    ck_assert_uint_eq(in(&b, BASE + ACPI_PM1_STS, 2) & ACPI_PM1_PWRBTN, ACPI_PM1_PWRBTN);
    ck_assert_uint_ne(vclock_next_deadline(machine_vclock(b.m)), UINT64_MAX);
    rig_free(&a);
    rig_free(&b);
}
END_TEST

static Suite *acpi_pm_suite(void)
{
    Suite *s = suite_create("acpi_pm");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, identity_and_decoding);
    tcase_add_test(tc, timer_rate);
    tcase_add_test(tc, timer_carry_sci);
    tcase_add_test(tc, power_button);
    tcase_add_test(tc, sleep_s5_powers_off);
    tcase_add_test(tc, sleep_s5_byte_write);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(acpi_pm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
