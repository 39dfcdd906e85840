; A multiboot v1 kernel (Multiboot Specification 0.6.96) for the
; linux.multiboot test: an ELF32 linked at 1 MiB (ld -N: one segment) that checks the loader's
; machine state and prints its multiboot info on COM1 (polled), then ends
; vx86 through the exit port 0xF4 (PASS, status 33). Runs on any multiboot
; loader (QEMU -kernel, GRUB) with a 16550 at 0x3F8 and isa-debug-exit.
bits 32
%define COM1 0x3f8
%define MB_MAGIC 0x1badb002
%define MB_FLAGS 0x00000003           ; page-align modules, memory info

section .text
global _start
align 4
mb_header:                            ; first in .text: in the first 8 KiB
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)


_start:
    mov esp, stack_top
    mov esi, ebx                      ; the info structure
    mov [magic], eax
    mov esi, msg_magic
    call puts
    mov eax, [magic]
    call puthex
    ; The machine state the spec promises: PE on, PG off, IF off, flat CS.
    mov esi, msg_cr0
    call puts
    mov eax, cr0
    and eax, 0x80000001
    call puthex
    mov esi, msg_if
    call puts
    pushfd
    pop eax
    shr eax, 9
    and eax, 1
    call puthex
    mov esi, ebx
    mov esi, msg_flags
    call puts
    mov eax, [ebx]
    call puthex
    mov esi, msg_lower
    call puts
    mov eax, [ebx + 4]
    call putdec
    mov esi, msg_upper
    call puts
    mov eax, [ebx + 8]
    call putdec
    mov esi, msg_cmdline
    call puts
    mov esi, [ebx + 16]
    call puts
    mov esi, msg_loader
    call puts
    mov esi, [ebx + 64]
    call puts
    mov esi, msg_nl
    call puts

    ; modules: size, alignment, first 4 bytes as text, their string
    mov ecx, [ebx + 20]
    mov edi, [ebx + 24]
    xor edx, edx
.mod:
    cmp edx, ecx
    jae .mods_done
    mov esi, msg_mod
    call puts
    mov eax, edx
    call putdec
    mov esi, msg_size
    call puts
    mov eax, [edi + 4]
    sub eax, [edi]
    call putdec
    mov esi, msg_align
    call puts
    mov eax, [edi]
    and eax, 0xfff
    call puthex
    mov esi, msg_data
    call puts
    mov eax, [edi]
    push ecx
    mov ecx, 4
.ch: mov al, [eax]
    call putc
    inc dword [edi]                   ; (restored below)
    mov eax, [edi]
    loop .ch
    sub dword [edi], 4
    pop ecx
    mov esi, msg_string
    call puts
    mov esi, [edi + 8]
    call puts
    mov esi, msg_quote_nl
    call puts
    add edi, 16
    inc edx
    jmp .mod
.mods_done:

    ; memory map: base, length, type per entry
    mov edi, [ebx + 48]
    mov ecx, [ebx + 44]
    add ecx, edi
.map:
    cmp edi, ecx
    jae .map_done
    mov esi, msg_mmap
    call puts
    mov eax, [edi + 4]
    call puthex
    mov esi, msg_len
    call puts
    mov eax, [edi + 12]
    call puthex
    mov esi, msg_type
    call puts
    mov eax, [edi + 20]
    call putdec
    mov esi, msg_nl
    call puts
    add edi, [edi]
    add edi, 4
    jmp .map
.map_done:
    mov esi, msg_end
    call puts
    mov al, 0x10                      ; PASS: vx86 exits with 33
    out 0xf4, al
    cli
.halt:
    hlt
    jmp .halt

putc:                                 ; AL
    push edx
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

puts:                                 ; ESI, NUL-terminated
    push eax
.next:
    lodsb
    test al, al
    jz .done
    call putc
    jmp .next
.done:
    pop eax
    ret

puthex:                               ; EAX as 8 hex digits
    push ecx
    push eax
    mov ecx, 8
.digit:
    rol eax, 4
    push eax
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '9' - 1
.out:
    call putc
    pop eax
    loop .digit
    pop eax
    pop ecx
    ret

putdec:                               ; EAX unsigned
    push eax
    push ecx
    push edx
    push ebx
    mov ebx, 10
    xor ecx, ecx
.div:
    xor edx, edx
    div ebx
    push edx
    inc ecx
    test eax, eax
    jnz .div
.print:
    pop eax
    add al, '0'
    call putc
    loop .print
    pop ebx
    pop edx
    pop ecx
    pop eax
    ret

section .data
magic: dd 0
section .bss
align 16
stack: resb 4096
stack_top:
section .data
msg_magic:   db 'multiboot: magic=', 0
msg_cr0:     db ' cr0.pg_pe=', 0
msg_if:      db ' if=', 0
msg_flags:   db 10, 'flags=', 0
msg_lower:   db ' mem_lower=', 0
msg_upper:   db ' mem_upper=', 0
msg_cmdline: db 10, 'cmdline=', 0
msg_loader:  db 10, 'loader=', 0
msg_mod:     db 'module ', 0
msg_size:    db ' size=', 0
msg_align:   db ' offset_in_page=', 0
msg_data:    db ' data=', 0
msg_string:  db ' string="', 0
msg_quote_nl: db '"', 10, 0
msg_mmap:    db 'mmap base=', 0
msg_len:     db ' len=', 0
msg_type:    db ' type=', 0
msg_nl:      db 10, 0
msg_end:     db 'multiboot: done', 10, 0
