/* Check tests of the SingleStepTests harness itself: the instruction peek,
 * the difference-table predicates, the loader, and that a run really fails
 * when the expectation is wrong (register, flags, memory, stray write). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cpu/cpu.h"
#include "sst.h"
#include "sst_run.h"

/* A test with the given bytes (HLT appended) at 1000:0100, other registers
 * distinct, expectation = initial state with IP past the HLT. */
static struct sst_test make_test(const uint8_t *bytes, int n)
{
    struct sst_test t = {.exc = -1};
    static const uint16_t init[SST_NREGS] = {0x1111, 0x2222, 0x0003, 0x4444, 0x1000,
                                             0x3000, 0x5000, 0x6000, 0x0800, 0x1000,
                                             0x0200, 0x0300, 0x0100, 0x0002};
    memcpy(t.init, init, sizeof init);
    memcpy(t.bytes, bytes, n);
    t.bytes[n] = 0xf4;
    t.nbytes = n + 1;
    memcpy(t.fin, init, sizeof init);
    t.fin[SST_IP] = (uint16_t)(init[SST_IP] + t.nbytes);
    t.iram = calloc(t.nbytes, sizeof *t.iram);
    for (int i = 0; i < t.nbytes; i++)
        t.iram[t.niram++] = (struct sst_ram){0x10000 + init[SST_IP] + i, t.bytes[i]};
    return t;
}

START_TEST(peek_modrm_and_prefixes)
{
    /* ss: lock add [bp+si+10h],ax */
    struct sst_test t = make_test((const uint8_t[]){0x36, 0xf0, 0x01, 0x42, 0x10}, 5);
    struct sst_peek p;
    sst_peek(&t, &p);
    ck_assert_int_eq(p.npfx, 2);
    ck_assert(p.lock);
    ck_assert_int_eq(p.op, 0x01);
    ck_assert(p.is_mem);
    ck_assert_int_eq(p.mod, 1);
    ck_assert_int_eq(p.rm, 2);
    ck_assert_int_eq(p.ea, (uint16_t)(0x1000 + 0x0200 + 0x10));
    ck_assert_int_eq(p.ea_seg, SST_SEG_SS);
    ck_assert_int_eq(p.after_modrm, 5);
    free(t.iram);

    /* mov ax,[bp+di-2] defaults to SS; [1234h] (mod 0 rm 6) to DS */
    t = make_test((const uint8_t[]){0x8b, 0x43, 0xfe}, 3);
    sst_peek(&t, &p);
    ck_assert_int_eq(p.ea_seg, SST_SEG_SS);
    ck_assert_int_eq(p.ea, (uint16_t)(0x1000 + 0x0300 - 2));
    free(t.iram);
    t = make_test((const uint8_t[]){0x26, 0x8b, 0x06, 0x34, 0x12}, 5);
    sst_peek(&t, &p);
    ck_assert_int_eq(p.ea_seg, SST_SEG_ES);
    ck_assert_int_eq(p.ea, 0x1234);
    ck_assert_int_eq(p.after_modrm, 5);
    free(t.iram);
}
END_TEST

START_TEST(string_fault_iteration)
{
    /* rep movsw, CX=5, SI=FFFB, DF=0: the third iteration reads at FFFF. */
    struct sst_test t = make_test((const uint8_t[]){0xf3, 0xa5}, 2);
    t.init[SST_CX] = 5;
    t.init[SST_SI] = 0xfffb;
    struct sst_string_fault f;
    ck_assert_int_eq(sst_string_fault(&t, &f), SST_SEG_DS);
    ck_assert_int_eq(f.si, 0xffff);
    ck_assert_int_eq(f.di, 0x0300 + 4);
    ck_assert_int_eq(f.cx, 3);
    /* with DF=1 SI moves away from FFFF: no fault */
    t.init[SST_FLAGS] |= 0x400;
    ck_assert_int_eq(sst_string_fault(&t, &f), SST_SEG_NONE);
    free(t.iram);

    t = make_test((const uint8_t[]){0x36, 0xad}, 2); /* ss lodsw at SI=FFFF */
    t.init[SST_SI] = 0xffff;
    t.exc = 13;
    ck_assert_int_eq(sst_fault_seg(&t), SST_SEG_SS);
    free(t.iram);
    t = make_test((const uint8_t[]){0x07}, 1); /* pop es */
    ck_assert_int_eq(sst_fault_seg(&t), SST_SEG_SS);
    free(t.iram);
}
END_TEST

static int kind_of(const char *form, const uint8_t *b, int n, int exc)
{
    struct sst_test t = make_test(b, n);
    t.exc = exc;
    struct sst_applied a;
    sst_applicable(form, &t, &a);
    free(t.iram);
    return a.kind;
}

START_TEST(difference_rows)
{
    /* LOCK: fine on ADD to memory, #UD on a register destination, on CMP, on INT3 */
    ck_assert_int_eq(kind_of("01", (const uint8_t[]){0xf0, 0x01, 0x07}, 3, -1), P6_MASK);
    ck_assert_int_eq(kind_of("01", (const uint8_t[]){0xf0, 0x01, 0xc0}, 3, -1), P6_RAISES_UD);
    ck_assert_int_eq(kind_of("39", (const uint8_t[]){0xf0, 0x39, 0x07}, 3, -1), P6_RAISES_UD);
    ck_assert_int_eq(kind_of("CC", (const uint8_t[]){0xf0, 0xcc}, 2, 3), P6_RAISES_UD);
    ck_assert_int_eq(kind_of("8D", (const uint8_t[]){0xf0, 0x8d, 0xc0}, 3, 6), P6_MASK);
    /* int 13 on an SS-relative word: #SS on the P6; DS-relative stays 13 */
    ck_assert_int_eq(kind_of("8B", (const uint8_t[]){0x8b, 0x46, 0x00}, 3, 13), P6_VECTOR);
    ck_assert_int_eq(kind_of("8B", (const uint8_t[]){0x8b, 0x07}, 2, 13), P6_MASK);
    /* the 286's 10-byte limit */
    ck_assert_int_eq(
        kind_of("81.0",
                (const uint8_t[]){0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x81, 0x84, 0x00, 0x10, 0x34, 0x12},
                11, 13),
        P6_NO_FAULT);

    const struct p6_difference d = {.forms = "9D CF"};
    ck_assert(p6_form_listed(&d, "9D"));
    ck_assert(p6_form_listed(&d, "CF"));
    ck_assert(!p6_form_listed(&d, "9"));
    ck_assert(!p6_form_listed(&d, "D8"));
}
END_TEST

START_TEST(loader_reads_files)
{
    char dir[] = "/tmp/sst_selftestXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/metadata.json", dir);
    FILE *fp = fopen(path, "w");
    fputs("{\"opcodes\":{\"F6\":{\"reg\":{\"6\":{\"status\":\"normal\",\"flags-mask\":63274}}},"
          "\"40\":{\"status\":\"normal\"}}}",
          fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/F6.6.json.gz", dir);
    gzFile gz = gzopen(path, "wb");
    gzputs(
        gz,
        "[{\"idx\":7,\"name\":\"div bl\",\"bytes\":[246,243,244],\"initial\":{\"regs\":"
        "{\"ax\":1,\"bx\":2,\"cx\":3,\"dx\":4,\"cs\":5,\"ss\":6,\"ds\":7,\"es\":8,\"sp\":9,"
        "\"bp\":10,\"si\":11,\"di\":12,\"ip\":13,\"flags\":14},\"ram\":[[1048575,246],[16,1]],"
        "\"queue\":[]},\"final\":{\"regs\":{\"ax\":300,\"ip\":16},\"ram\":[[99,7]],\"queue\":[]},"
        "\"exception\":{\"number\":0,\"flag_address\":1234},\"hash\":\"x\"}]\n");
    gzclose(gz);

    void *meta = sst_load_metadata(dir);
    ck_assert_ptr_nonnull(meta);
    struct sst_form f;
    ck_assert_int_eq(sst_load_form(dir, "F6.6", meta, &f), 0);
    ck_assert_int_eq(f.flags_mask, 63274);
    ck_assert_int_eq(f.ntests, 1);
    const struct sst_test *t = &f.tests[0];
    ck_assert_int_eq(t->idx, 7);
    ck_assert_str_eq(t->name, "div bl");
    ck_assert_int_eq(t->nbytes, 3);
    ck_assert_int_eq(t->init[SST_DI], 12);
    ck_assert_int_eq(t->fin[SST_AX], 300);
    ck_assert_int_eq(t->fin[SST_BX], 2); /* not listed: unchanged */
    ck_assert_int_eq(t->fin[SST_IP], 16);
    ck_assert_int_eq(t->niram, 2);
    ck_assert_int_eq(t->iram[0].addr, 1048575);
    ck_assert_int_eq(t->iram[0].val, 246);
    ck_assert_int_eq(t->nfram, 1);
    ck_assert_int_eq(t->exc, 0);
    sst_free_form(&f);
    ck_assert_int_ne(sst_load_form(dir, "F6.7", meta, &f), 0); /* no such file */
    sst_free_metadata(meta);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    ck_assert_int_eq(system(path), 0);
}
END_TEST

static bool run(struct sst_machine *m, struct sst_test *t, const char *form, char *diff)
{
    struct sst_form f = {.flags_mask = 0xffff, .tests = t, .ntests = 1};
    snprintf(f.form, sizeof f.form, "%s", form);
    struct sst_applied a;
    sst_applicable(form, t, &a);
    diff[0] = 0;
    return sst_run_test(m, &f, t, &a, diff, 4096);
}

START_TEST(run_detects_mismatches)
{
    struct sst_machine *m = sst_machine_create();
    char diff[4096];

    /* inc ax: 1111 -> 1112, PF set (0x12 has two bits), others clear */
    struct sst_test t = make_test((const uint8_t[]){0x40}, 1);
    t.fin[SST_AX] = 0x1112;
    t.fin[SST_FLAGS] = 0x0006;
    ck_assert_msg(run(m, &t, "40", diff), "%s", diff);
    t.fin[SST_AX] = 0x1113;
    ck_assert(!run(m, &t, "40", diff));
    ck_assert_ptr_nonnull(strstr(diff, "ax: expected 1113 got 1112"));
    t.fin[SST_AX] = 0x1112;
    t.fin[SST_FLAGS] = 0x0002;
    ck_assert(!run(m, &t, "40", diff));
    ck_assert_ptr_nonnull(strstr(diff, "flags"));
    free(t.iram);
    ck_assert_int_lt(sst_machine_dirty(m), 0);

    /* mov [bx],al: DS=5000 -> 0x52222 gets 0x11 */
    t = make_test((const uint8_t[]){0x88, 0x07}, 2);
    struct sst_ram w = {0x52222, 0x11};
    t.fram = &w;
    t.nfram = 1;
    ck_assert_msg(run(m, &t, "88", diff), "%s", diff);
    w.val = 0x12;
    ck_assert(!run(m, &t, "88", diff));
    ck_assert_ptr_nonnull(strstr(diff, "ram[052222]"));
    /* a store the expectation does not list is left behind: a stray write */
    t.nfram = 0;
    run(m, &t, "88", diff);
    ck_assert_int_eq(sst_machine_dirty(m), 0x52222);
    sst_machine_wipe(m);
    free(t.iram);

    /* mov fs,[bx]: #UD on the 286, a load of FS on the P6 (P6_NO_FAULT row) */
    t = make_test((const uint8_t[]){0x8e, 0x27}, 2);
    t.exc = 6;
    t.iram = realloc(t.iram, (t.niram + 2) * sizeof *t.iram);
    t.iram[t.niram++] = (struct sst_ram){0x52222, 0x34};
    t.iram[t.niram++] = (struct sst_ram){0x52223, 0x12};
    ck_assert_msg(run(m, &t, "8E", diff), "%s", diff);
    ck_assert_int_eq(m->cpu->seg[SEG_FS].sel, 0x1234);
    free(t.iram);
    ck_assert_int_lt(sst_machine_dirty(m), 0);

    /* an exception nobody expects is caught where it is raised (no IVT set up) */
    t = make_test((const uint8_t[]){0xf6, 0xf5}, 2); /* div ch: CH=0 -> #DE */
    ck_assert(!run(m, &t, "F6.6", diff));
    ck_assert_ptr_nonnull(strstr(diff, "raised 0"));
    free(t.iram);
    sst_machine_destroy(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sst_harness");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, peek_modrm_and_prefixes);
    tcase_add_test(tc, string_fault_iteration);
    tcase_add_test(tc, difference_rows);
    tcase_add_test(tc, loader_reads_files);
    tcase_add_test(tc, run_detects_mismatches);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
