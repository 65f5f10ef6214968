; simd.asm — differential test (QEMU is the oracle) of MMX, SSE3, SSSE3 and the SSE/SSE2
; instructions on MMX registers. Prints raw results in hex on the debug console:
;   1. every integer operation (MMX, SSE's MMX extensions, SSE2 on MM, SSSE3) in its MMX form over
;      every pair of an 8-entry table of 64-bit edge values, then its XMM form over 128-bit values
;      (shift operations take their count from a table of counts; PALIGNR and the imm8 shifts run
;      with several immediates);
;   2. the MMX/x87 aliasing: MMX reads of x87 registers, TOP and the tag word after MMX, FXSAVE's
;      view, EMMS, FXRSTOR into MMX registers (QEMU 7.2 does not set bits 64–79 of a register an
;      MMX instruction writes and does not detect x87 stack overflow, so what depends on either is
;      checked by src/x86/mmx.test.ts instead);
;   3. the MMX moves and PSHUFW, PINSRW/PEXTRW, PMOVMSKB, MASKMOVQ, MOVNTQ, MOVQ2DQ/MOVDQ2Q;
;   4. CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI under each rounding mode, with MXCSR flags;
;   5. ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD over pairs from tables of special values under each rounding
;      mode and FZ|DAZ, with MXCSR's flags (DE masked out: QEMU 7.2 does not set it; pairs of two NaNs
;      skipped: QEMU picks between two NaNs by the x87 rule, real CPUs take the first operand's);
;   6. MOVSLDUP/MOVSHDUP/MOVDDUP/LDDQU;
;   7. FISTTP m16/m32/m64 under RC = up (it must truncate anyway), with the exception flags.
; Ends through the exit device with value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

F_MMX   equ 1                         ; integer record: mm0 op mm1
F_XMM   equ 2                         ; integer record: xmm0 op xmm1
F_SHIFT equ 0x10                      ; the second operand comes from the shift-count table
F_UNARY equ 0x20                      ; only the first operand matters: one column
F_PS    equ 4                         ; SSE3 record on four singles
F_PD    equ 8                         ; SSE3 record on two doubles
N       equ 8                         ; entries of the integer tables
NS      equ 12                        ; entries of the single/double tables (the last two are NaNs)

; A record of a list: link to the next record, flags, the name, then the code to call (ends in RET).
%macro REC 3+
    dd %%end
    dd %2
    db %1, 0
    %3
    ret
%%end:
%endmacro

; An integer operation in both forms (optional flags, optional imm8).
%macro INT2 1-3 0, -1
  %defstr %%name %1
  %if %3 < 0
    REC %%name, F_MMX | %2, %1 mm0, mm1
    REC %%name, F_XMM | %2, %1 xmm0, xmm1
  %else
    REC %%name, F_MMX | %2, %1 mm0, mm1, %3
    REC %%name, F_XMM | %2, %1 xmm0, xmm1, %3
  %endif
%endmacro

; A shift by imm8 in both forms (unary: only the first operand).
%macro SHIMM 2
  %defstr %%name %1
    REC %%name, F_MMX | F_UNARY, %1 mm0, %2
    REC %%name, F_XMM | F_UNARY, %1 xmm0, %2
%endmacro

_start:
    mov esp, stack_top
    mov eax, cr0
    and eax, ~0xc                     ; EM and TS off
    or eax, 0x22                      ; MP, NE
    mov cr0, eax
    mov eax, cr4
    or eax, 0x600                     ; OSFXSR | OSXMMEXCPT
    mov cr4, eax
    fninit
    mov esi, banner
    call debug_puts

    ; ---- 1. integer operations ------------------------------------------------------------------
    mov ebx, int_ops
.rec:
    cmp dword [ebx], 0
    je .int_done
    mov eax, [ebx + 4]
    mov [cur_flags], eax
    mov esi, form_mm
    test eax, F_XMM
    jz .form
    mov esi, form_xmm
.form:
    call debug_puts
    lea esi, [ebx + 8]
    call debug_puts
    mov [cur_fn], esi                 ; the code follows the name's NUL
    call nl
    mov dword [ii], 0
.i:
    mov dword [jj], 0
.j:
    mov eax, [cur_flags]
    mov edx, tab64
    mov ecx, tab128
    test eax, F_SHIFT
    jz .tables
    mov edx, cnt64
    mov ecx, cnt128
.tables:
    test eax, F_XMM
    jnz .x
    mov eax, [ii]
    movq mm0, [tab64 + eax*8]
    mov eax, [jj]
    movq mm1, [edx + eax*8]
    call [cur_fn]
    movq [res], mm0
    call pr64
    jmp .next
.x:
    mov eax, [ii]
    shl eax, 4
    movdqu xmm0, [tab128 + eax]
    mov eax, [jj]
    shl eax, 4
    movdqu xmm1, [ecx + eax]
    call [cur_fn]
    movdqu [res], xmm0
    call pr128
.next:
    call space
    test dword [cur_flags], F_UNARY
    jnz .j_end
    inc dword [jj]
    cmp dword [jj], N
    jb .j
.j_end:
    call nl
    inc dword [ii]
    cmp dword [ii], N
    jb .i
    mov ebx, [ebx]
    jmp .rec
.int_done:

    ; ---- 2. MMX / x87 aliasing ------------------------------------------------------------------
    mov esi, s_alias
    call debug_puts
    fninit
    fld1                              ; R7 = 1.0, TOP = 7
    fldpi                             ; R6 = pi, TOP = 6
    movq [res], mm7                   ; MMX reads of the significands
    call pr64
    movq [res], mm6
    call pr64
    fnstsw ax                         ; TOP = 0 now
    call pr16
    movq mm2, [tab64 + 6*8]           ; a write: bits 64–79 of R2 become ones
    fxsave [fxarea]
    mov ax, [fxarea + 2]              ; FSW (TOP = 0)
    call pr16
    movzx eax, byte [fxarea + 4]      ; abridged tag: all valid
    call pr16
    mov eax, [fxarea + 32 + 16*2 + 4] ; ST2's significand = MM2 (QEMU leaves bits 64–79 of an MMX
    call debug_hex32                  ; write alone, the SDM sets them to ones: that, and what x87
    mov eax, [fxarea + 32 + 16*2]     ; code and FNSTENV's tags then see, is left to mmx.test.ts)
    call debug_hex32
    call space
    mov esi, fxarea + 32 + 16*7       ; ST7 = R7 = 1.0
    call pr80
    call nl
    ; EMMS: all tags empty, TOP unchanged; x87 works again.
    fninit
    fld1
    movq mm0, [tab64 + 8]
    emms
    fnstenv [env]
    mov ax, [env + 8]
    call pr16
    mov ax, [env + 4]
    and ax, 0x3800
    call pr16
    fld1                              ; (QEMU does not detect x87 stack overflow: only valid after EMMS)
    fnstsw ax
    and ax, 0x3a41
    call pr16
    fstp qword [res]
    call pr64
    ; FXRSTOR with TOP = 5: ST0's slot becomes R5 = MM5.
    fxsave [fxarea]
    mov word [fxarea + 2], 5 << 11
    mov byte [fxarea + 4], 0xff
    mov ecx, 8
    mov edi, fxarea + 32
.slots:
    mov [edi], ecx
    mov dword [edi + 4], 0x01010101
    add edi, 16
    loop .slots
    fxrstor [fxarea]
    movq [res], mm5
    call pr64
    movq [res], mm4
    call pr64
    call nl
    emms

    ; ---- 3. MMX moves and SSE's MMX extensions ---------------------------------------------------
    mov esi, s_moves
    call debug_puts
    mov eax, 0x89abcdef
    movd mm1, eax                     ; zero-extended
    movq [res], mm1
    call pr64
    movq mm2, [tab64 + 7*8]
    movd eax, mm2
    call debug_hex32
    call space
    movd mm3, [tab64 + 2*8]
    movd [res], mm3
    mov dword [res + 4], 0x55555555
    call pr64
    movq mm4, mm2
    movq [res], mm4
    call pr64
    movntq [res], mm3
    call pr64
    movq mm1, [tab64 + 6*8]
%macro SHUFW 1                        ; PSHUFW with an immediate, register and memory source
    pshufw mm0, mm1, %1
    movq [res], mm0
    call pr64
    pshufw mm0, [tab64 + 7*8], %1
    movq [res], mm0
    call pr64
%endmacro
    SHUFW 0x1b
    SHUFW 0x00
    SHUFW 0xe4
    SHUFW 0x9c
    call nl
    movq mm1, [tab64 + 7*8]
%assign k 0
%rep 8                                ; PEXTRW with index 0..7 (taken mod 4)
    mov eax, -1
    pextrw eax, mm1, k
    call debug_hex32
    call space
  %assign k k + 1
%endrep
    movq mm0, [tab64 + 6*8]
    mov eax, 0xfedc1234
    pinsrw mm0, eax, 6                ; word 2
    pinsrw mm0, [tab64 + 2*8], 1      ; word 1 from memory
    movq [res], mm0
    call pr64
    xor ebx, ebx
.movmsk:
    movq mm0, [tab64 + ebx*8]
    mov eax, -1
    pmovmskb eax, mm0
    call debug_hex32
    call space
    inc ebx
    cmp ebx, N
    jb .movmsk
    ; MASKMOVQ: the bytes of mm0 whose mask byte in mm1 has bit 7 set go to DS:EDI.
    xor ebx, ebx
.maskmov:
    mov dword [res], 0xeeeeeeee
    mov dword [res + 4], 0xeeeeeeee
    movq mm0, [tab64 + 6*8]
    movq mm1, [tab64 + ebx*8]
    mov edi, res
    maskmovq mm0, mm1
    call pr64
    inc ebx
    cmp ebx, N
    jb .maskmov
    ; MOVQ2DQ / MOVDQ2Q.
    pcmpeqb xmm2, xmm2
    movq mm5, [tab64 + 7*8]
    movq2dq xmm2, mm5
    movdqu [res], xmm2
    call pr128
    movdqu xmm3, [tab128 + 16*6]
    movdq2q mm6, xmm3
    movq [res], mm6
    call pr64
    call nl
    emms

    ; ---- 4. conversions between MMX and XMM registers -------------------------------------------
    mov esi, s_cvt
    call debug_puts
    xor ebp, ebp                      ; rounding mode index
.cvt_mode:
    mov eax, [rc_modes + ebp*4]
    mov [cur_mode], eax
    call debug_hex32
    call nl
    xor ebx, ebx
.cvt_i:
    ; CVTPI2PS xmm0 (upper half kept), mm/m64
    ldmxcsr [cur_mode]
    movdqu xmm0, [tab128 + 16*6]
    movq mm0, [ints + ebx*8]
    cvtpi2ps xmm0, mm0
    call prxmm0_flags
    ldmxcsr [cur_mode]
    movdqu xmm0, [tab128 + 16*6]
    cvtpi2ps xmm0, [ints + ebx*8]
    call prxmm0_flags
    ; CVTPI2PD (exact)
    ldmxcsr [cur_mode]
    cvtpi2pd xmm0, [ints + ebx*8]
    call prxmm0_flags
    ; CVTPS2PI / CVTTPS2PI
    ldmxcsr [cur_mode]
    movq xmm1, [singles2 + ebx*8]
    cvtps2pi mm0, xmm1
    call prmm0_flags
    ldmxcsr [cur_mode]
    cvttps2pi mm0, [singles2 + ebx*8]
    call prmm0_flags
    ; CVTPD2PI / CVTTPD2PI (m128 aligned)
    mov eax, ebx
    shl eax, 4
    ldmxcsr [cur_mode]
    cvtpd2pi mm0, [doubles2 + eax]
    call prmm0_flags
    mov eax, ebx
    shl eax, 4
    ldmxcsr [cur_mode]
    movdqa xmm1, [doubles2 + eax]
    cvttpd2pi mm0, xmm1
    call prmm0_flags
    call nl
    inc ebx
    cmp ebx, N
    jb .cvt_i
    inc ebp
    cmp ebp, 4
    jb .cvt_mode
    emms
    ldmxcsr [mx_default]

    ; ---- 5. SSE3 arithmetic -----------------------------------------------------------------------
    mov ebx, fp_ops
.fp_rec:
    cmp dword [ebx], 0
    je .fp_done
    mov eax, [ebx + 4]
    mov [cur_flags], eax
    lea esi, [ebx + 8]
    call debug_puts
    mov [cur_fn], esi
    xor ebp, ebp
.fp_mode:
    mov al, ' '
    out DEBUGCON, al
    mov eax, [fp_modes + ebp*4]
    mov [cur_mode], eax
    call debug_hex32
    call nl
    mov dword [ii], 0
.fi:
    mov dword [jj], 0
.fj:
    mov eax, [ii]
    mov edx, [jj]
    cmp eax, NS - 2
    jb .fgo
    cmp edx, NS - 2
    jae .fskip                        ; two NaNs: QEMU's choice differs from the hardware's
.fgo:
    test dword [cur_flags], F_PD
    jnz .fpd
    mov ecx, [singles + eax*4]        ; xmm0 = a b b a, xmm1 = b a a b
    mov esi, [singles + edx*4]
    mov [opa], ecx
    mov [opa + 4], esi
    mov [opa + 8], esi
    mov [opa + 12], ecx
    mov [opb], esi
    mov [opb + 4], ecx
    mov [opb + 8], ecx
    mov [opb + 12], esi
    jmp .fload
.fpd:
    mov ecx, [doubles + eax*8]        ; xmm0 = a b, xmm1 = b a
    mov esi, [doubles + eax*8 + 4]
    mov [opa], ecx
    mov [opa + 4], esi
    mov [opb + 8], ecx
    mov [opb + 12], esi
    mov ecx, [doubles + edx*8]
    mov esi, [doubles + edx*8 + 4]
    mov [opa + 8], ecx
    mov [opa + 12], esi
    mov [opb], ecx
    mov [opb + 4], esi
.fload:
    movdqa xmm0, [opa]
    movdqa xmm1, [opb]
    ldmxcsr [cur_mode]
    call [cur_fn]
    call prxmm0_flags
    jmp .fnext
.fskip:
    mov esi, s_skip
    call debug_puts
.fnext:
    inc dword [jj]
    cmp dword [jj], NS
    jb .fj
    call nl
    inc dword [ii]
    cmp dword [ii], NS
    jb .fi
    inc ebp
    cmp ebp, 5
    jb .fp_mode
    mov ebx, [ebx]
    jmp .fp_rec
.fp_done:
    ldmxcsr [mx_default]

    ; ---- 6. SSE3 moves ---------------------------------------------------------------------------
    mov esi, s_moves3
    call debug_puts
    movsldup xmm0, [tab128 + 16*7]
    call prxmm
    movshdup xmm0, [tab128 + 16*7]
    call prxmm
    movdqu xmm1, [tab128 + 16*6]
    movsldup xmm0, xmm1
    call prxmm
    movshdup xmm0, xmm1
    call prxmm
    movddup xmm0, xmm1
    call prxmm
    movddup xmm0, [tab64 + 3*8]       ; m64: no alignment rule
    call prxmm
    lddqu xmm0, [tab64 + 3]           ; unaligned
    call prxmm
    call nl

    ; ---- 7. FISTTP --------------------------------------------------------------------------------
    mov esi, s_fisttp
    call debug_puts
    fninit
    fldcw [cw_up]
    xor ebx, ebx
.fistt:
    fnclex
    fld qword [fist_vals + ebx*8]
    fisttp word [res]
    fld qword [fist_vals + ebx*8]
    fisttp dword [res + 2]
    fld qword [fist_vals + ebx*8]
    fisttp qword [res + 8]
    fnstsw ax
    and ax, 0x383d                    ; TOP and IE ZE OE UE PE (DE is not possible: no denormals)
    call pr16
    mov ax, [res]
    call pr16
    mov eax, [res + 2]
    call debug_hex32
    call space
    mov eax, [res + 12]
    call debug_hex32
    mov eax, [res + 8]
    call debug_hex32
    call nl
    inc ebx
    cmp ebx, NFIST
    jb .fistt

    mov esi, bye
    call debug_puts
    xor eax, eax
    call exit_device

; ---- printing -------------------------------------------------------------------------------------
nl:
    mov al, 10
    out DEBUGCON, al
    ret
space:
    mov al, ' '
    out DEBUGCON, al
    ret
; pr64: the qword at [res], then a space.
pr64:
    mov eax, [res + 4]
    call debug_hex32
    mov eax, [res]
    call debug_hex32
    jmp space
; pr128: the oword at [res] (high dword first), no space.
pr128:
    mov eax, [res + 12]
    call debug_hex32
    mov eax, [res + 8]
    call debug_hex32
    mov eax, [res + 4]
    call debug_hex32
    mov eax, [res]
    jmp debug_hex32
; pr16: AX as four hex digits and a space.
pr16:
    shl eax, 16
    mov edx, eax
    mov ecx, 4
.d:
    rol edx, 4
    mov eax, edx
    and eax, 0xf
    cmp al, 10
    jb .n
    add al, 'a' - 10
    jmp .o
.n:
    add al, '0'
.o:
    out DEBUGCON, al
    dec ecx
    jnz .d
    jmp space
; pr80: the 10-byte register image at ESI as SEXP:SIGNIFICAND.
pr80:
    push esi
    mov ax, [esi + 8]
    shl eax, 16
    mov edx, eax
    mov ecx, 4
.d2:
    rol edx, 4
    mov eax, edx
    and eax, 0xf
    add al, '0'
    cmp al, '9'
    jbe .o2
    add al, 'a' - '0' - 10
.o2:
    out DEBUGCON, al
    dec ecx
    jnz .d2
    mov al, ':'
    out DEBUGCON, al
    pop esi
    mov eax, [esi + 4]
    call debug_hex32
    mov eax, [esi]
    call debug_hex32
    jmp space
prxmm:
    movdqu [res], xmm0
    call pr128
    jmp space
; prxmm0_flags / prmm0_flags: the result, ':' and MXCSR's IE ZE OE UE PE as two hex digits.
prxmm0_flags:
    stmxcsr [res_mxcsr]
    movdqu [res], xmm0
    call pr128
    jmp prflags
prmm0_flags:
    stmxcsr [res_mxcsr]
    movq [res], mm0
    mov eax, [res + 4]
    call debug_hex32
    mov eax, [res]
    call debug_hex32
prflags:
    mov al, ':'
    out DEBUGCON, al
    mov eax, [res_mxcsr]
    and eax, 0x3d
    mov ecx, eax
    shr eax, 4
    add al, '0'
    out DEBUGCON, al
    mov eax, ecx
    and eax, 15
    add al, 'a'
    out DEBUGCON, al
    jmp space

%include "include/console.inc"

; ---- operation lists ------------------------------------------------------------------------------
int_ops:
    INT2 paddb
    INT2 paddw
    INT2 paddd
    INT2 paddq
    INT2 psubb
    INT2 psubw
    INT2 psubd
    INT2 psubq
    INT2 paddsb
    INT2 paddsw
    INT2 paddusb
    INT2 paddusw
    INT2 psubsb
    INT2 psubsw
    INT2 psubusb
    INT2 psubusw
    INT2 pcmpeqb
    INT2 pcmpeqw
    INT2 pcmpeqd
    INT2 pcmpgtb
    INT2 pcmpgtw
    INT2 pcmpgtd
    INT2 pmullw
    INT2 pmulhw
    INT2 pmulhuw
    INT2 pmuludq
    INT2 pmaddwd
    INT2 pand
    INT2 pandn
    INT2 por
    INT2 pxor
    INT2 packsswb
    INT2 packssdw
    INT2 packuswb
    INT2 punpcklbw
    INT2 punpcklwd
    INT2 punpckldq
    INT2 punpckhbw
    INT2 punpckhwd
    INT2 punpckhdq
    INT2 pavgb
    INT2 pavgw
    INT2 pminub
    INT2 pmaxub
    INT2 pminsw
    INT2 pmaxsw
    INT2 psadbw
    INT2 psllw, F_SHIFT
    INT2 pslld, F_SHIFT
    INT2 psllq, F_SHIFT
    INT2 psrlw, F_SHIFT
    INT2 psrld, F_SHIFT
    INT2 psrlq, F_SHIFT
    INT2 psraw, F_SHIFT
    INT2 psrad, F_SHIFT
    SHIMM psllw, 3
    SHIMM psllw, 16
    SHIMM pslld, 31
    SHIMM psllq, 33
    SHIMM psrlw, 15
    SHIMM psrld, 200
    SHIMM psrlq, 1
    SHIMM psraw, 9
    SHIMM psraw, 16
    SHIMM psrad, 31
    SHIMM psrad, 40
    REC "pshufw 1b", F_MMX, pshufw mm0, mm1, 0x1b
    REC "pshufw e4", F_MMX, pshufw mm0, mm1, 0xe4
    REC "pshufd 4e", F_XMM, pshufd xmm0, xmm1, 0x4e
    INT2 pshufb
    INT2 phaddw
    INT2 phaddd
    INT2 phaddsw
    INT2 phsubw
    INT2 phsubd
    INT2 phsubsw
    INT2 pmaddubsw
    INT2 pmulhrsw
    INT2 psignb
    INT2 psignw
    INT2 psignd
    INT2 pabsb
    INT2 pabsw
    INT2 pabsd
    INT2 palignr, 0, 0
    INT2 palignr, 0, 3
    INT2 palignr, 0, 8
    INT2 palignr, 0, 13
    INT2 palignr, 0, 16
    INT2 palignr, 0, 17
    INT2 palignr, 0, 31
    INT2 palignr, 0, 32
    INT2 palignr, 0, 255
    dd 0

fp_ops:
    REC "addsubps", F_PS, addsubps xmm0, xmm1
    REC "haddps", F_PS, haddps xmm0, xmm1
    REC "hsubps", F_PS, hsubps xmm0, xmm1
    REC "addsubpd", F_PD, addsubpd xmm0, xmm1
    REC "haddpd", F_PD, haddpd xmm0, xmm1
    REC "hsubpd", F_PD, hsubpd xmm0, xmm1
    dd 0

banner: db "simd: MMX, SSE3, SSSE3", 10, 0
form_mm: db "mm ", 0
form_xmm: db "xmm ", 0
s_alias: db "alias", 10, 0
s_moves: db "mmx moves", 10, 0
s_cvt: db "cvt", 10, 0
s_moves3: db "sse3 moves", 10, 0
s_fisttp: db "fisttp", 10, 0
s_skip: db "- ", 0
bye: db "done", 10, 0

; ---- data -------------------------------------------------------------------------------------------
    align 16
; 64-bit edge values: zero, all ones, byte extremes, word min/max, dword min/max, a ramp, and
; PSHUFB-like indices with bit 7 set in some bytes.
tab64:
    dq 0x0000000000000000
    dq 0xffffffffffffffff
    dq 0x7f80017ffe8001ff
    dq 0x8000800080008000
    dq 0x7fff7fff7fff7fff
    dq 0x800000007fffffff
    dq 0x0123456789abcdef
    dq 0x0f8e0d0c8b0a0908
; 128-bit values: entry i is tab64[i] then tab64[(i + 3) % 8].
tab128:
    dq 0x0000000000000000, 0x8000800080008000
    dq 0xffffffffffffffff, 0x7fff7fff7fff7fff
    dq 0x7f80017ffe8001ff, 0x800000007fffffff
    dq 0x8000800080008000, 0x0123456789abcdef
    dq 0x7fff7fff7fff7fff, 0x0f8e0d0c8b0a0908
    dq 0x800000007fffffff, 0x0000000000000000
    dq 0x0123456789abcdef, 0xffffffffffffffff
    dq 0x0f8e0d0c8b0a0908, 0x7f80017ffe8001ff
; Shift counts (64-bit; the XMM forms get 0x5555… in the ignored upper quadword).
cnt64:
    dq 0, 1, 15, 16, 31, 33, 63, 0x100000001
cnt128:
    dq 0, 0x5555555555555555, 1, 0x5555555555555555, 15, 0x5555555555555555, 16, 0x5555555555555555
    dq 31, 0x5555555555555555, 33, 0x5555555555555555, 63, 0x5555555555555555, 0x100000001, 0x5555555555555555
; Pairs of int32 for CVTPI2PS/PD: exact, halfway and beyond-24-bit values, the extremes.
ints:
    dd 0, 1
    dd -1, 16777217
    dd 0x7fffffff, 0x80000000
    dd 16777219, -16777219
    dd 0x40000001, 123456789
    dd -2, 3
    dd 0x01000001, 0x02000003
    dd 0xff000001, 5
; Pairs of singles for CVT(T)PS2PI.
singles2:
    dd 0x3fc00000, 0xbfc00000        ; 1.5, -1.5
    dd 0x40200000, 0xc0200000        ; 2.5, -2.5
    dd 0x3f000000, 0xbf000000        ; 0.5, -0.5
    dd 0x4effffff, 0x4f000000        ; 2147483520, 2^31 (out of range)
    dd 0xcf000000, 0xcf000001        ; -2^31 (in range), below it
    dd 0x7fc00000, 0x7f800000        ; QNaN, +inf
    dd 0x00000001, 0x80000000        ; denormal, -0
    dd 0x3fffffff, 0xc06ccccd        ; 1.99999988, -3.7
    align 16
; Pairs of doubles for CVT(T)PD2PI.
doubles2:
    dq 0x4004000000000000, 0xc004000000000000   ; 2.5, -2.5
    dq 0x3fe0000000000000, 0x3ff8000000000000   ; 0.5, 1.5
    dq 0x41dfffffffd9999a, 0x41dfffffffe00000   ; 2147483647.4, 2147483647.5
    dq 0xc1e000000001cccd, 0xc1e0000000200000   ; -2147483648.9, -2147483649
    dq 0x7ff8000000000000, 0xfff0000000000000   ; QNaN, -inf
    dq 0x0000000000000001, 0x8000000000000000   ; denormal, -0
    dq 0x41f0000000000000, 0xc202a05f20000000   ; 2^32, -1e10
    dq 0x400bffffffffffff, 0xc00c000000000000   ; 3.4999999999999996, -3.5
; Singles and doubles for the SSE3 arithmetic; the last two entries are a QNaN and an SNaN.
singles:
    dd 0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x33800000, 0x7f7fffff
    dd 0x00800000, 0x00000001, 0x7f800000, 0xff800000, 0x7fc00001, 0x7f800002
doubles:
    dq 0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000
    dq 0x3ca0000000000000, 0x7fefffffffffffff, 0x0010000000000000, 0x0000000000000001
    dq 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000001, 0x7ff0000000000002
rc_modes:
    dd 0x1f80, 0x3f80, 0x5f80, 0x7f80
fp_modes:
    dd 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0
mx_default:
    dd 0x1f80
cw_up:
    dw 0x0b7f
; FISTTP inputs: fractions of either sign, the edges of int16/int32/int64, NaN, infinity.
fist_vals:
    dq 2.9, -2.9, 0.5, -0.99
    dq 32767.9, 32768.0, -32768.9, -32769.0
    dq 2147483647.9, 2147483648.0, -2147483648.9, -2147483649.0
    dq 9.2e18, 9.3e18, -9223372036854775808.0, -9.3e18
    dq __QNaN__, __Infinity__, 1.0e-300, -123456789012.75
NFIST equ ($ - fist_vals) / 8
    align 16
opa: times 16 db 0
opb: times 16 db 0
fxarea: times 512 db 0
env: times 28 db 0
cur_flags: dd 0
cur_fn: dd 0
cur_mode: dd 0
ii: dd 0
jj: dd 0
res_mxcsr: dd 0
    align 16
res: times 16 db 0
stack: times 1024 db 0
stack_top:
ELF_END
