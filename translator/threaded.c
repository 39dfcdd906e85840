/* The portable backend: a block becomes an array of pre-decoded operations
 * (handler, instruction, its EIP and the next one, snapshot flag) run by a
 * tight loop, and chained blocks are followed by pointer without going back
 * to the dispatcher. No host-specific code: the default where x86-64 code
 * generation is not available. Exactness is run_cached's (cpu/exec.c). */
#include "cpu/snapshot.h"
#include "translator/tr_priv.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

struct th_op {
    insn_handler fn;
    const struct insn *in;
    uint32_t eip;  /* EIP of the instruction (insn_eip) */
    uint32_t next; /* EIP after it, 16-bit wrap applied */
    bool snap;     /* takes the register snapshot first */
};

static void *th_create(struct tr_engine *tr)
{
    return tr; /* no state of its own: the ops live in the arena */
}
static void th_destroy(void *be)
{
    (void)be;
}

static enum tr_status th_translate(void *be, struct tr_block *b)
{
    struct tr_engine *tr = be;
    struct th_op *op = tr_code_alloc(tr, b->n * sizeof *op);
    if (!op)
        return TR_FULL;
    uint32_t eip = b->eip, wrap = (b->mode & 1) ? 0xffffffffu : 0xffffu;
    for (unsigned i = 0; i < b->n; i++) {
        const struct insn *in = &b->insn[i];
        op[i] = (struct th_op){
            .fn = in->handler,
            .in = in,
            .eip = eip,
            .next = (eip + in->len) & wrap,
            .snap = !(b->clean & (1u << i)),
        };
        eip = op[i].next;
    }
    b->code = op;
    b->code_size = (uint32_t)(b->n * sizeof *op);
    return TR_OK;
}

static struct tr_exit th_exec(void *be, struct tr_ctx *ctx, struct tr_block *b)
{
    (void)be;
    struct cpu *cpu = ctx->cpu;
    /* The budget lives in a register here; ctx->budget is written back on
     * return (a fault longjmps past it, and cpu_run() counts from icount). */
    uint64_t budget = ctx->budget;
    struct tr_exit x;
    for (;;) {
        const struct th_op *op = b->code, *last = op + b->n - 1;
        for (;;) {
            if (op->snap) {
                cpu_snapshot(cpu);
                cpu->snap_tag = cpu->icount + 1;
            }
            cpu->insn_eip = op->eip;
            cpu->eip = op->next;
            op->fn(cpu, op->in);
            cpu->icount++;
            budget--;
            if (unlikely((cpu->eip != op->next) | cpu->exec_break | (uint32_t)cpu->pending_dr6)) {
                if (op != last || cpu->exec_break || cpu->pending_dr6) {
                    x = (struct tr_exit){b, TR_EXIT_STOP};
                    goto out;
                }
                break; /* the block's branch was taken */
            }
            if (op == last)
                break;
            op++;
        }
        if (b->end != TR_END_FALL && b->end != TR_END_DIRECT) {
            x = (struct tr_exit){b, TR_EXIT_STOP};
            goto out;
        }
        int slot = cpu->eip == b->end_eip ? TR_SLOT_FALL : TR_SLOT_TAKEN;
        struct tr_block *to = b->slot[slot].to;
        if (!to || to->n > budget || cpu->stop_request) {
            x = (struct tr_exit){b, slot};
            goto out;
        }
        ctx->tr->stats.chain_follows++;
        b = to;
    }
out:
    ctx->budget = budget;
    return x;
}

/* Links are the core's slot pointers (tr_block.slot[].to), which th_exec
 * follows: nothing to patch. */
static void th_link(void *be, struct tr_block *from, int slot, struct tr_block *to)
{
    (void)be, (void)from, (void)slot, (void)to;
}
static void th_unlink(void *be, struct tr_block *from, int slot)
{
    (void)be, (void)from, (void)slot;
}
static void th_flush(void *be)
{
    (void)be;
}

const struct tr_backend tr_backend_threaded = {
    .name = "threaded",
    .exec_memory = false,
    .create = th_create,
    .destroy = th_destroy,
    .translate = th_translate,
    .exec = th_exec,
    .link = th_link,
    .unlink = th_unlink,
    .flush = th_flush,
};
