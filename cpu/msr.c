/* Model-specific registers of a P6 (SDM Vol. 4, chapter 2, and Vol. 3A 11.11
 * for MTRRs, 11.12 for PAT) and RDMSR/WRMSR/RDTSC/RDPMC. MTRRs and PAT are
 * storage only: vx86 has no caches whose behaviour they would change. */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/sysinsn.h"

#define MSR_BIOS_SIGN_ID 0x8b /* microcode revision in EDX after CPUID */
#define MSR_PLATFORM_ID  0x17 /* IA32_PLATFORM_ID: bits 52:50 pick the microcode (read-only) */
#define MSR_MTRRCAP 0xfe
#define MSR_MTRR_PHYS_FIRST 0x200 /* PHYSBASE0, PHYSMASK0, ... PHYSMASK7 = 0x20f */
#define MSR_MTRR_PHYS_LAST 0x20f
#define MSR_MTRR_DEF_TYPE 0x2ff

/* MAXPHYADDR is 36 on a P6 with PAE: bits 63:36 of addresses are reserved. */
#define PHYS_RSVD 0xfffffff000000000ull

/* The 11 fixed-range MTRRs, in cpu->mtrr_fix order (SDM Vol. 3A 11.11.2.2). */
static const uint32_t fixed_mtrr_msrs[11] = {
    0x250,                                          /* MTRRfix64K_00000 */
    0x258, 0x259,                                   /* MTRRfix16K_80000, _A0000 */
    0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f, /* MTRRfix4K_C0000.._F8000 */
};

static int fixed_mtrr_index(uint32_t msr)
{
    for (int i = 0; i < 11; i++)
        if (fixed_mtrr_msrs[i] == msr)
            return i;
    return -1;
}

/* Memory types an MTRR may hold: UC 0, WC 1, WT 4, WP 5, WB 6 (2, 3, 7 and
 * above are reserved). WC is valid because MTRRcap.WC is set. */
static bool mtrr_type_ok(uint64_t t) { return t <= 6 && t != 2 && t != 3; }
/* PAT entries may also hold UC- (7). */
static bool pat_type_ok(uint64_t t) { return t <= 7 && t != 2 && t != 3; }

static bool bytes_all(uint64_t v, bool (*ok)(uint64_t))
{
    for (int i = 0; i < 8; i++)
        if (!ok((v >> (i * 8)) & 0xff))
            return false;
    return true;
}

/* The free-running count the TSC is an offset of: CPU_TSC_HZ ticks of the
 * machine's virtual clock, so the kernel's TSC calibration against the
 * PIT/PM timer holds in real-time mode too (the interpreter's speed does
 * not show); without a clock, retired instructions. */
static uint64_t tsc_base(const struct cpu *cpu)
{
    if (!cpu->hooks.clock_ns)
        return cpu->icount;
    uint64_t ns = cpu->hooks.clock_ns(cpu->hooks.opaque);
    if (CPU_TSC_HZ == 1000000000ull)
        return ns;
    return (uint64_t)((unsigned __int128)ns * CPU_TSC_HZ / 1000000000ull);
}

static uint64_t tsc_now(const struct cpu *cpu) { return tsc_base(cpu) + cpu->tsc_offset; }

/* Reads `msr` into *val; false if the MSR does not exist. */
static bool msr_read(struct cpu *cpu, uint32_t msr, uint64_t *val)
{
    int fix;
    switch (msr) {
    case MSR_TSC: *val = tsc_now(cpu); return true;
    case MSR_APIC_BASE: *val = cpu->apic_base; return true;
    case MSR_BIOS_SIGN_ID: *val = 0; return true; /* microcode revision 0 */
    case MSR_PLATFORM_ID: *val = 0; return true;  /* platform 0; Linux's microcode driver reads it */
    case MSR_SYSENTER_CS: *val = cpu->sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *val = cpu->sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *val = cpu->sysenter_eip; return true;
    case MSR_MISC_ENABLE: *val = cpu->misc_enable; return true;
    case MSR_PAT: *val = cpu->pat; return true;
    case MSR_MTRRCAP: *val = cpu->mtrr_cap; return true;
    case MSR_MTRR_DEF_TYPE: *val = cpu->mtrr_def_type; return true;
    case MSR_EFER:
        if (!SYS_OFFER_NX)
            return false;
        *val = cpu->efer;
        return true;
    }
    if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) {
        *val = cpu->mtrr_var[msr - MSR_MTRR_PHYS_FIRST];
        return true;
    }
    if ((fix = fixed_mtrr_index(msr)) >= 0) {
        *val = cpu->mtrr_fix[fix];
        return true;
    }
    return false;
}

/* Writes `msr`; false if it does not exist, is read-only or `val` sets
 * reserved bits or an invalid memory type (#GP(0) either way). */
static bool msr_write(struct cpu *cpu, uint32_t msr, uint64_t val)
{
    int fix;
    switch (msr) {
    case MSR_TSC:
        /* P6: only the low 32 bits are written, the high ones cleared (SDM
         * Vol. 3B 17.17). The counter is the clock's ticks + offset. */
        cpu->tsc_offset = (uint32_t)val - tsc_base(cpu);
        return true;
    case MSR_APIC_BASE:
        /* BSP (8), global enable (11), base (35:12); the rest is reserved. */
        if (val & ~(0x100ull | 0x800ull | (0xfffffffffull & ~0xfffull)))
            return false;
        {
            uint64_t old = cpu->apic_base;
            cpu->apic_base = val;
            if (cpu->hooks.apic_base && old != val)
                cpu->hooks.apic_base(cpu->hooks.apic_base_opaque, old);
        }
        return true;
    case MSR_BIOS_SIGN_ID: return true; /* software writes 0 before CPUID */
    /* SYSENTER MSRs are 32 bits wide on an IA-32 processor; EDX is ignored
     * (SDM Vol. 4, Table 2-2: bits 63:32 not used, reads return zero). */
    case MSR_SYSENTER_CS: cpu->sysenter_cs = (uint32_t)val; return true;
    case MSR_SYSENTER_ESP: cpu->sysenter_esp = (uint32_t)val; return true;
    case MSR_SYSENTER_EIP: cpu->sysenter_eip = (uint32_t)val; return true;
    case MSR_MISC_ENABLE: cpu->misc_enable = val; return true;
    case MSR_PAT:
        if (!bytes_all(val, pat_type_ok))
            return false;
        cpu->pat = val;
        return true;
    case MSR_MTRRCAP: return false; /* read-only */
    case MSR_MTRR_DEF_TYPE:
        /* Type (7:0), FE (10), E (11). */
        if ((val & ~0xcffull) || !mtrr_type_ok(val & 0xff))
            return false;
        cpu->mtrr_def_type = val;
        return true;
    case MSR_EFER:
        if (!SYS_OFFER_NX || (val & ~EFER_NXE))
            return false;
        cpu->efer = val;
        return true;
    }
    if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) {
        bool is_mask = msr & 1;
        /* PHYSBASE: type (7:0), base (35:12). PHYSMASK: valid (11), mask (35:12). */
        uint64_t rsvd = PHYS_RSVD | (is_mask ? 0x7ffull : 0xf00ull);
        if ((val & rsvd) || (!is_mask && !mtrr_type_ok(val & 0xff)))
            return false;
        cpu->mtrr_var[msr - MSR_MTRR_PHYS_FIRST] = val;
        return true;
    }
    if ((fix = fixed_mtrr_index(msr)) >= 0) {
        if (!bytes_all(val, mtrr_type_ok))
            return false;
        cpu->mtrr_fix[fix] = val;
        return true;
    }
    return false;
}

/* CPL 0 only, also in virtual-8086 mode; an unknown MSR is #GP(0) (SDM Vol. 2
 * "RDMSR", "WRMSR"). */
void op_rdmsr(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    sys_require_cpl0(cpu);
    uint64_t v;
    if (!msr_read(cpu, cpu_reg(cpu, R_ECX, 4), &v))
        cpu_exception(cpu, EXC_GP, 0);
    cpu_set_reg(cpu, R_EAX, 4, (uint32_t)v);
    cpu_set_reg(cpu, R_EDX, 4, (uint32_t)(v >> 32));
}

void op_wrmsr(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    sys_require_cpl0(cpu);
    uint64_t v = ((uint64_t)cpu_reg(cpu, R_EDX, 4) << 32) | cpu_reg(cpu, R_EAX, 4);
    if (!msr_write(cpu, cpu_reg(cpu, R_ECX, 4), v))
        cpu_exception(cpu, EXC_GP, 0);
}

/* CR4.TSD restricts RDTSC to CPL 0 (SDM Vol. 2 "RDTSC"). The counter is
 * tsc_base() (the virtual clock at CPU_TSC_HZ) plus the offset WRMSR(TSC)
 * sets. */
void op_rdtsc(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if ((cpu->cr4 & CR4_TSD) && !sys_at_cpl0(cpu))
        cpu_exception(cpu, EXC_GP, 0);
    uint64_t t = tsc_now(cpu);
    cpu_set_reg(cpu, R_EAX, 4, (uint32_t)t);
    cpu_set_reg(cpu, R_EDX, 4, (uint32_t)(t >> 32));
}

/* RDPMC: the P6 has two 40-bit counters, ECX 0 and 1; any other ECX is #GP(0),
 * and so is CPL > 0 (or V86) without CR4.PCE (SDM Vol. 2 "RDPMC"). vx86 does
 * not model performance events (PerfEvtSel MSRs do not exist here), so both
 * counters read 0. */
void op_rdpmc(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t ecx = cpu_reg(cpu, R_ECX, 4);
    if (!(cpu->cr4 & CR4_PCE) && !sys_at_cpl0(cpu))
        cpu_exception(cpu, EXC_GP, 0);
    if (ecx > 1)
        cpu_exception(cpu, EXC_GP, 0);
    cpu_set_reg(cpu, R_EAX, 4, 0);
    cpu_set_reg(cpu, R_EDX, 4, 0);
}
