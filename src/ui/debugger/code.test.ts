import { describe, expect, it } from "vitest";
import { assemble } from "../../asm";
import { type CodeFetch, chainEndingAt, formatBytes, linesBefore, linesFrom, listingAround, rememberStart } from "./code";

const ORG = 0x1000;

/** Assembles a program at ORG and returns a fetch over it plus its true instruction starts. */
function program(bits: 16 | 32 | 64, body: string): { fetch: CodeFetch; starts: bigint[] } {
  const r = assemble(`bits ${bits}\norg ${ORG}\n${body}`, { bits });
  expect(r.errors).toEqual([]);
  const fetch: CodeFetch = (ip, len) => {
    const from = Number(ip) - ORG;
    if (from < 0) return new Uint8Array(0);
    return r.bytes.subarray(from, Math.min(from + len, r.bytes.length));
  };
  return { fetch, starts: r.lineMap.map((e) => BigInt(e.address)) };
}

const BODY64 = `
  mov rax, 0x90c3_05eb_0000_e8ff
  push rbx
  lea rsi, [rel msg]
  mov ecx, 12
  xor edx, edx
again:
  lodsb
  add dl, al
  cmp byte [rsi], 0
  jne again
  mov [rdi + rcx*8 + 0x1234], rdx
  call again
  movzx eax, word [rsp + 8]
  imul r9, r10, 0x7fff
  test al, 0x80
  jz again
  pop rbx
  ret
msg: db 0
`;

describe("backwards disassembly", () => {
  it("lands exactly on the target, every time, with true starts when one is known", () => {
    const { fetch, starts } = program(64, BODY64);
    const known = new Set([starts[0]]);
    for (let i = 1; i < starts.length - 1; i++) {
      const before = linesBefore(fetch, starts[i], 64, 8, known);
      const expected = starts.slice(Math.max(0, i - 8), i);
      expect(before.map((l) => l.address), `before ${starts[i].toString(16)}`).toEqual(expected);
      const last = before.at(-1)!;
      expect(last.address + BigInt(last.length)).toBe(starts[i]);
    }
  });

  it("without known starts, the instructions next to the target are the true ones", () => {
    // Without the imm64 that decodes as other instructions (see the next test).
    const { fetch, starts } = program(64, BODY64.replace(/^\s*mov rax, 0x90c3.*$/m, "mov eax, 5"));
    for (let i = 4; i < starts.length - 1; i++) {
      const before = linesBefore(fetch, starts[i], 64, 8, new Set());
      expect(before.at(-1)!.address + BigInt(before.at(-1)!.length)).toBe(starts[i]);
      // At least the last three are right (x86 decoding resynchronises quickly).
      expect(before.slice(-3).map((l) => l.address)).toEqual(starts.slice(i - 3, i));
    }
  });

  it("prefers a known start that lands over the earliest guess", () => {
    // 48 b8 <imm64 that decodes as instructions>: from the middle of the immediate the bytes are
    // call/jmp/ret; only the known start gives the mov.
    const { fetch, starts } = program(64, "mov rax, 0x90c3_05eb_0000_e8ff\nnop\n");
    const guess = chainEndingAt(fetch, starts[1], 64, new Set());
    const known = chainEndingAt(fetch, starts[1], 64, new Set([starts[0]]));
    expect(known.map((l) => l.text)).toEqual(["mov rax, 0x90c305eb0000e8ff"]);
    expect(guess.at(-1)!.address + BigInt(guess.at(-1)!.length)).toBe(starts[1]);
  });

  it("stops where memory stops being readable, and at the start of memory", () => {
    const { fetch, starts } = program(32, "mov eax, 1\nmov ebx, 2\nint 0x80\n");
    expect(linesBefore(fetch, starts[2], 32, 8, new Set()).map((l) => l.address)).toEqual(starts.slice(0, 2));
    expect(linesBefore(fetch, starts[0], 32, 8, new Set())).toEqual([]);
    expect(linesBefore(() => new Uint8Array(0), 0x5000n, 32, 8, new Set())).toEqual([]);
  });

  it("16-bit code near IP 0 does not wrap into the top of the segment", () => {
    const bytes = new Uint8Array([0x90, 0x90, 0xb8, 0x34, 0x12, 0xcd, 0x10]);
    const fetch: CodeFetch = (ip, len) => bytes.subarray(Number(ip), Math.min(bytes.length, Number(ip) + len));
    const before = linesBefore(fetch, 5n, 16, 8, new Set([0n]));
    expect(before.map((l) => l.text)).toEqual(["nop", "nop", "mov ax, 0x1234"]);
  });
});

describe("forward listing", () => {
  it("lists from an address and stops before an instruction cut by unreadable memory", () => {
    const { fetch, starts } = program(64, BODY64);
    const lines = linesFrom(fetch, starts[1], 64, 5);
    expect(lines.map((l) => l.address)).toEqual(starts.slice(1, 6));
    expect(lines[0].text).toBe("push rbx");
    expect(formatBytes(lines[0].bytes)).toBe("53");
    const cut: CodeFetch = (ip, len) => fetch(ip, Math.min(len, 3));
    expect(linesFrom(cut, starts[0], 64, 4)).toEqual([]);
  });

  it("puts the centre line after the ones before it", () => {
    const { fetch, starts } = program(64, BODY64);
    const listing = listingAround(fetch, starts[6], 64, 4, 6, new Set([starts[0]]));
    expect(listing.centre).toBe(4);
    expect(listing.lines[listing.centre].address).toBe(starts[6]);
    expect(listing.lines.map((l) => l.address)).toEqual(starts.slice(2, 12));
  });

  it("remembers a bounded list of starts, newest last, without duplicates", () => {
    let known: bigint[] = [];
    for (const a of [1n, 2n, 3n, 2n]) known = rememberStart(known, a, 3);
    expect(known).toEqual([1n, 3n, 2n]);
    known = rememberStart(known, 4n, 3);
    expect(known).toEqual([3n, 2n, 4n]);
  });
});
