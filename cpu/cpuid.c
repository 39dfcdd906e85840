/* CPUID: a Pentium II (Klamath, family 6 model 3 stepping 3) that claims only
 * what this tree implements (SDM Vol. 2A "CPUID"; the leaf 2 values are
 * those a Pentium II reports). */
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
 *  0 FPU   clear: no x87 yet (ESC opcodes #NM/#UD, cpu/fpu_absent.c)
 *  1 VME   set:   VME/PVI in virtual-8086 mode (cpu/v86.c)
 *  2 DE    set:   CR4.DE, DR4/DR5 #UD, I/O breakpoints (cpu/debug.c)
 *  3 PSE   set:   4 MiB pages (mmu/paging.c)
 *  4 TSC   set:   RDTSC, CR4.TSD (cpu/msr.c)
 *  5 MSR   set:   RDMSR/WRMSR (cpu/msr.c)
 *  6 PAE   set:   PAE paging with the PDPTE registers (mmu/paging.c)
 *  7 MCE   clear: no machine-check exception
 *  8 CX8   set:   CMPXCHG8B
 *  9 APIC  clear: no local APIC in this machine yet
 * 11 SEP   set:   SYSENTER/SYSEXIT (cpu/sysenter.c); model 3 stepping 3 is
 *                 past the Pentium Pro parts that report SEP without it
 * 12 MTRR  set:   MTRRcap/MTRRdefType/fixed/variable MTRRs as storage
 * 13 PGE   set:   global pages, CR4.PGE
 * 14 MCA   clear: no machine-check architecture MSRs
 * 15 CMOV  set:   CMOVcc (FCMOV and FCOMI need FPU, which is clear)
 * 16 PAT   set:   IA32_PAT as storage, with its reserved-type checks
 * 17 PSE36 set:   4 MiB PDEs map 36-bit physical addresses (mmu/paging.c)
 * 18-31    clear: no PSN, CLFSH, DS, ACPI, MMX, FXSR, SSE, SSE2, SS, TM */
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
        /* EBX and ECX are reserved (zero) on a P6: no brand index, CLFLUSH
         * size, logical count or APIC ID, no ECX features. */
        return (struct cpuid_regs){CPU_SIGNATURE, 0, 0, SYS_CPUID1_EDX};
    case 2:
        /* Pentium II descriptors: AL=01 (one call); 01 I-TLB 4K 32 entries;
         * 02 I-TLB 4M 2 entries; 03 D-TLB 4K 64 entries; 43 L2 512 KiB 4-way
         * 32-byte lines; 08 L1 I 16 KiB 4-way; 04 D-TLB 4M 8 entries;
         * 0C L1 D 16 KiB 4-way. */
        return (struct cpuid_regs){0x03020101, 0, 0, 0x0c040843};
    case 0x80000000u:
        /* Extended leaves exist only to report NX (no brand string on a P6). */
        return (struct cpuid_regs){CPUID_MAX_EXT, 0, 0, 0};
    default: /* 0x80000001 */
        return (struct cpuid_regs){0, 0, 0, SYS_OFFER_NX ? CPUID_EXT_NX : 0};
    }
}

void op_cpuid(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    struct cpuid_regs r = cpuid_leaf(cpu_reg(cpu, R_EAX, 4));
    cpu_set_reg(cpu, R_EAX, 4, r.eax);
    cpu_set_reg(cpu, R_EBX, 4, r.ebx);
    cpu_set_reg(cpu, R_ECX, 4, r.ecx);
    cpu_set_reg(cpu, R_EDX, 4, r.edx);
}
