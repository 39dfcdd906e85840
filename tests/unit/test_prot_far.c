/* Far JMP/CALL/RET: real mode, direct code segments, call gates with a
 * privilege change and parameter copy, the return to the outer level, and
 * the faults with their error codes. */
#include "test_prot_harness.h"

static struct pt *t;
static void setup(void) { t = pt_create(); }
static void teardown(void) { pt_destroy(t); }

static uint32_t stk(uint32_t esp, int i) { return pt_rd(t, esp + 4 * i, 4); }

START_TEST(real_far_call_and_ret)
{
    struct cpu *cpu = t->cpu;
    cpu->cr0 &= ~CR0_PE;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS)
            cpu_load_seg_real(cpu, s, 0);
    cpu_update_modes(cpu);
    cpu->gpr[R_ESP] = 0x100;
    cpu->eip = 0x1234;
    ck_assert_int_eq(PT_TRY(t, cpu_far_call(cpu, 0x2000, 0x0010, 2)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_CS].base, 0x20000);
    ck_assert_uint_eq(cpu->eip, 0x10);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xfc);
    ck_assert_uint_eq(pt_rd(t, 0xfc, 2), 0x1234);
    ck_assert_uint_eq(pt_rd(t, 0xfe, 2), 0xf000); /* reset CS */
    ck_assert_int_eq(PT_TRY(t, cpu_far_ret(cpu, 2, 4)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, 0xf000);
    ck_assert_uint_eq(cpu->eip, 0x1234);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x104);
    /* a target beyond the CS limit is #GP(0) */
    PT_FAULT(t, cpu_far_jmp(cpu, 0, 0x10000, 4), EXC_GP, 0);
}
END_TEST

START_TEST(jmp_direct_code)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_gdt(t, PT_FREE, pt_desc(0x40000, 0xffff, PT_CODE16));
    ck_assert_int_eq(PT_TRY(t, cpu_far_jmp(cpu, PT_FREE, 0x12345678, 2)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x5678);
    ck_assert_uint_eq(cpu->seg[SEG_CS].base, 0x40000);
    ck_assert(!cpu->code32);
    ck_assert(pt_gdt_get(t, PT_FREE) & (1ull << 40));
    /* beyond the limit */
    PT_FAULT(t, cpu_far_jmp(cpu, PT_FREE, 0x10000, 4), EXC_GP, 0);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_FREE); /* unchanged */
    ck_assert_int_eq(PT_TRY(t, cpu_far_jmp(cpu, PT_CS0, 0x10000, 4)), PT_OK);
    ck_assert(cpu->code32);
}
END_TEST

START_TEST(jmp_call_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    PT_FAULT(t, cpu_far_jmp(cpu, 0, 0, 4), EXC_GP, 0);
    PT_FAULT(t, cpu_far_jmp(cpu, PT_CS0, 0, 4), EXC_GP, PT_CS0);         /* DPL != CPL */
    PT_FAULT(t, cpu_far_call(cpu, PT_DS3, 0, 4), EXC_GP, PT_DS3 & ~3);   /* data */
    PT_FAULT(t, cpu_far_jmp(cpu, 0x7ff8, 0, 4), EXC_GP, 0x7ff8);         /* beyond GDT */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, (PT_CODE32 & ~DESC_P) | PT_DPL(3)));
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_NP, PT_FREE);
    /* conforming DPL 0 code from CPL 3: allowed, CPL stays 3 */
    ck_assert_int_eq(PT_TRY(t, cpu_far_jmp(cpu, PT_CS0C, 0x100, 4)), PT_OK);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_CS0C | 3);
    /* call gate of DPL 0 from CPL 3 */
    pt_gdt(t, PT_FREE, pt_gate(PT_CS0, 0x500, 12, 0, 0));
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_GP, PT_FREE);
    /* call gate not present */
    pt_gdt(t, PT_FREE, pt_gate(PT_CS0, 0x500, 12, 3, 0) & ~(1ull << 47));
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_NP, PT_FREE);
    /* call gate to a data segment */
    pt_gdt(t, PT_FREE, pt_gate(PT_DS0, 0x500, 12, 3, 0));
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_GP, PT_DS0);
    /* call gate with a null code selector */
    pt_gdt(t, PT_FREE, pt_gate(0, 0x500, 12, 3, 0));
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_GP, 0);
}
END_TEST

/* Ring 3 calls ring 0 through a 32-bit call gate copying 2 dwords, then
 * RETF 8 comes back: new stack from the TSS, frame layout, data segments. */
START_TEST(call_gate_inner_with_params)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_gdt(t, PT_FREE, pt_gate(PT_CS0, 0x00401000, 12, 3, 2));
    cpu->gpr[R_ESP] = 0x9000 - 8;
    pt_wr(t, 0x9000 - 8, 0x11111111, 4); /* param 0 (top of stack) */
    pt_wr(t, 0x9000 - 4, 0x22222222, 4); /* param 1 */
    cpu->eip = 0x10005;
    cpu_load_seg(cpu, SEG_DS, PT_DS3);
    pt_seg(t, SEG_ES, PT_DS0); /* a DPL-0 segment left in ES by the callee */

    ck_assert_int_eq(PT_TRY(t, cpu_far_call(cpu, PT_FREE | 3, 0xdead, 4)), PT_OK);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_CS0);
    ck_assert_uint_eq(cpu->eip, 0x00401000);
    ck_assert_uint_eq(cpu->seg[SEG_SS].sel, PT_DS0);
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    ck_assert_uint_eq(esp, 0x7000 - 24);
    ck_assert_uint_eq(stk(esp, 0), 0x10005);      /* EIP */
    ck_assert_uint_eq(stk(esp, 1), PT_CS3);       /* CS */
    ck_assert_uint_eq(stk(esp, 2), 0x11111111);   /* params in the same order */
    ck_assert_uint_eq(stk(esp, 3), 0x22222222);
    ck_assert_uint_eq(stk(esp, 4), 0x9000 - 8);   /* old ESP */
    ck_assert_uint_eq(stk(esp, 5), PT_DS3);       /* old SS */

    ck_assert_int_eq(PT_TRY(t, cpu_far_ret(cpu, 4, 8)), PT_OK);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->eip, 0x10005);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_CS3);
    ck_assert_uint_eq(cpu->seg[SEG_SS].sel, PT_DS3);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x9000); /* params released */
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, PT_DS3);
    /* ES held a DPL-0 data segment: nulled on the way out */
    ck_assert_uint_eq(cpu->seg[SEG_ES].sel, 0);
    ck_assert(!(cpu->seg[SEG_ES].flags & DESC_P));
}
END_TEST

/* 16-bit call gate: word pushes, 16-bit SP, gate offset truncated. */
START_TEST(call_gate16_inner)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_gdt(t, PT_FREE, pt_gate(PT_CS0, 0x1234, 4, 3, 1));
    cpu->gpr[R_ESP] = 0x9000 - 2;
    pt_wr(t, 0x9000 - 2, 0xbeef, 2);
    ck_assert_int_eq(PT_TRY(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4)), PT_OK);
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    ck_assert_uint_eq(esp, 0x7000 - 10);
    ck_assert_uint_eq(pt_rd(t, esp, 2), 0x0000);     /* IP (0x10000 truncated) */
    ck_assert_uint_eq(pt_rd(t, esp + 2, 2), PT_CS3);
    ck_assert_uint_eq(pt_rd(t, esp + 4, 2), 0xbeef);
    ck_assert_uint_eq(pt_rd(t, esp + 6, 2), 0x8ffe);
    ck_assert_uint_eq(pt_rd(t, esp + 8, 2), PT_DS3);
    ck_assert_uint_eq(cpu->eip, 0x1234);
}
END_TEST

START_TEST(call_gate_stack_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_gdt(t, PT_FREE, pt_gate(PT_CS0, 0x1000, 12, 3, 0));
    /* TSS ring-0 SS null: #TS(0) */
    pt_wr(t, PT_TSS_A + 8, 0, 2);
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_TS, 0);
    /* ring-3 data as the ring-0 stack: #TS(sel) */
    pt_wr(t, PT_TSS_A + 8, PT_DS3, 2);
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_TS, PT_DS3 & ~3);
    /* not-present stack: #SS(sel) */
    pt_gdt(t, PT_FREE + 8, pt_desc(0, 0xfffff, PT_DATA32 & ~DESC_P));
    pt_wr(t, PT_TSS_A + 8, PT_FREE + 8, 2);
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_SS, PT_FREE + 8);
    /* stack too small for the frame: #SS(sel) */
    pt_gdt(t, PT_FREE + 8, pt_desc(0, 0xfff, PT_DATA32 & ~DESC_G));
    pt_wr(t, PT_TSS_A + 4, 0x8, 4);
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_SS, PT_FREE + 8);
    /* TSS too short for the ring-0 stack pointer: #TS(TR) */
    cpu->seg[SEG_TR].limit = 8;
    PT_FAULT(t, cpu_far_call(cpu, PT_FREE | 3, 0, 4), EXC_TS, PT_TSSA);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_CS3);
}
END_TEST

START_TEST(ret_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    /* return to an inner level (RPL 0 < CPL 3) */
    pt_wr(t, 0x9000, 0x100, 4);
    pt_wr(t, 0x9004, PT_CS0, 4);
    PT_FAULT(t, cpu_far_ret(cpu, 4, 0), EXC_GP, PT_CS0);
    /* stack beyond SS limit */
    cpu->seg[SEG_SS].limit = 0x9003;
    PT_FAULT(t, cpu_far_ret(cpu, 4, 0), EXC_SS, 0);
    /* outer return with a bad SS (RPL mismatch) */
    pt_pmode(t, 0);
    cpu->gpr[R_ESP] = 0x8000;
    pt_wr(t, 0x8000, 0x100, 4);
    pt_wr(t, 0x8004, PT_CS3, 4);
    pt_wr(t, 0x8008, 0x9000, 4);
    pt_wr(t, 0x800c, PT_DS3 & ~3, 4);
    PT_FAULT(t, cpu_far_ret(cpu, 4, 0), EXC_GP, PT_DS3 & ~3);
    ck_assert_int_eq(cpu->cpl, 0);
}
END_TEST

/* JMP through a call gate never changes privilege: the target must be
 * conforming or of DPL = CPL (SDM Vol. 2 JMP, CALL-GATE). */
START_TEST(jmp_call_gate_same_level_only)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_gdt(t, PT_FREE, pt_gate(PT_CS0, 0x500, 12, 3, 0));
    PT_FAULT(t, cpu_far_jmp(cpu, PT_FREE | 3, 0, 4), EXC_GP, PT_CS0);
    pt_gdt(t, PT_FREE, pt_gate(PT_CS0C, 0x500, 12, 3, 0));
    ck_assert_int_eq(PT_TRY(t, cpu_far_jmp(cpu, PT_FREE | 3, 0x1234, 4)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x500);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x9000); /* nothing pushed */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prot_far");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, real_far_call_and_ret);
    tcase_add_test(tc, jmp_direct_code);
    tcase_add_test(tc, jmp_call_faults);
    tcase_add_test(tc, call_gate_inner_with_params);
    tcase_add_test(tc, call_gate16_inner);
    tcase_add_test(tc, call_gate_stack_faults);
    tcase_add_test(tc, ret_faults);
    tcase_add_test(tc, jmp_call_gate_same_level_only);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
