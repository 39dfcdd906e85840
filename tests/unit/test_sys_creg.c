/* MOV to/from control and debug registers: privilege, #UD for missing
 * registers, reserved bits, invalid CR0 combinations, PAE PDPTE checks,
 * DR4/DR5 aliasing, DR6/DR7 fixed bits and general detect. */
#include "test_sys_util.h"

#define DR7_GD_BIT 0x2000u

START_TEST(mov_cr0_roundtrip_et_hardwired)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    cpu->gpr[R_EAX] = CR0_PE | CR0_MP | CR0_NE | 0x00008000; /* bit 15 reserved: ignored */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK);    /* mov cr0, eax */
    ck_assert_uint_eq(cpu->cr0, CR0_PE | CR0_MP | CR0_NE | CR0_ET);
    cpu->gpr[R_EBX] = 0;
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x20, 0xc3), ST_OK); /* mov ebx, cr0 */
    ck_assert_uint_eq(cpu->gpr[R_EBX], CR0_PE | CR0_MP | CR0_NE | CR0_ET);
    st_destroy(t);
}
END_TEST

START_TEST(mov_cr0_invalid_combinations)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    uint32_t before = cpu->cr0;
    cpu->gpr[R_EAX] = CR0_PG; /* PG without PE */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, 0);
    cpu->gpr[R_EAX] = CR0_NW; /* NW without CD */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), EXC_GP);
    ck_assert_uint_eq(cpu->cr0, before);
    st_destroy(t);
}
END_TEST

START_TEST(mov_cr_privilege_and_missing)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 3);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x20, 0xc0), EXC_GP); /* mov eax, cr0 at CPL 3 */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), EXC_GP); /* mov cr3, eax */
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x20, 0xc0), EXC_GP); /* V86 is CPL 3 */
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc8), EXC_UD); /* mov cr1, eax */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x20, 0xe8), EXC_UD); /* mov eax, cr5 */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xf8), EXC_UD); /* mov cr7, eax */
    cpu->gpr[R_EDX] = 0xdeadbeef;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd2), ST_OK); /* mov cr2, edx */
    ck_assert_uint_eq(cpu->cr2, 0xdeadbeef);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x20, 0xd1), ST_OK); /* mov ecx, cr2 */
    ck_assert_uint_eq(cpu->gpr[R_ECX], 0xdeadbeef);
    /* The ModRM mod field is ignored: 0F 20 18 is still "mov eax, cr3". */
    cpu->cr3 = 0x7000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x20, 0x18), ST_OK);
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x7000);
    st_real(t); /* real mode counts as CPL 0 */
    cpu->gpr[R_EAX] = 0x5000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), ST_OK); /* mov cr3, eax */
    ck_assert_uint_eq(cpu->cr3, 0x5000);
    st_destroy(t);
}
END_TEST

START_TEST(mov_cr4_reserved_bits)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    static const uint32_t bad[] = {CR4_MCE, 0x800, 0x80000000u}; /* OSFXSR, OSXMMEXCPT: FXSR, SSE offered */
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cpu->gpr[R_EAX] = bad[i];
        ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xe0), EXC_GP);
        ck_assert_uint_eq(cpu->cr4, 0);
    }
    cpu->gpr[R_EAX] = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSXMMEXCPT;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xe0), ST_OK);
    ck_assert_uint_eq(cpu->cr4, cpu->gpr[R_EAX]);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x20, 0xe3), ST_OK); /* mov ebx, cr4 */
    ck_assert_uint_eq(cpu->gpr[R_EBX], cpu->cr4);
    st_destroy(t);
}
END_TEST

/* PAE: loading CR3 or enabling PAE paging reads the PDPTEs; a present one with
 * reserved bits is #GP(0) and the register keeps its old value. */
START_TEST(pae_pdpte_reserved_bits_fault)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    /* A PDPT at 0x20000 with one valid entry (pointing to a zeroed page
     * directory) and a bad PDPT at 0x20020 whose entry 2 sets bit 1 (reserved). */
    memmap_write(t->mem, 0x20000, 0x21001, 8);
    memmap_write(t->mem, 0x20020 + 16, 0x22003, 8);
    cpu->gpr[R_EAX] = 0x20000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), ST_OK); /* mov cr3, eax */
    cpu->gpr[R_EAX] = CR4_PAE;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xe0), ST_OK); /* mov cr4, eax */
    /* Identity map the first 2 MiB with a large page so execution could go on. */
    memmap_write(t->mem, 0x21000, 0x000083, 8);
    cpu->gpr[R_EAX] = cpu->cr0 | CR0_PG;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK); /* mov cr0, eax: PG on */
    ck_assert(cpu->cr0 & CR0_PG);
    cpu->gpr[R_EAX] = 0x20020;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), EXC_GP); /* bad PDPT */
    ck_assert_uint_eq(cpu->exc_error, 0);
    ck_assert_uint_eq(cpu->cr3, 0x20000);
    /* Same PDPT with paging off: no PDPTE load, no fault. */
    cpu->gpr[R_EAX] = cpu->cr0 & ~CR0_PG;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK);
    cpu->gpr[R_EAX] = 0x20020;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), ST_OK);
    /* ...but turning PG on with it faults and leaves CR0 alone. */
    uint32_t cr0 = cpu->cr0;
    cpu->gpr[R_EAX] = cr0 | CR0_PG;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), EXC_GP);
    ck_assert_uint_eq(cpu->cr0, cr0);
    st_destroy(t);
}
END_TEST

/* CR0.PG off -> on flushes translations: a stale TLB entry must not survive. */
START_TEST(paging_toggle_flushes_tlb)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    /* 32-bit paging: PD at 0x30000, PT at 0x31000 mapping linear 0x400000 ->
     * physical 0x100000, first 4 MiB identity mapped with a PSE page. */
    cpu->cr4 = CR4_PSE;
    memmap_write(t->mem, 0x30000, 0x000083, 4);
    memmap_write(t->mem, 0x30004, 0x31003, 4);
    memmap_write(t->mem, 0x31000, 0x100003, 4);
    memmap_write(t->mem, 0x100000, 0x11111111, 4);
    memmap_write(t->mem, 0x200000, 0x22222222, 4);
    cpu->gpr[R_EAX] = 0x30000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), ST_OK);
    cpu->gpr[R_EAX] = cpu->cr0 | CR0_PG;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK);
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x400000, 4, ACC_READ), 0x11111111);
    /* Remap the page; reloading CR3 must drop the old translation. */
    memmap_write(t->mem, 0x31000, 0x200003, 4);
    cpu->gpr[R_EAX] = 0x30000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), ST_OK);
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x400000, 4, ACC_READ), 0x22222222);
    /* INVLPG drops one page. */
    memmap_write(t->mem, 0x31000, 0x100003, 4);
    cpu->gpr[R_EBX] = 0x400000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x3b), ST_OK); /* invlpg [ebx] */
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x400000, 4, ACC_READ), 0x11111111);
    /* Paging off: linear is physical. */
    cpu->gpr[R_EAX] = cpu->cr0 & ~CR0_PG;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK);
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x200000, 4, ACC_READ), 0x22222222);
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x100000, 4, ACC_READ), 0x11111111);
    st_destroy(t);
}
END_TEST

/* Turning CR0.WP on must drop write permissions cached for supervisor
 * accesses to read-only pages. */
START_TEST(wp_change_flushes_tlb)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    cpu->cr4 = CR4_PSE;
    memmap_write(t->mem, 0x30000, 0x000083, 4); /* 0-4 MiB identity, writable */
    memmap_write(t->mem, 0x30004, 0x31003, 4);
    memmap_write(t->mem, 0x31000, 0x100001, 4); /* 0x400000 -> 0x100000, read-only */
    cpu->cr3 = 0x30000;
    cpu->gpr[R_EAX] = cpu->cr0 | CR0_PG;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK);
    cpu->gpr[R_EBX] = 0x400000;
    cpu->gpr[R_EAX] = 0x12345678;
    ck_assert_int_eq(ST_EXEC(t, 0x89, 0x03), ST_OK); /* mov [ebx], eax: WP = 0 allows it */
    ck_assert_uint_eq(memmap_read(t->mem, 0x100000, 4), 0x12345678);
    cpu->gpr[R_EAX] = cpu->cr0 | CR0_WP;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK);
    cpu->gpr[R_EAX] = 0x9abcdef0;
    ck_assert_int_eq(ST_EXEC(t, 0x89, 0x03), EXC_PF);
    ck_assert_uint_eq(cpu->exc_error, 0x3); /* present, write, supervisor */
    ck_assert_uint_eq(cpu->cr2, 0x400000);
    ck_assert_uint_eq(memmap_read(t->mem, 0x100000, 4), 0x12345678);
    st_destroy(t);
}
END_TEST

/* Global pages survive a CR3 load (with CR4.PGE) but not a change of
 * CR4.PGE itself (SDM Vol. 3A 4.10.4.1). */
START_TEST(pge_change_flushes_global_pages)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    cpu->gpr[R_EAX] = CR4_PSE | CR4_PGE;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xe0), ST_OK);
    memmap_write(t->mem, 0x30000, 0x000183, 4); /* global 4 MiB identity */
    memmap_write(t->mem, 0x30004, 0x31003, 4);
    memmap_write(t->mem, 0x31000, 0x100103, 4); /* global 0x400000 -> 0x100000 */
    memmap_write(t->mem, 0x100000, 0x11111111, 4);
    memmap_write(t->mem, 0x200000, 0x22222222, 4);
    cpu->gpr[R_EAX] = 0x30000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), ST_OK);
    cpu->gpr[R_EAX] = cpu->cr0 | CR0_PG;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xc0), ST_OK);
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x400000, 4, ACC_READ), 0x11111111);
    memmap_write(t->mem, 0x31000, 0x200103, 4);
    cpu->gpr[R_EAX] = 0x30000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xd8), ST_OK); /* CR3 reload keeps it */
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x400000, 4, ACC_READ), 0x11111111);
    cpu->gpr[R_EAX] = CR4_PSE;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x22, 0xe0), ST_OK); /* PGE off flushes */
    ck_assert_uint_eq(cpu_read_lin(cpu, 0x400000, 4, ACC_READ), 0x22222222);
    st_destroy(t);
}
END_TEST

START_TEST(mov_dr_basic_and_fixed_bits)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    cpu->gpr[R_EAX] = 0x12345678;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xc8), ST_OK); /* mov dr1, eax */
    ck_assert_uint_eq(cpu->dr[1], 0x12345678);
    cpu->gpr[R_EAX] = 0;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xf0), ST_OK); /* mov dr6, eax */
    ck_assert_uint_eq(cpu->dr[6], 0xffff0ff0);
    cpu->gpr[R_EAX] = 0xffffffff;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xf0), ST_OK);
    ck_assert_uint_eq(cpu->dr[6], 0xffffefff); /* bit 12 reads 0 on a P6 */
    cpu->gpr[R_EAX] = 0;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xf8), ST_OK); /* mov dr7, eax */
    ck_assert_uint_eq(cpu->dr[7], 0x400);
    cpu->gpr[R_EAX] = 0xffffffff & ~DR7_GD_BIT;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xf8), ST_OK);
    ck_assert_uint_eq(cpu->dr[7], 0xffff07ff); /* 11, 12, 14, 15 read 0 */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x21, 0xca), ST_OK); /* mov edx, dr1 */
    ck_assert_uint_eq(cpu->gpr[R_EDX], 0x12345678);
    st_pmode(t, 1);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x21, 0xca), EXC_GP);
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xc8), EXC_GP);
    st_destroy(t);
}
END_TEST

START_TEST(mov_dr4_dr5_alias_or_ud)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    cpu->gpr[R_EAX] = 0x1; /* L0 */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xe8), ST_OK); /* mov dr5, eax -> DR7 */
    ck_assert_uint_eq(cpu->dr[7], 0x401);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x21, 0xe3), ST_OK); /* mov ebx, dr4 -> DR6 */
    ck_assert_uint_eq(cpu->gpr[R_EBX], cpu->dr[6]);
    cpu->cr4 = CR4_DE;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x21, 0xe3), EXC_UD);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xe8), EXC_UD);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x21, 0xf3), ST_OK); /* dr6 itself is fine */
    st_destroy(t);
}
END_TEST

/* DR7.GD: the MOV faults with #DB before it runs, DR6.BD is set and GD is
 * cleared so that the handler can use the debug registers. */
START_TEST(general_detect)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    cpu->dr[7] = 0x400 | DR7_GD_BIT;
    cpu->dr[0] = 0;
    cpu->gpr[R_EAX] = 0xabcd;
    uint32_t eip = cpu->eip;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xc0), EXC_DB); /* mov dr0, eax */
    ck_assert_uint_eq(cpu->dr[0], 0);
    ck_assert(cpu->dr[6] & 0x2000);
    ck_assert(!(cpu->dr[7] & DR7_GD_BIT));
    ck_assert_uint_eq(cpu->eip, eip); /* fault: EIP at the MOV */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x23, 0xc0), ST_OK);
    ck_assert_uint_eq(cpu->dr[0], 0xabcd);
    st_destroy(t);
}
END_TEST

START_TEST(clts_lmsw_smsw)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x06), ST_OK); /* clts, real mode */
    ck_assert(!(cpu->cr0 & CR0_TS));
    /* LMSW sets PE (entering protected mode) and MP/EM/TS, only the low 4 bits. */
    cpu->gpr[R_EAX] = 0xfff3; /* PE MP, no EM TS; bits 4+ ignored */
    uint32_t upper = cpu->cr0 & ~0xfu;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xf0), ST_OK); /* lmsw ax */
    ck_assert_uint_eq(cpu->cr0, upper | CR0_PE | CR0_MP);
    /* LMSW cannot clear PE. */
    st_pmode(t, 0);
    cpu->gpr[R_EAX] = 0x000c;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xf0), ST_OK);
    ck_assert_uint_eq(cpu->cr0, upper | CR0_PE | CR0_EM | CR0_TS);
    /* SMSW: r16 low word, r32 whole CR0 (P6), memory 16 bits. */
    cpu->cr0 |= CR0_WP;
    cpu->gpr[R_ECX] = 0xffffffff;
    ck_assert_int_eq(ST_EXEC(t, 0x66, 0x0f, 0x01, 0xe1), ST_OK); /* smsw cx */
    ck_assert_uint_eq(cpu->gpr[R_ECX], 0xffff0000u | (cpu->cr0 & 0xffff));
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xe1), ST_OK); /* smsw ecx */
    ck_assert_uint_eq(cpu->gpr[R_ECX], cpu->cr0);
    cpu->gpr[R_EBX] = 0x9000;
    memmap_write(t->mem, 0x9000, 0xaaaaaaaa, 4);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x23), ST_OK); /* smsw [ebx] */
    ck_assert_uint_eq(memmap_read(t->mem, 0x9000, 4), 0xaaaa0000u | (cpu->cr0 & 0xffff));
    /* Privilege: CLTS, LMSW at CPL 3 and in V86; SMSW is not privileged. */
    st_pmode(t, 3);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x06), EXC_GP);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xf0), EXC_GP);
    /* The privilege check precedes the operand read: #GP(0), not #SS. */
    cpu->seg[SEG_SS].limit = 0xfff;
    cpu->gpr[R_EBP] = 0x100000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0x75, 0x00), EXC_GP); /* lmsw [ebp] */
    ck_assert_uint_eq(cpu->exc_error, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x01, 0xe1), ST_OK);
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x06), EXC_GP);
    st_destroy(t);
}
END_TEST

ST_MAIN("sys_creg", mov_cr0_roundtrip_et_hardwired, mov_cr0_invalid_combinations,
        mov_cr_privilege_and_missing, mov_cr4_reserved_bits, pae_pdpte_reserved_bits_fault,
        paging_toggle_flushes_tlb, wp_change_flushes_tlb, pge_change_flushes_global_pages,
        mov_dr_basic_and_fixed_bits, mov_dr4_dr5_alias_or_ud,
        general_detect, clts_lmsw_smsw)
