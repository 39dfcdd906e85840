/* x87 register stack, tags, status word and exception delivery (SDM Vol. 1,
 * 8.1 and 8.6; Vol. 3A 2.5 for CR0.EM/MP/TS/NE). */
#include <string.h>

#include "cpu/fpu_priv.h"
#include "cpu/mem.h"

void fpu_init(struct fpu_state *f)
{
    /* The registers keep their contents; only the tags say empty. */
    f->fcw = 0x037f;
    f->fsw = 0;
    f->ftw = 0xffff;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

void fpu_power_on(struct fpu_state *f)
{
    memset(f->st, 0, sizeof f->st);
    fpu_init(f);
    f->fcw = 0x0040;
}

int fpu_tag_of(fp80 v)
{
    int e = fp80_exp(v);
    if (e == 0)
        return v.mant ? TAG_SPECIAL : TAG_ZERO;
    if (e == 0x7fff || !(v.mant >> 63))
        return TAG_SPECIAL;
    return TAG_VALID;
}

void fpu_set_st(struct fpu_state *f, int i, fp80 v)
{
    int p = fpu_phys(f, i);
    f->st[p] = v;
    fpu_set_tag_phys(f, p, fpu_tag_of(v));
}

void fpu_push(struct fpu_state *f, fp80 v)
{
    fpu_set_top(f, fpu_top(f) - 1);
    fpu_set_st(f, 0, v);
}

void fpu_pop(struct fpu_state *f)
{
    fpu_set_tag_phys(f, fpu_top(f), TAG_EMPTY);
    fpu_set_top(f, fpu_top(f) + 1);
}

/* FXSAVE's abridged tag: one bit per physical register, 1 = not empty. */
uint8_t fpu_tags_abridged(const struct fpu_state *f)
{
    uint8_t t = 0;
    for (int p = 0; p < 8; p++)
        if (fpu_tag_phys(f, p) != TAG_EMPTY)
            t |= (uint8_t)(1 << p);
    return t;
}

/* FXRSTOR recomputes the full tags from the register contents (SDM Vol. 2A
 * FXRSTOR: "the tag word is reconstructed"). */
uint16_t fpu_tags_from_abridged(const struct fpu_state *f, uint8_t abridged)
{
    uint16_t ftw = 0;
    for (int p = 0; p < 8; p++) {
        int tag = (abridged >> p) & 1 ? fpu_tag_of(f->st[p]) : TAG_EMPTY;
        ftw |= (uint16_t)(tag << (2 * p));
    }
    return ftw;
}

void fpu_update_es(struct cpu *cpu)
{
    struct fpu_state *f = &cpu->fpu;
    bool was = f->fsw & FPU_ES;
    if (f->fsw & ~f->fcw & FPU_EXC)
        f->fsw |= FPU_ES | FPU_B;
    else
        f->fsw &= (uint16_t) ~(FPU_ES | FPU_B);
    /* FERR# follows ES; the board turns the rising edge into IRQ13. */
    if (was && !(f->fsw & FPU_ES) && cpu->hooks.ferr)
        cpu->hooks.ferr(cpu->hooks.ferr_opaque, false);
}

void fpu_raise(struct cpu *cpu, uint16_t exc)
{
    struct fpu_state *f = &cpu->fpu;
    f->fsw |= exc;
    if (exc & ~f->fcw & FPU_EXC)
        f->fsw |= FPU_ES | FPU_B;
}

bool fpu_merge(struct cpu *cpu, const struct fp80_ctx *c, uint16_t cc_mask)
{
    struct fpu_state *f = &cpu->fpu;
    f->fsw = (uint16_t)((f->fsw & ~cc_mask) | (c->sw & cc_mask));
    fpu_raise(cpu, c->sw & FPU_EXC);
    return !fp80_pre_exc(c);
}

bool fpu_underflow(struct cpu *cpu)
{
    cpu->fpu.fsw &= (uint16_t)~FPU_C1;
    fpu_raise(cpu, FPU_IE | FPU_SF);
    return cpu->fpu.fcw & FPU_IE;
}

bool fpu_overflow(struct cpu *cpu)
{
    cpu->fpu.fsw |= FPU_C1;
    fpu_raise(cpu, FPU_IE | FPU_SF);
    return cpu->fpu.fcw & FPU_IE;
}

/* SDM Vol. 3A 2.5, Table 2-2: EM set -> #NM for every ESC instruction; TS set
 * -> #NM (the OS saves the previous task's FPU state lazily). */
void fpu_check_nm(struct cpu *cpu)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_exception(cpu, EXC_NM, 0);
}

/* SDM Vol. 1, 8.7 and Vol. 3A 2.5 (CR0.NE): a waiting instruction finding an
 * unmasked exception pending raises #MF with CR0.NE=1. With NE=0 the P6
 * asserts FERR# (IRQ13 through the PIC on a PC) and, since the PC board
 * drives IGNNE# once the handler writes port 0xF0, carries on; we model the
 * usual PC wiring: signal FERR# and execute the instruction. */
void fpu_check_pending(struct cpu *cpu)
{
    if (!(cpu->fpu.fsw & FPU_ES))
        return;
    if (cpu->cr0 & CR0_NE)
        cpu_exception(cpu, EXC_MF, 0);
    if (cpu->hooks.ferr)
        cpu->hooks.ferr(cpu->hooks.ferr_opaque, true);
}

void fpu_mmx_enter(struct fpu_state *f)
{
    fpu_set_top(f, 0);
    f->ftw = 0;
}

void fpu_emms(struct fpu_state *f)
{
    f->ftw = 0xffff;
}

/* Multi-byte operands: check the first and last dword (segment limit and
 * both pages), then move the bytes. */
static void mem_check(struct cpu *cpu, int seg, uint32_t off, int size, bool write)
{
    int n = size < 4 ? size : 4;
    void (*chk)(struct cpu *, int, uint32_t, int) = write ? cpu_check_write : cpu_check_read;
    chk(cpu, seg, off, n);
    if (size > 4)
        chk(cpu, seg, off + (uint32_t)size - 4, 4);
}

void fpu_mem_read(struct cpu *cpu, int seg, uint32_t off, void *buf, int size)
{
    uint8_t *b = buf;
    const uint8_t *ram = cpu_ram_span(cpu, seg, off, (uint32_t)size, ACC_READ);
    if (ram) {
        memcpy(b, ram, (size_t)size); /* guest byte order: the bytes as they are */
        return;
    }
    mem_check(cpu, seg, off, size, false);
    for (int i = 0; i < size;) {
        int n = size - i >= 4 ? 4 : size - i >= 2 ? 2 : 1;
        uint32_t v = cpu_read(cpu, seg, off + (uint32_t)i, n);
        for (int k = 0; k < n; k++) /* little-endian bytes on any host */
            b[i + k] = (uint8_t)(v >> (8 * k));
        i += n;
    }
}

void fpu_mem_write(struct cpu *cpu, int seg, uint32_t off, const void *buf, int size)
{
    const uint8_t *b = buf;
    uint8_t *ram = cpu_ram_span(cpu, seg, off, (uint32_t)size, ACC_WRITE);
    if (ram) {
        memcpy(ram, b, (size_t)size);
        return;
    }
    mem_check(cpu, seg, off, size, true);
    for (int i = 0; i < size;) {
        int n = size - i >= 4 ? 4 : size - i >= 2 ? 2 : 1;
        uint32_t v = 0;
        for (int k = 0; k < n; k++)
            v |= (uint32_t)b[i + k] << (8 * k);
        cpu_write(cpu, seg, off + (uint32_t)i, v, n);
        i += n;
    }
}
