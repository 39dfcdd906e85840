/* Page windows: one TLB check for a block's run of accesses off one base
 * register (gen.h, struct x64_win).
 *
 * Compiled code addresses a structure or a stack frame many times through
 * the same register: [EBP+0x28], [EBP+4], [EBP+0x24] ... Each access's
 * inline TLB path (native.c, x64_tlb_fast) is nine host instructions and
 * two loads from the TLB. Here the first such access of a block (the
 * leader) checks, once, that the whole window [base+dmin, base+dmin+span)
 * lies in one page the TLB maps as plain RAM for every access kind its
 * members make, with base+dmin aligned so that each member's address is
 * aligned to its size, and keeps the page's addend in a frame slot. Later
 * members load the addend from the slot: an EA computation, one load and
 * the access.
 *
 * Why the slot stays right until the last member:
 * - the base register is unchanged: any write to it (the register cache
 *   sees every one: regcache.c) or a handler call breaks the window at
 *   translation time, and later members take the ordinary path;
 * - the translation stays valid: only a TLB flush, a changed memory map,
 *   or a page becoming code changes what the TLB says about a page, and all
 *   of those set cpu->exec_break, after which the cold stub that ran the
 *   instruction leaves the block; handler calls break windows anyway. A
 *   refill of the entry (another page evicting it) keeps the old
 *   translation true, as a hardware TLB may keep it;
 * - when the leader's check fails (TLB miss, crossing a page, a write to a
 *   code page, misaligned), the slot is set to 0 and each member goes its
 *   ordinary way from a cold path (X64_COLD_TLB), then back to its access.
 * Flat blocks only (TR_MODE_FLAT with DS, ES or SS: base 0), so an
 * instruction's effective address is its linear one. */
#if defined(__x86_64__)

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "mmu/tlb.h"
#include "translator/x64/gen.h"

/* A window's reach: small, so that one rarely crosses a page (the leader's
 * check would then fail and every member take the ordinary path). */
#define WIN_SPAN_MAX 1024

static struct x64_mem slot_of(int k) { return X64_MEM(X64_RSP, X64_WIN_SLOT0 + 8 * k); }

/* Whether `in` is a window member: its only accesses are its ModRM memory
 * operand, at base + disp (no index). Sets the access size and kinds. */
static bool member_form(const struct insn *in, int *size, bool *rd, bool *wr)
{
    unsigned op = in->opcode;
    if (!in->is_mem || in->adsize != 4 || in->ea_base == EA_NONE || in->ea_index != EA_NONE ||
        (in->prefix & PFX_LOCK) ||
        (in->seg != SEG_DS && in->seg != SEG_SS && in->seg != SEG_ES))
        return false;
    *size = (in->flags & D_BYTE) ? 1 : in->opsize;
    *rd = true;
    *wr = false;
    if (op < 0x40 && (op & 7) < 4) { /* the ALU: Eb,Gb Ev,Gv (RMW but CMP) / Gb,Eb Gv,Ev */
        *wr = (op & 7) < 2 && (op >> 3) != 7;
        return true;
    }
    switch (op) {
    case 0x80: case 0x81: case 0x83:
        *wr = in->reg != 7;
        return true;
    case 0x84: case 0x85: case 0x8a: case 0x8b: case 0x1af: case 0x69: case 0x6b:
        return true;
    case 0x88: case 0x89:
        *rd = false;
        *wr = true;
        return true;
    case 0xc6: case 0xc7:
        *rd = false;
        *wr = true;
        return in->reg == 0;
    case 0xf6: case 0xf7: /* TEST, NOT, NEG */
        *wr = in->reg == 2 || in->reg == 3;
        return in->reg == 0 || *wr;
    case 0xfe: case 0xff: /* INC, DEC */
        *wr = true;
        return in->reg <= 1;
    case 0x1b6: case 0x1be:
        *size = 1;
        return true;
    case 0x1b7: case 0x1bf:
        *size = 2;
        return true;
    default:
        return op >= 0x140 && op <= 0x14f; /* CMOVcc reads its source always */
    }
}

/* A stack access the plan can place: PUSH r/imm, POP r (not ESP), CALL
 * rel32 and RET on a 32-bit stack, at `disp` from ESP before it. */
static bool stack_form(const struct x64_gen *g, const struct insn *in, int32_t *disp, int *size,
                       bool *wr)
{
    unsigned op = in->opcode;
    int sz = in->opsize;
    if (!x64_stack32(g->b))
        return false;
    *size = sz;
    if ((op >= 0x50 && op <= 0x57) || op == 0x68 || op == 0x6a || (op == 0xe8 && sz == 4)) {
        *disp = -sz;
        *wr = true;
        return true;
    }
    if ((op >= 0x58 && op <= 0x5f && (op & 7) != R_ESP) || (op == 0xc3 && sz == 4)) {
        *disp = 0;
        *wr = false;
        return true;
    }
    return false;
}

/* Whether every write of `in` to ESP moves it by a constant the plan
 * knows (*delta): the stack accesses above, PUSH r/m, ADD/SUB ESP, imm and
 * LEA ESP, [ESP+disp] (32-bit). */
static bool esp_delta(const struct x64_gen *g, const struct insn *in, int32_t *delta)
{
    unsigned op = in->opcode;
    int32_t disp;
    int size;
    bool wr;
    if (stack_form(g, in, &disp, &size, &wr)) {
        *delta = wr ? -size : size;
        return true;
    }
    if (op == 0xff && in->reg == 6 && x64_stack32(g->b)) {
        *delta = -in->opsize; /* (its stack write is not a member: ordinary) */
        return true;
    }
    if ((op == 0x81 || op == 0x83) && !in->is_mem && in->rm == R_ESP && in->opsize == 4 &&
        (in->reg == 0 || in->reg == 5)) {
        *delta = in->reg == 0 ? (int32_t)in->imm : -(int32_t)in->imm;
        return true;
    }
    if (op == 0x8d && in->is_mem && in->reg == R_ESP && in->opsize == 4 && in->adsize == 4 &&
        in->ea_base == R_ESP && in->ea_index == EA_NONE) {
        *delta = (int32_t)in->disp;
        return true;
    }
    return false;
}

/* The guest registers `in` may write, as far as the plan needs to know
 * (windows whose base it writes end there); all eight when not known. The
 * register cache breaks windows on every actual write (x64_win_break), so
 * this only has to be good, not exact. */
static uint8_t written(const struct insn *in)
{
    unsigned op = in->opcode;
    int size = (in->flags & D_BYTE) ? 1 : 4;
    uint8_t rm = (uint8_t)(1u << (size == 1 ? in->rm & 3 : in->rm));
    uint8_t reg = (uint8_t)(1u << (size == 1 ? in->reg & 3 : in->reg));
    if (op < 0x40 && (op & 7) < 6) {
        if ((op >> 3) == 7)
            return 0; /* CMP */
        if ((op & 7) >= 4)
            return 1u << R_EAX;
        return (op & 7) < 2 ? (in->is_mem ? 0 : rm) : reg;
    }
    if (op >= 0x40 && op <= 0x4f)
        return (uint8_t)(1u << (op & 7));
    if (op >= 0x50 && op <= 0x57)
        return 1u << R_ESP;
    if (op >= 0x58 && op <= 0x5f)
        return (uint8_t)(1u << (op & 7) | 1u << R_ESP);
    if (op >= 0xb0 && op <= 0xb7)
        return (uint8_t)(1u << (op & 3));
    if (op >= 0xb8 && op <= 0xbf)
        return (uint8_t)(1u << (op & 7));
    if (op >= 0x90 && op <= 0x97)
        return (uint8_t)(1u << R_EAX | 1u << (op & 7));
    switch (op) {
    case 0x80: case 0x81: case 0x83: case 0xc6: case 0xc7: case 0x88: case 0x89:
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd3: case 0xfe:
        return in->is_mem || (op <= 0x83 && in->reg == 7) ? 0 : rm;
    case 0x84: case 0x85: case 0xa8: case 0xa9:
        return 0;
    case 0x8a: case 0x8b: case 0x8d: case 0x1af: case 0x69: case 0x6b:
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf:
        return (uint8_t)(1u << in->reg);
    case 0x98:
        return 1u << R_EAX;
    case 0x99:
        return 1u << R_EDX;
    case 0x68: case 0x6a:
        return 1u << R_ESP;
    case 0xf6: case 0xf7:
        if (in->reg == 0)
            return 0;
        if (in->reg <= 3)
            return in->is_mem ? 0 : rm;
        return 1u << R_EAX | 1u << R_EDX;
    case 0xff:
        if (in->reg <= 1)
            return in->is_mem ? 0 : rm;
        return in->reg == 6 ? 1u << R_ESP : 0xff;
    default:
        if (op >= 0x140 && op <= 0x14f)
            return (uint8_t)(1u << in->reg);
        if (op >= 0x190 && op <= 0x19f)
            return in->is_mem ? 0 : rm;
        if (op >= 0xd8 && op <= 0xdf)
            return 0xff; /* FNSTSW AX among them */
        return 0xff;
    }
}

/* Whether window w takes a member at displacement d of `size` bytes:
 * the span stays within WIN_SPAN_MAX and every member's offset from the
 * lowest is a multiple of its size. */
static bool fits(const struct x64_gen *g, const struct x64_win *w, int wi, int64_t d, int size)
{
    int64_t lo = d < w->dmin ? d : w->dmin;
    int64_t hi = d + size > (int64_t)w->dmin + w->span ? d + size : (int64_t)w->dmin + w->span;
    if (hi - lo > WIN_SPAN_MAX || (d - lo) % size)
        return false;
    for (int i = w->leader; i < g->b->n; i++)
        if (g->win_of[i] == wi && ((int64_t)g->win_disp[i] - lo) % g->win_size[i])
            return false;
    return true;
}

void x64_win_plan(struct x64_gen *g)
{
    const struct tr_block *b = g->b;
    int open[8], members[X64_WIN_PLAN] = {0}, nplan = 0;
    struct x64_win plan[X64_WIN_PLAN];
    for (int r = 0; r < 8; r++)
        open[r] = -1;
    for (int i = 0; i < b->n; i++) {
        g->win_of[i] = -1;
        g->esp_planned[i] = false;
    }
    g->nwin = 0;
    if (!(b->mode & TR_MODE_FLAT) || (b->mode & TR_MODE_FAST))
        return; /* (fastmem accesses need no TLB check to share) */
    /* ESP's offset from its value where the plan last lost track of it:
     * ESP windows place their members by it */
    int32_t esp_off = 0;
    for (int i = 0; i < b->n; i++) {
        const struct insn *in = &b->insn[i];
        int size, r = -1, seg = in->seg;
        bool rd, wr;
        int64_t d = 0;
        int32_t sdisp;
        if (member_form(in, &size, &rd, &wr)) {
            r = in->ea_base & 7;
            d = (int32_t)in->disp + (r == R_ESP ? (int64_t)esp_off : 0);
        } else if (stack_form(g, in, &sdisp, &size, &wr)) {
            r = R_ESP;
            d = (int64_t)esp_off + sdisp;
            rd = !wr;
            seg = SEG_SS;
        }
        if (r >= 0) {
            int wi = open[r];
            if (wi < 0 || !fits(g, &plan[wi], wi, d, size)) {
                wi = -1;
                if (nplan < X64_WIN_PLAN) {
                    wi = open[r] = nplan++;
                    plan[wi] = (struct x64_win){.base = (int8_t)r, .leader = (int16_t)i,
                                                .dmin = (int32_t)d, .align = 1};
                }
            }
            if (wi >= 0) {
                struct x64_win *w = &plan[wi];
                int64_t lo = d < w->dmin ? d : w->dmin;
                int64_t hi = d + size > (int64_t)w->dmin + w->span ? d + size
                                                                    : (int64_t)w->dmin + w->span;
                w->dmin = (int32_t)lo;
                w->span = (uint16_t)(hi - lo);
                if (size > w->align)
                    w->align = (uint8_t)size;
                w->read |= rd;
                w->write |= wr;
                g->win_of[i] = (int8_t)wi;
                g->win_disp[i] = (int32_t)d;
                g->win_size[i] = (uint8_t)size;
                g->win_seg[i] = (uint8_t)seg;
                members[wi]++;
            }
        }
        uint8_t wmask = written(in);
        int32_t delta;
        if (esp_delta(g, in, &delta)) {
            esp_off += delta;
            g->esp_planned[i] = true;
            wmask &= (uint8_t)~(1u << R_ESP);
        } else if (wmask & (1u << R_ESP)) {
            esp_off = 0; /* (its windows end here: a new reference) */
        }
        for (int q = 0; q < 8; q++)
            if (wmask & (1u << q))
                open[q] = -1;
    }
    /* the windows of two members or more get the frame's slots */
    int renum[X64_WIN_PLAN];
    for (int k = 0; k < nplan; k++) {
        renum[k] = -1;
        if (members[k] >= 2 && g->nwin < X64_WIN_SLOTS) {
            renum[k] = g->nwin;
            g->win[g->nwin++] = plan[k];
        }
    }
    for (int i = 0; i < b->n; i++)
        if (g->win_of[i] >= 0)
            g->win_of[i] = (int8_t)renum[g->win_of[i]];
}

void x64_win_break(struct x64_gen *g, int r)
{
    if (r == R_ESP && g->esp_planned[g->i])
        return; /* (the plan placed the members after it: x64_win_plan) */
    for (int k = 0; k < g->nwin; k++)
        if ((r < 0 || g->win[k].base == r) && g->win[k].leader <= g->i)
            g->win[k].broken = true; /* (a later leader checks afresh) */
}

/* A cold path for an access of instruction g->i: the ordinary inline TLB
 * path (x64_gen_cold, emit_tlb_cold), back at the current position. */
static void tlb_cold(struct x64_gen *g, uint32_t site, int segno, int size, int acc, int poison)
{
    struct x64_cold *c = x64_cold_new(g, X64_COLD_TLB);
    if (!c)
        return; /* x->error: cannot happen (gen.h, X64_MAX_COLD) */
    c->site[c->nsite++] = site;
    c->cont = g->x->pos;
    c->seg = (uint8_t)segno;
    c->size = (uint8_t)size;
    c->acc = (uint8_t)acc;
    c->poison = (int8_t)poison;
    c->access = -1; /* the ACCESS stub that follows (x64_cold_access) */
    g->win_tlb = (int16_t)(c - g->cold);
}

bool x64_win_fast(struct x64_gen *g, int segno, int size, int acc)
{
    int k = g->win_of[g->i];
    if (k < 0 || segno != g->win_seg[g->i] || size != g->win_size[g->i])
        return false;
    struct x64_win *w = &g->win[k];
    if (w->broken || (acc == ACC_READ && !w->read) || (acc == ACC_WRITE && !w->write) ||
        (acc != ACC_READ && acc != ACC_WRITE))
        return false;
    struct x64_buf *x = g->x;
    if (w->started) {
        /* a member: the leader's addend, or 0 for the ordinary path */
        x64_mov_rm(x, 8, X64_RAX, slot_of(k));
        x64_test_rr(x, 8, X64_RAX, X64_RAX);
        uint32_t site = x64_jcc32(x, X64_CC_E);
        tlb_cold(g, site, segno, size, acc, -1);
        return true;
    }
    if (g->i != w->leader)
        return false; /* (the leader was not emitted natively: broken) */
    /* the leader: base + dmin (32-bit) from this access's address, in R10
     * unless the leader is the lowest member */
    w->started = true;
    uint32_t fail[4];
    int nfail = 0;
    int lo = X64_EA;
    if (w->dmin != g->win_disp[g->i]) {
        lo = X64_R10;
        x64_lea(x, 4, lo, X64_MEM(X64_EA, w->dmin - g->win_disp[g->i]));
    }
    int32_t e = x64_tlb_index(g, lo);
    x64_mov_rr(x, 4, X64_RAX, lo);
    x64_alu_ri(x, X64_AND, 4, X64_RAX, (int32_t)(TLB_PAGE_MASK | (uint32_t)(w->align - 1)));
    /* A write tag holds the page only for plain writable RAM (mmu/tlb.c,
     * fill), which is readable RAM too: then the read tag holds it also. */
    int a = w->write ? ACC_WRITE : ACC_READ;
    x64_alu_rm(x, X64_CMP, 4, X64_RAX,
               X64_MEMX(X64_RBX, X64_R11, 0, e + (int32_t)offsetof(struct tlb_entry, tag) + 4 * a));
    fail[nfail++] = x64_jcc32(x, X64_CC_NE);
    if (w->span > w->align) { /* (an aligned access never crosses a page) */
        x64_mov_rr(x, 4, X64_RAX, lo);
        x64_alu_ri(x, X64_AND, 4, X64_RAX, 0xfff);
        x64_alu_ri(x, X64_CMP, 4, X64_RAX, 0x1000 - w->span);
        fail[nfail++] = x64_jcc32(x, X64_CC_A);
    }
    x64_mov_rm(x, 8, X64_RAX, X64_MEMX(X64_RBX, X64_R11, 0, e + (int32_t)offsetof(struct tlb_entry, addend)));
    x64_mov_mr(x, 8, slot_of(k), X64_RAX);
    /* (one cold path for all the failed checks) */
    tlb_cold(g, fail[0], segno, size, acc, k);
    struct x64_cold *c = &g->cold[g->win_tlb];
    for (int f = 1; f < nfail; f++)
        c->site[c->nsite++] = fail[f];
    return true;
}

void x64_win_cold(struct x64_gen *g, struct x64_cold *c)
{
    struct x64_buf *x = g->x;
    if (c->poison >= 0)
        x64_mov_mi(x, 8, slot_of(c->poison), 0);
    uint32_t slow[4];
    int nslow = 0;
    if (x64_tlb_inline(g, c->seg, c->size, c->acc, slow, &nslow) != X64_EA || c->access < 0) {
        /* cannot happen: flat segments, and every access makes its ACCESS stub */
        x->error = true;
        return;
    }
    struct x64_cold *a = &g->cold[c->access];
    for (int k = 0; k < nslow; k++) {
        if (a->nsite < (int)(sizeof a->site / sizeof a->site[0]))
            a->site[a->nsite++] = slow[k];
        else
            x->error = true;
    }
    x64_jmp_to(x, c->cont);
}

#endif
