; A boot program without a disk: a PnP option ROM with a Bootstrap Entry
; Vector (BIOS Boot Specification 1.01, appendix A/C). SeaBIOS loads it from
; fw_cfg "genroms/" (QEMU -option-rom), calls its init entry, and with
; "-boot n" boots it first: it uses the BIOS services a boot sector would --
; INT 10h (teletype, cursor), INT 1Ah (RTC date, tick count, which the timer
; interrupt advances), INT 16h (keys the test types once COM1 says READY) --
; reports on COM1 and ends vx86 through the exit port 0xF4. The checks are
; bios_services.inc, shared with the hard disk boot sector bootsector.asm.
; The whole-ROM checksum is fixed after assembly (romsum).
%define ROM_BLOCKS 4                  ; 2 KiB
%define PRODUCT 'vx86 BEV test'
%include "optionrom.inc"

fail:
    mov si, msg_fail
    call serial_puts
    mov al, FAIL_CODE
    out EXIT_PORT, al
    cli
    hlt

; --- the boot ---
bev:
    push cs
    pop ds
    cld
    mov si, msg_booted
    call serial_puts

    jmp bios_services

%define SCREEN_TITLE 'vx86 BEV'
%include "bios_services.inc"

msg_booted: db 'BEV: booted from option ROM', 10, 0

    ROM_END
