/* Ask an X window to close the way a window manager's close button does:
 * a WM_PROTOCOLS ClientMessage carrying WM_DELETE_WINDOW (ICCCM 4.2.8.1).
 * Xvfb runs no window manager, so desktop.sdl_close sends it with this.
 *   x11_close WINDOW-ID      (decimal or 0x hex, e.g. from xdotool search) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <X11/Xlib.h>

int main(int argc, char **argv)
{
    char *end = NULL;
    unsigned long id = argc == 2 ? strtoul(argv[1], &end, 0) : 0;
    if (!id || !end || *end) {
        fprintf(stderr, "usage: x11_close WINDOW-ID\n");
        return 2;
    }
    Display *dpy = XOpenDisplay(NULL);
    if (!dpy) {
        fprintf(stderr, "x11_close: cannot open display '%s'\n", XDisplayName(NULL));
        return 1;
    }
    XEvent ev;
    memset(&ev, 0, sizeof ev);
    ev.xclient.type = ClientMessage;
    ev.xclient.window = (Window)id;
    ev.xclient.message_type = XInternAtom(dpy, "WM_PROTOCOLS", False);
    ev.xclient.format = 32;
    ev.xclient.data.l[0] = (long)XInternAtom(dpy, "WM_DELETE_WINDOW", False);
    ev.xclient.data.l[1] = CurrentTime;
    Status ok = XSendEvent(dpy, (Window)id, False, NoEventMask, &ev);
    XSync(dpy, False);
    XCloseDisplay(dpy);
    if (!ok) {
        fprintf(stderr, "x11_close: XSendEvent to 0x%lx failed\n", id);
        return 1;
    }
    return 0;
}
