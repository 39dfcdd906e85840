/* MMX/SSE/SSE2 instructions, differential against the host CPU: the same
 * instruction bytes (register forms: xmm0/mm0/eax destination, xmm1/mm1
 * source) run on the host (x86-64: identical encodings without REX) through
 * a generated stub, and in the interpreter, from the same random and edge
 * operands under every rounding mode and DAZ/FTZ; xmm0, xmm1, mm0, mm1, EAX,
 * MXCSR (and ZF PF CF for COMISS) must match bit for bit. Some runs unmask
 * exceptions: the host's #XM arrives as SIGFPE, whose handler records the
 * MXCSR and skips the instruction, and the interpreter must raise #XM with
 * the same MXCSR and leave the same registers. The interpreter
 * uses the float backend the build selects (VX86_FPU_HOST); test_sse_float
 * checks the two backends against each other. */
#define _GNU_SOURCE /* REG_RIP in ucontext */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "cpu/simd_float.h"
#include "cpu/sse_state.h"
#include "test_sys_util.h"

#if defined(__x86_64__)

/* Register image shared with the host stub (offsets are in the stub). */
struct image {
    union xmm_reg x0, x1; /* 0, 16 */
    uint64_t m0, m1;      /* 32, 40 */
    uint32_t mxcsr;       /* 48 */
    uint32_t eax;         /* 52 */
    uint32_t eflags;      /* 56 */
    uint32_t host_mxcsr;  /* 60 */
    union xmm_reg mem;    /* 64: the memory operand, [rbx] on the host, [ebx] in the guest */
} __attribute__((aligned(16)));

static uint8_t *stub;
typedef void (*stub_fn)(struct image *);

/* Build: save host MXCSR, load the image, run `insn`, store the image back,
 * EMMS, restore the host MXCSR. */
static stub_fn make_stub(const uint8_t *insn, int n)
{
    static const uint8_t pre[] = {
        0x0f, 0xae, 0x5f, 0x3c,       /* stmxcsr [rdi+60] */
        0x53,                         /* push rbx */
        0x48, 0x8d, 0x5f, 0x40,       /* lea rbx, [rdi+64] */
        0xf3, 0x0f, 0x6f, 0x07,       /* movdqu xmm0, [rdi] */
        0xf3, 0x0f, 0x6f, 0x4f, 0x10, /* movdqu xmm1, [rdi+16] */
        0x0f, 0x6f, 0x47, 0x20,       /* movq mm0, [rdi+32] */
        0x0f, 0x6f, 0x4f, 0x28,       /* movq mm1, [rdi+40] */
        0x8b, 0x47, 0x34,             /* mov eax, [rdi+52] */
        0x0f, 0xae, 0x57, 0x30,       /* ldmxcsr [rdi+48] */
    };
    static const uint8_t post[] = {
        0x0f, 0xae, 0x5f, 0x30,       /* stmxcsr [rdi+48] */
        0x89, 0x47, 0x34,             /* mov [rdi+52], eax */
        0x9c, 0x59, 0x89, 0x4f, 0x38, /* pushfq; pop rcx; mov [rdi+56], ecx */
        0xf3, 0x0f, 0x7f, 0x07,       /* movdqu [rdi], xmm0 */
        0xf3, 0x0f, 0x7f, 0x4f, 0x10, /* movdqu [rdi+16], xmm1 */
        0x0f, 0x7f, 0x47, 0x20,       /* movq [rdi+32], mm0 */
        0x0f, 0x7f, 0x4f, 0x28,       /* movq [rdi+40], mm1 */
        0x0f, 0x77,                   /* emms */
        0x0f, 0xae, 0x57, 0x3c,       /* ldmxcsr [rdi+60] */
        0x5b,                         /* pop rbx */
        0xc3,                         /* ret */
    };
    uint8_t *p = stub;
    memcpy(p, pre, sizeof pre);
    p += sizeof pre;
    memcpy(p, insn, (size_t)n);
    p += n;
    memcpy(p, post, sizeof post);
    __builtin___clear_cache((char *)stub, (char *)p + sizeof post);
    stub_fn fn;
    void *v = stub;
    memcpy(&fn, &v, sizeof fn);
    return fn;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* clang-format off */
static const uint32_t edge32[] = {0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000,
                                  0x3f800000, 0xbf800001, 0x7f7fffff, 0x7f800000, 0xff800000,
                                  0x7fc00000, 0xffc00000, 0x7fa00000, 0x4f000000, 0xcf000000,
                                  0x3f000000, 0x34000000, 0x0c000000, 0x4effffff, 0x3fc00000};
static const uint64_t edge64[] = {
    0, 0x8000000000000000ull, 1, 0x800fffffffffffffull, 0x0010000000000000ull,
    0x3ff0000000000000ull, 0xbff0000000000001ull, 0x7fefffffffffffffull, 0x7ff0000000000000ull,
    0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff4000000000000ull,
    0x41e0000000000000ull, 0xc1e0000000000000ull, 0x3fe0000000000000ull, 0x3690000000000000ull,
    0x47efffffe0000000ull, 0x3810000000000000ull, 0x41dfffffffc00000ull};
/* clang-format on */

static uint32_t rand_f32(void)
{
    uint64_t r = rnd64();
    switch (r & 7) {
    case 0: return (uint32_t)(r >> 32);
    case 1: return edge32[(r >> 8) % (sizeof edge32 / 4)];
    case 2: return (uint32_t)(r >> 32) & 0x807fffff;
    case 3: return ((uint32_t)(r >> 32) & 0x80ffffff) | 0x7e800000;
    case 4: return ((uint32_t)(r >> 32) & 0x80ffffff) | 0x00800000;
    default: return ((uint32_t)(r >> 32) & 0x87ffffff) | 0x38000000;
    }
}
static uint64_t rand_f64(void)
{
    uint64_t r = rnd64(), s = rnd64();
    switch (r & 7) {
    case 0: return s;
    case 1: return edge64[(r >> 8) % (sizeof edge64 / 8)];
    case 2: return s & 0x800fffffffffffffull;
    case 3: return (s & 0x801fffffffffffffull) | 0x7fd0000000000000ull;
    case 4: return (s & 0x801fffffffffffffull) | 0x0010000000000000ull;
    case 5: return (s & 0x80ffffffffffffffull) | 0x4100000000000000ull;
    default: return (s & 0x80ffffffffffffffull) | 0x3c00000000000000ull;
    }
}

/* Operand kinds: what random values suit the instruction. */
enum kind { K_INT, K_F32, K_F64, K_SHIFT };

static void fill(struct image *im, enum kind k)
{
    for (int i = 0; i < 4; i++) {
        if (k == K_F32) {
            im->x0.d[i] = rand_f32();
            im->x1.d[i] = rand_f32();
        } else if (k == K_F64) {
            if (i < 2) {
                im->x0.q[i] = rand_f64();
                im->x1.q[i] = rand_f64();
            }
        } else {
            im->x0.d[i] = (uint32_t)rnd64();
            im->x1.d[i] = (uint32_t)rnd64();
        }
    }
    uint64_t r = rnd64();
    im->m0 = k == K_F32 ? (uint64_t)rand_f32() << 32 | rand_f32() : rnd64();
    im->m1 = k == K_F32 ? (uint64_t)rand_f32() << 32 | rand_f32() : rnd64();
    im->eax = (uint32_t)rnd64();
    if (r & 1) /* small integers: conversions exact, shifts in range */
        im->eax = (uint32_t)((int32_t)im->eax >> (r >> 1) % 31);
    if (k == K_SHIFT && (r & 2)) {
        im->x1.q[0] = (r >> 8) % 70;
        im->m1 = (r >> 16) % 70;
    }
    if (k == K_INT && (r & 4)) { /* saturation edges */
        static const uint16_t w[] = {0x7fff, 0x8000, 0xffff, 0, 0x7f, 0x80, 0xff, 0x100};
        for (int i = 0; i < 8; i++) {
            im->x1.w[i] = w[(r >> (i * 3)) & 7];
            if (i < 4)
                im->m1 = (im->m1 & ~(0xffffull << (16 * i))) | (uint64_t)w[(r >> (i * 3 + 5)) & 7]
                                                                   << (16 * i);
        }
    }
}

struct case_ {
    const char *name;
    uint8_t bytes[8];
    int n;
    enum kind kind;
    bool flags; /* compare ZF PF CF too */
};

/* clang-format off */
#define C(name, kind, flags, ...)                                                        \
    {name, {__VA_ARGS__}, (int)sizeof((uint8_t[]){__VA_ARGS__}), kind, flags}

/* ps/pd/ss/sd forms of an arithmetic opcode. */
#define FP4(nm, op)                                                                      \
    C(nm "ps", K_F32, 0, 0x0f, op, 0xc1), C(nm "pd", K_F64, 0, 0x66, 0x0f, op, 0xc1),    \
        C(nm "ss", K_F32, 0, 0xf3, 0x0f, op, 0xc1), C(nm "sd", K_F64, 0, 0xf2, 0x0f, op, 0xc1)
#define INT2(nm, op, k) C(nm " mm", k, 0, 0x0f, op, 0xc1), C(nm " xmm", k, 0, 0x66, 0x0f, op, 0xc1)

static const struct case_ cases[] = {
    FP4("add", 0x58), FP4("mul", 0x59), FP4("sub", 0x5c), FP4("min", 0x5d), FP4("div", 0x5e),
    FP4("max", 0x5f), FP4("sqrt", 0x51),
    C("cmpps", K_F32, 0, 0x0f, 0xc2, 0xc1, 0), C("cmpps1", K_F32, 0, 0x0f, 0xc2, 0xc1, 1),
    C("cmpps2", K_F32, 0, 0x0f, 0xc2, 0xc1, 2), C("cmpps3", K_F32, 0, 0x0f, 0xc2, 0xc1, 3),
    C("cmpps4", K_F32, 0, 0x0f, 0xc2, 0xc1, 4), C("cmpps5", K_F32, 0, 0x0f, 0xc2, 0xc1, 5),
    C("cmpps6", K_F32, 0, 0x0f, 0xc2, 0xc1, 6), C("cmpps7", K_F32, 0, 0x0f, 0xc2, 0xc1, 7),
    C("cmppd1", K_F64, 0, 0x66, 0x0f, 0xc2, 0xc1, 1), C("cmpss2", K_F32, 0, 0xf3, 0x0f, 0xc2, 0xc1, 2),
    C("cmpsd5", K_F64, 0, 0xf2, 0x0f, 0xc2, 0xc1, 5), C("cmppd3", K_F64, 0, 0x66, 0x0f, 0xc2, 0xc1, 3),
    C("ucomiss", K_F32, 1, 0x0f, 0x2e, 0xc1), C("comiss", K_F32, 1, 0x0f, 0x2f, 0xc1),
    C("ucomisd", K_F64, 1, 0x66, 0x0f, 0x2e, 0xc1), C("comisd", K_F64, 1, 0x66, 0x0f, 0x2f, 0xc1),
    C("cvtsi2ss", K_F32, 0, 0xf3, 0x0f, 0x2a, 0xc0), C("cvtsi2sd", K_F64, 0, 0xf2, 0x0f, 0x2a, 0xc0),
    C("cvtpi2ps", K_INT, 0, 0x0f, 0x2a, 0xc1), C("cvtpi2pd", K_INT, 0, 0x66, 0x0f, 0x2a, 0xc1),
    C("cvttss2si", K_F32, 0, 0xf3, 0x0f, 0x2c, 0xc1), C("cvtss2si", K_F32, 0, 0xf3, 0x0f, 0x2d, 0xc1),
    C("cvttsd2si", K_F64, 0, 0xf2, 0x0f, 0x2c, 0xc1), C("cvtsd2si", K_F64, 0, 0xf2, 0x0f, 0x2d, 0xc1),
    C("cvttps2pi", K_F32, 0, 0x0f, 0x2c, 0xc1), C("cvtps2pi", K_F32, 0, 0x0f, 0x2d, 0xc1),
    C("cvttpd2pi", K_F64, 0, 0x66, 0x0f, 0x2c, 0xc1), C("cvtpd2pi", K_F64, 0, 0x66, 0x0f, 0x2d, 0xc1),
    C("cvtps2pd", K_F32, 0, 0x0f, 0x5a, 0xc1), C("cvtpd2ps", K_F64, 0, 0x66, 0x0f, 0x5a, 0xc1),
    C("cvtss2sd", K_F32, 0, 0xf3, 0x0f, 0x5a, 0xc1), C("cvtsd2ss", K_F64, 0, 0xf2, 0x0f, 0x5a, 0xc1),
    C("cvtdq2ps", K_INT, 0, 0x0f, 0x5b, 0xc1), C("cvtps2dq", K_F32, 0, 0x66, 0x0f, 0x5b, 0xc1),
    C("cvttps2dq", K_F32, 0, 0xf3, 0x0f, 0x5b, 0xc1), C("cvttpd2dq", K_F64, 0, 0x66, 0x0f, 0xe6, 0xc1),
    C("cvtdq2pd", K_INT, 0, 0xf3, 0x0f, 0xe6, 0xc1), C("cvtpd2dq", K_F64, 0, 0xf2, 0x0f, 0xe6, 0xc1),
    C("andps", K_INT, 0, 0x0f, 0x54, 0xc1), C("andnpd", K_INT, 0, 0x66, 0x0f, 0x55, 0xc1),
    C("orps", K_INT, 0, 0x0f, 0x56, 0xc1), C("xorpd", K_INT, 0, 0x66, 0x0f, 0x57, 0xc1),
    C("movups", K_INT, 0, 0x0f, 0x10, 0xc1), C("movss", K_INT, 0, 0xf3, 0x0f, 0x10, 0xc1),
    C("movsd", K_INT, 0, 0xf2, 0x0f, 0x10, 0xc1), C("movupd st", K_INT, 0, 0x66, 0x0f, 0x11, 0xc1),
    C("movss st", K_INT, 0, 0xf3, 0x0f, 0x11, 0xc1), C("movsd st", K_INT, 0, 0xf2, 0x0f, 0x11, 0xc1),
    C("movhlps", K_INT, 0, 0x0f, 0x12, 0xc1), C("movlhps", K_INT, 0, 0x0f, 0x16, 0xc1),
    C("unpcklps", K_INT, 0, 0x0f, 0x14, 0xc1), C("unpckhps", K_INT, 0, 0x0f, 0x15, 0xc1),
    C("unpcklpd", K_INT, 0, 0x66, 0x0f, 0x14, 0xc1), C("unpckhpd", K_INT, 0, 0x66, 0x0f, 0x15, 0xc1),
    C("movaps", K_INT, 0, 0x0f, 0x28, 0xc1), C("movapd st", K_INT, 0, 0x66, 0x0f, 0x29, 0xc1),
    C("shufps", K_INT, 0, 0x0f, 0xc6, 0xc1, 0x1b), C("shufps2", K_INT, 0, 0x0f, 0xc6, 0xc1, 0xe4),
    C("shufpd", K_INT, 0, 0x66, 0x0f, 0xc6, 0xc1, 2), C("movmskps", K_INT, 0, 0x0f, 0x50, 0xc1),
    C("movmskpd", K_INT, 0, 0x66, 0x0f, 0x50, 0xc1),
    INT2("punpcklbw", 0x60, K_INT), INT2("punpcklwd", 0x61, K_INT), INT2("punpckldq", 0x62, K_INT),
    INT2("packsswb", 0x63, K_INT), INT2("pcmpgtb", 0x64, K_INT), INT2("pcmpgtw", 0x65, K_INT),
    INT2("pcmpgtd", 0x66, K_INT), INT2("packuswb", 0x67, K_INT), INT2("punpckhbw", 0x68, K_INT),
    INT2("punpckhwd", 0x69, K_INT), INT2("punpckhdq", 0x6a, K_INT), INT2("packssdw", 0x6b, K_INT),
    C("punpcklqdq", K_INT, 0, 0x66, 0x0f, 0x6c, 0xc1), C("punpckhqdq", K_INT, 0, 0x66, 0x0f, 0x6d, 0xc1),
    INT2("pcmpeqb", 0x74, K_INT), INT2("pcmpeqw", 0x75, K_INT), INT2("pcmpeqd", 0x76, K_INT),
    INT2("psrlw", 0xd1, K_SHIFT), INT2("psrld", 0xd2, K_SHIFT), INT2("psrlq", 0xd3, K_SHIFT),
    INT2("paddq", 0xd4, K_INT), INT2("pmullw", 0xd5, K_INT), INT2("psubusb", 0xd8, K_INT),
    INT2("psubusw", 0xd9, K_INT), INT2("pminub", 0xda, K_INT), INT2("pand", 0xdb, K_INT),
    INT2("paddusb", 0xdc, K_INT), INT2("paddusw", 0xdd, K_INT), INT2("pmaxub", 0xde, K_INT),
    INT2("pandn", 0xdf, K_INT), INT2("pavgb", 0xe0, K_INT), INT2("psraw", 0xe1, K_SHIFT),
    INT2("psrad", 0xe2, K_SHIFT), INT2("pavgw", 0xe3, K_INT), INT2("pmulhuw", 0xe4, K_INT),
    INT2("pmulhw", 0xe5, K_INT), INT2("psubsb", 0xe8, K_INT), INT2("psubsw", 0xe9, K_INT),
    INT2("pminsw", 0xea, K_INT), INT2("por", 0xeb, K_INT), INT2("paddsb", 0xec, K_INT),
    INT2("paddsw", 0xed, K_INT), INT2("pmaxsw", 0xee, K_INT), INT2("pxor", 0xef, K_INT),
    INT2("psllw", 0xf1, K_SHIFT), INT2("pslld", 0xf2, K_SHIFT), INT2("psllq", 0xf3, K_SHIFT),
    INT2("pmuludq", 0xf4, K_INT), INT2("pmaddwd", 0xf5, K_INT), INT2("psadbw", 0xf6, K_INT),
    INT2("psubb", 0xf8, K_INT), INT2("psubw", 0xf9, K_INT), INT2("psubd", 0xfa, K_INT),
    INT2("psubq", 0xfb, K_INT), INT2("paddb", 0xfc, K_INT), INT2("paddw", 0xfd, K_INT),
    INT2("paddd", 0xfe, K_INT),
    C("pshufw", K_INT, 0, 0x0f, 0x70, 0xc1, 0x1b), C("pshufd", K_INT, 0, 0x66, 0x0f, 0x70, 0xc1, 0x4e),
    C("pshufhw", K_INT, 0, 0xf3, 0x0f, 0x70, 0xc1, 0x93), C("pshuflw", K_INT, 0, 0xf2, 0x0f, 0x70, 0xc1, 0x39),
    C("psrlw i", K_INT, 0, 0x0f, 0x71, 0xd0, 5), C("psraw i", K_INT, 0, 0x66, 0x0f, 0x71, 0xe0, 17),
    C("psllw i", K_INT, 0, 0x0f, 0x71, 0xf0, 3), C("psrld i", K_INT, 0, 0x66, 0x0f, 0x72, 0xd0, 31),
    C("psrad i", K_INT, 0, 0x0f, 0x72, 0xe0, 40), C("pslld i", K_INT, 0, 0x66, 0x0f, 0x72, 0xf0, 1),
    C("psrlq i", K_INT, 0, 0x0f, 0x73, 0xd0, 63), C("psllq i", K_INT, 0, 0x66, 0x0f, 0x73, 0xf0, 9),
    C("psrldq", K_INT, 0, 0x66, 0x0f, 0x73, 0xd8, 5), C("pslldq", K_INT, 0, 0x66, 0x0f, 0x73, 0xf8, 11),
    C("psrldq big", K_INT, 0, 0x66, 0x0f, 0x73, 0xd8, 200),
    C("movd mm,r", K_INT, 0, 0x0f, 0x6e, 0xc0), C("movd xmm,r", K_INT, 0, 0x66, 0x0f, 0x6e, 0xc0),
    C("movd r,mm", K_INT, 0, 0x0f, 0x7e, 0xc0), C("movd r,xmm", K_INT, 0, 0x66, 0x0f, 0x7e, 0xc0),
    C("movq xmm,xmm", K_INT, 0, 0xf3, 0x0f, 0x7e, 0xc1), C("movq d6", K_INT, 0, 0x66, 0x0f, 0xd6, 0xc1),
    C("movq2dq", K_INT, 0, 0xf3, 0x0f, 0xd6, 0xc1), C("movdq2q", K_INT, 0, 0xf2, 0x0f, 0xd6, 0xc1),
    C("movq mm", K_INT, 0, 0x0f, 0x6f, 0xc1), C("movdqa", K_INT, 0, 0x66, 0x0f, 0x6f, 0xc1),
    C("movdqu", K_INT, 0, 0xf3, 0x0f, 0x6f, 0xc1), C("movq mm st", K_INT, 0, 0x0f, 0x7f, 0xc1),
    C("movdqu st", K_INT, 0, 0xf3, 0x0f, 0x7f, 0xc1),
    C("pinsrw mm", K_INT, 0, 0x0f, 0xc4, 0xc0, 2), C("pinsrw xmm", K_INT, 0, 0x66, 0x0f, 0xc4, 0xc0, 6),
    C("pextrw mm", K_INT, 0, 0x0f, 0xc5, 0xc1, 3), C("pextrw xmm", K_INT, 0, 0x66, 0x0f, 0xc5, 0xc1, 5),
    C("pmovmskb mm", K_INT, 0, 0x0f, 0xd7, 0xc1), C("pmovmskb xmm", K_INT, 0, 0x66, 0x0f, 0xd7, 0xc1),
    /* memory-only forms ([ebx]) */
    C("movntps", K_INT, 0, 0x0f, 0x2b, 0x03), C("movntpd", K_INT, 0, 0x66, 0x0f, 0x2b, 0x03),
    C("movntq", K_INT, 0, 0x0f, 0xe7, 0x03), C("movntdq", K_INT, 0, 0x66, 0x0f, 0xe7, 0x03),
    C("movnti", K_INT, 0, 0x0f, 0xc3, 0x03), C("movlps st", K_INT, 0, 0x0f, 0x13, 0x03),
    C("movhps st", K_INT, 0, 0x0f, 0x17, 0x03), C("movlpd st", K_INT, 0, 0x66, 0x0f, 0x13, 0x03),
    C("movhpd st", K_INT, 0, 0x66, 0x0f, 0x17, 0x03), C("movlpd", K_INT, 0, 0x66, 0x0f, 0x12, 0x03),
    C("movhpd", K_INT, 0, 0x66, 0x0f, 0x16, 0x03),
};
/* clang-format on */

static struct st *t;
static long failures, host_faults;

/* The host's #XM: record MXCSR as the fault left it, mask everything so the
 * rest of the stub runs, and resume after the faulting instruction. */
static volatile sig_atomic_t host_faulted;
static uint32_t host_fault_mxcsr;
static int stub_insn_len;
static void on_sigfpe(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    host_fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    uc->uc_mcontext.fpregs->mxcsr |= MXCSR_MASKS;
    uc->uc_mcontext.gregs[REG_RIP] += stub_insn_len;
    host_faulted = 1;
}

#define EMU_MEM 0x20000u

static int run_emu(const struct case_ *c, const uint8_t *bytes, struct image *im)
{
    struct cpu *cpu = t->cpu;
    cpu->sse.xmm[0] = im->x0;
    cpu->sse.xmm[1] = im->x1;
    cpu->fpu.st[0].mant = im->m0;
    cpu->fpu.st[1].mant = im->m1;
    cpu->sse.mxcsr = im->mxcsr;
    cpu->gpr[R_EAX] = im->eax;
    cpu->gpr[R_EBX] = EMU_MEM;
    memcpy(t->ram + EMU_MEM, im->mem.b, 16);
    int r = st_exec(t, bytes, c->n);
    ck_assert_msg(r == ST_OK || (r == EXC_XM && (im->mxcsr & MXCSR_MASKS) != MXCSR_MASKS),
                  "%s raised %d", c->name, r);
    im->x0 = cpu->sse.xmm[0];
    im->x1 = cpu->sse.xmm[1];
    im->m0 = cpu->fpu.st[0].mant;
    im->m1 = cpu->fpu.st[1].mant;
    im->mxcsr = cpu->sse.mxcsr;
    im->eax = (uint32_t)cpu->gpr[R_EAX];
    im->eflags = cpu_get_eflags(cpu);
    memcpy(im->mem.b, t->ram + EMU_MEM, 16);
    return r;
}

/* `bytes` is the case's instruction, or its memory form (ModRM rm = [ebx]). */
static void one(const struct case_ *c, const uint8_t *bytes, bool mem, stub_fn fn, uint32_t mxcsr)
{
    struct image in = {0}, h, e, m = {0};
    fill(&in, c->kind);
    fill(&m, c->kind);
    in.mem = m.x1;
    in.mxcsr = mxcsr;
    h = in;
    e = in;
    host_faulted = 0;
    stub_insn_len = c->n;
    fn(&h);
    bool hf = host_faulted;
    if (hf) {
        h.mxcsr = host_fault_mxcsr;
        host_faults++;
    }
    bool ef = run_emu(c, bytes, &e) == EXC_XM;
    uint32_t fm = c->flags && !hf ? (EF_ZF | EF_PF | EF_CF | EF_OF | EF_SF | EF_AF) : 0;
    if (hf != ef || memcmp(&h.x0, &e.x0, 16) || memcmp(&h.x1, &e.x1, 16) || h.m0 != e.m0 ||
        h.m1 != e.m1 || memcmp(&h.mem, &e.mem, 16) || h.mxcsr != e.mxcsr || h.eax != e.eax ||
        ((h.eflags ^ e.eflags) & fm)) {
        if (failures++ < 25)
            printf("%s%s%s mxcsr %04x: x0 %016llx%016llx x1 %016llx%016llx m0 %016llx m1 %016llx "
                   "eax %08x mem %016llx%016llx\n  host x0 %016llx%016llx m0 %016llx eax %08x "
                   "mxcsr %04x fl %03x\n"
                   "  emu  x0 %016llx%016llx m0 %016llx eax %08x mxcsr %04x fl %03x\n",
                   c->name, mem ? " [mem]" : "", hf != ef ? (hf ? " host#XM" : " emu#XM") : "",
                   mxcsr, (unsigned long long)in.x0.q[1], (unsigned long long)in.x0.q[0],
                   (unsigned long long)in.x1.q[1], (unsigned long long)in.x1.q[0],
                   (unsigned long long)in.m0, (unsigned long long)in.m1, in.eax,
                   (unsigned long long)in.mem.q[1], (unsigned long long)in.mem.q[0],
                   (unsigned long long)h.x0.q[1], (unsigned long long)h.x0.q[0],
                   (unsigned long long)h.m0, h.eax, h.mxcsr, h.eflags & fm,
                   (unsigned long long)e.x0.q[1], (unsigned long long)e.x0.q[0],
                   (unsigned long long)e.m0, e.eax, e.mxcsr, e.eflags & fm);
    }
}

START_TEST(differential)
{
    stub = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(stub, MAP_FAILED);
    t = st_create();
    st_pmode(t, 3);
    t->cpu->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    failures = 0;
    host_faults = 0;
    struct sigaction sa = {0}, old;
    sa.sa_sigaction = on_sigfpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, &old);
    long runs = 0;
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct case_ *c = &cases[i];
        int op = c->n - 2; /* the opcode byte before ModRM, or before ModRM, imm8 */
        while (c->bytes[op - 1] != 0x0f)
            op--;
        uint8_t op2 = c->bytes[op], modrm = c->bytes[op + 1];
        /* The memory form: rm = [ebx] (mod 0, rm 3), where one exists (not
         * MOVMSK, PEXTRW, PMOVMSKB, the shift groups, MOVQ2DQ, MOVDQ2Q). That
         * of MOVHLPS/MOVLHPS is MOVLPS/MOVHPS. */
        bool reg_only = op2 == 0x50 || op2 == 0xc5 || op2 == 0xd7 || (op2 >= 0x71 && op2 <= 0x73) ||
                        (op2 == 0xd6 && c->bytes[0] != 0x66);
        uint8_t mem_bytes[8];
        memcpy(mem_bytes, c->bytes, sizeof mem_bytes);
        mem_bytes[op + 1] = (uint8_t)((modrm & 0x38) | 0x03);
        int modes =
            c->kind == K_F32 || c->kind == K_F64 || op2 == 0x2a || op2 == 0x5b || op2 == 0xe6 ? 16
                                                                                              : 1;
        bool mem_only = (modrm >> 6) != 3;
        for (int form = mem_only; form < (reg_only ? 1 : 2); form++) {
            const uint8_t *bytes = form ? mem_bytes : c->bytes;
            stub_fn fn = make_stub(bytes, c->n);
            for (int m = 0; m < modes; m++) {
                uint32_t mx = MXCSR_MASKS | (uint32_t)(m & 3) << MXCSR_RC_SHIFT |
                              ((m & 4) ? MXCSR_DAZ : 0) | ((m & 8) ? MXCSR_FZ : 0);
                for (int n = 0; n < 300; n++, runs++) {
                    uint32_t unmask = 0;
                    if (modes > 1 && n % 4 == 3) /* some runs with exceptions unmasked */
                        unmask = ((uint32_t)rnd64() & MXCSR_FLAGS) << MXCSR_MASK_SHIFT;
                    one(c, bytes, form, fn, (mx & ~unmask) | (n == 7 ? MXCSR_PE : 0));
                }
            }
        }
    }
    sigaction(SIGFPE, &old, NULL);
    printf("sse_insn differential: %ld runs (%ld with a host #XM), %ld mismatches\n", runs,
           host_faults, failures);
    ck_assert_int_gt(host_faults, 1000);
    st_destroy(t);
    munmap(stub, 4096);
    ck_assert_int_eq(failures, 0);
}
END_TEST
#endif

/* ------------------------------------------------------------------------
 * Interpreter-only rules: availability, alignment, exceptions, MMX aliasing. */

static struct st *setup(void)
{
    struct st *s = st_create();
    st_pmode(s, 0);
    s->cpu->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    return s;
}

START_TEST(mmx_aliases_x87)
{
    struct st *s = setup();
    struct cpu *cpu = s->cpu;
    cpu->fpu.fsw = 5u << 11; /* TOP = 5 */
    cpu->fpu.ftw = 0xffff;
    cpu->gpr[R_EAX] = 0x12345678;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x6e, 0xd8), ST_OK); /* movd mm3, eax */
    ck_assert_uint_eq(cpu->fpu.st[3].mant, 0x12345678);
    ck_assert_uint_eq(cpu->fpu.st[3].se, 0xffff);    /* sign and exponent all ones */
    ck_assert_uint_eq((cpu->fpu.fsw >> 11) & 7, 0);  /* TOP = 0 */
    ck_assert_uint_eq(cpu->fpu.ftw, 0);              /* all valid */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x77), ST_OK); /* emms */
    ck_assert_uint_eq(cpu->fpu.ftw, 0xffff);
    /* A reading MMX instruction also enters MMX state. */
    cpu->fpu.fsw = 2u << 11;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x7e, 0xd8), ST_OK); /* movd eax, mm3 */
    ck_assert_uint_eq((cpu->fpu.fsw >> 11) & 7, 0);
    ck_assert_uint_eq(cpu->fpu.ftw, 0);
    st_destroy(s);
}
END_TEST

START_TEST(availability)
{
    struct st *s = setup();
    struct cpu *cpu = s->cpu;
    cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xfc, 0xc1), EXC_NM); /* paddb mm0, mm1 */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x58, 0xc1), EXC_NM); /* addps */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xae, 0x18), EXC_NM); /* stmxcsr [eax] */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xae, 0xf8), ST_OK);  /* sfence */
    cpu->cr0 = (cpu->cr0 & ~CR0_TS) | CR0_EM;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xfc, 0xc1), EXC_UD); /* EM: #UD, not #NM */
    ck_assert_int_eq(ST_EXEC(s, 0x66, 0x0f, 0x58, 0xc1), EXC_UD);
    cpu->cr0 &= ~CR0_EM;
    cpu->cr4 &= ~CR4_OSFXSR;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x58, 0xc1), EXC_UD);       /* SSE needs OSFXSR */
    ck_assert_int_eq(ST_EXEC(s, 0x66, 0x0f, 0xfc, 0xc1), EXC_UD); /* paddb xmm too */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xfc, 0xc1), ST_OK);        /* MMX does not */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xe0, 0xc1), ST_OK);        /* pavgb mm neither */
    /* A pending unmasked x87 exception: #MF before an MMX instruction (NE=1). */
    cpu->cr0 |= CR0_NE;
    cpu->fpu.fsw = 0x0081; /* ES + IE */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xfc, 0xc1), EXC_MF);
    cpu->fpu.fsw = 0;
    st_destroy(s);
}
END_TEST

START_TEST(alignment)
{
    struct st *s = setup();
    struct cpu *cpu = s->cpu;
    for (int i = 0; i < 16; i++)
        s->ram[0x20000 + i] = (uint8_t)(0x10 + i);
    cpu->gpr[R_EBX] = 0x20001;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x28, 0x03), EXC_GP); /* movaps xmm0, [ebx] */
    ck_assert_uint_eq(cpu->exc_error, 0);
    ck_assert_int_eq(ST_EXEC(s, 0x66, 0x0f, 0x6f, 0x03), EXC_GP); /* movdqa */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x58, 0x03), EXC_GP);       /* addps */
    ck_assert_int_eq(ST_EXEC(s, 0xf3, 0x0f, 0x58, 0x03), ST_OK);  /* addss: m32, no check */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x10, 0x03), ST_OK);        /* movups */
    ck_assert_uint_eq(cpu->sse.xmm[0].b[0], 0x11);
    ck_assert_uint_eq(cpu->sse.xmm[0].b[14], 0x1f);
    cpu->gpr[R_EBX] = 0x20000;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x28, 0x0b), ST_OK); /* movaps xmm1, [ebx] */
    ck_assert_uint_eq(cpu->sse.xmm[1].q[1], 0x1f1e1d1c1b1a1918ull);
    /* Segment base counts: the linear address is what must be aligned. */
    cpu->seg[SEG_DS].base = 8;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x28, 0x0b), EXC_GP);
    cpu->gpr[R_EBX] = 0x20008;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x29, 0x0b), ST_OK); /* movaps [ebx], xmm1 */
    ck_assert_uint_eq(s->ram[0x20010], 0x10);
    st_destroy(s);
}
END_TEST

START_TEST(numeric_exceptions)
{
    struct st *s = setup();
    struct cpu *cpu = s->cpu;
    cpu->sse.xmm[0] = (union xmm_reg){.d = {0, 0x3f800000, 0, 0}};
    cpu->sse.xmm[1] = (union xmm_reg){.d = {0, 0x40000000, 0, 0}};
    /* 0/0 with IM clear: #XM (OSXMMEXCPT), IE set, destination untouched. */
    cpu->sse.mxcsr = MXCSR_MASKS & ~(MXCSR_IE << MXCSR_MASK_SHIFT);
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x5e, 0xc1), EXC_XM); /* divps */
    ck_assert_uint_eq(cpu->sse.mxcsr & MXCSR_FLAGS, MXCSR_IE);
    ck_assert_uint_eq(cpu->sse.xmm[0].d[1], 0x3f800000);
    /* Same with OSXMMEXCPT clear: #UD. */
    cpu->cr4 &= ~CR4_OSXMMEXCPT;
    cpu->sse.mxcsr &= ~MXCSR_FLAGS;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x5e, 0xc1), EXC_UD);
    cpu->cr4 |= CR4_OSXMMEXCPT;
    /* 1/2 exact, 0/0 masked: the result is written, IE recorded. */
    cpu->sse.mxcsr = MXCSR_MASKS;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x5e, 0xc1), ST_OK);
    ck_assert_uint_eq(cpu->sse.xmm[0].d[0], 0xffc00000);
    ck_assert_uint_eq(cpu->sse.xmm[0].d[1], 0x3f000000);
    ck_assert_uint_eq(cpu->sse.mxcsr, MXCSR_MASKS | MXCSR_IE);
    /* Unmasked precision (post-computation): #XM, PE set, no write. */
    cpu->sse.xmm[0] = (union xmm_reg){.d = {0x3f800000, 0, 0, 0}};
    cpu->sse.xmm[1] = (union xmm_reg){.d = {0x40400000, 0, 0, 0}};
    cpu->sse.mxcsr = MXCSR_MASKS & ~(MXCSR_PE << MXCSR_MASK_SHIFT);
    ck_assert_int_eq(ST_EXEC(s, 0xf3, 0x0f, 0x5e, 0xc1), EXC_XM); /* divss */
    ck_assert_uint_eq(cpu->sse.xmm[0].d[0], 0x3f800000);
    ck_assert_uint_eq(cpu->sse.mxcsr & MXCSR_FLAGS, MXCSR_PE);
    /* COMISS with a QNaN and IM clear: #XM and EFLAGS unchanged. */
    cpu->sse.xmm[1].d[0] = 0x7fc00000;
    cpu->sse.mxcsr = MXCSR_MASKS & ~(MXCSR_IE << MXCSR_MASK_SHIFT);
    cpu_set_arith(cpu, EF_SF, EF_ARITH);
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x2f, 0xc1), EXC_XM);
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_SF);
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x2e, 0xc1), ST_OK); /* UCOMISS: QNaN is quiet */
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_ZF | EF_PF | EF_CF);
    st_destroy(s);
}
END_TEST

START_TEST(mxcsr_load_store)
{
    struct st *s = setup();
    struct cpu *cpu = s->cpu;
    cpu->gpr[R_EBX] = 0x30000;
    memcpy(s->ram + 0x30000, &(uint32_t){0x0000ffc0}, 4);  /* FZ RC masks DAZ */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xae, 0x13), ST_OK); /* ldmxcsr [ebx] */
    ck_assert_uint_eq(cpu->sse.mxcsr, 0xffc0);
    memcpy(s->ram + 0x30000, &(uint32_t){0x00010000}, 4); /* reserved bit 16 */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xae, 0x13), EXC_GP);
    ck_assert_uint_eq(cpu->sse.mxcsr, 0xffc0);
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xae, 0x1b), ST_OK); /* stmxcsr [ebx] */
    ck_assert_uint_eq(s->ram[0x30000] | s->ram[0x30001] << 8, 0xffc0);
    ck_assert_uint_eq(SSE_MXCSR_MASK & MXCSR_DAZ, MXCSR_DAZ);
    /* CLFLUSH faults like a byte read (limit), otherwise does nothing. */
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xae, 0x3b), ST_OK);
    cpu->seg[SEG_DS].limit = 0x1000;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xae, 0x3b), EXC_GP);
    st_destroy(s);
}
END_TEST

START_TEST(memory_forms)
{
    struct st *s = setup();
    struct cpu *cpu = s->cpu;
    cpu->gpr[R_EBX] = 0x40000;
    for (int i = 0; i < 16; i++)
        s->ram[0x40000 + i] = (uint8_t)(0xa0 + i);
    cpu->sse.xmm[2] = (union xmm_reg){.q = {~0ull, ~0ull}};
    ck_assert_int_eq(ST_EXEC(s, 0xf3, 0x0f, 0x10, 0x13), ST_OK); /* movss xmm2, [ebx] */
    ck_assert_uint_eq(cpu->sse.xmm[2].d[0], 0xa3a2a1a0);
    ck_assert_uint_eq(cpu->sse.xmm[2].d[1] | cpu->sse.xmm[2].q[1], 0); /* zeroed */
    cpu->sse.xmm[2] = (union xmm_reg){.q = {1, 2}};
    ck_assert_int_eq(ST_EXEC(s, 0x66, 0x0f, 0x16, 0x13), ST_OK); /* movhpd xmm2, [ebx] */
    ck_assert_uint_eq(cpu->sse.xmm[2].q[0], 1);
    ck_assert_uint_eq(cpu->sse.xmm[2].q[1], 0xa7a6a5a4a3a2a1a0ull);
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0x17, 0x53, 0x08), ST_OK); /* movhps [ebx+8], xmm2 */
    ck_assert_uint_eq(s->ram[0x40008], 0xa0);
    /* MASKMOVQ: bytes whose mask top bit is set go to DS:EDI. */
    cpu->gpr[R_EDI] = 0x40100;
    cpu->fpu.st[0].mant = 0x8877665544332211ull;
    cpu->fpu.st[1].mant = 0x8000800000808000ull;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xf7, 0xc1), ST_OK);
    ck_assert_uint_eq(s->ram[0x40101], 0x22);
    ck_assert_uint_eq(s->ram[0x40102], 0x33);
    ck_assert_uint_eq(s->ram[0x40100], 0);
    ck_assert_uint_eq(s->ram[0x40105], 0x66);
    ck_assert_uint_eq(s->ram[0x40107], 0x88);
    ck_assert_uint_eq(s->ram[0x40106], 0);
    /* MOVNTI and a memory-source conversion. */
    cpu->gpr[R_ECX] = 0xdeadbeef;
    ck_assert_int_eq(ST_EXEC(s, 0x0f, 0xc3, 0x4b, 0x20), ST_OK); /* movnti [ebx+32], ecx */
    ck_assert_uint_eq(s->ram[0x40020], 0xef);
    memcpy(s->ram + 0x40030, &(uint32_t){0x40490fdb}, 4);              /* pi */
    ck_assert_int_eq(ST_EXEC(s, 0xf3, 0x0f, 0x2d, 0x43, 0x30), ST_OK); /* cvtss2si eax, [ebx+48] */
    ck_assert_uint_eq(cpu->gpr[R_EAX], 3);
    st_destroy(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("sse_insn");
    TCase *tc = tcase_create("insn");
    tcase_set_timeout(tc, 300);
#if defined(__x86_64__)
    tcase_add_test(tc, differential);
#endif
    tcase_add_test(tc, mmx_aliases_x87);
    tcase_add_test(tc, availability);
    tcase_add_test(tc, alignment);
    tcase_add_test(tc, numeric_exceptions);
    tcase_add_test(tc, mxcsr_load_store);
    tcase_add_test(tc, memory_forms);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
