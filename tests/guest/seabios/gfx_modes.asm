; Known pictures in the VGA graphics modes, for screenshots compared against
; references that tests/desktop/gfx_check.c computes (ctest guest.gfx_*).
; A PnP option ROM booted by SeaBIOS ("-boot n"); assembled once per
; picture with -DGFX=n:
;   1  mode 12h (640x480x16 planar): colour ((x >> 3) + (y >> 4)) & 15,
;      attribute palette i -> i, DAC i = (4i, 63 - 4i, 2i)
;   2  mode 13h (320x200x256 chain-4): colour (x + 2y) & 255,
;      DAC i = (i & 63, (i >> 2) & 63, 63 - (i & 63))
;   3  mode X (mode 13h unchained, CRTC byte mode), page 1 (start address
;      16000) shown: colour (x + y) & 255 (DAC as 2); page 0 is all colour 1
;   4  VBE 640x480x32 programmed on the Bochs DISPI ports, drawn through
;      the PCI linear framebuffer (BAR0) in unreal mode: all magenta, a
;      pause of 10 timer ticks, then pixel R = x & 255, G = y & 255,
;      B = (x + y) & 255
; then it writes PASS to the exit port: --screenshot-on-exit takes the picture.
%define ROM_BLOCKS 4
%define PRODUCT 'vx86 gfx test'
%include "optionrom.inc"

bev:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    sti
    cld
%if GFX == 1
    mov ax, 0x0012
    int 0x10
    call set_attr_identity
    xor cx, cx                        ; DAC i = (4i, 63 - 4i, 2i), i < 16
    mov dx, 0x3c8
    xor al, al
    out dx, al
    inc dx
.dac12:
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
    jb .dac12
    mov ax, 0xa000
    mov es, ax
    mov dx, 0x3ce                     ; write mode 0, no set/reset, all bits
    mov ax, 0x0005
    out dx, ax
    mov ax, 0x0001
    out dx, ax
    mov ax, 0x0003
    out dx, ax
    mov ax, 0xff08
    out dx, ax
    xor bp, bp                        ; plane
.plane:
    mov dx, 0x3c4                     ; map mask = 1 << plane
    mov al, 2
    mov ah, 1
    mov cx, bp
    shl ah, cl
    out dx, ax
    xor di, di
    xor bx, bx                        ; y
.row12:
    xor si, si                        ; byte column (x >> 3)
.col12:
    mov ax, bx
    shr ax, 4
    add ax, si                        ; colour = col + (y >> 4)
    mov cx, bp
    shr ax, cl
    and al, 1
    neg al                            ; 0 or 0xFF
    stosb
    inc si
    cmp si, 80
    jb .col12
    inc bx
    cmp bx, 480
    jb .row12
    inc bp
    cmp bp, 4
    jb .plane
%elif GFX == 2 || GFX == 3
    mov ax, 0x0013
    int 0x10
    call set_dac_256
    mov ax, 0xa000
    mov es, ax
  %if GFX == 2
    xor di, di
    xor bx, bx                        ; y
.row13:
    mov ax, bx
    shl ax, 1                         ; al = 2y (x = 0)
    mov cx, 320
.col13:
    stosb
    inc al
    loop .col13
    inc bx
    cmp bx, 200
    jb .row13
  %else
    ; unchain: sequencer memory mode chain-4 off, odd/even off; CRTC
    ; underline (dword mode) off, mode control byte mode (Abrash, mode X)
    mov dx, 0x3c4
    mov ax, 0x0604
    out dx, ax
    mov ax, 0x0f02                    ; all planes: page 0 = colour 1
    out dx, ax
    xor di, di
    mov cx, 0x8000
    mov ax, 0x0101
    rep stosw
    mov dx, 0x3d4
    mov ax, 0x0014
    out dx, ax
    mov ax, 0xe317
    out dx, ax
    xor bp, bp                        ; plane
.planex:
    mov dx, 0x3c4
    mov al, 2
    mov ah, 1
    mov cx, bp
    shl ah, cl
    out dx, ax
    mov di, 16000                     ; page 1
    xor bx, bx                        ; y
.rowx:
    mov ax, bx
    add ax, bp                        ; colour of x = plane: plane + y
    mov cx, 80
.colx:
    stosb
    add al, 4                         ; next x in this plane is x + 4
    loop .colx
    inc bx
    cmp bx, 200
    jb .rowx
    inc bp
    cmp bp, 4
    jb .planex
    mov dx, 0x3d4                     ; start address 16000 = 0x3E80
    mov ax, 0x3e0c
    out dx, ax
    mov ax, 0x800d
    out dx, ax
  %endif
%elif GFX == 4
    ; the LFB address: BAR0 of the VGA at PCI 00:02.0
    mov dx, 0xcf8
    mov eax, 0x80001010
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    and eax, 0xfffffff0
    push eax                          ; (the ROM is read-only by now)
    ; Bochs DISPI: 640x480x32, enabled with the LFB
    mov ax, 4
    mov bx, 0                         ; ENABLE = 0 while the geometry changes
    call dispi
    mov ax, 1
    mov bx, 640
    call dispi
    mov ax, 2
    mov bx, 480
    call dispi
    mov ax, 3
    mov bx, 32
    call dispi
    mov ax, 4
    mov bx, 0x41                      ; ENABLED | LFB_ENABLED
    call dispi
    call unreal
    pop edi
    ; first all magenta, then ~0.5 s of timer ticks (a window refreshes the
    ; screen meanwhile), then the picture: a display that missed the later
    ; LFB writes (dirty tracking) would still show magenta
    push edi
    mov ecx, 640 * 480
    mov eax, 0x00ff00ff
.fill:
    mov [fs:edi], eax
    add edi, 4
    dec ecx
    jnz .fill
    push ds
    mov ax, 0x40
    mov ds, ax
    mov bx, [0x6c]                    ; BIOS tick count (18.2 Hz)
    add bx, 10
.wait:
    hlt
    cmp [0x6c], bx
    jne .wait
    pop ds
    pop edi
    xor edx, edx                      ; y
.rowv:
    xor ecx, ecx                      ; x
.colv:
    mov eax, ecx
    and eax, 0xff
    shl eax, 16                       ; R = x
    mov ebx, edx
    mov ah, bl                        ; G = y
    mov ebx, ecx
    add ebx, edx
    mov al, bl                        ; B = x + y
    mov [fs:edi], eax
    add edi, 4
    inc ecx
    cmp ecx, 640
    jb .colv
    inc edx
    cmp edx, 480
    jb .rowv
%else
%error "GFX must be 1-4"
%endif
    mov al, PASS_CODE
    out EXIT_PORT, al
    cli
    hlt

%if GFX == 1
set_attr_identity:                    ; attribute palette i -> i, display on
    mov dx, 0x3da
    in al, dx                         ; reset the flip-flop
    mov dx, 0x3c0
    xor cx, cx
.next:
    mov al, cl
    out dx, al
    out dx, al
    inc cx
    cmp cx, 16
    jb .next
    mov al, 0x20                      ; palette address source: display on
    out dx, al
    ret
%endif

%if GFX == 2 || GFX == 3
set_dac_256:                          ; DAC i = (i & 63, (i >> 2) & 63, 63 - (i & 63))
    mov dx, 0x3c8
    xor al, al
    out dx, al
    inc dx
    xor cx, cx
.next:
    mov al, cl
    and al, 63
    out dx, al
    mov al, cl
    shr al, 2
    and al, 63
    out dx, al
    mov al, cl
    and al, 63
    neg al
    add al, 63
    out dx, al
    inc cx
    cmp cx, 256
    jb .next
    ret
%endif

%if GFX == 4
dispi:                                ; VBE register AX = BX
    mov dx, 0x1ce
    out dx, ax
    mov dx, 0x1cf
    mov ax, bx
    out dx, ax
    ret

; Unreal mode: FS with a 4 GiB limit, back in real mode (Intel SDM 3A 9.9.2
; leaves the descriptor cache loaded when PE is cleared).
unreal:
    cli
    xor eax, eax
    mov ax, cs
    shl eax, 4
    add eax, gdt                      ; linear address of the GDT
    sub sp, 8
    mov bp, sp
    mov word [ss:bp], gdt_end - gdt - 1
    mov [ss:bp + 2], eax
    o32 lgdt [ss:bp]
    add sp, 8
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp short .pm
.pm:
    mov bx, 8                         ; FS: base 0, limit 4 GiB, kept in real mode
    mov fs, bx
    and al, 0xfe
    mov cr0, eax
    jmp short .rm
.rm:
    sti
    ret

    align 8
gdt:
    dq 0
    dq 0x00cf92000000ffff             ; data, base 0, 4 GiB, writable
gdt_end:
%endif

ROM_END
