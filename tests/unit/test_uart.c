/* The 16550A through its eight ports on the virtual clock, no CPU: register
 * file and DLAB, transmit to the chardev, FIFO trigger levels, character
 * timeout, interrupt priorities and the THRE re-arm rules, OUT2 gating,
 * overruns, loopback and modem status, paced reception from the chardev
 * with RTS flow control, and the state round trip. */
#include "input_test_util.h"

#include "devices/chardev.h"
#include "devices/uart.h"
#include "devices/vmstate.h"

#define COM 0x3f8
#define RBR (COM + 0)
#define THR (COM + 0)
#define IER (COM + 1)
#define IIR (COM + 2)
#define FCR (COM + 2)
#define LCR (COM + 3)
#define MCR (COM + 4)
#define LSR (COM + 5)
#define MSR (COM + 6)
#define SCR (COM + 7)

struct com {
    struct machine *m;
    struct uart *u;
    struct irq_probe irq;
    struct chardev *cd;
    char out[256];
    size_t out_len;
};

static void com_init(struct com *c)
{
    memset(c, 0, sizeof *c);
    c->m = input_machine();
    c->cd = chardev_open_buffer(c->out, sizeof c->out, &c->out_len);
    c->u = uart_create(c->m, COM, irq_probe_line(&c->irq, 4), c->cd);
    ck_assert_ptr_nonnull(c->u);
}

static void com_fini(struct com *c)
{
    uart_destroy(c->u);
    chardev_close(c->cd);
    machine_destroy(c->m);
}

static uint8_t in(struct com *c, uint16_t port)
{
    return port_in(c->m, port);
}
static void out(struct com *c, uint16_t port, uint8_t v)
{
    port_out(c->m, port, v);
}

/* 115200 baud (divisor 1), 8N1: 10 bits of 16 clocks of 1.8432 MHz. */
static void set_115200_8n1(struct com *c)
{
    out(c, LCR, 0x80);
    out(c, COM + 0, 1);
    out(c, COM + 1, 0);
    out(c, LCR, 0x03);
}
#define CHAR_NS_115200 (10ull * 16 * 1000000000ull / 1843200)

START_TEST(reset_state_and_registers)
{
    struct com c;
    com_init(&c);
    ck_assert_uint_eq(in(&c, LSR), 0x60); /* THRE | TEMT */
    ck_assert_uint_eq(in(&c, IIR), 0x01);
    ck_assert_uint_eq(in(&c, IER), 0x00);
    ck_assert_uint_eq(in(&c, MCR), 0x00);
    ck_assert_uint_eq(in(&c, MSR), 0xb0); /* DCD, DSR, CTS from the peer */
    out(&c, SCR, 0x5a);
    ck_assert_uint_eq(in(&c, SCR), 0x5a);
    /* DLAB: offsets 0/1 are the divisor latch. */
    out(&c, IER, 0x0f);
    out(&c, LCR, 0x83);
    ck_assert_uint_eq(in(&c, COM + 0), 12); /* 9600 baud at power-on */
    out(&c, COM + 0, 0x34);
    out(&c, COM + 1, 0x12);
    ck_assert_uint_eq(in(&c, COM + 0), 0x34);
    ck_assert_uint_eq(in(&c, COM + 1), 0x12);
    ck_assert_uint_eq(in(&c, LCR), 0x83);
    out(&c, LCR, 0x03);
    ck_assert_uint_eq(in(&c, IER), 0x0f);
    ck_assert_uint_eq(c.out_len, 0); /* no divisor write leaked to THR */
    /* The machine reset restores the registers but not the divisor/scratch. */
    out(&c, MCR, 0x0b);
    uart_reset(c.u);
    ck_assert_uint_eq(in(&c, IER), 0);
    ck_assert_uint_eq(in(&c, MCR), 0);
    ck_assert_uint_eq(in(&c, SCR), 0x5a);
    out(&c, LCR, 0x80);
    ck_assert_uint_eq(in(&c, COM + 1), 0x12);
    com_fini(&c);
}
END_TEST

START_TEST(transmit_and_thre_interrupt)
{
    struct com c;
    com_init(&c);
    out(&c, THR, 'h');
    out(&c, THR, 'i');
    ck_assert_uint_eq(c.out_len, 2);
    ck_assert(memcmp(c.out, "hi", 2) == 0);
    ck_assert_uint_eq(in(&c, LSR) & 0x60, 0x60); /* sent at once */
    /* Enabling THRI with THR empty raises it; OUT2 gates the line. */
    out(&c, IER, 0x02);
    ck_assert(!c.irq.level);
    out(&c, MCR, 0x08);
    ck_assert(c.irq.level);
    ck_assert_uint_eq(in(&c, IIR), 0x02);
    /* Reading IIR with THRE the source clears it. */
    ck_assert(!c.irq.level);
    ck_assert_uint_eq(in(&c, IIR), 0x01);
    /* A THR write re-arms it: one new edge per byte. */
    int raises = c.irq.raises;
    out(&c, THR, '!');
    ck_assert(c.irq.level);
    ck_assert_int_eq(c.irq.raises, raises + 1);
    ck_assert_uint_eq(in(&c, IIR), 0x02);
    /* Disabling and re-enabling THRI re-arms it too. */
    out(&c, IER, 0x00);
    out(&c, IER, 0x02);
    ck_assert_uint_eq(in(&c, IIR), 0x02);
    out(&c, MCR, 0x00);
    out(&c, IER, 0x00);
    out(&c, IER, 0x02);
    ck_assert(!c.irq.level); /* pending, but OUT2 is off */
    ck_assert_uint_eq(in(&c, IIR), 0x02);
    com_fini(&c);
}
END_TEST

START_TEST(fifo_trigger_levels)
{
    struct com c;
    com_init(&c);
    out(&c, MCR, 0x08);
    out(&c, IER, 0x01);
    out(&c, FCR, 0x47); /* FIFOs on, cleared, trigger 4 */
    ck_assert_uint_eq(in(&c, IIR), 0xc1);
    ck_assert_uint_eq(uart_receive(c.u, (const uint8_t *)"abc", 3), 3);
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0x01);
    ck_assert_uint_eq(in(&c, IIR), 0xc1); /* below the trigger */
    ck_assert(!c.irq.level);
    uart_receive(c.u, (const uint8_t *)"d", 1);
    ck_assert(c.irq.level);
    ck_assert_uint_eq(in(&c, IIR), 0xc4);
    ck_assert_uint_eq(in(&c, RBR), 'a');
    ck_assert(!c.irq.level); /* 3 left, below 4 */
    ck_assert_uint_eq(in(&c, RBR), 'b');
    ck_assert_uint_eq(in(&c, RBR), 'c');
    ck_assert_uint_eq(in(&c, RBR), 'd');
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0);
    ck_assert_uint_eq(in(&c, RBR), 'd'); /* empty: the last character again */
    /* Trigger 14 */
    out(&c, FCR, 0xc1);
    uint8_t buf[16];
    for (int i = 0; i < 16; i++)
        buf[i] = (uint8_t)('A' + i);
    uart_receive(c.u, buf, 13);
    ck_assert(!c.irq.level);
    uart_receive(c.u, buf + 13, 1);
    ck_assert(c.irq.level);
    /* FCR bit 1 empties the receive FIFO. */
    out(&c, FCR, 0xc3);
    ck_assert(!c.irq.level);
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0);
    /* Without FIFOs the trigger is one character and IIR bits 6-7 are 0. */
    out(&c, FCR, 0x00);
    uart_receive(c.u, (const uint8_t *)"z", 1);
    ck_assert_uint_eq(in(&c, IIR), 0x04);
    ck_assert_uint_eq(in(&c, RBR), 'z');
    com_fini(&c);
}
END_TEST

START_TEST(character_timeout)
{
    struct com c;
    com_init(&c);
    set_115200_8n1(&c);
    out(&c, MCR, 0x08);
    out(&c, IER, 0x01);
    out(&c, FCR, 0x81); /* trigger 8 */
    uart_receive(c.u, (const uint8_t *)"xy", 2);
    ck_assert_uint_eq(in(&c, IIR), 0xc1);
    advance_ns(c.m, 4 * CHAR_NS_115200 - 1000);
    ck_assert(!c.irq.level);
    advance_ns(c.m, 2000); /* 4 character times after the last character */
    ck_assert(c.irq.level);
    ck_assert_uint_eq(in(&c, IIR), 0xcc);
    ck_assert_uint_eq(in(&c, RBR), 'x'); /* a read clears it and restarts the timer */
    ck_assert(!c.irq.level);
    advance_ns(c.m, 4 * CHAR_NS_115200 + 1000);
    ck_assert_uint_eq(in(&c, IIR), 0xcc);
    ck_assert_uint_eq(in(&c, RBR), 'y');
    advance_ns(c.m, 10 * CHAR_NS_115200); /* empty: no timeout */
    ck_assert_uint_eq(in(&c, IIR), 0xc1);
    /* A slower rate stretches the timeout: 9600 baud, 7E2 = 11 bits. */
    out(&c, LCR, 0x80);
    out(&c, COM + 0, 12);
    out(&c, LCR, 0x1e);
    uart_receive(c.u, (const uint8_t *)"q", 1);
    uint64_t char_ns = 11ull * 16 * 12 * 1000000000ull / 1843200;
    advance_ns(c.m, 4 * char_ns - 5000);
    ck_assert_uint_eq(in(&c, IIR), 0xc1);
    advance_ns(c.m, 10000);
    ck_assert_uint_eq(in(&c, IIR), 0xcc);
    com_fini(&c);
}
END_TEST

START_TEST(overrun_and_line_status)
{
    struct com c;
    com_init(&c);
    out(&c, MCR, 0x08);
    out(&c, IER, 0x05); /* RDI and RLSI */
    out(&c, FCR, 0x01); /* trigger 1 */
    uint8_t buf[17];
    for (int i = 0; i < 17; i++)
        buf[i] = (uint8_t)i;
    ck_assert_uint_eq(uart_receive(c.u, buf, 17), 16); /* the 17th is lost */
    /* Line status has priority over received data. */
    ck_assert_uint_eq(in(&c, IIR), 0xc6);
    ck_assert_uint_eq(in(&c, LSR) & 0x03, 0x03); /* OE + DR */
    ck_assert_uint_eq(in(&c, LSR) & 0x02, 0);    /* cleared by the read */
    ck_assert_uint_eq(in(&c, IIR), 0xc4);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(in(&c, RBR), i); /* the FIFO kept the first 16 */
    ck_assert_uint_eq(in(&c, IIR), 0xc1);
    /* Without FIFOs the new character replaces the unread one. */
    out(&c, FCR, 0x00);
    uart_receive(c.u, (const uint8_t *)"12", 2);
    ck_assert_uint_eq(in(&c, LSR) & 0x03, 0x03);
    ck_assert_uint_eq(in(&c, RBR), '2');
    /* A break: a 0 character with BI; FIFO error bit 7 while it is queued. */
    out(&c, FCR, 0x01);
    uart_receive(c.u, (const uint8_t *)"k", 1);
    uart_receive_break(c.u);
    ck_assert_uint_eq(in(&c, LSR), 0xe1); /* the break is not at the top yet */
    ck_assert_uint_eq(in(&c, RBR), 'k');
    ck_assert_uint_eq(in(&c, IIR), 0xc6);
    ck_assert_uint_eq(in(&c, LSR), 0xf1); /* BI now, then cleared */
    ck_assert_uint_eq(in(&c, LSR), 0xe1);
    ck_assert_uint_eq(in(&c, RBR), 0x00);
    ck_assert_uint_eq(in(&c, LSR), 0x60);
    com_fini(&c);
}
END_TEST

START_TEST(loopback_and_modem_status)
{
    struct com c;
    com_init(&c);
    out(&c, IER, 0x09); /* RDI and MSI */
    out(&c, LCR, 0x03); /* 8 bits */
    in(&c, MSR);
    out(&c, MCR, 0x10); /* loopback, all outputs off */
    uint8_t msr = in(&c, MSR);
    ck_assert_uint_eq(msr & 0xf0, 0x00);
    ck_assert_uint_eq(msr & 0x0f, 0x0b);  /* CTS, DSR, DCD dropped (RI did not fall) */
    ck_assert_uint_eq(in(&c, MSR), 0x00); /* deltas cleared by the read */
    out(&c, MCR, 0x1f);                   /* DTR RTS OUT1 OUT2 -> DSR CTS RI DCD */
    msr = in(&c, MSR);
    ck_assert_uint_eq(msr, 0xfb);
    out(&c, MCR, 0x1b);                   /* OUT1 off: RI falls, trailing edge */
    ck_assert_uint_eq(in(&c, IIR), 0x00); /* modem status interrupt */
    ck_assert(!c.irq.level);              /* OUT2 is forced off in loopback: no IRQ */
    ck_assert_uint_eq(in(&c, MSR), 0xb4);
    ck_assert_uint_eq(in(&c, IIR), 0x01);
    /* Transmit goes to the receiver, not the line; word length masks. */
    out(&c, THR, 'L');
    ck_assert_uint_eq(c.out_len, 0);
    ck_assert_uint_eq(in(&c, IIR), 0x04);
    ck_assert_uint_eq(in(&c, RBR), 'L');
    out(&c, LCR, 0x02); /* 7 bits */
    out(&c, THR, 0xff);
    ck_assert_uint_eq(in(&c, RBR), 0x7f);
    out(&c, LCR, 0x42); /* set break: looped back as a break character */
    ck_assert_uint_eq(in(&c, LSR), 0x71);
    ck_assert_uint_eq(in(&c, RBR), 0x00);
    out(&c, LCR, 0x42); /* still in break: no new character */
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0);
    out(&c, LCR, 0x03);
    /* Leaving loopback: the peer's lines come back, OUT2 drives the IRQ. */
    out(&c, MCR, 0x08);
    ck_assert_uint_eq(in(&c, MSR) & 0xf0, 0xb0);
    out(&c, THR, 'x');
    ck_assert_uint_eq(c.out_len, 1);
    /* The peer drops DCD: DDCD and an interrupt. */
    uart_set_modem_inputs(c.u, 0x30);
    ck_assert(c.irq.level);
    ck_assert_uint_eq(in(&c, IIR), 0x00);
    ck_assert_uint_eq(in(&c, MSR), 0x38);
    ck_assert(!c.irq.level);
    com_fini(&c);
}
END_TEST

START_TEST(receive_from_chardev_paced)
{
    struct com c;
    com_init(&c);
    set_115200_8n1(&c);
    out(&c, FCR, 0x01);
    out(&c, MCR, 0x0b);
    ck_assert_uint_eq(chardev_push_input(c.cd, (const uint8_t *)"abc", 3), 3);
    advance_ns(c.m, 0);
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0x01);
    ck_assert_uint_eq(in(&c, RBR), 'a');
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0); /* 'b' is still on the line */
    advance_ns(c.m, CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, RBR), 'b');
    advance_ns(c.m, CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, RBR), 'c');
    advance_ns(c.m, 10 * CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0);
    com_fini(&c);
}
END_TEST

START_TEST(receive_flow_control)
{
    struct com c;
    com_init(&c);
    set_115200_8n1(&c);
    out(&c, FCR, 0x00); /* one-character receiver */
    out(&c, MCR, 0x08); /* RTS off: the peer waits */
    chardev_push_input(c.cd, (const uint8_t *)"123", 3);
    advance_ns(c.m, 5 * CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, LSR) & 0x03, 0x01); /* no overrun */
    ck_assert_uint_eq(in(&c, RBR), '1');
    advance_ns(c.m, 5 * CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, RBR), '2');
    /* RTS on: the peer sends regardless; an unread character is overrun. */
    out(&c, MCR, 0x0a);
    chardev_push_input(c.cd, (const uint8_t *)"45", 2);
    advance_ns(c.m, 10 * CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, LSR) & 0x03, 0x03);
    ck_assert_uint_eq(in(&c, RBR), '5');
    /* Loopback disconnects the line: host bytes wait. */
    out(&c, MCR, 0x1a);
    chardev_push_input(c.cd, (const uint8_t *)"6", 1);
    advance_ns(c.m, 10 * CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, LSR) & 0x01, 0);
    out(&c, MCR, 0x0a);
    advance_ns(c.m, CHAR_NS_115200);
    ck_assert_uint_eq(in(&c, RBR), '6');
    com_fini(&c);
}
END_TEST

START_TEST(two_uarts_two_machines)
{
    struct com a, b;
    com_init(&a);
    com_init(&b);
    out(&a, THR, 'A');
    out(&b, THR, 'B');
    ck_assert_uint_eq(a.out_len, 1);
    ck_assert_uint_eq(b.out_len, 1);
    ck_assert_int_eq(a.out[0], 'A');
    ck_assert_int_eq(b.out[0], 'B');
    /* A second port on the same machine (COM2). */
    struct irq_probe p3 = {0};
    struct uart *com2 = uart_create(a.m, UART_COM2_BASE, irq_probe_line(&p3, 3), NULL);
    port_out(a.m, UART_COM2_BASE + 7, 0x77);
    ck_assert_uint_eq(port_in(a.m, UART_COM2_BASE + 7), 0x77);
    ck_assert_uint_eq(in(&a, SCR), 0x00);
    port_out(a.m, UART_COM2_BASE + 4, 0x08);
    port_out(a.m, UART_COM2_BASE + 1, 0x02);
    ck_assert(p3.level && !a.irq.level);
    port_out(a.m, UART_COM2_BASE, 'x'); /* no backend: discarded */
    ck_assert_uint_eq(a.out_len, 1);
    uart_destroy(com2);
    com_fini(&a);
    com_fini(&b);
}
END_TEST

START_TEST(state_round_trip)
{
    struct com a, b;
    com_init(&a);
    com_init(&b);
    set_115200_8n1(&a);
    out(&a, FCR, 0x81);
    out(&a, MCR, 0x0b);
    out(&a, IER, 0x05);
    out(&a, SCR, 0x99);
    uart_receive(a.u, (const uint8_t *)"sv", 2);
    uint8_t buf[512];
    size_t n = vmstate_save(uart_vmstate(), a.u, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(uart_vmstate(), b.u, buf, n), 0);
    ck_assert_uint_eq(in(&b, SCR), 0x99);
    ck_assert_uint_eq(in(&b, MCR), 0x0b);
    ck_assert_uint_eq(in(&b, IER), 0x05);
    ck_assert_uint_eq(in(&b, IIR), 0xc1);
    /* The character timeout was re-armed on b's clock. */
    advance_ns(b.m, 4 * CHAR_NS_115200 + 1000);
    ck_assert(b.irq.level);
    ck_assert_uint_eq(in(&b, IIR), 0xcc);
    ck_assert_uint_eq(in(&b, RBR), 's');
    ck_assert_uint_eq(in(&b, RBR), 'v');
    ck_assert_int_eq(vmstate_load(uart_vmstate(), b.u, buf, n - 3), -1);
    com_fini(&a);
    com_fini(&b);
}
END_TEST

/* Random guest programming and host input: nothing breaks, and the IRQ
 * line always says what IIR says (through the OUT2 gate). */
START_TEST(random_programming_keeps_invariants)
{
    struct com c;
    com_init(&c);
    uint32_t seed = 777;
    for (int i = 0; i < 50000; i++) {
        seed = seed * 1103515245u + 12345u;
        uint8_t r = (uint8_t)(seed >> 16), v = (uint8_t)(seed >> 24);
        switch (r % 6) {
        case 0: out(&c, (uint16_t)(COM + (v & 7)), (uint8_t)(seed >> 8)); break;
        case 1: (void)in(&c, (uint16_t)(COM + (v & 7))); break;
        case 2: uart_receive(c.u, &v, 1); break;
        case 3: chardev_push_input(c.cd, &v, 1); break;
        case 4: advance_ns(c.m, v * 1000u); break;
        default: uart_set_modem_inputs(c.u, v); break;
        }
        c.out_len = 0; /* keep the output buffer from filling */
        uint8_t mcr = in(&c, MCR);
        bool level = c.irq.level;
        uint8_t iir = in(&c, IIR);
        if ((mcr & 0x18) == 0x08)
            ck_assert_int_eq(level, !(iir & 1));
        else
            ck_assert(!level);
        ck_assert(iir == 0x01 || iir == 0xc1 || (iir & 0x30) == 0);
    }
    com_fini(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("uart");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, reset_state_and_registers);
    tcase_add_test(tc, transmit_and_thre_interrupt);
    tcase_add_test(tc, fifo_trigger_levels);
    tcase_add_test(tc, character_timeout);
    tcase_add_test(tc, overrun_and_line_status);
    tcase_add_test(tc, loopback_and_modem_status);
    tcase_add_test(tc, receive_from_chardev_paced);
    tcase_add_test(tc, receive_flow_control);
    tcase_add_test(tc, two_uarts_two_machines);
    tcase_add_test(tc, state_round_trip);
    tcase_add_test(tc, random_programming_keeps_invariants);
    suite_add_tcase(s, tc);
    RUN_SUITE(s);
}
