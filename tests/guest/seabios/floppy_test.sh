#!/bin/sh
# SeaBIOS boots floppy_boot.asm from a floppy image (ctest guest.floppy_*):
#   floppy_test.sh VX86 BOOT.bin OUTPREFIX SIZE TYPE SPT [ro]
# SIZE in bytes (737280, 1474560, 2949120), TYPE the CMOS/INT 13h AH=08h
# drive type and SPT the sectors per track the guest must see. The guest
# (two sectors, the second loaded by the first) reads sectors 2-4 and 40
# and writes sector 50; afterwards the image must
# hold what it wrote. With "ro" the drive is readonly=on: the write must
# fail (write protected) and the image stay as it was.
set -u
vx86=$1
boot=$2
out=$3
size=$4
type=$5
spt=$6
mode=${7:-rw}
here=$(dirname "$0")
img=$out.img
rm -f "$img"
dd if=/dev/zero of="$img" bs=512 count=$((size / 512)) 2>/dev/null || exit 1
dd if="$boot" of="$img" conv=notrunc 2>/dev/null || exit 1
octal() { printf '\\%03o' "$1"; }
printf "vx86 floppy sector 2\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0$(octal "$type")$(octal "$spt")" |
    dd of="$img" bs=512 seek=2 conv=notrunc 2>/dev/null
printf 'vx86 floppy sector 3' | dd of="$img" bs=512 seek=3 conv=notrunc 2>/dev/null
if [ "$mode" = ro ]; then flag=R; else flag=W; fi
printf '%s' "$flag" | dd of="$img" bs=512 seek=4 conv=notrunc 2>/dev/null
printf 'vx86 floppy sector 40' | dd of="$img" bs=512 seek=40 conv=notrunc 2>/dev/null
if [ "$mode" = ro ]; then
    expected=$here/floppy_ro.expected
    drive="-drive file=$img,format=raw,if=floppy,readonly=on"
else
    expected=$here/floppy_boot.expected
    drive="-fda $img"
fi
# shellcheck disable=SC2086
sh "$here/run.sh" "$vx86" "$out" --status 33 --serial "$expected" \
    --debug "^Booting from Floppy" \
    -- $drive -boot a -display none -icount 4 --timeout 50 || exit 1
s50=$(dd if="$img" bs=512 skip=50 count=1 2>/dev/null | head -c 32)
if [ "$mode" = ro ]; then
    if [ -n "$(dd if="$img" bs=512 skip=50 count=1 2>/dev/null | tr -d '\0')" ]; then
        echo "FAIL: a write-protected floppy was written"
        exit 1
    fi
    echo "PASS: the write-protected floppy is unchanged"
    exit 0
fi
if [ "$s50" != "vx86 floppy wr. vx86 floppy wr. " ]; then
    echo "FAIL: the guest's write is not in the image: sector 50 '$s50'"
    exit 1
fi
echo "PASS: the guest's write is in the image"
