; SPDX-License-Identifier: MIT
; The paravisor's exception stubs, vectors 0-31, into pv_exception().
%include "isr_stubs.inc"

extern pv_exception
global pv_isr_table

ISR_STUBS 32, pv_exception, pv_isr_table
