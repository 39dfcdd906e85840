/* FSTENV/FSAVE store tags computed from the register contents, not the
 * "all valid" state an MMX instruction leaves (SDM Vol. 1, 8.1.7). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/prot.h"
#include "mmu/ioport.h"
#include "mmu/memmap.h"

#define RAM 0x10000

START_TEST(fnstenv_after_mmx_recomputes_tags)
{
    uint8_t *ram = calloc(1, RAM);
    struct memmap *mem = memmap_create();
    struct ioport_map *io = ioport_create();
    memmap_add_ram(mem, 0, RAM, ram, false);
    struct cpu *cpu = cpu_create(mem, io);
    static const uint8_t code[] = {
        0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
        0x0f, 0x6e, 0xc0,                   /* movd mm0, eax */
        0xd9, 0x36, 0x00, 0x01,             /* fnstenv [0x100] (16-bit real-mode layout) */
        0xf4,                               /* hlt */
    };
    memcpy(ram, code, sizeof code);
    cpu_load_seg_real(cpu, SEG_CS, 0);
    cpu->eip = 0;
    ck_assert_int_eq(cpu_run(cpu, 100), CPU_EXIT_HALT);
    uint16_t ftw = (uint16_t)(ram[0x104] | ram[0x105] << 8);
    /* TOP = 0 after MMX: R0 holds the MMX value (exponent all ones: special,
     * 10b); R1-R7 are zero since power-on (zero, 01b). */
    ck_assert_uint_eq(ftw, 0x5556);
    cpu_destroy(cpu);
    ioport_destroy(io);
    memmap_destroy(mem);
    free(ram);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fpu_tagword");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, fnstenv_after_mmx_recomputes_tags);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
