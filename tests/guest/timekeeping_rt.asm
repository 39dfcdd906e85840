; timekeeping.asm in real-time mode (no -icount): the counters follow the
; host clock and must still agree with the PIT, whatever the interpreter's
; speed (the TSC is the virtual clock at 1 GHz, not retired instructions).
; EXPECT: tsc ok
; EXPECT: pm ok
; EXPECT: hpet ok
; EXPECT: apic ok
; EXPECT: tsc write ok
; EXPECT: pit first read FF
; EXPECT: PASS
; ARGS: -no-reboot --timeout 60
%include "timekeeping.asm"
