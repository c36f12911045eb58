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

; Vectors whose exception pushes an error code (APM vol. 2, 8.2).  #VC (29)
; pushes the SVM exit code as its error code.
%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                    (v) == 21 || (v) == 29 || (v) == 30)

%macro EXC_STUB 1
align 16
exc_stub_%1:
%if !HAS_ERR(%1)
        push    0
%endif
        push    %1
        jmp     exc_common
%endmacro

%assign v 0
%rep 32
EXC_STUB v
%assign v v + 1
%endrep

; Stack on entry: vector, error code, RIP, CS, RFLAGS, RSP, SS.  The GPRs
; are pushed in the order of struct exc_frame (rt.h), so the handler can
; read and change them.
exc_common:
        push    rax
        push    rcx
        push    rdx
        push    rbx
        push    rbp
        push    rsi
        push    rdi
        push    r8
        push    r9
        push    r10
        push    r11
        push    r12
        push    r13
        push    r14
        push    r15
        cld
        mov     rdi, rsp
        call    exc_dispatch
        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     r11
        pop     r10
        pop     r9
        pop     r8
        pop     rdi
        pop     rsi
        pop     rbp
        pop     rbx
        pop     rdx
        pop     rcx
        pop     rax
        add     rsp, 16
        iretq

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
