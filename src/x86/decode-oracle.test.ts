/**
 * iced-x86 as the decoder oracle (issue 3): the same byte streams go through decode.ts and iced's
 * decoder in 16-, 32- and 64-bit mode (streams: disasm-corpus.ts).
 *
 * - Every instruction iced decodes as valid and that belongs to our ISA (disasm-corpus.ts inIsa):
 *   same length, and the same operands read off `Decoded` the way the executor reads them: registers
 *   (ModRM.reg, ModRM.rm, opcode low bits; 8-bit registers by their byte offset, so AH..BH versus
 *   SPL..DIL is checked), memory (base, index, scale, displacement, RIP-relative target, address
 *   size, segment override), immediates, branch targets, far pointers, operand size.
 * - Everything else (iced: invalid, or AVX/VEX/EVEX/XOP/3DNow!/SSE4 and other extensions we do not
 *   implement): decode.ts must not throw, and executing it must raise #UD (Intel SDM Vol. 2 §2.4:
 *   "an opcode not supported ... generates #UD"), or #GP when it is longer than 15 bytes (§2.3.11).
 * - The 15-byte limit itself, at its edges.
 */
import { describe, expect, it } from "vitest";
import { Code, CodeExt, DecoderError, Formatter, FormatterSyntax, Instruction, OpCodeInfo, OpCodeOperandKind as K, OpKind, Register } from "iced-x86";
import { Decoded, decode, DECODE_NEED_MORE, DECODE_TOO_LONG, MODE_16, MODE_32, MODE_64 } from "./decode";
import { execute } from "./exec-main";
import { FAULT_EXC, FAULT_EXIT } from "./machine";
import { Runner } from "./testing/runner";
import { EXIT_UNSUPPORTED_INSTRUCTION, EXIT_VMCALL } from "./vtx";
import { guestStreams, HINT_CODES, inIsa, randomStream, Rng, singleStepStreams, Stream, templateStreams, walk } from "./disasm-corpus";

type Bits = 16 | 32 | 64;
const MODE: Record<Bits, number> = { 16: MODE_16, 32: MODE_32, 64: MODE_64 };
const UD = 6;
const GP = 13;

/** Our register classes and numbers, from iced's Register enum (see iced_x86.d.ts Register). */
function regOf(r: Register): { cls: string; num: number; size: number } {
  const n = Register[r];
  if (r >= Register.AL && r <= Register.BH) {
    const i = r - Register.AL;
    return { cls: "r8", num: i, size: 1 }; // AL CL DL BL AH CH DH BH: encodings 0..7 without REX
  }
  if (r >= Register.SPL && r <= Register.R15L) return { cls: "r8x", num: r - Register.SPL + 4, size: 1 };
  if (r >= Register.AX && r <= Register.R15W) return { cls: "gpr", num: r - Register.AX, size: 2 };
  if (r >= Register.EAX && r <= Register.R15D) return { cls: "gpr", num: r - Register.EAX, size: 4 };
  if (r >= Register.RAX && r <= Register.R15) return { cls: "gpr", num: r - Register.RAX, size: 8 };
  if (r >= Register.ES && r <= Register.GS) return { cls: "seg", num: r - Register.ES, size: 2 };
  if (r >= Register.XMM0 && r <= Register.XMM15) return { cls: "xmm", num: r - Register.XMM0, size: 16 };
  if (r >= Register.MM0 && r <= Register.MM7) return { cls: "mm", num: r - Register.MM0, size: 8 };
  if (r >= Register.CR0 && r <= Register.CR15) return { cls: "cr", num: r - Register.CR0, size: 0 };
  if (r >= Register.DR0 && r <= Register.DR15) return { cls: "dr", num: r - Register.DR0, size: 0 };
  if (r >= Register.ST0 && r <= Register.ST7) return { cls: "st", num: r - Register.ST0, size: 10 };
  return { cls: n ?? "?", num: -1, size: 0 };
}

/** Byte offset into the register file of an 8-bit register, as Decoded.regByte/rmByte hold it. */
function byteOffset(r: Register): number {
  const g = regOf(r);
  if (g.cls === "r8") return g.num < 4 ? g.num * 8 : (g.num - 4) * 8 + 1;
  return g.num * 8;
}

const opCodeCache = new Map<number, OpCodeInfo>();
function opCodeOf(code: Code): OpCodeInfo {
  let oc = opCodeCache.get(code);
  if (!oc) {
    oc = CodeExt.opCode(code);
    opCodeCache.set(code, oc);
  }
  return oc;
}

const hex = (b: Uint8Array, pos: number, n: number) => Array.from(b.subarray(pos, pos + n), (x) => x.toString(16).padStart(2, "0")).join(" ");

/** Compare our decode of the instruction at `pos` with iced's. Returns the differences (empty when equal). */
function compare(d: Decoded, ins: Instruction, bits: Bits, ip: bigint): string[] {
  const errs: string[] = [];
  const oc = opCodeOf(ins.code);
  const len = ins.length;
  if (d.len !== len) return [`length ${d.len} vs iced ${len}`];
  const asz = d.asz;
  const mask = (v: bigint, bytes: number) => BigInt.asUintN(bytes * 8, v);
  // Operand size, as the executor resolves it: 64-bit mode default-64 (PUSH, near branches...) and forced-64 forms.
  if (oc.operandSize !== 0) {
    let osz = d.osz;
    if (bits === 64 && (oc.forceOpSize64 || oc.intelForceOpSize64)) osz = 8;
    else if (bits === 64 && oc.defaultOpSize64 && osz === 4) osz = 8;
    // REX.W is ignored where no 64-bit form exists: IN/OUT/INS/OUTS (at most 32 bits, Intel SDM Vol. 2
    // IN/OUT) and the x87 environment images (14/28 bytes, Vol. 1 §8.1.10); the executor reads osz 8 as 32.
    if (osz === 8 && oc.operandSize === 32 && /^(In|Out|Ins[bwd]|Outs[bwd]|Fnstenv|Fldenv|Fnsave|Frstor|Fstenv|Fsave)_/.test(Code[ins.code])) osz = 4;
    if (osz * 8 !== oc.operandSize) errs.push(`operand size ${osz * 8} vs ${oc.operandSize}`);
  }
  if (oc.addressSize !== 0 && asz * 8 !== oc.addressSize) errs.push(`address size ${asz * 8} vs ${oc.addressSize}`);
  // Segment override (in 64-bit mode ES/CS/SS/DS overrides have no effect, Intel SDM Vol. 1 §3.3.7.1, but are still decoded).
  const segPrefix = ins.segmentPrefix === Register.None ? -1 : ins.segmentPrefix - Register.ES;
  if (ins.opCount > 0 && hasMemory(ins)) {
    if (d.seg !== segPrefix) errs.push(`segment override ${d.seg} vs ${segPrefix}`);
    const effSeg = ins.memorySegment - Register.ES;
    const oursEff = d.seg >= 0 ? d.seg : d.defSeg;
    if (bits !== 64 && ins.opKind(0) !== OpKind.MemoryESDI && ins.opKind(0) !== OpKind.MemoryESEDI && hasModrmMemory(ins) && oursEff !== effSeg) {
      errs.push(`effective segment ${oursEff} vs ${effSeg}`);
    }
  }
  for (let i = 0; i < ins.opCount; i++) {
    const kind = ins.opKind(i);
    const ock = oc.opKind(i);
    const what = `op${i}`;
    switch (kind) {
      case OpKind.Register: {
        const r = ins.opRegister(i);
        const g = regOf(r);
        const name = K[ock];
        let field: "reg" | "rm" | undefined;
        if (name.endsWith("_reg")) field = "reg";
        else if (name.endsWith("_rm") || name.endsWith("_or_mem") || name.endsWith("_opcode")) field = "rm";
        if (!field) break; // implicit (AL, CL, DX, ST0, ES...): fixed by the opcode
        if (field === "rm" && d.hasModrm && d.mod !== 3) errs.push(`${what}: register operand but mod=${d.mod}`);
        if (g.size === 1) {
          const ours = field === "reg" ? d.regByte : d.rmByte;
          if (ours !== byteOffset(r)) errs.push(`${what}: byte register offset ${ours} vs ${Register[r]} (${byteOffset(r)})`);
        } else {
          let ours = field === "reg" ? d.reg : d.rm;
          // MMX registers, segment registers and ST(i) take 3 bits; REX.R/B do not extend them.
          if (g.cls === "mm" || g.cls === "seg" || g.cls === "st") ours &= 7;
          if (ours !== g.num) errs.push(`${what}: ${field} ${ours} vs ${Register[r]}`);
        }
        break;
      }
      case OpKind.Memory: {
        if (ock === K.seg_rBX_al) {
          // XLAT: implicit [rBX + AL]; only its address size is encoded.
          if (regOf(ins.memoryBase).size !== asz) errs.push(`${what}: XLAT address size ${asz} vs ${Register[ins.memoryBase]}`);
          break;
        }
        if (ock === K.mem_offs) {
          const v = asz === 8 ? (BigInt(d.immHi >>> 0) << 32n) | BigInt(d.disp >>> 0) : BigInt(d.disp >>> 0);
          if (v !== ins.memoryDisplacementU64) errs.push(`${what}: moffs ${v.toString(16)} vs ${ins.memoryDisplacementU64.toString(16)}`);
          if (ins.memoryDisplSize !== asz) errs.push(`${what}: moffs size ${asz} vs ${ins.memoryDisplSize}`);
          break;
        }
        const base = ins.memoryBase;
        const index = ins.memoryIndex;
        if (base === Register.RIP || base === Register.EIP) {
          if (!d.ripRel || d.base !== -1 || d.index !== -1) errs.push(`${what}: RIP-relative expected (ripRel=${d.ripRel} base=${d.base})`);
          const bytes = base === Register.RIP ? 8 : 4;
          if (asz !== bytes) errs.push(`${what}: RIP-relative address size ${asz} vs ${bytes}`);
          const target = mask(ip + BigInt(len) + BigInt(d.disp), bytes);
          if (target !== ins.memoryDisplacementU64) errs.push(`${what}: RIP target ${target.toString(16)} vs ${ins.memoryDisplacementU64.toString(16)}`);
          break;
        }
        if (d.ripRel) errs.push(`${what}: unexpected RIP-relative`);
        if (base === Register.None) {
          if (d.base !== -1) errs.push(`${what}: base ${d.base} vs none`);
        } else {
          const g = regOf(base);
          if (d.base !== g.num || asz !== g.size) errs.push(`${what}: base ${d.base}/${asz} vs ${Register[base]}`);
        }
        if (index === Register.None) {
          if (d.index !== -1) errs.push(`${what}: index ${d.index} vs none`);
        } else {
          const g = regOf(index);
          if (d.index !== g.num || asz !== g.size) errs.push(`${what}: index ${d.index}/${asz} vs ${Register[index]}`);
          if (1 << d.scale !== ins.memoryIndexScale) errs.push(`${what}: scale ${1 << d.scale} vs ${ins.memoryIndexScale}`);
        }
        if (base === Register.None && index === Register.None && ins.memoryDisplSize !== asz) {
          errs.push(`${what}: absolute address size ${asz} vs ${ins.memoryDisplSize}`);
        }
        const disp = mask(BigInt(d.disp), asz);
        if (disp !== mask(ins.memoryDisplacementU64, asz)) errs.push(`${what}: displacement ${disp.toString(16)} vs ${ins.memoryDisplacementU64.toString(16)}`);
        break;
      }
      case OpKind.MemorySegSI: case OpKind.MemoryESDI: case OpKind.MemorySegDI:
        if (asz !== 2) errs.push(`${what}: string address size ${asz} vs 2`);
        break;
      case OpKind.MemorySegESI: case OpKind.MemoryESEDI: case OpKind.MemorySegEDI:
        if (asz !== 4) errs.push(`${what}: string address size ${asz} vs 4`);
        break;
      case OpKind.MemorySegRSI: case OpKind.MemoryESRDI: case OpKind.MemorySegRDI:
        if (asz !== 8) errs.push(`${what}: string address size ${asz} vs 8`);
        break;
      case OpKind.Immediate8:
        if (ock === K.imm8_const_1) break; // D0-D3 "shift by 1": no immediate byte
        if ((d.imm & 0xff) !== ins.immediate8) errs.push(`${what}: imm8 ${d.imm & 0xff} vs ${ins.immediate8}`);
        break;
      case OpKind.Immediate8_2nd:
        if (d.imm2 !== ins.immediate8_2nd) errs.push(`${what}: second imm8 ${d.imm2} vs ${ins.immediate8_2nd}`);
        break;
      case OpKind.Immediate16:
        if ((d.imm & 0xffff) !== ins.immediate16) errs.push(`${what}: imm16 ${d.imm & 0xffff} vs ${ins.immediate16}`);
        break;
      case OpKind.Immediate32:
        if (d.imm >>> 0 !== ins.immediate32) errs.push(`${what}: imm32 ${d.imm >>> 0} vs ${ins.immediate32}`);
        break;
      case OpKind.Immediate64: {
        const v = (BigInt(d.immHi >>> 0) << 32n) | BigInt(d.imm >>> 0);
        if (v !== ins.immediate64) errs.push(`${what}: imm64 ${v.toString(16)} vs ${ins.immediate64.toString(16)}`);
        break;
      }
      case OpKind.Immediate8to16: case OpKind.Immediate8to32: case OpKind.Immediate8to64: case OpKind.Immediate32to64: {
        // Sign-extended immediates: Decoded.imm holds them sign-extended to 32 bits.
        const v = BigInt.asIntN(32, ins.immediate(i));
        if (BigInt(d.imm) !== v) errs.push(`${what}: sign-extended imm ${d.imm} vs ${v}`);
        break;
      }
      case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64: {
        const bytes = kind === OpKind.NearBranch16 ? 2 : kind === OpKind.NearBranch32 ? 4 : 8;
        const target = mask(ip + BigInt(len) + BigInt(d.imm), bytes);
        const want = kind === OpKind.NearBranch16 ? BigInt(ins.nearBranch16) : kind === OpKind.NearBranch32 ? BigInt(ins.nearBranch32) : ins.nearBranch64;
        if (target !== want) errs.push(`${what}: branch target ${target.toString(16)} vs ${want.toString(16)}`);
        break;
      }
      case OpKind.FarBranch16: case OpKind.FarBranch32: {
        const off = kind === OpKind.FarBranch16 ? ins.farBranch16 : ins.farBranch32;
        if ((kind === OpKind.FarBranch16 ? d.imm & 0xffff : d.imm >>> 0) !== off || d.imm2 !== ins.farBranchSelector) {
          errs.push(`${what}: far pointer ${d.imm2.toString(16)}:${(d.imm >>> 0).toString(16)} vs ${ins.farBranchSelector.toString(16)}:${off.toString(16)}`);
        }
        break;
      }
    }
  }
  return errs;
}

function hasMemory(ins: Instruction): boolean {
  for (let i = 0; i < ins.opCount; i++) {
    const k = ins.opKind(i);
    if (k === OpKind.Memory || (k >= OpKind.MemorySegSI && k <= OpKind.MemoryESRDI)) return true;
  }
  return false;
}

function hasModrmMemory(ins: Instruction): boolean {
  for (let i = 0; i < ins.opCount; i++) if (ins.opKind(i) === OpKind.Memory) return true;
  return false;
}

/**
 * A machine in each mode, CPL 0, with x87 and SSE enabled (CR0.EM = 0, CR0.MP = 1, CR4.OSFXSR), to
 * execute one instruction directly (exec-main.ts `execute`) and see which fault it records.
 */
class Executor {
  readonly r = new Runner();
  readonly d = new Decoded();
  constructor(readonly bits: Bits) {}
  /** The fault recorded executing `bytes` (-1: none; 256 + exit reason for an exit). */
  run(bytes: Uint8Array): number {
    const r = this.r;
    if (this.bits === 16) r.real(0, 0x7000);
    else if (this.bits === 32) r.flat32(0x7000);
    else r.long64(0x7000);
    const c = r.cpu;
    c.cr0 = (c.cr0 | 0x22) & ~0xc;
    c.cr4 = c.cr4 | 0x600;
    for (let i = 0; i < 16; i++) c.setRegister(i, 0n);
    c.setRegister(4, 0x8000n);
    const len = decode(this.d, bytes, 0, bytes.length, MODE[this.bits]);
    if (len === DECODE_TOO_LONG) return GP;
    if (len < 0) return -2;
    c.fault = 0;
    c.nextRip = 0x7000 + len;
    execute(c, this.d);
    const f = c.fault;
    c.fault = 0;
    if (f === FAULT_EXC) return c.faultVector;
    if (f === FAULT_EXIT) return 256 + c.exit.reason;
    return -1;
  }
}

/**
 * Instructions outside our ISA that the executor rightly does not #UD, with the architectural reason
 * (`d` is our decode of it):
 * - the hint/reserved-NOP space 0F 0D and 0F 18..0F 1F (Intel SDM Vol. 2 Table A-3 note: reserved
 *   NOPs; PREFETCHW/PREFETCHIT/CLDEMOTE/ENDBR/RDSSP and the like are NOPs where not supported);
 * - VMX instructions: in VMX non-root operation they cause a VM exit (Vol. 3C §26.1.2), which is
 *   what the executor reports (EXIT_VMCALL / EXIT_UNSUPPORTED_INSTRUCTION);
 * - WBNOINVD (F3 0F 09) executes as WBINVD where not supported (Vol. 2B WBNOINVD), and CLFLUSHOPT
 *   (66 0F AE /7) as CLFLUSH with an ignored 66 on CPUs without it.
 */
function executorMayNotUd(ins: Instruction, d: Decoded, fault: number): boolean {
  if (d.op === 0x10d || (d.op >= 0x118 && d.op <= 0x11f)) return fault === -1;
  if (fault === 256 + EXIT_VMCALL || fault === 256 + EXIT_UNSUPPORTED_INSTRUCTION) return /^(Vm|Invept|Invvpid)/.test(Code[ins.code]);
  if (ins.code === Code.Wbnoinvd || ins.code === Code.Clflushopt_m8) return fault === -1 || fault >= 256;
  return false;
}

/**
 * Known executor gaps, written up in /tmp/bugs/disasm.md for the owners of exec-*.ts: encodings that
 * do not exist on our CPU (iced: invalid, or another vendor's extension) but execute instead of
 * raising #UD. Matched on our decode so that anything new still fails; remove an entry when its
 * fix lands.
 */
const KNOWN_EXECUTOR_GAPS: { why: string; match: (d: Decoded) => boolean }[] = [];

interface ModeResult {
  compared: number;
  outside: number;
  invalid: number;
  mismatches: string[];
  udFailures: string[];
}

function runMode(bits: Bits, streams: Stream[]): ModeResult {
  const fmt = new Formatter(FormatterSyntax.Nasm);
  const d = new Decoded();
  const ex = new Executor(bits);
  const res: ModeResult = { compared: 0, outside: 0, invalid: 0, mismatches: [], udFailures: [] };
  const seenUd = new Set<string>();
  try {
    walk(bits, streams, (ins, s, pos, ip, err) => {
      const end = s.bytes.length;
      let len: number;
      try {
        len = decode(d, s.bytes, pos, end, MODE[bits]);
      } catch (e) {
        res.mismatches.push(`${s.name}+${pos}: decode threw ${String(e)} on ${hex(s.bytes, pos, 15)}`);
        return;
      }
      if (err === DecoderError.NoMoreBytes) return; // truncated at the end of the stream
      const valid = !ins.isInvalid;
      // The hint NOPs (prefetches, ENDBR...) are outside the ISA but executed (as NOPs): their
      // length and operands must be right as well.
      if (valid && (inIsa(ins) || HINT_CODES.has(ins.code))) {
        res.compared++;
        const errs = len < 0 ? [`decode returned ${len}`] : compare(d, ins, bits, ip);
        if (errs.length && res.mismatches.length < 40) res.mismatches.push(`${bits}-bit ${hex(s.bytes, pos, ins.length)} (${fmt.format(ins)}, ${Code[ins.code]}): ${errs.join("; ")}`);
        if (inIsa(ins)) return;
      }
      if (valid && !HINT_CODES.has(ins.code)) res.outside++;
      else if (!valid) res.invalid++;
      // Not ours (or not valid at all): executing it must raise #UD (or #GP when longer than 15 bytes).
      // Padded with zeros: a truncated stream's opcode is what decides #UD, not the bytes after it.
      const bytes = new Uint8Array(15);
      bytes.set(s.bytes.subarray(pos, Math.min(end, pos + 15)));
      const fault = ex.run(bytes);
      const tooLong = !valid && len === DECODE_TOO_LONG;
      if (fault === UD || (tooLong && fault === GP)) return;
      const ed = ex.d;
      if (valid && executorMayNotUd(ins, ed, fault)) return;
      if (KNOWN_EXECUTOR_GAPS.some((g) => g.match(ed))) return;
      const key = `${ed.op.toString(16)} ${ed.p66 ? 66 : ""}${ed.rep ? ed.rep.toString(16) : ""} ${ed.mod === 3 ? "r" : "m"}/${ed.reg & 7}`;
      if (seenUd.has(key) || res.udFailures.length >= 60) return;
      seenUd.add(key);
      res.udFailures.push(`${bits}-bit ${hex(bytes, 0, Math.max(1, ins.length))} ${valid ? fmt.format(ins) + " " + key : "(iced: invalid)"}: fault ${fault}`);
    });
  } finally {
    fmt.free();
  }
  return res;
}

function streamsFor(bits: Bits): Stream[] {
  const rng = new Rng(0x1ced + bits);
  const real = bits === 16 ? singleStepStreams() : guestStreams();
  return [...templateStreams(bits, rng, 3), randomStream(rng, 96 * 1024), ...real];
}

describe("decode.ts against iced-x86", () => {
  for (const bits of [16, 32, 64] as Bits[]) {
    it(`${bits}-bit: same lengths and operands; the rest raises #UD`, () => {
      const r = runMode(bits, streamsFor(bits));
      console.log(`decode oracle ${bits}-bit: ${r.compared} in-ISA instructions compared, ${r.outside} outside the ISA and ${r.invalid} invalid checked for #UD`);
      expect(r.mismatches).toEqual([]);
      expect(r.udFailures).toEqual([]);
      expect(r.compared).toBeGreaterThan(20000);
    });
  }

  it("enforces the 15-byte limit (Intel SDM Vol. 2 §2.3.11)", () => {
    const d = new Decoded();
    const fmt = new Formatter(FormatterSyntax.Nasm);
    const cases: [Bits, number[]][] = [];
    // n prefixes then NOP, in each mode, around the limit.
    for (const bits of [16, 32, 64] as Bits[]) for (let n = 12; n <= 16; n++) cases.push([bits, [...Array(n).fill(0x66), 0x90]]);
    // A long form: prefixes + ADD dword [disp32 + index*4], imm32 (7 + 4 bytes without prefixes in 32-bit mode).
    for (let n = 1; n <= 6; n++) cases.push([32, [...Array(n).fill(0x3e), 0x81, 0x04, 0x85, 1, 2, 3, 4, 5, 6, 7, 8]]);
    // 64-bit: REX.W MOV r64, imm64 (10 bytes) behind prefixes.
    for (let n = 3; n <= 7; n++) cases.push([64, [...Array(n).fill(0x2e), 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8]]);
    for (const [bits, b] of cases) {
      const bytes = new Uint8Array([...b, 0, 0, 0, 0]);
      let iced = 0;
      walk(bits, [{ name: "limit", bytes, single: true }], (ins) => {
        iced = ins.isInvalid ? -1 : ins.length;
      });
      const ours = decode(d, bytes, 0, bytes.length, MODE[bits]);
      const want = b.length > 15 ? DECODE_TOO_LONG : b.length;
      expect(ours, `${bits}-bit ${hex(bytes, 0, b.length)}`).toBe(want);
      expect(iced, `iced ${bits}-bit ${hex(bytes, 0, b.length)}`).toBe(b.length > 15 ? -1 : b.length);
      // Truncated input asks for more rather than guessing.
      if (b.length <= 15) expect(decode(d, bytes, 0, b.length - 1, MODE[bits])).toBe(DECODE_NEED_MORE);
    }
    fmt.free();
  });

  it("keeps an FS/GS override that a later ES/CS/SS/DS override cannot cancel in 64-bit mode", () => {
    // Intel SDM Vol. 1 §3.3.7.1: in 64-bit mode the ES/CS/SS/DS prefixes are ignored; iced agrees.
    const d = new Decoded();
    const bytes = new Uint8Array([0x64, 0x36, 0x8b, 0x00]); // fs ss mov eax, [rax]
    expect(decode(d, bytes, 0, 4, MODE_64)).toBe(4);
    expect(d.seg).toBe(4);
    expect(decode(d, bytes, 0, 4, MODE_32)).toBe(4);
    expect(d.seg).toBe(2); // outside 64-bit mode the last override wins
    expect(decode(d, new Uint8Array([0x36, 0x65, 0x8b, 0x00]), 0, 4, MODE_64)).toBe(4);
    expect(d.seg).toBe(5);
  });

  it("delivers #GP(0) for an over-long instruction through the CPU", () => {
    // 15 prefixes + NOP = 16 bytes in real mode: the CPU delivers #GP (vector 13) through the IVT.
    const r = new Runner();
    r.real(0, 0x7000);
    r.load(0x7000, [...Array(15).fill(0x26), 0x90]);
    // IVT[13] → 0000:0x9000, where a HLT stops the run.
    r.w32(13 * 4, 0x9000);
    r.load(0x9000, [0xf4]);
    r.cpu.setRegister(4, 0x6000n);
    r.run(10);
    expect(r.rip()).toBe(0x9000);
  });
});
