; journey-boot.asm — the journey real mode → protected mode → long mode, as a 512-byte boot sector.
; Run as a flat image in real mode at 0x7C00 (`hvplay run public/guests/journey-boot.bin --boot flat`),
; or under QEMU as a boot sector after its BIOS (`qemu-ref bootsector`): it uses no BIOS service and
; assumes nothing about the registers it starts with but CS:IP = 0000:7C00 and A20 enabled.
; Each stage prints a line to the debug console (port 0xE9) with what the CPU reports there:
;   real mode       CR0 via SMSW (PE = 0)
;   protected mode  CR0 (PE = 1), after a far jump into a 32-bit code segment (Intel SDM Vol. 3A §10.9.1)
;   long mode       EFER (LME | LMA), after PAE + 4-level paging + EFER.LME + CR0.PG and a far jump
;                   into a 64-bit code segment (Intel SDM Vol. 3A §10.8.5)
; then leaves through the exit device with value 0 (status 1).

bits 16
org 0x7c00

PML4 equ 0x10000                        ; page tables, identity-mapping the first 2 MiB
PDPT equ 0x11000
PD   equ 0x12000

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    mov si, msg_real
    call puts16
    smsw ax
    call hex16
    mov al, 10
    out 0xe9, al

    lgdt [gdtr]
    mov eax, cr0
    or al, 1                            ; CR0.PE
    mov cr0, eax
    jmp 0x08:protected

puts16:                                 ; DS:SI, NUL-terminated
    lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp puts16
.done:
    ret

hex16:                                  ; AX as 4 hex digits
    mov cx, 4
.digit:
    rol ax, 4
    push ax
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out 0xe9, al
    pop ax
    loop .digit
    ret

bits 32
protected:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7c00
    mov esi, msg_protected
    call puts32
    mov eax, cr0
    call hex32
    mov al, 10
    out 0xe9, al

    ; 4-level paging: PML4[0] → PDPT, PDPT[0] → PD, PD[0] = a 2 MiB page at 0 (P | RW | PS).
    mov edi, PML4
    mov ecx, 3 * 4096 / 4
    xor eax, eax
    rep stosd
    mov dword [PML4], PDPT | 3
    mov dword [PDPT], PD | 3
    mov dword [PD], 0x83
    mov eax, cr4
    or eax, 0x20                        ; CR4.PAE
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, 0xc0000080                 ; EFER
    rdmsr
    or eax, 0x100                       ; EFER.LME
    wrmsr
    mov eax, cr0
    or eax, 0x80000000                  ; CR0.PG: IA-32e mode becomes active (EFER.LMA = 1)
    mov cr0, eax
    jmp 0x18:long_mode

puts32:
    lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp puts32
.done:
    ret

hex32:                                  ; EAX as 8 hex digits
    mov ecx, 8
.digit:
    rol eax, 4
    push eax
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out 0xe9, al
    pop eax
    loop .digit
    ret

bits 64
long_mode:
    mov esi, msg_long
    call puts32                         ; the same bytes work in 64-bit mode (LODSB uses RSI)
    mov ecx, 0xc0000080
    rdmsr
    and eax, 0x500                      ; LME | LMA (SCE/NXE depend on the firmware that ran before)
    call hex32
    mov al, 10
    out 0xe9, al
    xor eax, eax
    out 0xf4, al                        ; exit device: status (0 << 1) | 1
.hang:
    hlt
    jmp .hang

msg_real:      db "real mode, CR0=", 0
msg_protected: db "protected mode, CR0=", 0
msg_long:      db "long mode, EFER=", 0

    align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff               ; 0x08: 32-bit code
    dq 0x00cf92000000ffff               ; 0x10: data
    dq 0x00af9a000000ffff               ; 0x18: 64-bit code (L = 1)
gdtr:
    dw gdtr - gdt - 1
    dd gdt

    times 510 - ($ - $$) db 0
    dw 0xaa55
