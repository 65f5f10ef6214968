/**
 * The block compiler (jit.ts) must be invisible: the same programs give the same registers,
 * flags, memory, RIP, exits and instruction counts compiled and interpreted, run to the end or in
 * slices of any budget, through faults and exits in the middle of a block, and with code that
 * writes its own page. The whole x86, kernel and VMM suites also run with the compiler off and
 * eager (`npm run test:jit`); this file holds the cases written for it.
 */
import { describe, expect, it } from "vitest";
import { GDT_BASE, Runner, SEL_DATA32 } from "./testing/runner";
import { rng } from "./testing/rng";
import { nasm } from "../testing/nasm";
import { compileEverything, differential, assembleOnce, restoreJitAfterEach } from "./testing/jit-harness";
import { outcome } from "./testing/outcome";
import { blockSource, compileBlock, jit, MUL_CARRY, SHORT_CALLS, WARM_CALLS } from "./jit";
import { Decoded, decode, MODE_32 } from "./decode";
import { specialize } from "./fast";
import { EXIT_EPT_VIOLATION, EXIT_HLT, EXIT_TRIPLE_FAULT, PERM_READ, PERM_WRITE } from "./vtx";

const CODE = 0x20000;
const DATA = 0x100000;
restoreJitAfterEach();

const LOOP_TAILS = [
  ["dec ebp", "jnz .top"],
  ["sub ebp, 1", "ja .top"],
  ["lea ebp, [ebp - 1]", "test ebp, ebp", "jg .top"],
  ["cmp ebp, 1", "lea ebp, [ebp - 1]", "jne .top"],
  ["add ebp, -1", "jc .top"],
  ["shr ebp, 1", "jnz .top"],
];

/**
 * A random 32-bit program: a loop (counter EBP) around random instructions of the forms the
 * compiler writes out inline and their neighbours it calls; ESI points at DATA.
 */
function loopProgram(seed: number): string {
  const rnd = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const regs = ["eax", "ebx", "ecx", "edx", "edi"];
  const r8 = ["al", "bl", "cl", "dl", "ah", "bh"];
  const alu = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
  const ccs = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
  const imm = (): number => pick([0, 1, -1, 0x7f, -0x80, 0x7fffffff, -0x80000000, 0x12345678, Math.floor(rnd() * 0x10000) - 0x8000]);
  const mem = (w: string): string => `${w} [esi + ${Math.floor(rnd() * 64) * 4 + pick([0, 0, 0, 1, 2, 3])}]`;
  const lines: string[] = [];
  for (const r of regs) lines.push(`mov ${r}, ${Math.floor(rnd() * 0x100000000) | 0}`);
  lines.push(`mov ebp, ${1 + Math.floor(rnd() * 40)}`, "mov dword [esi + 4092], 3");
  const branchy = rnd() < 0.5;
  lines.push(".top:");
  const count = 3 + Math.floor(rnd() * 14);
  for (let i = 0; i < count; i++) {
    const a = pick(regs);
    const b = pick(regs);
    // Straight bodies (so the loop is one block that loops inside its function), or with branches.
    const straight = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 24, 25, 29];
    const k = branchy ? Math.floor(rnd() * 30) : pick(straight);
    switch (k) {
      // Dword read-modify-writes, aligned or not (the TLB entry they share for the read and the write).
      case 29: lines.push(pick([`${pick(alu)} ${mem("dword")}, ${a}`, `${pick(alu)} ${mem("dword")}, ${imm()}`, `${pick(["inc", "dec"])} ${mem("dword")}`])); break;
      case 24: lines.push(pick([`imul ${a}, ${b}`, `imul ${a}, ${b}, ${imm()}`, `imul ${a}, ${mem("dword")}`, `imul ${a}, ${mem("dword")}, ${imm()}`])); break;
      // Constant addresses (the block keeps their TLB lookups: jit.ts MEMO), moffs forms and
      // [disp32] reads, stores and read-modify-writes, one of them unaligned.
      case 25: lines.push(pick([`mov eax, [${DATA + 8}]`, `mov [${DATA + 12}], eax`, `mov al, [${DATA + 17}]`, `mov [${DATA + 21}], al`,
        `mov ${a}, [${DATA + 24}]`, `mov [${DATA + 28}], ${a}`, `${pick(alu)} dword [${DATA + 32}], ${a}`, `${pick(["inc", "dec"])} dword [${DATA + 36}]`,
        `${pick(alu)} ${a}, [${DATA + 40}]`, `${pick(alu)} dword [${DATA + 45}], ${imm()}`, `imul ${a}, [${DATA + 24}], ${imm()}`])); break;
      case 26: lines.push(`imul ${a}, ${b}`, `j${pick(["o", "no", "c", "nc", "s", "z"])} .m${i}`, `.m${i}:`); break;
      // An inner loop: a label in the middle of the block, reached from below.
      case 27: lines.push(`push ecx`, `mov ecx, ${1 + Math.floor(rnd() * 4)}`, `.in${i}:`, `${pick(alu)} ${pick(["eax", "edx"])}, ${pick(["ebx", "edi"])}`, `${pick(["shl", "ror"])} ${pick(["ebx", "edi"])}, 1`, `dec ecx`, `jnz .in${i}`, `pop ecx`); break;
      // A branch back to the start from the middle (at most 3 times: a counter in memory).
      case 28: lines.push(`dec dword [esi + 4092]`, `jg .top`); break;
      case 0: lines.push(`${pick(alu)} ${a}, ${b}`); break;
      case 1: lines.push(`${pick(alu)} ${a}, ${imm()}`); break;
      case 2: lines.push(`mov ${a}, ${b}`); break;
      case 3: lines.push(`mov ${a}, ${imm()}`); break;
      case 4: lines.push(`lea ${a}, [${b} + ${pick(regs)}*${pick([1, 2, 4, 8])} + ${imm()}]`); break;
      case 5: lines.push(`${pick(["inc", "dec"])} ${a}`); break;
      case 6: lines.push(`${pick(["shl", "shr", "sar", "sal", "rol", "ror"])} ${a}, ${pick([1, 2, 7, 31, 0])}`); break;
      case 7: lines.push(`${pick(["neg", "not"])} ${a}`); break;
      case 8: lines.push(`test ${a}, ${b}`); break;
      case 9: lines.push(`test eax, ${imm()}`); break;
      case 10: lines.push(`mov ${a}, ${mem("dword")}`); break;
      case 11: lines.push(`mov ${mem("dword")}, ${a}`); break;
      case 12: lines.push(`${pick(alu)} ${a}, ${mem("dword")}`); break;
      case 13: lines.push(`${pick(alu)} ${mem("byte")}, ${imm() & 0xff}`); break;
      case 14: lines.push(`set${pick(ccs)} ${pick(r8)}`); break;
      case 15: lines.push(`cmov${pick(ccs)} ${a}, ${b}`); break;
      case 16: lines.push(`${pick(["rol", "ror", "rcl", "rcr", "shl", "sar"])} ${a}, cl`); break;
      case 17: lines.push(`${pick(["adc", "sbb"])} ${a}, ${b}`, pick(["cmc", "stc", "clc"])); break;
      case 18: lines.push(`push ${a}`, `pop ${b}`); break;
      case 19: lines.push(`mov ${pick(r8)}, ${mem("byte")}`, `movzx ${a}, ${pick(r8)}`); break;
      case 20: lines.push(`inc ${a}`, `j${pick(ccs)} .top_${i}`, `.top_${i}:`); break;
      case 21: lines.push(`add ${a}, ${b}`, `inc ${b}`, `adc ${a}, 0`); break;
      case 22: lines.push(`${pick(alu)} ${a}, ${b}`, `j${pick(ccs)} short .s${i}`, `xor ${a}, ${imm()}`, `.s${i}:`); break;
      case 23: lines.push(`call .f${i}`, `jmp short .g${i}`, `.f${i}:`, `add ${a}, ${b}`, `ret`, `.g${i}:`); break;
    }
  }
  lines.push(...pick(LOOP_TAILS));
  lines.push("hlt");
  return `bits 32\norg ${CODE}\n${lines.join("\n")}\n`;
}

function setup(src: string): Runner {
  const r = new Runner().load(CODE, assembleOnce(src));
  for (let i = 0; i < 4096; i++) r.ram[DATA + i] = (i * 37 + 11) & 0xff;
  r.flat32(CODE);
  return r.reg(4, 0x90000).reg(6, DATA);
}

/** Whole runs, and RIP, EAX, RFLAGS and the count after each slice. */
const { runWith, sliced } = differential(setup, DATA, [0]);

describe("compiled blocks match the interpreter", () => {
  it("random loops of the inline and called forms", () => {
    const before = jit.compiled;
    for (let seed = 1; seed <= 40; seed++) {
      const src = loopProgram(seed * 104729);
      const slow = runWith(false, src);
      const fast = runWith(true, src);
      expect(slow.exit, `seed ${seed}\n${src}`).toBe(EXIT_HLT);
      expect(fast, `seed ${seed}\n${src}`).toEqual(slow);
    }
    expect(jit.compiled - before).toBeGreaterThan(40);
  });

  it("gives a new block's first calls one pass each, then the budget it is given", () => {
    const warmLeft = (passes: number): number => {
      const src = `bits 32\norg ${CODE}\nmov ebp, ${passes}\n.top:\nadd eax, ebp\ndec ebp\njnz .top\nhlt\n`;
      const fast = runWith(true, src);
      expect(fast).toEqual(runWith(false, src));
      const r = setup(src);
      compileEverything(true);
      r.run(1_000_000);
      // The block at .top (after the 5-byte MOV): the first pass ran in the block compiled at the
      // program's first instruction, which left at .top when its one-pass budget was spent.
      const entries = (r.cpu as unknown as { codeEntries: (Decoded | undefined)[] }).codeEntries;
      return entries[5]!.block!.warm;
    };
    // Each warm call runs one pass and leaves through the spent-budget exit; a longer loop uses
    // them all, then its next call runs the rest of the loop inside the function.
    expect(warmLeft(5)).toBe(WARM_CALLS - 4);
    expect(warmLeft(40)).toBe(0);
  });

  it("then gives its next calls a few passes each, then the whole budget", () => {
    const run = (passes: number) => {
      const src = `bits 32\norg ${CODE}\nmov ebp, ${passes}\n.top:\nadd eax, ebp\ndec ebp\njnz .top\nhlt\n`;
      const fast = runWith(true, src);
      expect(fast).toEqual(runWith(false, src));
      const r = setup(src);
      compileEverything(true);
      jit.shortPasses = 16;
      r.run(1_000_000);
      const block = (r.cpu as unknown as { codeEntries: (Decoded | undefined)[] }).codeEntries[5]!.block!;
      return { warm: block.warm, short: block.short };
    };
    // The first pass runs in the block at the MOV, the next 32 in the warm calls of the block at
    // .top; then calls of at most 16 passes (3 instructions each): 5 of 16 and one of 3.
    expect(run(1 + WARM_CALLS + 5 * 16 + 3)).toEqual({ warm: 0, short: SHORT_CALLS - 6 });
    expect(run(1 + WARM_CALLS + 16)).toEqual({ warm: 0, short: SHORT_CALLS - 1 });
    // With the short calls spent, one call runs the rest of the loop.
    expect(run(1 + WARM_CALLS + SHORT_CALLS * 16 + 1000)).toEqual({ warm: 0, short: 0 });
  });

  it("compiles where control arrives, not where a slice stopped or the cached chain broke", () => {
    // A 7-instruction loop run in slices of 1,000 instructions: each stops in the loop's middle,
    // a different place each time, and the next starts there, looking up each instruction to the
    // loop's head (none is revalidated in the new run yet). Counted, those lookups compile a block
    // at every instruction of the loop; only the loop's head (a branch's target) should have one.
    const src = `bits 32\norg ${CODE}\nmov ecx, 100000\n.top:\nadd eax, ecx\nxor ebx, eax\nadd edx, ebx\nrol edx, 1\nsub esi, edx\ndec ecx\njnz .top\nhlt\n`;
    const compiled = (everyLookup: boolean) => {
      compileEverything(true);
      jit.threshold = 64;
      jit.everyLookup = everyLookup;
      const r = setup(src);
      const before = jit.compiled;
      let exit = 0;
      while (exit === 0) exit = r.run(1000);
      expect(exit).toBe(EXIT_HLT);
      expect(r.r(1)).toBe(0n);
      return jit.compiled - before;
    };
    expect(compiled(true)).toBeGreaterThan(4);
    expect(compiled(false)).toBe(1);
  });

  it("runs a block's new bytes after the host patched one between runs, at any instruction of it", () => {
    // The loop's block is found valid again at every run (as after each VM exit): by its bytes,
    // when no instruction was dropped since. The host (not the CPU: no write of the guest's
    // drops anything) patches one ADD's immediate between two runs; the next run must add the new
    // value, whichever instruction of the block holds it.
    const src = `bits 32\norg ${CODE}\nmov ecx, 90\n.top:\nadd eax, 1\nadd ebx, 2\nadd edx, 3\ndec ecx\njnz .top\nhlt\n`;
    const bytes = assembleOnce(src);
    // .top is after the 5-byte MOV; each `add r32, imm8` is 3 bytes (83 /0 ib), its immediate last.
    for (const [k, reg] of [[0, 0], [1, 3], [2, 2]] as const) {
      const run = (compiled: boolean) => {
        compileEverything(compiled);
        const r = setup(src);
        r.run(5 * 30 + 1); // the MOV and 30 passes: the block compiled and run
        r.ram[CODE + 5 + 3 * k + 2] = 0x40; // add r, 0x40 from here on
        r.run(5 * 30);
        r.ram[CODE + 5 + 3 * k + 2] = 0x7f;
        return outcome(r, r.run(1_000_000), DATA);
      };
      const slow = run(false);
      expect(slow.exit).toBe(EXIT_HLT);
      expect(Number(slow.regs[reg] & 0xffffffffn)).toBe(30 * (k + 1) + 30 * 0x40 + 30 * 0x7f);
      expect(run(true), `ADD ${k}`).toEqual(slow);
    }
  });

  it("leaves high halves as the interpreter does: a block that writes a register whose high half is set declines once", () => {
    // High halves left by 64-bit code: EAX (written by the loop), EBX (only read). The interpreter
    // zeroes EAX's on its first write and keeps EBX's; the block must give the same, and run.
    const src = `bits 32\norg ${CODE}\nmov ecx, 50\n.top:\nadd eax, ebx\nxor eax, ecx\ndec ecx\njnz .top\nhlt\n`;
    const run = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      const before = jit.compiled;
      // A few passes first (the first one decodes, and compiles the loop's block), then the high
      // halves as 64-bit code would leave them, in the middle of the loop.
      r.run(20);
      r.cpu.r32[1] = 0x1234;
      r.cpu.r32[7] = 0x5678;
      return { outcome: outcome(r, r.run(1_000_000), DATA), compiled: jit.compiled - before };
    };
    const slow = run(false);
    const fast = run(true);
    expect(fast.outcome).toEqual(slow.outcome);
    expect(slow.outcome.regs[0] >> 32n).toBe(0n);
    expect(slow.outcome.regs[3] >> 32n).toBe(0x5678n);
    expect(fast.compiled).toBeGreaterThan(0);
  });

  it("ROL after ADD sets CF and OF only: SF ZF AF PF stay the ADD's (Intel SDM RCL/RCR/ROL/ROR: flags affected)", () => {
    // 0x7fffffff + 1 = 0x80000000: SF 1, ZF 0, AF 1 (carry out of bit 3), PF 1 (low byte 0), in a loop
    // so that the block compiler writes it out; ROL 1 then gives 1: CF 1, OF = MSB ^ CF = 1.
    const src = `bits 32\norg ${CODE}\nmov ecx, 40\n.top:\nmov eax, 0x7fffffff\nadd eax, 1\nrol eax, 1\npushfd\npop ebx\ndec ecx\njnz .top\nhlt\n`;
    for (const compiled of [false, true]) {
      const o = runWith(compiled, src);
      expect(o.exit).toBe(EXIT_HLT);
      expect(Number(o.regs[3]) & 0x8d5, `compiled ${compiled}`).toBe(0x895); // CF PF AF SF OF set, ZF clear
    }
  });

  it("rotates by an immediate with the executor's CF, OF and the flags before them", () => {
    // Each rotate's flags are read at once: SETC/SETO (CF, OF), PUSHFD (all of them: SF ZF AF PF
    // are the ADD's, made explicit), ADC (CF).
    const src = `bits 32\norg ${CODE}\nmov ecx, 60\nmov eax, 0x80000001\nxor esi, esi\nxor edi, edi\n.top:\nadd eax, 0x12345679\nrol eax, 1\nsetc bl\nseto bh\nmovzx ebx, bx\nadd esi, ebx\nror eax, 3\npushfd\npop ebx\nxor edi, ebx\nrol eax, 31\nadc edi, 0\nror eax, 1\nseto dl\nrol eax, 7\njo .skip\ninc esi\n.skip:\nadd edi, edx\ndec ecx\njnz .top\nhlt\n`;
    const slow = runWith(false, src);
    expect(slow.exit).toBe(EXIT_HLT);
    expect(runWith(true, src)).toEqual(slow);
  });

  it("stops on the same instruction for every budget", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const src = loopProgram(seed * 7907);
      for (const budget of [1, 3, 7, 64]) {
        expect(sliced(true, src, budget), `seed ${seed} budget ${budget}`).toEqual(sliced(false, src, budget));
      }
    }
  });

  it("leaves a block on a fault in its middle with the state before the faulting instruction", () => {
    // EDI walks up by a page per pass until it leaves guest RAM: an EPT violation (exit) on the
    // load, with the flags and registers of the instructions before it in the block.
    const src = `bits 32\norg ${CODE}\nmov edi, 0xff0000\nxor eax, eax\n.top:\nadd eax, edi\nsub ebx, eax\nmov ecx, [edi]\nadd edi, 0x1000\ncmp eax, ebx\njmp .top\n`;
    const slow = runWith(false, src);
    const fast = runWith(true, src);
    expect(slow.exit).toBe(EXIT_EPT_VIOLATION);
    expect(fast).toEqual(slow);
  });

  it("leaves every inline memory form with the flags and registers from before it when it faults", () => {
    const forms = [
      "mov ecx, [edi]", "mov [edi], ecx", "add [edi], ecx", "add ecx, [edi]", "cmp dword [edi], 5", "sub dword [edi], 5",
      "adc dword [edi], 5", "sub byte [edi], 3", "cmp byte [edi], 3", "or cl, [edi]", "sbb cl, [edi]", "mov byte [edi], cl",
      "mov ch, [edi]", "movzx ecx, byte [edi]", "inc dword [edi]", "dec dword [edi]", "test [edi], ecx", "mov dword [edi], 7",
      "mov byte [edi], 7", "xor [edi], ecx", "imul ecx, [edi], 3", "imul ecx, [edi]",
    ];
    const producers = ["add eax, edi", "shr eax, 3", "inc eax"];
    for (const form of forms) {
      for (const producer of producers) {
        const src = `bits 32\norg ${CODE}\nmov edi, 0xffc000\nmov eax, 0x89abcdef\n.top:\n${producer}\n${form}\nadd edi, 0x1000\nmov ebx, eax\njmp .top\n`;
        const slow = runWith(false, src);
        const fast = runWith(true, src);
        expect(slow.exit, `${producer}; ${form}`).toBe(EXIT_EPT_VIOLATION);
        expect(fast, `${producer}; ${form}`).toEqual(slow);
      }
    }
  });

  it("leaves a loop at a fault before its first flag producer with the flags its back edge carried", () => {
    expect(WARM_CALLS).toBeLessThan(50);
    // The loop's back edge keeps the last producer's flags in locals (jit.ts LOOP_FLAGS); a fault
    // in the loop's first instruction, on a later pass, must still leave them in the machine. EDI
    // walks up a page per pass out of guest RAM, 60 passes: past the block's warm calls (one pass
    // each), so the fault comes inside a call that has gone round the loop. The flags at the exit
    // are the tail's (DEC keeps the ADD's CF), or a called instruction's, or those of a branch
    // taken in the middle.
    const heads = ["mov ecx, [edi]", "add [edi], ecx", "inc dword [edi]", "mov [edi], ecx", "mov cl, [edi]", "adc ecx, [edi]", "setc cl\nmov edx, [edi]", "jc .skip\nmov edx, [edi]\n.skip:"];
    const tails = [["add eax, edi", "dec ecx", "jnz .top"], ["sub eax, ebx", "jnz .top"], ["add edi, 0", "jmp .top"], ["shl eax, 1", "jmp .top"], ["imul eax, eax, 3", "jmp .top"], ["inc ecx", "jmp .top"]];
    for (const head of heads) {
      for (const tail of tails) {
        const src = `bits 32\norg ${CODE}\nmov edi, ${0x1000000 - 60 * 0x1000}\nmov eax, 0x89abcdef\nmov ebx, 0x12345678\nmov ecx, 1000\n.top:\n${head}\nadd edi, 0x1000\n${tail.join("\n")}\nhlt\n`;
        const slow = runWith(false, src);
        const fast = runWith(true, src);
        expect(slow.exit, `${head}; ${tail}`).toBe(EXIT_EPT_VIOLATION);
        expect(fast, `${head}; ${tail}`).toEqual(slow);
      }
    }
  });

  it("an inner loop's carried flags do not outlive its first producer (LOOP_FLAGS' lp)", () => {
    // The inner loop's back edge leaves DEC's flags in locals (lp = 1); its SHL clears lp. The
    // outer loop then re-enters it from above with an ADD's flags stored, and on a later pass its
    // first instruction faults: the exit must leave the ADD's flags, not DEC's made from the ADD's
    // operands.
    // (EDI's bit 4 is set, so that DEC's AF made from the ADD's operands differs from the ADD's.)
    const src = `bits 32\norg ${CODE}\nmov edi, ${0x1000000 - 60 * 0x1000 + 0x10}\nmov eax, 0x89abcdef\n.top:\nmov ecx, 2\nadd eax, edi\n.in:\nmov edx, [edi]\nshl edx, 1\ndec ecx\njnz .in\nadd edi, 0x1000\njmp .top\n`;
    const slow = runWith(false, src);
    expect(slow.exit).toBe(EXIT_EPT_VIOLATION);
    expect(runWith(true, src)).toEqual(slow);
  });

  it("delivers a divide error from inside a block as the interpreter does", () => {
    // DIV by ECX counting down to 0: #DE with no IDT set up ends in a triple fault.
    const src = `bits 32\norg ${CODE}\nmov ecx, 5\n.top:\nmov eax, 100\nxor edx, edx\nshl ebx, 1\ndiv ecx\ndec ecx\njmp .top\n`;
    const slow = runWith(false, src);
    const fast = runWith(true, src);
    expect(slow.exit).toBe(EXIT_TRIPLE_FAULT);
    expect(fast).toEqual(slow);
  });

  it("runs the new bytes when a compiled loop patches its own code", () => {
    // The ADD's imm8 is incremented after each execution (1 + 2 + ... + 8), and the loop later
    // rewrites the instruction right after the store.
    const src = `bits 32\norg ${CODE}\nmov ecx, 8\nxor ebx, ebx\n.l:\npatch: add ebx, 1\ninc byte [patch + 2]\nnext: add eax, 0\nmov byte [next + 2], cl\ndec ecx\njnz .l\nhlt\n`;
    const slow = runWith(false, src);
    const fast = runWith(true, src);
    expect(slow.regs[3]).toBe(36n);
    expect(fast).toEqual(slow);
  });

  it("sees a misaligned dword store or read-modify-write over its own instruction's immediate", () => {
    // The ADD's imm32 starts at an offset ≡ 2 (mod 4): each pass stores ECX over all four bytes
    // (MOV: the immediates 8, 7, ..., 2 follow the first), or adds ECX to them (ADD: 0x01010101 + 8, + 7, ...).
    for (const [store, eax] of [["mov", 0x01010101 + 35], ["add", 8 * 0x01010101 + 8 * 7 + 7 * 6 + 6 * 5 + 5 * 4 + 4 * 3 + 3 * 2 + 2 * 1]] as const) {
      const src = `bits 32\norg ${CODE}\nmov ecx, 8\nxor eax, eax\nalign 4\nnop\n.l:\nnext: add eax, 0x01010101\n${store} [next + 1], ecx\ndec ecx\njnz .l\nhlt\n`;
      const slow = runWith(false, src);
      const fast = runWith(true, src);
      expect(slow.regs[0]).toBe(BigInt(eax));
      expect(fast).toEqual(slow);
    }
  });

  it("sees a segment register loaded in the middle of a block: flat, then based, then flat again", () => {
    // DS alternates between the flat data segment and one based at 0x100 (4 GiB limit); the block
    // after the MOV to DS (a jump target, so it runs compiled) must use the DS of the moment: its
    // flat-segment shortcut is worked out at each entry, never kept from an earlier one.
    const based = 0x58;
    const src = `bits 32\norg ${CODE}\nmov ecx, 7\nmov ebx, ${based}\nmov edx, ${SEL_DATA32}\n.l:\nadd [${DATA + 0x200}], ecx\nmov ds, bx\njmp .b\n.b:\nadd [${DATA + 0x210}], ecx\nxchg ebx, edx\ndec ecx\njnz .l\nhlt\n`;
    const withBasedSegment = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      // GDT entry 0x58: data, read/write, base 0x100, limit 4 GiB (G = 1).
      const dv = new DataView(r.ram.buffer);
      dv.setUint32(GDT_BASE + based, 0x0100ffff, true);
      dv.setUint32(GDT_BASE + based + 4, 0x00cf9300, true);
      r.cpu.gdtrLimit = based + 7;
      return outcome(r, r.run(), DATA);
    };
    const slow = withBasedSegment(false);
    const fast = withBasedSegment(true);
    expect(slow.exit).toBe(EXIT_HLT);
    expect(fast).toEqual(slow);
  });

  it("reads through a new translation after INVLPG: a compiled block's TLB hits see the flush", () => {
    // 32-bit paging, identity over 4 MiB; each pass reads linear 0x100000 in a compiled block, then
    // maps that page to the next physical page and flushes it with INVLPG.
    const [pd, pt, a, b] = [0x30000, 0x31000, 0x11111111, 0x22222222];
    const src = `bits 32\norg ${CODE}\nmov ecx, 3\nxor esi, esi\nmov edi, ${pt + 0x100 * 4}\n.l:\nmov ebx, [0x100000]\nadd esi, ebx\nadd dword [edi], 0x1000\ninvlpg [0x100000]\ndec ecx\njnz .l\nhlt\n`;
    const paged = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      for (let i = 0; i < 1024; i++) r.w32(pt + i * 4, (i << 12) | 0x3);
      r.w32(pd, pt | 0x3);
      r.w32(0x100000, a).w32(0x101000, b).w32(0x102000, a + b);
      r.cpu.cr3 = BigInt(pd);
      r.cpu.cr0 = (r.cpu.cr0 | 0x80000000) | 0;
      return outcome(r, r.run(), DATA);
    };
    const slow = paged(false);
    const fast = paged(true);
    expect(slow.regs[6]).toBe(BigInt(a + b + (a + b)));
    expect(fast).toEqual(slow);
  });

  it("walks memory through kept page lookups: moving reads, stores and read-modify-writes across pages", () => {
    // Each access site keeps the page it found (jit.ts MEMO) and must notice when its address leaves
    // it. The pages are touched first, so that no TLB miss (a slow path, which drops every kept
    // lookup) marks the moves: ESI steps 4 bytes, EDX 3 (its dwords straddling two pages now and then
    // go the slow way).
    const src = `bits 32\norg ${CODE}\nmov edi, esi\nmov ecx, 8\n.t:\nmov eax, [edi]\nmov [edi], eax\nadd edi, 4096\ndec ecx\njnz .t\n` +
      `mov edx, esi\nmov ecx, 3000\nxor eax, eax\n.l:\nmov ebx, [esi]\nadd ebx, ecx\nmov [esi + 8192], ebx\n` +
      `add dword [esi + 4096], ebx\nadd esi, 4\ndec ecx\njnz .l\n` +
      `mov ecx, 3000\n.u:\nxor eax, [edx + 2]\nadd [edx + 4096], eax\nadd edx, 3\ndec ecx\njnz .u\nhlt\n`;
    const run = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      const exit = r.run();
      return { ...outcome(r, exit, DATA), region: Array.from(r.ram.subarray(DATA, DATA + 0x6000)) };
    };
    const slow = run(false);
    const fast = run(true);
    expect(slow.exit).toBe(EXIT_HLT);
    expect(fast).toEqual(slow);
  });

  // A store must drop the cached instruction it overwrites, so that MOV EAX, imm32 loads the new
  // value each pass (EDX = 50 + 49 + … + 1), even when the store's page lookup is kept (jit.ts MEMO).
  const patchedImmediate = [
    // One store site writes first to a scratch dword of the loop's own page (its lookup is kept),
    // then into the immediate of an instruction the loop runs next.
    ["a register address, its page lookup kept", `mov edi, scratch\nmov ebx, 2\n.in:\nmov [edi], ecx\nlea edi, [.patch + 1]\ndec ebx\njnz .in\n`],
    // Two stores at constant addresses of the loop's own page, each keeping its lookup: the one to
    // \`scratch\`, then one into the next instruction's immediate.
    ["constant addresses, their lookups kept", `mov eax, [scratch]\nmov [scratch], ecx\nmov dword [.patch + 1], ecx\n`],
    // The first variant with a strided read beside the store: the loop's unchecked copy (STRIDED)
    // keeps the store's checks, its address register being loaded rather than stepped.
    ["a register address in a loop that also walks memory", `mov edi, scratch\nmov ebx, 2\n.in:\nmov eax, [esi]\nmov [edi], ecx\nlea edi, [.patch + 1]\nadd esi, 4\ndec ebx\njnz .in\n`],
  ];
  it.each(patchedImmediate)("%s: each store is still checked against the page's cached instructions", (_what, stores) => {
    const src = `bits 32\norg ${CODE}\nmov ecx, 50\nxor edx, edx\n.l:\n${stores}` +
      `.patch:\nmov eax, 0x11111111\nadd edx, eax\ndec ecx\njnz .l\nhlt\nscratch: dd 0\n`;
    const run = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      return outcome(r, r.run(), DATA);
    };
    const slow = run(false);
    expect(slow.regs[2]).toBe(BigInt((50 * 51) / 2));
    expect(run(true)).toEqual(slow);
  });

  it("checks the cached-code map for stores below the page's last cached byte, as code after them gets cached (coveredEnd)", () => {
    // One store site writes to \`scratch\`, then into the immediate of .tail, which lies after it.
    // It keeps its page's lookup with the offset past the page's last cached byte (jit.ts MEMO:
    // mH), taken at the store to scratch. On the first pass .tail is not cached yet, and nothing
    // needs dropping; from the second on it is, the page's cached code now reaches past scratch,
    // and the store into .tail must drop it (EDX = 60 + 59 + ... + 1). Sixty passes: a block's
    // first calls run one pass each (WARM_CALLS), each with lookups of its own.
    const src = `bits 32\norg ${CODE}\nmov ebx, 60\nxor edx, edx\n.outer:\nmov edi, scratch\nmov ecx, 2\n.in:\nmov [edi], ebx\nlea edi, [.tail + 1]\ndec ecx\njnz .in\njmp .tail\n` +
      `scratch: dd 0\n.tail:\nmov eax, 0x11111111\nadd edx, eax\ndec ebx\njnz .outer\nhlt\n`;
    const run = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      return outcome(r, r.run(), DATA);
    };
    const slow = run(false);
    expect(slow.regs[2]).toBe(1830n);
    expect(run(true)).toEqual(slow);
  });

  it("stores each read-modify-write through its own page's memory when two pages are in different buffers", () => {
    // A dword read-modify-write stores through the DataView its read used (jit.ts rmwRead32: \`tv\`).
    // Guest RAM here is one buffer but one page (OTHER), backed by a second: a block whose
    // read-modify-writes alternate between them must write each into its own buffer, kept lookups
    // (constant and register addresses) and all.
    const OTHER = DATA + 0x3000;
    const src = `bits 32\norg ${CODE}\nmov ecx, 100\nmov esi, ${OTHER}\n.l:\nadd dword [${DATA + 8}], ecx\nadd dword [${OTHER + 8}], ecx\n` +
      `xor dword [${DATA + 12}], ecx\nsub dword [esi + 16], ecx\ninc dword [${OTHER + 20}]\ndec ecx\njnz .l\nhlt\n`;
    const run = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      const other = new Uint8Array(4096);
      r.mem.map(OTHER, 4096, other, 0, PERM_READ | PERM_WRITE);
      const exit = r.run();
      return { ...outcome(r, exit, DATA), other: Array.from(other.subarray(0, 32)) };
    };
    const slow = run(false);
    expect(slow.exit).toBe(EXIT_HLT);
    expect(new Int32Array(new Uint8Array(slow.other).buffer)[2]).toBe(5050);
    expect(run(true)).toEqual(slow);
  });

  // STRIDED: loops whose addresses move by fixed strides run passes with no page checks, as many as
  // keep every access in its page; the checked code takes the crossings, the misses and the rest.
  const walks: [string, string, number[]][] = [
    // A copy up, both pointers unaligned (a dword straddles two pages at times), over pages not
    // touched before (TLB misses at each new one).
    ["a copy up, unaligned", `mov esi, ${DATA + 2}\nmov edi, ${DATA + 0x3001}\nmov ecx, 3000\n.l:\nmov eax, [esi]\nadd eax, ecx\nmov [edi], eax\nadd esi, 4\nadd edi, 4\ndec ecx\njnz .l\nhlt\n`, [0x2000, 0x5000]],
    // Bytes down, with a byte read-modify-write ahead of the pointer.
    ["bytes down, a byte read-modify-write", `mov esi, ${DATA + 0x3ffd}\nmov ecx, 5000\n.l:\nmov al, [esi]\nxor byte [esi + 0x1000], 0x5a\nadd bl, al\ndec esi\ndec ecx\njnz .l\nhlt\n`, [0x2000, 0x5000]],
    // A scaled index counting down: both accesses step -4, one of them a dword read-modify-write.
    ["a scaled index down", `mov ebx, ${DATA}\nmov ecx, 3000\n.l:\nmov eax, [ebx + ecx*4 - 4]\nadd [ebx + ecx*4 + 0x3000], eax\nsub ecx, 1\njnz .l\nhlt\n`, [0x0000, 0x5000]],
    // A constant address (stride 0), a LEA step between two accesses through the same register.
    ["a LEA step between accesses, and a constant address", `mov ecx, 1500\n.l:\nadd dword [${DATA + 0x10}], ecx\nmov eax, [esi]\nlea esi, [esi + 12]\ninc dword [esi + 0x800]\nadd edx, eax\ndec ecx\njnz .l\nhlt\n`, [0x2000, 0x5000]],
    // An exit from the middle of the loop (to code after it), taken in a later page.
    ["an exit in the middle", `mov esi, ${DATA}\nmov dword [${DATA + 0x2468}], 0x80000000\nmov ecx, 4000\n.l:\nmov eax, [esi]\ntest eax, eax\njs .found\nadd esi, 4\ndec ecx\njnz .l\nhlt\n.found:\nmov ebx, esi\nhlt\n`, [0x2000, 0x5000]],
    // A table indexed by a loaded value beside the walk: its read-modify-write keeps its checks in
    // the unchecked copy (TLB misses, a page of another buffer) while the walk's read has none.
    ["a computed index beside a walk", `mov esi, ${DATA}\nmov ecx, 3000\n.l:\nmov eax, [esi]\nand eax, 0x3ffc\nadd [eax + ${DATA + 0x2000}], ecx\nadd esi, 4\ndec ecx\njnz .l\nhlt\n`, [0x2000, 0x5000]],
    // Strides by registers the loop leaves alone: a sieve's strike (bytes, 7 apart), a LEA with a
    // scaled index of -3 (12 bytes down), and a stride of zero.
    ["a stride by a register the loop leaves alone", `mov ebx, 7\nxor eax, eax\n.l:\nmov byte [eax + ${DATA}], 1\nadd eax, ebx\ncmp eax, 0x5f00\njb .l\nhlt\n`, [0x2000, 0x5000]],
    ["a scaled register stride down", `mov edx, -3\nmov ecx, ${DATA + 0x5ff0}\nmov esi, 1500\n.l:\nadd dword [ecx], esi\nlea ecx, [ecx + edx*4]\ndec esi\njnz .l\nhlt\n`, [0x2000, 0x5000]],
    ["a register stride of zero", `xor ebx, ebx\nmov esi, ${DATA + 0x1ffc}\nmov ecx, 2000\n.l:\nadd [esi], ecx\nadd esi, ebx\ndec ecx\njnz .l\nhlt\n`, [0x2000, 0x5000]],
    // Two moves per pass of one register and a back edge that is a JMP (the exit a JNZ before it).
    ["a JMP back edge", `mov esi, ${DATA + 0x10}\nmov ecx, 3000\n.l:\nmov eax, [esi]\nadd esi, 8\nmov [esi - 4], eax\nsub esi, 4\ndec ecx\njz .done\njmp .l\n.done:\nhlt\n`, [0x2000, 0x5000]],
  ];
  it.each(walks)("%s: the unchecked passes leave what the interpreter leaves, in any slices", (_what, body, split) => {
    const src = `bits 32\norg ${CODE}\n${body}`;
    // Two pages of the walk are backed by buffers of their own, next to pages it walks through the
    // home buffer: a pass that went past its page in the home buffer would miss them.
    const setupSplit = (program: string): { r: Runner; others: Uint8Array[] } => {
      const r = setup(program);
      const others = split.map((at) => {
        const page = new Uint8Array(4096).map((_, i) => (i * 13 + at) & 0xff);
        r.mem.map(DATA + at, 4096, page, 0, PERM_READ | PERM_WRITE);
        return page;
      });
      return { r, others };
    };
    const run = (compiled: boolean) => {
      compileEverything(compiled);
      const { r, others } = setupSplit(src);
      const exit = r.run(10_000_000);
      return { ...outcome(r, exit, DATA), region: Array.from(r.ram.subarray(DATA, DATA + 0x6000)), others: others.map((o) => Array.from(o)) };
    };
    // In slices: RIP, EAX, ESI, RFLAGS and the count after each.
    const inSlices = differential((program) => setupSplit(program).r, DATA, [0, 6]);
    const slow = run(false);
    expect(slow.exit).toBe(EXIT_HLT);
    expect(run(true)).toEqual(slow);
    for (const budget of [1, 6, 100, 5000]) expect(inSlices.sliced(true, src, budget), `budget ${budget}`).toEqual(inSlices.sliced(false, src, budget));
  });

  it("stores down toward its own cached code: the unchecked passes stop above it, the checked ones drop it", () => {
    // The loop stores NOPs from near the end of its own page down over \`patch\`, which ran (and
    // was cached) before: the unchecked passes may only store above the page's last cached byte
    // (coveredEnd); the stores into \`patch\` must drop it, so the second call runs the NOPs.
    const src = `bits 32\norg ${CODE}\nxor edx, edx\ncall patch\nmov edi, ${CODE + 0xff0}\nmov ecx, (0xff0 - (patch - $$)) / 4 + 1\nmov eax, 0x90909090\n` +
      `.l:\nmov [edi], eax\nsub edi, 4\ndec ecx\njnz .l\ncall patch\nhlt\nalign 4\npatch:\nmov ebx, 0x12345678\ninc edx\nret\ntimes 0xff4 - ($ - $$) db 0xcc\nret\n`;
    const run = (compiled: boolean) => {
      compileEverything(compiled);
      const r = setup(src);
      return outcome(r, r.run(), DATA);
    };
    const slow = run(false);
    expect(slow.exit).toBe(EXIT_HLT);
    expect(slow.regs[3]).toBe(0x12345678n);
    expect(slow.regs[2]).toBe(1n);
    expect(run(true)).toEqual(slow);
  });

  it("keeps code and data in one page fast: stores next to a compiled loop do not drop it", () => {
    compileEverything(true);
    const src = `bits 32\norg ${CODE}\nmov ecx, 1000\n.l:\nmov [data + ecx*4 - 4], ecx\nadd eax, ecx\ndec ecx\njnz .l\nhlt\ndata: times 4000 db 0\n`;
    const r = setup(src);
    const before = jit.compiled;
    expect(r.run()).toBe(EXIT_HLT);
    // One block for the loop (and none recompiled although every pass writes its page).
    expect(jit.compiled - before).toBeLessThanOrEqual(2);
    expect(r.r32(0)).toBe(500500);
  });
});

describe("MUL_CARRY", () => {
  it("is true exactly when the signed product of two int32 values does not fit in 32 bits", () => {
    const carry = new Function("fa", "fb", "fr", `return ${MUL_CARRY};`) as (fa: number, fb: number, fr: number) => boolean;
    const fits = (a: number, b: number) => {
      const p = BigInt(a) * BigInt(b);
      return p >= -2147483648n && p <= 2147483647n;
    };
    const rnd = rng(7);
    const int32 = () => (Math.floor(rnd() * 0x100000000) | 0) >> Math.floor(rnd() * 32);
    const edges = [0, 1, -1, 2, -2, 3, 7, -128, 127, 1290, 1291, -1290, -1291, 1664525, 46340, 46341, -46341, 65535, 65536, 0x40000000, 0x7fffffff, -0x80000000];
    const values = [...edges];
    for (let i = 0; i < 300; i++) values.push(int32());
    for (const a of values) {
      for (const b of [...edges, int32(), int32()]) {
        expect(carry(a, b, Math.imul(a, b)), `${a} * ${b}`).toBe(!fits(a, b));
      }
    }
  });
});

describe("block source", () => {
  function decodeAll(bytes: number[]): { list: Decoded[]; rips: number[] } {
    const buf = new Uint8Array(bytes);
    const list: Decoded[] = [];
    const rips: number[] = [];
    for (let p = 0; p < buf.length; ) {
      const d = new Decoded();
      const len = decode(d, buf, p, buf.length, MODE_32);
      d.fn = specialize(d);
      list.push(d);
      rips.push(CODE + p);
      p += len;
    }
    return { list, rips };
  }

  it("keeps a loop's registers in locals and its flags unstored between passes", () => {
    // .l: mov ebx, eax; shr eax, 1; and ebx, 1; xor eax, ebx; dec edx; jnz .l
    const { list, rips } = decodeAll([0x89, 0xc3, 0xd1, 0xe8, 0x83, 0xe3, 0x01, 0x31, 0xd8, 0x4a, 0x75, 0xf3]);
    const { source } = blockSource(list, rips, MODE_32, true);
    const body = source.slice(source.indexOf("for (;;)"), source.indexOf("continue;"));
    expect(body).not.toMatch(/c\.lz|c\.flags|r32\[\d+\] = g/); // no flag or register stores in the loop
    expect(body).not.toMatch(/f\d+\(c, d\d+\)/); // every instruction written out
  });

  it("compiles nested loops into one function: the inner loop is a label of the outer block", () => {
    const bytes = nasm(`bits 32\norg ${CODE}\n.byte: xor al, [esi]\ninc esi\nmov edx, 8\n.bit: mov ebx, eax\nshr eax, 1\nand ebx, 1\nneg ebx\nand ebx, 0xEDB88320\nxor eax, ebx\ndec edx\njnz .bit\ndec ecx\njnz .byte\n`);
    const { list, rips } = decodeAll(Array.from(bytes));
    const { source, entry } = blockSource(list, rips, MODE_32, false);
    expect(source).toContain("case 3:"); // .bit
    // The inner loop branches back to its own label: a loop of its own inside the case, not a trip
    // through the switch; the outer loop's branch comes from the inner loop's code, so it goes round.
    expect(source).toContain("L3: for (;;) {");
    expect(source.match(/continue L\d+;|pc = \d+; continue dispatch;/g)).toEqual(["continue L3;", "pc = 0; continue dispatch;"]);
    expect(source).not.toMatch(/f\d+\(c, d\d+\)/);
    expect(entry).toBe(3); // the first segment ends where the inner loop (a label) begins
  });

  it("writes out the memory forms it has inline forms for: INC/DEC m32, ALU m32, loads and stores", () => {
    // A specialised handler chosen for one of them (fast.ts) must stay one the compiler recognises.
    const bytes = nasm(`bits 32\norg ${CODE}\n.l: inc dword [esi]\ndec dword [esi + 4]\nadd [esi + 8], eax\ncmp dword [esi + 12], 5\nmov ebx, [esi + 16]\nmov [esi + 20], ebx\nmovzx ecx, byte [esi]\ndec edx\njnz .l\n`);
    const { list, rips } = decodeAll(Array.from(bytes));
    const { source } = blockSource(list, rips, MODE_32, false);
    expect(source).not.toMatch(/f\d+\(c, d\d+\)/);
  });

  it("gives a loop that walks memory an unchecked copy, one whose addresses it loads none, and a table lookup its checks (STRIDED)", () => {
    const copy = decodeAll(Array.from(nasm(`bits 32\norg ${CODE}\n.l: mov eax, [esi]\nadd eax, ebx\nmov [edi], eax\nadd esi, 4\nadd edi, 4\ndec ecx\njnz .l\n`)));
    const { source } = blockSource(copy.list, copy.rips, MODE_32, false);
    const unchecked = source.slice(source.indexOf("F0: for (;;) {"), source.indexOf(`fz0 = ${8}; }`));
    expect(unchecked).toContain("M.getInt32(lin + x0, true)");
    expect(unchecked).toContain("M.setInt32(lin + x2, g0, true)");
    expect(unchecked).not.toMatch(/sl = 1|Tag32|c\.read|c\.write/); // no page check, no slow path
    const list = decodeAll(Array.from(nasm(`bits 32\norg ${CODE}\n.l: mov esi, [esi]\nadd eax, [esi + 4]\ndec ecx\njnz .l\n`)));
    expect(blockSource(list.list, list.rips, MODE_32, false).source).not.toContain("F0: for");
    // A table lookup by a computed index keeps its checks in the copy; the walk beside it has none.
    const mixed = decodeAll(Array.from(nasm(`bits 32\norg ${CODE}\n.l: mov eax, [esi]\nand eax, 0xfc\nadd [eax + 0x1000], ebx\nadd esi, 4\ndec ecx\njnz .l\n`)));
    const both = blockSource(mixed.list, mixed.rips, MODE_32, false).source;
    const mixedCopy = both.slice(both.indexOf("F0: for (;;) {"), both.indexOf(`fz0 = ${8}; }`));
    expect(mixedCopy).toContain("M.getInt32(lin + x0, true)");
    expect(mixedCopy).toMatch(/wTag32\[ti\] === \(\(lin & -4096\) \| u\)/); // the table's access, checked
    expect(mixedCopy).toContain("fn0 = 1;"); // its slow path ends the unchecked passes
  });

  it("takes each following instruction while the run loop says it is valid in this run, and stops at the first it doesn't", () => {
    // add eax, ecx; rol eax, 3; dec ecx; jnz back: the loop of bench-exits.asm after its OUT. After
    // a VM exit only the first entry has been checked in the new run; compileBlock asks for the rest.
    compileEverything(true); // also under HVPLAY_JIT=off
    const bytes = [0x01, 0xc8, 0xc1, 0xc0, 0x03, 0x49, 0x75, 0xf8];
    const { list } = decodeAll(bytes);
    const entries: (Decoded | undefined)[] = new Array(4096).fill(undefined);
    let o = 0;
    for (const d of list) {
      entries[o] = d;
      o += d.len;
    }
    const asked: number[] = [];
    expect(compileBlock(list[0], 0, CODE, entries, (_d, at) => (asked.push(at), true)).n).toBe(4);
    expect(asked).toEqual([0, 2, 5, 6]);
    expect(compileBlock(list[0], 0, CODE, entries, (_d, at) => at !== 5).n).toBe(2);
  });

  it("compiles nothing from instructions it must leave to the run loop", () => {
    const { list } = decodeAll([0xe6, 0x80, 0xe6, 0x80]); // out 0x80, al (twice)
    const entries: (Decoded | undefined)[] = new Array(4096).fill(undefined);
    list.forEach((d, i) => (entries[i * 2] = d));
    expect(compileBlock(list[0], 0, CODE, entries, () => true).n).toBe(Infinity);
  });
});
