/* Virtual-8086 mode: entry by IRET, #GP from IOPL-sensitive instructions
 * delivered to ring 0 (segment frame, null segments) and back, VME
 * interrupt redirection and virtual interrupt flags, PVI. */
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "test_prot_harness.h"

static struct pt *t;
static void setup(void) { t = pt_create(); }
static void teardown(void) { pt_destroy(t); }

static uint32_t stk(uint32_t esp, int i) { return pt_rd(t, esp + 4 * i, 4); }

/* From ring 0, IRET to V86 code at 2000:0100, stack 3000:FFFE. */
static void enter_v86(uint32_t iopl)
{
    struct cpu *cpu = t->cpu;
    pt_pmode(t, 0);
    uint32_t f[9] = {0x100, 0x2000, EF_FIXED1 | EF_VM | EF_IF | (iopl << 12), 0xfffe, 0x3000,
                     0x4000, 0x5000, 0x6000, 0x7000};
    cpu->gpr[R_ESP] = 0x8000 - 36;
    for (int i = 0; i < 9; i++)
        pt_wr(t, 0x8000 - 36 + 4 * i, f[i], 4);
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
}

START_TEST(iret_enters_v86)
{
    struct cpu *cpu = t->cpu;
    enter_v86(0);
    ck_assert(cpu_v86(cpu));
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->eip, 0x100);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xfffe);
    ck_assert_uint_eq(cpu->seg[SEG_CS].base, 0x20000);
    ck_assert_uint_eq(cpu->seg[SEG_SS].base, 0x30000);
    ck_assert_uint_eq(cpu->seg[SEG_ES].base, 0x40000);
    ck_assert_uint_eq(cpu->seg[SEG_DS].base, 0x50000);
    ck_assert_uint_eq(cpu->seg[SEG_FS].base, 0x60000);
    ck_assert_uint_eq(cpu->seg[SEG_GS].base, 0x70000);
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        ck_assert_uint_eq(cpu->seg[s].limit, 0xffff);
        ck_assert_int_eq(DESC_DPL(cpu->seg[s].flags), 3);
    }
    ck_assert(!cpu->code32 && !cpu->stack32);
}
END_TEST

/* CLI with IOPL 0 in V86 mode: #GP(0) to the ring-0 handler, which gets
 * GS FS DS ES SS ESP EFLAGS CS EIP and the error code, with data segments
 * nulled; IRET (after popping the error code) resumes V86 mode. */
START_TEST(cli_gp_to_ring0_and_back)
{
    struct cpu *cpu = t->cpu;
    enter_v86(0);
    pt_idt(t, EXC_GP, pt_gate(PT_CS0, 0x30000, 14, 0, 0));
    pt_wr(t, 0x20100, 0xfa, 1); /* cli */
    ck_assert_int_eq(cpu_run(cpu, 1), CPU_EXIT_BUDGET);
    ck_assert(!cpu_v86(cpu));
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->eip, 0x30000);
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    ck_assert_uint_eq(esp, 0x7000 - 40);
    ck_assert_uint_eq(stk(esp, 0), 0);      /* error code */
    ck_assert_uint_eq(stk(esp, 1), 0x100);  /* faulting IP */
    ck_assert_uint_eq(stk(esp, 2), 0x2000); /* CS */
    ck_assert(stk(esp, 3) & EF_VM);
    ck_assert(stk(esp, 3) & EF_IF);
    ck_assert_uint_eq(stk(esp, 4), 0xfffe);
    ck_assert_uint_eq(stk(esp, 5), 0x3000);
    ck_assert_uint_eq(stk(esp, 6), 0x4000); /* ES */
    ck_assert_uint_eq(stk(esp, 7), 0x5000); /* DS */
    ck_assert_uint_eq(stk(esp, 8), 0x6000); /* FS */
    ck_assert_uint_eq(stk(esp, 9), 0x7000); /* GS */
    for (int s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS && s != SEG_SS) {
            ck_assert_uint_eq(cpu->seg[s].sel, 0);
            ck_assert(!(cpu->seg[s].flags & DESC_P));
        }
    cpu->gpr[R_ESP] += 4;
    cpu->eflags &= ~EF_IF;
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 4)), PT_OK);
    ck_assert(cpu_v86(cpu));
    ck_assert_uint_eq(cpu->eip, 0x100);
    ck_assert_uint_eq(cpu->seg[SEG_DS].base, 0x50000);
    ck_assert(cpu->eflags & EF_IF);
}
END_TEST

START_TEST(iopl_sensitive_in_v86)
{
    struct cpu *cpu = t->cpu;
    struct insn in = {.opsize = 2};
    enter_v86(0);
    PT_FAULT(t, op_cli(cpu, &in), EXC_GP, 0);
    PT_FAULT(t, op_sti(cpu, &in), EXC_GP, 0);
    PT_FAULT(t, op_pushf(cpu, &in), EXC_GP, 0);
    PT_FAULT(t, op_popf(cpu, &in), EXC_GP, 0);
    PT_FAULT(t, cpu_iret(cpu, 2), EXC_GP, 0);
    PT_FAULT(t, cpu_interrupt(cpu, 0x21, INTR_SOFTWARE, false, 0), EXC_GP, 0);
    enter_v86(3);
    ck_assert_int_eq(PT_TRY(t, op_cli(cpu, &in)), PT_OK);
    ck_assert(!(cpu->eflags & EF_IF));
    /* POPF at IOPL 3 changes IF but not IOPL */
    cpu->gpr[R_ESP] = 0xfffe;
    pt_wr(t, 0x3fffe, EF_IF | EF_CF, 2);
    ck_assert_int_eq(PT_TRY(t, op_popf(cpu, &in)), PT_OK);
    ck_assert(cpu->eflags & EF_IF);
    ck_assert_int_eq(cpu_iopl(cpu), 3);
    ck_assert(cpu_get_eflags(cpu) & EF_CF);
}
END_TEST

/* VME: INT 21h with its redirection bit clear goes to the 8086 IVT. */
START_TEST(vme_redirected_int)
{
    struct cpu *cpu = t->cpu;
    enter_v86(0);
    cpu->cr4 |= CR4_VME;
    /* Redirection bitmap: the 32 bytes below the I/O bitmap (TSS+0x68). */
    for (int i = 0; i < 32; i++)
        pt_wr(t, PT_TSS_A + 0x68 + i, 0xff, 1);
    pt_wr(t, PT_TSS_A + 0x68 + 0x21 / 8, 0xff & ~(1 << (0x21 & 7)), 1);
    pt_wr(t, 0x21 * 4, 0x0010, 2);
    pt_wr(t, 0x21 * 4 + 2, 0x0500, 2);
    cpu->eflags |= EF_VIF;
    cpu->eip = 0x102;
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x21, INTR_SOFTWARE, false, 0)), PT_OK);
    ck_assert(cpu_v86(cpu));
    ck_assert_uint_eq(cpu->seg[SEG_CS].base, 0x5000);
    ck_assert_uint_eq(cpu->eip, 0x10);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xfff8);
    ck_assert_uint_eq(pt_rd(t, 0x3fff8, 2), 0x102);
    ck_assert_uint_eq(pt_rd(t, 0x3fffa, 2), 0x2000);
    uint32_t fl = pt_rd(t, 0x3fffc, 2);
    ck_assert(fl & EF_IF);                      /* VIF shown as IF */
    ck_assert_uint_eq(fl & EF_IOPL, EF_IOPL);   /* IOPL shown as 3 */
    ck_assert(!(cpu->eflags & EF_VIF));         /* VIF cleared, IF untouched */
    ck_assert(cpu->eflags & EF_IF);

    /* IRET (16-bit) under VME returns and restores VIF from the image's IF. */
    ck_assert_int_eq(PT_TRY(t, cpu_iret(cpu, 2)), PT_OK);
    ck_assert_uint_eq(cpu->eip, 0x102);
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, 0x2000);
    ck_assert(cpu->eflags & EF_VIF);
    ck_assert_int_eq(cpu_iopl(cpu), 0);

    /* Bit set with IOPL < 3: #GP(0). */
    PT_FAULT(t, cpu_interrupt(cpu, 0x22, INTR_SOFTWARE, false, 0), EXC_GP, 0);
    /* Bit set with IOPL 3: the protected-mode handler. */
    cpu->eflags |= EF_IOPL;
    pt_idt(t, 0x22, pt_gate(PT_CS0, 0x30000, 14, 3, 0));
    ck_assert_int_eq(PT_TRY(t, cpu_interrupt(cpu, 0x22, INTR_SOFTWARE, false, 0)), PT_OK);
    ck_assert(!cpu_v86(cpu));
    ck_assert_uint_eq(cpu->eip, 0x30000);
}
END_TEST

START_TEST(vme_flags)
{
    struct cpu *cpu = t->cpu;
    struct insn in16 = {.opsize = 2}, in32 = {.opsize = 4};
    enter_v86(0);
    cpu->cr4 |= CR4_VME;
    cpu->eflags &= ~EF_VIF;
    ck_assert_int_eq(PT_TRY(t, op_sti(cpu, &in16)), PT_OK);
    ck_assert(cpu->eflags & EF_VIF);
    ck_assert(cpu->eflags & EF_IF); /* real IF untouched (set by enter_v86) */
    ck_assert_int_eq(PT_TRY(t, op_pushf(cpu, &in16)), PT_OK);
    uint32_t fl = pt_rd(t, 0x30000 + (uint32_t)cpu->gpr[R_ESP], 2);
    ck_assert(fl & EF_IF);
    ck_assert_uint_eq(fl & EF_IOPL, EF_IOPL);
    PT_FAULT(t, op_pushf(cpu, &in32), EXC_GP, 0); /* only 16-bit is virtualised */
    ck_assert_int_eq(PT_TRY(t, op_cli(cpu, &in16)), PT_OK);
    ck_assert(!(cpu->eflags & EF_VIF));
    ck_assert(cpu->eflags & EF_IF);
    /* POPF: IF -> VIF */
    cpu->gpr[R_ESP] = 0xfff0;
    pt_wr(t, 0x3fff0, EF_IF | EF_ZF, 2);
    ck_assert_int_eq(PT_TRY(t, op_popf(cpu, &in16)), PT_OK);
    ck_assert(cpu->eflags & EF_VIF);
    ck_assert(cpu_get_eflags(cpu) & EF_ZF);
    /* POPF with TF set: #GP(0); with IF set while VIP pending: #GP(0) */
    cpu->gpr[R_ESP] = 0xfff0;
    pt_wr(t, 0x3fff0, EF_TF, 2);
    PT_FAULT(t, op_popf(cpu, &in16), EXC_GP, 0);
    cpu->eflags |= EF_VIP;
    pt_wr(t, 0x3fff0, EF_IF, 2);
    PT_FAULT(t, op_popf(cpu, &in16), EXC_GP, 0);
    /* STI with VIP pending: #GP(0) */
    PT_FAULT(t, op_sti(cpu, &in16), EXC_GP, 0);
}
END_TEST

START_TEST(pvi_cli_sti)
{
    struct cpu *cpu = t->cpu;
    struct insn in = {.opsize = 4};
    pt_pmode(t, 3);
    cpu->eflags |= EF_IF | EF_VIF;
    PT_FAULT(t, op_cli(cpu, &in), EXC_GP, 0);
    cpu->cr4 |= CR4_PVI;
    ck_assert_int_eq(PT_TRY(t, op_cli(cpu, &in)), PT_OK);
    ck_assert(!(cpu->eflags & EF_VIF));
    ck_assert(cpu->eflags & EF_IF);
    ck_assert_int_eq(PT_TRY(t, op_sti(cpu, &in)), PT_OK);
    ck_assert(cpu->eflags & EF_VIF);
    ck_assert_uint_eq(cpu->inhibit_irq, 0); /* no shadow for VIF */
}
END_TEST

START_TEST(sti_shadow_only_when_setting_if)
{
    struct cpu *cpu = t->cpu;
    struct insn in = {.opsize = 4};
    pt_pmode(t, 0);
    cpu->eflags &= ~EF_IF;
    cpu->inhibit_irq = 0;
    op_sti(cpu, &in);
    ck_assert_uint_eq(cpu->inhibit_irq, 1);
    cpu->inhibit_irq = 0;
    op_sti(cpu, &in);
    ck_assert_uint_eq(cpu->inhibit_irq, 0);
}
END_TEST

START_TEST(popf_privilege_masks)
{
    struct cpu *cpu = t->cpu;
    struct insn in = {.opsize = 4};
    pt_pmode(t, 3);
    cpu->eflags |= EF_IF;
    uint32_t esp = (uint32_t)cpu->gpr[R_ESP];
    pt_wr(t, esp, EF_FIXED1 | EF_IOPL | EF_AC | EF_VM | EF_RF | EF_VIF | EF_CF, 4);
    ck_assert_int_eq(PT_TRY(t, op_popf(cpu, &in)), PT_OK);
    uint32_t fl = cpu_get_eflags(cpu);
    ck_assert(fl & EF_IF);          /* CPL 3 > IOPL: IF unchanged */
    ck_assert_int_eq(cpu_iopl(cpu), 0);
    ck_assert(fl & EF_AC);
    ck_assert(fl & EF_CF);
    ck_assert(!(fl & (EF_VM | EF_RF | EF_VIF)));
    /* CPL 0 changes IOPL and IF */
    pt_pmode(t, 0);
    cpu->eflags |= EF_IF;
    esp = (uint32_t)cpu->gpr[R_ESP];
    pt_wr(t, esp, EF_FIXED1 | EF_IOPL | EF_VM, 4);
    ck_assert_int_eq(PT_TRY(t, op_popf(cpu, &in)), PT_OK);
    ck_assert_int_eq(cpu_iopl(cpu), 3);
    ck_assert(!(cpu->eflags & EF_IF));
    ck_assert(!cpu_v86(cpu));
    /* PUSHF clears VM and RF in the image */
    cpu->eflags |= EF_RF;
    ck_assert_int_eq(PT_TRY(t, op_pushf(cpu, &in)), PT_OK);
    ck_assert(!(pt_rd(t, (uint32_t)cpu->gpr[R_ESP], 4) & EF_RF));
}
END_TEST

/* From V86 mode the handler must be non-conforming ring-0 code: #GP(sel | EXT)
 * otherwise (SDM Vol. 2 INT, INTERRUPT-FROM-VIRTUAL-8086-MODE). */
START_TEST(v86_handler_must_be_ring0)
{
    struct cpu *cpu = t->cpu;
    enter_v86(3);
    pt_gdt(t, PT_FREE, pt_desc(0, 0xfffff, PT_CODE32 | PT_DPL(1)));
    pt_idt(t, 0x30, pt_gate(PT_FREE, 0x1000, 14, 3, 0));
    PT_FAULT(t, cpu_interrupt(cpu, 0x30, INTR_EXTERNAL, false, 0), EXC_GP, PT_FREE | 1);
    pt_idt(t, 0x31, pt_gate(PT_CS0C, 0x1000, 14, 3, 0)); /* conforming */
    PT_FAULT(t, cpu_interrupt(cpu, 0x31, INTR_SOFTWARE, false, 0), EXC_GP, PT_CS0C);
    pt_idt(t, 0x32, pt_gate(PT_CS0, 0x1000, 14, 0, 0)); /* gate DPL 0 < CPL 3 */
    PT_FAULT(t, cpu_interrupt(cpu, 0x32, INTR_SOFTWARE_INT3, false, 0), EXC_GP, 0x32 * 8 + 2);
    ck_assert(cpu_v86(cpu));
    ck_assert_uint_eq(cpu->seg[SEG_DS].sel, 0x5000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prot_v86");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, iret_enters_v86);
    tcase_add_test(tc, cli_gp_to_ring0_and_back);
    tcase_add_test(tc, iopl_sensitive_in_v86);
    tcase_add_test(tc, vme_redirected_int);
    tcase_add_test(tc, vme_flags);
    tcase_add_test(tc, pvi_cli_sti);
    tcase_add_test(tc, sti_shadow_only_when_setting_if);
    tcase_add_test(tc, popf_privilege_masks);
    tcase_add_test(tc, v86_handler_must_be_ring0);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
