; SPDX-License-Identifier: MIT
;
; Paravisor entry at VMPL0 (protocol/paravisor_layout.h): 32-bit protected
; mode, paging off, so every access is private whatever the platform's C-bit
; position.  Build boot page tables from the C-bit the CPUID page reports,
; enter long mode and jump to pv_main at PV_KERNEL_VMA.
;
;   1:1 map of [0, 4 GiB) with 2 MiB pages, C-bit set (private)
;   0xFFFF800000000000 + [0, 4 GiB): the same without the C-bit (shared)
;   PV_KERNEL_VMA -> the image's load address (KERNEL_LMA), C-bit set

%include "pv_asm.inc"

; fill_ptes table, first, step, count, high: table[i] = first + i * step
; in the low dword, `high` in the high dword, for i in [0, count).  Tables are
; page aligned, so `+ 3` (P | RW) on their address is the OR.
%macro fill_ptes 5
        mov ebx, %1
        mov eax, %2
        xor ecx, ecx
%%next: mov [ebx + ecx * 8], eax
        mov dword [ebx + ecx * 8 + 4], %5
        add eax, %3
        inc ecx
        cmp ecx, %4
        jb %%next
%endmacro

extern boot_pml4, boot_pdpt_low, boot_pd_low, boot_pdpt_high, boot_pd_high
extern boot_pdpt_shared, boot_pd_shared
extern pv_main, pv_cbit, boot_stack_top

section .boot32 progbits alloc exec nowrite
bits 32
global pv_entry32
pv_entry32:
        cld
        ; C-bit position: the CPUID page entry for leaf 0x8000001F, EBX[5:0].
        mov esi, PV_CPUID_GPA
        mov ecx, [esi]                  ; count
        cmp ecx, 64
        ja .no_cbit
        lea esi, [esi + 16]
.scan:  test ecx, ecx
        jz .no_cbit
        cmp dword [esi], 0x8000001F
        je .found
        add esi, 48
        dec ecx
        jmp .scan
.found: mov ecx, [esi + 28]             ; ebx
        and ecx, 63
        cmp ecx, 32
        jb .no_cbit
        sub ecx, 32                     ; the C-bit lies in the high dword
        mov edi, 1
        shl edi, cl                     ; edi = C-bit >> 32
        mov [PHYS(pv_cbit) + 4], edi

        ; PML4[0] -> pdpt_low, PML4[511] -> pdpt_high (C-bit in every entry)
        mov ebx, PHYS(boot_pml4)
        mov eax, PHYS(boot_pdpt_low)
        or eax, 3
        mov [ebx], eax
        mov [ebx + 4], edi
        mov eax, PHYS(boot_pdpt_high)
        or eax, 3
        mov [ebx + 511 * 8], eax
        mov [ebx + 511 * 8 + 4], edi

        fill_ptes PHYS(boot_pdpt_low), PHYS(boot_pd_low) + 3, 4096, 4, edi
        fill_ptes PHYS(boot_pd_low), 0x83, 0x200000, 2048, edi   ; P | RW | PS

        ; PML4[256] -> pdpt_shared -> pd_shared: [0, 4 GiB) without the C-bit
        mov ebx, PHYS(boot_pml4)
        mov eax, PHYS(boot_pdpt_shared)
        or eax, 3
        mov [ebx + 256 * 8], eax
        mov [ebx + 256 * 8 + 4], edi
        fill_ptes PHYS(boot_pdpt_shared), PHYS(boot_pd_shared) + 3, 4096, 4, edi
        fill_ptes PHYS(boot_pd_shared), 0x83, 0x200000, 2048, 0

        mov ebx, PHYS(boot_pdpt_high)
        mov eax, PHYS(boot_pd_high)
        or eax, 3
        mov [ebx + 510 * 8], eax
        mov [ebx + 510 * 8 + 4], edi
        fill_ptes PHYS(boot_pd_high), KERNEL_LMA | 0x83, 0x200000, (KERNEL_LMA_MAX >> 21), edi

        mov eax, cr4
        or eax, (1 << 5) | (1 << 9) | (1 << 10)  ; PAE, OSFXSR, OSXMMEXCPT
        mov cr4, eax
        mov eax, PHYS(boot_pml4)
        mov cr3, eax                    ; 32 bits: no C-bit yet (walks are private anyway)
        mov ecx, 0xC0000080
        rdmsr
        or eax, (1 << 8) | (1 << 11)    ; LME, NXE
        wrmsr
        mov eax, cr0
        or eax, (1 << 31) | (1 << 16)   ; PG, WP
        mov cr0, eax
        jmp PV_SEL_CODE64:.long

bits 64
.long:
        mov eax, edi
        shl rax, 32
        or rax, PHYS(boot_pml4)
        mov cr3, rax                    ; now with the C-bit
        mov rsp, boot_stack_top
        mov rax, pv_main
        jmp rax

bits 32
.no_cbit:
        ; No usable CPUID page: nothing can be trusted.  Terminate through
        ; the GHCB MSR protocol: set 2 (paravisor), code 8 (bad launch page).
        mov ecx, 0xC0010130
        mov eax, 0x100 | (2 << 12) | (8 << 16)
        xor edx, edx
        wrmsr
        db 0xF3, 0x0F, 0x01, 0xD9       ; VMGEXIT
        hlt
        jmp .no_cbit
