/* The host-x87 backend of cpu/fp80.h: each operation runs the very x87
 * instruction on the host (x86-64 only) with the guest's control word and
 * operands, then reads back the result and the status word. */
#include "cpu/fp80.h"

#if defined(__x86_64__)
#include <string.h>

/* An instruction stub: the x87 opcode bytes, then RET. A memory operand is
 * encoded as [RDI] (ModRM mod 00, r/m 111). */
#define HSTUB(name, ...)                                                                           \
    extern void name(void);                                                                        \
    __asm__(".pushsection .text\n.p2align 2\n.globl " #name "\n.hidden " #name "\n.type " #name    \
            ",@function\n" #name ":\n.byte " #__VA_ARGS__ "\nret\n.popsection\n");

#define ARITH_STUBS(op, m)                                                                         \
    HSTUB(fp80h_st_r##op, 0xd8, 0xc1 | (op << 3))                                                  \
    HSTUB(fp80h_st_f32##op, 0xd8, m | (op << 3))                                                   \
    HSTUB(fp80h_st_f64##op, 0xdc, m | (op << 3))                                                   \
    HSTUB(fp80h_st_i16##op, 0xde, m | (op << 3))                                                   \
    HSTUB(fp80h_st_i32##op, 0xda, m | (op << 3))
ARITH_STUBS(0, 7)
ARITH_STUBS(1, 7)
ARITH_STUBS(4, 7)
ARITH_STUBS(5, 7)
ARITH_STUBS(6, 7)
ARITH_STUBS(7, 7)
#define ARITH_ROW(op)                                                                              \
    {                                                                                              \
        fp80h_st_r##op, fp80h_st_f32##op, fp80h_st_f64##op, fp80h_st_i16##op, fp80h_st_i32##op     \
    }
static void (*const arith_stub[8][5])(void) = {
    [0] = ARITH_ROW(0), [1] = ARITH_ROW(1), [4] = ARITH_ROW(4),
    [5] = ARITH_ROW(5), [6] = ARITH_ROW(6), [7] = ARITH_ROW(7),
};

HSTUB(fp80h_st_fcom, 0xd8, 0xd1)
HSTUB(fp80h_st_fucom, 0xdd, 0xe1)
HSTUB(fp80h_st_ftst, 0xd9, 0xe4)
HSTUB(fp80h_st_fcom32, 0xd8, 0x17)
HSTUB(fp80h_st_fcom64, 0xdc, 0x17)
HSTUB(fp80h_st_ficom16, 0xde, 0x17)
HSTUB(fp80h_st_ficom32, 0xda, 0x17)
HSTUB(fp80h_st_ld80, 0xdb, 0x2f)
HSTUB(fp80h_st_ld32, 0xd9, 0x07)
HSTUB(fp80h_st_ld64, 0xdd, 0x07)
HSTUB(fp80h_st_ild16, 0xdf, 0x07)
HSTUB(fp80h_st_ild32, 0xdb, 0x07)
HSTUB(fp80h_st_ild64, 0xdf, 0x2f)
HSTUB(fp80h_st_bld, 0xdf, 0x27)
HSTUB(fp80h_st_st80, 0xdb, 0x3f)
HSTUB(fp80h_st_st32, 0xd9, 0x17)
HSTUB(fp80h_st_st64, 0xdd, 0x17)
HSTUB(fp80h_st_ist16, 0xdf, 0x17)
HSTUB(fp80h_st_ist32, 0xdb, 0x17)
HSTUB(fp80h_st_ist64, 0xdf, 0x3f)
HSTUB(fp80h_st_bst, 0xdf, 0x37)
HSTUB(fp80h_st_sqrt, 0xd9, 0xfa)
HSTUB(fp80h_st_rndint, 0xd9, 0xfc)
HSTUB(fp80h_st_scale, 0xd9, 0xfd)
HSTUB(fp80h_st_xtract, 0xd9, 0xf4)
HSTUB(fp80h_st_prem, 0xd9, 0xf8)
HSTUB(fp80h_st_prem1, 0xd9, 0xf5)
HSTUB(fp80h_st_f2xm1, 0xd9, 0xf0)
HSTUB(fp80h_st_yl2x, 0xd9, 0xf1)
HSTUB(fp80h_st_yl2xp1, 0xd9, 0xf9)
HSTUB(fp80h_st_patan, 0xd9, 0xf3)
HSTUB(fp80h_st_sin, 0xd9, 0xfe)
HSTUB(fp80h_st_cos, 0xd9, 0xff)
HSTUB(fp80h_st_sincos, 0xd9, 0xfb)
HSTUB(fp80h_st_ptan, 0xd9, 0xf2)

/* The 10-byte memory image of an 80-bit register value. */
struct f80_bytes {
    uint64_t mant;
    uint16_t se;
} __attribute__((packed));

/* Run `stub` with ST(0) = in0, ST(1) = *in1 (when not NULL) under control
 * word c->cw and RDI = mem; return the status word and ST(0), ST(1)
 * afterwards (each when asked for).
 * Cheap enough to run per guest instruction: no FNINIT (tens of cycles),
 * and FNCLEX (which waits for every x87 operation in flight: about 45 ns
 * per call on an AMD EPYC host, three times the operation) only when the
 * host's sticky exception flags hold one the caller has not already got
 * (c->known): the others may be reported again, fp80.h. The System V ABI
 * leaves the x87 stack empty and the control word 0x037F between
 * functions, so comparing 1 with 0 clears the condition codes (the stubs of
 * operations that leave some codes undefined report them as cleared, as
 * the soft backend does), and FFREE of all eight registers empties the
 * stack again whatever the stub pushed or popped. A control word other
 * than the ABI's is loaded only for the operation, with the exceptions
 * cleared (FNCLEX) before the default comes back, so an unmasked one never
 * traps on the host; the flags kept going in are masked in c->cw. */
static uint16_t host_run(void (*stub)(void), const struct fp80_ctx *c, fp80 in0, const fp80 *in1,
                         void *mem, fp80 *out0, fp80 *out1)
{
    uint16_t cw = c->cw, stale = (uint16_t)(FPU_EXC & ~(c->known & c->cw));
    struct f80_bytes i0 = {in0.mant, in0.se}, i1 = {0, 0}, o0, o1;
    if (in1)
        i1 = (struct f80_bytes){in1->mant, in1->se};
    uint16_t sw, abi_cw = 0x037f;
    __asm__ volatile("fnstsw %%ax\n\t"
                     "testw %w[stale], %%ax\n\t"
                     "jz 5f\n\t"
                     "fnclex\n"
                     "5:\n\t"
                     "fldz\n\t"
                     "fld1\n\t"
                     "fcompp\n\t" /* 1 > 0: C3 C2 C1 C0 all clear */
                     "cmpw %[abi], %w[cwr]\n\t"
                     "je 1f\n\t"
                     "fldcw %[cw]\n"
                     "1:\n\t"
                     "testl %[two], %[two]\n\t"
                     "jz 3f\n\t"
                     "fldt %[i1]\n"
                     "3:\n\t"
                     "fldt %[i0]\n\t"
                     "sub $128, %%rsp\n\t"
                     "call *%[stub]\n\t"
                     "add $128, %%rsp\n\t"
                     "fnstsw %[sw]\n\t"
                     "cmpw %[abi], %w[cwr]\n\t"
                     "je 2f\n\t"
                     "fnclex\n\t"
                     "fldcw %[abi]\n"
                     "2:\n\t"
                     "fstpt %[o0]\n\t"
                     "testl %[want1], %[want1]\n\t"
                     "jz 4f\n\t"
                     "fstpt %[o1]\n"
                     "4:\n\t"
                     "ffree %%st(0)\n\tffree %%st(1)\n\tffree %%st(2)\n\tffree %%st(3)\n\t"
                     "ffree %%st(4)\n\tffree %%st(5)\n\tffree %%st(6)\n\tffree %%st(7)\n\t"
                     : [sw] "=m"(sw), [o0] "=m"(o0), [o1] "=m"(o1)
                     : [cw] "m"(cw), [cwr] "r"(cw), [abi] "m"(abi_cw), [i0] "m"(i0), [i1] "m"(i1),
                       [stub] "r"(stub),
                       "D"(mem), [two] "r"((int)(in1 != NULL)), [want1] "r"((int)(out1 != NULL)),
                       [stale] "r"(stale)
                     : "rax", "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)",
                       "st(6)", "st(7)");
    if (out0)
        *out0 = (fp80){o0.mant, o0.se};
    if (out1)
        *out1 = (fp80){o1.mant, o1.se};
    return sw;
}

static const fp80 zero80 = {0, 0};

/* The status bits an operation reports (TOP, B, ES and SF are the caller's). */
static void host_status(struct fp80_ctx *c, uint16_t sw)
{
    c->sw = sw & (FPU_EXC | FPU_CC);
}

fp80 fp80h_arith(struct fp80_ctx *c, int op, fp80 dst, int kind, const void *src)
{
    uint8_t buf[16] = {0};
    fp80 r, in1 = zero80;
    if (kind == FP80_K80)
        in1 = *(const fp80 *)src;
    else
        memcpy(buf, src, fp80_kind_size[kind]);
    int k = kind == FP80_K80    ? 0
            : kind == FP80_K32  ? 1
            : kind == FP80_K64  ? 2
            : kind == FP80_KI16 ? 3
                                : 4;
    host_status(
        c, host_run(arith_stub[op][k], c, dst, kind == FP80_K80 ? &in1 : NULL, buf, &r, NULL));
    return r;
}

void fp80h_com(struct fp80_ctx *c, fp80 a, int kind, const void *src, bool unordered)
{
    uint8_t buf[16] = {0};
    fp80 in1 = zero80;
    void (*stub)(void);
    switch (kind) {
    case FP80_K80:
        stub = !src ? fp80h_st_ftst : unordered ? fp80h_st_fucom : fp80h_st_fcom;
        if (src)
            in1 = *(const fp80 *)src;
        break;
    case FP80_K32: stub = fp80h_st_fcom32; break;
    case FP80_K64: stub = fp80h_st_fcom64; break;
    case FP80_KI16: stub = fp80h_st_ficom16; break;
    default: stub = fp80h_st_ficom32; break;
    }
    if (kind != FP80_K80)
        memcpy(buf, src, fp80_kind_size[kind]);
    host_status(c,
                host_run(stub, c, a, kind == FP80_K80 && src ? &in1 : NULL, buf, NULL, NULL));
}

fp80 fp80h_load(struct fp80_ctx *c, int kind, const void *src)
{
    static void (*const stubs[])(void) = {fp80h_st_ld80,  fp80h_st_ld32,  fp80h_st_ld64,
                                          fp80h_st_ild16, fp80h_st_ild32, fp80h_st_ild64,
                                          fp80h_st_bld};
    uint8_t buf[16] = {0};
    fp80 r;
    memcpy(buf, src, fp80_kind_size[kind]);
    host_status(c, host_run(stubs[kind], c, zero80, NULL, buf, &r, NULL));
    return r;
}

void fp80h_store(struct fp80_ctx *c, fp80 a, int kind, void *dst)
{
    static void (*const stubs[])(void) = {fp80h_st_st80,  fp80h_st_st32,  fp80h_st_st64,
                                          fp80h_st_ist16, fp80h_st_ist32, fp80h_st_ist64,
                                          fp80h_st_bst};
    uint8_t buf[16] = {0};
    memcpy(buf, dst, fp80_kind_size[kind]);
    host_status(c, host_run(stubs[kind], c, a, NULL, buf, NULL, NULL));
    memcpy(dst, buf, fp80_kind_size[kind]);
}

#define HOST_UNARY(name, stub)                                                                     \
    fp80 fp80h_##name(struct fp80_ctx *c, fp80 a)                                                  \
    {                                                                                              \
        fp80 r;                                                                                    \
        host_status(c, host_run(stub, c, a, NULL, NULL, &r, NULL));                                \
        return r;                                                                                  \
    }
HOST_UNARY(sqrt, fp80h_st_sqrt)
HOST_UNARY(rndint, fp80h_st_rndint)
HOST_UNARY(f2xm1, fp80h_st_f2xm1)
HOST_UNARY(sin, fp80h_st_sin)
HOST_UNARY(cos, fp80h_st_cos)

/* FPTAN pushes 1.0 after the tangent: the tangent is then ST(1). With C2 set
 * (out of range) nothing is pushed and ST(0) is the operand. */
fp80 fp80h_tan(struct fp80_ctx *c, fp80 a)
{
    fp80 r0, r1;
    host_status(c, host_run(fp80h_st_ptan, c, a, NULL, NULL, &r0, &r1));
    return (c->sw & FPU_C2) || fp80_pre_exc(c) ? r0 : r1;
}

void fp80h_sincos(struct fp80_ctx *c, fp80 a, fp80 *s, fp80 *co)
{
    host_status(c, host_run(fp80h_st_sincos, c, a, NULL, NULL, co, s));
    if (c->sw & FPU_C2) /* out of range: nothing pushed, ST(0) unchanged */
        *s = *co = a;
}

void fp80h_xtract(struct fp80_ctx *c, fp80 a, fp80 *exp, fp80 *sig)
{
    host_status(c, host_run(fp80h_st_xtract, c, a, NULL, NULL, sig, exp));
}

#define HOST_BINARY(name, stub)                                                                    \
    fp80 fp80h_##name(struct fp80_ctx *c, fp80 a, fp80 b)                                          \
    {                                                                                              \
        fp80 r;                                                                                    \
        host_status(c, host_run(stub, c, a, &b, NULL, &r, NULL));                                  \
        return r;                                                                                  \
    }
HOST_BINARY(scale, fp80h_st_scale)
HOST_BINARY(yl2x, fp80h_st_yl2x)
HOST_BINARY(yl2xp1, fp80h_st_yl2xp1)
HOST_BINARY(atan, fp80h_st_patan)

fp80 fp80h_prem(struct fp80_ctx *c, fp80 a, fp80 b, bool ieee)
{
    fp80 r;
    host_status(c, host_run(ieee ? fp80h_st_prem1 : fp80h_st_prem, c, a, &b, NULL, &r, NULL));
    return r;
}

#endif
