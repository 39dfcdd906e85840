/* The decoded-instruction cache and code-page write tracking through the
 * real run loop (cpu_run), real mode, code in RAM: device (DMA-like) writes
 * of code, writes next to code, memory-map changes, interrupts raised in the
 * middle of a trace, exact instruction budgets, and the registers left by a
 * fault in an instruction that takes no snapshot (cpu/icache.c). */
#include "test_core_harness.h"

#include "mmu/codepages.h"

#define CODE    0x1000u
#define STACK   0x7c00u
#define HANDLER 0x7000u /* every exception handler: hlt */

static struct tmach *t;

static void setup(void)
{
    t = tm_create();
    t->ram[HANDLER] = 0xf4;
    for (int v = 0; v < 32; v++)
        wr32(t, v * 4, HANDLER); /* IVT: 0000:7000 */
    t->cpu->idtr = (struct dtr){.base = 0, .limit = 0x3ff};
    SETREG(t, R_ESP, STACK);
}
static void teardown(void)
{
    tm_destroy(t);
}

/* Put code at CODE through the memory map (as a loader or a device would). */
static void load(const uint8_t *code, size_t n)
{
    memmap_write_buf(t->mem, CODE, code, n);
}
#define LOAD(...)                                                                                  \
    do {                                                                                           \
        static const uint8_t code_[] = {__VA_ARGS__};                                              \
        load(code_, sizeof code_);                                                                 \
    } while (0)

/* Run from CODE until HLT. */
static void run_code(void)
{
    t->cpu->eip = CODE;
    t->cpu->halted = false;
    ck_assert_int_eq(cpu_run(t->cpu, 1000), CPU_EXIT_HALT);
}

START_TEST(device_write_replaces_cached_code)
{
    LOAD(0xb0, 0x01, /* mov al, 1 */
         0x40,       /* inc ax */
         0xf4);      /* hlt */
    run_code();
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 2);
    /* A device writes one byte of the cached trace (memmap_write, as DMA). */
    memmap_write(t->mem, CODE + 1, 0x10, 1);
    run_code();
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 0x11);
    /* A block write (memmap_write_buf) replacing the whole trace. */
    static const uint8_t other[] = {0xb0, 0x20, 0x48, 0xf4}; /* mov al, 0x20; dec ax; hlt */
    memmap_write_buf(t->mem, CODE, other, sizeof other);
    run_code();
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 0x1f);
}
END_TEST

START_TEST(data_next_to_code_keeps_it_and_code_writes_drop_it)
{
    struct codepages *cp = memmap_codepages(t->mem);
    LOAD(0xc6, 0x06, 0x00, 0x11, 0x5a, /* mov byte [0x1100], 0x5a: other chunk */
         0xf4);                        /* hlt */
    run_code();
    ck_assert_uint_eq(t->ram[0x1100], 0x5a);
    ck_assert(codepage_is_marked(cp, CODE));
    uint32_t gen = codepage_gen(cp, CODE);
    run_code(); /* writes data in another 64-byte chunk of the code page */
    ck_assert_uint_eq(codepage_gen(cp, CODE), gen);
    /* A store into the chunk that holds the code drops the page's code. */
    LOAD(0xc6, 0x06, 0x08, 0x10, 0x5a, /* mov byte [0x1008], 0x5a */
         0xf4);
    ck_assert_uint_ne(codepage_gen(cp, CODE), gen); /* memmap_write_buf reported it */
    gen = codepage_gen(cp, CODE);
    run_code();
    ck_assert_uint_ne(codepage_gen(cp, CODE), gen); /* and so did the CPU's store */
    ck_assert_uint_eq(t->ram[0x1008], 0x5a);
}
END_TEST

START_TEST(store_patches_the_next_instruction)
{
    /* The trace [mov byte [0x1007], 0x42; mov al, 0; hlt] is decoded before
     * its first instruction rewrites the second one's immediate. */
    LOAD(0xc6, 0x06, 0x07, 0x10, 0x42, /* 1000 mov byte [0x1007], 0x42 */
         0x90,                         /* 1005 nop */
         0xb0, 0x00,                   /* 1006 mov al, 0 */
         0xf4);                        /* 1008 hlt */
    run_code();
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 0x42);
}
END_TEST

START_TEST(memory_map_change_drops_cached_code)
{
    static uint8_t other[0x1000];
    LOAD(0xb0, 0x01, 0xf4); /* mov al, 1; hlt */
    run_code();
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 1);
    /* Another RAM block now answers at the code's page (as PAM or a BAR
     * remapping would do), holding different code. */
    memset(other, 0xf4, sizeof other);
    other[0] = 0xb0;
    other[1] = 0x07;
    memmap_add_ram(t->mem, CODE, sizeof other, other, false);
    run_code();
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 7);
}
END_TEST

/* A device that raises INTR on a memory-mapped write, in the middle of a
 * trace: the interrupt is taken right after that instruction. */
struct irq_dev {
    struct cpu *cpu;
    uint32_t ecx_at_ack, eip_at_ack;
};
static struct irq_dev dev;
static void irq_dev_write(void *opaque, uint32_t off, uint32_t value, int size)
{
    (void)off, (void)value, (void)size;
    cpu_set_irq(((struct irq_dev *)opaque)->cpu, true);
}
static uint32_t irq_dev_read(void *opaque, uint32_t off, int size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}
static const struct io_ops irq_dev_ops = {irq_dev_read, irq_dev_write, 0};
static int irq_ack(void *opaque)
{
    struct irq_dev *d = opaque;
    d->ecx_at_ack = (uint32_t)d->cpu->gpr[R_ECX];
    d->eip_at_ack = d->cpu->eip;
    cpu_set_irq(d->cpu, false);
    return 0x20;
}

START_TEST(interrupt_raised_by_mmio_mid_trace)
{
    memset(&dev, 0, sizeof dev);
    dev.cpu = t->cpu;
    memmap_add_mmio(t->mem, 0xa0000, 0x1000, &irq_dev_ops, &dev);
    t->cpu->hooks.opaque = &dev;
    t->cpu->hooks.ack_irq = irq_ack;
    wr32(t, 0x20 * 4, HANDLER);
    tm_seg(t->cpu, SEG_ES, 0xa000, 0xa0000, 0xffff, TM_DATA16);
    LOAD(0x41,                   /* 1000 inc cx */
         0x26, 0xa2, 0x00, 0x00, /* 1001 mov [es:0], al: raises INTR */
         0x41, 0x41,             /* 1005 inc cx; inc cx */
         0xf4);
    SETREG(t, R_ECX, 0);
    cpu_set_eflags(t->cpu, EF_FIXED1 | EF_IF, 0xffffffffu);
    run_code();
    ck_assert_uint_eq(dev.ecx_at_ack, 1);
    ck_assert_uint_eq(dev.eip_at_ack, 0x1005);
    ck_assert_uint_eq(t->cpu->eip, HANDLER + 1);
}
END_TEST

START_TEST(budget_is_exact_inside_a_trace)
{
    LOAD(0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0xf4); /* inc cx x6; hlt */
    SETREG(t, R_ECX, 0);
    t->cpu->eip = CODE;
    uint64_t ic = t->cpu->icount;
    ck_assert_int_eq(cpu_run(t->cpu, 4), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(t->cpu->icount - ic, 4);
    ck_assert_uint_eq(REG(t, R_ECX), 4);
    ck_assert_uint_eq(t->cpu->eip, CODE + 4);
    ck_assert_int_eq(cpu_run(t->cpu, 1), CPU_EXIT_BUDGET);
    ck_assert_uint_eq(REG(t, R_ECX), 5);
    ck_assert_int_eq(cpu_run(t->cpu, 100), CPU_EXIT_HALT);
    ck_assert_uint_eq(REG(t, R_ECX), 6);
}
END_TEST

/* Instructions that take no snapshot, faulting after an instruction that
 * changed registers and flags: every register and flag must be as the
 * faulting instruction found it. `inc si` (SI 7FFF -> 8000) changes SI and
 * OF SF AF PF ZF; BX = 0xFFFF makes a word access through [bx] wrap the
 * segment (#GP, delivered: the frame tells), SP = 0xFFFF a pop (#SS), and
 * SP = 1 a push: #SS, which cannot be delivered on that stack either, so the
 * CPU shuts down with the registers restored to the instruction's start. */
struct clean_case {
    const char *name;
    uint8_t bytes[8];
    int len;
    uint16_t sp;
    bool shutdown;
};
static const struct clean_case clean_cases[] = {
    {"add ax,[bx]", {0x03, 0x07}, 2, STACK, false},
    {"adc ax,[bx]", {0x13, 0x07}, 2, STACK, false},
    {"sub ax,[bx]", {0x2b, 0x07}, 2, STACK, false},
    {"xor ax,[bx]", {0x33, 0x07}, 2, STACK, false},
    {"cmp [bx],ax", {0x39, 0x07}, 2, STACK, false},
    {"cmp ax,[bx]", {0x3b, 0x07}, 2, STACK, false},
    {"cmp word [bx],5", {0x83, 0x3f, 0x05}, 3, STACK, false},
    {"cmp word [bx],imm16", {0x81, 0x3f, 0x34, 0x12}, 4, STACK, false},
    {"test [bx],ax", {0x85, 0x07}, 2, STACK, false},
    {"mov [bx],ax", {0x89, 0x07}, 2, STACK, false},
    {"mov ax,[bx]", {0x8b, 0x07}, 2, STACK, false},
    {"mov word [bx],imm", {0xc7, 0x07, 0x34, 0x12}, 4, STACK, false},
    {"imul ax,[bx],5", {0x6b, 0x07, 0x05}, 3, STACK, false},
    {"imul ax,[bx],imm16", {0x69, 0x07, 0x34, 0x12}, 4, STACK, false},
    {"imul ax,[bx]", {0x0f, 0xaf, 0x07}, 3, STACK, false},
    {"movzx ax,word [bx]", {0x0f, 0xb7, 0x07}, 3, STACK, false},
    {"movsx eax,word [bx]", {0x66, 0x0f, 0xbf, 0x07}, 4, STACK, false},
    {"cmovz ax,[bx]", {0x0f, 0x44, 0x07}, 3, STACK, false},
    {"mov [bx],eax", {0x66, 0x89, 0x07}, 3, STACK, false},
    {"push ax", {0x50}, 1, 1, true},
    {"push imm", {0x6a, 0x05}, 2, 1, true},
    {"push imm16", {0x68, 0x34, 0x12}, 3, 1, true},
    {"pop ax", {0x58}, 1, 0xffff, false},
    {"call rel", {0xe8, 0x00, 0x00}, 3, 1, true},
    {"fld qword [bx]", {0xdd, 0x07}, 2, STACK, false},
    {"fadd qword [bx]", {0xdc, 0x07}, 2, STACK, false},
    {"fild word [bx]", {0xdf, 0x07}, 2, STACK, false},
    {"fnstcw [bx]", {0xd9, 0x3f}, 2, STACK, false},
    {"fnstsw [bx]", {0xdd, 0x3f}, 2, STACK, false},
    {"fnstenv [bx]", {0xd9, 0x37}, 2, STACK, false},
};

START_TEST(clean_instruction_fault_leaves_registers)
{
    const struct clean_case *c = &clean_cases[_i];
    uint8_t code[16];
    int n = 0;
    code[n++] = 0x46; /* inc si */
    memcpy(code + n, c->bytes, c->len);
    n += c->len;
    code[n++] = 0xf4;
    load(code, n);

    static const uint32_t init[8] = {0x11112222, 0x33334444, 0x55556666, 0x0000ffff,
                                     0,          0x77778888, 0x00007fff, 0x9999aaaa};
    for (int r = 0; r < 8; r++)
        SETREG(t, r, init[r]);
    SETREG(t, R_ESP, c->sp);
    tm_seg(t->cpu, SEG_SS, 0, 0, 0xffff, TM_DATA16);
    cpu_set_eflags(t->cpu, EF_FIXED1 | EF_CF, 0xffffffffu);
    t->cpu->eip = CODE;
    uint16_t want_flags = EF_FIXED1 | EF_CF | EF_OF | EF_SF | EF_AF | EF_PF;
    if (c->shutdown) {
        ck_assert_int_eq(cpu_run(t->cpu, 100), CPU_EXIT_TRIPLE_FAULT);
        ck_assert_uint_eq(t->cpu->eip, CODE + 1);
        ck_assert_msg(cpu_get_eflags(t->cpu) == want_flags, "%s: FLAGS %04x", c->name,
                      cpu_get_eflags(t->cpu));
        for (int r = 0; r < 8; r++) {
            uint32_t want = r == R_ESI ? 0x8000 : r == R_ESP ? c->sp : init[r];
            ck_assert_msg(REG(t, r) == want, "%s: reg %d = %08x want %08x", c->name, r, REG(t, r),
                          want);
        }
        return;
    }
    ck_assert_int_eq(cpu_run(t->cpu, 100), CPU_EXIT_HALT);
    ck_assert_msg(t->cpu->eip == HANDLER + 1, "%s: no fault", c->name);
    /* The fault frame: IP of the faulting instruction, FLAGS after inc si. */
    uint16_t sp = (uint16_t)REG(t, R_ESP);
    ck_assert_msg(rd16(t, sp) == CODE + 1, "%s: pushed IP %04x", c->name, rd16(t, sp));
    ck_assert_msg(rd16(t, sp + 4) == want_flags, "%s: pushed FLAGS %04x want %04x", c->name,
                  rd16(t, sp + 4), want_flags);
    ck_assert_msg(sp == (uint16_t)(c->sp - 6), "%s: SP %04x", c->name, sp);
    for (int r = 0; r < 8; r++) {
        if (r == R_ESP)
            continue;
        uint32_t want = r == R_ESI ? 0x8000 : init[r];
        ck_assert_msg(REG(t, r) == want, "%s: reg %d = %08x want %08x", c->name, r, REG(t, r),
                      want);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("icache");
    TCase *tc = tcase_create("icache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, device_write_replaces_cached_code);
    tcase_add_test(tc, data_next_to_code_keeps_it_and_code_writes_drop_it);
    tcase_add_test(tc, store_patches_the_next_instruction);
    tcase_add_test(tc, memory_map_change_drops_cached_code);
    tcase_add_test(tc, interrupt_raised_by_mmio_mid_trace);
    tcase_add_test(tc, budget_is_exact_inside_a_trace);
    tcase_add_loop_test(tc, clean_instruction_fault_leaves_registers, 0,
                        (int)(sizeof clean_cases / sizeof clean_cases[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
