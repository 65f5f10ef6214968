/**
 * Seeded fuzzing of the CPU (issue 7, robustness): random and mutated instructions executed in every
 * CPU mode (fuzz-machine.ts: real, virtual-8086, 16- and 32-bit protected with and without paging,
 * ring 3, compatibility, 64-bit at ring 0 and 3), from random register, x87/SSE and control state
 * (CR0.TS/EM/AM, CR4, RFLAGS.TF/AC/IOPL/NT, MXCSR and FCW masks), and now and then broken system
 * state: a short IDT, a not-present or malformed gate, a bad ring-0 stack, debug breakpoints on the
 * code and stack. The CPU's contract (vtx.ts VirtualCpu.run):
 * "never throws for anything the guest does". So for every input:
 *
 * - `cpu.run()` returns; it never throws a JS error (TypeError, RangeError, ...), and one step takes
 *   milliseconds, not an unbounded loop;
 * - the instruction either executes, raises an architectural exception that is delivered through
 *   the guest's IDT/IVT (visible as RIP at that vector's stub, fuzz-machine.ts), or ends the run with
 *   a VM exit whose record is well formed (an instruction exit leaves RIP on the instruction and
 *   gives its length; an EPT violation names a guest-physical address that really lacks the access);
 * - the state afterwards is architecturally possible: RIP canonical (64-bit) or 32-bit, RFLAGS with
 *   bit 1 set and the reserved bits clear, CPL 0-3, MXCSR and the x87 words 16 bits.
 *
 * A second fuzzer runs random multi-instruction programs twice, interpreted and with the block
 * compiler (jit.ts, threshold 1), and requires the same end state (the compiler must be invisible).
 *
 * Inputs: random bytes (legacy/REX prefixes made likely), encodings of every instruction form from
 * iced-x86's opcode tables (disasm-corpus.ts templateStreams, VEX/EVEX/XOP included), and
 * instructions of the committed guests; each mutated (bit flips, byte changes, prefixes inserted or
 * dropped, splices). Placement: mostly at 0x7000, sometimes straddling a page boundary, the CS
 * limit, a not-present page, an MMIO hole or the end of RAM.
 *
 * Size: HVPLAY_FUZZ_RUNS multiplies the counts (src/testing/fuzz.ts); HVPLAY_FUZZ_SEED explores other
 * inputs. A failure prints the mode, the trial seed and the bytes; HVPLAY_FUZZ_REPLAY=mode:seed
 * (e.g. long64:0x1a2b3c4d) re-runs that one trial and prints its state before and after.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Decoded, decode, MODE_16, MODE_32, MODE_64 } from "./decode";
import { disassemble } from "./disasm";
import { guestStreams, Rng, templateStreams } from "./disasm-corpus";
import { jit } from "./jit";
import { writeDebugRegister } from "./debug-regs";
import { CODE, DATA, FUZZ_MODES, FuzzMachine, type FuzzMode, IDT, MMIO_HOLE, modeBits, RAM_BYTES, READ_ONLY_EPT, SEL_DATA32, STACK, TSS } from "./testing/fuzz-machine";
import {
  ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE, EXIT_CPUID, EXIT_CR_ACCESS, EXIT_EPT_VIOLATION, EXIT_HLT, EXIT_IO, EXIT_NONE, EXIT_PAUSE,
  EXIT_RDMSR, EXIT_TRIPLE_FAULT, EXIT_UNSUPPORTED_INSTRUCTION, EXIT_VMCALL, EXIT_WRMSR, EXIT_XSETBV, PERM_EXECUTE, PERM_READ, PERM_WRITE,
} from "./vtx";
import { Failures, FuzzRng, fuzzRuns, fuzzSeed, fuzzTimeout, hexBytes } from "../testing/fuzz";

type Bits = 16 | 32 | 64;
const DECODE_MODE: Record<Bits, number> = { 16: MODE_16, 32: MODE_32, 64: MODE_64 };

/** Exits that report an instruction which has not executed (RIP on it, its length given). */
const INSTRUCTION_EXITS = new Set([EXIT_IO, EXIT_CPUID, EXIT_HLT, EXIT_RDMSR, EXIT_WRMSR, EXIT_CR_ACCESS, EXIT_VMCALL, EXIT_PAUSE, EXIT_XSETBV, EXIT_UNSUPPORTED_INSTRUCTION]);
const ALL_EXITS = new Set([EXIT_NONE, EXIT_EPT_VIOLATION, EXIT_TRIPLE_FAULT, ...INSTRUCTION_EXITS]);
/** Vectors an instruction may raise by itself (Intel SDM Vol. 3A table 6-1); the rest only through INT n. */
const ARCH_VECTORS = new Set([0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 19]);
/** One step must not take longer than this (a generous bound on a shared machine: real steps take microseconds). */
const STEP_MS = 2000;

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

const LEGACY_PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];

/** Encodings to start from, per code size: iced's templates and instruction starts in real code. */
class Corpus {
  readonly templates: Uint8Array[];
  readonly code: Uint8Array[];
  constructor(readonly bits: Bits) {
    this.templates = templateStreams(bits, new Rng(0x7e5 + bits), 1).map((s) => s.bytes);
    // Instruction boundaries in the committed guests, found with our decoder (a linear sweep).
    const d = new Decoded();
    const code: Uint8Array[] = [];
    for (const s of guestStreams(8 * 1024, 64 * 1024)) {
      let pos = 0;
      while (pos < s.bytes.length - 16) {
        const len = decode(d, s.bytes, pos, s.bytes.length, DECODE_MODE[bits]);
        code.push(s.bytes.subarray(pos, pos + 16));
        pos += len > 0 ? len : 1;
      }
    }
    this.code = code;
  }
}

const corpora = new Map<Bits, Corpus>();
function corpus(bits: Bits): Corpus {
  let c = corpora.get(bits);
  if (!c) corpora.set(bits, (c = new Corpus(bits)));
  return c;
}

/** Random bytes where about one in six is a prefix, so prefix runs are common. */
function randomBytes(r: FuzzRng, n: number, bits: Bits): Uint8Array {
  const b = r.bytes(n);
  for (let i = 0; i < n; i++) {
    if (!r.oneIn(6)) continue;
    b[i] = bits === 64 && r.oneIn(3) ? 0x40 | r.below(16) : r.oneIn(4) ? 0x0f : r.pick(LEGACY_PREFIXES);
  }
  return b;
}

/** Apply 0-3 mutations to the first bytes of `src` (the instruction), keeping at least 16 bytes. */
function mutate(r: FuzzRng, src: Uint8Array, bits: Bits, other: () => Uint8Array): Uint8Array {
  let b = Array.from(src);
  const n = r.below(4);
  for (let k = 0; k < n; k++) {
    const at = r.below(Math.min(8, b.length));
    switch (r.below(7)) {
      case 0: b[at] ^= 1 << r.below(8); break;
      case 1: b[at] = r.byte(); break;
      case 2: b.splice(0, 0, bits === 64 && r.oneIn(3) ? 0x40 | r.below(16) : r.pick(LEGACY_PREFIXES)); break;
      case 3: b.splice(at, 1); break;
      case 4: b.splice(at, 0, b[at]); break;
      case 5: b = [...b.slice(0, at + 1), ...Array.from(other()).slice(r.below(4))]; break;
      // The ModRM-ish byte after the opcode: toggle register/memory form.
      default: if (at + 1 < b.length) b[at + 1] ^= 0xc0;
    }
  }
  while (b.length < 16) b.push(r.byte());
  return new Uint8Array(b.slice(0, 24));
}

/** One instruction's worth of bytes (16-24: the instruction and what follows it). */
function instructionBytes(r: FuzzRng, bits: Bits): Uint8Array {
  const c = corpus(bits);
  const other = () => (r.oneIn(2) ? r.pick(c.templates) : r.pick(c.code));
  switch (r.below(5)) {
    case 0: return randomBytes(r, 20, bits);
    case 1: case 2: return mutate(r, r.pick(c.templates), bits, other);
    default: return mutate(r, r.pick(c.code), bits, other);
  }
}

const BOUNDARY_VALUES = [
  0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffn, 0x800000000000n, 0xffff800000000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn,
  BigInt(RAM_BYTES - 1), BigInt(RAM_BYTES), BigInt(MMIO_HOLE), BigInt(READ_ONLY_EPT),
];

function registerValue(r: FuzzRng): bigint {
  switch (r.below(8)) {
    case 0: return 0n;
    case 1: return BigInt(r.below(0x100));
    case 2: return BigInt(DATA + r.below(RAM_BYTES - DATA));
    case 3: return BigInt(r.below(RAM_BYTES));
    case 4: return r.pick(BOUNDARY_VALUES);
    case 5: return BigInt(0xe0000 + r.below(0x20000)); // MMIO hole, read-only EPT page, special pages, end of RAM
    default: return r.u64();
  }
}

/** Everything a trial starts from, derived from its seed alone. */
interface Trial {
  mode: FuzzMode;
  seed: number;
  bytes: Uint8Array;
  codeAt: number;
  cr0Bits: number;
  cr4Bits: number;
  rflags: number;
  regs: bigint[];
  mxcsr: number;
  fpuCw: number;
  x87Full: boolean;
  fpuSe: number[];
  fpuSig: bigint[];
  xmm: Uint8Array;
  /** Broken system state now and then: the paths that fail while delivering an exception. */
  idtLimit: number;
  /** [vector, how] of an IDT/IVT entry to break: 0 not present, 1 bad type, 2 null selector, 3 data selector, 4 DPL 0. */
  brokenGate: [number, number] | null;
  /** TSS ring-0 stack pointer (ESP0/RSP0), when not the harness's. */
  stack0: number;
  /** Debug registers DR0-DR3 and DR7 (breakpoints on code, stack and data). */
  dr: number[] | null;
}

function codePlacement(r: FuzzRng, bits: Bits, mode: FuzzMode, len: number): number {
  const k = 1 + r.below(14);
  switch (r.below(25)) {
    case 0: case 1: return 0x8000 - k; // straddles into the next (present) page
    case 2: return bits === 16 ? 0x10000 - k : 0xf0000 - k; // CS limit (16-bit) / not-present page (paging)
    case 3: return bits === 16 ? 0x10000 - k : RAM_BYTES - k; // CS limit / the end of RAM
    case 4: return bits === 16 || mode === "real" ? 0x8000 - Math.min(k, len) : MMIO_HOLE - k; // into the MMIO hole
    default: return CODE;
  }
}

function makeTrial(mode: FuzzMode, seed: number, program = false): Trial {
  const r = new FuzzRng(seed);
  const bits = modeBits(mode);
  let bytes: Uint8Array;
  if (program) {
    // A few instructions of our ISA (the disassembler knows them), now and then a mutated one,
    // then usually a jump back to the start: a loop, so the compiler sees the same code again
    // within the run (blocks are compiled from cached instructions met again).
    const parts: number[] = [];
    const d = new Decoded();
    const c = corpus(bits);
    const n = 2 + r.below(7);
    for (let i = 0; i < n; i++) {
      let b = instructionBytes(r, bits);
      if (!r.oneIn(8)) {
        for (let tries = 0; tries < 8; tries++) {
          b = r.oneIn(3) ? r.pick(c.templates) : r.pick(c.code);
          if (disassemble(b, 0, bits, CODE).text !== "(bad)") break;
        }
      }
      const len = decode(d, b, 0, b.length, DECODE_MODE[bits]);
      parts.push(...b.subarray(0, len > 0 ? len : 1 + r.below(4)));
    }
    if (!r.oneIn(4) && parts.length < 120) parts.push(0xeb, (-(parts.length + 2)) & 0xff);
    while (parts.length < 160) parts.push(r.byte());
    bytes = new Uint8Array(parts);
  } else bytes = instructionBytes(r, bits);
  const codeAt = program ? CODE : codePlacement(r, bits, mode, bytes.length);
  // Control state: mostly what an OS runs with (MP, NE, OSFXSR, OSXMMEXCPT), sometimes not.
  let cr0Bits = 0x22;
  if (r.oneIn(3)) cr0Bits = [0x2, 0x4, 0x8, 0x20, 0x10000, 0x40000].filter(() => r.oneIn(2)).reduce((a, b) => a | b, 0);
  let cr4Bits = 0x600;
  if (r.oneIn(3)) cr4Bits = [0x4, 0x8, 0x80, 0x200, 0x400].filter(() => r.oneIn(2)).reduce((a, b) => a | b, 0);
  let rflags = r.u32() & 0x8d5; // CF PF AF ZF SF OF DF
  if (r.oneIn(2)) rflags |= 0x200; // IF
  if (r.oneIn(16)) rflags |= 0x100; // TF
  if (r.oneIn(3)) rflags |= r.below(4) << 12; // IOPL
  if (r.oneIn(32)) rflags |= 0x4000; // NT
  if (r.oneIn(4)) rflags |= 0x40000; // AC
  if (r.oneIn(32)) rflags |= 0x10000; // RF
  // Programs mostly point their registers into RAM, so memory operands work and the run goes on.
  const regs = Array.from({ length: 16 }, () => (program && !r.oneIn(4) ? BigInt(DATA + r.below(RAM_BYTES - DATA - 0x20000)) : registerValue(r)));
  regs[4] = r.oneIn(4) ? registerValue(r) : BigInt(STACK - r.below(0x200));
  const x87Full = r.oneIn(3);
  const near = () => r.pick([CODE, CODE + 1, CODE + 2, STACK - 8, STACK - 16, DATA + r.below(0x1000), r.u32()]);
  const idtLimit = r.oneIn(16) ? r.below(0x1000) : -1;
  const brokenGate: [number, number] | null = r.oneIn(8) ? [r.pick([6, 8, 13, 14, 1, 3, r.below(256)]), r.below(5)] : null;
  const stack0 = r.oneIn(16) ? r.pick([0, 1, 0xfff, STACK + 3, RAM_BYTES - 4, RAM_BYTES + 0x1000, r.u32()]) : -1;
  const dr = r.oneIn(10) ? [near(), near(), near(), near(), (r.u32() & 0xffff00ff) | 0x400] : null;
  return {
    mode, seed, bytes, codeAt, cr0Bits, cr4Bits, rflags, regs, idtLimit, brokenGate, stack0, dr,
    mxcsr: r.oneIn(2) ? 0x1f80 : r.u32() & 0xffbf,
    fpuCw: r.oneIn(2) ? 0x37f : (r.u32() & 0x1f3f) | 0x40,
    x87Full,
    fpuSe: Array.from({ length: 8 }, () => (r.oneIn(4) ? r.pick([0, 0x7fff, 0xffff, 0x8000, 1]) : r.u32() & 0xffff)),
    fpuSig: Array.from({ length: 8 }, () => (r.oneIn(4) ? r.pick([0n, 1n << 63n, (1n << 64n) - 1n, 1n]) : r.u64())),
    xmm: r.bytes(256),
  };
}

/** Start `t` on `m` (a fresh CPU unless `reuse`, then the same CPU with its caches and hidden state). */
function start(m: FuzzMachine, t: Trial, reuse = false): void {
  const c = m.reset(t.mode, { codeAt: t.codeAt, cr0Bits: t.cr0Bits, cr4Bits: t.cr4Bits, rflags: t.rflags }, reuse);
  m.place(t.bytes, t.codeAt);
  t.regs.forEach((v, i) => c.setRegister(i, v));
  c.mxcsr = t.mxcsr;
  c.fpuCw = t.fpuCw;
  if (t.x87Full) {
    c.fpuTw = 0;
    for (let i = 0; i < 8; i++) {
      c.fpuSe[i] = t.fpuSe[i];
      c.fpuSig[i] = t.fpuSig[i];
    }
  }
  c.xmm.set(t.xmm);
  // Broken system state (see Trial).
  const bits = modeBits(t.mode);
  const long = t.mode === "compat32" || bits === 64;
  const dv = new DataView(m.ram.buffer);
  if (t.idtLimit >= 0) c.idtrLimit = t.idtLimit;
  if (t.brokenGate) {
    const [v, how] = t.brokenGate;
    if (t.mode === "real") dv.setUint16(v * 4 + 2, 0xf000 + how, true); // another segment: RIP lands elsewhere
    else {
      const g = IDT + v * (long ? 16 : 8);
      const hi = dv.getUint32(g + 4, true);
      const lo = dv.getUint32(g, true);
      if (how === 0) dv.setUint32(g + 4, hi & ~0x8000, true);
      else if (how === 1) dv.setUint32(g + 4, (hi & ~0x1f00) | 0x0900, true);
      else if (how === 2) dv.setUint32(g, lo & 0xffff, true);
      else if (how === 3) dv.setUint32(g, (lo & 0xffff) | (SEL_DATA32 << 16), true);
      else dv.setUint32(g + 4, hi & ~0x6000, true);
    }
  }
  if (t.stack0 >= 0) {
    if (long) dv.setBigUint64(TSS + 4, BigInt(t.stack0), true);
    else dv.setUint32(TSS + 4, t.stack0, true);
  }
  if (t.dr) {
    for (let n = 0; n < 4; n++) writeDebugRegister(c, n, t.dr[n] | 0, 0);
    writeDebugRegister(c, 7, t.dr[4] | 0, 0);
  }
}

function describeTrial(t: Trial): string {
  const broken = [t.idtLimit >= 0 ? `idt limit 0x${t.idtLimit.toString(16)}` : "", t.brokenGate ? `gate ${t.brokenGate[0]} broken (${t.brokenGate[1]})` : "",
    t.stack0 >= 0 ? `stack0 0x${t.stack0.toString(16)}` : "", t.dr ? `dr0-3,7 ${t.dr.map((x) => (x >>> 0).toString(16)).join(" ")}` : ""].filter(Boolean).join(", ");
  return `mode=${t.mode} seed=0x${t.seed.toString(16)} at=0x${t.codeAt.toString(16)} bytes=[${hexBytes(t.bytes, 24)}]` + (broken ? ` broken: ${broken}` : "") +
    ` cr0+=0x${t.cr0Bits.toString(16)} cr4+=0x${t.cr4Bits.toString(16)} rflags=0x${t.rflags.toString(16)}` +
    ` regs=[${t.regs.map((v) => v.toString(16)).join(" ")}]`;
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** What is architecturally wrong with the machine's state after a run that returned `reason` (empty: nothing). */
function stateErrors(m: FuzzMachine, reason: number, budget: number, startRip: number, retiredBefore: number): string[] {
  const c = m.cpu;
  const errs: string[] = [];
  if (!ALL_EXITS.has(reason)) errs.push(`unexpected exit reason ${reason}`);
  const e = c.exit;
  if (e.reason !== reason) errs.push(`exit.reason ${e.reason} differs from the returned ${reason}`);
  if (!Number.isInteger(e.instructionLength) || e.instructionLength < 0 || e.instructionLength > 15) errs.push(`exit.instructionLength ${e.instructionLength}`);
  if (budget === 1 && INSTRUCTION_EXITS.has(reason)) {
    if (e.instructionLength < 1) errs.push(`instruction exit ${reason} without an instruction length`);
    if (c.ripNumber() !== startRip) errs.push(`instruction exit ${reason} moved RIP from 0x${startRip.toString(16)} to 0x${c.ripNumber().toString(16)}`);
  }
  if (reason === EXIT_IO && (![1, 2, 4].includes(e.size) || !Number.isInteger(e.port) || e.port < 0 || e.port > 0xffff)) errs.push(`IO exit: port ${e.port} size ${e.size}`);
  if (reason === EXIT_CR_ACCESS && (![0, 4].includes(e.cr) || e.gpr < 0 || e.gpr > 15)) errs.push(`CR-access exit: CR${e.cr} GPR ${e.gpr}`);
  if (reason === EXIT_EPT_VIOLATION) {
    const gpa = e.gpa;
    if (!Number.isSafeInteger(gpa) || gpa < 0) errs.push(`EPT violation at gpa ${gpa}`);
    else {
      const perms = m.mem.permissions(gpa);
      const need = e.access === ACCESS_READ ? PERM_READ : e.access === ACCESS_WRITE ? PERM_WRITE : e.access === ACCESS_FETCH ? PERM_EXECUTE : -1;
      if (need < 0) errs.push(`EPT violation with access ${e.access}`);
      else if (perms & need) errs.push(`EPT violation (access ${e.access}) at 0x${gpa.toString(16)}, a page that allows it (perms ${perms})`);
    }
  }
  const rip = c.ripNumber();
  if (!Number.isSafeInteger(rip)) errs.push(`RIP ${rip} is not an integer`);
  else if (c.codeMode === MODE_64) {
    if (rip < -(2 ** 47) || rip >= 2 ** 47) errs.push(`RIP 0x${rip.toString(16)} is not canonical`);
  } else if (rip < 0 || rip > 0xffffffff) errs.push(`RIP 0x${rip.toString(16)} outside 32 bits in a 16/32-bit mode`);
  const fl = c.getRflags();
  if (!Number.isInteger(fl) || (fl & 2) === 0 || (fl & 0x8028) !== 0 || fl < 0 || fl >= 0x400000) errs.push(`RFLAGS 0x${fl.toString(16)} has reserved bits wrong`);
  if (![0, 1, 2, 3].includes(c.cpl)) errs.push(`CPL ${c.cpl}`);
  if (![MODE_16, MODE_32, MODE_64].includes(c.codeMode)) errs.push(`code mode ${c.codeMode}`);
  for (let s = 0; s < 8; s++) {
    const st = c.getSegment(s);
    if (st.base < 0n || st.base >= 1n << 64n || !Number.isInteger(st.limit) || st.limit < 0 || st.limit > 0xffffffff) {
      errs.push(`segment ${s}: base 0x${st.base.toString(16)} limit ${st.limit}`);
    }
  }
  for (const [name, v] of [["MXCSR", c.mxcsr], ["FCW", c.fpuCw], ["FSW", c.fpuSw], ["FTW", c.fpuTw]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) errs.push(`${name} = ${v}`);
  }
  for (const [name, v] of [["CR0", c.cr0], ["CR4", c.cr4], ["EFER", c.efer]] as const) if (!Number.isInteger(v)) errs.push(`${name} = ${v}`);
  const retired = c.instructionsRetired - retiredBefore;
  if (!Number.isInteger(retired) || retired < 0 || retired > budget) errs.push(`${retired} instructions retired on a budget of ${budget}`);
  return errs;
}

/** A replayable failure message. */
function failure(t: Trial, what: string): string {
  return `${what}\n    ${describeTrial(t)}`;
}

interface Tally {
  trials: number;
  executed: number;
  vectors: Map<number, number>;
  exits: Map<number, number>;
  maxMs: number;
  slowest: number;
}

const inc = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);

/** Run one single-instruction trial; adds to `fails` and `tally`. */
function runStep(m: FuzzMachine, t: Trial, fails: Failures, tally: Tally): void {
  start(m, t);
  const c = m.cpu;
  const startRip = c.ripNumber();
  const t0 = performance.now();
  let reason: number;
  try {
    reason = c.run(1);
  } catch (e) {
    fails.add(failure(t, `run(1) threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`));
    return;
  }
  const ms = performance.now() - t0;
  tally.trials++;
  if (ms > tally.maxMs) {
    tally.maxMs = ms;
    tally.slowest = t.seed;
  }
  if (ms > STEP_MS) fails.add(failure(t, `one step took ${ms.toFixed(0)} ms`));
  const errs = stateErrors(m, reason, 1, startRip, 0);
  // A data access that exits (the MMIO path) reports the instruction, unexecuted: RIP on it, and
  // the bytes and length the VMM's MMIO decoder will read (as Zircon's packet carries them).
  const e = c.exit;
  if (reason === EXIT_EPT_VIOLATION && e.access !== ACCESS_FETCH && e.instructionLength > 0) {
    const len = e.instructionLength;
    const fits = t.codeAt + len <= RAM_BYTES;
    if (c.ripNumber() !== startRip) errs.push(`data EPT violation moved RIP to 0x${c.ripNumber().toString(16)}`);
    if (fits && hexBytes(e.instructionBytes.subarray(0, len)) !== hexBytes(t.bytes.subarray(0, len))) errs.push(`exit instruction bytes [${hexBytes(e.instructionBytes.subarray(0, len))}] are not the instruction's`);
    if (fits && decode(scratch, t.bytes, 0, t.bytes.length, DECODE_MODE[modeBits(t.mode)]) !== len && c.codeMode === DECODE_MODE[modeBits(t.mode)]) errs.push(`exit instruction length ${len}, decoder says ${decode(scratch, t.bytes, 0, t.bytes.length, DECODE_MODE[modeBits(t.mode)])}`);
  }
  const v = reason === EXIT_NONE ? m.vectorAt() : -1;
  // A vector no instruction raises by itself, reached other than by INT n / INT3 / INTO / INT1.
  if (v >= 0 && !ARCH_VECTORS.has(v) && !mayReachStub(t.bytes, modeBits(t.mode), v)) errs.push(`RIP on the stub of vector ${v}, which no instruction raises`);
  if (errs.length) fails.add(failure(t, errs.join("; ")));
  if (reason !== EXIT_NONE) inc(tally.exits, reason);
  else if (v >= 0) inc(tally.vectors, v);
  else tally.executed++;
}

const scratch = new Decoded();
/**
 * Whether executing `b` could legitimately leave RIP on vector `v`'s stub without raising it: INT n
 * with n = v, or a control transfer (its target is random data; it may land on a stub by chance).
 */
function mayReachStub(b: Uint8Array, bits: Bits, v: number): boolean {
  const len = decode(scratch, b, 0, b.length, DECODE_MODE[bits]);
  if (len <= 0) return false;
  const op = scratch.op;
  if (op === 0xcd) return (scratch.imm & 0xff) === v;
  const transfers = [0x9a, 0xc2, 0xc3, 0xca, 0xcb, 0xcf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe8, 0xe9, 0xea, 0xeb, 0x105, 0x107, 0x134, 0x135];
  if (transfers.includes(op) || (op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) return true;
  return op === 0xff && ((scratch.reg & 7) >= 2 && (scratch.reg & 7) <= 5);
}

function summary(mode: string, t: Tally): string {
  const vec = [...t.vectors.entries()].sort((a, b) => a[0] - b[0]).map(([k, n]) => `#${k}:${n}`).join(" ");
  const ex = [...t.exits.entries()].sort((a, b) => a[0] - b[0]).map(([k, n]) => `exit${k}:${n}`).join(" ");
  return `${mode}: ${t.trials} trials, ${t.executed} executed; vectors ${vec}; ${ex}; slowest step ${t.maxMs.toFixed(1)} ms (seed 0x${t.slowest.toString(16)})`;
}

// ---------------------------------------------------------------------------------------------
// Replay of one trial (HVPLAY_FUZZ_REPLAY=mode:seed)
// ---------------------------------------------------------------------------------------------

const REPLAY = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.HVPLAY_FUZZ_REPLAY;

describe.runIf(REPLAY)("replay one trial", () => {
  it(String(REPLAY), () => {
    const [mode, seed, kind] = String(REPLAY).split(":");
    const t = makeTrial(mode as FuzzMode, Number(seed), kind === "program");
    const m = new FuzzMachine();
    start(m, t);
    const c = m.cpu;
    console.log(`before: ${describeTrial(t)} rip=0x${c.ripNumber().toString(16)} cpl=${c.cpl}`);
    const reason = c.run(kind === "program" ? PROGRAM_BUDGET : 1);
    console.log(`after: exit ${reason} vector ${m.vectorAt()} rip=0x${c.ripNumber().toString(16)} rflags=0x${c.getRflags().toString(16)} ` +
      `regs=[${Array.from({ length: 16 }, (_, i) => c.getRegister(i).toString(16)).join(" ")}] gpa=0x${c.exit.gpa.toString(16)}`);
  });
});

// ---------------------------------------------------------------------------------------------
// The fuzzers
// ---------------------------------------------------------------------------------------------

/** Single-step trials per mode at CI size. */
const STEP_TRIALS = 800;
const PROGRAM_TRIALS = 60;
const PROGRAM_BUDGET = 200;

describe.skipIf(REPLAY)("random instructions in every CPU mode never throw and end architecturally", () => {
  const m = new FuzzMachine();
  FUZZ_MODES.forEach((mode, mi) => {
    it(mode, () => {
      const master = new FuzzRng(fuzzSeed(0xe4ec0000 + mi));
      const fails = new Failures();
      const tally: Tally = { trials: 0, executed: 0, vectors: new Map(), exits: new Map(), maxMs: 0, slowest: 0 };
      const n = fuzzRuns(STEP_TRIALS);
      for (let i = 0; i < n; i++) runStep(m, makeTrial(mode, master.fork()), fails, tally);
      console.log(summary(mode, tally));
      expect(fails.list, `${fails.count} of ${n} trials failed`).toEqual([]);
      // The fuzzer reaches the interesting outcomes (else it tests nothing): execution, #UD, #GP.
      expect(tally.executed).toBeGreaterThan(n / 10);
      expect(tally.vectors.get(6) ?? 0).toBeGreaterThan(0);
      expect(tally.vectors.get(13) ?? 0).toBeGreaterThan(0);
    }, fuzzTimeout(3000));
  });
});

/** The state two runs of the same program must agree on, as comparable text lines. */
function snapshot(m: FuzzMachine, reason: number): string[] {
  const c = m.cpu;
  const e = c.exit;
  const lines = [
    `exit ${reason} len ${e.instructionLength} gpa ${e.gpa} access ${e.access} port ${e.port} size ${e.size} input ${e.input}`,
    `rip ${c.ripNumber().toString(16)} rflags ${c.getRflags().toString(16)} retired ${c.instructionsRetired} cpl ${c.cpl} mode ${c.codeMode}`,
    `regs ${Array.from({ length: 16 }, (_, i) => c.getRegister(i).toString(16)).join(" ")}`,
    `cr0 ${c.cr0} cr2 ${c.cr2.toString(16)} cr3 ${c.cr3.toString(16)} cr4 ${c.cr4} efer ${c.efer} mxcsr ${c.mxcsr} fsw ${c.fpuSw} fcw ${c.fpuCw} ftw ${c.fpuTw}`,
    `segs ${Array.from({ length: 8 }, (_, s) => { const st = c.getSegment(s); return `${st.selector.toString(16)}/${st.base.toString(16)}/${st.limit.toString(16)}/${st.accessRights.toString(16)}`; }).join(" ")}`,
    `xmm ${hexBytes(c.xmm, 256)}`,
    `x87 ${Array.from(c.fpuSe).join(" ")} ${Array.from(c.fpuSig, (v) => v.toString(16)).join(" ")}`,
  ];
  return lines;
}

/** The first differing 4-byte word of two RAM images, or -1. */
function ramDiff(a: Uint8Array, b: Uint8Array): number {
  const x = new Int32Array(a.buffer, a.byteOffset, a.length >> 2);
  const y = new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i * 4;
  return -1;
}

describe.skipIf(REPLAY)("random programs: the block compiler agrees with the interpreter", () => {
  const saved = { enabled: jit.enabled, threshold: jit.threshold, minInlined: jit.minInlined, longMode: jit.longMode };
  afterAll(() => {
    Object.assign(jit, saved);
  });
  const interp = new FuzzMachine();
  const compiled = new FuzzMachine();
  FUZZ_MODES.forEach((mode, mi) => {
    it(mode, () => {
      const master = new FuzzRng(fuzzSeed(0x1170000 + mi));
      const fails = new Failures(10);
      const n = fuzzRuns(PROGRAM_TRIALS);
      const blocksBefore = jit.compiled;
      for (let i = 0; i < n; i++) {
        const t = makeTrial(mode, master.fork(), true);
        // Each machine runs the program twice from the same start: the first pass fills the
        // decoded-instruction cache, the second runs from it (and, with threshold 1, compiled).
        const results: string[][] = [];
        let threw = "";
        for (const [m, on] of [[interp, false], [compiled, true]] as const) {
          jit.enabled = on;
          jit.threshold = 1;
          // Every block (however many calls it holds), 64-bit code too.
          jit.minInlined = 0;
          jit.longMode = true;
          let lines: string[] = [];
          try {
            start(m, t);
            m.cpu.run(PROGRAM_BUDGET);
            start(m, t, true);
            const r = m.cpu.run(PROGRAM_BUDGET);
            lines = snapshot(m, r);
            const errs = stateErrors(m, r, PROGRAM_BUDGET * 2, NaN, 0);
            if (errs.length) fails.add(failure(t, `program (${on ? "compiled" : "interpreted"}): ${errs.join("; ")}`));
          } catch (e) {
            threw = `${on ? "compiled" : "interpreted"} run threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
          }
          results.push(lines);
        }
        jit.enabled = saved.enabled;
        if (threw) {
          fails.add(failure(t, threw));
          continue;
        }
        const diff = results[0].map((l, k) => (l === results[1][k] ? "" : `interpreted: ${l}\n      compiled:    ${results[1][k]}`)).filter(Boolean);
        const at = ramDiff(interp.ram, compiled.ram);
        if (at >= 0) diff.push(`RAM differs at 0x${at.toString(16)}`);
        if (diff.length) fails.add(failure(t, `compiled and interpreted runs differ:\n      ${diff.join("\n      ")}\n    (replay: HVPLAY_FUZZ_REPLAY=${mode}:0x${t.seed.toString(16)}:program)`));
      }
      console.log(`${mode}: ${n} programs, ${jit.compiled - blocksBefore} blocks compiled`);
      expect(fails.list, `${fails.count} of ${n} programs failed`).toEqual([]);
      expect(jit.compiled - blocksBefore).toBeGreaterThan(0);
    }, fuzzTimeout(3000));
  });
});
