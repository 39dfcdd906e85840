; The switch to protected mode: GDT, CR0.PE, far jump into 32-bit code,
; data segments with a base, the accessed bit, flat 32-bit code, an
; expand-down segment, a far call into 16-bit protected-mode code, and the
; way back to real mode.
; EXPECT: real mode
; EXPECT: protected mode 32
; EXPECT: cr0.pe 1
; EXPECT: fs base CAFEBABE accessed 93
; EXPECT: flat code 600DC0DE
; EXPECT: expand-down 00001234
; EXPECT: pm16 call 1616
; EXPECT: back in real mode 600DC0DE
; EXPECT: PASS
%include "lib.inc"

start:
    REAL_INIT
    PUTSLN 'real mode'
    PM_ENTER
    PUTSLN 'protected mode 32'
    mov eax, cr0
    and eax, 1
    PUTS 'cr0.pe '
    PUTHEX eax, 1
    NEWLINE

    ; a data segment based at 0x20000
    SET_GDT 0x38, 0x20000, 0xffff, 0x92, FLG_32
    mov dword [0x20010], 0xcafebabe
    mov ax, 0x38
    mov fs, ax
    mov eax, [fs:0x10]
    PUTS 'fs base '
    PUTHEX eax, 8
    movzx eax, byte [GDT_BASE + 0x38 + 5]   ; loading set the accessed bit
    PUTS ' accessed '
    PUTHEX eax, 2
    NEWLINE

    ; flat code: labels need their linear address there
    jmp SEL_FLAT_CODE:ROM_LIN(flat_code)
back_from_flat:
    mov ax, SEL_DATA32
    mov fs, ax
    PUTS 'flat code '
    PUTHEX [SCRATCH], 8
    NEWLINE

    ; expand-down data segment: limit 0xfff, so offsets 0x1000.. are valid
    SET_GDT 0x40, 0, 0xfff, 0x96, FLG_32
    mov dword [0x3000], 0x1234
    mov ax, 0x40
    mov gs, ax
    mov eax, [gs:0x3000]
    PUTS 'expand-down '
    PUTHEX eax, 8
    NEWLINE

    ; far call from 32-bit code into a 16-bit code segment
    xor eax, eax
    call SEL_CODE16:pm16_func
    PUTS 'pm16 call '
    PUTHEX eax, 4
    NEWLINE

    ; back to real mode through 16-bit protected-mode code
    jmp SEL_CODE16:to_real

flat_code:                      ; runs with CS base 0
    call .inner
    jmp SEL_CODE32:back_from_flat
.inner:
    mov dword [SCRATCH], 0x600dc0de
    ret

    bits 16
pm16_func:
    mov ax, 0x1616
    o32 retf                    ; the caller pushed a 32-bit CS:EIP

to_real:
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov eax, cr0
    and al, 0xfe
    mov cr0, eax
    jmp ROM_SEG:real_again
real_again:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, STACK_TOP
    PUTS 'back in real mode '
    PUTHEX [SCRATCH], 8
    NEWLINE
    PASS

    ROM_END
