/* The decoded-instruction cache (Bochs' trick): traces of decoded
 * instructions keyed by the physical address of their first byte and CS.D,
 * valid while their page's code generation (mmu/codepages.h) holds. */
#ifndef VX86_ICACHE_H
#define VX86_ICACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/insn.h"
#include "mmu/codepages.h"

#define ICACHE_HASH_BITS   14
#define ICACHE_POOL        65536 /* decoded instructions held at most */
#define ICACHE_TRACE_MAX   32    /* instructions per trace */
#define ICACHE_NO_KEY      (~0ull)
/* key = epoch << ICACHE_EPOCH_SHIFT | physical address << 1 | CS.D: a flush
 * starts a new epoch instead of clearing the table (a CPU reset per test of
 * a harness must stay cheap). Physical addresses have at most 36 bits. */
#define ICACHE_EPOCH_SHIFT 40

/* A run of instructions at consecutive addresses inside one page, ending at
 * an unconditional branch, at an instruction that changes what the run loop
 * must look at (cpu/insn_kind.c), before an instruction that crosses the page or
 * does not decode, or at ICACHE_TRACE_MAX. n == 0: nothing here can be cached
 * (the run loop fetches and decodes it the slow way). */
struct icache_trace {
    uint64_t key;      /* see ICACHE_EPOCH_SHIFT, or ICACHE_NO_KEY */
    uint32_t gen;      /* codepage_gen() of the page when decoded */
    uint16_t bytes;    /* length of the trace in bytes */
    uint8_t n;         /* instructions */
    uint32_t clean;    /* bit i: instruction i needs no snapshot (cpu/insn_kind.c) */
    struct insn *insn; /* n decoded instructions in the pool */
};

struct cpu;

/* Private to cpu/icache.c except for the inline lookup. */
struct icache {
    struct icache_trace hash[1u << ICACHE_HASH_BITS];
    struct codepages *code;
    struct cpu *cpu;
    uint64_t epoch; /* current epoch << ICACHE_EPOCH_SHIFT */
    uint32_t pool_used;
    struct insn pool[ICACHE_POOL];
};

/* NULL when the CPU has no memory map. Registers with its codepages. */
struct icache *icache_create(struct cpu *cpu);
void icache_destroy(struct icache *ic);
/* Forget everything (CPU reset: a test or a loader may have rewritten RAM). */
void icache_flush(struct icache *ic);

const struct icache_trace *icache_build(struct icache *ic, uint64_t phys, const uint8_t *host,
                                        bool code32);

static inline uint32_t icache_index(uint64_t phys)
{
    return (uint32_t)(phys ^ (phys >> ICACHE_HASH_BITS)) & ((1u << ICACHE_HASH_BITS) - 1);
}

/* The trace at physical address `phys`, whose byte is at host address
 * `host` (RAM or ROM, the rest of the page readable from there), for CS.D
 * `code32`; decoded on a miss. */
static inline const struct icache_trace *icache_lookup(struct icache *ic, uint64_t phys,
                                                       const uint8_t *host, bool code32)
{
    const struct icache_trace *t = &ic->hash[icache_index(phys)];
    /* Only trackable addresses get a key (icache_build), so a key match
     * means codepage_gen() may be asked. */
    if (__builtin_expect(t->key == (ic->epoch | phys << 1 | code32) &&
                             t->gen == codepage_gen(ic->code, phys),
                         1))
        return t;
    return icache_build(ic, phys, host, code32);
}

#endif
