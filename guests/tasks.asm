; tasks.asm — hardware task switching and virtual-8086 mode, compared with QEMU (Intel SDM Vol. 3A
; ch. 8 "Task Management" and ch. 20 "8086 Emulation"). Each case prints a tag and hex values:
;   1  JMP to a 32-bit TSS: registers from the TSS, NT, TR, busy bits; the old task's state saved
;   2  CALL through a task gate: NT and the back link; IRET returns by the link and clears busy
;   3  #GP through a task gate in the IDT: the error code on the new task's stack, the saved EIP
;   4  JMP to a 16-bit TSS running 16-bit code, and back
;   5  virtual-8086 mode entered by a task switch (IOPL 3): INT n through a DPL-3 gate with the
;      v86 frame (ES/DS/FS/GS pushed, data segments null in the handler), PUSHF image, the I/O
;      permission bitmap (an allowed and a denied port), HLT → #GP, segment arithmetic, exit by INT
;   6  virtual-8086 mode entered by IRETD (IOPL 0): CLI, STI, PUSHF, INT n and OUT fault with #GP(0);
;      INT3 is not IOPL-sensitive
;   7  a 32-bit call gate from ring 3 to ring 0 with two parameters copied to the inner stack, RETF 8
;      back; JMP through the gate to a more privileged nonconforming segment is #GP(target selector)
; Ends through the exit device with value 0.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

SEL_CODE      equ 0x08
SEL_DATA      equ 0x10
SEL_TSS_MAIN  equ 0x18
SEL_TSS_A     equ 0x20
SEL_TSS_B16   equ 0x28
SEL_GATE_A    equ 0x30
SEL_TSS_EXC   equ 0x38
SEL_CODE16    equ 0x40
SEL_DATA16    equ 0x48
SEL_TSS_V     equ 0x50
SEL_CODE3     equ 0x58
SEL_DATA3     equ 0x60
SEL_CALLGATE  equ 0x68
GDT_END_SEL   equ 0x70                 ; first selector past the GDT limit

V86_SEG       equ 0x2000               ; the v86 code is copied to linear 0x20000
V86_BASE      equ V86_SEG * 16

; Print a literal string. Clobbers nothing but flags.
%macro PUTS 1
    jmp %%skip
%%s: db %1, 0
%%skip:
    pushad
    mov esi, %%s
    call debug_puts
    popad
%endmacro

; Print a 32-bit value and a space. Clobbers EAX, ECX, EDX.
%macro HEX 1
    mov eax, %1
    call hex_sp
%endmacro

; An interrupt/trap/task gate: vector, selector, handler, type byte (P | DPL | type).
%macro GATE 4
    mov eax, %3
    mov [idt + %1 * 8], ax
    mov word [idt + %1 * 8 + 2], %2
    mov byte [idt + %1 * 8 + 4], 0
    mov byte [idt + %1 * 8 + 5], %4
    shr eax, 16
    mov [idt + %1 * 8 + 6], ax
%endmacro

_start:
    mov esp, stack_top
    lgdt [gdt_ptr]
    jmp SEL_CODE:.reload
.reload:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    lidt [idt_ptr]
    mov ax, SEL_TSS_MAIN
    ltr ax
    PUTS {"tasks", 13, 10}

    ; ---- The TSSes (zero-filled in the image; the dynamic fields are set here).
    mov dword [tss_main + 4], stack0_main_top   ; ESP0 for interrupts from v86 in the main task
    mov word [tss_main + 8], SEL_DATA
    mov word [tss_main + 0x66], 0x68            ; I/O map base beyond the limit: no bitmap

    mov dword [tss_a + 0x20], task_a
    mov dword [tss_a + 0x24], 0x2
    mov dword [tss_a + 0x28], 0x11111111        ; EAX
    mov dword [tss_a + 0x34], 0x22222222        ; EBX
    mov dword [tss_a + 0x38], stack_a_top       ; ESP
    mov word [tss_a + 0x4c], SEL_CODE
    mov word [tss_a + 0x48], SEL_DATA
    mov word [tss_a + 0x50], SEL_DATA
    mov word [tss_a + 0x54], SEL_DATA
    mov word [tss_a + 0x58], SEL_DATA
    mov word [tss_a + 0x5c], SEL_DATA

    mov dword [tss_exc + 0x20], exc_task
    mov dword [tss_exc + 0x24], 0x2
    mov dword [tss_exc + 0x38], stack_exc_top
    mov word [tss_exc + 0x4c], SEL_CODE
    mov word [tss_exc + 0x48], SEL_DATA
    mov word [tss_exc + 0x50], SEL_DATA
    mov word [tss_exc + 0x54], SEL_DATA

    mov word [tss_b16 + 0x0e], task16 - $$      ; IP (CS base is the image base)
    mov word [tss_b16 + 0x10], 0x2              ; FLAGS
    mov word [tss_b16 + 0x18], 0x1616           ; BX
    mov word [tss_b16 + 0x1a], stack_b_top - $$ ; SP
    mov word [tss_b16 + 0x22], SEL_DATA16       ; ES
    mov word [tss_b16 + 0x24], SEL_CODE16       ; CS
    mov word [tss_b16 + 0x26], SEL_DATA16       ; SS
    mov word [tss_b16 + 0x28], SEL_DATA16       ; DS

    mov dword [tss_v + 4], stack0_v_top         ; ESP0
    mov word [tss_v + 8], SEL_DATA              ; SS0
    mov dword [tss_v + 0x20], 0                 ; EIP
    mov dword [tss_v + 0x24], 0x00023002        ; VM | IOPL 3 | reserved bit 1
    mov dword [tss_v + 0x38], 0xfff0            ; ESP
    mov word [tss_v + 0x48], V86_SEG
    mov word [tss_v + 0x4c], V86_SEG
    mov word [tss_v + 0x50], V86_SEG
    mov word [tss_v + 0x54], V86_SEG
    mov word [tss_v + 0x58], V86_SEG + 1
    mov word [tss_v + 0x5c], V86_SEG + 2
    mov word [tss_v + 0x66], tss_v_iomap - tss_v
    ; the bitmap: every port denied but 0xE9
    mov edi, tss_v_iomap
    mov ecx, 32
    mov al, 0xff
    rep stosb
    and byte [tss_v_iomap + (0xe9 >> 3)], ~(1 << (0xe9 & 7))

    ; The v86 programs go below 1 MiB.
    mov esi, v86_code
    mov edi, V86_BASE
    mov ecx, v86_end - v86_code
    rep movsb
    mov dword [V86_BASE + 0x100], 0x76543210    ; data for the segment-arithmetic case

    GATE 13, SEL_TSS_EXC, 0, 0x85               ; #GP → the exception task (task gate)

    ; ==== 1: JMP to a TSS.
    PUTS {"1 "}
    mov eax, 0xaaaa0001
    mov esi, 0x5151
    jmp SEL_TSS_A:0
    ; task A jumps back here
    mov [saved], eax
    PUTS {"1back "}
    HEX [saved]
    HEX esi
    movzx eax, byte [gdt + SEL_TSS_MAIN + 5]
    HEX eax
    movzx eax, byte [gdt + SEL_TSS_A + 5]
    HEX eax
    mov eax, [tss_a + 0x20]
    sub eax, task_a
    HEX eax                                     ; where task A will resume
    mov eax, [tss_a + 0x24]
    and eax, ~0x8d5                             ; the arithmetic flags are not the point
    HEX eax
    str ax
    movzx eax, ax
    HEX eax
    PUTS {13, 10}

    ; ==== 2: CALL through a task gate, IRET back.
    PUTS {"2 "}
    mov edi, 0x7777
    call SEL_GATE_A:0
    mov [saved], edi
    PUTS {"2back "}
    HEX [saved]
    pushfd
    pop eax
    and eax, 0x4000
    HEX eax
    movzx eax, byte [gdt + SEL_TSS_MAIN + 5]
    HEX eax
    movzx eax, byte [gdt + SEL_TSS_A + 5]
    HEX eax
    mov eax, [tss_a + 0x24]
    and eax, ~0x8d5
    HEX eax
    movzx eax, word [tss_a]
    HEX eax
    PUTS {13, 10}

    ; ==== 3: #GP(selector) through the IDT's task gate.
    PUTS {"3 "}
    mov ax, GDT_END_SEL
fault1:
    mov ds, ax                                  ; #GP(0x58): beyond the GDT limit
    PUTS {"3back "}
    mov eax, ds
    HEX eax
    movzx eax, byte [gdt + SEL_TSS_EXC + 5]
    HEX eax
    PUTS {13, 10}

    ; ==== 4: a 16-bit TSS.
    PUTS {"4 "}
    jmp SEL_TSS_B16:0
    PUTS {"4back "}
    movzx eax, byte [gdt + SEL_TSS_B16 + 5]
    HEX eax
    movzx eax, word [tss_b16 + 0x0e]
    sub eax, task16_resume - $$
    HEX eax
    movzx eax, word [tss_b16 + 0x18]
    HEX eax
    PUTS {13, 10}

    ; ==== 5: virtual-8086 mode by a task switch.
    GATE 13, SEL_CODE, v86_gp, 0x8e
    GATE 0x30, SEL_CODE, v86_int30, 0xee         ; DPL 3 interrupt gate
    GATE 0x31, SEL_CODE, v86_exit_task, 0xee
    GATE 3, SEL_CODE, v86_exit_iret, 0xee
    GATE 6, SEL_CODE, v86_ud, 0x8e
    PUTS {"5 "}
    jmp SEL_TSS_V:0
    PUTS {"5back "}
    movzx eax, byte [gdt + SEL_TSS_V + 5]
    HEX eax
    mov eax, [tss_v + 0x24]
    and eax, ~0x8d5
    HEX eax
    PUTS {13, 10}

    ; ==== 6: virtual-8086 mode by IRETD, IOPL 0.
    PUTS {"6 "}
    mov [main_esp], esp
    push dword V86_SEG                          ; GS
    push dword V86_SEG                          ; FS
    push dword V86_SEG                          ; DS
    push dword V86_SEG                          ; ES
    push dword V86_SEG                          ; SS
    push dword 0xff00                           ; ESP
    push dword 0x00020002                       ; EFLAGS: VM, IOPL 0
    push dword V86_SEG                          ; CS
    push dword v86_code2 - v86_code             ; EIP
    iretd
after_v86_2:
    PUTS {"6back", 13, 10}

    ; ==== 7: a call gate from ring 3.
    PUTS {"7 "}
    GATE 0x32, SEL_CODE, ring3_exit, 0xee
    mov [main_esp], esp
    push dword SEL_DATA3 | 3                    ; SS
    push dword stack3_top                       ; ESP
    push dword 0x3002                           ; EFLAGS: IOPL 3 (ring 3 may print)
    push dword SEL_CODE3 | 3                    ; CS
    push dword ring3
    iretd
after_ring3:
    PUTS {"7back", 13, 10}

    PUTS {"done", 13, 10}
    xor eax, eax
    call exit_device

; ---- Task A: entered by JMP (case 1), then by CALL through the gate (case 2).
task_a:
    mov [saved], eax
    mov [saved + 4], ebx
    PUTS {"A1 "}
    HEX [saved]
    HEX [saved + 4]
    pushfd
    pop eax
    and eax, 0x4000
    HEX eax                                     ; NT: 0 after a JMP
    str ax
    movzx eax, ax
    HEX eax
    movzx eax, byte [gdt + SEL_TSS_MAIN + 5]
    HEX eax
    movzx eax, byte [gdt + SEL_TSS_A + 5]
    HEX eax
    mov eax, [tss_main + 0x20]
    sub eax, _start
    HEX eax                                     ; main's saved EIP (after its JMP)
    HEX [tss_main + 0x28]                       ; main's saved EAX
    jmp SEL_TSS_MAIN:0
    ; resumed by the CALL of case 2
    PUTS {"A2 "}
    pushfd
    pop eax
    and eax, 0x4000
    HEX eax                                     ; NT: set by the CALL
    movzx eax, word [tss_a]
    HEX eax                                     ; back link
    movzx eax, byte [gdt + SEL_TSS_MAIN + 5]
    HEX eax
    movzx eax, byte [gdt + SEL_TSS_A + 5]
    HEX eax
    HEX [tss_main + 0x44]                       ; main's saved EDI
    iretd
    PUTS {"A3?"}
    jmp $

; ---- The exception task (case 3): the error code is on its stack.
exc_task:
    pop eax
    mov [saved], eax
    PUTS {"E "}
    HEX [saved]
    movzx eax, word [tss_exc]
    HEX eax                                     ; back link: the main task
    mov eax, [tss_main + 0x20]
    sub eax, fault1
    HEX eax                                     ; the faulting instruction
    pushfd
    pop eax
    and eax, 0x4000
    HEX eax
    add dword [tss_main + 0x20], 2              ; skip the 2-byte MOV DS, AX
    iretd
    jmp exc_task

; ---- 16-bit code for the 16-bit TSS (case 4); CS and DS have the image base.
bits 16
task16:
    mov si, msg16 - $$
.l:
    lodsb
    test al, al
    jz .d
    out 0xe9, al
    jmp .l
.d:
    mov ax, bx
    call hex16
    str ax
    call hex16
    jmp SEL_TSS_MAIN:0
task16_resume:
    jmp $

hex16:                                          ; AX as 4 hex digits and a space
    mov cx, 4
    mov dx, ax
.h:
    rol dx, 4
    mov al, dl
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o:
    out 0xe9, al
    loop .h
    mov al, ' '
    out 0xe9, al
    ret
bits 32

; ---- Ring-0 handlers for virtual-8086 mode (cases 5 and 6).
; INT 0x30 from v86: print EAX, the data segment registers in the handler, and the whole frame.
v86_int30:
    pushad
    mov ebx, ds
    mov ecx, fs
    mov ax, SEL_DATA
    mov ds, ax
    mov [saved], ebx
    mov [saved + 4], ecx
    PUTS {"I "}
    HEX [esp + 28]                              ; EAX
    HEX [saved]                                 ; DS in the handler: null
    HEX [saved + 4]                             ; FS: null
    mov ebx, 0
.frame:
    HEX [esp + 32 + ebx * 4]                    ; EIP CS EFLAGS ESP SS ES DS FS GS
    inc ebx
    cmp ebx, 9
    jb .frame
    PUTS {13, 10}
    popad
    iretd

; #GP from v86: print the error code and IP; skip BL bytes.
v86_gp:
    pushad
    mov ax, SEL_DATA
    mov ds, ax
    PUTS {"G "}
    HEX [esp + 32]                              ; error code
    HEX [esp + 36]                              ; EIP
    mov eax, [esp + 44]                         ; EFLAGS, without RF: the SDM (§17.3.1.1) sets RF in
    and eax, ~0x10000                           ; the image of every fault, QEMU's TCG does not
    HEX eax
    PUTS {13, 10}
    movzx eax, byte [esp + 16]                  ; BL
    add [esp + 36], eax
    popad
    add esp, 4
    iretd

; #UD from v86: print IP; skip BL bytes.
v86_ud:
    pushad
    mov ax, SEL_DATA
    mov ds, ax
    PUTS {"U "}
    HEX [esp + 32]                              ; EIP
    PUTS {13, 10}
    movzx eax, byte [esp + 16]
    add [esp + 32], eax
    popad
    iretd

; INT 0x31 ends case 5: back to the main task by a task switch.
v86_exit_task:
    mov ax, SEL_DATA
    mov ds, ax
    PUTS {"X "}
    mov eax, [esp + 8]                          ; EFLAGS of the v86 code
    and eax, ~0x8d5
    HEX eax
    PUTS {13, 10}
    jmp SEL_TSS_MAIN:0

; INT3 ends case 6: back to the main code on its own stack.
v86_exit_iret:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    PUTS {"B "}
    HEX [esp]                                   ; EIP after INT3
    mov eax, [esp + 8]                          ; EFLAGS
    and eax, ~0x8d5
    HEX eax
    PUTS {13, 10}
    mov esp, [main_esp]
    jmp after_v86_2

; Ring 3 (case 7).
ring3:
    mov ax, SEL_DATA3 | 3
    mov ds, ax
    mov es, ax
    mov [saved], esp
    push dword 0x1111
    push dword 0x2222
    call SEL_CALLGATE:0
    mov eax, [saved]
    sub eax, esp
    mov [saved + 4], eax
    PUTS {"R3 "}
    HEX [saved + 4]                             ; 0: RETF 8 dropped the parameters
    mov eax, cs
    HEX eax
    mov eax, ds
    HEX eax
    PUTS {13, 10}
    mov bl, 7
    jmp SEL_CALLGATE:0                          ; #GP(0x08): JMP cannot raise privilege
    int 0x32

; The call gate's target, at ring 0 on the TSS's ring-0 stack.
gate_target:
    mov [saved + 4], ds
    mov ax, SEL_DATA
    mov ds, ax
    PUTS {"C "}
    mov eax, cs
    HEX eax
    mov eax, ss
    HEX eax
    HEX [esp + 4]                               ; caller's CS
    HEX [esp + 8]                               ; the parameters, as on the caller's stack
    HEX [esp + 12]
    mov eax, [esp + 16]                         ; caller's ESP
    sub eax, stack3_top
    HEX eax
    HEX [esp + 20]                              ; caller's SS
    mov eax, [tss_main + 4]
    sub eax, esp
    HEX eax                                     ; frame size on the ring-0 stack
    PUTS {13, 10}
    mov ds, [saved + 4]
    retf 8

ring3_exit:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    PUTS {"Z "}
    HEX [esp + 4]                               ; CS of ring 3
    PUTS {13, 10}
    mov esp, [main_esp]
    jmp after_ring3

hex_sp:
    call debug_hex32
    mov al, ' '
    out 0xe9, al
    ret

; ---- Virtual-8086 programs (copied to V86_BASE; offsets are relative to v86_code).
bits 16
v86_code:
    mov al, 'v'
    out 0xe9, al                                ; allowed by the bitmap
    mov eax, 0x12345678
    int 0x30
    pushf
    pop ax
    movzx eax, ax
    int 0x30                                    ; the PUSHF image
    pushfd
    pop eax
    int 0x30                                    ; the PUSHFD image: VM and RF read as 0
    mov bl, 2
    out 0x80, al                                ; denied by the bitmap: #GP(0)
    mov bl, 1
    hlt                                         ; CPL 3: #GP(0)
    mov bl, 3
    lldt ax                                     ; not recognised in v86 mode: #UD
    mov ax, V86_SEG + 0x10
    mov ds, ax
    mov eax, [0]                                ; linear 0x20100
    int 0x30
    mov ax, ss
    movzx eax, ax
    int 0x30
    mov eax, esp
    int 0x30
    int 0x31
    jmp $

v86_code2:
    mov bl, 1
    cli
    mov bl, 1
    sti
    mov bl, 1
    pushf
    mov bl, 1
    popf
    mov bl, 2
    int 0x30
    mov bl, 2
    out 0xe9, al                                ; no bitmap in the main TSS: #GP(0)
    mov bl, 1
    iret
    int3
    jmp $
v86_end:
bits 32

%include "include/console.inc"

msg16: db "T16 ", 0

    align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff                       ; 0x08 code 32, DPL 0
    dq 0x00cf92000000ffff                       ; 0x10 data 32, DPL 0
%macro TSSDESC 3                                ; base label, limit, type byte
    dw %2
    dw (%1 - $$ + LOAD_ADDR) & 0xffff
    db ((%1 - $$ + LOAD_ADDR) >> 16) & 0xff
    db %3
    db 0
    db ((%1 - $$ + LOAD_ADDR) >> 24) & 0xff
%endmacro
    TSSDESC tss_main, 0x67, 0x89                ; 0x18
    TSSDESC tss_a, 0x67, 0x89                   ; 0x20
    TSSDESC tss_b16, 0x2b, 0x81                 ; 0x28 16-bit TSS
    dw 0, SEL_TSS_A, 0x8500, 0                  ; 0x30 task gate → task A
    TSSDESC tss_exc, 0x67, 0x89                 ; 0x38
    dw 0xffff
    dw ($$ - $$ + LOAD_ADDR) & 0xffff           ; 0x40 code 16 at the image base
    db (LOAD_ADDR >> 16) & 0xff, 0x9a, 0x00, (LOAD_ADDR >> 24) & 0xff
    dw 0xffff                                   ; 0x48 data 16 at the image base
    dw LOAD_ADDR & 0xffff
    db (LOAD_ADDR >> 16) & 0xff, 0x92, 0x00, (LOAD_ADDR >> 24) & 0xff
    TSSDESC tss_v, tss_v_end - tss_v - 1, 0x89  ; 0x50 with an I/O bitmap
    dq 0x00cffa000000ffff                       ; 0x58 code 32, DPL 3
    dq 0x00cff2000000ffff                       ; 0x60 data 32, DPL 3
    dw (gate_target - $$ + LOAD_ADDR) & 0xffff  ; 0x68 32-bit call gate, DPL 3, 2 parameters
    dw SEL_CODE
    db 2, 0xec
    dw (gate_target - $$ + LOAD_ADDR) >> 16
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt

    align 8
idt:
    times 0x33 dq 0
idt_ptr:
    dw 0x33 * 8 - 1
    dd idt

    align 16
tss_main: times 0x68 db 0
tss_a:    times 0x68 db 0
tss_exc:  times 0x68 db 0
tss_b16:  times 0x2c db 0
    align 16
tss_v:    times 0x68 db 0
tss_v_iomap: times 32 db 0
          db 0xff
tss_v_end:

    align 4
saved:    dd 0, 0
main_esp: dd 0

    align 16
          times 1024 db 0
stack_top:
          times 512 db 0
stack_a_top:
          times 512 db 0
stack_exc_top:
          times 512 db 0
stack_b_top:
          times 512 db 0
stack0_v_top:
          times 512 db 0
stack0_main_top:
          times 512 db 0
stack3_top:
ELF_END
