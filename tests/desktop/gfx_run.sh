#!/bin/sh
# Boot a gfx_modes.asm (or text_pan.asm) option ROM under SeaBIOS with no
# window, take the picture it leaves with --screenshot-on-exit and compare
# it with the reference (ctest guest.gfx_*, guest.text_pan_*):
#   gfx_run.sh VX86 DESKTOP_CHECK ROM N OUT.png [textpan VGABIOS.bin]
set -u
vx86=$1 check=$2 rom=$3 n=$4 png=$5
rm -f "$png"
"$vx86" -option-rom "$rom" -boot n -display none -icount 4 --timeout 50 \
    --screenshot-on-exit "$png" -debugcon "file:$png.debug" >"$png.log" 2>&1
rc=$?
if [ $rc -ne 33 ]; then
    echo "gfx_run: vx86 exited with status $rc, expected 33 (PASS)"
    cat "$png.log"
    tail -n 20 "$png.debug"
    exit 1
fi
[ $# -ge 7 ] && [ "$6" = textpan ] && exec "$check" textpan "$n" "$png" "$7"
exec "$check" gfx "$n" "$png"
