; SPDX-License-Identifier: MIT
;
; snpemu reset path.  QEMU maps the -bios ROM at the top of 4 GiB; the CPU
; starts at 0xFFFFFFF0 in real mode.  We switch to flat 32-bit protected
; mode, find the top of low RAM in CMOS (0x34/0x35: 64 KiB units above
; 16 MiB), place snpemu at [top - SNPEMU_RESERVE, top), copy the image
; there, build page tables that map 0-4 GiB 1:1 and the image at
; KERNEL_VMA, enter long mode and jump to snpemu_entry64.
;
; Everything the guest must never see lives in that reserved region, so the
; guest's memory map simply ends below it.

%define KERNEL_VMA      0xFFFFFFFF80000000
%define SNPEMU_RESERVE  (64 << 20)
%define LOG_PORT        0x402
%define EXIT_PORT       0xF4

extern __image_lma_start, __image_lma_end, __bss_start, __bss_end
extern boot_pml4, boot_pdpt_low, boot_pd_low, boot_pdpt_high, boot_pd_high
extern snpemu_phys_base, snpemu_entry64, snpemu_ap_entry64

%macro LOAD_DATA_SEGMENTS 0
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
%endmacro

%macro PHYS 2                           ; %1 = register, %2 = symbol
        mov %1, (%2 - KERNEL_VMA)
        add %1, ebp
%endmacro

%define AP_PHYS_BASE_SLOT 0x600         ; BSP leaves its physical base here for APs

section .boot16 progbits alloc exec nowrite
bits 16
; Application processors: the SIPI vector 0xFF starts them at CS=0xFF00,
; IP=0, i.e. at this page through QEMU's ISA alias of the ROM's last 128 KiB
; (0xE0000-0xFFFFF).  This label must stay at offset 0 of .boot16.
global ap16
ap16:
        cli
        cld
        o32 lgdt [cs:(boot_gdt_desc - ap16)]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:ap32

; The bootstrap processor, from the reset vector: CS base 0xFFFF0000.
global reset16
reset16:
        cli
        cld
        o32 lgdt [cs:0xF000 + (boot_gdt_desc - ap16)]  ; .boot16 is linked at 0xFFFFF000
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:entry32

bits 32
entry32:
        LOAD_DATA_SEGMENTS

        ; top of low RAM = 16 MiB + CMOS[0x35:0x34] * 64 KiB
        mov al, 0x35
        out 0x70, al
        in al, 0x71
        mov ah, al
        mov al, 0x34
        out 0x70, al
        in al, 0x71
        movzx eax, ax
        shl eax, 16
        add eax, (16 << 20)
        cmp eax, (128 << 20)
        jb boot_too_small
        sub eax, SNPEMU_RESERVE
        and eax, ~((2 << 20) - 1)
        mov ebp, eax                    ; ebp = physical base of the image

        ; copy the image (text, rodata, data) from ROM to RAM
        mov esi, __image_lma_start
        mov edi, ebp
        mov ecx, __image_lma_end
        sub ecx, esi
        rep movsb

        ; zero .bss (its physical address = base + (vma - KERNEL_VMA))
        mov edi, (__bss_start - KERNEL_VMA)
        add edi, ebp
        mov ecx, (__bss_end - KERNEL_VMA)
        sub ecx, (__bss_start - KERNEL_VMA)
        xor eax, eax
        rep stosb


        ; PML4[0] -> pdpt_low, PML4[511] -> pdpt_high
        PHYS edi, boot_pml4
        PHYS eax, boot_pdpt_low
        or eax, 3
        mov [edi], eax
        PHYS eax, boot_pdpt_high
        or eax, 3
        mov [edi + 511 * 8], eax

        ; pdpt_low[0..3] -> pd_low[0..3]; pd_low maps 0-4 GiB with 2 MiB pages
        PHYS edi, boot_pdpt_low
        PHYS eax, boot_pd_low
        or eax, 3
        mov ecx, 4
.pdpt_low:
        mov [edi], eax
        add edi, 8
        add eax, 4096
        loop .pdpt_low

        PHYS edi, boot_pd_low
        xor eax, eax
        xor edx, edx
        mov ecx, 2048
.pd_low:
        mov ebx, eax
        or ebx, 0x83                    ; P | RW | PS
        mov [edi], ebx
        mov [edi + 4], edx
        add edi, 8
        add eax, (2 << 20)
        jnc .pd_low_next
        inc edx
.pd_low_next:
        loop .pd_low

        ; pdpt_high[510] -> pd_high, which maps KERNEL_VMA.. to the image
        PHYS edi, boot_pdpt_high
        PHYS eax, boot_pd_high
        or eax, 3
        mov [edi + 510 * 8], eax
        PHYS edi, boot_pd_high
        mov eax, ebp
        mov ecx, (SNPEMU_RESERVE >> 21)
.pd_high:
        mov ebx, eax
        or ebx, 0x83
        mov [edi], ebx
        add edi, 8
        add eax, (2 << 20)
        loop .pd_high

        ; record the physical base for C
        PHYS edi, snpemu_phys_base
        mov [edi], ebp

        xor edi, edi                    ; edi = 0: bootstrap processor

        ; long mode: PAE, CR3, EFER.LME|NXE, paging (ebp = physical base)
enter_long_mode:
        mov eax, cr4
        or eax, (1 << 5) | (1 << 9) | (1 << 10)   ; PAE, OSFXSR, OSXMMEXCPT
        mov cr4, eax
        PHYS eax, boot_pml4
        mov cr3, eax
        mov ecx, 0xC0000080
        rdmsr
        or eax, (1 << 8) | (1 << 11)
        wrmsr
        mov eax, cr0
        or eax, (1 << 31) | (1 << 16)   ; PG, WP
        mov cr0, eax
        jmp 0x18:entry64_low

ap32:
        LOAD_DATA_SEGMENTS
        mov ebp, [AP_PHYS_BASE_SLOT]
        mov edi, 1                      ; edi = 1: application processor
        jmp enter_long_mode

boot_too_small:
        mov esi, msg_too_small
.msg:
        lodsb
        test al, al
        jz .die
        mov dx, LOG_PORT
        out dx, al
        jmp .msg
.die:
        mov al, 0x12
        out EXIT_PORT, al
        hlt
        jmp .die

bits 64
entry64_low:
        mov rax, snpemu_entry64
        test edi, edi
        jz .go
        mov rax, snpemu_ap_entry64
.go:    jmp rax

msg_too_small: db "snpemu: fatal: need at least 128 MiB of low RAM", 10, 0

align 8
boot_gdt:
        dq 0
        dq 0x00CF9B000000FFFF           ; 0x08: 32-bit code
        dq 0x00CF93000000FFFF           ; 0x10: data
        dq 0x00AF9B000000FFFF           ; 0x18: 64-bit code
boot_gdt_desc:
        dw boot_gdt_desc - boot_gdt - 1
        dd boot_gdt

section .resetvec progbits alloc exec nowrite
bits 16
global resetvec
resetvec:
        jmp reset16                     ; rel16: IP wraps inside CS (base 0xFFFF0000)
        times 16 - ($ - resetvec) db 0xF4
