; The FADT's reset register under -no-reboot: writing RESET_VALUE (0x06) to
; RESET_REG (I/O port 0xCF9) asks for a reset, which -no-reboot turns into
; the end of the run with status 0, as QEMU does (without -no-reboot the
; machine resets: guest.reset and guest.seabios_reboot).
; EXPECT: resetting
; STATUS: 0
%include "lib.inc"

start:
    REAL_INIT
    PUTSLN 'resetting'
    mov dx, 0xcf9
    mov al, 0x06
    out dx, al
    FAIL 'still running after the reset register write'

    ROM_END
