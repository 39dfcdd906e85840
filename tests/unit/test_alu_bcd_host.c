/* BCD adjustments (DAA DAS AAA AAS AAM AAD) differentially against the host
 * CPU. They do not exist in 64-bit mode, so the host runs them in a 32-bit
 * compatibility-mode code segment (Linux's user selector 0x23), reached by a
 * far call from a trampoline below 4 GiB; every AX with every CF/AF input is
 * compared, result and the flags the SDM defines for the instruction. */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "alu_test_util.h"
#include "test_util.h"

/* nasm, org 0 (offsets on the right):
 *   bits 64                          ; void tramp(in, out, uint32_t n)
 *   push rbx/rbp/r12-r15 ; mov [rel saved_rsp], rsp
 *   mov r8, rsi ; mov esi, edi ; mov edi, r8d ; mov ecx, edx
 *   lea rsp, [rel stack_top] ; call far dword [rel farptr]
 *   mov rsp, [rel saved_rsp] ; pop r15-r12/rbp/rbx ; ret
 *   saved_rsp: dq 0                  ; 0x40
 *   farptr: dd code32 ; dw 0x23      ; 0x48 (offset patched to an address)
 *   bits 32
 *   code32: mov eax, ss ; mov ds, eax ; mov es, eax          ; 0x50
 *   .loop: push dword [esi+4] ; popfd ; mov ax, [esi]
 *   .op: db 0x27, 0x90               ; 0x5d: the instruction under test
 *   pushfd ; pop dword [edi+4] ; mov [edi], ax
 *   add esi, 8 ; add edi, 8 ; dec ecx ; jnz .loop
 *   xor eax, eax ; mov ds, eax ; mov es, eax ; retf
 *   stack_top = 0x480 (1 KiB of stack below it) */
static const uint8_t tramp_code[] = {
    0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x48, 0x89, 0x25, 0x2f, 0x00,
    0x00, 0x00, 0x49, 0x89, 0xf0, 0x89, 0xfe, 0x44, 0x89, 0xc7, 0x89, 0xd1, 0x48, 0x8d, 0x25,
    0x5e, 0x04, 0x00, 0x00, 0xff, 0x1d, 0x20, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x25, 0x11, 0x00,
    0x00, 0x00, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3, 0x90, 0x90,
    0x90, 0x90, 0x90, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x00, 0x00,
    0x00, 0x23, 0x00, 0x90, 0x90, 0x8c, 0xd0, 0x8e, 0xd8, 0x8e, 0xc0, 0xff, 0x76, 0x04, 0x9d,
    0x66, 0x8b, 0x06, 0x27, 0x90, 0x9c, 0x8f, 0x47, 0x04, 0x66, 0x89, 0x07, 0x83, 0xc6, 0x08,
    0x83, 0xc7, 0x08, 0x49, 0x75, 0xe7, 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xc0, 0xcb,
};
#define FARPTR_OFF 0x48
#define OP_OFF     0x5d

struct sample {
    uint16_t ax, pad;
    uint32_t flags;
};
#define NSAMPLES (0x10000 * 4)

static uint8_t *code;
static struct sample *in, *out;

/* Run `op` (1 or 2 bytes) natively on every sample. */
static void host_run(uint8_t b0, uint8_t b1)
{
    code[OP_OFF] = b0;
    code[OP_OFF + 1] = b1;
    ((void (*)(void *, void *, uint32_t))(void *)code)(in, out, NSAMPLES);
}

static void setup(void)
{
    /* MAP_32BIT: the 32-bit code addresses all of it (below 2 GiB). */
    code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    ck_assert_msg(code != MAP_FAILED, "mmap of the compatibility-mode trampoline failed");
    size_t bytes = 2 * NSAMPLES * sizeof(struct sample);
    in = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    ck_assert_msg(in != MAP_FAILED, "mmap of the samples failed");
    out = in + NSAMPLES;
    memcpy(code, tramp_code, sizeof tramp_code);
    uint32_t target = (uint32_t)(uintptr_t)code + 0x50;
    memcpy(code + FARPTR_OFF, &target, 4);
    for (uint32_t i = 0; i < NSAMPLES; i++) {
        uint32_t ax = i >> 2, others = (ax * 0x9e3779b1u) & (EF_SF | EF_ZF | EF_PF | EF_OF);
        in[i] = (struct sample){.ax = (uint16_t)ax,
                                .flags =
                                    EF_FIXED1 | others | (i & 1 ? EF_CF : 0) | (i & 2 ? EF_AF : 0)};
    }
}

static void teardown(void)
{
    munmap(code, 4096);
    munmap(in, 2 * NSAMPLES * sizeof(struct sample));
}

/* Compare the interpreter's handler for `opcode` (imm for AAM/AAD) with the
 * host's results in out[], on AX and the `defined` flags. */
static void compare(int opcode, uint32_t imm, uint32_t defined, const char *name)
{
    struct cpu *cpu = tcpu_new();
    struct insn insn = tinsn(opcode, 4, 0, 0, imm);
    uint32_t differ = 0;
    for (uint32_t i = 0; i < NSAMPLES; i++) {
        cpu->gpr[R_EAX] = 0xabcd0000u | in[i].ax;
        cpu_set_arith(cpu, in[i].flags, EF_ARITH);
        TEQ(trun(cpu, &insn), -1);
        uint32_t f = cpu_get_arith(cpu);
        TCHECK((uint32_t)cpu->gpr[R_EAX] == (0xabcd0000u | out[i].ax),
               "%s %#x: ax=%#x flags=%#x: vx86 AX %#x, host %#x", name, imm, in[i].ax, in[i].flags,
               (uint32_t)cpu->gpr[R_EAX] & 0xffff, out[i].ax);
        TCHECK((f & defined) == (out[i].flags & defined),
               "%s %#x: ax=%#x flags=%#x: vx86 flags %#x, host %#x (compared %#x)", name, imm,
               in[i].ax, in[i].flags, f, out[i].flags & EF_ARITH, defined);
        differ |= out[i].flags ^ in[i].flags;
    }
    /* The host really ran it: some defined flag changed somewhere. */
    ck_assert_uint_ne(differ & defined, 0);
    free(cpu);
}

#define SZP (EF_SF | EF_ZF | EF_PF)

START_TEST(daa_das_vs_host)
{
    host_run(0x27, 0x90);
    compare(0x27, 0, SZP | EF_CF | EF_AF, "daa"); /* OF undefined */
    host_run(0x2f, 0x90);
    compare(0x2f, 0, SZP | EF_CF | EF_AF, "das");
}
END_TEST

START_TEST(aaa_aas_vs_host)
{
    host_run(0x37, 0x90);
    compare(0x37, 0, EF_CF | EF_AF, "aaa"); /* OF SF ZF PF undefined */
    host_run(0x3f, 0x90);
    compare(0x3f, 0, EF_CF | EF_AF, "aas");
}
END_TEST

/* AAM/AAD with the usual base 10 and others (base 0 is #DE: test_alu_bcd). */
START_TEST(aam_aad_vs_host)
{
    static const uint8_t bases[] = {10, 1, 2, 7, 16, 0x80, 0xff};
    for (size_t b = 0; b < sizeof bases; b++) {
        host_run(0xd4, bases[b]);
        compare(0xd4, bases[b], SZP, "aam"); /* OF AF CF undefined */
        host_run(0xd5, bases[b]);
        compare(0xd5, bases[b], SZP, "aad");
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alu_bcd_host");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, daa_das_vs_host);
    tcase_add_test(tc, aaa_aas_vs_host);
    tcase_add_test(tc, aam_aad_vs_host);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
