/* RDMSR/WRMSR (every MSR kind, reserved bits and types), RDTSC, RDPMC,
 * CPUID and SYSENTER/SYSEXIT. */
#include "test_sys_util.h"

#define RDMSR(t) ST_EXEC(t, 0x0f, 0x32)
#define WRMSR(t) ST_EXEC(t, 0x0f, 0x30)

static int wrmsr(struct st *t, uint32_t msr, uint64_t v)
{
    t->cpu->gpr[R_ECX] = msr;
    t->cpu->gpr[R_EAX] = (uint32_t)v;
    t->cpu->gpr[R_EDX] = (uint32_t)(v >> 32);
    return WRMSR(t);
}
static uint64_t rdmsr(struct st *t, uint32_t msr)
{
    t->cpu->gpr[R_ECX] = msr;
    ck_assert_int_eq(RDMSR(t), ST_OK);
    return (t->cpu->gpr[R_EDX] << 32) | (uint32_t)t->cpu->gpr[R_EAX];
}
static void msr_rejects(struct st *t, uint32_t msr, uint64_t v)
{
    uint64_t before = rdmsr(t, msr);
    ck_assert_msg(wrmsr(t, msr, v) == EXC_GP, "msr %#x accepted %#llx", msr,
                  (unsigned long long)v);
    ck_assert_uint_eq(t->cpu->exc_error, 0);
    ck_assert_uint_eq(rdmsr(t, msr), before);
}
static void msr_roundtrip(struct st *t, uint32_t msr, uint64_t v)
{
    ck_assert_msg(wrmsr(t, msr, v) == ST_OK, "msr %#x rejected %#llx", msr, (unsigned long long)v);
    ck_assert_uint_eq(rdmsr(t, msr), v);
}

START_TEST(msr_privilege_and_unknown)
{
    struct st *t = st_create();
    st_pmode(t, 3);
    t->cpu->gpr[R_ECX] = MSR_SYSENTER_CS;
    ck_assert_int_eq(RDMSR(t), EXC_GP);
    ck_assert_int_eq(WRMSR(t), EXC_GP);
    st_v86(t);
    ck_assert_int_eq(RDMSR(t), EXC_GP);
    st_real(t);
    ck_assert_int_eq(RDMSR(t), ST_OK);
    static const uint32_t unknown[] = {0x3, 0x11, 0x1a1, 0x2000, 0x400, 0xc0000081, 0xc0000100};
    for (unsigned i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        t->cpu->gpr[R_ECX] = unknown[i];
        ck_assert_int_eq(RDMSR(t), EXC_GP);
        ck_assert_int_eq(WRMSR(t), EXC_GP);
    }
    st_destroy(t);
}
END_TEST

START_TEST(msr_sysenter_apic_misc)
{
    struct st *t = st_create();
    st_pmode(t, 0);
    /* SYSENTER MSRs are 32 bits: EDX is dropped. */
    ck_assert_int_eq(wrmsr(t, MSR_SYSENTER_EIP, 0x1234567887654321ull), ST_OK);
    ck_assert_uint_eq(rdmsr(t, MSR_SYSENTER_EIP), 0x87654321u);
    ck_assert_uint_eq(t->cpu->sysenter_eip, 0x87654321u);
    msr_roundtrip(t, MSR_SYSENTER_CS, 0x10);
    msr_roundtrip(t, MSR_SYSENTER_ESP, 0xc0001000);
    ck_assert_uint_eq(rdmsr(t, MSR_APIC_BASE), 0xfee00900);
    msr_roundtrip(t, MSR_APIC_BASE, 0x0000000fff000800ull);
    msr_rejects(t, MSR_APIC_BASE, 0xfee00901);         /* bit 0 reserved */
    msr_rejects(t, MSR_APIC_BASE, 0x1000fee00900ull);  /* beyond 36 bits */
    msr_roundtrip(t, MSR_MISC_ENABLE, 0x1);
    msr_roundtrip(t, 0x8b, 0); /* microcode revision: writes accepted, reads 0 */
    ck_assert_int_eq(wrmsr(t, 0x8b, 0x1234), ST_OK);
    ck_assert_uint_eq(rdmsr(t, 0x8b), 0);
    st_destroy(t);
}
END_TEST

START_TEST(msr_pat)
{
    struct st *t = st_create();
    st_pmode(t, 0);
    ck_assert_uint_eq(rdmsr(t, MSR_PAT), 0x0007040600070406ull);
    msr_roundtrip(t, MSR_PAT, 0x0706050401000000ull);
    for (int byte = 0; byte < 8; byte++) {
        msr_rejects(t, MSR_PAT, 2ull << (byte * 8)); /* type 2 reserved */
        msr_rejects(t, MSR_PAT, 3ull << (byte * 8)); /* type 3 reserved */
        msr_rejects(t, MSR_PAT, 8ull << (byte * 8)); /* bits 7:3 of each entry reserved */
    }
    st_destroy(t);
}
END_TEST

START_TEST(msr_mtrrs)
{
    struct st *t = st_create();
    st_pmode(t, 0);
    ck_assert_uint_eq(rdmsr(t, 0xfe), 0x508); /* MTRRcap: 8 variable, fixed, WC */
    msr_rejects(t, 0xfe, 0x508);               /* read-only */
    msr_roundtrip(t, 0x2ff, 0xc06);            /* E FE WB */
    msr_rejects(t, 0x2ff, 0x1006);             /* bit 12 reserved */
    msr_rejects(t, 0x2ff, 0xc02);              /* type 2 reserved */
    msr_rejects(t, 0x2ff, 0xc07);              /* type 7 (UC-) only in PAT */
    static const uint32_t fixed[] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
                                     0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
    static const uint64_t types[5] = {0, 1, 4, 5, 6};
    for (unsigned i = 0; i < 11; i++) {
        uint64_t v = 0x0605040100060500ull | types[i % 5];
        msr_roundtrip(t, fixed[i], v);
        msr_rejects(t, fixed[i], 0x0000000000000200ull); /* byte 1 = type 2 */
        msr_rejects(t, fixed[i], 0x0700000000000000ull); /* byte 7 = type 7 */
        ck_assert_uint_eq(t->cpu->mtrr_fix[i], v);
    }
    for (uint32_t msr = 0x251; msr < 0x258; msr++) { /* gaps between fixed MTRRs */
        t->cpu->gpr[R_ECX] = msr;
        ck_assert_int_eq(RDMSR(t), EXC_GP);
    }
    for (int n = 0; n < 8; n++) {
        uint32_t base = 0x200 + 2 * n, mask = base + 1;
        msr_roundtrip(t, base, 0x0000000fff000006ull);
        msr_rejects(t, base, 0x0000000fff000106ull); /* bits 11:8 reserved */
        msr_rejects(t, base, 0x0000001000000006ull); /* bit 36: beyond MAXPHYADDR */
        msr_rejects(t, base, 0x0000000000000003ull); /* type 3 */
        msr_roundtrip(t, mask, 0x0000000ff0000800ull);
        msr_rejects(t, mask, 0x0000000ff0000801ull); /* bits 10:0 reserved */
        msr_rejects(t, mask, 0x8000000ff0000800ull);
        ck_assert_uint_eq(t->cpu->mtrr_var[2 * n + 1], 0x0000000ff0000800ull);
    }
    st_destroy(t);
}
END_TEST

START_TEST(msr_efer_nx_only)
{
    struct st *t = st_create();
    st_pmode(t, 0);
    ck_assert_uint_eq(rdmsr(t, MSR_EFER), 0);
    msr_roundtrip(t, MSR_EFER, 1ull << 11);
    msr_rejects(t, MSR_EFER, 1); /* SCE: no SYSCALL */
    msr_rejects(t, MSR_EFER, 1ull << 8); /* LME: no long mode */
    msr_roundtrip(t, MSR_EFER, 0);
    st_destroy(t);
}
END_TEST

/* TSC = retired instructions + offset; WRMSR(TSC) writes the low 32 bits
 * only (P6) and RDTSC honours CR4.TSD. */
START_TEST(tsc_and_rdtsc)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    cpu->icount = 1000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x31), ST_OK); /* rdtsc */
    ck_assert_uint_eq(cpu->gpr[R_EAX], 1000);
    ck_assert_uint_eq(cpu->gpr[R_EDX], 0);
    ck_assert_int_eq(wrmsr(t, MSR_TSC, 0x00000005fffffff0ull), ST_OK);
    ck_assert_uint_eq(rdmsr(t, MSR_TSC), 0xfffffff0ull);
    cpu->icount += 0x20;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x31), ST_OK);
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0x10);
    ck_assert_uint_eq(cpu->gpr[R_EDX], 1);
    st_pmode(t, 3);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x31), ST_OK);
    cpu->cr4 |= CR4_TSD;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x31), EXC_GP);
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x31), EXC_GP);
    st_real(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x31), ST_OK);
    st_destroy(t);
}
END_TEST

START_TEST(rdpmc_checks)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    cpu->gpr[R_EAX] = cpu->gpr[R_EDX] = 0xffffffff;
    for (uint32_t ecx = 0; ecx < 2; ecx++) {
        cpu->gpr[R_ECX] = ecx;
        ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x33), ST_OK);
        ck_assert_uint_eq(cpu->gpr[R_EAX], 0); /* counters are not modelled: 0 */
        ck_assert_uint_eq(cpu->gpr[R_EDX], 0);
    }
    cpu->gpr[R_ECX] = 2;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x33), EXC_GP);
    cpu->gpr[R_ECX] = 0x40000000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x33), EXC_GP);
    cpu->gpr[R_ECX] = 1;
    st_pmode(t, 3);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x33), EXC_GP);
    cpu->cr4 |= CR4_PCE;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x33), ST_OK);
    cpu->gpr[R_ECX] = 2;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x33), EXC_GP);
    st_destroy(t);
}
END_TEST

static void cpuid(struct st *t, uint32_t leaf, uint32_t r[4])
{
    t->cpu->gpr[R_EAX] = leaf;
    t->cpu->gpr[R_ECX] = 0x55555555;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0xa2), ST_OK);
    r[0] = (uint32_t)t->cpu->gpr[R_EAX];
    r[1] = (uint32_t)t->cpu->gpr[R_EBX];
    r[2] = (uint32_t)t->cpu->gpr[R_ECX];
    r[3] = (uint32_t)t->cpu->gpr[R_EDX];
}

START_TEST(cpuid_identity)
{
    struct st *t = st_create();
    uint32_t r[4], r2[4];
    st_pmode(t, 3); /* CPUID works at any privilege */
    cpuid(t, 0, r);
    ck_assert_uint_eq(r[0], 2);
    char vendor[13] = {0};
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    ck_assert_str_eq(vendor, "GenuineIntel");
    cpuid(t, 1, r);
    ck_assert_uint_eq(r[0], CPU_SIGNATURE);
    ck_assert_uint_eq((r[0] >> 8) & 0xf, 6); /* family 6 */
    ck_assert_uint_eq(r[1], 8u << 8); /* CLFLUSH line: 8 x 8 = 64 bytes */
    ck_assert_uint_eq(r[2], 0);
    /* Implemented: FPU VME DE PSE TSC MSR PAE CX8 SEP MTRR PGE CMOV PAT PSE36 FXSR. */
    ck_assert_uint_eq(r[3] & ~0x06880000u, 0x103b97f); /* CLFSH MMX SSE SSE2: below */
    ck_assert(r[3] & 1);            /* x87 FPU */
    ck_assert_uint_eq(r[3] & 0x06880000u, 0x06880000u); /* CLFSH MMX SSE SSE2 */
    ck_assert(!(r[3] & (1u << 9)));  /* no APIC */
    cpuid(t, 2, r);
    ck_assert_uint_eq(r[0] & 0xff, 1);
    ck_assert_uint_eq(r[0], 0x02b3b001); /* Pentium M (Dothan) descriptors */
    ck_assert_uint_eq(r[1], 0x000000f0);
    ck_assert_uint_eq(r[3], 0x2c04307d);
    /* Leaves above the maximum return the highest basic leaf (Intel). */
    cpuid(t, 3, r2);
    ck_assert_mem_eq(r, r2, sizeof r);
    cpuid(t, 0x12345678, r2);
    ck_assert_mem_eq(r, r2, sizeof r);
    cpuid(t, 0x80000000, r2);
    ck_assert_uint_eq(r2[0], 0x80000001);
    cpuid(t, 0x80000001, r2);
    ck_assert_uint_eq(r2[3], 1u << 20); /* NX */
    cpuid(t, 0x80000002, r2);
    ck_assert_mem_eq(r, r2, sizeof r);
    /* 64-bit slots: the upper halves are cleared. */
    t->cpu->gpr[R_EBX] = 0xffffffff00000000ull;
    cpuid(t, 0, r);
    ck_assert_uint_eq(t->cpu->gpr[R_EBX], 0x756e6547);
    st_destroy(t);
}
END_TEST

START_TEST(sysenter_sysexit)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 3);
    cpu->sysenter_cs = 0x0013; /* RPL bits are dropped */
    cpu->sysenter_esp = 0x9ff0;
    cpu->sysenter_eip = 0xc0100000;
    cpu->eflags |= EF_IF | EF_RF;
    cpu->gpr[R_ESP] = 0x1234;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x34), ST_OK); /* sysenter */
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, 0x10);
    ck_assert_uint_eq(cpu->seg[SEG_SS].sel, 0x18);
    ck_assert_uint_eq(cpu->seg[SEG_CS].base, 0);
    ck_assert_uint_eq(cpu->seg[SEG_CS].limit, 0xffffffff);
    ck_assert_uint_eq(cpu->seg[SEG_CS].flags, DESC_P | DESC_S | DESC_DB | DESC_G | 0xb);
    ck_assert_uint_eq(cpu->seg[SEG_SS].flags, DESC_P | DESC_S | DESC_DB | DESC_G | 0x3);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert(cpu->code32 && cpu->stack32);
    ck_assert(!(cpu->eflags & (EF_IF | EF_RF | EF_VM)));
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0x9ff0);
    ck_assert_uint_eq(cpu->eip, 0xc0100000);

    cpu->gpr[R_ECX] = 0xbffff000;
    cpu->gpr[R_EDX] = 0x08048000;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x35), ST_OK); /* sysexit */
    ck_assert_uint_eq(cpu->seg[SEG_CS].sel, 0x23);
    ck_assert_uint_eq(cpu->seg[SEG_SS].sel, 0x2b);
    ck_assert_uint_eq(DESC_DPL(cpu->seg[SEG_CS].flags), 3);
    ck_assert_uint_eq(DESC_DPL(cpu->seg[SEG_SS].flags), 3);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->gpr[R_ESP], 0xbffff000);
    ck_assert_uint_eq(cpu->eip, 0x08048000);
    /* SYSEXIT from CPL 3 faults. */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x35), EXC_GP);
    /* SYSENTER_CS null (index 0, TI 0): #GP(0) for both. */
    cpu->sysenter_cs = 0x0003;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x34), EXC_GP);
    ck_assert_uint_eq(cpu->exc_error, 0);
    ck_assert_int_eq(cpu->cpl, 3);
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x35), EXC_GP);
    /* Real mode: #GP(0). */
    cpu->sysenter_cs = 0x10;
    st_real(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x34), EXC_GP);
    /* From V86 mode SYSENTER works and clears VM. */
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x34), ST_OK);
    ck_assert(!(cpu->eflags & EF_VM));
    ck_assert_int_eq(cpu->cpl, 0);
    st_destroy(t);
}
END_TEST

ST_MAIN("sys_msr", msr_privilege_and_unknown, msr_sysenter_apic_misc, msr_pat, msr_mtrrs,
        msr_efer_nx_only, tsc_and_rdtsc, rdpmc_checks, cpuid_identity, sysenter_sysexit)
