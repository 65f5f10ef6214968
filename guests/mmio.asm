; mmio.asm — memory-mapped I/O: the playground's mailbox device, whose registers the VMM decodes.
;
; The lesson. A port I/O exit tells the VMM everything (port, size, direction, the value in AL/AX/EAX).
; An MMIO access does not: the guest touched guest-physical memory that is not RAM (here the page at
; 0xFEB00000, which the VMM claimed with zx_guest_set_trap(ZX_GUEST_TRAP_MEM)), the CPU took an EPT
; violation, and all the hardware reports is the address. Which instruction was it? A load or a
; store, of how many bytes, into which register, sign- or zero-extended, with which flags? The VMM must
; decode the instruction and emulate it: Zircon hands it the instruction bytes in the
; ZX_PKT_TYPE_GUEST_MEM packet (inst_buf, inst_len), and src/vmm/mmio-decode.ts — like Fuchsia's
; vmm/arch/x64/decode.cc — knows the forms drivers use: MOV (to and from registers, immediates,
; the moffs forms A0-A3), MOVZX/MOVSX, TEST, OR/AND/XOR to memory or to a register, STOS. It then
; writes the changed registers back with zx_vcpu_write_state. Anything else (a LODS, an ADD to a
; device register) it cannot emulate, and the run stops with an error: drivers keep to these forms.
;
; Each line below is one instruction on a device register: its bytes (what the VMM decodes), its
; source text, and what it did. A store changes a device register; a load changes a guest register;
; TEST/OR/AND/XOR also set ZF, SF, PF and clear CF and OF, which the VMM computes too (AF is
; undefined and not shown). The device's ACCESSES register counts register accesses: one per
; instruction, two for OR/AND/XOR to memory (the VMM reads, computes and writes back, all within one
; exit), and the read of ACCESSES itself.
;
; What to look at in the exit log: one "MMIO <op> <size> bytes at 0xfeb000xx (mailbox)" line per
; line printed here (the port writes to 0xE9 that print them are "io" exits in between). Every one
; is a full stop of the VCPU, a packet, a decode and a register write-back: MMIO is the expensive
; kind of exit. doorbell.asm shows the cheap one.
;
; QEMU has no such device (it is the playground's own, src/vmm/devices/mailbox.ts), so this guest runs
; under hvplay only:  hvplay run public/guests/mmio.elf
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

MAILBOX     equ 0xFEB00000          ; registers: see src/vmm/devices/mailbox.ts
REG_ID      equ 0x00                ; RO "HVPL"
REG_VERSION equ 0x04                ; RO 1
REG_SCRATCH equ 0x08                ; RW
REG_ACCESSES equ 0x0C               ; RO register accesses so far, this one included

; DO instr: print the instruction's bytes and source text, then execute it, keeping its flags in
; [flags_after] for show_flags. The printing happens before the instruction and preserves every
; register, so the instruction sees exactly the registers the source sets up.
%macro DO 1+
    jmp %%run
%defstr DO_TEXT %1
%%text: db DO_TEXT, 0
%%run:
    pushfd
    pushad
    cld                             ; the printing's LODSBs go forwards, whatever DF the instruction wants
    mov esi, %%insn
    mov ecx, %%end - %%insn
    mov edx, %%text
    call show_insn
    popad
    popfd
%%insn: %1
%%end:
    pushfd
    pop dword [flags_after]
%endmacro

; SHOW reg: print "reg = 0x<value>" and end the line.
%macro SHOW 1
    pushad
    mov eax, %1
    mov esi, %%name
    call show_value
    popad
    jmp %%done
%defstr SHOW_NAME %1
%%name: db SHOW_NAME, 0
%%done:
%endmacro

_start:
    cli
    mov esp, stack_top
    call setup_gdt
    call setup_idt
    mov esi, msg_intro
    call puts

    mov ebx, MAILBOX
    ; Loads: the VMM reads the device register and writes the guest register.
    DO mov eax, [MAILBOX + REG_VERSION]     ; A1: MOV EAX, moffs32
    SHOW eax
    DO mov eax, [ebx + REG_ID]              ; 8B /r
    call show_id
    ; Stores: the value comes from a register or an immediate in the instruction bytes.
    DO mov dword [ebx + REG_SCRATCH], 0x12345678  ; C7 /0 id
    call show_stored
    DO mov byte [ebx + REG_SCRATCH + 1], 0x9a     ; C6 /0 ib: one byte of the register
    call show_stored
    DO mov al, [ebx + REG_SCRATCH + 1]      ; 8A /r: only AL changes, the rest of EAX is kept
    SHOW eax
    DO mov ecx, [ebx + REG_SCRATCH]         ; 8B /r
    SHOW ecx
    DO movzx eax, byte [ebx + REG_SCRATCH + 1]    ; 0F B6: zero-extended
    SHOW eax
    DO movsx eax, byte [ebx + REG_SCRATCH + 1]    ; 0F BE: sign-extended (0x9a is negative)
    SHOW eax
    DO movzx eax, word [ebx + REG_SCRATCH + 2]    ; 0F B7
    SHOW eax
    DO movsx eax, word [ebx + REG_SCRATCH]        ; 0F BF
    SHOW eax
    mov edx, 0xbeef
    DO mov [ebx + REG_SCRATCH], dx          ; 66 89 /r: a 16-bit store (DX = 0xbeef)
    call show_stored
    DO mov eax, [ebx + REG_SCRATCH]
    SHOW eax
    ; Read-modify-write: two device accesses inside one exit, and the flags.
    DO or dword [ebx + REG_SCRATCH], 0x0f000000   ; 81 /1 id
    call show_flags
    DO and word [ebx + REG_SCRATCH], 0x00ff       ; 66 81 /4 iw
    call show_flags
    DO xor [ebx + REG_SCRATCH], ecx         ; 31 /r (ECX = 0x12349a78 from above)
    call show_flags
    DO xor dword [ebx + REG_SCRATCH], -1    ; 83 /6 ib: the immediate is sign-extended to 32 bits
    call show_flags
    DO or eax, [ebx + REG_SCRATCH]          ; 0B /r: the result goes to EAX, the device is only read
    SHOW eax
    DO test dword [ebx + REG_ID], 0x80000000      ; F7 /0 id: flags only
    call show_flags
    DO test [ebx + REG_SCRATCH], al         ; 84 /r
    call show_flags
    ; STOS: a store whose address is EDI, which the VMM must advance (by DF's direction).
    mov edi, MAILBOX + REG_SCRATCH
    mov eax, 0xcafef00d
    DO stosd                                ; AB: EDI += 4
    SHOW edi
    mov edi, MAILBOX + REG_SCRATCH + 3
    mov al, 0xc0
    std
    DO stosb                                ; AA with DF = 1: EDI -= 1
    cld
    SHOW edi
    DO mov eax, [ebx + REG_SCRATCH]
    SHOW eax
    DO mov eax, [ebx + REG_ACCESSES]
    SHOW eax
    mov esi, msg_accesses1
    call puts
    call put_dec
    mov esi, msg_accesses2
    call puts
    xor eax, eax
    call exit_device

; show_insn: ESI = instruction bytes, ECX = their count, EDX = source text. "  bytes   text   ".
show_insn:
    mov ebx, 24                     ; column width for the bytes
    mov al, ' '
    call putc
    call putc
.byte:
    lodsb
    call put_hex8
    call put_space
    sub ebx, 3
    loop .byte
.pad1:
    call put_space
    dec ebx
    jg .pad1
    mov esi, edx
    mov ebx, 42                     ; column width for the text
.text:
    lodsb
    test al, al
    jz .pad2
    call putc
    dec ebx
    jmp .text
.pad2:
    call put_space
    dec ebx
    jg .pad2
    ret

show_value:                         ; ESI = name, EAX = value; ends the line
    call show_named
    jmp put_nl
show_named:                         ; ESI = name, EAX = value
    call puts
    mov esi, msg_equals
    call puts
    jmp put_hex32

show_id:                            ; EAX = the ID register: hex, then its four bytes as text
    push eax
    mov esi, msg_eax
    call show_named
    mov esi, msg_quote
    call puts
    mov ecx, 4
.char:
    call putc                       ; little-endian: the first character is the low byte
    shr eax, 8
    loop .char
    mov al, '"'
    call putc
    pop eax
    jmp put_nl

show_stored:
    mov esi, msg_stored
    jmp puts

show_flags:                         ; the flags the instruction left: ZF SF PF CF OF
    pushad
    mov edx, [flags_after]
    mov esi, flag_names
    mov ecx, 5
.flag:
    call puts                       ; "ZF="
    movzx ebx, byte [esi + 4]       ; the flag's bit number follows its name
    bt edx, ebx
    setc al
    add al, '0'
    call putc
    add esi, 5
    cmp ecx, 1
    je .last
    call put_space
.last:
    loop .flag
    call put_nl
    popad
    ret

%include "include/console.inc"
%include "include/gallery.inc"

msg_intro:     db "mmio: the mailbox device at 0xfeb00000 (a MEM trap): every access below is a VM exit", 13, 10
               db "whose instruction the VMM decodes and emulates (src/vmm/mmio-decode.ts)", 13, 10
               db "  bytes                   instruction                               result", 13, 10, 0
msg_equals:    db " = 0x", 0
msg_eax:       db "eax", 0
msg_quote:     db ' "', 0
msg_stored:    db "(stored in the device)", 13, 10, 0
msg_accesses1: db "ACCESSES = ", 0
msg_accesses2: db ": one register access per instruction above, two for each OR/AND/XOR to memory", 13, 10
               db "(read, then write, in one exit), and this read of ACCESSES itself", 13, 10, 0
flag_names:    db "ZF=", 0, 6
               db "SF=", 0, 7
               db "PF=", 0, 2
               db "CF=", 0, 0
               db "OF=", 0, 11

    align 4
flags_after: dd 0
    align 16
stack:       times 1024 db 0
stack_top:
ELF_END
