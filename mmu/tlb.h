/* Software TLB: caches linear -> physical translations per 4 KiB page in two
 * direct-mapped tables (supervisor, user), each entry holding one tag per
 * access kind (read, write, execute). A tag equals the linear page address
 * only when that access is allowed at that privilege without a walk, so a
 * hit on RAM is one compare and one add (DESIGN.md "Memory and paging").
 * Owned by mmu/tlb.c and mmu/paging.c; the layout may change with the
 * translator's needs. */
#ifndef VX86_TLB_H
#define VX86_TLB_H

#include <stdbool.h>
#include <stdint.h>

/* Entries per table, by measurement (tests/bench, 7-Zip in the Linux guest
 * under the x64 translator, whose working set is a few MiB): at 9 bits the
 * page walks of capacity misses took 5-12% of the run (284 M walks); 12
 * bits gave 699-732 MIPS against 646-653 at 9 in the same hour. A CR3
 * write costs no more for it: mmu_flush_all drops only the entries logged
 * since the last flush (struct tlb, fill_log). QEMU starts at 8 bits per
 * MMU mode and grows its tables with use. */
#define TLB_BITS 12
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_PAGE_MASK 0xfffff000u
#define TLB_FILL_LOG 512

/* Low bits of a tag (page addresses have them clear, so a fast compare with
 * a page address fails and the slow path looks at them). */
/* Above bit 2: the translator's inline path compares a tag with the page
 * plus an access's alignment bits. */
#define TLB_INVALID 0x100u /* no translation for this access kind */
#define TLB_SLOW 0x200u    /* allowed, but not plain RAM (MMIO, ROM write, tracked page) */

/* tlb_entry.flags */
#define TLB_GLOBAL 0x1u /* from a global page with CR4.PGE: survives mmu_flush_all */
#define TLB_LARGE 0x2u  /* from a 4 MiB / 2 MiB page (INVLPG drops these wholesale) */
#define TLB_RAMW 0x4u   /* writable RAM: a TLB_SLOW write tag only means "code page" */

enum { TLB_SUP = 0, TLB_USER = 1 };

struct tlb_entry {
    uint32_t tag[3];  /* by ACC_READ/WRITE/EXEC: linear page (| TLB_SLOW), or TLB_INVALID */
    uint32_t flags;   /* TLB_GLOBAL, TLB_LARGE */
    uintptr_t addend; /* host address - linear address, when the page is RAM */
    uint64_t phys;    /* physical page address, A20 applied */
};

struct tlb {
    struct tlb_entry e[2][TLB_SIZE]; /* [TLB_SUP / TLB_USER][linear page & (TLB_SIZE-1)] */
    uint64_t pdpte[4];               /* PAE page-directory-pointer registers (loaded with CR3) */
    uint64_t mem_gen;                /* memmap generation the entries were filled under */
    const uint64_t *mem_gen_ptr;     /* the memmap's live generation counter */
    uint32_t a20_mask;               /* cpu->a20_mask the entries were filled under */
    /* Bumped by every flush (CR3/CR0/CR4 writes, INVLPG, a changed memory
     * map or A20): a translation seen at one count holds while it lasts
     * (the translator's table of indirect-branch targets relies on it). */
    uint64_t gen;
    uint32_t nlarge;                 /* live TLB_LARGE entries */
    /* Indices (TLB_USER << TLB_BITS | index) of the entries filled without
     * TLB_GLOBAL since the last flush, so that a CR3 write visits those
     * only; past TLB_FILL_LOG of them the flush scans both tables. */
    uint32_t nfill;
    uint16_t fill_log[TLB_FILL_LOG];
};

struct cpu;

/* --- internal to mmu/ and cpu/access*.c --- */

/* Result of a page walk (mmu/paging.c). */
#define MMU_PERM_R 0x1u
#define MMU_PERM_W 0x2u /* writable without another walk (D already set) */
#define MMU_PERM_X 0x4u
#define MMU_USER_SHIFT 4 /* user permissions are the same bits << 4 */
struct mmu_walk {
    uint64_t phys;  /* physical address of the 4 KiB page (before A20) */
    uint32_t perms; /* MMU_PERM_* for supervisor, and << MMU_USER_SHIFT for user */
    bool global;
    bool large;
};
/* #PF error code bits (SDM Vol. 3A, 4.7). */
#define PF_P 0x01u
#define PF_W 0x02u
#define PF_U 0x04u
#define PF_RSVD 0x08u
#define PF_ID 0x10u
#define MMU_FAULT 0x80000000u /* mmu_walk result flag: the access faults */

/* Walk the page tables for `lin` and access `acc` (ACC_* of cpu/mem.h). With
 * `update`, sets accessed/dirty bits as the hardware would. Returns 0, or
 * MMU_FAULT | the #PF error code. Paging must be enabled. */
uint32_t mmu_walk(struct cpu *cpu, uint32_t lin, int acc, struct mmu_walk *w, bool update);

/* Set CR2 and raise #PF for a faulting mmu_walk result. */
_Noreturn void mmu_page_fault(struct cpu *cpu, uint32_t lin, uint32_t walk_result);

/* True when `acc` is checked against user permissions. */
static inline bool tlb_is_user(int cpl, int acc)
{
    return (acc & 8 /* ACC_USER */) || (cpl == 3 && !(acc & 4 /* ACC_SYS */));
}

/* The entry translating `lin` for `acc`, walking and refilling on a miss
 * (raising #PF). Its tag[acc & 3] matches the page, maybe with TLB_SLOW. */
struct tlb_entry *tlb_get(struct cpu *cpu, uint32_t lin, int acc);
/* As tlb_get, but returns NULL instead of faulting, and then changes nothing. */
struct tlb_entry *tlb_try_get(struct cpu *cpu, uint32_t lin, int acc);
/* The physical page `page` now holds cached code (mmu/codepages.h): make
 * every entry mapping it send writes to the slow path, which reports them. */
void tlb_protect_code_page(struct cpu *cpu, uint64_t page);
/* What a host fault in the fastmem region comes to (tlb_fastmem_fault). */
enum tlb_fm_fault {
    TLB_FM_MAPPED,  /* the page is mapped there now: the access can run again */
    TLB_FM_SLOW,    /* this once, the slow path: a fault for the guest (a page
                       not present, written first...), a stale TLB */
    TLB_FM_REFUSED, /* the entry allows the access but the region does not map
                       the page for it (MMIO, ROM, a page of cached code
                       written): the slow path every time */
};
/* A CPL 3 access to linear address `lin` (a write when `write`) faulted
 * in the fastmem region (mmu/fastmem.h): map its page there when the user
 * table's entry (refilled by a walk that raises nothing) allows it. For a
 * signal handler that interrupted generated code: it allocates nothing. */
enum tlb_fm_fault tlb_fastmem_fault(struct cpu *cpu, uint32_t lin, bool write);
/* Flush everything if the memory map or the A20 gate changed since the fill
 * (cpu/access.c inlines the test on its hot path). */
void tlb_check_stale(struct cpu *cpu);
static inline bool tlb_is_stale(const struct tlb *t, uint32_t a20_mask)
{
    return t->a20_mask != a20_mask || t->mem_gen != *t->mem_gen_ptr;
}

#endif
