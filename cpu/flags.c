/* Lazy arithmetic flags: instructions record (kind, size, result, operands)
 * and CF PF AF ZF SF OF are derived only when read. EFLAGS as a whole. */
#include "cpu/cpu.h"
#include "cpu/flags.h"

/* EFLAGS bits a P6 implements outside the arithmetic ones (SDM Vol. 1,
 * 3.4.3); bits 3, 5, 15 and 22-31 are reserved and read as 0, bit 1 as 1. */
#define EF_SYSTEM                                                                        \
    (EF_TF | EF_IF | EF_DF | EF_IOPL | EF_NT | EF_RF | EF_VM | EF_AC | EF_VIF | EF_VIP |  \
     EF_ID)

static inline uint32_t lf_mask(int size)
{
    return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}

static inline uint32_t lf_sign(int size) { return 1u << (size * 8 - 1); }

/* SF, ZF and PF of a result already masked to its size. PF looks only at
 * the low byte (SDM Vol. 1, 3.4.3.1). */
static inline uint32_t szp_flags(uint32_t res, int size)
{
    uint32_t f = __builtin_parity(res & 0xff) ? 0 : EF_PF;
    if (res == 0)
        f |= EF_ZF;
    if (res & lf_sign(size))
        f |= EF_SF;
    return f;
}

void cpu_lf_set(struct cpu *cpu, enum lf_op op, int size, uint32_t res, uint32_t src1,
                uint32_t src2)
{
    uint32_t m = lf_mask(size);
    if (op == LF_INC || op == LF_DEC)
        cpu->lf.eager = cpu_get_cf(cpu) ? EF_CF : 0;
    cpu->lf.op = (uint32_t)op | (uint32_t)size << 8;
    cpu->lf.res = res & m;
    cpu->lf.src1 = src1 & m;
    cpu->lf.src2 = src2 & m;
}

void cpu_lf_set_szp(struct cpu *cpu, int size, uint32_t res, uint32_t cf_af_of)
{
    cpu->lf.op = LF_SZP | (uint32_t)size << 8;
    cpu->lf.res = res & lf_mask(size);
    cpu->lf.eager = cf_af_of & (EF_CF | EF_AF | EF_OF);
}

uint32_t cpu_get_arith(const struct cpu *cpu)
{
    const struct lazy_flags *lf = &cpu->lf;
    unsigned kind = LF_KIND(lf->op);
    if (kind == LF_EAGER)
        return lf->eager & EF_ARITH;

    int size = LF_SIZE(lf->op);
    uint32_t m = lf_mask(size), sb = lf_sign(size);
    uint32_t res = lf->res, a = lf_src1(lf), b = lf->src2;
    uint32_t f = szp_flags(res, size);
    uint32_t cin;

    switch (kind) {
    case LF_ADD:
        f |= (a ^ b ^ res) & EF_AF;
        f |= res < a ? EF_CF : 0;
        f |= ((a ^ res) & (b ^ res) & sb) ? EF_OF : 0;
        break;
    case LF_ADC:
        cin = (res - a - b) & m; /* res = a + b + CF */
        f |= (a ^ b ^ res) & EF_AF;
        f |= (cin ? res <= a : res < a) ? EF_CF : 0;
        f |= ((a ^ res) & (b ^ res) & sb) ? EF_OF : 0;
        break;
    case LF_SUB:
        f |= (a ^ b ^ res) & EF_AF;
        f |= a < b ? EF_CF : 0;
        f |= ((a ^ b) & (a ^ res) & sb) ? EF_OF : 0;
        break;
    case LF_SBB:
        cin = (a - b - res) & m; /* res = a - b - CF */
        f |= (a ^ b ^ res) & EF_AF;
        f |= (cin ? a <= b : a < b) ? EF_CF : 0;
        f |= ((a ^ b) & (a ^ res) & sb) ? EF_OF : 0;
        break;
    case LF_LOGIC:
        /* CF = OF = 0; AF is undefined: 0 as on Bochs and QEMU. */
        break;
    case LF_INC:
        f |= (a ^ res) & EF_AF; /* a + 1 */
        f |= lf->eager & EF_CF;
        f |= res == sb ? EF_OF : 0;
        break;
    case LF_DEC:
        f |= (a ^ res) & EF_AF; /* a - 1 */
        f |= lf->eager & EF_CF;
        f |= a == sb ? EF_OF : 0;
        break;
    case LF_NEG:
        f |= (a ^ res) & EF_AF; /* 0 - a */
        f |= a != 0 ? EF_CF : 0;
        f |= a == sb ? EF_OF : 0;
        break;
    case LF_SZP:
        f |= lf->eager & (EF_CF | EF_AF | EF_OF);
        break;
    /* cpu/shift.c's undefined flags: OF of the last one-bit step, AF 0 */
    case LF_SHL:
        cin = (a >> (size * 8 - b)) & 1; /* the last bit out */
        f |= cin ? EF_CF : 0;
        f |= (cin ^ ((res & sb) != 0)) ? EF_OF : 0;
        break;
    case LF_SHR:
        f |= (a >> (b - 1)) & 1 ? EF_CF : 0;
        f |= b == 1 && (a & sb) ? EF_OF : 0;
        break;
    case LF_SAR: /* (b < the width: bit b - 1 of the operand itself) */
        f |= (a >> (b - 1)) & 1 ? EF_CF : 0;
        break;
    }
    return f;
}

bool cpu_get_cf(const struct cpu *cpu)
{
    const struct lazy_flags *lf = &cpu->lf;
    switch (LF_KIND(lf->op)) {
    case LF_ADD: return lf->res < lf->src2; /* wrapped: res = src1 + src2 - 2^n */
    case LF_SUB: return lf_src1(lf) < lf->src2;
    case LF_LOGIC: return false;
    case LF_INC:
    case LF_DEC:
    case LF_SZP:
    case LF_EAGER: return lf->eager & EF_CF;
    default: return cpu_get_arith(cpu) & EF_CF;
    }
}

void cpu_set_arith(struct cpu *cpu, uint32_t flags, uint32_t mask)
{
    mask &= EF_ARITH;
    uint32_t f = mask == EF_ARITH ? 0 : cpu_get_arith(cpu);
    cpu->lf.eager = (f & ~mask) | (flags & mask);
    cpu->lf.op = LF_EAGER;
}

uint32_t cpu_get_eflags(const struct cpu *cpu)
{
    return (cpu->eflags & EF_SYSTEM) | cpu_get_arith(cpu) | EF_FIXED1;
}

void cpu_set_eflags(struct cpu *cpu, uint32_t value, uint32_t mask)
{
    if (mask & EF_ARITH)
        cpu_set_arith(cpu, value, mask);
    uint32_t sys = (cpu->eflags & ~mask) | (value & mask);
    cpu->eflags = (sys & EF_SYSTEM) | EF_FIXED1;
}
