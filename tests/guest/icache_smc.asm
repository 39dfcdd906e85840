; Self-modifying code, which a P6 honours at once (SDM Vol. 3A 8.1.3): a
; store that patches the very next instruction, an instruction on the same
; page patched after it ran, and code patched through a second linear mapping
; of its page (paging). vx86 caches decoded instructions per physical page,
; so each of these must drop what it cached.
; EXPECT: next insn 42 42
; EXPECT: same page 01 02 03
; EXPECT: alias 33333333 44444444 55555555
; EXPECT: PASS
%include "lib.inc"

%define CODE_SEG 0x0900             ; RAM code at linear 0x9000

start:
    REAL_INIT

    ; --- A: 0900:0000 mov byte [cs:7], 0x42 / mov al, 0 / retf: the store
    ; patches the immediate of the next instruction ---
    mov si, blk_a
    mov di, 0x9000
    mov cx, blk_a_len
    call copy_from_rom
    call CODE_SEG:0x0000
    mov bl, al
    mov byte [0x9007], 0            ; undo the patch: a data write to the code
    call CODE_SEG:0x0000            ; decoded again, patched again
    PUTS 'next insn '
    PUTHEX ebx, 2
    PUTS ' '
    PUTHEX eax, 2
    NEWLINE

    ; --- B: 0900:0100 mov al, 1 / retf, run, then patched from ROM code and
    ; from code on the same page (0900:0200 mov byte [cs:0x101], 3 / retf) ---
    mov si, blk_b
    mov di, 0x9100
    mov cx, blk_b_len
    call copy_from_rom
    mov si, blk_c
    mov di, 0x9200
    mov cx, blk_c_len
    call copy_from_rom
    call CODE_SEG:0x0100
    mov bl, al
    mov byte [0x9101], 2
    call CODE_SEG:0x0100
    mov dl, al
    call CODE_SEG:0x0200            ; patches 0x9101 to 3
    call CODE_SEG:0x0100
    PUTS 'same page '
    PUTHEX ebx, 2
    PUTS ' '
    PUTHEX edx, 2
    PUTS ' '
    PUTHEX eax, 2
    NEWLINE

    ; --- C: paging; linear 0x400000 is a second mapping of physical 0x9000.
    ; Code at 0x9300 (mov eax, imm32 / retf through the flat code segment)
    ; patched through the alias, before and after it first ran ---
    PM_ENTER
    PAGING_ALIAS 0x9000

    mov byte [0x9300], 0xb8         ; mov eax, imm32
    mov dword [0x9301], 0
    mov byte [0x9305], 0xcb         ; retf
    mov dword [0x400301], 0x33333333 ; through the alias, before the code ran
    call SEL_FLAT_CODE:0x9300
    mov ebx, eax
    mov dword [0x400301], 0x44444444 ; through the alias, the code now cached
    call SEL_FLAT_CODE:0x9300
    mov edx, eax
    mov dword [0x9301], 0x55555555  ; through the first mapping
    call SEL_FLAT_CODE:0x9300
    PUTS 'alias '
    PUTHEX ebx, 8
    PUTS ' '
    PUTHEX edx, 8
    PUTS ' '
    PUTHEX eax, 8
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

blk_a:
    db 0x2e, 0xc6, 0x06, 0x07, 0x00, 0x42 ; mov byte [cs:0x0007], 0x42
    db 0xb0, 0x00                   ; mov al, 0 (its immediate is at 0x0007)
    db 0xcb                         ; retf
blk_a_len equ $ - blk_a
blk_b:
    db 0xb0, 0x01                   ; mov al, 1
    db 0xcb                         ; retf
blk_b_len equ $ - blk_b
blk_c:
    db 0x2e, 0xc6, 0x06, 0x01, 0x01, 0x03 ; mov byte [cs:0x0101], 3
    db 0xcb                         ; retf
blk_c_len equ $ - blk_c

    ROM_END
