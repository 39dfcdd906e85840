/* The lazy-flags API (cpu/flags.h): EFLAGS assembly and masks, reserved
 * bits, partial updates on top of lazy state, CF preservation by INC/DEC,
 * and the flag-moving instructions (CLC STC CMC SAHF LAHF SALC CBW CWD). */
#include <check.h>

#include "alu_test_util.h"
#include "cpu/alu.h"
#include "test_util.h"

/* Bits a P6 implements: CF 1 PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID. */
#define P6_EFLAGS_BITS 0x003f7fd7u

START_TEST(eflags_reserved_bits)
{
    struct cpu *cpu = tcpu_new();
    cpu_set_eflags(cpu, 0xffffffffu, 0xffffffffu);
    ck_assert_uint_eq(cpu_get_eflags(cpu), P6_EFLAGS_BITS);
    cpu_set_eflags(cpu, 0, 0xffffffffu);
    ck_assert_uint_eq(cpu_get_eflags(cpu), EF_FIXED1);
    /* arithmetic bits never leak into cpu->eflags, reserved bits never stick */
    cpu_set_eflags(cpu, 0xffffffffu, 0xffffffffu);
    ck_assert_uint_eq(cpu->eflags & (EF_ARITH | 0xffc08028u), 0);
    free(cpu);
}
END_TEST

START_TEST(eflags_mask)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 12345;
    for (int i = 0; i < 20000; i++) {
        uint32_t before = cpu_get_eflags(cpu);
        uint32_t v = (uint32_t)trand(&seed), m = (uint32_t)trand(&seed);
        cpu_set_eflags(cpu, v, m);
        uint32_t want = (((before & ~m) | (v & m)) & P6_EFLAGS_BITS) | EF_FIXED1;
        TEQ(cpu_get_eflags(cpu), want);
        TEQ(cpu_get_arith(cpu), want & EF_ARITH);
        TEQ(cpu_get_cf(cpu), want & EF_CF);
    }
    free(cpu);
}
END_TEST

/* Partial writes on top of every lazy kind keep the other derived flags. */
START_TEST(arith_partial_on_lazy)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 777;
    for (int i = 0; i < 20000; i++) {
        int size = 1 << (trand(&seed) % 3);
        uint32_t a = (uint32_t)trand(&seed), b = (uint32_t)trand(&seed);
        switch (trand(&seed) % 6) {
        case 5: cpu_lf_set_szp(cpu, size, a, b); break; /* shifts, MUL, BCD */
        case 0: alu_op(cpu, (enum alu_op)(trand(&seed) & 7), a, b, size); break;
        case 1: alu_inc(cpu, a, size); break;
        case 2: alu_dec(cpu, a, size); break;
        case 3: alu_neg(cpu, a, size); break;
        default: alu_test(cpu, a, b, size); break;
        }
        uint32_t f = cpu_get_arith(cpu);
        TEQ(cpu_get_cf(cpu), (f & EF_CF) != 0);
        TEQ(cpu_get_eflags(cpu) & EF_ARITH, f);
        /* every condition agrees with the flags it is defined on */
        bool cf = f & EF_CF, zf = f & EF_ZF, sf = f & EF_SF, of = f & EF_OF, pf = f & EF_PF;
        bool base[8] = {of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of};
        for (int cc = 0; cc < 16; cc++)
            TEQ(cpu_cond(cpu, cc), base[cc >> 1] ^ (cc & 1));
        uint32_t m = (uint32_t)trand(&seed) & EF_ARITH, v = (uint32_t)trand(&seed);
        cpu_set_arith(cpu, v, m);
        TEQ(cpu_get_arith(cpu), (f & ~m) | (v & m));
    }
    free(cpu);
}
END_TEST

/* ADD and SUB/CMP records are read without their src1 (the x86-64
 * translator does not store it; cpu/flags.h, lf_src1): with src1 garbage,
 * every flag and condition stays what the whole record gives. */
START_TEST(add_sub_records_without_src1)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 4242;
    for (int i = 0; i < 20000; i++) {
        int size = 1 << (trand(&seed) % 3);
        uint32_t a = (uint32_t)trand(&seed), b = (uint32_t)trand(&seed);
        if (i & 4)
            b = a; /* equal operands: ZF, and CF/BE boundaries */
        alu_op(cpu, (i & 1) ? ALU_ADD : ALU_SUB, a, b, size);
        uint32_t f = cpu_get_arith(cpu);
        bool cf = cpu_get_cf(cpu), cond[16];
        for (int cc = 0; cc < 16; cc++)
            cond[cc] = cpu_cond(cpu, cc);
        cpu->lf.src1 = (uint32_t)trand(&seed);
        TEQ(cpu_get_arith(cpu), f);
        TEQ(cpu_get_cf(cpu), cf);
        for (int cc = 0; cc < 16; cc++)
            TEQ(cpu_cond(cpu, cc), cond[cc]);
    }
    free(cpu);
}
END_TEST

/* The translator's shift records (LF_SHL, LF_SHR, LF_SAR: operand and
 * count) give the flags of the interpreter's shifts (cpu/shift.c), for
 * every size and count below the width. */
START_TEST(shift_records)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 777;
    static const int kinds[3][2] = {{4, LF_SHL}, {5, LF_SHR}, {7, LF_SAR}}; /* ModRM /4 /5 /7 */
    for (int size = 1; size <= 4; size *= 2)
        for (int k = 0; k < 3; k++)
            for (unsigned count = 1; count < (unsigned)size * 8; count++)
                for (int i = 0; i < 40; i++) {
                    uint32_t v = toperand(i, size, &seed);
                    cpu->gpr[R_EBX] = v;
                    struct insn in = tinsn(size == 1 ? 0xc0 : 0xc1, size == 1 ? 4 : size,
                                           kinds[k][0], R_EBX, count);
                    ck_assert_int_eq(trun(cpu, &in), -1);
                    uint32_t want = cpu_get_arith(cpu);
                    uint32_t res = (uint32_t)cpu->gpr[R_EBX] & tmask(size);
                    cpu->lf = (struct lazy_flags){(uint32_t)kinds[k][1] | (uint32_t)size << 8,
                                                  res, v, count, 0x8d5};
                    TEQ(cpu_get_arith(cpu), want);
                    TEQ(cpu_get_cf(cpu), want & EF_CF);
                }
    free(cpu);
}
END_TEST

START_TEST(inc_dec_keep_lazy_cf)
{
    struct cpu *cpu = tcpu_new();
    alu_cmp(cpu, 1, 2, 4); /* borrow: CF = 1, lazily */
    ck_assert_uint_eq(alu_inc(cpu, 0xff, 1), 0);
    ck_assert(cpu_get_cf(cpu));
    ck_assert(cpu_get_arith(cpu) & EF_ZF);
    ck_assert(cpu_get_arith(cpu) & EF_AF);
    alu_op(cpu, ALU_ADD, 1, 2, 2); /* CF = 0 */
    ck_assert_uint_eq(alu_dec(cpu, 0x8000, 2), 0x7fff);
    ck_assert(!cpu_get_cf(cpu));
    ck_assert(cpu_get_arith(cpu) & EF_OF);
    free(cpu);
}
END_TEST

static void run0(struct cpu *cpu, int opcode, int opsize)
{
    struct insn in = tinsn(opcode, opsize, 0, 0, 0);
    ck_assert_int_eq(trun(cpu, &in), -1);
}

START_TEST(carry_instructions)
{
    struct cpu *cpu = tcpu_new();
    cpu_set_arith(cpu, EF_ARITH & ~EF_CF, EF_ARITH);
    run0(cpu, 0xf9, 4); /* STC */
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_ARITH);
    run0(cpu, 0xf5, 4); /* CMC */
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_ARITH & ~EF_CF);
    run0(cpu, 0xf5, 4);
    ck_assert(cpu_get_cf(cpu));
    run0(cpu, 0xf8, 4); /* CLC */
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_ARITH & ~EF_CF);
    /* SALC */
    cpu->gpr[R_EAX] = 0x12345678;
    run0(cpu, 0xd6, 4);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0x12345600);
    run0(cpu, 0xf9, 4);
    run0(cpu, 0xd6, 4);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0x123456ff);
    free(cpu);
}
END_TEST

START_TEST(sahf_lahf)
{
    struct cpu *cpu = tcpu_new();
    for (uint32_t ah = 0; ah < 256; ah++) {
        for (int of = 0; of < 2; of++) {
            cpu_set_arith(cpu, of ? EF_OF : 0, EF_ARITH);
            cpu->gpr[R_EAX] = 0xaaaa00bbu | ah << 8;
            run0(cpu, 0x9e, 4); /* SAHF */
            uint32_t want = (ah & (EF_SF | EF_ZF | EF_AF | EF_PF | EF_CF)) | (of ? EF_OF : 0);
            TEQ(cpu_get_arith(cpu), want);
            cpu->gpr[R_EAX] = 0x55550011u;
            run0(cpu, 0x9f, 4); /* LAHF: bit 1 set, bits 3 and 5 clear */
            TEQ((uint32_t)cpu->gpr[R_EAX],
                0x55550011u | ((ah & (EF_SF | EF_ZF | EF_AF | EF_PF | EF_CF)) | 2) << 8);
        }
    }
    free(cpu);
}
END_TEST

START_TEST(sign_extensions)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 99;
    for (int i = 0; i < 20000; i++) {
        uint32_t a = (uint32_t)trand(&seed), d = (uint32_t)trand(&seed);
        cpu->gpr[R_EAX] = a;
        run0(cpu, 0x98, 2); /* CBW */
        TEQ((uint32_t)cpu->gpr[R_EAX], (a & 0xffff0000u) | (uint16_t)(int16_t)(int8_t)a);
        cpu->gpr[R_EAX] = a;
        run0(cpu, 0x98, 4); /* CWDE */
        TEQ((uint32_t)cpu->gpr[R_EAX], (uint32_t)(int32_t)(int16_t)a);
        cpu->gpr[R_EAX] = a;
        cpu->gpr[R_EDX] = d;
        run0(cpu, 0x99, 2); /* CWD */
        TEQ((uint32_t)cpu->gpr[R_EDX], (d & 0xffff0000u) | ((a & 0x8000) ? 0xffff : 0));
        run0(cpu, 0x99, 4); /* CDQ */
        TEQ((uint32_t)cpu->gpr[R_EDX], (a & 0x80000000u) ? 0xffffffffu : 0);
        TEQ((uint32_t)cpu->gpr[R_EAX], a);
    }
    free(cpu);
}
END_TEST

/* A fault restores the lazy flags exactly as they were. */
START_TEST(fault_restores_flags)
{
    struct cpu *cpu = tcpu_new();
    alu_op(cpu, ALU_SUB, 0x10, 0x20, 1);
    uint32_t f = cpu_get_arith(cpu);
    cpu->gpr[R_EAX] = 5;
    cpu->gpr[R_EBX] = 0;
    struct insn in = tinsn(0xf7, 4, 6, 3, 0); /* DIV EBX = 0 */
    ck_assert_int_eq(trun(cpu, &in), EXC_DE);
    ck_assert_uint_eq(cpu_get_arith(cpu), f);
    free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flags");
    TCase *tc = tcase_create("lazy");
    tcase_add_test(tc, eflags_reserved_bits);
    tcase_add_test(tc, eflags_mask);
    tcase_add_test(tc, arith_partial_on_lazy);
    tcase_add_test(tc, add_sub_records_without_src1);
    tcase_add_test(tc, inc_dec_keep_lazy_cf);
    tcase_add_test(tc, shift_records);
    tcase_add_test(tc, carry_instructions);
    tcase_add_test(tc, sahf_lahf);
    tcase_add_test(tc, sign_extensions);
    tcase_add_test(tc, fault_restores_flags);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
