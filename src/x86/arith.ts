/**
 * Integer arithmetic with x86 flag semantics (Intel SDM Vol. 2 instruction pages; Vol. 1 appendix A
 * for which flags each instruction defines). 8/16/32-bit values travel as int32 numbers; 64-bit
 * values as (lo, hi) int32 pairs, the high half of a result in `c.hi`.
 */
import { Machine, LZ_ADD, LZ_ADC, LZ_SUB, LZ_SBB, PARITY } from "./machine";

const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const ARITH = CF | PF | AF | ZF | SF | OF;
const TWO32 = 4294967296;

export function sizeMask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
}

/** The eight group-1 operations (ADD OR ADC SBB AND SUB XOR CMP) on sizes 1/2/4. Returns the result. */
export function alu(c: Machine, op: number, a: number, b: number, size: number): number {
  const m = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  a &= m;
  b &= m;
  let r: number;
  switch (op) {
    case 0:
      r = (a + b) & m;
      c.setLazy(LZ_ADD, size, a, b, r);
      return r;
    case 1:
      r = (a | b) & m;
      c.setLogic(size, r, 0);
      return r;
    case 2: {
      const cin = c.getCF();
      r = (a + b + cin) & m;
      c.lzCin = cin;
      c.setLazy(LZ_ADC, size, a, b, r);
      return r;
    }
    case 3: {
      const cin = c.getCF();
      r = (a - b - cin) & m;
      c.lzCin = cin;
      c.setLazy(LZ_SBB, size, a, b, r);
      return r;
    }
    case 4:
      r = a & b;
      c.setLogic(size, r, 0);
      return r;
    case 5:
    case 7:
      r = (a - b) & m;
      c.setLazy(LZ_SUB, size, a, b, r);
      return r;
    default:
      r = (a ^ b) & m;
      c.setLogic(size, r, 0);
      return r;
  }
}

/**
 * `alu` for 32-bit operands (int32 in, int32 out): the same results and lazy-flag state, in a body
 * small enough that V8 reliably inlines it into the specialised handlers (fast.ts).
 */
export function alu32(c: Machine, op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case 0:
      r = (a + b) | 0;
      c.setLazy(LZ_ADD, 4, a, b, r);
      return r;
    case 1:
      r = a | b;
      c.setLogic(4, r, 0);
      return r;
    case 4:
      r = a & b;
      c.setLogic(4, r, 0);
      return r;
    case 5:
    case 7:
      r = (a - b) | 0;
      c.setLazy(LZ_SUB, 4, a, b, r);
      return r;
    case 6:
      r = a ^ b;
      c.setLogic(4, r, 0);
      return r;
    default:
      return alu(c, op, a, b, 4); // ADC / SBB read CF
  }
}

/** 64-bit group-1 operation; returns the low half, high half in c.hi. */
export function alu64(c: Machine, op: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  let lo: number;
  let hi: number;
  switch (op) {
    case 0:
    case 2: {
      const cin = op === 2 ? c.getCF() : 0;
      const s = (aLo >>> 0) + (bLo >>> 0) + cin;
      lo = s | 0;
      hi = (aHi + bHi + (s >= TWO32 ? 1 : 0)) | 0;
      c.lzCin = cin;
      c.setLazy64(op === 2 ? LZ_ADC : LZ_ADD, aLo, aHi, bLo, bHi, lo, hi);
      break;
    }
    case 3:
    case 5:
    case 7: {
      const cin = op === 3 ? c.getCF() : 0;
      const s = (aLo >>> 0) - (bLo >>> 0) - cin;
      lo = s | 0;
      hi = (aHi - bHi - (s < 0 ? 1 : 0)) | 0;
      c.lzCin = cin;
      c.setLazy64(op === 3 ? LZ_SBB : LZ_SUB, aLo, aHi, bLo, bHi, lo, hi);
      break;
    }
    case 1:
      lo = aLo | bLo;
      hi = aHi | bHi;
      c.setLogic(8, lo, hi);
      break;
    case 4:
      lo = aLo & bLo;
      hi = aHi & bHi;
      c.setLogic(8, lo, hi);
      break;
    default:
      lo = aLo ^ bLo;
      hi = aHi ^ bHi;
      c.setLogic(8, lo, hi);
      break;
  }
  c.hi = hi;
  return lo;
}

/** INC (dec = false) / DEC of sizes 1/2/4/8 (high half in/out through aHi / c.hi). */
export function incDec(c: Machine, a: number, aHi: number, size: number, dec: boolean): number {
  if (size === 8) {
    const s = (a >>> 0) + (dec ? -1 : 1);
    const lo = s | 0;
    const hi = (aHi + (s >= TWO32 ? 1 : s < 0 ? -1 : 0)) | 0;
    c.setLazyKeepCf(dec ? LZ_SUB : LZ_ADD, 8, a, lo, hi);
    c.hi = hi;
    return lo;
  }
  const m = sizeMask(size);
  a &= m;
  const r = (dec ? a - 1 : a + 1) & m;
  c.setLazyKeepCf(dec ? LZ_SUB : LZ_ADD, size, a, r, 0);
  return r;
}

/** NEG: 0 - a, CF = (a != 0). */
export function neg(c: Machine, a: number, aHi: number, size: number): number {
  if (size === 8) return alu64(c, 5, 0, 0, a, aHi);
  return alu(c, 5, 0, a, size);
}

/** Set flags explicitly (for shifts/rotates/mul): `bits` are the new values of the `mask` flags. */
function setFlagsExplicit(c: Machine, mask: number, bits: number): void {
  // The flags set here leave the lazy state; the others, if lazy, still derive from lz*, which
  // this does not touch (every producer that rewrites lz* sets its whole mask): nothing to compute
  // now. (ROL after ADD leaves SF ZF AF PF the ADD's, still lazy.)
  c.lazyMask &= ~mask;
  c.flags = (c.flags & ~mask) | (bits & mask);
}

function szp(r: number, size: number, rHi: number): number {
  let f = PARITY[r & 0xff];
  if (size === 8) {
    if ((r | rHi) === 0) f |= ZF;
    if (rHi < 0) f |= SF;
  } else {
    const m = sizeMask(size);
    if ((r & m) === 0) f |= ZF;
    if ((r << (32 - size * 8)) < 0) f |= SF;
  }
  return f;
}

/**
 * Shift/rotate group 2 (/0 ROL /1 ROR /2 RCL /3 RCR /4 SHL /5 SHR /6 SAL /7 SAR) for sizes 1/2/4.
 * `count` is already masked (5 bits; 6 for 64-bit). A zero count changes nothing, flags included.
 */
export function shift(c: Machine, op: number, a: number, count: number, size: number): number {
  const bits = size * 8;
  const m = sizeMask(size);
  a &= m;
  if (count === 0) return a;
  let r: number;
  let cf: number;
  let of: number;
  switch (op) {
    case 0: {
      const n = count % bits;
      r = n === 0 ? a : ((a << n) | (a >>> (bits - n))) & m;
      cf = r & 1;
      of = ((r >>> (bits - 1)) & 1) ^ cf;
      setFlagsExplicit(c, CF | OF, cf | (of ? OF : 0));
      return r;
    }
    case 1: {
      const n = count % bits;
      r = n === 0 ? a : ((a >>> n) | (a << (bits - n))) & m;
      cf = (r >>> (bits - 1)) & 1;
      of = cf ^ ((r >>> (bits - 2)) & 1);
      setFlagsExplicit(c, CF | OF, cf | (of ? OF : 0));
      return r;
    }
    case 2: {
      // RCL through CF: rotate a (bits+1)-bit quantity.
      const n = count % (bits + 1);
      cf = c.getCF();
      r = a;
      for (let i = 0; i < n; i++) {
        const out = (r >>> (bits - 1)) & 1;
        r = ((r << 1) | cf) & m;
        cf = out;
      }
      of = ((r >>> (bits - 1)) & 1) ^ cf;
      setFlagsExplicit(c, CF | OF, cf | (of ? OF : 0));
      return r;
    }
    case 3: {
      const n = count % (bits + 1);
      cf = c.getCF();
      r = a;
      // OF is defined on the first step (before rotating): MSB xor CF.
      of = ((r >>> (bits - 1)) & 1) ^ cf;
      for (let i = 0; i < n; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf << (bits - 1))) & m;
        cf = out;
      }
      of = ((r >>> (bits - 1)) & 1) ^ ((r >>> (bits - 2)) & 1);
      setFlagsExplicit(c, CF | OF, cf | (of ? OF : 0));
      return r;
    }
    case 4:
    case 6: {
      if (count < 32) {
        r = (a << count) & m;
        cf = count <= bits ? (a >>> (bits - count)) & 1 : 0;
      } else {
        r = 0;
        cf = 0;
      }
      of = ((r >>> (bits - 1)) & 1) ^ cf;
      setFlagsExplicit(c, ARITH, cf | (of ? OF : 0) | szp(r, size, 0));
      return r;
    }
    case 5: {
      r = count < 32 ? (a >>> count) & m : 0;
      cf = count <= bits ? (a >>> (count - 1)) & 1 : 0;
      of = (a >>> (bits - 1)) & 1;
      setFlagsExplicit(c, ARITH, cf | (count === 1 && of ? OF : 0) | szp(r, size, 0));
      return r;
    }
    default: {
      const s = (a << (32 - bits)) >> (32 - bits);
      const n = count > bits - 1 ? bits - 1 : count;
      r = (s >> n) & m;
      cf = (s >> (count > bits ? bits - 1 : count - 1)) & 1;
      setFlagsExplicit(c, ARITH, cf | szp(r, size, 0));
      return r;
    }
  }
}

/** Bit `k` (0..63) of the 64-bit value hi:lo. */
function bit64(lo: number, hi: number, k: number): number {
  return k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1;
}

/** Halves of hi:lo << k and of hi:lo >>> k (logical), for k in 1..63. */
function shl64Lo(lo: number, k: number): number {
  return k < 32 ? lo << k : 0;
}
function shl64Hi(lo: number, hi: number, k: number): number {
  return k < 32 ? (hi << k) | (lo >>> (32 - k)) : lo << (k - 32);
}
function shr64Lo(lo: number, hi: number, k: number): number {
  return k < 32 ? (lo >>> k) | (hi << (32 - k)) : hi >>> (k - 32);
}
function shr64Hi(hi: number, k: number): number {
  return k < 32 ? hi >>> k : 0;
}

/** 64-bit shifts/rotates; count masked to 6 bits by the caller. High half in/out through aHi / c.hi. */
export function shift64(c: Machine, op: number, lo: number, hi: number, count: number): number {
  if (count === 0) {
    c.hi = hi;
    return lo;
  }
  let cf = 0;
  let rLo = lo;
  let rHi = hi;
  if (op === 2 || op === 3) {
    cf = c.getCF();
    const n = count % 65;
    for (let i = 0; i < n; i++) {
      if (op === 2) {
        const out = rHi >>> 31;
        rHi = (rHi << 1) | (rLo >>> 31);
        rLo = (rLo << 1) | cf;
        cf = out;
      } else {
        const out = rLo & 1;
        rLo = (rLo >>> 1) | (rHi << 31);
        rHi = (rHi >>> 1) | (cf << 31);
        cf = out;
      }
    }
    const of = op === 2 ? (rHi >>> 31) ^ cf : (rHi >>> 31) ^ ((rHi >>> 30) & 1);
    setFlagsExplicit(c, CF | OF, cf | (of ? OF : 0));
    c.hi = rHi;
    return rLo;
  }
  // ROL ROR SHL SHR SAL SAR by 1..63, in closed form (a kernel shifts 64-bit values all the time).
  const k = count;
  switch (op) {
    case 0: // ROL: the bits shifted out at the top come back at the bottom; CF = the new bit 0
      rLo = shl64Lo(lo, k) | shr64Lo(lo, hi, 64 - k);
      rHi = shl64Hi(lo, hi, k) | shr64Hi(hi, 64 - k);
      cf = rLo & 1;
      break;
    case 1: // ROR: CF = the new bit 63
      rLo = shr64Lo(lo, hi, k) | shl64Lo(lo, 64 - k);
      rHi = shr64Hi(hi, k) | shl64Hi(lo, hi, 64 - k);
      cf = rHi >>> 31;
      break;
    case 4:
    case 6: // SHL / SAL: CF = the last bit shifted out, bit 64 - count
      cf = bit64(lo, hi, 64 - k);
      rLo = shl64Lo(lo, k);
      rHi = shl64Hi(lo, hi, k);
      break;
    case 5: // SHR: CF = bit count - 1
      cf = bit64(lo, hi, k - 1);
      rLo = shr64Lo(lo, hi, k);
      rHi = shr64Hi(hi, k);
      break;
    default: // SAR
      cf = bit64(lo, hi, k - 1);
      rLo = k < 32 ? (lo >>> k) | (hi << (32 - k)) : hi >> (k - 32);
      rHi = k < 32 ? hi >> k : hi >> 31;
      break;
  }
  rLo |= 0;
  rHi |= 0;
  if (op === 0 || op === 1) {
    const of = op === 0 ? (rHi >>> 31) ^ cf : (rHi >>> 31) ^ ((rHi >>> 30) & 1);
    setFlagsExplicit(c, CF | OF, cf | (of ? OF : 0));
  } else {
    let of = 0;
    if (op === 4 || op === 6) of = (rHi >>> 31) ^ cf;
    else if (op === 5) of = count === 1 ? hi >>> 31 : 0;
    setFlagsExplicit(c, ARITH, cf | (of ? OF : 0) | szp(rLo, 8, rHi));
  }
  c.hi = rHi;
  return rLo;
}

/** SHLD (left = true) / SHRD for sizes 2/4: shift `a` filling from `b`. count masked to 5 bits. */
export function shiftDouble(c: Machine, a: number, b: number, count: number, size: number, left: boolean): number {
  if (count === 0) return a & sizeMask(size);
  const bits = size * 8;
  const m = sizeMask(size);
  a &= m;
  b &= m;
  let r: number;
  let cf: number;
  if (size === 2 && count > 16) {
    // Undefined result for 16-bit operands with count > 16; do what a 32-bit shifter of b:a does.
    const wide = left ? ((a << 16) | b) >>> 0 : ((b << 16) | a) >>> 0;
    const n = count - 16;
    r = left ? ((wide << n) | (a << n >>> 16)) >>> 16 : (wide >>> n) & 0xffff;
    cf = left ? (b >>> (16 - n)) & 1 : (a >>> (n - 1)) & 1;
  } else if (left) {
    r = ((a << count) | (b >>> (bits - count))) & m;
    cf = (a >>> (bits - count)) & 1;
  } else {
    r = ((a >>> count) | (b << (bits - count))) & m;
    cf = (a >>> (count - 1)) & 1;
  }
  r &= m;
  const of = ((r ^ a) >>> (bits - 1)) & 1;
  setFlagsExplicit(c, ARITH, cf | (of ? OF : 0) | szp(r, size, 0));
  return r;
}

export function shiftDouble64(c: Machine, aLo: number, aHi: number, bLo: number, bHi: number, count: number, left: boolean): number {
  let rLo = aLo;
  let rHi = aHi;
  let cf = 0;
  for (let i = 0; i < count; i++) {
    if (left) {
      cf = rHi >>> 31;
      rHi = (rHi << 1) | (rLo >>> 31);
      rLo = (rLo << 1) | (bHi >>> 31);
      bHi = (bHi << 1) | (bLo >>> 31);
      bLo <<= 1;
    } else {
      cf = rLo & 1;
      rLo = (rLo >>> 1) | (rHi << 31);
      rHi = (rHi >>> 1) | (bLo << 31);
      bLo = (bLo >>> 1) | (bHi << 31);
      bHi >>>= 1;
    }
  }
  rLo |= 0;
  rHi |= 0;
  if (count !== 0) {
    const of = ((rHi ^ aHi) >>> 31) & 1;
    setFlagsExplicit(c, ARITH, cf | (of ? OF : 0) | szp(rLo, 8, rHi));
  }
  c.hi = rHi;
  return rLo;
}

/** Unsigned or signed 32×32 → 64 multiply: low half returned, high half in c.hi. */
export function mul32(c: Machine, a: number, b: number, signed: boolean): number {
  const lo = Math.imul(a, b);
  const ua = a >>> 0;
  const ub = b >>> 0;
  // High half of the unsigned product from 16-bit limbs (exact in doubles).
  const aL = ua & 0xffff;
  const aH = ua >>> 16;
  const bL = ub & 0xffff;
  const bH = ub >>> 16;
  const mid = aH * bL + aL * bH + ((aL * bL) >>> 16);
  let hi = aH * bH + Math.floor(mid / 65536);
  if (signed) {
    if (a < 0) hi -= ub;
    if (b < 0) hi -= ua;
  }
  c.hi = hi | 0;
  return lo;
}

/** 64×64 → 128 multiply. Inputs (aLo,aHi),(bLo,bHi); result words in c.mulOut[0..3] (low first). */
export function mul64(c: Machine, aLo: number, aHi: number, bLo: number, bHi: number, signed: boolean): void {
  const out = c.mulOut;
  const neg = signed && (aHi < 0) !== (bHi < 0);
  if (signed) {
    if (aHi < 0) {
      const s = (~aLo >>> 0) + 1;
      aLo = s | 0;
      aHi = (~aHi + (s >= TWO32 ? 1 : 0)) | 0;
    }
    if (bHi < 0) {
      const s = (~bLo >>> 0) + 1;
      bLo = s | 0;
      bHi = (~bHi + (s >= TWO32 ? 1 : 0)) | 0;
    }
  }
  // Schoolbook on 16-bit limbs, column by column in doubles: each column sums at most four
  // products below 2^32, and a word with its carry stays below 2^53, so every step is exact.
  const a0 = aLo & 0xffff, a1 = aLo >>> 16, a2 = aHi & 0xffff, a3 = aHi >>> 16;
  const b0 = bLo & 0xffff, b1 = bLo >>> 16, b2 = bHi & 0xffff, b3 = bHi >>> 16;
  const w0 = a0 * b0 + (a0 * b1 + a1 * b0) * 65536;
  const w1 = Math.floor(w0 / TWO32) + a0 * b2 + a1 * b1 + a2 * b0 + (a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0) * 65536;
  const w2 = Math.floor(w1 / TWO32) + a1 * b3 + a2 * b2 + a3 * b1 + (a2 * b3 + a3 * b2) * 65536;
  const w3 = Math.floor(w2 / TWO32) + a3 * b3;
  out[0] = w0 % TWO32;
  out[1] = w1 % TWO32;
  out[2] = w2 % TWO32;
  out[3] = w3 % TWO32;
  if (neg) {
    let carry = 1;
    for (let k = 0; k < 4; k++) {
      const s = (~out[k] >>> 0) + carry;
      out[k] = s | 0;
      carry = s >= TWO32 ? 1 : 0;
    }
  }
}

/**
 * Unsigned 128 / 64 division: dividend (n3:n2:n1:n0) in c.mulOut, divisor (dLo, dHi). Returns false
 * when the quotient does not fit in 64 bits (#DE). Quotient in c.mulOut[0..1], remainder in [2..3].
 */
export function div128(c: Machine, dLo: number, dHi: number): boolean {
  const n = c.mulOut;
  const ud = dHi >>> 0;
  const udl = dLo >>> 0;
  // Quotient overflows unless the high 64 bits of the dividend are below the divisor.
  const nh = n[3] >>> 0;
  const nl = n[2] >>> 0;
  if (nh > ud || (nh === ud && nl >= udl)) return false;
  let rHi = n[3] >>> 0;
  let rLo = n[2] >>> 0;
  let qHi = n[1] >>> 0;
  let qLo = n[0] >>> 0;
  for (let i = 0; i < 64; i++) {
    const top = rHi >>> 31;
    rHi = ((rHi << 1) | (rLo >>> 31)) >>> 0;
    rLo = ((rLo << 1) | (qHi >>> 31)) >>> 0;
    qHi = ((qHi << 1) | (qLo >>> 31)) >>> 0;
    qLo = (qLo << 1) >>> 0;
    if (top || rHi > ud || (rHi === ud && rLo >= udl)) {
      const s = rLo - udl;
      rLo = s >>> 0;
      rHi = (rHi - ud - (s < 0 ? 1 : 0)) >>> 0;
      qLo = (qLo | 1) >>> 0;
    }
  }
  n[0] = qLo | 0;
  n[1] = qHi | 0;
  n[2] = rLo | 0;
  n[3] = rHi | 0;
  return true;
}

/** Flags after MUL/IMUL: CF = OF = `overflow`; SF/ZF/PF from the low result (what modern CPUs do), AF 0. */
export function mulFlags(c: Machine, overflow: boolean, lowResult: number, size: number): void {
  const f = overflow ? CF | OF : 0;
  setFlagsExplicit(c, ARITH, f | szp(lowResult, size === 8 ? 4 : size, 0));
}

export { setFlagsExplicit, szp };
