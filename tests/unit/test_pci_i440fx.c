/* The i440FX host bridge: PAM shadowing of 0xC0000-0xFFFFF in all four
 * read/write combinations, the register-to-segment layout, the sequence
 * SeaBIOS programs, SMRAM as storage with D_LCK, saved state. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/i440fx.h"
#include "devices/machine.h"
#include "devices/pci.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define ROM_SIZE (256u << 10)

struct rig {
    struct machine *m;
    struct memmap *mem;
    struct ioport_map *io;
    struct pci_bus *bus;
    struct i440fx *h;
};

/* Byte i of the firmware image: recognisable, never 0 or 0xFF. */
static uint8_t rom_byte(size_t i)
{
    return (uint8_t)(0x40 + (i >> 12) + (i & 0x1f));
}

static void rig_init(struct rig *r)
{
    uint8_t *rom = malloc(ROM_SIZE);
    for (size_t i = 0; i < ROM_SIZE; i++)
        rom[i] = rom_byte(i);
    struct machine_config cfg = {.ram_size = 32u << 20, .bios = rom, .bios_size = ROM_SIZE};
    char err[256];
    r->m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    free(rom);
    r->mem = machine_memmap(r->m);
    r->io = machine_ioport(r->m);
    r->bus = pci_bus_create(r->m);
    uint8_t *alias = memmap_page_ptr(r->mem, 0xe0000, false);
    ck_assert_ptr_nonnull(alias);
    r->h = i440fx_create(r->bus, alias, 128u << 10);
    ck_assert_ptr_nonnull(r->h);
}

static void rig_free(struct rig *r)
{
    i440fx_destroy(r->h);
    pci_bus_destroy(r->bus);
    machine_destroy(r->m);
}

static void cfg_write(struct rig *r, int reg, uint32_t v, int size)
{
    ioport_write(r->io, 0xcf8, 0x80000000u | (reg & 0xfc), 4);
    ioport_write(r->io, 0xcfc + (reg & 3), v, size);
}
static uint32_t cfg_read(struct rig *r, int reg, int size)
{
    ioport_write(r->io, 0xcf8, 0x80000000u | (reg & 0xfc), 4);
    return ioport_read(r->io, 0xcfc + (reg & 3), size);
}

/* What the firmware alias holds at physical address a (0xE0000-0xFFFFF). */
static uint8_t alias_byte(uint32_t a)
{
    return rom_byte(ROM_SIZE - 0x100000 + a);
}

START_TEST(power_on_reads_rom)
{
    struct rig r;
    rig_init(&r);
    for (int i = 0; i < 7; i++)
        ck_assert_uint_eq(cfg_read(&r, I440FX_PAM0 + i, 1), 0);
    ck_assert_uint_eq(memmap_read(r.mem, 0xffff0, 1), alias_byte(0xffff0));
    ck_assert_uint_eq(memmap_read(r.mem, 0xe1234, 1), alias_byte(0xe1234));
    /* Below the alias the PCI bus answers nothing. */
    ck_assert_uint_eq(memmap_read(r.mem, 0xc0000, 4), 0xffffffffu);
    ck_assert_uint_eq(memmap_read(r.mem, 0xdfffc, 4), 0xffffffffu);
    /* The high copy is untouched. */
    ck_assert_uint_eq(memmap_read(r.mem, 0xfffffff0u, 1), rom_byte(ROM_SIZE - 16));
    /* ROM ignores writes. */
    memmap_write(r.mem, 0xf0000, 0, 1);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf0000, 1), alias_byte(0xf0000));
    rig_free(&r);
}
END_TEST

START_TEST(four_combinations)
{
    struct rig r;
    rig_init(&r);
    uint8_t *ram = machine_ram(r.m);
    ram[0xf1000] = 0x11;
    /* RE|WE: DRAM read and write. */
    cfg_write(&r, I440FX_PAM0, 0x30, 1);
    ck_assert_int_eq(i440fx_pam_mode(r.h, 0xf1000), 3);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf1000, 1), 0x11);
    memmap_write(r.mem, 0xf1000, 0x22, 1);
    ck_assert_uint_eq(ram[0xf1000], 0x22);
    /* RE only: read DRAM, writes go to ROM (lost). */
    cfg_write(&r, I440FX_PAM0, 0x10, 1);
    memmap_write(r.mem, 0xf1000, 0x33, 1);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf1000, 1), 0x22);
    ck_assert_uint_eq(ram[0xf1000], 0x22);
    /* WE only: read ROM, write DRAM. */
    cfg_write(&r, I440FX_PAM0, 0x20, 1);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf1000, 1), alias_byte(0xf1000));
    memmap_write(r.mem, 0xf1000, 0x44, 1);
    memmap_write(r.mem, 0xf1002, 0x6655, 2);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf1000, 1), alias_byte(0xf1000));
    ck_assert_uint_eq(ram[0xf1000], 0x44);
    ck_assert_uint_eq(ram[0xf1003], 0x66);
    /* Neither: ROM again, DRAM keeps what was written. */
    cfg_write(&r, I440FX_PAM0, 0x00, 1);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf1000, 1), alias_byte(0xf1000));
    cfg_write(&r, I440FX_PAM0, 0x10, 1);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf1000, 1), 0x44);
    /* PAM0's low nibble is reserved. */
    cfg_write(&r, I440FX_PAM0, 0xff, 1);
    ck_assert_uint_eq(cfg_read(&r, I440FX_PAM0, 1), 0x30);
    rig_free(&r);
}
END_TEST

START_TEST(segment_layout)
{
    struct rig r;
    rig_init(&r);
    uint8_t *ram = machine_ram(r.m);
    /* PAM1 high nibble is 0xC4000-0xC7FFF only. */
    cfg_write(&r, I440FX_PAM0 + 1, 0x30, 1);
    memmap_write(r.mem, 0xc4000, 0xab, 1);
    memmap_write(r.mem, 0xc7fff, 0xcd, 1);
    memmap_write(r.mem, 0xc3fff, 0xef, 1);
    ck_assert_uint_eq(ram[0xc4000], 0xab);
    ck_assert_uint_eq(ram[0xc7fff], 0xcd);
    ck_assert_uint_eq(ram[0xc3fff], 0);
    ck_assert_uint_eq(memmap_read(r.mem, 0xc3fff, 1), 0xff);
    ck_assert_uint_eq(memmap_read(r.mem, 0xc8000, 1), 0xff);
    /* PAM6 low nibble: 0xE8000-0xEBFFF; PAM5 high: 0xE4000-0xE7FFF. */
    cfg_write(&r, I440FX_PAM0 + 6, 0x03, 1);
    ck_assert_int_eq(i440fx_pam_mode(r.h, 0xe8000), 3);
    ck_assert_int_eq(i440fx_pam_mode(r.h, 0xebfff), 3);
    ck_assert_int_eq(i440fx_pam_mode(r.h, 0xec000), 0);
    ck_assert_int_eq(i440fx_pam_mode(r.h, 0xe7fff), 0);
    ck_assert_uint_eq(memmap_read(r.mem, 0xe8000, 1), 0);
    ck_assert_uint_eq(memmap_read(r.mem, 0xec000, 1), alias_byte(0xec000));
    rig_free(&r);
}
END_TEST

/* SeaBIOS src/fw/shadow.c: make 0xC0000-0xFFFFF writable DRAM with two dword
 * writes at 0x58/0x5C, copy the BIOS from the high ROM, then lock with
 * 0x11 (and 0x10 for 0xF0000). */
START_TEST(seabios_shadow_sequence)
{
    struct rig r;
    rig_init(&r);
    /* PAM0 is byte 1 of the dword at 0x58. */
    uint32_t lo = (cfg_read(&r, 0x58, 4) & 0xff) | 0x30u << 8 | 0x33u << 16 | 0x33u << 24;
    uint32_t hi = 0x33333333u;
    cfg_write(&r, 0x58, lo, 4);
    cfg_write(&r, 0x5c, hi, 4);
    for (uint32_t a = 0xc0000; a < 0x100000; a += 0x4000)
        ck_assert_int_eq(i440fx_pam_mode(r.h, a), 3);
    /* The copy: from the top-of-4G ROM into the shadow. */
    uint8_t buf[0x20000];
    memmap_read_buf(r.mem, 0xfffe0000u, buf, sizeof buf);
    memmap_write_buf(r.mem, 0xe0000, buf, sizeof buf);
    /* Lock. */
    cfg_write(&r, 0x58, (lo & 0xff) | 0x10u << 8 | 0x11u << 16 | 0x11u << 24, 4);
    cfg_write(&r, 0x5c, 0x11111111u, 4);
    ck_assert_uint_eq(memmap_read(r.mem, 0xffff0, 1), alias_byte(0xffff0));
    memmap_write(r.mem, 0xffff0, 0, 1);
    ck_assert_uint_eq(memmap_read(r.mem, 0xffff0, 1), alias_byte(0xffff0));
    ck_assert_uint_eq(machine_ram(r.m)[0xffff0], alias_byte(0xffff0)); /* it is DRAM */
    /* The page pointer the TLB gets is DRAM, read-only. */
    ck_assert_ptr_eq(memmap_page_ptr(r.mem, 0xf0000, false), machine_ram(r.m) + 0xf0000);
    ck_assert_ptr_null(memmap_page_ptr(r.mem, 0xf0000, true));
    rig_free(&r);
}
END_TEST

START_TEST(smram_storage_and_lock)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(cfg_read(&r, I440FX_SMRAM, 1), 0x02);
    cfg_write(&r, I440FX_SMRAM, 0xff, 1);
    ck_assert_uint_eq(cfg_read(&r, I440FX_SMRAM, 1), 0x3a); /* D_LCK set: D_OPEN closes */
    cfg_write(&r, I440FX_SMRAM, 0x4a, 1);
    ck_assert_uint_eq(cfg_read(&r, I440FX_SMRAM, 1), 0x1a); /* only D_CLS writable */
    rig_free(&r);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig r;
    rig_init(&r);
    struct pci_device *d = i440fx_pci(r.h);
    cfg_write(&r, I440FX_PAM0, 0x30, 1);
    memmap_write(r.mem, 0xf8000, 0x5a, 1);
    uint8_t buf[1024];
    size_t n = vmstate_save(pci_device_vmstate(d), d, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    cfg_write(&r, I440FX_PAM0, 0x00, 1);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf8000, 1), alias_byte(0xf8000));
    /* Restoring the config space and re-deriving (the bridge's post_load)
     * brings the shadow back. */
    ck_assert_int_eq(vmstate_load(pci_device_vmstate(d), d, buf, n), 0);
    uint8_t none[64];
    size_t m = vmstate_save(i440fx_vmstate(r.h), r.h, none, sizeof none);
    ck_assert_int_eq(vmstate_load(i440fx_vmstate(r.h), r.h, none, m), 0);
    ck_assert_uint_eq(memmap_read(r.mem, 0xf8000, 1), 0x5a);
    rig_free(&r);
}
END_TEST

static Suite *i440fx_suite(void)
{
    Suite *s = suite_create("i440fx");
    TCase *tc = tcase_create("pam");
    tcase_add_test(tc, power_on_reads_rom);
    tcase_add_test(tc, four_combinations);
    tcase_add_test(tc, segment_layout);
    tcase_add_test(tc, seabios_shadow_sequence);
    tcase_add_test(tc, smram_storage_and_lock);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(i440fx_suite());
}
