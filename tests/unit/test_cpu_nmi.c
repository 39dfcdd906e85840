/* NMI at the CPU (cpu/exec.c, cpu/iret.c): delivered through vector 2 even
 * with IF = 0, then blocked until the next IRET, a second NMI meanwhile held
 * pending and delivered right after that IRET (SDM Vol. 3A 6.7.1). */
#include "test_prot_harness.h"

/* 0x10000: inc dword [0x31000] ; jmp 0x10000 */
static const uint8_t code_main[] = {0xff, 0x05, 0x00, 0x10, 0x03, 0x00, 0xeb, 0xf8};
/* 0x10300: inc dword [0x31004] ; mov ecx, 20 ; loop $ ; iret */
static const uint8_t code_nmi[] = {0xff, 0x05, 0x04, 0x10, 0x03, 0x00, 0xb9,
                                   0x14, 0x00, 0x00, 0x00, 0xe2, 0xfe, 0xcf};

static uint32_t nmis(struct pt *t)
{
    return pt_rd(t, 0x31004, 4);
}

START_TEST(nmi_ignores_if_and_blocks_until_iret)
{
    struct pt *t = pt_create();
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    memcpy(t->ram + 0x10000, code_main, sizeof code_main);
    memcpy(t->ram + 0x10300, code_nmi, sizeof code_nmi);
    pt_idt(t, EXC_NMI, pt_gate(PT_CS0, 0x10300, 14, 0, 0));
    cpu_set_eflags(cpu, EF_FIXED1, 0xffffffffu); /* IF = 0 */
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(nmis(t), 0);

    cpu_raise_nmi(cpu);
    ck_assert_int_eq(cpu_run(cpu, 2), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(nmis(t), 1);
    ck_assert_uint_ge(cpu->eip, 0x10300); /* inside the handler */
    ck_assert_uint_lt(cpu->eip, 0x10300 + sizeof code_nmi);
    uint32_t ret = pt_rd(t, (uint32_t)cpu->gpr[R_ESP], 4);
    ck_assert(ret == 0x10000 || ret == 0x10006); /* the interrupted loop */

    /* A second NMI inside the handler waits for its IRET. */
    cpu_raise_nmi(cpu);
    ck_assert_int_eq(cpu_run(cpu, 8), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(nmis(t), 1);
    ck_assert(cpu->nmi_pending);
    ck_assert_int_eq(cpu_run(cpu, 40), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(nmis(t), 2);
    ck_assert(!cpu->nmi_pending);

    /* Nothing more pending: the main loop runs on. */
    ck_assert_int_eq(cpu_run(cpu, 200), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(nmis(t), 2);
    ck_assert_uint_gt(pt_rd(t, 0x31000, 4), 10);
    ck_assert(!cpu->nmi_blocked);
    pt_destroy(t);
}
END_TEST

/* HLT with IF = 0 still wakes up for an NMI. */
START_TEST(nmi_wakes_hlt_with_if_clear)
{
    static const uint8_t code_hlt[] = {0xf4, 0xeb, 0xfd}; /* hlt ; jmp hlt */
    struct pt *t = pt_create();
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    memcpy(t->ram + 0x10000, code_hlt, sizeof code_hlt);
    memcpy(t->ram + 0x10300, code_nmi, sizeof code_nmi);
    pt_idt(t, EXC_NMI, pt_gate(PT_CS0, 0x10300, 14, 0, 0));
    cpu_set_eflags(cpu, EF_FIXED1, 0xffffffffu);
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    cpu_raise_nmi(cpu);
    ck_assert_int_eq(cpu_run(cpu, 100), CPU_EXIT_HALT);
    ck_assert_uint_eq(nmis(t), 1);
    ck_assert_uint_eq(cpu->eip, 0x10001); /* halted again after the IRET */
    pt_destroy(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cpu_nmi");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, nmi_ignores_if_and_blocks_until_iret);
    tcase_add_test(tc, nmi_wakes_hlt_with_if_clear);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
