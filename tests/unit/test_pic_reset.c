/* Machine reset reaches the PIC, PIT and RTC reset handlers: a tiny real-mode
 * ROM programs all three, triple-faults (the machine resets, RAM kept), and
 * on the second pass exits; the devices must be back in their reset state
 * (8259A uninitialized with IMR clear, PIT counters unprogrammed, RTC
 * interrupt enables cleared by its RESET pin, time and CMOS RAM kept). */
#include <check.h>

#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/rtc.h"
#include "timers_test_util.h"

#define ROM_SIZE (64u << 10)

/* Code at ROM offset 0 (F000:0000); the reset vector jumps there. */
static const uint8_t code[] = {
    0x31, 0xc0,                         /* xor ax, ax */
    0x8e, 0xd8,                         /* mov ds, ax */
    0x80, 0x3e, 0x00, 0x05, 0x01,       /* cmp byte [0x500], 1 */
    0x74, 0x29,                         /* je done */
    0xc6, 0x06, 0x00, 0x05, 0x01,       /* mov byte [0x500], 1 */
    0xb0, 0xab, 0xe6, 0x21,             /* mov al, 0xab; out 0x21, al (IMR) */
    0xb0, 0x34, 0xe6, 0x43,             /* mov al, 0x34; out 0x43, al (ch0 mode 2) */
    0xb0, 0x10, 0xe6, 0x40, 0xe6, 0x40, /* count 0x1010 */
    0xb0, 0x0b, 0xe6, 0x70,             /* RTC index B */
    0xb0, 0x72, 0xe6, 0x71,             /* PIE | AIE | UIE | 24 h */
    0xb0, 0x40, 0xe6, 0x70,             /* CMOS byte 0x40 */
    0xb0, 0x5a, 0xe6, 0x71,             /* = 0x5a */
    0x0f, 0x01, 0x1e, 0x00, 0x06,       /* lidt [0x600] (limit 0) */
    0xcc,                               /* int3: #GP, #DF, shutdown */
    /* done: */
    0xb0, 0x10, 0xe6, 0xf4, /* mov al, 0x10; out 0xf4, al */
    0xf4,                   /* hlt */
};

START_TEST(reset_handlers)
{
    uint8_t *rom = malloc(ROM_SIZE);
    memset(rom, 0xf4, ROM_SIZE);
    memcpy(rom, code, sizeof code);
    static const uint8_t jmp[] = {0xea, 0x00, 0x00, 0x00, 0xf0}; /* jmp f000:0000 */
    memcpy(rom + ROM_SIZE - 16, jmp, sizeof jmp);
    struct machine_config cfg = {
        .ram_size = 1u << 20, .bios = rom, .bios_size = ROM_SIZE, .deterministic = true};
    char err[128];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    free(rom);
    struct pic *pic = pic_create(m);
    struct pit *pit = pit_create(m, pic_irq_line(pic, 0));
    struct rtc *rtc = rtc_create(m, pic_irq_line(pic, 8), 1000000000, false);
    ck_assert_int_eq(machine_run(m), (0x10 << 1) | 1);
    ck_assert_uint_eq(machine_reset_count(m), 1);
    ck_assert_uint_eq(pic_imr(pic, 0), 0x00);
    ck_assert(!pit_out(pit, 0));             /* no control word: idle, OUT low */
    ck_assert_uint_eq(tu_in(m, 0x40), 0x00); /* and nothing loaded */
    ck_assert_uint_eq(rtc_cmos_get(rtc, 0x0b), 0x02);
    ck_assert_uint_eq(rtc_cmos_get(rtc, 0x40), 0x5a);
    ck_assert_int_ge(rtc_time(rtc), 1000000000);
    machine_destroy(m);
    rtc_destroy(rtc);
    pit_destroy(pit);
    pic_destroy(pic);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pic_reset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reset_handlers);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
