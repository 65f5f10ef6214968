/**
 * Guests that misbehave on purpose (issue 7's guest faults), as NASM source for the playground's
 * assembler, shared by the worker's tests, the e2e suite and the bench's page section (which boot
 * them from share links: faultGuestPath). Each is a flat image: real mode at 0x7C00 unless it says
 * otherwise.
 */
import { encodeRecipe } from "../share/codec";
import { defaultRecipe } from "../share/recipe";

export interface FaultGuest {
  name: string;
  source: string;
  mode: "real" | "protected";
  /** Where the flat image goes (the VMM's default for the mode when absent). */
  load?: number;
}

/** An IVT whose limit is 0: INT3 cannot be delivered (#GP), nor can #GP or #DF: a triple fault. */
export const TRIPLE_FAULT: FaultGuest = {
  name: "triple-fault.asm",
  mode: "real",
  source: `; No interrupt can be delivered with an empty IVT: INT3 -> #GP -> #DF -> triple fault.
bits 16
org 0x7c00
    lidt [cs:empty]
    int3
empty: dw 0
    dd 0
`,
};

/** Executes UD2 forever; its own #UD handler counts and skips each one. No VM exit at all. */
export const UD_STORM: FaultGuest = {
  name: "ud-storm.asm",
  mode: "real",
  source: `; A storm of #UD: the guest's handler (IVT vector 6) skips each UD2 and counts it.
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word [6*4], on_ud
    mov word [6*4+2], 0
again:
    ud2
    jmp again
on_ud:
    push bp
    mov bp, sp
    add word [bp+2], 2      ; return past the 2-byte UD2
    pop bp
    inc dword [count]
    iret
count: dd 0
`,
};

/** A word read at offset 0xFFFF crosses the real-mode segment limit: #GP, forever, counted. */
export const GP_STORM: FaultGuest = {
  name: "gp-storm.asm",
  mode: "real",
  source: `; A storm of #GP: a word read at DS:0xFFFF passes the 64 KiB segment limit.
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word [13*4], on_gp
    mov word [13*4+2], 0
again:
    mov ax, [0xffff]        ; 3 bytes: A1 FF FF
    jmp again
on_gp:
    push bp
    mov bp, sp
    add word [bp+2], 3      ; return past the faulting MOV
    pop bp
    inc dword [cs:count]
    iret
count: dd 0
`,
};

/** Writes to COM1 as fast as it can, forever, without waiting for the transmitter. */
export const CONSOLE_FLOOD: FaultGuest = {
  name: "console-flood.asm",
  mode: "real",
  source: `; Fills the console as fast as the guest can: an OUT to COM1 per character, forever.
bits 16
org 0x7c00
    mov dx, 0x3f8
line:
    mov si, text
next:
    lodsb
    test al, al
    jz line
    out dx, al
    jmp next
text: db "flood! the guest writes to COM1 as fast as it can ", 0
`,
};

/** Interrupts off and a jump to itself: only zx_vcpu_kick can stop it. */
export const RUNAWAY: FaultGuest = {
  name: "runaway.asm",
  mode: "real",
  source: `; A runaway loop with interrupts off.
bits 16
org 0x7c00
    cli
    jmp $
`,
};

/** Reads guest-physical 0xC0000000, where nothing is mapped (128 MiB of RAM, no trap). */
export const UNMAPPED_READ: FaultGuest = {
  name: "unmapped-read.asm",
  mode: "protected",
  load: 0x100000,
  source: `; Reads memory that nothing backs: no VMO mapped there, no trap.
bits 32
org 0x100000
    mov eax, [0xc0000000]
    hlt
`,
};

export const FAULT_GUESTS = [TRIPLE_FAULT, UD_STORM, GP_STORM, CONSOLE_FLOOD, RUNAWAY, UNMAPPED_READ] as const;

/** The page path ("/#r=...") of a share link that boots `guest` from its source. */
export function faultGuestPath(guest: FaultGuest): string {
  const recipe = defaultRecipe({ kind: "source", name: guest.name, text: guest.source });
  recipe.boot = { method: "flat", mode: guest.mode, ...(guest.load !== undefined ? { load: guest.load } : {}) };
  const encoded = encodeRecipe(recipe, "http://x/");
  if (!encoded.ok) throw new Error(`${guest.name}: ${encoded.error.message}`);
  return `/${encoded.link.slice(encoded.link.indexOf("#"))}`;
}
