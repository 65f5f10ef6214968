/* boot64.S — Multiboot v1 entry that switches to 64-bit long mode and calls kmain(). */
.section .multiboot
.align 4
.long 0x1BADB002
.long 0x3
.long -(0x1BADB002+0x3)
.section .text
.code32
.global _start
_start:
  mov $stack_top, %esp
  /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = 2 MiB pages covering the first 1 GiB */
  mov $pdpt, %eax
  or $3, %eax
  mov %eax, pml4
  mov $pd, %eax
  or $3, %eax
  mov %eax, pdpt
  xor %ecx, %ecx
1: mov %ecx, %eax
  shl $21, %eax
  or $0x83, %eax
  mov %eax, pd(,%ecx,8)
  inc %ecx
  cmp $512, %ecx
  jb 1b
  mov $pml4, %eax
  mov %eax, %cr3
  mov %cr4, %eax
  or $0x20, %eax            /* PAE */
  mov %eax, %cr4
  mov $0xC0000080, %ecx     /* EFER.LME */
  rdmsr
  or $0x100, %eax
  wrmsr
  mov %cr0, %eax
  or $0x80000000, %eax      /* PG: long mode becomes active */
  mov %eax, %cr0
  lgdt gdtr
  ljmp $0x08, $long_entry
.code64
long_entry:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $stack_top, %rsp
  call kmain
2: hlt
  jmp 2b
.section .rodata
.align 8
gdt: .quad 0
     .quad 0x00209A0000000000   /* 0x08: 64-bit code */
     .quad 0x0000920000000000   /* 0x10: data */
gdtr: .word 23
      .long gdt
.section .bss
.align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd: .skip 4096
.align 16
stack: .skip 65536
stack_top:
