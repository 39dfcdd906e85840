; The I/O APIC with the local APIC, from 32-bit protected mode: its version
; register, the PIT (ISA IRQ 0) arriving on pin 2 as the MADT's interrupt
; source override says while the 8259 masks everything, a level-triggered
; pin (the RTC's IRQ 8, which stays asserted until register C is read) with
; Remote IRR set until the EOI and the interrupt delivered again after an
; EOI while the line is still high; then virtual-wire mode: the 8259's INTR
; through LINT0 in ExtINT mode (vector from the 8259), and LINT0 masked
; holding it back.
; Meaningful on a PC with an 82093AA-compatible I/O APIC at 0xFEC00000.
; EXPECT: ioapic ver 00170011 entry 00010000
; EXPECT: pit via ioapic 3
; EXPECT: rtc level 2 rirr 1 0
; EXPECT: virtual wire 3
; EXPECT: lint0 masked ok
; EXPECT: PASS
; ARGS: -no-reboot -icount shift=0 --timeout 60
%include "lib.inc"

%define APIC        0xfee00000
%define IOAPIC      0xfec00000
%define PIT_TICKS   SCRATCH
%define RTC_N       SCRATCH + 4
%define RIRR1       SCRATCH + 8
%define PIC_TICKS   SCRATCH + 12
%define SPURIOUS    SCRATCH + 16
%define LTICKS      SCRATCH + 20

%macro SET_GATE 2
    mov eax, %2
    mov word [IDT_BASE + (%1) * 8], ax
    mov word [IDT_BASE + (%1) * 8 + 2], SEL_CODE32
    mov word [IDT_BASE + (%1) * 8 + 4], 0x8e00
    shr eax, 16
    mov word [IDT_BASE + (%1) * 8 + 6], ax
%endmacro

; IOWIN register %1 = %2
%macro IO_WR 2
    mov dword [IOAPIC], %1
    mov dword [IOAPIC + 0x10], %2
%endmacro

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    lidt [cs:full_idt_ptr]
    SET_GATE 0x30, pit_isr
    SET_GATE 0x38, rtc_isr
    SET_GATE 0x40, lapic_timer_isr
    SET_GATE 0x20, pic_irq0_isr         ; 8259 master at 0x20
    SET_GATE 0xef, spurious_isr
    xor eax, eax
    mov [PIT_TICKS], eax
    mov [RTC_N], eax
    mov [PIC_TICKS], eax
    mov [SPURIOUS], eax
    mov [LTICKS], eax

    ; 8259 pair initialized (master vectors 0x20, slave 0x28), all masked.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01
    out 0x21, al
    out 0xa1, al
    mov al, 0xff
    out 0x21, al
    out 0xa1, al

    ; LAPIC on, LINT0 masked (its reset state).
    mov dword [APIC + 0xf0], 0x1ef
    mov dword [APIC + 0x80], 0

    mov dword [IOAPIC], 1
    PUTS 'ioapic ver '
    PUTHEX [IOAPIC + 0x10], 8
    mov dword [IOAPIC], 0x10 + 2 * 2
    PUTS ' entry '
    PUTHEX [IOAPIC + 0x10], 8
    NEWLINE

    ; --- PIT channel 0 mode 2, 1 ms, on pin 2: vector 0x30, fixed, edge,
    ; physical destination APIC 0.
    IO_WR 0x10 + 2 * 2 + 1, 0x00000000
    IO_WR 0x10 + 2 * 2, 0x00000030
    mov al, 0x34
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    sti
.wait_pit:
    hlt
    cmp dword [PIT_TICKS], 3
    jb .wait_pit
    cli
    IO_WR 0x10 + 2 * 2, 0x00010030      ; mask pin 2
    PUTS 'pit via ioapic '
    PUTHEX [PIT_TICKS], 1
    NEWLINE

    ; --- RTC periodic interrupt (IRQ 8) as a level-triggered pin 8.
    IO_WR 0x10 + 2 * 8 + 1, 0x00000000
    IO_WR 0x10 + 2 * 8, 0x00008038      ; level, active high, vector 0x38
    mov al, 0x0a
    out 0x70, al
    mov al, 0x26                        ; 1024 Hz
    out 0x71, al
    mov al, 0x0b
    out 0x70, al
    mov al, 0x42                        ; PIE, 24 h
    out 0x71, al
    sti
.wait_rtc:
    hlt
    cmp dword [RTC_N], 2
    jb .wait_rtc
    cli
    mov al, 0x0b
    out 0x70, al
    mov al, 0x02                        ; periodic interrupt off
    out 0x71, al
    mov al, 0x0c
    out 0x70, al
    in al, 0x71
    IO_WR 0x10 + 2 * 8, 0x00018038
    mov dword [IOAPIC], 0x10 + 2 * 8
    mov eax, [IOAPIC + 0x10]
    shr eax, 14
    and eax, 1
    PUTS 'rtc level '
    PUTHEX [RTC_N], 1
    PUTS ' rirr '
    PUTHEX [RIRR1], 1
    PUTS ' '
    PUTHEX eax, 1
    NEWLINE

    ; --- virtual wire: 8259 IRQ0 unmasked, LINT0 ExtINT.
    mov dword [APIC + 0x350], 0x8700
    mov al, 0xfe
    out 0x21, al
    sti
.wait_pic:
    hlt
    cmp dword [PIC_TICKS], 3
    jb .wait_pic
    cli
    PUTS 'virtual wire '
    PUTHEX [PIC_TICKS], 1
    NEWLINE

    ; --- LINT0 masked: the 8259 keeps its request, the CPU sees nothing
    ; while the LAPIC timer runs 5 ms (5 PIT periods).
    mov dword [APIC + 0x350], 0x18700
    mov ebx, [PIC_TICKS]
    mov dword [APIC + 0x3e0], 0xb
    mov dword [APIC + 0x320], 0x40
    mov dword [APIC + 0x380], 500000
    sti
.wait_lt:
    hlt
    cmp dword [LTICKS], 1
    jb .wait_lt
    cli
    cmp ebx, [PIC_TICKS]
    jne .bad_mask
    mov al, 0x0a                        ; OCW3: read IRR
    out 0x20, al
    in al, 0x20
    test al, 1
    jz .bad_mask
    PUTSLN 'lint0 masked ok'
    cmp dword [SPURIOUS], 0
    jne .bad_spurious
    PASS
.bad_mask:
    FAIL 'PIC interrupt with LINT0 masked'
.bad_spurious:
    FAIL 'spurious interrupt'

pit_isr:
    inc dword [PIT_TICKS]
    mov dword [APIC + 0xb0], 0
    iretd

; First time: leave register C unread (the line stays high), note Remote
; IRR, EOI: delivered again at once. Second time: read C, then EOI.
rtc_isr:
    push eax
    inc dword [RTC_N]
    cmp dword [RTC_N], 1
    jne .second
    mov dword [IOAPIC], 0x10 + 2 * 8
    mov eax, [IOAPIC + 0x10]
    shr eax, 14
    and eax, 1
    mov [RIRR1], eax
    jmp .eoi
.second:
    mov al, 0x0c
    out 0x70, al
    in al, 0x71
.eoi:
    mov dword [APIC + 0xb0], 0
    pop eax
    iretd

pic_irq0_isr:
    push eax
    inc dword [PIC_TICKS]
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

lapic_timer_isr:
    inc dword [LTICKS]
    mov dword [APIC + 0xb0], 0
    iretd

spurious_isr:
    inc dword [SPURIOUS]
    iretd

    align 8
full_idt_ptr:
    dw 256 * 8 - 1
    dd IDT_BASE

    ROM_END
