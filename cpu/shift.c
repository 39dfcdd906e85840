/* Shifts and rotates: group 2 (C0 C1 D0-D3: ROL ROR RCL RCR SHL SHR SAL SAR)
 * and the double shifts SHLD/SHRD (0F A4 A5 AC AD). SDM Vol. 2 SAL/SAR/SHL/
 * SHR, RCL/RCR/ROL/ROR, SHLD, SHRD.
 *
 * Undefined flags (documented choice): the result and flags are those of
 * `count` single-bit steps of the SDM pseudocode, OF being that of the last
 * step. This is Bochs' model of the P6; QEMU agrees, and so do the AMD
 * x86-64 host (CF and OF for every count) and the 80286 captures for
 * everything except AF. Concretely:
 *  - OF for counts > 1: SHL and RCL: CF XOR MSB(result); SHR and SAR: 0;
 *    ROL: MSB XOR LSB of the result; ROR and RCR: the top two result bits
 *    XORed.
 *  - AF after SHL/SHR/SAR with a non-zero count is 0, as Bochs and QEMU
 *    give (the AMD host sets it to 1, the 286 to 1 after SHR/SAR).
 *  - CF of SHL/SHR on 8/16-bit operands with count >= width is 0 (every
 *    bit has been shifted out), and the sign for SAR.
 * Rotates touch only CF and OF. A masked count of 0 changes no flags. */
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/operand.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

static inline uint32_t msb(uint32_t v, int bits) { return (v >> (bits - 1)) & 1; }

/* Rotates: set CF and OF only; the other arithmetic flags are unaffected. */
static void rot_flags(struct cpu *cpu, uint32_t cf, uint32_t of)
{
    cpu_set_arith(cpu, (cf ? EF_CF : 0) | (of ? EF_OF : 0), EF_CF | EF_OF);
}

/* Group 2 operation `op` on v (size bytes) by `count` (already masked to 5
 * bits and non-zero). Returns the result and sets the flags. */
static uint32_t shift_op(struct cpu *cpu, int op, uint32_t v, unsigned count, int size)
{
    int bits = size * 8;
    uint32_t m = size_mask(size);
    uint32_t r, cf;
    v &= m;

    switch (op) {
    case SH_ROL: {
        unsigned n = count & (bits - 1);
        r = n ? ((v << n) | (v >> (bits - n))) & m : v;
        cf = r & 1; /* CF <- LSB(DEST) whenever the masked count is not 0 */
        rot_flags(cpu, cf, msb(r, bits) ^ cf);
        return r;
    }
    case SH_ROR: {
        unsigned n = count & (bits - 1);
        r = n ? ((v >> n) | (v << (bits - n))) & m : v;
        rot_flags(cpu, msb(r, bits), msb(r, bits) ^ msb(r, bits - 1));
        return r;
    }
    case SH_RCL:
    case SH_RCR: {
        /* Rotate through CF: a (bits+1)-bit rotation, count mod 9 / 17 for
         * 8 / 16 bits. A count that reduces to 0 (9, 18, 27 for bytes)
         * leaves the value and CF alone but still sets OF from the formula:
         * seen on the 80286 (SingleStepTests C0.2/C0.3) and on current
         * x86 hosts, so the P6 is assumed to do the same. */
        unsigned n = bits == 32 ? count : count % (unsigned)(bits + 1);
        uint64_t wide = (uint64_t)v | (uint64_t)cpu_get_cf(cpu) << bits; /* CF:v */
        uint64_t wm = ((uint64_t)1 << (bits + 1)) - 1;
        if (op == SH_RCR && n != 0)
            n = bits + 1 - n;
        if (n != 0)
            wide = ((wide << n) | (wide >> (bits + 1 - n))) & wm;
        r = (uint32_t)wide & m;
        cf = (uint32_t)(wide >> bits) & 1;
        if (op == SH_RCL)
            rot_flags(cpu, cf, msb(r, bits) ^ cf);
        else
            rot_flags(cpu, cf, msb(r, bits) ^ msb(r, bits - 1));
        return r;
    }
    case SH_SHL:
    case SH_SAL: {
        uint64_t wide = (uint64_t)v << count;
        r = (uint32_t)wide & m;
        cf = (uint32_t)(wide >> bits) & 1;
        cpu_lf_set_szp(cpu, size, r, (cf ? EF_CF : 0) | ((cf ^ msb(r, bits)) ? EF_OF : 0));
        return r;
    }
    case SH_SHR: {
        r = (uint32_t)((uint64_t)v >> count);
        cf = (uint32_t)((uint64_t)v >> (count - 1)) & 1;
        /* OF = MSB of the original operand for a count of 1, else 0. */
        cpu_lf_set_szp(cpu, size, r, (cf ? EF_CF : 0) | (count == 1 && msb(v, bits) ? EF_OF : 0));
        return r;
    }
    default: { /* SH_SAR */
        int64_t s = size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : (int32_t)v;
        r = (uint32_t)(s >> count) & m;
        cf = (uint32_t)(s >> (count - 1)) & 1;
        cpu_lf_set_szp(cpu, size, r, cf ? EF_CF : 0);
        return r;
    }
    }
}

/* Count source by opcode: D0/D1 by 1, D2/D3 by CL, C0/C1 by imm8. */
static unsigned grp2_count(const struct cpu *cpu, const struct insn *in)
{
    switch (in->opcode) {
    case 0xd0:
    case 0xd1: return 1;
    case 0xd2:
    case 0xd3: return cpu_reg(cpu, R_ECX, 1) & 0x1f;
    default: return in->imm & 0x1f;
    }
}

static void grp2(struct cpu *cpu, const struct insn *in)
{
    int size = insn_size(in);
    unsigned count = grp2_count(cpu, in);
    uint32_t v = rm_read(cpu, in, size);
    if (count == 0)
        return; /* no write, no flags (SDM: "a zero count ... flags unaffected") */
    rm_write(cpu, in, size, shift_op(cpu, in->reg, v, count, size));
}

void op_grp2_Eb(struct cpu *cpu, const struct insn *in) { grp2(cpu, in); }
void op_grp2_Ev(struct cpu *cpu, const struct insn *in) { grp2(cpu, in); }

/* SHLD/SHRD. The count is masked to 5 bits. For 16-bit operands a count
 * above 16 is undefined in the SDM; the P6 shifts the 48-bit pattern
 * DEST:SRC:DEST (as Bochs documents from hardware), which is what we do for
 * the result and for CF (the last bit shifted out of that pattern). OF uses
 * the count-1 formula for every count; AF is 0. */
static void double_shift(struct cpu *cpu, const struct insn *in, bool left)
{
    int size = in->opsize, bits = size * 8;
    uint32_t m = size_mask(size);
    unsigned count = ((in->opcode & 7) == 5 ? cpu_reg(cpu, R_ECX, 1) : in->imm) & 0x1f;
    uint32_t d = rm_read(cpu, in, size);
    uint32_t s = reg_read(cpu, in, size);
    if (count == 0)
        return;

    uint32_t r, cf, of;
    if (bits == 32) {
        uint64_t wide = left ? ((uint64_t)d << 32 | s) : ((uint64_t)s << 32 | d);
        if (left) {
            r = (uint32_t)((wide << count) >> 32);
            cf = (d >> (32 - count)) & 1;
        } else {
            r = (uint32_t)(wide >> count);
            cf = (d >> (count - 1)) & 1;
        }
    } else {
        /* 48-bit DEST:SRC:DEST (left) or DEST:SRC:DEST read from the low end
         * (right): both are the same bit pattern. */
        uint64_t wide = (uint64_t)d << 32 | (uint64_t)s << 16 | d;
        if (left) {
            r = (uint32_t)((wide << count) >> 32) & m;
            cf = (uint32_t)(wide >> (48 - count)) & 1;
        } else {
            r = (uint32_t)(wide >> count) & m;
            cf = (uint32_t)(wide >> (count - 1)) & 1;
        }
    }
    if (left)
        of = cf ^ msb(r, bits);
    else
        of = msb(r, bits) ^ msb(r, bits - 1);
    rm_write(cpu, in, size, r);
    cpu_lf_set_szp(cpu, size, r, (cf ? EF_CF : 0) | (of ? EF_OF : 0));
}

void op_shld(struct cpu *cpu, const struct insn *in) { double_shift(cpu, in, true); }
void op_shrd(struct cpu *cpu, const struct insn *in) { double_shift(cpu, in, false); }
