/* The instruction decoder: prefixes, opcode, ModRM/SIB, displacement and
 * immediates of one P6 instruction (Pentium M opcode space: MMX, SSE, SSE2)
 * -> struct insn.
 * Shared by the interpreter and the translator; table-driven from opcodes.def. */
#include "cpu/cpu.h"
#include "cpu/insn.h"

/* Decode attributes by opcode (0x000-0x1ff), built at compile time from the
 * same X-macro as opcode_table[]. A_ROW marks opcodes that have a row. */
#define A_ROW 0x10000u
static const uint32_t dec_attr[0x200] = {
#define X(opc, name, d, fr, fw, h) [opc] = (d) | A_ROW,
#include "cpu/opcodes.def"
#undef X
};

/* clang-format off */
/* Extra decode facts the opcodes.def flags do not carry. */
#define X_SIMM8 0x01   /* imm8 is sign-extended (SDM Vol. 2: 6A, 6B, 83 use "ib" as imm8 sign-extended) */
#define X_SIMD 0x02    /* MMX/SSE opcode: the mandatory prefix selects the form (see simd_ok) */
#define X_F3 0x04      /* F3 form exists (MOVSS, ADDSS, MOVDQU, CVTTPS2DQ, MOVQ2DQ, ...) */
#define X_REG 0x08     /* ModRM must name a register (mod == 3), else #UD */
#define X_NP 0x10      /* no-prefix form exists (MMX, packed single) */
#define X_66 0x20      /* 66 form exists (SSE2: packed double, XMM integer) */
#define X_F2 0x40      /* F2 form exists (SSE2: scalar double, PSHUFLW, MOVDQ2Q, ...) */
#define X_PS (X_SIMD | X_NP | X_66)           /* ps/pd, MMX/XMM integer */
#define X_ALL (X_PS | X_F3 | X_F2)            /* ps/pd/ss/sd */
/* The forms of a Pentium M (SSE2, no SSE3: SDM Vol. 2, Table A-3 rows without
 * the SSE3 entries 0F 12/16 F2/F3, 0F 7C/7D, D0, F0). */
static const uint8_t dec_ext[0x200] = {
    [0x06a] = X_SIMM8, [0x06b] = X_SIMM8, [0x083] = X_SIMM8,
    [0x110] = X_ALL, [0x111] = X_ALL, [0x112] = X_PS, [0x113] = X_PS, [0x114] = X_PS,
    [0x115] = X_PS, [0x116] = X_PS, [0x117] = X_PS, [0x128] = X_PS, [0x129] = X_PS,
    [0x12a] = X_ALL, [0x12b] = X_PS, [0x12c] = X_ALL, [0x12d] = X_ALL, [0x12e] = X_PS,
    [0x12f] = X_PS, [0x150] = X_PS | X_REG, [0x151] = X_ALL,
    [0x152] = X_SIMD | X_NP | X_F3, [0x153] = X_SIMD | X_NP | X_F3,
    [0x154] = X_PS, [0x155] = X_PS, [0x156] = X_PS, [0x157] = X_PS, [0x158] = X_ALL,
    [0x159] = X_ALL, [0x15a] = X_ALL, [0x15b] = X_PS | X_F3, [0x15c] = X_ALL,
    [0x15d] = X_ALL, [0x15e] = X_ALL, [0x15f] = X_ALL,
    [0x160] = X_PS, [0x161] = X_PS, [0x162] = X_PS, [0x163] = X_PS, [0x164] = X_PS,
    [0x165] = X_PS, [0x166] = X_PS, [0x167] = X_PS, [0x168] = X_PS, [0x169] = X_PS,
    [0x16a] = X_PS, [0x16b] = X_PS, [0x16c] = X_SIMD | X_66, [0x16d] = X_SIMD | X_66,
    [0x16e] = X_PS, [0x16f] = X_PS | X_F3, [0x170] = X_ALL,
    [0x171] = X_PS | X_REG, [0x172] = X_PS | X_REG, [0x173] = X_PS | X_REG,
    [0x174] = X_PS, [0x175] = X_PS, [0x176] = X_PS, [0x177] = X_SIMD | X_NP,
    [0x17e] = X_PS | X_F3, [0x17f] = X_PS | X_F3,
    [0x1c2] = X_ALL, [0x1c3] = X_SIMD | X_NP, [0x1c4] = X_PS, [0x1c5] = X_PS | X_REG,
    [0x1c6] = X_PS,
    [0x1d1] = X_PS, [0x1d2] = X_PS, [0x1d3] = X_PS, [0x1d4] = X_PS, [0x1d5] = X_PS,
    [0x1d6] = X_SIMD | X_66 | X_F3 | X_F2, [0x1d7] = X_PS | X_REG,
    [0x1d8] = X_PS, [0x1d9] = X_PS, [0x1da] = X_PS, [0x1db] = X_PS, [0x1dc] = X_PS,
    [0x1dd] = X_PS, [0x1de] = X_PS, [0x1df] = X_PS, [0x1e0] = X_PS, [0x1e1] = X_PS,
    [0x1e2] = X_PS, [0x1e3] = X_PS, [0x1e4] = X_PS, [0x1e5] = X_PS,
    [0x1e6] = X_SIMD | X_66 | X_F3 | X_F2, [0x1e7] = X_PS,
    [0x1e8] = X_PS, [0x1e9] = X_PS, [0x1ea] = X_PS, [0x1eb] = X_PS, [0x1ec] = X_PS,
    [0x1ed] = X_PS, [0x1ee] = X_PS, [0x1ef] = X_PS, [0x1f1] = X_PS, [0x1f2] = X_PS,
    [0x1f3] = X_PS, [0x1f4] = X_PS, [0x1f5] = X_PS, [0x1f6] = X_PS, [0x1f7] = X_PS | X_REG,
    [0x1f8] = X_PS, [0x1f9] = X_PS, [0x1fa] = X_PS, [0x1fb] = X_PS, [0x1fc] = X_PS,
    [0x1fd] = X_PS, [0x1fe] = X_PS,
};

/* LOCK: the ModRM.reg values (bit mask) for which an opcode is one of the
 * lockable read-modify-write forms (SDM Vol. 2, LOCK: ADD ADC AND BTC BTR BTS
 * CMPXCHG CMPXCHG8B DEC INC NEG NOT OR SBB SUB XOR XADD XCHG). LOCK also
 * needs a memory destination; anything else is #UD. */
static const uint8_t dec_lock[0x200] = {
    [0x000] = 0xff, [0x001] = 0xff, [0x008] = 0xff, [0x009] = 0xff, [0x010] = 0xff,
    [0x011] = 0xff, [0x018] = 0xff, [0x019] = 0xff, [0x020] = 0xff, [0x021] = 0xff,
    [0x028] = 0xff, [0x029] = 0xff, [0x030] = 0xff, [0x031] = 0xff,
    [0x080] = 0x7f, [0x081] = 0x7f, [0x082] = 0x7f, [0x083] = 0x7f, /* not /7 CMP */
    [0x086] = 0xff, [0x087] = 0xff,
    [0x0f6] = 0x0c, [0x0f7] = 0x0c, /* /2 NOT, /3 NEG */
    [0x0fe] = 0x03, [0x0ff] = 0x03, /* /0 INC, /1 DEC */
    [0x1ab] = 0xff, [0x1b3] = 0xff, [0x1bb] = 0xff, [0x1ba] = 0xe0, /* BTS BTR BTC, not BT */
    [0x1b0] = 0xff, [0x1b1] = 0xff, [0x1c0] = 0xff, [0x1c1] = 0xff,
    [0x1c7] = 0x02, /* CMPXCHG8B */
};

/* ModRM.reg/mod combinations that exist on a P6, for D_GROUP rows (SDM Vol. 2,
 * Appendix A.4, Table A-6 "Opcode Extensions for One- and Two-byte Opcodes"). */
static bool group_ok(unsigned op, unsigned mod, unsigned reg)
{
    bool mem = mod != 3;
    switch (op) {
    case 0x08c: return reg <= 5;                /* MOV Ew,Sreg: ES..GS */
    case 0x08e: return reg <= 5 && reg != 1;    /* MOV Sreg,Ew: loading CS is #UD */
    case 0x08f: return reg == 0;                /* POP Ev (others: XOP on AMD) */
    case 0x0c6: case 0x0c7: return reg == 0;    /* MOV Ev,Iz (/7 = XABORT/XBEGIN, TSX) */
    case 0x0fe: return reg <= 1;                /* INC/DEC Eb */
    case 0x0ff:                                 /* CALLF/JMPF need a memory m16:16/32 */
        return reg != 7 && (mem || (reg != 3 && reg != 5));
    case 0x100: return reg <= 5;                /* SLDT STR LLDT LTR VERR VERW */
    case 0x101:
        /* SGDT SIDT LGDT LIDT, SMSW, LMSW, INVLPG. mod == 3 with /0-/3 and /7
         * is VMX/MONITOR/XGETBV/SWAPGS/RDTSCP on later CPUs: #UD on a P6. */
        if (reg == 5)
            return false;
        return mem || reg == 4 || reg == 6;
    case 0x120: case 0x122: return reg == 0 || (reg >= 2 && reg <= 4); /* CR1, CR5-7: #UD */
    case 0x171: case 0x172: return reg == 2 || reg == 4 || reg == 6;   /* PSRL PSRA PSLL */
    case 0x173: /* PSRLQ PSLLQ; PSRLDQ PSLLDQ (/3 /7, 66 only: simd_ok) */
        return reg == 2 || reg == 3 || reg == 6 || reg == 7;
    case 0x1ae:
        /* FXSAVE FXRSTOR LDMXCSR STMXCSR and CLFLUSH (/7) on memory; LFENCE,
         * MFENCE, SFENCE (/5 /6 /7) with mod == 3. XSAVE & co. (/4-/6 memory)
         * are later. */
        return mem ? reg <= 3 || reg == 7 : reg >= 5;
    case 0x1ba: return reg >= 4;                /* BT BTS BTR BTC Ev,Ib */
    case 0x1c7: return reg == 1 && mem;         /* CMPXCHG8B Mq */
    default: return true;
    }
}
/* clang-format on */

/* MMX/SSE/SSE2 forms by mandatory prefix (SDM Vol. 2, 2.1.2 and A.3): F2/F3
 * take precedence over 66 and the last of F2/F3 counts; dec_ext says which
 * of the four forms exist on a Pentium M. Forms with their own ModRM rules:
 * 66 0F 12/16 (MOVLPD/MOVHPD) take only memory, F3/F2 0F D6 (MOVQ2DQ,
 * MOVDQ2Q) only registers, 0F 73 /3 /7 (PSRLDQ, PSLLDQ) exist only with 66.
 * A missing form is #UD, as Bochs does for an ISA extension the model lacks. */
static bool simd_ok(unsigned op, unsigned ext, unsigned prefix, unsigned mod, unsigned reg)
{
    unsigned form = (prefix & PFX_REP) ? X_F3 : (prefix & PFX_REPNE) ? X_F2
                  : (prefix & PFX_OPSIZE) ? X_66 : X_NP;
    if (!(ext & form))
        return false;
    if ((ext & X_REG) && mod != 3)
        return false;
    switch (op) {
    case 0x112: case 0x116: return form != X_66 || mod != 3;
    case 0x1d6: return form == X_66 || mod == 3;
    case 0x173: return form == X_66 || (reg != 3 && reg != 7);
    default: return true;
    }
}

static inline uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 16-bit ModRM: base and index register of each rm (SDM Vol. 2, Table 2-1). */
static const uint8_t ea16_base[8] = {R_EBX, R_EBX, R_EBP, R_EBP, EA_NONE, EA_NONE, R_EBP, R_EBX};
static const uint8_t ea16_index[8] = {R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, EA_NONE, EA_NONE};

/* The instruction length limit and the end of the available bytes are checked
 * as bytes are consumed, in order: the first byte that cannot be had decides.
 * A byte at position 15 or beyond is #GP(0) (DEC_TOO_LONG); a byte before
 * position 15 that is not available is DEC_NEED_MORE, so that a code fetch
 * fault there is raised first, as SDM Vol. 3A, 6.9 (Table 6-2) ranks fetch
 * faults (priority 7) above decode faults (priority 8: length > 15, invalid
 * opcode). Validity is only judged once the whole instruction is in, so an
 * over-long instruction is #GP even when its opcode or form is undefined
 * (Bochs behaves the same way); an undefined opcode has no known length and
 * is judged as soon as its opcode byte is read. */
#define NEED(n)                                                                          \
    do {                                                                                 \
        if (pos + (n) > lim) {                                                           \
            in->len = (uint8_t)(pos < 15 ? pos : 15);                                    \
            return lim >= 15 ? DEC_TOO_LONG : DEC_NEED_MORE;                             \
        }                                                                                \
    } while (0)

int decode_insn(struct insn *in, const uint8_t *buf, int avail, bool code32)
{
    int lim = avail < 15 ? avail : 15;
    int pos = 0;
    unsigned prefix = 0, seg_ovr = SEG_NONE;
    unsigned op;

    /* Prefixes, any order and repetition. Segment overrides: the last one
     * wins. F2/F3 together: the last one wins (one of PFX_REP/PFX_REPNE is
     * set). The SDM leaves several group-1 prefixes undefined; Bochs and QEMU
     * take the last one, and so do we. */
    for (;;) {
        NEED(1);
        unsigned b = buf[pos];
        switch (b) {
        case 0x26: seg_ovr = SEG_ES; break;
        case 0x2e: seg_ovr = SEG_CS; break;
        case 0x36: seg_ovr = SEG_SS; break;
        case 0x3e: seg_ovr = SEG_DS; break;
        case 0x64: seg_ovr = SEG_FS; break;
        case 0x65: seg_ovr = SEG_GS; break;
        case 0x66: prefix |= PFX_OPSIZE; break;
        case 0x67: prefix |= PFX_ADSIZE; break;
        case 0xf0: prefix |= PFX_LOCK; break;
        case 0xf2: prefix = (prefix & ~PFX_REP) | PFX_REPNE; break;
        case 0xf3: prefix = (prefix & ~PFX_REPNE) | PFX_REP; break;
        default: goto opcode;
        }
        pos++;
    }
opcode:
    op = buf[pos++];
    if (op == 0x0f) {
        NEED(1);
        op = OPC_0F | buf[pos++];
    }
    if (seg_ovr != SEG_NONE)
        prefix |= PFX_SEG;

    uint32_t attr = dec_attr[op];
    const bool op32 = code32 ^ ((prefix & PFX_OPSIZE) != 0);
    const bool ad32 = code32 ^ ((prefix & PFX_ADSIZE) != 0);
    /* No ModRM: string instructions and XLAT address DS (or the override). */
    *in = (struct insn){
        .opcode = (uint16_t)op,
        .prefix = (uint8_t)prefix,
        .opsize = op32 ? 4 : 2,
        .adsize = ad32 ? 4 : 2,
        .seg = (uint8_t)(seg_ovr != SEG_NONE ? seg_ovr : SEG_DS),
        .ea_base = EA_NONE,
        .ea_index = EA_NONE,
        .flags = (uint16_t)attr,
        .handler = opcode_table[op].handler,
    };

    if (!(attr & A_ROW)) { /* undefined opcode: its length is not known */
        in->len = (uint8_t)pos;
        return DEC_INVALID;
    }

    if (attr & D_MODRM) {
        NEED(1);
        unsigned m = buf[pos++];
        unsigned mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;
        in->modrm = (uint8_t)m;
        in->mod = (uint8_t)mod;
        in->reg = (uint8_t)reg;
        in->rm = (uint8_t)rm;
        in->has_modrm = true;
        if (mod == 3 || (attr & D_REG_ONLY)) {
            in->seg = SEG_NONE;
        } else {
            unsigned def = SEG_DS;
            in->is_mem = true;
            if (ad32) {
                unsigned base = rm;
                if (rm == 4) {
                    NEED(1);
                    unsigned sib = buf[pos++];
                    unsigned idx = (sib >> 3) & 7;
                    base = sib & 7;
                    in->ea_index = idx == 4 ? EA_NONE : (uint8_t)idx;
                    in->ea_scale = (uint8_t)(sib >> 6);
                }
                if (base == 5 && mod == 0) {
                    base = EA_NONE; /* disp32, no base */
                    NEED(4);
                    in->disp = rd32(buf + pos);
                    pos += 4;
                } else if (base == R_ESP || base == R_EBP) {
                    def = SEG_SS;
                }
                in->ea_base = (uint8_t)base;
                if (mod == 1) {
                    NEED(1);
                    in->disp = (uint32_t)(int32_t)(int8_t)buf[pos++];
                } else if (mod == 2) {
                    NEED(4);
                    in->disp = rd32(buf + pos);
                    pos += 4;
                }
            } else {
                if (mod == 0 && rm == 6) {
                    NEED(2); /* disp16, no base (DS) */
                    in->disp = rd16(buf + pos);
                    pos += 2;
                } else {
                    in->ea_base = ea16_base[rm];
                    in->ea_index = ea16_index[rm];
                    if (in->ea_base == R_EBP)
                        def = SEG_SS;
                    if (mod == 1) {
                        NEED(1);
                        in->disp = (uint32_t)(int32_t)(int8_t)buf[pos++];
                    } else if (mod == 2) {
                        NEED(2);
                        in->disp = (uint32_t)(int32_t)(int16_t)rd16(buf + pos);
                        pos += 2;
                    }
                }
            }
            in->seg = (uint8_t)(seg_ovr != SEG_NONE ? seg_ovr : def);
        }
    }

    /* Immediates and other operands after the ModRM bytes. */
    if (attr & (D_IB | D_IW | D_IZ | D_MOFFS | D_PTR | D_REL8 | D_RELZ | D_IW_IB | D_GRP3_IMM)) {
        if (attr & D_IB) {
            NEED(1);
            uint8_t b = buf[pos++];
            in->imm = (dec_ext[op] & X_SIMM8) ? (uint32_t)(int32_t)(int8_t)b : b;
        } else if (attr & D_REL8) {
            NEED(1);
            in->imm = (uint32_t)(int32_t)(int8_t)buf[pos++];
        } else if (attr & (D_IZ | D_RELZ)) {
            if (op32) {
                NEED(4);
                in->imm = rd32(buf + pos);
                pos += 4;
            } else {
                NEED(2);
                in->imm = rd16(buf + pos);
                if (attr & D_RELZ)
                    in->imm = (uint32_t)(int32_t)(int16_t)in->imm;
                pos += 2;
            }
        } else if (attr & D_IW) {
            NEED(2);
            in->imm = rd16(buf + pos);
            pos += 2;
        } else if (attr & D_IW_IB) {
            NEED(3);
            in->imm = rd16(buf + pos);
            in->imm2 = buf[pos + 2];
            pos += 3;
        } else if (attr & D_MOFFS) {
            in->is_mem = true;
            in->seg = (uint8_t)(seg_ovr != SEG_NONE ? seg_ovr : SEG_DS);
            if (ad32) {
                NEED(4);
                in->disp = rd32(buf + pos);
                pos += 4;
            } else {
                NEED(2);
                in->disp = rd16(buf + pos);
                pos += 2;
            }
        } else if (attr & D_PTR) {
            int n = op32 ? 4 : 2;
            NEED(n + 2);
            in->imm = op32 ? rd32(buf + pos) : rd16(buf + pos);
            in->imm2 = rd16(buf + pos + n);
            pos += n + 2;
        } else if (in->reg <= 1) { /* D_GRP3_IMM: TEST Eb,Ib / Ev,Iz (/1 is an alias of /0) */
            if (attr & D_BYTE) {
                NEED(1);
                in->imm = buf[pos++];
            } else if (op32) {
                NEED(4);
                in->imm = rd32(buf + pos);
                pos += 4;
            } else {
                NEED(2);
                in->imm = rd16(buf + pos);
                pos += 2;
            }
        }
    }
    in->len = (uint8_t)pos;

    /* Validity of the complete instruction. D_INVALID rows still have a
     * known length. */
    if (attr & D_INVALID)
        return DEC_INVALID;
    if ((attr & D_MEM_ONLY) && in->mod == 3 && in->has_modrm)
        return DEC_INVALID;
    if ((attr & D_GROUP) && !group_ok(op, in->mod, in->reg))
        return DEC_INVALID;
    unsigned ext = dec_ext[op];
    if ((ext & X_SIMD) && !simd_ok(op, ext, prefix, in->mod, in->reg))
        return DEC_INVALID;
    if ((prefix & PFX_LOCK) && !(in->is_mem && in->has_modrm && ((dec_lock[op] >> in->reg) & 1)))
        return DEC_INVALID;
    return DEC_OK;
}
