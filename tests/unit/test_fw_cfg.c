/* fw_cfg through its ports, as SeaBIOS drives it: signature and id, items
 * read byte by byte, the file directory (big endian, sorted), the DMA
 * interface (select, read, skip, write error, zero fill), saved state. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/fw_cfg.h"
#include "devices/machine.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

#define ROM_SIZE (64u << 10)

struct rig {
    struct machine *m;
    struct ioport_map *io;
    struct memmap *mem;
    struct fw_cfg *f;
};

static void rig_init(struct rig *r, bool dma)
{
    uint8_t *rom = calloc(1, ROM_SIZE);
    struct machine_config cfg = {.ram_size = 8u << 20, .bios = rom, .bios_size = ROM_SIZE};
    char err[256];
    r->m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    free(rom);
    r->io = machine_ioport(r->m);
    r->mem = machine_memmap(r->m);
    r->f = fw_cfg_create(r->m, dma);
    ck_assert_ptr_nonnull(r->f);
}

static void rig_free(struct rig *r)
{
    fw_cfg_destroy(r->f);
    machine_destroy(r->m);
}

static void sel(struct rig *r, uint16_t key)
{
    ioport_write(r->io, FW_CFG_PORT_SEL, key, 2);
}
static void read_data(struct rig *r, void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)ioport_read(r->io, FW_CFG_PORT_DATA, 1);
}
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}
static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

START_TEST(signature_and_id)
{
    struct rig r;
    rig_init(&r, true);
    char sig[5] = {0};
    sel(&r, FW_CFG_SIGNATURE);
    read_data(&r, sig, 4);
    ck_assert_str_eq(sig, "QEMU");
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), 0); /* past the end */
    sel(&r, FW_CFG_ID);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    /* Selecting again restarts the item. */
    sel(&r, FW_CFG_SIGNATURE);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), 'Q');
    /* The DMA register reads "QEMU CFG". */
    uint8_t dsig[8];
    for (int i = 0; i < 8; i++)
        dsig[i] = (uint8_t)ioport_read(r.io, FW_CFG_PORT_DMA + i, 1);
    ck_assert_int_eq(memcmp(dsig, "QEMU CFG", 8), 0);
    rig_free(&r);

    rig_init(&r, false);
    sel(&r, FW_CFG_ID);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), FW_CFG_VERSION);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DMA, 1), 0xff); /* no DMA port */
    rig_free(&r);
}
END_TEST

START_TEST(numeric_items)
{
    struct rig r;
    rig_init(&r, true);
    fw_cfg_add_i64(r.f, FW_CFG_RAM_SIZE, 0x123456789abcdef0ull);
    fw_cfg_add_i16(r.f, FW_CFG_NB_CPUS, 3);
    fw_cfg_add_i32(r.f, FW_CFG_E820_TABLE, 0xdeadbeef); /* arch-local key */
    uint8_t b[8];
    sel(&r, FW_CFG_RAM_SIZE);
    read_data(&r, b, 8);
    ck_assert_uint_eq(b[0], 0xf0);
    ck_assert_uint_eq(b[7], 0x12);
    sel(&r, FW_CFG_NB_CPUS);
    read_data(&r, b, 2);
    ck_assert_uint_eq(b[0] | b[1] << 8, 3);
    sel(&r, FW_CFG_E820_TABLE);
    read_data(&r, b, 4);
    ck_assert_uint_eq(b[0], 0xef);
    ck_assert_uint_eq(b[3], 0xde);
    /* The arch-local key does not alias key 3. */
    sel(&r, FW_CFG_RAM_SIZE);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), 0xf0);
    /* Missing items read zeros. */
    sel(&r, 0x1234);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), 0);
    rig_free(&r);
}
END_TEST

START_TEST(file_directory)
{
    struct rig r;
    rig_init(&r, true);
    int k1 = fw_cfg_add_file(r.f, "etc/e820", "0123456789", 10);
    int k2 = fw_cfg_add_file(r.f, "bootorder", "/x\n", 3);
    int k3 = fw_cfg_add_file(r.f, "genroms/a.bin", "\x55\xaa", 2);
    ck_assert_int_eq(k1, FW_CFG_FILE_FIRST);
    ck_assert_int_eq(k2, FW_CFG_FILE_FIRST + 1);
    ck_assert_int_eq(k3, FW_CFG_FILE_FIRST + 2);
    ck_assert_int_eq(fw_cfg_find_file(r.f, "bootorder"), k2);
    ck_assert_int_eq(fw_cfg_find_file(r.f, "nope"), -1);
    char longname[80];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    ck_assert_int_eq(fw_cfg_add_file(r.f, longname, "", 0), -1);
    /* Replacing keeps the key and changes the size. */
    ck_assert_int_eq(fw_cfg_add_file(r.f, "etc/e820", "01234567890123456789", 20), k1);

    uint8_t hdr[4];
    sel(&r, FW_CFG_FILE_DIR);
    read_data(&r, hdr, 4);
    ck_assert_uint_eq(be32(hdr), 3);
    const char *names[3] = {"bootorder", "etc/e820", "genroms/a.bin"};
    int keys[3] = {k2, k1, k3};
    uint32_t sizes[3] = {3, 20, 2};
    for (int i = 0; i < 3; i++) {
        uint8_t e[64];
        read_data(&r, e, 64);
        ck_assert_uint_eq(be32(e), sizes[i]);
        ck_assert_uint_eq((e[4] << 8) | e[5], keys[i]);
        ck_assert_str_eq((char *)e + 8, names[i]);
    }
    char data[4] = {0};
    sel(&r, (uint16_t)k2);
    read_data(&r, data, 3);
    ck_assert_str_eq(data, "/x\n");
    rig_free(&r);
}
END_TEST

/* Put a DMA access structure at `at` and start it through 0x514/0x518. */
static uint32_t dma(struct rig *r, uint32_t at, uint32_t control, uint32_t len, uint32_t addr)
{
    uint8_t acc[16] = {0};
    put_be32(acc, control);
    put_be32(acc + 4, len);
    put_be32(acc + 12, addr);
    memmap_write_buf(r->mem, at, acc, sizeof acc);
    ioport_write(r->io, FW_CFG_PORT_DMA, 0, 4);
    ioport_write(r->io, FW_CFG_PORT_DMA + 4, __builtin_bswap32(at), 4);
    memmap_read_buf(r->mem, at, acc, 4);
    return be32(acc);
}

START_TEST(dma_transfers)
{
    struct rig r;
    rig_init(&r, true);
    int key = fw_cfg_add_file(r.f, "etc/test", "abcdefgh", 8);
    uint8_t *ram = machine_ram(r.m);
    memset(ram + 0x2000, 0xcc, 32);
    /* Select + read 3 bytes. */
    uint32_t ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    ck_assert_uint_eq(dma(&r, 0x1000, ctl, 3, 0x2000), 0);
    ck_assert_int_eq(memcmp(ram + 0x2000, "abc", 3), 0);
    ck_assert_uint_eq(ram[0x2003], 0xcc);
    /* Skip 2, then read on: the offset carries over, also to the port. */
    ck_assert_uint_eq(dma(&r, 0x1000, FW_CFG_DMA_CTL_SKIP, 2, 0), 0);
    ck_assert_uint_eq(dma(&r, 0x1000, FW_CFG_DMA_CTL_READ, 2, 0x2010), 0);
    ck_assert_int_eq(memcmp(ram + 0x2010, "fg", 2), 0);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), 'h');
    /* Reading past the end fills with zeros. */
    ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    ck_assert_uint_eq(dma(&r, 0x1000, ctl, 12, 0x2000), 0);
    ck_assert_int_eq(memcmp(ram + 0x2000, "abcdefgh\0\0\0\0", 12), 0);
    ck_assert_uint_eq(ram[0x200c], 0xcc);
    /* Writes are refused with the error bit. */
    ck_assert_uint_eq(dma(&r, 0x1000, FW_CFG_DMA_CTL_WRITE, 4, 0x2000), FW_CFG_DMA_CTL_ERROR);
    /* The legacy RAM-size item through DMA. */
    fw_cfg_add_i64(r.f, FW_CFG_RAM_SIZE, 8u << 20);
    ctl = FW_CFG_RAM_SIZE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    ck_assert_uint_eq(dma(&r, 0x1000, ctl, 8, 0x3000), 0);
    uint64_t v;
    memcpy(&v, ram + 0x3000, 8);
    ck_assert_uint_eq(v, 8u << 20);
    rig_free(&r);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig r;
    rig_init(&r, true);
    sel(&r, FW_CFG_SIGNATURE);
    ioport_read(r.io, FW_CFG_PORT_DATA, 1); /* 'Q' */
    uint8_t buf[256];
    size_t n = vmstate_save(fw_cfg_vmstate(), r.f, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    sel(&r, FW_CFG_ID);
    ck_assert_int_eq(vmstate_load(fw_cfg_vmstate(), r.f, buf, n), 0);
    ck_assert_uint_eq(ioport_read(r.io, FW_CFG_PORT_DATA, 1), 'E');
    rig_free(&r);
}
END_TEST

static Suite *fw_cfg_suite(void)
{
    Suite *s = suite_create("fw_cfg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, signature_and_id);
    tcase_add_test(tc, numeric_items);
    tcase_add_test(tc, file_directory);
    tcase_add_test(tc, dma_transfers);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(fw_cfg_suite());
}
