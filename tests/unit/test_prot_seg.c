/* Segment register loads (cpu_load_seg) in real, V86 and protected mode:
 * descriptor caches, accessed bits, and each #GP/#SS/#NP with its error code. */
#include "test_prot_harness.h"

static struct pt *t;
static void setup(void) { t = pt_create(); }
static void teardown(void) { pt_destroy(t); }

START_TEST(real_mode_load_keeps_limit)
{
    struct cpu *cpu = t->cpu;
    cpu->seg[SEG_DS].limit = 0xffffffff; /* "big real mode" cache */
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_DS, 0x1234)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, 0x1234);
    ck_assert_uint_eq(cpu->seg[SEG_DS].base, 0x12340);
    ck_assert_uint_eq(cpu->seg[SEG_DS].limit, 0xffffffff);
    ck_assert(cpu->seg[SEG_DS].flags & DESC_P);
}
END_TEST

START_TEST(load_ds_sets_cache_and_accessed)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    /* base 0x123456, limit 0x5 pages (G): 0x5fff */
    pt_gdt(t, PT_FREE, pt_desc(0x00123456, 0x5, PT_DATA32));
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_DS, PT_FREE)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_DS].base, 0x123456);
    ck_assert_uint_eq(cpu->seg[SEG_DS].limit, 0x5fff);
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, PT_FREE);
    ck_assert(pt_gdt_get(t, PT_FREE) & (1ull << 40)); /* accessed bit in memory */
    ck_assert(cpu->seg[SEG_DS].flags & 1);
}
END_TEST

START_TEST(load_ds_null_is_unusable)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_DS, 0x0003)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, 3);
    ck_assert(!(cpu->seg[SEG_DS].flags & DESC_P));
}
END_TEST

START_TEST(load_ds_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    /* beyond the GDT limit */
    PT_FAULT(t, cpu_load_seg(cpu, SEG_DS, 0x1000 | 3), EXC_GP, 0x1000);
    /* DPL 0 data from CPL 3 */
    PT_FAULT(t, cpu_load_seg(cpu, SEG_DS, PT_DS0 | 3), EXC_GP, PT_DS0);
    /* RPL 3 > DPL 2 is refused even at CPL 2; RPL 2 is fine */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_DATA32 | PT_DPL(2)));
    cpu->cpl = 2;
    PT_FAULT(t, cpu_load_seg(cpu, SEG_DS, PT_FREE | 3), EXC_GP, PT_FREE);
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_DS, PT_FREE | 2)), PT_OK);
    cpu->cpl = 3;
    /* execute-only code */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, (PT_CODE32 & ~2) | PT_DPL(3)));
    PT_FAULT(t, cpu_load_seg(cpu, SEG_DS, PT_FREE | 3), EXC_GP, PT_FREE);
    /* readable conforming code of DPL 0: allowed at CPL 3 */
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_ES, PT_CS0C | 3)), PT_OK);
    /* a system descriptor (TSS) */
    PT_FAULT(t, cpu_load_seg(cpu, SEG_DS, PT_TSSB | 3), EXC_GP, PT_TSSB);
    /* not present: #NP(sel) after the type and privilege checks */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, (PT_DATA32 & ~DESC_P) | PT_DPL(3)));
    PT_FAULT(t, cpu_load_seg(cpu, SEG_FS, PT_FREE | 3), EXC_NP, PT_FREE);
    ck_assert_uint_eq(cpu->seg[SEG_FS].sel, PT_DS3); /* unchanged */
}
END_TEST

START_TEST(load_ss_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    PT_FAULT(t, cpu_load_seg(cpu, SEG_SS, 0), EXC_GP, 0);
    PT_FAULT(t, cpu_load_seg(cpu, SEG_SS, PT_DS0 | 1), EXC_GP, PT_DS0); /* RPL != CPL */
    PT_FAULT(t, cpu_load_seg(cpu, SEG_SS, PT_DS3), EXC_GP, PT_DS3 & ~3);    /* DPL != CPL */
    PT_FAULT(t, cpu_load_seg(cpu, SEG_SS, PT_CS0), EXC_GP, PT_CS0);     /* code */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_DATA32 & ~2)); /* read-only data */
    PT_FAULT(t, cpu_load_seg(cpu, SEG_SS, PT_FREE), EXC_GP, PT_FREE);
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_DATA32 & ~DESC_P));
    PT_FAULT(t, cpu_load_seg(cpu, SEG_SS, PT_FREE), EXC_SS, PT_FREE);
}
END_TEST

/* cpu_load_seg itself arms no interrupt shadow: only MOV SS and POP SS do
 * (SDM Vol. 3A 6.8.3), not LSS or a task switch. */
START_TEST(load_ss_16bit_no_shadow)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_gdt(t, PT_FREE, pt_desc(0x5000, 0xffff, PT_DATA16));
    cpu->inhibit_irq = 0;
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_SS, PT_FREE)), PT_OK);
    ck_assert(!cpu->stack32);
    ck_assert_uint_eq(cpu->seg[SEG_SS].base, 0x5000);
    ck_assert_uint_eq(cpu->inhibit_irq, 0);
}
END_TEST

START_TEST(load_from_ldt)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_seg(t, SEG_LDTR, PT_LDTSEL);
    memmap_write(t->mem, PT_LDT + 8, pt_desc(0xabc000, 0xfff, PT_DATA16 | PT_DPL(3)), 8);
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_GS, 0x0f)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_GS].base, 0xabc000);
    ck_assert_uint_eq(cpu->seg[SEG_GS].limit, 0xfff);
    /* LDT limit 0xff: index 0x20 is outside */
    PT_FAULT(t, cpu_load_seg(cpu, SEG_GS, 0x107), EXC_GP, 0x104);
    /* unusable LDTR */
    cpu->seg[SEG_LDTR].flags = 0;
    PT_FAULT(t, cpu_load_seg(cpu, SEG_GS, 0x0f), EXC_GP, 0x0c);
}
END_TEST

START_TEST(v86_load)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    cpu->eflags |= EF_VM;
    cpu->cpl = 3;
    ck_assert_int_eq(PT_TRY(t, cpu_load_seg(cpu, SEG_ES, 0xb800)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_ES].base, 0xb8000);
    ck_assert_uint_eq(cpu->seg[SEG_ES].limit, 0xffff);
    ck_assert_int_eq(DESC_DPL(cpu->seg[SEG_ES].flags), 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prot_seg");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, real_mode_load_keeps_limit);
    tcase_add_test(tc, load_ds_sets_cache_and_accessed);
    tcase_add_test(tc, load_ds_null_is_unusable);
    tcase_add_test(tc, load_ds_faults);
    tcase_add_test(tc, load_ss_faults);
    tcase_add_test(tc, load_ss_16bit_no_shadow);
    tcase_add_test(tc, load_from_ldt);
    tcase_add_test(tc, v86_load);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
