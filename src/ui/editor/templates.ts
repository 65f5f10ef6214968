/**
 * Starter programs for the editor's "New from template" menu. Each is self-contained (the page has no
 * include directory), assembles with src/asm byte-identically to `nasm -f bin` (templates.test.ts)
 * and runs to the exit device under `hvplay run` with the boot method boot-method.ts picks for it.
 */

export interface Template {
  /** Stable id (the select's value). */
  id: string;
  /** What the menu shows. */
  title: string;
  /** The file name the editor uses for it (messages, the listing, the line map). */
  fileName: string;
  source: string;
}

const BOOT_SECTOR = `; hello-boot.asm — a boot sector: 512 bytes started in real mode at 0000:7C00.
; Prints a line on the debug console (port 0xE9, QEMU's -debugcon): each OUT is one IO exit in the
; exit log. Then writes 0 to the exit device (port 0xF4): the run ends with status (0 << 1) | 1 = 1.
; There is no BIOS: use port I/O, not INT 10h.
; Try: click the gutter left of a line number to set a breakpoint, then Ctrl+Enter.

bits 16
org 0x7c00

start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov si, message
.next:
    lodsb                       ; AL = [DS:SI], SI += 1
    test al, al
    jz .done
    out 0xe9, al                ; one byte to the debug console
    jmp .next
.done:
    mov al, 0
    out 0xf4, al                ; exit device: status (0 << 1) | 1
.halt:
    hlt
    jmp .halt

message:
    db "Hello from real mode!", 13, 10, 0

    times 510 - ($ - $$) db 0
    dw 0xaa55                   ; boot signature
`;

const MULTIBOOT_KERNEL = `; hello-kernel.asm — a 32-bit Multiboot v1 kernel, flat (the "a.out kludge": the header's address
; fields tell the loader where the file goes, so no ELF headers are needed). The loader enters it in
; protected mode with paging off, EAX = 0x2BADB002 and EBX = the Multiboot information.
; It drives COM1, a 16550 UART at 0x3F8, as a real driver does (divisor, 8N1, polling LSR.THRE),
; then ends through the exit device (port 0xF4) with status (0 << 1) | 1 = 1.

bits 32
org 0x100000

COM1 equ 0x3f8

multiboot_header:
    dd 0x1badb002                       ; magic
    dd 0x00010003                       ; flags: page-align modules, memory info, a.out kludge
    dd -(0x1badb002 + 0x00010003)       ; checksum: the three add up to 0
    dd multiboot_header                 ; header_addr
    dd $$                               ; load_addr: where the file's first byte goes
    dd file_end                         ; load_end_addr
    dd file_end                         ; bss_end_addr (no BSS)
    dd start                            ; entry_addr

start:
    mov esp, stack_top
    call serial_init
    mov esi, message
    call serial_puts
    mov al, 0
    out 0xf4, al                        ; exit device
.halt:
    hlt
    jmp .halt

; 115200 baud (divisor 1), 8 data bits, no parity, 1 stop bit, FIFOs on.
serial_init:
    mov dx, COM1 + 1
    xor al, al
    out dx, al                          ; IER: no interrupts
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al                          ; LCR: DLAB = 1
    mov dx, COM1
    mov al, 1
    out dx, al                          ; DLL: divisor 1
    mov dx, COM1 + 1
    xor al, al
    out dx, al                          ; DLM
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al                          ; LCR: DLAB = 0, 8N1
    mov dx, COM1 + 2
    mov al, 0xc7
    out dx, al                          ; FCR: FIFOs on and cleared
    ret

; Writes the NUL-terminated string at ESI to COM1.
serial_puts:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + 5
.wait:
    in al, dx                           ; LSR
    test al, 0x20                       ; THRE: the transmitter can take a byte
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al                          ; THR
    jmp serial_puts
.done:
    ret

message:
    db "Hello from a Multiboot kernel on COM1!", 13, 10, 0

    align 16
stack:
    times 256 db 0
stack_top:
file_end:
`;

const LONG_MODE = `; count64.asm — a flat image started directly in 64-bit long mode at 0x100000 (the VMM sets up
; identity page tables for the first 4 GiB, as Zircon's boot state does). Sums 1..10 in a loop you
; can step through (set a breakpoint on the add), prints the result in decimal on the debug console
; (port 0xE9) and exits with status (0 << 1) | 1 = 1.

bits 64
org 0x100000

start:
    mov rsp, 0x90000
    xor eax, eax                        ; sum
    mov ecx, 1
.loop:
    add rax, rcx
    inc rcx
    cmp rcx, 10
    jbe .loop
    mov r12, rax                        ; keep the sum: puts uses AL

    lea rsi, [rel label]
    call puts
    mov rax, r12
    call print_dec                      ; 55
    mov al, 10
    out 0xe9, al
    mov al, 0
    out 0xf4, al                        ; exit device
.halt:
    hlt
    jmp .halt

; Writes the NUL-terminated string at RSI to the debug console.
puts:
    lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp puts
.done:
    ret

; Writes RAX in decimal to the debug console.
print_dec:
    mov rbx, 10
    xor ecx, ecx                        ; digits pushed
.divide:
    xor edx, edx
    div rbx                             ; RAX = quotient, RDX = remainder
    push rdx
    inc ecx
    test rax, rax
    jnz .divide
.print:
    pop rax
    add al, '0'
    out 0xe9, al
    loop .print
    ret

label:
    db "1 + 2 + ... + 10 = ", 0
`;

export const TEMPLATES: readonly Template[] = [
  { id: "boot-sector", title: "Boot sector (real mode, debug console)", fileName: "hello-boot.asm", source: BOOT_SECTOR },
  { id: "multiboot", title: "Multiboot kernel (32-bit, COM1)", fileName: "hello-kernel.asm", source: MULTIBOOT_KERNEL },
  { id: "long-mode", title: "Long mode (64-bit flat, a loop to step)", fileName: "count64.asm", source: LONG_MODE },
];
