; REP MOVS / REP STOS in 32-bit protected mode with paging, over more than
; one page: the results a program sees must be those of the element-by-
; element definition (SDM Vol. 2, MOVS/STOS and REP): elements in ascending
; address order with DF = 0 (so an overlapping copy replicates), ECX/ESI/EDI
; committed per element (a #PF mid-string leaves exactly the elements before
; the faulting one done, and IRET resumes the copy), a string store into
; code runs as new code, and DF = 1 goes backwards. Every expected value is
; computed here by plain loops (pattern function pat_byte), not copied from
; a run; TF traps after every iteration. Runs under every -accel (ctest guest.string_bulk[.tcg|.threaded]).
; EXPECT: movsb overlap +1 +3 ok
; EXPECT: movsd/movsw overlap = reference ok
; EXPECT: movsb overlap through an alias ok
; EXPECT: movsd movsw across pages ok
; EXPECT: stosb stosw stosd ok
; EXPECT: pf ecx=00000180 esi=00131610 edi=00402000 cr2=00402000 err=0002
; EXPECT: pf resumed ok
; EXPECT: pf ecx=00000181 esi=0013160C edi=00401FFE cr2=00402000 err=0002
; EXPECT: pf resumed ok
; EXPECT: pf ecx=00000301 esi=001343FC edi=00404FFD cr2=00405000 err=0007
; EXPECT: ring 3 pf resumed ok
; EXPECT: stosb into code ok
; EXPECT: std movsb ok
; EXPECT: single-step rep movsd ok
; EXPECT: PASS
%include "lib.inc"

%define PT1        (PAGE_TAB + 0x1000)  ; maps linear 0x400000-0x7fffff
%define SEL_UCODE  0x38                 ; ring-3 code, base 0xF0000
%define SEL_UDATA  0x40                 ; ring-3 data, flat

; What the #PF hook expects and does (RAM, after the catcher's block).
%define V_ERR      (SCRATCH + 0x00)
%define V_CR2      (SCRATCH + 0x04)
%define V_EIP      (SCRATCH + 0x08)
%define V_ECX      (SCRATCH + 0x0c)
%define V_ESI      (SCRATCH + 0x10)
%define V_EDI      (SCRATCH + 0x14)
%define V_DST      (SCRATCH + 0x18)     ; destination start
%define V_DONE     (SCRATCH + 0x1c)     ; bytes done before the fault
%define V_PTE      (SCRATCH + 0x20)     ; PTE address the hook writes
%define V_PTEVAL   (SCRATCH + 0x24)     ; and the value
%define V_SEED     (SCRATCH + 0x28)     ; the source's pattern seed
%define V_DBN      (SCRATCH + 0x2c)     ; #DB traps taken in part 8

start:
    REAL_INIT
    in al, 0x92                     ; A20 on (fast gate), no reset
    or al, 2
    and al, 0xfe
    out 0x92, al
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    SET_GDT SEL_UCODE, 0xf0000, 0xffff, 0xfa, FLG_32
    SET_GDT SEL_UDATA, 0, 0xfffff, 0xf2, FLG_32G

    ; paging: 0-4 MiB identity (user, writable); 4-8 MiB through PT1:
    ;   0x400000 -> 0x200000, 0x401000 -> 0x201000, 0x402000 not present
    ;   0x404000 -> 0x204000 user rw, 0x405000 -> 0x205000 user read-only
    ;   0x406000 -> 0x110000 (a second mapping of an identity-mapped page)
    mov edi, PAGE_DIR
    xor eax, eax
    mov ecx, 1024 * 3
    rep stosd
    mov edi, PAGE_TAB
    mov eax, 0x007
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PAGE_DIR], PAGE_TAB | 7
    mov dword [PAGE_DIR + 4], PT1 | 7
    mov dword [PT1 + 0 * 4], 0x200000 | 3
    mov dword [PT1 + 1 * 4], 0x201000 | 3
    mov dword [PT1 + 4 * 4], 0x204000 | 7
    mov dword [PT1 + 5 * 4], 0x205000 | 5
    mov dword [PT1 + 6 * 4], 0x110000 | 3
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

; ---------------------------------------------------------------------------
; 1. REP MOVSB with the destination 1 and 3 bytes past the source, over
; more than a page: ascending element order replicates the first 1 / 3
; bytes through the whole destination.
%define T1A   0x100f35
%define T1B   0x104f35
%define T1_N  0x1800
%macro OVERLAP_MOVSB 4               ; base, distance, pattern seed, name
    mov edi, %1
    mov ecx, T1_N + %2 + 16
    mov ebx, %3
    xor edx, edx
    call fill_pattern
    mov esi, %1
    mov edi, %1 + %2
    mov ecx, T1_N
    rep movsb
    CHECK ecx, 0, {%4, ' ecx'}
    CHECK esi, %1 + T1_N, {%4, ' esi'}
    CHECK edi, %1 + %2 + T1_N, {%4, ' edi'}
    mov esi, %1
    mov ecx, T1_N + %2
    mov ebp, %2
    call check_period               ; the first %2 bytes, over and over
    mov esi, %1 + T1_N + %2
    mov ecx, 16
    mov edx, T1_N + %2
    call check_pattern              ; the bytes after: untouched
%endmacro
    OVERLAP_MOVSB T1A, 1, 0x11, 'movsb +1'
    OVERLAP_MOVSB T1B, 3, 0x23, 'movsb +3'
    PUTSLN 'movsb overlap +1 +3 ok'

; 1b. Overlapping MOVSD/MOVSW (destination less than an element, and less
; than a page, past the source) against the same copy done by MOV loops.
%define OVA   0x108ff1
%define OVB   0x10cff1
%define OV_N  0x600
%macro OVERLAP_REF 3                ; insn, element size, destination - source
    mov ebx, 0x37 + %3
    xor edx, edx
    mov ecx, OV_N * %2 + %3 + 16
    mov edi, OVA
    call fill_pattern
    mov edi, OVB
    call fill_pattern
    mov esi, OVA
    mov edi, OVA + %3
    mov ecx, OV_N
    rep %1
    CHECK ecx, 0, 'overlap ecx'
    CHECK esi, OVA + OV_N * %2, 'overlap esi'
    CHECK edi, OVA + %3 + OV_N * %2, 'overlap edi'
    mov esi, OVB
    mov edi, OVB + %3
    mov ecx, OV_N
%%ref:
%if %2 == 4
    mov eax, [esi]
    mov [edi], eax
%else
    mov ax, [esi]
    mov [edi], ax
%endif
    add esi, %2
    add edi, %2
    dec ecx
    jnz %%ref
    mov esi, OVA
    mov edi, OVB
    mov ecx, OV_N * %2 + %3 + 16
    call compare_bytes
%endmacro
    OVERLAP_REF movsd, 4, 1
    OVERLAP_REF movsd, 4, 6
    OVERLAP_REF movsw, 2, 1
    OVERLAP_REF movsw, 2, 3
    PUTSLN 'movsd/movsw overlap = reference ok'

; 1c. Source read through linear 0x406000, destination through the identity
; mapping of the same physical page 0x110000, one byte on: they overlap in
; memory though not in linear addresses, so the copy replicates.
    mov edi, 0x110000
    mov ecx, 0x1000
    mov ebx, 0x4c
    xor edx, edx
    call fill_pattern
    mov esi, 0x406010
    mov edi, 0x110011
    mov ecx, 0x800
    rep movsb
    CHECK ecx, 0, 'alias ecx'
    CHECK esi, 0x406810, 'alias esi'
    CHECK edi, 0x110811, 'alias edi'
    mov edx, 0x10
    call pat_byte
    mov esi, 0x110010
    mov ecx, 0x801
    call check_fill                 ; all = the byte at 0x110010
    mov esi, 0x110811
    mov ecx, 16
    mov edx, 0x811
    call check_pattern
    mov esi, 0x110000
    mov ecx, 0x10
    xor edx, edx
    call check_pattern              ; and before it
    PUTSLN 'movsb overlap through an alias ok'

; ---------------------------------------------------------------------------
; 2. REP MOVSD / MOVSW of 5 KiB, source and destination at different page
; offsets, one of them misaligned.
%macro CHECK_GUARDS 3                ; start, length, fill byte
    mov al, %3                      ; the 16 bytes either side: untouched
    mov esi, (%1) - 16
    mov ecx, 16
    call check_fill
    mov esi, (%1) + (%2)
    mov ecx, 16
    call check_fill
%endmacro
%macro COPY_CASE 5                  ; insn, size, source, destination, count
    mov edi, %3
    mov ecx, %2 * %5
    mov ebx, 0x5a + %2
    xor edx, edx
    call fill_pattern
    mov edi, (%4) - 16
    mov ecx, %2 * %5 + 32
    mov al, 0xcc
    call fill_byte
    mov esi, %3
    mov edi, %4
    mov ecx, %5
    rep %1
    CHECK ecx, 0, 'copy ecx'
    CHECK esi, (%3) + %2 * %5, 'copy esi'
    CHECK edi, (%4) + %2 * %5, 'copy edi'
    mov esi, %4
    mov ecx, %2 * %5
    xor edx, edx
    call check_pattern
    CHECK_GUARDS %4, %2 * %5, 0xcc
%endmacro
    COPY_CASE movsd, 4, 0x112123, 0x115800, 0x500
    COPY_CASE movsw, 2, 0x118400, 0x11b9c1, 0xa00
    COPY_CASE movsd, 4, 0x11e004, 0x122ffe, 0x4ff
    PUTSLN 'movsd movsw across pages ok'

; ---------------------------------------------------------------------------
; 3. REP STOSB/W/D from a misaligned start across a page; only the low
; byte/word of EAX is stored; the bytes around are untouched.
%macro STOS_CASE 4                  ; insn, size, start, count
    mov edi, (%3) - 16
    mov ecx, %2 * %4 + 32
    mov al, 0x55
    call fill_byte
    mov edi, %3
    mov ecx, %4
    mov eax, 0x11a2b3c4
    rep %1
    CHECK ecx, 0, 'stos ecx'
    CHECK edi, (%3) + %2 * %4, 'stos edi'
    CHECK eax, 0x11a2b3c4, 'stos eax'
    mov esi, %3
    mov ecx, %2 * %4
    mov edx, 0x11a2b3c4
    mov ebp, %2
    call check_stos
    CHECK_GUARDS %3, %2 * %4, 0x55
%endmacro
    STOS_CASE stosb, 1, 0x126f01, 0x1234
    STOS_CASE stosw, 2, 0x129ff1, 0x900
    STOS_CASE stosd, 4, 0x12cffd, 0x500
    PUTSLN 'stosb stosw stosd ok'

; ---------------------------------------------------------------------------
; 4. REP MOVSD from 0x130010 to 0x400A00 (then 0x400A02), 0x700 dwords,
; running into the not-present page 0x402000: #PF (write, not present),
; CR2 = 0x402000, and in the handler ECX/ESI/EDI count exactly the elements
; wholly before that page (0x580, or 0x57F when the next one straddles it)
; and those are copied. The hook maps the page; IRET finishes the copy.
%define S4   0x130010
%define N4   0x700
%macro PF_CASE 1                    ; destination
    mov edi, 0x200000               ; the three physical pages, identity-mapped
    mov ecx, 0x3000
    mov al, 0xcc
    call fill_byte
    mov dword [PT1 + 2 * 4], 0
    invlpg [0x402000]
    mov dword [V_ERR], 2
    mov dword [V_CR2], 0x402000
    mov dword [V_EIP], %%rep
    mov dword [V_ECX], N4 - (0x402000 - (%1)) / 4
    mov dword [V_ESI], S4 + (0x402000 - (%1)) / 4 * 4
    mov dword [V_EDI], (%1) + (0x402000 - (%1)) / 4 * 4
    mov dword [V_DST], %1
    mov dword [V_DONE], (0x402000 - (%1)) / 4 * 4
    mov dword [V_PTE], PT1 + 2 * 4
    mov dword [V_PTEVAL], 0x202000 | 3
    mov dword [V_SEED], 0x66
    mov dword [EXC_COUNT], 0
    mov dword [EXC_HOOK], pf_hook
    mov esi, S4
    mov edi, %1
    mov ecx, N4
%%rep:
    rep movsd
    CHECK [EXC_COUNT], 1, 'pf count'
    CHECK ecx, 0, 'pf ecx after'
    CHECK esi, S4 + N4 * 4, 'pf esi after'
    CHECK edi, (%1) + N4 * 4, 'pf edi after'
    mov esi, %1
    mov ecx, N4 * 4
    mov ebx, 0x66
    xor edx, edx
    call check_pattern
    mov al, 0xcc
    mov esi, (%1) - 16
    mov ecx, 16
    call check_fill
    mov esi, (%1) + N4 * 4
    mov ecx, 16
    call check_fill
    PUTSLN 'pf resumed ok'
%endmacro
    mov edi, S4
    mov ecx, N4 * 4
    mov ebx, 0x66
    xor edx, edx
    call fill_pattern
    PF_CASE 0x400a00
    PF_CASE 0x400a02

; ---------------------------------------------------------------------------
; 5. The same at CPL 3 into a user read-only page: REP MOVSD from 0x134000
; to 0x404C01, 0x400 dwords; 0x405000 is read-only: #PF err 7 (present,
; write, user), 0xFF dwords done (the next one straddles the page). The hook
; (ring 0) makes the page writable and IRETs back to ring 3.
%define S5   0x134000
%define D5   0x404c01
%define N5   0x400
    mov edi, S5
    mov ecx, N5 * 4
    mov ebx, 0x77
    xor edx, edx
    call fill_pattern
    mov edi, 0x204000
    mov ecx, 0x2000
    mov al, 0xcc
    call fill_byte
    mov dword [V_ERR], 7
    mov dword [V_CR2], 0x405000
    mov dword [V_EIP], rep5
    mov dword [V_ECX], N5 - (0x405000 - D5) / 4
    mov dword [V_ESI], S5 + (0x405000 - D5) / 4 * 4
    mov dword [V_EDI], D5 + (0x405000 - D5) / 4 * 4
    mov dword [V_DST], D5
    mov dword [V_DONE], (0x405000 - D5) / 4 * 4
    mov dword [V_PTE], PT1 + 5 * 4
    mov dword [V_PTEVAL], 0x205000 | 7
    mov dword [V_SEED], 0x77
    mov dword [EXC_COUNT], 0
    mov dword [EXC_HOOK], pf_hook
    push dword SEL_UDATA | 3        ; SS
    push dword STACK_TOP            ; ESP
    push dword 0x2                  ; EFLAGS (IOPL 0, DF 0)
    push dword SEL_UCODE | 3        ; CS
    push dword ring3                ; EIP
    iretd
ring3:
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    mov esi, S5
    mov edi, D5
    mov ecx, N5
rep5:
    rep movsd
    CHECK [EXC_COUNT], 1, 'ring 3 pf count'
    CHECK ecx, 0, 'ring 3 ecx after'
    CHECK esi, S5 + N5 * 4, 'ring 3 esi after'
    CHECK edi, D5 + N5 * 4, 'ring 3 edi after'
    mov esi, D5
    mov ecx, N5 * 4
    mov ebx, 0x77
    xor edx, edx
    call check_pattern
    mov al, 0xcc
    mov esi, D5 - 16
    mov ecx, 16
    call check_fill
    mov esi, D5 + N5 * 4
    mov ecx, 16
    call check_fill
    PUTSLN 'ring 3 pf resumed ok'
    mov dword [EXC_HOOK], ring0_again
    hlt                             ; #GP at CPL 3: back to ring 0
    FAIL 'no #GP for HLT at CPL 3'
ring0_again:
    mov esp, STACK_TOP
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    CHECK [EXC_VEC], 13, 'back to ring 0'

; ---------------------------------------------------------------------------
; 6. REP STOSB of INC EAX (0x40) over [0x15F800, 0x162002), ending at a
; RETF: two routines in it (0x160F00, 0x161800) ran 200 times before, so a
; translator holds them. Afterwards each entry point runs the new code.
%define E0    0x15f800
%define E1    0x160f00
%define E2    0x161800
%define E_END 0x162002
    mov edi, 0x15f000
    mov ecx, 0x4000
    mov al, 0xcc                    ; INT3: an unexpected exception fails
    call fill_byte
    mov byte [E1], 0xb8             ; mov eax, 1
    mov dword [E1 + 1], 1
    mov byte [E1 + 5], 0xcb         ; retf
    mov byte [E2], 0xb8             ; mov eax, 7
    mov dword [E2 + 1], 7
    mov byte [E2 + 5], 0xcb
    mov byte [E_END], 0xcb
    xor ebp, ebp
    mov ebx, 200
.warm:
    call SEL_FLAT_CODE:E1
    add ebp, eax
    call SEL_FLAT_CODE:E2
    add ebp, eax
    dec ebx
    jnz .warm
    CHECK ebp, 200 * (1 + 7), 'old code'
    mov edi, E0
    mov ecx, E_END - E0
    mov eax, 0x40
    rep stosb
    CHECK ecx, 0, 'smc ecx'
    CHECK edi, E_END, 'smc edi'
    mov ebx, 3
.new:
    xor eax, eax
    call SEL_FLAT_CODE:E0
    CHECK eax, E_END - E0, 'new code at E0'
    xor eax, eax
    call SEL_FLAT_CODE:E1
    CHECK eax, E_END - E1, 'new code at E1'
    xor eax, eax
    call SEL_FLAT_CODE:E2
    CHECK eax, E_END - E2, 'new code at E2'
    dec ebx
    jnz .new
    PUTSLN 'stosb into code ok'

; ---------------------------------------------------------------------------
; 7. DF = 1: REP MOVSB backwards over 0x1100 bytes from 0x170F80: with the
; destination one byte above the source it shifts the block up (a memmove);
; one byte below, it replicates the last byte down.
%define F7   0x170f70               ; pattern base
%define B7   0x170f80
%define L7   0x1100
    mov edi, F7
    mov ecx, L7 + 0x30
    mov ebx, 0x19
    xor edx, edx
    call fill_pattern
    std
    mov esi, B7 + L7 - 1
    mov edi, B7 + L7
    mov ecx, L7
    rep movsb
    cld
    CHECK ecx, 0, 'std +1 ecx'
    CHECK esi, B7 - 1, 'std +1 esi'
    CHECK edi, B7, 'std +1 edi'
    mov esi, F7
    mov ecx, B7 - F7 + 1
    xor edx, edx
    call check_pattern              ; up to B7: untouched
    mov esi, B7 + 1
    mov ecx, L7
    mov edx, B7 - F7
    call check_pattern              ; B7+1+j = old B7+j
    mov esi, B7 + L7 + 1
    mov ecx, 16
    mov edx, B7 + L7 + 1 - F7
    call check_pattern

    mov edi, F7
    mov ecx, L7 + 0x30
    xor edx, edx
    call fill_pattern
    std
    mov esi, B7 + L7 - 1
    mov edi, B7 + L7 - 2
    mov ecx, L7 - 1
    rep movsb
    cld
    CHECK ecx, 0, 'std -1 ecx'
    CHECK esi, B7, 'std -1 esi'
    CHECK edi, B7 - 1, 'std -1 edi'
    mov edx, B7 + L7 - 1 - F7
    call pat_byte
    mov esi, B7
    mov ecx, L7
    call check_fill                 ; all = the old last byte
    mov esi, F7
    mov ecx, B7 - F7
    xor edx, edx
    call check_pattern
    mov esi, B7 + L7
    mov ecx, 16
    mov edx, B7 + L7 - F7
    call check_pattern
    PUTSLN 'std movsb ok'

; ---------------------------------------------------------------------------
; 8. EFLAGS.TF: a single-step trap after every iteration of REP MOVSD (the
; pages already translated, as for a bulk copy), with EIP at the
; instruction until the last one (SDM Vol. 3B 17.3.1.4; Vol. 3A 6.8.3).
%define S8   0x138000
%define D8   0x13a010
%define N8   0x40
    mov edi, S8
    mov ecx, N8 * 4
    mov ebx, 0x2b
    xor edx, edx
    call fill_pattern
    mov edi, D8 - 16
    mov ecx, N8 * 4 + 32
    mov al, 0xcc
    call fill_byte
    mov eax, db_hook                ; vector 1 -> db_hook
    mov [IDT_BASE + 8], ax
    mov word [IDT_BASE + 8 + 2], SEL_CODE32
    mov word [IDT_BASE + 8 + 4], 0x8e00
    shr eax, 16
    mov [IDT_BASE + 8 + 6], ax
    mov dword [V_DBN], 0
    mov esi, S8
    mov edi, D8
    mov ecx, N8
    pushfd
    or dword [esp], 0x100           ; TF from the next instruction on
    popfd
rep8:
    rep movsd
rep8_end:
    CHECK [V_DBN], N8, 'single-step traps'
    CHECK ecx, 0, 'single-step ecx'
    CHECK edi, D8 + N8 * 4, 'single-step edi'
    mov esi, D8
    mov ecx, N8 * 4
    mov ebx, 0x2b
    xor edx, edx
    call check_pattern
    mov al, 0xcc
    mov esi, D8 + N8 * 4
    mov ecx, 16
    call check_fill
    call lib_idt_setup              ; vector 1 back to the catcher
    PUTSLN 'single-step rep movsd ok'

    PASS

; ---------------------------------------------------------------------------
; #PF hook (ring 0, the frame on the stack): check the fault and the
; registers against V_*, check the bytes done, write V_PTE, resume.
pf_hook:
    pushad
    CHECK [EXC_VEC], 14, 'pf vector'
    CHECK [EXC_ERR], [V_ERR], 'pf error code'
    CHECK [EXC_CR2], [V_CR2], 'pf cr2'
    mov eax, [esp + 32]
    CHECK eax, [V_EIP], 'pf eip'
    PUTS 'pf ecx='
    PUTHEX ecx, 8
    PUTS ' esi='
    PUTHEX esi, 8
    PUTS ' edi='
    PUTHEX edi, 8
    PUTS ' cr2='
    PUTHEX [EXC_CR2], 8
    PUTS ' err='
    PUTHEX [EXC_ERR], 4
    NEWLINE
    CHECK ecx, [V_ECX], 'pf ecx'
    CHECK esi, [V_ESI], 'pf esi'
    CHECK edi, [V_EDI], 'pf edi'
    mov esi, [V_DST]
    mov ecx, [V_DONE]
    mov ebx, [V_SEED]
    xor edx, edx
    call check_pattern
    mov ebx, [V_PTE]
    mov eax, [V_PTEVAL]
    mov [ebx], eax
    mov eax, [V_CR2]
    invlpg [eax]
    popad
    iretd

; #DB hook for part 8 (interrupt gate, ring 0): trap number V_DBN (from 1)
; comes with ECX = N8 - V_DBN and EIP at the REP MOVSD, or after it once
; ECX is 0; then TF is cleared in the frame.
db_hook:
    push eax
    push edx
    mov eax, [V_DBN]
    inc eax
    mov [V_DBN], eax
    mov edx, N8
    sub edx, eax
    CHECK ecx, edx, 'ecx at single-step trap'
    mov edx, rep8
    test ecx, ecx
    jnz .mid
    mov edx, rep8_end
    and dword [esp + 8 + 8], ~0x100 ; TF off in the EFLAGS image
.mid:
    cmp [esp + 8], edx
    je .eip_ok
    FAIL 'eip at single-step trap'
.eip_ok:
    pop edx
    pop eax
    iretd

; ---------------------------------------------------------------------------
; Helpers: plain loops, no string instructions. They preserve registers
; (pat_byte: EAX) and run at any CPL.

; AL = the pattern byte number EDX for seed EBX: 13i + 7(i >> 8) + seed,
; which no shift by a multiple of 256 or 4096 bytes reproduces.
pat_byte:
    push edx
    mov eax, edx
    imul eax, eax, 13
    shr edx, 8
    imul edx, edx, 7
    add eax, edx
    add eax, ebx
    pop edx
    ret

; ECX (> 0) pattern bytes numbered from EDX, seed EBX, to EDI.
fill_pattern:
    pushad
.l:
    call pat_byte
    mov [edi], al
    inc edi
    inc edx
    dec ecx
    jnz .l
    popad
    ret

; ECX (> 0) bytes AL to EDI.
fill_byte:
    pushad
.l:
    mov [edi], al
    inc edi
    dec ecx
    jnz .l
    popad
    ret

; The ECX bytes at ESI are pattern bytes numbered from EDX, seed EBX.
check_pattern:
    pushad
.l:
    call pat_byte
    cmp [esi], al
    jne check_bad
    inc esi
    inc edx
    dec ecx
    jnz .l
    popad
    ret

; The ECX bytes at ESI are pattern bytes 0..EBP-1 (seed EBX) repeated.
check_period:
    pushad
    xor edx, edx
.l:
    call pat_byte
    cmp [esi], al
    jne check_bad
    inc esi
    inc edx
    cmp edx, ebp
    jb .n
    xor edx, edx
.n:
    dec ecx
    jnz .l
    popad
    ret

; The ECX bytes at ESI are all AL.
check_fill:
    pushad
.l:
    cmp [esi], al
    jne check_bad
    inc esi
    dec ecx
    jnz .l
    popad
    ret

; The ECX bytes at ESI are the low EBP bytes of EDX, little-endian, repeated.
check_stos:
    pushad
    xor ebx, ebx
.l:
    mov eax, edx
    push ecx
    lea ecx, [ebx * 8]
    shr eax, cl
    pop ecx
    cmp [esi], al
    jne check_bad
    inc esi
    inc ebx
    cmp ebx, ebp
    jb .n
    xor ebx, ebx
.n:
    dec ecx
    jnz .l
    popad
    ret

; The ECX bytes at ESI equal those at EDI.
compare_bytes:
    pushad
.l:
    mov al, [edi]
    cmp [esi], al
    jne check_bad
    inc esi
    inc edi
    dec ecx
    jnz .l
    popad
    ret

; The byte at ESI is not AL: report and fail.
check_bad:
    movzx eax, al
    movzx ecx, byte [esi]
    PUTS 'FAIL: byte at '
    PUTHEX esi, 8
    PUTS ' got '
    PUTHEX ecx, 2
    PUTS ' want '
    PUTHEX eax, 2
    NEWLINE
    EXIT_CODE FAIL_CODE

    ROM_END
