/* Descriptor-table instructions: group 6 (SLDT STR LLDT LTR VERR VERW), group 7
 * (SGDT SIDT LGDT LIDT SMSW LMSW INVLPG), LAR, LSL and ARPL, per the SDM
 * Vol. 2 pseudocode of each and Vol. 3A 5.10 (pointer validation). */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/prot.h"
#include "cpu/sysinsn.h"

/* Fields of a descriptor's high dword. */
#define HI_TYPE(hi) (((hi) >> 8) & 0xf)
#define HI_S 0x1000u
#define HI_DPL(hi) (((hi) >> 13) & 3)
#define HI_P 0x8000u
#define HI_G 0x800000u
#define TSS_BUSY_BIT 0x200u /* type bit 1 of a TSS descriptor */

/* Code/data type bits (S = 1). */
#define TYPE_CODE 0x8
#define TYPE_CONFORMING 0x4 /* code */
#define TYPE_READABLE 0x2   /* code */
#define TYPE_WRITABLE 0x2   /* data */

static bool sel_is_null(uint16_t sel) { return (sel & 0xfffc) == 0; }

static void set_zf(struct cpu *cpu, bool zf) { cpu_set_arith(cpu, zf ? EF_ZF : 0, EF_ZF); }

/* 16-bit r/m operand (selectors). */
static uint16_t read_sel(struct cpu *cpu, const struct insn *in)
{
    return (uint16_t)rm_read(cpu, in, 2);
}

/* SLDT/STR/SMSW store: a memory destination is always 16 bits; a 32-bit
 * register gets the value zero-extended on a P6 (SDM Vol. 2 "SLDT", "STR"). */
static void store_sel(struct cpu *cpu, const struct insn *in, uint32_t v)
{
    if (in->is_mem)
        cpu_write(cpu, in->seg, insn_ea(cpu, in), v & 0xffff, 2);
    else
        cpu_set_reg(cpu, in->rm, in->opsize, in->opsize == 2 ? v & 0xffff : v);
}

/* The descriptor named by `sel`, for LAR/LSL/VERR/VERW: false when null or
 * beyond the table limit (these instructions then clear ZF, not fault). */
static bool lookup(struct cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    if (sel_is_null(sel))
        return false;
    return cpu_read_descriptor(cpu, sel, lo, hi);
}

/* DPL check shared by LAR, LSL, VERR and VERW: conforming code segments are
 * visible at any privilege, everything else needs DPL >= CPL and >= RPL. */
static bool visible(const struct cpu *cpu, uint16_t sel, uint32_t hi)
{
    bool conforming = (hi & HI_S) && (HI_TYPE(hi) & (TYPE_CODE | TYPE_CONFORMING)) ==
                                         (TYPE_CODE | TYPE_CONFORMING);
    if (conforming)
        return true;
    int dpl = HI_DPL(hi);
    return dpl >= cpu->cpl && dpl >= (sel & 3);
}

/* System descriptor types LAR accepts (SDM Vol. 2 "LAR", Table 3-55): TSSs
 * (16/32, available/busy), LDT, 16/32-bit call gates and task gates; not
 * interrupt or trap gates. LSL accepts only those with a limit: TSSs and LDT. */
static bool lar_type_ok(uint32_t hi)
{
    if (hi & HI_S)
        return true;
    switch (HI_TYPE(hi)) {
    case 1: case 2: case 3: case 4: case 5: case 9: case 0xb: case 0xc: return true;
    default: return false;
    }
}
static bool lsl_type_ok(uint32_t hi)
{
    if (hi & HI_S)
        return true;
    switch (HI_TYPE(hi)) {
    case 1: case 2: case 3: case 9: case 0xb: return true;
    default: return false;
    }
}

void op_lar(struct cpu *cpu, const struct insn *in)
{
    sys_require_pmode(cpu);
    uint16_t sel = read_sel(cpu, in);
    uint32_t lo, hi;
    if (!lookup(cpu, sel, &lo, &hi) || !lar_type_ok(hi) || !visible(cpu, sel, hi)) {
        set_zf(cpu, false);
        return;
    }
    /* 32-bit: bits 23:8 of the high dword, masked by 00FxFF00H; the limit
     * bits 19:16 ("x") are undefined and vx86 returns them as zero. */
    if (in->opsize == 2)
        cpu_set_reg(cpu, in->reg, 2, hi & 0xff00);
    else
        cpu_set_reg(cpu, in->reg, 4, hi & 0x00f0ff00);
    set_zf(cpu, true);
}

void op_lsl(struct cpu *cpu, const struct insn *in)
{
    sys_require_pmode(cpu);
    uint16_t sel = read_sel(cpu, in);
    uint32_t lo, hi;
    if (!lookup(cpu, sel, &lo, &hi) || !lsl_type_ok(hi) || !visible(cpu, sel, hi)) {
        set_zf(cpu, false);
        return;
    }
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & HI_G)
        limit = (limit << 12) | 0xfff; /* the byte-granular limit */
    cpu_set_reg(cpu, in->reg, in->opsize, limit);
    set_zf(cpu, true);
}

/* VERR/VERW: ZF = 1 when the segment could be read (written) at the current
 * CPL with this RPL. Only code and data segments qualify; code is readable
 * only with R set and never writable (SDM Vol. 2 "VERR/VERW"). */
static bool verify(struct cpu *cpu, uint16_t sel, bool write)
{
    uint32_t lo, hi;
    if (!lookup(cpu, sel, &lo, &hi) || !(hi & HI_S) || !visible(cpu, sel, hi))
        return false;
    uint32_t type = HI_TYPE(hi);
    if (type & TYPE_CODE)
        return !write && (type & TYPE_READABLE);
    return !write || (type & TYPE_WRITABLE);
}

/* LLDT: a GDT selector of a present LDT descriptor, or null to disable the
 * LDT (SDM Vol. 2 "LLDT"). Faults carry the selector as error code. */
static void lldt(struct cpu *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    if (sel_is_null(sel)) {
        cpu->seg[SEG_LDTR] = (struct seg_cache){.sel = sel};
        return;
    }
    if ((sel & 4) || !cpu_read_descriptor(cpu, sel, &lo, &hi))
        cpu_exception(cpu, EXC_GP, sel & 0xfffc);
    if ((hi & HI_S) || HI_TYPE(hi) != 2)
        cpu_exception(cpu, EXC_GP, sel & 0xfffc);
    if (!(hi & HI_P))
        cpu_exception(cpu, EXC_NP, sel & 0xfffc);
    cpu_desc_to_cache(&cpu->seg[SEG_LDTR], sel, lo, hi);
}

/* LTR: a GDT selector of a present available TSS (16- or 32-bit), which
 * becomes busy in the GDT and in TR (SDM Vol. 2 "LTR"). */
static void ltr(struct cpu *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    if (sel_is_null(sel))
        cpu_exception(cpu, EXC_GP, 0);
    if ((sel & 4) || !cpu_read_descriptor(cpu, sel, &lo, &hi))
        cpu_exception(cpu, EXC_GP, sel & 0xfffc);
    if ((hi & HI_S) || (HI_TYPE(hi) != 1 && HI_TYPE(hi) != 9))
        cpu_exception(cpu, EXC_GP, sel & 0xfffc);
    if (!(hi & HI_P))
        cpu_exception(cpu, EXC_NP, sel & 0xfffc);
    hi |= TSS_BUSY_BIT;
    cpu_write_lin(cpu, cpu->gdtr.base + (sel & 0xfff8) + 4, hi, 4, ACC_WRITE | ACC_SYS);
    cpu_desc_to_cache(&cpu->seg[SEG_TR], sel, lo, hi);
}

/* 0F 00: none of these exists in real or virtual-8086 mode (#UD). */
void op_grp6(struct cpu *cpu, const struct insn *in)
{
    if (in->reg > 5)
        cpu_exception(cpu, EXC_UD, 0);
    sys_require_pmode(cpu);
    switch (in->reg) {
    case 0: store_sel(cpu, in, cpu->seg[SEG_LDTR].sel); break; /* SLDT */
    case 1: store_sel(cpu, in, cpu->seg[SEG_TR].sel); break;   /* STR */
    case 2:                                                    /* LLDT */
        sys_require_cpl0(cpu);
        lldt(cpu, read_sel(cpu, in));
        break;
    case 3: /* LTR */
        sys_require_cpl0(cpu);
        ltr(cpu, read_sel(cpu, in));
        break;
    case 4: set_zf(cpu, verify(cpu, read_sel(cpu, in), false)); break; /* VERR */
    default: set_zf(cpu, verify(cpu, read_sel(cpu, in), true)); break; /* VERW */
    }
}

/* SGDT/SIDT: limit then base. With a 16-bit operand size the P6 stores the
 * base's top byte as 0 (SDM Vol. 2 "SGDT", IA-32 compatibility). Both parts
 * are checked before either is written. */
static void store_dtr(struct cpu *cpu, const struct insn *in, const struct dtr *d)
{
    uint32_t ea = insn_ea(cpu, in);
    uint32_t base = in->opsize == 2 ? d->base & 0x00ffffff : d->base;
    cpu_check_write(cpu, in->seg, ea, 2);
    cpu_check_write(cpu, in->seg, ea + 2, 4);
    cpu_write(cpu, in->seg, ea, d->limit, 2);
    cpu_write(cpu, in->seg, ea + 2, base, 4);
}

/* LGDT/LIDT: a 16-bit operand size loads only 24 bits of base. */
static void load_dtr(struct cpu *cpu, const struct insn *in, struct dtr *d)
{
    sys_require_cpl0(cpu);
    uint32_t ea = insn_ea(cpu, in);
    uint16_t limit = (uint16_t)cpu_read(cpu, in->seg, ea, 2);
    uint32_t base = cpu_read(cpu, in->seg, ea + 2, 4);
    d->limit = limit;
    d->base = in->opsize == 2 ? base & 0x00ffffff : base;
}

/* LMSW loads PE, MP, EM and TS only, and cannot clear PE (SDM Vol. 2 "LMSW"). */
static void lmsw(struct cpu *cpu, uint16_t msw)
{
    uint32_t cr0 = (cpu->cr0 & ~0xfu) | (msw & 0xfu) | (cpu->cr0 & CR0_PE);
    sys_write_cr0(cpu, cr0);
}

void op_grp7(struct cpu *cpu, const struct insn *in)
{
    /* SGDT SIDT LGDT LIDT INVLPG take memory; 0F 01 /5 does not exist on a P6. */
    if (in->reg == 5 || (!in->is_mem && in->reg != 4 && in->reg != 6))
        cpu_exception(cpu, EXC_UD, 0);
    switch (in->reg) {
    case 0: store_dtr(cpu, in, &cpu->gdtr); break;
    case 1: store_dtr(cpu, in, &cpu->idtr); break;
    case 2: load_dtr(cpu, in, &cpu->gdtr); break;
    case 3: load_dtr(cpu, in, &cpu->idtr); break;
    case 4: /* SMSW: a 32-bit register receives all of CR0 on a P6 */
        store_sel(cpu, in, cpu->cr0);
        break;
    case 6: /* the privilege check comes before the operand is read */
        sys_require_cpl0(cpu);
        lmsw(cpu, (uint16_t)rm_read(cpu, in, 2));
        break;
    default: /* INVLPG: no segment checks, just the linear address */
        sys_require_cpl0(cpu);
        mmu_flush_page(cpu, cpu->seg[in->seg].base + insn_ea(cpu, in));
        break;
    }
}

/* ARPL raises the RPL of the destination selector to the source's (ZF = 1)
 * or leaves it (ZF = 0). Always 16 bits. #UD in real and V86 mode. */
void op_arpl(struct cpu *cpu, const struct insn *in)
{
    sys_require_pmode(cpu);
    uint16_t src = (uint16_t)reg_read(cpu, in, 2);
    uint16_t dst;
    if (in->is_mem) {
        cpu_check_write(cpu, in->seg, insn_ea(cpu, in), 2); /* read-modify-write */
        dst = (uint16_t)cpu_read(cpu, in->seg, insn_ea(cpu, in), 2);
    } else {
        dst = (uint16_t)cpu_reg(cpu, in->rm, 2);
    }
    if ((dst & 3) < (src & 3)) {
        rm_write(cpu, in, 2, (dst & ~3u) | (src & 3u));
        set_zf(cpu, true);
    } else {
        set_zf(cpu, false);
    }
}
