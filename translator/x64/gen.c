/* The skeleton of a translated block: per instruction native code or a call
 * to the interpreter's handler with run_cached's protocol (cpu/exec.c), then
 * the exits: STOP (back to the dispatcher) and one stub per chainable slot
 * whose patched jump leads straight into the successor. */
#if defined(__x86_64__)

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "translator/backend.h"
#include "translator/x64/gen.h"

void x64_gen_flush(struct x64_gen *g)
{
    if (!g->pending)
        return;
    struct x64_buf *x = g->x;
    /* MOV/LEA only: the host flags may hold the guest's. */
    x64_mov_rm(x, 8, X64_RAX, X64_MEM(X64_RBX, CPU_OFF(icount)));
    x64_lea(x, 8, X64_RAX, X64_MEM(X64_RAX, (int32_t)g->pending));
    x64_mov_mr(x, 8, X64_MEM(X64_RBX, CPU_OFF(icount)), X64_RAX);
    x64_mov_rm(x, 8, X64_RAX, X64_MEM(X64_R12, (int32_t)offsetof(struct tr_ctx, budget)));
    x64_lea(x, 8, X64_RAX, X64_MEM(X64_RAX, -(int32_t)g->pending));
    x64_mov_mr(x, 8, X64_MEM(X64_R12, (int32_t)offsetof(struct tr_ctx, budget)), X64_RAX);
    g->pending = 0;
}

void x64_gen_jmp_stop(struct x64_gen *g)
{
    uint32_t s = x64_jmp32(g->x);
    if (g->nstop < X64_MAX_EXITS)
        g->stop[g->nstop++] = s;
    else
        g->x->error = true;
}

void x64_gen_jmp_slot(struct x64_gen *g, int slot)
{
    uint32_t s = x64_jmp32(g->x);
    if (g->nto_slot[slot] < 8)
        g->to_slot[slot][g->nto_slot[slot]++] = s;
    else
        g->x->error = true;
}

void x64_gen_call(struct x64_gen *g, const void *fn)
{
    x64_call_abs(g->x, fn, X64_RAX);
    g->flags_valid = false;
}

/* jne to STOP (flags from a preceding compare). */
static void jne_stop(struct x64_gen *g)
{
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
    x64_gen_flush(g);
    if (!((g->b->clean >> g->i) & 1))
        x64_call_abs(x, g->st->snapshot, X64_RAX);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(insn_eip)), (int32_t)g->eip);
    x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)g->next);
    x64_mov_rr(x, 8, X64_RDI, X64_RBX);
    x64_mov_ri(x, 8, X64_RSI, (uint64_t)(uintptr_t)in);
    x64_gen_call(g, (const void *)in->handler);
    g->pending = 1;
    x64_gen_flush(g);
    if (last)
        return; /* the block's end checks */
    x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)g->next);
    jne_stop(g);
    x64_alu_mi(x, X64_CMP, 1, X64_MEM(X64_RBX, CPU_OFF(exec_break)), 0);
    jne_stop(g);
    x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(pending_dr6)), 0);
    jne_stop(g);
}

/* After the last instruction when it did not emit its own exits. */
static void block_end(struct x64_gen *g, bool helper)
{
    struct x64_buf *x = g->x;
    struct tr_block *b = g->b;
    x64_gen_flush(g);
    if (helper) {
        x64_alu_mi(x, X64_CMP, 1, X64_MEM(X64_RBX, CPU_OFF(exec_break)), 0);
        jne_stop(g);
        x64_alu_mi(x, X64_CMP, 4, X64_MEM(X64_RBX, CPU_OFF(pending_dr6)), 0);
        jne_stop(g);
    } else {
        x64_mov_mi(x, 4, X64_MEM(X64_RBX, CPU_OFF(eip)), (int32_t)b->end_eip);
    }
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
            uint32_t s = x64_jcc32(x, X64_CC_E);
            if (g->nto_slot[TR_SLOT_FALL] < 8)
                g->to_slot[TR_SLOT_FALL][g->nto_slot[TR_SLOT_FALL]++] = s;
            else
                x->error = true;
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

void x64_gen_block(struct x64_buf *x, struct tr_block *b, const struct x64_stubs *st,
                   struct x64_slots *slots)
{
    struct x64_gen g = {.x = x, .b = b, .st = st};
    uint32_t eip = b->eip;
    bool ended = false, helper = false;
    for (int i = 0; i < b->n; i++) {
        const struct insn *in = &b->insn[i];
        bool last = i == b->n - 1;
        g.i = i;
        g.eip = eip;
        g.next = last ? b->end_eip : eip + in->len;
        g.lf_dead = !last && x64_native_kills_flags(b, &b->insn[i + 1]);
        enum x64_native r = x64_native(&g, in);
        helper = r == X64_NATIVE_NO;
        if (helper)
            helper_insn(&g, in, last);
        if (r == X64_NATIVE_ENDED) {
            ended = true;
            break;
        }
        eip = g.next;
    }
    if (!ended)
        block_end(&g, helper);

    /* STOP: the dispatcher decides from cpu->eip. */
    patch_all(x, g.stop, g.nstop);
    if (g.nstop)
        exit_to_core(&g, TR_EXIT_STOP);

    /* Slot stubs: chained when the budget covers the successor and nothing
     * asked the run loop to look; else back to the core with the slot. */
    for (int s = 0; s < TR_NSLOTS; s++) {
        slots->site[s] = slots->need[s] = X64_NO_SITE;
        if (!g.nto_slot[s])
            continue;
        x64_align(x, 8);
        patch_all(x, g.to_slot[s], g.nto_slot[s]);
        x64_alu_mi(x, X64_CMP, 1, X64_MEM(X64_RBX, CPU_OFF(exec_break)), 0);
        uint32_t busy = x64_jcc8(x, X64_CC_NE);
        x64_alu_mi(x, X64_CMP, 8, X64_MEM(X64_R12, (int32_t)offsetof(struct tr_ctx, budget)),
                   0x7fffffff); /* imm32 patched to the successor's length */
        slots->need[s] = x->pos - 4;
        uint32_t low = x64_jcc8(x, X64_CC_B);
        slots->site[s] = x64_jmp_site(x);
        x64_patch_rel8(x, busy);
        x64_patch_rel8(x, low);
        exit_to_core(&g, s);
    }
}

#endif
