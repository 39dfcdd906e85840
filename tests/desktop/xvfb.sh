# Sourced by the desktop tests: start_xvfb starts Xvfb on the first free
# display from :99 (its log in $out.xvfb), sets xpid to its process and
# DISPLAY to it, and waits for its socket. Uses the caller's fail().
start_xvfb() {
    command -v Xvfb >/dev/null || fail "Xvfb is not installed (scripts/setup.sh installs xvfb)"
    n=99
    while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do
        n=$((n + 1))
        [ $n -gt 199 ] && fail "no free X display number"
    done
    Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp >"$out.xvfb" 2>&1 &
    xpid=$!
    tries=0
    while [ ! -e "/tmp/.X11-unix/X$n" ]; do
        kill -0 "$xpid" 2>/dev/null || fail "Xvfb :$n did not start: $(cat "$out.xvfb")"
        tries=$((tries + 1))
        [ $tries -gt 100 ] && fail "Xvfb :$n did not start in 10 s"
        sleep 0.1
    done
    export DISPLAY=":$n"
    unset WAYLAND_DISPLAY
}
