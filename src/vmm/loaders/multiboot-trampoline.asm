; multiboot-trampoline.asm — from Zircon's boot VCPU state to the Multiboot machine state.
;
; Zircon starts the boot VCPU in 64-bit long mode at `entry` with CR3 = 0 (zircon-hypervisor.md
; §4.1); a Multiboot v1 kernel expects 32-bit protected mode with paging off (Multiboot
; Specification 0.6.96 §3.2 "Machine state"). This code, placed in guest memory by the VMM, makes the
; switch the way Intel SDM Vol. 3A §10.8.5.4 "Initializing IA-32e Mode"/"leaving IA-32e mode" says:
; far return into a 32-bit code segment (compatibility mode), clear CR0.PG (the CPU clears EFER.LMA),
; clear EFER.LME, load flat data segments, then jump to the kernel with EAX = 0x2BADB002, EBX = the
; Multiboot information. The VMM passes the kernel's entry in RSI and the information's address in
; RBP (zx_vcpu_write_state before the first resume).
;
; Memory it relies on (the loader refuses kernels that overlap it):
;   0x0000-0x1FFF  PML4 (0x0) and PDPT (0x1000, one 1 GiB page): the identity map CR3 = 0 needs;
;                  scrubbed to zero once paging is off, so the kernel sees clean low memory.
;   0x7000-0x7FFF  this code, its GDT, and its stack (top 0x8000).
; The final state copies QEMU's multiboot option ROM (pc-bios/optionrom/multiboot.S): GDT with flat
; 32-bit code at selector 0x08 and flat data at 0x10, CR0 = PE|ET, ECX = entry.

TRAMPOLINE_BASE equ 0x7000
STACK_TOP       equ 0x8000
PAGE_TABLES_END equ 0x2000
EFER            equ 0xC0000080
MULTIBOOT_MAGIC equ 0x2BADB002

bits 64
org TRAMPOLINE_BASE

gdt:
    dq 0                            ; 0x00: null
    dq 0x00CF9A000000FFFF           ; 0x08: code, base 0, limit 4 GiB, 32-bit (D=1, G=1), execute/read
    dq 0x00CF92000000FFFF           ; 0x10: data, base 0, limit 4 GiB, 32-bit (B=1, G=1), read/write
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dq gdt

    times 0x30 - ($ - $$) db 0x90   ; pin start64 at base + 0x30, the VCPU entry the VMM uses
start64:                            ; the VCPU's entry point
    lgdt [gdtr]
    mov esp, STACK_TOP
    push qword 0x08                 ; far return to 0x08:compat32 — a 32-bit code segment,
    push qword compat32             ; so the CPU continues in compatibility mode
    o64 retf

bits 32
compat32:
    mov eax, cr0
    and eax, 0x7FFFFFFF             ; CR0.PG = 0: leaves IA-32e mode (EFER.LMA becomes 0)
    mov cr0, eax
    mov ecx, EFER
    xor eax, eax
    xor edx, edx
    wrmsr                           ; EFER = 0: LME (and SCE/NXE) off, as after QEMU's option ROM
    mov eax, 0x11
    mov cr0, eax                    ; CR0 = PE|ET: caches on (CD/NW clear), as QEMU's option ROM leaves it
    xor eax, eax
    mov cr4, eax                    ; PAE no longer needed
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    xor edi, edi                    ; scrub the page tables at 0x0-0x1FFF
    mov ecx, PAGE_TABLES_END / 4
    xor eax, eax
    cld
    rep stosd
    mov eax, MULTIBOOT_MAGIC
    mov ebx, ebp                    ; Multiboot information
    mov ecx, esi                    ; entry, left in ECX as QEMU does
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor esp, esp
    jmp ecx
