; Exceptions in protected mode with their error codes and fault semantics
; (the saved EIP is the faulting instruction, registers as before it):
; #DE #UD #BR, #GP with selector and zero error codes, #NP, #SS, #PF with
; CR2 (and a REP MOVSB restarted after a #PF mid-string), a #NP raised while
; delivering a benign exception, and a double fault (#GP whose gate is not
; present -> #NP -> #DF).
; EXPECT: de v00 e0000
; EXPECT: ud v06 e0000
; EXPECT: br v05 e0000
; EXPECT: gp limit v0D e0800
; EXPECT: gp system v0D e0030
; EXPECT: gp ss ro v0D e0048
; EXPECT: gp write ro v0D e0000 eax 11111111
; EXPECT: gp offset v0D e0000
; EXPECT: np v0B e0058
; EXPECT: ss np v0C e0058
; EXPECT: ss limit v0C e0000
; EXPECT: pf read v0E e0000 cr2 00300004
; EXPECT: pf write v0E e0002 cr2 00300008
; EXPECT: rep movsb v0E e0002 ecx 00000010 edi 00300000
; EXPECT: rep movsb done ecx 00000000 data 5A5A5A5A
; EXPECT: np gate v0B e002B
; EXPECT: np int5 v0B e002A
; EXPECT: df v08 e0000 count 00000001
; EXPECT: PASS
%include "lib.inc"

%define MISSING_PAGE 0x300000

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    call lib_tss_setup
    ; descriptors used below
    SET_GDT 0x48, 0, 0xffff, 0x90, FLG_32          ; read-only data
    SET_GDT 0x50, 0, 0xfff, 0x92, FLG_32           ; 4 KiB data
    SET_GDT 0x58, 0, 0xffff, 0x12, FLG_32          ; not present
    SET_GDT 0x60, 0, 0x7fff, 0x92, FLG_32          ; 32 KiB stack

    ; #DE: divide by zero
    mov dword [EXC_RESUME], .de_done
    xor ecx, ecx
    mov eax, 1
.de_insn:
    div ecx
    FAIL 'no #DE'
.de_done:
    CHECK [EXC_EIP], .de_insn, '#DE eip'
    PUTS 'de '
    SHOW_EXC
    NEWLINE

    ; #UD: UD2
    mov dword [EXC_RESUME], .ud_done
.ud_insn:
    ud2
    FAIL 'no #UD'
.ud_done:
    CHECK [EXC_EIP], .ud_insn, '#UD eip'
    PUTS 'ud '
    SHOW_EXC
    NEWLINE

    ; #BR: index above the upper bound
    mov dword [SCRATCH], 0
    mov dword [SCRATCH + 4], 10
    mov eax, 20
    mov dword [EXC_RESUME], .br_done
.br_insn:
    bound eax, [SCRATCH]
    FAIL 'no #BR'
.br_done:
    CHECK [EXC_EIP], .br_insn, '#BR eip'
    PUTS 'br '
    SHOW_EXC
    NEWLINE

    ; #GP(selector): beyond the GDT limit
    mov dword [EXC_RESUME], .gp1_done
    mov ax, 0x800
.gp1_insn:
    mov ds, ax
    FAIL 'no #GP'
.gp1_done:
    CHECK [EXC_EIP], .gp1_insn, '#GP eip'
    PUTS 'gp limit '
    SHOW_EXC
    NEWLINE

    ; #GP(selector): a system descriptor (the TSS) into a data register
    mov dword [EXC_RESUME], .gp2_done
    mov ax, SEL_TSS
    mov es, ax
    FAIL 'no #GP'
.gp2_done:
    PUTS 'gp system '
    SHOW_EXC
    NEWLINE

    ; #GP(selector): SS must be writable
    mov dword [EXC_RESUME], .gp3_done
    mov ax, 0x48
    mov ss, ax
    FAIL 'no #GP'
.gp3_done:
    PUTS 'gp ss ro '
    SHOW_EXC
    NEWLINE

    ; #GP(0): write through a read-only segment; EAX keeps its value
    mov ax, 0x48
    mov es, ax
    mov eax, 0x11111111
    mov dword [EXC_RESUME], .gp4_done
    xchg eax, [es:SCRATCH]
    FAIL 'no #GP'
.gp4_done:
    PUTS 'gp write ro '
    SHOW_EXC
    PUTS ' eax '
    PUTHEX eax, 8
    NEWLINE

    ; #GP(0): a dword read that ends past the limit
    mov ax, 0x50
    mov fs, ax
    mov dword [EXC_RESUME], .gp5_done
    mov eax, [fs:0xffd]
    FAIL 'no #GP'
.gp5_done:
    PUTS 'gp offset '
    SHOW_EXC
    NEWLINE
    mov ax, SEL_DATA32
    mov es, ax
    mov fs, ax

    ; #NP(selector): a not-present data segment
    mov dword [EXC_RESUME], .np_done
    mov ax, 0x58
    mov gs, ax
    FAIL 'no #NP'
.np_done:
    PUTS 'np '
    SHOW_EXC
    NEWLINE

    ; #SS(selector): a not-present stack segment
    mov dword [EXC_RESUME], .ss1_done
    mov ax, 0x58
    mov ss, ax
    FAIL 'no #SS'
.ss1_done:
    PUTS 'ss np '
    SHOW_EXC
    NEWLINE

    ; #SS(0): an access through SS (EBP base) beyond its limit
    mov ax, 0x60
    mov ss, ax
    mov ebp, 0x9000
    mov dword [EXC_RESUME], .ss2_done
    mov eax, [ebp]
    FAIL 'no #SS'
.ss2_done:
    mov ax, SEL_DATA32
    mov ss, ax
    PUTS 'ss limit '
    SHOW_EXC
    NEWLINE

    ; #PF: identity-map 4 MiB except one page, paging on
    mov edi, PAGE_TAB
    mov eax, 0x003                  ; present, writable, supervisor
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PAGE_TAB + (MISSING_PAGE >> 12) * 4], 0
    mov edi, PAGE_DIR
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [PAGE_DIR], PAGE_TAB | 3
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    mov dword [EXC_RESUME], .pf1_done
.pf1_insn:
    mov eax, [MISSING_PAGE + 4]
    FAIL 'no #PF'
.pf1_done:
    CHECK [EXC_EIP], .pf1_insn, '#PF eip'
    PUTS 'pf read '
    SHOW_EXC
    PUTS ' cr2 '
    mov eax, cr2
    PUTHEX eax, 8
    NEWLINE
    mov dword [EXC_RESUME], .pf2_done
    mov dword [MISSING_PAGE + 8], eax
    FAIL 'no #PF'
.pf2_done:
    PUTS 'pf write '
    SHOW_EXC
    PUTS ' cr2 '
    mov eax, cr2
    PUTHEX eax, 8
    NEWLINE

    ; REP MOVSB across into the missing page: faults after 16 bytes with
    ; ECX/EDI/ESI updated; the hook maps the page and IRETs to the same
    ; instruction, which finishes the copy.
    mov edi, SCRATCH
    mov eax, 0x5a5a5a5a
    mov ecx, 8
    rep stosd
    mov esi, SCRATCH
    mov edi, MISSING_PAGE - 16
    mov ecx, 32
    mov dword [EXC_HOOK], .movs_fix
.movs_insn:
    rep movsb
    jmp .movs_done
.movs_fix:                          ; the exception frame is on the stack
    PUTS 'rep movsb '
    SHOW_EXC
    PUTS ' ecx '
    PUTHEX ecx, 8
    PUTS ' edi '
    PUTHEX edi, 8
    NEWLINE
    mov edx, [esp]
    CHECK edx, .movs_insn, 'rep movsb eip'
    mov dword [PAGE_TAB + (MISSING_PAGE >> 12) * 4], MISSING_PAGE | 3
    iretd
.movs_done:
    PUTS 'rep movsb done ecx '
    PUTHEX ecx, 8
    PUTS ' data '
    PUTHEX [MISSING_PAGE + 12], 8
    NEWLINE
    mov eax, cr0
    and eax, 0x7fffffff
    mov cr0, eax

    ; #BR's gate not present: #NP(IDT vector 5) is delivered normally
    ; (benign then contributory is no double fault). Error code: index 5,
    ; IDT bit (2), EXT (1) since it arose delivering an exception; INT 5
    ; (software) gives the same without EXT (SDM Vol. 3A, 6.13).
    and byte [IDT_BASE + 5 * 8 + 5], 0x7f
    mov dword [EXC_RESUME], .npg_done
    mov eax, 20
    bound eax, [SCRATCH]
    FAIL 'no fault'
.npg_done:
    or byte [IDT_BASE + 5 * 8 + 5], 0x80
    PUTS 'np gate '
    SHOW_EXC
    NEWLINE
    and byte [IDT_BASE + 5 * 8 + 5], 0x7f
    mov dword [EXC_RESUME], .npi_done
    int 5
    FAIL 'no fault'
.npi_done:
    or byte [IDT_BASE + 5 * 8 + 5], 0x80
    PUTS 'np int5 '
    SHOW_EXC
    NEWLINE

    ; #GP's gate not present: #GP then #NP while delivering it -> #DF(0)
    and byte [IDT_BASE + 13 * 8 + 5], 0x7f
    mov dword [EXC_COUNT], 0
    mov dword [EXC_RESUME], .df_done
    mov ax, 0x800
    mov ds, ax
    FAIL 'no #DF'
.df_done:
    or byte [IDT_BASE + 13 * 8 + 5], 0x80
    PUTS 'df '
    SHOW_EXC
    PUTS ' count '
    PUTHEX [EXC_COUNT], 8
    NEWLINE
    PASS

    ROM_END
