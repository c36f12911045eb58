; SPDX-License-Identifier: MIT
; The paravisor's exception stubs, vectors 0-31, into pv_exception().
%include "isr_stubs.inc"

extern pv_exception
global pv_isr_table

ISR_STUBS 32, pv_exception, pv_isr_table

; void hw_halt_unless(const volatile bool *wake)  (core/hw.h)
; The window is every instruction from the check to the HLT: an #HV whose
; return address is in [hw_halt_window_start, hw_halt_window_end) resumes
; at hw_halt_window_end instead (pv_exception), so a wake-up that arrives
; after the check is never slept through.
global hw_halt_unless, hw_halt_window_start, hw_halt_window_end
section .text
hw_halt_unless:
hw_halt_window_start:
        cmp byte [rdi], 0
        jne hw_halt_window_end
        sti
        hlt
hw_halt_window_end:
        cli
        ret
