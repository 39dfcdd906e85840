/* PS/2 keyboard and mouse (IBM PS/2 Technical Reference; the 8042 side is in
 * i8042.h). A device answers the bytes the controller sends it and queues the
 * bytes it sends back; the controller pulls them when its output buffer is
 * free. Host input (frontend, monitor `sendkey`) enters through
 * ps2_kbd_key() / ps2_kbd_send_combo() / ps2_mouse_event(). */
#ifndef VX86_PS2_H
#define VX86_PS2_H

#include <stdbool.h>
#include <stdint.h>

struct machine;
struct ps2_kbd;
struct ps2_mouse;

/* Called by a device when it has queued bytes for the controller. */
typedef void (*ps2_notify_fn)(void *opaque);

/* The byte queue of a device (part of its saved state). Command responses
 * go ahead of queued scancodes/packets, so a driver waiting for an ACK gets
 * it next (as QEMU's ps2 devices do). */
#define PS2_QUEUE_MAX 48
struct ps2_queue {
    uint8_t data[PS2_QUEUE_MAX]; /* data[0] leaves first */
    uint8_t count;               /* bytes queued */
    uint8_t resp;                /* the first `resp` bytes are command responses */
};

static inline void ps2_queue_clear(struct ps2_queue *q)
{
    q->count = 0;
    q->resp = 0;
}
/* Append n bytes as one unit (a scancode sequence, a packet) if they fit in
 * `cap` bytes; false and nothing queued otherwise. */
static inline bool ps2_queue_push(struct ps2_queue *q, unsigned cap, const uint8_t *b, unsigned n)
{
    if (cap > PS2_QUEUE_MAX)
        cap = PS2_QUEUE_MAX;
    if (q->count + n > cap)
        return false;
    for (unsigned i = 0; i < n; i++)
        q->data[q->count++] = b[i];
    return true;
}
/* Queue a command response after earlier responses, ahead of scancodes;
 * the newest non-response byte is dropped if the queue is full. */
static inline void ps2_queue_respond(struct ps2_queue *q, unsigned cap, uint8_t b)
{
    if (cap > PS2_QUEUE_MAX)
        cap = PS2_QUEUE_MAX;
    if (q->count >= cap) {
        if (q->resp >= cap)
            return;
        q->count--;
    }
    for (unsigned i = q->count; i > q->resp; i--)
        q->data[i] = q->data[i - 1];
    q->data[q->resp++] = b;
    q->count++;
}
static inline int ps2_queue_pop(struct ps2_queue *q)
{
    if (!q->count)
        return -1;
    uint8_t b = q->data[0];
    q->count--;
    for (unsigned i = 0; i < q->count; i++)
        q->data[i] = q->data[i + 1];
    if (q->resp)
        q->resp--;
    return b;
}

/* ---- keyboard (ps2_kbd.c) ---- */
#define PS2_KBD_QUEUE 16 /* the keyboard's own buffer, in bytes */

/* Keycodes are scancode-set-2 make codes: 0x1C is 'A', 0x5A Enter; keys with
 * an 0xE0 prefix are 0xE0xx (0xE075 = Up). Two keys have special sequences: */
#define PS2_KEY_PRINT 0xE07C /* PrintScreen: E0 12 E0 7C / E0 F0 7C E0 F0 12 */
#define PS2_KEY_PAUSE 0xE114 /* Pause: E1 14 77 E1 F0 14 F0 77 on press, nothing on release */

struct ps2_kbd *ps2_kbd_create(struct machine *m, ps2_notify_fn notify, void *opaque);
void ps2_kbd_destroy(struct ps2_kbd *k);
void ps2_kbd_reset(void *opaque); /* power-on state (a machine reset handler) */
/* A byte from the controller (command or command argument). */
void ps2_kbd_write(struct ps2_kbd *k, uint8_t byte);
/* Next byte for the controller, or -1 if the queue is empty. */
int ps2_kbd_read(struct ps2_kbd *k);
bool ps2_kbd_has_data(const struct ps2_kbd *k);
/* A key went down or up (keycode as above). Ignored while scanning is
 * disabled (0xF5). Typematic repeat is not generated here: the host frontend
 * repeats ps2_kbd_key(k, code, true) at the rate in ps2_kbd_typematic(). */
void ps2_kbd_key(struct ps2_kbd *k, uint16_t keycode, bool down);
/* In set 3 (selectable and reported, rarely used) keys are still sent as
 * set-2 codes. */
/* Typematic byte set by 0xF3 (bits 0-4 rate, bits 5-6 delay), the LED byte
 * set by 0xED (bit 0 Scroll, 1 Num, 2 Caps) and the scancode set (1-3). */
uint8_t ps2_kbd_typematic(const struct ps2_kbd *k);
uint8_t ps2_kbd_leds(const struct ps2_kbd *k);
int ps2_kbd_scancode_set(const struct ps2_kbd *k);
/* The typematic byte decoded for the frontend's key repeat: the delay
 * before the first repeat and the repeat period. */
void ps2_kbd_typematic_timing(const struct ps2_kbd *k, unsigned *delay_ms, unsigned *period_us);
struct vmstate;
const struct vmstate *ps2_kbd_vmstate(void);

/* ---- key names (ps2_keymap.c) ---- */
/* QEMU `sendkey` key names ("a", "ret", "ctrl", "kp_add", "f12", ...). */
bool ps2_keycode_from_name(const char *qemu_key_name, uint16_t *keycode);
/* A USB HID keyboard usage (page 7; SDL_Scancode uses the same numbers):
 * 0x04 'a' ... 0x65 Application, 0xE0-0xE7 the modifiers. */
bool ps2_keycode_from_hid(unsigned usage, uint16_t *keycode);
/* A QEMU-style combo like "ctrl-alt-delete": press the keys in order, release
 * them in reverse. Returns false (and sends nothing) if a name is unknown. */
bool ps2_kbd_send_combo(struct ps2_kbd *k, const char *combo);
/* The 8042's set-2 -> set-1 translation table (also used by the keyboard for
 * set 1). The 0xF0 break prefix is merged by the caller into bit 7. */
uint8_t ps2_set2_to_set1(uint8_t code);

/* ---- mouse (ps2_mouse.c) ---- */
#define PS2_MOUSE_QUEUE 48 /* room for 12 four-byte packets */

/* Buttons for ps2_mouse_event(). */
#define PS2_BUTTON_LEFT   0x01
#define PS2_BUTTON_RIGHT  0x02
#define PS2_BUTTON_MIDDLE 0x04
#define PS2_BUTTON_4      0x08 /* IntelliMouse Explorer (ID 4) only */
#define PS2_BUTTON_5      0x10

struct ps2_mouse *ps2_mouse_create(struct machine *m, ps2_notify_fn notify, void *opaque);
void ps2_mouse_destroy(struct ps2_mouse *ms);
void ps2_mouse_reset(void *opaque);
void ps2_mouse_write(struct ps2_mouse *ms, uint8_t byte);
int ps2_mouse_read(struct ps2_mouse *ms);
bool ps2_mouse_has_data(const struct ps2_mouse *ms);
/* Relative motion in device counts (the resolution set by 0xE8 is stored
 * and reported, not applied) in screen convention (dx > 0 right, dy > 0 down), wheel
 * dz > 0 toward the user (scroll down), and the buttons now held
 * (PS2_BUTTON_*). Motion accumulates; stream mode sends packets while the
 * queue has room, remote mode keeps it for 0xEB. */
void ps2_mouse_event(struct ps2_mouse *ms, int dx, int dy, int dz, unsigned buttons);
/* The device ID reported by 0xF2: 0, 3 (IntelliMouse), 4 (Explorer). */
int ps2_mouse_id(const struct ps2_mouse *ms);
const struct vmstate *ps2_mouse_vmstate(void);

#endif
