/* SPDX-License-Identifier: MIT */
/*
 * The conformance guest's interrupt stubs and its AP start-up code.
 *
 * isr_stubs: 256 entry points, 16 bytes apart (the IDT is built from
 * isr_stubs + 16 * vector).  Each pushes a zero where the CPU pushes no error
 * code (AMD APM vol. 2 §8.2: 8, 10-14, 17, 21, 29, 30 push one), then the
 * vector, and all go to isr_common, which saves the general registers, calls
 * isr_c(struct frame *) (MS x64 convention: the argument in RCX, 32 bytes of
 * shadow space) and returns with IRETQ.  The frame is 16-byte aligned when
 * the CPU enters (APM vol. 2 §8.9.3), 22 quadwords are pushed here, so RSP
 * stays 16-byte aligned at the call.
 */
	.text
	.globl isr_stubs
	.balign 16
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rcx
	subq $40, %rsp
	cld
	call isr_c
	addq $40, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * AP start-up (Intel SDM vol. 3 §9.4.4, MP initialization; AMD APM vol. 2
 * §14.4 for long mode): copied to a page below 1 MiB, whose number is the
 * SIPI vector.  Real mode -> long mode in one step (CR0.PE and PG together
 * with EFER.LME set, APM vol. 2 §14.6.1), using the BSP's page tables
 * (identity mapped by the firmware), then a 64-bit far jump and a call to
 * the C entry with the stack the BSP left in the parameter block.  The
 * parameter block at the end is filled by the BSP (ap_tramp_* offsets).
 */
	.globl ap_tramp, ap_tramp_end
	.balign 16
ap_tramp:
	.code16
	cli
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (ap_gdtr - ap_tramp)
	movl %cr4, %eax
	orl $0x620, %eax /* PAE, OSFXSR, OSXMMEXCPT */
	movl %eax, %cr4
	movl (ap_cr3 - ap_tramp), %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx
	rdmsr
	orl $0x900, %eax /* LME, NXE: the firmware's tables set NX */
	wrmsr
	movl %cr0, %eax
	andl $0x9FFFFFFF, %eax /* caches on */
	orl $0x80000023, %eax /* PG, NE, MP, PE */
	movl %eax, %cr0
	ljmpl *(ap_farptr - ap_tramp)
	.code64
ap_long:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movq ap_stack(%rip), %rsp
	movq ap_entry(%rip), %rax
	subq $40, %rsp
	call *%rax
1:	hlt
	jmp 1b
	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
	.globl ap_gdtr, ap_farptr, ap_cr3, ap_stack, ap_entry, ap_long
ap_gdtr:
	.word 23
	.long 0 /* patched: linear address of ap_gdt */
	.balign 8
ap_farptr:
	.long 0 /* patched: linear address of ap_long */
	.word 0x08
	.balign 8
ap_cr3:
	.quad 0
ap_stack:
	.quad 0
ap_entry:
	.quad 0
ap_tramp_end:
