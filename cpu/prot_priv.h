/* Private helpers shared by the protection files (seg.c, farctl.c,
 * interrupt.c, iret.c, task.c, v86.c, iopl.c): selectors, descriptors,
 * staged stack frames and segment-register commits. Not a public contract. */
#ifndef VX86_PROT_PRIV_H
#define VX86_PROT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Selector fields (SDM Vol. 3A, 3.4.2). */
#define SEL_RPL(s) ((s) & 3)
#define SEL_TI 0x4
#define SEL_NULL(s) (((s) & 0xfffc) == 0)
#define SEL_ERR(s) ((uint32_t)((s) & 0xfffc))

/* Error-code bits (SDM Vol. 3A, 6.13). */
#define ERR_EXT 0x1
#define ERR_IDT 0x2

/* System descriptor types (S = 0, SDM Vol. 3A, Table 3-2). */
enum {
    SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALLGATE16 = 4,
    SYS_TASKGATE = 5, SYS_INTGATE16 = 6, SYS_TRAPGATE16 = 7, SYS_TSS32_AVAIL = 9,
    SYS_TSS32_BUSY = 11, SYS_CALLGATE32 = 12, SYS_INTGATE32 = 14, SYS_TRAPGATE32 = 15,
};
#define TSS_BUSY_BIT 0x2 /* in the type: 1->3, 9->11 */

/* DPL of a descriptor cache's flags, as an int to compare with CPL/RPL. */
#define DPL(f) ((int)DESC_DPL(f))

/* Type tests on seg_cache.flags. */
static inline bool desc_is_code(uint32_t f) { return (f & DESC_S) && (f & 8); }
static inline bool desc_is_data(uint32_t f) { return (f & DESC_S) && !(f & 8); }
static inline bool desc_is_conforming(uint32_t f) { return desc_is_code(f) && (f & 4); }
static inline bool desc_is_readable_code(uint32_t f) { return desc_is_code(f) && (f & 2); }
static inline bool desc_is_writable_data(uint32_t f) { return desc_is_data(f) && (f & 2); }
static inline bool desc_is_tss(uint32_t f)
{
    int t = DESC_TYPE(f);
    return !(f & DESC_S) && (t == 1 || t == 3 || t == 9 || t == 11);
}

/* A descriptor fetched for a selector: raw words plus its decoded cache. */
struct desc {
    uint16_t sel;
    uint32_t lo, hi;
    struct seg_cache c;
};

/* Read the descriptor of `sel`; false when beyond the GDT/LDT limit. */
bool prot_fetch(struct cpu *cpu, uint16_t sel, struct desc *d);
/* Same, raising `vector` with error code (sel & ~3) | ext when out of limits. */
void prot_fetch_or_fault(struct cpu *cpu, uint16_t sel, struct desc *d, int vector,
                         uint32_t ext);
/* Set the accessed bit of a segment descriptor in memory (and in d->c). */
void prot_touch(struct cpu *cpu, struct desc *d);
/* Linear address of the 8-byte descriptor slot of `sel`. */
uint32_t prot_desc_addr(const struct cpu *cpu, uint16_t sel);

/* Gate fields: target selector, offset, parameter count. */
static inline uint16_t gate_sel(const struct desc *d) { return d->lo >> 16; }
static inline uint32_t gate_offset(const struct desc *d)
{
    uint32_t off = d->lo & 0xffff;
    if (DESC_TYPE(d->c.flags) & 8)
        off |= d->hi & 0xffff0000u; /* 32-bit gate */
    return off;
}
static inline int gate_params(const struct desc *d) { return d->hi & 0x1f; }

/* Is the access [off, off+size) inside the segment (limit, expand-down)? */
bool seg_range_ok(const struct seg_cache *c, uint32_t off, uint32_t size);

/* Commit CS (protected mode): cache from d with RPL = cpl, CPL, modes, EIP. */
void prot_set_cs(struct cpu *cpu, const struct desc *d, int cpl, uint32_t eip);
/* Commit SS from a validated descriptor. */
void prot_set_ss(struct cpu *cpu, const struct desc *d);
/* Make data segment register `seg` null (selector sel, unusable cache). */
void prot_set_null(struct cpu *cpu, int seg, uint16_t sel);
/* Real/V86-style load (base = sel << 4); V86 also forces limit 0xffff, DPL 3. */
void prot_set_real(struct cpu *cpu, int seg, uint16_t sel);
/* After a return to an outer level: null DS/ES/FS/GS that the new CPL may
 * not use (SDM Vol. 2 RET/IRET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
void prot_null_inaccessible(struct cpu *cpu);

/* Staged stack: pushes/pops through an SS cache that may not be loaded yet,
 * with limit checks (#SS with `err`) and linear writes at privilege `acc`. */
struct stk {
    struct seg_cache ss;
    uint32_t esp; /* full ESP; only SP moves when ss.B is clear */
    int acc;      /* 0 (current CPL) or ACC_SYS (supervisor) */
    uint32_t err; /* #SS error code */
};
void stk_from_cpu(const struct cpu *cpu, struct stk *s);
/* Make the staged ESP the CPU's. A 16-bit stack only sets SP: the upper half
 * of ESP keeps its current value, even across a stack switch (as Bochs and
 * QEMU model the hardware). */
void stk_commit(struct cpu *cpu, const struct stk *s);
uint32_t stk_pop(struct cpu *cpu, struct stk *s, int size);
/* Discard `n` bytes (RET imm16) without reading them. */
void stk_skip(struct stk *s, uint32_t n);

/* Up to 12 values pushed as one unit: every slot is limit-checked before the
 * first byte is written, so a #SS leaves memory untouched. */
struct frame {
    int n;
    uint32_t v[12];
    uint8_t size[12];
};
static inline void frame_add(struct frame *f, uint32_t v, int size)
{
    f->v[f->n] = v;
    f->size[f->n++] = (uint8_t)size;
}
void stk_push_frame(struct cpu *cpu, struct stk *s, const struct frame *f);
/* Check that `n` bytes can be pushed (for parameter-copy room checks). */
void stk_check_room(struct cpu *cpu, const struct stk *s, uint32_t n);

/* Read the inner stack pointer for privilege `dpl` from the current TSS
 * (SDM Vol. 3A, 7.2.1). #TS(TR | ext) if the TSS is too short. */
void prot_tss_stack(struct cpu *cpu, int dpl, uint16_t *ss, uint32_t *esp, uint32_t ext);
/* Validate a new inner stack selector for CPL `dpl` (call gates and
 * interrupts): #TS for a bad selector, #SS if not present. */
void prot_check_inner_ss(struct cpu *cpu, uint16_t ss, int dpl, struct desc *d, uint32_t ext);

/* Task switch target checks shared by JMP/CALL/INT: TSS selector must be
 * global, a TSS, and available (not busy); present. */
void prot_check_tss_target(struct cpu *cpu, uint16_t sel, struct desc *d, int bad_vector,
                           uint32_t ext);

/* V86-mode software INT n with CR4.VME (SDM Vol. 3A, 20.3.3): returns true
 * when the interrupt was redirected to the 8086 handler, false when it must
 * go through the IDT (IOPL 3 and the bitmap bit set); raises #GP(0) otherwise. */
bool v86_soft_int(struct cpu *cpu, int vector);
/* Checks on the CS selector popped by a far RET or IRET; loads its descriptor. */
void prot_check_return_cs(struct cpu *cpu, uint16_t sel, struct desc *cs);

/* EFLAGS image pushed by interrupts and saved by task switches. */
uint32_t prot_eflags(const struct cpu *cpu);

#endif
