; Virtual-8086 mode: a protected-mode kernel with a TSS enters V86 mode by
; IRET, runs 16-bit code there (segment arithmetic, stack, port I/O allowed
; by the TSS I/O bitmap), takes #GP(0) on CLI with IOPL 0 and on a port the
; bitmap denies, and comes back to the kernel through INT n (#GP with IOPL
; 0). Then with CR4.VME, CLI/STI/PUSHF in V86 mode work on VIF instead.
; EXPECT: kernel
; EXPECT: v86 mode cs F000 ss 0700
; EXPECT: v86 sum 0000D158 linear ok
; EXPECT: cli v0D e0000 vm 1 cs F000 eip ok
; EXPECT: out 80 v0D e0000
; EXPECT: int 31 v0D e0000
; EXPECT: back in kernel 0000D158
; EXPECT: vme cli if 0 sti if 1 no fault
; EXPECT: PASS
%include "lib.inc"

%define V86_SS 0x0700               ; V86 stack 0700:0000 (linear 0x7000)
%define V86_DATA 0x0800             ; V86 data segment, linear 0x8000 = SCRATCH

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    PUTSLN 'kernel'

    mov dword [EXC_HOOK], 0
    mov dword [SCRATCH], 0
    call enter_v86                  ; returns through the INT 31 hook
    SHOW_EXC
    NEWLINE
    PUTS 'back in kernel '
    PUTHEX [SCRATCH], 8
    NEWLINE

    ; CR4.VME: CLI/STI change VIF, PUSHF shows VIF as IF (SDM Vol. 3A, 20.3)
    mov eax, cr4
    or eax, 1
    mov cr4, eax
    mov dword [EXC_COUNT], 0
    mov dword [vme_mode], 1
    call enter_v86
    mov eax, cr4
    and eax, ~1
    mov cr4, eax
    PASS

; IRET into V86 mode at F000:v86_code (IOPL 0); the V86 code ends with
; INT 31, whose #GP brings it back here through the catcher's hook.
enter_v86:
    pop dword [SCRATCH + 0x10]      ; our return address
    mov [SCRATCH + 0x14], esp
    push dword 0                    ; GS
    push dword 0                    ; FS
    push dword V86_DATA             ; DS
    push dword 0                    ; ES
    push dword V86_SS               ; SS
    push dword 0                    ; ESP (wraps to 0xFFFE on the first push)
    push dword 0x20002              ; EFLAGS: VM, IOPL 0, IF 0
    push dword ROM_SEG              ; CS
    push dword v86_code             ; EIP
    iretd
v86_exit:                           ; from the catcher: CPL 0, DS null
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov esp, [SCRATCH + 0x14]
    jmp [SCRATCH + 0x10]

vme_mode: equ SCRATCH + 0x20

    bits 16
v86_code:
    cmp dword [es:vme_mode], 0
    jne v86_vme
    mov ax, cs
    mov bx, ss
    PUTS 'v86 mode cs '
    PUTHEX eax, 4
    PUTS ' ss '
    PUTHEX ebx, 4
    NEWLINE
    ; real-mode style addressing: DS = 0x800 is linear 0x8000
    mov ax, 0x1234
    push ax
    mov ax, 0x5678
    pop bx
    add ax, bx
    add ax, 0x1234 + 0x5678
    mov [0], ax                     ; DS:0 = linear 0x8000
    PUTS 'v86 sum '
    PUTHEX [0], 8
    mov eax, [es:SCRATCH]           ; ES = 0: the same dword
    cmp eax, [0]
    jne .bad_linear
    PUTSLN ' linear ok'

    ; CLI with IOPL 0: #GP(0); the catcher resumes after it
    mov dword [es:EXC_RESUME], .after_cli
.cli_insn:
    cli
    PUTSLN 'FAIL: no #GP for CLI'
.after_cli:
    PUTS 'cli '
    mov eax, [es:EXC_VEC]
    PUTS 'v'
    PUTHEX eax, 2
    PUTS ' e'
    PUTHEX [es:EXC_ERR], 4
    mov eax, [es:EXC_EFLAGS]
    shr eax, 17
    and eax, 1
    PUTS ' vm '
    PUTHEX eax, 1
    PUTS ' cs '
    PUTHEX [es:EXC_CS], 4
    cmp dword [es:EXC_EIP], .cli_insn
    jne .bad_eip
    PUTSLN ' eip ok'

    ; a port the I/O bitmap denies
    mov dword [es:EXC_RESUME], .after_out
    mov al, 0x55
    out POST_PORT, al
.after_out:
    PUTS 'out 80 v'
    PUTHEX [es:EXC_VEC], 2
    PUTS ' e'
    PUTHEX [es:EXC_ERR], 4
    NEWLINE
    ; INT n with IOPL 0: #GP(0), which the kernel takes as "exit"
    PUTS 'int 31 '
    mov dword [es:EXC_HOOK], v86_exit
    int 0x31
    PUTSLN 'FAIL: no #GP for INT'
.hang:
    jmp .hang
.bad_linear:
    PUTSLN 'FAIL: linear address mismatch'
    jmp .hang
.bad_eip:
    PUTSLN 'FAIL: wrong EIP for #GP'
    jmp .hang

v86_vme:
    ; with VME and IOPL 0, CLI/STI touch VIF and PUSHF reports VIF as IF
    cli
    pushf
    pop ax
    shr ax, 9
    and ax, 1
    PUTS 'vme cli if '
    PUTHEX eax, 1
    sti
    pushf
    pop ax
    shr ax, 9
    and ax, 1
    PUTS ' sti if '
    PUTHEX eax, 1
    cmp dword [es:EXC_COUNT], 0
    jne .fault
    PUTSLN ' no fault'
    mov dword [es:EXC_HOOK], v86_exit
    int 0x31                        ; no redirection bitmap set up: #GP
.fault:
    PUTSLN ' FAIL: faulted'
    jmp .fault
    bits 32

    ROM_END
