/* The processor's architectural state (struct cpu) and the entry points the
 * machine uses to drive it. Everything an i686 (P6) exposes lives here. */
#ifndef VX86_CPU_H
#define VX86_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/flags.h"
#include "cpu/fpu_state.h"
#include "cpu/sse_state.h"
#include "mmu/tlb.h"

struct memmap;
struct ioport_map;
struct insn;
struct icache;

/* General registers, in ModRM encoding order. */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };

/* Segment registers in ModRM sreg encoding order, then the system segments. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
#define SEG_NONE 0xff /* insn->seg when no memory operand */

/* Descriptor cache. `flags` holds bits 8..23 of the descriptor's high dword:
 * type (0-3), S (4), DPL (5-6), P (7), AVL (12), L (13), D/B (14), G (15). */
struct seg_cache {
    uint16_t sel;
    uint32_t base;
    uint32_t limit; /* byte-granular: G already applied */
    uint32_t flags;
};
#define DESC_TYPE(f) ((f) & 0xf)
#define DESC_S 0x0010
#define DESC_DPL(f) (((f) >> 5) & 3)
#define DESC_P 0x0080
#define DESC_AVL 0x1000
#define DESC_DB 0x4000
#define DESC_G 0x8000

struct dtr {
    uint32_t base;
    uint16_t limit;
};

/* EFLAGS bits (SDM Vol. 1, 3.4.3). */
#define EF_CF 0x00000001u
#define EF_FIXED1 0x00000002u /* always reads 1 */
#define EF_PF 0x00000004u
#define EF_AF 0x00000010u
#define EF_ZF 0x00000040u
#define EF_SF 0x00000080u
#define EF_TF 0x00000100u
#define EF_IF 0x00000200u
#define EF_DF 0x00000400u
#define EF_OF 0x00000800u
#define EF_IOPL 0x00003000u
#define EF_IOPL_SHIFT 12
#define EF_NT 0x00004000u
#define EF_RF 0x00010000u
#define EF_VM 0x00020000u
#define EF_AC 0x00040000u
#define EF_VIF 0x00080000u
#define EF_VIP 0x00100000u
#define EF_ID 0x00200000u
#define EF_ARITH (EF_CF | EF_PF | EF_AF | EF_ZF | EF_SF | EF_OF)

/* Control register bits (SDM Vol. 3A, 2.5). */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u
#define CR4_VME 0x0001u
#define CR4_PVI 0x0002u
#define CR4_TSD 0x0004u
#define CR4_DE 0x0008u
#define CR4_PSE 0x0010u
#define CR4_PAE 0x0020u
#define CR4_MCE 0x0040u
#define CR4_PGE 0x0080u
#define CR4_PCE 0x0100u
#define CR4_OSFXSR 0x0200u
#define CR4_OSXMMEXCPT 0x0400u

/* Exception vectors (SDM Vol. 3A, 6.3.1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14,
    EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/* CPUID.1:EAX and EDX after reset: family 6, model 13, stepping 6 (Pentium M
 * "Dothan"): the family-6 CPU with SSE2 (see cpu/cpuid.c). */
#define CPU_SIGNATURE 0x06d6u

/* Model-specific registers a P6 has (SDM Vol. 4). */
#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1b
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT 0x277
#define MSR_EFER 0xc0000080 /* only with NX (PAE + NX) */

/* Interrupt shadows (SDM Vol. 3A 6.8.3): STI holds external interrupts for one
 * instruction; MOV SS and POP SS also hold debug exceptions and single-step
 * traps, so that SS:ESP can be loaded as a pair. LSS and task switches don't. */
#define SHADOW_STI 1
#define SHADOW_SS 2

/* Why cpu_run() returned. */
enum cpu_exit {
    CPU_EXIT_BUDGET,      /* executed the requested number of instructions */
    CPU_EXIT_HALT,        /* HLT with no interrupt deliverable */
    CPU_EXIT_STOP,        /* cpu->stop_request was set (by a device or the frontend) */
    CPU_EXIT_TRIPLE_FAULT /* shutdown: the machine decides between reset and exit */
};

/* Callbacks from the CPU to the machine around it. The CPU never includes a
 * device header; the board fills these in. */
struct cpu_hooks {
    void *opaque;
    /* INTA cycle: returns the vector of the highest pending external interrupt. */
    int (*ack_irq)(void *opaque);
    /* Called for every instruction when tracing is on, before it executes. */
    void (*trace)(void *opaque, struct cpu *cpu);
    /* Logging for -d categories; may be NULL. */
    void (*log)(void *opaque, const char *category, const char *fmt, ...);
    /* FERR# output of the x87 (CR0.NE=0 error reporting): raised by a
     * waiting x87 instruction that finds an unmasked exception pending,
     * lowered when FNINIT/FNCLEX/FSAVE/FLDENV... clear it. The PC board
     * routes it to IRQ13 (devices/fpu_ferr.c); may be NULL. It gets its own
     * opaque, ferr_opaque. (cpu/fpu_*.c) */
    void (*ferr)(void *opaque, bool level);
    void *ferr_opaque;
    /* IA32_APIC_BASE was written (cpu/msr.c): the local APIC moves its MMIO
     * window or is globally enabled/disabled (devices/lapic.c); may be NULL.
     * `old` is the previous value, cpu->apic_base the new one. */
    void (*apic_base)(void *opaque, uint64_t old);
    void *apic_base_opaque;
    /* An exception is being raised (cpu_exception, after the double-fault
     * rules chose `vector`); for test harnesses and debuggers. It may
     * longjmp out to abandon the run. May be NULL. */
    void (*exception)(void *opaque, int vector, uint32_t error_code);
    /* The machine's virtual clock in ns (devices/machine.c): the TSC counts
     * CPU_TSC_HZ on it, so it agrees with the PIT, PM timer, HPET and APIC
     * timer in both clock modes. NULL: the TSC counts retired instructions
     * (unit tests without a machine). Called with hooks.opaque. */
    uint64_t (*clock_ns)(void *opaque);
};

/* An execution engine that runs instructions in place of the interpreter's
 * decoded-instruction cache (the translator, translator/translator.h).
 * cpu_run() calls run() where it would call cpu_run_cached(): no TF, no DR7
 * breakpoint, no trace. run() retires at least one instruction and at most
 * `max`, and returns at the instruction boundary after anything cpu_run()
 * must look at (exec_break, stop_request, halted, inhibit_irq armed, triple
 * fault, TF/DR7 set, a pending interrupt); it keeps the snapshot rules of
 * cpu/exec.c, so faults longjmp to cpu_run() as from the interpreter. */
struct cpu_engine {
    void (*run)(void *opaque, struct cpu *cpu, uint64_t max);
    void (*reset)(void *opaque);   /* cpu_reset(): drop all cached code */
    void (*destroy)(void *opaque); /* cpu_destroy() */
    const char *name;              /* "tcg,backend=threaded", for messages */
    void *opaque;
};

/* Watching the CPU's stores and device accesses, for the translator's
 * lockstep checker (translator/check.c). While cpu->watch is set, every RAM
 * write takes the TLB's slow path and ram_write() hears of it before it is
 * made; device() hears of an access about to reach a device (port I/O,
 * MMIO, a ROM write, a page-crossing access) before it is made, and may
 * longjmp out to abandon the instruction. */
struct cpu_watch {
    void (*ram_write)(struct cpu *cpu, uint64_t phys, uint8_t *host, uint64_t value, int size);
    void (*device)(struct cpu *cpu);
};

/* Nominal TSC rate (cpu/msr.c): 1 GHz, a plausible Pentium M clock; under
 * -icount shift=0 one instruction is one tick, as before the clock hook. */
#define CPU_TSC_HZ 1000000000ull

struct cpu {
    /* --- hot fields first: the translator will address these by offset --- */
    uint64_t gpr[8];        /* EAX..EDI; 32-bit code uses the low halves */
    uint32_t eip;           /* offset in CS of the next instruction */
    uint32_t eflags;        /* every EFLAGS bit except the lazy arithmetic ones */
    struct lazy_flags lf;   /* CF PF AF ZF SF OF, computed on demand (cpu/flags.h) */
    struct seg_cache seg[SEG_COUNT];
    int cpl;                /* current privilege level (CS.RPL in protected mode, 3 in V86) */
    bool code32;            /* CS.D: default operand/address size 32 */
    bool stack32;           /* SS.B: ESP (vs SP) is the stack pointer */

    /* --- state restored when an instruction faults (cpu/exec.c) --- */
    uint32_t insn_eip;      /* EIP of the instruction being executed */
    uint64_t snap_gpr[8];
    uint32_t snap_eflags;
    struct lazy_flags snap_lf;
    uint64_t snap_tag;      /* icount + 1 while snap_* hold this instruction's start state;
                               else the instruction changed nothing yet (cpu/exec.c) */

    /* --- system registers --- */
    struct dtr gdtr, idtr;
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];         /* DR0-DR3 addresses, DR6 status, DR7 control (4, 5 alias 6, 7) */
    uint64_t efer;          /* NXE only */

    /* --- MSRs kept as storage or with behaviour (cpu/msr.c) --- */
    uint64_t tsc_offset;    /* TSC = ticks of the virtual clock + tsc_offset (cpu/msr.c) */
    uint64_t apic_base;
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t misc_enable;
    uint64_t pat;
    uint64_t mtrr_cap, mtrr_def_type, mtrr_fix[11], mtrr_var[16];

    /* --- execution control --- */
    uint64_t icount;        /* instructions retired since reset */
    bool halted;            /* HLT executed, waiting for an interrupt */
    bool intr_line;         /* INTR pin level (external interrupt pending) */
    bool nmi_pending;       /* NMI latched, not yet delivered */
    bool nmi_blocked;       /* inside an NMI handler until the next IRET */
    uint8_t inhibit_irq;    /* SHADOW_* armed by this instruction for the next one */
    uint8_t shadow;         /* SHADOW_* the current instruction executes under */
    bool trap_after;        /* single-step (TF) trap owed after this instruction */
    uint32_t pending_dr6;   /* DR6 bits of data breakpoints hit by this instruction */
    volatile bool stop_request; /* ask cpu_run to return at the next boundary */
    bool triple_fault;      /* shutdown state reached */
    uint8_t exec_break;     /* leave the decoded trace after this instruction (cpu/exec.c) */
    struct icache *icache;  /* decoded-instruction cache (cpu/icache.h), kept across reset */
    struct cpu_engine *engine; /* NULL: the interpreter; else the translator. Kept across reset */
    const struct cpu_watch *watch; /* set while the lockstep checker runs (see below) */

    /* Exception being raised by cpu_exception() and caught in cpu_run(). */
    int exc_vector;
    uint32_t exc_error;
    bool exc_has_error;
    int exc_depth;          /* nesting while delivering: 1 = first, 2 = second -> #DF */
    jmp_buf exc_jmp;

    /* --- memory and I/O --- */
    struct memmap *mem;
    struct ioport_map *io;
    struct tlb tlb;         /* linear -> host/physical cache (mmu/tlb.h) */
    struct fastmem *fastmem; /* the translator's host-MMU region for CPL 3, or NULL (mmu/fastmem.h) */
    uint32_t a20_mask;      /* 0xffffffff, or 0xffefffff with A20 gated off */

    /* --- floating point and SIMD (cold) --- */
    struct fpu_state fpu;
    struct sse_state sse;

    struct cpu_hooks hooks;
    bool trace_on;
    uint32_t log_mask;      /* -d categories, see CPU_LOG_* */
};

#define CPU_LOG_UNIMP 0x01
#define CPU_LOG_INT 0x02
#define CPU_LOG_PF 0x04
#define CPU_LOG_IO 0x08
#define CPU_LOG_CPU 0x10
#define CPU_LOG_DISK 0x20 /* devices: IDE bus-master DMA transfers */

/* --- lifecycle (cpu/cpu.c) --- */
struct cpu *cpu_create(struct memmap *mem, struct ioport_map *io);
void cpu_destroy(struct cpu *cpu);
void cpu_reset(struct cpu *cpu); /* power-on/RESET state, SDM Vol. 3A 9.1.1 */

/* --- execution (cpu/exec.c) --- */
enum cpu_exit cpu_run(struct cpu *cpu, uint64_t max_insns);
void cpu_set_irq(struct cpu *cpu, bool level); /* INTR pin */
/* The interpreter's two ways to run code at CS:EIP, for an engine that
 * falls back on them: one instruction fetched and decoded from scratch
 * (any code: MMIO, page-crossing, ...), or up to `max` instructions of the
 * decoded-instruction cache (one instruction when there is no trace). Both
 * need no TF, DR7 or trace, and run under cpu_run()'s setjmp. */
void cpu_step(struct cpu *cpu);
void cpu_run_cached(struct cpu *cpu, uint64_t max);
/* Replace the CPU's engine (NULL: the interpreter), destroying the old one. */
void cpu_set_engine(struct cpu *cpu, struct cpu_engine *engine);
/* The engine cpu_create() gives every CPU with a memory map, or NULL for the
 * interpreter. The translator sets it (translator/accel.c: $VX86_ACCEL), so
 * the CPU never depends on the translator. */
extern struct cpu_engine *(*cpu_engine_factory)(struct cpu *cpu);
void cpu_raise_nmi(struct cpu *cpu);

/* --- exceptions (cpu/exec.c raises, cpu/interrupt.c delivers) ---
 * cpu_exception() abandons the current instruction: GPRs, EIP and flags go
 * back to their values at the instruction's start and the exception is
 * delivered. The error code is pushed only for vectors that define one. */
_Noreturn void cpu_exception(struct cpu *cpu, int vector, uint32_t error_code);
/* Make the current registers the state a later fault restores (exec.c). REP
 * string instructions call it after each completed iteration. */
void cpu_commit(struct cpu *cpu);
/* Deliver interrupt/exception `vector` through the IDT/IVT. `kind` says why,
 * because INT n, INT3, INTO, external interrupts and exceptions differ in
 * privilege checks and in the EIP pushed. */
enum intr_kind { INTR_EXCEPTION, INTR_SOFTWARE, INTR_SOFTWARE_INT3, INTR_SOFTWARE_INTO,
                 INTR_ICEBP, INTR_EXTERNAL, INTR_NMI };
void cpu_interrupt(struct cpu *cpu, int vector, enum intr_kind kind, bool has_error,
                   uint32_t error_code);
/* True when `vector` pushes an error code (SDM Vol. 3A, Table 6-1). */
bool cpu_exception_has_error(int vector);

/* --- register access --- */
static inline uint32_t cpu_reg(const struct cpu *cpu, int n, int size)
{
    switch (size) {
    case 1: return n < 4 ? (uint8_t)cpu->gpr[n] : (uint8_t)(cpu->gpr[n - 4] >> 8);
    case 2: return (uint16_t)cpu->gpr[n];
    default: return (uint32_t)cpu->gpr[n];
    }
}
static inline void cpu_set_reg(struct cpu *cpu, int n, int size, uint32_t v)
{
    switch (size) {
    case 1:
        if (n < 4)
            cpu->gpr[n] = (cpu->gpr[n] & ~0xffull) | (uint8_t)v;
        else
            cpu->gpr[n - 4] = (cpu->gpr[n - 4] & ~0xff00ull) | ((uint64_t)(uint8_t)v << 8);
        break;
    case 2: cpu->gpr[n] = (cpu->gpr[n] & ~0xffffull) | (uint16_t)v; break;
    default: cpu->gpr[n] = (uint32_t)v; break;
    }
}

static inline bool cpu_protected(const struct cpu *cpu) { return cpu->cr0 & CR0_PE; }
/* An NMI or external interrupt could be taken at the next instruction
 * boundary (shadows aside). With IF = 0 an external one cannot until an
 * instruction that ends a trace (STI, POPF, IRET...) sets IF, so the code
 * caches may run whole traces until then. */
static inline bool cpu_irq_deliverable(const struct cpu *cpu)
{
    return (cpu->intr_line && (cpu->eflags & EF_IF)) || (cpu->nmi_pending && !cpu->nmi_blocked);
}
static inline bool cpu_v86(const struct cpu *cpu) { return cpu->eflags & EF_VM; }
static inline int cpu_iopl(const struct cpu *cpu) { return (cpu->eflags >> EF_IOPL_SHIFT) & 3; }

/* Recompute cpu->code32/stack32 from the CS/SS caches (after loading them). */
static inline void cpu_update_modes(struct cpu *cpu)
{
    cpu->code32 = (cpu->seg[SEG_CS].flags & DESC_DB) != 0;
    cpu->stack32 = (cpu->seg[SEG_SS].flags & DESC_DB) != 0;
}

/* --- logging --- */
#define cpu_log(cpu, mask, cat, ...)                                                     \
    do {                                                                                 \
        if (((cpu)->log_mask & (mask)) && (cpu)->hooks.log)                              \
            (cpu)->hooks.log((cpu)->hooks.opaque, cat, __VA_ARGS__);                     \
    } while (0)

#endif
