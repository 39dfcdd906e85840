; Guest timekeeping (issue 6): PIT channel 2 counts down from 0xFFFF in
; mode 0 (as Linux's pit_calibrate_tsc programs it); the channel's latched
; count is read next to the TSC (1 GHz nominal), the ACPI PM timer
; (3.579545 MHz), the HPET main counter (100 MHz) and the local APIC timer
; (100 MHz bus clock, divide by 1) at the start and the end of a ~40 ms
; window, and each counter must have counted its own rate times the PIT's
; elapsed clocks within 0.4%. A host stall between two readings of a group
; can skew one of them in real time, so the window is tried up to 4 times.
; Then WRMSR(TSC) sets the counter, which goes on from there, upward. Last,
; the first read of channel 2 right after its count is written sees that
; count (Linux's quick_pit_calibrate depends on it; on a PC the ISA read
; takes ~1 us). Under -icount shift=3 (8 ns an instruction) a TSC counting
; instructions would be 8x slow. timekeeping_rt.asm runs it in real time.
; EXPECT: tsc ok
; EXPECT: pm ok
; EXPECT: hpet ok
; EXPECT: apic ok
; EXPECT: tsc write ok
; EXPECT: pit first read FF
; EXPECT: PASS
; ARGS: -no-reboot -icount shift=3 --timeout 60
%include "lib.inc"

%define APIC     0xfee00000
%define HPET     0xfed00000
%define PMBASE   0x600
%define PM_TMR   (PMBASE + 8)

%define PIT_HZ   1193182

%define C0       SCRATCH                ; start readings: PIT count, TSC low, PM, HPET, APIC CCR
%define T0       (SCRATCH + 4)
%define P0       (SCRATCH + 8)
%define H0       (SCRATCH + 12)
%define A0       (SCRATCH + 16)
%define TRIES    (SCRATCH + 20)
%define DPIT     (SCRATCH + 24)         ; PIT clocks in the window
%define DT       (SCRATCH + 28)         ; counts in the window
%define DP       (SCRATCH + 32)
%define DH       (SCRATCH + 36)
%define DA       (SCRATCH + 40)

; PIT_COUNT: channel 2's count, latched (control word 0x80), into EAX.
%macro PIT_COUNT 0
    mov al, 0x80
    out 0x43, al
    in al, 0x42
    mov ah, al
    in al, 0x42
    xchg al, ah
    movzx eax, ax
%endmacro

; IN_RANGE measured, rate_hz, label-if-outside: measured (memory) within
; +-0.4% of DPIT * rate / PIT_HZ.
%macro IN_RANGE 3
    mov eax, [DPIT]
    mov edx, %2
    mul edx
    mov ecx, PIT_HZ
    div ecx
    mov ecx, eax
    shr ecx, 8                          ; 1/256 = 0.39%
    mov edx, eax
    sub edx, ecx
    cmp dword %1, edx
    jb %3
    add eax, ecx
    cmp dword %1, eax
    ja %3
%endmacro

start:
    REAL_INIT
    PM_ENTER
    ; PIIX4 PM (00:01.3): PMBA = 0x600 | 1, PMREGMISC = 1, as SeaBIOS does.
    mov eax, 0x80000000 | (0x0b << 8) | 0x40
    mov dx, 0xcf8
    out dx, eax
    mov eax, PMBASE | 1
    mov dx, 0xcfc
    out dx, eax
    mov eax, 0x80000000 | (0x0b << 8) | 0x80
    mov dx, 0xcf8
    out dx, eax
    mov al, 1
    mov dx, 0xcfc
    out dx, al
    ; HPET counter on (GEN_CONF.ENABLE_CNF).
    mov dword [HPET + 0x10], 1
    ; Local APIC on; timer one-shot, masked, divide by 1, from 0xFFFFFFFF.
    mov dword [APIC + 0xf0], 0x1ff
    mov dword [APIC + 0x3e0], 0xb
    mov dword [APIC + 0x320], 0x10000
    mov dword [APIC + 0x380], 0xffffffff
    mov dword [TRIES], 4

window:
    in al, 0x61                         ; gate 2 on, speaker off
    and al, 0xfc
    or al, 1
    out 0x61, al
    mov al, 0xb0                        ; channel 2, LSB then MSB, mode 0
    out 0x43, al
    mov al, 0xff
    out 0x42, al
    out 0x42, al
    PIT_COUNT
    mov [C0], eax
    rdtsc
    mov [T0], eax
    mov dx, PM_TMR
    in eax, dx
    mov [P0], eax
    mov eax, [HPET + 0xf0]
    mov [H0], eax
    mov eax, [APIC + 0x390]
    mov [A0], eax
.poll:                                  ; ~41 ms: until the count is below 0x4000
    PIT_COUNT
    cmp eax, 0x4000
    jae .poll
    PIT_COUNT
    mov ebx, eax
    rdtsc
    mov [DT], eax
    mov dx, PM_TMR
    in eax, dx
    mov [DP], eax
    mov eax, [HPET + 0xf0]
    mov [DH], eax
    mov eax, [APIC + 0x390]
    mov [DA], eax
    mov eax, [C0]
    sub eax, ebx
    jbe retry                           ; wrapped past 0 (a long host stall)
    mov [DPIT], eax
    mov eax, [T0]
    sub [DT], eax
    mov eax, [P0]
    sub [DP], eax
    and dword [DP], 0xffffff            ; the PM timer is 24 bits wide
    mov eax, [H0]
    sub [DH], eax
    mov eax, [A0]
    sub eax, [DA]                       ; the APIC timer counts down
    mov [DA], eax
    IN_RANGE [DT], 1000000000, retry
    IN_RANGE [DP], 3579545, retry
    IN_RANGE [DH], 100000000, retry
    IN_RANGE [DA], 100000000, retry
    jmp measured
retry:
    dec dword [TRIES]
    jnz window
    PUTS 'FAIL: '
    SHOW 'pit', [DPIT], 8
    SHOW 'tsc', [DT], 8
    SHOW 'pm', [DP], 8
    SHOW 'hpet', [DH], 8
    SHOW 'apic', [DA], 8
    NEWLINE
    EXIT_CODE FAIL_CODE

measured:
    PUTSLN 'tsc ok'
    PUTSLN 'pm ok'
    PUTSLN 'hpet ok'
    PUTSLN 'apic ok'

    ; WRMSR(TSC): the P6 writes the low 32 bits and clears the high ones
    ; (SDM Vol. 3B 17.17); the count goes on from the value written, upward.
    mov ecx, 0x10
    mov eax, 0x12345678
    mov edx, 0xffffffff
    wrmsr
    rdtsc
    CHECK edx, 0, 'tsc high after write'
    sub eax, 0x12345678
    cmp eax, 100000000                  ; less than 100 ms later
    jb .tsc_ok
    FAIL 'tsc after write'
.tsc_ok:
    rdtsc
    mov ebx, eax
    rdtsc
    cmp eax, ebx
    ja .mono
    FAIL 'tsc not advancing'
.mono:
    PUTSLN 'tsc write ok'

    mov al, 0xb0
    out 0x43, al
    mov al, 0xff
    out 0x42, al
    out 0x42, al
    in al, 0x42
    in al, 0x42
    PUTS 'pit first read '
    PUTHEX eax, 2
    NEWLINE
    PASS

    ROM_END
