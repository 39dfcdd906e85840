; Paging: an identity map plus a remapped page, accessed/dirty bits as the
; hardware sets them, #PF error codes and CR2 (not present, write to a
; read-only page with CR0.WP, user access to a supervisor page, user write
; to a read-only page), a #PF fixed by its handler and the access restarted,
; INVLPG and CR3 reloads, and 4 MiB pages (CR4.PSE).
; EXPECT: paging on DEADBEEF
; EXPECT: pte after read 023 after write 063 pde 027
; EXPECT: identity 12345678
; EXPECT: not present v0E e0000 cr2 00401000
; EXPECT: after fix A5A5A5A5
; EXPECT: wp off write ok 00000077
; EXPECT: wp on v0E e0003 cr2 00402000
; EXPECT: ring 3
; EXPECT: user->supervisor v0E e0005 cr2 00403000
; EXPECT: user write ro v0E e0007 cr2 00402004
; EXPECT: user read ro 00000077
; EXPECT: back in ring 0
; EXPECT: invlpg 00201000 A5A5A5A5
; EXPECT: cr3 reload DEADBEEF
; EXPECT: pse C0FFEE00 pde 0E3
; EXPECT: PASS
%include "lib.inc"

%define PT1 (PAGE_TAB + 0x1000)     ; maps linear 0x400000-0x7fffff
%define SEL_UCODE 0x38              ; ring-3 code, base 0xF0000
%define SEL_UDATA 0x40              ; ring-3 data, flat

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    SET_GDT SEL_UCODE, 0xf0000, 0xffff, 0xfa, FLG_32
    SET_GDT SEL_UDATA, 0, 0xfffff, 0xf2, FLG_32G

    ; physical contents seen through the mappings below
    mov dword [0x200000], 0xdeadbeef
    mov dword [0x201000], 0xa5a5a5a5
    mov dword [0x202000], 0x77
    mov dword [0x400010], 0xc0ffee00

    ; page directory: 0-4 MiB identity (user), 4-8 MiB through PT1
    mov edi, PAGE_DIR
    xor eax, eax
    mov ecx, 1024 * 3
    rep stosd                       ; PD, PT0, PT1 cleared
    mov edi, PAGE_TAB
    mov eax, 0x007                  ; present, writable, user
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PAGE_DIR], PAGE_TAB | 7
    mov dword [PAGE_DIR + 4], PT1 | 7
    mov dword [PT1 + 0 * 4], 0x200000 | 3      ; 0x400000 -> 0x200000 (supervisor)
    mov dword [PT1 + 2 * 4], 0x202000 | 5      ; 0x402000 -> 0x202000 read-only, user
    mov dword [PT1 + 3 * 4], 0x203000 | 3      ; 0x403000 supervisor only
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    PUTS 'paging on '
    PUTHEX [0x400000], 8
    NEWLINE
    ; the read set A in the PTE (and PDE); the write sets D
    mov eax, [PT1]
    and eax, 0xfff
    PUTS 'pte after read '
    PUTHEX eax, 3
    mov dword [0x400004], 0x12345678
    mov eax, [PT1]
    and eax, 0xfff
    PUTS ' after write '
    PUTHEX eax, 3
    mov eax, [PAGE_DIR + 4]
    and eax, 0xfff
    PUTS ' pde '
    PUTHEX eax, 3
    NEWLINE
    PUTS 'identity '
    PUTHEX [0x200004], 8
    NEWLINE

    ; #PF on a not-present page; the hook maps it and restarts the read
    mov dword [EXC_HOOK], .np_fix
.np_insn:
    mov eax, [0x401000]
    jmp .np_done
.np_fix:
    PUTS 'not present '
    SHOW_EXC
    PUTS ' cr2 '
    mov eax, cr2
    PUTHEX eax, 8
    NEWLINE
    mov eax, [esp]
    CHECK eax, .np_insn, '#PF eip'
    mov dword [PT1 + 1 * 4], 0x201000 | 3
    iretd
.np_done:
    PUTS 'after fix '
    PUTHEX eax, 8
    NEWLINE

    ; supervisor writes ignore R/W while CR0.WP = 0, and fault with WP = 1
    mov dword [0x402000], 0x77
    PUTS 'wp off write ok '
    PUTHEX [0x202000], 8
    NEWLINE
    mov eax, cr0
    or eax, 0x10000
    mov cr0, eax
    invlpg [0x402000]
    mov dword [EXC_RESUME], .wp_done
    mov dword [0x402000], 0x88
    FAIL 'no #PF with WP'
.wp_done:
    PUTS 'wp on '
    SHOW_EXC
    PUTS ' cr2 '
    mov eax, cr2
    PUTHEX eax, 8
    NEWLINE

    ; ring 3: IRET to a DPL-3 code segment
    mov dword [EXC_HOOK], .ring0_again
    push dword SEL_UDATA | 3        ; SS
    push dword STACK_TOP            ; ESP
    push dword 0x2                  ; EFLAGS (IOPL 0)
    push dword SEL_UCODE | 3        ; CS
    push dword .ring3               ; EIP
    iretd
.ring3:
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    PUTSLN 'ring 3'
    mov dword [EXC_HOOK], 0
    mov dword [EXC_RESUME], .u1_done
    mov eax, [0x403000]
    FAIL 'no #PF user->supervisor'
.u1_done:
    PUTS 'user->supervisor '
    SHOW_EXC
    PUTS ' cr2 '
    PUTHEX [EXC_CR2], 8             ; ring 3 cannot read CR2 itself
    NEWLINE
    mov dword [EXC_RESUME], .u2_done
    mov dword [0x402004], 1
    FAIL 'no #PF user write'
.u2_done:
    PUTS 'user write ro '
    SHOW_EXC
    PUTS ' cr2 '
    PUTHEX [EXC_CR2], 8
    NEWLINE
    PUTS 'user read ro '
    PUTHEX [0x402000], 8
    NEWLINE
    mov dword [EXC_HOOK], .ring0_again
    hlt                             ; #GP at CPL 3: back to ring 0
    FAIL 'no #GP for HLT at CPL 3'

.ring0_again:
    mov esp, STACK_TOP
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    PUTSLN 'back in ring 0'

    ; INVLPG: a changed PTE is seen after invalidating it
    mov eax, [0x400000]             ; make sure the old mapping is cached
    mov dword [PT1], 0x201000 | 3
    invlpg [0x400000]
    mov eax, [PT1]
    and eax, 0xfffff000
    PUTS 'invlpg '
    PUTHEX eax, 8
    PUTS ' '
    PUTHEX [0x400000], 8
    NEWLINE
    ; and a CR3 reload flushes non-global entries
    mov dword [PT1], 0x200000 | 3
    mov eax, cr3
    mov cr3, eax
    PUTS 'cr3 reload '
    PUTHEX [0x400000], 8
    NEWLINE

    ; 4 MiB page: linear 0xC00000 -> physical 0x400000
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov dword [PAGE_DIR + 3 * 4], 0x400000 | 0x83
    mov eax, cr3
    mov cr3, eax
    mov eax, [0xc00010]
    mov [0xc00020], eax
    PUTS 'pse '
    PUTHEX eax, 8
    mov eax, [PAGE_DIR + 3 * 4]
    and eax, 0xfff
    PUTS ' pde '
    PUTHEX eax, 3
    NEWLINE

    mov eax, cr0
    and eax, 0x7fffffff
    mov cr0, eax
    PASS

    ROM_END
