; x87-trans.asm — differential test of the x87 transcendental and related instructions (QEMU is the
; oracle). Every result is printed in hex (80-bit results as SEXP:SIGNIFICAND) with the status word.
;  1. F2XM1, FYL2X, FYL2XP1, FPATAN over tables of edge values (zeros, ±1, domain limits, denormals,
;     the largest finite value, infinities, NaNs, an unnormal) and xorshift-random values, under six
;     control words: each rounding control at 64-bit precision, then PC = 24 and PC = 53 (which these
;     instructions ignore, Intel SDM Vol. 1 §8.1.5.2). Status: IE ZE OE UE PE only (DE and C1 are left
;     out because QEMU reports neither; C0, C2, C3 are undefined after these instructions).
;  2. FSIN, FCOS, FPTAN, FSINCOS on doubles under PC = 53 and 64, results stored as m64 with
;     round-to-nearest, and C2; operands > 2^63 leave C2 = 1 and the operand. QEMU computes these in
;     host doubles (and rounds them to 24 bits under PC = 24, which the SDM does not) and we compute
;     sin(x·π/p) with the x87's 66-bit π (see src/x86/x87-trans.ts), so only the double-rounded
;     results of operands away from multiples of π/2 are compared, and no flags but C2.
;  3. FPREM, FPREM1 (C0 C3 C1 quotient bits, C2) and FSCALE over pairs, under each rounding control.
; Pairs in which both operands are NaNs or unsupported are skipped: QEMU's transcendentals pick the
; NaN by position, not by the x87 rule (Intel SDM Vol. 1 table 4-7) that we follow.
; Ends with the exit device, value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

NRAND equ 24
SWMASK equ 0x3d                       ; IE ZE OE UE PE

; An 80-bit table entry in 16 bytes: significand, sign|exponent, and a "special" flag (NaN or
; unsupported encoding) for the pair filter.
%macro V 2-3 0
    dq %1
    dw %2
    db %3
    times 5 db 0
%endmacro
NAN equ 1

_start:
    mov esp, stack_top
    call tl_init
    fninit

    ; Random operands (xorshift32 from testlib): sign, exponent in [lo, lo + n), random significand.
    %macro RANDOM 4                     ; table, signed?, lowest exponent, exponent count
    mov edi, %1
    mov dword [rf_sign], %2
    mov dword [rf_lo], %3
    mov dword [rf_n], %4
    call rnd_fill
    %endmacro
    RANDOM f2_rand, 1, 0x3fff - 66, 66          ; |x| < 1
    RANDOM lx_rand, 0, 0x3fff - 300, 600        ; x > 0, wide
    RANDOM ly_rand, 1, 0x3fff - 40, 80
    RANDOM px_rand, 1, 0x3ffd - 70, 70          ; |x| < 1/4
    RANDOM py_rand, 1, 0x3fff - 40, 80
    RANDOM ax_rand, 1, 0x3fff - 200, 400
    RANDOM ay_rand, 1, 0x3fff - 200, 400

    ; 1. F2XM1 (one operand), FYL2X, FYL2XP1, FPATAN (ST(0) = x, ST(1) = y).
    mov esi, s_f2xm1
    call tl_puts
    mov esi, f2_edge
    mov ecx, (f2_end - f2_edge) / 16
    mov dword [op], do_f2xm1
    call sweep1

    mov esi, s_fyl2x
    call tl_puts
    mov dword [op], do_fyl2x
    mov dword [xt], lx_edge
    mov dword [nx], (lx_end - lx_edge) / 16
    mov dword [yt], y_edge
    mov dword [ny], (y_end - y_edge) / 16
    call sweep2
    mov dword [xt], lx_rand
    mov dword [yt], ly_rand
    call sweep_zip

    mov esi, s_fyl2xp1
    call tl_puts
    mov dword [op], do_fyl2xp1
    mov dword [xt], px_edge
    mov dword [nx], (px_end - px_edge) / 16
    mov dword [yt], y_edge
    mov dword [ny], (y_end - y_edge) / 16
    call sweep2
    mov dword [xt], px_rand
    mov dword [yt], py_rand
    call sweep_zip

    mov esi, s_fpatan
    call tl_puts
    mov dword [op], do_fpatan
    mov dword [xt], ax_edge
    mov dword [nx], (ax_end - ax_edge) / 16
    mov dword [yt], ay_edge
    mov dword [ny], (ay_end - ay_edge) / 16
    call sweep2
    mov dword [xt], ax_rand
    mov dword [yt], ay_rand
    call sweep_zip

    ; 2. Trigonometric instructions.
    call trig_section

    ; 3. FPREM, FPREM1, FSCALE.
    mov esi, s_prem
    call tl_puts
    mov dword [cws_ptr], cws_rc
    mov dword [cws_n], 4
    mov dword [op], do_prem
    mov dword [xt], rx_edge
    mov dword [nx], (rx_end - rx_edge) / 16
    mov dword [yt], ry_edge
    mov dword [ny], (ry_end - ry_edge) / 16
    call sweep2
    mov esi, s_fscale
    call tl_puts
    mov dword [op], do_fscale
    mov dword [xt], sx_edge
    mov dword [nx], (sx_end - sx_edge) / 16
    mov dword [yt], sy_edge
    mov dword [ny], (sy_end - sy_edge) / 16
    call sweep2

    xor eax, eax
    jmp exit_device

; rnd_fill: NRAND entries at EDI from [rf_sign], [rf_lo], [rf_n].
rnd_fill:
    mov ebx, NRAND
.one:
    call tl_rand
    mov [edi], eax
    call tl_rand
    or eax, 0x80000000                  ; normal: the integer bit set
    mov [edi + 4], eax
    call tl_rand
    xor edx, edx
    div dword [rf_n]
    mov eax, edx
    add eax, [rf_lo]
    cmp dword [rf_sign], 0
    je .pos
    push eax
    call tl_rand
    and eax, 0x8000
    or [esp], eax
    pop eax
.pos:
    mov [edi + 8], ax
    mov byte [edi + 10], 0
    add edi, 16
    dec ebx
    jnz .one
    ret

; sweep1: for each of ECX entries at ESI: one line of [op]'s result under each control word.
sweep1:
.v:
    push ecx
    mov ebx, [cws_ptr]
    mov ecx, [cws_n]
.cw:
    fldcw [ebx]
    fld tword [esi]
    call [op]
    add ebx, 2
    dec ecx
    jnz .cw
    call tl_nl
    pop ecx
    add esi, 16
    dec ecx
    jnz .v
    ret

; sweep2: every pair of [xt] × [yt] (ST(0) = x, ST(1) = y) except special × special.
sweep2:
    mov esi, [xt]
    mov ecx, [nx]
.x:
    push ecx
    mov edi, [yt]
    mov ecx, [ny]
.y:
    mov al, [esi + 10]
    and al, [edi + 10]
    jnz .skip
    call pair
.skip:
    add edi, 16
    dec ecx
    jnz .y
    pop ecx
    add esi, 16
    dec ecx
    jnz .x
    ret

; sweep_zip: the random pairs [xt][i], [yt][i].
sweep_zip:
    mov esi, [xt]
    mov edi, [yt]
    mov ecx, NRAND
.p:
    call pair
    add esi, 16
    add edi, 16
    dec ecx
    jnz .p
    ret

; pair: one line: x = [ESI], y = [EDI] under each control word. Preserves ECX, ESI, EDI.
pair:
    push ecx
    mov ebx, [cws_ptr]
    mov ecx, [cws_n]
.cw:
    fldcw [ebx]
    fld tword [edi]
    fld tword [esi]
    call [op]
    add ebx, 2
    dec ecx
    jnz .cw
    call tl_nl
    pop ecx
    ret

; The operations: leave the stack empty, print results and the masked status word.
do_f2xm1:
    f2xm1
    jmp res
do_fyl2x:
    fyl2x
    jmp res
do_fyl2xp1:
    fyl2xp1
    jmp res
do_fpatan:
    fpatan
    jmp res
do_prem:
    fprem
    call res_cc
    fstp st0
    fstp st0
    fld tword [edi]
    fld tword [esi]
    fprem1
    call res_c2f
    fstp st0
    fstp st0
    ret
do_fscale:
    fscale
    call res
    fstp st0
    ret

; res: pop ST(0), print it and the status word (as the instruction left it) masked to SWMASK;
; clear the flags.
res:
    fnstsw [swv]
    push ecx
    mov ecx, SWMASK
    jmp res_common
; res_cc: print ST(0) (no pop) and C3 C2 C1 C0 with the flags (FPREM's quotient bits are defined).
res_cc:
    fnstsw [swv]
    fld st0
    push ecx
    mov ecx, SWMASK | 0x4700
    jmp res_common
; res_c2f: as res_cc with C2 only (QEMU 7.2's FPREM1 leaves C0, C3, C1 clear: exec-x87.test.ts
; checks the quotient bits the SDM defines).
res_c2f:
    fnstsw [swv]
    fld st0
    push ecx
    mov ecx, SWMASK | 0x400
res_common:
    fstp tword [tmp]
    movzx eax, word [tmp + 8]
    call tl_hex16
    mov al, ':'
    out DEBUGCON, al
    mov eax, [tmp + 4]
    call tl_hex32
    mov eax, [tmp]
    call tl_hex32
    mov al, '/'
    out DEBUGCON, al
    movzx eax, word [swv]
    and eax, ecx
    call tl_hex16
    call tl_space
    fnclex
    pop ecx
    ret

; --- 2. FSIN FCOS FPTAN FSINCOS -------------------------------------------------------------------
trig_section:
    ; Random doubles in (−8, 8): exponent field 0x3f5..0x401, random sign and fraction.
    mov edi, t_rand
    mov ebx, NRAND
.r:
    call tl_rand
    mov [edi], eax                      ; low fraction
    call tl_rand
    and eax, 0x800fffff                 ; sign and high fraction
    push eax
    call tl_rand
    xor edx, edx
    mov ecx, 13
    div ecx                             ; 0..12
    add edx, 0x3f5
    shl edx, 20
    pop eax
    or eax, edx
    mov [edi + 4], eax
    add edi, 8
    dec ebx
    jnz .r
    mov esi, s_trig
    call tl_puts
    mov esi, t_vals
    mov ecx, (t_end - t_vals) / 8
.v:
    push ecx
    mov ebx, cws_pc
.cw:
    fldcw [ebx]
    fld qword [esi]
    fsin
    fnstsw [swv]
    call res64
    fld qword [esi]
    fcos
    fnstsw [swv]
    call res64
    fld qword [esi]
    fptan
    fnstsw [swv]
    call res80                          ; the 1.0 pushed
    call res64
    fld qword [esi]
    fsincos
    fnstsw [swv]
    call res64                          ; cos
    call res64                          ; sin
    add ebx, 2
    cmp ebx, cws_pc + 4
    jb .cw
    call tl_nl
    pop ecx
    add esi, 8
    dec ecx
    jnz .v
    ; Out of range (|x| ≥ 2^63, but not 2^63 itself: QEMU's bound is > 2^63 in doubles) or in range
    ; and large (only C2 is compared there): C2, then ST(0) as left (the operand, or the result
    ; rounded to 16 bits for the in-range ones, enough to show that it was computed).
    mov esi, s_range
    call tl_puts
    mov esi, t_far
    mov ecx, (t_far_end - t_far) / 8
.f:
    fldcw [cws_pc + 2]
    fld qword [esi]
    fsin
    call res_c2
    fld qword [esi]
    fcos
    call res_c2
    fld qword [esi]
    fptan
    call res_c2
    fld qword [esi]
    fsincos
    call res_c2
    call tl_nl
    add esi, 8
    dec ecx
    jnz .f
    ret

; res64: pop ST(0) as m64 (round to nearest, then the control word [EBX] again), print it and C2
; from [swv] (the status word right after the instruction: FST leaves C2 undefined).
res64:
    fldcw [cw_rn]
    fstp qword [tmp]
    fldcw [ebx]
    push ebx
    mov eax, [tmp + 4]
    call tl_hex32
    mov eax, [tmp]
    call tl_hex32
    jmp c2_out
; res80: pop ST(0), print it as 80 bits and C2.
res80:
    push ebx
    fstp tword [tmp]
    movzx eax, word [tmp + 8]
    call tl_hex16
    mov al, ':'
    out DEBUGCON, al
    mov eax, [tmp + 4]
    call tl_hex32
    mov eax, [tmp]
    call tl_hex32
c2_out:
    mov al, '/'
    out DEBUGCON, al
    movzx eax, word [swv]
    shr eax, 10
    and eax, 1
    call tl_hex8
    call tl_space
    fnclex
    pop ebx
    ret
; res_c2: C2, then empty the stack; ST(0) printed when C2 = 1 (operand left), else only the depth.
res_c2:
    fnstsw ax
    push eax
    shr eax, 10
    and eax, 1
    call tl_hex8
    mov al, '/'
    out DEBUGCON, al
    pop eax
    test eax, 0x400
    jz .computed
    fstp tword [tmp]
    movzx eax, word [tmp + 8]
    call tl_hex16
    mov eax, [tmp + 4]
    call tl_hex32
    mov eax, [tmp]
    call tl_hex32
    jmp .done
.computed:
    ; The number of values left (1, or 2 after FPTAN and FSINCOS), popped.
    fnstsw ax
    shr eax, 11
    and eax, 7
    neg eax
    and eax, 7
    call tl_hex8
    fninit
.done:
    call tl_space
    fnclex
    fninit
    ret

%include "include/console.inc"
%include "include/testlib.inc"

s_f2xm1:   db "F2XM1", 10, 0
s_fyl2x:   db "FYL2X", 10, 0
s_fyl2xp1: db "FYL2XP1", 10, 0
s_fpatan:  db "FPATAN", 10, 0
s_trig:    db "FSIN FCOS FPTAN FSINCOS", 10, 0
s_range:   db "range", 10, 0
s_prem:    db "FPREM FPREM1", 10, 0
s_fscale:  db "FSCALE", 10, 0

align 2
; RC nearest/down/up/zero at PC = 64, then PC = 24 (nearest) and PC = 53 (up).
cws:    dw 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x007f, 0x0a7f
cws_rc: dw 0x037f, 0x077f, 0x0b7f, 0x0f7f
cws_pc: dw 0x027f, 0x037f
cw_rn:  dw 0x037f
align 4
cws_ptr: dd cws
cws_n:   dd 6
op: dd 0
xt: dd 0
nx: dd 0
yt: dd 0
ny: dd 0
rf_sign: dd 0
rf_lo: dd 0
rf_n: dd 0

ONE equ 0x8000000000000000
align 16
f2_edge:
    V 0, 0                              ; +0
    V 0, 0x8000                         ; -0
    V ONE, 0x3fff                       ; 1
    V ONE, 0xbfff                       ; -1
    V ONE, 0x3ffe                       ; 0.5
    V ONE, 0xbffe                       ; -0.5
    V 0xaaaaaaaaaaaaaaab, 0x3ffd        ; 1/3
    V 0xc000000000000000, 0xbffe        ; -0.75
    V 0xffffffffffffffff, 0x3ffe        ; 1 - 2^-64
    V 0xffffffffffffffff, 0xbffe
    V 0xb17217f7d1cf79ac, 0x3fb9        ; tiny (2^-70 range)
    V 0x8000000000000001, 0xbfa5
    V ONE, 0x0001                       ; smallest normal
    V ONE, 0x8001
    V 1, 0                              ; smallest denormal
    V 0x4000000000000000, 0x8000        ; a negative denormal
    V 0xc000000000000000, 0x3fff        ; 1.5: outside the domain
    V ONE, 0xc000                       ; -2
    V ONE, 0x7fff                       ; +inf
    V ONE, 0xffff                       ; -inf
    V 0xc000000000001234, 0x7fff, NAN   ; QNaN
    V 0xa000000000005678, 0xffff, NAN   ; SNaN
    V 0x4000000000000000, 0x3ffe, NAN   ; unnormal
f2_rand: times NRAND * 16 db 0
f2_end:

; FYL2X x = ST(0)
lx_edge:
    V 0, 0
    V 0, 0x8000
    V ONE, 0x3fff                       ; 1
    V ONE, 0x4000                       ; 2
    V ONE, 0x3ffe                       ; 0.5
    V ONE, 0x400c                       ; 2^13
    V 0xc000000000000000, 0x4000        ; 3
    V 0xaaaaaaaaaaaaaaab, 0x3ffd        ; 1/3
    V 0x8000000000000001, 0x3fff        ; 1 + 2^-63
    V 0xffffffffffffffff, 0x3ffe        ; 1 - 2^-64
    V 0xa000000000000000, 0x4002        ; 10
    V 1, 0                              ; smallest denormal
    V ONE, 0x0001                       ; smallest normal
    V 0xffffffffffffffff, 0x7ffe        ; largest finite
    V ONE, 0x7fff                       ; +inf
    V ONE, 0xbfff                       ; -1
    V ONE, 0xffff                       ; -inf
    V 0xc000000000001234, 0x7fff, NAN
    V 0xa000000000005678, 0x7fff, NAN
    V 0x4000000000000000, 0x4000, NAN   ; unnormal
lx_end:
; y = ST(1), shared by FYL2X and FYL2XP1
y_edge:
    V 0, 0
    V 0, 0x8000
    V ONE, 0x3fff
    V ONE, 0xbfff
    V 0xf000000000000000, 0x4000        ; 3.75 (see QEMU_MISROUNDS in exec-x87.test.ts)
    V ONE, 0x7fff
    V ONE, 0xffff
    V 0xffffffffffffffff, 0x7ffe        ; largest finite
    V 1, 0x8000                         ; -smallest denormal
    V 0xc000000000004321, 0xffff, NAN
y_end:
lx_rand: times NRAND * 16 db 0
ly_rand: times NRAND * 16 db 0

; FYL2XP1 x: the domain is ±(1 − √2/2) (Intel); QEMU and AMD accept √2/2 − 1 ≤ x ≤ √2 − 1.
px_edge:
    V 0, 0
    V 0, 0x8000
    V 0xb17217f7d1cf79ac, 0x3fb9
    V 0xb17217f7d1cf79ac, 0xbfb9
    V ONE, 0x3ffd                       ; 0.25
    V ONE, 0xbffd
    V 0x947ae147ae147ae1, 0x3ffd        ; 0.29
    V 0x947ae147ae147ae1, 0xbffd
    V 0xd413cccfe7799211, 0x3ffd        ; √2 − 1
    V 0xd413cccfe7799212, 0x3ffd        ; just above: outside
    V 0x95f619980c4336f7, 0xbffd        ; √2/2 − 1
    V 0x95f619980c4336f8, 0xbffd        ; just below: outside
    V ONE, 0x3ffe                       ; 0.5: outside
    V 1, 0                              ; smallest denormal
    V ONE, 0x7fff                       ; +inf: outside
    V 0xc000000000001234, 0xffff, NAN
    V 0xa000000000005678, 0x7fff, NAN
    V 0x4000000000000000, 0x3ffc, NAN   ; unnormal
px_end:
px_rand: times NRAND * 16 db 0
py_rand: times NRAND * 16 db 0

; FPATAN x = ST(0), y = ST(1)
ax_edge:
    V 0, 0
    V 0, 0x8000
    V ONE, 0x3fff
    V ONE, 0xbfff
    V 0xc000000000000000, 0x4000        ; 3
    V 0xc000000000000000, 0xc000
    V ONE, 0x7fff
    V ONE, 0xffff
    V 1, 0
    V 0xffffffffffffffff, 0x7ffe
    V 0xffffffffffffffff, 0xfffe
    V ONE, 0x0300                       ; 2^-15615
    V ONE, 0x3fbe                       ; 2^-65
    V 0xc000000000001234, 0x7fff, NAN
    V 0xa000000000005678, 0xffff, NAN
    V 0, 0x7fff, NAN                    ; pseudo-infinity
ax_end:
ay_edge:
    V 0, 0
    V 0, 0x8000
    V ONE, 0x3fff
    V ONE, 0xbfff
    V ONE, 0x7fff
    V ONE, 0xffff
    V 1, 0
    V 1, 0x8000
    V 0xffffffffffffffff, 0x7ffe
    V 0xc000000000000000, 0x3ffe        ; 0.75
    V ONE, 0x3f00                       ; 2^-255
    V 0xc000000000004321, 0x7fff, NAN
ay_end:
ax_rand: times NRAND * 16 db 0
ay_rand: times NRAND * 16 db 0

; FPREM/FPREM1: x = ST(0) (dividend), y = ST(1) (divisor)
rx_edge:
    V 0, 0
    V 0xe000000000000000, 0x4001        ; 7
    V 0xf000000000000000, 0xc001        ; -7.5
    V 0xaaaaaaaaaaaaaaab, 0x3ffd        ; 1/3
    V 0xc90fdaa22168c235, 0x4010        ; π·2^16
    V 0xd49a784bcd1b8afe, 0x4080        ; 2^129-ish (partial remainder)
    V 1, 0                              ; smallest denormal
    V 0xffffffffffffffff, 0x7ffe
    V ONE, 0xffff                       ; -inf
    V 0xc000000000001234, 0x7fff, NAN
rx_end:
ry_edge:
    V 0xc000000000000000, 0x4000        ; 3
    V ONE, 0xc000                       ; -2
    V 0xcccccccccccccccd, 0x3ffb        ; 0.1
    V 0xc90fdaa22168c235, 0x4000        ; π
    V ONE, 0x0010                       ; 2^-16367
    V 0, 0                              ; 0: invalid
    V ONE, 0x7fff                       ; +inf
    V 0xa000000000005678, 0xffff, NAN
ry_end:
; FSCALE: x = ST(0), y = ST(1) (the scale, truncated)
sx_edge:
    V 0, 0x8000
    V 0xc000000000000000, 0x3fff        ; 1.5
    V 0xffffffffffffffff, 0xbffe        ; -(1 - 2^-64)
    V 1, 0                              ; smallest denormal
    V 0xffffffffffffffff, 0x7ffe
    V ONE, 0x7fff
    V 0xc000000000001234, 0xffff, NAN
sx_end:
sy_edge:
    V 0, 0
    V 0xe000000000000000, 0x4001        ; 7
    V 0xf000000000000000, 0xc001        ; -7.5
    V ONE, 0xc00c                       ; -8192
    V 0xfffc000000000000, 0x400c        ; 16383.5
    V 0x807e000000000000, 0xc00c        ; -16447 (into the denormals)
    V 0x8000000000000000, 0x401e        ; 2^31 (overflows)
    V ONE, 0xffff                       ; -inf
    V ONE, 0x7fff                       ; +inf
    V 0xa000000000005678, 0x7fff, NAN
sy_end:

align 8
; Doubles for the trigonometric instructions, away from multiples of π/2 where the 66-bit π
; reduction (hardware, and us) and QEMU's host libm differ.
t_vals:
    dq 0.0, -0.0, 0.5, -0.5, 1.0, 2.0, -3.0, 0.1, 1.0e-300, 1.0e-5, 0.78539816, -0.75
    dq 1.25, 2.5, 4.0, -5.0, 6.0, 7.5
t_rand: times NRAND dq 0
t_end:
t_far:
    dq 1.3835058055282164e19            ; 1.5 · 2^63: out of range
    dq -1.0e30
    dq 1.0e300
    dq 4.611686018427388e18             ; 2^62: in range
    dq -1.0e15                          ; in range
t_far_end:

align 16
tmp: times 16 db 0
swv: dw 0
    times 4096 db 0
stack_top:
file_end:
