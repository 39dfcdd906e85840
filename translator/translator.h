/* The dynamic binary translator (DESIGN.md "The translator"): an execution
 * engine for the CPU (struct cpu_engine, cpu/cpu.h) that runs guest code as
 * cached, chained blocks through a backend (translator/backend.h), and the
 * -accel selection (QEMU's spelling: interp | tcg[,backend=threaded|x64]). */
#ifndef VX86_TRANSLATOR_H
#define VX86_TRANSLATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;
struct cpu_engine;
struct tr_backend;
struct tr_engine;

/* A parsed -accel value. */
struct tr_accel {
    bool tcg;                         /* false: the interpreter */
    const struct tr_backend *backend; /* tcg: the backend */
    bool check;                       /* tcg,check=on: the lockstep checker (translator/check.h) */
    bool no_fastmem;                  /* tcg,fastmem=off: CPL 3 memory through the soft TLB only */
};

/* Parse "interp", "tcg[,backend=threaded|x64][,check=on|off][,fastmem=on|off]" (also "tcg,thread=single",
 * accepted and ignored as QEMU's default). "kvm" and anything else is an
 * error with a message in err. */
bool tr_accel_parse(const char *spec, struct tr_accel *out, char *err, size_t errlen);
/* Give the CPU the engine `a` asks for (NULL engine for interp). */
bool tr_accel_apply(struct cpu *cpu, const struct tr_accel *a, char *err, size_t errlen);
/* The engine $VX86_ACCEL asks for, or NULL (unset, "interp"). A bad value
 * is reported on stderr once and ignored. */
struct cpu_engine *tr_engine_from_env(struct cpu *cpu);
/* The backend used when none is named: x86-64 code where it is built in,
 * else the threaded one. */
const struct tr_backend *tr_default_backend(void);
const struct tr_backend *tr_backend_by_name(const char *name);

/* Arena sizes of a translator: block headers and decoded instructions,
 * and backend code. Flushed whole when either is full. By measurement: a
 * Linux boot to the shell built 185 K blocks with 16 MiB each (its init
 * code filled them about eight times), 114 K with 32 MiB and 100 K with
 * 64 MiB; 32 MiB booted about 4% faster than 16 and costs 24 MiB more
 * peak RSS over a 7-Zip run (still below QEMU's overhead). Only what is
 * used is touched. */
#define TR_DATA_ARENA (32u << 20)
#define TR_CODE_ARENA (32u << 20)

/* A translator for `cpu` (which must have a memory map), with `backend`;
 * arena sizes of 0 mean the defaults. NULL on failure. */
struct cpu_engine *tr_engine_create(struct cpu *cpu, const struct tr_backend *backend,
                                    size_t data_arena, size_t code_arena);
/* Let translator engine `e` access guest memory at CPL 3 through a host
 * region (mmu/fastmem.h) when its backend can and the CPU's RAM has a
 * memfd (memmap_backing): false when it does not. */
bool tr_use_fastmem(struct cpu_engine *e);
/* The translator behind a CPU's engine, or NULL (interpreter). */
struct tr_engine *tr_of_cpu(const struct cpu *cpu);

/* Counters, for tests and -d. */
struct tr_stats {
    uint64_t blocks_built;    /* blocks decoded (and translated) */
    uint64_t lookups;         /* hash lookups by the dispatcher */
    uint64_t chained;         /* links made */
    uint64_t chain_follows;   /* successors entered through a link */
    uint64_t invalidated;     /* blocks voided by writes to their code */
    uint64_t unlinked;        /* links undone by invalidation */
    uint64_t guard_misses;    /* jumps to another page past their chain (none yet, or its TLB guard failed) */
    uint64_t flushes;         /* whole-cache flushes (full, reset, memory map) */
    uint64_t fallbacks;       /* engine runs left to the interpreter */
    uint64_t hot_pages;       /* pages given up to the interpreter (rewritten too often) */
    uint32_t live_blocks;     /* blocks in the cache now */
};
void tr_get_stats(const struct tr_engine *tr, struct tr_stats *out);

/* Lockstep checking (-accel tcg,check=on, translator/check.c): with `on`, each engine
 * run executes at most one block (no chaining) and returns; tr_last_block
 * then tells which block ran (its EIP and instruction count) or false if
 * the run fell back to the interpreter. */
void tr_set_one_block(struct tr_engine *tr, bool on);
bool tr_last_block(const struct tr_engine *tr, uint32_t *eip, uint32_t *n);

/* Cached blocks of the page of `phys` (tests). */
unsigned tr_blocks_on_page(const struct tr_engine *tr, uint64_t phys);
/* True when a block at `phys` for the CPU's current CS/EIP mode is cached
 * and chained through `slot` (tests). */
bool tr_block_chained(const struct tr_engine *tr, uint64_t phys, int slot);

#endif
