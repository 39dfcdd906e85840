/* The translator backend interface: what turns a decoded block
 * (translator/block.h) into something runnable, runs it, and chains blocks.
 * Two implement it: the portable threaded backend (translator/threaded.c,
 * any host) and the x86-64 code generator (translator/x64/). The core
 * (translator/cache.c, dispatch.c) owns blocks, keys, the arena, lookup,
 * invalidation and the decision to chain; the backend owns only the bytes
 * it puts in the arena and how it runs them.
 *
 * Memory. Everything lives in the engine's arena, flushed whole when full:
 * block headers and decoded instructions (core), and the backend's code
 * (tr_code_alloc / tr_code_reserve + tr_code_commit). The code arena is
 * mapped executable when the backend says `exec_memory`. A backend keeps no
 * pointer into the arena across flush(): after it, every block is gone.
 *
 * Translating. translate(be, b) is called once per block with its key,
 * shape and decoded instructions filled in (b->insn[0..n-1], b->clean,
 * b->end, b->end_eip). It sets b->code (and b->code_size) and returns
 * TR_OK; TR_FULL when the code arena is out of room (the core flushes
 * everything and translates again once); TR_UNSUPPORTED to leave b->code
 * NULL: the core then runs that block's decoded instructions itself
 * (interpreter handlers, exactly as run_cached does) and never chains into
 * or out of it. A backend may thus start small.
 *
 * Running. exec(be, ctx, b) runs block b from its first instruction. On
 * entry the core has checked that ctx->budget >= b->n, cleared
 * cpu->exec_break, cpu->trap_after and EFLAGS.RF, and that nothing needs
 * per-instruction attention (no shadow, no pending interrupt, no TF, no
 * DR7). Per instruction the backend keeps exactly the rules of run_cached
 * (cpu/exec.c):
 *   - unless bit i of b->clean is set, take the snapshot (cpu_snapshot(),
 *     cpu/snapshot.h) and set cpu->snap_tag = cpu->icount + 1 before it
 *     changes anything; set cpu->insn_eip to its EIP before anything can
 *     fault; a fault longjmps out of exec (that is fine: exec holds no state
 *     the core needs, and the core's bookkeeping survives);
 *   - cpu->icount counts retired instructions and must be exact whenever
 *     anything can look at it: a helper call, a memory access that may reach
 *     a device (the virtual clock reads icount), a fault. Generated code may
 *     batch the increments between such points;
 *   - ctx->budget goes down by one per retired instruction, exactly;
 *   - after an instruction, leave the block (returning TR_EXIT_STOP) if
 *     EIP is not the next instruction's (a REP string instruction that
 *     stopped early, a fault handler...), or cpu->exec_break or
 *     cpu->pending_dr6 became non-zero (an interrupt line was raised, the
 *     TLB or cached code changed, MMIO was touched).
 * A Jcc before the last instruction (only in the blocks of a backend with
 * side_exits) that is taken leaves through slot TR_SLOT_SIDE0 + k, k
 * counting the block's earlier such Jccs, with the same rules as the
 * slots below, whatever the block's end.
 * After the last instruction of a chainable block (TR_END_FALL or
 * TR_END_DIRECT) the exit slot is TR_SLOT_FALL when cpu->eip == b->end_eip,
 * else TR_SLOT_TAKEN. If that slot is chained (link() was called) the
 * backend may go on into the successor `to` without returning, provided
 * cpu->exec_break == 0, cpu->stop_request is false and ctx->budget >= to->n
 * at that point (interrupts, stop requests and the budget are thus noticed
 * at block entry; the budget bounds how long a chained loop runs). Otherwise it returns {b, slot}:
 * the core looks the successor up and may call link(). After the last
 * instruction of a TR_END_INDIRECT or TR_END_SYSTEM block, exec returns
 * {b, TR_EXIT_STOP}: the core looks the indirect target up (through a small
 * cache of recent targets) or returns to cpu_run().
 *
 * Chaining. link(be, from, slot, to) is called by the core only when the
 * chain is valid for every later entry of `from` (same mode and CS, `to` on
 * the same linear and physical page) and both have code; the backend
 * records it (a pointer, or a patched jump). unlink(be, from, slot) undoes
 * it: called when `to` is invalidated (self-modifying code); `from` may
 * itself be invalid then (harmless). The core keeps the slot lists
 * (b->slot[], b->in_head); a backend only mirrors slot.to in its code. */
#ifndef VX86_TR_BACKEND_H
#define VX86_TR_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "translator/block.h"

struct cpu;
struct tr_engine;

/* One run of the engine (the dispatcher's state shared with a backend). */
struct tr_ctx {
    struct cpu *cpu;
    struct tr_engine *tr;
    uint64_t budget; /* instructions that may still be retired; kept exact */
};

/* Where exec() stopped. */
#define TR_EXIT_STOP                                                                               \
    (-1) /* anything but an unchained direct exit: the core
                             looks at cpu (eip, exec_break, ...) and decides */
struct tr_exit {
    struct tr_block *last; /* the block that ran last (the one that exited) */
    int slot;              /* TR_SLOT_FALL/TAKEN: a chainable exit that was not
                              chained (or whose successor could not be entered);
                              TR_EXIT_STOP otherwise */
};

/* translate() results. */
enum tr_status { TR_OK = 0, TR_FULL, TR_UNSUPPORTED };

struct tr_backend {
    const char *name;                      /* as in -accel tcg,backend=NAME */
    bool exec_memory;                      /* the code arena must be executable */
    bool fastmem;                          /* builds TR_MODE_FAST blocks (mmu/fastmem.h) */
    uint8_t side_exits; /* Jccs a block may go on past (block.h, TR_SIDE_MAX at most) */
    void *(*create)(struct tr_engine *tr); /* backend state; NULL = failure */
    void (*destroy)(void *be);
    enum tr_status (*translate)(void *be, struct tr_block *b);
    struct tr_exit (*exec)(void *be, struct tr_ctx *ctx, struct tr_block *b);
    void (*link)(void *be, struct tr_block *from, int slot, struct tr_block *to);
    void (*unlink)(void *be, struct tr_block *from, int slot);
    /* Optional: chain `from`'s slot to `to` on another linear page, the
     * jump guarded at run time by the TLB (the execute entry of to's
     * linear page must still map to's physical page); false when this slot
     * cannot be (nothing recorded). unlink() undoes it. */
    bool (*link_page)(void *be, struct tr_block *from, int slot, struct tr_block *to);
    void (*flush)(void *be); /* every block was dropped and the arena reset */
};

/* Code arena (translator/cache.c). tr_code_alloc: `size` bytes aligned to
 * 16, or NULL when full. tr_code_reserve: the free room at its end (at least
 * `min` bytes, else NULL), to emit into before knowing the size;
 * tr_code_commit then keeps the first `used` bytes of it. */
void *tr_code_alloc(struct tr_engine *tr, size_t size);
void *tr_code_reserve(struct tr_engine *tr, size_t min, size_t *avail);
void tr_code_commit(struct tr_engine *tr, size_t used);

/* The backends vx86 has. tr_backend_x64 is defined by translator/x64/ (a
 * weak reference here, so that a host or a build without it still links:
 * its address is then NULL); CMake compiles the C files of translator/x64/
 * on x86-64 hosts only (option VX86_TR_X64). It becomes the default backend once it is defined. */
extern const struct tr_backend tr_backend_threaded;
extern const struct tr_backend tr_backend_x64 __attribute__((weak));

#endif
