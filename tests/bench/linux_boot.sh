#!/bin/sh
# Benchmark (not a ctest): seconds from start to the default guest's marker
# line (VX86-GUEST-READY, printed by its /init) for vx86 and for
# qemu-system-i386 -accel tcg on the same kernel, initramfs and command
# line, in the same run, and the ratio. Builds a release tree and the guest
# (scripts/guest.sh) first. usage: tests/bench/linux_boot.sh [BUILD_DIR]
# VX86_ARGS adds vx86 options (e.g. "-accel tcg"; "-icount 0" makes vx86's
# time virtual, so its boot time is then not comparable). A run that fails
# (e.g. an option this vx86 does not know) is reported with its last output
# lines and the other one still runs; the exit status is then 1.
set -e
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-bench}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target vx86 >"$build/bench-build.log" 2>&1 ||
    { tail -n 30 "$build/bench-build.log"; exit 1; }
sh "$src/scripts/guest.sh" "$build/guest"
kernel=$build/guest/bzImage initrd=$build/guest/initramfs.cpio.gz
append="console=ttyS0"
marker=VX86-GUEST-READY
limit=900
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# run NAME COMMAND...: start it with COM1 in $tmp/NAME.log, wait for the
# marker (or the limit), stop it; prints the seconds.
run() {
    name=$1
    shift
    t0=$(now)
    "$@" >"$tmp/$name.out" 2>&1 &
    pid=$!
    while ! grep -q "$marker" "$tmp/$name.log" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name: ended before the marker:" >&2
            tail -n 20 "$tmp/$name.log" "$tmp/$name.out" >&2
            return 1
        fi
        if awk "BEGIN { exit !($(now) - $t0 > $limit) }"; then
            kill "$pid"
            echo "$name: no marker after $limit s" >&2
            return 1
        fi
        sleep 0.05
    done
    t1=$(now)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    awk "BEGIN { printf \"%.2f\n\", $t1 - $t0 }"
}

echo "kernel: $(cat "$build/guest/kernel.version"), append \"$append\", vx86 options: ${VX86_ARGS:-none}"
failed=''
# shellcheck disable=SC2086
if vx86_s=$(run vx86 "$build/vx86" -kernel "$kernel" -initrd "$initrd" -append "$append" \
    -display none -serial "file:$tmp/vx86.log" $VX86_ARGS); then
    echo "vx86:  $vx86_s s to the marker"
else
    echo "vx86:  FAILED (vx86 $VX86_ARGS; its output is above)"
    vx86_s='' failed=1
fi
if ! command -v qemu-system-i386 >/dev/null 2>&1; then
    echo "qemu-system-i386: not installed (apt-get install qemu-system-x86), no comparison"
    exit ${failed:+1}
fi
if qemu_s=$(run qemu qemu-system-i386 -accel tcg -m 128 -kernel "$kernel" -initrd "$initrd" \
    -append "$append" -display none -serial "file:$tmp/qemu.log" -monitor none -no-reboot); then
    echo "qemu:  $qemu_s s to the marker (qemu-system-i386 -accel tcg, $(qemu-system-i386 --version | head -n 1))"
else
    echo "qemu:  FAILED (its output is above)"
    qemu_s='' failed=1
fi
if [ -n "$vx86_s" ] && [ -n "$qemu_s" ]; then
    echo "ratio: $(awk "BEGIN { printf \"%.2f\", $qemu_s / $vx86_s }") (vx86 speed / QEMU speed, above 1: vx86 is faster; vx86 takes $(awk "BEGIN { printf \"%.2f\", $vx86_s / $qemu_s }")x QEMU's time)"
else
    echo "ratio: n/a (a run failed)"
fi
[ -z "$failed" ]
