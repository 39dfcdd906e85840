/* The x86-64 translator backend (translator/backend.h): guest blocks become
 * host code. Every instruction is either emitted natively (translator/x64/
 * native.c: what compiled code uses most) or a call to its interpreter
 * handler under run_cached's exact protocol; blocks chain to each other
 * through patched jumps, and indirect branches (and direct ones to another
 * page) go on through a table of recently entered blocks, `ind`.
 *
 * Generated code runs with RBX = struct cpu *, R12 = the budget and the
 * trampoline's frame at RSP (gen.h); RBP, R13-R15, R8 and R9 hold a block's
 * cached guest registers (regcache.c), which the block stores back to
 * cpu->gpr on its way out. The entry trampoline saves every callee-saved
 * register. */
#define _GNU_SOURCE /* REG_RIP */
#if defined(__x86_64__)

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "mmu/tlb.h"
#include "translator/backend.h"
#include "translator/tr_priv.h"
#include "translator/x64/gen.h"

/* Per-block patch information, stored right before the block's code. */
struct x64_block_hdr {
    uint32_t site[TR_NSLOTS];   /* offset (from code) of the jump site's rel32 */
    uint32_t guard[TR_NSLOTS];  /* ... of its TLB guard's imm32 (gen.h, x64_slots) */
    uint32_t direct[TR_NSLOTS]; /* ... of the body's jump to the stub, and of the */
    uint32_t stub[TR_NSLOTS];   /*   stub (gen.h, x64_slots) */
};
#define HDR_BYTES ((sizeof(struct x64_block_hdr) + 15) & ~(size_t)15) /* before each block's code */

/* A block with accesses through the fastmem region, and where its fault
 * sites are in x64_be.sites. Blocks are appended in arena order, so the
 * list is sorted by address. */
struct fm_block {
    const uint8_t *code;
    uint32_t size;
    uint32_t first, n; /* its sites */
};
/* One access through the region (gen.h, struct x64_fault), offsets from
 * the block's code, and how often the region refused its page. */
struct fm_site {
    uint16_t at, patch, stub;
    uint16_t faults;
};
/* An access whose page the region never maps (MMIO, ROM, a page of
 * cached code that is written) would pay a host fault every time: after
 * this many its patch site (the access, or the base's load before it)
 * becomes a jump to its ACCESS stub, the cost of a soft-TLB miss. */
#define FM_PATCH_AFTER 8

struct x64_be {
    struct tr_engine *tr;
    struct x64_ind ind[1u << X64_IND_BITS]; /* x64_stubs.ind */
    struct x64_stubs stubs; /* in the arena: rebuilt after every flush */
    bool have_stubs;
    struct fm_block *blocks; /* the arena's blocks with fastmem accesses */
    uint32_t nblocks, cap_blocks;
    struct fm_site *sites;
    uint32_t nsites, cap_sites;
    struct x64_be *next_fm; /* the list the signal handler walks */
};

/* ---- host faults in the fastmem region (mmu/fastmem.h) ----
 * A guest access there that the region does not allow raises SIGSEGV in
 * the generated code; the handler moves the host's RIP to the access's
 * ACCESS stub, which runs the instruction again through its handler (a
 * soft-TLB access: the guest's own #PF where there is one, else a refill
 * that maps the page). Nothing else of the host's state differs between
 * the access and that stub's entry (native.c, x64_fast_mem). A fault that is
 * not at a known site goes to the handler installed before. */
static struct x64_be *fm_list; /* backends whose blocks may fault so (one thread runs each) */
static struct sigaction fm_old;
static bool fm_installed;

static struct fm_site *fm_find(struct x64_be *be, uintptr_t rip, const uint8_t **code)
{
    uint32_t lo = 0, hi = be->nblocks;
    while (lo < hi) { /* the last block starting at or before rip */
        uint32_t mid = (lo + hi) / 2;
        if ((uintptr_t)be->blocks[mid].code <= rip)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return NULL;
    const struct fm_block *fb = &be->blocks[lo - 1];
    if (rip - (uintptr_t)fb->code >= fb->size)
        return NULL;
    for (uint32_t k = 0; k < fb->n; k++)
        if ((uintptr_t)fb->code + be->sites[fb->first + k].at == rip) {
            *code = fb->code;
            return &be->sites[fb->first + k];
        }
    return NULL;
}

static void fm_on_segv(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    for (struct x64_be *be = fm_list; be; be = be->next_fm) {
        const uint8_t *code;
        struct fm_site *site;
        struct fastmem *fm = be->tr->fastmem;
        uintptr_t addr = (uintptr_t)si->si_addr;
        if (!fastmem_contains(fm, addr) || !(site = fm_find(be, rip, &code)))
            continue;
        /* The page fault's error code: bit 1, a write (SDM Vol. 3A 4.7). */
        bool write = (uc->uc_mcontext.gregs[REG_ERR] >> 1) & 1;
        uint64_t lin = addr - (uintptr_t)fm->base;
        enum tlb_fm_fault f =
            lin >> 32 ? TLB_FM_REFUSED : tlb_fastmem_fault(be->tr->cpu, (uint32_t)lin, write);
        if (f == TLB_FM_MAPPED)
            return; /* mapped from the soft TLB's entry: the access again */
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(code + site->stub);
        /* (a guest's page fault, on a page touched first, is no reason) */
        if (f == TLB_FM_REFUSED && ++site->faults == FM_PATCH_AFTER) {
            /* (the code is not running: we are in its place) */
            x64_set_jmp_at((uint8_t *)code + site->patch, code + site->stub);
            fm->patched++;
        }
        return;
    }
    /* Not ours: as if this handler were not there. */
    if ((fm_old.sa_flags & SA_SIGINFO) && fm_old.sa_sigaction) {
        fm_old.sa_sigaction(sig, si, ctx);
    } else if (fm_old.sa_handler != SIG_IGN && fm_old.sa_handler != SIG_DFL) {
        fm_old.sa_handler(sig);
    } else {
        signal(SIGSEGV, SIG_DFL); /* the access faults again, and kills */
    }
}

static bool fm_install(void)
{
    if (fm_installed)
        return true;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fm_on_segv;
    sa.sa_flags = SA_SIGINFO; /* (a fault in the handler itself kills: the signal is blocked) */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &fm_old))
        return false;
    fm_installed = true;
    return true;
}

/* Record the fault sites of block code `code` (`size` bytes). */
static bool fm_record(struct x64_be *be, const uint8_t *code, uint32_t size,
                      const struct x64_slots *slots)
{
    if (be->nblocks == be->cap_blocks) {
        uint32_t cap = be->cap_blocks ? 2 * be->cap_blocks : 1024;
        struct fm_block *nb = realloc(be->blocks, cap * sizeof *nb);
        if (!nb)
            return false;
        be->blocks = nb;
        be->cap_blocks = cap;
    }
    if (be->nsites + (uint32_t)slots->nfault > be->cap_sites) {
        uint32_t cap = be->cap_sites ? 2 * be->cap_sites : 8192;
        while (cap < be->nsites + (uint32_t)slots->nfault)
            cap *= 2;
        struct fm_site *ns = realloc(be->sites, cap * sizeof *ns);
        if (!ns)
            return false;
        be->sites = ns;
        be->cap_sites = cap;
    }
    be->blocks[be->nblocks++] =
        (struct fm_block){.code = code, .size = size, .first = be->nsites, .n = (uint32_t)slots->nfault};
    for (int k = 0; k < slots->nfault; k++)
        be->sites[be->nsites++] = (struct fm_site){.at = (uint16_t)slots->fault[k].at,
                                                   .patch = (uint16_t)slots->fault[k].patch,
                                                   .stub = (uint16_t)slots->fault[k].stub};
    return true;
}

static void *x64_create(struct tr_engine *tr)
{
    struct x64_be *be = calloc(1, sizeof *be);
    if (be) {
        be->tr = tr;
        be->stubs.ind = be->ind;
        be->stubs.guard_misses = &tr->stats.guard_misses;
    }
    return be;
}

static void x64_destroy(void *p)
{
    struct x64_be *be = p;
    for (struct x64_be **l = &fm_list; *l; l = &(*l)->next_fm)
        if (*l == be) {
            *l = be->next_fm;
            break;
        }
    free(be->blocks);
    free(be->sites);
    free(be);
}

static void x64_flush(void *p)
{
    struct x64_be *be = p;
    be->have_stubs = false;
    memset(be->ind, 0, sizeof be->ind);
    be->nblocks = be->nsites = 0;
}

/* The trampoline's frame below the six saved registers (gen.h). */
#define FRAME (X64_WIN_SLOT0 + 8 * X64_WIN_SLOTS + 8)
_Static_assert((FRAME + 6 * 8 + 8) % 16 == 0, "RSP 16-byte aligned in generated code");

/* The entry trampoline, the common epilogue and the snapshot stub. */
static bool emit_stubs(struct x64_be *be)
{
    enum { SIZE = 512 };
    uint8_t *mem = tr_code_alloc(be->tr, SIZE);
    if (!mem)
        return false;
    struct x64_buf b;
    x64_init(&b, mem, SIZE);
    /* struct tr_exit enter(struct cpu *cpu, struct tr_ctx *ctx, void *code) */
    be->stubs.enter = x64_here(&b);
    static const int saved[] = {X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14, X64_R15};
    for (int i = 0; i < 6; i++)
        x64_push(&b, saved[i]);
    /* the icount base, the ctx pointer and the page windows' slots (gen.h),
     * 16-byte aligned for helper calls */
    x64_alu_ri(&b, X64_SUB, 8, X64_RSP, FRAME);
    x64_mov_rr(&b, 8, X64_RBX, X64_RDI);
    x64_mov_mr(&b, 8, X64_CTX_SLOT, X64_RSI);
    x64_mov_rm(&b, 8, X64_BUDGET, X64_MEM(X64_RSI, (int32_t)offsetof(struct tr_ctx, budget)));
    x64_count_after_call(&b); /* the counting base (gen.h, X64_ICOUNT_BASE) */
    x64_jmp_r(&b, X64_RDX);
    /* epilogue: RAX:RDX already hold the struct tr_exit */
    x64_align(&b, 16);
    be->stubs.epilogue = x64_here(&b);
    x64_count_before_call(&b, X64_RCX); /* icount from the budget; RAX:RDX kept */
    x64_mov_rm(&b, 8, X64_RCX, X64_CTX_SLOT);
    x64_mov_mr(&b, 8, X64_MEM(X64_RCX, (int32_t)offsetof(struct tr_ctx, budget)), X64_BUDGET);
    x64_alu_ri(&b, X64_ADD, 8, X64_RSP, FRAME);
    for (int i = 5; i >= 0; i--)
        x64_pop(&b, saved[i]);
    x64_ret(&b);
    /* snapshot: cpu_snapshot() (cpu/snapshot.h), RAX clobbered, flags kept */
    x64_align(&b, 16);
    be->stubs.snapshot = x64_here(&b);
    for (int i = 0; i < 8; i++) {
        x64_mov_rm(&b, 8, X64_RAX, X64_MEM(X64_RBX, CPU_OFF(gpr) + 8 * i));
        x64_mov_mr(&b, 8, X64_MEM(X64_RBX, CPU_OFF(snap_gpr) + 8 * i), X64_RAX);
    }
    x64_mov_rm(&b, 4, X64_RAX, X64_MEM(X64_RBX, CPU_OFF(eflags)));
    x64_mov_mr(&b, 4, X64_MEM(X64_RBX, CPU_OFF(snap_eflags)), X64_RAX);
    for (int i = 0; i < 5; i++) {
        x64_mov_rm(&b, 4, X64_RAX, X64_MEM(X64_RBX, CPU_OFF(lf) + 4 * i));
        x64_mov_mr(&b, 4, X64_MEM(X64_RBX, CPU_OFF(snap_lf) + 4 * i), X64_RAX);
    }
    x64_mov_rm(&b, 8, X64_RAX, X64_MEM(X64_RBX, CPU_OFF(icount)));
    x64_lea(&b, 8, X64_RAX, X64_MEM(X64_RAX, 1));
    x64_mov_mr(&b, 8, X64_MEM(X64_RBX, CPU_OFF(snap_tag)), X64_RAX);
    x64_ret(&b);
    if (!x64_ok(&b))
        return false;
    be->have_stubs = true;
    return true;
}

/* Largest code a block can need: 32 helper-called instructions at ~100
 * bytes, or native ones at a few hundred, plus exits. */
#define BLOCK_ROOM (32u << 10)

static enum tr_status x64_translate(void *p, struct tr_block *b)
{
    struct x64_be *be = p;
    if (!be->have_stubs && !emit_stubs(be))
        return TR_FULL;
    size_t avail;
    uint8_t *mem = tr_code_reserve(be->tr, BLOCK_ROOM, &avail);
    if (!mem)
        return TR_FULL;
    if (avail > BLOCK_ROOM)
        avail = BLOCK_ROOM;
    struct x64_block_hdr *hdr = (struct x64_block_hdr *)(void *)mem;
    uint8_t *code = mem + HDR_BYTES;
    _Static_assert(sizeof(struct x64_block_hdr) <= HDR_BYTES, "header fits before the code");
    struct x64_buf x;
    x64_init(&x, code, (uint32_t)(avail - HDR_BYTES));
    struct x64_slots slots;
    bool fast = (b->mode & TR_MODE_FAST) && be->tr->fastmem;
    if ((b->mode & TR_MODE_FAST) && !fast)
        return TR_UNSUPPORTED; /* cannot happen: the mode needs cpu->fastmem */
    be->stubs.fastmem = fast ? be->tr->fastmem->base : NULL;
    x64_gen_block(&x, b, &be->stubs, &slots);
    if (!x64_ok(&x))
        return TR_UNSUPPORTED; /* cannot happen with BLOCK_ROOM; the core copes */
    if (slots.nfault) {
        if (!fm_install())
            return TR_UNSUPPORTED;
        if (!fm_record(be, code, x.pos, &slots))
            return TR_UNSUPPORTED;
        bool listed = false;
        for (struct x64_be *l = fm_list; l; l = l->next_fm)
            listed |= l == be;
        if (!listed) {
            be->next_fm = fm_list;
            fm_list = be;
        }
    }
    for (int s = 0; s < TR_NSLOTS; s++) {
        hdr->site[s] = slots.site[s];
        hdr->guard[s] = slots.guard[s];
        hdr->direct[s] = slots.direct[s];
        hdr->stub[s] = slots.stub[s];
    }
    b->code = code;
    b->code_size = x.pos;
    tr_code_commit(be->tr, HDR_BYTES + x.pos);
    return TR_OK;
}

static struct tr_exit x64_exec(void *p, struct tr_ctx *ctx, struct tr_block *b)
{
    struct x64_be *be = p;
    typedef struct tr_exit (*enter_fn)(struct cpu *, struct tr_ctx *, void *);
    if (!b->cross_len) /* (entered only through a lookup: translator/block.h) */
        /* the dispatcher found it: a likely target */
        be->ind[x64_ind_hash(b->eip)] = (struct x64_ind){b, ctx->cpu->tlb.gen};
    return ((enter_fn)(void *)be->stubs.enter)(ctx->cpu, ctx, b->code);
}

static struct x64_block_hdr *hdr_of(struct tr_block *b)
{
    return (struct x64_block_hdr *)(void *)((uint8_t *)b->code - HDR_BYTES);
}

static void x64_link(void *p, struct tr_block *from, int slot, struct tr_block *to)
{
    (void)p;
    struct x64_block_hdr *h = hdr_of(from);
    if (h->site[slot] == X64_NO_SITE)
        return;
    x64_set_jmp_site((uint8_t *)from->code + h->site[slot], to->code);
    if (h->direct[slot] != X64_NO_SITE)
        x64_set_jmp_site((uint8_t *)from->code + h->direct[slot], to->code);
}

static bool x64_link_page(void *p, struct tr_block *from, int slot, struct tr_block *to)
{
    (void)p;
    struct x64_block_hdr *h = hdr_of(from);
    if (h->site[slot] == X64_NO_SITE || h->guard[slot] == X64_NO_SITE || (to->phys >> 32))
        return false;
    uint32_t page = (uint32_t)to->phys & ~0xfffu;
    memcpy((uint8_t *)from->code + h->guard[slot], &page, 4);
    x64_set_jmp_site((uint8_t *)from->code + h->site[slot], to->code);
    return true;
}

static void x64_unlink(void *p, struct tr_block *from, int slot)
{
    (void)p;
    if (!from->code)
        return;
    struct x64_block_hdr *h = hdr_of(from);
    if (h->site[slot] == X64_NO_SITE)
        return;
    uint8_t *site = (uint8_t *)from->code + h->site[slot];
    x64_set_jmp_site(site, site + 4); /* falls through to the unchained exit */
    if (h->direct[slot] != X64_NO_SITE)
        x64_set_jmp_site((uint8_t *)from->code + h->direct[slot],
                         (uint8_t *)from->code + h->stub[slot]);
}

const struct tr_backend tr_backend_x64 = {
    .name = "x64",
    .exec_memory = true,
    .fastmem = true,
    .side_exits = TR_SIDE_MAX,
    .create = x64_create,
    .destroy = x64_destroy,
    .translate = x64_translate,
    .exec = x64_exec,
    .link = x64_link,
    .unlink = x64_unlink,
    .link_page = x64_link_page,
    .flush = x64_flush,
};

#endif
