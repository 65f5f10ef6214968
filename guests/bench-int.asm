; bench-int.asm — the compute-bound integer benchmark behind `npm run bench` (about a billion
; instructions, no I/O in the hot loops). Each round sieves the primes below 2^20 in a 1 MiB byte
; array, then folds the whole array into a running bitwise (table-free) CRC-32. At the end it prints
; the CRC and the prime count to the debug console and exits through the exit device with value 0.
; QEMU's output is recorded in guests/expected/bench-int.txt; any difference means a CPU bug.
N           equ 0x100000            ; sieve size: numbers 0 .. N-1
ROUNDS      equ 13
CRC32_POLY  equ 0xEDB88320          ; reflected IEEE 802.3 polynomial
BSS_SIZE    equ N + 64
%include "include/multiboot-elf.inc"

_start:
    mov esp, stack_top
    mov dword [crc], 0xFFFFFFFF
    mov dword [round], ROUNDS

.round:
    mov edi, sieve                  ; sieve[i] = 0: "maybe prime"
    mov ecx, N / 4
    xor eax, eax
    cld
    rep stosd
    mov ebx, 2
.outer:
    mov eax, ebx
    mul ebx                         ; EAX = p * p
    cmp eax, N
    jae .sieved
    cmp byte [sieve + ebx], 0
    jne .next
.strike:                            ; multiples of p from p * p are composite
    mov byte [sieve + eax], 1
    add eax, ebx
    cmp eax, N
    jb .strike
.next:
    inc ebx
    jmp .outer

.sieved:                            ; CRC-32 of the 1 MiB array, one bit at a time, branch-free
    mov esi, sieve
    mov ecx, N
    mov eax, [crc]
.byte:
    xor al, [esi]
    inc esi
    mov edx, 8
.bit:
    mov ebx, eax
    shr eax, 1
    and ebx, 1
    neg ebx
    and ebx, CRC32_POLY
    xor eax, ebx
    dec edx
    jnz .bit
    dec ecx
    jnz .byte
    mov [crc], eax
    dec dword [round]
    jnz .round

    mov esi, sieve + 2              ; count the primes: zero bytes from 2 to N-1
    mov ecx, N - 2
    xor edx, edx
.count:
    cmp byte [esi], 0
    jne .composite
    inc edx
.composite:
    inc esi
    dec ecx
    jnz .count
    mov [primes], edx

    mov esi, s_crc
    call debug_puts
    mov eax, [crc]
    not eax                         ; final XOR of CRC-32
    call debug_hex32
    mov esi, s_primes
    call debug_puts
    mov eax, [primes]
    call debug_dec32
    mov esi, s_rounds
    call debug_puts
    mov eax, ROUNDS
    call debug_dec32
    mov al, 10
    out DEBUGCON, al

    xor eax, eax
    call exit_device

%include "include/console.inc"

s_crc:      db "bench-int: crc32=", 0
s_primes:   db " primes=", 0
s_rounds:   db " rounds=", 0
    align 4
crc:        dd 0
round:      dd 0
primes:     dd 0
    align 16
stack:      times 256 db 0
stack_top:
    align 16
ELF_END
sieve       equ file_end            ; in the zero-filled memory after the file (BSS_SIZE)
