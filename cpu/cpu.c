/* Creating a CPU and putting it in its power-on state. */
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/fpu.h"
#include "cpu/icache.h"
#include "cpu/mem.h"

struct cpu_engine *(*cpu_engine_factory)(struct cpu *cpu);

struct cpu *cpu_create(struct memmap *mem, struct ioport_map *io)
{
    struct cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu)
        return NULL;
    cpu->mem = mem;
    cpu->io = io;
    cpu_reset(cpu);
    if (mem && cpu_engine_factory)
        cpu_set_engine(cpu, cpu_engine_factory(cpu));
    return cpu;
}

void cpu_set_engine(struct cpu *cpu, struct cpu_engine *engine)
{
    if (cpu->engine && cpu->engine->destroy)
        cpu->engine->destroy(cpu->engine->opaque);
    cpu->engine = engine;
}

void cpu_destroy(struct cpu *cpu)
{
    if (cpu) {
        cpu_set_engine(cpu, NULL);
        icache_destroy(cpu->icache);
    }
    free(cpu);
}

static void set_seg(struct cpu *cpu, int seg, uint16_t sel, uint32_t base, uint32_t flags)
{
    cpu->seg[seg] = (struct seg_cache){.sel = sel, .base = base, .limit = 0xffff, .flags = flags};
}

/* SDM Vol. 3A, 9.1.1, Table 9-1: processor state following power-up/RESET. */
void cpu_reset(struct cpu *cpu)
{
    struct memmap *mem = cpu->mem;
    struct ioport_map *io = cpu->io;
    struct cpu_hooks hooks = cpu->hooks;
    bool trace_on = cpu->trace_on;
    uint32_t log_mask = cpu->log_mask;
    struct icache *icache = cpu->icache;
    struct cpu_engine *engine = cpu->engine;

    memset(cpu, 0, sizeof *cpu);
    cpu->icache = icache;
    icache_flush(icache); /* RAM may have been rewritten behind the memory map */
    cpu->engine = engine;
    if (engine && engine->reset)
        engine->reset(engine->opaque);
    cpu->mem = mem;
    cpu->io = io;
    cpu->hooks = hooks;
    cpu->trace_on = trace_on;
    cpu->log_mask = log_mask;
    fpu_power_on(&cpu->fpu); /* FCW 0x0040, all tags empty (Table 9-1) */
    cpu->sse.mxcsr = MXCSR_RESET; /* XMM0-7 zero, MXCSR 0x1F80 (Table 9-1) */

    cpu->gpr[R_EDX] = CPU_SIGNATURE; /* family/model/stepping, as CPUID.1:EAX */
    cpu->eip = 0xfff0;
    cpu->eflags = EF_FIXED1;
    cpu_set_arith(cpu, 0, EF_ARITH);
    cpu->cr0 = CR0_ET | CR0_CD | CR0_NW;
    for (int s = SEG_ES; s <= SEG_GS; s++)
        set_seg(cpu, s, 0, 0, DESC_P | DESC_S | 0x3); /* data, read/write, accessed */
    set_seg(cpu, SEG_CS, 0xf000, 0xffff0000, DESC_P | DESC_S | 0xb); /* code, readable */
    set_seg(cpu, SEG_LDTR, 0, 0, DESC_P | 0x2);
    set_seg(cpu, SEG_TR, 0, 0, DESC_P | 0xb); /* busy 32-bit TSS */
    cpu->gdtr.limit = 0xffff;
    cpu->idtr.limit = 0xffff;
    cpu->dr[6] = 0xffff0ff0;
    cpu->dr[7] = 0x00000400;
    cpu->apic_base = 0xfee00900; /* bootstrap processor, APIC globally enabled */
    cpu->pat = 0x0007040600070406ull;
    cpu->mtrr_cap = 0x508; /* 8 variable ranges, fixed ranges, write-combining */
    cpu->a20_mask = 0xffffffffu;
    cpu_update_modes(cpu);
    mmu_flush_all_global(cpu);
}
