/* PS/2 mouse (IBM PS/2 Technical Reference, "Pointing device"; Microsoft
 * IntelliMouse extensions): stream/remote/wrap modes, 3-byte packets, and
 * 4-byte packets with the wheel once the sample-rate knock switches the ID. */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "devices/machine.h"
#include "devices/unimp_log.h"
#include "devices/ps2.h"
#include "devices/vmstate.h"

#define AUX_ACK    0xfa
#define AUX_RESEND 0xfe
#define AUX_BAT_OK 0xaa

struct ps2_mouse {
    struct machine *m;
    ps2_notify_fn notify;
    void *opaque;
    uint64_t unimp_logged; /* an unknown command was logged (-d unimp) */
    /* saved state */
    struct ps2_queue q;
    uint8_t cmd;          /* command waiting for its argument (0xE8, 0xF3), or 0 */
    uint8_t reporting;    /* 0xF4 enable / 0xF5 disable data reporting */
    uint8_t remote;       /* 0xF0 remote mode (vs 0xEA stream) */
    uint8_t wrap;         /* 0xEE wrap (echo) mode */
    uint8_t scaling21;    /* 0xE7 2:1 scaling (vs 0xE6 1:1) */
    uint8_t resolution;   /* 0xE8: 0-3 = 1, 2, 4, 8 counts/mm */
    uint8_t rate;         /* 0xF3 sample rate, samples/s */
    uint8_t id;           /* 0xF2 answer: 0, 3 IntelliMouse, 4 Explorer */
    uint8_t knock[3];     /* the last three sample rates, newest last */
    uint8_t buttons;      /* PS2_BUTTON_* now held */
    uint8_t sent_buttons; /* buttons in the last packet */
    uint8_t last;         /* last byte sent to the controller, for 0xFE */
    int32_t dx, dy, dz;   /* motion not yet reported (PS/2 convention: dy > 0 up) */
};

static const struct vmstate_field ps2_mouse_fields[] = {
    VMSTATE_FIELD(struct ps2_mouse, q.data, 1),
    VMSTATE_FIELD(struct ps2_mouse, q.count, 1),
    VMSTATE_FIELD(struct ps2_mouse, q.resp, 1),
    VMSTATE_FIELD(struct ps2_mouse, cmd, 1),
    VMSTATE_FIELD(struct ps2_mouse, reporting, 1),
    VMSTATE_FIELD(struct ps2_mouse, remote, 1),
    VMSTATE_FIELD(struct ps2_mouse, wrap, 1),
    VMSTATE_FIELD(struct ps2_mouse, scaling21, 1),
    VMSTATE_FIELD(struct ps2_mouse, resolution, 1),
    VMSTATE_FIELD(struct ps2_mouse, rate, 1),
    VMSTATE_FIELD(struct ps2_mouse, id, 1),
    VMSTATE_FIELD(struct ps2_mouse, knock, 1),
    VMSTATE_FIELD(struct ps2_mouse, buttons, 1),
    VMSTATE_FIELD(struct ps2_mouse, sent_buttons, 1),
    VMSTATE_FIELD(struct ps2_mouse, last, 1),
    VMSTATE_FIELD(struct ps2_mouse, dx, 1),
    VMSTATE_FIELD(struct ps2_mouse, dy, 1),
    VMSTATE_FIELD(struct ps2_mouse, dz, 1),
};

static int ps2_mouse_post_load(void *opaque)
{
    struct ps2_mouse *ms = opaque;
    if (ms->q.count > PS2_MOUSE_QUEUE || ms->q.resp > ms->q.count)
        return -1;
    return 0;
}

static const struct vmstate ps2_mouse_vs =
    VMSTATE_DESC("ps2_mouse", 1, ps2_mouse_fields, ps2_mouse_post_load);

const struct vmstate *ps2_mouse_vmstate(void)
{
    return &ps2_mouse_vs;
}

static void mouse_respond(struct ps2_mouse *ms, uint8_t b)
{
    ps2_queue_respond(&ms->q, PS2_MOUSE_QUEUE, b);
}

static void mouse_notify(struct ps2_mouse *ms)
{
    if (ms->notify && ms->q.count)
        ms->notify(ms->opaque);
}

/* 0xF6 and power-on settings (the ID survives 0xF6; reset clears it). */
static void mouse_defaults(struct ps2_mouse *ms)
{
    ms->rate = 100;
    ms->resolution = 2;
    ms->scaling21 = 0;
    ms->reporting = 0;
    ms->remote = 0;
    ms->dx = ms->dy = ms->dz = 0;
}

void ps2_mouse_reset(void *opaque)
{
    struct ps2_mouse *ms = opaque;
    ps2_queue_clear(&ms->q);
    mouse_defaults(ms);
    ms->cmd = 0;
    ms->wrap = 0;
    ms->id = 0;
    ms->knock[0] = ms->knock[1] = ms->knock[2] = 0;
    ms->sent_buttons = ms->buttons;
    ms->last = 0;
}

struct ps2_mouse *ps2_mouse_create(struct machine *m, ps2_notify_fn notify, void *opaque)
{
    struct ps2_mouse *ms = calloc(1, sizeof *ms);
    if (!ms)
        return NULL;
    ms->m = m;
    ms->notify = notify;
    ms->opaque = opaque;
    ps2_mouse_reset(ms);
    if (m)
        machine_register_state(m, &ps2_mouse_vs, ms);
    return ms;
}

void ps2_mouse_destroy(struct ps2_mouse *ms)
{
    free(ms);
}

int ps2_mouse_id(const struct ps2_mouse *ms)
{
    return ms->id;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* 2:1 scaling applies to stream-mode reports only (IBM: 0→0, 1→1, 2→1,
 * 3→3, 4→6, 5→9, n→2n). */
static int scale21(int v)
{
    static const int small[6] = {0, 1, 1, 3, 6, 9};
    int a = v < 0 ? -v : v;
    a = a < 6 ? small[a] : 2 * a;
    return v < 0 ? -a : a;
}

static unsigned packet_size(const struct ps2_mouse *ms)
{
    return ms->id ? 4 : 3;
}

/* Build one packet from the motion counters, consuming what it reports.
 * `whole`: report everything (remote-mode 0xEB), setting the overflow bits
 * when a counter is beyond 9 bits; otherwise take at most one packet's
 * worth and leave the rest for the next packet. */
static unsigned mouse_packet(struct ps2_mouse *ms, uint8_t *p, bool whole)
{
    int dx = clamp(ms->dx, -256, 255), dy = clamp(ms->dy, -256, 255);
    uint8_t b0 = 0x08 | (ms->buttons & 7);
    if (whole) {
        if (dx != ms->dx)
            b0 |= 0x40; /* X overflow */
        if (dy != ms->dy)
            b0 |= 0x80; /* Y overflow */
        ms->dx = ms->dy = 0;
    } else {
        ms->dx -= dx;
        ms->dy -= dy;
    }
    if (ms->scaling21 && !ms->remote) {
        int sx = scale21(dx), sy = scale21(dy);
        if (sx != clamp(sx, -256, 255))
            b0 |= 0x40;
        if (sy != clamp(sy, -256, 255))
            b0 |= 0x80;
        dx = clamp(sx, -256, 255);
        dy = clamp(sy, -256, 255);
    }
    if (dx < 0)
        b0 |= 0x10;
    if (dy < 0)
        b0 |= 0x20;
    p[0] = b0;
    p[1] = (uint8_t)dx;
    p[2] = (uint8_t)dy;
    if (!ms->id) {
        ms->dz = 0;
        ms->sent_buttons = ms->buttons;
        return 3;
    }
    if (ms->id == 3) { /* IntelliMouse: byte 4 = wheel, 8-bit signed */
        int dz = clamp(ms->dz, -128, 127);
        ms->dz -= dz;
        p[3] = (uint8_t)dz;
    } else { /* Explorer: bits 0-3 wheel (-8..7), bit 4/5 buttons 4/5 */
        int dz = clamp(ms->dz, -8, 7);
        ms->dz -= dz;
        p[3] = (uint8_t)((dz & 0x0f) | ((ms->buttons & (PS2_BUTTON_4 | PS2_BUTTON_5)) << 1));
    }
    if (whole)
        ms->dz = 0;
    ms->sent_buttons = ms->buttons;
    return 4;
}

/* Stream mode: send packets while there is something to report and room. */
static void mouse_stream(struct ps2_mouse *ms)
{
    if (ms->remote || !ms->reporting || ms->wrap || ms->cmd)
        return;
    while (ms->dx || ms->dy || (ms->dz && ms->id) || ms->buttons != ms->sent_buttons) {
        uint8_t p[4];
        if (ms->q.count + packet_size(ms) > PS2_MOUSE_QUEUE)
            return;
        unsigned n = mouse_packet(ms, p, false);
        ps2_queue_push(&ms->q, PS2_MOUSE_QUEUE, p, n);
    }
    ms->dz = 0; /* a wheel on a plain (ID 0) mouse is not reported */
}

void ps2_mouse_event(struct ps2_mouse *ms, int dx, int dy, int dz, unsigned buttons)
{
    ms->buttons = buttons & 0x1f;
    if (!ms->remote && !ms->reporting) { /* stream mode, disabled: nothing counts */
        ms->sent_buttons = ms->buttons;
        return;
    }
    /* Saturate the counters; a packet reports at most 9 bits anyway. */
    ms->dx = clamp(ms->dx + clamp(dx, -65536, 65536), -65536, 65536);
    ms->dy = clamp(ms->dy - clamp(dy, -65536, 65536), -65536, 65536);
    ms->dz = clamp(ms->dz + clamp(dz, -65536, 65536), -65536, 65536);
    mouse_stream(ms);
    mouse_notify(ms);
}

static void mouse_knock(struct ps2_mouse *ms, uint8_t rate)
{
    ms->knock[0] = ms->knock[1];
    ms->knock[1] = ms->knock[2];
    ms->knock[2] = rate;
    /* IntelliMouse: rates 200, 100, 80 switch the ID to 3; Explorer: then
     * 200, 200, 80 switch it to 4. */
    if (ms->knock[0] == 200 && ms->knock[1] == 100 && ms->knock[2] == 80 && ms->id == 0)
        ms->id = 3;
    else if (ms->knock[0] == 200 && ms->knock[1] == 200 && ms->knock[2] == 80 && ms->id == 3)
        ms->id = 4;
}

static void mouse_argument(struct ps2_mouse *ms, uint8_t cmd, uint8_t arg)
{
    mouse_respond(ms, AUX_ACK);
    if (cmd == 0xe8) {
        ms->resolution = arg & 3;
    } else { /* 0xF3 */
        ms->rate = arg;
        mouse_knock(ms, arg);
    }
}

void ps2_mouse_write(struct ps2_mouse *ms, uint8_t b)
{
    uint8_t pending = ms->cmd, p[4];
    ms->cmd = 0;
    if (ms->wrap && b != 0xec && b != 0xff) { /* wrap mode echoes everything else */
        mouse_respond(ms, b);
        mouse_notify(ms);
        return;
    }
    if (pending) {
        mouse_argument(ms, pending, b);
        mouse_stream(ms);
        mouse_notify(ms);
        return;
    }
    switch (b) {
    case 0xe6: /* scaling 1:1 */
        ms->scaling21 = 0;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xe7: /* scaling 2:1 */
        ms->scaling21 = 1;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xe8: /* set resolution */
    case 0xf3: /* set sample rate */
        mouse_respond(ms, AUX_ACK);
        ms->cmd = b;
        break;
    case 0xe9: /* status request: mode/enable/scaling/buttons, resolution, rate */
        mouse_respond(ms, AUX_ACK);
        mouse_respond(ms, (uint8_t)((ms->remote ? 0x40 : 0) | (ms->reporting ? 0x20 : 0) |
                                    (ms->scaling21 ? 0x10 : 0) |
                                    ((ms->buttons & PS2_BUTTON_LEFT) ? 0x04 : 0) |
                                    ((ms->buttons & PS2_BUTTON_MIDDLE) ? 0x02 : 0) |
                                    ((ms->buttons & PS2_BUTTON_RIGHT) ? 0x01 : 0)));
        mouse_respond(ms, ms->resolution);
        mouse_respond(ms, ms->rate);
        break;
    case 0xea: /* stream mode */
        ms->remote = 0;
        ms->dx = ms->dy = ms->dz = 0;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xeb: { /* read data: one packet with everything counted */
        unsigned n = mouse_packet(ms, p, true);
        mouse_respond(ms, AUX_ACK);
        for (unsigned i = 0; i < n; i++)
            mouse_respond(ms, p[i]);
        break;
    }
    case 0xec: /* reset wrap mode */
        ms->wrap = 0;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xee: /* wrap mode */
        ms->wrap = 1;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xf0: /* remote mode */
        ms->remote = 1;
        ms->dx = ms->dy = ms->dz = 0;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xf2: /* identify */
        mouse_respond(ms, AUX_ACK);
        mouse_respond(ms, ms->id);
        break;
    case 0xf4: /* enable data reporting */
        ms->reporting = 1;
        ms->dx = ms->dy = ms->dz = 0;
        ms->sent_buttons = ms->buttons;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xf5: /* disable data reporting */
        ms->reporting = 0;
        ms->dx = ms->dy = ms->dz = 0;
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xf6: /* set defaults */
        mouse_defaults(ms);
        mouse_respond(ms, AUX_ACK);
        break;
    case 0xfe: /* resend */ mouse_respond(ms, ms->last); break;
    case 0xff: /* reset: ACK, BAT passed, ID 0 */
        ps2_mouse_reset(ms);
        mouse_respond(ms, AUX_ACK);
        mouse_respond(ms, AUX_BAT_OK);
        mouse_respond(ms, 0x00);
        break;
    default:
        if (ms->m)
            unimp_log_once(ms->m, &ms->unimp_logged, 0, "ps2 mouse: unknown command %#x\n", b);
        mouse_respond(ms, AUX_RESEND);
        break;
    }
    mouse_stream(ms);
    mouse_notify(ms);
}

int ps2_mouse_read(struct ps2_mouse *ms)
{
    int b = ps2_queue_pop(&ms->q);
    if (b >= 0)
        ms->last = (uint8_t)b;
    mouse_stream(ms); /* room again: motion left over goes out (no notify: the
                         controller is pulling) */
    return b;
}

bool ps2_mouse_has_data(const struct ps2_mouse *ms)
{
    return ms->q.count != 0;
}
