/* Physical memory map and I/O port space: region priority, MMIO access-size
 * adaptation, unmapped/unclaimed reads, page pointers, generations. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/ioport.h"
#include "mmu/memmap.h"
#include "test_util.h"

/* A fake device logging every callback, backed by 16 bytes of registers. */
struct fake {
    uint8_t regs[16];
    int nreads, nwrites;
    uint32_t last_off[16];
    int last_size[16];
};

static uint32_t fake_read(void *o, uint32_t off, int size)
{
    struct fake *f = o;
    f->last_off[f->nreads & 15] = off;
    f->last_size[f->nreads & 15] = size;
    f->nreads++;
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)f->regs[(off + i) & 15] << (8 * i);
    return v;
}

static void fake_write(void *o, uint32_t off, uint32_t v, int size)
{
    struct fake *f = o;
    f->last_off[f->nwrites & 15] = off;
    f->last_size[f->nwrites & 15] = size;
    f->nwrites++;
    for (int i = 0; i < size; i++)
        f->regs[(off + i) & 15] = v >> (8 * i);
}

START_TEST(overlap_later_wins)
{
    struct memmap *m = memmap_create();
    uint8_t *ram = calloc(1, 0x10000), *rom = malloc(0x2000);
    memset(rom, 0xab, 0x2000);
    memmap_add_ram(m, 0, 0x10000, ram, false);
    memmap_add_ram(m, 0x4000, 0x2000, rom, true);
    memmap_write(m, 0x3ffe, 0x11223344, 4); /* half RAM, half ROM */
    ck_assert_uint_eq(ram[0x3ffe], 0x44);
    ck_assert_uint_eq(ram[0x3fff], 0x33);
    ck_assert_uint_eq(ram[0x4000], 0); /* RAM under the ROM untouched */
    ck_assert_uint_eq(rom[0], 0xab);   /* ROM ignores writes */
    ck_assert_uint_eq(memmap_read(m, 0x3ffe, 4), 0xabab3344);
    ck_assert_uint_eq(memmap_read(m, 0x5fff, 2), 0x00ab);
    /* page pointers: RAM both ways, ROM only for reads */
    ck_assert_ptr_eq(memmap_page_ptr(m, 0x1234, true), ram + 0x1000);
    ck_assert_ptr_eq(memmap_page_ptr(m, 0x4abc, false), rom);
    ck_assert_ptr_null(memmap_page_ptr(m, 0x4abc, true));
    ck_assert_ptr_null(memmap_page_ptr(m, 0x10000, false));
    /* removing the ROM uncovers the RAM and bumps the generation */
    uint64_t g = memmap_generation(m);
    memmap_remove(m, 0x4000);
    ck_assert_uint_gt(memmap_generation(m), g);
    ck_assert_uint_eq(memmap_read(m, 0x3ffe, 4), 0x00003344);
    memmap_destroy(m);
    free(ram);
    free(rom);
}
END_TEST

START_TEST(partial_page_has_no_pointer)
{
    struct memmap *m = memmap_create();
    uint8_t *ram = calloc(1, 0x3000);
    memmap_add_ram(m, 0, 0x2800, ram, false); /* last page half mapped */
    ck_assert_ptr_nonnull(memmap_page_ptr(m, 0x1fff, false));
    ck_assert_ptr_null(memmap_page_ptr(m, 0x2000, false));
    ck_assert_uint_eq(memmap_read(m, 0x27fe, 4), 0xffff0000);
    memmap_destroy(m);
    free(ram);
}
END_TEST

START_TEST(unmapped_reads_ones)
{
    struct memmap *m = memmap_create();
    ck_assert_uint_eq(memmap_read(m, 0x1000, 1), 0xff);
    ck_assert_uint_eq(memmap_read(m, 0x1000, 2), 0xffff);
    ck_assert_uint_eq(memmap_read(m, 0x1000, 4), 0xffffffff);
    ck_assert_uint_eq(memmap_read(m, 0x1000, 8), 0xffffffffffffffffull);
    memmap_write(m, 0x1000, 0, 4); /* ignored, must not crash */
    uint8_t buf[3] = {0};
    memmap_read_buf(m, 0x1000, buf, 3);
    ck_assert_uint_eq(buf[0] & buf[1] & buf[2], 0xff);
    memmap_destroy(m);
}
END_TEST

START_TEST(mmio_split_and_widen)
{
    struct memmap *m = memmap_create();
    struct fake f = {0};
    const struct io_ops bytes = {fake_read, fake_write, 1};
    memmap_add_mmio(m, 0x1000, 16, &bytes, &f);
    memmap_write(m, 0x1004, 0xdeadbeef, 4);
    ck_assert_int_eq(f.nwrites, 4); /* split into bytes */
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(f.last_off[i], 4 + i);
        ck_assert_int_eq(f.last_size[i], 1);
    }
    ck_assert_uint_eq(memmap_read(m, 0x1004, 4), 0xdeadbeef);
    ck_assert_int_eq(f.nreads, 4);
    ck_assert_uint_eq(memmap_read(m, 0x1004, 8), 0xdeadbeefull); /* regs 8..11 are zero */

    struct fake g = {0};
    const struct io_ops dwords = {fake_read, fake_write, 4};
    memmap_add_mmio(m, 0x2000, 16, &dwords, &g);
    memmap_write(m, 0x2000, 0x44332211, 4);
    ck_assert_uint_eq(memmap_read(m, 0x2002, 1), 0x33); /* widened to an aligned dword */
    ck_assert_uint_eq(g.last_off[(g.nreads - 1) & 15], 0);
    ck_assert_int_eq(g.last_size[(g.nreads - 1) & 15], 4);
    memmap_write(m, 0x2001, 0xaa, 1); /* read-modify-write of the dword */
    ck_assert_uint_eq(memmap_read(m, 0x2000, 4), 0x4433aa11);
    ck_assert_int_eq(g.last_size[(g.nwrites - 1) & 15], 4);

    struct fake h = {0};
    const struct io_ops words = {fake_read, fake_write, 2};
    memmap_add_mmio(m, 0x3000, 16, &words, &h);
    memmap_write(m, 0x3000, 0x87654321, 4); /* two word writes */
    ck_assert_int_eq(h.nwrites, 2);
    ck_assert_uint_eq(h.last_off[1], 2);
    ck_assert_uint_eq(memmap_read(m, 0x3000, 4), 0x87654321);
    memmap_destroy(m);
}
END_TEST

START_TEST(buffers_cross_regions)
{
    struct memmap *m = memmap_create();
    uint8_t *a = calloc(1, 0x1000), *b = calloc(1, 0x1000);
    struct fake f = {0};
    const struct io_ops any = {fake_read, fake_write, 0};
    memmap_add_ram(m, 0, 0x1000, a, false);
    memmap_add_mmio(m, 0x1000, 16, &any, &f);
    memmap_add_ram(m, 0x1010, 0x1000, b, false);
    uint8_t src[40], dst[40];
    for (int i = 0; i < 40; i++)
        src[i] = i + 1;
    memmap_write_buf(m, 0xff8, src, 40);
    ck_assert_mem_eq(a + 0xff8, src, 8);
    ck_assert_mem_eq(f.regs, src + 8, 16);
    ck_assert_mem_eq(b, src + 24, 16);
    memmap_read_buf(m, 0xff8, dst, 40);
    ck_assert_mem_eq(dst, src, 40);
    memmap_destroy(m);
    free(a);
    free(b);
}
END_TEST

START_TEST(ports)
{
    struct ioport_map *p = ioport_create();
    ck_assert_uint_eq(ioport_read(p, 0x80, 1), 0xff);
    ck_assert_uint_eq(ioport_read(p, 0x80, 2), 0xffff);
    ck_assert_uint_eq(ioport_read(p, 0x80, 4), 0xffffffff);
    ioport_write(p, 0x80, 1, 1); /* ignored */

    struct fake f = {0}, g = {0};
    const struct io_ops bytes = {fake_read, fake_write, 1};
    const struct io_ops any = {fake_read, fake_write, 0};
    ioport_register(p, 0x60, 4, &bytes, &f);
    ioport_write(p, 0x60, 0x11223344, 4); /* split into four byte writes */
    ck_assert_int_eq(f.nwrites, 4);
    ck_assert_uint_eq(ioport_read(p, 0x61, 2), 0x2233);
    ck_assert_uint_eq(ioport_read(p, 0x62, 4), 0xffff1122); /* 0x64/0x65 unclaimed */

    ioport_register(p, 0x62, 1, &any, &g); /* later registration wins */
    g.regs[0] = 0x5a;
    ck_assert_uint_eq(ioport_read(p, 0x62, 1), 0x5a);
    ck_assert_uint_eq(ioport_read(p, 0x61, 2), 0x5a33);

    ioport_register(p, 0xfffe, 2, &any, &g);
    ck_assert_uint_eq(ioport_read(p, 0xffff, 2), 0xff00 | g.regs[1]); /* no port 0x10000 */
    ioport_destroy(p);
}
END_TEST

START_TEST(two_maps_independent)
{
    struct ioport_map *p = ioport_create(), *q = ioport_create();
    struct fake f = {0};
    const struct io_ops any = {fake_read, fake_write, 0};
    f.regs[0] = 7;
    ioport_register(p, 0x10, 1, &any, &f);
    ck_assert_uint_eq(ioport_read(p, 0x10, 1), 7);
    ck_assert_uint_eq(ioport_read(q, 0x10, 1), 0xff);
    ioport_destroy(p);
    ioport_destroy(q);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("memmap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, overlap_later_wins);
    tcase_add_test(tc, partial_page_has_no_pointer);
    tcase_add_test(tc, unmapped_reads_ones);
    tcase_add_test(tc, mmio_split_and_widen);
    tcase_add_test(tc, buffers_cross_regions);
    tcase_add_test(tc, ports);
    tcase_add_test(tc, two_maps_independent);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
