/* x86-64 machine-code emitter: REX/ModRM/SIB encoding (SDM Vol. 2A, 2.1-2.2)
 * into a bounded buffer. */
#include <string.h>

#include "translator/x64/emit.h"

void x64_init(struct x64_buf *b, void *code, uint32_t size)
{
    b->code = code;
    b->size = size;
    b->pos = 0;
    b->overflow = false;
    b->error = false;
}

void x64_byte(struct x64_buf *b, uint8_t v)
{
    if (b->pos >= b->size) {
        b->overflow = true;
        return;
    }
    b->code[b->pos++] = v;
}

void x64_u32(struct x64_buf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        x64_byte(b, (uint8_t)(v >> (8 * i)));
}

void x64_u64(struct x64_buf *b, uint64_t v)
{
    x64_u32(b, (uint32_t)v);
    x64_u32(b, (uint32_t)(v >> 32));
}

static void imm(struct x64_buf *b, int size, uint32_t v)
{
    if (size == 1)
        x64_byte(b, (uint8_t)v);
    else if (size == 2) {
        x64_byte(b, (uint8_t)v);
        x64_byte(b, (uint8_t)(v >> 8));
    } else
        x64_u32(b, v);
}

static bool fits8(int64_t v) { return v >= -128 && v <= 127; }

/* The recommended multi-byte NOPs (SDM Vol. 2B, NOP, Table 4-12). */
void x64_nop(struct x64_buf *b, unsigned n)
{
    static const uint8_t nops[9][9] = {
        {0x90},
        {0x66, 0x90},
        {0x0f, 0x1f, 0x00},
        {0x0f, 0x1f, 0x40, 0x00},
        {0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };
    while (n > 0) {
        unsigned k = n > 9 ? 9 : n;
        for (unsigned i = 0; i < k; i++)
            x64_byte(b, nops[k - 1][i]);
        n -= k;
    }
}

void x64_align(struct x64_buf *b, unsigned align)
{
    uintptr_t a = (uintptr_t)x64_here(b);
    x64_nop(b, (unsigned)((align - a % align) % align));
}

/* ---- the general encoder ---- */

#define F_W 0x01       /* REX.W: 64-bit operand */
#define F_66 0x02      /* operand-size prefix: 16-bit operand */
#define F_BREG 0x04    /* the ModRM.reg register is a byte register */
#define F_BRM 0x08     /* the ModRM.rm register is a byte register */

static unsigned size_flags(int size, unsigned byte_flags)
{
    switch (size) {
    case 1: return byte_flags;
    case 2: return F_66;
    case 8: return F_W;
    default: return 0;
    }
}

/* Opcode bytes: 0xXX, 0x0FXX or 0x0FXXXX. */
static void opcode(struct x64_buf *b, uint32_t opc)
{
    if (opc > 0xffff)
        x64_byte(b, (uint8_t)(opc >> 16));
    if (opc > 0xff)
        x64_byte(b, (uint8_t)(opc >> 8));
    x64_byte(b, (uint8_t)opc);
}

static void prefixes(struct x64_buf *b, unsigned f, int reg, int index, int base, bool force)
{
    if (f & F_66)
        x64_byte(b, 0x66);
    uint8_t rex = 0x40;
    if (f & F_W)
        rex |= 8;
    if (reg != X64_NOREG && (reg & 8))
        rex |= 4;
    if (index != X64_NOREG && (index & 8))
        rex |= 2;
    if (base != X64_NOREG && (base & 8))
        rex |= 1;
    if (rex != 0x40 || force)
        x64_byte(b, rex);
}

/* A register-register form: ModRM.reg = `reg` (register or /digit), rm = `rm`. */
static void enc_rr(struct x64_buf *b, unsigned f, uint32_t opc, int reg, int rm)
{
    if (reg > 15 || rm > 15) {
        b->error = true;
        return;
    }
    /* Byte registers 4-7 are SPL..DIL only with a REX prefix (else AH..BH). */
    bool force = ((f & F_BREG) && reg >= 4 && reg < 8) || ((f & F_BRM) && rm >= 4 && rm < 8);
    prefixes(b, f, reg, X64_NOREG, rm, force);
    opcode(b, opc);
    x64_byte(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* A memory form. RSP/R12 as a base need a SIB byte; RBP/R13 with mod 00
 * would mean "no base" (disp32 / RIP-relative), so they take a disp8 of 0
 * (SDM Vol. 2A, Tables 2-2 and 2-3). `trail` bytes of immediate follow the
 * displacement (not needed here: RIP-relative is not used). */
static void enc_rm(struct x64_buf *b, unsigned f, uint32_t opc, int reg, struct x64_mem m)
{
    if (reg > 15 || (m.base != X64_NOREG && m.base > 15) ||
        (m.index != X64_NOREG && (m.index > 15 || m.index == X64_RSP)) || m.scale > 3) {
        b->error = true;
        return;
    }
    bool force = (f & F_BREG) && reg >= 4 && reg < 8;
    prefixes(b, f, reg, m.index, m.base, force);
    opcode(b, opc);
    uint8_t r = (uint8_t)((reg & 7) << 3);
    if (m.base == X64_NOREG) {
        /* mod 00, rm 100, SIB base 101: [index*scale + disp32] or [disp32]. */
        x64_byte(b, r | 0x04);
        uint8_t idx = m.index == X64_NOREG ? 4 : (m.index & 7);
        x64_byte(b, (uint8_t)(m.scale << 6 | idx << 3 | 5));
        x64_u32(b, (uint32_t)m.disp);
        return;
    }
    uint8_t mod;
    if (m.disp == 0 && (m.base & 7) != 5)
        mod = 0x00;
    else if (fits8(m.disp))
        mod = 0x40;
    else
        mod = 0x80;
    if (m.index != X64_NOREG || (m.base & 7) == 4) {
        x64_byte(b, mod | r | 0x04);
        uint8_t idx = m.index == X64_NOREG ? 4 : (m.index & 7);
        x64_byte(b, (uint8_t)(m.scale << 6 | idx << 3 | (m.base & 7)));
    } else {
        x64_byte(b, mod | r | (m.base & 7));
    }
    if (mod == 0x40)
        x64_byte(b, (uint8_t)m.disp);
    else if (mod == 0x80)
        x64_u32(b, (uint32_t)m.disp);
}

static bool bad_size(struct x64_buf *b, int size, bool byte_ok)
{
    if ((size == 1 && byte_ok) || size == 2 || size == 4 || size == 8)
        return false;
    b->error = true;
    return true;
}

/* ---- moves ---- */

void x64_mov_rr(struct x64_buf *b, int size, int dst, int src)
{
    if (bad_size(b, size, true))
        return;
    enc_rr(b, size_flags(size, F_BREG | F_BRM), size == 1 ? 0x88 : 0x89, src, dst);
}

void x64_mov_ri(struct x64_buf *b, int size, int dst, uint64_t v)
{
    if (bad_size(b, size, true) || dst > 15) {
        b->error = true;
        return;
    }
    if (size == 8 && v > 0xffffffffu) {
        if ((int64_t)v == (int32_t)v) { /* C7 /0: sign-extended imm32 */
            enc_rr(b, F_W, 0xc7, 0, dst);
            x64_u32(b, (uint32_t)v);
        } else {
            prefixes(b, F_W, X64_NOREG, X64_NOREG, dst, false);
            x64_byte(b, (uint8_t)(0xb8 + (dst & 7)));
            x64_u64(b, v);
        }
        return;
    }
    if (size == 8)
        size = 4; /* writing the 32-bit register zero-extends */
    unsigned f = size_flags(size, 0);
    prefixes(b, f, X64_NOREG, X64_NOREG, dst, size == 1 && dst >= 4 && dst < 8);
    x64_byte(b, (uint8_t)((size == 1 ? 0xb0 : 0xb8) + (dst & 7)));
    imm(b, size, (uint32_t)v);
}

void x64_mov_rm(struct x64_buf *b, int size, int dst, struct x64_mem m)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, F_BREG), size == 1 ? 0x8a : 0x8b, dst, m);
}

void x64_mov_mr(struct x64_buf *b, int size, struct x64_mem m, int src)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, F_BREG), size == 1 ? 0x88 : 0x89, src, m);
}

void x64_mov_mi(struct x64_buf *b, int size, struct x64_mem m, int32_t v)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, 0), size == 1 ? 0xc6 : 0xc7, 0, m);
    imm(b, size, (uint32_t)v);
}

/* MOVZX/MOVSX opcode for a source size, or 0 when the pair is not encodable. */
static uint32_t ext_opcode(struct x64_buf *b, int dsize, int ssize, bool sign)
{
    if (ssize >= dsize || (dsize != 2 && dsize != 4 && dsize != 8)) {
        b->error = true;
        return 0;
    }
    if (ssize == 1)
        return sign ? 0x0fbe : 0x0fb6;
    if (ssize == 2)
        return sign ? 0x0fbf : 0x0fb7;
    if (ssize == 4 && dsize == 8)
        return sign ? 0x63 : 0x8b; /* MOVSXD; a 32-bit MOV zero-extends */
    b->error = true;
    return 0;
}

static unsigned ext_flags(int dsize, int ssize, bool sign)
{
    if (ssize == 4)
        return sign ? F_W : 0;
    return size_flags(dsize, 0) | (ssize == 1 ? F_BRM : 0);
}

void x64_movzx_rr(struct x64_buf *b, int dsize, int ssize, int dst, int src)
{
    uint32_t opc = ext_opcode(b, dsize, ssize, false);
    if (opc)
        enc_rr(b, ext_flags(dsize, ssize, false), opc, dst, src);
}

void x64_movzx_rm(struct x64_buf *b, int dsize, int ssize, int dst, struct x64_mem m)
{
    uint32_t opc = ext_opcode(b, dsize, ssize, false);
    if (opc)
        enc_rm(b, ext_flags(dsize, ssize, false) & ~F_BRM, opc, dst, m);
}

void x64_movsx_rr(struct x64_buf *b, int dsize, int ssize, int dst, int src)
{
    uint32_t opc = ext_opcode(b, dsize, ssize, true);
    if (opc)
        enc_rr(b, ext_flags(dsize, ssize, true), opc, dst, src);
}

void x64_movsx_rm(struct x64_buf *b, int dsize, int ssize, int dst, struct x64_mem m)
{
    uint32_t opc = ext_opcode(b, dsize, ssize, true);
    if (opc)
        enc_rm(b, ext_flags(dsize, ssize, true) & ~F_BRM, opc, dst, m);
}

void x64_lea(struct x64_buf *b, int size, int dst, struct x64_mem m)
{
    if (bad_size(b, size, false))
        return;
    enc_rm(b, size_flags(size, 0), 0x8d, dst, m);
}

void x64_xchg_rr(struct x64_buf *b, int size, int r1, int r2)
{
    if (bad_size(b, size, true))
        return;
    enc_rr(b, size_flags(size, F_BREG | F_BRM), size == 1 ? 0x86 : 0x87, r2, r1);
}

void x64_xchg_rm(struct x64_buf *b, int size, int r, struct x64_mem m)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, F_BREG), size == 1 ? 0x86 : 0x87, r, m);
}

/* ---- arithmetic ---- */

void x64_alu_rr(struct x64_buf *b, enum x64_alu op, int size, int dst, int src)
{
    if (bad_size(b, size, true))
        return;
    enc_rr(b, size_flags(size, F_BREG | F_BRM), op * 8u + (size == 1 ? 0 : 1), src, dst);
}

/* 80 /op ib, 83 /op ib (sign-extended) or 81 /op iz. */
static void alu_imm(struct x64_buf *b, enum x64_alu op, int size, int32_t v, int r,
                    const struct x64_mem *m)
{
    uint32_t opc;
    int isize;
    if (size == 1) {
        opc = 0x80;
        isize = 1;
    } else if (fits8(v)) {
        opc = 0x83;
        isize = 1;
    } else {
        opc = 0x81;
        isize = size == 2 ? 2 : 4;
    }
    if (m)
        enc_rm(b, size_flags(size, 0), opc, op, *m);
    else
        enc_rr(b, size_flags(size, F_BRM), opc, op, r);
    imm(b, isize, (uint32_t)v);
}

void x64_alu_ri(struct x64_buf *b, enum x64_alu op, int size, int dst, int32_t v)
{
    if (!bad_size(b, size, true))
        alu_imm(b, op, size, v, dst, NULL);
}

void x64_alu_rm(struct x64_buf *b, enum x64_alu op, int size, int dst, struct x64_mem m)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, F_BREG), op * 8u + (size == 1 ? 2 : 3), dst, m);
}

void x64_alu_mr(struct x64_buf *b, enum x64_alu op, int size, struct x64_mem m, int src)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, F_BREG), op * 8u + (size == 1 ? 0 : 1), src, m);
}

void x64_alu_mi(struct x64_buf *b, enum x64_alu op, int size, struct x64_mem m, int32_t v)
{
    if (!bad_size(b, size, true))
        alu_imm(b, op, size, v, 0, &m);
}

void x64_test_rr(struct x64_buf *b, int size, int r1, int r2)
{
    if (bad_size(b, size, true))
        return;
    enc_rr(b, size_flags(size, F_BREG | F_BRM), size == 1 ? 0x84 : 0x85, r2, r1);
}

void x64_test_ri(struct x64_buf *b, int size, int r, int32_t v)
{
    if (bad_size(b, size, true))
        return;
    enc_rr(b, size_flags(size, F_BRM), size == 1 ? 0xf6 : 0xf7, 0, r);
    imm(b, size == 8 ? 4 : size, (uint32_t)v);
}

void x64_test_mi(struct x64_buf *b, int size, struct x64_mem m, int32_t v)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, 0), size == 1 ? 0xf6 : 0xf7, 0, m);
    imm(b, size == 8 ? 4 : size, (uint32_t)v);
}

static void grp_r(struct x64_buf *b, uint32_t opc8, uint32_t opc, int digit, int size, int r)
{
    if (bad_size(b, size, true))
        return;
    enc_rr(b, size_flags(size, F_BRM), size == 1 ? opc8 : opc, digit, r);
}

static void grp_m(struct x64_buf *b, uint32_t opc8, uint32_t opc, int digit, int size,
                  struct x64_mem m)
{
    if (bad_size(b, size, true))
        return;
    enc_rm(b, size_flags(size, 0), size == 1 ? opc8 : opc, digit, m);
}

void x64_inc_r(struct x64_buf *b, int size, int r) { grp_r(b, 0xfe, 0xff, 0, size, r); }
void x64_dec_r(struct x64_buf *b, int size, int r) { grp_r(b, 0xfe, 0xff, 1, size, r); }
void x64_inc_m(struct x64_buf *b, int size, struct x64_mem m) { grp_m(b, 0xfe, 0xff, 0, size, m); }
void x64_dec_m(struct x64_buf *b, int size, struct x64_mem m) { grp_m(b, 0xfe, 0xff, 1, size, m); }

void x64_unary_r(struct x64_buf *b, enum x64_unary op, int size, int r)
{
    grp_r(b, 0xf6, 0xf7, op, size, r);
}

void x64_unary_m(struct x64_buf *b, enum x64_unary op, int size, struct x64_mem m)
{
    grp_m(b, 0xf6, 0xf7, op, size, m);
}

/* D0/D1 by 1, C0/C1 by imm8. */
void x64_shift_ri(struct x64_buf *b, enum x64_shift op, int size, int r, uint8_t count)
{
    if (count == 1) {
        grp_r(b, 0xd0, 0xd1, op, size, r);
        return;
    }
    grp_r(b, 0xc0, 0xc1, op, size, r);
    x64_byte(b, count);
}

void x64_shift_rcl(struct x64_buf *b, enum x64_shift op, int size, int r)
{
    grp_r(b, 0xd2, 0xd3, op, size, r);
}

void x64_shift_mi(struct x64_buf *b, enum x64_shift op, int size, struct x64_mem m,
                  uint8_t count)
{
    if (count == 1) {
        grp_m(b, 0xd0, 0xd1, op, size, m);
        return;
    }
    grp_m(b, 0xc0, 0xc1, op, size, m);
    x64_byte(b, count);
}

void x64_imul_rr(struct x64_buf *b, int size, int dst, int src)
{
    if (bad_size(b, size, false))
        return;
    enc_rr(b, size_flags(size, 0), 0x0faf, dst, src);
}

void x64_imul_rm(struct x64_buf *b, int size, int dst, struct x64_mem m)
{
    if (bad_size(b, size, false))
        return;
    enc_rm(b, size_flags(size, 0), 0x0faf, dst, m);
}

void x64_imul_rri(struct x64_buf *b, int size, int dst, int src, int32_t v)
{
    if (bad_size(b, size, false))
        return;
    bool short_imm = fits8(v);
    enc_rr(b, size_flags(size, 0), short_imm ? 0x6b : 0x69, dst, src);
    imm(b, short_imm ? 1 : size == 2 ? 2 : 4, (uint32_t)v);
}

void x64_bt_rr(struct x64_buf *b, enum x64_bt op, int size, int r, int bit)
{
    if (bad_size(b, size, false))
        return;
    enc_rr(b, size_flags(size, 0), 0x0fa3 + (op - X64_BT) * 8u, bit, r);
}

void x64_bt_ri(struct x64_buf *b, enum x64_bt op, int size, int r, uint8_t bit)
{
    if (bad_size(b, size, false))
        return;
    enc_rr(b, size_flags(size, 0), 0x0fba, op, r);
    x64_byte(b, bit);
}

void x64_bswap(struct x64_buf *b, int size, int r)
{
    if ((size != 4 && size != 8) || r > 15) {
        b->error = true;
        return;
    }
    prefixes(b, size == 8 ? F_W : 0, X64_NOREG, X64_NOREG, r, false);
    x64_byte(b, 0x0f);
    x64_byte(b, (uint8_t)(0xc8 + (r & 7)));
}

void x64_setcc(struct x64_buf *b, enum x64_cc cc, int r8)
{
    enc_rr(b, F_BRM, 0x0f90u + (cc & 15), 0, r8);
}

void x64_cmovcc(struct x64_buf *b, enum x64_cc cc, int size, int dst, int src)
{
    if (bad_size(b, size, false))
        return;
    enc_rr(b, size_flags(size, 0), 0x0f40u + (cc & 15), dst, src);
}

void x64_cmovcc_m(struct x64_buf *b, enum x64_cc cc, int size, int dst, struct x64_mem m)
{
    if (bad_size(b, size, false))
        return;
    enc_rm(b, size_flags(size, 0), 0x0f40u + (cc & 15), dst, m);
}

/* ---- stack and flags ---- */

void x64_push(struct x64_buf *b, int r)
{
    prefixes(b, 0, X64_NOREG, X64_NOREG, r, false);
    x64_byte(b, (uint8_t)(0x50 + (r & 7)));
}

void x64_pop(struct x64_buf *b, int r)
{
    prefixes(b, 0, X64_NOREG, X64_NOREG, r, false);
    x64_byte(b, (uint8_t)(0x58 + (r & 7)));
}

void x64_pushf(struct x64_buf *b) { x64_byte(b, 0x9c); }
void x64_popf(struct x64_buf *b) { x64_byte(b, 0x9d); }
void x64_lahf(struct x64_buf *b) { x64_byte(b, 0x9f); }
void x64_sahf(struct x64_buf *b) { x64_byte(b, 0x9e); }

/* ---- control flow ---- */

uint32_t x64_jcc32(struct x64_buf *b, enum x64_cc cc)
{
    x64_byte(b, 0x0f);
    x64_byte(b, (uint8_t)(0x80 + (cc & 15)));
    uint32_t site = b->pos;
    x64_u32(b, 0);
    return site;
}

uint32_t x64_jcc8(struct x64_buf *b, enum x64_cc cc)
{
    x64_byte(b, (uint8_t)(0x70 + (cc & 15)));
    uint32_t site = b->pos;
    x64_byte(b, 0);
    return site;
}

uint32_t x64_jmp32(struct x64_buf *b)
{
    x64_byte(b, 0xe9);
    uint32_t site = b->pos;
    x64_u32(b, 0);
    return site;
}

uint32_t x64_jmp8(struct x64_buf *b)
{
    x64_byte(b, 0xeb);
    uint32_t site = b->pos;
    x64_byte(b, 0);
    return site;
}

uint32_t x64_jrcxz8(struct x64_buf *b)
{
    x64_byte(b, 0xe3);
    uint32_t site = b->pos;
    x64_byte(b, 0);
    return site;
}

void x64_patch_rel32(struct x64_buf *b, uint32_t site)
{
    if (site + 4 > b->pos) /* the site itself was dropped by an overflow */
        return;
    uint32_t rel = b->pos - (site + 4);
    memcpy(b->code + site, &rel, 4);
}

void x64_patch_rel8(struct x64_buf *b, uint32_t site)
{
    if (site + 1 > b->pos)
        return;
    uint32_t rel = b->pos - (site + 1);
    if (rel > 127) {
        b->error = true;
        return;
    }
    b->code[site] = (uint8_t)rel;
}

void x64_jcc_to(struct x64_buf *b, enum x64_cc cc, uint32_t target)
{
    int64_t rel8 = (int64_t)target - (b->pos + 2);
    if (fits8(rel8)) {
        x64_byte(b, (uint8_t)(0x70 + (cc & 15)));
        x64_byte(b, (uint8_t)rel8);
        return;
    }
    x64_byte(b, 0x0f);
    x64_byte(b, (uint8_t)(0x80 + (cc & 15)));
    x64_u32(b, (uint32_t)((int64_t)target - (b->pos + 4)));
}

void x64_jmp_to(struct x64_buf *b, uint32_t target)
{
    int64_t rel8 = (int64_t)target - (b->pos + 2);
    if (fits8(rel8)) {
        x64_byte(b, 0xeb);
        x64_byte(b, (uint8_t)rel8);
        return;
    }
    x64_byte(b, 0xe9);
    x64_u32(b, (uint32_t)((int64_t)target - (b->pos + 4)));
}

void x64_x87_m(struct x64_buf *b, uint8_t esc, int digit, struct x64_mem m)
{
    if (esc < 0xd8 || digit < 0 || digit > 7) {
        b->error = true;
        return;
    }
    enc_rm(b, 0, esc, digit, m);
}

void x64_x87_r(struct x64_buf *b, uint8_t esc, uint8_t modrm)
{
    if (esc < 0xd8 || modrm < 0xc0) {
        b->error = true;
        return;
    }
    x64_byte(b, esc);
    x64_byte(b, modrm);
}

void x64_fnstsw_ax(struct x64_buf *b) { x64_x87_r(b, 0xdf, 0xe0); }

void x64_fnclex(struct x64_buf *b) { x64_x87_r(b, 0xdb, 0xe2); }

static bool rel32_to(const struct x64_buf *b, uint32_t insn_len, const void *target,
                     int32_t *rel)
{
    int64_t d = (int64_t)((intptr_t)target - (intptr_t)(b->code + b->pos + insn_len));
    if (d != (int32_t)d)
        return false;
    *rel = (int32_t)d;
    return true;
}

void x64_call_abs(struct x64_buf *b, const void *target, int scratch)
{
    int32_t rel;
    if (rel32_to(b, 5, target, &rel)) {
        x64_byte(b, 0xe8);
        x64_u32(b, (uint32_t)rel);
        return;
    }
    x64_mov_ri(b, 8, scratch, (uint64_t)(uintptr_t)target);
    x64_call_r(b, scratch);
}

void x64_jmp_abs(struct x64_buf *b, const void *target, int scratch)
{
    int32_t rel;
    if (rel32_to(b, 5, target, &rel)) {
        x64_byte(b, 0xe9);
        x64_u32(b, (uint32_t)rel);
        return;
    }
    x64_mov_ri(b, 8, scratch, (uint64_t)(uintptr_t)target);
    x64_jmp_r(b, scratch);
}

void x64_call_r(struct x64_buf *b, int r) { enc_rr(b, 0, 0xff, 2, r); }
void x64_jmp_r(struct x64_buf *b, int r) { enc_rr(b, 0, 0xff, 4, r); }
void x64_jmp_m(struct x64_buf *b, struct x64_mem m) { enc_rm(b, 0, 0xff, 4, m); }
void x64_ret(struct x64_buf *b) { x64_byte(b, 0xc3); }

void x64_ud2(struct x64_buf *b)
{
    x64_byte(b, 0x0f);
    x64_byte(b, 0x0b);
}

/* ---- patchable jump sites ---- */

uint32_t x64_jmp_site(struct x64_buf *b)
{
    /* The displacement (after the E9 byte) on a 4-byte boundary: one aligned
     * 32-bit store retargets it and never straddles a cache line. */
    uintptr_t a = (uintptr_t)x64_here(b) + 1;
    x64_nop(b, (unsigned)((4 - a % 4) % 4));
    x64_byte(b, 0xe9);
    uint32_t site = b->pos;
    x64_u32(b, 0); /* falls through until retargeted */
    return site;
}

void x64_set_jmp_site(uint8_t *disp_addr, const void *target)
{
    int32_t rel = (int32_t)((intptr_t)target - (intptr_t)(disp_addr + 4));
    __atomic_store_n((int32_t *)(void *)disp_addr, rel, __ATOMIC_RELEASE);
}

void x64_set_jmp_at(uint8_t *at, const void *target)
{
    int32_t rel = (int32_t)((intptr_t)target - (intptr_t)(at + 5));
    memcpy(at + 1, &rel, 4);
    at[0] = 0xe9;
}

uint32_t x64_jmp_site64(struct x64_buf *b, const void *target)
{
    /* jmp qword [rip+0] (FF 25 disp32=0) is 6 bytes; the slot right after it
     * on an 8-byte boundary. */
    uintptr_t a = (uintptr_t)x64_here(b) + 6;
    x64_nop(b, (unsigned)((8 - a % 8) % 8));
    x64_byte(b, 0xff);
    x64_byte(b, 0x25);
    x64_u32(b, 0);
    uint32_t slot = b->pos;
    x64_u64(b, (uint64_t)(uintptr_t)target);
    return slot;
}

void x64_set_jmp_site64(uint8_t *slot_addr, const void *target)
{
    __atomic_store_n((uint64_t *)(void *)slot_addr, (uint64_t)(uintptr_t)target,
                     __ATOMIC_RELEASE);
}
