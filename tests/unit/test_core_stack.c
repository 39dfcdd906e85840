/* Stack instructions: PUSH/POP (ESP semantics, POP m with ESP-based
 * addressing, segment registers), PUSHA/POPA, ENTER with nesting, LEAVE. */
#include "test_core_harness.h"
#include "test_util.h"

static struct tmach *t;
static void setup(void) { t = tm_create(); }
static void teardown(void) { tm_destroy(t); }

START_TEST(push_pop_esp_semantics)
{
    tm_flat32(t);
    SETREG(t, R_ESP, 0x8000);
    ck_assert_int_eq(EXEC(t, 0x54), TM_NO_FAULT); /* push esp: the old value */
    ck_assert_uint_eq(REG(t, R_ESP), 0x7ffc);
    ck_assert_uint_eq(rd32(t, 0x7ffc), 0x8000);
    wr32(t, 0x7ffc, 0x4444);
    ck_assert_int_eq(EXEC(t, 0x5c), TM_NO_FAULT); /* pop esp: the popped value wins */
    ck_assert_uint_eq(REG(t, R_ESP), 0x4444);
    SETREG(t, R_ESP, 0x8000);
    ck_assert_int_eq(EXEC(t, 0x66, 0x54), TM_NO_FAULT); /* push sp */
    ck_assert_uint_eq(REG(t, R_ESP), 0x7ffe);
    ck_assert_uint_eq(rd16(t, 0x7ffe), 0x8000);
    SETREG(t, R_EBX, 0x12345678);
    ck_assert_int_eq(EXEC(t, 0x53), TM_NO_FAULT); /* push ebx */
    ck_assert_int_eq(EXEC(t, 0x66, 0x5a), TM_NO_FAULT); /* pop dx */
    ck_assert_uint_eq(REG(t, R_EDX) & 0xffff, 0x5678);
    ck_assert_int_eq(EXEC(t, 0x66, 0x59), TM_NO_FAULT); /* pop cx */
    ck_assert_uint_eq(REG(t, R_ECX) & 0xffff, 0x1234);
    ck_assert_uint_eq(REG(t, R_ESP), 0x7ffe);
}
END_TEST

START_TEST(push_imm_and_rm)
{
    tm_flat32(t);
    SETREG(t, R_ESP, 0x8000);
    ck_assert_int_eq(EXEC(t, 0x6a, 0xfe), TM_NO_FAULT); /* push -2 (sign-extended) */
    ck_assert_uint_eq(rd32(t, 0x7ffc), 0xfffffffe);
    ck_assert_int_eq(EXEC(t, 0x66, 0x68, 0x34, 0x12), TM_NO_FAULT); /* push word 0x1234 */
    ck_assert_uint_eq(REG(t, R_ESP), 0x7ffa);
    ck_assert_uint_eq(rd16(t, 0x7ffa), 0x1234);
    /* push dword [esp+2]: the address uses ESP before the decrement */
    ck_assert_int_eq(EXEC(t, 0xff, 0x74, 0x24, 0x02), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x7ff6);
    ck_assert_uint_eq(rd32(t, 0x7ff6), 0xfffffffe);
}
END_TEST

/* POP [ESP+4] computes the address after ESP was incremented (SDM POP). */
START_TEST(pop_mem_esp_based)
{
    tm_flat32(t);
    SETREG(t, R_ESP, 0x8000);
    wr32(t, 0x8000, 0xa1a1a1a1);
    wr32(t, 0x8004, 0);
    wr32(t, 0x8008, 0);
    ck_assert_int_eq(EXEC(t, 0x8f, 0x44, 0x24, 0x04), TM_NO_FAULT); /* pop dword [esp+4] */
    ck_assert_uint_eq(REG(t, R_ESP), 0x8004);
    ck_assert_uint_eq(rd32(t, 0x8008), 0xa1a1a1a1);
    ck_assert_uint_eq(rd32(t, 0x8004), 0);
    /* pop word [esp]: 16-bit, stores at the new ESP */
    wr16(t, 0x8004, 0xbeef);
    ck_assert_int_eq(EXEC(t, 0x66, 0x8f, 0x04, 0x24), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8006);
    ck_assert_uint_eq(rd16(t, 0x8006), 0xbeef);
    /* pop esp via 8f c4 */
    wr32(t, 0x8006, 0x1230);
    ck_assert_int_eq(EXEC(t, 0x8f, 0xc4), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x1230);
}
END_TEST

/* A faulting POP m leaves ESP unchanged. */
START_TEST(pop_mem_fault_keeps_esp)
{
    tm_flat32(t);
    tm_seg(t->cpu, SEG_DS, 0x10, 0, 0xffff, TM_DATA32);
    SETREG(t, R_ESP, 0x8000);
    SETREG(t, R_EBX, 0x20000);
    ck_assert_int_eq(EXEC(t, 0x8f, 0x03), EXC_GP); /* pop dword [ebx] beyond DS limit */
    ck_assert_uint_eq(REG(t, R_ESP), 0x8000);
    ck_assert_uint_eq(t->cpu->eip, t->cpu->insn_eip);
}
END_TEST

START_TEST(stack16_wraps)
{
    /* Real mode 16-bit stack: SP wraps, the upper half of ESP is untouched. */
    tm_seg(t->cpu, SEG_SS, 0x1000, 0x10000, 0xffff, TM_DATA16);
    SETREG(t, R_ESP, 0xabcd0000);
    SETREG(t, R_EAX, 0x1122);
    ck_assert_int_eq(EXEC(t, 0x50), TM_NO_FAULT); /* push ax */
    ck_assert_uint_eq(REG(t, R_ESP), 0xabcdfffe);
    ck_assert_uint_eq(rd16(t, 0x1fffe), 0x1122);
    ck_assert_int_eq(EXEC(t, 0x5b), TM_NO_FAULT); /* pop bx */
    ck_assert_uint_eq(REG(t, R_ESP), 0xabcd0000);
    ck_assert_uint_eq(REG(t, R_EBX) & 0xffff, 0x1122);
    /* push eax (66) in 16-bit code on a 16-bit stack */
    SETREG(t, R_EAX, 0xdeadbeef);
    ck_assert_int_eq(EXEC(t, 0x66, 0x50), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0xabcdfffc);
    ck_assert_uint_eq(rd32(t, 0x1fffc), 0xdeadbeef);
}
END_TEST

START_TEST(push_pop_sreg)
{
    tm_seg(t->cpu, SEG_SS, 0, 0, 0xffff, TM_DATA16);
    tm_seg(t->cpu, SEG_ES, 0x1234, 0x12340, 0xffff, TM_DATA16);
    SETREG(t, R_ESP, 0x1000);
    ck_assert_int_eq(EXEC(t, 0x06), TM_NO_FAULT); /* push es */
    ck_assert_uint_eq(REG(t, R_ESP), 0x0ffe);
    ck_assert_uint_eq(rd16(t, 0x0ffe), 0x1234);
    /* 32-bit push fs: ESP -= 4 but only the low word is written (P6) */
    tm_seg(t->cpu, SEG_FS, 0x5555, 0x55550, 0xffff, TM_DATA16);
    wr32(t, 0x0ffa, 0x99999999);
    ck_assert_int_eq(EXEC(t, 0x66, 0x0f, 0xa0), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x0ffa);
    ck_assert_uint_eq(rd32(t, 0x0ffa), 0x99995555);
    /* pop ds (32-bit): DS <- low word, ESP += 4 */
    ck_assert_int_eq(EXEC(t, 0x66, 0x1f), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x0ffe);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].sel, 0x5555);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].base, 0x55550);
    /* pop ss arms the interrupt shadow */
    t->cpu->inhibit_irq = 0;
    ck_assert_int_eq(EXEC(t, 0x17), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->seg[SEG_SS].sel, 0x1234);
    ck_assert_uint_eq(REG(t, R_ESP), 0x1000);
    ck_assert_uint_ne(t->cpu->inhibit_irq, 0);
}
END_TEST

START_TEST(pusha_popa)
{
    tm_flat32(t);
    for (int r = 0; r < 8; r++)
        SETREG(t, r, 0x11111111u * (r + 1));
    SETREG(t, R_ESP, 0x9000);
    ck_assert_int_eq(EXEC(t, 0x60), TM_NO_FAULT); /* pushad */
    ck_assert_uint_eq(REG(t, R_ESP), 0x9000 - 32);
    for (int r = 0; r < 8; r++) {
        uint32_t want = r == R_ESP ? 0x9000 : 0x11111111u * (r + 1);
        ck_assert_uint_eq(rd32(t, 0x9000 - 4 * (r + 1)), want);
    }
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            SETREG(t, r, 0);
    wr32(t, 0x9000 - 4 * (R_ESP + 1), 0x55555555); /* the popped ESP slot is ignored */
    ck_assert_int_eq(EXEC(t, 0x61), TM_NO_FAULT); /* popad */
    ck_assert_uint_eq(REG(t, R_ESP), 0x9000);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            ck_assert_uint_eq(REG(t, r), 0x11111111u * (r + 1));
    /* pusha (16-bit) */
    ck_assert_int_eq(EXEC(t, 0x66, 0x60), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x9000 - 16);
    ck_assert_uint_eq(rd16(t, 0x9000 - 2), 0x1111);
    ck_assert_uint_eq(rd16(t, 0x9000 - 10), 0x9000);
    ck_assert_uint_eq(rd16(t, 0x9000 - 16), 0x8888);
    SETREG(t, R_EAX, 0xffffffff);
    ck_assert_int_eq(EXEC(t, 0x66, 0x61), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0xffff1111);
}
END_TEST

/* PUSHA that would cross the stack limit faults without writing anything. */
START_TEST(pusha_fault_writes_nothing)
{
    tm_flat32(t);
    /* expand-up SS with base 0x10000, limit 0xfff; ESP = 0x10 leaves room for 4 dwords */
    tm_seg(t->cpu, SEG_SS, 0x18, 0x10000, 0xfff, TM_DATA32);
    SETREG(t, R_ESP, 0x10);
    wr32(t, 0x1000c, 0x77777777);
    ck_assert_int_eq(EXEC(t, 0x60), EXC_SS);
    ck_assert_uint_eq(REG(t, R_ESP), 0x10);
    ck_assert_uint_eq(rd32(t, 0x1000c), 0x77777777);
}
END_TEST

START_TEST(enter_level0_and_leave)
{
    tm_flat32(t);
    SETREG(t, R_ESP, 0x9000);
    SETREG(t, R_EBP, 0x12345678);
    ck_assert_int_eq(EXEC(t, 0xc8, 0x10, 0x00, 0x00), TM_NO_FAULT); /* enter 16, 0 */
    ck_assert_uint_eq(rd32(t, 0x8ffc), 0x12345678);
    ck_assert_uint_eq(REG(t, R_EBP), 0x8ffc);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8ffc - 16);
    ck_assert_int_eq(EXEC(t, 0xc9), TM_NO_FAULT); /* leave */
    ck_assert_uint_eq(REG(t, R_ESP), 0x9000);
    ck_assert_uint_eq(REG(t, R_EBP), 0x12345678);
}
END_TEST

/* ENTER 8, 3: pushes EBP, copies 2 frame pointers from the old frame,
 * pushes the new frame pointer (SDM Vol. 2, ENTER; Vol. 1, 6.5). */
START_TEST(enter_nested)
{
    tm_flat32(t);
    SETREG(t, R_ESP, 0x9000);
    SETREG(t, R_EBP, 0xa000);
    wr32(t, 0xa000 - 4, 0xf1f1f1f1);
    wr32(t, 0xa000 - 8, 0xf2f2f2f2);
    ck_assert_int_eq(EXEC(t, 0xc8, 0x08, 0x00, 0x03), TM_NO_FAULT);
    ck_assert_uint_eq(rd32(t, 0x8ffc), 0xa000);     /* old EBP */
    ck_assert_uint_eq(rd32(t, 0x8ff8), 0xf1f1f1f1); /* [EBP-4] */
    ck_assert_uint_eq(rd32(t, 0x8ff4), 0xf2f2f2f2); /* [EBP-8] */
    ck_assert_uint_eq(rd32(t, 0x8ff0), 0x8ffc);     /* frame temp */
    ck_assert_uint_eq(REG(t, R_EBP), 0x8ffc);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8ff0 - 8);
    /* level 1: only the new frame pointer is pushed after EBP */
    SETREG(t, R_ESP, 0x9000);
    SETREG(t, R_EBP, 0xa000);
    ck_assert_int_eq(EXEC(t, 0xc8, 0x00, 0x00, 0x01), TM_NO_FAULT);
    ck_assert_uint_eq(rd32(t, 0x8ff8), 0x8ffc);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8ff8);
    /* level 33 = 1 (mod 32) */
    SETREG(t, R_ESP, 0x9000);
    SETREG(t, R_EBP, 0xa000);
    ck_assert_int_eq(EXEC(t, 0xc8, 0x00, 0x00, 0x21), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8ff8);
}
END_TEST

START_TEST(enter_16bit)
{
    /* 16-bit code and stack: enter 4, 2 */
    tm_seg(t->cpu, SEG_SS, 0x100, 0x1000, 0xffff, TM_DATA16);
    SETREG(t, R_ESP, 0x55550200);
    SETREG(t, R_EBP, 0x66660300);
    wr16(t, 0x1000 + 0x2fe, 0xabcd);
    ck_assert_int_eq(EXEC(t, 0xc8, 0x04, 0x00, 0x02), TM_NO_FAULT);
    ck_assert_uint_eq(rd16(t, 0x1000 + 0x1fe), 0x0300); /* old BP */
    ck_assert_uint_eq(rd16(t, 0x1000 + 0x1fc), 0xabcd); /* [BP-2] */
    ck_assert_uint_eq(rd16(t, 0x1000 + 0x1fa), 0x01fe); /* frame temp */
    ck_assert_uint_eq(REG(t, R_EBP), 0x666601fe);
    ck_assert_uint_eq(REG(t, R_ESP), 0x555501fa - 4);
    ck_assert_int_eq(EXEC(t, 0xc9), TM_NO_FAULT); /* leave */
    ck_assert_uint_eq(REG(t, R_ESP), 0x55550200);
    ck_assert_uint_eq(REG(t, R_EBP), 0x66660300);
}
END_TEST

START_TEST(enter_fault_restores)
{
    tm_flat32(t);
    tm_seg(t->cpu, SEG_SS, 0x18, 0, 0x8fff, TM_DATA32);
    SETREG(t, R_ESP, 0x0008);
    SETREG(t, R_EBP, 0x4000);
    /* enter 0x10, 0: the new ESP (0x4 - 0x10) wraps below 0 -> beyond the limit */
    ck_assert_int_eq(EXEC(t, 0xc8, 0x10, 0x00, 0x00), EXC_SS);
    ck_assert_uint_eq(REG(t, R_ESP), 0x0008);
    ck_assert_uint_eq(REG(t, R_EBP), 0x4000);
}
END_TEST

/* Protected mode with a GDT at 0x6000: 0x08 code32, 0x10 data32 (flat),
 * 0x18 data16 (limit 0xffff); limit 0x1f. */
static void gdt_setup(void)
{
    tm_flat32(t);
    static const uint32_t gdt[] = {0, 0,           0x0000ffff, 0x00cf9b00,
                                   0x0000ffff, 0x00cf9300, 0x0000ffff, 0x00009300};
    memcpy(t->ram + 0x6000, gdt, sizeof gdt);
    t->cpu->gdtr.base = 0x6000;
    t->cpu->gdtr.limit = sizeof gdt - 1;
}

/* POP SS from a 16-bit stack to a 32-bit one: the increment follows the
 * stack size in force when the instruction started (only SP moves). */
START_TEST(pop_ss_switches_stack_size)
{
    gdt_setup();
    tm_seg(t->cpu, SEG_SS, 0x18, 0, 0xffff, TM_DATA16);
    cpu_update_modes(t->cpu);
    SETREG(t, R_ESP, 0xabcdfffc);
    wr32(t, 0xfffc, 0x00000010);
    ck_assert_int_eq(EXEC(t, 0x17), TM_NO_FAULT); /* pop ss (32-bit operand) */
    ck_assert_uint_eq(t->cpu->seg[SEG_SS].sel, 0x10);
    ck_assert(t->cpu->stack32);
    ck_assert_uint_eq(REG(t, R_ESP), 0xabcd0000);
}
END_TEST

/* A POP DS / LDS whose selector faults leaves ESP, DS and the register. */
START_TEST(segment_load_faults_restore)
{
    gdt_setup();
    SETREG(t, R_ESP, 0x8000);
    wr32(t, 0x8000, 0x28); /* beyond the GDT limit */
    ck_assert_int_eq(EXEC(t, 0x1f), EXC_GP); /* pop ds */
    ck_assert_uint_eq(t->cpu->exc_error, 0x28);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8000);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].sel, 0x10);
    wr32(t, 0x8000, 0x18);
    ck_assert_int_eq(EXEC(t, 0x1f), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].sel, 0x18);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].limit, 0xffff);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8004);
    /* lds esi, [0x9000] with selector 0x28: #GP(0x28), ESI kept */
    tm_seg(t->cpu, SEG_DS, 0x10, 0, 0xffffffff, TM_DATA32);
    wr32(t, 0x9000, 0x12345678);
    wr16(t, 0x9004, 0x28);
    SETREG(t, R_ESI, 0x1111);
    ck_assert_int_eq(EXEC(t, 0xc5, 0x35, 0x00, 0x90, 0x00, 0x00), EXC_GP);
    ck_assert_uint_eq(t->cpu->exc_error, 0x28);
    ck_assert_uint_eq(REG(t, R_ESI), 0x1111);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].sel, 0x10);
    wr16(t, 0x9004, 0x18);
    ck_assert_int_eq(EXEC(t, 0xc5, 0x35, 0x00, 0x90, 0x00, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESI), 0x12345678);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].sel, 0x18);
    /* mov ss, ax with a null selector: #GP(0) */
    SETREG(t, R_EAX, 0);
    ck_assert_int_eq(EXEC(t, 0x8e, 0xd0), EXC_GP);
    ck_assert_uint_eq(t->cpu->seg[SEG_SS].sel, 0x10);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_stack");
    TCase *tc = tcase_create("stack");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, push_pop_esp_semantics);
    tcase_add_test(tc, push_imm_and_rm);
    tcase_add_test(tc, pop_mem_esp_based);
    tcase_add_test(tc, pop_mem_fault_keeps_esp);
    tcase_add_test(tc, stack16_wraps);
    tcase_add_test(tc, push_pop_sreg);
    tcase_add_test(tc, pusha_popa);
    tcase_add_test(tc, pusha_fault_writes_nothing);
    tcase_add_test(tc, enter_level0_and_leave);
    tcase_add_test(tc, enter_nested);
    tcase_add_test(tc, enter_16bit);
    tcase_add_test(tc, enter_fault_restores);
    tcase_add_test(tc, pop_ss_switches_stack_size);
    tcase_add_test(tc, segment_load_faults_restore);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
