/* Operand generators and comparison helpers for the x87 backend
 * differential tests (host x87 vs portable soft-float). */
#ifndef VX86_FPU_DIFF_UTIL_H
#define VX86_FPU_DIFF_UTIL_H

#include <stdio.h>
#include <string.h>

#include "cpu/fp80.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static inline uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* Edge values of every class (SDM Vol. 1, Table 8-3 and 8.2.2). */
static const fp80 edge80[] = {
    {0, 0},                          /* +0 */
    {0, 0x8000},                     /* -0 */
    {1, 0},                          /* smallest denormal */
    {0x7fffffffffffffffull, 0x8000}, /* largest -denormal */
    {0x8000000000000000ull, 0},      /* pseudo-denormal */
    {0x8000000000000001ull, 0x8000}, /* -pseudo-denormal */
    {0x8000000000000000ull, 1},      /* smallest normal */
    {0xffffffffffffffffull, 0x7ffe}, /* largest normal */
    {0xffffffffffffffffull, 0xfffe},
    {0x8000000000000000ull, 0x3fff}, /* 1 */
    {0x8000000000000000ull, 0xbfff}, /* -1 */
    {0xc000000000000000ull, 0x4000}, /* 3 */
    {0xa000000000000000ull, 0x4002}, /* 10 */
    {0x8000000000000000ull, 0x7fff}, /* +inf */
    {0x8000000000000000ull, 0xffff}, /* -inf */
    {0xc000000000000000ull, 0xffff}, /* indefinite */
    {0xc000000000001234ull, 0x7fff}, /* QNaN */
    {0xc000000000001234ull, 0xffff}, /* -QNaN same payload */
    {0xe000000000000000ull, 0x7fff}, /* QNaN bigger payload */
    {0x8000000000000001ull, 0x7fff}, /* SNaN */
    {0xa000000000000000ull, 0xffff}, /* -SNaN */
    {0x4000000000000000ull, 0x3fff}, /* unnormal */
    {0x0000000000000000ull, 0x7fff}, /* pseudo-infinity */
    {0x4000000000000001ull, 0x7fff}, /* pseudo-NaN */
    {0xc90fdaa22168c235ull, 0x4000}, /* pi */
    {0x8000000000000000ull, 0x403e}, /* 2^63 */
    {0xffffffffffffffffull, 0x403d}, /* 2^63 - 1 (approx) */
    {0x8000000000000400ull, 0x3ffe}, /* ties at 53 bits */
    {0x8000008000000000ull, 0x3fff}, /* ties at 24 bits */
};
#define N_EDGE80 (sizeof edge80 / sizeof edge80[0])

/* A random operand: edge values, nice short significands (ties, exact
 * results), values near the ends of the exponent range, or fully random. */
static inline fp80 rnd80(void)
{
    uint64_t r = rnd();
    uint16_t s = (r >> 8) & 1 ? 0x8000 : 0;
    int e;
    switch (r % 8) {
    case 0: return edge80[(r >> 16) % N_EDGE80];
    case 1: /* short significand */
        return (fp80){0x8000000000000000ull | (rnd() & 0xff00000000000000ull) >> 1 |
                          ((r >> 20) & 1 ? 0x400 : 0),
                      (uint16_t)(s | (0x3ff0 + (r >> 24) % 32))};
    case 2: /* near the bottom */
        e = (int)((r >> 16) % 80);
        return (fp80){rnd() | (e ? 0x8000000000000000ull : 0), (uint16_t)(s | e)};
    case 3: /* near the top */
        return (fp80){rnd() | 0x8000000000000000ull, (uint16_t)(s | (0x7ffe - (r >> 16) % 80))};
    case 4: /* integers and half-integers */
        e = 0x3fff + (int)((r >> 16) % 70);
        return (fp80){rnd() | 0x8000000000000000ull, (uint16_t)(s | e)};
    default:
        e = 0x3fff - 40 + (int)((r >> 16) % 80);
        return (fp80){rnd() | 0x8000000000000000ull, (uint16_t)(s | e)};
    }
}

/* A random memory operand of `kind` in buf (little-endian). */
static inline void rnd_mem(int kind, uint8_t *buf)
{
    uint64_t r = rnd(), v = rnd();
    switch (kind) {
    case FP80_K32: {
        static const uint32_t e32[] = {0,           0x80000000u, 1,           0x807fffffu,
                                       0x00800000u, 0x7f7fffffu, 0x7f800000u, 0xff800000u,
                                       0x7fc00000u, 0xffc01234u, 0x7f800001u, 0xffa00000u,
                                       0x3f800000u};
        uint32_t x = r % 3 == 0 ? e32[(r >> 8) % 13] : (uint32_t)v;
        memcpy(buf, &x, 4);
        break;
    }
    case FP80_K64: {
        static const uint64_t e64[] = {0,
                                       0x8000000000000000ull,
                                       1,
                                       0x000fffffffffffffull,
                                       0x7ff0000000000000ull,
                                       0xfff0000000000000ull,
                                       0x7ff8000000000000ull,
                                       0x7ff0000000000001ull,
                                       0xfff4000000000000ull,
                                       0x3ff0000000000000ull};
        uint64_t x = r % 3 == 0 ? e64[(r >> 8) % 10] : v;
        memcpy(buf, &x, 8);
        break;
    }
    case FP80_KBCD:
        for (int i = 0; i < 9; i++)
            buf[i] = (uint8_t)(((rnd() % 10) << 4) | (rnd() % 10));
        buf[9] = (r & 1) ? 0x80 : 0;
        break;
    default:
        if (r % 4 == 0)
            v = (r >> 8) % 4 == 0 ? 0 : (1ull << (fp80_kind_size[kind] * 8 - 1));
        memcpy(buf, &v, (size_t)fp80_kind_size[kind]);
        break;
    }
}

/* Control words to try: every RC x PC with everything masked, and random
 * mask sets. */
static inline uint16_t rnd_cw(int i)
{
    static const int pcs[4] = {0, 2, 3, 1}; /* 1: reserved */
    uint16_t masks = (i / 16) % 2 ? (uint16_t)(rnd() & FPU_EXC) : FPU_EXC;
    return (uint16_t)(0x40 | masks | pcs[(i / 4) % 4] << 8 | (i % 4) << 10);
}

static inline bool same80(fp80 a, fp80 b)
{
    return a.mant == b.mant && a.se == b.se;
}

#endif
