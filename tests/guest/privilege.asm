; Privilege changes: IRET to ring 3, a call gate to ring 0 with a stack
; switch through the TSS and parameter copying, RETF n back (a DPL-0 data
; segment register is nulled on the way out), INT from ring 3 through a
; DPL-3 trap gate, #GP(vector) through a DPL-0 gate, and SYSENTER/SYSEXIT.
; EXPECT: ring 3 cs 003B ss 0043
; EXPECT: call gate cpl 0 params 00001111 00002222 old ss 0043 esp 00005FE8
; EXPECT: back in ring 3 es 0000 esp ok
; EXPECT: int 40 cpl 0 from cs 003B ss 0043 esp 00005FEC
; EXPECT: int 41 v0D e020A
; EXPECT: sysenter cs 0050 ss 0058 esp 00005800
; EXPECT: sysexit cs 0063 ss 006B
; EXPECT: PASS
%include "lib.inc"

%define SEL_UCODE 0x38              ; ring-3 code, base 0xF0000
%define SEL_UDATA 0x40              ; ring-3 data, flat
%define SEL_CGATE 0x48              ; call gate, DPL 3, 2 parameters
%define SEL_SYS 0x50                ; SYSENTER_CS: 0x50 code, 0x58 data, 0x60/0x68 ring 3
%define SAVED_ESP (SCRATCH + 0x40)

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    SET_GDT SEL_UCODE, 0xf0000, 0xffff, 0xfa, FLG_32
    SET_GDT SEL_UDATA, 0, 0xfffff, 0xf2, FLG_32G
    mov dword [GDT_BASE + SEL_CGATE], (OFS(gate_target) & 0xffff) | (SEL_CODE32 << 16)
    mov dword [GDT_BASE + SEL_CGATE + 4], (OFS(gate_target) & 0xffff0000) | 0xec00 | 2
    SET_GDT SEL_SYS, 0, 0xfffff, 0x9a, FLG_32G
    SET_GDT SEL_SYS + 8, 0, 0xfffff, 0x92, FLG_32G
    SET_GDT SEL_SYS + 16, 0, 0xfffff, 0xfa, FLG_32G
    SET_GDT SEL_SYS + 24, 0, 0xfffff, 0xf2, FLG_32G
    ; IDT vectors 0x40 (trap gate, DPL 3) and 0x41 (interrupt gate, DPL 0)
    mov edi, IDT_BASE + 32 * 8
    xor eax, eax
    mov ecx, 34 * 2
    rep stosd
    mov dword [IDT_BASE + 0x40 * 8], (OFS(int40_handler) & 0xffff) | (SEL_CODE32 << 16)
    mov dword [IDT_BASE + 0x40 * 8 + 4], (OFS(int40_handler) & 0xffff0000) | 0xef00
    mov dword [IDT_BASE + 0x41 * 8], (OFS(int40_handler) & 0xffff) | (SEL_CODE32 << 16)
    mov dword [IDT_BASE + 0x41 * 8 + 4], (OFS(int40_handler) & 0xffff0000) | 0x8e00
    lidt [cs:big_idt_ptr]
    ; SYSENTER target
    mov ecx, 0x174
    mov eax, SEL_SYS
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, 0x5800
    wrmsr
    mov ecx, 0x176
    mov eax, ROM_LIN(sysenter_target)
    wrmsr

    mov dword [EXC_HOOK], ring0_again
    push dword SEL_UDATA | 3        ; SS
    push dword STACK_TOP            ; ESP
    push dword 0x2                  ; EFLAGS
    push dword SEL_UCODE | 3        ; CS
    push dword ring3                ; EIP
    iretd

ring3:
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    mov dword [EXC_HOOK], 0
    mov ax, cs
    mov bx, ss
    PUTS 'ring 3 cs '
    PUTHEX eax, 4
    PUTS ' ss '
    PUTHEX ebx, 4
    NEWLINE

    ; call gate: 2 dwords copied to the ring-0 stack
    mov [SAVED_ESP], esp
    push dword 0x1111
    push dword 0x2222
    call SEL_CGATE | 3:0
    mov ax, es
    PUTS 'back in ring 3 es '
    PUTHEX eax, 4
    cmp esp, [SAVED_ESP]
    jne .bad_esp
    PUTSLN ' esp ok'

    int 0x40
    mov dword [EXC_RESUME], .int41_done
    int 0x41
    FAIL 'no #GP for INT 0x41'
.int41_done:
    PUTS 'int 41 '
    SHOW_EXC
    NEWLINE

    mov ecx, 0xdead                 ; SYSENTER ignores ECX/EDX
    sysenter
    FAIL 'SYSENTER fell through'
.bad_esp:
    FAIL 'ESP not restored by RETF 8'

gate_target:                        ; ring 0 through the call gate
    mov ebx, esp                    ; (PUTHEX pushes: address the frame by EBX)
    mov ax, cs
    and eax, 3
    PUTS 'call gate cpl '
    PUTHEX eax, 1
    PUTS ' params '
    PUTHEX [ebx + 12], 8
    PUTS ' '
    PUTHEX [ebx + 8], 8
    PUTS ' old ss '
    PUTHEX [ebx + 20], 4
    PUTS ' esp '
    PUTHEX ebx, 8
    NEWLINE
    mov ax, SEL_DATA32              ; DPL 0: must be nulled by the RETF to ring 3
    mov es, ax
    retf 8

int40_handler:
    mov ebx, esp
    mov ax, cs
    and eax, 3
    PUTS 'int 40 cpl '
    PUTHEX eax, 1
    PUTS ' from cs '
    PUTHEX [ebx + 4], 4
    PUTS ' ss '
    PUTHEX [ebx + 16], 4
    PUTS ' esp '
    PUTHEX ebx, 8
    NEWLINE
    iretd

sysenter_target:                    ; flat CS: no PUTS here
    mov [SCRATCH + 0x20], cs
    mov [SCRATCH + 0x24], ss
    mov [SCRATCH + 0x28], esp
    jmp SEL_CODE32:sysenter_print
sysenter_print:
    PUTS 'sysenter cs '
    PUTHEX [SCRATCH + 0x20], 4
    PUTS ' ss '
    PUTHEX [SCRATCH + 0x24], 4
    PUTS ' esp '
    PUTHEX [SCRATCH + 0x28], 8
    NEWLINE
    mov edx, ROM_LIN(sysexit_landing)
    mov ecx, STACK_TOP - 0x100
    sysexit
sysexit_landing:                    ; flat ring-3 code
    mov [SCRATCH + 0x30], cs
    mov [SCRATCH + 0x34], ss
    jmp SEL_UCODE | 3:after_sysexit
after_sysexit:
    PUTS 'sysexit cs '
    PUTHEX [SCRATCH + 0x30], 4
    PUTS ' ss '
    PUTHEX [SCRATCH + 0x34], 4
    NEWLINE
    mov dword [EXC_HOOK], ring0_again
    hlt                             ; #GP at CPL 3: back to ring 0

ring0_again:
    mov esp, STACK_TOP
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    PASS

big_idt_ptr:
    dw 0x42 * 8 - 1
    dd IDT_BASE

    ROM_END
