; An idle guest uses no host CPU: with the PIT at its slowest rate (18.2 Hz)
; the guest waits in HLT for 37 ticks (2 s of host time in real-time mode).
; The runner measures vx86's user+system CPU time and requires it below 5%
; of those 2 seconds (MAXCPU, in milliseconds).
; EXPECT: slept 37 ticks
; EXPECT: PASS
; MAXCPU: 100
%include "lib.inc"

%define TICKS SCRATCH

start:
    REAL_INIT
    mov word [0x20 * 4], irq0
    mov word [0x20 * 4 + 2], ROM_SEG
    mov al, 0x11                ; 8259A: as in batch_icount.asm
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
    mov al, 0xfe
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    mov al, 0x34                ; 8254 channel 0, mode 2, count 0 = 65536
    out 0x43, al
    xor al, al
    out 0x40, al
    out 0x40, al
    mov dword [TICKS], 0
    sti
.wait:
    hlt
    cmp dword [TICKS], 37
    jb .wait
    cli
    PUTSLN 'slept 37 ticks'
    PASS

irq0:
    inc dword [TICKS]
    push ax
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

    ROM_END
