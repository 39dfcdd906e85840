/* The 8042 keyboard controller (IBM PS/2 Technical Reference, "Keyboard and
 * auxiliary device controller"; Intel 8042 data sheet): ports 0x60/0x64, the
 * command byte, the one output buffer shared by keyboard and mouse, set-2 ->
 * set-1 translation, and the output port's A20 and reset lines. */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/i8042.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/ps2.h"
#include "devices/vmstate.h"
#include "mmu/ioport.h"

/* Status register (port 0x64 read). */
#define ST_OBF     0x01 /* output buffer full */
#define ST_IBF     0x02 /* input buffer full: never, commands complete at once */
#define ST_SYS     0x04 /* system flag, from the command byte */
#define ST_A2      0x08 /* last write was a command (0x64) */
#define ST_INH     0x10 /* 1 = keyboard not inhibited (keylock open) */
#define ST_AUXOBF  0x20 /* the output buffer holds mouse data */
#define ST_TIMEOUT 0x40
#define ST_PARITY  0x80

/* Command byte (controller RAM byte 0). */
#define CB_KBDINT 0x01 /* IRQ1 on keyboard data */
#define CB_AUXINT 0x02 /* IRQ12 on mouse data */
#define CB_SYS    0x04
#define CB_KBDDIS 0x10 /* keyboard clock held low */
#define CB_AUXDIS 0x20
#define CB_XLATE  0x40 /* translate keyboard data to set 1 */

/* Output port (0xD0/0xD1). */
#define OP_RESET  0x01 /* 0 = hold the CPU in reset */
#define OP_A20    0x02
#define OP_KBDOBF 0x10 /* IRQ1 line */
#define OP_AUXOBF 0x20 /* IRQ12 line */

#define CTRL_QUEUE 4

struct i8042 {
    struct machine *m;
    struct irq_line kbd_irq, aux_irq;
    struct ps2_kbd *kbd;
    struct ps2_mouse *mouse;
    bool kbd_level, aux_level; /* what the IRQ lines were last driven to */
    uint64_t unimp_logged[4];  /* commands already logged under -d unimp */
    /* saved state */
    uint8_t ram[32];              /* controller RAM; ram[0] is the command byte */
    uint8_t status;               /* ST_* */
    uint8_t outport;              /* OP_* (bits 4-5 are derived on read) */
    uint8_t out;                  /* output buffer */
    uint8_t pending;              /* command waiting for its data byte on 0x60, or 0 */
    uint8_t ctrl_q[CTRL_QUEUE];   /* controller replies waiting for the output buffer */
    uint8_t ctrl_aux[CTRL_QUEUE]; /* ... and whether each one comes "from the mouse" (0xD3) */
    uint8_t ctrl_count;
    uint8_t xlate_break; /* translating: an 0xF0 from the keyboard was absorbed */
};

static const struct vmstate_field i8042_fields[] = {
    VMSTATE_FIELD(struct i8042, ram, 1),         VMSTATE_FIELD(struct i8042, status, 1),
    VMSTATE_FIELD(struct i8042, outport, 1),     VMSTATE_FIELD(struct i8042, out, 1),
    VMSTATE_FIELD(struct i8042, pending, 1),     VMSTATE_FIELD(struct i8042, ctrl_q, 1),
    VMSTATE_FIELD(struct i8042, ctrl_aux, 1),    VMSTATE_FIELD(struct i8042, ctrl_count, 1),
    VMSTATE_FIELD(struct i8042, xlate_break, 1),
};

static void i8042_update_irq(struct i8042 *c, bool force)
{
    bool full = c->status & ST_OBF, aux = c->status & ST_AUXOBF;
    bool kl = full && !aux && (c->ram[0] & CB_KBDINT);
    bool al = full && aux && (c->ram[0] & CB_AUXINT);
    if (force || kl != c->kbd_level)
        irq_set(&c->kbd_irq, kl);
    if (force || al != c->aux_level)
        irq_set(&c->aux_irq, al);
    c->kbd_level = kl;
    c->aux_level = al;
}

static int i8042_post_load(void *opaque)
{
    struct i8042 *c = opaque;
    if (c->ctrl_count > CTRL_QUEUE)
        return -1;
    machine_set_a20(c->m, c->outport & OP_A20);
    i8042_update_irq(c, true);
    return 0;
}

static const struct vmstate i8042_vs = VMSTATE_DESC("i8042", 1, i8042_fields, i8042_post_load);

const struct vmstate *i8042_vmstate(void)
{
    return &i8042_vs;
}

static void i8042_unimp(struct i8042 *c, uint8_t cmd, const char *what)
{
    unimp_log_once(c->m, &c->unimp_logged[cmd >> 6], cmd & 63, "i8042: %s %#x ignored\n", what,
                   cmd);
}

/* Load the output buffer if it is empty: controller replies first, then the
 * keyboard, then the mouse. A disabled interface leaves its bytes in the
 * device (its clock line is held low). */
static void i8042_fill(struct i8042 *c)
{
    if (c->status & ST_OBF)
        return;
    if (c->ctrl_count) {
        c->out = c->ctrl_q[0];
        bool aux = c->ctrl_aux[0];
        c->ctrl_count--;
        for (unsigned i = 0; i < c->ctrl_count; i++) {
            c->ctrl_q[i] = c->ctrl_q[i + 1];
            c->ctrl_aux[i] = c->ctrl_aux[i + 1];
        }
        c->status = (uint8_t)((c->status | ST_OBF) & ~ST_AUXOBF) | (aux ? ST_AUXOBF : 0);
    } else if (!(c->ram[0] & CB_KBDDIS) && ps2_kbd_has_data(c->kbd)) {
        for (;;) {
            int b = ps2_kbd_read(c->kbd);
            if (b < 0)
                return; /* an 0xF0 waits for its code */
            if (c->ram[0] & CB_XLATE) {
                /* The 8042 translates every keyboard byte; an 0xF0 break
                 * prefix is absorbed and sets bit 7 of the next code. */
                if (b == 0xf0) {
                    c->xlate_break = 1;
                    continue;
                }
                b = ps2_set2_to_set1((uint8_t)b) | (c->xlate_break ? 0x80 : 0);
                c->xlate_break = 0;
            }
            c->out = (uint8_t)b;
            break;
        }
        c->status = (uint8_t)((c->status | ST_OBF) & ~ST_AUXOBF);
    } else if (!(c->ram[0] & CB_AUXDIS) && ps2_mouse_has_data(c->mouse)) {
        c->out = (uint8_t)ps2_mouse_read(c->mouse);
        c->status |= ST_OBF | ST_AUXOBF;
    }
    i8042_update_irq(c, false);
}

static void i8042_notify(void *opaque)
{
    i8042_fill(opaque);
}

static void i8042_reply(struct i8042 *c, uint8_t b, bool aux)
{
    if (c->ctrl_count == CTRL_QUEUE)
        return;
    c->ctrl_q[c->ctrl_count] = b;
    c->ctrl_aux[c->ctrl_count++] = aux;
    i8042_fill(c);
}

static void i8042_set_command_byte(struct i8042 *c, uint8_t v)
{
    c->ram[0] = v;
    c->status = (uint8_t)((c->status & ~ST_SYS) | (v & CB_SYS));
    if (!(v & CB_XLATE))
        c->xlate_break = 0;
    i8042_update_irq(c, false);
    i8042_fill(c);
}

static void i8042_write_outport(struct i8042 *c, uint8_t v)
{
    c->outport = v;
    machine_set_a20(c->m, v & OP_A20);
    if (!(v & OP_RESET)) /* the CPU's RESET line */
        machine_request_reset(c->m);
}

static uint8_t i8042_read_outport(const struct i8042 *c)
{
    uint8_t v = c->outport & ~(OP_KBDOBF | OP_AUXOBF);
    if (c->status & ST_OBF)
        v |= (c->status & ST_AUXOBF) ? OP_AUXOBF : OP_KBDOBF;
    return v;
}

static void i8042_command(struct i8042 *c, uint8_t cmd)
{
    c->pending = 0;
    if (cmd >= 0x20 && cmd <= 0x3f) { /* read controller RAM (0x20: command byte) */
        i8042_reply(c, c->ram[cmd & 0x1f], false);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7f) || cmd == 0xd1 || cmd == 0xd2 || cmd == 0xd3 || cmd == 0xd4) {
        c->pending = cmd; /* the data byte follows on port 0x60 */
        return;
    }
    if (cmd >= 0xf0) { /* pulse output port bits 0-3 that are 0 in the command */
        if (!(cmd & OP_RESET))
            machine_request_reset(c->m);
        return;
    }
    switch (cmd) {
    case 0xa4: /* password installed? no */ i8042_reply(c, 0xf1, false); break;
    case 0xa7: /* disable the mouse interface */
        i8042_set_command_byte(c, c->ram[0] | CB_AUXDIS);
        break;
    case 0xa8: /* enable the mouse interface */
        i8042_set_command_byte(c, c->ram[0] & ~CB_AUXDIS);
        break;
    case 0xa9: /* mouse interface test: no error */ i8042_reply(c, 0x00, false); break;
    case 0xaa: /* self test: passed; sets the system flag */
        c->status |= ST_SYS;
        c->ram[0] |= CB_SYS;
        i8042_reply(c, 0x55, false);
        break;
    case 0xab: /* keyboard interface test: no error */ i8042_reply(c, 0x00, false); break;
    case 0xad: /* disable the keyboard interface */
        i8042_set_command_byte(c, c->ram[0] | CB_KBDDIS);
        break;
    case 0xae: /* enable the keyboard interface */
        i8042_set_command_byte(c, c->ram[0] & ~CB_KBDDIS);
        break;
    case 0xc0: /* input port: keylock open (bit 7), no manufacturing jumper
                  (bit 5), colour display (bit 6 = 0), keyboard/mouse data
                  lines idle (bits 0-1) */
        i8042_reply(c, 0xa3, false);
        break;
    case 0xd0: /* read the output port */ i8042_reply(c, i8042_read_outport(c), false); break;
    case 0xdd: /* HP Vectra style: A20 off / on */
        i8042_write_outport(c, c->outport & ~OP_A20);
        break;
    case 0xdf: i8042_write_outport(c, c->outport | OP_A20); break;
    case 0xe0: /* test inputs: keyboard clock and data low */ i8042_reply(c, 0x00, false); break;
    default: i8042_unimp(c, cmd, "command"); break;
    }
}

static void i8042_data(struct i8042 *c, uint8_t v)
{
    uint8_t cmd = c->pending;
    c->pending = 0;
    switch (cmd) {
    case 0:
        /* A byte for the keyboard; sending it re-enables the keyboard
         * interface as AMI/Phoenix controllers (and QEMU) do. The reply
         * goes ahead of keys the keyboard held meanwhile. */
        ps2_kbd_write(c->kbd, v);
        if (c->ram[0] & CB_KBDDIS)
            i8042_set_command_byte(c, c->ram[0] & ~CB_KBDDIS);
        break;
    case 0x60: i8042_set_command_byte(c, v); break;
    case 0xd1: i8042_write_outport(c, v); break;
    case 0xd2: /* as if from the keyboard (not translated) */ i8042_reply(c, v, false); break;
    case 0xd3: /* as if from the mouse */ i8042_reply(c, v, true); break;
    case 0xd4: ps2_mouse_write(c->mouse, v); break;
    default: /* 0x61-0x7F: controller RAM */ c->ram[cmd & 0x1f] = v; break;
    }
}

static uint32_t i8042_read(void *opaque, uint32_t offset, int size)
{
    struct i8042 *c = opaque;
    (void)size;
    if (offset == I8042_CMD_PORT - I8042_DATA_PORT)
        return c->status;
    /* Reading the data port empties the output buffer (an empty buffer
     * reads its last value again); the next byte moves in at once. */
    uint8_t v = c->out;
    if (c->status & ST_OBF) {
        c->status &= ~(ST_OBF | ST_AUXOBF);
        i8042_update_irq(c, false);
        i8042_fill(c);
    }
    return v;
}

static void i8042_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
    struct i8042 *c = opaque;
    (void)size;
    if (offset == I8042_CMD_PORT - I8042_DATA_PORT) {
        c->status |= ST_A2;
        i8042_command(c, (uint8_t)value);
    } else {
        c->status &= ~ST_A2;
        i8042_data(c, (uint8_t)value);
    }
}

static uint32_t i8042_read_data(void *opaque, uint32_t offset, int size)
{
    (void)offset;
    return i8042_read(opaque, 0, size);
}
static void i8042_write_data(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)offset;
    i8042_write(opaque, 0, value, size);
}
static uint32_t i8042_read_cmd(void *opaque, uint32_t offset, int size)
{
    (void)offset;
    return i8042_read(opaque, I8042_CMD_PORT - I8042_DATA_PORT, size);
}
static void i8042_write_cmd(void *opaque, uint32_t offset, uint32_t value, int size)
{
    (void)offset;
    i8042_write(opaque, I8042_CMD_PORT - I8042_DATA_PORT, value, size);
}

static const struct io_ops i8042_data_ops = {i8042_read_data, i8042_write_data, 1};
static const struct io_ops i8042_cmd_ops = {i8042_read_cmd, i8042_write_cmd, 1};

void i8042_reset(void *opaque)
{
    struct i8042 *c = opaque;
    ps2_kbd_reset(c->kbd);
    ps2_mouse_reset(c->mouse);
    for (unsigned i = 0; i < sizeof c->ram; i++)
        c->ram[i] = 0;
    /* Power-on: interrupts enabled, no translation until firmware asks;
     * the system flag is clear until a self test (cold boot). */
    c->ram[0] = CB_KBDINT | CB_AUXINT;
    c->status = ST_INH;
    c->pending = 0;
    c->ctrl_count = 0;
    c->xlate_break = 0;
    c->out = 0;
    c->outport = 0xcf; /* reset line high, A20 on, clock/data lines high */
    machine_set_a20(c->m, true);
    i8042_update_irq(c, true);
}

struct i8042 *i8042_create(struct machine *m, struct irq_line kbd_irq, struct irq_line aux_irq)
{
    struct i8042 *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->m = m;
    c->kbd_irq = kbd_irq;
    c->aux_irq = aux_irq;
    c->kbd = ps2_kbd_create(m, i8042_notify, c);
    c->mouse = ps2_mouse_create(m, i8042_notify, c);
    if (!c->kbd || !c->mouse) {
        ps2_kbd_destroy(c->kbd);
        ps2_mouse_destroy(c->mouse);
        free(c);
        return NULL;
    }
    i8042_reset(c);
    ioport_register(machine_ioport(m), I8042_DATA_PORT, 1, &i8042_data_ops, c);
    ioport_register(machine_ioport(m), I8042_CMD_PORT, 1, &i8042_cmd_ops, c);
    machine_register_reset(m, i8042_reset, c);
    machine_register_state(m, &i8042_vs, c);
    return c;
}

void i8042_destroy(struct i8042 *c)
{
    if (!c)
        return;
    ps2_kbd_destroy(c->kbd);
    ps2_mouse_destroy(c->mouse);
    free(c);
}

struct ps2_kbd *i8042_kbd(struct i8042 *c)
{
    return c->kbd;
}
struct ps2_mouse *i8042_mouse(struct i8042 *c)
{
    return c->mouse;
}
