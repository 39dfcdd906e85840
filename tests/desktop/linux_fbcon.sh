#!/bin/sh
# The Debian kernel's framebuffer console (ctest linux.desktop_bochs_drm,
# linux.desktop_vesafb):
#   linux_fbcon.sh VX86 DESKTOP_CHECK GUESTDIR OUTDIR drm|vesafb
# drm: boots the default guest's kernel with drm_guest.sh's initramfs
# (bochs-drm and its dependencies loaded with insmod, fbcon on tty0, a
# marker on tty0 and ttyS0, then power-off); vesafb: the default initramfs
# with vga=0x317 (the setup code sets VBE mode 1024x768x16 through the VGA
# BIOS, vesafb draws). Both run under SeaBIOS, headless, and take
# --screenshot-on-exit. The picture must be 1024x768 and read, cell by cell,
# as glyphs of the kernel's own 8x16 font (taken from the kernel image; it
# differs from the VGA BIOS's), and the lines read must include the
# kernel's log lines about the framebuffer and fbcon (and the marker).
set -u
vx86=$1 check=$2 guest=$3 out=$4 kind=$5
here=$(dirname "$0")
mkdir -p "$out"
fail() {
    echo "linux_fbcon $kind: FAIL: $*"
    exit 1
}

# fbcon=font:VGA8x16 pins the font the kernel would pick anyway at 1024x768.
case $kind in
drm)
    marker=VX86-DRM-FBCON-MARKER
    sh "$here/drm_guest.sh" "$guest" "$out/drm_initramfs.cpio.gz" "$marker" ||
        fail "could not build the bochs-drm initramfs"
    initrd=$out/drm_initramfs.cpio.gz
    append="console=ttyS0 console=tty0 fbcon=font:VGA8x16"
    serial_line="drm guest: bochs-drmdrmfb 1024,768 bpp 32"
    set -- "^$marker\$" "\] fbcon: bochs-drmdrmfb \(fb0\) is primary device" \
        "\] Console: switching to colour frame buffer device 128x48" "\] \[drm\] Initialized bochs-drm"
    ;;
vesafb)
    # /init's marker goes to /dev/console, the last console= (ttyS0).
    marker=VX86-GUEST-READY
    initrd=$guest/initramfs.cpio.gz
    append="vga=0x317 console=tty0 console=ttyS0 fbcon=font:VGA8x16 vx86.poweroff"
    serial_line="vesafb: mode is 1024x768x16"
    # (The vesafb lines themselves have scrolled off by then.)
    set -- "\] Freeing unused kernel image" "\] Run /init as init process" "\] reboot: Power down"
    ;;
*) fail "kind '$kind'? (drm or vesafb)" ;;
esac

# The kernel's font: in the decompressed kernel (the bzImage payload is
# xz or gzip: found by its magic, as the kernel's scripts/extract-vmlinux).
vmlinux=$out/vmlinux
if [ ! -s "$vmlinux" ] || [ "$guest/bzImage" -nt "$vmlinux" ]; then
    for fmt in xz gzip; do
        case $fmt in
        xz) magic='\xfd\x37\x7a\x58\x5a\x00' dec='xz -dc' ;;
        gzip) magic='\x1f\x8b\x08' dec='gzip -dc' ;;
        esac
        for pos in $(LC_ALL=C grep -obUaP "$magic" "$guest/bzImage" | cut -d: -f1); do
            tail -c +$((pos + 1)) "$guest/bzImage" | $dec >"$vmlinux.$kind.tmp" 2>/dev/null
            if [ "$(head -c 4 "$vmlinux.$kind.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
                mv "$vmlinux.$kind.tmp" "$vmlinux"
                break 2
            fi
        done
    done
    rm -f "$vmlinux.$kind.tmp"
    [ -s "$vmlinux" ] && [ ! "$guest/bzImage" -nt "$vmlinux" ] ||
        fail "no xz or gzip kernel payload in $guest/bzImage"
fi

name=desktop_$kind
png=$out/$name.png
rm -f "$png"
sh "$here/../linux/run_linux.sh" "$vx86" "$out" "$name" 0 "$marker" -- \
    -kernel "$guest/bzImage" -initrd "$initrd" -icount 0 -append "$append" --timeout 900 \
    --screenshot-on-exit "$png" || fail "the guest run failed"
grep -q "$serial_line" "$out/$name.console" || fail "the console lacks '$serial_line'"
[ -s "$png" ] || fail "no screenshot $png"
txt=$out/$name.txt
"$check" fbcon "$png" "$vmlinux" 1024x768 "$txt" || fail "the screenshot is not fbcon text"
for line in "$@"; do
    grep -Eq -- "$line" "$txt" || {
        cat "$txt"
        fail "the screen does not show /$line/"
    }
done
echo "linux_fbcon $kind: PASS ($(grep -c . "$txt") text lines on the screen)"
