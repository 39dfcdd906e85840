; Hardware task switching (SDM Vol. 3A, 7.3): JMP to a TSS and back, CALL
; through a task gate and IRET back (NT, back-link), INT through an IDT task
; gate, busy bits at each step, registers saved and restored, CR0.TS set by
; the switch, and #GP when jumping to a busy TSS.
; EXPECT: task A tr 0030
; EXPECT: task B eax B0B0B0B0 tr 0038 nt 0 busy A 89 B 8B
; EXPECT: A again ebx AAAA0001 busy A 8B B 89 ts 1
; EXPECT: busy jmp v0D e0030
; EXPECT: B called nt 1 link 0030 busy A 8B B 8B
; EXPECT: A after call busy A 8B B 89 nt 0 ebx AAAA0002
; EXPECT: B by int3 nt 1 link 0030
; EXPECT: A after int3 busy B 89 ebx AAAA0003
; EXPECT: PASS
%include "lib.inc"

%define SEL_TSS_B 0x38
%define SEL_GATE_B 0x40
%define TSS_B (TSS_BASE + 0x100)

%macro BUSY 1           ; eax = type byte of descriptor %1
    movzx eax, byte [GDT_BASE + (%1) + 5]
%endmacro

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    SET_GDT SEL_TSS_B, TSS_B, 0x67, 0x89, 0
    ; task gate in the GDT: selector SEL_TSS_B, type 5, present
    mov dword [GDT_BASE + SEL_GATE_B], SEL_TSS_B << 16
    mov dword [GDT_BASE + SEL_GATE_B + 4], 0x8500
    ; task gate for INT3 in the IDT, DPL 0
    mov dword [IDT_BASE + 3 * 8], SEL_TSS_B << 16
    mov dword [IDT_BASE + 3 * 8 + 4], 0x8500

    ; TSS B: the initial state of task B
    mov edi, TSS_B
    xor eax, eax
    mov ecx, 0x68 / 4
    rep stosd
    mov dword [TSS_B + 0x20], task_b        ; EIP
    mov dword [TSS_B + 0x24], 0x2           ; EFLAGS
    mov dword [TSS_B + 0x28], 0xb0b0b0b0    ; EAX
    mov dword [TSS_B + 0x38], 0x6800        ; ESP
    mov dword [TSS_B + 0x48], SEL_DATA32    ; ES
    mov dword [TSS_B + 0x4c], SEL_CODE32    ; CS
    mov dword [TSS_B + 0x50], SEL_DATA32    ; SS
    mov dword [TSS_B + 0x54], SEL_DATA32    ; DS
    mov dword [TSS_B + 0x58], SEL_DATA32    ; FS
    mov dword [TSS_B + 0x5c], SEL_DATA32    ; GS
    mov word [TSS_B + 0x66], 0x68           ; no I/O bitmap

    str ax
    PUTS 'task A tr '
    PUTHEX eax, 4
    NEWLINE

    ; 1. JMP to TSS B; B jumps back here
    mov ebx, 0xaaaa0001
    clts
    jmp SEL_TSS_B:0
    PUTS 'A again ebx '
    PUTHEX ebx, 8
    BUSY SEL_TSS
    PUTS ' busy A '
    PUTHEX eax, 2
    BUSY SEL_TSS_B
    PUTS ' B '
    PUTHEX eax, 2
    mov eax, cr0
    shr eax, 3
    and eax, 1
    PUTS ' ts '
    PUTHEX eax, 1
    NEWLINE
    clts

    ; 2. JMP to a busy TSS (our own): #GP(selector)
    mov dword [EXC_RESUME], .busy_done
    jmp SEL_TSS:0
    FAIL 'no #GP for a busy TSS'
.busy_done:
    PUTS 'busy jmp '
    SHOW_EXC
    NEWLINE

    ; 3. CALL through the task gate; B returns with IRET
    mov ebx, 0xaaaa0002
    call SEL_GATE_B:0
    mov ecx, ebx
    PUTS 'A after call busy A '
    BUSY SEL_TSS
    PUTHEX eax, 2
    PUTS ' B '
    BUSY SEL_TSS_B
    PUTHEX eax, 2
    pushfd
    pop eax
    shr eax, 14
    and eax, 1
    PUTS ' nt '
    PUTHEX eax, 1
    PUTS ' ebx '
    PUTHEX ecx, 8
    NEWLINE

    ; 4. INT3 through the IDT task gate
    mov ebx, 0xaaaa0003
    int3
    mov ecx, ebx
    PUTS 'A after int3 busy B '
    BUSY SEL_TSS_B
    PUTHEX eax, 2
    PUTS ' ebx '
    PUTHEX ecx, 8
    NEWLINE
    clts
    PASS

; Task B. Each switch back to A saves B's EIP, so B continues where it left.
task_b:
    mov ebx, eax
    str ax
    movzx ecx, ax
    PUTS 'task B eax '
    PUTHEX ebx, 8
    PUTS ' tr '
    PUTHEX ecx, 4
    pushfd
    pop eax
    shr eax, 14
    and eax, 1
    PUTS ' nt '
    PUTHEX eax, 1
    PUTS ' busy A '
    BUSY SEL_TSS
    PUTHEX eax, 2
    PUTS ' B '
    BUSY SEL_TSS_B
    PUTHEX eax, 2
    NEWLINE
    mov ebx, 0xbbbb0001             ; must not leak into A
    jmp SEL_TSS:0

    ; resumed by A's CALL
    pushfd
    pop eax
    shr eax, 14
    and eax, 1
    PUTS 'B called nt '
    PUTHEX eax, 1
    PUTS ' link '
    PUTHEX [TSS_B], 4
    PUTS ' busy A '
    BUSY SEL_TSS
    PUTHEX eax, 2
    PUTS ' B '
    BUSY SEL_TSS_B
    PUTHEX eax, 2
    NEWLINE
    mov ebx, 0xbbbb0002
    iretd                           ; NT = 1: return to the task in the back-link

    ; resumed by A's INT3
    pushfd
    pop eax
    shr eax, 14
    and eax, 1
    PUTS 'B by int3 nt '
    PUTHEX eax, 1
    PUTS ' link '
    PUTHEX [TSS_B], 4
    NEWLINE
    iretd

    ROM_END
