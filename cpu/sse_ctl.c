/* 0F AE (group 15) on the SSE/SSE2 CPU: FXSAVE/FXRSTOR (the x87 unit writes
 * the image, cpu/fpu.h), LDMXCSR/STMXCSR, LFENCE/MFENCE/SFENCE and CLFLUSH
 * (SDM Vol. 2, each instruction; Table A-6 group 15). */
#include "cpu/fpu.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/simd.h"

void sse_grp15(struct cpu *cpu, const struct insn *in, int pfx)
{
    (void)pfx;
    if (!in->is_mem) {
        /* /5 LFENCE, /6 MFENCE, /7 SFENCE: ordering only; one CPU executing
         * in order has nothing to wait for. No state checks (SDM: #UD only
         * without the CPUID feature). */
        return;
    }
    uint32_t off = insn_ea(cpu, in);
    switch (in->reg) {
    case 0: /* FXSAVE: #NM with CR0.EM or CR0.TS (SDM Vol. 2 FXSAVE) */
    case 1:
        fpu_check_nm(cpu);
        if (in->reg == 0)
            fpu_fxsave(cpu, in->seg, off);
        else
            fpu_fxrstor(cpu, in->seg, off);
        return;
    case 2: { /* LDMXCSR m32: reserved bits set -> #GP(0) (SDM Vol. 1, 10.2.3) */
        simd_check_sse(cpu);
        uint32_t v = cpu_read(cpu, in->seg, off, 4);
        if (v & ~SSE_MXCSR_MASK)
            cpu_exception(cpu, EXC_GP, 0);
        cpu->sse.mxcsr = v;
        return;
    }
    case 3: /* STMXCSR m32 */
        simd_check_sse(cpu);
        cpu_write(cpu, in->seg, off, cpu->sse.mxcsr, 4);
        return;
    default: /* /7 CLFLUSH m8: no cache to flush; faults as a byte read would */
        cpu_check_read(cpu, in->seg, off, 1);
        return;
    }
}
