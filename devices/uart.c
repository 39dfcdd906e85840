/* 16550A UART (National Semiconductor PC16550D data sheet): registers, the
 * 16-byte receive FIFO with trigger levels and character timeout, interrupt
 * priorities, modem control/status with loopback, on a chardev.
 *
 * Transmission is immediate: a byte written to THR reaches the chardev at
 * once and THR/TSR are empty again (THRE, TEMT, the THRE interrupt), so a
 * guest printing a kernel log never waits on the baud rate and `--expect`
 * sees output as soon as it is written (QEMU's 16550 does the same).
 * Reception is paced: host bytes enter the receiver one per character time
 * of the programmed baud rate and frame format, on the virtual clock. */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/chardev.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/uart.h"
#include "devices/vclock.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

/* Register offsets. */
#define REG_RBR 0 /* read: receive buffer; write: THR; DLAB: DLL */
#define REG_IER 1 /* DLAB: DLM */
#define REG_IIR 2 /* read: IIR; write: FCR */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define IER_RDI  0x01 /* received data available (and character timeout) */
#define IER_THRI 0x02 /* THR empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI  0x08 /* modem status */

#define IIR_NONE    0x01
#define IIR_MSI     0x00
#define IIR_THRI    0x02
#define IIR_RDI     0x04
#define IIR_RLSI    0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO    0xc0 /* both bits set when the FIFOs are enabled */

#define FCR_ENABLE  0x01
#define FCR_CLR_RX  0x02
#define FCR_CLR_TX  0x04
#define FCR_DMA     0x08
#define FCR_TRIGGER 0xc0

#define LCR_WLEN   0x03
#define LCR_STOP   0x04
#define LCR_PARITY 0x08
#define LCR_BREAK  0x40
#define LCR_DLAB   0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08 /* on the PC: enables the IRQ line driver */
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_PE   0x04
#define LSR_FE   0x08
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_RXFE 0x80 /* an error somewhere in the RX FIFO */
#define LSR_ERRS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80

#define UART_FIFO  16
#define UART_CLOCK 1843200u /* the PC's 1.8432 MHz crystal: divisor 1 = 115200 baud */

struct uart {
    struct machine *m;
    struct vclock *vc;
    struct irq_line irq;
    struct chardev *cd;
    uint16_t base;
    struct vtimer *timeout_timer; /* character timeout (FIFO mode) */
    struct vtimer *rx_timer;      /* next host byte onto the line */
    bool irq_level;
    uint64_t unimp_logged; /* a read-only register write was logged (-d unimp) */
    /* saved state */
    uint8_t rx[UART_FIFO];     /* receive FIFO (depth 1 with FIFOs off: RBR) */
    uint8_t rx_err[UART_FIFO]; /* PE/FE/BI of each received character */
    uint8_t rx_head, rx_count;
    uint8_t rbr; /* last character read (an empty RBR reads it again) */
    uint8_t ier, lcr, mcr, scr;
    uint8_t fcr;      /* FCR bits 0, 3, 6-7 as written */
    uint8_t lsr;      /* OE/PE/FE/BI latched until LSR is read (others derived) */
    uint8_t msr;      /* inputs (bits 4-7) and delta bits (0-3) */
    uint8_t modem_in; /* what the peer drives on CTS/DSR/RI/DCD (MSR bits 4-7) */
    uint16_t divisor;
    uint8_t thr_ipending;     /* THRE interrupt armed (cleared by IIR read / THR write) */
    uint8_t timeout_ipending; /* character timeout indicated */
    uint64_t timeout_at;      /* virtual time of the character timeout, 0 = not armed */
    uint64_t rx_next;         /* earliest time the next host byte may arrive */
};

static const struct vmstate_field uart_fields[] = {
    VMSTATE_FIELD(struct uart, rx, 1),           VMSTATE_FIELD(struct uart, rx_err, 1),
    VMSTATE_FIELD(struct uart, rx_head, 1),      VMSTATE_FIELD(struct uart, rx_count, 1),
    VMSTATE_FIELD(struct uart, rbr, 1),          VMSTATE_FIELD(struct uart, ier, 1),
    VMSTATE_FIELD(struct uart, lcr, 1),          VMSTATE_FIELD(struct uart, mcr, 1),
    VMSTATE_FIELD(struct uart, scr, 1),          VMSTATE_FIELD(struct uart, fcr, 1),
    VMSTATE_FIELD(struct uart, lsr, 1),          VMSTATE_FIELD(struct uart, msr, 1),
    VMSTATE_FIELD(struct uart, modem_in, 1),     VMSTATE_FIELD(struct uart, divisor, 1),
    VMSTATE_FIELD(struct uart, thr_ipending, 1), VMSTATE_FIELD(struct uart, timeout_ipending, 1),
    VMSTATE_FIELD(struct uart, timeout_at, 1),   VMSTATE_FIELD(struct uart, rx_next, 1),
};

static bool fifo_on(const struct uart *u)
{
    return u->fcr & FCR_ENABLE;
}

static unsigned rx_trigger(const struct uart *u)
{
    static const unsigned level[4] = {1, 4, 8, 14};
    return level[u->fcr >> 6];
}

/* One character on the line: start bit, 5-8 data bits, parity, 1/1.5/2
 * stop bits, each 16 clocks of the divided 1.8432 MHz clock. */
static uint64_t uart_char_ns(const struct uart *u)
{
    unsigned wlen = 5 + (u->lcr & LCR_WLEN);
    unsigned half_bits = 2 * (1 + wlen + ((u->lcr & LCR_PARITY) ? 1 : 0));
    half_bits += (u->lcr & LCR_STOP) ? (wlen == 5 ? 3 : 4) : 2;
    uint64_t div = u->divisor ? u->divisor : 65536; /* the counter wraps */
    return (uint64_t)half_bits * 16 * div * 1000000000ull / (2ull * UART_CLOCK);
}

/* The highest-priority pending interrupt (data sheet table 4). */
static uint8_t uart_iir_source(const struct uart *u)
{
    if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRS))
        return IIR_RLSI;
    if (u->ier & IER_RDI) {
        if (u->rx_count && u->rx_count >= (fifo_on(u) ? rx_trigger(u) : 1))
            return IIR_RDI;
        if (u->timeout_ipending)
            return IIR_TIMEOUT;
    }
    if ((u->ier & IER_THRI) && u->thr_ipending)
        return IIR_THRI;
    if ((u->ier & IER_MSI) && (u->msr & 0x0f))
        return IIR_MSI;
    return IIR_NONE;
}

/* INTR reaches the PC's IRQ line only through the OUT2 driver, and the
 * OUT2 pin is forced inactive in loopback (data sheet, MCR bit 4). */
static void uart_update_irq(struct uart *u)
{
    bool level = uart_iir_source(u) != IIR_NONE && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
    if (level != u->irq_level)
        irq_set(&u->irq, level);
    u->irq_level = level;
}

/* The modem inputs as the chip sees them: the peer's lines, or in loopback
 * RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. Changes set the delta bits. */
static void uart_update_msr(struct uart *u)
{
    uint8_t in = u->modem_in & 0xf0;
    if (u->mcr & MCR_LOOP) {
        in = (uint8_t)(((u->mcr & MCR_RTS) ? MSR_CTS : 0) | ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
                       ((u->mcr & MCR_OUT1) ? MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? MSR_DCD : 0));
    }
    uint8_t old = u->msr, changed = (old ^ in) & 0xf0, delta = old & 0x0f;
    if (changed & MSR_CTS)
        delta |= MSR_DCTS;
    if (changed & MSR_DSR)
        delta |= MSR_DDSR;
    if ((changed & MSR_RI) && !(in & MSR_RI)) /* trailing edge of RI */
        delta |= MSR_TERI;
    if (changed & MSR_DCD)
        delta |= MSR_DDCD;
    u->msr = in | delta;
}

static void uart_arm_timeout(struct uart *u)
{
    if (fifo_on(u) && u->rx_count) {
        u->timeout_at = vclock_now(u->vc) + 4 * uart_char_ns(u);
        if (u->timeout_timer)
            vtimer_mod(u->timeout_timer, u->timeout_at);
    } else {
        u->timeout_at = 0;
        if (u->timeout_timer)
            vtimer_del(u->timeout_timer);
    }
}

static void uart_timeout_cb(void *opaque)
{
    struct uart *u = opaque;
    u->timeout_at = 0;
    if (fifo_on(u) && u->rx_count) {
        u->timeout_ipending = 1;
        uart_update_irq(u);
    }
}

/* A character arrives from the line (or the loopback): into the FIFO, or
 * an overrun. Returns false if it was lost. */
static bool uart_rx_char(struct uart *u, uint8_t c, uint8_t err)
{
    unsigned depth = fifo_on(u) ? UART_FIFO : 1;
    bool stored = true;
    if (u->rx_count == depth) {
        u->lsr |= LSR_OE;
        if (!fifo_on(u)) { /* the new character replaces the unread one */
            u->rx[u->rx_head] = c;
            u->rx_err[u->rx_head] = err;
            u->lsr |= err;
        }
        stored = !fifo_on(u);
    } else {
        unsigned tail = (u->rx_head + u->rx_count) % UART_FIFO;
        u->rx[tail] = c;
        u->rx_err[tail] = err;
        if (!u->rx_count) /* the error bits show when the character reaches the top */
            u->lsr |= err;
        u->rx_count++;
    }
    uart_arm_timeout(u);
    uart_update_irq(u);
    return stored;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += uart_rx_char(u, buf[i], 0);
    return n;
}

void uart_receive_break(struct uart *u)
{
    uart_rx_char(u, 0, LSR_BI);
}

static void uart_schedule_rx(struct uart *u)
{
    if (!u->rx_timer || vtimer_pending(u->rx_timer) || !u->cd || (u->mcr & MCR_LOOP))
        return;
    if (!chardev_input_pending(u->cd))
        return;
    uint64_t now = vclock_now(u->vc);
    vtimer_mod(u->rx_timer, u->rx_next > now ? u->rx_next : now);
}

/* One host byte onto the line. The peer honours RTS/CTS flow control: with
 * the FIFO full it waits while RTS is off; with RTS on it sends anyway and
 * the character is lost to an overrun, as on a real line. */
static void uart_rx_cb(void *opaque)
{
    struct uart *u = opaque;
    uint8_t c;
    unsigned depth = fifo_on(u) ? UART_FIFO : 1;
    if (u->mcr & MCR_LOOP) /* the receiver listens to the transmitter */
        return;
    if (u->rx_count == depth && !(u->mcr & MCR_RTS))
        return; /* RBR read re-schedules */
    if (chardev_read(u->cd, &c, 1) != 1)
        return;
    uart_rx_char(u, c, 0);
    u->rx_next = vclock_now(u->vc) + uart_char_ns(u);
    uart_schedule_rx(u);
}

static void uart_input_handler(void *opaque)
{
    uart_schedule_rx(opaque);
}

void uart_poll(struct uart *u)
{
    uart_schedule_rx(u);
}

void uart_set_modem_inputs(struct uart *u, uint8_t msr_inputs)
{
    u->modem_in = msr_inputs & 0xf0;
    uart_update_msr(u);
    uart_update_irq(u);
}

static uint8_t uart_read_rbr(struct uart *u)
{
    if (!u->rx_count) {
        return u->rbr;
    }
    u->rbr = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_FIFO;
    u->rx_count--;
    if (u->rx_count) /* the next character's errors show in LSR */
        u->lsr |= u->rx_err[u->rx_head];
    u->timeout_ipending = 0;
    uart_arm_timeout(u);
    uart_update_irq(u);
    uart_schedule_rx(u);
    return u->rbr;
}

static uint8_t uart_read_lsr(struct uart *u)
{
    uint8_t v = (u->lsr & LSR_ERRS) | LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
    if (fifo_on(u)) {
        for (unsigned i = 0; i < u->rx_count; i++)
            if (u->rx_err[(u->rx_head + i) % UART_FIFO])
                v |= LSR_RXFE;
    }
    u->lsr &= ~LSR_ERRS; /* reading LSR clears the error bits */
    uart_update_irq(u);
    return v;
}

static uint32_t uart_read(void *opaque, uint32_t offset, int size)
{
    struct uart *u = opaque;
    (void)size;
    switch (offset) {
    case REG_RBR: return (u->lcr & LCR_DLAB) ? (u->divisor & 0xff) : uart_read_rbr(u);
    case REG_IER: return (u->lcr & LCR_DLAB) ? (u->divisor >> 8) : u->ier;
    case REG_IIR: {
        uint8_t src = uart_iir_source(u);
        if (src == IIR_THRI) { /* reading IIR with THRE the source clears it */
            u->thr_ipending = 0;
            uart_update_irq(u);
        }
        return src | (fifo_on(u) ? IIR_FIFO : 0);
    }
    case REG_LCR: return u->lcr;
    case REG_MCR: return u->mcr;
    case REG_LSR: return uart_read_lsr(u);
    case REG_MSR: {
        uint8_t v = u->msr;
        u->msr &= 0xf0; /* reading MSR clears the delta bits */
        uart_update_irq(u);
        return v;
    }
    default: return u->scr;
    }
}

static void uart_write_thr(struct uart *u, uint8_t c)
{
    u->thr_ipending = 0;
    uart_update_irq(u);
    if (u->mcr & MCR_LOOP) { /* TX -> RX inside the chip; SOUT stays marking */
        unsigned wlen = 5 + (u->lcr & LCR_WLEN);
        uart_rx_char(u, (uint8_t)(c & ((1u << wlen) - 1)), 0);
    } else {
        chardev_putc(u->cd, c);
    }
    u->thr_ipending = 1; /* sent at once: THR empty again */
    uart_update_irq(u);
}

static void uart_write_fcr(struct uart *u, uint8_t v)
{
    if ((v ^ u->fcr) & FCR_ENABLE) { /* changing the mode empties both FIFOs */
        u->rx_count = 0;
        u->rx_head = 0;
        u->timeout_ipending = 0;
    }
    if (!(v & FCR_ENABLE)) { /* the other bits are written only with bit 0 set */
        u->fcr = 0;
    } else {
        if (v & FCR_CLR_RX) {
            u->rx_count = 0;
            u->rx_head = 0;
            u->timeout_ipending = 0;
        }
        /* FCR_CLR_TX: the transmit FIFO is always empty here. */
        u->fcr = v & (FCR_ENABLE | FCR_DMA | FCR_TRIGGER);
    }
    uart_arm_timeout(u);
    uart_update_irq(u);
    uart_schedule_rx(u);
}

static void uart_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct uart *u = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (offset) {
    case REG_RBR:
        if (u->lcr & LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
        else
            uart_write_thr(u, v);
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | (v << 8));
        } else {
            uint8_t old = u->ier;
            u->ier = v & 0x0f;
            /* Enabling the THRE interrupt with THR empty raises it at once
             * (the Linux 8250 driver's THRE test relies on it). */
            if ((u->ier & IER_THRI) && !(old & IER_THRI))
                u->thr_ipending = 1;
            uart_update_irq(u);
        }
        break;
    case REG_IIR: uart_write_fcr(u, v); break;
    case REG_LCR:
        /* Setting break holds SOUT low; in loopback the receiver sees it
         * as one break character (a 0 with BI). */
        if ((v & LCR_BREAK) && !(u->lcr & LCR_BREAK) && (u->mcr & MCR_LOOP))
            uart_rx_char(u, 0, LSR_BI);
        u->lcr = v;
        break;
    case REG_MCR:
        u->mcr = v & 0x1f;
        uart_update_msr(u);
        uart_update_irq(u);
        uart_schedule_rx(u);
        break;
    case REG_LSR: /* read-only (factory test writes are not emulated) */
    case REG_MSR:
        unimp_log_once(u->m, &u->unimp_logged, 0,
                       "uart %#x: write %#x to read-only register %u ignored\n", u->base, v,
                       offset);
        break;
    default: u->scr = v; break;
    }
}

static const struct io_ops uart_ops = {uart_read, uart_write, 1};

static int uart_post_load(void *opaque)
{
    struct uart *u = opaque;
    if (u->rx_count > UART_FIFO || u->rx_head >= UART_FIFO)
        return -1;
    if (u->timeout_timer) {
        if (u->timeout_at)
            vtimer_mod(u->timeout_timer, u->timeout_at);
        else
            vtimer_del(u->timeout_timer);
    }
    /* COM1/COM3 share IRQ4: drive the line only if this port asserts it,
     * so that restoring an idle port cannot lower its neighbour's request. */
    u->irq_level = false;
    uart_update_irq(u);
    uart_schedule_rx(u);
    return 0;
}

static const struct vmstate uart_vs = VMSTATE_DESC("uart", 1, uart_fields, uart_post_load);

const struct vmstate *uart_vmstate(void)
{
    return &uart_vs;
}

/* Master reset (data sheet table 9); the divisor and scratch register keep
 * their values. */
void uart_reset(void *opaque)
{
    struct uart *u = opaque;
    u->ier = 0;
    u->lcr = 0;
    u->mcr = 0;
    u->fcr = 0;
    u->lsr = 0;
    u->rx_count = 0;
    u->rx_head = 0;
    u->thr_ipending = 0;
    u->timeout_ipending = 0;
    u->msr = u->modem_in; /* no deltas */
    u->rx_next = 0;
    uart_arm_timeout(u);
    u->irq_level = false; /* the receiver of the line resets too */
    uart_update_irq(u);
    uart_schedule_rx(u);
}

struct uart *uart_create(struct machine *m, uint16_t base, struct irq_line irq, struct chardev *cd)
{
    struct uart *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->m = m;
    u->vc = machine_vclock(m);
    u->irq = irq;
    u->cd = cd;
    u->base = base;
    u->divisor = 12;                           /* 9600 baud until firmware programs it */
    u->modem_in = MSR_DCD | MSR_DSR | MSR_CTS; /* a peer is there and ready */
    u->timeout_timer = vtimer_create(u->vc, uart_timeout_cb, u);
    u->rx_timer = vtimer_create(u->vc, uart_rx_cb, u);
    if (!u->timeout_timer || !u->rx_timer) {
        uart_destroy(u);
        return NULL;
    }
    uart_reset(u);
    ioport_register(machine_ioport(m), base, 8, &uart_ops, u);
    machine_register_reset(m, uart_reset, u);
    machine_register_state(m, &uart_vs, u);
    if (cd)
        chardev_set_input_handler(cd, uart_input_handler, u);
    return u;
}

void uart_destroy(struct uart *u)
{
    if (!u)
        return;
    if (u->cd)
        chardev_set_input_handler(u->cd, NULL, NULL);
    vtimer_destroy(u->timeout_timer);
    vtimer_destroy(u->rx_timer);
    free(u);
}
