/* Descriptor-table instructions: SLDT STR LLDT LTR VERR VERW (0F 00), SGDT
 * SIDT LGDT LIDT INVLPG and group-7 validity (0F 01), LAR, LSL, ARPL. */
#include "test_sys_util.h"

/* GDT entries beyond the four flat ones of st_create(). */
enum {
    G_LDT = 5,        /* LDT, base 0x3000, limit 0x37 */
    G_TSS = 6,        /* available 32-bit TSS */
    G_TSS_BUSY = 7,   /* busy 32-bit TSS */
    G_LDT_NP = 8,     /* LDT, not present */
    G_RO_DATA3 = 9,   /* read-only data, DPL 3 */
    G_XO_CODE3 = 10,  /* execute-only code, DPL 3 */
    G_CONF_CODE0 = 11, /* conforming readable code, DPL 0 */
    G_INTGATE3 = 12,  /* 32-bit interrupt gate, DPL 3 */
    G_CALLGATE3 = 13, /* 32-bit call gate, DPL 3 */
    G_DATA0_SMALL = 14, /* r/w data, DPL 0, byte granular limit 0x12345 */
    G_TSS16_NP = 15,  /* available 16-bit TSS, not present */
};
#define SEL(i) ((uint16_t)((i) * 8))
#define P DESC_P
#define S DESC_S

static struct st *setup(int cpl)
{
    struct st *t = st_create();
    st_gdt_set(t, G_LDT, st_desc(0x3000, 0x37, P | 0x2));
    st_gdt_set(t, G_TSS, st_desc(0x4000, 0x67, P | 0x9));
    st_gdt_set(t, G_TSS_BUSY, st_desc(0x4100, 0x67, P | 0xb));
    st_gdt_set(t, G_LDT_NP, st_desc(0x3000, 0x37, 0x2));
    st_gdt_set(t, G_RO_DATA3, st_desc(0, 0xffff, P | S | 0x60 | 0x1));
    st_gdt_set(t, G_XO_CODE3, st_desc(0, 0xffff, P | S | 0x60 | 0x9));
    st_gdt_set(t, G_CONF_CODE0, st_desc(0, 0xffff, P | S | 0xf));
    st_gdt_set(t, G_INTGATE3, st_desc(0, 0, P | 0x60 | 0xe));
    st_gdt_set(t, G_CALLGATE3, st_desc(0, 0, P | 0x60 | 0xc));
    st_gdt_set(t, G_DATA0_SMALL, st_desc(0x10000, 0x12345, P | S | DESC_DB | 0x3));
    st_gdt_set(t, G_TSS16_NP, st_desc(0x4200, 0x2b, 0x1));
    /* The LDT holds one r/w data descriptor, DPL 3, at index 1. */
    memmap_write(t->mem, 0x3008, st_desc(0x5000, 0xfff, P | S | 0x60 | 0x3), 8);
    st_pmode(t, cpl);
    return t;
}

START_TEST(grp6_ud_outside_protected_mode)
{
    struct st *t = setup(0);
    st_real(t);
    for (int reg = 0; reg < 6; reg++) {
        uint8_t b[3] = {0x0f, 0x00, (uint8_t)(0xc0 | reg << 3)};
        ck_assert_int_eq(st_exec(t, b, 3), EXC_UD);
    }
    st_v86(t);
    for (int reg = 0; reg < 6; reg++) {
        uint8_t b[3] = {0x0f, 0x00, (uint8_t)(0xc0 | reg << 3)};
        ck_assert_int_eq(st_exec(t, b, 3), EXC_UD);
    }
    st_destroy(t);
}
END_TEST

START_TEST(lldt_and_sldt)
{
    struct st *t = setup(0);
    struct cpu *cpu = t->cpu;
    cpu->gpr[R_EAX] = SEL(G_LDT) | 3; /* RPL is ignored */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd0), ST_OK); /* lldt ax */
    ck_assert_uint_eq(cpu->seg[SEG_LDTR].sel, SEL(G_LDT) | 3);
    ck_assert_uint_eq(cpu->seg[SEG_LDTR].base, 0x3000);
    ck_assert_uint_eq(cpu->seg[SEG_LDTR].limit, 0x37);
    /* The LDT is now usable: LSL on an LDT selector. */
    cpu->gpr[R_EBX] = 0x000f; /* LDT index 1, RPL 3 */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0xc3), ST_OK); /* lsl eax, bx */
    ck_assert(st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0xfff);
    /* SLDT: r16, r32 zero-extended, m16. */
    cpu->gpr[R_ECX] = 0xffffffff;
    ck_assert_int_eq(ST_EXEC(t, 0x66, 0x0f, 0x00, 0xc1), ST_OK); /* sldt cx */
    ck_assert_uint_eq(cpu->gpr[R_ECX], 0xffff0000u | SEL(G_LDT) | 3);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xc1), ST_OK); /* sldt ecx */
    ck_assert_uint_eq(cpu->gpr[R_ECX], SEL(G_LDT) | 3);
    cpu->gpr[R_EBX] = 0x9000;
    memmap_write(t->mem, 0x9000, 0xaaaaaaaa, 4);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0x03), ST_OK); /* sldt [ebx] */
    ck_assert_uint_eq(memmap_read(t->mem, 0x9000, 4), 0xaaaa0000u | SEL(G_LDT) | 3);
    /* Faults, with the selector as error code. */
    struct seg_cache before = cpu->seg[SEG_LDTR];
    cpu->gpr[R_EAX] = SEL(G_TSS);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd0), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, SEL(G_TSS));
    cpu->gpr[R_EAX] = SEL(G_LDT_NP) | 1;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd0), EXC_NP);
    ck_assert_uint_eq(cpu->exc_error, SEL(G_LDT_NP));
    cpu->gpr[R_EAX] = SEL(16); /* beyond the GDT limit */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd0), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, SEL(16));
    cpu->gpr[R_EAX] = SEL(1) | 4; /* an LDT selector */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd0), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, SEL(1) | 4);
    ck_assert_mem_eq(&cpu->seg[SEG_LDTR], &before, sizeof before);
    /* Null: LDTR becomes unusable, LDT selectors then fail. */
    cpu->gpr[R_EAX] = 2;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd0), ST_OK);
    ck_assert(!(cpu->seg[SEG_LDTR].flags & DESC_P));
    cpu->gpr[R_EBX] = 0x000f;
    cpu->gpr[R_EAX] = 0x1234;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0xc3), ST_OK);
    ck_assert(!st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x1234);
    /* Privilege. */
    st_pmode(t, 3);
    cpu->gpr[R_EAX] = SEL(G_LDT);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd0), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xc1), ST_OK); /* sldt is not privileged */
    st_destroy(t);
}
END_TEST

START_TEST(ltr_and_str)
{
    struct st *t = setup(0);
    struct cpu *cpu = t->cpu;
    cpu->gpr[R_EAX] = 0;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), EXC_GP); /* ltr ax: null */
    ck_assert_uint_eq(cpu->exc_error, 0);
    cpu->gpr[R_EAX] = SEL(G_TSS_BUSY);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, SEL(G_TSS_BUSY));
    cpu->gpr[R_EAX] = SEL(G_LDT);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, SEL(G_LDT));
    cpu->gpr[R_EAX] = SEL(G_TSS16_NP);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), EXC_NP);
    ck_assert_uint_eq(cpu->exc_error, SEL(G_TSS16_NP));
    cpu->gpr[R_EAX] = SEL(G_TSS) | 4;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, SEL(G_TSS) | 4);
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, 0);

    cpu->gpr[R_EAX] = SEL(G_TSS);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), ST_OK);
    ck_assert_uint_eq(cpu->seg[SEG_TR].sel, SEL(G_TSS));
    ck_assert_uint_eq(cpu->seg[SEG_TR].base, 0x4000);
    ck_assert_uint_eq(cpu->seg[SEG_TR].limit, 0x67);
    ck_assert_uint_eq(DESC_TYPE(cpu->seg[SEG_TR].flags), 0xb); /* busy */
    ck_assert_uint_eq((st_gdt_get(t, G_TSS) >> 40) & 0xf, 0xb); /* busy in the GDT */
    /* Loading it again: it is busy now. */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, SEL(G_TSS));
    cpu->gpr[R_EDX] = 0xffffffff;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xca), ST_OK); /* str edx */
    ck_assert_uint_eq(cpu->gpr[R_EDX], SEL(G_TSS));
    st_pmode(t, 3);
    cpu->gpr[R_EAX] = SEL(G_TSS);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xd8), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, 0);
    st_destroy(t);
}
END_TEST

static bool verr(struct st *t, uint16_t sel)
{
    t->cpu->gpr[R_EAX] = sel;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xe0), ST_OK);
    return st_zf(t);
}
static bool verw(struct st *t, uint16_t sel)
{
    t->cpu->gpr[R_EAX] = sel;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0xe8), ST_OK);
    return st_zf(t);
}

START_TEST(verr_verw)
{
    struct st *t = setup(3);
    ck_assert(verr(t, SEL(4) | 3) && verw(t, SEL(4) | 3));            /* r/w data DPL 3 */
    ck_assert(verr(t, SEL(G_RO_DATA3) | 3) && !verw(t, SEL(G_RO_DATA3) | 3));
    ck_assert(verr(t, SEL(3) | 3) && !verw(t, SEL(3) | 3));            /* readable code */
    ck_assert(!verr(t, SEL(G_XO_CODE3) | 3) && !verw(t, SEL(G_XO_CODE3) | 3));
    ck_assert(verr(t, SEL(G_CONF_CODE0) | 3));                         /* conforming: any DPL */
    ck_assert(!verw(t, SEL(G_CONF_CODE0) | 3));
    ck_assert(!verr(t, SEL(2) | 3) && !verw(t, SEL(2) | 3));           /* DPL 0 from CPL 3 */
    ck_assert(!verr(t, SEL(G_TSS)) && !verr(t, SEL(G_CALLGATE3) | 3)); /* system */
    ck_assert(!verr(t, 0) && !verw(t, 3));                              /* null */
    ck_assert(!verr(t, SEL(16)) && !verw(t, SEL(40)));                  /* beyond limit */
    st_pmode(t, 0);
    ck_assert(verr(t, SEL(2)) && verw(t, SEL(2)));
    ck_assert(!verr(t, SEL(2) | 3) && !verw(t, SEL(2) | 1)); /* RPL > DPL */
    /* Memory operand: 16 bits. */
    t->cpu->gpr[R_EBX] = 0x9000;
    memmap_write(t->mem, 0x9000, 0xffff0000u | SEL(4), 4);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x00, 0x2b), ST_OK); /* verw [ebx] */
    ck_assert(st_zf(t));
    st_destroy(t);
}
END_TEST

static bool lar(struct st *t, uint16_t sel, bool op16, uint32_t *out)
{
    t->cpu->gpr[R_EBX] = sel;
    t->cpu->gpr[R_EAX] = 0xdeadbeef;
    int r = op16 ? ST_EXEC(t, 0x66, 0x0f, 0x02, 0xc3) : ST_EXEC(t, 0x0f, 0x02, 0xc3);
    ck_assert_int_eq(r, ST_OK);
    *out = (uint32_t)t->cpu->gpr[R_EAX];
    return st_zf(t);
}

START_TEST(lar_types_and_values)
{
    struct st *t = setup(0);
    uint32_t v;
    ck_assert(lar(t, SEL(1), false, &v));
    ck_assert_uint_eq(v, 0x00c09b00); /* limit 19:16 returned as 0 */
    ck_assert(lar(t, SEL(1), true, &v));
    ck_assert_uint_eq(v, 0xdead9b00);
    ck_assert(lar(t, SEL(G_DATA0_SMALL), false, &v));
    ck_assert_uint_eq(v, 0x00409300);
    /* Valid system types: TSS (available/busy), LDT, call gate; interrupt
     * gates are not. */
    ck_assert(lar(t, SEL(G_TSS), false, &v) && v == 0x00008900);
    ck_assert(lar(t, SEL(G_TSS_BUSY), false, &v) && v == 0x00008b00);
    ck_assert(lar(t, SEL(G_LDT), false, &v) && v == 0x00008200);
    ck_assert(lar(t, SEL(G_CALLGATE3), false, &v) && v == 0x0000ec00);
    ck_assert(lar(t, SEL(G_TSS16_NP), false, &v) && v == 0x00000100); /* not present is fine */
    ck_assert(!lar(t, SEL(G_INTGATE3), false, &v));
    ck_assert_uint_eq(v, 0xdeadbeef); /* unchanged when ZF = 0 */
    ck_assert(!lar(t, 0, false, &v));
    ck_assert(!lar(t, SEL(16), false, &v));
    /* Privilege: from CPL 3, DPL 0 segments are invisible except conforming code. */
    st_pmode(t, 3);
    ck_assert(!lar(t, SEL(1) | 3, false, &v));
    ck_assert(lar(t, SEL(G_CONF_CODE0) | 3, false, &v));
    ck_assert(lar(t, SEL(G_CALLGATE3) | 3, false, &v));
    ck_assert(!lar(t, SEL(G_TSS) | 3, false, &v));
    /* Real mode: #UD. */
    st_real(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x02, 0xc3), EXC_UD);
    st_destroy(t);
}
END_TEST

START_TEST(lsl_types_and_values)
{
    struct st *t = setup(0);
    struct cpu *cpu = t->cpu;
    cpu->gpr[R_EBX] = SEL(G_DATA0_SMALL);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0xc3), ST_OK); /* lsl eax, bx */
    ck_assert(st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x12345);
    cpu->gpr[R_EBX] = SEL(2); /* G = 1, limit 0xfffff */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0xc3), ST_OK);
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0xffffffff);
    cpu->gpr[R_EAX] = 0x12340000;
    cpu->gpr[R_EBX] = SEL(G_DATA0_SMALL);
    ck_assert_int_eq(ST_EXEC(t, 0x66, 0x0f, 0x03, 0xc3), ST_OK); /* lsl ax, bx */
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x12342345);
    cpu->gpr[R_EBX] = SEL(G_TSS);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0xc3), ST_OK);
    ck_assert(st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x67);
    cpu->gpr[R_EAX] = 7;
    cpu->gpr[R_EBX] = SEL(G_CALLGATE3); /* gates have no limit */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0xc3), ST_OK);
    ck_assert(!st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EAX], 7);
    /* Memory source. */
    cpu->gpr[R_ESI] = 0x9000;
    memmap_write(t->mem, 0x9000, SEL(G_LDT), 2);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0x06), ST_OK); /* lsl eax, [esi] */
    ck_assert(st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x37);
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x03, 0xc3), EXC_UD);
    st_destroy(t);
}
END_TEST

START_TEST(arpl)
{
    struct st *t = setup(3);
    struct cpu *cpu = t->cpu;
    cpu->gpr[R_EBX] = 0xabcd0010; /* RPL 0 */
    cpu->gpr[R_EAX] = 0x0000001b; /* RPL 3 */
    ck_assert_int_eq(ST_EXEC(t, 0x63, 0xc3), ST_OK); /* arpl bx, ax */
    ck_assert(st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EBX], 0xabcd0013);
    cpu->gpr[R_EAX] = 0x1;
    ck_assert_int_eq(ST_EXEC(t, 0x63, 0xc3), ST_OK);
    ck_assert(!st_zf(t));
    ck_assert_uint_eq(cpu->gpr[R_EBX], 0xabcd0013);
    cpu->gpr[R_ESI] = 0x9000;
    memmap_write(t->mem, 0x9000, 0x55550021, 4);
    cpu->gpr[R_EAX] = 2;
    ck_assert_int_eq(ST_EXEC(t, 0x63, 0x06), ST_OK); /* arpl [esi], ax */
    ck_assert(st_zf(t));
    ck_assert_uint_eq(memmap_read(t->mem, 0x9000, 4), 0x55550022);
    st_real(t);
    ck_assert_int_eq(ST_EXEC(t, 0x63, 0xc3), EXC_UD);
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x63, 0xc3), EXC_UD);
    st_destroy(t);
}
END_TEST

START_TEST(sgdt_sidt_lgdt_lidt)
{
    struct st *t = setup(0);
    struct cpu *cpu = t->cpu;
    cpu->gdtr = (struct dtr){.base = 0x12345678, .limit = 0x2ff};
    cpu->idtr = (struct dtr){.base = 0xfedcba98, .limit = 0x7ff};
    cpu->gpr[R_EBX] = 0x9000;
    memset(t->ram + 0x9000, 0xee, 16);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x03), ST_OK); /* sgdt [ebx] */
    ck_assert_uint_eq(memmap_read(t->mem, 0x9000, 2), 0x2ff);
    ck_assert_uint_eq(memmap_read(t->mem, 0x9002, 4), 0x12345678);
    ck_assert_uint_eq(t->ram[0x9006], 0xee);
    ck_assert_int_eq(ST_EXEC(t, 0x66, 0x0f, 0x01, 0x0b), ST_OK); /* sidt [ebx], o16 */
    ck_assert_uint_eq(memmap_read(t->mem, 0x9000, 2), 0x7ff);
    ck_assert_uint_eq(memmap_read(t->mem, 0x9002, 4), 0x00dcba98); /* top byte 0 */
    /* LGDT/LIDT: 32-bit loads 32 bits of base, 16-bit only 24. */
    memmap_write(t->mem, 0x9100, 0x5678ffff, 4);
    memmap_write(t->mem, 0x9104, 0x00001234, 4);
    cpu->gpr[R_EBX] = 0x9100;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x13), ST_OK); /* lgdt [ebx] */
    ck_assert_uint_eq(cpu->gdtr.base, 0x12345678);
    ck_assert_uint_eq(cpu->gdtr.limit, 0xffff);
    ck_assert_int_eq(ST_EXEC(t, 0x66, 0x0f, 0x01, 0x1b), ST_OK); /* lidt [ebx], o16 */
    ck_assert_uint_eq(cpu->idtr.base, 0x00345678);
    ck_assert_uint_eq(cpu->idtr.limit, 0xffff);
    /* Real mode: allowed (CPL 0), 16-bit addressing. */
    st_real(t);
    memmap_write(t->mem, 0x9200, 0x000003ff, 4);
    memmap_write(t->mem, 0x9204, 0, 4);
    cpu->gpr[R_EBX] = 0x9200;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x1f), ST_OK); /* lidt [bx] */
    ck_assert_uint_eq(cpu->idtr.base, 0);
    ck_assert_uint_eq(cpu->idtr.limit, 0x3ff);
    /* CPL 3: SGDT/SIDT fine, LGDT/LIDT #GP(0), register forms #UD. */
    st_pmode(t, 3);
    cpu->gpr[R_EBX] = 0x9000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x03), ST_OK);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x13), EXC_GP);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x1b), EXC_GP);
    ck_assert_uint_eq(cpu->idtr.limit, 0x3ff);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x3b), EXC_GP); /* invlpg [ebx] */
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x1f), EXC_GP);
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xc3), EXC_UD); /* sgdt ebx */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xd3), EXC_UD); /* lgdt ebx */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xfb), EXC_UD); /* invlpg ebx */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x2b), EXC_UD); /* 0f 01 /5 */
    st_destroy(t);
}
END_TEST

/* SGDT checks both parts before writing: a store that would cross the end
 * of a segment writes nothing. */
START_TEST(sgdt_no_partial_write)
{
    struct st *t = setup(0);
    struct cpu *cpu = t->cpu;
    st_seg(cpu, SEG_DS, 0x10, 0, 0x9003, ST_DATA32 & ~DESC_G); /* limit 0x9003 */
    memset(t->ram + 0x9000, 0xee, 8);
    cpu->gpr[R_EBX] = 0x9000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x03), EXC_GP);
    ck_assert_uint_eq(memmap_read(t->mem, 0x9000, 4), 0xeeeeeeee);
    st_destroy(t);
}
END_TEST

ST_MAIN("sys_desc", grp6_ud_outside_protected_mode, lldt_and_sldt, ltr_and_str, verr_verw,
        lar_types_and_values, lsl_types_and_values, arpl, sgdt_sidt_lgdt_lidt,
        sgdt_no_partial_write)
