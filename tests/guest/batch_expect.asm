; Batch use: --expect ends vx86 with status 0 as soon as the debug console
; output matches, although the guest then spins forever.
; EXPECT: booting
; EXPECT: READY 42
; STATUS: 0
; ARGS: -no-reboot --expect "READY [0-9]+$" --timeout 30
%include "lib.inc"

start:
    REAL_INIT
    PUTSLN 'booting'
    PUTS 'READY 4'          ; "READY 4" alone must not match "[0-9]+$" ...
    mov ecx, 100000
.delay:
    loop .delay             ; ... even with time between the two writes
    PUTSLN '2'
.spin:
    jmp .spin

    ROM_END
