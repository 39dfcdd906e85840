/* Host-CPU reference for the differential ALU tests: each wrapper loads the
 * host's arithmetic flags, runs one x86 instruction natively (the host is
 * x86-64) and returns the result and the flags after. Only register
 * operands are used, and the stack pointer steps over the red zone before
 * PUSHF/POPF so compiler-held locals there are not clobbered. */
#ifndef VX86_ALU_HOST_H
#define VX86_ALU_HOST_H

#include <stdint.h>

#define HPRE "sub $128, %%rsp\n\tpush %[f]\n\tpopfq\n\t"
#define HPOST "\n\tpushfq\n\tpop %[f]\n\tadd $128, %%rsp"

typedef uint32_t (*host_bin_fn)(uint32_t x, uint32_t y, uint64_t *f);
typedef uint32_t (*host_sh_fn)(uint32_t x, uint32_t y, uint8_t cl, uint64_t *f);
typedef void (*host_md_fn)(uint32_t *a, uint32_t *d, uint32_t s, uint64_t *f);

/* x = x OP y (also for one-operand forms, which ignore y). */
#define HBIN1(name, T, insn)                                                             \
    static uint32_t name(uint32_t a, uint32_t b, uint64_t *fl)                           \
    {                                                                                    \
        T x = (T)a, y = (T)b;                                                            \
        uint64_t f = *fl;                                                                \
        __asm__ volatile(HPRE insn HPOST : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); \
        (void)y;                                                                         \
        *fl = f;                                                                         \
        return x;                                                                        \
    }
#define HBIN(mn)                                                                         \
    HBIN1(host_##mn##_1, uint8_t, #mn "b %[y], %[x]")                                    \
    HBIN1(host_##mn##_2, uint16_t, #mn "w %[y], %[x]")                                   \
    HBIN1(host_##mn##_4, uint32_t, #mn "l %[y], %[x]")
#define HBIN_V(mn)                                                                       \
    HBIN1(host_##mn##_2, uint16_t, #mn "w %[y], %[x]")                                   \
    HBIN1(host_##mn##_4, uint32_t, #mn "l %[y], %[x]")
#define HUN(mn)                                                                          \
    HBIN1(host_##mn##_1, uint8_t, #mn "b %[x]")                                          \
    HBIN1(host_##mn##_2, uint16_t, #mn "w %[x]")                                         \
    HBIN1(host_##mn##_4, uint32_t, #mn "l %[x]")

HBIN(add) HBIN(or) HBIN(adc) HBIN(sbb) HBIN(and) HBIN(sub) HBIN(xor) HBIN(cmp)
HBIN(test) HUN(inc) HUN(dec) HUN(neg) HUN(not)
HBIN1(host_imul2_2, uint16_t, "imulw %[y], %[x]")
HBIN1(host_imul2_4, uint32_t, "imull %[y], %[x]")
HBIN_V(bsf) HBIN_V(bsr) HBIN_V(bt) HBIN_V(bts) HBIN_V(btr) HBIN_V(btc)
HBIN1(host_bswap_4, uint32_t, "bswapl %[x]")

/* Shifts by CL: x = x OP cl (double shifts take y too). */
#define HSH1(name, T, insn)                                                              \
    static uint32_t name(uint32_t a, uint32_t b, uint8_t cl, uint64_t *fl)               \
    {                                                                                    \
        T x = (T)a, y = (T)b;                                                            \
        uint64_t f = *fl;                                                                \
        __asm__ volatile(HPRE insn HPOST                                                 \
                         : [x] "+r"(x), [f] "+r"(f)                                      \
                         : [y] "r"(y), "c"(cl)                                           \
                         : "cc");                                                        \
        (void)y;                                                                         \
        *fl = f;                                                                         \
        return x;                                                                        \
    }
#define HSH(mn)                                                                          \
    HSH1(host_##mn##_1, uint8_t, #mn "b %%cl, %[x]")                                     \
    HSH1(host_##mn##_2, uint16_t, #mn "w %%cl, %[x]")                                    \
    HSH1(host_##mn##_4, uint32_t, #mn "l %%cl, %[x]")
#define HDSH(mn)                                                                         \
    HSH1(host_##mn##_2, uint16_t, #mn "w %%cl, %[y], %[x]")                              \
    HSH1(host_##mn##_4, uint32_t, #mn "l %%cl, %[y], %[x]")

HSH(rol) HSH(ror) HSH(rcl) HSH(rcr) HSH(shl) HSH(shr) HSH(sar) HDSH(shld) HDSH(shrd)

/* MUL/IMUL/DIV/IDIV r/m: *a, *d are (E)AX/(E)DX (AX only for bytes). */
#define HMD(mn)                                                                          \
    static void host_##mn##_1(uint32_t *a, uint32_t *d, uint32_t s, uint64_t *fl)        \
    {                                                                                    \
        uint16_t ax = (uint16_t)*a;                                                      \
        uint8_t src = (uint8_t)s;                                                        \
        uint64_t f = *fl;                                                                \
        __asm__ volatile(HPRE #mn "b %[s]" HPOST : "+a"(ax), [f] "+r"(f) : [s] "q"(src) : "cc"); \
        *a = ax;                                                                         \
        (void)d;                                                                         \
        *fl = f;                                                                         \
    }                                                                                    \
    static void host_##mn##_2(uint32_t *a, uint32_t *d, uint32_t s, uint64_t *fl)        \
    {                                                                                    \
        uint16_t ax = (uint16_t)*a, dx = (uint16_t)*d, src = (uint16_t)s;                \
        uint64_t f = *fl;                                                                \
        __asm__ volatile(HPRE #mn "w %[s]" HPOST                                         \
                         : "+a"(ax), "+d"(dx), [f] "+r"(f)                               \
                         : [s] "r"(src)                                                  \
                         : "cc");                                                        \
        *a = ax;                                                                         \
        *d = dx;                                                                         \
        *fl = f;                                                                         \
    }                                                                                    \
    static void host_##mn##_4(uint32_t *a, uint32_t *d, uint32_t s, uint64_t *fl)        \
    {                                                                                    \
        uint32_t ax = *a, dx = *d;                                                       \
        uint64_t f = *fl;                                                                \
        __asm__ volatile(HPRE #mn "l %[s]" HPOST                                         \
                         : "+a"(ax), "+d"(dx), [f] "+r"(f)                               \
                         : [s] "r"(s)                                                    \
                         : "cc");                                                        \
        *a = ax;                                                                         \
        *d = dx;                                                                         \
        *fl = f;                                                                         \
    }

HMD(mul) HMD(imul) HMD(div) HMD(idiv)

/* XADD x, y: returns new x, *py gets the new y. */
#define HXADD(name, T, insn)                                                             \
    static uint32_t name(uint32_t a, uint32_t *py, uint64_t *fl)                         \
    {                                                                                    \
        T x = (T)a, y = (T)*py;                                                          \
        uint64_t f = *fl;                                                                \
        __asm__ volatile(HPRE insn HPOST : [x] "+r"(x), [y] "+r"(y), [f] "+r"(f) : : "cc"); \
        *py = y;                                                                         \
        *fl = f;                                                                         \
        return x;                                                                        \
    }
HXADD(host_xadd_1, uint8_t, "xaddb %[y], %[x]")
HXADD(host_xadd_2, uint16_t, "xaddw %[y], %[x]")
HXADD(host_xadd_4, uint32_t, "xaddl %[y], %[x]")

/* CMPXCHG x, y with accumulator *acc: returns new x. */
#define HCX(name, T, insn)                                                               \
    static uint32_t name(uint32_t *acc, uint32_t a, uint32_t b, uint64_t *fl)            \
    {                                                                                    \
        T ac = (T)*acc, x = (T)a, y = (T)b;                                              \
        uint64_t f = *fl;                                                                \
        __asm__ volatile(HPRE insn HPOST                                                 \
                         : "+a"(ac), [x] "+r"(x), [f] "+r"(f)                            \
                         : [y] "r"(y)                                                    \
                         : "cc");                                                        \
        *acc = ac;                                                                       \
        *fl = f;                                                                         \
        return x;                                                                        \
    }
HCX(host_cmpxchg_1, uint8_t, "cmpxchgb %[y], %[x]")
HCX(host_cmpxchg_2, uint16_t, "cmpxchgw %[y], %[x]")
HCX(host_cmpxchg_4, uint32_t, "cmpxchgl %[y], %[x]")

/* SETcc under the given flags: returns the byte stored. */
#define HSETC(cc, mn)                                                                    \
    case cc: __asm__ volatile(HPRE "set" mn " %[x]" HPOST : [x] "=q"(x), [f] "+r"(f) : : "cc"); break;
static inline int host_setcc(int cc, uint64_t flags)
{
    uint8_t x = 0;
    uint64_t f = flags;
    switch (cc) {
        HSETC(0, "o") HSETC(1, "no") HSETC(2, "b") HSETC(3, "ae") HSETC(4, "e") HSETC(5, "ne")
        HSETC(6, "be") HSETC(7, "a") HSETC(8, "s") HSETC(9, "ns") HSETC(10, "p")
        HSETC(11, "np") HSETC(12, "l") HSETC(13, "ge") HSETC(14, "le") HSETC(15, "g")
    }
    return x;
}

#endif
