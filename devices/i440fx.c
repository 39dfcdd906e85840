/* i440FX host bridge (Intel 82441FX PMC datasheet, 290549): identity, the
 * seven PAM registers that route 0xC0000-0xFFFFF reads and writes to DRAM or
 * to ROM/PCI independently, and SMRAM control kept as storage. */
#include "devices/i440fx.h"

#include <stdlib.h>
#include <string.h>

#include "devices/machine.h"
#include "devices/pci.h"
#include "devices/vmstate.h"
#include "mmu/codepages.h"
#include "mmu/memmap.h"

#define SMRAM_DEFAULT 0x02 /* C_BASE_SEG = 010: SMRAM at 0xA0000 */
#define SMRAM_D_OPEN  0x40
#define SMRAM_D_CLS   0x20
#define SMRAM_D_LCK   0x10
#define SMRAM_WMASK   0x78 /* D_OPEN, D_CLS, D_LCK, G_SMRAME; C_BASE_SEG is fixed */

struct pam_seg {
    struct i440fx *h;
    uint32_t base, size;
    uint8_t *ram;      /* DRAM behind the segment */
    uint8_t *rom;      /* firmware alias here, or NULL (the PCI bus: all ones) */
    int applied;       /* mode mapped now, -1 = none yet */
    const void *owner; /* what backs the mapped region (memmap_remove_owned) */
};

struct i440fx {
    struct machine *m;
    struct pci_device *dev;
    struct pam_seg seg[I440FX_NUM_PAM_SEGS];
    struct vmstate vs;
};

/* Segment i: 0 is 0xF0000-0xFFFFF (PAM0 bits 5:4); 1-12 are the 16 KiB
 * pieces from 0xC0000, two per register from PAM1 (low nibble first). */
static int seg_reg(int i)
{
    return i == 0 ? I440FX_PAM0 : I440FX_PAM0 + 1 + (i - 1) / 2;
}
static int seg_shift(int i)
{
    return i == 0 ? 4 : ((i - 1) & 1) * 4;
}

static int seg_mode(const struct i440fx *h, int i)
{
    const uint8_t *cfg = pci_config(h->dev);
    return (cfg[seg_reg(i)] >> seg_shift(i)) & 3;
}

int i440fx_pam_mode(const struct i440fx *h, uint32_t addr)
{
    for (int i = 0; i < I440FX_NUM_PAM_SEGS; i++)
        if (addr >= h->seg[i].base && addr < h->seg[i].base + h->seg[i].size)
            return seg_mode(h, i);
    return -1;
}

/* "Write DRAM, read ROM" (WE without RE) splits each access: reads from the
 * ROM/PCI side, writes to DRAM. SeaBIOS never uses it, but an OS may. */
static uint32_t pam_split_read(void *opaque, uint32_t offset, int size)
{
    struct pam_seg *s = opaque;
    if (!s->rom)
        return 0xffffffffu >> (32 - 8 * size);
    uint32_t v = 0;
    memcpy(&v, s->rom + offset, size);
    return v;
}

static void pam_split_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct pam_seg *s = opaque;
    memcpy(s->ram + offset, &value, size);
    /* A raw write to guest RAM: cached code there is stale now. */
    codepage_written(memmap_codepages(machine_memmap(s->h->m)), s->base + offset, (uint64_t)size);
}

static const struct io_ops pam_split_ops = {pam_split_read, pam_split_write, 0};

static void pam_apply(struct i440fx *h, bool force)
{
    struct memmap *mem = machine_memmap(h->m);
    for (int i = 0; i < I440FX_NUM_PAM_SEGS; i++) {
        struct pam_seg *s = &h->seg[i];
        int mode = seg_mode(h, i);
        if (mode == s->applied && !force)
            continue;
        if (s->owner)
            memmap_remove_owned(mem, s->base, s->owner);
        s->applied = mode;
        s->owner = NULL;
        switch (mode) {
        case 0: /* everything to ROM/PCI: ROM writes are dropped */
            if (s->rom)
                memmap_add_ram(mem, s->base, s->size, s->rom, true);
            s->owner = s->rom;
            break;
        case I440FX_PAM_RE: /* read DRAM, writes go to ROM/PCI (dropped) */
            memmap_add_ram(mem, s->base, s->size, s->ram, true);
            s->owner = s->ram;
            break;
        case I440FX_PAM_WE:
            memmap_add_mmio(mem, s->base, s->size, &pam_split_ops, s);
            s->owner = s;
            break;
        default: /* read and write DRAM: the shadow */
            memmap_add_ram(mem, s->base, s->size, s->ram, false);
            s->owner = s->ram;
            break;
        }
    }
}

static void i440fx_config_write(void *opaque, struct pci_device *d, uint32_t addr, uint32_t value,
                                int size)
{
    struct i440fx *h = opaque;
    (void)value;
    uint8_t *cfg = pci_config(d);
    if (addr < I440FX_PAM0 + 7 && addr + size > I440FX_PAM0)
        pam_apply(h, false);
    if (addr <= I440FX_SMRAM && addr + size > I440FX_SMRAM && (cfg[I440FX_SMRAM] & SMRAM_D_LCK)) {
        /* D_LCK (3.2.22): closes D_OPEN and freezes the register but D_CLS
         * until the next reset. */
        cfg[I440FX_SMRAM] &= ~SMRAM_D_OPEN;
        pci_wmask(d)[I440FX_SMRAM] = SMRAM_D_CLS;
    }
}

static void i440fx_reset(void *opaque)
{
    struct i440fx *h = opaque;
    uint8_t *cfg = pci_config(h->dev);
    memset(cfg + I440FX_PAM0, 0, 7);
    cfg[I440FX_SMRAM] = SMRAM_DEFAULT;
    pci_wmask(h->dev)[I440FX_SMRAM] = SMRAM_WMASK;
    pam_apply(h, false);
}

static int i440fx_post_load(void *opaque)
{
    struct i440fx *h = opaque;
    uint8_t *cfg = pci_config(h->dev);
    pci_wmask(h->dev)[I440FX_SMRAM] = (cfg[I440FX_SMRAM] & SMRAM_D_LCK) ? SMRAM_D_CLS : SMRAM_WMASK;
    pam_apply(h, false);
    return 0;
}

struct i440fx *i440fx_create(struct pci_bus *b, uint8_t *bios_alias, size_t bios_alias_size)
{
    struct i440fx *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->m = pci_bus_machine(b);
    h->dev = pci_device_create(b, PCI_DEVFN(0, 0), 0x8086, 0x1237, 0x02, 0x060000, "i440fx");
    if (!h->dev) {
        free(h);
        return NULL;
    }
    uint8_t *ram = machine_ram(h->m);
    uint32_t alias_base = 0x100000u - (uint32_t)bios_alias_size;
    for (int i = 0; i < I440FX_NUM_PAM_SEGS; i++) {
        struct pam_seg *s = &h->seg[i];
        s->h = h;
        s->base = i == 0 ? 0xf0000u : 0xc0000u + (uint32_t)(i - 1) * 0x4000u;
        s->size = i == 0 ? 0x10000u : 0x4000u;
        s->ram = ram + s->base;
        s->rom = bios_alias && s->base >= alias_base ? bios_alias + (s->base - alias_base) : NULL;
        s->applied = -1;
    }
    uint8_t *wm = pci_wmask(h->dev);
    wm[I440FX_PAM0] = 0x30; /* PAM0 bits 3:0 are reserved */
    memset(wm + I440FX_PAM0 + 1, 0xff, 6);
    struct pci_config_hooks hooks = {.write = i440fx_config_write, .opaque = h};
    pci_set_config_hooks(h->dev, &hooks);

    /* The bridge decodes 0xC0000-0xFFFFF from now on: drop the fixed ROM
     * alias the minimal machine mapped (bios/rom.c) and map every segment. */
    if (bios_alias_size)
        memmap_remove_owned(machine_memmap(h->m), alias_base, bios_alias);
    pci_config(h->dev)[I440FX_SMRAM] = SMRAM_DEFAULT;
    wm[I440FX_SMRAM] = SMRAM_WMASK;
    pam_apply(h, true);

    h->vs = (struct vmstate){"i440fx", 1, NULL, 0, i440fx_post_load};
    machine_register_state(h->m, &h->vs, h);
    machine_register_reset(h->m, i440fx_reset, h);
    return h;
}

void i440fx_destroy(struct i440fx *h)
{
    free(h);
}
const struct vmstate *i440fx_vmstate(struct i440fx *h)
{
    return &h->vs;
}
struct pci_device *i440fx_pci(struct i440fx *h)
{
    return h->dev;
}
