/* SSE/SSE2/MMX data movement: MOVUPS ... MOVDQU, MOVD/MOVQ, shuffles and
 * unpacks, bitwise logic on floats, MOVMSK/PMOVMSKB, PINSRW/PEXTRW, the
 * non-temporal stores, MASKMOVQ/MASKMOVDQU and EMMS (SDM Vol. 2, each
 * instruction). Nothing here computes floating point: no MXCSR flags. */
#include <string.h>

#include "cpu/fpu.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/simd.h"

/* 0F 10: MOVUPS/MOVUPD xmm, xmm/m128; MOVSS xmm, xmm/m32; MOVSD xmm, xmm/m64.
 * The scalar loads from memory zero the rest of the register. */
static void mov_10(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    union xmm_reg *d = xmm(cpu, in->reg), s;
    if (pfx == PF_NP || pfx == PF_66) {
        simd_rm_xmm(cpu, in, &s, false);
        *d = s;
    } else if (pfx == PF_F3) {
        uint32_t v = simd_rm_d(cpu, in);
        if (in->is_mem)
            *d = (union xmm_reg){0};
        d->d[0] = v;
    } else {
        uint64_t v = simd_rm_q(cpu, in);
        if (in->is_mem)
            d->q[1] = 0;
        d->q[0] = v;
    }
}

/* 0F 11: the stores: MOVUPS/MOVUPD xmm/m128, xmm; MOVSS xmm/m32; MOVSD xmm/m64. */
static void mov_11(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    union xmm_reg s = *xmm(cpu, in->reg);
    if (pfx == PF_NP || pfx == PF_66) {
        simd_store_xmm(cpu, in, &s, false);
    } else if (pfx == PF_F3) {
        if (in->is_mem)
            cpu_write(cpu, in->seg, insn_ea(cpu, in), s.d[0], 4);
        else
            xmm(cpu, in->rm)->d[0] = s.d[0];
    } else {
        if (in->is_mem)
            cpu_write64(cpu, in->seg, insn_ea(cpu, in), s.q[0]);
        else
            xmm(cpu, in->rm)->q[0] = s.q[0];
    }
}

/* 0F 12 / 16: MOVLPS/MOVLPD/MOVHPS/MOVHPD xmm, m64; MOVHLPS/MOVLHPS xmm, xmm. */
static void mov_12_16(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)pfx;
    simd_check_sse(cpu);
    bool high = (in->opcode & 0xff) == 0x16;
    uint64_t v;
    if (in->is_mem)
        v = cpu_read64(cpu, in->seg, insn_ea(cpu, in));
    else
        v = xmm(cpu, in->rm)->q[high ? 0 : 1]; /* MOVLHPS takes the low, MOVHLPS the high */
    xmm(cpu, in->reg)->q[high ? 1 : 0] = v;
}

/* 0F 13 / 17: MOVLPS/MOVLPD/MOVHPS/MOVHPD m64, xmm. */
static void mov_13_17(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)pfx;
    simd_check_sse(cpu);
    bool high = (in->opcode & 0xff) == 0x17;
    cpu_write64(cpu, in->seg, insn_ea(cpu, in), xmm(cpu, in->reg)->q[high ? 1 : 0]);
}

/* 0F 14 / 15: UNPCKLPS/UNPCKHPS, UNPCKLPD/UNPCKHPD xmm, xmm/m128. */
static void unpck_14_15(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    union xmm_reg s, *d = xmm(cpu, in->reg), r;
    simd_rm_xmm(cpu, in, &s, true);
    int h = (in->opcode & 0xff) == 0x15;
    if (pfx == PF_66) {
        r.q[0] = d->q[h];
        r.q[1] = s.q[h];
    } else {
        r.d[0] = d->d[2 * h];
        r.d[1] = s.d[2 * h];
        r.d[2] = d->d[2 * h + 1];
        r.d[3] = s.d[2 * h + 1];
    }
    *d = r;
}

/* 0F 28 / 29: MOVAPS/MOVAPD load and store (aligned). */
static void mov_28(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)pfx;
    simd_check_sse(cpu);
    union xmm_reg s;
    simd_rm_xmm(cpu, in, &s, true);
    *xmm(cpu, in->reg) = s;
}
static void mov_29(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)pfx;
    simd_check_sse(cpu);
    union xmm_reg s = *xmm(cpu, in->reg);
    simd_store_xmm(cpu, in, &s, true);
}

/* 0F 2B: MOVNTPS/MOVNTPD m128, xmm; 0F E7: MOVNTQ m64, mm / MOVNTDQ m128, xmm.
 * The non-temporal hint does not change the result: plain (aligned) stores. */
static void movnt(struct cpu *cpu, const struct insn *in, int pfx)
{
    if ((in->opcode & 0xff) == 0xe7 && pfx == PF_NP) {
        simd_check_mmx(cpu);
        cpu_write64(cpu, in->seg, insn_ea(cpu, in), mmx_get(cpu, in->reg));
        simd_mmx_done(cpu);
        return;
    }
    mov_29(cpu, in, pfx);
}

/* 0F C3: MOVNTI m32, r32 (SSE2; general register, no SSE state checks). */
static void movnti(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)pfx;
    cpu_write(cpu, in->seg, insn_ea(cpu, in), reg_read(cpu, in, 4), 4);
}

/* 0F 50: MOVMSKPS/MOVMSKPD r32, xmm: the sign bits. */
static void movmsk(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    const union xmm_reg *s = xmm(cpu, in->rm);
    uint32_t m = 0;
    if (pfx == PF_66)
        m = (uint32_t)(s->q[0] >> 63) | (uint32_t)(s->q[1] >> 63) << 1;
    else
        for (int i = 0; i < 4; i++)
            m |= (s->d[i] >> 31) << i;
    reg_write(cpu, in, 4, m);
}

/* 0F 54-57: ANDPS ANDNPS ORPS XORPS and the PD forms, bit for bit. */
static void logic_fp(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)pfx;
    simd_check_sse(cpu);
    union xmm_reg s, *d = xmm(cpu, in->reg);
    simd_rm_xmm(cpu, in, &s, true);
    for (int i = 0; i < 2; i++) {
        switch (in->opcode & 0xff) {
        case 0x54: d->q[i] &= s.q[i]; break;
        case 0x55: d->q[i] = ~d->q[i] & s.q[i]; break;
        case 0x56: d->q[i] |= s.q[i]; break;
        default: d->q[i] ^= s.q[i]; break;
        }
    }
}

/* 0F 6E: MOVD mm, r/m32; MOVD xmm, r/m32 (66): zero-extended. */
static void movd_load(struct cpu *cpu, const struct insn *in, int pfx)
{
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        uint32_t v = rm_read(cpu, in, 4);
        mmx_set(cpu, in->reg, v);
        simd_mmx_done(cpu);
        return;
    }
    simd_check_sse(cpu);
    uint32_t v = rm_read(cpu, in, 4);
    *xmm(cpu, in->reg) = (union xmm_reg){.d = {v, 0, 0, 0}};
}

/* 0F 7E: MOVD r/m32, mm; MOVD r/m32, xmm (66); MOVQ xmm, xmm/m64 (F3). */
static void movd_store(struct cpu *cpu, const struct insn *in, int pfx)
{
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        rm_write(cpu, in, 4, (uint32_t)mmx_get(cpu, in->reg));
        simd_mmx_done(cpu);
        return;
    }
    simd_check_sse(cpu);
    if (pfx == PF_66) {
        rm_write(cpu, in, 4, xmm(cpu, in->reg)->d[0]);
        return;
    }
    uint64_t v = simd_rm_q(cpu, in);
    *xmm(cpu, in->reg) = (union xmm_reg){.q = {v, 0}};
}

/* 0F 6F: MOVQ mm, mm/m64; MOVDQA (66, aligned) / MOVDQU (F3) xmm, xmm/m128. */
static void movq_load(struct cpu *cpu, const struct insn *in, int pfx)
{
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        uint64_t v = simd_rm_mm(cpu, in);
        mmx_set(cpu, in->reg, v);
        simd_mmx_done(cpu);
        return;
    }
    simd_check_sse(cpu);
    union xmm_reg s;
    simd_rm_xmm(cpu, in, &s, pfx == PF_66);
    *xmm(cpu, in->reg) = s;
}

/* 0F 7F: MOVQ mm/m64, mm; MOVDQA / MOVDQU xmm/m128, xmm. */
static void movq_store(struct cpu *cpu, const struct insn *in, int pfx)
{
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        uint64_t v = mmx_get(cpu, in->reg);
        if (in->is_mem)
            cpu_write64(cpu, in->seg, insn_ea(cpu, in), v);
        else
            mmx_set(cpu, in->rm, v);
        simd_mmx_done(cpu);
        return;
    }
    simd_check_sse(cpu);
    union xmm_reg s = *xmm(cpu, in->reg);
    simd_store_xmm(cpu, in, &s, pfx == PF_66);
}

/* 0F D6: MOVQ xmm/m64, xmm (66; a register destination's upper half is
 * zeroed); MOVQ2DQ xmm, mm (F3); MOVDQ2Q mm, xmm (F2). */
static void movq_d6(struct cpu *cpu, const struct insn *in, int pfx)
{
    if (pfx == PF_66) {
        simd_check_sse(cpu);
        uint64_t v = xmm(cpu, in->reg)->q[0];
        if (in->is_mem)
            cpu_write64(cpu, in->seg, insn_ea(cpu, in), v);
        else
            *xmm(cpu, in->rm) = (union xmm_reg){.q = {v, 0}};
        return;
    }
    simd_check_sse_mmx(cpu);
    if (pfx == PF_F3)
        *xmm(cpu, in->reg) = (union xmm_reg){.q = {mmx_get(cpu, in->rm), 0}};
    else
        mmx_set(cpu, in->reg, xmm(cpu, in->rm)->q[0]);
    simd_mmx_done(cpu);
}

/* 0F 70: PSHUFW mm, mm/m64, imm8; PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2)
 * xmm, xmm/m128, imm8. */
static void pshuf(struct cpu *cpu, const struct insn *in, int pfx)
{
    unsigned imm = in->imm & 0xff;
    union xmm_reg s, r;
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        s.q[0] = simd_rm_mm(cpu, in);
        for (int i = 0; i < 4; i++)
            r.w[i] = s.w[(imm >> (2 * i)) & 3];
        mmx_set(cpu, in->reg, r.q[0]);
        simd_mmx_done(cpu);
        return;
    }
    simd_check_sse(cpu);
    simd_rm_xmm(cpu, in, &s, true);
    r = s;
    if (pfx == PF_66) {
        for (int i = 0; i < 4; i++)
            r.d[i] = s.d[(imm >> (2 * i)) & 3];
    } else {
        int base = pfx == PF_F3 ? 4 : 0;
        for (int i = 0; i < 4; i++)
            r.w[base + i] = s.w[base + ((imm >> (2 * i)) & 3)];
    }
    *xmm(cpu, in->reg) = r;
}

/* 0F 77: EMMS: all x87 tags empty (SDM Vol. 1, 9.5.1). */
static void emms(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)in;
    (void)pfx;
    simd_check_mmx(cpu);
    fpu_emms(&cpu->fpu);
}

/* 0F C4: PINSRW mm, r32/m16, imm8; PINSRW xmm (66). */
static void pinsrw(struct cpu *cpu, const struct insn *in, int pfx)
{
    if (pfx == PF_NP)
        simd_check_mmx(cpu);
    else
        simd_check_sse(cpu);
    uint16_t v = (uint16_t)rm_read(cpu, in, 2);
    if (pfx == PF_NP) {
        union xmm_reg r = {.q = {mmx_get(cpu, in->reg), 0}};
        r.w[in->imm & 3] = v;
        mmx_set(cpu, in->reg, r.q[0]);
        simd_mmx_done(cpu);
    } else {
        xmm(cpu, in->reg)->w[in->imm & 7] = v;
    }
}

/* 0F C5: PEXTRW r32, mm, imm8; PEXTRW r32, xmm (66): zero-extended word. */
static void pextrw(struct cpu *cpu, const struct insn *in, int pfx)
{
    uint16_t v;
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        union xmm_reg r = {.q = {mmx_get(cpu, in->rm), 0}};
        v = r.w[in->imm & 3];
        simd_mmx_done(cpu);
    } else {
        simd_check_sse(cpu);
        v = xmm(cpu, in->rm)->w[in->imm & 7];
    }
    reg_write(cpu, in, 4, v);
}

/* 0F C6: SHUFPS xmm, xmm/m128, imm8 (two from the destination, two from the
 * source); SHUFPD (66). */
static void shufp(struct cpu *cpu, const struct insn *in, int pfx)
{
    simd_check_sse(cpu);
    unsigned imm = in->imm & 0xff;
    union xmm_reg s, *d = xmm(cpu, in->reg), r;
    simd_rm_xmm(cpu, in, &s, true);
    if (pfx == PF_66) {
        r.q[0] = d->q[imm & 1];
        r.q[1] = s.q[(imm >> 1) & 1];
    } else {
        r.d[0] = d->d[imm & 3];
        r.d[1] = d->d[(imm >> 2) & 3];
        r.d[2] = s.d[(imm >> 4) & 3];
        r.d[3] = s.d[(imm >> 6) & 3];
    }
    *d = r;
}

/* 0F D7: PMOVMSKB r32, mm / xmm: the byte sign bits. */
static void pmovmskb(struct cpu *cpu, const struct insn *in, int pfx)
{
    union xmm_reg s = {0};
    int n;
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        s.q[0] = mmx_get(cpu, in->rm);
        n = 8;
        simd_mmx_done(cpu);
    } else {
        simd_check_sse(cpu);
        s = *xmm(cpu, in->rm);
        n = 16;
    }
    uint32_t m = 0;
    for (int i = 0; i < n; i++)
        m |= (uint32_t)(s.b[i] >> 7) << i;
    reg_write(cpu, in, 4, m);
}

/* 0F F7: MASKMOVQ mm1, mm2 / MASKMOVDQU xmm1, xmm2 (66): store the bytes of
 * the first operand whose mask byte (second operand) has its top bit set, to
 * DS:(E)DI (segment override allowed). Unselected bytes are not written, so
 * they raise no faults (SDM Vol. 2 MASKMOVQ; hardware may still fault on
 * them, an implementation choice the SDM leaves open). */
static void maskmov(struct cpu *cpu, const struct insn *in, int pfx)
{
    union xmm_reg v = {0}, m = {0};
    int n;
    if (pfx == PF_NP) {
        simd_check_mmx(cpu);
        v.q[0] = mmx_get(cpu, in->reg);
        m.q[0] = mmx_get(cpu, in->rm);
        n = 8;
    } else {
        simd_check_sse(cpu);
        v = *xmm(cpu, in->reg);
        m = *xmm(cpu, in->rm);
        n = 16;
    }
    int seg = (in->prefix & PFX_SEG) ? in->seg : SEG_DS;
    uint32_t base = cpu_reg(cpu, R_EDI, in->adsize);
    /* Check every selected byte before writing any. */
    for (int i = 0; i < n; i++)
        if (m.b[i] & 0x80)
            cpu_check_write(cpu, seg, in->adsize == 2 ? (uint16_t)(base + i) : base + i, 1);
    for (int i = 0; i < n; i++)
        if (m.b[i] & 0x80)
            cpu_write(cpu, seg, in->adsize == 2 ? (uint16_t)(base + i) : base + i, v.b[i], 1);
    if (pfx == PF_NP)
        simd_mmx_done(cpu);
}

const simd_fn simd_move_ops[256] = {
    [0x10] = mov_10,      [0x11] = mov_11,      [0x12] = mov_12_16, [0x13] = mov_13_17,
    [0x14] = unpck_14_15, [0x15] = unpck_14_15, [0x16] = mov_12_16, [0x17] = mov_13_17,
    [0x28] = mov_28,      [0x29] = mov_29,      [0x2b] = movnt,     [0x50] = movmsk,
    [0x54] = logic_fp,    [0x55] = logic_fp,    [0x56] = logic_fp,  [0x57] = logic_fp,
    [0x6e] = movd_load,   [0x6f] = movq_load,   [0x70] = pshuf,     [0x77] = emms,
    [0x7e] = movd_store,  [0x7f] = movq_store,  [0xc3] = movnti,    [0xc4] = pinsrw,
    [0xc5] = pextrw,      [0xc6] = shufp,       [0xd6] = movq_d6,   [0xd7] = pmovmskb,
    [0xe7] = movnt,       [0xf7] = maskmov,
};
