/* Display surface: resizing and dirty-rectangle union/clipping. */
#include <check.h>

#include "devices/surface.h"
#include "test_util.h"

START_TEST(resize_marks_all_dirty)
{
    struct surface *s = surface_create(640, 400);
    struct surface_rect r;
    ck_assert(surface_take_dirty(s, &r));
    ck_assert_int_eq(r.w, 640);
    ck_assert_int_eq(r.h, 400);
    ck_assert(!surface_take_dirty(s, &r));
    ck_assert(!surface_resize(s, 0, 10));
    ck_assert(!surface_resize(s, 9000, 10));
    ck_assert(surface_resize(s, 720, 400));
    ck_assert_int_eq(s->stride, 720);
    surface_destroy(s);
}
END_TEST

START_TEST(dirty_union_and_clip)
{
    struct surface *s = surface_create(100, 100);
    struct surface_rect r;
    surface_take_dirty(s, &r);
    surface_mark_dirty(s, 10, 10, 5, 5);
    surface_mark_dirty(s, 50, 2, 10, 3);
    ck_assert(surface_take_dirty(s, &r));
    ck_assert_int_eq(r.x, 10);
    ck_assert_int_eq(r.y, 2);
    ck_assert_int_eq(r.w, 50);
    ck_assert_int_eq(r.h, 13);
    surface_mark_dirty(s, -5, 95, 20, 20);
    ck_assert(surface_take_dirty(s, &r));
    ck_assert_int_eq(r.x, 0);
    ck_assert_int_eq(r.y, 95);
    ck_assert_int_eq(r.w, 15);
    ck_assert_int_eq(r.h, 5);
    surface_mark_dirty(s, 200, 200, 5, 5);
    ck_assert(!surface_take_dirty(s, &r));
    surface_destroy(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("surface");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, resize_marks_all_dirty);
    tcase_add_test(tc, dirty_union_and_clip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
