/* PS/2 keyboard (IBM PS/2 Technical Reference, "Keyboard and auxiliary
 * device controller" / 101-key keyboard): commands, a 16-byte buffer, and
 * host key events turned into scancode set 2 (or 1). */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/ps2.h"
#include "devices/vmstate.h"

#define KBD_ACK    0xfa
#define KBD_RESEND 0xfe
#define KBD_BAT_OK 0xaa
#define KBD_ECHO   0xee

#define TYPEMATIC_DEFAULT 0x2b /* 10.9 characters/s after 500 ms */

struct ps2_kbd {
    struct machine *m;
    ps2_notify_fn notify;
    void *opaque;
    uint64_t unimp_logged; /* an unknown command was logged (-d unimp) */
    /* saved state */
    struct ps2_queue q;
    uint8_t cmd; /* command waiting for its argument byte (0xED, 0xF3, 0xF0, 0xFB-0xFD), or 0 */
    uint8_t scanning;  /* 0xF4 enable / 0xF5 disable */
    uint8_t set;       /* scancode set 1, 2 or 3 (0xF0) */
    uint8_t leds;      /* 0xED: bit 0 Scroll, 1 Num, 2 Caps Lock */
    uint8_t typematic; /* 0xF3: bits 0-4 rate, 5-6 delay */
    uint8_t last;      /* last byte sent to the controller, for 0xFE */
    uint8_t overrun;   /* an overrun code is in the buffer; cleared when it drains */
};

static const struct vmstate_field ps2_kbd_fields[] = {
    VMSTATE_FIELD(struct ps2_kbd, q.data, 1),   VMSTATE_FIELD(struct ps2_kbd, q.count, 1),
    VMSTATE_FIELD(struct ps2_kbd, q.resp, 1),   VMSTATE_FIELD(struct ps2_kbd, cmd, 1),
    VMSTATE_FIELD(struct ps2_kbd, scanning, 1), VMSTATE_FIELD(struct ps2_kbd, set, 1),
    VMSTATE_FIELD(struct ps2_kbd, leds, 1),     VMSTATE_FIELD(struct ps2_kbd, typematic, 1),
    VMSTATE_FIELD(struct ps2_kbd, last, 1),     VMSTATE_FIELD(struct ps2_kbd, overrun, 1),
};

static int ps2_kbd_post_load(void *opaque)
{
    struct ps2_kbd *k = opaque;
    if (k->q.count > PS2_KBD_QUEUE || k->q.resp > k->q.count || k->set < 1 || k->set > 3)
        return -1;
    return 0;
}

static const struct vmstate ps2_kbd_vs =
    VMSTATE_DESC("ps2_kbd", 1, ps2_kbd_fields, ps2_kbd_post_load);

const struct vmstate *ps2_kbd_vmstate(void)
{
    return &ps2_kbd_vs;
}

static void kbd_notify(struct ps2_kbd *k)
{
    if (k->notify && k->q.count)
        k->notify(k->opaque);
}

static void kbd_respond(struct ps2_kbd *k, uint8_t b)
{
    ps2_queue_respond(&k->q, PS2_KBD_QUEUE, b);
}

/* Defaults of 0xF6/0xF5 and power-on: typematic, LEDs and set 2. */
static void kbd_defaults(struct ps2_kbd *k)
{
    k->typematic = TYPEMATIC_DEFAULT;
    k->leds = 0;
    k->set = 2;
}

void ps2_kbd_reset(void *opaque)
{
    struct ps2_kbd *k = opaque;
    ps2_queue_clear(&k->q);
    kbd_defaults(k);
    k->cmd = 0;
    k->scanning = 1;
    k->last = 0;
    k->overrun = 0;
}

struct ps2_kbd *ps2_kbd_create(struct machine *m, ps2_notify_fn notify, void *opaque)
{
    struct ps2_kbd *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->m = m;
    k->notify = notify;
    k->opaque = opaque;
    ps2_kbd_reset(k);
    if (m)
        machine_register_state(m, &ps2_kbd_vs, k);
    return k;
}

void ps2_kbd_destroy(struct ps2_kbd *k)
{
    free(k);
}

/* The argument byte of a pending command. */
static void kbd_argument(struct ps2_kbd *k, uint8_t cmd, uint8_t arg)
{
    switch (cmd) {
    case 0xed: /* set LEDs */
        k->leds = arg & 7;
        kbd_respond(k, KBD_ACK);
        break;
    case 0xf3: /* typematic rate/delay; the host frontend does the repeating */
        k->typematic = arg & 0x7f;
        kbd_respond(k, KBD_ACK);
        break;
    case 0xf0: /* 0 = report the set, 1-3 = select it */
        kbd_respond(k, KBD_ACK);
        if (arg == 0)
            kbd_respond(k, k->set);
        else if (arg <= 3)
            k->set = arg;
        else if (k->m)
            unimp_log_once(k->m, &k->unimp_logged, 0, "ps2 kbd: scancode set %u ignored\n", arg);
        break;
    default: /* 0xFB-0xFD: set-3 key types; each key code is acknowledged */
        kbd_respond(k, KBD_ACK);
        k->cmd = cmd; /* the list goes on until the next command */
        break;
    }
}

void ps2_kbd_write(struct ps2_kbd *k, uint8_t b)
{
    uint8_t pending = k->cmd;
    k->cmd = 0;
    /* A command byte sent instead of the expected argument is executed as a
     * command (IBM keyboard: "any command byte ends the wait"). */
    if (pending && b < 0xed) {
        kbd_argument(k, pending, b);
        kbd_notify(k);
        return;
    }
    switch (b) {
    case 0xed:
    case 0xf3:
    case 0xf0:
    case 0xfb:
    case 0xfc:
    case 0xfd:
        kbd_respond(k, KBD_ACK);
        k->cmd = b;
        break;
    case 0xee: /* echo */ kbd_respond(k, KBD_ECHO); break;
    case 0xf2: /* identify: MF2 keyboard */
        kbd_respond(k, KBD_ACK);
        kbd_respond(k, 0xab);
        kbd_respond(k, 0x83);
        break;
    case 0xf4: /* enable scanning; the buffer is cleared */
        ps2_queue_clear(&k->q);
        k->overrun = 0;
        k->scanning = 1;
        kbd_respond(k, KBD_ACK);
        break;
    case 0xf5: /* defaults and stop scanning */
        ps2_queue_clear(&k->q);
        k->overrun = 0;
        kbd_defaults(k);
        k->scanning = 0;
        kbd_respond(k, KBD_ACK);
        break;
    case 0xf6: /* defaults, keep scanning */
        ps2_queue_clear(&k->q);
        k->overrun = 0;
        kbd_defaults(k);
        k->scanning = 1;
        kbd_respond(k, KBD_ACK);
        break;
    case 0xf7:
    case 0xf8:
    case 0xf9:
    case 0xfa: /* set-3 all-keys types */ kbd_respond(k, KBD_ACK); break;
    case 0xfe: /* resend the last byte */ kbd_respond(k, k->last); break;
    case 0xff: /* reset and basic assurance test */
        ps2_kbd_reset(k);
        kbd_respond(k, KBD_ACK);
        kbd_respond(k, KBD_BAT_OK);
        break;
    default:
        if (k->m)
            unimp_log_once(k->m, &k->unimp_logged, 0, "ps2 kbd: unknown command %#x\n", b);
        kbd_respond(k, KBD_RESEND);
        break;
    }
    kbd_notify(k);
}

int ps2_kbd_read(struct ps2_kbd *k)
{
    int b = ps2_queue_pop(&k->q);
    if (b >= 0)
        k->last = (uint8_t)b;
    if (!k->q.count)
        k->overrun = 0;
    return b;
}

bool ps2_kbd_has_data(const struct ps2_kbd *k)
{
    return k->q.count != 0;
}
uint8_t ps2_kbd_typematic(const struct ps2_kbd *k)
{
    return k->typematic;
}
uint8_t ps2_kbd_leds(const struct ps2_kbd *k)
{
    return k->leds;
}
/* IBM: delay = (1 + bits 5-6) * 250 ms; period = (8 + A) * 2^B * 4.17 ms
 * with A = bits 0-2, B = bits 3-4 (30 to 2 characters per second). */
void ps2_kbd_typematic_timing(const struct ps2_kbd *k, unsigned *delay_ms, unsigned *period_us)
{
    unsigned a = k->typematic & 7, b = (k->typematic >> 3) & 3;
    *delay_ms = (((k->typematic >> 5) & 3) + 1) * 250;
    *period_us = (8 + a) * (1u << b) * 4170;
}

int ps2_kbd_scancode_set(const struct ps2_kbd *k)
{
    return k->set;
}

/* The set-2 byte sequence of a key event; returns its length. */
static unsigned kbd_set2_sequence(uint16_t code, bool down, uint8_t *seq)
{
    unsigned n = 0;
    if (code == PS2_KEY_PAUSE) { /* make only; there is no break sequence */
        static const uint8_t pause[] = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};
        if (!down)
            return 0;
        for (; n < sizeof pause; n++)
            seq[n] = pause[n];
        return n;
    }
    if (code == PS2_KEY_PRINT) { /* a fake Left Shift around E0 7C */
        static const uint8_t make[] = {0xe0, 0x12, 0xe0, 0x7c};
        static const uint8_t brk[] = {0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12};
        const uint8_t *s = down ? make : brk;
        unsigned len = down ? sizeof make : sizeof brk;
        for (; n < len; n++)
            seq[n] = s[n];
        return n;
    }
    if ((code >> 8) == 0xe0)
        seq[n++] = 0xe0;
    if (!down)
        seq[n++] = 0xf0;
    seq[n++] = (uint8_t)code;
    return n;
}

void ps2_kbd_key(struct ps2_kbd *k, uint16_t code, bool down)
{
    uint8_t seq[8], out[8];
    unsigned n, len = 0;
    if (!k->scanning)
        return;
    if ((code >> 8) != 0 && (code >> 8) != 0xe0 && code != PS2_KEY_PAUSE)
        return; /* not a keycode */
    n = kbd_set2_sequence(code, down, seq);
    if (k->set == 1) { /* the same translation the 8042 applies */
        bool brk = false;
        for (unsigned i = 0; i < n; i++) {
            if (seq[i] == 0xf0) {
                brk = true;
                continue;
            }
            out[len++] = ps2_set2_to_set1(seq[i]) | (brk ? 0x80 : 0);
            brk = false;
        }
    } else { /* set 3 is stored but sends set-2 codes (documented in ps2.h) */
        for (; len < n; len++)
            out[len] = seq[len];
    }
    if (!len)
        return;
    /* The last byte of the buffer is kept for the overrun code: when a key
     * does not fit, the keyboard queues 0x00 (sets 2 and 3) or 0xFF (set 1)
     * once and drops the key. */
    if (k->overrun || !ps2_queue_push(&k->q, PS2_KBD_QUEUE - 1, out, len)) {
        uint8_t ovr = k->set == 1 ? 0xff : 0x00;
        if (!k->overrun)
            ps2_queue_push(&k->q, PS2_KBD_QUEUE, &ovr, 1);
        k->overrun = 1;
    }
    kbd_notify(k);
}
