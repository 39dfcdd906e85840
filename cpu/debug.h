/* Debug registers and single step (cpu/debug.c): instruction and data
 * breakpoints of DR0-DR3/DR7, DR6 status, TF traps and RF (SDM Vol. 3A, 17). */
#ifndef VX86_DEBUG_H
#define VX86_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/* Before an instruction executes: raise #DB (fault) on an enabled instruction
 * breakpoint at CS:EIP unless EFLAGS.RF is set. */
void cpu_debug_insn_start(struct cpu *cpu);
/* Data accesses call this when DR7 enables any data breakpoint (the memory
 * layer checks `cpu->dr[7] & 0xff` first): records hits in pending_dr6. */
void cpu_debug_data_access(struct cpu *cpu, uint32_t lin, int size, bool write);
/* I/O breakpoints (CR4.DE) from IN/OUT/INS/OUTS. */
void cpu_debug_io_access(struct cpu *cpu, uint16_t port, int size);
/* After an instruction completed: deliver the #DB trap owed for TF single
 * step or data breakpoints (cpu->trap_after / pending_dr6). */
void cpu_debug_insn_end(struct cpu *cpu);

#endif
