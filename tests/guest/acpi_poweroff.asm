; ACPI on the PC, from a bare ROM: program the PIIX4 PM function (00:01.3)
; as SeaBIOS's piix4_pm_setup() does, check the PM timer's rate against
; virtual time (-icount shift=0: 1 ns per instruction), take the SCI on
; IRQ 9 (level, through the 8259s and the ELCR) from the timer carry, do the
; SMI_CMD ACPI-enable handshake, and power off with S5 (SLP_TYP 0 | SLP_EN
; in PM1a_CNT): vx86 ends with status 0.
; EXPECT: pm timer runs
; EXPECT: acpi enabled
; EXPECT: sci on irq 9
; EXPECT: powering off
; STATUS: 0
; ARGS: -no-reboot -icount shift=0
%include "lib.inc"

%define PMBASE   0x600
%define PM1_STS  (PMBASE + 0)
%define PM1_EN   (PMBASE + 2)
%define PM1_CNT  (PMBASE + 4)
%define PM_TMR   (PMBASE + 8)
%define SCIS     0x8000              ; SCI count (RAM)
%define T0       0x8004

start:
    REAL_INIT
    ; --- PCI config of 00:01.3: PMBA = 0x600 | 1, PMREGMISC = 1.
    mov eax, 0x80000000 | (0x0b << 8) | 0x40
    mov dx, 0xcf8
    out dx, eax
    mov eax, PMBASE | 1
    mov dx, 0xcfc
    out dx, eax
    mov eax, 0x80000000 | (0x0b << 8) | 0x80
    mov dx, 0xcf8
    out dx, eax
    mov al, 1
    mov dx, 0xcfc
    out dx, al

    ; --- the timer: 1,000,000 LOOPs = 1 ms = 3579.5 counts.
    mov dx, PM_TMR
    in eax, dx
    mov [T0], eax
    mov ecx, 1000000
.spin:
    a32 loop .spin
    in eax, dx
    sub eax, [T0]
    and eax, 0xffffff
    cmp eax, 3400
    jb .badrate
    cmp eax, 3800
    ja .badrate
    PUTSLN 'pm timer runs'
    jmp .enable
.badrate:
    PUTHEX eax, 8
    NEWLINE
    FAIL 'pm timer rate'

    ; --- ACPI enable through SMI_CMD (the FADT's 0xB2 / 0xF1).
.enable:
    mov dx, PM1_CNT
    in ax, dx
    test ax, 1
    jnz .fail_sci_en
    mov al, 0xf1
    out 0xb2, al
    in ax, dx
    test ax, 1
    jz .fail_sci_en
    PUTSLN 'acpi enabled'
    jmp .pic
.fail_sci_en:
    FAIL 'SCI_EN'

    ; --- 8259s: master 0x08, slave 0x70, only IRQ 2 (cascade) and IRQ 9;
    ; IRQ 9 level-triggered in the ELCR, as the SCI is.
.pic:
    mov word [0x71 * 4], sci_handler
    mov word [0x71 * 4 + 2], ROM_SEG
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
    mov al, 0xfb
    out 0x21, al
    mov al, 0xfd
    out 0xa1, al
    mov dx, 0x4d1
    mov al, 0x02
    out dx, al
    ; Clear the timer status, enable TMR_EN: the next carry of bit 23
    ; (at most 2.35 s of virtual time away) raises the SCI.
    mov dword [SCIS], 0
    mov dx, PM1_STS
    mov ax, 0xffff
    out dx, ax
    mov dx, PM1_EN
    mov ax, 1
    out dx, ax
    sti
.wait:
    hlt
    cmp dword [SCIS], 2
    jb .wait
    cli
    PUTSLN 'sci on irq 9'

    ; --- S5: SLP_TYP 0, SLP_EN.
    PUTSLN 'powering off'
    mov dx, PM1_CNT
    mov ax, 0x2001
    out dx, ax
    FAIL 'still running after S5'

; The SCI: acknowledge the timer carry (write 1 to clear) before EOI, or
; the level would interrupt again at once.
sci_handler:
    push ax
    push dx
    mov dx, PM1_STS
    in ax, dx
    test ax, 1
    jz .spurious
    out dx, ax
    inc dword [SCIS]
.spurious:
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop dx
    pop ax
    iret

    ROM_END
