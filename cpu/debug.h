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
/* The instruction faulted: forget its data breakpoint hits (it did not
 * complete), keeping hits held back by MOV SS and a task switch's BT. */
void cpu_debug_insn_aborted(struct cpu *cpu);
/* After an interrupt or exception was delivered: a task switch into a TSS
 * with its T bit set owes #DB before the new task's first instruction. */
void cpu_debug_after_delivery(struct cpu *cpu);
/* After an instruction completed: deliver the #DB trap owed for TF single
 * step or data breakpoints (cpu->trap_after / pending_dr6). */
void cpu_debug_insn_end(struct cpu *cpu);

#endif
