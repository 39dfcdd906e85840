/* The CPU's saved state, declared as a table (STYLE.md rule 3): registers,
 * descriptor caches, system registers, MSRs, x87/SSE and pending events. */
#ifndef VX86_CPU_STATE_H
#define VX86_CPU_STATE_H

#include "devices/vmstate.h" /* a leaf header of plain types: no device code */

/* opaque = struct cpu *. post_load re-derives CPL/CS.D/SS.B, flushes the TLB
 * (global pages too) and the decoded-instruction cache. */
extern const struct vmstate cpu_vmstate;

#endif
