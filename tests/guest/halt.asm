; HLT with interrupts disabled and nothing to wake the CPU: vx86 stops with
; status 2 instead of spinning forever (a PC would stay halted).
; EXPECT: halting
; STATUS: 2
%include "lib.inc"

start:
    REAL_INIT
    out POST_PORT, al
    PUTSLN 'halting'
    cli
    hlt
    FAIL 'woke up from HLT'

    ROM_END
