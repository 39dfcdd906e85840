/* Instruction-level differential test of the register forms of D8-DF: the
 * same FPU state (random registers, tags, TOP, control word, EFLAGS) is run
 * through vx86 (FRSTOR, the instruction, FNSAVE) and natively on the host's
 * x87, and the images are compared: FCW, FSW (TOP, C0-C3, exception bits,
 * SF, ES), the tag word, all eight registers, and ZF/PF/CF for FCOMI and
 * FCMOVcc. This checks the stack effects (pops, pushes, underflow and
 * overflow, unmasked responses) against hardware. x86-64 hosts only. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <sys/mman.h>

#include "fpu_diff_util.h"
#include "test_sys_util.h"

#define IMG_IN  0x9000u
#define IMG_OUT 0x9100u

static uint8_t *code; /* RWX page for the host stub */
static int reps = 1;  /* FPU_DIFF_REPS in the environment multiplies the runs */

/* Run `op modrm` on the host from FRSTOR image `in`; FNSAVE into `out`. */
static uint32_t host_exec(uint8_t op, uint8_t modrm, const uint8_t *in, uint8_t *out,
                          uint32_t eflags, void *mem)
{
    code[0] = op;
    code[1] = modrm;
    code[2] = 0xc3;
    uint64_t fl = eflags, flout;
    register void *rdi __asm__("rdi") = mem;
    __asm__ volatile("frstor (%[in])\n\t"
                     "sub $128, %%rsp\n\t"
                     "pushq %[fl]\n\t"
                     "popfq\n\t"
                     "call *%[code]\n\t"
                     "pushfq\n\t"
                     "popq %[flout]\n\t"
                     "add $128, %%rsp\n\t"
                     "fnsave (%[out])\n\t"
                     "fninit\n\t"
                     : [flout] "=&r"(flout)
                     : [in] "r"(in), [out] "r"(out), [fl] "r"(fl), [code] "r"(code), "r"(rdi)
                     : "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)",
                       "st(7)");
    return (uint32_t)flout;
}

/* A random 108-byte protected-mode 32-bit FSAVE image with no exception
 * pending (so that FRSTOR + the instruction cannot trap on the host). */
static void random_image(uint8_t *img)
{
    memset(img, 0, 108);
    uint16_t cw = (uint16_t)(0x40 | (rnd() & 0xf3f));
    if (rnd() % 2)
        cw |= FPU_EXC;
    uint16_t sw = (uint16_t)((rnd() & 7) << 11 | (rnd() & FPU_CC));
    uint16_t tw = 0;
    for (int p = 0; p < 8; p++)
        tw |= (uint16_t)((rnd() % 3 == 0 ? 3 : 0) << (2 * p));
    memcpy(img + 0, &cw, 2);
    memcpy(img + 4, &sw, 2);
    memcpy(img + 8, &tw, 2);
    for (int i = 0; i < 8; i++) {
        fp80 v = rnd80();
        memcpy(img + 28 + 10 * i, &v.mant, 8);
        memcpy(img + 36 + 10 * i, &v.se, 2);
    }
}

/* Where the SDM documents the Intel behaviour and this test's host (an AMD
 * x87) does otherwise, vx86 follows the SDM: forgive exactly those bits.
 * - FCOM/FUCOM/FCOMI families with an unmasked #IA (NaN or stack
 *   underflow): the SDM (FCOM Table 3-21, FCOMI) sets no condition codes
 *   and no EFLAGS; AMD sets them.
 * - FCOMI/FUCOMI(P): the SDM clears C1; AMD leaves it.
 * - FSTP1 (D9 D8+i, a reserved alias of FSTP on Intel) with ST(0) empty:
 *   AMD stores without the underflow check. */
static void amd_intel_differences(const uint8_t *ins, const uint8_t *in, uint8_t *out_h,
                                  const uint8_t *out_v, uint32_t *flh, uint32_t flv,
                                  bool mem_compare)
{
    uint8_t op = ins[0], m = mem_compare ? 0xd0 : ins[1];
    if (mem_compare)
        op = 0xd8;
    uint16_t cw, swh, swv;
    memcpy(&cw, in, 2);
    memcpy(&swh, out_h + 4, 2);
    memcpy(&swv, out_v + 4, 2);
    bool fcomi = (op == 0xdb || op == 0xdf) && m >= 0xe8 && m <= 0xf7;
    bool fcom = (op == 0xd8 && m >= 0xd0 && m <= 0xdf) || (op == 0xdc && m >= 0xd0 && m <= 0xdf) ||
                (op == 0xde && m >= 0xd0 && m <= 0xdf) || (op == 0xdd && m >= 0xe0 && m <= 0xef) ||
                (op == 0xda && m == 0xe9) || (op == 0xd9 && m == 0xe4);
    bool unmasked_ia = (swh & FPU_IE) && !(cw & FPU_IE);
    if (fcom && unmasked_ia)
        swh = (uint16_t)((swh & ~(FPU_C0 | FPU_C2 | FPU_C3)) | (swv & (FPU_C0 | FPU_C2 | FPU_C3)));
    if (fcomi) {
        swh = (uint16_t)((swh & ~FPU_C1) | (swv & FPU_C1));
        if (unmasked_ia)
            *flh = flv;
    }
    memcpy(out_h + 4, &swh, 2);
    if (op == 0xd9 && m >= 0xd8 && m <= 0xdf && (swv & FPU_SF) && !(swh & FPU_SF))
        memcpy(out_h, out_v, 108); /* AMD FSTP1 with an empty ST(0) */
}

static bool transcendental(uint8_t op, uint8_t modrm)
{
    return op == 0xd9 && (modrm == 0xf0 || modrm == 0xf1 || modrm == 0xf2 || modrm == 0xf3 ||
                          modrm == 0xf9 || modrm == 0xfb || modrm == 0xfe || modrm == 0xff);
}

START_TEST(register_forms)
{
    code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(code, MAP_FAILED);
    struct st *t = st_create();
    st_pmode(t, 0);
    t->cpu->cr0 |= CR0_NE;
    int mismatches = 0, runs = 0;
    static int reported[8][8]; /* one report per opcode row */
    for (int op = 0xd8; op <= 0xdf; op++) {
        for (int modrm = 0xc0; modrm <= 0xff; modrm++) {
            if (op == 0xdf && modrm == 0xe0)
                continue; /* FNSTSW AX: compared by the other tests */
            if (!VX86_FPU_HOST && transcendental((uint8_t)op, (uint8_t)modrm))
                continue; /* soft-float: within 1 ulp, test_fpu_diff */
            uint8_t ins[2] = {(uint8_t)op, (uint8_t)modrm};
            for (int k = 0; k < 200 * reps; k++) {
                uint8_t in[108], out_h[108], out_v[108];
                random_image(in);
                memcpy(t->ram + IMG_IN, in, 108);
                uint32_t fl = (uint32_t)(rnd() & (EF_CF | EF_PF | EF_ZF)) | EF_FIXED1;
                cpu_set_eflags(t->cpu, fl, EF_ARITH);
                /* frstor [IMG_IN] */
                ck_assert_int_eq(ST_EXEC(t, 0xdd, 0x25, 0x00, 0x90, 0x00, 0x00), ST_OK);
                int r = st_exec(t, ins, 2);
                if (r == EXC_UD)
                    break; /* reserved encoding: not run on the host */
                ck_assert_int_eq(r, ST_OK);
                uint32_t flv = cpu_get_arith(t->cpu) & (EF_CF | EF_PF | EF_ZF);
                /* fnsave [IMG_OUT] */
                ck_assert_int_eq(ST_EXEC(t, 0xdd, 0x35, 0x00, 0x91, 0x00, 0x00), ST_OK);
                memcpy(out_v, t->ram + IMG_OUT, 108);
                uint32_t flh =
                    host_exec(ins[0], ins[1], in, out_h, fl, NULL) & (EF_CF | EF_PF | EF_ZF);
                runs++;
                /* FIP/FCS/FOP/FDP/FDS (bytes 12-27) are addresses: skipped. */
                amd_intel_differences(ins, in, out_h, out_v, &flh, flv, false);
                bool same =
                    !memcmp(out_h, out_v, 12) && !memcmp(out_h + 28, out_v + 28, 80) && flh == flv;
                if (!same)
                    mismatches++;
                if (!same && !reported[op & 7][(modrm >> 3) & 7]++) {
                    uint16_t cwi, swi, swh, swv, twh, twv;
                    memcpy(&cwi, in, 2);
                    memcpy(&swi, in + 4, 2);
                    memcpy(&swh, out_h + 4, 2);
                    memcpy(&swv, out_v + 4, 2);
                    memcpy(&twh, out_h + 8, 2);
                    memcpy(&twv, out_v + 8, 2);
                    fprintf(stderr,
                            "%02x %02x cw=%04x sw=%04x: host sw=%04x tw=%04x fl=%x  vx86 "
                            "sw=%04x tw=%04x fl=%x%s\n",
                            op, modrm, cwi, swi, swh, twh, flh, swv, twv, flv,
                            memcmp(out_h + 28, out_v + 28, 80) ? " (registers differ)" : "");
                    fprintf(stderr, "   st0=%04x:%016llx st1=%04x:%016llx fl_in=%x\n",
                            *(uint16_t *)(in + 36), *(unsigned long long *)(in + 28),
                            *(uint16_t *)(in + 46), *(unsigned long long *)(in + 38), fl);
                }
            }
        }
    }
    fprintf(stderr, "%d runs\n", runs);
    st_destroy(t);
    munmap(code, 4096);
    ck_assert_int_eq(mismatches, 0);
}
END_TEST

/* Memory forms: the operand at DATA for vx86 ([disp32]) and in a buffer
 * for the host ([rdi]); the image and the memory operand are compared. */
#define DATA 0xa000u
START_TEST(memory_forms)
{
    /* reg fields run per opcode; the operand kind of each for rnd_mem */
    static const struct {
        uint8_t op, reg;
        int kind;
    } forms[] = {
        {0xd8, 0, FP80_K32},  {0xd8, 1, FP80_K32},  {0xd8, 2, FP80_K32},  {0xd8, 3, FP80_K32},
        {0xd8, 4, FP80_K32},  {0xd8, 5, FP80_K32},  {0xd8, 6, FP80_K32},  {0xd8, 7, FP80_K32},
        {0xdc, 0, FP80_K64},  {0xdc, 3, FP80_K64},  {0xdc, 5, FP80_K64},  {0xdc, 6, FP80_K64},
        {0xda, 1, FP80_KI32}, {0xda, 3, FP80_KI32}, {0xda, 4, FP80_KI32}, {0xde, 0, FP80_KI16},
        {0xde, 2, FP80_KI16}, {0xde, 7, FP80_KI16}, {0xd9, 0, FP80_K32},  {0xd9, 2, FP80_K32},
        {0xd9, 3, FP80_K32},  {0xdd, 0, FP80_K64},  {0xdd, 2, FP80_K64},  {0xdd, 3, FP80_K64},
        {0xdb, 0, FP80_KI32}, {0xdb, 2, FP80_KI32}, {0xdb, 3, FP80_KI32}, {0xdb, 5, FP80_K80},
        {0xdb, 7, FP80_K80},  {0xdf, 0, FP80_KI16}, {0xdf, 2, FP80_KI16}, {0xdf, 3, FP80_KI16},
        {0xdf, 4, FP80_KBCD}, {0xdf, 5, FP80_KI64}, {0xdf, 6, FP80_KBCD}, {0xdf, 7, FP80_KI64},
    };
    code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(code, MAP_FAILED);
    struct st *t = st_create();
    st_pmode(t, 0);
    t->cpu->cr0 |= CR0_NE;
    int mismatches = 0;
    for (unsigned n = 0; n < sizeof forms / sizeof forms[0]; n++) {
        int reported = 0;
        for (int k = 0; k < 1500 * reps; k++) {
            uint8_t in[108], out_h[108], out_v[108], mem_h[16] = {0};
            random_image(in);
            int kind = forms[n].kind;
            if (kind == FP80_K80) {
                fp80 v = rnd80();
                memcpy(mem_h, &v.mant, 8);
                memcpy(mem_h + 8, &v.se, 2);
            } else {
                rnd_mem(kind, mem_h);
            }
            memcpy(t->ram + IMG_IN, in, 108);
            memcpy(t->ram + DATA, mem_h, 16);
            ck_assert_int_eq(ST_EXEC(t, 0xdd, 0x25, 0x00, 0x90, 0x00, 0x00), ST_OK);
            uint8_t ins[6] = {forms[n].op, (uint8_t)(0x05 | forms[n].reg << 3), 0x00, 0xa0, 0, 0};
            ck_assert_int_eq(st_exec(t, ins, 6), ST_OK);
            ck_assert_int_eq(ST_EXEC(t, 0xdd, 0x35, 0x00, 0x91, 0x00, 0x00), ST_OK);
            memcpy(out_v, t->ram + IMG_OUT, 108);
            host_exec(forms[n].op, (uint8_t)(0x07 | forms[n].reg << 3), in, out_h, EF_FIXED1,
                      mem_h);
            uint32_t fl_dummy = 0;
            bool mem_compare = !(forms[n].op & 1) && (forms[n].reg == 2 || forms[n].reg == 3);
            amd_intel_differences(ins, in, out_h, out_v, &fl_dummy, 0, mem_compare);
            bool same = !memcmp(out_h, out_v, 12) && !memcmp(out_h + 28, out_v + 28, 80) &&
                        !memcmp(mem_h, t->ram + DATA, 16);
            if (!same) {
                mismatches++;
                if (!reported++) {
                    uint16_t cwi, swi, swh, swv;
                    memcpy(&cwi, in, 2);
                    memcpy(&swi, in + 4, 2);
                    memcpy(&swh, out_h + 4, 2);
                    memcpy(&swv, out_v + 4, 2);
                    fprintf(stderr,
                            "%02x /%d cw=%04x sw=%04x st0=%04x:%016llx mem=%016llx: host sw=%04x "
                            "vx86 sw=%04x%s%s\n",
                            forms[n].op, forms[n].reg, cwi, swi, *(uint16_t *)(in + 36),
                            *(unsigned long long *)(in + 28),
                            *(unsigned long long *)(t->ram + DATA), swh, swv,
                            memcmp(out_h + 28, out_v + 28, 80) ? " (registers differ)" : "",
                            memcmp(mem_h, t->ram + DATA, 16) ? " (memory differs)" : "");
                }
            }
        }
    }
    st_destroy(t);
    munmap(code, 4096);
    ck_assert_int_eq(mismatches, 0);
}
END_TEST

int main(void)
{
    const char *r = getenv("FPU_DIFF_REPS");
    if (r && atoi(r) > 0)
        reps = atoi(r);
    Suite *s = suite_create("fpu_insn_diff");
    TCase *tc = tcase_create("host");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, register_forms);
    tcase_add_test(tc, memory_forms);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
#else
int main(void)
{
    return 77; /* no host x87 */
}
#endif
