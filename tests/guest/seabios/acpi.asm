; The ACPI tables as a booted OS finds them after SeaBIOS ran vx86's table
; loader: booted as an option ROM BEV (see bev.asm), it scans the BIOS area
; for the RSDP, checks its checksums (ACPI 1.0 and extended), follows the
; RSDT and the XSDT to every table (signature and checksum), the FADT to the
; DSDT and the FACS, then does what an ACPI OS does: the SMI_CMD enable
; handshake (SCI_EN comes on), enables the fixed power button event, says
; READY and waits; the monitor's system_powerdown presses the button, the
; SCI arrives on IRQ 9 (level, vector 0x71 behind SeaBIOS's 8259 setup) and
; the handler powers off with S5 through PM1a_CNT: vx86 exits with status
; 0. Tables above 1 MiB are read in unreal mode (FS flat).
%define ROM_BLOCKS 4                  ; 2 KiB
%define PRODUCT 'vx86 ACPI test'
%include "optionrom.inc"

; Variables in low RAM (the shadowed ROM is read-only by now), through FS.
%define XSDT     0x8000
%define FADT     0x8004
%define COUNT    0x8008
%define PM1A_CNT 0x800c
%define PM1A_EVT 0x8010

bev:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    push cs
    pop ds
    cld
    call unreal
    mov dword [fs:FADT], 0
    ; --- the RSDP: "RSD PTR " on a 16-byte boundary in E0000-FFFFF.
    mov ebx, 0xe0000
.scan:
    cmp dword [fs:ebx], 'RSD '
    jne .next
    cmp dword [fs:ebx + 4], 'PTR '
    je .found
.next:
    add ebx, 16
    cmp ebx, 0x100000
    jb .scan
    mov si, msg_no_rsdp
    jmp fail
.found:
    mov ecx, 20
    call sum
    jnz .bad_rsdp
    cmp byte [fs:ebx + 15], 2         ; revision 2: the extended checksum too
    jne .bad_rsdp
    mov ecx, [fs:ebx + 20]
    cmp ecx, 36
    jne .bad_rsdp
    call sum
    jnz .bad_rsdp
    mov si, msg_rsdp
    call serial_puts
    mov esi, [fs:ebx + 24]            ; XSDT (below 4 GiB: high dword 0)
    cmp dword [fs:ebx + 28], 0
    jne .bad_rsdp
    mov [fs:XSDT], esi
    mov ebx, [fs:ebx + 16]            ; RSDT
    mov eax, 'RSDT'
    call table
    ; --- every RSDT entry; the XSDT must list the same tables.
    mov ecx, [fs:ebx + 4]
    sub ecx, 36
    shr ecx, 2
    mov [fs:COUNT], ecx
    lea edi, [ebx + 36]
    mov ebx, [fs:XSDT]
    mov eax, 'XSDT'
    call table
    lea ebp, [ebx + 36]
.entry:
    mov ebx, [fs:edi]
    cmp ebx, [fs:ebp]
    jne .bad_xsdt
    cmp dword [fs:ebp + 4], 0
    jne .bad_xsdt
    mov eax, [fs:ebx]                 ; its own signature, checked by table
    call table
    cmp eax, 'FACP'
    jne .not_fadt
    mov [fs:FADT], ebx
.not_fadt:
    add edi, 4
    add ebp, 8
    dec dword [fs:COUNT]
    jnz .entry
    mov ebx, [fs:FADT]
    test ebx, ebx
    jz .no_fadt
    ; --- the FADT's DSDT (32- and 64-bit fields agree) and FACS.
    mov esi, ebx
    mov ebx, [fs:esi + 40]
    cmp ebx, [fs:esi + 140]
    jne .no_fadt
    mov eax, 'DSDT'
    call table
    mov ebx, [fs:esi + 36]
    test bl, 63                       ; 64-byte aligned
    jnz .no_fadt
    cmp dword [fs:ebx], 'FACS'
    jne .no_fadt
    push si
    mov si, msg_facs
    call serial_puts
    pop si
    ; --- ACPI mode: write ACPI_ENABLE to SMI_CMD, wait for SCI_EN.
    mov edx, [fs:esi + 64]            ; PM1a_CNT_BLK
    mov [fs:PM1A_CNT], dx
    mov edx, [fs:esi + 56]            ; PM1a_EVT_BLK
    mov [fs:PM1A_EVT], dx
    mov dx, [fs:PM1A_CNT]
    in ax, dx
    test al, 1
    jnz .no_enable
    mov edx, [fs:esi + 48]            ; SMI_CMD
    mov al, [fs:esi + 52]             ; ACPI_ENABLE
    out dx, al
    mov dx, [fs:PM1A_CNT]
    in ax, dx
    test al, 1
    jz .no_enable
    mov si, msg_enabled
    call serial_puts
    ; --- the power button: clear its status, enable it, take IRQ 9.
    mov dx, [fs:PM1A_EVT]             ; PM1a_EVT_BLK: status, then enable
    mov ax, 0x0100                    ; PWRBTN
    out dx, ax
    add dx, 2
    out dx, ax
    mov word [fs:0x71 * 4], sci
    mov [fs:0x71 * 4 + 2], cs
    mov dx, 0x4d1                     ; ELCR: IRQ 9 level-triggered
    in al, dx
    or al, 0x02
    out dx, al
    in al, 0xa1                       ; unmask IRQ 9 and the cascade
    and al, 0xfd
    out 0xa1, al
    in al, 0x21
    and al, 0xfb
    out 0x21, al
    mov si, msg_ready
    call serial_puts
    sti
.idle:
    hlt
    jmp .idle

.bad_rsdp:
    mov si, msg_bad_rsdp
    jmp fail
.bad_xsdt:
    mov si, msg_bad_xsdt
    jmp fail
.no_fadt:
    mov si, msg_no_fadt
    jmp fail
.no_enable:
    mov si, msg_no_enable
    jmp fail

; The SCI: a power button press powers off; anything else is a failure.
sci:
    cli
    push cs
    pop ds
    xor ax, ax                        ; the BIOS's interrupt handlers may have
    mov es, ax                        ; reloaded FS: low RAM through ES = 0
    mov dx, [es:PM1A_EVT]
    in ax, dx
    test ax, 0x0100
    jz .other
    out dx, ax                        ; write 1 to clear
    mov si, msg_button
    call serial_puts
    ; --- S5: SLP_TYP 0 (the DSDT's \_S5), SLP_EN.
    mov si, msg_off
    call serial_puts
    mov dx, [es:PM1A_CNT]
    in ax, dx
    and ax, ~0x1c00
    or ax, 0x2000
    out dx, ax
    mov si, msg_alive
    jmp fail
.other:
    mov si, msg_other_sci
    jmp fail

; Check the table at FS:EBX: signature EAX, checksum over its length; print
; the signature.
table:
    cmp [fs:ebx], eax
    jne .bad
    mov ecx, [fs:ebx + 4]
    cmp ecx, 36
    jb .bad
    call sum
    jnz .bad
    call put_sig
    push si
    mov si, msg_ok
    call serial_puts
    pop si
    ret
.bad:
    call put_sig
    mov si, msg_bad_table
    jmp fail

; Print the four characters of EAX.
put_sig:
    push eax
    push cx
    mov cx, 4
.c:
    call serial_putc
    shr eax, 8
    loop .c
    pop cx
    pop eax
    ret

; ZF set when the ECX bytes at FS:EBX sum to 0 (mod 256).
sum:
    push eax
    push ecx
    push esi
    mov esi, ebx
    xor al, al
.l:
    add al, [fs:esi]
    inc esi
    dec ecx
    jnz .l
    test al, al
    pop esi
    pop ecx
    pop eax                           ; (POP keeps the flags)
    ret

fail:
    call serial_puts
    mov al, FAIL_CODE
    out EXIT_PORT, al
    cli
    hlt

unreal:
    xor eax, eax
    mov ax, cs
    shl eax, 4
    add eax, gdt                      ; linear address of the GDT
    sub sp, 8
    mov bp, sp
    mov word [ss:bp], gdt_end - gdt - 1
    mov [ss:bp + 2], eax
    o32 lgdt [ss:bp]
    add sp, 8
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp short .pm
.pm:
    mov bx, 8                         ; FS: base 0, limit 4 GiB, kept in real mode
    mov fs, bx
    and al, 0xfe
    mov cr0, eax
    jmp short .rm
.rm:
    ret

    align 8
gdt:
    dq 0
    dq 0x00cf92000000ffff             ; data, base 0, 4 GiB, writable
gdt_end:

msg_rsdp:      db 'RSDP ok', 10, 0
msg_ok:        db ' ok', 10, 0
msg_facs:      db 'FACS ok', 10, 0
msg_enabled:   db 'SCI_EN set', 10, 0
msg_ready:     db 'READY', 10, 0
msg_button:    db 'power button', 10, 0
msg_off:       db 'S5', 10, 0
msg_other_sci: db 'FAIL: SCI without the power button', 10, 0
msg_alive:     db 'FAIL: still running after S5', 10, 0
msg_no_rsdp:   db 'FAIL: no RSDP', 10, 0
msg_bad_rsdp:  db 'FAIL: bad RSDP', 10, 0
msg_bad_xsdt:  db 'FAIL: XSDT differs from RSDT', 10, 0
msg_no_fadt:   db 'FAIL: FADT', 10, 0
msg_no_enable: db 'FAIL: ACPI enable', 10, 0
msg_bad_table: db ': FAIL: bad table', 10, 0
    ROM_END
