/* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ: the P6 holds each
 * constant with more than 64 bits and rounds it by FCW.RC, ignoring FCW.PC
 * (SDM Vol. 1, 8.3.8). No exception, C1 undefined. */
#include "cpu/fpu_priv.h"

struct fpu_konst {
    uint16_t se;
    uint64_t down;   /* rounded toward zero (the constants are all positive) */
    bool up_nearest; /* round-to-nearest takes down + 1 */
    bool inexact;
};

static const struct fpu_konst konst[7] = {
    {0x3fff, 0x8000000000000000ull, false, false}, /* 1.0 */
    {0x4000, 0xd49a784bcd1b8afeull, false, true},  /* log2(10) */
    {0x3fff, 0xb8aa3b295c17f0bbull, true, true},   /* log2(e) */
    {0x4000, 0xc90fdaa22168c234ull, true, true},   /* pi */
    {0x3ffd, 0x9a209a84fbcff798ull, true, true},   /* log10(2) */
    {0x3ffe, 0xb17217f7d1cf79abull, true, true},   /* ln(2) */
    {0x0000, 0, false, false},                     /* +0.0 */
};

fp80 fpu_const(int which, int rc)
{
    const struct fpu_konst *k = &konst[which];
    uint64_t m = k->down;
    if (k->inexact && (rc == FP80_RU || (rc == FP80_RN && k->up_nearest)))
        m++;
    return (fp80){m, k->se};
}
