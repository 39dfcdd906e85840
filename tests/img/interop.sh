#!/bin/sh
# Interop with qemu-img, both ways, for every format in FORMATS:
#  1. qemu-img writes an image from a raw source; vx86-img converts it back
#     to raw and it must equal the source (cmp), and vx86-img check is clean.
#  2. vx86-img converts the raw source into the format; qemu-img check passes
#     and qemu-img compare finds it identical to the source.
#  3. vx86 (blkio) writes into the qemu-made image; qemu-img check passes and
#     the data is where a raw copy with the same write has it.
# Usage: interop.sh VX86_IMG BLKIO WORKDIR. Exit 77 (skip) without qemu-img.
set -eu
img=$1 blkio=$2 work=$3
command -v qemu-img >/dev/null || { echo "qemu-img not installed (apt-get install qemu-utils)"; exit 77; }

# One line per case: FORMAT|qemu-img convert options|vx86-img convert options
# (the VMDK/VHD subformats go here too).
FORMATS='
raw||
qcow2|-o compat=1.1|-o compat=1.1
qcow2|-o compat=0.10|-o compat=0.10
qcow2|-c -o compat=1.1|-o compat=1.1,cluster_size=4096
qcow2|-c -o compat=0.10,cluster_size=4096|-o cluster_size=512
qcow2|-o cluster_size=512,refcount_bits=1|-o cluster_size=2M
qcow2|-o cluster_size=2M,refcount_bits=64|-o compat=1.1
'
if "$img" create -f vmdk "$work.probe" 1M >/dev/null 2>&1; then
    FORMATS="$FORMATS
vmdk|-o subformat=monolithicSparse|-o subformat=monolithicSparse
vmdk|-o subformat=streamOptimized|-o subformat=streamOptimized
vmdk|-o subformat=monolithicFlat|-o subformat=monolithicFlat
vmdk|-o subformat=twoGbMaxExtentSparse|-o subformat=twoGbMaxExtentSparse
vmdk|-o subformat=twoGbMaxExtentFlat|-o subformat=twoGbMaxExtentFlat"
fi
if "$img" create -f vpc "$work.probe" 1M >/dev/null 2>&1; then
    FORMATS="$FORMATS
vpc|-o subformat=dynamic,force_size=on|-o subformat=dynamic
vpc|-o subformat=fixed,force_size=on|-o subformat=fixed"
fi
rm -f "$work.probe"

rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

# The source: data, holes, a cluster-straddling run, a last sector; 24 MiB so
# that small clusters need a bigger refcount table.
src=src.raw
dd if=/dev/urandom of=$src bs=1M count=2 2>/dev/null
dd if=/dev/urandom of=$src bs=512 seek=6143 count=130 conv=notrunc 2>/dev/null
dd if=/dev/urandom of=$src bs=1M seek=10 count=10 conv=notrunc 2>/dev/null
truncate -s 24M $src
dd if=/dev/urandom of=$src bs=512 seek=49151 count=1 conv=notrunc 2>/dev/null
head -c 3072 /dev/urandom > patch.bin

n=0
echo "$FORMATS" | while IFS='|' read -r fmt qopts vopts; do
    [ -n "$fmt" ] || continue
    n=$((n + 1))
    q=q$n.$fmt v=v$n.$fmt
    echo "== $fmt: qemu-img [$qopts], vx86-img [$vopts]"
    # shellcheck disable=SC2086
    qemu-img convert -f raw -O "$fmt" $qopts $src $q || fail "qemu-img convert $fmt"
    "$img" info $q > info.txt || fail "vx86-img info $q"
    grep -q "^file format: $fmt\$" info.txt || fail "info format: $(cat info.txt)"
    grep -q "^virtual size: .*(25165824 bytes)\$" info.txt || fail "info size: $(cat info.txt)"
    "$img" convert -f "$fmt" -O raw $q out.raw || fail "vx86-img convert $q"
    cmp out.raw $src || fail "$q read by vx86 differs from the source"
    st=0; "$img" check $q >/dev/null 2>&1 || st=$?
    [ $st = 0 ] || [ $st = 63 ] || fail "vx86-img check $q: status $st"

    # shellcheck disable=SC2086
    "$img" convert -q -f raw -O "$fmt" $vopts $src $v || fail "vx86-img convert to $fmt"
    st=0; qemu-img check -f "$fmt" $v >/dev/null 2>&1 || st=$?
    [ $st = 0 ] || [ $st = 63 ] || { qemu-img check -f "$fmt" $v; fail "qemu-img check $v: $st"; }
    qemu-img compare -f raw -F "$fmt" $src $v >/dev/null || fail "qemu-img compare $v"
    [ "$fmt" = raw ] || [ "$(stat -c %b $v)" -lt 45000 ] || fail "$v is not sparse"

    case "$qopts" in *subformat=streamOptimized*) continue ;; esac
    cp $src expect.raw
    for sec in 0 4095 6200 49146; do
        "$blkio" write $q $sec patch.bin "$fmt" || fail "blkio write $q at $sec"
        dd if=patch.bin of=expect.raw bs=512 seek=$sec conv=notrunc 2>/dev/null
    done
    st=0; qemu-img check -f "$fmt" $q >/dev/null 2>&1 || st=$?
    [ $st = 0 ] || [ $st = 63 ] || { qemu-img check -f "$fmt" $q; fail "qemu-img check after vx86 writes: $st"; }
    qemu-img compare -f raw -F "$fmt" expect.raw $q >/dev/null || fail "vx86 writes into $q"
done

# Backing chains: qemu-made overlay over a raw base with qemu-io writes,
# read by vx86; a vx86-made overlay written by vx86, read by qemu.
qemu-img create -q -f qcow2 -b $src -F raw ov.qcow2
qemu-io -c "write -P 0x5a 1M 100k" -c "write -z 11M 64k" ov.qcow2 >/dev/null || fail "qemu-io"
qemu-img convert -O raw ov.qcow2 ov-qemu.raw
"$img" info ov.qcow2 | grep -q "^backing file: $src\$" || fail "info backing file"
"$img" info ov.qcow2 | grep -q "^backing file format: raw\$" || fail "info backing format"
"$img" convert -O raw ov.qcow2 ov-vx86.raw && cmp ov-qemu.raw ov-vx86.raw || fail "qemu overlay read by vx86"
mkdir -p sub
"$img" create -q -f qcow2 -b ../$src -F raw sub/vov.qcow2 || fail "create overlay"
cp $src expect.raw
cp $src base-before.raw
"$blkio" write sub/vov.qcow2 2050 patch.bin || fail "write overlay"
dd if=patch.bin of=expect.raw bs=512 seek=2050 conv=notrunc 2>/dev/null
qemu-img check sub/vov.qcow2 >/dev/null || fail "qemu-img check overlay"
qemu-img compare expect.raw sub/vov.qcow2 >/dev/null || fail "vx86 overlay read by qemu"
cmp $src base-before.raw || fail "writing the overlay changed its base"
"$img" convert -O qcow2 -o backing_file=../$src,backing_fmt=raw ov.qcow2 sub/conv.qcow2 || fail "convert -o backing_file"
qemu-img compare ov-qemu.raw sub/conv.qcow2 >/dev/null || fail "converted overlay"
# VMDK delta links (parentCID/parentFileNameHint) both ways.
if "$img" create -q -f vmdk vprobe.vmdk 1M >/dev/null 2>&1; then
    qemu-img convert -f raw -O vmdk $src vbase.vmdk
    qemu-img create -q -f vmdk -b vbase.vmdk -F vmdk vchild.vmdk
    qemu-io -f vmdk -c "write -P 0x5a 1M 100k" -c "write -P 0x33 3000 700" vchild.vmdk >/dev/null || fail "qemu-io vmdk"
    qemu-img convert -O raw vchild.vmdk vchild-qemu.raw
    "$img" info vchild.vmdk | grep -q "^backing file: vbase.vmdk\$" || fail "vmdk info backing file"
    "$img" convert -O raw vchild.vmdk vchild-vx86.raw && cmp vchild-qemu.raw vchild-vx86.raw || fail "qemu vmdk delta read by vx86"
    "$img" create -q -f vmdk -b ../vbase.vmdk -F vmdk sub/vmychild.vmdk || fail "create vmdk delta"
    cp $src expect.raw
    "$blkio" write sub/vmychild.vmdk 2050 patch.bin || fail "write vmdk delta"
    dd if=patch.bin of=expect.raw bs=512 seek=2050 conv=notrunc 2>/dev/null
    qemu-img check sub/vmychild.vmdk >/dev/null || fail "qemu-img check vmdk delta"
    qemu-img compare expect.raw sub/vmychild.vmdk >/dev/null || fail "vx86 vmdk delta read by qemu"
fi

# File locks: vx86 and QEMU see each other's (the same OFD lock bytes).
qemu-img create -q -f qcow2 lk.qcow2 1M
head -c 512 patch.bin > one.bin
qemu-io -c "sleep 60000" lk.qcow2 &
qpid=$!
# Wait until qemu-io holds its locks (listed in /proc/locks by inode) before
# trying to write: probing earlier would race with qemu-io's own open.
inode=$(stat -c %i lk.qcow2)
for _ in $(seq 200); do grep -q ":$inode " /proc/locks && break; sleep 0.05; done
grep -q ":$inode " /proc/locks || fail "qemu-io did not lock lk.qcow2"
refused=
"$blkio" write lk.qcow2 0 one.bin 2>lock.err || refused=1
kill $qpid 2>/dev/null || true
wait $qpid 2>/dev/null || true
[ -n "$refused" ] && grep -q 'lock on lk.qcow2' lock.err || fail "vx86 wrote an image qemu-io had open"
"$blkio" write lk.qcow2 0 one.bin || fail "write after qemu-io closed"
rm -f ready
"$blkio" hold lk.qcow2 3 ready &
hpid=$!
for _ in $(seq 50); do [ -e ready ] && break; sleep 0.1; done
[ -e ready ] || fail "blkio hold did not open lk.qcow2"
if qemu-img info lk.qcow2 >/dev/null 2>lock.err; then fail "qemu-img opened an image vx86 writes"; fi
grep -q 'lock' lock.err || fail "qemu-img: $(cat lock.err)"
qemu-img info -U lk.qcow2 >/dev/null || fail "qemu-img info -U"
wait $hpid
echo "interop: all formats agree with qemu-img"
