/* Page walks as on a P6 (SDM Vol. 3A, chapter 4): 32-bit paging with 4 KiB
 * pages and PSE 4 MiB pages (PSE-36 addresses), PAE with its four PDPTE
 * registers and NX (EFER.NXE), global pages, CR0.WP, accessed/dirty bits
 * and #PF error codes. The TLB (mmu/tlb.c) caches the results. */
#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "mmu/memmap.h"
#include "mmu/tlb.h"

#define PTE_P 0x001ull
#define PTE_RW 0x002ull
#define PTE_US 0x004ull
#define PTE_A 0x020ull
#define PTE_D 0x040ull
#define PTE_PS 0x080ull
#define PTE_G 0x100ull
#define PTE_NX (1ull << 63)
#define EFER_NXE (1ull << 11)

/* MAXPHYADDR is 36 (PAE and PSE-36). */
#define PHYS_MASK 0x0000000ffffff000ull
/* PSE-36 4 MiB PDE: bits 16:13 are physical 35:32, bits 21:17 reserved (SDM 4.3). */
#define PDE4M_RSVD 0x003e0000u
/* PAE: bits 62:36 of every entry, bit 63 without NXE; 2 MiB PDE also 20:13. */
#define PAE_RSVD 0x7ffffff000000000ull
#define PDE2M_RSVD 0x00000000001fe000ull
/* PAE PDPTE register: bits 2:1, 8:5 and 63:36 reserved (SDM 4.4.1). */
#define PDPTE_RSVD 0xfffffff0000001e6ull

static uint64_t a20(const struct cpu *cpu, uint64_t phys)
{
    return phys & ((uint64_t)cpu->a20_mask | ~0xffffffffull);
}

static uint64_t rd(struct cpu *cpu, uint64_t addr, int size)
{
    return memmap_read(cpu->mem, a20(cpu, addr), size);
}

/* Set bits in a paging entry (A/D live in the low dword, also under PAE). */
static void set_bits(struct cpu *cpu, uint64_t addr, uint64_t *entry, uint64_t bits)
{
    if ((*entry & bits) == bits)
        return;
    *entry |= bits;
    memmap_write(cpu->mem, a20(cpu, addr), (uint32_t)*entry, 4);
}

uint32_t mmu_walk(struct cpu *cpu, uint32_t lin, int acc, struct mmu_walk *w, bool update)
{
    int kind = acc & 3;
    bool user = tlb_is_user(cpu->cpl, acc);
    bool pae = cpu->cr4 & CR4_PAE;
    bool nxe = pae && (cpu->efer & EFER_NXE);
    uint32_t err = (kind == ACC_WRITE ? PF_W : 0) | (user ? PF_U : 0) |
                   (kind == ACC_EXEC && nxe ? PF_ID : 0);
    uint64_t leaf, leaf_addr, rw, us, nx = 0;
    uint64_t rsvd = PAE_RSVD | (nxe ? 0 : PTE_NX);

    w->large = false;
    if (pae) {
        uint64_t pdpte = cpu->tlb.pdpte[lin >> 30];
        if (!(pdpte & PTE_P))
            return MMU_FAULT | err;
        uint64_t pde_addr = (pdpte & PHYS_MASK) + ((lin >> 21) & 0x1ff) * 8;
        uint64_t pde = rd(cpu, pde_addr, 8);
        if (!(pde & PTE_P))
            return MMU_FAULT | err;
        if (pde & (rsvd | ((pde & PTE_PS) ? PDE2M_RSVD : 0)))
            return MMU_FAULT | err | PF_P | PF_RSVD;
        if (pde & PTE_PS) {
            leaf = pde, leaf_addr = pde_addr;
            w->phys = (pde & PHYS_MASK & ~0x1fffffull) | (lin & 0x1ff000);
            w->large = true;
            rw = pde & PTE_RW, us = pde & PTE_US, nx = pde & PTE_NX;
        } else {
            /* A non-leaf entry is marked accessed as soon as it is used, even
             * if the walk then faults on the next level. */
            if (update)
                set_bits(cpu, pde_addr, &pde, PTE_A);
            leaf_addr = (pde & PHYS_MASK) + ((lin >> 12) & 0x1ff) * 8;
            leaf = rd(cpu, leaf_addr, 8);
            if (!(leaf & PTE_P))
                return MMU_FAULT | err;
            if (leaf & rsvd)
                return MMU_FAULT | err | PF_P | PF_RSVD;
            w->phys = leaf & PHYS_MASK;
            rw = pde & leaf & PTE_RW, us = pde & leaf & PTE_US, nx = (pde | leaf) & PTE_NX;
        }
        if (!nxe)
            nx = 0;
    } else {
        uint64_t pde_addr = (cpu->cr3 & 0xfffff000u) | ((lin >> 20) & 0xffc);
        uint64_t pde = rd(cpu, pde_addr, 4);
        if (!(pde & PTE_P))
            return MMU_FAULT | err;
        if ((pde & PTE_PS) && (cpu->cr4 & CR4_PSE)) {
            if (pde & PDE4M_RSVD)
                return MMU_FAULT | err | PF_P | PF_RSVD;
            leaf = pde, leaf_addr = pde_addr;
            w->phys = (pde & 0xffc00000u) | ((pde >> 13) & 0xf) << 32 | (lin & 0x3ff000);
            w->large = true;
            rw = pde & PTE_RW, us = pde & PTE_US;
        } else {
            if (update)
                set_bits(cpu, pde_addr, &pde, PTE_A);
            leaf_addr = (pde & 0xfffff000u) | ((lin >> 10) & 0xffc);
            leaf = rd(cpu, leaf_addr, 4);
            if (!(leaf & PTE_P))
                return MMU_FAULT | err;
            w->phys = leaf & 0xfffff000u;
            rw = pde & leaf & PTE_RW, us = pde & leaf & PTE_US;
        }
    }

    /* Protection (SDM Vol. 3A, 4.6): user accesses need U/S at every level
     * and R/W for writes; supervisor writes need R/W only with CR0.WP. */
    bool wp = cpu->cr0 & CR0_WP;
    if (user) {
        if (!us || (kind == ACC_WRITE && !rw) || (kind == ACC_EXEC && nx))
            return MMU_FAULT | err | PF_P;
    } else {
        if ((kind == ACC_WRITE && !rw && wp) || (kind == ACC_EXEC && nx))
            return MMU_FAULT | err | PF_P;
    }

    /* The leaf's accessed bit on any access, its dirty bit on a write. */
    if (update)
        set_bits(cpu, leaf_addr, &leaf, PTE_A | (kind == ACC_WRITE ? PTE_D : 0));
    bool dirty = leaf & PTE_D;
    uint32_t sup = MMU_PERM_R | (nx ? 0 : MMU_PERM_X) | ((rw || !wp) && dirty ? MMU_PERM_W : 0);
    uint32_t usr = us ? MMU_PERM_R | (nx ? 0 : MMU_PERM_X) | (rw && dirty ? MMU_PERM_W : 0) : 0;
    w->perms = sup | usr << MMU_USER_SHIFT;
    w->global = (leaf & PTE_G) && (cpu->cr4 & CR4_PGE);
    return 0;
}

_Noreturn void mmu_page_fault(struct cpu *cpu, uint32_t lin, uint32_t walk_result)
{
    uint32_t err = walk_result & ~MMU_FAULT;
    cpu_log(cpu, CPU_LOG_PF, "pf", "#PF lin %08x error %#x at %04x:%08x\n", lin, err,
            cpu->seg[SEG_CS].sel, cpu->insn_eip);
    cpu->cr2 = lin;
    cpu_exception(cpu, EXC_PF, err);
}

uint64_t mmu_translate(struct cpu *cpu, uint32_t lin, int acc)
{
    if (!(cpu->cr0 & CR0_PG))
        return a20(cpu, lin);
    struct mmu_walk w;
    uint32_t r = mmu_walk(cpu, lin, acc, &w, true);
    if (r & MMU_FAULT)
        mmu_page_fault(cpu, lin, r);
    return a20(cpu, w.phys | (lin & 0xfff));
}

bool mmu_probe(struct cpu *cpu, uint32_t lin, uint64_t *phys)
{
    if (!(cpu->cr0 & CR0_PG)) {
        *phys = a20(cpu, lin);
        return true;
    }
    struct mmu_walk w;
    if (mmu_walk(cpu, lin, ACC_READ | ACC_SYS, &w, false) & MMU_FAULT)
        return false;
    *phys = a20(cpu, w.phys | (lin & 0xfff));
    return true;
}

bool mmu_check_pdptes(struct cpu *cpu, uint32_t cr3)
{
    for (int i = 0; i < 4; i++) {
        uint64_t e = rd(cpu, (cr3 & ~0x1fu) + i * 8, 8);
        if ((e & PTE_P) && (e & PDPTE_RSVD))
            return false;
    }
    return true;
}

void mmu_load_pdptes(struct cpu *cpu)
{
    uint64_t e[4];
    for (int i = 0; i < 4; i++) {
        e[i] = rd(cpu, (cpu->cr3 & ~0x1fu) + i * 8, 8);
        if ((e[i] & PTE_P) && (e[i] & PDPTE_RSVD))
            cpu_exception(cpu, EXC_GP, 0);
    }
    for (int i = 0; i < 4; i++)
        cpu->tlb.pdpte[i] = e[i];
}
