; The translator leaves out the lazy flags of an instruction whose flags a
; later one overwrites unread (translator/x64/gen.c, lf_dead_after). What a
; program can see must not change: the flags of an ADD followed by register
; moves, then
;  1. a store that faults (#GP, beyond ES.limit) before a CMP: the exception
;     frame holds the ADD's flags;
;  2. the end of the block (a JMP): the next block reads the ADD's flags;
;  3. a CMP: the CMP's flags;
; and flags read back after a load: (4) when the instruction that last
; wrote them was an x87 compare (FUCOMI: eager flags), not the CMP before
; it; (5) of an 8-bit CMP, whose SF and OF a 32-bit one would not give.
; Expected flags come from the same operations run alone with PUSHFD.
; Runs under every -accel (ctest guest.tr_flags_live[.tcg|.threaded]).
; EXPECT: fault frame flags ok
; EXPECT: block end flags ok
; EXPECT: overwritten flags ok
; EXPECT: x87 compare flags ok
; EXPECT: byte compare flags ok
; EXPECT: PASS
%include "lib.inc"

%define ARITH_FLAGS 0x8d5               ; OF SF ZF AF PF CF
%define WANT_ADD    (SCRATCH + 0x00)
%define WANT_CMP    (SCRATCH + 0x04)
%define GOT         (SCRATCH + 0x08)

; The ADD, and the register-only instructions after it.
%macro ADD_THEN_MOVES 0
    mov eax, 0x80000000
    mov ebx, 0x80000001
    xor edx, edx                        ; ZF PF set, CF OF clear: not the ADD's
    add eax, ebx                        ; CF OF set, ZF clear
    mov ecx, edx
    lea esi, [ecx + 4]
    movzx edi, cx
%endmacro

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    SET_GDT 0x48, 0, 0xfff, 0x92, FLG_32 ; 4 KiB data
    mov ax, 0x48
    mov es, ax

    mov eax, 0x80000000
    add eax, 0x80000001
    pushfd
    pop dword [WANT_ADD]
    and dword [WANT_ADD], ARITH_FLAGS
    xor ecx, ecx
    mov esi, 4
    cmp ecx, esi
    pushfd
    pop dword [WANT_CMP]
    and dword [WANT_CMP], ARITH_FLAGS

    ; 1. a fault between the ADD and the CMP
    mov dword [EXC_RESUME], .fault_done
    jmp .fault_block
.fault_block:
    ADD_THEN_MOVES
    mov [es:edi + 0x2000], eax          ; #GP(0) (EDI = 0)
    cmp ecx, esi
    FAIL 'no #GP'
.fault_done:
    mov eax, [EXC_EFLAGS]
    and eax, ARITH_FLAGS
    CHECK eax, [WANT_ADD], 'fault frame flags'
    PUTSLN 'fault frame flags ok'

    ; 2. the block ends after the moves
    jmp .end_block
.end_block:
    ADD_THEN_MOVES
    jmp .next_block
.next_block:
    pushfd
    pop eax
    and eax, ARITH_FLAGS
    CHECK eax, [WANT_ADD], 'block end flags'
    PUTSLN 'block end flags ok'

    ; 3. a CMP overwrites them
    jmp .cmp_block
.cmp_block:
    ADD_THEN_MOVES
    cmp ecx, esi
    pushfd
    pop eax
    and eax, ARITH_FLAGS
    CHECK eax, [WANT_CMP], 'overwritten flags'
    PUTSLN 'overwritten flags ok'

    ; 4. CMP, then FUCOMI, then a load, then a branch on CF
    fninit
    fld1
    fldz                                ; ST0 = 0, ST1 = 1
    jmp .x87_block
.x87_block:
    mov eax, 5
    cmp eax, 3                          ; CF clear
    fucomi st0, st1                     ; 0 < 1: CF set
    mov ecx, [WANT_ADD]                 ; a load: the host's flags are gone
    jnc .x87_wrong
    PUTSLN 'x87 compare flags ok'

    ; 5. CMP AL, BL: 01 - 80 overflows in 8 bits (SF = OF: not less)
    jmp .byte_block
.byte_block:
    mov eax, 0x101
    mov ebx, 0x80
    cmp al, bl
    mov ecx, [WANT_ADD]                 ; a load: the host's flags are gone
    jl .byte_wrong
    PUTSLN 'byte compare flags ok'
    PASS
.byte_wrong:
    FAIL 'byte compare flags: SF and OF of a 32-bit compare'
.x87_wrong:
    FAIL 'x87 compare flags: CF of the CMP, not of FUCOMI'

    ROM_END
