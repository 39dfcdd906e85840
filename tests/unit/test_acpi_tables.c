/* The ACPI tables as SeaBIOS receives them: the PC's fw_cfg files read
 * through ports 0x510/0x511, the table-loader script run by a small
 * interpreter of its commands (as SeaBIOS's romfile_loader does), then the
 * placed tables checked: signatures, lengths, checksums, pointers after
 * relocation, the FADT's PM blocks and flags, the MADT's entries, the
 * DSDT's devices and \_S5, and the PCI hole patched from the RAM size. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bios/acpi_tables.h"
#include "bios/table_loader.h"
#include "devices/acpi_pm.h"
#include "devices/fw_cfg.h"
#include "devices/hpet.h"
#include "devices/ioapic.h"
#include "devices/pc.h"
#include "mmu/ioport.h"

/* --- a guest memory of the placed files --- */

#define MEM_SIZE  (1u << 20)
#define HIGH_BASE 0x80000u /* where the "high" zone starts in this fake memory */
#define FSEG_BASE 0xf0000u

struct file {
    char name[TABLE_LOADER_FILESZ];
    uint8_t *data; /* the fw_cfg content */
    size_t len;
    uint32_t addr; /* placed at, 0 = not allocated */
};

struct loader_vm {
    uint8_t *mem;
    uint32_t high, fseg; /* next free address of each zone */
    struct file files[8];
    int nfiles;
};

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}
static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static struct file *find(struct loader_vm *vm, const uint8_t *name)
{
    for (int i = 0; i < vm->nfiles; i++)
        if (!strncmp(vm->files[i].name, (const char *)name, TABLE_LOADER_FILESZ))
            return &vm->files[i];
    ck_abort_msg("loader names an unknown file '%.56s'", name);
    return NULL;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* SeaBIOS src/fw/romfile_loader.c, command by command. */
static void run_loader(struct loader_vm *vm, const uint8_t *script, size_t len)
{
    ck_assert_uint_eq(len % TABLE_LOADER_CMD_LEN, 0);
    for (size_t off = 0; off < len; off += TABLE_LOADER_CMD_LEN) {
        const uint8_t *c = script + off;
        switch (le32(c)) {
        case TABLE_LOADER_ALLOCATE: {
            struct file *f = find(vm, c + TABLE_LOADER_OFF_FILE);
            uint32_t align = le32(c + TABLE_LOADER_OFF_ALIGN);
            ck_assert_uint_eq(align & (align - 1), 0);
            int zone = c[TABLE_LOADER_OFF_ZONE];
            ck_assert(zone == TABLE_LOADER_ZONE_HIGH || zone == TABLE_LOADER_ZONE_FSEG);
            uint32_t *next = zone == TABLE_LOADER_ZONE_FSEG ? &vm->fseg : &vm->high;
            *next = (*next + align - 1) & ~(align - 1);
            f->addr = *next;
            *next += (uint32_t)f->len;
            ck_assert_uint_le(*next, zone == TABLE_LOADER_ZONE_FSEG ? MEM_SIZE : FSEG_BASE);
            memcpy(vm->mem + f->addr, f->data, f->len);
            break;
        }
        case TABLE_LOADER_ADD_POINTER: {
            struct file *d = find(vm, c + TABLE_LOADER_OFF_FILE);
            struct file *s = find(vm, c + TABLE_LOADER_OFF_SRC);
            ck_assert(d->addr && s->addr);
            uint32_t o = le32(c + TABLE_LOADER_OFF_PTR_OFF);
            int size = c[TABLE_LOADER_OFF_PTR_SZ];
            ck_assert(size == 1 || size == 2 || size == 4 || size == 8);
            ck_assert_uint_le(o + size, d->len);
            uint64_t v = 0;
            for (int i = 0; i < size; i++)
                v |= (uint64_t)vm->mem[d->addr + o + i] << (8 * i);
            ck_assert_uint_lt(v, s->len); /* an offset inside the source */
            v += s->addr;
            for (int i = 0; i < size; i++)
                vm->mem[d->addr + o + i] = (uint8_t)(v >> (8 * i));
            break;
        }
        case TABLE_LOADER_ADD_CHECKSUM: {
            struct file *f = find(vm, c + TABLE_LOADER_OFF_FILE);
            ck_assert(f->addr);
            uint32_t o = le32(c + TABLE_LOADER_OFF_CK_OFF);
            uint32_t start = le32(c + TABLE_LOADER_OFF_CK_START);
            uint32_t n = le32(c + TABLE_LOADER_OFF_CK_LEN);
            ck_assert_uint_le(start + n, f->len);
            ck_assert(o >= start && o < start + n);
            vm->mem[f->addr + o] -= sum(vm->mem + f->addr + start, n);
            break;
        }
        default: ck_abort_msg("unknown loader command %u", le32(c));
        }
    }
}

/* --- checks on the placed tables --- */

static const uint8_t *table_at(struct loader_vm *vm, uint64_t addr, const char *sig)
{
    ck_assert_uint_ge(addr, HIGH_BASE);
    ck_assert_uint_lt(addr, FSEG_BASE);
    const uint8_t *t = vm->mem + addr;
    ck_assert_msg(!memcmp(t, sig, 4), "expected %s at 0x%llx", sig, (unsigned long long)addr);
    uint32_t len = le32(t + 4);
    ck_assert_uint_ge(len, strcmp(sig, "FACS") ? 36 : 64);
    ck_assert_uint_le(addr + len, FSEG_BASE);
    if (strcmp(sig, "FACS"))
        ck_assert_msg(sum(t, len) == 0, "%s checksum", sig);
    return t;
}

/* An EISA id as AML encodes it (ACPI 6.3 19.6.35). */
static bool has_eisaid(const uint8_t *t, size_t len, const char *id)
{
    uint32_t v = ((id[0] - '@') << 26 | (id[1] - '@') << 21 | (id[2] - '@') << 16) >> 16;
    unsigned hex = (unsigned)strtoul(id + 3, NULL, 16);
    uint8_t pat[5] = {0x0c, (uint8_t)(v >> 8), (uint8_t)v, (uint8_t)(hex >> 8), (uint8_t)hex};
    size_t n = 5;
    if (!hex) { /* iasl shortens 0x0000xxxx to a WordConst */
        pat[0] = 0x0b;
        n = 3;
    }
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(t + i, pat, n))
            return true;
    return false;
}

static const uint8_t *find_bytes(const uint8_t *t, size_t len, const void *pat, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(t + i, pat, n))
            return t + i;
    return NULL;
}

static void check_tables(struct loader_vm *vm, uint64_t ram)
{
    /* The RSDP sits in the F segment, 16-byte aligned, as the OS scans it. */
    struct file *rf = find(vm, (const uint8_t *)ACPI_FILE_RSDP);
    ck_assert_uint_ge(rf->addr, FSEG_BASE);
    ck_assert_uint_eq(rf->addr % 16, 0);
    const uint8_t *rsdp = vm->mem + rf->addr;
    ck_assert(!memcmp(rsdp, "RSD PTR ", 8));
    ck_assert_uint_eq(sum(rsdp, 20), 0);
    ck_assert_uint_eq(rsdp[15], 2);
    ck_assert_uint_eq(le32(rsdp + 20), 36);
    ck_assert_uint_eq(sum(rsdp, 36), 0);

    const uint8_t *rsdt = table_at(vm, le32(rsdp + 16), "RSDT");
    const uint8_t *xsdt = table_at(vm, le64(rsdp + 24), "XSDT");
    uint32_t n = (le32(rsdt + 4) - 36) / 4;
    ck_assert_uint_eq(n, 3); /* FACP, APIC, HPET */
    ck_assert_uint_eq((le32(xsdt + 4) - 36) / 8, n);
    const uint8_t *fadt = NULL, *madt = NULL, *hpet = NULL;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = le32(rsdt + 36 + 4 * i);
        ck_assert_uint_eq(le64(xsdt + 36 + 8 * i), a);
        const uint8_t *t = vm->mem + a;
        if (!memcmp(t, "FACP", 4))
            fadt = table_at(vm, a, "FACP");
        else if (!memcmp(t, "APIC", 4))
            madt = table_at(vm, a, "APIC");
        else if (!memcmp(t, "HPET", 4))
            hpet = table_at(vm, a, "HPET");
        else
            ck_abort_msg("unexpected table %.4s", t);
    }
    ck_assert(fadt && madt && hpet);

    /* FADT (rev 3): FACS, DSDT (32 and 64 bits agree), the PM blocks. */
    ck_assert_uint_eq(le32(fadt + 4), ACPI_FADT_LEN);
    ck_assert_uint_eq(fadt[8], 3);
    uint32_t facs = le32(fadt + 36);
    ck_assert_uint_eq(facs % 64, 0);
    table_at(vm, facs, "FACS");
    const uint8_t *dsdt = table_at(vm, le32(fadt + 40), "DSDT");
    ck_assert_uint_eq(le64(fadt + 140), le32(fadt + 40));
    ck_assert_uint_eq(le16(fadt + 46), ACPI_PM_SCI_IRQ);
    ck_assert_uint_eq(le32(fadt + 48), ACPI_PM_SMI_CMD);
    ck_assert_uint_eq(fadt[52], ACPI_PM_ACPI_ENABLE);
    ck_assert_uint_eq(fadt[53], ACPI_PM_ACPI_DISABLE);
    ck_assert_uint_eq(le32(fadt + 56), ACPI_PM_IO_BASE + ACPI_PM1_STS);
    ck_assert_uint_eq(le32(fadt + 64), ACPI_PM_IO_BASE + ACPI_PM1_CNT);
    ck_assert_uint_eq(le32(fadt + 76), ACPI_PM_IO_BASE + ACPI_PM_TMR);
    ck_assert_uint_eq(le32(fadt + 80), ACPI_PM_IO_BASE + ACPI_GPE0_STS);
    ck_assert_uint_eq(fadt[88], 4);
    ck_assert_uint_eq(fadt[89], 2);
    ck_assert_uint_eq(fadt[91], 4);
    ck_assert_uint_eq(fadt[92], ACPI_GPE0_LEN);
    ck_assert_uint_eq(fadt[108], 0x32);         /* century */
    ck_assert_uint_eq(le16(fadt + 109) & 3, 3); /* legacy devices, 8042 */
    uint32_t flags = le32(fadt + 112);
    ck_assert_uint_eq(flags & (1u << 4), 0);         /* fixed power button */
    ck_assert_uint_eq(flags & (1u << 8), 0);         /* 24-bit PM timer */
    ck_assert_uint_eq(flags & (1u << 10), 1u << 10); /* RESET_REG supported */
    ck_assert_uint_eq(fadt[116], 1);                 /* RESET_REG in I/O space */
    ck_assert_uint_eq(fadt[117], 8);
    ck_assert_uint_eq(le64(fadt + 120), 0xcf9);
    ck_assert_uint_eq(fadt[128], 0x06);
    ck_assert_uint_eq(le64(fadt + 152), ACPI_PM_IO_BASE); /* X_PM1a_EVT_BLK */
    ck_assert_uint_eq(le64(fadt + 212), ACPI_PM_IO_BASE + ACPI_PM_TMR);

    /* MADT: LAPIC 0, the I/O APIC, IRQ0 -> GSI2 and the SCI level/high. */
    uint32_t mlen = le32(madt + 4);
    ck_assert_uint_eq(le32(madt + 36), 0xfee00000u);
    ck_assert_uint_eq(le32(madt + 40) & 1, 1);
    int lapics = 0, ioapics = 0, irq0 = 0, sci = 0;
    for (uint32_t o = 44; o < mlen;) {
        const uint8_t *e = madt + o;
        ck_assert_uint_ge(e[1], 2);
        switch (e[0]) {
        case 0:
            lapics++;
            ck_assert_uint_eq(e[3], 0);
            ck_assert_uint_eq(le32(e + 4) & 1, 1);
            break;
        case 1:
            ioapics++;
            ck_assert_uint_eq(le32(e + 4), IOAPIC_DEFAULT_BASE);
            ck_assert_uint_eq(le32(e + 8), 0);
            break;
        case 2:
            if (e[3] == 0 && le32(e + 4) == 2 && le16(e + 8) == 0)
                irq0++;
            if (e[3] == 9 && le32(e + 4) == 9 && le16(e + 8) == 0x000d)
                sci++;
            break;
        }
        o += e[1];
        ck_assert_uint_le(o, mlen);
    }
    ck_assert_int_eq(lapics, 1);
    ck_assert_int_eq(ioapics, 1);
    ck_assert_int_eq(irq0, 1);
    ck_assert_int_eq(sci, 1);

    ck_assert_uint_eq(le64(hpet + 44), HPET_DEFAULT_BASE);
    ck_assert_uint_eq(le32(hpet + 36), HPET_BLOCK_ID);

    /* DSDT: the PCI root, the ISA devices SeaBIOS and Linux look for, the
     * link devices and \_S5 = {0, ...}. */
    size_t dlen = le32(dsdt + 4);
    static const char *ids[] = {"PNP0A03", "PNP0000", "PNP0100", "PNP0B00", "PNP0303", "PNP0F13",
                                "PNP0501", "PNP0700", "PNP0200", "PNP0C0F", "PNP0103", "PNP0C04"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        ck_assert_msg(has_eisaid(dsdt, dlen, ids[i]), "DSDT lacks %s", ids[i]);
    const uint8_t s5[] = {0x08, '_', 'S', '5', '_', 0x12};
    const uint8_t *p = find_bytes(dsdt, dlen, s5, sizeof s5);
    ck_assert_ptr_nonnull(p);
    /* Package: PkgLength, count 4, then the first element (SLP_TYPa). */
    ck_assert_uint_eq(p[7], 4);
    ck_assert_uint_eq(p[8], 0x00); /* ZeroOp */
    const uint8_t phmn[] = {0x08, 'P', 'H', 'M', 'N', 0x0c};
    p = find_bytes(dsdt, dlen, phmn, sizeof phmn);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(le32(p + 6), ram < 0xe0000000ull ? ram : 0xe0000000ull);
}

/* --- the tests --- */

static const struct acpi_config test_cfg = {
    .ram_below_4g = 256u << 20,
    .pm_io_base = ACPI_PM_IO_BASE,
    .sci_irq = ACPI_PM_SCI_IRQ,
    .smi_cmd = ACPI_PM_SMI_CMD,
    .acpi_enable = ACPI_PM_ACPI_ENABLE,
    .acpi_disable = ACPI_PM_ACPI_DISABLE,
    .reset_port = 0xcf9,
    .reset_value = 0x06,
    .lapic_addr = 0xfee00000u,
    .ioapic_addr = IOAPIC_DEFAULT_BASE,
    .hpet = true,
    .hpet_addr = HPET_DEFAULT_BASE,
    .hpet_block_id = HPET_BLOCK_ID,
};

static void vm_init(struct loader_vm *vm)
{
    memset(vm, 0, sizeof *vm);
    vm->mem = calloc(1, MEM_SIZE);
    vm->high = HIGH_BASE;
    vm->fseg = FSEG_BASE;
}

static void vm_add(struct loader_vm *vm, const char *name, uint8_t *data, size_t len)
{
    struct file *f = &vm->files[vm->nfiles++];
    strncpy(f->name, name, sizeof f->name - 1);
    f->data = data;
    f->len = len;
}

START_TEST(built_tables)
{
    struct acpi_blobs b;
    ck_assert_int_eq(acpi_build(&test_cfg, &b), 0);
    /* Before the loader: checksums and pointers are the loader's job. */
    ck_assert(!memcmp(b.tables + b.off_fadt, "FACP", 4));
    ck_assert_uint_eq(b.tables[b.off_fadt + 9], 0);
    ck_assert_uint_eq(le32(b.tables + b.off_fadt + 40), b.off_dsdt);
    struct loader_vm vm;
    vm_init(&vm);
    vm_add(&vm, ACPI_FILE_TABLES, b.tables, b.tables_len);
    vm_add(&vm, ACPI_FILE_RSDP, b.rsdp, sizeof b.rsdp);
    run_loader(&vm, b.loader, b.loader_len);
    check_tables(&vm, test_cfg.ram_below_4g);
    free(vm.mem);
    acpi_blobs_free(&b);
}
END_TEST

/* The DSDT as iasl made it: a valid header whose checksum iasl computed. */
START_TEST(dsdt_compiled)
{
    size_t len;
    const uint8_t *aml = acpi_dsdt_aml(&len);
    ck_assert(!memcmp(aml, "DSDT", 4));
    ck_assert_uint_eq(le32(aml + 4), len);
    ck_assert_uint_eq(aml[8], 2);
    ck_assert_uint_eq(sum(aml, len), 0);
}
END_TEST

/* fw_cfg through its ports, as SeaBIOS reads it without DMA. */
static uint8_t *fw_read_file(struct machine *m, const char *name, size_t *len)
{
    struct ioport_map *io = machine_ioport(m);
    ioport_write(io, FW_CFG_PORT_SEL, FW_CFG_FILE_DIR, 2);
    uint8_t cnt[4];
    for (int i = 0; i < 4; i++)
        cnt[i] = (uint8_t)ioport_read(io, FW_CFG_PORT_DATA, 1);
    uint32_t n = (uint32_t)cnt[0] << 24 | cnt[1] << 16 | cnt[2] << 8 | cnt[3];
    for (uint32_t i = 0; i < n; i++) {
        uint8_t e[64];
        for (int j = 0; j < 64; j++)
            e[j] = (uint8_t)ioport_read(io, FW_CFG_PORT_DATA, 1);
        if (strcmp((const char *)e + 8, name))
            continue;
        *len = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
        uint16_t key = (uint16_t)(e[4] << 8 | e[5]);
        uint8_t *d = malloc(*len);
        ioport_write(io, FW_CFG_PORT_SEL, key, 2);
        for (size_t j = 0; j < *len; j++)
            d[j] = (uint8_t)ioport_read(io, FW_CFG_PORT_DATA, 1);
        return d;
    }
    ck_abort_msg("fw_cfg has no %s", name);
    return NULL;
}

static void check_pc(uint64_t ram)
{
    static uint8_t rom[64u << 10];
    memset(rom, 0xf4, sizeof rom);
    struct pc_config cfg = {
        .machine = {.ram_size = ram, .bios = rom, .bios_size = sizeof rom},
        .vga_bios_path = "",
    };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof err);
    ck_assert_msg(pc != NULL, "pc_create: %s", err);
    struct machine *m = pc_machine(pc);
    size_t tl, rl, ll;
    uint8_t *tables = fw_read_file(m, ACPI_FILE_TABLES, &tl);
    uint8_t *rsdp = fw_read_file(m, ACPI_FILE_RSDP, &rl);
    uint8_t *loader = fw_read_file(m, ACPI_FILE_LOADER, &ll);
    struct loader_vm vm;
    vm_init(&vm);
    vm_add(&vm, ACPI_FILE_TABLES, tables, tl);
    vm_add(&vm, ACPI_FILE_RSDP, rsdp, rl);
    run_loader(&vm, loader, ll);
    check_tables(&vm, ram);
    /* The PM function the FADT describes is on the board at 00:01.3. */
    ck_assert_ptr_nonnull(pc_acpi_pm(pc));
    struct ioport_map *io = machine_ioport(m);
    ioport_write(io, 0xcf8, 0x80000000u | ACPI_PM_DEVFN << 8, 4);
    ck_assert_uint_eq(ioport_read(io, 0xcfc, 4), 0x71138086);
    free(vm.mem);
    free(tables);
    free(rsdp);
    free(loader);
    pc_destroy(pc);
}

START_TEST(pc_fw_cfg_tables)
{
    check_pc(128u << 20);
    check_pc(3584ull << 20); /* the PCI hole starts at 3.5 GiB, no higher */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acpi_tables");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, built_tables);
    tcase_add_test(tc, dsdt_compiled);
    tcase_add_test(tc, pc_fw_cfg_tables);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
