/* The translator core with the threaded backend (translator/): the same
 * program run under the interpreter and the translator retires exactly the
 * same instructions for any budget and leaves the same registers and
 * memory; blocks are reused and chained; a full arena is flushed; writes to
 * code void and unchain its blocks; a page rewritten over and over goes to
 * the interpreter; interrupts arrive at the same instruction. */
#include "test_core_harness.h"

#include "cpu/mem.h"
#include "mmu/io_ops.h"
#include "translator/backend.h"
#include "translator/tr_priv.h"
#include "translator/translator.h"

#define CODE        0x1000u
#define DATA        0x3000u
#define ES_BASE     0x8000u
#define STACK       0x7000u
#define IRQ_HANDLER 0x5000u
#define IRQ_COUNT   0x4000u

/* tests/unit/test_translator.c's program (nasm, org 0x1000): a loop with a
 * call, an indirect jump, a conditional skip, REP STOSB and stores; "bits
 * 16" and "bits 32" builds.
 *   start: mov ecx,60 / xor eax,eax / mov esi,0x3000 / xor edx,edx
 *   lp:    add eax,ecx / mov [esi],eax / add esi,4 / call sub1 / test cl,3
 *          jz skip / inc edx / lea ebx,[tab] / jmp ebx
 *   tab:   imul eax,eax,3
 *   skip:  push ecx / mov edi,ecx / rep stosb / pop ecx / cmp esi,0x3100 / jb nowrap / mov esi,0x3000
 *   nowrap: dec ecx / jnz lp / hlt
 *   sub1:  push ebx / mov ebx,eax / shl ebx,1 / xor edx,ebx / pop ebx / ret */
static const uint8_t prog16[] = {
    0x66, 0xb9, 0x3c, 0x00, 0x00, 0x00, 0x66, 0x31, 0xc0, 0x66, 0xbe, 0x00, 0x30, 0x00, 0x00, 0x66,
    0x31, 0xd2, 0x66, 0x01, 0xc8, 0x66, 0x67, 0x89, 0x06, 0x66, 0x83, 0xc6, 0x04, 0xe8, 0x30, 0x00,
    0xf6, 0xc1, 0x03, 0x74, 0x0e, 0x66, 0x42, 0x66, 0x8d, 0x1e, 0x2f, 0x10, 0x66, 0xff, 0xe3, 0x66,
    0x6b, 0xc0, 0x03, 0x66, 0x51, 0x66, 0x89, 0xcf, 0xf3, 0xaa, 0x66, 0x59, 0x66, 0x81, 0xfe, 0x00,
    0x31, 0x00, 0x00, 0x72, 0x06, 0x66, 0xbe, 0x00, 0x30, 0x00, 0x00, 0x66, 0x49, 0x75, 0xc3, 0xf4,
    0x66, 0x53, 0x66, 0x89, 0xc3, 0x66, 0xd1, 0xe3, 0x66, 0x31, 0xda, 0x66, 0x5b, 0xc3};
static const uint8_t prog32[] = {
    0xb9, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xc0, 0xbe, 0x00, 0x30, 0x00, 0x00, 0x31, 0xd2, 0x01,
    0xc8, 0x89, 0x06, 0x83, 0xc6, 0x04, 0xe8, 0x28, 0x00, 0x00, 0x00, 0xf6, 0xc1, 0x03, 0x74,
    0x0c, 0x42, 0x8d, 0x1d, 0x28, 0x10, 0x00, 0x00, 0xff, 0xe3, 0x6b, 0xc0, 0x03, 0x51, 0x89,
    0xcf, 0xf3, 0xaa, 0x59, 0x81, 0xfe, 0x00, 0x31, 0x00, 0x00, 0x72, 0x05, 0xbe, 0x00, 0x30,
    0x00, 0x00, 0x49, 0x75, 0xcd, 0xf4, 0x53, 0x89, 0xc3, 0xd1, 0xe3, 0x31, 0xda, 0x5b, 0xc3};

/* The backends under test: the threaded one, and x86-64 where built in;
 * each test runs once per backend (its loop index). */
static const struct tr_backend *backends[2];
static int nbackends;
static const struct tr_backend *cur;

static int irq_pending_vector = -1; /* what ack_irq hands out once */
static int ack_irq(void *opaque)
{
    struct cpu *cpu = opaque;
    int v = irq_pending_vector;
    irq_pending_vector = -1;
    cpu_set_irq(cpu, false);
    return v;
}

/* A machine with `prog` at CODE; tcg: the translator with `data`/`code`
 * arena sizes (0: defaults). */
static struct tmach *make(bool bits32, bool tcg, size_t data, size_t code)
{
    struct tmach *t = tm_create();
    cpu_set_engine(t->cpu, NULL); /* whatever VX86_ACCEL says */
    if (tcg) {
        struct cpu_engine *e = tr_engine_create(t->cpu, cur, data, code);
        ck_assert_ptr_nonnull(e);
        cpu_set_engine(t->cpu, e);
    }
    if (bits32) {
        tm_flat32(t);
        memcpy(t->ram + CODE, prog32, sizeof prog32);
    } else {
        memcpy(t->ram + CODE, prog16, sizeof prog16);
    }
    t->cpu->seg[SEG_ES].base = ES_BASE;
    t->cpu->eip = CODE;
    SETREG(t, R_ESP, STACK);
    /* Real-mode IVT entry 8: IRQ_HANDLER, which counts and returns. */
    wr16(t, 8 * 4, IRQ_HANDLER);
    wr16(t, 8 * 4 + 2, 0);
    static const uint8_t handler[] = {0xff, 0x06, 0x00, 0x40, 0xcf}; /* inc word [0x4000]; iret */
    memcpy(t->ram + IRQ_HANDLER, handler, sizeof handler);
    t->cpu->idtr = (struct dtr){.base = 0, .limit = 0x3ff};
    t->cpu->hooks.ack_irq = ack_irq;
    t->cpu->hooks.opaque = t->cpu;
    return t;
}

static void same_state(struct tmach *a, struct tmach *b)
{
    ck_assert_uint_eq(a->cpu->icount, b->cpu->icount);
    ck_assert_uint_eq(a->cpu->eip, b->cpu->eip);
    for (int r = 0; r < 8; r++)
        ck_assert_msg(a->cpu->gpr[r] == b->cpu->gpr[r], "reg %d: %#llx vs %#llx", r,
                      (unsigned long long)a->cpu->gpr[r], (unsigned long long)b->cpu->gpr[r]);
    ck_assert_uint_eq(cpu_get_eflags(a->cpu), cpu_get_eflags(b->cpu));
    ck_assert_uint_eq(a->cpu->halted, b->cpu->halted);
    ck_assert(memcmp(a->ram, b->ram, TM_RAM_SIZE) == 0);
}

static struct tr_stats stats_of(struct tmach *t)
{
    struct tr_stats s;
    tr_get_stats(tr_of_cpu(t->cpu), &s);
    return s;
}

/* Budget exactness: for every total N, and in slices of every size, both
 * engines stop after the same instruction with the same state. */
static void budget_exact(bool bits32)
{
    for (uint64_t n = 1; n < 1400; n += 37) {
        struct tmach *i = make(bits32, false, 0, 0), *x = make(bits32, true, 0, 0);
        cpu_run(i->cpu, n);
        cpu_run(x->cpu, n);
        ck_assert_uint_eq(x->cpu->icount, n);
        same_state(i, x);
        tm_destroy(i);
        tm_destroy(x);
    }
    for (uint64_t slice = 1; slice < 40; slice += 3) {
        struct tmach *i = make(bits32, false, 0, 0), *x = make(bits32, true, 0, 0);
        while (!i->cpu->halted) {
            enum cpu_exit ri = cpu_run(i->cpu, slice), rx = cpu_run(x->cpu, slice);
            ck_assert_int_eq(ri, rx);
            same_state(i, x);
        }
        ck_assert(x->cpu->halted);
        tm_destroy(i);
        tm_destroy(x);
    }
}

START_TEST(budget_exact_16)
{
    cur = backends[_i];
    budget_exact(false);
}
END_TEST

START_TEST(budget_exact_32)
{
    cur = backends[_i];
    budget_exact(true);
}
END_TEST

START_TEST(runs_to_the_end_reusing_and_chaining_blocks)
{
    cur = backends[_i];
    struct tmach *i = make(true, false, 0, 0), *x = make(true, true, 0, 0);
    ck_assert_int_eq(cpu_run(i->cpu, 1000000), CPU_EXIT_HALT);
    ck_assert_int_eq(cpu_run(x->cpu, 1000000), CPU_EXIT_HALT);
    same_state(i, x);
    struct tr_stats s = stats_of(x);
    ck_assert_uint_gt(s.blocks_built, 3);
    ck_assert_uint_lt(s.blocks_built, 20); /* 60 iterations reuse them */
    ck_assert_uint_gt(s.chained, 2);
    if (cur == &tr_backend_threaded) /* generated code does not count them */
        ck_assert_uint_gt(s.chain_follows, 100);
    ck_assert_uint_eq(s.flushes, 0);
    ck_assert(tr_block_chained(tr_of_cpu(x->cpu), CODE + 0x0e, TR_SLOT_FALL) ||
              tr_block_chained(tr_of_cpu(x->cpu), CODE + 0x0e, TR_SLOT_TAKEN));
    tm_destroy(i);
    tm_destroy(x);
}
END_TEST

START_TEST(full_arena_is_flushed_whole)
{
    cur = backends[_i];
    /* Room for two or three blocks only (the x86-64 backend reserves 32 KiB
     * of code room per block while it translates). */
    size_t code = cur == &tr_backend_threaded ? 4096 : 80u << 10;
    struct tmach *i = make(false, false, 0, 0), *x = make(false, true, 2048, code);
    ck_assert_int_eq(cpu_run(i->cpu, 1000000), CPU_EXIT_HALT);
    ck_assert_int_eq(cpu_run(x->cpu, 1000000), CPU_EXIT_HALT);
    same_state(i, x);
    struct tr_stats s = stats_of(x);
    ck_assert_uint_gt(s.flushes, 10);
    ck_assert_uint_le(s.live_blocks, 4);
    tm_destroy(i);
    tm_destroy(x);
}
END_TEST

START_TEST(write_to_code_voids_and_unchains_its_blocks)
{
    cur = backends[_i];
    struct tmach *x = make(true, true, 0, 0);
    ck_assert_int_eq(cpu_run(x->cpu, 1000000), CPU_EXIT_HALT);
    struct tr_engine *tr = tr_of_cpu(x->cpu);
    int before = tr_blocks_on_page(tr, CODE);
    ck_assert_int_gt(before, 3);
    /* A device (DMA) changes "mov ecx, 60" into "mov ecx, 5": only the
     * block holding that byte goes (the first); the others stay. */
    memmap_write(x->mem, CODE + 1, 5, 1);
    ck_assert_int_eq(tr_blocks_on_page(tr, CODE), before - 1);
    struct tr_stats s = stats_of(x);
    ck_assert_uint_eq(s.invalidated, 1);
    ck_assert_uint_eq(s.live_blocks, (uint64_t)before - 1);
    /* The new code runs, and gives what the interpreter gives. */
    struct tmach *i = make(true, false, 0, 0);
    memmap_write(i->mem, CODE + 1, 5, 1);
    x->cpu->halted = false;
    x->cpu->eip = CODE;
    x->cpu->icount = 0;
    SETREG(x, R_ESP, STACK);
    memcpy(x->ram + DATA, i->ram + DATA, 0x200);
    memcpy(x->ram + ES_BASE, i->ram + ES_BASE, 0x100);
    ck_assert_int_eq(cpu_run(i->cpu, 1000000), CPU_EXIT_HALT);
    ck_assert_int_eq(cpu_run(x->cpu, 1000000), CPU_EXIT_HALT);
    ck_assert_uint_eq(i->cpu->icount, x->cpu->icount);
    ck_assert_uint_eq(REG(i, R_EAX), REG(x, R_EAX));
    ck_assert_uint_eq(REG(i, R_EDX), REG(x, R_EDX));
    tm_destroy(i);
    tm_destroy(x);
}
END_TEST

/* mov byte [0x1007], 0x42 / nop / mov al, 0x11 / hlt: the store changes
 * the immediate of an instruction further on in the running block. */
START_TEST(patching_the_next_instruction)
{
    cur = backends[_i];
    static const uint8_t code[] = {0xc6, 0x06, 0x07, 0x10, 0x42, 0x90, 0xb0, 0x11, 0xf4};
    struct tmach *x = make(false, true, 0, 0);
    for (int round = 0; round < 3; round++) {
        /* A fresh copy each time: from the second round on its block is
         * cached (and voided by the store again). */
        memmap_write_buf(x->mem, CODE, code, sizeof code);
        x->cpu->eip = CODE;
        x->cpu->halted = false;
        SETREG(x, R_EAX, 0);
        ck_assert_int_eq(cpu_run(x->cpu, 100), CPU_EXIT_HALT);
        ck_assert_uint_eq(REG(x, R_EAX) & 0xff, 0x42);
    }
    ck_assert_uint_ge(stats_of(x).invalidated, 3);
    tm_destroy(x);
}
END_TEST

/* Real-mode `code` at CODE run to HLT under the translator (*x) and the
 * interpreter (*i), ending in the same state. */
static void run_both_16(const uint8_t *code, size_t n, struct tmach **x, struct tmach **i)
{
    *x = make(false, true, 0, 0);
    memcpy((*x)->ram + CODE, code, n);
    *i = make(false, false, 0, 0);
    memcpy((*i)->ram + CODE, code, n);
    ck_assert_int_eq(cpu_run((*x)->cpu, 100000), CPU_EXIT_HALT);
    ck_assert_int_eq(cpu_run((*i)->cpu, 100000), CPU_EXIT_HALT);
    same_state(*i, *x);
}

/* A loop that stores into its own 64-byte chunk each time round, after
 * its code: the write voids no block (invalidation is by the bytes each
 * block holds), so the loop stays translated, and the result is right.
 *   mov cx, 200 / l: mov [d], cl / dec cx / jnz l / hlt / d: db 0 */
START_TEST(data_beside_code_voids_nothing)
{
    cur = backends[_i];
    static const uint8_t code[] = {0xb9, 0xc8, 0x00, 0x88, 0x0e, 0x0c, 0x10,
                                   0x49, 0x75, 0xf9, 0xf4, 0x90, 0x00};
    struct tmach *x, *i;
    run_both_16(code, sizeof code, &x, &i);
    ck_assert_uint_eq(x->ram[CODE + 0xc], 1);
    struct tr_stats s = stats_of(x);
    ck_assert_uint_eq(s.invalidated, 0);
    ck_assert_uint_eq(s.hot_pages, 0);
    ck_assert_uint_lt(s.fallbacks, 5);
    /* A device write beside the code (with no code run after it) clears
     * the page's marks; the blocks mark their bytes again, so a write into
     * the loop's code still voids both blocks holding it (from mov cx and
     * from l). */
    memmap_write(x->mem, CODE + 0xc, 7, 1);
    ck_assert_uint_eq(stats_of(x).invalidated, 0);
    memmap_write(x->mem, CODE + 5, 0x0d, 1);
    ck_assert_uint_eq(stats_of(x).invalidated, 2);
    tm_destroy(i);
    tm_destroy(x);
}
END_TEST

/* A loop that rewrites an instruction of its own block each time round:
 * after TR_SMC_HOT invalidations the page is left to the interpreter, and
 * the result is still right.
 *   mov cx, 200 / l: mov [m+1], cl / nop / nop / m: mov al, 0 / dec cx /
 *   jnz l / hlt */
START_TEST(rewritten_page_goes_to_the_interpreter)
{
    cur = backends[_i];
    static const uint8_t code[] = {0xb9, 0xc8, 0x00, 0x88, 0x0e, 0x0a, 0x10, 0x90,
                                   0x90, 0xb0, 0x00, 0x49, 0x75, 0xf5, 0xf4};
    struct tmach *x, *i;
    run_both_16(code, sizeof code, &x, &i);
    ck_assert_uint_eq(REG(x, R_EAX) & 0xff, 1);
    struct tr_stats s = stats_of(x);
    ck_assert_uint_eq(s.hot_pages, 1);
    ck_assert_uint_gt(s.fallbacks, 100);
    ck_assert_uint_le(s.invalidated, 2 * 16 + 2);
    tm_destroy(i);
    tm_destroy(x);
}
END_TEST

/* The INTR line raised between runs is taken at the same instruction, and
 * the program ends the same, under both engines. */
START_TEST(interrupts_arrive_at_the_same_instruction)
{
    cur = backends[_i];
    for (uint64_t at = 3; at < 900; at += 53) {
        struct tmach *t[2] = {make(false, false, 0, 0), make(false, true, 0, 0)};
        for (int k = 0; k < 2; k++) {
            struct cpu *cpu = t[k]->cpu;
            cpu->eflags |= EF_IF;
            cpu_run(cpu, at);
            irq_pending_vector = 8;
            cpu_set_irq(cpu, true);
            ck_assert_int_eq(cpu_run(cpu, 1000000), CPU_EXIT_HALT);
            ck_assert_uint_eq(rd16(t[k], IRQ_COUNT), 1);
        }
        same_state(t[0], t[1]);
        tm_destroy(t[0]);
        tm_destroy(t[1]);
    }
}
END_TEST

/* `code` at `at` in real mode, run under both engines for every budget up
 * to `max` and to the end: the same state each time. */
static void compare_code(const uint8_t *code, size_t len, uint32_t at, uint64_t max)
{
    for (uint64_t n = 1; n <= max + 1; n++) {
        struct tmach *t[2] = {make(false, false, 0, 0), make(false, true, 0, 0)};
        for (int k = 0; k < 2; k++) {
            memcpy(t[k]->ram + at, code, len);
            t[k]->cpu->eip = at;
            /* #GP (13) and #SS (12) go to a HLT at IRQ_HANDLER + 0x10. */
            t[k]->ram[IRQ_HANDLER + 0x10] = 0xf4;
            wr16(t[k], 13 * 4, IRQ_HANDLER + 0x10);
            wr16(t[k], 12 * 4, IRQ_HANDLER + 0x10);
            cpu_run(t[k]->cpu, n <= max ? n : 1000);
        }
        same_state(t[0], t[1]);
        tm_destroy(t[0]);
        tm_destroy(t[1]);
    }
}

/* inc ax / add bx, 2 / push ax / pop word [0xffff] (the pop moves SP, then
 * the store crosses the DS limit: #GP, and SP must be back) / inc cx / hlt */
START_TEST(fault_inside_a_block_restores_the_registers)
{
    cur = backends[_i];
    static const uint8_t code[] = {0x40, 0x83, 0xc3, 0x02, 0x50, 0x8f,
                                   0x06, 0xff, 0xff, 0x41, 0xf4};
    compare_code(code, sizeof code, CODE, 8);
    struct tmach *x = make(false, true, 0, 0);
    memcpy(x->ram + CODE, code, sizeof code);
    x->ram[IRQ_HANDLER + 0x10] = 0xf4;
    wr16(x, 13 * 4, IRQ_HANDLER + 0x10);
    ck_assert_int_eq(cpu_run(x->cpu, 100), CPU_EXIT_HALT);
    /* The handler's frame: IP of the POP, SP as before it (push left 2 bytes). */
    ck_assert_uint_eq(REG(x, R_ESP), STACK - 2 - 6);
    ck_assert_uint_eq(rd16(x, STACK - 2 - 6), CODE + 5);
    ck_assert_uint_eq(REG(x, R_ECX) & 0xffff, 0);
    tm_destroy(x);
}
END_TEST

/* Four INCs, then mov bx, 0x1234 across a page boundary (left to the
 * interpreter), inc bx, and a block ending at the end of CS (IP wraps). */
START_TEST(page_crossing_and_cs_end)
{
    cur = backends[_i];
    static const uint8_t code[] = {0x40, 0x40, 0x40, 0x40, 0xbb, 0x34, 0x12, 0x43, 0xf4};
    compare_code(code, sizeof code, 0x1ffa, 10);
    /* mov ax, 1 / inc ax at 0xfffc..0xffff, then IP wraps to 0: hlt. */
    static const uint8_t tail[] = {0xb8, 0x01, 0x00, 0x40};
    struct tmach *t[2] = {make(false, false, 0, 0), make(false, true, 0, 0)};
    for (int k = 0; k < 2; k++) {
        memcpy(t[k]->ram + 0xfffc, tail, sizeof tail);
        t[k]->ram[0] = 0xf4;
        t[k]->cpu->eip = 0xfffc;
        ck_assert_int_eq(cpu_run(t[k]->cpu, 100), CPU_EXIT_HALT);
        ck_assert_uint_eq(t[k]->cpu->eip, 1);
        ck_assert_uint_eq(REG(t[k], R_EAX) & 0xffff, 2);
    }
    same_state(t[0], t[1]);
    tm_destroy(t[0]);
    tm_destroy(t[1]);
}
END_TEST

/* Linear 0x400000 mapped to one code page, then to another (as a MOV CR3
 * would), then back: the blocks and chains of one never run for the other.
 *   mov ecx, 10 / l: add eax, N / dec ecx / jnz l / hlt */
START_TEST(remapped_code_page)
{
    cur = backends[_i];
    struct tmach *t[2] = {make(true, false, 0, 0), make(true, true, 0, 0)};
    for (int k = 0; k < 2; k++) {
        struct tmach *m = t[k];
        for (uint32_t n = 1; n <= 2; n++) {
            static const uint8_t loop[] = {0xb9, 0x0a, 0,    0,    0,    0x83,
                                           0xc0, 0,    0x49, 0x75, 0xfa, 0xf4};
            memcpy(m->ram + 0x4000 + 0x1000 * n, loop, sizeof loop);
            m->ram[0x4000 + 0x1000 * n + 7] = (uint8_t)n;
        }
        wr32(m, 0x20000, 0x21000 | 3); /* PDE 0: identity, first 1 MiB */
        wr32(m, 0x20004, 0x22000 | 3); /* PDE 1: 0x400000 -> below */
        for (uint32_t p = 0; p < 256; p++)
            wr32(m, 0x21000 + 4 * p, p << 12 | 3);
        m->cpu->cr3 = 0x20000;
        m->cpu->cr0 |= CR0_PG;
        SETREG(m, R_EAX, 0);
        for (int round = 0; round < 4; round++) {
            wr32(m, 0x22000, (round & 1 ? 0x6000 : 0x5000) | 3);
            mmu_flush_all(m->cpu);
            m->cpu->eip = 0x400000;
            m->cpu->halted = false;
            ck_assert_int_eq(cpu_run(m->cpu, 1000), CPU_EXIT_HALT);
        }
        ck_assert_uint_eq(REG(m, R_EAX), 10 + 20 + 10 + 20);
    }
    same_state(t[0], t[1]);
    tm_destroy(t[0]);
    tm_destroy(t[1]);
}
END_TEST

/* The same physical loop run as 0100:0000 and as 0000:1000 (its near jump
 * lands on other linear addresses), and at a CS base that is not a page
 * multiple. mov cx, 5 / l: inc ax / loop l / retf */
START_TEST(same_code_under_other_cs_bases)
{
    cur = backends[_i];
    static const uint8_t code[] = {0xb9, 0x05, 0x00, 0x40, 0xe2, 0xfd, 0xcb};
    struct tmach *t[2] = {make(false, false, 0, 0), make(false, true, 0, 0)};
    for (int k = 0; k < 2; k++) {
        struct tmach *m = t[k];
        memcpy(m->ram + 0x1000, code, sizeof code);
        SETREG(m, R_EAX, 0);
        static const uint32_t bases[] = {0x1000, 0, 0x0ff0, 0x1000, 0};
        for (int i = 0; i < 5; i++) {
            uint32_t base = bases[i];
            /* far-call it from a HLT at 0000:0600 (RETF comes back there) */
            m->ram[0x600] = 0xf4;
            SETREG(m, R_ESP, STACK - 4);
            wr16(m, STACK - 4, 0x600);
            wr16(m, STACK - 2, 0);
            m->cpu->seg[SEG_CS].sel = (uint16_t)(base >> 4);
            m->cpu->seg[SEG_CS].base = base;
            m->cpu->eip = 0x1000 - base;
            m->cpu->halted = false;
            ck_assert_int_eq(cpu_run(m->cpu, 1000), CPU_EXIT_HALT);
            ck_assert_uint_eq(m->cpu->eip, 0x601);
        }
        ck_assert_uint_eq(REG(m, R_EAX) & 0xffff, 25);
    }
    same_state(t[0], t[1]);
    tm_destroy(t[0]);
    tm_destroy(t[1]);
}
END_TEST

/* TR_MODE_FLAT: flat 32-bit protected mode has it, real mode not; under it
 * a load of DS ends the block (the rest runs under the new mode), without
 * it the block goes on.
 *   mov ax, 0x18 / mov ds, ax / mov eax, [0x100] / mov bx, 0x10 / mov ds, bx /
 *   mov ecx, [0x100] / hlt     (0x18: data at base 0x10000) */
START_TEST(flat_mode_and_segment_loads)
{
    cur = backends[_i];
    static const uint8_t code[] = {0x66, 0xb8, 0x18, 0x00, 0x8e, 0xd8, 0xa1, 0x00,
                                   0x01, 0x00, 0x00, 0x66, 0xbb, 0x10, 0x00, 0x8e,
                                   0xdb, 0x8b, 0x0d, 0x00, 0x01, 0x00, 0x00, 0xf4};
    struct tmach *t[2] = {make(true, false, 0, 0), make(true, true, 0, 0)};
    for (int k = 0; k < 2; k++) {
        struct tmach *m = t[k];
        ck_assert(!(tr_mode(m->cpu) & TR_MODE_FLAT)); /* make(): ES at ES_BASE */
        m->cpu->seg[SEG_ES].base = 0;
        ck_assert(tr_mode(m->cpu) & TR_MODE_FLAT);
        wr32(m, 0x500, 0), wr32(m, 0x504, 0);
        wr32(m, 0x508, 0x0000ffff), wr32(m, 0x50c, 0x00cf9b00); /* code, flat */
        wr32(m, 0x510, 0x0000ffff), wr32(m, 0x514, 0x00cf9300); /* data, flat */
        wr32(m, 0x518, 0x0000ffff), wr32(m, 0x51c, 0x00409301); /* data at 0x10000, 64K */
        m->cpu->gdtr = (struct dtr){.base = 0x500, .limit = 0x1f};
        wr32(m, 0x100, 0x11111111);
        wr32(m, 0x10100, 0x22222222);
        memcpy(m->ram + CODE, code, sizeof code);
        ck_assert_int_eq(cpu_run(m->cpu, 100), CPU_EXIT_HALT);
        ck_assert_uint_eq(REG(m, R_EAX), 0x22222222);
        ck_assert_uint_eq(REG(m, R_ECX), 0x11111111);
    }
    same_state(t[0], t[1]);
    /* Ended after the first MOV DS (flat), not after the second. */
    ck_assert_uint_eq(tr_blocks_on_page(tr_of_cpu(t[1]->cpu), CODE), 2);
    struct tmach *r = make(false, false, 0, 0);
    ck_assert(!(tr_mode(r->cpu) & TR_MODE_FLAT));
    tm_destroy(r);
    tm_destroy(t[0]);
    tm_destroy(t[1]);
}
END_TEST

/* Code in MMIO (a device's memory): never a block, run by the interpreter,
 * with the same result. inc ax / inc ax / hlt at 0x90000. */
static uint8_t mmio_code[16] = {0x40, 0x40, 0xf4};
static uint32_t mmio_read(void *opaque, uint32_t off, int size)
{
    (void)opaque;
    uint32_t v = 0;
    for (int i = 0; i < size && off + i < sizeof mmio_code; i++)
        v |= (uint32_t)mmio_code[off + i] << (8 * i);
    return v;
}
static void mmio_write(void *opaque, uint32_t off, uint32_t v, int size)
{
    (void)opaque, (void)off, (void)v, (void)size;
}

START_TEST(code_in_mmio_runs_in_the_interpreter)
{
    cur = backends[_i];
    static const struct io_ops ops = {.read = mmio_read, .write = mmio_write, .sizes = 0};
    struct tmach *x = make(false, true, 0, 0);
    memmap_add_mmio(x->mem, 0xf0000, 0x1000, &ops, NULL);
    x->cpu->seg[SEG_CS].base = 0xf0000;
    x->cpu->seg[SEG_CS].sel = 0xf000;
    x->cpu->eip = 0;
    SETREG(x, R_EAX, 5);
    ck_assert_int_eq(cpu_run(x->cpu, 100), CPU_EXIT_HALT);
    ck_assert_uint_eq(REG(x, R_EAX), 7);
    ck_assert_uint_eq(x->cpu->eip, 3);
    struct tr_stats s = stats_of(x);
    ck_assert_uint_eq(s.blocks_built, 0);
    ck_assert_uint_ge(s.fallbacks, 3);
    tm_destroy(x);
}
END_TEST

START_TEST(accel_spellings)
{
    struct tr_accel a;
    char err[256];
    ck_assert(tr_accel_parse("interp", &a, err, sizeof err) && !a.tcg);
    ck_assert(tr_accel_parse("tcg", &a, err, sizeof err) && a.tcg && a.backend);
    ck_assert(tr_accel_parse("tcg,backend=threaded", &a, err, sizeof err));
    ck_assert_ptr_eq(a.backend, &tr_backend_threaded);
    ck_assert(tr_accel_parse("tcg,thread=single", &a, err, sizeof err) && a.tcg);
    ck_assert(!tr_accel_parse("kvm", &a, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "not available"));
    ck_assert(!tr_accel_parse("tcg,backend=sparc", &a, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "sparc"));
    ck_assert(!tr_accel_parse("tcg,fast=yes", &a, err, sizeof err));
    ck_assert(!tr_accel_parse("xen", &a, err, sizeof err));
    ck_assert(!tr_accel_parse("", &a, err, sizeof err));
}
END_TEST

int main(void)
{
    backends[nbackends++] = &tr_backend_threaded;
    if (tr_backend_by_name("x64"))
        backends[nbackends++] = tr_backend_by_name("x64");
    Suite *s = suite_create("translator");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, budget_exact_16, 0, nbackends);
    tcase_add_loop_test(tc, budget_exact_32, 0, nbackends);
    tcase_add_loop_test(tc, runs_to_the_end_reusing_and_chaining_blocks, 0, nbackends);
    tcase_add_loop_test(tc, full_arena_is_flushed_whole, 0, nbackends);
    tcase_add_loop_test(tc, write_to_code_voids_and_unchains_its_blocks, 0, nbackends);
    tcase_add_loop_test(tc, patching_the_next_instruction, 0, nbackends);
    tcase_add_loop_test(tc, data_beside_code_voids_nothing, 0, nbackends);
    tcase_add_loop_test(tc, rewritten_page_goes_to_the_interpreter, 0, nbackends);
    tcase_add_loop_test(tc, interrupts_arrive_at_the_same_instruction, 0, nbackends);
    tcase_add_loop_test(tc, fault_inside_a_block_restores_the_registers, 0, nbackends);
    tcase_add_loop_test(tc, page_crossing_and_cs_end, 0, nbackends);
    tcase_add_loop_test(tc, remapped_code_page, 0, nbackends);
    tcase_add_loop_test(tc, same_code_under_other_cs_bases, 0, nbackends);
    tcase_add_loop_test(tc, flat_mode_and_segment_loads, 0, nbackends);
    tcase_add_loop_test(tc, code_in_mmio_runs_in_the_interpreter, 0, nbackends);
    tcase_add_test(tc, accel_spellings);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
