/**
 * The decoded-instruction cache and the specialised handlers (fast.ts) must be invisible:
 * - differential: random programs of the specialised forms (and their neighbours) give the same
 *   registers, flags, memory, RIP, exit and instruction count with fast paths on and off, in
 *   32-bit flat protected mode and in 64-bit long mode, including faulting accesses;
 * - self-modifying code: guest writes to cached instructions, host writes between runs, and
 *   re-decoding at an offset inside an earlier instruction all execute the new bytes.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { PML4_BASE, Runner } from "./testing/runner";
import { rng } from "./testing/rng";
import { outcome, type Outcome } from "./testing/outcome";
import { fastPaths } from "./fast";
import { EXIT_HLT, EXIT_IO, PERM_READ, PERM_WRITE } from "./vtx";

const CODE = 0x20000;
const DATA = 0x100000;

/** A random program over the hot forms; `esi`/`rsi` points at DATA, esp/rsp is the stack. */
function program(bits: 32 | 64, seed: number): string {
  const rnd = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const r32 = ["eax", "ebx", "ecx", "edx", "edi", "ebp"];
  const r64 = ["rax", "rbx", "rcx", "rdx", "rdi", "rbp", "r8", "r9", "r12", "r15"];
  const r8 = ["al", "bl", "cl", "dl", "ah", "bh"];
  const ptr = bits === 64 ? "rsi" : "esi";
  const alu = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
  const imm = () => pick([0, 1, -1, 0x7f, -0x80, 0x7fffffff, -0x80000000, 0x12345678, Math.floor(rnd() * 0x10000) - 0x8000]);
  const mem = (w: string) => `${w} [${ptr} + ${Math.floor(rnd() * 64) * 4 + pick([0, 1, 2, 3])}]`;
  const lines: string[] = [];
  for (const r of bits === 64 ? r64 : r32) lines.push(`mov ${r}, ${Math.floor(rnd() * 0x100000000) | 0}`);
  for (let i = 0; i < 120; i++) {
    const a = pick(r32);
    const b = pick(r32);
    const q = pick(r64);
    const q2 = pick(r64);
    const k = Math.floor(rnd() * 55);
    switch (k) {
      case 0: lines.push(`${pick(alu)} ${a}, ${b}`); break;
      case 1: lines.push(`${pick(alu)} ${a}, ${mem("dword")}`); break;
      case 2: lines.push(`${pick(alu)} ${mem("dword")}, ${a}`); break;
      case 3: lines.push(`${pick(alu)} ${a}, ${imm()}`); break;
      case 4: lines.push(`${pick(alu)} ${mem("dword")}, ${imm()}`); break;
      case 5: lines.push(`test ${a}, ${b}`); break;
      case 6: lines.push(`mov ${a}, ${b}`); break;
      case 7: lines.push(`mov ${mem("dword")}, ${a}`); break;
      case 8: lines.push(`mov ${a}, ${mem("dword")}`); break;
      case 9: lines.push(`mov ${mem("byte")}, ${pick(r8)}`); break;
      case 10: lines.push(`mov ${mem("byte")}, ${imm() & 0xff}`); break;
      case 11: lines.push(`mov ${mem("dword")}, ${imm()}`); break;
      case 12: lines.push(`mov ${a}, ${imm()}`); break;
      case 13: lines.push(`movzx ${a}, ${pick([mem("byte"), pick(r8)])}`); break;
      case 14: lines.push(`lea ${a}, [${bits === 64 ? "rbx" : "ebx"} + ${bits === 64 ? "rcx" : "ecx"}*${pick([1, 2, 4, 8])} + ${imm()}]`); break;
      case 15: lines.push(`${pick(["inc", "dec"])} ${a}`); break;
      case 16: lines.push(`push ${bits === 64 ? q : a}`, `pop ${bits === 64 ? q2 : b}`); break;
      case 17: {
        const l = `.s${i}`;
        lines.push(`j${pick(["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"])} ${pick(["short", "near"])} ${l}`, `xor ${a}, ${imm()}`, `${l}:`);
        break;
      }
      case 18: lines.push(`call .f${i}`, `jmp short .g${i}`, `.f${i}:`, `add ${a}, ${b}`, `ret`, `.g${i}:`); break;
      case 19: lines.push(bits === 64 ? `${pick(alu)} ${q}, ${q2}` : `${pick(alu)} ${a}, ${b}`); break;
      case 20: lines.push(bits === 64 ? `${pick(alu)} ${q}, ${imm()}` : `${pick(alu)} ${b}, ${imm()}`); break;
      case 21: lines.push(bits === 64 ? `mov ${q}, ${q2}` : `mov ${b}, ${a}`); break;
      case 22: lines.push(bits === 64 ? `mov ${mem("qword")}, ${q}` : `mov ${mem("word")}, ${a.replace("e", "")}`); break;
      case 23: lines.push(bits === 64 ? `mov ${q}, ${mem("qword")}` : `add ${mem("byte")}, ${pick(r8)}`); break;
      case 24: lines.push(bits === 64 ? `${pick(["inc", "dec"])} ${q}` : `shl ${a}, ${Math.floor(rnd() * 32)}`); break;
      case 25: lines.push(`${pick(alu)} ${mem("byte")}, ${imm() & 0xff}`); break;
      case 26: lines.push(`${pick(alu)} ${pick(r8)}, ${imm() & 0xff}`); break;
      case 27: lines.push(`${pick(alu)} eax, ${pick([0x12345678, -0x789abcdf, 0x7fffffff, 0x80])}`, `${pick(["shr", "sar", "shl"])} ${b}, ${pick([1, 7, 31])}`); break;
      case 28: lines.push(`${pick(alu)} ${pick(r8)}, ${pick([pick(r8), mem("byte")])}`); break;
      case 29: lines.push(`${pick(alu)} ${mem("byte")}, ${pick(r8)}`, `${pick(alu)} al, ${imm() & 0xff}`); break;
      case 30: lines.push(`test ${pick(r8)}, ${pick(r8)}`, `test ${mem("dword")}, ${a}`); break;
      case 31: lines.push(`test al, ${imm() & 0xff}`, `test eax, ${imm()}`); break;
      case 32: lines.push(`mov cl, ${Math.floor(rnd() * 64)}`, `${pick(["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"])} ${a}, ${pick(["cl", "1", String(Math.floor(rnd() * 32))])}`); break;
      case 33: lines.push(`set${pick(["o", "b", "e", "be", "s", "p", "l", "le", "nz", "g"])} ${pick(r8)}`); break;
      case 34: lines.push(`cmov${pick(["o", "b", "e", "be", "s", "p", "l", "le", "nz", "g"])} ${a}, ${b}`); break;
      case 35: lines.push(`mov ${pick(r8)}, ${pick([pick(r8), mem("byte")])}`); break;
      case 36: lines.push(`${pick(["neg", "not"])} ${a}`); break;
      // The forms a 64-bit kernel runs most (fast.ts, after the Linux boot's profile).
      case 37: lines.push(bits === 64 ? `movsxd ${q}, ${pick([a, mem("dword")])}` : `movsx ${a}, ${pick([pick(r8), mem("byte")])}`); break;
      case 38: lines.push(`nop dword [${ptr} + ${Math.floor(rnd() * 64)}]`, `nop ${a}`); break;
      case 39: lines.push(bits === 64
        ? pick([`lea ${q}, [${q2} + ${pick(r64)}*${pick([1, 2, 4, 8])} + ${imm()}]`, `lea ${a}, [${q2} + ${pick(r64)}*${pick([1, 2, 4, 8])} + ${imm()}]`, `lea ${q}, [rel $ + ${imm()}]`, `lea ${q}, [${q2} + ${imm()}]`])
        : `lea ${a}, [${b} + ${imm()}]`); break;
      case 40: lines.push(`mov cl, ${Math.floor(rnd() * 256)}`, `${pick(["shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "sal"])} ${bits === 64 ? q : a}, ${pick(["cl", "1", String(Math.floor(rnd() * 64))])}`); break;
      case 41: lines.push(`test ${pick(r8)}, ${imm() & 0xff}`, `test ${mem("byte")}, ${imm() & 0xff}`); break;
      case 42: {
        // AH..BH cannot be named with a REX prefix (any 64-bit destination).
        const dst = bits === 64 ? pick([a, q]) : a;
        const bytes = dst.startsWith("r") ? ["al", "bl", "cl", "dl"] : r8;
        lines.push(`${pick(["movzx", "movsx"])} ${dst}, ${pick([mem("word"), mem("byte"), pick(["ax", "bx", "cx", "dx", "di", "bp"]), pick(bytes)])}`);
        break;
      }
      case 43: lines.push(bits === 64 ? pick([`mov ${q}, ${imm()}`, `mov ${mem("qword")}, ${imm()}`]) : `mov ${mem("dword")}, ${imm()}`); break;
      case 44: lines.push(`${pick(["not", "neg"])} ${bits === 64 ? q : a}`); break;
      case 45: lines.push(bits === 64 ? `test ${q}, ${q2}` : `test ${a}, ${b}`, `test ${bits === 64 ? pick([q, a]) : a}, ${imm()}`); break;
      case 46: lines.push(`cmov${pick(["o", "b", "e", "be", "s", "p", "l", "le", "nz", "g"])} ${bits === 64 ? `${q}, ${q2}` : `${a}, ${b}`}`); break;
      case 47: lines.push(bits === 64 ? pick([`${pick(alu)} ${q}, ${mem("qword")}`, `${pick(alu)} ${mem("qword")}, ${q}`]) : `${pick(alu)} ${a}, ${mem("dword")}`); break;
      case 48: lines.push(`${pick(alu)} ${mem(bits === 64 ? "qword" : "dword")}, ${imm()}`); break;
      case 49: lines.push(`${pick(alu)} ${bits === 64 ? "rax" : "eax"}, ${imm()}`); break;
      case 50: lines.push(`${pick(["inc", "dec"])} ${mem(bits === 64 ? pick(["dword", "qword"]) : "dword")}`); break;
      case 51: lines.push(`mov ${mem("word")}, ${pick(["ax", "bx", "cx", "dx", "di", "bp"])}`); break;
      case 52: {
        // Indirect CALL and JMP, through a register or memory (64-bit: callInd*64, jmpInd*64).
        const slot = `[${ptr} + ${Math.floor(rnd() * 32) * 8}]`;
        const t = bits === 64 ? q : a;
        const via = pick(["reg", "mem"]);
        if (pick(["call", "jmp"]) === "call") {
          lines.push(`lea ${t}, [${bits === 64 ? "rel " : ""}.f${i}]`, ...(via === "mem" ? [`mov ${slot}, ${t}`, `call ${bits === 64 ? "qword" : "dword"} ${slot}`] : [`call ${t}`]),
            `jmp short .g${i}`, `.f${i}:`, `add ${a}, ${b}`, `ret`, `.g${i}:`);
        } else {
          lines.push(`lea ${t}, [${bits === 64 ? "rel " : ""}.f${i}]`, ...(via === "mem" ? [`mov ${slot}, ${t}`, `jmp ${bits === 64 ? "qword" : "dword"} ${slot}`] : [`jmp ${t}`]),
            `xor ${a}, ${imm()}`, `.f${i}:`);
        }
        break;
      }
      case 53: lines.push(pick(["nop", "db 0x66, 0x90", bits === 64 ? "db 0x48, 0x90" : "nop"]), bits === 64 ? `mov ${q}, ${pick(["0x123456789abcdef0", "-0x7edcba9876543211", "0x100000000", "0xffffffff"])}` : `mov ${a}, ${imm()}`); break;
      default: lines.push(`${pick(["adc", "sbb"])} ${a}, ${b}`, `cmc`); break;
    }
  }
  lines.push("hlt");
  return `bits ${bits}\norg ${CODE}\n${lines.join("\n")}\n`;
}

function setup(bits: 32 | 64, src: string): Runner {
  const r = new Runner().asm(src, CODE);
  for (let i = 0; i < 4096; i++) r.ram[DATA + i] = (i * 37 + 11) & 0xff;
  if (bits === 64) r.long64(CODE);
  else r.flat32(CODE);
  return r.reg(4, 0x90000).reg(6, DATA);
}

function runWith(fast: boolean, bits: 32 | 64, src: string): Outcome {
  fastPaths.enabled = fast;
  const r = setup(bits, src);
  return outcome(r, r.run(100_000), DATA);
}

afterEach(() => {
  fastPaths.enabled = true;
});

/**
 * Runs `src` with runs of `budget` instructions until HLT, checking that every run retires exactly
 * its budget; returns RIP, rAX and rCX after each run.
 */
function budgetTrace(bits: 32 | 64, src: string, budget: number, fast: boolean): bigint[] {
  fastPaths.enabled = fast;
  const r = setup(bits, src);
  const trace: bigint[] = [];
  for (;;) {
    const before = r.cpu.instructionsRetired;
    const exit = r.run(budget);
    trace.push(r.cpu.getRip(), r.r(0), r.r(1));
    if (exit === EXIT_HLT) break;
    expect(r.cpu.instructionsRetired - before).toBe(budget);
  }
  return trace;
}

describe("specialised handlers match the general executor", () => {
  for (const bits of [32, 64] as const) {
    it(`random ${bits}-bit programs`, () => {
      for (let seed = 1; seed <= 25; seed++) {
        const src = program(bits, seed * 7919 + bits);
        const slow = runWith(false, bits, src);
        const fast = runWith(true, bits, src);
        expect(slow.exit, `seed ${seed}`).toBe(EXIT_HLT);
        expect(fast, `seed ${seed}`).toEqual(slow);
      }
    });
  }

  it("faulting memory operands leave the same state (64-bit: beyond the 1 GiB identity map)", () => {
    for (const insn of ["mov eax, [rbx]", "mov [rbx], eax", "add [rbx], eax", "add eax, [rbx]", "cmp dword [rbx], 5", "mov rax, [rbx]", "mov byte [rbx], 1", "movzx eax, byte [rbx]",
      "movsxd rax, dword [rbx]", "test byte [rbx], 1", "movzx eax, word [rbx]", "movsx rax, word [rbx]", "mov qword [rbx], -1", "add rax, [rbx]", "sub [rbx], rax",
      "cmp qword [rbx], 5", "add qword [rbx], 5", "inc dword [rbx]", "dec qword [rbx]", "mov [rbx], ax", "nop dword [rbx]"]) {
      const src = `bits 64\norg ${CODE}\nmov rbx, 0x40000000\nmov eax, 7\n${insn}\nhlt\n`;
      const slow = runWith(false, 64, src);
      const fast = runWith(true, 64, src);
      expect(fast, insn).toEqual(slow);
      expect(fast.retired, insn).toBe(insn.startsWith("nop") ? 3 : 2);
    }
  });
});

describe("indirect branches, NOP and MOV r64, imm64 (fast.ts) at their edges", () => {
  it("a non-canonical target, an unmapped pointer or stack, PAUSE and XCHG r8, rax: the same state either way", () => {
    const cases = [
      "mov rax, 0x800000000000\ncall rax",
      "mov rax, 0xffff7fffffffffff\njmp rax",
      "mov rbx, 0x40000000\ncall [rbx]",
      "mov rbx, 0x40000000\njmp [rbx]",
      "mov rax, 0x800000000000\nmov [rsi], rax\ncall [rsi]",
      "mov rax, 0xffff800000001000\nmov [rsi], rax\njmp [rsi]",
      "mov rax, 0xffff800000001000\nmov [rsi], rax\ncall [rsi]",
      "mov rax, 0xffff800000001000\njmp rax",
      "mov rsp, 0x40000000\nlea rax, [rel .t]\ncall rax\n.t:",
      "mov rsp, 0x40000000\nlea rax, [rel .t]\nmov [rsi], rax\ncall [rsi]\n.t:",
      "lea rax, [rel .t]\ncall rax\n.t:\npop rcx",
      "pause",
      "mov r8, 5\nmov rax, 9\ndb 0x41, 0x90",
      "mov rax, -1\ndb 0x66, 0x90\ndb 0x48, 0x90\nnop",
      "mov r11, 0x8000000000000000\nmov eax, 0x123456789a",
    ];
    for (const body of cases) {
      const src = `bits 64\norg ${CODE}\n${body}\nhlt\n`;
      const slow = runWith(false, 64, src);
      const fast = runWith(true, 64, src);
      expect(fast, body).toEqual(slow);
    }
  });
});

describe("IN and OUT (fast.ts sends them straight to executeIo)", () => {
  it("every immediate and DX form, in 32- and 64-bit mode: the same exit and state either way", () => {
    const forms = ["in al, 0x71", "in eax, 0x40", "in ax, 0x60", "out 0x80, al", "out 0xe9, eax", "out 0x70, ax", "in al, dx", "in eax, dx", "in ax, dx", "out dx, al", "out dx, eax", "out dx, ax"];
    for (const bits of [32, 64] as const) {
      for (const insn of forms) {
        const src = `bits ${bits}\norg ${CODE}\nmov edx, 0x3f8\nmov eax, 0x12345678\n${insn}\nhlt\n`;
        const exits = [false, true].map((fast) => {
          fastPaths.enabled = fast;
          const r = setup(bits, src);
          const state = outcome(r, r.run(100), DATA);
          const e = r.cpu.exit;
          return { state, port: e.port, size: e.size, input: e.input, string: e.string, rep: e.rep, length: e.instructionLength };
        });
        expect(exits[0].state.exit, insn).toBe(EXIT_IO);
        expect(exits[1], `${bits}-bit ${insn}`).toEqual(exits[0]);
      }
    }
  });
});

describe("64-bit stack operations wherever RSP is", () => {
  // 2 MiB pages give each stack below its own physical memory: a kernel's upper half (0xffffc900…),
  // 4 GiB and the 2 MiB below it, the top of the lower canonical half and the bottom of the upper
  // one. Each push, pop, call and ret there must do what the general executor does: the same
  // memory, RSP (borrows and carries across its halves), faults (#SS at a non-canonical address).
  const PDPT = PML4_BASE + 0x1000;
  const mapped = (r: Runner): Runner => {
    const dv = new DataView(r.ram.buffer);
    const entry = (table: number, index: number, value: number) => dv.setUint32(table + index * 8, value, true);
    entry(PML4_BASE, 402, 0x50000 | 7); entry(0x50000, 0, 0x51000 | 7); entry(0x51000, 0, 0x200000 | 0x87); // 0xffffc900_00000000 → 2 MiB
    entry(PDPT, 4, 0x52000 | 7); entry(0x52000, 0, 0x400000 | 0x87); // 4 GiB → 4 MiB
    entry(PDPT, 3, 0x53000 | 7); entry(0x53000, 511, 0x600000 | 0x87); // 4 GiB - 2 MiB → 6 MiB
    entry(PML4_BASE, 255, 0x54000 | 7); entry(0x54000, 511, 0x55000 | 7); entry(0x55000, 511, 0x800000 | 0x87); // 2^47 - 2 MiB → 8 MiB
    entry(PML4_BASE, 256, 0x56000 | 7); entry(0x56000, 0, 0x57000 | 7); entry(0x57000, 0, 0xa00000 | 0x87); // 0xffff8000_00000000 → 10 MiB
    return r;
  };
  const src = `bits 64\norg ${CODE}\nmov rax, 0x1122334455667788\nmov rbx, -2\npush rax\npush rbx\ncall f\npop rcx\npop rdx\nhlt\nf: mov rdi, [rsp]\npush rdi\npop rsi\nret\n`;
  const stacks = [
    0xffffc90000091000n, 0xffffc90000090ff0n, 0xffffc90000090ff4n, 0xffffc90000091004n, 0xffffc90000090009n, // page ends, misaligned
    0x100091000n, 0x100000008n, 0x100000000n, 0xfffffff8n, 0x1000n, 0x80000n, // 4 GiB: a borrow and a carry across RSP's halves
    0x800000000000n, 0x7ffffffffff8n, // the top of the lower half (a borrow at 2^47, a carry back to it)
    0xffff800000000000n, 0xffff800000000010n, 0xffff800000000008n, // the bottom of the upper half (below it: #SS)
    0x800000001000n, 0xffff7fff00001000n, // non-canonical RSP (#SS)
    0xffffc90000300000n, // past the mapping (#PF)
  ];
  const memory = (r: Runner) => createHash("sha256").update(r.ram.subarray(0x200000, 0xc00000)).digest("hex");
  it("push, pop, call and ret give the same state with fast paths on and off", () => {
    for (const rsp of stacks) {
      const run = (fast: boolean) => {
        fastPaths.enabled = fast;
        const r = mapped(setup(64, src)).reg(4, rsp);
        return { ...outcome(r, r.run(1000), DATA), memory: memory(r) };
      };
      const slow = run(false);
      expect(run(true), `rsp ${rsp.toString(16)}`).toEqual(slow);
    }
    // The mappings are live: a kernel-half stack ran to HLT, wrote its own memory, and popped what it pushed.
    fastPaths.enabled = true;
    const r = mapped(setup(64, src)).reg(4, 0xffffc90000091000n);
    expect(r.run(1000)).toBe(EXIT_HLT);
    expect([r.r(1), r.r(2), r.r(4)]).toEqual([0xfffffffffffffffen, 0x1122334455667788n, 0xffffc90000091000n]);
    expect(r.r(6)).toBe(r.r(7));
    expect(r.ram[0x290ff8]).toBe(0x88);
  });
});

describe("decoded-instruction cache", () => {
  it("executes bytes the guest patched after they were cached", () => {
    // The ADD's imm8 is incremented after each execution: 1 + 2 + 3 + 4.
    const r = setup(32, `bits 32\norg ${CODE}\nmov ecx, 4\nxor ebx, ebx\n.l:\npatch: add ebx, 1\ninc byte [patch + 2]\ndec ecx\njnz .l\nhlt\n`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(10);
  });

  it("does not follow a chain link to an instruction the previous one just patched", () => {
    // The MOV stores to DATA until ECX = 2, then into the imm8 of the ADD that follows it in the
    // same straight line. By then the ADD is reached through the MOV's cached `next` link, which
    // must not be followed to the dropped entry: 1 + 1 + 2 + 1.
    const r = setup(32, `bits 32\norg ${CODE}\nmov ecx, 4\nxor ebx, ebx\nmov edi, esi\n.l:\ncmp ecx, 2\njne .w\nmov edi, patch + 2\n.w:\nmov byte [edi], cl\npatch: add ebx, 1\ndec ecx\njnz .l\nhlt\n`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(5);
  });

  it("runs a loop head the loop itself patched (64-bit: no block is compiled, the loop runs in the chains)", () => {
    // Halfway, the loop patches the imm8 of the instruction its JNZ goes back to: 101 passes add
    // 1, the 99 after the patch add 2.
    const r = setup(64, `bits 64\norg ${CODE}\nmov ecx, 200\nxor ebx, ebx\n.l:\npatch: add ebx, 1\ncmp ecx, 100\njne .s\nmov byte [rel patch + 2], 2\n.s:\ndec ecx\njnz .l\nhlt\n`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(299);
  });

  it("counts the run budget in single instructions in a 64-bit loop too", () => {
    // A three-instruction loop run with budgets of 1 and 7 once cached and linked.
    const src = `bits 64\norg ${CODE}\nmov ecx, 300\n.l:\nadd eax, ecx\ndec ecx\njnz .l\nhlt\n`;
    for (const budget of [1, 7]) expect(budgetTrace(64, src, budget, true), `budget ${budget}`).toEqual(budgetTrace(64, src, budget, false));
  });

  it("counts the run budget in single instructions inside cached chains", () => {
    // A straight-line loop body, once cached and linked, run with budgets of 1 and 3: every run
    // retires exactly its budget (until HLT) and stops at the same RIPs as the general executor.
    const src = `bits 32\norg ${CODE}\nmov ecx, 20\nxor eax, eax\n.l:\nadd eax, ecx\nmov ebx, eax\nshr ebx, 1\nxor eax, ebx\ndec ecx\njnz .l\nhlt\n`;
    for (const budget of [1, 3]) expect(budgetTrace(32, src, budget, true), `budget ${budget}`).toEqual(budgetTrace(32, src, budget, false));
  });

  it("executes bytes the host wrote between runs", () => {
    const r = setup(64, `bits 64\norg ${CODE}\nmov eax, 1\nhlt\n`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(1);
    r.mem.writeBytes(CODE + 1, new Uint8Array([2])); // mov eax, 2
    r.cpu.setRip(BigInt(CODE));
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(2);
    // The instruction's last byte (the one a revalidation compares past its whole dwords).
    r.mem.writeBytes(CODE + 4, new Uint8Array([0x40])); // mov eax, 0x40000002
    r.cpu.setRip(BigInt(CODE));
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(0x40000002);
  });

  it("re-decodes when code is entered inside a cached instruction after a patch", () => {
    // First pass runs `mov eax, imm32` whose immediate holds `inc ebx; inc ebx; ret`-like bytes;
    // then the guest jumps into the immediate, which must decode from the real bytes.
    const r = setup(32, `bits 32\norg ${CODE}\nxor ebx, ebx\ncall f\ncall f + 1\nhlt\nf: mov eax, 0xc3434343\nret\n`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(3);
    expect(r.r32(0)).toBe(0xc3434343);
  });

  it("sees a patch written through another guest-physical alias of the code page", () => {
    // The code page is also mapped at 32 MiB (same host bytes, another view): patch the ADD's
    // imm8 through the alias after the loop body was cached.
    const ALIAS = 0x2000000;
    const r = setup(32, `bits 32\norg ${CODE}\nmov ecx, 3\nxor ebx, ebx\n.l:\npatch: add ebx, 1\ninc byte [patch + 2 - ${CODE} + ${ALIAS}]\ndec ecx\njnz .l\nhlt\n`);
    r.mem.map(ALIAS, 4096, r.ram.subarray(CODE, CODE + 4096), 0, PERM_READ | PERM_WRITE);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(6);
  });

  it("writes through a stale write-TLB entry to a page that later became code are seen", () => {
    // Write to the next page first (fills the write TLB), then run code there, then patch it.
    const src = `bits 32\norg ${CODE}
      mov byte [g + 1], 5      ; g: mov al, 5 (write TLB now maps g's page)
      call g
      call g
      mov bl, al
      mov byte [g + 1], 9
      call g
      hlt
      times 4096 - ($ - $$) db 0x90
      g: mov al, 0
      ret\n`;
    const r = setup(32, src);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3) & 0xff).toBe(5);
    expect(r.r32(0) & 0xff).toBe(9);
  });
});
