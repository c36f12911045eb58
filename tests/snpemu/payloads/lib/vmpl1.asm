; SPDX-License-Identifier: MIT
;
; VMPL1 interrupt and exception stubs (all 256 vectors).  They live in
; .vmpl1_text, the only code VMPL1 may execute (vmpl.c grants it), and
; build struct exc_frame (rt.h, exc_frame.inc) for vmpl1_isr() in vmpl.c.  The stub table is read by VMPL0 only, to
; build VMPL1's IDT.

bits 64
default rel

extern vmpl1_isr

section .vmpl1_text progbits alloc exec nowrite align=16

%include "exc_frame.inc"

%assign v 0
%rep 256
EXC_STUB vmpl1_stub, v, vmpl1_common
%assign v v + 1
%endrep

vmpl1_common:
        EXC_COMMON vmpl1_isr

section .rodata
align 8
global vmpl1_stub_table
vmpl1_stub_table:
%assign v 0
%rep 256
        dq      vmpl1_stub_ %+ v
%assign v v + 1
%endrep
