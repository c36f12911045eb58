; SPDX-License-Identifier: MIT
;
; A hostile guest: a 4 KiB flat firmware image that mkigvm puts where OVMF
; goes (the top of 4 GiB), so the paravisor runs it at VMPL1 from the x86
; reset state (CS:IP = F000:FFF0).  It enters long mode (1:1 map of the low
; 4 GiB with 2 MiB pages, APM vol. 2, 14.6 "Enabling and Activating Long
; Mode"), then does what a VMPL1 guest must not get away with, checks that
; it gets what the hardware gives (an exception or an error status) and
; prints one line per attack on COM1, then "HOSTILE-GUEST: verdict ok" or
; "... verdict FAIL".  The paravisor must run on through all of it.
;
; PV_AT: a page of the paravisor's region for the VM tests/boot/run makes
; by default (1 GiB of RAM: the paravisor's log says "region 0x3a000000-
; 0x3c000000"); tests/boot/meson.build checks that line too.

%define PV_AT       0x3A000000
%define OWN_PAGE    0x00300000          ; guest RAM (validated, granted)
%define PT_BASE     0x00100000          ; PML4, PDPT, 4 PDs
%define IDT_BASE    0x00106000
%define STACK_TOP   0x00108000
%define VARS        0x00108000          ; last_vec, last_err, skip_len, fails
%define LAST_VEC    VARS
%define LAST_ERR    VARS + 8
%define SKIP_LEN    VARS + 16
%define FAILS       VARS + 24
%define COM1        0x3F8
%define APIC        0xFEE00000
%define IMAGE_BASE  0xFFFFF000

        bits 16
        org IMAGE_BASE

start16:
        cli
        o32 lgdt [cs:(gdtr - $$) + 0xF000]
        mov eax, cr0
        or eax, 1                       ; PE
        mov cr0, eax
        jmp dword 0x08:start32

        bits 32
start32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, STACK_TOP
        ; page tables: zero 6 pages, then PML4[0] -> PDPT, PDPT[0..3] -> PD0..3
        mov edi, PT_BASE
        xor eax, eax
        mov ecx, 6 * 1024
        rep stosd
        mov dword [PT_BASE], PT_BASE + 0x1000 + 3
        mov edi, PT_BASE + 0x1000
        mov eax, PT_BASE + 0x2000 + 3
        mov ecx, 4
.pdpt:  mov [edi], eax
        add edi, 8
        add eax, 0x1000
        loop .pdpt
        mov edi, PT_BASE + 0x2000       ; 2048 2 MiB leaves: P, RW, PS
        mov eax, 0x83
        xor edx, edx
        mov ecx, 2048
.pd:    mov [edi], eax
        mov [edi + 4], edx
        add edi, 8
        add eax, 0x200000
        adc edx, 0
        loop .pd
        mov eax, PT_BASE
        mov cr3, eax
        mov eax, cr4
        or eax, 1 << 5                  ; PAE
        mov cr4, eax
        mov ecx, 0xC0000080             ; EFER.LME
        rdmsr
        or eax, 1 << 8
        wrmsr
        mov eax, cr0
        or eax, 1 << 31                 ; PG
        mov cr0, eax
        jmp 0x18:start64

        bits 64
start64:
        mov rsp, STACK_TOP
        call idt_init
        xor eax, eax
        mov [FAILS], rax
        lea rsi, [rel s_hello]
        call puts

        ; 1. PVALIDATE (rescind) of its own page: VMPL1 may not (#GP(0))
        mov rax, OWN_PAGE
        xor ecx, ecx
        xor edx, edx
        call arm4
        db 0xF2, 0x0F, 0x01, 0xFF       ; PVALIDATE
        lea rsi, [rel s_pval_own]
        mov rdx, 13
        call expect_vec

        ; 2. PVALIDATE of a paravisor page: #GP(0) as well
        mov rax, PV_AT
        xor ecx, ecx
        mov edx, 1
        call arm4
        db 0xF2, 0x0F, 0x01, 0xFF
        lea rsi, [rel s_pval_pv]
        mov rdx, 13
        call expect_vec

        ; 3. RMPADJUST of its own page for VMPL1 itself: FAIL_PERMISSION (2)
        mov rax, OWN_PAGE
        xor ecx, ecx
        mov edx, 1 | (0x0F << 8)
        call arm4
        db 0xF3, 0x0F, 0x01, 0xFE       ; RMPADJUST
        lea rsi, [rel s_rmpa_self]
        call expect_rc2

        ; 4. RMPADJUST of a paravisor page, read for VMPL2: an error status
        ;    (which one is the hardware's: FAIL_PERMISSION for a private
        ;    mapping, FAIL_INPUT for this one, as 1:1 has no C-bit)
        mov rax, PV_AT
        xor ecx, ecx
        mov edx, 2 | (0x01 << 8)
        call arm4
        db 0xF3, 0x0F, 0x01, 0xFE
        lea rsi, [rel s_rmpa_pv]
        call expect_rc_fail

        ; 5. the APIC base moved onto the paravisor's region: #GP(0)
        mov ecx, 0x1B
        mov eax, PV_AT | 0x900          ; BSP, xAPIC enable
        xor edx, edx
        call arm2
        wrmsr
        lea rsi, [rel s_apicbase]
        mov rdx, 13
        call expect_vec

        ; 6. an IPI flood: 4000 fixed IPIs to itself and to absent APIC IDs
        ;    with interrupts off, then one to all but itself
        mov rbx, APIC
        mov ecx, 4000
.ipi:   mov eax, ecx
        and eax, 3
        shl eax, 24                     ; destinations 0 (itself) to 3 (absent)
        mov [rbx + 0x310], eax
        mov dword [rbx + 0x300], 0x40  ; fixed, vector 0x40
        loop .ipi
        mov dword [rbx + 0x300], 0x000C0041 ; all excluding self, vector 0x41
        lea rsi, [rel s_ipi]
        call ok_line

        ; 7. absurd LAPIC timer values (rbx = APIC): periodic, divide by 1, count 1
        ;    (interrupts off: it can only pend), exits meanwhile; then the
        ;    largest count; then 0 (stopped)
        mov dword [rbx + 0x3E0], 0x0B  ; divide by 1
        mov dword [rbx + 0x320], (1 << 17) | 0x42
        mov dword [rbx + 0x380], 1
        mov ecx, 3000
.tmr:   mov eax, [rbx + 0x390]         ; current count: an exit each
        loop .tmr
        mov dword [rbx + 0x380], 0xFFFFFFFF
        mov eax, [rbx + 0x390]
        mov dword [rbx + 0x380], 0
        lea rsi, [rel s_timer]
        call ok_line

        ; 8. a write to a paravisor page, then a read of it: a hole in the
        ;    address space (the e820 has nothing there): the write goes
        ;    nowhere, the read gives all ones, no exception
        mov rbx, PV_AT
        call arm4
        mov qword [rbx], 0x5A5A
        mov rax, [rbx]
        lea rsi, [rel s_pvread]
        cmp qword [LAST_VEC], -1
        jne .pvbad
        cmp rax, -1
        jne .pvbad
        call ok_line
        jmp .pvdone
.pvbad: call fail_line
.pvdone:

        ; verdict
        cmp qword [FAILS], 0
        jne .bad
        lea rsi, [rel s_ok]
        call puts
        jmp .halt
.bad:   lea rsi, [rel s_fail]
        call puts
.halt:  hlt
        jmp .halt

; --- helpers -----------------------------------------------------------

; the next instruction may fault: note no vector yet, skip its 4 (or 2) bytes
arm4:   mov qword [LAST_VEC], -1
        mov qword [SKIP_LEN], 4
        ret
arm2:   mov qword [LAST_VEC], -1
        mov qword [SKIP_LEN], 2
        ret

; rsi = name, rdx = the vector expected
expect_vec:
        cmp [LAST_VEC], rdx
        jne fail_line
        jmp ok_line

; rsi = name; EAX must be 2 (FAIL_PERMISSION) and no exception
expect_rc2:
        cmp qword [LAST_VEC], -1
        jne fail_line
        cmp eax, 2
        jne fail_line
        jmp ok_line

; rsi = name; EAX must be an error status and no exception
expect_rc_fail:
        cmp qword [LAST_VEC], -1
        jne fail_line
        test eax, eax
        jz fail_line
        jmp ok_line

ok_line:
        push rsi
        lea rsi, [rel s_pre]
        call puts
        pop rsi
        call puts
        lea rsi, [rel s_ok1]
        jmp puts

fail_line:
        inc qword [FAILS]
        push rax
        push rsi
        lea rsi, [rel s_pre]
        call puts
        pop rsi
        call puts
        lea rsi, [rel s_fail1]
        call puts
        mov rax, [LAST_VEC]             ; what it got: vector (-1: none), RAX
        call puthex
        pop rax
        call puthex
        lea rsi, [rel s_nl]
        jmp puts

; rax as 16 hex digits and a space
puthex: mov dx, COM1
        mov ecx, 16
.dig:   rol rax, 4
        push rax
        and eax, 15
        cmp eax, 10
        jb .num
        add eax, 'a' - 10 - '0'
.num:   add eax, '0'
        out dx, al
        pop rax
        loop .dig
        mov al, ' '
        out dx, al
        ret

; rsi = NUL-terminated string to COM1
puts:   mov dx, COM1
.next:  lodsb
        test al, al
        jz .done
        out dx, al
        jmp .next
.done:  ret

; 32 gates, all to one handler through per-vector stubs
idt_init:
        mov rdi, IDT_BASE
        lea rbx, [rel stubs]
        xor ecx, ecx
.gate:  mov rax, rbx
        mov [rdi], ax                   ; offset 15:0
        mov word [rdi + 2], 0x18        ; 64-bit code
        mov word [rdi + 4], 0x8E00      ; present, interrupt gate
        shr rax, 16
        mov [rdi + 6], ax               ; offset 31:16
        shr rax, 16
        mov [rdi + 8], eax              ; offset 63:32
        mov dword [rdi + 12], 0
        add rdi, 16
        add rbx, 16
        inc ecx
        cmp ecx, 32
        jne .gate
        lidt [rel idtr]
        ret

; the stubs push an error code (0 for the vectors without one) and rax,
; and set rax to the vector: note it and the error code, skip SKIP_LEN
; bytes of the faulting instruction
handler:
        mov [LAST_VEC], rax
        mov rax, [rsp + 8]
        mov [LAST_ERR], rax
        mov rax, [SKIP_LEN]
        add [rsp + 16], rax             ; RIP
        pop rax
        add rsp, 8                      ; the error code
        iretq

        align 16
stubs:
%assign v 0
%rep 32
        align 16
  %if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
        push rax
  %else
        push qword 0
        push rax
  %endif
        mov eax, v
        jmp handler
  %assign v v + 1
%endrep

        align 8
gdt:    dq 0
        dq 0x00CF9B000000FFFF           ; 0x08: 32-bit code
        dq 0x00CF93000000FFFF           ; 0x10: data
        dq 0x00AF9B000000FFFF           ; 0x18: 64-bit code
gdtr:   dw gdtr - gdt - 1
        dd gdt
idtr:   dw 32 * 16 - 1
        dq IDT_BASE

s_hello:     db "HOSTILE-GUEST: long mode at VMPL1", 13, 10, 0
s_pre:       db "HOSTILE-GUEST: ", 0
s_ok1:       db ": ok", 13, 10, 0
s_fail1:     db ": FAIL: vector, rax ", 0
s_nl:        db 13, 10, 0
s_pval_own:  db "pvalidate-own-page #GP", 0
s_pval_pv:   db "pvalidate-paravisor-page #GP", 0
s_rmpa_self: db "rmpadjust-own-vmpl FAIL_PERMISSION", 0
s_rmpa_pv:   db "rmpadjust-paravisor-page refused", 0
s_apicbase:  db "apic-base-on-paravisor #GP", 0
s_ipi:       db "ipi-flood survived", 0
s_timer:     db "lapic-timer-absurd survived", 0
s_pvread:    db "write-read-paravisor-page all ones", 0
s_ok:        db "HOSTILE-GUEST: verdict ok", 13, 10, 0
s_fail:      db "HOSTILE-GUEST: verdict FAIL", 13, 10, 0

        times 0xFF0 - ($ - $$) db 0xF4
reset:  db 0xE9                         ; 0xFFFFFFF0: JMP rel16 to F000:F000
        dw (0xF000 - 0xFFF3) & 0xFFFF
        times 0x1000 - ($ - $$) db 0xF4
