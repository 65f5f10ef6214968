; bcd.asm — differential test of the BCD adjustments (QEMU is the oracle): DAA, DAS, AAA, AAS over
; every AL value (AH = AL xor 0x5a) under each of the four CF × AF input combinations, and AAM/AAD
; with several bases over every AL (AH from a xorshift32 generator), AAM 0 raising #DE. Flags are
; masked to those the Intel SDM defines: DAA/DAS: CF AF SF ZF PF (OF undefined); AAA/AAS: CF AF
; (OF SF ZF PF undefined); AAM/AAD: SF ZF PF (OF AF CF undefined).
; Output per sweep: "OP cf af = hash" (a hash of AX and the masked flags over the 256 AL values) and,
; for a few AL values, the case in full: "  ax-in flags-in > ax-out flags-out".
; Ends with the exit device, value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

CF equ 0x1
PF equ 0x4
AF equ 0x10
ZF equ 0x40
SF equ 0x80
OF equ 0x800

_start:
    mov esp, stack_top
    call tl_init
    mov esi, banner
    call tl_puts
    ; DAA DAS AAA AAS: 4 operations × 4 (CF, AF)
    xor ebx, ebx
.op:
    mov eax, [ops + ebx * 8]
    mov [fn], eax
    mov eax, [ops + ebx * 8 + 4]
    mov [mask], eax
    mov dword [cfaf], 0
.combo:
    mov dword [tl_h], 0
    mov dword [al_in], 0
.al:
    ; input: AL, AH = AL ^ 0x5a, flags CF/AF from cfaf (bit 0 CF, bit 1 AF) plus ZF|SF|PF|OF set
    mov eax, [al_in]
    mov ah, al
    xor ah, 0x5a
    mov [ax_in], eax
    mov ecx, [cfaf]
    mov edx, ecx
    and edx, 1
    test ecx, 2
    jz .noaf
    or edx, AF
.noaf:
    or edx, ZF | SF | PF | OF | 2
    mov [f_in], edx
    push edx
    popfd
    call [fn]
    pushfd
    pop edx
    and edx, [mask]
    and eax, 0xffff
    mov [ax_out], eax
    mov [f_out], edx
    call tl_hash
    mov eax, edx
    call tl_hash
    call sample
    inc dword [al_in]
    cmp dword [al_in], 256
    jb .al
    mov esi, [names + ebx * 4]
    call tl_puts
    call tl_space
    mov eax, [cfaf]
    and eax, 1
    call tl_hex8
    call tl_space
    mov eax, [cfaf]
    shr eax, 1
    call tl_hex8
    mov esi, eq
    call tl_puts
    mov eax, [tl_h]
    call tl_hex32
    call tl_nl
    inc dword [cfaf]
    cmp dword [cfaf], 4
    jb .combo
    inc ebx
    cmp ebx, 4
    jb .op

    ; AAM / AAD with each base: AL 0..255, AH random, random input flags
    xor ebx, ebx
.base:
    mov dword [tl_h], 0
    mov dword [al_in], 0
.al2:
    call tl_rand
    mov ah, al
    mov al, [al_in]
    and eax, 0xffff
    mov [ax_in], eax
    call tl_rand
    and eax, CF | PF | AF | ZF | SF | OF
    or eax, 2
    mov [f_in], eax
    mov dword [tl_vec], 0xff
    mov dword [tl_resume], .after
    push eax
    mov eax, [ax_in]
    popfd
    call [aam_fns + ebx * 4]
.after:
    pushfd
    pop edx
    mov dword [tl_resume], 0
    and edx, SF | ZF | PF
    cmp dword [tl_vec], 0xff
    je .nofault
    mov edx, [tl_vec]
    shl edx, 16                        ; the vector, in place of the (unchanged) flags
    mov eax, [ax_in]
.nofault:
    and eax, 0xffff
    mov [ax_out], eax
    mov [f_out], edx
    call tl_hash
    mov eax, edx
    call tl_hash
    call sample
    inc dword [al_in]
    cmp dword [al_in], 256
    jb .al2
    mov esi, [aam_names + ebx * 4]
    call tl_puts
    mov esi, eq
    call tl_puts
    mov eax, [tl_h]
    call tl_hex32
    call tl_nl
    inc ebx
    cmp ebx, NAAM
    jb .base

    mov esi, msg_done
    call tl_puts
    xor eax, eax
    call exit_device

; sample: print the case in full when AL is one of the sample values.
sample:
    mov eax, [al_in]
    mov esi, samples
.s:
    movzx ecx, byte [esi]
    cmp ecx, eax
    je .print
    inc esi
    cmp esi, samples_end
    jb .s
    ret
.print:
    call tl_space
    call tl_space
    mov eax, [ax_in]
    call tl_hex16
    call tl_space
    mov eax, [f_in]
    call tl_hex16
    mov al, ' '
    out DEBUGCON, al
    mov al, '>'
    out DEBUGCON, al
    call tl_space
    mov eax, [ax_out]
    call tl_hex16
    call tl_space
    mov eax, [f_out]
    call tl_hex32
    jmp tl_nl

; The operations (flags are set on entry; CALL and RET do not change them).
do_daa: daa
    ret
do_das: das
    ret
do_aaa: aaa
    ret
do_aas: aas
    ret
%macro AAMT 2
aam_%1_%2:
    %1 %2
    ret
%endmacro
AAMT aam, 10
AAMT aam, 16
AAMT aam, 7
AAMT aam, 1
AAMT aam, 255
AAMT aam, 0
AAMT aad, 10
AAMT aad, 16
AAMT aad, 7
AAMT aad, 0
AAMT aad, 255
NAAM equ 11

%include "include/console.inc"
%include "include/testlib.inc"

    align 4
ops:
    dd do_daa, CF | AF | SF | ZF | PF
    dd do_das, CF | AF | SF | ZF | PF
    dd do_aaa, CF | AF
    dd do_aas, CF | AF
names: dd n_daa, n_das, n_aaa, n_aas
aam_fns:
    dd aam_aam_10, aam_aam_16, aam_aam_7, aam_aam_1, aam_aam_255, aam_aam_0
    dd aam_aad_10, aam_aad_16, aam_aad_7, aam_aad_0, aam_aad_255
aam_names:
    dd n_aam10, n_aam16, n_aam7, n_aam1, n_aam255, n_aam0, n_aad10, n_aad16, n_aad7, n_aad0, n_aad255
n_daa: db "daa", 0
n_das: db "das", 0
n_aaa: db "aaa", 0
n_aas: db "aas", 0
n_aam10: db "aam 10", 0
n_aam16: db "aam 16", 0
n_aam7: db "aam 7", 0
n_aam1: db "aam 1", 0
n_aam255: db "aam 255", 0
n_aam0: db "aam 0 (#DE)", 0
n_aad10: db "aad 10", 0
n_aad16: db "aad 16", 0
n_aad7: db "aad 7", 0
n_aad0: db "aad 0", 0
n_aad255: db "aad 255", 0
samples: db 0x00, 0x05, 0x09, 0x0a, 0x0f, 0x10, 0x5a, 0x99, 0x9a, 0x9f, 0xa0, 0xf9, 0xfa, 0xff
samples_end:
eq: db " = ", 0
banner:   db "bcd: DAA DAS AAA AAS AAM AAD (ax flags > ax flags)", 10, 0
msg_done: db "done", 10, 0
    align 4
fn:     dd 0
mask:   dd 0
cfaf:   dd 0
al_in:  dd 0
ax_in:  dd 0
f_in:   dd 0
ax_out: dd 0
f_out:  dd 0
    align 16
stack:    times 4096 db 0
stack_top:
ELF_END
