#!/bin/sh
# linux.multiboot: boot multiboot_kernel.elf with two modules (one with
# arguments) and a command line, and compare what the kernel prints about
# its multiboot info with what the spec and the machine (-m 64) imply.
# usage: multiboot_test.sh VX86 KERNEL OUTDIR
set -u
vx86=$1 kernel=$2 out=$3
mkdir -p "$out"
cd "$out" || exit 1
printf 'ABCDxyz' >mod1.bin
head -c 5000 /dev/zero | tr '\0' 'Q' >mod2.bin
"$vx86" -kernel "$kernel" -initrd "mod1.bin first,,arg two,mod2.bin" -append "hello world" \
    -m 64 -display none -serial file:multiboot.console -no-reboot --timeout 30 >multiboot.stderr 2>&1
rc=$?
cat >multiboot.expected <<EXP
multiboot: magic=2BADB002 cr0.pg_pe=00000001 if=00000000
flags=0000024D mem_lower=640 mem_upper=$((64 * 1024 - 1024))
cmdline=$kernel hello world
loader=vx86
module 0 size=7 offset_in_page=00000000 data=ABCD string="mod1.bin first,arg two"
module 1 size=5000 offset_in_page=00000000 data=QQQQ string="mod2.bin"
mmap base=00000000 len=0009FC00 type=1
mmap base=0009FC00 len=00000400 type=2
mmap base=000E0000 len=00020000 type=2
mmap base=00100000 len=03F00000 type=1
multiboot: done
EXP
if [ "$rc" -ne 33 ] || ! cmp -s multiboot.expected multiboot.console; then
    echo "multiboot: FAILED: exit status $rc (expected 33); console vs expected:"
    diff multiboot.expected multiboot.console | head -n 40
    cat multiboot.stderr
    exit 1
fi
echo "multiboot: passed"
