; --keys types on the PS/2 keyboard through the 8042, starting when the
; output matches --keys-after. The guest turns on scancode translation (set
; 1), says it is ready and prints every byte it reads from port 0x60 until
; the release of Enter (0x9C): h, i and ret pressed and released.
; EXPECT: ready
; EXPECT: 23 A3 17 97 1C 9C
; EXPECT: PASS
; ARGS: -no-reboot -icount 4 --keys "h i ret" --keys-after "^ready" --timeout 30
%include "lib.inc"

start:
    REAL_INIT
    call wait_ibf_clear
    mov al, 0x60                ; 8042: write the command byte
    out 0x64, al
    call wait_ibf_clear
    mov al, 0x44                ; XLATE, system flag; no IRQs, keyboard enabled
    out 0x60, al
.flush:                         ; drop anything queued before we were ready
    in al, 0x64
    test al, 1
    jz .flushed
    in al, 0x60
    jmp .flush
.flushed:
    PUTSLN 'ready'
.next:
    in al, 0x64
    test al, 1                  ; output buffer full?
    jz .next
    in al, 0x60
    movzx eax, al
    PUTHEX eax, 2
    cmp al, 0x9c                ; Enter released: done
    je .done
    PUTS ' '
    jmp .next
.done:
    NEWLINE
    PASS

wait_ibf_clear:
    in al, 0x64
    test al, 2
    jnz wait_ibf_clear
    ret

    ROM_END
