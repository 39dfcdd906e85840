; Interrupts of the 8042 and COM1 through the PIC in real mode: IRQ1 for a
; byte the controller puts in its output buffer "from the keyboard" (0xD2),
; IRQ12 for one "from the mouse" (0xD3), nothing while the command byte
; disables them, and IRQ4 for COM1's THR-empty interrupt gated by OUT2.
; QEMU 7.2's isapc machine agrees up to the OUT2 check (its 16550 does not
; gate the IRQ with OUT2); its pc machine leaves IRQ1 pending in the PIC.
; EXPECT: irq1 5A
; EXPECT: irq12 A5
; EXPECT: masked ok
; EXPECT: irq4 iir C2
; EXPECT: PASS
%include "lib.inc"

%define COUNT1  0x600   ; dwords: IRQ1 count and the byte it read, ...
%define BYTE1   0x604
%define COUNT12 0x608
%define BYTE12  0x60c
%define COUNT4  0x610
%define IIR4    0x614
%define COM1    0x3f8

start:
    REAL_INIT
    mov dword [COUNT1], 0
    mov dword [BYTE1], 0
    mov dword [COUNT12], 0
    mov dword [BYTE12], 0
    mov dword [COUNT4], 0
    mov dword [IIR4], 0
    mov word [(8 + 1) * 4], irq1_handler      ; IRQ1 -> INT 09h
    mov word [(8 + 1) * 4 + 2], cs
    mov word [(8 + 4) * 4], irq4_handler      ; IRQ4 -> INT 0Ch
    mov word [(8 + 4) * 4 + 2], cs
    mov word [0x74 * 4], irq12_handler        ; IRQ12 -> INT 74h
    mov word [0x74 * 4 + 2], cs
    ; With a local APIC (CPUID.1:EDX bit 9) the 8259's INTR reaches the CPU
    ; only through LINT0, masked after reset; turning the APIC off globally
    ; (IA32_APIC_BASE bit 11) connects INTR directly (SDM Vol. 3A 10.4.3).
    mov eax, 1
    cpuid
    test edx, 1 << 9
    jz .no_apic
    mov ecx, 0x1b
    rdmsr
    and eax, ~(1 << 11)
    wrmsr
.no_apic:
    ; 8259A pair as a PC BIOS sets it up: vectors 08h and 70h, cascade on IRQ2.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x70
    out 0xa1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01
    out 0x21, al
    out 0xa1, al
    mov al, 0xe9            ; unmask IRQ1, IRQ2, IRQ4
    out 0x21, al
    mov al, 0xef            ; unmask IRQ12
    out 0xa1, al

    ; --- IRQ1 and IRQ12 ---
    call kbc_flush
    mov al, 0x60
    call kbc_cmd
    mov al, 0x47            ; translate, system, IRQ1 and IRQ12 enabled
    call kbc_data
    mov al, 0xd2
    call kbc_cmd
    mov al, 0x5a
    call kbc_data
    mov bx, COUNT1
    call wait_count
    CHECK dword [COUNT1], 1, 'IRQ1 count'
    PUTS 'irq1 '
    PUTHEX dword [BYTE1], 2
    NEWLINE
    mov al, 0xd3
    call kbc_cmd
    mov al, 0xa5
    call kbc_data
    mov bx, COUNT12
    call wait_count
    CHECK dword [COUNT12], 1, 'IRQ12 count'
    PUTS 'irq12 '
    PUTHEX dword [BYTE12], 2
    NEWLINE
    ; command byte without the interrupt bits: data but no IRQ
    mov al, 0x60
    call kbc_cmd
    mov al, 0x44
    call kbc_data
    mov al, 0xd2
    call kbc_cmd
    mov al, 0x33
    call kbc_data
    call wait_obf
    call wait_irq
    CHECK dword [COUNT1], 1, 'IRQ1 while disabled'
    in al, 0x64
    and eax, 0x21
    CHECK eax, 0x01, 'status after 0xD2'
    in al, 0x60
    and eax, 0xff
    CHECK eax, 0x33, 'byte without IRQ'
    PUTSLN 'masked ok'

    ; --- IRQ4: THR empty, OUT2 gates the line ---
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al
    mov dx, COM1 + 2
    mov al, 0x07
    out dx, al
    mov dx, COM1 + 4
    mov al, 0x03            ; DTR RTS, OUT2 off
    out dx, al
    mov dx, COM1 + 1
    mov al, 0x02            ; THRI
    out dx, al
    call wait_irq
    CHECK dword [COUNT4], 0, 'IRQ4 without OUT2'
    mov dx, COM1 + 4
    mov al, 0x0b            ; OUT2 on
    out dx, al
    mov bx, COUNT4
    call wait_count
    CHECK dword [COUNT4], 1, 'IRQ4 count'
    PUTS 'irq4 iir '
    PUTHEX dword [IIR4], 2
    NEWLINE
    PASS

; Let pending interrupts in for a while.
wait_irq:
    push cx
    sti
    mov cx, 2000
.w: loop .w
    cli
    pop cx
    ret

; Interrupts on until the dword at [BX] is nonzero (or a long time passed):
; a real controller takes a while to fill its output buffer.
wait_count:
    push ecx
    mov ecx, 0x400000
    sti
.w: cmp dword [bx], 0
    jne .done
    a32 loop .w
.done:
    cli
    pop ecx
    ret

; Wait until the 8042's output buffer is full.
wait_obf:
    push ax
    push ecx
    mov ecx, 0x400000
.w: in al, 0x64
    test al, 1
    jnz .done
    a32 loop .w
.done:
    pop ecx
    pop ax
    ret

irq1_handler:
    push ax
    in al, 0x60
    mov [BYTE1], al
    inc word [COUNT1]
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

irq12_handler:
    push ax
    in al, 0x60
    mov [BYTE12], al
    inc word [COUNT12]
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop ax
    iret

irq4_handler:
    push ax
    push dx
    mov dx, COM1 + 2
    in al, dx               ; reading IIR clears the THRE interrupt
    mov [IIR4], al
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    inc word [COUNT4]
    mov al, 0x20
    out 0x20, al
    pop dx
    pop ax
    iret

kbc_wait_in:
    push ax
    push cx
    mov cx, 0
.w: in al, 0x64
    test al, 2
    jz .ok
    loop .w
.ok:
    pop cx
    pop ax
    ret
kbc_cmd:
    call kbc_wait_in
    out 0x64, al
    ret
kbc_data:
    call kbc_wait_in
    out 0x60, al
    ret
kbc_flush:
    push ax
.f: in al, 0x64
    test al, 1
    jz .done
    in al, 0x60
    jmp .f
.done:
    pop ax
    ret

    ROM_END
