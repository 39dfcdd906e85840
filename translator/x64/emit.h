/* x86-64 machine-code emitter: a bounded code buffer and the instruction
 * encodings the x86-64 translator backend needs (SDM Vol. 2, chapter 2:
 * REX, ModRM, SIB). Nothing here knows about the guest. */
#ifndef VX86_X64_EMIT_H
#define VX86_X64_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Host registers in encoding order. */
enum x64_reg {
    X64_RAX, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
};
#define X64_NOREG 0xff

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc), as the guest's. */
enum x64_cc {
    X64_CC_O, X64_CC_NO, X64_CC_B, X64_CC_AE, X64_CC_E, X64_CC_NE, X64_CC_BE, X64_CC_A,
    X64_CC_S, X64_CC_NS, X64_CC_P, X64_CC_NP, X64_CC_L, X64_CC_GE, X64_CC_LE, X64_CC_G,
};

/* The ALU group in its /digit order (80-83 /n, and op*8 for the r/m forms). */
enum x64_alu { X64_ADD, X64_OR, X64_ADC, X64_SBB, X64_AND, X64_SUB, X64_XOR, X64_CMP };
/* Group 2 (shifts and rotates) in /digit order. */
enum x64_shift { X64_ROL, X64_ROR, X64_RCL, X64_RCR, X64_SHL, X64_SHR, X64_SAL, X64_SAR };
/* Group 3 (F6/F7) in /digit order (TEST is /0, emitted by x64_test_*). */
enum x64_unary { X64_NOT = 2, X64_NEG, X64_MUL, X64_IMUL1, X64_DIV, X64_IDIV };
/* BT family: the /digit of 0F BA, and (digit-4)*8 + 0F A3 for the register forms. */
enum x64_bt { X64_BT = 4, X64_BTS, X64_BTR, X64_BTC };

/* A memory operand [base + index << scale + disp]. base == X64_NOREG is an
 * absolute disp32 (sign-extended); index == X64_NOREG has no index (RSP
 * cannot be an index). */
struct x64_mem {
    uint8_t base, index, scale; /* scale as a shift count 0..3 */
    int32_t disp;
};
#define X64_MEM(b, d) ((struct x64_mem){.base = (b), .index = X64_NOREG, .scale = 0, .disp = (d)})
#define X64_MEMX(b, i, s, d) ((struct x64_mem){.base = (b), .index = (i), .scale = (s), .disp = (d)})

/* A code buffer. Writing past `size` never happens: `overflow` is set and
 * further bytes are dropped; the caller checks it after emitting a unit
 * (a block) and retries elsewhere. `error` records misuse (an operand the
 * encoding cannot take, a rel8 out of range). */
struct x64_buf {
    uint8_t *code;  /* where the bytes are written (and, for rel32 calls, run) */
    uint32_t size;
    uint32_t pos;
    bool overflow;
    bool error;
};

void x64_init(struct x64_buf *b, void *code, uint32_t size);
static inline uint8_t *x64_here(const struct x64_buf *b) { return b->code + b->pos; }
static inline bool x64_ok(const struct x64_buf *b) { return !b->overflow && !b->error; }
void x64_byte(struct x64_buf *b, uint8_t v);
void x64_u32(struct x64_buf *b, uint32_t v);
void x64_u64(struct x64_buf *b, uint64_t v);
/* Multi-byte NOPs of `n` bytes in total; pad to a multiple of `align`. */
void x64_nop(struct x64_buf *b, unsigned n);
void x64_align(struct x64_buf *b, unsigned align);

/* --- moves (size 1, 2, 4, 8 bytes; 8-bit registers are the low bytes:
 * SPL BPL SIL DIL, never AH..BH) --- */
void x64_mov_rr(struct x64_buf *b, int size, int dst, int src);
void x64_mov_ri(struct x64_buf *b, int size, int dst, uint64_t imm); /* shortest form */
void x64_mov_rm(struct x64_buf *b, int size, int dst, struct x64_mem m); /* load */
void x64_mov_mr(struct x64_buf *b, int size, struct x64_mem m, int src); /* store */
void x64_mov_mi(struct x64_buf *b, int size, struct x64_mem m, int32_t imm);
/* Zero/sign extension from `ssize` (1, 2; 4 for movsxd) to `dsize` (2, 4, 8). */
void x64_movzx_rr(struct x64_buf *b, int dsize, int ssize, int dst, int src);
void x64_movzx_rm(struct x64_buf *b, int dsize, int ssize, int dst, struct x64_mem m);
void x64_movsx_rr(struct x64_buf *b, int dsize, int ssize, int dst, int src);
void x64_movsx_rm(struct x64_buf *b, int dsize, int ssize, int dst, struct x64_mem m);
void x64_lea(struct x64_buf *b, int size, int dst, struct x64_mem m);
void x64_xchg_rr(struct x64_buf *b, int size, int r1, int r2);
void x64_xchg_rm(struct x64_buf *b, int size, int r, struct x64_mem m);

/* --- arithmetic --- */
void x64_alu_rr(struct x64_buf *b, enum x64_alu op, int size, int dst, int src);
void x64_alu_ri(struct x64_buf *b, enum x64_alu op, int size, int dst, int32_t imm);
void x64_alu_rm(struct x64_buf *b, enum x64_alu op, int size, int dst, struct x64_mem m);
void x64_alu_mr(struct x64_buf *b, enum x64_alu op, int size, struct x64_mem m, int src);
void x64_alu_mi(struct x64_buf *b, enum x64_alu op, int size, struct x64_mem m, int32_t imm);
void x64_test_rr(struct x64_buf *b, int size, int r1, int r2);
void x64_test_ri(struct x64_buf *b, int size, int r, int32_t imm);
void x64_test_mi(struct x64_buf *b, int size, struct x64_mem m, int32_t imm);
void x64_inc_r(struct x64_buf *b, int size, int r);
void x64_dec_r(struct x64_buf *b, int size, int r);
void x64_inc_m(struct x64_buf *b, int size, struct x64_mem m);
void x64_dec_m(struct x64_buf *b, int size, struct x64_mem m);
void x64_unary_r(struct x64_buf *b, enum x64_unary op, int size, int r);
void x64_unary_m(struct x64_buf *b, enum x64_unary op, int size, struct x64_mem m);
void x64_shift_ri(struct x64_buf *b, enum x64_shift op, int size, int r, uint8_t count);
void x64_shift_rcl(struct x64_buf *b, enum x64_shift op, int size, int r); /* by CL */
void x64_shift_mi(struct x64_buf *b, enum x64_shift op, int size, struct x64_mem m,
                  uint8_t count);
void x64_imul_rr(struct x64_buf *b, int size, int dst, int src);  /* dst *= src */
void x64_imul_rm(struct x64_buf *b, int size, int dst, struct x64_mem m);
void x64_imul_rri(struct x64_buf *b, int size, int dst, int src, int32_t imm);
void x64_bt_rr(struct x64_buf *b, enum x64_bt op, int size, int r, int bit);
void x64_bt_ri(struct x64_buf *b, enum x64_bt op, int size, int r, uint8_t bit);
void x64_bswap(struct x64_buf *b, int size, int r); /* size 4 or 8 */
void x64_setcc(struct x64_buf *b, enum x64_cc cc, int r8);
void x64_cmovcc(struct x64_buf *b, enum x64_cc cc, int size, int dst, int src);
void x64_cmovcc_m(struct x64_buf *b, enum x64_cc cc, int size, int dst, struct x64_mem m);

/* --- stack and flags --- */
void x64_push(struct x64_buf *b, int r);
void x64_pop(struct x64_buf *b, int r);
void x64_pushf(struct x64_buf *b);
void x64_popf(struct x64_buf *b);
void x64_lahf(struct x64_buf *b);
void x64_sahf(struct x64_buf *b);

/* --- x87 (the host's FPU) --- */
/* ESC opcode D8-DF with ModRM /digit and a memory operand. */
void x64_x87_m(struct x64_buf *b, uint8_t esc, int digit, struct x64_mem m);
/* A register form: the ESC byte and its ModRM byte (C0-FF). */
void x64_x87_r(struct x64_buf *b, uint8_t esc, uint8_t modrm);
void x64_fnstsw_ax(struct x64_buf *b);
void x64_fnclex(struct x64_buf *b);
/* --- control flow. A forward jump returns the offset of its displacement
 * for x64_patch_rel*; x64_patch_* point it at the current position. --- */
uint32_t x64_jcc32(struct x64_buf *b, enum x64_cc cc);
uint32_t x64_jcc8(struct x64_buf *b, enum x64_cc cc);
uint32_t x64_jmp32(struct x64_buf *b);
uint32_t x64_jmp8(struct x64_buf *b);
uint32_t x64_jrcxz8(struct x64_buf *b); /* jump if RCX == 0: leaves the flags alone */
void x64_patch_rel32(struct x64_buf *b, uint32_t site); /* to here */
void x64_patch_rel8(struct x64_buf *b, uint32_t site);  /* to here; error if > 127 */
/* Jumps to a known position (backward or forward), shortest form. */
void x64_jcc_to(struct x64_buf *b, enum x64_cc cc, uint32_t target);
void x64_jmp_to(struct x64_buf *b, uint32_t target);
/* Jumps/calls to an absolute host address: rel32 when reachable from the
 * buffer's real address, else through `scratch` (mov scratch, imm64). */
void x64_jmp_abs(struct x64_buf *b, const void *target, int scratch);
void x64_call_abs(struct x64_buf *b, const void *target, int scratch);
void x64_call_r(struct x64_buf *b, int r);
void x64_jmp_r(struct x64_buf *b, int r);
void x64_jmp_m(struct x64_buf *b, struct x64_mem m);
void x64_ret(struct x64_buf *b);
void x64_ud2(struct x64_buf *b);

/* Patchable jump sites, retargeted while other code may be running on the
 * same thread only between blocks, but with one aligned store so that a
 * half-written jump is never seen.
 * x64_jmp_site: `jmp rel32` with its displacement 4-byte aligned; returns
 * the offset of the displacement. x64_set_jmp_site retargets it (the site
 * and target must be within +-2 GiB, true inside one code buffer).
 * x64_jmp_site64: `jmp [rip+0]` followed by an 8-byte aligned absolute
 * address; returns the offset of that address; x64_set_jmp_site64 stores
 * any 64-bit target. */
uint32_t x64_jmp_site(struct x64_buf *b);
void x64_set_jmp_site(uint8_t *disp_addr, const void *target);
/* Overwrite the (at least 5-byte) instruction at `at` with jmp rel32 to
 * `target`, while no thread runs it. */
void x64_set_jmp_at(uint8_t *at, const void *target);
uint32_t x64_jmp_site64(struct x64_buf *b, const void *target);
void x64_set_jmp_site64(uint8_t *slot_addr, const void *target);

#endif
