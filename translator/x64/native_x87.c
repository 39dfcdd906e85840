/* The commonest x87 instructions emitted as host x87 code: FLD/FST/FSTP
 * with an m32 or m64 real, FILD m32, the arithmetic group (FADD FMUL FSUB
 * FSUBR FDIV FDIVR) on ST(i) or an m32/m64 real, with and without pop,
 * FLD/FST/FSTP ST(i), FXCH, FLDZ, FLD1, FCHS, FABS, FSQRT and
 * FCOMI/FUCOMI(P).
 *
 * They run in runs (gen.h, struct x64_x87_run): a run of these, with the
 * plain integer instructions between them, keeps the guest's stack on the
 * host's x87 stack, guest ST(i) as host ST(i), so that each instruction is
 * the very same host instruction (its own encoding for the register forms,
 * [RDI] for a memory operand). The run's start checks the state programs
 * keep the FPU in: every exception masked in FCW (any precision and
 * rounding), no pending unmasked exception (FSW.ES clear), CR0.EM and
 * CR0.TS clear, and the stack registers the run reads full and those it
 * pushes into empty (the plan works out which, and keeps the host's depth
 * within 8). Then it loads the guest's control word and the registers the
 * run reads; the host's x87 then computes exactly what the interpreter's
 * host backend does (cpu/fp80_host.c: the same instructions on the same
 * 80-bit values; FLD and FSTP of an 80-bit value never raise), and a masked
 * exception only sets its flag (SDM Vol. 1, 8.5: the masked responses).
 * Where the run ends, its state goes back to cpu->fpu: the registers, TOP,
 * the tags of the registers it wrote (cpu/fpu_core.c, fpu_tag_of), C1 and
 * the exception flags from the host's status word (each of these host
 * instructions sets C1 as the interpreter does: rounded up, or 0), and
 * FIP FCS FOP of the last instruction (FDP FDS are stored by each memory
 * form). In any other state, and when a memory operand is not plain RAM, a
 * cold stub stores the run as it stands and runs the instruction through
 * the interpreter (cpu/fpu_exec.c), which also raises the faults; the
 * instruction has written nothing before these checks.
 *
 * The host's sticky flags may still hold flags from earlier operations:
 * FNCLEX (which waits for every x87 operation in flight) runs at a run's
 * start only when one of them is not set in the guest's FSW already, as in
 * cpu/fp80_host.c, and not at all when an earlier run of the block merged
 * them and no handler-run instruction (FNCLEX, FLDENV, FRSTOR, FINIT...)
 * came between (gen.h, x87_synced); cold stubs going back into a run check
 * again.
 *
 * Host registers: none across a run's instructions. RDI = the host address
 * of a memory operand; the start and the end use RAX RCX RDX RSI RDI R10
 * R11 (never R8 and R9, which the register cache may hold). */
#if defined(__x86_64__)

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/fp80.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "translator/x64/gen.h"

_Static_assert(sizeof(struct fpu_reg) == 16, "ST slots are 16 bytes apart");

#define FPU_OFF(f) (CPU_OFF(fpu) + (int32_t)offsetof(struct fpu_state, f))
#define TAG_ZERO 1
#define TAG_SPECIAL 2
#define TAG_EMPTY 3

enum x87_kind {
    X87_ARITH,     /* ST(d) = ST(d) op src (ST(s) or memory), pop or not */
    X87_LOAD_MEM,  /* push m32/m64 real, m32 integer */
    X87_STORE_MEM, /* m32/m64 real = ST(0), pop or not */
    X87_LOAD_REG,  /* push ST(s) */
    X87_STORE_REG, /* ST(d) = ST(0), pop or not */
    X87_XCHG,      /* ST(0) <-> ST(s) */
    X87_CONST,     /* push +0.0 or +1.0 */
    X87_SIGN,      /* FCHS, FABS */
    X87_SQRT,      /* ST(0) = sqrt(ST(0)) */
    X87_COMI,      /* EFLAGS = compare ST(0) with ST(s), pop or not */
};

struct x87_op {
    enum x87_kind kind;
    int d, s;    /* ST indices: destination, source */
    int aop;     /* ARITH: the /digit of the host's "op ST(0), ST(1)" (D8) or memory form */
    bool pop;
    int size;    /* memory operand bytes */
    uint8_t esc; /* memory forms: the host instruction's ESC byte */
    bool one;    /* CONST: 1.0; SIGN: FABS; COMI: FCOMI (a QNaN raises #IA) */
};

/* The guest instruction as one of the forms above; false for anything else. */
static bool decode(const struct insn *in, struct x87_op *o)
{
    int esc = in->opcode & 7, r = in->reg, i = in->rm;
    *o = (struct x87_op){.esc = (uint8_t)(0xd8 | esc)};
    if (in->is_mem) {
        if (in->adsize != 4)
            return false;
        switch (esc) {
        case 0: /* D8: arithmetic with an m32 real */
        case 4: /* DC: with an m64 real */
            if (r == 2 || r == 3)
                return false; /* FCOM */
            o->kind = X87_ARITH;
            o->aop = r;
            o->size = esc ? 8 : 4;
            return true;
        case 1: /* D9 /0 FLD m32, /2 FST m32, /3 FSTP m32 */
        case 5: /* DD: the m64 forms */
            o->size = esc == 1 ? 4 : 8;
            if (r == 0) {
                o->kind = X87_LOAD_MEM;
                return true;
            }
            o->kind = X87_STORE_MEM;
            o->pop = r == 3;
            return r == 2 || r == 3;
        case 3: /* DB /0 FILD m32 */
            o->kind = X87_LOAD_MEM;
            o->size = 4;
            return r == 0;
        default:
            return false;
        }
    }
    switch (esc) {
    case 0: /* D8: ST(0) = ST(0) op ST(i) */
        if (r == 2 || r == 3)
            return false;
        *o = (struct x87_op){.kind = X87_ARITH, .d = 0, .s = i, .aop = r};
        return true;
    case 4: /* DC: ST(i) = ST(i) op ST(0), SUB/SUBR and DIV/DIVR swapped */
    case 6: /* DE: the same, then pop */
        if (r == 2 || r == 3 || (esc == 6 && i == 0))
            return false; /* (DE C0+r: a result popped at once, native_x87 keep_popped) */
        *o = (struct x87_op){.kind = X87_ARITH, .d = i, .s = 0, .aop = r >= 4 ? r ^ 1 : r,
                             .pop = esc == 6};
        return true;
    case 1:
        switch (r) {
        case 0: *o = (struct x87_op){.kind = X87_LOAD_REG, .s = i}; return true;
        case 1: *o = (struct x87_op){.kind = X87_XCHG, .s = i}; return true;
        case 4:
            *o = (struct x87_op){.kind = X87_SIGN, .one = i == 1};
            return i <= 1;
        case 5: /* FLD1 (E8) and FLDZ (EE) */
            *o = (struct x87_op){.kind = X87_CONST, .one = i == 0};
            return i == 0 || i == 6;
        case 7:
            *o = (struct x87_op){.kind = X87_SQRT};
            return i == 2;
        default:
            return false;
        }
    case 3: /* DB E8+i FUCOMI, F0+i FCOMI */
    case 7: /* DF: the same, then pop */
        *o = (struct x87_op){.kind = X87_COMI, .s = i, .pop = esc == 7, .one = r == 6};
        return r == 5 || r == 6;
    case 5: /* DD D0+i FST ST(i), D8+i FSTP ST(i) */
        *o = (struct x87_op){.kind = X87_STORE_REG, .d = i, .pop = r == 3};
        return r == 2 || r == 3;
    default:
        return false;
    }
}

/* ---- the plan ---- */

/* How op `o` moves run state `r` (t, tmin, k, written); false, `r` kept,
 * when the host's stack could not hold the run with it (more than 8). */
static bool plan_op(struct x64_x87_run *r, const struct x87_op *o)
{
    struct x64_x87_run n = *r;
    int touch[2], nt = 0, write[2], nw = 0;
    if (o->pop && ((r->written >> (r->t & 7)) & 1) && r->t < n.tkeep)
        n.tkeep = r->t;
    bool push = false;
    switch (o->kind) {
    case X87_ARITH:
        touch[nt++] = o->d;
        touch[nt++] = o->s;
        write[nw++] = o->d;
        break;
    case X87_LOAD_REG:
        touch[nt++] = o->s;
        push = true;
        break;
    case X87_LOAD_MEM:
    case X87_CONST:
        push = true;
        break;
    case X87_STORE_MEM:
        touch[nt++] = 0;
        break;
    case X87_STORE_REG: /* (ST(d) loaded too: the host writes its ST(d)) */
    case X87_XCHG:
        touch[nt++] = 0;
        touch[nt++] = o->kind == X87_XCHG ? o->s : o->d;
        write[nw++] = 0;
        write[nw++] = touch[1];
        break;
    case X87_SIGN:
    case X87_SQRT:
        touch[nt++] = 0;
        write[nw++] = 0;
        break;
    case X87_COMI:
        touch[nt++] = 0;
        touch[nt++] = o->s;
        break;
    }
    for (int j = 0; j < nt; j++)
        if (n.t + touch[j] + 1 > n.k)
            n.k = (uint8_t)(n.t + touch[j] + 1);
    for (int j = 0; j < nw; j++)
        n.written |= (uint8_t)(1u << ((n.t + write[j]) & 7));
    if (push) {
        n.t--;
        if (n.t < n.tmin)
            n.tmin = n.t;
        n.written |= (uint8_t)(1u << (n.t & 7));
    }
    if (o->pop)
        n.t++;
    /* the host holds positions t..k-1: at most 8, none twice */
    if (n.k > 8 + n.tmin || n.k > 7 + n.tkeep)
        return false;
    *r = n;
    return true;
}

static bool is_x87(const struct insn *in) { return in->opcode >= 0xd8 && in->opcode <= 0xdf; }

/* The run starting at instruction g->i (natively emitted x87): its last
 * instruction, the registers to load (k) and the lowest TOP (tmin). */
static struct x64_x87_run plan(const struct x64_gen *g)
{
    const struct tr_block *b = g->b;
    struct x64_x87_run r = {.last = (int16_t)g->i, .tkeep = 127, .done = -1}, at_last = r;
    for (int j = g->i; j < b->n; j++) {
        const struct insn *in = &b->insn[j];
        struct x87_op o;
        if (is_x87(in) && !(in->prefix & PFX_LOCK) && decode(in, &o)) {
            if (!plan_op(&r, &o))
                break;
            r.last = (int16_t)j;
            at_last = r;
        } else if (j == b->n - 1 || is_x87(in) || !x64_native_plain(in)) {
            break;
        }
    }
    return (struct x64_x87_run){.last = at_last.last, .k = at_last.k, .tmin = at_last.tmin,
                                .tkeep = at_last.tkeep, .done = -1};
}

/* ---- emitting ---- */

/* `reg` = the offset of start-relative position p's slot in fpu.st:
 * ((TOP + p) & 7) * 16, from ECX = 2 * TOP. */
static void slot_of(struct x64_buf *x, int reg, int p)
{
    x64_lea(x, 4, reg, X64_MEM(X64_RCX, 2 * p));
    x64_alu_ri(x, X64_AND, 4, reg, 0xe);
    x64_shift_ri(x, X64_SHL, 4, reg, 3);
}

static struct x64_mem slot_mem(int reg, int32_t extra)
{
    return X64_MEMX(X64_RBX, reg, 0, FPU_OFF(st) + extra);
}

#define FLD_T(x, slot) x64_x87_m((x), 0xdb, 5, slot_mem((slot), 0))  /* fld tbyte */
#define FSTP_T(x, slot) x64_x87_m((x), 0xdb, 7, slot_mem((slot), 0)) /* fstp tbyte */

/* ECX = 2 * TOP, from FSW in EDX. */
static void top2_of_fsw(struct x64_buf *x)
{
    x64_mov_rr(x, 4, X64_RCX, X64_RDX);
    x64_shift_ri(x, X64_SHR, 4, X64_RCX, FPU_TOP_SHIFT - 1);
    x64_alu_ri(x, X64_AND, 4, X64_RCX, 0xe);
}

/* ESI = fpu_tag_of() of the value in the slot at offset R10: VALID for an
 * exponent 1..7FFE with the integer bit set, ZERO for +-0, SPECIAL
 * otherwise. Clobbers R11. */
static void tag_of_slot(struct x64_buf *x)
{
    x64_movzx_rm(x, 4, 2, X64_R11, slot_mem(X64_R10, 8));
    x64_alu_ri(x, X64_AND, 4, X64_R11, 0x7fff);
    x64_lea(x, 4, X64_RSI, X64_MEM(X64_R11, -1));
    x64_alu_ri(x, X64_CMP, 4, X64_RSI, 0x7ffd);
    uint32_t odd_exp = x64_jcc8(x, X64_CC_A);
    x64_mov_ri(x, 4, X64_RSI, 0);
    x64_alu_mi(x, X64_CMP, 1, slot_mem(X64_R10, 7), 0); /* the integer bit is bit 7 of byte 7 */
    uint32_t valid = x64_jcc8(x, X64_CC_L);
    x64_mov_ri(x, 4, X64_RSI, TAG_SPECIAL);
    uint32_t done1 = x64_jmp8(x);
    x64_patch_rel8(x, odd_exp);
    x64_mov_ri(x, 4, X64_RSI, TAG_SPECIAL);
    x64_test_rr(x, 4, X64_R11, X64_R11);
    uint32_t done2 = x64_jcc8(x, X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 8, slot_mem(X64_R10, 0), 0);
    uint32_t done3 = x64_jcc8(x, X64_CC_NE);
    x64_mov_ri(x, 4, X64_RSI, TAG_ZERO);
    x64_patch_rel8(x, valid);
    x64_patch_rel8(x, done1);
    x64_patch_rel8(x, done2);
    x64_patch_rel8(x, done3);
}

/* The host's sticky flags: FNCLEX unless each is set in the guest's FSW
 * (in EDX). Clobbers RAX and RSI. */
static void host_flags_known(struct x64_buf *x)
{
    x64_fnstsw_ax(x);
    x64_mov_rr(x, 4, X64_RSI, X64_RDX);
    x64_unary_r(x, X64_NOT, 4, X64_RSI);
    x64_alu_rr(x, X64_AND, 4, X64_RAX, X64_RSI);
    x64_test_ri(x, 4, X64_RAX, FPU_EXC);
    uint32_t known = x64_jcc8(x, X64_CC_E);
    x64_fnclex(x);
    x64_patch_rel8(x, known);
}

/* The guest's control word on the host when it is not the ABI's (its
 * precision and rounding: its exceptions are all masked), and the ABI's
 * back at the end (clobbers RSI). */
static void guest_cw(struct x64_buf *x)
{
    x64_alu_mi(x, X64_CMP, 2, X64_MEM(X64_RBX, FPU_OFF(fcw)), 0x037f);
    uint32_t same = x64_jcc8(x, X64_CC_E);
    x64_x87_m(x, 0xd9, 5, X64_MEM(X64_RBX, FPU_OFF(fcw))); /* fldcw */
    x64_patch_rel8(x, same);
}

static void abi_cw(struct x64_buf *x)
{
    x64_alu_mi(x, X64_CMP, 2, X64_MEM(X64_RBX, FPU_OFF(fcw)), 0x037f);
    uint32_t same = x64_jcc8(x, X64_CC_E);
    x64_mov_ri(x, 4, X64_RSI, 0x037f);
    x64_push(x, X64_RSI);
    x64_x87_m(x, 0xd9, 5, X64_MEM(X64_RSP, 0)); /* fldcw */
    x64_pop(x, X64_RSI);
    x64_patch_rel8(x, same);
}

/* The run's start: the checks (to a stub that runs the instruction through
 * the interpreter and leaves), then the guest's control word and the
 * start's ST(k-1)..ST(0) pushed onto the host's stack. */
static void start(struct x64_gen *g)
{
    struct x64_buf *x = g->x;
    struct x64_x87_run r = plan(g);
    uint32_t site[5];
    int n = 0;
    x64_test_mi(x, 1, X64_MEM(X64_RBX, CPU_OFF(cr0)), CR0_EM | CR0_TS);
    site[n++] = x64_jcc32(x, X64_CC_NE);
    x64_movzx_rm(x, 4, 2, X64_RAX, X64_MEM(X64_RBX, FPU_OFF(fcw)));
    x64_alu_ri(x, X64_AND, 4, X64_RAX, FPU_EXC);
    x64_alu_ri(x, X64_CMP, 4, X64_RAX, FPU_EXC);
    site[n++] = x64_jcc32(x, X64_CC_NE);
    x64_movzx_rm(x, 4, 2, X64_RDX, X64_MEM(X64_RBX, FPU_OFF(fsw)));
    x64_test_ri(x, 4, X64_RDX, FPU_ES);
    site[n++] = x64_jcc32(x, X64_CC_NE);
    top2_of_fsw(x);
    /* the tags in stack order (ST(i) at bits 2i); a 1 at bit 2i of
     * tags & tags >> 1 for an empty ST(i): positions 0..k-1 full, those
     * the run pushes into (8 + tmin..7) empty */
    uint32_t full = 0, empty = 0;
    for (int p = 0; p < r.k; p++)
        full |= 1u << (2 * p);
    for (int p = 8 + r.tmin; p < 8; p++)
        empty |= 1u << (2 * p);
    x64_movzx_rm(x, 4, 2, X64_RDI, X64_MEM(X64_RBX, FPU_OFF(ftw)));
    x64_shift_rcl(x, X64_ROR, 2, X64_RDI);
    x64_mov_rr(x, 4, X64_RAX, X64_RDI);
    x64_shift_ri(x, X64_SHR, 4, X64_RAX, 1);
    x64_alu_rr(x, X64_AND, 4, X64_RAX, X64_RDI);
    x64_alu_ri(x, X64_AND, 4, X64_RAX, (int32_t)(full | empty));
    x64_alu_ri(x, X64_CMP, 4, X64_RAX, (int32_t)empty);
    site[n++] = x64_jcc32(x, X64_CC_NE);
    struct x64_cold *c = x64_cold_access(g, site, n); /* (no run open yet) */
    if (c)
        c->leave = true;
    if (!g->x87_synced)
        host_flags_known(x);
    guest_cw(x);
    for (int p = r.k - 1; p >= 0; p--) {
        slot_of(x, X64_R10, p);
        FLD_T(x, X64_R10);
    }
    r.open = true;
    g->x87 = r;
    g->x87_synced = true; /* (once the run has merged them, at its end) */
}

/* Run `r` to cpu->fpu (gen.h, x64_x87_close). */
void x64_x87_spill(struct x64_gen *g, const struct x64_x87_run *r)
{
    struct x64_buf *x = g->x;
    int h = r->k - r->t; /* the host's depth: positions t..k-1 */
    if (r->done < 0) {
        /* nothing run: the loaded registers are unchanged */
        for (int j = 0; j < h; j++)
            x64_x87_r(x, 0xdd, 0xd8); /* fstp st(0) */
        abi_cw(x);
        return;
    }
    x64_fnstsw_ax(x); /* C1 and the flags of the run */
    x64_movzx_rm(x, 4, 2, X64_RDX, X64_MEM(X64_RBX, FPU_OFF(fsw)));
    top2_of_fsw(x); /* TOP at the start: FSW is the start's until here */
    for (int p = r->t; p < r->k; p++) {
        if ((r->written >> (p & 7)) & 1) {
            slot_of(x, X64_R10, p);
            FSTP_T(x, X64_R10);
        } else {
            x64_x87_r(x, 0xdd, 0xd8);
        }
    }
    /* the tags, in stack order of the start: the written registers still
     * on the stack get theirs, the popped ones empty (all below t: also
     * those pushed and popped, whose tags a spill in a cold stub may have
     * set, and those the start found empty) */
    uint32_t popped = 0;
    for (int p = r->tmin < 0 ? r->tmin : 0; p < r->t; p++)
        popped |= (uint32_t)TAG_EMPTY << (2 * (p & 7));
    bool retag = popped != 0;
    for (int p = r->t; p < r->k; p++)
        retag |= (r->written >> (p & 7)) & 1;
    if (retag) {
        x64_movzx_rm(x, 4, 2, X64_RDI, X64_MEM(X64_RBX, FPU_OFF(ftw)));
        x64_shift_rcl(x, X64_ROR, 2, X64_RDI);
        for (int p = r->t; p < r->k; p++) {
            if (!((r->written >> (p & 7)) & 1))
                continue;
            int sh = 2 * (p & 7);
            slot_of(x, X64_R10, p);
            tag_of_slot(x);
            x64_alu_ri(x, X64_AND, 4, X64_RDI, (int32_t)~(TAG_EMPTY << sh));
            if (sh)
                x64_shift_ri(x, X64_SHL, 4, X64_RSI, (uint8_t)sh);
            x64_alu_rr(x, X64_OR, 4, X64_RDI, X64_RSI);
        }
        if (popped)
            x64_alu_ri(x, X64_OR, 4, X64_RDI, (int32_t)popped);
        x64_shift_rcl(x, X64_ROL, 2, X64_RDI);
        x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(ftw)), X64_RDI);
    }
    /* FSW: TOP, C1 and the exception flags */
    if (r->t) {
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~((7 << FPU_TOP_SHIFT) | FPU_C1));
        x64_lea(x, 4, X64_RSI, X64_MEM(X64_RCX, 2 * r->t));
        x64_alu_ri(x, X64_AND, 4, X64_RSI, 0xe);
        x64_shift_ri(x, X64_SHL, 4, X64_RSI, FPU_TOP_SHIFT - 1);
        x64_alu_rr(x, X64_OR, 4, X64_RDX, X64_RSI);
    } else {
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~FPU_C1);
    }
    x64_alu_ri(x, X64_AND, 4, X64_RAX, FPU_EXC | FPU_C1);
    x64_alu_rr(x, X64_OR, 4, X64_RDX, X64_RAX);
    x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(fsw)), X64_RDX);
    /* FIP FCS FOP of the last instruction, as note_insn (cpu/fpu_exec.c) */
    const struct insn *in = &g->b->insn[r->done];
    int32_t sel = CPU_OFF(seg) + (int32_t)offsetof(struct seg_cache, sel);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, FPU_OFF(fip)), (int32_t)r->done_eip);
    x64_movzx_rm(x, 4, 2, X64_RAX,
                 X64_MEM(X64_RBX, sel + SEG_CS * (int32_t)sizeof(struct seg_cache)));
    x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(fcs)), X64_RAX);
    x64_mov_mi(x, 2, X64_MEM(X64_RBX, FPU_OFF(fop)),
               (int32_t)(((in->opcode & 7) << 8) | in->modrm));
    abi_cw(x);
}

void x64_x87_close(struct x64_gen *g)
{
    x64_x87_spill(g, &g->x87);
    g->x87.open = false;
    g->flags_valid = false;
}

void x64_x87_reload(struct x64_gen *g, const struct x64_x87_run *r, int t_after)
{
    struct x64_buf *x = g->x;
    x64_movzx_rm(x, 4, 2, X64_RDX, X64_MEM(X64_RBX, FPU_OFF(fsw)));
    host_flags_known(x);
    guest_cw(x);
    top2_of_fsw(x); /* TOP now: position t_after */
    for (int j = r->k - t_after - 1; j >= 0; j--) {
        slot_of(x, X64_R10, j);
        FLD_T(x, X64_R10);
    }
    /* While a run is open, FSW's TOP is the start's: the spill at its end
     * counts from it. */
    if (t_after) {
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~(7 << FPU_TOP_SHIFT));
        x64_lea(x, 4, X64_RSI, X64_MEM(X64_RCX, -2 * t_after));
        x64_alu_ri(x, X64_AND, 4, X64_RSI, 0xe);
        x64_shift_ri(x, X64_SHL, 4, X64_RSI, FPU_TOP_SHIFT - 1);
        x64_alu_rr(x, X64_OR, 4, X64_RDX, X64_RSI);
        x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(fsw)), X64_RDX);
    }
}

/* A pop leaves the value in its physical register (FSAVE and FXSAVE show
 * it): when the run wrote ST(0), its slot gets a copy before the pop.
 * FSW's TOP is the start's while the run is open. Clobbers RAX. */
static void keep_popped(struct x64_gen *g)
{
    struct x64_buf *x = g->x;
    x64_movzx_rm(x, 4, 2, X64_RAX, X64_MEM(X64_RBX, FPU_OFF(fsw)));
    x64_shift_ri(x, X64_SHR, 4, X64_RAX, FPU_TOP_SHIFT - 1);
    x64_lea(x, 4, X64_RAX, X64_MEM(X64_RAX, 2 * g->x87.t));
    x64_alu_ri(x, X64_AND, 4, X64_RAX, 0xe);
    x64_shift_ri(x, X64_SHL, 4, X64_RAX, 3);
    x64_x87_r(x, 0xd9, 0xc0); /* fld st(0) */
    FSTP_T(x, X64_RAX);
}

enum x64_native x64_native_x87(struct x64_gen *g, const struct insn *in)
{
    struct x87_op o;
    if (!decode(in, &o))
        return X64_NATIVE_NO;
    struct x64_buf *x = g->x;
    g->lf_dead = false; /* it may fault (through a cold stub) */
    if (!g->x87.open)
        start(g);
    uint32_t site[4];
    int n = 0;
    struct x64_mem fast;
    bool in_region = false; /* through the fastmem region (mmu/fastmem.h) */
    if (in->is_mem) {
        x64_ea(g, in);
        if ((in_region = x64_fast_mem(g, in->seg, &fast))) {
            /* RDI = the host address (this LEA, 7 bytes, or the base's
             * load before it is the site's patch; a host fault at the
             * access comes after keep_popped's copy, which the ACCESS
             * stub's spill of the run writes again) */
            x64_lea(x, 8, X64_RDI, fast);
        } else {
            int lin = x64_tlb_fast(g, in->seg, o.size,
                                   o.kind == X87_STORE_MEM ? ACC_WRITE : ACC_READ, site, &n);
            x64_lea(x, 8, X64_RDI, X64_MEMX(X64_RAX, lin, 0, 0));
        }
    }
    if (o.pop && ((g->x87.written >> (g->x87.t & 7)) & 1))
        keep_popped(g);
    if (in->is_mem) {
        if (in_region)
            g->fm_at = x->pos;
        /* the guest's instruction on [RDI] */
        x64_x87_m(x, o.esc, in->reg, X64_MEM(X64_RDI, 0));
        int32_t sel = CPU_OFF(seg) + (int32_t)offsetof(struct seg_cache, sel);
        x64_mov_mr(x, 4, X64_MEM(X64_RBX, FPU_OFF(fdp)), X64_EA);
        x64_movzx_rm(x, 4, 2, X64_RAX,
                     X64_MEM(X64_RBX, sel + in->seg * (int32_t)sizeof(struct seg_cache)));
        x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(fds)), X64_RAX);
    } else {
        x64_x87_r(x, (uint8_t)in->opcode, in->modrm); /* the guest's instruction itself */
    }
    if (o.kind == X87_COMI) {
        /* ZF PF CF from the host's compare, OF SF AF clear */
        x64_pushf(x);
        x64_pop(x, X64_R11);
        x64_alu_ri(x, X64_AND, 4, X64_R11, EF_ZF | EF_PF | EF_CF);
        x64_mov_mr(x, 4, X64_MEM(X64_RBX, CPU_OFF(lf.eager)), X64_R11);
        x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(lf.op)), LF_EAGER);
        g->lf_known = X64_LF_UNKNOWN;
    }
    /* (the run as the instruction found it) */
    struct x64_cold *c = n || in_region ? x64_cold_access(g, site, n) : NULL;
    struct x64_x87_run before = g->x87;
    if (!plan_op(&g->x87, &o) || g->x87.k != before.k) {
        x->error = true; /* cannot happen: the plan held it */
        return X64_NATIVE_OK;
    }
    g->x87.done = (int16_t)g->i;
    g->x87.done_eip = g->eip;
    if (c)
        c->run_t_after = g->x87.t;
    g->flags_valid = false;
    g->pending++;
    return X64_NATIVE_OK;
}

#endif
