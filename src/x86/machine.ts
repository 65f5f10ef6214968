/**
 * The architectural state of one x86-64 processor and the hot helpers every instruction uses:
 * registers (typed-array aliases), lazy arithmetic flags, segmentation, paging with a software TLB,
 * guest-physical access through PhysicalMemory (EPT), and fault signalling.
 *
 * Faults never throw. A helper that faults records it in `fault` (FAULT_EXC: a guest exception to
 * deliver; FAULT_EXIT: a VM exit, `exit` filled) and returns 0; the executor checks `fault` before it
 * commits anything, so a faulting instruction leaves no visible effect (Intel SDM Vol. 3A §6.5:
 * faults are reported with the state as it was before the instruction).
 *
 * Linear addresses are JS numbers: uint32 outside 64-bit mode, and the exact signed value of a
 * canonical address in 64-bit mode (so 0xffffffff80000000 is -2147483648).
 */
import { ExitInfo, GuestPhysicalMemory, EXIT_EPT_VIOLATION, EXIT_TRIPLE_FAULT, ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH, PERM_READ, PERM_WRITE, PERM_EXECUTE } from "./vtx";
import { Decoded, MODE_16, MODE_32, MODE_64 } from "./decode";

// RFLAGS bits (Intel SDM Vol. 1 §3.4.3).
const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const ARITH = CF | PF | AF | ZF | SF | OF;

// Lazy flag operations.
export const LZ_ADD = 0;
export const LZ_ADC = 1;
export const LZ_SUB = 2;
export const LZ_SBB = 3;
export const LZ_LOGIC = 4;

export const FAULT_NONE = 0;
export const FAULT_EXC = 1;
export const FAULT_EXIT = 2;

// Exception vectors.
const GP = 13;
const SS_FAULT = 12;
const PF_VEC = 14;

const CR0_PG = 0x80000000 | 0;
const CR0_WP = 0x10000;
const CR4_PSE = 0x10;
const CR4_PAE = 0x20;
const EFER_NXE = 0x800;
const EFER_LMA = 0x400;

const TLB_SIZE = 1024;
const TLB_MASK = TLB_SIZE - 1;
const TWO32 = 4294967296;
const CANON_LIMIT = 140737488355328; // 2^47

/** Parity flag table: PF set when the low byte has an even number of 1 bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let n = 0;
  for (let b = i; b; b >>= 1) n += b & 1;
  PARITY[i] = n & 1 ? 0 : PF;
}

const EMPTY_PAGE = new Uint8Array(4096);

/**
 * Decoded instructions of one page of guest memory, by offset in the page. An entry is valid only
 * while the page holds the bytes it was decoded from (`shadow` keeps a copy of them):
 * - within a run, only this CPU writes guest memory: every write that lands on a page with a cache
 *   (write-TLB flag `wCode`, or writePhys32 for paging A/D bits) drops the entries it may touch;
 * - between runs anyone may have written (the host, device models, another vCPU): at its first use
 *   in a run (Decoded.epoch !== runEpoch) an entry is compared with the page bytes.
 * A VM entry/exit boundary is where x86 requires cross-modifying code to be synchronised anyway
 * (Intel SDM Vol. 3A, "Handling Self- and Cross-Modifying Code"). Decoding depends only on the
 * bytes and the code mode (checked too).
 * Instructions that straddle a page boundary are never cached.
 */
interface CodePageCache {
  entries: (Decoded | undefined)[];
  shadow: Uint8Array;
}
const NO_ENTRIES: (Decoded | undefined)[] = new Array<Decoded | undefined>(4096).fill(undefined);
/** At most this many pages of decoded instructions (under 1 MiB each when full); then start over. */
const CODE_CACHE_PAGES = 256;

export class Machine {
  readonly mem: GuestPhysicalMemory;
  readonly exit = new ExitInfo();
  /** The decode record of the current instruction (shared by the executors). */
  readonly d = new Decoded();

  // ---- General registers: 16 × 8 bytes, little-endian; r32[2i] is the low half of register i.
  readonly regs = new ArrayBuffer(16 * 8);
  readonly r32 = new Int32Array(this.regs);
  readonly r16 = new Uint16Array(this.regs);
  readonly r8 = new Uint8Array(this.regs);
  /** RIP/EIP (see the file comment for the representation). */
  rip = 0;
  /** Where the current instruction continues; executors set it for control transfers. */
  nextRip = 0;

  // ---- Flags: `flags` holds every bit except those in `lazyMask`, which derive from lz*.
  flags = 2;
  lazyMask = 0;
  lzOp = 0;
  lzSize = 4;
  lzA = 0;
  lzB = 0;
  lzR = 0;
  lzAHi = 0;
  lzBHi = 0;
  lzRHi = 0;
  lzCin = 0;

  // ---- Segments (ES CS SS DS FS GS LDTR TR): selector and descriptor cache.
  readonly segSel = new Uint16Array(8);
  readonly segBase = new Float64Array(8);
  readonly segLimit = new Float64Array(8);
  readonly segAr = new Int32Array(8);
  /** Derived for fast checks: valid offsets [segLo, segHi] (segHi -1 when unusable), and read/write permission. */
  readonly segLo = new Float64Array(8);
  readonly segHi = new Float64Array(8);
  readonly segRead = new Uint8Array(8);
  readonly segWrite = new Uint8Array(8);
  gdtrBaseN = 0;
  gdtrLimit = 0xffff;
  idtrBaseN = 0;
  idtrLimit = 0xffff;

  // ---- Control state.
  cr0 = 0x10;
  cr2N = 0;
  cr3N = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  xcr0 = 1;
  cr0Mask = 0;
  cr0Shadow = 0;
  cr4Mask = 0;
  cr4Shadow = 0;
  readonly dr = new Float64Array(8);

  // ---- Derived mode.
  codeMode = MODE_16;
  /** Stack address size in bytes: 2, 4 or 8. */
  stackSize = 2;
  cpl = 0;
  /** 0 for supervisor accesses, 1 when CPL = 3 (paging U/S checks); folded into TLB keys. */
  userBit = 0;
  /** Set while delivering events/reading descriptors: accesses are supervisor whatever the CPL. */
  systemAccess = false;

  // ---- Model-specific registers implemented natively (Intel SDM Vol. 4).
  starLo = 0;
  starHi = 0;
  lstar = 0;
  cstar = 0;
  fmask = 0;
  kernelGsBase = 0;
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  patLo = 0x00070406;
  patHi = 0x00070406;
  tscAux = 0;

  // ---- Time: TSC = tscOffset + instructionsRetired * tscPerInstruction (deterministic).
  instructionsRetired = 0;
  tscOffset = 0;
  tscPerInstruction = 1;

  // ---- Event state.
  /** Interrupt shadow: boundaries left during which STI / MOV SS blocking holds (2 = set by this instruction). */
  shadow = 0;
  /** True when the shadow is a MOV SS/POP SS shadow (also blocks NMI and single-step traps). */
  shadowMovSs = false;
  nmiBlocked = false;
  /** Nonzero when the run loop must do per-boundary work (TF, shadow, window, stop, breakpoints). */
  attention = 0;
  /** Set when the current instruction delivered an event itself (INT n): no single-step trap after it. */
  eventInInstruction = false;

  // ---- SSE / x87 control state.
  readonly xmm = new Uint8Array(256);
  readonly xmm32 = new Int32Array(this.xmm.buffer);
  mxcsr = 0x1f80;
  fpuCw = 0x37f;
  fpuSw = 0;
  fpuTw = 0xffff;
  /**
   * x87 data registers by physical number (ST(i) is register (TOP + i) & 7; TOP lives in fpuSw bits
   * 11–13): sign << 15 | exponent, and the 64-bit significand. fpuTw holds 2 bits per physical
   * register; 3 = empty is authoritative, the other tags are recomputed from the contents when
   * stored (FNSTENV/FNSAVE). Last-instruction pointers and opcode for FNSTENV (Intel SDM Vol. 1 §8.1.8–9).
   */
  readonly fpuSe = new Uint16Array(8);
  readonly fpuSig = new BigUint64Array(8);
  fpuIp = 0;
  fpuCs = 0;
  fpuDp = 0;
  fpuDs = 0;
  fpuOp = 0;

  // ---- Scratch for 64-bit results (no allocation in the step path).
  /** High half of the last 64-bit result of an arith/operand helper. */
  hi = 0;
  readonly mulOut = new Int32Array(4);
  readonly limbA = new Float64Array(4);
  readonly limbB = new Float64Array(4);
  readonly limbR = new Float64Array(9);

  // ---- Faults.
  fault = FAULT_NONE;
  faultVector = 0;
  faultCode = -1;

  // ---- Software TLB: one direct-mapped array per access kind, keyed by (page-aligned linear + userBit).
  private readonly rTag = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly rBuf: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(EMPTY_PAGE);
  private readonly rOff = new Int32Array(TLB_SIZE);
  private readonly wTag = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly wBuf: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(EMPTY_PAGE);
  private readonly wOff = new Int32Array(TLB_SIZE);
  /** 1 when the page of a write entry has decoded instructions cached (see noteCodeWrite). */
  private readonly wCode = new Uint8Array(TLB_SIZE);
  /** Current code page (instruction fetch): key, buffer, offset of the page start. */
  codeKey = NaN;
  codeBuf: Uint8Array = EMPTY_PAGE;
  codeOff = 0;
  /**
   * Decoded-instruction cache of the current code page (see CodePageCache): entries by page offset
   * and the page bytes each entry was decoded from. Attached by loadCodePage().
   */
  codeEntries: (Decoded | undefined)[] = NO_ENTRIES;
  codeShadow: Uint8Array = EMPTY_PAGE;
  /**
   * Bumped at every run() entry. A cached instruction whose `epoch` differs is compared with the
   * page bytes once (someone else — the host, a device model, another vCPU — may have written
   * memory between runs); within a run the CPU's own writes invalidate entries (noteCodeWrite).
   */
  runEpoch = 0;
  /**
   * Decoded-instruction caches by host memory: ArrayBuffer → byte offset of the page in it →
   * cache. Keyed by the bytes themselves rather than by guest-physical page, so a page mapped at
   * two guest-physical addresses (one VMO mapped twice, through the same or different views)
   * shares one cache and a write through either alias is seen.
   */
  private readonly codeCaches = new Map<ArrayBufferLike, Map<number, CodePageCache>>();
  private codeCachePages = 0;
  memGeneration = -1;
  /** Physical address found by the last successful translate(). */
  private walkPhys = 0;

  constructor(mem: GuestPhysicalMemory) {
    this.mem = mem;
    for (let s = 0; s < 8; s++) this.segLimit[s] = 0xffff;
    for (let s = 0; s < 8; s++) this.segAr[s] = 0x93;
    this.segAr[1] = 0x9b;
    for (let s = 0; s < 8; s++) this.refreshSegment(s);
  }

  // =====================================================================================
  // Registers
  // =====================================================================================

  /** Read register `r` as an operand of `size` bytes (1 uses the byte offset `byteOff`). Sizes 1, 2, 4. */
  getReg(size: number, r: number, byteOff: number): number {
    if (size === 4) return this.r32[r << 1];
    if (size === 2) return this.r16[r << 2];
    return this.r8[byteOff];
  }

  /** Write sizes 1, 2, 4 (a 32-bit write zero-extends into the upper half, as in 64-bit mode). */
  setReg(size: number, r: number, byteOff: number, v: number): void {
    if (size === 4) {
      this.r32[r << 1] = v;
      this.r32[(r << 1) + 1] = 0;
    } else if (size === 2) this.r16[r << 2] = v;
    else this.r8[byteOff] = v;
  }

  /** A 64-bit register as a JS number (exact when |value| < 2^53; used for addresses). */
  regAsNumber(r: number): number {
    return this.r32[(r << 1) + 1] * TWO32 + (this.r32[r << 1] >>> 0);
  }

  setRegFromNumber(r: number, v: number): void {
    this.r32[r << 1] = v;
    this.r32[(r << 1) + 1] = Math.floor(v / TWO32);
  }

  // =====================================================================================
  // Lazy flags (v86's scheme: remember the operation, derive CF/PF/AF/ZF/SF/OF on demand)
  // =====================================================================================

  setLazy(op: number, size: number, a: number, b: number, r: number): void {
    this.lzOp = op;
    this.lzSize = size;
    this.lzA = a;
    this.lzB = b;
    this.lzR = r;
    this.lazyMask = ARITH;
  }

  setLazy64(op: number, aLo: number, aHi: number, bLo: number, bHi: number, rLo: number, rHi: number): void {
    this.lzOp = op;
    this.lzSize = 8;
    this.lzA = aLo;
    this.lzB = bLo;
    this.lzR = rLo;
    this.lzAHi = aHi;
    this.lzBHi = bHi;
    this.lzRHi = rHi;
    this.lazyMask = ARITH;
  }

  /** INC/DEC: like ADD/SUB of 1 but CF is kept (Intel SDM INC/DEC). */
  setLazyKeepCf(op: number, size: number, a: number, r: number, rHi: number): void {
    const cf = this.getCF();
    this.flags = (this.flags & ~CF) | cf;
    this.lzOp = op;
    this.lzSize = size;
    this.lzA = a;
    this.lzB = 1;
    this.lzR = r;
    if (size === 8) {
      this.lzAHi = op === LZ_ADD ? (r === 0 ? (rHi - 1) | 0 : rHi) : r === -1 ? (rHi + 1) | 0 : rHi;
      this.lzBHi = 0;
      this.lzRHi = rHi;
    }
    this.lzCin = 0;
    this.lazyMask = ARITH & ~CF;
  }

  /** Result-only flags (AND/OR/XOR/TEST): CF = OF = AF = 0, SF/ZF/PF from the result. */
  setLogic(size: number, r: number, rHi: number): void {
    this.lzOp = LZ_LOGIC;
    this.lzSize = size;
    this.lzR = r;
    this.lzRHi = rHi;
    this.lazyMask = ARITH;
  }

  getCF(): number {
    if (!(this.lazyMask & CF)) return this.flags & CF;
    const op = this.lzOp;
    if (op === LZ_LOGIC) return 0;
    if (this.lzSize === 8) {
      switch (op) {
        case LZ_ADD: return ult64(this.lzR, this.lzRHi, this.lzA, this.lzAHi);
        case LZ_ADC: return this.lzCin ? 1 - ult64(this.lzA, this.lzAHi, this.lzR, this.lzRHi) : ult64(this.lzR, this.lzRHi, this.lzA, this.lzAHi);
        case LZ_SUB: return ult64(this.lzA, this.lzAHi, this.lzB, this.lzBHi);
        default: return this.lzCin ? 1 - ult64(this.lzB, this.lzBHi, this.lzA, this.lzAHi) : ult64(this.lzA, this.lzAHi, this.lzB, this.lzBHi);
      }
    }
    const a = this.lzA >>> 0;
    const b = this.lzB >>> 0;
    const r = this.lzR >>> 0;
    switch (op) {
      case LZ_ADD: return r < a ? 1 : 0;
      case LZ_ADC: return (this.lzCin ? r <= a : r < a) ? 1 : 0;
      case LZ_SUB: return a < b ? 1 : 0;
      default: return (this.lzCin ? a <= b : a < b) ? 1 : 0;
    }
  }

  getZF(): number {
    if (!(this.lazyMask & ZF)) return this.flags & ZF;
    if (this.lzSize === 8) return (this.lzR | this.lzRHi) === 0 ? ZF : 0;
    return this.lzR === 0 ? ZF : 0;
  }

  getSF(): number {
    if (!(this.lazyMask & SF)) return this.flags & SF;
    return this.signOf(this.lzR, this.lzRHi) ? SF : 0;
  }

  private signOf(lo: number, hi: number): boolean {
    switch (this.lzSize) {
      case 1: return (lo & 0x80) !== 0;
      case 2: return (lo & 0x8000) !== 0;
      case 4: return lo < 0;
      default: return hi < 0;
    }
  }

  getOF(): number {
    if (!(this.lazyMask & OF)) return this.flags & OF;
    const op = this.lzOp;
    if (op === LZ_LOGIC) return 0;
    let lo: number;
    let hi: number;
    if (op === LZ_ADD || op === LZ_ADC) {
      lo = (this.lzA ^ this.lzR) & (this.lzB ^ this.lzR);
      hi = (this.lzAHi ^ this.lzRHi) & (this.lzBHi ^ this.lzRHi);
    } else {
      lo = (this.lzA ^ this.lzB) & (this.lzA ^ this.lzR);
      hi = (this.lzAHi ^ this.lzBHi) & (this.lzAHi ^ this.lzRHi);
    }
    return this.signOf(lo, hi) ? OF : 0;
  }

  getPF(): number {
    if (!(this.lazyMask & PF)) return this.flags & PF;
    return PARITY[this.lzR & 0xff];
  }

  getAF(): number {
    if (!(this.lazyMask & AF)) return this.flags & AF;
    if (this.lzOp === LZ_LOGIC) return 0;
    return (this.lzA ^ this.lzB ^ this.lzR) & AF;
  }

  /** All of RFLAGS, lazy bits materialised. */
  getFlags(): number {
    if (this.lazyMask === 0) return this.flags;
    return (this.flags & ~this.lazyMask) | this.getCF() | this.getPF() | this.getAF() | this.getZF() | this.getSF() | this.getOF();
  }

  /** Fold the lazy bits into `flags` (before changing some of them individually). */
  materialize(): void {
    if (this.lazyMask !== 0) {
      this.flags = this.getFlags();
      this.lazyMask = 0;
    }
  }

  /** Condition codes 0..15 (Jcc/SETcc/CMOVcc low nibble; Intel SDM Vol. 1 appendix B). */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOF() !== 0; break;
      case 1: r = this.getCF() !== 0; break;
      case 2: r = this.getZF() !== 0; break;
      case 3: r = this.getCF() !== 0 || this.getZF() !== 0; break;
      case 4: r = this.getSF() !== 0; break;
      case 5: r = this.getPF() !== 0; break;
      case 6: r = (this.getSF() !== 0) !== (this.getOF() !== 0); break;
      default: r = this.getZF() !== 0 || (this.getSF() !== 0) !== (this.getOF() !== 0); break;
    }
    return (cc & 1) !== 0 ? !r : r;
  }

  // =====================================================================================
  // Faults and exits
  // =====================================================================================

  /** Record a guest exception (errorCode < 0: none). Always returns 0 so callers can `return this.raise(...)`. */
  raise(vector: number, errorCode: number): number {
    if (this.fault === FAULT_NONE) {
      this.fault = FAULT_EXC;
      this.faultVector = vector;
      this.faultCode = errorCode;
    }
    return 0;
  }

  eptViolation(gpa: number, access: number, size: number): number {
    if (this.fault === FAULT_NONE) {
      this.fault = FAULT_EXIT;
      const e = this.exit;
      e.reason = EXIT_EPT_VIOLATION;
      e.gpa = gpa;
      e.access = access;
      e.size = size;
    }
    return 0;
  }

  /** Instruction exit (IO, CPUID, ...): the instruction is not executed. */
  exitWith(reason: number): number {
    if (this.fault === FAULT_NONE) {
      this.fault = FAULT_EXIT;
      this.exit.reason = reason;
    }
    return 0;
  }

  tripleFault(): void {
    this.fault = FAULT_EXIT;
    this.exit.reason = EXIT_TRIPLE_FAULT;
  }

  // =====================================================================================
  // Segmentation
  // =====================================================================================

  /** Recompute the derived checks of segment `s` from its cache (Intel SDM Vol. 3A §3.4.5). */
  refreshSegment(s: number): void {
    const ar = this.segAr[s];
    const limit = this.segLimit[s];
    const unusable = (ar & 0x10000) !== 0 || ((this.cr0 & 1) !== 0 && s !== 1 && (ar & 0x80) === 0);
    if (unusable) {
      this.segLo[s] = 0;
      this.segHi[s] = -1;
      this.segRead[s] = 0;
      this.segWrite[s] = 0;
      return;
    }
    const isCode = (ar & 0x18) === 0x18;
    const expandDown = !isCode && (ar & 0x14) === 0x14;
    if (expandDown) {
      this.segLo[s] = limit + 1;
      this.segHi[s] = ar & 0x4000 ? 0xffffffff : 0xffff;
    } else {
      this.segLo[s] = 0;
      this.segHi[s] = limit;
    }
    if ((this.cr0 & 1) === 0 || (this.flags & 0x20000) !== 0) {
      // Real and virtual-8086 mode: every segment is readable and writable (the type is not checked).
      this.segRead[s] = 1;
      this.segWrite[s] = 1;
    } else {
      this.segRead[s] = !isCode || (ar & 2) !== 0 ? 1 : 0;
      this.segWrite[s] = !isCode && (ar & 2) !== 0 ? 1 : 0;
    }
  }

  /**
   * Linear address of a data access of `size` bytes at `off` in segment `seg`, with the limit,
   * type and canonical checks. Returns NaN after raising #GP(0)/#SS(0).
   */
  linear(seg: number, off: number, size: number, write: boolean): number {
    if (this.codeMode === MODE_64) {
      const lin = seg >= 4 ? off + this.segBase[seg] : off;
      if (!(lin >= -CANON_LIMIT && lin + size - 1 < CANON_LIMIT)) {
        this.raise(seg === 2 ? SS_FAULT : GP, 0);
        return NaN;
      }
      return lin;
    }
    if (off < this.segLo[seg] || off + size - 1 > this.segHi[seg] || (write ? this.segWrite[seg] : this.segRead[seg]) === 0) {
      this.raise(seg === 2 ? SS_FAULT : GP, 0);
      return NaN;
    }
    return (this.segBase[seg] + off) >>> 0;
  }

  // =====================================================================================
  // Paging (Intel SDM Vol. 3A ch. 4) and guest-physical access
  // =====================================================================================

  flushTlb(): void {
    this.rTag.fill(NaN);
    this.wTag.fill(NaN);
    this.codeKey = NaN;
    this.memGeneration = this.mem.generation;
  }

  /**
   * Translate `lin` for `access` (ACCESS_READ/WRITE/FETCH) at the current privilege, setting A/D
   * bits. Returns true with `walkPhys` set, or false with #PF or an EPT exit recorded.
   */
  private translate(lin: number, access: number, size: number): boolean {
    const user = this.systemAccess ? 0 : this.userBit;
    if ((this.cr0 & CR0_PG) === 0) {
      this.walkPhys = lin;
      return true;
    }
    const write = access === ACCESS_WRITE;
    const fetch = access === ACCESS_FETCH;
    let okUser = true;
    let okWrite = true;
    let okExec = true;
    let phys: number;
    const nxe = (this.efer & EFER_NXE) !== 0;
    if ((this.cr4 & CR4_PAE) === 0) {
      // 32-bit paging: 2 levels of 4-byte entries; 4 MiB pages with CR4.PSE.
      const l = lin >>> 0;
      const pdeAddr = (this.cr3N & 0xfffff000) + ((l >>> 22) << 2);
      const pde = this.readPhys32(pdeAddr);
      if (this.fault) return false;
      if (!(pde & 1)) return this.pageFault(lin, 0, access, user);
      okUser = (pde & 4) !== 0;
      okWrite = (pde & 2) !== 0;
      if ((pde & 0x80) && (this.cr4 & CR4_PSE)) {
        if (!this.checkAccess(lin, access, user, okUser, okWrite, true)) return false;
        if (!this.setAD(pdeAddr, pde, write)) return false;
        phys = ((pde & 0xffc00000) >>> 0) + ((pde & 0x1fe000) >>> 13) * TWO32 + (l & 0x3fffff);
      } else {
        if (!(pde & 0x20) && !this.setAD(pdeAddr, pde, false)) return false;
        const pteAddr = (pde & 0xfffff000) + (((l >>> 12) & 0x3ff) << 2);
        const pte = this.readPhys32(pteAddr);
        if (this.fault) return false;
        if (!(pte & 1)) return this.pageFault(lin, 0, access, user);
        okUser = okUser && (pte & 4) !== 0;
        okWrite = okWrite && (pte & 2) !== 0;
        if (!this.checkAccess(lin, access, user, okUser, okWrite, true)) return false;
        if (!this.setAD(pteAddr, pte, write)) return false;
        phys = ((pte & 0xfffff000) >>> 0) + (l & 0xfff);
      }
    } else {
      // PAE (3 levels from a 4-entry PDPT) or 4-level paging (IA32_EFER.LMA): 8-byte entries.
      const long = (this.efer & EFER_LMA) !== 0;
      let level = long ? 4 : 3;
      let table = long ? this.cr3N - (this.cr3N % 4096) : this.cr3N - (this.cr3N % 32);
      const lo = lin >>> 0;
      const hi = Math.floor(lin / TWO32) & 0xffff;
      for (;;) {
        let idx: number;
        if (level === 4) idx = (hi >>> 7) & 0x1ff;
        else if (level === 3) idx = long ? ((hi & 0x7f) << 2) | (lo >>> 30) : lo >>> 30;
        else if (level === 2) idx = (lo >>> 21) & 0x1ff;
        else idx = (lo >>> 12) & 0x1ff;
        const eAddr = table + idx * 8;
        const e = this.readPhys32(eAddr);
        const eHi = this.readPhys32(eAddr + 4);
        if (this.fault) return false;
        if (!(e & 1)) return this.pageFault(lin, 0, access, user);
        // Bit 63 (XD) is reserved unless EFER.NXE: a reserved-bit #PF (RSVD, error code bit 3).
        if (eHi < 0 && !nxe) return this.pageFault(lin, 8 | 1, access, user);
        const pdpteLegacy = !long && level === 3;
        if (!pdpteLegacy) {
          okUser = okUser && (e & 4) !== 0;
          okWrite = okWrite && (e & 2) !== 0;
          if (eHi < 0) okExec = false;
        }
        const big = (level === 2 || (level === 3 && long)) && (e & 0x80) !== 0;
        const base = ((e & 0xfffff000) >>> 0) + (eHi & 0xfffff) * TWO32;
        if (level === 1 || big) {
          if (!this.checkAccess(lin, access, user, okUser, okWrite, okExec)) return false;
          if (!this.setAD(eAddr, e, write)) return false;
          if (level === 1) phys = base + (lo & 0xfff);
          else if (level === 2) phys = base - (base % 0x200000) + (lo & 0x1fffff);
          else phys = base - (base % 0x40000000) + (lo & 0x3fffffff);
          break;
        }
        if (!pdpteLegacy && !(e & 0x20) && !this.setAD(eAddr, e, false)) return false;
        table = base;
        level--;
      }
    }
    void fetch;
    this.walkPhys = phys;
    return true;
  }

  /** U/S, R/W (with CR0.WP) and XD checks (Intel SDM Vol. 3A §4.6). */
  private checkAccess(lin: number, access: number, user: number, okUser: boolean, okWrite: boolean, okExec: boolean): boolean {
    if (user && !okUser) return this.pageFault(lin, 1, access, user);
    if (access === ACCESS_WRITE && !okWrite && (user || (this.cr0 & CR0_WP) !== 0)) return this.pageFault(lin, 1, access, user);
    if (access === ACCESS_FETCH && !okExec) return this.pageFault(lin, 1, access, user);
    return true;
  }

  /** Set the accessed (and for writes on a final entry, dirty) bit of a paging entry. */
  private setAD(addr: number, e: number, dirty: boolean): boolean {
    const want = e | 0x20 | (dirty ? 0x40 : 0);
    if (want === e) return true;
    this.writePhys32(addr, want);
    return this.fault === FAULT_NONE;
  }

  /** #PF with error code P | W/R | U/S | RSVD | I/D (Intel SDM Vol. 3A §4.7); CR2 = linear address. */
  private pageFault(lin: number, bits: number, access: number, user: number): boolean {
    let code = bits;
    if (access === ACCESS_WRITE) code |= 2;
    if (user) code |= 4;
    if (access === ACCESS_FETCH && (this.efer & EFER_NXE) !== 0 && (this.cr4 & CR4_PAE) !== 0) code |= 0x10;
    if (this.fault === FAULT_NONE) this.cr2N = lin;
    this.raise(PF_VEC, code);
    return false;
  }

  /** Guest-physical 32-bit read for page walks (an unmapped table is an EPT violation, access read). */
  readPhys32(gpa: number): number {
    const ppn = Math.floor(gpa / 4096);
    const buf = this.mem.pageBuffer(ppn);
    if (buf === undefined || (this.mem.pagePerms(ppn) & PERM_READ) === 0) return this.eptViolation(gpa, ACCESS_READ, 4);
    const o = this.mem.pageOffset(ppn) + (gpa & 0xfff);
    return buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24);
  }

  writePhys32(gpa: number, v: number): void {
    const ppn = Math.floor(gpa / 4096);
    const buf = this.mem.pageBuffer(ppn);
    if (buf === undefined || (this.mem.pagePerms(ppn) & PERM_WRITE) === 0) {
      this.eptViolation(gpa, ACCESS_WRITE, 4);
      return;
    }
    const o = this.mem.pageOffset(ppn) + (gpa & 0xfff);
    if (this.codeCachePages !== 0) this.noteCodeWrite(buf, o - (gpa & 0xfff), gpa & 0xfff, 4);
    buf[o] = v;
    buf[o + 1] = v >> 8;
    buf[o + 2] = v >> 16;
    buf[o + 3] = v >> 24;
  }

  /** Fill the TLB entry of `lin` for a read (write=false) or write. Returns false on a fault. */
  private fill(lin: number, write: boolean, size: number): boolean {
    if (this.memGeneration !== this.mem.generation) this.flushTlb();
    const access = write ? ACCESS_WRITE : ACCESS_READ;
    if (!this.translate(lin, access, size)) return false;
    const phys = this.walkPhys;
    const ppn = Math.floor(phys / 4096);
    const buf = this.mem.pageBuffer(ppn);
    const need = write ? PERM_WRITE : PERM_READ;
    if (buf === undefined || (this.mem.pagePerms(ppn) & need) === 0) {
      this.eptViolation(phys, access, size);
      return false;
    }
    const i = (lin >>> 12) & TLB_MASK;
    const key = lin - (lin & 0xfff) + (this.systemAccess ? 0 : this.userBit);
    if (write) {
      this.wTag[i] = key;
      this.wBuf[i] = buf;
      this.wOff[i] = this.mem.pageOffset(ppn);
      this.wCode[i] = this.codeCacheOf(buf, this.wOff[i]) !== undefined ? 1 : 0;
    } else {
      this.rTag[i] = key;
      this.rBuf[i] = buf;
      this.rOff[i] = this.mem.pageOffset(ppn);
    }
    return true;
  }

  /** Make the code page holding `lin` current. Returns false on a fault (EPT fetch exit or #PF). */
  loadCodePage(lin: number): boolean {
    if (this.memGeneration !== this.mem.generation) this.flushTlb();
    if (!this.translate(lin, ACCESS_FETCH, 1)) return false;
    const phys = this.walkPhys;
    const ppn = Math.floor(phys / 4096);
    const buf = this.mem.pageBuffer(ppn);
    if (buf === undefined || (this.mem.pagePerms(ppn) & PERM_EXECUTE) === 0) {
      this.eptViolation(phys, ACCESS_FETCH, 1);
      return false;
    }
    this.codeKey = lin - (lin & 0xfff) + this.userBit;
    this.codeBuf = buf;
    this.codeOff = this.mem.pageOffset(ppn);
    const off = this.codeOff;
    let cache = this.codeCacheOf(buf, off);
    if (cache === undefined) {
      // Bound the memory held by decoded instructions (a page's cache is 4096 slots + 4 KiB).
      if (this.codeCachePages >= CODE_CACHE_PAGES) this.dropCodeCaches();
      cache = { entries: new Array<Decoded | undefined>(4096).fill(undefined), shadow: new Uint8Array(4096) };
      const ab = buf.buffer;
      const at = buf.byteOffset + off;
      let byOff = this.codeCaches.get(ab);
      if (byOff === undefined) {
        byOff = new Map<number, CodePageCache>();
        this.codeCaches.set(ab, byOff);
      }
      byOff.set(at, cache);
      this.codeCachePages++;
      // Writes through existing TLB entries to these bytes must now be noticed.
      for (let i = 0; i < TLB_SIZE; i++) {
        const w = this.wBuf[i];
        if (w.buffer === ab && w.byteOffset + this.wOff[i] === at) this.wCode[i] = 1;
      }
    }
    this.codeEntries = cache.entries;
    this.codeShadow = cache.shadow;
    return true;
  }

  private codeCacheOf(buf: Uint8Array, off: number): CodePageCache | undefined {
    if (this.codeCachePages === 0) return undefined;
    const byOff = this.codeCaches.get(buf.buffer);
    return byOff === undefined ? undefined : byOff.get(buf.byteOffset + off);
  }

  private dropCodeCaches(): void {
    this.codeCaches.clear();
    this.codeCachePages = 0;
    this.wCode.fill(0);
  }

  /**
   * The CPU wrote [o, o+size) of the page at `off` in `buf`, which may have cached instructions:
   * drop every entry that may cover those bytes (an instruction is at most 15 bytes long).
   */
  noteCodeWrite(buf: Uint8Array, off: number, o: number, size: number): void {
    const cache = this.codeCacheOf(buf, off);
    if (cache === undefined) return;
    const e = cache.entries;
    const end = Math.min(4096, o + size);
    for (let j = Math.max(0, o - 14); j < end; j++) {
      const x = e[j];
      if (x !== undefined) {
        x.epoch = -1; // a `next` link to it must not be followed (Decoded.next)
        e[j] = undefined;
      }
    }
  }

  /** Check that [lin, lin+size) can be written (fills the write TLB). Use before multi-part writes. */
  probeWrite(lin: number, size: number): boolean {
    const u = this.systemAccess ? 0 : this.userBit;
    if (this.wTag[(lin >>> 12) & TLB_MASK] !== lin - (lin & 0xfff) + u && !this.fill(lin, true, size)) return false;
    const last = lin + size - 1;
    if ((last - (last & 0xfff)) !== (lin - (lin & 0xfff)) && this.wTag[(last >>> 12) & TLB_MASK] !== last - (last & 0xfff) + u) {
      return this.fill(last, true, size);
    }
    return true;
  }

  probeRead(lin: number, size: number): boolean {
    if (!this.fill(lin, false, size)) return false;
    const last = lin + size - 1;
    if ((last - (last & 0xfff)) !== (lin - (lin & 0xfff))) return this.fill(last, false, size);
    return true;
  }

  // ---- Linear-address reads. On a fault they return 0 with `fault` set.

  read8(lin: number): number {
    const i = (lin >>> 12) & TLB_MASK;
    const o = lin & 0xfff;
    if (this.rTag[i] === lin - o + (this.systemAccess ? 0 : this.userBit)) return this.rBuf[i][this.rOff[i] + o];
    if (!this.fill(lin, false, 1)) return 0;
    return this.rBuf[i][this.rOff[i] + o];
  }

  read16(lin: number): number {
    const o = lin & 0xfff;
    if (o > 0xffe) return this.read8(lin) | (this.read8(lin + 1) << 8);
    const i = (lin >>> 12) & TLB_MASK;
    if (this.rTag[i] !== lin - o + (this.systemAccess ? 0 : this.userBit) && !this.fill(lin, false, 2)) return 0;
    const b = this.rBuf[i];
    const p = this.rOff[i] + o;
    return b[p] | (b[p + 1] << 8);
  }

  read32(lin: number): number {
    const o = lin & 0xfff;
    if (o > 0xffc) return this.read16(lin) | (this.read16(lin + 2) << 16);
    const i = (lin >>> 12) & TLB_MASK;
    if (this.rTag[i] !== lin - o + (this.systemAccess ? 0 : this.userBit) && !this.fill(lin, false, 4)) return 0;
    const b = this.rBuf[i];
    const p = this.rOff[i] + o;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  }

  /** Read by size 1/2/4. */
  readN(lin: number, size: number): number {
    if (size === 4) return this.read32(lin);
    if (size === 2) return this.read16(lin);
    return this.read8(lin);
  }

  // ---- Linear-address writes: translate every page touched before writing a byte.

  write8(lin: number, v: number): void {
    const i = (lin >>> 12) & TLB_MASK;
    const o = lin & 0xfff;
    if (this.wTag[i] !== lin - o + (this.systemAccess ? 0 : this.userBit) && !this.fill(lin, true, 1)) return;
    if (this.wCode[i] !== 0) this.noteCodeWrite(this.wBuf[i], this.wOff[i], o, 1);
    this.wBuf[i][this.wOff[i] + o] = v;
  }

  write16(lin: number, v: number): void {
    const o = lin & 0xfff;
    if (o > 0xffe) {
      if (!this.probeWrite(lin, 2)) return;
      this.write8(lin, v);
      this.write8(lin + 1, v >> 8);
      return;
    }
    const i = (lin >>> 12) & TLB_MASK;
    if (this.wTag[i] !== lin - o + (this.systemAccess ? 0 : this.userBit) && !this.fill(lin, true, 2)) return;
    if (this.wCode[i] !== 0) this.noteCodeWrite(this.wBuf[i], this.wOff[i], o, 2);
    const b = this.wBuf[i];
    const p = this.wOff[i] + o;
    b[p] = v;
    b[p + 1] = v >> 8;
  }

  write32(lin: number, v: number): void {
    const o = lin & 0xfff;
    if (o > 0xffc) {
      if (!this.probeWrite(lin, 4)) return;
      for (let k = 0; k < 4; k++) this.write8(lin + k, v >> (k * 8));
      return;
    }
    const i = (lin >>> 12) & TLB_MASK;
    if (this.wTag[i] !== lin - o + (this.systemAccess ? 0 : this.userBit) && !this.fill(lin, true, 4)) return;
    if (this.wCode[i] !== 0) this.noteCodeWrite(this.wBuf[i], this.wOff[i], o, 4);
    const b = this.wBuf[i];
    const p = this.wOff[i] + o;
    b[p] = v;
    b[p + 1] = v >> 8;
    b[p + 2] = v >> 16;
    b[p + 3] = v >> 24;
  }

  /** 64-bit write as two halves, both pages checked first. */
  write64(lin: number, lo: number, hi: number): void {
    if (!this.probeWrite(lin, 8)) return;
    this.write32(lin, lo);
    this.write32(lin + 4, hi);
  }

  writeN(lin: number, size: number, v: number): void {
    if (size === 4) this.write32(lin, v);
    else if (size === 2) this.write16(lin, v);
    else this.write8(lin, v);
  }

  // =====================================================================================
  // Effective addresses
  // =====================================================================================

  /** Offset (effective address) of the memory operand of `d`, reduced to the address size. */
  ea(d: Decoded): number {
    const asz = d.asz;
    if (asz === 4) {
      let a = d.disp;
      if (d.base >= 0) a += this.r32[d.base << 1];
      if (d.index >= 0) a += this.r32[d.index << 1] << d.scale;
      if (d.ripRel) a += this.nextRip;
      return a >>> 0;
    }
    if (asz === 2) {
      let a = d.disp;
      if (d.base >= 0) a += this.r16[d.base << 2];
      if (d.index >= 0) a += this.r16[d.index << 2];
      return a & 0xffff;
    }
    if (d.ripRel) return this.nextRip + d.disp;
    let lo = d.disp >>> 0;
    let hi = d.disp >> 31;
    if (d.base >= 0) {
      lo += this.r32[d.base << 1] >>> 0;
      hi += this.r32[(d.base << 1) + 1];
    }
    if (d.index >= 0) {
      const s = d.scale;
      const iLo = this.r32[d.index << 1];
      const iHi = this.r32[(d.index << 1) + 1];
      lo += (iLo << s) >>> 0;
      hi += s === 0 ? iHi : (iHi << s) | (iLo >>> (32 - s));
    }
    // lo < 3 * 2^32: fold the carries into hi.
    const carry = Math.floor(lo / TWO32);
    hi = (hi + carry) | 0;
    lo -= carry * TWO32;
    if (hi < -0x100000 || hi >= 0x100000) return NaN; // far from canonical; linear() raises #GP
    return hi * TWO32 + lo;
  }

  /** Segment of the memory operand (override or default). */
  segOf(d: Decoded): number {
    return d.seg >= 0 ? d.seg : d.defSeg;
  }

  /** Linear address of the memory operand for an access of `size` bytes. NaN after a fault. */
  eaLinear(d: Decoded, size: number, write: boolean): number {
    return this.linear(d.seg >= 0 ? d.seg : d.defSeg, this.ea(d), size, write);
  }

  // =====================================================================================
  // Stack
  // =====================================================================================

  /** Current stack pointer as an offset of the stack's address size. */
  getSp(): number {
    if (this.stackSize === 8) return this.regAsNumber(4);
    if (this.stackSize === 4) return this.r32[8] >>> 0;
    return this.r16[16];
  }

  setSp(v: number): void {
    if (this.stackSize === 8) this.setRegFromNumber(4, v);
    else if (this.stackSize === 4) {
      this.r32[8] = v;
      this.r32[9] = 0;
    } else this.r16[16] = v;
  }

  /** Wrap a stack offset to the stack address size. */
  wrapSp(v: number): number {
    if (this.stackSize === 8) return v;
    if (this.stackSize === 4) return v >>> 0;
    return v & 0xffff;
  }

  /** Push `size` (2, 4) bytes; for 8 use push64. */
  push(size: number, v: number): void {
    const sp = this.wrapSp(this.getSp() - size);
    const lin = this.linear(2, sp, size, true);
    if (this.fault) return;
    if (size === 4) this.write32(lin, v);
    else this.write16(lin, v);
    if (this.fault) return;
    this.setSp(sp);
  }

  push64(lo: number, hi: number): void {
    const sp = this.wrapSp(this.getSp() - 8);
    const lin = this.linear(2, sp, 8, true);
    if (this.fault) return;
    this.write64(lin, lo, hi);
    if (this.fault) return;
    this.setSp(sp);
  }

  /** Read the stack at SP + `delta` (no SP change). */
  peek(size: number, delta: number): number {
    const lin = this.linear(2, this.wrapSp(this.getSp() + delta), size, false);
    if (this.fault) return 0;
    return size === 4 ? this.read32(lin) : size === 2 ? this.read16(lin) : this.read8(lin);
  }

  /** Stack-relative linear address SP + delta, for multi-part stack accesses. */
  stackLinear(delta: number, size: number, write: boolean): number {
    return this.linear(2, this.wrapSp(this.getSp() + delta), size, write);
  }

  // =====================================================================================
  // Mode
  // =====================================================================================

  /** Recompute code mode, stack size and CPL-derived fields after CS/SS/CR0/EFER changes. */
  updateMode(): void {
    const csAr = this.segAr[1];
    if ((this.cr0 & 1) === 0) {
      this.codeMode = csAr & 0x4000 ? MODE_32 : MODE_16;
      this.cpl = 0;
    } else if ((this.flags & 0x20000) !== 0) {
      // Virtual-8086 mode (RFLAGS.VM): 16-bit code at CPL 3 (Intel SDM Vol. 3A §20.2).
      this.codeMode = MODE_16;
      this.cpl = 3;
    } else if ((this.efer & EFER_LMA) !== 0 && (csAr & 0x2000) !== 0) {
      this.codeMode = MODE_64;
    } else {
      this.codeMode = csAr & 0x4000 ? MODE_32 : MODE_16;
    }
    if (this.codeMode === MODE_64) this.stackSize = 8;
    else this.stackSize = this.segAr[2] & 0x4000 && (this.flags & 0x20000) === 0 ? 4 : 2;
    this.userBit = this.cpl === 3 ? 1 : 0;
    this.codeKey = NaN;
  }
}

/** 1 when (aHi:aLo) < (bHi:bLo) as unsigned 64-bit. */
function ult64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  const ah = aHi >>> 0;
  const bh = bHi >>> 0;
  if (ah !== bh) return ah < bh ? 1 : 0;
  return aLo >>> 0 < bLo >>> 0 ? 1 : 0;
}
