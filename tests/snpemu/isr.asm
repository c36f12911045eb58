; SPDX-License-Identifier: MIT
; snpemu's interrupt stubs, all 256 vectors, into irq_dispatch().
%include "isr_stubs.inc"

extern irq_dispatch
global isr_table

ISR_STUBS 256, irq_dispatch, isr_table
