/**
 * IEEE 754 binary32/binary64 arithmetic as SSE performs it (Intel SDM Vol. 1 §4.8, §10.2.3, §11.5):
 * every result is computed exactly (BigInt significands) and rounded once under MXCSR.RC, with
 * DAZ/FZ and the six exception flags. Values are passed as raw bit patterns (bigint) so that NaN
 * payloads and signed zeros survive.
 *
 * x86 specifics followed here:
 * - tininess is detected after rounding (SDM Vol. 1 §4.9.1.5); with FZ (and UE masked) a tiny result
 *   becomes a signed zero and sets UE and PE (SDM Vol. 1 §10.2.3.3);
 * - NaN results: the first source operand's NaN if it is one, else the second's, quieted; invalid
 *   operations return the QNaN floating-point indefinite (sign set) (SDM Vol. 1 table 4-7, §4.8.3.7);
 * - DE is reported for a denormal source (DAZ = 0) unless a NaN operand or an invalid operation takes
 *   priority (SDM Vol. 1 §11.5.2.1: a masked DE lets lower-priority exceptions follow).
 */

export const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;

export interface Fmt {
  /** precision (significand bits incl. the hidden one), exponent range, total width */
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
  readonly bias: number;
  readonly w: number;
}
export const F32: Fmt = { p: 24, emin: -126, emax: 127, bias: 127, w: 32 };
export const F64: Fmt = { p: 53, emin: -1022, emax: 1023, bias: 1023, w: 64 };

/** The rounding environment and accumulated flags of the instruction being executed. */
export const env = { rc: 0, daz: false, ftz: false, ueMasked: true, flags: 0 };

/** Load rc/daz/ftz/masks from an MXCSR value and clear the accumulated flags. */
export function setEnv(mxcsr: number): void {
  env.rc = (mxcsr >> 13) & 3;
  env.daz = (mxcsr & 0x40) !== 0;
  env.ftz = (mxcsr & 0x8000) !== 0;
  env.ueMasked = (mxcsr & 0x800) !== 0;
  env.flags = 0;
}

export const ZERO = 0, FINITE = 1, INF = 2, QNAN = 3, SNAN = 4;

/** An unpacked operand: value = (-1)^sign * sig * 2^exp for FINITE. */
export interface Un {
  cls: number;
  sign: number;
  sig: bigint;
  exp: number;
  denormal: boolean;
}

function fracBits(f: Fmt): number {
  return f.p - 1;
}

export function unpack(bits: bigint, f: Fmt): Un {
  const fb = fracBits(f);
  const ew = f.w - 1 - fb;
  const sign = Number((bits >> BigInt(f.w - 1)) & 1n);
  const e = Number((bits >> BigInt(fb)) & ((1n << BigInt(ew)) - 1n));
  const frac = bits & ((1n << BigInt(fb)) - 1n);
  if (e === (1 << ew) - 1) {
    if (frac === 0n) return { cls: INF, sign, sig: 0n, exp: 0, denormal: false };
    return { cls: frac >> BigInt(fb - 1) ? QNAN : SNAN, sign, sig: frac, exp: 0, denormal: false };
  }
  if (e === 0) {
    if (frac === 0n) return { cls: ZERO, sign, sig: 0n, exp: 0, denormal: false };
    // DAZ: a denormal source is a signed zero, and no DE (SDM Vol. 1 §10.2.3.4).
    if (env.daz) return { cls: ZERO, sign, sig: 0n, exp: 0, denormal: false };
    return { cls: FINITE, sign, sig: frac, exp: f.emin - fb, denormal: true };
  }
  return { cls: FINITE, sign, sig: frac | (1n << BigInt(fb)), exp: e - f.bias - fb, denormal: false };
}

export function packBits(sign: number, e: number, frac: bigint, f: Fmt): bigint {
  return (BigInt(sign) << BigInt(f.w - 1)) | (BigInt(e) << BigInt(fracBits(f))) | frac;
}

export function infBits(sign: number, f: Fmt): bigint {
  return packBits(sign, 2 * f.bias + 1, 0n, f);
}

export function zeroBits(sign: number, f: Fmt): bigint {
  return BigInt(sign) << BigInt(f.w - 1);
}

/** The QNaN floating-point indefinite: sign 1, quiet bit only. */
export function indefinite(f: Fmt): bigint {
  return packBits(1, 2 * f.bias + 1, 1n << BigInt(fracBits(f) - 1), f);
}

function quietBits(bits: bigint, f: Fmt): bigint {
  return bits | (1n << BigInt(fracBits(f) - 1));
}

export function isNan(u: Un): boolean {
  return u.cls >= QNAN;
}

/** NaN result of a two-operand operation: src1's NaN first (SDM Vol. 1 table 4-7, SSE column). */
function propagate(a: bigint, ua: Un, b: bigint, ub: Un, f: Fmt): bigint {
  if (ua.cls === SNAN || ub.cls === SNAN) env.flags |= IE;
  return isNan(ua) ? quietBits(a, f) : quietBits(b, f);
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Round sig >> shift under rc (sign for directed modes); returns [rounded, inexact]. */
function roundShift(sig: bigint, shift: number, sign: number): [bigint, boolean] {
  if (shift <= 0) return [sig << BigInt(-shift), false];
  const s = BigInt(shift);
  let r = sig >> s;
  const rem = sig & ((1n << s) - 1n);
  if (rem === 0n) return [r, false];
  const half = 1n << (s - 1n);
  let up = false;
  switch (env.rc) {
    case 0: up = rem > half || (rem === half && (r & 1n) === 1n); break;
    case 1: up = sign === 1; break;
    case 2: up = sign === 0; break;
  }
  if (up) r += 1n;
  return [r, true];
}

/**
 * Round the exact nonzero value (-1)^sign * sig * 2^exp into format f, setting OE/UE/PE. `sig` may
 * carry a sticky bit in its least significant position (it must then have at least p + 2 bits).
 */
export function roundPack(sign: number, sig: bigint, exp: number, f: Fmt): bigint {
  const n = bitLength(sig);
  const etop = exp + n - 1;
  // Tininess after rounding: would the result, rounded to p bits with an unbounded exponent, be below 2^emin?
  let tiny = etop < f.emin;
  if (etop === f.emin - 1) {
    const [r] = roundShift(sig, n - f.p, sign);
    if (bitLength(r) > f.p) tiny = false;
  }
  const q = Math.max(etop, f.emin) - (f.p - 1);
  let [r, inexact] = roundShift(sig, q - exp, sign);
  let qe = q;
  if (bitLength(r) > f.p) {
    r >>= 1n;
    qe++;
  }
  const top = qe + bitLength(r) - 1;
  if (top > f.emax) {
    env.flags |= OE | PE;
    const toInf = env.rc === 0 || (env.rc === 1 && sign === 1) || (env.rc === 2 && sign === 0);
    return toInf ? infBits(sign, f) : packBits(sign, 2 * f.bias, (1n << BigInt(f.p - 1)) - 1n, f);
  }
  if (tiny) {
    if (env.ftz && env.ueMasked) {
      env.flags |= UE | PE;
      return zeroBits(sign, f);
    }
    if (inexact || !env.ueMasked) env.flags |= UE;
  }
  if (inexact) env.flags |= PE;
  if (r === 0n) return zeroBits(sign, f);
  const fb = fracBits(f);
  if (bitLength(r) < f.p) return packBits(sign, 0, r, f); // denormal (qe === emin - fb)
  return packBits(sign, qe + fb + f.bias, r & ((1n << BigInt(fb)) - 1n), f);
}

function denormalCheck(ua: Un, ub: Un | null): void {
  if (ua.denormal || (ub !== null && ub.denormal)) env.flags |= DE;
}

/** a + b (or a − b with negate), exactly rounded. */
export function fAdd(a: bigint, b: bigint, f: Fmt, negate: boolean): bigint {
  const ua = unpack(a, f), ub = unpack(b, f);
  if (isNan(ua) || isNan(ub)) return propagate(a, ua, b, ub, f);
  const sb = ub.sign ^ (negate ? 1 : 0);
  if (ua.cls === INF || ub.cls === INF) {
    if (ua.cls === INF && ub.cls === INF && ua.sign !== sb) {
      env.flags |= IE;
      return indefinite(f);
    }
    denormalCheck(ua, ub);
    return ua.cls === INF ? infBits(ua.sign, f) : infBits(sb, f);
  }
  denormalCheck(ua, ub);
  const e = Math.min(ua.exp, ub.exp);
  const va = (ua.sign ? -ua.sig : ua.sig) << BigInt(ua.exp - e);
  const vb = (sb ? -ub.sig : ub.sig) << BigInt(ub.exp - e);
  const s = va + vb;
  if (s === 0n) {
    // Exact zero: −0 only for (−0) + (−0) or, in round-down, for x + (−x) (IEEE 754 §6.3).
    if (ua.cls === ZERO && ub.cls === ZERO && ua.sign === sb) return zeroBits(ua.sign, f);
    return zeroBits(env.rc === 1 ? 1 : 0, f);
  }
  return roundPack(s < 0n ? 1 : 0, s < 0n ? -s : s, e, f);
}

export function fMul(a: bigint, b: bigint, f: Fmt): bigint {
  const ua = unpack(a, f), ub = unpack(b, f);
  if (isNan(ua) || isNan(ub)) return propagate(a, ua, b, ub, f);
  const sign = ua.sign ^ ub.sign;
  if (ua.cls === INF || ub.cls === INF) {
    if (ua.cls === ZERO || ub.cls === ZERO) {
      env.flags |= IE;
      return indefinite(f);
    }
    denormalCheck(ua, ub);
    return infBits(sign, f);
  }
  denormalCheck(ua, ub);
  if (ua.cls === ZERO || ub.cls === ZERO) return zeroBits(sign, f);
  return roundPack(sign, ua.sig * ub.sig, ua.exp + ub.exp, f);
}

export function fDiv(a: bigint, b: bigint, f: Fmt): bigint {
  const ua = unpack(a, f), ub = unpack(b, f);
  if (isNan(ua) || isNan(ub)) return propagate(a, ua, b, ub, f);
  const sign = ua.sign ^ ub.sign;
  if ((ua.cls === INF && ub.cls === INF) || (ua.cls === ZERO && ub.cls === ZERO)) {
    env.flags |= IE;
    return indefinite(f);
  }
  denormalCheck(ua, ub);
  if (ua.cls === INF) return infBits(sign, f);
  if (ub.cls === INF) return zeroBits(sign, f);
  if (ub.cls === ZERO) {
    env.flags |= ZE;
    return infBits(sign, f);
  }
  if (ua.cls === ZERO) return zeroBits(sign, f);
  // Quotient with at least p + 2 bits, the remainder folded into a sticky bit.
  const k = Math.max(0, f.p + 3 + bitLength(ub.sig) - bitLength(ua.sig));
  const num = ua.sig << BigInt(k);
  let q = num / ub.sig;
  let exp = ua.exp - ub.exp - k;
  if (num % ub.sig !== 0n) {
    q = (q << 1n) | 1n;
    exp--;
  }
  return roundPack(sign, q, exp, f);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function fSqrt(a: bigint, f: Fmt): bigint {
  const ua = unpack(a, f);
  if (isNan(ua)) {
    if (ua.cls === SNAN) env.flags |= IE;
    return quietBits(a, f);
  }
  if (ua.cls === ZERO) return zeroBits(ua.sign, f);
  if (ua.sign) {
    env.flags |= IE;
    return indefinite(f);
  }
  denormalCheck(ua, null);
  if (ua.cls === INF) return infBits(0, f);
  let sig = ua.sig;
  let exp = ua.exp;
  if (exp & 1) {
    sig <<= 1n;
    exp--;
  }
  const k = Math.max(0, f.p + 3 - (bitLength(sig) >> 1));
  const n = sig << BigInt(2 * k);
  let r = isqrt(n);
  let re = (exp >> 1) - k;
  if (r * r !== n) {
    r = (r << 1n) | 1n;
    re--;
  }
  return roundPack(0, r, re, f);
}

/**
 * Compare: 0 less, 1 equal, 2 greater, 3 unordered. `signalQnan`: a QNaN operand is invalid too
 * (COMIS*, the LT/LE/NLT/NLE predicates, MIN/MAX).
 */
export function fCompare(a: bigint, b: bigint, f: Fmt, signalQnan: boolean): number {
  const ua = unpack(a, f), ub = unpack(b, f);
  if (isNan(ua) || isNan(ub)) {
    if (signalQnan || ua.cls === SNAN || ub.cls === SNAN) env.flags |= IE;
    return 3;
  }
  denormalCheck(ua, ub);
  const va = ordKey(ua), vb = ordKey(ub);
  return cmpKey(va, vb);
}

function ordKey(u: Un): [number, bigint, number] {
  // [sign class, magnitude as sig at exponent, exp] compared through cmpKey
  return [u.cls === ZERO ? 0 : u.sign ? -1 : 1, u.cls === INF ? -1n : u.sig, u.exp];
}

function cmpKey(a: [number, bigint, number], b: [number, bigint, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? 0 : 2;
  if (a[0] === 0) return 1;
  const mag = cmpMag(a, b);
  const r = a[0] > 0 ? mag : -mag;
  return r < 0 ? 0 : r === 0 ? 1 : 2;
}

function cmpMag(a: [number, bigint, number], b: [number, bigint, number]): number {
  const ai = a[1] === -1n, bi = b[1] === -1n;
  if (ai || bi) return ai && bi ? 0 : ai ? 1 : -1;
  const e = Math.min(a[2], b[2]);
  const x = a[1] << BigInt(a[2] - e), y = b[1] << BigInt(b[2] - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * MINPS/MAXPS family: dest < src ? dest : src (max: dest > src). Any NaN or two zeros return the
 * second (source) operand; any NaN is invalid (SDM Vol. 2 MINPS/MAXPS). With DAZ the flushed
 * (zero) value is what is returned.
 */
export function fMinMax(a: bigint, b: bigint, f: Fmt, max: boolean): bigint {
  const r = fCompare(a, b, f, true);
  const pick = r === (max ? 2 : 0) ? a : b;
  return env.daz ? dazFlush(pick, f) : pick;
}

function dazFlush(bits: bigint, f: Fmt): bigint {
  const fb = BigInt(fracBits(f));
  const e = (bits >> fb) & ((1n << BigInt(f.w - 1 - fracBits(f))) - 1n);
  if (e === 0n) return bits & (1n << BigInt(f.w - 1));
  return bits;
}

/** Float to float (CVTSS2SD / CVTSD2SS and packed forms). */
export function fConvert(a: bigint, from: Fmt, to: Fmt): bigint {
  const ua = unpack(a, from);
  if (isNan(ua)) {
    if (ua.cls === SNAN) env.flags |= IE;
    // Keep the payload's top bits (SDM Vol. 1 §4.8.3.7: the significand is truncated or padded on the right).
    const shift = fracBits(to) - fracBits(from);
    const frac = shift >= 0 ? ua.sig << BigInt(shift) : ua.sig >> BigInt(-shift);
    return quietBits(packBits(ua.sign, 2 * to.bias + 1, frac, to), to);
  }
  if (ua.cls === INF) return infBits(ua.sign, to);
  if (ua.cls === ZERO) return zeroBits(ua.sign, to);
  denormalCheck(ua, null);
  return roundPack(ua.sign, ua.sig, ua.exp, to);
}

/** Signed integer (bigint) to float. */
export function fFromInt(v: bigint, to: Fmt): bigint {
  if (v === 0n) return 0n;
  return roundPack(v < 0n ? 1 : 0, v < 0n ? -v : v, 0, to);
}

/**
 * Float to a signed integer of `bits` (32 or 64), rounding by MXCSR.RC or truncating; NaN and
 * out-of-range give the integer indefinite 1 << (bits − 1) with IE (SDM Vol. 2 CVTSS2SI).
 */
export function fToInt(a: bigint, from: Fmt, bits: number, truncate: boolean): bigint {
  const indef = -(1n << BigInt(bits - 1));
  const ua = unpack(a, from);
  if (ua.cls >= INF) {
    env.flags |= IE;
    return indef;
  }
  if (ua.cls === ZERO) return 0n;
  const saved = env.rc;
  if (truncate) env.rc = 3;
  const [r, inexact] = roundShift(ua.sig, -ua.exp, ua.sign);
  env.rc = saved;
  const v = ua.sign ? -r : r;
  if (v < indef || v > -indef - 1n) {
    env.flags |= IE;
    return indef;
  }
  if (inexact) env.flags |= PE;
  return v;
}
