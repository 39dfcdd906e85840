; Instructions that start on one page and end on the next, in loops the way
; a translator sees them (32-bit protected mode, paging): an ADD whose imm32
; is split across the pages, a Jcc rel32, a CALL rel32 and a Jcc rel8 whose
; displacement is on the second page. Then the second page's part of the
; ADD changes under a warmed-up loop: a store through the identity mapping
; and through an alias, a remap of the second linear page (PTE + INVLPG) to
; another physical page, and a not-present second page, which must raise #PF
; with CR2 = the second page and EIP = the instruction's start (SDM Vol. 3A
; 4.7, 6.15). Each loop's result is compared with what the test computes.
; Runs under every -accel (ctest guest.tr_cross, .tcg and .threaded).
; EXPECT: add ok
; EXPECT: add again ok
; EXPECT: jnz near ok
; EXPECT: call ok
; EXPECT: jnz short ok
; EXPECT: add store ok
; EXPECT: add alias ok
; EXPECT: call store ok
; EXPECT: add remap ok
; EXPECT: add unmap ok
; EXPECT: add unmap again ok
; EXPECT: #PF count ok
; EXPECT: #PF vector ok
; EXPECT: #PF cr2 ok
; EXPECT: #PF eip ok
; EXPECT: PASS
%include "lib.inc"

%define N        300                 ; loop iterations
%define X1       0x20ffd             ; ADD imm32: 2 imm bytes on each page
%define PAGE1B   0x21000             ; its second page (aliased at 0x400000)
%define ALIAS1B  0x400000
%define OTHER1B  0x30000             ; another physical page for PAGE1B
%define X2       0x22ffe             ; JNZ rel32: 0F 85 | rel32
%define X3       0x24fff             ; CALL rel32: E8 | rel32
%define PAGE3B   0x25000
%define X4       0x26fff             ; JNZ rel8: 75 | rel8
%define IMM_LO   0x0003              ; ADD imm32 = IMM_HI << 16 | IMM_LO
%define BAD      (SCRATCH + 0)       ; set when a check fails
%define PF_EIP   (SCRATCH + 4)       ; what the #PF hook saw
%define PF_CR2   (SCRATCH + 8)
%define PF_VEC   (SCRATCH + 12)

; VERIFY got, want, 'name' (32-bit registers or memory, not EAX): print
; "name ok", or the values and remember the failure; go on either way.
%macro VERIFY 3
    cmp %1, %2
    jne %%bad
    PUTSLN %3, ' ok'
    jmp %%done
%%bad:
    PUTS %3, ' BAD got '
    PUTHEX %1, 8
    PUTS ' want '
    PUTHEX %2, 8
    NEWLINE
    mov byte [BAD], 1
%%done:
%endmacro

; COPY_BLOB blob, at: copy blob so that its label blob.x lands at `at`.
%macro COPY_BLOB 2
    mov esi, ROM_LIN(OFS(%1))
    mov edi, (%2) - (%1.x - %1)
    mov ecx, %1_len
    rep movsb
%endmacro

; RUN_BLOB blob, at: call blob (copied by COPY_BLOB) with ECX = N; the
; result is in EAX.
%macro RUN_BLOB 2
    mov ecx, N
    call SEL_FLAT_CODE:(%2) - (%1.x - %1)
%endmacro

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    PAGING_ALIAS PAGE1B
    mov byte [BAD], 0

    COPY_BLOB blob1, X1
    COPY_BLOB blob2, X2
    COPY_BLOB blob3, X3
    COPY_BLOB blob4, X4

    ; --- 1: the loops, cold and warm ---
    RUN_BLOB blob1, X1
    mov ebx, eax
    mov edx, [X1 + 1]               ; the immediate as stored
    imul edx, edx, N
    VERIFY ebx, edx, 'add'
    RUN_BLOB blob1, X1
    mov ebx, eax
    VERIFY ebx, edx, 'add again'

    RUN_BLOB blob2, X2              ; N + (N-1) + .. + 1
    mov ebx, eax
    call triangle
    VERIFY ebx, edx, 'jnz near'

    RUN_BLOB blob3, X3              ; the triangle + 3 per call
    mov ebx, eax
    call triangle
    add edx, 3 * N
    VERIFY ebx, edx, 'call'

    RUN_BLOB blob4, X4
    mov ebx, eax
    call triangle
    VERIFY ebx, edx, 'jnz short'

    ; --- 2: new bytes in the second page's part under the warm loops ---
    mov word [PAGE1B], 2            ; through the identity mapping
    RUN_BLOB blob1, X1
    mov ebx, eax
    mov edx, (2 << 16) | IMM_LO
    imul edx, edx, N
    VERIFY ebx, edx, 'add store'

    mov word [ALIAS1B], 5           ; through the alias of the same page
    RUN_BLOB blob1, X1
    mov ebx, eax
    mov edx, (5 << 16) | IMM_LO
    imul edx, edx, N
    VERIFY ebx, edx, 'add alias'

    mov dword [X3 + 1], blob3.g - (blob3.x + 5) ; the CALL's rel32: to .g
    RUN_BLOB blob3, X3              ; the triangle + 5 per call
    mov ebx, eax
    call triangle
    add edx, 5 * N
    VERIFY ebx, edx, 'call store'

    ; --- 3: the second linear page remapped to another physical page that
    ; holds the same code with another immediate, then mapped back ---
    mov esi, PAGE1B
    mov edi, OTHER1B
    mov ecx, 0x1000 / 4
    rep movsd
    mov word [OTHER1B], 7
    mov dword [PAGE_TAB + (PAGE1B >> 12) * 4], OTHER1B | 3
    invlpg [PAGE1B]
    RUN_BLOB blob1, X1
    mov ebx, eax
    mov edx, (7 << 16) | IMM_LO
    imul edx, edx, N
    VERIFY ebx, edx, 'add remap'
    mov dword [PAGE_TAB + (PAGE1B >> 12) * 4], PAGE1B | 3
    invlpg [PAGE1B]

    ; --- 4: the second page not present: #PF at the ADD (the hook maps
    ; the page back and returns; the ADD then completes) ---
    mov dword [PAGE_TAB + (PAGE1B >> 12) * 4], 0
    invlpg [PAGE1B]
    mov dword [EXC_COUNT], 0
    mov dword [EXC_HOOK], pf_hook
    RUN_BLOB blob1, X1
    mov ebx, eax
    mov edx, (5 << 16) | IMM_LO     ; physical PAGE1B again
    imul edx, edx, N
    VERIFY ebx, edx, 'add unmap'
    mov dword [EXC_HOOK], 0
    RUN_BLOB blob1, X1              ; mapped now: no fault
    mov ebx, eax
    VERIFY ebx, edx, 'add unmap again'
    mov ebx, [EXC_COUNT]
    mov edx, 1
    VERIFY ebx, edx, '#PF count'
    mov ebx, [PF_VEC]
    mov edx, 14
    VERIFY ebx, edx, '#PF vector'
    mov ebx, [PF_CR2]
    mov edx, PAGE1B
    VERIFY ebx, edx, '#PF cr2'
    mov ebx, [PF_EIP]
    mov edx, X1
    VERIFY ebx, edx, '#PF eip'

    cmp byte [BAD], 0
    jne .failed
    PASS
.failed:
    FAIL 'a loop ran stale or wrong bytes'

; EDX = N + (N-1) + .. + 1, counted (not from the formula).
triangle:
    push ecx
    xor edx, edx
    mov ecx, N
.add:
    add edx, ecx
    loop .add
    pop ecx
    ret

; The #PF hook (frame EIP, CS, EFLAGS on the stack): note what happened,
; map the second page again and return to the faulting instruction.
pf_hook:
    push eax
    mov eax, [EXC_VEC]
    mov [PF_VEC], eax
    mov eax, [EXC_CR2]
    mov [PF_CR2], eax
    mov eax, [esp + 4]
    mov [PF_EIP], eax
    mov dword [PAGE_TAB + (PAGE1B >> 12) * 4], PAGE1B | 3
    invlpg [PAGE1B]
    pop eax
    iretd

; The loops, run from RAM through the flat code segment (ECX = count in,
; EAX = result out, far return). blobN.x is the crossing instruction.
blob1:
    xor eax, eax
.x: db 0x05                         ; add eax, imm32
    dw IMM_LO, 1
    dec ecx
    jnz .x
    retf
blob1_len equ $ - blob1

blob2:
    xor eax, eax
.l: add eax, ecx
    dec ecx
.x: db 0x0f, 0x85                   ; jnz rel32 (.l)
    dd .l - (.x + 6)
    retf
blob2_len equ $ - blob2

blob3:
    xor eax, eax
.l: add eax, ecx
.x: db 0xe8                         ; call rel32 (.f)
    dd .f - (.x + 5)
    dec ecx
    jnz .l
    retf
.f: add eax, 3
    ret
.g: add eax, 5
    ret
blob3_len equ $ - blob3

blob4:
    xor eax, eax
.l: add eax, ecx
    dec ecx
.x: db 0x75                         ; jnz rel8 (.l)
    db .l - (.x + 2)
    retf
blob4_len equ $ - blob4

    ROM_END
