/* Differential test of the SIMD float backends: the portable software path
 * (sf_*) against the host CPU's SSE unit (hf_*, one real SSE instruction per
 * operation), bit for bit in the result and the MXCSR flags, for every
 * arithmetic operation, comparison and conversion, under every rounding mode
 * and DAZ/FTZ combination, on edge cases and random operands. Golden values
 * check both against known answers independently of each other. */
#include <check.h>
#include <stdio.h>

#include "cpu/simd_float.h"
#include "cpu/sse_state.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const uint32_t edge32[] = {
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000,
    0x80800000, 0x00800001, 0x3f800000, 0xbf800000, 0x3f800001, 0x3fffffff, 0x40000000,
    0x7f7fffff, 0xff7fffff, 0x7f000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
    0x7fa00000, 0xff800001, 0x7fffffff, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001,
    0x3f000000, 0xbf000000, 0x3fc00000, 0x34000000, 0x0c000000, 0x00400000, 0x33800000,
};
static const uint64_t edge64[] = {
    0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x8000000000000001,
    0x000fffffffffffff, 0x800fffffffffffff, 0x0010000000000000, 0x8010000000000000,
    0x3ff0000000000000, 0xbff0000000000000, 0x3ff0000000000001, 0x3fffffffffffffff,
    0x7fefffffffffffff, 0xffefffffffffffff, 0x7fe0000000000000, 0x7ff0000000000000,
    0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000, 0x7ff4000000000000,
    0xfff0000000000001, 0x7fffffffffffffff, 0x41e0000000000000, 0xc1e0000000000000,
    0x41dfffffffc00000, 0xc1e0000000200000, 0x41dfffffffffffff, 0x3fe0000000000000,
    0x3ff8000000000000, 0x3ca0000000000000, 0x3690000000000000, 0x36a0000000000000,
    0x47efffffe0000000, 0x3810000000000000, 0x380fffffffffffff, 0x47f0000000000000,
};
#define NE32 (int)(sizeof edge32 / sizeof *edge32)
#define NE64 (int)(sizeof edge64 / sizeof *edge64)

/* A random operand: raw bits, or built from classes that hit the hard cases
 * (denormals, near-overflow, exponents close to each other). */
static uint32_t rand32(void)
{
    uint64_t r = rnd64();
    switch (r & 7) {
    case 0: return (uint32_t)(r >> 32);
    case 1: return edge32[(r >> 8) % NE32] ^ (uint32_t)((r >> 32) & 0xff);
    case 2: return (uint32_t)(r >> 32) & 0x807fffff;                /* denormal / zero */
    case 3: return ((uint32_t)(r >> 32) & 0x807fffff) | 0x3f000000; /* around 1 */
    case 4: return ((uint32_t)(r >> 32) & 0x80ffffff) | 0x7e000000; /* huge */
    case 5: return ((uint32_t)(r >> 32) & 0x80ffffff) | 0x00800000; /* tiny normal */
    default: return ((uint32_t)(r >> 32) & 0x87ffffff) | 0x38000000;
    }
}
static uint64_t rand64(void)
{
    uint64_t r = rnd64(), s = rnd64();
    switch (r & 7) {
    case 0: return s;
    case 1: return edge64[(r >> 8) % NE64] ^ (s & 0xff);
    case 2: return s & 0x800fffffffffffffull;
    case 3: return (s & 0x800fffffffffffffull) | 0x3fe0000000000000ull;
    case 4: return (s & 0x801fffffffffffffull) | 0x7fc0000000000000ull;
    case 5: return (s & 0x801fffffffffffffull) | 0x0010000000000000ull;
    case 6: return (s & 0x80ffffffffffffffull) | 0x4100000000000000ull; /* int range */
    default: return (s & 0x80ffffffffffffffull) | 0x3c00000000000000ull;
    }
}

/* MXCSR variants: each rounding mode, DAZ and FTZ combinations, all masked
 * (0-15) or with overflow, underflow and precision unmasked (16-31), where
 * the flags an unmasked exception reports differ (no result is written). */
static uint32_t mode_mxcsr(int i)
{
    uint32_t unmask = (i & 16) ? (MXCSR_OE | MXCSR_UE | MXCSR_PE) << MXCSR_MASK_SHIFT : 0;
    return (MXCSR_MASKS & ~unmask) | (uint32_t)(i & 3) << MXCSR_RC_SHIFT |
           ((i & 4) ? MXCSR_DAZ : 0) | ((i & 8) ? MXCSR_FZ : 0);
}

static long failures;
static void fail_msg(const char *what, int op, int mode, uint64_t a, uint64_t b, uint64_t rs,
                     uint32_t fs, uint64_t rh, uint32_t fh)
{
    if (failures++ < 30)
        printf("%s op %d mxcsr %04x a %016llx b %016llx: soft %016llx fl %02x, host %016llx "
               "fl %02x\n",
               what, op, mode_mxcsr(mode), (unsigned long long)a, (unsigned long long)b,
               (unsigned long long)rs, fs, (unsigned long long)rh, fh);
}

static void check32(int op, int mode, uint32_t a, uint32_t b)
{
    uint32_t mx = mode_mxcsr(mode), fs = 0, fh = 0;
    uint32_t rs = sf_op32(op, a, b, mx, &fs), rh = hf_op32(op, a, b, mx, &fh);
    if (rs != rh || fs != fh)
        fail_msg("op32", op, mode, a, b, rs, fs, rh, fh);
}
static void check64(int op, int mode, uint64_t a, uint64_t b)
{
    uint32_t mx = mode_mxcsr(mode), fs = 0, fh = 0;
    uint64_t rs = sf_op64(op, a, b, mx, &fs), rh = hf_op64(op, a, b, mx, &fh);
    if (rs != rh || fs != fh)
        fail_msg("op64", op, mode, a, b, rs, fs, rh, fh);
}

START_TEST(arith_edge)
{
    failures = 0;
    for (int op = FP_ADD; op <= FP_SQRT; op++)
        for (int mode = 0; mode < 32; mode++) {
            for (int i = 0; i < NE32; i++)
                for (int j = 0; j < NE32; j++)
                    check32(op, mode, edge32[i], edge32[j]);
            for (int i = 0; i < NE64; i++)
                for (int j = 0; j < NE64; j++)
                    check64(op, mode, edge64[i], edge64[j]);
        }
    ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(arith_random)
{
    failures = 0;
    for (int op = FP_ADD; op <= FP_SQRT; op++)
        for (int mode = 0; mode < 32; mode++)
            for (int n = 0; n < 4000; n++) {
                uint32_t a = rand32(), b = rand32();
                if (n & 1) /* close exponents: cancellation in add/sub */
                    b = (a & 0xff800000u) | (b & 0x807fffffu);
                check32(op, mode, a, b);
                uint64_t c = rand64(), d = rand64();
                if (n & 1)
                    d = (c & 0xfff0000000000000ull) | (d & 0x800fffffffffffffull);
                check64(op, mode, c, d);
            }
    ck_assert_int_eq(failures, 0);
}
END_TEST

static void check_cmp(int mode, uint64_t a, uint64_t b, bool dbl)
{
    uint32_t mx = mode_mxcsr(mode);
    for (int p = 0; p < 8; p++) {
        uint32_t fs = 0, fh = 0;
        bool rs = dbl ? sf_cmp64(p, a, b, mx, &fs) : sf_cmp32(p, (uint32_t)a, (uint32_t)b, mx, &fs);
        bool rh = dbl ? hf_cmp64(p, a, b, mx, &fh) : hf_cmp32(p, (uint32_t)a, (uint32_t)b, mx, &fh);
        if (rs != rh || fs != fh)
            fail_msg(dbl ? "cmp64" : "cmp32", p, mode, a, b, rs, fs, rh, fh);
    }
    for (int sig = 0; sig < 2; sig++) {
        uint32_t fs = 0, fh = 0;
        int rs =
            dbl ? sf_comi64(sig, a, b, mx, &fs) : sf_comi32(sig, (uint32_t)a, (uint32_t)b, mx, &fs);
        int rh =
            dbl ? hf_comi64(sig, a, b, mx, &fh) : hf_comi32(sig, (uint32_t)a, (uint32_t)b, mx, &fh);
        if (rs != rh || fs != fh)
            fail_msg(dbl ? "comi64" : "comi32", sig, mode, a, b, (uint64_t)rs, fs, (uint64_t)rh,
                     fh);
    }
}

START_TEST(compare)
{
    failures = 0;
    for (int mode = 0; mode < 16; mode += 4) {
        for (int i = 0; i < NE32; i++)
            for (int j = 0; j < NE32; j++)
                check_cmp(mode, edge32[i], edge32[j], false);
        for (int i = 0; i < NE64; i++)
            for (int j = 0; j < NE64; j++)
                check_cmp(mode, edge64[i], edge64[j], true);
        for (int n = 0; n < 3000; n++) {
            uint32_t a = rand32();
            check_cmp(mode, a, n & 1 ? a ^ (rnd64() & 3) : rand32(), false);
            uint64_t c = rand64();
            check_cmp(mode, c, n & 1 ? c ^ (rnd64() & 3) : rand64(), true);
        }
    }
    ck_assert_int_eq(failures, 0);
}
END_TEST

static void check_cvt(int kind, int mode, uint64_t a)
{
    uint32_t mx = mode_mxcsr(mode), fs = 0, fh = 0;
    uint64_t rs = sf_cvt(kind, a, mx, &fs), rh = hf_cvt(kind, a, mx, &fh);
    if (rs != rh || fs != fh)
        fail_msg("cvt", kind, mode, a, 0, rs, fs, rh, fh);
}

START_TEST(convert)
{
    failures = 0;
    for (int kind = CVT_F32_F64; kind <= CVT_F64_I32T; kind++)
        for (int mode = 0; mode < 32; mode++) {
            bool src64 = kind == CVT_F64_F32 || kind == CVT_F64_I32 || kind == CVT_F64_I32T;
            bool srcint = kind == CVT_I32_F32 || kind == CVT_I32_F64;
            for (int i = 0; i < (src64 ? NE64 : NE32); i++)
                check_cvt(kind, mode, src64 ? edge64[i] : edge32[i]);
            for (int n = 0; n < 4000; n++) {
                uint64_t a = src64 ? rand64() : rand32();
                if (srcint && (n & 1))
                    a = (uint32_t)((int32_t)(rnd64() >> 40) >> (n % 24));
                check_cvt(kind, mode, a);
            }
        }
    ck_assert_int_eq(failures, 0);
}
END_TEST

/* Known answers, independent of either backend's implementation. */
START_TEST(golden)
{
    uint32_t mx = MXCSR_RESET, f = 0;
    /* 1/3 in single: nearest 0x3eaaaaab, toward zero 0x3eaaaaaa, both inexact. */
    ck_assert_uint_eq(sf_op32(FP_DIV, 0x3f800000, 0x40400000, mx, &f), 0x3eaaaaab);
    ck_assert_uint_eq(f, MXCSR_PE);
    f = 0;
    ck_assert_uint_eq(sf_op32(FP_DIV, 0x3f800000, 0x40400000, mx | 3u << 13, &f), 0x3eaaaaaa);
    f = 0;
    ck_assert_uint_eq(sf_op64(FP_SQRT, 0, 0x4000000000000000ull, mx, &f), 0x3ff6a09e667f3bcdull);
    /* inf - inf: real indefinite, IE. */
    f = 0;
    ck_assert_uint_eq(sf_op32(FP_SUB, 0x7f800000, 0x7f800000, mx, &f), 0xffc00000);
    ck_assert_uint_eq(f, MXCSR_IE);
    /* FTZ: tiny product flushed to +0 with UE and PE. */
    f = 0;
    ck_assert_uint_eq(sf_op32(FP_MUL, 0x00800000, 0x3f000000, mx | MXCSR_FZ, &f), 0);
    ck_assert_uint_eq(f, MXCSR_UE | MXCSR_PE);
    /* DAZ: denormal operand is zero, no DE. */
    f = 0;
    ck_assert_uint_eq(sf_op32(FP_ADD, 0x00000001, 0x00000000, mx | MXCSR_DAZ, &f), 0);
    ck_assert_uint_eq(f, 0);
    f = 0;
    ck_assert_uint_eq(sf_cvt(CVT_F64_I32, 0x41e0000000000000ull, mx, &f), 0x80000000u);
    ck_assert_uint_eq(f, MXCSR_IE);
    ck_assert_uint_eq(sf_rcp32(0x40000000), 0x3f000000);
    ck_assert_uint_eq(sf_rsqrt32(0x40800000), 0x3f000000);
#ifdef SIMD_HAVE_HOSTFLOAT
    f = 0;
    ck_assert_uint_eq(hf_op32(FP_DIV, 0x3f800000, 0x40400000, mx | 3u << 13, &f), 0x3eaaaaaa);
    ck_assert_uint_eq(f, MXCSR_PE);
    f = 0;
    ck_assert_uint_eq(hf_op32(FP_MUL, 0x00800000, 0x3f000000, mx | MXCSR_FZ, &f), 0);
    ck_assert_uint_eq(f, MXCSR_UE | MXCSR_PE);
#endif
}
END_TEST

/* RCPPS/RSQRTPS: within the architectural error bound of the exact value. */
START_TEST(approx)
{
    for (int n = 0; n < 20000; n++) {
        uint32_t a = ((uint32_t)rnd64() & 0x007fffffu) | (uint32_t)(0x20 + n % 0xa0) << 23;
        uint32_t f = 0;
        uint32_t exact = sf_op32(FP_DIV, 0x3f800000, a, MXCSR_RESET, &f);
        uint32_t r = sf_rcp32(a);
        int64_t d = (int64_t)r - (int64_t)exact;
        ck_assert_msg(d >= -(3 << 10) && d <= (3 << 10), "rcp %08x: %08x vs %08x", a, r, exact);
        uint32_t s = sf_op32(FP_SQRT, 0, a, MXCSR_RESET, &f);
        exact = sf_op32(FP_DIV, 0x3f800000, s, MXCSR_RESET, &f);
        r = sf_rsqrt32(a);
        d = (int64_t)r - (int64_t)exact;
        ck_assert_msg(d >= -(3 << 10) && d <= (3 << 10), "rsqrt %08x: %08x vs %08x", a, r, exact);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sse_float");
    TCase *tc = tcase_create("float");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, golden);
    tcase_add_test(tc, approx);
#ifdef SIMD_HAVE_HOSTFLOAT
    tcase_add_test(tc, arith_edge);
    tcase_add_test(tc, arith_random);
    tcase_add_test(tc, compare);
    tcase_add_test(tc, convert);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
