/* Interrupt and exception delivery (cpu_interrupt) and IRET: real mode,
 * ring 3 -> ring 0 and back, error codes with EXT/IDT bits, RF in the
 * pushed image, double and triple faults through the run loop. */
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "test_prot_harness.h"

static struct pt *t;
static void setup(void) { t = pt_create(); }
static void teardown(void) { pt_destroy(t); }

static uint32_t stk(uint32_t esp, int i) { return pt_rd(t, esp + 4 * i, 4); }

START_TEST(real_mode_int_and_iret)
{
    struct cpu *cpu = t->cpu;
    cpu->cr0 &= ~CR0_PE;
    cpu->idtr = (struct dtr){.base = 0, .limit = 0x3ff};
    for (int s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS)
            cpu_load_seg_real(cpu, s, 0);
    cpu->gpr[R_ESP] = 0x800;
    cpu->eip = 0x1002;
    pt_wr(t, 0x21 * 4, 0x0040, 2);     /* IP */
    pt_wr(t, 0x21 * 4 + 2, 0x3000, 2); /* CS */
    cpu_set_eflags(cpu, EF_FIXED1 | EF_IF | EF_TF | EF_CF, 0xffffffffu);
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x21, INTR_SOFTWARE, false, 0)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_CS].base, 0x30000);
    ck_assert_uint_eq(cpu->eip, 0x40);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x7fa);
    ck_assert_uint_eq(pt_rd(t, 0x7fa, 2), 0x1002);
    ck_assert_uint_eq(pt_rd(t, 0x7fc, 2), 0xf000);
    ck_assert_uint_eq(pt_rd(t, 0x7fe, 2), EF_FIXED1 | EF_IF | EF_TF | EF_CF);
    ck_assert(!(cpu->eflags & (EF_IF | EF_TF)));
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 2)), PT_OK);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, 0xf000);
    ck_assert_uint_eq(cpu->eip, 0x1002);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x800);
    ck_assert(cpu_get_eflags(cpu) & EF_IF);
    ck_assert(cpu_get_eflags(cpu) & EF_CF);
    /* vector beyond the IVT limit: #GP */
    cpu->idtr.limit = 0x83;
    PT_FAULT(t, cpu_interrupt(cpu, 0x21, INTR_SOFTWARE, false, 0), EXC_GP, 0);
}
END_TEST

START_TEST(ring3_to_ring0_and_back)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_idt(t, 0x80, pt_gate(PT_CS0, 0x20000, 14, 3, 0));
    cpu->eflags |= EF_IF;
    cpu->eip = 0x10002;
    cpu->trap_after = true;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x80, INTR_SOFTWARE, false, 0)), PT_OK);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert(!cpu->trap_after);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_CS0);
    ck_assert_uint_eq(cpu->eip, 0x20000);
    ck_assert_uint_eq(cpu->seg[SEG_SS].sel, PT_DS0);
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    ck_assert_uint_eq(esp, 0x7000 - 20);
    ck_assert_uint_eq(stk(esp, 0), 0x10002);
    ck_assert_uint_eq(stk(esp, 1), PT_CS3);
    ck_assert(stk(esp, 2) & EF_IF);
    ck_assert(!(stk(esp, 2) & EF_RF)); /* software interrupt: no RF */
    ck_assert_uint_eq(stk(esp, 3), 0x9000);
    ck_assert_uint_eq(stk(esp, 4), PT_DS3);
    ck_assert(!(cpu->eflags & EF_IF)); /* interrupt gate */

    cpu->gpr[R_EAX] = 0x55;
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, PT_CS3);
    ck_assert_uint_eq(cpu->eip, 0x10002);
    ck_assert_uint_eq(cpu->seg[SEG_SS].sel, PT_DS3);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x9000);
    ck_assert(cpu->eflags & EF_IF);
    ck_assert(cpu->stack32 && cpu->code32);
}
END_TEST

START_TEST(iret_cannot_raise_iopl_from_ring3)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    cpu->gpr[R_ESP] = 0x9000;
    pt_wr(t, 0x9000, 0x100, 4);
    pt_wr(t, 0x9004, PT_CS3, 4);
    pt_wr(t, 0x9008, EF_FIXED1 | EF_IOPL | EF_IF | EF_ZF, 4);
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert_int_eq(cpu_iopl(cpu), 0);
    ck_assert(!(cpu->eflags & EF_IF)); /* CPL 3 > IOPL 0 */
    ck_assert(cpu_get_eflags(cpu) & EF_ZF);
    ck_assert_uint_eq(cpu->eip, 0x100);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x900c);
}
END_TEST

START_TEST(exception_error_code_and_rf)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_idt(t, EXC_GP, pt_gate(PT_CS0, 0x30000, 15, 0, 0)); /* trap gate */
    cpu->eflags |= EF_IF;
    cpu->eip = 0x10000;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, EXC_GP, INTR_EXCEPTION, true, 0x1234)), PT_OK);
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    ck_assert_uint_eq(esp, 0x8000 - 16);
    ck_assert_uint_eq(stk(esp, 0), 0x1234);
    ck_assert_uint_eq(stk(esp, 1), 0x10000);
    ck_assert_uint_eq(stk(esp, 2), PT_CS0);
    ck_assert(stk(esp, 3) & EF_RF); /* fault: RF set in the image */
    ck_assert(cpu->eflags & EF_IF); /* trap gate keeps IF */
    ck_assert(!(cpu->eflags & EF_RF));
    ck_assert_uint_eq(cpu->eip, 0x30000);
}
END_TEST

START_TEST(int16_gate_frame)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_idt(t, 0x40, pt_gate(PT_CS0, 0xabcd1234, 6, 3, 0)); /* 16-bit interrupt gate */
    cpu->eip = 0x12345;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x40, INTR_SOFTWARE, false, 0)), PT_OK);
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    ck_assert_uint_eq(esp, 0x7000 - 10);
    ck_assert_uint_eq(pt_rd(t, esp, 2), 0x2345);
    ck_assert_uint_eq(pt_rd(t, esp + 2, 2), PT_CS3);
    ck_assert_uint_eq(pt_rd(t, esp + 6, 2), 0x9000);
    ck_assert_uint_eq(pt_rd(t, esp + 8, 2), PT_DS3);
    ck_assert_uint_eq(cpu->eip, 0x1234); /* offset is 16 bits */
}
END_TEST

START_TEST(delivery_faults)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_idt(t, 0x81, pt_gate(PT_CS0, 0x20000, 14, 0, 0));
    /* software INT through a DPL-0 gate: #GP(idt, EXT=0) */
    PT_FAULT(t, cpu_interrupt(cpu, 0x81, INTR_SOFTWARE, false, 0), EXC_GP, 0x81 * 8 + 2);
    PT_FAULT(t, cpu_interrupt(cpu, 0x81, INTR_SOFTWARE_INT3, false, 0), EXC_GP, 0x81 * 8 + 2);
    /* an external interrupt ignores the gate DPL */
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x81, INTR_EXTERNAL, false, 0)), PT_OK);
    ck_assert_int_eq(cpu->cpl, 0);

    pt_pmode(t, 3);
    /* ICEBP: no DPL check either */
    pt_idt(t, EXC_DB, pt_gate(PT_CS0, 0x21000, 14, 0, 0));
    struct insn in = {0};
    ck_assert_int_eq(PT_TRY(t, op_int1(cpu, &in)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x21000);

    pt_pmode(t, 3);
    /* not present: #NP(idt | EXT) for hardware events, EXT=0 for INT n */
    pt_idt(t, 0x82, pt_gate(PT_CS0, 0x20000, 14, 3, 0) & ~(1ull << 47));
    PT_FAULT(t, cpu_interrupt(cpu, 0x82, INTR_EXTERNAL, false, 0), EXC_NP, 0x82 * 8 + 3);
    PT_FAULT(t, cpu_interrupt(cpu, 0x82, INTR_SOFTWARE, false, 0), EXC_NP, 0x82 * 8 + 2);
    /* beyond the IDT limit */
    cpu->idtr.limit = 0x83 * 8 + 6;
    PT_FAULT(t, cpu_interrupt(cpu, 0x83, INTR_EXCEPTION, false, 0), EXC_GP, 0x83 * 8 + 3);
    cpu->idtr.limit = 0x7ff;
    /* not a gate (a code descriptor in the IDT) */
    pt_idt(t, 0x84, pt_desc(0, 0xfffff, PT_CODE32 | PT_DPL(3)));
    PT_FAULT(t, cpu_interrupt(cpu, 0x84, INTR_SOFTWARE, false, 0), EXC_GP, 0x84 * 8 + 2);
    /* gate to a data segment: #GP(sel | EXT) */
    pt_idt(t, 0x85, pt_gate(PT_DS0, 0, 14, 3, 0));
    PT_FAULT(t, cpu_interrupt(cpu, 0x85, INTR_EXTERNAL, false, 0), EXC_GP, PT_DS0 | 1);
    /* gate to a not-present code segment: #NP(sel) */
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_CODE32 & ~DESC_P));
    pt_idt(t, 0x86, pt_gate(PT_FREE, 0, 14, 3, 0));
    PT_FAULT(t, cpu_interrupt(cpu, 0x86, INTR_SOFTWARE, false, 0), EXC_NP, PT_FREE);
    /* null code selector: #GP(EXT) */
    pt_idt(t, 0x87, pt_gate(0, 0, 14, 3, 0));
    PT_FAULT(t, cpu_interrupt(cpu, 0x87, INTR_EXTERNAL, false, 0), EXC_GP, 1);
    /* ring-0 stack not present: #SS(new SS | EXT) */
    pt_idt(t, 0x88, pt_gate(PT_CS0, 0, 14, 3, 0));
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_DATA32 & ~DESC_P));
    pt_wr(t, PT_TSS_A + 8, PT_FREE, 2);
    PT_FAULT(t, cpu_interrupt(cpu, 0x88, INTR_EXTERNAL, false, 0), EXC_SS, PT_FREE | 1);
    /* ring-0 stack of the wrong DPL: #TS(new SS) */
    pt_wr(t, PT_TSS_A + 8, PT_DS3 & ~3, 2);
    PT_FAULT(t, cpu_interrupt(cpu, 0x88, INTR_SOFTWARE, false, 0), EXC_TS, PT_DS3 & ~3);
    /* gate offset beyond the handler's limit: #GP(0) */
    pt_wr(t, PT_TSS_A + 8, PT_DS0, 2);
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfff, PT_CODE32 & ~DESC_G));
    pt_idt(t, 0x89, pt_gate(PT_FREE, 0x1000, 14, 3, 0));
    PT_FAULT(t, cpu_interrupt(cpu, 0x89, INTR_SOFTWARE, false, 0), EXC_GP, 0);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->seg[SEG_SS].sel, PT_DS3);
}
END_TEST

START_TEST(into_and_int3)
{
    struct cpu *cpu = t->cpu;
    struct insn in = {0};
    pt_pmode(t, 3);
    pt_idt(t, EXC_OF, pt_gate(PT_CS0, 0x22000, 15, 3, 0));
    pt_idt(t, EXC_BP, pt_gate(PT_CS0, 0x23000, 15, 3, 0));
    cpu->eip = 0x10001;
    cpu_set_arith(cpu, 0, EF_ARITH);
    ck_assert_int_eq(PT_TRY(t, op_into(cpu, &in)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x10001); /* OF clear: nothing */
    cpu_set_arith(cpu, EF_OF, EF_ARITH);
    ck_assert_int_eq(PT_TRY(t, op_into(cpu, &in)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x22000);
    ck_assert_uint_eq(stk((uint32_t)cpu->gpr[R_ESP], 0), 0x10001); /* trap: next EIP */
    pt_pmode(t, 3);
    cpu->eip = 0x10001;
    ck_assert_int_eq(PT_TRY(t, op_int3(cpu, &in)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x23000);
}
END_TEST

/* Run loop: #GP whose gate is not present -> #NP -> #DF(0). */
START_TEST(double_fault)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_wr(t, 0x10000, 0xd88e, 2); /* mov ds, ax */
    cpu->gpr[R_EAX] = 0x1238;     /* beyond the GDT */
    pt_idt(t, EXC_GP, pt_gate(PT_CS0, 0x30000, 14, 0, 0) & ~(1ull << 47));
    pt_idt(t, EXC_DF, pt_gate(PT_CS0, 0x31000, 14, 0, 0));
    enum cpu_exit r = cpu_run(cpu, 1);
    ck_assert_int_eq(r, CPU_EXIT_BUDGET);
    ck_assert_uint_eq(cpu->eip, 0x31000);
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    ck_assert_uint_eq(stk(esp, 0), 0); /* #DF error code */
    ck_assert_uint_eq(stk(esp, 1), 0x10000);
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, PT_DS0);

    /* Same with #DF absent too: shutdown. */
    pt_pmode(t, 0);
    pt_idt(t, EXC_DF, 0);
    ck_assert_int_eq(cpu_run(cpu, 1), CPU_EXIT_TRIPLE_FAULT);
    ck_assert(cpu->triple_fault);
}
END_TEST

/* A benign exception whose delivery faults is not a double fault. */
START_TEST(benign_then_gp_is_gp)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    pt_wr(t, 0x10000, 0x0b0f, 2); /* ud2 */
    pt_idt(t, EXC_UD, pt_gate(PT_CS0, 0x30000, 14, 0, 0) & ~(1ull << 47));
    pt_idt(t, EXC_NP, pt_gate(PT_CS0, 0x32000, 14, 0, 0));
    ck_assert_int_eq(cpu_run(cpu, 1), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(cpu->eip, 0x32000);
    ck_assert_uint_eq(stk((uint32_t)cpu->gpr[R_ESP], 0), EXC_UD * 8 + 3);
}
END_TEST

/* A 16-bit inner stack takes only SP from the TSS; ESP's upper half stays. */
START_TEST(inner_16bit_stack_keeps_upper_esp)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 3);
    pt_gdt(t, PT_FREE, pt_desc(0x60000, 0xffff, PT_DATA16));
    pt_wr(t, PT_TSS_A + 4, 0x12340800, 4);
    pt_wr(t, PT_TSS_A + 8, PT_FREE, 2);
    pt_idt(t, 0x80, pt_gate(PT_CS0, 0x20000, 14, 3, 0));
    cpu->gpr[R_ESP] = 0x5a5a9000;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x80, INTR_SOFTWARE, false, 0)), PT_OK);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x5a5a0800 - 20);
    ck_assert(!cpu->stack32);
    ck_assert_uint_eq(pt_rd(t, 0x60000 + 0x0800 - 8, 4), 0x5a5a9000); /* old ESP */
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x5a5a9000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prot_int");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, real_mode_int_and_iret);
    tcase_add_test(tc, ring3_to_ring0_and_back);
    tcase_add_test(tc, iret_cannot_raise_iopl_from_ring3);
    tcase_add_test(tc, exception_error_code_and_rf);
    tcase_add_test(tc, int16_gate_frame);
    tcase_add_test(tc, delivery_faults);
    tcase_add_test(tc, into_and_int3);
    tcase_add_test(tc, double_fault);
    tcase_add_test(tc, benign_then_gp_is_gp);
    tcase_add_test(tc, inner_16bit_stack_keeps_upper_esp);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
