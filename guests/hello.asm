; hello.asm — the playground's default guest: a Multiboot v1 ELF32 kernel.
; Greets on the debug console (port 0xE9) and on COM1 (a 16550 UART driven the way a real driver
; does: divisor, 8N1, FIFOs, polling LSR.THRE), counts to three so you can watch it run, reports what
; the boot loader told it, and ends through the exit device with value 0: `hvplay run` exits with
; status (0 << 1) | 1 = 1, exactly as QEMU with isa-debug-exit does.
; Built a second time as an a.out-kludge kernel by hello-aout.asm (MULTIBOOT_AOUT defined).
BSS_SIZE equ 0
%ifdef MULTIBOOT_AOUT
%include "include/multiboot-aout.inc"
%else
%include "include/multiboot-elf.inc"
%endif

_start:
    mov esp, stack_top
    mov [boot_magic], eax
    mov [boot_info], ebx

    mov esi, line_debugcon
    call debug_puts

    call serial_init
    mov esi, line_serial
    call serial_puts

    mov esi, line_count                ; "Counting:" then 1 2 3, one digit at a time on COM1
    call serial_puts
    mov ecx, 1
.count:
    mov al, ' '
    call serial_putc
    mov al, cl
    add al, '0'
    call serial_putc
    inc ecx
    cmp ecx, 3
    jbe .count
    mov esi, crlf
    call serial_puts

    mov esi, line_magic_bad            ; Multiboot's promise: EAX = 0x2BADB002, EBX = the information
    cmp dword [boot_magic], 0x2BADB002
    jne .report
    mov esi, line_magic_ok
.report:
    call debug_puts
    mov ebx, [boot_info]
    mov eax, [ebx + 8]                 ; mem_upper, KiB above 1 MiB
    call debug_dec32
    mov esi, line_memory
    call debug_puts

    xor eax, eax                       ; exit device: status (0 << 1) | 1
    call exit_device

%include "include/console.inc"

line_debugcon:  db "Hello from a Zircon guest!", 13, 10
                db "This line came through the debug console, port 0xE9.", 13, 10, 0
line_serial:    db "And this one through COM1, a 16550 UART at 0x3F8.", 13, 10, 0
line_count:     db "Counting:", 0
crlf:           db 13, 10, 0
line_magic_ok:  db "Booted by Multiboot (EAX = 0x2BADB002) with ", 0
line_magic_bad: db "Not booted by Multiboot! Memory: ", 0
line_memory:    db " KiB above 1 MiB. Goodbye.", 13, 10, 0
    align 4
boot_magic:     dd 0
boot_info:      dd 0
    align 16
stack:          times 512 db 0
stack_top:
ELF_END
