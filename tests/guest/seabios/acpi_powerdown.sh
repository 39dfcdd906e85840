#!/bin/sh
# guest.seabios_acpi: boot acpi.bin (an option ROM) through SeaBIOS with the
# monitor on a fifo; once COM1 says READY (ACPI enabled, power button
# armed), send the monitor's system_powerdown. The guest powers off through
# S5: the exit status must be 0 and COM1 must equal acpi.expected.
#   acpi_powerdown.sh VX86 ROM OUTPREFIX EXPECTED
vx86=$1 rom=$2 out=$3 expected=$4
rm -f "$out.serial" "$out.debug" "$out.monitor" "$out.fifo"
mkfifo "$out.fifo" || exit 1
"$vx86" -option-rom "$rom" -boot n -display none -icount 4 --timeout 50 \
    -debugcon "file:$out.debug" -serial "file:$out.serial" \
    -monitor stdio <"$out.fifo" >"$out.monitor" 2>&1 &
pid=$!
exec 3>"$out.fifo"
tries=0
while ! grep -q READY "$out.serial" 2>/dev/null; do
    if ! kill -0 $pid 2>/dev/null || [ $tries -ge 500 ]; then
        break
    fi
    tries=$((tries + 1))
    sleep 0.1
done
printf 'system_powerdown\n' >&3
wait $pid
rc=$?
exec 3>&-
rm -f "$out.fifo"
fail=0
if [ $rc -ne 0 ]; then
    echo "FAIL: exit status $rc, expected 0"
    fail=1
fi
if ! cmp -s "$out.serial" "$expected"; then
    echo "FAIL: COM1 output differs from $expected:"
    diff "$expected" "$out.serial"
    fail=1
fi
if ! grep -q "^ACPI: parse DSDT at" "$out.debug"; then
    echo "FAIL: SeaBIOS did not parse the DSDT"
    fail=1
fi
if [ $fail -ne 0 ]; then
    echo "--- monitor:"; cat "$out.monitor"
    echo "--- last lines of the debug console:"; tail -n 40 "$out.debug"
fi
exit $fail
