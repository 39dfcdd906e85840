; Text mode pictures for screenshots compared with references that
; desktop_check computes (ctest guest.text_pan_*): horizontal pixel panning
; (AR13) with 9- and 8-dot cells, the 9th-dot line graphics quirk, panning
; switched off below a line-compare split (AR10 bit 5), and the overscan
; colour (AR11) while the palette address source is clear. A PnP option
; ROM booted by SeaBIOS (-boot n), assembled once per picture with -DCASE=n.
; All cases: mode 03h (80x25, 9x16 font from the VGA BIOS), cursor off, no
; blink, attribute palette i -> i, DAC i = (4i, 63 - 4i, 2i) for i < 16;
; text cell at offset o (0-4095): character o & 0xFF, attribute
; (o & 15) | (((o >> 4) + 3) & 7) << 4.
;   1  9-dot, AR13 = 3 (4 dots), line graphics on (AR10 = 04h)
;   2  9-dot, AR13 = 7 (8 dots), line graphics off (AR10 = 00h)
;   3  8-dot (SR01 bit 0), AR13 = 5 (5 dots), AR10 = 04h
;   4  9-dot, AR13 = 2 (3 dots), start address 400, line compare 159 (rows
;      10-24 from offset 0), AR10 = 24h: the split rows are not panned
;   5  as 1, then AR11 = 2Ah with DAC 2Ah = (50, 10, 30) and the palette
;      address source cleared: the whole screen shows the overscan colour
; then it writes PASS to the exit port: --screenshot-on-exit takes the picture.
%define ROM_BLOCKS 2
%define PRODUCT 'vx86 text pan test'
%include "optionrom.inc"

%if CASE == 1 || CASE == 5
  %define PAN 3
  %define AR10 0x04
%elif CASE == 2
  %define PAN 7
  %define AR10 0x00
%elif CASE == 3
  %define PAN 5
  %define AR10 0x04
%elif CASE == 4
  %define PAN 2
  %define AR10 0x24
%else
  %error "CASE must be 1-5"
%endif

bev:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    sti
    cld
    mov ax, 0x0003
    int 0x10
    mov dx, 0x3d4
    mov ax, 0x200a                    ; cursor start: cursor off
    out dx, ax

    mov dx, 0x3c8                     ; DAC i = (4i, 63 - 4i, 2i), i < 16
    xor al, al
    out dx, al
    inc dx
    xor cx, cx
.dac:
    mov al, cl
    shl al, 2
    out dx, al
    mov al, 63
    sub al, cl
    sub al, cl
    sub al, cl
    sub al, cl
    out dx, al
    mov al, cl
    shl al, 1
    out dx, al
    inc cx
    cmp cx, 16
    jb .dac

    mov dx, 0x3da
    in al, dx                         ; attribute flip-flop to index
    mov dx, 0x3c0
    xor cx, cx
.pal:                                 ; palette i -> i (palette address source off)
    mov al, cl
    out dx, al
    out dx, al
    inc cx
    cmp cx, 16
    jb .pal
    mov ax, (AR10 << 8) | 0x30        ; mode control (display on again)
    out dx, al
    mov al, ah
    out dx, al
    mov ax, (PAN << 8) | 0x33         ; horizontal pixel panning
    out dx, al
    mov al, ah
    out dx, al
    mov ax, 0x0034                    ; colour select 0
    out dx, al
    mov al, ah
    out dx, al

%if CASE == 3
    mov dx, 0x3c4                     ; clocking mode: 8-dot characters
    mov al, 1
    out dx, al
    inc dx
    in al, dx
    or al, 1
    out dx, al
%endif

    mov ax, 0xb800                    ; the cells
    mov es, ax
    xor di, di
    xor bx, bx
.cell:
    mov ax, bx
    shr ax, 4
    add ax, 3
    and ax, 7
    shl ax, 4
    mov ah, bl
    and ah, 15
    or ah, al                         ; attribute
    mov al, bl                        ; character
    stosw
    inc bx
    cmp bx, 4096
    jb .cell

%if CASE == 4
    mov dx, 0x3d4
    mov ax, 0x010c                    ; start address 400 = 0x190
    out dx, ax
    mov ax, 0x900d
    out dx, ax
    mov ax, 0x9f18                    ; line compare bits 0-7 = 159
    out dx, ax
    mov al, 7                         ; bit 8 (CR07 bit 4) = 0
    out dx, al
    inc dx
    in al, dx
    and al, ~0x10
    out dx, al
    dec dx
    mov al, 9                         ; bit 9 (CR09 bit 6) = 0
    out dx, al
    inc dx
    in al, dx
    and al, ~0x40
    out dx, al
%endif

%if CASE == 5
    mov dx, 0x3c8                     ; DAC 2Ah = (50, 10, 30)
    mov al, 0x2a
    out dx, al
    inc dx
    mov al, 50
    out dx, al
    mov al, 10
    out dx, al
    mov al, 30
    out dx, al
    mov dx, 0x3da
    in al, dx
    mov dx, 0x3c0
    mov al, 0x31                      ; overscan colour 2Ah
    out dx, al
    mov al, 0x2a
    out dx, al
    xor al, al                        ; index 0, palette address source off
    out dx, al
%endif

    mov al, PASS_CODE
    out EXIT_PORT, al
    cli
    hlt

ROM_END
