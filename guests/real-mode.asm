; real-mode.asm — differential test of real-address mode (QEMU is the oracle). From the Multiboot
; 32-bit state it copies its 16-bit part to 0x10000, goes down to real mode the way the Intel SDM
; describes (Vol. 3A §9.9.2: a 16-bit code segment, 64 KiB data segments, CR0.PE cleared, a far jump),
; sets up its own IVT and then checks: INT n / IRET frames and flags, INT3, INTO, software interrupts
; from another CS, #DE (DIV, IDIV, AAM 0), #UD, #BR through the IVT with the faulting IP, every 16-bit
; ModRM addressing form (BP-based ones default to SS; offsets wrap at 64 KiB) and segment overrides,
; segment:offset aliasing, LDS/LES, far CALL/RET/JMP through memory, PUSHF/POPF, 32-bit operand and
; address prefixes, SP wrapping at 0, LOOP/LOOPE/LOOPNE/JCXZ under 16- and 32-bit address size, and a
; return to protected mode; then "unreal" mode: back to real mode with DS/ES still holding a 4 GiB
; limit, so that 32-bit offsets reach above 1 MiB. One line per check, in hex.
; (Not covered: accesses past a real-mode segment limit, which raise #GP/#SS on a CPU but not under
; QEMU's TCG, which does not check data-segment limits; see src/x86/segment-limits.test.ts.)
; Ends with the exit device, value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

RM_SEG  equ 0x1000                     ; the 16-bit part runs at 1000:0000 (physical 0x10000)
RM_PHYS equ 0x10000
%define R(x) ((x) - rm_start)          ; offset of a 16-bit-part label within RM_SEG
DSEG equ 0x2000                        ; pattern-filled data segment (physical 0x20000)
SSEG equ 0x3000                        ; pattern-filled stack segment for the BP-based forms

_start:
    mov esp, stack_top
    call tl_init
    mov esi, banner
    call tl_puts
    ; copy the 16-bit part below 1 MiB
    mov esi, rm_start
    mov edi, RM_PHYS
    mov ecx, rm_end - rm_start
    rep movsb
    mov [pm_esp], esp
    mov dword [marker], 0x600df00d
    jmp TL_CODE16L:R(pm16_entry)

; Back from real mode (first time): in 32-bit protected mode again with flat segments.
pm32_back:
    mov ax, TL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [pm_esp]
    lidt [tl_idtr]
    mov esi, msg_pm
    call tl_puts
    mov eax, cr0
    and eax, 1
    call tl_hex8
    call tl_nl
    ; now go down again keeping DS, ES, FS, GS flat (4 GiB limits): unreal mode
    jmp TL_CODE16L:R(pm16_unreal)

pm32_final:
    mov ax, TL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [pm_esp]
    lidt [tl_idtr]
    mov esi, msg_final
    call tl_puts
    mov eax, [marker]
    call tl_hex32
    call tl_space
    mov eax, [0x30000]                 ; written through ES in unreal mode
    call tl_hex32
    call tl_nl
    mov esi, msg_done
    call tl_puts
    xor eax, eax
    call exit_device

%include "include/console.inc"
%include "include/testlib.inc"

banner:    db "real-mode: real-address mode, IVT, 16-bit addressing, unreal mode", 10, 0
msg_pm:    db "back in protected mode, PE=", 0
msg_final: db "protected mode again: ", 0
msg_done:  db "done", 10, 0
    align 4
pm_esp: dd 0
marker: dd 0
    align 16
stack:     times 4096 db 0
stack_top:

; =====================================================================================================
; The 16-bit part: copied to RM_PHYS; every absolute reference goes through R().
; =====================================================================================================
    align 16
rm_start:
bits 16
pm16_entry:
    ; 16-bit protected mode: load 64 KiB data segments, clear PE, far jump to real mode
    mov ax, TL_DATA16L
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov eax, cr0
    and eax, 0x7ffffffe
    mov cr0, eax
    jmp RM_SEG:R(rm_entry)

pm16_unreal:
    ; only SS and CS get 64 KiB real-mode-style caches; DS, ES, FS, GS keep the flat 4 GiB ones
    mov ax, TL_DATA16L
    mov ss, ax
    mov eax, cr0
    and eax, 0x7ffffffe
    mov cr0, eax
    jmp RM_SEG:R(unreal_entry)

; ---- output helpers: strings are read through CS, so they work whatever DS holds
putc:
    out DEBUGCON, al
    ret
puts:                                   ; CS:SI, NUL-terminated
    push ax
    push si
.l:
    mov al, [cs:si]
    test al, al
    jz .d
    out DEBUGCON, al
    inc si
    jmp .l
.d:
    pop si
    pop ax
    ret
hex16:                                  ; AX
    push ax
    push cx
    push dx
    mov dx, ax
    mov cx, 4
.l:
    rol dx, 4
    mov ax, dx
    and ax, 0xf
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o:
    out DEBUGCON, al
    loop .l
    pop dx
    pop cx
    pop ax
    ret
hex32:                                  ; EAX
    push eax
    shr eax, 16
    call hex16
    pop eax
    jmp hex16
sp_:
    push ax
    mov al, ' '
    out DEBUGCON, al
    pop ax
    ret
nl:
    push ax
    mov al, 10
    out DEBUGCON, al
    pop ax
    ret
; title: print the string at CS:SI and ": "
title:
    call puts
    push ax
    mov al, ':'
    out DEBUGCON, al
    pop ax
    ret
%macro TITLE 1
    mov si, R(%%s)
    call title
    jmp %%e
%%s: db %1, 0
%%e:
%endmacro
%macro PR16 1                           ; print " " and a 16-bit operand
    push ax
    mov ax, %1
    call sp_
    call hex16
    pop ax
%endmacro
%macro PR32 1
    push eax
    mov eax, %1
    call sp_
    call hex32
    pop eax
%endmacro

; ---- IVT helpers. setvec: vector AL → CS:DX (IVT at 0000:0000).
setvec:
    push ds
    push bx
    push ax
    xor bx, bx
    mov ds, bx
    xor ah, ah
    mov bx, ax
    shl bx, 2
    mov [bx], dx
    mov [bx + 2], cs
    pop ax
    pop bx
    pop ds
    ret

; Exception catchers: record the vector and the faulting CS:IP, resume at [cs:resume].
%macro CATCH 1
catch%1:
    mov byte [cs:R(rm_vec)], %1
    jmp catch_common
%endmacro
CATCH 0
CATCH 1
CATCH 3
CATCH 4
CATCH 5
CATCH 6
CATCH 13
catch_common:
    push bp
    mov bp, sp
    push ax
    mov ax, [bp + 2]
    mov [cs:R(rm_fip)], ax
    mov ax, [bp + 4]
    mov [cs:R(rm_fcs)], ax
    mov ax, [bp + 6]
    mov [cs:R(rm_ffl)], ax
    mov ax, [cs:R(resume)]
    mov [bp + 2], ax
    mov word [bp + 4], RM_SEG
    pop ax
    pop bp
    iret
; report a caught exception: vector, CS, IP relative to the expected instruction, flags
report_fault:
    push ax
    mov al, [cs:R(rm_vec)]
    xor ah, ah
    PR16 ax
    PR16 [cs:R(rm_fcs)]
    PR16 [cs:R(rm_fip)]
    mov ax, [cs:R(rm_ffl)]
    and ax, 0x0fd5
    PR16 ax
    mov byte [cs:R(rm_vec)], 0xff
    pop ax
    ret

; INT 0x80 handler: reports what it sees, sets CF and clears ZF in the saved FLAGS, returns BX = 0x8080.
h80:
    push bp
    mov bp, sp
    pushf
    pop word [cs:R(h_fl_in)]
    push ax
    mov ax, [bp + 2]
    mov [cs:R(h_ip)], ax
    mov ax, [bp + 4]
    mov [cs:R(h_cs)], ax
    mov ax, [bp + 6]
    mov [cs:R(h_fl)], ax
    mov ax, sp
    mov [cs:R(h_sp)], ax
    or word [bp + 6], 1
    and word [bp + 6], ~0x40
    mov bx, 0x8080
    pop ax
    pop bp
    iret
h80_report:
    PR16 [cs:R(h_fl_in)]
    PR16 [cs:R(h_ip)]
    PR16 [cs:R(h_cs)]
    PR16 [cs:R(h_fl)]
    PR16 [cs:R(h_sp)]
    ret

; ---------------------------------------------------------------------------------------------
rm_entry:
    mov ax, RM_SEG
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0xfff0
    xor ax, ax
    mov fs, ax
    mov gs, ax
    lidt [R(rm_idtr)]
    TITLE "real mode: cs ds ss sp PE"
    mov ax, cs
    PR16 ax
    mov ax, ds
    PR16 ax
    mov ax, ss
    PR16 ax
    PR16 sp
    mov eax, cr0
    and eax, 1
    PR16 ax
    call nl

    ; the IVT
    mov al, 0
    mov dx, R(catch0)
    call setvec
    mov al, 1
    mov dx, R(catch1)
    call setvec
    mov al, 3
    mov dx, R(catch3)
    call setvec
    mov al, 4
    mov dx, R(catch4)
    call setvec
    mov al, 5
    mov dx, R(catch5)
    call setvec
    mov al, 6
    mov dx, R(catch6)
    call setvec
    mov al, 13
    mov dx, R(catch13)
    call setvec
    mov al, 0x80
    mov dx, R(h80)
    call setvec
    mov byte [cs:R(rm_vec)], 0xff

    ; ---- INT n / IRET
    TITLE "int 0x80: fl-in ip cs fl sp | bx fl sp"
    push word 0x08d7                    ; OF SF ZF AF PF CF set, IF and TF clear
    popf
    mov bx, 0
    int 0x80
.after80:
    pushf
    pop ax
    PR16 ax
    call h80_report
    PR16 bx
    pushf
    pop ax
    PR16 ax
    PR16 sp
    mov ax, R(.after80)
    PR16 ax
    call nl

    ; the same from another CS: 0F00:(offset + 0x1000) is the same code
    TITLE "int 0x80 from cs=0f00: ip cs"
    jmp 0x0f00:R(.alias) + 0x1000
.alias:
    int 0x80
.after_alias:
    jmp RM_SEG:R(.back)
.back:
    PR16 [cs:R(h_ip)]
    PR16 [cs:R(h_cs)]
    mov ax, R(.after_alias) + 0x1000
    PR16 ax
    call nl

    ; INT3 (CC), INT 3 (CD 03), INTO with OF = 1 and OF = 0
    TITLE "int3 int 3 into(OF=1) into(OF=0): vec cs ip fl"
    mov word [cs:R(resume)], R(.i1)
    int3
.i1:
    call report_fault
    mov word [cs:R(resume)], R(.i2)
    db 0xcd, 0x03
.i2:
    call report_fault
    mov word [cs:R(resume)], R(.i3)
    mov al, 0x7f
    add al, 1                           ; OF = 1
    into
.i3:
    call report_fault
    mov word [cs:R(resume)], R(.i4)
    xor al, al                          ; OF = 0: no interrupt
    into
.i4:
    call report_fault
    mov ax, R(.i1)
    PR16 ax
    mov ax, R(.i3)
    PR16 ax
    call nl

    ; ---- exceptions through the IVT: the saved IP is the faulting instruction's
    TITLE "#DE div 0: vec cs ip fl | ax dx | expect ip"
    mov word [cs:R(resume)], R(.d1)
    mov ax, 0x1234
    mov dx, 0x5678
    mov bl, 0
.div0:
    div bl
.d1:
    call report_fault
    PR16 ax
    PR16 dx
    mov ax, R(.div0)
    PR16 ax
    call nl
    TITLE "#DE div overflow, idiv 8000h/-1, aam 0: vec ip"
    mov word [cs:R(resume)], R(.d2)
    mov dx, 0x10
    mov ax, 0
    mov bx, 0x10
.div1:
    div bx
.d2:
    call report_fault
    mov word [cs:R(resume)], R(.d3)
    mov ax, 0x8000
    cwd
    mov bx, -1
.div2:
    idiv bx
.d3:
    call report_fault
    mov word [cs:R(resume)], R(.d4)
    mov ax, 0x1234
.aam0:
    aam 0
.d4:
    call report_fault
    PR16 ax
    mov ax, R(.div1)
    PR16 ax
    mov ax, R(.div2)
    PR16 ax
    mov ax, R(.aam0)
    PR16 ax
    call nl
    TITLE "#UD ud2, #BR bound: vec cs ip fl | ip"
    mov word [cs:R(resume)], R(.u1)
.ud:
    ud2
.u1:
    call report_fault
    mov word [cs:R(resume)], R(.u2)
    mov ax, 0x50
.bnd:
    bound ax, [R(bounds)]
.u2:
    call report_fault
    mov ax, 0x20
    mov word [cs:R(resume)], R(.u3)
    bound ax, [R(bounds)]               ; in range: no exception
.u3:
    call report_fault
    mov ax, R(.ud)
    PR16 ax
    mov ax, R(.bnd)
    PR16 ax
    call nl

    ; ---- 16-bit addressing: every ModRM form with mod 0/1/2, LEA and a word load, for two register
    ; sets; DS = DSEG and SS = SSEG hold different patterns (byte at offset o: (o * 5 + 1) for DS,
    ; (o * 3 + 0x77) for SS; the low byte of o only, with the high byte mixed in below).
    call fill_patterns
    TITLE "16-bit addressing (lea, load) x 24 forms"
    call nl
    mov si, R(regsets)
    mov cx, 2
.rs:
    push cx
    push si
    mov bx, [si]
    mov bp, [si + 2]
    mov di, [si + 6]
    mov si, [si + 4]
    call addr_forms
    pop si
    pop cx
    add si, 8
    loop .rs
    ; segment overrides on BP- and BX-based forms
    TITLE "overrides: ds:[bp] ss:[bx] es:[bp+si] cs:[bx] fs:[di] gs:[bp-2]"
    mov ax, DSEG
    mov ds, ax
    mov ax, SSEG
    mov es, ax
    mov fs, ax
    mov ax, DSEG
    mov gs, ax
    mov bx, 0x0102
    mov bp, 0x3456
    mov si, 0x0011
    mov di, 0x7ff0
    cli
    mov ax, SSEG
    mov ss, ax
    mov ax, [ds:bp]
    mov [cs:R(tmp)], ax
    mov ax, [ss:bx]
    mov [cs:R(tmp) + 2], ax
    mov ax, [es:bp + si]
    mov [cs:R(tmp) + 4], ax
    mov ax, [cs:bx]
    mov [cs:R(tmp) + 6], ax
    mov ax, [fs:di]
    mov [cs:R(tmp) + 8], ax
    mov ax, [gs:bp - 2]
    mov [cs:R(tmp) + 10], ax
    mov ax, RM_SEG
    mov ss, ax
    mov ds, ax
    mov es, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov si, R(tmp)
    mov cx, 6
.ov:
    PR16 [cs:si]
    add si, 2
    loop .ov
    call nl

    ; ---- segment arithmetic: the same byte through different segment:offset pairs
    TITLE "aliasing: 2000:0010 = 2001:0000 = 1ff0:0110; lds les"
    mov ax, 0x2000
    mov es, ax
    mov word [es:0x0010], 0xbeef
    mov ax, 0x2001
    mov fs, ax
    mov ax, [fs:0]
    PR16 ax
    mov ax, 0x1ff0
    mov gs, ax
    mov word [gs:0x0112], 0xcafe
    mov ax, [fs:2]
    PR16 ax
    lds si, [cs:R(farptr)]
    mov ax, ds
    PR16 ax
    PR16 si
    lodsw
    PR16 ax
    les di, [cs:R(farptr)]
    mov ax, es
    PR16 ax
    PR16 di
    mov ax, RM_SEG
    mov ds, ax
    mov es, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    call nl

    ; ---- far CALL/RET/JMP
    TITLE "far: call ptr, call m16:16, retf 4, jmp m16:16: sp ax"
    mov ax, 0
    call RM_SEG:R(far1)                 ; ax += 1
    call far [cs:R(farfn)]              ; ax += 0x10 (through 0F00:offset+0x1000)
    push word 0x1111
    push word 0x2222
    call RM_SEG:R(far2)                 ; retf 4 drops the two words, ax += 0x100
    PR16 sp
    PR16 ax
    jmp far [cs:R(farjmp)]
.fj_back:
    PR16 ax
    call nl

    ; ---- PUSHF/POPF in real mode: IOPL and NT can be written, bit 15 and bits 3, 5 cannot
    TITLE "popf fcff/0000 -> pushf"
    push word 0xfcff
    popf
    pushf
    pop ax
    PR16 ax
    push word 0
    popf
    pushf
    pop ax
    PR16 ax
    call nl

    ; ---- 32-bit EFLAGS: POPFD sets AC and ID but not VIF, VIP, VM or RF (Intel SDM POPF, real mode);
    ; IRETD pops a 32-bit frame and the same mask applies
    TITLE "popfd 003f4ed5 -> pushfd; iretd frame -> eflags eip-high"
    push dword 0x003f4ed5               ; ID VIP VIF AC (bits 21..18), NT, OF DF SF ZF AF PF CF; VM, RF clear
    popfd
    pushfd
    pop eax
    PR32 eax
    push dword 0
    popfd
    push dword 0x00274cd7               ; EFLAGS image: ID, VIF, AC, NT, OF, DF...
    push dword RM_SEG
    push dword R(.iretd_to)
    o32 iret
.iretd_to:
    pushfd
    pop eax
    PR32 eax
    push dword 0
    popfd
    mov eax, R(.iretd_to)
    PR16 ax
    call nl

    ; ---- 32-bit operand and address size in real mode
    TITLE "o32/a32: add mul push pop lea [ebx+ecx*4] shld movzx"
    mov eax, 0x12345678
    mov ebx, 0x9abcdef0
    add eax, ebx
    pushfd
    pop edx
    and edx, 0x8d5
    PR32 eax
    PR16 dx
    mov eax, 0x10001
    mov ecx, 0x10001
    mul ecx
    PR32 edx
    PR32 eax
    mov dx, sp
    push dword 0xa5a5a5a5
    mov cx, sp
    pop ebx
    sub dx, cx
    PR16 dx
    PR32 ebx
    mov ebx, 0x100
    mov ecx, 0x20
    lea eax, [ebx + ecx * 8 + 0x12345]
    PR32 eax
    mov ax, DSEG
    mov ds, ax
    mov ax, [ebx + ecx * 4]             ; DS:0x180
    PR16 ax
    mov ax, [bx + 0x180]
    PR16 ax
    mov ax, RM_SEG
    mov ds, ax
    mov eax, 0x80000001
    mov edx, 0x12345678
    shld eax, edx, 8
    PR32 eax
    movzx eax, word [cs:R(farptr)]
    PR32 eax
    mov dx, sp
    o32 push cs                         ; 4 bytes (whether the upper half is written is model-specific)
    mov cx, sp
    pop eax
    sub dx, cx
    PR16 dx
    PR16 ax
    call nl

    ; ---- SP wraps at 0: a push at SP = 0 stores at SS:FFFE
    TITLE "sp wrap: push at 0, pop at fffe"
    cli
    mov ax, DSEG
    mov ss, ax
    mov dx, sp
    mov sp, 0
    push word 0x4321
    mov cx, sp
    mov ax, [ss:0xfffe]
    pop bx
    mov si, sp
    mov sp, dx
    mov ax, RM_SEG
    mov ss, ax
    PR16 cx
    mov ax, DSEG
    mov es, ax
    mov ax, [es:0xfffe]
    PR16 ax
    PR16 bx
    PR16 si
    mov ax, RM_SEG
    mov es, ax
    call nl

    ; ---- LOOP / JCXZ with 16- and 32-bit address size (CX vs ECX)
    TITLE "loop a16/a32, loope, loopne, jcxz/jecxz"
    mov ecx, 0x00010001
    mov ax, 0
    loop .l1                            ; CX 1 → 0: not taken
    or ax, 1
.l1:
    PR32 ecx
    mov ecx, 0x00010001
    loop .l2, ecx                       ; ECX → 0x10000: taken
    or ax, 2
.l2:
    PR32 ecx
    mov ecx, 0x00010000
    jcxz .l3                            ; CX = 0: taken
    or ax, 4
.l3:
    jecxz .l4                           ; ECX ≠ 0: not taken
    or ax, 8
.l4:
    mov cx, 5
    xor bx, bx
    cmp bx, bx                          ; ZF = 1
    loope .l5                           ; CX 4, taken
    or ax, 0x10
.l5:
    loopne .l6                          ; ZF = 1: CX 3, not taken
    or ax, 0x20
.l6:
    PR16 cx
    mov ecx, 0xffff0003
    xor dx, dx
.l7:
    inc dx
    loop .l7                            ; 3 iterations on CX, ECX high kept
    PR32 ecx
    PR16 dx
    PR16 ax
    call nl

    ; ---- back to protected mode
    cli
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword TL_CODE32:pm32_back

; ---- unreal mode: DS/ES/FS/GS kept their 4 GiB limits; only the bases change on loads.
unreal_entry:
    mov ax, RM_SEG
    mov ss, ax
    mov sp, 0xfff0
    lidt [cs:R(rm_idtr)]
    TITLE "unreal: marker via ds=0 esi above 1 MiB, es=2000 edi=10000 write/read, cr0.PE"
    xor ax, ax
    mov ds, ax
    mov esi, marker
    mov eax, [esi]
    PR32 eax
    mov ax, 0x2000
    mov es, ax
    mov edi, 0x10000
    mov dword [es:edi], 0x7e57ab1e
    mov eax, [es:edi]
    PR32 eax
    mov dword [esi], 0x5ca1ab1e
    mov eax, cr0
    and eax, 1
    PR16 ax
    call nl
    cli
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword TL_CODE32:pm32_final

; ---- helpers for the addressing sweep
far1:
    add ax, 1
    retf
far2:
    add ax, 0x100
    retf 4
far3:
    add ax, 0x10
    retf
fj_target:
    add ax, 0x1000
    jmp RM_SEG:R(rm_entry.fj_back)

; fill DSEG and SSEG: byte at o = (o * 5 + 1) ^ (o >> 8) for DS, (o * 3 + 0x77) ^ (o >> 8) for SS
fill_patterns:
    push es
    mov ax, DSEG
    mov es, ax
    xor di, di
.a:
    mov ax, di
    mov dx, 5
    mul dx
    inc ax
    mov dx, di
    xor al, dh
    mov [es:di], al
    inc di
    jnz .a
    mov ax, SSEG
    mov es, ax
.b:
    mov ax, di
    mov dx, 3
    mul dx
    add ax, 0x77
    mov dx, di
    xor al, dh
    mov [es:di], al
    inc di
    jnz .b
    pop es
    ret

; addr_forms: with BX BP SI DI set, DS = DSEG and SS = SSEG, run LEA and a load for each of the 24
; forms; print them 8 to a line.
%macro FORM 1
    lea ax, %1
    mov [cs:R(tmp) + k], ax
    mov ax, %1
    mov [cs:R(tmp) + k + 2], ax
%assign k k + 4
%endmacro
addr_forms:
    cli
    mov ax, DSEG
    mov ds, ax
    mov ax, SSEG
    mov ss, ax
%assign k 0
    FORM [bx + si]
    FORM [bx + di]
    FORM [bp + si]
    FORM [bp + di]
    FORM [si]
    FORM [di]
    FORM [0x5aa5]
    FORM [bx]
    FORM [bx + si + 0x7f]
    FORM [bx + di - 0x80]
    FORM [bp + si + 0x10]
    FORM [bp + di - 0x21]
    FORM [si + 0x7e]
    FORM [di - 0x7f]
    FORM [bp + 0x33]
    FORM [bx - 0x44]
    FORM [bx + si + 0x8001]
    FORM [bx + di + 0x1234]
    FORM [word bp + si + 0xfff0]        ; disp16 (NASM would pick disp8 -0x10)
    FORM [bp + di + 0x7ffe]
    FORM [si + 0xabcd]
    FORM [di + 0x4321]
    FORM [bp + 0x9000]
    FORM [bx + 0xfedc]
    mov ax, RM_SEG
    mov ds, ax
    mov ss, ax
    mov si, R(tmp)
    mov cx, 24
.p:
    PR16 [cs:si]
    PR16 [cs:si + 2]
    add si, 4
    mov ax, cx
    dec ax
    and ax, 3
    jnz .n
    call nl
.n:
    loop .p
    ret

    align 4
rm_idtr:  dw 0x3ff
          dd 0
bounds:   dw 0x10, 0x40
farptr:   dw 0x0010, 0x2000
farfn:    dw R(far3) + 0x1000, 0x0f00
farjmp:   dw R(fj_target), RM_SEG
; register sets (BX, BP, SI, DI): no form's offset is 0xffff (a word there would cross the limit)
regsets:  dw 0xfff0, 0xfffe, 0x0020, 0x8005
          dw 0x1234, 0x0100, 0x5678, 0xa0a0
resume:   dw 0
rm_vec:   db 0xff
    align 2
rm_fip:   dw 0
rm_fcs:   dw 0
rm_ffl:   dw 0
h_fl_in:  dw 0
h_ip:     dw 0
h_cs:     dw 0
h_fl:     dw 0
h_sp:     dw 0
tmp:      times 24 * 4 dw 0
rm_end:
bits 32
ELF_END
