/**
 * Test-only: a machine for fuzzing the CPU with random instructions (fuzz-decode.test.ts,
 * fuzz-execute.test.ts). Every trial starts from the same state — a fresh `Cpu` over 1 MiB of RAM
 * restored from one pristine image — so a trial replays from its seed alone, whatever ran before.
 *
 * Exceptions are observable without running any handler: every IDT/IVT vector points at its own
 * stub (HANDLERS + 8 × vector, HLT bytes), so after `cpu.run(1)` an exception the instruction raised
 * shows as RIP = its stub (see `vectorAt`). The tables live in RAM the instruction may overwrite;
 * that is fine, the next trial restores them.
 *
 * Layout (guest-physical = linear where paging is on: identity maps):
 *   0x00000 IVT           0x00800 GDT          0x01000 TSS         0x02000 IDT (16-byte gates in long mode)
 *   0x03000 vector stubs  0x06000 ring-0 stack top (TSS.esp0/rsp0)  0x07000 code  0x09000 stack top
 *   0x10000 PML4, 0x11000 PDPT, 0x12000 PD, 0x13000 PT (long mode); 0x14000 PD, 0x15000 PT (32-bit paging)
 *   0x20000-0xFFFFF random data. Pages 0xF0-0xF3: not present in the page tables (#PF), 0xF4-0xF7
 *   read-only, 0xF8-0xFB supervisor-only, 0xFC-0xFF no-execute (long mode). Linear 1-1.5 MiB is
 *   present in the page tables but has no RAM (EPT violation), above that not present (#PF).
 *   Guest-physical page 0xE0 is not mapped at all (an MMIO hole: EPT violation), page 0xE1 is
 *   mapped read/execute only (a write is an EPT violation).
 */
import { Cpu } from "../cpu";
import { PhysicalMemory } from "../phys-mem";
import { PERM_EXECUTE, PERM_READ, PERM_WRITE, type SegmentState } from "../vtx";
import { SEL_CODE16, SEL_CODE32, SEL_CODE32_R3, SEL_CODE64, SEL_CODE64_R3, SEL_DATA16, SEL_DATA32, SEL_DATA32_R3, SEL_TSS } from "./runner";

export const RAM_BYTES = 0x100000;
export const GDT = 0x800;
export const TSS = 0x1000;
export const IDT = 0x2000;
export const HANDLERS = 0x3000;
export const STACK0 = 0x6000;
export const CODE = 0x7000;
export const STACK = 0x9000;
const PML4 = 0x10000;
const PDPT = 0x11000;
const PD64 = 0x12000;
const PT64 = 0x13000;
const PD32 = 0x14000;
const PT32 = 0x15000;
export const DATA = 0x20000;
export const MMIO_HOLE = 0xe0000;
export const READ_ONLY_EPT = 0xe1000;

// The selectors of the differential harness (runner.ts): this GDT repeats its nine descriptors
// before a TSS and its unusual ones.
export { SEL_CODE16, SEL_CODE32, SEL_CODE32_R3, SEL_CODE64, SEL_CODE64_R3, SEL_DATA16, SEL_DATA32, SEL_DATA32_R3, SEL_TSS };

/** GDT descriptors (low, high dwords). Besides the flat ones, a few unusual ones for random far transfers and segment loads. */
const GDT_ENTRIES: [number, number][] = [
  [0, 0],
  [0x0000ffff, 0x00cf9b00], // 0x08 code32 DPL0
  [0x0000ffff, 0x00cf9300], // 0x10 data32 DPL0
  [0x0000ffff, 0x00009b00], // 0x18 code16 DPL0
  [0x0000ffff, 0x00009300], // 0x20 data16 DPL0
  [0x0000ffff, 0x00af9b00], // 0x28 code64 DPL0
  [0x0000ffff, 0x00cffb00], // 0x30 code32 DPL3
  [0x0000ffff, 0x00cff300], // 0x38 data32 DPL3
  [0x0000ffff, 0x00affb00], // 0x40 code64 DPL3
  [0, 0], // 0x48 TSS (written below; 16 bytes in long mode)
  [0, 0], // 0x50 its upper half
  [0x0000ffff, 0x00cf9f00], // 0x58 conforming code32 DPL0
  [0x00000fff, 0x00409700], // 0x60 expand-down data, limit 0xfff (valid offsets above it)
  [0x0000ffff, 0x00cf1300], // 0x68 data, not present
  [(SEL_CODE32 << 16) | (HANDLERS & 0xffff), (HANDLERS & 0xffff0000) | 0xec00], // 0x70 32-bit call gate, DPL3
  [0x0000ffff, 0x0000f300], // 0x78 data16 DPL3
];
const GDT_LIMIT = GDT_ENTRIES.length * 8 - 1;

export type FuzzMode = "real" | "v86" | "pm16" | "pm32" | "pm32-paging" | "pm32-user" | "compat32" | "long64" | "long64-user";
export const FUZZ_MODES: readonly FuzzMode[] = ["real", "v86", "pm16", "pm32", "pm32-paging", "pm32-user", "compat32", "long64", "long64-user"];

/** The code size each mode executes (16, 32, 64). */
export function modeBits(mode: FuzzMode): 16 | 32 | 64 {
  if (mode === "real" || mode === "v86" || mode === "pm16") return 16;
  if (mode === "long64" || mode === "long64-user") return 64;
  return 32;
}

const isLong = (m: FuzzMode) => m === "compat32" || m === "long64" || m === "long64-user";
const isUser = (m: FuzzMode) => m === "pm32-user" || m === "long64-user" || m === "v86";

export interface TrialOptions {
  /** Where the instruction's first byte goes (linear = physical), CODE by default. */
  codeAt?: number;
  /** Extra CR0 bits (MP, EM, TS, NE, WP, AM), set on top of the mode's. */
  cr0Bits?: number;
  /** Extra CR4 bits (TSD, DE, PGE, OSFXSR, OSXMMEXCPT). */
  cr4Bits?: number;
  /** RFLAGS bits to set (arithmetic flags, TF, IF, DF, IOPL, NT, AC); VM is the mode's. */
  rflags?: number;
}

export class FuzzMachine {
  readonly ram = new Uint8Array(RAM_BYTES);
  readonly mem = new PhysicalMemory();
  private readonly pristine = new Uint8Array(RAM_BYTES);
  cpu: Cpu;
  mode: FuzzMode = "pm32";

  constructor(dataSeed = 0x5eed) {
    this.mem.map(0, RAM_BYTES, this.ram, 0, PERM_READ | PERM_WRITE | PERM_EXECUTE);
    this.mem.unmap(MMIO_HOLE, 0x1000);
    this.mem.protect(READ_ONLY_EPT, 0x1000, PERM_READ | PERM_EXECUTE);
    this.buildPristine(dataSeed);
    this.cpu = new Cpu(this.mem);
  }

  private buildPristine(seed: number): void {
    const p = this.pristine;
    const dv = new DataView(p.buffer);
    // Random data (xorshift32): loads and far pointers read something other than zeroes.
    let s = seed >>> 0 || 1;
    for (let i = DATA; i < RAM_BYTES; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      p[i] = s & 0xff;
    }
    for (let v = 0; v < 256; v++) {
      // IVT: 0000:stub.
      dv.setUint16(v * 4, HANDLERS + v * 8, true);
      dv.setUint16(v * 4 + 2, 0, true);
      p.fill(0xf4, HANDLERS + v * 8, HANDLERS + v * 8 + 8);
    }
    GDT_ENTRIES.forEach(([lo, hi], i) => {
      dv.setUint32(GDT + i * 8, lo >>> 0, true);
      dv.setUint32(GDT + i * 8 + 4, hi >>> 0, true);
    });
    // TSS descriptor at 0x48: base TSS, limit 0x67, busy (type 0xB), present; upper half 0.
    dv.setUint32(GDT + SEL_TSS, ((TSS & 0xffff) << 16) | 0x67, true);
    dv.setUint32(GDT + SEL_TSS + 4, (TSS & 0xff000000) | 0x8b00 | ((TSS >> 16) & 0xff), true);
    // Page tables with accessed/dirty bits already set, so the walk has nothing to write.
    const P = 1, RW = 2, US = 4, A = 0x20, D = 0x40;
    dv.setBigUint64(PML4, BigInt(PDPT | P | RW | US | A), true);
    dv.setBigUint64(PDPT, BigInt(PD64 | P | RW | US | A), true);
    dv.setBigUint64(PD64, BigInt(PT64 | P | RW | US | A), true);
    dv.setUint32(PD32, PT32 | P | RW | US | A, true);
    for (let i = 0; i < 384; i++) {
      let e = (i << 12) | P | RW | US | A | D;
      let nx = false;
      if (i >= 0xf0 && i < 0xf4) e = 0;
      else if (i >= 0xf4 && i < 0xf8) e &= ~RW;
      else if (i >= 0xf8 && i < 0xfc) e &= ~US;
      else if (i >= 0xfc && i < 0x100) nx = true;
      dv.setBigUint64(PT64 + i * 8, BigInt(e) | (nx ? 1n << 63n : 0n), true);
      if (i < 0x400) dv.setUint32(PT32 + i * 4, e, true);
    }
  }

  /**
   * Start a trial: pristine RAM, a fresh CPU in `mode` with RIP at `opts.codeAt`, registers zero
   * except RSP = STACK. The caller then writes the instruction bytes and any state it wants.
   * `reuse` keeps the current CPU (its caches, compiled blocks and the state this does not set:
   * MSRs, debug and x87 registers...) to run the same code again.
   */
  reset(mode: FuzzMode, opts: TrialOptions = {}, reuse = false): Cpu {
    this.ram.set(this.pristine);
    const c = reuse ? this.cpu : new Cpu(this.mem);
    this.cpu = c;
    this.mode = mode;
    const dv = new DataView(this.ram.buffer);
    const long = isLong(mode);
    // IDT: interrupt gates, DPL 3 (so INT n from ring 3 reaches them), to ring-0 code.
    for (let v = 0; v < 256; v++) {
      const h = HANDLERS + v * 8;
      if (long) {
        dv.setUint32(IDT + v * 16, (SEL_CODE64 << 16) | (h & 0xffff), true);
        dv.setUint32(IDT + v * 16 + 4, (h & 0xffff0000) | 0xee00, true);
        dv.setUint32(IDT + v * 16 + 8, 0, true);
        dv.setUint32(IDT + v * 16 + 12, 0, true);
      } else {
        dv.setUint32(IDT + v * 8, (SEL_CODE32 << 16) | (h & 0xffff), true);
        dv.setUint32(IDT + v * 8 + 4, (h & 0xffff0000) | 0xee00, true);
      }
    }
    // TSS: the ring-0 stack for exceptions from ring 3 (32-bit: esp0/ss0; 64-bit: rsp0). No I/O bitmap.
    if (long) dv.setBigUint64(TSS + 4, BigInt(STACK0), true);
    else {
      dv.setUint32(TSS + 4, STACK0, true);
      dv.setUint32(TSS + 8, SEL_DATA32, true);
    }
    dv.setUint16(TSS + 0x66, 0x68, true);

    c.gdtrBase = BigInt(GDT);
    c.gdtrLimit = GDT_LIMIT;
    c.idtrBase = BigInt(mode === "real" ? 0 : IDT);
    c.idtrLimit = mode === "real" ? 0x3ff : long ? 256 * 16 - 1 : 256 * 8 - 1;
    const cr0Extra = opts.cr0Bits ?? 0x22; // MP | NE
    const cr4Extra = opts.cr4Bits ?? 0x600; // OSFXSR | OSXMMEXCPT
    const seg = (s: number, selector: number, base: number, limit: number, accessRights: number) => {
      const st: SegmentState = { selector, base: BigInt(base), limit, accessRights };
      c.setSegment(s, st);
    };
    const flat = (code: number, codeAr: number, data: number, dataAr: number) => {
      seg(1, code, 0, 0xffffffff, codeAr);
      for (const s of [0, 2, 3, 4, 5]) seg(s, data, 0, 0xffffffff, dataAr);
    };
    switch (mode) {
      case "real":
        c.cr0 = 0x10 | cr0Extra;
        c.cr4 = cr4Extra;
        c.efer = 0;
        for (const s of [0, 2, 3, 4, 5]) seg(s, 0, 0, 0xffff, 0x93);
        seg(1, 0, 0, 0xffff, 0x9b);
        break;
      case "v86":
      case "pm16":
      case "pm32":
      case "pm32-paging":
      case "pm32-user": {
        const paging = mode === "pm32-paging" || mode === "pm32-user";
        c.cr0 = 0x11 | cr0Extra | (paging ? 0x80000000 : 0);
        c.cr4 = cr4Extra;
        c.efer = 0;
        if (paging) c.cr3 = BigInt(PD32);
        if (mode === "pm16") {
          seg(1, SEL_CODE16, 0, 0xffff, 0x9b);
          seg(2, SEL_DATA32, 0, 0xffffffff, 0xc093);
          for (const s of [0, 3, 4, 5]) seg(s, SEL_DATA16, 0, 0xffff, 0x93);
        } else if (mode === "pm32-user") flat(SEL_CODE32_R3, 0xc0fb, SEL_DATA32_R3, 0xc0f3);
        else flat(SEL_CODE32, 0xc09b, SEL_DATA32, 0xc093);
        break;
      }
      default: {
        c.cr0 = (0x80000011 | cr0Extra) | 0;
        c.cr4 = cr4Extra | 0x20; // PAE
        c.efer = 0xd01; // SCE | LME | LMA | NXE
        c.cr3 = BigInt(PML4);
        if (mode === "compat32") flat(SEL_CODE32, 0xc09b, SEL_DATA32, 0xc093);
        else if (mode === "long64") {
          seg(1, SEL_CODE64, 0, 0xffffffff, 0xa09b);
          for (const s of [0, 2, 3, 4, 5]) seg(s, SEL_DATA32, 0, 0xffffffff, 0xc093);
        } else {
          seg(1, SEL_CODE64_R3, 0, 0xffffffff, 0xa0fb);
          for (const s of [0, 2, 3, 4, 5]) seg(s, SEL_DATA32_R3, 0, 0xffffffff, 0xc0f3);
        }
      }
    }
    seg(6, 0, 0, 0, 0x10000); // LDTR unusable
    seg(7, SEL_TSS, TSS, 0x67, 0x8b);
    const codeAt = opts.codeAt ?? CODE;
    if (mode === "v86") {
      for (const s of [0, 1, 2, 3, 4, 5]) seg(s, 0, 0, 0xffff, 0xf3);
      c.setRflags(0x20002 | (opts.rflags ?? 0));
    } else c.setRflags(0x2 | (opts.rflags ?? 0));
    if (isUser(mode) && mode !== "v86" && c.cpl !== 3) throw new Error("fuzz machine: ring-3 setup failed");
    c.setRip(BigInt(codeAt));
    c.setRegister(4, BigInt(STACK));
    return c;
  }

  /** Write instruction (or program) bytes at `at`, clipped at the end of RAM. */
  place(bytes: Uint8Array, at: number): void {
    this.ram.set(bytes.subarray(0, Math.max(0, Math.min(bytes.length, RAM_BYTES - at))), at);
  }

  /**
   * The exception vector whose stub RIP is at (after a delivery), or -1. In real and v86 modes the
   * stubs are reached through the IVT / ring-0 gates as well; only CS base 0 is possible there.
   */
  vectorAt(): number {
    const c = this.cpu;
    const rip = c.ripNumber();
    if (c.getSegment(1).base !== 0n) return -1;
    const o = rip - HANDLERS;
    if (o < 0 || o >= 256 * 8 || o % 8 !== 0) return -1;
    return o / 8;
  }
}
