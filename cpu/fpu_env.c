/* x87 environment and state images: FSTENV/FLDENV and FSAVE/FRSTOR in the
 * 16- and 32-bit, real- and protected-mode layouts (SDM Vol. 1, 8.1.10,
 * Figures 8-9 to 8-12), and the 512-byte FXSAVE/FXRSTOR image (SDM Vol. 2A
 * "FXSAVE", Table 3-53). */
#include <string.h>

#include "cpu/fpu_priv.h"
#include "cpu/mem.h"

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}
static uint32_t get16(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8;
}
static uint32_t get32(const uint8_t *p)
{
    return get16(p) | get16(p + 2) << 16;
}
static void put80(uint8_t *p, fp80 v)
{
    put32(p, (uint32_t)v.mant);
    put32(p + 4, (uint32_t)(v.mant >> 32));
    put16(p + 8, v.se);
}
static fp80 get80(const uint8_t *p)
{
    return (fp80){get32(p) | (uint64_t)get32(p + 4) << 32, (uint16_t)get16(p + 8)};
}

/* Real-address layout in real mode and virtual-8086 mode (as Bochs does). */
static bool real_layout(const struct cpu *cpu)
{
    return !(cpu->cr0 & CR0_PE) || (cpu->eflags & EF_VM);
}

/* Build the environment image; returns its size (14 or 28). The reserved
 * upper halves of the 32-bit image read as ones on a P6. */
static int env_image(struct cpu *cpu, uint8_t *b, bool op32)
{
    const struct fpu_state *f = &cpu->fpu;
    bool real = real_layout(cpu);
    uint32_t ip = f->fip, dp = f->fdp;
    /* The P6 keeps only empty/non-empty per register; FSTENV and FSAVE
     * store tags computed from the register contents (valid, zero,
     * special), so e.g. MMX-written registers (exponent all ones) read as
     * special. Bochs does the same (SDM Vol. 1, 8.1.7). */
    uint16_t ftw = fpu_tags_from_abridged(f, fpu_tags_abridged(f));
    if (real) { /* 20-bit linear addresses */
        ip += (uint32_t)f->fcs << 4;
        dp += (uint32_t)f->fds << 4;
    }
    if (op32) {
        put32(b + 0, 0xffff0000u | f->fcw);
        put32(b + 4, 0xffff0000u | f->fsw);
        put32(b + 8, 0xffff0000u | ftw);
        if (real) {
            put32(b + 12, 0xffff0000u | (ip & 0xffff));
            put32(b + 16, ((ip & 0xffff0000u) >> 4) | (f->fop & 0x7ff));
            put32(b + 20, 0xffff0000u | (dp & 0xffff));
            put32(b + 24, (dp & 0xffff0000u) >> 4);
        } else {
            put32(b + 12, ip);
            put32(b + 16, f->fcs | (uint32_t)(f->fop & 0x7ff) << 16);
            put32(b + 20, dp);
            put32(b + 24, 0xffff0000u | f->fds);
        }
        return 28;
    }
    put16(b + 0, f->fcw);
    put16(b + 2, f->fsw);
    put16(b + 4, ftw);
    if (real) {
        put16(b + 6, ip);
        put16(b + 8, ((ip >> 4) & 0xf000) | (f->fop & 0x7ff));
        put16(b + 10, dp);
        put16(b + 12, (dp >> 4) & 0xf000);
    } else {
        put16(b + 6, ip);
        put16(b + 8, f->fcs);
        put16(b + 10, dp);
        put16(b + 12, f->fds);
    }
    return 14;
}

/* Tags of non-empty registers follow their contents (the P6 keeps only
 * empty/non-empty, SDM Vol. 1 8.1.7). */
static void retag(struct fpu_state *f, uint16_t ftw)
{
    uint8_t used = 0;
    for (int p = 0; p < 8; p++)
        if (((ftw >> (2 * p)) & 3) != TAG_EMPTY)
            used |= (uint8_t)(1 << p);
    f->ftw = fpu_tags_from_abridged(f, used);
}

static void env_load(struct cpu *cpu, const uint8_t *b, bool op32)
{
    struct fpu_state *f = &cpu->fpu;
    bool real = real_layout(cpu);
    uint16_t ftw;
    if (op32) {
        f->fcw = (uint16_t)get16(b + 0);
        f->fsw = (uint16_t)get16(b + 4);
        ftw = (uint16_t)get16(b + 8);
        if (real) {
            f->fip = (get16(b + 12) | (get32(b + 16) & 0x0ffff000u) << 4);
            f->fop = (uint16_t)(get16(b + 16) & 0x7ff);
            f->fdp = (get16(b + 20) | (get32(b + 24) & 0x0ffff000u) << 4);
            f->fcs = f->fds = 0;
        } else {
            f->fip = get32(b + 12);
            f->fcs = (uint16_t)get16(b + 16);
            f->fop = (uint16_t)(get16(b + 18) & 0x7ff);
            f->fdp = get32(b + 20);
            f->fds = (uint16_t)get16(b + 24);
        }
    } else {
        f->fcw = (uint16_t)get16(b + 0);
        f->fsw = (uint16_t)get16(b + 2);
        ftw = (uint16_t)get16(b + 4);
        if (real) {
            f->fip = get16(b + 6) | (get16(b + 8) & 0xf000) << 4;
            f->fop = (uint16_t)(get16(b + 8) & 0x7ff);
            f->fdp = get16(b + 10) | (get16(b + 12) & 0xf000) << 4;
            f->fcs = f->fds = 0;
        } else {
            f->fip = get16(b + 6);
            f->fcs = (uint16_t)get16(b + 8);
            f->fdp = get16(b + 10);
            f->fds = (uint16_t)get16(b + 12);
        }
    }
    f->fcw = (uint16_t)((f->fcw & 0x1f3f) | 0x0040);
    retag(f, ftw);
    fpu_update_es(cpu);
}

void fpu_stenv(struct cpu *cpu, int seg, uint32_t off, bool op32)
{
    uint8_t b[28];
    int n = env_image(cpu, b, op32);
    fpu_mem_write(cpu, seg, off, b, n);
    cpu->fpu.fcw |= FPU_EXC; /* FSTENV then masks every exception */
}

void fpu_ldenv(struct cpu *cpu, int seg, uint32_t off, bool op32)
{
    uint8_t b[28];
    fpu_mem_read(cpu, seg, off, b, op32 ? 28 : 14);
    env_load(cpu, b, op32);
}

void fpu_save(struct cpu *cpu, int seg, uint32_t off, bool op32)
{
    uint8_t b[108];
    int n = env_image(cpu, b, op32);
    for (int i = 0; i < 8; i++)
        put80(b + n + 10 * i, fpu_st(&cpu->fpu, i));
    fpu_mem_write(cpu, seg, off, b, n + 80);
    fpu_init(&cpu->fpu); /* FSAVE ends with FNINIT */
    if (cpu->hooks.ferr)
        cpu->hooks.ferr(cpu->hooks.ferr_opaque, false);
}

void fpu_rstor(struct cpu *cpu, int seg, uint32_t off, bool op32)
{
    uint8_t b[108];
    int n = op32 ? 28 : 14;
    fpu_mem_read(cpu, seg, off, b, n + 80);
    struct fpu_state *f = &cpu->fpu;
    /* Registers first (stack order needs the new TOP), then the environment. */
    int top = (get16(b + (op32 ? 4 : 2)) >> FPU_TOP_SHIFT) & 7;
    for (int i = 0; i < 8; i++)
        f->st[(top + i) & 7] = get80(b + n + 10 * i);
    env_load(cpu, b, op32);
}

/* #GP(0) unless the image is 16-byte aligned (linear address). */
static void fx_align(struct cpu *cpu, int seg, uint32_t off)
{
    if ((cpu->seg[seg].base + off) & 15)
        cpu_exception(cpu, EXC_GP, 0);
}

#define FX_MXCSR_MASK SSE_MXCSR_MASK /* MXCSR bits this CPU has (cpu/sse_state.h) */

void fpu_fxsave(struct cpu *cpu, int seg, uint32_t offset)
{
    const struct fpu_state *f = &cpu->fpu;
    uint8_t b[512];
    fx_align(cpu, seg, offset);
    fpu_mem_read(cpu, seg, offset, b, 512); /* reserved areas are left as they were */
    put16(b + 0, f->fcw);
    put16(b + 2, f->fsw);
    b[4] = fpu_tags_abridged(f);
    b[5] = 0;
    put16(b + 6, f->fop);
    put32(b + 8, f->fip);
    put16(b + 12, f->fcs);
    put16(b + 14, 0);
    put32(b + 16, f->fdp);
    put16(b + 20, f->fds);
    put16(b + 22, 0);
    /* MXCSR always; the XMM registers only with CR4.OSFXSR (SDM Vol. 2A
     * FXSAVE: without it they are not saved, implementation-dependent; the
     * P6 with SSE and Bochs skip them). */
    bool osfxsr = cpu->cr4 & CR4_OSFXSR;
    put32(b + 24, cpu->sse.mxcsr);
    put32(b + 28, FX_MXCSR_MASK);
    for (int i = 0; i < 8; i++) {
        memset(b + 32 + 16 * i, 0, 16);
        put80(b + 32 + 16 * i, fpu_st(f, i));
    }
    if (osfxsr)
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 4; j++)
                put32(b + 160 + 16 * i + 4 * j, cpu->sse.xmm[i].d[j]);
    fpu_mem_write(cpu, seg, offset, b, 512);
}

void fpu_fxrstor(struct cpu *cpu, int seg, uint32_t offset)
{
    struct fpu_state *f = &cpu->fpu;
    uint8_t b[512];
    fx_align(cpu, seg, offset);
    fpu_mem_read(cpu, seg, offset, b, 512);
    bool osfxsr = cpu->cr4 & CR4_OSFXSR;
    if (get32(b + 24) & ~FX_MXCSR_MASK)
        cpu_exception(cpu, EXC_GP, 0); /* reserved MXCSR bits */
    f->fcw = (uint16_t)((get16(b + 0) & 0x1f3f) | 0x0040);
    f->fsw = (uint16_t)get16(b + 2);
    f->fop = (uint16_t)(get16(b + 6) & 0x7ff);
    f->fip = get32(b + 8);
    f->fcs = (uint16_t)get16(b + 12);
    f->fdp = get32(b + 16);
    f->fds = (uint16_t)get16(b + 20);
    int top = fpu_top(f);
    for (int i = 0; i < 8; i++)
        f->st[(top + i) & 7] = get80(b + 32 + 16 * i);
    f->ftw = fpu_tags_from_abridged(f, b[4]);
    cpu->sse.mxcsr = get32(b + 24);
    if (osfxsr) {
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 4; j++)
                cpu->sse.xmm[i].d[j] = get32(b + 160 + 16 * i + 4 * j);
    }
    fpu_update_es(cpu);
}
