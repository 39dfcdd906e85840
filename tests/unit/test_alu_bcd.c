/* BCD adjustments (DAA DAS AAA AAS AAM AAD) against a reference model
 * transcribed from the SDM Vol. 2 pseudocode, exhaustively over AX and the
 * input AF/CF (these instructions do not exist in 64-bit mode, so the host
 * cannot run them). Only SDM-defined flags are compared here; the undefined
 * ones are checked against 80286 hardware data in test_alu_sst.c. */
#include <check.h>
#include <stdio.h>

#include "alu_test_util.h"
#include "test_util.h"

struct ref {
    uint16_t ax;
    bool cf, af;
    uint32_t defined; /* which of SF ZF PF are defined (from AL) */
};

static bool parity_even(uint8_t v)
{
    int n = 0;
    for (int i = 0; i < 8; i++)
        n += (v >> i) & 1;
    return (n & 1) == 0;
}

/* SDM DAA. */
static struct ref ref_daa(uint16_t ax, bool cf, bool af)
{
    uint8_t al = ax & 0xff, old_al = al;
    bool old_cf = cf;
    cf = false;
    if ((al & 0x0f) > 9 || af) {
        cf = old_cf || al + 6 > 0xff;
        al = (uint8_t)(al + 6);
        af = true;
    } else {
        af = false;
    }
    if (old_al > 0x99 || old_cf) {
        al = (uint8_t)(al + 0x60);
        cf = true;
    } else {
        cf = false;
    }
    return (struct ref){(uint16_t)((ax & 0xff00) | al), cf, af, EF_SF | EF_ZF | EF_PF};
}

/* SDM DAS. */
static struct ref ref_das(uint16_t ax, bool cf, bool af)
{
    uint8_t al = ax & 0xff, old_al = al;
    bool old_cf = cf;
    cf = false;
    if ((al & 0x0f) > 9 || af) {
        cf = old_cf || al < 6;
        al = (uint8_t)(al - 6);
        af = true;
    } else {
        af = false;
    }
    if (old_al > 0x99 || old_cf) {
        al = (uint8_t)(al - 0x60);
        cf = true;
    }
    return (struct ref){(uint16_t)((ax & 0xff00) | al), cf, af, EF_SF | EF_ZF | EF_PF};
}

/* SDM AAA: AX <- AX + 106H. */
static struct ref ref_aaa(uint16_t ax, bool cf, bool af)
{
    (void)cf;
    if ((ax & 0x0f) > 9 || af) {
        ax = (uint16_t)(ax + 0x106);
        af = cf = true;
    } else {
        af = cf = false;
    }
    ax &= 0xff0f;
    return (struct ref){ax, cf, af, 0};
}

/* SDM AAS: AX <- AX - 6; AH <- AH - 1. */
static struct ref ref_aas(uint16_t ax, bool cf, bool af)
{
    (void)cf;
    if ((ax & 0x0f) > 9 || af) {
        ax = (uint16_t)(ax - 6);
        ax = (uint16_t)(ax - 0x100);
        af = cf = true;
    } else {
        af = cf = false;
    }
    ax &= 0xff0f;
    return (struct ref){ax, cf, af, 0};
}

typedef struct ref (*ref_fn)(uint16_t, bool, bool);

static void check_adjust(int opcode, ref_fn ref, const char *name)
{
    struct cpu *cpu = tcpu_new();
    for (uint32_t ax = 0; ax < 0x10000; ax++) {
        for (int fl = 0; fl < 4; fl++) {
            bool cf = fl & 1, af = fl & 2;
            uint32_t others = (ax * 0x9e3779b1u) & (EF_SF | EF_ZF | EF_PF | EF_OF);
            cpu->gpr[R_EAX] = 0xabcd0000u | ax;
            cpu_set_arith(cpu, others | (cf ? EF_CF : 0) | (af ? EF_AF : 0), EF_ARITH);
            struct insn in = tinsn(opcode, 4, 0, 0, 0);
            TEQ(trun(cpu, &in), -1);
            struct ref r = ref(ax, cf, af);
            uint32_t f = cpu_get_arith(cpu);
            TCHECK((uint32_t)cpu->gpr[R_EAX] == (0xabcd0000u | r.ax),
                          "%s ax=%#x cf=%d af=%d: ax %#x want %#x", name, ax, cf, af,
                          (uint32_t)cpu->gpr[R_EAX] & 0xffff, r.ax);
            TCHECK(!!(f & EF_CF) == r.cf && !!(f & EF_AF) == r.af,
                          "%s ax=%#x cf=%d af=%d: flags %#x", name, ax, cf, af, f);
            if (r.defined) {
                uint8_t al = r.ax & 0xff;
                TEQ(!!(f & EF_ZF), al == 0);
                TEQ(!!(f & EF_SF), !!(al & 0x80));
                TEQ(!!(f & EF_PF), parity_even(al));
            }
        }
    }
    free(cpu);
}

START_TEST(bcd_daa) { check_adjust(0x27, ref_daa, "daa"); }
END_TEST
START_TEST(bcd_das) { check_adjust(0x2f, ref_das, "das"); }
END_TEST
START_TEST(bcd_aaa) { check_adjust(0x37, ref_aaa, "aaa"); }
END_TEST
START_TEST(bcd_aas) { check_adjust(0x3f, ref_aas, "aas"); }
END_TEST

/* AAM imm8 for every AL and base: AH = AL / base, AL = AL % base; base 0
 * is #DE with nothing changed. */
START_TEST(bcd_aam)
{
    struct cpu *cpu = tcpu_new();
    for (uint32_t al = 0; al < 256; al++) {
        for (uint32_t base = 0; base < 256; base++) {
            cpu->gpr[R_EAX] = 0x12345600u | al;
            cpu_set_arith(cpu, EF_CF | EF_OF, EF_ARITH);
            struct insn in = tinsn(0xd4, 4, 0, 0, base);
            int exc = trun(cpu, &in);
            if (base == 0) {
                TEQ(exc, EXC_DE);
                TEQ((uint32_t)cpu->gpr[R_EAX], 0x12345600u | al);
                TEQ(cpu_get_arith(cpu), EF_CF | EF_OF);
                continue;
            }
            TEQ(exc, -1);
            uint32_t want = (al / base) << 8 | (al % base);
            TEQ((uint32_t)cpu->gpr[R_EAX], 0x12340000u | want);
            uint32_t f = cpu_get_arith(cpu);
            uint8_t r = (uint8_t)want;
            TEQ(!!(f & EF_ZF), r == 0);
            TEQ(!!(f & EF_SF), !!(r & 0x80));
            TEQ(!!(f & EF_PF), parity_even(r));
        }
    }
    free(cpu);
}
END_TEST

/* AAD imm8 for every AX and a spread of bases: AL = AL + AH * base, AH = 0. */
START_TEST(bcd_aad)
{
    struct cpu *cpu = tcpu_new();
    const uint32_t bases[] = {0, 1, 7, 10, 16, 0x55, 0xff};
    for (unsigned b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        for (uint32_t ax = 0; ax < 0x10000; ax++) {
            cpu->gpr[R_EAX] = 0xfedc0000u | ax;
            struct insn in = tinsn(0xd5, 4, 0, 0, bases[b]);
            TEQ(trun(cpu, &in), -1);
            uint8_t al = (uint8_t)((ax & 0xff) + (ax >> 8) * bases[b]);
            TEQ((uint32_t)cpu->gpr[R_EAX], 0xfedc0000u | al);
            uint32_t f = cpu_get_arith(cpu);
            TEQ(!!(f & EF_ZF), al == 0);
            TEQ(!!(f & EF_SF), !!(al & 0x80));
            TEQ(!!(f & EF_PF), parity_even(al));
        }
    }
    free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alu_bcd");
    TCase *tc = tcase_create("bcd");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bcd_daa);
    tcase_add_test(tc, bcd_das);
    tcase_add_test(tc, bcd_aaa);
    tcase_add_test(tc, bcd_aas);
    tcase_add_test(tc, bcd_aam);
    tcase_add_test(tc, bcd_aad);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
