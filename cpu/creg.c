/* Control and debug registers: MOV to/from CR0-CR4 and DR0-DR7 with their
 * checks (SDM Vol. 2 "MOV—Move to/from Control/Debug Registers", Vol. 3A 2.5,
 * 17.2) and the TLB/PDPTE effects of paging-related changes (Vol. 3A 4.4.1, 4.10.4). */
#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/sysinsn.h"

/* CR0 bits a P6 implements; writes to the others are ignored (SDM Vol. 3A
 * 2.5: reserved bits of CR0[31:0] are not checked on 32-bit processors). */
#define CR0_IMPL                                                                          \
    (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW |     \
     CR0_CD | CR0_PG)

/* PAE paging loads the four PDPTEs into internal registers at these writes;
 * a present PDPTE with reserved bits makes the MOV fault with #GP(0) and leaves
 * the control registers unchanged (SDM Vol. 3A 4.4.1), so check first. */
static void check_pdptes(struct cpu *cpu, uint32_t cr3)
{
    if (!mmu_check_pdptes(cpu, cr3))
        cpu_exception(cpu, EXC_GP, 0);
}

static bool pae_paging(uint32_t cr0, uint32_t cr4)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE);
}

void sys_write_cr0(struct cpu *cpu, uint32_t val)
{
    uint32_t old = cpu->cr0;
    val = (val & CR0_IMPL) | CR0_ET; /* ET is hardwired to 1 on a P6 */
    if ((val & CR0_PG) && !(val & CR0_PE))
        cpu_exception(cpu, EXC_GP, 0);
    if ((val & CR0_NW) && !(val & CR0_CD))
        cpu_exception(cpu, EXC_GP, 0);
    /* SDM Vol. 3A 4.4.1: PDPTEs are loaded when PAE paging is in use after a
     * MOV to CR0 that changes PG, CD or NW. */
    bool pdptes = pae_paging(val, cpu->cr4) && ((old ^ val) & (CR0_PG | CR0_CD | CR0_NW));
    if (pdptes)
        check_pdptes(cpu, cpu->cr3);
    cpu->cr0 = val;
    if (pdptes)
        mmu_load_pdptes(cpu);
    if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
        mmu_flush_all_global(cpu);
    if (!(val & CR0_PE))
        cpu->cpl = 0; /* real mode runs at privilege 0 */
}

void sys_write_cr3(struct cpu *cpu, uint32_t val)
{
    /* 32-bit paging ignores bits 2:0 and 11:5, PAE bits 2:0: no reserved-bit
     * faults on a 32-bit processor (SDM Vol. 3A, Tables 4-3 and 4-7). */
    bool pdptes = pae_paging(cpu->cr0, cpu->cr4);
    if (pdptes)
        check_pdptes(cpu, val);
    cpu->cr3 = val;
    if (pdptes)
        mmu_load_pdptes(cpu);
    mmu_flush_all(cpu); /* keeps global pages when CR4.PGE (SDM Vol. 3A 4.10.4.1) */
}

void sys_write_cr4(struct cpu *cpu, uint32_t val)
{
    uint32_t old = cpu->cr4;
    if (val & ~SYS_CR4_VALID)
        cpu_exception(cpu, EXC_GP, 0);
    bool pdptes = pae_paging(cpu->cr0, val) && ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE));
    if (pdptes)
        check_pdptes(cpu, cpu->cr3);
    cpu->cr4 = val;
    if (pdptes)
        mmu_load_pdptes(cpu);
    if ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE))
        mmu_flush_all_global(cpu);
}

/* CR1 and CR5-CR7 do not exist: #UD (checked before privilege, as decoding
 * faults come first: SDM Vol. 3A 6.9, Table 6-2). */
static void check_cr_exists(struct cpu *cpu, int n)
{
    if (n == 1 || n > 4)
        cpu_exception(cpu, EXC_UD, 0);
}

void op_mov_from_cr(struct cpu *cpu, const struct insn *in)
{
    check_cr_exists(cpu, in->reg);
    sys_require_cpl0(cpu);
    uint32_t v;
    switch (in->reg) {
    case 0: v = cpu->cr0; break;
    case 2: v = cpu->cr2; break;
    case 3: v = cpu->cr3; break;
    default: v = cpu->cr4; break;
    }
    /* Always 32 bits, whatever the operand size; the flags are undefined and
     * left unchanged. */
    cpu_set_reg(cpu, in->rm, 4, v);
}

void op_mov_to_cr(struct cpu *cpu, const struct insn *in)
{
    check_cr_exists(cpu, in->reg);
    sys_require_cpl0(cpu);
    uint32_t v = cpu_reg(cpu, in->rm, 4);
    switch (in->reg) {
    case 0: sys_write_cr0(cpu, v); break;
    case 2: cpu->cr2 = v; break;
    case 3: sys_write_cr3(cpu, v); break;
    default: sys_write_cr4(cpu, v); break;
    }
}

/* DR4/DR5 alias DR6/DR7 unless CR4.DE, which makes them #UD (SDM Vol. 3A
 * 17.2.2). Returns the register actually named. */
static int resolve_dr(struct cpu *cpu, int n)
{
    if (n == 4 || n == 5) {
        if (cpu->cr4 & CR4_DE)
            cpu_exception(cpu, EXC_UD, 0);
        n += 2;
    }
    return n;
}

/* DR7.GD: any MOV to or from a debug register is a #DB fault with DR6.BD,
 * and the processor clears GD on entering the handler (SDM Vol. 3A 17.2.4).
 * As for every fault-class exception other than an instruction breakpoint,
 * the EFLAGS image pushed has RF set (17.3.1.1): RF goes into the state that
 * cpu_exception() restores. */
static void check_general_detect(struct cpu *cpu)
{
    if (cpu->dr[7] & DR7_GD) {
        cpu->dr[6] |= DR6_BD;
        cpu->dr[7] &= ~DR7_GD;
        cpu->snap_eflags |= EF_RF;
        cpu_exception(cpu, EXC_DB, 0);
    }
}

void op_mov_from_dr(struct cpu *cpu, const struct insn *in)
{
    sys_require_cpl0(cpu);
    int n = resolve_dr(cpu, in->reg);
    check_general_detect(cpu);
    cpu_set_reg(cpu, in->rm, 4, cpu->dr[n]);
}

void op_mov_to_dr(struct cpu *cpu, const struct insn *in)
{
    sys_require_cpl0(cpu);
    int n = resolve_dr(cpu, in->reg);
    check_general_detect(cpu);
    uint32_t v = cpu_reg(cpu, in->rm, 4);
    switch (n) {
    case 6: cpu->dr[6] = (v & DR6_WRITABLE) | DR6_FIXED1; break;
    case 7: cpu->dr[7] = (v & DR7_WRITABLE) | DR7_FIXED1; break;
    default: cpu->dr[n] = v; break;
    }
}
