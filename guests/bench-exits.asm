; bench-exits.asm — the VM-exit workload of `npm run bench`: an OUT every four instructions to
; COM1's scratch register (16550A SCR at 0x3FF, a trapped port with no side effect), read back with
; an IN every 16 OUTs and folded into a checksum, so each access is a full round trip guest → kernel
; → VMM → UART model → guest (an exit under hvplay; a device callback under QEMU and v86). The bench
; reports exits per second from hvplay's exit count. The checksum on the debug console shows a lost
; or reordered write.
OUTER       equ 49152               ; × (16 OUTs + 1 IN) = 835,584 port accesses
BSS_SIZE    equ 0
%include "include/multiboot-elf.inc"

UART_SCR    equ 7                   ; scratch register: read/write, no function (PC16550D §8.10)

_start:
    mov esp, stack_top
    ; Mask both 8259As (the firmware leaves IRQ 0 unmasked; IF stays 0): the exits are our own.
    mov al, 0xFF
    out 0xA1, al
    out 0x21, al

    mov dx, COM1 + UART_SCR
    mov ebp, OUTER
    xor esi, esi                    ; checksum
    mov eax, 0x9E3779B9
.outer:
    mov ecx, 16
.inner:
    out dx, al                      ; SCR = AL
    add eax, ecx
    rol eax, 3
    dec ecx
    jnz .inner
    in al, dx                       ; AL = the last byte written: the chain goes on from what
    rol esi, 1                      ; the device kept, so a lost write changes every later value
    add esi, eax
    dec ebp
    jnz .outer
    mov [sum], esi

    mov esi, s_sum
    call debug_puts
    mov eax, [sum]
    call debug_hex32
    mov esi, s_outs
    call debug_puts
    mov eax, OUTER * 16
    call debug_dec32
    mov al, 10
    out DEBUGCON, al
    xor eax, eax
    call exit_device

%include "include/console.inc"

s_sum:      db "bench-exits: sum=", 0
s_outs:     db " outs=", 0
    align 4
sum:        dd 0
    align 16
stack:      times 256 db 0
stack_top:
ELF_END
