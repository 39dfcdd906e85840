; -rtc base=DATE reaches the MC146818: the guest reads the CMOS clock (BCD,
; 24-hour, the power-on format) and prints it. Under -icount the few
; microseconds of the test do not move the minute.
; EXPECT: RTC 2006-06-17 16:01
; EXPECT: PASS
; ARGS: -no-reboot -icount 0 -rtc base=2006-06-17T16:01:21
%include "lib.inc"

start:
    REAL_INIT
.uip:
    mov al, 0x0a                ; register A: wait while an update is in progress
    out 0x70, al
    in al, 0x71
    test al, 0x80
    jnz .uip
    PUTS 'RTC '
    mov al, 0x32                ; century
    call cmos_bcd
    mov al, 0x09                ; year
    call cmos_bcd
    PUTS '-'
    mov al, 0x08                ; month
    call cmos_bcd
    PUTS '-'
    mov al, 0x07                ; day of month
    call cmos_bcd
    PUTS ' '
    mov al, 0x04                ; hours
    call cmos_bcd
    PUTS ':'
    mov al, 0x02                ; minutes
    call cmos_bcd
    NEWLINE
    PASS

cmos_bcd:                       ; print CMOS register AL as two BCD digits
    out 0x70, al
    in al, 0x71
    movzx eax, al
    PUTHEX eax, 2
    ret

    ROM_END
