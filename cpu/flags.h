/* Lazy arithmetic flags: instructions record what they computed, and CF, PF,
 * AF, ZF, SF and OF are derived only when something reads them.
 * The representation is private to cpu/flags.c; everyone else uses the API. */
#ifndef VX86_FLAGS_H
#define VX86_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/* How the six arithmetic flags are derived from (res, src1, src2).
 * The operation kinds are defined by cpu/flags.c's owner; LF_EAGER means
 * `eager` already holds the flag bits. */
struct lazy_flags {
    uint32_t op;   /* LF_* kind | operand size in bytes << 8 (LF_KIND/LF_SIZE) */
    uint32_t res;  /* result of the operation */
    uint32_t src1; /* first (destination) operand */
    uint32_t src2; /* second operand */
    uint32_t eager; /* flag bits when op == LF_EAGER */
};

/* res/src1/src2 are stored masked to the operand size. ADD and SUB records
 * need not hold src1 (the x86-64 translator leaves it out): res and src2
 * give it back (lf_src1). ADC/SBB recover
 * their carry-in from (res, src1, src2); INC/DEC keep the old CF in `eager`;
 * NEG has src1 = operand, src2 = 0; LF_SZP takes SF ZF PF from res and CF AF
 * OF from `eager` (shifts, multiplies, BCD). LF_SHL, LF_SHR and LF_SAR are
 * shifts by a count (src2) of 1 to the width - 1 of the operand (src1),
 * with cpu/shift.c's flags (the x86-64 translator's shifts by a constant:
 * the flags of SZP with less work). */
enum lf_op {
    LF_EAGER = 0,
    LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC, LF_NEG,
    LF_SZP, LF_SHL, LF_SHR, LF_SAR,
    /* others that compute eagerly use LF_EAGER */
    LF_COUNT
};
#define LF_KIND(op) ((op) & 0xffu)
#define LF_SIZE(op) ((int)((op) >> 8))

/* A record's first operand; for ADD and SUB from res and src2 (res =
 * src1 + src2 or src1 - src2, modulo the operand size). */
static inline uint32_t lf_src1(const struct lazy_flags *lf)
{
    int size = LF_SIZE(lf->op);
    uint32_t m = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    switch (LF_KIND(lf->op)) {
    case LF_ADD: return (lf->res - lf->src2) & m;
    case LF_SUB: return (lf->res + lf->src2) & m;
    default: return lf->src1;
    }
}

/* Record the flags of an operation of `size` bytes (1, 2, 4). For LF_INC and
 * LF_DEC the old CF is preserved by the implementation. */
void cpu_lf_set(struct cpu *cpu, enum lf_op op, int size, uint32_t res, uint32_t src1,
                uint32_t src2);

/* SF ZF PF from `res` (of `size` bytes), CF AF OF from `cf_af_of`. */
void cpu_lf_set_szp(struct cpu *cpu, int size, uint32_t res, uint32_t cf_af_of);

/* The full EFLAGS value as software sees it (PUSHF, interrupts, task switch). */
uint32_t cpu_get_eflags(const struct cpu *cpu);
/* Write the EFLAGS bits selected by `mask` from `value`. No privilege checks
 * here: POPF/IRET decide the mask. Keeps bit 1 set and reserved bits clear. */
void cpu_set_eflags(struct cpu *cpu, uint32_t value, uint32_t mask);
/* Only the six arithmetic flags (EF_ARITH bits). */
uint32_t cpu_get_arith(const struct cpu *cpu);
void cpu_set_arith(struct cpu *cpu, uint32_t flags, uint32_t mask);
bool cpu_get_cf(const struct cpu *cpu);
/* Condition code `cc` (0..15, the low nibble of Jcc/SETcc/CMOVcc). */
bool cpu_cond(const struct cpu *cpu, int cc);

#endif
