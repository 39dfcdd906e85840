; A hard disk boot sector for SeaBIOS (-hda) that uses the BIOS services:
; the MBR at 0:7C00 loads the rest of the program (LBA 1..) through INT 13h
; (EDD AH=42h, falling back to CHS AH=02h), checks its signature and runs the
; checks of bios_services.inc -- INT 10h, INT 1Ah date and timer ticks,
; INT 16h keys typed by the test -- with results on COM1 and the exit port.
; The whole 1 MiB disk image is this file (ctest guest.seabios_bootsector).
bits 16
org 0x7c00

%define COM1 0x3f8
%define EXIT_PORT 0xf4
%define PASS_CODE 0x10
%define FAIL_CODE 0x11
%define STAGE2_SECTORS ((stage2_end - stage2) / 512)
%define STAGE2_MAGIC 0x3638787620324b4f ; "OK2 vx86" little endian

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
    call mbr_puts

    ; The rest of the program, LBA 1.., right behind this sector at 0:7E00:
    ; EDD read first (Phoenix EDD 3.0, INT 13h AH=42h), CHS if that fails.
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    jnc .loaded
    mov ax, 0x0200 + STAGE2_SECTORS   ; read STAGE2_SECTORS sectors
    mov cx, 0x0002                    ; cylinder 0, sector 2
    xor dh, dh                        ; head 0
    mov dl, [drive]
    mov bx, stage2
    int 0x13
    jc mbr_fail
.loaded:
    cmp dword [stage2_magic], STAGE2_MAGIC & 0xffffffff
    jne mbr_fail
    cmp dword [stage2_magic + 4], STAGE2_MAGIC >> 32
    jne mbr_fail
    jmp stage2

mbr_fail:
    mov si, msg_mbr_fail
    call mbr_puts
    mov al, FAIL_CODE
    out EXIT_PORT, al
    cli
    hlt

mbr_puts:                             ; DS:SI to COM1, polled
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20                     ; LSR.THRE
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp mbr_puts
.done:
    ret

; EDD disk address packet: STAGE2_SECTORS sectors from LBA 1 to 0:7E00.
dap:
    db 0x10, 0
    dw STAGE2_SECTORS
    dw stage2, 0
    dq 1
drive: db 0x80
msg_boot:     db 'BOOT: booted from hard disk', 10, 0
msg_mbr_fail: db 'BOOT: loading the rest failed', 10, 0

    times 446 - ($ - $$) db 0
    times 64 db 0                     ; partition table: empty
    db 0x55, 0xaa

; --- LBA 1..: loaded by the boot sector ---
stage2:
    mov si, msg_loaded
    call serial_puts
    jmp bios_services

fail:
    mov si, msg_fail
    call serial_puts
    mov al, FAIL_CODE
    out EXIT_PORT, al
    cli
    hlt

%include "bios_io.inc"
%define SCREEN_TITLE 'vx86 boot sector'
%include "bios_services.inc"

msg_loaded: db 'BOOT: stage 2 loaded through INT 13h', 10, 0

    align 512, db 0
    times 504 db 0                    ; a whole sector that must be read too
stage2_magic: dq STAGE2_MAGIC         ; last 8 bytes of the last sector
stage2_end:

    times 1024 * 1024 - ($ - $$) db 0 ; a 1 MiB disk
