/* The decoded-instruction cache: building traces, and dropping them when
 * their code is written (mmu/codepages.h) or the memory map changes. */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/icache.h"
#include "cpu/insn.h"
#include "cpu/insn_kind.h"
#include "mmu/memmap.h"
#include "mmu/tlb.h"

static void listener(void *opaque, enum codepage_event ev, uint64_t addr, uint32_t len)
{
    struct icache *ic = opaque;
    (void)len;
    switch (ev) {
    case CODEPAGE_MARKED: tlb_protect_code_page(ic->cpu, addr); break;
    case CODEPAGE_WRITTEN:
        /* The page's traces died with its generation; the trace running now
         * may have been among them (code patching the next instruction). */
        ic->cpu->exec_break = 1;
        break;
    case CODEPAGE_ALL: icache_flush(ic); break;
    }
}

struct icache *icache_create(struct cpu *cpu)
{
    if (!cpu->mem)
        return NULL;
    struct icache *ic = malloc(sizeof *ic);
    if (!ic)
        return NULL;
    ic->cpu = cpu;
    ic->code = memmap_codepages(cpu->mem);
    ic->epoch = 0;
    for (unsigned i = 0; i < (1u << ICACHE_HASH_BITS); i++)
        ic->hash[i].key = ICACHE_NO_KEY;
    icache_flush(ic);
    codepages_listen(ic->code, listener, ic);
    return ic;
}

void icache_destroy(struct icache *ic)
{
    if (!ic)
        return;
    codepages_unlisten(ic->code, listener, ic);
    free(ic);
}

void icache_flush(struct icache *ic)
{
    if (!ic)
        return;
    ic->epoch += 1ull << ICACHE_EPOCH_SHIFT;
    if (ic->epoch == 0) /* wrapped: old keys could come back to life */
        for (unsigned i = 0; i < (1u << ICACHE_HASH_BITS); i++)
            ic->hash[i].key = ICACHE_NO_KEY;
    ic->pool_used = 0;
    ic->cpu->exec_break = 1;
}

const struct icache_trace *icache_build(struct icache *ic, uint64_t phys, const uint8_t *host,
                                        bool code32)
{
    static const struct icache_trace none; /* n == 0: use the slow path */
    if (!codepage_trackable(phys))
        return &none;
    if (ic->pool_used + ICACHE_TRACE_MAX > ICACHE_POOL)
        icache_flush(ic);

    struct icache_trace *t = &ic->hash[icache_index(phys)];
    struct insn *pool = &ic->pool[ic->pool_used];
    uint32_t off = phys & 0xfff, pos = off;
    int n = 0;
    uint32_t clean = 0;
    while (n < ICACHE_TRACE_MAX && pos < 0x1000) {
        struct insn *in = &pool[n];
        /* Only whole instructions inside the page: one that crosses into the
         * next page, or does not decode, is left to the slow path. */
        if (decode_insn(in, host + (pos - off), (int)(0x1000 - pos), code32) != DEC_OK)
            break;
        if (insn_is_clean(in))
            clean |= 1u << n;
        n++;
        pos += in->len;
        enum insn_kind k = insn_kind(in);
        if (k == INSN_END || k == INSN_JUMP || k == INSN_INDIRECT)
            break;
    }
    *t = (struct icache_trace){
        .key = ic->epoch | phys << 1 | code32,
        .gen = codepage_gen(ic->code, phys),
        .bytes = (uint16_t)(pos - off),
        .n = (uint8_t)n,
        .clean = clean,
        .insn = n ? pool : NULL,
    };
    ic->pool_used += n;
    /* A failed slot is marked too (up to a maximal instruction), so that
     * code written there later is looked at again. */
    uint32_t marked = n ? pos - off : (0x1000 - off < 15 ? 0x1000 - off : 15);
    codepage_mark(ic->code, phys, marked);
    return t;
}
