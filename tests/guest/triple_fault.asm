; Triple fault: with an empty IDT, #UD cannot be delivered (#GP), nor can the
; #GP (#DF), nor the #DF: the processor shuts down. With -no-reboot vx86 then
; exits with status 4 (a PC without it would reset).
; EXPECT: before triple fault
; STATUS: 4
%include "lib.inc"

start:
    REAL_INIT
    PUTSLN 'before triple fault'
    PM_ENTER
    lidt [cs:null_idt_ptr]
    ud2
    FAIL 'survived a triple fault'

    ROM_END
