#!/bin/sh
# Developer tool: run a guest ROM under QEMU (if installed) the way
# run_guest.cmake runs it under vx86, to check that a guest's expectations
# hold on another implementation. Usage: run_qemu.sh ROM.bin [OUT]
rom=$1
out=${2:-/dev/stdout}
timeout 20 qemu-system-i386 -bios "$rom" -debugcon "file:$out" -display none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128
echo "exit status $?" >&2
