; vx86's linuxboot option ROM, after QEMU's pc-bios/optionrom/linuxboot_dma.c:
; SeaBIOS runs it as a boot entry (PnP Bootstrap Entry Vector, BIOS Boot
; Specification 1.01 appendix C; fw_cfg "bootorder" puts it first). It reads
; the kernel's fw_cfg items -- setup (real-mode code with its header already
; patched by vx86), protected-mode kernel, initrd, command line -- with the
; fw_cfg DMA interface (QEMU docs/specs/fw_cfg.rst), which writes straight
; to physical addresses above 1 MiB from real mode, then enters the
; real-mode kernel as boot.rst says: segments = setup segment, stack below
; the command line, far jump to setup + 0x200. The checksum byte (last) is
; set by vx86 when it adds the ROM (bios/linux_boot.c).
bits 16
org 0

%define ROM_BLOCKS 2
%define FW_CFG_SEL  0x510
%define FW_CFG_DATA 0x511
%define FW_CFG_DMA  0x514
%define FW_CFG_KERNEL_ADDR  0x07
%define FW_CFG_KERNEL_SIZE  0x08
%define FW_CFG_INITRD_ADDR  0x0a
%define FW_CFG_INITRD_SIZE  0x0b
%define FW_CFG_KERNEL_DATA  0x11
%define FW_CFG_INITRD_DATA  0x12
%define FW_CFG_CMDLINE_ADDR 0x13
%define FW_CFG_CMDLINE_SIZE 0x14
%define FW_CFG_CMDLINE_DATA 0x15
%define FW_CFG_SETUP_ADDR   0x16
%define FW_CFG_SETUP_SIZE   0x17
%define FW_CFG_SETUP_DATA   0x18
%define DMA_CTL_SELECT 0x08
%define DMA_CTL_READ   0x02
%define DMA_CTL_ERROR  0x01
%define OFS(x) ((x) - $$)

rom:
    db 0x55, 0xaa
    db ROM_BLOCKS
    jmp short init
    times 0x18 - ($ - $$) db 0
    dw 0                              ; no PCI data structure
    dw OFS(pnp)

%define PNP_SUM ('$' + 'P' + 'n' + 'P' + 1 + 2 + 0x01 + 0x00 + 0x86 + 0x0b + 0x08 + 0x80 + 0x04)
    align 16
pnp:
    db '$PnP'
    db 1                              ; revision
    db 2                              ; length in 16-byte units
    dw 0                              ; next
    db 0
    db (0x100 - ((PNP_SUM + (OFS(manufacturer) & 0xff) + (OFS(manufacturer) >> 8) \
                 + (OFS(product) & 0xff) + (OFS(product) >> 8) \
                 + (OFS(bev) & 0xff) + (OFS(bev) >> 8)) & 0xff)) & 0xff
    dd 0x0b860001                     ; device id
    dw OFS(manufacturer)
    dw OFS(product)
    db 0x08, 0x80, 0x00               ; other system peripheral
    db 0x04                           ; IPL device
    dw 0                              ; boot connection vector
    dw 0                              ; disconnect vector
    dw OFS(bev)                       ; bootstrap entry vector
    dw 0
    dw 0

manufacturer: db 'vx86', 0
product:      db 'Linux direct boot', 0

init:
    retf

; EAX = the u32 item AX (little endian).
fw_read32:
    push cx
    push dx
    mov dx, FW_CFG_SEL
    out dx, ax
    mov dx, FW_CFG_DATA
    mov cx, 4
.byte:
    in al, dx
    ror eax, 8
    loop .byte
    pop dx
    pop cx
    ret

; DMA-read item AX (ECX bytes) to physical address EDI. The access
; structure (big endian: control, length, address) lives on the stack.
fw_dma_read:
    pushad
    jecxz .done
    movzx ebx, ax
    shl ebx, 16
    or ebx, DMA_CTL_SELECT | DMA_CTL_READ
    bswap edi
    push edi                          ; address bits 31:0
    push dword 0                      ; address bits 63:32
    bswap ecx
    push ecx                          ; length
    bswap ebx
    push ebx                          ; control
    xor eax, eax
    mov ax, ss
    shl eax, 4
    movzx ebx, sp
    add eax, ebx                      ; physical address of the structure
    bswap eax
    mov dx, FW_CFG_DMA
    push eax
    xor eax, eax
    out dx, eax                       ; high half
    pop eax
    add dx, 4
    out dx, eax                       ; low half: starts the transfer
    mov bx, sp
.wait:                                ; control reads 0 when done (or ERROR)
    mov eax, [ss:bx]
    bswap eax
    and eax, ~DMA_CTL_ERROR
    jnz .wait
    add sp, 16
.done:
    popad
    ret

%macro LOAD 3                         ; addr item, size item, data item
    mov ax, %1
    call fw_read32
    mov edi, eax
    mov ax, %2
    call fw_read32
    mov ecx, eax
    mov ax, %3
    call fw_dma_read
%endmacro

bev:
    cli
    cld
    LOAD FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
    LOAD FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
    LOAD FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
    LOAD FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA

    ; The real-mode kernel: its segment in every data register, the stack
    ; just below the command line (boot.rst "LOADING THE REST OF THE KERNEL").
    mov ax, FW_CFG_CMDLINE_ADDR
    call fw_read32
    mov esi, eax
    mov ax, FW_CFG_SETUP_ADDR
    call fw_read32
    sub esi, eax
    sub esi, 16                       ; SP
    shr eax, 4                        ; setup segment
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov sp, si
    add ax, 0x20                      ; entry at setup + 0x200
    push ax
    push word 0
    retf

    times ROM_BLOCKS * 512 - 1 - ($ - $$) db 0
    db 0                              ; checksum (set by vx86)
