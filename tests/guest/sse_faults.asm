; SSE/SSE2 and MMX exception rules on a real instruction stream (SDM Vol. 3A
; 13.1-13.4, Vol. 2 exception tables): CPUID reports MMX/SSE/SSE2/CLFSH;
; XMM instructions are #UD until CR4.OSFXSR is set and with CR0.EM, #NM with
; CR0.TS (MMX too); a misaligned 16-byte operand of an aligned form is
; #GP(0), an unaligned form is fine; an unmasked SIMD floating-point
; exception is #UD with CR4.OSXMMEXCPT clear and #XM (19) with it set, leaves
; the destination alone and records the flag in MXCSR; LDMXCSR with a
; reserved bit is #GP(0). Some arithmetic results are checked bit for bit.
; Bochs 2.7 (cpu model p4_willamette) agrees with every line; QEMU 7.2 lacks
; CLFSH in its default CPUID and never raises #XM or #UD for an unmasked
; SIMD exception.
; EXPECT: cpuid simd 06880000 clflush 08
; EXPECT: no osfxsr v06 e0000
; EXPECT: mmx without osfxsr ok
; EXPECT: align v0D e0000
; EXPECT: movups 44434241
; EXPECT: ts sse v07 e0000
; EXPECT: ts mmx v07 e0000
; EXPECT: em v06 e0000
; EXPECT: unmasked no osxmmexcpt v06 e0000 mxcsr 00001F01
; EXPECT: unmasked osxmmexcpt v13 e0000 mxcsr 00001F01 dest 3F800000
; EXPECT: masked FFC00000 3F000000 mxcsr 00001F81
; EXPECT: ldmxcsr reserved v0D e0000
; EXPECT: addpd 400C000000000000 cvtsd2si 00000004
; EXPECT: pmaddwd 80000000 paddusb 80FF0000
; EXPECT: PASS
%include "lib.inc"

%define DATA 0x9000                  ; 16-byte aligned scratch (flat)

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup

    ; CPUID.1: EDX bits 19 (CLFSH), 23 (MMX), 25 (SSE), 26 (SSE2); EBX[15:8]
    mov eax, 1
    cpuid
    and edx, 0x06880000
    shr ebx, 8
    and ebx, 0xff
    PUTS 'cpuid simd '
    PUTHEX edx, 8
    PUTS ' clflush '
    PUTHEX ebx, 2
    NEWLINE

    ; CR4.OSFXSR clear: XMM instructions are #UD
    EXPECT_EXC .noosfxsr_done
    movaps xmm0, xmm1
    FAIL 'movaps without OSFXSR'
.noosfxsr_done:
    PUTS 'no osfxsr '
    SHOW_EXC
    NEWLINE
    ; MMX does not depend on OSFXSR
    mov eax, 5
    movd mm0, eax
    paddd mm0, mm0
    movd ebx, mm0
    emms
    CHECK ebx, 10, 'paddd mm'
    PUTSLN 'mmx without osfxsr ok'

    mov eax, cr4
    or eax, 0x200                    ; OSFXSR
    mov cr4, eax

    ; Alignment: MOVAPS needs 16 bytes, MOVUPS does not
    mov dword [DATA + 4], 0x44434241
    mov eax, DATA + 4
    EXPECT_EXC .align_done
.align_insn:
    movaps xmm0, [eax]
    FAIL 'misaligned movaps'
.align_done:
    CHECK [EXC_EIP], .align_insn, 'align eip'
    PUTS 'align '
    SHOW_EXC
    NEWLINE
    movups xmm0, [eax]
    movd ebx, xmm0
    PUTS 'movups '
    PUTHEX ebx, 8
    NEWLINE

    ; CR0.TS: #NM for SSE and MMX alike
    mov eax, cr0
    or eax, 8
    mov cr0, eax
    EXPECT_EXC .ts_sse_done
    addps xmm0, xmm1
    FAIL 'addps with TS'
.ts_sse_done:
    PUTS 'ts sse '
    SHOW_EXC
    NEWLINE
    EXPECT_EXC .ts_mmx_done
    paddb mm0, mm1
    FAIL 'paddb with TS'
.ts_mmx_done:
    PUTS 'ts mmx '
    SHOW_EXC
    NEWLINE
    clts
    addps xmm0, xmm1                 ; fine again

    ; CR0.EM: #UD (not #NM)
    mov eax, cr0
    or eax, 4
    mov cr0, eax
    EXPECT_EXC .em_done
    xorps xmm0, xmm0
    FAIL 'xorps with EM'
.em_done:
    PUTS 'em '
    SHOW_EXC
    NEWLINE
    mov eax, cr0
    and eax, ~4
    mov cr0, eax

    ; Unmasked invalid (0/0) with OSXMMEXCPT clear: #UD
    mov dword [DATA], 0x1f00         ; IM clear
    ldmxcsr [DATA]
    mov dword [DATA], 0              ; xmm0 = {0, 1.0, 0, 0}
    mov dword [DATA + 4], 0x3f800000
    mov dword [DATA + 8], 0
    mov dword [DATA + 12], 0
    mov dword [DATA + 16], 0         ; xmm1 = {0, 2.0, 0, 0}
    mov dword [DATA + 20], 0x40000000
    mov dword [DATA + 24], 0
    mov dword [DATA + 28], 0
    movaps xmm0, [DATA]
    movaps xmm1, [DATA + 16]
    EXPECT_EXC .xm_ud_done
    divps xmm0, xmm1
    FAIL 'unmasked 0/0'
.xm_ud_done:
    stmxcsr [DATA + 32]
    PUTS 'unmasked no osxmmexcpt '
    SHOW_EXC
    PUTS ' mxcsr '
    PUTHEX [DATA + 32], 8
    NEWLINE

    ; ... and #XM with OSXMMEXCPT set; the destination is left alone
    mov eax, cr4
    or eax, 0x400                    ; OSXMMEXCPT
    mov cr4, eax
    mov dword [DATA + 32], 0x1f00
    ldmxcsr [DATA + 32]
    EXPECT_EXC .xm_done
.xm_insn:
    divps xmm0, xmm1
    FAIL 'unmasked 0/0 (XM)'
.xm_done:
    CHECK [EXC_EIP], .xm_insn, '#XM eip'
    stmxcsr [DATA + 32]
    movaps [DATA + 48], xmm0
    PUTS 'unmasked osxmmexcpt '
    SHOW_EXC
    PUTS ' mxcsr '
    PUTHEX [DATA + 32], 8
    PUTS ' dest '
    PUTHEX [DATA + 52], 8
    NEWLINE

    ; Masked: the default NaN and 1/2, IE recorded
    mov dword [DATA + 32], 0x1f80
    ldmxcsr [DATA + 32]
    divps xmm0, xmm1
    movaps [DATA + 48], xmm0
    stmxcsr [DATA + 32]
    PUTS 'masked '
    PUTHEX [DATA + 48], 8
    PUTS ' '
    PUTHEX [DATA + 52], 8
    PUTS ' mxcsr '
    PUTHEX [DATA + 32], 8
    NEWLINE

    ; LDMXCSR with a reserved bit: #GP(0)
    mov dword [DATA + 32], 0x10000
    EXPECT_EXC .ldmxcsr_done
    ldmxcsr [DATA + 32]
    FAIL 'ldmxcsr reserved'
.ldmxcsr_done:
    PUTS 'ldmxcsr reserved '
    SHOW_EXC
    NEWLINE

    ; SSE2 double arithmetic: 1.5 + 2.0 = 3.5, rounded to nearest even: 4
    mov dword [DATA], 0
    mov dword [DATA + 4], 0x3ff80000 ; 1.5
    mov dword [DATA + 8], 0
    mov dword [DATA + 12], 0
    mov dword [DATA + 16], 0
    mov dword [DATA + 20], 0x40000000 ; 2.0
    mov dword [DATA + 24], 0
    mov dword [DATA + 28], 0
    movapd xmm2, [DATA]
    addpd xmm2, [DATA + 16]
    movq [DATA + 32], xmm2
    cvtsd2si eax, xmm2
    PUTS 'addpd '
    PUTHEX [DATA + 36], 8
    PUTHEX [DATA + 32], 8
    PUTS ' cvtsd2si '
    PUTHEX eax, 8
    NEWLINE

    ; MMX integer edge cases: PMADDWD 0x8000*0x8000*2 wraps; PADDUSB saturates
    mov dword [DATA], 0x80008000
    mov dword [DATA + 4], 0
    movq mm1, [DATA]
    pmaddwd mm1, mm1
    movd ebx, mm1
    mov dword [DATA], 0x00007ff0
    mov dword [DATA + 8], 0x00000120
    movd mm2, [DATA]
    movd mm3, [DATA + 8]
    paddusb mm2, mm3
    pslld mm2, 16
    movd ecx, mm2
    emms
    PUTS 'pmaddwd '
    PUTHEX ebx, 8
    PUTS ' paddusb '
    PUTHEX ecx, 8
    NEWLINE
    PASS

    ROM_END
