/* ALU instructions with memory operands, decoded from bytes by the real
 * decoder and run against RAM in flat protected mode: BT* bit-string
 * addressing with signed register offsets, CMPXCHG/CMPXCHG8B always
 * writing, CMOVcc reading even when false, XADD, count-0 shifts, and CMP
 * against a read-only segment. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "alu_test_util.h"
#include "cpu/mem.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define RAM_SIZE 0x200000
#define DATA 0x100000 /* DS:DATA is the bit-string base */

static struct memmap *mem;
static struct ioport_map *io;
static struct cpu *cpu;
static uint8_t *ram;

static void set_seg(int s, uint32_t limit, uint32_t type)
{
    cpu->seg[s] = (struct seg_cache){
        .sel = 0x10, .base = 0, .limit = limit, .flags = DESC_P | DESC_S | DESC_DB | DESC_G | type};
}

static void setup(void)
{
    mem = memmap_create();
    io = ioport_create();
    ram = calloc(1, RAM_SIZE);
    memmap_add_ram(mem, 0, RAM_SIZE, ram, false);
    cpu = cpu_create(mem, io);
    cpu->cr0 |= CR0_PE;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        set_seg(s, 0xffffffff, 0x3);
    set_seg(SEG_CS, 0xffffffff, 0xb);
    set_seg(SEG_ES, 0xffffffff, 0x1); /* ES: read-only data */
    set_seg(SEG_FS, 0x1fff, 0x3);     /* FS: limit 8 KiB */
    cpu_update_modes(cpu);
}

static void teardown(void)
{
    cpu_destroy(cpu);
    memmap_destroy(mem);
    ioport_destroy(io);
    free(ram);
}

/* Decode `bytes` as 32-bit code and run the handler; -1 or the vector. */
static int run_bytes(const uint8_t *bytes, int n)
{
    struct insn in;
    ck_assert_int_eq(decode_insn(&in, bytes, n, true), DEC_OK);
    return trun(cpu, &in);
}
#define RUN(...)                                                                         \
    ({                                                                                   \
        const uint8_t b_[] = {__VA_ARGS__};                                              \
        run_bytes(b_, sizeof b_);                                                        \
    })

static uint32_t rd32(uint32_t a) { return (uint32_t)memmap_read(mem, a, 4); }

/* BT/BTS/BTR/BTC [ebx], reg with signed offsets: the bit is bit (off & 7)
 * of the byte at EBX + (off >> 3) (SDM BT, bit string addressing). */
START_TEST(mem_bit_string)
{
    uint64_t seed = 31337;
    for (int i = 0; i < 4000; i++) {
        int os = (i & 1) ? 4 : 2;
        int k = (i >> 1) & 3;
        int32_t off = (int32_t)(trand(&seed) % 0x40000) - 0x20000;
        if (os == 2)
            off = (int16_t)off;
        uint32_t byte = DATA + (uint32_t)(off >> 3);
        uint8_t old = (uint8_t)trand(&seed);
        ram[byte] = old;
        bool bit = (old >> (off & 7)) & 1;
        cpu->gpr[R_EBX] = DATA;
        cpu->gpr[R_ECX] = (uint32_t)off;
        cpu_set_arith(cpu, bit ? 0 : EF_CF, EF_ARITH);
        const uint8_t op2[4] = {0xa3, 0xab, 0xb3, 0xbb};
        uint8_t code[4] = {0x66, 0x0f, op2[k], 0x0b}; /* bt* [ebx], cx/ecx */
        int r = os == 2 ? run_bytes(code, 4) : run_bytes(code + 1, 3);
        TEQ(r, -1);
        TEQ(cpu_get_cf(cpu), bit);
        uint8_t want = old;
        uint8_t m = (uint8_t)(1u << (off & 7));
        if (k == 1)
            want |= m;
        else if (k == 2)
            want &= (uint8_t)~m;
        else if (k == 3)
            want ^= m;
        TCHECK(ram[byte] == want, "bt%d os %d off %d: byte %#x want %#x", k, os, off, ram[byte],
               want);
    }
}
END_TEST

/* BT m, imm8 only uses the immediate modulo the operand width. */
START_TEST(mem_bit_imm)
{
    memset(ram + DATA, 0, 16);
    cpu->gpr[R_EBX] = DATA;
    ck_assert_int_eq(RUN(0x0f, 0xba, 0x2b, 0x27), -1); /* bts dword [ebx], 39 -> bit 7 */
    ck_assert_uint_eq(rd32(DATA), 0x80);
    ck_assert_int_eq(RUN(0x66, 0x0f, 0xba, 0x33, 0x1f), -1); /* btr word [ebx], 31 -> bit 15 */
    ck_assert_uint_eq(rd32(DATA), 0x80);
    ck_assert_int_eq(RUN(0x66, 0x0f, 0xba, 0x3b, 0x17), -1); /* btc word [ebx], 23 -> bit 7 */
    ck_assert_uint_eq(rd32(DATA), 0);
    ck_assert(cpu_get_cf(cpu));
}
END_TEST

/* CMPXCHG writes its destination even when the comparison fails, so a
 * read-only destination faults either way (SDM CMPXCHG). */
START_TEST(mem_cmpxchg_always_writes)
{
    memmap_write(mem, DATA, 0x11111111, 4);
    cpu->gpr[R_EBX] = DATA;
    cpu->gpr[R_EAX] = 0x22222222;
    cpu->gpr[R_ECX] = 0x33333333;
    /* failure: EAX <- [ebx] */
    ck_assert_int_eq(RUN(0x0f, 0xb1, 0x0b), -1);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0x11111111);
    ck_assert_uint_eq(rd32(DATA), 0x11111111);
    ck_assert(!(cpu_get_arith(cpu) & EF_ZF));
    /* success: [ebx] <- ECX */
    ck_assert_int_eq(RUN(0x0f, 0xb1, 0x0b), -1);
    ck_assert_uint_eq(rd32(DATA), 0x33333333);
    ck_assert(cpu_get_arith(cpu) & EF_ZF);
    /* through read-only ES: #GP(0) on failure too, with EAX untouched */
    cpu->gpr[R_EAX] = 0x44444444;
    ck_assert_int_eq(RUN(0x26, 0x0f, 0xb1, 0x0b), EXC_GP);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0x44444444);
    ck_assert_uint_eq(rd32(DATA), 0x33333333);
}
END_TEST

START_TEST(mem_cmpxchg8b)
{
    memmap_write(mem, DATA, 0x0123456789abcdefull, 8);
    cpu->gpr[R_ESI] = DATA;
    cpu->gpr[R_EAX] = 0;
    cpu->gpr[R_EDX] = 0;
    cpu->gpr[R_EBX] = 0xaaaaaaaa;
    cpu->gpr[R_ECX] = 0xbbbbbbbb;
    cpu_set_arith(cpu, EF_CF | EF_ZF | EF_SF, EF_ARITH);
    ck_assert_int_eq(RUN(0x0f, 0xc7, 0x0e), -1); /* cmpxchg8b [esi] */
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0x89abcdef);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EDX], 0x01234567);
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_CF | EF_SF); /* only ZF changes */
    ck_assert_int_eq(RUN(0x0f, 0xc7, 0x0e), -1);
    ck_assert_uint_eq(memmap_read(mem, DATA, 8), 0xbbbbbbbbaaaaaaaaull);
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_CF | EF_SF | EF_ZF);
    /* failure against read-only ES still faults (the old value is written) */
    ck_assert_int_eq(RUN(0x26, 0x0f, 0xc7, 0x0e), EXC_GP);
}
END_TEST

/* CMOVcc reads its source even when the condition is false. */
START_TEST(mem_cmov_reads_when_false)
{
    cpu->gpr[R_EBX] = 0x3000; /* beyond FS's 8 KiB limit */
    cpu->gpr[R_EAX] = 0x1234;
    cpu_set_arith(cpu, 0, EF_ARITH);
    ck_assert_int_eq(RUN(0x64, 0x0f, 0x44, 0x03), EXC_GP); /* cmove eax, fs:[ebx]: false */
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0x1234);
    cpu->gpr[R_EBX] = 0x100;
    memmap_write(mem, 0x100, 0xfeedface, 4);
    ck_assert_int_eq(RUN(0x64, 0x0f, 0x44, 0x03), -1);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0x1234);
    ck_assert_int_eq(RUN(0x64, 0x0f, 0x45, 0x03), -1); /* cmovne: true */
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_EAX], 0xfeedface);
}
END_TEST

START_TEST(mem_xadd_and_alu)
{
    memmap_write(mem, DATA, 0xfffffffe, 4);
    cpu->gpr[R_EBX] = DATA;
    cpu->gpr[R_ECX] = 3;
    ck_assert_int_eq(RUN(0x0f, 0xc1, 0x0b), -1); /* xadd [ebx], ecx */
    ck_assert_uint_eq(rd32(DATA), 1);
    ck_assert_uint_eq((uint32_t)cpu->gpr[R_ECX], 0xfffffffe);
    ck_assert(cpu_get_cf(cpu));
    /* sub byte [ebx+1], 1 */
    ck_assert_int_eq(RUN(0x80, 0x6b, 0x01, 0x01), -1);
    ck_assert_uint_eq(rd32(DATA), 0xff01);
    ck_assert(cpu_get_cf(cpu));
    /* CMP reads only: fine through read-only ES; ADD there faults with the
     * flags of before */
    cpu_set_arith(cpu, EF_PF, EF_ARITH);
    ck_assert_int_eq(RUN(0x26, 0x39, 0x0b), -1); /* cmp es:[ebx], ecx */
    ck_assert(cpu_get_cf(cpu));
    cpu_set_arith(cpu, EF_PF, EF_ARITH);
    ck_assert_int_eq(RUN(0x26, 0x01, 0x0b), EXC_GP); /* add es:[ebx], ecx */
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_PF);
    ck_assert_uint_eq(rd32(DATA), 0xff01);
    /* setcc byte [ebx] */
    ck_assert_int_eq(RUN(0x0f, 0x9b, 0x03), -1); /* setnp */
    ck_assert_uint_eq(rd32(DATA), 0xff00);
}
END_TEST

/* A shift of memory by a masked count of 0 leaves it and the flags alone. */
START_TEST(mem_shift_count_zero)
{
    memmap_write(mem, DATA, 0x80000001, 4);
    cpu->gpr[R_EBX] = DATA;
    cpu->gpr[R_ECX] = 0x20;
    cpu_set_arith(cpu, EF_OF | EF_ZF, EF_ARITH);
    ck_assert_int_eq(RUN(0xd3, 0x23), -1); /* shl dword [ebx], cl */
    ck_assert_uint_eq(rd32(DATA), 0x80000001);
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_OF | EF_ZF);
    cpu->gpr[R_ECX] = 0x21;
    ck_assert_int_eq(RUN(0xd3, 0x23), -1);
    ck_assert_uint_eq(rd32(DATA), 0x00000002);
    ck_assert_uint_eq(cpu_get_arith(cpu), EF_CF | EF_OF);
    /* shld [ebx], eax, 4 */
    cpu->gpr[R_EAX] = 0xf0000000;
    ck_assert_int_eq(RUN(0x0f, 0xa4, 0x03, 0x04), -1);
    ck_assert_uint_eq(rd32(DATA), 0x0000002f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alu_mem");
    TCase *tc = tcase_create("memory");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, mem_bit_string);
    tcase_add_test(tc, mem_bit_imm);
    tcase_add_test(tc, mem_cmpxchg_always_writes);
    tcase_add_test(tc, mem_cmpxchg8b);
    tcase_add_test(tc, mem_cmov_reads_when_false);
    tcase_add_test(tc, mem_xadd_and_alu);
    tcase_add_test(tc, mem_shift_count_zero);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
