/* The skeleton of a translated block: per instruction native code or a call
 * to the interpreter's handler with run_cached's protocol (cpu/exec.c), then
 * the exits: STOP (back to the dispatcher) and one stub per chainable slot
 * whose patched jump leads straight into the successor. */
#if defined(__x86_64__)

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "mmu/tlb.h"
#include "translator/backend.h"
#include "translator/x64/gen.h"

void x64_gen_flush(struct x64_gen *g)
{
    if (!g->pending)
        return;
    struct x64_buf *x = g->x;
    if (!g->flags_valid)
        x64_alu_ri(x, X64_SUB, 8, X64_BUDGET, (int32_t)g->pending);
    else /* the host flags hold the guest's */
        x64_lea(x, 8, X64_BUDGET, X64_MEM(X64_BUDGET, -(int32_t)g->pending));
    g->pending = 0;
}

void x64_count_before_call(struct x64_buf *x, int scratch)
{
    x64_mov_rm(x, 8, scratch, X64_ICOUNT_BASE);
    x64_alu_rr(x, X64_SUB, 8, scratch, X64_BUDGET);
    x64_mov_mr(x, 8, X64_MEM(X64_RBX, CPU_OFF(icount)), scratch);
}

void x64_count_after_call(struct x64_buf *x)
{
    x64_mov_rm(x, 8, X64_RAX, X64_MEM(X64_RBX, CPU_OFF(icount)));
    x64_alu_rr(x, X64_ADD, 8, X64_RAX, X64_BUDGET);
    x64_mov_mr(x, 8, X64_ICOUNT_BASE, X64_RAX);
}

void x64_gen_flush_dead(struct x64_gen *g)
{
    g->flags_valid = false;
    x64_gen_flush(g);
}

/* Every way out of the block's body: the register cache synced first. */
static void check_synced(struct x64_gen *g)
{
    if (g->rc.dirty || g->lf_pend.valid)
        g->x->error = true; /* a bug: the next block would not see them */
}

void x64_gen_jmp_stop(struct x64_gen *g)
{
    check_synced(g);
    uint32_t s = x64_jmp32(g->x);
    if (g->nstop < X64_MAX_EXITS)
        g->stop[g->nstop++] = s;
    else
        g->x->error = true;
}

/* The rules of a chained entry (translator/backend.h) for a successor found
 * at run time: the same key as the dispatcher's lookup (EIP, mode, CS base
 * and limit; for the physical address of CS:EIP, no TLB flush since the
 * dispatcher found the block through the TLB: gen.h, struct x64_ind),
 * valid and translated, and no stop asked for. The budget is the
 * successor's prologue's to check, and exec_break is 0 in generated code
 * (see the slot stubs in x64_gen_block). */
static void lookup_and_enter(struct x64_gen *g, uint32_t *fail, int *nfail, int eip_reg,
                             uint32_t eip);

void x64_gen_jmp_indirect(struct x64_gen *g, int eip_reg)
{
    uint32_t fail[20];
    int nfail = 0;
    check_synced(g);
    lookup_and_enter(g, fail, &nfail, eip_reg, 0);
    for (int k = 0; k < nfail; k++) {
        if (g->nstop < X64_MAX_EXITS)
            g->stop[g->nstop++] = fail[k];
        else
            g->x->error = true;
    }
}

/* Jump into the table's block for cpu->eip (also in host register
 * `eip_reg`, or the constant `eip` when that is X64_NOREG) when it may be
 * entered from here; else go on to the jcc32 sites recorded in fail[] (at
 * most 20). */
static void lookup_and_enter(struct x64_gen *g, uint32_t *fail, int *nfail, int eip_reg,
                             uint32_t eip)
{
    struct x64_buf *x = g->x;
#define FAIL(cc) (fail[(*nfail)++] = x64_jcc32(x, (cc)))
    struct tr_block *b = g->b;
#define BLK(f) X64_MEM(X64_RDX, (int32_t)offsetof(struct tr_block, f))
    if (eip_reg == X64_NOREG)
        x64_mov_ri(x, 4, X64_RAX, eip);
    else if (eip_reg != X64_RAX)
        x64_mov_rr(x, 4, X64_RAX, eip_reg);
    x64_mov_rr(x, 4, X64_R11, X64_RAX);
    x64_shift_ri(x, X64_SHR, 4, X64_R11, X64_IND_BITS);
    x64_alu_rr(x, X64_XOR, 4, X64_R11, X64_RAX);
    x64_alu_ri(x, X64_AND, 4, X64_R11, (1 << X64_IND_BITS) - 1);
    x64_mov_ri(x, 8, X64_RCX, (uint64_t)(uintptr_t)g->st->ind);
    _Static_assert(sizeof(struct x64_ind) == 16, "an entry is two index scales of 8");
    x64_alu_rr(x, X64_ADD, 4, X64_R11, X64_R11);
    x64_mov_rm(x, 8, X64_RDX, X64_MEMX(X64_RCX, X64_R11, 3, (int32_t)offsetof(struct x64_ind, b)));
    x64_test_rr(x, 8, X64_RDX, X64_RDX);
    FAIL(X64_CC_E);
    x64_alu_rm(x, X64_CMP, 4, X64_RAX, BLK(eip));
    FAIL(X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 4, BLK(mode), (int32_t)b->mode);
    FAIL(X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 4, BLK(cs_base), (int32_t)b->cs_base);
    FAIL(X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 4, BLK(cs_limit), (int32_t)b->cs_limit);
    FAIL(X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 1, BLK(valid), 0);
    FAIL(X64_CC_E);
    x64_mov_rm(x, 8, X64_R8, BLK(code));
    x64_test_rr(x, 8, X64_R8, X64_R8);
    FAIL(X64_CC_E);
    x64_alu_mi(x, X64_CMP, 1, X64_MEM(X64_RBX, CPU_OFF(stop_request)), 0);
    FAIL(X64_CC_NE);
    x64_mov_rm(x, 8, X64_R9,
               X64_MEMX(X64_RCX, X64_R11, 3, (int32_t)offsetof(struct x64_ind, tlb_gen)));
    x64_alu_rm(x, X64_CMP, 8, X64_R9,
               X64_MEM(X64_RBX, CPU_OFF(tlb) + (int32_t)offsetof(struct tlb, gen)));
    FAIL(X64_CC_NE);
    x64_jmp_r(x, X64_R8);
#undef FAIL
#undef BLK
}

static void to_slot(struct x64_gen *g, int slot, uint32_t site)
{
    if (g->nto_slot[slot] < 8)
        g->to_slot[slot][g->nto_slot[slot]++] = site;
    else
        g->x->error = true;
}

void x64_gen_jmp_slot(struct x64_gen *g, int slot)
{
    check_synced(g);
    to_slot(g, slot, x64_jmp32(g->x));
    g->slot_jmp_end = g->x->pos;
    g->slot_jmp_slot = slot;
}

uint32_t x64_gen_loop_back(struct x64_gen *g)
{
    struct x64_buf *x = g->x;
    x64_store_lf_pend(g, &g->lf_pend);
    /* the pass retired this many: the next takes b->n, as the prologue */
    int32_t done = (int32_t)g->b->n + g->pending;
    x64_alu_ri(x, X64_CMP, 8, X64_BUDGET, done);
    uint32_t short_budget = x64_jcc32(x, X64_CC_B);
    x64_rc_emit_loads(g, g->loop_regs & (uint8_t)~g->rc.loaded);
    x64_alu_ri(x, X64_SUB, 8, X64_BUDGET, done);
    x64_jmp_to(x, g->loop_head);
    return short_budget;
}

/* Whether a Jcc or a last JMP rel of block b (not one running into the
 * next page, whose second page is compared at lookups only) goes back to
 * its first instruction. */
static bool loops_to_start(const struct tr_block *b)
{
    if (b->cross_len)
        return false;
    uint32_t eip = b->eip;
    for (int i = 0; i < b->n; i++) {
        const struct insn *in = &b->insn[i];
        uint32_t next = eip + in->len;
        bool jmp = i == b->n - 1 && (in->opcode == 0xe9 || in->opcode == 0xeb);
        if ((tr_insn_is_jcc(in) || jmp) && tr_branch_target(in, next) == b->eip)
            return true;
        eip = next;
    }
    return false;
}

void x64_gen_jcc_slot(struct x64_gen *g, int cc, int slot)
{
    check_synced(g);
    to_slot(g, slot, x64_jcc32(g->x, (enum x64_cc)cc));
}

void x64_gen_call(struct x64_gen *g, const void *fn)
{
    if (g->x87.open)
        g->x->error = true; /* C code with the guest's x87 stack on the host's */
    x64_call_abs(g->x, fn, X64_RAX);
    g->flags_valid = false;
}

/* jne to STOP (flags from a preceding compare). */
static void jne_stop(struct x64_gen *g)
{
    check_synced(g);
    uint32_t s = x64_jcc32(g->x, X64_CC_NE);
    if (g->nstop < X64_MAX_EXITS)
        g->stop[g->nstop++] = s;
    else
        g->x->error = true;
}

/* An instruction through its interpreter handler, as run_cached runs it. */
static void helper_insn(struct x64_gen *g, const struct insn *in, bool last)
{
    struct x64_buf *x = g->x;
    x64_win_break(g, -1);
    x64_rc_sync(g);
    x64_store_lf_pend(g, &g->lf_pend); /* (the handler may fault) */
    g->lf_pend.valid = false;
    x64_gen_flush_dead(g);
    x64_count_before_call(x, X64_RAX);
    if (!((g->b->clean >> g->i) & 1))
        x64_call_abs(x, g->st->snapshot, X64_RAX);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(insn_eip)), (int32_t)g->eip);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)g->next);
    x64_mov_rr(x, 8, X64_RDI, X64_RBX);
    x64_mov_ri(x, 8, X64_RSI, (uint64_t)(uintptr_t)in);
    x64_gen_call(g, (const void *)in->handler);
    x64_rc_forget(g);
    x64_count_after_call(x);
    g->pending = 1;
    if (last) {
        x64_gen_flush(g);
        return; /* the block's end checks */
    }
    /* Leaving (the handler moved EIP, MMIO, a data breakpoint) counts the
     * instruction in a cold stub; going on, it stays pending. */
    struct x64_cold *c = x64_cold_new(g, X64_COLD_LEAVE);
    if (!c)
        return; /* x->error: cannot happen (gen.h, X64_MAX_COLD) */
    c->pending = 1;
    x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)g->next);
    c->site[c->nsite++] = x64_jcc32(x, X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 1, X64_MEM(X64_RBX, CPU_OFF(exec_break)), 0);
    c->site[c->nsite++] = x64_jcc32(x, X64_CC_NE);
    x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(pending_dr6)), 0);
    c->site[c->nsite++] = x64_jcc32(x, X64_CC_NE);
}

/* After the last instruction when it did not emit its own exits. */
static void block_end(struct x64_gen *g, bool helper)
{
    struct x64_buf *x = g->x;
    struct tr_block *b = g->b;
    x64_rc_sync(g);
    x64_gen_flush_dead(g);
    if (helper) {
        x64_alu_mi(x, X64_CMP, 1, X64_MEM(X64_RBX, CPU_OFF(exec_break)), 0);
        jne_stop(g);
        x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(pending_dr6)), 0);
        jne_stop(g);
    }
    /* the FALL slot is taken with EIP == end_eip only (its stub stores it) */
    g->slot_eip[TR_SLOT_FALL] = b->end_eip;
    g->slot_known[TR_SLOT_FALL] = true;
    switch (b->end) {
    case TR_END_FALL:
        if (helper) {
            x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)b->end_eip);
            jne_stop(g);
        }
        x64_gen_jmp_slot(g, TR_SLOT_FALL);
        break;
    case TR_END_DIRECT:
        if (helper) {
            x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)b->end_eip);
            x64_gen_jcc_slot(g, X64_CC_E, TR_SLOT_FALL);
            x64_gen_jmp_slot(g, TR_SLOT_TAKEN);
        } else {
            x64_gen_jmp_slot(g, TR_SLOT_FALL);
        }
        break;
    default:
        x64_gen_jmp_stop(g);
        break;
    }
}

/* Point every recorded rel32 site in `sites` at the current position. */
static void patch_all(struct x64_buf *x, const uint32_t *sites, int n)
{
    for (int k = 0; k < n; k++)
        x64_patch_rel32(x, sites[k]);
}

/* mov rax, b; mov edx, slot; jmp epilogue */
static void exit_to_core(struct x64_gen *g, int slot)
{
    x64_mov_ri(g->x, 8, X64_RAX, (uint64_t)(uintptr_t)g->b);
    x64_mov_ri(g->x, 4, X64_RDX, (uint32_t)slot);
    x64_jmp_abs(g->x, g->st->epilogue, X64_RCX);
}

/* Whether instruction i's lazy flags record is overwritten unread: a later
 * instruction of the block (*end) writes all the flags without reading
 * them, and only instructions that keep the flags and memory moves come
 * between (*moves: any of the latter, which may fault and so see the
 * record; *writes: the guest registers those between write). */
static bool lf_overwritten(const struct tr_block *b, int i, int *end, bool *moves,
                           uint8_t *writes)
{
    *moves = false;
    *writes = 0;
    for (int j = i + 1; j < b->n; j++) {
        const struct insn *in = &b->insn[j];
        if (x64_native_kills_flags(b, in)) {
            *end = j;
            return true;
        }
        if (j == b->n - 1)
            return false;
        bool move = x64_native_mem_move(in);
        if (!move && !x64_native_keeps_flags(in))
            return false;
        *moves |= move;
        *writes |= x64_native_gpr_writes(in);
    }
    return false;
}

/* Whether instruction i's lazy flags record is read only by a Jcc right
 * after it that the block goes on past, and overwritten unread after that
 * (as lf_overwritten says from the Jcc on). */
static bool side_read_only(const struct tr_block *b, int i, int *end, bool *moves,
                           uint8_t *writes)
{
    return i + 2 < b->n && tr_insn_is_jcc(&b->insn[i + 1]) &&
           lf_overwritten(b, i + 1, end, moves, writes);
}

/* A slot's stub: a jump, patched when chained (the successor's prologue
 * checks the budget); else back to the core with the slot. The body's
 * jumps to it are pointed here.
 * cpu->exec_break (backend.h's rule of a chained entry) is 0 here without
 * a look: the dispatcher clears it before entering a block, and only C
 * code sets it, after each call to which the block leaves through STOP
 * when it is set (helper_insn, cold_rerun; the x87 and flag helpers never
 * set it).
 * Chained, the successor starts with cpu->eip stale: nothing in a block
 * reads it before storing it (handler calls, cold stubs and indirect
 * branches store it first), and every way out stores it. */
static void slot_stub(struct x64_gen *g, int s, struct x64_slots *slots)
{
    struct x64_buf *x = g->x;
    const struct tr_block *b = g->b;
    patch_all(x, g->to_slot[s], g->nto_slot[s]);
    uint32_t lin = b->cs_base + g->slot_eip[s];
    bool other_page = g->slot_known[s] && ((lin ^ (b->cs_base + b->eip)) & TLB_PAGE_MASK);
    if (!other_page && g->nto_slot[s] == 1) {
        slots->direct[s] = g->to_slot[s][0];
        slots->stub[s] = x->pos;
    }
    uint32_t miss = X64_NO_SITE, stale = X64_NO_SITE;
    if (other_page) {
        /* The guard of a chain to another page: the TLB's execute entry for
         * the successor's linear page holds it (else the table of recent
         * targets may know the block), mapping the physical page the
         * successor was translated from (imm32, patched by link_page; else
         * the chain is stale: the core chains the slot anew). */
        int32_t e = x64_tlb_table(b) +
                    (int32_t)(((lin >> 12) & (TLB_SIZE - 1)) * sizeof(struct tlb_entry));
        x64_alu_mi(x, X64_CMP, 4,
                   X64_MEM(X64_RBX, e + (int32_t)offsetof(struct tlb_entry, tag) + 4 * ACC_EXEC),
                   (int32_t)(lin & TLB_PAGE_MASK));
        miss = x64_jcc32(x, X64_CC_NE);
        x64_byte(x, 0xb8); /* mov eax, imm32 */
        slots->guard[s] = x->pos;
        x64_u32(x, 0xffffffffu); /* no page: unlinked anyway */
        x64_alu_rm(x, X64_CMP, 8, X64_RAX,
                   X64_MEM(X64_RBX, e + (int32_t)offsetof(struct tlb_entry, phys)));
        stale = x64_jcc32(x, X64_CC_NE);
    }
    slots->site[s] = x64_jmp_site(x);
    if (other_page) {
        x64_patch_rel32(x, miss);
        x64_mov_ri(x, 8, X64_RAX, (uint64_t)(uintptr_t)g->st->guard_misses);
        x64_inc_m(x, 8, X64_MEM(X64_RAX, 0));
    }
    /* Not chained: EIP for whoever looks (a slot not known was left by a
     * handler, which stored it). */
    if (g->slot_known[s])
        x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)g->slot_eip[s]);
    /* A successor on another page may still be in the table of recent
     * targets. */
    uint32_t fail[20];
    int nfail = 0;
    if (other_page) {
        lookup_and_enter(g, fail, &nfail, X64_NOREG, g->slot_eip[s]);
        x64_patch_rel32(x, stale);
        x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)g->slot_eip[s]);
    }
    patch_all(x, fail, nfail);
    exit_to_core(g, s);
}

void x64_gen_side_exit(struct x64_gen *g, const struct x64_cold *c)
{
    x64_rc_emit_stores(g, c->dirty);
    x64_store_lf_pend(g, &c->lf);
    if (c->pending)
        x64_alu_ri(g->x, X64_SUB, 8, X64_BUDGET, c->pending); /* (what the block does not run) */
    slot_stub(g, c->slot, g->slots);
}

void x64_gen_block(struct x64_buf *x, struct tr_block *b, const struct x64_stubs *st,
                   struct x64_slots *slots)
{
    for (int s = 0; s < TR_NSLOTS; s++)
        slots->site[s] = slots->guard[s] = slots->direct[s] = slots->stub[s] = X64_NO_SITE;
    slots->nfault = 0;
    struct x64_gen g = {.x = x, .b = b, .st = st, .lf_known = X64_LF_UNKNOWN, .win_tlb = -1,
                        .fm_at = X64_NO_SITE, .fm_patch = X64_NO_SITE, .slots = slots};
    x64_rc_plan(&g);
    x64_win_plan(&g);
    uint32_t eip = b->eip;
    /* The prologue: the whole block from the budget at once, or (too little
     * left: backend.h's rule of a chained entry) back to the dispatcher,
     * which runs what the budget allows. A chained jump is then one jmp. */
    x64_alu_ri(x, X64_SUB, 8, X64_BUDGET, (int32_t)b->n);
    uint32_t short_budget = x64_jcc32(x, X64_CC_B);
    g.pending = -(int)b->n;
    g.loop_head = X64_NO_SITE;
    if (loops_to_start(b)) {
        for (int r = 0; r < 8; r++)
            if (g.rc.host[r] >= 0)
                x64_rc_src(&g, r, X64_RAX); /* (loaded) */
        g.loop_regs = g.rc.dirty = g.rc.loaded;
        g.loop_head = x->pos;
    }
    bool ended = false, helper = false;
    for (int i = 0; i < b->n; i++) {
        const struct insn *in = &b->insn[i];
        bool last = i == b->n - 1;
        g.i = i;
        g.eip = eip;
        g.next = last ? b->end_eip : eip + in->len;
        bool moves;
        bool over = lf_overwritten(b, i, &g.lf_window_end, &moves, &g.lf_window_writes);
        g.lf_dead = over && !moves;
        g.lf_fault_dead = over && moves;
        g.lf_side = !over && side_read_only(b, i, &g.lf_window_end, &moves, &g.lf_window_writes);
        g.lf_side_free = g.lf_side && !moves;
        if (g.lf_pend.valid && i >= g.lf_pend_end)
            g.lf_pend.valid = false; /* (overwritten by instruction i) */
        enum x64_native r = x64_native(&g, in);
        x64_cold_close(&g, r == X64_NATIVE_ENDED);
        helper = r == X64_NATIVE_NO;
        if (g.x87.open && (helper || i == g.x87.last)) {
            /* (the cold stubs' cont is before this: they load the host's
             * stack again) */
            if (r == X64_NATIVE_ENDED)
                x->error = true; /* cannot happen: a run ends inside its block */
            x64_x87_close(&g);
        }
        if (helper) {
            helper_insn(&g, in, last);
            g.lf_known = X64_LF_UNKNOWN;
            g.x87_synced = false;
        }
        if (r == X64_NATIVE_ENDED) {
            ended = true;
            break;
        }
        eip = g.next;
    }
    if (!ended)
        block_end(&g, helper);
    /* When the body ends in a jump to a slot's stub, the stub goes right
     * here and the jump is left out: a chained block falls into its
     * patched jmp. */
    int inline_slot = -1;
    if (g.slot_jmp_end == x->pos && !x->overflow && !x->error) {
        inline_slot = g.slot_jmp_slot;
        x->pos -= 5; /* the jmp rel32, the last site recorded for its slot */
        g.nto_slot[inline_slot]--;
        slot_stub(&g, inline_slot, slots);
    }
    x64_gen_cold(&g);

    /* Entered with less budget than the block: undone, at its start. */
    x64_patch_rel32(x, short_budget);
    x64_alu_ri(x, X64_ADD, 8, X64_BUDGET, (int32_t)b->n);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)b->eip);
    x64_gen_jmp_stop(&g);

    /* STOP: the dispatcher decides from cpu->eip. */
    patch_all(x, g.stop, g.nstop);
    if (g.nstop)
        exit_to_core(&g, TR_EXIT_STOP);

    /* The other slots' stubs (slot_stub). */
    for (int s = 0; s < TR_NSLOTS; s++)
        if (s != inline_slot && g.nto_slot[s])
            slot_stub(&g, s, slots);
}

#endif
