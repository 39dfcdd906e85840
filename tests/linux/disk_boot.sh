#!/bin/sh
# Boot the IDE disk guest (scripts/disk_guest.sh) with no -kernel: SeaBIOS
# -> MBR -> SYSLINUX (`test` typed at its boot: prompt) -> kernel -> initrd
# loads ata_piix/sd_mod/ext4 -> root on /dev/sda2 -> marker -> poweroff.
# Beyond run_linux.sh's checks (exit 0, marker, no alarm lines) it asserts
# that the root is the IDE disk, that libata chose a DMA mode, that data
# read and written through the disk is intact, and (vx86 -d disk) that the
# PIIX3 bus master moved at least that much data with no error.
# usage: disk_boot.sh VX86 OUTDIR GUESTDIR
set -u
vx86=$1 out=$2 guest=$3
here=$(cd "$(dirname "$0")" && pwd)
name=disk_boot
log=$out/$name.console
dma=$out/$name.dma.log
mkdir -p "$out"
rm -f "$dma"
# run_linux.sh: exit 0, the marker, no alarm lines (its own report on failure).
boot=$(sh "$here/run_linux.sh" "$vx86" "$out" $name 0 VX86-DISK-READY -- \
    -hda "$guest/disk.img" -snapshot -icount 0 \
    --keys-after '^boot:' --keys 't e s t ret' -d disk -D "$dma" --timeout 900) || {
    echo "$boot"
    exit 1
}

# The guest's tty ends lines with CR LF.
con=$out/$name.lines
tr -d '\r' <"$log" >"$con"
fail() {
    echo "$name: FAILED: $*"
    echo "--- the guest's report ($log) ---"
    grep -E '^(ROOT|XFER|PAYLOAD-MD5|COPY-MD5)|command line' "$con"
    exit 1
}
grep -q 'Kernel command line:.* vx86.poweroff' "$con" ||
    fail "SYSLINUX did not boot the 'test' entry (typed at boot:)"
grep -qx 'ROOT=/dev/sda2 ext4' "$con" || fail "the root file system is not /dev/sda2 (ext4)"
# ata_piix on the PIIX3 (8086:7010) offers multiword DMA up to mode 2.
grep -Eq '^XFER dev1\.0 ata XFER_(MW|UDMA)_DMA_[0-9]$' "$con" ||
    fail "libata did not configure the IDE disk for DMA"
want=$(cat "$guest/disk.payload.md5")
grep -qx "PAYLOAD-MD5=$want" "$con" || fail "/payload.bin read back wrong (want md5 $want)"
grep -qx "COPY-MD5=$want" "$con" || fail "the copy written to the disk read back wrong"

# The bus master's own account: reads at least the payload and its copy
# (2 x 2 MiB), writes at least the copy, and no failed run.
[ -s "$dma" ] || fail "no bus-master DMA at all (-d disk log $dma is empty)"
bad=$(grep -v ': done$' "$dma" | head -n 1)
[ -z "$bad" ] || fail "a bus-master run failed: $bad"
sum() { # sum read|write: bytes the primary master's bus-master runs moved
    sed -n "s/.*ide0\.0: bus-master DMA $1 ([a-z ]*) \([0-9]*\) bytes,.*/\1/p" "$dma" |
        awk '{ n += $1 } END { print n + 0 }'
}
rd=$(sum read) wr=$(sum write)
[ "$rd" -ge 4194304 ] || fail "bus-master reads moved only $rd bytes (want >= 4 MiB)"
[ "$wr" -ge 2097152 ] || fail "bus-master writes moved only $wr bytes (want >= 2 MiB)"
echo "$name: passed: root /dev/sda2, $(grep '^XFER dev1.0' "$con" | cut -d' ' -f4)," \
    "bus master read $rd and wrote $wr bytes in $(grep -c '' "$dma") runs"
exit 0
