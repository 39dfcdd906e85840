/* Decimal adjust instructions: DAA DAS AAA AAS AAM AAD (SDM Vol. 2 pseudocode).
 * The flags the SDM leaves undefined follow the hardware-captured 80286 data
 * in SingleStepTests (the only silicon reference at hand, and the same on
 * Bochs where Bochs defines them): DAA/DAS OF = overflow of the adjustment
 * as an 8-bit add/sub; AAA/AAS SF ZF PF OF from AL +/- 6 before the final
 * AND 0FH; AAM OF = AF = CF = 0; AAD CF AF OF as ADD AL, AH*imm8. */
#include "cpu/alu.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/operand.h"

static inline uint32_t add8_of(uint32_t a, uint32_t b, uint32_t r)
{
    return ((a ^ r) & (b ^ r) & 0x80) ? EF_OF : 0;
}

static inline uint32_t sub8_of(uint32_t a, uint32_t b, uint32_t r)
{
    return ((a ^ b) & (a ^ r) & 0x80) ? EF_OF : 0;
}

/* 27: DAA. */
void op_daa(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t f = cpu_get_arith(cpu);
    uint32_t old_al = cpu_reg(cpu, R_EAX, 1), al = old_al, out = 0;
    if ((al & 0x0f) > 9 || (f & EF_AF)) {
        al = (al + 6) & 0xff;
        out |= EF_AF;
    }
    if (old_al > 0x99 || (f & EF_CF)) {
        al = (al + 0x60) & 0xff;
        out |= EF_CF;
    }
    cpu_set_reg(cpu, R_EAX, 1, al);
    cpu_lf_set_szp(cpu, 1, al, out | add8_of(old_al, (al - old_al) & 0xff, al));
}

/* 2F: DAS. */
void op_das(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t f = cpu_get_arith(cpu);
    uint32_t old_al = cpu_reg(cpu, R_EAX, 1), al = old_al, out = 0;
    if ((al & 0x0f) > 9 || (f & EF_AF)) {
        if (al < 6)
            out |= EF_CF; /* borrow from AL - 6 */
        al = (al - 6) & 0xff;
        out |= EF_AF;
    }
    if (old_al > 0x99 || (f & EF_CF)) {
        al = (al - 0x60) & 0xff;
        out |= EF_CF;
    }
    cpu_set_reg(cpu, R_EAX, 1, al);
    cpu_lf_set_szp(cpu, 1, al, out | sub8_of(old_al, (old_al - al) & 0xff, al));
}

/* 37 AAA / 3F AAS: AX +/- 106H (the 286 and later carry AL into AH). */
static void ascii_adjust(struct cpu *cpu, bool sub)
{
    uint32_t ax = cpu_reg(cpu, R_EAX, 2), al = ax & 0xff;
    if ((al & 0x0f) > 9 || (cpu_get_arith(cpu) & EF_AF)) {
        uint32_t mid = (sub ? al - 6 : al + 6) & 0xff;
        ax = (sub ? ax - 0x106 : ax + 0x106) & 0xffff;
        cpu_set_reg(cpu, R_EAX, 2, ax & 0xff0f);
        uint32_t of = sub ? sub8_of(al, 6, mid) : add8_of(al, 6, mid);
        cpu_lf_set_szp(cpu, 1, mid, EF_AF | EF_CF | of);
    } else {
        cpu_set_reg(cpu, R_EAX, 2, ax & 0xff0f);
        cpu_lf_set_szp(cpu, 1, al, 0);
    }
}

void op_aaa(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    ascii_adjust(cpu, false);
}

void op_aas(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    ascii_adjust(cpu, true);
}

/* D4 ib: AAM. AH <- AL / imm8, AL <- AL mod imm8; imm8 = 0 is #DE. */
void op_aam(struct cpu *cpu, const struct insn *in)
{
    uint32_t base = in->imm & 0xff, al = cpu_reg(cpu, R_EAX, 1);
    if (base == 0)
        cpu_exception(cpu, EXC_DE, 0);
    uint32_t q = al / base, r = al % base;
    cpu_set_reg(cpu, R_EAX, 2, q << 8 | r);
    cpu_lf_set(cpu, LF_LOGIC, 1, r, r, 0);
}

/* D5 ib: AAD. AL <- (AL + AH * imm8) AND FFH, AH <- 0. */
void op_aad(struct cpu *cpu, const struct insn *in)
{
    uint32_t ax = cpu_reg(cpu, R_EAX, 2);
    uint32_t prod = ((ax >> 8) * (in->imm & 0xff)) & 0xff;
    uint32_t al = ax & 0xff;
    uint32_t r = alu_op(cpu, ALU_ADD, al, prod, 1);
    cpu_set_reg(cpu, R_EAX, 2, r);
}
