#!/bin/sh
# The bochs-drm guest (ctest linux.desktop_bochs_drm): an initramfs for the
# default guest's kernel (scripts/guest.sh) that loads bochs-drm and its
# dependencies with insmod, so fbcon takes the console over, then prints
# MARKER on tty0 and ttyS0 and powers off. Reuses the .debs that
# scripts/guest.sh cached in GUESTDIR/debs; scripts/kmods.sh picks the
# modules and their order.
#   drm_guest.sh GUESTDIR OUT.cpio.gz MARKER
# Rebuilt when missing, older than this script, kmods.sh or the kernel package, or
# made with another marker.
set -e
guest=$1 out=$2 marker=$3
[ -n "$marker" ] || { echo "usage: drm_guest.sh GUESTDIR OUT.cpio.gz MARKER" >&2; exit 2; }
# The kernel package of the guest's bzImage (kernel.version), busybox.
kpkg=$(cat "$guest/kernel.version" 2>/dev/null)
kdeb=$(ls "$guest/debs/${kpkg:-linux-image-}"_*_i386.deb 2>/dev/null | head -n 1)
bdeb=$(ls "$guest"/debs/busybox-static_*_i386.deb 2>/dev/null | head -n 1)
[ -n "$kdeb" ] && [ -n "$bdeb" ] ||
    { echo "drm_guest: no cached kernel/busybox .deb in $guest/debs (run scripts/guest.sh $guest)" >&2; exit 1; }
# Cached: newer than this script, kmods.sh and the kernel package, same marker.
kmods=$(cd "$(dirname "$0")/../../scripts" && pwd)/kmods.sh
[ -s "$out" ] && [ "$out" -nt "$0" ] && [ "$out" -nt "$kmods" ] && [ "$out" -nt "$kdeb" ] &&
    [ "$(cat "$out.marker" 2>/dev/null)" = "$marker" ] && exit 0
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/pkg" "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev" \
    "$tmp/root/lib/modules"
dpkg -x "$kdeb" "$tmp/pkg"
dpkg -x "$bdeb" "$tmp/bb"
cp "$tmp/bb/bin/busybox" "$tmp/root/bin/busybox"
# bochs (bochs-drm) and its dependencies in load order (scripts/kmods.sh).
sh "$kmods" "$(echo "$tmp"/pkg/lib/modules/*)" "$tmp/root/lib/modules" bochs

cat >"$tmp/root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in \$(cat /lib/modules/load); do
    insmod /lib/modules/\$m.ko || echo "drm guest: insmod \$m failed" >/dev/ttyS0
done
# fbcon is on once the DRM device's fbdev exists.
i=0
while [ ! -e /sys/class/graphics/fb0 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
echo "drm guest: \$(cat /sys/class/graphics/fb0/name 2>/dev/null) \$(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null) bpp \$(cat /sys/class/graphics/fb0/bits_per_pixel 2>/dev/null)" >/dev/ttyS0
echo "$marker" >/dev/tty0
echo "$marker" >/dev/ttyS0
# The fbdev emulation copies its shadow buffer to VRAM from a worker:
# give it time before the screenshot is taken at power-off.
sleep 2
poweroff -f
INIT
chmod 755 "$tmp/root/init"
(cd "$tmp/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$tmp/out.gz"
mv "$tmp/out.gz" "$out"
echo "$marker" >"$out.marker"
rm -rf "$tmp"
