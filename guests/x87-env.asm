; x87-env.asm — the x87 environment and state images of FNSTENV/FLDENV and FNSAVE/FRSTOR (QEMU is the
; oracle) in every layout of Intel SDM Vol. 1 §8.1.10 (figures 8-9 to 8-12): 32-bit protected mode with
; 32- and 16-bit operand size (28 and 14 bytes), a 16-bit code segment (16 and 32), and real-address
; mode, where the images hold 20-bit (16-bit form) or 32-bit linear instruction and operand pointers
; split around the opcode. The same scenario runs in each mode (copied below 1 MiB as in real-mode.asm):
; a few loads, a register and a memory instruction, then FNSTENV in both sizes, FNSAVE/FRSTOR in both
; sizes with FNSTENV after each, FLDENV of an image written for that mode and layout followed by FNSTENV
; in the same size. The images are printed back in 32-bit protected mode as 16-bit words in hex.
; Printed as "...." (QEMU 7.2 departs from the SDM there; exec-x87.test.ts checks the SDM's fields):
; the opcode in the 32-bit protected-mode layout (QEMU stores 0), the real-mode words that split the
; linear pointers around the opcode (QEMU stores the protected-mode layout: offset and segment), and
; every pointer word after FRSTOR or FLDENV (QEMU loads none, so they read back as 0). Everything else
; is compared: control, status (TOP, condition codes, flags) and tag words, FIP/FCS/FDP/FDS after
; ordinary instructions in protected mode, the low pointer words in real mode, the register images.
; Ends with the exit device, value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

RM_SEG  equ 0x1000                     ; the 16-bit part runs at 1000:0000 (physical 0x10000)
RM_PHYS equ 0x10000
%define R(x) ((x) - rm_start)          ; offset of a 16-bit-part label within RM_SEG
%define P(x) (RM_PHYS + R(x))          ; its physical (flat) address

; SCENARIO alt-prefix, image for the default size, image for the other size: the instructions whose
; images are compared, in the current mode, with A() mapping a label to an address. Fills the eight
; 128-byte buffers from A(bufs) + base (0, or the mode's offset via BUFS).
%macro SCENARIO 3
    fninit
    fldcw [A(cw_a)]
    fld1
    fldpi
    fld tword [A(val_den)]              ; a denormal: tag 10 (special)
    fldz                                ; tag 01 (zero)
    fadd st0, st2                       ; register form: opcode D8 C2
    fdiv qword [A(m_three)]             ; memory form: opcode DC 36, operand pointer = m_three
    fnstenv [A(BUFS + 0)]
    %1 fnstenv [A(BUFS + 128)]
    fnsave [A(BUFS + 256)]
    frstor [A(BUFS + 256)]
    fnstenv [A(BUFS + 384)]
    fld qword [A(m_three)]              ; a memory operand again before the other-size FNSAVE
    %1 fnsave [A(BUFS + 512)]
    %1 frstor [A(BUFS + 512)]
    fnstenv [A(BUFS + 640)]
    fldenv [A(%2)]
    fnstenv [A(BUFS + 768)]
    %1 fldenv [A(%3)]
    %1 fnstenv [A(BUFS + 896)]
    fninit
%endmacro

; PR label, size variable, register bytes, line number: print one buffer with prbuf, with the
; words the mode's mask table (EBP) marks as QEMU departures printed as "....".
%macro PR 4
    mov esi, %%s
    call tl_puts
    mov ecx, [%2]
    mov edx, %3
    movzx eax, word [ebp + 2 * %4]
    mov [wmask], eax
    call prbuf
    jmp %%e
%%s: db %1, 0
%%e:
%endmacro

_start:
    mov esp, stack_top
    call tl_init
    mov esi, rm_start
    mov edi, RM_PHYS
    mov ecx, rm_end - rm_start
    rep movsb

    ; ---- 32-bit protected mode: default operand size 32, O16 for the 14/94-byte forms
%define A(x) P(x)
%define BUFS bufs
    SCENARIO o16, img32p, img16p
    mov esi, s_pm32
    call print_all
    mov [pm_esp], esp
    jmp TL_CODE16L:R(pm16_entry)

; Back from real mode: flat 32-bit segments again; print the 16-bit protected and real-mode images.
pm32_back:
    mov ax, TL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [pm_esp]
    lidt [tl_idtr]
    mov esi, s_pm16
    mov ebx, P(bufs_pm16)
    mov ebp, masks_pm16
    call print_set
    mov esi, s_real
    mov ebx, P(bufs_rm)
    mov ebp, masks_real
    call print_set
    xor eax, eax
    jmp exit_device

; print_all: the 32-bit protected-mode set (title at ESI).
print_all:
    mov ebx, P(bufs)
    mov ebp, masks_pm32
; print_set: a title (ESI) and the buffers at EBX in the order SCENARIO fills them. Sizes depend on the
; mode's default operand size: DEF (28 in PM32, 14 otherwise) and ALT (the other).
print_set:
    call tl_puts
    mov edi, ebx
    cmp ebx, P(bufs)
    jne .o16
    mov dword [def], 28
    mov dword [alt], 14
    jmp .go
.o16:
    mov dword [def], 14
    mov dword [alt], 28
.go:
    PR "env     ", def, 0, 0
    PR "env alt ", alt, 0, 1
    PR "save    ", def, 80, 2
    PR "restored", def, 0, 3
    PR "save alt", alt, 80, 4
    PR "restored", def, 0, 5
    PR "ldenv   ", def, 0, 6
    PR "ldenv alt", alt, 0, 7
    ret

; prbuf: print a label (ESI), then an image at EDI: ECX env bytes as words (the pointer words masked),
; then EDX register bytes as SEXP:SIG groups; EDI advances by 128.
prbuf:
    push edi
    xor ebx, ebx                        ; word index
.w:
    call tl_space
    bt [wmask], ebx
    jc .masked
    movzx eax, word [edi + ebx * 2]
    call tl_hex16
    jmp .next
.masked:
    push esi
    mov esi, s_dots
    call tl_puts
    pop esi
.next:
    inc ebx
    lea eax, [ebx * 2]
    cmp eax, ecx
    jb .w
    ; registers
    add ecx, edi
    mov ebx, edx
.r:
    test ebx, ebx
    jz .done
    call tl_space
    movzx eax, word [ecx + 8]
    call tl_hex16
    mov al, ':'
    out DEBUGCON, al
    mov eax, [ecx + 4]
    call tl_hex32
    mov eax, [ecx]
    call tl_hex32
    add ecx, 10
    sub ebx, 10
    jmp .r
.done:
    call tl_nl
    pop edi
    add edi, 128
    ret

%include "include/console.inc"
%include "include/testlib.inc"

s_pm32: db "protected mode, 32-bit code", 10, 0
s_pm16: db "protected mode, 16-bit code", 10, 0
s_real: db "real-address mode", 10, 0
s_dots: db "....", 0
; Words printed as "...." per line (env, env alt, save, restored, save alt, restored, ldenv, ldenv
; alt): QEMU 7.2 stores no opcode (word 9 of the 28-byte protected-mode image), keeps the protected-
; mode layout in real mode (the words holding FIP/FDP bits 16 and up and the opcode), and neither
; FRSTOR nor FLDENV loads the pointers (so every pointer word after them).
M28_OP   equ 1 << 9
M28_PTR  equ 0x3fc0                     ; words 6-13
M14_PTR  equ 0x0078                     ; words 3-6
M28_REAL equ 0x3300                     ; words 8, 9, 12, 13
M14_REAL equ 0x0050                     ; words 4, 6
masks_pm32: dw M28_OP, 0, M28_OP, M28_PTR, 0, M28_PTR, M28_PTR, M14_PTR
masks_pm16: dw 0, M28_OP, 0, M14_PTR, M28_OP, M14_PTR, M14_PTR, M28_PTR
masks_real: dw M14_REAL, M28_REAL, M14_REAL, M14_PTR, M28_REAL, M14_PTR, M14_PTR, M28_PTR
    align 4
wmask: dd 0
pm_esp: dd 0
def: dd 0
alt: dd 0
    align 16
    times 4096 db 0
stack_top:


; =====================================================================================================
; The 16-bit part (copied to RM_PHYS) holds the data of all three runs and the 16-bit code.
; =====================================================================================================
    align 16
rm_start:
cw_a:    dw 0x027f                      ; PC = 53, RC = nearest, all masked
    align 8
m_three: dq 3.0
val_den: dw 0x1234, 0, 0, 0x0400, 0     ; a denormal
    align 4
; Images for FLDENV (SW: TOP = 3, C3 C1 C0, PE and IE, masked so ES = 0).
img32p:  dd 0x0e7f, 0x5b21, 0x5a0f, 0x12345678, 0x07ab1234, 0x9abcdef0, 0x5678   ; figure 8-9
img16p:  dw 0x0a7f, 0x4b01, 0xa5f0, 0x1357, 0x2468, 0x369c, 0x48ad               ; figure 8-11
img32r:  dd 0x0e7f, 0x5b21, 0x5a0f, 0x1357, 0x0abcd5a5, 0x369c, 0x0fedc000       ; figure 8-10
img16r:  dw 0x0a7f, 0x4b01, 0xa5f0, 0x1357, 0xa5a5, 0x369c, 0xc000               ; figure 8-12
    align 16
bufs:      times 8 * 128 db 0
bufs_pm16: times 8 * 128 db 0
bufs_rm:   times 8 * 128 db 0

bits 16
pm16_entry:
    mov ax, TL_DATA16L
    mov ds, ax
    mov es, ax
    mov ss, ax
    ; ---- 16-bit protected mode: default operand size 16, O32 for the 28/108-byte forms
%undef A
%define A(x) R(x)
%undef BUFS
%define BUFS bufs_pm16
    SCENARIO o32, img16p, img32p
    ; down to real mode (Intel SDM Vol. 3A §9.9.2)
    mov eax, cr0
    and eax, 0x7ffffffe
    mov cr0, eax
    jmp RM_SEG:R(rm_entry)
rm_entry:
    mov ax, RM_SEG
    mov ds, ax
    mov es, ax
    mov ss, ax
%undef BUFS
%define BUFS bufs_rm
    SCENARIO o32, img16r, img32r
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword TL_CODE32:pm32_back
rm_end:
bits 32
file_end:
