/* Condition codes (the cc nibble of Jcc, SETcc, CMOVcc; SDM Vol. 1, B.1)
 * and the SETcc / CMOVcc instructions. */
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/operand.h"

static inline int32_t sext(uint32_t v, int size)
{
    return size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : (int32_t)v;
}

/* After CMP/SUB the common conditions come straight from the operands. */
static bool cond_sub(const struct lazy_flags *lf, int cc, bool *out)
{
    int size = LF_SIZE(lf->op);
    uint32_t a = lf_src1(lf), b = lf->src2;
    bool r;
    switch (cc >> 1) {
    case 1: r = a < b; break;                          /* B / AE */
    case 2: r = a == b; break;                         /* E / NE */
    case 3: r = a <= b; break;                         /* BE / A */
    case 6: r = sext(a, size) < sext(b, size); break;  /* L / GE */
    case 7: r = sext(a, size) <= sext(b, size); break; /* LE / G */
    default: return false;
    }
    *out = r ^ (cc & 1);
    return true;
}

/* After a logic operation CF = OF = 0, so every condition but P comes
 * from the result alone. */
static bool cond_logic(const struct lazy_flags *lf, int cc, bool *out)
{
    bool neg = (lf->res >> (LF_SIZE(lf->op) * 8 - 1)) & 1;
    bool r;
    switch (cc >> 1) {
    case 0:
    case 1: r = false; break;                  /* O, B */
    case 3: r = lf->res == 0; break;           /* BE */
    case 6: r = neg; break;                    /* L = SF != OF */
    case 7: r = lf->res == 0 || neg; break;    /* LE */
    default: return false;
    }
    *out = r ^ (cc & 1);
    return true;
}

bool cpu_cond(const struct cpu *cpu, int cc)
{
    const struct lazy_flags *lf = &cpu->lf;
    unsigned kind = LF_KIND(lf->op);
    bool r;
    if (kind != LF_EAGER) {
        /* Every lazy kind derives ZF and SF from the stored result. */
        if ((cc >> 1) == 2)
            return (lf->res == 0) ^ (cc & 1);
        if ((cc >> 1) == 4)
            return ((lf->res >> (LF_SIZE(lf->op) * 8 - 1)) & 1) ^ (cc & 1);
        if (kind == LF_SUB && cond_sub(lf, cc, &r))
            return r;
        if (kind == LF_LOGIC && cond_logic(lf, cc, &r))
            return r;
    }

    uint32_t f = cpu_get_arith(cpu);
    switch ((cc >> 1) & 7) {
    case 0: r = f & EF_OF; break;
    case 1: r = f & EF_CF; break;
    case 2: r = f & EF_ZF; break;
    case 3: r = f & (EF_CF | EF_ZF); break;
    case 4: r = f & EF_SF; break;
    case 5: r = f & EF_PF; break;
    case 6: r = !(f & EF_SF) != !(f & EF_OF); break;
    default: r = (f & EF_ZF) || (!(f & EF_SF) != !(f & EF_OF)); break;
    }
    return r ^ (cc & 1);
}

/* 0F 90-9F: SETcc Eb. */
void op_setcc(struct cpu *cpu, const struct insn *in)
{
    rm_write(cpu, in, 1, cpu_cond(cpu, in->opcode & 0xf));
}

/* 0F 40-4F: CMOVcc Gv,Ev. The source is read (and may fault) whatever the
 * condition (SDM Vol. 2 CMOVcc: "the source operand is read even when the
 * condition is false"); the destination is written only when it holds. In
 * 32-bit code there is no zero-extension question (that is 64-bit only). */
void op_cmovcc(struct cpu *cpu, const struct insn *in)
{
    int size = in->opsize;
    uint32_t v = rm_read(cpu, in, size);
    if (cpu_cond(cpu, in->opcode & 0xf))
        reg_write(cpu, in, size, v);
}
