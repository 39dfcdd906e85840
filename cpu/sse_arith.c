/* SSE/SSE2 floating-point instructions: packed/scalar single/double
 * arithmetic, RCP/RSQRT, CMPxx, (U)COMISx and the conversions (SDM Vol. 2,
 * each instruction). Values are computed by cpu/simd_float.h's backend. */
#include "cpu/operand.h"
#include "cpu/simd.h"
#include "cpu/simd_float.h"

static bool is_double(int pfx)
{
    return pfx == PF_66 || pfx == PF_F2;
}
static bool is_scalar(int pfx)
{
    return pfx == PF_F3 || pfx == PF_F2;
}

/* Second source of a ps/pd/ss/sd instruction: m128 aligned for packed,
 * m32/m64 for scalar; only the elements used are meaningful. */
static void fp_src(struct cpu *cpu, const struct insn *in, int pfx, union xmm_reg *s)
{
    if (!is_scalar(pfx))
        simd_rm_xmm(cpu, in, s, true);
    else if (is_double(pfx))
        s->q[0] = simd_rm_q(cpu, in);
    else
        s->d[0] = simd_rm_d(cpu, in);
}

static int fp_count(int pfx)
{
    return is_scalar(pfx) ? 1 : is_double(pfx) ? 2 : 4;
}

/* ADD MUL SUB MIN DIV MAX SQRT: ps, pd (66), ss (F3), sd (F2). */
static void fp_arith(struct cpu *cpu, const struct insn *in, int pfx)
{
    int op;
    switch (in->opcode & 0xff) {
    case 0x51: op = FP_SQRT; break;
    case 0x58: op = FP_ADD; break;
    case 0x59: op = FP_MUL; break;
    case 0x5c: op = FP_SUB; break;
    case 0x5d: op = FP_MIN; break;
    case 0x5e: op = FP_DIV; break;
    default: op = FP_MAX; break;
    }
    simd_check_sse(cpu);
    union xmm_reg s = {0}, d = *xmm(cpu, in->reg);
    fp_src(cpu, in, pfx, &s);
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    for (int i = 0; i < fp_count(pfx); i++) {
        if (is_double(pfx))
            d.q[i] = FP(op64)(op, d.q[i], s.q[i], mx, &fl);
        else
            d.d[i] = FP(op32)(op, d.d[i], s.d[i], mx, &fl);
    }
    simd_fp_exceptions(cpu, fl);
    *xmm(cpu, in->reg) = d;
}

/* RSQRTPS/RSQRTSS, RCPPS/RCPSS: approximations, no exceptions. */
static void fp_approx(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    union xmm_reg s = {0}, d = *xmm(cpu, in->reg);
    fp_src(cpu, in, pfx, &s);
    for (int i = 0; i < fp_count(pfx); i++)
        d.d[i] = (in->opcode & 0xff) == 0x52 ? sf_rsqrt32(s.d[i]) : sf_rcp32(s.d[i]);
    *xmm(cpu, in->reg) = d;
}

/* CMPPS/CMPPD/CMPSS/CMPSD xmm, xmm/m, imm8 (predicate in imm8[2:0]). */
static void fp_cmp(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    union xmm_reg s = {0}, d = *xmm(cpu, in->reg);
    fp_src(cpu, in, pfx, &s);
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    int pred = in->imm & 7;
    for (int i = 0; i < fp_count(pfx); i++) {
        if (is_double(pfx))
            d.q[i] = FP(cmp64)(pred, d.q[i], s.q[i], mx, &fl) ? ~0ull : 0;
        else
            d.d[i] = FP(cmp32)(pred, d.d[i], s.d[i], mx, &fl) ? ~0u : 0;
    }
    simd_fp_exceptions(cpu, fl);
    *xmm(cpu, in->reg) = d;
}

/* UCOMISS/COMISS (0F 2E/2F), UCOMISD/COMISD (66): ZF PF CF = 111 unordered,
 * 000 greater, 001 less, 100 equal; OF SF AF cleared. */
static void fp_comi(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    bool signal = (in->opcode & 0xff) == 0x2f;
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    int rel;
    if (pfx == PF_66)
        rel = FP(comi64)(signal, xmm(cpu, in->reg)->q[0], simd_rm_q(cpu, in), mx, &fl);
    else
        rel = FP(comi32)(signal, xmm(cpu, in->reg)->d[0], simd_rm_d(cpu, in), mx, &fl);
    simd_fp_exceptions(cpu, fl);
    static const uint32_t eflags_of[4] = {
        [REL_EQ] = EF_ZF, [REL_LT] = EF_CF, [REL_GT] = 0, [REL_UN] = EF_ZF | EF_PF | EF_CF};
    cpu_set_arith(cpu, eflags_of[rel], EF_ARITH);
}

/* 0F 2A: CVTPI2PS xmm, mm/m64; CVTPI2PD xmm, mm/m64; CVTSI2SS/SD xmm, r/m32. */
static void cvt_2a(struct cpu *cpu, const struct insn *in, int pfx)
{
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    union xmm_reg d = *xmm(cpu, in->reg);
    if (pfx == PF_NP || pfx == PF_66) {
        /* The MMX register source makes these MMX-state instructions too
         * (SDM Vol. 2 CVTPI2PS: x87 -> MMX transition, pending #MF first). */
        if (in->is_mem)
            simd_check_sse(cpu);
        else
            simd_check_sse_mmx(cpu);
        union xmm_reg s = {.q = {simd_rm_mm(cpu, in), 0}};
        if (pfx == PF_NP) {
            d.d[0] = (uint32_t)FP(cvt)(CVT_I32_F32, s.d[0], mx, &fl);
            d.d[1] = (uint32_t)FP(cvt)(CVT_I32_F32, s.d[1], mx, &fl);
        } else {
            d.q[0] = FP(cvt)(CVT_I32_F64, s.d[0], mx, &fl);
            d.q[1] = FP(cvt)(CVT_I32_F64, s.d[1], mx, &fl);
        }
        simd_fp_exceptions(cpu, fl);
        *xmm(cpu, in->reg) = d;
        if (!in->is_mem)
            simd_mmx_done(cpu);
        return;
    }
    simd_check_sse(cpu);
    uint32_t v = rm_read(cpu, in, 4);
    if (pfx == PF_F3)
        d.d[0] = (uint32_t)FP(cvt)(CVT_I32_F32, v, mx, &fl);
    else
        d.q[0] = FP(cvt)(CVT_I32_F64, v, mx, &fl);
    simd_fp_exceptions(cpu, fl);
    *xmm(cpu, in->reg) = d;
}

/* 0F 2C (truncating) / 2D: CVT(T)PS2PI mm, xmm/m64; CVT(T)PD2PI mm,
 * xmm/m128; CVT(T)SS2SI r32, xmm/m32; CVT(T)SD2SI r32, xmm/m64. */
static void cvt_2c(struct cpu *cpu, const struct insn *in, int pfx)
{
    bool t = (in->opcode & 0xff) == 0x2c;
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    union xmm_reg s = {0};
    switch (pfx) {
    case PF_NP:
    case PF_66: {
        simd_check_sse_mmx(cpu);
        uint32_t r0, r1;
        if (pfx == PF_NP) {
            s.q[0] = simd_rm_q(cpu, in);
            r0 = (uint32_t)FP(cvt)(t ? CVT_F32_I32T : CVT_F32_I32, s.d[0], mx, &fl);
            r1 = (uint32_t)FP(cvt)(t ? CVT_F32_I32T : CVT_F32_I32, s.d[1], mx, &fl);
        } else {
            simd_rm_xmm(cpu, in, &s, true);
            r0 = (uint32_t)FP(cvt)(t ? CVT_F64_I32T : CVT_F64_I32, s.q[0], mx, &fl);
            r1 = (uint32_t)FP(cvt)(t ? CVT_F64_I32T : CVT_F64_I32, s.q[1], mx, &fl);
        }
        simd_fp_exceptions(cpu, fl);
        mmx_set(cpu, in->reg, r0 | (uint64_t)r1 << 32);
        simd_mmx_done(cpu);
        return;
    }
    case PF_F3: {
        simd_check_sse(cpu);
        uint32_t r = (uint32_t)FP(cvt)(t ? CVT_F32_I32T : CVT_F32_I32, simd_rm_d(cpu, in), mx, &fl);
        simd_fp_exceptions(cpu, fl);
        reg_write(cpu, in, 4, r);
        return;
    }
    default: {
        simd_check_sse(cpu);
        uint32_t r = (uint32_t)FP(cvt)(t ? CVT_F64_I32T : CVT_F64_I32, simd_rm_q(cpu, in), mx, &fl);
        simd_fp_exceptions(cpu, fl);
        reg_write(cpu, in, 4, r);
        return;
    }
    }
}

/* 0F 5A: CVTPS2PD xmm, xmm/m64; CVTPD2PS xmm, xmm/m128 (upper half zeroed);
 * CVTSS2SD xmm, xmm/m32; CVTSD2SS xmm, xmm/m64. */
static void cvt_5a(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    union xmm_reg s = {0}, d = *xmm(cpu, in->reg);
    switch (pfx) {
    case PF_NP:
        s.q[0] = simd_rm_q(cpu, in);
        d.q[0] = FP(cvt)(CVT_F32_F64, s.d[0], mx, &fl);
        d.q[1] = FP(cvt)(CVT_F32_F64, s.d[1], mx, &fl);
        break;
    case PF_66:
        simd_rm_xmm(cpu, in, &s, true);
        d.d[0] = (uint32_t)FP(cvt)(CVT_F64_F32, s.q[0], mx, &fl);
        d.d[1] = (uint32_t)FP(cvt)(CVT_F64_F32, s.q[1], mx, &fl);
        d.q[1] = 0;
        break;
    case PF_F3: d.q[0] = FP(cvt)(CVT_F32_F64, simd_rm_d(cpu, in), mx, &fl); break;
    default: d.d[0] = (uint32_t)FP(cvt)(CVT_F64_F32, simd_rm_q(cpu, in), mx, &fl); break;
    }
    simd_fp_exceptions(cpu, fl);
    *xmm(cpu, in->reg) = d;
}

/* 0F 5B: CVTDQ2PS, CVTPS2DQ (66), CVTTPS2DQ (F3); xmm, xmm/m128. */
static void cvt_5b(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    union xmm_reg s, d;
    simd_rm_xmm(cpu, in, &s, true);
    int kind = pfx == PF_NP ? CVT_I32_F32 : pfx == PF_66 ? CVT_F32_I32 : CVT_F32_I32T;
    for (int i = 0; i < 4; i++)
        d.d[i] = (uint32_t)FP(cvt)(kind, s.d[i], mx, &fl);
    simd_fp_exceptions(cpu, fl);
    *xmm(cpu, in->reg) = d;
}

/* 0F E6: CVTTPD2DQ (66) and CVTPD2DQ (F2) xmm, xmm/m128 (upper half zeroed);
 * CVTDQ2PD (F3) xmm, xmm/m64. */
static void cvt_e6(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    uint32_t mx = cpu->sse.mxcsr, fl = 0;
    union xmm_reg s = {0}, d = {0};
    if (pfx == PF_F3) {
        s.q[0] = simd_rm_q(cpu, in);
        d.q[0] = FP(cvt)(CVT_I32_F64, s.d[0], mx, &fl);
        d.q[1] = FP(cvt)(CVT_I32_F64, s.d[1], mx, &fl);
    } else {
        simd_rm_xmm(cpu, in, &s, true);
        int kind = pfx == PF_66 ? CVT_F64_I32T : CVT_F64_I32;
        d.d[0] = (uint32_t)FP(cvt)(kind, s.q[0], mx, &fl);
        d.d[1] = (uint32_t)FP(cvt)(kind, s.q[1], mx, &fl);
    }
    simd_fp_exceptions(cpu, fl);
    *xmm(cpu, in->reg) = d;
}

const simd_fn simd_fp_ops[256] = {
    [0x2a] = cvt_2a,   [0x2c] = cvt_2c,    [0x2d] = cvt_2c,    [0x2e] = fp_comi,  [0x2f] = fp_comi,
    [0x51] = fp_arith, [0x52] = fp_approx, [0x53] = fp_approx, [0x58] = fp_arith, [0x59] = fp_arith,
    [0x5a] = cvt_5a,   [0x5b] = cvt_5b,    [0x5c] = fp_arith,  [0x5d] = fp_arith, [0x5e] = fp_arith,
    [0x5f] = fp_arith, [0xc2] = fp_cmp,    [0xe6] = cvt_e6,
};
