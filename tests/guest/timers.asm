; The PC's timers from real-mode code, on deterministic time: the 8254's
; counter latch and read-back, IRQ0 waking HLT through the 8259A, channel 2
; gated by port 0x61 (OUT2 and the refresh toggle), the PIC's poll command,
; and the MC146818: the time set by -rtc base in BCD, the periodic interrupt
; (IRQ8 through the slave), update-ended and alarm interrupts and the date
; rolling over. Also meaningful on a PC (apart from the RTC's start time).
; Other implementations: QEMU 7.2 needs `-M isapc -cpu 486` (its LAPIC masks
; the PIC's INTR at reset) and then disagrees only on "out2" (its mode 0
; control word leaves OUT high; the 8254 datasheet sets it low, as Bochs
; does); Bochs 2.7 omits bit 7 of the poll byte (datasheet: I = 1) and counts
; 8 periodic interrupts instead of about 10; otherwise both print these lines.
; EXPECT: pit latch ok
; EXPECT: irq0 3
; EXPECT: status 34
; EXPECT: out2 ok
; EXPECT: poll 80
; EXPECT: rtc 2024-02-29 23:59:58 wd 05
; EXPECT: periodic ok
; EXPECT: rtc 2024-03-01 00:00:00 wd 06
; EXPECT: alarm 00:00:02 C=A0
; EXPECT: PASS
; ARGS: -no-reboot -icount shift=0 -rtc base=2024-02-29T23:59:58 --timeout 60
%include "lib.inc"

%define TICKS   SCRATCH         ; IRQ0 count
%define RTCN    SCRATCH + 4     ; IRQ8 count
%define RTCC    SCRATCH + 8     ; register C bits seen by the IRQ8 handler (ORed)
%define LATCH1  SCRATCH + 12
%define LATCH2  SCRATCH + 16

start:
    REAL_INIT
    mov dword [TICKS], 0
    mov dword [RTCN], 0
    mov dword [RTCC], 0
    mov word [0x08 * 4], irq0
    mov word [0x08 * 4 + 2], cs
    mov word [0x70 * 4], irq8
    mov word [0x70 * 4 + 2], cs
    ; 8259A pair as a PC BIOS programs it; IRQ0 and the cascade unmasked.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x70
    out 0xa1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01
    out 0x21, al
    out 0xa1, al
    mov al, 0xfa
    out 0x21, al
    mov al, 0xff
    out 0xa1, al

    ; --- PIT channel 0, mode 2, 1193 counts (1 ms); the latched count falls.
    mov al, 0x34
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    mov cx, 1000            ; let the count load (the next CLK)
.load:
    loop .load
    call latch0
    mov [LATCH1], eax
    mov cx, 3000
.spin:
    loop .spin
    call latch0
    mov [LATCH2], eax
    mov eax, [LATCH1]       ; both within the period, and time moved
    cmp eax, [LATCH2]
    je .badlatch
    call in_period
    jc .badlatch
    mov eax, [LATCH2]
    call in_period
    jc .badlatch
    PUTSLN 'pit latch ok'
    jmp .irq0
.badlatch:
    PUTHEX dword [LATCH1], 4
    PUTS ' '
    PUTHEX dword [LATCH2], 4
    NEWLINE
    FAIL 'latched counts do not fall'

    ; --- IRQ0 wakes HLT, three times.
.irq0:
    sti
    hlt
    hlt
    hlt
    cli
    PUTS 'irq0 '
    PUTHEX dword [TICKS], 1
    NEWLINE

    ; --- read-back: status of channel 0 (OUT masked: it depends on when).
    mov al, 0xe2
    out 0x43, al
    in al, 0x40
    and eax, 0x7f
    PUTS 'status '
    PUTHEX eax, 2
    NEWLINE

    ; --- channel 2, mode 0, gate on: OUT2 rises after 1193 CLKs; the
    ; refresh bit toggles meanwhile.
    mov al, 0x01
    out 0x61, al
    mov al, 0xb0
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x42, al
    mov al, 1193 >> 8
    out 0x42, al
    xor ebx, ebx            ; BL: refresh values seen (bit 0: 0 seen, bit 1: 1 seen)
    mov ecx, 0x100000
.out2:
    in al, 0x61
    test al, 0x10
    setnz dl
    inc dl
    or bl, dl
    test al, 0x20
    jnz .out2_high
    a32 loop .out2
    FAIL 'OUT2 never rose'
.out2_high:
    CHECK ebx, 3, 'refresh toggle seen both ways'
    mov al, 0xb0            ; a new control word drops OUT2 (mode 0)
    out 0x43, al
    in al, 0x61
    test al, 0x20
    jz .out2_ok
    FAIL 'OUT2 high after a mode 0 control word'
.out2_ok:
    PUTSLN 'out2 ok'

    ; --- poll command with interrupts off: IR0 comes up as 0x80.
    mov ecx, 0x100000
.poll:
    mov al, 0x0c
    out 0x20, al
    in al, 0x20
    test al, 0x80
    jnz .polled
    a32 loop .poll
    FAIL 'poll never saw IRQ0'
.polled:
    and eax, 0xff
    PUTS 'poll '
    PUTHEX eax, 2
    NEWLINE
    mov al, 0x20            ; the poll acknowledged it: EOI
    out 0x20, al

    ; --- RTC: the time -rtc base gave, in BCD 24 h (registers A and B as a
    ; BIOS leaves them).
    mov al, 0x26
    mov ah, 0x0a
    call rtc_write
    mov al, 0x02
    mov ah, 0x0b
    call rtc_write
    call print_date

    ; --- periodic interrupt at 1024 Hz for 10 PIT ticks: about 10.
    mov ah, 0x0c
    call rtc_read
    mov al, 0xfe            ; unmask IRQ8 on the slave
    out 0xa1, al
    mov al, 0x42
    mov ah, 0x0b
    call rtc_write
    mov dword [TICKS], 0
    mov dword [RTCN], 0
    sti
.tenms:
    hlt
    cmp dword [TICKS], 10
    jb .tenms
    cli
    mov eax, [RTCN]
    cmp eax, 9
    jb .badrate
    cmp eax, 11
    ja .badrate
    PUTSLN 'periodic ok'
    jmp .update
.badrate:
    PUTHEX dword [RTCN], 8
    NEWLINE
    FAIL 'periodic rate'

    ; --- update-ended interrupts: two updates later it is midnight.
.update:
    mov al, 0x12            ; UIE only
    mov ah, 0x0b
    call rtc_write
    mov ah, 0x0c
    call rtc_read
    mov dword [RTCN], 0
    sti
.upd:
    hlt
    cmp dword [RTCN], 2
    jb .upd
    cli
    call print_date

    ; --- alarm at 00:00:02.
    mov al, 0x02
    mov ah, 0x01
    call rtc_write
    mov al, 0x00
    mov ah, 0x03
    call rtc_write
    mov al, 0x00
    mov ah, 0x05
    call rtc_write
    mov al, 0x22            ; AIE only
    mov ah, 0x0b
    call rtc_write
    mov ah, 0x0c
    call rtc_read
    mov dword [RTCN], 0
    mov dword [RTCC], 0
    sti
.alarm:
    hlt
    cmp dword [RTCN], 1
    jb .alarm
    cli
    PUTS 'alarm '
    mov ah, 0x04
    call rtc_read
    PUTHEX eax, 2
    PUTS ':'
    mov ah, 0x02
    call rtc_read
    PUTHEX eax, 2
    PUTS ':'
    mov ah, 0x00
    call rtc_read
    PUTHEX eax, 2
    mov eax, [RTCC]
    and eax, 0xa0           ; IRQF and AF (PF and UF are flagged too, not enabled)
    PUTS ' C='
    PUTHEX eax, 2
    NEWLINE
    PASS

; EAX = channel 0's count, latched.
latch0:
    xor eax, eax
    out 0x43, al            ; counter latch command, channel 0
    in al, 0x40
    mov ah, al
    in al, 0x40
    xchg al, ah
    ret

; CF = EAX is not a mode 2 count of a 1193 period (1..1193).
in_period:
    cmp eax, 1
    jb .no
    cmp eax, 1193
    ja .no
    clc
    ret
.no:
    stc
    ret

; AL = RTC register AH (zero-extended into EAX).
rtc_read:
    mov al, ah
    out 0x70, al
    in al, 0x71
    movzx eax, al
    ret

; RTC register AH = AL.
rtc_write:
    xchg al, ah
    out 0x70, al
    xchg al, ah
    out 0x71, al
    ret

; Print "rtc CCYY-MM-DD hh:mm:ss wd WW", reading outside the update cycle.
print_date:
.uip:
    mov ah, 0x0a
    call rtc_read
    test al, 0x80
    jnz .uip
    PUTS 'rtc '
    mov ah, 0x32
    call rtc_read
    PUTHEX eax, 2
    mov ah, 0x09
    call rtc_read
    PUTHEX eax, 2
    PUTS '-'
    mov ah, 0x08
    call rtc_read
    PUTHEX eax, 2
    PUTS '-'
    mov ah, 0x07
    call rtc_read
    PUTHEX eax, 2
    PUTS ' '
    mov ah, 0x04
    call rtc_read
    PUTHEX eax, 2
    PUTS ':'
    mov ah, 0x02
    call rtc_read
    PUTHEX eax, 2
    PUTS ':'
    mov ah, 0x00
    call rtc_read
    PUTHEX eax, 2
    PUTS ' wd '
    mov ah, 0x06
    call rtc_read
    PUTHEX eax, 2
    NEWLINE
    ret

irq0:
    push ax
    inc dword [TICKS]
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

irq8:
    push ax
    mov al, 0x0c            ; reading C acknowledges the RTC
    out 0x70, al
    in al, 0x71
    or [RTCC], al
    inc dword [RTCN]
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop ax
    iret

    ROM_END
