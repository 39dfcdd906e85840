; User-mode memory after a long stretch without a CR3 write, when the
; translator's fastmem region is in use (mmu/fastmem.h; any engine must
; give the same output): a ring-3 loop long enough to switch the region on
; (60 M instructions), then stores and loads, one across a page boundary,
; a page remapped by the kernel with INVLPG, a page made read-only (the #PF
; with its error code and CR2, the store not done), a page made not
; present, x87 loads and stores (one to the read-only page), code in RAM
; that patches its own next instruction (the write
; goes to a page that holds translated code), and last (it switches the
; region off) a page remapped without INVLPG but with a CR3 reload.
; EXPECT: ring 3
; EXPECT: sum B734AFB7 cross 44332211
; EXPECT: invlpg BBBB0000 through B 12121212
; EXPECT: read-only v0E e00007 cr2 00202004 kept 00000000
; EXPECT: x87 40400000 v0E cr2 00202008 kept 3F800000
; EXPECT: not present v0E e00004 cr2 00203008
; EXPECT: smc 42 43 44
; EXPECT: cr3 reload AAAA0000
; EXPECT: PASS
%include "lib.inc"

%define SEL_UCODE 0x38              ; ring-3 code, base 0xF0000 (the ROM)
%define SEL_UDATA 0x40              ; ring-3 data, flat
%define SEL_UFLAT 0x48              ; ring-3 code, flat (code in RAM)
%define PAGE_A 0x200000             ; linear 0x200000 maps here at first
%define PAGE_B 0x300000
%define CODE_RAM 0x204000           ; where the self-patching routine runs

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    SET_GDT SEL_UCODE, 0xf0000, 0xffff, 0xfa, FLG_32
    SET_GDT SEL_UDATA, 0, 0xfffff, 0xf2, FLG_32G
    SET_GDT SEL_UFLAT, 0, 0xfffff, 0xfa, FLG_32G
    ; INT 0x40 (a DPL-3 trap gate): the kernel's services for ring 3
    mov edi, IDT_BASE + 32 * 8
    xor eax, eax
    mov ecx, 33 * 2
    rep stosd
    mov dword [IDT_BASE + 0x40 * 8], (OFS(service) & 0xffff) | (SEL_CODE32 << 16)
    mov dword [IDT_BASE + 0x40 * 8 + 4], (OFS(service) & 0xffff0000) | 0xef00
    lidt [cs:big_idt_ptr]

    mov dword [PAGE_A], 0xaaaa0000
    mov dword [PAGE_B], 0xbbbb0000
    ; 0-4 MiB identity, user, writable
    mov edi, PAGE_DIR
    xor eax, eax
    mov ecx, 1024 * 2
    rep stosd
    mov edi, PAGE_TAB
    mov eax, 0x007
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PAGE_DIR], PAGE_TAB | 7
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    push dword SEL_UDATA | 3        ; SS
    push dword 0x1f0000             ; ESP (user RAM)
    push dword 0x3002               ; EFLAGS: IOPL 3 (the console port)
    push dword SEL_UCODE | 3        ; CS
    push dword ring3         ; EIP
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    iretd

; INT 0x40 from ring 3: EAX = 1: PTE of linear EBX = ECX, then INVLPG [EBX];
; 2: the same without INVLPG, then a CR3 reload; 3: PTE only (the caller
; flushes with the next service); 4: done, PASS.
service:
    push ds
    push edx
    mov dx, SEL_DATA32
    mov ds, dx
    mov edx, ebx
    shr edx, 12
    cmp eax, 4
    je .done
    mov [PAGE_TAB + edx * 4], ecx
    cmp eax, 1
    jne .no_invlpg
    invlpg [ebx]
.no_invlpg:
    cmp eax, 2
    jne .out
    mov edx, cr3
    mov cr3, edx
.out:
    pop edx
    pop ds
    iretd
.done:
    PASS

big_idt_ptr:
    dw 0x41 * 8 - 1
    dd IDT_BASE

; ---- ring 3 (CS based at the ROM, as ring 0's) ----
ring3:
    PUTSLN 'ring 3'
    mov ecx, 30000000               ; 60 M instructions without a CR3 write
.spin:
    dec ecx
    jnz .spin

    ; stores and loads; a dword across the page boundary at 0x201000
    mov edi, 0x201f00
    mov eax, 0x01020304
    mov ecx, 64
.store:
    mov [edi], eax
    add eax, 0x11111111
    add edi, 4
    dec ecx
    jnz .store
    mov esi, 0x201f00
    xor edx, edx
    mov ecx, 64
.load:
    add edx, [esi]
    rol edx, 3
    add esi, 4
    dec ecx
    jnz .load
    mov dword [0x201ffc], 0x22110000
    mov dword [0x202000], 0x00004433
    mov eax, [0x201ffe]
    PUTS 'sum '
    PUTHEX edx, 8
    PUTS ' cross '
    PUTHEX eax, 8
    NEWLINE

    ; INVLPG: linear PAGE_A now maps PAGE_B
    mov ebx, PAGE_A
    mov eax, [ebx]                  ; A's, through the region
    mov eax, 1
    mov ecx, PAGE_B | 7
    int 0x40
    mov edx, [PAGE_A]
    mov dword [PAGE_A + 4], 0x12121212 ; into B
    PUTS 'invlpg '
    PUTHEX edx, 8
    PUTS ' through B '
    PUTHEX [PAGE_B + 4], 8
    NEWLINE

    ; 0x202000 read-only (written above, so mapped writable before)
    mov dword [0x202004], 0
    mov eax, 1
    mov ebx, 0x202000
    mov ecx, 0x202000 | 5
    int 0x40
    mov dword [EXC_RESUME], .ro_back
    mov dword [0x202004], 0x5a5a5a5a ; #PF: user write to a read-only page
.ro_back:
    PUTS 'read-only v'
    PUTHEX [EXC_VEC], 2
    PUTS ' e'
    PUTHEX [EXC_ERR], 5
    PUTS ' cr2 '
    PUTHEX [EXC_CR2], 8
    PUTS ' kept '
    PUTHEX [0x202004], 8
    NEWLINE

    ; x87 loads and stores (fresh pages), and a store to the read-only page:
    ; #PF, the store not done and the stack not popped
    finit
    mov dword [0x205000], 0x3fc00000 ; 1.5
    fld dword [0x205000]
    fadd st0, st0
    fstp dword [0x206004]
    fld1
    mov dword [EXC_RESUME], .x87_back
    fstp dword [0x202008]           ; #PF
.x87_back:
    fstp dword [0x206008]           ; the 1.0 still there
    PUTS 'x87 '
    PUTHEX [0x206004], 8
    PUTS ' v'
    PUTHEX [EXC_VEC], 2
    PUTS ' cr2 '
    PUTHEX [EXC_CR2], 8
    PUTS ' kept '
    PUTHEX [0x206008], 8
    NEWLINE

    ; 0x203000 not present (read before, so mapped)
    mov eax, [0x203008]
    mov eax, 1
    mov ebx, 0x203000
    xor ecx, ecx
    int 0x40
    mov dword [EXC_RESUME], .np_back
    mov eax, [0x203008]             ; #PF: not present
.np_back:
    PUTS 'not present v'
    PUTHEX [EXC_VEC], 2
    PUTS ' e'
    PUTHEX [EXC_ERR], 5
    PUTS ' cr2 '
    PUTHEX [EXC_CR2], 8
    NEWLINE

    ; code in RAM that stores its argument into its own next instruction
    mov esi, ROM_LIN(patcher)
    mov edi, CODE_RAM
    mov ecx, patcher_end - patcher
    rep movsb
    PUTS 'smc'
    mov bl, 0x42
.smc_round:
    call SEL_UFLAT | 3:CODE_RAM
    PUTS ' '
    PUTHEX eax, 2
    inc bl
    cmp bl, 0x45
    jne .smc_round
    NEWLINE
    ; back to A with no INVLPG, then a CR3 reload
    mov eax, 2
    mov ebx, PAGE_A
    mov ecx, PAGE_A | 7
    int 0x40
    PUTS 'cr3 reload '
    PUTHEX [PAGE_A], 8
    NEWLINE

    mov eax, 4
    int 0x40

; BL into the immediate of `mov al, imm8` right after the store
patcher:
    mov [CODE_RAM + (.imm - patcher) + 1], bl
.imm:
    mov al, 0x11
    movzx eax, al
    retf
patcher_end:

    ROM_END
