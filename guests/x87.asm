; x87.asm — x87 FPU differential test (QEMU is the oracle): runs x87 operations over a table of
; 80-bit values under every rounding and precision control, and prints raw results in hex on the
; debug console: results as SEXP:SIGNIFICAND, status words masked to C3, C2, C0 and the exception flags
; other than DE (see prsw).
; Ends with the exit device, value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

NVAL equ 12

_start:
    mov esp, stack_top
    fninit

    ; 1. m80 round-trip of every pattern, including those arithmetic must reject.
    mov esi, vals
    mov ebx, NVAL + 3
.rt:
    fld tword [esi]
    call pr80
    call nl
    add esi, 10
    dec ebx
    jnz .rt

    ; 2. FXAM of every value, and of an empty register.
    mov esi, vals
    mov ebx, NVAL + 3
.xam:
    fld tword [esi]
    fxam
    call prsw
    fstp st0
    add esi, 10
    dec ebx
    jnz .xam
    fxam
    call prsw
    call nl

    ; 3. Every binary operation over every pair, under each rounding control (PC = 64).
    xor edi, edi                      ; rc
.rcloop:
    mov eax, edi
    shl eax, 10
    or eax, 0x37f
    mov [cw], ax
    fldcw [cw]
    mov esi, vals
    mov ebx, NVAL
.a:
    mov ebp, vals
    mov ecx, NVAL
.b:
    push ecx
    %macro BIN 1
    fld tword [ebp]
    fld tword [esi]
    %1 st0, st1
    call pr80
    call prsw
    fstp st0
    %endmacro
    BIN fadd
    BIN fsub
    BIN fmul
    BIN fdiv
    ; compares: FCOM's C3/C2/C0 and FUCOMI's ZF/PF/CF
    fld tword [ebp]
    fld tword [esi]
    fucomi st0, st1
    pushfd
    pop eax
    and eax, 0x45
    call prd
    fcom st1
    call prsw
    fcompp
    call nl
    pop ecx
    add ebp, 10
    dec ecx
    jnz .b
    add esi, 10
    dec ebx
    jnz .a
    inc edi
    cmp edi, 4
    jb .rcloop

    ; 4. Precision control x rounding control: 1/3, 2/3, sqrt(2), 1/3 stored as m32/m64, FRNDINT, FIST.
    xor edi, edi
.pc:
    mov eax, edi
    and eax, 3
    shl eax, 10
    mov edx, edi
    shr edx, 2
    mov dx, [pcs + edx * 2]
    or eax, edx
    mov [cw], ax
    fldcw [cw]
    fld1
    fidiv dword [three]
    fst dword [m32]
    fst qword [m64]
    call pr80
    call prsw
    mov eax, [m32]
    call prd
    mov eax, [m64 + 4]
    call prd
    mov eax, [m64]
    call prd
    fld1
    fadd st0, st0
    fidiv dword [three]
    call pr80
    call prsw
    fld1
    fadd st0, st0
    fsqrt
    call pr80
    call prsw
    fld qword [m250]
    frndint
    call pr80
    call prsw
    fld qword [m250]
    fistp dword [m32]
    mov eax, [m32]
    call prd
    fld qword [m250]
    fchs
    fistp word [m32]
    movzx eax, word [m32]
    call prd
    call prsw
    call nl
    inc edi
    cmp edi, 12
    jb .pc

    ; 5. FNSAVE/FRSTOR image (control, status, tag words, registers).
    fninit
    fld1
    fldpi
    fldz
    fld tword [vals + 80]
    fnsave [save]
    movzx eax, word [save]
    call prd
    movzx eax, word [save + 4]
    call prd
    movzx eax, word [save + 8]
    call prd
    call nl
    frstor [save]
    call prsw
    fstp st0
    call pr80
    call pr80
    call pr80
    ; Stack overflow/underflow are left out: QEMU's TCG x87 does not detect stack faults (a push onto
    ; a full stack or a read of an empty register raises no IE/SF), which real CPUs do (Intel SDM
    ; Vol. 1 §8.5.1.1); exec-x87.test.ts covers them.
    call nl

    ; 6. FBSTP, FBLD, FPREM, FPREM1, FSCALE, FXTRACT, constants under each RC.
    fninit
    fild qword [big]
    fbstp tword [save]
    mov eax, [save + 6]
    call prd
    mov eax, [save + 2]
    call prd
    movzx eax, word [save]
    call prd
    fbld tword [save]
    call pr80
    fild dword [three]
    fld qword [m250]
    fprem
    call prsw
    call pr80
    fld qword [m250]
    fprem1
    call prsw
    call pr80
    fstp st0
    fild dword [three]
    fld qword [m250]
    fscale
    call pr80
    fstp st0
    fld qword [m250]
    fxtract
    call pr80
    call pr80
    call nl
    xor edi, edi
.consts:
    mov eax, edi
    shl eax, 10
    or eax, 0x37f
    mov [cw], ax
    fldcw [cw]
    fldl2t
    call pr80
    fldl2e
    call pr80
    fldpi
    call pr80
    fldlg2
    call pr80
    fldln2
    call pr80
    call nl
    inc edi
    cmp edi, 4
    jb .consts

    xor eax, eax
    call exit_device

; pr80: pop ST(0) and print it as SEXP:SIG. prsw: print and clear the status word's C3..C0 and flags.
pr80:
    fstp tword [tmp]
    movzx eax, word [tmp + 8]
    call prd4
    mov al, ':'
    out 0xe9, al
    mov eax, [tmp + 4]
    call debug_hex32
    mov eax, [tmp]
    call prd
    ret
prsw:
    fnstsw ax
    ; C1 and DE are left out: QEMU's TCG x87 neither reports denormal operands (DE) nor sets C1 when
    ; a result was rounded up, both of which real CPUs do (Intel SDM Vol. 1 §8.1.3.1, §4.9.1.2);
    ; exec-x87.test.ts covers them.
    and eax, 0x457d
    call prd4
    mov al, ' '
    out 0xe9, al
    fnclex
    ret
prd4:
    shl eax, 16
    mov edx, eax
    mov ecx, 4
    jmp debug_hex32.digit
prd:
    call debug_hex32
    mov al, ' '
    out 0xe9, al
    ret
nl:
    mov al, 10
    out 0xe9, al
    ret

%include "include/console.inc"

align 4
three: dd 3
m250: dq -2.5
big: dq -123456789012345678
pcs: dw 0x007f, 0x027f, 0x037f
; The value table: 12 arithmetic operands, then 3 unsupported/odd encodings (round-trip and FXAM only).
vals:
    dw 0, 0, 0, 0, 0x0000              ; +0
    dw 0, 0, 0, 0, 0x8000              ; -0
    dw 0, 0, 0, 0x8000, 0x3fff         ; 1
    dw 0, 0, 0, 0xc000, 0xbfff         ; -1.5
    dw 0, 0, 0, 0x8000, 0x7fff         ; +inf
    dw 0, 0, 0, 0x8000, 0xffff         ; -inf
    dw 0x1234, 0, 0, 0xc000, 0x7fff    ; QNaN with payload
    dw 0x5678, 0, 0, 0xa000, 0xffff    ; SNaN
    dw 1, 0, 0, 0x0000, 0x0000         ; smallest denormal
    dw 0xffff, 0xffff, 0xffff, 0xffff, 0x7ffe ; largest finite
    dw 0, 0, 0, 0x8000, 0x0001         ; smallest normal
    dw 0xaaab, 0xaaaa, 0xaaaa, 0xaaaa, 0x3ffd ; 1/3
    dw 0, 0, 0, 0x8000, 0x0000         ; pseudo-denormal
    dw 0, 0, 0, 0x4000, 0x3fff         ; unnormal
    dw 0, 0, 0, 0x0000, 0x7fff         ; pseudo-infinity

align 16
cw: dw 0
tmp: times 16 db 0
m32: dd 0
m64: dq 0
save: times 108 db 0
    times 4096 db 0
stack_top:
file_end:
