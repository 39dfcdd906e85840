#!/bin/sh
# Benchmark: build a release tree, run the loop ROM in vx86 and print guest
# MIPS; if Bochs is installed, run the same ROM on it in the same run and
# print the ratio. usage: tests/bench/run.sh [BUILD_DIR]
set -e
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-bench}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target vx86_bench >/dev/null
rom=$build/tests/bench/loop.bin

echo "vx86 interpreter:"
vx86_line=$("$build/tests/bench/vx86_bench" "$rom")
echo "  $vx86_line"
insns=$(echo "$vx86_line" | awk '{print $2}')
vx86_s=$(echo "$vx86_line" | awk '{print $4}')
vx86_cpu=$(echo "$vx86_line" | awk '{print $11}')

if ! command -v bochs >/dev/null 2>&1; then
    echo "Bochs: not installed (apt-get install bochs bochs-sdl vgabios), no comparison"
    exit 0
fi
vgabios=/usr/share/vgabios/vgabios.bin
[ -f "$vgabios" ] || vgabios=/usr/share/bochs/VGABIOS-lgpl-latest
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Bochs runs the same ROM until its final triple fault (reset_on_triple_fault=0
# makes that the end of the run); its start-up time is measured with an
# empty loop and subtracted.
nasm -f bin -I"$src/tests/guest/" -DITERATIONS=1 -o "$tmp/empty.bin" "$src/tests/bench/loop.asm"
cat >"$tmp/bochsrc" <<EOF2
megs: 32
romimage: file=\$ROM, address=0xffff0000
vgaromimage: file=$vgabios
cpu: model=p2_klamath, reset_on_triple_fault=0
display_library: sdl2
port_e9_hack: enabled=1
log: -
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
clock: sync=none
EOF2
printf 'c\nquit\n' >"$tmp/cmds"
# Bochs' CPU time (user + system) comes from /usr/bin/time when it exists.
cputime=
[ -x /usr/bin/time ] && cputime="/usr/bin/time -f %U:%S -o $tmp/cpu"
run_bochs() {
    t0=$(date +%s.%N)
    (cd "$tmp" && SDL_VIDEODRIVER=dummy ROM=$1 timeout 600 $cputime bochs -q -f "$tmp/bochsrc" \
        -rc "$tmp/cmds" </dev/null >"$tmp/bochs.out" 2>&1) || true
    t1=$(date +%s.%N)
    grep -q "bench done" "$tmp/bochs.out" || { echo "Bochs run failed:"; tail -5 "$tmp/bochs.out"; exit 1; }
    cpu=0
    [ -n "$cputime" ] && cpu=$(tail -1 "$tmp/cpu" | awk -F: '{ print $1 + $2 }')
    awk "BEGIN { print $t1 - $t0, $cpu }"
}
startup=$(run_bochs "$tmp/empty.bin")
total=$(run_bochs "$rom")
bochs_s=$(echo "$total $startup" | awk '{ print $1 - $3 }')
bochs_cpu=$(echo "$total $startup" | awk '{ print $2 - $4 }')
echo "$(bochs --help 2>&1 | grep -m1 -o 'Bochs x86 Emulator [0-9.]*' || echo) (same ROM, start-up $(printf %.3f "${startup% *}") s subtracted):"
printf '  instructions %s seconds %.3f MIPS %.1f\n' "$insns" "$bochs_s" \
    "$(awk "BEGIN { print $insns / $bochs_s / 1e6 }")"
printf 'vx86 / Bochs speed ratio: %.2f (above 1: vx86 is faster)\n' "$(awk "BEGIN { print $bochs_s / $vx86_s }")"
if [ -n "$cputime" ]; then
    printf 'by CPU time: Bochs %.3f s (%.1f MIPS), vx86 %.3f s, ratio %.2f\n' "$bochs_cpu" \
        "$(awk "BEGIN { print $insns / $bochs_cpu / 1e6 }")" "$vx86_cpu" \
        "$(awk "BEGIN { print $bochs_cpu / $vx86_cpu }")"
fi
