/* The translator's lockstep checker (translator/check.c): a backend that is
 * deliberately wrong after its Nth block (a register, a flag, an extra RAM
 * write) is caught at that block, with both states, the difference and the
 * block disassembled by Capstone, and the CPU is left in the interpreter's
 * state; correct backends pass thousands of blocks of a real program, with
 * faults; a block that does port I/O runs once (the device sees every
 * access once) and is counted as unchecked. */
#include <capstone/capstone.h>

#include "test_core_harness.h"

#include "cpu/fp80.h"
#include "cpu/mem.h"

#include "translator/backend.h"
#include "translator/check.h"
#include "translator/translator.h"

#define CODE 0x1000u
#define ES_BASE 0x8000u
#define STACK 0x7000u
#define SCRATCH 0x9000u /* the wrong backend's stray write */

/* A loop of ALU, memory-destination, stack, string and branch instructions
 * (nasm, bits 32, org 0x1000), ECX = LOOPS:
 *   start: mov ecx,LOOPS / xor eax,eax / mov esi,0x3000 / xor edx,edx
 *   lp:    add eax,ecx / mov [esi],eax / add [esi+4],edx / adc edx,7 / add esi,4
 *          call sub1 / test cl,3 / jz skip / inc edx / lea ebx,[tab] / jmp ebx
 *   tab:   imul eax,eax,3
 *   skip:  push ecx / movzx edi,cl / mov ecx,edi / shr ecx,2 / rep stosb / pop ecx
 *          cmp esi,0x3100 / jb nowrap / mov esi,0x3000
 *   nowrap: setc bl / dec ecx / jnz lp / hlt
 *   sub1:  push ebx / mov ebx,eax / shl ebx,1 / xor edx,ebx / sbb ebx,[esi] / pop ebx / ret */
static const uint8_t prog32[] = {
    0xb9, 0xe8, 0x03, 0x00, 0x00, 0x31, 0xc0, 0xbe, 0x00, 0x30, 0x00, 0x00, 0x31, 0xd2, 0x01,
    0xc8, 0x89, 0x06, 0x01, 0x56, 0x04, 0x83, 0xd2, 0x07, 0x83, 0xc6, 0x04, 0xe8, 0x31, 0x00,
    0x00, 0x00, 0xf6, 0xc1, 0x03, 0x74, 0x0c, 0x42, 0x8d, 0x1d, 0x2e, 0x10, 0x00, 0x00, 0xff,
    0xe3, 0x6b, 0xc0, 0x03, 0x51, 0x0f, 0xb6, 0xf9, 0x89, 0xf9, 0xc1, 0xe9, 0x02, 0xf3, 0xaa,
    0x59, 0x81, 0xfe, 0x00, 0x31, 0x00, 0x00, 0x72, 0x05, 0xbe, 0x00, 0x30, 0x00, 0x00, 0x0f,
    0x92, 0xc3, 0x49, 0x75, 0xbe, 0xf4, 0x53, 0x89, 0xc3, 0xd1, 0xe3, 0x31, 0xda, 0x1b, 0x1e,
    0x5b, 0xc3};
#define LOOPS 1000u

/* ---- a backend that is the threaded one, wrong after block `bad_at` ---- */

enum bad_kind { BAD_NONE, BAD_REG, BAD_FLAG, BAD_MEM };
static enum bad_kind bad_kind;
static unsigned bad_at, bad_count;
static uint32_t bad_eip; /* the block it corrupted */

static struct tr_exit bad_exec(void *be, struct tr_ctx *ctx, struct tr_block *b)
{
    struct tr_exit x = tr_backend_threaded.exec(be, ctx, b);
    if (++bad_count == bad_at) {
        struct cpu *cpu = ctx->cpu;
        bad_eip = b->eip;
        switch (bad_kind) {
        case BAD_REG: cpu->gpr[R_EBX] ^= 0x10; break;
        case BAD_FLAG: cpu_set_arith(cpu, cpu_get_arith(cpu) ^ EF_CF, EF_CF); break;
        case BAD_MEM: cpu_write(cpu, SEG_DS, SCRATCH, 0xa5, 1); break;
        case BAD_NONE: break;
        }
    }
    return x;
}
static void *bad_create(struct tr_engine *tr) { return tr_backend_threaded.create(tr); }
static void bad_destroy(void *be) { tr_backend_threaded.destroy(be); }
static enum tr_status bad_translate(void *be, struct tr_block *b)
{
    return tr_backend_threaded.translate(be, b);
}
static void bad_link(void *be, struct tr_block *from, int slot, struct tr_block *to)
{
    tr_backend_threaded.link(be, from, slot, to);
}
static void bad_unlink(void *be, struct tr_block *from, int slot)
{
    tr_backend_threaded.unlink(be, from, slot);
}
static void bad_flush(void *be) { tr_backend_threaded.flush(be); }

static const struct tr_backend bad_backend = {
    .name = "wrong",
    .create = bad_create,
    .destroy = bad_destroy,
    .translate = bad_translate,
    .exec = bad_exec,
    .link = bad_link,
    .unlink = bad_unlink,
    .flush = bad_flush,
};

/* ---- machines ---- */

static char *report;
static size_t report_len;
static FILE *report_f;

/* The 32-bit program at CODE, under the interpreter (backend NULL) or the
 * checker over `backend`. */
static struct tmach *make(const struct tr_backend *backend)
{
    struct tmach *t = tm_create();
    cpu_set_engine(t->cpu, NULL); /* whatever VX86_ACCEL says */
    if (backend) {
        struct cpu_engine *e = tr_check_create(t->cpu, tr_engine_create(t->cpu, backend, 0, 0));
        ck_assert_ptr_nonnull(e);
        cpu_set_engine(t->cpu, e);
        ck_assert_ptr_nonnull(tr_check_of_cpu(t->cpu));
        tr_check_set_output(tr_check_of_cpu(t->cpu), report_f, false);
    }
    tm_flat32(t);
    memcpy(t->ram + CODE, prog32, sizeof prog32);
    wr32(t, CODE + 1, LOOPS);
    t->cpu->seg[SEG_ES].base = ES_BASE;
    t->cpu->eip = CODE;
    SETREG(t, R_ESP, STACK);
    return t;
}

static void setup(void)
{
    report = NULL;
    report_len = 0;
    report_f = open_memstream(&report, &report_len);
    bad_kind = BAD_NONE;
    bad_count = 0;
    bad_at = 0;
}
static void teardown(void)
{
    fclose(report_f);
    free(report);
}

static struct tr_check_stats stats_of(struct tmach *t)
{
    struct tr_check_stats s;
    tr_check_get_stats(tr_check_of_cpu(t->cpu), &s);
    return s;
}

static void same_state(struct tmach *a, struct tmach *b)
{
    ck_assert_uint_eq(a->cpu->icount, b->cpu->icount);
    ck_assert_uint_eq(a->cpu->eip, b->cpu->eip);
    for (int r = 0; r < 8; r++)
        ck_assert_msg(a->cpu->gpr[r] == b->cpu->gpr[r], "reg %d: %#llx vs %#llx", r,
                      (unsigned long long)a->cpu->gpr[r], (unsigned long long)b->cpu->gpr[r]);
    ck_assert_uint_eq(cpu_get_eflags(a->cpu), cpu_get_eflags(b->cpu));
    ck_assert(memcmp(a->ram, b->ram, TM_RAM_SIZE) == 0);
}

/* The line of the report that names `what` and says it differs. */
static bool reports_difference(const char *what)
{
    fflush(report_f);
    for (const char *p = report; p && (p = strstr(p, what)); p++) {
        const char *eol = strchr(p, '\n');
        const char *d = strstr(p, "<-- differs");
        if (d && (!eol || d < eol))
            return true;
    }
    return false;
}

/* Capstone's own reading of the first instruction at `eip`, as the report
 * prints it ("mnemonic operands"). */
static void capstone_first(const struct tmach *t, uint32_t eip, char *out, size_t len)
{
    csh h;
    cs_insn *in;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_32, &h), CS_ERR_OK);
    ck_assert_uint_eq(cs_disasm(h, t->ram + eip, 15, eip, 1, &in), 1);
    snprintf(out, len, "%s %s", in->mnemonic, in->op_str);
    cs_free(in, 1);
    cs_close(&h);
}

/* Run the checker over the wrong backend: it stops at block `at` with one
 * difference, reported, and the CPU holds the interpreter's state. */
static void caught(enum bad_kind kind, unsigned at)
{
    bad_kind = kind;
    bad_at = at;
    struct tmach *x = make(&bad_backend);
    enum cpu_exit r = cpu_run(x->cpu, 10000000);
    ck_assert_int_eq(r, CPU_EXIT_STOP);
    ck_assert_uint_eq(bad_count, at);
    struct tr_check_stats s = stats_of(x);
    ck_assert_uint_eq(s.mismatches, 1);
    ck_assert_uint_ge(s.checked, at - 1);
    fflush(report_f);
    ck_assert_ptr_nonnull(strstr(report, "the translator (tcg,backend=wrong,check=on) and the "
                                         "interpreter differ"));
    char where[64];
    snprintf(where, sizeof where, "the block at 0008:%08x", bad_eip);
    ck_assert_msg(strstr(report, where), "no '%s' in:\n%s", where, report);
    char first[320];
    capstone_first(x, bad_eip, first, sizeof first);
    ck_assert_msg(strstr(report, first), "no disassembly '%s' in:\n%s", first, report);

    /* The interpreter's result stands: the same as a plain interpreter run. */
    struct tmach *i = make(NULL);
    cpu_run(i->cpu, x->cpu->icount);
    same_state(i, x);
    tm_destroy(i);
    tm_destroy(x);
}

START_TEST(wrong_register_is_caught)
{
    caught(BAD_REG, 700);
    ck_assert_msg(reports_difference("EBX"), "%s", report);
    ck_assert(!reports_difference("EFLAGS"));
}
END_TEST

START_TEST(wrong_flag_is_caught)
{
    caught(BAD_FLAG, 1234);
    ck_assert_msg(reports_difference("EFLAGS"), "%s", report);
    ck_assert_ptr_nonnull(strstr(report, "EFLAGS bits differing: 0x1 "));
    ck_assert(!reports_difference("EBX"));
}
END_TEST

START_TEST(stray_memory_write_is_caught)
{
    caught(BAD_MEM, 333);
    ck_assert(!reports_difference("EFLAGS"));
    ck_assert(!reports_difference("EAX"));
    char line[64];
    snprintf(line, sizeof line, "%09x/1 = a5", SCRATCH);
    ck_assert_msg(strstr(report, line), "no '%s' in:\n%s", line, report);
    ck_assert(reports_difference(line));
}
END_TEST

/* Correct backends: the whole program (thousands of blocks) checks clean
 * and ends as under the interpreter. */
static void passes(const struct tr_backend *be)
{
    struct tmach *x = make(be), *i = make(NULL);
    ck_assert_int_eq(cpu_run(x->cpu, 100000000), CPU_EXIT_HALT);
    ck_assert_int_eq(cpu_run(i->cpu, 100000000), CPU_EXIT_HALT);
    same_state(i, x);
    struct tr_check_stats s = stats_of(x);
    fflush(report_f);
    ck_assert_msg(s.mismatches == 0, "%s", report);
    ck_assert_uint_gt(s.checked, 4000);
    ck_assert_uint_eq(s.unchecked, 0);
    tm_destroy(i);
    tm_destroy(x);
}

START_TEST(threaded_backend_passes)
{
    passes(&tr_backend_threaded);
}
END_TEST

START_TEST(x64_backend_passes)
{
    if (!tr_backend_by_name("x64"))
        return; /* not built on this host: nothing to check */
    passes(tr_backend_by_name("x64"));
}
END_TEST

/* Run an x87 test program to its HLT (the checker's report on failure). */
static void run_to_halt(struct tmach *t)
{
    enum cpu_exit r = cpu_run(t->cpu, 10000000);
    fflush(report_f);
    if (r != CPU_EXIT_HALT)
        fputs(report ? report : "", stderr);
    ck_assert_int_eq(r, CPU_EXIT_HALT);
}

/* same_state, and the x87 registers (all eight, empty or not), FSW, FTW
 * and FCW. */
static void same_x87_state(struct tmach *t0, struct tmach *t1)
{
    same_state(t0, t1);
    const struct fpu_state *a = &t0->cpu->fpu, *b = &t1->cpu->fpu;
    for (int r = 0; r < 8; r++)
        ck_assert(a->st[r].mant == b->st[r].mant && a->st[r].se == b->st[r].se);
    ck_assert_uint_eq(a->fsw, b->fsw);
    ck_assert_uint_eq(a->ftw, b->ftw);
    ck_assert_uint_eq(a->fcw, b->fcw);
}

/* x87 code (nasm, bits 32, org 0x1000; data at 0x3000: 1.1, 3.0f, the
 * integer 5, 7.0, a denormal, an SNaN, FCW 0x0E7F and 0x037F, 10.0f),
 * ECX = 300:
 * FLD/FILD/FST/FSTP with memory and registers, the arithmetic group on
 * ST(i) and memory with and without pop, FXCH, FSQRT, FCHS, FABS, FLDZ,
 * FLD1, FUCOMI, FCOMIP, FUCOMIP; masked exceptions (inexact, denormal,
 * invalid, zero divide), FNCLEX between operations, stack overflow and
 * underflow (these two through the interpreter), another precision and
 * rounding, FSTENV; two block ends with zero, valid and special values
 * on the stack, where the checker compares the tags. The x64 backend emits
 * the common forms as host x87 code (native_x87.c). */
static const uint8_t prog_x87[] = {
    0xb9, 0x2c, 0x01, 0x00, 0x00, 0xdb, 0xe3, 0xdd, 0x05, 0x00, 0x30, 0x00, 0x00, 0xd9, 0x05,
    0x08, 0x30, 0x00, 0x00, 0xdb, 0x05, 0x0c, 0x30, 0x00, 0x00, 0xd8, 0xc9, 0xdc, 0x05, 0x00,
    0x30, 0x00, 0x00, 0xd8, 0x25, 0x08, 0x30, 0x00, 0x00, 0xdc, 0x2d, 0x10, 0x30, 0x00, 0x00,
    0xdc, 0x35, 0x10, 0x30, 0x00, 0x00, 0xd8, 0x3d, 0x08, 0x30, 0x00, 0x00, 0xd9, 0xca, 0xd9,
    0xc1, 0xd9, 0xfa, 0xd9, 0xe0, 0xd9, 0xe1, 0xde, 0xc1, 0xde, 0xc9, 0xde, 0xe9, 0xde, 0xe1,
    0xd9, 0xee, 0xd9, 0xe8, 0xeb, 0x00, 0xde, 0xf1, 0xdd, 0xd3, 0xdd, 0x1d, 0x00, 0x31, 0x00,
    0x00, 0xd9, 0x15, 0x08, 0x31, 0x00, 0x00, 0xdd, 0xd8, 0xdd, 0x05, 0x18, 0x30, 0x00, 0x00,
    0xdd, 0x05, 0x20, 0x30, 0x00, 0x00, 0xeb, 0x00, 0xd8, 0xc1, 0xdd, 0x1d, 0x10, 0x31, 0x00,
    0x00, 0xdc, 0xf8, 0xd9, 0x1d, 0x18, 0x31, 0x00, 0x00, 0xdf, 0xe0, 0x66, 0xa3, 0x20, 0x31,
    0x00, 0x00, 0xdb, 0xe2, 0xd9, 0xe8, 0xdc, 0xc0, 0xdd, 0x1d, 0x28, 0x31, 0x00, 0x00, 0xdf,
    0xe0, 0x66, 0xa3, 0x30, 0x31, 0x00, 0x00, 0xdd, 0x05, 0x00, 0x30, 0x00, 0x00, 0xdd, 0x05,
    0x10, 0x30, 0x00, 0x00, 0xdb, 0xe9, 0x0f, 0x92, 0xc3, 0xdf, 0xf1, 0x0f, 0x97, 0xc7, 0x66,
    0x89, 0x1d, 0x50, 0x31, 0x00, 0x00, 0xdd, 0x05, 0x20, 0x30, 0x00, 0x00, 0xdf, 0xe9, 0x9c,
    0x8f, 0x05, 0x54, 0x31, 0x00, 0x00, 0xdd, 0xd8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9,
    0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xdd, 0x05, 0x10, 0x30, 0x00, 0x00,
    0xdf, 0xe0, 0x66, 0xa3, 0x34, 0x31, 0x00, 0x00, 0xdb, 0xe3, 0xd8, 0xc1, 0xdf, 0xe0, 0x66,
    0xa3, 0x38, 0x31, 0x00, 0x00, 0xdb, 0xe3, 0xd9, 0x2d, 0x28, 0x30, 0x00, 0x00, 0xd9, 0xe8,
    0xd8, 0x35, 0x2c, 0x30, 0x00, 0x00, 0xd9, 0xc0, 0xdb, 0x3d, 0x80, 0x31, 0x00, 0x00, 0xdd,
    0x1d, 0x40, 0x31, 0x00, 0x00, 0xd9, 0x2d, 0x2a, 0x30, 0x00, 0x00, 0xdd, 0x05, 0x00, 0x30,
    0x00, 0x00, 0xdc, 0x35, 0x10, 0x30, 0x00, 0x00, 0xdd, 0x1d, 0x48, 0x31, 0x00, 0x00, 0x9b,
    0xd9, 0x35, 0x60, 0x31, 0x00, 0x00, 0xdb, 0xe3, 0x83, 0x05, 0x0c, 0x30, 0x00, 0x00, 0x03,
    0x49, 0x0f, 0x85, 0xc5, 0xfe, 0xff, 0xff, 0xf4,
};

START_TEST(x64_backend_x87)
{
    const struct tr_backend *be = tr_backend_by_name("x64");
    if (!be)
        return; /* not built on this host: nothing to check */
    static const uint64_t data64[] = {0x3ff199999999999aull, 0, 0x401c000000000000ull, 1,
                                      0x7ff0000000000001ull};
    struct tmach *t[2];
    for (int k = 0; k < 2; k++) {
        t[k] = make(k ? be : NULL);
        memcpy(t[k]->ram + CODE, prog_x87, sizeof prog_x87);
        memcpy(t[k]->ram + 0x3000, data64, sizeof data64);
        wr32(t[k], 0x3008, 0x40400000); /* 3.0f */
        wr32(t[k], 0x300c, 5);
        wr16(t[k], 0x3028, 0x0e7f); /* 53-bit precision, toward zero */
        wr16(t[k], 0x302a, 0x037f);
        wr32(t[k], 0x302c, 0x41200000); /* 10.0f */
        run_to_halt(t[k]);
    }
    same_x87_state(t[0], t[1]);
    /* the flags seen: FNSTSW after the special operands, after FNCLEX and an
     * exact add, after the overflow and the underflow */
    ck_assert_uint_eq(rd16(t[1], 0x3120) & FPU_EXC, FPU_IE | FPU_DE | FPU_ZE | FPU_PE);
    ck_assert_uint_eq(rd16(t[1], 0x3130) & FPU_EXC, 0);
    double tenth;
    memcpy(&tenth, t[1]->ram + 0x3140, 8);
    ck_assert(tenth < 0.1); /* toward zero (1/10 to nearest rounds up) */
    uint64_t tenth80;
    memcpy(&tenth80, t[1]->ram + 0x3180, 8);
    ck_assert_uint_eq(tenth80 & 0x7ff, 0); /* the 53-bit precision */
    ck_assert_uint_eq(rd16(t[1], 0x3150), 0x0100); /* not below, above */
    uint32_t zpc = EF_ZF | EF_PF | EF_CF;
    ck_assert_uint_eq(rd32(t[1], 0x3154) & zpc, zpc); /* unordered */
    ck_assert_uint_eq(rd16(t[1], 0x3134) & (FPU_EXC | FPU_SF | FPU_C1), FPU_IE | FPU_SF | FPU_C1);
    ck_assert_uint_eq(rd16(t[1], 0x3138) & (FPU_EXC | FPU_SF | FPU_C1), FPU_IE | FPU_SF);
    struct tr_check_stats s = stats_of(t[1]);
    fflush(report_f);
    ck_assert_msg(s.mismatches == 0, "%s", report);
    ck_assert_uint_ge(s.checked, 300 * 3);
    tm_destroy(t[0]);
    tm_destroy(t[1]);
}
END_TEST

/* x87 runs (native_x87.c: the guest's stack on the host's across
 * instructions), nasm, bits 32, org 0x1000, ECX = 100 rounds, one value
 * left on the stack below them all (TOP is not 0 where runs start):
 * - a run across ADD, MOV, LEA and AND, with a misaligned m64 load and a
 *   misaligned integer load (each through its handler and back into the
 *   run), FMUL m64, FADDP, FLD1, FXCH, FST ST(2), FSUBR, FSQRT,
 *   FCHS, FABS, FLD ST(0), FSTP ST(3), FCOMI before a JA, FSTP m64;
 * - eight values deep (the host's stack full), FILD of ECX, a division by zero
 *   (an infinity: a special tag), FDIVR m64, FSTP m32, FUCOMIP and pops
 *   of the values the run computed (their registers keep them);
 * - a run whose last instruction reads a misaligned m64 (it leaves the
 *   block through its handler);
 * - every 8th round ST(5) read while empty: the start's check fails, the
 *   interpreter raises the masked stack underflow;
 * - another precision and rounding (FCW 0x0E7F) for rounds 50 to 21.
 * Data at 0x3000: 1.1, 2.5, 3.25, -0.75, doubles at the misaligned 0x3021
 * and 0x3029, an integer at 0x3040, FCW 0x0E7F and 0x037F; 0x3048 = ECX. */
static const uint8_t prog_x87_runs[] = {
    0xb9, 0x64, 0x00, 0x00, 0x00, 0xdb, 0xe3, 0xdd, 0x05, 0x00, 0x30, 0x00, 0x00, 0x89, 0x0d,
    0x48, 0x30, 0x00, 0x00, 0xdd, 0x05, 0x08, 0x30, 0x00, 0x00, 0xdc, 0x0d, 0x10, 0x30, 0x00,
    0x00, 0x03, 0x05, 0x40, 0x30, 0x00, 0x00, 0x8b, 0x15, 0x43, 0x30, 0x00, 0x00, 0xdd, 0x05,
    0x21, 0x30, 0x00, 0x00, 0xde, 0xc1, 0x8d, 0x34, 0x88, 0xd9, 0xe8, 0xd9, 0xc9, 0xdd, 0xd2,
    0xd8, 0xea, 0x81, 0xe6, 0xff, 0x00, 0x00, 0x00, 0xd9, 0xfa, 0xd9, 0xe0, 0xd9, 0xe1, 0xd9,
    0xc0, 0xdd, 0xdb, 0xdb, 0xf1, 0xdd, 0x1d, 0x00, 0x31, 0x00, 0x00, 0xdd, 0x1d, 0x08, 0x31,
    0x00, 0x00, 0x77, 0x01, 0x43, 0xdd, 0x05, 0x00, 0x30, 0x00, 0x00, 0xdd, 0x05, 0x08, 0x30,
    0x00, 0x00, 0xd9, 0xee, 0xd9, 0xe8, 0xdb, 0x05, 0x48, 0x30, 0x00, 0x00, 0xdd, 0x05, 0x18,
    0x30, 0x00, 0x00, 0xdd, 0x05, 0x10, 0x30, 0x00, 0x00, 0xd8, 0xce, 0xd8, 0xf4, 0xde, 0xc1,
    0xdc, 0x3d, 0x10, 0x30, 0x00, 0x00, 0xd8, 0xe5, 0xd9, 0x1d, 0x10, 0x31, 0x00, 0x00, 0xdf,
    0xe9, 0xdd, 0xd8, 0xdd, 0xd8, 0xdd, 0xd8, 0xdd, 0xd8, 0xdf, 0xe0, 0x66, 0xa3, 0x20, 0x31,
    0x00, 0x00, 0xdd, 0x05, 0x00, 0x30, 0x00, 0x00, 0xdc, 0x05, 0x29, 0x30, 0x00, 0x00, 0xdd,
    0x1d, 0x28, 0x31, 0x00, 0x00, 0xf6, 0xc1, 0x07, 0x75, 0x06, 0xd9, 0xc5, 0xdd, 0xd8, 0xdb,
    0xe2, 0x83, 0xf9, 0x32, 0x75, 0x06, 0xd9, 0x2d, 0x50, 0x30, 0x00, 0x00, 0x83, 0xf9, 0x14,
    0x75, 0x06, 0xd9, 0x2d, 0x52, 0x30, 0x00, 0x00, 0x49, 0x0f, 0x85, 0x2c, 0xff, 0xff, 0xff,
    0xdd, 0xd8, 0xf4,
};

START_TEST(x64_backend_x87_runs)
{
    const struct tr_backend *be = tr_backend_by_name("x64");
    if (!be)
        return; /* not built on this host: nothing to check */
    static const double data[] = {1.1, 2.5, 3.25, -0.75};
    const double odd[] = {0.3, 0.7};
    struct tmach *t[2];
    for (int k = 0; k < 2; k++) {
        t[k] = make(k ? be : NULL);
        memcpy(t[k]->ram + CODE, prog_x87_runs, sizeof prog_x87_runs);
        memcpy(t[k]->ram + 0x3000, data, sizeof data);
        memcpy(t[k]->ram + 0x3021, odd, sizeof odd);
        wr32(t[k], 0x3040, 0x12345);
        wr16(t[k], 0x3050, 0x0e7f);
        wr16(t[k], 0x3052, 0x037f);
        run_to_halt(t[k]);
    }
    same_x87_state(t[0], t[1]);
    ck_assert_uint_eq(t[1]->cpu->fpu.ftw, 0xffff); /* all popped */
    for (uint32_t m = 0x3100; m < 0x3130; m += 4)
        ck_assert_uint_eq(rd32(t[0], m), rd32(t[1], m));
    ck_assert_uint_eq(rd16(t[1], 0x3120) & FPU_ZE, FPU_ZE);
    struct tr_check_stats s = stats_of(t[1]);
    fflush(report_f);
    ck_assert_msg(s.mismatches == 0, "%s", report);
    ck_assert_uint_ge(s.checked, 100 * 5);
    ck_assert_uint_eq(s.unchecked, 0);
    ck_assert_uint_eq(s.fallbacks, 0);
    tm_destroy(t[0]);
    tm_destroy(t[1]);
}
END_TEST

/* Faults: DIV by zero in real mode, whose handler skips the DIV; the
 * faulting block raises #DE in both engines, the run goes on. */
START_TEST(faults_check_clean)
{
    static const uint8_t code[] = {
        0xb9, 0x00, 0x01,       /*     mov cx, 256 */
        0xb8, 0x05, 0x00,       /* l:  mov ax, 5 */
        0x30, 0xdb,             /*     xor bl, bl */
        0xf6, 0xf3,             /*     div bl (#DE, skipped by the handler) */
        0x40,                   /*     inc ax */
        0xe2, 0xf6,             /*     loop l */
        0xf4,                   /*     hlt */
    };
    static const uint8_t handler[] = {
        0x55,                   /* push bp */
        0x89, 0xe5,             /* mov bp, sp */
        0x83, 0x46, 0x02, 0x02, /* add word [bp+2], 2 */
        0xff, 0x06, 0x00, 0x40, /* inc word [0x4000] */
        0x5d,                   /* pop bp */
        0xcf,                   /* iret */
    };
    struct tmach *t[2];
    for (int k = 0; k < 2; k++) {
        t[k] = make(k ? &tr_backend_threaded : NULL);
        tm_real(t[k]);
        memcpy(t[k]->ram + CODE, code, sizeof code);
        memcpy(t[k]->ram + 0x5000, handler, sizeof handler);
        wr16(t[k], 0, 0x5000);
        wr16(t[k], 2, 0);
        t[k]->cpu->idtr = (struct dtr){.base = 0, .limit = 0x3ff};
        t[k]->cpu->eip = CODE;
        ck_assert_int_eq(cpu_run(t[k]->cpu, 1000000), CPU_EXIT_HALT);
    }
    same_state(t[0], t[1]);
    ck_assert_uint_eq(rd16(t[1], 0x4000), 256);
    struct tr_check_stats s = stats_of(t[1]);
    fflush(report_f);
    ck_assert_msg(s.mismatches == 0, "%s", report);
    ck_assert_uint_ge(s.checked, 256);
    tm_destroy(t[0]);
    tm_destroy(t[1]);
}
END_TEST

/* ---- port I/O: the device sees each access once ---- */

struct port_log {
    uint32_t v[16];
    int n;
};
static uint32_t port_read(void *opaque, uint32_t off, int size)
{
    (void)off, (void)size;
    struct port_log *p = opaque;
    return 0x40 + (uint32_t)p->n++; /* reads have side effects too */
}
static void port_write(void *opaque, uint32_t off, uint32_t value, int size)
{
    (void)off, (void)size;
    struct port_log *p = opaque;
    if (p->n < 16)
        p->v[p->n] = value;
    p->n++;
}
static const struct io_ops port_ops = {port_read, port_write, 0};

START_TEST(device_access_is_not_repeated)
{
    static const uint8_t code[] = {
        0xba, 0x00, 0x03, 0x00, 0x00, /* mov edx, 0x300 */
        0xb0, 0x11,                   /* mov al, 0x11 */
        0xee,                         /* out dx, al */
        0xfe, 0xc0,                   /* inc al */
        0xee,                         /* out dx, al */
        0xec,                         /* in al, dx */
        0x89, 0xc3,                   /* mov ebx, eax */
        0xf4,                         /* hlt */
    };
    struct port_log log = {0};
    struct tmach *x = make(&tr_backend_threaded);
    ioport_register(x->io, 0x300, 1, &port_ops, &log);
    memcpy(x->ram + CODE, code, sizeof code);
    ck_assert_int_eq(cpu_run(x->cpu, 1000), CPU_EXIT_HALT);
    ck_assert_int_eq(log.n, 3);
    ck_assert_uint_eq(log.v[0], 0x11);
    ck_assert_uint_eq(log.v[1], 0x12);
    ck_assert_uint_eq(REG(x, R_EBX) & 0xff, 0x42);
    struct tr_check_stats s = stats_of(x);
    ck_assert_uint_eq(s.mismatches, 0);
    ck_assert_uint_ge(s.unchecked, 1);
    tm_destroy(x);
}
END_TEST

START_TEST(check_option_is_parsed)
{
    struct tr_accel a;
    char err[256];
    ck_assert(tr_accel_parse("tcg,check=on", &a, err, sizeof err) && a.tcg && a.check);
    ck_assert(tr_accel_parse("tcg,backend=threaded,check=off", &a, err, sizeof err) && !a.check);
    ck_assert(!tr_accel_parse("tcg,check=maybe", &a, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "check=on|off"));
    struct tmach *t = tm_create();
    ck_assert(tr_accel_parse("tcg,backend=threaded,check=on", &a, err, sizeof err));
    ck_assert(tr_accel_apply(t->cpu, &a, err, sizeof err));
    ck_assert_ptr_nonnull(tr_check_of_cpu(t->cpu));
    tm_destroy(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_check");
    TCase *tc = tcase_create("check");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, wrong_register_is_caught);
    tcase_add_test(tc, wrong_flag_is_caught);
    tcase_add_test(tc, stray_memory_write_is_caught);
    tcase_add_test(tc, threaded_backend_passes);
    tcase_add_test(tc, x64_backend_passes);
    tcase_add_test(tc, x64_backend_x87);
    tcase_add_test(tc, x64_backend_x87_runs);
    tcase_add_test(tc, faults_check_clean);
    tcase_add_test(tc, device_access_is_not_repeated);
    tcase_add_test(tc, check_option_is_parsed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
