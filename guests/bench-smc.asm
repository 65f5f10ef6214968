; bench-smc.asm — the "teaching" workload of `npm run bench`: a loop written the way a first
; assembly program is, with its variables right after its code, so code and data share one 4 KiB
; page and every iteration stores into the page it executes from (four stores, none to an
; instruction byte). An emulator that invalidates translated code per page on a write takes the
; slow path on every store here (v86 falls to ~40 MIPS). The loop is a linear congruential
; generator binned into a 64-entry histogram; the final state, the histogram's hash and its total
; (= the iteration count) go to the debug console. About 3e7 instructions.
ITERATIONS  equ 3000000
BINS        equ 64
BSS_SIZE    equ 0
%include "include/multiboot-elf.inc"

_start:
    mov esp, stack_top
    ; Mask both 8259As (the firmware leaves IRQ 0 unmasked; IF stays 0): measure the CPU only.
    mov al, 0xFF
    out 0xA1, al
    out 0x21, al
    call lcg_loop

    mov esi, hist                   ; hash and total of the histogram
    mov ecx, BINS
    xor edx, edx
    xor edi, edi
.hash:
    mov eax, [esi]
    add edi, eax
    rol edx, 7
    xor edx, eax
    add esi, 4
    dec ecx
    jnz .hash
    mov [hist_hash], edx
    mov [hist_total], edi

    mov esi, s_seed
    call debug_puts
    mov eax, [seed]
    call debug_hex32
    mov esi, s_acc
    call debug_puts
    mov eax, [acc]
    call debug_hex32
    mov esi, s_hist
    call debug_puts
    mov eax, [hist_hash]
    call debug_hex32
    mov esi, s_total
    call debug_puts
    mov eax, [hist_total]
    call debug_dec32
    mov al, 10
    out DEBUGCON, al
    xor eax, eax
    call exit_device

%include "include/console.inc"

s_seed:     db "bench-smc: seed=", 0
s_acc:      db " acc=", 0
s_hist:     db " hist=", 0
s_total:    db " total=", 0
    align 4
hist_hash:  dd 0
hist_total: dd 0
    align 16
stack:      times 256 db 0
stack_top:

; ---- the hot page: code, then the variables it updates, all within one 4 KiB page -----------------
    align 4096
lcg_loop:
    mov dword [count], ITERATIONS
.next:
    mov eax, [seed]
    imul eax, eax, 1664525          ; Numerical Recipes' LCG: seed = seed * 1664525 + 1013904223
    add eax, 1013904223
    mov [seed], eax
    mov ebx, eax
    shr ebx, 26                     ; the top 6 bits pick a bin
    inc dword [hist + ebx * 4]
    xor [acc], eax
    dec dword [count]
    jnz .next
    ret
seed:       dd 1
acc:        dd 0
count:      dd 0
hist:       times BINS dd 0
hot_end:
%if hot_end - lcg_loop > 4096
%error "the hot loop and its data must share one page"
%endif
ELF_END
