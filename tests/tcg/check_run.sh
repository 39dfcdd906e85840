#!/bin/sh
# Run vx86 under the translator's lockstep checker (ctest tcg.check_*):
#   check_run.sh BACKEND OUTPREFIX MIN_BLOCKS -- COMMAND...
# COMMAND (vx86 or a guest test script around it) runs with
# VX86_ACCEL=tcg,backend=BACKEND,check=on. Passes when COMMAND passes, and the
# checker's summary (on vx86's stderr, or in OUTPREFIX.monitor when the
# script sends stderr there) says at least MIN_BLOCKS blocks were checked
# and no difference was found. A difference ends vx86 with status 6 and a
# report (both states, the block disassembled) on stderr.
set -u
backend=$1
out=$2
min=$3
shift 3
[ "${1:-}" = "--" ] && shift
mkdir -p "$(dirname "$out")"
rm -f "$out.stderr"
VX86_ACCEL="tcg,backend=$backend,check=on" "$@" 2>"$out.stderr"
rc=$?
summary=$(cat "$out.stderr" "$out.monitor" 2>/dev/null | grep 'tcg check: [0-9]* blocks checked' | tail -1)
if grep -q 'tcg check: the translator' "$out.stderr" "$out.monitor" 2>/dev/null; then
    echo "check_run.sh: the checker found a difference:" >&2
    cat "$out.stderr" "$out.monitor" 2>/dev/null | sed -n '/tcg check: the translator/,$p' | head -80 >&2
    exit 1
fi
if [ $rc -ne 0 ]; then
    echo "check_run.sh: the run failed (status $rc); its stderr:" >&2
    tail -40 "$out.stderr" >&2
    exit 1
fi
if [ -z "$summary" ]; then
    echo "check_run.sh: no checker summary: was -accel tcg,check=on in effect?" >&2
    tail -20 "$out.stderr" >&2
    exit 1
fi
echo "$summary"
checked=$(echo "$summary" | sed 's/.*tcg check: \([0-9]*\) blocks checked.*/\1/')
diffs=$(echo "$summary" | sed 's/.*, \([0-9]*\) differences.*/\1/')
if [ "$diffs" != 0 ] || [ "$checked" -lt "$min" ]; then
    echo "check_run.sh: $checked blocks checked (at least $min wanted), $diffs differences" >&2
    exit 1
fi
exit 0
