; A hard disk boot sector for SeaBIOS (-hda): prints to COM1, reads two
; more sectors through INT 13h (CHS AH=02h and LBA AH=42h) and checks their
; markers, writes two sectors (AH=03h, AH=43h) that disk_test.sh then finds
; in the image file, and exits through port 0xF4 with PASS.
; Image layout (built by disk_test.sh): LBA 0 this sector, LBA 1 and 2 the
; markers below, LBA 3 and 4 written by the guest.
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

    ; CHS read: cylinder 0, head 0, sector 2 (= LBA 1) to 0:8000.
    mov ax, 0x0201
    mov cx, 0x0002
    xor dh, dh
    mov dl, [drive]
    mov bx, BUF
    int 0x13
    jc fail
    mov si, BUF
    mov di, marker1
    call check
    mov si, msg_chs
    call puts

    ; LBA read through the EDD packet: LBA 2.
    mov word [dap_count], 1
    mov dword [dap_lba], 2
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc fail
    mov si, BUF
    mov di, marker2
    call check
    mov si, msg_lba
    call puts

    ; Fill the buffer with a pattern: "vx86 written by INT 13h " ...
    mov di, BUF
    mov cx, 512 / 16
.fill:
    mov si, pattern
    movsd
    movsd
    movsd
    movsd
    loop .fill
    ; CHS write: sector 4 = LBA 3.
    mov ax, 0x0301
    mov cx, 0x0004
    xor dh, dh
    mov dl, [drive]
    mov bx, BUF
    int 0x13
    jc fail
    ; LBA write: LBA 4, with the first byte changed to tell them apart.
    mov byte [BUF], 'V'
    mov word [dap_count], 1
    mov dword [dap_lba], 4
    mov ax, 0x4300
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc fail
    mov si, msg_write
    call puts
    mov si, msg_pass
    call puts
    mov al, 0x10                      ; PASS: exit status 33
    out 0xf4, al
    hlt

fail:
    mov si, msg_fail
    call puts
    mov al, 0x11
    out 0xf4, al
    hlt

; Compare the NUL-terminated string at DI with DS:SI; fail on a mismatch.
check:
    mov al, [di]
    test al, al
    jz .ok
    cmp al, [si]
    jne fail
    inc si
    inc di
    jmp check
.ok:
    ret

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
dap_count:  dw 1
            dw BUF, 0
dap_lba:    dq 0
drive:      db 0
pattern:    db 'vx86 INT 13h wr '
marker1:    db 'vx86 disk sector 1', 0
marker2:    db 'vx86 disk sector 2', 0
msg_boot:   db 'disk: booted', 13, 10, 0
msg_chs:    db 'disk: CHS read ok', 13, 10, 0
msg_lba:    db 'disk: LBA read ok', 13, 10, 0
msg_write:  db 'disk: writes done', 13, 10, 0
msg_pass:   db 'disk: PASS', 13, 10, 0
msg_fail:   db 'disk: FAIL', 13, 10, 0

    times 510 - ($ - $$) db 0
    dw 0xaa55
