#!/bin/sh
# Run vx86 with SeaBIOS headless and check what it shows (ctest guest.seabios_*):
#   run.sh VX86 OUTPREFIX [checks...] -- [vx86 args...]
# Checks:
#   --status N        expected exit status (default 0)
#   --debug RE        the debug console (port 0x402/0xE9) has a line matching RE
#   --screen RE       the VGA text screen (--text-screen) has a line matching RE
#   --serial FILE     COM1 output equals FILE
#   --keys "K..."     once COM1 prints READY, type these keys (monitor sendkey)
# Outputs go to OUTPREFIX.debug, .screen, .serial, .monitor.
set -u
vx86=$1
out=$2
shift 2
status=0
keys=""
serial_expect=""
checks_file="$out.checks"
: >"$checks_file"
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
    --status) status=$2; shift 2 ;;
    --debug) printf 'debug\t%s\n' "$2" >>"$checks_file"; shift 2 ;;
    --screen) printf 'screen\t%s\n' "$2" >>"$checks_file"; shift 2 ;;
    --serial) serial_expect=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    *) echo "run.sh: unknown check $1" >&2; exit 1 ;;
    esac
done
[ $# -gt 0 ] && shift # the --
rm -f "$out.debug" "$out.screen" "$out.serial" "$out.monitor" "$out.fifo"

if [ -n "$keys" ]; then
    # The monitor reads commands from a fifo we keep open until vx86 ends.
    mkfifo "$out.fifo" || exit 1
    "$vx86" "$@" -debugcon "file:$out.debug" -serial "file:$out.serial" \
        --text-screen "$out.screen" -monitor stdio <"$out.fifo" >"$out.monitor" 2>&1 &
    pid=$!
    exec 3>"$out.fifo"
    tries=0
    while ! grep -q READY "$out.serial" 2>/dev/null; do
        if ! kill -0 $pid 2>/dev/null || [ $tries -ge 600 ]; then
            break
        fi
        tries=$((tries + 1))
        sleep 0.1
    done
    for k in $keys; do
        printf 'sendkey %s\n' "$k" >&3
        sleep 0.2
    done
    wait $pid
    rc=$?
    exec 3>&-
    rm -f "$out.fifo"
else
    "$vx86" "$@" -debugcon "file:$out.debug" -serial "file:$out.serial" \
        --text-screen "$out.screen" >"$out.monitor" 2>&1
    rc=$?
fi

fail=0
echo "--- debug console ($out.debug), last lines:"
tail -n 25 "$out.debug" 2>/dev/null
echo "--- text screen ($out.screen):"
sed '/^$/d' "$out.screen" 2>/dev/null
echo "--- COM1 ($out.serial):"
cat "$out.serial" 2>/dev/null
echo "--- vx86 stdout/stderr:"
cat "$out.monitor" 2>/dev/null
echo "---"
if [ "$rc" != "$status" ]; then
    echo "FAIL: exit status $rc, expected $status"
    fail=1
fi
while IFS="$(printf '\t')" read -r where re; do
    file=$out.$where
    if ! grep -Eq -- "$re" "$file" 2>/dev/null; then
        echo "FAIL: no line of the $where output matches: $re"
        fail=1
    fi
done <"$checks_file"
if [ -n "$serial_expect" ] && ! cmp -s "$serial_expect" "$out.serial"; then
    echo "FAIL: COM1 output differs from $serial_expect:"
    diff "$serial_expect" "$out.serial"
    fail=1
fi
[ $fail = 0 ] && echo "PASS"
exit $fail
