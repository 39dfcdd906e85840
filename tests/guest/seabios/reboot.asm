; A reboot through the chipset: booted as an option ROM BEV (see bev.asm),
; the first time it notes the boot in a CMOS byte (CMOS survives resets)
; and resets the PC through the PIIX3 reset control register 0xCF9; SeaBIOS
; then starts over (the i440FX PAM registers back at power-on, so it copies
; itself into shadow RAM again) and boots it a second time, which reports
; on COM1 and exits through port 0xF4.
%define ROM_BLOCKS 2                  ; 1 KiB
%define PRODUCT 'vx86 reboot test'
%define CMOS_MARK 0x7f                ; an unused CMOS byte

%include "optionrom.inc"

cmos_read:                            ; AL = index -> AL = value
    out 0x70, al
    in al, 0x71
    ret

bev:
    push cs
    pop ds
    cld
    mov al, CMOS_MARK
    call cmos_read
    cmp al, 0xa5
    je .second
    mov si, msg_first
    call serial_puts
    mov al, CMOS_MARK
    out 0x70, al
    mov al, 0xa5
    out 0x71, al
    mov dx, 0xcf9
    mov al, 0x02                      ; SRST: hard reset ...
    out dx, al
    mov al, 0x06                      ; ... on RCPU 0 -> 1
    out dx, al
.hang:
    hlt
    jmp .hang
.second:
    mov si, msg_second
    call serial_puts
    mov al, CMOS_MARK                 ; leave CMOS as we found it
    out 0x70, al
    xor al, al
    out 0x71, al
    mov al, PASS_CODE
    out EXIT_PORT, al
    cli
    hlt

msg_first:  db 'first boot: reset through 0xCF9', 10, 0
msg_second: db 'second boot: PASS', 10, 0

    ROM_END
