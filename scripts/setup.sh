#!/bin/sh
# Install the Debian 12 packages vx86 needs to build and test (run as root).
# Idempotent: it only runs apt-get when something is missing.
set -e
export DEBIAN_FRONTEND=noninteractive

# Later issues run 32-bit guests' tools and libraries: enable i386 packages.
need_update=
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    dpkg --add-architecture i386
    need_update=1
fi

# Build tools, the libraries the CMake files look for (capstone, check,
# zlib, cJSON for the SingleStepTests harness), nasm for the guest ROMs,
# what later layers use (SDL2 display, libelf for kernel loading), and the
# PC's default firmware (SeaBIOS and its VGA BIOS, /usr/share/seabios),
# and Xvfb/xdotool/libX11 for the SDL window tests (tests/desktop), qemu-img
# (qemu-utils) for the disk image interoperability and boot tests, clang
# for the libFuzzer targets (tests/fuzz), iasl (acpica-tools) for the DSDT
# (bios/acpi/dsdt.asl), cpio for the default guest's initramfs
# (scripts/guest.sh fetches the i386 kernel and busybox itself with
# apt-get download), qemu-system-x86 for tests/bench/linux_boot.sh, and
# for the IDE disk guest (scripts/disk_guest.sh): syslinux + mtools +
# dosfstools (the FAT boot partition, installed without mounting), fdisk
# (sfdisk), e2fsprogs (mke2fs -d) and xz-utils (kernel modules); for
# tests/bench/suite.sh gcc-multilib (the static -m32 benchmark program) and
# time (/usr/bin/time, peak RSS).
packages="build-essential cmake pkg-config nasm libcapstone-dev check libsubunit-dev
          zlib1g-dev libcjson-dev libelf-dev libsdl2-dev seabios
          xvfb xauth xdotool libx11-dev
          qemu-utils clang acpica-tools
          cpio qemu-system-x86
          syslinux syslinux-common mtools dosfstools fdisk e2fsprogs xz-utils
          gcc-multilib time"

missing=
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

# A mirror in mid-sync can fail one index; retry, then go on with what we
# have (the install below still fails loudly if a package cannot be had).
if [ -n "$missing" ] || [ -n "$need_update" ]; then
    apt-get update || { sleep 10; apt-get update; } || echo "setup: warning: apt-get update failed"
fi
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $missing
else
    echo "setup: all packages already installed"
fi
