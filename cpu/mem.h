/* Memory as instructions see it: segmented accesses with the checks of SDM
 * Vol. 3A 5.3 (limit, expand-down, type), then paging (mmu/paging.c) with
 * the soft TLB. Every function here may raise #GP, #SS, #PF or #AC through
 * cpu_exception() and never returns in that case. Sizes are 1, 2, 4 (8 for
 * cpu_read64/cpu_write64). Accesses that cross a page are split correctly:
 * both pages are checked before anything is written. */
#ifndef VX86_MEM_H
#define VX86_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/* Kinds of linear access, for paging permission checks and #PF error codes. */
enum {
    ACC_READ = 0,
    ACC_WRITE = 1,
    ACC_EXEC = 2,
    ACC_SYS = 4, /* implicit supervisor access (GDT/LDT/IDT/TSS), regardless of CPL */
    ACC_USER = 8 /* force a user-mode access (CPL 3) */
};

/* Data accesses through segment register `seg` (SEG_ES..SEG_GS) at `offset`.
 * #SS instead of #GP when seg == SEG_SS. */
uint32_t cpu_read(struct cpu *cpu, int seg, uint32_t offset, int size);
void cpu_write(struct cpu *cpu, int seg, uint32_t offset, uint32_t value, int size);
uint64_t cpu_read64(struct cpu *cpu, int seg, uint32_t offset);
void cpu_write64(struct cpu *cpu, int seg, uint32_t offset, uint64_t value);
/* Check that a write of `size` bytes at seg:offset would succeed (segment and
 * paging), raising the fault it would raise. For instructions that must not
 * write anything unless every write succeeds (e.g. far CALL pushing, ENTER). */
void cpu_check_write(struct cpu *cpu, int seg, uint32_t offset, int size);
void cpu_check_read(struct cpu *cpu, int seg, uint32_t offset, int size);

/* The host address of `n` bytes at seg:offset for ACC_READ or ACC_WRITE
 * when nothing but a plain copy can come of the access: a segment with a
 * 4 GiB limit that allows it, all n bytes inside one page that the TLB
 * already maps as plain RAM for this access (so no walk, fault, device or
 * cached code is involved), no data breakpoint, no possible #AC, no
 * lockstep watcher. NULL otherwise, and nothing changes: the caller then
 * takes the checked path. Never faults. */
uint8_t *cpu_ram_span(struct cpu *cpu, int seg, uint32_t offset, uint32_t n, int acc);

/* Linear accesses (no segmentation): `acc` is ACC_READ/ACC_WRITE, optionally
 * | ACC_SYS. Used for descriptor tables, the TSS and the IDT. */
uint32_t cpu_read_lin(struct cpu *cpu, uint32_t lin, int size, int acc);
void cpu_write_lin(struct cpu *cpu, uint32_t lin, uint32_t value, int size, int acc);

/* Instruction fetch: copy up to `len` bytes starting at CS:eip into buf,
 * checking the CS limit and execute permission. Stops early (returning the
 * count) at the first byte that would fault, without faulting, so that the
 * decoder faults only if it actually needs that byte; a zero-length result
 * means the first byte faults: call cpu_fetch_fault() to raise it. */
int cpu_fetch(struct cpu *cpu, uint32_t eip, uint8_t *buf, int len);
_Noreturn void cpu_fetch_fault(struct cpu *cpu, uint32_t eip);

/* Stack: push/pop with SS and the stack size (SS.B), committing ESP only on
 * success. cpu_push writes at ESP-size; cpu_pop reads at ESP. */
void cpu_push(struct cpu *cpu, uint32_t value, int size);
uint32_t cpu_pop(struct cpu *cpu, int size);
/* Read the stack at ESP+offset without changing ESP. */
uint32_t cpu_stack_read(struct cpu *cpu, uint32_t offset, int size);

/* Paging (mmu/paging.c): translate linear to physical for an access of kind
 * `acc` at the current CPL, setting accessed/dirty bits; raises #PF. */
uint64_t mmu_translate(struct cpu *cpu, uint32_t lin, int acc);
/* Same walk without side effects or faults: returns false if not mapped.
 * For the debugger/trace and tests. */
bool mmu_probe(struct cpu *cpu, uint32_t lin, uint64_t *phys);
/* PAE (mmu/paging.c): MOV CR3/CR0/CR4 load the four PDPTE registers from
 * CR3 when paging with PAE is (being) enabled (SDM Vol. 3A, 4.4.1). A present
 * PDPTE with reserved bits set is #GP(0): mmu_check_pdptes() tells, without
 * side effects, whether loading from `cr3` would fault (so the caller can
 * fault before changing a CR); mmu_load_pdptes() loads from cpu->cr3,
 * raising #GP(0) and leaving the registers unchanged on such an entry. */
bool mmu_check_pdptes(struct cpu *cpu, uint32_t cr3);
void mmu_load_pdptes(struct cpu *cpu);
/* TLB maintenance (mmu/tlb.c). */
void mmu_flush_all(struct cpu *cpu);            /* CR3 write (non-global), CR0/CR4 paging bits */
void mmu_flush_all_global(struct cpu *cpu);     /* including global pages */
void mmu_flush_page(struct cpu *cpu, uint32_t lin); /* INVLPG */

#endif
