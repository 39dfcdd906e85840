/* TEMPORARY (removed once every module exists): weak fallbacks for the
 * cross-module API so that the tree links while modules are being written.
 * Each aborts loudly; a real definition anywhere overrides it. */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/prot.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define MISSING(name)                                                                    \
    do {                                                                                 \
        fprintf(stderr, "vx86: %s is not implemented yet\n", name);                     \
        abort();                                                                         \
    } while (0)
#define W __attribute__((weak))

W void cpu_lf_set(struct cpu *c, enum lf_op o, int s, uint32_t r, uint32_t a, uint32_t b) { (void)c; (void)o; (void)s; (void)r; (void)a; (void)b; MISSING("cpu_lf_set"); }
W uint32_t cpu_get_eflags(const struct cpu *c) { (void)c; MISSING("cpu_get_eflags"); }
W void cpu_set_eflags(struct cpu *c, uint32_t v, uint32_t m) { (void)c; (void)v; (void)m; MISSING("cpu_set_eflags"); }
W uint32_t cpu_get_arith(const struct cpu *c) { (void)c; MISSING("cpu_get_arith"); }
W void cpu_set_arith(struct cpu *c, uint32_t f, uint32_t m) { c->lf.op = LF_EAGER; c->lf.eager = (c->lf.eager & ~m) | (f & m); }
W bool cpu_get_cf(const struct cpu *c) { (void)c; MISSING("cpu_get_cf"); }
W bool cpu_cond(const struct cpu *c, int cc) { (void)c; (void)cc; MISSING("cpu_cond"); }

W uint32_t cpu_read(struct cpu *c, int s, uint32_t o, int z) { (void)c; (void)s; (void)o; (void)z; MISSING("cpu_read"); }
W void cpu_write(struct cpu *c, int s, uint32_t o, uint32_t v, int z) { (void)c; (void)s; (void)o; (void)v; (void)z; MISSING("cpu_write"); }
W uint64_t cpu_read64(struct cpu *c, int s, uint32_t o) { (void)c; (void)s; (void)o; MISSING("cpu_read64"); }
W void cpu_write64(struct cpu *c, int s, uint32_t o, uint64_t v) { (void)c; (void)s; (void)o; (void)v; MISSING("cpu_write64"); }
W void cpu_check_write(struct cpu *c, int s, uint32_t o, int z) { (void)c; (void)s; (void)o; (void)z; MISSING("cpu_check_write"); }
W void cpu_check_read(struct cpu *c, int s, uint32_t o, int z) { (void)c; (void)s; (void)o; (void)z; MISSING("cpu_check_read"); }
W uint32_t cpu_read_lin(struct cpu *c, uint32_t l, int z, int a) { (void)c; (void)l; (void)z; (void)a; MISSING("cpu_read_lin"); }
W void cpu_write_lin(struct cpu *c, uint32_t l, uint32_t v, int z, int a) { (void)c; (void)l; (void)v; (void)z; (void)a; MISSING("cpu_write_lin"); }
W int cpu_fetch(struct cpu *c, uint32_t e, uint8_t *b, int l) { (void)c; (void)e; (void)b; (void)l; MISSING("cpu_fetch"); }
W _Noreturn void cpu_fetch_fault(struct cpu *c, uint32_t e) { (void)c; (void)e; MISSING("cpu_fetch_fault"); }
W void cpu_push(struct cpu *c, uint32_t v, int z) { (void)c; (void)v; (void)z; MISSING("cpu_push"); }
W uint32_t cpu_pop(struct cpu *c, int z) { (void)c; (void)z; MISSING("cpu_pop"); }
W uint32_t cpu_stack_read(struct cpu *c, uint32_t o, int z) { (void)c; (void)o; (void)z; MISSING("cpu_stack_read"); }
W uint64_t mmu_translate(struct cpu *c, uint32_t l, int a) { (void)c; (void)l; (void)a; MISSING("mmu_translate"); }
W bool mmu_probe(struct cpu *c, uint32_t l, uint64_t *p) { (void)c; (void)l; (void)p; MISSING("mmu_probe"); }
W void mmu_flush_all(struct cpu *c) { (void)c; }
W void mmu_flush_all_global(struct cpu *c) { (void)c; }
W void mmu_flush_page(struct cpu *c, uint32_t l) { (void)c; (void)l; }

W int decode_insn(struct insn *i, const uint8_t *b, int a, bool c32) { (void)i; (void)b; (void)a; (void)c32; MISSING("decode_insn"); }

W void cpu_load_seg(struct cpu *c, int s, uint16_t sel) { (void)c; (void)s; (void)sel; MISSING("cpu_load_seg"); }
W void cpu_load_seg_real(struct cpu *c, int s, uint16_t sel) { (void)c; (void)s; (void)sel; MISSING("cpu_load_seg_real"); }
W bool cpu_read_descriptor(struct cpu *c, uint16_t s, uint32_t *lo, uint32_t *hi) { (void)c; (void)s; (void)lo; (void)hi; MISSING("cpu_read_descriptor"); }
W void cpu_desc_to_cache(struct seg_cache *c, uint16_t s, uint32_t lo, uint32_t hi) { (void)c; (void)s; (void)lo; (void)hi; MISSING("cpu_desc_to_cache"); }
W void cpu_far_jmp(struct cpu *c, uint16_t s, uint32_t o, int z) { (void)c; (void)s; (void)o; (void)z; MISSING("cpu_far_jmp"); }
W void cpu_far_call(struct cpu *c, uint16_t s, uint32_t o, int z) { (void)c; (void)s; (void)o; (void)z; MISSING("cpu_far_call"); }
W void cpu_far_ret(struct cpu *c, int z, uint16_t p) { (void)c; (void)z; (void)p; MISSING("cpu_far_ret"); }
W void cpu_iret(struct cpu *c, int z) { (void)c; (void)z; MISSING("cpu_iret"); }
W void cpu_check_io(struct cpu *c, uint16_t p, int z) { (void)c; (void)p; (void)z; MISSING("cpu_check_io"); }
W void cpu_task_switch(struct cpu *c, uint16_t s, uint32_t lo, uint32_t hi, enum task_switch_reason w, bool h, uint32_t e) { (void)c; (void)s; (void)lo; (void)hi; (void)w; (void)h; (void)e; MISSING("cpu_task_switch"); }
W void cpu_interrupt(struct cpu *c, int v, enum intr_kind k, bool h, uint32_t e) { (void)c; (void)v; (void)k; (void)h; (void)e; MISSING("cpu_interrupt"); }

W void cpu_debug_insn_start(struct cpu *c) { (void)c; }
W void cpu_debug_data_access(struct cpu *c, uint32_t l, int z, bool w) { (void)c; (void)l; (void)z; (void)w; }
W void cpu_debug_io_access(struct cpu *c, uint16_t p, int z) { (void)c; (void)p; (void)z; }
W void cpu_debug_insn_end(struct cpu *c) { c->trap_after = false; c->pending_dr6 = 0; }

W void cpu_jump_near(struct cpu *c, uint32_t t, int z) { (void)c; (void)t; (void)z; MISSING("cpu_jump_near"); }

W struct memmap *memmap_create(void) { MISSING("memmap_create"); }
W struct ioport_map *ioport_create(void) { MISSING("ioport_create"); }
