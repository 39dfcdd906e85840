#!/bin/sh
# Build the IDE disk guest: OUTDIR/disk.img, an MBR-partitioned raw disk
# that boots through SeaBIOS -> syslinux's MBR -> SYSLINUX on a FAT boot
# partition (sda1, active: the kernel, a small initrd, syslinux.cfg) -> the
# Debian 686 kernel, whose initrd loads the disk modules (ata_piix, sd_mod,
# ext4 and their dependencies from the kernel package) and switches to the
# ext4 root file system on sda2 (busybox, /sbin/init).
# Usage: scripts/disk_guest.sh [OUTDIR] (default build/guest).
# Debian packages only, no root and no mounts: mkfs.fat + syslinux (via
# mtools) + mcopy for sda1, mke2fs -d for sda2, sfdisk and dd to assemble.
# The kernel and busybox come from scripts/guest.sh (same OUTDIR, cached).
# Idempotent: disk.img is rebuilt only when missing or older than this
# script, scripts/kmods.sh or the kernel. Also writes OUTDIR/disk.payload.md5, the md5 of
# /payload.bin on the root file system (the test compares the guest's).
#
# SYSLINUX's boot: prompt (COM1 and screen) waits 3 s, then boots `shell`
# (an interactive busybox shell on ttyS0); typing `test` there boots with
# vx86.poweroff: /sbin/init checks the disk, prints the marker and powers
# off (tests/linux/disk_boot.sh types it with --keys).
set -e
out=${1:-build/guest}
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/guest.sh" "$out"
out=$(cd "$out" && pwd)
say() { [ -z "$VERBOSE" ] || echo "disk_guest: $*" >&2; }
die() { echo "disk_guest: $*" >&2; exit 1; }

img=$out/disk.img
if [ -s "$img" ] && [ "$img" -nt "$0" ] && [ "$img" -nt "$here/kmods.sh" ] &&
    [ "$img" -nt "$out/bzImage" ]; then
    exit 0
fi

for tool in mkfs.fat syslinux mcopy mke2fs sfdisk xz cpio gzip; do
    command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (run scripts/setup.sh)"
done
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -r "$mbr" ] || die "$mbr not found (package syslinux-common; run scripts/setup.sh)"

kpkg=$(cat "$out/kernel.version")
kdeb=$(ls "$out/debs/${kpkg}"_*_i386.deb 2>/dev/null | head -n 1)
bdeb=$(ls "$out"/debs/busybox-static_*_i386.deb 2>/dev/null | head -n 1)
[ -n "$kdeb" ] || die "no $kpkg .deb in $out/debs (remove $out/bzImage and rerun)"
[ -n "$bdeb" ] || die "no busybox-static .deb in $out/debs"

tmp=$out/disk.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
dpkg -x "$kdeb" "$tmp/kernel"
dpkg -x "$bdeb" "$tmp/bb"
kver=$(ls "$tmp/kernel/lib/modules" | head -n 1)
mods=$tmp/kernel/lib/modules/$kver

# --- the initrd: busybox, the disk modules in load order, /init ---
# The modules come from scripts/kmods.sh. crc32c_generic: ext4's
# metadata checksums ask the crypto API for crc32c (a soft dependency, not
# in depends=).
ird=$tmp/initrd
mkdir -p "$ird/bin" "$ird/lib/modules" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/newroot"
cp "$tmp/bb/bin/busybox" "$ird/bin/busybox"
sh "$here/kmods.sh" "$mods" "$ird/lib/modules" crc32c_generic ata_piix sd_mod ext4 ||
    die "the disk modules are not all in $kpkg"
say "initrd modules: $(tr '\n' ' ' <"$ird/lib/modules/load")"
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
# vx86 disk guest initrd: load the disk modules, mount sda2, switch to it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/load); do
    insmod /lib/modules/$m.ko || echo "initrd: insmod $m failed"
done
# The SCSI scan of the ATA port is asynchronous: wait for the partition.
n=0
while [ ! -b /dev/sda2 ] && [ $n -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
done
if mount -t ext4 /dev/sda2 /newroot; then
    mount --move /dev /newroot/dev
    umount /sys /proc
    exec switch_root /newroot /sbin/init
fi
echo "initrd: cannot mount /dev/sda2"
grep -q vx86.poweroff /proc/cmdline && poweroff -f # a test: fail now, not at its timeout
exec sh
INIT
chmod 755 "$ird/init"
(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$tmp/initrd.gz"

# --- sda2: the ext4 root file system ---
root=$tmp/root
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" "$root/sys" \
    "$root/dev" "$root/tmp" "$root/root" "$root/etc"
cp "$tmp/bb/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# A payload the guest reads back through the disk: the first 2 MiB of the
# kernel (any data that is not all zeroes would do).
head -c 2097152 "$out/bzImage" >"$root/payload.bin"
md5sum "$root/payload.bin" | cut -d' ' -f1 >"$tmp/payload.md5"
cat >"$root/sbin/init" <<'INIT'
#!/bin/sh
# vx86 disk guest: prove the root is the IDE disk, read and write through
# it, print the marker; power off (vx86.poweroff) or start a shell.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "ROOT=$(awk '$2 == "/" { r = $1 " " $3 } END { print r }' /proc/mounts)"
# The class and the transfer mode libata chose for each device slot.
for d in /sys/class/ata_device/dev*; do
    echo "XFER ${d##*/} $(cat "$d/class") $(cat "$d/xfer_mode")"
done
echo "PAYLOAD-MD5=$(md5sum /payload.bin | cut -d' ' -f1)"
# Write a copy, push it to the disk, drop the page cache, read it back.
cp /payload.bin /tmp/copy.bin
sync
echo 3 >/proc/sys/vm/drop_caches
echo "COPY-MD5=$(md5sum /tmp/copy.bin | cut -d' ' -f1)"
rm -f /tmp/copy.bin
echo "vx86 disk guest: $(uname -sr) up $(cut -d' ' -f1 /proc/uptime)s"
echo "VX86-DISK-READY"
if grep -q vx86.poweroff /proc/cmdline; then
    sync
    poweroff -f
fi
echo "busybox shell; 'poweroff -f' ends vx86"
export PS1='vx86-disk# '
while true; do
    setsid cttyhack sh -l
done
INIT
chmod 755 "$root/sbin/init"

# --- sda1: FAT16 with SYSLINUX ---
cat >"$tmp/syslinux.cfg" <<'CFG'
SERIAL 0 115200
PROMPT 1
TIMEOUT 30
DEFAULT shell
LABEL shell
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0
LABEL test
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0 vx86.poweroff
CFG

# Layout (512-byte sectors): MBR, sda1 at 1 MiB (24 MiB FAT16, active),
# sda2 right after (40 MiB ext4).
p1=2048 p1size=49152
p2=$((p1 + p1size)) p2size=81920
total=$((p2 + p2size))
# mkfs.fat -h: hidden sectors = the partition's start, as a formatter does.
mkfs.fat -F 16 -n VX86BOOT -h $p1 -C "$tmp/boot.img" $((p1size / 2)) >/dev/null
syslinux --install "$tmp/boot.img"
mcopy -i "$tmp/boot.img" "$out/bzImage" ::/vmlinuz
mcopy -i "$tmp/boot.img" "$tmp/initrd.gz" ::/initrd.gz
mcopy -i "$tmp/boot.img" "$tmp/syslinux.cfg" ::/syslinux.cfg
# ext4 without lazy init, so the guest does not zero inode tables in the
# background while the test runs.
mke2fs -q -t ext4 -L vx86root -E lazy_itable_init=0,lazy_journal_init=0 -d "$root" \
    "$tmp/root.img" $((p2size / 2))k >/dev/null

truncate -s $((total * 512)) "$tmp/disk.img"
sfdisk -q --no-reread --no-tell-kernel "$tmp/disk.img" >/dev/null <<EOF
label: dos
label-id: 0x76783836
start=$p1, size=$p1size, type=6, bootable
start=$p2, size=$p2size, type=83
EOF
dd if="$mbr" of="$tmp/disk.img" bs=440 count=1 conv=notrunc status=none
dd if="$tmp/boot.img" of="$tmp/disk.img" bs=512 seek=$p1 conv=notrunc,sparse status=none
dd if="$tmp/root.img" of="$tmp/disk.img" bs=512 seek=$p2 conv=notrunc,sparse status=none
mv "$tmp/payload.md5" "$out/disk.payload.md5"
mv "$tmp/disk.img" "$img"
rm -rf "$tmp"
say "$img done"
