; SPDX-License-Identifier: MIT
; 64-bit helpers that must not use the stack across their work.

global pv_relocate
section .text
bits 64

; void pv_relocate(u64 dst_pa, const void *src, u64 len, u64 new_cr3)
; Copies the running image (stack included) to its final place through the
; 1:1 map, then switches to page tables that map the same virtual addresses
; there.  The return address was pushed before the copy, so it survives.
pv_relocate:
        mov rax, rcx
        mov rcx, rdx
        ; rdi = destination (1:1), rsi = source
        rep movsb
        mov cr3, rax
        ret
