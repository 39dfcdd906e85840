; An El Torito no-emulation boot image (-cdrom, -boot d): SeaBIOS loads it
; at 0:7C00 with DL the CD-ROM's drive number; it prints to COM1, reads the
; ISO's sector 24 (2048 bytes) through INT 13h AH=42h, checks the marker
; mkiso put there, and exits through port 0xF4 with PASS.
bits 16
org 0x7c00

%define COM1 0x3f8
%define BUF 0x8000

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    cld
    mov [drive], dl
    mov si, msg_boot
    call puts
    cmp byte [drive], 0xe0            ; SeaBIOS numbers CD-ROMs from E0h
    jb fail
    ; The image is 2048 bytes: the tail of it must have been loaded too.
    cmp dword [tail], 'TAIL'
    jne fail
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc fail
    mov si, BUF
    mov di, marker
.cmp:
    mov al, [di]
    test al, al
    jz .ok
    cmp al, [si]
    jne fail
    inc si
    inc di
    jmp .cmp
.ok:
    mov si, msg_read
    call puts
    mov si, msg_pass
    call puts
    mov al, 0x10
    out 0xf4, al
    hlt

fail:
    mov si, msg_fail
    call puts
    mov al, 0x11
    out 0xf4, al
    hlt

puts:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp puts
.done:
    ret

dap:        db 16, 0
            dw 1                      ; one 2048-byte sector
            dw BUF, 0
            dq 24
drive:      db 0
marker:     db 'vx86 cdrom sector 24', 0
msg_boot:   db 'cdrom: booted', 13, 10, 0
msg_read:   db 'cdrom: sector 24 read ok', 13, 10, 0
msg_pass:   db 'cdrom: PASS', 13, 10, 0
msg_fail:   db 'cdrom: FAIL', 13, 10, 0

    times 2044 - ($ - $$) db 0
tail:
    db 'TAIL'
