/* Data movement instructions: MOV forms, MOV Sreg, LEA, moffs, XCHG,
 * MOVZX/MOVSX, XLAT, LxS, in 16- and 32-bit operand and address sizes. */
#include "test_core_harness.h"
#include "test_util.h"

static struct tmach *t;
static void setup(void) { t = tm_create(); }
static void teardown(void) { tm_destroy(t); }

START_TEST(mov_reg_forms)
{
    tm_flat32(t);
    SETREG(t, R_EAX, 0x11223344);
    SETREG(t, R_EBX, 0xaabbccdd);
    ck_assert_int_eq(EXEC(t, 0x88, 0xc7), TM_NO_FAULT); /* mov bh, al */
    ck_assert_uint_eq(REG(t, R_EBX), 0xaabb44dd);
    ck_assert_int_eq(EXEC(t, 0x8a, 0xe3), TM_NO_FAULT); /* mov ah, bl */
    ck_assert_uint_eq(REG(t, R_EAX), 0x1122dd44);
    ck_assert_int_eq(EXEC(t, 0x66, 0x89, 0xd8), TM_NO_FAULT); /* mov ax, bx */
    ck_assert_uint_eq(REG(t, R_EAX), 0x112244dd);
    ck_assert_int_eq(EXEC(t, 0x8b, 0xcb), TM_NO_FAULT); /* mov ecx, ebx */
    ck_assert_uint_eq(REG(t, R_ECX), 0xaabb44dd);
    ck_assert_int_eq(EXEC(t, 0xb4, 0x7f), TM_NO_FAULT); /* mov ah, 0x7f */
    ck_assert_uint_eq(REG(t, R_EAX), 0x11227fdd);
    ck_assert_int_eq(EXEC(t, 0xbe, 0x78, 0x56, 0x34, 0x12), TM_NO_FAULT); /* mov esi, 0x12345678 */
    ck_assert_uint_eq(REG(t, R_ESI), 0x12345678);
    ck_assert_int_eq(EXEC(t, 0x66, 0xbe, 0xcd, 0xab), TM_NO_FAULT); /* mov si, 0xabcd */
    ck_assert_uint_eq(REG(t, R_ESI), 0x1234abcd);
}
END_TEST

START_TEST(mov_mem_32bit_addressing)
{
    tm_flat32(t);
    SETREG(t, R_EBX, 0x1000);
    SETREG(t, R_ECX, 3);
    SETREG(t, R_EDX, 0xdeadbeef);
    /* mov [ebx+ecx*4+8], edx -> 0x1014 */
    ck_assert_int_eq(EXEC(t, 0x89, 0x54, 0x8b, 0x08), TM_NO_FAULT);
    ck_assert_uint_eq(rd32(t, 0x1014), 0xdeadbeef);
    /* mov eax, [0x1014] (disp32, no base) */
    ck_assert_int_eq(EXEC(t, 0x8b, 0x05, 0x14, 0x10, 0x00, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0xdeadbeef);
    /* mov byte [ebx], 0x5a ; mov word [ebx+2], 0x1234 */
    ck_assert_int_eq(EXEC(t, 0xc6, 0x03, 0x5a), TM_NO_FAULT);
    ck_assert_int_eq(EXEC(t, 0x66, 0xc7, 0x43, 0x02, 0x34, 0x12), TM_NO_FAULT);
    ck_assert_uint_eq(rd32(t, 0x1000), 0x1234005a);
    /* mov dword [ebx+4], 0x89abcdef */
    ck_assert_int_eq(EXEC(t, 0xc7, 0x43, 0x04, 0xef, 0xcd, 0xab, 0x89), TM_NO_FAULT);
    ck_assert_uint_eq(rd32(t, 0x1004), 0x89abcdef);
}
END_TEST

START_TEST(mov_mem_16bit_addressing)
{
    /* Real mode: DS base 0x2000, SS base 0x3000; [bp+..] uses SS. */
    tm_seg(t->cpu, SEG_DS, 0x200, 0x2000, 0xffff, TM_DATA16);
    tm_seg(t->cpu, SEG_SS, 0x300, 0x3000, 0xffff, TM_DATA16);
    SETREG(t, R_EBX, 0x0010);
    SETREG(t, R_ESI, 0xfff8); /* bx+si+4 wraps to 0x000c */
    SETREG(t, R_EAX, 0xcafe1234);
    ck_assert_int_eq(EXEC(t, 0x89, 0x40, 0x04), TM_NO_FAULT); /* mov [bx+si+4], ax */
    ck_assert_uint_eq(rd16(t, 0x200c), 0x1234);
    SETREG(t, R_EBP, 0x0100);
    ck_assert_int_eq(EXEC(t, 0x88, 0x66, 0x02), TM_NO_FAULT); /* mov [bp+2], ah */
    ck_assert_uint_eq(t->ram[0x3102], 0x12);
    /* 32-bit addressing in 16-bit code: mov ecx, [esi] with 66 67 prefixes */
    wr32(t, 0x2000 + 0x40, 0x87654321);
    SETREG(t, R_ESI, 0x40);
    ck_assert_int_eq(EXEC(t, 0x66, 0x67, 0x8b, 0x0e), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ECX), 0x87654321);
}
END_TEST

/* MOV r/m, Sreg: register destination zero-extended with 32-bit operand
 * size (P6), 16 bits with 16-bit size; memory always 16 bits. */
START_TEST(mov_from_sreg)
{
    tm_flat32(t);
    SETREG(t, R_EAX, 0xffffffff);
    ck_assert_int_eq(EXEC(t, 0x8c, 0xd8), TM_NO_FAULT); /* mov eax, ds */
    ck_assert_uint_eq(REG(t, R_EAX), 0x10);
    SETREG(t, R_EAX, 0xffffffff);
    ck_assert_int_eq(EXEC(t, 0x66, 0x8c, 0xc8), TM_NO_FAULT); /* mov ax, cs */
    ck_assert_uint_eq(REG(t, R_EAX), 0xffff0008);
    wr32(t, 0x500, 0xaaaaaaaa);
    /* mov [0x500], ds */
    ck_assert_int_eq(EXEC(t, 0x8c, 0x1d, 0x00, 0x05, 0x00, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(rd32(t, 0x500), 0xaaaa0010);
    /* mov eax, sreg 6 is #UD (rejected by the decoder) */
    struct insn in;
    static const uint8_t bad[] = {0x8c, 0xf0};
    ck_assert_int_eq(decode_insn(&in, bad, 2, true), DEC_INVALID);
}
END_TEST

START_TEST(lea_sizes)
{
    tm_flat32(t);
    SETREG(t, R_EBX, 0x0000fff0);
    SETREG(t, R_ESI, 0x00000020);
    SETREG(t, R_EAX, 0xffffffff);
    /* lea eax, [ebx+esi*2+0x10] */
    ck_assert_int_eq(EXEC(t, 0x8d, 0x44, 0x73, 0x10), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0x10040);
    /* 67: lea eax, [bx+si+0x10]: address wraps at 16 bits, zero-extended */
    ck_assert_int_eq(EXEC(t, 0x67, 0x8d, 0x40, 0x10), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0x0020);
    /* 66: lea ax, [ebx+0x20]: result truncated to 16 bits, upper EAX kept */
    SETREG(t, R_EAX, 0x12345678);
    ck_assert_int_eq(EXEC(t, 0x66, 0x8d, 0x43, 0x20), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0x12340010);
}
END_TEST

START_TEST(moffs_with_override)
{
    tm_seg(t->cpu, SEG_ES, 0x500, 0x5000, 0xffff, TM_DATA16);
    t->ram[0x1234] = 0x11;
    t->ram[0x6234] = 0x22;
    ck_assert_int_eq(EXEC(t, 0xa0, 0x34, 0x12), TM_NO_FAULT); /* mov al, [0x1234] */
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 0x11);
    ck_assert_int_eq(EXEC(t, 0x26, 0xa0, 0x34, 0x12), TM_NO_FAULT); /* mov al, es:[0x1234] */
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 0x22);
    SETREG(t, R_EAX, 0x89abcdef);
    ck_assert_int_eq(EXEC(t, 0x66, 0xa3, 0x00, 0x01), TM_NO_FAULT); /* mov [0x100], eax */
    ck_assert_uint_eq(rd32(t, 0x100), 0x89abcdef);
    ck_assert_int_eq(EXEC(t, 0x26, 0xa2, 0x00, 0x01), TM_NO_FAULT); /* mov es:[0x100], al */
    ck_assert_uint_eq(t->ram[0x5100], 0xef);
    wr16(t, 0x300, 0xbeef);
    ck_assert_int_eq(EXEC(t, 0xa1, 0x00, 0x03), TM_NO_FAULT); /* mov ax, [0x300] */
    ck_assert_uint_eq(REG(t, R_EAX), 0x89abbeef);
    /* 32-bit address size in 16-bit code: 67 a0 disp32 */
    t->ram[0x10] = 0x77;
    ck_assert_int_eq(EXEC(t, 0x67, 0xa0, 0x10, 0x00, 0x00, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 0x77);
}
END_TEST

START_TEST(xchg_forms)
{
    tm_flat32(t);
    SETREG(t, R_EAX, 0x11111111);
    SETREG(t, R_ECX, 0x22222222);
    ck_assert_int_eq(EXEC(t, 0x91), TM_NO_FAULT); /* xchg ecx, eax */
    ck_assert_uint_eq(REG(t, R_EAX), 0x22222222);
    ck_assert_uint_eq(REG(t, R_ECX), 0x11111111);
    ck_assert_int_eq(EXEC(t, 0x66, 0x91), TM_NO_FAULT); /* xchg cx, ax */
    ck_assert_uint_eq(REG(t, R_EAX), 0x22221111);
    ck_assert_uint_eq(REG(t, R_ECX), 0x11112222);
    ck_assert_int_eq(EXEC(t, 0x90), TM_NO_FAULT); /* nop */
    ck_assert_uint_eq(REG(t, R_EAX), 0x22221111);
    wr32(t, 0x800, 0xabcdef01);
    SETREG(t, R_EBX, 0x800);
    ck_assert_int_eq(EXEC(t, 0x87, 0x03), TM_NO_FAULT); /* xchg [ebx], eax */
    ck_assert_uint_eq(REG(t, R_EAX), 0xabcdef01);
    ck_assert_uint_eq(rd32(t, 0x800), 0x22221111);
    ck_assert_int_eq(EXEC(t, 0x86, 0x23), TM_NO_FAULT); /* xchg [ebx], ah */
    ck_assert_uint_eq(REG(t, R_EAX), 0xabcd1101);
    ck_assert_uint_eq(rd32(t, 0x800), 0x222211ef);
    ck_assert_int_eq(EXEC(t, 0x86, 0xc4), TM_NO_FAULT); /* xchg ah, al */
    ck_assert_uint_eq(REG(t, R_EAX), 0xabcd0111);
}
END_TEST

START_TEST(movzx_movsx)
{
    tm_flat32(t);
    SETREG(t, R_EBX, 0x8180);
    SETREG(t, R_EAX, 0xffffffff);
    ck_assert_int_eq(EXEC(t, 0x0f, 0xb6, 0xc3), TM_NO_FAULT); /* movzx eax, bl */
    ck_assert_uint_eq(REG(t, R_EAX), 0x80);
    ck_assert_int_eq(EXEC(t, 0x0f, 0xbe, 0xc7), TM_NO_FAULT); /* movsx eax, bh */
    ck_assert_uint_eq(REG(t, R_EAX), 0xffffff81);
    ck_assert_int_eq(EXEC(t, 0x0f, 0xbf, 0xcb), TM_NO_FAULT); /* movsx ecx, bx */
    ck_assert_uint_eq(REG(t, R_ECX), 0xffff8180);
    ck_assert_int_eq(EXEC(t, 0x0f, 0xb7, 0xcb), TM_NO_FAULT); /* movzx ecx, bx */
    ck_assert_uint_eq(REG(t, R_ECX), 0x8180);
    SETREG(t, R_EDX, 0x12345678);
    ck_assert_int_eq(EXEC(t, 0x66, 0x0f, 0xbe, 0xd3), TM_NO_FAULT); /* movsx dx, bl */
    ck_assert_uint_eq(REG(t, R_EDX), 0x1234ff80);
    t->ram[0x900] = 0xfe;
    /* movsx eax, byte [0x900] */
    ck_assert_int_eq(EXEC(t, 0x0f, 0xbe, 0x05, 0x00, 0x09, 0, 0), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0xfffffffe);
}
END_TEST

START_TEST(xlat_override_and_wrap)
{
    tm_seg(t->cpu, SEG_DS, 0x100, 0x1000, 0xffff, TM_DATA16);
    tm_seg(t->cpu, SEG_FS, 0x400, 0x4000, 0xffff, TM_DATA16);
    t->ram[0x1000 + 0x205] = 0xa5;
    t->ram[0x4000 + 0x205] = 0x5a;
    SETREG(t, R_EBX, 0xabcd0200); /* only BX counts with 16-bit addressing */
    SETREG(t, R_EAX, 0x05);
    ck_assert_int_eq(EXEC(t, 0xd7), TM_NO_FAULT); /* xlat */
    ck_assert_uint_eq(REG(t, R_EAX), 0xa5);
    SETREG(t, R_EAX, 0x05);
    ck_assert_int_eq(EXEC(t, 0x64, 0xd7), TM_NO_FAULT); /* fs xlat */
    ck_assert_uint_eq(REG(t, R_EAX), 0x5a);
    /* BX + AL wraps at 64 KiB */
    SETREG(t, R_EBX, 0xfff0);
    SETREG(t, R_EAX, 0x1234ff20);
    t->ram[0x1000 + 0x10] = 0x3c;
    ck_assert_int_eq(EXEC(t, 0xd7), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0x1234ff3c);
    /* 32-bit address size: EBX + AL */
    tm_flat32(t);
    SETREG(t, R_EBX, 0x20000);
    SETREG(t, R_EAX, 0x7);
    t->ram[0x20007] = 0x99;
    ck_assert_int_eq(EXEC(t, 0xd7), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0x99);
}
END_TEST

START_TEST(load_far_pointer_real_mode)
{
    /* les di, [0x40]: offset 0x1234, selector 0x5678 */
    wr16(t, 0x40, 0x1234);
    wr16(t, 0x42, 0x5678);
    SETREG(t, R_EDI, 0xffff0000);
    ck_assert_int_eq(EXEC(t, 0xc4, 0x3e, 0x40, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EDI), 0xffff1234);
    ck_assert_uint_eq(t->cpu->seg[SEG_ES].sel, 0x5678);
    ck_assert_uint_eq(t->cpu->seg[SEG_ES].base, 0x56780);
    /* 66 0f b4 36 50 00: lfs esi, [0x50] (m16:32) */
    wr32(t, 0x50, 0x89abcdef);
    wr16(t, 0x54, 0x0123);
    ck_assert_int_eq(EXEC(t, 0x66, 0x0f, 0xb4, 0x36, 0x50, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ESI), 0x89abcdef);
    ck_assert_uint_eq(t->cpu->seg[SEG_FS].sel, 0x0123);
    /* 0f b2 26 40 00: lss sp, [0x40]; unlike MOV SS it arms no interrupt shadow */
    t->cpu->inhibit_irq = 0;
    ck_assert_int_eq(EXEC(t, 0x0f, 0xb2, 0x26, 0x40, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->inhibit_irq, 0);
    ck_assert_uint_eq(t->cpu->seg[SEG_SS].sel, 0x5678);
    ck_assert_uint_eq(REG(t, R_ESP) & 0xffff, 0x1234);
    /* lds ax, [0xfffe]: the selector lies beyond the DS limit: #GP, DS and AX kept */
    SETREG(t, R_EAX, 0x4444);
    ck_assert_int_eq(EXEC(t, 0xc5, 0x06, 0xfe, 0xff), EXC_GP);
    ck_assert_uint_eq(REG(t, R_EAX), 0x4444);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].sel, 0);
}
END_TEST

START_TEST(mov_sreg_real_mode)
{
    SETREG(t, R_EAX, 0x1234);
    ck_assert_int_eq(EXEC(t, 0x8e, 0xd8), TM_NO_FAULT); /* mov ds, ax */
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].sel, 0x1234);
    ck_assert_uint_eq(t->cpu->seg[SEG_DS].base, 0x12340);
    /* mov es, [0x60]: the source is read through the new DS (base 0x12340) */
    wr16(t, 0x123a0, 0x2000);
    ck_assert_int_eq(EXEC(t, 0x8e, 0x06, 0x60, 0x00), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->seg[SEG_ES].sel, 0x2000);
    ck_assert_uint_eq(t->cpu->seg[SEG_ES].base, 0x20000);
    ck_assert_uint_eq(t->cpu->inhibit_irq, 0); /* only SS loads arm the shadow */
    /* mov ss, ax arms the interrupt shadow */
    t->cpu->inhibit_irq = 0;
    ck_assert_int_eq(EXEC(t, 0x8e, 0xd0), TM_NO_FAULT);
    ck_assert_uint_eq(t->cpu->seg[SEG_SS].sel, 0x1234);
    ck_assert_uint_ne(t->cpu->inhibit_irq, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_mov");
    TCase *tc = tcase_create("mov");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, mov_reg_forms);
    tcase_add_test(tc, mov_mem_32bit_addressing);
    tcase_add_test(tc, mov_mem_16bit_addressing);
    tcase_add_test(tc, mov_from_sreg);
    tcase_add_test(tc, lea_sizes);
    tcase_add_test(tc, moffs_with_override);
    tcase_add_test(tc, xchg_forms);
    tcase_add_test(tc, movzx_movsx);
    tcase_add_test(tc, xlat_override_and_wrap);
    tcase_add_test(tc, load_far_pointer_real_mode);
    tcase_add_test(tc, mov_sreg_real_mode);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
