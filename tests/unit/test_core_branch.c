/* Near control flow: Jcc, JMP/CALL rel and indirect, RET near, LOOPcc with
 * both address sizes, JCXZ/JECXZ, group 5, and the CS-limit check. */
#include "test_core_harness.h"
#include "test_util.h"

static struct tmach *t;
static void setup(void) { t = tm_create(); }
static void teardown(void) { tm_destroy(t); }

START_TEST(jcc_taken_and_not)
{
    tm_flat32(t);
    t->cpu->eip = 0x1000;
    cpu_set_arith(t->cpu, EF_ZF, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0x74, 0x10), TM_NO_FAULT); /* je +0x10 */
    ck_assert_uint_eq(t->cpu->eip, 0x1012);
    ck_assert_int_eq(EXEC(t, 0x75, 0x10), TM_NO_FAULT); /* jne: not taken */
    ck_assert_uint_eq(t->cpu->eip, 0x1014);
    ck_assert_int_eq(EXEC(t, 0x74, 0xfc), TM_NO_FAULT); /* je -4 */
    ck_assert_uint_eq(t->cpu->eip, 0x1012);
    cpu_set_arith(t->cpu, EF_CF, EF_ARITH);
    /* jb rel32 */
    ck_assert_int_eq(EXEC(t, 0x0f, 0x82, 0x00, 0x01, 0x00, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, 0x1012 + 6 + 0x100);
    /* jg with SF != OF: not taken */
    cpu_set_arith(t->cpu, EF_SF, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0x7f, 0x10), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, 0x1012 + 6 + 0x100 + 2);
    ck_assert_int_eq(EXEC(t, 0x7c, 0x10), TM_NO_FAULT); /* jl: taken */
    ck_assert_uint_eq(t->cpu->eip, 0x1012 + 6 + 0x100 + 4 + 0x10);
}
END_TEST

START_TEST(jmp_operand_size_truncates)
{
    tm_flat32(t);
    t->cpu->eip = 0x12340;
    ck_assert_int_eq(EXEC(t, 0xeb, 0x02), TM_NO_FAULT); /* jmp short +2 */
    ck_assert_uint_eq(t->cpu->eip, 0x12344);
    /* 66 e9 rel16 in 32-bit code: EIP is truncated to 16 bits */
    ck_assert_int_eq(EXEC(t, 0x66, 0xe9, 0x00, 0x10), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, (0x12344 + 4 + 0x1000) & 0xffff);
    /* 16-bit code: IP wraps */
    tm_real(t);
    t->cpu->eip = 0xfff0;
    ck_assert_int_eq(EXEC(t, 0xe9, 0x20, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, 0x0013);
}
END_TEST

START_TEST(jump_beyond_cs_limit)
{
    tm_flat32(t);
    tm_seg(t->cpu, SEG_CS, 0x08, 0, 0x1fff, TM_CODE32);
    t->cpu->eip = 0x1ff0;
    ck_assert_int_eq(EXEC(t, 0xeb, 0x20), EXC_GP); /* jmp to 0x2012 > limit */
    ck_assert_uint_eq(t->cpu->eip, 0x1ff0);
    ck_assert_int_eq(EXEC(t, 0xeb, 0x0d), TM_NO_FAULT); /* to 0x1fff: the last byte is fine */
    ck_assert_uint_eq(t->cpu->eip, 0x1fff);
    /* real mode too: a 32-bit near jump beyond 0xffff */
    tm_real(t);
    t->cpu->eip = 0x100;
    ck_assert_int_eq(EXEC(t, 0x66, 0xe9, 0x00, 0x00, 0x01, 0x00), EXC_GP);
    ck_assert_uint_eq(t->cpu->eip, 0x100);
}
END_TEST

START_TEST(call_ret_near)
{
    tm_flat32(t);
    SETREG(t, R_ESP, 0x9000);
    t->cpu->eip = 0x1000;
    ck_assert_int_eq(EXEC(t, 0xe8, 0x00, 0x01, 0x00, 0x00), TM_NO_FAULT); /* call +0x100 */
    ck_assert_uint_eq(t->cpu->eip, 0x1105);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8ffc);
    ck_assert_uint_eq(rd32(t, 0x8ffc), 0x1005);
    ck_assert_int_eq(EXEC(t, 0xc2, 0x08, 0x00), TM_NO_FAULT); /* ret 8 */
    ck_assert_uint_eq(t->cpu->eip, 0x1005);
    ck_assert_uint_eq(REG(t, R_ESP), 0x9008);
    /* 16-bit call in 32-bit code: pushes IP (2 bytes) */
    SETREG(t, R_ESP, 0x9000);
    ck_assert_int_eq(EXEC(t, 0x66, 0xe8, 0x10, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, 0x1019);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8ffe);
    ck_assert_uint_eq(rd16(t, 0x8ffe), 0x1009);
    ck_assert_int_eq(EXEC(t, 0x66, 0xc3), TM_NO_FAULT); /* ret (16-bit) */
    ck_assert_uint_eq(t->cpu->eip, 0x1009);
    ck_assert_uint_eq(REG(t, R_ESP), 0x9000);
    /* ret to beyond the CS limit: #GP, ESP unchanged */
    tm_seg(t->cpu, SEG_CS, 0x08, 0, 0xffff, TM_CODE32);
    wr32(t, 0x9000, 0x20000);
    ck_assert_int_eq(EXEC(t, 0xc3), EXC_GP);
    ck_assert_uint_eq(REG(t, R_ESP), 0x9000);
}
END_TEST

START_TEST(call_push_fault_restores_eip)
{
    tm_flat32(t);
    tm_seg(t->cpu, SEG_SS, 0x18, 0, 0xffff, TM_DATA32);
    SETREG(t, R_ESP, 0x2);
    t->cpu->eip = 0x1000;
    ck_assert_int_eq(EXEC(t, 0xe8, 0x00, 0x01, 0x00, 0x00), EXC_SS);
    ck_assert_uint_eq(t->cpu->eip, 0x1000);
    ck_assert_uint_eq(REG(t, R_ESP), 0x2);
}
END_TEST

/* LOOP's counter follows the address size: 67 E2 in 32-bit code uses CX. */
START_TEST(loop_address_size)
{
    tm_flat32(t);
    t->cpu->eip = 0x1000;
    SETREG(t, R_ECX, 0x00010000);
    ck_assert_int_eq(EXEC(t, 0x67, 0xe2, 0xf0), TM_NO_FAULT); /* loop (cx) */
    ck_assert_uint_eq(REG(t, R_ECX), 0x0001ffff);
    ck_assert_uint_eq(t->cpu->eip, 0x1003 - 0x10);
    SETREG(t, R_ECX, 0x00010001);
    t->cpu->eip = 0x1000;
    ck_assert_int_eq(EXEC(t, 0x67, 0xe2, 0xf0), TM_NO_FAULT); /* cx becomes 0: falls through */
    ck_assert_uint_eq(REG(t, R_ECX), 0x00010000);
    ck_assert_uint_eq(t->cpu->eip, 0x1003);
    SETREG(t, R_ECX, 0x00010001);
    t->cpu->eip = 0x1000;
    ck_assert_int_eq(EXEC(t, 0xe2, 0xf0), TM_NO_FAULT); /* loop (ecx) */
    ck_assert_uint_eq(REG(t, R_ECX), 0x00010000);
    ck_assert_uint_eq(t->cpu->eip, 0x1002 - 0x10);
    /* 16-bit code with 67: ECX */
    tm_real(t);
    t->cpu->eip = 0x100;
    SETREG(t, R_ECX, 0x00010000);
    ck_assert_int_eq(EXEC(t, 0x67, 0xe2, 0x10), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ECX), 0x0000ffff);
    ck_assert_uint_eq(t->cpu->eip, 0x113);
    SETREG(t, R_ECX, 0x00010001);
    t->cpu->eip = 0x100;
    ck_assert_int_eq(EXEC(t, 0xe2, 0x10), TM_NO_FAULT); /* cx 1 -> 0 */
    ck_assert_uint_eq(REG(t, R_ECX), 0x00010000);
    ck_assert_uint_eq(t->cpu->eip, 0x102);
}
END_TEST

START_TEST(loopcc_and_jcxz)
{
    tm_flat32(t);
    t->cpu->eip = 0x1000;
    SETREG(t, R_ECX, 5);
    cpu_set_arith(t->cpu, EF_ZF, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0xe1, 0x10), TM_NO_FAULT); /* loope: taken */
    ck_assert_uint_eq(t->cpu->eip, 0x1012);
    ck_assert_int_eq(EXEC(t, 0xe0, 0x10), TM_NO_FAULT); /* loopne: not taken, ECX still drops */
    ck_assert_uint_eq(t->cpu->eip, 0x1014);
    ck_assert_uint_eq(REG(t, R_ECX), 3);
    cpu_set_arith(t->cpu, 0, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0xe0, 0x10), TM_NO_FAULT); /* loopne: taken */
    ck_assert_uint_eq(t->cpu->eip, 0x1026);
    ck_assert_int_eq(EXEC(t, 0xe1, 0x10), TM_NO_FAULT); /* loope: not taken */
    ck_assert_uint_eq(t->cpu->eip, 0x1028);
    ck_assert_uint_eq(REG(t, R_ECX), 1);
    cpu_set_arith(t->cpu, EF_ZF, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0xe1, 0x10), TM_NO_FAULT); /* loope with ECX -> 0: not taken */
    ck_assert_uint_eq(t->cpu->eip, 0x102a);
    /* jecxz / jcxz */
    SETREG(t, R_ECX, 0x10000);
    ck_assert_int_eq(EXEC(t, 0xe3, 0x10), TM_NO_FAULT); /* jecxz: ECX != 0 */
    ck_assert_uint_eq(t->cpu->eip, 0x102c);
    ck_assert_int_eq(EXEC(t, 0x67, 0xe3, 0x10), TM_NO_FAULT); /* jcxz: CX == 0 */
    ck_assert_uint_eq(t->cpu->eip, 0x102f + 0x10);
    ck_assert_uint_eq(REG(t, R_ECX), 0x10000);
}
END_TEST

START_TEST(grp5_forms)
{
    tm_flat32(t);
    SETREG(t, R_ESP, 0x9000);
    SETREG(t, R_EBX, 0x800);
    wr32(t, 0x800, 0x7fffffff);
    ck_assert_int_eq(EXEC(t, 0xff, 0x03), TM_NO_FAULT); /* inc dword [ebx] */
    ck_assert_uint_eq(rd32(t, 0x800), 0x80000000);
    ck_assert(cpu_get_eflags(t->cpu) & EF_OF);
    ck_assert_int_eq(EXEC(t, 0x66, 0xff, 0x0b), TM_NO_FAULT); /* dec word [ebx] */
    ck_assert_uint_eq(rd32(t, 0x800), 0x8000ffff);
    ck_assert(!(cpu_get_eflags(t->cpu) & EF_ZF));
    /* call [ebx+4] */
    wr32(t, 0x804, 0x3000);
    t->cpu->eip = 0x1000;
    ck_assert_int_eq(EXEC(t, 0xff, 0x53, 0x04), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, 0x3000);
    ck_assert_uint_eq(rd32(t, 0x8ffc), 0x1003);
    /* call esp-relative: [esp] read before the push */
    ck_assert_int_eq(EXEC(t, 0xff, 0x14, 0x24), TM_NO_FAULT); /* call [esp] */
    ck_assert_uint_eq(t->cpu->eip, 0x1003);
    ck_assert_uint_eq(rd32(t, 0x8ff8), 0x3003 + 0);
    /* jmp eax */
    SETREG(t, R_EAX, 0x4444);
    ck_assert_int_eq(EXEC(t, 0xff, 0xe0), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, 0x4444);
    /* jmp ax (16-bit operand) */
    SETREG(t, R_EAX, 0x12345555);
    ck_assert_int_eq(EXEC(t, 0x66, 0xff, 0xe0), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->eip, 0x5555);
    /* push dword [ebx] */
    ck_assert_int_eq(EXEC(t, 0xff, 0x33), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8ff4);
    ck_assert_uint_eq(rd32(t, 0x8ff4), 0x8000ffff);
    /* inc ecx via ff c1; dec keeps CF */
    SETREG(t, R_ECX, 0xffffffff);
    cpu_set_arith(t->cpu, EF_CF, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0xff, 0xc1), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert(cpu_get_eflags(t->cpu) & EF_CF);
    ck_assert(cpu_get_eflags(t->cpu) & EF_ZF);
}
END_TEST

/* FF /3 and FF /5 in real mode: far pointer m16:16 read from memory. */
START_TEST(grp5_far_real_mode)
{
    SETREG(t, R_ESP, 0x8000);
    SETREG(t, R_EBX, 0x300);
    wr16(t, 0x300, 0x0010);
    wr16(t, 0x302, 0x2000);
    t->cpu->eip = 0x100;
    ck_assert_int_eq(EXEC(t, 0xff, 0x1f), TM_NO_FAULT); /* call far [bx] */
    ck_assert_uint_eq(t->cpu->seg[SEG_CS].sel, 0x2000);
    ck_assert_uint_eq(t->cpu->seg[SEG_CS].base, 0x20000);
    ck_assert_uint_eq(t->cpu->eip, 0x0010);
    ck_assert_uint_eq(REG(t, R_ESP), 0x7ffc);
    ck_assert_uint_eq(rd16(t, 0x7ffe), 0x0000); /* old CS */
    ck_assert_uint_eq(rd16(t, 0x7ffc), 0x0102); /* return IP */
    wr16(t, 0x304, 0x0020);
    wr16(t, 0x306, 0x3000);
    ck_assert_int_eq(EXEC(t, 0xff, 0x6f, 0x04), TM_NO_FAULT); /* jmp far [bx+4] */
    ck_assert_uint_eq(t->cpu->seg[SEG_CS].sel, 0x3000);
    ck_assert_uint_eq(t->cpu->eip, 0x0020);
    ck_assert_uint_eq(REG(t, R_ESP), 0x7ffc);
    /* 66: m16:32 */
    wr32(t, 0x308, 0x00000040);
    wr16(t, 0x30c, 0x4000);
    ck_assert_int_eq(EXEC(t, 0x66, 0xff, 0x6f, 0x08), TM_NO_FAULT); /* jmp far dword [bx+8] */
    ck_assert_uint_eq(t->cpu->seg[SEG_CS].sel, 0x4000);
    ck_assert_uint_eq(t->cpu->eip, 0x40);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_branch");
    TCase *tc = tcase_create("branch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, jcc_taken_and_not);
    tcase_add_test(tc, jmp_operand_size_truncates);
    tcase_add_test(tc, jump_beyond_cs_limit);
    tcase_add_test(tc, call_ret_near);
    tcase_add_test(tc, call_push_fault_restores_eip);
    tcase_add_test(tc, loop_address_size);
    tcase_add_test(tc, loopcc_and_jcxz);
    tcase_add_test(tc, grp5_forms);
    tcase_add_test(tc, grp5_far_real_mode);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
