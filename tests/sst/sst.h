/* SingleStepTests 80286 harness: one hardware-captured test in memory, the
 * loader, the instruction peek used by the difference table, and the table. */
#ifndef VX86_SST_H
#define VX86_SST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;

/* Register order of the test files' "regs" objects. */
enum {
    SST_AX,
    SST_BX,
    SST_CX,
    SST_DX,
    SST_CS,
    SST_SS,
    SST_DS,
    SST_ES,
    SST_SP,
    SST_BP,
    SST_SI,
    SST_DI,
    SST_IP,
    SST_FLAGS,
    SST_NREGS
};
extern const char *const sst_reg_names[SST_NREGS];
#define SST_R(r) (1u << (r))

struct sst_ram {
    uint32_t addr; /* physical address (24 bits) */
    uint8_t val;
};

struct sst_test {
    int idx;           /* position in the upstream file */
    char name[64];     /* disassembly */
    uint8_t bytes[16]; /* instruction bytes incl. prefixes and the trailing HLT */
    int nbytes;
    uint16_t init[SST_NREGS];
    uint16_t fin[SST_NREGS]; /* expected final value (the initial one when not listed) */
    struct sst_ram *iram, *fram;
    int niram, nfram;
    int exc;            /* exception/interrupt vector taken, or -1 */
    uint32_t flag_addr; /* file's pushed-FLAGS address (unreliable: see sst_run.c) */
};

struct sst_form {
    char form[8];        /* "F6.6" */
    uint16_t flags_mask; /* metadata "flags-mask": 0xffff when no flag is undefined */
    char status[16];     /* metadata "status" */
    struct sst_test *tests;
    int ntests;
};

/* sst_load.c: read DIR/FORM.json.gz and the flags mask from metadata.json
 * (`meta` is the parsed metadata object, a cJSON pointer). 0 on success. */
int sst_load_form(const char *dir, const char *form, const void *meta, struct sst_form *out);
void sst_free_form(struct sst_form *f);
void *sst_load_metadata(const char *dir); /* cJSON *, NULL on failure */
void sst_free_metadata(void *meta);

/* sst_peek.c: what the difference table needs to know about an instruction. */
enum { SST_SEG_ES, SST_SEG_CS, SST_SEG_SS, SST_SEG_DS, SST_SEG_NONE = -1 };
struct sst_peek {
    int npfx;
    int seg_override; /* SST_SEG_* or SST_SEG_NONE */
    bool lock, rep, repne;
    uint8_t op;
    bool has_modrm, is_mem;
    uint8_t mod, reg, rm;
    int ea_seg;      /* segment of the ModRM memory operand (override applied) */
    uint16_t ea;     /* its offset, from the initial registers */
    int after_modrm; /* index in bytes[] of the first byte after ModRM+disp */
};
void sst_peek(const struct sst_test *t, struct sst_peek *p);
/* Segment of the access that faults first when the word access wraps at
 * offset 0xffff (ModRM operand, stack, or string source/destination). */
int sst_fault_seg(const struct sst_test *t);
/* Word string instruction (MOVSW CMPSW STOSW LODSW SCASW INSW OUTSW, REP or
 * not): the first iteration whose SI (source, read first) or DI (ES
 * destination) is 0xffff, with SI/DI/CX as they are when it starts. Returns
 * the faulting segment, SST_SEG_NONE if no iteration wraps. */
struct sst_string_fault {
    uint16_t si, di, cx;
};
int sst_string_fault(const struct sst_test *t, struct sst_string_fault *f);
/* Byte of initial RAM at `addr`, or -1 when the test does not list it. */
int sst_init_byte(const struct sst_test *t, uint32_t addr);

/* p6_differences.c: documented architectural differences P6 vs 80286. */
/* When several rows apply to a test, the larger kind wins (a #UD at decode
 * comes before anything the instruction would do). */
enum p6_diff_kind {
    P6_MASK,      /* compare everything but ignore_regs / ignore_flags */
    P6_VECTOR,    /* the P6 takes p6_vector where the 286 took t->exc; rest compared */
    P6_NO_FAULT,  /* the P6 executes where the 286 faulted: checked to reach the HLT with
                     the initial registers (but ignore_regs), memory not compared */
    P6_RAISES_UD, /* the P6 raises #UD where the 286 executes: only that is checked */
};
struct p6_difference {
    const char *forms;  /* space-separated forms, or "*" for every form */
    const char *reason; /* printed as "P6 differs: <reason>" */
    bool vx86_gap;      /* not the P6 but vx86 lacking a unit: "vx86 gap: <reason>" */
    enum p6_diff_kind kind;
    uint16_t ignore_flags;                     /* FLAGS bits not compared (final and pushed word) */
    uint16_t ignore_regs;                      /* SST_R() bits of registers not compared */
    int p6_vector;                             /* for P6_VECTOR */
    bool (*applies)(const struct sst_test *t); /* NULL: every test of the form */
    /* P6_MASK / P6_VECTOR: rewrite the expected final registers to the P6's
     * (so what differs is still checked exactly). NULL: none. */
    void (*adjust)(const struct sst_test *t, uint16_t fin[SST_NREGS]);
    /* P6_NO_FAULT: check what the P6's instruction did (segment registers,
     * memory); append differences to out and return false. NULL: none. */
    bool (*check)(const struct sst_test *t, const struct cpu *cpu, const uint8_t *ram, char *out,
                  size_t cap);
};
extern const struct p6_difference p6_differences[];
extern const int p6_difference_count;
bool p6_form_listed(const struct p6_difference *d, const char *form);

#endif
