; mbinfo.asm — prints what the boot loader handed over: EAX, the Multiboot info fields, the command
; line, the modules (each one's range, string and first bytes) and the memory map, then exits
; through the exit device with value 0 (status 1). mbinfo-mods.asm is the same guest, run with modules.
; Used to check that hvplay builds the Multiboot information exactly as QEMU's -kernel does
; (Multiboot Specification 0.6.96 §3.3). The boot loader name is reported only as "present",
; since hvplay names itself rather than claiming to be QEMU.
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

_start:
    mov [boot_eax], eax
    mov [boot_ebx], ebx
    mov esp, stack_top

    mov esi, s_eax
    call debug_puts
    mov eax, [boot_eax]
    call debug_hex32
    call newline

    mov ebx, [boot_ebx]
    mov esi, s_flags
    mov eax, [ebx + 0]
    call field
    mov esi, s_mem_lower
    mov eax, [ebx + 4]
    call field
    mov esi, s_mem_upper
    mov eax, [ebx + 8]
    call field
    mov esi, s_boot_device
    mov eax, [ebx + 12]
    call field
    mov esi, s_mods_count
    mov eax, [ebx + 20]
    call field

    mov esi, s_mods_addr              ; modules (flag bit 3): mods_addr, then each module entry
    mov eax, [ebx + 24]
    call field
    mov edi, [ebx + 24]
    mov ecx, [ebx + 20]
.module:
    test ecx, ecx
    jz .modules_done
    push ecx
    mov esi, s_module
    call debug_puts
    mov eax, [edi]                    ; mod_start
    call debug_hex32
    mov al, ' '
    out DEBUGCON, al
    mov eax, [edi + 4]                ; mod_end
    call debug_hex32
    mov esi, s_quote
    call debug_puts
    mov esi, [edi + 8]                ; string
    call debug_puts
    mov esi, s_quote_end
    call debug_puts
    mov esi, [edi]                    ; the module's first 8 bytes, as text
    mov ecx, 8
.bytes:
    lodsb
    out DEBUGCON, al
    loop .bytes
    call newline
    add edi, 16
    pop ecx
    dec ecx
    jmp .module
.modules_done:

    mov esi, s_cmdline                ; cmdline (flag bit 2)
    call debug_puts
    mov esi, [ebx + 16]
    call debug_puts
    mov al, '"'
    out DEBUGCON, al
    call newline

    mov esi, s_loader                 ; boot_loader_name (flag bit 9): non-empty?
    call debug_puts
    mov esi, [ebx + 64]
    mov al, '0'
    cmp byte [esi], 0
    je .noname
    mov al, '1'
.noname:
    out DEBUGCON, al
    call newline

    mov esi, s_mmap_length            ; memory map (flag bit 6)
    mov eax, [ebx + 44]
    call field
    mov edi, [ebx + 48]               ; entry pointer
    mov ebp, edi
    add ebp, [ebx + 44]               ; end of the map
.entry:
    cmp edi, ebp
    jae .done
    mov esi, s_entry
    call debug_puts
    mov eax, [edi + 8]                ; base high
    call debug_hex32
    mov eax, [edi + 4]                ; base low
    call debug_hex32
    mov al, ' '
    out DEBUGCON, al
    mov eax, [edi + 16]               ; length high
    call debug_hex32
    mov eax, [edi + 12]               ; length low
    call debug_hex32
    mov al, ' '
    out DEBUGCON, al
    mov eax, [edi + 20]               ; type
    call debug_hex32
    call newline
    mov eax, [edi]                    ; size field excludes itself
    lea edi, [edi + eax + 4]
    jmp .entry
.done:
    xor eax, eax
    call exit_device

; field: print the label at ESI, then EAX in hex, then a newline.
field:
    push eax
    call debug_puts
    pop eax
    call debug_hex32
newline:
    mov al, 10
    out DEBUGCON, al
    ret

%include "include/console.inc"

s_eax:          db "eax=", 0
s_flags:        db "flags=", 0
s_mem_lower:    db "mem_lower=", 0
s_mem_upper:    db "mem_upper=", 0
s_boot_device:  db "boot_device=", 0
s_mods_count:   db "mods_count=", 0
s_cmdline:      db 'cmdline="', 0
s_mods_addr:    db "mods_addr=", 0
s_module:       db "module ", 0
s_quote:        db ' "', 0
s_quote_end:    db '" ', 0
s_loader:       db "boot_loader_name_present=", 0
s_mmap_length:  db "mmap_length=", 0
s_entry:        db "mmap ", 0
    align 4
boot_eax:       dd 0
boot_ebx:       dd 0
    align 16
stack:          times 256 db 0
stack_top:
ELF_END
