/* Multiply and divide (group 3 F6/F7, IMUL 0F AF / 69 / 6B) and the sign
 * extensions that prepare a division (CBW/CWDE, CWD/CDQ). */
#include "cpu/alu.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/operand.h"

static inline int64_t sext(uint32_t v, int size)
{
    return size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : (int32_t)v;
}

/* The accumulator pair as one value: AX, DX:AX or EDX:EAX. */
static uint64_t acc_pair(const struct cpu *cpu, int size)
{
    switch (size) {
    case 1: return cpu_reg(cpu, R_EAX, 2);
    case 2: return (uint32_t)cpu_reg(cpu, R_EDX, 2) << 16 | cpu_reg(cpu, R_EAX, 2);
    default: return (uint64_t)(uint32_t)cpu->gpr[R_EDX] << 32 | (uint32_t)cpu->gpr[R_EAX];
    }
}

static void set_acc_pair(struct cpu *cpu, int size, uint32_t lo, uint32_t hi)
{
    if (size == 1) {
        cpu_set_reg(cpu, R_EAX, 1, lo);
        cpu_set_reg(cpu, 4 /* AH */, 1, hi);
    } else {
        cpu_set_reg(cpu, R_EAX, size, lo);
        cpu_set_reg(cpu, R_EDX, size, hi);
    }
}

/* Flags after a multiply: CF = OF = `overflow` (SDM MUL/IMUL). SF ZF AF PF
 * are undefined; like Bochs and QEMU we give SF ZF PF of the low half of the
 * result and AF = 0. */
static void mul_flags(struct cpu *cpu, int size, uint32_t lo, bool overflow)
{
    cpu_lf_set_szp(cpu, size, lo, overflow ? EF_CF | EF_OF : 0);
}

void alu_mul(struct cpu *cpu, uint32_t src, int size)
{
    uint32_t m = size_mask(size);
    uint64_t p = (uint64_t)(cpu_reg(cpu, R_EAX, size) & m) * (src & m);
    uint32_t lo = (uint32_t)p & m, hi = (uint32_t)(p >> (size * 8)) & m;
    set_acc_pair(cpu, size, lo, hi);
    mul_flags(cpu, size, lo, hi != 0);
}

void alu_imul1(struct cpu *cpu, uint32_t src, int size)
{
    uint32_t m = size_mask(size);
    int64_t p = sext(cpu_reg(cpu, R_EAX, size), size) * sext(src, size);
    uint32_t lo = (uint32_t)p & m, hi = (uint32_t)((uint64_t)p >> (size * 8)) & m;
    set_acc_pair(cpu, size, lo, hi);
    mul_flags(cpu, size, lo, p != sext(lo, size));
}

/* DIV/IDIV leave the (undefined) arithmetic flags unchanged, as Bochs does.
 * #DE is a fault: nothing has been written when it is raised. */
void alu_div(struct cpu *cpu, uint32_t src, int size)
{
    uint32_t m = size_mask(size);
    uint64_t d = src & m;
    if (d == 0)
        cpu_exception(cpu, EXC_DE, 0);
    uint64_t n = acc_pair(cpu, size);
    uint64_t q = n / d, r = n % d;
    if (q > m)
        cpu_exception(cpu, EXC_DE, 0);
    set_acc_pair(cpu, size, (uint32_t)q, (uint32_t)r);
}

/* IDIV: the quotient truncates toward zero and must fit the signed range
 * (SDM IDIV: #DE when it is > 7F..H or < 80..H, so -80..H itself is fine on
 * the P6, unlike the 8086). The remainder has the dividend's sign. */
void alu_idiv(struct cpu *cpu, uint32_t src, int size)
{
    int64_t d = sext(src, size);
    if (d == 0)
        cpu_exception(cpu, EXC_DE, 0);
    int bits = size * 8;
    uint64_t raw = acc_pair(cpu, size);
    int64_t n = bits == 32 ? (int64_t)raw : (int64_t)(raw << (64 - 2 * bits)) >> (64 - 2 * bits);
    if (d == -1 && n == INT64_MIN) /* the quotient 2^63 does not fit any size */
        cpu_exception(cpu, EXC_DE, 0);
    int64_t q = n / d, r = n % d;
    int64_t qmax = ((int64_t)1 << (bits - 1)) - 1;
    if (q > qmax || q < -qmax - 1)
        cpu_exception(cpu, EXC_DE, 0);
    set_acc_pair(cpu, size, (uint32_t)q, (uint32_t)r);
}

/* F6/F7: TEST Ib/Iz, NOT, NEG, MUL, IMUL, DIV, IDIV by ModRM.reg. */
static void grp3(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    uint32_t v = rm_read(cpu, in, size);
    switch (in->reg) {
    case 0:
    case 1: alu_test(cpu, v, in->imm, size); break; /* /1 is an alias of /0 */
    case 2: rm_write(cpu, in, size, ~v); break;     /* NOT: no flags */
    case 3: rm_write(cpu, in, size, alu_neg(cpu, v, size)); break;
    case 4: alu_mul(cpu, v, size); break;
    case 5: alu_imul1(cpu, v, size); break;
    case 6: alu_div(cpu, v, size); break;
    default: alu_idiv(cpu, v, size); break;
    }
}

void op_grp3_Eb(struct cpu *cpu, const struct insn *in) { grp3(cpu, in); }
void op_grp3_Ev(struct cpu *cpu, const struct insn *in) { grp3(cpu, in); }

/* IMUL Gv, Ev, b: the product truncated to the operand size; CF = OF = the
 * truncation lost significant bits. */
static void imul_to_reg(struct cpu *cpu, const struct insn *in, uint32_t a, uint32_t b)
{
    int size = in->opsize;
    int64_t p = sext(a, size) * sext(b, size);
    uint32_t lo = (uint32_t)p & size_mask(size);
    reg_write(cpu, in, size, lo);
    mul_flags(cpu, size, lo, p != sext(lo, size));
}

void op_imul_GvEv(struct cpu *cpu, const struct insn *in)
{
    imul_to_reg(cpu, in, reg_read(cpu, in, in->opsize), rm_read(cpu, in, in->opsize));
}

/* 69 (Iz) and 6B (Ib, sign-extended by the decoder). */
void op_imul_GvEvIz(struct cpu *cpu, const struct insn *in)
{
    imul_to_reg(cpu, in, rm_read(cpu, in, in->opsize), in->imm);
}

void op_imul_GvEvIb(struct cpu *cpu, const struct insn *in)
{
    imul_to_reg(cpu, in, rm_read(cpu, in, in->opsize), in->imm);
}

/* 98: CBW (AX <- sext AL) / CWDE (EAX <- sext AX). */
void op_cbw(struct cpu *cpu, const struct insn *in)
{
    int half = in->opsize / 2;
    cpu_set_reg(cpu, R_EAX, in->opsize, (uint32_t)sext(cpu_reg(cpu, R_EAX, half), half));
}

/* 99: CWD (DX <- sign of AX) / CDQ (EDX <- sign of EAX). */
void op_cwd(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    bool neg = cpu_reg(cpu, R_EAX, size) & sign_bit(size);
    cpu_set_reg(cpu, R_EDX, size, neg ? 0xffffffffu : 0);
}
