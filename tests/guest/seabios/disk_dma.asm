; A hard disk boot sector that drives the PIIX3 IDE bus master itself, as
; Linux's ata_piix does: BAR 4 from PCI config space, a PRD table, READ DMA
; of LBA 1-2 and WRITE DMA of LBA 3-4, each completed by IRQ 14 (vector
; 76h). The markers read must match; disk_test.sh then checks the writes in
; the image (same contents as disk_boot.asm writes through INT 13h).
bits 16
org 0x7c00

%define COM1 0x3f8
%define PRD 0x9000
%define BUF_SEG 0x1000                ; buffer at physical 0x10000

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    cld
    mov si, msg_boot
    call puts
    ; BAR 4 of 00:01.1 (config address 80000920h), I/O + bus master on.
    mov eax, 0x80000920
    mov dx, 0xcf8
    out dx, eax
    mov dl, 0xfc
    in eax, dx
    and ax, 0xfffc
    mov [bm], ax
    mov eax, 0x80000904
    mov dl, 0xf8
    out dx, eax
    mov dl, 0xfc
    in ax, dx
    or ax, 5
    out dx, ax
    ; IRQ 14: our handler, unmasked on both PICs.
    mov word [0x76 * 4], irq14
    mov word [0x76 * 4 + 2], 0
    in al, 0xa1
    and al, ~0x40
    out 0xa1, al
    in al, 0x21
    and al, ~0x04
    out 0x21, al
    ; One PRD entry: 1 KiB at 0x10000, end of table.
    mov dword [PRD], 0x10000
    mov dword [PRD + 4], 0x80000400
    mov al, 0x00
    mov dx, 0x3f6                     ; nIEN off
    out dx, al

    mov bl, 0x08                      ; bus master writes memory
    mov al, 0xc8                      ; READ DMA, LBA 1, 2 sectors
    mov cl, 1
    call dma
    push ds
    mov ax, BUF_SEG
    mov ds, ax
    cmp dword [0], 'vx86'
    jne fail
    cmp dword [0x200 + 14], 'or 2'    ; "vx86 disk sector 2"
    jne fail
    ; The pattern disk_boot.asm writes, for LBA 3 and 4.
    xor di, di
    mov es, ax
    xor si, si
.fill:
    mov al, [cs:pattern + si]
    stosb
    inc si
    and si, 15
    cmp di, 1024
    jne .fill
    mov byte [0x200], 'V'
    pop ds
    mov si, msg_read
    call puts

    mov bl, 0x00                      ; bus master reads memory
    mov al, 0xca                      ; WRITE DMA, LBA 3, 2 sectors
    mov cl, 3
    call dma
    mov si, msg_write
    call puts
    mov si, msg_pass
    call puts
    mov al, 0x10
    out 0xf4, al
    hlt

; AL = command, CL = LBA, BL = bus master direction; 2 sectors, waits for
; IRQ 14 and checks the bus master's status (interrupt, no error).
dma:
    mov bh, al
    mov dx, [bm]
    mov al, bl
    out dx, al                        ; stopped, direction
    add dx, 2
    mov al, 6
    out dx, al                        ; clear interrupt and error
    add dx, 2
    mov eax, PRD
    out dx, eax
    mov dx, 0x1f6
    mov al, 0xe0
    out dx, al
    mov dl, 0xf2
    mov al, 2
    out dx, al
    inc dx
    mov al, cl
    out dx, al
    inc dx
    xor al, al
    out dx, al
    inc dx
    out dx, al
    mov dl, 0xf7
    mov byte [irq_seen], 0
    mov al, bh
    out dx, al                        ; the command
    mov dx, [bm]
    mov al, bl
    or al, 1
    out dx, al                        ; start
    sti
.wait:
    hlt
    cmp byte [irq_seen], 0
    je .wait
    cli
    mov dx, [bm]
    mov al, 0
    out dx, al                        ; stop
    mov al, [bm_status]
    and al, 7
    cmp al, 4                         ; interrupt, not active, no error
    jne fail
    cmp byte [ide_status], 0x50
    jne fail
    ret

irq14:
    push ax
    push dx
    mov dx, [cs:bm]
    add dx, 2
    in al, dx
    mov [cs:bm_status], al
    mov dx, 0x1f7
    in al, dx                         ; acknowledges INTRQ
    mov [cs:ide_status], al
    mov byte [cs:irq_seen], 1
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop dx
    pop ax
    iret

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

bm:         dw 0
bm_status:  db 0
ide_status: db 0
irq_seen:   db 0
pattern:    db 'vx86 INT 13h wr '
msg_boot:   db 'dma: booted', 13, 10, 0
msg_read:   db 'dma: READ DMA ok', 13, 10, 0
msg_write:  db 'dma: WRITE DMA ok', 13, 10, 0
msg_pass:   db 'dma: PASS', 13, 10, 0
msg_fail:   db 'dma: FAIL', 13, 10, 0

    times 510 - ($ - $$) db 0
    dw 0xaa55
