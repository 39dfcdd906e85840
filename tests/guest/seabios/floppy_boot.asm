; A two-sector floppy boot program for SeaBIOS (-fda): the boot sector
; prints to COM1 and loads its second half (sector 1) through INT 13h
; AH=02h; that asks AH=08h for the drive geometry and checks it against
; what floppy_test.sh put in sector 2, reads sectors 2-4 in one call and
; sector 40 (another track), writes sector 50 (AH=03h) and reads it back,
; then exits through port 0xF4 with PASS. When sector 4 starts with 'R' the
; disk is expected to be write-protected: the write must fail with AH=03h.
; Sector numbers are LBAs, converted to CHS with the AH=08h geometry.
bits 16
org 0x7c00

%define COM1 0x3f8
%define BUF  0x8000
%define BUF2 0x9000

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
    ; The second sector (C0 H0 S2) follows this one at 0x7E00.
    mov ax, 0x0201
    mov cx, 0x0002
    xor dh, dh
    mov dl, [drive]
    mov bx, main
    int 0x13
    jc fail
    jmp main

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

; INT 13h [op] of CL sectors from LBA AX to ES:BX, via CHS from the
; geometry. CF and AH as INT 13h returns them.
rw_lba:
    push cx
    xor dx, dx
    movzx cx, byte [spt]
    div cx                            ; AX = track, DX = sector - 1
    inc dl
    mov [sec], dl
    xor dx, dx
    movzx cx, byte [heads]
    div cx                            ; AX = cylinder, DX = head
    mov ch, al
    mov dh, dl
    pop ax                            ; AL = count
    mov cl, [sec]
    mov ah, [op]
    mov dl, [drive]
    int 0x13
    ret

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

type:       db 0
maxcyl:     db 0
spt:        db 0
heads:      db 0
sec:        db 0
op:         db 0
pattern:    db 'vx86 floppy wr. '
marker2:    db 'vx86 floppy sector 2', 0
marker3:    db 'vx86 floppy sector 3', 0
marker40:   db 'vx86 floppy sector 40', 0
drive:      db 0
msg_boot:   db 'floppy: booted', 13, 10, 0
msg_fail:   db 'floppy: FAIL', 13, 10, 0

    times 510 - ($ - $$) db 0
    dw 0xaa55

main:
    ; Geometry: BL type, CL max sector, DH max head, CH max cylinder.
    mov ah, 0x08
    mov dl, [drive]
    int 0x13
    jc fail
    push ds                           ; AH=08h points ES:DI at the parameter table
    pop es
    mov [type], bl
    mov [maxcyl], ch
    and cl, 0x3f
    mov [spt], cl
    inc dh
    mov [heads], dh

    ; Sectors 2-4 in one call.
    mov ax, 2
    mov cl, 3
    mov bx, BUF
    mov byte [op], 0x02
    call rw_lba
    jc fail
    mov si, BUF
    mov di, marker2
    call check
    mov si, BUF + 512
    mov di, marker3
    call check
    ; Sector 2 holds the expected type and sectors per track at offset 32.
    mov al, [BUF + 32]
    cmp al, [type]
    jne fail
    mov al, [BUF + 33]
    cmp al, [spt]
    jne fail
    cmp byte [heads], 2
    jne fail
    cmp byte [maxcyl], 79
    jne fail
    mov si, msg_geo
    call puts
    mov si, msg_read
    call puts

    ; Sector 40: on another track for every size (needs a seek).
    mov ax, 40
    mov cl, 1
    mov bx, BUF2
    mov byte [op], 0x02
    call rw_lba
    jc fail
    mov si, BUF2
    mov di, marker40
    call check
    mov si, msg_seek
    call puts

    ; Write sector 50: "vx86 floppy write " repeated.
    mov di, BUF2
    mov cx, 512 / 16
.fill:
    mov si, pattern
    movsd
    movsd
    movsd
    movsd
    loop .fill
    mov ax, 50
    mov cl, 1
    mov bx, BUF2
    mov byte [op], 0x03
    call rw_lba
    pushf
    cmp byte [BUF + 1024], 'R'
    je .readonly
    popf
    jc fail
    mov si, msg_write
    call puts
    ; Read it back into BUF and compare all 512 bytes.
    mov ax, 50
    mov cl, 1
    mov bx, BUF
    mov byte [op], 0x02
    call rw_lba
    jc fail
    mov si, BUF
    mov di, BUF2
    mov cx, 512
    repe cmpsb
    jne fail
    mov si, msg_back
    call puts
    jmp pass
.readonly:
    popf
    jnc fail
    cmp ah, 0x03                      ; write protected
    jne fail
    mov si, msg_wp
    call puts
pass:
    mov si, msg_pass
    call puts
    mov al, 0x10                      ; PASS: exit status 33
    out 0xf4, al
    hlt

msg_geo:    db 'floppy: geometry ok', 13, 10, 0
msg_read:   db 'floppy: read ok', 13, 10, 0
msg_seek:   db 'floppy: seek read ok', 13, 10, 0
msg_write:  db 'floppy: write ok', 13, 10, 0
msg_back:   db 'floppy: read back ok', 13, 10, 0
msg_wp:     db 'floppy: write protected', 13, 10, 0
msg_pass:   db 'floppy: PASS', 13, 10, 0

    times 1024 - ($ - $$) db 0
