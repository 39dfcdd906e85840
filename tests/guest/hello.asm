; The demo guest: greets from real mode, names the CPU from CPUID, switches
; to 32-bit protected mode and greets again (the README's demo). The CPU
; is vx86's Pentium M, signature 0x6d6 (Bochs' p2_klamath says model 3 stepping 4).
; EXPECT: Hello from vx86, real mode
; EXPECT: CPU GenuineIntel family 6 model D stepping 6
; EXPECT: Hello from 32-bit protected mode
; EXPECT: PASS
%include "lib.inc"

start:
    REAL_INIT
    PUTSLN 'Hello from vx86, real mode'
    xor eax, eax
    cpuid
    mov [SCRATCH], ebx              ; vendor: EBX, EDX, ECX
    mov [SCRATCH + 4], edx
    mov [SCRATCH + 8], ecx
    mov byte [SCRATCH + 12], 0
    PUTS 'CPU '
    mov si, SCRATCH
.vendor:
    lodsb
    test al, al
    jz .vendor_done
    out DEBUGCON_PORT, al
    jmp .vendor
.vendor_done:
    mov eax, 1
    cpuid
    mov ebx, eax
    shr ebx, 8
    and ebx, 0xf
    PUTS ' family '
    PUTHEX ebx, 1
    mov ebx, eax
    shr ebx, 4
    and ebx, 0xf
    PUTS ' model '
    PUTHEX ebx, 1
    and eax, 0xf
    PUTS ' stepping '
    PUTHEX eax, 1
    NEWLINE
    PM_ENTER
    PUTSLN 'Hello from 32-bit protected mode'
    PASS

    ROM_END
