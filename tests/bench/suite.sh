#!/bin/sh
# The benchmark suite (not a ctest): vx86 beside qemu-system-i386 -accel tcg
# in the same run, and a table of figures and ratios.
#  1. CPU-bound programs in the Linux guest (tests/bench/bench_guest.sh):
#     7-Zip's built-in benchmark (7zz b $SEVENZ_ARGS: its MIPS ratings and
#     the guest's wall time) and cpumix (cpumix.c, static -m32: the guest's
#     wall time; its checksum must equal the one the same binary prints on
#     the host).
#  2. Linux boot time to the shell marker (tests/bench/linux_boot.sh).
#  3. Peak resident memory of each emulator process during run 1 (VmHWM at
#     exit, from /usr/bin/time %M) raw and minus the guest RAM (-m). The
#     command line of run 1 has memtest=1: the kernel's early memory test
#     writes all free RAM, so the guest touches (nearly) all of its -m and
#     the difference is what the emulator itself uses.
# Same kernel, initramfs, command line and RAM for both emulators.
# usage: tests/bench/suite.sh [BUILD_DIR]   (default build-bench; a Release
# tree, built here with the guests it needs)
# Environment: VX86_ARGS    extra vx86 options (e.g. "-accel tcg")
#              SEVENZ_ARGS  7zz b arguments (default "1 -mmt1 -md18")
#              CPUMIX_ROUNDS  cpumix rounds (default 100)
#              BENCH_TIMEOUT  seconds one emulator run may take (default 1800)
#              SKIP_BOOT=1    leave out the boot-time benchmark
# A run that fails or times out is named with its last console lines; the
# other figures are still measured and the exit status is 1.
set -e
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-bench}
sevenz_args=${SEVENZ_ARGS:-1 -mmt1 -md18}
rounds=${CPUMIX_ROUNDS:-100}
limit=${BENCH_TIMEOUT:-1800}
mem=256
append="console=ttyS0 memtest=1"

for tool in cmake gcc readelf cpio timeout /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "suite: $tool is missing (run scripts/setup.sh)" >&2
        exit 1
    }
done
mkdir -p "$build"
build=$(cd "$build" && pwd)
echo "suite: building vx86 (Release) in $build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target vx86 >"$build/bench-build.log" 2>&1 ||
    { tail -n 30 "$build/bench-build.log"; exit 1; }
echo "suite: preparing the guests (cached in $build/guest, $build/benchguest)"
sh "$src/scripts/guest.sh" "$build/guest"
sh "$src/tests/bench/bench_guest.sh" "$build/benchguest" "$sevenz_args" "$rounds"
kernel=$build/guest/bzImage initrd=$build/benchguest/bench.cpio.gz
host_sum=$("$build/benchguest/cpumix" "$rounds" | awk '{ print $5 }')
[ -n "$host_sum" ] || { echo "suite: cpumix does not run on the host" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=''

# bench NAME COMMAND...: run one emulator on the benchmark guest, console
# (COM1) in $tmp/NAME.log, peak RSS in $tmp/NAME.rss; fails, saying why,
# unless the guest got to BENCH-DONE and the emulator ended with status 0.
bench() {
    name=$1
    shift
    echo "suite: running the CPU benchmarks on $name (at most $limit s)"
    st=0
    /usr/bin/time -f %M -o "$tmp/$name.rss" timeout -k 5 "$limit" "$@" \
        >"$tmp/$name.out" 2>&1 </dev/null || st=$?
    why=
    if [ "$st" = 124 ]; then
        why="timed out after $limit s"
    elif ! grep -q '^BENCH-DONE' "$tmp/$name.log" 2>/dev/null; then
        why="ended with status $st before the guest finished"
    elif [ "$st" != 0 ]; then
        why="ended with status $st"
    fi
    if [ -n "$why" ]; then
        echo "suite: $name FAILED: $why; last output:" >&2
        tail -n 15 "$tmp/$name.out" "$tmp/$name.log" 2>/dev/null | sed 's/^/    /' >&2
        failed=1
        rm -f "$tmp/$name.rss"
        return 1
    fi
}

# field NAME KEY: one figure from NAME's console log.
field() {
    log=$tmp/$1.log
    [ -f "$log" ] || return 0
    tr -d '\r' <"$log" | awk -v key="$2" -v mem="$mem" '
        /^BENCH-BEGIN / { begin[$2] = $3 }
        /^BENCH-END / { end[$2] = $3; status[$2] = $5 }
        /^7z\| Avr:/ { comp = $6; decomp = $11 }
        /^7z\| Tot:/ { tot = $5 }
        /^cpumix\| cpumix / { sum = $6 }
        END {
            if (key == "7z_tot") v = tot
            else if (key == "7z_comp") v = comp
            else if (key == "7z_decomp") v = decomp
            else if (key == "7z_s" && status["7z"] == "0") v = end["7z"] - begin["7z"]
            else if (key == "cpumix_s" && status["cpumix"] == "0") v = end["cpumix"] - begin["cpumix"]
            else if (key == "cpumix_sum") v = sum
            print v
        }'
}

vx86_cmd="$build/vx86 -m $mem -kernel $kernel -initrd $initrd -display none -serial file:$tmp/vx86.log"
qemu_cmd="qemu-system-i386 -accel tcg -m $mem -kernel $kernel -initrd $initrd -display none"
qemu_cmd="$qemu_cmd -serial file:$tmp/qemu.log -monitor none -no-reboot"
case " $VX86_ARGS " in *" -icount "* | *" --icount "*)
    echo "suite: warning: VX86_ARGS has -icount: vx86's guest time is virtual, its timings are not comparable" ;;
esac
# shellcheck disable=SC2086
bench vx86 $vx86_cmd $VX86_ARGS -append "$append" || true
have_qemu=
if command -v qemu-system-i386 >/dev/null 2>&1; then
    have_qemu=1
    # shellcheck disable=SC2086
    bench qemu $qemu_cmd -append "$append" || true
else
    echo "suite: qemu-system-i386 is not installed (apt-get install qemu-system-x86), no comparison" >&2
    failed=1
fi

for e in vx86 qemu; do
    s=$(field $e cpumix_sum)
    if [ -n "$s" ] && [ "$s" != "$host_sum" ]; then
        echo "suite: $e: cpumix checksum $s differs from the host's $host_sum: WRONG RESULT" >&2
        failed=1
    fi
done

boot_vx86='' boot_qemu=''
if [ -z "$SKIP_BOOT" ]; then
    echo "suite: boot time (tests/bench/linux_boot.sh)"
    sh "$src/tests/bench/linux_boot.sh" "$build" >"$tmp/boot.txt" 2>&1 || failed=1
    sed 's/^/    /' "$tmp/boot.txt"
    boot_vx86=$(awk '$1 == "vx86:" && $3 == "s" { print $2 }' "$tmp/boot.txt")
    boot_qemu=$(awk '$1 == "qemu:" && $3 == "s" { print $2 }' "$tmp/boot.txt")
fi

rss() { # rss NAME: peak RSS in KiB, if the run got that far
    if [ -s "$tmp/$1.rss" ]; then tail -n 1 "$tmp/$1.rss" | grep -E '^[0-9]+$' || true; fi
}
mib() { if [ -n "$1" ]; then awk "BEGIN { printf \"%.1f\", $1 / 1024 }"; fi; }
over() { if [ -n "$1" ]; then awk "BEGIN { printf \"%.1f\", $1 / 1024 - $mem }"; fi; }

# row LABEL VX86 QEMU KIND: KIND "speed" (higher is faster: ratio
# vx86/qemu), "time" (seconds: ratio qemu/vx86, so above 1 is still vx86
# faster), "mem" (ratio vx86/qemu, above 1: vx86 uses more), "check".
row() {
    awk -v l="$1" -v a="$2" -v b="$3" -v k="$4" 'BEGIN {
        r = "n/a"
        if (a != "" && b != "" && a + 0 != 0 && b + 0 != 0) {
            if (k == "speed" || k == "mem") r = sprintf("%.2f", a / b)
            else if (k == "time") r = sprintf("%.2f", b / a)
        }
        if (k == "check") r = ""
        printf "%-42s %16s %16s %6s\n", l, a == "" ? "-" : a, b == "" ? "-" : b, r
    }'
}

v_rss=$(rss vx86) q_rss=$(rss qemu)
[ -n "$have_qemu" ] || q_rss=
echo
echo "vx86 $(cd "$src" && git describe --always --dirty 2>/dev/null || echo '?') with ${VX86_ARGS:-default options (-accel tcg)}; $(qemu-system-i386 --version 2>/dev/null | head -n 1)"
echo "guest: $(cat "$build/guest/kernel.version"), -m $mem, append \"$append\"; 7zz b $sevenz_args; cpumix $rounds rounds (host checksum $host_sum)"
echo "speed ratio = vx86 speed / QEMU speed (above 1: vx86 is faster); memory ratio = vx86 / QEMU (above 1: vx86 uses more)"
printf '%-42s %16s %16s %6s\n' benchmark vx86 qemu ratio
row "7-Zip total rating (MIPS)" "$(field vx86 7z_tot)" "$(field qemu 7z_tot)" speed
row "7-Zip compress rating (MIPS)" "$(field vx86 7z_comp)" "$(field qemu 7z_comp)" speed
row "7-Zip decompress rating (MIPS)" "$(field vx86 7z_decomp)" "$(field qemu 7z_decomp)" speed
row "7-Zip wall time in the guest (s)" "$(field vx86 7z_s)" "$(field qemu 7z_s)" check
row "cpumix wall time in the guest (s)" "$(field vx86 cpumix_s)" "$(field qemu cpumix_s)" time
row "cpumix checksum (host: $host_sum)" "$(field vx86 cpumix_sum)" "$(field qemu cpumix_sum)" check
[ -n "$SKIP_BOOT" ] || row "Linux boot, default guest, to marker (s)" "$boot_vx86" "$boot_qemu" time
row "peak RSS, raw VmHWM (MiB)" "$(mib "$v_rss")" "$(mib "$q_rss")" mem
row "peak RSS minus the $mem MiB guest RAM (MiB)" "$(over "$v_rss")" "$(over "$q_rss")" mem
echo "(7-Zip sizes its passes by a CPU speed it measures first, so its wall time is not a speed figure; its ratings are.)"
echo "(peak RSS: VmHWM of the emulator process at exit of the CPU benchmark run, /usr/bin/time %M; subtracted: the -m $mem MiB of guest RAM, which memtest=1 makes the guest write nearly all of)"
if [ -n "$failed" ]; then
    echo "suite: some runs FAILED (see above)" >&2
    exit 1
fi
