; MMX registers alias the x87 register file (SDM Vol. 1, 9.5): an MMX
; instruction sets TOP to 0 and every tag to valid, writes the significand
; of the physical register with sign and exponent all ones; EMMS empties the
; tags; FXSAVE shows the same. A pending unmasked x87 exception is delivered
; (#MF with CR0.NE) before an MMX instruction runs. SSE state survives
; FXSAVE/FXRSTOR.
; (Tags are read from FXSAVE's abridged tag byte: FSTENV's full tag word is
; recomputed from the register contents, 0559 here on Bochs and QEMU.)
; Bochs 2.7 (p4_willamette) agrees with every line; QEMU 7.2 keeps the
; exponent of an MMX write at 0 and never raises #MF here.
; EXPECT: before tags C0 top 6
; EXPECT: mmx tags FF top 0 mm1 FFFF 8877665544332211
; EXPECT: emms tags 00
; EXPECT: mf v10 e0000
; EXPECT: fxrstor xmm3 0123456789ABCDEF mxcsr 00005F80
; EXPECT: PASS
%include "lib.inc"

%define FX  0xa000                   ; FXSAVE image (512 bytes, 16-aligned)
%define DATA 0x9800

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    mov eax, cr4
    or eax, 0x600                    ; OSFXSR | OSXMMEXCPT
    mov cr4, eax
    mov eax, cr0
    and eax, ~0xc                    ; EM = TS = 0
    or eax, 0x22                     ; MP, NE
    mov cr0, eax

    fninit
    fld1
    fld1                             ; TOP = 6, R6 R7 valid
    fxsave [FX]
    fnstsw ax
    shr eax, 11
    and eax, 7
    PUTS 'before tags '
    PUTHEX [FX + 4], 2               ; abridged tag byte: bit i = R[i] valid
    PUTS ' top '
    PUTHEX eax, 1
    NEWLINE

    mov dword [DATA], 0x44332211
    mov dword [DATA + 4], 0x88776655
    movq mm1, [DATA]
    fxsave [FX]
    fnstsw ax
    shr eax, 11
    and eax, 7
    PUTS 'mmx tags '
    PUTHEX [FX + 4], 2
    PUTS ' top '
    PUTHEX eax, 1
    PUTS ' mm1 '
    PUTHEX [FX + 48 + 8], 4          ; ST(1) = R1 (TOP = 0): sign/exponent
    PUTS ' '
    PUTHEX [FX + 48 + 4], 8
    PUTHEX [FX + 48], 8
    NEWLINE

    emms
    fxsave [FX]
    PUTS 'emms tags '
    PUTHEX [FX + 4], 2
    NEWLINE

    ; Pending unmasked invalid operation: the next MMX instruction is #MF
    fninit
    mov word [DATA], 0x037e          ; IM clear
    fldcw [DATA]
    fld1
    fchs
    fsqrt                            ; invalid: ES set, nothing delivered yet
    EXPECT_EXC .mf_done
    paddb mm0, mm1
    FAIL 'no #MF before paddb'
.mf_done:
    PUTS 'mf '
    SHOW_EXC
    NEWLINE
    fninit

    ; XMM registers and MXCSR through FXSAVE/FXRSTOR
    mov dword [DATA], 0x89abcdef
    mov dword [DATA + 4], 0x01234567
    movq xmm3, [DATA]
    mov dword [DATA], 0x5f80         ; RC = down
    ldmxcsr [DATA]
    fxsave [FX]
    pxor xmm3, xmm3
    mov dword [DATA], 0x1f80
    ldmxcsr [DATA]
    fxrstor [FX]
    movq [DATA], xmm3
    stmxcsr [DATA + 8]
    PUTS 'fxrstor xmm3 '
    PUTHEX [DATA + 4], 8
    PUTHEX [DATA], 8
    PUTS ' mxcsr '
    PUTHEX [DATA + 8], 8
    NEWLINE
    PASS

    ROM_END
