; x87 errors the PC/AT way (CR0.NE=0): an unmasked divide by zero leaves the
; error pending; the next waiting instruction asserts FERR#, which the board
; latches into IRQ13 (8259 slave input 5, vector 0x75 here). The handler
; reads the status, writes port 0xF0 to clear the latch, FNCLEXes and sends
; EOIs. Then a second error interrupts again, and a masked one does not.
; Bochs 2.7 prints the same.
; EXPECT: pending fsw B084
; EXPECT: irq13 count 1 fsw B084 after fsw 3000
; EXPECT: second error count 2
; EXPECT: masked error count 2
; EXPECT: PASS
%include "lib.inc"

%define IRQ13_VEC 0x75
%define COUNT 0x600
%define HFSW 0x604

start:
    REAL_INIT
    mov dword [COUNT], 0
    ; 8259s as a PC BIOS sets them: master base 0x08, slave base 0x70.
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
    mov al, 0xfb                   ; master: only the cascade (IRQ2)
    out 0x21, al
    mov al, 0xdf                   ; slave: only IRQ13
    out 0xa1, al
    mov word [IRQ13_VEC * 4], irq13_handler
    mov word [IRQ13_VEC * 4 + 2], ROM_SEG

    mov eax, cr0                   ; NE clear (as after reset), MP set
    and eax, ~0x2c
    or eax, 0x2
    mov cr0, eax
    fninit
    fldcw [cs:cw_ze_unmasked]
    fld1
    fldz
    fdivp st1, st0                 ; ZE pending, nothing signalled yet
    fnstsw ax
    PUTS 'pending fsw '
    PUTHEX eax, 4
    NEWLINE
    sti
    fwait                          ; FERR# -> IRQ13, taken after the FWAIT
    nop
    nop
    fnstsw ax
    PUTS 'irq13 count '
    PUTHEX [COUNT], 1
    PUTS ' fsw '
    PUTHEX [HFSW], 4
    PUTS ' after fsw '
    PUTHEX eax, 4
    NEWLINE

    ; A second unmasked error interrupts again (FERR# went inactive at FNCLEX).
    fld1
    fldz
    fdivp st1, st0
    fwait
    nop
    PUTS 'second error count '
    PUTHEX [COUNT], 1
    NEWLINE

    ; A masked error raises nothing.
    fninit
    fld1
    fldz
    fdivp st1, st0
    fwait
    nop
    PUTS 'masked error count '
    PUTHEX [COUNT], 1
    NEWLINE
    cli
    PASS

irq13_handler:
    push ax
    fnstsw ax
    mov [HFSW], ax
    inc dword [COUNT]
    xor al, al
    out 0xf0, al                   ; clear the IRQ13 latch (IGNNE#)
    fnclex
    mov al, 0x20
    out 0xa0, al                   ; EOI slave, then master
    out 0x20, al
    pop ax
    iret

cw_ze_unmasked: dw 0x037b

    ROM_END
