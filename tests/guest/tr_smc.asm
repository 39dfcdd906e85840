; Self-modifying code in loops, the way a translator sees it (SDM Vol. 3A
; 8.1.3: a store to code takes effect for the next instruction): a loop that
; patches an instruction further on in its own block each time round (a few
; times, and often enough that a code cache gives the page up), a block
; patched from another block on the same page between runs, code and hot
; data sharing a page (in another 64-byte chunk and in the same one), and
; code run through one linear mapping while written through another. Runs
; under every -accel (ctest guest.tr_smc and guest.tr_smc.tcg).
; EXPECT: own block 000F 0334
; EXPECT: same page 000F
; EXPECT: hot data 03E8 03E8
; EXPECT: alias 00000024 0000000F
; EXPECT: PASS
%include "lib.inc"

%define CODE_SEG 0x0900             ; RAM code at linear 0x9000 (A)
%define SEG_B    0x0a00             ; 0xa000 (B)
%define SEG_C    0x0b00             ; 0xb000 (C); D uses physical 0xc000
; Each part has a page of its own: A and C rewrite theirs often enough that
; a translator may leave it to the interpreter.

start:
    REAL_INIT

    ; --- A: 0900:0000 loop: mov [cs:imm], cl / add dx, imm / loop: each
    ; round patches the add's immediate with the counter, so DX = 5+4+..+1;
    ; then 40 rounds (820) ---
    mov si, blk_a
    mov di, 0x9000
    mov cx, blk_a_len
    call copy_from_rom
    call CODE_SEG:0x0000
    mov bx, dx
    mov byte [0x9003], 40           ; mov cx, 40
    call CODE_SEG:0x0000
    PUTS 'own block '
    PUTHEX ebx, 4
    PUTS ' '
    PUTHEX edx, 4
    NEWLINE

    ; --- B: 0A00:0100 mov ax, imm16 / retf, patched by 0A00:0140
    ; mov [cs:0x101], bx / retf (same page) before each run ---
    mov si, blk_b
    mov di, 0xa100
    mov cx, blk_b_len
    call copy_from_rom
    mov si, blk_c
    mov di, 0xa140
    mov cx, blk_c_len
    call copy_from_rom
    xor si, si
    mov bx, 1
.b_loop:
    call SEG_B:0x0140
    call SEG_B:0x0100
    add si, ax
    inc bx
    cmp bx, 6
    jb .b_loop
    PUTS 'same page '
    PUTHEX esi, 4
    NEWLINE

    ; --- C: 0B00:0200 a loop of 1000 counting in a word of its page in
    ; another 64-byte chunk (0x280) and in its own chunk (0x210) ---
    mov si, blk_d
    mov di, 0xb200
    mov cx, blk_d_len
    call copy_from_rom
    mov word [0xb280], 0
    call SEG_C:0x0200
    PUTS 'hot data '
    PUTHEX [0xb280], 4
    PUTS ' '
    PUTHEX [0xb210], 4
    NEWLINE

    ; --- D: paging; linear 0x400000 is a second mapping of physical 0xc000.
    ; 0xc300 mov eax, imm32 / retf, run alternately through each mapping,
    ; patched through the other one: 1+2+..+8. Then 0xc400 (the loop of A in
    ; 32-bit code, storing through the identity mapping) run through the
    ; alias ---
    PM_ENTER
    PAGING_ALIAS 0xc000

    mov byte [0xc300], 0xb8         ; mov eax, imm32
    mov dword [0xc301], 0
    mov byte [0xc305], 0xcb         ; retf
    xor esi, esi
    mov ebx, 1
.d_loop:
    mov [0xc301], ebx               ; through the identity mapping
    call SEL_FLAT_CODE:0x400300     ; run through the alias
    add esi, eax
    inc ebx
    mov [0x400301], ebx             ; through the alias
    call SEL_FLAT_CODE:0xc300       ; run through the identity mapping
    add esi, eax
    inc ebx
    cmp ebx, 9
    jb .d_loop
    mov ebp, esi

    mov edi, 0xc400
    mov esi, ROM_LIN(OFS(blk_e))
    mov ecx, blk_e_len
    rep movsb
    call SEL_FLAT_CODE:0x400400
    PUTS 'alias '
    PUTHEX ebp, 8
    PUTS ' '
    PUTHEX edx, 8
    NEWLINE
    PASS

    bits 16
; copy CX bytes from F000:SI to 0000:DI
copy_from_rom:
    push ds
    push ax
    mov ax, ROM_SEG
    mov ds, ax
    cld
    rep movsb
    pop ax
    pop ds
    ret

blk_a:                              ; at 0900:0000
    db 0x31, 0xd2                   ; xor dx, dx
    db 0xb9, 0x05, 0x00             ; mov cx, 5 (its count byte is at 0x0003)
    db 0x2e, 0x88, 0x0e, 0x0c, 0x00 ; l: mov [cs:0x000c], cl
    db 0x83, 0xc2, 0x00             ; add dx, imm8 (the immediate is at 0x000c)
    db 0xe2, 0xf6                   ; loop l
    db 0xcb                         ; retf
blk_a_len equ $ - blk_a
blk_b:                              ; at 0A00:0100
    db 0xb8, 0x00, 0x00             ; mov ax, imm16
    db 0xcb                         ; retf
blk_b_len equ $ - blk_b
blk_c:                              ; at 0A00:0140
    db 0x2e, 0x89, 0x1e, 0x01, 0x01 ; mov [cs:0x0101], bx
    db 0xcb                         ; retf
blk_c_len equ $ - blk_c
blk_d:                              ; at 0B00:0200
    db 0xb9, 0xe8, 0x03             ; mov cx, 1000
    db 0x2e, 0xff, 0x06, 0x80, 0x02 ; l: inc word [cs:0x0280]
    db 0x2e, 0xff, 0x06, 0x10, 0x02 ; inc word [cs:0x0210]
    db 0xe2, 0xf4                   ; loop l
    db 0xcb                         ; retf
    dw 0                            ; 0x0210: the counter in the code's chunk
blk_d_len equ $ - blk_d
blk_e:                              ; at physical 0xc400, run at linear 0x400400
    db 0x31, 0xd2                   ; xor edx, edx
    db 0xb9, 0x05, 0x00, 0x00, 0x00 ; mov ecx, 5
    db 0x88, 0x0d, 0x0f, 0xc4, 0x00, 0x00 ; l: mov [0xc40f], cl (identity mapping)
    db 0x83, 0xc2, 0x00             ; add edx, imm8 (the immediate is at 0xc40f)
    db 0xe2, 0xf5                   ; loop l
    db 0xcb                         ; retf
blk_e_len equ $ - blk_e

    ROM_END
