/* Decoder unit tests: addressing forms (16/32-bit, SIB, default segments,
 * overrides), immediates, groups, prefixes, LOCK, SIMD prefixes, length limit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "test_util.h"

static uint8_t bytes[64];
static int nbytes;

/* Decode a hex string ("66 8b 04 24") with exactly its bytes available. */
static int dec(struct insn *in, bool code32, const char *hex)
{
    char *end;
    nbytes = 0;
    for (const char *p = hex; *p;) {
        unsigned long v = strtoul(p, &end, 16);
        if (end == p)
            break;
        bytes[nbytes++] = (uint8_t)v;
        p = end;
    }
    memset(in, 0xcc, sizeof *in);
    return decode_insn(in, bytes, nbytes, code32);
}

/* Decode and require DEC_OK with the whole string as the instruction. */
static void ok(struct insn *in, bool code32, const char *hex)
{
    int r = dec(in, code32, hex);
    ck_assert_msg(r == DEC_OK, "%s: result %d", hex, r);
    ck_assert_msg(in->len == nbytes, "%s: len %d, want %d", hex, in->len, nbytes);
    ck_assert_ptr_eq((void *)in->handler, (void *)opcode_table[in->opcode].handler);
    ck_assert_uint_eq(in->flags, opcode_table[in->opcode].dflags);
}

static void invalid(bool code32, const char *hex, int want_len)
{
    struct insn in;
    int r = dec(&in, code32, hex);
    ck_assert_msg(r == DEC_INVALID, "%s: result %d, want invalid", hex, r);
    if (want_len)
        ck_assert_msg(in.len == want_len, "%s: len %d, want %d", hex, in.len, want_len);
}

static void mem(const struct insn *in, int base, int index, int scale, uint32_t disp, int seg)
{
    ck_assert(in->has_modrm || (in->flags & D_MOFFS));
    ck_assert(in->is_mem);
    ck_assert_int_eq(in->ea_base, base);
    ck_assert_int_eq(in->ea_index, index);
    ck_assert_int_eq(in->ea_scale, scale);
    ck_assert_uint_eq(in->disp, disp);
    ck_assert_int_eq(in->seg, seg);
}

START_TEST(addr32_forms)
{
    struct insn in;
    ok(&in, true, "8b 04 85 78 56 34 12"); /* mov eax,[eax*4+0x12345678]: SIB, no base */
    mem(&in, EA_NONE, R_EAX, 2, 0x12345678, SEG_DS);
    ck_assert_int_eq(in.reg, R_EAX);
    ok(&in, true, "8b 0d 78 56 34 12"); /* mov ecx,[0x12345678]: disp32 only */
    mem(&in, EA_NONE, EA_NONE, 0, 0x12345678, SEG_DS);
    ck_assert_int_eq(in.reg, R_ECX);
    ok(&in, true, "8b 04 24"); /* [esp]: SS */
    mem(&in, R_ESP, EA_NONE, 0, 0, SEG_SS);
    ok(&in, true, "8b 45 fc"); /* [ebp-4]: SS, disp8 sign-extended */
    mem(&in, R_EBP, EA_NONE, 0, 0xfffffffc, SEG_SS);
    ok(&in, true, "8b 04 2d 00 01 00 00"); /* [ebp*1+0x100]: EBP as index only -> DS */
    mem(&in, EA_NONE, R_EBP, 0, 0x100, SEG_DS);
    ok(&in, true, "8b 44 ed 08"); /* [ebp+ebp*8+8] */
    mem(&in, R_EBP, R_EBP, 3, 8, SEG_SS);
    ok(&in, true, "8b 84 e3 00 00 00 80"); /* [ebx+disp32], SIB index 4 = none */
    mem(&in, R_EBX, EA_NONE, 3, 0x80000000, SEG_DS);
    ok(&in, true, "8b 00"); /* [eax] */
    mem(&in, R_EAX, EA_NONE, 0, 0, SEG_DS);
    ok(&in, true, "8b 4c 24 80"); /* [esp-0x80] */
    mem(&in, R_ESP, EA_NONE, 0, 0xffffff80, SEG_SS);
    ok(&in, true, "8b 85 00 00 00 00"); /* [ebp+disp32] */
    mem(&in, R_EBP, EA_NONE, 0, 0, SEG_SS);
}
END_TEST

START_TEST(addr16_forms)
{
    struct insn in;
    static const struct { const char *hex; int base, index; uint32_t disp; int seg; } t[] = {
        {"8b 00", R_EBX, R_ESI, 0, SEG_DS},          /* [bx+si] */
        {"8b 01", R_EBX, R_EDI, 0, SEG_DS},          /* [bx+di] */
        {"8b 02", R_EBP, R_ESI, 0, SEG_SS},          /* [bp+si] */
        {"8b 03", R_EBP, R_EDI, 0, SEG_SS},          /* [bp+di] */
        {"8b 04", EA_NONE, R_ESI, 0, SEG_DS},        /* [si] */
        {"8b 05", EA_NONE, R_EDI, 0, SEG_DS},        /* [di] */
        {"8b 06 34 12", EA_NONE, EA_NONE, 0x1234, SEG_DS}, /* [disp16] */
        {"8b 07", R_EBX, EA_NONE, 0, SEG_DS},        /* [bx] */
        {"8b 46 fe", R_EBP, EA_NONE, 0xfffffffe, SEG_SS},  /* [bp-2] */
        {"8b 86 34 92", R_EBP, EA_NONE, 0xffff9234, SEG_SS}, /* [bp+disp16], sign-extended */
        {"8b 47 7f", R_EBX, EA_NONE, 0x7f, SEG_DS},  /* [bx+0x7f] */
        {"8b 80 00 80", R_EBX, R_ESI, 0xffff8000, SEG_DS},
    };
    for (unsigned i = 0; i < sizeof t / sizeof *t; i++) {
        ok(&in, false, t[i].hex);
        mem(&in, t[i].base, t[i].index, 0, t[i].disp, t[i].seg);
        ck_assert_int_eq(in.adsize, 2);
        ck_assert_int_eq(in.opsize, 2);
    }
    /* 67 switches the addressing form in either mode. */
    ok(&in, true, "67 8b 46 fe");
    mem(&in, R_EBP, EA_NONE, 0, 0xfffffffe, SEG_SS);
    ck_assert_int_eq(in.adsize, 2);
    ck_assert_int_eq(in.opsize, 4);
    ck_assert(in.prefix & PFX_ADSIZE);
    ok(&in, false, "67 8b 04 24");
    mem(&in, R_ESP, EA_NONE, 0, 0, SEG_SS);
    ck_assert_int_eq(in.adsize, 4);
    ok(&in, false, "67 66 8b 05 78 56 34 12");
    mem(&in, EA_NONE, EA_NONE, 0, 0x12345678, SEG_DS);
    ck_assert_int_eq(in.opsize, 4);
}
END_TEST

START_TEST(segment_overrides)
{
    struct insn in;
    static const struct { const char *hex; int seg; } t[] = {
        {"26 8b 45 00", SEG_ES}, {"2e 8b 04 24", SEG_CS}, {"36 8b 00", SEG_SS},
        {"3e 8b 45 00", SEG_DS}, {"64 8b 00", SEG_FS},    {"65 8b 00", SEG_GS},
        {"26 64 8b 00", SEG_FS}, {"64 26 3e 65 8b 00", SEG_GS}, /* last one wins */
    };
    for (unsigned i = 0; i < sizeof t / sizeof *t; i++) {
        ok(&in, true, t[i].hex);
        ck_assert_int_eq(in.seg, t[i].seg);
        ck_assert(in.prefix & PFX_SEG);
        ck_assert(in.is_mem);
    }
    ok(&in, true, "8b 00");
    ck_assert(!(in.prefix & PFX_SEG));
    /* Register forms have no memory segment. */
    ok(&in, true, "64 8b c1");
    ck_assert(!in.is_mem);
    ck_assert_int_eq(in.seg, SEG_NONE);
    ck_assert_int_eq(in.rm, R_ECX);
    ck_assert_int_eq(in.mod, 3);
    /* No ModRM (string instructions, XLAT): DS or the override. */
    ok(&in, true, "a4");
    ck_assert_int_eq(in.seg, SEG_DS);
    ok(&in, true, "26 a4");
    ck_assert_int_eq(in.seg, SEG_ES);
    ok(&in, false, "2e d7");
    ck_assert_int_eq(in.seg, SEG_CS);
}
END_TEST

START_TEST(moffs)
{
    struct insn in;
    ok(&in, true, "a1 78 56 34 12");
    mem(&in, EA_NONE, EA_NONE, 0, 0x12345678, SEG_DS);
    ck_assert(!in.has_modrm);
    ok(&in, true, "67 a3 34 12");
    mem(&in, EA_NONE, EA_NONE, 0, 0x1234, SEG_DS);
    ok(&in, false, "64 a0 34 92");
    mem(&in, EA_NONE, EA_NONE, 0, 0x9234, SEG_FS); /* not sign-extended */
    ok(&in, false, "67 a2 78 56 34 12");
    ck_assert_uint_eq(in.disp, 0x12345678);
    ok(&in, false, "66 a1 34 12");
    ck_assert_int_eq(in.opsize, 4);
}
END_TEST

START_TEST(immediates)
{
    struct insn in;
    ok(&in, true, "83 c0 ff");
    ck_assert_uint_eq(in.imm, 0xffffffff);
    ok(&in, false, "83 c0 80");
    ck_assert_uint_eq(in.imm, 0xffffff80);
    ok(&in, true, "80 c0 ff");
    ck_assert_uint_eq(in.imm, 0xff);
    ok(&in, true, "6a 80");
    ck_assert_uint_eq(in.imm, 0xffffff80);
    ok(&in, true, "6b c0 fe");
    ck_assert_uint_eq(in.imm, 0xfffffffe);
    ok(&in, true, "c1 e0 80"); /* shift count: zero-extended */
    ck_assert_uint_eq(in.imm, 0x80);
    ok(&in, true, "b0 90");
    ck_assert_uint_eq(in.imm, 0x90);
    ok(&in, true, "cd 80");
    ck_assert_uint_eq(in.imm, 0x80);
    ok(&in, true, "68 78 56 34 12");
    ck_assert_uint_eq(in.imm, 0x12345678);
    ok(&in, true, "66 68 34 82");
    ck_assert_uint_eq(in.imm, 0x8234);
    ok(&in, false, "b8 34 82");
    ck_assert_uint_eq(in.imm, 0x8234);
    ok(&in, false, "66 b8 78 56 34 12");
    ck_assert_uint_eq(in.imm, 0x12345678);
    ok(&in, true, "69 c0 78 56 34 12");
    ck_assert_uint_eq(in.imm, 0x12345678);
    ok(&in, true, "81 84 24 00 01 00 00 78 56 34 12"); /* add [esp+0x100],imm32 */
    mem(&in, R_ESP, EA_NONE, 0, 0x100, SEG_SS);
    ck_assert_uint_eq(in.imm, 0x12345678);
    ok(&in, false, "c7 06 34 12 cd ab"); /* mov word [0x1234],0xabcd */
    ck_assert_uint_eq(in.disp, 0x1234);
    ck_assert_uint_eq(in.imm, 0xabcd);
    /* Relative branches. */
    ok(&in, true, "eb fe");
    ck_assert_uint_eq(in.imm, 0xfffffffe);
    ok(&in, true, "e8 fb ff ff ff");
    ck_assert_uint_eq(in.imm, 0xfffffffb);
    ok(&in, true, "66 e8 fd ff"); /* rel16 sign-extended */
    ck_assert_uint_eq(in.imm, 0xfffffffd);
    ok(&in, false, "e9 00 80");
    ck_assert_uint_eq(in.imm, 0xffff8000);
    ok(&in, false, "0f 84 00 10");
    ck_assert_uint_eq(in.imm, 0x1000);
    ck_assert_int_eq(in.opcode, 0x184);
    ok(&in, true, "0f 85 00 00 00 80");
    ck_assert_uint_eq(in.imm, 0x80000000);
    ok(&in, true, "e3 10");
    ck_assert_uint_eq(in.imm, 0x10);
    /* Far pointers. */
    ok(&in, true, "9a 78 56 34 12 cd ab");
    ck_assert_uint_eq(in.imm, 0x12345678);
    ck_assert_uint_eq(in.imm2, 0xabcd);
    ok(&in, false, "ea 34 12 00 f0");
    ck_assert_uint_eq(in.imm, 0x1234);
    ck_assert_uint_eq(in.imm2, 0xf000);
    ok(&in, true, "66 ea 34 12 08 00");
    ck_assert_uint_eq(in.imm, 0x1234);
    ck_assert_uint_eq(in.imm2, 8);
    /* ENTER, RET imm16. */
    ok(&in, true, "c8 10 80 03");
    ck_assert_uint_eq(in.imm, 0x8010);
    ck_assert_uint_eq(in.imm2, 3);
    ok(&in, true, "c2 08 80");
    ck_assert_uint_eq(in.imm, 0x8008);
    ok(&in, false, "ca 04 00");
    ck_assert_uint_eq(in.imm, 4);
    /* Group 3: only TEST (/0, /1) has an immediate. */
    ok(&in, true, "f6 c0 55");
    ck_assert_uint_eq(in.imm, 0x55);
    ok(&in, true, "f6 c8 aa");
    ck_assert_uint_eq(in.imm, 0xaa);
    ok(&in, true, "f6 d0");
    ok(&in, true, "f7 c0 78 56 34 12");
    ck_assert_uint_eq(in.imm, 0x12345678);
    ok(&in, false, "f7 06 34 12 cd ab");
    ck_assert_uint_eq(in.imm, 0xabcd);
    ok(&in, true, "f7 d8");
    ok(&in, true, "f7 7d 08");
    ck_assert_int_eq(in.reg, 7);
    /* SSE/MMX imm8 after the ModRM bytes. */
    ok(&in, true, "0f c6 44 24 04 1b");
    ck_assert_uint_eq(in.imm, 0x1b);
    ok(&in, true, "0f ba 20 1f");
    ck_assert_uint_eq(in.imm, 0x1f);
}
END_TEST

START_TEST(groups)
{
    struct insn in;
    ok(&in, true, "8f c0");
    invalid(true, "8f c8", 2);
    invalid(true, "8f 48 10", 3);
    ok(&in, true, "c6 00 01");
    invalid(true, "c6 08 01", 3);
    invalid(true, "c7 c8 01 00 00 00", 6);
    ok(&in, true, "fe c8");
    invalid(true, "fe d0", 2);
    invalid(true, "fe 38", 2);
    ok(&in, true, "ff d0");    /* call eax */
    ok(&in, true, "ff 18");    /* call far [eax] */
    invalid(true, "ff d8", 2); /* call far reg */
    invalid(true, "ff e8", 2); /* jmp far reg */
    ok(&in, true, "ff 2d 78 56 34 12");
    invalid(true, "ff 38", 2); /* /7 */
    invalid(true, "ff 3d 78 56 34 12", 6);
    ok(&in, true, "ff 30"); /* push [eax] */
    /* 0F 00 (Grp6), 0F 01 (Grp7). */
    ok(&in, true, "0f 00 c8");
    ok(&in, true, "0f 00 28");
    invalid(true, "0f 00 30", 3);
    invalid(true, "0f 00 f8", 3);
    ok(&in, true, "0f 01 15 78 56 34 12"); /* lgdt [disp32] */
    ok(&in, true, "0f 01 e0");             /* smsw eax */
    ok(&in, true, "0f 01 f0");             /* lmsw ax */
    ok(&in, true, "0f 01 38");             /* invlpg [eax] */
    invalid(true, "0f 01 c8", 3);          /* monitor */
    invalid(true, "0f 01 d0", 3);          /* xgetbv */
    invalid(true, "0f 01 f8", 3);          /* swapgs */
    invalid(true, "0f 01 f9", 3);          /* rdtscp */
    invalid(true, "0f 01 28", 3);          /* /5 */
    /* 0F BA (Grp8), 0F C7 (Grp9), 0F AE (Grp15). */
    ok(&in, true, "0f ba e0 05");
    invalid(true, "0f ba c0 05", 4);
    invalid(true, "0f ba 18 05", 4);
    ok(&in, true, "0f c7 0e");
    invalid(true, "0f c7 c8", 3);
    invalid(true, "0f c7 30", 3);
    invalid(true, "0f c7 f0", 3); /* rdrand */
    ok(&in, true, "0f ae 00");    /* fxsave */
    ok(&in, true, "0f ae 08");    /* fxrstor */
    ok(&in, true, "0f ae 10");    /* ldmxcsr */
    ok(&in, true, "0f ae 18");    /* stmxcsr */
    ok(&in, true, "0f ae f8");    /* sfence */
    ok(&in, true, "0f ae ff");
    ok(&in, true, "0f ae 38");    /* clflush (SSE2-era CLFSH) */
    invalid(true, "0f ae 20", 3); /* xsave */
    ok(&in, true, "0f ae e8");    /* lfence (SSE2) */
    ok(&in, true, "0f ae f0");    /* mfence (SSE2) */
    invalid(true, "0f ae c0", 3);
    /* MOV Sreg. */
    ok(&in, true, "8c e8");
    invalid(true, "8c f0", 2);
    ok(&in, true, "8e d8");
    ok(&in, true, "8e 28");
    invalid(true, "8e c8", 2); /* mov cs */
    invalid(true, "8e 38", 2);
    /* MOV CR/DR: the ModRM always names registers, mod is ignored. */
    ok(&in, true, "0f 20 c0");
    ok(&in, true, "0f 22 d8");
    ok(&in, true, "0f 22 e0");
    ok(&in, true, "0f 20 05"); /* mod=0 rm=5: still a register, no disp32 */
    ck_assert(!in.is_mem);
    ck_assert_int_eq(in.seg, SEG_NONE);
    ck_assert_int_eq(in.rm, 5);
    ok(&in, true, "0f 23 7f"); /* mov dr7,edi with mod=1: no disp8 */
    ck_assert_int_eq(in.reg, 7);
    ck_assert_int_eq(in.rm, 7);
    invalid(true, "0f 20 c8", 3); /* CR1 */
    invalid(true, "0f 22 e8", 3); /* CR5 */
    invalid(true, "0f 22 f8", 3); /* CR7 */
    ok(&in, true, "0f 21 e0");    /* DR4: depends on CR4.DE, decided at run time */
    /* Memory-only forms. */
    invalid(true, "8d c0", 2);
    ok(&in, true, "8d 04 40");
    invalid(true, "c4 c0", 2);
    invalid(true, "c5 c0", 2);
    invalid(true, "62 c0", 2);
    invalid(true, "0f b2 c0", 3);
    ok(&in, false, "0f b4 07");
}
END_TEST

START_TEST(lock_prefix)
{
    struct insn in;
    ok(&in, true, "f0 01 00");
    ck_assert(in.prefix & PFX_LOCK);
    ok(&in, true, "f0 83 30 01");       /* xor */
    ok(&in, true, "f0 80 10 01");       /* adc */
    ok(&in, true, "f0 86 18");          /* xchg */
    ok(&in, true, "f0 f6 10");          /* not */
    ok(&in, true, "f0 f7 18");          /* neg */
    ok(&in, true, "f0 fe 00");          /* inc */
    ok(&in, true, "f0 ff 08");          /* dec */
    ok(&in, true, "f0 0f ab 00");       /* bts */
    ok(&in, true, "f0 0f ba 38 01");    /* btc imm */
    ok(&in, true, "f0 0f b1 0a");       /* cmpxchg */
    ok(&in, true, "f0 0f c1 0a");       /* xadd */
    ok(&in, true, "f0 0f c7 0f");       /* cmpxchg8b */
    ok(&in, true, "66 f0 2e 29 08");    /* any prefix order */
    invalid(true, "f0 01 c0", 3);       /* register destination */
    invalid(true, "f0 03 00", 3);       /* add reg,mem: memory is the source */
    invalid(true, "f0 83 38 01", 4);    /* cmp */
    invalid(true, "f0 8b 00", 3);       /* mov */
    invalid(true, "f0 f6 00 01", 4);    /* test */
    invalid(true, "f0 ff 10", 3);       /* call */
    invalid(true, "f0 0f a3 00", 4);    /* bt */
    invalid(true, "f0 0f ba 20 01", 5); /* bt imm */
    invalid(true, "f0 90", 2);
    invalid(true, "f0 a4", 2);
    invalid(true, "f0 0f 0b", 3);
    invalid(true, "f0 0f b0 c0", 4);
}
END_TEST

START_TEST(prefixes)
{
    struct insn in;
    ok(&in, true, "f3 a4");
    ck_assert_int_eq(in.prefix, PFX_REP);
    ok(&in, true, "f2 ae");
    ck_assert_int_eq(in.prefix, PFX_REPNE);
    ok(&in, true, "f3 f2 a6"); /* the last of F2/F3 wins */
    ck_assert_int_eq(in.prefix, PFX_REPNE);
    ok(&in, true, "f2 f3 a6");
    ck_assert_int_eq(in.prefix, PFX_REP);
    ok(&in, true, "f3 66 67 2e a5");
    ck_assert_int_eq(in.prefix, PFX_REP | PFX_OPSIZE | PFX_ADSIZE | PFX_SEG);
    ck_assert_int_eq(in.opsize, 2);
    ck_assert_int_eq(in.adsize, 2);
    ck_assert_int_eq(in.seg, SEG_CS);
    ok(&in, false, "66 67 66 67 a5"); /* repetition does not toggle */
    ck_assert_int_eq(in.opsize, 4);
    ck_assert_int_eq(in.adsize, 4);
    ok(&in, true, "90");
    ck_assert_int_eq(in.prefix, 0);
    ck_assert_int_eq(in.opsize, 4);
    ck_assert_int_eq(in.adsize, 4);
    ck_assert_int_eq(in.opcode, 0x90);
    ck_assert(!in.has_modrm);
    ok(&in, false, "90");
    ck_assert_int_eq(in.opsize, 2);
    ck_assert_int_eq(in.adsize, 2);
    ok(&in, true, "0f af c1");
    ck_assert_int_eq(in.opcode, 0x1af);
    ck_assert_int_eq(in.reg, R_EAX);
    ck_assert_int_eq(in.rm, R_ECX);
}
END_TEST

START_TEST(simd_prefixes)
{
    struct insn in;
    ok(&in, true, "0f 58 c1");     /* addps */
    ok(&in, true, "f3 0f 58 c1");  /* addss */
    ok(&in, true, "66 f3 0f 58 c1"); /* F3 takes precedence over 66 */
    ok(&in, true, "f2 f3 0f 10 00"); /* last of F2/F3: movss */
    ok(&in, true, "66 0f 58 c1");    /* addpd (SSE2) */
    ok(&in, true, "f2 0f 58 c1");    /* addsd (SSE2) */
    ok(&in, true, "f3 f2 0f 10 00"); /* last of F2/F3: movsd */
    invalid(true, "f3 0f 54 c1", 4); /* no andss */
    invalid(true, "f2 0f 54 c1", 4); /* no andsd */
    ok(&in, true, "0f 6f 00");       /* movq mm0,[eax] */
    ok(&in, true, "66 0f 6f 00");    /* movdqa */
    ok(&in, true, "f3 0f 6f 00");    /* movdqu */
    invalid(true, "f2 0f 6f 00", 4);
    ok(&in, true, "0f 77");          /* emms: no ModRM */
    invalid(true, "66 0f 77", 3);
    ok(&in, true, "0f 5a c0");       /* SSE2 opcodes */
    ok(&in, true, "0f d4 c0");
    ok(&in, true, "0f c3 00");       /* movnti */
    invalid(true, "0f c3 c0", 3);
    invalid(true, "0f 6c c0", 3);    /* punpcklqdq: 66 only */
    ok(&in, true, "66 0f 6c c0");
    invalid(true, "66 0f 12 c0", 4); /* movlpd: memory only */
    ok(&in, true, "0f 12 c0");       /* movhlps */
    invalid(true, "f3 0f 12 c0", 4); /* movsldup: SSE3 */
    ok(&in, true, "f3 0f d6 c1");    /* movq2dq */
    invalid(true, "f3 0f d6 01", 4);
    invalid(true, "0f d6 c1", 3);
    invalid(true, "0f 7c c1", 2);    /* haddpd: SSE3, no row (length unknown) */
    ok(&in, true, "66 0f e6 c1");    /* cvttpd2dq */
    invalid(true, "0f e6 c1", 3);
    ok(&in, true, "0f 71 d0 03");    /* psrlw mm0,3 */
    invalid(true, "0f 71 10 03", 4); /* memory form */
    invalid(true, "0f 71 c0 03", 4); /* /0 */
    ok(&in, true, "66 0f 73 f8 03"); /* pslldq (SSE2) */
    invalid(true, "0f 73 f8 03", 4); /* no MMX pslldq */
    ok(&in, true, "0f 73 f0 03");
    invalid(true, "0f 50 00", 3);    /* movmskps needs a register */
    ok(&in, true, "0f 50 c1");
    invalid(true, "0f 2b c1", 3);    /* movntps needs memory */
    ok(&in, true, "0f 2b 01");
    invalid(true, "0f d7 00", 3);    /* pmovmskb */
    ok(&in, true, "0f c5 c1 02");    /* pextrw */
    invalid(true, "0f c5 01 02", 4);
    ok(&in, true, "0f 18 00");       /* prefetchnta */
    ok(&in, true, "0f 1f 44 00 00"); /* nop dword [eax+eax] */
    ok(&in, true, "f3 0f 1e fb");    /* hint NOP (endbr32 on later CPUs) */
    ok(&in, true, "66 0f ae 00");    /* fxsave: no mandatory prefix */
    ok(&in, true, "66 0f bc c1");    /* integer 0F opcodes take 66 */
    ok(&in, true, "f3 0f bc c1");    /* bsf (tzcnt later) */
}
END_TEST

START_TEST(undefined_opcodes)
{
    struct insn in;
    invalid(true, "0f 04", 2);
    invalid(true, "0f 05", 2); /* syscall */
    invalid(true, "66 0f 0d 00", 3);
    invalid(true, "0f 38 00 c0", 2); /* length unknown: up to the opcode */
    invalid(true, "0f 78 c0", 2);
    invalid(true, "f3 0f b8 c0", 3); /* popcnt */
    invalid(true, "0f a6", 2);
    invalid(true, "0f 24 c0", 2); /* mov from TR (386/486) */
    ok(&in, true, "0f 0b");       /* ud2 decodes; its handler raises #UD */
    ok(&in, true, "d6");          /* salc */
    ok(&in, true, "f1");          /* icebp */
    ok(&in, true, "82 c0 01");
    ok(&in, true, "d8 c1");       /* x87 */
    ok(&in, true, "dd 05 78 56 34 12");
    ok(&in, false, "df 2e 34 12");
}
END_TEST

START_TEST(length_limit)
{
    struct insn in;
    char hex[128];
    /* 14 prefixes + NOP = 15 bytes: fine. 15 prefixes + NOP: #GP. */
    strcpy(hex, "");
    for (int i = 0; i < 14; i++)
        strcat(hex, "66 ");
    strcat(hex, "90");
    ok(&in, true, hex);
    ck_assert_int_eq(in.len, 15);
    strcpy(hex, "66 ");
    for (int i = 0; i < 14; i++)
        strcat(hex, "26 ");
    strcat(hex, "90");
    ck_assert_int_eq(dec(&in, true, hex), DEC_TOO_LONG);
    /* All prefixes, more than available: still too long once 15 are in. */
    memset(bytes, 0xf3, 32);
    ck_assert_int_eq(decode_insn(&in, bytes, 32, true), DEC_TOO_LONG);
    ck_assert_int_eq(decode_insn(&in, bytes, 15, true), DEC_TOO_LONG);
    ck_assert_int_eq(decode_insn(&in, bytes, 14, true), DEC_NEED_MORE);
    /* 11 prefixes + add dword [disp32],imm32 = 21 bytes. */
    ck_assert_int_eq(dec(&in, true, "26 26 26 26 26 26 26 26 26 26 26 81 05 00 00 00 00 "
                                    "01 00 00 00"),
                     DEC_TOO_LONG);
    /* Only 12 bytes there: fetching byte 12 comes first (SDM Vol. 3A, Table 6-2). */
    ck_assert_int_eq(decode_insn(&in, bytes, 12, true), DEC_NEED_MORE);
    /* Over-long beats an invalid opcode; at exactly 15 the #UD stands. */
    ck_assert_int_eq(dec(&in, true, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 8d c0"),
                     DEC_TOO_LONG);
    invalid(true, "66 66 66 66 66 66 66 66 66 66 66 66 66 8d c0", 15);
    ck_assert_int_eq(dec(&in, true, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 0f 04"),
                     DEC_TOO_LONG);
}
END_TEST

START_TEST(need_more)
{
    static const char *const forms[] = {
        "8b 84 88 78 56 34 12", "66 81 05 78 56 34 12 34 12", "0f 85 00 00 00 80",
        "9a 78 56 34 12 cd ab", "c8 10 00 03", "f7 c0 78 56 34 12", "26 a1 78 56 34 12",
        "0f ba 20 1f", "f3 0f c2 44 24 04 01", "67 8b 86 34 12",
    };
    struct insn in;
    for (unsigned i = 0; i < sizeof forms / sizeof *forms; i++) {
        ok(&in, true, forms[i]);
        uint8_t copy[16];
        int n = nbytes;
        memcpy(copy, bytes, n);
        for (int avail = 0; avail < n; avail++)
            ck_assert_msg(decode_insn(&in, copy, avail, true) == DEC_NEED_MORE,
                          "%s with %d bytes", forms[i], avail);
        /* Extra bytes after the instruction change nothing. */
        uint8_t more[32];
        memset(more, 0xcc, sizeof more);
        memcpy(more, copy, n);
        ck_assert_int_eq(decode_insn(&in, more, sizeof more, true), DEC_OK);
        ck_assert_int_eq(in.len, n);
    }
    /* An invalid group form still needs its displacement first. */
    ck_assert_int_eq(dec(&in, true, "ff 3d 78 56"), DEC_NEED_MORE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, addr32_forms);
    tcase_add_test(tc, addr16_forms);
    tcase_add_test(tc, segment_overrides);
    tcase_add_test(tc, moffs);
    tcase_add_test(tc, immediates);
    tcase_add_test(tc, groups);
    tcase_add_test(tc, lock_prefix);
    tcase_add_test(tc, prefixes);
    tcase_add_test(tc, simd_prefixes);
    tcase_add_test(tc, undefined_opcodes);
    tcase_add_test(tc, length_limit);
    tcase_add_test(tc, need_more);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
