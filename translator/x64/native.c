/* Guest instructions emitted as host code: MOV (register, immediate,
 * memory, moffs), MOVZX/MOVSX, the ALU group, TEST, INC/DEC (r and r/m),
 * NOT/NEG r, IMUL Gv,Ev(,imm), shifts by a constant (and r32 by CL),
 * ROL/ROR by a constant, SETcc, CMOVcc, XCHG r,r, CBW/CWD, LEA, PUSH/POP r,
 * PUSH imm and r/m, LEAVE, fences, Jcc, JMP/CALL rel, RET and JMP/CALL r/m
 * (these two through the table of recent targets, gen.c). Anything else,
 * and any form not handled here, goes to the interpreter's handler
 * (translator/x64/gen.c).
 *
 * Rules kept here (translator/backend.h, cpu/exec.c):
 * - cpu->lf is written exactly as the interpreter writes it (cpu/alu.c),
 *   unless a later instruction overwrites it unread (gen.c, lf_overwritten);
 * - nothing architectural (register, lazy flags) is written before the
 *   instruction's last possible fault, so no snapshot is needed: a fault
 *   finds the start state in cpu->gpr and cpu_exception() snapshots it;
 * - only a memory access's inline TLB path is emitted here (plain RAM, no
 *   fault, no device); when it fails, a cold stub runs the whole
 *   instruction again through its handler (gen.h: X64_COLD_ACCESS), which
 *   this rule makes right.
 * Guest registers are read and written through the block's register cache
 * (regcache.c: RBP R13 R14 R15 R8 R9);
 * RAX RCX RDX RDI R10 R11 are host scratch and RSI (X64_EA) holds the
 * effective address. A call in a fast path keeps R8 and R9. */
#if defined(__x86_64__)

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "mmu/fastmem.h"
#include "mmu/tlb.h"
#include "translator/backend.h"
#include "translator/x64/gen.h"

/* Guest registers through the block's register cache (regcache.c). */
static void load_reg(struct x64_gen *g, int host, int r, int size)
{
    x64_rc_load(g, host, r, size);
}

static void store_reg(struct x64_gen *g, int r, int host, int size)
{
    x64_rc_store(g, r, host, size);
}

/* Where to compute a `size`-byte value for guest register r: its cache
 * register (32 bits), else `tmp`; store_reg() then only marks it. */
static int dest_reg(const struct x64_gen *g, int r, int size, int tmp)
{
    int h = size == 4 ? x64_rc_host(g, r) : -1;
    return h >= 0 ? h : tmp;
}

static uint32_t mask_of(int size)
{
    return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}

static struct x64_mem lf(int word) { return X64_MEM(X64_RBX, CPU_OFF(lf) + 4 * word); }

/* An operand of the lazy flags record: a host register or a constant. */
struct val {
    bool is_imm;
    int reg;
    uint32_t imm;
};
#define VREG(r) ((struct val){.is_imm = false, .reg = (r)})
#define VIMM(v) ((struct val){.is_imm = true, .imm = (v)})

static void put(struct x64_buf *x, struct x64_mem m, struct val v)
{
    if (v.is_imm)
        x64_mov_mi(x, 4, m, (int32_t)v.imm);
    else
        x64_mov_mr(x, 4, m, v.reg);
}

/* cpu_lf_set(kind, size, res, src1, src2) with the values already masked. */
/* The guest register whose cache register is host register `h`, or -1. */
static int cached_guest(const struct x64_gen *g, int h)
{
    for (int r = 0; r < 8; r++)
        if (x64_rc_host(g, r) == h)
            return r;
    return -1;
}

/* Record word k as `v` in g->lf_pend, if it can wait there: a constant, or
 * a cache register that the memory moves up to the overwriting
 * instruction leave alone. */
static bool pend_word(struct x64_gen *g, int k, struct val v)
{
    if (v.is_imm) {
        g->lf_pend.reg[k] = -1;
        g->lf_pend.imm[k] = v.imm;
    } else {
        int r = cached_guest(g, v.reg);
        if (!g->lf_side_free && (r < 0 || (g->lf_window_writes >> r) & 1))
            return false;
        g->lf_pend.reg[k] = (int8_t)v.reg;
    }
    g->lf_pend.words |= (uint8_t)(1u << k);
    return true;
}

/* The record as set_lf would store it, left to the ACCESS stubs of the
 * memory moves before the instruction that overwrites it (gen.h,
 * x64_lf_pend); false (nothing kept) where one of its words cannot wait. */
static bool pend_lf(struct x64_gen *g, uint32_t op, int kind, struct val res, struct val a,
                    struct val b)
{
    if (!g->lf_fault_dead && !g->lf_side)
        return false;
    g->lf_pend = (struct x64_lf_pend){.words = 0};
    bool ok = pend_word(g, 0, VIMM(op)) && pend_word(g, 1, res);
    if (ok && kind != LF_LOGIC) {
        if (kind != LF_ADD && kind != LF_SUB)
            ok = pend_word(g, 2, a);
        ok = ok && pend_word(g, 3, b);
    }
    g->lf_pend.valid = ok;
    if (ok)
        g->lf_pend_end = g->lf_window_end;
    return ok;
}

void x64_store_lf_pend(struct x64_gen *g, const struct x64_lf_pend *p)
{
    struct x64_buf *x = g->x;
    for (int k = 0; k < 4; k++) {
        if (!p->valid || !((p->words >> k) & 1))
            continue;
        struct val v = p->reg[k] < 0 ? VIMM(p->imm[k]) : VREG(p->reg[k]);
        if ((p->sub_words >> k) & 1) {
            if (v.is_imm)
                x64_mov_ri(x, 4, X64_RAX, v.imm);
            else
                x64_mov_rr(x, 4, X64_RAX, v.reg);
            if (p->sub_reg[k] < 0)
                x64_alu_ri(x, X64_SUB, 4, X64_RAX, (int32_t)p->sub_imm[k]);
            else
                x64_alu_rr(x, X64_SUB, 4, X64_RAX, p->sub_reg[k]);
            v = VREG(X64_RAX);
        }
        put(x, lf(k), v);
    }
}

/* CMP h, s2 (32 bits) whose record can wait (pend_lf's terms): its
 * result is h - s2, computed where the record is stored, so the fast path
 * only compares. */
static bool pend_cmp(struct x64_gen *g, int h, struct val s2)
{
    /* (x64_store_lf_pend computes the difference in RAX) */
    if (h == X64_RAX || (!s2.is_imm && s2.reg == X64_RAX) ||
        !pend_lf(g, LF_SUB | 4u << 8, LF_SUB, VREG(h), VREG(h), s2))
        return false;
    g->lf_pend.sub_words = 1u << 1; /* word 1, the result: h - s2 */
    g->lf_pend.sub_reg[1] = (int8_t)(s2.is_imm ? -1 : s2.reg);
    g->lf_pend.sub_imm[1] = s2.imm;
    return true;
}

static void set_lf(struct x64_gen *g, int kind, int size, struct val res, struct val a,
                   struct val b)
{
    if (g->lf_dead) {
        g->lf_known = X64_LF_UNKNOWN;
        return;
    }
    uint32_t op = (uint32_t)(kind | size << 8);
    if (pend_lf(g, op, kind, res, a, b)) {
        g->lf_known = X64_LF_UNKNOWN; /* (cpu->lf holds an older record) */
        return;
    }
    if (g->lf_known != op) /* (else an earlier instruction of the block stored it) */
        x64_mov_mi(g->x, 4, lf(0), (int32_t)op);
    g->lf_known = op;
    put(g->x, lf(1), res);
    if (kind == LF_LOGIC)
        return; /* only the result is ever read back (cpu/flags.c) */
    if (kind != LF_ADD && kind != LF_SUB) /* else src1 follows (cpu/flags.h, lf_src1) */
        put(g->x, lf(2), a);
    put(g->x, lf(3), b);
}

/* Host flags = the guest's from a record of `kind` and `size` bytes whose
 * operation, run again on the stored (masked) operands, gives every flag:
 * SUB/CMP, logic, ADD, INC/DEC (CF from eager); and SZP records (shifts,
 * IMUL) through POPF. False (nothing emitted) for any other kind.
 * Clobbers RAX. */
static bool redo_flags_op(struct x64_buf *x, unsigned kind, int size)
{
    /* src1 from res and src2 (cpu/flags.h, lf_src1); its low `size`
     * bytes are all the redone operation looks at */
    switch (kind) {
    case LF_SUB:
        x64_mov_rm(x, 4, X64_RAX, lf(1));
        x64_alu_rm(x, X64_ADD, 4, X64_RAX, lf(3));
        x64_alu_rm(x, X64_CMP, size, X64_RAX, lf(3));
        return true;
    case LF_LOGIC:
        x64_mov_rm(x, 4, X64_RAX, lf(1));
        x64_test_rr(x, size, X64_RAX, X64_RAX);
        return true;
    case LF_ADD:
        x64_mov_rm(x, 4, X64_RAX, lf(1));
        x64_alu_rm(x, X64_SUB, 4, X64_RAX, lf(3));
        x64_alu_rm(x, X64_ADD, size, X64_RAX, lf(3));
        return true;
    case LF_INC:
    case LF_DEC:
        /* CF from eager (bit 0), kept by the redone INC/DEC of src1 */
        x64_mov_rm(x, 4, X64_RAX, lf(4));
        x64_shift_ri(x, X64_SHR, 4, X64_RAX, 1);
        x64_mov_rm(x, 4, X64_RAX, lf(2));
        if (kind == LF_INC)
            x64_inc_r(x, size, X64_RAX);
        else
            x64_dec_r(x, size, X64_RAX);
        return true;
    case LF_SZP: {
        /* SF ZF PF of res, CF AF OF from eager (cpu/flags.c), through
         * POPF; eager's part waits below the stack (the red zone, past
         * the slot PUSHFQ writes) */
        struct x64_mem spare = X64_MEM(X64_RSP, -16);
        x64_mov_rm(x, 4, X64_RAX, lf(4));
        x64_alu_ri(x, X64_AND, 4, X64_RAX, (int32_t)(EF_CF | EF_AF | EF_OF));
        x64_mov_mr(x, 4, spare, X64_RAX);
        x64_mov_rm(x, 4, X64_RAX, lf(1));
        x64_test_rr(x, size, X64_RAX, X64_RAX);
        x64_pushf(x);
        x64_pop(x, X64_RAX);
        x64_alu_ri(x, X64_AND, 4, X64_RAX, (int32_t)(EF_SF | EF_ZF | EF_PF));
        x64_alu_rm(x, X64_OR, 4, X64_RAX, spare);
        x64_alu_ri(x, X64_OR, 4, X64_RAX, 2); /* EFLAGS bit 1 is always set */
        x64_push(x, X64_RAX);
        x64_popf(x);
        return true;
    }
    default:
        return false;
    }
}

/* Host flags = the guest's, from cpu->lf, whatever record it holds: inline
 * for the commonest (32-bit SUB/CMP, logic, ADD, INC/DEC and SZP, 8-bit
 * SUB/CMP and logic: redo_flags_op; eager flags, e.g. of FCOMI, through POPF), else
 * cpu_get_arith() through POPF (masked to the arithmetic flags: TF, DF, AC
 * stay clear). Clobbers RAX only. */
static void remat_flags_any(struct x64_gen *g)
{
    /* the commonest first; byte compares and tests follow string
     * instructions (CMPS, SCAS: handlers) */
    static const struct { unsigned kind, size; } inline_kinds[] = {
        {LF_SUB, 4}, {LF_LOGIC, 4}, {LF_ADD, 4}, {LF_DEC, 4}, {LF_INC, 4}, {LF_SZP, 4},
        {LF_SUB, 1}, {LF_LOGIC, 1},
    };
    enum { NK = sizeof inline_kinds / sizeof inline_kinds[0] };
    struct x64_buf *x = g->x;
    uint32_t done[NK];
    x64_mov_rm(x, 4, X64_RAX, lf(0));
    for (int k = 0; k < NK; k++) {
        unsigned kind = inline_kinds[k].kind, size = inline_kinds[k].size;
        x64_alu_ri(x, X64_CMP, 4, X64_RAX, (int32_t)(kind | size << 8));
        uint32_t other = x64_jcc8(x, X64_CC_NE);
        redo_flags_op(x, kind, (int)size);
        done[k] = x64_jmp32(x);
        x64_patch_rel8(x, other); /* EAX still holds the kind */
    }
    x64_test_rr(x, 4, X64_RAX, X64_RAX); /* LF_EAGER: the flags themselves */
    uint32_t not_eager = x64_jcc8(x, X64_CC_NE);
    x64_mov_rm(x, 4, X64_RAX, X64_MEM(X64_RBX, CPU_OFF(lf.eager)));
    uint32_t eager = x64_jmp8(x);
    x64_patch_rel8(x, not_eager);
    /* the call keeps what the fast path holds in scratch registers (an
     * even count of pushes keeps the stack aligned) */
    static const int keep[] = {X64_RCX, X64_RDX, X64_RSI, X64_RDI,
                               X64_R8, X64_R9, X64_R10, X64_R11};
    for (int k = 0; k < 8; k++)
        x64_push(x, keep[k]);
    x64_mov_rr(x, 8, X64_RDI, X64_RBX);
    x64_gen_call(g, (const void *)cpu_get_arith);
    for (int k = 7; k >= 0; k--)
        x64_pop(x, keep[k]);
    x64_patch_rel8(x, eager);
    x64_alu_ri(x, X64_AND, 4, X64_RAX, EF_ARITH);
    x64_alu_ri(x, X64_OR, 4, X64_RAX, 2); /* EFLAGS bit 1 is always set */
    x64_push(x, X64_RAX);
    x64_popf(x);
    for (int k = 0; k < NK; k++)
        x64_patch_rel32(x, done[k]);
    g->flags_valid = true;
}

/* The same where the block knows which record cpu->lf holds (g->lf_known):
 * only its operation, for SUB/CMP, logic and ADD of any size. */
static void remat_flags(struct x64_gen *g)
{
    int size = g->lf_known == X64_LF_UNKNOWN ? 0 : LF_SIZE(g->lf_known);
    if ((size != 1 && size != 2 && size != 4) ||
        !redo_flags_op(g->x, LF_KIND(g->lf_known), size)) {
        remat_flags_any(g);
        return;
    }
    g->flags_valid = true;
}

/* ---- memory operands ---- */

/* Forms with a memory operand handled here: 32-bit addressing only. */
static bool mem_ok(const struct insn *in) { return !in->is_mem || in->adsize == 4; }

void x64_ea(struct x64_gen *g, const struct insn *in) { x64_ea_to(g, in, X64_EA); }

void x64_ea_to(struct x64_gen *g, const struct insn *in, int dst)
{
    struct x64_buf *x = g->x;
    int base = X64_NOREG, index = X64_NOREG;
    if (in->ea_base != EA_NONE)
        base = x64_rc_src(g, in->ea_base, X64_RAX);
    if (in->ea_index != EA_NONE)
        index = x64_rc_src(g, in->ea_index, X64_RCX);
    if (base == X64_NOREG && index == X64_NOREG)
        x64_mov_ri(x, 4, dst, in->disp);
    else
        x64_lea(x, 4, dst, X64_MEMX(base, index, in->ea_scale, (int32_t)in->disp));
}

/* Before an instruction that may fault or reach a device. */
static void fallible(struct x64_gen *g)
{
    /* The block may end right after this one (exec_break: MMIO, a write to
     * cached code), before the next instruction rewrites the flags. */
    g->lf_dead = false;
}

/* The budget counts `pending` more instructions (flags clobbered; icount
 * follows from it, gen.h X64_ICOUNT_BASE). */
static void add_count(struct x64_gen *g, int32_t pending)
{
    if (!pending)
        return;
    x64_alu_ri(g->x, X64_SUB, 8, X64_BUDGET, pending);
}

/* #GP(0) for a branch target beyond CS.limit; `pending` = the count before
 * this instruction. */
static void raise_gp(struct x64_gen *g, int pending)
{
    struct x64_buf *x = g->x;
    x64_rc_sync(g); /* the registers as the instruction found them */
    add_count(g, pending);
    x64_count_before_call(x, X64_RAX);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(insn_eip)), (int32_t)g->eip);
    x64_mov_rr(x, 8, X64_RDI, X64_RBX);
    x64_mov_ri(x, 4, X64_RSI, EXC_GP);
    x64_mov_ri(x, 4, X64_RDX, 0);
    x64_gen_call(g, (const void *)cpu_exception);
    x64_ud2(x);
}

/* The inline soft-TLB path (mmu/tlb.h, cpu/access.c): for a segment with
 * a 4 GiB limit (and, in protected mode, a present data segment that is not
 * expand-down, writable for a write), an aligned access whose TLB tag for
 * this access kind and CPL matches is a host load/store at lin + addend.
 * Anything else (segment limit, misalignment, which also covers #AC and
 * page crossing, a miss, MMIO, ROM, code pages) jumps to the returned rel32
 * site, to be pointed at the cpu_read/cpu_write call. Uses R10, R11, RAX;
 * leaves RAX = the host address base (lin + addend - lin) and returns the
 * register holding lin: X64_EA itself for a flat segment, else R10. */
int x64_tlb_fast(struct x64_gen *g, int segno, int size, int acc, uint32_t *slow,
                    int *nslow)
{
    if (x64_win_fast(g, segno, size, acc))
        return X64_EA;
    return x64_tlb_inline(g, segno, size, acc, slow, nslow);
}

int32_t x64_tlb_table(const struct tr_block *b)
{
    int cpl = (b->mode >> 2) & 3;
    return CPU_OFF(tlb) + (int32_t)offsetof(struct tlb, e) +
           (cpl == 3 ? (int32_t)(TLB_SIZE * sizeof(struct tlb_entry)) : 0);
}

int32_t x64_tlb_index(struct x64_gen *g, int lin)
{
    struct x64_buf *x = g->x;
    /* R11 = the entry's offset: (lin >> 12) * 32, masked */
    _Static_assert(sizeof(struct tlb_entry) == 32, "TLB entry index is a shift by 5");
    x64_mov_rr(x, 4, X64_R11, lin);
    x64_shift_ri(x, X64_SHR, 4, X64_R11, 12 - 5);
    x64_alu_ri(x, X64_AND, 4, X64_R11, (int32_t)((TLB_SIZE - 1) << 5));
    return x64_tlb_table(g->b);
}

int x64_tlb_inline(struct x64_gen *g, int segno, int size, int acc, uint32_t *slow,
                   int *nslow)
{
    struct x64_buf *x = g->x;
    uint32_t mode = g->b->mode;
    int lin = X64_R10;
    bool prot = (mode >> 4) & 1, v86 = (mode >> 5) & 1;
    const struct seg_cache *sc = NULL;
    int32_t seg = CPU_OFF(seg) + (int32_t)(segno * sizeof *sc);
    if (x64_seg_flat(g->b, segno)) {
        /* base 0, limit 4 GiB, a present writable data segment for the
         * whole block (translator/block.h) */
        lin = X64_EA;
        goto linear;
    }
    x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, seg + (int32_t)offsetof(struct seg_cache, limit)),
               -1);
    slow[(*nslow)++] = x64_jcc32(x, X64_CC_NE);
    if (prot && !v86) {
        uint32_t m = DESC_P | 0x8 | 0x4 | (acc == ACC_WRITE ? 0x2 : 0);
        uint32_t want = DESC_P | (acc == ACC_WRITE ? 0x2 : 0);
        x64_mov_rm(x, 4, X64_R11, X64_MEM(X64_RBX, seg + (int32_t)offsetof(struct seg_cache, flags)));
        x64_alu_ri(x, X64_AND, 4, X64_R11, (int32_t)m);
        x64_alu_ri(x, X64_CMP, 4, X64_R11, (int32_t)want);
        slow[(*nslow)++] = x64_jcc32(x, X64_CC_NE);
    }
    x64_mov_rr(x, 4, X64_R10, X64_EA);
    x64_alu_rm(x, X64_ADD, 4, X64_R10,
               X64_MEM(X64_RBX, seg + (int32_t)offsetof(struct seg_cache, base)));
linear:;
    int32_t e = x64_tlb_index(g, lin);
    /* The page and the low address bits an aligned access has clear: a
     * misaligned one (which may cross the page, or owe #AC) never matches,
     * as tags have those bits clear too (TLB_INVALID and TLB_SLOW are
     * above them). */
    _Static_assert(TLB_INVALID > 7 && TLB_SLOW > 7, "tag flags clear of the alignment bits");
    x64_mov_rr(x, 4, X64_RAX, lin);
    x64_alu_ri(x, X64_AND, 4, X64_RAX, (int32_t)(TLB_PAGE_MASK | (uint32_t)(size - 1)));
    x64_alu_rm(x, X64_CMP, 4, X64_RAX,
               X64_MEMX(X64_RBX, X64_R11, 0,
                        e + (int32_t)offsetof(struct tlb_entry, tag) + 4 * acc));
    slow[(*nslow)++] = x64_jcc32(x, X64_CC_NE);
    x64_mov_rm(x, 8, X64_RAX,
               X64_MEMX(X64_RBX, X64_R11, 0, e + (int32_t)offsetof(struct tlb_entry, addend)));
    return lin;
}

/* The failed inline path's sites go to an ACCESS stub (gen.h) that runs
 * the instruction again through its handler. */
struct x64_cold *x64_cold_access(struct x64_gen *g, const uint32_t *slow, int nslow)
{
    struct x64_cold *c = x64_cold_new(g, X64_COLD_ACCESS);
    if (!c)
        return NULL; /* x->error: cannot happen (gen.h, X64_MAX_COLD) */
    for (int k = 0; k < nslow; k++)
        c->site[k] = slow[k];
    c->nsite = nslow;
    c->eip = g->eip;
    c->pending = g->pending;
    c->index = (uint8_t)g->i;
    c->open = true;
    /* (an instruction writes no register before its last access, so this
     * is what it found) */
    c->dirty = g->rc.dirty;
    c->fault_at = g->fm_at;
    c->fault_patch = g->fm_patch;
    c->lf = g->lf_pend;
    g->fm_at = g->fm_patch = X64_NO_SITE;
    c->run = g->x87;
    c->run_t_after = g->x87.t;
    if (g->win_tlb >= 0) { /* the page window's path to it (window.c) */
        g->cold[g->win_tlb].access = (int16_t)(c - g->cold);
        g->win_tlb = -1;
    }
    /* The run's last x87 instruction leaves after its handler: C1 is the
     * handler's, and the host's status word would not say it. */
    if (g->x87.open && g->i == g->x87.last)
        c->leave = true;
    return c;
}

/* Whether `seg`'s accesses go through the fastmem region. */
static bool in_region(const struct x64_gen *g, int seg)
{
    return (g->b->mode & TR_MODE_FAST) && x64_seg_flat(g->b, seg);
}

bool x64_fast_mem(struct x64_gen *g, int seg, struct x64_mem *m)
{
    if (!in_region(g, seg))
        return false;
    uintptr_t base = (uintptr_t)g->st->fastmem;
    g->fm_patch = g->x->pos;
    if (base <= INT32_MAX) {
        *m = X64_MEM(X64_EA, (int32_t)base);
    } else {
        x64_mov_ri(g->x, 8, X64_RAX, base);
        *m = X64_MEMX(X64_RAX, X64_EA, 0, 0);
    }
    return true;
}

/* The address of instruction `in`'s r/m operand for its accesses (rm_read,
 * rm_write...): in X64_EA (x64_ea), or, where they go through the
 * fastmem region below 2 GiB and the operand is [base + disp] or [disp]
 * with a small displacement, nothing: each access is then [base's
 * register + region + disp] (g->fold_in). A 32-bit sum that wraps lands
 * in the region's guards (mmu/fastmem.h, FASTMEM_FOLD) and faults; the
 * ACCESS stub's handler wraps it as the guest does. */
static void rm_ea(struct x64_gen *g, const struct insn *in)
{
    uintptr_t region = (uintptr_t)g->st->fastmem;
    int32_t disp = (int32_t)in->disp;
    g->fold_in = NULL;
    if (in_region(g, in->seg) && in->adsize == 4 && in->ea_index == EA_NONE &&
        region <= INT32_MAX - FASTMEM_FOLD) {
        if (in->ea_base != EA_NONE && disp > -(int32_t)FASTMEM_FOLD &&
            disp < (int32_t)FASTMEM_FOLD) {
            g->fold_reg = x64_rc_src(g, in->ea_base, X64_EA);
            g->fold_disp = (int32_t)region + disp;
            g->fold_in = in;
            return;
        }
        if (in->ea_base == EA_NONE && in->disp <= INT32_MAX - region) {
            g->fold_reg = X64_NOREG;
            g->fold_disp = (int32_t)(region + in->disp);
            g->fold_in = in;
            return;
        }
    }
    x64_ea(g, in);
}

/* The operand of an access the caller emits right after this (of `rm`'s
 * r/m operand after rm_ea, or at seg:X64_EA when `rm` is NULL): through
 * the fastmem region (x64_fast_mem; the access itself, at least 6 bytes,
 * is then the check, and what a site that keeps faulting has patched into
 * a jump), else as x64_tlb_fast ([RAX + the linear address's register]). */
static struct x64_mem mem_fast(struct x64_gen *g, const struct insn *rm, int seg, int size,
                               int acc, uint32_t *slow, int *nslow)
{
    struct x64_mem m;
    if (rm && g->fold_in == rm) {
        g->fm_patch = g->fm_at = g->x->pos;
        return X64_MEM(g->fold_reg, g->fold_disp);
    }
    if (x64_fast_mem(g, seg, &m)) {
        g->fm_at = g->x->pos;
        return m;
    }
    int lin = x64_tlb_fast(g, seg, size, acc, slow, nslow);
    return X64_MEMX(X64_RAX, lin, 0, 0);
}

/* `dst` (EAX for mem_read) = the `size`-byte value at seg:X64_EA, or at
 * `rm`'s r/m operand (rm_ea). */
static void mem_read_to(struct x64_gen *g, const struct insn *rm, int seg, int size, int dst)
{
    struct x64_buf *x = g->x;
    uint32_t slow[4];
    int nslow = 0;
    struct x64_mem host = mem_fast(g, rm, seg, size, ACC_READ, slow, &nslow);
    if (size == 4)
        x64_mov_rm(x, 4, dst, host);
    else
        x64_movzx_rm(x, 4, size, dst, host);
    g->flags_valid = false;
    x64_cold_access(g, slow, nslow);
}

/* Write the value in a host register (or a constant) to seg:X64_EA, or to
 * `rm`'s r/m operand (rm_ea). */
static void mem_write(struct x64_gen *g, const struct insn *rm, int seg, int size, struct val v)
{
    struct x64_buf *x = g->x;
    int src = X64_RCX;
    if (v.is_imm)
        x64_mov_ri(x, 4, X64_RCX, v.imm & mask_of(size));
    else if (v.reg == X64_RAX || v.reg == X64_R10 || v.reg == X64_R11 || v.reg == X64_EA)
        x64_mov_rr(x, 4, X64_RCX, v.reg); /* the inline path's own registers */
    else
        src = v.reg;
    uint32_t slow[4];
    int nslow = 0;
    x64_mov_mr(x, size, mem_fast(g, rm, seg, size, ACC_WRITE, slow, &nslow), src);
    g->flags_valid = false;
    x64_cold_access(g, slow, nslow);
}

/* The r/m operand of `in` (after rm_ea) and the stack (SS:X64_EA). */
static void rm_read_to(struct x64_gen *g, const struct insn *in, int size, int dst)
{
    mem_read_to(g, in, in->seg, size, dst);
}
static void rm_read(struct x64_gen *g, const struct insn *in, int size)
{
    mem_read_to(g, in, in->seg, size, X64_RAX);
}
static void rm_write(struct x64_gen *g, const struct insn *in, int size, struct val v)
{
    mem_write(g, in, in->seg, size, v);
}
static void stack_read_to(struct x64_gen *g, int size, int dst)
{
    mem_read_to(g, NULL, SEG_SS, size, dst);
}
static void stack_write(struct x64_gen *g, int size, struct val v)
{
    mem_write(g, NULL, SEG_SS, size, v);
}

/* After a memory instruction: count it. (Nothing on the inline path can
 * have asked the run loop to look: the cold stub sees to that.) */
static void after_mem(struct x64_gen *g) { g->pending++; }

struct x64_cold *x64_cold_new(struct x64_gen *g, enum x64_cold_kind kind)
{
    if (g->ncold >= X64_MAX_COLD) {
        g->x->error = true;
        return NULL;
    }
    struct x64_cold *c = &g->cold[g->ncold++];
    *c = (struct x64_cold){.kind = (uint8_t)kind};
    return c;
}

void x64_cold_close(struct x64_gen *g, bool ended)
{
    for (int i = 0; i < g->ncold; i++) {
        struct x64_cold *c = &g->cold[i];
        if (!c->open)
            continue;
        c->open = false;
        c->cont = ended || c->leave ? X64_NO_SITE : g->x->pos;
        c->flags = g->flags_valid;
        c->loaded = g->rc.loaded;
    }
}

/* An ACCESS stub: the instruction again, through its handler. */
static void cold_rerun(struct x64_gen *g, const struct x64_cold *c)
{
    struct x64_buf *x = g->x;
    const struct insn *in = &g->b->insn[c->index];
    uint32_t next = c->index == g->b->n - 1 ? g->b->end_eip : c->eip + in->len;
    add_count(g, c->pending); /* exact for a fault */
    x64_rc_emit_stores(g, c->dirty);
    x64_store_lf_pend(g, &c->lf);
    if (c->run.open)
        x64_x87_spill(g, &c->run);
    x64_count_before_call(x, X64_RAX);
    if (!((g->b->clean >> c->index) & 1))
        x64_call_abs(x, g->st->snapshot, X64_RAX);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(insn_eip)), (int32_t)c->eip);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)next);
    x64_mov_rr(x, 8, X64_RDI, X64_RBX);
    x64_mov_ri(x, 8, X64_RSI, (uint64_t)(uintptr_t)in);
    x64_call_abs(x, (const void *)in->handler, X64_RAX);
    x64_count_after_call(x);
    add_count(g, 1);
    if (c->cont == X64_NO_SITE) {
        x64_gen_jmp_stop(g);
        return;
    }
    x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)next);
    uint32_t s1 = x64_jcc32(x, X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 1, X64_MEM(X64_RBX, CPU_OFF(exec_break)), 0);
    uint32_t s2 = x64_jcc32(x, X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(pending_dr6)), 0);
    uint32_t s3 = x64_jcc32(x, X64_CC_NE);
    add_count(g, -(c->pending + 1)); /* the fast path counts them later */
    x64_rc_emit_loads(g, c->loaded);
    if (c->flags)
        remat_flags_any(g); /* (g->lf_known is the block end's, not cont's) */
    if (c->run.open) {
        if (c->flags)
            x64_pushf(x);
        x64_x87_reload(g, &c->run, c->run_t_after);
        if (c->flags)
            x64_popf(x);
    }
    x64_jmp_to(x, c->cont);
    uint32_t leave[3] = {s1, s2, s3};
    for (int k = 0; k < 3; k++) {
        if (g->nstop < X64_MAX_EXITS)
            g->stop[g->nstop++] = leave[k];
        else
            x->error = true;
    }
}

void x64_gen_cold(struct x64_gen *g)
{
    struct x64_buf *x = g->x;
    for (int i = 0; i < g->ncold; i++) {
        struct x64_cold *c = &g->cold[i];
        for (int k = 0; k < c->nsite; k++)
            x64_patch_rel32(x, c->site[k]);
        if (c->kind == X64_COLD_ACCESS) {
            if (c->fault_at != X64_NO_SITE)
                g->slots->fault[g->slots->nfault++] =
                    (struct x64_fault){.at = c->fault_at, .patch = c->fault_patch, .stub = x->pos};
            cold_rerun(g, c);
            continue;
        }
        if (c->kind == X64_COLD_TLB) {
            x64_win_cold(g, c);
            continue;
        }
        if (c->kind == X64_COLD_SIDE) {
            x64_gen_side_exit(g, c);
            continue;
        }
        add_count(g, c->pending); /* LEAVE: at the EIP the handler left */
        x64_gen_jmp_stop(g);
    }
    g->ncold = 0;
}

/* ---- the ALU ---- */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static int lf_kind(int op)
{
    switch (op) {
    case ALU_ADD: return LF_ADD;
    case ALU_ADC: return LF_ADC;
    case ALU_SBB: return LF_SBB;
    case ALU_OR: case ALU_AND: case ALU_XOR: return LF_LOGIC;
    default: return LF_SUB;
    }
}

/* ADC/SBB read the guest's CF from the host's: make it valid. */
static void carry_in(struct x64_gen *g, int op)
{
    if ((op == ALU_ADC || op == ALU_SBB) && !g->flags_valid)
        remat_flags(g);
}
/* EDX = EAX op ECX at `size` (host flags = guest flags); TEST is AND. */
static void alu_core(struct x64_gen *g, int op, int size)
{
    struct x64_buf *x = g->x;
    x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    /* CMP as SUB: same flags, and the result is what lf.res records. */
    x64_alu_rr(x, (enum x64_alu)(op == ALU_CMP ? ALU_SUB : op), size, X64_RDX, X64_RCX);
}

/* A 32-bit `op d, src` on guest register `d`, computed in place: in its
 * cache register, or, outside the cache, in EDX loaded from cpu->gpr (for
 * ADD, SUB/CMP, logic and an operand that is not in a host register);
 * when the lazy record needs no src1 (ADD, SUB/CMP, logic: cpu/flags.h,
 * lf_src1) or is dead. False (nothing emitted) otherwise. `src` is a
 * constant, a guest register, or with `host_src` a host register holding
 * the operand (RCX: a load). */
static bool alu_r32(struct x64_gen *g, int op, int kind, int d, struct val src, bool host_src,
                    bool writes)
{
    struct x64_buf *x = g->x;
    bool live = !g->lf_dead;
    bool plain = kind == LF_ADD || kind == LF_SUB || kind == LF_LOGIC;
    bool cached = x64_rc_host(g, d) >= 0;
    if ((live && !plain) || (!cached && (!plain || host_src)))
        return false;
    /* op d, d in a cache register: the record's src2 (the operand) would
     * be the result, so a copy of it (outside the cache src2 is its own
     * load) */
    bool self = cached && live && writes && !src.is_imm && !host_src && src.reg == d &&
                kind != LF_LOGIC;
    carry_in(g, op);
    int h = X64_RDX;
    if (cached)
        h = x64_rc_src(g, d, X64_RAX);
    else
        load_reg(g, X64_RDX, d, 4);
    struct val s2 = src.is_imm || host_src ? src : VREG(x64_rc_src(g, src.reg, X64_RCX));
    if (self) {
        x64_mov_rr(x, 4, X64_RCX, h);
        s2 = VREG(X64_RCX);
    }
    /* TEST r, r: the record's result is r itself */
    bool test_self = !writes && op == ALU_AND && !s2.is_imm && s2.reg == h;
    if (!writes && live &&
        (op == ALU_CMP ? pend_cmp(g, h, s2)
                       : test_self && pend_lf(g, LF_LOGIC | 4u << 8, LF_LOGIC, s2, s2, s2))) {
        if (test_self)
            x64_test_rr(x, 4, h, h);
        else if (s2.is_imm)
            x64_alu_ri(x, X64_CMP, 4, h, (int32_t)s2.imm);
        else
            x64_alu_rr(x, X64_CMP, 4, h, s2.reg);
        g->lf_known = X64_LF_UNKNOWN; /* (cpu->lf holds an older record) */
        g->flags_valid = true;
        g->pending++;
        return true;
    }
    int res = h;
    enum x64_alu hop = (enum x64_alu)op; /* (TEST came as AND) */
    if (!writes && live) { /* CMP, TEST: the result for the record only */
        if (h != X64_RDX)
            x64_mov_rr(x, 4, X64_RDX, h);
        res = X64_RDX;
        if (op == ALU_CMP)
            hop = X64_SUB;
    }
    if (!writes && !live && op == ALU_AND) {
        if (s2.is_imm)
            x64_test_ri(x, 4, h, (int32_t)s2.imm);
        else
            x64_test_rr(x, 4, h, s2.reg);
    } else if (s2.is_imm) {
        x64_alu_ri(x, hop, 4, res, (int32_t)s2.imm);
    } else {
        x64_alu_rr(x, hop, 4, res, s2.reg);
    }
    if (writes && cached)
        x64_rc_written(g, d);
    else if (writes)
        store_reg(g, d, X64_RDX, 4);
    set_lf(g, kind, 4, VREG(res), VREG(res), kind == LF_LOGIC ? VIMM(0) : s2);
    g->flags_valid = true;
    g->pending++;
    return true;
}

/* op dst, src where dst is r/m (ModRM) or a register; `src` the source
 * operand: a guest register (is_imm false: reg = guest number) or constant. */
static bool alu(struct x64_gen *g, const struct insn *in, int op, int size, bool dst_rm,
                int dst_reg, struct val src, bool test)
{
    struct x64_buf *x = g->x;
    uint32_t m = mask_of(size);
    bool mem = in->is_mem;
    int kind = test ? LF_LOGIC : lf_kind(op);
    if (test)
        op = ALU_AND;
    bool writes = !test && op != ALU_CMP;
    if (!mem && size == 4 &&
        alu_r32(g, op, kind, dst_rm ? in->rm : dst_reg, src, false, writes))
        return true;
    if (!mem) {
        /* dst and src are registers or a constant: nothing can fault. */
        carry_in(g, op);
        load_reg(g, X64_RAX, dst_rm ? in->rm : dst_reg, size);
        if (src.is_imm)
            x64_mov_ri(x, 4, X64_RCX, src.imm & m);
        else
            load_reg(g, X64_RCX, src.reg, size);
        alu_core(g, op, size);
        if (writes)
            store_reg(g, dst_rm ? in->rm : dst_reg, X64_RDX, size);
        if (test)
            set_lf(g, kind, size, VREG(X64_RDX), VREG(X64_RDX), VIMM(0));
        else
            set_lf(g, kind, size, VREG(X64_RDX), VREG(X64_RAX), VREG(X64_RCX));
        g->flags_valid = true;
        g->pending++;
        return true;
    }
    fallible(g);
    rm_ea(g, in);
    if (!dst_rm) {
        /* reg = reg op [mem] */
        rm_read_to(g, in, size, X64_RCX);
        if (size == 4 && alu_r32(g, op, kind, dst_reg, VREG(X64_RCX), true, writes))
            return true; /* (its count is after_mem's) */
        if (op == ALU_ADC || op == ALU_SBB) { /* (carry_in's call keeps RDX) */
            x64_mov_rr(x, 4, X64_RDX, X64_RCX);
            carry_in(g, op);
            x64_mov_rr(x, 4, X64_RCX, X64_RDX);
        }
        load_reg(g, X64_RAX, dst_reg, size);
        alu_core(g, op, size);
        if (writes)
            store_reg(g, dst_reg, X64_RDX, size);
        set_lf(g, kind, size, VREG(X64_RDX), VREG(X64_RAX), VREG(X64_RCX));
        g->flags_valid = true;
        after_mem(g);
        return true;
    }
    if (!writes) {
        /* CMP, TEST [mem], src: the operation on the value loaded into
         * EDX, which holds the record's result (as alu_core's) */
        rm_read_to(g, in, size, X64_RDX);
        struct val s2 = VIMM(src.imm & m);
        if (!src.is_imm && size == 4) {
            s2 = VREG(x64_rc_src(g, src.reg, X64_RCX));
        } else if (!src.is_imm) {
            load_reg(g, X64_RCX, src.reg, size);
            s2 = VREG(X64_RCX);
        }
        enum x64_alu hop = op == ALU_CMP ? X64_SUB : X64_AND;
        if (s2.is_imm)
            x64_alu_ri(x, hop, size, X64_RDX, (int32_t)s2.imm);
        else
            x64_alu_rr(x, hop, size, X64_RDX, s2.reg);
        set_lf(g, kind, size, VREG(X64_RDX), VREG(X64_RDX), test ? VIMM(0) : s2);
        g->flags_valid = true;
        after_mem(g);
        return true;
    }
    /* [mem] = [mem] op src: read, compute, write, then the flags. */
    rm_read(g, in, size);
    x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    carry_in(g, op);
    if (src.is_imm)
        x64_mov_ri(x, 4, X64_RCX, src.imm & m);
    else
        load_reg(g, X64_RCX, src.reg, size);
    x64_mov_rr(x, 4, X64_RAX, X64_RDX);
    alu_core(g, op, size);
    /* the write keeps RCX (the result), RDX and RDI */
    x64_mov_rr(x, 4, X64_RDI, X64_RAX);
    x64_mov_rr(x, 4, X64_RAX, X64_RCX);
    x64_mov_rr(x, 4, X64_RCX, X64_RDX);
    x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    rm_write(g, in, size, VREG(X64_RCX));
    set_lf(g, kind, size, VREG(X64_RCX), VREG(X64_RDI), VREG(X64_RDX));
    after_mem(g);
    return true;
}

/* ---- moves ---- */

/* MOV r/m <- value of guest register `r` or a constant. */
static bool mov_to_rm(struct x64_gen *g, const struct insn *in, int size, struct val src)
{
    struct x64_buf *x = g->x;
    if (!in->is_mem) {
        int d = dest_reg(g, in->rm, size, X64_RAX);
        if (src.is_imm)
            x64_mov_ri(x, 4, d, src.imm & mask_of(size));
        else
            load_reg(g, d, src.reg, size);
        store_reg(g, in->rm, d, size);
        g->pending++;
        return true;
    }
    fallible(g);
    rm_ea(g, in);
    if (!src.is_imm && size == 4) {
        src = VREG(x64_rc_src(g, src.reg, X64_RCX));
    } else if (!src.is_imm) {
        load_reg(g, X64_RCX, src.reg, size);
        src = VREG(X64_RCX);
    }
    rm_write(g, in, size, src);
    after_mem(g);
    return true;
}

/* MOV reg <- r/m. */
static bool mov_from_rm(struct x64_gen *g, const struct insn *in, int size)
{
    int d = dest_reg(g, in->reg, size, X64_RAX);
    if (!in->is_mem) {
        load_reg(g, d, in->rm, size);
        store_reg(g, in->reg, d, size);
        g->pending++;
        return true;
    }
    fallible(g);
    rm_ea(g, in);
    rm_read_to(g, in, size, d);
    store_reg(g, in->reg, d, size);
    after_mem(g);
    return true;
}

/* ---- INC/DEC r16/r32 (40-4F): CF is kept in lf.eager ---- */

/* Host CF = guest CF and `host` = it (0/1), as INC/DEC keep it. */
static void cf_into(struct x64_gen *g, int host)
{
    struct x64_buf *x = g->x;
    if (!g->flags_valid)
        remat_flags(g);
    x64_setcc(x, X64_CC_B, host);
    x64_movzx_rr(x, 4, 1, host, host);
}

static bool incdec_reg(struct x64_gen *g, int r, int size, bool dec)
{
    struct x64_buf *x = g->x;
    bool cached = size == 4 && x64_rc_host(g, r) >= 0;
    if (cached && g->lf_dead) {
        /* nothing reads the flags, CF among them: in place */
        int h = x64_rc_src(g, r, X64_RAX);
        if (dec)
            x64_dec_r(x, 4, h);
        else
            x64_inc_r(x, 4, h);
        x64_rc_written(g, r);
        g->lf_known = X64_LF_UNKNOWN;
        g->flags_valid = false; /* (the host's CF is not the guest's) */
        g->pending++;
        return true;
    }
    cf_into(g, X64_RCX);
    int res = X64_RDX;
    if (cached) {
        res = x64_rc_src(g, r, X64_RAX);
        x64_mov_rr(x, 4, X64_RAX, res);
    } else {
        load_reg(g, X64_RAX, r, size);
        x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    }
    if (dec)
        x64_dec_r(x, size, res);
    else
        x64_inc_r(x, size, res);
    store_reg(g, r, res, size);
    x64_mov_mr(x, 4, lf(4), X64_RCX); /* eager = CF (EF_CF is bit 0), even when dead */
    set_lf(g, dec ? LF_DEC : LF_INC, size, VREG(res), VREG(X64_RAX), VIMM(1));
    g->flags_valid = true;
    g->pending++;
    return true;
}

static bool incdec(struct x64_gen *g, const struct insn *in)
{
    return incdec_reg(g, in->opcode & 7, in->opsize, in->opcode >= 0x48);
}

/* FE/FF /0 /1: INC/DEC r/m; memory: read, write, then the flags. */
static bool incdec_rm(struct x64_gen *g, const struct insn *in, int size, bool dec)
{
    struct x64_buf *x = g->x;
    if (!in->is_mem)
        return incdec_reg(g, in->rm, size, dec);
    fallible(g);
    cf_into(g, X64_RDI);
    rm_ea(g, in);
    rm_read(g, in, size);
    x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    x64_mov_rr(x, 4, X64_RCX, X64_RAX);
    if (dec)
        x64_dec_r(x, size, X64_RCX);
    else
        x64_inc_r(x, size, X64_RCX);
    rm_write(g, in, size, VREG(X64_RCX)); /* (RCX, RDX and RDI kept) */
    x64_mov_mr(x, 4, lf(4), X64_RDI);
    set_lf(g, dec ? LF_DEC : LF_INC, size, VREG(X64_RCX), VREG(X64_RDX), VIMM(1));
    g->flags_valid = false;
    after_mem(g);
    return true;
}

/* ---- LEA ---- */

static bool lea(struct x64_gen *g, const struct insn *in)
{
    int d = dest_reg(g, in->reg, in->opsize, X64_EA);
    x64_ea_to(g, in, d);
    store_reg(g, in->reg, d, in->opsize);
    g->pending++;
    return true;
}

/* ---- Jcc / JMP rel ---- */

static uint32_t branch_target(const struct x64_gen *g, const struct insn *in, bool *ok)
{
    uint32_t t = tr_branch_target(in, g->next);
    *ok = t <= g->b->cs_limit; /* else #GP: the handler raises it */
    return t;
}

static void goto_eip(struct x64_gen *g, uint32_t eip)
{
    int slot = eip == g->b->end_eip ? TR_SLOT_FALL : TR_SLOT_TAKEN;
    g->slot_eip[slot] = eip; /* the slot's stub stores it when it leaves */
    g->slot_known[slot] = true;
    x64_gen_jmp_slot(g, slot);
}

/* The block's last instruction, a Jcc back to its start (gen.h,
 * loop_head): taken, round again in place; else, or with too little
 * budget left, out through the slots. */
static enum x64_native jcc_loop(struct x64_gen *g, int cc)
{
    struct x64_buf *x = g->x;
    if (!g->flags_valid)
        remat_flags(g);
    g->pending++;
    uint32_t not_taken = x64_jcc32(x, (enum x64_cc)(cc ^ 1));
    uint32_t short_budget = x64_gen_loop_back(g);
    x64_patch_rel32(x, not_taken);
    uint8_t dirty = g->rc.dirty;
    int pending = g->pending;
    x64_rc_sync(g);
    x64_gen_flush_dead(g);
    goto_eip(g, g->b->end_eip);
    x64_patch_rel32(x, short_budget);
    x64_rc_emit_stores(g, dirty);
    g->pending = pending;
    x64_gen_flush_dead(g);
    goto_eip(g, g->b->eip);
    return X64_NATIVE_ENDED;
}

static enum x64_native jcc(struct x64_gen *g, const struct insn *in, int cc)
{
    struct x64_buf *x = g->x;
    bool ok;
    uint32_t target = branch_target(g, in, &ok);
    if (!ok)
        return X64_NATIVE_NO;
    if (target == g->b->eip && g->loop_head != X64_NO_SITE)
        return jcc_loop(g, cc);
    x64_rc_sync(g); /* (stores: the flags kept) */
    if (!g->flags_valid)
        remat_flags(g);
    g->pending++;
    if (!g->pending && target != g->b->end_eip) {
        /* Nothing to count on either path: the Jcc itself jumps to the
         * taken slot's stub (and, chained, to the successor: gen.h,
         * x64_slots.direct), the not-taken path to the other's. */
        g->flags_valid = false;
        g->slot_eip[TR_SLOT_TAKEN] = target;
        g->slot_known[TR_SLOT_TAKEN] = true;
        x64_gen_jcc_slot(g, cc, TR_SLOT_TAKEN);
        goto_eip(g, g->b->end_eip);
        return X64_NATIVE_ENDED;
    }
    uint32_t taken = x64_jcc32(x, (enum x64_cc)cc);
    int pending = g->pending;
    x64_gen_flush_dead(g);
    goto_eip(g, g->b->end_eip);
    x64_patch_rel32(x, taken);
    g->pending = pending;
    x64_gen_flush_dead(g);
    goto_eip(g, target);
    return X64_NATIVE_ENDED;
}

/* A Jcc the block goes on past (block.h, side exits): taken, it leaves
 * through a SIDE cold stub; not taken, the fast path goes on with the
 * register cache, the pending count and the host flags as they are. */
static enum x64_native side_jcc(struct x64_gen *g, const struct insn *in, int cc)
{
    bool ok;
    uint32_t target = branch_target(g, in, &ok);
    if (!ok || g->x87.open)
        return X64_NATIVE_NO; /* (#GP when taken: the handler raises it) */
    g->pending++;
    if (target == g->next)
        return X64_NATIVE_OK; /* the same way either way */
    if (g->nside >= TR_SIDE_MAX) {
        g->x->error = true; /* cannot happen: block.c goes past that many only */
        return X64_NATIVE_OK;
    }
    if (!g->flags_valid) {
        x64_store_lf_pend(g, &g->lf_pend); /* (remat_flags reads cpu->lf) */
        g->lf_pend.valid = false;
        remat_flags(g);
    }
    struct x64_cold *c = x64_cold_new(g, X64_COLD_SIDE);
    if (!c)
        return X64_NATIVE_OK; /* x->error */
    if (target == g->b->eip && g->loop_head != X64_NO_SITE) {
        /* back to the start: round again in place, the exit only when the
         * budget is short */
        uint32_t not_taken = x64_jcc32(g->x, (enum x64_cc)(cc ^ 1));
        c->site[c->nsite++] = x64_gen_loop_back(g);
        x64_patch_rel32(g->x, not_taken);
    } else {
        c->site[c->nsite++] = x64_jcc32(g->x, (enum x64_cc)cc);
    }
    c->slot = (uint8_t)(TR_SLOT_SIDE0 + g->nside++);
    c->pending = g->pending;
    c->dirty = g->rc.dirty;
    c->lf = g->lf_pend;
    g->slot_eip[c->slot] = target;
    g->slot_known[c->slot] = true;
    return X64_NATIVE_OK;
}

static enum x64_native jmp_rel(struct x64_gen *g, const struct insn *in)
{
    bool ok;
    uint32_t target = branch_target(g, in, &ok);
    if (!ok)
        return X64_NATIVE_NO;
    g->pending++;
    if (target == g->b->eip && g->loop_head != X64_NO_SITE)
        x64_patch_rel32(g->x, x64_gen_loop_back(g)); /* (short of budget: out) */
    x64_rc_sync(g);
    x64_gen_flush_dead(g);
    goto_eip(g, target);
    return X64_NATIVE_ENDED;
}

/* ---- SHL/SHR/SAR r by a constant (C0 C1 D0 D1) and r32 by CL (D3):
 * cpu/shift.c's flags ---- */

/* After EDX = EAX shifted (zero-extended, `size` bytes) and EDI = CF: the
 * lazy flags of cpu_lf_set_szp. OF (SDM's one-step formula at every count,
 * see cpu/shift.c): SHL: CF ^ MSB(result); SHR: MSB(operand) for a count
 * of 1 (R10D = 1 when it is, or `one` when known), else 0; SAR: 0. */
static void shift_lf(struct x64_gen *g, int op, int size, int one)
{
    struct x64_buf *x = g->x;
    int top = size * 8 - 1;
    if (op == X64_SHL || op == X64_SAL || (op == X64_SHR && one)) {
        x64_mov_rr(x, 4, X64_RSI, op == X64_SHR ? X64_RAX : X64_RDX);
        x64_shift_ri(x, X64_SHR, 4, X64_RSI, (uint8_t)top);
        x64_alu_ri(x, X64_AND, 4, X64_RSI, 1);
        if (op != X64_SHR)
            x64_alu_rr(x, X64_XOR, 4, X64_RSI, X64_RDI);
        else if (one < 0)
            x64_alu_rr(x, X64_AND, 4, X64_RSI, X64_R10);
        x64_shift_ri(x, X64_SHL, 4, X64_RSI, 11);
        x64_alu_rr(x, X64_OR, 4, X64_RDI, X64_RSI);
    }
    /* cpu_lf_set_szp: op, res and eager (src1/src2 untouched). */
    x64_mov_mi(x, 4, lf(0), LF_SZP | size << 8);
    x64_mov_mr(x, 4, lf(1), X64_RDX);
    x64_mov_mr(x, 4, lf(4), X64_RDI);
    g->lf_known = X64_LF_UNKNOWN; /* (a kind remat_flags has no inline case for) */
}

static bool shift_imm(struct x64_gen *g, const struct insn *in, int size)
{
    struct x64_buf *x = g->x;
    unsigned count = (in->opcode & 0xf0) == 0xd0 ? 1 : in->imm & 0x1f;
    int op = in->reg;
    /* 8/16 bits: counts of the width or more have cpu/shift.c's own CF */
    if (in->is_mem || count == 0 || count >= (unsigned)size * 8 || op < X64_SHL)
        return false;
    enum x64_shift hop = op == X64_SAL ? X64_SHL : (enum x64_shift)op;
    /* A shift record (cpu/flags.h, LF_SHL...) only where a later
     * instruction of the block overwrites it before anything may read the
     * flags from the host's (remat_flags rebuilds those from an SZP record
     * inline, from a shift record only through C; memory moves between may
     * fault, but the handler that then runs reads the flags through C).
     * Else, and at the block's end (the next block may start with a
     * reader: Jcc, INC...), SZP. */
    if (!g->lf_dead && !g->lf_fault_dead) {
        /* the flags eagerly, in an SZP record */
        load_reg(g, X64_RAX, in->rm, size);
        x64_mov_rr(x, 4, X64_RDX, X64_RAX);
        x64_shift_ri(x, hop, size, X64_RDX, (uint8_t)count);
        x64_setcc(x, X64_CC_B, X64_RDI); /* CF: the last bit shifted out */
        x64_movzx_rr(x, 4, 1, X64_RDI, X64_RDI);
        store_reg(g, in->rm, X64_RDX, size);
        shift_lf(g, op, size, count == 1);
        g->flags_valid = false; /* the host's OF/AF need not be the guest's */
        g->pending++;
        return true;
    }
    /* else a shift record (cpu/flags.h, LF_SHL...) */
    int kind = hop == X64_SHL ? LF_SHL : hop == X64_SHR ? LF_SHR : LF_SAR;
    /* in place in a cached register; the operand in EAX for the record */
    int res = X64_RDX;
    if (size == 4 && x64_rc_host(g, in->rm) >= 0) {
        res = x64_rc_src(g, in->rm, X64_RAX);
        if (!g->lf_dead)
            x64_mov_rr(x, 4, X64_RAX, res);
    } else {
        load_reg(g, X64_RAX, in->rm, size);
        x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    }
    x64_shift_ri(x, hop, size, res, (uint8_t)count);
    store_reg(g, in->rm, res, size);
    set_lf(g, kind, size, VREG(res), VREG(X64_RAX), VIMM(count));
    g->flags_valid = false; /* the host's OF/AF need not be the guest's */
    g->pending++;
    return true;
}

/* ROL/ROR r by a constant below the width: CF and OF only (cpu/shift.c:
 * ROL: CF = LSB, OF = MSB ^ CF; ROR: CF = MSB, OF = the top two bits XORed
 * of the result), the other flags kept, so the record becomes eager. */
static bool rotate_imm(struct x64_gen *g, const struct insn *in, int size)
{
    struct x64_buf *x = g->x;
    unsigned count = (in->opcode & 0xf0) == 0xd0 ? 1 : in->imm & 0x1f;
    int op = in->reg, top = size * 8 - 1;
    if (in->is_mem || count == 0 || count > (unsigned)top)
        return false;
    if (!g->lf_dead) {
        /* SF ZF AF PF stay: the guest's flags from the host's */
        if (!g->flags_valid)
            remat_flags(g);
        x64_pushf(x);
        x64_pop(x, X64_RDI);
        x64_alu_ri(x, X64_AND, 4, X64_RDI, (int32_t)(EF_ARITH & ~(EF_CF | EF_OF)));
    }
    load_reg(g, X64_RDX, in->rm, size);
    x64_shift_ri(x, (enum x64_shift)op, size, X64_RDX, (uint8_t)count);
    store_reg(g, in->rm, X64_RDX, size);
    if (!g->lf_dead) {
        x64_mov_rr(x, 4, X64_R10, X64_RDX); /* CF */
        x64_mov_rr(x, 4, X64_RSI, X64_RDX); /* OF, before the XOR */
        if (op == X64_ROL) {
            x64_alu_ri(x, X64_AND, 4, X64_R10, 1);
            x64_shift_ri(x, X64_SHR, 4, X64_RSI, (uint8_t)top);
        } else {
            x64_shift_ri(x, X64_SHR, 4, X64_R10, (uint8_t)top);
            x64_shift_ri(x, X64_SHR, 4, X64_RSI, (uint8_t)(top - 1));
            x64_alu_ri(x, X64_AND, 4, X64_RSI, 1);
        }
        x64_alu_rr(x, X64_XOR, 4, X64_RSI, X64_R10);
        x64_shift_ri(x, X64_SHL, 4, X64_RSI, 11);
        x64_alu_rr(x, X64_OR, 4, X64_RDI, X64_R10);
        x64_alu_rr(x, X64_OR, 4, X64_RDI, X64_RSI);
        x64_mov_mr(x, 4, lf(4), X64_RDI);
        x64_mov_mi(x, 4, lf(0), LF_EAGER);
        g->lf_known = X64_LF_UNKNOWN;
    }
    g->flags_valid = false;
    g->pending++;
    return true;
}

/* D3 /4 /5 /6 /7 on a 32-bit register: a count of 0 (CL & 31) changes
 * nothing, flags included. */
static bool shift_cl(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int op = in->reg;
    if (in->is_mem || in->opsize != 4 || op < X64_SHL)
        return false;
    load_reg(g, X64_RCX, R_ECX, 1);
    /* the operand loaded before the branch: the cache's state must be the
     * same on both paths (a store on one only is a redundant one) */
    x64_rc_src(g, in->rm, X64_RAX);
    x64_alu_ri(x, X64_AND, 4, X64_RCX, 31);
    uint32_t zero = x64_jcc32(x, X64_CC_E);
    load_reg(g, X64_RAX, in->rm, 4);
    x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    x64_shift_rcl(x, op == X64_SAL ? X64_SHL : (enum x64_shift)op, 4, X64_RDX);
    x64_setcc(x, X64_CC_B, X64_RDI);
    x64_movzx_rr(x, 4, 1, X64_RDI, X64_RDI);
    store_reg(g, in->rm, X64_RDX, 4);
    if (op == X64_SHR) {
        x64_alu_ri(x, X64_CMP, 4, X64_RCX, 1);
        x64_setcc(x, X64_CC_E, X64_R10);
        x64_movzx_rr(x, 4, 1, X64_R10, X64_R10);
    }
    shift_lf(g, op, 4, -1);
    x64_patch_rel32(x, zero);
    g->flags_valid = false;
    g->pending++;
    return true;
}

/* ---- the stack: PUSH/POP r, CALL rel, RET (a 32-bit stack, SS.B) ---- */

static bool stack32(const struct x64_gen *g) { return x64_stack32(g->b); }

/* ESP = host32 + delta (a LEA: flags kept). */
static void set_esp(struct x64_gen *g, int host, int delta)
{
    int h = x64_rc_host(g, R_ESP);
    x64_lea(g->x, 4, h >= 0 ? h : X64_EA, X64_MEM(host, delta));
    if (h >= 0)
        x64_rc_written(g, R_ESP);
    else
        store_reg(g, R_ESP, X64_EA, 4);
}

/* cpu_push(value, size): the write at SS:ESP-size first, then ESP. */
static void push_val(struct x64_gen *g, int size, struct val v)
{
    struct x64_buf *x = g->x;
    x64_lea(x, 4, X64_EA, X64_MEM(x64_rc_src(g, R_ESP, X64_EA), -size));
    stack_write(g, size, v);
    set_esp(g, X64_EA, 0);
}

static void push_ecx(struct x64_gen *g, int size) { push_val(g, size, VREG(X64_RCX)); }

/* EAX = cpu_pop(size) without committing ESP: X64_EA = the new ESP. */
static void pop_eax(struct x64_gen *g, int size)
{
    struct x64_buf *x = g->x;
    load_reg(g, X64_EA, R_ESP, 4);
    stack_read_to(g, size, X64_RAX);
    x64_lea(x, 4, X64_EA, X64_MEM(X64_EA, size));
}

static bool push_r(struct x64_gen *g, const struct insn *in)
{
    fallible(g);
    int r = in->opcode & 7; /* PUSH ESP: the old value */
    if (in->opsize == 4) {
        push_val(g, 4, VREG(x64_rc_src(g, r, X64_RCX)));
    } else {
        load_reg(g, X64_RCX, r, in->opsize);
        push_ecx(g, in->opsize);
    }
    after_mem(g);
    return true;
}

static bool pop_r(struct x64_gen *g, const struct insn *in)
{
    fallible(g);
    int r = in->opcode & 7;
    if (r != R_ESP && in->opsize == 4 && x64_rc_host(g, r) >= 0) {
        /* straight into the register's cache register */
        load_reg(g, X64_EA, R_ESP, 4);
        stack_read_to(g, 4, x64_rc_host(g, r));
        set_esp(g, X64_EA, 4);
        x64_rc_written(g, r);
        after_mem(g);
        return true;
    }
    pop_eax(g, in->opsize);
    store_reg(g, R_ESP, X64_EA, 4);
    store_reg(g, r, X64_RAX, in->opsize); /* POP ESP: the value wins */
    after_mem(g);
    return true;
}

static enum x64_native call_rel(struct x64_gen *g, const struct insn *in)
{
    bool ok;
    uint32_t target = branch_target(g, in, &ok);
    if (!ok)
        return X64_NATIVE_NO;
    fallible(g);
    x64_mov_ri(g->x, 4, X64_RCX, g->next);
    push_ecx(g, 4);
    g->pending++;
    x64_rc_sync(g);
    x64_gen_flush_dead(g);
    goto_eip(g, target);
    return X64_NATIVE_ENDED;
}

/* RET: the popped target is checked against CS.limit before anything is
 * committed, so its #GP needs no snapshot. */
static enum x64_native ret_near(struct x64_gen *g)
{
    struct x64_buf *x = g->x;
    int before = g->pending;
    fallible(g);
    pop_eax(g, 4);
    x64_alu_ri(x, X64_CMP, 4, X64_RAX, (int32_t)g->b->cs_limit);
    uint32_t gp = x64_jcc32(x, X64_CC_A);
    struct x64_rc at_gp = g->rc;
    store_reg(g, R_ESP, X64_EA, 4);
    x64_mov_mr(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), X64_RAX);
    g->pending++;
    x64_rc_sync(g);
    x64_gen_flush_dead(g);
    x64_gen_jmp_indirect(g, X64_RAX);
    x64_patch_rel32(x, gp);
    g->rc = at_gp;
    raise_gp(g, before);
    return X64_NATIVE_ENDED;
}

/* ---- MOVZX/MOVSX, SETcc, CMOVcc, XCHG, NOT/NEG, CBW/CWD, IMUL ---- */

/* Host condition `cc` ready for SETcc/CMOVcc: the host flags made the
 * guest's first when they are not (remat_flags). */
static int host_cond(struct x64_gen *g, int cc)
{
    if (!g->flags_valid)
        remat_flags(g);
    return cc;
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX Gv, Eb/Ew. Flags untouched. */
static bool movx(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int ssize = (in->opcode & 1) ? 2 : 1;
    bool sx = in->opcode >= 0x1be;
    int d = dest_reg(g, in->reg, in->opsize, X64_RAX);
    if (!in->is_mem) {
        load_reg(g, d, in->rm, ssize);
        if (sx)
            x64_movsx_rr(x, 4, ssize, d, d);
        store_reg(g, in->reg, d, in->opsize);
        g->pending++;
        return true;
    }
    fallible(g);
    rm_ea(g, in);
    rm_read_to(g, in, ssize, d);
    if (sx)
        x64_movsx_rr(x, 4, ssize, d, d);
    store_reg(g, in->reg, d, in->opsize);
    after_mem(g);
    return true;
}

/* 0F 90-9F SETcc Eb. */
static bool setcc(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int cc = host_cond(g, in->opcode & 15);
    x64_setcc(x, (enum x64_cc)cc, X64_RAX);
    if (!in->is_mem) {
        store_reg(g, in->rm, X64_RAX, 1);
        g->pending++;
        return true;
    }
    x64_movzx_rr(x, 4, 1, X64_RDX, X64_RAX);
    fallible(g);
    rm_ea(g, in);
    rm_write(g, in, 1, VREG(X64_RDX));
    after_mem(g);
    return true;
}

/* 0F 40-4F CMOVcc Gv, Ev: the source is read (and may fault) whatever the
 * condition (cpu/cond.c, as the hardware does). */
static bool cmovcc(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int size = in->opsize;
    /* a cached 32-bit destination in place (a 32-bit CMOV of the host
     * writes it either way: zero-extended, as it already is) */
    bool cached = size == 4 && x64_rc_host(g, in->reg) >= 0;
    if (!in->is_mem) {
        int cc = host_cond(g, in->opcode & 15);
        if (cached) {
            int d = x64_rc_src(g, in->reg, X64_RAX);
            x64_cmovcc(x, (enum x64_cc)cc, 4, d, x64_rc_src(g, in->rm, X64_RCX));
            x64_rc_written(g, in->reg);
        } else {
            load_reg(g, X64_RAX, in->reg, size);
            load_reg(g, X64_RCX, in->rm, size);
            x64_cmovcc(x, (enum x64_cc)cc, 4, X64_RAX, X64_RCX);
            store_reg(g, in->reg, X64_RAX, size);
        }
        g->pending++;
        return true;
    }
    fallible(g);
    rm_ea(g, in);
    rm_read(g, in, size);
    x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    int cc = host_cond(g, in->opcode & 15);
    if (cached) {
        x64_cmovcc(x, (enum x64_cc)cc, 4, x64_rc_src(g, in->reg, X64_RAX), X64_RDX);
        x64_rc_written(g, in->reg);
    } else {
        load_reg(g, X64_RAX, in->reg, size);
        x64_cmovcc(x, (enum x64_cc)cc, 4, X64_RAX, X64_RDX);
        store_reg(g, in->reg, X64_RAX, size);
    }
    after_mem(g);
    return true;
}

/* XCHG between two registers (86/87 with mod 3, 90-97). Flags untouched. */
static bool xchg_rr(struct x64_gen *g, int r1, int r2, int size)
{
    if (r1 != r2) {
        load_reg(g, X64_RAX, r1, size);
        load_reg(g, X64_RCX, r2, size);
        store_reg(g, r1, X64_RCX, size);
        store_reg(g, r2, X64_RAX, size);
    }
    g->pending++;
    return true;
}

/* F6/F7 /2 NOT and /3 NEG on a register. */
static bool not_neg(struct x64_gen *g, const struct insn *in, int size)
{
    struct x64_buf *x = g->x;
    if (in->is_mem || (in->reg != 2 && in->reg != 3))
        return false;
    int res = X64_RDX;
    if (size == 4 && x64_rc_host(g, in->rm) >= 0) { /* in place */
        res = x64_rc_src(g, in->rm, X64_RAX);
        x64_mov_rr(x, 4, X64_RAX, res);
    } else {
        load_reg(g, X64_RAX, in->rm, size);
        x64_mov_rr(x, 4, X64_RDX, X64_RAX);
    }
    if (in->reg == 2) {
        x64_unary_r(x, X64_NOT, size, res); /* no flags */
        store_reg(g, in->rm, res, size);
    } else {
        x64_unary_r(x, X64_NEG, size, res);
        store_reg(g, in->rm, res, size);
        set_lf(g, LF_NEG, size, VREG(res), VREG(X64_RAX), VIMM(0));
        g->flags_valid = true;
    }
    g->pending++;
    return true;
}

/* 98 CBW/CWDE and 99 CWD/CDQ. Flags untouched. */
static bool cbw_cwd(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int size = in->opsize;
    if (in->opcode == 0x98) {
        load_reg(g, X64_RAX, R_EAX, size / 2);
        x64_movsx_rr(x, 4, size / 2, X64_RAX, X64_RAX);
        store_reg(g, R_EAX, X64_RAX, size);
    } else {
        load_reg(g, X64_RAX, R_EAX, size);
        if (size == 2)
            x64_movsx_rr(x, 4, 2, X64_RAX, X64_RAX);
        if (size == 2)
            x64_byte(x, 0x66);
        x64_byte(x, 0x99); /* cwd / cdq: DX or EDX = the sign of AX/EAX */
        store_reg(g, R_EDX, X64_RDX, size);
    }
    g->pending++;
    return true;
}

/* IMUL Gv, Ev (0F AF) and Gv, Ev, imm (69, 6B): the truncated product, and
 * cpu/muldiv.c's flags: SF ZF PF of the result, CF = OF = overflow, AF 0. */
static bool imul_gv(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int size = in->opsize;
    bool three = in->opcode != 0x1af;
    bool mem = in->is_mem;
    int src = X64_RCX;
    if (mem) {
        fallible(g);
        rm_ea(g, in);
        rm_read(g, in, size);
        x64_mov_rr(x, 4, X64_RCX, X64_RAX);
    } else if (size == 4) {
        src = x64_rc_src(g, in->rm, X64_RCX);
    } else {
        load_reg(g, X64_RCX, in->rm, size);
    }
    /* the product in the destination's cache register when it has one */
    int d = dest_reg(g, in->reg, size, X64_RDX);
    if (three) {
        x64_imul_rri(x, size, d, src, (int32_t)in->imm);
    } else {
        load_reg(g, d, in->reg, size);
        x64_imul_rr(x, size, d, src);
    }
    store_reg(g, in->reg, d, size); /* (a MOV or nothing: the host flags kept) */
    if (!g->lf_dead || mem) {
        x64_setcc(x, X64_CC_B, X64_RCX);
        x64_movzx_rr(x, 4, 1, X64_RCX, X64_RCX);
        x64_imul_rri(x, 4, X64_RCX, X64_RCX, 0x801); /* CF -> EF_CF | EF_OF */
        x64_mov_mi(x, 4, lf(0), LF_SZP | size << 8);
        if (size == 2)
            x64_movzx_rr(x, 4, 2, X64_RDX, X64_RDX);
        x64_mov_mr(x, 4, lf(1), d);
        x64_mov_mr(x, 4, lf(4), X64_RCX);
    }
    g->lf_known = X64_LF_UNKNOWN;
    g->flags_valid = false;
    if (mem)
        after_mem(g);
    else
        g->pending++;
    return true;
}

/* PUSH imm (68, 6A), a 32-bit stack. */
static bool push_imm(struct x64_gen *g, const struct insn *in)
{
    fallible(g);
    x64_mov_ri(g->x, 4, X64_RCX, in->imm & mask_of(in->opsize));
    push_ecx(g, in->opsize);
    after_mem(g);
    return true;
}

/* FF /6 PUSH r/m, a 32-bit stack: the operand's address is computed with
 * ESP before the push. */
static bool push_rm(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    fallible(g);
    if (in->is_mem) {
        rm_ea(g, in);
        rm_read(g, in, in->opsize);
        x64_mov_rr(x, 4, X64_RCX, X64_RAX);
    } else {
        load_reg(g, X64_RCX, in->rm, in->opsize);
    }
    push_ecx(g, in->opsize);
    after_mem(g);
    return true;
}

/* LEAVE (C9), a 32-bit stack: ESP = EBP, then POP EBP; nothing is
 * committed before the read. */
static bool leave(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    int size = in->opsize;
    fallible(g);
    load_reg(g, X64_EA, R_EBP, 4);
    stack_read_to(g, size, X64_RAX);
    x64_lea(x, 4, X64_EA, X64_MEM(X64_EA, size));
    store_reg(g, R_ESP, X64_EA, 4);
    store_reg(g, R_EBP, X64_RAX, size);
    after_mem(g);
    return true;
}

/* FF /2 CALL and FF /4 JMP near indirect, 32-bit: the target is read and
 * checked against CS.limit (#GP(0)), the return address pushed, and only
 * then anything committed (cpu/branch.c's order), so no snapshot. */
static enum x64_native jmp_call_ind(struct x64_gen *g, const struct insn *in)
{
    struct x64_buf *x = g->x;
    bool call = in->reg == 2;
    int before = g->pending;
    fallible(g);
    if (in->is_mem) {
        rm_ea(g, in);
        rm_read(g, in, 4);
        x64_mov_rr(x, 4, X64_RDI, X64_RAX);
    } else {
        load_reg(g, X64_RDI, in->rm, 4);
    }
    x64_alu_ri(x, X64_CMP, 4, X64_RDI, (int32_t)g->b->cs_limit);
    uint32_t gp = x64_jcc32(x, X64_CC_A);
    struct x64_rc at_gp = g->rc;
    if (call) {
        x64_mov_ri(x, 4, X64_RCX, g->next);
        push_ecx(g, 4);
    }
    x64_mov_mr(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), X64_RDI);
    g->pending++;
    x64_rc_sync(g);
    x64_gen_flush_dead(g);
    x64_gen_jmp_indirect(g, X64_RDI);
    x64_patch_rel32(x, gp);
    g->rc = at_gp;
    raise_gp(g, before);
    return X64_NATIVE_ENDED;
}

/* ---- dispatch ---- */

static int size_of(const struct insn *in) { return (in->flags & D_BYTE) ? 1 : in->opsize; }

/* ALU opcode forms 00-3D: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz. */
static bool is_alu_form(unsigned op) { return op < 0x40 && (op & 7) < 6; }

bool x64_native_keeps_flags(const struct insn *in)
{
    if (!mem_ok(in) || (in->prefix & PFX_LOCK))
        return false;
    unsigned op = in->opcode;
    if (op == 0x8d)
        return in->is_mem; /* LEA: no access */
    if (in->is_mem)
        return false;
    return (op >= 0x88 && op <= 0x8b) || (op >= 0xb0 && op <= 0xbf) ||
           ((op == 0xc6 || op == 0xc7) && in->reg == 0) || op == 0x1b6 || op == 0x1b7 ||
           op == 0x1be || op == 0x1bf || op == 0x86 || op == 0x87 || (op >= 0x90 && op <= 0x97) ||
           op == 0x98 || op == 0x99 || ((op == 0xf6 || op == 0xf7) && in->reg == 2);
}

bool x64_native_mem_move(const struct insn *in)
{
    if (!in->is_mem || !mem_ok(in) || (in->prefix & PFX_LOCK))
        return false;
    unsigned op = in->opcode;
    return (op >= 0x88 && op <= 0x8b) || ((op == 0xc6 || op == 0xc7) && in->reg == 0) ||
           op == 0x1b6 || op == 0x1b7 || op == 0x1be || op == 0x1bf;
}

uint8_t x64_native_gpr_writes(const struct insn *in)
{
    unsigned op = in->opcode;
    int size = size_of(in);
    /* a register operand's whole register (AH..BH are in EAX..EBX) */
#define W(r) ((uint8_t)(1u << ((size == 1 ? (r) & 3 : (r)) & 7)))
    if (!x64_native_keeps_flags(in) && !x64_native_mem_move(in))
        return 0xff;
    switch (op) {
    case 0x88: case 0x89: case 0xc6: case 0xc7:
        return in->is_mem ? 0 : W(in->rm);
    case 0x8a: case 0x8b: case 0x8d:
        return W(in->reg);
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf:
        size = in->opsize;
        return W(in->reg);
    case 0x86: case 0x87:
        return (uint8_t)(W(in->reg) | (in->is_mem ? 0 : W(in->rm)));
    case 0x98:
        return 1u << R_EAX;
    case 0x99:
        return 1u << R_EDX;
    case 0xf6: case 0xf7:
        return in->is_mem ? 0 : W(in->rm);
    default:
        if (op >= 0x90 && op <= 0x97)
            return (uint8_t)(1u << R_EAX | 1u << (op & 7));
        if (op >= 0xb0 && op <= 0xb7) {
            size = 1;
            return W(op & 7);
        }
        if (op >= 0xb8 && op <= 0xbf)
            return (uint8_t)(1u << (op & 7));
        return 0xff;
    }
#undef W
}

bool x64_native_plain(const struct insn *in)
{
    if (!mem_ok(in) || (in->prefix & PFX_LOCK))
        return false;
    unsigned op = in->opcode;
    if (is_alu_form(op)) {
        int aop = (op >> 3) & 7;
        return aop != ALU_ADC && aop != ALU_SBB; /* (their carry_in may call C) */
    }
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return in->reg != ALU_ADC && in->reg != ALU_SBB;
    case 0x84: case 0x85: case 0xa8: case 0xa9:
    case 0x88: case 0x89: case 0x8a: case 0x8b:
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf:
        return true;
    case 0xc6: case 0xc7: case 0xf6: case 0xf7:
        return in->reg == 0;
    case 0x8d:
        return in->is_mem;
    default:
        return op >= 0xb0 && op <= 0xbf;
    }
}

bool x64_native_kills_flags(const struct tr_block *b, const struct insn *in)
{
    (void)b;
    if (in->is_mem || (in->prefix & PFX_LOCK))
        return false;
    unsigned op = in->opcode;
    int aop;
    if (is_alu_form(op))
        aop = (op >> 3) & 7;
    else if (op >= 0x80 && op <= 0x83)
        aop = in->reg;
    else if (op == 0xf6 || op == 0xf7)
        return in->reg == 0 || in->reg == 3; /* TEST, NEG */
    else if (op == 0x69 || op == 0x6b || op == 0x1af)
        return true; /* IMUL: cpu_lf_set_szp */
    else if (op == 0xc0 || op == 0xc1 || op == 0xd0 || op == 0xd1) {
        /* SHL SHR SAR as shift_imm emits them */
        unsigned count = (op & 0xf0) == 0xd0 ? 1 : in->imm & 0x1f;
        int size = size_of(in);
        return in->reg >= X64_SHL && count != 0 && count < (unsigned)size * 8;
    } else
        return op == 0x84 || op == 0x85 || op == 0xa8 || op == 0xa9;
    return aop != ALU_ADC && aop != ALU_SBB;
}

/* ALU operations on registers and constants: their record (set_lf) is
 * the last thing they emit, so the host registers it names still hold it
 * at the next instruction (gen.h, lf_side). */
static bool side_record_ok(const struct insn *in)
{
    unsigned op = in->opcode;
    if (in->is_mem)
        return false;
    if (is_alu_form(op))
        return true;
    return (op >= 0x80 && op <= 0x85) || op == 0xa8 || op == 0xa9 ||
           ((op == 0xf6 || op == 0xf7) && in->reg == 0);
}

enum x64_native x64_native(struct x64_gen *g, const struct insn *in)
{
    unsigned op = in->opcode;
    bool last = g->i == g->b->n - 1;
    if (g->lf_side && !side_record_ok(in))
        g->lf_side = g->lf_side_free = false;
    if (!mem_ok(in) || (in->prefix & PFX_LOCK))
        return X64_NATIVE_NO;
    int size = size_of(in);
    if (is_alu_form(op)) {
        int aop = (op >> 3) & 7;
        switch (op & 7) {
        case 0: case 1: return alu(g, in, aop, size, true, 0, VREG(in->reg), false);
        case 2: case 3: return alu(g, in, aop, size, false, in->reg, VREG(in->rm), false);
        default: return alu(g, in, aop, size, false, R_EAX, VIMM(in->imm), false);
        }
    }
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return alu(g, in, in->reg, size, true, 0, VIMM(in->imm), false);
    case 0x84: case 0x85:
        return alu(g, in, ALU_AND, size, true, 0, VREG(in->reg), true);
    case 0xa8: case 0xa9:
        return alu(g, in, ALU_AND, size, false, R_EAX, VIMM(in->imm), true);
    case 0x88: case 0x89:
        return mov_to_rm(g, in, size, VREG(in->reg));
    case 0x8a: case 0x8b:
        return mov_from_rm(g, in, size);
    case 0xc6: case 0xc7:
        if (in->reg != 0)
            return X64_NATIVE_NO;
        return mov_to_rm(g, in, size, VIMM(in->imm));
    case 0xc0: case 0xc1: case 0xd0: case 0xd1:
        if (in->reg <= 1)
            return rotate_imm(g, in, size);
        return shift_imm(g, in, size);
    case 0xd3:
        return shift_cl(g, in);
    case 0xfe: case 0xff:
        if (in->reg <= 1)
            return incdec_rm(g, in, size, in->reg == 1);
        if (op == 0xff && in->reg == 6 && stack32(g))
            return push_rm(g, in);
        break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: { /* MOV AL/eAX <-> moffs */
        struct insn fake = *in;
        fake.ea_base = fake.ea_index = EA_NONE;
        fake.reg = R_EAX;
        if (op <= 0xa1)
            return mov_from_rm(g, &fake, op == 0xa0 ? 1 : in->opsize);
        return mov_to_rm(g, &fake, op == 0xa2 ? 1 : in->opsize, VREG(R_EAX));
    }
    case 0x8d:
        if (!in->is_mem)
            return X64_NATIVE_NO;
        return lea(g, in);
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
        return x64_native_x87(g, in);
    default:
        break;
    }
    if (op >= 0xb0 && op <= 0xbf) { /* MOV reg, imm */
        struct insn fake = *in;
        fake.is_mem = false;
        fake.rm = op & 7;
        return mov_to_rm(g, &fake, op < 0xb8 ? 1 : in->opsize, VIMM(in->imm));
    }
    if (op >= 0x40 && op <= 0x4f)
        return incdec(g, in);
    if (op == 0x1ae && !in->is_mem && !(in->prefix & (PFX_REP | PFX_REPNE | PFX_OPSIZE))) {
        g->pending++; /* LFENCE MFENCE SFENCE: nothing to order (cpu/sse_ctl.c) */
        return X64_NATIVE_OK;
    }
    if (op == 0x1b6 || op == 0x1b7 || op == 0x1be || op == 0x1bf)
        return movx(g, in);
    if (op >= 0x190 && op <= 0x19f)
        return setcc(g, in);
    if (op >= 0x140 && op <= 0x14f)
        return cmovcc(g, in);
    if ((op == 0x86 || op == 0x87) && !in->is_mem)
        return xchg_rr(g, in->reg, in->rm, size);
    if (op >= 0x90 && op <= 0x97)
        return xchg_rr(g, R_EAX, op & 7, in->opsize);
    if ((op == 0xf6 || op == 0xf7) && in->reg == 0)
        return alu(g, in, ALU_AND, size, true, 0, VIMM(in->imm), true);
    if (op == 0xf6 || op == 0xf7)
        return not_neg(g, in, size);
    if (op == 0x98 || op == 0x99)
        return cbw_cwd(g, in);
    if (op == 0x1af || op == 0x69 || op == 0x6b)
        return imul_gv(g, in);
    if ((op == 0x68 || op == 0x6a) && stack32(g))
        return push_imm(g, in);
    if (op == 0xc9 && stack32(g))
        return leave(g, in);
    if (op >= 0x50 && op <= 0x5f && stack32(g))
        return op < 0x58 ? push_r(g, in) : pop_r(g, in);
    if (last && op == 0xc3 && in->opsize == 4 && stack32(g) && g->b->end == TR_END_INDIRECT)
        return ret_near(g);
    if (last && op == 0xff && (in->reg == 2 || in->reg == 4) && in->opsize == 4 &&
        (in->reg == 4 || stack32(g)) && g->b->end == TR_END_INDIRECT)
        return jmp_call_ind(g, in);
    if (last && op == 0xe8 && in->opsize == 4 && stack32(g) && g->b->end == TR_END_DIRECT)
        return call_rel(g, in);
    if (!last && tr_insn_is_jcc(in))
        return side_jcc(g, in, op & 15);
    if (last && g->b->end == TR_END_DIRECT) {
        if (tr_insn_is_jcc(in))
            return jcc(g, in, op & 15);
        if (op == 0xe9 || op == 0xeb)
            return jmp_rel(g, in);
    }
    return X64_NATIVE_NO;
}

#endif
