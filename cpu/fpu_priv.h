/* Internals shared by the x87 files: register stack, tags, status merging,
 * exception delivery and memory operand access. */
#ifndef VX86_FPU_PRIV_H
#define VX86_FPU_PRIV_H

#include "cpu/cpu.h"
#include "cpu/fp80.h"
#include "cpu/fpu.h"
#include "cpu/insn.h"

/* Tags (SDM Vol. 1, 8.1.7). */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

static inline int fpu_top(const struct fpu_state *f)
{
    return (f->fsw >> FPU_TOP_SHIFT) & 7;
}
static inline void fpu_set_top(struct fpu_state *f, int top)
{
    f->fsw = (uint16_t)((f->fsw & ~(7 << FPU_TOP_SHIFT)) | ((top & 7) << FPU_TOP_SHIFT));
}
static inline int fpu_phys(const struct fpu_state *f, int i)
{
    return (fpu_top(f) + i) & 7;
}
static inline int fpu_tag_phys(const struct fpu_state *f, int p)
{
    return (f->ftw >> (2 * p)) & 3;
}
static inline void fpu_set_tag_phys(struct fpu_state *f, int p, int tag)
{
    f->ftw = (uint16_t)((f->ftw & ~(3 << (2 * p))) | (tag << (2 * p)));
}
static inline bool fpu_empty(const struct fpu_state *f, int i)
{
    return fpu_tag_phys(f, fpu_phys(f, i)) == TAG_EMPTY;
}
static inline fp80 fpu_st(const struct fpu_state *f, int i)
{
    return f->st[fpu_phys(f, i)];
}

/* The tag a value gets when written (zero, special or valid). */
int fpu_tag_of(fp80 v);
void fpu_set_st(struct fpu_state *f, int i, fp80 v);
void fpu_push(struct fpu_state *f, fp80 v);
void fpu_pop(struct fpu_state *f);
/* Rebuild the full tag word from an abridged (FXSAVE) one, and back. */
uint16_t fpu_tags_from_abridged(const struct fpu_state *f, uint8_t abridged);
uint8_t fpu_tags_abridged(const struct fpu_state *f);

/* Record exception bits `exc` (FPU_EXC | FPU_SF) in FSW; an unmasked one sets
 * ES (and B). */
void fpu_raise(struct cpu *cpu, uint16_t exc);
/* Merge an operation's status (its exception bits, and the condition bits in
 * `cc_mask`) into FSW. Returns true when its result may be stored (no
 * unmasked pre-computation exception). */
bool fpu_merge(struct cpu *cpu, const struct fp80_ctx *c, uint16_t cc_mask);
/* Stack underflow (#IS, C1=0) / overflow (#IS, C1=1). Returns true when
 * masked (the caller then writes the indefinite). */
bool fpu_underflow(struct cpu *cpu);
bool fpu_overflow(struct cpu *cpu);
/* Recompute FSW.ES/B and the FERR# output after FSW or FCW changed. */
void fpu_update_es(struct cpu *cpu);

/* Memory operands: the whole access is checked before any byte moves. */
void fpu_mem_read(struct cpu *cpu, int seg, uint32_t off, void *buf, int size);
void fpu_mem_write(struct cpu *cpu, int seg, uint32_t off, const void *buf, int size);

/* Environment and state images (cpu/fpu_env.c). `op32`: 32-bit layout. */
void fpu_stenv(struct cpu *cpu, int seg, uint32_t off, bool op32);
void fpu_ldenv(struct cpu *cpu, int seg, uint32_t off, bool op32);
void fpu_save(struct cpu *cpu, int seg, uint32_t off, bool op32);
void fpu_rstor(struct cpu *cpu, int seg, uint32_t off, bool op32);

/* Constants of FLD1..FLDZ (D9 E8-EE) rounded by FCW.RC (cpu/fpu_const.c). */
fp80 fpu_const(int which, int rc);

#endif
