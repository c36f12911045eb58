; SPDX-License-Identifier: MIT
;
; Payload entry and exception stubs.
;
; mkigvm's VMSA starts us in 64-bit mode at _start with paging on (the
; layout in protocol/payload_layout.h); .bss is loaded as IGVM zero pages,
; so it is already zero and validated.

bits 64
default rel

extern rt_start
extern exc_dispatch

section .text.entry progbits alloc exec nowrite align=16
global _start
_start:
        lea     rsp, [stack_top]
        xor     ebp, ebp
        call    rt_start
.hang:  cli
        hlt
        jmp     .hang

section .text

%include "exc_frame.inc"

%assign v 0
%rep 32
EXC_STUB exc_stub, v, exc_common
%assign v v + 1
%endrep

exc_common:
        EXC_COMMON exc_dispatch

section .rodata
align 8
global exc_stub_table
exc_stub_table:
%assign v 0
%rep 32
        dq      exc_stub_ %+ v
%assign v v + 1
%endrep

section .bss
align 16
stack:  resb    32768
stack_top:
