; segmentation.asm — differential test of 32-bit protected-mode segmentation (Intel SDM Vol. 3A
; ch. 3 and 5, Vol. 2 MOV/POP Sreg, JMP, CALL, RET, IRET, LAR, LSL, VERR/VERW, ARPL, LLDT, LTR) and
; of the hardware task switch (ch. 7). One line per case (sys32.inc's TRY/ENDTRY):
; - segment-register loads: null selectors, selectors past the GDT/LDT limit, system and execute-only
;   descriptors, not-present segments (#NP, #SS for SS), DPL/RPL/CPL rules from ring 0 and ring 3,
;   the rules for SS, the accessed bit written on a load, an LDT;
; - data segment registers nulled when RET/IRET go to an outer ring (conforming code is kept);
; - far JMP/CALL/RET: conforming vs non-conforming code, RPL, not-present, the CS limit;
; - call gates: CALL from ring 3 to ring 0 with a stack switch and 2 parameters copied, RETF n back;
;   same-privilege CALL and JMP through a gate; gate DPL, not-present gate, JMP to a more privileged
;   non-conforming segment, a gate to conforming code;
; - tasks: JMP and CALL to a TSS, a task gate in the GDT and in the IDT, IRET with NT, busy bits,
;   the back link, CR0.TS, LTR rules;
; - LAR / LSL / VERR / VERW over every descriptor type (16 system types, 16 code/data types at DPL 0
;   and DPL 3) from ring 0 with RPL 0 and RPL 3 and from ring 3; ARPL.
; Not here, because QEMU's TCG does not check them (src/x86/segment-limits.test.ts and
; src/x86/system-segmentation.test.ts follow the SDM instead): data and stack accesses against the
; segment limit, expand-down segments (16- and 32-bit), #SS for stack-limit violations, writes
; through a read-only data segment, use of a null data segment. Also pinned there rather than
; here, where QEMU 7.2 departs from the SDM: the accessed bit set when CS is loaded (§3.4.5.1; QEMU
; sets it only for data-segment loads, so sys32.inc presets it), and CS.RPL = CPL after a CALL
; through a call gate to a conforming segment (CALL pseudo-code, SAME-PRIVILEGE; QEMU keeps the
; gate's RPL 0 — the case prints the selector without its RPL).
; Ends through the exit device with value 0.
%define SYS32_GDT_COUNT 96
BSS_SIZE equ bss_end - file_end
%include "include/multiboot-elf.inc"
%include "include/sys32.inc"

D_BYTE  equ 0x30                    ; data RW DPL0, base 0, byte limit 0xFFF
D_PAGE  equ 0x38                    ; data RW DPL0, G=1, limit 0 (0xFFF)
D_ED16  equ 0x40                    ; expand-down RW DPL0, B=0, limit 0xFFF
D_ED32  equ 0x48                    ; expand-down RW DPL0, B=1, G=1, limit 0xFFFFE
D_RO    equ 0x50                    ; read-only data DPL0
D_NP    equ 0x58                    ; RW data, not present
D_DPL1  equ 0x60                    ; RW data DPL1
C_XO    equ 0x68                    ; execute-only code DPL0
C_XR    equ 0x70                    ; execute/read code DPL0
C_CONF0 equ 0x78                    ; conforming execute/read code DPL0
C_CONF3 equ 0x80                    ; conforming execute/read code DPL3
C_NP    equ 0x88                    ; code, not present
C_LIM   equ 0x90                    ; code DPL0, byte limit 0xFFFFF (the kernel lies above it)
S_LDT   equ 0x98                    ; the LDT
CG3     equ 0xA0                    ; 32-bit call gate DPL3 → 0x08:gate_target, 2 parameters
CG0     equ 0xA8                    ; 32-bit call gate DPL0 → 0x08:gate_target0
CGNP    equ 0xB0                    ; call gate, not present
CGCONF  equ 0xB8                    ; call gate DPL3 → C_CONF0:conf_target
S_TSS2  equ 0xC0                    ; a second 32-bit TSS
TG      equ 0xC8                    ; task gate → S_TSS2
S_TSSNP equ 0xD0                    ; TSS, not present
D_FRESH equ 0xD8                    ; data RW DPL0 with the accessed bit clear
TYPES_SYS equ 48                    ; GDT 48..63: system types 0..15 (P=1, DPL0)
TYPES_D0  equ 64                    ; GDT 64..79: code/data types 0..15, DPL0
TYPES_D3  equ 80                    ; GDT 80..95: code/data types 0..15, DPL3
L_DATA  equ 0x0C                    ; LDT entry 1 (TI=1)
L_BEYOND equ 0x14                   ; LDT entry 2: past the LDT limit

_start:
    mov esp, stack_top
    call sys_init
    SAY "segmentation"
    mov al, 10
    out DEBUGCON, al

    SETDESC 6, 0, 0xFFF, 0x93, 0x4
    SETDESC 7, 0, 0, 0x93, 0xC
    SETDESC 8, 0, 0xFFF, 0x97, 0x0
    SETDESC 9, 0, 0xFFFFE, 0x97, 0xC
    SETDESC 10, 0, 0xFFFFF, 0x91, 0xC
    SETDESC 11, 0, 0xFFFFF, 0x13, 0xC
    SETDESC 12, 0, 0xFFFFF, 0xB3, 0xC
    SETDESC 13, 0, 0xFFFFF, 0x99, 0xC
    SETDESC 14, 0, 0xFFFFF, 0x9B, 0xC
    SETDESC 15, 0, 0xFFFFF, 0x9F, 0xC
    SETDESC 16, 0, 0xFFFFF, 0xFF, 0xC
    SETDESC 17, 0, 0xFFFFF, 0x1B, 0xC
    SETDESC 18, 0, 0xFFFFF, 0x9B, 0x4
    SETDESC 19, ldt_table, 15, 0x82, 0x0
    SETGATEP 20, SEL_CODE0, gate_target, 0xEC, 2
    SETGATE 21, SEL_CODE0, gate_target0, 0x8C
    SETGATE 22, SEL_CODE0, gate_target0, 0x0C
    SETGATE 23, C_CONF0, conf_target, 0xEC
    SETDESC 24, tss2, 103, 0x89, 0x0
    SETGATE 25, S_TSS2, 0, 0x85
    SETDESC 26, tss2, 103, 0x09, 0x0
    SETDESC 27, 0, 0xFFFFF, 0x92, 0xC
    ; the type tables: base 0x00012000, limit 0x3456 (G=0; DB=1 for S=1), every type
    xor ebx, ebx
.types:
    lea edi, [gdt + TYPES_SYS * 8 + ebx * 8]
    mov eax, 0x12000
    push ebx
    mov ecx, ebx
    or ecx, 0x80                    ; P, DPL0, S=0, type
    mov ebx, 0x3456
    call make_desc
    pop ebx
    lea edi, [gdt + TYPES_D0 * 8 + ebx * 8]
    push ebx
    mov ecx, ebx
    or ecx, 0x4090                  ; P, DPL0, S=1, type; flags D/B
    mov ebx, 0x3456
    call make_desc
    pop ebx
    lea edi, [gdt + TYPES_D3 * 8 + ebx * 8]
    push ebx
    mov ecx, ebx
    or ecx, 0x40F0                  ; P, DPL3, S=1, type
    mov ebx, 0x3456
    call make_desc
    pop ebx
    inc ebx
    cmp ebx, 16
    jb .types
    ; the LDT: entry 1 = data RW DPL0 at ldt_area
    mov edi, ldt_table + 8
    mov eax, ldt_area
    mov ebx, 0xFFF
    mov ecx, 0x4093
    call make_desc
    mov dword [ldt_area], 0x1D7DA7A0
    ; TSS2: EIP, EFLAGS, ESP, segment selectors (§7.2.1)
    mov dword [tss2 + 32], task2_entry
    mov dword [tss2 + 36], 0x2
    mov dword [tss2 + 56], task2_stack_top
    mov dword [tss2 + 72], SEL_DATA0   ; ES
    mov dword [tss2 + 76], SEL_CODE0   ; CS
    mov dword [tss2 + 80], SEL_DATA0   ; SS
    mov dword [tss2 + 84], SEL_DATA0   ; DS
    mov dword [tss2 + 88], SEL_DATA0   ; FS
    mov dword [tss2 + 92], SEL_DATA0   ; GS
    mov word [tss2 + 102], 104

    ; ---- segment-register loads, ring 0 (§5.5, MOV Sreg) ----
    TRY "ds-null-rpl3"
    mov ax, 3
    mov ds, ax
    ENDTRY
    TRY "ds-past-gdt-limit"
    mov ax, GDT_COUNT * 8 + 1
    mov ds, ax
    ENDTRY
    TRY "ds-system-ldt"
    mov ax, S_LDT
    mov ds, ax
    ENDTRY
    TRY "ds-execute-only"
    mov ax, C_XO
    mov ds, ax
    ENDTRY
    TRY "ds-execute-read"
    mov ax, C_XR
    mov ds, ax
    ENDTRY
    TRY "ds-not-present"
    mov ax, D_NP
    mov ds, ax
    ENDTRY
    TRY "ds-not-present-rpl3"
    mov ax, D_NP | 3                ; privilege is checked before presence
    mov ds, ax
    ENDTRY
    TRY "ds-rpl3-dpl0"
    mov ax, SEL_DATA0 | 3
    mov ds, ax
    ENDTRY
    TRY "ds-dpl1"
    mov ax, D_DPL1
    mov ds, ax
    ENDTRY
    TRY "es-dpl3-rpl3"
    mov ax, SEL_DATA3
    mov es, ax
    ENDTRY
    TRY "fs-conforming-rpl3"
    mov ax, C_CONF0 | 3
    mov fs, ax
    ENDTRY
    TRY "gs-tss"
    mov ax, SEL_TSS
    mov gs, ax
    ENDTRY
    TRY "pop-ds-not-present"
    push dword D_NP
    pop ds
    ENDTRY
    TRY "ss-null"
    xor eax, eax
    mov ss, ax
    ENDTRY
    TRY "ss-read-only"
    mov ax, D_RO
    mov ss, ax
    ENDTRY
    TRY "ss-code"
    mov ax, C_XR
    mov ss, ax
    ENDTRY
    TRY "ss-dpl3-rpl3"
    mov ax, SEL_DATA3
    mov ss, ax
    ENDTRY
    TRY "ss-dpl0-rpl3"
    mov ax, SEL_DATA0 | 3
    mov ss, ax
    ENDTRY
    TRY "ss-dpl1"
    mov ax, D_DPL1
    mov ss, ax
    ENDTRY
    TRY "ss-not-present"
    mov ax, D_NP
    mov ss, ax
    ENDTRY
    TRY "ss-expand-down-ok"
    mov ax, D_ED32
    mov ss, ax
    mov ax, SEL_DATA0
    mov ss, ax
    ENDTRY
    TRY "accessed-bit-set-by-load"
    movzx eax, byte [gdt + D_FRESH + 5]
    PRINT eax
    mov ax, D_FRESH
    mov es, ax
    movzx eax, byte [gdt + D_FRESH + 5]
    PRINT eax
    ENDTRY
    TRY "ldt-load-and-use"
    mov ax, S_LDT
    lldt ax
    sldt bx
    movzx ebx, bx
    PRINT ebx
    mov ax, L_DATA
    mov es, ax
    mov eax, [es:0]
    PRINT eax
    ENDTRY
    TRY "ldt-selector-past-limit"
    mov ax, L_BEYOND
    mov es, ax
    ENDTRY
    TRY "lldt-data-descriptor"
    mov ax, SEL_DATA0
    lldt ax
    ENDTRY
    TRY "lldt-null-then-ldt-selector"
    xor eax, eax
    lldt ax
    mov ax, L_DATA
    mov es, ax
    ENDTRY
    TRY "ltr-busy"
    mov ax, SEL_TSS
    ltr ax
    ENDTRY
    TRY "ltr-data"
    mov ax, SEL_DATA0
    ltr ax
    ENDTRY
    TRY "ltr-not-present"
    mov ax, S_TSSNP
    ltr ax
    ENDTRY
    TRY "str"
    str eax
    movzx eax, ax
    PRINT eax
    ENDTRY
    TRY "arpl"
    mov ax, 0x10
    mov bx, 0x23
    arpl ax, bx                     ; RPL 0 < 3: raised, ZF = 1
    movzx eax, ax
    PRINT eax
    PRINTFL 0x40
    mov ax, 0x13
    mov bx, 0x20
    arpl ax, bx                     ; RPL 3 > 0: unchanged, ZF = 0
    movzx eax, ax
    PRINT eax
    PRINTFL 0x40
    mov word [arpl_mem], 0x0A
    mov cx, 0x0B
    arpl [arpl_mem], cx
    movzx eax, word [arpl_mem]
    PRINT eax
    PRINTFL 0x40
    ENDTRY

    ; ---- ring 3 loads ----
    TRY "r3-ds-dpl0"
    ENTER_RING3
    mov ax, SEL_DATA0 | 3
    mov ds, ax
    LEAVE_RING3
    ENDTRY
    TRY "r3-ds-rpl0-dpl3"
    ENTER_RING3
    mov ax, SEL_DATA3 & ~3          ; RPL 0 < CPL: allowed (max(CPL, RPL) = 3 <= DPL 3)
    mov ds, ax
    LEAVE_RING3
    ENDTRY
    TRY "r3-ds-conforming-dpl0"
    ENTER_RING3
    mov ax, C_CONF0 | 3
    mov ds, ax
    LEAVE_RING3
    ENDTRY
    TRY "r3-ds-nonconforming-dpl0"
    ENTER_RING3
    mov ax, C_XR | 3
    mov ds, ax
    LEAVE_RING3
    ENDTRY
    TRY "r3-ss-dpl0"
    ENTER_RING3
    mov ax, SEL_DATA0 | 3
    mov ss, ax
    LEAVE_RING3
    ENDTRY
    TRY "r3-ss-null"
    ENTER_RING3
    mov ax, 3
    mov ss, ax
    LEAVE_RING3
    ENDTRY
    TRY "r3-ss-rpl0"
    ENTER_RING3
    mov ax, SEL_DATA3 & ~3
    mov ss, ax
    LEAVE_RING3
    ENDTRY
    TRY "r3-lldt"
    ENTER_RING3
    mov ax, S_LDT
    lldt ax
    LEAVE_RING3
    ENDTRY

    ; ---- data segments nulled on a return to an outer ring (IRET, RET pseudo-code) ----
    TRY "iret-to-r3-segments"
    mov ax, SEL_DATA0
    mov ds, ax
    mov ax, SEL_DATA3
    mov es, ax
    mov ax, C_CONF0
    mov fs, ax
    mov ax, D_DPL1
    mov gs, ax
    push dword SEL_DATA3
    push dword user_stack_top
    pushfd
    push dword SEL_CODE3
    push dword .iu
    iret
.iu:
    call store_segs_r3
    LEAVE_RING3
    ENDTRY
    TRY "  segs"
    call print_segs
    ENDTRY
    TRY "retf-to-r3-segments"
    mov ax, D_DPL1
    mov ds, ax
    mov ax, C_XR
    mov es, ax
    mov ax, SEL_DATA3
    mov fs, ax
    mov ax, SEL_DATA0
    mov gs, ax
    push dword SEL_DATA3
    push dword user_stack_top
    push dword SEL_CODE3
    push dword .ru
    retf
.ru:
    call store_segs_r3
    LEAVE_RING3
    ENDTRY
    TRY "  segs"
    call print_segs
    ENDTRY
    TRY "retf-r3-to-r0"
    ENTER_RING3
    push dword SEL_CODE0
    push dword .r0
    retf
.r0:
    ENDTRY

    ; ---- far JMP / CALL (§5.8.1, §5.8.2) ----
    TRY "jmp-far-rpl3-nonconforming"
    jmp (SEL_CODE0 | 3):.x1
.x1:
    ENDTRY
    TRY "jmp-far-data"
    jmp SEL_DATA0:.x2
.x2:
    ENDTRY
    TRY "jmp-far-not-present"
    jmp C_NP:.x3
.x3:
    ENDTRY
    TRY "jmp-far-conforming-dpl3-from-r0"
    jmp C_CONF3:.x4
.x4:
    ENDTRY
    TRY "jmp-far-past-cs-limit"
    jmp C_LIM:.x5                   ; (.x5 lies above 1 MiB)
.x5:
    ENDTRY
    TRY "jmp-far-xr-and-back"
    jmp C_XR:.x6
.x6:
    mov eax, cs
    movzx eax, ax
    PRINT eax
    jmp SEL_CODE0:.x7
.x7:
    ENDTRY
    TRY "r3-jmp-far-nonconforming-dpl0"
    ENTER_RING3
    jmp (SEL_CODE0 | 3):.x8
.x8:
    LEAVE_RING3
    ENDTRY
    TRY "r3-call-far-conforming-dpl0"
    ENTER_RING3
    call C_CONF0:conf_target        ; CPL stays 3, CS.RPL = 3
    mov [ss:far_esp], esp
    LEAVE_RING3
    ENDTRY
    TRY "  target"
    PRINT dword [conf_cs]
    PRINT dword [conf_ret_cs]
    mov eax, [far_esp]
    sub eax, user_stack_top
    PRINT eax
    ENDTRY
    TRY "r3-jmp-far-conforming-dpl3"
    ENTER_RING3
    jmp C_CONF3:.x9
.x9:
    mov [ss:conf_cs], cs
    LEAVE_RING3
    ENDTRY
    TRY "  cs"
    PRINT dword [conf_cs]
    ENDTRY

    ; ---- call gates (§5.8.3-5.8.6) ----
    TRY "callgate-r3-to-r0"
    ENTER_RING3
    push dword 0x11111111
    push dword 0x22222222
    call CG3:0                      ; the offset is ignored
..@callgate_ret:
    mov [ss:far_esp], esp
    LEAVE_RING3
    ENDTRY
    TRY "  frame"
    mov eax, [gate_frame]           ; return EIP
    sub eax, ..@callgate_ret
    PRINT eax
    PRINT dword [gate_frame + 4]    ; CS
    PRINT dword [gate_frame + 8]    ; parameter 2 (last pushed, nearest)
    PRINT dword [gate_frame + 12]   ; parameter 1
    mov eax, [gate_frame + 16]      ; the caller's ESP
    sub eax, user_stack_top
    PRINT eax
    PRINT dword [gate_frame + 20]   ; the caller's SS
    PRINT dword [gate_cs]           ; CS in the target
    mov eax, [gate_esp]             ; ESP in the target: from TSS.ESP0
    sub eax, kstack_top
    PRINT eax
    mov eax, [far_esp]              ; after RETF 8: parameters popped
    sub eax, user_stack_top
    PRINT eax
    ENDTRY
    TRY "callgate-r0-same-privilege"
    call CG0:0
..@callgate0_ret:
    mov [far_esp], esp
    ENDTRY
    TRY "  frame"
    mov eax, [gate_frame]
    sub eax, ..@callgate0_ret
    PRINT eax
    PRINT dword [gate_frame + 4]
    PRINT dword [gate_cs]
    mov eax, [far_esp]
    sub eax, [saved_esp]
    PRINT eax
    ENDTRY
    TRY "jmpgate-r0"
    mov dword [gate_cs], 0
    mov dword [gate_jmp], 1
    jmp CG0:0
    ENDTRY
    mov dword [gate_jmp], 0
    TRY "  cs"
    PRINT dword [gate_cs]
    ENDTRY
    TRY "r3-callgate-dpl0"
    ENTER_RING3
    call CG0:0
    LEAVE_RING3
    ENDTRY
    TRY "callgate-not-present"
    call CGNP:0
    ENDTRY
    TRY "r3-jmpgate-to-r0-nonconforming"
    ENTER_RING3
    jmp CG3:0
    ENDTRY
    TRY "r3-callgate-conforming"
    ENTER_RING3
    call CGCONF:0
    mov [ss:far_esp], esp
    LEAVE_RING3
    ENDTRY
    TRY "  target"
    mov eax, [conf_cs]
    and eax, 0xFFFC                 ; (RPL = CPL = 3 per the SDM; QEMU loads RPL 0, see the header)
    PRINT eax
    PRINT dword [conf_ret_cs]
    ENDTRY

    ; ---- LAR / LSL / VERR / VERW ----
    mov ax, S_LDT                   ; (so that the LDT selector has a descriptor)
    lldt ax
    mov dword [probe_rpl], 0
    call probe_all
    mov dword [probe_rpl], 3
    mov dword [probe_out], probe_r0_rpl3
    call probe_all
    TRY "probe-ring3"
    ENTER_RING3
    mov dword [probe_out], probe_r3
    call probe_all
    LEAVE_RING3
    ENDTRY
    call print_probes

    ; ---- tasks (§7.3) ----
    TRY "jmp-tss"
    mov dword [t2_mode], 0
    jmp S_TSS2:0
    ENDTRY
    TRY "  task2"
    call print_task2
    ENDTRY
    TRY "  task1"
    call print_task1
    ENDTRY
    TRY "call-tss"
    mov dword [t2_mode], 1
    call S_TSS2:0
    ENDTRY
    TRY "  task2"
    call print_task2
    ENDTRY
    TRY "  task1"
    call print_task1
    ENDTRY
    TRY "jmp-task-gate-gdt"
    mov dword [t2_mode], 0
    jmp TG:0
    ENDTRY
    TRY "  task2"
    call print_task2
    ENDTRY
    TRY "int-task-gate-idt"
    mov dword [t2_mode], 1
    SETIDT 0x40, S_TSS2, 0, 0x85
    int 0x40
    ENDTRY
    TRY "  task2"
    call print_task2
    ENDTRY
    TRY "  task1"
    call print_task1
    ENDTRY
    TRY "jmp-busy-tss"
    jmp SEL_TSS:0
    ENDTRY
    TRY "r3-call-tss-dpl0"
    ENTER_RING3
    call S_TSS2:0
    ENDTRY
    TRY "iret-nt0-same-task"
    pushfd
    and dword [esp], ~0x4000
    popfd
    push dword 0
    push dword SEL_CODE0
    push dword .nt0
    iret
.nt0:
    ENDTRY

    SAY "done"
    mov al, 10
    out DEBUGCON, al
    xor eax, eax
    call exit_device

; ---------------------------------------------------------------- helpers and targets
gate_target:                        ; ring 0 through CG3 (or CG0): record the frame and return
    mov eax, [esp]
    mov [gate_frame], eax
    mov eax, [esp + 4]
    mov [gate_frame + 4], eax
    mov eax, [esp + 8]
    mov [gate_frame + 8], eax
    mov eax, [esp + 12]
    mov [gate_frame + 12], eax
    mov eax, [esp + 16]
    mov [gate_frame + 16], eax
    mov eax, [esp + 20]
    mov [gate_frame + 20], eax
    mov [gate_esp], esp
    mov word [gate_cs], cs
    retf 8

gate_target0:                       ; ring 0 through CG0: CALL returns, JMP resumes at ENDTRY
    mov word [gate_cs], cs
    mov eax, [esp]
    mov [gate_frame], eax
    mov eax, [esp + 4]
    mov [gate_frame + 4], eax
    cmp dword [gate_jmp], 0
    jne .jmp
    retf
.jmp:
    jmp [resume_eip]

conf_target:                        ; conforming code, entered from ring 3 (CPL stays 3)
    mov [ss:conf_cs], cs
    mov eax, [esp + 4]
    mov [ss:conf_ret_cs], eax
    retf

store_segs_r3:                      ; ring 3: DS may be null, so store through SS
    mov [ss:seg_save], ds
    mov [ss:seg_save + 4], es
    mov [ss:seg_save + 8], fs
    mov [ss:seg_save + 12], gs
    ret

print_segs:
    PRINT dword [seg_save]
    PRINT dword [seg_save + 4]
    PRINT dword [seg_save + 8]
    PRINT dword [seg_save + 12]
    ret

; probe_all: LAR, LSL, VERR, VERW of every GDT selector (| probe_rpl), of an LDT selector and of a
; selector past the GDT limit; results (6 dwords per selector) at [probe_out]. Works in ring 3.
PROBE_N equ GDT_COUNT + 2
probe_all:
    mov edi, [probe_out]
    xor ebx, ebx
.sel:
    mov edx, ebx
    shl edx, 3
    cmp ebx, GDT_COUNT
    jb .have
    mov edx, L_DATA                 ; then the LDT's data segment
    je .have
    mov edx, GDT_COUNT * 8 + 8
.have:
    or edx, [probe_rpl]
    mov eax, 0xDEADBEEF
    lar eax, edx
    setz cl
    movzx ecx, cl
    mov [edi], ecx
    and eax, 0x00F0FF00             ; bits 19:16 are undefined (SDM Vol. 2A LAR)
    mov [edi + 4], eax
    mov eax, 0xDEADBEEF
    lsl eax, edx
    setz cl
    mov [edi + 8], ecx
    mov [edi + 12], eax
    verr dx
    setz cl
    mov [edi + 16], ecx
    verw dx
    setz cl
    mov [edi + 20], ecx
    add edi, 24
    inc ebx
    cmp ebx, PROBE_N
    jb .sel
    ret

print_probes:
    xor ebx, ebx
.line:
    SAY "probe "
    mov eax, ebx
    shl eax, 3
    cmp ebx, GDT_COUNT
    jb .p
    mov eax, L_DATA
    je .p
    mov eax, GDT_COUNT * 8 + 8
.p:
    call print_hex16
    SAY ":"
    imul esi, ebx, 24
    call .three
    SAY " |"
    add esi, probe_r0_rpl3 - probe_r0
    call .three
    SAY " |"
    add esi, probe_r3 - probe_r0_rpl3
    call .three
    mov al, 10
    out DEBUGCON, al
    inc ebx
    cmp ebx, PROBE_N
    jb .line
    ret
.three:                             ; ESI = offset into probe_r0 (or the others)
    PRINT dword [probe_r0 + esi]
    PRINT dword [probe_r0 + esi + 4]
    PRINT dword [probe_r0 + esi + 8]
    PRINT dword [probe_r0 + esi + 12]
    PRINT dword [probe_r0 + esi + 16]
    PRINT dword [probe_r0 + esi + 20]
    ret

; task 2: records what it sees, then goes back by JMP (t2_mode 0) or IRET (t2_mode 1)
task2_entry:
    str eax
    movzx eax, ax
    mov [t2_tr], eax
    pushfd
    pop eax
    and eax, 0x4000                 ; NT
    mov [t2_nt], eax
    movzx eax, word [tss2]          ; the back link
    mov [t2_link], eax
    movzx eax, byte [gdt + SEL_TSS + 5]
    mov [t2_type1], eax
    mov eax, cr0
    and eax, 8                      ; TS
    mov [t2_ts], eax
    clts
    cmp dword [t2_mode], 0
    jne .iret
    jmp SEL_TSS:0
    jmp task2_entry
.iret:
    iret
    jmp task2_entry

print_task2:
    PRINT dword [t2_tr]
    PRINT dword [t2_nt]
    PRINT dword [t2_link]
    PRINT dword [t2_type1]
    PRINT dword [t2_ts]
    mov dword [t2_tr], 0xFFFFFFFF
    mov dword [t2_nt], 0xFFFFFFFF
    mov dword [t2_link], 0xFFFFFFFF
    mov word [tss2], 0
    ret

print_task1:
    str eax
    movzx eax, ax
    PRINT eax
    pushfd
    pop eax
    and eax, 0x4000
    PRINT eax
    movzx eax, byte [gdt + S_TSS2 + 5]
    PRINT eax
    movzx eax, byte [gdt + SEL_TSS + 5]
    PRINT eax
    mov eax, cr0
    and eax, 8
    PRINT eax
    clts
    ret

    align 8
ldt_table:  dq 0, 0
arpl_mem:   dd 0
probe_rpl:  dd 0
probe_out:  dd probe_r0
t2_mode:    dd 0
gate_jmp:   dd 0

ELF_END
absolute file_end
SYS32_BSS
    alignb 16
tss2:       resb 104
ldt_area:   resb 4096
gate_frame: resd 6
gate_esp:   resd 1
gate_cs:    resd 1
conf_cs:    resd 1
conf_ret_cs: resd 1
far_esp:    resd 1
seg_save:   resd 4
t2_tr:      resd 1
t2_nt:      resd 1
t2_link:    resd 1
t2_type1:   resd 1
t2_ts:      resd 1
probe_r0:   resd 6 * (SYS32_GDT_COUNT + 2)
probe_r0_rpl3: resd 6 * (SYS32_GDT_COUNT + 2)
probe_r3:   resd 6 * (SYS32_GDT_COUNT + 2)
            resb 4096
task2_stack_top:
bss_end:
