; io-bitmap.asm — differential test of I/O protection (Intel SDM Vol. 1 §19.5 "Protected-mode I/O":
; IOPL and the I/O permission bit map of the TSS; Vol. 2 IN/OUT/INS/OUTS, CLI/STI, PUSHF/POPF, IRET).
; From ring 3 with IOPL < CPL every I/O instruction consults the bitmap: each port of the access must
; have its bit clear, the processor reads two bytes of the map and both must lie within the TSS
; limit, and a map base at or past the limit means no map; IOPL = 3 lets everything through. The
; debug console (0xE9) is one of the ports, so an allowed OUT in ring 3 prints into the case's line.
; Also: CLI/STI and which EFLAGS bits POPF and IRET may change for a given CPL and IOPL.
; INS/OUTS appear only where the permission check fails (#GP comes before any I/O): an allowed string
; I/O instruction ends the run under hvplay, as under Zircon (an INS/OUTS exit is ZX_ERR_NOT_SUPPORTED).
; Wide OUTs go to unassigned ports, not to 0xE9 (QEMU's debugcon drops accesses wider than a byte).
; One line per case (sys32.inc); ends through the exit device with value 0.
BSS_SIZE equ bss_end - file_end
%include "include/multiboot-elf.inc"
%include "include/sys32.inc"

IOMAP   equ tss + TSS_IOMAP

; ALLOW port / DENY port: clear / set the port's bit in the map
%macro ALLOW 1
    and byte [IOMAP + (%1) / 8], ~(1 << ((%1) & 7))
%endmacro
%macro DENY 1
    or byte [IOMAP + (%1) / 8], 1 << ((%1) & 7)
%endmacro

; ENTER_RING3_IOPL n: like ENTER_RING3, with EFLAGS.IOPL = n
%macro ENTER_RING3_IOPL 1
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    push dword SEL_DATA3
    push dword user_stack_top
    pushfd
    and dword [esp], ~0x3000
    or dword [esp], (%1) << 12
    push dword SEL_CODE3
    push dword %%user
    iret
%%user:
%endmacro

; SET_TSS_LIMIT n: a new TSS limit (descriptor rewritten, busy bit cleared, LTR again)
%macro SET_TSS_LIMIT 1
    SETDESC 5, tss, %1, 0x89, 0x0
    call reload_tr
%endmacro

_start:
    mov esp, stack_top
    call sys_init
    SAY "io-bitmap"
    mov al, 10
    out DEBUGCON, al

    TRY "r0-out-ignores-map"
    mov al, '+'
    out DEBUGCON, al
    ENDTRY
    TRY "r3-out-denied"
    ENTER_RING3
    mov al, '!'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "r3-out-allowed"
    ALLOW 0xE9
    ENTER_RING3
    mov al, '!'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "r3-out-dx-allowed"
    ENTER_RING3
    mov dx, DEBUGCON
    mov al, '='
    out dx, al
    LEAVE_RING3
    ENDTRY
    TRY "r3-in-allowed"
    ENTER_RING3
    in al, DEBUGCON                 ; the debug console reads back 0xE9
    mov [io_value], al
    LEAVE_RING3
    ENDTRY
    TRY "  value"
    movzx eax, byte [io_value]
    PRINT eax
    ENDTRY
    TRY "r3-out-word-second-port-denied"
    ENTER_RING3
    mov dx, DEBUGCON
    mov ax, '<'
    out dx, ax                      ; ports E9 and EA: EA is denied
    LEAVE_RING3
    ENDTRY
    TRY "r3-out-dword-allowed"      ; ports E0-E3: unassigned in QEMU's PC and in hvplay
    ALLOW 0xE0
    ALLOW 0xE1
    ALLOW 0xE2
    ALLOW 0xE3
    ENTER_RING3
    mov dx, 0xE0
    mov eax, 0x12345678
    out dx, eax
    LEAVE_RING3
    ENDTRY
    TRY "r3-out-dword-last-port-denied"
    DENY 0xE3
    ENTER_RING3
    mov dx, 0xE0
    out dx, eax
    LEAVE_RING3
    ENDTRY
    TRY "r3-in-word-first-port-denied"
    DENY 0xE0
    ENTER_RING3
    mov dx, 0xE0
    in ax, dx
    LEAVE_RING3
    ENDTRY
    TRY "r3-outsb-denied-port"
    ENTER_RING3
    mov esi, text_abc
    mov dx, 0x80
    outsb
    LEAVE_RING3
    ENDTRY
    TRY "r3-in-port-fffe-byte"      ; (not 0xFFFF itself: Zircon cannot trap it, the run would end)
    ALLOW 0xFFFE
    ENTER_RING3
    mov dx, 0xFFFE
    in al, dx
    LEAVE_RING3
    ENDTRY
    TRY "r3-in-port-ffff-word"
    ALLOW 0xFFFF
    ENTER_RING3
    mov dx, 0xFFFF
    in ax, dx                       ; port 0x10000's bit: the 0xFF byte after the map
    LEAVE_RING3
    ENDTRY
    TRY "r3-port-0-allowed"
    ALLOW 0x00
    ENTER_RING3
    mov dx, 0
    in al, dx
    LEAVE_RING3
    ENDTRY

    ; ---- the TSS limit and the map base ----
    TRY "limit-covers-both-bytes"
    SET_TSS_LIMIT TSS_IOMAP + 0xE9 / 8 + 1
    ENTER_RING3
    mov al, '1'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "limit-covers-first-byte-only"
    SET_TSS_LIMIT TSS_IOMAP + 0xE9 / 8
    ENTER_RING3
    mov al, '2'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "limit-below-byte"
    SET_TSS_LIMIT TSS_IOMAP + 0xE9 / 8 - 1
    ENTER_RING3
    mov al, '3'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "map-base-past-limit"
    SET_TSS_LIMIT TSS_SIZE - 1
    mov word [tss + 102], TSS_SIZE
    ENTER_RING3
    mov al, '4'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "map-base-moved"
    mov word [tss + 102], TSS_IOMAP + 8 ; the map now starts 64 ports later: E9's bit is 0xA9's
    ALLOW 0xE9 + 64
    ENTER_RING3
    mov al, '5'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    mov word [tss + 102], TSS_IOMAP

    ; ---- IOPL ----
    TRY "iopl3-denied-port-passes"
    DENY 0xE9
    ENTER_RING3_IOPL 3
    mov al, '6'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "iopl3-past-limit-passes"
    mov word [tss + 102], TSS_SIZE
    ENTER_RING3_IOPL 3
    mov al, '7'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    mov word [tss + 102], TSS_IOMAP
    TRY "iopl2-r3-uses-map"
    ALLOW 0xE9
    ENTER_RING3_IOPL 2
    mov al, '8'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "iopl2-r3-denied"
    DENY 0xE9
    ENTER_RING3_IOPL 2
    mov al, '9'
    out DEBUGCON, al
    LEAVE_RING3
    ENDTRY
    TRY "r3-cli-iopl0"
    ENTER_RING3
    cli
    LEAVE_RING3
    ENDTRY
    TRY "r3-sti-iopl0"
    ENTER_RING3
    sti
    LEAVE_RING3
    ENDTRY
    TRY "r3-cli-sti-iopl3"
    ENTER_RING3_IOPL 3
    sti                             ; (sys_init masked both 8259As: no interrupt comes)
    pushfd
    pop dword [flags_a]
    cli
    pushfd
    pop dword [flags_b]
    LEAVE_RING3
    ENDTRY
    TRY "  flags"
    PRINT dword [flags_a]
    PRINT dword [flags_b]
    ENDTRY
    TRY "r3-popf-iopl0"             ; IF and IOPL silently kept (POPF, CPL > IOPL)
    ENTER_RING3
    push dword 0x3200 | 0x8D5       ; IF, IOPL 3, and the arithmetic flags
    popfd
    pushfd
    pop dword [flags_a]
    LEAVE_RING3
    ENDTRY
    TRY "  flags"
    mov eax, [flags_a]
    and eax, 0x3FFFD7
    PRINT eax
    ENDTRY
    TRY "r3-popf-iopl3"             ; IF may change, IOPL may not (CPL > 0)
    ENTER_RING3_IOPL 3
    push dword 0x0200 | 0x0002      ; IF = 1, IOPL = 0
    popfd
    pushfd
    pop dword [flags_a]
    cli
    LEAVE_RING3
    ENDTRY
    TRY "  flags"
    mov eax, [flags_a]
    and eax, 0x3FFFD7
    PRINT eax
    ENDTRY
    TRY "r0-popf-iopl"              ; ring 0 changes IOPL
    pushfd
    push dword 0x2002
    popfd
    pushfd
    pop eax
    popfd
    and eax, 0x3FFFD7
    PRINT eax
    ENDTRY
    TRY "r3-iret-iopl0"             ; IRET at CPL 3: IF and IOPL kept too
    ENTER_RING3
    push dword SEL_DATA3
    push dword user_stack_top - 64
    push dword 0x3202
    push dword SEL_CODE3
    push dword .after
    iret
.after:
    pushfd
    pop dword [flags_a]
    LEAVE_RING3
    ENDTRY
    TRY "  flags"
    mov eax, [flags_a]
    and eax, 0x3FFFD7
    PRINT eax
    ENDTRY
    TRY "r3-popf-ac-nt"             ; AC and NT are not privileged
    ENTER_RING3
    push dword 0x44002
    popfd
    pushfd
    pop dword [flags_a]
    push dword 0x2
    popfd
    LEAVE_RING3
    ENDTRY
    TRY "  flags"
    mov eax, [flags_a]
    and eax, 0x3FFFD7
    PRINT eax
    ENDTRY

    SAY "done"
    mov al, 10
    out DEBUGCON, al
    xor eax, eax
    call exit_device

text_abc:   db "abc"
    align 4
io_value:   dd 0
flags_a:    dd 0
flags_b:    dd 0

ELF_END
absolute file_end
SYS32_BSS
bss_end:
