/* Port I/O (IN/OUT, INS/OUTS with REP) against a scratch device, and the
 * small instructions: BOUND, UD0/1/2, FWAIT, hint NOPs. */
#include "test_core_harness.h"
#include "test_util.h"

/* A scratch device on ports 0x300-0x307: a FIFO of bytes for reads, a log
 * of (offset, value, size) for writes. */
struct scratch {
    uint8_t fifo[64];
    int rd;
    uint32_t wlog[64][3];
    int nw;
};

static uint32_t scratch_read(void *opaque, uint32_t off, int size)
{
    struct scratch *s = opaque;
    (void)off;
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)s->fifo[s->rd++ & 63] << (8 * i);
    return v;
}

static void scratch_write(void *opaque, uint32_t off, uint32_t value, int size)
{
    struct scratch *s = opaque;
    s->wlog[s->nw][0] = off;
    s->wlog[s->nw][1] = value;
    s->wlog[s->nw][2] = (uint32_t)size;
    s->nw++;
}

static const struct io_ops scratch_ops = {scratch_read, scratch_write, 0};

static struct tmach *t;
static struct scratch dev;
static void setup(void)
{
    t = tm_create();
    memset(&dev, 0, sizeof dev);
    for (int i = 0; i < 64; i++)
        dev.fifo[i] = (uint8_t)(0x10 + i);
    ioport_register(t->io, 0x300, 8, &scratch_ops, &dev);
}
static void teardown(void) { tm_destroy(t); }

START_TEST(in_out_sizes)
{
    SETREG(t, R_EAX, 0x12345600);
    ck_assert_int_eq(EXEC(t, 0xe4, 0x00), TM_NO_FAULT); /* in al, 0x00: unclaimed port */
    ck_assert_uint_eq(REG(t, R_EAX), 0x123456ff);
    SETREG(t, R_EDX, 0x302);
    SETREG(t, R_EAX, 0);
    ck_assert_int_eq(EXEC(t, 0xec), TM_NO_FAULT); /* in al, dx */
    ck_assert_uint_eq(REG(t, R_EAX), 0x10);
    ck_assert_int_eq(EXEC(t, 0xed), TM_NO_FAULT); /* in ax, dx */
    ck_assert_uint_eq(REG(t, R_EAX), 0x1211);
    ck_assert_int_eq(EXEC(t, 0x66, 0xed), TM_NO_FAULT); /* in eax, dx */
    ck_assert_uint_eq(REG(t, R_EAX), 0x16151413);
    SETREG(t, R_EAX, 0xa1b2c3d4);
    ck_assert_int_eq(EXEC(t, 0xe6, 0x01), TM_NO_FAULT); /* out 0x01, al: unclaimed */
    ck_assert_int_eq(dev.nw, 0);
    ck_assert_int_eq(EXEC(t, 0xee), TM_NO_FAULT); /* out dx, al */
    ck_assert_int_eq(EXEC(t, 0xef), TM_NO_FAULT); /* out dx, ax */
    ck_assert_int_eq(dev.nw, 2);
    ck_assert_int_eq(EXEC(t, 0x66, 0xe7, 0x04), TM_NO_FAULT); /* out 0x04, eax */
    ck_assert_int_eq(dev.nw, 2); /* 0x04 is not ours either */
    SETREG(t, R_EDX, 0x304);
    ck_assert_int_eq(EXEC(t, 0x66, 0xef), TM_NO_FAULT); /* out dx, eax */
    ck_assert_int_eq(dev.nw, 3);
    ck_assert_uint_eq(dev.wlog[0][1], 0xd4);
    ck_assert_uint_eq(dev.wlog[0][2], 1);
    ck_assert_uint_eq(dev.wlog[1][1], 0xc3d4);
    ck_assert_uint_eq(dev.wlog[1][2], 2);
    ck_assert_uint_eq(dev.wlog[2][0], 4);
    ck_assert_uint_eq(dev.wlog[2][1], 0xa1b2c3d4);
}
END_TEST

START_TEST(rep_ins_outs)
{
    tm_flat32(t);
    SETREG(t, R_EDX, 0x300);
    SETREG(t, R_EDI, 0x2000);
    SETREG(t, R_ECX, 5);
    ck_assert_int_eq(EXEC(t, 0xf3, 0x6c), TM_NO_FAULT); /* rep insb */
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(t->ram[0x2000 + i], 0x10 + i);
    ck_assert_uint_eq(REG(t, R_EDI), 0x2005);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert_int_eq(EXEC(t, 0x66, 0x6d), TM_NO_FAULT); /* insw */
    ck_assert_uint_eq(rd16(t, 0x2005), 0x1615);
    /* rep outsd backwards */
    wr32(t, 0x3000, 0x11111111);
    wr32(t, 0x3004, 0x22222222);
    SETREG(t, R_ESI, 0x3004);
    SETREG(t, R_ECX, 2);
    ck_assert_int_eq(EXEC(t, 0xfd), TM_NO_FAULT); /* std */
    ck_assert_int_eq(EXEC(t, 0xf3, 0x6f), TM_NO_FAULT);
    ck_assert_int_eq(dev.nw, 2);
    ck_assert_uint_eq(dev.wlog[0][1], 0x22222222);
    ck_assert_uint_eq(dev.wlog[1][1], 0x11111111);
    ck_assert_uint_eq(dev.wlog[1][2], 4);
    ck_assert_uint_eq(REG(t, R_ESI), 0x2ffc);
    /* rep ins with zero count touches no port */
    int rd = dev.rd;
    SETREG(t, R_ECX, 0);
    ck_assert_int_eq(EXEC(t, 0xf3, 0x6c), TM_NO_FAULT);
    ck_assert_int_eq(dev.rd, rd);
}
END_TEST

/* INS checks the destination before it reads the port: a faulting store
 * consumes no device data. */
START_TEST(ins_fault_before_port_read)
{
    tm_flat32(t);
    tm_seg(t->cpu, SEG_ES, 0x20, 0, 0xfff, TM_DATA32);
    SETREG(t, R_EDX, 0x300);
    SETREG(t, R_EDI, 0xffe);
    SETREG(t, R_ECX, 4);
    ck_assert_int_eq(EXEC(t, 0xf3, 0x6c), EXC_GP); /* rep insb: 0x1000 is beyond */
    ck_assert_int_eq(dev.rd, 2);
    ck_assert_uint_eq(REG(t, R_ECX), 2);
    ck_assert_uint_eq(REG(t, R_EDI), 0x1000);
}
END_TEST

/* A 32-bit TSS at 0x7000 whose I/O bitmap (at offset 0x68) denies every port
 * up to 0x3ff except 0x300-0x303, and CPL 3 > IOPL 0. */
static void io_user_mode(void)
{
    tm_flat32(t);
    wr16(t, 0x7000 + 0x66, 0x68);
    memset(t->ram + 0x7068, 0xff, 0x81);
    t->ram[0x7068 + 0x300 / 8] = 0xf0;
    tm_seg(t->cpu, SEG_TR, 0x28, 0x7000, 0x68 + 0x80, DESC_P | 0xb);
    t->cpu->cpl = 3;
}

START_TEST(io_permission_bitmap)
{
    io_user_mode();
    SETREG(t, R_EDX, 0x300);
    ck_assert_int_eq(EXEC(t, 0xec), TM_NO_FAULT);       /* in al, dx */
    ck_assert_uint_eq(REG(t, R_EAX) & 0xff, 0x10);
    ck_assert_int_eq(EXEC(t, 0xed), TM_NO_FAULT);       /* in eax, dx: 0x300-0x303 */
    SETREG(t, R_EDX, 0x302);
    ck_assert_int_eq(EXEC(t, 0xed), EXC_GP);            /* 0x302-0x305: 0x304 denied */
    ck_assert_int_eq(t->cpu->exc_error, 0);
    ck_assert_int_eq(dev.rd, 5);                        /* the denied read did not happen */
    ck_assert_int_eq(EXEC(t, 0x66, 0xef), TM_NO_FAULT); /* out dx, ax: 0x302-0x303 */
    ck_assert_int_eq(EXEC(t, 0xe6, 0x80), EXC_GP);      /* out 0x80, al */
    ck_assert_int_eq(dev.nw, 1);
    /* INS/OUTS: checked before the count, so even a zero count faults */
    SETREG(t, R_EDX, 0x304);
    SETREG(t, R_ECX, 0);
    SETREG(t, R_EDI, 0x2000);
    ck_assert_int_eq(EXEC(t, 0xf3, 0x6c), EXC_GP);
    SETREG(t, R_EDX, 0x301);
    SETREG(t, R_ECX, 2);
    ck_assert_int_eq(EXEC(t, 0xf3, 0x6c), TM_NO_FAULT);
    ck_assert_uint_eq(rd16(t, 0x2000), 0x1615);
    /* IOPL 3 opens every port */
    cpu_set_eflags(t->cpu, EF_FIXED1 | EF_IOPL, 0xffffffffu);
    ck_assert_int_eq(EXEC(t, 0xe6, 0x80), TM_NO_FAULT);
}
END_TEST

/* Through cpu_run, real mode: REP OUTSB to a device that raises the INTR
 * line on its third write. The string yields between iterations, the
 * interrupt is taken with IP at the REP instruction and CX = 7, and after
 * IRET the same instruction finishes the remaining seven bytes. */
struct irq_probe {
    struct cpu *cpu;
    int writes, acks;
    uint32_t ecx_at_ack, eip_at_ack;
};
static struct irq_probe probe;

static void irq_dev_write(void *opaque, uint32_t off, uint32_t value, int size)
{
    struct irq_probe *p = opaque;
    (void)off;
    (void)value;
    (void)size;
    if (++p->writes == 3)
        cpu_set_irq(p->cpu, true);
}
static uint32_t irq_dev_read(void *opaque, uint32_t off, int size)
{
    (void)opaque;
    (void)off;
    (void)size;
    return 0;
}
static const struct io_ops irq_dev_ops = {irq_dev_read, irq_dev_write, 0};

static int probe_ack(void *opaque)
{
    struct irq_probe *p = opaque;
    p->acks++;
    p->ecx_at_ack = (uint32_t)p->cpu->gpr[R_ECX];
    p->eip_at_ack = p->cpu->eip;
    cpu_set_irq(p->cpu, false);
    return 0x20;
}

START_TEST(interrupt_between_iterations)
{
    static const uint8_t code[] = {
        0xf3, 0x6e, /* 0x100: rep outsb */
        0xf4,       /* 0x102: hlt */
    };
    static const uint8_t handler[] = {
        0xc6, 0x06, 0x00, 0x07, 0x01, /* 0x600: mov byte [0x700], 1 */
        0xcf,                         /* iret */
    };
    memset(&probe, 0, sizeof probe);
    probe.cpu = t->cpu;
    ioport_register(t->io, 0x310, 1, &irq_dev_ops, &probe);
    t->cpu->hooks.opaque = &probe;
    t->cpu->hooks.ack_irq = probe_ack;
    memcpy(t->ram + 0x100, code, sizeof code);
    memcpy(t->ram + 0x600, handler, sizeof handler);
    wr16(t, 0x20 * 4, 0x600);
    wr16(t, 0x20 * 4 + 2, 0);
    t->cpu->eip = 0x100;
    SETREG(t, R_ESP, 0x8000);
    SETREG(t, R_ESI, 0x400);
    SETREG(t, R_EDX, 0x310);
    SETREG(t, R_ECX, 10);
    cpu_set_eflags(t->cpu, EF_FIXED1 | EF_IF, 0xffffffffu);
    enum cpu_exit e = cpu_run(t->cpu, 100);
    ck_assert_int_eq(e, CPU_EXIT_HALT);
    ck_assert_int_eq(probe.acks, 1);
    ck_assert_uint_eq(probe.ecx_at_ack, 7);
    ck_assert_uint_eq(probe.eip_at_ack, 0x100);
    ck_assert_uint_eq(t->ram[0x700], 1);
    ck_assert_int_eq(probe.writes, 10);
    ck_assert_uint_eq(REG(t, R_ECX), 0);
    ck_assert_uint_eq(REG(t, R_ESI), 0x40a);
    ck_assert_uint_eq(REG(t, R_ESP), 0x8000);
    ck_assert_uint_eq(t->cpu->eip, 0x103);
}
END_TEST

START_TEST(bound_checks)
{
    tm_flat32(t);
    wr32(t, 0x100, (uint32_t)-5);
    wr32(t, 0x104, 10);
    SETREG(t, R_EBX, 0x100);
    t->cpu->eip = 0x1000;
    SETREG(t, R_EAX, (uint32_t)-5);
    ck_assert_int_eq(EXEC(t, 0x62, 0x03), TM_NO_FAULT); /* bound eax, [ebx] */
    SETREG(t, R_EAX, 10);
    ck_assert_int_eq(EXEC(t, 0x62, 0x03), TM_NO_FAULT);
    SETREG(t, R_EAX, 11);
    ck_assert_int_eq(EXEC(t, 0x62, 0x03), EXC_BR);
    ck_assert_uint_eq(t->cpu->eip, t->cpu->insn_eip);
    SETREG(t, R_EAX, (uint32_t)-6);
    ck_assert_int_eq(EXEC(t, 0x62, 0x03), EXC_BR);
    /* 16-bit: bounds are signed words */
    wr16(t, 0x200, 0xfff0); /* -16 */
    wr16(t, 0x202, 0x0010);
    SETREG(t, R_EBX, 0x200);
    SETREG(t, R_EAX, 0x7fff0000); /* AX = 0: in range, upper half ignored */
    ck_assert_int_eq(EXEC(t, 0x66, 0x62, 0x03), TM_NO_FAULT);
    SETREG(t, R_EAX, 0xffef); /* -17 */
    ck_assert_int_eq(EXEC(t, 0x66, 0x62, 0x03), EXC_BR);
    SETREG(t, R_EAX, 0x0011);
    ck_assert_int_eq(EXEC(t, 0x66, 0x62, 0x03), EXC_BR);
}
END_TEST

START_TEST(ud_fwait_hint_nop)
{
    tm_flat32(t);
    ck_assert_int_eq(EXEC(t, 0x0f, 0x0b), EXC_UD);             /* ud2 */
    ck_assert_int_eq(EXEC(t, 0x0f, 0xb9, 0xc0), EXC_UD);       /* ud1 eax, eax */
    ck_assert_int_eq(EXEC(t, 0x0f, 0xff, 0xc0), EXC_UD);       /* ud0 eax, eax */
    ck_assert_int_eq(EXEC(t, 0x9b), TM_NO_FAULT);              /* fwait */
    t->cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(EXEC(t, 0x9b), TM_NO_FAULT);              /* TS without MP */
    t->cpu->cr0 |= CR0_MP;
    ck_assert_int_eq(EXEC(t, 0x9b), EXC_NM);                   /* MP and TS */
    /* nop dword [eax+0x12345678]: never touches memory even far out of range */
    tm_seg(t->cpu, SEG_DS, 0x10, 0, 0xff, TM_DATA32);
    SETREG(t, R_EAX, 0x7ff00000);
    ck_assert_int_eq(EXEC(t, 0x0f, 0x1f, 0x80, 0x78, 0x56, 0x34, 0x12), TM_NO_FAULT);
    ck_assert_int_eq(EXEC(t, 0x0f, 0x18, 0x08), TM_NO_FAULT); /* prefetcht0 [eax] */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_io");
    TCase *tc = tcase_create("io");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, in_out_sizes);
    tcase_add_test(tc, rep_ins_outs);
    tcase_add_test(tc, ins_fault_before_port_read);
    tcase_add_test(tc, io_permission_bitmap);
    tcase_add_test(tc, interrupt_between_iterations);
    tcase_add_test(tc, bound_checks);
    tcase_add_test(tc, ud_fwait_hint_nop);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
