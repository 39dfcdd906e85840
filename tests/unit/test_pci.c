/* The PCI bus through its ports: configuration mechanism #1 (dword address
 * register, byte/word/dword data), read-only and writable bits, BAR sizing
 * and decoding of I/O, MMIO, host-memory and expansion-ROM BARs, INTx ->
 * PIRQ -> ISA IRQ through the PIIX3, the 0xCF9 reset, saved state. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "devices/i440fx.h"
#include "devices/machine.h"
#include "devices/pci.h"
#include "devices/piix3.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define ROM_SIZE (64u << 10)

struct toy {
    uint32_t last_off, last_val;
    int reads, writes;
};

static uint32_t toy_read(void *opaque, uint32_t off, int size)
{
    struct toy *t = opaque;
    t->reads++;
    t->last_off = off;
    (void)size;
    return off; /* the offset the device saw */
}

static void toy_write(void *opaque, uint32_t off, uint32_t v, int size)
{
    struct toy *t = opaque;
    (void)size;
    t->writes++;
    t->last_off = off;
    t->last_val = v;
}

static const struct io_ops toy_ops = {toy_read, toy_write, 0};

struct irqs {
    int level[16];
    int changes;
};

static void irq_rec(void *opaque, int n, bool level)
{
    struct irqs *r = opaque;
    r->level[n] = level;
    r->changes++;
}

struct rig {
    int unimp_msgs; /* -d unimp messages seen */
    struct machine *m;
    struct ioport_map *io;
    struct memmap *mem;
    struct pci_bus *bus;
    struct i440fx *host;
    struct piix3 *isa;
    struct pci_device *dev;
    struct toy io_toy, mmio_toy;
    uint8_t ram_bar[0x10000];
    struct irqs irqs;
};

/* A ROM whose reset vector writes 0x06 to 0xCF9 (reset) then spins:
 * mov dx,0xcf9; mov al,6; out dx,al; jmp $ */
static const uint8_t cf9_code[] = {0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee, 0xeb, 0xfe};

static void count_log(void *opaque, const char *category, const char *fmt, va_list ap)
{
    struct rig *r = opaque;
    (void)fmt, (void)ap;
    if (!strcmp(category, "unimp"))
        r->unimp_msgs++;
}

static void rig_init_run(struct rig *r, uint64_t max_insns)
{
    memset(r, 0, sizeof *r);
    uint8_t *rom = malloc(ROM_SIZE);
    memset(rom, 0xf4, ROM_SIZE);
    memcpy(rom + ROM_SIZE - 16, cf9_code, sizeof cf9_code);
    struct machine_config cfg = {.ram_size = 16u << 20,
                                 .bios = rom,
                                 .bios_size = ROM_SIZE,
                                 .max_insns = max_insns,
                                 .log_mask = CPU_LOG_UNIMP,
                                 .hook_opaque = r,
                                 .log_fn = count_log};
    char err[256];
    r->m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    free(rom);
    r->io = machine_ioport(r->m);
    r->mem = machine_memmap(r->m);
    r->bus = pci_bus_create(r->m);
    r->host = i440fx_create(r->bus, NULL, 0);
    struct irq_line lines[16];
    for (int i = 0; i < 16; i++)
        lines[i] = (struct irq_line){irq_rec, &r->irqs, i};
    r->isa = piix3_create(r->bus, lines, NULL);
    r->dev = pci_device_create(r->bus, PCI_DEVFN(3, 0), 0x1234, 0x5678, 7, 0x020000, "toy");
    ck_assert_ptr_nonnull(r->dev);
    pci_register_bar(
        r->dev, 0,
        &(struct pci_bar){.size = 16, .flags = PCI_BAR_IO, .ops = &toy_ops, .opaque = &r->io_toy});
    pci_register_bar(
        r->dev, 1,
        &(struct pci_bar){
            .size = 0x1000, .flags = PCI_BAR_MEM, .ops = &toy_ops, .opaque = &r->mmio_toy});
    pci_register_bar(r->dev, 2,
                     &(struct pci_bar){.size = sizeof r->ram_bar,
                                       .flags = PCI_BAR_MEM | PCI_BAR_PREFETCH,
                                       .host = r->ram_bar});
    pci_set_interrupt_pin(r->dev, 1);
}

static void rig_init(struct rig *r)
{
    rig_init_run(r, 0);
}

static void rig_free(struct rig *r)
{
    piix3_destroy(r->isa);
    i440fx_destroy(r->host);
    pci_bus_destroy(r->bus);
    machine_destroy(r->m);
}

static void cfg_addr(struct rig *r, int devfn, int reg)
{
    ioport_write(r->io, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
}
static uint32_t cfg_read(struct rig *r, int devfn, int reg, int size)
{
    cfg_addr(r, devfn, reg);
    return ioport_read(r->io, 0xcfc + (reg & 3), size);
}
static void cfg_write(struct rig *r, int devfn, int reg, uint32_t v, int size)
{
    cfg_addr(r, devfn, reg);
    ioport_write(r->io, 0xcfc + (reg & 3), v, size);
}

START_TEST(mechanism1_identity)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(cfg_read(&r, 0, 0, 4), 0x12378086);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 0), 0, 4), 0x70008086);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(3, 0), 0, 4), 0x56781234);
    /* Word and byte reads at 0xCFC-0xCFF pick the bytes of the dword. */
    ck_assert_uint_eq(cfg_read(&r, 0, 2, 2), 0x1237);
    ck_assert_uint_eq(cfg_read(&r, 0, 3, 1), 0x12);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(3, 0), 0x0b, 1), 0x02); /* class */
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(3, 0), 0x08, 1), 7);    /* revision */
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 0), 0x0e, 1), 0x80); /* multi-function */
    /* QEMU's subsystem ids (SeaBIOS's qemu_detect()). */
    ck_assert_uint_eq(cfg_read(&r, 0, 0x2c, 4), 0x11001af4);
    /* Empty slots and other buses: master abort, all ones. */
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(9, 0), 0, 4), 0xffffffffu);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(9, 0), 0, 2), 0xffff);
    ioport_write(r.io, 0xcf8, 0x80010000u, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xcfc, 4), 0xffffffffu);
    /* Enable bit clear: no config cycle. */
    ioport_write(r.io, 0xcf8, 0x00000000u, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xcfc, 4), 0xffffffffu);
    /* The address register reads back without its reserved bits. */
    ioport_write(r.io, 0xcf8, 0xff00ab57u, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xcf8, 4), 0x8000ab54u);
    rig_free(&r);
}
END_TEST

START_TEST(read_only_and_writable_bits)
{
    struct rig r;
    rig_init(&r);
    int d = PCI_DEVFN(3, 0);
    cfg_write(&r, d, 0, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(&r, d, 0, 4), 0x56781234); /* ids are read-only */
    cfg_write(&r, d, 0x3c, 0xffff, 2);
    ck_assert_uint_eq(cfg_read(&r, d, 0x3c, 1), 0xff); /* interrupt line: storage */
    ck_assert_uint_eq(cfg_read(&r, d, 0x3d, 1), 1);    /* pin: read-only INTA# */
    cfg_write(&r, d, 4, 0xffff, 2);
    ck_assert_uint_eq(cfg_read(&r, d, 4, 2), 0x0407); /* IO|MEM|MASTER|INTX_DISABLE */
    /* A byte write at 0xCFD changes only that byte. */
    cfg_write(&r, d, 0x3c, 0x0b, 4);
    cfg_write(&r, d, 0x0d, 0x40, 1);
    ck_assert_uint_eq(cfg_read(&r, d, 0x0c, 2), 0x4000);
    rig_free(&r);
}
END_TEST

START_TEST(bar_sizing)
{
    struct rig r;
    rig_init(&r);
    int d = PCI_DEVFN(3, 0);
    ck_assert_uint_eq(cfg_read(&r, d, 0x10, 4), 0x1); /* I/O type bit */
    ck_assert_uint_eq(cfg_read(&r, d, 0x18, 4), 0x8); /* prefetchable memory */
    for (int bar = 0; bar < 6; bar++)
        cfg_write(&r, d, 0x10 + 4 * bar, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(&r, d, 0x10, 4), 0xfffffff1u); /* 16 ports */
    ck_assert_uint_eq(cfg_read(&r, d, 0x14, 4), 0xfffff000u); /* 4 KiB */
    ck_assert_uint_eq(cfg_read(&r, d, 0x18, 4), 0xffff0008u); /* 64 KiB, prefetch */
    ck_assert_uint_eq(cfg_read(&r, d, 0x1c, 4), 0);           /* unimplemented BAR */
    /* Sizing with decoding on must not map the all-ones address. */
    cfg_write(&r, d, 4, 3, 2);
    ck_assert(pci_bar_addr(r.dev, 0) == PCI_BAR_UNMAPPED);
    ck_assert(pci_bar_addr(r.dev, 1) == PCI_BAR_UNMAPPED);
    /* Address bits below the size are hard-wired to zero. */
    cfg_write(&r, d, 0x14, 0xfeb01234u, 4);
    ck_assert_uint_eq(cfg_read(&r, d, 0x14, 4), 0xfeb01000u);
    rig_free(&r);
}
END_TEST

START_TEST(io_bar_decoding)
{
    struct rig r;
    rig_init(&r);
    int d = PCI_DEVFN(3, 0);
    cfg_write(&r, d, 0x10, 0xc000, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xc004, 1), 0xff); /* command.IO still 0 */
    ck_assert_int_eq(r.io_toy.reads, 0);
    cfg_write(&r, d, 4, PCI_COMMAND_IO, 2);
    ck_assert_uint_eq(pci_bar_addr(r.dev, 0), 0xc000);
    ck_assert_uint_eq(ioport_read(r.io, 0xc004, 1), 4);
    ck_assert_uint_eq(r.io_toy.last_off, 4);
    ioport_write(r.io, 0xc00f, 0x99, 1);
    ck_assert_uint_eq(r.io_toy.last_off, 15);
    ck_assert_uint_eq(r.io_toy.last_val, 0x99);
    /* Moving the BAR frees the old ports. */
    cfg_write(&r, d, 0x10, 0xc100, 4);
    int before = r.io_toy.reads;
    ck_assert_uint_eq(ioport_read(r.io, 0xc004, 1), 0xff);
    ck_assert_int_eq(r.io_toy.reads, before);
    ioport_read(r.io, 0xc102, 2);
    ck_assert_uint_eq(r.io_toy.last_off, 2);
    /* A BAR over a legacy device's ports hides them while decoded and
     * gives them back when it moves away. */
    struct toy legacy = {0};
    ioport_register(r.io, 0xd000, 8, &toy_ops, &legacy);
    cfg_write(&r, d, 0x10, 0xd000, 4);
    ioport_read(r.io, 0xd003, 1);
    ck_assert_int_eq(legacy.reads, 0);
    cfg_write(&r, d, 0x10, 0xc100, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xd003, 1), 3);
    ck_assert_int_eq(legacy.reads, 1);
    /* Moving a BAR many times does not use up the port map. */
    for (int i = 0; i < 70000; i++)
        cfg_write(&r, d, 0x10, i & 1 ? 0xc200 : 0xc300, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xc202, 1), 2); /* the last (odd) move */
    ck_assert_uint_eq(ioport_read(r.io, 0xc302, 1), 0xff);
    ck_assert_uint_eq(ioport_read(r.io, 0xd003, 1), 3);
    cfg_write(&r, d, 0x10, 0xc100, 4);
    /* Turning I/O decoding off unmaps it. */
    cfg_write(&r, d, 4, 0, 2);
    ck_assert(pci_bar_addr(r.dev, 0) == PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(ioport_read(r.io, 0xc102, 2), 0xffff);
    rig_free(&r);
}
END_TEST

START_TEST(memory_bar_decoding)
{
    struct rig r;
    rig_init(&r);
    int d = PCI_DEVFN(3, 0);
    cfg_write(&r, d, 0x14, 0xfeb00000u, 4);
    cfg_write(&r, d, 0x18, 0xfd000000u, 4);
    cfg_write(&r, d, 4, PCI_COMMAND_IO, 2); /* memory decoding still off */
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb00010u, 4), 0xffffffffu);
    cfg_write(&r, d, 4, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb00010u, 1), 0x10);
    ck_assert_uint_eq(r.mmio_toy.last_off, 0x10);
    memmap_write(r.mem, 0xfeb00ffcu, 0xabcd, 2);
    ck_assert_uint_eq(r.mmio_toy.last_off, 0xffc);
    ck_assert_uint_eq(r.mmio_toy.last_val, 0xabcd);
    /* The host-memory BAR is RAM at its address. */
    memmap_write(r.mem, 0xfd000100u, 0x11223344u, 4);
    ck_assert_uint_eq(r.ram_bar[0x100], 0x44);
    ck_assert_uint_eq(r.ram_bar[0x103], 0x11);
    r.ram_bar[0xfffe] = 0x77;
    ck_assert_uint_eq(memmap_read(r.mem, 0xfd00fffeu, 1), 0x77);
    /* Move it. */
    cfg_write(&r, d, 0x18, 0xfc000000u, 4);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfd00fffeu, 1), 0xff);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfc00fffeu, 1), 0x77);
    cfg_write(&r, d, 4, 0, 2);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfc00fffeu, 1), 0xff);
    /* A BAR placed over RAM hides it while decoded; unmapping it gives
     * the RAM back (the RAM region starting at 1 MiB is not removed). */
    machine_ram(r.m)[0x100010] = 0x3c;
    cfg_write(&r, d, 0x14, 0x100000u, 4);
    cfg_write(&r, d, 4, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(memmap_read(r.mem, 0x100010u, 1), 0x10);
    cfg_write(&r, d, 4, 0, 2);
    ck_assert_uint_eq(memmap_read(r.mem, 0x100010u, 1), 0x3c);
    ck_assert_uint_eq(memmap_read(r.mem, 0x200000u, 1), 0);
    rig_free(&r);
}
END_TEST

START_TEST(bar_64bit)
{
    struct rig r;
    rig_init(&r);
    struct toy t = {0};
    struct pci_device *d64 =
        pci_device_create(r.bus, PCI_DEVFN(4, 0), 0x1af4, 0x1041, 1, 0x020000, "wide");
    pci_register_bar(d64, 4,
                     &(struct pci_bar){.size = 0x4000,
                                       .flags = PCI_BAR_MEM | PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
                                       .ops = &toy_ops,
                                       .opaque = &t});
    int d = PCI_DEVFN(4, 0);
    ck_assert_uint_eq(cfg_read(&r, d, 0x20, 4), 0xc); /* 64-bit prefetchable */
    cfg_write(&r, d, 0x20, 0xffffffffu, 4);
    cfg_write(&r, d, 0x24, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(&r, d, 0x20, 4), 0xffffc00cu);
    ck_assert_uint_eq(cfg_read(&r, d, 0x24, 4), 0xffffffffu);
    /* Above 4 GiB. */
    cfg_write(&r, d, 0x20, 0x00004000u, 4);
    cfg_write(&r, d, 0x24, 0x00000008u, 4);
    cfg_write(&r, d, 4, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(pci_bar_addr(d64, 4), 0x800004000ull);
    ck_assert_uint_eq(memmap_read(r.mem, 0x800004020ull, 1), 0x20);
    ck_assert_uint_eq(t.last_off, 0x20);
    /* Moving the high half moves the region. */
    cfg_write(&r, d, 0x24, 0, 4);
    ck_assert_uint_eq(pci_bar_addr(d64, 4), 0x4000);
    ck_assert_uint_eq(memmap_read(r.mem, 0x800004020ull, 1), 0xff);
    rig_free(&r);
}
END_TEST

START_TEST(expansion_rom_bar)
{
    struct rig r;
    rig_init(&r);
    int d = PCI_DEVFN(3, 0);
    uint8_t image[3000];
    for (size_t i = 0; i < sizeof image; i++)
        image[i] = (uint8_t)(i * 7 + 1);
    image[0] = 0x55, image[1] = 0xaa;
    pci_register_rom(r.dev, image, sizeof image);
    cfg_write(&r, d, 0x30, 0xfffffffeu, 4);
    ck_assert_uint_eq(cfg_read(&r, d, 0x30, 4), 0xfffff000u); /* 4 KiB (padded) */
    cfg_write(&r, d, 0x30, 0xfeb40000u, 4);                   /* enable bit clear */
    cfg_write(&r, d, 4, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb40000u, 2), 0xffff);
    cfg_write(&r, d, 0x30, 0xfeb40001u, 4);
    ck_assert_uint_eq(pci_bar_addr(r.dev, PCI_ROM_SLOT), 0xfeb40000u);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb40000u, 2), 0xaa55);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb40000u + 2999, 1), image[2999]);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb40000u + 3000, 1), 0); /* padding */
    memmap_write(r.mem, 0xfeb40000u, 0, 2);                          /* read-only */
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb40000u, 2), 0xaa55);
    cfg_write(&r, d, 0x30, 0xfeb40000u, 4);
    ck_assert_uint_eq(memmap_read(r.mem, 0xfeb40000u, 2), 0xffff);
    rig_free(&r);
}
END_TEST

START_TEST(intx_routing)
{
    struct rig r;
    rig_init(&r);
    int d = PCI_DEVFN(3, 0), isa = PCI_DEVFN(1, 0);
    /* Slot 3, INTA# -> PIRQ (3 + 0) & 3 = PIRQD, routed by register 0x63. */
    ck_assert_int_eq(pci_device_pirq(r.dev), 3);
    ck_assert_uint_eq(cfg_read(&r, isa, 0x60, 4), 0x80808080u); /* all disabled at reset */
    pci_set_irq(r.dev, true);
    ck_assert_int_eq(r.irqs.changes, 0); /* not routed yet */
    ck_assert_uint_eq(cfg_read(&r, d, 6, 1) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
    cfg_write(&r, isa, 0x63, 11, 1);
    ck_assert_int_eq(r.irqs.level[11], 1);
    /* INTx disable masks the pin. */
    cfg_write(&r, d, 4, PCI_COMMAND_INTX_DISABLE, 2);
    ck_assert_int_eq(r.irqs.level[11], 0);
    cfg_write(&r, d, 4, 0, 2);
    ck_assert_int_eq(r.irqs.level[11], 1);
    /* Re-routing moves the level. */
    cfg_write(&r, isa, 0x63, 10, 1);
    ck_assert_int_eq(r.irqs.level[11], 0);
    ck_assert_int_eq(r.irqs.level[10], 1);
    /* A second function sharing PIRQD: the line stays up until both drop. */
    struct pci_device *d2 =
        pci_device_create(r.bus, PCI_DEVFN(7, 0), 0x1234, 0x1, 0, 0xff0000, "toy2");
    pci_set_interrupt_pin(d2, 1); /* (7 + 0) & 3 = 3: PIRQD too */
    pci_set_irq(d2, true);
    pci_set_irq(r.dev, false);
    ck_assert_int_eq(r.irqs.level[10], 1);
    pci_set_irq(d2, false);
    ck_assert_int_eq(r.irqs.level[10], 0);
    /* Disabled routing. */
    pci_set_irq(r.dev, true);
    cfg_write(&r, isa, 0x63, 0x8a, 1);
    ck_assert_int_eq(r.irqs.level[10], 0);
    rig_free(&r);
}
END_TEST

START_TEST(cf9_resets_and_cf8_dword_only)
{
    struct rig r;
    rig_init_run(&r, 200);
    /* A dword at 0xCF8 is the address register, not the reset register. */
    ioport_write(r.io, 0xcf8, 0x80000000u, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xcf9, 1), 0);
    ioport_write(r.io, 0xcf9, PIIX3_RCR_SRST, 1);
    ck_assert_uint_eq(ioport_read(r.io, 0xcf9, 1), PIIX3_RCR_SRST);
    ck_assert_uint_eq(ioport_read(r.io, 0xcf8, 4), 0x80000000u);
    ioport_write(r.io, 0xcf9, 0, 1);
    /* The ROM writes 6 to 0xCF9: the machine resets (and again, and again). */
    ck_assert_uint_eq(machine_reset_count(r.m), 0);
    ck_assert_int_eq(machine_run(r.m), 0); /* max_insns reached */
    ck_assert_uint_ge(machine_reset_count(r.m), 2);
    rig_free(&r);
}
END_TEST

START_TEST(device_state_round_trip)
{
    struct rig r;
    rig_init(&r);
    int d = PCI_DEVFN(3, 0);
    cfg_write(&r, d, 0x10, 0xc000, 4);
    cfg_write(&r, d, 4, PCI_COMMAND_IO, 2);
    const struct vmstate *vs = pci_device_vmstate(r.dev);
    uint8_t buf[1024];
    size_t n = vmstate_save(vs, r.dev, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    cfg_write(&r, d, 4, 0, 2);
    cfg_write(&r, d, 0x10, 0xd000, 4);
    ck_assert_uint_eq(ioport_read(r.io, 0xc001, 1), 0xff);
    ck_assert_int_eq(vmstate_load(vs, r.dev, buf, n), 0);
    /* post_load re-derives the decoding. */
    ck_assert_uint_eq(cfg_read(&r, d, 0x10, 4), 0xc001);
    ck_assert_uint_eq(pci_bar_addr(r.dev, 0), 0xc000);
    ck_assert_uint_eq(ioport_read(r.io, 0xc001, 1), 0x01);
    rig_free(&r);
}
END_TEST

START_TEST(odd_accesses_logged_once)
{
    struct rig r;
    rig_init(&r);
    ck_assert_int_eq(r.unimp_msgs, 0);
    /* Narrow accesses to the address register: ignored, logged once. */
    cfg_addr(&r, 0, 0);
    ioport_write(r.io, 0xcfa, 0x1234, 2);
    ioport_write(r.io, 0xcf8, 0x00, 1);
    ck_assert_uint_eq(ioport_read(r.io, 0xcf8, 4), 0x80000000u);
    ck_assert_uint_eq(ioport_read(r.io, 0xcfa, 2), 0xffff);
    ck_assert_int_eq(r.unimp_msgs, 1);
    /* Bus 1 and an unaligned data access: one message each. */
    ioport_write(r.io, 0xcf8, 0x80010000u, 4);
    ioport_read(r.io, 0xcfc, 4);
    ioport_read(r.io, 0xcfc, 4);
    ck_assert_int_eq(r.unimp_msgs, 2);
    cfg_addr(&r, 0, 0);
    ck_assert_uint_eq(ioport_read(r.io, 0xcfd, 2), 0xffffffffu & 0xffff);
    ioport_write(r.io, 0xcfd, 0xffff, 2);
    ck_assert_int_eq(r.unimp_msgs, 3);
    ck_assert_uint_eq(cfg_read(&r, 0, 0, 4), 0x12378086); /* nothing changed */
    /* PIRQ routed to a reserved IRQ. */
    cfg_write(&r, PCI_DEVFN(1, 0), 0x60, 0x02, 1);
    cfg_write(&r, PCI_DEVFN(1, 0), 0x61, 0x0d, 1);
    ck_assert_int_eq(r.unimp_msgs, 4);
    rig_free(&r);
}
END_TEST

START_TEST(piix3_state_round_trip)
{
    struct rig r;
    rig_init(&r);
    ioport_write(r.io, 0xcf9, PIIX3_RCR_SRST, 1);
    uint8_t buf[1024];
    size_t n = vmstate_save(piix3_vmstate(), r.isa, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ioport_write(r.io, 0xcf9, 0, 1);
    ck_assert_uint_eq(ioport_read(r.io, 0xcf9, 1), 0);
    ck_assert_int_eq(vmstate_load(piix3_vmstate(), r.isa, buf, n), 0);
    ck_assert_uint_eq(ioport_read(r.io, 0xcf9, 1), PIIX3_RCR_SRST);
    /* The routing lives in config space and is re-applied after a load. */
    struct pci_device *isa = piix3_pci(r.isa);
    cfg_write(&r, PCI_DEVFN(1, 0), 0x63, 5, 1);
    n = vmstate_save(pci_device_vmstate(isa), isa, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    cfg_write(&r, PCI_DEVFN(1, 0), 0x63, 0x80, 1);
    pci_set_irq(r.dev, true); /* PIRQD, not routed now */
    ck_assert_int_eq(r.irqs.level[5], 0);
    ck_assert_int_eq(vmstate_load(pci_device_vmstate(isa), isa, buf, n), 0);
    ck_assert_int_eq(vmstate_load(piix3_vmstate(), r.isa, buf, 0), -1); /* bad buffer */
    uint8_t b2[256];
    size_t n2 = vmstate_save(piix3_vmstate(), r.isa, b2, sizeof b2);
    ck_assert_int_eq(vmstate_load(piix3_vmstate(), r.isa, b2, n2), 0); /* post_load */
    ck_assert_int_eq(r.irqs.level[5], 1);
    rig_free(&r);
}
END_TEST

static Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, mechanism1_identity);
    tcase_add_test(tc, read_only_and_writable_bits);
    tcase_add_test(tc, bar_sizing);
    tcase_add_test(tc, io_bar_decoding);
    tcase_add_test(tc, memory_bar_decoding);
    tcase_add_test(tc, bar_64bit);
    tcase_add_test(tc, expansion_rom_bar);
    tcase_add_test(tc, intx_routing);
    tcase_add_test(tc, cf9_resets_and_cf8_dword_only);
    tcase_add_test(tc, device_state_round_trip);
    tcase_add_test(tc, odd_accesses_logged_once);
    tcase_add_test(tc, piix3_state_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(pci_suite());
}
