; The HPET with the I/O APIC, from 32-bit protected mode: its capabilities
; (10 ns period), timer 0 periodic in 32-bit mode under the LegacyReplacement
; route arriving as IRQ 0 on I/O APIC pin 2 while the PIT (also running, at
; 1 ms) is disconnected, the tick spacing measured on the main counter, and
; the PIT back on IRQ 0 once the route is off.
; Meaningful on a PC with an HPET at 0xFED00000 and a 100 MHz counter.
; EXPECT: hpet id 8086A201 period 00989680
; EXPECT: hpet legacy 20 ok
; EXPECT: pit back ok
; EXPECT: PASS
; ARGS: -no-reboot -icount shift=0 --timeout 60
%include "lib.inc"

%define APIC        0xfee00000
%define IOAPIC      0xfec00000
%define HPET        0xfed00000
%define TICKS       SCRATCH

%macro SET_GATE 2
    mov eax, %2
    mov word [IDT_BASE + (%1) * 8], ax
    mov word [IDT_BASE + (%1) * 8 + 2], SEL_CODE32
    mov word [IDT_BASE + (%1) * 8 + 4], 0x8e00
    shr eax, 16
    mov word [IDT_BASE + (%1) * 8 + 6], ax
%endmacro

%macro IO_WR 2
    mov dword [IOAPIC], %1
    mov dword [IOAPIC + 0x10], %2
%endmacro

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    lidt [cs:full_idt_ptr]
    SET_GATE 0x30, irq0_isr
    mov dword [TICKS], 0

    ; PIT channel 0 at 1 ms as well (programmed before pin 2 is unmasked:
    ; the control word raises OUT, an edge).
    mov al, 0x34
    out 0x43, al
    mov al, 1193 & 0xff
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al

    ; 8259 masked; LAPIC on; pin 2 -> vector 0x30.
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    mov dword [APIC + 0xf0], 0x1ef
    IO_WR 0x10 + 2 * 2 + 1, 0
    IO_WR 0x10 + 2 * 2, 0x30

    PUTS 'hpet id '
    PUTHEX [HPET], 8
    PUTS ' period '
    PUTHEX [HPET + 4], 8
    NEWLINE

    ; HPET: legacy route, timer 0 periodic 32-bit every 10000 ticks (100 us).
    mov dword [HPET + 0x10], 0x2        ; legacy, counter halted
    mov dword [HPET + 0xf0], 0
    mov dword [HPET + 0xf4], 0
    mov dword [HPET + 0x100], 0x14c     ; 32-bit, VAL_SET, periodic, enable
    mov dword [HPET + 0x108], 10000
    mov dword [HPET + 0x108], 10000
    mov dword [HPET + 0x10], 0x3        ; run
    sti
.wait1:
    hlt
    cmp dword [TICKS], 20
    jb .wait1
    cli
    mov eax, [HPET + 0xf0]
    ; 20 ticks at 100 us: counter 200000 (+ the latency of the last one);
    ; PIT interrupts mixed in would make it smaller.
    cmp eax, 200000
    jb .bad1
    cmp eax, 205000
    ja .bad1
    PUTSLN 'hpet legacy 20 ok'

    ; Route off: IRQ 0 is the PIT's again (1 ms).
    mov dword [HPET + 0x10], 0x1
    mov dword [TICKS], 0
    sti
.wait2:
    hlt
    cmp dword [TICKS], 1
    jb .wait2
    mov ebx, [HPET + 0xf0]
.wait3:
    hlt
    cmp dword [TICKS], 4
    jb .wait3
    cli
    mov eax, [HPET + 0xf0]
    sub eax, ebx                        ; three PIT periods: ~300000 ticks
    cmp eax, 295000
    jb .bad2
    cmp eax, 305000
    ja .bad2
    PUTSLN 'pit back ok'
    PASS
.bad1:
    PUTHEX eax, 8
    FAIL 'hpet legacy tick spacing'
.bad2:
    PUTHEX eax, 8
    FAIL 'pit tick spacing'

irq0_isr:
    inc dword [TICKS]
    mov dword [APIC + 0xb0], 0
    iretd

    align 8
full_idt_ptr:
    dw 256 * 8 - 1
    dd IDT_BASE

    ROM_END
