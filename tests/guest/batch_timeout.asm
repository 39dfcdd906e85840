; Batch use: --timeout ends a guest that never finishes with status 124
; after that much host time, whether it spins or sleeps in HLT (here with
; the PIT running at 18.2 Hz and every 8259A input masked, so that timers
; tick but nothing interrupts the CPU).
; EXPECT: spinning
; STATUS: 124
; ARGS: -no-reboot --timeout 0.5
%include "lib.inc"

start:
    REAL_INIT
    PUTSLN 'spinning'
    mov ecx, 2000000
.busy:
    loop .busy
    mov al, 0x11                ; 8259A pair: ICW1-ICW4, then mask everything
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01
    out 0x21, al
    out 0xa1, al
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    mov al, 0x34                ; 8254 channel 0, mode 2, count 65536
    out 0x43, al
    xor al, al
    out 0x40, al
    out 0x40, al
    sti                         ; then idle with interrupts on
.idle:
    hlt
    jmp .idle

    ROM_END
