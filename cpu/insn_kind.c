/* The instruction tables of the code caches (cpu/insn_kind.h): which
 * instructions end a run of decoded instructions and which need no snapshot. */
#include "cpu/insn_kind.h"

#include <stdint.h>

#include "cpu/cpu.h"

/* How an instruction ends a trace. A trace runs with no check between its
 * instructions but "did EIP land on the next one, and did anything ask the
 * run loop to look" (cpu->exec_break: interrupt line raised, cached code or
 * the TLB invalidated, MMIO touched). So an instruction may sit in the middle
 * of a trace only if it changes none of what the run loop decides on: CS
 * (and with it CS.D and CPL), EFLAGS.TF/IF/RF/VM, the interrupt shadows,
 * DR7, control registers and the TLB, HLT, and it talks to no device through
 * I/O ports. Anything not listed as K_PLAIN ends its trace, so an opcode added
 * to opcodes.def later is safe by default. */
enum {
    K_END = 0,  /* ends the trace after it (default) */
    K_PLAIN,    /* continues */
    K_COND,     /* conditional branch: continues on the not-taken path */
    K_JUMP,     /* unconditional direct near branch: ends the trace */
    K_INDIRECT, /* RET: unconditional indirect near branch, ends the trace */
    K_GROUP_FF, /* FF: /0 /1 /6 plain, /2 /4 near branch, /3 /5 far (end) */
    K_MOV_SREG  /* 8E: MOV SS arms the interrupt shadow; the others are plain */
};

/* clang-format off */
static const uint8_t kind_table[0x200] = {
    /* ALU forms, PUSH/POP ES/DS (a segment load changes nothing the loop
     * looks at), DAA DAS AAA AAS; 17 POP SS arms the shadow */
    [0x000 ... 0x00e] = K_PLAIN, [0x010 ... 0x016] = K_PLAIN, [0x018 ... 0x03f] = K_PLAIN,
    /* INC DEC PUSH POP reg, PUSHA POPA BOUND ARPL, PUSH imm, IMUL; not INS/OUTS */
    [0x040 ... 0x06b] = K_PLAIN,
    [0x070 ... 0x07f] = K_COND,
    /* group 1, TEST, XCHG, MOV, MOV Ew,Sreg, LEA, (8E) POP Ev, XCHG, CBW CWD */
    [0x080 ... 0x08d] = K_PLAIN, [0x08e] = K_MOV_SREG, [0x08f ... 0x099] = K_PLAIN,
    /* FWAIT PUSHF (not CALLF, POPF), SAHF LAHF, MOV moffs, strings, TEST, MOV imm */
    [0x09b ... 0x09c] = K_PLAIN, [0x09e ... 0x0bf] = K_PLAIN,
    /* shifts, RET, LES LDS, MOV Ev,imm, ENTER LEAVE (not RETF INT IRET) */
    [0x0c0 ... 0x0c1] = K_PLAIN, [0x0c2 ... 0x0c3] = K_INDIRECT, [0x0c4 ... 0x0c9] = K_PLAIN,
    /* shifts, AAM AAD SALC XLAT, the x87 escapes */
    [0x0d0 ... 0x0df] = K_PLAIN,
    /* LOOPcc JCXZ, CALL JMP rel (not IN OUT JMPF) */
    [0x0e0 ... 0x0e3] = K_COND, [0x0e8 ... 0x0e9] = K_JUMP, [0x0eb] = K_JUMP,
    /* CMC, group 3, CLC STC (not CLI STI), CLD STD, group 4, group 5 */
    [0x0f5 ... 0x0f9] = K_PLAIN, [0x0fc ... 0x0fe] = K_PLAIN, [0x0ff] = K_GROUP_FF,
    /* 0F: UD2, SSE moves, hint NOPs, SSE, RDTSC (not RDMSR WRMSR SYSENTER...),
     * CMOVcc, MMX/SSE, Jcc, SETcc PUSH/POP FS CPUID BT SHLD, PUSH/POP GS,
     * (not RSM) BTS SHRD group 15 IMUL CMPXCHG LSS BTR LFS LGS MOVZX group 8
     * BTC BSF BSR MOVSX XADD SSE CMPXCHG8B BSWAP MMX */
    [0x10b] = K_PLAIN, [0x10d] = K_PLAIN, [0x110 ... 0x11f] = K_PLAIN,
    [0x128 ... 0x12f] = K_PLAIN, [0x131] = K_PLAIN, [0x140 ... 0x17f] = K_PLAIN,
    [0x180 ... 0x18f] = K_COND, [0x190 ... 0x1a5] = K_PLAIN, [0x1a8 ... 0x1a9] = K_PLAIN,
    [0x1ab ... 0x1ff] = K_PLAIN,
};
/* clang-format on */

/* Instructions that need no register snapshot: they change no GPR, EFLAGS
 * bit or lazy flag before their last possible fault (EIP is restored from
 * insn_eip anyway), so when one faults the registers still hold its start
 * state and cpu_exception() takes the snapshot then. Register forms of the
 * ALU, shifts and XCHG cannot fault at all; loads read before they write a
 * register; stores, PUSH (ESP moves after the write) and CALL rel (EIP, then
 * the push) write memory last; POP writes registers after its only read.
 * The x87 escapes (D8-DF) write no GPR or flag before a memory fault; the
 * ones that write AX (FNSTSW AX) or EFLAGS (FCOMI, FUCOMI) touch no memory,
 * and their #NM/#MF come before anything else.
 * RET is not here: it pops before the #GP of its target check. A handler
 * listed here must keep that order (tests/unit/test_icache.c checks it). */
enum { C_NO = 0, C_ALWAYS, C_REG, C_GRP1 };
static const uint8_t clean_table[0x200] = {
    [0x000 ... 0x001] = C_REG,    [0x002 ... 0x005] = C_ALWAYS,
    [0x008 ... 0x009] = C_REG,    [0x00a ... 0x00d] = C_ALWAYS,
    [0x010 ... 0x011] = C_REG,    [0x012 ... 0x015] = C_ALWAYS,
    [0x018 ... 0x019] = C_REG,    [0x01a ... 0x01d] = C_ALWAYS,
    [0x020 ... 0x021] = C_REG,    [0x022 ... 0x025] = C_ALWAYS,
    [0x028 ... 0x029] = C_REG,    [0x02a ... 0x02d] = C_ALWAYS,
    [0x030 ... 0x031] = C_REG,    [0x032 ... 0x035] = C_ALWAYS,
    [0x038 ... 0x03d] = C_ALWAYS, /* CMP */
    [0x040 ... 0x05f] = C_ALWAYS, /* INC DEC PUSH POP reg */
    [0x068 ... 0x06b] = C_ALWAYS, /* PUSH imm, IMUL imm */
    [0x070 ... 0x07f] = C_ALWAYS, /* Jcc */
    [0x080 ... 0x083] = C_GRP1,   [0x084 ... 0x085] = C_ALWAYS,
    [0x086 ... 0x087] = C_REG,                                  /* TEST, XCHG */
    [0x088 ... 0x08b] = C_ALWAYS, [0x08d] = C_ALWAYS,           /* MOV, LEA */
    [0x090 ... 0x099] = C_ALWAYS,                               /* XCHG eAX, CBW CWD */
    [0x0a8 ... 0x0a9] = C_ALWAYS, [0x0b0 ... 0x0bf] = C_ALWAYS, /* TEST, MOV imm */
    [0x0c0 ... 0x0c1] = C_REG,    [0x0c6 ... 0x0c7] = C_ALWAYS, /* shifts, MOV Ev,imm */
    [0x0d0 ... 0x0d3] = C_REG,                                  /* shifts */
    [0x0d8 ... 0x0df] = C_ALWAYS,                               /* x87 */
    [0x0e8 ... 0x0e9] = C_ALWAYS, [0x0eb] = C_ALWAYS,           /* CALL JMP rel */
    [0x0f5] = C_ALWAYS,           [0x0f8 ... 0x0f9] = C_ALWAYS,
    [0x0fc ... 0x0fd] = C_ALWAYS, [0x140 ... 0x14f] = C_ALWAYS, /* CMOVcc */
    [0x180 ... 0x19f] = C_ALWAYS,                               /* Jcc, SETcc */
    [0x1af] = C_ALWAYS,           [0x1b6 ... 0x1b7] = C_ALWAYS,
    [0x1be ... 0x1bf] = C_ALWAYS,
};

bool insn_is_clean(const struct insn *in)
{
    switch (clean_table[in->opcode]) {
    case C_ALWAYS: return true;
    case C_REG: return !in->is_mem;
    case C_GRP1: return !in->is_mem || in->reg == 7; /* CMP only reads */
    default: return false;
    }
}

enum insn_kind insn_kind(const struct insn *in)
{
    switch (kind_table[in->opcode]) {
    case K_PLAIN: return INSN_PLAIN;
    case K_COND: return INSN_COND;
    case K_JUMP: return INSN_JUMP;
    case K_INDIRECT: return INSN_INDIRECT;
    case K_GROUP_FF:
        if (in->reg <= 1 || in->reg == 6)
            return INSN_PLAIN;
        return in->reg == 2 || in->reg == 4 ? INSN_INDIRECT : INSN_END;
    case K_MOV_SREG: return in->reg == SEG_SS ? INSN_END : INSN_PLAIN;
    default: return INSN_END;
    }
}
