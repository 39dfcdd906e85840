#!/bin/sh
# Build the default vx86 guest from Debian packages only: the newest Debian
# 686 kernel (linux-image-6.1.*-686-unsigned:i386, unpacked with dpkg -x) and
# a busybox-static:i386 initramfs whose /init prints a marker and starts a
# shell on the console. Usage: scripts/guest.sh [OUTDIR] (default build/guest).
# Idempotent and cached: packages are fetched once with apt-get download into
# OUTDIR/debs; the kernel and initramfs are rebuilt only when missing.
# Prints nothing but errors unless VERBOSE=1; the results are OUTDIR/bzImage
# and OUTDIR/initramfs.cpio.gz.
set -e
out=${1:-build/guest}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)
say() { [ -z "$VERBOSE" ] || echo "guest: $*" >&2; }

# The newest 686 kernel in the archive (the one with the highest version).
pick_kernel() {
    apt-cache search --names-only '^linux-image-6\.1\.[0-9.-]*-686-unsigned$' |
        awk '{print $1}' | sort -V | tail -n 1
}

fetch() { # fetch PKG: the .deb of PKG:i386 in $out/debs (cached)
    deb=$(ls "$out/debs/$1"_*_i386.deb 2>/dev/null | head -n 1)
    if [ -z "$deb" ]; then
        say "downloading $1:i386"
        (cd "$out/debs" && apt-get download -q "$1:i386" >"$out/debs/apt.log" 2>&1) || {
            cat "$out/debs/apt.log" >&2
            echo "guest: apt-get download $1:i386 failed (run scripts/setup.sh: it enables i386 and updates apt)" >&2
            exit 1
        }
        deb=$(ls "$out/debs/$1"_*_i386.deb | head -n 1)
    fi
    echo "$deb"
}

if [ ! -s "$out/bzImage" ]; then
    kpkg=$(pick_kernel)
    [ -n "$kpkg" ] || { echo "guest: no linux-image-6.1.*-686-unsigned in apt (apt-get update?)" >&2; exit 1; }
    deb=$(fetch "$kpkg")
    rm -rf "$out/kernel.tmp"
    dpkg -x "$deb" "$out/kernel.tmp"
    cp "$out"/kernel.tmp/boot/vmlinuz-* "$out/bzImage.tmp"
    rm -rf "$out/kernel.tmp"
    mv "$out/bzImage.tmp" "$out/bzImage"
    echo "$kpkg" >"$out/kernel.version"
    say "kernel $kpkg"
fi

if [ ! -s "$out/initramfs.cpio.gz" ] || [ "$0" -nt "$out/initramfs.cpio.gz" ]; then
    deb=$(fetch busybox-static)
    root="$out/initramfs.tmp"
    rm -rf "$root" "$out/bb.tmp"
    dpkg -x "$deb" "$out/bb.tmp"
    mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
        "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/root" "$root/etc"
    cp "$out/bb.tmp/bin/busybox" "$root/bin/busybox"
    rm -rf "$out/bb.tmp"
    # /init: mount the pseudo file systems, print the marker the tests and
    # the benchmark wait for, then either power off (vx86.poweroff on the
    # kernel command line, the tests) or give the console an interactive
    # shell with job control (cttyhack opens the real console tty).
    cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "vx86 guest: $(uname -sr) up $(cut -d' ' -f1 /proc/uptime)s"
echo "VX86-GUEST-READY"
if grep -q vx86.poweroff /proc/cmdline; then
    sync
    poweroff -f
fi
echo "busybox shell; 'poweroff -f' ends vx86"
export PS1='vx86# ' HOME=/root PATH=/bin:/sbin:/usr/bin:/usr/sbin
while true; do
    setsid cttyhack sh -l
done
INIT
    chmod 755 "$root/init"
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
        gzip -9 >"$out/initramfs.cpio.gz.tmp"
    rm -rf "$root"
    mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
    say "initramfs done"
fi
