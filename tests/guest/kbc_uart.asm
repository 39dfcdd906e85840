; The 8042, port 0x92 and COM1 from real code: controller self test and
; command byte, keyboard echo/reset/identify through the translating
; controller, A20 off and on through the 8042 output port and through port
; 0x92 (checked by the 1 MiB wrap), the UART in loopback with its FIFOs,
; then a reset through the 8042 (pulse 0xFE) and one through port 0x92 (the
; boots find their marker in RAM, which a reset keeps).
; EXPECT: 8042 ok
; EXPECT: a20 ok
; EXPECT: uart ok
; EXPECT: reset by 8042
; EXPECT: reset by port 92
; EXPECT: PASS
; ARGS:
%include "lib.inc"

%define MARKER 0x500
%define MAGIC_KBC 0x3234384b   ; "K842"
%define MAGIC_P92 0x32395050   ; "PP92"
%define COM1 0x3f8

start:
    REAL_INIT
    cmp dword [MARKER], MAGIC_KBC
    je after_kbc_reset
    cmp dword [MARKER], MAGIC_P92
    je after_p92_reset

    ; --- 8042 ---
    call kbc_flush
    mov al, 0xaa                ; controller self test
    call kbc_cmd
    call kbc_read
    CHECK eax, 0x55, 'self test'
    in al, 0x64
    and eax, 0x04
    CHECK eax, 0x04, 'system flag'
    mov al, 0x60                ; command byte: translate, system flag, no IRQs
    call kbc_cmd
    mov al, 0x44
    call kbc_data
    mov al, 0x20
    call kbc_cmd
    call kbc_read
    CHECK eax, 0x44, 'command byte'
    mov al, 0xee                ; keyboard echo
    call kbc_data
    call kbc_read
    CHECK eax, 0xee, 'echo'
    mov al, 0xff                ; keyboard reset: ACK, self test passed
    call kbc_data
    call kbc_read
    CHECK eax, 0xfa, 'reset ack'
    call kbc_read
    CHECK eax, 0xaa, 'reset BAT'
    mov al, 0xf2                ; identify: AB 83, translated to AB 41
    call kbc_data
    call kbc_read
    CHECK eax, 0xfa, 'identify ack'
    call kbc_read
    CHECK eax, 0xab, 'identify 1'
    call kbc_read
    CHECK eax, 0x41, 'identify 2'
    PUTSLN '8042 ok'

    ; --- A20 ---
    mov al, 0xd1                ; output port: A20 off
    call kbc_cmd
    mov al, 0xdd
    call kbc_data
    call a20_wraps
    CHECK eax, 1, 'A20 off via 8042'
    mov al, 0xd1                ; A20 on
    call kbc_cmd
    mov al, 0xdf
    call kbc_data
    call a20_wraps
    CHECK eax, 0, 'A20 on via 8042'
    mov al, 0xd1                ; 8042 A20 off again: port 0x92 alone decides
    call kbc_cmd                ; (the chipset ORs the two)
    mov al, 0xdd
    call kbc_data
    mov al, 0x02
    out 0x92, al
    call a20_wraps
    CHECK eax, 0, 'A20 on via port 92'
    in al, 0x92
    and eax, 0x03
    CHECK eax, 0x02, 'port 92 reads back'
    mov al, 0
    out 0x92, al
    call a20_wraps
    CHECK eax, 1, 'A20 off via port 92'
    mov al, 0x02
    out 0x92, al
    PUTSLN 'a20 ok'

    ; --- COM1 in loopback ---
    mov dx, COM1 + 3
    mov al, 0x80                ; DLAB
    out dx, al
    mov dx, COM1
    mov al, 1                   ; 115200 baud
    out dx, al
    inc dx
    mov al, 0
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03                ; 8N1
    out dx, al
    mov dx, COM1 + 2
    mov al, 0x07                ; FIFOs on and cleared
    out dx, al
    in al, dx
    and eax, 0xcf
    CHECK eax, 0xc1, 'IIR with FIFOs'
    mov dx, COM1 + 4
    mov al, 0x1f                ; loopback, DTR RTS OUT1 OUT2
    out dx, al
    mov dx, COM1 + 6
    in al, dx
    and eax, 0xf0
    CHECK eax, 0xf0, 'loopback modem inputs'
    mov dx, COM1
    mov al, 'Z'
    out dx, al
    mov al, 'q'
    out dx, al
    mov dx, COM1 + 5
    mov cx, 0
.wait_dr:
    in al, dx
    test al, 1
    jnz .got
    loop .wait_dr
    FAIL 'loopback: no data'
.got:
    mov dx, COM1
    in al, dx
    and eax, 0xff
    CHECK eax, 'Z', 'loopback byte 1'
    in al, dx
    and eax, 0xff
    CHECK eax, 'q', 'loopback byte 2'
    mov dx, COM1 + 5
    in al, dx
    and eax, 0x61
    CHECK eax, 0x60, 'LSR empty'
    mov dx, COM1 + 4
    mov al, 0x03
    out dx, al
    PUTSLN 'uart ok'

    ; --- reset through the 8042 ---
    mov dword [MARKER], MAGIC_KBC
    mov al, 0xfe
    out 0x64, al
    mov cx, 0
.spin1:
    loop .spin1
    FAIL 'no reset from the 8042'

after_kbc_reset:
    PUTSLN 'reset by 8042'
    mov dword [MARKER], MAGIC_P92
    in al, 0x92
    and al, 0xfe
    out 0x92, al
    or al, 1                    ; a 0 -> 1 edge of bit 0
    out 0x92, al
    mov cx, 0
.spin2:
    loop .spin2
    FAIL 'no reset from port 92'

after_p92_reset:
    mov dword [MARKER], 0
    PUTSLN 'reset by port 92'
    PASS

; Returns EAX = 1 if 0xFFFF:0x0610 is the same byte as 0x0000:0x0600.
a20_wraps:
    push ds
    push es
    xor ax, ax
    mov es, ax
    mov ax, 0xffff
    mov ds, ax
    mov byte [es:0x600], 0x11
    mov byte [ds:0x610], 0x22
    xor eax, eax
    cmp byte [es:0x600], 0x22
    jne .no
    mov eax, 1
.no:
    pop es
    pop ds
    ret

; Wait until the controller takes input (IBF clear), then write.
kbc_wait_in:
    push ax
    push cx
    mov cx, 0
.w: in al, 0x64
    test al, 2
    jz .ok
    loop .w
.ok:
    pop cx
    pop ax
    ret
kbc_cmd:
    call kbc_wait_in
    out 0x64, al
    ret
kbc_data:
    call kbc_wait_in
    out 0x60, al
    ret
; EAX = the next output byte (fails after a long wait).
kbc_read:
    push cx
    mov cx, 0
.w: in al, 0x64
    test al, 1
    jnz .ok
    loop .w
    FAIL 'no byte from the 8042'
.ok:
    pop cx
    in al, 0x60
    and eax, 0xff
    ret
kbc_flush:
    push ax
.f: in al, 0x64
    test al, 1
    jz .done
    in al, 0x60
    jmp .f
.done:
    pop ax
    ret

    ROM_END
