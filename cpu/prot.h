/* Segmentation and protected-mode control transfer (cpu/seg.c, cpu/farctl.c,
 * cpu/interrupt.c, cpu/task.c): what other instruction files call. */
#ifndef VX86_PROT_H
#define VX86_PROT_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/* Load segment register `seg` (SEG_ES..SEG_GS) with `sel` as MOV/POP/LxS do:
 * real and V86 mode set base = sel << 4 (limit and attributes per SDM 3A
 * 20.1); protected mode reads the descriptor and applies every check of
 * SDM Vol. 2 "MOV"/"POP" (#GP/#SS/#NP with selector error codes), setting
 * the accessed bit. No interrupt shadow here: MOV SS and POP SS arm it
 * themselves (SHADOW_SS in cpu.h); LSS and task switches do not. */
void cpu_load_seg(struct cpu *cpu, int seg, uint16_t sel);
/* Set a segment register in real/V86 style (no checks), for reset and tests. */
void cpu_load_seg_real(struct cpu *cpu, int seg, uint16_t sel);

/* Read the 8-byte descriptor for selector `sel` from the GDT/LDT. Returns false
 * (without faulting) if the selector is outside the table limit. */
bool cpu_read_descriptor(struct cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* Fill a descriptor cache from descriptor words. */
void cpu_desc_to_cache(struct seg_cache *c, uint16_t sel, uint32_t lo, uint32_t hi);

/* Far control transfers with all protected-mode forms (gates, tasks). */
void cpu_far_jmp(struct cpu *cpu, uint16_t sel, uint32_t offset, int opsize);
void cpu_far_call(struct cpu *cpu, uint16_t sel, uint32_t offset, int opsize);
void cpu_far_ret(struct cpu *cpu, int opsize, uint16_t pop_bytes);
void cpu_iret(struct cpu *cpu, int opsize);

/* I/O permission: in protected mode with CPL > IOPL, or in V86 mode, consult
 * the TSS I/O bitmap (SDM Vol. 1, 19.5); raise #GP(0) if access is denied. */
void cpu_check_io(struct cpu *cpu, uint16_t port, int size);

/* Hardware task switch to the TSS named by `sel` (SDM Vol. 3A, 7.3). */
enum task_switch_reason { TS_JMP, TS_CALL, TS_IRET, TS_INT };
void cpu_task_switch(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                     enum task_switch_reason why, bool has_error, uint32_t error_code);

#endif
