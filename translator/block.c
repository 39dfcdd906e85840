/* Building a block: decode guest instructions with the shared decoder from
 * CS:EIP to the first control transfer (but the Jccs a backend with side
 * exits goes on past), instruction that ends a trace (cpu/insn_kind.h),
 * page end, CS limit or TR_BLOCK_MAX; then record its
 * code in the code-page tracking and hand it to the backend. */
#include <stdio.h>
#include <string.h>

#include "cpu/code_tlb.h"
#include "cpu/insn_kind.h"
#include "translator/tr_priv.h"

/* True for an instruction that loads DS, ES or SS (and may thus end
 * TR_MODE_FLAT) without ending a trace by itself: POP ES/DS, MOV ES/DS,Ew,
 * LES, LDS, LSS. (MOV SS and POP SS end every block already.) */
static bool loads_data_seg(const struct insn *in)
{
    switch (in->opcode) {
    case 0x007:
    case 0x01f:
    case 0x0c4:
    case 0x0c5:
    case 0x1b2: return true;
    case 0x08e: return in->reg == SEG_ES || in->reg == SEG_DS || in->reg == SEG_SS;
    default: return false;
    }
}

/* Allocate and decode; NULL when the arena is full (*full set) or nothing
 * decodes here. */
static struct tr_block *build(struct tr_engine *tr, uint64_t phys, const uint8_t *host, bool *full)
{
    struct cpu *cpu = tr->cpu;
    const struct seg_cache *cs = &cpu->seg[SEG_CS];
    bool code32 = cpu->code32;
    uint32_t eip = cpu->eip, mode = tr_mode(cpu);
    size_t mark = tr->data_used;
    struct tr_block *b = tr_data_alloc(tr, sizeof *b);
    struct insn *insn = tr_data_alloc(tr, TR_BLOCK_MAX * sizeof *insn);
    *full = !b || !insn;
    if (*full)
        return NULL;

    uint32_t off = phys & 0xfff, pos = off, e = eip, clean = 0;
    int n = 0, side = 0;
    enum tr_end end = TR_END_FALL;
    uint8_t cross[15];
    int cross_len = 0;
    while (n < TR_BLOCK_MAX && pos < 0x1000) {
        struct insn *in = &insn[n];
        /* Whole instructions inside the page and inside CS only (and in
         * 16-bit code not wrapping IP): the rest is left to the interpreter,
         * but for a first instruction running into the next page, which
         * makes a block of its own (block.h: cross_len). */
        int rc = decode_insn(in, host + (pos - off), (int)(0x1000 - pos), code32);
        if (rc == DEC_NEED_MORE && n == 0) {
            if (!tr_cross_fetch(cpu, cs->base + eip, host, cross, (int)sizeof cross) ||
                decode_insn(in, cross, (int)sizeof cross, code32) != DEC_OK)
                break;
            cross_len = in->len;
        } else if (rc != DEC_OK) {
            break;
        }
        if (e > cs->limit || cs->limit - e < (uint32_t)in->len - 1u ||
            (!code32 && e + in->len > 0x10000))
            break;
        if (insn_is_clean(in))
            clean |= 1u << n;
        n++;
        end = TR_END_FALL; /* (after a Jcc gone past: not the last one after all) */
        pos += in->len;
        e = (e + in->len) & (code32 ? 0xffffffffu : 0xffffu);
        enum insn_kind k = insn_kind(in);
        /* Every mode bit holds for the whole block and its chain: LSS may
         * change SS.B, and under TR_MODE_FLAT a data segment load may end
         * it (cpu/insn_kind.c lets both go on in an icache trace). */
        if (k == INSN_PLAIN &&
            (in->opcode == 0x1b2 || ((mode & TR_MODE_FLAT) && loads_data_seg(in))))
            k = INSN_END;
        if (k == INSN_PLAIN)
            continue;
        if (k == INSN_COND && tr_insn_is_jcc(in) && side < tr->ops->side_exits) {
            side++;
            end = TR_END_DIRECT; /* unless another instruction follows */
            continue;
        }
        end = k == INSN_COND || k == INSN_JUMP ? TR_END_DIRECT
              : k == INSN_INDIRECT             ? TR_END_INDIRECT
                                               : TR_END_SYSTEM;
        break;
    }
    if (n == 0) {
        tr->data_used = mark;
        return NULL;
    }
    tr->data_used =
        mark + ((sizeof *b + 15) & ~(size_t)15) + ((n * sizeof *insn + 15) & ~(size_t)15);
    *b = (struct tr_block){
        .phys = phys,
        .mode = mode,
        .eip = eip,
        .cs_base = cs->base,
        .cs_limit = cs->limit,
        .end_eip = e,
        .bytes = (uint16_t)((pos < 0x1000 ? pos : 0x1000) - off), /* this page's part */
        .n = (uint8_t)n,
        .end = (uint8_t)end,
        .clean = clean,
        .insn = insn,
        .valid = true,
        .cross_len = (uint8_t)cross_len,
    };
    memcpy(b->cross_bytes, cross, (size_t)cross_len);
    for (int i = 0; i < TR_NSLOTS; i++)
        b->slot[i] = (struct tr_slot){.from = b, .idx = (uint8_t)i};
    return b;
}

bool tr_cross_fetch(struct cpu *cpu, uint32_t lin, const uint8_t *host, uint8_t *buf, int len)
{
    uint32_t n1 = 0x1000 - (lin & 0xfff);
    if ((uint32_t)len <= n1) {
        memcpy(buf, host, (size_t)len);
        return true;
    }
    uint32_t lin2 = lin + n1;
    struct tlb_entry *e = cpu_exec_entry(cpu, lin2);
    if (!e)
        return false;
    memcpy(buf, host, n1);
    memcpy(buf + n1, (const uint8_t *)(uintptr_t)(lin2 + e->addend), (size_t)len - n1);
    return true;
}

struct tr_block *tr_block_build(struct tr_engine *tr, uint64_t phys, const uint8_t *host)
{
    if (!codepage_trackable(phys) || tr_page_hot(tr, phys))
        return NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool full;
        struct tr_block *b = build(tr, phys, host, &full);
        if (!b) {
            if (!full || attempt)
                return NULL;
            tr_flush(tr);
            continue;
        }
        enum tr_status st = tr->ops->translate(tr->be, b);
        if (st == TR_FULL) {
            if (attempt)
                return NULL;
            tr_flush(tr);
            continue;
        }
        if (st != TR_OK)
            b->code = NULL;
        else if (tr->perf_map && tr->ops->exec_memory)
            fprintf(tr->perf_map, "%lx %x vx86:%08x:%08x\n", (unsigned long)(uintptr_t)b->code,
                    (unsigned)b->code_size, (unsigned)b->cs_base, (unsigned)b->eip);
        codepage_mark(tr->code, phys, b->bytes);
        tr_insert(tr, b);
        tr->stats.blocks_built++;
        return b;
    }
    return NULL;
}
