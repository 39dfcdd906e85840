#!/bin/sh
# SeaBIOS boots disk_boot.asm from an IDE disk image (ctest guest.disk_*):
#   disk_test.sh VX86 BOOT.bin OUTPREFIX FORMAT [EXPECTED-COM1]
# FORMAT raw, or qcow2/vmdk/vpc (the raw image converted by qemu-img). The
# guest reads LBA 1 and 2 and writes LBA 3 and 4 through INT 13h; afterwards
# the image (converted back to raw) must hold what it wrote. A raw image is
# first booted with -snapshot, which must leave it unchanged.
set -u
vx86=$1
boot=$2
out=$3
fmt=$4
expected=${5:-disk_boot.expected}
here=$(dirname "$0")
raw=$out.raw
rm -f "$raw" "$out.$fmt" "$out.check.raw"
# 4 MiB: LBA 0 the boot sector, LBA 1/2 the markers the guest checks.
dd if=/dev/zero of="$raw" bs=1M count=4 2>/dev/null || exit 1
dd if="$boot" of="$raw" conv=notrunc 2>/dev/null || exit 1
printf 'vx86 disk sector 1' | dd of="$raw" bs=512 seek=1 conv=notrunc 2>/dev/null
printf 'vx86 disk sector 2' | dd of="$raw" bs=512 seek=2 conv=notrunc 2>/dev/null
img=$raw
if [ "$fmt" != raw ]; then
    img=$out.$fmt
    qemu-img convert -f raw -O "$fmt" "$raw" "$img" || exit 1
fi
# -snapshot: the guest runs the same, the image keeps nothing of it.
if [ "$fmt" = raw ]; then
    sum=$(cksum <"$img")
    sh "$here/run.sh" "$vx86" "$out.snapshot" --status 33 --serial "$here/$expected" \
        -- -hda "$img" -snapshot -display none -icount 4 --timeout 50 >/dev/null || {
        echo "FAIL: the boot with -snapshot failed (see $out.snapshot.*)"
        exit 1
    }
    if [ "$(cksum <"$img")" != "$sum" ]; then
        echo "FAIL: -snapshot let the guest's writes reach $img"
        exit 1
    fi
    echo "PASS: -snapshot kept the image unchanged"
fi
sh "$here/run.sh" "$vx86" "$out" --status 33 --serial "$here/$expected" \
    --debug "^Booting from Hard Disk" --debug "^ata0-0: VX86 HARDDISK ATA-6 Hard-Disk" \
    -- -drive "file=$img,format=$fmt,if=ide,index=0" -display none -icount 4 --timeout 50 \
    || exit 1
check=$img
if [ "$fmt" != raw ]; then
    check=$out.check.raw
    qemu-img convert -f "$fmt" -O raw "$img" "$check" || exit 1
fi
s3=$(dd if="$check" bs=512 skip=3 count=1 2>/dev/null | head -c 32)
s4=$(dd if="$check" bs=512 skip=4 count=1 2>/dev/null | head -c 32)
if [ "$s3" != "vx86 INT 13h wr vx86 INT 13h wr " ] || [ "$s4" != "Vx86 INT 13h wr vx86 INT 13h wr " ]; then
    echo "FAIL: the guest's writes are not in the image: LBA 3 '$s3', LBA 4 '$s4'"
    exit 1
fi
echo "PASS: the guest's writes are in the $fmt image"
