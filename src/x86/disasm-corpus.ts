/**
 * Test-only: the instruction streams that decode-oracle.test.ts and disasm.test.ts feed to both our
 * decoder and iced-x86 (the oracle), and iced's view of which instructions belong to our ISA.
 *
 * Node only (imports iced-x86, a dev dependency, and reads files); nothing outside tests imports it.
 *
 * Streams, per mode (16/32/64):
 * - templates: for every legacy-encoded iced `Code` available in the mode, a few encodings built
 *   from its OpCodeInfo (prefixes for its operand/address size, mandatory prefix, random REX, the
 *   opcode, a ModRM with its /digit, random SIB/displacement/immediate bytes), so every instruction
 *   form of the ISA is met, not only the common ones; likewise VEX, EVEX, XOP and 3DNow! encodings
 *   (outside our ISA: the executor must raise #UD for them);
 * - random bytes, with legacy prefixes made more likely (prefix handling is where decoders differ);
 * - real code: the compiled guests in public/guests (GCC output, x87 and SSE tests) for 32/64-bit, and
 *   the instruction bytes of the SingleStepTests 80286 slice for 16-bit.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Code, CodeExt, CpuidFeature, Decoder, DecoderError, DecoderOptions, EncodingKind, MandatoryPrefix, OpCodeOperandKind, OpCodeTableKind, Instruction } from "iced-x86";
import { listFiles, loadSuite, loadTests } from "./testing/singlestep";

/** A deterministic PRNG (xorshift32), so every run sees the same streams. */
export class Rng {
  constructor(private s: number) {}
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  byte(): number {
    return this.u32() & 0xff;
  }
  below(n: number): number {
    return this.u32() % n;
  }
}

/** One place to decode: `bytes[pos..]`, the first instruction only when `single`. */
export interface Stream {
  name: string;
  bytes: Uint8Array;
  /** Only the instruction at offset 0 is meant (a template); the rest is random padding. */
  single: boolean;
}

/**
 * The ISA our CPU implements, as iced's CPUID feature names: general-purpose integer (8086 to 486,
 * x86-64, CMOV, CMPXCHG8B/16B, MOVBE, POPCNT, LZCNT), system (CPUID, MSR, TSC, RDTSCP, RDPMC,
 * SYSENTER, SYSCALL, SMAP's STAC/CLAC, CLFLUSH, PAUSE, multi-byte NOP), x87, FXSAVE, MMX, SSE, SSE2,
 * SSE3, SSSE3. An instruction belongs when all its features are here (FISTTP is FPU+SSE3). TZCNT is
 * BMI1 in iced's list but the only BMI1 instruction we execute (Intel SDM Vol. 2B TZCNT), so it is
 * admitted by Code below.
 */
export const ISA_FEATURES: ReadonlySet<number> = new Set([
  CpuidFeature.INTEL8086, CpuidFeature.INTEL186, CpuidFeature.INTEL286, CpuidFeature.INTEL386, CpuidFeature.INTEL486,
  CpuidFeature.X64, CpuidFeature.CMOV, CpuidFeature.CX8, CpuidFeature.CMPXCHG16B, CpuidFeature.MOVBE,
  CpuidFeature.POPCNT, CpuidFeature.LZCNT, CpuidFeature.CPUID, CpuidFeature.MSR, CpuidFeature.TSC,
  CpuidFeature.RDTSCP, CpuidFeature.RDPMC, CpuidFeature.SEP, CpuidFeature.SYSCALL, CpuidFeature.SMAP,
  CpuidFeature.CLFSH, CpuidFeature.PAUSE, CpuidFeature.MULTIBYTENOP, CpuidFeature.FPU, CpuidFeature.FPU287,
  CpuidFeature.FPU387, CpuidFeature.FXSR, CpuidFeature.MMX, CpuidFeature.SSE, CpuidFeature.SSE2,
  CpuidFeature.SSE3, CpuidFeature.SSSE3,
]);
const ISA_CODES: ReadonlySet<number> = new Set([Code.Tzcnt_r16_rm16, Code.Tzcnt_r32_rm32, Code.Tzcnt_r64_rm64]);

/**
 * Outside the ISA but executed as NOPs (the hint space 0F 0D and 0F 18-1F, Intel SDM Vol. 2 Table A-3)
 * or as WBINVD (WBNOINVD): the disassembler names them as iced does, so their text is compared too.
 */
export const HINT_CODES: ReadonlySet<number> = new Set([
  Code.Prefetch_m8, Code.Prefetchw_m8, Code.Prefetchwt1_m8, Code.Prefetchreserved3_m8, Code.Prefetchreserved4_m8,
  Code.Prefetchreserved5_m8, Code.Prefetchreserved6_m8, Code.Prefetchreserved7_m8, Code.Prefetchit0_m8, Code.Prefetchit1_m8,
  Code.Cldemote_m8, Code.Endbr32, Code.Endbr64, Code.Rdsspd_r32, Code.Rdsspq_r64, Code.Wbnoinvd,
]);

const isaCache = new Map<number, boolean>();
/** Is this (valid) iced instruction part of the ISA we implement? */
export function inIsa(ins: Instruction): boolean {
  const code = ins.code;
  let v = isaCache.get(code);
  if (v === undefined) {
    v = ISA_CODES.has(code) || Array.from(ins.cpuidFeatures()).every((f) => ISA_FEATURES.has(f));
    isaCache.set(code, v);
  }
  return v;
}

const CODE_COUNT = Object.keys(Code).filter((k) => !Number.isNaN(Number(k))).length;

/** Encodings built from iced's opcode tables: every legacy Code `perCode` times, plus VEX/EVEX/XOP/3DNow!. */
export function templateStreams(bitness: 16 | 32 | 64, rng: Rng, perCode: number): Stream[] {
  const out: Stream[] = [];
  for (let code = 1; code < CODE_COUNT; code++) {
    const oc = CodeExt.opCode(code);
    try {
      if (!oc.isInstruction || oc.decoderOption !== 0 || !oc.isAvailableInMode(bitness)) continue;
      const enc = oc.encoding;
      const reps = enc === EncodingKind.Legacy ? perCode : 1;
      for (let k = 0; k < reps; k++) {
        const b: number[] = [];
        // Legacy prefixes now and then, before the ones the form needs.
        if (rng.below(6) === 0) b.push([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf0, 0x66, 0x67, 0xf2, 0xf3][rng.below(11)]);
        if (oc.operandSize === 16 && bitness !== 16) b.push(0x66);
        if (oc.operandSize === 32 && bitness === 16) b.push(0x66);
        if (oc.addressSize === 16 && bitness === 32) b.push(0x67);
        if (oc.addressSize === 32 && bitness !== 32) b.push(0x67);
        const mp = oc.mandatoryPrefix;
        const pp = mp === MandatoryPrefix.P66 ? 1 : mp === MandatoryPrefix.PF3 ? 2 : mp === MandatoryPrefix.PF2 ? 3 : 0;
        const table = oc.table;
        let opc = oc.opCode;
        let m = rng.byte();
        if (oc.isGroup) m = (m & 0xc7) | (oc.groupIndex << 3);
        if (oc.isRmGroup) m = 0xc0 | (m & 0x38) | oc.rmGroupIndex;
        if (enc === EncodingKind.Legacy) {
          if (pp) b.push([0, 0x66, 0xf3, 0xf2][pp]);
          if (bitness === 64 && (rng.below(2) === 0 || oc.operandSize === 64)) {
            let rex = 0x40 | (rng.byte() & 0xf);
            if (oc.operandSize === 64) rex |= 8;
            else if (oc.operandSize !== 0) rex &= ~8;
            b.push(rex);
          }
          if (table === OpCodeTableKind.T0F) b.push(0x0f);
          else if (table === OpCodeTableKind.T0F38) b.push(0x0f, 0x38);
          else if (table === OpCodeTableKind.T0F3A) b.push(0x0f, 0x3a);
          if (oc.opCodeLength === 2) {
            b.push(opc >> 8);
            opc &= 0xff;
          }
          const regInOpcode = /opcode/.test(OpCodeOperandKind[oc.op0Kind] ?? "") || /opcode/.test(OpCodeOperandKind[oc.op1Kind] ?? "");
          b.push(opc | (regInOpcode ? rng.below(8) : 0));
          b.push(m);
        } else if (enc === EncodingKind.VEX || enc === EncodingKind.XOP) {
          const mmmmm = enc === EncodingKind.XOP ? table - OpCodeTableKind.MAP8 + 8 : table === OpCodeTableKind.T0F ? 1 : table === OpCodeTableKind.T0F38 ? 2 : 3;
          // Outside 64-bit mode R̄ and X̄ must be 1, or C4/C5/8F is LES/LDS/POP (Intel SDM Vol. 2 §2.3.5).
          const rxb = bitness === 64 ? rng.below(8) : 6 | rng.below(2);
          const vvvv = bitness === 64 ? rng.below(16) : 8 | rng.below(8);
          const w = oc.W === 1 ? 1 : oc.isWIG ? rng.below(2) : 0;
          b.push(enc === EncodingKind.XOP ? 0x8f : 0xc4, (rxb << 5) | mmmmm, (w << 7) | (vvvv << 3) | (oc.L << 2) | pp);
          b.push(opc, m);
        } else if (enc === EncodingKind.EVEX) {
          const mmm = table === OpCodeTableKind.T0F ? 1 : table === OpCodeTableKind.T0F38 ? 2 : table === OpCodeTableKind.T0F3A ? 3 : table === OpCodeTableKind.MAP5 ? 5 : 6;
          const rxb = bitness === 64 ? rng.below(16) : 0xe | rng.below(2);
          const w = oc.W === 1 ? 1 : oc.isWIG ? rng.below(2) : 0;
          const p2 = (rng.byte() & 0x8f) | (oc.L << 5) | (bitness === 64 ? rng.below(2) << 3 : 8);
          b.push(0x62, (rxb << 4) | mmm, (w << 7) | ((bitness === 64 ? rng.below(16) : 8 | rng.below(8)) << 3) | 4 | pp, p2);
          b.push(opc, m);
        } else if (enc === EncodingKind.D3NOW) {
          // 3DNow!: 0F 0F ModRM [SIB/disp] imm8-opcode; keep the ModRM a register so the suffix is next.
          b.push(0x0f, 0x0f, 0xc0 | (m & 0x3f), opc);
        } else continue;
        for (let i = 0; i < 12; i++) b.push(rng.byte());
        out.push({ name: `template ${Code[code]}`, bytes: new Uint8Array(b), single: true });
      }
    } finally {
      oc.free();
    }
  }
  return out;
}

/** Random bytes; about one byte in eight is a legacy or REX prefix, so prefix runs are common. */
export function randomStream(rng: Rng, size: number): Stream {
  const bytes = new Uint8Array(size);
  const prefixes = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x0f, 0x48, 0x41, 0x4c];
  for (let i = 0; i < size; i++) bytes[i] = rng.below(8) === 0 ? prefixes[rng.below(prefixes.length)] : rng.byte();
  return { name: "random", bytes, single: false };
}

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * The committed guest binaries (GCC output, NASM test kernels), swept linearly; headers and data
 * decode as junk, which is fine too. The C guests come first; at most `perFile` bytes of each and
 * `total` bytes in all, so the test's time stays bounded as guests are added.
 */
export function guestStreams(perFile = 16 * 1024, total = 128 * 1024): Stream[] {
  const dir = resolve(here, "../../public/guests");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".elf"))
    .sort((a, b) => Number(b.startsWith("c-")) - Number(a.startsWith("c-")) || a.localeCompare(b));
  const out: Stream[] = [];
  let left = total;
  for (const f of files) {
    if (left <= 0) break;
    const all = readFileSync(join(dir, f));
    const bytes = new Uint8Array(all.subarray(0, Math.min(all.length, perFile, left)));
    left -= bytes.length;
    out.push({ name: `guest ${f}`, bytes, single: false });
  }
  return out;
}

/** Instruction bytes of the committed SingleStepTests 80286 slice (real-mode code from a real CPU's tests). */
export function singleStepStreams(): Stream[] {
  const suite = loadSuite(join(here, "testdata/singlestep-80286"));
  if (!suite) return [];
  const out: Stream[] = [];
  for (const f of listFiles(suite)) {
    for (const t of loadTests(suite, f)) out.push({ name: `singlestep ${f} #${t.idx}`, bytes: new Uint8Array(t.bytes), single: true });
  }
  return out;
}

/** Where each mode's streams are placed (the IP of byte 0): high enough that branch targets wrap and sign-extend. */
export const STREAM_IP: Record<16 | 32 | 64, bigint> = { 16: 0xff00n, 32: 0xfffff000n, 64: 0xffff_ffff_ffff_f000n };

/**
 * Walk `streams` with iced in `bitness`, calling `visit` for each instruction (valid or not) with the
 * stream, the offset, the IP of the instruction and iced's decoder error (NoMoreBytes: truncated). iced objects are freed here.
 */
export function walk(bitness: 16 | 32 | 64, streams: Stream[], visit: (ins: Instruction, s: Stream, pos: number, ip: bigint, err: DecoderError) => void): void {
  const ins = new Instruction();
  try {
    for (const s of streams) {
      const dec = new Decoder(bitness, s.bytes, DecoderOptions.None);
      try {
        let pos = 0;
        while (pos < s.bytes.length) {
          const ip = BigInt.asUintN(bitness, STREAM_IP[bitness] + BigInt(pos));
          dec.position = pos;
          dec.ip = ip;
          dec.decodeOut(ins);
          visit(ins, s, pos, ip, dec.lastError);
          if (s.single) break;
          pos += Math.max(1, ins.length);
        }
      } finally {
        dec.free();
      }
    }
  } finally {
    ins.free();
  }
}
