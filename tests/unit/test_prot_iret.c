/* IRET and far RET fault cases with their error codes, the nested-task
 * return with a bad back-link, expand-down stacks and 16-bit stack frames. */
#include "test_prot_harness.h"

static struct pt *t;
static void setup(void) { t = pt_create(); }
static void teardown(void) { pt_destroy(t); }

/* Put an IRET/RETF frame of dwords at ESP = 0x8000 (ring 0 test stack). */
static void frame(const uint32_t *v, int n)
{
    t->cpu->gpr[R_ESP] = 0x8000;
    for (int i = 0; i < n; i++)
        pt_wr(t, 0x8000 + 4 * i, v[i], 4);
}

START_TEST(iret_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    uint32_t fl = EF_FIXED1;
    /* null CS */
    frame((uint32_t[]){0x100, 0, fl}, 3);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_GP, 0);
    /* CS is a data segment */
    frame((uint32_t[]){0x100, PT_DS0, fl}, 3);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_GP, PT_DS0);
    /* CS beyond the GDT */
    frame((uint32_t[]){0x100, 0x7f00, fl}, 3);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_GP, 0x7f00);
    /* non-conforming CS with DPL != RPL */
    frame((uint32_t[]){0x100, PT_CS0 | 3, fl}, 3);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_GP, PT_CS0);
    /* CS not present */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_CODE32 & ~DESC_P));
    frame((uint32_t[]){0x100, PT_FREE, fl}, 3);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_NP, PT_FREE);
    /* outer return: SS null, SS RPL mismatch, SS not present */
    frame((uint32_t[]){0x100, PT_CS3, fl, 0x9000, 0}, 5);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_GP, 0);
    frame((uint32_t[]){0x100, PT_CS3, fl, 0x9000, PT_DS3 & ~3}, 5);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_GP, PT_DS3 & ~3);
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, (PT_DATA32 & ~DESC_P) | PT_DPL(3)));
    frame((uint32_t[]){0x100, PT_CS3, fl, 0x9000, PT_FREE | 3}, 5);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_SS, PT_FREE);
    /* frame beyond the stack limit: #SS(0) */
    frame((uint32_t[]){0x100, PT_CS3, fl, 0x9000, PT_DS3}, 5);
    cpu->seg[SEG_SS].limit = 0x800f;
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_SS, 0);
    /* nothing changed through all that */
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_CS0);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x8000);
    /* with the limit back, the same frame returns to ring 3 */
    cpu->seg[SEG_SS].limit = 0xffffffff;
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert_int_eq(cpu->cpl, 3);
}
END_TEST

/* IRET from ring 0 to ring 3 nulls data segment registers ring 3 may not use. */
START_TEST(iret_outer_nulls_segments)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_seg(t, SEG_FS, PT_DS3);
    pt_seg(t, SEG_GS, PT_CS0C); /* conforming code stays */
    frame((uint32_t[]){0x100, PT_CS3, EF_FIXED1 | EF_IOPL, 0x9000, PT_DS3}, 5);
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, 0);
    ck_assert_uint_eq(cpu->seg[SEG_ES].sel, 0);
    ck_assert_uint_eq(cpu->seg[SEG_FS].sel, PT_DS3);
    ck_assert_uint_eq(cpu->seg[SEG_GS].sel, PT_CS0C);
    ck_assert_int_eq(cpu_iopl(cpu), 3); /* CPL 0 may change IOPL */
}
END_TEST

START_TEST(iret_task_bad_link)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    cpu->eflags |= EF_NT;
    pt_wr(t, PT_TSS_A, PT_TSSB, 2); /* link to an available (not busy) TSS */
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_TS, PT_TSSB);
    pt_wr(t, PT_TSS_A, PT_DS0, 2); /* not a TSS */
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_TS, PT_DS0);
    pt_wr(t, PT_TSS_A, 0x0c, 2); /* in the LDT */
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_TS, 0x0c);
    pt_gdt(t, PT_FREE, pt_desc(PT_TSS_B, 0x67, 0xb)); /* busy, not present */
    pt_wr(t, PT_TSS_A, PT_FREE, 2);
    PT_FAULT(t, cpu_iret(cpu, 4), EXC_NP, PT_FREE);
}
END_TEST

START_TEST(retf_outer_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    /* SS not present */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, (PT_DATA32 & ~DESC_P) | PT_DPL(3)));
    frame((uint32_t[]){0x100, PT_CS3, 0x9000, PT_FREE | 3}, 4);
    PT_FAULT(t, cpu_far_ret(cpu, 4, 0), EXC_SS, PT_FREE);
    /* SS read-only */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, (PT_DATA32 & ~2) | PT_DPL(3)));
    PT_FAULT(t, cpu_far_ret(cpu, 4, 0), EXC_GP, PT_FREE);
    /* the outer ESP/SS pair past the stack limit: #SS(0) */
    cpu->seg[SEG_SS].limit = 0x8009;
    PT_FAULT(t, cpu_far_ret(cpu, 4, 0), EXC_SS, 0);
    cpu->seg[SEG_SS].limit = 0xffffffff;
    /* EIP beyond the new CS limit: #GP(0) */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xff, PT_CODE32 & ~DESC_G));
    frame((uint32_t[]){0x100, PT_FREE}, 2);
    PT_FAULT(t, cpu_far_ret(cpu, 4, 0), EXC_GP, 0);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x8000);
}
END_TEST

/* Pushes on an expand-down stack: valid offsets are above the limit. */
START_TEST(expand_down_stack)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_idt(t, 0x40, pt_gate(PT_CS0, 0x20000, 14, 0, 0));
    /* expand-down, B=1, limit 0x7ff0 (byte granular): offsets 0x7ff1.. valid */
    pt_gdt(t, PT_FREE, pt_desc(0, 0x7ff0, (PT_DATA32 & ~DESC_G) | 0x4));
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_SS, PT_FREE)), PT_OK);
    cpu->gpr[R_ESP] = 0x8000;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x40, INTR_SOFTWARE, false, 0)), PT_OK);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x8000 - 12);
    pt_seg(t, SEG_CS, PT_CS0);
    cpu->gpr[R_ESP] = 0x7ffc; /* 12 bytes would reach 0x7ff0: #SS(0) */
    PT_FAULT(t, cpu_interrupt(cpu, 0x40, INTR_SOFTWARE, false, 0), EXC_SS, 0);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x7ffc);
}
END_TEST

/* A ring-0 handler on a 16-bit stack: SP wraps, the upper ESP is kept. */
START_TEST(sp_wraps_on_16bit_stack)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_idt(t, 0x40, pt_gate(PT_CS0, 0x20000, 14, 0, 0));
    pt_gdt(t, PT_FREE, pt_desc(0x100000, 0xffff, PT_DATA16));
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_SS, PT_FREE)), PT_OK);
    cpu->gpr[R_ESP] = 0xabcd0004;
    cpu->eip = 0x11111;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x40, INTR_SOFTWARE, false, 0)), PT_OK);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xabcdfff8);
    ck_assert_uint_eq(pt_rd(t, 0x100000 + 0xfff8, 4), 0x11111); /* EIP */
    ck_assert_uint_eq(pt_rd(t, 0x100000 + 0x0000, 4), EF_FIXED1); /* EFLAGS, wrapped */
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xabcd0004);
    ck_assert_uint_eq(cpu->eip, 0x11111);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prot_iret");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, iret_faults);
    tcase_add_test(tc, iret_outer_nulls_segments);
    tcase_add_test(tc, iret_task_bad_link);
    tcase_add_test(tc, retf_outer_faults);
    tcase_add_test(tc, expand_down_stack);
    tcase_add_test(tc, sp_wraps_on_16bit_stack);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
