; long-mode.asm — differential test of IA-32e mode (Intel SDM Vol. 3A ch. 2.5, 4.5, 5.8.8, 6.14,
; 9.8): entered from the Multiboot state (PAE, 4-level tables, EFER.LME, CR0.PG, a far jump to a
; 64-bit code segment; §9.8.5), then one line per case (sys64.inc's TRY/ENDTRY):
; 4-level paging (1 GiB page, a high canonical mapping, A/D bits at every level, U/S and XD at the
; PML4E level, #PF error codes and 64-bit CR2, reserved bits), canonical-address checks (#GP), the
; 64-bit IDT (16-byte alignment of the handler stack, IST
; stacks, SS in the frame and the null SS after a privilege change, §6.14.2-6.14.5), exceptions and
; their error codes, instructions invalid in 64-bit mode, IRETQ to ring 3 and back, SYSCALL/SYSRET
; (STAR/LSTAR/FMASK, RCX/R11; §5.8.8), SWAPGS and the FS/GS base MSRs, compatibility mode (far JMP,
; far CALL/RETF between 64- and 32-bit code, an exception taken from it), CR8.
; Recorded with `qemu-ref --64` (qemu-system-x86_64). Ends through the exit device with value 0.
;
; Left out because QEMU 7.2 departs from the SDM (pinned by src/x86/system-long-mode.test.ts instead):
; a non-canonical stack reference (PUSH, [RBP]) gives #SS(0) (SDM Vol. 3A §6.15 Interrupt 12; QEMU:
; #GP); a JMP to a non-canonical target faults on the JMP (Vol. 2A JMP, 64-bit mode exceptions; QEMU
; reports RIP = the target); WRMSR of a non-canonical FS/GS/KERNEL_GS base is #GP(0) (Vol. 2B WRMSR;
; QEMU accepts it); the #GP error code for an INT n through a gate of too low DPL is vector*8+2
; (§6.13: bits 15:3 are the IDT index; QEMU's 64-bit path puts vector*16+2, so those cases print
; only bits 2:0); SYSCALL keeps the arithmetic flags that FMASK does not clear (Vol. 2B SYSCALL:
; RFLAGS ← RFLAGS AND NOT FMASK; QEMU's helper_syscall loses them, so only the FMASK bits are printed).
;
; Physical layout: PML4 0x200000, PDPT0 0x201000 (linear 0-512 GiB), PD0 0x202000 (identity 0-1 GiB
; in 2 MiB user pages, except PD0[2] → PT_T 0x203000, 4 KiB pages), PDPT_H 0x204000 / PD_H 0x205000
; (0xFFFFFFFF80000000 → 2 MiB page at 0x800000), PDPT_N 0x206000 / PD_N 0x207000 (PML4[1], XD at the
; PML4E: 0x8000000000 → 2 MiB page at 0x800000), PDPT_S 0x208000 (PML4[2], supervisor PML4E →
; PD_N), frames F0..F7 at 0x210000 + k*0x1000 (marker 0xF000000k); 0x800000 starts with RET bytes.
; Linear: PDPT0[1] is a 1 GiB page at 0 (0x40000000 + x → x); 0x400000 NP, 0x401000 user RO → F1,
; 0x402000 supervisor → F2, 0x403000 user XD → F3 (RET at +0x800), 0x404000 user → F4 (RET at +0x800),
; 0x405000 bit 51 set (reserved) → F5; PML4[256] (0xFFFF800000000000) not present.
BSS_SIZE equ bss_end - file_end
%include "include/multiboot-elf.inc"

PML4    equ 0x200000
PDPT0   equ 0x201000
PD0     equ 0x202000
PT_T    equ 0x203000
PDPT_H  equ 0x204000
PD_H    equ 0x205000
PDPT_N  equ 0x206000
PD_N    equ 0x207000
PDPT_S  equ 0x208000
FRAME   equ 0x210000
L_NP    equ 0x400000
L_RO    equ 0x401000
L_SUP   equ 0x402000
L_XD    equ 0x403000
L_CODE  equ 0x404000
L_B51   equ 0x405000
L_1G    equ 0x40000000
L_HIGH  equ 0xFFFFFFFF80000000
L_NXPML4 equ 0x8000000000
L_SPML4 equ 0x10000000000
L_NPPML4 equ 0xFFFF800000000000
SEL_NP  equ GDT_FREE * 8            ; not-present data segment
SEL_XO  equ GDT_FREE * 8 + 8        ; execute-only 64-bit code segment

EFER    equ 0xC0000080
STAR    equ 0xC0000081
LSTAR   equ 0xC0000082
FMASK   equ 0xC0000084
FS_BASE equ 0xC0000100
GS_BASE equ 0xC0000101
KGS_BASE equ 0xC0000102

; ---------------------------------------------------------------- 32-bit entry (Multiboot state)
bits 32
_start:
    mov esp, boot_stack_top
    mov al, 0xFF                    ; mask both 8259As (the BIOS left the timer's IRQ 0 on)
    out 0x21, al
    out 0xA1, al
    mov edi, PML4                   ; clear the tables and frames
    mov ecx, (FRAME + 8 * 0x1000 - PML4) / 4
    xor eax, eax
    rep stosd
    xor ecx, ecx
.mark:
    mov eax, ecx
    or eax, 0xF0000000
    mov edx, ecx
    shl edx, 12
    mov [FRAME + edx], eax
    inc ecx
    cmp ecx, 8
    jb .mark
    mov dword [0x800000], 0xC3C3C3C3
    mov dword [0x800100], 0xB1600008
    mov byte [FRAME + 0x3800], 0xC3
    mov byte [FRAME + 0x4800], 0xC3
    ; PD0: identity 0-1 GiB with 2 MiB user pages
    xor ecx, ecx
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x87
    mov [PD0 + ecx*8], eax
    inc ecx
    cmp ecx, 512
    jb .pd
    mov dword [PML4], PDPT0 | 7
    mov dword [PDPT0], PD0 | 7
    mov dword [PDPT0 + 8], 0x87     ; PDPT0[1]: 1 GiB page at 0
    mov dword [PD0 + 2*8], PT_T | 7
    mov dword [PT_T + 1*8], FRAME + 0x1000 | 5
    mov dword [PT_T + 2*8], FRAME + 0x2000 | 3
    mov dword [PT_T + 3*8], FRAME + 0x3000 | 7
    mov dword [PT_T + 3*8 + 4], 0x80000000
    mov dword [PT_T + 4*8], FRAME + 0x4000 | 7
    mov dword [PT_T + 5*8], FRAME + 0x5000 | 7
    mov dword [PT_T + 5*8 + 4], 0x00080000
    mov dword [PML4 + 511*8], PDPT_H | 3
    mov dword [PDPT_H + 510*8], PD_H | 3
    mov dword [PD_H], 0x800000 | 0x83
    mov dword [PML4 + 1*8], PDPT_N | 7
    mov dword [PML4 + 1*8 + 4], 0x80000000
    mov dword [PDPT_N], PD_N | 7
    mov dword [PD_N], 0x800000 | 0x87
    mov dword [PML4 + 2*8], PDPT_S | 3
    mov dword [PDPT_S], PD_N | 7
    ; long mode (§9.8.5): PAE, CR3, EFER.LME (+NXE), CR0.PG, then a 64-bit code segment
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, EFER
    rdmsr
    or eax, 0x900                   ; LME | NXE
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    lgdt [gdtr]
    jmp SEL_CODE0:long_entry

; ---------------------------------------------------------------- 64-bit
bits 64
%include "include/sys64.inc"

long_entry:
    lgdt [rel gdtr]                 ; (the same table, now with a 64-bit base)
    lea rsp, [rel stack_top]
    call sys64_init
    SAY "long-mode"
    mov al, 10
    out DEBUGCON, al
    ; #SS, #GP and #DF on IST2 so that a bad RSP cannot take the handler down; #DE on IST1
    mov esi, 12
    lea rax, [rel isr_stubs + 12 * 16]
    mov ecx, 0x8E02
    call set_idt_gate
    mov esi, 13
    lea rax, [rel isr_stubs + 13 * 16]
    mov ecx, 0x8E02
    call set_idt_gate
    mov esi, 8
    lea rax, [rel isr_stubs + 8 * 16]
    mov ecx, 0x8E02
    call set_idt_gate
    mov esi, 0
    lea rax, [rel isr_stubs]
    mov ecx, 0x8E01
    call set_idt_gate
    mov rax, 0x00CF12000000FFFF     ; P = 0, data read/write
    mov [rel gdt + SEL_NP], rax
    mov rax, 0x00AF98000000FFFF     ; execute-only code
    mov [rel gdt + SEL_XO], rax
    mov esi, 0x31                   ; a DPL-3 gate that records
    lea rax, [rel isr_stubs + 0x31 * 16]
    mov ecx, 0xEE00
    call set_idt_gate

    TRY "efer"
    mov ecx, EFER
    rdmsr
    and eax, 0xD01                  ; NXE | LMA | LME | SCE
    PRINT32 eax
    ENDTRY

    ; ---- 4-level paging ----
    TRY "cpuid-pdpe1gb"
    mov eax, 0x80000001
    cpuid
    shr edx, 26
    and edx, 1
    PRINT32 edx
    ENDTRY
    TRY "1g-page-read"
    mov rax, L_1G + 0x800100
    mov eax, [rax]
    PRINT32 eax
    ENDTRY
    TRY "high-canonical-read"
    mov rax, L_HIGH + 0x100
    mov eax, [rax]
    PRINT32 eax
    ENDTRY
    TRY "high-canonical-rip-relative"
    mov rax, L_HIGH
    call rax                        ; RET at 0x800000
    ENDTRY
    TRY "pf-pml4-np-read"
    mov rax, L_NPPML4 + 0x10
    mov eax, [rax]
    ENDTRY
    TRY "pf-pml4-np-write"
    mov rax, L_NPPML4 + 0x123458
    mov [rax], eax
    ENDTRY
    TRY "pf-pt-np-fetch"
    mov eax, L_NP + 0x40
    call rax
    ENDTRY
    TRY "xd-pml4e-fetch"
    mov rax, L_NXPML4
    call rax
    ENDTRY
    TRY "xd-pml4e-read"
    mov rax, L_NXPML4 + 0x100
    mov eax, [rax]
    PRINT32 eax
    ENDTRY
    TRY "xd-pte-fetch"
    mov eax, L_XD + 0x800
    call rax
    ENDTRY
    TRY "ok-pte-fetch"
    mov eax, L_CODE + 0x800
    call rax
    ENDTRY
    TRY "ro-write-wp0"
    mov dword [L_RO + 4], 0x0D0D0D0D
    mov eax, [FRAME + 0x1004]
    PRINT32 eax
    ENDTRY
    TRY "ro-write-wp1"
    mov rax, cr0
    or eax, 0x10000
    mov cr0, rax
    mov dword [L_RO + 8], 1
    ENDTRY
    TRY "ad-all-levels-read"
    and dword [PML4 + 1*8], ~0x60
    and dword [PDPT_N], ~0x60
    and dword [PD_N], ~0x60
    mov rax, L_NXPML4 + 0x200
    invlpg [rax]
    mov eax, [rax]
    mov eax, [PML4 + 1*8]
    and eax, 0x60
    PRINT32 eax
    mov eax, [PDPT_N]
    and eax, 0x60
    PRINT32 eax
    mov eax, [PD_N]
    and eax, 0x60
    PRINT32 eax
    ENDTRY
    TRY "ad-all-levels-write"
    mov rax, L_NXPML4 + 0x200
    mov dword [rax], 0x12
    mov eax, [PML4 + 1*8]
    and eax, 0x60
    PRINT32 eax
    mov eax, [PDPT_N]
    and eax, 0x60
    PRINT32 eax
    mov eax, [PD_N]
    and eax, 0x60
    PRINT32 eax
    mov eax, [PML4 + 1*8 + 4]       ; the XD half is untouched
    PRINT32 eax
    ENDTRY
    TRY "1g-page-ad"
    and dword [PDPT0 + 8], ~0x60
    mov rax, L_1G + 0x800200
    invlpg [rax]
    mov dword [rax], 0x34
    mov eax, [PDPT0 + 8]
    and eax, 0x60
    PRINT32 eax
    ENDTRY
    TRY "u-read-sup-pml4e"
    ENTER_RING3
    mov rax, L_SPML4 + 0x100
    mov eax, [rax]
    LEAVE_RING3
    ENDTRY
    TRY "u-read-sup-pte"
    ENTER_RING3
    mov eax, [L_SUP]
    LEAVE_RING3
    ENDTRY
    TRY "u-write-ro"
    ENTER_RING3
    mov dword [L_RO], 0
    LEAVE_RING3
    ENDTRY
    TRY "u-xd-fetch"
    ENTER_RING3
    mov eax, L_XD + 0x800
    call rax
    LEAVE_RING3
    ENDTRY
    TRY "u-read-high-sup"
    ENTER_RING3
    mov rax, L_HIGH + 0x100
    mov eax, [rax]
    LEAVE_RING3
    ENDTRY

    ; ---- canonical addresses (§3.3.7.1) ----
    TRY "noncanonical-read"
    mov rax, 0x0000800000000000
    mov eax, [rax]
    ENDTRY
    TRY "noncanonical-write"
    mov rax, 0xFFFF7FFFFFFFFFF0
    mov [rax], eax
    ENDTRY

    ; ---- the 64-bit IDT ----
    TRY "ist1-de"
    xor ecx, ecx
    div ecx
    ENDTRY
    TRY "  frame"
    mov rax, [rel ex_frame_rsp]
    lea rcx, [rel ist1_top]
    sub rax, rcx                    ; 5 qwords below the IST1 top
    PRINT rax
    mov rax, [rel ex_ss]
    PRINT rax
    ENDTRY
    TRY "align-int3"
    mov rbx, rsp
    sub rsp, 8                      ; RSP ≡ 8 (mod 16)
    int3
    ENDTRY
    TRY "  frame"
    mov rax, [rel ex_frame_rsp]     ; aligned down to 16, then 5 qwords
    sub rax, [rel saved_rsp]
    PRINT rax
    mov rax, [rel ex_rsp]           ; the RSP pushed is the unaligned one
    sub rax, [rel saved_rsp]
    PRINT rax
    ENDTRY
    TRY "ring3-int-dpl3"
    ENTER_RING3
    int 0x31                        ; the handler's RSP comes from TSS.RSP0
    ENDTRY
    TRY "  frame"
    mov rax, [rel ex_frame_rsp]
    lea rcx, [rel kstack_top]
    sub rax, rcx
    PRINT rax
    PRINT qword [rel ex_ss]         ; the user SS, pushed
    PRINT qword [rel ex_handler_ss] ; SS in the handler: the null selector (§6.14.4)
    ENDTRY
    TRY "ring3-int-dpl0"
    mov dword [err_mask], 7         ; EXT/IDT/TI only: QEMU puts vector*16 in bits 15:3
    ENTER_RING3
    int 0x32
    ENDTRY
    TRY "ring3-int3-dpl0"
    mov dword [err_mask], 7
    ENTER_RING3
    int3
    ENDTRY
    TRY "ring3-hlt"
    ENTER_RING3
    hlt
    ENDTRY
    TRY "ring3-mov-cr8"
    ENTER_RING3
    mov rax, cr8
    ENDTRY
    TRY "ring3-swapgs"
    ENTER_RING3
    swapgs
    ENDTRY
    TRY "ring3-rdmsr"
    ENTER_RING3
    mov ecx, EFER
    rdmsr
    ENDTRY
    TRY "ring3-cli"
    ENTER_RING3
    cli
    ENDTRY
    TRY "ring3-iretq-back"
    ENTER_RING3
    mov eax, 0x3333
    LEAVE_RING3
    ENDTRY

    ; ---- exceptions and error codes in 64-bit mode ----
    TRY "gp-bad-selector"
    mov ax, 0x1234
    mov ds, ax
    ENDTRY
    TRY "np-data"
    mov ax, SEL_NP
    mov ds, ax
    ENDTRY
    TRY "ss-np"
    mov ax, SEL_NP
    mov ss, ax
    ENDTRY
    TRY "null-ss-ring0"
    xor eax, eax
    mov ss, ax                      ; allowed at CPL < 3 in 64-bit mode
    mov ax, ss
    PRINT32 eax
    ENDTRY
    TRY "gp-code-into-ds"
    mov ax, SEL_XO
    mov ds, ax                      ; execute-only code segment: #GP(selector)
    ENDTRY
    TRY "into-ud"
    db 0xCE                         ; INTO: invalid in 64-bit mode
    ENDTRY
    TRY "pusha-ud"
    db 0x60
    ENDTRY
    TRY "aaa-ud"
    db 0x37
    ENDTRY
    TRY "push-cs-ud"
    db 0x0E
    ENDTRY
    TRY "bound-ud"
    db 0x62, 0x00                   ; (0x62 is EVEX in 64-bit mode: #UD without AVX-512 state)
    ENDTRY
    TRY "int3-trap"
    int3
after_int3:
    ENDTRY
    TRY "  rip"
    mov rax, [rel ex_rip]
    lea rcx, [rel after_int3]
    sub rax, rcx
    PRINT rax
    ENDTRY
    TRY "iretq-null-ss-ring0"
    mov rbx, rsp
    push qword 0
    push rbx
    pushfq
    push qword SEL_CODE0
    lea rax, [rel .iret_back]
    push rax
    iretq
.iret_back:
    xor eax, eax
    mov ax, ss
    PRINT32 eax
    ENDTRY
    TRY "iretq-null-ss-ring3"
    mov rbx, rsp
    push qword 0
    push rbx
    pushfq
    push qword SEL_CODE3
    lea rax, [rel .iret_back3]
    push rax
    iretq
.iret_back3:
    LEAVE_RING3
    ENDTRY

    ; ---- SYSCALL / SYSRET (§5.8.8) ----
    TRY "syscall-sce0"
    syscall
    ENDTRY
    TRY "syscall-setup"
    mov ecx, EFER
    rdmsr
    or eax, 1                       ; SCE
    wrmsr
    mov ecx, STAR
    xor eax, eax
    mov edx, 0x00180008             ; SYSRET base 0x18, SYSCALL CS 0x08
    wrmsr
    mov ecx, LSTAR
    lea rax, [rel syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, FMASK
    mov eax, 0x00040700             ; AC | DF | IF | TF cleared on entry
    xor edx, edx
    wrmsr
    ENDTRY
    TRY "syscall-from-ring3"
    ENTER_RING3
    push qword 0x40483              ; AC, DF, SF, CF, bit 1
    popfq
    mov r11, 0x1111
    mov rcx, 0x2222
    syscall
after_syscall:
    ENDTRY
    TRY "  state"
    mov rax, [rel sc_rcx]
    lea rcx, [rel after_syscall]
    sub rax, rcx                    ; RCX = the RIP after SYSCALL
    PRINT rax
    mov rax, [rel sc_r11]
    and eax, 0x3F7FD7               ; R11 = RFLAGS (RF cleared)
    PRINT rax
    mov rax, [rel sc_rflags]
    and eax, 0x40702                ; FMASK applied: AC, DF, IF, TF clear (bit 1 set)
    PRINT rax
    PRINT qword [rel sc_cs]
    PRINT qword [rel sc_ss]
    mov rax, [rel sc_rsp]           ; RSP unchanged (the user's)
    lea rcx, [rel user_stack_top]
    sub rax, rcx
    PRINT rax
    ENDTRY
    TRY "sysret-64"
    lea rcx, [rel .user64]
    mov r11, 0x40283                ; AC, SF, CF, bit 1 (IF stays clear: no interrupts wanted)
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    mov rsp, [rel saved_rsp]
    o64 sysret
.user64:
    pushfq
    pop qword [rel sc_rflags]
    mov [rel sc_cs], cs
    mov [rel sc_ss], ss
    LEAVE_RING3
    ENDTRY
    TRY "  state"
    mov rax, [rel sc_rflags]
    and eax, 0x3F7FD7
    PRINT rax
    PRINT32 dword [rel sc_cs]
    PRINT32 dword [rel sc_ss]
    ENDTRY
    TRY "sysret-32"
    lea rcx, [rel user32]
    mov r11, 0x2
    mov eax, 0x5A5A5A5A
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    sysret
    ENDTRY
    TRY "  state"
    PRINT32 dword [rel sc_cs]
    PRINT32 dword [rel sc_ss]
    PRINT32 dword [rel sc_eax]
    ENDTRY
    TRY "sysret-in-ring3"
    ENTER_RING3
    lea rcx, [rel .r3]
    o64 sysret
.r3:
    ENDTRY

    ; ---- SWAPGS and the segment base MSRs ----
    TRY "gs-base-msr"
    mov ecx, GS_BASE
    lea rax, [rel gs_area_a]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, KGS_BASE
    lea rax, [rel gs_area_b]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov eax, [gs:0]
    PRINT32 eax
    ENDTRY
    TRY "swapgs"
    swapgs
    mov eax, [gs:4]
    PRINT32 eax
    mov ecx, GS_BASE
    rdmsr
    lea rbx, [rel gs_area_b]
    sub eax, ebx
    PRINT32 eax
    mov ecx, KGS_BASE
    rdmsr
    lea rbx, [rel gs_area_a]
    sub eax, ebx
    PRINT32 eax
    swapgs
    mov eax, [gs:0]
    PRINT32 eax
    ENDTRY
    TRY "fs-base-msr-high"
    mov ecx, FS_BASE
    mov rax, L_HIGH + 0x100
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov eax, [fs:0]                 ; 0xFFFFFFFF80000100 → 0x800100
    PRINT32 eax
    ENDTRY
    TRY "fs-load-sets-base"
    mov ax, SEL_DATA_B
    mov fs, ax                      ; the descriptor's 32-bit base replaces the MSR value
    mov ecx, FS_BASE
    rdmsr
    PRINT32 edx
    PRINT32 eax
    ENDTRY

    ; ---- compatibility mode ----
    TRY "compat-far-jmp"
    mov rax, 0x1111111100000005
    jmp dword far [rel ptr_compat]  ; m16:32 → CS 0x40 (L=0, D=1)
compat_back:
    PRINT32 eax                     ; (the upper halves of the registers are undefined after
    ENDTRY                          ;  a stay in compatibility mode, SDM Vol. 1 §3.4.1.1)
    TRY "compat-far-call-retf"
    mov ebx, 7
    call dword far [rel ptr_compat_call] ; pushes CS and EIP as 32-bit values
    PRINT32 ebx
    ENDTRY
    TRY "compat-ud2"
    jmp dword far [rel ptr_compat_ud]
    ENDTRY

    ; ---- CR8 (§10.8.6.1: TPR[7:4]) ----
    TRY "cr8"
    mov eax, 5
    mov cr8, rax
    mov rax, cr8
    PRINT rax
    xor eax, eax
    mov cr8, rax
    ENDTRY

    ; ---- kept last: may stop an emulator that cannot walk it ----
    TRY "rsvd-bit51-read"
    mov dword [err_mask], ~1
    mov eax, [L_B51]
    ENDTRY
    TRY "1g-page-rsvd-bit13"
    mov dword [err_mask], ~1
    or dword [PDPT0 + 8], 0x2000
    mov rax, L_1G + 0x800300
    invlpg [rax]
    mov eax, [rax]
    ENDTRY

    SAY "done"
    mov al, 10
    out DEBUGCON, al
    xor eax, eax
    jmp exit_device

; SYSCALL lands here in ring 0 with the user's RSP: record and resume at ENDTRY.
syscall_entry:
    mov [rel sc_rcx], rcx
    mov [rel sc_r11], r11
    pushfq
    pop qword [rel sc_rflags]
    mov [rel sc_rsp], rsp
    mov qword [rel sc_cs], 0
    mov [rel sc_cs], cs
    mov qword [rel sc_ss], 0
    mov [rel sc_ss], ss
    mov rsp, [rel saved_rsp]
    jmp [rel resume_rip]

; 32-bit code for the compatibility-mode cases
bits 32
compat_jmp:
    dec eax                         ; 0x48: DEC EAX here, a REX prefix in 64-bit mode
    nop
    jmp SEL_CODE0:compat_back
compat_call:
    add ebx, ebx
    push ebx                        ; (a 32-bit stack through SS = 0x10)
    pop ebx
    retf
compat_ud:
    ud2
user32:                             ; ring 3, compatibility mode, after SYSRET
    mov [sc_eax], eax
    mov word [sc_cs], cs
    mov word [sc_ss], ss
    int VEC_RING0
bits 64

    align 8
ptr_compat:         dd compat_jmp
                    dw SEL_CODE0_32
    align 8
ptr_compat_call:    dd compat_call
                    dw SEL_CODE0_32
    align 8
ptr_compat_ud:      dd compat_ud
                    dw SEL_CODE0_32
    align 16
gs_area_a:          dd 0xAAAA0000, 0xAAAA0004
gs_area_b:          dd 0xBBBB0000, 0xBBBB0004

ELF_END
absolute file_end
SYS64_BSS
    alignb 8
sc_rcx:     resq 1
sc_r11:     resq 1
sc_rflags:  resq 1
sc_rsp:     resq 1
sc_cs:      resq 1
sc_ss:      resq 1
sc_eax:     resq 1
            resb 4096
boot_stack_top:
bss_end:
