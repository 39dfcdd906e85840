; Batch use: --fail ends vx86 with status 2 when the output matches, before
; the --expect pattern that comes later.
; EXPECT: starting
; EXPECT: PANIC: something broke
; STATUS: 2
; ARGS: -no-reboot --fail "^PANIC" --expect "^never" --timeout 30
%include "lib.inc"

start:
    REAL_INIT
    PUTSLN 'starting'
    PUTSLN 'PANIC: something broke'
.spin:
    jmp .spin

    ROM_END
