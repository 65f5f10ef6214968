/**
 * The block compiler (issue 6): hot code becomes one JavaScript function.
 *
 * A block starts at a cached instruction the run loop keeps looking up (a branch target: the
 * chains of cpu.ts runFast already cover fall-through) and takes the cached instructions that
 * follow it in the same code page: past conditional branches (their not-taken path), up to and
 * including the first other control transfer, or up to the first instruction it may not hold (see
 * `blockRole`). Branches to instructions of the block (labels) stay inside the function: the code
 * is a `switch` on the label in a loop, so a loop nest runs in one call, and a label's own back
 * edge is a loop of its own inside the switch. The hot forms are written
 * out (fast.ts INLINE_FORMS: ALU, MOV, LEA, INC/DEC, shifts, IMUL, Jcc/JMP, loads and stores with
 * the software-TLB hit inline) with the same results, faults and flags as their executors; every
 * other instruction calls its executor (Decoded.fn) at a fixed call site. Registers the block
 * touches live in locals; flags stay in locals and are stored only before something can read them
 * (a fused Jcc tests the locals directly).
 *
 * Memory accesses are written for the common case, the checks of the rare one kept behind it: a
 * flat segment (the sR/sW locals, worked out at the block's entry and after each executor it calls)
 * needs only the 4 GiB end check; outside 64-bit mode the software TLB is matched on its int32 tags
 * (Machine.rTag32/wTag32); a dword goes through the page's DataView, aligned or not; a dword
 * read-modify-write reads and writes through its one write-TLB hit. A loop that walks memory by
 * fixed strides also gets a copy with no page checks at all, run for as many passes as one check at
 * its top proves safe (STRIDED).
 *
 * Exactness (the interpreter's behaviour, instruction for instruction):
 * - the budget is taken a segment at a time (see blockSource) and a segment runs only when the
 *   budget covers it, so a run ends on the same instruction as under the interpreter; a block runs
 *   only while `attention` is 0 (no single-step, host or DR breakpoints pending, no interrupt
 *   window), like runFast;
 * - after every instruction that may fault, a fault leaves the block with the instructions
 *   before it retired and RIP on it (`c.jitIndex` says which; cpu.ts delivers it as runFast does);
 * - after every instruction that may touch memory, the block is left at the next boundary if
 *   `attention` was set (a data breakpoint) or any cached instruction was dropped by a write
 *   (`codeWrites`: code that writes its own page, perhaps this very block's bytes);
 * - a block is valid while every instruction in it is (Decoded.epoch); cpu.ts checks that once
 *   per run, and again only when some write dropped cached instructions since.
 *
 * The generated source is built only from numbers this file computes (RIPs, counts, indexes);
 * guest bytes and decoded operands reach the function as values (the `D` and `F` arrays), never
 * as text. A Content-Security-Policy without 'unsafe-eval' makes `new Function` throw: the
 * compiler then turns itself off and the interpreter runs everything.
 */
import type { Decoded } from "./decode";
import { MODE_16, MODE_64 } from "./decode";
import { INLINE_FORMS, REGISTER_ONLY } from "./fast";
import { PARITY, TLB_MASK } from "./machine";
import { alu as arithAlu } from "./arith";
import type { Machine } from "./machine";

/** A compiled block: called as `fn(cpu, left)`, returns the budget left (see the file comment). */
export type BlockFn = (c: Machine, left: number) => number;

export class JitBlock {
  constructor(
    /** RIP of the first instruction (the block runs only from there). */
    readonly rip: number,
    /** Instructions of its first segment (see blockSource): a call needs at least this much budget. */
    readonly n: number,
    /** The highest CS offset it runs or jumps to unchecked (outside 64-bit mode: the block needs CS.limit ≥ this). */
    readonly limitNeeded: number,
    /** The cached instructions it was compiled from, in order. */
    readonly entries: readonly Decoded[],
    /** RIP of each instruction (where a fault leaves RIP). */
    readonly rips: readonly number[],
    /** Page offset of each instruction. */
    readonly offsets: readonly number[],
    readonly fn: BlockFn,
  ) {}
  /** Machine.runEpoch in which every entry was last known valid, and Machine.codeWrites then. */
  epoch = -1;
  writes = -1;
  /**
   * Calls left that get a budget of one pass (`n`) whatever the run loop has: see WARM_CALLS.
   * Counted down by cpu.ts.
   */
  warm = WARM_CALLS;
  /** Calls left, after the warm ones, whose budget is at most jit.shortPasses passes (see SHORT_CALLS). */
  short = SHORT_CALLS;
}

/**
 * A new block's first calls run one pass each and leave through the exit a spent budget takes
 * (`left < n`), so that V8 has seen that exit, and the arithmetic in it, before it optimises the
 * function. Otherwise the first call of a loop block runs its whole slice in one go, V8 optimises
 * the loop mid-call (on-stack replacement) without feedback for the way out, and the optimised code
 * is thrown away ("insufficient type feedback") when the slice ends, then rebuilt: three times on
 * the bench's smc loop in Chromium, ~0.2 s of a 0.4 s run. V8 collects feedback only once a
 * function has its feedback vector (lazy feedback allocation, after some calls and some bytecode
 * run), hence many more calls than that: with 16, Node's V8 still threw the smc loop's optimised
 * code away twice for want of feedback on that exit (node --trace-deopt); with 32, not at all
 * before the loop's last pass. The budget is the run loop's to divide: a block given less stops
 * sooner, and the loop calls it again.
 */
export const WARM_CALLS = 32;

/**
 * After its warm calls, a loop block's next calls still run a few passes each (jit.shortPasses),
 * so that V8 switches to the code it optimises for the block at a call. Given the run loop's whole
 * budget, a call keeps running the loop after V8 decided to optimise the function, and V8 compiles
 * it a second time, for on-stack replacement into the running loop; the two compiles queue on one
 * background thread. On the bench's smc loop (node --trace-opt) each took ~35 ms, and the OSR code
 * came ~35 ms after the other, in a run of ~150 ms; in Chromium, Maglev and TurboFan each compiled
 * it twice. The short calls have to last longer than a compile at the slower tiers' speed: 4,000
 * calls of 16 passes are 640,000 instructions of smc's 10-instruction loop, ~90 ms in Sparkplug's
 * code. With 16 passes a call, V8 made no OSR compile of it in Node or Chromium (--trace-opt);
 * with 64, Node still did in one run out of three.
 */
export const SHORT_CALLS = 4000;

/** Marks an entry for which no block could be built (never matches a RIP). */
export const NO_BLOCK = new JitBlock(NaN, Infinity, 0, [], [], [], () => 0);

/**
 * The environment's choice, in Node (the CLI, the bench, the test suites): HVPLAY_JIT=off runs
 * the interpreter alone, HVPLAY_JIT=eager compiles every block at its first lookup (how
 * `npm run test:jit` holds every suite to both paths); HVPLAY_JIT_THRESHOLD=N sets the lookups
 * before a block is compiled and HVPLAY_JIT_SHORT=N the passes of a short call (for measuring);
 * HVPLAY_JIT_DUMP=1 prints each block's JavaScript to stderr as it is compiled (for reading what
 * V8 is given). Absent in the browser.
 */
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const envMode = env?.HVPLAY_JIT;
const envDump = env?.HVPLAY_JIT_DUMP !== undefined && env.HVPLAY_JIT_DUMP !== "" && env.HVPLAY_JIT_DUMP !== "0";

/** Tuning and switches (tests compile eagerly, or not at all, to hold both paths to the same results). */
export const jit = {
  enabled: envMode !== "off",
  /** Lookups of an entry before a block is compiled at it. */
  threshold: envMode === "eager" ? 1 : Number(env?.HVPLAY_JIT_THRESHOLD ?? 64),
  /**
   * Every lookup of an instruction counts toward `threshold` (eager tests). Otherwise one does not
   * when the instruction before it fell through to it (the run loop found it because the chain of
   * cached instructions broke there: at the first pass, or at an entry not yet revalidated in this
   * run), nor at the first instruction of a run whose previous one ended on its budget (wherever
   * that stopped). What counts is where control arrives: branch targets, returns, the instruction
   * after a VM exit. Before, the bench's smc loop, run in slices that stop in its middle, compiled
   * a block at every one of its instructions (each then ran once per slice, the run-up from where
   * the slice began to the loop's head).
   */
  everyLookup: envMode === "eager",
  /** Passes a loop block's short calls run at most (SHORT_CALLS). */
  shortPasses: Math.max(1, Math.floor(Number(env?.HVPLAY_JIT_SHORT ?? 16)) || 16),
  /** Longest block, in instructions. */
  maxInstructions: 128,
  /** Blocks compiled since start (for the bench and tests). */
  compiled: 0,
  /**
   * Compile 64-bit code too. Off: the forms written out are 32-bit ones, so a 64-bit block is
   * mostly calls, slower than the interpreter (a Linux boot ran 30 % slower with it); tests turn it on.
   */
  longMode: envMode === "eager",
  /**
   * The share of a block's instructions that must be written out (not calls) for it to be
   * compiled: a block of mostly calls is no faster than the interpreter. Eager tests take all.
   */
  minInlined: envMode === "eager" ? 0 : 0.5,
  /** Give self-loops that walk memory a copy without per-access checks (STRIDED); HVPLAY_JIT_STRIDED=off turns it off, to compare. */
  strided: env?.HVPLAY_JIT_STRIDED !== "off",
  /** Blocks the compiler could not build (a bug: see generate); they are interpreted. */
  failed: 0,
};

/** 0: not in a block; 1: an instruction that continues to the next; 2: a control transfer that ends the block. */
export function blockRole(d: Decoded): 0 | 1 | 2 {
  const op = d.op;
  if (op < 0x100) {
    if (op < 0x40) return (op & 7) < 6 || op === 0x27 || op === 0x2f || op === 0x37 || op === 0x3f ? 1 : 0;
    if (op < 0x64) return 1; // INC/DEC, PUSH/POP reg, PUSHA/POPA, BOUND, ARPL/MOVSXD
    if (op >= 0x68 && op <= 0x6b) return 1;
    if (op >= 0x70 && op <= 0x7f) return 2;
    if (op >= 0x80 && op <= 0x8d) return 1; // ALU, TEST, XCHG, MOV, MOV from Sreg, LEA
    if (op === 0x8f) return 1;
    if (op >= 0x90 && op <= 0x99) return 1;
    if (op === 0x9c || op === 0x9e || op === 0x9f) return 1; // PUSHF, SAHF, LAHF
    if (op >= 0xa0 && op <= 0xaf) return (op >= 0xa8 && op <= 0xa9) || op <= 0xa3 || d.rep === 0 ? 1 : 0;
    if (op >= 0xb0 && op <= 0xc1) return 1;
    if (op === 0xc2 || op === 0xc3) return 2;
    if (op >= 0xc6 && op <= 0xc9) return 1; // MOV imm, ENTER, LEAVE
    if (op >= 0xd0 && op <= 0xd7) return 1; // shifts, AAM, AAD, SALC, XLAT
    if (op >= 0xe0 && op <= 0xe3) return 2; // LOOPcc, JrCXZ
    if (op === 0xe8 || op === 0xe9 || op === 0xeb) return 2;
    if (op === 0xf5 || (op >= 0xf8 && op <= 0xf9) || op === 0xfc || op === 0xfd) return 1;
    if (op === 0xf6 || op === 0xf7 || op === 0xfe) return 1;
    if (op === 0xff) {
      const sub = d.reg & 7;
      if (sub === 2 || sub === 4) return 2; // CALL / JMP near indirect
      return sub === 3 || sub === 5 ? 0 : 1;
    }
    return 0;
  }
  if (op < 0x200) {
    const b = op & 0xff;
    if (b >= 0x40 && b <= 0x4f) return 1; // CMOVcc
    if (b >= 0x80 && b <= 0x8f) return 2; // Jcc rel16/32
    if (b >= 0x90 && b <= 0x9f) return 1; // SETcc
    switch (b) {
      case 0x1f: case 0xa3: case 0xa4: case 0xa5: case 0xab: case 0xac: case 0xad: case 0xaf:
      case 0xb0: case 0xb1: case 0xb3: case 0xb6: case 0xb7: case 0xba: case 0xbb: case 0xbc:
      case 0xbd: case 0xbe: case 0xbf: case 0xc0: case 0xc1:
        return 1;
    }
    if (b >= 0xc8 && b <= 0xcf) return 1; // BSWAP
  }
  return 0;
}

/** RIP after an instruction of `len` bytes at `rip`, or NaN where it would wrap (the block stops before). */
function ripAfter(rip: number, len: number, mode: number): number {
  const n = rip + len;
  if (mode === MODE_64) return n;
  if (mode === MODE_16) return n > 0x10000 ? NaN : n & 0xffff;
  return n > 0x100000000 ? NaN : n === 0x100000000 ? 0 : n;
}

/**
 * Build the block starting at `first` (cached at page offset `offset`, RIP `rip`), taking the
 * following entries from `entries` (the code page's cache) while `valid(entry, offset)` says they
 * hold the page's bytes in this run (cpu.ts revalidates an entry not yet used in the run: a block
 * compiled at the first instruction after a VM exit would otherwise stop there, since every other
 * entry is still unchecked). NO_BLOCK when fewer than two instructions qualify (nothing to gain)
 * or the compiler is unavailable.
 */
export function compileBlock(first: Decoded, offset: number, rip: number, entries: readonly (Decoded | undefined)[], valid: (d: Decoded, offset: number) => boolean): JitBlock {
  const mode = first.mode;
  if (mode === MODE_64 && !jit.longMode) return NO_BLOCK;
  const list: Decoded[] = [];
  const rips: number[] = [];
  const offsets: number[] = [];
  let o = offset;
  let r = rip;
  let d: Decoded | undefined = first;
  let ends = false;
  while (d !== undefined && d.mode === mode && list.length < jit.maxInstructions && valid(d, o)) {
    const role = blockRole(d);
    if (role === 0) break;
    const next = ripAfter(r, d.len, mode);
    if (Number.isNaN(next)) break;
    list.push(d);
    rips.push(r);
    offsets.push(o);
    // A conditional branch written out continues the block on its not-taken path; any other
    // control transfer ends it.
    if (role === 2 && (d.fn !== INLINE_FORMS.jcc || Emitter.target(d, next, mode) === null)) {
      ends = true;
      break;
    }
    o += d.len;
    r = next;
    if (o >= 4096) break;
    d = entries[o];
  }
  const n = list.length;
  if (n < 2 && !(n === 1 && (ends || list[0].fn === INLINE_FORMS.jcc))) return NO_BLOCK;
  const built = generate(list, rips, mode, ends);
  if (built === null) return NO_BLOCK;
  jit.compiled++;
  return new JitBlock(rip, built.entry, built.limitNeeded, list, rips, offsets, built.fn);
}

/**
 * Flags an inline instruction produced and the block has not stored yet (the lazy-flag fields of
 * Machine, see setLazy/setLogic/setLazyKeepCf and fast.ts shiftBy32): its operands live in the
 * locals fa, fb, fr (and fc, the CF an INC/DEC keeps). Stored before anything that may read them
 * (a called executor, a fault, an exit, the next pass); dropped unstored when the next
 * instruction replaces every one of them, which is what makes compiled flags cheap.
 */
type Pending = "add" | "sub" | "logic" | "inc" | "dec" | "shl" | "shr" | "sar" | "mul" | "loop" | null;

const ARITH = 0x8d5;

/**
 * CF = OF of a pending IMUL (fr = Math.imul(fa, fb)): the signed product did not fit in 32 bits.
 * Exactly when the double product differs from the low half: a product that fits is exact, one
 * that does not lies outside int32 even once rounded. Worked out only where the flags are read
 * (an exit, a condition, an INC's kept CF), never by the IMUL itself: computed there on a value
 * that varies (a hash, a random generator), the branch it makes was mispredicted half the time,
 * and bench-smc's loop ran a third slower for flags the next ADD replaces.
 */
export const MUL_CARRY = "fa * fb !== fr";

/** Source that stores the pending flags into the machine. */
function flushSource(p: Pending, count: number): string {
  switch (p) {
    case "add": case "sub":
      return `c.lzOp = ${p === "add" ? 0 : 2}; c.lzSize = 4; c.lzA = fa; c.lzB = fb; c.lzR = fr; c.lazyMask = ${ARITH};`;
    case "logic":
      return `c.lzOp = 4; c.lzSize = 4; c.lzR = fr; c.lzRHi = 0; c.lazyMask = ${ARITH};`;
    case "inc": case "dec":
      return `c.flags = (c.flags & ~1) | fc; c.lzOp = ${p === "inc" ? 0 : 2}; c.lzSize = 4; c.lzA = fa; c.lzB = 1; c.lzR = fr; c.lzCin = 0; c.lazyMask = ${ARITH & ~1};`;
    case "mul":
      // arith.ts mulFlags: CF = OF = the product did not fit (MUL_CARRY), SF ZF PF from the low half, AF = 0.
      return `c.lazyMask = 0; c.flags = (c.flags & ~${ARITH}) | (${MUL_CARRY} ? 0x801 : 0) | PARITY[fr & 0xff] | (fr === 0 ? 0x40 : 0) | (fr < 0 ? 0x80 : 0);`;
    case "shl": case "shr": case "sar": {
      // fast.ts shiftBy32: CF = the last bit shifted out, OF (count 1), SF ZF PF from the result, AF = 0.
      const cf = p === "shr" ? `((fa >>> ${count - 1}) & 1)` : p === "sar" ? `((fa >> ${count - 1}) & 1)` : `((fa >>> ${32 - count}) & 1)`;
      const of = p === "shr" ? (count === 1 ? ` | (fa < 0 ? 0x800 : 0)` : "") : p === "sar" ? "" : ` | ((((fr >>> 31) ^ ${cf}) !== 0) ? 0x800 : 0)`;
      return `c.lazyMask = 0; c.flags = (c.flags & ~${ARITH}) | ${cf}${of} | PARITY[fr & 0xff] | (fr === 0 ? 0x40 : 0) | (fr < 0 ? 0x80 : 0);`;
    }
    default:
      return "";
  }
}

/** A JS expression for condition code `cc` (Jcc/SETcc low nibble) from pending flags, or null. */
function fusedCondition(cc: number, p: Pending): string | null {
  let e: string | null = null;
  const base = cc >> 1;
  if (p === null || p === "loop") return null;
  if (base === 2) e = "fr === 0";
  else if (base === 4) e = "fr < 0";
  else if (p === "sub") {
    if (base === 0) e = "((fa ^ fb) & (fa ^ fr)) < 0";
    else if (base === 1) e = "(fa >>> 0) < (fb >>> 0)";
    else if (base === 3) e = "(fa >>> 0) <= (fb >>> 0)";
    else if (base === 6) e = "fa < fb";
    else if (base === 7) e = "fa <= fb";
  } else if (p === "logic") {
    if (base === 0 || base === 1) e = "false";
    else if (base === 3) e = "fr === 0";
    else if (base === 6) e = "fr < 0";
    else if (base === 7) e = "fr <= 0";
  } else if (p === "add") {
    if (base === 0) e = "((fa ^ fr) & (fb ^ fr)) < 0";
    else if (base === 1) e = "(fr >>> 0) < (fa >>> 0)";
  } else if (p === "mul") {
    if (base === 0 || base === 1) e = MUL_CARRY;
  } else if (p === "inc" || p === "dec") {
    if (base === 0) e = p === "inc" ? "fr === -2147483648" : "fr === 2147483647";
    else if (base === 1) e = "fc !== 0";
  }
  if (e === null) return null;
  return (cc & 1) !== 0 ? `!(${e})` : e;
}

/** The CF an INC/DEC keeps, as an expression over the pending flags (the machine's when none). */
function carrySource(p: Pending, count: number): string {
  switch (p) {
    case "add": return "((fr >>> 0) < (fa >>> 0) ? 1 : 0)";
    case "sub": return "((fa >>> 0) < (fb >>> 0) ? 1 : 0)";
    case "logic": return "0";
    case "inc": case "dec": return "fc";
    case "mul": return `(${MUL_CARRY} ? 1 : 0)`;
    case "shr": return `((fa >>> ${count - 1}) & 1)`;
    case "sar": return `((fa >> ${count - 1}) & 1)`;
    case "shl": return `((fa >>> ${32 - count}) & 1)`;
    default: return "c.getCF()";
  }
}

const F = INLINE_FORMS;

/** What a loop's unchecked copy did, by instruction index (STRIDED). */
interface FastLog {
  /** The memory operand each instruction accessed (its linear() call). */
  access: ({ seg: number; size: number; write: boolean } | undefined)[];
  /** The general registers each instruction wrote (bit r). */
  writes: number[];
  /** Instructions whose access keeps its checks in the copy (its address does not move by a fixed stride). */
  checked: boolean[];
}

/** Emitter's path-dependent fields (Emitter.save). */
interface EmitterState {
  pending: Pending;
  count: number;
  stored: boolean;
  zeroed: number;
  label: number;
  loopLabel: number;
  sawFullProducer: boolean;
  constLin: boolean;
  faultExit: string;
  index: number;
  nextRip: number;
}

/** Placeholders replaced once the whole block is known: store / reload the registers held in locals. */
const WRITE_BACK = "@WB@";
const RELOAD = "@RL@";
/**
 * SHARED_EXIT. Every exit of a block goes through one tail after the block's code (`break exit`):
 * the exit itself only sets locals — `xf` the flag store to make (Emitter.exitStores; plus LOOP_XF
 * when it is a loop's entry flags, made only if they came over the back edge, `lp`), `xr` the RIP
 * or `xj` the faulting instruction, `xn`/`xm` the instructions unrun (retired = left0 - left - xn;
 * returned: left + xm), `xk`/`xl` the last instruction and its RIP. Each exit used to store the
 * flags, the registers and the machine's fields itself: V8 compiled dozens of copies of that code
 * per block, and an exit first taken after the block was optimised (a loop's end, a slow path) had
 * no type feedback, so the optimised code was thrown away there ("insufficient type feedback") and
 * compiled again — a second or third TurboFan compile of each hot block (bench-copy's loop block:
 * three). The tail is the same code for all exits of a block: the first exit taken teaches V8 the
 * types of all of them.
 */
const LOOP_XF = 1 << 14;

/** The tail of a block's code (SHARED_EXIT): what every exit does, from the locals it set. */
function exitTail(stores: readonly string[], loops: boolean, writeBack: string): string[] {
  const out: string[] = [];
  if (loops) out.push(`  if (xf >= ${LOOP_XF}) xf = lp !== 0 ? xf - ${LOOP_XF} : 0;`);
  if (stores.length === 1) out.push(`  if (xf === 1) { ${stores[0]} }`);
  else if (stores.length > 1) out.push(`  switch (xf) { ${stores.map((code, i) => `case ${i + 1}: ${code} break;`).join(" ")} }`);
  if (writeBack !== "") out.push(`  ${writeBack}`);
  out.push(
    `  if (xj >= 0) c.jitIndex = xj; else c.rip = xr;`,
    `  c.instructionsRetired += left0 - left - xn;`,
    `  if (xk >= 0) { c.lastD = D[xk]; c.lastRip = xl; }`,
    `  return left + xm;`,
  );
  return out;
}

/** Where the flat-segment locals are (re)computed: the block's start and after each called executor. */
const SEGMENTS = "@SG@";
/**
 * MEMO: a dword access keeps what its TLB lookup found in locals of the block, valid while `mE<m>`
 * equals the block's `me`, when the page lies in the machine's home buffer (Machine.homeView, the
 * guest's RAM as a rule), which the block reads once on entry as `M`. At a constant address
 * ([disp32], MOV EAX, moffs): the position of its bytes in M (`mP<m>`). At any other (outside
 * 64-bit mode): the page (`mG<m>`), its base in M (`mB<m>`) and its cached-code map (`mC<m>`, with
 * `mH<m>` = its coveredEnd: a store at or above that offset needs no look at the map, below it
 * checks the map at its offset), reused while the address stays in that page. A page of another
 * buffer is accessed through its TLB entry's own view, unkept. Every kept access goes through the
 * one DataView `M`, which no path of the call reassigns (per-site views, reassigned on the loop's
 * slow paths, were each a loop variable V8 checked again at every access). Only a slow path (a machine method or a called executor, which set `sl`) can
 * change the TLB, a segment, the page's cached-code map or the privilege, and each one bumps `me`
 * (this placeholder, in the `sl` check after it), so a kept lookup is exactly what a new one would
 * find. (No instruction a block holds changes a mapping, a segment or CR3 — blockRole leaves them
 * out — so the bump is a guard, not a need.) A loop over a program's variables (bench-smc) then
 * checks its tags once per call rather than once per access, and a loop walking an array
 * (bench-copy) once per page.
 */
const MEMO_RESET = "@ME@";
/** An effective address that is a number (a displacement alone), as Emitter.ea writes it. */
const CONST_EA = /^[(\s]*\d+[)\s]*(>>> 0[)\s]*)?$/;

/**
 * Builds a block function's source. General registers the inline code touches live in locals
 * (`g0`..`g15`, the low 32 bits) for the whole call: loaded on entry, stored back before every
 * exit and before each called executor (which works on the machine's registers), reloaded after
 * it. A 32-bit write zeroes the register's high half: in 64-bit mode the block stores that zero
 * (once per pass); outside it nothing reads a high half, so the block stores none and instead runs
 * only when the high halves of the registers it writes are zero already (see blockSource), which
 * leaves them as the interpreter would.
 */
class Emitter {
  readonly out: string[] = [];
  pending: Pending = null;
  /** Shift count of a pending shift. */
  count = 0;
  /** Whether the pending flags are already in the machine. */
  stored = true;
  /** Segments the block's written-out accesses go through (bit s), outside 64-bit mode. */
  segsUsed = 0;
  /** Registers held in locals (bit r), and those the block writes. */
  used = 0;
  written = 0;
  /** Registers whose high half this pass has already zeroed. */
  zeroed = 0;
  /** Registers the inline code writes with a 32-bit write (which zeroes the high half). */
  zeroes = 0;
  /**
   * Labels (instruction indexes other branches of the block jump to) whose code may read the
   * flags before an instruction sets all of them: edges into them must store pending flags. At
   * the other labels the flags are dead, and edges leave them in the locals.
   */
  readonly liveLabels = new Set<number>();
  /** The label whose code is being written, and whether it has set every flag since. */
  label = 0;
  /** The instruction being written (its `d${index}`), and the RIP after it. */
  index = 0;
  nextRip = 0;
  sawFullProducer = false;
  /** The last linear() had a constant effective address (a [disp32] operand). */
  constLin = false;
  /** Dword accesses at constant addresses whose TLB lookup the block keeps (memoRead and the like). */
  memoSites = 0;
  /** Whether the block holds a dword read-modify-write (rmwRead32: the local `tv`). */
  rmwDwords = false;
  /**
   * The fault exit of the instruction being written (blockSource): a slow path that faulted leaves
   * the block at once, so the code after an access runs only on the path that did not fault.
   */
  faultExit = "";

  /**
   * Writing a loop's unchecked copy (STRIDED), or null: what its accesses and register writes
   * were, by instruction index, for the entry check blockSource builds from them.
   */
  fast: FastLog | null = null;

  /** The memory access of the instruction being written has no checks (STRIDED's unchecked copy). */
  unchecked(): boolean {
    return this.fast !== null && !this.fast.checked[this.index];
  }

  /** The path-dependent state, to write a second copy of the same instructions from the same start. */
  save(): EmitterState {
    return { pending: this.pending, count: this.count, stored: this.stored, zeroed: this.zeroed, label: this.label, loopLabel: this.loopLabel, sawFullProducer: this.sawFullProducer, constLin: this.constLin, faultExit: this.faultExit, index: this.index, nextRip: this.nextRip };
  }

  restore(s: EmitterState): void {
    this.pending = s.pending;
    this.count = s.count;
    this.stored = s.stored;
    this.zeroed = s.zeroed;
    this.label = s.label;
    this.loopLabel = s.loopLabel;
    this.sawFullProducer = s.sawFullProducer;
    this.constLin = s.constLin;
    this.faultExit = s.faultExit;
    this.index = s.index;
    this.nextRip = s.nextRip;
  }

  /** A slow path: `call` (a method of the machine, which may fault), then the fault exit if it did. */
  slow(call: string): string {
    if (this.faultExit === "") throw new Error(`block compiler: a slow path in an instruction that cannot fault (${this.index})`);
    return `sl = 1; ${call}; if (c.fault !== 0) ${this.faultExit}`;
  }

  constructor(readonly mode: number) {}

  line(s: string): void {
    this.out.push(`    ${s}`);
  }

  /**
   * The label whose code is being written, while its flags are still those it was entered with
   * (pending "loop"): in the machine, or, after the label's own back edge, still in the locals as
   * that edge's producer left them (`lp` = 1 at run time; see LOOP_FLAGS in blockSource).
   */
  loopLabel = -1;

  /** Store pending flags before something reads the machine's. */
  flush(): void {
    this.reads();
    if (!this.stored) this.line(this.pending === "loop" ? `@LS${this.loopLabel}@` : flushSource(this.pending, this.count));
    this.stored = true;
  }

  /**
   * The flag stores the block's exits make, by number (`xf` - 1): each exit only names one in a
   * local and the block's one exit tail makes it (SHARED_EXIT in blockSource).
   */
  readonly exitStores: string[] = [];

  /** The number (`xf`) of flag store `code` in exitStores, added if new. */
  exitStore(code: string): number {
    let i = this.exitStores.indexOf(code);
    if (i < 0) {
      i = this.exitStores.length;
      this.exitStores.push(code);
    }
    return i + 1;
  }

  /**
   * The pending flags, for an exit (which reads them), as a prefix: which store the exit tail must
   * make (`xf`), or, for a label's entry flags, the placeholder @XF<k>@ (LOOP_FLAGS in blockSource).
   */
  flushForExit(): string {
    this.reads();
    if (this.stored) return "";
    if (this.pending === "loop") return `@XF${this.loopLabel}@ `;
    const code = flushSource(this.pending, this.count);
    return code === "" ? "" : `xf = ${this.exitStore(code)}; `;
  }

  /**
   * The pending flags' store on an edge into another label (or this one), as a prefix ("" when
   * stored); for a label's entry flags, the LOOP_FLAGS placeholder @LS<k>@ (it stores them if they
   * came over the back edge, and clears lp).
   */
  edgeSource(): string {
    if (this.stored) return "";
    return (this.pending === "loop" ? `@LS${this.loopLabel}@` : flushSource(this.pending, this.count)) + " ";
  }

  /** The flags the label was entered with are replaced here: a back edge's, if any, are gone. */
  private leaveLoopState(): void {
    if (this.pending === "loop" && !this.stored) this.line(`@LZ${this.loopLabel}@`);
  }

  /** The flags are read here (stored for an exit or a call, or tested). */
  reads(): void {
    if (!this.sawFullProducer) this.liveLabels.add(this.label);
  }

  /** Code for label `k` starts: what holds there holds on every edge into it. */
  enterLabel(k: number): void {
    this.label = k;
    this.sawFullProducer = false;
    this.pending = "loop";
    this.loopLabel = k;
    this.stored = false;
    this.zeroed = 0;
  }

  /** `fr` and friends now hold a new producer's flags. */
  produce(p: Pending, count = 0): void {
    this.leaveLoopState();
    this.pending = p;
    this.count = count;
    this.stored = false;
    if (p !== "inc" && p !== "dec") this.sawFullProducer = true;
  }

  /** Something the block does not model wrote the flags (they are in the machine). */
  clobber(): void {
    this.leaveLoopState();
    this.pending = null;
    this.stored = true;
  }

  /** A register's value (int32). */
  get(r: number): string {
    this.used |= 1 << r;
    return `g${r}`;
  }

  /** Set a register's low 32 bits to `expr` and zero the high half (a 32-bit destination). */
  set(r: number, expr: string): void {
    if (this.fast !== null) this.fast.writes[this.index] |= 1 << r;
    this.used |= 1 << r;
    this.written |= 1 << r;
    this.zeroes |= 1 << r;
    let s = `g${r} = ${expr};`;
    if (this.mode === MODE_64 && (this.zeroed & (1 << r)) === 0) {
      s += ` r32[${(r << 1) + 1}] = 0;`;
      this.zeroed |= 1 << r;
    }
    this.line(s);
  }

  /** A byte register (Decoded.regByte / rmByte: register * 8, + 1 for AH..BH) as an expression. */
  getByte(off: number): string {
    const r = off >> 3;
    const sh = (off & 1) * 8;
    return sh === 0 ? `(${this.get(r)} & 0xff)` : `((${this.get(r)} >> 8) & 0xff)`;
  }

  /** Write a byte register (the rest of the register is kept: no zeroing of the high half). */
  setByte(off: number, expr: string): void {
    const r = off >> 3;
    const g = this.get(r);
    if (this.fast !== null) this.fast.writes[this.index] |= 1 << r;
    this.written |= 1 << r;
    this.line((off & 1) === 0 ? `${g} = (${g} & -256) | ((${expr}) & 0xff);` : `${g} = (${g} & -65281) | (((${expr}) & 0xff) << 8);`);
  }

  /**
   * The linear address of an access of `size` bytes at offset `ea` (source) of segment `seg`,
   * into `lin`: Machine.linear's checks written out for the segment's cached limits (outside
   * 64-bit mode), calling it — to raise the fault — only when they fail.
   */
  linear(seg: number, ea: string, size: number, write: boolean): void {
    this.segsUsed |= 1 << seg;
    this.constLin = CONST_EA.test(ea);
    if (this.fast !== null) this.fast.access[this.index] = { seg, size, write };
    if (this.unchecked()) {
      // STRIDED: the entry check found the segment flat and the whole access inside one RAM page.
      this.line(`lin = ${ea};`);
      return;
    }
    const flat = `${write ? "sW" : "sR"}${seg} !== 0 && ea <= ${0xffffffff - (size - 1)}`;
    const limits = `ea >= segLo[${seg}] && ea + ${size - 1} <= segHi[${seg}] && seg${write ? "Write" : "Read"}[${seg}] !== 0`;
    this.line(`ea = ${ea}; if (${flat}) lin = ea; else if (${limits}) lin = (segBase[${seg}] + ea) >>> 0; else { ${this.slow(`lin = c.linear(${seg}, ea, ${size}, ${write})`)} }`);
  }

  /**
   * Whether the read (`r`) or write (`w`) TLB entry `index` (source) holds `lin`'s page for this
   * privilege (`to` = lin & 0xfff). Outside 64-bit mode `lin` is below 2^32 and the int32 tags
   * compare (Machine.rTag32/wTag32: integer operations only); in it, the exact ones.
   */
  hit(kind: "r" | "w", index: string): string {
    return this.mode === MODE_64 ? `${kind}Tag[${index}] === lin - to + u` : `${kind}Tag32[${index}] === ((lin & -4096) | u)`;
  }

  /**
   * `v` = the `size`-byte value at `lin` (1 or 4): Machine.read8/read32 with the software TLB hit
   * written out (the function call, too big for V8 to inline everywhere in a block, stays on the miss path).
   */
  read(size: number): string {
    if (this.unchecked()) return size === 4 ? `v = M.getInt32(lin + x${this.index}, true);` : `v = M.getUint8(lin + x${this.index});`;
    if (size === 4 && this.constLin) {
      // A constant address: the page's lookup is kept (see MEMO).
      const m = this.memoSites++;
      return `if (mE${m} === me) v = M.getInt32(mP${m}, true); else { to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; ` +
        `if (to <= 0xffc && ${this.hit("r", "ti")}) { tp = rOff[ti] + to; if (rView[ti] === M) { mP${m} = tp; mE${m} = me; v = M.getInt32(tp, true); } else v = rView[ti].getInt32(tp, true); } else { ${this.slow("v = c.read32(lin)")} } }`;
    }
    if (size === 1) return `to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; if (${this.hit("r", "ti")}) v = rBuf[ti][rOff[ti] + to]; else { ${this.slow("v = c.read8(lin)")} }`;
    if (this.mode !== MODE_64) {
      // Any other address: the page last found here is kept (see MEMO).
      const m = this.memoSites++;
      return `to = lin & 0xfff; if (mE${m} === me && (lin & -4096) === mG${m} && to <= 0xffc) v = M.getInt32(mB${m} + to, true); ` +
        `else { ti = (lin >>> 12) & ${TLB_MASK}; if (to <= 0xffc && ${this.hit("r", "ti")}) { if (rView[ti] === M) { mG${m} = lin & -4096; mB${m} = rOff[ti]; mE${m} = me; v = M.getInt32(mB${m} + to, true); } else v = rView[ti].getInt32(rOff[ti] + to, true); } else { ${this.slow("v = c.read32(lin)")} } }`;
    }
    return `to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; if (to <= 0xffc && ${this.hit("r", "ti")}) v = rView[ti].getInt32(rOff[ti] + to, true); else { ${this.slow("v = c.read32(lin)")} }`;
  }

  /**
   * Store `value` (source, evaluated once) at `lin`: Machine.write8/write32 with the TLB hit written
   * out when the page holds no cached instruction at those bytes (else the method drops them).
   */
  write(size: number, value: string): string {
    if (this.unchecked()) return size === 4 ? `M.setInt32(lin + x${this.index}, ${value}, true);` : `M.setUint8(lin + x${this.index}, ${value});`;
    if (size === 1) {
      return `tx = ${value}; to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; tc = wCode[ti]; if (${this.hit("w", "ti")} && (tc === undefined || tc.covered[to] === 0)) wBuf[ti][wOff[ti] + to] = tx; else { ${this.slow("c.write8(lin, tx)")} }`;
    }
    if (this.constLin) {
      const m = this.memoSites++;
      return `tx = ${value}; if (mE${m} === me) M.setInt32(mP${m}, tx, true); else { to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; tc = wCode[ti]; ` +
        `if (${this.storableDword()}) { tp = wOff[ti] + to; if (wView[ti] === M) { mP${m} = tp; mE${m} = me; M.setInt32(tp, tx, true); } else wView[ti].setInt32(tp, tx, true); } ` +
        `else { ${this.slow("c.write32(lin, tx)")} } }`;
    }
    if (this.mode !== MODE_64) {
      const m = this.memoSites++;
      return `tx = ${value}; to = lin & 0xfff; if (mE${m} === me && (lin & -4096) === mG${m} && to <= 0xffc && (to >= mH${m} || mC${m}.coveredView.getInt32(to, true) === 0)) M.setInt32(mB${m} + to, tx, true); ` +
        `else { ti = (lin >>> 12) & ${TLB_MASK}; tc = wCode[ti]; ` +
        `if (${this.storableDword()}) { if (wView[ti] === M) { mG${m} = lin & -4096; mB${m} = wOff[ti]; mC${m} = tc; mH${m} = tc === undefined ? 0 : tc.coveredEnd; mE${m} = me; M.setInt32(mB${m} + to, tx, true); } else wView[ti].setInt32(wOff[ti] + to, tx, true); } ` +
        `else { ${this.slow("c.write32(lin, tx)")} } }`;
    }
    // An aligned dword: one word store, and one word of the page's covered map.
    return `tx = ${value}; to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; tc = wCode[ti]; ` +
      `if (${this.storableDword()}) wView[ti].setInt32(wOff[ti] + to, tx, true); ` +
      `else { ${this.slow("c.write32(lin, tx)")} }`;
  }

  /**
   * The read half of a dword read-modify-write at `lin`, with its write check (Machine.probeWrite):
   * `v` = the dword. When one write-TLB hit covers it (a writable RAM page with no cached
   * instruction in those bytes) the read goes through that entry too, and `tf` = 1 tells
   * writeAfterRmwRead to store there at once, through the same DataView (`tv`, at `tp`: V8 then
   * checks it once for both): one tag check for the three. A writable page is
   * readable (x86 paging; Zircon maps no write-only guest memory), and a watched page has no TLB
   * entry, so nothing the separate checks would see is lost. Otherwise the probe and the read as
   * `address(…, rmw)` and `read` write them, and `tf` = 0.
   */
  rmwRead32(): string {
    if (this.unchecked()) return `tf = 1; tp = lin + x${this.index}; v = M.getInt32(tp, true);`;
    this.rmwDwords = true;
    if (this.constLin) {
      const m = this.memoSites++;
      return `if (mE${m} === me) { tf = 1; tp = mP${m}; v = M.getInt32(tp, true); } ` +
        `else { to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; tc = wCode[ti]; ` +
        `if (${this.storableDword()}) { tp = wOff[ti] + to; if (wView[ti] === M) { tf = 1; mP${m} = tp; mE${m} = me; v = M.getInt32(tp, true); } else { tf = 2; tv = wView[ti]; v = tv.getInt32(tp, true); } } ` +
        `else { tf = 0; ${this.probe(4, "ti")} { ${this.read(4)} } } }`;
    }
    if (this.mode !== MODE_64) {
      const m = this.memoSites++;
      return `to = lin & 0xfff; if (mE${m} === me && (lin & -4096) === mG${m} && to <= 0xffc && (to >= mH${m} || mC${m}.coveredView.getInt32(to, true) === 0)) { tf = 1; tp = mB${m} + to; v = M.getInt32(tp, true); } ` +
        `else { ti = (lin >>> 12) & ${TLB_MASK}; tc = wCode[ti]; ` +
        `if (${this.storableDword()}) { tp = wOff[ti] + to; if (wView[ti] === M) { tf = 1; mG${m} = lin & -4096; mB${m} = wOff[ti]; mC${m} = tc; mH${m} = tc === undefined ? 0 : tc.coveredEnd; mE${m} = me; v = M.getInt32(tp, true); } else { tf = 2; tv = wView[ti]; v = tv.getInt32(tp, true); } } ` +
        `else { tf = 0; ${this.probe(4, "ti")} { ${this.read(4)} } } }`;
    }
    return `to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; tc = wCode[ti]; ` +
      `if (${this.storableDword()}) { tf = 2; tp = wOff[ti] + to; tv = wView[ti]; v = tv.getInt32(tp, true); } ` +
      `else { tf = 0; ${this.probe(4, "ti")} { ${this.read(4)} } }`;
  }

  /** The dword at `lin` (`to`, `ti` and `tc` = wCode[ti] set) may be stored through the write TLB now. */
  storableDword(): string {
    return `to <= 0xffc && ${this.hit("w", "ti")} && (tc === undefined || tc.coveredView.getInt32(to, true) === 0)`;
  }

  /** Machine.probeWrite for `size` bytes at `lin` (`to` set), unless write-TLB entry `index` already covers them. */
  probe(size: number, index: string): string {
    return `if (to > ${4096 - size} || !(${this.hit("w", index)})) { ${this.slow(`c.probeWrite(lin, ${size})`)} }`;
  }

  /** The write half of rmwRead32's access: `value` (source) into the dword it read. */
  writeAfterRmwRead(value: string): string {
    if (this.unchecked()) return `M.setInt32(tp, ${value}, true);`;
    return `if (tf === 1) M.setInt32(tp, ${value}, true); else if (tf === 2) tv.setInt32(tp, ${value}, true); else { ${this.write(4, value)} }`;
  }

  /**
   * `lin` = the linear address of `d`'s memory operand for an access of `size` bytes (the
   * segment checks of Machine.linear; a fault sets c.fault), and for a read-modify-write the
   * write check of the whole operand first, as operands.ts rmwLinear does. False when the address
   * is not written out here (16-bit addressing).
   */
  address(d: Decoded, size: number, write: boolean, rmw: boolean): boolean {
    const seg = d.seg >= 0 ? d.seg : d.defSeg;
    if (this.mode === MODE_64) this.linear64(d, seg, size, write);
    else {
      const ea = this.ea(d);
      if (ea === null) return false;
      this.linear(seg, ea, size, write);
    }
    // Machine.probeWrite: a write-TLB hit for the whole operand needs nothing more.
    if (rmw && !this.unchecked()) this.line(`{ to = lin & 0xfff; ${this.probe(size, `(lin >>> 12) & ${TLB_MASK}`)} }`);
    return true;
  }

  /**
   * 64-bit mode: `lin` = Machine.eaLinear(d, size, write) written out. The effective address is
   * Machine.ea's sum of doubles (exact: every term within ±2^52 when each register's high half is
   * within ±2^20), FS and GS add their base, and the access must be canonical; the rare register
   * beyond ±2^52 goes to eaLinear itself (registers written back first: it reads the machine's),
   * and a non-canonical access to Machine.linear, which raises #GP or #SS.
   */
  linear64(d: Decoded, seg: number, size: number, write: boolean): void {
    this.constLin = false;
    const k = this.index;
    if (d.asz === 2) throw new Error("16-bit addressing does not exist in 64-bit mode");
    let ea: string;
    let guard = "";
    if (d.ripRel) {
      // RIP-relative: the next instruction's RIP plus the displacement, known now.
      const rip = this.nextRip + d.disp;
      ea = d.asz === 4 ? String(rip >>> 0) : String(rip);
    } else if (d.asz === 4) {
      const e = this.ea(d);
      if (e === null) throw new Error("unreachable: 32-bit addressing without RIP");
      ea = e;
    } else {
      const parts: string[] = [String(d.disp)];
      const his: string[] = [];
      if (d.base >= 0) {
        his.push(`r32[${(d.base << 1) + 1}]`);
        parts.push(`r32[${(d.base << 1) + 1}] * 4294967296 + (${this.get(d.base)} >>> 0)`);
      }
      if (d.index >= 0) {
        his.push(`r32[${(d.index << 1) + 1}]`);
        parts.push(`(r32[${(d.index << 1) + 1}] * 4294967296 + (${this.get(d.index)} >>> 0)) * ${1 << d.scale}`);
      }
      ea = parts.join(" + ");
      if (his.length > 0) guard = `(${his.map((h) => `(${h} ^ (${h} >> 31))`).join(" | ")}) < 1048576`;
    }
    const base = seg >= 4 ? ` + segBase[${seg}]` : "";
    const fast = `ea = ${ea}; lin = ea${base}; if (!(lin >= ${-CANON} && lin + ${size - 1} < ${CANON})) { ${this.slow(`lin = c.linear(${seg}, ea, ${size}, ${write})`)} }`;
    this.line(guard === "" ? fast : `if (${guard}) { ${fast} } else { ${WRITE_BACK} ${this.slow(`lin = c.eaLinear(d${k}, ${size}, ${write})`)} }`);
  }

  /** Before calling an executor: its view of the registers and flags must be current. */
  beforeCall(): void {
    this.flush();
    this.line(WRITE_BACK);
  }

  /** After it: it may have written any register, and the flags. */
  afterCall(): void {
    this.line(RELOAD);
    // The executor may have loaded a segment register.
    this.line(SEGMENTS);
    this.zeroed = 0;
    this.clobber();
  }

  /** A group-1 operation on int32 `a` (source text) and `b`, result into local `fr`; false for ADC/SBB. */
  alu(aop: number, a: string, b: string): boolean {
    if (aop === 2 || aop === 3) return false;
    const op = aop === 0 ? "+" : aop === 1 ? "|" : aop === 4 ? "&" : aop === 6 ? "^" : "-";
    const p: Pending = aop === 0 ? "add" : aop === 5 || aop === 7 ? "sub" : "logic";
    if (p === "logic") this.line(`fr = ${a} ${op} ${b};`);
    else this.line(`fa = ${a}; fb = ${b}; fr = (fa ${op} fb) | 0;`);
    this.produce(p);
    return true;
  }

  /** The effective address of `d` as an expression, or null when not written out (16/64-bit addressing). */
  ea(d: Decoded): string | null {
    if (d.asz !== 4 || d.ripRel) return null;
    const parts: string[] = [String(d.disp)];
    if (d.base >= 0) parts.push(this.get(d.base));
    if (d.index >= 0) parts.push(d.scale === 0 ? this.get(d.index) : `(${this.get(d.index)} << ${d.scale})`);
    return `((${parts.join(" + ")}) >>> 0)`;
  }

  /** A near branch's target (RIP after wrapping), or null when it must be left to the executor (non-canonical). */
  static target(d: Decoded, after: number, mode: number): number | null {
    let target = after + d.imm;
    if (mode === MODE_64) return target >= -CANON && target < CANON ? target : null; // 64-bit operand size (fast.ts jcc)
    target = d.osz === 2 ? target & 0xffff : target >>> 0;
    return target;
  }

  /** Condition code `cc` as an expression: fused with the pending flags, or through the machine's. */
  condition(cc: number): string {
    const fused = fusedCondition(cc, this.pending);
    if (fused !== null) return fused;
    this.flush();
    return `c.cond(${cc})`;
  }

  /**
   * Write out instruction `d` inline when its executor is one of fast.ts's INLINE_FORMS (with
   * the same results, faults and flags); false to call the executor instead. A control transfer
   * leaves its target in the local `t`.
   */
  inline(d: Decoded, after: number): boolean {
    const fn = d.fn;
    const regOp = (d.op >> 3) & 7;
    const sub = d.reg & 7;
    if (fn === F.movRegReg32) {
      const dst = d.op === 0x89 ? d.rm : d.reg;
      const src = d.op === 0x89 ? d.reg : d.rm;
      this.set(dst, this.get(src));
      return true;
    }
    if (fn === F.movRegImm32) {
      this.set(d.rm, String(d.imm | 0));
      return true;
    }
    if (fn === F.lea32) {
      if (d.ripRel) return false;
      let a = String(d.disp | 0);
      if (d.base >= 0) a = `((${a} + ${this.get(d.base)}) | 0)`;
      if (d.index >= 0) a = `((${a} + (${this.get(d.index)} << ${d.scale})) | 0)`;
      this.set(d.reg, a);
      return true;
    }
    if (fn === F.aluEvGvReg32 || fn === F.aluGvEvReg32) {
      const dst = fn === F.aluEvGvReg32 ? d.rm : d.reg;
      const src = fn === F.aluEvGvReg32 ? d.reg : d.rm;
      if (!this.alu(regOp, this.get(dst), this.get(src))) return false;
      if (regOp !== 7) this.set(dst, "fr");
      return true;
    }
    if (fn === F.aluAccImm32 || fn === F.aluImmReg32) {
      const aop = fn === F.aluAccImm32 ? regOp : sub;
      const dst = fn === F.aluAccImm32 ? 0 : d.rm;
      if (!this.alu(aop, this.get(dst), String(d.imm | 0))) return false;
      if (aop !== 7) this.set(dst, "fr");
      return true;
    }
    if (fn === F.testRegReg32) return this.alu(4, this.get(d.rm), this.get(d.reg));
    if (fn === F.testAccImm32) return this.alu(4, this.get(0), String(d.imm | 0));
    if (fn === F.notNegReg32) {
      if (sub === 2) {
        this.set(d.rm, `~${this.get(d.rm)}`);
        return true;
      }
      this.alu(5, "0", this.get(d.rm));
      this.set(d.rm, "fr");
      return true;
    }
    if (fn === F.incDecReg32) {
      const dec = d.op === 0xff ? sub === 1 : d.op >= 0x48;
      // The CF it keeps is the previous producer's: computed before fa/fr are replaced (flags the
      // label was entered with are stored first, and read from the machine).
      if (this.pending === "loop") this.flush();
      const cf = carrySource(this.pending, this.count);
      if (this.pending === null) this.reads();
      this.line(`fc = ${cf}; fa = ${this.get(d.rm)}; fr = (fa ${dec ? "-" : "+"} 1) | 0;`);
      this.set(d.rm, "fr");
      this.produce(dec ? "dec" : "inc");
      return true;
    }
    if (fn === F.shiftReg32 && d.op !== 0xd3 && sub <= 1) {
      // ROL / ROR by an immediate (arith.ts shift): CF and OF from the result; the other flags stay
      // the previous producer's (lazy ones still derive from lz*), as the executor leaves them.
      const count = (d.op === 0xc1 ? d.imm : 1) & 0x1f;
      if (count === 0) return false;
      this.flush();
      const rot = sub === 0 ? `(fa << ${count}) | (fa >>> ${32 - count})` : `(fa >>> ${count}) | (fa << ${32 - count})`;
      const cf = sub === 0 ? "(fr & 1)" : "((fr >>> 31) & 1)";
      const of = sub === 0 ? "(((fr >>> 31) ^ fr) & 1)" : "(((fr >>> 31) ^ (fr >>> 30)) & 1)";
      this.line(`fa = ${this.get(d.rm)}; fr = (${rot}) | 0;`);
      this.set(d.rm, "fr");
      this.line(`c.lazyMask &= ~2049; c.flags = (c.flags & ~2049) | ${cf} | (${of} << 11);`);
      this.clobber();
      return true;
    }
    if (fn === F.shiftReg32 && d.op !== 0xd3 && sub >= 4) {
      const count = (d.op === 0xc1 ? d.imm : 1) & 0x1f;
      if (count === 0) return false;
      const kind: Pending = sub === 5 ? "shr" : sub === 7 ? "sar" : "shl";
      const op = sub === 5 ? ">>>" : sub === 7 ? ">>" : "<<";
      this.line(`fa = ${this.get(d.rm)}; fr = (fa ${op} ${count}) | 0;`);
      this.set(d.rm, "fr");
      this.produce(kind, count);
      return true;
    }
    return this.inlineMemory(d);
  }

  /**
   * The memory forms, in the executors' order: address and checks, read, then results (registers
   * and flags only once nothing can fault any more: a fault leaves the state before the
   * instruction, which the block's fault exit stores). Flag locals change only after the reads.
   */
  inlineMemory(d: Decoded): boolean {
    const fn = d.fn;
    const regOp = (d.op >> 3) & 7;
    const sub = d.reg & 7;
    const ok = "{";
    if (fn === F.movLoad32 || fn === F.movLoad8 || fn === F.movzxByte32 && d.mod !== 3) {
      const size = fn === F.movLoad32 ? 4 : 1;
      if (!this.address(d, size, false, false)) return false;
      this.line(`{ ${this.read(size)} }`);
      this.line(ok);
      if (fn === F.movLoad8) this.setByte(d.regByte, "v");
      else this.set(d.reg, "v");
      this.line("}");
      this.zeroed &= ~(1 << d.reg); // zeroed only on the path without a fault
      return true;
    }
    if (fn === F.execute && (d.op === 0x69 || d.op === 0x6b || d.op === 0x1af) && d.osz === 4 && !d.lock) {
      // IMUL r32, r/m32(, imm): the low half, and whether the signed product fits (exact: a
      // product outside int32 stays outside once rounded to a double).
      let a: string;
      if (d.mod === 3) a = this.get(d.rm);
      else {
        if (!this.address(d, 4, false, false)) return false;
        this.line(`{ ${this.read(4)} }`);
        this.line(ok);
        a = "v";
      }
      if (d.op === 0x1af) {
        this.line(`fa = ${a}; fb = ${this.get(d.reg)}; fr = Math.imul(fa, fb);`);
      } else {
        this.line(`fa = ${a}; fb = ${d.imm | 0}; fr = Math.imul(fa, fb);`);
      }
      this.set(d.reg, "fr");
      this.produce("mul");
      if (d.mod !== 3) {
        this.line("}");
        this.zeroed &= ~(1 << d.reg);
      }
      return true;
    }
    if (fn === F.execute && d.op >= 0xa0 && d.op <= 0xa3 && d.asz === 4 && this.mode !== MODE_64 && (d.op & 1 ? d.osz === 4 : true)) {
      // MOV AL/EAX, moffs and back (movMoffs).
      const size = d.op & 1 ? 4 : 1;
      const store = d.op >= 0xa2;
      this.linear(d.seg >= 0 ? d.seg : 3, String(d.disp >>> 0), size, store);
      if (store) this.line(`{ ${this.write(size, size === 4 ? this.get(0) : this.getByte(0))} }`);
      else {
        this.line(`{ ${this.read(size)} }`);
        this.line(ok);
        if (size === 4) this.set(0, "v");
        else this.setByte(0, "v");
        this.line("}");
        this.zeroed &= ~1;
      }
      return true;
    }
    if (fn === F.movzxByte32) {
      this.set(d.reg, this.getByte(d.rmByte));
      return true;
    }
    if (fn === F.movStore32 || fn === F.movStore8 || fn === F.movStoreImm8 || fn === F.movStoreImm32) {
      const size = fn === F.movStore32 || fn === F.movStoreImm32 ? 4 : 1;
      const value = fn === F.movStore32 ? this.get(d.reg) : fn === F.movStore8 ? this.getByte(d.regByte) : String(size === 1 ? d.imm & 0xff : d.imm | 0);
      if (!this.address(d, size, true, false)) return false;
      this.line(`{ ${this.write(size, value)} }`);
      return true;
    }
    if (fn === F.aluGvEvMem32 || fn === F.testMemReg32) {
      const aop = fn === F.testMemReg32 ? 4 : regOp;
      if (aop === 2 || aop === 3) return false;
      if (!this.address(d, 4, false, false)) return false;
      this.line(`{ ${this.read(4)} }`);
      this.line(ok);
      if (fn === F.testMemReg32) this.alu(4, "v", this.get(d.reg));
      else {
        this.alu(aop, this.get(d.reg), "v");
        if (aop !== 7) this.set(d.reg, "fr");
      }
      this.line("}");
      if (aop !== 7 && fn !== F.testMemReg32) this.zeroed &= ~(1 << d.reg);
      return true;
    }
    if (fn === F.aluEvGvMem32 || fn === F.aluImmMem32 || (fn === F.incDecMem && d.osz === 4)) {
      const inc = fn === F.incDecMem;
      const aop = inc ? -1 : fn === F.aluEvGvMem32 ? regOp : sub;
      if (aop === 2 || aop === 3) return false;
      const src = fn === F.aluEvGvMem32 ? this.get(d.reg) : String(d.imm | 0);
      const rmw = aop !== 7;
      if (!this.address(d, 4, rmw, false)) return false;
      this.line(`{ ${rmw ? this.rmwRead32() : this.read(4)} }`);
      this.line(ok);
      if (inc) {
        if (this.pending === "loop") this.flush();
        const cf = carrySource(this.pending, this.count);
        if (this.pending === null) this.reads();
        this.line(`fc = ${cf}; fa = v; fr = (fa ${sub === 1 ? "-" : "+"} 1) | 0;`);
        this.line(this.writeAfterRmwRead("fr"));
        this.produce(sub === 1 ? "dec" : "inc");
      } else {
        this.alu(aop, "v", src);
        if (rmw) this.line(this.writeAfterRmwRead("fr"));
      }
      this.line("}");
      return true;
    }
    // Byte operations: the executors' own flag helper (arith.ts alu, size 1) sets the machine's
    // flags; ADC/SBB read CF from it, so the pending flags go first.
    const byteAlu = (aop: number, a: string, b: string, dst: number | null, mem: boolean): void => {
      if (aop === 2 || aop === 3) this.flush();
      this.line(`fr = ALU(c, ${aop}, ${a}, ${b}, 1);`);
      if (dst !== null && aop !== 7) this.setByte(dst, "fr");
      else if (mem && aop !== 7) this.line(this.write(1, "fr"));
      this.clobber();
    };
    if (fn === F.aluRegReg8) {
      const dst = d.op & 2 ? d.regByte : d.rmByte;
      const src = d.op & 2 ? d.rmByte : d.regByte;
      byteAlu(regOp, this.getByte(dst), this.getByte(src), dst, false);
      return true;
    }
    if (fn === F.aluAccImm8) {
      byteAlu(regOp, this.getByte(0), String(d.imm & 0xff), 0, false);
      return true;
    }
    if (fn === F.testRegReg8 || fn === F.testAccImm8) {
      byteAlu(4, this.getByte(fn === F.testAccImm8 ? 0 : d.rmByte), fn === F.testAccImm8 ? String(d.imm & 0xff) : this.getByte(d.regByte), null, false);
      return true;
    }
    if (fn === F.movRegReg8) {
      if (d.op === 0x88) this.setByte(d.rmByte, this.getByte(d.regByte));
      else this.setByte(d.regByte, this.getByte(d.rmByte));
      return true;
    }
    if (fn === F.aluGbEbMem || fn === F.aluImmMem8) {
      const aop = fn === F.aluGbEbMem ? regOp : sub;
      const rmw = fn === F.aluImmMem8 && aop !== 7;
      if (aop === 2 || aop === 3) this.flush(); // before the fault exit is written: CF is read
      if (!this.address(d, 1, rmw, rmw)) return false;
      this.line(`{ ${this.read(1)} }`);
      this.line(ok);
      if (fn === F.aluGbEbMem) byteAlu(aop, this.getByte(d.regByte), "v", d.regByte, false);
      else byteAlu(aop, "v", String(d.imm & 0xff), null, true);
      this.line("}");
      return true;
    }
    return false;
  }
}


/** Canonical 64-bit addresses lie in [-CANON, CANON) (48-bit linear addresses). */
const CANON = 2 ** 47;

/** What `blockSource` makes: the function's source, and the CS limit it needs (outside 64-bit mode). */
export interface BlockSource {
  source: string;
  /** Highest CS offset it runs or jumps to without checking: the block runs only when CS.limit covers it. */
  limitNeeded: number;
  /** Instructions of its first segment: the budget a call needs. */
  entry: number;
  /** Instructions it calls the executor for (the others are written out). */
  called: number;
}

/**
 * STRIDED: a loop that walks memory (a copy, a fill, a sum over an array) checks each access's
 * page only where the address may leave it. At the top of a self-loop label whose code runs
 * straight to its one back edge (exits aside), when every register that forms an address is
 * changed in the loop only by a constant (ADD/SUB imm, INC/DEC, LEA r, [r + disp]) or by a register
 * the loop leaves alone (ADD/SUB r, r; LEA r, [r + r*s + disp]: a sieve's ADD EAX, EBX), each
 * access's address moves by a fixed stride per pass, known at the loop's top. The entry check
 * (stridedCheck) looks up each access's page once — a TLB hit in the home buffer, the segment flat,
 * for a store no cached instruction at or above the lowest offset it will store to
 * (CodePageCache.coveredEnd) — and works out how many passes keep every access inside its page:
 * `fn<j>`. A copy of the loop's code whose accesses are
 * plain DataView accesses at `lin + x<k>` (the page's place in the home buffer) then runs that many
 * passes, and the checked code takes over (a page crossing, a TLB miss, an exit). The copy keeps
 * the budget checks and exits of the checked code, so the instructions run, the flags and the
 * place a run stops are the same; only checks that cannot fail are gone: nothing a pass does can
 * change a translation, a segment or a page's cached code. An access whose address register the
 * loop changes otherwise (a table indexed by a computed value) keeps its checks in the copy, as in
 * the checked code; when one of them takes its slow path (a machine method: a TLB fill, a fault, a
 * store that drops cached code, each handled as there), that pass is the copy's last, and the entry
 * check is made again. When the check allows fewer than two passes, the next STRIDED_BACKOFF passes
 * skip it.
 */
const STRIDED_BACKOFF = 8;

/** Whether `d` has a memory operand it accesses (ModRM memory but LEA's, or MOV AL/EAX, moffs). */
function accessesMemory(d: Decoded): boolean {
  return d.hasModrm ? d.mod !== 3 && d.fn !== F.lea32 : d.fn === F.execute && d.op >= 0xa0 && d.op <= 0xa3;
}

/** A register change's constant term, in a change vector (coefficients of registers 0..15, then this). */
const STEP_CONST = 16;

/** A change of `c`, plus `k` times register `r`'s value (as a vector: see STEP_CONST). */
function change(c: number, r = -1, k = 0): number[] {
  const v = new Array<number>(STEP_CONST + 1).fill(0);
  v[STEP_CONST] = c | 0;
  if (r >= 0) v[r] = k;
  return v;
}

/**
 * A register the instruction changes by a constant, or by another register's value (ADD/SUB r, r
 * and LEA r, [r + r*s + disp]), and nothing else it does touches: [register, change], or null.
 */
function registerStep(d: Decoded): [number, number[]] | null {
  const sub = d.reg & 7;
  const regOp = (d.op >> 3) & 7;
  if (d.fn === F.incDecReg32) return [d.rm, change((d.op === 0xff ? sub === 1 : d.op >= 0x48) ? -1 : 1)];
  if (d.fn === F.aluImmReg32 && (sub === 0 || sub === 5)) return [d.rm, change(sub === 0 ? d.imm : -d.imm)];
  if (d.fn === F.aluAccImm32 && (regOp === 0 || regOp === 5)) return [0, change(regOp === 0 ? d.imm : -d.imm)];
  if (d.fn === F.lea32 && !d.ripRel && d.asz === 4 && d.base === d.reg && d.index !== d.reg) {
    return [d.reg, d.index < 0 ? change(d.disp) : change(d.disp, d.index, 1 << d.scale)];
  }
  if ((d.fn === F.aluEvGvReg32 || d.fn === F.aluGvEvReg32) && (regOp === 0 || regOp === 5)) {
    const dst = d.fn === F.aluEvGvReg32 ? d.rm : d.reg;
    const src = d.fn === F.aluEvGvReg32 ? d.reg : d.rm;
    if (dst !== src) return [dst, change(0, src, regOp === 0 ? 1 : -1)];
  }
  return null;
}

/** `v` (a change vector) as source over the registers' values at the loop's top. */
function changeSource(em: Emitter, v: readonly number[]): string {
  let out = String(v[STEP_CONST]);
  for (let r = 0; r < STEP_CONST; r++) {
    if (v[r] === 0) continue;
    const g = em.get(r);
    out += v[r] === 1 ? ` + ${g}` : v[r] === -1 ? ` - ${g}` : ` + Math.imul(${g}, ${v[r]})`;
  }
  return out;
}

/** Whether change vector `v` is a constant (no register in it). */
function constantChange(v: readonly number[]): boolean {
  for (let r = 0; r < STEP_CONST; r++) if (v[r] !== 0) return false;
  return true;
}

/**
 * Each address register's change before each instruction of loop [j, b] and over a pass (change
 * vectors: constants and values of registers the loop does not write), and the registers something
 * else writes, from what writing its copy logged (STRIDED).
 */
function registerSteps(list: readonly Decoded[], j: number, b: number, log: FastLog): { before: number[][][]; step: number[][]; other: number } {
  let written = 0;
  for (let k = j; k <= b; k++) written |= log.writes[k];
  const step: number[][] = Array.from({ length: STEP_CONST }, () => change(0));
  const before: number[][][] = [];
  let other = 0;
  for (let k = j; k <= b; k++) {
    before[k] = step.map((v) => v.slice());
    const w = log.writes[k];
    if (w === 0) continue;
    const s = registerStep(list[k]);
    let invariant = s !== null && w === 1 << s[0];
    if (s !== null) for (let r = 0; r < STEP_CONST; r++) if (s[1][r] !== 0 && ((written >> r) & 1) !== 0) invariant = false;
    if (s === null || !invariant) {
      other |= w;
      continue;
    }
    const v = step[s[0]];
    for (let r = 0; r <= STEP_CONST; r++) v[r] += s[1][r];
    v[STEP_CONST] |= 0;
  }
  return { before, step, other };
}

/** The registers that form `d`'s memory address (bit r). */
function addressRegisters(d: Decoded): number {
  if (!d.hasModrm) return 0;
  return (d.base >= 0 ? 1 << d.base : 0) | (d.index >= 0 ? 1 << d.index : 0);
}

/**
 * Which accesses of loop [j, b] keep their checks in the unchecked copy (STRIDED): those whose
 * address is formed from a register the loop changes other than by a constant (a table lookup by a
 * computed index). Null when none is left without checks (no copy then).
 */
function stridedPlan(list: readonly Decoded[], j: number, b: number, log: FastLog): boolean[] | null {
  const { other } = registerSteps(list, j, b, log);
  const checked: boolean[] = [];
  let unchecked = 0;
  for (let k = j; k <= b; k++) {
    if (log.access[k] === undefined) continue;
    checked[k] = (addressRegisters(list[k]) & other) !== 0;
    if (!checked[k]) unchecked++;
  }
  return unchecked > 0 ? checked : null;
}

/**
 * The entry check of loop [j, b]'s unchecked copy (STRIDED), from what writing it logged: source
 * that sets `fn<j>` to the passes it may run (0 when it may not) and `x<k>` for each access without
 * checks.
 */
function stridedCheck(em: Emitter, list: readonly Decoded[], j: number, b: number, log: FastLog): string {
  const { before, step } = registerSteps(list, j, b, log);
  let segsRead = 0;
  let segsWritten = 0;
  for (let k = j; k <= b; k++) {
    const a = log.access[k];
    if (a === undefined || log.checked[k]) continue;
    if (a.write) segsWritten |= 1 << a.seg;
    else segsRead |= 1 << a.seg;
  }
  const flat: string[] = [];
  for (let s = 0; s < 8; s++) {
    if ((segsRead >> s) & 1) flat.push(`sR${s} !== 0`);
    if ((segsWritten >> s) & 1) flat.push(`sW${s} !== 0`);
  }
  const fn = `fn${j}`;
  const out = [`${fn} = ${flat.join(" && ")} ? 2147483647 : 0;`];
  for (let k = j; k <= b; k++) {
    const a = log.access[k];
    if (a === undefined || log.checked[k]) continue;
    const d = list[k];
    const base = d.hasModrm ? d.base : -1;
    const index = d.hasModrm ? d.index : -1;
    const terms = [String(d.disp)];
    if (base >= 0) terms.push(`${em.get(base)} + (${changeSource(em, before[k][base])})`);
    if (index >= 0) terms.push(`((${em.get(index)} + (${changeSource(em, before[k][index])})) << ${d.scale})`);
    // The stride: the base's change plus the index's times the scale (mod 2^32, as an int32).
    const strideChange = change(0);
    for (let r = 0; r <= STEP_CONST; r++) {
      strideChange[r] = (base >= 0 ? step[base][r] : 0) + (index >= 0 ? step[index][r] * (1 << d.scale) : 0);
    }
    strideChange[STEP_CONST] |= 0;
    const t = a.write ? "w" : "r";
    const hi = 4096 - a.size;
    const outside = `to < tq || to > ${hi}`;
    const up = (st: string) => `tp = ((${hi} - to) / ${st} | 0) + 1; if (tp < ${fn}) ${fn} = tp;`;
    const down = (st: string) => `tp = ((to - tq) / ${st} | 0) + 1; if (tp < ${fn}) ${fn} = tp;`;
    let bound: string;
    if (constantChange(strideChange)) {
      const stride = strideChange[STEP_CONST];
      bound = stride > 0 ? `if (${outside}) ${fn} = 0; else { ${up(String(stride))} }`
        : stride < 0 ? `if (${outside}) ${fn} = 0; else { ${down(String(-stride))} }`
        : `if (${outside}) ${fn} = 0;`;
    } else {
      // A stride by a register the loop leaves alone (ADD EAX, EBX): known at the loop's top.
      bound = `if (${outside}) ${fn} = 0; else { tf = (${changeSource(em, strideChange)}) | 0; if (tf > 0) { ${up("tf")} } else if (tf < 0) { ${down("-tf")} } }`;
    }
    out.push(`if (${fn} > 1) { lin = (${terms.join(" + ")}) >>> 0; to = lin & 0xfff; ti = (lin >>> 12) & ${TLB_MASK}; ` +
      `if (${t}Tag32[ti] === ((lin & -4096) | u) && ${t}View[ti] === M) { x${k} = ${t}Off[ti] - (lin - to); ` +
      `${a.write ? "tc = wCode[ti]; tq = tc === undefined ? 0 : tc.coveredEnd;" : "tq = 0;"} ${bound} } else ${fn} = 0; }`);
  }
  return out.join(" ");
}

/** Whether `d` is a near relative branch the block writes out (JMP rel, or Jcc rel when `cond`). */
function isBranch(d: Decoded, cond: boolean): boolean {
  return d.fn === F.jcc ? cond : d.fn === F.jmpRel;
}

/**
 * Builds a block function's source; see the file comment for its contract with cpu.ts.
 *
 * The instructions are cut into segments, each entered only at its top: the start, every
 * instruction a branch of the block jumps to (a label), and the instruction after each
 * conditional branch. The budget is taken a segment at a time on the edge into it (a segment
 * that the budget does not cover is left to the run loop, at its first instruction), so exits
 * inside a segment give back what it did not run. With labels, the code is a `switch` on the
 * label inside a loop: a branch to a label continues the loop there; a label whose own code
 * branches back to it (an inner loop) also gets a loop of its own inside its case.
 */
export function blockSource(list: readonly Decoded[], rips: readonly number[], mode: number, ends: boolean): BlockSource {
  const n = list.length;
  const targets: (number | null)[] = list.map((d, k) => (isBranch(d, true) ? Emitter.target(d, ripAfter(rips[k], d.len, mode), mode) : null));
  const labels = new Set<number>();
  targets.forEach((t) => {
    const j = t === null ? -1 : rips.indexOf(t);
    if (j >= 0) labels.add(j);
  });
  // STRIDED candidates: a label j whose own code (no other label in it) runs straight to the one
  // branch back to j, at b, and touches memory. The instruction after a conditional b becomes a
  // label, so that the loop's unchecked copy can go on there when the branch is not taken.
  const strided = new Map<number, number>();
  if (mode !== MODE_64 && jit.strided) {
    for (let b = 0; b < n; b++) {
      const t = targets[b];
      const j = t === null ? -1 : rips.indexOf(t);
      if (j < 0 || j > b || strided.has(j)) continue;
      let fits = true;
      let memory = false;
      for (let i = j; i <= b; i++) {
        if ((i > j && labels.has(i)) || (i < b && targets[i] === t)) fits = false;
        if (accessesMemory(list[i])) memory = true;
      }
      if (!fits || !memory) continue;
      strided.set(j, b);
      if (list[b].fn === F.jcc && b + 1 < n) labels.add(b + 1);
    }
  }
  const segStart = list.map((d, k) => k === 0 || labels.has(k) || (k > 0 && isBranch(list[k - 1], true)));
  const segLen: number[] = new Array<number>(n).fill(0);
  const segOf: number[] = new Array<number>(n).fill(0);
  for (let k = n - 1, next = n; k >= 0; k--) {
    if (segStart[k]) {
      segLen[k] = next - k;
      next = k;
    }
  }
  for (let k = 0, s = 0; k < n; k++) {
    if (segStart[k]) s = k;
    segOf[k] = s;
  }
  const em = new Emitter(mode);
  let maxTarget = 0;
  const decl: string[] = [];
  for (let k = 0; k < n; k++) decl.push(`d${k} = D[${k}], f${k} = F[${k}]`);
  // Edges into labels: the pending flags they store unless the label's flags are dead (see liveLabels).
  const edgeFlags: { label: number; code: string; self: boolean; pending: Pending; count: number }[] = [];
  const edgeFlush = (label: number, self = false): string => {
    em.reads(); // conservatively: the label may read them
    edgeFlags.push({ label, code: em.edgeSource(), self, pending: em.stored ? null : em.pending, count: em.count });
    return `@E${edgeFlags.length - 1}@`;
  };
  /**
   * Leave the block at RIP `rip` (source) after instruction `k` (none when `k` < 0), `rem`
   * instructions of the current segment unrun: through the exit tail (SHARED_EXIT), whose locals
   * start at "no flags to store, none unrun, no last instruction" (one exit per call).
   */
  const leave = (rip: string, k: number, rem: number, flags: string): string =>
    `{ ${flags}xr = ${rip}; ${rem > 0 ? `xn = ${rem}; xm = ${rem}; ` : ""}${k >= 0 ? `xk = ${k}; xl = ${rips[k]}; ` : ""}break exit; }`;
  /** A fault in instruction `k` (`rem` instructions of its segment after it): it and those after it unrun. */
  const faultLeave = (k: number, rem: number, flags: string): string => `{ ${flags}xj = ${k}; xn = ${rem + 1}; ${rem > 0 ? `xm = ${rem}; ` : ""}break exit; }`;
  /** The edge into segment `s` (from instruction `from`, -1 for none): take its budget, or leave before it. */
  const enter = (s: number, from: number): string =>
    `if (left < ${segLen[s]}) ${leave(String(rips[s]), from, 0, em.flushForExit())} left -= ${segLen[s]};`;
  let calledLast = false;
  let called = 0;
  // Labels with a branch back to themselves from their own code (no other label in between): an
  // inner loop. Its code is wrapped in a loop of its own, `L<k>: for (;;) { ... }`, so that its
  // back edge is a `continue L<k>` rather than a trip through the switch (V8 then sees a natural
  // nested loop; the switch's `pc` lives on the stack). @LO<k>@ / @LC<k>@ open and close it.
  const selfLoops = new Set<number>();
  /**
   * Write instruction `k`: in the block's code, or (`fastLabel` = the loop's label) in the
   * unchecked copy of a STRIDED loop, where it must be written out (false: it is not).
   */
  const instruction = (k: number, fastLabel: number): boolean => {
    const d = list[k];
    const after = ripAfter(rips[k], d.len, mode);
    const rem = segOf[k] + segLen[segOf[k]] - k - 1;
    if (isBranch(d, true) && targets[k] !== null) {
      const target = targets[k] as number;
      if (mode !== MODE_64) maxTarget = Math.max(maxTarget, target);
      const cond = d.fn === F.jcc ? em.condition(d.op & 15) : null;
      const j = rips.indexOf(target);
      const self = j >= 0 && j === em.label;
      if (self) selfLoops.add(j);
      // The unchecked copy's back edge runs it again while its passes last, then the checked loop.
      const again = self && j === fastLabel ? `if (--fn${j} > 0) continue F${j}; ` : "";
      const take = j >= 0
        ? `{ ${enter(j, k)} ${edgeFlush(j, self)}${self ? `${again}continue L${j};` : `pc = ${j}; continue dispatch;`} }`
        : leave(String(target), k, 0, em.flushForExit());
      em.line(cond === null ? take : `if (${cond}) ${take}`);
      if (fastLabel < 0) calledLast = false;
      return true;
    }
    // The flags as they are before this instruction: what its fault exit must leave.
    const mayFault = !REGISTER_ONLY.has(d.fn);
    const flagsBefore = mayFault ? em.flushForExit() : "";
    em.index = k;
    em.nextRip = after;
    // A fault: the instructions before it retired, RIP on it (registers and flags as they were).
    em.faultExit = mayFault ? faultLeave(k, rem, flagsBefore) : "";
    const inlined = em.inline(d, after);
    if (fastLabel >= 0) {
      // The unchecked copy: only an access that kept its checks has a slow path to look at after.
      if (!inlined) return false;
      if (em.fast?.checked[k] !== true) return true;
    } else {
      calledLast = !inlined;
      if (!inlined) {
        called++;
        em.beforeCall();
        em.line(`c.nextRip = ${after};`);
        em.line(`f${k}(c, d${k}); sl = 1;`);
        em.afterCall();
      }
    }
    if (!mayFault) return true;
    // Only a slow path (a method of the machine, or a called executor) can fault, hit a data
    // breakpoint or drop cached code; it sets `sl`, so the fast paths skip these checks. In the
    // unchecked copy, a slow path makes this its last pass (the entry check is made again).
    em.line("if (sl !== 0) {");
    em.line(`sl = 0;${MEMO_RESET}${fastLabel >= 0 ? ` fn${fastLabel} = 1;` : ""}`);
    // A called executor that faulted (an inline slow path left through em.faultExit already).
    if (!inlined) em.line(`if (c.fault !== 0) ${faultLeave(k, rem, "")}`);
    // A data breakpoint or a write that dropped cached code: leave at the next boundary.
    if (k !== n - 1) em.line(`if (c.attention !== 0 || c.codeWrites !== w0) ${leave(String(after), k, rem, em.flushForExit())}`);
    em.line("}");
    return true;
  };
  /** Locals of the STRIDED copies (declared with the block's). */
  const fastLocals: string[] = [];
  /**
   * STRIDED: at the top of loop label `j`, before its checked code, a copy of the loop's code
   * [j, b] whose memory accesses have no checks, run for as many passes as an entry check
   * (stridedCheck) proves every access stays in the page it is in now; then the checked code runs.
   */
  const stridedCopy = (j: number): void => {
    const b = strided.get(j);
    if (b === undefined) return;
    /** Writes the copy with `checked` accesses keeping their checks: its lines and what it logged, or null. */
    const write = (checked: boolean[]): { lines: string[]; log: FastLog } | null => {
      const state = em.save();
      const mark = em.out.length;
      const edges = edgeFlags.length;
      const log: FastLog = { access: [], writes: new Array<number>(n).fill(0), checked };
      em.fast = log;
      let ok = true;
      for (let k = j; k <= b && ok; k++) {
        if (k > j && segStart[k]) em.line(enter(k, k - 1));
        ok = instruction(k, j);
      }
      if (ok && list[b].fn === F.jcc) {
        // Not taken: on to the code after the loop (a label), or out of the block after its last instruction.
        em.line(b + 1 < n ? `${enter(b + 1, b)} ${edgeFlush(b + 1)}pc = ${b + 1}; continue dispatch;` : leave(String(ripAfter(rips[b], list[b].len, mode)), b, 0, em.flushForExit()));
      }
      em.fast = null;
      const lines = em.out.splice(mark);
      em.restore(state);
      if (!ok) edgeFlags.length = edges;
      return ok ? { lines, log } : null;
    };
    // First with every access unchecked, to learn which registers the loop writes and how; then
    // again if some accesses must keep their checks.
    const edges = edgeFlags.length;
    let copy = write([]);
    if (copy === null) return;
    const checked = stridedPlan(list, j, b, copy.log);
    if (checked === null) {
      // No access moves by a fixed stride: no copy (nor the edges it wrote).
      edgeFlags.length = edges;
      return;
    }
    if (checked.some((x) => x)) {
      edgeFlags.length = edges;
      copy = write(checked);
      if (copy === null) return;
    } else if (copy.lines.some((l) => l.includes("sl = 1"))) {
      // Nothing in a copy without checked accesses may have a slow path.
      edgeFlags.length = edges;
      return;
    }
    const check = stridedCheck(em, list, j, b, copy.log);
    for (let k = j; k <= b; k++) if (copy.log.access[k] !== undefined && !checked[k]) fastLocals.push(`x${k} = 0`);
    fastLocals.push(`fn${j} = 0`, `fz${j} = 0`);
    em.line(`if (fz${j} > 0) fz${j}--; else { ${check} if (fn${j} > 1) { F${j}: for (;;) {`);
    em.out.push(...copy.lines);
    // Too few passes to pay for the check: the next few passes run checked without one.
    em.line(`} } fz${j} = ${STRIDED_BACKOFF}; }`);
  };
  if (labels.size > 0) {
    em.out.push(`@LO0@`);
    em.enterLabel(0);
    stridedCopy(0);
  }
  for (let k = 0; k < n; k++) {
    if (k > 0 && segStart[k]) {
      // Falling into a new segment (after a conditional branch not taken, or into a label).
      em.line(enter(k, k - 1));
      if (labels.has(k)) {
        em.line(edgeFlush(k));
        em.out.push(`@LC${em.label}@`);
        em.out.push(`  case ${k}:`);
        em.out.push(`@LO${k}@`);
        em.enterLabel(k);
        stridedCopy(k);
      }
    }
    instruction(k, -1);
  }
  const last = n - 1;
  const lastD = list[last];
  // The end: fall through after the last instruction, or go where a called control transfer went.
  if (!isBranch(lastD, false) || targets[last] === null) {
    const t = ends && calledLast ? "c.nextRip" : String(ripAfter(rips[last], lastD.len, mode));
    em.line(leave(t, last, 0, em.flushForExit()));
  }
  if (labels.size > 0) em.out.push(`@LC${em.label}@`);
  const regs: number[] = [];
  for (let r = 0; r < 16; r++) if ((em.used & (1 << r)) !== 0) regs.push(r);
  const zeroes = regs.filter((r) => (em.zeroes & (1 << r)) !== 0);
  const writeBack = regs.filter((r) => (em.written & (1 << r)) !== 0).map((r) => `r32[${r << 1}] = g${r};`).join(" ");
  const reload = regs.map((r) => `g${r} = r32[${r << 1}];`).join(" ");
  // sR<s>/sW<s>: segment s is flat (base 0, offsets 0 to 4 GiB - 1) and readable/writable, so
  // linear() needs only the 4 GiB end check. The segment registers change only in executors
  // the block calls, after which they are computed again.
  const segs: number[] = [];
  for (let s = 0; s < 8; s++) if ((em.segsUsed & (1 << s)) !== 0) segs.push(s);
  const isFlat = (s: number) => `segBase[${s}] === 0 && segLo[${s}] === 0 && segHi[${s}] === 4294967295`;
  const flatSegments = segs.map((s) => `sR${s} = ${isFlat(s)} && segRead[${s}] !== 0 ? 1 : 0; sW${s} = ${isFlat(s)} && segWrite[${s}] !== 0 ? 1 : 0;`).join(" ");
  const memoReset = em.memoSites > 0 ? " me++;" : "";
  // LOOP_FLAGS. A loop's back edge used to store the flags its last producer left pending (a
  // DEC before the JNZ: eight stores into the machine per pass) whenever the loop's code could
  // read them before producing its own, if only in a fault exit of its first instruction. When
  // every back edge of a loop (a self-loop label whose flags are live) leaves the same kind of
  // producer pending, the edge now sets the local `lp` instead, and the flags stay in fa/fb/fr/fc;
  // wherever the label's code would read the machine's flags while they are still the ones it was
  // entered with (a call, a condition: @LS), it stores them first if `lp` says they came over the
  // back edge; an exit names them for the exit tail (@XF, SHARED_EXIT), which does the same. Its
  // first producer (or anything that sets the flags) clears `lp` (@LZ). Every instruction leaves
  // fa/fb/fr/fc alone until past its last fault point, so they still hold the edge's flags
  // wherever @XF/@LS stand. Any other edge into the label finds
  // `lp` = 0: it leaves a label's entry state only through @LS.
  const loopFlags = new Map<number, string>();
  for (const k of selfLoops) {
    if (!em.liveLabels.has(k)) continue;
    const edges = edgeFlags.filter((e) => e.label === k && e.self);
    const first = edges[0];
    if (first === undefined || first.pending === null || first.pending === "loop") continue;
    if (!edges.every((e) => e.pending === first.pending && e.count === first.count)) continue;
    loopFlags.set(k, flushSource(first.pending, first.count));
  }
  const body = em.out.map((l) =>
    l.split(MEMO_RESET).join(memoReset).split(WRITE_BACK).join(writeBack).split(RELOAD).join(reload).split(SEGMENTS).join(flatSegments)
      .replace(/@E(\d+)@/g, (_m, i: string) => {
        const e = edgeFlags[Number(i)];
        if (!em.liveLabels.has(e.label)) return "";
        return e.self && loopFlags.has(e.label) ? "lp = 1; " : e.code;
      })
      .replace(/@L([SZ])(\d+)@/g, (_m, how: string, k: string) => {
        const store = loopFlags.get(Number(k));
        if (store === undefined) return "";
        return how === "Z" ? "lp = 0;" : `if (lp !== 0) { ${store} lp = 0; }`;
      })
      .replace(/@XF(\d+)@/g, (_m, k: string) => {
        const store = loopFlags.get(Number(k));
        return store === undefined ? "" : `xf = ${LOOP_XF + em.exitStore(store)};`;
      })
      .replace(/^@LO(\d+)@$/, (_m, k: string) => (selfLoops.has(Number(k)) ? `  L${k}: for (;;) {` : ""))
      .replace(/^@LC(\d+)@$/, (_m, k: string) => (selfLoops.has(Number(k)) ? `  break L${k}; }` : "")))
    .filter((l, i) => l !== "" || !/^@L[OC]\d+@$/.test(em.out[i]));
  const looped = labels.size > 0;
  const source = [
    `"use strict";`,
    `const ${decl.join(", ")};`,
    // Named after the first RIP as a 64-bit hexadecimal number (a kernel's RIPs are negative here).
    `return function block_${BigInt.asUintN(64, BigInt(rips[0])).toString(16)}(c, left0) {`,
    `  let left = left0 - ${segLen[0]};`,
    `  const r32 = c.r32, w0 = c.codeWrites;`,
    `  let fa = 0, fb = 0, fr = 0, fc = 0, v = 0, lin = 0, ea = 0, pc = 0, to = 0, ti = 0, tp = 0, tx = 0, tc = undefined, tf = 0, sl = 0, lp = 0;`,
    `  const u = c.systemAccess ? 0 : c.userBit, rTag = c.rTag, rTag32 = c.rTag32, wTag32 = c.wTag32, rBuf = c.rBuf, rOff = c.rOff, wTag = c.wTag, wBuf = c.wBuf, wOff = c.wOff, wCode = c.wCode, rView = c.rView, wView = c.wView, M = c.homeView;`,
    `  const segLo = c.segLo, segHi = c.segHi, segBase = c.segBase, segRead = c.segRead, segWrite = c.segWrite;`,
    ...(segs.length > 0 ? [`  let ${segs.map((s) => `sR${s} = 0, sW${s} = 0`).join(", ")};`, `  ${flatSegments}`] : []),
    ...(regs.length > 0 ? [`  let ${regs.map((r) => `g${r} = r32[${r << 1}]`).join(", ")};`] : []),
    ...(em.rmwDwords ? [`  let tv = rView[0];`] : []),
    ...(fastLocals.length > 0 ? [`  let tq = 0, ${fastLocals.join(", ")};`] : []),
    ...(em.memoSites > 0 ? [`  let me = 0, ${Array.from({ length: em.memoSites }, (_, m) => `mE${m} = -1, mP${m} = 0, mG${m} = 1, mB${m} = 0, mC${m} = tc, mH${m} = 0`).join(", ")};`] : []),
    // Outside 64-bit mode the block stores no high halves (Emitter): a register it writes whose high
    // half is not zero (left by 64-bit code) makes it decline, before anything ran; cpu.ts then
    // interprets, and the interpreter's writes zero them.
    ...(mode !== MODE_64 && zeroes.length > 0 ? [`  if ((${zeroes.map((r) => `r32[${(r << 1) + 1}]`).join(" | ")}) !== 0) return left0;`] : []),
    `  let xf = 0, xr = 0, xj = -1, xn = 0, xm = 0, xk = -1, xl = 0;`,
    `  exit: {`,
    ...(looped ? [`  dispatch: for (;;) switch (pc) {`, `  case 0:`] : []),
    ...body,
    ...(looped ? [`  }`] : []),
    `  }`,
    ...exitTail(em.exitStores, loopFlags.size > 0, writeBack),
    `};`,
  ].join("\n");
  return { source, limitNeeded: Math.max(rips[last] + lastD.len - 1, maxTarget), entry: segLen[0], called };
}

function generate(list: readonly Decoded[], rips: readonly number[], mode: number, ends: boolean): { fn: BlockFn; limitNeeded: number; entry: number } | null {
  if (!jit.enabled) return null;
  try {
    const { source, limitNeeded, entry, called } = blockSource(list, rips, mode, ends);
    // A block that mostly calls executors runs slower than the interpreter's chain of the same
    // instructions (each call stores and reloads the registers the block keeps in locals), and
    // its compilation is not repaid: such code stays interpreted. Tests that compile eagerly
    // still compile everything, to hold every path to the interpreter's results.
    if (called > list.length * (1 - jit.minInlined)) return null;
    if (envDump) console.error(source);
    const factory = new Function("D", "F", "PARITY", "ALU", source) as (D: readonly Decoded[], F: readonly Decoded["fn"][], parity: Uint8Array, alu: typeof arithAlu) => BlockFn;
    return { fn: factory(list, list.map((d) => d.fn), PARITY, arithAlu), limitNeeded, entry };
  } catch (e) {
    // No eval under this page's Content-Security-Policy: interpret everything.
    if (e instanceof EvalError) {
      jit.enabled = false;
      return null;
    }
    // Anything else is a compiler bug: that block is interpreted and the rest still compiled.
    // Tests compile eagerly and see it thrown.
    jit.failed++;
    if (envMode === "eager") throw e;
    return null;
  }
}
