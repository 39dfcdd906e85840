; A boot program without a disk: a PnP option ROM with a Bootstrap Entry
; Vector (BIOS Boot Specification 1.01, appendix A/C). SeaBIOS loads it from
; fw_cfg "genroms/" (QEMU -option-rom), calls its init entry, and with
; "-boot n" boots it first: it uses the BIOS services a boot sector would --
; INT 10h (teletype, cursor), INT 1Ah (RTC date, tick count, which the timer
; interrupt advances), INT 16h (keys the test types once COM1 says READY) --
; reports on COM1 and ends vx86 through the exit port 0xF4.
; The whole-ROM checksum is fixed after assembly (romsum).
%define ROM_BLOCKS 4                  ; 2 KiB
%define PRODUCT 'vx86 BEV test'
%include "optionrom.inc"

fail:
    mov si, msg_fail
    call serial_puts
    mov al, FAIL_CODE
    out EXIT_PORT, al
    cli
    hlt

; --- the boot ---
bev:
    push cs
    pop ds
    cld
    mov si, msg_booted
    call serial_puts

    ; INT 10h: teletype, then set the cursor and write there.
    mov si, msg_screen
    call video_puts
    mov ah, 0x02                      ; set cursor position
    xor bh, bh
    mov dx, 0x0a14                    ; row 10, column 20
    int 0x10
    mov si, msg_here
    call video_puts
    mov ah, 0x03                      ; read cursor position
    xor bh, bh
    int 0x10
    mov si, msg_cursor
    call serial_puts
    mov al, dh
    call serial_dec2
    mov al, ','
    call serial_putc
    mov al, dl
    call serial_dec2
    mov al, 10
    call serial_putc

    ; INT 1Ah: the RTC date (CMOS through the BIOS).
    mov ah, 0x04
    int 0x1a
    jc fail
    mov si, msg_date
    call serial_puts
    mov al, ch
    call serial_bcd
    mov al, cl
    call serial_bcd
    mov al, '-'
    call serial_putc
    mov al, dh
    call serial_bcd
    mov al, '-'
    call serial_putc
    mov al, dl
    call serial_bcd
    mov al, 10
    call serial_putc

    ; INT 1Ah: the tick count advances with the timer interrupt (IRQ 0,
    ; 18.2 Hz): wait in HLT for three ticks.
    sti
    xor ah, ah
    int 0x1a
    mov bx, dx
    mov di, 3
.tick:
    hlt
    xor ah, ah
    int 0x1a
    cmp dx, bx
    je .tick
    mov bx, dx
    dec di
    jnz .tick
    mov si, msg_ticks
    call serial_puts

    ; INT 16h: two keys typed by the test.
    mov si, msg_ready
    call serial_puts
    mov cx, 2
.key:
    xor ah, ah
    int 0x16
    mov si, msg_key
    call serial_puts
    call serial_putc
    mov al, 10
    call serial_putc
    loop .key

    mov si, msg_pass
    call serial_puts
    mov al, PASS_CODE
    out EXIT_PORT, al
    cli
    hlt

msg_booted: db 'BEV: booted from option ROM', 10, 0
msg_screen: db 'vx86 BEV: INT 10h teletype', 0
msg_here:   db 'here', 0
msg_cursor: db 'INT10: cursor ', 0
msg_date:   db 'INT1A: date ', 0
msg_ticks:  db 'INT1A: ticks advance', 10, 0
msg_ready:  db 'READY', 10, 0
msg_key:    db 'INT16: ', 0
msg_pass:   db 'PASS', 10, 0
msg_fail:   db 'FAIL', 10, 0

    ROM_END
