; Benchmark guest: a CPU-bound loop in 32-bit protected mode mixing ALU
; operations, loads and stores, branches and a CALL/RET, run a fixed number
; of iterations. Then it writes PASS_CODE to the exit port (vx86, QEMU) and
; triple-faults (Bochs, configured to stop on shutdown).
; Each iteration retires 15 or 16 instructions (about 318 million in all).
%include "lib.inc"

%ifndef ITERATIONS
%define ITERATIONS 20000000
%endif

start:
    REAL_INIT
    PM_ENTER
    mov ecx, ITERATIONS
    mov esi, SCRATCH
    xor edx, edx
    mov dword [esi], 0x12345678
.loop:
    mov eax, [esi]              ; load
    add eax, ecx
    xor eax, 0x5a5a5a5a
    mov [esi + 4], eax          ; store
    lea ebx, [eax + ecx * 2]
    shr ebx, 3
    call mix
    cmp ebx, 0x10000000
    jb .low
    inc edx
.low:
    mov [esi], ebx
    dec ecx
    jnz .loop

    PUTS 'bench done '
    PUTHEX edx, 8
    NEWLINE
    mov al, PASS_CODE
    out EXIT_PORT, al
    lidt [cs:null_idt_ptr]          ; Bochs: shut down
    ud2

mix:                                ; ebx = rol(ebx ^ edx, 5)
    xor ebx, edx
    rol ebx, 5
    ret

    ROM_END
