/* The CPU's declared state (cpu/cpu_state.c): halfix's self-check -- run a
 * guest, save CPU + RAM, run N instructions, restore, run N again, and the two
 * ends must be identical bit for bit -- plus what post_load re-derives. */
#include "test_prot_harness.h"

#include "cpu/cpu_state.h"

/* Guest at 0x10000, 32-bit ring 0 (nasm source in the comments): identity
 * paging with a 4 MiB page, then a loop of ALU, memory, stack, x87, SSE,
 * INT 30h and REP MOVSD, while the test raises INTR (vector 20h) every
 * chunk of instructions. */
/* clang-format off */
static const uint8_t guest_main[] = {
    /* mov dword [0x20000], 0x83 ; mov eax, cr4 ; or eax, 0x210 (PSE|OSFXSR)
     * mov cr4, eax ; mov eax, 0x20000 ; mov cr3, eax ; mov eax, cr0
     * or eax, 0x80000000 ; mov cr0, eax ; fninit */
    0xc7, 0x05, 0x00, 0x00, 0x02, 0x00, 0x83, 0x00, 0x00, 0x00, 0x0f, 0x20, 0xe0, 0x0d, 0x10, 0x02,
    0x00, 0x00, 0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xc0,
    0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0, 0xdb, 0xe3,
    /* mov dword [0x31000..0x3100c]: doubles 1.0 and 1.0000002..;
     * mov dword [0x31020], 1.0f ; mov dword [0x31024], 2.0f ; movups xmm1, [0x31020]
     * mov esi, 0x30000 ; xor ecx, ecx ; mov ebx, 12345 ; sti */
    0xc7, 0x05, 0x00, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x04, 0x10, 0x03, 0x00,
    0x00, 0x00, 0xf0, 0x3f, 0xc7, 0x05, 0x08, 0x10, 0x03, 0x00, 0xf0, 0xde, 0xbc, 0x9a, 0xc7, 0x05,
    0x0c, 0x10, 0x03, 0x00, 0x01, 0x00, 0xf0, 0x3f, 0xc7, 0x05, 0x20, 0x10, 0x03, 0x00, 0x00, 0x00,
    0x80, 0x3f, 0xc7, 0x05, 0x24, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x40, 0x0f, 0x10, 0x0d, 0x20,
    0x10, 0x03, 0x00, 0xbe, 0x00, 0x00, 0x03, 0x00, 0x31, 0xc9, 0xbb, 0x39, 0x30, 0x00, 0x00, 0xfb,
    /* .loop: imul ebx, ebx, 1103515245 ; add ebx, 12345 ; mov eax, ebx ; shr eax, 20
     * and eax, 0xffc ; add [esi+eax], ebx ; adc edx, eax ; inc ecx ; push ecx
     * fld qword [0x31000] ; fmul qword [0x31008] ; fstp qword [0x31000]
     * movups xmm0, [0x31010] ; addps xmm0, xmm1 ; movups [0x31010], xmm0 ; int 0x30
     * push esi ; mov edi, 0x32000 ; mov ecx, 100 ; rep movsd ; pop esi ; pop ecx
     * jmp .loop */
    0x69, 0xdb, 0x6d, 0x4e, 0xc6, 0x41, 0x81, 0xc3, 0x39, 0x30, 0x00, 0x00, 0x89, 0xd8, 0xc1, 0xe8,
    0x14, 0x25, 0xfc, 0x0f, 0x00, 0x00, 0x01, 0x1c, 0x06, 0x11, 0xc2, 0x41, 0x51, 0xdd, 0x05, 0x00,
    0x10, 0x03, 0x00, 0xdc, 0x0d, 0x08, 0x10, 0x03, 0x00, 0xdd, 0x1d, 0x00, 0x10, 0x03, 0x00, 0x0f,
    0x10, 0x05, 0x10, 0x10, 0x03, 0x00, 0x0f, 0x58, 0xc1, 0x0f, 0x11, 0x05, 0x10, 0x10, 0x03, 0x00,
    0xcd, 0x30, 0x56, 0xbf, 0x00, 0x20, 0x03, 0x00, 0xb9, 0x64, 0x00, 0x00, 0x00, 0xf3, 0xa5, 0x5e,
    0x59, 0xeb, 0xad,
};
/* clang-format on */
/* 0x10200: add dword [0x31030], 1 ; iret */
static const uint8_t guest_int30[] = {0x83, 0x05, 0x30, 0x10, 0x03, 0x00, 0x01, 0xcf};
/* 0x10300: add dword [0x31034], 3 ; iret */
static const uint8_t guest_irq[] = {0x83, 0x05, 0x34, 0x10, 0x03, 0x00, 0x03, 0xcf};

#define CHUNK     997 /* instructions between two raisings of INTR */
#define STATE_CAP 8192

static int ack_irq(void *opaque)
{
    cpu_set_irq(opaque, false); /* an edge: one interrupt per raising */
    return 0x20;
}

static struct pt *guest_create(void)
{
    struct pt *t = pt_create();
    pt_pmode(t, 0);
    memcpy(t->ram + 0x10000, guest_main, sizeof guest_main);
    memcpy(t->ram + 0x10200, guest_int30, sizeof guest_int30);
    memcpy(t->ram + 0x10300, guest_irq, sizeof guest_irq);
    pt_idt(t, 0x30, pt_gate(PT_CS0, 0x10200, 14, 0, 0));
    pt_idt(t, 0x20, pt_gate(PT_CS0, 0x10300, 14, 0, 0));
    t->cpu->hooks.opaque = t->cpu;
    t->cpu->hooks.ack_irq = ack_irq;
    return t;
}

/* Run until icount reaches `target`, raising INTR at every CHUNK boundary. */
static void run_to(struct cpu *cpu, uint64_t target)
{
    while (cpu->icount < target) {
        uint64_t n = target - cpu->icount;
        cpu_set_irq(cpu, true);
        ck_assert_int_eq(cpu_run(cpu, n < CHUNK ? n : CHUNK), CPU_EXIT_BUDGET);
    }
}

struct image {
    uint8_t cpu[STATE_CAP];
    size_t len;
    uint8_t *ram;
};

static void image_save(struct pt *t, struct image *im)
{
    im->len = vmstate_save(&cpu_vmstate, t->cpu, im->cpu, sizeof im->cpu);
    ck_assert_uint_le(im->len, sizeof im->cpu);
    if (!im->ram)
        im->ram = malloc(PT_RAM);
    memcpy(im->ram, t->ram, PT_RAM);
}

static void image_load(struct pt *t, const struct image *im)
{
    memcpy(t->ram, im->ram, PT_RAM);
    ck_assert_int_eq(vmstate_load(&cpu_vmstate, t->cpu, im->cpu, im->len), 0);
}

static void image_assert_equal(const struct image *a, const struct image *b)
{
    ck_assert_uint_eq(a->len, b->len);
    ck_assert_int_eq(memcmp(a->cpu, b->cpu, a->len), 0);
    ck_assert_int_eq(memcmp(a->ram, b->ram, PT_RAM), 0);
}

#define START 5003 /* past set-up, inside the loop */
#define N     40000

START_TEST(save_continue_restore_continue_same_cpu)
{
    struct pt *t = guest_create();
    struct image s = {0}, a = {0}, b = {0};
    run_to(t->cpu, START);
    ck_assert(t->cpu->cr0 & CR0_PG);
    image_save(t, &s);
    run_to(t->cpu, START + N);
    image_save(t, &a);
    /* The guest made progress that touches every kind of state checked. */
    ck_assert_int_ne(memcmp(s.cpu, a.cpu, s.len), 0);
    ck_assert_uint_gt(memmap_read(t->mem, 0x31030, 4), 100);    /* INT 30h ran */
    ck_assert_uint_gt(memmap_read(t->mem, 0x31034, 4), 3 * 10); /* IRQs taken */
    ck_assert_uint_ne(memmap_read(t->mem, 0x31010, 4), 0);      /* SSE sums */
    ck_assert_uint_ne(t->cpu->fpu.fop, 0);
    image_load(t, &s);
    ck_assert_uint_eq(t->cpu->icount, START);
    run_to(t->cpu, START + N);
    image_save(t, &b);
    image_assert_equal(&a, &b);
    free(s.ram), free(a.ram), free(b.ram);
    pt_destroy(t);
}
END_TEST

/* A second CPU in the same process, from its reset state: every field that
 * matters must be in the table, or its run diverges. */
START_TEST(restore_into_fresh_cpu)
{
    struct pt *t = guest_create(), *u = pt_create();
    struct image s = {0}, a = {0}, b = {0};
    u->cpu->hooks.opaque = u->cpu;
    u->cpu->hooks.ack_irq = ack_irq;
    run_to(t->cpu, START);
    image_save(t, &s);
    run_to(t->cpu, START + N);
    image_save(t, &a);
    image_load(u, &s);
    ck_assert_int_eq(u->cpu->cpl, 0);
    ck_assert(u->cpu->code32 && u->cpu->stack32);
    run_to(u->cpu, START + N);
    image_save(u, &b);
    image_assert_equal(&a, &b);
    free(s.ram), free(a.ram), free(b.ram);
    pt_destroy(u);
    pt_destroy(t);
}
END_TEST

/* post_load flushes the TLB: a restored CR3 with different page tables must
 * be walked, not answered from entries the running CPU had cached. */
START_TEST(post_load_flushes_tlb)
{
    struct pt *t = guest_create();
    run_to(t->cpu, START);
    struct cpu *cpu = t->cpu;
    /* Second directory at 0x21000: 4 KiB pages, identity except that linear
     * 0x30000 maps physical 0x33000. */
    for (uint32_t i = 0; i < 1024; i++)
        pt_wr(t, 0x22000 + i * 4, (i << 12) | 3, 4);
    pt_wr(t, 0x22000 + 0x30 * 4, 0x33000 | 3, 4);
    pt_wr(t, 0x21000, 0x22000 | 3, 4);
    pt_wr(t, 0x30000, 0x11111111, 4);
    pt_wr(t, 0x33000, 0x33333333, 4);
    ck_assert_int_eq(PT_TRY(t, cpu_read_lin(cpu, 0x30000, 4, ACC_READ)), PT_OK);
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x30000, 4, ACC_READ), 0x11111111); /* cached now */
    uint32_t old_cr3 = cpu->cr3;
    cpu->cr3 = 0x21000;
    uint8_t buf[STATE_CAP];
    size_t len = vmstate_save(&cpu_vmstate, cpu, buf, sizeof buf);
    cpu->cr3 = old_cr3;
    cpu->code32 = false, cpu->stack32 = false, cpu->cpl = 0; /* stale derived state */
    ck_assert_int_eq(vmstate_load(&cpu_vmstate, cpu, buf, len), 0);
    ck_assert(cpu->code32 && cpu->stack32);
    ck_assert_uint_eq(cpu->cr3, 0x21000);
    volatile uint32_t v = 0;
    ck_assert_int_eq(PT_TRY(t, v = cpu_read_lin(cpu, 0x30000, 4, ACC_READ)), PT_OK);
    ck_assert_uint_eq(v, 0x33333333);
    pt_destroy(t);
}
END_TEST

/* CPL comes back as saved in protected mode (it is not always CS.RPL), and is
 * re-derived in V86 mode (3) and real mode (0). */
START_TEST(post_load_rederives_cpl)
{
    struct pt *t = pt_create();
    struct cpu *cpu = t->cpu;
    uint8_t buf[STATE_CAP];
    pt_pmode(t, 3);
    size_t len = vmstate_save(&cpu_vmstate, cpu, buf, sizeof buf);
    cpu->cpl = 0;
    ck_assert_int_eq(vmstate_load(&cpu_vmstate, cpu, buf, len), 0);
    ck_assert_int_eq(cpu->cpl, 3);
    cpu->eflags |= EF_VM;
    cpu->cpl = 0; /* inconsistent with VM=1 */
    len = vmstate_save(&cpu_vmstate, cpu, buf, sizeof buf);
    ck_assert_int_eq(vmstate_load(&cpu_vmstate, cpu, buf, len), 0);
    ck_assert_int_eq(cpu->cpl, 3);
    cpu->eflags &= ~EF_VM;
    cpu->cr0 &= ~CR0_PE;
    cpu->cpl = 2; /* inconsistent with real mode */
    len = vmstate_save(&cpu_vmstate, cpu, buf, sizeof buf);
    ck_assert_int_eq(vmstate_load(&cpu_vmstate, cpu, buf, len), 0);
    ck_assert_int_eq(cpu->cpl, 0);
    pt_destroy(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cpu_state");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, save_continue_restore_continue_same_cpu);
    tcase_add_test(tc, restore_into_fresh_cpu);
    tcase_add_test(tc, post_load_flushes_tlb);
    tcase_add_test(tc, post_load_rederives_cpl);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
