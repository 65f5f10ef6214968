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
const EFER_LME = 0x100;
const CR0_CD = 0x40000000;
const CR0_NW = 0x20000000;
const CR4_PGE = 0x80;
const CR4_SMEP = 0x100000;
const CR4_SMAP = 0x200000;
const AC_FLAG = 0x40000;
/**
 * MAXPHYADDR is 48 (CPUID 0x80000008 EAX[7:0] = 0x30, src/zircon/cpuid.ts): physical-address bits
 * 51:48 of a PAE / 4-level paging entry are reserved (Intel SDM Vol. 3A §4.4.2, §4.5.4). As bits
 * 19:16 of the entry's high dword.
 */
const RSVD_HI = 0x000f0000;
/** Attention bit (see Cpu): a debug trap (data breakpoint, single step) is due at the next boundary. */
export const ATT_DEBUG = 32;
/**
 * Attention bits for which a REP string instruction stops after the current iteration (RIP left on
 * it, as between CHUNKs): single step / RF (1), interrupt window (4), stop request (8), a debug trap
 * (ATT_DEBUG) — so that traps and interrupts come between iterations (Intel SDM Vol. 3B §17.3.1.1).
 * Not host breakpoints (16), which are checked against RIP and would stop at every other iteration.
 */
export const ATT_REP_STOP = 1 | 4 | 8 | ATT_DEBUG;

/**
 * Entries of the data TLBs (direct-mapped on the linear page number): 16 MiB of pages. 1024 (4 MiB)
 * thrashed on bench-copy's two 4 MiB buffers (every page missed once per pass over it); dropping all
 * entries (CR3 without global pages) costs a few microseconds more.
 */
const TLB_SIZE = 4096;
/** Software-TLB index mask (jit.ts writes the TLB hit out in compiled blocks). */
export const TLB_MASK = TLB_SIZE - 1;
/** Entries of the instruction TLB (see Machine.iTag). */
const ITLB_SIZE = 256;
const ITLB_MASK = ITLB_SIZE - 1;
/** Page sizes above 4 KiB, as shifts: 2 MiB (PAE, 4-level), 4 MiB (32-bit paging with PSE), 1 GiB. */
const LARGE_SHIFTS = [21, 22, 30];
/** Distinct large pages tracked for INVLPG (see Machine.largeRegions) before the TLB starts over. */
const LARGE_REGIONS_MAX = 4096;
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
const EMPTY_PAGE32 = new Int32Array(EMPTY_PAGE.buffer);
const EMPTY_VIEW = new DataView(EMPTY_PAGE.buffer);
/** No key is ≡ 3 (mod 4096): a page address plus the user bit (0, 1) or the SMAP mark (2). */
const NO_TAG32 = 3;

/** A TLB key as rTag32/wTag32 hold it. */
function tag32(key: number): number {
  return key >= 0 && key < 4294967296 ? key | 0 : NO_TAG32;
}
/**
 * Guest RAM as 32-bit words, for Machine's own dword and qword reads and writes on a TLB hit: one
 * typed load instead of four byte loads. Only where the host is little-endian (as x86 is) and the
 * buffer's start is word-aligned; elsewhere fill() leaves the entry uncached, so every access takes
 * the byte path through Machine's methods. (The block compiler goes through viewOf's DataViews.)
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const words = new WeakMap<Uint8Array, Int32Array>();
const views = new WeakMap<Uint8Array, DataView>();

/** A DataView over `buf` (cached per buffer): the block compiler's dword accesses, aligned or not. */
function viewOf(buf: Uint8Array): DataView {
  let v = views.get(buf);
  if (v === undefined) {
    v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    views.set(buf, v);
  }
  return v;
}

function wordsOf(buf: Uint8Array): Int32Array | undefined {
  let w = words.get(buf);
  if (w === undefined && LITTLE_ENDIAN && buf.byteOffset % 4 === 0) {
    w = new Int32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    words.set(buf, w);
  }
  return w;
}

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
  /**
   * 1 for each byte some entry was decoded over (never cleared: an over-approximation). A write
   * to bytes no instruction covers — the data of code and data sharing a page — skips the scan.
   */
  covered: Uint8Array;
  /** `covered` as a DataView: the block compiler's dword stores check four bytes at any offset in one load. */
  coveredView: DataView;
  /**
   * One past the highest covered byte (0: none). A store at or above it needs no look at `covered`:
   * the data after a program's code, in the page that holds both (jit.ts MEMO).
   */
  coveredEnd: number;
  /** `shadow` as a DataView: revalidation compares four bytes at a time (Cpu.sameAsShadow). */
  shadowView: DataView;
}
const NO_ENTRIES: (Decoded | undefined)[] = new Array<Decoded | undefined>(4096).fill(undefined);
/**
 * The little-endian dword at byte `p` of the buffer whose word view is `w` (p + 3 inside it): one
 * word, or the parts of two when misaligned. The TLB's hit paths read and write through these.
 */
function wordsRead32(w: Int32Array, p: number): number {
  const s = (p & 3) << 3;
  return s === 0 ? w[p >> 2] : (w[p >> 2] >>> s) | (w[(p >> 2) + 1] << (32 - s));
}

function wordsWrite32(w: Int32Array, p: number, v: number): void {
  const j = p >> 2;
  const s = (p & 3) << 3;
  if (s === 0) w[j] = v;
  else {
    w[j] = (w[j] & ~(-1 << s)) | (v << s);
    w[j + 1] = (w[j + 1] & (-1 << s)) | (v >>> (32 - s));
  }
}

/**
 * At most this many pages of decoded instructions, and this many instructions, cached; then start
 * over. A kernel's boot runs code from well over 256 pages (the bound until 2026-11): each time the
 * cache started over, everything was decoded again (a Linux boot spent an eighth of its time in the
 * garbage collector). The instruction bound keeps the memory a hostile guest can make the cache
 * hold near 150 MB (a page's slots are 40 KiB, an instruction some 150 bytes).
 */
const CODE_CACHE_PAGES = 2048;
export const CODE_CACHE_INSTRUCTIONS = 1 << 20;

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
  /**
   * Debug registers (Intel SDM Vol. 3B §17.2): DR0-DR3 as linear-address numbers (the file comment's
   * representation; exact bits in drLo/drHi), DR6 and DR7 as uint32. Written by MOV DRn
   * (debug-regs.ts), which keeps the derived breakpoint state below in step.
   */
  readonly dr = new Float64Array(8);
  readonly drLo = new Int32Array(4);
  readonly drHi = new Int32Array(4);
  /**
   * Enabled breakpoints by kind, bit n for DRn (DR7 Ln|Gn set): instruction (R/W = 00), data write
   * (R/W = 01 or 11) and data read (R/W = 11). All 0 when none is enabled, the only state the
   * memory and fetch paths test (and only on TLB misses).
   */
  execBreak = 0;
  watchWrite = 0;
  watchRead = 0;
  /** Breakpoint ranges [bpStart, bpEnd): 64-bit-mode linear addresses, and the 32-bit view (low 32 bits of DRn) for other modes. */
  readonly bpStart = new Float64Array(4);
  readonly bpEnd = new Float64Array(4);
  readonly bpStart32 = new Float64Array(4);
  readonly bpEnd32 = new Float64Array(4);
  /** B0-B3 of data breakpoints hit by the current instruction (dropped if it faults). */
  dbgHits = 0;
  /** DR6 bits (B0-B3, BS) of a trap-class #DB due at the next instruction boundary (Cpu delivers it). */
  dbgTrap = 0;

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

  // ---- Faults.
  fault = FAULT_NONE;
  faultVector = 0;
  faultCode = -1;

  // ---- Software TLB: one direct-mapped array per access kind, keyed by (page-aligned linear + userBit).
  private readonly rTag = new Float64Array(TLB_SIZE).fill(NaN);
  /**
   * rTag and wTag as int32 bit patterns where the key is below 2^32 (else NO_TAG32), for the block
   * compiler outside 64-bit mode: `(lin & -4096) | u` against them is integer arithmetic only.
   */
  private readonly rTag32 = new Int32Array(TLB_SIZE).fill(NO_TAG32);
  private readonly wTag32 = new Int32Array(TLB_SIZE).fill(NO_TAG32);
  private readonly rBuf: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(EMPTY_PAGE);
  private readonly rOff = new Int32Array(TLB_SIZE);
  /** rBuf as words (wordsOf): index (rOff + offset) >> 2 for an aligned dword. */
  private readonly rWords: Int32Array[] = new Array<Int32Array>(TLB_SIZE).fill(EMPTY_PAGE32);
  private readonly wTag = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly wBuf: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(EMPTY_PAGE);
  private readonly wOff = new Int32Array(TLB_SIZE);
  /** Where each write entry's page starts in its buffer's ArrayBuffer (wBuf[i].byteOffset + wOff[i]): loadCodePage's scan. */
  private readonly wAt = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly wWords: Int32Array[] = new Array<Int32Array>(TLB_SIZE).fill(EMPTY_PAGE32);
  /** rBuf and wBuf as DataViews (viewOf): byte offset rOff + offset, for the block compiler. */
  private readonly rView: DataView[] = new Array<DataView>(TLB_SIZE).fill(EMPTY_VIEW);
  private readonly wView: DataView[] = new Array<DataView>(TLB_SIZE).fill(EMPTY_VIEW);
  /** The decoded-instruction cache of a write entry's page, when it has one (see noteCodeWrite). */
  private readonly wCode = new Array<CodePageCache | undefined>(TLB_SIZE).fill(undefined);
  /**
   * The DataView of the largest buffer a TLB entry has been filled from (a guest's RAM, as a rule):
   * the block compiler's kept lookups (jit.ts MEMO) hold pages of this one view, which a block
   * reads once on entry, so V8 checks it once per call instead of at every access.
   */
  homeView: DataView = EMPTY_VIEW;
  private homeBytes = 0;
  /** 1 when the entry came from a global page (G = 1 with CR4.PGE): a MOV to CR3 keeps it (Intel SDM Vol. 3A §4.10.2.4). */
  private readonly rGlobal = new Uint8Array(TLB_SIZE);
  private readonly wGlobal = new Uint8Array(TLB_SIZE);
  /** Some entry may be global (MOV CR3 then scans the TLB). */
  private tlbHasGlobal = false;
  /**
   * The large pages (2 MiB, 4 MiB, 1 GiB) some TLB or instruction-TLB entry may have been filled
   * from since the TLB was last emptied: base linear address → bit set of LARGE_SHIFTS indexes. An
   * INVLPG in one of them drops every slice of it (the TLBs hold 4 KiB slices); any other INVLPG
   * drops one slot. A kernel invalidates page by page in long loops while its own image and direct
   * map are large pages: emptying the TLB at each of those cost a page walk per access after it.
   */
  private readonly largeRegions = new Map<number, number>();
  /** The large page noted last (base and LARGE_SHIFTS index): fills from it again skip the map. */
  private lastLargeBase = NaN;
  private lastLargeK = -1;
  /**
   * The instruction TLB: code pages made current before, by linear page + CPL-3 bit (codeKey), with
   * their buffer, offset and decoded-instruction cache. A kernel calls across pages all the time;
   * without it each call and return to another page walked the page tables again. Emptied with
   * the TLB (and by MOV CR3, INVLPG, a new guest-physical mapping, the caches starting over); a
   * page holding an instruction breakpoint never enters it.
   */
  private readonly iTag = new Float64Array(ITLB_SIZE).fill(NaN);
  private readonly iBuf: Uint8Array[] = new Array<Uint8Array>(ITLB_SIZE).fill(EMPTY_PAGE);
  private readonly iView: DataView[] = new Array<DataView>(ITLB_SIZE).fill(EMPTY_VIEW);
  private readonly iOff = new Float64Array(ITLB_SIZE);
  private readonly iCache: (CodePageCache | undefined)[] = new Array<CodePageCache | undefined>(ITLB_SIZE).fill(undefined);
  /** Current code page (instruction fetch): key, buffer, offset of the page start. */
  codeKey = NaN;
  codeBuf: Uint8Array = EMPTY_PAGE;
  /** codeBuf as a DataView (viewOf). */
  codeView: DataView = EMPTY_VIEW;
  codeOff = 0;
  /**
   * Decoded-instruction cache of the current code page (see CodePageCache): entries by page offset
   * and the page bytes each entry was decoded from. Attached by loadCodePage().
   */
  codeEntries: (Decoded | undefined)[] = NO_ENTRIES;
  codeShadow: Uint8Array = EMPTY_PAGE;
  codeShadowView: DataView = EMPTY_VIEW;
  codeCovered: Uint8Array = new Uint8Array(4096);
  /** The current code page's cache (codeEntries, codeShadow and codeCovered are its fields); null before the first fetch. */
  codePage: CodePageCache | null = null;
  /**
   * Bumped at every run() entry. A cached instruction whose `epoch` differs is compared with the
   * page bytes once (someone else — the host, a device model, another vCPU — may have written
   * memory between runs); within a run the CPU's own writes invalidate entries (noteCodeWrite).
   */
  runEpoch = 0;
  /**
   * Counts cached instructions dropped (by a write to their bytes, or replaced after the bytes
   * changed): compiled blocks (jit.ts) leave at the next boundary when it moves, and are checked
   * again before their next use.
   */
  codeWrites = 0;
  /** Index in its block of the instruction a compiled block faulted on (jit.ts). */
  jitIndex = 0;
  /**
   * Decoded-instruction caches by host memory: ArrayBuffer → byte offset of the page in it →
   * cache. Keyed by the bytes themselves rather than by guest-physical page, so a page mapped at
   * two guest-physical addresses (one VMO mapped twice, through the same or different views)
   * shares one cache and a write through either alias is seen.
   */
  private readonly codeCaches = new Map<ArrayBufferLike, Map<number, CodePageCache>>();
  private codeCachePages = 0;
  /** Instructions decoded into the caches since they last started over (Cpu.cacheDecoded counts them). */
  codeCacheInstructions = 0;
  memGeneration = -1;
  /** Physical address found by the last successful translate(). */
  private walkPhys = 0;
  /** The last successful translate(): the page is global, log2 of its size, and it is a user-mode page (U/S = 1 at every level). */
  private walkGlobal = false;
  private walkShift = 12;
  private walkUserPage = false;
  /**
   * PAE paging's four PDPTE registers (Intel SDM Vol. 3A §4.4.1): loaded from CR3 by MOV to CR3 and
   * by the MOV to CR0/CR4 writes listed there (setCr3 / loadPdptesForControlWrite, with #GP on
   * reserved bits); after any other full flush (task switch, host state change) at the first walk.
   */
  readonly pdpteLo = new Int32Array(4);
  readonly pdpteHi = new Int32Array(4);
  pdptesLoaded = false;
  private readonly pdpteScratch = new Int32Array(8);

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

  /**
   * Drop every cached translation, global ones included (a change of CR0.PG/WP, CR4.PAE/PGE/PSE/
   * SMEP/SMAP, EFER.NXE; Intel SDM Vol. 3A §4.10.4.1). The PAE PDPTEs are re-read from CR3 at the
   * next walk (for the callers that load a new CR3 without setCr3: a task switch, the host).
   */
  flushTlb(): void {
    this.dropTranslations();
    this.pdptesLoaded = false;
  }

  /** Empty the TLB and the current code page (PDPTE registers kept): debug-register changes, new guest-physical mappings. */
  dropTranslations(): void {
    this.rTag.fill(NaN);
    this.wTag.fill(NaN);
    this.rTag32.fill(NO_TAG32);
    this.wTag32.fill(NO_TAG32);
    this.iTag.fill(NaN);
    this.codeKey = NaN;
    this.tlbHasGlobal = false;
    this.largeRegions.clear();
    this.lastLargeBase = NaN;
    this.memGeneration = this.mem.generation;
  }

  /**
   * MOV to CR3 (Intel SDM Vol. 3A §4.10.4.1): drop every translation except those of global pages.
   * With PAE paging in use the four PDPTEs are first loaded from the new CR3; a present one with a
   * reserved bit set raises #GP(0) and CR3 keeps its value (§4.4.1). Returns false after #GP.
   */
  setCr3(v: number): boolean {
    if ((this.cr0 & CR0_PG) !== 0 && (this.cr4 & CR4_PAE) !== 0 && (this.efer & EFER_LMA) === 0) {
      if (!this.readPdptes(v, true)) return false;
    }
    this.cr3N = v;
    if (this.memGeneration !== this.mem.generation || !this.tlbHasGlobal) {
      this.dropTranslations();
      return true;
    }
    for (let i = 0; i < TLB_SIZE; i++) {
      if (this.rGlobal[i] === 0) {
        this.rTag[i] = NaN;
        this.rTag32[i] = NO_TAG32;
      }
      if (this.wGlobal[i] === 0) {
        this.wTag[i] = NaN;
        this.wTag32[i] = NO_TAG32;
      }
    }
    this.iTag.fill(NaN); // global code pages too: the instruction TLB may always drop more
    this.codeKey = NaN;
    return true;
  }

  /**
   * Before a MOV to CR0 or CR4 commits `newCr0` / `newCr4`: when PAE paging will be in use and the
   * write changes CR0.PG, CD or NW or CR4.PAE, PGE, PSE or SMEP, the PDPTEs are loaded from CR3
   * (Intel SDM Vol. 3A §4.4.1). Returns false after raising #GP(0) for a reserved bit in a present
   * PDPTE; the caller then leaves the register unchanged.
   */
  loadPdptesForControlWrite(newCr0: number, newCr4: number): boolean {
    if ((newCr0 & CR0_PG) === 0 || (newCr4 & CR4_PAE) === 0 || (this.efer & EFER_LME) !== 0) return true;
    const changed = ((newCr0 ^ this.cr0) & (CR0_PG | CR0_CD | CR0_NW)) | ((newCr4 ^ this.cr4) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP));
    if (changed === 0) return true;
    return this.readPdptes(this.cr3N, true);
  }

  /**
   * INVLPG (Intel SDM Vol. 3A §4.10.4.1): drop the translations of the page holding `lin`, global or
   * not, for every privilege; the TLBs hold 4 KiB slices, so when `lin` lies in a large page some
   * entry was filled from, every cached slice of that page goes too.
   */
  invalidatePage(lin: number): void {
    if (this.largeRegions.size !== 0) {
      for (let k = 0; k < LARGE_SHIFTS.length; k++) {
        const size = 2 ** LARGE_SHIFTS[k];
        const base = lin - (((lin % size) + size) % size);
        const bits = this.largeRegions.get(base);
        if (bits === undefined || ((bits >> k) & 1) === 0) continue;
        if (size > TLB_SIZE * 4096) {
          this.dropTranslations(); // 1 GiB: every slot may hold a slice of it
          return;
        }
        this.dropRange(base, size);
        this.largeRegions.delete(base);
        this.lastLargeBase = NaN;
      }
    }
    const i = (lin >>> 12) & TLB_MASK;
    this.rTag[i] = NaN;
    this.wTag[i] = NaN;
    this.rTag32[i] = NO_TAG32;
    this.wTag32[i] = NO_TAG32;
    this.iTag[(lin >>> 12) & ITLB_MASK] = NaN;
    this.codeKey = NaN;
  }

  /** Drop the TLB and instruction-TLB entries of the pages in [base, base + size) (size at most TLB_SIZE pages). */
  private dropRange(base: number, size: number): void {
    const end = base + size;
    for (let p = base; p < end; p += 4096) {
      const i = (p >>> 12) & TLB_MASK;
      const r = this.rTag[i];
      if (r >= base && r < end) {
        this.rTag[i] = NaN;
        this.rTag32[i] = NO_TAG32;
      }
      const w = this.wTag[i];
      if (w >= base && w < end) {
        this.wTag[i] = NaN;
        this.wTag32[i] = NO_TAG32;
      }
    }
    for (let i = 0; i < ITLB_SIZE; i++) {
      const t = this.iTag[i];
      if (t >= base && t < end) this.iTag[i] = NaN;
    }
    this.codeKey = NaN;
  }

  /** A TLB entry is about to be filled from the large page (1 << shift bytes) holding `lin`. */
  private noteLarge(lin: number, shift: number): void {
    const k = shift === 21 ? 0 : shift === 22 ? 1 : 2;
    const size = 2 ** shift;
    const base = lin - (((lin % size) + size) % size);
    if (base === this.lastLargeBase && k === this.lastLargeK) return;
    this.lastLargeBase = base;
    this.lastLargeK = k;
    const bits = this.largeRegions.get(base) ?? 0;
    if (((bits >> k) & 1) !== 0) return;
    // Bounded: past that many large pages, start over from an empty TLB.
    if (this.largeRegions.size >= LARGE_REGIONS_MAX) this.dropTranslations();
    this.largeRegions.set(base, (this.largeRegions.get(base) ?? 0) | (1 << k));
  }

  /**
   * Read the four PDPTEs at CR3 bits 31:5 into the PDPTE registers. With `check`, a present PDPTE
   * with a reserved bit (2:1, 8:5, 63:MAXPHYADDR; Intel SDM Vol. 3A table 4-8) raises #GP(0) and
   * nothing is loaded. Returns false after a fault (#GP, or an EPT exit reading the table).
   */
  private readPdptes(cr3: number, check: boolean): boolean {
    const base = (((cr3 % TWO32) >>> 0) & ~31) >>> 0;
    const t = this.pdpteScratch;
    for (let k = 0; k < 8; k++) t[k] = this.readPhys32(base + k * 4);
    if (this.fault) return false;
    if (check) {
      for (let k = 0; k < 4; k++) {
        if ((t[2 * k] & 1) !== 0 && pdpteReserved(t[2 * k], t[2 * k + 1])) return this.raise(GP, 0) !== 0;
      }
    }
    for (let k = 0; k < 4; k++) {
      this.pdpteLo[k] = t[2 * k];
      this.pdpteHi[k] = t[2 * k + 1];
    }
    this.pdptesLoaded = true;
    return true;
  }

  /**
   * Translate `lin` for `access` (ACCESS_READ/WRITE/FETCH) at the current privilege, setting A/D
   * bits. Returns true with `walkPhys` (and walkGlobal, walkShift, walkUserPage) set, or false with
   * #PF or an EPT exit recorded. Reserved bits in a present entry give #PF with RSVD (error code
   * bit 3); they are checked as each entry is read, before its access rights (Intel SDM Vol. 3A §4.7).
   */
  private translate(lin: number, access: number, size: number): boolean {
    const user = this.systemAccess ? 0 : this.userBit;
    if ((this.cr0 & CR0_PG) === 0) {
      this.walkPhys = lin;
      this.walkGlobal = false;
      this.walkShift = 12;
      this.walkUserPage = false;
      return true;
    }
    const write = access === ACCESS_WRITE;
    let okUser = true;
    let okWrite = true;
    let okExec = true;
    let phys: number;
    let global = false;
    let shift = 12;
    const nxe = (this.efer & EFER_NXE) !== 0;
    const pge = (this.cr4 & CR4_PGE) !== 0;
    if ((this.cr4 & CR4_PAE) === 0) {
      // 32-bit paging: 2 levels of 4-byte entries; 4 MiB pages with CR4.PSE.
      const l = lin >>> 0;
      const pdeAddr = ((this.cr3N & 0xfffff000) >>> 0) + ((l >>> 22) << 2);
      const pde = this.readPhys32(pdeAddr);
      if (this.fault) return false;
      if (!(pde & 1)) return this.pageFault(lin, 0, access, user);
      okUser = (pde & 4) !== 0;
      okWrite = (pde & 2) !== 0;
      if ((pde & 0x80) && (this.cr4 & CR4_PSE)) {
        // A 4 MiB page: bits 20:13 are physical-address bits 39:32 (PSE-36), bit 21 is reserved
        // (Intel SDM Vol. 3A table 4-4 with M = min(MAXPHYADDR, 40) = 40).
        if (pde & 0x200000) return this.pageFault(lin, 8 | 1, access, user);
        if (!this.checkAccess(lin, access, user, okUser, okWrite, true)) return false;
        if (!this.setAD(pdeAddr, pde, write)) return false;
        phys = ((pde & 0xffc00000) >>> 0) + ((pde & 0x1fe000) >>> 13) * TWO32 + (l & 0x3fffff);
        global = pge && (pde & 0x100) !== 0;
        shift = 22;
      } else {
        if (!(pde & 0x20) && !this.setAD(pdeAddr, pde, false)) return false;
        const pteAddr = ((pde & 0xfffff000) >>> 0) + (((l >>> 12) & 0x3ff) << 2);
        const pte = this.readPhys32(pteAddr);
        if (this.fault) return false;
        if (!(pte & 1)) return this.pageFault(lin, 0, access, user);
        okUser = okUser && (pte & 4) !== 0;
        okWrite = okWrite && (pte & 2) !== 0;
        if (!this.checkAccess(lin, access, user, okUser, okWrite, true)) return false;
        if (!this.setAD(pteAddr, pte, write)) return false;
        phys = ((pte & 0xfffff000) >>> 0) + (l & 0xfff);
        global = pge && (pte & 0x100) !== 0;
      }
    } else {
      // PAE (the PDPTE registers, then 2 levels) or 4-level paging (IA32_EFER.LMA): 8-byte entries.
      const long = (this.efer & EFER_LMA) !== 0;
      let level = 4;
      let table = this.cr3N - (this.cr3N % 4096);
      const lo = lin >>> 0;
      const hi = Math.floor(lin / TWO32) & 0xffff;
      if (!long) {
        if (!this.pdptesLoaded && !this.readPdptes(this.cr3N, false)) return false;
        const k = lo >>> 30;
        const pe = this.pdpteLo[k];
        if (!(pe & 1)) return this.pageFault(lin, 0, access, user);
        // Only PDPTEs loaded without the #GP check (task switch, host) can hold reserved bits here.
        if (pdpteReserved(pe, this.pdpteHi[k])) return this.pageFault(lin, 8 | 1, access, user);
        table = ((pe & 0xfffff000) >>> 0) + (this.pdpteHi[k] & 0xffff) * TWO32;
        level = 2;
      }
      for (;;) {
        let idx: number;
        if (level === 4) idx = (hi >>> 7) & 0x1ff;
        else if (level === 3) idx = ((hi & 0x7f) << 2) | (lo >>> 30);
        else if (level === 2) idx = (lo >>> 21) & 0x1ff;
        else idx = (lo >>> 12) & 0x1ff;
        const eAddr = table + idx * 8;
        const e = this.readPhys32(eAddr);
        const eHi = this.readPhys32(eAddr + 4);
        if (this.fault) return false;
        if (!(e & 1)) return this.pageFault(lin, 0, access, user);
        const big = (level === 2 || level === 3) && (e & 0x80) !== 0;
        // Reserved bits (Intel SDM Vol. 3A tables 4-14 to 4-20): 51:MAXPHYADDR; XD unless EFER.NXE;
        // PS in a PML4E; 20:13 of a 2 MiB PDE and 29:13 of a 1 GiB PDPTE (their low address bits).
        if ((eHi & RSVD_HI) !== 0 || (eHi < 0 && !nxe) || (level === 4 && (e & 0x80) !== 0) ||
          (big && (e & (level === 2 ? 0x1fe000 : 0x3fffe000)) !== 0)) {
          return this.pageFault(lin, 8 | 1, access, user);
        }
        okUser = okUser && (e & 4) !== 0;
        okWrite = okWrite && (e & 2) !== 0;
        if (eHi < 0) okExec = false;
        const base = ((e & 0xfffff000) >>> 0) + (eHi & 0xffff) * TWO32;
        if (level === 1 || big) {
          if (!this.checkAccess(lin, access, user, okUser, okWrite, okExec)) return false;
          if (!this.setAD(eAddr, e, write)) return false;
          if (level === 1) phys = base + (lo & 0xfff);
          else if (level === 2) phys = base - (base % 0x200000) + (lo & 0x1fffff);
          else phys = base - (base % 0x40000000) + (lo & 0x3fffffff);
          global = pge && (e & 0x100) !== 0;
          shift = level === 1 ? 12 : level === 2 ? 21 : 30;
          break;
        }
        if (!(e & 0x20) && !this.setAD(eAddr, e, false)) return false;
        table = base;
        level--;
      }
    }
    this.walkPhys = phys;
    this.walkGlobal = global;
    this.walkShift = shift;
    this.walkUserPage = okUser;
    return true;
  }

  /**
   * Access rights (Intel SDM Vol. 3A §4.6.1): U/S, R/W with CR0.WP, XD; for supervisor-mode accesses
   * to user-mode pages, SMEP (no instruction fetch) and SMAP (no data access, unless it is an explicit
   * access with RFLAGS.AC = 1; implicit accesses — descriptor tables, TSS, IDT — never).
   */
  private checkAccess(lin: number, access: number, user: number, okUser: boolean, okWrite: boolean, okExec: boolean): boolean {
    if (user) {
      if (!okUser) return this.pageFault(lin, 1, access, user);
      if (access === ACCESS_WRITE && !okWrite) return this.pageFault(lin, 1, access, user);
      if (access === ACCESS_FETCH && !okExec) return this.pageFault(lin, 1, access, user);
      return true;
    }
    if (access === ACCESS_FETCH) {
      if (!okExec || (okUser && (this.cr4 & CR4_SMEP) !== 0)) return this.pageFault(lin, 1, access, user);
      return true;
    }
    if (okUser && (this.cr4 & CR4_SMAP) !== 0 && (this.systemAccess || (this.flags & AC_FLAG) === 0)) return this.pageFault(lin, 1, access, user);
    if (access === ACCESS_WRITE && !okWrite && (this.cr0 & CR0_WP) !== 0) return this.pageFault(lin, 1, access, user);
    return true;
  }

  /** Set the accessed (and for writes on a final entry, dirty) bit of a paging entry. */
  private setAD(addr: number, e: number, dirty: boolean): boolean {
    const want = e | 0x20 | (dirty ? 0x40 : 0);
    if (want === e) return true;
    this.writePhys32(addr, want);
    return this.fault === FAULT_NONE;
  }

  /**
   * #PF with error code P | W/R | U/S | RSVD | I/D (Intel SDM Vol. 3A §4.7); CR2 = linear address.
   * I/D is reported for instruction fetches when SMEP is on or with PAE/4-level paging and EFER.NXE.
   */
  private pageFault(lin: number, bits: number, access: number, user: number): boolean {
    let code = bits;
    if (access === ACCESS_WRITE) code |= 2;
    if (user) code |= 4;
    if (access === ACCESS_FETCH && ((this.cr4 & CR4_SMEP) !== 0 || ((this.efer & EFER_NXE) !== 0 && (this.cr4 & CR4_PAE) !== 0))) code |= 0x10;
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

  /**
   * Fill the TLB entry of `lin` for a read (write=false) or write of `size` bytes. Returns false on
   * a fault. The entry's tag is the page plus the privilege of the access: 0 supervisor, 1 user,
   * 2 a supervisor access to a user-mode page under CR4.SMAP (allowed only for explicit accesses
   * with RFLAGS.AC = 1, so such an entry is found here rather than by the inline tag test, and only
   * while AC = 1). Pages holding an enabled data breakpoint are not tagged at all, so that every
   * access to them comes here and is checked (noteWatch); a probe (probeRead/probeWrite, which
   * only checks permissions) is not a data access and records no breakpoint hit.
   */
  private fill(lin: number, write: boolean, size: number, probe = false): boolean {
    if (this.memGeneration !== this.mem.generation) this.dropTranslations();
    const i = (lin >>> 12) & TLB_MASK;
    const page = lin - (lin & 0xfff);
    if (this.userBit === 0 && !this.systemAccess && (this.flags & AC_FLAG) !== 0 && (write ? this.wTag[i] : this.rTag[i]) === page + 2) return true;
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
    const u = this.systemAccess ? 0 : this.userBit;
    let key = page + (u === 0 && this.walkUserPage && (this.cr4 & CR4_SMAP) !== 0 ? 2 : u);
    if ((this.watchWrite | this.watchRead) !== 0) {
      if (!probe) this.noteWatch(lin, size, write);
      if (this.pageWatched(page)) key = NaN;
    }
    if (buf.byteLength > this.homeBytes) {
      this.homeBytes = buf.byteLength;
      this.homeView = viewOf(buf);
    }
    const w = wordsOf(buf);
    if (w === undefined) key = NaN; // no word view: keep the word paths (Machine's and the block compiler's) off it
    const global = this.walkGlobal ? 1 : 0;
    if (global) this.tlbHasGlobal = true;
    if (this.walkShift > 12) this.noteLarge(lin, this.walkShift);
    if (write) {
      this.wTag[i] = key;
      this.wTag32[i] = tag32(key);
      this.wBuf[i] = buf;
      this.wOff[i] = this.mem.pageOffset(ppn);
      this.wAt[i] = buf.byteOffset + this.wOff[i];
      this.wWords[i] = w ?? EMPTY_PAGE32;
      this.wView[i] = viewOf(buf);
      this.wCode[i] = this.codeCacheOf(buf, this.wOff[i]);
      this.wGlobal[i] = global;
    } else {
      this.rTag[i] = key;
      this.rTag32[i] = tag32(key);
      this.rBuf[i] = buf;
      this.rOff[i] = this.mem.pageOffset(ppn);
      this.rWords[i] = w ?? EMPTY_PAGE32;
      this.rView[i] = viewOf(buf);
      this.rGlobal[i] = global;
    }
    return true;
  }

  /**
   * Data breakpoints (Intel SDM Vol. 3B §17.2.4-5): record in dbgHits every enabled breakpoint whose
   * range [DRn & ~(len-1), +len) overlaps the access [lin, lin+size) — writes match R/W = 01 and 11,
   * reads R/W = 11 — and ask the run loop for a trap after the instruction.
   */
  private noteWatch(lin: number, size: number, write: boolean): void {
    const m = write ? this.watchWrite : this.watchRead;
    if (m === 0) return;
    const long = this.codeMode === MODE_64;
    const start = this.bpStart;
    const end = this.bpEnd;
    for (let n = 0; n < 4; n++) {
      if (((m >> n) & 1) === 0) continue;
      const s = long ? start[n] : this.bpStart32[n];
      const e = long ? end[n] : this.bpEnd32[n];
      if (lin < e && lin + size > s) {
        this.dbgHits |= 1 << n;
        this.attention |= ATT_DEBUG;
      }
    }
  }

  private pageHasExecBreak(page: number): boolean {
    const m = this.execBreak;
    const long = this.codeMode === MODE_64;
    for (let n = 0; n < 4; n++) {
      if (((m >> n) & 1) === 0) continue;
      const s = long ? this.bpStart[n] : this.bpStart32[n];
      if (s >= page && s < page + 4096) return true;
    }
    return false;
  }

  /** The 4 KiB page at `page` holds (part of) an enabled data breakpoint's range. */
  private pageWatched(page: number): boolean {
    const m = this.watchWrite | this.watchRead;
    const long = this.codeMode === MODE_64;
    for (let n = 0; n < 4; n++) {
      if (((m >> n) & 1) === 0) continue;
      const s = long ? this.bpStart[n] : this.bpStart32[n];
      const e = long ? this.bpEnd[n] : this.bpEnd32[n];
      if (page < e && page + 4096 > s) return true;
    }
    return false;
  }

  /** Bits n of the enabled instruction breakpoints whose address is the linear address `lin` (Intel SDM Vol. 3B §17.3.1.1). */
  execBreakHits(lin: number): number {
    const m = this.execBreak;
    const long = this.codeMode === MODE_64;
    let hits = 0;
    for (let n = 0; n < 4; n++) {
      if (((m >> n) & 1) === 0) continue;
      const s = long ? this.bpStart[n] : this.bpStart32[n];
      const e = long ? this.bpEnd[n] : this.bpEnd32[n];
      if (lin < e && lin >= s) hits |= 1 << n;
    }
    return hits;
  }

  /** Make the code page holding `lin` current. Returns false on a fault (EPT fetch exit or #PF). */
  loadCodePage(lin: number): boolean {
    if (this.memGeneration !== this.mem.generation) this.dropTranslations();
    const page = lin - (lin & 0xfff);
    const it = (lin >>> 12) & ITLB_MASK;
    if (this.iTag[it] === page + this.userBit) {
      const hit = this.iCache[it] as CodePageCache;
      this.codeKey = page + this.userBit;
      this.codeBuf = this.iBuf[it];
      this.codeView = this.iView[it];
      this.codeOff = this.iOff[it];
      this.codeEntries = hit.entries;
      this.codeShadow = hit.shadow;
      this.codeShadowView = hit.shadowView;
      this.codeCovered = hit.covered;
      this.codePage = hit;
      return true;
    }
    if (!this.translate(lin, ACCESS_FETCH, 1)) return false;
    if (this.walkShift > 12) this.noteLarge(lin, this.walkShift);
    const phys = this.walkPhys;
    const ppn = Math.floor(phys / 4096);
    const buf = this.mem.pageBuffer(ppn);
    if (buf === undefined || (this.mem.pagePerms(ppn) & PERM_EXECUTE) === 0) {
      this.eptViolation(phys, ACCESS_FETCH, 1);
      return false;
    }
    // A page holding an enabled instruction breakpoint never becomes the current code page (codeKey
    // stays NaN): every instruction on it then goes through Cpu.stepOne, which checks the breakpoints,
    // instead of the cached chains of runFast.
    this.codeKey = this.execBreak !== 0 && this.pageHasExecBreak(page) ? NaN : page + this.userBit;
    this.codeBuf = buf;
    this.codeView = viewOf(buf);
    this.codeOff = this.mem.pageOffset(ppn);
    const off = this.codeOff;
    let cache = this.codeCacheOf(buf, off);
    if (cache === undefined) {
      // Bound the memory held by decoded instructions (a page's cache is 4096 slots + 4 KiB).
      if (this.codeCachePages >= CODE_CACHE_PAGES || this.codeCacheInstructions >= CODE_CACHE_INSTRUCTIONS) this.dropCodeCaches();
      const covered = new Uint8Array(4096);
      const shadow = new Uint8Array(4096);
      cache = { entries: new Array<Decoded | undefined>(4096).fill(undefined), shadow, covered, coveredView: new DataView(covered.buffer), coveredEnd: 0, shadowView: new DataView(shadow.buffer) };
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
      // (The offsets first: a typed array's buffer is a getter, 4,096 calls of it per new page.)
      const wAt = this.wAt;
      for (let i = 0; i < TLB_SIZE; i++) {
        if (wAt[i] === at && this.wBuf[i].buffer === ab) this.wCode[i] = cache;
      }
    }
    this.codeEntries = cache.entries;
    this.codeShadow = cache.shadow;
    this.codeShadowView = cache.shadowView;
    this.codeCovered = cache.covered;
    this.codePage = cache;
    if (this.codeKey === this.codeKey) {
      this.iTag[it] = this.codeKey;
      this.iBuf[it] = buf;
      this.iView[it] = this.codeView;
      this.iOff[it] = off;
      this.iCache[it] = cache;
    }
    return true;
  }

  private codeCacheOf(buf: Uint8Array, off: number): CodePageCache | undefined {
    if (this.codeCachePages === 0) return undefined;
    const byOff = this.codeCaches.get(buf.buffer);
    return byOff === undefined ? undefined : byOff.get(buf.byteOffset + off);
  }

  private dropCodeCaches(): void {
    this.codeCaches.clear();
    this.iTag.fill(NaN);
    this.codeCachePages = 0;
    this.codeCacheInstructions = 0;
    this.wCode.fill(undefined);
  }

  /**
   * The CPU wrote [o, o+size) of the page at `off` in `buf`, which may have cached instructions:
   * drop every entry that may cover those bytes (an instruction is at most 15 bytes long).
   */
  noteCodeWrite(buf: Uint8Array, off: number, o: number, size: number): void {
    const cache = this.codeCacheOf(buf, off);
    if (cache !== undefined) this.dropCodeAt(cache, o, size);
  }

  /** noteCodeWrite for a page whose cache is known (the write TLB keeps it: no map lookups per store). */
  private dropCodeAt(cache: CodePageCache, o: number, size: number): void {
    const end = Math.min(4096, o + size);
    const cov = cache.covered;
    let hit = 0;
    for (let j = o; j < end; j++) hit |= cov[j];
    if (hit === 0) return;
    const e = cache.entries;
    for (let j = Math.max(0, o - 14); j < end; j++) {
      const x = e[j];
      // Only entries whose bytes the write reaches: data stored just after code keeps the code.
      if (x !== undefined && j + x.len > o) {
        x.epoch = -1; // a `next` link to it must not be followed (Decoded.next)
        e[j] = undefined;
        this.codeWrites++;
      }
    }
  }

  /** Check that [lin, lin+size) can be written (fills the write TLB). Use before multi-part writes. */
  probeWrite(lin: number, size: number): boolean {
    const u = this.systemAccess ? 0 : this.userBit;
    if (this.wTag[(lin >>> 12) & TLB_MASK] !== lin - (lin & 0xfff) + u && !this.fill(lin, true, size, true)) return false;
    const last = lin + size - 1;
    if ((last - (last & 0xfff)) !== (lin - (lin & 0xfff)) && this.wTag[(last >>> 12) & TLB_MASK] !== last - (last & 0xfff) + u) {
      return this.fill(last, true, size, true);
    }
    return true;
  }

  /**
   * REP MOVS in bulk (exec-string.ts): `items` forward items of `size` bytes (1, 4 or 8) from
   * linear `src` to linear `dst`, each range inside one page, with the result of copying item by
   * item as the instruction does (ranges that do not overlap in host memory are copied at once;
   * overlapping ones item by item). Only when both pages are in the TLB (the source readable, the
   * destination writable with no cached instruction on it: anything else — a miss, a fault, a
   * watchpoint, code — is left to the item-at-a-time path); false, and nothing done, otherwise.
   */
  copyItems(src: number, dst: number, size: number, items: number): boolean {
    const u = this.systemAccess ? 0 : this.userBit;
    const so = src & 0xfff;
    const dOff = dst & 0xfff;
    const si = (src >>> 12) & TLB_MASK;
    const di = (dst >>> 12) & TLB_MASK;
    if (this.rTag[si] !== src - so + u || this.wTag[di] !== dst - dOff + u || this.wCode[di] !== undefined) return false;
    const sb = this.rBuf[si];
    const db = this.wBuf[di];
    let sp = this.rOff[si] + so;
    let dp = this.wOff[di] + dOff;
    const bytes = items * size;
    const from = sb.byteOffset + sp;
    const to = db.byteOffset + dp;
    if (sb.buffer !== db.buffer || from + bytes <= to || to + bytes <= from) {
      db.set(sb.subarray(sp, sp + bytes), dp);
      return true;
    }
    if (size === 1) {
      for (let k = 0; k < items; k++) db[dp + k] = sb[sp + k];
      return true;
    }
    // Each item is read whole before it is written (an 8-byte item as two dwords read first).
    for (let k = 0; k < items; k++, sp += size, dp += size) {
      const v = sb[sp] | (sb[sp + 1] << 8) | (sb[sp + 2] << 16) | (sb[sp + 3] << 24);
      const w = size === 8 ? sb[sp + 4] | (sb[sp + 5] << 8) | (sb[sp + 6] << 16) | (sb[sp + 7] << 24) : 0;
      db[dp] = v;
      db[dp + 1] = v >> 8;
      db[dp + 2] = v >> 16;
      db[dp + 3] = v >> 24;
      if (size === 8) {
        db[dp + 4] = w;
        db[dp + 5] = w >> 8;
        db[dp + 6] = w >> 16;
        db[dp + 7] = w >> 24;
      }
    }
    return true;
  }

  /** REP STOS in bulk: `items` items of `size` bytes (1, 4 or 8) of `value` (`valueHi` above it for 8) at linear `dst`, on copyItems's conditions. */
  fillItems(dst: number, size: number, items: number, value: number, valueHi: number): boolean {
    const u = this.systemAccess ? 0 : this.userBit;
    const dOff = dst & 0xfff;
    const di = (dst >>> 12) & TLB_MASK;
    if (this.wTag[di] !== dst - dOff + u || this.wCode[di] !== undefined) return false;
    const db = this.wBuf[di];
    const dp = this.wOff[di] + dOff;
    if (size === 1 || (value === 0 && valueHi === 0)) {
      db.fill(size === 1 ? value : 0, dp, dp + items * size);
      return true;
    }
    if ((dp & 3) === 0) {
      const w = this.wWords[di];
      const p = dp >> 2;
      if (size === 4) w.fill(value, p, p + items);
      else for (let k = 0; k < items; k++) {
        w[p + 2 * k] = value;
        w[p + 2 * k + 1] = valueHi;
      }
      return true;
    }
    for (let k = 0, p = dp; k < items; k++, p += size) {
      db[p] = value;
      db[p + 1] = value >> 8;
      db[p + 2] = value >> 16;
      db[p + 3] = value >> 24;
      if (size === 8) {
        db[p + 4] = valueHi;
        db[p + 5] = valueHi >> 8;
        db[p + 6] = valueHi >> 16;
        db[p + 7] = valueHi >> 24;
      }
    }
    return true;
  }

  probeRead(lin: number, size: number): boolean {
    if (!this.fill(lin, false, size, true)) return false;
    const last = lin + size - 1;
    if ((last - (last & 0xfff)) !== (lin - (lin & 0xfff))) return this.fill(last, false, size, true);
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
    if (this.rTag[i] === lin - o + (this.systemAccess ? 0 : this.userBit)) {
      // A TLB hit has the page's word view: one word, or two words' halves when misaligned.
      return wordsRead32(this.rWords[i], this.rOff[i] + o);
    }
    if (!this.fill(lin, false, 4)) return 0;
    const b = this.rBuf[i];
    const p = this.rOff[i] + o;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  }

  /** 64-bit read: the low half returned, the high half in `hi`. One TLB lookup within a page (a word load when aligned). */
  read64(lin: number): number {
    const o = lin & 0xfff;
    const i = (lin >>> 12) & TLB_MASK;
    if (o <= 0xff8 && this.rTag[i] === lin - o + (this.systemAccess ? 0 : this.userBit)) {
      const p = this.rOff[i] + o;
      if ((p & 3) === 0) {
        const w = this.rWords[i];
        this.hi = w[(p >> 2) + 1];
        return w[p >> 2];
      }
      const w = this.rWords[i];
      this.hi = wordsRead32(w, p + 4);
      return wordsRead32(w, p);
    }
    const lo = this.read32(lin);
    this.hi = this.read32(lin + 4);
    return lo;
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
    const code = this.wCode[i];
    if (code !== undefined) this.dropCodeAt(code, o, 1);
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
    const code = this.wCode[i];
    if (code !== undefined) this.dropCodeAt(code, o, 2);
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
    if (this.wTag[i] === lin - o + (this.systemAccess ? 0 : this.userBit)) {
      // A TLB hit has the page's word view: one word, or two words' halves when misaligned.
      const code = this.wCode[i];
      if (code !== undefined) this.dropCodeAt(code, o, 4);
      wordsWrite32(this.wWords[i], this.wOff[i] + o, v);
      return;
    }
    if (!this.fill(lin, true, 4)) return;
    const code = this.wCode[i];
    if (code !== undefined) this.dropCodeAt(code, o, 4);
    const b = this.wBuf[i];
    const p = this.wOff[i] + o;
    b[p] = v;
    b[p + 1] = v >> 8;
    b[p + 2] = v >> 16;
    b[p + 3] = v >> 24;
  }

  /** 64-bit write as two halves, both pages checked first. */
  write64(lin: number, lo: number, hi: number): void {
    // Within one page the write TLB already holds: one lookup (the common case), a word store when aligned.
    const o = lin & 0xfff;
    const i = (lin >>> 12) & TLB_MASK;
    if (o <= 0xff8 && this.wTag[i] === lin - o + (this.systemAccess ? 0 : this.userBit)) {
      const code = this.wCode[i];
      if (code !== undefined) this.dropCodeAt(code, o, 8);
      const p = this.wOff[i] + o;
      if ((p & 3) === 0) {
        const w = this.wWords[i];
        w[p >> 2] = lo;
        w[(p >> 2) + 1] = hi;
        return;
      }
      const w = this.wWords[i];
      wordsWrite32(w, p, lo);
      wordsWrite32(w, p + 4, hi);
      return;
    }
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
    // Registers within ±2^52 (every canonical address, and far beyond): the sum of the terms as
    // doubles. Each term is an integer (a scale is a power of two: exact), so the sum is exact
    // whenever it is below 2^53; past ±2^52 it is NaN, as below.
    const r32 = this.r32;
    let a = d.disp;
    let m = 0; // the registers' high halves, magnitude bits (~h for a negative one), or-ed
    if (d.base >= 0) {
      const h = r32[(d.base << 1) + 1];
      m = h < 0 ? ~h : h;
      a += h * TWO32 + (r32[d.base << 1] >>> 0);
    }
    if (d.index >= 0) {
      const h = r32[(d.index << 1) + 1];
      m |= h < 0 ? ~h : h;
      a += (h * TWO32 + (r32[d.index << 1] >>> 0)) * (1 << d.scale);
    }
    if (m < 0x100000) return a >= -4503599627370496 && a < 4503599627370496 ? a : NaN;
    return this.eaFar(d);
  }

  /** Machine.ea with 64-bit addressing when a register is beyond ±2^52: the sum in 32-bit halves. */
  private eaFar(d: Decoded): number {
    const lo = this.ea64Halves(d);
    const hi = this.hi;
    if (hi < -0x100000 || hi >= 0x100000) return NaN; // far from canonical; linear() raises #GP
    return hi * TWO32 + lo;
  }

  /**
   * The 64-bit effective address of `d` (64-bit addressing), wrapping modulo 2^64 and never
   * checked for canonical form (LEA's result): the low half returned as a uint32, the high half
   * (int32) in `hi`.
   */
  ea64Halves(d: Decoded): number {
    if (d.ripRel) {
      const a = this.nextRip + d.disp;
      this.hi = Math.floor(a / TWO32) | 0;
      return a >>> 0;
    }
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
    this.hi = (hi + carry) | 0;
    return lo - carry * TWO32;
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
/** A PAE PDPTE's reserved bits are set: 2:1, 8:5 and 63:MAXPHYADDR (Intel SDM Vol. 3A table 4-8). */
function pdpteReserved(lo: number, hi: number): boolean {
  return (lo & 0x1e6) !== 0 || (hi & 0xffff0000) !== 0;
}

function ult64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  const ah = aHi >>> 0;
  const bh = bHi >>> 0;
  if (ah !== bh) return ah < bh ? 1 : 0;
  return aLo >>> 0 < bLo >>> 0 ? 1 : 0;
}
