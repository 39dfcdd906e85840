/* The x87 instructions: ESC opcodes D8-DF decoded by ModRM into operations
 * on the register stack (SDM Vol. 2, "FADD" ... "FYL2XP1"; Vol. 1 8.3 and
 * Appendix B for the opcode map, including the P6's reserved aliases). */
#include <stddef.h>

#include "cpu/fpu_priv.h"
#include "cpu/handlers.h"
#include "cpu/mem.h"
#include "cpu/operand.h"

static struct fp80_ctx ctx_of(const struct cpu *cpu)
{
    const struct fpu_state *f = &cpu->fpu;
    return (struct fp80_ctx){f->fcw, 0, (uint16_t)(f->fsw & f->fcw & FPU_EXC)};
}

/* FIP/FCS/FOP (and FDP/FDS for a memory operand) of the last non-control
 * instruction (SDM Vol. 1, 8.1.8 and 8.1.9). */
static void note_insn(struct cpu *cpu, const struct insn *in)
{
    struct fpu_state *f = &cpu->fpu;
    f->fip = cpu->insn_eip;
    f->fcs = cpu->seg[SEG_CS].sel;
    f->fop = (uint16_t)(((in->opcode & 7) << 8) | in->modrm);
    if (in->is_mem) {
        f->fdp = insn_ea(cpu, in);
        f->fds = cpu->seg[in->seg].sel;
    }
}

_Noreturn static void fpu_ud(struct cpu *cpu, const struct insn *in)
{
    cpu_log(cpu, CPU_LOG_UNIMP, "unimp", "reserved x87 opcode %02x %02x at %04x:%08x\n",
            in->opcode & 0xff, in->modrm, cpu->seg[SEG_CS].sel, cpu->insn_eip);
    cpu_exception(cpu, EXC_UD, 0);
}

/* ---- arithmetic and compares ---- */

/* ST(d) = ST(d) op src; `pop` for the ...P forms. */
static void arith(struct cpu *cpu, int op, int d, int kind, const void *src, int s, bool pop)
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, d) || (kind == FP80_K80 && fpu_empty(f, s))) {
        if (!fpu_underflow(cpu))
            return;
        fpu_set_st(f, d, FP80_INDEFINITE);
    } else {
        struct fp80_ctx c = ctx_of(cpu);
        fp80 b = kind == FP80_K80 ? fpu_st(f, s) : (fp80){0, 0};
        fp80 r = FP80(arith)(&c, op, fpu_st(f, d), kind, kind == FP80_K80 ? &b : src);
        if (!fpu_merge(cpu, &c, FPU_C1))
            return;
        fpu_set_st(f, d, r);
    }
    if (pop)
        fpu_pop(f);
}

/* FCOM/FUCOM family: C3 C2 C0 from comparing ST(0) with src (s: ST(s);
 * s < 0 and kind K80 with a NULL src: FTST). `pops` is 0, 1 or 2. */
static void compare(struct cpu *cpu, int kind, const void *src, int s, bool unordered, int pops)
{
    struct fpu_state *f = &cpu->fpu;
    /* SDM Vol. 2A FCOM, Table 3-21: with an unmasked #IA (a NaN, or stack
     * underflow) the condition codes are not set and nothing is popped. (An
     * AMD host sets them anyway; test_fpu_insn_diff knows.) */
    if (fpu_empty(f, 0) || (s >= 0 && fpu_empty(f, s))) {
        if (!fpu_underflow(cpu))
            return;
        f->fsw |= FPU_C0 | FPU_C2 | FPU_C3;
    } else {
        struct fp80_ctx c = ctx_of(cpu);
        fp80 b = s >= 0 ? fpu_st(f, s) : (fp80){0, 0};
        FP80(com)(&c, fpu_st(f, 0), kind, s >= 0 ? &b : src, unordered);
        f->fsw &= (uint16_t)~FPU_C1;
        if (!fpu_merge(cpu, &c, (c.sw & ~c.cw & FPU_IE) ? 0 : FPU_C0 | FPU_C2 | FPU_C3))
            return;
    }
    while (pops--)
        fpu_pop(f);
}

/* FCOMI/FUCOMI(P): the same compare, reported in ZF PF CF (OF SF AF clear). */
static void compare_eflags(struct cpu *cpu, int s, bool unordered, bool pop)
{
    struct fpu_state *f = &cpu->fpu;
    uint32_t fl = EF_ZF | EF_PF | EF_CF;
    if (fpu_empty(f, 0) || fpu_empty(f, s)) {
        if (!fpu_underflow(cpu))
            return;
    } else {
        struct fp80_ctx c = ctx_of(cpu);
        fp80 b = fpu_st(f, s);
        FP80(com)(&c, fpu_st(f, 0), FP80_K80, &b, unordered);
        f->fsw &= (uint16_t)~FPU_C1;
        bool done = fpu_merge(cpu, &c, 0);
        if (c.sw & ~c.cw & FPU_IE)
            return; /* SDM FCOMI: no EFLAGS with an unmasked #IA */
        fl = ((c.sw & FPU_C3) ? EF_ZF : 0) | ((c.sw & FPU_C2) ? EF_PF : 0) |
             ((c.sw & FPU_C0) ? EF_CF : 0);
        if (!done) { /* unmasked #D: the flags are set, nothing is popped */
            cpu_set_arith(cpu, fl, EF_ARITH);
            return;
        }
    }
    cpu_set_arith(cpu, fl, EF_ARITH);
    if (pop)
        fpu_pop(f);
}

/* ---- loads and stores ---- */

static void push_checked(struct cpu *cpu, fp80 v)
{
    struct fpu_state *f = &cpu->fpu;
    if (!fpu_empty(f, 7)) {
        if (fpu_overflow(cpu))
            fpu_push(f, FP80_INDEFINITE);
        return;
    }
    f->fsw &= (uint16_t)~FPU_C1;
    fpu_push(f, v);
}

static void load_mem(struct cpu *cpu, const struct insn *in, int kind)
{
    uint8_t buf[10];
    fpu_mem_read(cpu, in->seg, insn_ea(cpu, in), buf, fp80_kind_size[kind]);
    struct fpu_state *f = &cpu->fpu;
    if (!fpu_empty(f, 7)) {
        push_checked(cpu, FP80_INDEFINITE);
        return;
    }
    struct fp80_ctx c = ctx_of(cpu);
    fp80 v = FP80(load)(&c, kind, buf);
    f->fsw &= (uint16_t)~FPU_C1;
    fpu_merge(cpu, &c, 0);
    if (c.sw & ~c.cw & FPU_IE)
        return; /* an unmasked #D still loads the (normalized) value */
    push_checked(cpu, v);
}

static void store_mem(struct cpu *cpu, const struct insn *in, int kind, bool pop)
{
    struct fpu_state *f = &cpu->fpu;
    uint8_t buf[10];
    uint32_t ea = insn_ea(cpu, in);
    int size = fp80_kind_size[kind];
    if (fpu_empty(f, 0)) {
        if (!(f->fcw & FPU_IE)) {
            fpu_underflow(cpu);
            return;
        }
        /* Masked: the indefinite of the destination format is stored. */
        struct fp80_ctx c = {(uint16_t)(f->fcw | FPU_EXC), 0, 0};
        FP80(store)(&c, FP80_INDEFINITE, kind, buf);
        fpu_mem_write(cpu, in->seg, ea, buf, size);
        fpu_underflow(cpu);
    } else {
        struct fp80_ctx c = ctx_of(cpu);
        fpu_mem_read(cpu, in->seg, ea, buf, size); /* unchanged on an unmasked exception */
        FP80(store)(&c, fpu_st(f, 0), kind, buf);
        bool stored = !(c.sw & ~c.cw & (FPU_IE | FPU_DE | FPU_ZE | FPU_OE | FPU_UE));
        if (stored)
            fpu_mem_write(cpu, in->seg, ea, buf, size);
        fpu_merge(cpu, &c, FPU_C1);
        if (!stored)
            return;
    }
    if (pop)
        fpu_pop(f);
}

/* ---- one-operand and stack operations ---- */

/* ST(0) = fn(ST(0)) for FSQRT, FRNDINT, F2XM1, FSIN, FCOS. */
static void unary(struct cpu *cpu, fp80 (*fn)(struct fp80_ctx *, fp80), uint16_t cc)
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, 0)) {
        f->fsw &= (uint16_t) ~(cc & FPU_C2);
        if (fpu_underflow(cpu))
            fpu_set_st(f, 0, FP80_INDEFINITE);
        return;
    }
    struct fp80_ctx c = ctx_of(cpu);
    fp80 r = fn(&c, fpu_st(f, 0));
    if (fpu_merge(cpu, &c, cc) && !(c.sw & cc & FPU_C2))
        fpu_set_st(f, 0, r);
}

/* ST(0) = fn(ST(0), ST(1)): FSCALE, FPREM, FPREM1. */
static void binary01(struct cpu *cpu, int which)
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
        if (which)
            f->fsw &= (uint16_t)~FPU_C2; /* FPREM: not incomplete */
        if (fpu_underflow(cpu))
            fpu_set_st(f, 0, FP80_INDEFINITE);
        return;
    }
    struct fp80_ctx c = ctx_of(cpu);
    fp80 r;
    uint16_t cc = FPU_C1;
    if (which == 0) {
        r = FP80(scale)(&c, fpu_st(f, 0), fpu_st(f, 1));
    } else {
        r = FP80(prem)(&c, fpu_st(f, 0), fpu_st(f, 1), which == 2);
        /* A NaN result (NaN operand or invalid) leaves C0 and C3 alone. */
        cc = fp80_is_nan(r) || fp80_pre_exc(&c) ? FPU_C1 | FPU_C2 : FPU_CC;
    }
    if (fpu_merge(cpu, &c, cc))
        fpu_set_st(f, 0, r);
}

/* ST(1) = fn(ST(0), ST(1)), pop: FYL2X, FYL2XP1, FPATAN. */
static void binary_pop(struct cpu *cpu, fp80 (*fn)(struct fp80_ctx *, fp80, fp80))
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
        if (!fpu_underflow(cpu))
            return;
        fpu_set_st(f, 1, FP80_INDEFINITE);
    } else {
        struct fp80_ctx c = ctx_of(cpu);
        fp80 r = fn(&c, fpu_st(f, 0), fpu_st(f, 1));
        if (!fpu_merge(cpu, &c, FPU_C1))
            return;
        fpu_set_st(f, 1, r);
    }
    fpu_pop(f);
}

/* FPTAN (0), FSINCOS (1), FXTRACT (2): ST(0) replaced, then a push. */
static void two_results(struct cpu *cpu, int which)
{
    struct fpu_state *f = &cpu->fpu;
    if (which != 2)
        f->fsw &= (uint16_t)~FPU_C2; /* a stack fault is no range error */
    if (fpu_empty(f, 0)) {
        if (!fpu_underflow(cpu))
            return;
        fpu_set_st(f, 0, FP80_INDEFINITE);
        fpu_push(f, FP80_INDEFINITE);
        return;
    }
    if (!fpu_empty(f, 7)) {
        if (fpu_overflow(cpu)) {
            fpu_set_st(f, 0, FP80_INDEFINITE);
            fpu_push(f, FP80_INDEFINITE);
        }
        return;
    }
    struct fp80_ctx c = ctx_of(cpu);
    fp80 a = fpu_st(f, 0), r0, r1;
    uint16_t cc = FPU_C1 | FPU_C2;
    switch (which) {
    case 0:
        r0 = FP80(tan)(&c, a);
        /* 1.0 is pushed, or the NaN again for a NaN result. */
        r1 = fp80_is_nan(r0) ? r0 : (fp80){0x8000000000000000ull, 0x3fff};
        break;
    case 1: FP80(sincos)(&c, a, &r0, &r1); break;
    default:
        FP80(xtract)(&c, a, &r0, &r1);
        cc = FPU_C1;
        break;
    }
    if (!fpu_merge(cpu, &c, cc) || (c.sw & cc & FPU_C2))
        return;
    fpu_set_st(f, 0, r0);
    fpu_push(f, r1);
}

static void fxch(struct cpu *cpu, int i)
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, 0) || fpu_empty(f, i)) {
        if (!fpu_underflow(cpu))
            return;
        if (fpu_empty(f, 0))
            fpu_set_st(f, 0, FP80_INDEFINITE);
        if (fpu_empty(f, i))
            fpu_set_st(f, i, FP80_INDEFINITE);
    } else {
        f->fsw &= (uint16_t)~FPU_C1;
    }
    fp80 a = fpu_st(f, 0), b = fpu_st(f, i);
    fpu_set_st(f, 0, b);
    fpu_set_st(f, i, a);
}

/* FST/FSTP ST(i): an 80-bit copy, no exception but stack underflow. */
static void fst_reg(struct cpu *cpu, int i, bool pop)
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, 0)) {
        if (!fpu_underflow(cpu))
            return;
        fpu_set_st(f, i, FP80_INDEFINITE);
    } else {
        f->fsw &= (uint16_t)~FPU_C1;
        fpu_set_st(f, i, fpu_st(f, 0));
    }
    if (pop)
        fpu_pop(f);
}

static void fld_reg(struct cpu *cpu, int i)
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, i)) { /* underflow is reported, even with ST(7) in use */
        if (fpu_underflow(cpu))
            fpu_push(f, FP80_INDEFINITE);
        return;
    }
    push_checked(cpu, fpu_st(f, i));
}

/* FCHS (0) and FABS (1): sign operations, no exception but underflow. */
static void sign_op(struct cpu *cpu, int which)
{
    struct fpu_state *f = &cpu->fpu;
    if (fpu_empty(f, 0)) {
        if (fpu_underflow(cpu))
            fpu_set_st(f, 0, FP80_INDEFINITE);
        return;
    }
    fp80 v = fpu_st(f, 0);
    v.se = which ? (uint16_t)(v.se & 0x7fff) : (uint16_t)(v.se ^ 0x8000);
    f->fsw &= (uint16_t)~FPU_C1;
    fpu_set_st(f, 0, v);
}

/* FXAM (SDM Vol. 2A "FXAM", Table 3-?): class in C3 C2 C0, sign in C1. */
static void fxam(struct cpu *cpu)
{
    struct fpu_state *f = &cpu->fpu;
    fp80 v = fpu_st(f, 0);
    uint16_t cc;
    int e = fp80_exp(v);
    if (fpu_empty(f, 0))
        cc = FPU_C3 | FPU_C0;
    else if (e == 0)
        cc = v.mant ? FPU_C3 | FPU_C2 : FPU_C3;
    else if (!(v.mant >> 63))
        cc = 0; /* unsupported */
    else if (e == 0x7fff)
        cc = (v.mant << 1) ? FPU_C0 : FPU_C2 | FPU_C0;
    else
        cc = FPU_C2;
    if (fp80_sign(v))
        cc |= FPU_C1;
    f->fsw = (uint16_t)((f->fsw & ~FPU_CC) | cc);
}

/* FCMOVcc: DA C0-DF (B, E, BE, U) and DB C0-DF (NB, NE, NBE, NU). */
static void fcmov(struct cpu *cpu, const struct insn *in)
{
    static const int cc[4] = {0x2, 0x4, 0x6, 0xa}; /* Jcc codes: B, E, BE, P */
    struct fpu_state *f = &cpu->fpu;
    int i = in->rm;
    if (fpu_empty(f, 0) || fpu_empty(f, i)) {
        if (fpu_underflow(cpu))
            fpu_set_st(f, 0, FP80_INDEFINITE);
        return;
    }
    bool take = cpu_cond(cpu, cc[(in->reg & 3)] | ((in->opcode & 1) ? 1 : 0));
    if (take)
        fpu_set_st(f, 0, fpu_st(f, i));
}

/* ---- opcode groups ---- */

static const int arith_kind[8] = {
    [0] = FP80_K32,
    [2] = FP80_KI32,
    [4] = FP80_K64,
    [6] = FP80_KI16,
};

static void mem_op(struct cpu *cpu, const struct insn *in, int esc)
{
    struct fpu_state *f = &cpu->fpu;
    uint32_t ea = insn_ea(cpu, in);
    int seg = in->seg;
    bool op32 = in->opsize == 4;
    uint16_t w;

    /* Control instructions first: the FN... forms do not wait, and none of
     * them changes FIP/FDP/FOP (SDM Vol. 1, 8.1.8). */
    switch (esc << 3 | in->reg) {
    case 1 << 3 | 4: /* FLDENV */
        fpu_check_pending(cpu);
        fpu_ldenv(cpu, seg, ea, op32);
        return;
    case 1 << 3 | 5: /* FLDCW */
        fpu_check_pending(cpu);
        w = (uint16_t)cpu_read(cpu, seg, ea, 2);
        f->fcw = (uint16_t)((w & 0x1f3f) | 0x0040);
        fpu_update_es(cpu);
        return;
    case 1 << 3 | 6: fpu_stenv(cpu, seg, ea, op32); return;      /* FNSTENV */
    case 1 << 3 | 7: cpu_write(cpu, seg, ea, f->fcw, 2); return; /* FNSTCW */
    case 5 << 3 | 4: /* FRSTOR */
        fpu_check_pending(cpu);
        fpu_rstor(cpu, seg, ea, op32);
        return;
    case 5 << 3 | 6: fpu_save(cpu, seg, ea, op32); return;       /* FNSAVE */
    case 5 << 3 | 7: cpu_write(cpu, seg, ea, f->fsw, 2); return; /* FNSTSW */
    case 1 << 3 | 1:
    case 3 << 3 | 1:
    case 5 << 3 | 1:
    case 7 << 3 | 1: /* FISTTP: SSE3 */
    case 3 << 3 | 4:
    case 3 << 3 | 6:
    case 5 << 3 | 5: fpu_ud(cpu, in);
    }

    fpu_check_pending(cpu);
    if (!(esc & 1)) { /* D8 DA DC DE: arithmetic with a memory operand */
        uint8_t buf[8];
        int kind = arith_kind[esc];
        fpu_mem_read(cpu, seg, ea, buf, fp80_kind_size[kind]);
        if (in->reg == 2 || in->reg == 3)
            compare(cpu, kind, buf, -1, false, in->reg == 3);
        else
            arith(cpu, in->reg, 0, kind, buf, 0, false);
        note_insn(cpu, in);
        return;
    }
    static const int load_kind[8] = {FP80_K32, FP80_KI32, FP80_K64, FP80_KI16};
    int k = load_kind[esc >> 1];
    switch (esc << 3 | in->reg) {
    case 1 << 3 | 0:
    case 3 << 3 | 0:
    case 5 << 3 | 0:
    case 7 << 3 | 0: load_mem(cpu, in, k); break;
    case 1 << 3 | 2:
    case 3 << 3 | 2:
    case 5 << 3 | 2:
    case 7 << 3 | 2: store_mem(cpu, in, k, false); break;
    case 1 << 3 | 3:
    case 3 << 3 | 3:
    case 5 << 3 | 3:
    case 7 << 3 | 3: store_mem(cpu, in, k, true); break;
    case 3 << 3 | 5: load_mem(cpu, in, FP80_K80); break;
    case 3 << 3 | 7: store_mem(cpu, in, FP80_K80, true); break;
    case 7 << 3 | 4: load_mem(cpu, in, FP80_KBCD); break;
    case 7 << 3 | 5: load_mem(cpu, in, FP80_KI64); break;
    case 7 << 3 | 6: store_mem(cpu, in, FP80_KBCD, true); break;
    case 7 << 3 | 7: store_mem(cpu, in, FP80_KI64, true); break;
    }
    note_insn(cpu, in);
}

static void d9_reg(struct cpu *cpu, const struct insn *in)
{
    struct fpu_state *f = &cpu->fpu;
    int i = in->rm;
    switch (in->reg) {
    case 0: fld_reg(cpu, i); return;
    case 1: fxch(cpu, i); return;
    case 2:
        if (i != 0)
            fpu_ud(cpu, in);
        return;                            /* FNOP */
    case 3: fst_reg(cpu, i, true); return; /* FSTP1 (reserved alias) */
    case 4:
        switch (i) {
        case 0: sign_op(cpu, 0); return;
        case 1: sign_op(cpu, 1); return;
        case 4: compare(cpu, FP80_K80, NULL, -1, false, 0); return; /* FTST */
        case 5: fxam(cpu); return;
        default: fpu_ud(cpu, in);
        }
    case 5:
        if (i == 7)
            fpu_ud(cpu, in);
        push_checked(cpu, fpu_const(i, FCW_RC(f->fcw)));
        return;
    case 6:
        switch (i) {
        case 0: unary(cpu, FP80(f2xm1), FPU_C1); return;
        case 1: binary_pop(cpu, FP80(yl2x)); return;
        case 2: two_results(cpu, 0); return;
        case 3: binary_pop(cpu, FP80(atan)); return;
        case 4: two_results(cpu, 2); return;
        case 5: binary01(cpu, 2); return; /* FPREM1 */
        case 6:
            fpu_set_top(f, fpu_top(f) - 1);
            f->fsw &= (uint16_t)~FPU_C1;
            return;
        default:
            fpu_set_top(f, fpu_top(f) + 1);
            f->fsw &= (uint16_t)~FPU_C1;
            return;
        }
    default:
        switch (i) {
        case 0: binary01(cpu, 1); return; /* FPREM */
        case 1: binary_pop(cpu, FP80(yl2xp1)); return;
        case 2: unary(cpu, FP80(sqrt), FPU_C1); return;
        case 3: two_results(cpu, 1); return;
        case 4: unary(cpu, FP80(rndint), FPU_C1); return;
        case 5: binary01(cpu, 0); return; /* FSCALE */
        case 6: unary(cpu, FP80(sin), FPU_C1 | FPU_C2); return;
        default: unary(cpu, FP80(cos), FPU_C1 | FPU_C2); return;
        }
    }
}

static void reg_op(struct cpu *cpu, const struct insn *in, int esc)
{
    struct fpu_state *f = &cpu->fpu;
    int i = in->rm, r = in->reg;

    /* Non-waiting control forms. */
    if (esc == 3 && r == 4) {
        switch (i) {
        case 0:
        case 1:
        case 4: return; /* FNENI, FNDISI, FSETPM: no-ops on a P6 */
        case 2:         /* FNCLEX */
            f->fsw &= (uint16_t) ~(FPU_EXC | FPU_SF | FPU_ES | FPU_B);
            fpu_update_es(cpu);
            if (cpu->hooks.ferr)
                cpu->hooks.ferr(cpu->hooks.ferr_opaque, false);
            return;
        case 3: /* FNINIT */
            fpu_init(f);
            if (cpu->hooks.ferr)
                cpu->hooks.ferr(cpu->hooks.ferr_opaque, false);
            return;
        default: fpu_ud(cpu, in);
        }
    }
    if (esc == 7 && r == 4) {
        if (i != 0)
            fpu_ud(cpu, in);
        cpu_set_reg(cpu, R_EAX, 2, f->fsw); /* FNSTSW AX */
        return;
    }
    /* Reserved encodings (#UD) before the pending-exception check. */
    switch (esc) {
    case 1:
        if ((r == 2 && i) || (r == 4 && (i == 2 || i == 3 || i == 6 || i == 7)) ||
            (r == 5 && i == 7))
            fpu_ud(cpu, in);
        break;
    case 2:
        if (r >= 4 && !(r == 5 && i == 1))
            fpu_ud(cpu, in);
        break;
    case 3:
        if (r == 7)
            fpu_ud(cpu, in);
        break;
    case 5:
        if (r >= 6)
            fpu_ud(cpu, in);
        break;
    case 6:
        if (r == 3 && i != 1)
            fpu_ud(cpu, in);
        break;
    case 7:
        if (r == 7)
            fpu_ud(cpu, in);
        break;
    }

    fpu_check_pending(cpu);
    switch (esc) {
    case 0: /* D8: ST(0) = ST(0) op ST(i) */
        if (r == 2 || r == 3)
            compare(cpu, FP80_K80, NULL, i, false, r == 3);
        else
            arith(cpu, r, 0, FP80_K80, NULL, i, false);
        break;
    case 1: d9_reg(cpu, in); break;
    case 2:
        if (r < 4)
            fcmov(cpu, in);
        else
            compare(cpu, FP80_K80, NULL, 1, true, 2); /* FUCOMPP */
        break;
    case 3:
        if (r < 4)
            fcmov(cpu, in);
        else
            compare_eflags(cpu, i, r == 5, false); /* FUCOMI (5), FCOMI (6) */
        break;
    case 4:
    case 6: /* DC/DE: ST(i) = ST(i) op ST(0), DE pops; SUB/SUBR, DIV/DIVR swap */
        if (r == 2 || r == 3)
            compare(cpu, FP80_K80, NULL, i, false, esc == 6 ? (r == 3 ? 2 : 1) : r == 3);
        else
            arith(cpu, r >= 4 ? r ^ 1 : r, i, FP80_K80, NULL, 0, esc == 6);
        break;
    case 5:
        switch (r) {
        case 0: /* FFREE (C1 cleared as the hardware does; SDM: undefined) */
            fpu_set_tag_phys(f, fpu_phys(f, i), TAG_EMPTY);
            f->fsw &= (uint16_t)~FPU_C1;
            break;
        case 1: fxch(cpu, i); break;
        case 2: fst_reg(cpu, i, false); break;
        case 3: fst_reg(cpu, i, true); break;
        case 4: compare(cpu, FP80_K80, NULL, i, true, 0); break;  /* FUCOM */
        default: compare(cpu, FP80_K80, NULL, i, true, 1); break; /* FUCOMP */
        }
        break;
    default: /* DF */
        switch (r) {
        case 0: /* FFREEP */
            fpu_set_tag_phys(f, fpu_phys(f, i), TAG_EMPTY);
            f->fsw &= (uint16_t)~FPU_C1;
            fpu_pop(f);
            break;
        case 1: fxch(cpu, i); break;
        case 2:
        case 3: fst_reg(cpu, i, true); break;
        case 5: compare_eflags(cpu, i, true, true); break;   /* FUCOMIP */
        default: compare_eflags(cpu, i, false, true); break; /* FCOMIP */
        }
        break;
    }
    note_insn(cpu, in);
}

void op_fpu(struct cpu *cpu, const struct insn *in)
{
    fpu_check_nm(cpu);
    int esc = in->opcode & 7;
    if (in->is_mem)
        mem_op(cpu, in, esc);
    else
        reg_op(cpu, in, esc);
}
