; COM1 input: the guest polls the 16550's line status and echoes a line it
; receives to the debug console. Alone (no input on COM1) it waits until
; --timeout; batch_cli.cmake runs it with `-serial stdio` and a line on stdin.
; EXPECT: waiting
; STATUS: 124
; ARGS: -no-reboot -serial none --timeout 0.3
%include "lib.inc"

%define COM1 0x3f8

start:
    REAL_INIT
    PUTSLN 'waiting'
    xor bx, bx                  ; bytes received
.next:
    mov dx, COM1 + 5            ; LSR: bit 0 = data ready
    in al, dx
    test al, 1
    jz .next
    test bx, bx
    jnz .echo
    PUTS 'got: '
.echo:
    inc bx
    mov dx, COM1                ; RBR
    in al, dx
    out DEBUGCON_PORT, al
    cmp al, 10
    jne .next
    PASS

    ROM_END
