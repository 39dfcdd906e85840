/* Staged stack frames for far transfers and interrupts: pushes and pops
 * through a stack segment that may not be committed yet, and the inner
 * stacks of the TSS (SDM Vol. 3A 5.8.5, 6.12.1, 7.2.1). */
#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "cpu/prot_priv.h"

void stk_from_cpu(const struct cpu *cpu, struct stk *s)
{
    s->ss = cpu->seg[SEG_SS];
    s->esp = (uint32_t)cpu->gpr[R_ESP];
    s->acc = 0;
    s->err = 0;
}

static inline bool stk_big(const struct stk *s) { return (s->ss.flags & DESC_DB) != 0; }

void stk_commit(struct cpu *cpu, const struct stk *s)
{
    if (stk_big(s))
        cpu->gpr[R_ESP] = s->esp;
    else
        cpu->gpr[R_ESP] = (cpu->gpr[R_ESP] & 0xffff0000u) | (s->esp & 0xffff);
}

/* ESP moved by `delta`, wrapping SP only on a 16-bit stack. */
static inline uint32_t stk_move(const struct stk *s, uint32_t esp, uint32_t delta)
{
    if (stk_big(s))
        return esp + delta;
    return (esp & 0xffff0000u) | ((esp + delta) & 0xffff);
}

static inline uint32_t stk_off(const struct stk *s, uint32_t esp)
{
    return stk_big(s) ? esp : (esp & 0xffff);
}

uint32_t stk_pop(struct cpu *cpu, struct stk *s, int size)
{
    uint32_t off = stk_off(s, s->esp);
    if (!seg_range_ok(&s->ss, off, size))
        cpu_exception(cpu, EXC_SS, s->err);
    uint32_t v = cpu_read_lin(cpu, s->ss.base + off, size, ACC_READ | s->acc);
    s->esp = stk_move(s, s->esp, size);
    return v;
}

void stk_skip(struct stk *s, uint32_t n) { s->esp = stk_move(s, s->esp, n); }

void stk_check_room(struct cpu *cpu, const struct stk *s, uint32_t n)
{
    if (n == 0)
        return;
    uint32_t lo = stk_off(s, stk_move(s, s->esp, -n));
    bool ok;
    if (!stk_big(s) && lo + n > 0x10000)
        /* SP wraps: the frame is [lo, 0xffff] plus [0, SP). */
        ok = seg_range_ok(&s->ss, lo, 0x10000 - lo) &&
             seg_range_ok(&s->ss, 0, n - (0x10000 - lo));
    else
        ok = seg_range_ok(&s->ss, lo, n);
    if (!ok)
        cpu_exception(cpu, EXC_SS, s->err);
}

void stk_push_frame(struct cpu *cpu, struct stk *s, const struct frame *f)
{
    uint32_t esp = s->esp;
    for (int i = 0; i < f->n; i++) {
        esp = stk_move(s, esp, -(uint32_t)f->size[i]);
        if (!seg_range_ok(&s->ss, stk_off(s, esp), f->size[i]))
            cpu_exception(cpu, EXC_SS, s->err);
    }
    for (int i = 0; i < f->n; i++) {
        s->esp = stk_move(s, s->esp, -(uint32_t)f->size[i]);
        cpu_write_lin(cpu, s->ss.base + stk_off(s, s->esp), f->v[i], f->size[i],
                      ACC_WRITE | s->acc);
    }
}

void prot_tss_stack(struct cpu *cpu, int dpl, uint16_t *ss, uint32_t *esp, uint32_t ext)
{
    const struct seg_cache *tr = &cpu->seg[SEG_TR];
    if (DESC_TYPE(tr->flags) & 8) { /* 32-bit TSS: ESPn at 4+8n, SSn at 8+8n */
        uint32_t a = dpl * 8 + 4;
        if (a + 5 > tr->limit)
            cpu_exception(cpu, EXC_TS, SEL_ERR(tr->sel) | ext);
        *esp = cpu_read_lin(cpu, tr->base + a, 4, ACC_READ | ACC_SYS);
        *ss = cpu_read_lin(cpu, tr->base + a + 4, 2, ACC_READ | ACC_SYS);
    } else { /* 16-bit TSS: SPn at 2+4n, SSn at 4+4n */
        uint32_t a = dpl * 4 + 2;
        if (a + 3 > tr->limit)
            cpu_exception(cpu, EXC_TS, SEL_ERR(tr->sel) | ext);
        *esp = cpu_read_lin(cpu, tr->base + a, 2, ACC_READ | ACC_SYS);
        *ss = cpu_read_lin(cpu, tr->base + a + 2, 2, ACC_READ | ACC_SYS);
    }
}

void prot_check_inner_ss(struct cpu *cpu, uint16_t ss, int dpl, struct desc *d, uint32_t ext)
{
    if (SEL_NULL(ss))
        cpu_exception(cpu, EXC_TS, ext);
    prot_fetch_or_fault(cpu, ss, d, EXC_TS, ext);
    if (SEL_RPL(ss) != dpl || DPL(d->c.flags) != dpl || !desc_is_writable_data(d->c.flags))
        cpu_exception(cpu, EXC_TS, SEL_ERR(ss) | ext);
    if (!(d->c.flags & DESC_P))
        cpu_exception(cpu, EXC_SS, SEL_ERR(ss) | ext);
}

uint32_t prot_eflags(const struct cpu *cpu) { return cpu_get_eflags(cpu); }
