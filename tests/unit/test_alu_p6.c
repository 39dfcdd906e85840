/* The P6 behaviours vx86 chose where the SDM says "undefined" (documented in
 * cpu/shift.c, cpu/muldiv.c, cpu/bitops.c), checked against independent
 * models: shifts/rotates as repeated single-bit steps whose last step gives
 * OF, 16-bit SHLD/SHRD above 16 as a 48-bit DEST:SRC:DEST shift, BSWAP with
 * a 16-bit operand, BSF/BSR of zero, flags after MUL and DIV, count 0, and
 * the #UD forms of the groups. */
#include <check.h>

#include "alu_test_util.h"
#include "test_util.h"

static uint32_t msb(uint32_t v, int bits) { return (v >> (bits - 1)) & 1; }

/* Group 2 by single-bit steps (SDM pseudocode loops, not reduced modulo). */
static uint32_t model_shift(int op, uint32_t v, unsigned count, int size, uint32_t *cf,
                            uint32_t *of)
{
    int bits = size * 8;
    uint32_t m = tmask(size);
    for (unsigned i = 0; i < count; i++) {
        uint32_t t;
        switch (op) {
        case 0: /* ROL */
            t = msb(v, bits);
            v = ((v << 1) | t) & m;
            *cf = t;
            *of = msb(v, bits) ^ *cf;
            break;
        case 1: /* ROR */
            t = v & 1;
            v = (v >> 1) | (t << (bits - 1));
            *cf = t;
            *of = msb(v, bits) ^ msb(v, bits - 1);
            break;
        case 2: /* RCL */
            t = msb(v, bits);
            v = ((v << 1) | *cf) & m;
            *cf = t;
            *of = msb(v, bits) ^ *cf;
            break;
        case 3: /* RCR */
            *of = msb(v, bits) ^ *cf;
            t = v & 1;
            v = (v >> 1) | (*cf << (bits - 1));
            *cf = t;
            break;
        case 4:
        case 6: /* SHL/SAL */
            *cf = msb(v, bits);
            v = (v << 1) & m;
            *of = msb(v, bits) ^ *cf;
            break;
        case 5: /* SHR */
            *of = msb(v, bits);
            *cf = v & 1;
            v >>= 1;
            break;
        default: /* SAR */
            *of = 0;
            *cf = v & 1;
            v = (v >> 1) | (msb(v, bits) << (bits - 1));
            break;
        }
    }
    return v;
}

static bool parity_even(uint32_t v) { return !__builtin_parity(v & 0xff); }

START_TEST(p6_shift_flags_by_steps)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 4242;
    for (int op = 0; op < 8; op++) {
        for (int size = 1; size <= 4; size *= 2) {
            for (unsigned count = 1; count < 32; count++) {
                for (int i = 0; i < 200; i++) {
                    uint32_t v = toperand(i, size, &seed);
                    uint32_t fin = (uint32_t)trand(&seed) & EF_ARITH;
                    uint32_t cf = fin & EF_CF, of = (fin & EF_OF) != 0;
                    uint32_t r = model_shift(op, v, count, size, &cf, &of);
                    cpu->gpr[R_EAX] = v;
                    cpu_set_arith(cpu, fin, EF_ARITH);
                    struct insn in = tinsn(size == 1 ? 0xc0 : 0xc1, size == 1 ? 4 : size, op, 0,
                                           count);
                    TEQ(trun(cpu, &in), -1);
                    TEQ(cpu_reg(cpu, R_EAX, size), r);
                    uint32_t f = cpu_get_arith(cpu);
                    TCHECK(!!(f & EF_CF) == !!cf && !!(f & EF_OF) == !!of,
                           "grp2 /%d size %d v=%#x count %u: flags %#x model cf %u of %u", op,
                           size, v, count, f, cf, of);
                    if (op < 4) { /* rotates leave SF ZF AF PF alone */
                        TEQ(f & (EF_SF | EF_ZF | EF_AF | EF_PF),
                            fin & (EF_SF | EF_ZF | EF_AF | EF_PF));
                    } else { /* shifts: SZP from the result, AF = 0 */
                        TEQ(!!(f & EF_ZF), r == 0);
                        TEQ(!!(f & EF_SF), msb(r, size * 8));
                        TEQ(!!(f & EF_PF), parity_even(r));
                        TEQ(f & EF_AF, 0);
                    }
                }
            }
        }
    }
    free(cpu);
}
END_TEST

/* A masked count of 0 (CL = 0, 32, 64 ...) changes neither value nor flags. */
START_TEST(p6_shift_count_zero)
{
    struct cpu *cpu = tcpu_new();
    const uint8_t counts[] = {0, 32, 64, 0xe0};
    for (int op = 0; op < 8; op++) {
        for (unsigned c = 0; c < sizeof counts; c++) {
            cpu->gpr[R_EAX] = 0x80000001u;
            cpu->gpr[R_ECX] = counts[c];
            cpu_set_arith(cpu, EF_OF | EF_AF | EF_PF, EF_ARITH);
            struct insn in = tinsn(0xd3, 4, op, 0, 0);
            TEQ(trun(cpu, &in), -1);
            TEQ((uint32_t)cpu->gpr[R_EAX], 0x80000001u);
            TEQ(cpu_get_arith(cpu), EF_OF | EF_AF | EF_PF);
        }
    }
    for (int left = 0; left < 2; left++) {
        cpu->gpr[R_EAX] = 0x1234;
        cpu->gpr[R_EBX] = 0xffff;
        cpu->gpr[R_ECX] = 32;
        cpu_set_arith(cpu, EF_CF | EF_ZF, EF_ARITH);
        struct insn in = tinsn(left ? 0x1a5 : 0x1ad, 2, 3, 0, 0);
        TEQ(trun(cpu, &in), -1);
        TEQ((uint32_t)cpu->gpr[R_EAX], 0x1234);
        TEQ(cpu_get_arith(cpu), EF_CF | EF_ZF);
    }
    free(cpu);
}
END_TEST

/* 16-bit SHLD/SHRD for every count 1..31 as a 48-bit DEST:SRC:DEST shift,
 * one bit at a time; OF from the last step. */
START_TEST(p6_double_shift_16)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 77;
    for (int left = 0; left < 2; left++) {
        for (unsigned count = 1; count < 32; count++) {
            for (int i = 0; i < 300; i++) {
                uint32_t d = toperand(i, 2, &seed), s = (uint32_t)trand(&seed) & 0xffff;
                uint64_t p = (uint64_t)d << 32 | (uint64_t)s << 16 | d;
                uint32_t cf = 0, r = 0, of;
                for (unsigned k = 0; k < count; k++) {
                    if (left) {
                        cf = (uint32_t)(p >> 47) & 1;
                        p = (p << 1) & 0xffffffffffffull;
                    } else {
                        cf = (uint32_t)p & 1;
                        p >>= 1;
                    }
                }
                r = left ? (uint32_t)(p >> 32) & 0xffff : (uint32_t)p & 0xffff;
                of = left ? cf ^ msb(r, 16) : msb(r, 16) ^ msb(r, 15);
                cpu->gpr[R_EAX] = 0xabcd0000u | d;
                cpu->gpr[R_EBX] = s;
                cpu_set_arith(cpu, 0, EF_ARITH);
                struct insn in = tinsn(left ? 0x1a4 : 0x1ac, 2, 3, 0, count);
                TEQ(trun(cpu, &in), -1);
                TCHECK((uint32_t)cpu->gpr[R_EAX] == (0xabcd0000u | r),
                       "%s16 d=%#x s=%#x count %u: %#x want %#x", left ? "shld" : "shrd", d, s,
                       count, (uint32_t)cpu->gpr[R_EAX], r);
                uint32_t f = cpu_get_arith(cpu);
                TEQ(!!(f & EF_CF), cf);
                TEQ(!!(f & EF_OF), of);
                TEQ(!!(f & EF_ZF), r == 0);
                TEQ(f & EF_AF, 0);
            }
        }
    }
    free(cpu);
}
END_TEST

START_TEST(p6_bswap16)
{
    struct cpu *cpu = tcpu_new();
    for (int r = 0; r < 8; r++) {
        cpu->gpr[r] = 0x11223344u + (uint32_t)r;
        struct insn in = tinsn(0x1c8 + r, 2, 0, 0, 0);
        TEQ(trun(cpu, &in), -1);
        TEQ((uint32_t)cpu->gpr[r], 0x11220000u);
    }
    free(cpu);
}
END_TEST

START_TEST(p6_bit_scan_zero)
{
    struct cpu *cpu = tcpu_new();
    for (int rev = 0; rev < 2; rev++) {
        for (int os = 2; os <= 4; os += 2) {
            cpu->gpr[R_EAX] = 0xdeadbeefu;
            cpu->gpr[R_EBX] = 0xffff0000u; /* zero in the low word */
            uint32_t fin = EF_CF | EF_OF | EF_SF;
            cpu_set_arith(cpu, fin, EF_ARITH);
            struct insn in = tinsn(rev ? 0x1bd : 0x1bc, os, 0, 3, 0);
            TEQ(trun(cpu, &in), -1);
            if (os == 2) {
                TEQ((uint32_t)cpu->gpr[R_EAX], 0xdeadbeefu); /* unchanged */
                TEQ(cpu_get_arith(cpu), fin | EF_ZF);
            } else {
                TEQ((uint32_t)cpu->gpr[R_EAX], rev ? 31 : 16);
                TEQ(cpu_get_arith(cpu), 0); /* ZF 0, CF OF SF AF 0, PF(31/16) odd */
            }
        }
    }
    free(cpu);
}
END_TEST

/* MUL/IMUL: SF ZF PF of the low half, AF 0. DIV/IDIV: flags unchanged. */
START_TEST(p6_muldiv_flags)
{
    struct cpu *cpu = tcpu_new();
    uint64_t seed = 5;
    for (int i = 0; i < 20000; i++) {
        int size = 1 << (i % 3), k = (i / 3) % 4;
        uint32_t a = (uint32_t)trand(&seed), s = (uint32_t)trand(&seed) | 1;
        uint32_t fin = (uint32_t)trand(&seed) & EF_ARITH;
        cpu->gpr[R_EAX] = a;
        cpu->gpr[R_EDX] = 0;
        cpu->gpr[R_EBX] = s;
        cpu_set_arith(cpu, fin, EF_ARITH);
        struct insn in = tinsn(size == 1 ? 0xf6 : 0xf7, size == 1 ? 4 : size, 4 + k, 3, 0);
        int exc = trun(cpu, &in);
        uint32_t f = cpu_get_arith(cpu);
        if (k >= 2) {
            TEQ(f, fin); /* also when #DE restored them */
            continue;
        }
        TEQ(exc, -1);
        uint32_t lo = cpu_reg(cpu, R_EAX, size);
        TEQ(!!(f & EF_ZF), lo == 0);
        TEQ(!!(f & EF_SF), msb(lo, size * 8));
        TEQ(!!(f & EF_PF), parity_even(lo));
        TEQ(f & EF_AF, 0);
    }
    free(cpu);
}
END_TEST

START_TEST(p6_invalid_group_forms)
{
    struct cpu *cpu = tcpu_new();
    struct insn in = tinsn(0xfe, 4, 2, 0, 0); /* FE /2 */
    ck_assert_int_eq(trun(cpu, &in), EXC_UD);
    in = tinsn(0x1c7, 4, 1, 0, 0); /* CMPXCHG8B with a register */
    ck_assert_int_eq(trun(cpu, &in), EXC_UD);
    in = tinsn(0x1ba, 4, 3, 0, 1); /* 0F BA /3 */
    ck_assert_int_eq(trun(cpu, &in), EXC_UD);
    free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alu_p6");
    TCase *tc = tcase_create("p6");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, p6_shift_flags_by_steps);
    tcase_add_test(tc, p6_shift_count_zero);
    tcase_add_test(tc, p6_double_shift_16);
    tcase_add_test(tc, p6_bswap16);
    tcase_add_test(tc, p6_bit_scan_zero);
    tcase_add_test(tc, p6_muldiv_flags);
    tcase_add_test(tc, p6_invalid_group_forms);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
