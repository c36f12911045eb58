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

; u64 hw_vmgexit_msr_unless(u64 msr_value, const volatile bool *stop)  (core/hw.h)
; The window is every instruction from the check to the VMGEXIT: an #HV
; whose return address is in [hw_run_window_start, hw_run_window_end)
; resumes at hw_run_window_skip (pv_exception), which returns 0 without the
; VMGEXIT.  Once the VMGEXIT has returned, the address is hw_run_window_end.
MSR_SEV_ES_GHCB equ 0xC0010130
global hw_vmgexit_msr_unless, hw_run_window_start, hw_run_window_end, hw_run_window_skip
hw_vmgexit_msr_unless:
        mov ecx, MSR_SEV_ES_GHCB
        mov rax, rdi
        mov rdx, rdi
        shr rdx, 32
hw_run_window_start:
        cmp byte [rsi], 0
        jne hw_run_window_skip
        wrmsr
        db 0xF3, 0x0F, 0x01, 0xD9       ; VMGEXIT
hw_run_window_end:
        mov ecx, MSR_SEV_ES_GHCB
        rdmsr
        shl rdx, 32
        or rax, rdx
        ret
hw_run_window_skip:
        xor eax, eax
        ret
