; echo.asm — interrupt-driven COM1 echo: exercises the 8259A, the UART's receive interrupt and
; interrupt delivery (zx_vcpu_interrupt) end to end. Sets up its own GDT and IDT, remaps the PICs to
; vectors 0x20-0x2F, unmasks IRQ 4 only, enables the UART's received-data interrupt and sleeps in HLT.
; Each received byte is echoed on COM1, lower-case letters in upper case; 'q' says goodbye and ends
; through the exit device with value 0 (status 1). Any CPU exception ends the run with value 0x7F.
;   printf 'hello q' | hvplay run public/guests/echo.elf
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

PIC1_CMD    equ 0x20
PIC1_DATA   equ 0x21
PIC2_CMD    equ 0xA0
PIC2_DATA   equ 0xA1
PIC_EOI     equ 0x20
IRQ_BASE    equ 0x20
UART_LSR_DR equ 0x01

_start:
    cli
    mov esp, stack_top
    lgdt [gdt_descriptor]
    jmp 0x08:.reload_cs
.reload_cs:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax

    ; IDT: every vector → fault (exceptions end the run); IRQ 4 → irq4; IRQ 7/15 (spurious) → iret.
    mov edi, idt
    xor ecx, ecx
.fill:
    mov eax, fault
    cmp ecx, IRQ_BASE + 4
    jne .not_irq4
    mov eax, irq4
.not_irq4:
    cmp ecx, IRQ_BASE + 7
    je .spurious
    cmp ecx, IRQ_BASE + 15
    jne .set_gate
.spurious:
    mov eax, spurious
.set_gate:
    mov [edi], ax                   ; offset 15:0
    mov word [edi + 2], 0x08        ; code selector
    mov word [edi + 4], 0x8E00      ; present, DPL 0, 32-bit interrupt gate
    shr eax, 16
    mov [edi + 6], ax               ; offset 31:16
    add edi, 8
    inc ecx
    cmp ecx, IDT_ENTRIES
    jb .fill
    lidt [idt_descriptor]

    ; 8259A: ICW1 (edge, cascade, ICW4), ICW2 (vector bases), ICW3 (slave on IR2), ICW4 (8086 mode).
    mov al, 0x11
    out PIC1_CMD, al
    out PIC2_CMD, al
    mov al, IRQ_BASE
    out PIC1_DATA, al
    mov al, IRQ_BASE + 8
    out PIC2_DATA, al
    mov al, 0x04
    out PIC1_DATA, al
    mov al, 0x02
    out PIC2_DATA, al
    mov al, 0x01
    out PIC1_DATA, al
    out PIC2_DATA, al
    mov al, 0xEF                    ; OCW1: only IRQ 4 (COM1) unmasked
    out PIC1_DATA, al
    mov al, 0xFF
    out PIC2_DATA, al

    call serial_init
    mov dx, COM1 + UART_FCR
    xor al, al
    out dx, al                      ; FIFOs off: one byte at a time, nothing flushed
    mov esi, banner
    call serial_puts
    mov dx, COM1 + UART_IER
    mov al, 0x01
    out dx, al                      ; received-data-available interrupt

    sti
.idle:
    hlt
    jmp .idle

irq4:
    pushad
.more:
    mov dx, COM1 + UART_LSR
    in al, dx
    test al, UART_LSR_DR
    jz .done
    mov dx, COM1 + UART_THR
    in al, dx
    cmp al, 'q'
    je .quit
    cmp al, 'a'
    jb .echo
    cmp al, 'z'
    ja .echo
    sub al, 'a' - 'A'
.echo:
    call serial_putc
    jmp .more
.done:
    mov al, PIC_EOI
    out PIC1_CMD, al
    popad
    iret
.quit:
    mov esi, goodbye
    call serial_puts
    xor eax, eax
    call exit_device

spurious:
    iret

fault:
    mov al, 0x7F
    call exit_device

%include "include/console.inc"

banner:     db "echo: type something, q quits", 13, 10, 0
goodbye:    db 13, 10, "bye", 13, 10, 0
    align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08: flat 32-bit code
    dq 0x00CF92000000FFFF           ; 0x10: flat data
gdt_descriptor:
    dw gdt_descriptor - gdt - 1
    dd gdt
IDT_ENTRIES equ 48
idt_descriptor:
    dw IDT_ENTRIES * 8 - 1
    dd idt
    align 8
idt:        times IDT_ENTRIES * 8 db 0
    align 16
stack:      times 512 db 0
stack_top:
ELF_END
