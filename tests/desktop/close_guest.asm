; The guest of desktop.sdl_close (sdl_close.sh), a hard disk boot sector
; for SeaBIOS (-hda): writes LBA 1 through INT 13h, says READY on COM1,
; then waits in HLT for the ACPI power button (PM1 status PWRBTN_STS, ACPI
; 4.8.3.1.1; the PIIX4 PM block's base from PCI 00:01.3 register 40h,
; 290562 3.3.1), writes LBA 2, and powers off through S5 (PM1 control
; SLP_TYP = 0, the DSDT's \_S5, with SLP_EN). Each sector written holds a
; line of text and then bytes i & 0xFF up to its end (i = offset).
; With -DIGNORE it never looks at the power button (a guest without ACPI
; support): it idles in HLT after READY.
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
    mov si, text1
    mov cx, 0x0002                    ; CHS 0/0/2 = LBA 1
    call write_sector
    mov si, msg_ready
    call puts
%ifdef IGNORE
.idle:
    hlt
    jmp .idle
%endif

    mov dx, 0xcf8                     ; PMBA of 00:01.3
    mov eax, 0x80000b40
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    and ax, 0xffc0
    jz fail
    mov [pmbase], ax
.wait:
    hlt
    mov dx, [pmbase]
    in ax, dx
    test ax, 0x0100                   ; PWRBTN_STS
    jz .wait
    mov ax, 0x0100                    ; write 1 to clear
    out dx, ax
    mov si, msg_button
    call puts
    mov si, text2
    mov cx, 0x0003                    ; LBA 2
    call write_sector
    mov dx, [pmbase]
    add dx, 4                         ; PM1 control: S5
    mov ax, 0x2000
    out dx, ax
fail:
    mov si, msg_fail
    call puts
.stop:
    cli
    hlt
    jmp .stop

; Fill BUF with the text at SI and then bytes i & 0xFF, write it to the
; sector CX (CHS, cylinder 0 head 0) of the boot drive.
write_sector:
    push cx
    mov di, BUF
    xor bx, bx
.fill:
    mov al, bl
    stosb
    inc bx
    cmp bx, 512
    jb .fill
    mov di, BUF
.copy:
    lodsb
    test al, al
    jz .copied
    stosb
    jmp .copy
.copied:
    pop cx
    mov ax, 0x0301
    xor dh, dh
    mov dl, [drive]
    mov bx, BUF
    int 0x13
    jc fail
    ret

puts:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + 5
.busy:
    in al, dx
    test al, 0x20
    jz .busy
    mov dx, COM1
    mov al, ah
    out dx, al
    jmp puts
.done:
    ret

drive:      db 0
pmbase:     dw 0
text1:      db 'vx86 close test: written before the close', 10, 0
text2:      db 'vx86 close test: written after the power button', 10, 0
msg_ready:  db 'READY', 10, 0
msg_button: db 'POWER BUTTON', 10, 0
msg_fail:   db 'FAIL', 10, 0

    times 510 - ($ - $$) db 0
    dw 0xaa55
