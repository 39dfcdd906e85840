/* x87 instructions through the decoder and handlers (no guest program):
 * register stack and tags, stack faults, masked and unmasked responses,
 * #MF / FERR#, FCOMI/FCMOV, FXAM, constants by RC, integer and BCD stores,
 * FSTENV/FLDENV and FXSAVE/FXRSTOR images, faults leaving the FPU alone. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/fpu.h"
#include "cpu/fpu_priv.h"
#include "test_sys_util.h"

#define DATA 0x9000u

static struct st *fpu_setup(void)
{
    struct st *t = st_create();
    st_pmode(t, 0);
    t->cpu->cr0 |= CR0_NE | CR0_MP;
    ck_assert_int_eq(ST_EXEC(t, 0xdb, 0xe3), ST_OK); /* fninit */
    return t;
}

static int top(struct st *t)
{
    return fpu_top(&t->cpu->fpu);
}
static int tag(struct st *t, int i)
{
    return fpu_tag_phys(&t->cpu->fpu, fpu_phys(&t->cpu->fpu, i));
}
static fp80 st(struct st *t, int i)
{
    return fpu_st(&t->cpu->fpu, i);
}

static void put32(struct st *t, uint32_t a, uint32_t v)
{
    memcpy(t->ram + a, &v, 4);
}
static uint32_t get32(struct st *t, uint32_t a)
{
    uint32_t v;
    memcpy(&v, t->ram + a, 4);
    return v;
}
static uint16_t get16(struct st *t, uint32_t a)
{
    uint16_t v;
    memcpy(&v, t->ram + a, 2);
    return v;
}

/* D9 05 / DB 05 ... with a disp32 pointing at DATA + off. */
#define MEM(op, reg, off)                                                                          \
    (op), (0x05 | ((reg) << 3)), (uint8_t)(DATA + (off)), (uint8_t)((DATA + (off)) >> 8), 0, 0

START_TEST(stack_and_tags)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    ck_assert_uint_eq(f->fcw, 0x037f);
    ck_assert_uint_eq(f->ftw, 0xffff);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK); /* fld1 */
    ck_assert_int_eq(top(t), 7);
    ck_assert_int_eq(tag(t, 0), TAG_VALID);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xee), ST_OK); /* fldz */
    ck_assert_int_eq(top(t), 6);
    ck_assert_int_eq(tag(t, 0), TAG_ZERO);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xc9), ST_OK); /* fxch st1 */
    ck_assert_uint_eq(st(t, 0).se, 0x3fff);
    ck_assert_int_eq(tag(t, 1), TAG_ZERO);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xf7), ST_OK); /* fincstp: tags stay */
    ck_assert_int_eq(top(t), 7);
    ck_assert_int_eq(tag(t, 7), TAG_VALID);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xf6), ST_OK); /* fdecstp */
    ck_assert_int_eq(ST_EXEC(t, 0xdd, 0xc1), ST_OK); /* ffree st1 */
    ck_assert_int_eq(tag(t, 1), TAG_EMPTY);
    ck_assert_int_eq(top(t), 6);
    ck_assert_int_eq(ST_EXEC(t, 0xdf, 0xc0), ST_OK); /* ffreep st0 */
    ck_assert_int_eq(top(t), 7);
    ck_assert_uint_eq(f->ftw, 0xffff);
    ck_assert_uint_eq(f->fsw & FPU_EXC, 0);
    st_destroy(t);
}
END_TEST

START_TEST(stack_overflow_masked_and_unmasked)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xeb), ST_OK); /* fldpi: overflow, masked */
    ck_assert_uint_eq(f->fsw & (FPU_IE | FPU_SF | FPU_C1), FPU_IE | FPU_SF | FPU_C1);
    ck_assert_uint_eq(st(t, 0).se, 0xffff); /* the indefinite */
    ck_assert_uint_eq(st(t, 0).mant, 0xc000000000000000ull);
    /* Unmasked: nothing changes but ES; the next waiting insn takes #MF. */
    ck_assert_int_eq(ST_EXEC(t, 0xdb, 0xe2), ST_OK); /* fnclex */
    f->fcw = 0x037e;
    int tp = top(t);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xeb), ST_OK);
    ck_assert_int_eq(top(t), tp);
    ck_assert_uint_eq(f->fsw & (FPU_ES | FPU_B | FPU_IE | FPU_SF),
                      FPU_ES | FPU_B | FPU_IE | FPU_SF);
    ck_assert_int_eq(ST_EXEC(t, 0x9b), EXC_MF);       /* fwait */
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), EXC_MF); /* fld1 */
    ck_assert_int_eq(ST_EXEC(t, 0xdf, 0xe0), ST_OK);  /* fnstsw ax: no wait */
    ck_assert_uint_eq(t->cpu->gpr[R_EAX] & 0xffff, f->fsw);
    st_destroy(t);
}
END_TEST

static int ferr_level = -1, ferr_calls;
static void ferr_hook(void *opaque, bool level)
{
    (void)opaque;
    ferr_level = level;
    ferr_calls++;
}

START_TEST(ferr_without_ne)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    t->cpu->cr0 &= ~CR0_NE;
    t->cpu->hooks.ferr = ferr_hook;
    ferr_calls = 0;
    f->fcw = 0x037b;                                 /* ZE unmasked */
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK); /* fld1 */
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xee), ST_OK); /* fldz */
    ck_assert_int_eq(ST_EXEC(t, 0xde, 0xf9), ST_OK); /* fdivp: ZE pending */
    ck_assert_int_eq(top(t), 6);                     /* not popped */
    ck_assert_uint_eq(f->fsw & (FPU_ES | FPU_ZE), FPU_ES | FPU_ZE);
    ck_assert_int_eq(ferr_calls, 0);
    /* The next waiting instruction signals FERR# and runs (IGNNE# wiring). */
    ck_assert_int_eq(ST_EXEC(t, 0x9b), ST_OK);
    ck_assert_int_eq(ferr_level, 1);
    ck_assert_int_eq(ST_EXEC(t, 0xdb, 0xe2), ST_OK); /* fnclex lowers it */
    ck_assert_int_eq(ferr_level, 0);
    ck_assert_uint_eq(f->fsw & (FPU_ES | FPU_B | FPU_EXC), 0);
    /* FLDCW unmasking a pending exception sets ES. */
    f->fcw = 0x037f;
    ck_assert_int_eq(ST_EXEC(t, 0xde, 0xf9), ST_OK); /* fdivp 1/0 masked: +inf */
    ck_assert_uint_eq(st(t, 0).se, 0x7fff);
    ck_assert_uint_eq(f->fsw & FPU_ES, 0);
    put32(t, DATA, 0x037b);
    ck_assert_int_eq(ST_EXEC(t, MEM(0xd9, 5, 0)), ST_OK); /* fldcw */
    ck_assert_uint_eq(f->fsw & FPU_ES, FPU_ES);
    st_destroy(t);
}
END_TEST

START_TEST(fcomi_fcmov_fxam)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK); /* 1 */
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xeb), ST_OK); /* pi */
    ck_assert_int_eq(ST_EXEC(t, 0xdb, 0xf1), ST_OK); /* fcomi st0, st1: pi > 1 */
    ck_assert_uint_eq(cpu_get_arith(t->cpu) & (EF_ZF | EF_PF | EF_CF), 0);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xc9), ST_OK); /* fxch: 1 < pi */
    ck_assert_int_eq(ST_EXEC(t, 0xdb, 0xf1), ST_OK);
    ck_assert_uint_eq(cpu_get_arith(t->cpu) & (EF_ZF | EF_PF | EF_CF), EF_CF);
    ck_assert_int_eq(ST_EXEC(t, 0xda, 0xc1), ST_OK); /* fcmovb st0, st1: CF set */
    ck_assert_uint_eq(st(t, 0).se, 0x4000);
    ck_assert_int_eq(ST_EXEC(t, 0xdf, 0xe9), ST_OK); /* fucomip st0, st1: equal, pop */
    ck_assert_uint_eq(cpu_get_arith(t->cpu) & (EF_ZF | EF_PF | EF_CF), EF_ZF);
    ck_assert_int_eq(top(t), 7);
    /* FXAM: C3 C2 C0 by class, C1 = sign. */
    static const struct {
        fp80 v;
        uint16_t cc;
    } cases[] = {
        {{0x8000000000000000ull, 0x3fff}, FPU_C2},
        {{0, 0x8000}, FPU_C3 | FPU_C1},
        {{0x8000000000000000ull, 0x7fff}, FPU_C2 | FPU_C0},
        {{0xc000000000000000ull, 0xffff}, FPU_C0 | FPU_C1},
        {{1, 0}, FPU_C3 | FPU_C2},
        {{0x4000000000000000ull, 0x4000}, 0}, /* unnormal: unsupported */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fpu_set_st(f, 0, cases[i].v);
        ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe5), ST_OK);
        ck_assert_uint_eq(f->fsw & FPU_CC, cases[i].cc);
    }
    fpu_pop(f);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe5), ST_OK); /* empty */
    ck_assert_uint_eq(f->fsw & (FPU_C3 | FPU_C2 | FPU_C0), FPU_C3 | FPU_C0);
    st_destroy(t);
}
END_TEST

START_TEST(constants_by_rounding)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    static const uint64_t pi[4] = {0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull,
                                   0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull};
    static const uint64_t l2t[4] = {0xd49a784bcd1b8afeull, 0xd49a784bcd1b8afeull,
                                    0xd49a784bcd1b8affull, 0xd49a784bcd1b8afeull};
    for (int rc = 0; rc < 4; rc++) {
        f->fcw = (uint16_t)(0x007f | rc << 10); /* PC 24 bits: ignored by FLDxx */
        ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xeb), ST_OK);
        ck_assert_uint_eq(st(t, 0).mant, pi[rc]);
        ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe9), ST_OK);
        ck_assert_uint_eq(st(t, 0).mant, l2t[rc]);
        fpu_pop(f);
        fpu_pop(f);
    }
    st_destroy(t);
}
END_TEST

START_TEST(integer_and_bcd_stores)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    /* 70000 does not fit in 16 bits: IE, the integer indefinite 8000. */
    put32(t, DATA, 70000);
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdb, 0, 0)), ST_OK); /* fild dword */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdf, 2, 4)), ST_OK); /* fist word */
    ck_assert_uint_eq(get16(t, DATA + 4), 0x8000);
    ck_assert_uint_eq(f->fsw & FPU_IE, FPU_IE);
    /* FBSTP / FBLD round trip of -123456789012345678. */
    int64_t v = -123456789012345678ll;
    memcpy(t->ram + DATA + 16, &v, 8);
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdf, 5, 16)), ST_OK); /* fild qword */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdf, 6, 32)), ST_OK); /* fbstp */
    static const uint8_t bcd[10] = {0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80};
    ck_assert_int_eq(memcmp(t->ram + DATA + 32, bcd, 10), 0);
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdf, 4, 32)), ST_OK); /* fbld */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdf, 7, 48)), ST_OK); /* fistp qword */
    int64_t back;
    memcpy(&back, t->ram + DATA + 48, 8);
    ck_assert(back == v);
    /* Rounding by RC: 2.5 -> 2 (nearest even), 3 (up). */
    put32(t, DATA + 64, 0x40200000); /* 2.5f */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xd9, 0, 64)), ST_OK);
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdb, 2, 68)), ST_OK);
    ck_assert_uint_eq(get32(t, DATA + 68), 2);
    f->fcw = 0x0b7f;
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdb, 3, 68)), ST_OK);
    ck_assert_uint_eq(get32(t, DATA + 68), 3);
    ck_assert_uint_eq(f->fsw & (FPU_PE | FPU_C1), FPU_PE | FPU_C1);
    st_destroy(t);
}
END_TEST

START_TEST(env_round_trip)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK);
    put32(t, DATA, 0x40000000);
    t->cpu->insn_eip = 0; /* set by the run loop; st_exec does not */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xd8, 0, 0)), ST_OK); /* fadd dword: 3.0 */
    ck_assert_uint_eq(f->fop, 0x005);
    ck_assert_uint_eq(f->fdp, DATA);
    ck_assert_uint_eq(f->fds, 0x10);
    struct fpu_state saved = *f;
    ck_assert_int_eq(ST_EXEC(t, MEM(0xd9, 6, 0x100)), ST_OK); /* fnstenv */
    ck_assert_uint_eq(f->fcw, saved.fcw | 0x3f);              /* FSTENV masks everything */
    ck_assert_uint_eq(get32(t, DATA + 0x100 + 8), 0xffff0000u | saved.ftw);
    ck_assert_uint_eq(get32(t, DATA + 0x100 + 16), (0x005u << 16) | 0x08u); /* FOP:FCS */
    ck_assert_uint_eq(get32(t, DATA + 0x100 + 24), 0xffff0010u);            /* FDS */
    ck_assert_int_eq(ST_EXEC(t, 0xdb, 0xe3), ST_OK);                        /* fninit */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xd9, 4, 0x100)), ST_OK);               /* fldenv */
    ck_assert_uint_eq(f->fcw, saved.fcw);
    ck_assert_uint_eq(f->fsw, saved.fsw);
    ck_assert_uint_eq(f->ftw, saved.ftw);
    ck_assert_uint_eq(f->fop, saved.fop);
    ck_assert_uint_eq(f->fdp, saved.fdp);
    ck_assert_uint_eq(st(t, 0).se, 0x4000); /* 3.0 */
    ck_assert_uint_eq(st(t, 0).mant, 0xc000000000000000ull);
    st_destroy(t);
}
END_TEST

START_TEST(fxsave_fxrstor_image)
{
    struct st *t = fpu_setup();
    struct cpu *cpu = t->cpu;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xeb), ST_OK); /* pi */
    cpu->sse.mxcsr = 0x1f80;
    for (int j = 0; j < 4; j++)
        cpu->sse.xmm[3].d[j] = 0x11111111u * (uint32_t)(j + 1);
    memset(t->ram + DATA, 0xa5, 512);
    /* OSFXSR clear: MXCSR but no XMM registers. */
    fpu_fxsave(cpu, SEG_DS, DATA);
    ck_assert_uint_eq(get16(t, DATA), 0x037f);
    ck_assert_uint_eq(t->ram[DATA + 4], 0x80); /* R7 in use */
    ck_assert_uint_eq(get32(t, DATA + 24), 0x1f80);
    ck_assert_uint_eq(get32(t, DATA + 160 + 48), 0xa5a5a5a5u);
    ck_assert_uint_eq(get32(t, DATA + 36), 0xc90fdaa2u);
    ck_assert_uint_eq(get16(t, DATA + 40), 0x4000);
    ck_assert_uint_eq(get16(t, DATA + 42), 0); /* reserved bytes of the slot */
    cpu->cr4 |= CR4_OSFXSR;
    fpu_fxsave(cpu, SEG_DS, DATA);
    ck_assert_uint_eq(get32(t, DATA + 24), 0x1f80);
    ck_assert_uint_eq(get32(t, DATA + 160 + 48 + 12), 0x44444444u);
    /* FXRSTOR: XMM3 and the FPU come back; a reserved MXCSR bit is #GP. */
    memset(&cpu->sse.xmm[3], 0, 16);
    ck_assert_int_eq(ST_EXEC(t, 0xdb, 0xe3), ST_OK);
    fpu_fxrstor(cpu, SEG_DS, DATA);
    ck_assert_uint_eq(cpu->sse.xmm[3].d[1], 0x22222222u);
    ck_assert_uint_eq(cpu->fpu.ftw, 0x3fff);
    ck_assert_uint_eq(st(t, 0).mant, 0xc90fdaa22168c235ull);
    put32(t, DATA + 24, 0x00010000u);
    if (!setjmp(cpu->exc_jmp)) {
        fpu_fxrstor(cpu, SEG_DS, DATA);
        ck_abort_msg("no #GP for a reserved MXCSR bit");
    }
    ck_assert_int_eq(cpu->exc_vector, EXC_GP);
    if (!setjmp(cpu->exc_jmp)) {
        fpu_fxsave(cpu, SEG_DS, DATA + 8);
        ck_abort_msg("no #GP for a misaligned image");
    }
    ck_assert_int_eq(cpu->exc_vector, EXC_GP);
    st_destroy(t);
}
END_TEST

START_TEST(memory_fault_leaves_fpu)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK);
    struct fpu_state before = *f;
    /* DS limit 0xfff: a load beyond it is #GP and changes nothing. */
    st_seg(t->cpu, SEG_DS, 0x10, 0, 0xfff, ST_DATA32 & ~DESC_G);
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdd, 0, 0)), EXC_GP); /* fld qword */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdb, 7, 0)), EXC_GP); /* fstp tbyte */
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdd, 6, 0)), EXC_GP); /* fnsave */
    ck_assert_int_eq(memcmp(&before, f, sizeof before), 0);
    /* #NM comes first with TS, #UD for a reserved encoding. */
    t->cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), EXC_NM);
    t->cpu->cr0 &= ~CR0_TS;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xd7), EXC_UD);
    ck_assert_int_eq(ST_EXEC(t, MEM(0xdd, 1, 0)), EXC_UD); /* fisttp: SSE3 */
    st_destroy(t);
}
END_TEST

START_TEST(unmasked_overflow_writes_adjusted)
{
    struct st *t = fpu_setup();
    struct fpu_state *f = &t->cpu->fpu;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK);
    fpu_set_st(f, 0, (fp80){0x8000000000000000ull, 0x7000}); /* 2^12289 */
    f->fcw = 0x0377;                                         /* OE unmasked */
    ck_assert_int_eq(ST_EXEC(t, 0xd8, 0xc8), ST_OK);         /* fmul st0, st0 */
    /* 2^24578 scaled by 2^-24576: 2^2 (SDM Vol. 1, 4.9.1.4). */
    ck_assert_uint_eq(st(t, 0).se, 0x4001);
    ck_assert_uint_eq(f->fsw & (FPU_OE | FPU_ES), FPU_OE | FPU_ES);
    st_destroy(t);
}
END_TEST

ST_MAIN("fpu_insn", stack_and_tags, stack_overflow_masked_and_unmasked, ferr_without_ne,
        fcomi_fcmov_fxam, constants_by_rounding, integer_and_bcd_stores, env_round_trip,
        fxsave_fxrstor_image, memory_fault_leaves_fpu, unmasked_overflow_writes_adjusted)
