#!/bin/sh
# Run one Linux guest test: vx86 with the console (COM1) in a file, a
# bounded time and --fail on the kernel's alarm lines; checks the exit
# status and that the console shows MARKER. On failure it says why and
# prints the last 40 console lines.
# usage: run_linux.sh VX86 OUTDIR NAME STATUS MARKER -- vx86-args...
set -u
vx86=$1 out=$2 name=$3 status=$4 marker=$5
shift 5
[ "$1" = "--" ] && shift
mkdir -p "$out"
log=$out/$name.console
rm -f "$log"
# Lines that fail the test as soon as they appear (issue 6).
fail='Kernel panic|BUG:|clocksource.*unstable|APIC.*[Ee]rror|multiboot: FAIL'
"$vx86" "$@" -display none -serial "file:$log" -no-reboot --fail "$fail" >"$out/$name.stderr" 2>&1
rc=$?
why=
if [ "$rc" -ne "$status" ]; then
    why="exit status $rc, expected $status ($(head -c 300 "$out/$name.stderr"))"
elif ! grep -q -- "$marker" "$log" 2>/dev/null; then
    why="the console never showed '$marker'"
elif grep -E -q "$fail" "$log"; then
    why="the console has a line matching '$fail': $(grep -E "$fail" "$log" | head -n 1)"
fi
if [ -n "$why" ]; then
    echo "$name: FAILED: $why"
    echo "--- last 40 lines of the console ($log) ---"
    tail -n 40 "$log" 2>/dev/null
    exit 1
fi
echo "$name: passed ($(grep -c '' "$log") console lines)"
exit 0
