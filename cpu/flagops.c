/* Instructions that move flags around without computing: CLC STC CMC, SAHF,
 * LAHF and the undocumented SALC (D6). */
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"

void op_clc(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_set_arith(cpu, 0, EF_CF);
}

void op_stc(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_set_arith(cpu, EF_CF, EF_CF);
}

void op_cmc(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_set_arith(cpu, cpu_get_cf(cpu) ? 0 : EF_CF, EF_CF);
}

/* 9E: SAHF loads SF ZF AF PF CF from AH bits 7 6 4 2 0; OF is unchanged. */
void op_sahf(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_set_arith(cpu, cpu_reg(cpu, 4 /* AH */, 1),
                  EF_SF | EF_ZF | EF_AF | EF_PF | EF_CF);
}

/* 9F: LAHF stores SF ZF 0 AF 0 PF 1 CF into AH. */
void op_lahf(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t f = cpu_get_arith(cpu) & (EF_SF | EF_ZF | EF_AF | EF_PF | EF_CF);
    cpu_set_reg(cpu, 4 /* AH */, 1, f | EF_FIXED1);
}

/* D6: SALC (undocumented, present on the P6): AL <- CF ? FFH : 00H. */
void op_salc(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_set_reg(cpu, R_EAX, 1, cpu_get_cf(cpu) ? 0xff : 0);
}
