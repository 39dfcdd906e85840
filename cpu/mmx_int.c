/* Packed integer instructions: MMX, the SSE integer additions on MMX
 * registers (PAVGB, PMINUB, PSADBW, ...) and their SSE2 128-bit XMM forms
 * (66 prefix), plus SSE2's PADDQ, PSUBQ, PMULUDQ, PUNPCKxQDQ. One function
 * per operation works on 8 or 16 bytes (SDM Vol. 2, each instruction). */
#include <string.h>

#include "cpu/operand.h"
#include "cpu/simd.h"

typedef void (*vec_fn)(union xmm_reg *d, const union xmm_reg *s, int n);

static inline int8_t sat_s8(int v)
{
    return v > 127 ? 127 : v < -128 ? -128 : (int8_t)v;
}
static inline uint8_t sat_u8(int v)
{
    return v > 255 ? 255 : v < 0 ? 0 : (uint8_t)v;
}
static inline int16_t sat_s16(int v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v;
}
static inline uint16_t sat_u16(int v)
{
    return v > 65535 ? 65535 : v < 0 ? 0 : (uint16_t)v;
}

/* Element-wise d = f(x = d, y = s) over lanes of type T (host little-endian). */
#define LANEWISE(name, T, expr)                                                                    \
    static void name(union xmm_reg *d, const union xmm_reg *s, int n)                              \
    {                                                                                              \
        for (int i = 0; i < n / (int)sizeof(T); i++) {                                             \
            T x, y, r;                                                                             \
            memcpy(&x, d->b + i * sizeof(T), sizeof(T));                                           \
            memcpy(&y, s->b + i * sizeof(T), sizeof(T));                                           \
            r = (T)(expr);                                                                         \
            memcpy(d->b + i * sizeof(T), &r, sizeof(T));                                           \
        }                                                                                          \
    }

LANEWISE(v_paddb, uint8_t, x + y)
LANEWISE(v_paddw, uint16_t, x + y)
LANEWISE(v_paddd, uint32_t, x + y)
LANEWISE(v_paddq, uint64_t, x + y)
LANEWISE(v_psubb, uint8_t, x - y)
LANEWISE(v_psubw, uint16_t, x - y)
LANEWISE(v_psubd, uint32_t, x - y)
LANEWISE(v_psubq, uint64_t, x - y)
LANEWISE(v_paddsb, int8_t, sat_s8(x + y))
LANEWISE(v_paddsw, int16_t, sat_s16(x + y))
LANEWISE(v_paddusb, uint8_t, sat_u8(x + y))
LANEWISE(v_paddusw, uint16_t, sat_u16(x + y))
LANEWISE(v_psubsb, int8_t, sat_s8(x - y))
LANEWISE(v_psubsw, int16_t, sat_s16(x - y))
LANEWISE(v_psubusb, uint8_t, sat_u8(x - y))
LANEWISE(v_psubusw, uint16_t, sat_u16(x - y))
LANEWISE(v_pcmpeqb, uint8_t, x == y ? 0xff : 0)
LANEWISE(v_pcmpeqw, uint16_t, x == y ? 0xffff : 0)
LANEWISE(v_pcmpeqd, uint32_t, x == y ? 0xffffffffu : 0)
LANEWISE(v_pcmpgtb, int8_t, x > y ? -1 : 0)
LANEWISE(v_pcmpgtw, int16_t, x > y ? -1 : 0)
LANEWISE(v_pcmpgtd, int32_t, x > y ? -1 : 0)
LANEWISE(v_pmullw, uint16_t, (uint32_t)x *y)
LANEWISE(v_pmulhw, int16_t, ((int32_t)x * y) >> 16)
LANEWISE(v_pmulhuw, uint16_t, ((uint32_t)x * y) >> 16)
LANEWISE(v_pminub, uint8_t, x < y ? x : y)
LANEWISE(v_pmaxub, uint8_t, x > y ? x : y)
LANEWISE(v_pminsw, int16_t, x < y ? x : y)
LANEWISE(v_pmaxsw, int16_t, x > y ? x : y)
LANEWISE(v_pavgb, uint8_t, ((unsigned)x + y + 1) >> 1)
LANEWISE(v_pavgw, uint16_t, ((unsigned)x + y + 1) >> 1)
LANEWISE(v_pand, uint64_t, x &y)
LANEWISE(v_pandn, uint64_t, ~x &y)
LANEWISE(v_por, uint64_t, x | y)
LANEWISE(v_pxor, uint64_t, x ^ y)
LANEWISE(v_pmuludq, uint64_t, (x & 0xffffffffu) * (y & 0xffffffffu))

static void v_pmaddwd(union xmm_reg *d, const union xmm_reg *s, int n)
{
    for (int i = 0; i < n / 4; i++) {
        int32_t r = (int32_t)((int64_t)(int16_t)d->w[2 * i] * (int16_t)s->w[2 * i] +
                              (int64_t)(int16_t)d->w[2 * i + 1] * (int16_t)s->w[2 * i + 1]);
        d->d[i] = (uint32_t)r; /* 0x8000 * 0x8000 * 2 wraps to 0x80000000, as hardware */
    }
}

static void v_psadbw(union xmm_reg *d, const union xmm_reg *s, int n)
{
    for (int q = 0; q < n / 8; q++) {
        unsigned sum = 0;
        for (int i = 0; i < 8; i++) {
            int a = d->b[q * 8 + i], b = s->b[q * 8 + i];
            sum += (unsigned)(a > b ? a - b : b - a);
        }
        d->q[q] = sum;
    }
}

/* PUNPCKL/H: interleave the low (or high) halves of d and s by element size. */
static void unpack(union xmm_reg *d, const union xmm_reg *s, int n, int esz, bool high)
{
    union xmm_reg r;
    int half = high ? n / 2 : 0;
    for (int i = 0; i < n / 2 / esz; i++) {
        memcpy(r.b + 2 * i * esz, d->b + half + i * esz, (size_t)esz);
        memcpy(r.b + (2 * i + 1) * esz, s->b + half + i * esz, (size_t)esz);
    }
    memcpy(d->b, r.b, (size_t)n);
}
static void v_punpcklbw(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 1, false);
}
static void v_punpcklwd(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 2, false);
}
static void v_punpckldq(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 4, false);
}
static void v_punpcklqdq(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 8, false);
}
static void v_punpckhbw(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 1, true);
}
static void v_punpckhwd(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 2, true);
}
static void v_punpckhdq(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 4, true);
}
static void v_punpckhqdq(union xmm_reg *d, const union xmm_reg *s, int n)
{
    unpack(d, s, n, 8, true);
}

/* PACKSSWB/PACKUSWB/PACKSSDW: d's elements narrowed, then s's. */
static void v_packsswb(union xmm_reg *d, const union xmm_reg *s, int n)
{
    union xmm_reg r;
    int k = n == 16 ? 8 : 4; /* n / 2, bounded for the compiler */
    for (int i = 0; i < k; i++) {
        r.b[i] = (uint8_t)sat_s8((int16_t)d->w[i]);
        r.b[k + i] = (uint8_t)sat_s8((int16_t)s->w[i]);
    }
    memcpy(d->b, r.b, (size_t)n);
}
static void v_packuswb(union xmm_reg *d, const union xmm_reg *s, int n)
{
    union xmm_reg r;
    int k = n == 16 ? 8 : 4; /* n / 2, bounded for the compiler */
    for (int i = 0; i < k; i++) {
        r.b[i] = sat_u8((int16_t)d->w[i]);
        r.b[k + i] = sat_u8((int16_t)s->w[i]);
    }
    memcpy(d->b, r.b, (size_t)n);
}
static void v_packssdw(union xmm_reg *d, const union xmm_reg *s, int n)
{
    union xmm_reg r;
    int k = n / 4;
    for (int i = 0; i < k; i++) {
        r.w[i] = (uint16_t)sat_s16((int32_t)d->d[i]);
        r.w[k + i] = (uint16_t)sat_s16((int32_t)s->d[i]);
    }
    memcpy(d->b, r.b, (size_t)n);
}

/* Shifts by a count: counts above the element width give 0 (logical) or
 * the sign (arithmetic). The count is the whole low 64 bits of the source. */
static void shift(union xmm_reg *d, uint64_t count, int n, int esz, int kind)
{
    int bits = esz * 8;
    for (int i = 0; i < n / esz; i++) {
        uint64_t v = 0;
        memcpy(&v, d->b + i * esz, (size_t)esz);
        if (kind == 0) { /* logical right */
            v = count >= (uint64_t)bits ? 0 : v >> count;
        } else if (kind == 1) { /* arithmetic right */
            int64_t sv = (int64_t)(v << (64 - bits)) >> (64 - bits);
            sv = sv >> (count >= (uint64_t)bits ? bits - 1 : (int)count);
            v = (uint64_t)sv;
        } else { /* left */
            v = count >= (uint64_t)bits ? 0 : v << count;
        }
        memcpy(d->b + i * esz, &v, (size_t)esz);
    }
}
#define SHIFT_BY_REG(name, esz, kind)                                                              \
    static void name(union xmm_reg *d, const union xmm_reg *s, int n)                              \
    {                                                                                              \
        shift(d, s->q[0], n, esz, kind);                                                           \
    }
SHIFT_BY_REG(v_psrlw, 2, 0)
SHIFT_BY_REG(v_psrld, 4, 0)
SHIFT_BY_REG(v_psrlq, 8, 0)
SHIFT_BY_REG(v_psraw, 2, 1)
SHIFT_BY_REG(v_psrad, 4, 1)
SHIFT_BY_REG(v_psllw, 2, 2)
SHIFT_BY_REG(v_pslld, 4, 2)
SHIFT_BY_REG(v_psllq, 8, 2)

/* Which prefixes each operation has: the MMX form (no prefix) and the XMM
 * form (66). PUNPCKxQDQ exist only as XMM forms (the decoder rejects the
 * rest, see cpu/decode.c). */
static const vec_fn vec_ops[256] = {
    [0x60] = v_punpcklbw,  [0x61] = v_punpcklwd,  [0x62] = v_punpckldq, [0x63] = v_packsswb,
    [0x64] = v_pcmpgtb,    [0x65] = v_pcmpgtw,    [0x66] = v_pcmpgtd,   [0x67] = v_packuswb,
    [0x68] = v_punpckhbw,  [0x69] = v_punpckhwd,  [0x6a] = v_punpckhdq, [0x6b] = v_packssdw,
    [0x6c] = v_punpcklqdq, [0x6d] = v_punpckhqdq, [0x74] = v_pcmpeqb,   [0x75] = v_pcmpeqw,
    [0x76] = v_pcmpeqd,    [0xd1] = v_psrlw,      [0xd2] = v_psrld,     [0xd3] = v_psrlq,
    [0xd4] = v_paddq,      [0xd5] = v_pmullw,     [0xd8] = v_psubusb,   [0xd9] = v_psubusw,
    [0xda] = v_pminub,     [0xdb] = v_pand,       [0xdc] = v_paddusb,   [0xdd] = v_paddusw,
    [0xde] = v_pmaxub,     [0xdf] = v_pandn,      [0xe0] = v_pavgb,     [0xe1] = v_psraw,
    [0xe2] = v_psrad,      [0xe3] = v_pavgw,      [0xe4] = v_pmulhuw,   [0xe5] = v_pmulhw,
    [0xe8] = v_psubsb,     [0xe9] = v_psubsw,     [0xea] = v_pminsw,    [0xeb] = v_por,
    [0xec] = v_paddsb,     [0xed] = v_paddsw,     [0xee] = v_pmaxsw,    [0xef] = v_pxor,
    [0xf1] = v_psllw,      [0xf2] = v_pslld,      [0xf3] = v_psllq,     [0xf4] = v_pmuludq,
    [0xf5] = v_pmaddwd,    [0xf6] = v_psadbw,     [0xf8] = v_psubb,     [0xf9] = v_psubw,
    [0xfa] = v_psubd,      [0xfb] = v_psubq,      [0xfc] = v_paddb,     [0xfd] = v_paddw,
    [0xfe] = v_paddd,
};

/* Pxxx mm, mm/m64 and Pxxx xmm, xmm/m128 (memory aligned). */
static void int_binop(struct cpu *cpu, const struct insn *in, int pfx)
{
    vec_fn fn = vec_ops[in->opcode & 0xff];
    union xmm_reg d, s;
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        s.q[0] = simd_rm_mm(cpu, in);
        d.q[0] = mmx_get(cpu, in->reg);
        fn(&d, &s, 8);
        mmx_set(cpu, in->reg, d.q[0]);
        simd_mmx_done(cpu);
    } else {
        simd_check_sse(cpu);
        simd_rm_xmm(cpu, in, &s, true);
        d = *xmm(cpu, in->reg);
        fn(&d, &s, 16);
        *xmm(cpu, in->reg) = d;
    }
}

/* 0F 71-73: shifts of the rm register by imm8 (/2 PSRL, /4 PSRA, /6 PSLL;
 * 0F 73 /3 PSRLDQ and /7 PSLLDQ shift the whole XMM register by bytes). */
static void int_shift_imm(struct cpu *cpu, const struct insn *in, int pfx)
{
    static const int esz_of[3] = {2, 4, 8};
    int esz = esz_of[(in->opcode & 0xff) - 0x71];
    int kind = in->reg == 2 ? 0 : in->reg == 4 ? 1 : 2;
    uint64_t count = in->imm & 0xff;
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        union xmm_reg d = {.q = {mmx_get(cpu, in->rm), 0}};
        shift(&d, count, 8, esz, kind);
        mmx_set(cpu, in->rm, d.q[0]);
        simd_mmx_done(cpu);
        return;
    }
    simd_check_sse(cpu);
    union xmm_reg *r = xmm(cpu, in->rm);
    if (in->reg == 3 || in->reg == 7) {
        union xmm_reg t = {0};
        int n = count > 16 ? 16 : (int)count;
        if (in->reg == 3)
            memcpy(t.b, r->b + n, (size_t)(16 - n));
        else
            memcpy(t.b + n, r->b, (size_t)(16 - n));
        *r = t;
        return;
    }
    shift(r, count, 16, esz, kind);
}

const simd_fn simd_int_ops[256] = {
    [0x60] = int_binop,     [0x61] = int_binop, [0x62] = int_binop,     [0x63] = int_binop,
    [0x64] = int_binop,     [0x65] = int_binop, [0x66] = int_binop,     [0x67] = int_binop,
    [0x68] = int_binop,     [0x69] = int_binop, [0x6a] = int_binop,     [0x6b] = int_binop,
    [0x6c] = int_binop,     [0x6d] = int_binop, [0x71] = int_shift_imm, [0x72] = int_shift_imm,
    [0x73] = int_shift_imm, [0x74] = int_binop, [0x75] = int_binop,     [0x76] = int_binop,
    [0xd1] = int_binop,     [0xd2] = int_binop, [0xd3] = int_binop,     [0xd4] = int_binop,
    [0xd5] = int_binop,     [0xd8] = int_binop, [0xd9] = int_binop,     [0xda] = int_binop,
    [0xdb] = int_binop,     [0xdc] = int_binop, [0xdd] = int_binop,     [0xde] = int_binop,
    [0xdf] = int_binop,     [0xe0] = int_binop, [0xe1] = int_binop,     [0xe2] = int_binop,
    [0xe3] = int_binop,     [0xe4] = int_binop, [0xe5] = int_binop,     [0xe8] = int_binop,
    [0xe9] = int_binop,     [0xea] = int_binop, [0xeb] = int_binop,     [0xec] = int_binop,
    [0xed] = int_binop,     [0xee] = int_binop, [0xef] = int_binop,     [0xf1] = int_binop,
    [0xf2] = int_binop,     [0xf3] = int_binop, [0xf4] = int_binop,     [0xf5] = int_binop,
    [0xf6] = int_binop,     [0xf8] = int_binop, [0xf9] = int_binop,     [0xfa] = int_binop,
    [0xfb] = int_binop,     [0xfc] = int_binop, [0xfd] = int_binop,     [0xfe] = int_binop,
};
