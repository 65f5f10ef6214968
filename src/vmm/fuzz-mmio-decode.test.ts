/**
 * Seeded fuzzing of the VMM's MMIO instruction decoder and emulator (mmio-decode.ts; issue 7,
 * robustness). The decoder reads what a guest put in a ZX_PKT_TYPE_GUEST_MEM packet — any bytes, any
 * length byte, any default operand size — so:
 *
 * 1. decodeMmio() never throws; it returns an instruction whose fields are in range, or a readable
 *    reason (no "undefined"/"NaN").
 * 2. emulateMmio() with random registers never throws; the device sees accesses of the decoded size
 *    with values that fit it; the registers it returns are u64s, only the ones the instruction writes
 *    change, RFLAGS keeps bit 1.
 * 3. Against iced-x86 (the decoder oracle of src/x86/decode-oracle.test.ts), in 16-, 32- and 64-bit
 *    code with the packet's default operand size (2 in 16-bit code, 4 otherwise): for every memory-
 *    accessing instruction iced decodes, if it is one of the forms the VMM emulates, decodeMmio gives
 *    the same access (size, direction, register, immediate, extension); if it is anything else,
 *    decodeMmio refuses it (decoding ADD as OR would corrupt a device silently).
 *
 * Inputs: random bytes, and MMIO-family encodings with random prefixes (66, 67, segment, LOCK, REP,
 * REX, REX before a legacy prefix), ModRM/SIB/displacement and immediates. HVPLAY_FUZZ_RUNS scales
 * the counts; a failure prints the seed and the bytes.
 */
import { describe, expect, it } from "vitest";
import { Code, Decoder, DecoderError, DecoderOptions, Instruction, MemorySizeExt, OpKind, Register } from "iced-x86";
import type { GeneralRegisters } from "./api";
import { decodeMmio, emulateMmio, type MmioInstruction } from "./mmio-decode";
import { Failures, FuzzRng, fuzzRuns, fuzzSeed, fuzzTimeout, hexBytes } from "../testing/fuzz";

type Bits = 16 | 32 | 64;
const REG_NAMES = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"] as const;
const U64 = 1n << 64n;

function randomRegs(r: FuzzRng): GeneralRegisters {
  const v = () => (r.oneIn(4) ? r.pick([0n, 1n, 0xffn, 0xffffn, 0xffffffffn, U64 - 1n, 0x8000000000000000n, 0xfffcn, 0xfffffffcn]) : r.u64());
  const regs = Object.fromEntries(REG_NAMES.map((n) => [n, v()])) as unknown as GeneralRegisters;
  regs.rflags = (r.u64() & 0x3f7fd7n) | 2n;
  return regs;
}

/** What is out of range in a decoded instruction (empty: nothing). */
function instructionErrors(x: MmioInstruction): string[] {
  const errs: string[] = [];
  if (!["load", "store", "test", "or", "and", "xor"].includes(x.op)) errs.push(`op ${x.op}`);
  if (![1, 2, 4, 8].includes(x.accessSize)) errs.push(`accessSize ${x.accessSize}`);
  if (![1, 2, 4, 8].includes(x.regSize) || x.regSize < x.accessSize) errs.push(`regSize ${x.regSize} (access ${x.accessSize})`);
  if (!Number.isInteger(x.reg) || x.reg < -1 || x.reg > 15) errs.push(`reg ${x.reg}`);
  if (x.highByte && (x.accessSize !== 1 || x.reg < 0 || x.reg > 3)) errs.push(`highByte with reg ${x.reg} size ${x.accessSize}`);
  if (typeof x.imm !== "bigint" || x.imm < 0n || x.imm >= 1n << BigInt(x.accessSize * 8)) errs.push(`imm ${String(x.imm)} for ${x.accessSize} bytes`);
  if (!["none", "zero", "sign"].includes(x.extend) || (x.extend !== "none" && x.op !== "load")) errs.push(`extend ${x.extend} for ${x.op}`);
  if (x.toRegister && (x.reg < 0 || !["or", "and", "xor"].includes(x.op))) errs.push(`toRegister for ${x.op} reg ${x.reg}`);
  if (x.stringStore && (x.op !== "store" || x.reg !== 0)) errs.push(`stringStore for ${x.op} reg ${x.reg}`);
  if (![2, 4, 8].includes(x.addressSize)) errs.push(`addressSize ${x.addressSize}`);
  return errs;
}

const readable = (s: string) => s.length > 0 && !/undefined|NaN|null|\[object/.test(s);

/** Run `x` against random registers and a recording device; what is wrong (empty: nothing). */
function emulationErrors(x: MmioInstruction, r: FuzzRng): string[] {
  const regs = randomRegs(r);
  const before = { ...regs };
  const accesses: string[] = [];
  const errs: string[] = [];
  const value = r.u64();
  const bus = {
    read: (size: number): bigint => {
      accesses.push(`r${size}`);
      if (size !== x.accessSize) errs.push(`device read of ${size} bytes for a ${x.accessSize}-byte access`);
      return BigInt.asUintN(size * 8, value);
    },
    write: (size: number, v: bigint): void => {
      accesses.push(`w${size}`);
      if (size !== x.accessSize) errs.push(`device write of ${size} bytes for a ${x.accessSize}-byte access`);
      if (typeof v !== "bigint" || v < 0n || v >= 1n << BigInt(size * 8)) errs.push(`device write of ${String(v)} in ${size} bytes`);
    },
  };
  let out: GeneralRegisters | null;
  try {
    out = emulateMmio(x, regs, bus);
  } catch (e) {
    return [`emulateMmio threw ${String(e)}`];
  }
  if (JSON.stringify(before, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) !== JSON.stringify(regs, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) errs.push("emulateMmio modified its input registers");
  const want = x.op === "store" ? ["w"] : x.op === "load" || x.op === "test" || x.toRegister ? ["r"] : ["r", "w"];
  if (accesses.map((a) => a[0]).join() !== want.join()) errs.push(`device accesses ${accesses.join(",")} for ${x.op}${x.toRegister ? " to a register" : ""}`);
  if (out) {
    const may = new Set<string>();
    if (x.op === "load" || x.toRegister) may.add(REG_NAMES[x.reg]);
    if (x.op !== "load" && x.op !== "store") may.add("rflags");
    if (x.stringStore) may.add("rdi");
    for (const [k, v] of Object.entries(out)) {
      if (typeof v !== "bigint" || v < 0n || v >= U64) errs.push(`${k} = ${String(v)} is not a u64`);
      else if (!may.has(k) && v !== (regs as unknown as Record<string, bigint>)[k]) errs.push(`${k} changed (${(regs as unknown as Record<string, bigint>)[k].toString(16)} → ${v.toString(16)}) by ${x.op}`);
    }
    if ((out.rflags & 2n) === 0n) errs.push("RFLAGS bit 1 cleared");
  } else if (x.op !== "store" || x.stringStore) errs.push(`${x.op} returned no registers`);
  return errs;
}

// ---------------------------------------------------------------------------------------------
// 1-2: random bytes, lengths and operand sizes
// ---------------------------------------------------------------------------------------------

/** Bytes that often look like an MMIO instruction: prefixes, one of its opcodes, a memory ModRM. */
const MMIO_OPCODES = [0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xa0, 0xa1, 0xa2, 0xa3, 0x84, 0x85, 0xf6, 0xf7, 0x08, 0x09, 0x0a, 0x0b,
  0x20, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x80, 0x81, 0x82, 0x83, 0xaa, 0xab, 0x63];
const TWO_BYTE = [0xb6, 0xb7, 0xbe, 0xbf];
const PREFIXES = [0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf0, 0xf2, 0xf3];

function mmioLike(r: FuzzRng, bits: Bits): Uint8Array {
  const b: number[] = [];
  const np = r.below(r.oneIn(8) ? 8 : 3);
  for (let k = 0; k < np; k++) b.push(bits === 64 && r.oneIn(4) ? 0x40 | r.below(16) : r.pick(PREFIXES));
  if (bits === 64 && r.oneIn(2)) b.push(0x40 | r.below(16));
  if (r.oneIn(6)) b.push(0x0f, r.pick(TWO_BYTE));
  else b.push(r.pick(MMIO_OPCODES));
  let modrm = r.byte();
  if (!r.oneIn(8)) modrm &= 0xbf; // mostly memory forms (mod 0-2)
  if (r.oneIn(2)) modrm &= 0xc7; // /0 (MOV, TEST) often
  b.push(modrm);
  while (b.length < 15) b.push(r.oneIn(3) ? r.pick([0, 0xff, 0x80, 0x7f, 0x25, 0x05]) : r.byte());
  return new Uint8Array(b);
}

const RANDOM_INPUTS = 4000;

describe("decodeMmio and emulateMmio on random packets", () => {
  it("never throw; decoded fields in range, reasons readable; emulation touches only what it should", () => {
    const master = new FuzzRng(fuzzSeed(0x3310_0001));
    const fails = new Failures();
    const n = fuzzRuns(RANDOM_INPUTS);
    let decoded = 0;
    for (let i = 0; i < n; i++) {
      const seed = master.fork();
      const r = new FuzzRng(seed);
      const bits = r.pick([16, 32, 64] as Bits[]);
      const bytes = r.oneIn(3) ? r.bytes(r.oneIn(8) ? r.below(20) : 15) : mmioLike(r, bits);
      // inst_len is a byte in the packet, default_operand_size too: every length 1..15 of these
      // bytes (one of them is usually the instruction's), plus one that is not plausible.
      const dos = r.oneIn(10) ? r.below(256) : bits === 16 ? 2 : 4;
      const lens = [...Array.from({ length: 15 }, (_, k) => k + 1), r.pick([0, 16, 255, r.below(256)])];
      for (const len of lens) {
        const where = `seed=0x${seed.toString(16)} len=${len} dos=${dos} bytes=[${hexBytes(bytes)}]`;
        let x: MmioInstruction | string;
        try {
          x = decodeMmio(bytes, len, dos);
        } catch (e) {
          fails.add(`${where}: decodeMmio threw ${String(e)}`);
          continue;
        }
        if (typeof x === "string") {
          if (!readable(x)) fails.add(`${where}: reason "${x}"`);
          continue;
        }
        decoded++;
        if (len > bytes.length || len > 15) fails.add(`${where}: decoded ${len} bytes from a ${bytes.length}-byte buffer`);
        const errs = [...instructionErrors(x), ...emulationErrors(x, r)];
        if (errs.length) fails.add(`${where}: ${errs.join("; ")} in ${JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString(16) : v))}`);
      }
    }
    console.log(`mmio random: ${n} packets × 16 lengths, ${decoded} decoded`);
    expect(fails.list, `${fails.count} of ${n} packets failed`).toEqual([]);
    expect(decoded).toBeGreaterThan(n / 10);
  }, fuzzTimeout(2000));
});

// ---------------------------------------------------------------------------------------------
// 3: against iced-x86
// ---------------------------------------------------------------------------------------------

/** Our register number, whether it is AH..BH, and its size, for an iced general register. */
function gpr(r: Register): { reg: number; high: boolean; size: number } | null {
  if (r >= Register.AL && r <= Register.BL) return { reg: r - Register.AL, high: false, size: 1 };
  if (r >= Register.AH && r <= Register.BH) return { reg: r - Register.AH, high: true, size: 1 };
  if (r >= Register.SPL && r <= Register.R15L) return { reg: r - Register.SPL + 4, high: false, size: 1 };
  if (r >= Register.AX && r <= Register.R15W) return { reg: r - Register.AX, high: false, size: 2 };
  if (r >= Register.EAX && r <= Register.R15D) return { reg: r - Register.EAX, high: false, size: 4 };
  if (r >= Register.RAX && r <= Register.R15) return { reg: r - Register.RAX, high: false, size: 8 };
  return null;
}

/** The access iced's instruction makes, as decodeMmio should report it; null when it is not a form the VMM emulates. */
function expected(ins: Instruction): Omit<MmioInstruction, "addressSize"> | null {
  const name = Code[ins.code];
  const size = MemorySizeExt.size(ins.memorySize);
  let m = /^(Mov|Test|Or|And|Xor)_rm(8|16|32|64)_r(8|16|32|64)$/.exec(name);
  const base = { op: "load" as MmioInstruction["op"], accessSize: size, regSize: size, reg: -1, highByte: false, imm: 0n, extend: "none" as const, toRegister: false, stringStore: false };
  const op = (s: string): MmioInstruction["op"] => (s === "Mov" ? "store" : (s.toLowerCase() as MmioInstruction["op"]));
  if (m) {
    const g = gpr(ins.op1Register)!;
    return { ...base, op: op(m[1]), reg: g.reg, highByte: g.high };
  }
  m = /^(Mov|Or|And|Xor)_r(8|16|32|64)_rm(8|16|32|64)$/.exec(name);
  if (m) {
    const g = gpr(ins.op0Register)!;
    return { ...base, op: m[1] === "Mov" ? "load" : op(m[1]), reg: g.reg, highByte: g.high, toRegister: m[1] !== "Mov" };
  }
  m = /^(Mov|Test|Or|And|Xor)_rm(8|16|32|64)_imm(8|16|32)(_82|_F6r1|_F7r1)?$/.exec(name);
  if (m) return { ...base, op: op(m[1]), imm: BigInt.asUintN(size * 8, ins.immediate(1)) };
  if (/^Mov_(AL|AX|EAX|RAX)_moffs/.test(name)) return { ...base, op: "load", reg: 0 };
  if (/^Mov_moffs(8|16|32|64)_/.test(name)) return { ...base, op: "store", reg: 0 };
  m = /^(Movzx|Movsx)_r(16|32|64)_rm(8|16)$/.exec(name);
  if (m) {
    const g = gpr(ins.op0Register)!;
    return { ...base, op: "load", regSize: g.size, reg: g.reg, extend: m[1] === "Movzx" ? "zero" : "sign" };
  }
  if (name === "Movsxd_r64_rm32") return { ...base, op: "load", regSize: 8, reg: gpr(ins.op0Register)!.reg, extend: "sign" };
  if (/^Stos[bwdq]_/.test(name)) return { ...base, op: "store", reg: 0, stringStore: true };
  return null;
}

/** Refusals the decoder documents for forms it could otherwise emulate. */
function documentedRefusal(reason: string): boolean {
  return /^REP STOS|^STOS with an address-size prefix|^opcode 0x63 without REX\.W/.test(reason);
}

function hasMemoryOperand(ins: Instruction): boolean {
  for (let k = 0; k < ins.opCount; k++) {
    const kind = ins.opKind(k);
    if (kind === OpKind.Memory || kind === OpKind.MemoryESDI || kind === OpKind.MemoryESEDI || kind === OpKind.MemoryESRDI) return true;
  }
  return false;
}

const ORACLE_INPUTS = 6000;

describe("decodeMmio against iced-x86", () => {
  for (const bits of [16, 32, 64] as Bits[]) {
    it(`${bits}-bit code (default_operand_size ${bits === 16 ? 2 : 4}): the same access, and nothing else accepted`, () => {
      const master = new FuzzRng(fuzzSeed(0x3310_0100 + bits));
      const n = fuzzRuns(ORACLE_INPUTS);
      const seedsOf: number[] = [];
      const buf = new Uint8Array(n * 16);
      for (let i = 0; i < n; i++) {
        const seed = master.fork();
        seedsOf.push(seed);
        const r = new FuzzRng(seed);
        buf.set(r.oneIn(5) ? r.bytes(15) : mmioLike(r, bits), i * 16);
      }
      const dec = new Decoder(bits, buf, DecoderOptions.None);
      const ins = new Instruction();
      const fails = new Failures();
      const dos = bits === 16 ? 2 : 4;
      const counts = { forms: 0, other: 0 };
      try {
        for (let i = 0; i < n; i++) {
          dec.position = i * 16;
          dec.decodeOut(ins);
          if (ins.isInvalid || dec.lastError !== DecoderError.None || !hasMemoryOperand(ins)) continue;
          const bytes = buf.slice(i * 16, i * 16 + 15);
          const where = `${bits}-bit seed=0x${seedsOf[i].toString(16)} bytes=[${hexBytes(bytes.subarray(0, ins.length))}] ${ins.toString()} (${Code[ins.code]})`;
          const want = expected(ins);
          const got = decodeMmio(bytes, ins.length, dos);
          if (!want) {
            counts.other++;
            if (typeof got !== "string") fails.add(`${where}: not an MMIO form, but decoded as ${JSON.stringify(got, (_k, v) => (typeof v === "bigint" ? v.toString(16) : v))}`);
            continue;
          }
          counts.forms++;
          if (typeof got === "string") {
            if (!documentedRefusal(got)) fails.add(`${where}: refused: ${got}`);
            continue;
          }
          const diffs = (Object.keys(want) as (keyof typeof want)[]).filter((k) => want[k] !== got[k]).map((k) => `${k} ${String(got[k])} vs ${String(want[k])}`);
          if (diffs.length) fails.add(`${where}: ${diffs.join("; ")}`);
        }
      } finally {
        dec.free();
        ins.free();
      }
      console.log(`mmio vs iced ${bits}-bit: ${counts.forms} MMIO forms, ${counts.other} other memory instructions`);
      expect(fails.list, `${fails.count} failed`).toEqual([]);
      expect(counts.forms).toBeGreaterThan(n / 4);
    }, fuzzTimeout(2000));
  }
});

// ---------------------------------------------------------------------------------------------
// Regressions the fuzzers found (fixed in mmio-decode.ts)
// ---------------------------------------------------------------------------------------------

describe("decodeMmio: cases the fuzzers found", () => {
  const dec = (b: number[], dos: number) => decodeMmio(new Uint8Array(b), b.length, dos);

  it("16-bit code addresses with 16 bits, and with 32 after 0x67 (it had them the other way round)", () => {
    // mov [bx+0x1234], ax — ModRM mod 2 with a 16-bit displacement.
    expect(dec([0x89, 0x87, 0x34, 0x12], 2)).toMatchObject({ op: "store", accessSize: 2, reg: 0 });
    // mov word [0x1234], 0x5678 — mod 0 rm 6 is disp16, then the immediate.
    expect(dec([0xc7, 0x06, 0x34, 0x12, 0x78, 0x56], 2)).toMatchObject({ op: "store", imm: 0x5678n });
    // a32 mov eax, [ebx+0x10000] in 16-bit code: 67 66 8B 83 disp32.
    expect(dec([0x67, 0x66, 0x8b, 0x83, 0, 0, 1, 0], 2)).toMatchObject({ op: "load", accessSize: 4, reg: 0 });
  });

  it("32-bit code with 0x67 addresses with 16 bits: the instruction length tells it from 64-bit code's 32", () => {
    // a16 mov dword [0x1234], 0x12345678 in 32-bit code: 67 C7 06 disp16 imm32.
    expect(dec([0x67, 0xc7, 0x06, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12], 4)).toMatchObject({ op: "store", accessSize: 4, imm: 0x12345678n });
    // a32 mov dword [esi], 0x12345678 in 64-bit code: 67 C7 06 imm32.
    expect(dec([0x67, 0xc7, 0x06, 0x78, 0x56, 0x34, 0x12], 4)).toMatchObject({ op: "store", accessSize: 4, imm: 0x12345678n });
  });

  it("a REX prefix followed by a legacy prefix is ignored, as the CPU ignores it", () => {
    // 48 66 89 00: REX.W is not next to the opcode, so this is mov [rax], ax.
    expect(dec([0x48, 0x66, 0x89, 0x00], 4)).toMatchObject({ op: "store", accessSize: 2 });
  });

  it("STOS moves only DI in 16-bit addressing, and EDI zero-extended in 32-bit addressing", () => {
    const regs = { rax: 0n, rcx: 0n, rdx: 0n, rbx: 0n, rsp: 0n, rbp: 0n, rsi: 0n, rdi: 0x1234fffen, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, rflags: 2n };
    const bus = { read: () => 0n, write: () => {} };
    const stosw16 = dec([0xab], 2) as MmioInstruction;
    expect(emulateMmio(stosw16, regs, bus)!.rdi).toBe(0x12340000n);
    const stosd64a32 = dec([0x67, 0x48, 0xab], 4) as MmioInstruction; // a32 stosq in 64-bit code
    expect(emulateMmio(stosd64a32, { ...regs, rdi: 0xfffffffcn }, bus)!.rdi).toBe(4n);
  });
});
