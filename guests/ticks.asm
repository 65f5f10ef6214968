; ticks.asm — timer interrupts: the 8254 PIT's counter 0 ticking at 100 Hz through the 8259A PIC.
;
; The lesson. A PC's timer is two chips. The 8254 counts down a 1.193182 MHz clock (14.31818 MHz / 12,
; the NTSC colour-burst crystal of the first PC); in mode 2 ("rate generator") counter 0 reloads its
; count N every time it reaches 1 and pulses its OUT pin, which is wired to IRQ 0 of the 8259A. The
; PIC turns that edge into interrupt vector 0x20 (after we remap it there; the BIOS default 0x08
; collides with #DF) and holds further IRQ 0s until the handler writes an end-of-interrupt (EOI).
; So the guest: programs counter 0 with N = 11932 (1193182 / 11932 = 99.998 Hz — "100 Hz" is never
; exact, and the elapsed times below show the error), unmasks IRQ 0 only, and sleeps in HLT. Each
; tick wakes it; it prints "tick N" and the time N ticks stand for, computed from the count alone
; (N × 11932 / 1193182 s), never read from a clock, so the output is the same on every machine.
;
; Under a hypervisor neither chip exists: every OUT to ports 0x40-0x43 and 0x20-0x21 is a VM exit
; the VMM emulates, and the VMM decides when a tick is due and injects vector 0x20 (zx_vcpu_interrupt)
; once the PIC model says so. HLT is an exit too: the VCPU sleeps in the kernel until the interrupt.
; What to look at in the exit log: the OUTs to 0x43/0x40 (the control word 0x34, then the count,
; low byte then high byte), the read-back IN from 0x40, then a rhythm of one OUT 0x20 0x20 (the EOI)
; per tick, with nothing in between while the VCPU halts.
;
; If no PIT answers (ports 0x40-0x43 read all ones), it says so and exits with value 2 (status 5).
;   hvplay run public/guests/ticks.elf
BSS_SIZE equ 0
%include "include/multiboot-elf.inc"

PIT_CH0     equ 0x40
PIT_CTRL    equ 0x43
PIT_HZ      equ 1193182             ; the 8254's input clock
DIVISOR     equ 11932               ; PIT_HZ / DIVISOR = 99.998 Hz
TICKS       equ 10
; Control word (8254 datasheet, "Control Word Format"): SC = 00 counter 0, RW = 11 low byte then high
; byte, M = 010 mode 2, BCD = 0 binary.
PIT_MODE2   equ 0x34
; Read-back command: 11, COUNT = 1 (do not latch the count), STATUS = 0 (latch the status), CNT0.
PIT_READBACK_STATUS0 equ 0xE2

_start:
    cli
    mov esp, stack_top
    call setup_gdt
    call setup_idt
    mov ecx, IRQ_BASE + 0
    mov eax, irq0
    call idt_set
    mov ax, 0xFFFF                  ; everything masked while we set up
    call pic_init

    mov esi, msg_intro
    call puts

    mov al, PIT_MODE2
    out PIT_CTRL, al
    mov al, DIVISOR & 0xFF
    out PIT_CH0, al
    mov al, DIVISOR >> 8
    out PIT_CH0, al

    ; Is anyone there? The read-back status's low six bits repeat the control word we wrote
    ; (RW, mode, BCD); bit 7 is OUT and bit 6 NULL COUNT, which depend on timing, so they are masked.
    mov al, PIT_READBACK_STATUS0
    out PIT_CTRL, al
    in al, PIT_CH0
    and al, 0x3F
    cmp al, PIT_MODE2 & 0x3F
    jne no_pit
    mov esi, msg_status
    call puts
    call put_hex8
    mov esi, msg_status2
    call puts

    mov al, 0xFE                    ; OCW1: unmask IRQ 0 only
    out PIC1_DATA, al
    sti

    mov ebx, 1                      ; the tick we wait for next
.wait:
    hlt                             ; sleep until an interrupt (a tick, here)
    cmp [ticks], ebx
    jb .wait
    ; Print every tick exactly once, even if two arrived while we were printing.
    mov esi, msg_tick
    call puts
    mov eax, ebx
    call put_dec
    mov esi, msg_at
    call puts
    mov eax, ebx
    call put_seconds
    mov esi, msg_s
    call puts
    inc ebx
    cmp ebx, TICKS
    jbe .wait
    cli

    mov esi, msg_total1
    call puts
    mov eax, TICKS * DIVISOR
    call put_dec
    mov esi, msg_total2
    call puts
    mov eax, TICKS
    call put_seconds
    mov esi, msg_total3
    call puts
    xor eax, eax
    call exit_device

no_pit:
    mov esi, msg_no_pit
    call puts
    mov al, 2
    call exit_device

; put_seconds: EAX ticks → "S.UUUUUU", the time they stand for: ticks × DIVISOR / PIT_HZ seconds,
; in microseconds by a 64-bit product (EDX:EAX) and one division.
put_seconds:
    pushad
    mov ecx, DIVISOR
    mul ecx
    mov ecx, 1000000
    mul ecx                         ; EDX:EAX = ticks × DIVISOR × 10^6
    mov ecx, PIT_HZ
    div ecx                         ; EAX = microseconds (truncated)
    call put_micro
    popad
    ret

irq0:
    inc dword [ticks]
    push eax
    mov al, PIC_EOI
    out PIC1_CMD, al                ; EOI, or the PIC never delivers IRQ 0 again
    pop eax
    iret

%include "include/console.inc"
%include "include/gallery.inc"

msg_intro:   db "ticks: the 8254 PIT's counter 0 in mode 2 (rate generator), count ", "11932", 13, 10
             db "       = 1193182 Hz / 11932 = 99.998 Hz, on IRQ 0 through the 8259A (vector 0x20)", 13, 10, 0
msg_status:  db "8254 read-back status of counter 0 (bits 5:0): 0x", 0
msg_status2: db " = low byte then high byte, mode 2, binary", 13, 10, 0
msg_tick:    db "tick ", 0
msg_at:      db ": ", 0
msg_s:       db " s", 13, 10, 0
msg_total1:  db "10 ticks = ", 0
msg_total2:  db " PIT clocks / 1193182 Hz = ", 0
msg_total3:  db " s (a 100 Hz timer at 11932 counts runs 0.0015% slow)", 13, 10, 0
msg_no_pit:  db "no 8254 PIT: ports 0x40-0x43 do not answer (read-back status mismatch)", 13, 10, 0

    align 4
ticks:      dd 0
    align 16
stack:      times 1024 db 0
stack_top:
ELF_END
