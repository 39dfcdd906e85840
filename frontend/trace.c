/* Instruction trace (-d cpu): before each instruction, CS:EIP, its bytes, the
 * Capstone disassembly in the current code size and a compact register dump.
 * Capstone is used only here and in tests, never on the hot path. */
#include <capstone/capstone.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "frontend/cli.h"
#include "mmu/memmap.h"

struct fe_trace {
    FILE *out;
    csh cs16, cs32;
    bool ok16, ok32;
};

struct fe_trace *fe_trace_create(FILE *out) {
    struct fe_trace *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->out = out;
    t->ok16 = cs_open(CS_ARCH_X86, CS_MODE_16, &t->cs16) == CS_ERR_OK;
    t->ok32 = cs_open(CS_ARCH_X86, CS_MODE_32, &t->cs32) == CS_ERR_OK;
    return t;
}

void fe_trace_destroy(struct fe_trace *t) {
    if (!t) return;
    if (t->ok16) cs_close(&t->cs16);
    if (t->ok32) cs_close(&t->cs32);
    free(t);
}

/* Read up to 15 code bytes at CS:EIP without side effects (no accessed bits,
 * no faults): paging through mmu_probe, physical through the memory map. */
static int peek_code(struct cpu *cpu, uint8_t *buf, int len) {
    uint32_t lin = cpu->seg[SEG_CS].base + cpu->eip;
    for (int i = 0; i < len; i++) {
        uint64_t phys = (uint32_t)(lin + i);
        if (cpu->cr0 & CR0_PG) {
            if (!mmu_probe(cpu, lin + i, &phys)) return i;
        }
        buf[i] = (uint8_t)memmap_read(cpu->mem, phys & cpu->a20_mask, 1);
    }
    return len;
}

void fe_trace_format(struct fe_trace *t, struct cpu *cpu, char *buf, size_t len) {
    uint8_t code[15];
    int n = peek_code(cpu, code, sizeof code);
    bool ok = cpu->code32 ? t->ok32 : t->ok16;
    csh h = cpu->code32 ? t->cs32 : t->cs16;
    cs_insn *ci = NULL;
    size_t count = ok && n ? cs_disasm(h, code, (size_t)n, cpu->eip, 1, &ci) : 0;
    int ilen = count ? (int)ci->size : (n < 1 ? n : 1);

    char bytes[3 * 15 + 1] = "";
    for (int i = 0; i < ilen; i++)
        snprintf(bytes + 3 * i, sizeof bytes - 3 * i, "%02x ", code[i]);
    char dis[200];
    if (count)
        snprintf(dis, sizeof dis, "%s%s%s", ci->mnemonic, ci->op_str[0] ? " " : "", ci->op_str);
    else
        snprintf(dis, sizeof dis, n ? "(bad)" : "(unreadable)");
    if (ci) cs_free(ci, count);

    snprintf(buf, len,
             "%04x:%08x %-24s %-32s EAX=%08x ECX=%08x EDX=%08x EBX=%08x ESP=%08x EBP=%08x "
             "ESI=%08x EDI=%08x EFL=%08x CPL=%d",
             cpu->seg[SEG_CS].sel, cpu->eip, bytes, dis, (uint32_t)cpu->gpr[R_EAX],
             (uint32_t)cpu->gpr[R_ECX], (uint32_t)cpu->gpr[R_EDX], (uint32_t)cpu->gpr[R_EBX],
             (uint32_t)cpu->gpr[R_ESP], (uint32_t)cpu->gpr[R_EBP], (uint32_t)cpu->gpr[R_ESI],
             (uint32_t)cpu->gpr[R_EDI], cpu_get_eflags(cpu), cpu->cpl);
}

void fe_trace_insn(struct fe_trace *t, struct cpu *cpu) {
    char line[512];
    fe_trace_format(t, cpu, line, sizeof line);
    fprintf(t->out, "%s\n", line);
}
