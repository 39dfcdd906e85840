/* Segment registers: descriptor table reads, descriptor caches and the
 * checked loads of MOV/POP Sreg and LxS (SDM Vol. 3A 3.4-3.5, 5.5-5.6;
 * Vol. 2 "MOV", "POP"). */
#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "cpu/prot.h"
#include "cpu/prot_priv.h"

uint32_t prot_desc_addr(const struct cpu *cpu, uint16_t sel)
{
    uint32_t base = (sel & SEL_TI) ? cpu->seg[SEG_LDTR].base : cpu->gdtr.base;
    return base + (sel & ~7u);
}

bool cpu_read_descriptor(struct cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    uint32_t limit;
    if (sel & SEL_TI) {
        /* An LDTR loaded with a null selector is unusable (P clear in its cache). */
        if (!(cpu->seg[SEG_LDTR].flags & DESC_P))
            return false;
        limit = cpu->seg[SEG_LDTR].limit;
    } else {
        limit = cpu->gdtr.limit;
    }
    if ((sel & ~7u) + 7 > limit)
        return false;
    uint32_t a = prot_desc_addr(cpu, sel);
    *lo = cpu_read_lin(cpu, a, 4, ACC_READ | ACC_SYS);
    *hi = cpu_read_lin(cpu, a + 4, 4, ACC_READ | ACC_SYS);
    return true;
}

void cpu_desc_to_cache(struct seg_cache *c, uint16_t sel, uint32_t lo, uint32_t hi)
{
    c->sel = sel;
    c->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    c->limit = (lo & 0xffff) | (hi & 0xf0000);
    c->flags = (hi >> 8) & 0xf0ff; /* limit 19:16 (bits 8-11 here) kept out */
    if (c->flags & DESC_G)
        c->limit = (c->limit << 12) | 0xfff;
}

bool prot_fetch(struct cpu *cpu, uint16_t sel, struct desc *d)
{
    if (!cpu_read_descriptor(cpu, sel, &d->lo, &d->hi))
        return false;
    d->sel = sel;
    cpu_desc_to_cache(&d->c, sel, d->lo, d->hi);
    return true;
}

void prot_fetch_or_fault(struct cpu *cpu, uint16_t sel, struct desc *d, int vector, uint32_t ext)
{
    if (!prot_fetch(cpu, sel, d))
        cpu_exception(cpu, vector, SEL_ERR(sel) | ext);
}

void prot_touch(struct cpu *cpu, struct desc *d)
{
    /* The processor sets the accessed bit of a segment descriptor when it
     * loads it (SDM Vol. 3A 3.4.5.1); it does not write an already set bit. */
    if (!(d->c.flags & DESC_S) || (d->hi & 0x100))
        return;
    d->hi |= 0x100;
    d->c.flags |= 1;
    cpu_write_lin(cpu, prot_desc_addr(cpu, d->sel) + 5, (d->hi >> 8) & 0xff, 1,
                  ACC_WRITE | ACC_SYS);
}

bool seg_range_ok(const struct seg_cache *c, uint32_t off, uint32_t size)
{
    uint32_t last = off + size - 1;
    if (last < off)
        return false;
    if (desc_is_data(c->flags) && (c->flags & 4)) {
        /* Expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff (B). */
        uint32_t upper = (c->flags & DESC_DB) ? 0xffffffffu : 0xffffu;
        return off > c->limit && last <= upper;
    }
    return last <= c->limit;
}

void prot_set_cs(struct cpu *cpu, const struct desc *d, int cpl, uint32_t eip)
{
    cpu->seg[SEG_CS] = d->c;
    cpu->seg[SEG_CS].sel = (d->sel & ~3) | cpl;
    cpu->cpl = cpl;
    cpu->eip = eip;
    cpu_update_modes(cpu);
}

void prot_set_ss(struct cpu *cpu, const struct desc *d)
{
    cpu->seg[SEG_SS] = d->c;
    cpu_update_modes(cpu);
}

void prot_set_null(struct cpu *cpu, int seg, uint16_t sel)
{
    cpu->seg[seg] = (struct seg_cache){.sel = sel, .base = 0, .limit = 0, .flags = 0};
}

/* Attributes of a segment register in V86 mode: a present, accessed,
 * read/write segment (code for CS) of DPL 3, limit 0xffff (SDM Vol. 3A, 20.1.1). */
#define V86_DATA_FLAGS (DESC_P | DESC_S | (3 << 5) | 0x3)
#define V86_CODE_FLAGS (DESC_P | DESC_S | (3 << 5) | 0xb)

void prot_set_real(struct cpu *cpu, int seg, uint16_t sel)
{
    struct seg_cache *c = &cpu->seg[seg];
    c->sel = sel;
    c->base = (uint32_t)sel << 4;
    if (cpu_v86(cpu)) {
        c->limit = 0xffff;
        c->flags = seg == SEG_CS ? V86_CODE_FLAGS : V86_DATA_FLAGS;
    } else {
        /* Real mode keeps the limit and the size/granularity attributes of
         * the cache ("big real mode"); the segment becomes usable again. */
        c->flags = (c->flags & (DESC_DB | DESC_G | DESC_AVL | (3 << 5))) | DESC_P | DESC_S |
                   (seg == SEG_CS ? 0xb : 0x3);
    }
    if (seg == SEG_CS)
        cpu->cpl = cpu_v86(cpu) ? 3 : (cpu_protected(cpu) ? cpu->cpl : 0);
    if (seg == SEG_CS || seg == SEG_SS)
        cpu_update_modes(cpu);
}

void cpu_load_seg_real(struct cpu *cpu, int seg, uint16_t sel) { prot_set_real(cpu, seg, sel); }

void prot_null_inaccessible(struct cpu *cpu)
{
    static const int segs[] = {SEG_ES, SEG_FS, SEG_GS, SEG_DS};
    for (unsigned i = 0; i < sizeof segs / sizeof segs[0]; i++) {
        struct seg_cache *c = &cpu->seg[segs[i]];
        if (!(c->flags & DESC_P))
            continue; /* already null */
        /* data or non-conforming code the new CPL may not use */
        if (!desc_is_conforming(c->flags) && DPL(c->flags) < cpu->cpl)
            prot_set_null(cpu, segs[i], 0);
    }
}

/* MOV/POP SS, LSS in protected mode (SDM Vol. 2 "MOV"). */
static void load_ss_prot(struct cpu *cpu, uint16_t sel)
{
    struct desc d;
    if (SEL_NULL(sel))
        cpu_exception(cpu, EXC_GP, 0);
    prot_fetch_or_fault(cpu, sel, &d, EXC_GP, 0);
    if (SEL_RPL(sel) != cpu->cpl || !desc_is_writable_data(d.c.flags) ||
        DPL(d.c.flags) != cpu->cpl)
        cpu_exception(cpu, EXC_GP, SEL_ERR(sel));
    if (!(d.c.flags & DESC_P))
        cpu_exception(cpu, EXC_SS, SEL_ERR(sel));
    prot_touch(cpu, &d);
    prot_set_ss(cpu, &d);
}

/* MOV/POP DS/ES/FS/GS, LDS/LES/LFS/LGS in protected mode. */
static void load_data_prot(struct cpu *cpu, int seg, uint16_t sel)
{
    struct desc d;
    if (SEL_NULL(sel)) {
        prot_set_null(cpu, seg, sel); /* a null selector loads; using it faults */
        return;
    }
    prot_fetch_or_fault(cpu, sel, &d, EXC_GP, 0);
    uint32_t f = d.c.flags;
    if (!(f & DESC_S) || (desc_is_code(f) && !(f & 2)))
        cpu_exception(cpu, EXC_GP, SEL_ERR(sel));
    if (!desc_is_conforming(f) && (SEL_RPL(sel) > DPL(f) || cpu->cpl > DPL(f)))
        cpu_exception(cpu, EXC_GP, SEL_ERR(sel));
    if (!(f & DESC_P))
        cpu_exception(cpu, EXC_NP, SEL_ERR(sel));
    prot_touch(cpu, &d);
    cpu->seg[seg] = d.c;
}

void cpu_load_seg(struct cpu *cpu, int seg, uint16_t sel)
{
    if (!cpu_protected(cpu) || cpu_v86(cpu))
        prot_set_real(cpu, seg, sel);
    else if (seg == SEG_SS)
        load_ss_prot(cpu, sel);
    else
        load_data_prot(cpu, seg, sel);
}
