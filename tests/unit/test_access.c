/* Segmented memory access without paging: limits (expand-up/down, the real
 * mode 0xFFFF wrap), type checks, null selectors, #AC, stack, fetch, A20,
 * MMIO through the TLB, page-crossing accesses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define RAM_SIZE 0x200000
static struct memmap *mem;
static struct ioport_map *io;
static struct cpu *cpu;
static uint8_t *ram;

static void setup(void)
{
    mem = memmap_create();
    io = ioport_create();
    ram = calloc(1, RAM_SIZE);
    memmap_add_ram(mem, 0, RAM_SIZE, ram, false);
    cpu = cpu_create(mem, io);
    cpu_commit(cpu);
}

static void teardown(void)
{
    cpu_destroy(cpu);
    memmap_destroy(mem);
    ioport_destroy(io);
    free(ram);
}

static void set_seg(int s, uint32_t base, uint32_t limit, uint32_t flags)
{
    cpu->seg[s] = (struct seg_cache){.sel = 0x10, .base = base, .limit = limit, .flags = flags};
    cpu_update_modes(cpu);
}

/* Protected mode, flat segments at CPL 0. */
static void prot_flat(void)
{
    cpu->cr0 |= CR0_PE;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        set_seg(s, 0, 0xffffffff, DESC_P | DESC_S | DESC_DB | DESC_G | 0x3);
    set_seg(SEG_CS, 0, 0xffffffff, DESC_P | DESC_S | DESC_DB | DESC_G | 0xb);
}

#define NO_FAULT (-1)
#define FAULT(vec, err) ((vec) << 16 | (err))

/* Run an access and return NO_FAULT or FAULT(vector, error code). */
static int rd(int seg, uint32_t off, int size, uint32_t *v)
{
    cpu_commit(cpu); /* a fault restores the registers as they are now */
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    *v = cpu_read(cpu, seg, off, size);
    return NO_FAULT;
}

static int wr(int seg, uint32_t off, uint32_t v, int size)
{
    cpu_commit(cpu); /* a fault restores the registers as they are now */
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    cpu_write(cpu, seg, off, v, size);
    return NO_FAULT;
}

static int push(uint32_t v, int size)
{
    cpu_commit(cpu); /* a fault restores the registers as they are now */
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    cpu_push(cpu, v, size);
    return NO_FAULT;
}

static int fetch_fault(uint32_t eip)
{
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    cpu_fetch_fault(cpu, eip);
}

START_TEST(real_mode_basic)
{
    uint32_t v;
    cpu_load_seg_real(cpu, SEG_DS, 0x1234);
    ck_assert_int_eq(wr(SEG_DS, 0x10, 0xcafebabe, 4), NO_FAULT);
    ck_assert_uint_eq(ram[0x12350], 0xbe);
    ck_assert_uint_eq(ram[0x12353], 0xca);
    ck_assert_int_eq(rd(SEG_DS, 0x11, 2, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0xfeba);
}
END_TEST

START_TEST(real_mode_wrap_faults)
{
    uint32_t v;
    /* A word at offset 0xFFFF crosses the 64 KiB limit: #GP(0), #SS(0) via SS. */
    ck_assert_int_eq(rd(SEG_DS, 0xffff, 2, &v), FAULT(EXC_GP, 0));
    ck_assert_int_eq(rd(SEG_SS, 0xffff, 2, &v), FAULT(EXC_SS, 0));
    ck_assert_int_eq(wr(SEG_ES, 0xfffd, 0, 4), FAULT(EXC_GP, 0));
    ck_assert_int_eq(rd(SEG_DS, 0xffff, 1, &v), NO_FAULT);
    ck_assert_int_eq(rd(SEG_DS, 0xfffc, 4, &v), NO_FAULT);
    /* "Unreal" mode: a 4 GiB limit left in the cache allows 32-bit offsets. */
    cpu->seg[SEG_DS].limit = 0xffffffff;
    ck_assert_int_eq(wr(SEG_DS, 0x100000, 0x5a, 1), NO_FAULT);
    ck_assert_uint_eq(ram[0x100000], 0x5a);
}
END_TEST

START_TEST(real_mode_ignores_types)
{
    /* Real mode does no type checks: even a read-only cache is writable. */
    cpu->seg[SEG_DS].flags = DESC_P | DESC_S | 0x0;
    ck_assert_int_eq(wr(SEG_DS, 0x10, 1, 1), NO_FAULT);
}
END_TEST

START_TEST(prot_type_checks)
{
    uint32_t v;
    prot_flat();
    set_seg(SEG_DS, 0x1000, 0xfff, DESC_P | DESC_S | 0x8); /* execute-only code */
    ck_assert_int_eq(rd(SEG_DS, 0, 1, &v), FAULT(EXC_GP, 0));
    set_seg(SEG_DS, 0x1000, 0xfff, DESC_P | DESC_S | 0xa); /* readable code */
    ck_assert_int_eq(rd(SEG_DS, 0, 1, &v), NO_FAULT);
    ck_assert_int_eq(wr(SEG_DS, 0, 1, 1), FAULT(EXC_GP, 0));
    set_seg(SEG_DS, 0x1000, 0xfff, DESC_P | DESC_S | 0x0); /* read-only data */
    ck_assert_int_eq(rd(SEG_DS, 0, 4, &v), NO_FAULT);
    ck_assert_int_eq(wr(SEG_DS, 0, 1, 1), FAULT(EXC_GP, 0));
    set_seg(SEG_SS, 0x1000, 0xfff, DESC_P | DESC_S | 0x0);
    ck_assert_int_eq(wr(SEG_SS, 0, 1, 1), FAULT(EXC_SS, 0));
    /* null selectors leave an invalid cache: any use faults */
    set_seg(SEG_FS, 0, 0, 0);
    ck_assert_int_eq(rd(SEG_FS, 0, 1, &v), FAULT(EXC_GP, 0));
    set_seg(SEG_SS, 0, 0, 0);
    ck_assert_int_eq(rd(SEG_SS, 0, 1, &v), FAULT(EXC_SS, 0));
    /* V86 mode: no type checks */
    cpu->eflags |= EF_VM;
    set_seg(SEG_DS, 0x1000, 0xffff, DESC_P | DESC_S | 0x0);
    ck_assert_int_eq(wr(SEG_DS, 0, 1, 1), NO_FAULT);
    ck_assert_int_eq(wr(SEG_DS, 0xffff, 1, 2), FAULT(EXC_GP, 0));
}
END_TEST

START_TEST(expand_up_limit)
{
    uint32_t v;
    prot_flat();
    set_seg(SEG_DS, 0x2000, 0xfff, DESC_P | DESC_S | 0x3);
    ck_assert_int_eq(rd(SEG_DS, 0xffc, 4, &v), NO_FAULT);
    ck_assert_int_eq(rd(SEG_DS, 0xffd, 4, &v), FAULT(EXC_GP, 0));
    ck_assert_int_eq(rd(SEG_DS, 0x1000, 1, &v), FAULT(EXC_GP, 0));
    ck_assert_int_eq(rd(SEG_DS, 0xffffffff, 2, &v), FAULT(EXC_GP, 0)); /* no wrap */
    set_seg(SEG_SS, 0x2000, 0xfff, DESC_P | DESC_S | 0x3);
    ck_assert_int_eq(rd(SEG_SS, 0xfff, 2, &v), FAULT(EXC_SS, 0));
}
END_TEST

START_TEST(expand_down_limit)
{
    uint32_t v;
    prot_flat();
    /* B clear: valid offsets limit+1 .. 0xFFFF */
    set_seg(SEG_DS, 0x10000, 0xfff, DESC_P | DESC_S | 0x7);
    ck_assert_int_eq(rd(SEG_DS, 0xfff, 1, &v), FAULT(EXC_GP, 0));
    ck_assert_int_eq(rd(SEG_DS, 0xffe, 4, &v), FAULT(EXC_GP, 0));
    ck_assert_int_eq(rd(SEG_DS, 0x1000, 4, &v), NO_FAULT);
    ck_assert_int_eq(rd(SEG_DS, 0xfffe, 2, &v), NO_FAULT);
    ck_assert_int_eq(rd(SEG_DS, 0xffff, 2, &v), FAULT(EXC_GP, 0));
    ck_assert_int_eq(wr(SEG_DS, 0x1000, 0x77, 1), NO_FAULT);
    ck_assert_uint_eq(ram[0x11000], 0x77);
    /* B set: upper bound 4 GiB - 1 */
    set_seg(SEG_DS, 0, 0xfff, DESC_P | DESC_S | DESC_DB | 0x7);
    ck_assert_int_eq(rd(SEG_DS, 0xffff, 2, &v), NO_FAULT);
    ck_assert_int_eq(rd(SEG_DS, 0xfffffffe, 4, &v), FAULT(EXC_GP, 0));
    /* limit 0xFFFFFFFF with expand-down: nothing is valid */
    set_seg(SEG_SS, 0, 0xffffffff, DESC_P | DESC_S | DESC_DB | 0x7);
    ck_assert_int_eq(rd(SEG_SS, 0x1000, 1, &v), FAULT(EXC_SS, 0));
}
END_TEST

START_TEST(alignment_check)
{
    uint32_t v;
    prot_flat();
    cpu->cr0 |= CR0_AM;
    cpu->eflags |= EF_AC;
    cpu->cpl = 3;
    ck_assert_int_eq(rd(SEG_DS, 0x1001, 2, &v), FAULT(EXC_AC, 0));
    ck_assert_int_eq(wr(SEG_DS, 0x1002, 0, 4), FAULT(EXC_AC, 0));
    ck_assert_int_eq(rd(SEG_DS, 0x1004, 4, &v), NO_FAULT);
    ck_assert_int_eq(rd(SEG_DS, 0x1003, 1, &v), NO_FAULT);
    /* implicit supervisor accesses are never alignment checked */
    if (!setjmp(cpu->exc_jmp))
        cpu_read_lin(cpu, 0x1001, 4, ACC_READ | ACC_SYS);
    else
        ck_abort_msg("system access faulted");
    cpu->cpl = 0;
    ck_assert_int_eq(rd(SEG_DS, 0x1001, 2, &v), NO_FAULT);
    cpu->cpl = 3;
    cpu->eflags &= ~EF_AC;
    ck_assert_int_eq(rd(SEG_DS, 0x1001, 2, &v), NO_FAULT);
}
END_TEST

START_TEST(stack_16_wraps)
{
    cpu_load_seg_real(cpu, SEG_SS, 0x3000);
    cpu->gpr[R_ESP] = 0xabcd0000;
    ck_assert_int_eq(push(0x1234, 2), NO_FAULT);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xabcdfffe); /* only SP changes */
    ck_assert_uint_eq(ram[0x3fffe], 0x34);
    ck_assert_uint_eq(ram[0x3ffff], 0x12);
    ck_assert_uint_eq(cpu_stack_read(cpu, 0, 2), 0x1234);
    ck_assert_uint_eq(cpu_pop(cpu, 2), 0x1234);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xabcd0000);
    /* SP=1: the word would straddle 0xFFFF: #SS(0), SP unchanged */
    cpu->gpr[R_ESP] = 1;
    cpu_commit(cpu);
    ck_assert_int_eq(push(0x1234, 2), FAULT(EXC_SS, 0));
    ck_assert_uint_eq(cpu->gpr[R_ESP], 1);
}
END_TEST

START_TEST(stack_32)
{
    prot_flat();
    cpu->gpr[R_ESP] = 0x20000;
    ck_assert_int_eq(push(0xdeadbeef, 4), NO_FAULT);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x1fffc);
    ck_assert_uint_eq(cpu_stack_read(cpu, 0, 4), 0xdeadbeef);
    ck_assert_uint_eq(cpu_pop(cpu, 4), 0xdeadbeef);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x20000);
    /* a fault leaves ESP alone */
    set_seg(SEG_SS, 0, 0xffff, DESC_P | DESC_S | DESC_DB | 0x3);
    cpu->gpr[R_ESP] = 0x10002;
    cpu_commit(cpu);
    ck_assert_int_eq(push(1, 4), FAULT(EXC_SS, 0));
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x10002);
}
END_TEST

START_TEST(fetch_limits)
{
    uint8_t buf[15];
    prot_flat();
    for (int i = 0; i < 32; i++)
        ram[0x1000 + i] = i;
    set_seg(SEG_CS, 0, 0x100f, DESC_P | DESC_S | DESC_DB | 0x9);
    ck_assert_int_eq(cpu_fetch(cpu, 0x1000, buf, 15), 15);
    ck_assert_uint_eq(buf[14], 14);
    ck_assert_int_eq(cpu_fetch(cpu, 0x1008, buf, 15), 8);
    ck_assert_uint_eq(buf[7], 15);
    ck_assert_int_eq(cpu_fetch(cpu, 0x1010, buf, 15), 0);
    ck_assert_int_eq(fetch_fault(0x1010), FAULT(EXC_GP, 0));
    /* across a page boundary */
    set_seg(SEG_CS, 0xff8, 0xffff, DESC_P | DESC_S | 0x9);
    ck_assert_int_eq(cpu_fetch(cpu, 0, buf, 15), 15);
    ck_assert_uint_eq(buf[8], 0);
    ck_assert_uint_eq(buf[14], 6);
}
END_TEST

START_TEST(crossing_pages_and_a20)
{
    uint32_t v;
    prot_flat();
    ck_assert_int_eq(wr(SEG_DS, 0xffe, 0x11223344, 4), NO_FAULT);
    ck_assert_uint_eq(ram[0xffe], 0x44);
    ck_assert_uint_eq(ram[0x1001], 0x11);
    ck_assert_int_eq(rd(SEG_DS, 0xfff, 2, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x2233);
    ram[0x10] = 0x99;
    ram[0x100010] = 0x42;
    ck_assert_int_eq(rd(SEG_DS, 0x100010, 1, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x42);
    cpu->a20_mask = 0xffefffff; /* gate A20 off: 1 MiB wraps to 0 */
    uint8_t buf[1];
    cpu_fetch(cpu, 0, buf, 1); /* the next instruction boundary notices */
    ck_assert_int_eq(rd(SEG_DS, 0x100010, 1, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x99);
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x100010, 1, ACC_SYS), 0x99);
}
END_TEST

static uint32_t dev_reads;
static uint32_t dev_read(void *o, uint32_t off, int size)
{
    (void)o;
    dev_reads++;
    return 0x100 * off + size;
}
static uint32_t dev_last_off, dev_last_val;
static void dev_write(void *o, uint32_t off, uint32_t v, int size)
{
    (void)o, (void)size;
    dev_last_off = off;
    dev_last_val = v;
}

START_TEST(mmio_and_remap)
{
    uint32_t v;
    static const struct io_ops ops = {dev_read, dev_write, 0};
    prot_flat();
    memmap_add_mmio(mem, 0x180000, 0x1000, &ops, NULL);
    dev_reads = 0;
    ck_assert_int_eq(rd(SEG_DS, 0x180010, 4, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x1004);
    ck_assert_int_eq(rd(SEG_DS, 0x180010, 4, &v), NO_FAULT);
    ck_assert_uint_eq(dev_reads, 2); /* never cached as RAM */
    ck_assert_int_eq(wr(SEG_DS, 0x180020, 0xabc, 2), NO_FAULT);
    ck_assert_uint_eq(dev_last_off, 0x20);
    ck_assert_uint_eq(dev_last_val, 0xabc);
    /* RAM page cached in the TLB, then covered by a ROM: the map change wins */
    ram[0x5000] = 1;
    ck_assert_int_eq(rd(SEG_DS, 0x5000, 1, &v), NO_FAULT);
    ck_assert_uint_eq(v, 1);
    static uint8_t rom[0x1000];
    rom[0] = 2;
    memmap_add_ram(mem, 0x5000, 0x1000, rom, true);
    uint8_t buf[1];
    cpu_fetch(cpu, 0, buf, 1);
    ck_assert_int_eq(rd(SEG_DS, 0x5000, 1, &v), NO_FAULT);
    ck_assert_uint_eq(v, 2);
    ck_assert_int_eq(wr(SEG_DS, 0x5000, 3, 1), NO_FAULT); /* ROM ignores it */
    ck_assert_uint_eq(rom[0], 2);
    ck_assert_uint_eq(ram[0x5000], 1);
}
END_TEST

START_TEST(mmio_inside_a_ram_page)
{
    uint32_t v;
    static const struct io_ops ops = {dev_read, dev_write, 0};
    prot_flat();
    ram[0x6000] = 0x12;
    ram[0x6900] = 0x34;
    memmap_add_mmio(mem, 0x6800, 0x10, &ops, NULL); /* 16 bytes in the middle of a page */
    ck_assert_int_eq(rd(SEG_DS, 0x6000, 1, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x12);
    ck_assert_int_eq(rd(SEG_DS, 0x6804, 2, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x402);
    ck_assert_int_eq(rd(SEG_DS, 0x6900, 1, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x34);
    ck_assert_int_eq(wr(SEG_DS, 0x6000, 0x56, 1), NO_FAULT);
    ck_assert_uint_eq(ram[0x6000], 0x56);
    /* an access straddling the device's end: device byte, then RAM */
    ram[0x6810] = 0x9a;
    ck_assert_int_eq(rd(SEG_DS, 0x680f, 2, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0x9a00 | ((0x100 * 0xf + 1) & 0xff));
}
END_TEST

START_TEST(qword_access)
{
    prot_flat();
    if (setjmp(cpu->exc_jmp))
        ck_abort_msg("unexpected fault");
    cpu_write64(cpu, SEG_DS, 0x1ffc, 0x0102030405060708ull); /* crosses a page */
    ck_assert_uint_eq(cpu_read64(cpu, SEG_DS, 0x1ffc), 0x0102030405060708ull);
    ck_assert_uint_eq(ram[0x2003], 0x01);
}
END_TEST

START_TEST(data_breakpoint_hook)
{
    uint32_t v;
    prot_flat();
    cpu->dr[0] = 0x1004;
    cpu->dr[7] = 0x400 | 0x1 | (0x3u << 16) | (0x3u << 18); /* L0, read/write, 4 bytes */
    cpu->pending_dr6 = 0;
    ck_assert_int_eq(rd(SEG_DS, 0x1000, 4, &v), NO_FAULT);
    ck_assert_uint_eq(cpu->pending_dr6, 0);
    ck_assert_int_eq(rd(SEG_DS, 0x1006, 1, &v), NO_FAULT);
    ck_assert_uint_eq(cpu->pending_dr6, 1);
    cpu->pending_dr6 = 0;
    set_seg(SEG_ES, 0x1000, 0xffff, DESC_P | DESC_S | 0x3);
    ck_assert_int_eq(wr(SEG_ES, 0x2, 0, 4), NO_FAULT); /* linear 0x1002..0x1005 */
    ck_assert_uint_eq(cpu->pending_dr6, 1);
    cpu->pending_dr6 = 0;
    cpu->dr[7] = 0x400; /* disabled: no hook */
    ck_assert_int_eq(rd(SEG_DS, 0x1004, 4, &v), NO_FAULT);
    ck_assert_uint_eq(cpu->pending_dr6, 0);
}
END_TEST

START_TEST(check_read_write)
{
    prot_flat();
    set_seg(SEG_DS, 0x1000, 0xfff, DESC_P | DESC_S | 0x1); /* read-only data */
    cpu_commit(cpu);
    int vec = -1;
    if (setjmp(cpu->exc_jmp))
        vec = cpu->exc_vector;
    else
        cpu_check_read(cpu, SEG_DS, 0xffc, 4);
    ck_assert_int_eq(vec, -1);
    if (setjmp(cpu->exc_jmp))
        vec = cpu->exc_vector;
    else
        cpu_check_write(cpu, SEG_DS, 0, 1);
    ck_assert_int_eq(vec, EXC_GP);
    vec = -1;
    if (setjmp(cpu->exc_jmp))
        vec = cpu->exc_vector;
    else
        cpu_check_read(cpu, SEG_DS, 0xffe, 4);
    ck_assert_int_eq(vec, EXC_GP);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("access");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, real_mode_basic);
    tcase_add_test(tc, real_mode_wrap_faults);
    tcase_add_test(tc, real_mode_ignores_types);
    tcase_add_test(tc, prot_type_checks);
    tcase_add_test(tc, expand_up_limit);
    tcase_add_test(tc, expand_down_limit);
    tcase_add_test(tc, alignment_check);
    tcase_add_test(tc, stack_16_wraps);
    tcase_add_test(tc, stack_32);
    tcase_add_test(tc, fetch_limits);
    tcase_add_test(tc, crossing_pages_and_a20);
    tcase_add_test(tc, mmio_and_remap);
    tcase_add_test(tc, qword_access);
    tcase_add_test(tc, mmio_inside_a_ram_page);
    tcase_add_test(tc, data_breakpoint_hook);
    tcase_add_test(tc, check_read_write);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
