; x87 exception delivery in protected mode: arithmetic results read back
; through FISTP, FCOMI flags, a masked stack fault, #MF (CR0.NE=1) raised by
; the next waiting instruction after an unmasked divide by zero, #NM with
; CR0.TS (the handler does CLTS and returns to retry, as lazy FPU switching
; does), FWAIT under MP/TS, and #NM with CR0.EM. Bochs 2.7 prints the same;
; QEMU 7.2 does not (no stack faults, and it pops on an unmasked exception).
; EXPECT: sqrt 00159446 pi 00019220 fsin 0000026A
; EXPECT: fcomi eflags 00000001 fsw 3020
; EXPECT: stack fault fsw 3841 indefinite FFC00000
; EXPECT: mf pending fsw B084
; EXPECT: mf v10 at fwait fsw B084
; EXPECT: mf v10 at fld1 fop 00000000
; EXPECT: nm ts v07 retried 00000005 cr0.ts 0
; EXPECT: fwait mp=0 ok, mp=1 v07
; EXPECT: em v07
; EXPECT: PASS
%include "lib.inc"

%define RESULT SCRATCH
%define NM_SEEN (SCRATCH + 0x40)

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    mov eax, cr0
    and eax, ~(0x4 | 0x8)            ; EM, TS clear
    or eax, 0x20 | 0x2               ; NE, MP
    mov cr0, eax
    fninit

    ; sqrt(2) * 1e6 = 1414213.56 -> 1414214 (round to nearest)
    fild dword [cs:k_two]
    fsqrt
    fimul dword [cs:k_million]
    fistp dword [RESULT]
    PUTS 'sqrt '
    PUTHEX [RESULT], 8
    ; pi * 2^15 = 102943.7 -> 102944 (FLDPI, FSCALE)
    fild dword [cs:k_fifteen]
    fldpi
    fscale
    fstp st1
    fistp dword [RESULT]
    PUTS ' pi '
    PUTHEX [RESULT], 8
    ; sin(1 / 1.5) * 1000 = 618.3 -> 618
    fld1
    fld dword [cs:k_onehalf]
    fdivp st1, st0                    ; 1 / 1.5
    fsin
    fimul dword [cs:k_thousand]
    fistp dword [RESULT]
    PUTS ' fsin '
    PUTHEX [RESULT], 8
    NEWLINE

    ; FCOMI: 1 < 2 sets CF only; the FSW has TOP = 6 and the sticky PE
    fld dword [cs:k_two_f]
    fld1
    fcomi st0, st1
    pushfd
    pop eax
    and eax, 0x8d5                    ; OF SF ZF AF PF CF
    mov [RESULT], eax
    fnstsw ax
    PUTS 'fcomi eflags '
    PUTHEX [RESULT], 8
    PUTS ' fsw '
    PUTHEX eax, 4
    NEWLINE
    fcompp                            ; empty again

    ; Masked stack underflow: FADD with an empty ST(1) -> IE|SF, C1=0, and
    ; ST(0) becomes the indefinite (stored as float: FFC00000).
    fninit
    fld1
    fadd st0, st1
    fnstsw ax
    fstp dword [RESULT]
    PUTS 'stack fault fsw '
    PUTHEX eax, 4
    PUTS ' indefinite '
    PUTHEX [RESULT], 8
    NEWLINE

    ; Unmask ZE; 1/0 sets ZE and ES (and B) but raises nothing yet, and the
    ; unmasked exception leaves the stack alone (no store, no pop: TOP = 6).
    fninit
    fldcw [cs:cw_ze_unmasked]
    fld1
    fldz
    fdivp st1, st0
    fnstsw ax
    PUTS 'mf pending fsw '
    PUTHEX eax, 4
    NEWLINE
    ; The next waiting instruction takes #MF (vector 16) before it runs.
    mov dword [EXC_RESUME], .mf1_done
.mf1_insn:
    fwait
    FAIL 'no #MF at fwait'
.mf1_done:
    CHECK [EXC_EIP], .mf1_insn, '#MF eip'
    fnstsw ax
    PUTS 'mf '
    PUTS 'v'
    PUTHEX [EXC_VEC], 2
    PUTS ' at fwait fsw '
    PUTHEX eax, 4
    NEWLINE
    ; Still pending: an arithmetic instruction faults the same way; the
    ; FOP recorded is the faulting FDIVP's (DE F9 -> 6F9), not FLD1's.
    mov dword [EXC_RESUME], .mf2_done
.mf2_insn:
    fld1
    FAIL 'no #MF at fld1'
.mf2_done:
    CHECK [EXC_EIP], .mf2_insn, '#MF eip 2'
    fnstenv [RESULT]
    mov eax, [RESULT + 16]
    shr eax, 16
    sub eax, 0x6f9                     ; FOP of the FDIVP
    mov [RESULT + 0x20], eax
    PUTS 'mf v'
    PUTHEX [EXC_VEC], 2
    PUTS ' at fld1 fop '
    PUTHEX [RESULT + 0x20], 8
    NEWLINE
    fninit

    ; #NM with CR0.TS: the handler clears TS (CLTS) and returns to the
    ; faulting FILD, which then runs.
    mov dword [NM_SEEN], 0
    mov dword [EXC_HOOK], nm_handler
    mov eax, cr0
    or eax, 0x8
    mov cr0, eax
    fild dword [cs:k_five]
    fistp dword [RESULT]
    mov eax, cr0
    and eax, 0x8
    shr eax, 3
    mov [RESULT + 4], eax
    PUTS 'nm ts v'
    PUTHEX [NM_SEEN], 2
    PUTS ' retried '
    PUTHEX [RESULT], 8
    PUTS ' cr0.ts '
    PUTHEX [RESULT + 4], 1
    NEWLINE

    ; FWAIT: #NM only when both MP and TS are set.
    mov eax, cr0
    and eax, ~0x2
    or eax, 0x8                        ; TS, no MP
    mov cr0, eax
    fwait
    PUTS 'fwait mp=0 ok, '
    mov eax, cr0
    or eax, 0x2                        ; MP and TS
    mov cr0, eax
    mov dword [EXC_RESUME], .fw_done
    fwait
    FAIL 'no #NM at fwait'
.fw_done:
    PUTS 'mp=1 v'
    PUTHEX [EXC_VEC], 2
    NEWLINE
    clts

    ; CR0.EM: every ESC instruction is #NM (software emulation).
    mov eax, cr0
    or eax, 0x4
    mov cr0, eax
    mov dword [EXC_RESUME], .em_done
    fld1
    FAIL 'no #NM with EM'
.em_done:
    PUTS 'em v'
    PUTHEX [EXC_VEC], 2
    NEWLINE
    PASS

; #NM hook: the frame (EIP, CS, EFLAGS) is on the stack; note the vector,
; clear TS and retry the instruction.
nm_handler:
    push eax
    mov eax, [EXC_VEC]
    mov [NM_SEEN], eax
    pop eax
    clts
    iretd

    align 4
k_two: dd 2
k_million: dd 1000000
k_fifteen: dd 15
k_thousand: dd 1000
k_five: dd 5
k_onehalf: dd 1.5
k_two_f: dd 2.0
cw_ze_unmasked: dw 0x037b

    ROM_END
