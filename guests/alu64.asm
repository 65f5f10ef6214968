; alu64.asm — differential test of the integer instructions in 64-bit mode (QEMU is the oracle, run
; with `qemu-ref --64`): the alu.asm scheme (random operands with edge values, random input flags,
; results and SDM-defined flags hashed per test, the first cases printed) for 64-bit operand size and
; what only long mode has: REX byte registers (SIL, DIL, R8B...), 32-bit results zero-extending into
; the full register (CMOVcc included, even when it does not move), 16-bit results keeping the upper
; bits, shifts and SHLD/SHRD with counts 0..65 (masked to 6 bits), MUL/IMUL/DIV/IDIV 128-bit (#DE
; caught), bit scans and tests with 64-bit offsets, BSWAP/MOVBE/XADD/CMPXCHG r64, CMPXCHG16B (equal,
; unequal, misaligned → #GP(0)), MOVSXD, CQO, CDQE, string instructions with RSI/RDI and with the 67
; prefix (ESI/EDI), ENTER/LEAVE with 8-byte frames, PUSH/POP with a 66 prefix, RIP-relative LEA.
; Ends with the exit device, value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

NITER   equ 256
NSAMPLE equ 3
CF equ 0x1
PF equ 0x4
AF equ 0x10
ZF equ 0x40
SF equ 0x80
OF equ 0x800
ARITH equ CF | PF | AF | ZF | SF | OF
LOGIC equ ARITH & ~AF
MULF  equ CF | OF
SH_SHIFT equ 1 << 8
SH_SAR   equ 2 << 8
SH_ROT   equ 3 << 8
SH_DBL   equ 5 << 8

_start:
    mov esp, stack_top
    jmp tl64_boot

bits 64
main64:
    lea rdi, [btbuf]
.fillbt:
    call tl_rand
    mov [rdi], rax
    add rdi, 8
    lea rax, [btbuf_end]
    cmp rdi, rax
    jb .fillbt
    lea rsi, [banner]
    call tl_puts
    mov qword [cur], 0
.test:
    mov rbx, [cur]
    cmp rbx, NTESTS
    jae .done
    lea rax, [tests]
    mov rbx, [rax + rbx * 8]
    mov [rec], rbx
    mov rsi, [rbx]
    call tl_puts
    call tl_nl
    mov qword [tl_h], 0
    mov qword [iter], 0
.iter:
    call tl_operand
    mov [in_a], rax
    call tl_operand
    mov [in_b], rax
    call tl_operand
    mov [in_d], rax
    call tl_operand
    mov [in_p], rax
    call tl_rand
    and eax, ARITH
    or eax, 2
    mov [in_f], rax
    call tl_rand
    and eax, 0xff
    mov rbx, [rec]
    test qword [rbx + 16], 1           ; kind 1: counts 0..65 in order first
    jz .cset
    mov rcx, [iter]
    cmp rcx, 66 * 3
    jae .cset
    mov rax, rcx
    xor edx, edx
    mov ecx, 66
    div rcx
    mov rax, rdx
.cset:
    mov [in_c], rax
    mov rdi, [rbx + 8]
    lea rax, [rbx + 24]
    mov [fnp], rax
    mov rax, [in_a]
    mov rbx, [in_b]
    mov rcx, [in_c]
    mov rdx, [in_d]
    mov rbp, [in_p]
    push qword [in_f]
    popfq
    call [fnp]
    cld
    and rsi, rdi
    mov [out_a], rax
    mov [out_d], rdx
    mov [out_f], rsi
    call tl_hash
    mov rax, rdx
    call tl_hash
    mov rax, rsi
    call tl_hash
    cmp qword [iter], NSAMPLE
    jae .next
    lea rsi, [in_a]
    mov ecx, 6
.pin:
    call tl_space
    lodsq
    call tl_hex64
    dec ecx
    jnz .pin
    mov al, ' '
    out 0xe9, al
    mov al, '>'
    out 0xe9, al
    mov ecx, 3
.pout:
    call tl_space
    lodsq
    call tl_hex64
    dec ecx
    jnz .pout
    call tl_nl
.next:
    inc qword [iter]
    cmp qword [iter], NITER
    jb .iter
    mov al, '='
    out 0xe9, al
    call tl_space
    mov rax, [tl_h]
    call tl_hex64
    call tl_nl
    inc qword [cur]
    jmp .test
.done:
    lea rsi, [msg_done]
    call tl_puts
    mov al, 0
    out 0xf4, al
    hlt

; shmask: RDI = class << 8 | bits, RCX = the count as executed. Returns RDI = the SDM-defined flags
; (see alu.asm); the count mask is 63 for 64-bit operands and 31 otherwise.
shmask:
    cmp dil, 64
    jne .m31
    and ecx, 63
    jmp .m
.m31:
    and ecx, 31
.m:
    jz .all
    mov rbp, rdi
    and edi, 0xff
    and ebp, 0xff00
    cmp ebp, SH_ROT
    je .rot
    cmp ebp, SH_DBL
    je .dbl
    cmp ebp, SH_SAR
    je .dbl
    cmp ecx, edi
    mov edi, PF | ZF | SF
    jae .of
    or edi, CF
    jmp .of
.rot:
    mov edi, ARITH & ~OF
    jmp .of
.dbl:
    mov edi, PF | ZF | SF | CF
.of:
    cmp ecx, 1
    jne .r
    or edi, OF
.r:
    ret
.all:
    mov edi, ARITH
    ret

%assign NT 0
%macro TEST 2-3 0
%%name: db %1, 0
    align 8
t_%[NT]:
    dq %%name, %2, %3
%assign NT NT + 1
%endmacro
%macro FL 0
    pushfq
    pop rsi
    ret
%endmacro
%macro SHEND 1
    pushfq
    pop rsi
    mov edi, %1
    jmp shmask
%endmacro

%macro ALU 2
%defstr OPN %1
%strcat TN OPN, " r64"
TEST TN, %2
    %1 rax, rbx
    FL
%strcat TN OPN, " r64 rex"
TEST TN, %2
    mov r9, rbp
    %1 r9, rdx
    mov rdx, r9
    FL
%strcat TN OPN, " r64,m64"
TEST TN, %2
    mov [scr], rbx
    %1 rax, [scr]
    FL
%strcat TN OPN, " m64,r64"
TEST TN, %2
    mov [scr], rax
    %1 [scr], rbx
    mov rax, [scr]
    FL
%strcat TN OPN, " rax,i32"
TEST TN, %2
    %1 rax, -0x7ffffff0
    FL
%strcat TN OPN, " r64,i8"
TEST TN, %2
    %1 rdx, byte -2
    FL
%strcat TN OPN, " m64,i32"
TEST TN, %2
    mov [scr], rax
    %1 qword [scr], 0x12345678
    mov rax, [scr]
    FL
%strcat TN OPN, " r32 (zero-extends)"
TEST TN, %2
    %1 eax, ebx
    FL
%strcat TN OPN, " r16 (keeps 63:16)"
TEST TN, %2
    %1 ax, bx
    FL
%strcat TN OPN, " sil,dil"
TEST TN, %2
    mov rsi, rax
    mov rdi, rbx
    %1 sil, dil
    mov rax, rsi
    mov edi, %2
    FL
%strcat TN OPN, " r8b,r15b"
TEST TN, %2
    mov r8, rax
    mov r15, rbx
    %1 r8b, r15b
    mov rax, r8
    FL
%endmacro
ALU add, ARITH
ALU adc, ARITH
ALU sub, ARITH
ALU sbb, ARITH
ALU cmp, ARITH
ALU and, LOGIC
ALU or, LOGIC
ALU xor, LOGIC
TEST "test r64", LOGIC
    test rax, rbx
    FL
TEST "test r64,i32", LOGIC
    test rbx, -0x7fff0000
    FL

%macro UNARY 2
%defstr OPN %1
%strcat TN OPN, " r64"
TEST TN, %2
    %1 rax
    FL
%strcat TN OPN, " r12"
TEST TN, %2
    mov r12, rdx
    %1 r12
    mov rdx, r12
    FL
%strcat TN OPN, " m64"
TEST TN, %2
    mov [scr], rax
    %1 qword [scr]
    mov rax, [scr]
    FL
%strcat TN OPN, " r32"
TEST TN, %2
    %1 eax
    FL
%strcat TN OPN, " spl"
TEST TN, %2
    mov r10, rsp
    mov rsp, rax
    %1 spl
    mov rax, rsp
    mov rsp, r10
    FL
%endmacro
UNARY neg, ARITH
UNARY not, ARITH
UNARY inc, ARITH
UNARY dec, ARITH

%macro SHIFTS 2
%defstr OPN %1
%strcat TN OPN, " r64,cl"
TEST TN, 0, 1
    %1 rax, cl
    SHEND %2 | 64
%strcat TN OPN, " r11,cl"
TEST TN, 0, 1
    mov r11, rbp
    %1 r11, cl
    mov rdx, r11
    SHEND %2 | 64
%strcat TN OPN, " m64,cl"
TEST TN, 0, 1
    mov [scr], rax
    %1 qword [scr], cl
    mov rax, [scr]
    SHEND %2 | 64
%strcat TN OPN, " r64,1"
TEST TN, 0
    %1 rax, 1
    mov ecx, 1
    SHEND %2 | 64
%strcat TN OPN, " r64,i8"
TEST TN, 0
    %1 rax, 33
    mov ecx, 33
    SHEND %2 | 64
%strcat TN OPN, " r64,63"
TEST TN, 0
    %1 rdx, 63
    mov ecx, 63
    SHEND %2 | 64
%strcat TN OPN, " r32,cl"
TEST TN, 0, 1
    %1 eax, cl
    SHEND %2 | 32
%strcat TN OPN, " r8b,cl"
TEST TN, 0, 1
    mov r8, rax
    %1 r8b, cl
    mov rax, r8
    SHEND %2 | 8
%endmacro
SHIFTS rol, SH_ROT
SHIFTS ror, SH_ROT
SHIFTS rcl, SH_ROT
SHIFTS rcr, SH_ROT
SHIFTS shl, SH_SHIFT
SHIFTS shr, SH_SHIFT
SHIFTS sar, SH_SAR

%macro DOUBLE 1
%defstr OPN %1
%strcat TN OPN, " r64,r64,cl"
TEST TN, 0, 1
    %1 rax, rbx, cl
    SHEND SH_DBL | 64
%strcat TN OPN, " m64,r64,cl"
TEST TN, 0, 1
    mov [scr], rax
    %1 [scr], rbp, cl
    mov rax, [scr]
    SHEND SH_DBL | 64
%strcat TN OPN, " r64,r64,i8"
TEST TN, 0
    %1 rax, rbx, 37
    mov ecx, 37
    SHEND SH_DBL | 64
%strcat TN OPN, " r32,r32,cl"
TEST TN, 0, 1
    %1 eax, ebx, cl
    SHEND SH_DBL | 32
%endmacro
DOUBLE shld
DOUBLE shrd

TEST "mul r64", MULF
    mul rbx
    FL
TEST "mul m64", MULF
    mov [scr], rbp
    mul qword [scr]
    FL
TEST "imul r64", MULF
    imul rbx
    FL
TEST "imul r64,r64", MULF
    imul rax, rbx
    FL
TEST "imul r64,m64", MULF
    mov [scr], rbx
    imul rdx, [scr]
    FL
TEST "imul r64,r64,i8", MULF
    imul rax, rbx, -3
    FL
TEST "imul r64,r64,i32", MULF
    imul rax, rbx, 0x12345
    FL
TEST "imul r32,r32 (zero-extends)", MULF
    imul eax, ebx
    FL
TEST "mul r32 (zero-extends)", MULF
    mul ebx
    FL

%macro DIVT 3                          ; name, instruction, operand
TEST %1, -1
    mov qword [tl_vec], 0xff
    lea rsi, [%%after]
    mov [tl_resume], rsi
    and ecx, 3
    jz %%go
    cmp ecx, 1
    jne %%n2
    cqo
    jmp %%go
%%n2:
    cmp ecx, 2
    jne %%n3
    and rdx, rbx
    shr rdx, 1
    jmp %%go
%%n3:
    xor edx, edx
%%go:
    %2 %3
%%after:
    mov qword [tl_resume], 0
    mov rsi, [tl_vec]
    ret
%endmacro
DIVT "div r64", div, rbx
DIVT "div m64", div, qword [in_b]
DIVT "idiv r64", idiv, rbx
DIVT "idiv m64", idiv, qword [in_b]
DIVT "div r32 (zero-extends)", div, ebx

TEST "bsf r64", ZF
    bsf rax, rbx
    FL
TEST "bsr r64", ZF
    bsr rax, rbx
    FL
TEST "tzcnt r64", CF | ZF
    tzcnt rax, rbx
    FL
TEST "lzcnt r64", CF | ZF
    lzcnt rax, rbx
    FL
TEST "popcnt r64", ARITH
    popcnt rax, rbx
    FL
TEST "popcnt r64,m64", ARITH
    mov [scr], rbx
    popcnt rax, [scr]
    FL
TEST "bsf r32 (zero-extends; a zero source leaves the destination undefined)", ZF
    bts ebx, 17
    bsf eax, ebx
    FL

; bit tests: register forms with the offset masked to 6 bits; memory forms with a signed 64-bit
; offset (RBP >> 52 is within ±2048 bits of the middle of btbuf)
%macro BITT 1
%defstr OPN %1
%strcat TN OPN, " r64,r64"
TEST TN, CF | ZF
    %1 rbx, rcx
    mov rax, rbx
    FL
%strcat TN OPN, " r64,i8"
TEST TN, CF | ZF
    %1 rax, 45
    FL
%strcat TN OPN, " m64,i8"
TEST TN, CF | ZF
    mov [scr], rbx
    %1 qword [scr], 61
    mov rax, [scr]
    FL
%strcat TN OPN, " m64,r64"
TEST TN, CF | ZF
    sar rbp, 52
    push qword [in_f]
    popfq
    %1 [btbuf_mid], rbp
    pushfq
    pop rsi
    mov rdx, rbp
    sar rbp, 3
    and rbp, ~7
    lea rax, [btbuf_mid]
    mov rax, [rax + rbp]
    ret
%strcat TN OPN, " m32,r32"
TEST TN, CF | ZF
    sar rbp, 52
    push qword [in_f]
    popfq
    %1 [btbuf_mid + 4], ebp
    pushfq
    pop rsi
    mov rdx, rbp
    movsxd rbp, ebp
    sar rbp, 3
    and rbp, ~3
    lea rax, [btbuf_mid + 4]
    mov eax, [rax + rbp]
    ret
%endmacro
BITT bt
BITT bts
BITT btr
BITT btc

TEST "bswap r64", ARITH
    bswap rax
    bswap r9
    mov rdx, r9
    FL
TEST "bswap r32 (zero-extends)", ARITH
    bswap eax
    FL
TEST "xadd r64", ARITH
    xadd rax, rbx
    mov rdx, rbx
    FL
TEST "xadd m64", ARITH
    mov [scr], rax
    xadd [scr], rbx
    mov rax, [scr]
    mov rdx, rbx
    FL
TEST "cmpxchg r64", ARITH
    test cl, 1
    jz .n
    mov rax, rbx
.n:
    cmpxchg rbx, rdx
    mov rdx, rbx
    FL
TEST "cmpxchg r32 (rax zero-extended on failure)", ARITH
    test cl, 1
    jz .n
    mov eax, ebx
.n:
    cmpxchg ebx, edx
    mov rdx, rbx
    FL
TEST "cmpxchg m64", ARITH
    mov [scr], rbx
    test cl, 1
    jz .n
    mov rax, rbx
.n:
    cmpxchg [scr], rdx
    mov rdx, [scr]
    FL
; CMPXCHG16B: ECX bit 0 → RDX:RAX equal to the memory; bit 1 → a misaligned operand (#GP(0));
; returns RAX/RDX xor the memory's halves, ESI bits 16+ the vector (0xff: none)
TEST "cmpxchg16b", ARITH
    mov qword [tl_vec], 0xff
    lea rsi, [.after]
    mov [tl_resume], rsi
    mov [cx16buf], rbx
    mov [cx16buf + 8], rbp
    mov [cx16buf + 16], rbx
    mov [cx16buf + 24], rbp
    lea rdi, [cx16buf]
    test cl, 2
    jz .al
    add rdi, 8
.al:
    pushfq
    test cl, 1
    jz .ne
    mov rax, [rdi]
    mov rdx, [rdi + 8]
.ne:
    mov rbx, rcx
    mov rcx, [in_a]
    popfq
    cmpxchg16b [rdi]
.after:
    pushfq
    pop rsi
    mov qword [tl_resume], 0
    mov rdi, [tl_vec]
    shl rdi, 16
    or rsi, rdi
    mov edi, ARITH | 0xff0000
    lea rbx, [cx16buf]
    xor rax, [rbx]
    xor rax, [rbx + 16]
    xor rdx, [rbx + 8]
    xor rdx, [rbx + 24]
    ret
TEST "movbe r64,m64", ARITH
    mov [scr], rbx
    movbe rax, [scr]
    FL
TEST "movbe m64,r64", ARITH
    movbe [scr], rbx
    mov rax, [scr]
    FL
TEST "movbe r32,m32 (zero-extends)", ARITH
    mov [scr], rbx
    movbe eax, [scr]
    FL

%macro CMOVS 16
%rep 16
%defstr OPN %1
%strcat TN "cmov", OPN, " r64 / r32"
TEST TN, ARITH
    cmov%1 rax, rbx
    mov [scr], rbp
    cmov%1 edx, [scr]
    FL
%rotate 1
%endrep
%endmacro
CMOVS o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g

TEST "movsxd cdqe cqo", ARITH
    movsxd rdx, ebx
    cdqe
    mov [scr], rax
    mov rax, rdx
    cqo
    xor rax, [scr]
    FL
TEST "movzx movsx r64", ARITH
    movzx rax, bx
    movsx rdx, bl
    FL
TEST "lea forms", ARITH
    lea rax, [rax + rbx * 8 + 0x7fffffff]
    lea edx, [rdx + rbp * 2 - 1]
    lea rcx, [rel $]
    lea rsi, [rel t_0]
    sub rsi, rcx
    add rax, rsi
    FL
TEST "push/pop 16-bit, 64-bit", ARITH
    mov r10, rsp
    push ax
    push rbx
    push word 0x1234
    pop dx
    pop rax
    mov rbp, r10
    sub rbp, rsp
    pop cx
    shl rdx, 16
    or rdx, rbp
    shl rdx, 16
    or dx, cx
    FL

; strings with 64-bit and 32-bit (67) address size: RCX bit 0 picks DF
%macro STRT 2                          ; name, instruction
TEST %1, ARITH
    lea rsi, [sbuf + 64]
    lea rdi, [dbuf + 64]
    mov r8, rsi
    mov r9, rdi
    mov r10, 0xffffffff00000000
    mov [sbuf + 64], rbx
    mov [sbuf + 72], rbp
    mov [dbuf + 64], rbx
    mov [dbuf + 72], rdx
    and ecx, 7
    pushfq
    test cl, 1
    jz %%f
    popfq
    std
    jmp %%g
%%f:
    popfq
%%g:
    %2
    pushfq
    cld
    sub rsi, r8
    sub rdi, r9
    shl rsi, 16
    add rdi, rsi
    shl rdi, 8
    add rdi, rcx
    xor rax, [dbuf + 64]
    xor rax, [dbuf + 72]
    mov rdx, rdi
    pop rsi
    mov edi, ARITH
    ret
%endmacro
STRT "rep movsq", rep movsq
STRT "rep stosq", rep stosq
STRT "lodsq", lodsq
STRT "repe cmpsq", repe cmpsq
STRT "repne scasq", repne scasq
STRT "a32 rep movsd (ecx)", a32 rep movsd
STRT "a32 rep stosw", a32 rep stosw
STRT "rep movsb", rep movsb

; ENTER/LEAVE with 8-byte (and 66: 2-byte) frames; the display comes from RAX, RBX.
%macro ENTERT 3                        ; size, level, prefix
%defstr OPN %2
%defstr PFX %3
%strcat TN "enter ", PFX, " level ", OPN
TEST TN, 0
    mov [saved_rsp], rsp
    lea rdi, [enter_area]
    lea rsi, [enter_top]
.clear:
    mov qword [rdi], 0
    add rdi, 8
    cmp rdi, rsi
    jb .clear
    lea rdi, [enter_disp]
    mov esi, 40
.disp:
    sub rdi, 8
    mov [rdi], rax
    add rax, rbx
    dec esi
    jnz .disp
    lea rbp, [enter_disp]
    lea rsp, [enter_top]
    %3 enter %1, %2
    mov rax, rsp
    mov rdx, rbp
    %3 leave
    mov rcx, rsp
    mov rsi, rbp
    mov rsp, [saved_rsp]
    lea rdi, [enter_top]
    sub rax, rdi
    sub rdx, rdi
    sub rcx, rdi
    push rax
    mov rax, rcx
    call tl_hash
    mov rax, rsi
    call tl_hash
    lea rsi, [enter_area]
.h:
    mov rax, [rsi]
    call tl_hash
    add rsi, 8
    cmp rsi, rdi
    jb .h
    pop rax
    xor esi, esi
    ret
%endmacro
%assign lv 0
%rep 7
ENTERT 0x18, lv, o64
%assign lv lv + 1
%endrep
ENTERT 0x18, 31, o64
ENTERT 8, 3, o16

NTESTS equ NT
    align 8
tests:
%assign i 0
%rep NT
    dq t_%[i]
%assign i i + 1
%endrep

%include "include/testlib64.inc"

banner:   db "alu64: 64-bit integer instruction sweeps (a b c d p flags > rax rdx flags)", 10, 0
msg_done: db "done", 10, 0
    align 8
cur:   dq 0
rec:   dq 0
iter:  dq 0
fnp:   dq 0
in_a:  dq 0
in_b:  dq 0
in_c:  dq 0
in_d:  dq 0
in_p:  dq 0
in_f:  dq 0
out_a: dq 0
out_d: dq 0
out_f: dq 0
scr:   dq 0, 0
saved_rsp: dq 0
    align 16
cx16buf: times 4 dq 0
sbuf:  times 256 db 0
dbuf:  times 256 db 0
btbuf: times 512 db 0
btbuf_mid: times 512 db 0
btbuf_end:
enter_area: times 512 db 0
enter_top:
    times 64 db 0
    times 384 db 0
enter_disp:
    align 16
stack:    times 8192 db 0
stack_top:
ELF_END
