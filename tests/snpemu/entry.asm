; SPDX-License-Identifier: MIT
; 64-bit entry at the high virtual address, and the VMRUN trampoline.

%include "asm_offsets.h"

%define MAX_CPUS        8
%define STACK_SIZE      32768

extern snpemu_main, snpemu_ap_main
global snpemu_entry64, snpemu_ap_entry64, svm_vmrun

section .text
bits 64
snpemu_entry64:
        mov rsp, boot_stack_top
        xor rbp, rbp
        call snpemu_main
halt_forever:
        cli
        hlt
        jmp halt_forever

; Application processors: each takes the next stack, then C.
snpemu_ap_entry64:
        mov eax, 1
        lock xadd [rel ap_stack_next], eax
        cmp eax, MAX_CPUS - 1
        jae halt_forever
        inc eax
        imul rax, rax, STACK_SIZE
        lea rsp, [rel ap_stacks]
        add rsp, rax
        xor rbp, rbp
        call snpemu_ap_main
        jmp halt_forever

; void svm_vmrun(struct guest_gprs *gprs, u64 vmcb_pa)
; Loads the guest GPRs other than RAX/RSP (which live in the VMCB), runs the
; guest, and stores them back.  Host callee-saved registers are preserved.
svm_vmrun:
        push rbx
        push rbp
        push r12
        push r13
        push r14
        push r15
        push rdi                        ; gprs pointer, needed after VMRUN
        mov rax, rsi
        vmload                          ; rax = VMCB PA
        mov rcx, [rdi + GPRS_RCX]
        mov rdx, [rdi + GPRS_RDX]
        mov rbx, [rdi + GPRS_RBX]
        mov rbp, [rdi + GPRS_RBP]
        mov rsi, [rdi + GPRS_RSI]
        mov r8,  [rdi + GPRS_R8]
        mov r9,  [rdi + GPRS_R9]
        mov r10, [rdi + GPRS_R10]
        mov r11, [rdi + GPRS_R11]
        mov r12, [rdi + GPRS_R12]
        mov r13, [rdi + GPRS_R13]
        mov r14, [rdi + GPRS_R14]
        mov r15, [rdi + GPRS_R15]
        mov rdi, [rdi + GPRS_RDI]
        ; As KVM does: GIF off, IF on, so a physical interrupt that arrives
        ; while the guest runs is intercepted at once (V_INTR_MASKING makes
        ; the host's IF the gate, APM §15.21.1); back in snpemu IF is off
        ; again and GIF on: irq.c takes the interrupt when it chooses.
        clgi
        sti
        nop                             ; STI's shadow ends here, not in the guest
        vmrun
        vmsave
        cli
        stgi
        xchg rdi, [rsp]                 ; rdi = gprs, guest rdi on the stack
        mov [rdi + GPRS_RCX], rcx
        mov [rdi + GPRS_RDX], rdx
        mov [rdi + GPRS_RBX], rbx
        mov [rdi + GPRS_RBP], rbp
        mov [rdi + GPRS_RSI], rsi
        mov [rdi + GPRS_R8],  r8
        mov [rdi + GPRS_R9],  r9
        mov [rdi + GPRS_R10], r10
        mov [rdi + GPRS_R11], r11
        mov [rdi + GPRS_R12], r12
        mov [rdi + GPRS_R13], r13
        mov [rdi + GPRS_R14], r14
        mov [rdi + GPRS_R15], r15
        pop rax
        mov [rdi + GPRS_RDI], rax
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbp
        pop rbx
        ret

section .data
ap_stack_next:  dd 0

section .bss
align 16
boot_stack:
        resb 65536
boot_stack_top:
ap_stacks:
        resb STACK_SIZE * (MAX_CPUS - 1)
