#!/bin/sh
# Run one image fuzz target for a bounded time, seeded with small valid
# images made by qemu-img (if installed) or vx86-img.
# Usage: run.sh FUZZ_BINARY SECONDS [VX86_IMG]
set -eu
bin=$1 secs=$2 img=${3:-}
name=$(basename "$bin")
fmt=${name#fuzz_}
corpus=$(dirname "$bin")/corpus-$fmt
mkdir -p "$corpus"
seed() { # seed NAME ARGS...: a 1 MiB image with a little data
    out=$corpus/seed-$1
    shift
    [ -s "$out" ] && return 0
    head -c 3000 /dev/urandom > "$corpus/.data"
    truncate -s 1M "$corpus/.data"
    if command -v qemu-img >/dev/null; then
        qemu-img convert -f raw -O "$fmt" "$@" "$corpus/.data" "$out" 2>/dev/null || true
    elif [ -n "$img" ]; then
        "$img" convert -q -O "$fmt" "$corpus/.data" "$out" 2>/dev/null || true
    fi
    rm -f "$corpus/.data"
}
case $fmt in
qcow2)
    seed v3 -o compat=1.1,cluster_size=512
    seed v2 -o compat=0.10,cluster_size=512
    seed c -c -o cluster_size=512
    seed r1 -o cluster_size=512,refcount_bits=1 ;;
vmdk)
    seed sparse -o subformat=monolithicSparse
    seed stream -o subformat=streamOptimized ;;
vpc)
    seed dynamic -o subformat=dynamic
    seed fixed -o subformat=fixed
    # an empty dynamic image is small enough to fit -max_len whole
    [ -s "$corpus/seed-empty" ] || ! command -v qemu-img >/dev/null ||
        qemu-img create -q -f vpc "$corpus/seed-empty" 4M || true ;;
esac
find "$corpus" -name 'seed-*' -size 0 -delete
export ASAN_OPTIONS="allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
"$bin" -artifact_prefix="$(dirname "$bin")/" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 "$corpus"
