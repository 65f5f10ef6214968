/**
 * Whole programs against NASM: directives, sections, data, floats, expressions, labels, branch
 * sizing and the preprocessor — each program must give exactly NASM's output file.
 */
import { describe, expect, it } from "vitest";
import { nasm } from "../testing/nasm";
import { assemble } from "./index";

function same(source: string): void {
  const r = assemble(source);
  expect(r.errors).toEqual([]);
  const theirs = nasm(source);
  expect(Buffer.from(r.bytes).toString("hex")).toBe(Buffer.from(theirs).toString("hex"));
}

/** xorshift32: the same "random" values on every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe("directives and sections", () => {
  it("ORG, .data/.bss after .text, cross-section references, SECTION align=", () => {
    same(`org 0x7c00
bits 16
start: mov ax, msg
    mov bx, [count]
    mov cx, buf_end - buf
    jmp start
section .data
msg: db "hi", 0
count: dw 3
section .bss
buf: resb 10
buf_end:
section .rodata align=16
tbl: dd start, msg, buf
section .text
    call start
    dw $$, $ - $$`);
  });
  it("a boot sector: TIMES 510-($-$$), the signature, a far jump", () => {
    same(`bits 16
org 0x7c00
    cli
    xor ax, ax
    mov ds, ax
    jmp 0:next
next: hlt
    jmp $
times 510-($-$$) db 0
dw 0xaa55`);
  });
  it("ALIGN pads with NOPs relative to the section start, ALIGNB reserves, ALIGN with a fill", () => {
    same(`org 0x100003
db 1
align 4
db 2
align 16, db 0xcc
db 3
align 8, dd 0x11223344
section .bss
resb 3
alignb 8
x: resq 1
section .text
dd x`);
  });
  it("ABSOLUTE and EQU from addresses, RESx in a code section (zeros)", () => {
    same(`bits 32
org 0x1000
start: nop
end_code:
absolute end_code
var1: resd 1
var2: resw 3
vend:
section .text
    mov eax, var2
    mov ecx, vend - end_code
SIZE equ vend - start
    dd SIZE
    resb 3
    db 9`);
  });
  it("STRUC / ISTRUC / AT / IEND", () => {
    same(`struc point
.x: resd 1
.y: resw 1
.name: resb 5
endstruc
mov eax, point.y
mov ecx, point_size
p1: istruc point
at point.x, dd 7
at point.name, db "ab"
iend
db 0xee`);
  });
  it("BITS changes, USE32, DEFAULT REL/ABS", () => {
    same(`bits 16
mov eax, [bx]
use32
mov ax, [ebx]
bits 64
default rel
lea rax, [here]
here: mov eax, [here]
default abs
mov eax, [here]
[bits 32]
mov eax, 1`);
  });
});

describe("data", () => {
  it("strings, characters, padding, backquote escapes, ?", () => {
    same(`db "abc", 'de', 0, \`x\\ty\\n\\x41\\101\\u00e9\`
dw "abc", 'a', 0x1234
dd "abcde", 'ab'
dq "abcdefghi"
db ?
dw ?, 5
do 1.5, "abc"
dt 1.0, "xy"
db 1.5, -0.25
db -1, 255, -128
dw -32768, 65535`);
  });
  it("floating-point constants in DW, DD, DQ and DT round as NASM's float.c does", () => {
    const rand = rng(12345);
    const vals = ["0.0", "-0.0", "1.0", "0.1", "1e10", "1.5e-45", "1.4e-45", "3.4028235e38", "3.5e38", "2.2250738585072014e-308", "4.9e-324",
      "1.7976931348623157e308", "1.8e308", "6.1e-5", "65504.0", "65520.0", "1.0e-4932", "3.6e-4951", "1.18973149535723176502e4932", "0x1.8p3", "0x1p-1074",
      "__Infinity__", "-__Infinity__", "__QNaN__", "__SNaN__", "123456789012345678901234567890.5", "0.333333333333333333333333333333333"];
    for (let i = 0; i < 120; i++) {
      const mant = Math.floor(rand() * 1e9).toString() + "." + Math.floor(rand() * 1e6).toString();
      const exp = Math.floor(rand() * 80) - 40;
      vals.push(`${rand() < 0.3 ? "-" : ""}${mant}e${exp}`);
    }
    same(vals.map((v) => `dw ${v}\ndd ${v}\ndq ${v}\ndt ${v}`).join("\n"));
  });
});

describe("expressions", () => {
  it("NASM's precedence, signed and unsigned division, shifts, logic, ?:", () => {
    const ops = ["+", "-", "*", "/", "//", "%", "%%", "<<", ">>", ">>>", "&", "|", "^", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "^^"];
    const rand = rng(777);
    const lines: string[] = [];
    const num = () => {
      const n = [1, 2, 3, 7, 13, 255, 0x8000, 0x7fffffff, -5, -128, 100000, 0x123456789][Math.floor(rand() * 12)];
      return n < 0 ? `(${n})` : String(n);
    };
    for (let i = 0; i < 400; i++) {
      let e = num();
      for (let k = 0; k < 3; k++) {
        const op = ops[Math.floor(rand() * ops.length)];
        // Avoid division by zero: the right operand of a division is never 0 here.
        e = rand() < 0.3 ? `(${e}) ${op} ${num()}` : `${e} ${op} ${num()}`;
      }
      lines.push(`dq ${e}`);
    }
    lines.push("dq -~!0", "dq 1 ? 2 : 3", "dq 0 ? 2 : 1 ? 4 : 5", "dq 'ab' + 1", "dq 1_000_000", "dq 0b1010_1010", "dq 777q", "dq 0o17", "dq 0FFh", "dq $0f", "dq 0d99", "dq 99d", "dq 1010b", "dq 0y11", "dq 12t");
    same(lines.join("\n"));
  });
  it("labels: local labels, ..@ labels, forward references, $ in EQU", () => {
    same(`bits 32
main: jmp .done
.loop: dec ecx
  jnz .loop
.done: mov eax, other.x - main
other:
.x: dd .x, main.loop
..@special: dd ..@special
.y: dd .y
here equ $
  dd here, fwd * 2 - 1
fwd equ 21`);
  });
});

describe("branch sizing (multi-pass optimisation)", () => {
  it("jumps at the short/near boundary in both directions, and chains that grow", () => {
    const lines = ["bits 32", "top:"];
    for (const n of [120, 121, 122, 123, 124, 125, 126, 127, 128, 129]) lines.push(`jmp short_${n}`, `times ${n} nop`, `short_${n}:`);
    for (const n of [124, 125, 126, 127, 128, 129, 130]) lines.push(`back_${n}:`, `times ${n} nop`, `jz back_${n}`, `jmp back_${n}`);
    // Forward jumps whose sizes depend on each other.
    for (let i = 0; i < 40; i++) lines.push(`jmp chain_${i}`, "times 3 nop");
    for (let i = 0; i < 40; i++) lines.push(`chain_${i}: nop`);
    lines.push("near_top: nop", "loop near_top", "jecxz near_top + 0");
    same(lines.join("\n"));
  });
  it("16-bit and 64-bit near jumps, calls, and a far target in another section", () => {
    same(`bits 16
a: jmp b
times 200 db 0
b: call a
jmp near a
jmp short b + 3
section .other
c: jmp a
bits 64
jmp c
call a`);
  });
});

describe("preprocessor", () => {
  it("%define with and without parameters, %xdefine, %undef, %assign, %[...], %+", () => {
    same(`%define A 5
%define SQ(x) ((x) * (x))
%define ADD(x, y) x + y
%xdefine B A + 1
%define A 7
dd A, B, SQ(3), ADD(1, 2), SQ(ADD(1, 1))
%undef A
%ifdef A
db 1
%else
db 2
%endif
%assign i 0
%rep 4
lbl_%[i]: db i
%assign i i + 1
%endrep
%define N 3
dd lbl_ %+ N
%idefine CI 9
db ci, CI`);
  });
  it("%macro: parameter ranges, defaults, greedy parameters, %0, %{n}, %rotate, %%labels, braces", () => {
    same(`%macro PUT 1-3 10, 20
db %1, %2, %3, %0
%endmacro
PUT 1
PUT 1, 2
PUT 1, 2, 3
%macro ALL 1+
db %1
%endmacro
ALL 1, 2, 3
%macro REV 2-*
%rep %0
%rotate -1
db %1
%endrep
%endmacro
REV 1, 2, 3, 4
%macro LOOPX 0
%%top: dec ecx
jnz %%top
%endmacro
LOOPX
LOOPX
%macro BR 2
db %{2}, %{1}
%endmacro
BR {1, 2}, 3
%imacro Case 0
db 0x55
%endmacro
CASE
label: PUT 9`);
  });
  it("%if/%elif/%else, %ifidn/%ifidni, %ifnum/%ifstr/%ifid/%ifempty, %ifmacro, nesting", () => {
    same(`%macro T 1
%ifidn %1, eax
db 1
%elifidni %1, EBX
db 2
%elifnum %1
db 3
%elifstr %1
db 4
%elifid %1
db 5
%else
db 6
%endif
%endmacro
T eax
T ebx
T 12
T "s"
T foo
T +
%if 1
  %if 0
  db 0xaa
  %elif 2 > 1
  db 0xbb
  %endif
%endif
%ifmacro T
db 7
%endif
%ifndef NOPE
db 8
%endif
X equ 3
%if X = 3
db 9
%endif`);
  });
  it("%defstr, %strcat, %strlen, %substr, %push/%pop with %$ labels, %exitrep", () => {
    same(`%defstr S hello   world
db S
%strcat T "ab", "cd", 'e'
db T
%strlen L "abcdef"
db L
%substr U "abcdef" 2, 3
db U
%macro IF 0
%push ifctx
jmp %$skip
%endmacro
%macro ENDIF 0
%$skip:
%pop
%endmacro
IF
nop
ENDIF
%assign k 0
%rep 100
%if k = 3
%exitrep
%endif
db k
%assign k k + 1
%endrep`);
  });
});
