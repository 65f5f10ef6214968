/**
 * Hardware task switching (Intel SDM Vol. 3A ch. 8 "Task Management", §8.3 and table 8-1; the JMP,
 * CALL, INT n and IRET pseudo-code in Vol. 2).
 *
 * A task switch is reached by a far JMP or CALL to a TSS descriptor or a task gate, by an interrupt or
 * exception through a task gate in the IDT, or by IRET with EFLAGS.NT = 1. It is a protected-mode
 * (legacy) feature: in IA-32e mode the callers raise #GP instead of coming here.
 *
 * The switch has a commit point. Checks before it (the new TSS descriptor: type, busy bit, present,
 * limit) fault in the old task with nothing changed, and `taskSwitch` returns false. After it the old
 * task's state is saved, TR points at the new TSS and the new registers are loaded; a fault while the
 * new task's segment descriptors are qualified is raised in the new task's context (CS:EIP of its first
 * instruction) and `taskSwitch` returns true with `c.fault` set, exactly as the SDM describes.
 */
import { Machine } from "./machine";
import { desc, loadCache, loadNull, readDescriptor } from "./segments";
import { taskSwitchDebug } from "./debug-regs";

const GP = 13;
const NP = 11;
const TS = 10;
const SS_FAULT = 12;
const SEG_CS = 1;
const SEG_SS = 2;
const SEG_LDTR = 6;
const SEG_TR = 7;
const NT = 0x4000;
const VM = 0x20000;
const CR0_TS = 8;
const CR0_PG = 0x80000000;

/** What caused the switch: it decides the busy bits, NT and the back link (Intel SDM Vol. 3A table 8-2). */
export const TASK_JMP = 0;
export const TASK_CALL = 1;
export const TASK_IRET = 2;
export const TASK_INT = 3;

// The new task's state, read before the commit point (the new TSS may share bytes with the old one).
const newSeg = new Uint16Array(6); // ES CS SS DS FS GS
const newGpr = new Int32Array(8);
let newEip = 0;
let newFlags = 0;
let newCr3 = 0;
let newLdt = 0;
let newT = false;

/** The selector whose descriptor is in `desc` must be a TSS. Returns its limit's minimum size check. */
function tssType(hi: number): number {
  return (hi >>> 8) & 0x1f;
}

/**
 * Switch from the current task to the task whose TSS selector is `sel`. `retEip` is the EIP saved in
 * the old TSS (the next instruction for JMP/CALL/IRET, the return address of the event for INT).
 * `errorCode` (>= 0) is pushed on the new task's stack, as for an exception delivered through a task
 * gate. Returns false with a fault raised before the commit point (nothing changed).
 */
export function taskSwitch(c: Machine, sel: number, source: number, retEip: number, errorCode: number): boolean {
  // ---- The new TSS descriptor (GDT only).
  const badSelVector = source === TASK_IRET ? TS : GP;
  if (sel & 4) return c.raise(badSelVector, sel & 0xfffc) !== 0;
  if (!readDescriptor(c, sel, badSelVector, false)) return false;
  const hi = desc.hi;
  const type = tssType(hi);
  const busy = (type & 2) !== 0;
  if (!(type === 1 || type === 3 || type === 9 || type === 11)) return c.raise(badSelVector, sel & 0xfffc) !== 0;
  if (source === TASK_IRET ? !busy : busy) return c.raise(badSelVector, sel & 0xfffc) !== 0;
  if (!(hi & 0x8000)) return c.raise(NP, sel & 0xfffc) !== 0;
  const new32 = (type & 8) !== 0;
  const newBase = ((desc.lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const newLimitRaw = (desc.lo & 0xffff) | (hi & 0xf0000);
  const newLimit = hi & 0x800000 ? newLimitRaw * 4096 + 0xfff : newLimitRaw;
  if (newLimit < (new32 ? 0x67 : 0x2b)) return c.raise(TS, sel & 0xfffc) !== 0;
  const newDescAddr = desc.addr;
  const newLo = desc.lo;
  let newHi = hi;

  // ---- The current TSS must be able to hold the state saved into it.
  const oldSel = c.segSel[SEG_TR];
  const old32 = (c.segAr[SEG_TR] & 8) !== 0;
  const oldBase = c.segBase[SEG_TR];
  if (c.segLimit[SEG_TR] < (old32 ? 0x5f : 0x29)) return c.raise(TS, oldSel & 0xfffc) !== 0;

  // ---- Read the new task's state (supervisor accesses; paging faults here leave the old task intact).
  const sys = c.systemAccess;
  c.systemAccess = true;
  if (new32) {
    newCr3 = c.read32(newBase + 0x1c) >>> 0;
    newEip = c.read32(newBase + 0x20) >>> 0;
    newFlags = c.read32(newBase + 0x24);
    for (let i = 0; i < 8; i++) newGpr[i] = c.read32(newBase + 0x28 + i * 4);
    for (let i = 0; i < 6; i++) newSeg[i] = c.read16(newBase + 0x48 + i * 4);
    newLdt = c.read16(newBase + 0x60);
    newT = (c.read16(newBase + 0x64) & 1) !== 0; // T (debug trap) flag
  } else {
    newT = false;
    newCr3 = -1;
    newEip = c.read16(newBase + 0x0e);
    newFlags = c.read16(newBase + 0x10);
    // A 16-bit TSS holds 16-bit registers; the upper halves read as ones (QEMU and Bochs agree).
    for (let i = 0; i < 8; i++) newGpr[i] = c.read16(newBase + 0x12 + i * 2) | 0xffff0000;
    for (let i = 0; i < 4; i++) newSeg[i] = c.read16(newBase + 0x22 + i * 2);
    newSeg[4] = 0;
    newSeg[5] = 0;
    newLdt = c.read16(newBase + 0x2a);
  }
  // Probe the old TSS for the writes below, so that a #PF on it happens before the commit point.
  if (old32) c.probeWrite(oldBase + 0x20, 0x40);
  else c.probeWrite(oldBase + 0x0e, 0x1c);
  c.systemAccess = sys;
  if (c.fault) return false;

  // ==== Commit point: from here the switch completes.
  c.systemAccess = true;
  // The old task: JMP and IRET leave it (not busy); CALL and interrupts nest (stays busy, back link).
  if (source === TASK_JMP || source === TASK_IRET) setBusy(c, oldSel, false);
  let flags = c.getFlags();
  if (source === TASK_IRET) flags &= ~NT;
  if (old32) {
    c.write32(oldBase + 0x20, retEip);
    c.write32(oldBase + 0x24, flags);
    for (let i = 0; i < 8; i++) c.write32(oldBase + 0x28 + i * 4, c.r32[i << 1]);
    for (let i = 0; i < 6; i++) c.write16(oldBase + 0x48 + i * 4, c.segSel[i]);
  } else {
    c.write16(oldBase + 0x0e, retEip);
    c.write16(oldBase + 0x10, flags);
    for (let i = 0; i < 8; i++) c.write16(oldBase + 0x12 + i * 2, c.r32[i << 1]);
    for (let i = 0; i < 4; i++) c.write16(oldBase + 0x22 + i * 2, c.segSel[i]);
  }
  if (source === TASK_CALL || source === TASK_INT) {
    c.write16(newBase, oldSel);
    newFlags |= NT;
  }
  if (source !== TASK_IRET) {
    setBusy(c, sel, true);
    newHi |= 0x200;
  }
  c.systemAccess = sys;

  // TR ← the new TSS; CR0.TS ← 1.
  desc.lo = newLo;
  desc.hi = newHi;
  desc.hi2 = 0;
  desc.addr = newDescAddr;
  loadCache(c, SEG_TR, sel, false);
  c.cr0 |= CR0_TS;

  // The new registers. CR3 only from a 32-bit TSS, and only when paging is on.
  if (new32 && (c.cr0 & CR0_PG) !== 0) {
    c.cr3N = newCr3;
    c.flushTlb();
  }
  c.flags = (newFlags & 0x3f7fd5) | 2;
  c.lazyMask = 0;
  if (newFlags & 0x10100) c.attention |= 1; // TF / RF need the run loop's boundary work
  for (let i = 0; i < 8; i++) {
    c.r32[i << 1] = newGpr[i];
    c.r32[(i << 1) + 1] = 0;
  }
  c.rip = newEip;
  // Debug registers: L0-L3 cleared; the T flag asks for a #DB with DR6.BT before the new task's
  // first instruction (Intel SDM Vol. 3B §17.2.4, §17.3.1.5).
  taskSwitchDebug(c, newT);
  return loadNewSegments(c, new32) && pushErrorCode(c, new32, errorCode);
}

/** Set or clear the busy bit (type bit 1) of the TSS descriptor `sel` in the GDT. */
function setBusy(c: Machine, sel: number, busy: boolean): void {
  const at = c.gdtrBaseN + (sel & 0xfff8) + 5;
  const b = c.read8(at);
  c.write8(at, busy ? b | 2 : b & ~2);
}

/**
 * Load LDTR and the segment registers of the new task and qualify their descriptors (Intel SDM
 * Vol. 3A table 8-1). Every selector is loaded first, so a fault leaves the new task's selectors
 * visible, as on hardware; the faulting register and the ones after it are left unusable.
 */
function loadNewSegments(c: Machine, new32: boolean): boolean {
  for (let s = 0; s < 6; s++) {
    c.segSel[s] = newSeg[s];
    if (s !== SEG_CS) c.segAr[s] = 0x10000;
  }
  c.segSel[SEG_LDTR] = newLdt;
  c.segAr[SEG_LDTR] = 0x10000;
  if (newFlags & VM) {
    // A virtual-8086 task: every segment is a 64 KiB read/write data segment at selector × 16, CPL 3.
    loadNull(c, SEG_LDTR, newLdt);
    if (!loadLdt(c)) return finish(c);
    for (let s = 0; s < 6; s++) {
      c.segBase[s] = newSeg[s] << 4;
      c.segLimit[s] = 0xffff;
      c.segAr[s] = 0xf3;
      c.refreshSegment(s);
    }
    c.cpl = 3;
    c.updateMode();
    return true;
  }
  if (!loadLdt(c)) return finish(c);
  // CS first: its RPL is the new CPL.
  const cs = newSeg[SEG_CS];
  const cpl = cs & 3;
  if (!qualifyCode(c, cs)) return finish(c);
  loadCache(c, SEG_CS, cs, false);
  c.cpl = cpl;
  // SS: a writable data segment with DPL = RPL = CPL.
  const ss = newSeg[SEG_SS];
  if ((ss & 0xfffc) === 0) {
    c.raise(TS, 0);
    return finish(c);
  }
  if (!readDescriptor(c, ss, TS, false)) return finish(c);
  if ((ss & 3) !== cpl || ((desc.hi >>> 13) & 3) !== cpl || ((desc.hi >>> 8) & 0x1a) !== 0x12) {
    c.raise(TS, ss & 0xfffc);
    return finish(c);
  }
  if (!(desc.hi & 0x8000)) {
    c.raise(SS_FAULT, ss & 0xfffc);
    return finish(c);
  }
  loadCache(c, SEG_SS, ss, false);
  c.updateMode();
  // DS, ES, FS, GS: null, data, or readable code, with DPL >= max(CPL, RPL) unless conforming.
  for (const s of DATA_SEGS) {
    if (s >= 4 && !new32) {
      loadNull(c, s, 0);
      continue;
    }
    const sel = newSeg[s];
    if ((sel & 0xfffc) === 0) {
      loadNull(c, s, sel);
      continue;
    }
    if (!readDescriptor(c, sel, TS, false)) return finish(c);
    const hi = desc.hi;
    const type = (hi >>> 8) & 0x1f;
    const dpl = (hi >>> 13) & 3;
    const conformingCode = (type & 0x1c) === 0x1c;
    if ((type & 0x10) === 0 || (type & 0x1a) === 0x18 || (!conformingCode && (dpl < cpl || dpl < (sel & 3)))) {
      c.raise(TS, sel & 0xfffc);
      return finish(c);
    }
    if (!(hi & 0x8000)) {
      c.raise(NP, sel & 0xfffc);
      return finish(c);
    }
    loadCache(c, s, sel, false);
  }
  return true;
}

const DATA_SEGS = [3, 0, 4, 5]; // DS, ES, FS, GS (the order Bochs and QEMU qualify them in)

/** LDTR of the new task: null, or an LDT descriptor in the GDT (#TS(LDT selector) otherwise). */
function loadLdt(c: Machine): boolean {
  const sel = newLdt;
  if ((sel & 0xfffc) === 0) {
    loadNull(c, SEG_LDTR, sel);
    return true;
  }
  if (sel & 4) return c.raise(TS, sel & 0xfffc) !== 0;
  if (!readDescriptor(c, sel, TS, false)) return false;
  if (((desc.hi >>> 8) & 0x1f) !== 2 || !(desc.hi & 0x8000)) return c.raise(TS, sel & 0xfffc) !== 0;
  loadCache(c, SEG_LDTR, sel, false);
  return true;
}

/** The new task's CS: a present code segment; nonconforming DPL = RPL, conforming DPL <= RPL. */
function qualifyCode(c: Machine, cs: number): boolean {
  if ((cs & 0xfffc) === 0) return c.raise(TS, 0) !== 0;
  if (!readDescriptor(c, cs, TS, false)) return false;
  const hi = desc.hi;
  const dpl = (hi >>> 13) & 3;
  const conforming = (hi & 0x400) !== 0;
  if ((hi & 0x1800) !== 0x1800 || (conforming ? dpl > (cs & 3) : dpl !== (cs & 3))) return c.raise(TS, cs & 0xfffc) !== 0;
  if (!(hi & 0x8000)) return c.raise(NP, cs & 0xfffc) !== 0;
  return true;
}

/** A fault after the commit point: the switch stands; the caller delivers the fault in the new task. */
function finish(c: Machine): boolean {
  for (let s = 0; s < 8; s++) c.refreshSegment(s);
  c.updateMode();
  return true;
}

/** An exception delivered through a task gate pushes its error code on the new task's stack. */
function pushErrorCode(c: Machine, new32: boolean, errorCode: number): boolean {
  if (c.fault || errorCode < 0) return true;
  c.push(new32 ? 4 : 2, errorCode);
  return true;
}
