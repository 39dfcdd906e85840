/* The x86-64 translator backend (translator/x64/) against the interpreter:
 * random blocks of the natively emitted forms (ALU, TEST, MOV, INC/DEC,
 * LEA, PUSH/POP, Jcc/JMP/CALL/RET, with register, immediate and memory operands, 8/16/32-bit)
 * mixed with helper-called instructions, run by both engines from the same
 * random state (registers, flags, memory) in paged protected mode where one
 * data page is not present; registers, EFLAGS, EIP, CR2, icount and all of
 * RAM must agree, including after a page fault in the middle of a block. */
#define _GNU_SOURCE /* memfd_create */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu/mem.h"
#include "mmu/fastmem.h"
#include "test_core_harness.h"
#include "cpu/prot.h"
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

/* A program of the `n` bytes at `body`. */
static struct prog prog_of(const uint8_t *body, size_t n)
{
    struct prog p;
    memcpy(p.b, body, n);
    p.n = (int)n;
    return p;
}

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
    switch (rnd_n(25)) {
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
    case 8: /* INC/DEC r and r/m */
        if (rnd_n(2)) {
            pick_size(p, false);
            put8(p, 0x40 + rnd_n(2) * 8 + any_reg());
        } else {
            size = pick_size(p, true);
            put8(p, size == 1 ? 0xfe : 0xff);
            modrm_any(p, rnd_n(2), true);
        }
        break;
    case 9: /* LEA */
        pick_size(p, false);
        put8(p, 0x8d);
        modrm_mem(p, any_reg());
        break;
    case 10: case 13: /* NOT/NEG, shifts by 1, an imm8 or CL (ECX is 0..255) */
        size = pick_size(p, true);
        if (rnd_n(3) == 0) {
            put8(p, size == 1 ? 0xf6 : 0xf7);
            modrm_any(p, 2 + rnd_n(2), true);
        } else if (rnd_n(3) == 0) {
            put8(p, size == 1 ? 0xd0 : 0xd1); /* by 1 */
            modrm_any(p, rnd_n(8), true);
        } else if (rnd_n(2)) {
            put8(p, size == 1 ? 0xd2 : 0xd3); /* by CL */
            modrm_any(p, rnd_n(8), true);
        } else {
            put8(p, size == 1 ? 0xc0 : 0xc1);
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
    case 15: /* MOVZX / MOVSX */
        pick_size(p, false);
        put8(p, 0x0f);
        put8(p, 0xb6 + rnd_n(2) + 8 * rnd_n(2));
        modrm_any(p, any_reg(), true);
        break;
    case 16: /* SETcc r/m8, CMOVcc r, r/m after whatever set the flags */
        if (rnd_n(2)) {
            put8(p, 0x0f);
            put8(p, 0x90 + rnd_n(16));
            modrm_any(p, 0, true);
        } else {
            pick_size(p, false);
            put8(p, 0x0f);
            put8(p, 0x40 + rnd_n(16));
            modrm_any(p, any_reg(), true);
        }
        break;
    case 17: /* XCHG r/m, r (registers) and XCHG eAX, r; NOP */
        size = pick_size(p, true);
        if (size == 1 || rnd_n(2)) {
            put8(p, 0x86 | (size > 1));
            put8(p, 0xc0 | any_reg() << 3 | any_reg());
        } else {
            int r = any_reg();
            put8(p, 0x90 + (rnd_n(4) == 0 ? 0 : r));
        }
        break;
    case 18: /* IMUL r, r/m  and  r, r/m, imm */
        size = pick_size(p, false);
        if (rnd_n(2)) {
            put8(p, 0x0f);
            put8(p, 0xaf);
            modrm_any(p, any_reg(), true);
        } else if (rnd_n(2)) {
            put8(p, 0x69);
            modrm_any(p, any_reg(), true);
            imm_of(p, size);
        } else {
            put8(p, 0x6b);
            modrm_any(p, any_reg(), true);
            put8(p, rnd());
        }
        break;
    case 19: /* CBW/CWDE, CWD/CDQ */
        pick_size(p, false);
        put8(p, 0x98 + rnd_n(2));
        break;
    case 20: /* PUSH imm or r/m; POP r */
        if (rnd_n(3) == 0) {
            pick_size(p, false);
            put8(p, 0xff);
            modrm_any(p, 6, true);
            put8(p, 0x58 + any_reg()); /* with a 66 prefix: ESP moves by 2, then 4 */
        } else if (rnd_n(2)) {
            put8(p, 0x68);
            put32(p, rnd());
        } else {
            put8(p, 0x6a);
            put8(p, rnd());
        }
        put8(p, 0x58 + any_reg());
        break;
    case 23: /* MOV AL/eAX <-> moffs, around EBX's area */
        size = pick_size(p, true);
        put8(p, (rnd_n(2) ? 0xa0 : 0xa2) + (size > 1));
        put32(p, HOLE - 0x3000 + rnd_n(0x4000));
        break;
    case 21: /* a frame: PUSH EBP; MOV EBP, ESP; PUSH imm8; LEAVE */
        put8(p, 0x55);
        put8(p, 0x89);
        put8(p, 0xe5);
        put8(p, 0x6a);
        put8(p, rnd());
        if (rnd_n(4) == 0)
            put8(p, 0x66); /* LEAVE with a 16-bit operand: BP only, ESP + 2 */
        put8(p, 0xc9);
        if (p->b[p->n - 2] == 0x66)
            put8(p, 0x5d); /* POP EBP at ESP - 2: no matter, both engines agree */
        break;
    case 22: /* NOT/NEG r, TEST r/m, imm */
        size = pick_size(p, true);
        put8(p, size == 1 ? 0xf6 : 0xf7);
        if (rnd_n(2)) {
            put8(p, 0xc0 | (2 + rnd_n(2)) << 3 | any_reg());
        } else {
            modrm_any(p, 0, true);
            imm_of(p, size);
        }
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
 * the next segment or skips one byte of it (a HLT trap); finally HLT.
 * Inside a segment, a Jcc may skip a few of its instructions: both ways
 * go on (blocks go on past such Jccs: translator/block.h, side exits). */
static void random_prog(struct prog *p, int segments)
{
    p->n = 0;
    for (int s = 0; s < segments; s++) {
        int k = 1 + rnd_n(12);
        for (int i = 0; i < k; i++) {
            if (rnd_n(6) == 0) {
                put8(p, 0x70 + rnd_n(16)); /* Jcc rel8 over 1 to 3 instructions */
                int rel = p->n++;
                for (int j = 1 + rnd_n(3); j > 0; j--)
                    random_insn(p);
                p->b[rel] = (uint8_t)(p->n - rel - 1);
            }
            random_insn(p);
        }
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

/* ---- the same programs at CPL 3 through the fastmem region ---- */

#define TSS 0x5000u
#define KSTACK 0x8000u /* ring 0's stack (TSS.ESP0): the exception frames */

/* A machine whose RAM is a memfd (as vx86's, devices/machine.c), for
 * either engine; the x64 one with its fastmem region used from the first
 * lookup on (no quiet time). */
static struct tmach *new_user_machine(bool x64)
{
    struct tmach *t = calloc(1, sizeof *t);
    int fd = memfd_create("vx86-test-ram", MFD_CLOEXEC);
    ck_assert(fd >= 0 && ftruncate(fd, TM_RAM_SIZE) == 0);
    t->ram = mmap(NULL, TM_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(t->ram != MAP_FAILED);
    t->mem = memmap_create();
    memmap_add_ram(t->mem, 0, TM_RAM_SIZE, t->ram, false);
    memmap_set_backing(t->mem, t->ram, TM_RAM_SIZE, fd);
    t->io = ioport_create();
    t->cpu = cpu_create(t->mem, t->io);
    tm_real(t);
    cpu_set_eflags(t->cpu, EF_FIXED1, 0xffffffffu);
    cpu_set_engine(t->cpu, NULL);
    if (x64) {
        struct cpu_engine *e = tr_engine_create(t->cpu, &tr_backend_x64, 0, 0);
        ck_assert(e != NULL);
        cpu_set_engine(t->cpu, e);
        ck_assert(tr_use_fastmem(e));
        t->cpu->fastmem->quiet = 0;
    }
    return t;
}

static void destroy_user_machine(struct tmach *t)
{
    const uint8_t *ram;
    uint64_t size;
    int fd = memmap_backing(t->mem, &ram, &size);
    cpu_destroy(t->cpu);
    ioport_destroy(t->io);
    memmap_destroy(t->mem);
    munmap(t->ram, TM_RAM_SIZE);
    close(fd);
    free(t);
}

/* After load_state: ring 3 with flat DPL-3 segments, every page a user
 * page, and a TSS whose ring-0 stack takes the exception frames. */
enum { PT_TOP = 0x13000 };

/* The last linear page (0xfffff000) mapped to RAM at 0x62000, and words
 * there and at 0 to read (page_windows_wrap, fastmem_wrap). */
static void wrap_pages(struct tmach *t)
{
    wr32(t, PD + 4 * 1023, PT_TOP | 3);
    wr32(t, PT_TOP + 4 * 1023, 0x62000 | 3);
    for (uint32_t a = 0; a < 0x10; a += 4) {
        wr32(t, a, 0x1111 * (a + 1));
        wr32(t, 0x62ff0 + a, 0x10101 * (a + 3));
    }
    mmu_flush_all_global(t->cpu);
}

static void to_ring3(struct tmach *t)
{
    static const uint64_t gdt[6] = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
                                    0x00cffa000000ffffull, 0x00cff2000000ffffull,
                                    0x00008b0000000067ull | (uint64_t)TSS << 16};
    struct cpu *cpu = t->cpu;
    memcpy(t->ram + GDT, gdt, sizeof gdt);
    cpu->gdtr = (struct dtr){.base = GDT, .limit = sizeof gdt - 1};
    for (uint32_t p = 0; p < 256; p++)
        if (rd32(t, PT + 4 * p) & 1)
            wr32(t, PT + 4 * p, rd32(t, PT + 4 * p) | 4);
    wr32(t, PD, rd32(t, PD) | 4);
    memset(t->ram + TSS, 0, 0x68);
    wr32(t, TSS + 4, KSTACK);
    wr32(t, TSS + 8, 0x10);
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        uint64_t d = gdt[s == SEG_CS ? 3 : 4];
        cpu_desc_to_cache(&cpu->seg[s], s == SEG_CS ? 0x1b : 0x23, (uint32_t)d,
                          (uint32_t)(d >> 32));
    }
    cpu_desc_to_cache(&cpu->seg[SEG_TR], 0x28, (uint32_t)gdt[5], (uint32_t)(gdt[5] >> 32));
    cpu->cpl = 3;
    cpu_update_modes(cpu);
    mmu_flush_all_global(cpu);
}

/* The random programs of random_blocks at CPL 3, the translator's loads
 * and stores going through the fastmem region: host faults on pages not
 * mapped yet (mapped from the soft TLB and run again), on the hole (the
 * guest's #PF, through the instruction's ACCESS stub), on pages mapped
 * for reading only; everything as the interpreter has it. */
static void fastmem_user_cases(uint64_t first, uint64_t last, bool low, int *pf, uint64_t *maps,
                               uint64_t *faults)
{
    for (uint64_t seed = first; seed <= last; seed++) {
        rng_state = seed;
        struct prog p;
        random_prog(&p, 1 + rnd_n(6));
        uint32_t regs[8], flags = rnd() & EF_ARITH, mseed = rnd();
        random_regs(regs);
        struct tmach *ti = new_user_machine(false), *tx = new_user_machine(true);
        /* the region's base a disp32 in the accesses, or loaded before each
         * (where the host has no room below 2 GiB: under ASan, say) */
        if (!low)
            ck_assert_uint_gt((uintptr_t)tx->cpu->fastmem->base, INT32_MAX);
        load_state(ti, &p, regs, flags, mseed);
        load_state(tx, &p, regs, flags, mseed);
        to_ring3(ti);
        to_ring3(tx);
        struct result a, b;
        run(ti, &a, 100000);
        run(tx, &b, 100000);
        char what[64];
        snprintf(what, sizeof what, "user seed %llu%s", (unsigned long long)seed,
                 low ? "" : " (region above 2 GiB)");
        compare(ti, &a, tx, &b, what);
        *pf += a.cr2 != 0;
        *maps += tx->cpu->fastmem->maps;
        *faults += tx->cpu->fastmem->faults;
        destroy_user_machine(ti);
        destroy_user_machine(tx);
    }
}

START_TEST(fastmem_user_blocks)
{
    int pf = 0;
    uint64_t maps = 0, faults = 0;
    const char *only = getenv("X64_TEST_SEED");
    if (only) {
        uint64_t seed = strtoull(only, NULL, 0);
        fastmem_user_cases(seed, seed, true, &pf, &maps, &faults);
        return;
    }
    fastmem_user_cases(1, 800, true, &pf, &maps, &faults);
    /* The hole faults for the guest in a fair share of the runs, and the
     * region was used: pages mapped, and host faults taken. */
    ck_assert_int_gt(pf, 50);
    ck_assert_uint_gt(maps, 800);
    ck_assert_uint_gt(faults, 800);
    printf("fastmem: %d of 800 runs took #PF, %llu pages mapped, %llu host faults\n", pf,
           (unsigned long long)maps, (unsigned long long)faults);
    /* A host whose low 2 GiB are taken where the region would go
     * (mmu/fastmem.c, reserve_low): the base is loaded before each access. */
    static const uintptr_t low[] = {0x10000000, 0x20000000, 0x40000000};
    void *held[3];
    for (int k = 0; k < 3; k++) {
        held[k] = mmap((void *)low[k], 4096, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        ck_assert_ptr_eq(held[k], (void *)low[k]);
    }
    pf = 0;
    fastmem_user_cases(801, 1000, false, &pf, &maps, &faults);
    ck_assert_int_gt(pf, 10);
    for (int k = 0; k < 3; k++)
        munmap(held[k], 4096);
}
END_TEST

/* A page fault on a load and on a store in the middle of a block, after
 * native instructions changed registers and flags. */
/* Accesses whose 32-bit address wraps around 4 GiB, at CPL 3 through the
 * fastmem region (x64/native.c folds [base + disp] into the host access,
 * whose sum then lands in the region's guards): forwards and backwards
 * with small displacements, a large one that is not folded, an absolute
 * [disp32], a read-modify-write. nasm, org CODE:
 *       mov ecx, 200
 *   lp: mov ebx, 0xfffffff8 / mov eax, [ebx+8] / add eax, [ebx+12]
 *       add ebp, eax
 *       mov ebx, 0x10 / mov eax, [ebx-0x18] / add eax, [ebx-0x14]
 *       add ebp, eax / mov [ebx-0x18], ecx
 *       mov edx, 0xfe000010 / add ebp, [edx+0x2000000] / add ebp, [dword 0xc]
 *       add [ebx-0x14], ebp
 *       dec ecx / jnz lp / hlt */
START_TEST(fastmem_wrap)
{
    static const uint8_t body[] = {
        0xb9, 0xc8, 0x00, 0x00, 0x00, 0xbb, 0xf8, 0xff, 0xff, 0xff, 0x8b, 0x43, 0x08, 0x03, 0x43,
        0x0c, 0x01, 0xc5, 0xbb, 0x10, 0x00, 0x00, 0x00, 0x8b, 0x43, 0xe8, 0x03, 0x43, 0xec, 0x01,
        0xc5, 0x89, 0x4b, 0xe8, 0xba, 0x10, 0x00, 0x00, 0xfe, 0x03, 0xaa, 0x00, 0x00, 0x00, 0x02,
        0x03, 0x2d, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x6b, 0xec, 0x49, 0x75, 0xcc, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0};
    regs[R_ESP] = STACK;
    for (uint64_t budget = 3; budget < 20000; budget = budget * 3 + 1) {
        struct tmach *ti = new_user_machine(false), *tx = new_user_machine(true);
        struct tmach *both[2] = {ti, tx};
        for (int k = 0; k < 2; k++) {
            load_state(both[k], &p, regs, 0, 1);
            wrap_pages(both[k]);
            wr32(both[k], PD + 4 * 1023, PT_TOP | 7);
            wr32(both[k], PT_TOP + 4 * 1023, 0x62000 | 7);
            to_ring3(both[k]);
        }
        struct result a, b;
        run(ti, &a, budget);
        run(tx, &b, budget);
        char what[64];
        snprintf(what, sizeof what, "fastmem wrap budget %llu", (unsigned long long)budget);
        compare(ti, &a, tx, &b, what);
        if (budget > 10000) /* the loop ran to its HLT (#GP at CPL 3) */
            ck_assert_uint_eq(rd32(tx, 0x62ff8), 1);
        destroy_user_machine(ti);
        destroy_user_machine(tx);
    }
}
END_TEST

/* Pages the guest's kernel gives the process on first touch: at CPL 3, a
 * store runs over 16 pages not present, each a #PF whose handler makes it
 * present. Such host faults of the fastmem region are the slow path's
 * once, not a page the region refuses: the store must stay a fastmem
 * access (backend_x64.c turns a site into a jump to its slow path after
 * FM_PATCH_AFTER refusals), and the second pass runs without a fault.
 * nasm, org CODE:
 *         mov edx, 2
 *   pass: mov edi, 0x40000 / mov ecx, 16
 *     lp: mov [edi], ecx / add edi, 0x1000 / dec ecx / jnz lp
 *         dec edx / jnz pass / hlt
 * The #PF handler: push eax / mov eax, cr2 / shr eax, 12
 *         or dword [PT + eax*4], 7 / pop eax / add esp, 4 / iret */
enum { PFH = 0x2100, FRESH = 0x40000 };

static void fresh_pages(struct tmach *t)
{
    static const uint8_t pfh[] = {
        0x50, 0x0f, 0x20, 0xd0, 0xc1, 0xe8, 0x0c, 0x83, 0x0c, 0x85, 0x00, 0x10,
        0x01, 0x00, 0x07, 0x58, 0x83, 0xc4, 0x04, 0xcf,
    };
    _Static_assert(PT == 0x11000, "the handler's page table");
    memcpy(t->ram + PFH, pfh, sizeof pfh);
    uint64_t gate = (PFH & 0xffff) | (uint64_t)0x08 << 16 | (uint64_t)0x8e00 << 32 |
                    (uint64_t)(PFH >> 16) << 48;
    memcpy(t->ram + IDT + 8 * 14, &gate, 8);
    to_ring3(t);
    for (uint32_t a = FRESH; a < FRESH + 0x10000; a += 0x1000)
        wr32(t, PT + 4 * (a >> 12), a); /* (not present; the handler sets P, W, U) */
    mmu_flush_all_global(t->cpu);
}

START_TEST(fastmem_fresh_pages)
{
    static const uint8_t body[] = {
        0xba, 0x02, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x04, 0x00, 0xb9, 0x10,
        0x00, 0x00, 0x00, 0x89, 0x0f, 0x81, 0xc7, 0x00, 0x10, 0x00, 0x00, 0x49,
        0x75, 0xf5, 0x4a, 0x75, 0xe8, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0};
    regs[R_ESP] = STACK;
    struct tmach *ti = new_user_machine(false), *tx = new_user_machine(true);
    struct tmach *both[2] = {ti, tx};
    for (int k = 0; k < 2; k++) {
        load_state(both[k], &p, regs, 0, 1);
        fresh_pages(both[k]);
    }
    struct result a, b;
    run(ti, &a, 100000);
    run(tx, &b, 100000);
    compare(ti, &a, tx, &b, "fresh pages");
    ck_assert_msg(b.eip == HANDLER + 1 && rd32(tx, FRESH + 0xf000) == 1,
                  "eip %#x cr2 %#x ecx %llu edx %llu edi %#llx vec %d", b.eip, b.cr2,
                  (unsigned long long)b.gpr[R_ECX], (unsigned long long)b.gpr[R_EDX],
                  (unsigned long long)b.gpr[R_EDI], tx->cpu->exc_vector);
    const struct fastmem *fm = tx->cpu->fastmem;
    ck_assert_uint_ge(fm->faults, 16);
    ck_assert_uint_eq(fm->patched, 0);
    destroy_user_machine(ti);
    destroy_user_machine(tx);
}
END_TEST

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
    /* The second ADD's record waits for the fault (x64/gen.h, x64_lf_pend):
     * the SUB overwrites it, and only the load comes between. */
    static const uint8_t prog3[] = {
        0x01, 0xc8,                   /* add eax, ecx */
        0x01, 0xc8,                   /* add eax, ecx */
        0x8b, 0x3e,                   /* mov edi, [esi]   (faults) */
        0x29, 0xc8,                   /* sub eax, ecx */
        0xf4,
    };
    const uint8_t *progs[3] = {prog, prog2, prog3};
    size_t lens[3] = {sizeof prog, sizeof prog2, sizeof prog3};
    static const uint32_t at[3] = {5, 3, 4};
    for (int k = 0; k < 3; k++) {
        struct prog p = prog_of(progs[k], lens[k]);
        uint32_t regs[8] = {0x7fffffff, 1, 2, 0xffffffff, STACK, 5, HOLE + 0x10, 7};
        struct tmach *ti = new_machine(false), *tx = new_machine(true);
        load_state(ti, &p, regs, EF_CF, 1);
        load_state(tx, &p, regs, EF_CF, 1);
        struct result a, b;
        run(ti, &a, 1000);
        run(tx, &b, 1000);
        compare(ti, &a, tx, &b, k == 1 ? "store fault" : "load fault");
        ck_assert_uint_eq(b.cr2, HOLE + 0x10);
        ck_assert_uint_eq(b.eip, HANDLER + 1);
        /* The faulting instruction's EIP is on the exception frame. */
        ck_assert_uint_eq(rd32(tx, STACK - 12), CODE + at[k]);
        tm_destroy(ti);
        tm_destroy(tx);
    }
}
END_TEST

/* The register cache (translator/x64/regcache.c): each program's first
 * block leaves a value in the host register that the second block gives
 * to another guest register, so a use that trusts an unloaded cache
 * register reads the wrong value. */
START_TEST(register_cache)
{
    static const uint8_t shift_by_zero[] = {
        0xbe, 5, 0, 0, 0,             /* mov esi, 5 */
        0x01, 0xf6,                   /* add esi, esi      (ESI cached) */
        0xb9, 0x00, 0x01, 0, 0,       /* mov ecx, 0x100    (CL = 0) */
        0xeb, 0x00,                   /* jmp next block */
        0xd3, 0xe2,                   /* shl edx, cl       (EDX's first use) */
        0x83, 0xc2, 0x01,             /* add edx, 1 */
        0x01, 0xd2,                   /* add edx, edx */
        0xf4,
    };
    static const uint8_t partial[] = {
        0xbf, 0x44, 0x33, 0x22, 0x11, /* mov edi, 0x11223344 */
        0x01, 0xff,                   /* add edi, edi */
        0xeb, 0x00,                   /* jmp next block */
        0xb8, 0x44, 0x33, 0x22, 0x11, /* mov eax, 0x11223344 */
        0xb4, 0x55,                   /* mov ah, 0x55 */
        0x01, 0xc0,                   /* add eax, eax */
        0x88, 0xe3,                   /* mov bl, ah */
        0x66, 0x89, 0xc1,             /* mov cx, ax */
        0xb0, 0x07,                   /* mov al, 7 */
        0x00, 0xc4,                   /* add ah, al */
        0x01, 0xc0,                   /* add eax, eax */
        0x0f, 0xb6, 0xd4,             /* movzx edx, ah */
        0x01, 0xc2,                   /* add edx, eax */
        0xf4,
    };
    static const uint8_t fault_dirty[] = {
        0xbd, 9, 0, 0, 0,             /* mov ebp, 9 */
        0x01, 0xed,                   /* add ebp, ebp */
        0xeb, 0x00,                   /* jmp next block */
        0x01, 0xc8,                   /* add eax, ecx */
        0x01, 0xc0,                   /* add eax, eax      (EAX cached, dirty) */
        0x8d, 0x0c, 0x00,             /* lea ecx, [eax+eax] */
        0x01, 0xc9,                   /* add ecx, ecx */
        0x8b, 0x1e,                   /* mov ebx, [esi]    (faults: esi in the hole) */
        0x01, 0xc3,                   /* add ebx, eax */
        0xf4,
    };
    const uint8_t *progs[] = {shift_by_zero, partial, fault_dirty};
    size_t lens[] = {sizeof shift_by_zero, sizeof partial, sizeof fault_dirty};
    for (int k = 0; k < 3; k++) {
        struct prog p = prog_of(progs[k], lens[k]);
        uint32_t regs[8] = {0x01020304, 0x0a0b0c0d, 0x1234, 0x76543210, STACK, 0, HOLE + 8, 0};
        struct tmach *ti = new_machine(false), *tx = new_machine(true);
        load_state(ti, &p, regs, 0, 1);
        load_state(tx, &p, regs, 0, 1);
        struct result a, b;
        run(ti, &a, 1000);
        run(tx, &b, 1000);
        char what[32];
        snprintf(what, sizeof what, "register cache %d", k);
        compare(ti, &a, tx, &b, what);
        if (k == 2) /* the handler saw the registers of the faulting instruction */
            ck_assert_uint_eq(b.eip, HANDLER + 1);
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
    struct prog p = prog_of(prog, sizeof prog);
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

/* Blocks that go on past their Jccs (translator/block.h, side exits): the
 * loop's block holds three, each taken on some iterations. The first two
 * leave through their own chained slots with the registers the block keeps
 * cached stored and the budget given back what the block did not run; the
 * third goes back to the block's start, in place (gen.h, loop_head) but
 * for a budget too short. Budget exits and icount stay exact. nasm, org
 * CODE:
 *       xor eax, eax / xor ebx, ebx / xor edx, edx
 *   lp: inc eax / test al, 1 / jnz odd / add ebx, eax / test al, 6 / jz four
 *       add edx, 3
 * back: cmp eax, ecx / jne lp / hlt
 *  odd: sub edx, eax / jmp back
 * four: xor edx, ebx / jmp back */
START_TEST(side_exits)
{
    static const uint8_t body[] = {
        0x31, 0xc0, 0x31, 0xdb, 0x31, 0xd2, 0x40, 0xa8, 0x01, 0x75, 0x0e, 0x01,
        0xc3, 0xa8, 0x06, 0x74, 0x0c, 0x83, 0xc2, 0x03, 0x39, 0xc8, 0x75, 0xee,
        0xf4, 0x29, 0xc2, 0xeb, 0xf7, 0x31, 0xda, 0xeb, 0xf3,
    };
    enum { LP = 6 };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0, 1000, 0, 0, STACK, 0, 0, 0};
    for (uint64_t budget = 1; budget < 40000; budget = budget * 3 + 2) {
        struct tmach *ti = new_machine(false), *tx = new_machine(true);
        load_state(ti, &p, regs, 0, 1);
        load_state(tx, &p, regs, 0, 1);
        struct result a, b;
        run(ti, &a, budget);
        run(tx, &b, budget);
        char what[32];
        snprintf(what, sizeof what, "side exits budget %llu", (unsigned long long)budget);
        compare(ti, &a, tx, &b, what);
        if (b.exit == CPU_EXIT_HALT) {
            /* (the loop's sums, worked out by hand) */
            ck_assert_uint_eq(b.gpr[R_EBX], 0x3d284);
            ck_assert_uint_eq(b.gpr[R_EDX], 0xfffdb5b1);
            struct tr_engine *tr = tr_of_cpu(tx->cpu);
            for (int s = TR_SLOT_SIDE0; s < TR_SLOT_SIDE0 + 2; s++)
                ck_assert_msg(tr_block_chained(tr, CODE + LP, s), "side slot %d not chained", s);
            struct tr_stats st;
            tr_get_stats(tr, &st);
            ck_assert_uint_lt(st.lookups, 50); /* 1000 iterations, 1000 side exits */
            ck_assert(!tr_block_chained(tr, CODE + LP, TR_SLOT_SIDE0 + 2)); /* (in place) */
        }
        tm_destroy(ti);
        tm_destroy(tx);
    }
}
END_TEST

/* Calls from two sites, so that each RET alternates between two targets
 * (the dispatcher's one-entry guess misses every time), through CALL rel32,
 * CALL reg and JMP [mem]: the backend's inline target table must find the
 * return sites itself, and budget exits and icount stay exact. With
 * `smc`, the function rewrites the immediate of an instruction at a return
 * target each time: the rewritten block must never be entered again. */
static void indirect_case(bool smc)
{
    enum { F = 0x40, TBL = 0x60 };
    static const uint8_t body[] = {
        0x31, 0xc0,                         /* 00: xor eax, eax */
        0xe8, F - 0x07, 0, 0, 0,            /* 02: call f */
        0x81, 0xc3, 0x11, 0, 0, 0,          /* 07: add ebx, 0x11 (imm at 09) */
        0xbf, F, 0x00, 0x02, 0x00,          /* 0d: mov edi, CODE + F */
        0xff, 0xd7,                         /* 12: call edi */
        0x29, 0xda,                         /* 14: sub edx, ebx */
        0x39, 0xc8,                         /* 16: cmp eax, ecx */
        0x74, 0x06,                         /* 18: je 20 */
        0xff, 0x25, TBL, 0x00, 0x02, 0x00,  /* 1a: jmp [CODE + TBL] (-> 02) */
        0xf4,                               /* 20: hlt */
    };
    static const uint8_t f_plain[] = {0x40, 0x01, 0xc2, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
                                      0xc3};
    static const uint8_t f_smc[] = {0x40, 0x01, 0xc2, 0x89, 0x05, 0x09, 0x00, 0x02, 0x00,
                                    0xc3}; /* inc eax; add edx, eax; mov [CODE+9], eax; ret */
    struct prog p;
    memset(p.b, 0x90, 0x80);
    memcpy(p.b, body, sizeof body);
    memcpy(p.b + F, smc ? f_smc : f_plain, sizeof f_plain);
    uint32_t back = CODE + 2;
    memcpy(p.b + TBL, &back, 4);
    p.n = 0x80;
    uint32_t iters = smc ? 40 : 3000;
    uint32_t regs[8] = {0, iters, 0, 0, STACK, 0, 0, 0};
    uint64_t lookups = 0;
    for (uint64_t budget = 1; budget < 200000; budget = budget * 5 + 3) {
        struct tmach *ti = new_machine(false), *tx = new_machine(true);
        load_state(ti, &p, regs, 0, 1);
        load_state(tx, &p, regs, 0, 1);
        struct result a, b;
        run(ti, &a, budget);
        run(tx, &b, budget);
        char what[48];
        snprintf(what, sizeof what, "%s budget %llu", smc ? "smc" : "indirect",
                 (unsigned long long)budget);
        compare(ti, &a, tx, &b, what);
        struct tr_stats st;
        tr_get_stats(tr_of_cpu(tx->cpu), &st);
        lookups = st.lookups;
        if (smc && b.eip == CODE + 0x21)
            ck_assert_uint_gt(st.invalidated, 10);
        tm_destroy(ti);
        tm_destroy(tx);
    }
    if (!smc) /* 3 * 3000 indirect branches; a handful of first lookups */
        ck_assert_uint_lt(lookups, 100);
}

/* Direct jumps to another page are chained behind a TLB guard (gen.c,
 * slot_stub), or else the exit looks its known target up in the table of
 * recent targets. Budget exits and icount stay exact, and the dispatcher is
 * left alone. */
static void cross_page_case(bool fall)
{
    static const uint8_t jumps_a[] = {
        0x31, 0xc0,                   /* 00: xor eax, eax */
        0xe9, 0xf9, 0x0f, 0x00, 0x00, /* 02: jmp CODE + 0x1000 */
        0x39, 0xc8,                   /* 07: cmp eax, ecx */
        0x75, 0xf7,                   /* 09: jne 02 */
        0xf4,                         /* 0b: hlt */
    };
    static const uint8_t jumps_b[] = {
        0x40,                         /* inc eax */
        0x01, 0xc3,                   /* add ebx, eax */
        0xe9, 0xff, 0xef, 0xff, 0xff, /* jmp CODE + 7 */
    };
    /* a loop whose body runs off the end of page A into page B */
    static const uint8_t fall_a[] = {
        0x31, 0xc0,                   /* 00: xor eax, eax */
        0xe9, 0xf5, 0x0f, 0x00, 0x00, /* 02: jmp CODE + 0xffc */
    };
    static const uint8_t fall_tail[] = {0x40, 0x01, 0xc3, 0x90}; /* ffc: inc, add, nop */
    static const uint8_t fall_b[] = {
        0x39, 0xc8, /* 1000: cmp eax, ecx */
        0x75, 0xf8, /* 1002: jne CODE + 0xffc */
        0xf4,
    };
    struct prog p;
    memset(p.b, 0xf4, sizeof p.b);
    memcpy(p.b, fall ? fall_a : jumps_a, fall ? sizeof fall_a : sizeof jumps_a);
    if (fall)
        memcpy(p.b + 0xffc, fall_tail, sizeof fall_tail);
    p.n = fall ? 0x1000 : sizeof jumps_a;
    const uint8_t *b_code = fall ? fall_b : jumps_b;
    size_t b_len = fall ? sizeof fall_b : sizeof jumps_b;
    uint32_t regs[8] = {0, 3000, 0, 0, STACK, 0, 0, 0};
    uint64_t lookups = 0;
    for (uint64_t budget = 1; budget < 100000; budget = budget * 4 + 1) {
        struct tmach *ti = new_machine(false), *tx = new_machine(true);
        load_state(ti, &p, regs, 0, 1);
        load_state(tx, &p, regs, 0, 1);
        memcpy(ti->ram + CODE + 0x1000, b_code, b_len);
        memcpy(tx->ram + CODE + 0x1000, b_code, b_len);
        struct result a, b;
        run(ti, &a, budget);
        run(tx, &b, budget);
        char what[48];
        snprintf(what, sizeof what, "cross-page %s budget %llu", fall ? "fall" : "jumps",
                 (unsigned long long)budget);
        compare(ti, &a, tx, &b, what);
        struct tr_stats st;
        tr_get_stats(tr_of_cpu(tx->cpu), &st);
        lookups = st.lookups;
        tm_destroy(ti);
        tm_destroy(tx);
    }
    ck_assert_uint_lt(lookups, 100); /* 6000 page crossings in the last run */
}

/* Both engines from the same state (load_state, then `prep` on each
 * machine), `budget` instructions each, compared; the x64 result in *out. */
static void run_both(const struct prog *p, const uint32_t *regs, uint64_t budget,
                     void (*prep)(struct tmach *), const char *name, struct result *out)
{
    struct tmach *ti = new_machine(false), *tx = new_machine(true);
    struct tmach *both[2] = {ti, tx};
    for (int k = 0; k < 2; k++) {
        load_state(both[k], p, regs, 0, 1);
        if (prep)
            prep(both[k]);
    }
    struct result a;
    run(ti, &a, budget);
    run(tx, out, budget);
    char what[64];
    snprintf(what, sizeof what, "%s budget %llu", name, (unsigned long long)budget);
    compare(ti, &a, tx, out, what);
    tm_destroy(ti);
    tm_destroy(tx);
}

static void remapped_pages(struct tmach *t)
{
    static const uint8_t one[] = {0xb8, 1, 0, 0, 0, 0xc3}, two[] = {0xb8, 2, 0, 0, 0, 0xc3};
    memcpy(t->ram + 0x50000, one, sizeof one);
    memcpy(t->ram + 0x51000, two, sizeof two);
}

/* A call through a register to a page whose mapping flips between two
 * physical pages (different code) every round, by a PTE write and INVLPG
 * or a CR3 write in turn: the table of recent targets must never enter
 * the block of the other mapping (gen.h, struct x64_ind). nasm, org CODE:
 *   lp: mov edi, 0x50000 / call edi / add ebx, eax
 *       xor dword [PT + 0x50 * 4], 0x1000 / test cl, 1 / jz .cr3
 *       invlpg [0x50000] / jmp .next
 *   .cr3: mov eax, cr3 / mov cr3, eax
 *   .next: dec ecx / jnz lp / hlt */
START_TEST(indirect_remapped)
{
    static const uint8_t body[] = {
        0xbf, 0x00, 0x00, 0x05, 0x00, 0xff, 0xd7, 0x01, 0xc3, 0x81, 0x35, 0x40, 0x11, 0x01, 0x00,
        0x00, 0x10, 0x00, 0x00, 0xf6, 0xc1, 0x01, 0x74, 0x09, 0x0f, 0x01, 0x3d, 0x00, 0x00, 0x05,
        0x00, 0xeb, 0x06, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x49, 0x75, 0xd6, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0, 1000, 0, 0, STACK, 0, 0, 0};
    for (uint64_t budget = 7; budget < 100000; budget = budget * 9 + 1) {
        struct result b;
        run_both(&p, regs, budget, remapped_pages, "remapped", &b);
        if (b.exit == CPU_EXIT_HALT)
            ck_assert_uint_eq(b.gpr[R_EBX], 1500); /* 1, 2, 1, 2... */
    }
}
END_TEST

/* The same with CALL rel32, three times a round, to the flipping page,
 * after a data read there has refilled the TLB entry: a direct branch to
 * another page is chained behind a guard on the TLB's execute entry
 * (gen.c, slot_stub), which must see the other physical page and never
 * enter the other mapping's block; the core then chains the slot anew
 * (dispatch.c, chain), and the round's later calls pass the guard. nasm,
 * org CODE:
 *   lp: xor dword [PT + 0x50 * 4], 0x1000 / test cl, 1 / jz .cr3
 *       invlpg [0x50000] / jmp .next
 *   .cr3: mov eax, cr3 / mov cr3, eax
 *   .next: mov eax, [0x50000] / mov esi, 3
 *   .in: call 0x50000 / add ebx, eax / dec esi / jnz .in
 *       dec ecx / jnz lp / hlt */
START_TEST(direct_remapped)
{
    static const uint8_t body[] = {
        0x81, 0x35, 0x40, 0x11, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0xf6, 0xc1, 0x01, 0x74,
        0x09, 0x0f, 0x01, 0x3d, 0x00, 0x00, 0x05, 0x00, 0xeb, 0x06, 0x0f, 0x20, 0xd8, 0x0f,
        0x22, 0xd8, 0xa1, 0x00, 0x00, 0x05, 0x00, 0xbe, 0x03, 0x00, 0x00, 0x00, 0xe8, 0xd3,
        0xff, 0x02, 0x00, 0x01, 0xc3, 0x4e, 0x75, 0xf6, 0x49, 0x75, 0xcb, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0, 1000, 0, 0, STACK, 0, 0, 0};
    for (uint64_t budget = 7; budget < 200000; budget = budget * 9 + 1) {
        struct result b;
        run_both(&p, regs, budget, remapped_pages, "direct remapped", &b);
        if (b.exit == CPU_EXIT_HALT)
            ck_assert_uint_eq(b.gpr[R_EBX], 4500); /* 3 * (2, 1, 2, 1...) */
    }
    /* the call chained anew each round (once the stack page is back after
     * a CR3 write), and the guards hit */
    struct tmach *tx = new_machine(true);
    load_state(tx, &p, regs, 0, 1);
    remapped_pages(tx);
    struct result b;
    run(tx, &b, 200000);
    ck_assert_int_eq(b.exit, CPU_EXIT_HALT);
    struct tr_stats st;
    tr_get_stats(tr_of_cpu(tx->cpu), &st);
    ck_assert_uint_gt(st.chained, 900);
    ck_assert_uint_lt(st.guard_misses, 100);
    tm_destroy(tx);
}
END_TEST

/* Data for page_windows: linear 0x41000 maps a physical page away from
 * 0x40000 (a window must not run from one into the other). */
static void window_data(struct tmach *t)
{
    uint32_t v = 7;
    for (uint32_t a = 0x40000; a < 0x45000; a += 4, v = v * 1103515245u + 12345u)
        wr32(t, a, v);
    for (uint32_t a = 0x61000; a < 0x62000; a += 4, v = v * 1103515245u + 12345u)
        wr32(t, a, v);
    wr32(t, PT + 4 * 0x41, 0x61000 | 3);
    mmu_flush_all_global(t->cpu);
}

/* Stack windows (window.c): PUSH, POP and [ESP+disp] accesses placed
 * by ESP's known moves (PUSH r/m, SUB/ADD ESP, imm, LEA ESP, [ESP+disp])
 * share one check. ESP walks across a page boundary whose next linear
 * page maps a physical page away from it, at every alignment (misaligned
 * too), and in the second run the window's ends are accesses placed only
 * by those moves; the last pops run into the not-present page (#PF at the
 * third). Both engines must agree at every budget. nasm, org CODE:
 *       mov ecx, 300 / xor ebp, ebp
 *   lp: imul esi, ecx, 0x1d / and esi, 0x7f / lea esp, [esi + 0x40fc0]
 *       mov eax, ecx / push eax / push ecx / push dword [esp+4]
 *       sub esp, 8 / mov [esp+4], ecx / mov edx, [esp+12] / add ebp, edx
 *       lea esp, [esp+8] / pop edx / add ebp, edx / pop edx / pop ebx
 *       add ebp, ebx / add ebp, edx
 *       and esi, 0x7c / lea esp, [esi + 0x40fd0] / add ebp, [esp+4] / push ecx
 *       lea esp, [esp-0x20] / push ebp / sub esp, 0x10 / push ecx
 *       add esp, 0x14 / pop eax / lea esp, [esp+0x20] / pop edx
 *       add ebp, eax / add ebp, edx / dec ecx / jnz lp
 *       mov esp, 0x7fff8 / pop eax / pop ebx / pop edx / hlt */
START_TEST(stack_windows)
{
    static const uint8_t body[] = {
        0xb9, 0x2c, 0x01, 0x00, 0x00, 0x31, 0xed, 0x6b, 0xf1, 0x1d, 0x83, 0xe6, 0x7f, 0x8d,
        0xa6, 0xc0, 0x0f, 0x04, 0x00, 0x89, 0xc8, 0x50, 0x51, 0xff, 0x74, 0x24, 0x04, 0x83,
        0xec, 0x08, 0x89, 0x4c, 0x24, 0x04, 0x8b, 0x54, 0x24, 0x0c, 0x01, 0xd5, 0x8d, 0x64,
        0x24, 0x08, 0x5a, 0x01, 0xd5, 0x5a, 0x5b, 0x01, 0xdd, 0x01, 0xd5, 0x83, 0xe6, 0x7c,
        0x8d, 0xa6, 0xd0, 0x0f, 0x04, 0x00, 0x03, 0x6c, 0x24, 0x04, 0x51, 0x8d, 0x64, 0x24,
        0xe0, 0x55, 0x83, 0xec, 0x10, 0x51, 0x83, 0xc4, 0x14, 0x58, 0x8d, 0x64, 0x24, 0x20,
        0x5a, 0x01, 0xc5, 0x01, 0xd5, 0x49, 0x75, 0xab, 0xbc, 0xf8, 0xff, 0x07, 0x00, 0x58,
        0x5b, 0x5a, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0};
    regs[R_ESP] = STACK;
    struct result b;
    for (uint64_t budget = 5; budget < 40000; budget = budget * 3 + 2)
        run_both(&p, regs, budget, window_data, "stack windows", &b);
    ck_assert_int_eq(b.exit, CPU_EXIT_HALT);
    ck_assert_uint_eq(b.cr2, HOLE); /* the third pop's #PF */
}
END_TEST

/* page_windows_wrap: linear 0xfffff000 maps physical 0x62000 (a second
 * page table for the top 4 MiB), and both ends of the address space hold
 * data. */

/* CPL 3 on user pages, CR0.AM set (page_windows_ac). */
static void user_pages_ac(struct tmach *t)
{
    wr32(t, PD, PT | 7);
    for (uint32_t pg = 0; pg < 256; pg++)
        wr32(t, PT + 4 * pg, pg == (HOLE >> 12) ? 0 : (pg << 12) | 7);
    t->cpu->cr0 |= CR0_AM;
    t->cpu->cpl = 3;
    cpu_update_modes(t->cpu);
    mmu_flush_all_global(t->cpu);
}

/* Page windows (translator/x64/window.c): runs of accesses off one base
 * register share one TLB check. The window slides across a page boundary
 * whose next linear page maps a physical page away from it, and is
 * misaligned by turns; its base is written in the middle (LEA, a load into
 * it, PUSH/POP for ESP); an INVLPG after a PTE write moves a page under a
 * window; a window writes into cached code (the next block's immediate);
 * and the last one runs into the not-present page (#PF at a member). Both
 * engines must agree at every budget. nasm, org CODE:
 *       mov ecx, 300 / xor ebp, ebp
 *   lp: imul esi, ecx, 0x1d / and esi, 0x3ff / lea ebx, [esi + 0x40d00]
 *       mov eax, [ebx] / add eax, [ebx+0x40] / add [ebx+0x80], eax
 *       mov edx, [ebx+0xc0] / xor [ebx+0x100], edx
 *       movzx edi, byte [ebx+0x13f] / movsx edx, word [ebx+0x122]
 *       add ebp, edi / add ebp, edx / add ebp, eax
 *       mov eax, [ebx+4] / lea ebx, [ebx+0x44] / add eax, [ebx+8]
 *       mov ebx, [ebx+0x10] / and ebx, 0xffc / add ebx, 0x42000
 *       add eax, [ebx] / add eax, [ebx+0x20] / add ebp, eax
 *       push ecx / mov eax, [esp] / add eax, [esp+4] / pop edx / add ebp, eax
 *       mov esi, 0x43000 / mov eax, [esi+8]
 *       xor dword [PT + 0x43*4], 0x7000 / invlpg [esi] / add eax, [esi+12]
 *       add ebp, eax
 *       mov edi, patch / mov eax, [edi+1] / add ebp, eax / mov [edi+1], ecx
 *       jmp patch / (nop to patch + 1 = 0 mod 4)
 *   patch: mov eax, 0x11111111 / add ebp, eax / dec ecx / jnz lp
 *       mov ebx, 0x7ffe0 / mov eax, [ebx] / mov edx, [ebx+0x18]
 *       add eax, [ebx+0x20] / hlt */
START_TEST(page_windows)
{
    static const uint8_t body[] = {
        0xb9, 0x2c, 0x01, 0x00, 0x00, 0x31, 0xed, 0x6b, 0xf1, 0x1d, 0x81, 0xe6, 0xff, 0x03,
        0x00, 0x00, 0x8d, 0x9e, 0x00, 0x0d, 0x04, 0x00, 0x8b, 0x03, 0x03, 0x43, 0x40, 0x01,
        0x83, 0x80, 0x00, 0x00, 0x00, 0x8b, 0x93, 0xc0, 0x00, 0x00, 0x00, 0x31, 0x93, 0x00,
        0x01, 0x00, 0x00, 0x0f, 0xb6, 0xbb, 0x3f, 0x01, 0x00, 0x00, 0x0f, 0xbf, 0x93, 0x22,
        0x01, 0x00, 0x00, 0x01, 0xfd, 0x01, 0xd5, 0x01, 0xc5, 0x8b, 0x43, 0x04, 0x8d, 0x5b,
        0x44, 0x03, 0x43, 0x08, 0x8b, 0x5b, 0x10, 0x81, 0xe3, 0xfc, 0x0f, 0x00, 0x00, 0x81,
        0xc3, 0x00, 0x20, 0x04, 0x00, 0x03, 0x03, 0x03, 0x43, 0x20, 0x01, 0xc5, 0x51, 0x8b,
        0x04, 0x24, 0x03, 0x44, 0x24, 0x04, 0x5a, 0x01, 0xc5, 0xbe, 0x00, 0x30, 0x04, 0x00,
        0x8b, 0x46, 0x08, 0x81, 0x35, 0x0c, 0x11, 0x01, 0x00, 0x00, 0x70, 0x00, 0x00, 0x0f,
        0x01, 0x3e, 0x03, 0x46, 0x0c, 0x01, 0xc5, 0xbf, 0x97, 0x00, 0x02, 0x00, 0x8b, 0x47,
        0x01, 0x01, 0xc5, 0x89, 0x4f, 0x01, 0xeb, 0x03, 0x90, 0x90, 0x90, 0xb8, 0x11, 0x11,
        0x11, 0x11, 0x01, 0xc5, 0x49, 0x0f, 0x85, 0x62, 0xff, 0xff, 0xff, 0xbb, 0xe0, 0xff,
        0x07, 0x00, 0x8b, 0x03, 0x8b, 0x53, 0x18, 0x03, 0x43, 0x20, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0, 0, 0, 0, STACK, 0, 0, 0};
    for (uint64_t budget = 3; budget < 100000; budget = budget * 7 + 2) {
        struct result b;
        run_both(&p, regs, budget, window_data, "windows", &b);
        if (budget > 20000) { /* the whole program: the #PF in the last window */
            ck_assert_uint_eq(b.cr2, HOLE);
            ck_assert_uint_eq(b.gpr[R_ECX], 0);
        }
    }
}
END_TEST

/* A misaligned window at CPL 3 with CR0.AM: its accesses owe #AC once
 * EFLAGS.AC is set (not a block mode bit), so the window's check must fail
 * on alignment too (its members would not fault). EBX is odd; user pages.
 *       mov ecx, 100
 *   lp: mov eax, [ebx] / add eax, [ebx+4] / add eax, [ebx+8]
 *       cmp ecx, 50 / jne skip / pushf / or dword [esp], 0x40000 / popf
 *   skip: dec ecx / jnz lp / hlt */
/* Page windows whose base plus displacement wraps around 4 GiB (one
 * forwards, one backwards, a write among them): the window's page is that
 * of the wrapped 32-bit address, as each member's. nasm, org CODE:
 *       mov ecx, 200
 *   lp: mov ebx, 0xfffffff8 / mov eax, [ebx+8] / add eax, [ebx+12]
 *       add ebp, eax
 *       mov ebx, 0x10 / mov eax, [ebx-0x18] / add eax, [ebx-0x14]
 *       add ebp, eax / mov [ebx-0x18], ecx
 *       dec ecx / jnz lp / hlt */
START_TEST(page_windows_wrap)
{
    static const uint8_t body[] = {
        0xb9, 0xc8, 0x00, 0x00, 0x00, 0xbb, 0xf8, 0xff, 0xff, 0xff, 0x8b, 0x43, 0x08,
        0x03, 0x43, 0x0c, 0x01, 0xc5, 0xbb, 0x10, 0x00, 0x00, 0x00, 0x8b, 0x43, 0xe8,
        0x03, 0x43, 0xec, 0x01, 0xc5, 0x89, 0x4b, 0xe8, 0x49, 0x75, 0xe0, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0};
    regs[R_ESP] = STACK;
    struct result b;
    for (uint64_t budget = 3; budget < 20000; budget = budget * 3 + 1)
        run_both(&p, regs, budget, wrap_pages, "window wrap", &b);
    ck_assert_int_eq(b.exit, CPU_EXIT_HALT); /* (registers and RAM compared) */
}
END_TEST

/* A Jcc chained straight to its successor (translator/x64/gen.h,
 * x64_slots.direct) when the successor's code is rewritten: unchaining
 * points the Jcc back at its stub, so the new code runs. nasm, org CODE:
 *       mov ecx, 100 / xor ebx, ebx
 *   lp: dec ecx / jnz body / hlt
 * body: mov eax, 1 / add ebx, eax / cmp ecx, 50 / jne lp
 *       mov dword [body+1], 2 / jmp lp */
START_TEST(direct_jcc_unchained)
{
    static const uint8_t body[] = {
        0xb9, 0x64, 0x00, 0x00, 0x00, 0x31, 0xdb, 0x49, 0x75, 0x01, 0xf4, 0xb8,
        0x01, 0x00, 0x00, 0x00, 0x01, 0xc3, 0x83, 0xf9, 0x32, 0x75, 0xf0, 0xc7,
        0x05, 0x0c, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0xeb, 0xe4,
    };
    _Static_assert(CODE == 0x20000, "the program's absolute address");
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0};
    regs[R_ESP] = STACK;
    struct result b;
    run_both(&p, regs, 100000, NULL, "direct jcc", &b);
    ck_assert_int_eq(b.exit, CPU_EXIT_HALT);
    ck_assert_uint_eq(b.gpr[R_EBX], 50 * 1 + 49 * 2);
}
END_TEST

/* A loop round in place (gen.h, loop_head) whose body calls a handler
 * (BSF, writing EDX in cpu->gpr), after which the cache holds none of the
 * registers: the branch back loads those the body's start expects again
 * (EDX, read first there). nasm, org CODE:
 *       mov eax, 0x01234567 / mov ebx, 1 / mov ecx, 300
 *   lp: add esi, edx / add ebx, eax / bsf edx, ebx / rol eax, 5
 *       dec ecx / jnz lp / hlt */
START_TEST(loop_with_handler)
{
    static const uint8_t body[] = {
        0xb8, 0x67, 0x45, 0x23, 0x01, 0xbb, 0x01, 0x00, 0x00, 0x00, 0xb9, 0x2c,
        0x01, 0x00, 0x00, 0x01, 0xd6, 0x01, 0xc3, 0x0f, 0xbc, 0xd3, 0xc1, 0xc0,
        0x05, 0x49, 0x75, 0xf3, 0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0};
    regs[R_ESP] = STACK;
    struct result b;
    for (uint64_t budget = 5; budget < 10000; budget = budget * 4 + 3)
        run_both(&p, regs, budget, NULL, "loop with a handler", &b);
    ck_assert_int_eq(b.exit, CPU_EXIT_HALT);
}
END_TEST

/* A record left to a side exit (gen.h, lf_side): the CMP (or TEST r, r)
 * before a Jcc the block goes on past stores its flags only on the taken
 * path, where the successor's PUSHF reads them all. nasm, org CODE:
 *       xor ebx, ebx / xor edi, edi
 *   lp: mov eax, ebx / imul eax, eax, 0x9e3779b1 / cmp eax, 0x40000000
 *       jb low / add ebx, 1 / cmp ebx, ecx / jne lp / hlt
 *  low: pushf / pop esi / and esi, 0x8d5 / add edi, esi
 *       add ebx, 1 / cmp ebx, ecx / jne lp / hlt
 * and the same with "and eax, 0xc0000000 / test eax, eax / js low" for
 * the CMP and JB. */
START_TEST(side_exit_flags)
{
    static const uint8_t cmp_body[] = {
        0x31, 0xdb, 0x31, 0xff, 0x89, 0xd8, 0x69, 0xc0, 0xb1, 0x79, 0x37, 0x9e,
        0x3d, 0x00, 0x00, 0x00, 0x40, 0x72, 0x08, 0x83, 0xc3, 0x01, 0x39, 0xcb,
        0x75, 0xea, 0xf4, 0x9c, 0x5e, 0x81, 0xe6, 0xd5, 0x08, 0x00, 0x00, 0x01,
        0xf7, 0x83, 0xc3, 0x01, 0x39, 0xcb, 0x75, 0xd8, 0xf4,
    };
    static const uint8_t test_body[] = {
        0x31, 0xdb, 0x31, 0xff, 0x89, 0xd8, 0x69, 0xc0, 0xb1, 0x79, 0x37, 0x9e,
        0x25, 0x00, 0x00, 0x00, 0xc0, 0x85, 0xc0, 0x78, 0x08, 0x83, 0xc3, 0x01,
        0x39, 0xcb, 0x75, 0xe8, 0xf4, 0x9c, 0x5e, 0x81, 0xe6, 0xd5, 0x08, 0x00,
        0x00, 0x01, 0xf7, 0x83, 0xc3, 0x01, 0x39, 0xcb, 0x75, 0xd6, 0xf4,
    };
    const uint8_t *bodies[2] = {cmp_body, test_body};
    const size_t sizes[2] = {sizeof cmp_body, sizeof test_body};
    for (int k = 0; k < 2; k++) {
        struct prog p = prog_of(bodies[k], sizes[k]);
        uint32_t regs[8] = {0, 2000, 0, 0, STACK, 0, 0, 0};
        struct result b;
        for (uint64_t budget = 7; budget < 40000; budget = budget * 5 + 1)
            run_both(&p, regs, budget, NULL, k ? "side exit flags (test)" : "side exit flags",
                     &b);
        ck_assert_int_eq(b.exit, CPU_EXIT_HALT);
        ck_assert_uint_ne(b.gpr[R_EDI], 0); /* the taken path ran */
    }
}
END_TEST

/* A record left to a side exit and to the ACCESS stubs of the memory moves
 * after the Jcc (gen.h, lf_side), the SUB's: one of those moves writes the
 * register holding its result, so it cannot wait, and the load from the
 * hole after it faults with the SUB's flags in the exception frame. nasm,
 * org CODE:
 *       push 0x12345678 / push 0x9abcdef0 / mov ecx, 3 / mov ebx, HOLE
 *   lp: sub ecx, 1 / jnz skip / mov edx, [esp] / mov ecx, [esp+4]
 *       mov eax, [ebx] / add eax, ecx
 * skip: add esi, ecx / jmp lp */
START_TEST(side_exit_flags_fault)
{
    static const uint8_t body[] = {
        0x68, 0x78, 0x56, 0x34, 0x12, 0x68, 0xf0, 0xde, 0xbc, 0x9a, 0xb9, 0x03,
        0x00, 0x00, 0x00, 0xbb, 0x00, 0x00, 0x08, 0x00, 0x83, 0xe9, 0x01, 0x75,
        0x0b, 0x8b, 0x14, 0x24, 0x8b, 0x4c, 0x24, 0x04, 0x8b, 0x03, 0x01, 0xc8,
        0x01, 0xce, 0xeb, 0xec,
    };
    _Static_assert(HOLE == 0x80000, "the program's hole");
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0};
    regs[R_ESP] = STACK;
    struct result b;
    run_both(&p, regs, 100000, NULL, "side exit flags fault", &b);
    ck_assert_uint_eq(b.eip, HANDLER + 1);
    ck_assert_uint_eq(b.cr2, HOLE);
}
END_TEST

START_TEST(page_windows_ac)
{
    static const uint8_t body[] = {
        0xb9, 0x64, 0x00, 0x00, 0x00, 0x8b, 0x03, 0x03, 0x43, 0x04, 0x03, 0x43, 0x08, 0x83, 0xf9,
        0x32, 0x75, 0x09, 0x9c, 0x81, 0x0c, 0x24, 0x00, 0x00, 0x04, 0x00, 0x9d, 0x49, 0x75, 0xe7,
        0xf4,
    };
    struct prog p = prog_of(body, sizeof body);
    uint32_t regs[8] = {0, 0, 0, 0x40001, STACK, 0, 0, 0};
    for (uint64_t budget = 5; budget < 2000; budget = budget * 3 + 1) {
        struct result b;
        run_both(&p, regs, budget, user_pages_ac, "windows #AC", &b);
        if (budget > 600) /* 51 rounds, then #AC at the first access */
            ck_assert_uint_eq(b.gpr[R_ECX], 49);
    }
}
END_TEST

START_TEST(cross_page_jumps) { cross_page_case(false); }
END_TEST

START_TEST(cross_page_fall) { cross_page_case(true); }
END_TEST

START_TEST(indirect_targets) { indirect_case(false); }
END_TEST

START_TEST(indirect_smc) { indirect_case(true); }
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
    tcase_add_test(tc, register_cache);
    tcase_add_test(tc, indirect_targets);
    tcase_add_test(tc, indirect_smc);
    tcase_add_test(tc, indirect_remapped);
    tcase_add_test(tc, direct_remapped);
    tcase_add_test(tc, page_windows);
    tcase_add_test(tc, page_windows_ac);
    tcase_add_test(tc, page_windows_wrap);
    tcase_add_test(tc, fastmem_wrap);
    tcase_add_test(tc, direct_jcc_unchained);
    tcase_add_test(tc, stack_windows);
    tcase_add_test(tc, cross_page_jumps);
    tcase_add_test(tc, cross_page_fall);
    tcase_add_test(tc, side_exits);
    tcase_add_test(tc, fastmem_fresh_pages);
    tcase_add_test(tc, side_exit_flags);
    tcase_add_test(tc, loop_with_handler);
    tcase_add_test(tc, side_exit_flags_fault);
    tcase_add_test(tc, random_blocks);
    tcase_add_test(tc, fastmem_user_blocks);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
