/* The x86-64 emitter (translator/x64/emit.c): every form over registers
 * including r8-r15, RSP, RBP, R12 and R13 (the ModRM/SIB special cases),
 * disassembled by Capstone and compared with the text we expect; then a few
 * emitted functions are run. */
#include <capstone/capstone.h>
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "translator/x64/emit.h"

static const char *const r64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const r32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const r16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const r8n[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const cc_name[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                        "s", "ns", "p", "np", "l", "ge", "le", "g"};
static const char *const alu_name[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
static const char *const shift_name[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};

/* A selection that exercises every REX bit and every ModRM/SIB special case. */
static const int regs[] = {X64_RAX, X64_RCX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
                           X64_R8,  X64_R11, X64_R12, X64_R13, X64_R15};
#define NREGS (int)(sizeof regs / sizeof regs[0])

static const char *reg_name(int size, int r)
{
    switch (size) {
    case 1: return r8n[r];
    case 2: return r16[r];
    case 4: return r32[r];
    default: return r64[r];
    }
}

static const char *ptr_name(int size)
{
    switch (size) {
    case 1: return "byte ptr ";
    case 2: return "word ptr ";
    case 4: return "dword ptr ";
    case 8: return "qword ptr ";
    default: return "";
    }
}

/* Capstone 4 prints numbers below 10 in decimal, others in hex. */
static void num(char *s, size_t n, int64_t v)
{
    if (v < 0)
        snprintf(s, n, v > -10 ? "-%lld" : "-0x%llx", (long long)-v);
    else
        snprintf(s, n, v < 10 ? "%lld" : "0x%llx", (long long)v);
}

/* Expected text of a memory operand of `size` (0: no "ptr" prefix, LEA). */
static char *mem_text(char *s, size_t n, int size, struct x64_mem m)
{
    char d[32] = "";
    int p = snprintf(s, n, "%s[", ptr_name(size));
    bool any = false;
    if (m.base != X64_NOREG) {
        p += snprintf(s + p, n - p, "%s", r64[m.base]);
        any = true;
    }
    if (m.index != X64_NOREG) {
        p += snprintf(s + p, n - p, "%s%s*%d", any ? " + " : "", r64[m.index], 1 << m.scale);
        any = true;
    }
    if (!any) {
        num(d, sizeof d, (uint32_t)m.disp);
        p += snprintf(s + p, n - p, "%s", d);
    } else if (m.disp != 0) {
        num(d, sizeof d, m.disp < 0 ? -(int64_t)m.disp : m.disp);
        p += snprintf(s + p, n - p, " %c %s", m.disp < 0 ? '-' : '+', d);
    }
    snprintf(s + p, n - p, "]");
    return s;
}

static csh cs;
static uint8_t code[256];

/* Disassemble what `b` holds (all of it, as "insn; insn") into `out`. */
static void disasm(const struct x64_buf *b, char *out, size_t n)
{
    cs_insn *insn;
    size_t count = cs_disasm(cs, b->code, b->pos, 0x1000, 0, &insn);
    size_t used = 0;
    out[0] = 0;
    int p = 0;
    for (size_t i = 0; i < count; i++) {
        p += snprintf(out + p, n - p, "%s%s%s%s", i ? "; " : "", insn[i].mnemonic,
                      insn[i].op_str[0] ? " " : "", insn[i].op_str);
        used += insn[i].size;
    }
    if (count)
        cs_free(insn, count);
    if (used != b->pos)
        snprintf(out + p, n - p, " <%zu of %u bytes decoded>", used, b->pos);
}

static int checks;

static void expect(const struct x64_buf *b, const char *what, const char *fmt, ...)
{
    char want[1024], got[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    ck_assert_msg(x64_ok(b), "%s: emitter error (%s)", what, want);
    disasm(b, got, sizeof got);
    ck_assert_msg(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", what, got, want);
    checks++;
}

/* Emit `stmt` (using `B`) into a fresh buffer and compare its disassembly. */
#define EXPECT(stmt, ...)                                                                \
    do {                                                                                 \
        struct x64_buf B_;                                                               \
        struct x64_buf *B = &B_;                                                         \
        x64_init(B, code, sizeof code);                                                  \
        stmt;                                                                            \
        expect(B, #stmt, __VA_ARGS__);                                                   \
    } while (0)

static const int sizes[] = {1, 2, 4, 8};

/* Memory operands covering base/index special cases and displacement sizes. */
static struct x64_mem mems(int i, int j)
{
    static const int32_t disps[] = {0, 8, -8, 0x7f, 0x80, -0x81, 0x12345678, -0x1000};
    int base = regs[i % NREGS], index = regs[(i * 7 + j) % NREGS];
    int32_t disp = disps[(i + j) % 8];
    switch (j % 4) {
    case 0: return X64_MEM(base, disp);
    case 1: return X64_MEMX(base, index == X64_RSP ? X64_R9 : index, j % 4, disp);
    case 2: return X64_MEMX(X64_NOREG, index == X64_RSP ? X64_R10 : index, 3, disp);
    default: return X64_MEM(base, 0);
    }
}

START_TEST(moves)
{
    char m[96];
    for (int si = 0; si < 4; si++) {
        int s = sizes[si];
        for (int i = 0; i < NREGS; i++) {
            int a = regs[i], c = regs[(i + 5) % NREGS];
            EXPECT(x64_mov_rr(B, s, a, c), "mov %s, %s", reg_name(s, a), reg_name(s, c));
            for (int j = 0; j < 4; j++) {
                struct x64_mem mm = mems(i, j);
                mem_text(m, sizeof m, s, mm);
                EXPECT(x64_mov_rm(B, s, a, mm), "mov %s, %s", reg_name(s, a), m);
                EXPECT(x64_mov_mr(B, s, mm, c), "mov %s, %s", m, reg_name(s, c));
                EXPECT(x64_mov_mi(B, s, mm, 0x5a), "mov %s, 0x5a", m);
                EXPECT(x64_xchg_rm(B, s, a, mm), "xchg %s, %s", m, reg_name(s, a));
                if (s > 1) {
                    mem_text(m, sizeof m, 0, mm);
                    EXPECT(x64_lea(B, s, a, mm), "lea %s, %s", reg_name(s, a), m);
                }
            }
            if (a != c && a != X64_RAX && c != X64_RAX)
                EXPECT(x64_xchg_rr(B, s, a, c), "xchg %s, %s", reg_name(s, a), reg_name(s, c));
        }
    }
    /* Immediates: the shortest encoding that gives the value. */
    EXPECT(x64_mov_ri(B, 4, X64_R13, 0x12345678), "mov r13d, 0x12345678");
    EXPECT(x64_mov_ri(B, 8, X64_RAX, 0xffffffffu), "mov eax, 0xffffffff");
    EXPECT(x64_mov_ri(B, 8, X64_R12, 0xfffffffffffffff0ull), "mov r12, -0x10"); /* C7 /0 */
    EXPECT(x64_mov_ri(B, 8, X64_RSP, 0x123456789abcull), "movabs rsp, 0x123456789abc");
    EXPECT(x64_mov_ri(B, 2, X64_R9, 0x1234), "mov r9w, 0x1234");
    EXPECT(x64_mov_ri(B, 1, X64_RSI, 0x80), "mov sil, 0x80");
    EXPECT(x64_mov_ri(B, 1, X64_RBX, 7), "mov bl, 7");
    EXPECT(x64_mov_mi(B, 8, X64_MEM(X64_NOREG, 0x1000), -1), "mov qword ptr [0x1000], -1");
}
END_TEST

START_TEST(extensions)
{
    char m[96];
    for (int i = 0; i < NREGS; i++) {
        int a = regs[i], c = regs[(i + 3) % NREGS];
        struct x64_mem mm = mems(i, i);
        EXPECT(x64_movzx_rr(B, 4, 1, a, c), "movzx %s, %s", r32[a], r8n[c]);
        EXPECT(x64_movzx_rr(B, 4, 2, a, c), "movzx %s, %s", r32[a], r16[c]);
        EXPECT(x64_movzx_rr(B, 8, 1, a, c), "movzx %s, %s", r64[a], r8n[c]);
        EXPECT(x64_movzx_rr(B, 2, 1, a, c), "movzx %s, %s", r16[a], r8n[c]);
        EXPECT(x64_movsx_rr(B, 4, 1, a, c), "movsx %s, %s", r32[a], r8n[c]);
        EXPECT(x64_movsx_rr(B, 8, 2, a, c), "movsx %s, %s", r64[a], r16[c]);
        EXPECT(x64_movsx_rr(B, 8, 4, a, c), "movsxd %s, %s", r64[a], r32[c]);
        EXPECT(x64_movzx_rr(B, 8, 4, a, c), "mov %s, %s", r32[a], r32[c]);
        EXPECT(x64_movzx_rm(B, 4, 1, a, mm), "movzx %s, %s", r32[a], mem_text(m, sizeof m, 1, mm));
        EXPECT(x64_movzx_rm(B, 4, 2, a, mm), "movzx %s, %s", r32[a], mem_text(m, sizeof m, 2, mm));
        EXPECT(x64_movsx_rm(B, 4, 1, a, mm), "movsx %s, %s", r32[a], mem_text(m, sizeof m, 1, mm));
        EXPECT(x64_movsx_rm(B, 4, 2, a, mm), "movsx %s, %s", r32[a], mem_text(m, sizeof m, 2, mm));
        EXPECT(x64_movsx_rm(B, 8, 4, a, mm), "movsxd %s, %s", r64[a], mem_text(m, sizeof m, 4, mm));
        EXPECT(x64_bswap(B, 4, a), "bswap %s", r32[a]);
        EXPECT(x64_bswap(B, 8, a), "bswap %s", r64[a]);
    }
}
END_TEST

START_TEST(alu)
{
    char m[96], n1[32];
    static const int32_t imms[] = {1, -1, 0x7f, 0x80, -0x80, 0x1234};
    for (int op = 0; op < 8; op++)
        for (int si = 0; si < 4; si++) {
            int s = sizes[si];
            for (int i = 0; i < NREGS; i++) {
                int a = regs[i], c = regs[(i + op + 1) % NREGS];
                struct x64_mem mm = mems(i, op);
                mem_text(m, sizeof m, s, mm);
                EXPECT(x64_alu_rr(B, op, s, a, c), "%s %s, %s", alu_name[op], reg_name(s, a),
                       reg_name(s, c));
                EXPECT(x64_alu_rm(B, op, s, a, mm), "%s %s, %s", alu_name[op], reg_name(s, a), m);
                EXPECT(x64_alu_mr(B, op, s, mm, c), "%s %s, %s", alu_name[op], m, reg_name(s, c));
                int32_t v = imms[(i + op) % 6];
                if (s == 1)
                    v = (int8_t)v;
                else if (s == 2)
                    v = (int16_t)v;
                /* Capstone shows byte immediates and those of the logical
                 * operations unsigned (of the operand size), others signed. */
                int64_t shown = v;
                if (s == 1 || op == X64_OR || op == X64_AND || op == X64_XOR)
                    shown = s == 8 ? v : (int64_t)((uint64_t)v & ((1ull << (8 * s)) - 1));
                char u64[32];
                snprintf(u64, sizeof u64, "0x%llx", (unsigned long long)(int64_t)v);
                num(n1, sizeof n1, shown);
                if (s == 8 && v < 0 && (op == X64_OR || op == X64_AND || op == X64_XOR))
                    strcpy(n1, u64);
                EXPECT(x64_alu_ri(B, op, s, a, v), "%s %s, %s", alu_name[op], reg_name(s, a), n1);
                EXPECT(x64_alu_mi(B, op, s, mm, v), "%s %s, %s", alu_name[op], m, n1);
            }
        }
}
END_TEST

START_TEST(unary_shift_test)
{
    char m[96];
    static const char *const un[8] = {"", "", "not", "neg", "mul", "imul", "div", "idiv"};
    for (int si = 0; si < 4; si++) {
        int s = sizes[si];
        for (int i = 0; i < NREGS; i++) {
            int a = regs[i], c = regs[(i + 2) % NREGS];
            struct x64_mem mm = mems(i, si);
            mem_text(m, sizeof m, s, mm);
            EXPECT(x64_inc_r(B, s, a), "inc %s", reg_name(s, a));
            EXPECT(x64_dec_r(B, s, a), "dec %s", reg_name(s, a));
            EXPECT(x64_inc_m(B, s, mm), "inc %s", m);
            EXPECT(x64_dec_m(B, s, mm), "dec %s", m);
            for (int op = X64_NOT; op <= X64_IDIV; op++) {
                EXPECT(x64_unary_r(B, op, s, a), "%s %s", un[op], reg_name(s, a));
                EXPECT(x64_unary_m(B, op, s, mm), "%s %s", un[op], m);
            }
            EXPECT(x64_test_rr(B, s, a, c), "test %s, %s", reg_name(s, a), reg_name(s, c));
            EXPECT(x64_test_ri(B, s, a, 0x41), "test %s, 0x41", reg_name(s, a));
            EXPECT(x64_test_mi(B, s, mm, 0x41), "test %s, 0x41", m);
            for (int op = 0; op < 8; op++) {
                if (op == X64_SAL)
                    continue; /* /6 is an alias Capstone prints differently */
                EXPECT(x64_shift_ri(B, op, s, a, 5), "%s %s, 5", shift_name[op], reg_name(s, a));
                EXPECT(x64_shift_ri(B, op, s, a, 1), "%s %s, 1", shift_name[op], reg_name(s, a));
                EXPECT(x64_shift_rcl(B, op, s, a), "%s %s, cl", shift_name[op], reg_name(s, a));
                EXPECT(x64_shift_mi(B, op, s, mm, 3), "%s %s, 3", shift_name[op], m);
            }
            if (s == 1)
                continue;
            EXPECT(x64_imul_rr(B, s, a, c), "imul %s, %s", reg_name(s, a), reg_name(s, c));
            EXPECT(x64_imul_rm(B, s, a, mm), "imul %s, %s", reg_name(s, a), m);
            EXPECT(x64_imul_rri(B, s, a, c, 9), "imul %s, %s, 9", reg_name(s, a), reg_name(s, c));
            EXPECT(x64_imul_rri(B, s, a, c, 0x1234), "imul %s, %s, 0x1234", reg_name(s, a),
                   reg_name(s, c));
            static const char *const btn[4] = {"bt", "bts", "btr", "btc"};
            for (int op = X64_BT; op <= X64_BTC; op++) {
                EXPECT(x64_bt_rr(B, op, s, a, c), "%s %s, %s", btn[op - 4], reg_name(s, a),
                       reg_name(s, c));
                EXPECT(x64_bt_ri(B, op, s, a, 13), "%s %s, 0xd", btn[op - 4], reg_name(s, a));
            }
            for (int cc = 0; cc < 16; cc += 3) {
                EXPECT(x64_cmovcc(B, cc, s, a, c), "cmov%s %s, %s", cc_name[cc], reg_name(s, a),
                       reg_name(s, c));
                EXPECT(x64_cmovcc_m(B, cc, s, a, mm), "cmov%s %s, %s", cc_name[cc],
                       reg_name(s, a), m);
            }
        }
    }
    for (int cc = 0; cc < 16; cc++)
        for (int i = 0; i < NREGS; i++)
            EXPECT(x64_setcc(B, cc, regs[i]), "set%s %s", cc_name[cc], r8n[regs[i]]);
}
END_TEST

START_TEST(stack_and_flow)
{
    for (int i = 0; i < NREGS; i++) {
        int a = regs[i];
        EXPECT(x64_push(B, a), "push %s", r64[a]);
        EXPECT(x64_pop(B, a), "pop %s", r64[a]);
        EXPECT(x64_call_r(B, a), "call %s", r64[a]);
        EXPECT(x64_jmp_r(B, a), "jmp %s", r64[a]);
    }
    EXPECT(x64_pushf(B), "pushfq");
    EXPECT(x64_popf(B), "popfq");
    EXPECT(x64_lahf(B), "lahf");
    EXPECT(x64_sahf(B), "sahf");
    EXPECT(x64_ret(B), "ret");
    EXPECT(x64_ud2(B), "ud2");
    EXPECT(x64_jmp_m(B, X64_MEM(X64_R13, 16)), "jmp qword ptr [r13 + 0x10]");
    /* Forward jumps patched to a later point (addresses from 0x1000). */
    for (int cc = 0; cc < 16; cc++) {
        EXPECT((x64_patch_rel32(B, x64_jcc32(B, cc)), x64_ret(B)), "j%s 0x1006; ret",
               cc_name[cc]);
        EXPECT((x64_patch_rel8(B, x64_jcc8(B, cc)), x64_ret(B)), "j%s 0x1002; ret", cc_name[cc]);
    }
    EXPECT((x64_patch_rel8(B, x64_jrcxz8(B)), x64_ret(B)), "jrcxz 0x1002; ret");
    EXPECT({
        uint32_t s = x64_jmp8(B);
        x64_nop(B, 1);
        x64_patch_rel8(B, s);
        x64_ret(B);
    }, "jmp 0x1003; nop; ret");
    EXPECT({
        uint32_t s = x64_jmp32(B);
        x64_nop(B, 3);
        x64_patch_rel32(B, s);
        x64_ret(B);
    }, "jmp 0x1008; nop dword ptr [rax]; ret");
    /* Backward jumps to known positions pick rel8 or rel32. */
    EXPECT((x64_nop(B, 1), x64_jcc_to(B, X64_CC_NE, 0)), "nop; jne 0x1000");
    EXPECT((x64_nop(B, 1), x64_jmp_to(B, 0)), "nop; jmp 0x1000");
    char many[22 * 26 + 16] = "";
    for (int i = 0; i < 22; i++)
        strcat(many, "nop word ptr [rax + rax]; ");
    strcat(many, "jmp 0x1000");
    EXPECT((x64_nop(B, 22 * 9), x64_jmp_to(B, 0)), "%s", many); /* rel32 backwards */
}
END_TEST

START_TEST(errors_and_overflow)
{
    uint8_t small[8];
    struct x64_buf b;
    x64_init(&b, small, 4);
    memset(small, 0xcc, sizeof small);
    x64_mov_ri(&b, 8, X64_RAX, 0x123456789abcdefull); /* 10 bytes into 4 */
    ck_assert(b.overflow);
    ck_assert_uint_le(b.pos, 4);
    for (int i = 4; i < 8; i++)
        ck_assert_uint_eq(small[i], 0xcc); /* never written past the end */

    x64_init(&b, code, sizeof code);
    x64_lea(&b, 1, X64_RAX, X64_MEM(X64_RAX, 0)); /* no 8-bit LEA */
    ck_assert(b.error);
    x64_init(&b, code, sizeof code);
    x64_mov_rm(&b, 4, X64_RAX, X64_MEMX(X64_RAX, X64_RSP, 0, 0)); /* RSP is no index */
    ck_assert(b.error);
    x64_init(&b, code, sizeof code);
    uint32_t s = x64_jcc8(&b, X64_CC_E);
    x64_nop(&b, 130);
    x64_patch_rel8(&b, s); /* out of rel8 range */
    ck_assert(b.error);
    x64_init(&b, code, sizeof code);
    x64_movzx_rr(&b, 2, 2, X64_RAX, X64_RCX);
    ck_assert(b.error);
}
END_TEST

#if defined(__x86_64__)
/* Executable memory for the run tests: written through one mapping, run
 * through... the same one (RWX is fine in a test). */
static uint8_t *exec_mem(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(p != MAP_FAILED);
    return p;
}

static uint64_t add3(uint64_t a, uint64_t b, uint64_t c) { return a + 2 * b + 3 * c; }

START_TEST(run)
{
    uint8_t *mem = exec_mem(8192);
    struct x64_buf b;

    /* uint64_t f(uint64_t *p, uint64_t i): p[i] * 3 + 5 via r12/r13 (callee-saved). */
    x64_init(&b, mem, 4096);
    x64_push(&b, X64_R12);
    x64_push(&b, X64_R13);
    x64_mov_rr(&b, 8, X64_R12, X64_RDI);
    x64_mov_rr(&b, 8, X64_R13, X64_RSI);
    x64_mov_rm(&b, 8, X64_RAX, X64_MEMX(X64_R12, X64_R13, 3, 0));
    x64_imul_rri(&b, 8, X64_RAX, X64_RAX, 3);
    x64_lea(&b, 8, X64_RAX, X64_MEM(X64_RAX, 5));
    x64_pop(&b, X64_R13);
    x64_pop(&b, X64_R12);
    x64_ret(&b);
    ck_assert(x64_ok(&b));
    uint64_t arr[4] = {1, 10, 100, 1000};
    uint64_t (*f)(uint64_t *, uint64_t) = (void *)mem;
    ck_assert_uint_eq(f(arr, 2), 305);
    ck_assert_uint_eq(f(arr, 3), 3005);

    /* int g(uint32_t a, uint32_t b): (a < b signed) via cmp + setcc + movzx,
     * plus a forward branch: returns 7 when a == b. */
    x64_init(&b, mem + 512, 512);
    x64_alu_rr(&b, X64_CMP, 4, X64_RDI, X64_RSI);
    uint32_t eq = x64_jcc8(&b, X64_CC_E);
    x64_setcc(&b, X64_CC_L, X64_RAX);
    x64_movzx_rr(&b, 4, 1, X64_RAX, X64_RAX);
    x64_ret(&b);
    x64_patch_rel8(&b, eq);
    x64_mov_ri(&b, 4, X64_RAX, 7);
    x64_ret(&b);
    ck_assert(x64_ok(&b));
    int (*g)(uint32_t, uint32_t) = (void *)(mem + 512);
    ck_assert_int_eq(g((uint32_t)-5, 3), 1);
    ck_assert_int_eq(g(5, 3), 0);
    ck_assert_int_eq(g(4, 4), 7);

    /* A call to an absolute helper from generated code, stack kept 16-aligned. */
    x64_init(&b, mem + 1024, 512);
    x64_push(&b, X64_RBX);
    x64_mov_ri(&b, 8, X64_RDX, 100);
    x64_call_abs(&b, (void *)add3, X64_R11);
    x64_pop(&b, X64_RBX);
    x64_ret(&b);
    ck_assert(x64_ok(&b));
    uint64_t (*h)(uint64_t, uint64_t) = (void *)(mem + 1024);
    ck_assert_uint_eq(h(1, 2), 1 + 4 + 300);

    /* Patchable sites: first fall through, then retargeted. */
    x64_init(&b, mem + 2048, 1024);
    uint32_t site = x64_jmp_site(&b);
    ck_assert_uint_eq(((uintptr_t)(mem + 2048 + site)) % 4, 0);
    x64_mov_ri(&b, 4, X64_RAX, 1);
    x64_ret(&b);
    uint32_t two = b.pos;
    x64_mov_ri(&b, 4, X64_RAX, 2);
    x64_ret(&b);
    uint32_t site64 = x64_jmp_site64(&b, mem + 2048 + two);
    ck_assert_uint_eq(((uintptr_t)(mem + 2048 + site64)) % 8, 0);
    ck_assert(x64_ok(&b));
    int (*k)(void) = (void *)(mem + 2048);
    ck_assert_int_eq(k(), 1);
    x64_set_jmp_site(mem + 2048 + site, mem + 2048 + two);
    ck_assert_int_eq(k(), 2);
    /* The 64-bit site, entered at the start of its jump (after padding). */
    x64_set_jmp_site64(mem + 2048 + site64, mem + 2048 + site + 4); /* mov eax,1; ret */
    int (*k64)(void) = (void *)(mem + 2048 + site64 - 6);
    ck_assert_int_eq(k64(), 1);

    /* Shifts, rotates, BT and CMOV against C. */
    x64_init(&b, mem + 3072, 1024);
    x64_mov_rr(&b, 4, X64_RAX, X64_RDI);
    x64_mov_rr(&b, 4, X64_RCX, X64_RSI);
    x64_shift_rcl(&b, X64_ROL, 4, X64_RAX);
    x64_shift_ri(&b, X64_SAR, 4, X64_RAX, 3);
    x64_bt_ri(&b, X64_BT, 4, X64_RDI, 0);
    x64_mov_ri(&b, 4, X64_R10, 0x55);
    x64_cmovcc(&b, X64_CC_B, 4, X64_RAX, X64_R10);
    x64_ret(&b);
    ck_assert(x64_ok(&b));
    uint32_t (*sh)(uint32_t, uint32_t) = (void *)(mem + 3072);
    for (uint32_t t = 0; t < 64; t++) {
        uint32_t a = 0x9e3779b9u * (t + 1), c = t * 7 % 32;
        uint32_t r = c ? (a << c) | (a >> (32 - c)) : a;
        uint32_t want = (a & 1) ? 0x55 : (uint32_t)((int32_t)r >> 3);
        ck_assert_uint_eq(sh(a, c), want);
    }
    munmap(mem, 8192);
}
END_TEST
#endif

int main(void)
{
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
        fprintf(stderr, "capstone: cannot open x86-64\n");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("x64_emit");
    TCase *tc = tcase_create("emit");
    tcase_add_test(tc, moves);
    tcase_add_test(tc, extensions);
    tcase_add_test(tc, alu);
    tcase_add_test(tc, unary_shift_test);
    tcase_add_test(tc, stack_and_flow);
    tcase_add_test(tc, errors_and_overflow);
#if defined(__x86_64__)
    tcase_add_test(tc, run);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    cs_close(&cs);
    printf("%d disassembly checks\n", checks);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
