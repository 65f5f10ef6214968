; monitor.asm — the playground's default guest: a small interactive monitor on COM1.
;
; The lesson. This is a whole (tiny) operating system talking to a person through a serial port, and
; every piece of it is something a hypervisor must provide:
;   - COM1 is a 16550A UART the VMM emulates: each byte the monitor prints is an OUT to 0x3F8 (after
;     an IN from 0x3FD to see that the transmitter is empty) — two VM exits per character;
;   - typing works by interrupts, as in echo.asm: the UART raises IRQ 4, the emulated 8259A turns it
;     into vector 0x24, the VMM injects it with zx_vcpu_interrupt, and the handler moves the byte into
;     a ring buffer. In between the monitor sleeps in HLT, so an idle guest costs no CPU time;
;   - "regs" shows the state the CPU is in (protected mode, paging off, the GDT and IDT it set up);
;   - "cpuid" asks the CPU who it is. CPUID always exits to the hypervisor, which answers what it
;     likes: under hvplay the "hypervisor present" bit is set and leaf 0x40000000 names the
;     hypervisor (Zircon answers "KVMKVMKVM" so that Linux guests find its paravirtual clock);
;   - "ticks" programs the 8254 PIT and counts its IRQ 0 interrupts, as ticks.asm does;
;   - "md" reads memory; aimed at the mailbox device (md feb00000 10 under hvplay), every byte read
;     is an MMIO exit that the VMM decodes (see mmio.asm);
;   - "exit" leaves through the exit device (QEMU's isa-debug-exit), so the run ends with a status.
; It also greets on the debug console (port 0xE9), which needs no driver at all.
;
; What to look at in the exit log: while you type, one IO exit group per key (the IRQ 4 handler's
; IN from 0x3FD and 0x3F8, the EOI to 0x20) and, for the echo, the LSR poll and the OUT to 0x3F8;
; while the monitor waits, nothing at all — HLT is handled inside the kernel until an interrupt.
;   hvplay run public/guests/monitor.elf            (type commands; exit leaves)
;   printf 'help\nexit\n' | hvplay run public/guests/monitor.elf
BSS_SIZE equ 0
%define GALLERY_SERIAL
%include "include/multiboot-elf.inc"

UART_LSR_DR equ 0x01
LINE_MAX    equ 80
RX_SIZE     equ 1024                ; the receive ring (a power of two)
PIT_CH0     equ 0x40
PIT_CTRL    equ 0x43
PIT_HZ      equ 1193182
PIT_DIVISOR equ 11932               ; ≈ 100 Hz
PIT_MODE3   equ 0x36                ; counter 0, low then high byte, mode 3 (square wave), binary
MAILBOX     equ 0xFEB00000          ; the playground's MMIO device (hvplay only)

_start:
    cli
    mov esp, stack_top
    mov [boot_info], ebx            ; the Multiboot information: RAM size for md's bounds check
    call setup_gdt
    call setup_idt
    mov ecx, IRQ_BASE + 0
    mov eax, irq0
    call idt_set
    mov ecx, IRQ_BASE + 4
    mov eax, irq4
    call idt_set
    mov ax, 0xFFEF                  ; OCW1: IRQ 4 (COM1) only; IRQ 0 while "ticks" runs
    call pic_init

    ; RAM ends at 1 MiB + mem_upper KiB (Multiboot info flags bit 0: mem_lower/mem_upper valid).
    mov dword [ram_end], 0x100000
    test dword [ebx], 1
    jz .no_mem
    mov eax, [ebx + 8]
    shl eax, 10
    add [ram_end], eax
.no_mem:

    mov esi, msg_debugcon
    call debug_puts
    call uart_init
    mov esi, msg_banner
    call puts
    mov dx, COM1 + UART_IER
    mov al, 0x01
    out dx, al                      ; interrupt when a byte has arrived
    sti

.prompt:
    mov esi, msg_prompt
    call puts
    call read_line
    call run_line
    jmp .prompt

; uart_init: 115200 baud, 8N1, DTR|RTS|OUT2 (OUT2 gates the UART's interrupt line on a PC), and the
; FIFOs left off as the 16550A powers up: one byte per receive interrupt. Unlike console.inc's
; serial_init it writes no FIFO reset, which would throw away what was typed before we got here.
uart_init:
    mov dx, COM1 + UART_IER
    xor al, al
    out dx, al                      ; no interrupts yet
    mov dx, COM1 + UART_LCR
    mov al, 0x80
    out dx, al                      ; DLAB = 1: ports 0 and 1 are the divisor latch
    mov dx, COM1 + UART_DLL
    mov al, 1
    out dx, al                      ; divisor 1 = 115200 baud
    mov dx, COM1 + UART_DLM
    xor al, al
    out dx, al
    mov dx, COM1 + UART_LCR
    mov al, 0x03
    out dx, al                      ; DLAB = 0, 8 data bits, no parity, 1 stop bit
    mov dx, COM1 + UART_MCR
    mov al, 0x0B
    out dx, al
    ret

; ---- input ------------------------------------------------------------------------------------------

; irq4: COM1 has data. Move every byte the UART holds into the ring (dropping bytes if it is full).
irq4:
    pushad
.more:
    mov dx, COM1 + UART_LSR
    in al, dx
    test al, UART_LSR_DR
    jz .done
    mov dx, COM1 + UART_THR         ; RBR when read
    in al, dx
    mov ecx, [rx_head]
    mov edx, ecx
    inc edx
    and edx, RX_SIZE - 1
    cmp edx, [rx_tail]
    je .more                        ; full: drop the byte
    mov [rx_buf + ecx], al
    mov [rx_head], edx
    jmp .more
.done:
    mov al, PIC_EOI
    out PIC1_CMD, al
    popad
    iret

irq0:
    inc dword [tick_count]
    push eax
    mov al, PIC_EOI
    out PIC1_CMD, al
    pop eax
    iret

; getc: the next received byte in AL, sleeping until there is one.
getc:
    push ecx
.again:
    cli                             ; the ring's head moves in irq4: look at it with interrupts off
    mov ecx, [rx_tail]
    cmp ecx, [rx_head]
    jne .take
    sti                             ; STI's one-instruction shadow: no interrupt can slip in
    hlt                             ; between it and HLT, so a byte cannot be missed (SDM Vol. 2B STI)
    jmp .again
.take:
    mov al, [rx_buf + ecx]
    inc ecx
    and ecx, RX_SIZE - 1
    mov [rx_tail], ecx
    sti
    pop ecx
    ret

; read_line: a line into line_buf (NUL-terminated) with echo and editing. CR, LF or CR LF end it.
read_line:
    pushad
    xor ecx, ecx
.next:
    call getc
    cmp al, 10
    jne .not_lf
    cmp byte [last_cr], 0
    mov byte [last_cr], 0
    jne .next                       ; the LF of a CR LF pair
    jmp .enter
.not_lf:
    mov byte [last_cr], 0
    cmp al, 13
    jne .not_cr
    mov byte [last_cr], 1
    jmp .enter
.not_cr:
    cmp al, 8                       ; Backspace (Ctrl-H) ...
    je .erase
    cmp al, 0x7F                    ; ... or DEL, which terminals send for the Backspace key
    je .erase
    cmp al, 0x15                    ; Ctrl-U: erase the line
    je .kill
    cmp al, 0x03                    ; Ctrl-C: abandon the line
    je .cancel
    cmp al, ' '
    jb .next                        ; other control characters are ignored
    cmp al, 0x7E
    ja .next
    cmp ecx, LINE_MAX - 1
    jae .next                       ; the line is full
    mov [line_buf + ecx], al
    inc ecx
    call putc
    jmp .next
.erase:
    test ecx, ecx
    jz .next
    dec ecx
    call rubout
    jmp .next
.kill:
    test ecx, ecx
    jz .next
    dec ecx
    call rubout
    jmp .kill
.cancel:
    mov esi, msg_ctrl_c
    call puts
    xor ecx, ecx
.enter:
    mov byte [line_buf + ecx], 0
    call put_nl
    popad
    ret

rubout:                             ; back one column, blank it, back again
    push esi
    mov esi, msg_rubout
    call puts
    pop esi
    ret

; ---- commands ---------------------------------------------------------------------------------------

; The command table: name, handler, usage, description (NUL-terminated strings).
commands:
    dd cmd_name_help,  cmd_help,  usage_help,  desc_help
    dd cmd_name_md,    cmd_md,    usage_md,    desc_md
    dd cmd_name_regs,  cmd_regs,  usage_regs,  desc_regs
    dd cmd_name_cpuid, cmd_cpuid, usage_cpuid, desc_cpuid
    dd cmd_name_ticks, cmd_ticks, usage_ticks, desc_ticks
    dd cmd_name_echo,  cmd_echo,  usage_echo,  desc_echo
    dd cmd_name_exit,  cmd_exit,  usage_exit,  desc_exit
    dd 0

; run_line: find the command word of line_buf in the table and call its handler with ESI just
; after the word.
run_line:
    pushad
    mov esi, line_buf
    call skip_spaces
    cmp byte [esi], 0
    je .done                        ; an empty line: just a new prompt
    mov edi, commands
.try:
    mov edx, [edi]
    test edx, edx
    jz .unknown
    call match_word
    je .found
    add edi, 16
    jmp .try
.found:
    ; match_word's last flag-setting instruction was a CMP, so "regs" sees well-defined flags.
    call [edi + 4]
.done:
    popad
    ret
.unknown:
    push esi
    mov esi, msg_unknown1
    call puts
    pop esi
.word:
    lodsb
    cmp al, ' '
    jbe .word_end
    call putc
    jmp .word
.word_end:
    mov esi, msg_unknown2
    call puts
    popad
    ret

; match_word: does the word at ESI (ended by a space or NUL) equal the string at EDX? ZF = 1 and ESI
; past the word if so; ZF = 0 and ESI unchanged if not.
match_word:
    push eax
    push ebx
    push edx
    mov ebx, esi
.cmp:
    mov al, [ebx]
    cmp al, ' '
    jbe .end_of_word
    cmp al, [edx]
    jne .no
    inc ebx
    inc edx
    jmp .cmp
.end_of_word:
    cmp byte [edx], 0
    jne .no
    mov esi, ebx
    pop edx
    pop ebx
    pop eax
    cmp esi, esi                    ; ZF = 1 (and CF = OF = SF = AF = 0, PF = 1)
    ret
.no:
    pop edx
    pop ebx
    pop eax
    or esp, esp                     ; ZF = 0 (ESP is never 0)
    ret

skip_spaces:
    cmp byte [esi], ' '
    jne .done
    inc esi
    jmp skip_spaces
.done:
    ret

; parse_hex / parse_dec: the next argument at ESI (spaces skipped) as a number in EAX.
; EDX = 0: a number, ESI after it; 1: no argument (end of line); 2: not a number (message printed).
parse_hex:
    push ecx
    mov ecx, 16
    call parse_number
    pop ecx
    ret
parse_dec:
    push ecx
    mov ecx, 10
    call parse_number
    pop ecx
    ret
parse_number:                       ; ECX = the base
    push ebx
    push edi
    call skip_spaces
    mov edx, 1
    cmp byte [esi], 0
    je .out
    mov edi, esi                    ; the argument, for the error message
    cmp ecx, 16
    jne .digits
    cmp word [esi], '0x'            ; an optional 0x before a hex number
    je .prefix
    cmp word [esi], '0X'
    jne .digits
.prefix:
    add esi, 2
.digits:
    xor eax, eax
    xor ebx, ebx                    ; digits seen
.digit:
    movzx edx, byte [esi]
    cmp dl, ' '
    jbe .end
    or dl, 0x20                     ; lower case (digits are unaffected)
    sub dl, '0'
    cmp dl, 9
    jbe .value
    sub dl, 'a' - '0' - 10
    cmp dl, 10
    jb .bad
.value:
    cmp edx, ecx
    jae .bad
    push edx
    mul ecx                         ; EDX:EAX = EAX × base
    test edx, edx
    pop edx
    jnz .bad                        ; more than 32 bits
    add eax, edx
    jc .bad
    inc esi
    inc ebx
    jmp .digit
.end:
    test ebx, ebx
    jz .bad
    xor edx, edx
.out:
    pop edi
    pop ebx
    ret
.bad:
    mov esi, msg_bad_number1
    call puts
.bad_char:
    mov al, [edi]
    cmp al, ' '
    jbe .bad_done
    call putc
    inc edi
    jmp .bad_char
.bad_done:
    mov esi, msg_bad_number2
    call puts
    mov esi, msg_hex
    cmp ecx, 16
    je .radix
    mov esi, msg_decimal
.radix:
    call puts
    mov edx, 2
    jmp .out

; at_end: CF = 0 if only spaces remain at ESI; otherwise says so and CF = 1.
at_end:
    call skip_spaces
    cmp byte [esi], 0
    je .yes
    push esi
    mov esi, msg_extra
    call puts
    pop esi
    call puts
    mov al, '"'
    call putc
    call put_nl
    stc
    ret
.yes:
    clc
    ret

; help
cmd_help:
    mov esi, msg_help_head
    call puts
    mov edi, commands
.row:
    mov esi, [edi + 8]              ; usage, padded to a column
    mov ecx, 16
    mov al, ' '
    call putc
    call putc
.usage:
    lodsb
    test al, al
    jz .pad
    call putc
    dec ecx
    jmp .usage
.pad:
    call put_space
    dec ecx
    jg .pad
    mov esi, [edi + 12]
    call puts
    call put_nl
    add edi, 16
    cmp dword [edi], 0
    jne .row
    mov esi, msg_help_tail
    jmp puts

; md ADDR [LEN]: LEN bytes (default 0x40, at most 0x400) from ADDR, 16 a line, hex then ASCII.
cmd_md:
    call parse_hex
    cmp edx, 1
    je .usage
    ja .ret
    mov ebx, eax                    ; ADDR
    mov ecx, 0x40
    call parse_hex
    cmp edx, 1
    je .have_len
    ja .ret
    mov ecx, eax
.have_len:
    call at_end
    jc .ret
    test ecx, ecx
    jz .ret
    cmp ecx, 0x400
    ja .too_long
    ; Only RAM, and the mailbox device's page: anywhere else there may be nothing to answer, and
    ; under hvplay an access to guest-physical space nobody mapped ends the run.
    mov eax, ebx
    add eax, ecx
    jc .outside
    cmp eax, [ram_end]
    jbe .ok
    cmp ebx, MAILBOX
    jb .outside
    cmp eax, MAILBOX + 0x1000
    ja .outside
.ok:
    mov esi, ebx
.line:
    mov eax, esi
    call put_hex32
    mov al, ' '
    call putc
    mov edx, 16                     ; the hex columns
    xor edi, edi
.hex:
    call put_space
    cmp edi, ecx
    jae .blank
    movzx eax, byte [esi + edi]     ; MOVZX: a form the VMM can emulate if this is MMIO
    mov [row + edi], al
    call put_hex8
    jmp .hex_next
.blank:
    call put_space
    call put_space
.hex_next:
    inc edi
    dec edx
    jnz .hex
    mov al, ' '
    call putc
    call putc
    xor edi, edi
.ascii:
    cmp edi, ecx
    jae .ascii_done
    cmp edi, 16
    jae .ascii_done
    mov al, [row + edi]
    cmp al, ' '
    jb .dot
    cmp al, 0x7E
    jbe .char
.dot:
    mov al, '.'
.char:
    call putc
    inc edi
    jmp .ascii
.ascii_done:
    call put_nl
    add esi, 16
    sub ecx, 16
    jg .line
.ret:
    ret
.usage:
    mov esi, msg_md_usage
    jmp puts
.too_long:
    mov esi, msg_md_too_long
    jmp puts
.outside:
    mov esi, msg_md_outside1
    call puts
    mov eax, [ram_end]
    call put_hex32
    mov esi, msg_md_outside2
    jmp puts

; regs: the registers as this command found them.
cmd_regs:
    pushfd
    pushad                          ; [ESP] EDI ESI EBP ESP EBX EDX ECX EAX, then EFLAGS, return
    call at_end
    jc .ret
    mov ebp, esp
    add dword [ebp + 12], 4         ; the ESP PUSHAD saved, before PUSHFD
    mov ecx, 8
    mov esi, reg_names_gp
.gp:
    call puts                       ; "eax="
    movzx edi, byte [esi + 5]       ; where PUSHAD put it
    mov eax, [ebp + edi]
    call put_hex32
    add esi, 6
    cmp ecx, 5                      ; four to a line
    je .gp_nl
    cmp ecx, 1
    je .gp_nl
    call put_space
    jmp .gp_next
.gp_nl:
    call put_nl
.gp_next:
    loop .gp
    ; EFLAGS, and the names of the bits that are set
    mov esi, msg_eflags
    call puts
    mov eax, [ebp + 32]
    call put_hex32
    mov esi, flag_bits
    call put_bit_names
    call put_nl
    ; segment selectors
    mov esi, msg_cs
    call puts
    mov ax, cs
    call put_hex16
    mov esi, msg_ds
    call puts
    mov ax, ds
    call put_hex16
    mov esi, msg_es
    call puts
    mov ax, es
    call put_hex16
    mov esi, msg_fs
    call puts
    mov ax, fs
    call put_hex16
    mov esi, msg_gs
    call puts
    mov ax, gs
    call put_hex16
    mov esi, msg_ss
    call puts
    mov ax, ss
    call put_hex16
    call put_nl
    ; control registers
    mov esi, msg_cr0
    call puts
    mov eax, cr0
    call put_hex32
    mov esi, cr0_bits
    call put_bit_names
    mov esi, msg_cr3
    call puts
    mov eax, cr3
    call put_hex32
    mov esi, msg_cr4
    call puts
    mov eax, cr4
    call put_hex32
    call put_nl
    mov esi, msg_mode
    mov eax, cr0
    test eax, 1 << 31
    jz .paging_off
    mov esi, msg_mode_paging
.paging_off:
    call puts
    ; descriptor-table registers
    sub esp, 8
    sgdt [esp]
    mov esi, msg_gdtr
    call puts
    mov eax, [esp + 2]
    call put_hex32
    mov esi, msg_limit
    call puts
    mov ax, [esp]
    call put_hex16
    sidt [esp]
    mov esi, msg_idtr
    call puts
    mov eax, [esp + 2]
    call put_hex32
    mov esi, msg_limit
    call puts
    mov ax, [esp]
    call put_hex16
    add esp, 8
    call put_nl
.ret:
    popad
    popfd
    ret

; put_bit_names: EAX = a register, ESI = a table of (bit number, name) with a 0xFF end: " (A B C)".
put_bit_names:
    pushad
    mov ebx, eax
    mov al, ' '
    call putc
    mov al, '('
    call putc
    xor edx, edx                    ; names printed so far
.entry:
    movzx ecx, byte [esi]
    cmp cl, 0xFF
    je .end
    inc esi
    bt ebx, ecx
    jnc .skip
    test edx, edx
    jz .first
    call put_space
.first:
    call puts
    inc edx
.skip:
    lodsb                           ; past the name and its NUL
    test al, al
    jnz .skip
    jmp .entry
.end:
    mov al, ')'
    call putc
    popad
    ret

; cpuid [LEAF]: one leaf's registers, or a summary of who the CPU says it is.
cmd_cpuid:
    call parse_hex
    cmp edx, 1
    je .summary
    ja .ret
    call at_end
    jc .ret
    mov esi, msg_cpuid_leaf
    call puts
    call put_hex32
    mov esi, msg_colon
    call puts
    xor ecx, ecx                    ; subleaf 0
    cpuid
    call put_cpuid_regs
.ret:
    ret
.summary:
    xor eax, eax
    cpuid
    mov [text12], ebx               ; the vendor: EBX EDX ECX
    mov [text12 + 4], edx
    mov [text12 + 8], ecx
    mov byte [text12 + 12], 0
    mov esi, msg_vendor
    call puts
    mov esi, text12
    call puts
    mov esi, msg_max_leaf
    call puts
    call put_hex32
    mov al, ')'
    call putc
    call put_nl
    mov eax, 1
    cpuid
    push ecx
    ; Family, model, stepping (Intel SDM Vol. 2A, CPUID, "Version Information"): the extended family
    ; adds in for family 0xF, the extended model is the high nibble for families 6 and 0xF.
    mov ebx, eax
    shr ebx, 8
    and ebx, 0xF                    ; family
    mov ecx, eax
    shr ecx, 4
    and ecx, 0xF                    ; model
    cmp ebx, 0xF
    jne .not_f
    mov edx, eax
    shr edx, 20
    and edx, 0xFF
    add ebx, edx
.not_f:
    cmp ebx, 6
    je .ext_model
    cmp ebx, 0xF
    jb .model_done
.ext_model:
    mov edx, eax
    shr edx, 12
    and edx, 0xF0
    add ecx, edx
.model_done:
    mov esi, msg_family
    call puts
    push eax
    mov eax, ebx
    call put_hex8
    mov esi, msg_model
    call puts
    mov eax, ecx
    call put_hex8
    mov esi, msg_stepping
    call puts
    pop eax
    and eax, 0xF
    call put_hex8
    call put_nl
    pop ecx
    mov esi, msg_hypervisor_no
    bt ecx, 31                      ; CPUID.1:ECX[31]: "a hypervisor is present", never set by real hardware
    jnc .no_hypervisor
    mov esi, msg_hypervisor_yes
    call puts
    mov eax, 0x40000000             ; the hypervisor's own leaves (Intel SDM Vol. 2A: reserved; used by all hypervisors)
    cpuid
    mov [text12], ebx
    mov [text12 + 4], ecx
    mov [text12 + 8], edx
    mov esi, text12
    call puts
    mov esi, msg_hypervisor_leaf
.no_hypervisor:
    call puts
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000004
    jb .ret
    mov esi, msg_brand
    call puts
    mov edi, brand
    mov esi, 0x80000002
.brand_leaf:
    mov eax, esi
    cpuid
    stosd
    mov eax, ebx
    stosd
    mov eax, ecx
    stosd
    mov eax, edx
    stosd
    inc esi
    cmp esi, 0x80000004
    jbe .brand_leaf
    mov byte [edi], 0
    mov esi, brand
    call skip_spaces                ; some CPUs right-align the brand with leading spaces
    call puts
    call put_nl
    ret

put_cpuid_regs:                     ; "eax=... ebx=... ecx=... edx=..."
    push esi
    mov esi, msg_eax
    call puts
    call put_hex32
    mov esi, msg_ebx
    call puts
    mov eax, ebx
    call put_hex32
    mov esi, msg_ecx
    call puts
    mov eax, ecx
    call put_hex32
    mov esi, msg_edx
    call puts
    mov eax, edx
    call put_hex32
    call put_nl
    pop esi
    ret

; ticks [N]: count N (default 10, at most 1000) interrupts of the 8254 PIT at ~100 Hz, a dot each.
cmd_ticks:
    call parse_dec
    mov ebx, 10
    cmp edx, 1
    je .have_n
    ja .ret
    mov ebx, eax
.have_n:
    call at_end
    jc .ret
    test ebx, ebx
    jz .range
    cmp ebx, 1000
    ja .range
    mov al, PIT_MODE3
    out PIT_CTRL, al
    mov al, PIT_DIVISOR & 0xFF
    out PIT_CH0, al
    mov al, PIT_DIVISOR >> 8
    out PIT_CH0, al
    mov al, 0xE2                    ; read-back: latch counter 0's status, not its count
    out PIT_CTRL, al
    in al, PIT_CH0
    and al, 0x3F                    ; RW, mode and BCD as written (OUT and NULL COUNT vary)
    cmp al, PIT_MODE3 & 0x3F
    jne .no_pit
    mov esi, msg_ticks1
    call puts
    mov dword [tick_count], 0
    in al, PIC1_DATA
    and al, ~1
    out PIC1_DATA, al               ; unmask IRQ 0
    mov ecx, 1                      ; the tick we wait for
.wait:
    hlt                             ; a tick (or a key) wakes us
    cmp [tick_count], ecx
    jb .wait
    mov al, '.'
    call putc
    inc ecx
    cmp ecx, ebx
    jbe .wait
    in al, PIC1_DATA
    or al, 1
    out PIC1_DATA, al               ; mask IRQ 0 again (the PIT keeps counting; nobody listens)
    call put_nl
    mov eax, ebx
    call put_dec
    mov esi, msg_ticks2
    call puts
    mov eax, ebx                    ; N × 11932 / 1193182 s, in microseconds
    mov ecx, PIT_DIVISOR
    mul ecx
    mov ecx, 1000000
    mul ecx
    mov ecx, PIT_HZ
    div ecx
    call put_micro
    mov esi, msg_ticks3
    jmp puts
.range:
    mov esi, msg_ticks_range
    jmp puts
.no_pit:
    mov esi, msg_no_pit
    call puts
    call put_hex8
    call put_nl
.ret:
    ret

; echo TEXT
cmd_echo:
    call skip_spaces
    call puts
    jmp put_nl

; exit [CODE]: status (CODE << 1) | 1
cmd_exit:
    call parse_dec
    cmp edx, 1
    je .zero
    ja .ret
    call at_end
    jc .ret
    cmp eax, 255
    ja .range
    jmp .go
.zero:
    xor eax, eax
.go:
    mov esi, msg_bye
    call puts
    call exit_device
.range:
    mov esi, msg_exit_range
    call puts
.ret:
    ret

%include "include/console.inc"
%include "include/gallery.inc"

msg_debugcon:   db "hvplay monitor: this is the debug console (port 0xE9); the monitor itself talks on COM1", 13, 10, 0
msg_banner:     db "hvplay monitor - a tiny guest OS on a 16550 UART. Type help.", 13, 10, 0
msg_prompt:     db "hvplay> ", 0
msg_rubout:     db 8, " ", 8, 0
msg_ctrl_c:     db "^C", 0
msg_unknown1:   db "unknown command '", 0
msg_unknown2:   db "' - type help for the list", 13, 10, 0
msg_bad_number1: db "'", 0
msg_bad_number2: db "' is not a ", 0
msg_hex:        db "hex number", 13, 10, 0
msg_decimal:    db "decimal number", 13, 10, 0
msg_extra:      db "unexpected ", '"', 0

cmd_name_help:  db "help", 0
usage_help:     db "help", 0
desc_help:      db "this list", 0
cmd_name_md:    db "md", 0
usage_md:       db "md ADDR [LEN]", 0
desc_md:        db "memory dump: LEN bytes (hex, default 40) from ADDR (hex), hex and ASCII", 0
cmd_name_regs:  db "regs", 0
usage_regs:     db "regs", 0
desc_regs:      db "registers: general, EFLAGS, segments, CR0/CR3/CR4, GDTR/IDTR", 0
cmd_name_cpuid: db "cpuid", 0
usage_cpuid:    db "cpuid [LEAF]", 0
desc_cpuid:     db "who the CPU says it is, or one leaf (hex): EAX EBX ECX EDX", 0
cmd_name_ticks: db "ticks", 0
usage_ticks:    db "ticks [N]", 0
desc_ticks:     db "timer demo: N (default 10) ticks of the 8254 PIT at 100 Hz, a dot each", 0
cmd_name_echo:  db "echo", 0
usage_echo:     db "echo TEXT", 0
desc_echo:      db "print TEXT", 0
cmd_name_exit:  db "exit", 0
usage_exit:     db "exit [CODE]", 0
desc_exit:      db "leave through the exit device: status CODE * 2 + 1", 0

msg_help_head:  db "commands:", 13, 10, 0
msg_help_tail:  db "keys: Backspace deletes, Ctrl-U erases the line, Ctrl-C abandons it", 13, 10
                db "try: md 100000 40 (this guest's ELF header), cpuid, ticks 20", 13, 10, 0

msg_md_usage:   db "usage: md ADDR [LEN]", 13, 10, 0
msg_md_too_long: db "LEN is at most 400 (hex)", 13, 10, 0
msg_md_outside1: db "md reads RAM (up to ", 0
msg_md_outside2: db ") and the mailbox device at feb00000-feb00fff", 13, 10, 0

; name, then the register's offset in the PUSHAD frame (EDI at 0 ... EAX at 28)
reg_names_gp:   db "eax=", 0, 28, "ebx=", 0, 16, "ecx=", 0, 24, "edx=", 0, 20
                db "esi=", 0, 4, "edi=", 0, 0, "ebp=", 0, 8, "esp=", 0, 12
msg_eflags:     db "eflags=", 0
msg_cs:         db "cs=", 0
msg_ds:         db " ds=", 0
msg_es:         db " es=", 0
msg_fs:         db " fs=", 0
msg_gs:         db " gs=", 0
msg_ss:         db " ss=", 0
msg_cr0:        db "cr0=", 0
msg_cr3:        db " cr3=", 0
msg_cr4:        db " cr4=", 0
msg_mode:       db "protected mode, paging off (CR0.PE = 1, CR0.PG = 0): addresses are physical", 13, 10, 0
msg_mode_paging: db "protected mode with paging (CR0.PG = 1)", 13, 10, 0
msg_gdtr:       db "gdtr=", 0
msg_idtr:       db " idtr=", 0
msg_limit:      db "/", 0
; (bit number, name) pairs; Intel SDM Vol. 1 §3.4.3 (EFLAGS), Vol. 3A §2.5 (CR0)
flag_bits:      db 0, "CF", 0, 2, "PF", 0, 4, "AF", 0, 6, "ZF", 0, 7, "SF", 0, 8, "TF", 0
                db 9, "IF", 0, 10, "DF", 0, 11, "OF", 0, 0xFF
cr0_bits:       db 0, "PE", 0, 1, "MP", 0, 2, "EM", 0, 3, "TS", 0, 4, "ET", 0, 5, "NE", 0
                db 16, "WP", 0, 18, "AM", 0, 29, "NW", 0, 30, "CD", 0, 31, "PG", 0, 0xFF

msg_cpuid_leaf: db "cpuid ", 0
msg_colon:      db ": ", 0
msg_eax:        db "eax=", 0
msg_ebx:        db " ebx=", 0
msg_ecx:        db " ecx=", 0
msg_edx:        db " edx=", 0
msg_vendor:     db "vendor: ", 0
msg_max_leaf:   db " (highest basic leaf ", 0
msg_family:     db "family ", 0
msg_model:      db " model ", 0
msg_stepping:   db " stepping ", 0
msg_hypervisor_yes: db "hypervisor: present (CPUID.1:ECX bit 31), it calls itself ", '"', 0
msg_hypervisor_leaf: db '"', " (leaf 40000000)", 13, 10, 0
msg_hypervisor_no: db "hypervisor: none announced (CPUID.1:ECX bit 31 clear)", 13, 10, 0
msg_brand:      db "brand: ", 0

msg_ticks1:     db "8254 PIT counter 0: mode 3, 11932 counts of 1193182 Hz (100 Hz), IRQ 0 unmasked", 13, 10, 0
msg_ticks2:     db " ticks = ", 0
msg_ticks3:     db " s of PIT time", 13, 10, 0
msg_ticks_range: db "N is 1 to 1000", 13, 10, 0
msg_no_pit:     db "no 8254 PIT answers at ports 40-43: read-back status 0x", 0

msg_bye:        db "bye", 13, 10, 0
msg_exit_range: db "CODE is 0 to 255", 13, 10, 0

    align 4
boot_info:  dd 0
ram_end:    dd 0
tick_count: dd 0
rx_head:    dd 0
rx_tail:    dd 0
last_cr:    db 0
text12:     times 16 db 0
brand:      times 52 db 0
row:        times 16 db 0
line_buf:   times LINE_MAX db 0
    align 16
rx_buf:     times RX_SIZE db 0
stack:      times 2048 db 0
stack_top:
ELF_END
