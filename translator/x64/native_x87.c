/* The commonest x87 instructions emitted as host x87 code: FLD/FST/FSTP
 * with an m32 or m64 real, FILD m32, the arithmetic group (FADD FMUL FSUB
 * FSUBR FDIV FDIVR) on ST(i) or an m32/m64 real, with and without pop,
 * FLD/FST/FSTP ST(i), FXCH, FLDZ, FLD1, FCHS, FABS, FSQRT and
 * FCOMI/FUCOMI(P).
 *
 * They run natively only in the state programs keep the FPU in: every
 * exception masked in FCW (any precision and rounding), no pending
 * unmasked exception (FSW.ES clear), CR0.EM and CR0.TS clear and the stack
 * registers involved full (and ST(7) empty for a push). Then the host's
 * x87, under the guest's control word for the operation (the System V
 * ABI's 037F again after it), computes exactly what the interpreter's host
 * backend does (cpu/fp80_host.c: the very same instruction), and a masked
 * exception only sets its flag (SDM Vol. 1, 8.5: the masked responses).
 * In any other state, and when the memory operand is not plain RAM, a cold
 * stub runs the instruction through the interpreter (cpu/fpu_exec.c),
 * which also raises the faults; nothing is written before these checks.
 *
 * What the interpreter's op_fpu writes, this code writes too: the result
 * in the physical register, its tag (cpu/fpu_core.c, fpu_tag_of), TOP, C1
 * (the rounding indicator from the host, or cleared), the exception flags,
 * and FIP FCS FOP (FDP FDS) of the instruction. The host's sticky flags
 * may still hold flags from earlier operations: FNCLEX (which waits for
 * every x87 operation in flight) runs only when one of them is not set in
 * the guest's FSW already, as in cpu/fp80_host.c. After another of these
 * in the block they all are, unless a handler-run instruction (FNCLEX,
 * FLDENV, FRSTOR, FINIT...) came between: it merged them, natively or
 * through the interpreter from its cold stub, which then checks as well
 * (gen.h, x64_cold.x87), and other native code does not touch the x87.
 *
 * Host registers: EDX = FSW, R8D = FTW, ECX = 2 * TOP, R9D = the tags in
 * stack order (ST(i) at bits 2i), RDI = the host address of the memory
 * operand, R10 the slot being written, RSI and R11 scratch, AX = the
 * host's status word. */
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
        if (r == 2 || r == 3)
            return false;
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

/* The jumps to the instruction's cold stub (gen.h: at most 8 sites). */
struct x87_cold {
    struct x64_buf *x;
    uint32_t site[8];
    int n;
};

static void to_cold(struct x87_cold *c, enum x64_cc cc)
{
    if (c->n < 8)
        c->site[c->n++] = x64_jcc32(c->x, cc);
    else
        c->x->error = true;
}

/* To the cold stub unless ST(i) is full (`full`) or empty, from R9D. */
static void need_tag(struct x87_cold *c, int i, bool full)
{
    struct x64_buf *x = c->x;
    x64_mov_rr(x, 4, X64_RSI, X64_R9);
    x64_alu_ri(x, X64_AND, 4, X64_RSI, TAG_EMPTY << (2 * i));
    x64_alu_ri(x, X64_CMP, 4, X64_RSI, TAG_EMPTY << (2 * i));
    to_cold(c, full ? X64_CC_E : X64_CC_NE);
}

/* `reg` = the offset of ST(i)'s slot in fpu.st: ((TOP + i) & 7) * 16,
 * from ECX = 2 * TOP. */
static void slot_of(struct x64_buf *x, int reg, int i)
{
    x64_lea(x, 4, reg, X64_MEM(X64_RCX, 2 * i));
    x64_alu_ri(x, X64_AND, 4, reg, 0xe);
    x64_shift_ri(x, X64_SHL, 4, reg, 3);
}

static struct x64_mem slot_mem(int reg, int32_t extra)
{
    return X64_MEMX(X64_RBX, reg, 0, FPU_OFF(st) + extra);
}

/* R8D (FTW) gets `tag_reg`'s value (0-3) as ST(i)'s tag. Clobbers R11;
 * keeps ECX (through the host stack). */
static void set_tag(struct x64_buf *x, int i, int tag_reg)
{
    x64_push(x, X64_RCX);
    x64_lea(x, 4, X64_RCX, X64_MEM(X64_RCX, 2 * i));
    x64_alu_ri(x, X64_AND, 4, X64_RCX, 0xe);
    x64_mov_ri(x, 4, X64_R11, TAG_EMPTY);
    x64_shift_rcl(x, X64_SHL, 4, X64_R11);
    x64_unary_r(x, X64_NOT, 4, X64_R11);
    x64_alu_rr(x, X64_AND, 4, X64_R8, X64_R11);
    x64_mov_rr(x, 4, X64_R11, tag_reg);
    x64_shift_rcl(x, X64_SHL, 4, X64_R11);
    x64_alu_rr(x, X64_OR, 4, X64_R8, X64_R11);
    x64_pop(x, X64_RCX);
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

/* ST(i)'s tag = fpu_tag_of(its value); R10 = its slot. */
static void retag(struct x64_buf *x, int i)
{
    slot_of(x, X64_R10, i);
    tag_of_slot(x);
    set_tag(x, i, X64_RSI);
}

/* ST(i)'s tag = empty. */
static void free_tag(struct x64_buf *x, int i)
{
    x64_mov_ri(x, 4, X64_RSI, TAG_EMPTY);
    set_tag(x, i, X64_RSI);
}

/* Copy ST(from)'s 80 bits into ST(to)'s slot. Clobbers RAX, RSI, R10. */
static void copy_slot(struct x64_buf *x, int from, int to)
{
    slot_of(x, X64_RSI, from);
    slot_of(x, X64_R10, to);
    x64_mov_rm(x, 8, X64_RAX, slot_mem(X64_RSI, 0));
    x64_mov_mr(x, 8, slot_mem(X64_R10, 0), X64_RAX);
    x64_movzx_rm(x, 4, 2, X64_RAX, slot_mem(X64_RSI, 8));
    x64_mov_mr(x, 2, slot_mem(X64_R10, 8), X64_RAX);
}

/* FSW's TOP field (in EDX) and ECX move by `delta` (-1 push, +1 pop). */
static void move_top(struct x64_buf *x, int delta)
{
    x64_lea(x, 4, X64_RCX, X64_MEM(X64_RCX, 2 * delta));
    x64_alu_ri(x, X64_AND, 4, X64_RCX, 0xe);
    x64_alu_ri(x, X64_AND, 4, X64_RDX, ~(7 << FPU_TOP_SHIFT));
    x64_mov_rr(x, 4, X64_RSI, X64_RCX);
    x64_shift_ri(x, X64_SHL, 4, X64_RSI, FPU_TOP_SHIFT - 1);
    x64_alu_rr(x, X64_OR, 4, X64_RDX, X64_RSI);
}

/* EDX gets the host's C1 (or 0 when `c1` is false) and its exception
 * flags, from AX. */
static void merge_status(struct x64_buf *x, bool c1)
{
    x64_alu_ri(x, X64_AND, 4, X64_RDX, ~FPU_C1);
    x64_alu_ri(x, X64_AND, 4, X64_RAX, FPU_EXC | (c1 ? FPU_C1 : 0));
    x64_alu_rr(x, X64_OR, 4, X64_RDX, X64_RAX);
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

void x64_x87_host_flags_known(struct x64_buf *x)
{
    x64_movzx_rm(x, 4, 2, X64_RDX, X64_MEM(X64_RBX, FPU_OFF(fsw)));
    host_flags_known(x);
}

/* The guest's control word on the host for the operation when it is not
 * the ABI's (its precision and rounding: its exceptions are all masked),
 * and the ABI's back after it (clobbers RSI). */
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

/* Before a host operation: the host's flags (unless known to be the
 * guest's subset already) and the guest's control word. */
static void host_begin(struct x64_buf *x, bool check_host)
{
    if (check_host)
        host_flags_known(x);
    guest_cw(x);
}

/* Pop: ST(0)'s tag empty, TOP + 1. */
static void pop(struct x64_buf *x)
{
    free_tag(x, 0);
    move_top(x, 1);
}

#define FLD_T(x, slot) x64_x87_m((x), 0xdb, 5, slot_mem((slot), 0))  /* fld tbyte */
#define FSTP_T(x, slot) x64_x87_m((x), 0xdb, 7, slot_mem((slot), 0)) /* fstp tbyte */

/* The operation itself, between the checks and write_back(). */
static void operate(struct x64_buf *x, const struct x87_op *o, bool mem, bool check_host)
{
    struct x64_mem host = X64_MEM(X64_RDI, 0); /* the memory operand */
    switch (o->kind) {
    case X87_ARITH:
        host_begin(x, check_host);
        slot_of(x, X64_R10, o->d);
        if (mem) {
            FLD_T(x, X64_R10);
            x64_x87_m(x, o->esc, o->aop, host);
        } else {
            slot_of(x, X64_RSI, o->s);
            FLD_T(x, X64_RSI);
            FLD_T(x, X64_R10);
            x64_x87_r(x, 0xd8, (uint8_t)(0xc1 | o->aop << 3)); /* op st(0), st(1) */
        }
        x64_fnstsw_ax(x);
        FSTP_T(x, X64_R10);
        if (!mem)
            x64_x87_r(x, 0xdd, 0xd8); /* fstp st(0): the source's copy */
        abi_cw(x);
        merge_status(x, true);
        retag(x, o->d);
        if (o->pop)
            pop(x);
        break;
    case X87_SQRT:
        host_begin(x, check_host);
        slot_of(x, X64_R10, 0);
        FLD_T(x, X64_R10);
        x64_x87_r(x, 0xd9, 0xfa);
        x64_fnstsw_ax(x);
        FSTP_T(x, X64_R10);
        abi_cw(x);
        merge_status(x, true);
        retag(x, 0);
        break;
    case X87_COMI: /* ZF PF CF from the host's compare, OF SF AF clear; C1 cleared
                    * (nothing is rounded: the ABI's control word will do) */
        if (check_host)
            host_flags_known(x);
        slot_of(x, X64_RSI, o->s);
        FLD_T(x, X64_RSI);
        slot_of(x, X64_R10, 0);
        FLD_T(x, X64_R10);
        x64_x87_r(x, 0xdf, o->one ? 0xf1 : 0xe9); /* f(u)comip st(0), st(1) */
        x64_pushf(x);
        x64_pop(x, X64_R11);
        x64_fnstsw_ax(x);
        x64_x87_r(x, 0xdd, 0xd8); /* fstp st(0): the source's copy */
        x64_alu_ri(x, X64_AND, 4, X64_R11, EF_ZF | EF_PF | EF_CF);
        x64_mov_mr(x, 4, X64_MEM(X64_RBX, CPU_OFF(lf.eager)), X64_R11);
        x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(lf.op)), LF_EAGER);
        merge_status(x, false);
        if (o->pop)
            pop(x);
        break;
    case X87_LOAD_MEM: /* C1 cleared (SDM FLD: no stack overflow) */
        host_begin(x, check_host);
        x64_x87_m(x, o->esc, 0, host); /* fld m32/m64 real, fild m32 */
        x64_fnstsw_ax(x);
        move_top(x, -1);
        slot_of(x, X64_R10, 0);
        FSTP_T(x, X64_R10);
        abi_cw(x);
        merge_status(x, false);
        retag(x, 0);
        break;
    case X87_STORE_MEM:
        host_begin(x, check_host);
        slot_of(x, X64_R10, 0);
        FLD_T(x, X64_R10);
        x64_x87_m(x, o->esc, 3, host); /* fstp m32/m64 real: the host stores a copy */
        x64_fnstsw_ax(x);
        abi_cw(x);
        merge_status(x, true);
        if (o->pop)
            pop(x);
        break;
    case X87_LOAD_REG: /* an 80-bit copy: C1 cleared, no exception */
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~FPU_C1);
        copy_slot(x, o->s, 7); /* ST(7) becomes ST(0) */
        retag(x, 7);
        move_top(x, -1);
        break;
    case X87_STORE_REG:
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~FPU_C1);
        copy_slot(x, 0, o->d);
        retag(x, o->d);
        if (o->pop)
            pop(x);
        break;
    case X87_XCHG: /* both full: the values swap, each gets its tag */
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~FPU_C1);
        slot_of(x, X64_R10, 0);
        slot_of(x, X64_RSI, o->s);
        x64_mov_rm(x, 8, X64_RAX, slot_mem(X64_R10, 0));
        x64_mov_rm(x, 8, X64_R11, slot_mem(X64_RSI, 0));
        x64_mov_mr(x, 8, slot_mem(X64_R10, 0), X64_R11);
        x64_mov_mr(x, 8, slot_mem(X64_RSI, 0), X64_RAX);
        x64_movzx_rm(x, 4, 2, X64_RAX, slot_mem(X64_R10, 8));
        x64_movzx_rm(x, 4, 2, X64_R11, slot_mem(X64_RSI, 8));
        x64_mov_mr(x, 2, slot_mem(X64_R10, 8), X64_R11);
        x64_mov_mr(x, 2, slot_mem(X64_RSI, 8), X64_RAX);
        retag(x, 0);
        retag(x, o->s);
        break;
    case X87_CONST:
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~FPU_C1);
        move_top(x, -1);
        slot_of(x, X64_R10, 0);
        x64_mov_ri(x, 8, X64_RAX, o->one ? 0x8000000000000000ull : 0);
        x64_mov_mr(x, 8, slot_mem(X64_R10, 0), X64_RAX);
        x64_mov_mi(x, 2, slot_mem(X64_R10, 8), o->one ? 0x3fff : 0);
        retag(x, 0);
        break;
    case X87_SIGN: /* the sign bit only; C1 cleared */
        x64_alu_ri(x, X64_AND, 4, X64_RDX, ~FPU_C1);
        slot_of(x, X64_R10, 0);
        if (o->one)
            x64_alu_mi(x, X64_AND, 2, slot_mem(X64_R10, 8), 0x7fff);
        else
            x64_alu_mi(x, X64_XOR, 2, slot_mem(X64_R10, 8), (int32_t)0xffff8000);
        retag(x, 0);
        break;
    }
}

/* After the operation: FSW, FTW, and FIP FCS FOP (FDP FDS) of the
 * instruction, as note_insn (cpu/fpu_exec.c). */
static void write_back(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int32_t sel = CPU_OFF(seg) + (int32_t)offsetof(struct seg_cache, sel);
    x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(fsw)), X64_RDX);
    x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(ftw)), X64_R8);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, FPU_OFF(fip)), (int32_t)g->eip);
    x64_movzx_rm(x, 4, 2, X64_RAX,
                 X64_MEM(X64_RBX, sel + SEG_CS * (int32_t)sizeof(struct seg_cache)));
    x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(fcs)), X64_RAX);
    x64_mov_mi(x, 2, X64_MEM(X64_RBX, FPU_OFF(fop)),
               (int32_t)(((in->opcode & 7) << 8) | in->modrm));
    if (in->is_mem) {
        x64_ea(g, in); /* again: X64_EA was scratch since (RAX and RCX are free here) */
        x64_mov_mr(x, 4, X64_MEM(X64_RBX, FPU_OFF(fdp)), X64_EA);
        x64_movzx_rm(x, 4, 2, X64_RAX,
                     X64_MEM(X64_RBX, sel + in->seg * (int32_t)sizeof(struct seg_cache)));
        x64_mov_mr(x, 2, X64_MEM(X64_RBX, FPU_OFF(fds)), X64_RAX);
    }
}

enum x64_native x64_native_x87(struct x64_gen *g, const struct insn *in)
{
    struct x87_op o;
    if (!decode(in, &o))
        return X64_NATIVE_NO;
    struct x64_buf *x = g->x;
    struct x87_cold cold = {.x = x};
    g->lf_dead = false; /* it may fault (through the cold stub) */
    if (in->is_mem) {
        x64_ea(g, in);
        int lin = x64_tlb_fast(g, in->seg, o.size,
                               o.kind == X87_STORE_MEM ? ACC_WRITE : ACC_READ, cold.site, &cold.n);
        x64_lea(x, 8, X64_RDI, X64_MEMX(X64_RAX, lin, 0, 0));
    }
    /* the state the native forms assume */
    x64_test_mi(x, 1, X64_MEM(X64_RBX, CPU_OFF(cr0)), CR0_EM | CR0_TS);
    to_cold(&cold, X64_CC_NE);
    x64_movzx_rm(x, 4, 2, X64_RAX, X64_MEM(X64_RBX, FPU_OFF(fcw)));
    x64_alu_ri(x, X64_AND, 4, X64_RAX, FPU_EXC);
    x64_alu_ri(x, X64_CMP, 4, X64_RAX, FPU_EXC);
    to_cold(&cold, X64_CC_NE);
    x64_movzx_rm(x, 4, 2, X64_RDX, X64_MEM(X64_RBX, FPU_OFF(fsw)));
    x64_test_ri(x, 4, X64_RDX, FPU_ES);
    to_cold(&cold, X64_CC_NE);
    x64_mov_rr(x, 4, X64_RCX, X64_RDX);
    x64_shift_ri(x, X64_SHR, 4, X64_RCX, FPU_TOP_SHIFT - 1);
    x64_alu_ri(x, X64_AND, 4, X64_RCX, 0xe);
    x64_movzx_rm(x, 4, 2, X64_R8, X64_MEM(X64_RBX, FPU_OFF(ftw)));
    x64_mov_rr(x, 4, X64_R9, X64_R8);
    x64_shift_rcl(x, X64_ROR, 2, X64_R9);
    switch (o.kind) {
    case X87_ARITH:
        need_tag(&cold, o.d, true);
        if (!in->is_mem)
            need_tag(&cold, o.s, true);
        break;
    case X87_LOAD_MEM:
    case X87_CONST:
        need_tag(&cold, 7, false);
        break;
    case X87_LOAD_REG:
        need_tag(&cold, o.s, true);
        need_tag(&cold, 7, false);
        break;
    case X87_XCHG:
    case X87_COMI:
        need_tag(&cold, o.s, true);
        need_tag(&cold, 0, true);
        break;
    default:
        need_tag(&cold, 0, true);
        break;
    }
    g->flags_valid = false;
    bool synced = g->x87_synced;
    operate(x, &o, in->is_mem, !synced);
    if (o.kind == X87_COMI)
        g->lf_known = X64_LF_UNKNOWN; /* cpu->lf holds eager flags now */
    write_back(g, in);
    x64_cold_access(g, cold.site, cold.n);
    if (g->ncold)
        g->cold[g->ncold - 1].x87 = true;
    g->pending++;
    /* the host's flags are the guest's subset after a host operation, and
     * stay so across the integer-only forms (and other native code) */
    g->x87_synced = synced || o.kind == X87_ARITH || o.kind == X87_SQRT ||
                    o.kind == X87_LOAD_MEM || o.kind == X87_STORE_MEM || o.kind == X87_COMI;
    return X64_NATIVE_OK;
}

#endif
