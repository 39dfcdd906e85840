#!/bin/sh
# Run a command and print its user+system CPU time on stderr as "cpu_ms=N"
# (used by run_guest.cmake for `; MAXCPU:` guests); exits with its status.
"$@"
rc=$?
tmp=$(mktemp)
times >"$tmp" # a builtin: no subshell, so the children's times are ours
awk 'NR == 2 {
    split($1, u, "m"); split($2, s, "m")
    printf "cpu_ms=%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000
}' "$tmp" >&2
rm -f "$tmp"
exit $rc
