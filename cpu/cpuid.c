/* CPUID: a Pentium M (Dothan, family 6 model 13 stepping 6) that claims only
 * what this tree implements (SDM Vol. 2A "CPUID"; the leaf 2 values are
 * those a Dothan reports).
 *
 * Why a Pentium M: the tree implements SSE2, and an SSE2 CPU of the P6
 * family exists only as the Pentium M (family 6, model 9 Banias and model
 * 13 Dothan). A "Pentium III with SSE2" never existed, and a guest that sees
 * family 6 model 7/8/11 with SSE2 may pick wrong errata workarounds; the
 * Pentium 4 (family 15) differs in too much else (NetBurst MSRs, cache
 * descriptors, no P6 performance counters). The Pentium M keeps the P6 MSRs
 * (SYSENTER, MTRRs, PAT) this tree has. */
#include "cpu/cpu.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/sysinsn.h"

#define CPUID_MAX_BASIC 2u
#define CPUID_MAX_EXT 0x80000001u

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

/* Leaf 1:EDX, bit by bit (SDM Vol. 2A, Table 3-11):
 *  0 FPU   set:   the x87, FCMOV and FCOMI (cpu/fpu_*.c)
 *  1 VME   set:   VME/PVI in virtual-8086 mode (cpu/v86.c)
 *  2 DE    set:   CR4.DE, DR4/DR5 #UD, I/O breakpoints (cpu/debug.c)
 *  3 PSE   set:   4 MiB pages (mmu/paging.c)
 *  4 TSC   set:   RDTSC, CR4.TSD (cpu/msr.c)
 *  5 MSR   set:   RDMSR/WRMSR (cpu/msr.c)
 *  6 PAE   set:   PAE paging with the PDPTE registers (mmu/paging.c)
 *  7 MCE   clear: no machine-check exception
 *  8 CX8   set:   CMPXCHG8B
 *  9 APIC  set when a local APIC is attached (devices/lapic.c installs the
 *                 apic_base hook) and IA32_APIC_BASE[11] enables it: a P6
 *                 clears the flag while the APIC is globally disabled (SDM
 *                 Vol. 3A 10.4.3). Leaf 1 EBX[31:24], the initial APIC ID,
 *                 is 0 (the bootstrap processor).
 * 11 SEP   set:   SYSENTER/SYSEXIT (cpu/sysenter.c); model 3 stepping 3 is
 *                 past the Pentium Pro parts that report SEP without it
 * 12 MTRR  set:   MTRRcap/MTRRdefType/fixed/variable MTRRs as storage
 * 13 PGE   set:   global pages, CR4.PGE
 * 14 MCA   clear: no machine-check architecture MSRs
 * 15 CMOV  set:   CMOVcc (and FCMOVcc/FCOMI with FPU)
 * 16 PAT   set:   IA32_PAT as storage, with its reserved-type checks
 * 17 PSE36 set:   4 MiB PDEs map 36-bit physical addresses (mmu/paging.c)
 * 19 CLFSH set:   CLFLUSH (cpu/sse_ctl.c), 64-byte lines (leaf 1 EBX[15:8] = 8)
 * 23 MMX   set:   MMX (cpu/mmx_int.c, cpu/sse_move.c)
 * 24 FXSR  set:   FXSAVE/FXRSTOR and CR4.OSFXSR (cpu/fpu_env.c)
 * 25 SSE   set:   SSE, MXCSR, CR4.OSXMMEXCPT (cpu/sse_*.c, cpu/simd_exec.c)
 * 26 SSE2  set:   SSE2 (cpu/sse_*.c, cpu/mmx_int.c)
 * 18-31    clear otherwise: no PSN, DS, ACPI, SS, TM, PBE (a real Pentium M
 *                 has DS ACPI TM PBE and ECX EST/TM2: not modelled) */
static struct cpuid_regs cpuid_leaf(uint32_t leaf)
{
    /* Intel: a leaf above the maximum returns the highest basic leaf. */
    if ((leaf > CPUID_MAX_BASIC && leaf < 0x80000000u) || leaf > CPUID_MAX_EXT)
        leaf = CPUID_MAX_BASIC;
    switch (leaf) {
    case 0:
        /* "GenuineIntel" in EBX, EDX, ECX. */
        return (struct cpuid_regs){CPUID_MAX_BASIC, 0x756e6547, 0x6c65746e, 0x49656e69};
    case 1:
        /* EBX: brand index 0, CLFLUSH line size 8 (x 8 bytes = 64, the
         * Pentium M's line), no logical count or APIC ID. No ECX features. */
        return (struct cpuid_regs){CPU_SIGNATURE, 8u << 8, 0, SYS_CPUID1_EDX};
    case 2:
        /* Pentium M (Dothan) descriptors: AL=01 (one call); B0 I-TLB 4K 128
         * entries 4-way; B3 D-TLB 4K 128 entries 4-way; 02 I-TLB 4M 2
         * entries; F0 64-byte prefetching; 7D L2 2 MiB 8-way 64-byte lines;
         * 30 L1 I 32 KiB 8-way; 04 D-TLB 4M 8 entries; 2C L1 D 32 KiB
         * 8-way 64-byte lines. */
        return (struct cpuid_regs){0x02b3b001, 0x000000f0, 0, 0x2c04307d};
    case 0x80000000u:
        /* Extended leaves exist only to report NX (no brand string here). */
        return (struct cpuid_regs){CPUID_MAX_EXT, 0, 0, 0};
    default: /* 0x80000001 */
        return (struct cpuid_regs){0, 0, 0, SYS_OFFER_NX ? CPUID_EXT_NX : 0};
    }
}

void op_cpuid(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    uint32_t leaf = cpu_reg(cpu, R_EAX, 4);
    struct cpuid_regs r = cpuid_leaf(leaf);
    if (leaf == 1 && cpu->hooks.apic_base && (cpu->apic_base & 0x800))
        r.edx |= CPUID_APIC;
    cpu_set_reg(cpu, R_EAX, 4, r.eax);
    cpu_set_reg(cpu, R_EBX, 4, r.ebx);
    cpu_set_reg(cpu, R_ECX, 4, r.ecx);
    cpu_set_reg(cpu, R_EDX, 4, r.edx);
}
