; Deterministic time (-icount shift=0: one instruction takes 1 ns of virtual
; time). The PIT interrupts every 1193 counts of 1/1.193182 MHz (999847 ns);
; between ticks a 3-instruction loop counts, so every count is about
; 999847 / 3 = 333282 less the handler and printing (~100 instructions);
; the window allows +-400 loops (a PIT count is 279 loops). The counts go to
; COM1 (0x3F8); the runner runs the guest twice and requires byte-identical
; serial output.
; EXPECT: 5 ticks of 1 ms, each 333282 +- 400 loops
; EXPECT: PASS
; ARGS: -no-reboot -icount shift=0 --timeout 60
; DETERMINISTIC
%include "lib.inc"

%define COM1 0x3f8
%define TICK_FLAG SCRATCH
%define PIT_COUNT 1193
%define LOOPS_MAX (333282 + 400)  ; (PIT_COUNT * 10^9 / 1193182 ns) / 3 instructions
%define LOOPS_MIN (333282 - 400)

start:
    REAL_INIT
    ; IRQ0 -> vector 0x20: IVT entry 0x20 = F000:irq0
    mov word [0x20 * 4], irq0
    mov word [0x20 * 4 + 2], ROM_SEG
    ; 8259A master: ICW1 (edge, cascade, ICW4), ICW2 base 0x20, ICW3 slave on
    ; IR2, ICW4 8086 mode; only IRQ0 unmasked. Slave: base 0x28, all masked.
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
    mov al, 0xfe
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    ; 8254 channel 0, lobyte/hibyte, mode 2 (rate generator)
    mov al, 0x34
    out 0x43, al
    mov al, PIT_COUNT & 0xff
    out 0x40, al
    mov al, PIT_COUNT >> 8
    out 0x40, al
    sti
    hlt                         ; line up with the first tick
    mov si, 5
.tick:
    mov byte [TICK_FLAG], 0
    xor ecx, ecx
.count:
    inc ecx
    cmp byte [TICK_FLAG], 0
    je .count
    mov eax, ecx
    call com1_hex
    cmp ecx, LOOPS_MAX
    ja .bad
    cmp ecx, LOOPS_MIN
    jb .bad
    dec si
    jnz .tick
    cli
    PUTSLN '5 ticks of 1 ms, each 333282 +- 400 loops'
    PASS
.bad:
    cli
    PUTS 'FAIL: loops per tick '
    PUTHEX ecx, 8
    NEWLINE
    EXIT_CODE FAIL_CODE

irq0:
    mov byte [TICK_FLAG], 1
    push ax
    mov al, 0x20                ; non-specific EOI
    out 0x20, al
    pop ax
    iret

com1_hex:                       ; EAX as 8 hex digits and a newline on COM1
    push eax
    push cx
    push dx
    mov dx, COM1
    mov cx, 8
.digit:
    rol eax, 4
    push ax
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '0' - 10
.out:
    out dx, al
    pop ax
    loop .digit
    mov al, 10
    out dx, al
    pop dx
    pop cx
    pop eax
    ret

    ROM_END
