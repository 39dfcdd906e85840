/* Hardware task switches (CALL/JMP/INT/IRET, 32- and 16-bit TSS, busy bits,
 * NT and back-link, faults in the new task) and the I/O permission bitmap. */
#include "test_prot_harness.h"

static struct pt *t;
static void setup(void) { t = pt_create(); }
static void teardown(void) { pt_destroy(t); }

/* TSS B: a ring-0 task at 0x08:0x50000 with its own registers, DS in the LDT. */
static void make_tss_b(void)
{
    uint32_t b = PT_TSS_B;
    pt_wr(t, b + 0x20, 0x50000, 4);
    pt_wr(t, b + 0x24, EF_FIXED1 | EF_CF, 4);
    for (int i = 0; i < 8; i++)
        pt_wr(t, b + 0x28 + 4 * i, 0xb0 + i, 4);
    pt_wr(t, b + 0x38, 0x6000, 4); /* ESP */
    uint16_t segs[6] = {PT_DS0, PT_CS0, PT_DS0, 0x0c /* LDT entry 1 */, 0, PT_DS0};
    for (int i = 0; i < 6; i++)
        pt_wr(t, b + 0x48 + 4 * i, segs[i], 4);
    pt_wr(t, b + 0x60, PT_LDTSEL, 2);
    memmap_write(t->mem, PT_LDT + 8, pt_desc(0x77000, 0xfff, PT_DATA32 & ~DESC_G), 8);
}

START_TEST(call_task_and_iret_back)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    make_tss_b();
    cpu->eip = 0x10007;
    cpu->gpr[R_EAX] = 0x1111;
    cpu->gpr[R_ESP] = 0x8000;
    cpu->cr0 &= ~CR0_TS;
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSA), 11);
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSB), 9);

    ck_assert_int_eq(PT_TRY(t, cpu_far_call(cpu, PT_TSSB, 0, 4)), PT_OK);
    /* in task B */
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, PT_TSSB);
    ck_assert_uint_eq(cpu->eip, 0x50000);
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0xb0);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x6000);
    ck_assert(cpu->eflags & EF_NT);
    ck_assert(cpu_get_eflags(cpu) & EF_CF);
    ck_assert(cpu->cr0 & CR0_TS);
    ck_assert_uint_eq(cpu->seg[SEG_LDTR].base, PT_LDT);
    ck_assert_uint_eq(cpu->seg[SEG_DS].base, 0x77000);
    ck_assert(!(cpu->seg[SEG_FS].flags & DESC_P)); /* null FS */
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSB), 11); /* busy */
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSA), 11); /* still busy (nested) */
    ck_assert_uint_eq(pt_rd(t, PT_TSS_B, 2), PT_TSSA); /* back-link */
    /* old state saved in TSS A */
    ck_assert_uint_eq(pt_rd(t, PT_TSS_A + 0x20, 4), 0x10007);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_A + 0x28, 4), 0x1111);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_A + 0x38, 4), 0x8000);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_A + 0x4c, 2), PT_CS0);

    /* JMP to a busy TSS: #GP(sel) */
    PT_FAULT(t, cpu_far_jmp(cpu, PT_TSSA, 0, 4), EXC_GP, PT_TSSA);

    cpu->gpr[R_EAX] = 0x2222;
    cpu->eip = 0x50009;
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    /* back in task A */
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, PT_TSSA);
    ck_assert_uint_eq(cpu->eip, 0x10007);
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x1111);
    ck_assert(!(cpu->eflags & EF_NT));
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSB), 9); /* not busy any more */
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSA), 11);
    /* task B's saved state, with NT cleared by IRET */
    ck_assert_uint_eq(pt_rd(t, PT_TSS_B + 0x20, 4), 0x50009);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_B + 0x28, 4), 0x2222);
    ck_assert(!(pt_rd(t, PT_TSS_B + 0x24, 4) & EF_NT));
}
END_TEST

START_TEST(jmp_task_clears_busy_and_no_link)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    make_tss_b();
    pt_wr(t, PT_TSS_B, 0x1234, 2);
    pt_wr(t, PT_TSS_B + 0x64, 1, 2); /* T bit */
    cpu->pending_dr6 = 0;
    ck_assert_int_eq(PT_TRY(t, cpu_far_jmp(cpu, PT_TSSB, 0, 4)), PT_OK);
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSA), 9);
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSB), 11);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_B, 2), 0x1234); /* link untouched */
    ck_assert(!(cpu->eflags & EF_NT));
    ck_assert(cpu->pending_dr6 & 0x8000); /* DR6.BT owed */
}
END_TEST

START_TEST(task_gate_and_checks)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    make_tss_b();
    /* TSS of DPL 0 from CPL 3: #GP(sel) */
    PT_FAULT(t, cpu_far_call(cpu, PT_TSSB | 3, 0, 4), EXC_GP, PT_TSSB);
    /* task gate of DPL 3 to it: allowed */
    pt_gdt(t, PT_FREE, pt_gate(PT_TSSB, 0, 5, 3, 0));
    ck_assert_int_eq(PT_TRY(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, PT_TSSB);
    ck_assert_int_eq(cpu->cpl, 0);
    /* task gate to a busy TSS */
    PT_FAULT(t, cpu_far_jmp(cpu, PT_FREE, 0, 4), EXC_GP, PT_TSSB);
    /* TSS limit below 0x67: #TS(sel) */
    pt_gdt(t, PT_FREE + 8, pt_desc(PT_TSS_B + 0x200, 0x60, DESC_P | 0x9));
    PT_FAULT(t, cpu_far_jmp(cpu, PT_FREE + 8, 0, 4), EXC_TS, PT_FREE + 8);
    /* not present TSS: #NP(sel) */
    pt_gdt(t, PT_FREE + 8, pt_desc(PT_TSS_B + 0x200, 0x67, 0x9));
    PT_FAULT(t, cpu_far_jmp(cpu, PT_FREE + 8, 0, 4), EXC_NP, PT_FREE + 8);
}
END_TEST

/* A bad CS in the new TSS faults after the commit point: the #TS is
 * reported in the new task's context. */
START_TEST(fault_in_new_task_context)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    make_tss_b();
    pt_wr(t, PT_TSS_B + 0x4c, PT_DS0, 2); /* CS = a data segment */
    PT_FAULT(t, cpu_far_jmp(cpu, PT_TSSB, 0, 4), EXC_TS, PT_DS0);
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, PT_TSSB);
    ck_assert_uint_eq(cpu->eip, 0x50000);
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0xb0);
    ck_assert_int_eq(pt_gdt_type(t, PT_TSSA), 9);
    /* not-present SS in the new task: #SS(sel) */
    pt_pmode(t, 0);
    pt_gdt(t, PT_TSSB, pt_desc(PT_TSS_B, 0x67, DESC_P | 0x9));
    make_tss_b();
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_DATA32 & ~DESC_P));
    pt_wr(t, PT_TSS_B + 0x50, PT_FREE, 2);
    PT_FAULT(t, cpu_far_jmp(cpu, PT_TSSB, 0, 4), EXC_SS, PT_FREE);
}
END_TEST

/* An exception through a task gate pushes its error code in the new task. */
START_TEST(exception_through_task_gate)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    make_tss_b();
    pt_idt(t, EXC_GP, pt_gate(PT_TSSB, 0, 5, 0, 0));
    cpu->eip = 0x10000;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, EXC_GP, INTR_EXCEPTION, true, 0x55)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, PT_TSSB);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x6000 - 4);
    ck_assert_uint_eq(pt_rd(t, 0x6000 - 4, 4), 0x55);
    ck_assert(cpu->eflags & EF_NT);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_B, 2), PT_TSSA);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_A + 0x20, 4), 0x10000);
    ck_assert_uint_eq(pt_rd(t, PT_TSS_A + 0x4c, 2), PT_CS3);
}
END_TEST

START_TEST(tss16_switch)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    uint32_t b = PT_TSS16;
    pt_wr(t, b + 14, 0x1234, 2); /* IP */
    pt_wr(t, b + 16, EF_FIXED1 | EF_ZF, 2);
    for (int i = 0; i < 8; i++)
        pt_wr(t, b + 18 + 2 * i, 0x100 + i, 2);
    pt_wr(t, b + 34, PT_DS0, 2);
    pt_wr(t, b + 36, PT_CS0, 2);
    pt_wr(t, b + 38, PT_DS0, 2);
    pt_wr(t, b + 40, PT_DS0, 2);
    pt_wr(t, b + 42, 0, 2);
    ck_assert_int_eq(PT_TRY(t, cpu_far_call(cpu, PT_TSS16SEL, 0, 4)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x1234);
    ck_assert_uint_eq(cpu->gpr[R_ECX], 0xffff0101);
    ck_assert_int_eq(pt_gdt_type(t, PT_TSS16SEL), 3);
    ck_assert(cpu_get_eflags(cpu) & EF_ZF);
    ck_assert(cpu->eflags & EF_NT);
    ck_assert_uint_eq(pt_rd(t, b, 2), PT_TSSA);
    /* and back to the 32-bit task through IRET */
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, PT_TSSA);
    ck_assert_uint_eq(pt_rd(t, b + 14, 2), 0x1234);
    ck_assert_int_eq(pt_gdt_type(t, PT_TSS16SEL), 1);
}
END_TEST

START_TEST(io_bitmap)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_wr(t, PT_TSS_A + 0x88 + 0x11 / 8, 1 << (0x11 & 7), 1);
    ck_assert_int_eq(PT_TRY(t, cpu_check_io(cpu, 0x10, 1)), PT_OK);
    PT_FAULT(t, cpu_check_io(cpu, 0x11, 1), EXC_GP, 0);
    PT_FAULT(t, cpu_check_io(cpu, 0x10, 2), EXC_GP, 0); /* every byte counts */
    PT_FAULT(t, cpu_check_io(cpu, 0x0e, 4), EXC_GP, 0);
    ck_assert_int_eq(PT_TRY(t, cpu_check_io(cpu, 0x12, 4)), PT_OK);
    /* bits straddling a bitmap byte: port 0x4f..0x50 */
    pt_wr(t, PT_TSS_A + 0x88 + 0x50 / 8, 1, 1);
    PT_FAULT(t, cpu_check_io(cpu, 0x4f, 2), EXC_GP, 0);
    /* the last byte inside the limit, and the first one beyond it */
    ck_assert_int_eq(PT_TRY(t, cpu_check_io(cpu, 0x3ff, 1)), PT_OK);
    PT_FAULT(t, cpu_check_io(cpu, 0x400, 1), EXC_GP, 0);
    /* CPL <= IOPL: no bitmap check */
    cpu->eflags |= EF_IOPL;
    ck_assert_int_eq(PT_TRY(t, cpu_check_io(cpu, 0x11, 1)), PT_OK);
    /* V86 mode always checks, even with IOPL 3 */
    cpu->eflags |= EF_VM;
    PT_FAULT(t, cpu_check_io(cpu, 0x11, 1), EXC_GP, 0);
    /* a 16-bit TSS has no bitmap: denied */
    cpu->eflags &= ~(EF_VM | EF_IOPL);
    pt_seg(t, SEG_TR, PT_TSS16SEL);
    PT_FAULT(t, cpu_check_io(cpu, 0x10, 1), EXC_GP, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prot_task");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, call_task_and_iret_back);
    tcase_add_test(tc, jmp_task_clears_busy_and_no_link);
    tcase_add_test(tc, task_gate_and_checks);
    tcase_add_test(tc, fault_in_new_task_context);
    tcase_add_test(tc, exception_through_task_gate);
    tcase_add_test(tc, tss16_switch);
    tcase_add_test(tc, io_bitmap);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
