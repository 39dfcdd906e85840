/* The SDL2 window: the VGA surface scaled with its aspect ratio, PS/2
 * keyboard and mouse input, the title bar and the Ctrl+Alt hot keys. It
 * runs in the main thread inside the machine loop: a 60 Hz timerfd the loop
 * polls refreshes it, so an idle guest with a still screen costs little. */
#define _GNU_SOURCE
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "devices/i8042.h"
#include "devices/machine.h"
#include "devices/pc.h"
#include "devices/ps2.h"
#include "devices/surface.h"
#include "devices/vga.h"
#include "frontend/display.h"

#define REFRESH_NS     16666667ull /* 60 Hz */
#define TITLE_NS       1000000000ull
#define MAX_KEYCODES   0x10000
#define PS2_KEY_DELETE 0xE071
#define ACTIVITY_NS    300000000ull   /* the disk mark stays this long after a transfer */
#define POWEROFF_NS    10000000000ull /* a guest that ignores the power button */

struct fe_display {
    struct pc *pc;
    struct machine *m;
    struct vga *vga;
    struct ps2_kbd *kbd;
    struct ps2_mouse *mouse;
    char name[64];

    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int tex_w, tex_h;
    uint64_t surf_generation;
    bool user_sized; /* the window was resized by hand: keep its size */
    bool fullscreen;
    bool grabbed;
    bool closed;
    void (*power_button)(void *opaque);
    void *power_opaque;
    uint64_t power_pressed; /* host ns of the close that pressed it, 0 = not yet */
    bool need_present;
    unsigned buttons; /* PS2_BUTTON_* held */

    int timer_fd;
    uint64_t last_refresh, last_title;
    uint64_t title_icount, last_disk, disk_seen_ns;
    double mips;    /* guest speed over the last second */
    bool title_now; /* state changed: retitle at the next refresh */
    char title[256];
    uint8_t *held; /* keycodes the guest has been told are down */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool fe_display_parse(const char *s, enum fe_display_kind *kind)
{
    size_t n = strcspn(s, ",");
    if (n == 3 && !strncmp(s, "sdl", 3))
        *kind = FE_DISPLAY_SDL;
    else if (n == 4 && !strncmp(s, "none", 4))
        *kind = FE_DISPLAY_NONE;
    else
        return false;
    return true;
}

enum fe_display_kind fe_display_default(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (w && *w) ? FE_DISPLAY_SDL : FE_DISPLAY_NONE;
}

static void send_key(struct fe_display *d, uint16_t code, bool down)
{
    if (!d->kbd)
        return;
    if (code == PS2_KEY_PAUSE && !down)
        return; /* Pause has no break code */
    if (d->held[code] == down)
        return;
    d->held[code] = down;
    ps2_kbd_key(d->kbd, code, down);
}

/* Focus lost: nothing stays pressed in the guest and the mouse is free. */
static void release_all(struct fe_display *d)
{
    for (unsigned c = 0; c < MAX_KEYCODES; c++)
        if (d->held[c])
            send_key(d, (uint16_t)c, false);
    if (d->buttons && d->mouse)
        ps2_mouse_event(d->mouse, 0, 0, 0, 0);
    d->buttons = 0;
}

static void set_grab(struct fe_display *d, bool on)
{
    if (on == d->grabbed || (on && !d->mouse))
        return;
    d->grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(d->win, on ? SDL_TRUE : SDL_FALSE);
    d->title_now = true;
}

static void update_title(struct fe_display *d, uint64_t now)
{
    uint64_t ic = machine_icount(d->m);
    double secs = (double)(now - d->last_title) / 1e9;
    if (secs >= 0.5 || !d->last_title) { /* a state change between two seconds keeps the speed */
        d->mips = d->last_title ? (double)(ic - d->title_icount) / secs / 1e6 : 0;
        d->title_icount = ic;
        d->last_title = now;
    }
    d->title_now = false;
    double mips = d->mips;
    uint64_t disk = machine_disk_activity_count(d->m);
    if (disk != d->last_disk) {
        d->last_disk = disk;
        d->disk_seen_ns = now;
    }
    bool busy = d->disk_seen_ns && now - d->disk_seen_ns < ACTIVITY_NS + TITLE_NS;
    char t[256];
    snprintf(t, sizeof t, "%s - %s - %.1f MIPS%s%s", d->name,
             machine_paused(d->m) ? "paused" : "running", machine_paused(d->m) ? 0.0 : mips,
             busy ? " - disk" : "", d->grabbed ? " - Press Ctrl+Alt+G to release the mouse" : "");
    if (strcmp(t, d->title)) {
        snprintf(d->title, sizeof d->title, "%s", t);
        SDL_SetWindowTitle(d->win, t);
    }
}

/* Ctrl+Alt+key hot keys; true when the key was one (not sent to the guest). */
static bool hot_key(struct fe_display *d, const SDL_KeyboardEvent *k)
{
    /* The modifiers as they were at this event (not at the last pump). */
    Uint16 mod = k->keysym.mod;
    if (!(mod & KMOD_CTRL) || !(mod & KMOD_ALT))
        return false;
    switch (k->keysym.scancode) {
    case SDL_SCANCODE_F:
        if (k->state == SDL_PRESSED) {
            d->fullscreen = !d->fullscreen;
            SDL_SetWindowFullscreen(d->win, d->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
            d->need_present = true;
        }
        return true;
    case SDL_SCANCODE_G:
        if (k->state == SDL_PRESSED)
            set_grab(d, false);
        return true;
    case SDL_SCANCODE_P:
        if (k->state == SDL_PRESSED) {
            if (machine_paused(d->m))
                machine_resume(d->m);
            else
                machine_pause(d->m);
            d->title_now = true;
        }
        return true;
    case SDL_SCANCODE_END:
        /* Ctrl+Alt+Del would go to the host: End stands in for Delete
         * (Ctrl and Alt are already down in the guest). */
        send_key(d, PS2_KEY_DELETE, k->state == SDL_PRESSED);
        return true;
    default: return false;
    }
}

static unsigned sdl_buttons(Uint32 state)
{
    unsigned b = 0;
    if (state & SDL_BUTTON(SDL_BUTTON_LEFT))
        b |= PS2_BUTTON_LEFT;
    if (state & SDL_BUTTON(SDL_BUTTON_RIGHT))
        b |= PS2_BUTTON_RIGHT;
    if (state & SDL_BUTTON(SDL_BUTTON_MIDDLE))
        b |= PS2_BUTTON_MIDDLE;
    if (state & SDL_BUTTON(SDL_BUTTON_X1))
        b |= PS2_BUTTON_4;
    if (state & SDL_BUTTON(SDL_BUTTON_X2))
        b |= PS2_BUTTON_5;
    return b;
}

/* Closing the window powers the guest off: the ACPI power button if the
 * board has one (the guest shuts down and powers off), else end the run;
 * main's exit path closes (and flushes) the disks. */
static void close_requested(struct fe_display *d)
{
    if (d->power_button && !d->power_pressed) {
        d->power_pressed = now_ns();
        d->power_button(d->power_opaque);
        return;
    }
    d->closed = true;
    machine_stop(d->m, VX86_EXIT_OK);
}

static void handle_event(struct fe_display *d, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: close_requested(d); break;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
        if (e->key.repeat)
            break; /* the guest does its own typematic repeat */
        if (hot_key(d, &e->key))
            break;
        uint16_t code;
        if (fe_keymap_sdl(e->key.keysym.scancode, &code))
            send_key(d, code, e->type == SDL_KEYDOWN);
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        if (!d->grabbed) {
            if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT)
                set_grab(d, true); /* the click that grabs is not sent */
            break;
        }
        d->buttons = sdl_buttons(SDL_GetMouseState(NULL, NULL));
        ps2_mouse_event(d->mouse, 0, 0, 0, d->buttons);
        break;
    case SDL_MOUSEMOTION:
        if (d->grabbed && (e->motion.xrel || e->motion.yrel))
            ps2_mouse_event(d->mouse, e->motion.xrel, e->motion.yrel, 0, d->buttons);
        break;
    case SDL_MOUSEWHEEL:
        if (d->grabbed && e->wheel.y) {
            int dz = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? e->wheel.y : -e->wheel.y;
            ps2_mouse_event(d->mouse, 0, 0, dz, d->buttons); /* dz > 0: toward the user */
        }
        break;
    case SDL_WINDOWEVENT:
        switch (e->window.event) {
        case SDL_WINDOWEVENT_FOCUS_LOST:
        case SDL_WINDOWEVENT_HIDDEN:
        case SDL_WINDOWEVENT_MINIMIZED:
            set_grab(d, false);
            release_all(d);
            break;
        case SDL_WINDOWEVENT_RESIZED: d->user_sized = true; /* fall through */
        case SDL_WINDOWEVENT_SIZE_CHANGED:
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_SHOWN: d->need_present = true; break;
        case SDL_WINDOWEVENT_CLOSE:
            /* One close is one request: SDL_QUIT does not follow it (the
             * hint below); older SDL sends SDL_QUIT after it instead. */
#ifdef SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE
            close_requested(d);
#endif
            break;
        }
        break;
    }
}

/* The shape the picture has on a monitor: the VGA's own modes (200, 350,
 * 400 or 480 lines at up to 720 dots) fill a 4:3 screen whatever their
 * pixel count; VBE modes have square pixels. */
static void display_shape(int w, int h, int *lw, int *lh)
{
    *lw = w;
    *lh = h;
    if (w <= 720 && (h == 200 || h == 350 || h == 400 || h == 480) && w * 3 != h * 4)
        *lh = w * 3 / 4;
}

/* Guest surface -> texture (only the dirty rectangle) -> window. */
static void repaint(struct fe_display *d)
{
    struct surface *s = vga_surface(d->vga);
    vga_update_display(d->vga);
    struct surface_rect r;
    bool dirty = surface_take_dirty(s, &r);
    if (!d->tex || s->width != d->tex_w || s->height != d->tex_h ||
        s->generation != d->surf_generation) {
        if (d->tex)
            SDL_DestroyTexture(d->tex);
        d->tex = SDL_CreateTexture(d->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
                                   s->width, s->height);
        if (!d->tex)
            return;
        d->tex_w = s->width;
        d->tex_h = s->height;
        d->surf_generation = s->generation;
        int lw, lh;
        display_shape(s->width, s->height, &lw, &lh);
        SDL_RenderSetLogicalSize(d->ren, lw, lh); /* letterboxed, aspect kept */
        if (!d->user_sized && !d->fullscreen) {
            /* Small modes (320x200) at twice their size. */
            int k = lw < 640 ? 2 : 1;
            SDL_SetWindowSize(d->win, lw * k, lh * k);
        }
        r = (struct surface_rect){0, 0, s->width, s->height};
        dirty = true;
    }
    if (dirty) {
        SDL_Rect sr = {r.x, r.y, r.w, r.h};
        SDL_UpdateTexture(d->tex, &sr, s->pixels + (size_t)r.y * s->stride + r.x,
                          s->stride * (int)sizeof(uint32_t));
        d->need_present = true;
    }
    if (d->need_present) {
        SDL_SetRenderDrawColor(d->ren, 0, 0, 0, 255);
        SDL_RenderClear(d->ren);
        SDL_RenderCopy(d->ren, d->tex, NULL, NULL);
        SDL_RenderPresent(d->ren);
        d->need_present = false;
    }
}

static void refresh(struct fe_display *d)
{
    uint64_t now = now_ns();
    d->last_refresh = now;
    SDL_Event e;
    while (!d->closed && SDL_PollEvent(&e))
        handle_event(d, &e);
    if (d->closed)
        return;
    repaint(d);
    /* (now_ns() again: `now` may predate a press by the events above.) */
    if (d->power_pressed && now_ns() - d->power_pressed >= POWEROFF_NS) {
        d->closed = true; /* the guest did not power off */
        machine_stop(d->m, VX86_EXIT_OK);
        return;
    }
    if (d->title_now || now - d->last_title >= TITLE_NS)
        update_title(d, now);
}

static void timer_ready(void *opaque)
{
    struct fe_display *d = opaque;
    uint64_t ticks;
    if (read(d->timer_fd, &ticks, sizeof ticks) != (ssize_t)sizeof ticks)
        return;
    refresh(d);
}

void fe_display_poll(struct fe_display *d)
{
    /* A busy guest: the loop looks at the timer fd every millisecond
     * anyway; this catches a loop that polls less often. */
    if (d && !d->closed && now_ns() - d->last_refresh >= REFRESH_NS * 2)
        refresh(d);
}

void fe_display_set_power_button(struct fe_display *d, void (*press)(void *opaque), void *opaque)
{
    d->power_button = press;
    d->power_opaque = opaque;
}

bool fe_display_closed(const struct fe_display *d)
{
    return d && d->closed;
}

struct fe_display *fe_display_sdl_create(struct pc *pc, const char *name, char *err, size_t errlen)
{
    struct vga *vga = pc_vga(pc);
    if (!vga) {
        snprintf(err, errlen, "-display sdl: this machine has no VGA");
        return NULL;
    }
    struct fe_display *d = calloc(1, sizeof *d);
    if (!d || !(d->held = calloc(MAX_KEYCODES, 1))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->pc = pc;
    d->m = pc_machine(pc);
    d->vga = vga;
    d->timer_fd = -1;
    struct i8042 *kbc = pc_keyboard(pc);
    if (kbc) {
        d->kbd = i8042_kbd(kbc);
        d->mouse = i8042_mouse(kbc);
    }
    snprintf(d->name, sizeof d->name, "%s", name ? name : "vx86");

    /* Only a real display: SDL would otherwise fall back to its invisible
     * "offscreen" driver. SDL_VIDEODRIVER in the environment still wins. */
    if (!getenv("SDL_VIDEODRIVER")) {
        const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
        if (w && *w)
            SDL_SetHint(SDL_HINT_VIDEODRIVER, "wayland,x11");
        else if (x && *x)
            SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
        else {
            snprintf(err, errlen, "-display sdl: no $DISPLAY or $WAYLAND_DISPLAY");
            goto fail;
        }
    }
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1"); /* main.c owns SIGINT/SIGTERM */
#ifdef SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE
    SDL_SetHint(SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE, "0"); /* the close event is enough */
#endif
    SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0"); /* crisp pixels */
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "-display sdl: %s", SDL_GetError());
        goto fail;
    }
    d->win = SDL_CreateWindow(d->name, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 640, 480,
                              SDL_WINDOW_RESIZABLE);
    if (d->win)
        d->ren = SDL_CreateRenderer(d->win, -1, 0);
    if (d->win && !d->ren) /* no GPU (Xvfb): the software renderer */
        d->ren = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_SOFTWARE);
    if (!d->ren) {
        snprintf(err, errlen, "-display sdl: %s", SDL_GetError());
        goto fail;
    }
    d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (d->timer_fd < 0) {
        snprintf(err, errlen, "-display sdl: timerfd: %m");
        goto fail;
    }
    struct itimerspec its = {{0, REFRESH_NS}, {0, REFRESH_NS}};
    timerfd_settime(d->timer_fd, 0, &its, NULL);
    machine_watch_fd(d->m, d->timer_fd, timer_ready, d);
    d->need_present = true;
    update_title(d, now_ns());
    return d;
fail:
    fe_display_destroy(d);
    return NULL;
}

void fe_display_destroy(struct fe_display *d)
{
    if (!d)
        return;
    if (d->win)
        set_grab(d, false);
    if (d->tex)
        SDL_DestroyTexture(d->tex);
    if (d->ren)
        SDL_DestroyRenderer(d->ren);
    if (d->win)
        SDL_DestroyWindow(d->win);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    if (d->timer_fd >= 0)
        close(d->timer_fd);
    free(d->held);
    free(d);
}
