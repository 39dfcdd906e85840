/* Cross-check of the decoder against Capstone 4 in 16- and 32-bit modes
 * (the SIMD opcode space judged as a Pentium M: MMX, SSE, SSE2):
 * lengths and validity must agree on random and systematic byte sequences,
 * except for the explicit, counted exclusions below (each with its reason). */
#include <capstone/capstone.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"

#define BUF 24

/* What an instruction looks like without our decoder's help: its prefixes,
 * opcode (0F xx as 0x1xx) and ModRM byte. */
struct shape {
    bool lock, p66, p67, rep, repne; /* rep/repne: the last of F2/F3 */
    int npfx;
    unsigned op, modrm, mod, reg, rm;
};

static bool is_prefix(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3: return true;
    default: return false;
    }
}

static void shape_of(const uint8_t *b, struct shape *s)
{
    int p = 0;
    memset(s, 0, sizeof *s);
    while (p < BUF - 4 && is_prefix(b[p])) {
        s->lock |= b[p] == 0xf0;
        s->p66 |= b[p] == 0x66;
        s->p67 |= b[p] == 0x67;
        if (b[p] == 0xf3) s->rep = true, s->repne = false;
        if (b[p] == 0xf2) s->repne = true, s->rep = false;
        p++;
    }
    s->npfx = p;
    s->op = b[p++];
    if (s->op == 0x0f)
        s->op = 0x100 | b[p++];
    s->modrm = b[p];
    s->mod = s->modrm >> 6;
    s->reg = (s->modrm >> 3) & 7;
    s->rm = s->modrm & 7;
}

/* The bytes without the listed prefix bytes (only in the prefix run). */
static int strip(const uint8_t *b, const struct shape *s, const char *drop, uint8_t *out)
{
    int n = 0;
    for (int i = 0; i < BUF; i++)
        if (!(i < s->npfx && strchr(drop, b[i])))
            out[n++] = b[i];
    while (n < BUF)
        out[n++] = 0x90;
    return n;
}

static bool ours_ok(const uint8_t *b, bool code32)
{
    struct insn in;
    return decode_insn(&in, b, BUF, code32) == DEC_OK;
}

/* MMX/SSE part of the 0F map: the mandatory 66/F2/F3 prefix changes the form. */
static bool simd_space(unsigned op)
{
    unsigned o = op & 0xff;
    return (op & 0x100) && ((o >= 0x10 && o <= 0x17) || (o >= 0x28 && o <= 0x2f) ||
                            (o >= 0x50 && o <= 0x7f) || (o >= 0xc2 && o <= 0xc6) ||
                            o >= 0xd0);
}

/* Direction of a disagreement (bit mask in an exclusion). */
enum dir { CS_ONLY = 1, OURS_ONLY = 2, LEN_DIFF = 4, ANY_DIR = 7 };

struct ctx {
    const uint8_t *b;
    const struct shape *s;
    bool code32;
    const char *mn; /* Capstone's mnemonic ("" when Capstone rejects) */
    const cs_insn *ci; /* Capstone's decoding (NULL when Capstone rejects) */
};

/* Independent of the decoder's tables: is this a lockable instruction (SDM
 * Vol. 2 LOCK) with a memory destination, going by Capstone's decoding? */
static bool lockable_by_capstone(const cs_insn *ci)
{
    static const char *const ok[] = {"add", "adc", "and", "btc", "btr", "bts", "cmpxchg",
                                     "cmpxchg8b", "dec", "inc", "neg", "not", "or", "sbb",
                                     "sub", "xor", "xadd", "xchg"};
    const char *m = ci->mnemonic;
    static const char *const pfx[] = {"lock ", "rep ", "repe ", "repne ", "bnd ",
                                      "xacquire ", "xrelease "};
    for (bool again = true; again;) {
        again = false;
        for (unsigned i = 0; i < sizeof pfx / sizeof *pfx; i++)
            if (!strncmp(m, pfx[i], strlen(pfx[i])))
                m += strlen(pfx[i]), again = true;
    }
    const cs_x86 *x = &ci->detail->x86;
    bool mem_dest = x->op_count > 0 && x->operands[0].type == X86_OP_MEM;
    if (!strcmp(m, "xchg"))
        mem_dest = x->op_count > 1 && (x->operands[0].type == X86_OP_MEM ||
                                       x->operands[1].type == X86_OP_MEM);
    for (unsigned i = 0; i < sizeof ok / sizeof *ok; i++)
        if (!strcmp(m, ok[i]))
            return mem_dest;
    return false;
}

static bool ex_lock(const struct ctx *c)
{
    uint8_t t[BUF], u[BUF];
    struct shape s2;
    if (!c->s->lock || lockable_by_capstone(c->ci))
        return false;
    strip(c->b, c->s, "\xf0", t);
    if (ours_ok(t, c->code32))
        return true;
    shape_of(t, &s2);
    strip(t, &s2, "\x66\xf2\xf3", u);
    return simd_space(c->s->op) && ours_ok(u, c->code32);
}
/* Independent of the decoder's tables: would a Pentium M (MMX, SSE, SSE2; no
 * SSE3) execute Capstone's reading of an MMX/SSE instruction? The form is
 * named by the mnemonic, and each mnemonic has its mandatory prefix (SDM Vol.
 * 2, 2.1.2 and A.3: the last of F2/F3, else 66): 'N' none, '6' 66, '3' F3,
 * '2' F2. Capstone 4 sometimes ignores a prefix that selects no form and
 * prints the unprefixed mnemonic; the prefix check catches that. MMX-style
 * integer mnemonics ('x') are the no-prefix MMX form on MMX registers and the
 * SSE2 66 form on XMM registers. */
static bool pm_simd_form_ok(const cs_insn *ci, const struct shape *s)
{
    static const struct {
        const char *name, *pfx;
    } known[] = {
        /* SSE */
        {"movups", "N"}, {"movss", "3"}, {"movlps", "N"}, {"movhlps", "N"}, {"movhps", "N"},
        {"movlhps", "N"}, {"unpcklps", "N"}, {"unpckhps", "N"}, {"movaps", "N"},
        {"cvtpi2ps", "N"}, {"cvtsi2ss", "3"}, {"movntps", "N"}, {"cvttps2pi", "N"},
        {"cvttss2si", "3"}, {"cvtps2pi", "N"}, {"cvtss2si", "3"}, {"ucomiss", "N"},
        {"comiss", "N"}, {"movmskps", "N"}, {"sqrtps", "N"}, {"sqrtss", "3"}, {"rsqrtps", "N"},
        {"rsqrtss", "3"}, {"rcpps", "N"}, {"rcpss", "3"}, {"andps", "N"}, {"andnps", "N"},
        {"orps", "N"}, {"xorps", "N"}, {"addps", "N"}, {"addss", "3"}, {"mulps", "N"},
        {"mulss", "3"}, {"subps", "N"}, {"subss", "3"}, {"minps", "N"}, {"minss", "3"},
        {"divps", "N"}, {"divss", "3"}, {"maxps", "N"}, {"maxss", "3"}, {"shufps", "N"},
        {"cmpps", "N"}, {"cmpss", "3"}, {"pshufw", "N"}, {"movntq", "N"}, {"maskmovq", "N"},
        /* SSE2 */
        {"movupd", "6"}, {"movsd", "2"}, {"movlpd", "6"}, {"movhpd", "6"}, {"unpcklpd", "6"},
        {"unpckhpd", "6"}, {"movapd", "6"}, {"cvtpi2pd", "6"}, {"cvtsi2sd", "2"},
        {"movntpd", "6"}, {"cvttpd2pi", "6"}, {"cvttsd2si", "2"}, {"cvtpd2pi", "6"},
        {"cvtsd2si", "2"}, {"ucomisd", "6"}, {"comisd", "6"}, {"movmskpd", "6"},
        {"sqrtpd", "6"}, {"sqrtsd", "2"}, {"andpd", "6"}, {"andnpd", "6"}, {"orpd", "6"},
        {"xorpd", "6"}, {"addpd", "6"}, {"addsd", "2"}, {"mulpd", "6"}, {"mulsd", "2"},
        {"cvtps2pd", "N"}, {"cvtpd2ps", "6"}, {"cvtss2sd", "3"}, {"cvtsd2ss", "2"},
        {"cvtdq2ps", "N"}, {"cvtps2dq", "6"}, {"cvttps2dq", "3"}, {"subpd", "6"},
        {"subsd", "2"}, {"minpd", "6"}, {"minsd", "2"}, {"divpd", "6"}, {"divsd", "2"},
        {"maxpd", "6"}, {"maxsd", "2"}, {"cmppd", "6"}, {"cmpsd", "2"}, {"shufpd", "6"},
        {"movnti", "N"}, {"cvttpd2dq", "6"}, {"cvtdq2pd", "3"}, {"cvtpd2dq", "2"},
        {"movdqa", "6"}, {"movdqu", "3"}, {"movq2dq", "3"}, {"movdq2q", "2"},
        {"movntdq", "6"}, {"maskmovdqu", "6"}, {"pshufd", "6"}, {"pshufhw", "3"},
        {"pshuflw", "2"}, {"punpcklqdq", "6"}, {"punpckhqdq", "6"}, {"psrldq", "6"},
        {"pslldq", "6"},
        /* MMX, the SSE integer additions, and SSE2's PADDQ PSUBQ PMULUDQ */
        {"punpcklbw", "x"}, {"punpcklwd", "x"}, {"punpckldq", "x"}, {"packsswb", "x"},
        {"pcmpgtb", "x"}, {"pcmpgtw", "x"}, {"pcmpgtd", "x"}, {"packuswb", "x"},
        {"punpckhbw", "x"}, {"punpckhwd", "x"}, {"punpckhdq", "x"}, {"packssdw", "x"},
        {"movd", "x"}, {"psrlw", "x"}, {"psraw", "x"}, {"psllw", "x"}, {"psrld", "x"},
        {"psrad", "x"}, {"pslld", "x"}, {"psrlq", "x"}, {"psllq", "x"}, {"pcmpeqb", "x"},
        {"pcmpeqw", "x"}, {"pcmpeqd", "x"}, {"emms", "N"}, {"pinsrw", "x"}, {"pextrw", "x"},
        {"pmullw", "x"}, {"pmovmskb", "x"}, {"psubusb", "x"}, {"psubusw", "x"},
        {"pminub", "x"}, {"pand", "x"}, {"paddusb", "x"}, {"paddusw", "x"}, {"pmaxub", "x"},
        {"pandn", "x"}, {"pavgb", "x"}, {"pavgw", "x"}, {"pmulhuw", "x"}, {"pmulhw", "x"},
        {"psubsb", "x"}, {"psubsw", "x"}, {"pminsw", "x"}, {"por", "x"}, {"paddsb", "x"},
        {"paddsw", "x"}, {"pmaxsw", "x"}, {"pxor", "x"}, {"pmaddwd", "x"}, {"psadbw", "x"},
        {"psubb", "x"}, {"psubw", "x"}, {"psubd", "x"}, {"paddb", "x"}, {"paddw", "x"},
        {"paddd", "x"}, {"paddq", "x"}, {"psubq", "x"}, {"pmuludq", "x"},
        /* MOVQ: mm (none), or xmm: F3 0F 7E load, 66 0F D6 store */
        {"movq", "m"}};
    char m[32];
    snprintf(m, sizeof m, "%s", ci->mnemonic);
    size_t n = strlen(m);
    /* CMPPS & co. print their predicate: cmpltps -> cmpps. */
    if (!strncmp(m, "cmp", 3) && n > 5 &&
        (!strcmp(m + n - 2, "ps") || !strcmp(m + n - 2, "ss") || !strcmp(m + n - 2, "pd") ||
         !strcmp(m + n - 2, "sd")))
        memmove(m + 3, m + n - 2, 3);
    char p = s->rep ? '3' : s->repne ? '2' : s->p66 ? '6' : 'N';
    bool xmm = strstr(ci->op_str, "xmm") != NULL;
    for (unsigned i = 0; i < sizeof known / sizeof *known; i++) {
        if (strcmp(m, known[i].name))
            continue;
        switch (known[i].pfx[0]) {
        case 'x': return p == (xmm ? '6' : 'N');
        case 'm': return xmm ? (p == '6' || p == '3') : p == 'N';
        default: return p == known[i].pfx[0];
        }
    }
    return false;
}
/* Capstone 4 does not always pick the mandatory prefix the SDM's way (the
 * last of F2/F3, else 66): with 66 and F3 together it may take 66, and in
 * 16-bit mode it ignores F3 on some SSE opcodes. So the P3 judgement uses
 * Capstone's 32-bit reading of the bytes rewritten with only the SDM's
 * mandatory prefix kept (and 67 where needed to keep the addressing form). */
static csh canon_h;
static bool pm_simd_ok(const uint8_t *b, const struct shape *s, bool code32)
{
    uint8_t t[BUF + 1];
    int n = 0;
    if (!canon_h) {
        ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_32, &canon_h), CS_ERR_OK);
        cs_option(canon_h, CS_OPT_DETAIL, CS_OPT_ON);
    }
    if (s->p67 == code32)
        t[n++] = 0x67; /* 16-bit addressing */
    if (s->rep || s->repne || s->p66)
        t[n++] = s->rep ? 0xf3 : s->repne ? 0xf2 : 0x66;
    for (int i = s->npfx; i < BUF && n < BUF; i++)
        t[n++] = b[i];
    const uint8_t *p = t;
    size_t sz = (size_t)n;
    uint64_t addr = 0x1000;
    struct shape s2;
    cs_insn *ci = cs_malloc(canon_h);
    bool ok = cs_disasm_iter(canon_h, &p, &sz, &addr, ci);
    shape_of(t, &s2);
    ok = ok && pm_simd_form_ok(ci, &s2);
    cs_free(ci, 1);
    return ok;
}
static bool ex_simd_prefix(const struct ctx *c)
{
    return simd_space(c->s->op) && (c->s->p66 || c->s->rep || c->s->repne) &&
           !pm_simd_ok(c->b, c->s, c->code32);
}
/* Capstone 4 rejects the SSE2 opcodes that have no unprefixed form (0F 6C
 * 6D D6 E6) unless their mandatory prefix comes right before 0F (other
 * prefixes in between, or 67 after it), and in 16-bit mode some 66-prefixed
 * SSE2 forms; judged on its 32-bit reading of the canonical bytes (only the
 * mandatory prefix, placed last). */
static bool ex_cs_prefix_order(const struct ctx *c)
{
    return simd_space(c->s->op) && pm_simd_ok(c->b, c->s, c->code32);
}
static bool in_list(unsigned op, const unsigned *l, int n)
{
    for (int i = 0; i < n; i++)
        if (l[i] == op)
            return true;
    return false;
}
static bool ex_sse3_opcode(const struct ctx *c)
{
    static const unsigned l[] = {0x17c, 0x17d, 0x1d0, 0x1f0};
    return in_list(c->s->op, l, sizeof l / sizeof *l);
}
static bool ex_amd_3dnow(const struct ctx *c)
{
    static const unsigned l[] = {0x105, 0x107, 0x10d, 0x10e, 0x10f};
    return in_list(c->s->op, l, sizeof l / sizeof *l);
}
static bool ex_three_byte(const struct ctx *c) { return c->s->op == 0x138 || c->s->op == 0x13a; }
static bool ex_vmx_smx(const struct ctx *c)
{
    return c->s->op == 0x137 || c->s->op == 0x178 || c->s->op == 0x179;
}
static bool ex_padlock(const struct ctx *c) { return c->s->op == 0x1a6 || c->s->op == 0x1a7; }
static bool ex_popcnt(const struct ctx *c) { return c->s->op == 0x1b8 && c->s->rep; }
static bool ex_grp7(const struct ctx *c)
{
    return c->s->op == 0x101 && (c->s->mod == 3 || c->s->reg == 5);
}
static bool ex_grp9(const struct ctx *c)
{
    return c->s->op == 0x1c7 && !(c->s->reg == 1 && c->s->mod != 3);
}
static bool ex_grp15(const struct ctx *c)
{
    const struct shape *s = c->s;
    return s->op == 0x1ae && ((s->mod != 3 && s->reg >= 4 && s->reg <= 6) ||
                              (s->mod == 3 && s->reg < 5));
}
static bool ex_tsx(const struct ctx *c)
{
    return (c->s->op == 0xc6 || c->s->op == 0xc7) && c->s->modrm == 0xf8;
}
static bool ex_vex(const struct ctx *c)
{
    const struct shape *s = c->s;
    return ((s->op == 0xc4 || s->op == 0xc5 || s->op == 0x62) && s->mod == 3) ||
           (s->op == 0x8f && s->reg != 0);
}
static bool ex_mov_cr(const struct ctx *c)
{
    const struct shape *s = c->s;
    return (s->op == 0x120 || s->op == 0x122) && (s->reg == 1 || s->reg >= 5);
}
static bool ex_mov_sreg(const struct ctx *c)
{
    const struct shape *s = c->s;
    return (s->op == 0x8e && (s->reg == 1 || s->reg >= 6)) || (s->op == 0x8c && s->reg >= 6);
}
static bool ex_hint_nop(const struct ctx *c)
{
    return c->s->op >= 0x118 && c->s->op <= 0x11f && c->s->mod == 3;
}
static bool ex_fence(const struct ctx *c)
{
    return c->s->op == 0x1ae && c->s->mod == 3 && c->s->reg >= 5 && c->s->rm != 0;
}
static bool ex_ud01(const struct ctx *c) { return c->s->op == 0x1b9 || c->s->op == 0x1ff; }
static bool ex_moffs_rep66(const struct ctx *c)
{
    return c->s->op >= 0xa0 && c->s->op <= 0xa3 && c->s->p66 && (c->s->rep || c->s->repne);
}
static bool ex_bnd66(const struct ctx *c)
{
    return (c->s->op == 0xe8 || c->s->op == 0xe9 || (c->s->op >= 0x180 && c->s->op <= 0x18f)) &&
           c->s->p66 && (c->s->rep || c->s->repne);
}

struct exclusion {
    const char *name;
    enum dir dir;
    bool (*match)(const struct ctx *c);
    const char *why;
    long count;
};

static struct exclusion exclusions[] = {
    {"lock", CS_ONLY, ex_lock,
     "Capstone 4 accepts LOCK on any instruction; SDM Vol. 2 LOCK: #UD unless the "
     "instruction is a lockable read-modify-write with a memory destination (checked here "
     "from Capstone's own decoding, independently of the decoder's table)", 0},
    {"simd-prefix", CS_ONLY, ex_simd_prefix,
     "66/F2/F3 on an MMX/SSE opcode select a form (SDM Vol. 2 A.3); the forms that are "
     "SSE3 or later, or reserved, are #UD on a Pentium M (judged from Capstone's own "
     "decoding against the MMX+SSE+SSE2 mnemonic list)", 0},
    {"sse3-opcode", CS_ONLY, ex_sse3_opcode, "0F 7C 7D D0 F0 (SSE3): not on a Pentium M", 0},
    {"capstone-prefix-order", OURS_ONLY, ex_cs_prefix_order,
     "Capstone 4 rejects SSE2 forms whose mandatory prefix is not the last prefix (0F 6C "
     "6D D6 E6) and, in 16-bit mode, some 66-prefixed forms, which it decodes when the "
     "prefix is placed last in 32-bit mode (judged valid from that decoding)", 0},
    {"amd-3dnow", CS_ONLY, ex_amd_3dnow,
     "0F 05/07 SYSCALL/SYSRET (AMD; Intel only in 64-bit mode), 0F 0D PREFETCHW, 0F 0E "
     "FEMMS, 0F 0F 3DNow!: not on an Intel P6", 0},
    {"three-byte-maps", CS_ONLY, ex_three_byte,
     "0F 38 / 0F 3A (SSSE3, SSE4, MOVBE, ...): not on a P6", 0},
    {"vmx-smx", CS_ONLY, ex_vmx_smx, "0F 37 GETSEC, 0F 78/79 VMREAD/VMWRITE: not on a P6", 0},
    {"via-padlock", CS_ONLY, ex_padlock, "0F A6/A7: VIA PadLock (XSTORE/XCRYPT), not Intel", 0},
    {"popcnt", CS_ONLY, ex_popcnt, "F3 0F B8 POPCNT (Nehalem): not on a P6", 0},
    {"grp7-new", CS_ONLY, ex_grp7,
     "0F 01 mod=11 (VMX, SVM, MONITOR/MWAIT, XGETBV, SWAPGS, RDTSCP, CLAC/STAC, ENCLS...) "
     "and /5 were added after the P6 (SDM Vol. 2 Table A-6 Grp7)", 0},
    {"grp9-new", CS_ONLY, ex_grp9,
     "0F C7: only /1 CMPXCHG8B Mq exists on a P6 (RDRAND, RDSEED, VMPTRLD, XSAVES... later)", 0},
    {"grp15-new", CS_ONLY, ex_grp15,
     "0F AE: XSAVE/XRSTOR/XSAVEOPT (memory /4-/6) and the mod=11 forms /0-/4 "
     "(RDFSBASE..., 64-bit only) are later than the Pentium M", 0},
    {"tsx", CS_ONLY, ex_tsx, "C6 F8 XABORT / C7 F8 XBEGIN (TSX): not on a P6", 0},
    {"vex-evex-xop", CS_ONLY, ex_vex,
     "C4/C5 (LES/LDS), 62 (BOUND) with mod=11 and 8F /1-/7 are VEX/EVEX/XOP prefixes on "
     "AVX/AVX-512/XOP CPUs; on a P6 they are invalid forms: #UD", 0},
    {"mov-cr", CS_ONLY, ex_mov_cr, "MOV to/from CR1, CR5-CR7: #UD (SDM Vol. 2 MOV-Control Registers)", 0},
    {"mov-sreg", CS_ONLY, ex_mov_sreg,
     "8E /1 (MOV CS,Ew) and Sreg 6/7 are #UD (SDM Vol. 2 MOV: 'If an attempt is made to load "
     "the CS register', reserved segment register encodings)", 0},
    {"hint-nop", OURS_ONLY, ex_hint_nop,
     "0F 18-1F: prefetch/hint NOP Ev exists in every ModRM form on the P6 family (SDM Vol. 2 "
     "NOP and Table A-3); Capstone 4 rejects the register forms of 0F 18 /0-/3 and 0F 1A-1F",
     0},
    {"fence-rm", OURS_ONLY, ex_fence,
     "LFENCE, MFENCE, SFENCE are 0F AE /5 /6 /7 with mod=11 and rm ignored (SDM Vol. 2 "
     "Table A-6 Grp15); Capstone 4 accepts only rm=0", 0},
    {"ud0-ud1", ANY_DIR, ex_ud01,
     "UD1 0F B9 /r and UD0 0F FF /r take a ModRM (SDM Vol. 2 UD); Capstone 4 decodes them "
     "without one and rejects prefixed UD0; both always raise #UD", 0},
    {"moffs-rep-66", OURS_ONLY, ex_moffs_rep66,
     "Capstone 4 rejects MOV moffs (A0-A3) carrying both 66 and F2/F3 although it accepts "
     "each alone; REP/REPNE on a non-string instruction is ignored by the P6", 0},
    {"bnd-66", LEN_DIFF, ex_bnd66,
     "Capstone 4 takes F2/F3 before CALL/JMP/Jcc rel as the MPX BND prefix and then ignores "
     "66; a P6 has no MPX and 66 selects rel16 (SDM Vol. 2 CALL, JMP, Jcc)", 0},
};
#define NEXCL (int)(sizeof exclusions / sizeof *exclusions)

struct stats {
    long cases, agree, x87_validity, unexplained;
    long operands_checked, operand_errors, need_more_errors;
    long too_long; /* over 15 bytes for us, rejected by Capstone */
};

/* Capstone register -> our register number (EA_NONE for none, -1 other). */
static int reg_num(x86_reg r)
{
    switch (r) {
    case X86_REG_INVALID: case X86_REG_EIZ: return EA_NONE;
    case X86_REG_EAX: case X86_REG_AX: return 0;
    case X86_REG_ECX: case X86_REG_CX: return 1;
    case X86_REG_EDX: case X86_REG_DX: return 2;
    case X86_REG_EBX: case X86_REG_BX: return 3;
    case X86_REG_ESP: case X86_REG_SP: return 4;
    case X86_REG_EBP: case X86_REG_BP: return 5;
    case X86_REG_ESI: case X86_REG_SI: return 6;
    case X86_REG_EDI: case X86_REG_DI: return 7;
    default: return -1;
    }
}

static int seg_num(x86_reg r)
{
    switch (r) {
    case X86_REG_ES: return SEG_ES;
    case X86_REG_CS: return SEG_CS;
    case X86_REG_SS: return SEG_SS;
    case X86_REG_DS: return SEG_DS;
    case X86_REG_FS: return SEG_FS;
    case X86_REG_GS: return SEG_GS;
    default: return -1;
    }
}

/* For an instruction both accept with the same length: the memory operand
 * (base, index, scale, displacement, explicit segment) and the immediates
 * must match Capstone's operands. Returns a description of the first
 * difference, or NULL. */
static const char *compare_operands(const struct insn *in, const cs_insn *ci, bool code32)
{
    const cs_x86 *x = &ci->detail->x86;
    const cs_x86_op *memop = NULL;
    int64_t imms[4];
    int nimm = 0;
    for (int i = 0; i < x->op_count; i++) {
        if (x->operands[i].type == X86_OP_MEM && !memop)
            memop = &x->operands[i];
        if (x->operands[i].type == X86_OP_IMM && nimm < 4)
            imms[nimm++] = x->operands[i].imm;
    }
    if (in->has_modrm || (in->flags & D_MOFFS)) {
        if (in->is_mem != (memop != NULL))
            return "memory operand presence";
        if (memop) {
            int cb = reg_num(memop->mem.base), cx = reg_num(memop->mem.index);
            int sc = memop->mem.scale;
            uint32_t mask = in->adsize == 2 ? 0xffff : 0xffffffff;
            if (((uint32_t)memop->mem.disp & mask) != (in->disp & mask))
                return "displacement";
            if (in->ea_index != EA_NONE && in->ea_scale != 0) {
                if (cb != in->ea_base || cx != in->ea_index || sc != 1 << in->ea_scale)
                    return "base/index/scale";
            } else if (!((cb == in->ea_base && cx == in->ea_index) ||
                         (cb == in->ea_index && cx == in->ea_base))) {
                return "base/index";
            }
            int cs_seg = seg_num(memop->mem.segment);
            if (cs_seg >= 0 && cs_seg != in->seg)
                return "segment override";
        }
    }
    uint32_t vmask = in->opsize == 2 ? 0xffff : 0xffffffff;
    uint16_t f = in->flags;
    if (f & (D_REL8 | D_RELZ)) {
        /* Capstone 4 truncates targets to 16 bits in 16-bit mode (even with 66)
         * and with 67 in 32-bit mode; only the low 16 bits compare there. */
        uint32_t tmask = code32 && in->opsize == 4 && !(in->prefix & PFX_ADSIZE) ? vmask : 0xffff;
        if (nimm < 1 || ((uint32_t)imms[0] & tmask) != ((0x1000 + in->len + in->imm) & tmask))
            return "branch target";
    } else if (f & D_PTR) {
        if (nimm < 2 || (uint32_t)imms[0] != in->imm2 || (uint32_t)imms[1] != in->imm)
            return "far pointer";
    } else if (f & D_IW_IB) {
        /* Capstone prints both as signed numbers. */
        if (nimm < 2 || ((uint32_t)imms[0] & 0xffff) != in->imm ||
            ((uint32_t)imms[1] & 0xff) != in->imm2)
            return "enter operands";
    } else if (f & D_IB) {
        /* Capstone folds CMPPS/CMPSS predicates and AAM/AAD base 10 into the mnemonic. */
        if (nimm == 0 && (in->opcode == 0x1c2 || ((in->opcode == 0xd4 || in->opcode == 0xd5) &&
                                                  in->imm == 10)))
            return NULL;
        if (nimm < 1 || ((uint32_t)imms[nimm - 1] & 0xff) != (in->imm & 0xff))
            return "imm8";
    } else if ((f & (D_IZ | D_IW)) || ((f & D_GRP3_IMM) && in->reg <= 1)) {
        uint32_t m = (f & D_IW) ? 0xffff : (f & D_BYTE) ? 0xff : vmask;
        if (nimm < 1 || ((uint32_t)imms[nimm - 1] & m) != (in->imm & m))
            return "immediate";
    }
    return NULL;
}

/* A valid instruction cut short must ask for more bytes, never decode. */
static bool need_more_consistent(const uint8_t *b, int len, bool code32)
{
    struct insn t;
    for (int avail = 0; avail < len; avail++)
        if (decode_insn(&t, b, avail, code32) != DEC_NEED_MORE)
            return false;
    return true;
}

static void report(const char *what, const struct stats *st)
{
    printf("%s: %ld cases, %ld agree, %ld x87 validity differences not compared, "
           "%ld unexplained; operands compared on %ld, %ld differ; %ld need-more errors; "
           "%ld over 15 bytes (Capstone rejects them too)\n",
           what, st->cases, st->agree, st->x87_validity, st->unexplained,
           st->operands_checked, st->operand_errors, st->need_more_errors, st->too_long);
    for (int i = 0; i < NEXCL; i++)
        if (exclusions[i].count)
            printf("  exclusion %-18s %8ld  (%s)\n", exclusions[i].name, exclusions[i].count,
                   exclusions[i].why);
}

static void reset_counts(void)
{
    for (int i = 0; i < NEXCL; i++)
        exclusions[i].count = 0;
}

static long unexplained_print_limit = 40;

/* Compare one byte sequence; returns true when explained or in agreement. */
static void check_one(csh h, cs_insn *ci, const uint8_t *b, bool code32, struct stats *st)
{
    struct insn in;
    struct shape s;
    int r = decode_insn(&in, b, BUF, code32);
    const uint8_t *p = b;
    size_t sz = BUF;
    uint64_t addr = 0x1000;
    ci->size = 0;
    bool cok = cs_disasm_iter(h, &p, &sz, &addr, ci) && ci->size <= 15;
    bool ok = r == DEC_OK;

    st->cases++;
    if (r == DEC_TOO_LONG && !cok)
        st->too_long++;
    if (ok == cok && (!ok || in.len == ci->size)) {
        st->agree++;
        if (ok) {
            const char *diff = compare_operands(&in, ci, code32);
            if ((in.prefix & PFX_LOCK) && !lockable_by_capstone(ci))
                diff = "LOCK accepted on a non-lockable form";
            shape_of(b, &s);
            if (simd_space(in.opcode) && !pm_simd_ok(b, &s, code32))
                diff = "MMX/SSE form accepted that a Pentium M lacks";
            st->operands_checked++;
            if (!need_more_consistent(b, in.len, code32) && st->need_more_errors++ < 10)
                printf("NEED_MORE inconsistent: %s %s\n", ci->mnemonic, ci->op_str);
            if (diff && st->operand_errors++ < unexplained_print_limit) {
                printf("OPERANDS differ (%s) mode%d '%s %s':", diff, code32 ? 32 : 16,
                       ci->mnemonic, ci->op_str);
                for (int i = 0; i < in.len; i++)
                    printf(" %02x", b[i]);
                printf("\n");
            }
        }
        return;
    }
    shape_of(b, &s);
    if (s.op >= 0xd8 && s.op <= 0xdf && ok != cok) {
        st->x87_validity++; /* x87 escapes: only lengths are compared */
        return;
    }
    enum dir d = ok && cok ? LEN_DIFF : cok ? CS_ONLY : OURS_ONLY;
    struct ctx c = {b, &s, code32, cok ? ci->mnemonic : "", cok ? ci : NULL};
    for (int i = 0; i < NEXCL; i++) {
        if ((exclusions[i].dir & d) && exclusions[i].match(&c)) {
            exclusions[i].count++;
            return;
        }
    }
    if (st->unexplained++ < unexplained_print_limit) {
        printf("UNEXPLAINED %s mode%d ours=%d len %d, capstone %s len %d '%s %s':",
               d == LEN_DIFF ? "length" : d == CS_ONLY ? "capstone-only" : "ours-only",
               code32 ? 32 : 16, r, in.len, cok ? "ok" : "invalid", cok ? ci->size : 0,
               cok ? ci->mnemonic : "", cok ? ci->op_str : "");
        for (int i = 0; i < 16; i++)
            printf(" %02x", b[i]);
        printf("\n");
    }
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

static const uint8_t prefixes[] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
                                   0x66, 0x67, 0xf0, 0xf2, 0xf3};

static void run_random(bool code32, long n)
{
    csh h;
    struct stats st = {0};
    ck_assert_int_eq(cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &h), CS_ERR_OK);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *ci = cs_malloc(h);
    reset_counts();
    rng_state = code32 ? 0x9e3779b97f4a7c15ull : 0xd1b54a32d192ed03ull;
    for (long i = 0; i < n; i++) {
        uint8_t b[BUF];
        for (int j = 0; j < BUF; j++)
            b[j] = (uint8_t)rnd();
        /* Bias: a quarter get 1-3 prefixes, 1/64 a long run (up to 16), half 0F. */
        int np = rnd() % 4 == 0 ? 1 + rnd() % 3 : 0;
        if (rnd() % 64 == 0)
            np = rnd() % 17;
        int pos = 0;
        for (int j = 0; j < np; j++)
            b[pos++] = prefixes[rnd() % sizeof prefixes];
        if (rnd() % 2)
            b[pos] = 0x0f;
        check_one(h, ci, b, code32, &st);
    }
    report(code32 ? "random, 32-bit" : "random, 16-bit", &st);
    cs_free(ci, 1);
    cs_close(&h);
    ck_assert_int_eq(st.unexplained, 0);
    ck_assert_int_eq(st.operand_errors, 0);
    ck_assert_int_eq(st.need_more_errors, 0);
    ck_assert_int_gt(st.agree, n * 8 / 10);
}

/* Every one-byte and 0F opcode x every ModRM x SIB/prefix variants. */
static void run_sweep(bool code32)
{
    static const char *const pfx_variants[] = {"", "\x66", "\x67", "\xf3", "\xf2", "\xf0",
                                               "\x66\x67", "\x2e\xf3\x66",
                                               /* 10 prefixes: lengths around the limit */
                                               "\x3e\x26\x2e\x36\x64\x65\x3e\x26\x2e\x36"};
    static const uint8_t tails[][2] = {{0x00, 0x7f}, {0x25, 0x80}, {0xe5, 0x01}};
    csh h;
    struct stats st = {0};
    ck_assert_int_eq(cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &h), CS_ERR_OK);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *ci = cs_malloc(h);
    reset_counts();
    for (unsigned pv = 0; pv < sizeof pfx_variants / sizeof *pfx_variants; pv++) {
        for (unsigned op = 0; op < 0x200; op++) {
            if (op < 0x100 && (op == 0x0f || is_prefix((uint8_t)op)))
                continue;
            for (unsigned m = 0; m < 256; m++) {
                for (unsigned t = 0; t < sizeof tails / sizeof *tails; t++) {
                    uint8_t b[BUF];
                    int pos = 0;
                    for (const char *q = pfx_variants[pv]; *q; q++)
                        b[pos++] = (uint8_t)*q;
                    if (op & 0x100)
                        b[pos++] = 0x0f;
                    b[pos++] = (uint8_t)op;
                    b[pos++] = (uint8_t)m;
                    b[pos++] = tails[t][0];
                    for (int j = 0; pos < BUF; j++)
                        b[pos++] = (uint8_t)(tails[t][1] + j * 0x11);
                    check_one(h, ci, b, code32, &st);
                }
            }
        }
    }
    report(code32 ? "sweep, 32-bit" : "sweep, 16-bit", &st);
    cs_free(ci, 1);
    cs_close(&h);
    ck_assert_int_eq(st.unexplained, 0);
    ck_assert_int_eq(st.operand_errors, 0);
    ck_assert_int_eq(st.need_more_errors, 0);
}

START_TEST(random_32) { run_random(true, 200000); }
END_TEST
START_TEST(random_16) { run_random(false, 200000); }
END_TEST
START_TEST(sweep_32) { run_sweep(true); }
END_TEST
START_TEST(sweep_16) { run_sweep(false); }
END_TEST

int main(void)
{
    if (getenv("DECODE_PRINT_ALL"))
        unexplained_print_limit = 1L << 40;
    Suite *s = suite_create("decode_capstone");
    TCase *tc = tcase_create("capstone");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, random_32);
    tcase_add_test(tc, random_16);
    tcase_add_test(tc, sweep_32);
    tcase_add_test(tc, sweep_16);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (canon_h)
        cs_close(&canon_h);
    return failed ? 1 : 0;
}
