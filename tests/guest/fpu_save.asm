; x87 state images field by field: FSTENV in the real-mode 16- and 32-bit
; layouts (20-bit linear FIP/FDP with FOP), FSAVE/FRSTOR in the protected-
; mode 32- and 16-bit layouts (SDM Vol. 1, Figures 8-9 to 8-12), and the
; 512-byte FXSAVE image (x87 part and XMM1) with FXRSTOR and its alignment
; #GP (SDM Vol. 2A FXSAVE, Table 3-53). Bochs 2.7 (cpu model p3_katmai)
; prints the same.
; EXPECT: real env32 ok
; EXPECT: real env16 ok
; EXPECT: fsave32 ok
; EXPECT: after fnsave fcw 037F fsw 0000 ftw FFFF
; EXPECT: frstor 00000002 00000001
; EXPECT: fsave16 ok
; EXPECT: fxsave ok
; EXPECT: fxrstor fcw 027F st0 00000002
; EXPECT: fxsave misaligned v0D e0000
; EXPECT: PASS
%include "lib.inc"

%define IMG SCRATCH                ; state image
%define TWO (SCRATCH + 0x100)      ; 2.0f in RAM
%define FXIMG 0x9000               ; 16-byte aligned

; WCHK offset, value, 'what': compare the word at IMG+offset
%macro WCHK 3
    movzx eax, word [IMG + (%1)]
    CHECK eax, %2, %3
%endmacro
%macro DCHK 3
    CHECK dword [IMG + (%1)], %2, %3
%endmacro

start:
    REAL_INIT
    mov dword [TWO], 0x40000000

    ; --- real mode, 32-bit layout: FIP/FDP as 20-bit linear addresses ---
    fninit
    fld1
.r_ld:
    fld dword [TWO]                ; D9 06 disp16: FOP 106
    o32 fnstenv [IMG]
    cmp word [IMG + 0], 0x037f
    jne .r_bad
    cmp word [IMG + 4], 0x3000     ; TOP = 6
    jne .r_bad
    cmp word [IMG + 8], 0x0fff     ; R7, R6 valid
    jne .r_bad
    cmp word [IMG + 12], OFS(.r_ld) ; low 16 bits of F0000 + IP
    jne .r_bad
    cmp dword [IMG + 16], 0xf000 | 0x106 ; IP bits 16-31 at bit 12, FOP
    jne .r_bad
    cmp word [IMG + 20], TWO
    jne .r_bad
    cmp dword [IMG + 24], 0
    jne .r_bad
    PUTSLN 'real env32 ok'

    ; --- real mode, 16-bit layout ---
    fldcw [IMG]                    ; FSTENV masked everything; reload 037F
    o16 fnstenv [IMG]
    cmp word [IMG + 0], 0x037f
    jne .r_bad
    cmp word [IMG + 2], 0x3000
    jne .r_bad
    cmp word [IMG + 4], 0x0fff
    jne .r_bad
    cmp word [IMG + 6], OFS(.r_ld)
    jne .r_bad
    cmp word [IMG + 8], 0xf000 | 0x106
    jne .r_bad
    cmp word [IMG + 10], TWO
    jne .r_bad
    cmp word [IMG + 12], 0
    jne .r_bad
    PUTSLN 'real env16 ok'
    jmp .pm

.r_bad:
    FAIL 'real-mode environment image'

.pm:
    PM_ENTER
    call lib_idt_setup
    mov eax, cr0
    and eax, ~0xc                  ; EM, TS clear
    or eax, 0x22                   ; NE, MP
    mov cr0, eax

    ; --- protected mode, 32-bit FSAVE ---
    fninit
    fld1
.p_ld:
    fld dword [TWO]                ; D9 05 disp32: FOP 105
    fnsave [IMG]
    WCHK 0, 0x037f, 'fcw'
    WCHK 4, 0x3000, 'fsw'
    WCHK 8, 0x0fff, 'ftw'
    DCHK 12, .p_ld, 'fip'
    WCHK 16, SEL_CODE32, 'fcs'
    WCHK 18, 0x105, 'fop'
    DCHK 20, TWO, 'fdp'
    WCHK 24, SEL_DATA32, 'fds'
    DCHK 28, 0, 'st0 low'
    DCHK 32, 0x80000000, 'st0 high'
    WCHK 36, 0x4000, 'st0 exp'
    DCHK 42, 0x80000000, 'st1 high'
    WCHK 46, 0x3fff, 'st1 exp'
    PUTSLN 'fsave32 ok'
    ; FNSAVE ends with FNINIT.
    fnstcw [IMG + 0x200]
    fnstsw [IMG + 0x204]
    fnstenv [IMG + 0x210]
    PUTS 'after fnsave fcw '
    PUTHEX [IMG + 0x200], 4
    PUTS ' fsw '
    PUTHEX [IMG + 0x204], 4
    PUTS ' ftw '
    PUTHEX [IMG + 0x218], 4
    NEWLINE
    frstor [IMG]
    fistp dword [IMG + 0x200]
    fistp dword [IMG + 0x204]
    PUTS 'frstor '
    PUTHEX [IMG + 0x200], 8
    PUTS ' '
    PUTHEX [IMG + 0x204], 8
    NEWLINE

    ; --- protected mode, 16-bit FSAVE ---
    fninit
    fld1
.p16_ld:
    fld dword [TWO]
    o16 fnsave [IMG]
    WCHK 0, 0x037f, 'fcw16'
    WCHK 2, 0x3000, 'fsw16'
    WCHK 4, 0x0fff, 'ftw16'
    WCHK 6, OFS(.p16_ld), 'fip16'
    WCHK 8, SEL_CODE32, 'fcs16'
    WCHK 10, TWO, 'fdp16'
    WCHK 12, SEL_DATA32, 'fds16'
    DCHK 18, 0x80000000, 'st0 high 16'
    WCHK 22, 0x4000, 'st0 exp 16'
    WCHK 32, 0x3fff, 'st1 exp 16'
    PUTSLN 'fsave16 ok'

    ; --- FXSAVE (CR4.OSFXSR set) ---
    mov eax, cr4
    or eax, 0x200
    mov cr4, eax
    movups xmm1, [cs:xmm_pattern]
    fninit
    fld1
.f_ld:
    fld dword [TWO]
    fxsave [FXIMG]
    movzx eax, word [FXIMG + 0]
    CHECK eax, 0x037f, 'fx fcw'
    movzx eax, word [FXIMG + 2]
    CHECK eax, 0x3000, 'fx fsw'
    movzx eax, word [FXIMG + 4]
    CHECK eax, 0x00c0, 'fx abridged ftw'
    movzx eax, word [FXIMG + 6]
    CHECK eax, 0x105, 'fx fop'
    CHECK dword [FXIMG + 8], .f_ld, 'fx fip'
    movzx eax, word [FXIMG + 12]
    CHECK eax, SEL_CODE32, 'fx fcs'
    CHECK dword [FXIMG + 16], TWO, 'fx fdp'
    movzx eax, word [FXIMG + 20]
    CHECK eax, SEL_DATA32, 'fx fds'
    mov eax, [FXIMG + 28]
    or eax, 0x40                   ; DAZ is there or not, by CPU model
    CHECK eax, 0xffff, 'fx mxcsr_mask'
    CHECK dword [FXIMG + 36], 0x80000000, 'fx st0 high'
    movzx eax, word [FXIMG + 40]
    CHECK eax, 0x4000, 'fx st0 exp'
    movzx eax, word [FXIMG + 56]
    CHECK eax, 0x3fff, 'fx st1 exp'
    CHECK dword [FXIMG + 176], 0x11223344, 'fx xmm1 low'
    CHECK dword [FXIMG + 188], 0xccddeeff, 'fx xmm1 high'
    PUTSLN 'fxsave ok'
    ; FXRSTOR takes the image back, here with another FCW.
    fninit
    mov word [FXIMG], 0x027f
    fxrstor [FXIMG]
    fnstcw [IMG]
    fistp dword [IMG + 4]
    PUTS 'fxrstor fcw '
    PUTHEX [IMG], 4
    PUTS ' st0 '
    PUTHEX [IMG + 4], 8
    NEWLINE
    ; A misaligned image is #GP(0).
    mov dword [EXC_RESUME], .gp_done
    fxsave [FXIMG + 8]
    FAIL 'no #GP for a misaligned FXSAVE'
.gp_done:
    PUTS 'fxsave misaligned '
    SHOW_EXC
    NEWLINE
    PASS

xmm_pattern: dd 0x11223344, 0x55667788, 0x99aabbcc, 0xccddeeff

    ROM_END
