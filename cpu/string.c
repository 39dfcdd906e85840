/* String instructions MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE.
 * A repeated instruction commits its registers after every iteration, so a
 * fault mid-string restarts at the iteration that faulted, and runs in
 * bounded batches so that interrupts are taken between iterations
 * (SDM Vol. 2, REP/REPE/REPZ/REPNE/REPNZ; Vol. 1, 7.3.9.2). */
#include <string.h>

#include "cpu/alu.h"
#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/prot.h"
#include "mmu/ioport.h"

/* Iterations of one repeated instruction before the run loop gets control back. */
#define STRING_BATCH 4096

/* One iteration: `size` bytes per element, `delta` = +size or -size (DF). */
typedef void (*string_iter)(struct cpu *cpu, const struct insn *in, int size, int delta);

/* The source operand's segment: DS unless overridden (ES:DI is never overridden). */
static inline int src_seg(const struct insn *in)
{
    return ((in->prefix & PFX_SEG) && in->seg <= SEG_GS) ? in->seg : SEG_DS;
}

/* (E)SI / (E)DI by address size; only SI/DI change with 16-bit addressing. */
static inline uint32_t idx(const struct cpu *cpu, const struct insn *in, int r)
{
    return cpu_reg(cpu, r, in->adsize);
}
static inline void idx_step(struct cpu *cpu, const struct insn *in, int r, int delta)
{
    cpu_set_reg(cpu, r, in->adsize, cpu_reg(cpu, r, in->adsize) + (uint32_t)delta);
}

static void iter_movs(struct cpu *cpu, const struct insn *in, int size, int delta)
{
    uint32_t v = cpu_read(cpu, src_seg(in), idx(cpu, in, R_ESI), size);
    cpu_write(cpu, SEG_ES, idx(cpu, in, R_EDI), v, size);
    idx_step(cpu, in, R_ESI, delta);
    idx_step(cpu, in, R_EDI, delta);
}

/* CMPS compares [src:(E)SI] - ES:[(E)DI]. */
static void iter_cmps(struct cpu *cpu, const struct insn *in, int size, int delta)
{
    uint32_t a = cpu_read(cpu, src_seg(in), idx(cpu, in, R_ESI), size);
    uint32_t b = cpu_read(cpu, SEG_ES, idx(cpu, in, R_EDI), size);
    alu_cmp(cpu, a, b, size);
    idx_step(cpu, in, R_ESI, delta);
    idx_step(cpu, in, R_EDI, delta);
}

static void iter_stos(struct cpu *cpu, const struct insn *in, int size, int delta)
{
    cpu_write(cpu, SEG_ES, idx(cpu, in, R_EDI), cpu_reg(cpu, R_EAX, size), size);
    idx_step(cpu, in, R_EDI, delta);
}

static void iter_lods(struct cpu *cpu, const struct insn *in, int size, int delta)
{
    cpu_set_reg(cpu, R_EAX, size, cpu_read(cpu, src_seg(in), idx(cpu, in, R_ESI), size));
    idx_step(cpu, in, R_ESI, delta);
}

/* SCAS compares eAX - ES:[(E)DI]. */
static void iter_scas(struct cpu *cpu, const struct insn *in, int size, int delta)
{
    uint32_t b = cpu_read(cpu, SEG_ES, idx(cpu, in, R_EDI), size);
    alu_cmp(cpu, cpu_reg(cpu, R_EAX, size), b, size);
    idx_step(cpu, in, R_EDI, delta);
}

/* INS: the destination is checked before the port is read, so a faulting
 * store does not consume device data twice when the instruction restarts. */
static void iter_ins(struct cpu *cpu, const struct insn *in, int size, int delta)
{
    uint32_t di = idx(cpu, in, R_EDI);
    uint16_t port = (uint16_t)cpu->gpr[R_EDX];
    cpu_check_write(cpu, SEG_ES, di, size);
    if (cpu->watch)
        cpu->watch->device(cpu);
    uint32_t v = ioport_read(cpu->io, port, size);
    cpu_log(cpu, CPU_LOG_IO, "io", "ins %04x/%d -> %x\n", port, size, v);
    cpu_write(cpu, SEG_ES, di, v, size);
    idx_step(cpu, in, R_EDI, delta);
}

static void iter_outs(struct cpu *cpu, const struct insn *in, int size, int delta)
{
    uint16_t port = (uint16_t)cpu->gpr[R_EDX];
    uint32_t v = cpu_read(cpu, src_seg(in), idx(cpu, in, R_ESI), size);
    cpu_log(cpu, CPU_LOG_IO, "io", "outs %04x/%d <- %x\n", port, size, v);
    if (cpu->watch)
        cpu->watch->device(cpu);
    ioport_write(cpu->io, port, v, size);
    idx_step(cpu, in, R_ESI, delta);
}

/* cpu_commit() for the middle of a string instruction, restricted to what
 * an iteration changes: EAX (LODS), ECX, ESI, EDI and the flags. The other
 * registers and EIP were committed at the instruction's start and are
 * unchanged, so the snapshot ends up exactly as cpu_commit() would leave
 * it, at a fraction of the cost in this per-element loop. */
static inline void string_commit(struct cpu *cpu)
{
    /* Register by register: a vectorised copy of ESI:EDI would read both
     * right after separate narrower stores and stall on store forwarding. */
    cpu->snap_gpr[R_EAX] = cpu->gpr[R_EAX];
    cpu->snap_gpr[R_ESI] = cpu->gpr[R_ESI];
    __asm__ volatile("" ::: "memory");
    cpu->snap_gpr[R_ECX] = cpu->gpr[R_ECX];
    cpu->snap_gpr[R_EDI] = cpu->gpr[R_EDI];
    cpu->snap_eflags = cpu->eflags;
    cpu->snap_lf = cpu->lf;
}

static inline bool is_rep(const struct insn *in) { return in->prefix & (PFX_REP | PFX_REPNE); }

/* Something needs the run loop between two iterations: a deliverable
 * interrupt, a stop request, or a single-step/data-breakpoint trap (which
 * the hardware takes after each iteration). */
static inline bool must_yield(const struct cpu *cpu)
{
    return (cpu->intr_line && (cpu->eflags & EF_IF)) || cpu->nmi_pending || cpu->stop_request ||
           cpu->trap_after || cpu->pending_dr6;
}

/* ---- REP MOVS / REP STOS over plain RAM, a page at a time ----
 * What the per-element loop would do, element by element in ascending
 * order, when nothing can tell the difference: DF = 0, 32-bit addressing,
 * both ranges plain copies (cpu_ram_span), no trap or interrupt due after
 * the next iteration. Anything
 * else takes the per-element path. */

/* Elements of the REP MOVS (`src_seg` >= 0) or REP STOS (`src_seg` < 0)
 * at the current registers that can be done at once, at most `max`. */
static uint32_t bulk_count(const struct cpu *cpu, const struct insn *in, int size, uint32_t max,
                           bool movs)
{
    /* must_yield: a single-step trap or an interrupt comes after one iteration. */
    if (in->adsize != 4 || (cpu->eflags & EF_DF) || must_yield(cpu))
        return 0;
    uint32_t room = 0x1000 - ((cpu->seg[SEG_ES].base + (uint32_t)cpu->gpr[R_EDI]) & 0xfff);
    if (movs) {
        uint32_t src = cpu->seg[src_seg(in)].base + (uint32_t)cpu->gpr[R_ESI];
        uint32_t r = 0x1000 - (src & 0xfff);
        room = r < room ? r : room;
    }
    uint32_t n = room / (uint32_t)size;
    return n < max ? n : max;
}

/* Do `n` (from bulk_count) elements; false: nothing done, take the
 * per-element path. */
static bool bulk_movs(struct cpu *cpu, const struct insn *in, int size, uint32_t n)
{
    uint32_t bytes = n * (uint32_t)size;
    uint8_t *src = cpu_ram_span(cpu, src_seg(in), (uint32_t)cpu->gpr[R_ESI], bytes, ACC_READ);
    uint8_t *dst = src ? cpu_ram_span(cpu, SEG_ES, (uint32_t)cpu->gpr[R_EDI], bytes, ACC_WRITE) : NULL;
    if (!dst)
        return false;
    if (dst <= src || dst >= src + bytes) {
        memmove(dst, src, bytes); /* ascending copy: same result without overlap ahead */
    } else {
        /* The destination starts inside the source: ascending element
         * copies replicate the first dst - src bytes, as the CPU does. */
        for (uint32_t i = 0; i < bytes; i += (uint32_t)size)
            memmove(dst + i, src + i, (size_t)size);
    }
    cpu->gpr[R_ESI] = (uint32_t)cpu->gpr[R_ESI] + bytes;
    cpu->gpr[R_EDI] = (uint32_t)cpu->gpr[R_EDI] + bytes;
    return true;
}

static bool bulk_stos(struct cpu *cpu, const struct insn *in, int size, uint32_t n)
{
    (void)in;
    uint32_t bytes = n * (uint32_t)size;
    uint8_t *dst = cpu_ram_span(cpu, SEG_ES, (uint32_t)cpu->gpr[R_EDI], bytes, ACC_WRITE);
    if (!dst)
        return false;
    uint32_t v = (uint32_t)cpu->gpr[R_EAX];
    if (size == 1) {
        memset(dst, (int)(v & 0xff), bytes);
    } else {
        const uint8_t pat[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                                (uint8_t)(v >> 24)}; /* guest byte order */
        for (uint32_t i = 0; i < bytes; i += (uint32_t)size)
            memcpy(dst + i, pat, (size_t)size);
    }
    cpu->gpr[R_EDI] = (uint32_t)cpu->gpr[R_EDI] + bytes;
    return true;
}

/* Run `iter` once, or repeatedly under REP. `zf_test`: REPE/REPNE also end
 * on ZF (CMPS, SCAS); for the others F2 acts as F3. */
static inline __attribute__((always_inline)) void
run_string(struct cpu *cpu, const struct insn *in, string_iter iter, bool zf_test)
{
    int size = insn_size(in);
    int delta = (cpu->eflags & EF_DF) ? -size : size;

    if (!is_rep(in)) {
        iter(cpu, in, size, delta);
        return;
    }
    uint32_t next = cpu->eip;
    uint32_t count = cpu_reg(cpu, R_ECX, in->adsize);
    bool repne = (in->prefix & PFX_REPNE) && !(in->prefix & PFX_REP);
    for (uint32_t n = 1; count != 0; n++) {
        uint32_t many = iter == iter_movs || iter == iter_stos
                            ? bulk_count(cpu, in, size, count, iter == iter_movs)
                            : 0;
        if (many > 1 && (iter == iter_movs ? bulk_movs : bulk_stos)(cpu, in, size, many)) {
            count -= many;
            n += many - 1;
            cpu_set_reg(cpu, R_ECX, in->adsize, count);
        } else {
            iter(cpu, in, size, delta);
            cpu_set_reg(cpu, R_ECX, in->adsize, --count);
        }
        if (count == 0)
            break;
        if (zf_test && cpu_cond(cpu, 4) == repne) /* REPE ends on ZF=0, REPNE on ZF=1 */
            break;
        /* Iterations remain: make this the state a fault restarts from. */
        cpu->eip = cpu->insn_eip;
        string_commit(cpu);
        bool event = must_yield(cpu);
        if (n >= STRING_BATCH || event) {
            /* Iterations remain. An interrupt or a trap taken now pushes
             * RF = 1 (SDM Vol. 3A 17.3.1.1: "for any interrupt arriving after
             * any iteration of a repeated string instruction but the last
             * iteration, the value pushed for RF is 1", and the same for a
             * trap-class exception of such an iteration), and re-entering the
             * instruction must not re-trigger its code breakpoint. Resuming
             * clears RF again at the instruction's start (cpu/exec.c). */
            if (event || (cpu->dr[7] & 0xff))
                cpu->eflags |= EF_RF;
            return;
        }
    }
    cpu->eip = next;
}

void op_movs(struct cpu *cpu, const struct insn *in) { run_string(cpu, in, iter_movs, false); }
void op_cmps(struct cpu *cpu, const struct insn *in) { run_string(cpu, in, iter_cmps, true); }
void op_stos(struct cpu *cpu, const struct insn *in) { run_string(cpu, in, iter_stos, false); }
void op_lods(struct cpu *cpu, const struct insn *in) { run_string(cpu, in, iter_lods, false); }
void op_scas(struct cpu *cpu, const struct insn *in) { run_string(cpu, in, iter_scas, true); }

/* INS/OUTS check the I/O permission (CPL > IOPL or V86: the TSS bitmap)
 * before anything else, even when a REP count of zero then does nothing
 * (as Bochs and QEMU do: the check is part of the instruction's start). */
static void string_io(struct cpu *cpu, const struct insn *in, string_iter iter)
{
    int size = insn_size(in);
    uint16_t port = (uint16_t)cpu->gpr[R_EDX];
    if (cpu_protected(cpu) && (cpu->cpl > cpu_iopl(cpu) || cpu_v86(cpu)))
        cpu_check_io(cpu, port, size);
    if (is_rep(in) && cpu_reg(cpu, R_ECX, in->adsize) == 0)
        return;
    if (cpu->dr[7] & 0xff)
        cpu_debug_io_access(cpu, port, size);
    run_string(cpu, in, iter, false);
}

void op_ins(struct cpu *cpu, const struct insn *in) { string_io(cpu, in, iter_ins); }
void op_outs(struct cpu *cpu, const struct insn *in) { string_io(cpu, in, iter_outs); }
