; bench-null.asm — the empty workload of `npm run bench`: it leaves through the exit device at its
; first instruction and prints nothing. Under QEMU and v86, which count no instructions, the bench
; times this guest to learn the peer's start-up cost (process, firmware, loader) and subtracts it
; from the other workloads' wall times.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

_start:
    xor eax, eax
    out EXIT_PORT, al               ; status (0 << 1) | 1
.hang:
    cli
    hlt
    jmp .hang

EXIT_PORT equ 0xF4
ELF_END
