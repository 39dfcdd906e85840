/* Code-page write tracking (mmu/codepages.h) on its own and through the
 * memory map: chunk granularity, generations, the listener events, writes
 * that span pages, and the memory map reporting RAM writes and map changes. */
#include <check.h>
#include <stdlib.h>

#include "mmu/codepages.h"
#include "mmu/memmap.h"
#include "test_util.h"

struct events {
    int marked, written, all;
    uint64_t last_page;
};

static void on_event(void *opaque, enum codepage_event ev, uint64_t addr, uint32_t len)
{
    struct events *e = opaque;
    (void)len;
    e->last_page = addr & ~0xfffull;
    if (ev == CODEPAGE_MARKED)
        e->marked++;
    else if (ev == CODEPAGE_WRITTEN)
        e->written++;
    else
        e->all++;
}

START_TEST(chunks_and_generations)
{
    struct codepages *cp = codepages_create();
    struct events ev = {0};
    codepages_listen(cp, on_event, &ev);
    ck_assert(!codepage_is_marked(cp, 0x5000));
    codepage_mark(cp, 0x5040, 0x10); /* chunk 1 of page 5 */
    ck_assert(codepage_is_marked(cp, 0x5fff));
    ck_assert_int_eq(ev.marked, 0); /* nobody maps the page for direct writes */
    uint32_t gen = codepage_gen(cp, 0x5000);

    codepage_written(cp, 0x5000, 0x40); /* chunk 0 only */
    codepage_written(cp, 0x5080, 4);    /* chunk 2 */
    ck_assert_uint_eq(codepage_gen(cp, 0x5000), gen);
    ck_assert_int_eq(ev.written, 0);

    codepage_written(cp, 0x503e, 4); /* chunks 0 and 1 */
    ck_assert_uint_ne(codepage_gen(cp, 0x5000), gen);
    ck_assert_int_eq(ev.written, 1);
    ck_assert_uint_eq(ev.last_page, 0x5000);
    ck_assert(!codepage_is_marked(cp, 0x5000)); /* the page's code is gone */
    codepage_written(cp, 0x5040, 4);
    ck_assert_int_eq(ev.written, 1); /* nothing left to drop */

    /* The last chunk of a page, and a write that starts on the page before. */
    codepage_mark(cp, 0x6ffe, 2);
    codepage_written(cp, 0x6fbf, 1); /* chunk 62 */
    ck_assert_int_eq(ev.written, 1);
    codepage_written(cp, 0x6fc0, 1); /* chunk 63 */
    ck_assert_int_eq(ev.written, 2);
    codepage_mark(cp, 0x7002, 2);
    codepage_written(cp, 0x6ffc, 8);
    ck_assert_int_eq(ev.written, 3);
    ck_assert_uint_eq(ev.last_page, 0x7000);

    /* Beyond the tracked range nothing is marked and nothing breaks. */
    codepage_mark(cp, CODEPAGE_LIMIT + 0x1000, 4);
    ck_assert(!codepage_is_marked(cp, CODEPAGE_LIMIT + 0x1000));
    codepage_written(cp, CODEPAGE_LIMIT - 2, 4);

    codepages_invalidate_all(cp);
    ck_assert_int_eq(ev.all, 1);
    codepages_unlisten(cp, on_event, &ev);
    codepages_invalidate_all(cp);
    ck_assert_int_eq(ev.all, 1);
    codepages_destroy(cp);
}
END_TEST

START_TEST(marked_is_told_only_after_a_direct_mapping)
{
    struct codepages *cp = codepages_create();
    struct events ev = {0};
    codepages_listen(cp, on_event, &ev);
    codepage_mapped_fast(cp, 0x7123);
    codepage_mark(cp, 0x7000, 1);
    ck_assert_int_eq(ev.marked, 1);
    ck_assert_uint_eq(ev.last_page, 0x7000);
    /* Code rewritten and cached again with no new direct mapping: the
     * listeners already route the page's writes, no need to tell them. */
    codepage_written(cp, 0x7000, 1);
    codepage_mark(cp, 0x7000, 1);
    ck_assert_int_eq(ev.marked, 1);
    codepage_written(cp, 0x7000, 1);
    codepage_mapped_fast(cp, 0x7000);
    codepage_mark(cp, 0x7000, 1);
    ck_assert_int_eq(ev.marked, 2);
    codepages_destroy(cp);
}
END_TEST

START_TEST(memory_map_reports_ram_writes)
{
    static uint8_t ram[0x4000], rom[0x1000];
    struct memmap *m = memmap_create();
    memmap_add_ram(m, 0, sizeof ram, ram, false);
    memmap_add_ram(m, 0x10000, sizeof rom, rom, true);
    struct codepages *cp = memmap_codepages(m);
    struct events ev = {0};
    codepages_listen(cp, on_event, &ev);

    codepage_mark(cp, 0x1000, 16);
    codepage_mark(cp, 0x10000, 16);
    memmap_write(m, 0x1008, 0x1234, 2);
    ck_assert_int_eq(ev.written, 1);
    ck_assert_uint_eq(ram[0x1008], 0x34);
    codepage_mark(cp, 0x2000, 16);
    static const uint8_t buf[0x1800];
    memmap_write_buf(m, 0x1800, buf, sizeof buf); /* covers 0x2000 */
    ck_assert_int_eq(ev.written, 2);
    ck_assert_uint_eq(ev.last_page, 0x2000);
    /* ROM ignores writes: its code stays. */
    memmap_write(m, 0x10000, 0xff, 1);
    ck_assert_int_eq(ev.written, 2);
    ck_assert(codepage_is_marked(cp, 0x10000));

    /* MMIO coming and going (a PCI BAR sized, moved, decoding turned off)
     * leaves the code behind RAM and ROM alone. */
    static const struct io_ops none = {0};
    memmap_add_mmio(m, 0x20000, 0x1000, &none, NULL);
    memmap_remove(m, 0x20000);
    ck_assert_int_eq(ev.all, 0);
    /* MMIO over RAM, and a change of the RAM and ROM, void everything. */
    memmap_add_mmio(m, 0x3000, 0x1000, &none, NULL);
    ck_assert_int_eq(ev.all, 1);
    memmap_remove(m, 0x3000);
    ck_assert_int_eq(ev.all, 2);
    memmap_remove(m, 0x10000);
    ck_assert_int_eq(ev.all, 3);
    memmap_add_ram(m, 0x10000, sizeof rom, rom, false); /* ROM becomes RAM */
    ck_assert_int_eq(ev.all, 4);
    codepages_unlisten(cp, on_event, &ev);
    memmap_destroy(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("codepages");
    TCase *tc = tcase_create("codepages");
    tcase_add_test(tc, chunks_and_generations);
    tcase_add_test(tc, marked_is_told_only_after_a_direct_mapping);
    tcase_add_test(tc, memory_map_reports_ram_writes);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
