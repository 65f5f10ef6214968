/**
 * `Cpu`: the processor as src/zircon drives it (the VirtualCpu contract of vtx.ts). This file holds
 * the run loop — fetch and decode from the current code page, execute, and at instruction boundaries
 * the event machinery (interrupt shadows, single-step, NMI blocking, interrupt-window exiting,
 * injected events, double and triple faults) — plus the state accessors for the kernel.
 *
 * Hot-path rules (measured with src/x86/bench/speed.ts; see its header for how to run it):
 * - Instructions are decoded once per guest-physical page and offset (CodePageCache in machine.ts)
 *   and carry their executor (`Decoded.fn`, specialised per form in fast.ts). Exactness: within a
 *   run the CPU's own writes drop the entries they touch; at each run() entry every entry is
 *   re-checked against the page bytes on first use (others may write memory between runs).
 * - runFast() is the only loop that runs per instruction; keep it small, with cold work (faults,
 *   misses, boundaries) in separate methods, so V8 optimises it alone and the same way each time.
 *   Straight-line code runs as chains: each cached entry links to the entry that follows it in the
 *   page (Decoded.next), followed without the page lookup while the code page is unchanged; the
 *   budget, `attention` and faults are still checked after every instruction.
 * - Tried and measured slower: dispatching through a `switch` on a per-entry integer kind (with
 *   direct calls to the handlers) instead of the megamorphic `d.fn(this, d)` call.
 * - Fields keep one representation (int32 values stored with `| 0`, RIP a Smi whenever it fits);
 *   no allocation, closures, BigInt or try/catch on the step path.
 * - Small helpers (alu32, read32, linear, setLazy) are what V8 inlines into the handlers; a large
 *   general helper (alu with its size masks) is called instead, at a visible cost.
 */
import { Machine, FAULT_EXIT, ATT_DEBUG } from "./machine";
import { decode, copyDecoded, Decoded, DECODE_NEED_MORE, MODE_64 } from "./decode";
import { specialize } from "./fast";
import { compileBlock, jit, JitBlock } from "./jit";
import { execute } from "./exec-main";
import { deliverEvent, writeFlags, EV_HARDWARE, EV_EXTERNAL, EV_SOFT_EXCEPTION } from "./events";
import { readMsrNative, writeMsrNative } from "./exec-system";
import { DR6_BS, DR6_B_MASK, DR7_GD } from "./debug-regs";
import {
  GuestPhysicalMemory, SegmentState, VirtualCpu, EXIT_NONE, EXIT_TRIPLE_FAULT, EXIT_INTERRUPT_WINDOW, EXIT_HOST_BREAKPOINT,
  EVENT_NMI, EVENT_HARDWARE_EXCEPTION, EVENT_SOFTWARE_EXCEPTION,
} from "./vtx";

const TF = 0x100;
const IF = 0x200;
const RF = 0x10000;
const GP = 13;
const DB = 1;
const DF_VEC = 8;
const PF_VEC = 14;
const TWO32 = 4294967296;
const ATT_TF = 1;
const ATT_SHADOW = 2;
const ATT_WINDOW = 4;
const ATT_STOP = 8;
const ATT_BREAK = 16;

/**
 * Exceptions of the fault class, whose RFLAGS image is pushed with RF = 1 (Intel SDM Vol. 3B
 * §17.3.1.1) so that an instruction breakpoint does not fire again when the handler returns to the
 * faulting instruction. Not faults: #DB (its instruction-breakpoint form pushes RF as it is), #BP
 * and #OF (traps), #DF and #MC (aborts).
 */
function isFaultClass(v: number): boolean {
  return v < 32 && v !== 1 && v !== 3 && v !== 4 && v !== 8 && v !== 18;
}

/** A REP-prefixed MOVS/CMPS/STOS/LODS/SCAS (which may stop between iterations with RIP on itself). */
function isRepString(d: Decoded | null): boolean {
  if (d === null || d.rep === 0) return false;
  const op = d.op;
  return op >= 0xa4 && op <= 0xaf && op !== 0xa8 && op !== 0xa9;
}

function isContributory(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13);
}

/** Intel SDM Vol. 3A table 6-5: which exception pairs make a double fault. */
function makesDoubleFault(first: number, second: number): boolean {
  if (isContributory(first)) return isContributory(second);
  if (first === PF_VEC) return isContributory(second) || second === PF_VEC;
  return false;
}

function toU64(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

export class Cpu extends Machine implements VirtualCpu {
  private windowExiting = false;
  private stopRequested = false;
  private pendingVector = -1;
  private pendingType = 0;
  private pendingError = -1;
  private readonly breakpoints = new Set<number>();
  private skipBreakpointAt = NaN;
  private readonly scratch = new Uint8Array(32);
  private instSrc: Uint8Array = this.scratch;
  private instPos = 0;
  private lastCr0 = NaN;
  private lastCr3 = NaN;
  private lastCr4 = NaN;
  private lastEfer = NaN;
  /**
   * The last instruction executed and its RIP (recorded by stepOne, and by runFast when it returns):
   * when RIP is still lastRip and it is a REP string instruction, it stopped before its last
   * iteration, and an event delivered now pushes RF = 1 (Intel SDM Vol. 3B §17.3.1.1).
   */
  lastD: Decoded | null = null;
  lastRip = NaN;
  /**
   * instructionsRetired when the last run ended on its budget (-1 after an exit): the next run's
   * first instruction is then wherever the budget happened to stop, and its lookup does not count
   * toward compiling a block there (jit.everyLookup says why).
   */
  private cutAt = -1;

  constructor(mem: GuestPhysicalMemory) {
    super(mem);
  }

  // =====================================================================================
  // Run loop
  // =====================================================================================

  run(budget: number): number {
    const e = this.exit;
    e.reason = EXIT_NONE;
    e.instructionLength = 0;
    this.fault = 0;
    this.runEpoch++;
    this.syncExternalState();
    if (this.dbgTrap !== 0 && !(this.shadow === 2 && this.shadowMovSs)) {
      const r = this.debugTrap();
      if (r >= 0) return this.finish(r);
    }
    if (this.pendingVector >= 0) {
      const r = this.injectPending();
      if (r >= 0) return this.finish(r);
    }
    let left = budget;
    while (left > 0) {
      if (this.attention !== 0) {
        // Traps of the previous instruction come first at a boundary (Intel SDM Vol. 3A table 6-2):
        // one #DB for its data breakpoints and single step, unless it was MOV SS / POP SS, whose
        // debug traps wait until after the next instruction (§6.8.3).
        if ((this.dbgHits | this.dbgTrap) !== 0) {
          this.dbgTrap |= this.dbgHits;
          this.dbgHits = 0;
          if (!(this.shadow === 2 && this.shadowMovSs)) {
            const r0 = this.debugTrap();
            if (r0 >= 0) return this.finish(r0);
          }
        }
        const r = this.boundary();
        if (r >= 0) return this.finish(r);
        if (this.attention === 0) continue;
        const tf = this.flags & TF;
        this.eventInInstruction = false;
        const retiredBefore = this.instructionsRetired;
        const r2 = this.stepOne();
        left--;
        if (r2 >= 0) return this.finish(r2);
        // Single-step trap after an instruction that began with TF = 1 (Intel SDM Vol. 3B §17.3.1.4),
        // not after an INT n that cleared TF; reported at the next boundary with any data breakpoint
        // hits of the same instruction (after MOV SS / POP SS, one instruction later).
        if (tf && this.instructionsRetired !== retiredBefore && !this.eventInInstruction) {
          this.dbgTrap |= DR6_BS;
          this.attention |= ATT_DEBUG;
        }
        continue;
      }
      // Fast path: nothing to do at boundaries.
      const l = this.runFast(left);
      if (l < 0) return this.finish(-1 - l);
      left = l;
    }
    // The budget ran out right after an instruction with a debug trap: deliver it now (it is not an instruction).
    if ((this.dbgHits | this.dbgTrap) !== 0) {
      this.dbgTrap |= this.dbgHits;
      this.dbgHits = 0;
      if (!(this.shadow === 2 && this.shadowMovSs)) {
        const r = this.debugTrap();
        if (r >= 0) return this.finish(r);
      }
    }
    this.cutAt = this.instructionsRetired;
    return this.finish(EXIT_NONE);
  }

  /**
   * The hot loop, while no boundary work is pending: returns the budget left (when it ran out or
   * `attention` was set), or -1 - reason when an exit ends the run. The common case of stepOne is
   * written out here (current code page, cached instruction already validated in this run) so
   * that it costs no call besides the handler's; anything else goes through stepOne. It is a
   * method of its own so that V8 optimises this loop alone, with feedback that is stable from the
   * first slice on (the run() prologue and exits do not disturb it).
   */
  private runFast(left: number): number {
    // The last instruction run from the cache, when execution fell through from it to `linkRip`
    // within its code page (`linkKey`) and it had no `next` link yet: linked to the entry found there.
    let link: Decoded | null = null;
    let linkRip = -1;
    let linkKey = NaN;
    while (left > 0 && this.attention === 0) {
      let rip = this.rip;
      const mode = this.codeMode;
      // Outside 64-bit mode RIP is already a uint32 (a uint16 in 16-bit mode): with a zero CS base
      // (flat code) it is the linear address, with no float-to-int conversion.
      const csBase = this.segBase[1];
      const lin = mode === 2 || csBase === 0 ? rip : (csBase + rip) >>> 0;
      let o = lin & 0xfff;
      const e = this.codeEntries[o];
      const key = this.codeKey;
      // An entry not yet used in this run is revalidated here (its bytes against the page's), as
      // stepOne would: after every VM exit each instruction is new to the run.
      if (e !== undefined && lin - o + this.userBit === key && e.mode === mode && (e.epoch === this.runEpoch || this.revalidate(e, o))) {
        // Whether the instruction run just before fell through to this one (in this page): see
        // jit.everyLookup for why that lookup does not count toward compiling a block here.
        let fell = false;
        if (link !== null) {
          if (rip === linkRip && key === linkKey) {
            link.next = e;
            fell = true;
          }
          link = null;
        }
        // A compiled block starts here (jit.ts): run it when the budget covers a whole pass, it
        // fits the CS limit, and its instructions are still the page's.
        const b = e.block;
        if (b !== null) {
          if (b.rip === rip && left >= b.n && (mode === 2 || b.limitNeeded <= this.segLimit[1]) &&
              ((b.epoch === this.runEpoch && b.writes === this.codeWrites) || this.validateBlock(e, b))) {
            // The budget of this call: all of it, or one pass while warm (jit.ts WARM_CALLS), or a
            // few passes while short (SHORT_CALLS). One call site for the three: a site first
            // reached at the first full call (after thousands of short ones) had no type feedback,
            // and V8 threw this loop's optimised code away there.
            let n = left;
            if ((b.warm | b.short) !== 0) {
              if (b.warm !== 0) {
                b.warm--;
                n = b.n;
              } else {
                const cap = b.n * jit.shortPasses;
                if (left > cap) {
                  b.short--;
                  n = cap;
                }
              }
            }
            const l = left - n + b.fn(this, n);
            if (this.fault !== 0) {
              left = l;
              const k = this.jitIndex;
              this.rip = b.rips[k];
              const r = this.cachedFault(b.offsets[k], b.entries[k].len);
              if (r >= 0) return -1 - r;
              continue;
            }
            // A block that ran anything used budget; one that declined (a register it writes has
            // a high half 64-bit code left nonzero) falls through to the interpreter below.
            if (l !== left) {
              left = l;
              continue;
            }
          }
        } else if ((jit.everyLookup || (!fell && this.instructionsRetired !== this.cutAt)) && ++e.hits >= jit.threshold && jit.enabled) {
          e.block = compileBlock(e, o, rip, this.codeEntries, this.validInRun);
          continue;
        }
        let d: Decoded = e;
        // Run the chain of cached instructions that follow each other in this page. A link is
        // followed only when the instruction fell through to it (RIP = its address), the code
        // page is unchanged (loadCodePage only runs at a fetch miss, and anything that changes
        // mode, paging or the TLB resets codeKey) and the entry is valid in this run (epoch:
        // revalidated, not dropped by a write): exactly what the lookup above would have found.
        // The CS limit only changes with CS, which resets codeKey and so ends the chain. Numbers
        // are literals below (MODE_64 = 2, 2^32): module constants cost a context load each time.
        const limit = this.segLimit[1];
        for (;;) {
          left--;
          const len = d.len;
          if (mode === 2) this.nextRip = rip + len;
          else if (rip + len - 1 > limit) {
            const r = this.limitFault(o, len);
            if (r >= 0) return -1 - r;
            break;
          } else if (mode === 1) {
            // The limit check bounds rip + len by 2^32: only exactly 2^32 wraps (to 0).
            const n = rip + len;
            this.nextRip = n === 4294967296 ? 0 : n;
          } else this.nextRip = (rip + len) & 0xffff;
          d.fn(this, d);
          if (this.fault !== 0) {
            const r = this.cachedFault(o, len);
            if (r >= 0) return -1 - r;
            break;
          }
          const n = this.nextRip;
          this.rip = n;
          this.instructionsRetired++;
          if (left <= 0 || this.attention !== 0) {
            this.lastD = d;
            this.lastRip = rip;
            return left;
          }
          const next = d.next;
          if (n !== rip + len || this.codeKey !== key) break;
          if (next === null || next.epoch !== this.runEpoch) {
            if (o + len < 4096) {
              link = d;
              linkRip = n;
              linkKey = key;
            }
            break;
          }
          d = next;
          rip = n;
          o += len;
        }
        continue;
      }
      link = null;
      // Another code page (a call, a return, a jump to another page: in a kernel, every ten
      // instructions or so): make it current here and look again, rather than running its first
      // instruction through stepOne. stepOne keeps what this does not: instruction breakpoints
      // (their pages never become current), faults, and instructions not cached or not yet
      // revalidated in this run.
      if (lin - o + this.userBit !== key && this.execBreak === 0) {
        if (!this.loadCodePage(lin)) {
          left--;
          const r = this.onFault(0);
          if (r >= 0) return -1 - r;
          continue;
        }
        const e2 = this.codeEntries[o];
        if (this.codeKey === lin - o + this.userBit && e2 !== undefined && e2.mode === mode && e2.epoch === this.runEpoch) continue;
      }
      left--;
      const r = this.stepOne();
      if (r >= 0) return -1 - r;
    }
    return left;
  }

  /**
   * Whether block `b` (attached to entry `e` of the current code page) still holds the page's
   * instructions: each entry valid in this run, revalidated against the page bytes on its first
   * use in the run. A block that lost an entry is dropped, to be compiled again once hot.
   */
  private validateBlock(e: Decoded, b: JitBlock): boolean {
    const entries = b.entries;
    // Valid in an earlier run, and no cached instruction dropped or replaced since (codeWrites
    // counts every drop): only a write the CPU did not see (the host's, between runs) can have
    // changed the block's bytes, so comparing them with the shadow, which its entries were decoded
    // from, is the whole check. Its instructions follow each other, so they are one range of bytes.
    // (After every VM exit this is how a loop's block is found still good.)
    if (b.epoch >= 0 && b.writes === this.codeWrites) {
      const last = entries.length - 1;
      const start = b.offsets[0];
      if (this.sameAsShadow(start, b.offsets[last] + entries[last].len - start)) {
        b.epoch = this.runEpoch;
        return true;
      }
    }
    for (let k = 0; k < entries.length; k++) {
      const x = entries[k];
      if (x.epoch === this.runEpoch) continue;
      const o = b.offsets[k];
      if (x.epoch < 0 || this.codeEntries[o] !== x || !this.revalidate(x, o)) {
        e.block = null;
        e.hits = 0;
        return false;
      }
    }
    b.epoch = this.runEpoch;
    b.writes = this.codeWrites;
    return true;
  }

  /** A cached instruction at page offset `o` goes past the CS limit: #GP(0). */
  private limitFault(o: number, len: number): number {
    this.raise(GP, 0);
    return this.cachedFault(o, len);
  }

  /** `fault` after a cached instruction at page offset `o` (its bytes are in the code page: executing never changes it). */
  private cachedFault(o: number, len: number): number {
    this.instSrc = this.codeBuf;
    this.instPos = this.codeOff + o;
    return this.onFault(len);
  }

  private finish(reason: number): number {
    if (reason !== EXIT_NONE) this.cutAt = -1;
    this.fault = 0;
    this.exit.reason = reason;
    this.lastCr0 = this.cr0;
    this.lastCr3 = this.cr3N;
    this.lastCr4 = this.cr4;
    this.lastEfer = this.efer;
    return reason;
  }

  /** The kernel may have written registers between runs: re-derive caches and flush the TLB if needed. */
  private syncExternalState(): void {
    if (this.cr0 !== this.lastCr0 || this.cr3N !== this.lastCr3 || this.cr4 !== this.lastCr4 || this.efer !== this.lastEfer || this.memGeneration !== this.mem.generation) {
      this.flushTlb();
      for (let s = 0; s < 8; s++) this.refreshSegment(s);
      this.updateMode();
    }
    this.recomputeAttention();
  }

  private recomputeAttention(): void {
    let a = 0;
    if (this.flags & (TF | RF)) a |= ATT_TF;
    if ((this.dbgTrap | this.dbgHits) !== 0) a |= ATT_DEBUG;
    if (this.shadow !== 0) a |= ATT_SHADOW;
    if (this.windowExiting) a |= ATT_WINDOW;
    if (this.stopRequested) a |= ATT_STOP;
    if (this.breakpoints.size !== 0) a |= ATT_BREAK;
    this.attention = a;
  }

  /** Work at an instruction boundary. Returns an exit reason, or -1 to go on. */
  private boundary(): number {
    if (this.stopRequested) {
      this.stopRequested = false;
      this.recomputeAttention();
      return EXIT_NONE;
    }
    if (this.shadow > 0) this.shadow--;
    if (this.windowExiting && this.canTakeInterrupt()) {
      this.recomputeAttention();
      return EXIT_INTERRUPT_WINDOW;
    }
    if (this.breakpoints.size !== 0) {
      if (this.breakpoints.has(this.rip) && this.rip !== this.skipBreakpointAt) {
        this.skipBreakpointAt = this.rip;
        this.recomputeAttention();
        return EXIT_HOST_BREAKPOINT;
      }
      this.skipBreakpointAt = NaN;
    }
    this.recomputeAttention();
    return -1;
  }

  /**
   * Fetch, decode and execute one instruction. Returns an exit reason or -1.
   *
   * Hot path (keep it small; it is inlined into run): the code page is current (codeKey), the
   * instruction is in the page's decoded cache with the same mode and the same bytes (see
   * CodePageCache in machine.ts), and its specialised handler `d.fn` runs it.
   */
  private stepOne(): number {
    const rip = this.rip;
    const mode = this.codeMode;
    const lin = mode === MODE_64 ? rip : (this.segBase[1] + rip) >>> 0;
    // Instruction breakpoints: a fault before the instruction (and before its fetch faults), unless
    // RF = 1 or in a MOV SS / POP SS shadow (Intel SDM Vol. 3B §17.3.1.1, Vol. 3A §6.8.3). Pages
    // holding one never become the current code page, so runFast sends their instructions here.
    if (this.execBreak !== 0 && (this.flags & RF) === 0 && !(this.shadow !== 0 && this.shadowMovSs)) {
      const hits = this.execBreakHits(lin);
      if (hits !== 0) return this.codeBreakpoint(hits);
    }
    // RF is cleared as the instruction starts, after the code-breakpoint check (§17.3.1.1).
    this.flags &= ~RF;
    const o = lin & 0xfff;
    if (lin - o + this.userBit !== this.codeKey && !this.loadCodePage(lin)) return this.onFault(0);
    const buf = this.codeBuf;
    const p = this.codeOff + o;
    let d = this.codeEntries[o];
    let len: number;
    if (d !== undefined && d.mode === mode && (d.epoch === this.runEpoch || this.revalidate(d, o))) {
      len = d.len;
      this.instSrc = buf;
      this.instPos = p;
    } else {
      d = this.d;
      len = decode(d, buf, p, p + 4096 - o, mode);
      if (len >= 0) {
        this.instSrc = buf;
        this.instPos = p;
        d = this.cacheDecoded(d, buf, p, o, len);
      } else {
        len = this.decodeAcrossPages(lin, o, mode);
        if (len < 0) return this.onFault(0);
      }
    }
    if (mode !== MODE_64 && rip + len - 1 > this.segLimit[1]) {
      this.raise(GP, 0);
      return this.onFault(len);
    }
    this.nextRip = mode === MODE_64 ? rip + len : mode === 1 ? (rip + len) >>> 0 : (rip + len) & 0xffff;
    d.fn(this, d);
    if (this.fault !== 0) return this.onFault(len);
    this.rip = this.nextRip;
    this.instructionsRetired++;
    this.lastD = d;
    this.lastRip = rip;
    return -1;
  }

  /** Whether the current code page's entry `d` at offset `o` holds the page's bytes in this run (compileBlock's test). */
  private readonly validInRun = (d: Decoded, o: number): boolean => d.epoch === this.runEpoch || this.revalidate(d, o);

  /**
   * First use of a cached entry in this run: the page must still hold the bytes it was decoded
   * from (memory may have been written by others since the last run).
   */
  private revalidate(d: Decoded, o: number): boolean {
    if (!this.sameAsShadow(o, d.len)) return false;
    d.epoch = this.runEpoch;
    return true;
  }

  /**
   * Whether the `n` bytes at offset `o` of the current code page still equal its shadow (every
   * cached instruction's bytes are there): four at a time through DataViews, the last one to three
   * as one masked dword (one by one at the end of a page or buffer). Both ranges lie inside their
   * page (no cached instruction straddles one). After each VM exit every instruction and block the
   * guest runs is checked this way once.
   */
  private sameAsShadow(o: number, n: number): boolean {
    const sh = this.codeShadowView;
    const mem = this.codeView;
    const p = this.codeOff + o;
    let k = 0;
    for (; k + 4 <= n; k += 4) if (sh.getInt32(o + k, true) !== mem.getInt32(p + k, true)) return false;
    const rest = n - k;
    if (rest === 0) return true;
    // One to three bytes left (most instructions are that short): one masked dword, where a dword
    // fits in both the page and its buffer.
    if (o + k + 4 <= 4096 && p + k + 4 <= mem.byteLength) {
      return ((sh.getInt32(o + k, true) ^ mem.getInt32(p + k, true)) & (0xffffff >>> (24 - 8 * rest))) === 0;
    }
    for (; k < n; k++) if (sh.getUint8(o + k) !== mem.getUint8(p + k)) return false;
    return true;
  }

  /** Store a copy of the freshly decoded `d` (at page offset `o`) in the current page's cache. */
  private cacheDecoded(d: Decoded, buf: Uint8Array, p: number, o: number, len: number): Decoded {
    const e = new Decoded();
    copyDecoded(e, d);
    e.fn = specialize(e);
    e.epoch = this.runEpoch;
    // Entries overlapping a byte that changed since they were decoded were decoded from other
    // bytes: drop them before the shadow takes the new bytes (an entry validates against shadow).
    const sh = this.codeShadow;
    const entries = this.codeEntries;
    let lo = -1;
    let hi = -1;
    for (let k = 0; k < len; k++) {
      if (sh[o + k] !== buf[p + k]) {
        sh[o + k] = buf[p + k];
        if (lo < 0) lo = o + k;
        hi = o + k;
      }
    }
    if (lo >= 0) {
      for (let j = Math.max(0, lo - 14); j <= hi; j++) {
        const x = entries[j];
        if (x !== undefined && j + x.len > lo) {
          x.epoch = -1;
          entries[j] = undefined;
          this.codeWrites++;
        }
      }
    }
    // An entry replaced here (other bytes, or another code mode) leaves the cache: no write will
    // drop it any more, so no `next` link may lead to it either.
    const cov = this.codeCovered;
    for (let k = 0; k < len; k++) cov[o + k] = 1;
    const page = this.codePage;
    if (page !== null && o + len > page.coveredEnd) page.coveredEnd = o + len;
    const old = entries[o];
    if (old !== undefined) {
      old.epoch = -1;
      this.codeWrites++;
    } else this.codeCacheInstructions++;
    entries[o] = e;
    return e;
  }

  /** An instruction that straddles a page boundary: gather its bytes (faulting only on bytes it needs). */
  private decodeAcrossPages(lin: number, o: number, mode: number): number {
    const s = this.scratch;
    let have = Math.min(4096 - o, 15);
    for (let k = 0; k < have; k++) s[k] = this.codeBuf[this.codeOff + o + k];
    let len = decode(this.d, s, 0, have, mode);
    if (len === DECODE_NEED_MORE && have < 15) {
      const next = mode === MODE_64 ? lin + have : (lin + have) >>> 0;
      if (!this.loadCodePage(next)) return -1;
      const more = 15 - have;
      for (let k = 0; k < more; k++) s[have + k] = this.codeBuf[this.codeOff + k];
      have = 15;
      len = decode(this.d, s, 0, have, mode);
    }
    if (len < 0) {
      this.raise(GP, 0); // longer than 15 bytes (Intel SDM Vol. 2 §2.3.11)
      return -1;
    }
    this.instSrc = s;
    this.instPos = 0;
    this.d.fn = execute;
    return len;
  }

  /** Handle `fault`: an exit returns its reason (instruction info filled); an exception is delivered. */
  private onFault(len: number): number {
    // The instruction did not complete: its data breakpoint hits are not reported (it will run again).
    this.dbgHits = 0;
    if (this.fault === FAULT_EXIT) {
      this.fault = 0;
      const e = this.exit;
      if (e.reason !== EXIT_TRIPLE_FAULT) {
        e.instructionLength = len;
        for (let k = 0; k < len; k++) e.instructionBytes[k] = this.instSrc[this.instPos + k];
      }
      return e.reason;
    }
    const v = this.faultVector;
    const code = this.faultCode;
    this.fault = 0;
    // An instruction's own #DB here is general detect (MOV DRn with DR7.GD): a fault, so RF = 1 too
    // (instruction breakpoints go through codeBreakpoint, traps through debugTrap).
    if (isFaultClass(v) || v === DB) this.flags |= RF;
    return this.deliverException(v, code, EV_HARDWARE, this.rip);
  }

  /**
   * Deliver the trap-class #DB of `dbgTrap` (Intel SDM Vol. 3B §17.2.3): DR6.B0-B3 become the data
   * breakpoints hit, BS is added for single step; DR7.GD is cleared on entry to the handler
   * (§17.2.4). The pushed RF is 1 after a non-final iteration of a REP string instruction.
   */
  private debugTrap(): number {
    const bits = this.dbgTrap;
    this.dbgTrap = 0;
    this.dr[6] = ((this.dr[6] & ~DR6_B_MASK) | bits) >>> 0;
    this.dr[7] = (this.dr[7] & ~DR7_GD) >>> 0;
    if (this.rip === this.lastRip && isRepString(this.lastD)) this.flags |= RF;
    const r = this.deliverException(DB, -1, EV_HARDWARE, this.rip);
    this.recomputeAttention();
    return r;
  }

  /** An instruction breakpoint (fault): #DB before the instruction, DR6.B0-B3 = `hits`, RF pushed as it is (0). */
  private codeBreakpoint(hits: number): number {
    this.dr[6] = ((this.dr[6] & ~DR6_B_MASK) | hits) >>> 0;
    this.dr[7] = (this.dr[7] & ~DR7_GD) >>> 0;
    return this.deliverException(DB, -1, EV_HARDWARE, this.rip);
  }

  /** Deliver with the double-fault rules; a fault while delivering #DF is a triple fault (exit). */
  private deliverException(vector: number, code: number, kind: number, retRip: number): number {
    this.materialize();
    if (deliverEvent(this, vector, code, kind, retRip)) {
      this.shadow = 0;
      this.recomputeAttention();
      return -1;
    }
    if (this.fault === FAULT_EXIT) {
      this.fault = 0;
      this.exit.instructionLength = 0;
      return this.exit.reason;
    }
    const second = this.faultVector;
    const code2 = this.faultCode;
    this.fault = 0;
    if (vector === DF_VEC) {
      this.tripleFault();
      this.fault = 0;
      return EXIT_TRIPLE_FAULT;
    }
    if (makesDoubleFault(vector, second)) return this.deliverException(DF_VEC, 0, EV_HARDWARE, retRip);
    return this.deliverException(second, code2, EV_HARDWARE, retRip);
  }

  private injectPending(): number {
    const v = this.pendingVector;
    const type = this.pendingType;
    const code = this.pendingError;
    this.pendingVector = -1;
    const kind = type === EVENT_HARDWARE_EXCEPTION ? EV_HARDWARE : type === EVENT_SOFTWARE_EXCEPTION ? EV_SOFT_EXCEPTION : EV_EXTERNAL;
    // RF in the pushed image (Intel SDM Vol. 3B §17.3.1.1): 1 for a fault (the hypervisor injects it
    // against the instruction RIP points at) and for an interrupt that arrives between iterations
    // of a REP string instruction; otherwise RFLAGS.RF as it is.
    if ((kind === EV_HARDWARE && isFaultClass(v)) || (kind === EV_EXTERNAL && this.rip === this.lastRip && isRepString(this.lastD))) this.flags |= RF;
    const r = this.deliverException(v, code, kind, this.rip);
    if (r < 0 && type === EVENT_NMI) this.nmiBlocked = true;
    return r;
  }

  // =====================================================================================
  // VirtualCpu
  // =====================================================================================

  requestStop(): void {
    this.stopRequested = true;
    this.attention |= ATT_STOP;
  }

  get interruptWindowExiting(): boolean {
    return this.windowExiting;
  }

  set interruptWindowExiting(v: boolean) {
    this.windowExiting = v;
    if (v) this.attention |= ATT_WINDOW;
  }

  injectEvent(vector: number, type: number, errorCode: number): void {
    this.pendingVector = vector & 0xff;
    this.pendingType = type;
    this.pendingError = errorCode;
  }

  canTakeInterrupt(): boolean {
    return (this.flags & IF) !== 0 && this.shadow === 0;
  }

  canTakeNmi(): boolean {
    return !this.nmiBlocked && !(this.shadow !== 0 && this.shadowMovSs);
  }

  clearInterruptShadow(): void {
    this.shadow = 0;
    this.shadowMovSs = false;
  }

  /** Host debugging: exit with EXIT_HOST_BREAKPOINT before executing the instruction at `rip`. */
  setHostBreakpoint(rip: bigint, enabled: boolean): void {
    const v = Number(BigInt.asIntN(64, rip));
    if (enabled) this.breakpoints.add(v);
    else this.breakpoints.delete(v);
    this.recomputeAttention();
  }

  /**
   * Host debugging: removes every host breakpoint. A VCPU stopped at a breakpoint still executes
   * that instruction when it resumes, even if the breakpoint is set again meanwhile.
   */
  clearHostBreakpoints(): void {
    this.breakpoints.clear();
    this.recomputeAttention();
  }

  getRegister(index: number): bigint {
    return (BigInt(this.r32[(index << 1) + 1] >>> 0) << 32n) | BigInt(this.r32[index << 1] >>> 0);
  }

  setRegister(index: number, value: bigint): void {
    const v = BigInt.asUintN(64, value);
    this.r32[index << 1] = Number(v & 0xffffffffn);
    this.r32[(index << 1) + 1] = Number(v >> 32n);
  }

  getRip(): bigint {
    return toU64(this.rip);
  }

  setRip(value: bigint): void {
    this.rip = Number(BigInt.asIntN(64, value));
  }

  ripNumber(): number {
    return this.rip;
  }

  setRipNumber(value: number): void {
    this.rip = value;
  }

  getRegister32(index: number): number {
    return this.r32[index << 1] >>> 0;
  }

  /** Writes the low 32 bits of a general register and keeps the high 32 (not x86's zero extension: a host write). */
  setRegisterLow32(index: number, value: number): void {
    this.r32[index << 1] = value;
  }

  segmentAccessRights(seg: number): number {
    return this.segAr[seg];
  }

  getRflags(): number {
    return this.getFlags();
  }

  setRflags(value: number): void {
    writeFlags(this, value);
    this.flags |= value & 0x20000; // VM is not writable by instructions but is by the host
    // Entering or leaving virtual-8086 mode changes CPL, the code mode and segment permissions.
    for (let s = 0; s < 8; s++) this.refreshSegment(s);
    this.updateMode();
  }

  getSegment(seg: number): SegmentState {
    return { selector: this.segSel[seg], base: toU64(this.segBase[seg]), limit: this.segLimit[seg], accessRights: this.segAr[seg] };
  }

  setSegment(seg: number, state: SegmentState): void {
    this.segSel[seg] = state.selector & 0xffff;
    this.segBase[seg] = Number(BigInt.asIntN(64, state.base));
    this.segLimit[seg] = state.limit >>> 0;
    this.segAr[seg] = state.accessRights;
    this.refreshSegment(seg);
    // CPL is SS.DPL (as VMX defines it for guest state; Intel SDM Vol. 3C §26.3.1.5).
    if (seg === 2) this.cpl = (this.cr0 & 1) ? (state.accessRights >> 5) & 3 : 0;
    this.updateMode();
  }

  get gdtrBase(): bigint { return toU64(this.gdtrBaseN); }
  set gdtrBase(v: bigint) { this.gdtrBaseN = Number(BigInt.asIntN(64, v)); }
  get idtrBase(): bigint { return toU64(this.idtrBaseN); }
  set idtrBase(v: bigint) { this.idtrBaseN = Number(BigInt.asIntN(64, v)); }
  get cr2(): bigint { return toU64(this.cr2N); }
  set cr2(v: bigint) { this.cr2N = Number(BigInt.asIntN(64, v)); }
  get cr3(): bigint { return toU64(this.cr3N); }
  set cr3(v: bigint) { this.cr3N = Number(BigInt.asUintN(52, v)); }

  readMsr(msr: number): bigint | undefined {
    if (!readMsrNative(this, msr >>> 0)) return undefined;
    return (BigInt(this.mulOut[1] >>> 0) << 32n) | BigInt(this.mulOut[0] >>> 0);
  }

  writeMsr(msr: number, value: bigint): boolean {
    const v = BigInt.asUintN(64, value);
    return writeMsrNative(this, msr >>> 0, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0) === 1;
  }

  /** The current TSC value (tscOffset + instructionsRetired × tscPerInstruction). */
  get tsc(): number {
    return this.tscOffset + this.instructionsRetired * this.tscPerInstruction;
  }
}

