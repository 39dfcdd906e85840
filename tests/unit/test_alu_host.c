/* Differential tests: every ALU, shift/rotate, multiply/divide and bit
 * instruction runs natively on the host (x86-64) and through the vx86
 * handlers on random and edge operands; results and the flags the SDM
 * defines for that instruction and count must agree. */
#include <check.h>
#include <stdio.h>

#include "alu_host.h"
#include "alu_test_util.h"
#include "cpu/alu.h"
#include "test_util.h"

#define N_RANDOM 20000
#define DEFINED_ALL EF_ARITH

static const int sizes[3] = {1, 2, 4};
static struct cpu *cpu;
static uint64_t seed;

static void setup(void)
{
    cpu = tcpu_new();
    seed = 0x9e3779b97f4a7c15ull;
}

static void teardown(void) { free(cpu); }

/* Random input flags: any combination of the six arithmetic flags. */
static uint32_t rand_flags(void) { return (uint32_t)trand(&seed) & EF_ARITH; }

/* Fill a register with random upper bits and `v` in its low `size` bytes
 * (register numbers 0-3 only, so byte registers are the low bytes). */
static void set_reg_noise(int r, int size, uint32_t v)
{
    cpu->gpr[r] = (uint32_t)trand(&seed);
    cpu_set_reg(cpu, r, size, v);
}

/* The bits of a 32-bit register outside the operand must be unchanged. */
static void check_upper(int r, int size, uint32_t before, const char *what)
{
    uint32_t m = tmask(size);
    TCHECK(((uint32_t)cpu->gpr[r] & ~m) == (before & ~m), "%s: upper bits of r%d changed",
                  what, r);
}

static void check_flags(uint32_t host, uint32_t defined, const char *what, int size,
                        uint32_t a, uint32_t b, uint32_t fin)
{
    uint32_t emu = cpu_get_arith(cpu);
    TCHECK((emu & defined) == (host & defined),
                  "%s size %d a=%#x b=%#x fin=%#x: flags emu %#x host %#x (mask %#x)", what, size,
                  a, b, fin, emu & defined, host & defined, defined);
}

static void check_val(uint32_t emu, uint32_t host, const char *what, int size, uint32_t a,
                      uint32_t b, uint32_t fin)
{
    TCHECK(emu == host, "%s size %d a=%#x b=%#x fin=%#x: result emu %#x host %#x", what,
                  size, a, b, fin, emu, host);
}

/* ---------------- ADD OR ADC SBB AND SUB XOR CMP, TEST ---------------- */

static const host_bin_fn host_alu[8][3] = {
    {host_add_1, host_add_2, host_add_4}, {host_or_1, host_or_2, host_or_4},
    {host_adc_1, host_adc_2, host_adc_4}, {host_sbb_1, host_sbb_2, host_sbb_4},
    {host_and_1, host_and_2, host_and_4}, {host_sub_1, host_sub_2, host_sub_4},
    {host_xor_1, host_xor_2, host_xor_4}, {host_cmp_1, host_cmp_2, host_cmp_4},
};
static const char *alu_names[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

/* Run form `opcode` with the destination operand in `dst` (register EAX for
 * accumulator forms) and check against the host's result and flags. */
static void alu_form(int op, int size, int opcode, int reg, int rm, uint32_t imm, int dst,
                     uint32_t a, uint32_t b, uint32_t fin, uint32_t hres, uint32_t hflags)
{
    int src = dst == 0 ? 3 : 0;
    set_reg_noise(dst, size, a);
    if (reg != rm)
        set_reg_noise(src, size, b);
    uint32_t before = (uint32_t)cpu->gpr[dst];
    cpu_set_arith(cpu, fin, EF_ARITH);
    struct insn in = tinsn(opcode, size == 1 ? 4 : size, reg, rm, imm);
    TEQ(trun(cpu, &in), -1);
    uint32_t defined = (op == 1 || op == 4 || op == 6) ? EF_ARITH & ~EF_AF : DEFINED_ALL;
    char what[48];
    snprintf(what, sizeof what, "%s opcode %#x", alu_names[op], opcode);
    check_val(cpu_reg(cpu, dst, size), op == 7 ? a : hres, what, size, a, b, fin);
    check_upper(dst, size, before, what);
    check_flags(hflags, defined, what, size, a, b, fin);
}

START_TEST(alu_binary_ops)
{
    for (int op = 0; op < 8; op++) {
        for (int si = 0; si < 3; si++) {
            int size = sizes[si], v = size != 1;
            for (int i = 0; i < N_RANDOM; i++) {
                uint32_t a = toperand(i % 40 < TEDGE_COUNT ? i % 40 : 99, size, &seed);
                uint32_t b = toperand(i / 40 < TEDGE_COUNT ? i / 40 : 99, size, &seed);
                uint32_t fin = rand_flags();
                uint64_t hf = fin | 2;
                uint32_t hres = host_alu[op][si](a, b, &hf);
                uint32_t hflags = (uint32_t)hf & EF_ARITH;
                int base = op << 3;
                /* op Eb/Ev, Gb/Gv: rm = EAX (dest), reg = EBX */
                alu_form(op, size, base + v, 3, 0, 0, 0, a, b, fin, hres, hflags);
                /* op Gb/Gv, Eb/Ev: reg = EAX (dest), rm = EBX */
                alu_form(op, size, base + 2 + v, 0, 3, 0, 0, a, b, fin, hres, hflags);
                /* op AL/eAX, imm */
                alu_form(op, size, base + 4 + v, 0, 0, b, 0, a, b, fin, hres, hflags);
                /* group 1: 80/81 with reg = op */
                alu_form(op, size, size == 1 ? 0x80 : 0x81, op, 1, b, 1, a, b, fin, hres, hflags);
                if (size == 1)
                    alu_form(op, size, 0x82, op, 1, b, 1, a, b, fin, hres, hflags);
                /* 83: imm8 sign-extended by the decoder */
                if (size != 1) {
                    uint32_t bs = (uint32_t)(int32_t)(int8_t)b & tmask(size);
                    uint64_t hf2 = fin | 2;
                    uint32_t hres2 = host_alu[op][si](a, bs, &hf2);
                    alu_form(op, size, 0x83, op, 1, (uint32_t)(int32_t)(int8_t)b, 1, a, bs, fin,
                             hres2, (uint32_t)hf2 & EF_ARITH);
                }
            }
        }
    }
}
END_TEST

static const host_bin_fn host_test[3] = {host_test_1, host_test_2, host_test_4};

START_TEST(alu_test_op)
{
    for (int si = 0; si < 3; si++) {
        int size = sizes[si], v = size != 1;
        for (int i = 0; i < N_RANDOM; i++) {
            uint32_t a = toperand(i % 40 < TEDGE_COUNT ? i % 40 : 99, size, &seed);
            uint32_t b = toperand(i / 40 < TEDGE_COUNT ? i / 40 : 99, size, &seed);
            uint32_t fin = rand_flags();
            uint64_t hf = fin | 2;
            host_test[si](a, b, &hf);
            const int forms[3][4] = {{0x84 + v, 3, 0, 0}, {0xa8 + v, 0, 0, 1}, {0xf6 + v, 0, 0, 1}};
            for (int f = 0; f < 3; f++) {
                set_reg_noise(0, size, a);
                if (!forms[f][3])
                    set_reg_noise(3, size, b);
                uint32_t before = (uint32_t)cpu->gpr[0];
                cpu_set_arith(cpu, fin, EF_ARITH);
                struct insn in = tinsn(forms[f][0], size == 1 ? 4 : size, forms[f][1],
                                       forms[f][2], b);
                TEQ(trun(cpu, &in), -1);
                TEQ((uint32_t)cpu->gpr[0], before);
                check_flags((uint32_t)hf, EF_ARITH & ~EF_AF, "test", size, a, b, fin);
            }
        }
    }
}
END_TEST

/* ---------------- INC DEC NEG NOT ---------------- */

START_TEST(alu_unary_ops)
{
    const host_bin_fn hosts[4][3] = {{host_inc_1, host_inc_2, host_inc_4},
                                     {host_dec_1, host_dec_2, host_dec_4},
                                     {host_neg_1, host_neg_2, host_neg_4},
                                     {host_not_1, host_not_2, host_not_4}};
    const char *names[4] = {"inc", "dec", "neg", "not"};
    for (int k = 0; k < 4; k++) {
        for (int si = 0; si < 3; si++) {
            int size = sizes[si];
            for (int i = 0; i < N_RANDOM; i++) {
                uint32_t a = toperand(i, size, &seed);
                uint32_t fin = rand_flags();
                uint64_t hf = fin | 2;
                uint32_t hres = hosts[k][si](a, 0, &hf);
                /* INC/DEC: 40+r / 48+r for words, FE /0 /1 for bytes; NEG/NOT: F6/F7 /3 /2 */
                struct insn in;
                int r = 0;
                if (k < 2 && size != 1) {
                    r = (int)(trand(&seed) & 7);
                    in = tinsn((k ? 0x48 : 0x40) + r, size, 0, 0, 0);
                } else if (k < 2) {
                    in = tinsn(0xfe, 4, k, 0, 0);
                } else {
                    in = tinsn(size == 1 ? 0xf6 : 0xf7, size == 1 ? 4 : size, k == 2 ? 3 : 2, 0, 0);
                }
                set_reg_noise(r, size, a);
                uint32_t before = (uint32_t)cpu->gpr[r];
                cpu_set_arith(cpu, fin, EF_ARITH);
                TEQ(trun(cpu, &in), -1);
                check_val(cpu_reg(cpu, r, size), hres, names[k], size, a, 0, fin);
                check_upper(r, size, before, names[k]);
                check_flags((uint32_t)hf, EF_ARITH, names[k], size, a, 0, fin);
            }
        }
    }
}
END_TEST

/* ---------------- shifts and rotates ---------------- */

static const host_sh_fn host_shift[8][3] = {
    {host_rol_1, host_rol_2, host_rol_4}, {host_ror_1, host_ror_2, host_ror_4},
    {host_rcl_1, host_rcl_2, host_rcl_4}, {host_rcr_1, host_rcr_2, host_rcr_4},
    {host_shl_1, host_shl_2, host_shl_4}, {host_shr_1, host_shr_2, host_shr_4},
    {host_shl_1, host_shl_2, host_shl_4}, {host_sar_1, host_sar_2, host_sar_4},
};

/* Flags the SDM defines after group-2 operation `op` by masked count n. */
static uint32_t shift_defined(int op, unsigned n, int size)
{
    if (n == 0)
        return EF_ARITH; /* nothing changes */
    uint32_t d;
    if (op < 4) {
        d = EF_ARITH; /* rotates: SF ZF AF PF unchanged, CF defined */
    } else {
        d = EF_ARITH & ~EF_AF;
        if ((op == 4 || op == 5 || op == 6) && n >= (unsigned)size * 8)
            d &= ~EF_CF; /* SHL/SHR: CF undefined when count >= width */
    }
    if (n != 1)
        d &= ~EF_OF;
    return d;
}

START_TEST(alu_shifts)
{
    for (int op = 0; op < 8; op++) {
        for (int si = 0; si < 3; si++) {
            int size = sizes[si];
            for (unsigned count = 0; count < 32; count++) {
                for (int i = 0; i < 400; i++) {
                    uint32_t a = toperand(i, size, &seed);
                    uint32_t fin = rand_flags();
                    uint8_t cl = (uint8_t)(count | (trand(&seed) & 0xe0)); /* masked to 5 bits */
                    uint64_t hf = fin | 2;
                    uint32_t hres = host_shift[op][si](a, 0, cl, &hf);
                    uint32_t defined = shift_defined(op, count, size);
                    char what[40];
                    /* D2/D3 by CL, then C0/C1 by imm8, then D0/D1 for count 1 */
                    int forms = count == 1 ? 3 : 2;
                    for (int f = 0; f < forms; f++) {
                        int opc = (f == 0 ? 0xd2 : f == 1 ? 0xc0 : 0xd0) + (size != 1);
                        snprintf(what, sizeof what, "grp2 /%d opcode %#x count %u", op, opc, count);
                        set_reg_noise(0, size, a);
                        cpu->gpr[R_ECX] = (cpu->gpr[R_ECX] & ~0xffull) | cl;
                        uint32_t before = (uint32_t)cpu->gpr[0];
                        cpu_set_arith(cpu, fin, EF_ARITH);
                        struct insn in = tinsn(opc, size == 1 ? 4 : size, op, 0, cl);
                        TEQ(trun(cpu, &in), -1);
                        check_val(cpu_reg(cpu, 0, size), hres, what, size, a, cl, fin);
                        check_upper(0, size, before, what);
                        check_flags((uint32_t)hf, defined, what, size, a, cl, fin);
                    }
                }
            }
        }
    }
}
END_TEST

/* SHLD/SHRD: 0F A4/AC by imm8 and 0F A5/AD by CL. 16-bit counts above 16
 * are undefined (checked against the P6 model in test_alu_p6.c). */
START_TEST(alu_double_shifts)
{
    const host_sh_fn hosts[2][2] = {{host_shld_2, host_shld_4}, {host_shrd_2, host_shrd_4}};
    for (int right = 0; right < 2; right++) {
        for (int si = 1; si < 3; si++) {
            int size = sizes[si];
            for (unsigned count = 0; count < 32; count++) {
                if (size == 2 && count > 16)
                    continue;
                for (int i = 0; i < 150; i++) {
                    uint32_t a = toperand(i, size, &seed);
                    uint32_t b = toperand((i * 7) % 150, size, &seed);
                    uint32_t fin = rand_flags();
                    uint8_t cl = (uint8_t)(count | (trand(&seed) & 0xe0));
                    uint64_t hf = fin | 2;
                    uint32_t hres = hosts[right][si - 1](a, b, cl, &hf);
                    uint32_t defined = count == 0 ? EF_ARITH
                                                  : (EF_ARITH & ~EF_AF & ~(count == 1 ? 0 : EF_OF));
                    for (int f = 0; f < 2; f++) {
                        int opc = (right ? 0x1ac : 0x1a4) + f;
                        set_reg_noise(0, size, a);
                        set_reg_noise(3, size, b);
                        cpu->gpr[R_ECX] = (cpu->gpr[R_ECX] & ~0xffull) | cl;
                        uint32_t before = (uint32_t)cpu->gpr[0];
                        cpu_set_arith(cpu, fin, EF_ARITH);
                        struct insn in = tinsn(opc, size, 3, 0, cl);
                        TEQ(trun(cpu, &in), -1);
                        const char *what = right ? "shrd" : "shld";
                        check_val(cpu_reg(cpu, 0, size), hres, what, size, a, count, fin);
                        check_upper(0, size, before, what);
                        TEQ(cpu_reg(cpu, 3, size), b);
                        check_flags((uint32_t)hf, defined, what, size, a, count, fin);
                    }
                }
            }
        }
    }
}
END_TEST

/* ---------------- MUL IMUL DIV IDIV ---------------- */

static const host_md_fn host_md[4][3] = {
    {host_mul_1, host_mul_2, host_mul_4},
    {host_imul_1, host_imul_2, host_imul_4},
    {host_div_1, host_div_2, host_div_4},
    {host_idiv_1, host_idiv_2, host_idiv_4},
};

static int64_t sx(uint64_t v, int bits) { return (int64_t)(v << (64 - bits)) >> (64 - bits); }

/* Would DIV (k=2) / IDIV (k=3) of the accumulator pair by s fault? Worked
 * out with 128-bit arithmetic, independently of the implementation. */
static bool div_faults(int k, int size, uint32_t a, uint32_t d, uint32_t s)
{
    int bits = size * 8;
    uint64_t m = tmask(size);
    unsigned __int128 n = size == 1 ? (a & 0xffff) : ((uint64_t)(d & m) << bits) | (a & m);
    if ((s & m) == 0)
        return true;
    if (k == 2)
        return n / (s & m) > m;
    __int128 sn = sx((uint64_t)n, 2 * bits), sd = sx(s & m, bits);
    __int128 q = sn / sd;
    return q > (__int128)(m >> 1) || q < -(__int128)(m >> 1) - 1;
}

START_TEST(alu_muldiv)
{
    const char *names[4] = {"mul", "imul", "div", "idiv"};
    int faults = 0, runs = 0;
    for (int k = 0; k < 4; k++) {
        for (int si = 0; si < 3; si++) {
            int size = sizes[si];
            uint32_t m = tmask(size);
            for (int i = 0; i < N_RANDOM; i++) {
                uint32_t a = (uint32_t)trand(&seed), d = (uint32_t)trand(&seed);
                uint32_t s = toperand(i % 60 < TEDGE_COUNT ? i % 60 : 99, size, &seed);
                if (i & 1) /* small high halves so that many divisions fit */
                    d = (uint32_t)trand(&seed) % ((s & m) + 1);
                if (i % 5 == 0)
                    a = toperand(i / 5 % TEDGE_COUNT, 4, &seed);
                if (size == 1 && (i & 1))
                    a = (a & 0xff) | ((uint32_t)trand(&seed) % ((s & 0xff) + 1)) << 8;
                uint32_t fin = rand_flags();
                cpu->gpr[R_EAX] = a;
                cpu->gpr[R_EDX] = d;
                set_reg_noise(R_EBX, size, s);
                cpu_set_arith(cpu, fin, EF_ARITH);
                struct insn in = tinsn(size == 1 ? 0xf6 : 0xf7, size == 1 ? 4 : size, 4 + k, 3, 0);
                int exc = trun(cpu, &in);
                runs++;
                if (k >= 2 && div_faults(k, size, a, d, s)) {
                    faults++;
                    TCHECK(exc == EXC_DE, "%s size %d a=%#x d=%#x s=%#x: no #DE",
                                  names[k], size, a, d, s);
                    TEQ((uint32_t)cpu->gpr[R_EAX], a);
                    TEQ((uint32_t)cpu->gpr[R_EDX], d);
                    TEQ(cpu_get_arith(cpu), fin);
                    continue;
                }
                TCHECK(exc == -1, "%s size %d a=%#x d=%#x s=%#x: unexpected #%d",
                              names[k], size, a, d, s, exc);
                uint32_t ha = a, hd = d;
                uint64_t hf = fin | 2;
                host_md[k][si](&ha, &hd, s, &hf);
                uint32_t am = size == 1 ? 0xffff : m;
                TCHECK(((uint32_t)cpu->gpr[R_EAX] & am) == (ha & am) &&
                                  ((uint32_t)cpu->gpr[R_EAX] & ~am) == (a & ~am),
                              "%s size %d a=%#x d=%#x s=%#x: eax emu %#x host %#x", names[k],
                              size, a, d, s, (uint32_t)cpu->gpr[R_EAX], ha);
                if (size == 1)
                    TEQ((uint32_t)cpu->gpr[R_EDX], d);
                else
                    TCHECK(((uint32_t)cpu->gpr[R_EDX] & m) == (hd & m),
                                  "%s size %d a=%#x d=%#x s=%#x: edx emu %#x host %#x", names[k],
                                  size, a, d, s, (uint32_t)cpu->gpr[R_EDX], hd);
                /* MUL/IMUL define CF and OF; DIV/IDIV define none. */
                check_flags((uint32_t)hf, k < 2 ? EF_CF | EF_OF : 0, names[k], size, a, s, fin);
            }
        }
    }
    ck_assert_int_gt(faults, 100);
    ck_assert_int_gt(runs - faults, 3000);
}
END_TEST

/* IMUL Gv,Ev (0F AF), Gv,Ev,Iz (69), Gv,Ev,Ib (6B). */
START_TEST(alu_imul_forms)
{
    const host_bin_fn hosts[2] = {host_imul2_2, host_imul2_4};
    for (int si = 1; si < 3; si++) {
        int size = sizes[si];
        for (int i = 0; i < N_RANDOM; i++) {
            uint32_t a = toperand(i % 40 < TEDGE_COUNT ? i % 40 : 99, size, &seed);
            uint32_t b = toperand(i / 40 < TEDGE_COUNT ? i / 40 : 99, size, &seed);
            uint32_t b8 = (uint32_t)(int32_t)(int8_t)b & tmask(size);
            uint32_t fin = rand_flags();
            for (int f = 0; f < 3; f++) {
                uint32_t bb = f == 2 ? b8 : b;
                uint64_t hf = fin | 2;
                uint32_t hres = hosts[si - 1](a, bb, &hf);
                struct insn in;
                if (f == 0) { /* reg = EAX (dest, a), rm = EBX (b) */
                    set_reg_noise(0, size, a);
                    set_reg_noise(3, size, b);
                    in = tinsn(0x1af, size, 0, 3, 0);
                } else { /* reg = EAX (dest), rm = EBX (a), imm = b */
                    set_reg_noise(0, size, 0x5a5a5a5a);
                    set_reg_noise(3, size, a);
                    in = tinsn(f == 1 ? 0x69 : 0x6b, size, 0, 3,
                               f == 1 ? b : (uint32_t)(int32_t)(int8_t)b);
                }
                uint32_t before = (uint32_t)cpu->gpr[0];
                cpu_set_arith(cpu, fin, EF_ARITH);
                TEQ(trun(cpu, &in), -1);
                check_val(cpu_reg(cpu, 0, size), hres, "imul form", size, a, bb, fin);
                check_upper(0, size, before, "imul form");
                check_flags((uint32_t)hf, EF_CF | EF_OF, "imul form", size, a, bb, fin);
            }
        }
    }
}
END_TEST

/* ---------------- bit instructions ---------------- */

START_TEST(alu_bit_scan)
{
    const host_bin_fn hosts[2][2] = {{host_bsf_2, host_bsf_4}, {host_bsr_2, host_bsr_4}};
    for (int rev = 0; rev < 2; rev++) {
        for (int si = 1; si < 3; si++) {
            int size = sizes[si];
            for (int i = 0; i < N_RANDOM; i++) {
                uint32_t src = toperand(i, size, &seed);
                if (i % 3 == 1) /* sparse values exercise every index */
                    src &= (uint32_t)trand(&seed) & (uint32_t)trand(&seed) & (uint32_t)trand(&seed);
                uint32_t dst = (uint32_t)trand(&seed) & tmask(size);
                uint32_t fin = rand_flags();
                uint64_t hf = fin | 2;
                uint32_t hres = hosts[rev][si - 1](dst, src, &hf);
                set_reg_noise(0, size, dst);
                set_reg_noise(3, size, src);
                uint32_t before = (uint32_t)cpu->gpr[0];
                cpu_set_arith(cpu, fin, EF_ARITH);
                struct insn in = tinsn(rev ? 0x1bd : 0x1bc, size, 0, 3, 0);
                TEQ(trun(cpu, &in), -1);
                check_val(cpu_reg(cpu, 0, size), hres, rev ? "bsr" : "bsf", size, dst, src, fin);
                check_upper(0, size, before, "bsf/bsr");
                check_flags((uint32_t)hf, EF_ZF, rev ? "bsr" : "bsf", size, dst, src, fin);
            }
        }
    }
}
END_TEST

START_TEST(alu_bit_test)
{
    const host_bin_fn hosts[4][2] = {{host_bt_2, host_bt_4},
                                     {host_bts_2, host_bts_4},
                                     {host_btr_2, host_btr_4},
                                     {host_btc_2, host_btc_4}};
    const int opc[4] = {0x1a3, 0x1ab, 0x1b3, 0x1bb};
    for (int k = 0; k < 4; k++) {
        for (int si = 1; si < 3; si++) {
            int size = sizes[si];
            for (int i = 0; i < N_RANDOM; i++) {
                uint32_t a = toperand(i, size, &seed);
                uint32_t off = (uint32_t)trand(&seed) & tmask(size);
                uint32_t fin = rand_flags();
                uint64_t hf = fin | 2;
                uint32_t hres = hosts[k][si - 1](a, off, &hf);
                for (int f = 0; f < 2; f++) {
                    set_reg_noise(0, size, a);
                    set_reg_noise(3, size, off);
                    uint32_t before = (uint32_t)cpu->gpr[0];
                    cpu_set_arith(cpu, fin, EF_ARITH);
                    /* f = 0: 0F A3.. Ev,Gv; f = 1: 0F BA /4+k Ev,Ib */
                    struct insn in = f == 0 ? tinsn(opc[k], size, 3, 0, 0)
                                            : tinsn(0x1ba, size, 4 + k, 0, off & 0xff);
                    TEQ(trun(cpu, &in), -1);
                    check_val(cpu_reg(cpu, 0, size), hres, "bt*", size, a, off, fin);
                    check_upper(0, size, before, "bt*");
                    check_flags((uint32_t)hf, EF_CF, "bt*", size, a, off, fin);
                    /* only CF changes (P6: ZF unaffected, others left as they were) */
                    TEQ(cpu_get_arith(cpu) & ~EF_CF, fin & ~EF_CF);
                }
            }
        }
    }
}
END_TEST

START_TEST(alu_bswap)
{
    for (int i = 0; i < N_RANDOM; i++) {
        int r = i & 7;
        uint32_t a = toperand(i, 4, &seed);
        uint64_t hf = 2;
        uint32_t h = host_bswap_4(a, 0, &hf);
        cpu->gpr[r] = a;
        struct insn in = tinsn(0x1c8 + r, 4, 0, 0, 0);
        TEQ(trun(cpu, &in), -1);
        TEQ((uint32_t)cpu->gpr[r], h);
    }
}
END_TEST

/* ---------------- XADD CMPXCHG ---------------- */

START_TEST(alu_xadd_cmpxchg)
{
    for (int si = 0; si < 3; si++) {
        int size = sizes[si], v = size != 1, os = size == 1 ? 4 : size;
        for (int i = 0; i < N_RANDOM; i++) {
            uint32_t a = toperand(i % 40 < TEDGE_COUNT ? i % 40 : 99, size, &seed);
            uint32_t b = toperand(i / 40 < TEDGE_COUNT ? i / 40 : 99, size, &seed);
            uint32_t fin = rand_flags();

            /* XADD: rm = EAX (a), reg = EBX (b) */
            uint64_t hf = fin | 2;
            uint32_t hb = b, ha;
            switch (size) {
            case 1: ha = host_xadd_1(a, &hb, &hf); break;
            case 2: ha = host_xadd_2(a, &hb, &hf); break;
            default: ha = host_xadd_4(a, &hb, &hf); break;
            }
            set_reg_noise(0, size, a);
            set_reg_noise(3, size, b);
            cpu_set_arith(cpu, fin, EF_ARITH);
            struct insn in = tinsn(0x1c0 + v, os, 3, 0, 0);
            TEQ(trun(cpu, &in), -1);
            check_val(cpu_reg(cpu, 0, size), ha, "xadd dst", size, a, b, fin);
            check_val(cpu_reg(cpu, 3, size), hb, "xadd src", size, a, b, fin);
            check_flags((uint32_t)hf, EF_ARITH, "xadd", size, a, b, fin);

            /* CMPXCHG: acc = EAX, rm = ECX (a), reg = EBX (b); equal half the time */
            uint32_t acc = (i & 1) ? a : toperand(99, size, &seed);
            uint32_t hacc = acc;
            hf = fin | 2;
            uint32_t hx;
            switch (size) {
            case 1: hx = host_cmpxchg_1(&hacc, a, b, &hf); break;
            case 2: hx = host_cmpxchg_2(&hacc, a, b, &hf); break;
            default: hx = host_cmpxchg_4(&hacc, a, b, &hf); break;
            }
            set_reg_noise(0, size, acc);
            set_reg_noise(1, size, a);
            set_reg_noise(3, size, b);
            cpu_set_arith(cpu, fin, EF_ARITH);
            in = tinsn(0x1b0 + v, os, 3, 1, 0);
            TEQ(trun(cpu, &in), -1);
            check_val(cpu_reg(cpu, 1, size), hx, "cmpxchg dst", size, a, b, fin);
            check_val(cpu_reg(cpu, 0, size), hacc, "cmpxchg acc", size, a, b, fin);
            check_flags((uint32_t)hf, EF_ARITH, "cmpxchg", size, a, b, fin);
        }
    }
}
END_TEST

/* XADD with the same register as both operands leaves the sum. */
START_TEST(alu_xadd_same_reg)
{
    cpu->gpr[R_EAX] = 0x40000001;
    struct insn in = tinsn(0x1c1, 4, 0, 0, 0);
    TEQ(trun(cpu, &in), -1);
    TEQ((uint32_t)cpu->gpr[R_EAX], 0x80000002u);
    TCHECK(cpu_get_arith(cpu) & EF_OF, "xadd OF");
}
END_TEST

/* ---------------- conditions: SETcc, CMOVcc ---------------- */

START_TEST(alu_conditions_eager)
{
    for (int i = 0; i < 4096; i++) {
        uint32_t fin = rand_flags();
        for (int cc = 0; cc < 16; cc++) {
            int h = host_setcc(cc, fin | 2);
            cpu_set_arith(cpu, fin, EF_ARITH);
            TEQ(cpu_cond(cpu, cc), h);
            set_reg_noise(1, 1, 0x55);
            uint32_t before = (uint32_t)cpu->gpr[1];
            struct insn in = tinsn(0x190 + cc, 4, 0, 1, 0);
            TEQ(trun(cpu, &in), -1);
            TEQ(cpu_reg(cpu, 1, 1), (uint32_t)h);
            check_upper(1, 1, before, "setcc");
            /* CMOVcc Gv,Ev: reg = EAX, rm = EBX */
            for (int os = 2; os <= 4; os += 2) {
                set_reg_noise(0, os, 0x1111);
                set_reg_noise(3, os, 0x2222);
                uint32_t ea = (uint32_t)cpu->gpr[0], eb = (uint32_t)cpu->gpr[3];
                in = tinsn(0x140 + cc, os, 0, 3, 0);
                TEQ(trun(cpu, &in), -1);
                uint32_t want = h ? ((ea & ~tmask(os)) | (eb & tmask(os))) : ea;
                TEQ((uint32_t)cpu->gpr[0], want);
                TEQ(cpu_get_arith(cpu), fin);
            }
        }
    }
}
END_TEST

/* Conditions straight after each lazy flag kind (CMP takes a fast path). */
START_TEST(alu_conditions_lazy)
{
    for (int op = 0; op < 8; op++) {
        for (int si = 0; si < 3; si++) {
            int size = sizes[si];
            for (int i = 0; i < 1500; i++) {
                uint32_t a = toperand(i % 40 < TEDGE_COUNT ? i % 40 : 99, size, &seed);
                uint32_t b = toperand(i / 40 < TEDGE_COUNT ? i / 40 : 99, size, &seed);
                uint32_t fin = rand_flags();
                uint64_t hf = fin | 2;
                host_alu[op][si](a, b, &hf);
                cpu_set_arith(cpu, fin, EF_ARITH);
                alu_op(cpu, (enum alu_op)op, a, b, size);
                for (int cc = 0; cc < 16; cc++) {
                    /* AF does not enter any condition; logic ops leave it undefined */
                    TCHECK(cpu_cond(cpu, cc) == host_setcc(cc, hf),
                                  "%s size %d a=%#x b=%#x cc=%d", alu_names[op], size, a, b, cc);
                }
            }
        }
    }
}
END_TEST

/* ---------------- #DE cases ---------------- */

START_TEST(alu_divide_errors)
{
    struct {
        int size, signed_;
        uint32_t eax, edx, src;
        int fault;
    } cases[] = {
        {1, 0, 0x1234, 0, 0, 1},             /* DIV by 0 */
        {1, 0, 0x0100, 0, 1, 1},             /* quotient 256 */
        {1, 0, 0x00ff, 0, 1, 0},
        {1, 1, 0xff80, 0, 1, 0},             /* IDIV -128 / 1 = -128: fits on the P6 */
        {1, 1, 0x0080, 0, 0xff, 0},          /* 128 / -1 = -128: fits */
        {1, 1, 0x0080, 0, 1, 1},             /* 128 / 1 = 128: #DE */
        {1, 1, 0x8000, 0, 0xff, 1},          /* -32768 / -1 */
        {2, 1, 0x0000, 0x8000, 0xffff, 1},   /* -2^31 / -1 */
        {2, 1, 0x8000, 0xffff, 1, 0},        /* -32768 / 1 fits */
        {2, 1, 0x8000, 0x0000, 0xffff, 0},   /* 32768 / -1 = -32768 fits */
        {4, 1, 0x00000000, 0x80000000, 0xffffffff, 1}, /* INT64_MIN / -1: no host trap */
        {4, 1, 0x80000000, 0xffffffff, 1, 0},
        {4, 1, 0x80000000, 0x00000000, 0xffffffff, 0},
        {4, 1, 0x00000000, 0x00000001, 2, 1},           /* 2^32 / 2 = 2^31 */
        {4, 0, 0xffffffff, 0xfffffffe, 0xffffffff, 0},  /* largest fitting DIV */
        {4, 0, 0x00000000, 0xffffffff, 0xffffffff, 1},
        {4, 0, 5, 0, 0, 1},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int size = cases[i].size;
        cpu->gpr[R_EAX] = cases[i].eax;
        cpu->gpr[R_EDX] = cases[i].edx;
        cpu->gpr[R_EBX] = cases[i].src;
        cpu_set_arith(cpu, EF_ZF | EF_CF, EF_ARITH);
        struct insn in = tinsn(size == 1 ? 0xf6 : 0xf7, size == 1 ? 4 : size,
                               cases[i].signed_ ? 7 : 6, 3, 0);
        int exc = trun(cpu, &in);
        TCHECK(exc == (cases[i].fault ? EXC_DE : -1), "case %u: exception %d", i, exc);
        if (cases[i].fault) {
            TEQ((uint32_t)cpu->gpr[R_EAX], cases[i].eax);
            TEQ((uint32_t)cpu->gpr[R_EDX], cases[i].edx);
            TEQ(cpu->eip, 0x1000); /* fault: EIP at the instruction */
        }
        /* every non-faulting case agrees with the independent model too */
        TEQ(div_faults(cases[i].signed_ ? 3 : 2, size, cases[i].eax, cases[i].edx,
                                    cases[i].src),
                         cases[i].fault);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alu_host");
    TCase *tc = tcase_create("differential");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, alu_binary_ops);
    tcase_add_test(tc, alu_test_op);
    tcase_add_test(tc, alu_unary_ops);
    tcase_add_test(tc, alu_shifts);
    tcase_add_test(tc, alu_double_shifts);
    tcase_add_test(tc, alu_muldiv);
    tcase_add_test(tc, alu_imul_forms);
    tcase_add_test(tc, alu_bit_scan);
    tcase_add_test(tc, alu_bit_test);
    tcase_add_test(tc, alu_bswap);
    tcase_add_test(tc, alu_xadd_cmpxchg);
    tcase_add_test(tc, alu_xadd_same_reg);
    tcase_add_test(tc, alu_conditions_eager);
    tcase_add_test(tc, alu_conditions_lazy);
    tcase_add_test(tc, alu_divide_errors);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
