/* Paging and the soft TLB: 2-level, PSE (PSE-36), PAE with NX; accessed and
 * dirty bits; every #PF error code bit and CR2; WP; global pages; stale TLB
 * entries until INVLPG / CR3; page-crossing accesses and fetches. Page tables
 * are built in guest RAM. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define RAM_SIZE 0x800000
#define PD 0x100000u          /* page directory (32-bit paging) */
#define PT_BASE 0x101000u     /* one page table per 4 MiB of linear space (first 8) */
#define PDPT 0x180020u        /* PAE page-directory-pointer table (32-byte aligned) */
#define PAE_PD 0x181000u      /* PAE page directories, one per PDPTE */
#define PAE_PT 0x185000u      /* PAE page tables, one per 2 MiB (first 8) */

#define P 0x1u
#define RW 0x2u
#define US 0x4u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define G 0x100u
#define NX (1ull << 63)

static struct memmap *mem;
static struct ioport_map *io;
static struct cpu *cpu;
static uint8_t *ram;

static uint32_t *u32(uint32_t phys) { return (uint32_t *)(ram + phys); }
static uint64_t *u64(uint32_t phys) { return (uint64_t *)(ram + phys); }

static void setup(void)
{
    mem = memmap_create();
    io = ioport_create();
    ram = calloc(1, RAM_SIZE);
    memmap_add_ram(mem, 0, RAM_SIZE, ram, false);
    cpu = cpu_create(mem, io);
    cpu->cr0 |= CR0_PE;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        cpu->seg[s] = (struct seg_cache){0x10, 0, 0xffffffff, DESC_P | DESC_S | DESC_DB | 0x3};
    cpu->seg[SEG_CS] = (struct seg_cache){0x08, 0, 0xffffffff, DESC_P | DESC_S | DESC_DB | 0xb};
    cpu_update_modes(cpu);
    cpu_commit(cpu);
}

static void teardown(void)
{
    cpu_destroy(cpu);
    memmap_destroy(mem);
    ioport_destroy(io);
    free(ram);
}

/* --- 32-bit paging --- */
static void paging32(uint32_t cr4)
{
    cpu->cr3 = PD;
    cpu->cr4 = cr4;
    cpu->cr0 |= CR0_PG;
    mmu_flush_all_global(cpu);
}
static uint32_t *pde32(uint32_t lin) { return u32(PD + (lin >> 22) * 4); }
static uint32_t *pte32(uint32_t lin)
{
    return u32(PT_BASE + (lin >> 22) * 0x1000 + ((lin >> 12) & 0x3ff) * 4);
}
/* Map a 4 KiB page; the PDE gets `pde_flags` (P|RW|US by default). */
static void map32(uint32_t lin, uint32_t phys, uint32_t flags, uint32_t pde_flags)
{
    *pde32(lin) = (PT_BASE + (lin >> 22) * 0x1000) | pde_flags;
    *pte32(lin) = phys | flags;
}

/* --- PAE --- */
static uint64_t *pdpte(uint32_t lin) { return u64(PDPT + (lin >> 30) * 8); }
static uint64_t *pde_pae(uint32_t lin)
{
    return u64(PAE_PD + (lin >> 30) * 0x1000 + ((lin >> 21) & 0x1ff) * 8);
}
static uint64_t *pte_pae(uint32_t lin)
{
    uint32_t t = (lin >> 21) & 7;
    return u64(PAE_PT + t * 0x1000 + ((lin >> 12) & 0x1ff) * 8);
}
static void map_pae(uint32_t lin, uint64_t phys_flags, uint64_t pde_flags)
{
    *pdpte(lin) = (PAE_PD + (lin >> 30) * 0x1000) | P;
    *pde_pae(lin) = (PAE_PT + ((lin >> 21) & 7) * 0x1000) | pde_flags;
    *pte_pae(lin) = phys_flags;
}
static void paging_pae(bool nxe)
{
    cpu->cr3 = PDPT;
    cpu->cr4 = CR4_PAE;
    cpu->efer = nxe ? 1u << 11 : 0;
    cpu->cr0 |= CR0_PG;
    mmu_load_pdptes(cpu);
    mmu_flush_all_global(cpu);
}

#define NO_FAULT (-1)
#define FAULT(vec, err) ((vec) << 16 | (err))

static int rd(uint32_t lin, int size, uint32_t *v)
{
    cpu_commit(cpu);
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    *v = cpu_read(cpu, SEG_DS, lin, size);
    return NO_FAULT;
}
static int wr(uint32_t lin, uint32_t v, int size)
{
    cpu_commit(cpu);
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    cpu_write(cpu, SEG_DS, lin, v, size);
    return NO_FAULT;
}
static int rd_lin(uint32_t lin, int acc, uint32_t *v)
{
    cpu_commit(cpu);
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    *v = cpu_read_lin(cpu, lin, 4, acc);
    return NO_FAULT;
}
static int fetch_fault(uint32_t eip)
{
    cpu_commit(cpu);
    if (setjmp(cpu->exc_jmp))
        return FAULT(cpu->exc_vector, cpu->exc_error);
    cpu_fetch_fault(cpu, eip);
}
static uint32_t rd_ok(uint32_t lin, int size)
{
    uint32_t v = 0;
    ck_assert_int_eq(rd(lin, size, &v), NO_FAULT);
    return v;
}

START_TEST(walk32_4k_accessed_dirty)
{
    paging32(0);
    map32(0x400000, 0x200000, P | RW | US, P | RW | US);
    ram[0x200123] = 0x5c;
    ck_assert_uint_eq(rd_ok(0x400123, 1), 0x5c);
    ck_assert_uint_eq(*pde32(0x400000) & (A | D), A); /* PDE: A only, never D */
    ck_assert_uint_eq(*pte32(0x400000) & (A | D), A);  /* a read leaves D clear */
    ck_assert_int_eq(wr(0x400124, 0x77, 1), NO_FAULT); /* walks again for D */
    ck_assert_uint_eq(ram[0x200124], 0x77);
    ck_assert_uint_eq(*pte32(0x400000) & (A | D), A | D);
    ck_assert_uint_eq(*pde32(0x400000) & D, 0);
    uint64_t phys;
    ck_assert(mmu_probe(cpu, 0x400fff, &phys));
    ck_assert_uint_eq(phys, 0x200fff);
    ck_assert(!mmu_probe(cpu, 0x401000, &phys));
    /* mmu_translate walks too */
    *pte32(0x401000) = 0x201000 | P;
    if (setjmp(cpu->exc_jmp))
        ck_abort_msg("translate faulted");
    ck_assert_uint_eq(mmu_translate(cpu, 0x401010, ACC_READ), 0x201010);
    ck_assert_uint_eq(*pte32(0x401000) & A, A);
}
END_TEST

START_TEST(walk32_not_present)
{
    uint32_t v;
    paging32(0);
    /* PDE not present: supervisor read -> error 0, nothing marked */
    ck_assert_int_eq(rd(0x800010, 4, &v), FAULT(EXC_PF, 0));
    ck_assert_uint_eq(cpu->cr2, 0x800010);
    /* PTE not present: the PDE was used, so it is accessed; error W|U */
    map32(0x400000, 0x200000, 0, P | RW | US);
    cpu->cpl = 3;
    ck_assert_int_eq(wr(0x400ffe, 1, 1), FAULT(EXC_PF, PF_W | PF_U));
    ck_assert_uint_eq(cpu->cr2, 0x400ffe);
    ck_assert_uint_eq(*pde32(0x400000) & A, A);
    ck_assert_uint_eq(*pte32(0x400000) & A, 0);
}
END_TEST

START_TEST(walk32_protection)
{
    uint32_t v;
    paging32(0);
    map32(0x400000, 0x200000, P | RW, P | RW | US);    /* supervisor page */
    map32(0x401000, 0x201000, P | US, P | RW | US);    /* user read-only page */
    map32(0x800000, 0x202000, P | RW | US, P | US);    /* PDE read-only, PTE writable */
    cpu->cpl = 3;
    ck_assert_int_eq(rd(0x400000, 4, &v), FAULT(EXC_PF, PF_P | PF_U));
    ck_assert_uint_eq(*pte32(0x400000) & A, 0); /* a faulting access sets no leaf A */
    ck_assert_int_eq(wr(0x401000, 0, 4), FAULT(EXC_PF, PF_P | PF_W | PF_U));
    ck_assert_uint_eq(*pte32(0x401000) & (A | D), 0);
    ck_assert_int_eq(rd(0x401000, 4, &v), NO_FAULT);
    ck_assert_int_eq(wr(0x800000, 0, 4), FAULT(EXC_PF, PF_P | PF_W | PF_U)); /* combined R/W */
    ck_assert_uint_eq(cpu->cr2, 0x800000);
    /* implicit supervisor accesses at CPL 3 use supervisor rights and error codes */
    ck_assert_int_eq(rd_lin(0x400000, ACC_READ | ACC_SYS, &v), NO_FAULT);
    ck_assert_int_eq(rd_lin(0xc00000, ACC_READ | ACC_SYS, &v), FAULT(EXC_PF, 0));
    /* ACC_USER forces user rights even at CPL 0 */
    cpu->cpl = 0;
    ck_assert_int_eq(rd_lin(0x400000, ACC_READ | ACC_USER, &v), FAULT(EXC_PF, PF_P | PF_U));
    ck_assert_int_eq(rd_lin(0x401000, ACC_READ | ACC_USER, &v), NO_FAULT);
    /* supervisor: read-only pages are writable unless CR0.WP */
    cpu->cpl = 0;
    ck_assert_int_eq(wr(0x401000, 0xabcd, 2), NO_FAULT);
    ck_assert_uint_eq(*pte32(0x401000) & D, D);
    ck_assert_uint_eq(ram[0x201000], 0xcd);
    cpu->cr0 |= CR0_WP;
    mmu_flush_all(cpu); /* MOV CR0 flushes */
    ck_assert_int_eq(wr(0x401000, 0, 4), FAULT(EXC_PF, PF_P | PF_W));
    ck_assert_int_eq(wr(0x800000, 0, 4), FAULT(EXC_PF, PF_P | PF_W));
    ck_assert_int_eq(wr(0x400000, 0, 4), NO_FAULT);
}
END_TEST

START_TEST(tlb_user_and_supervisor_separate)
{
    uint32_t v;
    paging32(0);
    map32(0x400000, 0x200000, P | RW, P | RW | US);
    ck_assert_int_eq(rd(0x400000, 4, &v), NO_FAULT); /* fills the supervisor side */
    cpu->cpl = 3;
    ck_assert_int_eq(rd(0x400000, 4, &v), FAULT(EXC_PF, PF_P | PF_U));
    uint8_t buf[4];
    ck_assert_int_eq(cpu_fetch(cpu, 0x400000, buf, 4), 0);
    ck_assert_int_eq(fetch_fault(0x400000), FAULT(EXC_PF, PF_P | PF_U)); /* no I/D without NX */
}
END_TEST

START_TEST(pse_4m)
{
    uint32_t v;
    paging32(CR4_PSE);
    *pde32(0x800000) = 0x400000 | PS | P | RW | US;
    ram[0x6abcde] = 0x3e;
    ck_assert_uint_eq(rd_ok(0xaabcde, 1), 0x3e);
    ck_assert_uint_eq(*pde32(0x800000) & (A | D), A);
    ck_assert_int_eq(wr(0xaabcdf, 1, 1), NO_FAULT);
    ck_assert_uint_eq(ram[0x6abcdf], 1);
    ck_assert_uint_eq(*pde32(0x800000) & (A | D), A | D);
    /* PSE-36: PDE bits 16:13 are physical bits 35:32 */
    *pde32(0x1000000) = 0x400000 | (0x3u << 13) | PS | P;
    uint64_t phys;
    ck_assert(mmu_probe(cpu, 0x1012345, &phys));
    ck_assert_uint_eq(phys, 0x300412345ull);
    ck_assert_uint_eq(rd_ok(0x1012345, 4), 0xffffffff); /* nothing there */
    /* bits 21:17 reserved: RSVD with P */
    *pde32(0x1400000) = 0x400000 | (1u << 17) | PS | P;
    ck_assert_int_eq(rd(0x1400000, 4, &v), FAULT(EXC_PF, PF_P | PF_RSVD));
    cpu->cpl = 3;
    ck_assert_int_eq(wr(0x1400000, 0, 4), FAULT(EXC_PF, PF_P | PF_RSVD | PF_W | PF_U));
    ck_assert_uint_eq(*pde32(0x1400000) & A, 0);
    /* 4 MiB pages survive INVLPG of another address in them only until flushed */
    cpu->cpl = 0;
    ck_assert_uint_eq(rd_ok(0x800000 + 0x1000, 1), ram[0x401000]);
    *pde32(0x800000) = 0x000000 | PS | P | RW | US;
    ram[0x1000] = 0x61;
    ram[0x401000] = 0x62;
    ck_assert_uint_eq(rd_ok(0x801000, 1), 0x62); /* stale */
    mmu_flush_page(cpu, 0x9ff000);               /* another page of the same 4 MiB */
    ck_assert_uint_eq(rd_ok(0x801000, 1), 0x61);
}
END_TEST

START_TEST(pse_bit_ignored_without_cr4_pse)
{
    paging32(0);
    /* PS set but CR4.PSE clear: the PDE points to a page table */
    *pde32(0x400000) = (PT_BASE + 0x1000) | PS | P | RW;
    *pte32(0x400000) = 0x203000 | P;
    ram[0x203004] = 0x9d;
    ck_assert_uint_eq(rd_ok(0x400004, 1), 0x9d);
}
END_TEST

START_TEST(pae_walk)
{
    map_pae(0x400000, 0x200000 | P | RW | US, P | RW | US);
    paging_pae(false); /* loads the PDPTE registers */
    ram[0x200010] = 0x11;
    ck_assert_uint_eq(rd_ok(0x400010, 1), 0x11);
    ck_assert_uint_eq(*pde_pae(0x400000) & (A | D), A);
    ck_assert_uint_eq(*pte_pae(0x400000) & (A | D), A);
    ck_assert_int_eq(wr(0x400010, 0x22, 1), NO_FAULT);
    ck_assert_uint_eq(*pte_pae(0x400000) & (A | D), A | D);
    ck_assert_uint_eq(*pdpte(0x400000), (PAE_PD | P)); /* PDPTEs have no A bit */
    /* 2 MiB page in the top gigabyte */
    *pdpte(0xc0000000) = (PAE_PD + 0x3000) | P;
    *pde_pae(0xc0200000) = 0x600000 | PS | P | RW;
    mmu_load_pdptes(cpu); /* the PDPTE registers are only read at load */
    mmu_flush_all(cpu);
    ram[0x7fffff] = 0x44;
    ck_assert_uint_eq(rd_ok(0xc03fffff, 1), 0x44);
    ck_assert_uint_eq(*pde_pae(0xc0200000) & (A | D), A);
}
END_TEST

START_TEST(pae_faults)
{
    uint32_t v;
    paging_pae(false);
    /* PDPTE not present */
    ck_assert_int_eq(rd(0x40000000, 4, &v), FAULT(EXC_PF, 0));
    ck_assert_uint_eq(cpu->cr2, 0x40000000);
    /* without NXE, bit 63 is reserved */
    map_pae(0x400000, 0x200000 | P | RW | NX, P | RW);
    ck_assert_int_eq(rd(0x400000, 4, &v), FAULT(EXC_PF, 0)); /* PDPTE register still empty */
    mmu_load_pdptes(cpu);
    ck_assert_int_eq(rd(0x400000, 4, &v), FAULT(EXC_PF, PF_P | PF_RSVD));
    ck_assert_uint_eq(*pte_pae(0x400000) & A, 0);
    ck_assert_uint_eq(*pde_pae(0x400000) & A, A); /* used before the PTE faulted */
    /* physical address bits above 35 are reserved */
    map_pae(0x400000, 0x200000 | P | RW | (1ull << 40), P | RW);
    ck_assert_int_eq(wr(0x400000, 0, 4), FAULT(EXC_PF, PF_P | PF_RSVD | PF_W));
    /* 2 MiB PDE with bits 20:13 set */
    *pde_pae(0x600000) = 0x600000 | (1u << 13) | PS | P;
    ck_assert_int_eq(rd(0x600000, 4, &v), FAULT(EXC_PF, PF_P | PF_RSVD));
    /* PDPTE reserved bits: #GP(0) at load, registers unchanged */
    uint64_t old = cpu->tlb.pdpte[0];
    *pdpte(0) |= 1u << 5;
    ck_assert(!mmu_check_pdptes(cpu, PDPT));
    cpu_commit(cpu);
    if (setjmp(cpu->exc_jmp)) {
        ck_assert_int_eq(cpu->exc_vector, EXC_GP);
        ck_assert_uint_eq(cpu->exc_error, 0);
    } else {
        mmu_load_pdptes(cpu);
        ck_abort_msg("no #GP");
    }
    ck_assert_uint_eq(cpu->tlb.pdpte[0], old);
    *pdpte(0) &= ~(1ull << 5);
    *pdpte(0x40000000) = 0x12345678ull | (1ull << 2); /* not present: not checked */
    ck_assert(mmu_check_pdptes(cpu, PDPT));
}
END_TEST

START_TEST(pae_nx)
{
    uint32_t v;
    uint8_t buf[15];
    map_pae(0x400000, 0x200000 | P | RW | US | NX, P | RW | US);
    map_pae(0x401000, 0x201000 | P | RW | US, P | RW | US);
    paging_pae(true);
    ram[0x201000] = 0x90;
    ck_assert_int_eq(rd(0x400000, 4, &v), NO_FAULT); /* readable, not executable */
    ck_assert_int_eq(cpu_fetch(cpu, 0x400000, buf, 15), 0);
    ck_assert_int_eq(fetch_fault(0x400000), FAULT(EXC_PF, PF_P | PF_ID));
    cpu->cpl = 3;
    ck_assert_int_eq(fetch_fault(0x400ff0), FAULT(EXC_PF, PF_P | PF_ID | PF_U));
    ck_assert_uint_eq(cpu->cr2, 0x400ff0);
    ck_assert_int_eq(cpu_fetch(cpu, 0x401000, buf, 15), 15);
    ck_assert_uint_eq(buf[0], 0x90);
    /* NX in the PDE covers the whole table; I/D on a not-present fetch too */
    cpu->cpl = 0;
    *pde_pae(0x401000) |= NX;
    mmu_flush_all(cpu);
    ck_assert_int_eq(fetch_fault(0x401000), FAULT(EXC_PF, PF_P | PF_ID));
    ck_assert_int_eq(fetch_fault(0x800000), FAULT(EXC_PF, PF_ID));
    ck_assert_int_eq(rd(0x800000, 4, &v), FAULT(EXC_PF, 0));
}
END_TEST

START_TEST(tlb_stale_until_invlpg)
{
    paging32(0);
    map32(0x400000, 0x200000, P | RW, P | RW);
    ram[0x200000] = 1;
    ram[0x300000] = 2;
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1);
    *pte32(0x400000) = 0x300000 | P | RW;
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1); /* still the cached translation */
    mmu_flush_page(cpu, 0x400abc);
    ck_assert_uint_eq(rd_ok(0x400000, 1), 2);
    *pte32(0x400000) = 0x200000 | P | RW;
    ck_assert_uint_eq(rd_ok(0x400000, 1), 2);
    mmu_flush_all(cpu); /* MOV CR3 */
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1);
    /* a removed mapping keeps working until flushed, then faults */
    *pte32(0x400000) = 0;
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1);
    mmu_flush_page(cpu, 0x400000);
    uint32_t v;
    ck_assert_int_eq(rd(0x400000, 1, &v), FAULT(EXC_PF, 0));
}
END_TEST

START_TEST(global_pages)
{
    paging32(CR4_PGE);
    map32(0x400000, 0x200000, P | RW | G, P | RW);
    map32(0x401000, 0x201000, P | RW, P | RW);
    ram[0x200000] = 1, ram[0x201000] = 3, ram[0x300000] = 2;
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1);
    ck_assert_uint_eq(rd_ok(0x401000, 1), 3);
    *pte32(0x400000) = 0x300000 | P | RW | G;
    *pte32(0x401000) = 0x300000 | P | RW;
    mmu_flush_all(cpu); /* CR3 reload: the global page survives */
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1);
    ck_assert_uint_eq(rd_ok(0x401000, 1), 2);
    mmu_flush_page(cpu, 0x400000); /* INVLPG drops global entries too */
    ck_assert_uint_eq(rd_ok(0x400000, 1), 2);
    *pte32(0x400000) = 0x200000 | P | RW | G;
    mmu_flush_all_global(cpu); /* CR4.PGE toggle */
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1);
    /* G without CR4.PGE is not global */
    cpu->cr4 = 0;
    mmu_flush_all_global(cpu);
    ck_assert_uint_eq(rd_ok(0x400000, 1), 1);
    *pte32(0x400000) = 0x300000 | P | RW | G;
    mmu_flush_all(cpu);
    ck_assert_uint_eq(rd_ok(0x400000, 1), 2);
}
END_TEST

/* A CR3 write drops every non-global entry filled since the last one,
 * whether or not they all fit in the TLB's log of fills (mmu/tlb.h,
 * fill_log). Pages 0x400000 + k * 4 KiB, all read through, then remapped;
 * a global one among them must survive. */
static void flush_after_fills(unsigned pages)
{
    paging32(CR4_PGE);
    ram[0x200000] = 1, ram[0x300000] = 2;
    for (unsigned k = 0; k < pages; k++)
        map32(0x400000 + k * 0x1000, 0x200000, P | RW | (k == 7 ? G : 0), P | RW);
    for (unsigned k = 0; k < pages; k++)
        ck_assert_uint_eq(rd_ok(0x400000 + k * 0x1000, 1), 1);
    for (unsigned k = 0; k < pages; k++)
        *pte32(0x400000 + k * 0x1000) = 0x300000 | P | RW | (k == 7 ? G : 0);
    mmu_flush_all(cpu);
    for (unsigned k = 0; k < pages; k++)
        ck_assert_uint_eq(rd_ok(0x400000 + k * 0x1000, 1), k == 7 ? 1 : 2);
    /* and again, from the fills of the second pass (the global page still
     * reads its first mapping, 1, as do the remapped others) */
    for (unsigned k = 0; k < pages; k++)
        *pte32(0x400000 + k * 0x1000) = 0x200000 | P | RW;
    mmu_flush_all(cpu);
    for (unsigned k = 0; k < pages; k++)
        ck_assert_uint_eq(rd_ok(0x400000 + k * 0x1000, 1), 1);
}

START_TEST(flush_all_few_fills) { flush_after_fills(40); }
END_TEST

START_TEST(flush_all_more_fills_than_logged) { flush_after_fills(TLB_FILL_LOG + 300); }
END_TEST

START_TEST(dirty_after_cached_read)
{
    paging32(0);
    map32(0x400000, 0x200000, P | RW, P | RW);
    ck_assert_uint_eq(rd_ok(0x400000, 4), 0);
    ck_assert_uint_eq(*pte32(0x400000) & D, 0);
    /* the cached entry came from a read with D clear: the write walks again */
    *pte32(0x400000) |= 0; /* unchanged in memory */
    ck_assert_int_eq(wr(0x400000, 1, 4), NO_FAULT);
    ck_assert_uint_eq(*pte32(0x400000) & D, D);
    /* with D already set, a read fills an entry a write may use directly */
    map32(0x402000, 0x202000, P | RW | A | D, P | RW | A);
    ck_assert_uint_eq(rd_ok(0x402000, 4), 0);
    ck_assert_int_eq(wr(0x402000, 5, 4), NO_FAULT);
    ck_assert_uint_eq(ram[0x202000], 5);
}
END_TEST

START_TEST(crossing_write_checks_both_pages)
{
    paging32(0);
    map32(0x400000, 0x200000, P | RW, P | RW);
    map32(0x401000, 0x201000, P, P | RW); /* read-only */
    cpu->cr0 |= CR0_WP;
    ram[0x200fff] = 0xee;
    ck_assert_int_eq(wr(0x400ffe, 0x11223344, 4), FAULT(EXC_PF, PF_P | PF_W));
    ck_assert_uint_eq(cpu->cr2, 0x401000);
    ck_assert_uint_eq(ram[0x200fff], 0xee); /* nothing written */
    ck_assert_uint_eq(*pte32(0x400000) & D, D); /* first page fully translated */
    /* a read across works and picks bytes from both frames */
    ram[0x201000] = 0x77;
    ck_assert_uint_eq(rd_ok(0x400fff, 2), 0x77ee);
    /* cpu_check_write reports the fault without writing */
    cpu_commit(cpu);
    if (setjmp(cpu->exc_jmp))
        ck_assert_int_eq(cpu->exc_vector, EXC_PF);
    else {
        cpu_check_write(cpu, SEG_DS, 0x400ffc, 8);
        ck_abort_msg("no fault");
    }
}
END_TEST

START_TEST(fetch_stops_at_faulting_page)
{
    uint8_t buf[15];
    paging32(0);
    map32(0x400000, 0x200000, P | RW | US, P | RW | US);
    for (int i = 0; i < 8; i++)
        ram[0x200ff8 + i] = 0xa0 + i;
    ck_assert_int_eq(cpu_fetch(cpu, 0x400ff8, buf, 15), 8); /* no fault yet */
    ck_assert_uint_eq(buf[7], 0xa7);
    ck_assert_uint_eq(*pte32(0x401000) & A, 0);
    ck_assert_int_eq(fetch_fault(0x400ff8 + 8), FAULT(EXC_PF, 0));
    ck_assert_uint_eq(cpu->cr2, 0x401000);
    /* the PDE was already accessed; nothing new was marked by the probe */
    map32(0x401000, 0x201000, P | RW | US, P | RW | US);
    ram[0x201000] = 0x55;
    ck_assert_int_eq(cpu_fetch(cpu, 0x400ff8, buf, 15), 15);
    ck_assert_uint_eq(buf[8], 0x55);
    ck_assert_uint_eq(*pte32(0x401000) & (A | D), A);
}
END_TEST

START_TEST(mmio_through_paging)
{
    static uint32_t seen;
    struct dev {
        uint32_t (*r)(void *, uint32_t, int);
    };
    uint32_t v;
    static const struct io_ops ops = {
        .read = NULL, /* reads all ones */
        .write = NULL,
    };
    (void)seen;
    memmap_add_mmio(mem, 0xfee00000, 0x1000, &ops, NULL);
    paging32(0);
    map32(0x400000, 0xfee00000, P | RW, P | RW);
    ck_assert_int_eq(rd(0x400010, 4, &v), NO_FAULT);
    ck_assert_uint_eq(v, 0xffffffff);
    ck_assert_int_eq(wr(0x400010, 0, 4), NO_FAULT);
    ck_assert_uint_eq(*pte32(0x400000) & D, D);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, walk32_4k_accessed_dirty);
    tcase_add_test(tc, walk32_not_present);
    tcase_add_test(tc, walk32_protection);
    tcase_add_test(tc, tlb_user_and_supervisor_separate);
    tcase_add_test(tc, pse_4m);
    tcase_add_test(tc, pse_bit_ignored_without_cr4_pse);
    tcase_add_test(tc, pae_walk);
    tcase_add_test(tc, pae_faults);
    tcase_add_test(tc, pae_nx);
    tcase_add_test(tc, tlb_stale_until_invlpg);
    tcase_add_test(tc, global_pages);
    tcase_add_test(tc, dirty_after_cached_read);
    tcase_add_test(tc, flush_all_few_fills);
    tcase_add_test(tc, flush_all_more_fills_than_logged);
    tcase_add_test(tc, crossing_write_checks_both_pages);
    tcase_add_test(tc, fetch_stops_at_faulting_page);
    tcase_add_test(tc, mmio_through_paging);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
