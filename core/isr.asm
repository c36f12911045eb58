; SPDX-License-Identifier: MIT
; Exception stubs for vectors 0-31, into pv_exception(vector, error, frame).

extern pv_exception
global pv_isr_table

section .text
bits 64

%macro ISR 1
isr_%1:
%if %1 != 8 && %1 != 10 && %1 != 11 && %1 != 12 && %1 != 13 && %1 != 14 && %1 != 17 && %1 != 21 && %1 != 29 && %1 != 30
        push 0
%endif
        push %1
        jmp isr_common
%endmacro

%assign i 0
%rep 32
ISR i
%assign i i + 1
%endrep

isr_common:
        push rax
        push rcx
        push rdx
        push rsi
        push rdi
        push r8
        push r9
        push r10
        push r11
        push rbx
        mov rdi, [rsp + 10 * 8]
        mov rsi, [rsp + 11 * 8]
        lea rdx, [rsp + 12 * 8]
        mov rbx, rsp
        and rsp, ~15
        call pv_exception
        mov rsp, rbx
        pop rbx
        pop r11
        pop r10
        pop r9
        pop r8
        pop rdi
        pop rsi
        pop rdx
        pop rcx
        pop rax
        add rsp, 16
        iretq

section .rodata
align 8
pv_isr_table:
%assign i 0
%rep 32
        dq isr_ %+ i
%assign i i + 1
%endrep
