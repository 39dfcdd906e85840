#!/bin/sh
# linux.kernel_errors: -kernel with files that are not kernels, too old a
# boot protocol, an initrd that cannot fit, -initrd without -kernel: each is
# refused with exit status 1 and a message naming the problem.
# usage: kernel_errors.sh VX86 OUTDIR BZIMAGE
set -u
vx86=$1 out=$2 bz=$3
mkdir -p "$out"
cd "$out" || exit 1
fails=0
check() { # check NAME REGEX args...
    name=$1 re=$2
    shift 2
    msg=$("$vx86" -display none "$@" 2>&1 </dev/null)
    rc=$?
    if [ "$rc" -ne 1 ] || ! printf '%s\n' "$msg" | grep -E -q -- "$re"; then
        echo "$name: FAILED: status $rc, message: $msg (wanted /$re/)"
        fails=$((fails + 1))
    else
        echo "$name: ok: $msg"
    fi
}
head -c 65536 /dev/urandom >junk.bin
check not_a_kernel 'not a bzImage' -kernel junk.bin
check missing 'cannot open' -kernel does-not-exist.bin
# The same bzImage with its protocol version patched to 2.01.
cp "$bz" old.bin
printf '\001\002' | dd of=old.bin bs=1 seek=$((0x206)) conv=notrunc 2>/dev/null
check old_protocol 'boot protocol 2.01 is too old' -kernel old.bin
# A 40 MiB initrd in 32 MiB of RAM.
head -c $((40 << 20)) /dev/zero >big.img
check initrd_too_large 'initrd.*too large' -m 32 -kernel "$bz" -initrd big.img
check initrd_without_kernel '-initrd needs -kernel' -initrd big.img
check bios_none_without_kernel '-bios none needs -kernel' -bios none
rm -f big.img
[ "$fails" -eq 0 ]
