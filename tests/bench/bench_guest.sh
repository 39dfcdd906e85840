#!/bin/sh
# Build the benchmark guest's initramfs from Debian packages: busybox-static
# (as the default guest), 7-Zip (7zip:i386, /usr/bin/7zz) with the shared
# libraries its ELF NEEDED entries name and the dynamic loader its PT_INTERP
# names, all from i386 debs (apt-get download, dpkg -x), and cpumix.c built
# with gcc -m32 -static -O2. Its /init prints the default guest's marker,
# runs the benchmarks, prints their results and timings (from /proc/uptime)
# between BENCH- markers, and powers off.
# usage: tests/bench/bench_guest.sh OUTDIR "7Z_ARGS" CPUMIX_ROUNDS
# Idempotent and cached: debs in OUTDIR/debs, the image OUTDIR/bench.cpio.gz
# is rebuilt only when this script, cpumix.c or the parameters change.
# Also writes OUTDIR/cpumix (the static binary) for the host run.
set -e
[ $# -eq 3 ] || { echo "usage: $0 OUTDIR \"7Z_ARGS\" CPUMIX_ROUNDS" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
out=$1 sevenz_args=$2 rounds=$3
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

fetch() { # fetch PKG: the .deb of PKG:i386 in $out/debs (cached)
    deb=$(ls "$out/debs/$1"_*_i386.deb 2>/dev/null | head -n 1)
    if [ -z "$deb" ]; then
        (cd "$out/debs" && apt-get download -q "$1:i386" >"$out/debs/apt.log" 2>&1) || {
            cat "$out/debs/apt.log" >&2
            echo "bench_guest: apt-get download $1:i386 failed (run scripts/setup.sh: it enables i386)" >&2
            exit 1
        }
        deb=$(ls "$out/debs/$1"_*_i386.deb | head -n 1)
    fi
    echo "$deb"
}

params="7z=$sevenz_args rounds=$rounds"
if [ -s "$out/bench.cpio.gz" ] && [ "$(cat "$out/params" 2>/dev/null)" = "$params" ] &&
    [ "$out/bench.cpio.gz" -nt "$0" ] && [ "$out/bench.cpio.gz" -nt "$here/cpumix.c" ]; then
    exit 0
fi

# cpumix: static, so the host runs the very same binary for the reference
# checksum.
gcc -m32 -static -O2 -Wall -Wextra -o "$out/cpumix" "$here/cpumix.c" -lm 2>"$out/gcc.log" || {
    cat "$out/gcc.log" >&2
    echo "bench_guest: gcc -m32 -static failed (scripts/setup.sh installs gcc-multilib)" >&2
    exit 1
}

# 7-Zip and the i386 packages it depends on, transitively (the first choice
# of each alternative, version constraints dropped), unpacked into one tree.
stage=$out/stage.tmp
rm -rf "$stage"
mkdir -p "$stage"
todo="7zip busybox-static" done_pkgs=
while set -- $todo && [ $# -gt 0 ]; do
    pkg=$1
    shift
    todo=$*
    case " $done_pkgs " in *" $pkg "*) continue ;; esac
    done_pkgs="$done_pkgs $pkg"
    deb=$(fetch "$pkg")
    dpkg -x "$deb" "$stage"
    [ "$pkg" = busybox-static ] && continue
    deps=$(dpkg-deb -f "$deb" Depends Pre-Depends | sed 's/^[A-Za-z-]*: //' | tr ',' '\n' |
        sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep -v '^$' || true)
    todo="$todo $deps"
done

root=$out/root.tmp
rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" "$root/sys" \
    "$root/dev" "$root/tmp" "$root/root" "$root/etc" "$root/lib/i386-linux-gnu"
cp "$stage/bin/busybox" "$root/bin/busybox"
cp "$stage/usr/bin/7zz" "$root/usr/bin/7zz"
cp "$out/cpumix" "$root/usr/bin/cpumix"

# The shared libraries: every NEEDED entry of 7zz and, recursively, of the
# libraries it loads, looked up in the unpacked packages' library
# directories; then the loader named by PT_INTERP.
find_lib() {
    for d in lib/i386-linux-gnu usr/lib/i386-linux-gnu lib usr/lib; do
        [ -e "$stage/$d/$1" ] && { echo "$stage/$d/$1"; return 0; }
    done
    return 1
}
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
queue=$(needed "$stage/usr/bin/7zz") libs=
while set -- $queue && [ $# -gt 0 ]; do
    lib=$1
    shift
    queue=$*
    case " $libs " in *" $lib "*) continue ;; esac
    libs="$libs $lib"
    path=$(find_lib "$lib") || {
        echo "bench_guest: $lib (NEEDED by 7zz or its libraries) is in none of:$done_pkgs" >&2
        exit 1
    }
    cp -L "$path" "$root/lib/i386-linux-gnu/$lib"
    queue="$queue $(needed "$path")"
done
interp=$(readelf -l "$stage/usr/bin/7zz" | sed -n 's/.*program interpreter: \(.*\)\]/\1/p')
[ -n "$interp" ] && [ -e "$stage$interp" ] || {
    echo "bench_guest: 7zz's loader \"$interp\" is not in the packages" >&2
    exit 1
}
mkdir -p "$root$(dirname "$interp")"
cp -L "$stage$interp" "$root$interp"
echo "$libs $interp" >"$out/libs"
rm -rf "$stage"

# /init. Each benchmark is bracketed by BENCH-BEGIN/BENCH-END lines that
# carry the guest's uptime; the host script reads them from the console.
cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
up() { cut -d' ' -f1 /proc/uptime; }
echo "vx86 guest: \$(uname -sr) up \$(up)s"
echo "VX86-GUEST-READY"
run() { # run NAME COMMAND...
    name=\$1
    shift
    echo "BENCH-BEGIN \$name \$(up)"
    "\$@" >/tmp/out 2>&1
    rc=\$?
    t=\$(up)
    sed "s/^/\$name| /" /tmp/out
    echo "BENCH-END \$name \$t status \$rc"
}
run 7z 7zz b $sevenz_args
run cpumix cpumix $rounds
echo "BENCH-DONE \$(up)"
sync
poweroff -f
INIT
chmod 755 "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$out/bench.cpio.gz.tmp"
rm -rf "$root"
mv "$out/bench.cpio.gz.tmp" "$out/bench.cpio.gz"
echo "$params" >"$out/params"
