/* The 8042 keyboard controller driven through ports 0x60/0x64 with no CPU:
 * status bits, controller commands, the command byte's interrupt, disable
 * and translate bits, the shared output buffer, A20 and reset through the
 * output port, and the state table round trip. */
#include "input_test_util.h"

#include <stdarg.h>

#include "cpu/cpu.h"
#include "devices/i8042.h"
#include "devices/ps2.h"
#include "devices/vmstate.h"

#define ST_OBF    0x01
#define ST_SYS    0x04
#define ST_A2     0x08
#define ST_INH    0x10
#define ST_AUXOBF 0x20

struct kbc {
    struct machine *m;
    struct i8042 *c;
    struct irq_probe irq1, irq12;
};

static void kbc_init(struct kbc *k)
{
    memset(k, 0, sizeof *k);
    k->m = input_machine();
    k->c = i8042_create(k->m, irq_probe_line(&k->irq1, 1), irq_probe_line(&k->irq12, 12));
    ck_assert_ptr_nonnull(k->c);
}

static void kbc_fini(struct kbc *k)
{
    i8042_destroy(k->c);
    machine_destroy(k->m);
}

static uint8_t status(struct kbc *k)
{
    return port_in(k->m, 0x64);
}
static void cmd(struct kbc *k, uint8_t c)
{
    port_out(k->m, 0x64, c);
}
static void data_out(struct kbc *k, uint8_t v)
{
    port_out(k->m, 0x60, v);
}

/* Read one byte, asserting the output buffer was full. */
static uint8_t data_in(struct kbc *k)
{
    ck_assert_msg(status(k) & ST_OBF, "output buffer empty");
    return port_in(k->m, 0x60);
}

static void set_cb(struct kbc *k, uint8_t v)
{
    cmd(k, 0x60);
    data_out(k, v);
}

static uint8_t get_cb(struct kbc *k)
{
    cmd(k, 0x20);
    return data_in(k);
}

START_TEST(power_on_status_and_self_test)
{
    struct kbc k;
    kbc_init(&k);
    uint8_t st = status(&k);
    ck_assert_uint_eq(st & ST_OBF, 0);
    ck_assert_uint_eq(st & ST_SYS, 0); /* cold boot */
    ck_assert_uint_eq(st & ST_INH, ST_INH);
    cmd(&k, 0xaa);
    st = status(&k);
    ck_assert_uint_eq(st & (ST_OBF | ST_SYS | ST_A2 | ST_AUXOBF), ST_OBF | ST_SYS | ST_A2);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x55);
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    /* an empty buffer reads its last byte again */
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x55);
    cmd(&k, 0xab); /* keyboard interface test */
    ck_assert_uint_eq(data_in(&k), 0x00);
    cmd(&k, 0xa9); /* mouse interface test */
    ck_assert_uint_eq(data_in(&k), 0x00);
    cmd(&k, 0xa4); /* no password */
    ck_assert_uint_eq(data_in(&k), 0xf1);
    data_out(&k, 0xee); /* a data write clears A2 (and reaches the keyboard: echo) */
    ck_assert_uint_eq(status(&k) & ST_A2, 0);
    ck_assert_uint_eq(data_in(&k), 0xee);
    kbc_fini(&k);
}
END_TEST

START_TEST(command_byte_and_ram)
{
    struct kbc k;
    kbc_init(&k);
    ck_assert_uint_eq(get_cb(&k), 0x03);
    set_cb(&k, 0x45);
    ck_assert_uint_eq(get_cb(&k), 0x45);
    ck_assert_uint_eq(status(&k) & ST_SYS, ST_SYS); /* SYS follows the command byte */
    set_cb(&k, 0x41);
    ck_assert_uint_eq(status(&k) & ST_SYS, 0);
    cmd(&k, 0xad);
    ck_assert_uint_eq(get_cb(&k), 0x51);
    cmd(&k, 0xa7);
    ck_assert_uint_eq(get_cb(&k), 0x71);
    cmd(&k, 0xae);
    cmd(&k, 0xa8);
    ck_assert_uint_eq(get_cb(&k), 0x41);
    cmd(&k, 0x65); /* controller RAM byte 5 */
    data_out(&k, 0x9c);
    cmd(&k, 0x25);
    ck_assert_uint_eq(data_in(&k), 0x9c);
    cmd(&k, 0xc0); /* input port: keylock open */
    ck_assert_uint_eq(data_in(&k) & 0x80, 0x80);
    cmd(&k, 0x12); /* not a command: ignored */
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    kbc_fini(&k);
}
END_TEST

START_TEST(keyboard_irq1_follows_command_byte)
{
    struct kbc k;
    kbc_init(&k);
    set_cb(&k, 0x01); /* IRQ1 on, no translation */
    struct ps2_kbd *kbd = i8042_kbd(k.c);
    ps2_kbd_key(kbd, 0x1c, true);
    ck_assert(k.irq1.level);
    ck_assert_int_eq(k.irq1.raises, 1);
    ck_assert(!k.irq12.level);
    ck_assert_uint_eq(status(&k) & (ST_OBF | ST_AUXOBF), ST_OBF);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x1c);
    ck_assert(!k.irq1.level);
    /* Release: F0 1C, two bytes, each with its own edge. */
    ps2_kbd_key(kbd, 0x1c, false);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0xf0);
    ck_assert(k.irq1.level);
    ck_assert_int_eq(k.irq1.raises, 3);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x1c);
    ck_assert(!k.irq1.level);
    /* Interrupt disabled: the byte is there, the line stays low. */
    set_cb(&k, 0x00);
    ps2_kbd_key(kbd, 0x32, true);
    ck_assert(!k.irq1.level);
    ck_assert_uint_eq(data_in(&k), 0x32);
    /* Enabling the interrupt with a full buffer raises the line. */
    ps2_kbd_key(kbd, 0x21, true);
    set_cb(&k, 0x01);
    ck_assert(k.irq1.level);
    ck_assert_uint_eq(data_in(&k), 0x21);
    kbc_fini(&k);
}
END_TEST

START_TEST(translation_to_set1)
{
    struct kbc k;
    kbc_init(&k);
    set_cb(&k, 0x41); /* XLATE, IRQ1 */
    struct ps2_kbd *kbd = i8042_kbd(k.c);
    ps2_kbd_key(kbd, 0x1c, true); /* A */
    ck_assert_uint_eq(data_in(&k), 0x1e);
    ps2_kbd_key(kbd, 0x1c, false); /* F0 1C -> 9E: the break prefix merges into bit 7 */
    ck_assert_uint_eq(data_in(&k), 0x9e);
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    ps2_kbd_key(kbd, 0xe075, false); /* Up released: E0 F0 75 -> E0 C8 */
    ck_assert_uint_eq(data_in(&k), 0xe0);
    ck_assert_uint_eq(data_in(&k), 0xc8);
    ps2_kbd_key(kbd, 0x83, true); /* F7: the one set-2 code above 0x7F */
    ck_assert_uint_eq(data_in(&k), 0x41);
    ps2_kbd_key(kbd, PS2_KEY_PAUSE, true);
    static const uint8_t pause1[] = {0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5};
    for (unsigned i = 0; i < sizeof pause1; i++)
        ck_assert_uint_eq(data_in(&k), pause1[i]);
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    /* Keyboard replies are translated too: identify gives AB 41. */
    data_out(&k, 0xf2);
    ck_assert_uint_eq(data_in(&k), 0xfa);
    ck_assert_uint_eq(data_in(&k), 0xab);
    ck_assert_uint_eq(data_in(&k), 0x41);
    /* ... but controller replies are not. */
    cmd(&k, 0xaa);
    ck_assert_uint_eq(data_in(&k), 0x55);
    kbc_fini(&k);
}
END_TEST

START_TEST(disabled_interface_holds_data)
{
    struct kbc k;
    kbc_init(&k);
    set_cb(&k, 0x03);
    cmd(&k, 0xad);
    ps2_kbd_key(i8042_kbd(k.c), 0x29, true);
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    ck_assert(!k.irq1.level);
    cmd(&k, 0xae);
    ck_assert(k.irq1.level);
    ck_assert_uint_eq(data_in(&k), 0x29);
    /* Mouse: 0xA7 holds its bytes until 0xA8. */
    cmd(&k, 0xa7);
    cmd(&k, 0xd4);
    data_out(&k, 0xf2);
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    cmd(&k, 0xa8);
    ck_assert(k.irq12.level);
    ck_assert_uint_eq(status(&k) & (ST_OBF | ST_AUXOBF), ST_OBF | ST_AUXOBF);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0xfa);
    ck_assert_uint_eq(data_in(&k), 0x00);
    ck_assert(!k.irq12.level);
    /* Writing to the keyboard re-enables its interface; the reply comes
     * before a key held while it was disabled. */
    cmd(&k, 0xad);
    ps2_kbd_key(i8042_kbd(k.c), 0x1c, true);
    data_out(&k, 0xee);
    ck_assert_uint_eq(data_in(&k), 0xee);
    ck_assert_uint_eq(data_in(&k), 0x1c);
    ck_assert_uint_eq(get_cb(&k) & 0x10, 0);
    kbc_fini(&k);
}
END_TEST

START_TEST(shared_output_buffer)
{
    struct kbc k;
    kbc_init(&k);
    set_cb(&k, 0x03);
    cmd(&k, 0xd4);
    data_out(&k, 0xf4); /* mouse: enable reporting */
    ck_assert(k.irq12.level);
    ck_assert_uint_eq(data_in(&k), 0xfa);
    ps2_mouse_event(i8042_mouse(k.c), 1, 0, 0, 0);
    ps2_kbd_key(i8042_kbd(k.c), 0x1c, true);
    /* The mouse packet's first byte got the buffer first. */
    ck_assert_uint_eq(status(&k) & ST_AUXOBF, ST_AUXOBF);
    ck_assert(k.irq12.level && !k.irq1.level);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x08);
    /* Now the keyboard goes ahead of the rest of the packet. */
    ck_assert_uint_eq(status(&k) & (ST_OBF | ST_AUXOBF), ST_OBF);
    ck_assert(k.irq1.level && !k.irq12.level);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x1c);
    ck_assert_uint_eq(status(&k) & ST_AUXOBF, ST_AUXOBF);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x01);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x00);
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    /* 0xD2 / 0xD3 fake a byte from either device. */
    cmd(&k, 0xd2);
    data_out(&k, 0x5a);
    ck_assert_uint_eq(status(&k) & (ST_OBF | ST_AUXOBF), ST_OBF);
    ck_assert(k.irq1.level);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0x5a);
    cmd(&k, 0xd3);
    data_out(&k, 0xa5);
    ck_assert_uint_eq(status(&k) & (ST_OBF | ST_AUXOBF), ST_OBF | ST_AUXOBF);
    ck_assert(k.irq12.level);
    ck_assert_uint_eq(port_in(k.m, 0x60), 0xa5);
    kbc_fini(&k);
}
END_TEST

START_TEST(output_port_a20_and_reset)
{
    struct kbc k;
    kbc_init(&k);
    ck_assert(machine_a20(k.m));
    cmd(&k, 0xd0);
    uint8_t op = data_in(&k);
    ck_assert_uint_eq(op & 0x03, 0x03); /* not in reset, A20 on */
    cmd(&k, 0xd1);
    data_out(&k, 0xdd); /* A20 off */
    ck_assert(!machine_a20(k.m));
    cmd(&k, 0xd0);
    ck_assert_uint_eq(data_in(&k) & 0x02, 0);
    cmd(&k, 0xdf); /* HP-style A20 on */
    ck_assert(machine_a20(k.m));
    cmd(&k, 0xd1);
    data_out(&k, 0xdd);
    ck_assert(!machine_a20(k.m));
    cmd(&k, 0xd1);
    data_out(&k, 0xdf);
    ck_assert(machine_a20(k.m));
    /* Output port bit 4 mirrors a full keyboard buffer (the IRQ1 line). */
    set_cb(&k, 0x00);
    cmd(&k, 0xd2);
    data_out(&k, 0x11);
    cmd(&k, 0xd0); /* read while 0x11 is in the buffer, queued behind it */
    ck_assert_uint_eq(data_in(&k), 0x11);
    ck_assert_uint_eq(data_in(&k) & 0x30, 0x10);
    cmd(&k, 0xd0); /* buffer empty when read */
    ck_assert_uint_eq(data_in(&k) & 0x30, 0x00);
    /* 0xFF pulses nothing; no reset. */
    cmd(&k, 0xff);
    run_pending_reset(k.m);
    ck_assert_uint_eq(machine_reset_count(k.m), 0);
    /* Output port bit 0 low holds the CPU in reset. */
    cmd(&k, 0xd1);
    data_out(&k, 0xdc);
    run_pending_reset(k.m);
    ck_assert_uint_eq(machine_reset_count(k.m), 1);
    /* The reset handler put the controller back to power-on state. */
    ck_assert_uint_eq(get_cb(&k), 0x03);
    ck_assert(machine_a20(k.m));
    kbc_fini(&k);
}
END_TEST

START_TEST(pulse_reset_line)
{
    struct kbc k;
    kbc_init(&k);
    cmd(&k, 0xfe);
    run_pending_reset(k.m);
    ck_assert_uint_eq(machine_reset_count(k.m), 1);
    cmd(&k, 0xf0); /* pulses all four lines, reset included */
    run_pending_reset(k.m);
    ck_assert_uint_eq(machine_reset_count(k.m), 2);
    cmd(&k, 0xfd); /* bit 0 set: line 0 not pulsed */
    run_pending_reset(k.m);
    ck_assert_uint_eq(machine_reset_count(k.m), 2);
    kbc_fini(&k);
}
END_TEST

START_TEST(state_round_trip)
{
    struct kbc a, b;
    kbc_init(&a);
    kbc_init(&b);
    set_cb(&a, 0x47);
    cmd(&a, 0x6a);
    data_out(&a, 0x77);
    cmd(&a, 0xd1);
    data_out(&a, 0xcd); /* A20 off */
    ps2_kbd_key(i8042_kbd(a.c), 0x1c, true);
    ps2_kbd_key(i8042_kbd(a.c), 0x1c, false);
    ck_assert(a.irq1.level);
    ck_assert(machine_a20(b.m));

    uint8_t buf[1024];
    size_t n = vmstate_save(i8042_vmstate(), a.c, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    uint8_t kbuf[1024];
    size_t kn = vmstate_save(ps2_kbd_vmstate(), i8042_kbd(a.c), kbuf, sizeof kbuf);
    ck_assert_uint_le(kn, sizeof kbuf);
    ck_assert_int_eq(vmstate_load(ps2_kbd_vmstate(), i8042_kbd(b.c), kbuf, kn), 0);
    ck_assert_int_eq(vmstate_load(i8042_vmstate(), b.c, buf, n), 0);
    /* post_load re-drove the lines: IRQ1 up, A20 off */
    ck_assert(b.irq1.level);
    ck_assert(!machine_a20(b.m));
    ck_assert_uint_eq(status(&b), status(&a));
    ck_assert_uint_eq(port_in(b.m, 0x60), 0x1e);
    ck_assert_uint_eq(port_in(b.m, 0x60), 0x9e); /* translation state came along */
    ck_assert_uint_eq(get_cb(&b), 0x47);
    cmd(&b, 0x2a);
    ck_assert_uint_eq(data_in(&b), 0x77);
    kbc_fini(&a);
    kbc_fini(&b);
}
END_TEST

static int log_lines;
static void count_log(void *opaque, const char *category, const char *fmt, va_list ap)
{
    (void)opaque, (void)fmt, (void)ap;
    ck_assert_str_eq(category, "unimp");
    log_lines++;
}

/* Unknown commands are logged once under -d unimp and otherwise ignored. */
START_TEST(unknown_commands_logged_once)
{
    struct kbc k = {0};
    k.m = test_machine_cfg((struct machine_config){
        .ram_size = 2u << 20,
        .deterministic = true,
        .log_mask = CPU_LOG_UNIMP,
        .log_fn = count_log,
    });
    k.c = i8042_create(k.m, irq_probe_line(&k.irq1, 1), irq_probe_line(&k.irq12, 12));
    log_lines = 0;
    cmd(&k, 0xc8);
    cmd(&k, 0xc8);
    ck_assert_int_eq(log_lines, 1);
    ck_assert_uint_eq(status(&k) & ST_OBF, 0);
    cmd(&k, 0xc9);
    ck_assert_int_eq(log_lines, 2);
    data_out(&k, 0x42); /* unknown keyboard command: resend request, logged once */
    ck_assert_uint_eq(data_in(&k), 0xfe);
    data_out(&k, 0x43);
    ck_assert_uint_eq(data_in(&k), 0xfe);
    ck_assert_int_eq(log_lines, 3);
    cmd(&k, 0xaa); /* and the controller still works */
    ck_assert_uint_eq(data_in(&k), 0x55);
    kbc_fini(&k);
}
END_TEST

/* Random guest programming and host input: nothing breaks, and the IRQ
 * lines always match the status register. */
START_TEST(random_programming_keeps_invariants)
{
    struct kbc k;
    kbc_init(&k);
    uint32_t seed = 12345;
    for (int i = 0; i < 50000; i++) {
        seed = seed * 1103515245u + 12345u;
        uint8_t r = (uint8_t)(seed >> 16), v = (uint8_t)(seed >> 24);
        switch (r % 8) {
        case 0: cmd(&k, v); break;
        case 1: data_out(&k, v); break;
        case 2:
        case 3: (void)port_in(k.m, 0x60); break;
        case 4:
            ps2_kbd_key(i8042_kbd(k.c), v & 1 ? (uint16_t)(0xe000 | (v >> 1)) : v >> 1, v & 0x80);
            break;
        case 5: ps2_mouse_event(i8042_mouse(k.c), (int8_t)v, (int8_t)(v * 7), v & 3, v >> 5); break;
        case 6:
            cmd(&k, 0xd4);
            data_out(&k, v);
            break;
        default: (void)status(&k); break;
        }
        uint8_t st = status(&k);
        if (st & ST_AUXOBF)
            ck_assert(st & ST_OBF);
        if (k.irq1.level)
            ck_assert((st & (ST_OBF | ST_AUXOBF)) == ST_OBF);
        if (k.irq12.level)
            ck_assert((st & (ST_OBF | ST_AUXOBF)) == (ST_OBF | ST_AUXOBF));
    }
    /* Still a working controller afterwards. */
    set_cb(&k, 0x00);
    for (int i = 0; i < 64 && (status(&k) & ST_OBF); i++)
        (void)port_in(k.m, 0x60);
    cmd(&k, 0xaa);
    ck_assert_uint_eq(data_in(&k), 0x55);
    kbc_fini(&k);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("i8042");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, power_on_status_and_self_test);
    tcase_add_test(tc, command_byte_and_ram);
    tcase_add_test(tc, keyboard_irq1_follows_command_byte);
    tcase_add_test(tc, translation_to_set1);
    tcase_add_test(tc, disabled_interface_holds_data);
    tcase_add_test(tc, shared_output_buffer);
    tcase_add_test(tc, output_port_a20_and_reset);
    tcase_add_test(tc, pulse_reset_line);
    tcase_add_test(tc, state_round_trip);
    tcase_add_test(tc, random_programming_keeps_invariants);
    tcase_add_test(tc, unknown_commands_logged_once);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
