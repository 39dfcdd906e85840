/* A tiny look at a test's 16-bit real-mode instruction (prefixes, ModRM,
 * effective address) so that the difference table can pick tests. Only the
 * one-byte 286 opcode map matters here; this is not the emulator's decoder. */
#include "sst.h"

/* One-byte opcodes of the 286 that take a ModRM byte. */
static bool has_modrm(uint8_t op)
{
    if (op < 0x40)
        return (op & 7) < 4;
    return op == 0x62 || op == 0x63 || op == 0x69 || op == 0x6b || (op >= 0x80 && op <= 0x8f) ||
           op == 0xc0 || op == 0xc1 || (op >= 0xc4 && op <= 0xc7) || (op >= 0xd0 && op <= 0xd3) ||
           (op >= 0xd8 && op <= 0xdf) || op == 0xf6 || op == 0xf7 || op == 0xfe || op == 0xff;
}

void sst_peek(const struct sst_test *t, struct sst_peek *p)
{
    const uint8_t *b = t->bytes;
    int i = 0;
    *p = (struct sst_peek){.seg_override = SST_SEG_NONE, .ea_seg = SST_SEG_NONE};
    for (; i < t->nbytes - 1; i++) {
        switch (b[i]) {
        case 0x26: p->seg_override = SST_SEG_ES; continue;
        case 0x2e: p->seg_override = SST_SEG_CS; continue;
        case 0x36: p->seg_override = SST_SEG_SS; continue;
        case 0x3e: p->seg_override = SST_SEG_DS; continue;
        case 0xf0: p->lock = true; continue;
        case 0xf2: p->repne = true; continue;
        case 0xf3: p->rep = true; continue;
        }
        break;
    }
    p->npfx = i;
    p->op = b[i++];
    p->after_modrm = i;
    if (!has_modrm(p->op) || i >= t->nbytes)
        return;
    uint8_t m = b[i++];
    p->has_modrm = true;
    p->mod = m >> 6;
    p->reg = (m >> 3) & 7;
    p->rm = m & 7;
    p->is_mem = p->mod != 3;
    if (!p->is_mem) {
        p->after_modrm = i;
        return;
    }
    const uint16_t *r = t->init;
    static const int base[8] = {SST_BX, SST_BX, SST_BP, SST_BP, -1, -1, SST_BP, SST_BX};
    static const int index[8] = {SST_SI, SST_DI, SST_SI, SST_DI, SST_SI, SST_DI, -1, -1};
    uint16_t ea = 0;
    bool bp_based = false;
    if (p->mod == 0 && p->rm == 6) {
        ea = (uint16_t)(b[i] | b[i + 1] << 8);
        i += 2;
    } else {
        if (base[p->rm] >= 0) {
            ea += r[base[p->rm]];
            bp_based = base[p->rm] == SST_BP;
        }
        if (index[p->rm] >= 0)
            ea += r[index[p->rm]];
        if (p->mod == 1)
            ea += (uint16_t)(int8_t)b[i++];
        else if (p->mod == 2) {
            ea += (uint16_t)(b[i] | b[i + 1] << 8);
            i += 2;
        }
    }
    p->ea = ea;
    p->ea_seg =
        p->seg_override != SST_SEG_NONE ? p->seg_override : (bp_based ? SST_SEG_SS : SST_SEG_DS);
    p->after_modrm = i;
}

int sst_string_fault(const struct sst_test *t, struct sst_string_fault *f)
{
    struct sst_peek p;
    sst_peek(t, &p);
    bool uses_si = p.op != 0xab && p.op != 0xaf && p.op != 0x6d;
    bool uses_di = p.op != 0xad && p.op != 0x6f;
    int src = p.seg_override != SST_SEG_NONE ? p.seg_override : SST_SEG_DS;
    int n = (p.rep || p.repne) ? t->init[SST_CX] : 1;
    int step = (t->init[SST_FLAGS] & 0x400) ? -2 : 2;
    uint16_t si = t->init[SST_SI], di = t->init[SST_DI];
    for (int k = 0; k < n; k++, si += step, di += step) {
        int seg = uses_si && si == 0xffff ? src : uses_di && di == 0xffff ? SST_SEG_ES : -1;
        if (seg != -1) {
            f->si = uses_si ? si : t->init[SST_SI];
            f->di = uses_di ? di : t->init[SST_DI];
            f->cx = (p.rep || p.repne) ? (uint16_t)(t->init[SST_CX] - k) : t->init[SST_CX];
            return seg;
        }
    }
    return SST_SEG_NONE;
}

int sst_fault_seg(const struct sst_test *t)
{
    struct sst_peek p;
    struct sst_string_fault f;
    sst_peek(t, &p);
    switch (p.op) {
    case 0x07:
    case 0x17:
    case 0x1f:
    case 0x58:
    case 0x59:
    case 0x5a:
    case 0x5b:
    case 0x5c:
    case 0x5d:
    case 0x5e:
    case 0x5f:
    case 0x61:
    case 0x9d:
    case 0xc2:
    case 0xc3:
    case 0xc9:
    case 0xca:
    case 0xcb:
    case 0xcf: return SST_SEG_SS; /* pops (LEAVE pops at SS:BP) */
    case 0x8f: return t->init[SST_SP] == 0xffff ? SST_SEG_SS : p.ea_seg;
    case 0xa5:
    case 0xa7:
    case 0xad:
    case 0x6f:
    case 0xab:
    case 0xaf:
    case 0x6d: return sst_string_fault(t, &f);
    case 0xd7: return p.seg_override != SST_SEG_NONE ? p.seg_override : SST_SEG_DS;
    }
    return p.has_modrm && p.is_mem ? p.ea_seg : SST_SEG_NONE;
}

int sst_init_byte(const struct sst_test *t, uint32_t addr)
{
    for (int i = 0; i < t->niram; i++)
        if (t->iram[i].addr == addr)
            return t->iram[i].val;
    return -1;
}
