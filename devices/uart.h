/* 16550A UART (National PC16550D datasheet) on a character backend: the PC's
 * COM1-COM4.
 * - Transmit is immediate: a THR write reaches the chardev at once and THR is
 *   empty again (THRE/TEMT, THRE interrupt), so output never waits on the
 *   baud rate and --expect sees it at once.
 * - Receive is paced: host bytes (chardev_read, woken by the chardev's input
 *   handler) enter the receiver one per character time of the programmed
 *   baud rate and frame, on the virtual clock. The host side behaves as a
 *   peer doing RTS/CTS flow control: with the receiver full it holds its
 *   bytes while MCR.RTS is off, and sends anyway while RTS is on, so a guest
 *   that asserts RTS and does not read loses bytes to overruns (LSR.OE).
 *   In loopback the line is disconnected and host bytes wait.
 * - IRQ: INTR reaches the line only with MCR.OUT2 set and not in loopback. */
#ifndef VX86_UART_H
#define VX86_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/irq.h"

struct machine;
struct chardev;
struct uart;

/* The PC's ports and IRQs. */
#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_COM2_BASE 0x2f8
#define UART_COM2_IRQ  3
#define UART_COM3_BASE 0x3e8
#define UART_COM3_IRQ  4
#define UART_COM4_BASE 0x2e8
#define UART_COM4_IRQ  3

/* Registers ports base..base+7, the reset handler and the state table. `cd`
 * may be NULL (output discarded, nothing received); the caller owns it. */
struct uart *uart_create(struct machine *m, uint16_t base, struct irq_line irq, struct chardev *cd);
void uart_destroy(struct uart *u);
void uart_reset(void *opaque);
/* Deliver bytes to the receiver now, as if they had just arrived on the
 * line (tests, frontends that push input). Bytes beyond a full FIFO set the
 * overrun error and are lost, as on the hardware. Returns bytes stored. */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);
/* A break condition arrived on the line (LSR.BI with a 0 character). */
void uart_receive_break(struct uart *u);
/* Host input is waiting in the chardev: start taking it (one byte per
 * character time). uart_create() installs this as the chardev's input
 * handler, so the loop need not call it. */
void uart_poll(struct uart *u);
/* The modem inputs as a peer would drive them: MSR bits 4-7 (CTS 0x10,
 * DSR 0x20, RI 0x40, DCD 0x80). Changes set the delta bits. */
void uart_set_modem_inputs(struct uart *u, uint8_t msr_inputs);
struct vmstate;
const struct vmstate *uart_vmstate(void);

#endif
