/**
 * The x87 FPU (opcodes D8–DF, FWAIT): the register stack, tag/status/control words, exceptions with
 * the masked defaults and the pending-#MF mechanism, and the x87 instruction set. Intel SDM Vol. 1
 * ch. 8 and the Vol. 2 instruction pages; numerics in x87-float80.ts and x87-ops.ts, the
 * environment images in x87-env.ts. State lives in Machine (fpuCw, fpuSw with TOP in bits 11–13,
 * fpuTw, fpuSe/fpuSig by physical register).
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import {
  F80, kind, isNan, loadIeee, storeIeee, fromInt, toInt, compareFinite, FMT32, FMT64,
  FE_IE, FE_DE, FE_ZE, FE_OE, FE_UE, FE_PE, FE_UP, K_ZERO, K_NORMAL, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED,
  INDEF_SE, INDEF_SIG, RC_ZERO,
} from "./x87-float80";
import { arith, sqrt80, rndint80, scale80, xtract80, prem80, propagateNan } from "./x87-ops";
import { f2xm1, fyl2x, fyl2xp1, fpatan, trig, OUT_OF_RANGE, TRIG_SIN, TRIG_COS, TRIG_TAN, TRIG_SINCOS } from "./x87-trans";
import { storeEnv, loadEnv, readF80, writeF80 } from "./x87-env";

const UD = 6;
const NM = 7;
const MF = 16;
const SF = 0x40;
const ES = 0x80;
const C0 = 0x100;
const C1 = 0x200;
const C2 = 0x400;
const C3 = 0x4000;
const B = 0x8000;
const CC = C0 | C1 | C2 | C3;
const CR0_NE = 0x20;
const QBIT = 1n << 62n;

const ta = new F80();
const tb = new F80();
const tr = new F80();
const tr2 = new F80();

export const fpuTop = (c: Machine): number => (c.fpuSw >> 11) & 7;
const phys = (c: Machine, i: number): number => (((c.fpuSw >> 11) + i) & 7);
export const stEmpty = (c: Machine, i: number): boolean => ((c.fpuTw >> (2 * phys(c, i))) & 3) === 3;

/** Tag of a register value (Intel SDM Vol. 1 §8.1.7): 0 valid, 1 zero, 2 special. */
export function tagOf(se: number, sig: bigint): number {
  const k = kind(se, sig);
  return k === K_NORMAL ? 0 : k === K_ZERO ? 1 : 2;
}

/** The full tag word with the non-empty tags recomputed from the contents (FNSTENV, FNSAVE). */
export function fullTagWord(c: Machine): number {
  let tw = 0;
  for (let p = 0; p < 8; p++) {
    const t = ((c.fpuTw >> (2 * p)) & 3) === 3 ? 3 : tagOf(c.fpuSe[p], c.fpuSig[p]);
    tw |= t << (2 * p);
  }
  return tw;
}

function setPhys(c: Machine, p: number, se: number, sig: bigint): void {
  c.fpuSe[p] = se;
  c.fpuSig[p] = sig;
  c.fpuTw = (c.fpuTw & ~(3 << (2 * p))) | (tagOf(se, sig) << (2 * p));
}

export function setSt(c: Machine, i: number, se: number, sig: bigint): void {
  setPhys(c, phys(c, i), se, sig);
}

function setTop(c: Machine, t: number): void {
  c.fpuSw = (c.fpuSw & ~0x3800) | ((t & 7) << 11);
}

function pop(c: Machine): void {
  const p = phys(c, 0);
  c.fpuTw |= 3 << (2 * p);
  setTop(c, p + 1);
}

/** Record exception flags; an unmasked one sets ES and B (the #MF comes at the next waiting instruction). */
function signal(c: Machine, flags: number): void {
  c.fpuSw |= flags & 0x7f;
  if (c.fpuSw & ~c.fpuCw & 0x3f) c.fpuSw |= ES | B;
}

/** True when `flags` hold an unmasked IE, DE or ZE: the destination must not be written. */
function blocked(c: Machine, flags: number): boolean {
  return (flags & ~c.fpuCw & (FE_IE | FE_DE | FE_ZE)) !== 0;
}

/** Set C1 from a rounding result (1 = rounded up), clearing the other condition codes' C1. */
function setC1(c: Machine, flags: number): void {
  c.fpuSw = (c.fpuSw & ~C1) | (flags & FE_UP && flags & FE_PE ? C1 : 0);
}

/** Stack underflow (reading an empty register): IE|SF, C1 = 0; masked → true (write indefinite). */
function underflow(c: Machine): boolean {
  c.fpuSw &= ~C1;
  signal(c, FE_IE | SF);
  return (c.fpuCw & FE_IE) !== 0;
}

/** Push a value (FLD family). Stack overflow: IE|SF with C1 = 1; masked pushes the indefinite. */
export function push(c: Machine, se: number, sig: bigint): void {
  const p = (fpuTop(c) - 1) & 7;
  if (((c.fpuTw >> (2 * p)) & 3) !== 3) {
    c.fpuSw |= C1;
    signal(c, FE_IE | SF);
    if ((c.fpuCw & FE_IE) === 0) return;
    se = INDEF_SE;
    sig = INDEF_SIG;
  } else c.fpuSw &= ~C1;
  setTop(c, p);
  setPhys(c, p, se, sig);
}

/**
 * Before a waiting instruction: a pending unmasked exception raises #MF (CR0.NE = 1; Intel SDM Vol. 1
 * §8.7). MMX instructions make the same check (exec-sse-common.ts mmxOk; Vol. 3A table 12-1).
 */
export function x87Pending(c: Machine): boolean {
  if ((c.fpuSw & ES) === 0) return false;
  // With CR0.NE = 0 the CPU would assert FERR# (wired to IRQ 13 on a PC) and freeze here until the
  // chipset asserts IGNNE# (Vol. 1 §8.7, Vol. 3A §2.5). There is no FERR# pin in this model (nor in a
  // VMX guest: a hypervisor would have to emulate one; Zircon does not), so we behave as if IGNNE#
  // were asserted: the instruction proceeds and the exception stays pending (ES, B) until cleared,
  // or until CR0.NE is set and the next waiting instruction raises #MF (exec-x87.test.ts).
  if ((c.cr0 & CR0_NE) === 0) return false;
  c.raise(MF, -1);
  return true;
}

/** FWAIT/WAIT (9B): #NM when CR0.MP and TS are both set, then the pending-exception check. */
export function executeFwait(c: Machine): void {
  if ((c.cr0 & 0xa) === 0xa) {
    c.raise(NM, -1);
    return;
  }
  x87Pending(c);
}

function readMem(c: Machine, d: Decoded, size: number, out: F80, intSize: number): number {
  const lin = c.eaLinear(d, size, false);
  if (c.fault) return -1;
  if (size === 10) {
    readF80(c, lin, out);
    return c.fault ? -1 : 0;
  }
  const lo = c.read32(lin);
  if (c.fault) return -1;
  if (size === 2 || size === 4) {
    if (intSize) {
      const v = size === 2 ? (c.read16(lin) << 16) >> 16 : lo | 0;
      fromInt(out, BigInt(v));
      return c.fault ? -1 : 0;
    }
    return loadIeee(out, BigInt(lo >>> 0), FMT32);
  }
  const hi = c.read32(lin + 4);
  if (c.fault) return -1;
  const bits = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  if (intSize) {
    fromInt(out, BigInt.asIntN(64, bits));
    return 0;
  }
  return loadIeee(out, bits, FMT64);
}

function writeBits(c: Machine, lin: number, size: number, v: bigint): void {
  if (!c.probeWrite(lin, size)) return;
  if (size === 2) c.write16(lin, Number(v & 0xffffn));
  else if (size === 4) c.write32(lin, Number(v & 0xffffffffn));
  else {
    c.write32(lin, Number(v & 0xffffffffn));
    c.write32(lin + 4, Number((v >> 32n) & 0xffffffffn));
  }
}

/** FADD..FDIVR family with ST(0) and an operand in `tb` (or ST(i)); writes ST(dest). */
function doArith(c: Machine, digit: number, dest: number, a: F80, b: F80, popAfter: boolean, preFlags: number): void {
  const flags = preFlags | arith(tr, digit, a.se, a.sig, b.se, b.sig, c.fpuCw);
  signal(c, flags & 0x3f);
  if (blocked(c, flags)) return;
  setC1(c, flags);
  setSt(c, dest, tr.se, tr.sig);
  if (popAfter) pop(c);
}

function getSt(c: Machine, i: number, out: F80): boolean {
  if (stEmpty(c, i)) return false;
  const p = phys(c, i);
  out.set(c.fpuSe[p], c.fpuSig[p]);
  return true;
}

/** Compare ST(0) with `b`: sets C3/C2/C0 (or returns the code for FCOMI); IE per `quiet`. */
function compare(c: Machine, a: F80, b: F80, quiet: boolean, pre: number): number {
  const ka = kind(a.se, a.sig);
  const kb = kind(b.se, b.sig);
  let flags = pre;
  let r: number;
  if (isNan(ka) || isNan(kb) || ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    if (!quiet || ka === K_SNAN || kb === K_SNAN || ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) flags |= FE_IE;
    r = 2;
  } else {
    if (ka === K_DENORMAL || kb === K_DENORMAL) flags |= FE_DE;
    r = compareFinite(a.se, a.sig, b.se, b.sig);
  }
  signal(c, flags);
  if (blocked(c, flags)) return -2;
  return r;
}

const CC_OF = [C0, C3, 0, C3 | C2 | C0]; // by r + 1: less, equal, greater, unordered (r = 2 → index 3)

function setCompareCC(c: Machine, r: number): void {
  c.fpuSw = (c.fpuSw & ~CC) | CC_OF[r + 1];
}

/** FCOMI family: ZF, PF, CF; OF, SF, AF cleared (Intel SDM Vol. 2 FCOMI). */
function setEflagsCompare(c: Machine, r: number): void {
  const bits = r === -1 ? 1 : r === 0 ? 0x40 : r === 1 ? 0 : 0x45;
  c.materialize();
  c.flags = (c.flags & ~0x8d5) | bits;
}

function updatePointers(c: Machine, d: Decoded): void {
  c.fpuOp = ((d.op & 7) << 8) | (d.mod << 6) | ((d.reg & 7) << 3) | (d.rm & 7);
  c.fpuIp = c.rip;
  c.fpuCs = c.segSel[1];
  if (d.mod !== 3) {
    c.fpuDp = c.ea(d);
    c.fpuDs = c.segSel[d.seg >= 0 ? d.seg : d.defSeg];
  }
}

export function executeX87(c: Machine, d: Decoded): void {
  // CR0.EM or CR0.TS: #NM (Intel SDM Vol. 3A §2.5, table 2-2).
  if (c.cr0 & 0xc) {
    c.raise(NM, -1);
    return;
  }
  const op = d.op & 0xff;
  const sub = d.reg & 7;
  const rm = d.rm & 7;
  const mem = d.mod !== 3;
  // The non-waiting control instructions: no pending-exception check, no pointer update.
  if (op === 0xdb && !mem && sub === 4) {
    if (rm === 3) {
      c.fpuCw = 0x37f;
      c.fpuSw = 0;
      c.fpuTw = 0xffff;
      c.fpuIp = c.fpuCs = c.fpuDp = c.fpuDs = c.fpuOp = 0;
      return;
    }
    if (rm === 2) {
      c.fpuSw &= 0x7f00;
      return;
    }
    if (rm < 2 || rm === 4) {
      // FNENI/FNDISI/FNSETPM: no-ops since the 287/387 (Intel SDM Vol. 2, opcode map notes).
      if (x87Pending(c)) return;
      return;
    }
  }
  if (op === 0xdf && !mem && sub === 4 && rm === 0) {
    c.r16[0] = c.fpuSw;
    return;
  }
  if (mem && op === 0xdd && sub === 7) {
    const lin = c.eaLinear(d, 2, true);
    if (!c.fault) c.write16(lin, c.fpuSw);
    return;
  }
  if (mem && op === 0xd9 && sub === 7) {
    const lin = c.eaLinear(d, 2, true);
    if (!c.fault) c.write16(lin, c.fpuCw);
    return;
  }
  if (mem && (op === 0xd9 && sub === 6 || op === 0xdd && sub === 6)) {
    storeEnv(c, d, op === 0xdd);
    return;
  }
  if (x87Pending(c)) return;
  if (mem && op === 0xd9 && sub === 5) {
    const lin = c.eaLinear(d, 2, false);
    if (c.fault) return;
    const v = c.read16(lin);
    if (c.fault) return;
    c.fpuCw = v | 0x40;
    recomputeEs(c);
    return;
  }
  if (mem && (op === 0xd9 && sub === 4 || op === 0xdd && sub === 4)) {
    loadEnv(c, d, op === 0xdd);
    recomputeEs(c);
    return;
  }
  if (mem) executeMem(c, d, op, sub);
  else executeReg(c, d, op, sub, rm);
  if (!c.fault) updatePointers(c, d);
}

/** ES and B follow the unmasked exception flags after the control word or status word is loaded. */
export function recomputeEs(c: Machine): void {
  if (c.fpuSw & ~c.fpuCw & 0x3f) c.fpuSw |= ES | B;
  else c.fpuSw &= ~(ES | B);
}

function executeMem(c: Machine, d: Decoded, op: number, sub: number): void {
  if (op === 0xd8 || op === 0xdc || op === 0xda || op === 0xde) {
    // Arithmetic with a memory operand: m32fp, m64fp, m32int, m16int.
    const size = op === 0xd8 ? 4 : op === 0xdc ? 8 : op === 0xda ? 4 : 2;
    const pre = readMem(c, d, size, tb, op & 2);
    if (pre < 0) return;
    if (!getSt(c, 0, ta)) {
      if (sub === 2 || sub === 3) {
        if (underflow(c)) {
          setCompareCC(c, 2);
          if (sub === 3) pop(c);
        }
        return;
      }
      if (underflow(c)) setSt(c, 0, INDEF_SE, INDEF_SIG);
      return;
    }
    if (sub === 2 || sub === 3) {
      const r = compare(c, ta, tb, false, pre);
      if (r === -2) return;
      setCompareCC(c, r);
      if (sub === 3) pop(c);
      return;
    }
    doArith(c, sub, 0, ta, tb, false, pre);
    return;
  }
  switch ((op << 3) | sub) {
    case (0xd9 << 3) | 0: case (0xdd << 3) | 0: case (0xdb << 3) | 5: {
      // FLD m32fp / m64fp (SNaN → IE, quieted; denormal → DE) / m80fp (no exceptions).
      const size = op === 0xd9 ? 4 : op === 0xdd ? 8 : 10;
      let flags = readMem(c, d, size, tb, 0);
      if (flags < 0) return;
      if (size !== 10 && kind(tb.se, tb.sig) === K_SNAN) {
        flags |= FE_IE;
        tb.sig |= QBIT;
      }
      signal(c, flags);
      if (blocked(c, flags)) return;
      push(c, tb.se, tb.sig);
      return;
    }
    case (0xdb << 3) | 0: case (0xdf << 3) | 0: case (0xdf << 3) | 5: {
      const size = op === 0xdb ? 4 : op === 0xdf && sub === 0 ? 2 : 8;
      if (readMem(c, d, size, tb, 1) < 0) return;
      push(c, tb.se, tb.sig);
      return;
    }
    case (0xd9 << 3) | 2: case (0xd9 << 3) | 3: case (0xdd << 3) | 2: case (0xdd << 3) | 3: {
      const size = op === 0xd9 ? 4 : 8;
      const lin = c.eaLinear(d, size, true);
      if (c.fault) return;
      if (!getSt(c, 0, ta)) {
        if (!underflow(c)) return;
        writeBits(c, lin, size, size === 4 ? 0xffc00000n : 0xfff8000000000000n);
        if (!c.fault && sub === 3) pop(c);
        return;
      }
      const r = storeIeee(ta.se, ta.sig, size === 4 ? FMT32 : FMT64, (c.fpuCw >> 10) & 3, c.fpuCw);
      const unmasked = r.flags & ~c.fpuCw & (FE_IE | FE_DE | FE_OE | FE_UE);
      if (unmasked) {
        signal(c, r.flags);
        return;
      }
      writeBits(c, lin, size, r.bits);
      if (c.fault) return;
      signal(c, r.flags);
      setC1(c, r.flags);
      if (sub === 3) pop(c);
      return;
    }
    case (0xdb << 3) | 7: {
      const lin = c.eaLinear(d, 10, true);
      if (c.fault) return;
      if (!getSt(c, 0, ta)) {
        if (!underflow(c)) return;
        ta.set(INDEF_SE, INDEF_SIG);
      }
      if (!c.probeWrite(lin, 10)) return;
      writeF80(c, lin, ta);
      pop(c);
      return;
    }
    case (0xdb << 3) | 1: case (0xdb << 3) | 2: case (0xdb << 3) | 3:
    case (0xdd << 3) | 1:
    case (0xdf << 3) | 1: case (0xdf << 3) | 2: case (0xdf << 3) | 3: case (0xdf << 3) | 7: {
      // FISTTP (/1: truncate), FIST (/2), FISTP (/3, and DF /7 for m64).
      const size = op === 0xdb ? 4 : op === 0xdd || sub === 7 ? 8 : 2;
      const lin = c.eaLinear(d, size, true);
      if (c.fault) return;
      const popAfter = sub !== 2;
      let r: { v: bigint; flags: number };
      if (!getSt(c, 0, ta)) {
        if (!underflow(c)) return;
        r = { v: -(1n << BigInt(size * 8 - 1)), flags: 0 };
      } else r = toInt(ta.se, ta.sig, size * 8, sub === 1 ? RC_ZERO : (c.fpuCw >> 10) & 3);
      if (blocked(c, r.flags)) {
        signal(c, r.flags);
        return;
      }
      writeBits(c, lin, size, BigInt.asUintN(size * 8, r.v));
      if (c.fault) return;
      signal(c, r.flags);
      setC1(c, r.flags);
      if (popAfter) pop(c);
      return;
    }
    case (0xdf << 3) | 4: {
      // FBLD: 18 packed BCD digits and a sign (Intel SDM Vol. 1 §4.7).
      const lin = c.eaLinear(d, 10, false);
      if (c.fault || !c.probeRead(lin, 10)) return;
      let v = 0n;
      for (let i = 8; i >= 0; i--) {
        const b = c.read8(lin + i);
        v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
      }
      const neg = (c.read8(lin + 9) & 0x80) !== 0;
      fromInt(tb, v);
      if (neg) tb.se |= 0x8000;
      push(c, tb.se, tb.sig);
      return;
    }
    case (0xdf << 3) | 6: {
      // FBSTP: round per RC; out of range or NaN → IE and the packed BCD indefinite.
      const lin = c.eaLinear(d, 10, true);
      if (c.fault || !c.probeWrite(lin, 10)) return;
      let flags = 0;
      let v = 0n;
      let neg = false;
      let indef = false;
      if (!getSt(c, 0, ta)) {
        if (!underflow(c)) return;
        indef = true;
      } else {
        const r = toInt(ta.se, ta.sig, 64, (c.fpuCw >> 10) & 3);
        flags = r.flags;
        neg = (ta.se & 0x8000) !== 0;
        v = r.v < 0n ? -r.v : r.v;
        if ((flags & FE_IE) || v >= 10n ** 18n) {
          flags = (flags & ~(FE_PE | FE_UP)) | FE_IE;
          indef = true;
        }
        if (blocked(c, flags)) {
          signal(c, flags);
          return;
        }
      }
      for (let i = 0; i < 9; i++) {
        const lo = Number(v % 10n);
        v /= 10n;
        const hi = Number(v % 10n);
        v /= 10n;
        c.write8(lin + i, indef ? (i === 7 ? 0xc0 : i === 8 ? 0xff : 0) : (hi << 4) | lo);
      }
      c.write8(lin + 9, indef ? 0xff : neg ? 0x80 : 0);
      signal(c, flags);
      setC1(c, flags);
      pop(c);
      return;
    }
    default:
      c.raise(UD, -1);
  }
}

/** FCOM/FUCOM family against ST(i) with `pops` pops afterwards; `eflags` for FCOMI/FUCOMI. */
function compareSt(c: Machine, i: number, quiet: boolean, pops: number, eflags: boolean): void {
  if (!getSt(c, 0, ta) || !getSt(c, i, tb)) {
    if (!underflow(c)) return;
    if (eflags) setEflagsCompare(c, 2);
    else setCompareCC(c, 2);
  } else {
    const r = compare(c, ta, tb, quiet, 0);
    if (r === -2) return;
    if (eflags) {
      setEflagsCompare(c, r);
      c.fpuSw &= ~C1;
    } else setCompareCC(c, r);
  }
  for (let k = 0; k < pops; k++) pop(c);
}

/** ST(0) must be non-empty for a one-operand function; on underflow (masked) ST(0) = indefinite. */
function st0OrUnderflow(c: Machine): boolean {
  if (getSt(c, 0, ta)) return true;
  if (underflow(c)) setSt(c, 0, INDEF_SE, INDEF_SIG);
  return false;
}

function unary(c: Machine, flags: number): void {
  signal(c, flags & 0x3f);
  if (blocked(c, flags)) return;
  setC1(c, flags);
  setSt(c, 0, tr.se, tr.sig);
}

/** The constants of FLD1..FLDZ; the rounded-down variants apply under RC = down or zero (SDM FLD1 et al.). */
const CONSTS: [number, bigint, bigint][] = [
  [0x3fff, 0x8000000000000000n, 0n], // 1
  [0x4000, 0xd49a784bcd1b8afen, 0n], // log2(10): nearest rounds down; up → +1
  [0x3fff, 0xb8aa3b295c17f0bcn, -1n], // log2(e)
  [0x4000, 0xc90fdaa22168c235n, -1n], // pi
  [0x3ffd, 0x9a209a84fbcff799n, -1n], // log10(2)
  [0x3ffe, 0xb17217f7d1cf79acn, -1n], // ln(2)
  [0, 0n, 0n], // +0
];

function executeReg(c: Machine, d: Decoded, op: number, sub: number, i: number): void {
  if (op === 0xd8 || op === 0xdc || op === 0xde) {
    if (op === 0xde && sub === 3) {
      // FCOMPP is DE D9 only.
      if (i !== 1) { c.raise(UD, -1); return; }
      compareSt(c, 1, false, 2, false);
      return;
    }
    if (sub === 2 || sub === 3) {
      // DE D0+i is an alias of FCOMP (pops once).
      compareSt(c, i, false, sub === 3 || op === 0xde ? 1 : 0, false);
      return;
    }
    if (!getSt(c, 0, ta) || !getSt(c, i, tb)) {
      if (underflow(c)) {
        setSt(c, op === 0xd8 ? 0 : i, INDEF_SE, INDEF_SIG);
        if (op === 0xde) pop(c);
      }
      return;
    }
    if (op === 0xd8) doArith(c, sub, 0, ta, tb, false, 0);
    // DC/DE: destination ST(i), and the reversed forms swap (Intel SDM Vol. 2 opcode map, FSUB/FSUBR).
    else doArith(c, sub >= 4 ? sub ^ 1 : sub, i, tb, ta, op === 0xde, 0);
    return;
  }
  const code = (op << 8) | 0xc0 | (sub << 3) | i;
  switch (op) {
    case 0xd9:
      if (sub === 0) {
        if (!getSt(c, i, tb)) {
          if (underflow(c)) push(c, INDEF_SE, INDEF_SIG);
          return;
        }
        push(c, tb.se, tb.sig);
        return;
      }
      if (sub === 1) { fxch(c, i); return; }
      if (sub === 3) { fstSt(c, i, true); return; }
      if (code === 0xd9d0) return;
      if (sub === 5 && i !== 7) {
        const [se, sig, down] = CONSTS[i];
        const rc = (c.fpuCw >> 10) & 3;
        let v = sig;
        if (i === 1 && rc === 2) v += 1n;
        else if (i >= 2 && i <= 5 && (rc === 1 || rc === 3)) v += down;
        push(c, se, v);
        return;
      }
      if (sub >= 6 || code === 0xd9e0 || code === 0xd9e1 || code === 0xd9e4 || code === 0xd9e5) {
        d9Functions(c, code);
        return;
      }
      break;
    case 0xda:
      if (code === 0xdae9) { compareSt(c, 1, true, 2, false); return; }
      if (sub < 4) { fcmov(c, [2, 4, 6, 0xa][sub], i); return; }
      break;
    case 0xdb:
      if (sub < 4) { fcmov(c, [3, 5, 7, 0xb][sub], i); return; }
      if (sub === 5 || sub === 6) { compareSt(c, i, sub === 5, 0, true); return; }
      break;
    case 0xdd:
      if (sub === 0) {
        // FFREE: tag empty, TOP unchanged.
        c.fpuTw |= 3 << (2 * phys(c, i));
        return;
      }
      if (sub === 1) { fxch(c, i); return; }
      if (sub === 2 || sub === 3) { fstSt(c, i, sub === 3); return; }
      if (sub === 4 || sub === 5) { compareSt(c, i, true, sub === 5 ? 1 : 0, false); return; }
      break;
    case 0xdf:
      if (sub === 0) {
        // FFREEP (undocumented by Intel, implemented by every Intel/AMD CPU and QEMU): FFREE + pop.
        c.fpuTw |= 3 << (2 * phys(c, i));
        pop(c);
        return;
      }
      if (sub === 1) { fxch(c, i); return; }
      if (sub === 2 || sub === 3) { fstSt(c, i, true); return; }
      if (sub === 5 || sub === 6) { compareSt(c, i, sub === 5, 1, true); return; }
      break;
  }
  c.raise(UD, -1);
}

function fxch(c: Machine, i: number): void {
  const e0 = stEmpty(c, 0);
  const ei = stEmpty(c, i);
  if (e0 || ei) {
    if (!underflow(c)) return;
    if (e0) setSt(c, 0, INDEF_SE, INDEF_SIG);
    if (ei) setSt(c, i, INDEF_SE, INDEF_SIG);
  }
  const p0 = phys(c, 0);
  const pi = phys(c, i);
  const se = c.fpuSe[p0];
  const sig = c.fpuSig[p0];
  setPhys(c, p0, c.fpuSe[pi], c.fpuSig[pi]);
  setPhys(c, pi, se, sig);
  if (!e0 && !ei) c.fpuSw &= ~C1;
}

function fstSt(c: Machine, i: number, popAfter: boolean): void {
  if (!getSt(c, 0, ta)) {
    if (!underflow(c)) return;
    ta.set(INDEF_SE, INDEF_SIG);
  } else c.fpuSw &= ~C1;
  setSt(c, i, ta.se, ta.sig);
  if (popAfter) pop(c);
}

function fcmov(c: Machine, cc: number, i: number): void {
  if (!getSt(c, 0, ta) || !getSt(c, i, tb)) {
    if (underflow(c)) setSt(c, 0, INDEF_SE, INDEF_SIG);
    return;
  }
  c.fpuSw &= ~C1;
  if (c.cond(cc)) setSt(c, 0, tb.se, tb.sig);
}

/** D9 E0–FF: the one-operand functions and the stack-pointer instructions. */
function d9Functions(c: Machine, code: number): void {
  const cw = c.fpuCw;
  switch (code) {
    case 0xd9e0: case 0xd9e1: // FCHS, FABS: sign only, no exceptions except stack underflow
      if (!st0OrUnderflow(c)) return;
      c.fpuSw &= ~C1;
      setSt(c, 0, code === 0xd9e0 ? ta.se ^ 0x8000 : ta.se & 0x7fff, ta.sig);
      return;
    case 0xd9e4: { // FTST
      if (!getSt(c, 0, ta)) {
        if (underflow(c)) setCompareCC(c, 2);
        return;
      }
      tb.set(0, 0n);
      const r = compare(c, ta, tb, false, 0);
      if (r !== -2) setCompareCC(c, r);
      return;
    }
    case 0xd9e5: { // FXAM
      const p = phys(c, 0);
      const se = c.fpuSe[p];
      const sig = c.fpuSig[p];
      let cls: number;
      if (stEmpty(c, 0)) cls = C3 | C0;
      else {
        const k = kind(se, sig);
        cls = k === K_UNSUPPORTED ? 0 : k === K_QNAN || k === K_SNAN ? C0 : k === K_NORMAL ? C2
          : k === K_INF ? C2 | C0 : k === K_ZERO ? C3 : C3 | C2;
      }
      c.fpuSw = (c.fpuSw & ~CC) | cls | (se & 0x8000 ? C1 : 0);
      return;
    }
    case 0xd9f6: // FDECSTP
      setTop(c, fpuTop(c) - 1);
      c.fpuSw &= ~C1;
      return;
    case 0xd9f7: // FINCSTP
      setTop(c, fpuTop(c) + 1);
      c.fpuSw &= ~C1;
      return;
    case 0xd9fa: // FSQRT
      if (!st0OrUnderflow(c)) return;
      unary(c, sqrt80(tr, ta.se, ta.sig, cw));
      return;
    case 0xd9fc: // FRNDINT
      if (!st0OrUnderflow(c)) return;
      unary(c, rndint80(tr, ta.se, ta.sig, cw));
      return;
    case 0xd9fd: // FSCALE
      if (!getSt(c, 0, ta) || !getSt(c, 1, tb)) {
        if (underflow(c)) setSt(c, 0, INDEF_SE, INDEF_SIG);
        return;
      }
      unary(c, scale80(tr, ta.se, ta.sig, tb.se, tb.sig, cw));
      return;
    case 0xd9f4: { // FXTRACT
      if (!st0OrUnderflow(c)) return;
      const flags = xtract80(tr, tr2, ta.se, ta.sig, cw);
      signal(c, flags);
      if (blocked(c, flags)) return;
      setSt(c, 0, tr.se, tr.sig);
      push(c, tr2.se, tr2.sig);
      return;
    }
    case 0xd9f8: case 0xd9f5: { // FPREM, FPREM1
      if (!getSt(c, 0, ta) || !getSt(c, 1, tb)) {
        if (underflow(c)) setSt(c, 0, INDEF_SE, INDEF_SIG);
        return;
      }
      const r = prem80(tr, ta.se, ta.sig, tb.se, tb.sig, code === 0xd9f5, cw);
      signal(c, r.flags);
      if (blocked(c, r.flags)) return;
      c.fpuSw = (c.fpuSw & ~CC) | r.cc;
      setSt(c, 0, tr.se, tr.sig);
      return;
    }
    default:
      transcendental(c, code);
  }
}

/**
 * F2XM1, FYL2X, FPTAN, FPATAN, FYL2XP1, FSINCOS, FSIN, FCOS (numerics in x87-trans.ts). Here: stack
 * faults, NaNs and unsupported encodings (x87 NaN rules, Intel SDM Vol. 1 table 4-7), the denormal
 * flag, and where the results go. FYL2X, FYL2XP1 and FPATAN write ST(1) and pop; FPTAN pushes 1.0
 * and FSINCOS pushes the cosine (a full stack is a masked-overflow indefinite in both places). The
 * trigonometric instructions clear C2, or set it and leave ST(0) for |x| ≥ 2^63.
 */
function transcendental(c: Machine, code: number): void {
  const two = code === 0xd9f1 || code === 0xd9f3 || code === 0xd9f9;
  const pushes = code === 0xd9f2 || code === 0xd9fb;
  const trigOp = code === 0xd9fe ? TRIG_SIN : code === 0xd9ff ? TRIG_COS : code === 0xd9f2 ? TRIG_TAN : code === 0xd9fb ? TRIG_SINCOS : -1;
  if (code !== 0xd9f0 && !two && trigOp < 0) {
    c.raise(UD, -1);
    return;
  }
  if (!getSt(c, 0, ta) || (two && !getSt(c, 1, tb))) {
    if (underflow(c)) {
      setSt(c, two ? 1 : 0, INDEF_SE, INDEF_SIG);
      if (two) pop(c);
      else if (pushes) push(c, INDEF_SE, INDEF_SIG);
    }
    return;
  }
  if (pushes && !stEmpty(c, 7)) {
    // Stack overflow (Intel SDM Vol. 1 §8.5.1.1): masked, both results are the indefinite.
    c.fpuSw |= C1;
    signal(c, FE_IE | SF);
    if ((c.fpuCw & FE_IE) === 0) return;
    setSt(c, 0, INDEF_SE, INDEF_SIG);
    push(c, INDEF_SE, INDEF_SIG);
    return;
  }
  const cw = c.fpuCw;
  const ka = kind(ta.se, ta.sig);
  const kb = two ? kind(tb.se, tb.sig) : K_NORMAL;
  let flags = ka === K_DENORMAL || kb === K_DENORMAL ? FE_DE : 0;
  let trigFlags = 0;
  if (isNan(ka) || isNan(kb) || ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) flags |= indefiniteInto(tr);
    else flags |= propagateNan(tr, ta.se, ta.sig, two ? tb.se : ta.se, two ? tb.sig : ta.sig);
    tr2.set(tr.se, tr.sig);
  } else {
    switch (code) {
      case 0xd9f0: flags |= f2xm1(tr, ta.se, ta.sig, cw); break;
      case 0xd9f1: flags |= fyl2x(tr, ta.se, ta.sig, tb.se, tb.sig, cw); break;
      case 0xd9f9: flags |= fyl2xp1(tr, ta.se, ta.sig, tb.se, tb.sig, cw); break;
      case 0xd9f3: flags |= fpatan(tr, ta.se, ta.sig, tb.se, tb.sig, cw); break;
      default:
        trigFlags = trig(trigOp, tr, tr2, ta.se, ta.sig, cw);
        if (trigFlags === OUT_OF_RANGE) {
          // Out of range: C2 = 1, no exception, ST(0) unchanged (Intel SDM Vol. 2 FSIN et al.).
          c.fpuSw = (c.fpuSw & ~C1) | C2;
          return;
        }
        flags |= trigFlags;
        if (code === 0xd9f2 && (trigFlags & FE_IE) === 0) tr2.set(0x3fff, 0x8000000000000000n);
    }
  }
  signal(c, flags & 0x3f);
  if (blocked(c, flags)) return;
  setC1(c, flags);
  if (trigOp >= 0) c.fpuSw &= ~C2;
  if (two) {
    setSt(c, 1, tr.se, tr.sig);
    pop(c);
  } else {
    setSt(c, 0, tr.se, tr.sig);
    if (pushes) push(c, tr2.se, tr2.sig);
  }
}

function indefiniteInto(out: F80): number {
  out.set(INDEF_SE, INDEF_SIG);
  return FE_IE;
}
