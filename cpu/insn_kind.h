/* What an instruction means to code caches (cpu/insn_kind.c): whether a run
 * of decoded instructions may go on after it, and whether it needs the
 * register snapshot. Shared by the icache (cpu/icache.c) and the translator
 * (translator/block.c). */
#ifndef VX86_INSN_KIND_H
#define VX86_INSN_KIND_H

#include <stdbool.h>

#include "cpu/insn.h"

enum insn_kind {
    INSN_END = 0,  /* ends a run after it: changes what the run loop looks at */
    INSN_PLAIN,    /* a run continues after it */
    INSN_COND,     /* conditional near branch (Jcc, LOOPcc, JCXZ) */
    INSN_JUMP,     /* unconditional direct near branch (JMP rel, CALL rel) */
    INSN_INDIRECT, /* unconditional indirect near branch (RET, JMP/CALL r/m) */
};

enum insn_kind insn_kind(const struct insn *in);
/* True when the instruction needs no snapshot (see cpu/insn_kind.c). */
bool insn_is_clean(const struct insn *in);

#endif
