/**
 * Executor for the two-byte opcode map (0F xx; Intel SDM Vol. 2 appendix A, table A-3): integer
 * instructions here, system and SSE instructions dispatched to their modules.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { alu, alu64, shiftDouble, shiftDouble64, setFlagsExplicit, sizeMask } from "./arith";
import { readRm, writeRm, readRm64, writeRm64, rmwLinear, setReg64, stackOsz, branchTo, pushPair, peekTop, dropStack, readMem64 } from "./operands";
import { loadDataSegment } from "./segments";
import { imul3, loadFarPointer, setShadow } from "./exec-main";
import { executeSystem0f } from "./exec-system";
import { executeSse } from "./exec-sse";

const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const ARITH = CF | PF | AF | ZF | SF | OF;
const UD = 6;
const GP = 13;
const SEG_FS = 4;
const SEG_GS = 5;

export function execute0f(c: Machine, d: Decoded): void {
  const op = d.op;
  if (op >= 0x200) {
    // MOVBE lives in map 2 beside the SSSE3/SSE4 opcodes; it is checked before those are routed.
    if (op === 0x2f0 || op === 0x2f1) {
      movbe(c, d, op === 0x2f1);
      return;
    }
    executeSse(c, d);
    return;
  }
  const b = op & 0xff;
  const hi4 = b >> 4;
  if (hi4 === 0x4) {
    // CMOVcc: the source is read whatever the condition; a 32-bit destination is zero-extended even when not moved.
    const size = d.osz;
    if (size === 8) {
      const v = readRm64(c, d);
      if (c.fault) return;
      if (c.cond(b & 15)) setReg64(c, d.reg, v, c.hi);
    } else {
      const v = readRm(c, d, size);
      if (c.fault) return;
      if (c.cond(b & 15)) c.setReg(size, d.reg, 0, v);
      else if (size === 4) c.r32[(d.reg << 1) + 1] = 0;
    }
    return;
  }
  if (hi4 === 0x8) {
    if (c.cond(b & 15)) branchTo(c, c.nextRip + d.imm, c.codeMode === 2 ? 8 : d.osz);
    return;
  }
  if (hi4 === 0x9) {
    writeRm(c, d, 1, c.cond(b & 15) ? 1 : 0);
    return;
  }
  switch (b) {
    case 0x0b:
    case 0xb9:
    case 0xff:
      c.raise(UD, -1);
      return;
    case 0x0d: case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
      // PREFETCH / hint NOPs (multi-byte NOP 0F 1F /0): no memory access.
      return;
    case 0xa0: case 0xa8:
      pushPair(c, stackOsz(c, d), c.segSel[b === 0xa0 ? SEG_FS : SEG_GS], 0);
      return;
    case 0xa1: case 0xa9: {
      const size = stackOsz(c, d);
      const sel = peekTop(c, size) & 0xffff;
      if (c.fault) return;
      if (!loadDataSegment(c, b === 0xa1 ? SEG_FS : SEG_GS, sel)) return;
      dropStack(c, size);
      return;
    }
    case 0xa3: case 0xab: case 0xb3: case 0xbb:
      bitTest(c, d, b === 0xa3 ? 0 : b === 0xab ? 1 : b === 0xb3 ? 2 : 3, -1);
      return;
    case 0xba:
      if ((d.reg & 7) < 4) { c.raise(UD, -1); return; }
      bitTest(c, d, (d.reg & 7) - 4, d.imm & 0xff);
      return;
    case 0xa4: case 0xa5: case 0xac: case 0xad: {
      const count = (b & 1 ? c.r8[8] : d.imm) & (d.osz === 8 ? 0x3f : 0x1f);
      shld(c, d, count, b < 0xa8);
      return;
    }
    case 0xaf: {
      const a = d.osz === 8 ? readRm64(c, d) : readRm(c, d, d.osz);
      if (c.fault) return;
      const aHi = c.hi;
      imul3(c, d, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1], a, aHi, d.reg);
      return;
    }
    case 0xb0: case 0xb1: cmpxchg(c, d, b & 1 ? d.osz : 1); return;
    case 0xb2: case 0xb4: case 0xb5:
      if (d.mod === 3) { c.raise(UD, -1); return; }
      loadFarPointer(c, d, b === 0xb2 ? 2 : b === 0xb4 ? SEG_FS : SEG_GS);
      if (b === 0xb2 && !c.fault) setShadow(c, true);
      return;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
      const src = b & 1 ? 2 : 1;
      let v = readRm(c, d, src);
      if (c.fault) return;
      if (b >= 0xbe) v = src === 1 ? (v << 24) >> 24 : (v << 16) >> 16;
      if (d.osz === 8) setReg64(c, d.reg, v, v >> 31);
      else c.setReg(d.osz, d.reg, 0, v);
      return;
    }
    case 0xb8:
      if (d.rep !== 0xf3) { c.raise(UD, -1); return; }
      bitCount(c, d, 0);
      return;
    case 0xbc: case 0xbd:
      // F3 0F BC runs as TZCNT although CPUID reports no BMI1 (a CPU without it runs BSF, Intel SDM
      // Vol. 2B TZCNT): the reference QEMU (-cpu max) has BMI1 and guests/alu.asm is checked
      // against it; compilers emit `rep bsf` for a count whose source is nonzero, where both agree.
      bitCount(c, d, d.rep === 0xf3 ? (b === 0xbc ? 3 : 4) : b === 0xbc ? 1 : 2);
      return;
    case 0xc0: case 0xc1: xadd(c, d, b & 1 ? d.osz : 1); return;
    case 0xc7:
      if ((d.reg & 7) === 1 && d.mod !== 3) cmpxchg8b(c, d);
      else c.raise(UD, -1);
      return;
    case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      const r = d.rm;
      if (d.osz === 8) {
        const lo = c.r32[r << 1], hi = c.r32[(r << 1) + 1];
        setReg64(c, r, bswap(hi), bswap(lo));
      } else if (d.osz === 4) c.setReg(4, r, 0, bswap(c.r32[r << 1]));
      else c.r16[r << 2] = 0; // BSWAP of a 16-bit register is undefined; modern CPUs clear it
      return;
    }
  }
  executeSystem0f(c, d, b);
}

/**
 * MOVBE r, m (0F 38 F0) / MOVBE m, r (0F 38 F1): a load or store with the bytes reversed (Intel SDM
 * Vol. 2B "MOVBE"). Only memory forms exist: a register operand is #UD. With F2 the opcodes are
 * CRC32 (SSE4.2, not implemented, so #UD); F3 is undefined (#UD). A 16-bit load writes only the low
 * word of the destination; a 32-bit one zero-extends in 64-bit mode, as any 32-bit write.
 */
function movbe(c: Machine, d: Decoded, store: boolean): void {
  if (d.mod === 3 || d.rep !== 0) {
    c.raise(UD, -1);
    return;
  }
  const size = d.osz;
  const r = d.reg;
  if (store) {
    if (size === 8) writeRm64(c, d, bswap(c.r32[(r << 1) + 1]), bswap(c.r32[r << 1]));
    else if (size === 4) writeRm(c, d, 4, bswap(c.r32[r << 1]));
    else writeRm(c, d, 2, bswap(c.r16[r << 2]) >>> 16);
    return;
  }
  if (size === 8) {
    const lo = readRm64(c, d);
    if (c.fault) return;
    setReg64(c, r, bswap(c.hi), bswap(lo));
    return;
  }
  const v = readRm(c, d, size);
  if (c.fault) return;
  if (size === 4) c.setReg(4, r, 0, bswap(v));
  else c.r16[r << 2] = bswap(v) >>> 16;
}

function bswap(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** BT/BTS/BTR/BTC (kind 0..3). With a register bit offset and a memory operand, the offset is signed and reaches outside the operand. */
function bitTest(c: Machine, d: Decoded, kind: number, immOffset: number): void {
  const size = d.osz;
  const bits = size * 8;
  if (d.mod === 3) {
    const off = (immOffset >= 0 ? immOffset : c.r32[d.reg << 1]) & (bits - 1);
    if (size === 8) {
      let lo = c.r32[d.rm << 1], hi = c.r32[(d.rm << 1) + 1];
      const word = off >= 32 ? hi : lo;
      const mask = 1 << (off & 31);
      setFlagsExplicit(c, CF, (word & mask) !== 0 ? CF : 0);
      if (kind === 0) return;
      const nw = kind === 1 ? word | mask : kind === 2 ? word & ~mask : word ^ mask;
      if (off >= 32) hi = nw; else lo = nw;
      setReg64(c, d.rm, lo, hi);
      return;
    }
    const v = c.getReg(size, d.rm, 0);
    const mask = 1 << off;
    setFlagsExplicit(c, CF, (v & mask) !== 0 ? CF : 0);
    if (kind !== 0) c.setReg(size, d.rm, 0, kind === 1 ? v | mask : kind === 2 ? v & ~mask : v ^ mask);
    return;
  }
  // Memory: byte granular access to the addressed byte (architecturally a size-d access; same result).
  let byteOff = 0;
  let bit: number;
  if (immOffset >= 0) bit = immOffset & (bits - 1);
  else {
    // The offset is a signed integer of the operand size; a 64-bit one is hi * 2^32 + (unsigned) lo.
    const raw = size === 2 ? (c.r16[d.reg << 2] << 16) >> 16 : c.r32[d.reg << 1];
    if (size === 8) byteOff = c.r32[(d.reg << 1) + 1] * 536870912 + Math.floor((raw >>> 0) / 8);
    else byteOff = Math.floor(raw / 8);
    bit = raw & 7;
  }
  byteOff += bit >> 3;
  bit &= 7;
  const seg = c.segOf(d);
  let off = c.ea(d) + byteOff;
  if (d.asz === 2) off &= 0xffff;
  else if (d.asz === 4) off = off >>> 0;
  const lin = c.linear(seg, off, 1, kind !== 0);
  if (c.fault) return;
  if (kind !== 0 && !c.probeWrite(lin, 1)) return;
  const v = c.read8(lin);
  if (c.fault) return;
  const mask = 1 << bit;
  setFlagsExplicit(c, CF, (v & mask) !== 0 ? CF : 0);
  if (kind !== 0) c.write8(lin, kind === 1 ? v | mask : kind === 2 ? v & ~mask : v ^ mask);
}

function shld(c: Machine, d: Decoded, count: number, left: boolean): void {
  const size = d.osz;
  if (size === 8) {
    const bLo = c.r32[d.reg << 1], bHi = c.r32[(d.reg << 1) + 1];
    if (d.mod === 3) {
      const lo = shiftDouble64(c, c.r32[d.rm << 1], c.r32[(d.rm << 1) + 1], bLo, bHi, count, left);
      setReg64(c, d.rm, lo, c.hi);
      return;
    }
    const lin = rmwLinear(c, d, 8);
    if (c.fault) return;
    const a = readMem64(c, lin);
    if (c.fault) return;
    const lo = shiftDouble64(c, a, c.hi, bLo, bHi, count, left);
    c.write64(lin, lo, c.hi);
    return;
  }
  const src = c.getReg(size, d.reg, 0);
  if (d.mod === 3) {
    // Written even for a zero count: a 32-bit destination is then zero-extended in 64-bit mode, as
    // for every 32-bit register write (Bochs SHLD_EdGdR: "always clear upper part of the register").
    c.setReg(size, d.rm, 0, shiftDouble(c, c.getReg(size, d.rm, 0), src, count, size, left));
    return;
  }
  const lin = rmwLinear(c, d, size);
  if (c.fault) return;
  const a = c.readN(lin, size);
  if (c.fault) return;
  c.writeN(lin, size, shiftDouble(c, a, src, count, size, left));
}

/** kind 0 POPCNT, 1 BSF, 2 BSR, 3 TZCNT, 4 LZCNT. */
function bitCount(c: Machine, d: Decoded, kind: number): void {
  const size = d.osz;
  let lo: number;
  let hi = 0;
  if (size === 8) {
    lo = readRm64(c, d);
    hi = c.hi;
  } else lo = readRm(c, d, size) & sizeMask(size);
  if (c.fault) return;
  const bits = size * 8;
  const zero = (lo | hi) === 0;
  let r: number;
  switch (kind) {
    case 0:
      r = popcount(lo) + popcount(hi);
      setFlagsExplicit(c, ARITH, zero ? ZF : 0);
      break;
    case 1:
    case 3:
      r = zero ? bits : lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
      if (kind === 1) {
        setFlagsExplicit(c, ZF, zero ? ZF : 0);
        if (zero) return; // destination unchanged (Intel SDM BSF: "undefined"; CPUs keep it)
      } else setFlagsExplicit(c, ARITH, (zero ? CF : 0) | (r === 0 ? ZF : 0));
      break;
    default: {
      const top = size === 8 ? (hi !== 0 ? 63 - Math.clz32(hi) : lo !== 0 ? 31 - Math.clz32(lo) : -1) : lo !== 0 ? 31 - Math.clz32(lo) : -1;
      if (kind === 2) {
        setFlagsExplicit(c, ZF, zero ? ZF : 0);
        if (zero) return;
        r = top;
      } else {
        r = bits - 1 - top;
        setFlagsExplicit(c, ARITH, (zero ? CF : 0) | (r === 0 ? ZF : 0));
      }
    }
  }
  if (size === 8) setReg64(c, d.reg, r, 0);
  else c.setReg(size, d.reg, 0, r);
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function cmpxchg(c: Machine, d: Decoded, size: number): void {
  if (size === 8) {
    let lin = NaN;
    let dLo: number;
    let dHi: number;
    if (d.mod === 3) {
      dLo = c.r32[d.rm << 1];
      dHi = c.r32[(d.rm << 1) + 1];
    } else {
      lin = rmwLinear(c, d, 8);
      if (c.fault) return;
      dLo = readMem64(c, lin);
      dHi = c.hi;
      if (c.fault) return;
    }
    alu64(c, 7, c.r32[0], c.r32[1], dLo, dHi);
    const eq = c.getZF() !== 0;
    const nLo = eq ? c.r32[d.reg << 1] : dLo;
    const nHi = eq ? c.r32[(d.reg << 1) + 1] : dHi;
    if (d.mod === 3) setReg64(c, d.rm, nLo, nHi);
    else c.write64(lin, nLo, nHi);
    if (!eq) setReg64(c, 0, dLo, dHi);
    return;
  }
  let lin = NaN;
  let dv: number;
  if (d.mod === 3) dv = c.getReg(size, d.rm, d.rmByte);
  else {
    lin = rmwLinear(c, d, size);
    if (c.fault) return;
    dv = c.readN(lin, size);
    if (c.fault) return;
  }
  alu(c, 7, c.getReg(size, 0, 0), dv, size);
  const eq = c.getZF() !== 0;
  // A register destination is written only on success: on failure a 32-bit destination keeps its
  // upper half in 64-bit mode (hardware behaviour; QEMU agrees). Memory is written back either way
  // (Intel SDM CMPXCHG: "the destination operand is written back if the comparison fails").
  if (d.mod === 3) {
    if (eq) c.setReg(size, d.rm, d.rmByte, c.getReg(size, d.reg, d.regByte));
  } else c.writeN(lin, size, eq ? c.getReg(size, d.reg, d.regByte) : dv);
  if (!eq) c.setReg(size, 0, 0, dv);
}

function cmpxchg8b(c: Machine, d: Decoded): void {
  const wide = d.osz === 8;
  const n = wide ? 16 : 8;
  const lin = c.eaLinear(d, n, true);
  if (c.fault) return;
  if (wide && lin % 16 !== 0) { c.raise(GP, 0); return; }
  if (!c.probeWrite(lin, n)) return;
  if (!wide) {
    const lo = c.read32(lin), hi = c.read32(lin + 4);
    if (c.fault) return;
    const eq = lo === c.r32[0] && hi === c.r32[4];
    if (eq) c.write64(lin, c.r32[6], c.r32[2]);
    else {
      c.write64(lin, lo, hi);
      c.setReg(4, 0, 0, lo);
      c.setReg(4, 2, 0, hi);
    }
    setFlagsExplicit(c, ZF, eq ? ZF : 0);
    return;
  }
  const w0 = c.read32(lin), w1 = c.read32(lin + 4), w2 = c.read32(lin + 8), w3 = c.read32(lin + 12);
  if (c.fault) return;
  const eq = w0 === c.r32[0] && w1 === c.r32[1] && w2 === c.r32[4] && w3 === c.r32[5];
  if (eq) {
    c.write64(lin, c.r32[6], c.r32[7]);
    c.write64(lin + 8, c.r32[2], c.r32[3]);
  } else {
    c.write64(lin, w0, w1);
    c.write64(lin + 8, w2, w3);
    setReg64(c, 0, w0, w1);
    setReg64(c, 2, w2, w3);
  }
  setFlagsExplicit(c, ZF, eq ? ZF : 0);
}

function xadd(c: Machine, d: Decoded, size: number): void {
  if (size === 8) {
    const sLo = c.r32[d.reg << 1], sHi = c.r32[(d.reg << 1) + 1];
    if (d.mod === 3) {
      const aLo = c.r32[d.rm << 1], aHi = c.r32[(d.rm << 1) + 1];
      const lo = alu64(c, 0, aLo, aHi, sLo, sHi);
      setReg64(c, d.reg, aLo, aHi);
      setReg64(c, d.rm, lo, c.hi);
      return;
    }
    const lin = rmwLinear(c, d, 8);
    if (c.fault) return;
    const aLo = readMem64(c, lin);
    const aHi = c.hi;
    if (c.fault) return;
    const lo = alu64(c, 0, aLo, aHi, sLo, sHi);
    c.write64(lin, lo, c.hi);
    setReg64(c, d.reg, aLo, aHi);
    return;
  }
  const s = c.getReg(size, d.reg, d.regByte);
  if (d.mod === 3) {
    const a = c.getReg(size, d.rm, d.rmByte);
    const r = alu(c, 0, a, s, size);
    c.setReg(size, d.reg, d.regByte, a);
    c.setReg(size, d.rm, d.rmByte, r);
    return;
  }
  const lin = rmwLinear(c, d, size);
  if (c.fault) return;
  const a = c.readN(lin, size);
  if (c.fault) return;
  c.writeN(lin, size, alu(c, 0, a, s, size));
  c.setReg(size, d.reg, d.regByte, a);
}

export { writeRm64 };
