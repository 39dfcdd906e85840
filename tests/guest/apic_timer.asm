; The local APIC from 32-bit protected mode (SDM Vol. 3A chapter 10): CPUID
; and IA32_APIC_BASE report it, the version register, software enable, the
; timer in one-shot and periodic mode (divide by 1 and by 16) waking HLT,
; the current count, self-IPIs with the IRR/ISR bits and PPR seen from the
; handler, TPR holding back a lower class, priority order of three pending
; vectors, the ESR write-before-read rule for an illegal vector, and
; IA32_APIC_BASE moving and globally disabling the APIC.
; Meaningful on a PC with the APIC at 0xFEE00000 (a real P6 cannot enable
; its APIC again without a reset; vx86 allows it, as later processors do).
; EXPECT: cpuid apic 1 base FEE00900 ver 00040014
; EXPECT: oneshot 1 ccr 00000000
; EXPECT: periodic 6
; EXPECT: divide16 ok
; EXPECT: ipi irr 1 isr 1 ppr 50
; EXPECT: tpr held 0 released 1
; EXPECT: order 71 63 52
; EXPECT: esr 00000000 00000020
; EXPECT: relocate 00040014 FFFFFFFF disable 0 FFFFFFFF enable 1 000000FF
; EXPECT: PASS
; ARGS: -no-reboot -icount shift=0 --timeout 60
%include "lib.inc"

%define APIC        0xfee00000
%define TICKS       SCRATCH         ; timer interrupts
%define IPIS        SCRATCH + 4     ; self-IPI interrupts
%define SEEN_IRR    SCRATCH + 8
%define SEEN_ISR    SCRATCH + 12
%define SEEN_PPR    SCRATCH + 16
%define ORDER       SCRATCH + 20    ; vectors in delivery order, one byte each
%define NORDER      SCRATCH + 24
%define SPURIOUS    SCRATCH + 28

%macro SET_GATE 2
    mov eax, %2
    mov word [IDT_BASE + (%1) * 8], ax
    mov word [IDT_BASE + (%1) * 8 + 2], SEL_CODE32
    mov word [IDT_BASE + (%1) * 8 + 4], 0x8e00
    shr eax, 16
    mov word [IDT_BASE + (%1) * 8 + 6], ax
%endmacro

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    lidt [cs:full_idt_ptr]
    SET_GATE 0x40, timer_isr
    SET_GATE 0x51, ipi_isr
    SET_GATE 0x52, order_isr
    SET_GATE 0x63, order_isr
    SET_GATE 0x71, order_isr
    SET_GATE 0xef, spurious_isr
    xor eax, eax
    mov [TICKS], eax
    mov [IPIS], eax
    mov [NORDER], eax
    mov [SPURIOUS], eax

    ; --- identification
    mov eax, 1
    cpuid
    shr edx, 9
    and edx, 1
    PUTS 'cpuid apic '
    PUTHEX edx, 1
    mov ecx, 0x1b
    rdmsr
    PUTS ' base '
    PUTHEX eax, 8
    PUTS ' ver '
    PUTHEX [APIC + 0x30], 8
    NEWLINE

    ; --- software enable, spurious vector 0xEF
    mov dword [APIC + 0xf0], 0x1ef
    mov dword [APIC + 0x80], 0          ; TPR

    ; --- one-shot: divide by 1, 10000 counts
    mov dword [APIC + 0x3e0], 0xb
    mov dword [APIC + 0x320], 0x40
    mov dword [APIC + 0x380], 10000
    sti
.wait1:
    hlt
    cmp dword [TICKS], 1
    jb .wait1
    mov ecx, 200000                     ; longer than the period: no second one
.spin1:
    loop .spin1
    cli
    PUTS 'oneshot '
    PUTHEX [TICKS], 1
    PUTS ' ccr '
    PUTHEX [APIC + 0x390], 8
    NEWLINE

    ; --- periodic: 2000 counts, five more interrupts
    mov dword [APIC + 0x320], 0x20040
    mov dword [APIC + 0x380], 2000
    sti
.wait2:
    hlt
    cmp dword [TICKS], 6
    jb .wait2
    cli
    mov dword [APIC + 0x380], 0         ; stop
    PUTS 'periodic '
    PUTHEX [TICKS], 1
    NEWLINE

    ; --- divide by 16: the count falls 16 times slower than at /1
    mov dword [APIC + 0x320], 0x10040   ; masked
    mov dword [APIC + 0x3e0], 0x3
    mov dword [APIC + 0x380], 0xffffffff
    mov ecx, 64000
.spin2:
    loop .spin2
    mov eax, 0xffffffff
    sub eax, [APIC + 0x390]             ; counts gone by
    mov dword [APIC + 0x380], 0
    ; 64000 LOOPs take 64 us: 400 counts at /16 (6400 at /1)
    cmp eax, 300
    jb .bad16
    cmp eax, 3000
    ja .bad16
    PUTSLN 'divide16 ok'
    jmp .ipi
.bad16:
    PUTHEX eax, 8
    FAIL 'divide16'

    ; --- self-IPI: IRR while pending, ISR and PPR inside the handler
.ipi:
    mov dword [APIC + 0x80], 0x50       ; TPR class 5 (below 0x51's class)
    mov dword [APIC + 0x300], 0x40051   ; shorthand self, fixed, vector 0x51
    mov eax, [APIC + 0x220]             ; IRR bits 64-95
    shr eax, 0x51 - 64
    and eax, 1
    mov [SEEN_IRR], eax
    ; TPR 0x50 holds 0x51 back (class 5 is not above 5)
    mov dword [APIC + 0x80], 0x50
    sti
    nop
    nop
    cli
    mov ebx, [IPIS]
    mov dword [APIC + 0x80], 0x20
    sti
    nop
    cli
    PUTS 'ipi irr '
    PUTHEX [SEEN_IRR], 1
    PUTS ' isr '
    PUTHEX [SEEN_ISR], 1
    PUTS ' ppr '
    PUTHEX [SEEN_PPR], 2
    NEWLINE
    PUTS 'tpr held '
    PUTHEX ebx, 1
    PUTS ' released '
    PUTHEX [IPIS], 1
    NEWLINE

    ; --- three vectors pending at once come highest first
    mov dword [APIC + 0x80], 0
    mov dword [APIC + 0x300], 0x40052
    mov dword [APIC + 0x300], 0x40071
    mov dword [APIC + 0x300], 0x40063
    sti
    nop
    nop
    nop
    cli
    PUTS 'order '
    movzx eax, byte [ORDER]
    PUTHEX eax, 2
    PUTS ' '
    movzx eax, byte [ORDER + 1]
    PUTHEX eax, 2
    PUTS ' '
    movzx eax, byte [ORDER + 2]
    PUTHEX eax, 2
    NEWLINE

    ; --- ESR: an illegal vector shows only after a write
    mov dword [APIC + 0x280], 0
    mov dword [APIC + 0x300], 0x40005
    mov eax, [APIC + 0x280]
    mov dword [APIC + 0x280], 0
    mov ebx, [APIC + 0x280]
    PUTS 'esr '
    PUTHEX eax, 8
    PUTS ' '
    PUTHEX ebx, 8
    NEWLINE
    cmp dword [SPURIOUS], 0
    je .msr
    FAIL 'spurious interrupt'

    ; --- IA32_APIC_BASE: move the registers, disable the APIC globally
    ; (CPUID drops the flag, the page is gone), enable it again (reset state).
.msr:
    mov ecx, 0x1b
    xor edx, edx
    mov eax, 0xfef00900
    wrmsr
    PUTS 'relocate '
    PUTHEX [0xfef00030], 8
    PUTS ' '
    PUTHEX [APIC + 0x30], 8
    mov eax, 0xfef00100
    wrmsr
    mov eax, 1
    cpuid
    shr edx, 9
    and edx, 1
    PUTS ' disable '
    PUTHEX edx, 1
    PUTS ' '
    PUTHEX [0xfef00030], 8
    mov ecx, 0x1b
    xor edx, edx
    mov eax, 0xfee00900
    wrmsr
    mov eax, 1
    cpuid
    shr edx, 9
    and edx, 1
    PUTS ' enable '
    PUTHEX edx, 1
    PUTS ' '
    PUTHEX [APIC + 0xf0], 8
    NEWLINE
    PASS

timer_isr:
    inc dword [TICKS]
    mov dword [APIC + 0xb0], 0
    iretd

ipi_isr:
    push eax
    inc dword [IPIS]
    mov eax, [APIC + 0x120]             ; ISR bits 64-95
    shr eax, 0x51 - 64
    and eax, 1
    mov [SEEN_ISR], eax
    mov eax, [APIC + 0xa0]
    mov [SEEN_PPR], eax
    mov dword [APIC + 0xb0], 0
    pop eax
    iretd

; Which vector is in service: the highest ISR bit among 0x52, 0x63, 0x71.
order_isr:
    push eax
    push ebx
    mov ebx, [NORDER]
    mov al, 0x71
    test dword [APIC + 0x130], 1 << (0x71 - 96)
    jnz .got
    mov al, 0x63
    test dword [APIC + 0x130], 1 << (0x63 - 96)
    jnz .got
    mov al, 0x52
.got:
    mov [ORDER + ebx], al
    inc dword [NORDER]
    mov dword [APIC + 0xb0], 0
    pop ebx
    pop eax
    iretd

spurious_isr:
    inc dword [SPURIOUS]                ; no EOI for the spurious vector
    iretd

    align 8
full_idt_ptr:
    dw 256 * 8 - 1
    dd IDT_BASE

    ROM_END
