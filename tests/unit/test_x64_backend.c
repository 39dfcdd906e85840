/* The x86-64 translator backend (translator/x64/) against the interpreter:
 * random blocks of the natively emitted forms (ALU, TEST, MOV, INC/DEC,
 * LEA, PUSH/POP, Jcc/JMP/CALL/RET, with register, immediate and memory operands, 8/16/32-bit)
 * mixed with helper-called instructions, run by both engines from the same
 * random state (registers, flags, memory) in paged protected mode where one
 * data page is not present; registers, EFLAGS, EIP, CR2, icount and all of
 * RAM must agree, including after a page fault in the middle of a block. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/mem.h"
#include "test_core_harness.h"
#include "translator/backend.h"
#include "translator/translator.h"

#if defined(__x86_64__)

#define CODE 0x20000u
#define HANDLER 0x2000u
#define IDT 0x1000u
#define GDT 0x3000u
#define PD 0x10000u
#define PT 0x11000u
#define HOLE 0x80000u /* the not-present data page */
#define STACK 0x9000u

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}
static uint32_t rnd_n(uint32_t n) { return rnd() % n; }

/* Paged protected mode: GDT (flat code 0x08, data 0x10), IDT with every
 * vector going to a HLT at HANDLER, page tables mapping the first MiB
 * except HOLE. */
static void setup_machine(struct tmach *t)
{
    static const uint64_t gdt[3] = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull};
    memcpy(t->ram + GDT, gdt, sizeof gdt);
    for (int v = 0; v < 32; v++) {
        uint64_t gate = (HANDLER & 0xffff) | (uint64_t)0x08 << 16 | (uint64_t)0x8e00 << 32 |
                        (uint64_t)(HANDLER >> 16) << 48;
        memcpy(t->ram + IDT + 8 * v, &gate, 8);
    }
    t->ram[HANDLER] = 0xf4; /* HLT */
    wr32(t, PD, PT | 3);
    for (uint32_t p = 0; p < 256; p++)
        wr32(t, PT + 4 * p, p == (HOLE >> 12) ? 0 : (p << 12) | 3);
    struct cpu *cpu = t->cpu;
    tm_flat32(t);
    cpu->gdtr = (struct dtr){.base = GDT, .limit = sizeof gdt - 1};
    cpu->idtr = (struct dtr){.base = IDT, .limit = 32 * 8 - 1};
    cpu->cr3 = PD;
    cpu->cr0 |= CR0_PG | CR0_PE;
    mmu_flush_all_global(cpu);
    cpu->eip = CODE;
}

/* ---- a random program ---- */

struct prog {
    uint8_t b[4096];
    int n;
};

static void put8(struct prog *p, uint32_t v) { p->b[p->n++] = (uint8_t)v; }
static void put32(struct prog *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put8(p, v >> (8 * i));
}

/* General registers a random instruction may write: not ESP. */
static int any_reg(void)
{
    static const int r[] = {R_EAX, R_ECX, R_EDX, R_EBX, R_EBP, R_ESI, R_EDI};
    return r[rnd_n(7)];
}
static int base_reg(void)
{
    static const int r[] = {R_EBX, R_ESI, R_EDI};
    return r[rnd_n(3)];
}

/* ModRM for a memory operand [base + disp8], [base + disp32] or
 * [base + ecx*scale + disp8]; `reg` in bits 5:3. */
static void modrm_mem(struct prog *p, int reg)
{
    int base = base_reg();
    switch (rnd_n(3)) {
    case 0:
        put8(p, 0x40 | reg << 3 | base);
        put8(p, rnd_n(256));
        break;
    case 1:
        put8(p, 0x80 | reg << 3 | base);
        put32(p, rnd_n(0x200) - 0x100);
        break;
    default:
        put8(p, 0x44 | reg << 3);
        put8(p, rnd_n(4) << 6 | R_ECX << 3 | base);
        put8(p, rnd_n(256));
        break;
    }
}

static void modrm_any(struct prog *p, int reg, bool allow_mem)
{
    if (allow_mem && rnd_n(3) == 0)
        modrm_mem(p, reg);
    else
        put8(p, 0xc0 | reg << 3 | any_reg());
}

/* Operand size: 1 (byte form), 2 (66 prefix) or 4. */
static int pick_size(struct prog *p, bool byte_ok)
{
    int k = rnd_n(byte_ok ? 5 : 4);
    if (k == 0)
        return byte_ok ? 1 : 4;
    if (k == 1) {
        put8(p, 0x66);
        return 2;
    }
    return 4;
}

static void imm_of(struct prog *p, int size)
{
    uint32_t v = rnd_n(4) == 0 ? rnd_n(3) : rnd();
    if (size == 1)
        put8(p, v);
    else if (size == 2) {
        put8(p, v);
        put8(p, v >> 8);
    } else
        put32(p, v);
}

static void random_insn(struct prog *p)
{
    int size, op = rnd_n(8);
    switch (rnd_n(15)) {
    case 0: case 1: /* ALU r/m, r  and  r, r/m */
        size = pick_size(p, true);
        put8(p, op << 3 | (rnd_n(2) ? 2 : 0) | (size > 1));
        modrm_any(p, any_reg(), true);
        break;
    case 2: /* ALU eAX/AL, imm */
        size = pick_size(p, true);
        put8(p, op << 3 | 4 | (size > 1));
        imm_of(p, size);
        break;
    case 3: /* group 1 */
        size = pick_size(p, true);
        if (size > 1 && rnd_n(2)) {
            put8(p, 0x83);
            modrm_any(p, op, true);
            put8(p, rnd());
        } else {
            put8(p, size == 1 ? 0x80 : 0x81);
            modrm_any(p, op, true);
            imm_of(p, size);
        }
        break;
    case 4: /* TEST */
        size = pick_size(p, true);
        if (rnd_n(2)) {
            put8(p, size == 1 ? 0x84 : 0x85);
            modrm_any(p, any_reg(), true);
        } else {
            put8(p, size == 1 ? 0xa8 : 0xa9);
            imm_of(p, size);
        }
        break;
    case 5: case 6: /* MOV r/m,r  r,r/m */
        size = pick_size(p, true);
        put8(p, 0x88 | (rnd_n(2) ? 2 : 0) | (size > 1));
        modrm_any(p, any_reg(), true);
        break;
    case 7: /* MOV r/m, imm and MOV r, imm */
        size = pick_size(p, true);
        if (rnd_n(2)) {
            put8(p, size == 1 ? 0xc6 : 0xc7);
            modrm_any(p, 0, true);
        } else {
            put8(p, (size == 1 ? 0xb0 : 0xb8) + any_reg());
        }
        imm_of(p, size);
        break;
    case 8: /* INC/DEC */
        pick_size(p, false);
        put8(p, 0x40 + rnd_n(2) * 8 + any_reg());
        break;
    case 9: /* LEA */
        pick_size(p, false);
        put8(p, 0x8d);
        modrm_mem(p, any_reg());
        break;
    case 10: case 13: /* NOT/NEG (helpers), shifts (SHL/SHR/SAR r32 native) */
        size = pick_size(p, false);
        if (rnd_n(2)) {
            put8(p, 0xf7);
            modrm_any(p, 2 + rnd_n(2), true);
        } else if (rnd_n(3) == 0) {
            put8(p, 0xd1); /* by 1 */
            modrm_any(p, rnd_n(8), true);
        } else {
            put8(p, 0xc1);
            modrm_any(p, rnd_n(8), true);
            put8(p, rnd_n(40));
        }
        break;
    case 11: /* PUSH r / POP r pair (helpers) */
        put8(p, 0x50 + any_reg());
        put8(p, 0x58 + any_reg());
        break;
    case 12: /* CMC / STC / CLC: eager flags from a helper */
        put8(p, 0xf5 + 3 * rnd_n(2) - rnd_n(2));
        break;
    default: /* CMP + SETcc or CMOVcc (helpers reading flags) */
        put8(p, 0x39);
        put8(p, 0xc0 | any_reg() << 3 | any_reg());
        put8(p, 0x0f);
        if (rnd_n(2)) {
            put8(p, 0x90 + rnd_n(16));
            put8(p, 0xc0 | rnd_n(8));
        } else {
            put8(p, 0x40 + rnd_n(16));
            put8(p, 0xc0 | any_reg() << 3 | any_reg());
        }
        break;
    }
}

/* Segments of random instructions, each ended by a Jcc/JMP that goes to
 * the next segment or skips one byte of it (a HLT trap); finally HLT. */
static void random_prog(struct prog *p, int segments)
{
    p->n = 0;
    for (int s = 0; s < segments; s++) {
        int k = 1 + rnd_n(12);
        for (int i = 0; i < k; i++)
            random_insn(p);
        uint32_t kind = rnd_n(8);
        if (kind == 0) {
            put8(p, 0xeb); /* JMP rel8 over a HLT */
            put8(p, 1);
        } else if (kind == 1) {
            put8(p, 0xe8); /* CALL rel32 over a HLT */
            put32(p, 1);
        } else if (kind == 2) {
            put8(p, 0x68); /* PUSH the address after the HLT; RET there */
            put32(p, CODE + p->n + 4 + 2);
            put8(p, 0xc3);
        } else if (rnd_n(2)) {
            put8(p, 0x70 + rnd_n(16));
            put8(p, 1);
        } else {
            put8(p, 0x0f);
            put8(p, 0x80 + rnd_n(16));
            put32(p, 1);
        }
        put8(p, 0xf4); /* reached only by a wrong branch */
    }
    put8(p, 0xf4);
}

/* ---- running both engines ---- */

struct result {
    enum cpu_exit exit;
    uint64_t gpr[8];
    uint32_t eip, eflags, cr2;
    uint64_t icount;
};

static void load_state(struct tmach *t, const struct prog *p, const uint32_t *regs,
                       uint32_t flags, uint32_t seed)
{
    setup_machine(t);
    memcpy(t->ram + CODE, p->b, p->n);
    /* data around the hole */
    uint32_t s = seed;
    for (uint32_t a = HOLE - 0x3000; a < HOLE + 0x3000; a += 4) {
        s = s * 1103515245u + 12345u;
        if (a < HOLE || a >= HOLE + 0x1000)
            wr32(t, a, s);
    }
    for (int r = 0; r < 8; r++)
        t->cpu->gpr[r] = regs[r];
    cpu_set_eflags(t->cpu, flags, EF_ARITH);
}

static void run(struct tmach *t, struct result *r, uint64_t budget)
{
    r->exit = cpu_run(t->cpu, budget);
    memcpy(r->gpr, t->cpu->gpr, sizeof r->gpr);
    r->eip = t->cpu->eip;
    r->eflags = cpu_get_eflags(t->cpu);
    r->cr2 = t->cpu->cr2;
    r->icount = t->cpu->icount;
}

static const char *const reg_names[8] = {"eax", "ecx", "edx", "ebx",
                                         "esp", "ebp", "esi", "edi"};

static void compare(const struct tmach *ti, const struct result *a, const struct tmach *tx,
                    const struct result *b, const char *what)
{
    for (int r = 0; r < 8; r++)
        ck_assert_msg(a->gpr[r] == b->gpr[r], "%s: %s interp %#llx x64 %#llx", what,
                      reg_names[r], (unsigned long long)a->gpr[r],
                      (unsigned long long)b->gpr[r]);
    ck_assert_msg(a->eip == b->eip, "%s: eip interp %#x x64 %#x", what, a->eip, b->eip);
    ck_assert_msg(a->eflags == b->eflags,
                  "%s: eflags interp %#x x64 %#x (lf interp %x %x %x %x %x, x64 %x %x %x %x %x)",
                  what, a->eflags, b->eflags, ti->cpu->lf.op, ti->cpu->lf.res, ti->cpu->lf.src1,
                  ti->cpu->lf.src2, ti->cpu->lf.eager, tx->cpu->lf.op, tx->cpu->lf.res,
                  tx->cpu->lf.src1, tx->cpu->lf.src2, tx->cpu->lf.eager);
    ck_assert_msg(a->cr2 == b->cr2, "%s: cr2 interp %#x x64 %#x", what, a->cr2, b->cr2);
    ck_assert_msg(a->icount == b->icount, "%s: icount interp %llu x64 %llu", what,
                  (unsigned long long)a->icount, (unsigned long long)b->icount);
    ck_assert_msg(a->exit == b->exit, "%s: exit interp %d x64 %d", what, a->exit, b->exit);
    if (memcmp(ti->ram, tx->ram, TM_RAM_SIZE) != 0) /* (ck_assert per byte is slow) */
        for (uint32_t i = 0; i < TM_RAM_SIZE; i++)
            ck_assert_msg(ti->ram[i] == tx->ram[i], "%s: RAM[%#x] interp %#x x64 %#x", what,
                          i, ti->ram[i], tx->ram[i]);
}

static struct tmach *new_machine(bool x64)
{
    struct tmach *t = tm_create();
    cpu_set_engine(t->cpu, NULL);
    if (x64) {
        struct cpu_engine *e = tr_engine_create(t->cpu, &tr_backend_x64, 0, 0);
        ck_assert(e != NULL);
        cpu_set_engine(t->cpu, e);
    }
    return t;
}

static void random_regs(uint32_t *regs)
{
    for (int r = 0; r < 8; r++)
        regs[r] = rnd_n(3) == 0 ? rnd_n(4) : rnd();
    regs[R_ESP] = STACK;
    regs[R_ECX] = rnd_n(0x100);
    regs[R_EBX] = HOLE - 0x3000 + rnd_n(0x4000);
    regs[R_ESI] = HOLE - 0x3000 + rnd_n(0x4000);
    regs[R_EDI] = HOLE - 0x3000 + rnd_n(0x4000);
}

static uint64_t blocks_built;

/* One random program and state through both engines. `faulted` counts runs
 * that ended in the exception handler. */
static void one_case(uint64_t seed, int *faulted)
{
    rng_state = seed;
    struct prog p;
    random_prog(&p, 1 + rnd_n(6));
    uint32_t regs[8], flags = rnd() & EF_ARITH, mseed = rnd();
    random_regs(regs);
    if (getenv("X64_TEST_DUMP")) {
        FILE *f = fopen(getenv("X64_TEST_DUMP"), "wb");
        fwrite(p.b, 1, p.n, f);
        fclose(f);
    }
    struct tmach *ti = new_machine(false), *tx = new_machine(true);
    load_state(ti, &p, regs, flags, mseed);
    load_state(tx, &p, regs, flags, mseed);
    struct result a, b;
    run(ti, &a, 100000);
    run(tx, &b, 100000);
    char what[64];
    snprintf(what, sizeof what, "seed %llu", (unsigned long long)seed);
    compare(ti, &a, tx, &b, what);
    if (a.eip == HANDLER + 1)
        (*faulted)++;
    struct tr_stats st;
    tr_get_stats(tr_of_cpu(tx->cpu), &st);
    blocks_built += st.blocks_built;
    tm_destroy(ti);
    tm_destroy(tx);
}

START_TEST(random_blocks)
{
    int faulted = 0;
    const char *only = getenv("X64_TEST_SEED"); /* reproduce one case */
    uint64_t first = only ? strtoull(only, NULL, 0) : 1, last = only ? first : 1500;
    for (uint64_t seed = first; seed <= last; seed++) {
        if (getenv("X64_TEST_VERBOSE"))
            fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
        one_case(seed, &faulted);
    }
    if (only)
        return;
    /* The hole must actually be hit in a fair share of the runs, and the
     * translator must have run the code. */
    ck_assert_int_gt(faulted, 100);
    ck_assert_uint_gt(blocks_built, 1500);
    printf("%d of 1500 runs faulted, %llu blocks translated\n", faulted,
           (unsigned long long)blocks_built);
}
END_TEST

/* A page fault on a load and on a store in the middle of a block, after
 * native instructions changed registers and flags. */
START_TEST(fault_mid_block)
{
    static const uint8_t prog[] = {
        0x01, 0xc8,                   /* add eax, ecx */
        0x89, 0xc2,                   /* mov edx, eax */
        0x43,                         /* inc ebx */
        0x8b, 0x3e,                   /* mov edi, [esi]   (faults: esi in the hole) */
        0x31, 0xc0,                   /* xor eax, eax */
        0xf4,
    };
    static const uint8_t prog2[] = {
        0x29, 0xc8,                   /* sub eax, ecx */
        0x4a,                         /* dec edx */
        0x01, 0x06,                   /* add [esi], eax   (faults on the read) */
        0xf4,
    };
    const uint8_t *progs[2] = {prog, prog2};
    size_t lens[2] = {sizeof prog, sizeof prog2};
    for (int k = 0; k < 2; k++) {
        struct prog p;
        memcpy(p.b, progs[k], lens[k]);
        p.n = (int)lens[k];
        uint32_t regs[8] = {0x7fffffff, 1, 2, 0xffffffff, STACK, 5, HOLE + 0x10, 7};
        struct tmach *ti = new_machine(false), *tx = new_machine(true);
        load_state(ti, &p, regs, EF_CF, 1);
        load_state(tx, &p, regs, EF_CF, 1);
        struct result a, b;
        run(ti, &a, 1000);
        run(tx, &b, 1000);
        compare(ti, &a, tx, &b, k ? "store fault" : "load fault");
        ck_assert_uint_eq(b.cr2, HOLE + 0x10);
        ck_assert_uint_eq(b.eip, HANDLER + 1);
        /* The faulting instruction's EIP is on the exception frame. */
        ck_assert_uint_eq(rd32(tx, STACK - 12), CODE + (k ? 3 : 5));
        tm_destroy(ti);
        tm_destroy(tx);
    }
}
END_TEST

/* A loop chained to itself: budget exits and icount stay exact. */
START_TEST(chained_loop)
{
    static const uint8_t prog[] = {
        0x31, 0xc0,       /* xor eax, eax */
        0x40,             /* 1: inc eax */
        0x01, 0xc3,       /* add ebx, eax */
        0x39, 0xc8,       /* cmp eax, ecx */
        0x75, 0xf9,       /* jne 1b */
        0xf4,
    };
    struct prog p;
    memcpy(p.b, prog, sizeof prog);
    p.n = sizeof prog;
    uint32_t regs[8] = {0, 5000, 0, 0, STACK, 0, 0, 0};
    for (uint64_t budget = 1; budget < 20000; budget = budget * 3 + 1) {
        struct tmach *ti = new_machine(false), *tx = new_machine(true);
        load_state(ti, &p, regs, 0, 1);
        load_state(tx, &p, regs, 0, 1);
        struct result a, b;
        run(ti, &a, budget);
        run(tx, &b, budget);
        char what[32];
        snprintf(what, sizeof what, "loop budget %llu", (unsigned long long)budget);
        compare(ti, &a, tx, &b, what);
        tm_destroy(ti);
        tm_destroy(tx);
    }
}
END_TEST

#endif

int main(void)
{
    Suite *s = suite_create("x64_backend");
    TCase *tc = tcase_create("backend");
    tcase_set_timeout(tc, 600);
#if defined(__x86_64__)
    tcase_add_test(tc, fault_mid_block);
    tcase_add_test(tc, chained_loop);
    tcase_add_test(tc, random_blocks);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
