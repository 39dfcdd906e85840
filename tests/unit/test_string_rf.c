/* EFLAGS.RF in the image an interrupt or trap pushes around a REP string
 * instruction (SDM Vol. 3A 17.3.1.1): 1 when the event comes after any
 * iteration but the last (the handler returns into the instruction), else
 * the current RF (0). A device raises INTR from an MMIO write mid-string. */
#include "test_prot_harness.h"

#include "mmu/io_ops.h"

/* 0x10000: rep movsb ; hlt */
static const uint8_t code_rep[] = {0xf3, 0xa4, 0xf4};
/* 0x10300, the handler of vectors 1 and 20h: record the pushed EFLAGS and
 * EIP at 0x31010 + 8 * n (n at 0x3100c), ECX at 0x31008, and IRET:
 *   push eax ; push ebx ; mov ebx, [0x3100c] ; mov eax, [esp+16]
 *   mov [0x31010+ebx*8], eax ; mov eax, [esp+8] ; mov [0x31014+ebx*8], eax
 *   mov [0x31008], ecx ; inc dword [0x3100c] ; pop ebx ; pop eax ; iret */
static const uint8_t code_rec[] = {
    0x50, 0x53, 0x8b, 0x1d, 0x0c, 0x10, 0x03, 0x00, 0x8b, 0x44, 0x24, 0x10, 0x89, 0x04, 0xdd,
    0x10, 0x10, 0x03, 0x00, 0x8b, 0x44, 0x24, 0x08, 0x89, 0x04, 0xdd, 0x14, 0x10, 0x03, 0x00,
    0x89, 0x0d, 0x08, 0x10, 0x03, 0x00, 0xff, 0x05, 0x0c, 0x10, 0x03, 0x00, 0x5b, 0x58, 0xcf,
};

#define MMIO_BASE 0x800000u
#define COUNT     100

/* An MMIO "device" that raises INTR on its `raise_at`-th byte written. */
struct dev {
    struct cpu *cpu;
    int writes, raise_at;
};
static uint32_t dev_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque, (void)offset, (void)size;
    return 0;
}
static void dev_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct dev *d = opaque;
    (void)offset, (void)value, (void)size;
    if (++d->writes == d->raise_at)
        cpu_set_irq(d->cpu, true);
}
static const struct io_ops dev_ops = {dev_read, dev_write, 1};

static int ack_irq(void *opaque)
{
    cpu_set_irq(opaque, false);
    return 0x20;
}

static struct pt *rig(struct dev *d, int raise_at)
{
    struct pt *t = pt_create();
    pt_pmode(t, 0);
    memcpy(t->ram + 0x10000, code_rep, sizeof code_rep);
    memcpy(t->ram + 0x10300, code_rec, sizeof code_rec);
    pt_idt(t, 0x20, pt_gate(PT_CS0, 0x10300, 14, 0, 0));
    pt_idt(t, 1, pt_gate(PT_CS0, 0x10300, 14, 0, 0));
    *d = (struct dev){.cpu = t->cpu, .raise_at = raise_at};
    memmap_add_mmio(t->mem, MMIO_BASE, 0x1000, &dev_ops, d);
    t->cpu->hooks.opaque = t->cpu;
    t->cpu->hooks.ack_irq = ack_irq;
    t->cpu->gpr[R_ESI] = 0x30000;
    t->cpu->gpr[R_EDI] = MMIO_BASE;
    t->cpu->gpr[R_ECX] = COUNT;
    cpu_set_eflags(t->cpu, EF_FIXED1 | EF_IF, 0xffffffffu);
    return t;
}

static uint32_t rec(struct pt *t, int n, int word)
{
    return pt_rd(t, 0x31010 + n * 8 + word * 4, 4);
}

START_TEST(interrupt_mid_rep_pushes_rf)
{
    struct dev d;
    struct pt *t = rig(&d, 10);
    ck_assert_int_eq(cpu_run(t->cpu, 1000), CPU_EXIT_HALT);
    ck_assert_int_eq(pt_rd(t, 0x3100c, 4), 1);
    uint32_t ecx = pt_rd(t, 0x31008, 4);
    ck_assert_uint_gt(ecx, 0); /* taken between iterations */
    ck_assert_uint_lt(ecx, COUNT - 9);
    ck_assert_uint_eq(rec(t, 0, 1), 0x10000); /* returns into the REP */
    ck_assert_uint_eq(rec(t, 0, 0) & EF_RF, EF_RF);
    /* The string then completed, and RF is not left set. */
    ck_assert_int_eq(d.writes, COUNT);
    ck_assert_uint_eq(t->cpu->gpr[R_ECX], 0);
    ck_assert_uint_eq(cpu_get_eflags(t->cpu) & EF_RF, 0);
    pt_destroy(t);
}
END_TEST

START_TEST(interrupt_after_last_iteration_pushes_rf_clear)
{
    struct dev d;
    struct pt *t = rig(&d, COUNT);
    ck_assert_int_eq(cpu_run(t->cpu, 1000), CPU_EXIT_HALT);
    ck_assert_int_eq(pt_rd(t, 0x3100c, 4), 1);
    ck_assert_uint_eq(pt_rd(t, 0x31008, 4), 0);
    ck_assert_uint_eq(rec(t, 0, 1), 0x10002); /* after the REP */
    ck_assert_uint_eq(rec(t, 0, 0) & EF_RF, 0);
    pt_destroy(t);
}
END_TEST

/* Single step: a trap after each iteration; RF = 1 in all but the last. */
START_TEST(single_step_rep_pushes_rf_until_last)
{
    struct dev d;
    struct pt *t = rig(&d, 0);
    t->cpu->gpr[R_ECX] = 3;
    cpu_set_eflags(t->cpu, EF_FIXED1 | EF_TF, 0xffffffffu);
    cpu_run(t->cpu, 3 * 16);
    ck_assert_int_ge(pt_rd(t, 0x3100c, 4), 3);
    for (int n = 0; n < 2; n++) {
        ck_assert_uint_eq(rec(t, n, 1), 0x10000);
        ck_assert_uint_eq(rec(t, n, 0) & (EF_RF | EF_TF), EF_RF | EF_TF);
    }
    ck_assert_uint_eq(rec(t, 2, 1), 0x10002);
    ck_assert_uint_eq(rec(t, 2, 0) & (EF_RF | EF_TF), EF_TF);
    ck_assert_int_eq(d.writes, 3);
    pt_destroy(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("string_rf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, interrupt_mid_rep_pushes_rf);
    tcase_add_test(tc, interrupt_after_last_iteration_pushes_rf_clear);
    tcase_add_test(tc, single_step_rep_pushes_rf_until_last);
    suite_add_tcase(s, tc);
    return pt_run_suite(s);
}
