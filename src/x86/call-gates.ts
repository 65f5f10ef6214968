/**
 * Far JMP and far CALL through system descriptors: call gates (16-, 32- and 64-bit), task gates and
 * TSS descriptors (Intel SDM Vol. 3A §5.8.3-5.8.6 "Call Gates", §8.3; the JMP and CALL pseudo-code in
 * Vol. 2). Direct code-segment targets stay in events.ts (farTransfer).
 *
 * The caller (farTransfer) snapshots CS, SS, RSP, CPL and RFLAGS and restores them when this returns
 * false, so a fault part way leaves the registers as they were before the instruction.
 */
import { Machine } from "./machine";
import { desc, loadCache, loadNull, loadStackSegmentFor, markAccessed, readDescriptor, readTssStack, tssStack } from "./segments";
import { taskSwitch, TASK_CALL, TASK_JMP } from "./tasks";

const GP = 13;
const NP = 11;
const TS = 10;
const SEG_CS = 1;
const SEG_SS = 2;
const EFER_LMA = 0x400;
const TWO32 = 4294967296;
const CANON = 140737488355328;

/** Parameters copied from the caller's stack to the callee's (at most 31 by the gate's count field). */
const params = new Int32Array(32);

/**
 * `sel` names a system descriptor (already read into `desc` by the caller, 8 bytes). Perform the JMP
 * (call = false) or CALL through it. `retRip` is the return address a CALL pushes; `osz` is the
 * instruction's operand size (a call gate's own size decides what is pushed).
 */
export function farThroughSystemDescriptor(c: Machine, sel: number, call: boolean, retRip: number): boolean {
  const hi = desc.hi;
  const type = (hi >>> 8) & 0x1f;
  const dpl = (hi >>> 13) & 3;
  const rpl = sel & 3;
  const long = (c.efer & EFER_LMA) !== 0;
  if (long ? type !== 0x0c : !(type === 0x04 || type === 0x0c || type === 0x05 || type === 0x01 || type === 0x09)) {
    return c.raise(GP, sel & 0xfffc) !== 0;
  }
  // Gate or TSS: DPL >= CPL and DPL >= RPL.
  if (dpl < c.cpl || dpl < rpl) return c.raise(GP, sel & 0xfffc) !== 0;
  if (!(hi & 0x8000)) return c.raise(NP, sel & 0xfffc) !== 0;
  if (type === 0x01 || type === 0x09) {
    // A TSS descriptor: switch to that task (busy TSS descriptors were rejected above by type).
    return taskSwitch(c, sel, call ? TASK_CALL : TASK_JMP, c.nextRip, -1);
  }
  if (type === 0x05) {
    // A task gate: the TSS selector is in bits 16-31 of its low dword; that TSS must be available.
    const tss = desc.lo >>> 16;
    if (tss & 4) return c.raise(GP, tss & 0xfffc) !== 0;
    if (!readDescriptor(c, tss, GP, false)) return false;
    const t = (desc.hi >>> 8) & 0x1f;
    if (t !== 0x01 && t !== 0x09) return c.raise(GP, tss & 0xfffc) !== 0;
    if (!(desc.hi & 0x8000)) return c.raise(NP, tss & 0xfffc) !== 0;
    return taskSwitch(c, tss, call ? TASK_CALL : TASK_JMP, c.nextRip, -1);
  }
  return callGate(c, sel, call, retRip, long);
}

function callGate(c: Machine, sel: number, call: boolean, retRip: number, long: boolean): boolean {
  let lo = desc.lo;
  let hi = desc.hi;
  let offset: number;
  let size: number;
  if (long) {
    // A 64-bit call gate is 16 bytes; the type field of its upper half must be 0 (Intel SDM §5.8.3.1).
    if (!readDescriptor(c, sel, GP, true)) return false;
    lo = desc.lo;
    hi = desc.hi;
    const sys = c.systemAccess;
    c.systemAccess = true;
    const upperType = c.read32(desc.addr + 12);
    c.systemAccess = sys;
    if (c.fault) return false;
    if ((upperType >>> 8) & 0x1f) return c.raise(GP, sel & 0xfffc) !== 0;
    offset = (desc.hi2 | 0) * TWO32 + (((lo & 0xffff) | (hi & 0xffff0000)) >>> 0);
    size = 8;
  } else if (((hi >>> 8) & 0x1f) === 0x0c) {
    offset = ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0;
    size = 4;
  } else {
    offset = lo & 0xffff;
    size = 2;
  }
  const count = long ? 0 : hi & 0x1f;
  const target = lo >>> 16;

  // The target code segment: present code with DPL <= CPL (64-bit code in IA-32e mode).
  if ((target & 0xfffc) === 0) return c.raise(GP, 0) !== 0;
  if (!readDescriptor(c, target, GP, false)) return false;
  const th = desc.hi;
  const tdpl = (th >>> 13) & 3;
  const conforming = (th & 0x400) !== 0;
  if ((th & 0x1800) !== 0x1800 || tdpl > c.cpl || (long && (th & 0x600000) !== 0x200000)) return c.raise(GP, target & 0xfffc) !== 0;
  // JMP through a gate never changes privilege: a nonconforming target must have DPL = CPL.
  if (!call && !conforming && tdpl !== c.cpl) return c.raise(GP, target & 0xfffc) !== 0;
  if (!(th & 0x8000)) return c.raise(NP, target & 0xfffc) !== 0;
  markAccessed(c);
  if (c.fault) return false;
  const targetLo = desc.lo;
  const targetHi = desc.hi;

  const oldCs = c.segSel[SEG_CS];
  if (call && !conforming && tdpl < c.cpl) {
    // ---- More privilege: the stack for ring `tdpl` from the TSS, parameters copied across.
    const oldSs = c.segSel[SEG_SS];
    const oldSpLo = c.r32[8];
    const oldSpHi = c.r32[9];
    const oldSp = c.getSp();
    for (let i = 0; i < count; i++) {
      params[i] = c.peek(size, i * size);
    }
    if (c.fault) return false;
    if (!readTssStack(c, tdpl, long)) return false;
    const newSp = tssStack.sp;
    const newSs = tssStack.ss;
    if (long) {
      if (!(newSp >= -CANON && newSp < CANON)) return c.raise(GP, 0) !== 0;
      loadNull(c, SEG_SS, tdpl);
      c.cpl = tdpl;
      desc.lo = targetLo;
      desc.hi = targetHi;
      loadCache(c, SEG_CS, (target & 0xfffc) | tdpl, false);
      c.updateMode();
      c.setRegFromNumber(4, newSp);
      c.push64(oldSs, 0);
      c.push64(oldSpLo, oldSpHi);
      c.push64(oldCs, 0);
      c.push64(retRip | 0, Math.floor(retRip / TWO32));
      if (c.fault) return false;
      c.rip = offset;
      return true;
    }
    if (!loadStackSegmentFor(c, newSs, tdpl, TS)) return false;
    c.cpl = tdpl;
    c.updateMode();
    c.setSp(newSp);
    c.push(size, oldSs);
    c.push(size, oldSp);
    for (let i = count - 1; i >= 0; i--) c.push(size, params[i]);
    c.push(size, oldCs);
    c.push(size, retRip);
    if (c.fault) return false;
    desc.lo = targetLo;
    desc.hi = targetHi;
    loadCache(c, SEG_CS, (target & 0xfffc) | tdpl, false);
    c.updateMode();
  } else {
    // ---- Same privilege (conforming target, or DPL = CPL).
    if (call) {
      if (size === 8) {
        c.push64(oldCs, 0);
        c.push64(retRip | 0, Math.floor(retRip / TWO32));
      } else {
        c.push(size, oldCs);
        c.push(size, retRip);
      }
      if (c.fault) return false;
    }
    desc.lo = targetLo;
    desc.hi = targetHi;
    loadCache(c, SEG_CS, (target & 0xfffc) | c.cpl, false);
    c.updateMode();
  }
  if (c.codeMode === 2 ? !(offset >= -CANON && offset < CANON) : offset > c.segLimit[SEG_CS]) return c.raise(GP, 0) !== 0;
  c.rip = offset;
  return true;
}
