/* A translated block: a run of decoded guest instructions at consecutive
 * addresses inside one physical page, its cache key, how it ends, and the
 * chaining slots to its direct successors. Owned by the translator core
 * (translator/cache.c allocates it in the arena; translator/block.c fills it). */
#ifndef VX86_TR_BLOCK_H
#define VX86_TR_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/insn.h"

#define TR_BLOCK_MAX 32 /* instructions per block (bits of tr_block.clean) */

/* How a block ends: what its last instruction is. */
enum tr_end {
    TR_END_FALL,     /* no branch: page end, length limit, CS limit, or the next
                        instruction does not decode or crosses the page. Slot 0. */
    TR_END_DIRECT,   /* Jcc, LOOPcc, JCXZ, JMP rel, CALL rel: slot 0 when EIP is
                        end_eip afterwards (not taken), slot 1 otherwise (the target) */
    TR_END_INDIRECT, /* RET, JMP/CALL r/m (near): the dispatcher looks the target up */
    TR_END_SYSTEM,   /* an instruction that ends an icache trace (cpu/insn_kind.h
                        K_END: CS, CPL, IF/TF, shadows, CRs, I/O, HLT, INT, ...):
                        the dispatcher returns to cpu_run() after it */
};

/* tr_block.mode bits (translator/tr_priv.h tr_mode()): what the code was
 * built for. Each holds from the block's entry to its end and through its
 * chained successors (an instruction that may change one ends the block as
 * TR_END_SYSTEM), so a backend may specialise on any of them. */
#define TR_MODE_CODE32    (1u << 0) /* CS.D */
#define TR_MODE_STACK32   (1u << 1) /* SS.B */
#define TR_MODE_CPL_SHIFT 2         /* bits 2-3: CPL */
#define TR_MODE_PE        (1u << 4) /* CR0.PE */
#define TR_MODE_VM        (1u << 5) /* EFLAGS.VM */
#define TR_MODE_PG        (1u << 6) /* CR0.PG */
/* Protected mode (not V86) with DS, ES and SS flat: base 0, limit 4 GiB,
 * present, writable, expand-up data. Stays true for the whole block and its
 * chained successors: under it a load of DS, ES or SS ends the block
 * (TR_END_SYSTEM), so the dispatcher looks at the mode again. Without it the
 * segments may change in the middle of a block (code built for the general
 * case is right whatever they are). */
#define TR_MODE_FLAT      (1u << 7)
/* CPL 3 with TR_MODE_FLAT while the CPU's fastmem region is active
 * (mmu/fastmem.h) and alignment checking is off (CR0.AM or EFLAGS.AC
 * clear: a misaligned access through the region owes no #AC): DS, ES and
 * SS accesses may go through the region. A full TLB flush deactivates the
 * region, and comes only from instructions that end their block. */
#define TR_MODE_FAST      (1u << 8)

/* A Jcc (rel8 or rel32): the conditional branches a backend with side
 * exits (backend.h) may have a block go on past. */
static inline bool tr_insn_is_jcc(const struct insn *in)
{
    return (in->opcode >= 0x70 && in->opcode <= 0x7f) ||
           (in->opcode >= 0x180 && in->opcode <= 0x18f);
}

/* The EIP relative branch `in` goes to, `next` being the EIP after it
 * (IP wraps at 64 KiB under a 16-bit operand size). */
static inline uint32_t tr_branch_target(const struct insn *in, uint32_t next)
{
    uint32_t t = next + in->imm;
    return in->opsize == 2 ? t & 0xffff : t;
}

/* Successor slots of a block. A backend that asks for them
 * (backend.h, side_exits) gets blocks that go on past up to TR_SIDE_MAX
 * conditional branches (Jcc) before their last instruction: the k-th of
 * those, taken, leaves through slot TR_SLOT_SIDE0 + k, to its target. */
#define TR_SIDE_MAX 4
enum {
    TR_SLOT_FALL = 0,
    TR_SLOT_TAKEN = 1,
    TR_SLOT_SIDE0 = 2,
    TR_NSLOTS = TR_SLOT_SIDE0 + TR_SIDE_MAX
};

struct tr_block;

/* One chaining slot. `to` is the successor reached through this exit, or
 * NULL; slots chained into one block form a list (for unchaining it). */
struct tr_slot {
    struct tr_block *to;     /* chained successor, NULL when unchained */
    struct tr_block *from;   /* the block this slot belongs to */
    struct tr_slot *next_in; /* next slot chained into the same `to` */
    struct tr_block *guess;  /* unchained: the successor found last time (checked) */
    uint8_t idx;             /* TR_SLOT_* */
};

struct tr_block {
    /* --- key (translator/cache.c): a block is reused only when all match --- */
    uint64_t phys;     /* guest physical address of the first byte (A20 applied) */
    uint32_t mode;     /* tr_mode(): the CPU mode bits the code was built for */
    uint32_t eip;      /* EIP of the first instruction */
    uint32_t cs_base;  /* CS base and limit it was checked against: together */
    uint32_t cs_limit; /*   with eip they fix every direct successor's address */

    /* --- shape (translator/block.c) --- */
    uint32_t end_eip;  /* EIP after the last instruction (16-bit wrap applied) */
    uint16_t bytes;    /* length of the code in bytes */
    uint8_t n;         /* instructions, 1..TR_BLOCK_MAX */
    uint8_t end;       /* enum tr_end */
    uint32_t clean;    /* bit i: instruction i takes no snapshot (cpu/insn_kind.h) */
    struct insn *insn; /* the n decoded instructions (arena) */
    bool valid;        /* false once invalidated (SMC): never entered again */
    /* A block of one instruction that runs into the next page (the only
     * kind of block not inside one page): its bytes, compared with what
     * both pages hold at every lookup, since only the first page is
     * tracked. So it is only ever entered from a lookup: never chained
     * into (dispatch.c, chainable) nor put in a backend's table of targets
     * it enters by itself (translator/x64: x64_exec). */
    uint8_t cross_len;  /* 0: an ordinary block */
    uint8_t cross_bytes[15];

    /* --- chaining (translator/dispatch.c decides, the backend patches) --- */
    struct tr_slot slot[TR_NSLOTS];
    struct tr_slot *in_head;   /* slots of other blocks chained into this one */
    struct tr_block *ind_next; /* TR_END_INDIRECT: the last target (a guess, checked) */

    /* --- lists (translator/cache.c) --- */
    struct tr_block *hash_next; /* same hash bucket */
    struct tr_block *page_next; /* same physical page bucket */

    /* --- backend (translator/backend.h) --- */
    void *code;         /* the backend's translation; NULL: not translated
                            (the core runs the decoded instructions itself) */
    uint32_t code_size; /* bytes of `code` (informative: stats, disassembly) */
};

#endif
