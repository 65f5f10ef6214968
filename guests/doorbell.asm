; doorbell.asm — a BELL trap: telling the VMM "there is work for you" without stopping the VCPU.
;
; The lesson. mmio.asm shows the expensive way to talk to a device: every register access stops the
; VCPU, hands the VMM a packet with the instruction bytes, waits while the VMM decodes and emulates
; the instruction, and only then resumes. Often a driver has nothing to ask; it only wants to say
; "the request is in memory, go". For that Zircon has ZX_GUEST_TRAP_BELL: the VMM claims a page of
; guest-physical space (0xFEB01000 here) and binds it to a port. A write to that page still takes an
; EPT violation, but the kernel handles it alone: it queues a ZX_PKT_TYPE_GUEST_BELL packet carrying
; just the address on the VMM's port and resumes the guest at once. Nothing is decoded (the written
; value is not even looked at — the address is the message), no VCPU state is read or written, the
; VMM is not on the VCPU's path at all: it picks the packet up from its port on its own thread, later.
; This is how virtio's "queue notify" is meant to be cheap (Fuchsia's VMM maps virtio notify
; registers as BELL traps).
;
; The price is that the guest does not know when the VMM has acted. So the protocol is:
;   1. write the message into RAM (the VMM reads guest RAM directly; the doorbell carries no data),
;   2. tell the device where it is (MAILBOX register, one MMIO store),
;   3. ring: any write to the doorbell page,
;   4. carry on computing — the VCPU does not stop,
;   5. before reusing the buffer, poll the device's RINGS register until the VMM has handled the
;      ring (the VMM prints "[doorbell] <message>" and counts the ring).
; Step 5 matters: rewriting the buffer before RINGS moves would race with the VMM reading it.
;
; What to look at in the exit log: each round is an "MMIO store 4 bytes at 0xfeb00010" (MAILBOX: a full
; exit), then a "BELL 0xfeb010xx (mailbox)" line, logged when the VMM takes the packet from its port —
; there is no exit for the write that rang, because the VCPU never stopped for it — then the "MMIO load"
; polls of RINGS. The "[doorbell]" line comes from the VMM's port side, not from an exit.
;
; QEMU has no such device (src/vmm/devices/mailbox.ts is the playground's own), so this guest runs
; under hvplay only:  hvplay run public/guests/doorbell.elf
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

MAILBOX     equ 0xFEB00000          ; MMIO registers (a MEM trap)
BELL        equ 0xFEB01000          ; the doorbell page (a BELL trap)
REG_MAILBOX equ 0x10                ; guest-physical address of the NUL-terminated message
REG_RINGS   equ 0x14                ; rings the VMM has handled
ROUNDS      equ 3
WORK        equ 20000               ; iterations of busy work after each ring

_start:
    cli
    mov esp, stack_top
    call setup_gdt
    call setup_idt
    mov esi, msg_intro
    call puts

    mov ebx, 1                      ; round number, 1..ROUNDS
.round:
    ; 1. the message, built in RAM at run time: "message N of 3: <text>"
    mov edi, buffer
    mov esi, msg_prefix
    call copy
    mov al, bl
    add al, '0'
    stosb
    mov esi, msg_of
    call copy
    mov esi, [texts + ebx * 4 - 4]
    call copy
    mov byte [edi], 0

    mov esi, msg_ring
    call puts
    mov eax, ebx
    call put_dec
    mov esi, msg_ring2
    call puts
    ; 2. where it is (the VMM reads it from guest RAM; paging is off, so its address is physical)
    mov dword [MAILBOX + REG_MAILBOX], buffer
    ; 3. ring. The offset within the page is ours to choose; the packet reports the exact address.
    mov dword [BELL + ebx * 4], 1
    ; 4. the VCPU goes on at once: some busy work (a xorshift32 sequence), all in registers and RAM
    mov eax, ebx
    mov ecx, WORK
.work:
    mov edx, eax
    shl edx, 13
    xor eax, edx
    mov edx, eax
    shr edx, 17
    xor eax, edx
    mov edx, eax
    shl edx, 5
    xor eax, edx
    loop .work
    mov [result], eax
    ; 5. wait until the VMM has handled this ring before touching the buffer again
.poll:
    pause                           ; a spin-wait hint (SDM Vol. 2B PAUSE)
    mov eax, [MAILBOX + REG_RINGS]  ; MOV, then CMP: a CMP on the register itself is not an MMIO form the VMM emulates
    cmp eax, ebx
    jb .poll
    mov esi, msg_done
    call puts
    call put_dec                    ; EAX = RINGS
    mov esi, msg_done2
    call puts
    mov eax, [result]
    call put_hex32
    call put_nl
    inc ebx
    cmp ebx, ROUNDS
    jbe .round

    mov esi, msg_bye
    call puts
    xor eax, eax
    call exit_device

copy:                               ; ESI → EDI without the NUL; EDI ends after the copy
    lodsb
    test al, al
    jz .done
    stosb
    jmp copy
.done:
    ret

%include "include/console.inc"
%include "include/gallery.inc"

msg_intro:  db "doorbell: messages to the VMM through a BELL trap at 0xfeb01000", 13, 10, 0
msg_ring:   db "guest: message ", 0
msg_ring2:  db " written to RAM, MAILBOX set, ringing the doorbell and computing on", 13, 10, 0
msg_done:   db "guest: RINGS = ", 0
msg_done2:  db ", the VMM has handled it; meanwhile ", "20000", " rounds of xorshift32 gave 0x", 0
msg_bye:    db "guest: done", 13, 10, 0
msg_prefix: db "message ", 0
msg_of:     db " of 3: ", 0
text1:      db "the doorbell carries no data, only its address", 0
text2:      db "so the message waits in guest RAM", 0
text3:      db "and the VCPU never stopped to deliver it", 0
texts:      dd text1, text2, text3

    align 4
result:     dd 0
buffer:     times 128 db 0
    align 16
stack:      times 1024 db 0
stack_top:
ELF_END
