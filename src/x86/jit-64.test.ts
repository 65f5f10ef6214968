/**
 * The block compiler (jit.ts) in 64-bit mode, where a kernel such as Linux runs: random loops of
 * 64-bit, 32-bit and byte forms over registers and memory, run compiled and interpreted, must give
 * the same registers, flags, memory, RIP and instruction counts, whole and in slices of any budget,
 * and through faults in the middle of a block.
 *
 * The code runs in the upper half of the address space as a kernel's does (RIP 0xffffffff8002xxxx,
 * a negative number in the emulator), and the data pointers are upper-half addresses of two kinds:
 * the kernel image's (high dword all ones) and a direct map's (0xffff8880_xxxxxxxx).
 */
import { describe, expect, it } from "vitest";
import { PML4_BASE, Runner } from "./testing/runner";
import { rng } from "./testing/rng";
import { jit } from "./jit";
import { assembleOnce, differential, restoreJitAfterEach } from "./testing/jit-harness";
import { EXIT_EPT_VIOLATION, EXIT_HLT, EXIT_TRIPLE_FAULT } from "./vtx";

const CODE = 0x20000;
const DATA = 0x100000;
/** Where CODE and DATA appear to the guest: the kernel-image window (PML4[511], PDPT[510]). */
const KERNEL = 0xffffffff80000000n;
/** A direct-map window onto physical 0 (PML4[273], PDPT[0]), as Linux's page_offset_base. */
const DIRECT = 0xffff888000000000n;
/** The GS base the programs' gs: accesses use (a per-CPU area, as in Linux). */
const GS_BASE = DIRECT + BigInt(DATA + 0x800);

restoreJitAfterEach();

const hex = (v: bigint) => "0x" + v.toString(16);

const LOOP_TAILS = [
  ["dec rbp", "jnz .top"],
  ["sub rbp, 1", "ja .top"],
  ["lea rbp, [rbp - 1]", "test rbp, rbp", "jg .top"],
  ["cmp rbp, 1", "lea rbp, [rbp - 1]", "jne .top"],
  ["add rbp, -1", "jc .top"],
  ["dec ebp", "jnz .top"],
];

/**
 * A random 64-bit program: a loop (counter RBP) around random instructions; RSI points at DATA
 * through the direct map, R13 through the kernel window, R12 holds a small index (0-7), `scratch`
 * is a data area in the code's own page.
 */
function loopProgram(seed: number): string {
  const rnd = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const regs = ["rax", "rbx", "rcx", "rdx", "rdi", "r8", "r9", "r10", "r11"];
  const r32 = ["eax", "ebx", "ecx", "edx", "edi", "r8d", "r9d", "r10d", "r11d"];
  const r8 = ["al", "bl", "cl", "dl", "dil", "r8b", "r11b"];
  const alu = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
  const ccs = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
  const imm = (): number => pick([0, 1, -1, 0x7f, -0x80, 0x7fffffff, -0x80000000, 0x12345678, Math.floor(rnd() * 0x10000) - 0x8000]);
  const big = (): string => hex(BigInt.asUintN(64, BigInt(Math.floor(rnd() * 2 ** 32)) * 0x1_0000_0001n + BigInt(pick([0, 1, -1, 0x7fffffff]))));
  const base = (): string => pick(["rsi", "r13"]);
  const mem = (w: string): string => {
    const disp = Math.floor(rnd() * 48) * 8 + pick([0, 0, 0, 1, 3, 4]);
    return pick([`${w} [${base()} + ${disp}]`, `${w} [${base()} + r12*8 + ${disp}]`, `${w} [rel scratch + ${disp & 0x3f}]`, `${w} [gs:${disp}]`]);
  };
  const lines: string[] = [];
  regs.forEach((r) => lines.push(`mov ${r}, ${big()}`));
  lines.push(`mov rbp, ${1 + Math.floor(rnd() * 40)}`, "mov qword [rsi + 4088], 3");
  const branchy = rnd() < 0.5;
  lines.push(".top:");
  const count = 3 + Math.floor(rnd() * 14);
  for (let i = 0; i < count; i++) {
    const a = pick(regs);
    const b = pick(regs);
    const a32 = pick(r32);
    const b32 = pick(r32);
    const k = branchy ? Math.floor(rnd() * 36) : Math.floor(rnd() * 32);
    switch (k) {
      case 0: lines.push(`${pick(alu)} ${a}, ${b}`); break;
      case 1: lines.push(`${pick(alu)} ${a}, ${imm()}`); break;
      case 2: lines.push(`${pick(alu)} ${a32}, ${b32}`); break;
      case 3: lines.push(`mov ${a}, ${b}`); break;
      case 4: lines.push(pick([`mov ${a}, ${imm()}`, `mov ${a}, ${big()}`, `mov ${a32}, ${imm()}`])); break;
      case 5: lines.push(`lea ${a}, [${b} + ${pick(regs)}*${pick([1, 2, 4, 8])} + ${imm()}]`); break;
      case 6: lines.push(`lea ${a32}, [${b} + ${imm()}]`); break;
      case 7: lines.push(`${pick(["inc", "dec", "neg", "not"])} ${pick([a, a32])}`); break;
      case 8: lines.push(`${pick(["shl", "shr", "sar"])} ${pick([a, a32])}, ${pick([1, 2, 7, 31, 32, 63, 0])}`); break;
      case 9: lines.push(`test ${a}, ${b}`); break;
      case 10: lines.push(`imul ${a}, ${pick([b, mem("qword")])}`); break;
      case 11: lines.push(`imul ${a}, ${b}, ${imm()}`); break;
      case 12: lines.push(`mov ${a}, ${mem("qword")}`); break;
      case 13: lines.push(`mov ${mem("qword")}, ${a}`); break;
      case 14: lines.push(`mov ${a32}, ${mem("dword")}`); break;
      case 15: lines.push(`mov ${mem("dword")}, ${a32}`); break;
      case 16: lines.push(`${pick(alu)} ${a}, ${mem("qword")}`); break;
      case 17: lines.push(`${pick(alu)} ${mem("qword")}, ${a}`); break;
      case 18: lines.push(`${pick(alu)} ${mem("qword")}, ${imm()}`); break;
      case 19: lines.push(`${pick(alu)} ${mem("dword")}, ${imm()}`); break;
      case 20: lines.push(pick([`mov ${mem("qword")}, ${imm()}`, `mov ${mem("dword")}, ${imm()}`, `mov ${mem("byte")}, ${imm() & 0xff}`])); break;
      case 21: lines.push(`mov ${pick(r8)}, ${mem("byte")}`, `movzx ${a32}, ${pick(r8)}`); break;
      case 22: lines.push(pick([`movzx ${a}, byte ${mem("")}`, `movsxd ${a}, ${b32}`, `movsxd ${a}, ${mem("dword")}`, `movzx ${a32}, word ${mem("")}`])); break;
      case 23: lines.push(`cmov${pick(ccs)} ${a}, ${b}`, `set${pick(ccs)} ${pick(r8)}`); break;
      case 24: lines.push(`push ${a}`, `pop ${b}`); break;
      case 25: lines.push(`${pick(["adc", "sbb"])} ${a}, ${b}`, pick(["cmc", "stc", "clc"])); break;
      case 26: lines.push(`test ${mem("qword")}, ${a}`); break;
      case 27: lines.push(`${pick(["inc", "dec"])} ${mem(pick(["qword", "dword"]))}`); break;
      case 28: lines.push(`${pick(["rol", "ror", "shl", "sar"])} ${a}, cl`); break;
      case 29: lines.push(`${pick(alu)} ${pick(r8)}, ${mem("byte")}`); break;
      case 30: lines.push(`cmp ${a}, ${b}`, `set${pick(ccs)} ${pick(r8)}`); break;
      case 31: lines.push(`xor ${a32}, ${a32}`, `add ${a}, ${b}`); break;
      // Branches inside the block.
      case 32: lines.push(`${pick(alu)} ${a}, ${b}`, `j${pick(ccs)} short .s${i}`, `xor ${a}, ${imm()}`, `.s${i}:`); break;
      case 33: lines.push(`call .f${i}`, `jmp short .g${i}`, `.f${i}:`, `add ${a}, ${b}`, `ret`, `.g${i}:`); break;
      case 34: lines.push(`push rcx`, `mov ecx, ${1 + Math.floor(rnd() * 4)}`, `.in${i}:`, `${pick(alu)} ${pick(["rax", "rdx"])}, ${pick(["rbx", "rdi"])}`, `${pick(["shl", "ror"])} ${pick(["rbx", "rdi"])}, 1`, `dec rcx`, `jnz .in${i}`, `pop rcx`); break;
      case 35: lines.push(`dec qword [rsi + 4088]`, `jg .top`); break;
    }
  }
  lines.push(...pick(LOOP_TAILS));
  lines.push("hlt", "align 64", "scratch: times 128 db 0x5a");
  return `bits 64\norg ${hex(KERNEL + BigInt(CODE))}\n${lines.join("\n")}\n`;
}

/** Long mode with the two upper-half windows onto physical memory (1 GiB pages). */
function setup(src: string): Runner {
  const r = new Runner().load(CODE, assembleOnce(src));
  for (let i = 0; i < 4096; i++) r.ram[DATA + i] = (i * 37 + 11) & 0xff;
  r.long64(KERNEL + BigInt(CODE));
  const dv = new DataView(r.ram.buffer);
  const pdpt = PML4_BASE + 0x1000;
  dv.setUint32(PML4_BASE + 511 * 8, pdpt | 7, true);
  dv.setUint32(PML4_BASE + 273 * 8, pdpt | 7, true);
  dv.setUint32(pdpt + 510 * 8, 0x87, true);
  r.cpu.segBase[5] = Number(BigInt.asIntN(64, GS_BASE));
  return r.reg(4, KERNEL + 0x90000n).reg(6, DIRECT + BigInt(DATA)).reg(13, KERNEL + BigInt(DATA)).reg(12, 5);
}

/** CR2 after the last setup's run (a #PF's address; the outcome does not hold it). */
let lastCr2 = 0n;
let lastRunner: Runner | null = null;

/** Whole runs, and RIP, RAX, RBX, RFLAGS and the count after each slice. */
const harness = differential((src) => (lastRunner = setup(src)), DATA, [0, 3]);
const sliced = harness.sliced;
function runWith(compiled: boolean, src: string): ReturnType<typeof harness.runWith> {
  const o = harness.runWith(compiled, src);
  lastCr2 = lastRunner!.cpu.cr2;
  return o;
}

describe("compiled 64-bit blocks match the interpreter", () => {
  it("random loops of 64-bit, 32-bit and byte forms in the upper half", () => {
    const before = { compiled: jit.compiled, failed: jit.failed };
    for (let seed = 1; seed <= 40; seed++) {
      const src = loopProgram(seed * 104723);
      const slow = runWith(false, src);
      const fast = runWith(true, src);
      expect(slow.exit, `seed ${seed}\n${src}`).toBe(EXIT_HLT);
      expect(fast, `seed ${seed}\n${src}`).toEqual(slow);
    }
    expect(jit.compiled - before.compiled).toBeGreaterThan(40);
    expect(jit.failed).toBe(before.failed);
    expect(jit.enabled).toBe(true);
  });

  it("stops on the same instruction for every budget", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const src = loopProgram(seed * 7919);
      for (const budget of [1, 3, 7, 64]) {
        expect(sliced(true, src, budget), `seed ${seed} budget ${budget}`).toEqual(sliced(false, src, budget));
      }
    }
  });

  it("leaves a block on a fault in its middle with the state before the faulting instruction", () => {
    const forms = [
      "mov rcx, [rdi]", "mov [rdi], rcx", "add [rdi], rcx", "add rcx, [rdi]", "cmp qword [rdi], 5", "sub qword [rdi], 5",
      "mov ecx, [rdi]", "mov [rdi], ecx", "mov byte [rdi], 7", "mov qword [rdi], -7", "inc qword [rdi]", "test [rdi], rcx",
      "imul rcx, [rdi]", "movzx ecx, byte [rdi]", "mov rcx, [rdi + rbx*8 - 8]", "mov rcx, [gs:rdi]",
    ];
    const producers = ["add rax, rdi", "shr rax, 3", "sub rax, rbx"];
    for (const form of forms) {
      for (const producer of producers) {
        // RDI walks up by a page per pass until it leaves guest RAM (through the direct map): an
        // EPT violation on the access, with the flags and registers of the instructions before it.
        const walk = `bits 64\norg ${hex(KERNEL + BigInt(CODE))}\nmov rdi, ${hex(DIRECT + 0xffc000n)}\nmov rax, 0x89abcdef01234567\nmov ebx, 1\n.top:\n${producer}\n${form}\nadd rdi, 0x1000\nmov rbx, rax\nand ebx, 1\njmp .top\n`;
        const slow = runWith(false, walk);
        const fast = runWith(true, walk);
        expect(slow.exit, `${producer}; ${form}`).toBe(form.includes("gs:") ? slow.exit : EXIT_EPT_VIOLATION);
        expect(fast, `${producer}; ${form}`).toEqual(slow);
      }
    }
  });

  it("raises #GP for a non-canonical address inside a block, as the interpreter does", () => {
    // RDI steps from the top of the lower half across the hole; with no IDT, #GP ends in a triple fault.
    const src = `bits 64\norg ${hex(KERNEL + BigInt(CODE))}\nmov rdi, 0x7fffffffd000\n.top:\nadd rax, rdi\nmov rcx, [rdi + 0x10]\nadd rdi, 0x1000\njmp .top\n`;
    const slow = runWith(false, src);
    const fast = runWith(true, src);
    expect(slow.exit).toBe(EXIT_TRIPLE_FAULT);
    expect(fast).toEqual(slow);
  });

  it("writes out 32-bit and byte forms' addresses as the interpreter computes them: RIP-relative, addr32, GS, the canonical edges", () => {
    const forms = [
      "mov ecx, [X]", "mov [X], ecx", "add ecx, [X]", "add dword [X], 5", "cmp dword [X], 5", "movzx ecx, byte [X]", "mov byte [X], 7",
      "inc dword [X]", "test [X], ecx", "add byte [X], cl", "mov dword [X], 0x1234567",
    ];
    // [address, RDI on the first pass, RDI on the second]: the first pass caches the loop, the
    // second runs it compiled (eager) and may fault there.
    const places: [string, bigint, bigint][] = [
      ["rel scratch + 6", 0n, 0n], // RIP-relative, in the code's page (kernel window)
      ["edi + 8", 0x1003n, 0x1f00n], // addr32: zero-extended, the low identity map
      ["gs:rdi + 8", 0x13n, 0x2f1n], // plus the GS base (a direct-map address)
      ["rdi + 2", 0x1000n, 0x7ffffffffffcn], // straddles the top of the lower half: #GP
      ["rdi - 2", 0x1000n, 0x7ffffffffffcn], // inside it, unmapped: #PF at its address
      ["rdi - 6", 0x1000n, 0xffff800000000004n], // below the upper half's bottom: #GP
      ["rdi + rdi*8 + 4", 0x1000n, 0x0000100000000000n], // a large sum, canonical, unmapped: #PF
    ];
    for (const form of forms) {
      for (const [at, first, second] of places) {
        const src = `bits 64\norg ${hex(KERNEL + BigInt(CODE))}\nmov ebp, 2\nmov rdx, ${hex(second)}\n.top:\nmov rdi, ${hex(first)}\ncmp ebp, 1\ncmove rdi, rdx\n` +
          `mov ecx, 0x51\nadd eax, ecx\n${form.replace("X", at)}\nadd ebx, ecx\nadd eax, [rel scratch + 4]\nadd ebx, [rel scratch + 8]\ndec ebp\njnz .top\nhlt\n` +
          `align 64\nscratch: db ${Array.from({ length: 64 }, (_, i) => (i * 29 + 3) & 0xff).join(", ")}\n`;
        const slow = runWith(false, src);
        const slowCr2 = lastCr2;
        const compiled = jit.compiled;
        const fast = runWith(true, src);
        expect(jit.compiled, `${form} at ${at}: compiled`).toBeGreaterThan(compiled);
        expect(fast, `${form} at ${at} (RDI ${hex(second)})`).toEqual(slow);
        expect(lastCr2, `${form} at ${at}: CR2`).toBe(slowCr2);
      }
    }
  });

  it("computes addresses exactly where 64-bit sums wrap", () => {
    // base + index*8 wraps around 2^64 into the direct map: the same bytes as the plain address.
    const src = `bits 64\norg ${hex(KERNEL + BigInt(CODE))}\nmov rbx, ${hex(DIRECT + BigInt(DATA) + 0x10n + (1n << 63n))}\nmov rcx, 0x1000000000000000\nmov ebp, 3\n.top:\nmov rax, [rbx + rcx*8]\nadd rdx, rax\ndec ebp\njnz .top\nhlt\n`;
    const slow = runWith(false, src);
    const fast = runWith(true, src);
    expect(slow.exit).toBe(EXIT_HLT);
    expect(fast).toEqual(slow);
  });
});
