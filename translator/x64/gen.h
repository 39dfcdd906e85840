/* Code generation of one block for the x86-64 backend: the block skeleton
 * (translator/x64/gen.c) and the natively emitted instructions
 * (translator/x64/native.c). Private to translator/x64/. */
#ifndef VX86_X64_GEN_H
#define VX86_X64_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "translator/block.h"
#include "translator/x64/emit.h"

/* Offsets of struct cpu fields the generated code addresses off RBX. */
#define CPU_OFF(f) ((int32_t)offsetof(struct cpu, f))
#define X64_NO_SITE 0xffffffffu

/* Code shared by every block, in the arena (emitted again after a flush). */
struct x64_stubs {
    uint8_t *enter;    /* struct tr_exit enter(cpu, ctx, code) */
    uint8_t *epilogue; /* jumped to with RAX:RDX = struct tr_exit */
    uint8_t *snapshot; /* called: cpu_snapshot() and snap_tag = icount + 1 */
    /* Not code: the backend's table of recently entered blocks, by EIP
     * (x64_ind_hash), that blocks ending in an indirect branch look their
     * target up in before returning to the dispatcher. Entries are checked
     * in full at each use (key, valid, and the TLB's flush count: the
     * dispatcher found the block through the TLB at that count, so CS:EIP
     * still leads to its physical address); cleared on flush. */
    struct x64_ind *ind;
    uint64_t *guard_misses; /* the engine's tr_stats.guard_misses */
    uint8_t *fastmem;       /* the base of cpu->fastmem's region (TR_MODE_FAST blocks) */
};
struct x64_ind {
    struct tr_block *b;
    uint64_t tlb_gen; /* cpu->tlb.gen when the dispatcher entered b */
};

#define X64_IND_BITS 12
static inline uint32_t x64_ind_hash(uint32_t eip)
{
    return (eip ^ (eip >> X64_IND_BITS)) & ((1u << X64_IND_BITS) - 1);
}

/* Where link() patches a block: per slot, the jump site's rel32 (offset
 * from the block's code), or X64_NO_SITE. */
struct x64_slots {
    uint32_t site[TR_NSLOTS];
    /* For a slot whose successor is on another linear page: the offset of
     * the imm32 its TLB guard compares the entry's physical page with
     * (patched by link_page), else X64_NO_SITE. */
    uint32_t guard[TR_NSLOTS];
    /* For a slot whose successor is on the same page: the offset of the
     * rel32 of the body's one jump to the slot's stub, which a chain points
     * at the successor too (no jump to the stub's jump), and of the stub
     * (where unchaining points it back); X64_NO_SITE when there is none
     * (the stub is inline, or several jumps lead to it). */
    uint32_t direct[TR_NSLOTS], stub[TR_NSLOTS];
    /* The accesses through the fastmem region (TR_MODE_FAST): where the
     * host faults (the access), the instruction a jmp rel32 to the stub
     * may replace (x64_fast_mem: at least 5 bytes) and the ACCESS stub the
     * fault goes to, all offsets from the code. */
    struct x64_fault {
        uint32_t at, patch, stub;
    } fault[4 * TR_BLOCK_MAX];
    int nfault;
};

/* Segment `seg` is flat for the whole of block `b` (TR_MODE_FLAT covers DS,
 * ES and SS): base 0, limit 4 GiB, a present writable data segment. */
static inline bool x64_seg_flat(const struct tr_block *b, int seg)
{
    return (b->mode & TR_MODE_FLAT) && (seg == SEG_DS || seg == SEG_ES || seg == SEG_SS);
}

/* SS.B of a block's mode (translator/block.h: bit 1): ESP is the stack
 * pointer. */
static inline bool x64_stack32(const struct tr_block *b) { return (b->mode >> 1) & 1; }

/* Emit block `b` into `x`. */
void x64_gen_block(struct x64_buf *x, struct tr_block *b, const struct x64_stubs *st,
                   struct x64_slots *slots);

/* ---- shared by gen.c and native.c ---- */

#define X64_MAX_EXITS 160
#define X64_LF_UNKNOWN 0xffffffffu

/* An x87 run (native_x87.c): consecutive natively emitted x87
 * instructions, and the plain integer instructions between them
 * (x64_native_plain), whose x87 stack lives on the host's x87 stack: guest
 * ST(i) is host ST(i) for i below the host's depth. TOP, the tags, FSW and
 * FIP/FOP are tracked statically and stored to cpu->fpu once, where the run
 * ends (and in its cold stubs). Positions are start-relative: p is
 * physical register (TOP at the run's start + p) & 7. */
struct x64_x87_run {
    bool open;
    int8_t t;        /* TOP now minus TOP at the start */
    int8_t tmin;     /* the lowest t of the plan */
    int8_t tkeep;    /* the lowest t at a pop of a written ST(0) (its copy needs a
                      * host register more: native_x87.c, keep_popped), or 127 */
    uint8_t k;       /* the start's ST(0)..ST(k-1) were loaded onto the host's stack */
    uint8_t written; /* positions (mod 8) the run has written */
    int16_t last;    /* the plan's last x87 instruction (block index) */
    int16_t done;    /* the last x87 instruction emitted, or -1 */
    uint32_t done_eip;
};

/* Out-of-line code of one instruction, emitted after the block's body
 * (native.c, x64_gen_cold), so that the fast path falls through and stays
 * dense:
 * - ACCESS: a memory access whose inline TLB path failed. The instruction
 *   has changed nothing yet (native.c's rule), so the stub runs it again,
 *   whole, through its interpreter handler (run_cached's protocol), then
 *   leaves the block if the run loop must look (EIP elsewhere, exec_break
 *   after MMIO or a write to cached code, a data breakpoint) or else goes on
 *   at the next instruction's code with the fast path's state (the count
 *   still pending, the host flags rebuilt when the fast path has them);
 * - LEAVE: the exit after a handler-run instruction, at the EIP it left;
 * - TLB: a page window's member (window.c) whose leader's check failed, or
 *   the leader itself: the ordinary inline TLB path, whose failure goes on
 *   to the instruction's ACCESS stub, then back to the access. */
/* - SIDE: a Jcc before the block's last instruction (block.h, side exits),
 *   taken: the dirty cached registers stored, the budget given back what
 *   the block does not run, then the slot's stub (chained: the target). */
enum x64_cold_kind { X64_COLD_ACCESS, X64_COLD_LEAVE, X64_COLD_TLB, X64_COLD_SIDE };
/* A lazy flags record the fast path leaves out because a later
 * instruction of the block overwrites it, and only a fault of a memory
 * move between the two could see it (gen.c, lf_overwritten): the ACCESS
 * stubs of those moves store it. Its operands are constants or cache
 * registers that nothing between writes. */
struct x64_lf_pend {
    bool valid;
    uint8_t words;     /* bit k: cpu->lf word k is stored (word 0: the operation) */
    int8_t reg[4];     /* per word: the host register, or -1: imm[k] */
    uint32_t imm[4];
    /* bit k: word k is that minus host register sub_reg[k], or sub_imm[k]
     * where it is -1 (a CMP's result, computed where it is stored) */
    uint8_t sub_words;
    int8_t sub_reg[4];
    uint32_t sub_imm[4];
};

struct x64_cold {
    uint32_t site[8];  /* rel32 sites jumping to the stub */
    int nsite;
    uint32_t eip;      /* ACCESS: the instruction's EIP */
    int32_t pending;   /* the block's uncounted instructions before it (gen.h, x64_gen) */
    uint32_t cont;     /* ACCESS: the next instruction's code, or X64_NO_SITE: always leave */
    uint8_t kind;
    uint8_t index;     /* ACCESS: the instruction in the block */
    bool flags;        /* ACCESS: the fast path has the guest's flags in the host's at cont */
    bool open;         /* ACCESS: cont not known yet (the instruction is being emitted) */
    bool leave;        /* ACCESS: always leave after the handler (cont unused) */
    uint8_t slot;      /* SIDE: the block's slot */
    uint8_t dirty;     /* ACCESS, SIDE: the cached registers to store first */
    uint8_t loaded;    /* ACCESS: those to load again before going on at cont */
    /* ACCESS inside an x87 run (native_x87.c): the run as the instruction
     * found it, stored to cpu->fpu before the handler, and TOP after it
     * (start-relative), for loading the host's stack again at cont */
    struct x64_x87_run run;
    int8_t run_t_after;
    /* TLB: the access (segment, size, kind), the window slot a failed
     * leader's check sets to 0 (or -1), and the ACCESS stub (index) */
    uint8_t seg, size, acc;
    int8_t poison;
    int16_t access;
    /* ACCESS through the fastmem region: the access and its patch site
     * (struct x64_slots, fault), or X64_NO_SITE */
    uint32_t fault_at, fault_patch;
    struct x64_lf_pend lf; /* ACCESS, SIDE: a record to store first */
};
/* An instruction has at most two accesses (a read and a write: RMW, PUSH
 * r/m, CALL r/m), each with an ACCESS stub and perhaps a TLB path, or one
 * LEAVE, so a block never runs out of stubs. */
#define X64_MAX_COLD (4 * TR_BLOCK_MAX)

/* A page window (window.c): accesses of a block off one base register
 * that one TLB check covers. Its addend lives in a frame slot
 * (X64_WIN_SLOT0 + 8 * its index off RSP) from its leader's check on. */
#define X64_WIN_SLOTS 4
#define X64_WIN_PLAN 8 /* candidates looked at per block */
#define X64_WIN_SLOT0 16
struct x64_win {
    int8_t base;      /* the guest register */
    int16_t leader;   /* the first member (block index): it checks the window */
    int32_t dmin;     /* the lowest member displacement */
    uint16_t span;    /* bytes from base + dmin to the end of the highest member */
    uint8_t align;    /* the largest member size: base + dmin must be aligned to it */
    bool read, write; /* the access kinds of the members */
    bool started;     /* the leader's check is emitted */
    bool broken;      /* the base or the TLB may have changed: no more members */
};

/* The block's cache of guest registers in host registers (regcache.c).
 * Up to X64_RC_N guest registers, chosen per block, live in the
 * callee-saved RBP R13 R14 R15 (so calls into C leave them alone) and R8
 * R9: loaded on first use, written there, and stored back to cpu->gpr
 * ("synced") only where something outside the block's fast path looks:
 * exits, cold stubs, handler calls, exceptions. */
#define X64_RC_N 6
struct x64_rc {
    int8_t host[8];  /* per guest register: its host register, or -1 */
    uint8_t loaded;  /* guest registers whose host register holds them */
    uint8_t dirty;   /* ... and differ from cpu->gpr */
};

struct x64_gen {
    struct x64_buf *x;
    struct tr_block *b;
    const struct x64_stubs *st;
    int i;                /* index of the instruction being emitted */
    uint32_t eip, next;   /* its EIP and the next instruction's */
    /* Retired instructions not yet taken from the budget: the block's
     * prologue takes all b->n at once, so this starts at -b->n, and a
     * flush adds back what has not run yet when it is negative. */
    int pending;
    bool flags_valid;     /* the host's arithmetic flags are the guest's */
    bool lf_dead;         /* the next instruction overwrites cpu->lf unread */
    /* Else a later instruction (index lf_window_end) overwrites it, and only
     * memory moves that write none of the guest registers lf_window_writes
     * come between: the record may wait in lf_pend (x64_lf_pend). */
    bool lf_fault_dead;
    /* Else the next instruction is a Jcc the block goes on past, whose
     * taken path stores the record (x64_cold SIDE) and after which the
     * block overwrites it unread (at lf_window_end): for an operation on
     * registers alone the record waits in lf_pend. With memory moves
     * between the Jcc and lf_window_end (their ACCESS stubs store it too)
     * on the terms above; without (lf_side_free), in whatever host
     * registers hold it, since nothing runs between it and the Jcc. */
    bool lf_side, lf_side_free;
    int lf_window_end;
    uint8_t lf_window_writes;
    struct x64_lf_pend lf_pend;
    int lf_pend_end;
    /* x87 (native_x87.c): the host's sticky flags are known to be set in
     * the guest's FSW here: a host x87 operation of the block merged them,
     * and no handler-run instruction came after it (those may clear FSW's:
     * FNCLEX, FLDENV, FRSTOR, FINIT). */
    bool x87_synced;
    struct x64_x87_run x87; /* the open run, if any */
    /* The kind | size << 8 of the record cpu->lf holds here, written by an
     * earlier instruction of the block (set_lf), or X64_LF_UNKNOWN. */
    uint32_t lf_known;
    uint32_t stop[X64_MAX_EXITS]; /* rel32 sites jumping to the STOP exit */
    int nstop;
    uint32_t to_slot[TR_NSLOTS][8]; /* rel32 sites jumping to a slot's exit */
    uint32_t slot_eip[TR_NSLOTS];   /* the EIP a slot leads to, when slot_known */
    bool slot_known[TR_NSLOTS];
    int nto_slot[TR_NSLOTS];
    int nside;             /* the side exits emitted so far (slot TR_SLOT_SIDE0 + k) */
    /* A block with a branch back to its own start (x64_gen_loop_back): where
     * its body starts, after the prologue that loads the cache registers
     * loop_regs (X64_NO_SITE for any other block). The body is emitted as
     * if all of them were dirty there, so a pass that wrote any may go
     * round again without a store. */
    uint32_t loop_head;
    uint8_t loop_regs;
    uint32_t slot_jmp_end; /* where the last jump to a slot stub ends, and its slot */
    int slot_jmp_slot;
    struct x64_cold cold[X64_MAX_COLD];
    int ncold;
    struct x64_rc rc;
    struct x64_win win[X64_WIN_SLOTS];
    int nwin;
    int8_t win_of[TR_BLOCK_MAX];    /* per instruction: its window, or -1 */
    int32_t win_disp[TR_BLOCK_MAX]; /* ... its displacement and access size */
    uint8_t win_size[TR_BLOCK_MAX];
    uint8_t win_seg[TR_BLOCK_MAX];   /* ... and segment (SS for PUSH, POP...) */
    /* per instruction: its writes to ESP move it by an amount the plan
     * knows (PUSH, POP, ADD/SUB ESP, imm...), so ESP's windows go on */
    bool esp_planned[TR_BLOCK_MAX];
    int16_t win_tlb; /* the TLB path waiting for its ACCESS stub, or -1 */
    /* A fastmem access waiting for its ACCESS stub: where it and its patch
     * site are, or X64_NO_SITE */
    uint32_t fm_at, fm_patch;
    /* The instruction whose r/m address its accesses fold (native.c,
     * rm_ea): [fold_reg + fold_disp] in the fastmem region, fold_reg
     * X64_NOREG for an absolute one; NULL when none does */
    const struct insn *fold_in;
    int fold_reg;
    int32_t fold_disp;
    struct x64_slots *slots; /* the block's patch information, being filled */
};

/* Store a waiting lazy flags record (nothing when it is not valid).
 * Clobbers RAX and the flags. */
void x64_store_lf_pend(struct x64_gen *g, const struct x64_lf_pend *p);
/* A new cold stub; NULL (and the buffer in error) past X64_MAX_COLD. */
struct x64_cold *x64_cold_new(struct x64_gen *g, enum x64_cold_kind kind);
/* After instruction g->i: its ACCESS stubs go on at the current position
 * (`ended` false) or always leave (the instruction ended the block). */
void x64_cold_close(struct x64_gen *g, bool ended);
/* Emit the block's cold stubs here (after its body and end). */
void x64_gen_cold(struct x64_gen *g);
/* Emit a SIDE cold stub (gen.c). */
void x64_gen_side_exit(struct x64_gen *g, const struct x64_cold *c);

enum x64_native { X64_NATIVE_NO, X64_NATIVE_OK, X64_NATIVE_ENDED };

/* Emit g->b->insn[g->i] natively, or emit nothing and return X64_NATIVE_NO.
 * X64_NATIVE_ENDED: it was the block's last and emitted its own exits. */
enum x64_native x64_native(struct x64_gen *g, const struct insn *in);
/* True when `in` is emitted natively, cannot fault and writes all six
 * arithmetic flags without reading any (so the lazy flags of the
 * instruction before it are dead). */
bool x64_native_kills_flags(const struct tr_block *b, const struct insn *in);
/* True when `in` is emitted natively, cannot fault or leave the block, and
 * neither reads nor writes the guest's flags (MOV, LEA, MOVZX/MOVSX, XCHG
 * and NOT on registers, CBW/CWD): the lazy flags record is not looked at
 * across it. */
bool x64_native_keeps_flags(const struct insn *in);
/* True when `in` is a MOV, MOVZX or MOVSX with a memory operand emitted
 * natively (its only fault is its access's, through its ACCESS stub),
 * which neither reads nor writes the flags. */
bool x64_native_mem_move(const struct insn *in);
/* The guest registers (bit per GPR) an instruction for which
 * x64_native_keeps_flags or x64_native_mem_move holds writes; 0xff for
 * any other. */
uint8_t x64_native_gpr_writes(const struct insn *in);

/* ---- page windows (window.c) ---- */

/* Choose block g->b's page windows (after x64_rc_plan). */
void x64_win_plan(struct x64_gen *g);
/* Guest register `r` (or, for -1, anything: a handler call) may change
 * here: the windows begun so far take no more members. */
void x64_win_break(struct x64_gen *g, int r);
/* For x64_tlb_fast: when this access of instruction g->i is a window's,
 * emit the leader's check or the member's load of the addend and return
 * true (RAX = the addend, the linear address in X64_EA). */
bool x64_win_fast(struct x64_gen *g, int segno, int size, int acc);
/* Emit a TLB cold path (gen.h, X64_COLD_TLB). */
void x64_win_cold(struct x64_gen *g, struct x64_cold *c);

/* ---- the register cache (regcache.c) ---- */

/* Choose the guest registers block g->b keeps in host registers. */
void x64_rc_plan(struct x64_gen *g);
/* The host register holding guest register `r` (32 bits, zero-extended):
 * its cache register (loaded now if it is not yet), else `tmp` loaded from
 * cpu->gpr. */
int x64_rc_src(struct x64_gen *g, int r, int tmp);
/* host32 = guest register `r` of `size` bytes, zero-extended. Flags kept. */
void x64_rc_load(struct x64_gen *g, int host, int r, int size);
/* Guest register `r` of `size` bytes = host (a 32-bit write clears the
 * upper half of the 64-bit slot, as cpu_set_reg). Flags kept. */
void x64_rc_store(struct x64_gen *g, int r, int host, int size);
/* The cache register of guest register `r`, or -1: code may compute a
 * 32-bit value straight into it (the register loaded first when the
 * computation reads it), then call x64_rc_written. */
int x64_rc_host(const struct x64_gen *g, int r);
void x64_rc_written(struct x64_gen *g, int r);
/* Store every dirty cached register to cpu->gpr (they stay loaded). */
void x64_rc_sync(struct x64_gen *g);
/* After C code that may have changed cpu->gpr (synced before it): no
 * cached register is loaded. */
void x64_rc_forget(struct x64_gen *g);
/* Emit the stores of `dirty` / the loads of `loaded` (cold stubs, whose
 * state is not the block's at the point they are emitted). */
void x64_rc_emit_stores(struct x64_gen *g, uint8_t dirty);
void x64_rc_emit_loads(struct x64_gen *g, uint8_t loaded);

/* ---- shared by native.c and native_x87.c ---- */

/* The effective offset's register while an instruction computes it: a
 * scratch register (calls in a fast path keep it: remat_flags_any). */
#define X64_EA X64_RSI
/* X64_EA = the effective offset of `in` (address size 32). Flags kept.
 * Uses RAX and RCX. */
void x64_ea(struct x64_gen *g, const struct insn *in);
/* The same into `dst`. */
void x64_ea_to(struct x64_gen *g, const struct insn *in, int dst);
/* The inline soft-TLB path for a `size`-byte access of kind `acc` at
 * segno:X64_EA (native.c): jumps to the rel32 sites it records in slow[]
 * (bumping *nslow, at most 3) when the access is not plain RAM that this
 * path may touch; else leaves RAX = the host address minus the linear one
 * and returns the register holding the linear address (X64_EA or R10). Uses
 * R10, R11 and RAX. */
int x64_tlb_fast(struct x64_gen *g, int segno, int size, int acc, uint32_t *slow, int *nslow);
/* In a TR_MODE_FAST block, for a flat segment: *m = the operand that
 * addresses X64_EA in the fastmem region (mmu/fastmem.h), [X64_EA +
 * disp32] where the region lies below 2 GiB, else [RAX + X64_EA] after a
 * load of its base (emitted here: what a site that keeps faulting has
 * patched into a jump to its ACCESS stub, at least 5 bytes, as g->fm_patch).
 * The caller sets g->fm_at to where its access (the host fault) is, and
 * emits nothing between the two that the ACCESS stub would not redo.
 * False (nothing emitted) otherwise: x64_tlb_fast's path. */
bool x64_fast_mem(struct x64_gen *g, int seg, struct x64_mem *m);
/* The offset off RBX of the TLB table block `b` uses (its CPL's). */
int32_t x64_tlb_table(const struct tr_block *b);
/* R11 = the offset of the TLB entry for the linear address in `lin` (of
 * the table the block's CPL uses), added to the returned displacement off
 * RBX. Flags clobbered. */
int32_t x64_tlb_index(struct x64_gen *g, int lin);
/* The same without page windows: the ordinary path. */
int x64_tlb_inline(struct x64_gen *g, int segno, int size, int acc, uint32_t *slow, int *nslow);
/* Point the sites in slow[] at an ACCESS cold stub for instruction g->i
 * (gen.h, struct x64_cold): the instruction again through its handler.
 * Returns the stub, or NULL (and the buffer in error) past X64_MAX_COLD. */
struct x64_cold *x64_cold_access(struct x64_gen *g, const uint32_t *slow, int nslow);
/* The x87 instructions emitted natively (native_x87.c), as x64_native. */
enum x64_native x64_native_x87(struct x64_gen *g, const struct insn *in);
/* True when x64_native emits `in` without a call into C on its fast path
 * and without leaving the block (an x87 run may span it). */
bool x64_native_plain(const struct insn *in);
/* End the open x87 run: its state to cpu->fpu, the host's x87 stack empty
 * and its control word the ABI's again. Clobbers RAX RCX RDX RSI RDI R10
 * R11 and the flags. */
void x64_x87_close(struct x64_gen *g);
/* In a cold stub: store run `r` (a snapshot) to cpu->fpu, as close. */
void x64_x87_spill(struct x64_gen *g, const struct x64_x87_run *r);
/* In a cold stub after the handler ran the instruction: positions
 * t_after..k-1 of run `r` back onto the host's stack, the guest's control
 * word, the host's sticky flags a subset of FSW's. The flags clobbered. */
void x64_x87_reload(struct x64_gen *g, const struct x64_x87_run *r, int t_after);

/* Counting. Blocks only take retired instructions from the budget, which
 * lives in R12 while generated code runs (a register, not ctx->budget: each
 * block's prologue takes from it, and a read-modify-write of memory there
 * chained every block to the one before through store forwarding). The
 * entry trampoline loads it from ctx->budget and the epilogue stores it
 * back, through the ctx pointer it keeps at X64_CTX_SLOT; the C code that
 * blocks call never looks at ctx. The slot at [RSP] (the trampoline's
 * frame, fixed while generated code runs, as blocks leave the stack
 * balanced) holds cpu->icount + budget, so icount is that minus the
 * budget. It is written back before every call into C that may read it or
 * fault (x64_count_before_call), re-based after (the callee may have
 * counted too: x64_count_after_call), and on the way out (the epilogue). */
#define X64_ICOUNT_BASE X64_MEM(X64_RSP, 0)
#define X64_CTX_SLOT X64_MEM(X64_RSP, 8)
#define X64_BUDGET X64_R12
/* cpu->icount = [RSP] - budget (`scratch` and the flags clobbered). */
void x64_count_before_call(struct x64_buf *x, int scratch);
/* [RSP] = cpu->icount + budget (RAX and the flags clobbered). */
void x64_count_after_call(struct x64_buf *x);
/* Take g->pending from the budget (the host flags kept while they hold
 * the guest's: LEA). */
void x64_gen_flush(struct x64_gen *g);
/* The same where the host flags are not looked at again (before a helper
 * call, at the block's exits): SUB. */
void x64_gen_flush_dead(struct x64_gen *g);
void x64_gen_jmp_stop(struct x64_gen *g);
/* After an indirect branch stored cpu->eip, which host register `eip_reg`
 * holds too (icount flushed): go on into the block the table holds for it
 * when it is valid for this CPU state, else leave through STOP. Clobbers
 * the caller-saved host registers. */
void x64_gen_jmp_indirect(struct x64_gen *g, int eip_reg);
/* Jump (if host condition `cc`) to slot `slot`'s stub, the registers synced. */
void x64_gen_jmp_slot(struct x64_gen *g, int slot);
/* Taken, a branch to the block's own start (g->loop_head is a site): the
 * budget for another pass checked and taken, and the cache registers as
 * they are (a waiting record stored, those loop_regs that a handler call
 * made the cache forget loaded again) on to loop_head; too little budget
 * left, on to the jcc32 site it returns, the budget as it was. */
uint32_t x64_gen_loop_back(struct x64_gen *g);
void x64_gen_jcc_slot(struct x64_gen *g, int cc, int slot);
/* Call a C function at `fn` (arguments already in place). */
void x64_gen_call(struct x64_gen *g, const void *fn);

#endif
