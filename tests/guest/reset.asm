; Triple fault without -no-reboot: the machine resets the CPU and starts
; again at the reset vector with RAM kept, as a PC does; the second boot
; finds its marker in RAM and checks the reset state of CR0.
; EXPECT: first boot
; EXPECT: after reset cr0 60000010
; EXPECT: PASS
; ARGS:
%include "lib.inc"

%define MARKER 0x500
%define MAGIC 0x52455345

start:
    REAL_INIT
    cmp dword [MARKER], MAGIC
    je second_boot
    mov dword [MARKER], MAGIC
    PUTSLN 'first boot'
    PM_ENTER
    lidt [cs:null_idt_ptr]
    ud2
    FAIL 'survived a triple fault'

    bits 16
second_boot:
    mov dword [MARKER], 0
    mov eax, cr0
    PUTS 'after reset cr0 '
    PUTHEX eax, 8
    NEWLINE
    PASS

    ROM_END
