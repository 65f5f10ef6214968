; paging-demo.asm — 32-bit paging, seen from the guest: an identity map, an alias, and page faults
; handled on demand.
;
; The lesson. With CR0.PG = 1 every address the program uses is virtual: the CPU splits it into a
; page-directory index (bits 31:22), a page-table index (21:12) and an offset (11:0), and walks the
; tables at CR3 to find the physical page (Intel SDM Vol. 3A §4.3, Figure 4-2). This guest
;   1. builds a page directory whose first table maps the low 4 MiB onto themselves (its own code,
;      data and stack keep working when paging comes on), and a second table for 0x40000000-0x403FFFFF;
;   2. maps ONE physical page at two virtual addresses, 0x40000000 and 0x40001000, writes through one
;      and reads the same bytes through the other — an alias, the trick behind shared memory — and
;      shows the accessed (A) and dirty (D) bits the CPU set in each page-table entry (§4.8);
;   3. reads 0x40002000, whose entry is not present: a page fault (#PF, vector 14). The CPU puts the
;      faulting address in CR2 and pushes an error code (§4.7: bit 0 P, bit 1 W/R, bit 2 U/S, bit 3
;      RSVD, bit 4 I/D), both printed here in words. The handler fills a free physical page, maps it,
;      and returns with IRET to the same instruction, which now succeeds: demand paging;
;   4. writes to 0x40003000, mapped read-only, with CR0.WP = 1 (so even the kernel may not write it):
;      a protection fault. The handler makes the entry writable and must then INVLPG it, because the
;      old read-only translation may be cached in the TLB (§4.10.4.1); a not-present entry is never
;      cached (§4.10.2.3), which is why step 3 needed no INVLPG.
;
; Under a hypervisor all of this happens inside the guest: the guest's page tables are guest memory,
; CR3 holds a guest-physical address, and with EPT the CPU walks both levels itself, so neither the
; page walks nor the #PFs are VM exits (Zircon does not trap guest page faults). What to look at in
; the exit log: nothing between the debug-console writes — the faults and the table walks never reach
; the VMM. (The registers panel shows CR0.PG and CR3 once paging is on, and the memory view shows the
; tables: the page directory is the first page after the image.)
;   hvplay run public/guests/paging-demo.elf      (QEMU gives the same output: qemu-ref multiboot)
%include "include/multiboot-elf.inc"

PTE_P       equ 1 << 0              ; present
PTE_RW      equ 1 << 1              ; writable
PTE_A       equ 1 << 5              ; accessed: set by the CPU on any access through the entry
PTE_D       equ 1 << 6              ; dirty: set by the CPU on a write through the entry
CR0_WP      equ 1 << 16
CR0_PG      equ 1 << 31
DEMO        equ 0x40000000          ; the demo's virtual window, page-directory entry 0x100

_start:
    cli
    mov esp, stack_top
    call setup_gdt
    call setup_idt
    mov ecx, 14                     ; #PF
    mov eax, page_fault
    call idt_set

    ; Zero the tables and frames (the loader zero-fills the BSS, but say so explicitly).
    mov edi, PAGE_DIR
    mov ecx, PAGING_BYTES / 4
    xor eax, eax
    rep stosd

    ; 1. The page directory: entry 0 → the identity table, entry 0x100 → the demo table.
    mov dword [PAGE_DIR + 0 * 4], IDENTITY_PT + PTE_P + PTE_RW
    mov dword [PAGE_DIR + (DEMO >> 22) * 4], DEMO_PT + PTE_P + PTE_RW
    ; The identity table: page i → physical i * 4096, for the low 4 MiB.
    mov edi, IDENTITY_PT
    mov eax, PTE_P | PTE_RW
    mov ecx, 1024
.identity:
    stosd
    add eax, 4096
    loop .identity
    ; 2. The alias: two entries, one frame.
    mov dword [DEMO_PT + 0 * 4], FRAME_SHARED + PTE_P + PTE_RW
    mov dword [DEMO_PT + 1 * 4], FRAME_SHARED + PTE_P + PTE_RW
    ; 3. Entry 2 stays 0: not present.
    ; 4. Entry 3 read-only.
    mov dword [DEMO_PT + 3 * 4], FRAME_READONLY + PTE_P

    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax                    ; paging on; the next instruction is fetched through the tables
    mov esi, msg_on
    call puts
    mov eax, cr0
    and eax, CR0_PG | CR0_WP | 1
    call put_hex32
    mov esi, msg_cr3
    call puts
    mov eax, cr3
    call put_hex32
    call put_nl

    ; ---- 2. the alias ----
    mov esi, msg_alias1
    call puts
    mov eax, FRAME_SHARED
    call put_hex32
    call put_nl
    mov esi, text_alias
    mov edi, DEMO                   ; write through 0x40000000
    call copy_string
    mov esi, msg_alias2
    call puts
    mov esi, DEMO + 0x1000          ; read through 0x40001000
    call puts
    mov esi, msg_quote_nl
    call puts
    ; The CPU marked both entries accessed, and only the one written through dirty.
    mov esi, msg_pte0
    call puts
    mov eax, [DEMO_PT + 0 * 4]
    call put_pte
    mov esi, msg_pte1
    call puts
    mov eax, [DEMO_PT + 1 * 4]
    call put_pte
    mov dword [DEMO + 0x1000 + 60], 0x600d600d  ; and the other way round
    mov esi, msg_alias3
    call puts
    mov eax, [DEMO + 60]
    call put_hex32
    call put_nl

    ; ---- 3. demand paging ----
    mov esi, msg_read2
    call puts
    mov eax, [DEMO + 0x2000]        ; not present: #PF; the handler maps a page; this MOV runs again
    mov esi, msg_got2
    call puts
    mov esi, DEMO + 0x2000
    call puts
    mov esi, msg_quote_nl
    call puts
    mov esi, msg_pte2
    call puts
    mov eax, [DEMO_PT + 2 * 4]
    call put_pte

    ; ---- 4. a write to a read-only page ----
    mov esi, msg_write3
    call puts
    mov dword [DEMO + 0x3000], 0x0000c0de
    mov esi, msg_wrote3
    call puts
    mov eax, [DEMO + 0x3000]
    call put_hex32
    call put_nl
    mov esi, msg_pte3
    call puts
    mov eax, [DEMO_PT + 3 * 4]
    call put_pte

    mov esi, msg_faults
    call puts
    mov eax, [faults]
    call put_dec
    call put_nl
    xor eax, eax
    call exit_device

; The #PF handler. The CPU pushed the error code, then EIP, CS, EFLAGS (same privilege: no stack
; switch). Not-present in the demo window → map a fresh frame; write to a present read-only page →
; make it writable. Anything else is a bug: report it and stop.
page_fault:
    pushad
    inc dword [faults]
    mov esi, msg_pf
    call puts
    mov eax, cr2
    call put_hex32
    mov esi, msg_pf_eip
    call puts
    mov eax, [esp + 36]             ; the faulting instruction's EIP, above the error code
    call put_hex32
    mov esi, msg_pf_code
    call puts
    mov eax, [esp + 32]             ; the error code, above the eight PUSHAD registers
    call put_hex8
    mov esi, msg_colon
    call puts
    call put_error_code
    call put_nl

    mov edx, cr2
    mov ecx, edx
    sub ecx, DEMO
    cmp ecx, 0x400000
    jae .unexpected                 ; outside the demo window
    shr ecx, 12                     ; the page-table index
    mov eax, [esp + 32]
    test eax, 1
    jnz .protection
    ; Not present: fill the next free frame and map it.
    mov edi, [next_frame]
    add dword [next_frame], 4096
    mov esi, msg_mapping
    call puts
    mov eax, edi
    call put_hex32
    mov esi, msg_at
    call puts
    mov eax, edx
    and eax, ~0xFFF
    call put_hex32
    call put_nl
    push edi
    mov esi, text_demand
    call copy_string
    pop edi
    or edi, PTE_P | PTE_RW
    mov [DEMO_PT + ecx * 4], edi
    jmp .retry
.protection:
    test eax, 2
    jz .unexpected                  ; a read of a present page cannot fault here
    mov esi, msg_making_rw
    call puts
    or dword [DEMO_PT + ecx * 4], PTE_RW
    invlpg [edx]                    ; drop the cached read-only translation
.retry:
    popad
    add esp, 4                      ; discard the error code: IRET expects EIP on top
    iret                            ; back to the faulting instruction, which runs again
.unexpected:
    mov al, 0x7E
    call exit_device

; put_error_code: EAX = #PF error code, in words (Intel SDM Vol. 3A §4.7, Figure 4-12).
put_error_code:
    push esi
    mov esi, msg_not_present
    test al, 1
    jz .p
    mov esi, msg_protection
.p: call puts
    mov esi, msg_read
    test al, 2
    jz .w
    mov esi, msg_write
.w: call puts
    mov esi, msg_supervisor
    test al, 4
    jz .u
    mov esi, msg_user
.u: call puts
    test al, 8
    jz .r
    mov esi, msg_rsvd
    call puts
.r: test al, 16
    jz .i
    mov esi, msg_fetch
    call puts
.i: pop esi
    ret

; put_pte: EAX = a page-table entry: "0x<entry> = frame 0x<frame> P RW A D" and a newline.
put_pte:
    push esi
    call put_hex32
    mov esi, msg_frame
    call puts
    push eax
    and eax, ~0xFFF
    call put_hex32
    pop eax
    mov esi, msg_bit_p
    test al, PTE_P
    jz .p
    call puts
.p: mov esi, msg_bit_rw
    test al, PTE_RW
    jz .rw
    call puts
.rw: mov esi, msg_bit_a
    test al, PTE_A
    jz .a
    call puts
.a: mov esi, msg_bit_d
    test al, PTE_D
    jz .d
    call puts
.d: call put_nl
    pop esi
    ret

copy_string:                        ; ESI → EDI, including the NUL. Clobbers EAX, ESI, EDI.
    lodsb
    stosb
    test al, al
    jnz copy_string
    ret

%include "include/console.inc"
%include "include/gallery.inc"

msg_on:          db "paging on: CR0 & (PG|WP|PE) = 0x", 0
msg_cr3:         db ", CR3 = 0x", 0
msg_alias1:      db "virtual 0x40000000 and 0x40001000 both map physical 0x", 0
msg_alias2:      db "read through 0x40001000: ", '"', 0
msg_alias3:      db "wrote 0x600d600d through 0x4000103c, read through 0x4000003c: 0x", 0
msg_quote_nl:    db '"', 13, 10, 0
msg_pte0:        db "PTE for 0x40000000 (written): 0x", 0
msg_pte1:        db "PTE for 0x40001000 (read):    0x", 0
msg_got2:        db "the MOV ran again and read: ", '"', 0
msg_pte2:        db "PTE for 0x40002000 now:       0x", 0
msg_pte3:        db "PTE for 0x40003000 now:       0x", 0
msg_frame:       db " = frame 0x", 0
msg_bit_p:       db " P", 0
msg_bit_rw:      db " RW", 0
msg_bit_a:       db " A", 0
msg_bit_d:       db " D", 0
msg_read2:       db "reading 0x40002000 (its entry is not present)...", 13, 10, 0
msg_write3:      db "writing 0x40003000 (mapped read-only, CR0.WP = 1)...", 13, 10, 0
msg_wrote3:      db "the write went through on the retry; 0x40003000 holds 0x", 0
msg_pf:          db "  #PF: CR2 = 0x", 0
msg_pf_eip:      db " (EIP 0x", 0
msg_pf_code:     db "), error code 0x", 0
msg_colon:       db " = ", 0
msg_not_present: db "not-present page", 0
msg_protection:  db "protection violation", 0
msg_read:        db ", read", 0
msg_write:       db ", write", 0
msg_supervisor:  db ", supervisor mode", 0
msg_user:        db ", user mode", 0
msg_rsvd:        db ", reserved bit set", 0
msg_fetch:       db ", instruction fetch", 0
msg_mapping:     db "  handler: filled physical 0x", 0
msg_at:          db " and mapped it at 0x", 0
msg_making_rw:   db "  handler: set RW in the entry, INVLPG, retry", 13, 10, 0
msg_faults:      db "page faults taken: ", 0
text_alias:      db "one frame, two addresses", 0
text_demand:     db "filled in by the page-fault handler", 0

    align 4
faults:     dd 0
next_frame: dd FRAME_POOL
    align 16
stack:      times 1024 db 0
stack_top:
ELF_END

; The paging structures and frames live in the zero-filled memory after the image (BSS), each 4 KiB
; aligned as the tables must be (§4.3). Labels are offsets from $$ because the flat-binary format
; allows arithmetic, not bitwise operators, on addresses.
PAGE_DIR       equ $$ + ((file_end - $$ + 4095) & ~4095)
IDENTITY_PT    equ PAGE_DIR + 0x1000
DEMO_PT        equ PAGE_DIR + 0x2000
FRAME_SHARED   equ PAGE_DIR + 0x3000
FRAME_READONLY equ PAGE_DIR + 0x4000
FRAME_POOL     equ PAGE_DIR + 0x5000    ; frames the #PF handler hands out
PAGING_BYTES   equ 0x7000
BSS_SIZE       equ (PAGE_DIR - file_end) + PAGING_BYTES
