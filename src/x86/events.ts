/**
 * Privilege-level machinery: exception/interrupt delivery through the IVT or IDT, IRET, far
 * JMP/CALL/RET, SYSCALL/SYSRET and SYSENTER/SYSEXIT (Intel SDM Vol. 3A ch. 5-6, Vol. 2 pseudo-code).
 *
 * Every operation here either completes or leaves the registers as they were (a snapshot is restored
 * on a fault), so the caller can report the fault against the unchanged state.
 */
import { Machine, FAULT_EXC } from "./machine";
import { loadCodeSegment, loadDataSegment, loadFlat, loadReal, loadStackSegmentFor, readDescriptor, readTssStack, tssStack, desc, loadCache, loadNull } from "./segments";
import { farThroughSystemDescriptor } from "./call-gates";
import { taskSwitch, TASK_INT, TASK_IRET } from "./tasks";

const GP = 13;
const NP = 11;
const TS = 10;
const SEG_ES = 0;
const SEG_CS = 1;
const SEG_SS = 2;
const SEG_DS = 3;
const SEG_FS = 4;
const SEG_GS = 5;
const SEG_TR = 7;
const TF = 0x100;
const IF = 0x200;
const NT = 0x4000;
const RF = 0x10000;
const VM = 0x20000;
const AC = 0x40000;
const EFER_LMA = 0x400;
const EFER_SCE = 1;
const TWO32 = 4294967296;
const CANON = 140737488355328;

/** Event kinds for deliverEvent(). */
export const EV_HARDWARE = 0; // exception raised by an instruction: no gate DPL check, EXT = 1
export const EV_EXTERNAL = 1; // external interrupt or NMI: EXT = 1
export const EV_SOFTWARE = 2; // INT n: gate DPL check
export const EV_SOFT_EXCEPTION = 3; // INT3, INTO: gate DPL check
export const EV_PRIV_SOFTWARE = 4; // INT1 (ICEBP): no DPL check

// ---- Snapshot of what an event or far transfer may change.
const snapSel = new Uint16Array(2);
const snapBase = new Float64Array(2);
const snapLimit = new Float64Array(2);
const snapAr = new Int32Array(2);
let snapCpl = 0;
let snapRspLo = 0;
let snapRspHi = 0;
let snapFlags = 0;

function save(c: Machine): void {
  c.materialize();
  for (let i = 0; i < 2; i++) {
    snapSel[i] = c.segSel[i + 1];
    snapBase[i] = c.segBase[i + 1];
    snapLimit[i] = c.segLimit[i + 1];
    snapAr[i] = c.segAr[i + 1];
  }
  snapCpl = c.cpl;
  snapRspLo = c.r32[8];
  snapRspHi = c.r32[9];
  snapFlags = c.flags;
}

function restore(c: Machine): void {
  for (let i = 0; i < 2; i++) {
    c.segSel[i + 1] = snapSel[i];
    c.segBase[i + 1] = snapBase[i];
    c.segLimit[i + 1] = snapLimit[i];
    c.segAr[i + 1] = snapAr[i];
    c.refreshSegment(i + 1);
  }
  c.cpl = snapCpl;
  c.r32[8] = snapRspLo;
  c.r32[9] = snapRspHi;
  c.flags = snapFlags;
  c.lazyMask = 0;
  c.updateMode();
}

/** Write RFLAGS from an instruction or event (keeps the run loop's attention in step with TF). */
export function writeFlags(c: Machine, v: number): void {
  c.flags = (v & 0x3f7fd5) | 2;
  c.lazyMask = 0;
  // TF (single step) and RF (cleared as the next instruction starts) need the run loop's boundary work.
  if (v & (TF | RF)) c.attention |= 1;
}

/**
 * Deliver `vector` (errorCode < 0: none). `retRip` is the RIP to push (the faulting instruction
 * for faults, the next one for traps and INT n). Returns false with a new fault recorded.
 */
export function deliverEvent(c: Machine, vector: number, errorCode: number, kind: number, retRip: number): boolean {
  save(c);
  let ok: boolean;
  if ((c.cr0 & 1) === 0) ok = deliverReal(c, vector, retRip);
  else if (c.efer & EFER_LMA) ok = deliverLong(c, vector, errorCode, kind, retRip);
  else ok = deliverProtected(c, vector, errorCode, kind, retRip);
  if (!ok) restore(c);
  return ok;
}

function deliverReal(c: Machine, vector: number, retRip: number): boolean {
  if (vector * 4 + 3 > c.idtrLimit) return c.raise(GP, vector * 8 + 2) !== 0;
  const entry = c.idtrBaseN + vector * 4;
  const off = c.read16(entry);
  const sel = c.read16(entry + 2);
  if (c.fault) return false;
  const flags = c.flags;
  c.push(2, flags);
  c.push(2, c.segSel[SEG_CS]);
  c.push(2, retRip);
  if (c.fault) return false;
  c.flags = flags & ~(IF | TF | AC | RF);
  loadReal(c, SEG_CS, sel);
  c.rip = off;
  return true;
}

/** Read a gate; returns its two (or four) dwords in gLo/gHi/gLo2, or false with the fault raised. */
let gLo = 0;
let gHi = 0;
let gLo2 = 0;

function readGate(c: Machine, vector: number, ext: number, kind: number, wide: boolean): boolean {
  const size = wide ? 16 : 8;
  if (vector * size + size - 1 > c.idtrLimit) return c.raise(GP, vector * 8 + 2 + ext) !== 0;
  const sys = c.systemAccess;
  c.systemAccess = true;
  const a = c.idtrBaseN + vector * size;
  gLo = c.read32(a);
  gHi = c.read32(a + 4);
  gLo2 = wide ? c.read32(a + 8) : 0;
  c.systemAccess = sys;
  if (c.fault) return false;
  const type = (gHi >>> 8) & 0x1f;
  const valid = wide ? type === 0x0e || type === 0x0f : type === 0x05 || type === 0x06 || type === 0x07 || type === 0x0e || type === 0x0f;
  if (!valid) return c.raise(GP, vector * 8 + 2 + ext) !== 0;
  if ((kind === EV_SOFTWARE || kind === EV_SOFT_EXCEPTION) && ((gHi >>> 13) & 3) < c.cpl) return c.raise(GP, vector * 8 + 2) !== 0;
  if (!(gHi & 0x8000)) return c.raise(NP, vector * 8 + 2 + ext) !== 0;
  return true;
}

/** Read the target code descriptor of a gate; returns its DPL or -1 with a fault. */
function gateTarget(c: Machine, sel: number, ext: number, need64: boolean): number {
  if ((sel & 0xfffc) === 0) {
    c.raise(GP, ext);
    return -1;
  }
  if (!readDescriptor(c, sel, GP, false)) return -1;
  const hi = desc.hi;
  const dpl = (hi >>> 13) & 3;
  if ((hi & 0x1800) !== 0x1800 || dpl > c.cpl || (need64 && (hi & 0x600000) !== 0x200000)) {
    c.raise(GP, (sel & 0xfffc) + ext);
    return -1;
  }
  if (!(hi & 0x8000)) {
    c.raise(NP, (sel & 0xfffc) + ext);
    return -1;
  }
  return dpl;
}

function deliverProtected(c: Machine, vector: number, errorCode: number, kind: number, retRip: number): boolean {
  const ext = kind === EV_SOFTWARE || kind === EV_SOFT_EXCEPTION ? 0 : 1;
  if (!readGate(c, vector, ext, kind, false)) return false;
  const type = (gHi >>> 8) & 0x1f;
  if (type === 0x05) return deliverThroughTaskGate(c, errorCode, retRip, ext);
  const gate32 = (type & 8) !== 0;
  const size = gate32 ? 4 : 2;
  const sel = gLo >>> 16;
  const offset = gate32 ? ((gLo & 0xffff) | (gHi & 0xffff0000)) >>> 0 : gLo & 0xffff;
  const dpl = gateTarget(c, sel, ext, false);
  if (dpl < 0) return false;
  const conforming = (desc.hi & 0x400) !== 0;
  const flags = c.flags;
  const oldCs = c.segSel[SEG_CS];
  const fromV86 = (flags & VM) !== 0;
  // From virtual-8086 mode the handler must be ring-0, nonconforming code (Intel SDM Vol. 3A §20.3.1.1).
  if (fromV86 && (conforming || dpl !== 0)) return c.raise(GP, (sel & 0xfffc) + ext) !== 0;
  if (!conforming && dpl < c.cpl) {
    // Inner privilege: new SS:ESP from the TSS.
    if (!readTssStack(c, dpl, false)) return false;
    const newSp = tssStack.sp;
    const newSs = tssStack.ss;
    const oldSs = c.segSel[SEG_SS];
    const oldSp = c.r32[8];
    if (fromV86) c.flags &= ~VM; // the new SS is a protected-mode descriptor
    if (!loadStackSegmentFor(c, newSs, dpl, TS)) return false;
    c.cpl = dpl;
    c.updateMode();
    c.setSp(newSp);
    if (fromV86) {
      // The virtual-8086 segment registers go on the ring-0 stack, then become null.
      c.push(size, c.segSel[SEG_GS]);
      c.push(size, c.segSel[SEG_FS]);
      c.push(size, c.segSel[SEG_DS]);
      c.push(size, c.segSel[SEG_ES]);
    }
    c.push(size, oldSs);
    c.push(size, oldSp);
  } else {
    c.cpl = c.cpl; // same privilege
  }
  c.push(size, flags);
  c.push(size, oldCs);
  c.push(size, retRip);
  if (errorCode >= 0) c.push(size, errorCode);
  if (c.fault) return false;
  if (fromV86) {
    for (let s = 0; s < 6; s++) if (s !== SEG_CS && s !== SEG_SS) loadNull(c, s, 0);
  }
  loadCache(c, SEG_CS, (sel & 0xfffc) | c.cpl, false);
  c.flags = flags & ~(TF | NT | RF | VM | ((type & 1) === 0 ? IF : 0));
  c.updateMode();
  c.rip = offset;
  return true;
}

/**
 * An interrupt or exception through a task gate (Intel SDM Vol. 3A §6.12.2): switch to the task, which
 * receives the error code on its stack. A fault after the switch's commit point is delivered in the
 * new task; if that delivery fails, the state stays the new task's (restore() then has nothing older).
 */
function deliverThroughTaskGate(c: Machine, errorCode: number, retRip: number, ext: number): boolean {
  const tss = gLo >>> 16;
  if (tss & 4) return c.raise(GP, (tss & 0xfffc) + ext) !== 0;
  if (!readDescriptor(c, tss, GP, false)) return false;
  const t = (desc.hi >>> 8) & 0x1f;
  if (t !== 0x01 && t !== 0x09) return c.raise(GP, (tss & 0xfffc) + ext) !== 0;
  if (!(desc.hi & 0x8000)) return c.raise(NP, (tss & 0xfffc) + ext) !== 0;
  if (!taskSwitch(c, tss, TASK_INT, retRip, errorCode)) return false;
  if (c.fault === 0) return true;
  if (c.fault !== FAULT_EXC) return false;
  const v = c.faultVector;
  const code = c.faultCode;
  c.fault = 0;
  return deliverEvent(c, v, code, EV_HARDWARE, c.rip);
}

function deliverLong(c: Machine, vector: number, errorCode: number, kind: number, retRip: number): boolean {
  const ext = kind === EV_SOFTWARE || kind === EV_SOFT_EXCEPTION ? 0 : 1;
  if (!readGate(c, vector, ext, kind, true)) return false;
  const type = (gHi >>> 8) & 0x1f;
  const sel = gLo >>> 16;
  const offset = (gLo2 | 0) * TWO32 + (((gLo & 0xffff) | (gHi & 0xffff0000)) >>> 0);
  const ist = gHi & 7;
  const dpl = gateTarget(c, sel, ext, true);
  if (dpl < 0) return false;
  const conforming = (desc.hi & 0x400) !== 0;
  const flags = c.flags;
  const oldCs = c.segSel[SEG_CS];
  const oldSs = c.segSel[SEG_SS];
  const oldSpLo = c.r32[8];
  const oldSpHi = c.r32[9];
  const inner = !conforming && dpl < c.cpl;
  let newSp: number;
  if (inner || ist !== 0) {
    // 64-bit TSS: RSPn at 4 + 8n, ISTn at 0x24 + 8(n-1) (Intel SDM Vol. 3A §8.7).
    const at = ist !== 0 ? 0x24 + (ist - 1) * 8 : 4 + dpl * 8;
    if (at + 7 > c.segLimit[SEG_TR]) return c.raise(TS, c.segSel[SEG_TR] & 0xfffc) !== 0;
    const sys = c.systemAccess;
    c.systemAccess = true;
    const tb = c.segBase[SEG_TR];
    const lo = c.read32(tb + at);
    const hi = c.read32(tb + at + 4);
    c.systemAccess = sys;
    if (c.fault) return false;
    newSp = hi * TWO32 + (lo >>> 0);
  } else {
    newSp = c.regAsNumber(4);
  }
  if (inner) {
    loadNull(c, SEG_SS, dpl);
    c.cpl = dpl;
  }
  loadCache(c, SEG_CS, (sel & 0xfffc) | c.cpl, false);
  c.updateMode();
  // The stack is aligned to 16 bytes before the frame is pushed (Intel SDM Vol. 3A §6.14.2).
  newSp -= ((newSp % 16) + 16) % 16;
  c.setRegFromNumber(4, newSp);
  c.push64(oldSs, 0);
  c.push64(oldSpLo, oldSpHi);
  c.push64(flags, 0);
  c.push64(oldCs, 0);
  c.push64(retRip | 0, Math.floor(retRip / TWO32));
  if (errorCode >= 0) c.push64(errorCode, 0);
  if (c.fault) return false;
  c.flags = flags & ~(TF | NT | RF | VM | ((type & 1) === 0 ? IF : 0));
  c.rip = offset;
  return true;
}

/** Which RFLAGS bits POPF/IRET may change at the current privilege (Intel SDM POPF table). */
export function flagsWritableMask(c: Machine, osz: number): number {
  let mask = 0x244dd5 | NT | AC; // CF PF AF ZF SF TF DF OF NT AC ID
  const iopl = (c.flags >> 12) & 3;
  if (c.cpl === 0) mask |= 0x3000 | IF;
  else if (c.cpl <= iopl) mask |= IF;
  if ((c.cr0 & 1) === 0) mask |= 0x3000 | IF;
  if (osz === 2) mask &= 0xffff;
  return mask;
}

/** IRET/IRETD/IRETQ. Returns false with a fault. */
export function iret(c: Machine, osz: number): boolean {
  save(c);
  const ok = doIret(c, osz);
  if (!ok) restore(c);
  else c.nmiBlocked = false;
  return ok;
}

function popN(c: Machine, osz: number, index: number): number {
  if (osz === 8) return c.peek(4, index * 8);
  return c.peek(osz, index * osz);
}

function doIret(c: Machine, osz: number): boolean {
  const ip = popN(c, osz, 0);
  const ipHi = osz === 8 ? c.peek(4, 4) : 0;
  const cs = popN(c, osz, 1) & 0xffff;
  const fl = popN(c, osz, 2);
  if (c.fault) return false;
  if ((c.cr0 & 1) === 0 || (c.flags & VM) !== 0) {
    // Real mode, or virtual-8086 mode with IOPL = 3 (the caller raised #GP below that): IOPL and VM
    // keep their values (Intel SDM IRET: REAL-ADDRESS-MODE, RETURN-FROM-VIRTUAL-8086-MODE).
    if ((c.flags & VM) !== 0 && (osz === 4 ? ip >>> 0 : ip & 0xffff) > 0xffff) return c.raise(GP, 0) !== 0;
    c.setSp(c.wrapSp(c.getSp() + 3 * osz));
    // IRETD/IRETQ also load RF (Intel SDM IRET: EFLAGS(RF) ← tempEFLAGS for 32/64-bit operands).
    let mask = (flagsWritableMask(c, osz) | (osz !== 2 ? RF : 0)) & ~(VM | 0x180000);
    if (c.flags & VM) mask &= ~0x3000;
    writeFlags(c, (c.flags & ~mask) | (fl & mask));
    loadReal(c, SEG_CS, cs);
    c.rip = osz === 2 ? ip & 0xffff : ip >>> 0;
    return true;
  }
  const long = (c.efer & EFER_LMA) !== 0;
  if (c.flags & NT) {
    // Task return: back to the task named by the current TSS's link field (none in IA-32e mode).
    if (long) return c.raise(GP, 0) !== 0;
    const sys = c.systemAccess;
    c.systemAccess = true;
    const link = c.read16(c.segBase[SEG_TR]);
    c.systemAccess = sys;
    if (c.fault) return false;
    return taskSwitch(c, link, TASK_IRET, c.nextRip, -1);
  }
  if (osz === 4 && c.cpl === 0 && !long && (fl & VM) !== 0) return iretToV86(c, ip, cs, fl);
  const rpl = cs & 3;
  if (rpl < c.cpl) return c.raise(GP, cs & 0xfffc) !== 0;
  const outer = rpl > c.cpl || (long && c.codeMode === 2);
  let newSp = 0;
  let newSs = 0;
  if (outer) {
    if (osz === 8) newSp = c.peek(4, 28) * TWO32 + (c.peek(4, 24) >>> 0);
    else newSp = popN(c, osz, 3) >>> 0;
    newSs = popN(c, osz, 4) & 0xffff;
    if (c.fault) return false;
  }
  const mask = (flagsWritableMask(c, osz) | (osz !== 2 ? RF : 0)) & ~(VM | 0x180000);
  const newFlags = (c.flags & ~mask) | (fl & mask);
  const oldCpl = c.cpl;
  if (!outer) c.setSp(c.wrapSp(c.getSp() + 3 * osz));
  if (!loadCodeSegment(c, cs, rpl, true)) return false;
  let target = osz === 8 ? ipHi * TWO32 + (ip >>> 0) : osz === 4 ? ip >>> 0 : ip & 0xffff;
  if (c.codeMode === 2) {
    if (!(target >= -CANON && target < CANON)) return c.raise(GP, 0) !== 0;
  } else {
    target = target >>> 0;
    if (target > c.segLimit[SEG_CS]) return c.raise(GP, 0) !== 0;
  }
  if (outer) {
    c.cpl = oldCpl;
    if (!loadStackSegmentFor(c, newSs, rpl, GP)) return false;
    c.cpl = rpl;
    c.updateMode();
    if (osz === 8 || c.stackSize === 8) c.setRegFromNumber(4, newSp);
    else c.setSp(newSp);
    if (rpl > oldCpl) nullInaccessibleSegments(c);
  }
  writeFlags(c, newFlags);
  c.rip = target;
  return true;
}

/**
 * IRETD at CPL 0 with VM set in the popped EFLAGS: enter virtual-8086 mode (Intel SDM IRET:
 * RETURN-TO-VIRTUAL-8086-MODE). The frame holds EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS.
 */
function iretToV86(c: Machine, ip: number, cs: number, fl: number): boolean {
  const sp = c.peek(4, 12);
  const ss = c.peek(4, 16) & 0xffff;
  const es = c.peek(4, 20) & 0xffff;
  const ds = c.peek(4, 24) & 0xffff;
  const fs = c.peek(4, 28) & 0xffff;
  const gs = c.peek(4, 32) & 0xffff;
  if (c.fault) return false;
  writeFlags(c, fl);
  enterV86Segment(c, SEG_CS, cs);
  enterV86Segment(c, SEG_SS, ss);
  enterV86Segment(c, SEG_ES, es);
  enterV86Segment(c, SEG_DS, ds);
  enterV86Segment(c, SEG_FS, fs);
  enterV86Segment(c, SEG_GS, gs);
  c.cpl = 3;
  c.updateMode();
  c.r32[8] = sp;
  c.r32[9] = 0;
  c.rip = ip & 0xffff;
  return true;
}

/** A segment register as virtual-8086 mode has it: base = selector × 16, 64 KiB, read/write, DPL 3. */
function enterV86Segment(c: Machine, seg: number, sel: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = sel << 4;
  c.segLimit[seg] = 0xffff;
  c.segAr[seg] = 0xf3;
  c.refreshSegment(seg);
}

/** After a return to an outer level, data segments the new CPL may not use become null (Intel SDM RET). */
function nullInaccessibleSegments(c: Machine): void {
  for (const s of [SEG_ES, SEG_DS, SEG_FS, SEG_GS]) {
    const ar = c.segAr[s];
    if (ar & 0x10000) continue;
    const dpl = (ar >> 5) & 3;
    const conformingCode = (ar & 0x1c) === 0x1c;
    if ((ar & 0x10) && !conformingCode && dpl < c.cpl) loadNull(c, s, 0);
  }
}

/** Far RET (RETF [imm16]) with operand size osz. */
export function farReturn(c: Machine, osz: number, imm: number): boolean {
  save(c);
  const ok = doFarReturn(c, osz, imm);
  if (!ok) restore(c);
  return ok;
}

function doFarReturn(c: Machine, osz: number, imm: number): boolean {
  const ip = osz === 8 ? c.peek(4, 4) * TWO32 + (c.peek(4, 0) >>> 0) : osz === 4 ? c.peek(4, 0) >>> 0 : c.peek(2, 0);
  const cs = popN(c, osz, 1) & 0xffff;
  if (c.fault) return false;
  const spAfter = c.wrapSp(c.getSp() + 2 * osz + imm);
  if ((c.cr0 & 1) === 0 || (c.flags & VM) !== 0) {
    c.setSp(spAfter);
    loadReal(c, SEG_CS, cs);
    c.rip = ip;
    return true;
  }
  const rpl = cs & 3;
  if (rpl < c.cpl) return c.raise(GP, cs & 0xfffc) !== 0;
  let newSp = 0;
  let newSs = 0;
  const outer = rpl > c.cpl;
  if (outer) {
    const base = 2 * osz + imm;
    newSp = osz === 8 ? c.peek(4, base + 4) * TWO32 + (c.peek(4, base) >>> 0) : osz === 4 ? c.peek(4, base) >>> 0 : c.peek(2, base);
    newSs = c.peek(2, base + osz);
    if (c.fault) return false;
  } else {
    c.setSp(spAfter);
  }
  const oldCpl = c.cpl;
  if (!loadCodeSegment(c, cs, rpl, true)) return false;
  if (c.codeMode === 2 ? !(ip >= -CANON && ip < CANON) : ip > c.segLimit[SEG_CS]) return c.raise(GP, 0) !== 0;
  if (outer) {
    c.cpl = oldCpl;
    if (!loadStackSegmentFor(c, newSs, rpl, GP)) return false;
    c.cpl = rpl;
    c.updateMode();
    c.setSp(c.wrapSp(newSp + imm));
    nullInaccessibleSegments(c);
  }
  c.rip = c.codeMode === 2 ? ip : ip >>> 0;
  return true;
}

/** Far JMP (call = false) or far CALL to sel:off. Only direct code-segment targets (no call gates). */
export function farTransfer(c: Machine, sel: number, off: number, osz: number, call: boolean, retRip: number): boolean {
  save(c);
  const ok = doFarTransfer(c, sel, off, osz, call, retRip);
  if (!ok) restore(c);
  return ok;
}

function doFarTransfer(c: Machine, sel: number, off: number, osz: number, call: boolean, retRip: number): boolean {
  const real = (c.cr0 & 1) === 0 || (c.flags & VM) !== 0;
  if (!real && (sel & 0xfffc) !== 0) {
    if (!readDescriptor(c, sel, GP, false)) return false;
    // A system descriptor: call gate, task gate or TSS (call-gates.ts, tasks.ts).
    if ((desc.hi & 0x1000) === 0) return farThroughSystemDescriptor(c, sel, call, retRip);
  }
  if (call) {
    const oldCs = c.segSel[SEG_CS];
    if (osz === 8) {
      c.push64(oldCs, 0);
      c.push64(retRip | 0, Math.floor(retRip / TWO32));
    } else {
      c.push(osz, oldCs);
      c.push(osz, retRip);
    }
    if (c.fault) return false;
  }
  if (real) {
    loadReal(c, SEG_CS, sel);
    c.rip = osz === 2 ? off & 0xffff : off;
    return true;
  }
  if (!loadCodeSegment(c, sel, c.cpl, false)) return false;
  if (c.codeMode === 2 ? !(off >= -CANON && off < CANON) : off > c.segLimit[SEG_CS]) return c.raise(GP, 0) !== 0;
  c.rip = off;
  return true;
}

// ---- Fast system calls (Intel SDM Vol. 2: SYSCALL, SYSRET, SYSENTER, SYSEXIT).

const AR_CODE64_DPL0 = 0xa09b; // G, L, P, S, type B (execute/read, accessed)
const AR_DATA_DPL0 = 0xc093; // G, B, P, S, type 3
const AR_CODE32_DPL3 = 0xc0fb;
const AR_CODE64_DPL3 = 0xa0fb;
const AR_DATA_DPL3 = 0xc0f3;
const AR_CODE32_DPL0 = 0xc09b;

export function syscall(c: Machine, retRip: number): boolean {
  if ((c.efer & EFER_SCE) === 0 || c.codeMode !== 2) return c.raise(6, -1) !== 0;
  c.materialize();
  c.setRegFromNumber(1, retRip);
  c.r32[22] = c.flags & ~RF;
  c.r32[23] = 0;
  const sel = c.starHi & 0xfffc;
  loadFlat(c, SEG_CS, sel, AR_CODE64_DPL0);
  loadFlat(c, SEG_SS, (sel + 8) & 0xffff, AR_DATA_DPL0);
  c.cpl = 0;
  c.updateMode();
  c.flags = (c.flags & ~c.fmask & ~RF) | 2;
  c.rip = c.lstar;
  return true;
}

export function sysret(c: Machine, osz: number): boolean {
  if ((c.efer & EFER_SCE) === 0 || c.codeMode !== 2) return c.raise(6, -1) !== 0;
  if (c.cpl !== 0) return c.raise(GP, 0) !== 0;
  const base = c.starHi >>> 16;
  let target: number;
  if (osz === 8) {
    target = c.regAsNumber(1);
    if (!(target >= -CANON && target < CANON)) return c.raise(GP, 0) !== 0;
    loadFlat(c, SEG_CS, ((base + 16) & 0xffff) | 3, AR_CODE64_DPL3);
  } else {
    target = c.r32[2] >>> 0;
    loadFlat(c, SEG_CS, base | 3, AR_CODE32_DPL3);
  }
  // SS keeps a flat cache; its selector is STAR[63:48] + 8 with RPL 3.
  loadFlat(c, SEG_SS, ((base + 8) & 0xffff) | 3, AR_DATA_DPL3);
  c.cpl = 3;
  c.updateMode();
  writeFlags(c, (c.r32[22] & 0x3c7fd7) | 2);
  c.rip = target;
  return true;
}

export function sysenter(c: Machine): boolean {
  if ((c.cr0 & 1) === 0) return c.raise(GP, 0) !== 0;
  const cs = c.sysenterCs & 0xfffc;
  if (cs === 0) return c.raise(GP, 0) !== 0;
  c.materialize();
  c.flags &= ~(VM | IF | RF);
  const long = (c.efer & EFER_LMA) !== 0;
  loadFlat(c, SEG_CS, cs, long ? AR_CODE64_DPL0 : AR_CODE32_DPL0);
  loadFlat(c, SEG_SS, (cs + 8) & 0xffff, AR_DATA_DPL0);
  c.cpl = 0;
  c.updateMode();
  if (long) {
    c.setRegFromNumber(4, c.sysenterEsp);
    c.rip = c.sysenterEip;
  } else {
    c.r32[8] = c.sysenterEsp;
    c.r32[9] = 0;
    c.rip = c.sysenterEip >>> 0;
  }
  return true;
}

export function sysexit(c: Machine, osz: number): boolean {
  const cs = c.sysenterCs & 0xfffc;
  if ((c.cr0 & 1) === 0 || c.cpl !== 0 || cs === 0) return c.raise(GP, 0) !== 0;
  if (osz === 8) {
    const rip = c.regAsNumber(2);
    const rsp = c.regAsNumber(1);
    if (!(rip >= -CANON && rip < CANON) || !(rsp >= -CANON && rsp < CANON)) return c.raise(GP, 0) !== 0;
    loadFlat(c, SEG_CS, ((cs + 32) & 0xffff) | 3, AR_CODE64_DPL3);
    loadFlat(c, SEG_SS, ((cs + 40) & 0xffff) | 3, AR_DATA_DPL3);
    c.cpl = 3;
    c.updateMode();
    c.setRegFromNumber(4, rsp);
    c.rip = rip;
  } else {
    loadFlat(c, SEG_CS, ((cs + 16) & 0xffff) | 3, AR_CODE32_DPL3);
    loadFlat(c, SEG_SS, ((cs + 24) & 0xffff) | 3, AR_DATA_DPL3);
    c.cpl = 3;
    c.updateMode();
    c.r32[8] = c.r32[2];
    c.r32[9] = 0;
    c.rip = c.r32[4] >>> 0;
  }
  return true;
}

export { loadDataSegment };
