/**
 * Segment descriptors and segment-register loads (Intel SDM Vol. 3A ch. 3 and §5.5-5.8; the MOV/POP
 * Sreg, LDS, far JMP/CALL/RET pseudo-code in Vol. 2).
 *
 * Descriptor reads are supervisor ("implicit") accesses to the GDT/LDT. A failed check raises the
 * architectural exception with the selector error code and returns false; nothing is loaded.
 */
import { Machine } from "./machine";

const GP = 13;
const NP = 11;
const SS_FAULT = 12;
const TS = 10;
const SEG_CS = 1;
const SEG_SS = 2;
const SEG_LDTR = 6;
const SEG_TR = 7;

/** Scratch output of readDescriptor(): the two dwords, and for 16-byte system descriptors the third. */
export const desc = { lo: 0, hi: 0, hi2: 0, addr: 0 };

/**
 * Read the descriptor of `sel` (GDT or LDT by TI) into `desc`. Returns false after raising
 * `vector`(sel & 0xfffc) when the selector is outside the table limit.
 */
export function readDescriptor(c: Machine, sel: number, vector: number, wide: boolean): boolean {
  const index = sel & 0xfff8;
  let base: number;
  let limit: number;
  if (sel & 4) {
    if (c.segHi[SEG_LDTR] < 0 || (c.segAr[SEG_LDTR] & 0x80) === 0) {
      c.raise(vector, sel & 0xfffc);
      return false;
    }
    base = c.segBase[SEG_LDTR];
    limit = c.segLimit[SEG_LDTR];
  } else {
    base = c.gdtrBaseN;
    limit = c.gdtrLimit;
  }
  if (index + (wide ? 15 : 7) > limit) {
    c.raise(vector, sel & 0xfffc);
    return false;
  }
  const sys = c.systemAccess;
  c.systemAccess = true;
  const addr = base + index;
  desc.addr = addr;
  desc.lo = c.read32(addr);
  desc.hi = c.read32(addr + 4);
  desc.hi2 = wide ? c.read32(addr + 8) : 0;
  c.systemAccess = sys;
  return c.fault === 0;
}

export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}

export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return hi & 0x800000 ? raw * 4096 + 0xfff : raw;
}

/** VMCS-format access rights from the descriptor's high dword. */
export function descAr(hi: number): number {
  return (hi >>> 8) & 0xf0ff;
}

/** Set the descriptor's accessed bit in memory if clear (as the processor does on a load). */
export function markAccessed(c: Machine): void {
  if (desc.hi & 0x100) return;
  const sys = c.systemAccess;
  c.systemAccess = true;
  c.write8(desc.addr + 5, ((desc.hi >>> 8) & 0xff) | 1);
  c.systemAccess = sys;
  desc.hi |= 0x100;
}

/** Load the cache of segment `seg` from `desc` (plus selector). */
export function loadCache(c: Machine, seg: number, sel: number, wide: boolean): void {
  c.segSel[seg] = sel;
  let base = descBase(desc.lo, desc.hi);
  if (wide) base += (desc.hi2 | 0) * 4294967296;
  c.segBase[seg] = base;
  c.segLimit[seg] = descLimit(desc.lo, desc.hi);
  c.segAr[seg] = descAr(desc.hi);
  c.refreshSegment(seg);
}

/** A null/unusable cache (protected-mode load of a null selector). */
export function loadNull(c: Machine, seg: number, sel: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = seg >= 4 ? c.segBase[seg] : 0;
  c.segLimit[seg] = 0;
  c.segAr[seg] = 0x10000;
  c.refreshSegment(seg);
}

/** Real-mode (and virtual-8086) load: base = selector << 4, limit and rights unchanged. */
export function loadReal(c: Machine, seg: number, sel: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = sel << 4;
  if (seg === SEG_CS && (c.flags & 0x20000) === 0) {
    // A far transfer in real mode makes CS a 16-bit, present, accessed code segment. (In
    // virtual-8086 mode every cache keeps the 64 KiB read/write DPL-3 rights set on entry.)
    c.segAr[seg] = (c.segAr[seg] & ~0x6000) | 0x9b;
  }
  c.refreshSegment(seg);
  if (seg === SEG_CS || seg === SEG_SS) c.updateMode();
}

/**
 * MOV/POP/LxS to DS, ES, FS, GS or SS (not CS), with the protected-mode checks of MOV's pseudo-code.
 * Returns false with a fault raised.
 */
export function loadDataSegment(c: Machine, seg: number, sel: number): boolean {
  if ((c.cr0 & 1) === 0 || (c.flags & 0x20000) !== 0) {
    loadReal(c, seg, sel);
    return true;
  }
  const rpl = sel & 3;
  const cpl = c.cpl;
  if ((sel & 0xfffc) === 0) {
    if (seg === SEG_SS) {
      // 64-bit mode allows a null SS below CPL 3 (Intel SDM Vol. 2 MOV: "IF segment selector is NULL ... 64-bit mode").
      if (!(c.codeMode === 2 && cpl !== 3 && rpl === cpl)) {
        c.raise(GP, 0);
        return false;
      }
    }
    loadNull(c, seg, sel);
    if (seg === SEG_SS) c.updateMode();
    return true;
  }
  if (!readDescriptor(c, sel, GP, false)) return false;
  const hi = desc.hi;
  const type = (hi >>> 8) & 0x1f;
  const dpl = (hi >>> 13) & 3;
  if (seg === SEG_SS) {
    // Writable data segment with RPL = DPL = CPL.
    if (rpl !== cpl || dpl !== cpl || (type & 0x1a) !== 0x12) {
      c.raise(GP, sel & 0xfffc);
      return false;
    }
    if (!(hi & 0x8000)) {
      c.raise(SS_FAULT, sel & 0xfffc);
      return false;
    }
  } else {
    // Data, or readable code; DPL >= max(CPL, RPL) unless conforming code.
    if ((type & 0x10) === 0 || (type & 0x1a) === 0x18) {
      c.raise(GP, sel & 0xfffc);
      return false;
    }
    const conformingCode = (type & 0x1c) === 0x1c;
    if (!conformingCode && (dpl < cpl || dpl < rpl)) {
      c.raise(GP, sel & 0xfffc);
      return false;
    }
    if (!(hi & 0x8000)) {
      c.raise(NP, sel & 0xfffc);
      return false;
    }
  }
  markAccessed(c);
  if (c.fault) return false;
  loadCache(c, seg, sel, false);
  if (seg === SEG_SS) c.updateMode();
  return true;
}

/**
 * Checks for a code segment that a far JMP/CALL/RET/IRET transfers to (direct, no gates), then loads
 * CS with CPL = `newCpl`. Returns false with a fault raised.
 */
export function loadCodeSegment(c: Machine, sel: number, newCpl: number, isReturn: boolean): boolean {
  if ((c.cr0 & 1) === 0 || (c.flags & 0x20000) !== 0) {
    loadReal(c, SEG_CS, sel);
    return true;
  }
  if ((sel & 0xfffc) === 0) {
    c.raise(GP, 0);
    return false;
  }
  if (!readDescriptor(c, sel, GP, false)) return false;
  const hi = desc.hi;
  const type = (hi >>> 8) & 0x1f;
  const dpl = (hi >>> 13) & 3;
  if ((type & 0x18) !== 0x18) {
    c.raise(GP, sel & 0xfffc);
    return false;
  }
  const conforming = (type & 4) !== 0;
  if (isReturn) {
    // RET/IRET: RPL >= CPL; conforming: DPL <= RPL; nonconforming: DPL = RPL.
    if ((sel & 3) < c.cpl || (conforming ? dpl > (sel & 3) : dpl !== (sel & 3))) {
      c.raise(GP, sel & 0xfffc);
      return false;
    }
  } else if (conforming ? dpl > c.cpl : dpl !== c.cpl || (sel & 3) > c.cpl) {
    c.raise(GP, sel & 0xfffc);
    return false;
  }
  // In IA-32e mode a code segment with L=1 and D=1 is invalid (Intel SDM Vol. 3A §5.2.1).
  if ((c.efer & 0x400) !== 0 && (hi & 0x600000) === 0x600000) {
    c.raise(GP, sel & 0xfffc);
    return false;
  }
  if (!(hi & 0x8000)) {
    c.raise(NP, sel & 0xfffc);
    return false;
  }
  markAccessed(c);
  if (c.fault) return false;
  loadCache(c, SEG_CS, (sel & 0xfffc) | newCpl, false);
  c.cpl = newCpl;
  c.updateMode();
  return true;
}

/** Load SS for a privilege change (interrupt to an inner level, or return to an outer one). */
export function loadStackSegmentFor(c: Machine, sel: number, cpl: number, vector: number): boolean {
  if ((sel & 0xfffc) === 0) {
    if (c.codeMode === 2 || (c.efer & 0x400) !== 0) {
      if (cpl !== 3) {
        loadNull(c, SEG_SS, (sel & 0xfffc) | cpl);
        return true;
      }
    }
    c.raise(vector, 0);
    return false;
  }
  if (!readDescriptor(c, sel, vector, false)) return false;
  const hi = desc.hi;
  const type = (hi >>> 8) & 0x1f;
  const dpl = (hi >>> 13) & 3;
  if ((sel & 3) !== cpl || dpl !== cpl || (type & 0x1a) !== 0x12) {
    c.raise(vector, sel & 0xfffc);
    return false;
  }
  if (!(hi & 0x8000)) {
    c.raise(SS_FAULT, sel & 0xfffc);
    return false;
  }
  markAccessed(c);
  if (c.fault) return false;
  loadCache(c, SEG_SS, sel, false);
  return true;
}

/** LLDT / LTR: system descriptors (16 bytes in IA-32e mode). */
export function loadSystemSegment(c: Machine, seg: number, sel: number): boolean {
  const wide = (c.efer & 0x400) !== 0;
  if ((sel & 0xfffc) === 0) {
    if (seg === SEG_TR) {
      c.raise(GP, 0);
      return false;
    }
    loadNull(c, seg, sel);
    return true;
  }
  if (sel & 4) {
    c.raise(GP, sel & 0xfffc);
    return false;
  }
  if (!readDescriptor(c, sel, GP, wide)) return false;
  const type = (desc.hi >>> 8) & 0x1f;
  const ok = seg === SEG_LDTR ? type === 2 : type === 9 || (!wide && type === 1);
  if (!ok) {
    c.raise(GP, sel & 0xfffc);
    return false;
  }
  if (!(desc.hi & 0x8000)) {
    c.raise(NP, sel & 0xfffc);
    return false;
  }
  if (seg === SEG_TR) {
    // Mark the TSS busy (type 9 → 11, 1 → 3).
    const sys = c.systemAccess;
    c.systemAccess = true;
    c.write8(desc.addr + 5, ((desc.hi >>> 8) & 0xff) | 2);
    c.systemAccess = sys;
    if (c.fault) return false;
    desc.hi |= 0x200;
  }
  loadCache(c, seg, sel, wide);
  return true;
}

/** Flat cache used by SYSCALL/SYSRET/SYSENTER/SYSEXIT (Intel SDM Vol. 2 pseudo-code). */
export function loadFlat(c: Machine, seg: number, sel: number, ar: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = 0;
  c.segLimit[seg] = 0xffffffff;
  c.segAr[seg] = ar;
  c.refreshSegment(seg);
}

/** The stack readTssStack found: SP (a number; 64-bit in IA-32e mode) and SS (0 in IA-32e mode). */
export const tssStack = { sp: 0, ss: 0 };

/**
 * The stack for ring `dpl` from the current TSS, for a privilege change by an interrupt or a call
 * gate (Intel SDM Vol. 3A §6.12.1, §8.2.1, §8.7): SS:ESP from a 32-bit TSS, SS:SP from a 16-bit one,
 * RSPn from a 64-bit one (`long`). #TS(TSS selector) when the TSS is too short. Reads are supervisor
 * accesses. Returns false with a fault raised.
 */
export function readTssStack(c: Machine, dpl: number, long: boolean): boolean {
  const tb = c.segBase[SEG_TR];
  const tss32 = (c.segAr[SEG_TR] & 8) !== 0;
  const last = long ? 4 + dpl * 8 + 7 : tss32 ? 8 + dpl * 8 + 1 : 4 + dpl * 4 + 1;
  if (last > c.segLimit[SEG_TR]) return c.raise(TS, c.segSel[SEG_TR] & 0xfffc) !== 0;
  const sys = c.systemAccess;
  c.systemAccess = true;
  if (long) {
    tssStack.sp = c.read32(tb + 8 + dpl * 8) * 4294967296 + (c.read32(tb + 4 + dpl * 8) >>> 0);
    tssStack.ss = 0;
  } else if (tss32) {
    tssStack.sp = c.read32(tb + 4 + dpl * 8) >>> 0;
    tssStack.ss = c.read16(tb + 8 + dpl * 8);
  } else {
    tssStack.sp = c.read16(tb + 2 + dpl * 4);
    tssStack.ss = c.read16(tb + 4 + dpl * 4);
  }
  c.systemAccess = sys;
  return c.fault === 0;
}
