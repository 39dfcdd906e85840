/* String instructions: every element size, both address sizes, DF, segment
 * override, REP/REPE/REPNE, zero count, and restart after a fault mid-string. */
#include "test_core_harness.h"
#include "cpu/mem.h"
#include "test_util.h"

static struct tmach *t;
static void setup(void) { t = tm_create(); }
static void teardown(void) { tm_destroy(t); }

START_TEST(movs_single_and_df)
{
    tm_flat32(t);
    wr32(t, 0x1000, 0x44332211);
    SETREG(t, R_ESI, 0x1000);
    SETREG(t, R_EDI, 0x2000);
    ck_assert_int_eq(EXEC(t, 0xa4), TM_NO_FAULT); /* movsb */
    ck_assert_uint_eq(t->ram[0x2000], 0x11);
    ck_assert_uint_eq(REG(t, R_ESI), 0x1001);
    ck_assert_uint_eq(REG(t, R_EDI), 0x2001);
    ck_assert_int_eq(EXEC(t, 0x66, 0xa5), TM_NO_FAULT); /* movsw */
    ck_assert_uint_eq(rd16(t, 0x2001), 0x3322);
    ck_assert_uint_eq(REG(t, R_ESI), 0x1003);
    ck_assert_int_eq(EXEC(t, 0xfd), TM_NO_FAULT); /* std */
    ck_assert_int_eq(EXEC(t, 0xa5), TM_NO_FAULT); /* movsd, backwards */
    ck_assert_uint_eq(REG(t, R_ESI), 0x0fff);
    ck_assert_uint_eq(REG(t, R_EDI), 0x1fff);
    ck_assert_uint_eq(rd32(t, 0x2003), rd32(t, 0x1003));
    ck_assert_int_eq(EXEC(t, 0xfc), TM_NO_FAULT); /* cld */
    ck_assert(!(cpu_get_eflags(t->cpu) & EF_DF));
}
END_TEST

START_TEST(rep_movs_32)
{
    tm_flat32(t);
    for (int i = 0; i < 400; i++)
        t->ram[0x10000 + i] = (uint8_t)(i * 7 + 1);
    SETREG(t, R_ESI, 0x10000);
    SETREG(t, R_EDI, 0x20000);
    SETREG(t, R_ECX, 100);
    t->cpu->eip = 0x500;
    ck_assert_int_eq(EXEC(t, 0xf3, 0xa5), TM_NO_FAULT); /* rep movsd */
    ck_assert_int_eq(memcmp(t->ram + 0x10000, t->ram + 0x20000, 400), 0);
    ck_assert_uint_eq(t->ram[0x20000 + 400], 0);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert_uint_eq(REG(t, R_ESI), 0x10000 + 400);
    ck_assert_uint_eq(REG(t, R_EDI), 0x20000 + 400);
    ck_assert_uint_eq(t->cpu->eip, 0x502);
}
END_TEST

/* 16-bit addressing: SI/DI/CX only, wrapping at 64 KiB; DS override on the source. */
START_TEST(rep_movs_16bit_wrap_override)
{
    tm_seg(t->cpu, SEG_ES, 0x2000, 0x20000, 0xffff, TM_DATA16);
    tm_seg(t->cpu, SEG_FS, 0x3000, 0x30000, 0xffff, TM_DATA16);
    for (int i = 0; i < 8; i++)
        t->ram[0x30000 + ((0xfffc + i) & 0xffff)] = (uint8_t)(0xa0 + i);
    SETREG(t, R_ESI, 0x1234fffc);
    SETREG(t, R_EDI, 0x5678fffe);
    SETREG(t, R_ECX, 0xabcd0008);
    ck_assert_int_eq(EXEC(t, 0xf3, 0x64, 0xa4), TM_NO_FAULT); /* rep movsb fs: */
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(t->ram[0x20000 + ((0xfffe + i) & 0xffff)], 0xa0 + i);
    ck_assert_uint_eq(REG(t, R_ESI), 0x12340004);
    ck_assert_uint_eq(REG(t, R_EDI), 0x56780006);
    ck_assert_uint_eq(REG(t, R_ECX), 0xabcd0000);
}
END_TEST

START_TEST(rep_zero_count_does_nothing)
{
    tm_flat32(t);
    SETREG(t, R_ECX, 0);
    SETREG(t, R_EDI, 0x3000);
    SETREG(t, R_EAX, 0xffffffff);
    t->cpu->eip = 0x700;
    cpu_set_arith(t->cpu, EF_ZF | EF_CF, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0xf3, 0xab), TM_NO_FAULT); /* rep stosd */
    ck_assert_uint_eq(rd32(t, 0x3000), 0);
    ck_assert_uint_eq(REG(t, R_EDI), 0x3000);
    ck_assert_int_eq(EXEC(t, 0xf3, 0xa6), TM_NO_FAULT); /* repe cmpsb: flags untouched */
    ck_assert_uint_eq(cpu_get_arith(t->cpu), EF_ZF | EF_CF);
    ck_assert_uint_eq(t->cpu->eip, 0x704);
    /* 67: CX is zero though ECX is not */
    SETREG(t, R_ECX, 0x10000);
    ck_assert_int_eq(EXEC(t, 0x67, 0xf3, 0xab), TM_NO_FAULT);
    ck_assert_uint_eq(rd32(t, 0x3000), 0);
    ck_assert_uint_eq(REG(t, R_ECX), 0x10000);
}
END_TEST

START_TEST(rep_stos_lods)
{
    tm_flat32(t);
    SETREG(t, R_EAX, 0x5a5a1234);
    SETREG(t, R_EDI, 0x4000);
    SETREG(t, R_ECX, 10);
    ck_assert_int_eq(EXEC(t, 0xf2, 0x66, 0xab), TM_NO_FAULT); /* F2 acts as REP for STOS */
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(rd16(t, 0x4000 + 2 * i), 0x1234);
    ck_assert_uint_eq(rd16(t, 0x4000 + 20), 0);
    ck_assert_uint_eq(REG(t, R_EDI), 0x4014);
    /* lodsb with an ES override; DS ignored */
    tm_seg(t->cpu, SEG_ES, 0x18, 0x100, 0xfffff, TM_DATA32);
    t->ram[0x4100] = 0x99;
    SETREG(t, R_ESI, 0x4000);
    ck_assert_int_eq(EXEC(t, 0x26, 0xac), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 0x5a5a1299);
    ck_assert_uint_eq(REG(t, R_ESI), 0x4001);
    /* rep lodsd: EAX ends with the last element */
    wr32(t, 0x5000, 1);
    wr32(t, 0x5004, 2);
    wr32(t, 0x5008, 3);
    SETREG(t, R_ESI, 0x5000);
    SETREG(t, R_ECX, 3);
    ck_assert_int_eq(EXEC(t, 0xf3, 0xad), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_EAX), 3);
    ck_assert_uint_eq(REG(t, R_ESI), 0x500c);
}
END_TEST

START_TEST(repe_cmps_stops_on_mismatch)
{
    tm_flat32(t);
    memcpy(t->ram + 0x1000, "abcdefgh", 8);
    memcpy(t->ram + 0x2000, "abcdXfgh", 8);
    SETREG(t, R_ESI, 0x1000);
    SETREG(t, R_EDI, 0x2000);
    SETREG(t, R_ECX, 8);
    ck_assert_int_eq(EXEC(t, 0xf3, 0xa6), TM_NO_FAULT); /* repe cmpsb */
    ck_assert_uint_eq(REG(t, R_ECX), 3);
    ck_assert_uint_eq(REG(t, R_ESI), 0x1005);
    ck_assert_uint_eq(REG(t, R_EDI), 0x2005);
    uint32_t f = cpu_get_eflags(t->cpu);
    ck_assert(!(f & EF_ZF));
    ck_assert(!(f & EF_CF)); /* 'e' (0x65) - 'X' (0x58): no borrow */
    ck_assert(!(f & EF_SF));
}
END_TEST

START_TEST(repne_scas_finds_byte)
{
    tm_flat32(t);
    memcpy(t->ram + 0x3000, "hello, world", 12);
    SETREG(t, R_EDI, 0x3000);
    SETREG(t, R_ECX, 12);
    SETREG(t, R_EAX, ',');
    ck_assert_int_eq(EXEC(t, 0xf2, 0xae), TM_NO_FAULT); /* repne scasb */
    ck_assert_uint_eq(REG(t, R_EDI), 0x3006);
    ck_assert_uint_eq(REG(t, R_ECX), 6);
    ck_assert(cpu_get_eflags(t->cpu) & EF_ZF);
    /* not found: runs out of count with ZF clear */
    SETREG(t, R_EDI, 0x3000);
    SETREG(t, R_ECX, 12);
    SETREG(t, R_EAX, 'z');
    ck_assert_int_eq(EXEC(t, 0xf2, 0xae), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert_uint_eq(REG(t, R_EDI), 0x300c);
    ck_assert(!(cpu_get_eflags(t->cpu) & EF_ZF));
    /* scasw / repe scasd */
    wr32(t, 0x3100, 7);
    wr32(t, 0x3104, 7);
    wr32(t, 0x3108, 8);
    SETREG(t, R_EDI, 0x3100);
    SETREG(t, R_ECX, 10);
    SETREG(t, R_EAX, 7);
    ck_assert_int_eq(EXEC(t, 0xf3, 0xaf), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ECX), 7);
    ck_assert_uint_eq(REG(t, R_EDI), 0x310c);
    ck_assert(cpu_get_eflags(t->cpu) & EF_CF); /* 7 - 8 borrows */
}
END_TEST

/* A REP MOVS that runs into the ES limit stops at the faulting iteration
 * with ECX/ESI/EDI showing the progress; once the cause is removed the
 * same instruction resumes and completes. */
START_TEST(rep_fault_mid_string_segment_limit)
{
    tm_flat32(t);
    tm_seg(t->cpu, SEG_ES, 0x20, 0, 0x10ff, TM_DATA32);
    for (int i = 0; i < 0x200; i++)
        t->ram[0x8000 + i] = (uint8_t)i;
    SETREG(t, R_ESI, 0x8000);
    SETREG(t, R_EDI, 0x1000);
    SETREG(t, R_ECX, 0x80);
    t->cpu->eip = 0x600;
    ck_assert_int_eq(EXEC(t, 0xf3, 0xa5), EXC_GP); /* rep movsd */
    ck_assert_uint_eq(REG(t, R_ECX), 0x80 - 0x40);
    ck_assert_uint_eq(REG(t, R_ESI), 0x8100);
    ck_assert_uint_eq(REG(t, R_EDI), 0x1100);
    ck_assert_uint_eq(t->cpu->eip, 0x600);
    ck_assert_int_eq(memcmp(t->ram + 0x1000, t->ram + 0x8000, 0x100), 0);
    ck_assert_uint_eq(t->ram[0x1100], 0);
    /* raise the limit and restart */
    t->cpu->seg[SEG_ES].limit = 0xffff;
    ck_assert_int_eq(EXEC(t, 0xf3, 0xa5), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert_int_eq(memcmp(t->ram + 0x1000, t->ram + 0x8000, 0x200), 0);
    ck_assert_uint_eq(t->cpu->eip, 0x602);
}
END_TEST

/* Same with paging: REP STOSD runs into a not-present page; #PF with CR2 at
 * the page, ECX/EDI at the faulting iteration, the earlier stores done. */
START_TEST(rep_fault_mid_string_not_present_page)
{
    tm_flat32(t);
    /* page directory at 0x80000, one page table at 0x81000 identity-mapping
     * the first 4 MiB, except the page at 0x5000 */
    wr32(t, 0x80000, 0x81000 | 0x7);
    for (uint32_t i = 0; i < 1024; i++)
        wr32(t, 0x81000 + 4 * i, (i << 12) | 0x7);
    wr32(t, 0x81000 + 4 * 5, 0);
    t->cpu->cr3 = 0x80000;
    t->cpu->cr0 |= CR0_PG;
    mmu_flush_all(t->cpu);
    SETREG(t, R_EDI, 0x4f00);
    SETREG(t, R_ECX, 0x100);
    SETREG(t, R_EAX, 0x5a5a5a5a);
    t->cpu->eip = 0x300;
    ck_assert_int_eq(EXEC(t, 0xf3, 0xab), EXC_PF);
    ck_assert_uint_eq(t->cpu->cr2, 0x5000);
    ck_assert_uint_eq(t->cpu->exc_error & 7, 2); /* write to a not-present page, CPL 0 */
    ck_assert_uint_eq(REG(t, R_ECX), 0xc0);
    ck_assert_uint_eq(REG(t, R_EDI), 0x5000);
    ck_assert_uint_eq(rd32(t, 0x4ffc), 0x5a5a5a5a);
    ck_assert_uint_eq(t->cpu->eip, 0x300);
    /* map the page (physical 0x6000) and resume */
    wr32(t, 0x81000 + 4 * 5, 0x6000 | 0x7);
    mmu_flush_page(t->cpu, 0x5000);
    ck_assert_int_eq(EXEC(t, 0xf3, 0xab), TM_NO_FAULT);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert_uint_eq(REG(t, R_EDI), 0x5300);
    ck_assert_uint_eq(rd32(t, 0x6000), 0x5a5a5a5a);
    ck_assert_uint_eq(rd32(t, 0x62fc), 0x5a5a5a5a);
    ck_assert_uint_eq(rd32(t, 0x6300), 0);
}
END_TEST

/* A fault mid-REPE CMPS keeps the flags of the last completed iteration. */
START_TEST(rep_fault_keeps_committed_flags)
{
    tm_seg(t->cpu, SEG_DS, 0, 0, 0x0103, TM_DATA16);
    memset(t->ram + 0x100, 0x41, 4);
    memset(t->ram + 0x200, 0x41, 8);
    SETREG(t, R_ESI, 0x100);
    SETREG(t, R_EDI, 0x200);
    SETREG(t, R_ECX, 8);
    cpu_set_arith(t->cpu, 0, EF_ARITH);
    ck_assert_int_eq(EXEC(t, 0xf3, 0xa6), EXC_GP); /* repe cmpsb: DS:0x104 is beyond */
    ck_assert_uint_eq(REG(t, R_ECX), 4);
    ck_assert_uint_eq(REG(t, R_ESI), 0x104);
    ck_assert(cpu_get_eflags(t->cpu) & EF_ZF);
}
END_TEST

/* Through cpu_run: a long REP STOSB yields to the run loop in batches and
 * still completes within one retired instruction's worth of EIP. */
START_TEST(rep_batches_through_run_loop)
{
    tm_flat32(t);
    static const uint8_t code[] = {
        0xf3, 0xaa, /* rep stosb */
        0xf4,       /* hlt */
    };
    memcpy(t->ram + 0x100, code, sizeof code);
    t->cpu->eip = 0x100;
    SETREG(t, R_EDI, 0x40000);
    SETREG(t, R_ECX, 20000);
    SETREG(t, R_EAX, 0xcc);
    enum cpu_exit e = cpu_run(t->cpu, 1);
    ck_assert_int_eq(e, CPU_EXIT_BUDGET);
    /* one batch done, the instruction is still current */
    ck_assert_uint_eq(t->cpu->eip, 0x100);
    ck_assert_uint_lt(REG(t, R_ECX), 20000);
    ck_assert_uint_gt(REG(t, R_ECX), 0);
    ck_assert_uint_eq(REG(t, R_EDI), 0x40000 + 20000 - REG(t, R_ECX));
    for (int i = 0; i < 10 && t->cpu->eip == 0x100; i++)
        cpu_run(t->cpu, 1);
    ck_assert_uint_eq(t->cpu->eip, 0x102);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert_uint_eq(t->ram[0x40000 + 19999], 0xcc);
    ck_assert_uint_eq(t->ram[0x40000 + 20000], 0);
}
END_TEST

/* Single-stepping (TF) a REP MOVSB traps after every iteration with IP still
 * at the instruction until the last one (real mode, #DB through the IVT). */
START_TEST(single_step_traps_each_iteration)
{
    static const uint8_t code[] = {
        0xf3, 0xa4, /* 0x100: rep movsb */
        0xf4,       /* 0x102: hlt */
    };
    static const uint8_t handler[] = {
        0xfe, 0x06, 0x00, 0x07, /* 0x600: inc byte [0x700] */
        0xcf,                   /* iret */
    };
    memcpy(t->ram + 0x100, code, sizeof code);
    memcpy(t->ram + 0x600, handler, sizeof handler);
    wr16(t, 1 * 4, 0x600); /* vector 1 -> 0000:0600 */
    wr16(t, 1 * 4 + 2, 0);
    memcpy(t->ram + 0x400, "xyz", 3);
    t->cpu->eip = 0x100;
    SETREG(t, R_ESP, 0x8000);
    SETREG(t, R_ESI, 0x400);
    SETREG(t, R_EDI, 0x500);
    SETREG(t, R_ECX, 3);
    cpu_set_eflags(t->cpu, EF_FIXED1 | EF_TF, 0xffffffffu);
    for (int i = 0; i < 3; i++) {
        /* one iteration, then the trap is delivered */
        cpu_run(t->cpu, 1);
        ck_assert_uint_eq(REG(t, R_ECX), 2 - i);
        ck_assert_uint_eq(t->cpu->eip, 0x600);
        ck_assert_uint_eq(rd16(t, 0x8000 - 6), i < 2 ? 0x100 : 0x102); /* pushed IP */
        cpu_run(t->cpu, 2); /* the handler (TF is clear inside it) */
        ck_assert_uint_eq(t->ram[0x700], i + 1);
    }
    ck_assert_uint_eq(t->cpu->eip, 0x102);
    ck_assert_int_eq(memcmp(t->ram + 0x500, "xyz", 3), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_string");
    TCase *tc = tcase_create("string");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, movs_single_and_df);
    tcase_add_test(tc, rep_movs_32);
    tcase_add_test(tc, rep_movs_16bit_wrap_override);
    tcase_add_test(tc, rep_zero_count_does_nothing);
    tcase_add_test(tc, rep_stos_lods);
    tcase_add_test(tc, repe_cmps_stops_on_mismatch);
    tcase_add_test(tc, repne_scas_finds_byte);
    tcase_add_test(tc, rep_fault_mid_string_segment_limit);
    tcase_add_test(tc, rep_fault_mid_string_not_present_page);
    tcase_add_test(tc, rep_fault_keeps_committed_flags);
    tcase_add_test(tc, rep_batches_through_run_loop);
    tcase_add_test(tc, single_step_traps_each_iteration);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
