/* Shared by the system-instruction files (sysinsn.c, desc_insn.c, creg.c,
 * msr.c, cpuid.c, sysenter.c): privilege checks and the CPU's feature set. */
#ifndef VX86_SYSINSN_H
#define VX86_SYSINSN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* CPUID.1:EDX feature bits (SDM Vol. 2A, CPUID, Table 3-11). */
#define CPUID_VME (1u << 1)   /* virtual-8086 mode extensions (cpu/v86.c) */
#define CPUID_DE (1u << 2)    /* debugging extensions: CR4.DE, I/O breakpoints */
#define CPUID_PSE (1u << 3)   /* 4 MiB pages (mmu/paging.c) */
#define CPUID_TSC (1u << 4)   /* RDTSC, CR4.TSD */
#define CPUID_MSR (1u << 5)   /* RDMSR/WRMSR */
#define CPUID_PAE (1u << 6)   /* 3-level paging (mmu/paging.c) */
#define CPUID_CX8 (1u << 8)   /* CMPXCHG8B */
#define CPUID_APIC (1u << 9)  /* on-chip local APIC: only with one attached (cpu/cpuid.c) */
#define CPUID_SEP (1u << 11)  /* SYSENTER/SYSEXIT (valid: model 3 stepping 3) */
#define CPUID_FPU (1u << 0)   /* x87 on chip (cpu/fpu_*.c) */
#define CPUID_FXSR (1u << 24) /* FXSAVE/FXRSTOR, CR4.OSFXSR (cpu/fpu_env.c) */
#define CPUID_MTRR (1u << 12) /* MTRRs (storage only: no effect on caching) */
#define CPUID_PGE (1u << 13)  /* global pages, CR4.PGE */
#define CPUID_CMOV (1u << 15) /* CMOVcc (FCMOV/FCOMI too only once FPU is set) */
#define CPUID_PAT (1u << 16)  /* IA32_PAT (storage only) */
#define CPUID_PSE36 (1u << 17) /* 36-bit physical addresses in 4 MiB PDEs (mmu/paging.c) */
#define CPUID_CLFSH (1u << 19) /* CLFLUSH (cpu/sse_ctl.c); line size in CPUID.1:EBX[15:8] */
#define CPUID_MMX (1u << 23)   /* MMX (cpu/mmx_int.c, cpu/sse_move.c) */
#define CPUID_SSE (1u << 25)   /* SSE (cpu/sse_*.c), CR4.OSXMMEXCPT */
#define CPUID_SSE2 (1u << 26)  /* SSE2 (cpu/sse_*.c, cpu/mmx_int.c) */
#define CPUID_SIMD (CPUID_CLFSH | CPUID_MMX | CPUID_SSE | CPUID_SSE2)

/* CPUID.80000001:EDX. NX is not a P6 feature, but the paging code implements
 * it (issue 2 asks for PAE with NX); offering it is what makes EFER exist. */
#define CPUID_EXT_NX (1u << 20)
#define SYS_OFFER_NX 1

/* The features this tree implements; see cpu/cpuid.c for each one. */
#define SYS_CPUID1_EDX                                                                    \
    (CPUID_FPU | CPUID_FXSR | CPUID_VME | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_CX8 |  \
     CPUID_SEP | CPUID_MTRR | CPUID_PGE | CPUID_CMOV | CPUID_PAT | CPUID_PSE36 | CPUID_SIMD)

/* CR4 bits that may be set: those of features CPUID offers (a P6 has no
 * OSFXSR/OSXMMEXCPT; MCE is not offered). Others are reserved: #GP(0). */
#define SYS_CR4_VALID                                                                     \
    (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | \
     CR4_OSXMMEXCPT)

/* EFER bits: only NXE (bit 11), and only when NX is offered. */
#define EFER_NXE (1ull << 11)

/* DR6/DR7 bits (SDM Vol. 3A, 17.2). */
#define DR6_BD 0x2000u /* debug register access detected (DR7.GD) */
#define DR6_BS 0x4000u /* single step */
#define DR6_BT 0x8000u /* task switch (TSS T bit) */
#define DR6_FIXED1 0xffff0ff0u /* reserved bits that read as 1 on a P6 */
#define DR6_WRITABLE 0x0000e00fu
#define DR7_GD 0x2000u
#define DR7_FIXED1 0x00000400u
#define DR7_WRITABLE 0xffff23ffu

/* Privileged instructions run at CPL 0 only; real mode counts as CPL 0 and
 * virtual-8086 mode as CPL 3 (SDM Vol. 3A, 5.9). */
static inline bool sys_at_cpl0(const struct cpu *cpu)
{
    return !cpu_protected(cpu) || (!cpu_v86(cpu) && cpu->cpl == 0);
}
static inline void sys_require_cpl0(struct cpu *cpu)
{
    if (!sys_at_cpl0(cpu))
        cpu_exception(cpu, EXC_GP, 0);
}
/* Instructions that exist only in protected mode (not real, not V86): #UD. */
static inline void sys_require_pmode(struct cpu *cpu)
{
    if (!cpu_protected(cpu) || cpu_v86(cpu))
        cpu_exception(cpu, EXC_UD, 0);
}

/* Control register writes with their checks and TLB effects (cpu/creg.c):
 * used by MOV CRn, LMSW and CLTS. They raise #GP(0) before changing state. */
void sys_write_cr0(struct cpu *cpu, uint32_t val);
void sys_write_cr3(struct cpu *cpu, uint32_t val);
void sys_write_cr4(struct cpu *cpu, uint32_t val);

#endif
