; alu.asm — differential test of the general-purpose integer instructions (QEMU is the oracle).
; Every test below runs NITER times on operands from a xorshift32 generator (a quarter of them edge
; values: 0, 1, 0x7f, 0x80, 0xffff, 0x80000000, ...) with random input flags; its results (EAX, EDX and
; EFLAGS masked to the flags the Intel SDM defines for that instruction and count) are folded into a
; hash. Per test it prints the name, the first NSAMPLE cases in full ("a b c d flags > EAX EDX flags")
; and the hash ("= h"), so a mismatch shows which instruction and, often, which case.
; Covered: ADD ADC SUB SBB CMP AND OR XOR TEST NEG NOT INC DEC (8/8h/16/32, register, memory and
; immediate forms), ROL ROR RCL RCR SHL SHR SAR (CL counts 0..33 and random, 1, imm8, memory), SHLD
; SHRD, MUL, IMUL (all forms), DIV/IDIV with #DE caught by an IDT handler, BSF BSR BT BTS BTR BTC
; (register, immediate, memory with large signed offsets), TZCNT LZCNT POPCNT, BSWAP, XADD, CMPXCHG,
; CMPXCHG8B, MOVBE, CMOVcc, SETcc, ENTER (nesting 0..33, 16/32-bit), LEAVE, SAHF, LAHF, CBW CWDE CWD
; CDQ, MOVSX/MOVZX. Ends with the exit device, value 0.
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
LOGIC equ ARITH & ~AF                  ; AND/OR/XOR/TEST: AF undefined
MULF  equ CF | OF                      ; MUL/IMUL: SF ZF AF PF undefined
; shmask classes (EDI = class << 8 | operand bits)
SH_SHIFT equ 1 << 8
SH_SAR   equ 2 << 8
SH_ROT   equ 3 << 8
SH_DBL16 equ 4 << 8
SH_DBL32 equ 5 << 8

_start:
    mov esp, stack_top
    call tl_init
    ; the bit-test buffer starts with random contents
    mov edi, btbuf
.fillbt:
    call tl_rand
    mov [edi], eax
    add edi, 4
    cmp edi, btbuf_end
    jb .fillbt
    mov esi, banner
    call tl_puts
    mov dword [cur], 0
.test:
    mov ebx, [cur]
    cmp ebx, NTESTS
    jae .done
    mov ebx, [tests + ebx * 4]
    mov [rec], ebx
    mov esi, [ebx]
    call tl_puts
    call tl_nl
    mov dword [tl_h], 0
    mov dword [iter], 0
.iter:
    call tl_operand
    mov [in_a], eax
    call tl_operand
    mov [in_b], eax
    call tl_operand
    mov [in_d], eax
    call tl_operand
    mov [in_p], eax
    call tl_rand
    and eax, ARITH
    or eax, 2
    mov [in_f], eax
    call tl_rand
    and eax, 0xff
    mov ebx, [rec]
    test dword [ebx + 8], 1            ; kind 1: counts 0..33 in order first
    jz .cset
    mov ecx, [iter]
    cmp ecx, 34 * 4
    jae .cset
    mov eax, ecx
    xor edx, edx
    mov ecx, 34
    div ecx
    mov eax, edx
.cset:
    mov [in_c], eax
    mov edi, [ebx + 4]                 ; the defined-flags mask
    lea eax, [ebx + 12]
    mov [fnp], eax
    mov eax, [in_a]
    mov ebx, [in_b]
    mov ecx, [in_c]
    mov edx, [in_d]
    mov ebp, [in_p]
    push dword [in_f]
    popfd
    call [fnp]
    cld
    and esi, edi
    mov [out_a], eax
    mov [out_d], edx
    mov [out_f], esi
    call tl_hash
    mov eax, edx
    call tl_hash
    mov eax, esi
    call tl_hash
    cmp dword [iter], NSAMPLE
    jae .next
    mov esi, in_a                      ; a b c d p f > a d f
    mov ecx, 6
.pin:
    call tl_space
    lodsd
    call tl_hex32
    dec ecx
    jnz .pin
    mov al, ' '
    out DEBUGCON, al
    mov al, '>'
    out DEBUGCON, al
    mov ecx, 3
.pout:
    call tl_space
    lodsd
    call tl_hex32
    dec ecx
    jnz .pout
    call tl_nl
.next:
    inc dword [iter]
    cmp dword [iter], NITER
    jb .iter
    mov al, '='
    out DEBUGCON, al
    call tl_space
    mov eax, [tl_h]
    call tl_hex32
    call tl_nl
    inc dword [cur]
    jmp .test
.done:
    mov esi, msg_done
    call tl_puts
    xor eax, eax
    call exit_device

; shmask: EDI = class << 8 | bits, ECX = the count as executed. Returns in EDI the flags the SDM
; defines (SAL/SAR/SHL/SHR, ROL/ROR/RCL/RCR, SHLD/SHRD pages of Vol. 2): count & 31 = 0 → none
; changed (all defined); OF only for a count of 1; CF of SHL/SHR undefined for counts ≥ the operand
; size; AF undefined after any shift; SHLD/SHRD r16 with a count > 16: result and flags undefined
; (EAX zeroed). Clobbers EBP, ECX.
shmask:
    and ecx, 31
    jz .all
    mov ebp, edi
    and edi, 0xff
    and ebp, 0xff00
    cmp ebp, SH_ROT
    je .rot
    cmp ebp, SH_DBL16
    je .dbl16
    cmp ebp, SH_DBL32
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
.dbl16:
    cmp ecx, 16
    jbe .dbl
    xor edi, edi
    xor eax, eax
    ret
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

; ---------------------------------------------------------------------------------------------
; The tests. Each is a record (name, flags mask, kind) followed by its code: inputs EAX EBX ECX EDX
; EBP and EFLAGS; outputs EAX, EDX, ESI = EFLAGS, EDI = mask (preloaded with the record's).
%assign NT 0
%macro TEST 2-3 0
%%name: db %1, 0
    align 4
t_%[NT]:
    dd %%name, %2, %3
%assign NT NT + 1
%endmacro
%macro FL 0
    pushfd
    pop esi
    ret
%endmacro
; end a shift test: flags, then the mask for class %1 (with the count in ECX)
%macro SHEND 1
    pushfd
    pop esi
    mov edi, %1
    jmp shmask
%endmacro

; ---- group 1 (ADD OR ADC SBB AND SUB XOR CMP) and TEST
%macro ALU 2                           ; mnemonic, mask
%defstr OPN %1
%strcat TN OPN, " r8"
TEST TN, %2
    %1 al, bl
    FL
%strcat TN OPN, " r8h"
TEST TN, %2
    %1 ah, dh
    FL
%strcat TN OPN, " r8,m8"
TEST TN, %2
    mov [scr], bl
    %1 dl, [scr]
    FL
%strcat TN OPN, " m8,r8"
TEST TN, %2
    mov [scr], al
    %1 [scr], bh
    mov al, [scr]
    FL
%strcat TN OPN, " r16"
TEST TN, %2
    %1 ax, bx
    FL
%strcat TN OPN, " m16,r16"
TEST TN, %2
    mov [scr], dx
    %1 [scr], bp
    mov dx, [scr]
    FL
%strcat TN OPN, " r32"
TEST TN, %2
    %1 eax, ebx
    FL
%strcat TN OPN, " r32b"
TEST TN, %2
    %1 edx, ebp
    FL
%strcat TN OPN, " r32,m32"
TEST TN, %2
    mov [scr], ebx
    %1 eax, [scr]
    FL
%strcat TN OPN, " m32,r32"
TEST TN, %2
    mov [scr], eax
    %1 [scr], ebx
    mov eax, [scr]
    FL
%strcat TN OPN, " al,i8"
TEST TN, %2
    %1 al, 0x81
    FL
%strcat TN OPN, " r8,i8"
TEST TN, %2
    %1 bl, 0x7f
    mov eax, ebx
    FL
%strcat TN OPN, " ax,i16"
TEST TN, %2
    %1 ax, 0x8001
    FL
%strcat TN OPN, " r16,i8"
TEST TN, %2
    %1 dx, byte -3
    FL
%strcat TN OPN, " eax,i32"
TEST TN, %2
    %1 eax, 0x80000001
    FL
%strcat TN OPN, " r32,i8"
TEST TN, %2
    %1 ebx, byte -128
    mov eax, ebx
    FL
%strcat TN OPN, " r32,i32"
TEST TN, %2
    %1 edx, 0x7ffffff0
    FL
%strcat TN OPN, " m32,i8"
TEST TN, %2
    mov [scr], eax
    %1 dword [scr], byte 1
    mov eax, [scr]
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

TEST "test r8", LOGIC
    test al, bl
    FL
TEST "test r8h", LOGIC
    test ah, bh
    FL
TEST "test r16", LOGIC
    test ax, bx
    FL
TEST "test r32", LOGIC
    test eax, ebx
    FL
TEST "test m32,r32", LOGIC
    mov [scr], ebx
    test [scr], eax
    FL
TEST "test al,i8", LOGIC
    test al, 0x81
    FL
TEST "test eax,i32", LOGIC
    test eax, 0x80008001
    FL
TEST "test r8,i8", LOGIC
    test bl, 0x18
    FL
TEST "test r16,i16", LOGIC
    test bx, 0x8100
    FL

; ---- unary
%macro UNARY 2                         ; mnemonic, mask
%defstr OPN %1
%strcat TN OPN, " r8"
TEST TN, %2
    %1 al
    FL
%strcat TN OPN, " r8h"
TEST TN, %2
    %1 ah
    FL
%strcat TN OPN, " r16"
TEST TN, %2
    %1 dx
    FL
%strcat TN OPN, " r32"
TEST TN, %2
    %1 eax
    FL
%strcat TN OPN, " r32b"
TEST TN, %2
    %1 edx
    FL
%strcat TN OPN, " m8"
TEST TN, %2
    mov [scr], eax
    %1 byte [scr]
    mov eax, [scr]
    FL
%strcat TN OPN, " m16"
TEST TN, %2
    mov [scr], eax
    %1 word [scr]
    mov eax, [scr]
    FL
%strcat TN OPN, " m32"
TEST TN, %2
    mov [scr], eax
    %1 dword [scr]
    mov eax, [scr]
    FL
%endmacro
UNARY neg, ARITH
UNARY not, ARITH
UNARY inc, ARITH                       ; CF is kept: defined
UNARY dec, ARITH

; ---- shifts and rotates
%macro SHIFTS 2                        ; mnemonic, class
%defstr OPN %1
%strcat TN OPN, " r8,cl"
TEST TN, 0, 1
    %1 al, cl
    SHEND %2 | 8
%strcat TN OPN, " r8h,cl"
TEST TN, 0, 1
    %1 dh, cl
    SHEND %2 | 8
%strcat TN OPN, " r16,cl"
TEST TN, 0, 1
    %1 ax, cl
    SHEND %2 | 16
%strcat TN OPN, " r32,cl"
TEST TN, 0, 1
    %1 eax, cl
    SHEND %2 | 32
%strcat TN OPN, " r32b,cl"
TEST TN, 0, 1
    %1 ebp, cl
    mov edx, ebp
    SHEND %2 | 32
%strcat TN OPN, " m8,cl"
TEST TN, 0, 1
    mov [scr], eax
    %1 byte [scr], cl
    mov eax, [scr]
    SHEND %2 | 8
%strcat TN OPN, " m16,cl"
TEST TN, 0, 1
    mov [scr], eax
    %1 word [scr], cl
    mov eax, [scr]
    SHEND %2 | 16
%strcat TN OPN, " m32,cl"
TEST TN, 0, 1
    mov [scr], eax
    %1 dword [scr], cl
    mov eax, [scr]
    SHEND %2 | 32
%strcat TN OPN, " r8,1"
TEST TN, 0
    %1 bl, 1
    mov eax, ebx
    mov ecx, 1
    SHEND %2 | 8
%strcat TN OPN, " r16,1"
TEST TN, 0
    %1 ax, 1
    mov ecx, 1
    SHEND %2 | 16
%strcat TN OPN, " r32,1"
TEST TN, 0
    %1 eax, 1
    mov ecx, 1
    SHEND %2 | 32
%strcat TN OPN, " m32,1"
TEST TN, 0
    mov [scr], eax
    %1 dword [scr], 1
    mov eax, [scr]
    mov ecx, 1
    SHEND %2 | 32
%strcat TN OPN, " r8,i8"
TEST TN, 0
    %1 al, 9
    mov ecx, 9
    SHEND %2 | 8
%strcat TN OPN, " r16,i8"
TEST TN, 0
    %1 ax, 17
    mov ecx, 17
    SHEND %2 | 16
%strcat TN OPN, " r32,i8"
TEST TN, 0
    %1 eax, 7
    mov ecx, 7
    SHEND %2 | 32
%strcat TN OPN, " r32,i8 big"
TEST TN, 0
    %1 edx, 0x3f
    mov ecx, 0x3f
    SHEND %2 | 32
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
%strcat TN OPN, " r16,r16,cl"
TEST TN, 0, 1
    %1 ax, bx, cl
    SHEND SH_DBL16 | 16
%strcat TN OPN, " r32,r32,cl"
TEST TN, 0, 1
    %1 eax, ebx, cl
    SHEND SH_DBL32 | 32
%strcat TN OPN, " m32,r32,cl"
TEST TN, 0, 1
    mov [scr], eax
    %1 [scr], ebp, cl
    mov eax, [scr]
    SHEND SH_DBL32 | 32
%strcat TN OPN, " m16,r16,cl"
TEST TN, 0, 1
    mov [scr], eax
    %1 [scr], dx, cl
    mov eax, [scr]
    SHEND SH_DBL16 | 16
%strcat TN OPN, " r32,r32,i8"
TEST TN, 0
    %1 eax, ebx, 13
    mov ecx, 13
    SHEND SH_DBL32 | 32
%strcat TN OPN, " r16,r16,1"
TEST TN, 0
    %1 ax, bx, 1
    mov ecx, 1
    SHEND SH_DBL16 | 16
%strcat TN OPN, " r16,r16,16"
TEST TN, 0
    %1 ax, bx, 16
    mov ecx, 16
    SHEND SH_DBL16 | 16
%endmacro
DOUBLE shld
DOUBLE shrd

; ---- multiply
TEST "mul r8", MULF
    mul bl
    FL
TEST "mul r16", MULF
    mul bx
    FL
TEST "mul r32", MULF
    mul ebx
    FL
TEST "mul m32", MULF
    mov [scr], ebp
    mul dword [scr]
    FL
TEST "imul r8", MULF
    imul bl
    FL
TEST "imul r8h", MULF
    imul dh
    FL
TEST "imul r16", MULF
    imul bx
    FL
TEST "imul r32", MULF
    imul ebx
    FL
TEST "imul m16", MULF
    mov [scr], ebp
    imul word [scr]
    FL
TEST "imul r16,r16", MULF
    imul ax, bx
    FL
TEST "imul r32,r32", MULF
    imul eax, ebx
    FL
TEST "imul r32,m32", MULF
    mov [scr], ebx
    imul edx, [scr]
    FL
TEST "imul r16,r16,i8", MULF
    imul ax, bx, -7
    FL
TEST "imul r16,r16,i16", MULF
    imul ax, bx, 0x1234
    FL
TEST "imul r32,r32,i8", MULF
    imul eax, ebx, 0x7f
    FL
TEST "imul r32,r32,i32", MULF
    imul eax, ebx, 0x12345
    FL
TEST "imul r32,m32,i32", MULF
    mov [scr], ebx
    imul eax, [scr], -0x10001
    FL

; ---- divide: ECX & 3 picks the dividend's upper half: as generated, the sign extension of the
; lower half, (upper & divisor) >> 1 (so that DIV does not overflow), or 0. Flags are all
; undefined; ESI reports the exception vector (0xff: none).
%macro DIVT 4                          ; name, instruction, operand, size
TEST %1, -1
    mov dword [tl_vec], 0xff
    mov dword [tl_resume], %%after
    mov [scr], ebx
    and ecx, 3
    jz %%go
    cmp ecx, 1
    jne %%n2
%if %4 = 8
    cbw
%elif %4 = 16
    cwd
%else
    cdq
%endif
    jmp %%go
%%n2:
    cmp ecx, 2
    jne %%n3
%if %4 = 8
    and ah, bl
    shr ah, 1
%elif %4 = 16
    and dx, bx
    shr dx, 1
%else
    and edx, ebx
    shr edx, 1
%endif
    jmp %%go
%%n3:
%if %4 = 8
    mov ah, 0
%else
    xor edx, edx
%endif
%%go:
    %2 %3
%%after:
    mov dword [tl_resume], 0
    mov esi, [tl_vec]
    ret
%endmacro
DIVT "div r8", div, bl, 8
DIVT "div r16", div, bx, 16
DIVT "div r32", div, ebx, 32
DIVT "div m8", div, byte [scr], 8
DIVT "div m32", div, dword [scr], 32
DIVT "idiv r8", idiv, bl, 8
DIVT "idiv r16", idiv, bx, 16
DIVT "idiv r32", idiv, ebx, 32
DIVT "idiv m16", idiv, word [scr], 16
DIVT "idiv m32", idiv, dword [scr], 32

; ---- bit scans and counts
TEST "bsf r16", ZF
    bsf ax, bx
    FL
TEST "bsf r32", ZF
    bsf eax, ebx
    FL
TEST "bsf r32,m32", ZF
    mov [scr], ebx
    bsf edx, [scr]
    FL
TEST "bsr r16", ZF
    bsr ax, bx
    FL
TEST "bsr r32", ZF
    bsr eax, ebx
    FL
TEST "bsr r32,m32", ZF
    mov [scr], ebx
    bsr edx, [scr]
    FL
TEST "tzcnt r16", CF | ZF
    tzcnt ax, bx
    FL
TEST "tzcnt r32", CF | ZF
    tzcnt eax, ebx
    FL
TEST "tzcnt r32,m32", CF | ZF
    mov [scr], ebx
    tzcnt eax, [scr]
    FL
TEST "lzcnt r16", CF | ZF
    lzcnt ax, bx
    FL
TEST "lzcnt r32", CF | ZF
    lzcnt eax, ebx
    FL
TEST "lzcnt r32,m32", CF | ZF
    mov [scr], ebx
    lzcnt eax, [scr]
    FL
TEST "popcnt r16", ARITH
    popcnt ax, bx
    FL
TEST "popcnt r32", ARITH
    popcnt eax, ebx
    FL
TEST "popcnt r32,m32", ARITH
    mov [scr], ebx
    popcnt eax, [scr]
    FL

; ---- bit tests: CF is the bit, ZF is kept, the others are undefined. The memory forms with a
; register offset address bits far outside the operand: EBP >> 21 is within ±1024 bits of the middle
; of btbuf; EAX returns the dword holding the bit, EDX the offset.
%macro BITT 1
%defstr OPN %1
%strcat TN OPN, " r16,r16"
TEST TN, CF | ZF
    %1 bx, cx
    mov eax, ebx
    FL
%strcat TN OPN, " r32,r32"
TEST TN, CF | ZF
    %1 ebx, ecx
    mov eax, ebx
    FL
%strcat TN OPN, " r32,i8"
TEST TN, CF | ZF
    %1 eax, 45
    FL
%strcat TN OPN, " r16,i8"
TEST TN, CF | ZF
    %1 dx, 13
    FL
%strcat TN OPN, " m32,i8"
TEST TN, CF | ZF
    mov [scr], ebx
    %1 dword [scr], 35
    mov eax, [scr]
    FL
%strcat TN OPN, " m32,r32"
TEST TN, CF | ZF
    sar ebp, 21
    push dword [in_f]
    popfd
    %1 [btbuf_mid], ebp
    pushfd
    pop esi
    mov edx, ebp
    sar ebp, 3
    and ebp, ~3
    mov eax, [btbuf_mid + ebp]
    ret
%strcat TN OPN, " m16,r16"
TEST TN, CF | ZF
    sar ebp, 21
    push dword [in_f]
    popfd
    %1 [btbuf_mid + 2], bp
    pushfd
    pop esi
    mov edx, ebp
    movsx ebp, bp
    sar ebp, 3
    and ebp, ~3
    mov eax, [btbuf_mid + 2 + ebp]
    ret
%endmacro
BITT bt
BITT bts
BITT btr
BITT btc

; ---- exchange and compare-exchange. CMPXCHG: ECX bit 0 makes the accumulator equal to the
; destination. CMPXCHG8B changes only ZF.
TEST "bswap r32", ARITH
    bswap eax
    bswap edx
    FL
TEST "xadd r8", ARITH
    xadd al, bl
    mov edx, ebx
    FL
TEST "xadd r16", ARITH
    xadd ax, bx
    mov edx, ebx
    FL
TEST "xadd r32", ARITH
    xadd eax, ebx
    mov edx, ebx
    FL
TEST "xadd m32", ARITH
    mov [scr], eax
    xadd [scr], ebx
    mov eax, [scr]
    mov edx, ebx
    FL
TEST "xchg r32,m32", ARITH
    mov [scr], eax
    xchg [scr], edx
    mov eax, [scr]
    FL
%macro CMPXT 4                         ; name, accumulator, destination, source
TEST %1, ARITH
    test cl, 1
    jz %%n
    mov %2, %3
%%n:
    cmpxchg %3, %4
    mov [scr], %3
    FL
%endmacro
CMPXT "cmpxchg r8", al, bl, dl
CMPXT "cmpxchg r16", ax, bx, dx
CMPXT "cmpxchg r32", eax, ebx, edx
TEST "cmpxchg m32", ARITH
    mov [scr], ebx
    test cl, 1
    jz .n
    mov eax, ebx
.n:
    cmpxchg [scr], edx
    mov edx, [scr]
    FL
TEST "cmpxchg8b", ARITH
    mov [qw], ebx
    mov [qw + 4], ebp
    pushfd
    test cl, 1
    jz .n
    mov eax, ebx
    mov edx, ebp
.n:
    popfd
    cmpxchg8b [qw]
    pushfd
    pop esi
    xor eax, [qw]
    xor edx, [qw + 4]
    ret
TEST "movbe r32,m32", ARITH
    mov [scr], ebx
    movbe eax, [scr]
    FL
TEST "movbe r16,m16", ARITH
    mov [scr], ebx
    movbe ax, [scr]
    FL
TEST "movbe m32,r32", ARITH
    movbe [scr], ebx
    mov eax, [scr]
    FL
TEST "movbe m16,r16", ARITH
    mov [scr], eax
    movbe [scr], bx
    mov eax, [scr]
    FL

; ---- CMOVcc (the source is read even when not moved) and SETcc, under random flags
%macro CMOVS 16
%rep 16
%defstr OPN %1
%strcat TN "cmov", OPN
TEST TN, ARITH
    cmov%1 eax, ebx
    mov [scr], ebp
    cmov%1 dx, [scr]
    FL
%rotate 1
%endrep
%endmacro
CMOVS o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g

%macro SETS 16
TEST "setcc m8", ARITH
%assign k 0
%rep 16
    set%1 [setb + k]
%rotate 1
%assign k k + 1
%endrep
    pushfd
    pop esi
    mov eax, [setb + 8]
    call tl_hash
    mov eax, [setb + 12]
    call tl_hash
    mov eax, [setb]
    mov edx, [setb + 4]
    ret
%endmacro
SETS o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g
TEST "setcc r8", ARITH
    setl al
    setbe ah
    setg dl
    setnp dh
    FL

; ---- flags to and from AH, sign extension, MOVSX/MOVZX
TEST "sahf", ARITH
    mov ah, bl
    sahf
    FL
TEST "lahf", ARITH
    lahf
    FL
TEST "cbw cwd", ARITH
    cbw
    cwd
    FL
TEST "cwde cdq", ARITH
    cwde
    cdq
    FL
TEST "cdq", ARITH
    cdq
    FL
TEST "movsx movzx", ARITH
    movsx eax, bl
    movzx dx, bh
    movsx ecx, word [in_b + 2]
    add edx, ecx
    FL

; ---- odds and ends: XLAT, PUSHA/POPA, LEA with SIB forms, CMC/CLC/STC, XCHG, BOUND (#BR) and
; INTO (#OF) caught through the IDT (ESI reports the vector, 0xff: none)
TEST "xlatb", ARITH
    mov ebx, btbuf
    xlatb
    FL
TEST "pushad popad", ARITH
    mov [saved_esp], esp
    pushad
    mov dword [esp + 12], 0x12345678     ; the ESP slot, which POPAD skips
    xor dword [esp + 28], 0x5a5a5a5a     ; EAX's slot
    mov ecx, [esp + 20]                  ; EDX's slot
    xor [esp + 16], ecx                  ; into EBX's
    popad
    sub esp, [saved_esp]
    add edx, esp
    add edx, ebx
    add esp, [saved_esp]
    FL
TEST "pushaw popaw", ARITH
    pushaw
    xor word [esp + 14], 0xa5a5          ; AX's slot
    popaw
    FL
TEST "lea sib forms", ARITH
    mov ecx, ebp
    lea eax, [eax + ebx * 4 + 0x12]
    lea edx, [ebx * 8 + 0x100]
    lea esi, [ebp + edx * 2]
    lea edi, [ecx + ecx * 1 - 0x80000000]
    add eax, esi
    add edx, edi
    mov edi, ARITH
    FL
TEST "lea a16", ARITH
    a16 lea eax, [bx + si + 0x1234]
    a16 lea dx, [bp + di - 2]
    FL
TEST "cmc", ARITH
    cmc
    FL
TEST "clc stc", ARITH
    clc
    pushfd
    pop eax
    stc
    FL
TEST "xchg r8h,r8 / r16", ARITH
    xchg ah, bl
    xchg dx, bp
    add edx, ebx
    FL
TEST "bound r32 (#BR)", -1
    mov dword [tl_vec], 0xff
    mov dword [tl_resume], .after
    mov [scr], ebx
    mov [scr + 4], edx
    bound eax, [scr]
.after:
    mov dword [tl_resume], 0
    mov esi, [tl_vec]
    ret
TEST "bound r16 (#BR)", -1
    mov dword [tl_vec], 0xff
    mov dword [tl_resume], .after
    mov [scr], bx
    mov [scr + 2], dx
    bound ax, [scr]
.after:
    mov dword [tl_resume], 0
    mov esi, [tl_vec]
    ret
TEST "into (#OF)", OF | 0xff0000
    mov dword [tl_vec], 0xff
    mov dword [tl_resume], .after
    into
    nop
.after:
    pushfd
    pop esi
    mov dword [tl_resume], 0
    mov eax, [tl_vec]
    shl eax, 16
    or esi, eax
    ret

; ---- ENTER with every nesting level (0..31, and 32/33 which are taken mod 32), in 32- and 16-bit
; operand size, then LEAVE. The enclosing frames' pointers come from a display filled from EAX, EBX.
; Returns ESP and EBP after ENTER relative to the stack top; the frame and the state after LEAVE go
; into the hash.
%macro ENTERT 3                        ; size, level, prefix
%defstr OPN %2
%defstr PFX %3
%strcat TN "enter ", PFX, " level ", OPN
TEST TN, 0
    mov [saved_esp], esp
    mov edi, enter_area
.clear:
    mov dword [edi], 0
    add edi, 4
    cmp edi, enter_top
    jb .clear
    mov edi, enter_disp
    mov esi, 40
.disp:
    sub edi, 4
    mov [edi], eax
    add eax, ebx
    dec esi
    jnz .disp
    mov ebp, enter_disp
    mov esp, enter_top
    %3 enter %1, %2
    mov eax, esp
    mov edx, ebp
    %3 leave
    mov ecx, esp
    mov esi, ebp
    mov esp, [saved_esp]
    sub eax, enter_top
    sub edx, enter_top
    sub ecx, enter_top
    push eax
    mov eax, ecx
    call tl_hash
    mov eax, esi
    call tl_hash
    mov esi, enter_area
.h:
    mov eax, [esi]
    call tl_hash
    add esi, 4
    cmp esi, enter_top
    jb .h
    pop eax
    xor esi, esi
    ret
%endmacro
%assign lv 0
%rep 34
ENTERT 0x14, lv, o32
%assign lv lv + 1
%endrep
ENTERT 0, 0, o16
ENTERT 6, 1, o16
ENTERT 6, 2, o16
ENTERT 0x102, 5, o16

NTESTS equ NT
tests:
%assign i 0
%rep NT
    dd t_%[i]
%assign i i + 1
%endrep

%include "include/console.inc"
%include "include/testlib.inc"

banner:   db "alu: integer instruction sweeps (a b c d p flags > eax edx flags)", 10, 0
msg_done: db "done", 10, 0
    align 4
cur:   dd 0
rec:   dd 0
iter:  dd 0
fnp:   dd 0
in_a:  dd 0
in_b:  dd 0
in_c:  dd 0
in_d:  dd 0
in_p:  dd 0
in_f:  dd 0
out_a: dd 0
out_d: dd 0
out_f: dd 0
scr:   dd 0, 0
saved_esp: dd 0
setb:  times 16 db 0
    align 8
qw:    dq 0
    align 16
btbuf: times 512 db 0
btbuf_mid: times 512 db 0
btbuf_end:
enter_area: times 256 db 0
enter_top:
    times 64 db 0
    times 192 db 0                     ; the display ENTER copies frame pointers from
enter_disp:
    align 16
stack:    times 4096 db 0
stack_top:
ELF_END
