#!/bin/sh
# Build vx86 and run every test (unit, guest ROMs, SingleStepTests), then
# build with AddressSanitizer + UBSan and run the unit tests again.
# Build trees: build/ and build-asan/ (or $VX86_BUILD and $VX86_BUILD-asan).
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
build=${VX86_BUILD:-$src/build}
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$jobs"
# Every test under the interpreter (the reference), then everything that
# runs guest code again under the translator (VX86_ACCEL reaches every CPU
# vx86 and the unit tests create): its default backend, then the portable
# threaded one on the unit and guest tests.
(cd "$build" && VX86_ACCEL=interp ctest --output-on-failure -j"$jobs")
(cd "$build" && VX86_ACCEL=tcg ctest --output-on-failure -j"$jobs" -LE img)
(cd "$build" && VX86_ACCEL=tcg,backend=threaded ctest --output-on-failure -j"$jobs" -L "unit|guest" -LE linux)

cmake -S "$src" -B "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DVX86_SANITIZE=ON
cmake --build "$build-asan" -j"$jobs"
(cd "$build-asan" && ctest -L unit --output-on-failure -j"$jobs")

# The portable build, as on a host that is not x86-64: soft-float instead of
# the host's x87 and SSE units, and the translator without its x86-64
# backend (the threaded one is then tcg's default). It runs the x87 and SIMD
# tests, then the unit and guest tests under the translator.
cmake -S "$src" -B "$build-softfpu" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVX86_FPU_HOST=OFF \
    -DVX86_TR_X64=OFF
cmake --build "$build-softfpu" -j"$jobs"
(cd "$build-softfpu" && ctest -R "fpu|sse|mmx" --output-on-failure -j"$jobs")
(cd "$build-softfpu" && VX86_ACCEL=tcg ctest --output-on-failure -j"$jobs" -L "unit|guest" -LE linux)

# The disk image parsers under libFuzzer (clang only), a short bounded run.
if command -v clang >/dev/null 2>&1; then
    CC=clang cmake -S "$src" -B "$build-fuzz" -DCMAKE_BUILD_TYPE=Debug -DVX86_FUZZ=ON
    for t in "$src"/tests/fuzz/fuzz_*.c; do
        t=$(basename "$t" .c)
        cmake --build "$build-fuzz" -j"$jobs" --target "$t"
        sh "$src/tests/fuzz/run.sh" "$build-fuzz/tests/fuzz/$t" 20 "$build/vx86-img"
    done
fi
