/* Declared state: save -> load round trips, name matching, bad buffers. */
#include <check.h>
#include <string.h>

#include "devices/vmstate.h"
#include "test_util.h"

struct toy {
    uint8_t a;
    uint32_t b;
    uint16_t arr[3];
    int loads;
};

static int toy_post_load(void *opaque)
{
    ((struct toy *)opaque)->loads++;
    return 0;
}

static const struct vmstate_field toy_fields[] = {
    VMSTATE_FIELD(struct toy, a, 1),
    VMSTATE_FIELD(struct toy, b, 1),
    VMSTATE_FIELD(struct toy, arr, 2),
};
static const struct vmstate toy_vs = VMSTATE_DESC("toy", 2, toy_fields, toy_post_load);

START_TEST(round_trip)
{
    struct toy t = {.a = 7, .b = 0xdeadbeef, .arr = {1, 2, 3}}, u = {0};
    uint8_t buf[256];
    size_t n = vmstate_save(&toy_vs, &t, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(&toy_vs, &u, buf, n), 0);
    ck_assert_uint_eq(u.a, 7);
    ck_assert_uint_eq(u.b, 0xdeadbeef);
    ck_assert_uint_eq(u.arr[2], 3);
    ck_assert_int_eq(u.loads, 1);
}
END_TEST

START_TEST(bad_buffers_leave_object_alone)
{
    struct toy t = {.a = 7, .b = 9}, u = {.a = 1, .b = 2};
    uint8_t buf[256];
    size_t n = vmstate_save(&toy_vs, &t, buf, sizeof buf);
    for (size_t cut = 0; cut < n; cut++)
        ck_assert_int_eq(vmstate_load(&toy_vs, &u, buf, cut), -1);
    uint8_t bad[256];
    memcpy(bad, buf, n);
    bad[4] = 'x'; /* state name no longer "toy" */
    ck_assert_int_eq(vmstate_load(&toy_vs, &u, bad, n), -1);
    ck_assert_uint_eq(u.a, 1);
    ck_assert_uint_eq(u.b, 2);
    ck_assert_int_eq(u.loads, 0);
}
END_TEST

START_TEST(too_small_buffer_reports_size)
{
    struct toy t = {0};
    uint8_t big[256], small[4];
    size_t n = vmstate_save(&toy_vs, &t, big, sizeof big);
    ck_assert_uint_eq(vmstate_save(&toy_vs, &t, small, sizeof small), n);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vmstate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, bad_buffers_leave_object_alone);
    tcase_add_test(tc, too_small_buffer_reports_size);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
