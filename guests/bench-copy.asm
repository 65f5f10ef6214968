; bench-copy.asm — the memory-copy workload of `npm run bench`. A 4 MiB buffer A is filled with
; xorshift32 noise; then each round copies A to B with REP MOVSD (string hardware path) and copies B
; back to A with a plain load/add/store loop (what a compiler emits for a simple copy), adding the
; round number so every round changes every dword. A rotate-XOR checksum of A at the end, printed on
; the debug console, shows a wrong copy. About 1.3e8 instructions by hvplay's count (a REP MOVSD
; retires as one instruction per chunk of iterations, so compare peers by time, not by MIPS alone).
BUF_DWORDS  equ 0x100000            ; 4 MiB
BUF_A       equ 0x1000000           ; 16 MiB: far from the image, inside the 128 MiB machine
BUF_B       equ BUF_A + BUF_DWORDS * 4
ROUNDS      equ 16
BSS_SIZE    equ 0
%include "include/multiboot-elf.inc"

_start:
    mov esp, stack_top
    ; The firmware leaves IRQ 0 (the PIT at 18.2 Hz) unmasked; this guest runs with IF = 0 and
    ; polls nothing, so mask both 8259As: the benchmark measures the CPU, not the timer.
    mov al, 0xFF
    out 0xA1, al
    out 0x21, al

    mov edi, BUF_A                  ; A[i] = xorshift32 sequence
    mov ecx, BUF_DWORDS
    mov eax, 0x12345678
.fill:
    mov edx, eax
    shl edx, 13
    xor eax, edx
    mov edx, eax
    shr edx, 17
    xor eax, edx
    mov edx, eax
    shl edx, 5
    xor eax, edx
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz .fill

    mov ebx, ROUNDS
    cld
.round:
    mov esi, BUF_A                  ; B = A, by the string instruction
    mov edi, BUF_B
    mov ecx, BUF_DWORDS
    rep movsd
    mov esi, BUF_B                  ; A = B + round, by a load/store loop
    mov edi, BUF_A
    mov ecx, BUF_DWORDS
.copy:
    mov eax, [esi]
    add eax, ebx
    mov [edi], eax
    add esi, 4
    add edi, 4
    dec ecx
    jnz .copy
    dec ebx
    jnz .round

    mov esi, BUF_A                  ; checksum: rotate-XOR of A
    mov ecx, BUF_DWORDS
    xor edx, edx
.sum:
    rol edx, 5
    xor edx, [esi]
    add esi, 4
    dec ecx
    jnz .sum
    mov [sum], edx

    mov esi, s_sum
    call debug_puts
    mov eax, [sum]
    call debug_hex32
    mov esi, s_rounds
    call debug_puts
    mov eax, ROUNDS
    call debug_dec32
    mov esi, s_mib
    call debug_puts
    mov eax, BUF_DWORDS * 4 / 0x100000
    call debug_dec32
    mov al, 10
    out DEBUGCON, al
    xor eax, eax
    call exit_device

%include "include/console.inc"

s_sum:      db "bench-copy: sum=", 0
s_rounds:   db " rounds=", 0
s_mib:      db " mib=", 0
    align 4
sum:        dd 0
    align 16
stack:      times 256 db 0
stack_top:
ELF_END
