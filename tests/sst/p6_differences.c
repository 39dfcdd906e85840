/* Where the P6 (i686) architecturally differs from the 80286 in real mode,
 * per instruction form of the SingleStepTests 80286 set. The harness compares
 * only what both processors agree on for the tests a row applies to, and
 * prints the row's reason next to the form. Everything else must match. */
#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "sst.h"

#define FLAGS_IOPL_NT 0x7000

/* LOCK is legal only on ADD ADC AND BTx CMPXCHG DEC INC NEG NOT OR SBB SUB
 * XOR XADD XCHG with a memory destination; anything else is #UD on the P6
 * (SDM Vol. 2A, LOCK). The 286 asserts LOCK# and executes. When the 286
 * itself raised #UD the P6 agrees, so those tests are compared in full. */
static bool lock_not_lockable(const struct sst_test *t)
{
    struct sst_peek p;
    sst_peek(t, &p);
    if (!p.lock || t->exc == 6)
        return false;
    if (!p.is_mem)
        return true;
    uint8_t op = p.op;
    if (op < 0x40 && (op & 7) < 2 && (op >> 3) != 7) /* 00/01 ... 30/31, not CMP (38/39) */
        return false;
    if (op >= 0x80 && op <= 0x83)
        return p.reg == 7;
    if (op == 0x86 || op == 0x87)
        return false;
    if (op == 0xf6 || op == 0xf7)
        return p.reg != 2 && p.reg != 3;
    if (op == 0xfe || op == 0xff)
        return p.reg > 1;
    return true;
}

/* Real mode, word access at offset 0xffff of SS: the 286 raises interrupt 13
 * whatever the segment, the P6 raises #SS (12) for SS and #GP (13) otherwise
 * (SDM Vol. 3A 20.1.4 / the per-instruction "Real-Address Mode Exceptions"). */
static bool ss_wrap_fault(const struct sst_test *t)
{
    return t->exc == 13 && sst_fault_seg(t) == SST_SEG_SS;
}

/* High byte of the FLAGS word POPF (at SP) or IRET (at SP+4) pops, or -1. */
static int popped_flags_hi(const struct sst_test *t)
{
    struct sst_peek p;
    sst_peek(t, &p);
    uint16_t off = (uint16_t)(t->init[SST_SP] + (p.op == 0xcf ? 5 : 1));
    return sst_init_byte(t, (uint32_t)t->init[SST_SS] * 16 + off);
}
static bool pops_iopl_nt(const struct sst_test *t)
{
    int hi = popped_flags_hi(t);
    return hi > 0 && (hi & (FLAGS_IOPL_NT >> 8));
}
static void load_iopl_nt(const struct sst_test *t, uint16_t fin[SST_NREGS])
{
    fin[SST_FLAGS] =
        (fin[SST_FLAGS] & ~FLAGS_IOPL_NT) | ((popped_flags_hi(t) << 8) & FLAGS_IOPL_NT);
}

/* The 286 limits an instruction to 10 bytes and raises interrupt 13 beyond
 * that (80286 PRM, "Interrupt 13"); the P6's limit is 15 bytes (SDM Vol. 2A
 * 2.3.11), so it executes these. `bytes` ends with the HLT that follows. */
static bool longer_than_10(const struct sst_test *t)
{
    return t->exc == 13 && t->nbytes - 1 > 10;
}

/* A word string instruction that takes int 13 at offset 0xffff on the 286
 * has already stepped SI/DI (and CX under REP) when the fault is taken; the
 * P6 faults before changing them, so the REP can restart (SDM Vol. 2B REP,
 * Vol. 3A 6.5 "fault": state as before the instruction / iteration). */
static bool string_int13(const struct sst_test *t)
{
    return t->exc == 13 && t->nbytes - 1 <= 10;
}
static void string_precise(const struct sst_test *t, uint16_t fin[SST_NREGS])
{
    struct sst_string_fault f;
    if (sst_string_fault(t, &f) == SST_SEG_NONE)
        return;
    fin[SST_SI] = f.si;
    fin[SST_DI] = f.di;
    fin[SST_CX] = f.cx;
}

/* MOV Ew,Sreg / MOV Sreg,Ew with reg 4 or 5: FS and GS exist on the P6. */
static bool sreg_fs_gs(const struct sst_test *t)
{
    struct sst_peek p;
    sst_peek(t, &p);
    return p.reg == 4 || p.reg == 5;
}
/* MOV Sreg,Ew loaded FS/GS from the operand; MOV Ew,Sreg stored FS/GS (0,
 * as the harness never sets them). Memory operands only (all such tests). */
static bool fs_gs_moved(const struct sst_test *t, const struct cpu *cpu, const uint8_t *ram,
                        char *out, size_t cap)
{
    static const int seg_reg[] = {SST_ES, SST_CS, SST_SS, SST_DS};
    struct sst_peek p;
    sst_peek(t, &p);
    if (!p.is_mem)
        return true;
    uint32_t seg = t->init[seg_reg[p.ea_seg]];
    uint32_t lo = seg * 16 + p.ea, hi = seg * 16 + (uint16_t)(p.ea + 1);
    const struct seg_cache *s = &cpu->seg[p.reg == 4 ? SEG_FS : SEG_GS];
    if (p.op == 0x8e) {
        /* bytes the test does not list are 0 in the harness's clean RAM */
        int want = (uint8_t)sst_init_byte(t, lo) * (sst_init_byte(t, lo) >= 0) |
                   (uint8_t)sst_init_byte(t, hi) * (sst_init_byte(t, hi) >= 0) << 8;
        if (s->sel == want)
            return true;
        snprintf(out, cap, "  %s: expected %04x got %04x\n", p.reg == 4 ? "fs" : "gs", want,
                 s->sel);
        return false;
    }
    if (ram[lo] == (uint8_t)s->sel && ram[hi] == (uint8_t)(s->sel >> 8))
        return true;
    snprintf(out, cap, "  ram[%06x..]: expected %s %04x, got %02x%02x\n", lo,
             p.reg == 4 ? "fs" : "gs", s->sel, ram[hi], ram[lo]);
    return false;
}

#define ALL_GPRS                                                                                   \
    (SST_R(SST_AX) | SST_R(SST_BX) | SST_R(SST_CX) | SST_R(SST_DX) | SST_R(SST_SP) |               \
     SST_R(SST_BP) | SST_R(SST_SI) | SST_R(SST_DI))

const struct p6_difference p6_differences[] = {
    {"*",
     "LOCK on a non-lockable instruction raises #UD on the P6 (SDM Vol. 2A LOCK); the 286 executes "
     "it",
     false, P6_RAISES_UD, 0, 0, 6, lock_not_lockable, NULL, NULL},
    {"*",
     "word access wrapping at SS:FFFF raises #SS (12) on the P6, interrupt 13 on the 286 (SDM Vol. "
     "3A 20.1.4)",
     false, P6_VECTOR, 0, 0, 12, ss_wrap_fault, NULL, NULL},
    {"*",
     "instructions of 11-15 bytes: the 286 raises int 13 (10-byte limit), the P6 executes them "
     "(15-byte limit)",
     false, P6_NO_FAULT, 0, ALL_GPRS | SST_R(SST_FLAGS), 0, longer_than_10, NULL, NULL},
    {"6D 6F A5 A7 AB AD AF",
     "word string op faulting at offset FFFF: the 286 has already stepped SI/DI/CX, the P6 faults "
     "before the iteration (checked)",
     false, P6_MASK, 0, 0, 0, string_int13, string_precise, NULL},
    {"9D CF",
     "in real mode the P6 POPF/IRET load IOPL and NT, the 286 keeps FLAGS bits 12-14 clear (SDM "
     "Vol. 2B POPF; checked)",
     false, P6_MASK, 0, 0, 0, pops_iopl_nt, load_iopl_nt, NULL},
    {"8C 8E", "sreg 4/5 are FS/GS on the P6 (the MOV executes); the 286 raises #UD", false,
     P6_NO_FAULT, 0, 0, 0, sreg_fs_gs, NULL, fs_gs_moved},
};
const int p6_difference_count = sizeof p6_differences / sizeof p6_differences[0];

bool p6_form_listed(const struct p6_difference *d, const char *form)
{
    if (!strcmp(d->forms, "*"))
        return true;
    size_t n = strlen(form);
    for (const char *s = d->forms; (s = strstr(s, form)); s += n)
        if ((s == d->forms || s[-1] == ' ') && (s[n] == ' ' || s[n] == 0))
            return true;
    return false;
}
