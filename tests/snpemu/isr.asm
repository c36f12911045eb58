; SPDX-License-Identifier: MIT
; snpemu's interrupt stubs, all 256 vectors, into irq_dispatch().
%include "isr_stubs.inc"

extern irq_dispatch
global isr_table

ISR_STUBS 256, irq_dispatch, isr_table

; void halt_window(void)  (vm.h): STGI; STI; HLT; CLI, called with GIF clear
; after the caller's last look at what would wake it.  An NMI (snpemu's
; kick, held back by GIF until the STGI) or an interrupt whose return
; address is inside [halt_window_start, halt_window_end) resumes at
; halt_window_end (irq_dispatch): the kick is not slept through.
global halt_window, halt_window_start, halt_window_end
section .text
halt_window:
halt_window_start:
        stgi
        sti
        hlt
halt_window_end:
        cli
        ret
