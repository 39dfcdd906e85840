/* The opcode table: every row has a real handler (no weak fallback left). */
#include <check.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "test_util.h"

START_TEST(every_row_implemented)
{
    int missing = 0;
    for (int op = 0; op < 0x200; op++) {
        const struct opcode_info *oi = &opcode_table[op];
        if (oi->name && oi->handler == op_unimplemented) {
            fprintf(stderr, "no handler for %s%02x (%s)\n", op & OPC_0F ? "0f " : "", op & 0xff,
                    oi->name);
            missing++;
        }
    }
    ck_assert_int_eq(missing, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("opcode_table");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_row_implemented);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
