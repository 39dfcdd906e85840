; VGA through the real VGA BIOS (SeaVGABIOS, vgabios-stdvga.bin): a PnP
; option ROM booted by SeaBIOS ("-boot n", fw_cfg genroms/) that sets modes
; with INT 10h and checks what the VGA stores -- mode 13h and 12h pixels
; written through memory and through INT 10h AH=0Ch, read back both ways,
; a 32-bit store, a write mode 1 latch copy with REP MOVSB;
; VBE 2.0 controller and mode information, a banked 640x480x8 VBE mode;
; then mode 3 again with a line of text for the screen dump. Progress goes
; to the debug console (port 0xE9), the result to the exit port 0xF4.
; The option ROM header and checksum come from optionrom.inc.
%define ROM_BLOCKS 4                  ; 2 KiB
%define PRODUCT 'vx86 VGA test'
%include "optionrom.inc"

%define DEBUGCON 0xe9
%define BUF_SEG 0x2000                ; scratch RAM for VBE info blocks

puts:                                 ; CS:SI to the debug console
    push ax
.next:
    cs lodsb
    test al, al
    jz .done
    out DEBUGCON, al
    jmp .next
.done:
    pop ax
    ret

fail:                                 ; SI = what failed
    call puts
    mov si, msg_fail
    call puts
    mov al, FAIL_CODE
    out EXIT_PORT, al
    cli
    hlt

%macro CHECK 2                        ; jump-if-not-equal condition, message
    %1 %%ok
    mov si, %2
    jmp fail
%%ok:
%endmacro

bev:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    sti
    cld

    ; --- mode 13h: 320x200, 256 colours, linear at A000 ---
    mov ax, 0x0013
    int 0x10
    mov ax, 0xa000
    mov es, ax
    mov byte [es:10 * 320 + 5], 0x0c
    mov ah, 0x0d                      ; read pixel (5, 10)
    mov bh, 0
    mov cx, 5
    mov dx, 10
    int 0x10
    cmp al, 0x0c
    CHECK je, msg_m13_read
    mov ax, 0x0c21                    ; write pixel (7, 3) colour 0x21
    mov bh, 0
    mov cx, 7
    mov dx, 3
    int 0x10
    cmp byte [es:3 * 320 + 7], 0x21
    CHECK je, msg_m13_write
    mov dword [es:199 * 320 + 316], 0x04030201 ; a 32-bit store: four pixels
    mov ah, 0x0d
    mov bh, 0
    mov cx, 318
    mov dx, 199
    int 0x10
    cmp al, 3
    CHECK je, msg_m13_dword
    mov si, msg_m13_ok
    call puts

    ; --- mode 12h: 640x480, 16 colours, planar ---
    mov ax, 0x0012
    int 0x10
    mov ax, 0x0c09                    ; pixel (100, 50) colour 9
    mov bh, 0
    mov cx, 100
    mov dx, 50
    int 0x10
    mov ah, 0x0d
    int 0x10
    cmp al, 9
    CHECK je, msg_m12_read
    ; planes 0 and 3 hold the pixel: read map select through the GC
    mov dx, 0x3ce
    mov ax, 0x0304                    ; GR04 = 3: plane 3
    out dx, ax
    mov al, [es:50 * 80 + 100 / 8]
    cmp al, 0x80 >> (100 % 8)
    CHECK je, msg_m12_plane
    mov ax, 0x0104                    ; plane 1: clear
    out dx, ax
    cmp byte [es:50 * 80 + 100 / 8], 0
    CHECK je, msg_m12_plane
    ; copy row 50 to row 60 with REP MOVSB in write mode 1 (each read
    ; loads the four latches, each write stores them): the classic scroll
    mov ax, 0x0105                    ; GR05 = 1: write mode 1
    out dx, ax
    push ds
    push es
    pop ds
    mov si, 50 * 80
    mov di, 60 * 80
    mov cx, 80
    rep movsb
    pop ds
    mov ax, 0x0005                    ; write mode 0
    out dx, ax
    mov ah, 0x0d
    mov bh, 0
    mov cx, 100
    mov dx, 60
    int 0x10
    cmp al, 9
    CHECK je, msg_m12_copy
    mov si, msg_m12_ok
    call puts

    ; --- VBE: controller info, mode 101h info, set it banked ---
    mov ax, BUF_SEG
    mov es, ax
    xor di, di
    mov dword [es:di], 'VBE2'
    mov ax, 0x4f00
    int 0x10
    cmp ax, 0x004f
    CHECK je, msg_vbe_info
    cmp dword [es:0], 'VESA'
    CHECK je, msg_vbe_info
    cmp word [es:4], 0x0200
    CHECK jae, msg_vbe_info
    mov di, 0x200
    mov ax, 0x4f01
    mov cx, 0x101
    int 0x10
    cmp ax, 0x004f
    CHECK je, msg_vbe_mode
    cmp word [es:0x200 + 0x12], 640   ; XResolution
    CHECK je, msg_vbe_mode
    cmp byte [es:0x200 + 0x19], 8     ; BitsPerPixel
    CHECK je, msg_vbe_mode
    cmp dword [es:0x200 + 0x28], 0    ; PhysBasePtr (the LFB BAR)
    CHECK jne, msg_vbe_mode
    mov ax, 0x4f02
    mov bx, 0x0101                    ; banked, clear memory
    int 0x10
    cmp ax, 0x004f
    CHECK je, msg_vbe_set
    mov dx, 0x1ce                     ; the DISPI registers say 640x?x8 enabled
    mov ax, 1
    out dx, ax
    inc dx
    in ax, dx
    cmp ax, 640
    CHECK je, msg_vbe_set
    ; pixel (0, 200) = offset 128000 = bank 1 offset 0xF400
    mov ax, 0x4f05
    xor bx, bx
    mov dx, 1
    int 0x10
    mov ax, 0xa000
    mov es, ax
    mov byte [es:0xf400], 0x2a
    mov ax, 0x4f05
    xor bx, bx
    xor dx, dx
    int 0x10
    cmp byte [es:0xf400], 0
    CHECK je, msg_vbe_bank
    mov ax, 0x4f05
    xor bx, bx
    mov dx, 1
    int 0x10
    cmp byte [es:0xf400], 0x2a
    CHECK je, msg_vbe_bank
    mov si, msg_vbe_ok
    call puts

    ; --- back to text: the screen dump shows this line ---
    mov ax, 0x0003
    int 0x10
    mov si, msg_screen
.tty:
    cs lodsb
    test al, al
    jz .tty_done
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    jmp .tty
.tty_done:
    mov ax, 0xb800
    mov es, ax
    cmp byte [es:0], 'v'
    CHECK je, msg_text
    mov si, msg_pass
    call puts
    mov al, PASS_CODE
    out EXIT_PORT, al
    cli
    hlt

msg_m13_read:  db 'mode 13h: INT 10h 0Dh does not read the pixel written to memory', 10, 0
msg_m13_write: db 'mode 13h: INT 10h 0Ch pixel not in memory', 10, 0
msg_m13_dword: db 'mode 13h: 32-bit store not four pixels', 10, 0
msg_m13_ok:    db 'vga: mode 13h ok', 10, 0
msg_m12_read:  db 'mode 12h: pixel read back wrong', 10, 0
msg_m12_plane: db 'mode 12h: planes hold the wrong bits', 10, 0
msg_m12_copy:  db 'mode 12h: write mode 1 latch copy failed', 10, 0
msg_m12_ok:    db 'vga: mode 12h ok', 10, 0
msg_vbe_info:  db 'VBE 4F00h failed', 10, 0
msg_vbe_mode:  db 'VBE 4F01h mode 101h info wrong', 10, 0
msg_vbe_set:   db 'VBE 4F02h set mode 101h failed', 10, 0
msg_vbe_bank:  db 'VBE banks do not select memory', 10, 0
msg_vbe_ok:    db 'vga: vbe ok', 10, 0
msg_text:      db 'mode 3: teletype text not in B800', 10, 0
msg_screen:    db 'vx86 VGA: modes 13h 12h 101h ok', 0
msg_pass:      db 'vga: PASS', 10, 0
msg_fail:      db 'vga: FAIL', 10, 0

ROM_END
