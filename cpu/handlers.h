/* Prototypes of the instruction handlers (cpu/handlers.def). */
#ifndef VX86_HANDLERS_H
#define VX86_HANDLERS_H

struct cpu;
struct insn;

#define H(name) void name(struct cpu *cpu, const struct insn *in);
#include "cpu/handlers.def"
#undef H

#endif
