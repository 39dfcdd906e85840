/* The block's guest registers in host registers (gen.h, struct x64_rc).
 * A block chooses up to X64_RC_N guest registers by how often its
 * instructions name them; each gets one of the callee-saved host registers
 * for the whole block. A cached register is loaded on its first use and
 * written in its host register; cpu->gpr gets the value back (sync) where
 * C code or the next block looks: before each exit, handler call and
 * exception, and in the cold stubs (which load the cache again before they
 * go back into the fast path).
 * The host registers always hold the 32-bit value zero-extended: loads and
 * 32-bit writes clear the upper half, and 16/8-bit writes keep it. */
#if defined(__x86_64__)

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "translator/x64/gen.h"

/* The callee-saved four first; the few calls in a fast path save R8 and
 * R9 (native.c), and no other code of a block uses them. */
static const int cache_host[X64_RC_N] = {X64_R14, X64_R15, X64_RBP, X64_R13, X64_R8, X64_R9};

static struct x64_mem gpr(int r, int byte)
{
    return X64_MEM(X64_RBX, CPU_OFF(gpr) + 8 * r + byte);
}

/* Whether the ModRM reg field of `op` names a register (not an opcode
 * extension). */
static bool reg_field_is_register(unsigned op)
{
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: case 0x8f: case 0xc0: case 0xc1:
    case 0xc6: case 0xc7: case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xf6:
    case 0xf7: case 0xfe: case 0xff: case 0x100: case 0x101: case 0x1ba: case 0x1c7:
        return false;
    default:
        return op < 0xd8 || op > 0xdf;
    }
}

/* The guest register a `size`-byte register operand `r` lives in. */
static int whole(int r, int size) { return size == 1 ? (r & 3) : r; }

void x64_rc_plan(struct x64_gen *g)
{
    const struct tr_block *b = g->b;
    /* Per guest register: how often the block names it, and the same
     * weighted by how likely the fast path gets there: halved after each
     * Jcc the block goes on past (a loop's body before its branch back
     * weighs more than the code after the loop). */
    int named[8] = {0}, uses[8] = {0}, n = X64_RC_N, weight = 16;
    for (int i = 0; i < b->n; i++) {
        const struct insn *in = &b->insn[i];
        unsigned op = in->opcode;
        int here[8] = {0}; /* the registers this instruction names */
        int size = (in->flags & D_BYTE) ? 1 : 4;
        if (in->is_mem) {
            if (in->ea_base != EA_NONE)
                here[in->ea_base & 7]++;
            if (in->ea_index != EA_NONE)
                here[in->ea_index & 7]++;
        } else if (in->has_modrm) {
            here[whole(in->rm, size)]++;
        }
        if (in->has_modrm && reg_field_is_register(op))
            here[whole(in->reg, size)]++;
        if ((op >= 0x40 && op <= 0x5f) || (op >= 0x91 && op <= 0x97) || (op >= 0xb8 && op <= 0xbf))
            here[op & 7]++;
        if ((op >= 0x50 && op <= 0x5f) || op == 0x68 || op == 0x6a || op == 0xc3 || op == 0xe8 ||
            op == 0xc9 || (op == 0xff && (in->reg == 2 || in->reg == 6)))
            here[R_ESP]++;
        if (op == 0xc9)
            here[R_EBP]++;
        for (int r = 0; r < 8; r++) {
            named[r] += here[r];
            uses[r] += here[r] * weight;
        }
        if (tr_insn_is_jcc(in) && weight > 1)
            weight /= 2;
    }
    for (int r = 0; r < 8; r++)
        g->rc.host[r] = -1;
    g->rc.loaded = g->rc.dirty = 0;
    /* the most used first; a register named once gains nothing */
    for (int k = 0; k < n; k++) {
        int best = -1;
        for (int r = 0; r < 8; r++)
            if (g->rc.host[r] < 0 && named[r] >= 2 && (best < 0 || uses[r] > uses[best]))
                best = r;
        if (best < 0)
            break;
        g->rc.host[best] = (int8_t)cache_host[k];
    }
}

/* Guest register r's cache register to cpu->gpr (the whole slot, as
 * cpu_set_reg writes a 32-bit value); store_back also marks it clean. */
static void emit_store(struct x64_gen *g, int r)
{
    x64_mov_mr(g->x, 8, gpr(r, 0), g->rc.host[r]);
}

static void store_back(struct x64_gen *g, int r)
{
    emit_store(g, r);
    g->rc.dirty &= (uint8_t)~(1u << r);
}

/* The cache register of guest register r, loaded. */
static int loaded_host(struct x64_gen *g, int r)
{
    int h = g->rc.host[r];
    if (!(g->rc.loaded & (1u << r))) {
        x64_mov_rm(g->x, 4, h, gpr(r, 0));
        g->rc.loaded |= (uint8_t)(1u << r);
    }
    return h;
}

int x64_rc_src(struct x64_gen *g, int r, int tmp)
{
    if (g->rc.host[r] >= 0)
        return loaded_host(g, r);
    x64_mov_rm(g->x, 4, tmp, gpr(r, 0));
    return tmp;
}

void x64_rc_load(struct x64_gen *g, int host, int r, int size)
{
    struct x64_buf *x = g->x;
    int w = whole(r, size);
    bool high = size == 1 && r >= 4;
    uint8_t bit = (uint8_t)(1u << w);
    if (high && (g->rc.dirty & bit))
        store_back(g, w); /* AH..BH have no encoding beside a REX register: from memory */
    if (g->rc.host[w] < 0 || high) {
        if (size == 4)
            x64_mov_rm(x, 4, host, gpr(w, 0));
        else
            x64_movzx_rm(x, 4, size, host, gpr(w, high));
        return;
    }
    int h = loaded_host(g, w);
    if (size == 4) {
        if (h != host)
            x64_mov_rr(x, 4, host, h);
    } else {
        x64_movzx_rr(x, 4, size, host, h);
    }
}

void x64_rc_store(struct x64_gen *g, int r, int host, int size)
{
    struct x64_buf *x = g->x;
    int w = whole(r, size);
    uint8_t bit = (uint8_t)(1u << w);
    int h = g->rc.host[w];
    x64_win_break(g, w);
    if (h >= 0 && size == 1 && r >= 4) {
        /* AH..BH: through memory, the cache register given up */
        if (g->rc.dirty & bit)
            store_back(g, w);
        g->rc.loaded &= (uint8_t)~bit;
        h = -1;
    }
    if (h < 0) {
        x64_mov_mr(x, size == 4 ? 8 : size, gpr(w, size == 1 && r >= 4), host);
        return;
    }
    if (size != 4)
        loaded_host(g, w); /* the other bits */
    if (h != host)
        x64_mov_rr(x, size, h, host);
    x64_rc_written(g, w);
}

int x64_rc_host(const struct x64_gen *g, int r) { return g->rc.host[r]; }

void x64_rc_written(struct x64_gen *g, int r)
{
    x64_win_break(g, r);
    g->rc.loaded |= (uint8_t)(1u << r);
    g->rc.dirty |= (uint8_t)(1u << r);
}

void x64_rc_emit_stores(struct x64_gen *g, uint8_t dirty)
{
    for (int r = 0; r < 8; r++)
        if (dirty & (1u << r))
            emit_store(g, r);
}

void x64_rc_emit_loads(struct x64_gen *g, uint8_t loaded)
{
    for (int r = 0; r < 8; r++)
        if (loaded & (1u << r))
            x64_mov_rm(g->x, 4, g->rc.host[r], gpr(r, 0));
}

void x64_rc_sync(struct x64_gen *g)
{
    for (int r = 0; r < 8; r++)
        if (g->rc.dirty & (1u << r))
            store_back(g, r);
}

void x64_rc_forget(struct x64_gen *g)
{
    if (g->rc.dirty)
        g->x->error = true; /* a bug: those values would be lost */
    g->rc.loaded = 0;
}

#endif
