#!/bin/sh
# Malformed images given to vx86-img: corrupt header fields, truncations,
# backing loops, random garbage behind a valid magic, and corrupt metadata
# that check must report. Every case must end with a clear message and a
# defined status, never a crash or a sanitizer report.
# Usage: malformed.sh VX86_IMG BLKIO WORKDIR
set -eu
img=$1 work=$3
export ASAN_OPTIONS="exitcode=99${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="exitcode=98${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

# run EXPECTED_STATUSES CMD...: the status must be one of the list, and
# stderr free of sanitizer reports.
run() {
    want=$1
    shift
    st=0
    "$@" >out.txt 2>err.txt || st=$?
    if grep -q -e 'Sanitizer' -e 'runtime error' err.txt; then
        cat err.txt
        fail "sanitizer report from: $*"
    fi
    case " $want " in *" $st "*) ;; *) cat err.txt; fail "status $st (want $want) from: $*" ;; esac
}

# poke FILE OFFSET HEX: write bytes (big-endian fields as hex digits).
poke() {
    f=$1 off=$2 hex=$3 bytes=
    while [ -n "$hex" ]; do
        b=${hex%"${hex#??}"}
        hex=${hex#??}
        bytes="$bytes\\$(printf %03o "0x$b")"
    done
    # shellcheck disable=SC2059
    printf "$bytes" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

"$img" create -q -f qcow2 good.qcow2 16M
head -c 200000 /dev/urandom > data.raw
truncate -s 16M data.raw
"$img" convert -O qcow2 data.raw full.qcow2
run 0 "$img" check full.qcow2

# Header fields: offset, new value, a word the message must contain.
while read -r off hex word; do
    cp full.qcow2 bad.qcow2
    poke bad.qcow2 "$off" "$hex"
    run 1 "$img" info -f qcow2 bad.qcow2
    grep -q "bad.qcow2" err.txt || fail "no file name in: $(cat err.txt)"
    grep -q "$word" err.txt || fail "field $off: '$word' not in: $(cat err.txt)"
    run 1 "$img" convert -f qcow2 bad.qcow2 out.raw
    run 1 "$img" check -f qcow2 bad.qcow2
done <<'FIELDS'
0 514649fc format
4 00000004 version
20 00000008 cluster
20 00000016 cluster
24 4000000000000000 large
32 00000001 ncrypted
36 00000000 L1
40 0000000000030001 aligned
40 0000010000000000 end
48 0000010000000000 refcount
56 00000000 refcount
60 00000001 snapshot
72 0000000000000100 incompatible
96 00000007 refcount_order
100 00000010 header_length
FIELDS

# Truncated anywhere: opening may fail (1) or the lost data reads as zeros
# or fails cleanly; check reports what is missing (2) -- never a crash.
for len in 0 1 71 72 103 104 65536 65544 131072 196608 200000 262144 300000 400000; do
    cp full.qcow2 t.qcow2
    truncate -s $len t.qcow2
    run "0 1" "$img" info t.qcow2
    run "0 1" "$img" convert t.qcow2 out.raw
    run "0 1 2 3 63" "$img" check t.qcow2
done
cp full.qcow2 t.qcow2
truncate -s 50 t.qcow2
run 1 "$img" info t.qcow2
grep -q truncated err.txt || fail "truncated header: $(cat err.txt)"

# Backing loops: a -> b -> a, and an image that is its own backing file.
"$img" create -q -f qcow2 -b good.qcow2 -F qcow2 b.qcow2
"$img" create -q -f qcow2 -b b.qcow2 -F qcow2 a.qcow2
mv a.qcow2 good.qcow2
run 0 "$img" info good.qcow2 # info reads one file, as qemu-img's
run 1 "$img" convert good.qcow2 out.raw
grep -q loop err.txt || fail "loop: $(cat err.txt)"
"$img" create -q -f qcow2 x.qcow2 1M
"$img" create -q -f qcow2 -b self.qcow2 -F qcow2 self.qcow2 1M 2>/dev/null || true
cp x.qcow2 self.qcow2
"$img" create -q -f qcow2 -b self.qcow2 -F qcow2 self2.qcow2
mv self2.qcow2 self.qcow2
run 1 "$img" convert self.qcow2 out.raw
grep -q loop err.txt || fail "self loop: $(cat err.txt)"
"$img" create -q -f qcow2 -b missing.qcow2 -F qcow2 -u orphan.qcow2 1M 2>/dev/null && fail "created over a missing backing file"
run 1 "$img" info missing.qcow2
grep -q missing.qcow2 err.txt || fail "missing file: $(cat err.txt)"

# check: metadata corruptions exit 2, leaks only exit 3. full.qcow2 has
# its L1 at 0x30000 and the first L2 table at 0x40000 (qemu-img's layout).
cp full.qcow2 c.qcow2
poke c.qcow2 $((0x40000 + 8)) 8000010000000000 # L2 entry past the end of the file
run 2 "$img" check c.qcow2
grep -q "past the end" out.txt || fail "check message: $(cat out.txt)"
cp full.qcow2 c.qcow2
poke c.qcow2 $((0x40000 + 8)) 8000000000050200 # unaligned data cluster
run 2 "$img" check c.qcow2
cp full.qcow2 c.qcow2
poke c.qcow2 $((0x40000 + 8)) 8000000000050000 # the same cluster twice: overlap
run 2 "$img" check c.qcow2
grep -q "reference=2" out.txt || fail "overlap message: $(cat out.txt)"
cp full.qcow2 c.qcow2
size=$(stat -c %s c.qcow2)
truncate -s $((size + 65536)) c.qcow2
poke c.qcow2 $((0x20000 + size / 65536 * 2)) 0001 # count an unused cluster
run 3 "$img" check c.qcow2
grep -q "leaked clusters" out.txt || fail "leak message: $(cat out.txt)"
run 63 "$img" check data.raw

# Random bytes behind a valid header start.
i=0
while [ $i -lt 40 ]; do
    head -c 4096 /dev/urandom > r.qcow2
    poke r.qcow2 0 514649fb0000000$((2 + i % 2))
    [ $((i % 3)) = 0 ] && poke r.qcow2 20 00000010 # a sane cluster size, more gets parsed
    run "0 1" "$img" info r.qcow2
    run "0 1 2 3" "$img" check r.qcow2
    i=$((i + 1))
done

# VMDK (monolithicSparse as vx86-img writes it, 16 MiB: descriptor at
# sector 1, RGD 21, RGT 22, GD 26, GT 27, grains from 128; little-endian).
if "$img" convert -O vmdk data.raw full.vmdk 2>/dev/null; then
    run 0 "$img" check full.vmdk
    while read -r off hex word; do
        cp full.vmdk bad.vmdk
        poke bad.vmdk "$off" "$hex"
        run 1 "$img" info -f vmdk bad.vmdk
        grep -q "bad.vmdk" err.txt || fail "vmdk: no file name in: $(cat err.txt)"
        grep -q "$word" err.txt || fail "vmdk field $off: '$word' not in: $(cat err.txt)"
        run 1 "$img" convert -f vmdk bad.vmdk out.raw
        run 1 "$img" check -f vmdk bad.vmdk
    done <<'FIELDS'
0 4b444d57 descriptor
12 ffffffffffffff7f capacity
20 6400000000000000 grain
44 00000000 grain
56 0000000100000000 past
73 0d0a200d newline
13312 ffffff00 past
13824 ffffff00 past
FIELDS
    for len in 0 1 511 512 10000 13316 14000 65536 70000; do
        cp full.vmdk t.vmdk
        truncate -s $len t.vmdk
        run "0 1" "$img" info t.vmdk
        run "0 1" "$img" convert t.vmdk out.raw
        run "0 1 2 3 63" "$img" check t.vmdk
    done
    cp full.vmdk c.vmdk
    poke c.vmdk 11264 01020000 # the redundant GT disagrees
    run 2 "$img" check c.vmdk
    grep -q "redundant" out.txt || fail "vmdk check message: $(cat out.txt)"
    i=0
    while [ $i -lt 100 ]; do
        head -c 70000 /dev/urandom > r.vmdk
        poke r.vmdk 0 4b444d5601000000
        [ $((i % 2)) = 0 ] && poke r.vmdk 20 8000000000000000 && poke r.vmdk 44 00020000
        run "0 1" "$img" info r.vmdk
        run "0 1 2 3" "$img" check r.vmdk
        i=$((i + 1))
    done
fi

# VHD (dynamic as vx86-img writes it: footer copy, header at 512, BAT at
# 1536; big-endian).
if "$img" convert -O vpc data.raw full.vhd 2>/dev/null; then
    run 0 "$img" check full.vhd
    end=$(($(stat -c %s full.vhd) - 512))
    while read -r off hex word; do
        cp full.vhd bad.vhd
        field=$off value=$hex # poke uses off/hex itself
        poke bad.vhd "$field" "$value"
        [ "$field" = 64 ] && poke bad.vhd $((end + 64)) "$value"
        run 1 "$img" info -f vpc bad.vhd
        grep -q "bad.vhd" err.txt || fail "vhd: no file name in: $(cat err.txt)"
        grep -q "$word" err.txt || fail "vhd field $off: '$word' not in: $(cat err.txt)"
        run 1 "$img" convert -f vpc bad.vhd out.raw
        run 1 "$img" check -f vpc bad.vhd
    done <<'FIELDS'
64 00000000 checksum
512 00 cookie
548 00100000 checksum
1536 00ffffff past
FIELDS
    # only the end footer bad: the copy is used, check reports it
    cp full.vhd c.vhd
    poke c.vhd $((end + 64)) 00000000
    run 0 "$img" info c.vhd
    run 2 "$img" check c.vhd
    grep -q "footer" out.txt || fail "vhd check message: $(cat out.txt)"
    for len in 0 1 511 512 1536 2000 2048 70000; do
        cp full.vhd t.vhd
        truncate -s $len t.vhd
        run "0 1" "$img" info -f vpc t.vhd
        run "0 1" "$img" convert -f vpc t.vhd out.raw
        run "0 1 2 3 63" "$img" check -f vpc t.vhd
    done
    i=0
    while [ $i -lt 100 ]; do
        head -c 4096 /dev/urandom > r.vhd
        poke r.vhd 0 636f6e6563746978
        run "0 1" "$img" info -f vpc r.vhd
        run "0 1 2 3" "$img" check -f vpc r.vhd
        i=$((i + 1))
    done
fi

# Bad command lines.
run 1 "$img" create -f qcow2 x.qcow2 12Q
run 1 "$img" create -f nosuch x.img 1M
run 1 "$img" create -f qcow2 -o compat=9 x.qcow2 1M
run 1 "$img" convert -O qcow2 missing.raw out.qcow2
run 1 "$img" frobnicate
echo "malformed: all cases handled"
