; Debug features: single step (TF) with the trap after each instruction,
; an instruction breakpoint (DR0, a fault resumed with RF), a data write
; breakpoint (DR1, a trap after the write, not on reads), DR6 status bits,
; and INT3's #BP with the EIP after it.
; EXPECT: single step count 00000006 dr6 4000
; EXPECT: insn bp count 00000001 eip ok dr6 0001
; EXPECT: data bp count 00000001 eip ok dr6 0002
; EXPECT: int3 v03 eip ok
; EXPECT: PASS
%include "lib.inc"

%define DB_COUNT (SCRATCH + 0x00)
%define DB_EIP   (SCRATCH + 0x04)
%define DB_DR6   (SCRATCH + 0x08)
%define WATCHED  (SCRATCH + 0x100)

start:
    REAL_INIT
    PM_ENTER
    call lib_idt_setup
    ; our own #DB handler (interrupt gate, vector 1)
    mov dword [IDT_BASE + 1 * 8], (OFS(db_handler) & 0xffff) | (SEL_CODE32 << 16)
    mov dword [IDT_BASE + 1 * 8 + 4], (OFS(db_handler) & 0xffff0000) | 0x8e00

    ; --- single step: POPF sets TF; traps follow the next instructions up to
    ; and including the POPF that clears it ---
    xor eax, eax
    mov dr6, eax
    mov [DB_COUNT], eax
    pushfd
    or dword [esp], 0x100
    popfd
    nop
    nop
    nop
    pushfd
    and dword [esp], ~0x100
    popfd
    PUTS 'single step count '
    PUTHEX [DB_COUNT], 8
    mov eax, [DB_DR6]
    and eax, 0xf00f
    PUTS ' dr6 '
    PUTHEX eax, 4
    NEWLINE

    ; --- instruction breakpoint on bp_insn (DR7.L0, R/W0 = 00, LEN0 = 00) ---
    mov dword [DB_COUNT], 0
    mov eax, ROM_LIN(bp_insn)
    mov dr0, eax
    mov eax, 0x1
    mov dr7, eax
    nop
bp_insn:
    nop
    xor eax, eax
    mov dr7, eax
    PUTS 'insn bp count '
    PUTHEX [DB_COUNT], 8
    cmp dword [DB_EIP], bp_insn
    jne bad_eip
    mov eax, [DB_DR6]
    and eax, 0xf00f
    PUTS ' eip ok dr6 '
    PUTHEX eax, 4
    NEWLINE

    ; --- data breakpoint: 4-byte writes to WATCHED (DR7.L1, R/W1 = 01,
    ; LEN1 = 11); a read does not trigger it ---
    mov dword [DB_COUNT], 0
    mov eax, WATCHED
    mov dr1, eax
    mov eax, 0x4 | (0x1 << 20) | (0x3 << 22)
    mov dr7, eax
    mov eax, [WATCHED]
    mov dword [WATCHED], 5
after_write:
    nop
    xor eax, eax
    mov dr7, eax
    PUTS 'data bp count '
    PUTHEX [DB_COUNT], 8
    cmp dword [DB_EIP], after_write
    jne bad_eip
    mov eax, [DB_DR6]
    and eax, 0xf00f
    PUTS ' eip ok dr6 '
    PUTHEX eax, 4
    NEWLINE

    ; --- INT3: a trap, the saved EIP follows it ---
    mov dword [EXC_RESUME], .bp_done
    int3
.after_int3:
    FAIL 'INT3 did not reach the catcher'
.bp_done:
    PUTS 'int3 v'
    PUTHEX [EXC_VEC], 2
    cmp dword [EXC_EIP], .after_int3
    jne bad_eip
    PUTSLN ' eip ok'
    PASS
bad_eip:
    PUTS ' saved EIP '
    PUTHEX [DB_EIP], 8
    FAIL 'wrong EIP for #DB/#BP'

db_handler:                         ; count, record EIP and DR6, resume with RF
    push eax
    inc dword [DB_COUNT]
    mov eax, [esp + 4]
    mov [DB_EIP], eax
    mov eax, dr6
    mov [DB_DR6], eax
    xor eax, eax
    mov dr6, eax
    or dword [esp + 12], 0x10000    ; RF: do not hit the same breakpoint again
    pop eax
    iretd

    ROM_END
