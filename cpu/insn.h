/* A decoded instruction (cpu/decode.c fills it, the interpreter and later the
 * translator consume it) and the decode attributes of cpu/opcodes.def. */
#ifndef VX86_INSN_H
#define VX86_INSN_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/* Decode attributes of an opcode row (D_*), combinable. */
#define D_MODRM 0x0001   /* ModRM (+SIB, displacement) follows */
#define D_IB 0x0002      /* imm8 */
#define D_IW 0x0004      /* imm16 */
#define D_IZ 0x0008      /* imm16 or imm32 by operand size */
#define D_MOFFS 0x0010   /* memory offset, 16 or 32 bits by address size (A0-A3) */
#define D_PTR 0x0020     /* far pointer: imm16/32 offset then imm16 selector (9A, EA) */
#define D_REL8 0x0040    /* rel8 branch displacement (in imm) */
#define D_RELZ 0x0080    /* rel16/rel32 by operand size (in imm) */
#define D_IW_IB 0x0100   /* ENTER: imm16 then imm8 (imm2) */
#define D_GRP3_IMM 0x0200 /* F6/F7: an immediate only when ModRM.reg is 0 or 1 */
#define D_MEM_ONLY 0x0400 /* ModRM.mod == 3 is #UD (LEA, LDS, BOUND, ...) */
#define D_REG_ONLY 0x0800 /* ModRM always names a register (MOV CR/DR): mod ignored */
#define D_GROUP 0x1000   /* validity depends on ModRM.reg: see decode.c */
#define D_BYTE 0x2000    /* operates on bytes (informative: size comes from handler) */
#define D_PRIV 0x4000    /* privileged (CPL 0) - informative, the handler checks */
#define D_INVALID 0x8000 /* #UD on a P6 */

/* Flag masks for flag liveness (translator): F_R what is read, F_W written. */
#define FL_C 0x01
#define FL_P 0x04
#define FL_A 0x10
#define FL_Z 0x40
#define FL_S 0x80
#define FL_O 0x800
#define FL_D 0x400
#define FL_ALL (FL_C | FL_P | FL_A | FL_Z | FL_S | FL_O)
#define FL_SZAPC (FL_C | FL_P | FL_A | FL_Z | FL_S)
#define FL_NONE 0

/* Prefix bits in insn->prefix. */
#define PFX_LOCK 0x01
#define PFX_REP 0x02   /* F3 */
#define PFX_REPNE 0x04 /* F2 */
#define PFX_OPSIZE 0x08
#define PFX_ADSIZE 0x10
#define PFX_SEG 0x20   /* a segment override was given */

struct insn;
typedef void (*insn_handler)(struct cpu *cpu, const struct insn *in);

/* Opcode numbers: one-byte opcodes 0x000-0x0ff, 0F xx opcodes 0x100-0x1ff. */
#define OPC_0F 0x100

struct insn {
    uint16_t opcode;   /* 0x000..0x1ff */
    uint8_t len;       /* total length in bytes, prefixes included */
    uint8_t prefix;    /* PFX_* */
    uint8_t opsize;    /* 2 or 4 (operand size after 66) */
    uint8_t adsize;    /* 2 or 4 (address size after 67) */
    uint8_t seg;       /* effective segment of the memory operand (SEG_*), override applied;
                        SEG_NONE for a register ModRM; DS or the override without ModRM */
    uint8_t modrm;     /* raw ModRM byte */
    uint8_t mod, reg, rm; /* ModRM fields */
    bool has_modrm;
    bool is_mem;       /* ModRM names memory (mod != 3) */
    /* Memory operand: offset = base + index*scale + disp (masked to adsize).
     * base/index are register numbers or EA_NONE. */
    uint8_t ea_base, ea_index, ea_scale; /* scale as shift count 0..3 */
    uint32_t disp;
    uint32_t imm;      /* immediate, sign-extended where the opcode says (83, 6B, 6A, rel8) */
    uint32_t imm2;     /* second immediate: selector of a far pointer, ENTER's level */
    uint16_t flags;    /* D_* of the opcode row */
    insn_handler handler;
};
#define EA_NONE 0xff

/* Decoder results. */
enum {
    DEC_OK = 0,
    DEC_NEED_MORE = -1, /* ran out of bytes before the instruction ended */
    DEC_INVALID = -2,   /* #UD: undefined opcode or invalid form (len is still set when known) */
    DEC_TOO_LONG = -3,  /* more than 15 bytes: #GP(0) */
};

/* Decode one instruction from `buf` (`avail` bytes). `code32` is CS.D.
 * Returns DEC_*; on DEC_OK every field is set. */
int decode_insn(struct insn *in, const uint8_t *buf, int avail, bool code32);

/* Row of cpu/opcodes.def, by opcode (0x000..0x1ff). */
struct opcode_info {
    const char *name;  /* mnemonic form, e.g. "add Eb,Gb" */
    uint16_t dflags;   /* D_* */
    uint16_t fl_read, fl_write; /* FL_* */
    insn_handler handler;
};
extern const struct opcode_info opcode_table[0x200];

/* The unimplemented-handler sentinel: raises #UD and logs under -d unimp. */
void op_unimplemented(struct cpu *cpu, const struct insn *in);

#endif
