/* boot.S — Multiboot v1 header and entry for kernel.c: a stack, then kmain(magic, info). */
.section .multiboot
.align 4
.long 0x1BADB002
.long 0x3
.long -(0x1BADB002+0x3)
.section .text
.global _start
_start:
  mov $stack_top, %esp
  push %ebx
  push %eax
  call kmain
1: hlt
  jmp 1b
.section .bss
.align 16
stack: .skip 16384
stack_top:
