; Real mode basics: arithmetic and flags, the stack, CALL/RET, string
; instructions with REP, port I/O, software interrupts and #DE through the
; IVT. Runs as-is on any 386+ PC (it is the first code after reset).
; EXPECT: real mode
; EXPECT: add 8000 0894
; EXPECT: add32 00000000 0055
; EXPECT: sub F0 0085
; EXPECT: adc64 00000004:00000000
; EXPECT: sbb64 00000001:FFFFFFFF
; EXPECT: mul 00000012:34567800 0801
; EXPECT: div 00022E09 00000001
; EXPECT: imul FFFF:FFEB 0000
; EXPECT: rol 03 1 shr 20 sar FC rcr 80
; EXPECT: stack 1234 5678 9ABC frame 0015
; EXPECT: movs hello, string copy
; EXPECT: cmps 0000 stos A5A5 scas 000F
; EXPECT: io x
; EXPECT: int40 00000003
; EXPECT: de ip ok 0002
; EXPECT: misc FF85 FFFF 42 0005
; EXPECT: PASS
%include "lib.inc"

start:
    REAL_INIT
    mov al, 0x01
    out POST_PORT, al
    PUTSLN 'real mode'

    ; --- arithmetic and flags (OF SF ZF AF PF CF = 0x8d5) ---
    mov ax, 0x7fff
    add ax, 1
    pushf
    pop bx
    and bx, 0x8d5
    PUTS 'add '
    PUTHEX eax, 4
    PUTS ' '
    PUTHEX ebx, 4
    NEWLINE

    mov eax, 0xffffffff
    add eax, 1
    pushf
    pop bx
    and bx, 0x8d5
    PUTS 'add32 '
    PUTHEX eax, 8
    PUTS ' '
    PUTHEX ebx, 4
    NEWLINE

    mov al, 0x10
    sub al, 0x20
    pushf
    pop bx
    and bx, 0x8d5
    PUTS 'sub '
    PUTHEX eax, 2
    PUTS ' '
    PUTHEX ebx, 4
    NEWLINE

    ; 64-bit add and subtract with carry propagation
    mov edx, 1
    mov eax, 0xffffffff
    add eax, 1
    adc edx, 2
    PUTS 'adc64 '
    PUTHEX edx, 8
    PUTS ':'
    PUTHEX eax, 8
    NEWLINE
    mov edx, 2
    mov eax, 0
    sub eax, 1
    sbb edx, 0
    PUTS 'sbb64 '
    PUTHEX edx, 8
    PUTS ':'
    PUTHEX eax, 8
    NEWLINE

    ; MUL sets CF=OF when the high half is non-zero
    mov eax, 0x12345678
    mov ecx, 0x100
    mul ecx
    pushf
    pop bx
    and bx, 0x801
    PUTS 'mul '
    PUTHEX edx, 8
    PUTS ':'
    PUTHEX eax, 8
    PUTS ' '
    PUTHEX ebx, 4
    NEWLINE

    xor edx, edx
    mov eax, 1000000
    mov ecx, 7
    div ecx
    PUTS 'div '
    PUTHEX eax, 8
    PUTS ' '
    PUTHEX edx, 8
    NEWLINE

    ; IMUL: CF=OF=0 when the result fits the low half
    mov ax, -3
    mov bx, 7
    imul bx
    pushf
    pop bx
    and bx, 0x801
    PUTS 'imul '
    PUTHEX edx, 4
    PUTS ':'
    PUTHEX eax, 4
    PUTS ' '
    PUTHEX ebx, 4
    NEWLINE

    ; rotates and shifts
    mov al, 0x81
    rol al, 1
    setc bl
    PUTS 'rol '
    PUTHEX eax, 2
    PUTS ' '
    PUTHEX ebx, 1
    mov al, 0x81
    shr al, 2
    PUTS ' shr '
    PUTHEX eax, 2
    mov al, 0xf1
    sar al, 2
    PUTS ' sar '
    PUTHEX eax, 2
    stc
    mov al, 0x01
    rcr al, 1                   ; CF(1) in at the top, bit 0 out to CF
    PUTS ' rcr '
    PUTHEX eax, 2
    NEWLINE

    ; --- stack, CALL/RET, BP frames ---
    mov ax, 0x1234
    mov bx, 0x5678
    mov cx, 0x9abc
    push ax
    push bx
    push cx
    xor ax, ax
    xor bx, bx
    xor cx, cx
    pop cx
    pop bx
    pop ax
    PUTS 'stack '
    PUTHEX eax, 4
    PUTS ' '
    PUTHEX ebx, 4
    PUTS ' '
    PUTHEX ecx, 4
    mov si, sp
    push word 7
    push word 14
    call add_args               ; ax = 7 + 14
    add sp, 4
    cmp si, sp
    je .sp_ok
    FAIL 'stack pointer not restored'
.sp_ok:
    PUTS ' frame '
    PUTHEX eax, 4
    NEWLINE

    ; --- strings: copy from ROM to RAM, compare, fill, scan ---
    push ds
    mov ax, ROM_SEG
    mov ds, ax
    mov si, hello
    mov di, SCRATCH
    mov cx, hello_len
    rep movsb
    pop ds
    PUTS 'movs '
    mov si, SCRATCH
.print:
    lodsb
    test al, al
    jz .printed
    out DEBUGCON_PORT, al
    jmp .print
.printed:
    NEWLINE

    push ds
    mov ax, ROM_SEG
    mov ds, ax
    mov si, hello
    mov di, SCRATCH
    mov cx, hello_len
    repe cmpsb                  ; all equal: CX runs down to 0
    pop ds
    PUTS 'cmps '
    PUTHEX ecx, 4
    mov di, SCRATCH + 0x100
    mov ax, 0xa5a5
    mov cx, 0x80
    rep stosw
    mov ax, [SCRATCH + 0x100 + 0xfe]
    PUTS ' stos '
    PUTHEX eax, 4
    mov byte [SCRATCH + 0x100 + 0x6f], 0x5a
    mov di, SCRATCH + 0x100
    mov al, 0x5a
    mov cx, 0x7f
    repne scasb                 ; stops on the 0x70th byte: CX = 0x7f - 0x70
    PUTS ' scas '
    PUTHEX ecx, 4
    NEWLINE

    ; --- port I/O through DX ---
    PUTS 'io '
    mov dx, DEBUGCON_PORT
    mov al, 'x'
    out dx, al
    NEWLINE

    ; --- software interrupt through the IVT ---
    mov word [0x40 * 4], int40_handler
    mov word [0x40 * 4 + 2], ROM_SEG
    xor ecx, ecx
    int 0x40
    int 0x40
    int 0x40
    PUTS 'int40 '
    PUTHEX ecx, 8
    NEWLINE

    ; --- #DE through IVT vector 0: the saved IP is the DIV itself ---
    mov word [0], de_handler
    mov word [2], ROM_SEG
    mov word [SCRATCH], 0
    xor dx, dx
    mov ax, 1
    xor bx, bx
de_insn:
    div bx                      ; 2 bytes: the handler skips it
    mov ax, [SCRATCH]
    PUTS 'de ip ok '
    PUTHEX eax, 4
    NEWLINE

    ; --- sign extension, XLAT, LOOP ---
    mov al, 0x85
    cbw
    mov bx, ax
    mov ax, 0x8000
    cwd
    PUTS 'misc '
    PUTHEX ebx, 4
    PUTS ' '
    PUTHEX edx, 4
    push ds
    mov ax, ROM_SEG
    mov ds, ax
    mov bx, xlat_table
    mov al, 2
    xlatb
    pop ds
    PUTS ' '
    PUTHEX eax, 2
    xor ax, ax
    mov cx, 5
.loop:
    inc ax
    loop .loop
    PUTS ' '
    PUTHEX eax, 4
    NEWLINE

    PASS

add_args:                       ; ax = [bp+4] + [bp+6]
    push bp
    mov bp, sp
    mov ax, [bp + 4]
    add ax, [bp + 6]
    pop bp
    ret

int40_handler:
    inc ecx
    iret

de_handler:                     ; check the saved IP, then skip the DIV
    push bp
    mov bp, sp
    cmp word [bp + 2], de_insn
    jne .bad
    cmp word [bp + 4], ROM_SEG
    jne .bad
    add word [bp + 2], 2
    mov word [SCRATCH], 2
    pop bp
    iret
.bad:
    FAIL '#DE pushed the wrong CS:IP'

hello: db 'hello, string copy', 0
hello_len equ $ - hello
xlat_table: db 0x40, 0x41, 0x42, 0x43

    ROM_END
