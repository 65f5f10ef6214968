; paging-pae.asm — differential test of PAE paging (Intel SDM Vol. 3A §4.4): a 32-byte-aligned PDPT
; (CR3 bits 31:5), 4 KiB and 2 MiB pages, execute-disable with IA32_EFER.NXE (§4.6: XD in a PTE, in a
; PDE above a page table, in a 2 MiB PDE; #PF error code I/D, bit 4, set for every faulting fetch once
; NXE=1, §4.7), bit 63 reserved while NXE=0 and reserved physical-address bits (RSVD, bit 3), the
; accessed/dirty bits (§4.8; PDPTEs have none in PAE mode), CR0.WP, ring-3 accesses, INVLPG and the
; PDPTEs reloaded by MOV CR3 (§4.4.1). Only behaviour the SDM guarantees is printed.
; One line per case (sys32.inc); ends through the exit device with value 0.
;
; Left out because QEMU 7.2 departs from the SDM: reserved bits in a PDPTE (the SDM loads the four
; PDPTEs at MOV CR3 and raises #GP(0) there, §4.4.1; QEMU reads them at walk time), and the P bit of
; a reserved-bit #PF error code (the SDM sets P with RSVD, §4.7; QEMU clears it — the RSVD cases print
; the error code with bit 0 masked, src/x86/system-paging.test.ts pins P = 1), and the accessed bit
; of a PDPTE (bits 8:5 of a PAE PDPTE are reserved and the processor never writes PDPTEs, Table 4-8;
; QEMU sets bit 5).
;
; Physical layout: PDPT 0x200020 (in the page at 0x200000); PD0 0x201000 (linear 0-1 GiB);
; PT0 0x202000 (identity 0-2 MiB, 4 KiB user pages); PT_T 0x203000 (linear 4-6 MiB); PD1 0x204000,
; PD2 0x205000 (alternatives for PDPT[1], linear 1-2 GiB); PT_X 0x206000; frames F0..F8 at
; 0x210000 + k*0x1000 starting with the marker 0xF000000k; 2 MiB pages at 0x600000, 0x800000,
; 0xA00000, 0xC00000 starting with markers.
; Linear layout:
;   0-2 MiB PT0; 2-4 MiB one 2 MiB user page (identity: the tables)
;   0x400000 NP   0x401000 user RO → F1   0x402000 supervisor → F2   0x403000 user → F3 (A/D)
;   0x404000 → F4/F5 (INVLPG)   0x405000 user XD → F5 (RET at +0x800)   0x406000 bit 63 → F6
;   0x407000 bit 51 (reserved) → F7   0x408000 user → F8 (RET at +0x800)
;   0x600000 PD0[3]: 2 MiB page with reserved bit 13     0x800000 PD0[4]: 2 MiB supervisor page
;   0xA00000 PD0[5]: XD PDE → PT_X, PT_X[0] → F8          0xC00000 PD0[6]: 2 MiB user XD page
;   0x40000000 PDPT[1] → PD1 (2 MiB page at 0x800000) or PD2 (2 MiB page at 0xA00000)
BSS_SIZE equ bss_end - file_end
%include "include/multiboot-elf.inc"
%include "include/sys32.inc"

PDPT    equ 0x200020
PD0     equ 0x201000
PT0     equ 0x202000
PT_T    equ 0x203000
PD1     equ 0x204000
PD2     equ 0x205000
PT_X    equ 0x206000
FRAME   equ 0x210000
L_NP    equ 0x400000
L_RO    equ 0x401000
L_SUP   equ 0x402000
L_AD    equ 0x403000
L_SW    equ 0x404000
L_XD    equ 0x405000
L_B63   equ 0x406000
L_B51   equ 0x407000
L_CODE  equ 0x408000
L_RSVD2 equ 0x600000
L_BIG   equ 0x800000
L_XDPDE equ 0xA00000
L_XD2M  equ 0xC00000
L_HIGH  equ 0x40000000

CR0_PG  equ 0x80000000
CR0_WP  equ 0x00010000
CR4_PAE equ 0x20
EFER    equ 0xC0000080
EFER_NXE equ 0x800

; 8-byte entries: LO/HI dwords of the entry for `lin` in table t
%define PTE_LO(t, lin) dword [(t) + (((lin) >> 12) & 0x1FF) * 8]
%define PTE_HI(t, lin) dword [(t) + (((lin) >> 12) & 0x1FF) * 8 + 4]
%define PDE_LO(t, lin) dword [(t) + (((lin) >> 21) & 0x1FF) * 8]
%define PDE_HI(t, lin) dword [(t) + (((lin) >> 21) & 0x1FF) * 8 + 4]

; SETNXE 0/1: IA32_EFER.NXE. Clobbers EAX, ECX, EDX.
%macro SETNXE 1
    mov ecx, EFER
    rdmsr
  %if %1
    or eax, EFER_NXE
  %else
    and eax, ~EFER_NXE
  %endif
    wrmsr
%endmacro

_start:
    mov esp, stack_top
    call sys_init
    SAY "paging-pae"
    mov al, 10
    out DEBUGCON, al

    ; --- tables, paging off ---
    mov edi, 0x200000
    mov ecx, (FRAME + 9 * 0x1000 - 0x200000) / 4
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
    cmp ecx, 9
    jb .mark
    mov dword [0x600000], 0xB1600006
    mov dword [0x800000], 0xB1600008
    mov dword [0xA00000], 0xB160000A
    mov dword [0xC00000], 0xC3C3C3C3 ; RET: the code of the 2 MiB XD page
    mov byte [FRAME + 0x5800], 0xC3
    mov byte [FRAME + 0x8800], 0xC3
    xor ecx, ecx
.id:
    mov eax, ecx
    shl eax, 12
    or eax, 7
    mov [PT0 + ecx*8], eax
    inc ecx
    cmp ecx, 512
    jb .id
    mov dword [PDPT], PD0 | 1       ; PDPTEs: P only (bits 2:1 and 8:5 reserved, §4.4.1)
    mov dword [PDPT + 8], PD1 | 1
    mov PDE_LO(PD0, 0), PT0 | 7
    mov PDE_LO(PD0, 0x200000), 0x200000 | 0x87
    mov PDE_LO(PD0, L_NP), PT_T | 7
    mov PTE_LO(PT_T, L_RO), FRAME + 0x1000 | 5
    mov PTE_LO(PT_T, L_SUP), FRAME + 0x2000 | 3
    mov PTE_LO(PT_T, L_AD), FRAME + 0x3000 | 7
    mov PTE_LO(PT_T, L_SW), FRAME + 0x4000 | 7
    mov PTE_LO(PT_T, L_XD), FRAME + 0x5000 | 7
    mov PTE_HI(PT_T, L_XD), 0x80000000
    mov PTE_LO(PT_T, L_B63), FRAME + 0x6000 | 7
    mov PTE_HI(PT_T, L_B63), 0x80000000
    mov PTE_LO(PT_T, L_B51), FRAME + 0x7000 | 7
    mov PTE_HI(PT_T, L_B51), 0x00080000
    mov PTE_LO(PT_T, L_CODE), FRAME + 0x8000 | 7
    mov PDE_LO(PD0, L_RSVD2), 0x600000 | 0x2000 | 0x87
    mov PDE_LO(PD0, L_BIG), 0x800000 | 0x83
    mov PDE_LO(PD0, L_XDPDE), PT_X | 7
    mov PDE_HI(PD0, L_XDPDE), 0x80000000
    mov PTE_LO(PT_X, L_XDPDE), FRAME + 0x8000 | 7
    mov PDE_LO(PD0, L_XD2M), 0xC00000 | 0x87
    mov PDE_HI(PD0, L_XD2M), 0x80000000
    mov PDE_LO(PD1, L_HIGH), 0x800000 | 0x83
    mov PDE_LO(PD2, L_HIGH), 0xA00000 | 0x83

    TRY "paging-on"
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, PDPT
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    jmp .flush
.flush:
    mov eax, [FRAME + 0x4000]
    PRINT eax
    mov eax, cr3
    PRINT eax
    ENDTRY

    ; ---- translation ----
    TRY "4k-read"
    mov eax, [L_SW]
    PRINT eax
    ENDTRY
    TRY "2m-read"
    mov eax, [L_BIG + 0x1000]       ; (nothing written there: 0)
    PRINT eax
    mov eax, [L_BIG]
    PRINT eax
    ENDTRY
    TRY "pdpt1-2m-read"
    mov eax, [L_HIGH]
    PRINT eax
    ENDTRY
    TRY "pdpte-reload-by-cr3"
    mov dword [PDPT + 8], PD2 | 1   ; MOV CR3 loads the PDPTEs again (§4.4.1)
    mov eax, cr3
    mov cr3, eax
    mov eax, [L_HIGH]
    PRINT eax
    ENDTRY
    TRY "pdpte-not-present"
    mov dword [PDPT + 8], 0
    mov eax, cr3
    mov cr3, eax
    mov eax, [L_HIGH + 0x10]
    ENDTRY
    TRY "pdpte-not-present-write"
    mov dword [L_HIGH + 0x20], 0
    ENDTRY

    ; ---- NXE = 0: bit 63 is reserved ----
    TRY "nxe0-b63-read"
    mov dword [err_mask], ~1
    mov eax, [L_B63]
    ENDTRY
    TRY "nxe0-b63-write"
    mov dword [err_mask], ~1
    mov dword [L_B63], 0
    ENDTRY
    TRY "nxe0-b63-fetch"
    mov dword [err_mask], ~1
    call L_XD + 0x800
    ENDTRY
    TRY "nxe0-np-fetch"
    call L_NP + 0x40                ; no I/D without NXE
    ENDTRY
    TRY "b51-reserved-read"
    mov dword [err_mask], ~1
    mov eax, [L_B51]
    ENDTRY
    TRY "2m-bit13-reserved-read"
    mov dword [err_mask], ~1
    mov eax, [L_RSVD2]
    ENDTRY
    TRY "2m-bit13-reserved-user"
    mov dword [err_mask], ~1
    ENTER_RING3
    mov eax, [L_RSVD2 + 0x100]
    LEAVE_RING3
    ENDTRY

    ; ---- NXE = 1: execute-disable ----
    TRY "nxe1"
    SETNXE 1
    ENDTRY
    TRY "xd-pte-read"
    mov eax, [L_XD + 0x800]
    and eax, 0xFF
    PRINT eax
    ENDTRY
    TRY "xd-pte-write"
    mov dword [L_XD + 0x10], 0x12345678
    mov eax, [FRAME + 0x5010]
    PRINT eax
    ENDTRY
    TRY "xd-pte-fetch"
    call L_XD + 0x800
    ENDTRY
    TRY "xd-pde-fetch"
    call L_XDPDE + 0x800
    ENDTRY
    TRY "xd-pde-read"
    mov eax, [L_XDPDE]
    PRINT eax
    ENDTRY
    TRY "xd-2m-fetch"
    call L_XD2M
    ENDTRY
    TRY "nx-ok-fetch"
    call L_CODE + 0x800
    ENDTRY
    TRY "nxe1-np-fetch"
    call L_NP + 0x40                ; I/D even with P = 0 (§4.7)
    ENDTRY
    TRY "nxe1-np-read"
    mov eax, [L_NP + 0x44]
    ENDTRY
    TRY "nxe1-b63-read-ok"
    mov eax, [L_B63]
    PRINT eax
    ENDTRY
    TRY "u-xd-fetch"
    ENTER_RING3
    mov eax, L_XD + 0x800
    call eax
    LEAVE_RING3
    ENDTRY
    TRY "u-xd-2m-fetch"
    ENTER_RING3
    mov eax, L_XD2M
    call eax
    LEAVE_RING3
    ENDTRY
    TRY "u-ok-fetch"
    ENTER_RING3
    mov eax, L_CODE + 0x800
    call eax
    LEAVE_RING3
    ENDTRY
    TRY "u-sup-fetch"
    ENTER_RING3
    mov eax, L_SUP
    call eax
    LEAVE_RING3
    ENDTRY
    TRY "u-np-fetch"
    ENTER_RING3
    mov eax, L_NP + 0x48
    call eax
    LEAVE_RING3
    ENDTRY

    ; ---- protection ----
    TRY "r0-np-read"
    mov eax, [L_NP]
    ENDTRY
    TRY "r0-np-write"
    mov dword [L_NP + 8], 0
    ENDTRY
    TRY "r0-ro-write-wp0"
    mov dword [L_RO + 4], 0x0D0D0D0D
    mov eax, [FRAME + 0x1004]
    PRINT eax
    ENDTRY
    TRY "r0-ro-write-wp1"
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    mov dword [L_RO + 8], 1
    ENDTRY
    TRY "r0-2m-sup-write"
    mov dword [L_BIG + 0x40], 0x2222
    mov eax, [L_BIG + 0x40]
    PRINT eax
    ENDTRY
    TRY "u-read-sup"
    ENTER_RING3
    mov eax, [L_SUP]
    LEAVE_RING3
    ENDTRY
    TRY "u-write-ro"
    ENTER_RING3
    mov eax, [L_RO]
    mov dword [L_RO], 0
    LEAVE_RING3
    ENDTRY
    TRY "u-read-2m-sup"
    ENTER_RING3
    mov eax, [L_BIG + 0x80]
    LEAVE_RING3
    ENDTRY
    TRY "u-write-np"
    ENTER_RING3
    mov dword [L_NP + 0x80], 0
    LEAVE_RING3
    ENDTRY

    ; ---- accessed / dirty ----
    TRY "ad-4k-read"
    and PTE_LO(PT_T, L_AD), ~0x60
    and PDE_LO(PD0, L_AD), ~0x60
    invlpg [L_AD]
    mov eax, [L_AD]
    mov eax, PTE_LO(PT_T, L_AD)
    and eax, 0x60
    PRINT eax
    mov eax, PDE_LO(PD0, L_AD)
    and eax, 0x60
    PRINT eax
    ENDTRY
    TRY "ad-4k-write"
    mov dword [L_AD + 4], 1
    mov eax, PTE_LO(PT_T, L_AD)
    and eax, 0x60
    PRINT eax
    mov eax, PDE_LO(PD0, L_AD)
    and eax, 0x60
    PRINT eax
    ENDTRY
    TRY "ad-2m-read-write"
    and PDE_LO(PD0, L_BIG), ~0x60
    invlpg [L_BIG]
    mov eax, [L_BIG + 0x100]
    mov eax, PDE_LO(PD0, L_BIG)
    and eax, 0x60
    PRINT eax
    mov dword [L_BIG + 0x100], 7
    mov eax, PDE_LO(PD0, L_BIG)
    and eax, 0x60
    PRINT eax
    ENDTRY
    TRY "ad-xd-entry-high-dword"
    mov eax, PTE_HI(PT_T, L_XD)     ; A/D updates leave the XD half alone
    PRINT eax
    mov eax, PTE_LO(PT_T, L_XD)
    and eax, 0x60
    PRINT eax
    ENDTRY
    TRY "ad-user-write"
    and PTE_LO(PT_T, L_AD), ~0x60
    invlpg [L_AD]
    ENTER_RING3
    mov dword [L_AD + 0x10], 2
    LEAVE_RING3
    ENDTRY
    TRY "  pte"
    mov eax, PTE_LO(PT_T, L_AD)
    and eax, 0x60
    PRINT eax
    ENDTRY

    ; ---- invalidation ----
    TRY "invlpg-remap"
    mov eax, [L_SW]
    PRINT eax
    mov PTE_LO(PT_T, L_SW), FRAME + 0x5000 | 7
    invlpg [L_SW]
    mov eax, [L_SW]
    PRINT eax
    ENDTRY
    TRY "cr3-reload-remap"
    mov PTE_LO(PT_T, L_SW), FRAME + 0x4000 | 7
    mov eax, cr3
    mov cr3, eax
    mov eax, [L_SW]
    PRINT eax
    ENDTRY
    TRY "invlpg-xd-now"
    mov PTE_LO(PT_T, L_SW), FRAME + 0x8000 | 7
    mov PTE_HI(PT_T, L_SW), 0x80000000
    invlpg [L_SW]
    call L_SW + 0x800
    ENDTRY
    TRY "invlpg-xd-cleared"
    mov PTE_HI(PT_T, L_SW), 0
    invlpg [L_SW]
    call L_SW + 0x800
    ENDTRY
    TRY "nxe0-again-xd-reserved"
    SETNXE 0
    mov eax, cr3
    mov cr3, eax
    mov dword [err_mask], ~1
    mov eax, [L_XD]
    ENDTRY

    SAY "done"
    mov al, 10
    out DEBUGCON, al
    xor eax, eax
    call exit_device

ELF_END
absolute file_end
SYS32_BSS
bss_end:
