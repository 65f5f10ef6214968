; strings.asm — differential test of the string instructions (QEMU is the oracle): MOVS STOS LODS
; CMPS SCAS in byte/word/dword size, DF = 0 and 1, without a prefix and with REP/REPE/REPNE for counts
; 0, 1, 7 and 100, where REPE/REPNE end early at element 20 (a difference, an equality, a match);
; then 16-bit address size (67 prefix: SI/DI/CX wrap at 64 KiB inside a segment whose limit is
; larger, the upper halves of ESI/EDI/ECX are kept), segment overrides of the source (and their being
; ignored for ES:EDI), and operands straddling 64 KiB.
; One line per case: "name: esi edi ecx eax flags hash" with ESI/EDI relative to their start, flags
; masked to the arithmetic flags (all defined for CMPS/SCAS; unchanged otherwise) and a hash of the
; buffers. Ends with the exit device, value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

ARITH equ 0x8d5
K     equ 20                           ; the element where REPE/REPNE stop

_start:
    mov esp, stack_top
    call tl_init
    mov esi, banner
    call tl_puts
    mov dword [cur], 0
.case:
    mov ebx, [cur]
    cmp ebx, NCASES
    jae .done
    call [cases + ebx * 4]
    inc dword [cur]
    jmp .case
.done:
    mov esi, msg_done
    call tl_puts
    xor eax, eax
    call exit_device

; setup: from p_op (0 movs 1 stos 2 lods 3 cmps 4 scas), p_size (1 2 4), p_df, p_mode (0 none,
; 1 rep/repe, 2 repne), p_count: fill sbuf/dbuf, compute the start registers r_esi r_edi r_ecx r_eax
; r_flags.
setup:
    ; sbuf[i] = 7i + 3, dbuf[i] = 13i + 1 (each a permutation of the bytes over any 256 in a row)
    xor ecx, ecx
.fill:
    imul eax, ecx, 7
    add eax, 3
    mov [sbuf + ecx], al
    mov eax, ecx
    imul eax, 13
    inc eax
    mov [dbuf + ecx], al
    inc ecx
    cmp ecx, BUFSZ
    jb .fill
    ; starts: forward from offset 16, backward from offset 600
    mov eax, 16
    cmp dword [p_df], 0
    je .st
    mov eax, 600
.st:
    lea ecx, [sbuf + eax]
    mov [r_esi], ecx
    lea ecx, [dbuf + eax]
    mov [r_edi], ecx
    ; element K's offset from the start: ±K * size
    mov eax, K
    imul eax, [p_size]
    cmp dword [p_df], 0
    je .fwd
    neg eax
.fwd:
    mov [k_off], eax
    mov ecx, [p_count]
    cmp dword [p_mode], 0
    jne .cnt
    mov ecx, 0x55                      ; without REP, ECX is neither used nor changed
.cnt:
    mov [r_ecx], ecx
    mov dword [r_eax], 0xc3b2a190
    mov eax, [p_df]
    shl eax, 10
    or eax, ARITH | 2
    mov [r_flags], eax
    mov eax, [p_op]
    cmp eax, 3
    je .cmps
    cmp eax, 4
    je .scas
    ret
.cmps:
    ; equal buffers; REPE: element K differs; REPNE: all differ but element K
    mov esi, sbuf
    mov edi, dbuf
    mov ecx, BUFSZ
.copy:
    mov al, [esi]
    cmp dword [p_mode], 2
    jne .c1
    not al
.c1:
    mov [edi], al
    inc esi
    inc edi
    dec ecx
    jnz .copy
    cmp dword [p_mode], 0
    je .r
    mov edi, [r_edi]
    add edi, [k_off]
    mov esi, [r_esi]
    add esi, [k_off]
    mov ecx, [p_size]
.ck:
    mov al, [esi]
    cmp dword [p_mode], 2
    je .c2
    not al
.c2:
    mov [edi], al
    inc esi
    inc edi
    dec ecx
    jnz .ck
.r:
    ret
.scas:
    cmp dword [p_mode], 1
    je .repe
    ; REPNE (and no prefix): look for element K's value
    mov edi, [r_edi]
    add edi, [k_off]
    mov eax, [edi]
    cmp dword [p_size], 4
    je .se
    and eax, 0xffff
    or eax, 0x12340000
    cmp dword [p_size], 2
    je .se
    and eax, 0xff
    or eax, 0x12345600
.se:
    mov [r_eax], eax
    ret
.repe:
    ; REPE: a run of 0x5a bytes ending at element K
    mov edi, dbuf
    mov ecx, BUFSZ
.f5:
    mov byte [edi], 0x5a
    inc edi
    dec ecx
    jnz .f5
    mov edi, [r_edi]
    add edi, [k_off]
    mov dword [edi], 0xa5a5a5a5
    mov dword [r_eax], 0x5a5a5a5a
    ret

; report: print "NAME: " then ESI EDI (relative to r_esi/r_edi) ECX EAX flags and the buffer hash.
report:
    call tl_puts
    mov al, ':'
    out DEBUGCON, al
    call tl_space
    mov eax, [o_esi]
    sub eax, [r_esi]
    call tl_hex32
    call tl_space
    mov eax, [o_edi]
    sub eax, [r_edi]
    call tl_hex32
    call tl_space
    mov eax, [o_ecx]
    call tl_hex32
    call tl_space
    mov eax, [o_eax]
    call tl_hex32
    call tl_space
    mov eax, [o_flags]
    and eax, ARITH | 0x400
    call tl_hex16
    call tl_space
    mov dword [tl_h], 0
    mov esi, [h_start]
.h:
    mov eax, [esi]
    call tl_hash
    add esi, 4
    cmp esi, [h_end]
    jb .h
    mov eax, [tl_h]
    call tl_hex32
    jmp tl_nl

; save the results of the instruction just run (flags first)
%macro SAVE 0
    pushfd
    pop dword [o_flags]
    cld
    mov [o_esi], esi
    mov [o_edi], edi
    mov [o_ecx], ecx
    mov [o_eax], eax
%endmacro

; ---- the sweep
%assign NC 0
%macro SCASE 6                         ; op name, size suffix, df, prefix (or none), count, op id
%defstr S1 %1
%defstr S2 %2
%defstr S3 %4
%defstr S4 %5
%defstr S5 %3
%ifidn %4, none
%strcat TN S1, S2, " df", S5
%else
%strcat TN S3, " ", S1, S2, " df", S5, " n", S4
%endif
c_%[NC]:
    mov dword [p_op], %6
%ifidn %2, b
    mov dword [p_size], 1
%elifidn %2, w
    mov dword [p_size], 2
%else
    mov dword [p_size], 4
%endif
    mov dword [p_df], %3
%ifidn %4, none
    mov dword [p_mode], 0
%elifidn %4, repne
    mov dword [p_mode], 2
%else
    mov dword [p_mode], 1
%endif
    mov dword [p_count], %5
    call setup
    mov esi, [r_esi]
    mov edi, [r_edi]
    mov ecx, [r_ecx]
    mov eax, [r_eax]
    push dword [r_flags]
    popfd
%ifidn %4, none
    %1%2
%else
    %4 %1%2
%endif
    SAVE
    mov dword [h_start], sbuf
    mov dword [h_end], dbuf + BUFSZ
    mov esi, %%name
    jmp report
%%name: db TN, 0
%assign NC NC + 1
%endmacro

%macro SWEEP1 4                        ; op, op id, 1 when REPE/REPNE apply, size suffix
SCASE %1, %4, df, none, 0, %2
%if %3
SCASE %1, %4, df, repe, 0, %2
SCASE %1, %4, df, repe, 1, %2
SCASE %1, %4, df, repe, 7, %2
SCASE %1, %4, df, repe, 100, %2
SCASE %1, %4, df, repne, 0, %2
SCASE %1, %4, df, repne, 1, %2
SCASE %1, %4, df, repne, 7, %2
SCASE %1, %4, df, repne, 100, %2
%else
SCASE %1, %4, df, rep, 0, %2
SCASE %1, %4, df, rep, 1, %2
SCASE %1, %4, df, rep, 7, %2
SCASE %1, %4, df, rep, 100, %2
%endif
%endmacro
%macro SWEEP 3                         ; op, op id, 1 when REPE/REPNE apply
%assign df 0
%rep 2
SWEEP1 %1, %2, %3, b
SWEEP1 %1, %2, %3, w
SWEEP1 %1, %2, %3, d
%assign df df + 1
%endrep
%endmacro
SWEEP movs, 0, 0
SWEEP stos, 1, 0
SWEEP lods, 2, 0
SWEEP cmps, 3, 1
SWEEP scas, 4, 1

; ---- 16-bit address size and segment overrides. wsetup fills the window segment's bytes
; [0, 0x400) and [0xfc00, 0x10400) with w[i] = 11i + 5 (i the offset) and sets the hash range to
; them; DS and ES are loaded by each case and reset to flat by wdone.
wsetup:
    mov edi, TL_WINDOW_BASE
.a:
    mov eax, edi
    sub eax, TL_WINDOW_BASE
    imul eax, 11
    add eax, 5
    mov [edi], al
    inc edi
    cmp edi, TL_WINDOW_BASE + 0x400
    jne .b
    mov edi, TL_WINDOW_BASE + 0xfc00
.b:
    cmp edi, TL_WINDOW_BASE + 0x10400
    jb .a
    call setup
    ret
wdone:
    mov ax, TL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov [o_eax], ebx                   ; (the case left its EAX in EBX)
    mov dword [r_esi], 0
    mov dword [r_edi], 0
    ; hash both window ranges: [0, 0x400) then [0xfc00, 0x10400)
    mov dword [h_start], TL_WINDOW_BASE
    mov dword [h_end], TL_WINDOW_BASE + 0x400
    push esi
    mov dword [tl_h], 0
    mov esi, TL_WINDOW_BASE + 0xfc00
.h:
    mov eax, [esi]
    call tl_hash
    add esi, 4
    cmp esi, TL_WINDOW_BASE + 0x10400
    jb .h
    mov eax, [tl_h]
    mov [w_hash], eax
    pop esi
    call tl_puts
    mov al, ':'
    out DEBUGCON, al
    call tl_space
    mov eax, [o_esi]
    call tl_hex32
    call tl_space
    mov eax, [o_edi]
    call tl_hex32
    call tl_space
    mov eax, [o_ecx]
    call tl_hex32
    call tl_space
    mov eax, [o_eax]
    call tl_hex32
    call tl_space
    mov eax, [o_flags]
    and eax, ARITH | 0x400
    call tl_hex16
    call tl_space
    mov eax, [w_hash]
    call tl_hex32
    call tl_space
    mov dword [tl_h], 0
    mov esi, TL_WINDOW_BASE
.h2:
    mov eax, [esi]
    call tl_hash
    add esi, 4
    cmp esi, TL_WINDOW_BASE + 0x400
    jb .h2
    mov eax, [tl_h]
    call tl_hex32
    call tl_nl
    ; and the flat buffers
    mov dword [tl_h], 0
    mov esi, sbuf
.h3:
    mov eax, [esi]
    call tl_hash
    add esi, 4
    cmp esi, dbuf + BUFSZ
    jb .h3
    mov al, ' '
    out DEBUGCON, al
    out DEBUGCON, al
    mov eax, [tl_h]
    call tl_hex32
    jmp tl_nl

; WCASE name, ds, es, esi, edi, ecx, eax, df, instruction...
%macro WCASE 9+
c_%[NC]:
    mov dword [p_op], 0
    mov dword [p_size], 1
    mov dword [p_df], 0
    mov dword [p_mode], 0
    call wsetup
    mov ax, %2
    mov ds, ax
    mov ax, %3
    mov es, ax
    mov ax, TL_WINDOW
    mov fs, ax
    mov gs, ax
    mov esi, %4
    mov edi, %5
    mov ecx, %6
    mov eax, %7
%if %8
    push dword ARITH | 2 | 0x400
%else
    push dword ARITH | 2
%endif
    popfd
    %9
    pushfd
    cld
    pop dword [ss:o_flags]
    mov [ss:o_esi], esi
    mov [ss:o_edi], edi
    mov [ss:o_ecx], ecx
    mov ebx, eax
    mov esi, %%name
    jmp wdone
%%name: db %1, 0
%assign NC NC + 1
%endmacro
W equ TL_WINDOW
D equ TL_DATA32
WCASE "a16 rep movsb (SI wraps)", W, W, 0x1234fff0, 0x56780100, 0xabcd0030, 0, 0, a16 rep movsb
WCASE "a16 rep movsb df1 (DI wraps)", W, W, 0x00000300, 0x00000010, 0xabcd0030, 0, 1, a16 rep movsb
WCASE "a16 rep stosw (DI wraps)", W, W, 0, 0xfff8, 10, 0x77665544, 0, a16 rep stosw
WCASE "a16 rep stosd df1 (DI wraps down)", W, W, 0, 0x0008, 6, 0x8899aabb, 1, a16 rep stosd
WCASE "a16 movsw straddling 64K", W, W, 0xffff, 0x200, 0, 0, 0, a16 movsw
WCASE "a16 movsd straddling 64K", W, W, 0x100, 0xfffe, 0, 0, 0, a16 movsd
WCASE "a16 lodsd df1 (SI wraps)", W, W, 0xffff0002, 0, 0, 0, 1, a16 lodsd
WCASE "a16 repe cmpsb across the wrap", W, W, 0xfff8, 0xfff8, 0x20, 0, 0, a16 repe cmpsb
WCASE "a16 repne scasb across the wrap", W, W, 0, 0xfff0, 0x40, 0xc8, 0, a16 repne scasb
WCASE "a16 rep movsb cx=0 (ECX high kept)", W, W, 0x10, 0x20, 0xffff0000, 0, 0, a16 rep movsb
WCASE "a32 rep movsd in the window", W, W, 0x10000, 0x100, 8, 0, 0, rep movsd
WCASE "fs rep movsd (source FS)", D, D, 0x100, dbuf + 16, 8, 0, 0, fs rep movsd
WCASE "es lodsw (source ES)", W, D, sbuf + 4, 0, 0, 0, 0, es lodsw
WCASE "cs repe cmpsb (source CS)", W, D, sbuf + 16, sbuf + 16, 12, 0, 0, cs repe cmpsb
WCASE "gs scasb (ES:EDI whatever the override)", D, D, 0, sbuf + 3, 0, 0x18, 0, gs scasb
WCASE "fs rep stosb (ES:EDI whatever the override)", D, D, 0, dbuf + 32, 5, 0x99, 0, fs rep stosb
WCASE "ss rep lodsb df1 (source SS)", W, W, sbuf + 40, 0, 4, 0, 1, ss rep lodsb
WCASE "a16 fs rep movsw (FS:SI wraps)", D, W, 0xfffc, 0x40, 4, 0, 0, a16 fs rep movsw

NCASES equ NC
cases:
%assign i 0
%rep NC
    dd c_%[i]
%assign i i + 1
%endrep

%include "include/console.inc"
%include "include/testlib.inc"

banner:   db "strings: name: esi edi ecx eax flags hash", 10, 0
msg_done: db "done", 10, 0
    align 4
cur:     dd 0
p_op:    dd 0
p_size:  dd 0
p_df:    dd 0
p_mode:  dd 0
p_count: dd 0
k_off:   dd 0
r_esi:   dd 0
r_edi:   dd 0
r_ecx:   dd 0
r_eax:   dd 0
r_flags: dd 0
o_esi:   dd 0
o_edi:   dd 0
o_ecx:   dd 0
o_eax:   dd 0
o_flags: dd 0
h_start: dd 0
h_end:   dd 0
w_hash:  dd 0
BUFSZ equ 1024
    align 16
sbuf: times BUFSZ db 0
dbuf: times BUFSZ db 0
    align 16
stack:    times 4096 db 0
stack_top:
ELF_END
