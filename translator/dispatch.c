/* The translator's run loop (the engine's run function, cpu/cpu.h): find or
 * build the block at CS:EIP through the TLB's execute entry, run it through
 * the backend, chain direct successors so that the next run skips this
 * loop, guess indirect targets, and hand control back to cpu_run() at the
 * instruction boundary after anything it must look at. */
#include <string.h>

#include "cpu/code_tlb.h"
#include "cpu/debug.h"
#include "cpu/mem.h"
#include "cpu/snapshot.h"
#include "mmu/tlb.h"
#include "translator/tr_priv.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* The block for CS:EIP now, or NULL when the interpreter must run it (not
 * RAM/ROM, outside CS, beyond 4 GiB, a hot page, nothing decodes). */
static struct tr_block *lookup(struct tr_engine *tr, struct cpu *cpu, struct tr_block *guess)
{
    if (unlikely(tr->flush_pending))
        tr_flush(tr);
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    uint32_t eip = cpu->eip, lin;
    struct tlb_entry *e = cpu_code_entry(cpu, &lin);
    if (unlikely(!e))
        return NULL;
    uint64_t phys = e->phys | (lin & 0xfff);
    struct fastmem *fm = cpu->fastmem;
    if (fm && !fm->active && cpu->cpl == 3 && cpu->icount - fm->quiet_since >= fm->quiet)
        fastmem_activate(fm); /* (mmu/fastmem.h: long enough without a full flush) */
    uint32_t mode = tr_mode(cpu);
    const uint8_t *host = (const uint8_t *)(uintptr_t)(lin + e->addend);
    struct tr_block *b;
    if (guess && guess->valid && guess->phys == phys && guess->eip == eip && guess->mode == mode &&
        guess->cs_base == cs->base && guess->cs_limit == cs->limit) {
        b = guess;
    } else {
        tr->stats.lookups++;
        b = tr_hash_find(tr, phys, eip, mode, cs->base, cs->limit);
    }
    if (b && unlikely(b->cross_len)) {
        /* its second page is not tracked: compare the bytes */
        uint8_t now[15];
        if (tr_cross_fetch(cpu, lin, host, now, b->cross_len) &&
            !memcmp(now, b->cross_bytes, b->cross_len))
            return b;
        tr_drop(tr, b);
        b = NULL;
    }
    return b ? b : tr_block_build(tr, phys, host);
}

/* Whether `to` may follow `from` through a chained slot at all: both
 * translated and valid, keyed by EIP and CS (so the successor's linear
 * address is fixed), a slot of a direct exit (the end's, or a side exit's
 * whatever the end), and mode and CS cannot change on a direct near
 * branch. */
static bool chainable(const struct tr_block *from, int slot, const struct tr_block *to)
{
    return from->valid && to->valid && from->code && to->code && !to->cross_len &&
           (from->end == TR_END_FALL || from->end == TR_END_DIRECT || slot >= TR_SLOT_SIDE0) &&
           from->mode == to->mode && from->cs_base == to->cs_base && from->cs_limit == to->cs_limit;
}

/* On the linear page `from` was entered on (validated by a lookup) the
 * successor is on the same physical page: the chain stays right for every
 * later entry of `from`. A successor on another page needs the backend's
 * guard (backend.h, link_page). */
static bool same_page(const struct tr_block *from, const struct tr_block *to)
{
    return (((from->cs_base + from->eip) ^ (to->cs_base + to->eip)) & TLB_PAGE_MASK) == 0 &&
           ((from->phys ^ to->phys) & ~0xfffull) == 0;
}

/* After b left through slot s to nb (found by a lookup): chain them when
 * the backend can, else remember nb as the slot's guess. */
static void chain(struct tr_engine *tr, struct tr_block *b, int slot, struct tr_block *nb)
{
    struct tr_slot *s = &b->slot[slot];
    if (s->to == nb)
        return; /* a guarded chain whose TLB entry was gone: found again */
    if (!chainable(b, slot, nb))
        s->guess = nb;
    else if (same_page(b, nb))
        tr_link(tr, b, slot, nb);
    else if (!tr_link_page(tr, b, slot, nb)) /* (replacing a chain to nb's old page) */
        s->guess = nb;
}

/* Anything cpu_run() must decide on before the next instruction. */
static inline bool must_leave(const struct cpu *cpu)
{
    return cpu->exec_break | cpu->stop_request | cpu->halted | cpu->inhibit_irq |
           cpu->triple_fault | cpu_irq_deliverable(cpu) | cpu->trap_after |
           (cpu->pending_dr6 != 0) | ((cpu->eflags & EF_TF) != 0) | ((cpu->dr[7] & 0xff) != 0) |
           cpu->trace_on;
}

/* Run b without the backend (not translated, or fewer instructions left
 * than it has): its decoded instructions through the handlers. */
static struct tr_exit run_decoded(struct tr_ctx *ctx, struct tr_block *b)
{
    uint32_t limit = b->n < ctx->budget ? b->n : (uint32_t)ctx->budget;
    uint32_t done = cpu_exec_decoded(ctx->cpu, b->insn, limit, b->eip, b->clean);
    ctx->budget -= done;
    struct tr_exit x = {b, TR_EXIT_STOP};
    if (done < b->n || ctx->cpu->exec_break || ctx->cpu->pending_dr6)
        return x;
    if (b->end == TR_END_FALL || b->end == TR_END_DIRECT)
        x.slot = ctx->cpu->eip == b->end_eip ? TR_SLOT_FALL : TR_SLOT_TAKEN;
    return x;
}

void tr_run(void *opaque, struct cpu *cpu, uint64_t max)
{
    struct tr_engine *tr = opaque;
    if (unlikely(tlb_is_stale(&cpu->tlb, cpu->a20_mask)))
        mmu_flush_all_global(cpu);
    tr->last_valid = false;
    struct tr_block *b = lookup(tr, cpu, NULL);
    if (!b) {
        tr->stats.fallbacks++;
        cpu_run_cached(cpu, max);
        return;
    }
    cpu->trap_after = false;
    cpu->eflags &= ~EF_RF;
    cpu->exec_break = 0;
    struct tr_ctx ctx = {.cpu = cpu, .tr = tr, .budget = max};
    /* A deliverable interrupt, or one held by a shadow, is looked at after
     * each instruction (as run_cached does). */
    if (cpu->shadow || cpu_irq_deliverable(cpu) || tr->one_block) {
        bool single = cpu->shadow || cpu_irq_deliverable(cpu);
        if (single)
            ctx.budget = 1;
        tr->last_valid = true;
        tr->last_eip = b->eip;
        uint64_t before = ctx.budget;
        /* Lockstep checking (translator/check.c) runs the backend's code for
         * one block: with the budget at b->n, exec() cannot go on into a
         * chained successor. */
        if (!single && b->code && b->n <= ctx.budget) {
            ctx.budget = before = b->n;
            tr->ops->exec(tr->be, &ctx, b);
        } else {
            run_decoded(&ctx, b);
        }
        tr->last_n = (uint32_t)(before - ctx.budget);
        goto out;
    }
    for (;;) {
        struct tr_exit x;
        if (likely(b->code && b->n <= ctx.budget))
            x = tr->ops->exec(tr->be, &ctx, b);
        else
            x = run_decoded(&ctx, b);
        if (ctx.budget == 0 || must_leave(cpu) || tlb_is_stale(&cpu->tlb, cpu->a20_mask))
            break;
        b = x.last;
        /* Nothing cpu_run() must see happened (must_leave() covers what it
         * looks at between instructions: interrupts, shadows, traps,
         * stops): go on at CS:EIP, wherever the block left it, even after
         * an instruction that ends a trace or a stop inside a block. */
        struct tr_block *guess;
        if (x.slot >= 0)
            guess = b->slot[x.slot].to ? b->slot[x.slot].to : b->slot[x.slot].guess;
        else
            guess = b->ind_next; /* the last one found after b: a guess, checked */
        uint64_t gen = tr->flush_gen;
        struct tr_block *nb = lookup(tr, cpu, guess);
        if (!nb)
            break;
        if (gen == tr->flush_gen) { /* else b is gone with the flush */
            if (x.slot < 0)
                b->ind_next = nb;
            else
                chain(tr, b, x.slot, nb);
        }
        cpu->exec_break = 0; /* building may have protected TLB entries */
        cpu->eflags &= ~EF_RF; /* as at every instruction start (IRET may set it) */
        b = nb;
    }
out:
    if (unlikely(cpu->trap_after || cpu->pending_dr6))
        cpu_debug_insn_end(cpu);
}
