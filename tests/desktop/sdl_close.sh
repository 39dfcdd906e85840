#!/bin/sh
# Closing the SDL window (ctest desktop.sdl_close), under Xvfb:
#   sdl_close.sh VX86 X11_CLOSE CLOSE_GUEST.bin CLOSE_GUEST_IGNORE.bin OUTPREFIX
# boots close_guest.asm from a raw -hda image; once COM1 says READY (LBA 1
# written), the window gets WM_DELETE_WINDOW as from a window manager's
# close button (x11_close: Xvfb has no window manager). The board has ACPI,
# so that presses the power button: the guest sees it, writes LBA 2 and
# powers off through S5. vx86 must exit 0 well before its 10 s fallback,
# and both sectors must be in the image file. Then the -DIGNORE guest,
# which never looks at the button: one close leaves it running, a second
# close ends vx86 at once with status 0 and LBA 1 in the file.
# Xvfb, xdotool or the X11 helper missing is a failure.
set -u
vx86=$1 closer=$2 guest=$3 ignore=$4 out=$5
xpid=
vpid=

cleanup() {
    [ -n "$vpid" ] && kill "$vpid" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
}

fail() {
    echo "sdl_close: FAIL: $*"
    echo "--- COM1:"
    cat "$out.serial" 2>/dev/null
    echo "--- vx86 stderr:"
    tail -n 20 "$out.stderr" 2>/dev/null
    cleanup
    exit 1
}

command -v xdotool >/dev/null || fail "xdotool is not installed (scripts/setup.sh installs it)"
[ -x "$closer" ] || fail "no X11 helper $closer (libx11-dev missing when configured? scripts/setup.sh)"
. "$(dirname "$0")/xvfb.sh"
start_xvfb

# boot GUEST.bin: a 1 MiB raw disk (the boot sector, then zeros), vx86 in
# the background until the guest says READY; sets wid to its window.
img=$out.img
boot() {
    rm -f "$img" "$out.serial"
    dd if=/dev/zero of="$img" bs=512 count=2048 2>/dev/null || fail "cannot create $img"
    dd if="$1" of="$img" conv=notrunc 2>/dev/null || fail "cannot write the boot sector"
    "$vx86" -display sdl -hda "$img" -serial "file:$out.serial" --timeout 60 >"$out.stderr" 2>&1 &
    vpid=$!
    t=0
    while ! grep -q READY "$out.serial" 2>/dev/null; do
        kill -0 "$vpid" 2>/dev/null || fail "vx86 ended before the guest was ready"
        t=$((t + 1))
        [ $t -gt 300 ] && fail "the guest never said READY"
        sleep 0.1
    done
    wid=$(xdotool search --sync --onlyvisible --name '^vx86' 2>/dev/null | head -n 1)
    [ -n "$wid" ] || fail "no vx86 window on $DISPLAY"
}

# close: WM_DELETE_WINDOW to the window.
close_window() {
    "$closer" "$wid" || fail "x11_close could not send WM_DELETE_WINDOW"
}

# sector N's text and its tail (bytes i & 0xFF: the last 16 are f0-ff).
check_sector() {
    got=$(dd if="$img" bs=512 skip="$1" count=1 2>/dev/null | head -n 1)
    [ "$got" = "$2" ] || fail "LBA $1 of $img holds '$got', expected '$2'"
    tail16=$(dd if="$img" bs=512 skip="$1" count=1 2>/dev/null | tail -c 16 | od -An -tx1 | tr -d ' \n')
    [ "$tail16" = f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff ] || fail "LBA $1 ends with $tail16"
}

# 1. An ACPI guest: one close, the power button, S5.
boot "$guest"
start=$(date +%s)
close_window
wait "$vpid"
rc=$?
vpid=
secs=$(($(date +%s) - start))
[ $rc -eq 0 ] || fail "vx86 exited with status $rc after the close, expected 0"
grep -q "POWER BUTTON" "$out.serial" || fail "the guest never saw the power button"
grep -q FAIL "$out.serial" && fail "the guest reported a failure"
[ $secs -lt 8 ] || fail "vx86 took $secs s to end: the guest did not power off (10 s fallback)"
check_sector 1 "vx86 close test: written before the close"
check_sector 2 "vx86 close test: written after the power button"

# 2. A guest that ignores the button: still running after one close, a
# second close ends the run.
boot "$ignore"
close_window
sleep 2
kill -0 "$vpid" 2>/dev/null || fail "one close ended vx86 although the guest ignores the power button"
start=$(date +%s)
close_window
wait "$vpid"
rc=$?
vpid=
secs2=$(($(date +%s) - start))
[ $rc -eq 0 ] || fail "vx86 exited with status $rc after the second close, expected 0"
[ $secs2 -lt 5 ] || fail "the second close took $secs2 s to end vx86"
check_sector 1 "vx86 close test: written before the close"
cleanup
echo "sdl_close: PASS (power button and S5 in $secs s, both sectors in the image; second close ends an unresponsive guest)"
